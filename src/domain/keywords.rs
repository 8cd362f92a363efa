//! Risk keywords (DOMAIN.md §6): the word lists of `data/keywords/` (广告 ad, 诈骗 fraud,
//! 敏感 sensitive, 政治 political, 辱骂 abuse) compiled into one Aho-Corasick automaton,
//! and what a text hits, with the alert level (1–3) each hit calls for.
//!
//! One automaton for all lists rather than one per list: a text is scanned once however
//! many words there are (004 speaks of 1,200+), which matters when the KPI code runs
//! the `ad` list over every chat message of a day. Leftmost-longest so that 加我微信 is
//! reported as itself, not as a shorter word inside it; ASCII case-insensitive because
//! spammers write 加V and 加v alike. Pure: the lists come in as text (the shipped ones
//! are embedded; `domain::settings::team_keywords` applies the team's changes).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Serialize;

/// A keyword list's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Ad,
    Fraud,
    Sensitive,
    Political,
    Abuse,
}

/// An alert level (DOMAIN.md §6): 1 → close the group now, 2 → temporary mute,
/// 3 → warning. Lower is more serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "u8")]
pub enum Level {
    Close = 1,
    Mute = 2,
    Warn = 3,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Close, Level::Mute, Level::Warn];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(n: i64) -> Option<Level> {
        Level::ALL.into_iter().find(|l| i64::from(l.number()) == n)
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l.number()
    }
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Ad,
        Category::Fraud,
        Category::Sensitive,
        Category::Political,
        Category::Abuse,
    ];

    /// The level a hit of this list calls for unless its word says otherwise
    /// (DOMAIN.md §6: political → 1, fights → 2, ad spam → 3; fraud costs members money,
    /// so it is muted at once; sensitive is what gets a group closed).
    pub fn default_level(self) -> Level {
        match self {
            Category::Political | Category::Sensitive => Level::Close,
            Category::Fraud | Category::Abuse => Level::Mute,
            Category::Ad => Level::Warn,
        }
    }

    /// The stable English slug (and the list's file stem).
    pub fn word(self) -> &'static str {
        match self {
            Category::Ad => "ad",
            Category::Fraud => "fraud",
            Category::Sensitive => "sensitive",
            Category::Political => "political",
            Category::Abuse => "abuse",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Category::Ad => "广告",
            Category::Fraud => "诈骗",
            Category::Sensitive => "敏感",
            Category::Political => "政治",
            Category::Abuse => "辱骂",
        }
    }

    /// The slug or the Chinese label.
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.word().eq_ignore_ascii_case(s) || c.zh() == s)
    }

    /// The shipped list's text.
    pub fn shipped_list(self) -> &'static str {
        match self {
            Category::Ad => include_str!("../../data/keywords/ad.txt"),
            Category::Fraud => include_str!("../../data/keywords/fraud.txt"),
            Category::Sensitive => include_str!("../../data/keywords/sensitive.txt"),
            Category::Political => include_str!("../../data/keywords/political.txt"),
            Category::Abuse => include_str!("../../data/keywords/abuse.txt"),
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// One occurrence of a keyword in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// Byte offsets into the text (for highlighting).
    pub start: usize,
    pub end: usize,
    /// The word as listed (not as written in the text, which may differ in case).
    pub word: String,
    pub category: Category,
    /// The alert level this hit calls for.
    pub level: Level,
}

/// The compiled lists.
#[derive(Clone)]
pub struct Keywords {
    ac: Option<AhoCorasick>,
    /// Pattern index → (word, category).
    words: Vec<(String, Category)>,
}

impl std::fmt::Debug for Keywords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keywords")
            .field("words", &self.words.len())
            .finish_non_exhaustive()
    }
}

impl Default for Keywords {
    fn default() -> Self {
        Keywords::shipped()
    }
}

impl Keywords {
    /// The lists shipped in `data/keywords/`.
    pub fn shipped() -> Keywords {
        let lists: Vec<(Category, &str)> = Category::ALL
            .into_iter()
            .map(|c| (c, c.shipped_list()))
            .collect();
        Keywords::from_lists(&lists)
    }

