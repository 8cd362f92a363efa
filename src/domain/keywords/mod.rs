//! Risk keywords (DOMAIN.md §6): the word lists of `data/keywords/` (广告 ad, 诈骗 fraud,
//! 敏感 sensitive, 政治 political, 辱骂 abuse) compiled into one Aho-Corasick automaton,
//! and what a text hits, with the alert level (1–3) each hit calls for.
//!
//! Spammers write 代 写, 代寫, ＥＳＳＡＹ, 加 薇 信 to step around a literal list, so words
//! and texts are folded alike first ([`normalise`]: width, case, traditional → simplified,
//! separators and emoji dropped) and each hit is mapped back to the original characters
//! it covers. Homophone and shape variants (薇信, vx, 扣扣) are data ([`variants`]),
//! expanded into more spellings of the listed words. A word has its list's level unless
//! its line says otherwise, and may carry exception contexts in which it is no hit
//! (刷单 is fraud, 刷单词 is homework) — the line syntax is [`list`]'s.
//!
//! One automaton for all lists and spellings rather than one per list: a text is folded
//! and scanned once however many words there are, which matters when an import scans
//! every message. Leftmost-longest so that 加我微信 is reported as itself, not as a
//! shorter word inside it, and so an exception context that starts at or before its word
//! covers it. Pure: the lists come in as text (the shipped ones are embedded;
//! `domain::settings::team_keywords` applies the team's changes and exceptions).

pub mod dryrun;
pub mod list;
pub mod normalise;
pub mod variants;

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Serialize;

pub use list::{Entry, LineProblem};
use normalise::{Normalised, glued_latin, normalise};

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
            Category::Ad => include_str!("../../../data/keywords/ad.txt"),
            Category::Fraud => include_str!("../../../data/keywords/fraud.txt"),
            Category::Sensitive => include_str!("../../../data/keywords/sensitive.txt"),
            Category::Political => include_str!("../../../data/keywords/political.txt"),
            Category::Abuse => include_str!("../../../data/keywords/abuse.txt"),
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

/// A word as the matcher holds it: its list, its level, the contexts it is no hit in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    /// As listed (a hit reports this, whatever spelling was written).
    pub word: String,
    pub category: Category,
    pub level: Level,
    pub except: Vec<String>,
}

/// What a pattern of the automaton stands for.
#[derive(Debug, Clone, Copy)]
enum Pattern {
    /// A spelling of the word at this index.
    Word(usize),
    /// An exception context: what it covers is no hit.
    Except,
}

/// The compiled lists: every word, every variant spelling and every exception context,
/// folded ([`normalise`]), in one automaton.
#[derive(Clone)]
pub struct Keywords {
    ac: Option<AhoCorasick>,
    /// Pattern index → what it stands for.
    patterns: Vec<Pattern>,
    /// The listed words, then the canonical spellings the `alone` variants report.
    words: Vec<Word>,
    /// How many of `words` are listed.
    listed: usize,
}

impl std::fmt::Debug for Keywords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keywords")
            .field("words", &self.listed)
            .field("patterns", &self.patterns.len())
            .finish_non_exhaustive()
    }
}

impl Default for Keywords {
    fn default() -> Self {
        Keywords::shipped()
    }
}

/// The shipped lists, compiled once per process: the automaton is shared (cloning
/// `Keywords` clones an `Arc`), so tests and commands that ask for it again pay nothing.
static SHIPPED: LazyLock<Keywords> = LazyLock::new(|| {
    let lists: Vec<(Category, &str)> = Category::ALL
        .into_iter()
        .map(|c| (c, c.shipped_list()))
        .collect();
    Keywords::from_lists(&lists)
});

thread_local! {
    /// The folded text of the last scan, reused: a scan allocates nothing once warm.
    static SCRATCH: RefCell<Normalised> = RefCell::new(Normalised::default());
}

impl Keywords {
    /// The lists shipped in `data/keywords/`.
    pub fn shipped() -> Keywords {
        SHIPPED.clone()
    }

    /// Lists as file text ([`list`] syntax), with the shipped variants. A word listed
    /// twice keeps its first category and level. A line that does not parse is left out
    /// (logged): the shipped lists' test and `keywords test --file` refuse them instead.
    pub fn from_lists(lists: &[(Category, &str)]) -> Keywords {
        let mut entries = Vec::new();
        for (cat, text) in lists {
            for (line, r) in list::parse_list(text) {
                match r {
                    Ok(e) => entries.push((*cat, e)),
                    Err(e) => tracing::warn!(list = cat.word(), line, "keyword line left out: {e}"),
                }
            }
        }
        Keywords::build(&entries, &variants::shipped())
    }

