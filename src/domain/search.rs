//! Free-text search input shared by the list endpoints.

use crate::error::AppError;

pub const MAX_QUERY_CHARS: usize = 100;

/// A trimmed search string, `None` when blank. Control characters (NUL included, which
/// PostgreSQL refuses in text) are refused rather than sent to the database.
pub fn check_query(field: &str, raw: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::validation(field, format!("must be at most {MAX_QUERY_CHARS} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::validation(field, "must not contain control characters"));
    }
    Ok(Some(text.to_owned()))
}

/// Characters of scripts written without spaces between words: Han, kana, Hangul.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x3134F) // Extensions B–G
}

/// One searchable unit: a CJK bigram or a whole word of any other script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    /// A lone CJK character: matched as the start of a bigram.
    pub prefix: bool,
}

/// Splits text into terms: runs of CJK become overlapping bigrams ("民族团结" → 民族 族团
/// 团结), so a two-character word matches wherever it appears; other letters and digits
/// form lower-cased words. This is done in Rust so both databases index exactly the same
/// terms, with their simplest tokenizers.
pub fn terms(text: &str) -> Vec<Term> {
    use unicode_normalization::UnicodeNormalization as _;
    let normalized: String = text.nfkc().flat_map(char::to_lowercase).collect();
    let mut out = Vec::new();
    let mut cjk_run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_cjk = |run: &mut Vec<char>, out: &mut Vec<Term>| {
        match run.len() {
            0 => {}
            1 => out.push(Term { text: run[0].to_string(), prefix: true }),
            _ => out.extend(run.windows(2).map(|w| Term { text: w.iter().collect(), prefix: false })),
        }
        run.clear();
    };
    let flush_word = |word: &mut String, out: &mut Vec<Term>| {
        if !word.is_empty() {
            out.push(Term { text: std::mem::take(word), prefix: false });
        }
    };
    for c in normalized.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            cjk_run.push(c);
        } else if c.is_alphanumeric() {
            flush_cjk(&mut cjk_run, &mut out);
            word.push(c);
        } else {
            flush_cjk(&mut cjk_run, &mut out);
            flush_word(&mut word, &mut out);
        }
    }
    flush_cjk(&mut cjk_run, &mut out);
    flush_word(&mut word, &mut out);
    out
}

/// The indexed form of a text: its terms separated by spaces. A lone CJK character is
/// indexed as itself so that one-character titles stay findable.
pub fn index_text(text: &str) -> String {
    terms(text).into_iter().map(|t| t.text).collect::<Vec<_>>().join(" ")
}

/// The distinct terms of a search query, at most `MAX_QUERY_TERMS` of them.
pub fn query_terms(query: &str) -> Vec<Term> {
    let mut seen = std::collections::HashSet::new();
    terms(query).into_iter().filter(|t| seen.insert(t.text.clone())).take(MAX_QUERY_TERMS).collect()
}

pub const MAX_QUERY_TERMS: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<String> {
        terms(input).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn chinese_runs_become_overlapping_bigrams() {
        assert_eq!(texts("民族团结"), ["民族", "族团", "团结"]);
    }

    #[test]
    fn other_scripts_become_lowercased_words() {
        assert_eq!(texts("Ethnic UNITY, 2026!"), ["ethnic", "unity", "2026"]);
        assert_eq!(texts("ئىتتىپاقلىق"), ["ئىتتىپاقلىق"]);
    }

    #[test]
    fn mixed_text_switches_cleanly_and_full_width_is_normalized() {
        assert_eq!(texts("同心App２０２６版"), ["同心", "app2026", "版"]);
        assert!(terms("团").first().is_some_and(|t| t.prefix));
    }
}
