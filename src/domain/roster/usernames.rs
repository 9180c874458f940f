//! Usernames for a roster's pupils: what Chinese schools expect, the pinyin of the name
//! plus two or more digits (张三 → `zhangsan01`). Names in other scripts (Uyghur or Kazakh
//! in Arabic or Cyrillic letters, Latin) are transliterated to ASCII; only a–z is kept.

use pinyin::ToPinyin as _;

/// Room for the digits within the 32 characters a username may have.
const BASE_MAX: usize = 24;
/// The base when nothing of the name is left ("pupil").
const FALLBACK: &str = "xuesheng";

/// The letters a pupil's usernames start with: the pinyin of each Han character, the
/// ASCII transliteration of anything else, lower case a–z only, at most 24 letters.
pub fn base_of(display_name: &str) -> String {
    let mut base = String::new();
    for (c, pinyin) in display_name.chars().zip(display_name.to_pinyin()) {
        match pinyin {
            Some(p) => base.push_str(p.plain()),
            None => base.push_str(deunicode::deunicode_char(c).unwrap_or("")),
        }
    }
    let base: String = base.to_ascii_lowercase().chars().filter(char::is_ascii_lowercase).take(BASE_MAX).collect();
    if base.is_empty() { FALLBACK.to_owned() } else { base }
}

/// The `n`th candidate for a base: `zhangsan01`, `zhangsan02`, ... `zhangsan100`.
pub fn candidate(base: &str, n: u32) -> String {
    format!("{base}{n:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn han_names_become_pinyin_and_other_scripts_ascii_letters() {
        assert_eq!(base_of("张三"), "zhangsan");
        assert_eq!(base_of("阿依古丽·买买提"), "ayigulimaimaiti");
        assert_eq!(base_of("Айгүл"), "aigul");
        assert!(base_of("ئايگۈل").chars().all(|c| c.is_ascii_lowercase()));
        assert_eq!(base_of("Li Ming"), "liming");
        assert_eq!(base_of("·"), FALLBACK);
        assert_eq!(base_of(&"张".repeat(20)).len(), BASE_MAX);
        assert_eq!(candidate("zhangsan", 1), "zhangsan01");
        assert_eq!(candidate("zhangsan", 100), "zhangsan100");
    }
}
