//! Picking the translation to serve from `Accept-Language` (or `?locale=`).

/// The locale content is written in unless it says otherwise.
pub const DEFAULT: &str = "zh-Hans";

/// The caller's language preferences, best first, from an `Accept-Language` value.
pub fn preferences(accept_language: &str) -> Vec<String> {
    let mut prefs: Vec<(String, f32, usize)> = accept_language
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            if tag.is_empty() || tag == "*" || tag.len() > 35 {
                return None;
            }
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            (q > 0.0).then(|| (tag.to_owned(), q, i))
        })
        .collect();
    prefs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    prefs.into_iter().map(|(tag, ..)| tag).collect()
}

/// Simplified-Chinese region tags all mean zh-Hans for our content.
fn canonical(tag: &str) -> String {
    match tag.to_ascii_lowercase().as_str() {
        "zh" | "zh-cn" | "zh-sg" | "zh-hans" | "zh-hans-cn" => DEFAULT.to_owned(),
        "zh-tw" | "zh-hk" | "zh-mo" | "zh-hant" => "zh-Hant".to_owned(),
        _ => tag.to_owned(),
    }
}

fn language(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

/// The best of `available` for these preferences: an exact match first, then the same
/// language (`en-US` → `en`), else `fallback` (the content's own locale).
pub fn negotiate<'a>(preferences: &[String], available: &[&'a str], fallback: &'a str) -> &'a str {
    for pref in preferences {
        let pref = canonical(pref);
        if let Some(hit) = available.iter().find(|a| a.eq_ignore_ascii_case(&pref)) {
            return hit;
        }
        if let Some(hit) = available.iter().find(|a| language(a).eq_ignore_ascii_case(language(&pref))) {
            return hit;
        }
    }
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_values_order_the_preferences() {
        assert_eq!(preferences("en;q=0.5, ug-CN, zh;q=0.8, fr;q=0"), ["ug-CN", "zh", "en"]);
    }

    #[test]
    fn negotiation_prefers_exact_then_language_then_fallback() {
        let available = ["zh-Hans", "en", "ug"];
        assert_eq!(negotiate(&preferences("en-GB"), &available, "zh-Hans"), "en");
        assert_eq!(negotiate(&preferences("zh-CN,en"), &available, "zh-Hans"), "zh-Hans");
        assert_eq!(negotiate(&preferences("fr, ug-CN"), &available, "zh-Hans"), "ug");
        assert_eq!(negotiate(&preferences("fr"), &available, "zh-Hans"), "zh-Hans");
    }
}
