//! Article bodies: Markdown in, sanitized HTML out, and a reading-time estimate.

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown to HTML that is safe to show in a web view: no scripts, no event
/// handlers, no `javascript:` or `data:` URLs; links and images with http(s) URLs stay.
pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

/// Chinese is read at about 400 characters a minute, other languages at about 200 words.
pub fn reading_time_s(text: &str) -> i32 {
    let cjk =
        text.chars().filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c) || ('\u{3400}'..='\u{4DBF}').contains(c)).count();
    let words = text
        .split(|c: char| !c.is_alphanumeric() || ('\u{3400}'..='\u{9FFF}').contains(&c))
        .filter(|w| !w.is_empty())
        .count();
    let seconds = cjk as f64 * 60.0 / 400.0 + words as f64 * 60.0 / 200.0;
    (seconds.ceil() as i32).max(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_scripts_do_not_survive() {
        let html = to_safe_html("## 标题\n\n**团结**<script>alert(1)</script>");
        assert!(html.contains("<h2>标题</h2>") && html.contains("<strong>团结</strong>"), "{html}");
        assert!(!html.contains("script"), "{html}");
    }

    #[test]
    fn reading_time_counts_chinese_characters() {
        assert_eq!(reading_time_s(&"团".repeat(400)), 60);
        assert_eq!(reading_time_s("短"), 10);
    }
}