    /// Lists as file text: one word per line, `#` starts a comment, blank lines ignored.
    /// A word listed twice keeps its first category.
    pub fn from_lists(lists: &[(Category, &str)]) -> Keywords {
        let mut words: Vec<(String, Category)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (cat, text) in lists {
            for line in text.lines() {
                let w = line.split('#').next().unwrap_or("").trim();
                if w.is_empty() || !seen.insert(w.to_ascii_lowercase()) {
                    continue;
                }
                words.push((w.to_string(), *cat));
            }
        }
        let ac = if words.is_empty() {
            None
        } else {
            // Building only fails past the automaton's size limits, far beyond any word
            // list; without an automaton nothing is matched rather than panicking.
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(true)
                .build(words.iter().map(|(w, _)| w.as_str()))
                .ok()
        };
        Keywords { ac, words }
    }

    /// How many distinct words are listed.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Every non-overlapping hit, in text order.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        ac.find_iter(text)
            .filter_map(|m| {
                let (word, category) = self.words.get(m.pattern().as_usize())?;
                Some(Hit {
                    start: m.start(),
                    end: m.end(),
                    word: word.clone(),
                    category: *category,
                    level: category.default_level(),
                })
            })
            .collect()
    }

    /// Whether `text` contains any word of `category` (cheaper than `find`: stops at
    /// the first hit of that category).
    pub fn contains(&self, text: &str, category: Category) -> bool {
        let Some(ac) = &self.ac else {
            return false;
        };
        ac.find_iter(text).any(|m| {
            self.words
                .get(m.pattern().as_usize())
                .is_some_and(|(_, c)| *c == category)
        })
    }

    /// The distinct (word, category) pairs `text` hits, in order of first appearance:
    /// what a refusal lists.
    pub fn distinct(&self, text: &str) -> Vec<(String, Category)> {
        let mut out: Vec<(String, Category)> = Vec::new();
        for h in self.find(text) {
            if !out.iter().any(|(w, _)| *w == h.word) {
                out.push((h.word, h.category));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_lists_load_with_every_category() {
        let k = Keywords::shipped();
        assert!(k.len() >= 45, "{}", k.len());
        for c in Category::ALL {
            let n = k.words.iter().filter(|(_, cat)| *cat == c).count();
            assert!((5..=40).contains(&n), "{c}: {n} words");
        }
    }

    #[test]
    fn finds_words_with_byte_offsets_and_categories() {
        let k = Keywords::shipped();
        for (text, want) in [
            ("加我微信领取免费资料", vec![("加我微信", Category::Ad)]),
            (
                "手机刷单每天 200,日结,请转账交保证金",
                vec![
                    ("刷单", Category::Fraud),
                    ("转账", Category::Fraud),
                    ("保证金", Category::Fraud),
                ],
            ),
            ("本群禁止赌博", vec![("赌博", Category::Sensitive)]),
            ("宝宝积食了怎么办?3 个小妙招", vec![]),
        ] {
            let hits = k.find(text);
            let got: Vec<(&str, Category)> =
                hits.iter().map(|h| (h.word.as_str(), h.category)).collect();
            assert_eq!(got, want, "{text}");
            for h in &hits {
                assert_eq!(&text[h.start..h.end], h.word, "{text}");
            }
        }
    }

    #[test]
    fn leftmost_longest_and_ascii_case_insensitive() {
        let k = Keywords::from_lists(&[
            (Category::Ad, "微信\n加我微信\n加V:\n"),
            (Category::Fraud, "# a comment\n\n刷单  # trailing comment\n"),
        ]);
        assert_eq!(k.len(), 4);
        let hits = k.find("快加我微信,或者加v:abc 刷单");
        let words: Vec<&str> = hits.iter().map(|h| h.word.as_str()).collect();
        assert_eq!(words, ["加我微信", "加V:", "刷单"]);
        assert_eq!(hits[1].start, "快加我微信,或者".len());
        assert!(k.contains("刷单", Category::Fraud));
        assert!(!k.contains("刷单", Category::Ad));
    }

    #[test]
    fn a_word_in_two_lists_keeps_its_first_category_and_empty_lists_match_nothing() {
        let k = Keywords::from_lists(&[(Category::Ad, "代购"), (Category::Fraud, "代购\n返利")]);
        assert_eq!(k.distinct("代购 代购 返利").len(), 2);
        assert_eq!(k.find("代购")[0].category, Category::Ad);
        let none = Keywords::from_lists(&[]);
        assert!(none.is_empty());
        assert!(none.find("加我微信").is_empty());
    }

    #[test]
    fn categories_parse_from_slug_or_label() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.word()), Some(c));
            assert_eq!(Category::parse(c.zh()), Some(c));
        }
        assert_eq!(Category::parse("AD"), Some(Category::Ad));
        assert_eq!(Category::parse("spam"), None);
    }
}