    /// Compile `entries` with the variant `groups`. An `alone` variant is matched only
    /// when its list has words here (empty lists match nothing).
    pub fn build(entries: &[(Category, Entry)], groups: &[variants::Group]) -> Keywords {
        Keywords::build_with(entries, groups, &[])
    }

    /// [`Keywords::build`] with more exception contexts that belong to no listed word
    /// (a false positive of a variant's canonical spelling).
    pub fn build_with(
        entries: &[(Category, Entry)],
        groups: &[variants::Group],
        contexts: &[String],
    ) -> Keywords {
        let mut words: Vec<Word> = Vec::new();
        let mut by_folded: HashMap<String, usize> = HashMap::new();
        let mut folded_words: Vec<String> = Vec::new();
        for (cat, e) in entries {
            let folded = normalise(&e.word);
            if folded.is_empty() {
                continue;
            }
            if let Some(&i) = by_folded.get(&folded) {
                // the same word again (another list, a team exception): its contexts join
                for c in &e.except {
                    if !words[i].except.contains(c) {
                        words[i].except.push(c.clone());
                    }
                }
                continue;
            }
            by_folded.insert(folded.clone(), words.len());
            folded_words.push(folded);
            words.push(Word {
                word: e.word.clone(),
                category: *cat,
                level: e.level.unwrap_or(cat.default_level()),
                except: e.except.clone(),
            });
        }
        let listed = words.len();
        let mut pats: Vec<String> = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut seen: HashMap<String, ()> = HashMap::new();
        let mut add = |p: String, what: Pattern, pats: &mut Vec<String>| {
            if !p.is_empty() && seen.insert(p.clone(), ()).is_none() {
                pats.push(p);
                patterns.push(what);
            }
        };
        for (i, f) in folded_words.iter().enumerate() {
            add(f.clone(), Pattern::Word(i), &mut pats);
        }
        for c in words.iter().flat_map(|w| &w.except).chain(contexts) {
            add(normalise(c), Pattern::Except, &mut pats);
        }
        // spellings of listed words before the alone variants: 加vx reports 加微信 (a
        // listed word) rather than the canonical 加微
        let folded_groups = variants::folded(groups);
        for (i, f) in folded_words.iter().enumerate() {
            for form in variants::expand(f, &folded_groups) {
                add(form, Pattern::Word(i), &mut pats);
            }
        }
        let present: Vec<Category> = words.iter().map(|w| w.category).collect();
        for g in groups {
            let Some((cat, level)) = g.alone_as() else {
                continue;
            };
            if g.alone.is_empty() || !present.contains(&cat) {
                continue;
            }
            let canonical = normalise(&g.canonical);
            let i = match by_folded.get(&canonical) {
                Some(&i) => i,
                None => {
                    by_folded.insert(canonical, words.len());
                    words.push(Word {
                        word: g.canonical.clone(),
                        category: cat,
                        level,
                        except: Vec::new(),
                    });
                    words.len() - 1
                }
            };
            for v in &g.alone {
                add(normalise(v), Pattern::Word(i), &mut pats);
            }
        }
        let ac = if pats.is_empty() {
            None
        } else {
            // Building only fails past the automaton's size limits, far beyond any word
            // list; without an automaton nothing is matched rather than panicking.
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&pats)
                .map_err(|e| tracing::error!("keyword automaton not built: {e}"))
                .ok()
        };
        Keywords {
            ac,
            patterns,
            words,
            listed,
        }
    }

    /// How many distinct words are listed.
    pub fn len(&self) -> usize {
        self.listed
    }

    pub fn is_empty(&self) -> bool {
        self.listed == 0
    }

    /// The word of `category` a hit reports for `word` as given (any case or width):
    /// a listed word, or the canonical spelling an `alone` variant reports.
    pub fn reports(&self, category: Category, word: &str) -> Option<&str> {
        let folded = normalise(word);
        self.words
            .iter()
            .find(|w| w.category == category && normalise(&w.word) == folded)
            .map(|w| w.word.as_str())
    }

    /// How many patterns the automaton holds (words, variant spellings, contexts).
    pub fn patterns(&self) -> usize {
        self.patterns.len()
    }

    /// The listed words.
    pub fn words(&self) -> &[Word] {
        &self.words[..self.listed]
    }

    /// Walk the hits of `text` in order, `f` told the word and the original span, until
    /// it says stop. One pass over the folded text; a hit inside an exception context is
    /// none, nor is a latin word glued to latin letters in the original (`is bad` has
    /// no `sb`).
    fn scan(&self, text: &str, mut f: impl FnMut(&Word, usize, usize) -> ControlFlow<()>) {
        let Some(ac) = &self.ac else {
            return;
        };
        SCRATCH.with_borrow_mut(|n| {
            n.fill(text);
            for m in ac.find_iter(n.text.as_str()) {
                let Some(Pattern::Word(i)) = self.patterns.get(m.pattern().as_usize()) else {
                    continue;
                };
                let (Some(word), Some((a, b))) =
                    (self.words.get(*i), n.original(m.start(), m.end()))
                else {
                    continue;
                };
                let folded = &n.text[m.start()..m.end()];
                let latin_start = folded.starts_with(|c: char| c.is_ascii_lowercase());
                let latin_end = folded.ends_with(|c: char| c.is_ascii_lowercase());
                if (latin_start && glued_latin(text, a, false))
                    || (latin_end && glued_latin(text, b, true))
                {
                    continue;
                }
                if f(word, a, b).is_break() {
                    break;
                }
            }
        });
    }

    /// Every non-overlapping hit, in text order, with its span in `text` as written.
    pub fn find(&self, text: &str) -> Vec<Hit> {
        let mut out = Vec::new();
        self.scan(text, |w, start, end| {
            out.push(Hit {
                start,
                end,
                word: w.word.clone(),
                category: w.category,
                level: w.level,
            });
            ControlFlow::Continue(())
        });
        out
    }

    /// Whether `text` contains any word of `category` (stops at the first).
    pub fn contains(&self, text: &str, category: Category) -> bool {
        let mut found = false;
        self.scan(text, |w, _, _| {
            if w.category == category {
                found = true;
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        found
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

    /// The shipped lists with the team additions (essay), compiled once for the
    /// whole test binary.
    static TEAM: LazyLock<Keywords> = LazyLock::new(|| {
        let mut entries: Vec<(Category, Entry)> = Vec::new();
        for c in Category::ALL {
            for (_, e) in list::parse_list(c.shipped_list()) {
                entries.push((c, e.unwrap()));
            }
        }
        entries.push((
            Category::Ad,
            Entry {
                word: "essay".into(),
                level: None,
                except: vec![],
            },
        ));
        Keywords::build(&entries, &variants::shipped())
    });

    #[test]
    fn shipped_lists_parse_and_are_of_a_real_size() {
        for c in Category::ALL {
            for (line, e) in list::parse_list(c.shipped_list()) {
                assert!(e.is_ok(), "{c}.txt:{line}: {e:?}");
            }
        }
        let k = Keywords::shipped();
        assert!(k.len() >= 800, "{}", k.len());
        for c in Category::ALL {
            let n = k.words().iter().filter(|w| w.category == c).count();
            assert!(n >= 100, "{c}: {n} words");
        }
        assert!(k.patterns() > k.len(), "variants add spellings");
    }

    /// Every evasion of issue 15 and more: (text, the word reported, what of the text the
    /// hit covers).
    #[test]
    fn evasions_match_their_word_and_map_back_to_the_original() {
        for (text, word, covers) in [
            ("代 写", "代写", "代 写"),
            ("专业代寫論文", "代写论文", "代寫論文"),
            ("代_写", "代写", "代_写"),
            ("ＥＳＳＡＹ 包改", "essay", "ＥＳＳＡＹ"),
            ("快来加 微 信", "加微信", "加 微 信"),
            ("有事联系薇信", "微信", "薇信"),
            ("徽信:abc123", "微信", "徽信"),
            ("加vx 领资料", "加微信", "加vx"),
            ("有兴趣 私 聊 我", "私聊我", "私 聊 我"),
            // more of our own
            ("加★薇★信领红包", "加微信", "加★薇★信"),
            ("加\u{200B}微\u{200B}信", "加微信", "加\u{200B}微\u{200B}信"),
            ("ＶＸ：hello", "微信", "ＶＸ"),
            ("V 信同号", "微信同号", "V 信同号"),
            ("+V:888", "加v", "+V"),
            ("➕薇信", "加微信", "➕薇信"),
            ("加威信详聊", "加微信详聊", "加威信详聊"),
            ("扣扣 12345", "qq", "扣扣"),
            ("加扣扣群", "加qq群", "加扣扣群"),
            ("绿泡泡联系", "微信", "绿泡泡"),
            ("手机刷-单,日结", "手机刷单", "手机刷-单"),
            ("兼職刷單", "兼职刷单", "兼職刷單"),
            ("兼值刷单", "兼职刷单", "兼值刷单"),
            ("代.考 包过", "代考", "代.考"),
            ("私撩我", "私聊我", "私撩我"),
            ("私撩", "私聊", "私撩"),
            ("扫 码 进 裙", "扫码进群", "扫 码 进 裙"),
            ("低價代購", "低价代购", "低價代購"),
            ("一手貨源", "一手货源", "一手貨源"),
            ("网-赌-平-台", "网赌", "网-赌"),
            ("法 轮 功", "法轮功", "法 轮 功"),
            ("法輪功", "法轮功", "法輪功"),
            ("你个傻b", "傻逼", "傻b"),
            ("煞 笔", "煞笔", "煞 笔"),
            ("S B", "sb", "S B"),
            ("你是sb吧", "sb", "sb"),
            ("①号 加 vx", "加微信", "加 vx"),
            ("约p吗", "约炮", "约p"),
            ("😀代😀写😀", "代写", "代😀写"),
            ("代︎写", "代写", "代︎写"),
        ] {
            let hits = TEAM.find(text);
            let Some(h) = hits.first() else {
                panic!("{text}: no hit");
            };
            assert_eq!(h.word, word, "{text}: {hits:?}");
            assert_eq!(&text[h.start..h.end], covers, "{text}");
        }
    }

    #[test]
    fn two_hundred_clean_posts_raise_nothing() {
        let posts: Vec<&str> = include_str!("../../../tests/fixtures/keywords/clean_posts.txt")
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .collect();
        assert!(posts.len() >= 200, "{}", posts.len());
        let k = Keywords::shipped();
        let flagged: Vec<(&str, Vec<Hit>)> = posts
            .iter()
            .map(|p| (*p, k.find(p)))
            .filter(|(_, h)| !h.is_empty())
            .collect();
        assert!(flagged.is_empty(), "{flagged:#?}");
    }

    #[test]
    fn latin_words_do_not_match_across_removed_spaces() {
        let k = Keywords::from_lists(&[(Category::Abuse, "sb\n"), (Category::Ad, "vx\n")]);
        for (text, hit) in [
            ("is bad", false),
            ("this bus", false),
            ("usb", false),
            ("s b", true),
            ("sb!", true),
            ("你sb", true),
            ("vx123", true),
            ("加vx", true),
            ("vxing", false),
            ("ｖｘ", true),
        ] {
            assert_eq!(!k.find(text).is_empty(), hit, "{text}");
        }
    }

    #[test]
    fn exceptions_guard_words_in_their_contexts() {
        let k = Keywords::from_lists(&[
            (Category::Fraud, "刷单 !刷单词\n"),
            (Category::Ad, "微商 !微商城\n"),
            (Category::Abuse, "sb !help sb\n"),
        ]);
        assert!(k.find("今天刷单词30个").is_empty());
        assert!(k.find("今天刷 单 词").is_empty(), "contexts are folded too");
        assert!(k.find("微商城下单").is_empty());
        assert!(k.find("help sb do").is_empty());
        assert_eq!(k.find("刷单日结")[0].word, "刷单");
        assert_eq!(k.find("做微商")[0].word, "微商");
        // a context only covers its own span
        let hits = k.find("刷单词 然后刷单");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].start, "刷单词 然后".len());
        // exceptions added from outside (the team's) work for variant words too
        let k = Keywords::build_with(&[], &variants::shipped(), &["徽信公众号".into()]);
        assert!(k.find("徽信公众号").is_empty());
    }

    #[test]
    fn levels_come_from_the_line_or_the_list() {
        let k = Keywords::from_lists(&[
            (Category::Abuse, "白痴 @3\n弄死你 @1\n贱人\n"),
            (Category::Ad, "招代理\n"),
        ]);
        let level = |t: &str| k.find(t)[0].level;
        assert_eq!(level("白痴"), Level::Warn);
        assert_eq!(level("弄死你"), Level::Close);
        assert_eq!(level("贱人"), Level::Mute);
        assert_eq!(level("招代理"), Level::Warn);
    }

    #[test]
    fn finds_words_with_byte_offsets_and_categories() {
        let k = Keywords::shipped();
        for (text, want) in [
            ("加我微信领取免费资料", vec![("加我微信", Category::Ad)]),
            (
                "手机刷单每天 200,日结,先交保证金",
                vec![("手机刷单", Category::Fraud), ("交保证金", Category::Fraud)],
            ),
            ("本群有人网赌", vec![("网赌", Category::Sensitive)]),
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
    fn leftmost_longest_and_case_insensitive() {
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
        assert!(none.find("加我微信 薇信").is_empty());
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
