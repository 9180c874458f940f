//! Free-text search input shared by the list endpoints.

use crate::error::AppError;

pub const MAX_QUERY_CHARS: usize = 100;

/// A trimmed search string, `None` when blank. At most `MAX_QUERY_CHARS` characters as
/// sent (the documents' `maxLength`, which counts the spaces around it too). Control
/// characters (NUL included, which PostgreSQL refuses in text) are refused rather than
/// sent to the database.
pub fn check_query(field: &str, raw: Option<&str>) -> Result<Option<String>, AppError> {
    if raw.is_some_and(|raw| raw.chars().count() > MAX_QUERY_CHARS) {
        return Err(AppError::validation(field, format!("must be at most {MAX_QUERY_CHARS} characters")));
    }
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
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
            let mut text = std::mem::take(word);
            text.truncate(cut_point(&text));
            out.push(Term { text, prefix: false });
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

/// The longest term, in bytes: longer words (a pasted hash, a run of letters) are cut to
/// their first `MAX_TERM_BYTES`, in the index and in queries alike, never refused.
/// PostgreSQL refuses a lexeme over 2,047 bytes ("word is too long"); no query (at most
/// 100 characters) names a word that long anyway.
pub const MAX_TERM_BYTES: usize = 255;

/// The most distinct term bytes one indexed text holds; terms past it are not indexed.
/// PostgreSQL refuses a `tsvector` whose lexemes pass 1 MiB, and a title and a body
/// (with its translations) share one.
pub const MAX_INDEX_BYTES: usize = 384 * 1024;

/// Where to cut a word so it keeps at most `MAX_TERM_BYTES` bytes, on a character boundary.
fn cut_point(word: &str) -> usize {
    if word.len() <= MAX_TERM_BYTES {
        return word.len();
    }
    (0..=MAX_TERM_BYTES).rev().find(|&i| word.is_char_boundary(i)).unwrap_or(0)
}

/// The indexed form of a text: its distinct terms, in order of first appearance, separated
/// by spaces, at most `MAX_INDEX_BYTES` of them. A lone CJK character is indexed as itself
/// so that one-character titles stay findable. (Matching needs no positions or counts.)
pub fn index_text(text: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    for term in terms(text) {
        if out.len() + term.text.len() + 1 > MAX_INDEX_BYTES {
            break;
        }
        if seen.insert(term.text.clone()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&term.text);
        }
    }
    out
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
    fn long_words_are_cut_and_the_index_holds_each_term_once_within_its_budget() {
        let long = "a".repeat(3000);
        assert_eq!(texts(&long), ["a".repeat(MAX_TERM_BYTES)]);
        let cyrillic = "ж".repeat(200);
        assert!(texts(&cyrillic)[0].len() <= MAX_TERM_BYTES);
        assert_eq!(index_text("unity 团结 unity 团结"), "unity 团结");
        // Distinct bigrams of many different characters overflow the budget: cut, not refused.
        let many: String = (0..200_000u32).filter_map(|i| char::from_u32(0x4E00 + (i * 7919) % 20_000)).collect();
        assert!(index_text(&many).len() <= MAX_INDEX_BYTES);
    }

    #[test]
    fn mixed_text_switches_cleanly_and_full_width_is_normalized() {
        assert_eq!(texts("同心App２０２６版"), ["同心", "app2026", "版"]);
        assert!(terms("团").first().is_some_and(|t| t.prefix));
    }
}
