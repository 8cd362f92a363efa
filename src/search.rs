//! Member search: what was typed, aligned to syllables. 张三 is found by `张三`, `zhang`,
//! `zhangsan`, `zs`, `zhangs` (张 + a syllable starting with s) and `zhs`; not by
//! `zhaping`-style subsequences spread over syllables (`zhang` does not find 赵平英,
//! zhao-ping-ying). Fast enough per keystroke over a million members.
//!
//! This module owns [`SearchIndex`] (the Members tab and `members list --search`: built once
//! per load of the member list, queried per keystroke, grown by [`SearchIndex::append`] when
//! a few members change) and [`Matcher`] / [`rank`] (the same rules over a handful of
//! strings without an index: every picker, the `:` palette, the content form's group hint,
//! and which alias a Members row matched). Nothing else in the crate depends on how it works
//! inside.
//!
//! The rules (README "Search"):
//! - A text is a sequence of tokens: a Chinese character with its pinyin readings (a
//!   name's first character, the surname, with up to 3: 单 `dan`/`shan`/`chan`, 曾
//!   `zeng`/`ceng`, 解 `jie`/`xie`; the others with their most common one, since rare
//!   readings such as 王 `yu` would make `yu` find every 王; a few characters, in
//!   `PLACE_READINGS`, with the readings places and names use: 长沙 `changsha`, 重庆
//!   `chongqing`), a latin letter or digit (accents folded: `Zoë` ← `zoe`), or a
//!   separator (space, punctuation, emoji). A query word matches when it can be cut into
//!   pieces that match consecutive tokens: a Chinese character by itself or by a non-empty
//!   prefix of one of its readings, a letter by itself, a separator by itself; separators in
//!   the text may be skipped; once a reading was abbreviated, the next ones are abbreviated
//!   too (`zs`, `zhangs`, `lxm`; not `z`+`hang`, so `zhang` does not find 曾航). So latin
//!   texts match by substring (`amy` in `Lamy`), pinyin by whole syllables, initials or
//!   whole syllables then initials, and never by letters picked across syllables.
//! - Ranking, per word and text (higher is better): 7 the whole text, typed out in full
//!   (`zhangsan`, `张三`, `amy` for Amy); 6 a prefix typed out in full (`zhang`, `zhangs`,
//!   `zhan` for 张三); 5 the whole text with initials (`zs`); 4 a prefix with initials; 3 a
//!   match starting at a later syllable or word (`zhang` in 小张, `li` in `Amy_Li`); 2 the
//!   same with initials; 1 inside a latin word (`amy` in `Lamy`). A member's key for a word
//!   is 8 + that class when the name matches, else the class of the best alias (group
//!   nickname): any name match ranks above any alias match. Words add their keys; an item
//!   must match every word; ties go by index.
//!
//! Design choices (and why):
//! - **Tokens are `u32`s in one flat pool** (kind, syllable id, char), one 16-byte head per
//!   member (its letter mask, where its tokens start, its pair filter), one byte per member
//!   for each of the 36 + 24 precomputed columns below. Syllables are ids into one table of every toneless
//!   reading the pinyin data holds (~410), built once per process.
//! - **A query word becomes a plan**: for every position of the word and every syllable,
//!   the positions a match can reach by a full reading or by a prefix of it. Matching a
//!   text is then a pass over its tokens with the reachable positions of each class held
//!   as bits of a `u64` (a word is cut at 63 characters): a token costs a few loads, no
//!   allocation, no backtracking.
//! - **Cheap rejections first**: the member's letter mask (one load) must hold every letter
//!   of the query; a name match stops the scan of the aliases.
//! - **First keystrokes without scanning**: one letter or digit reads its precomputed column
//!   of keys (a counting sort over a megabyte); so do the two- and three-letter words of
//!   `PREFIXES` (`zh`, `sha`, `wa`…: right after `z` or `s` a third of a Chinese roster is
//!   still a candidate, and scoring it was the slowest keystroke); a query with a Chinese
//!   character only looks at the members holding its rarest one.
//! - **The first two letters filter too**: each member's head holds a 64-bit filter of the
//!   letter pairs a match can start with (`start_pairs`), so `zs` or `hz` scores the few
//!   members that can match, not every one `z` or `h` kept.
//! - **Narrowing**: a match for `zhang` is a match for `zhan` (a prefix of a reading is a
//!   reading prefix too), so `search_within` only scores the previous keystroke's result,
//!   marked in a bitmap and walked in index order: it equals `search`.
//! - **Scored in batches of 32** whose memory is touched first, so cache misses overlap;
//!   **two cores**: above 8,192 candidates the scan is split into contiguous, equally loaded
//!   ranges under `std::thread::scope`; **linear sort**: keys are small integers and
//!   candidates come in index order, so a stable counting sort gives best first.
//! - **Bounded work per text**: texts are cut at 256 characters.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{LazyLock, Mutex};

use nucleo_matcher::chars;
use pinyin::ToPinyinMulti;

/// Texts are cut at this many characters: bounds the work per keystroke.
const MAX_TEXT_CHARS: usize = 256;
/// A query word is cut at this many characters (its positions are bits of a `u64`).
const MAX_WORD_CHARS: usize = 63;
/// At most this many readings of a surname are considered (most common first).
const MAX_READINGS: usize = 3;
/// Below this many candidates a keystroke runs on the calling thread only.
const PARALLEL_MIN: usize = 8_192;
/// At most this many threads per keystroke.
const MAX_THREADS: usize = 8;
/// Keys spread over more than this many values are sorted by comparison instead of counting.
const COUNTING_SORT_MAX_RANGE: u32 = 1 << 16;
/// Letters and digits: each has a precomputed column of single-character keys.
const SINGLES: usize = 36;
/// Words of two and three letters with a precomputed column of keys too: the second and
/// third keystrokes of the syllables most names start with. Narrowing makes every later
/// keystroke cheap, but these come right after a letter that matches a third of a
/// Chinese roster (`z`, `s`, `c`, `w`), so scoring them would look at that third: 60,000
/// to 330,000 members at a million. The syllable initials `zh`, `ch`, `sh` with each
/// vowel after them, and the two-letter starts of the commonest surnames (王 `wa`, 李刘林
/// `li`, 杨 `ya`, 黄胡 `hu`, 吴 `wu`, 徐 `xu`). A word's parent (the word less its last
/// letter) comes before it: an item only matches a word if it matches its parent.
const PREFIXES: [&str; 24] = [
    "zh", "ch", "sh", "wa", "li", "ya", "hu", "wu", "xu", "zha", "zhe", "zhi", "zho", "zhu", "cha",
    "che", "chi", "cho", "chu", "sha", "she", "shi", "sho", "shu",
];

// A token: kind in the top 2 bits, a syllable id in the next 9, a char in the low 21.
const KIND_SHIFT: u32 = 30;
const SYL_SHIFT: u32 = 21;
const SYL_MASK: u32 = 0x1FF;
const CHAR_MASK: u32 = 0x1F_FFFF;
/// A latin letter or digit inside a word (lower-cased).
const K_LIT: u32 = 0;
/// A latin letter or digit starting a word (after a non-letter, a lower→upper or a
/// letter↔digit change).
const K_WORD: u32 = 1;
/// A Chinese character with its first reading; more readings follow as `K_OTHER` tokens
/// with a syllable id and no char.
const K_SYL: u32 = 2;
/// A separator (char, no syllable id), another reading of the previous character
/// (syllable id, no char), or the end of a text (neither).
const K_OTHER: u32 = 3;
/// Ends each text of an item (the first text is the name).
const END: u32 = K_OTHER << KIND_SHIFT;

/// Match classes (see the header), and the bonus of a name over an alias.
const WHOLE_FULL: u8 = 7;
const PREFIX_FULL: u8 = 6;
const WHOLE_INITIALS: u8 = 5;
const PREFIX_INITIALS: u8 = 4;
const INNER_FULL: u8 = 3;
const INNER_INITIALS: u8 = 2;
const INSIDE_WORD: u8 = 1;
const NAME_BONUS: u32 = 8;

#[inline]
fn kind_of(tok: u32) -> u32 {
    tok >> KIND_SHIFT
}

#[inline]
fn syl_of(tok: u32) -> usize {
    ((tok >> SYL_SHIFT) & SYL_MASK) as usize
}

#[inline]
fn char_of(tok: u32) -> u32 {
    tok & CHAR_MASK
}

/// Another reading of the character just before.
#[inline]
fn is_alt(tok: u32) -> bool {
    kind_of(tok) == K_OTHER && syl_of(tok) != 0
}

/// The column of a one-character query (`a`–`z`, `0`–`9`, lower-cased already).
#[inline]
fn single_index(c: u8) -> Option<usize> {
    match c {
        b'a'..=b'z' => Some(usize::from(c - b'a')),
        b'0'..=b'9' => Some(26 + usize::from(c - b'0')),
        _ => None,
    }
}

/// The mask bit of an ASCII byte (after folding): one per letter, one for all digits, one for
/// everything else.
#[inline]
fn byte_bit(b: u8) -> u32 {
    match b {
        b'a'..=b'z' => 1 << (b - b'a'),
        b'A'..=b'Z' => 1 << (b - b'A'),
        b'0'..=b'9' => 1 << 26,
        _ => 1 << 27,
    }
}

/// Chinese characters (and other CJK ones): neither folded nor normalised.
#[inline]
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3FFFF}')
}

/// Lower case, latin accents off (`Ë` → `e`), CJK untouched: the same for texts and queries.
#[inline]
fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else if is_cjk(c) {
        c
    } else {
        chars::to_lower_case(chars::normalize(c))
    }
}

/// Every toneless pinyin reading (ü written `v`, as typed), and each Chinese character's
/// readings as ids into it. Built once per process from the pinyin crate's tables.
struct Syllables {
    /// By id; id 0 is unused (a token without a syllable).
    names: Vec<String>,
    /// The `byte_bit`s of each syllable's letters.
    masks: Vec<u32>,
    /// For each first letter, the ids of the syllables starting with it.
    by_first: Vec<Vec<u16>>,
    /// Readings (ids, most common first, 0 = none) per character of each range.
    ranges: Vec<(u32, Vec<[u16; MAX_READINGS]>)>,
    /// `PLACE_READINGS` as ids.
    places: Vec<(char, [u16; MAX_READINGS])>,
}

/// The readings of a few characters wherever they are not a surname, when the tables' most
/// common one is not the one places and names use (长沙 `changsha`, not `zhangsha`; 厦门
/// `xiamen`), or both are common (重庆 `chongqing` and 重要 `zhongyao`, 银行 `yinhang`,
/// 音乐 `yinyue`).
const PLACE_READINGS: [(char, &[&str]); 5] = [
    ('长', &["chang"]),
    ('厦', &["xia"]),
    ('重', &["zhong", "chong"]),
    ('行', &["xing", "hang"]),
    ('乐', &["le", "yue"]),
];

/// The characters the pinyin tables cover (CJK unified ideographs and their extensions,
/// compatibility ideographs).
const PINYIN_RANGES: [(u32, u32); 3] = [(0x3400, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FFFF)];

static SYLLABLES: LazyLock<Syllables> = LazyLock::new(Syllables::build);

/// The plans of `PREFIXES` and where each one's parent's key is (`Ok`: a `PREFIXES`
/// word before it; `Err`: a single-letter column), made once per process (an `append`
/// uses them too).
static PREFIX_PLANS: LazyLock<Vec<(Plan, Result<usize, usize>)>> = LazyLock::new(|| {
    PREFIXES
        .iter()
        .enumerate()
        .map(|(p, w)| {
            let parent = &w[..w.len() - 1];
            let at = match PREFIXES[..p].iter().position(|x| *x == parent) {
                Some(q) => Ok(q),
                None => Err(parent.bytes().next().and_then(single_index).unwrap_or(0)),
            };
            (Plan::new(w), at)
        })
        .collect()
});

impl Syllables {
    fn build() -> Syllables {
        let mut names = vec![String::new()];
        let mut ids: HashMap<String, u16> = HashMap::new();
        let mut ranges = Vec::new();
        for (lo, hi) in PINYIN_RANGES {
            let mut table = vec![[0u16; MAX_READINGS]; (hi - lo + 1) as usize];
            for (slot, code) in table.iter_mut().zip(lo..=hi) {
                let Some(multi) = char::from_u32(code).and_then(|c| c.to_pinyin_multi()) else {
                    continue;
                };
                let mut n = 0;
                for p in multi {
                    let name = p.plain().replace('ü', "v");
                    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase()) {
                        continue;
                    }
                    let next = names.len();
                    let id = *ids.entry(name.clone()).or_insert_with(|| {
                        names.push(name);
                        next as u16
                    });
                    // (ids past the 9 bits of a token stay out; the test shows ~410 in all)
                    if usize::from(id) > SYL_MASK as usize || slot[..n].contains(&id) {
                        continue;
                    }
                    slot[n] = id;
                    n += 1;
                    if n == MAX_READINGS {
                        break;
                    }
                }
            }
            ranges.push((lo, table));
        }
        let places = PLACE_READINGS
            .iter()
            .map(|&(c, readings)| {
                let mut slot = [0u16; MAX_READINGS];
                for (at, r) in slot.iter_mut().zip(readings) {
                    *at = ids.get(*r).copied().unwrap_or(0);
                }
                (c, slot)
            })
            .collect();
        let masks = names
            .iter()
            .map(|n| n.bytes().fold(0, |m, b| m | byte_bit(b)))
            .collect();
        let mut by_first = vec![Vec::new(); 26];
        for (id, name) in names.iter().enumerate().skip(1) {
            if let (Some(&b), Ok(id)) = (name.as_bytes().first(), u16::try_from(id))
                && b.is_ascii_lowercase()
                && usize::from(id) <= SYL_MASK as usize
            {
                by_first[usize::from(b - b'a')].push(id);
            }
        }
        Syllables {
            names,
            masks,
            by_first,
            ranges,
            places,
        }
    }

    /// The readings of `c` (ids, 0 = none), when it has any.
    #[inline]
    fn readings(&self, c: char) -> Option<&[u16; MAX_READINGS]> {
        let code = c as u32;
        let (lo, table) = self
            .ranges
            .iter()
            .find(|(lo, t)| code >= *lo && code < lo + t.len() as u32)?;
        table.get((code - lo) as usize).filter(|r| r[0] != 0)
    }
}

/// Appends the tokens of `text` and an `END` to `out`, its Chinese characters to `cjk`;
/// returns the `byte_bit`s of every letter a match can use. `name`: the text is a name,
/// whose first Chinese character (the surname) gets all its readings.
fn tokenize(text: &str, name: bool, out: &mut Vec<u32>, cjk: &mut Vec<char>) -> u32 {
    let syl = &*SYLLABLES;
    let mut mask = 0;
    let mut surname = name;
    // The previous token when a letter or digit: (digit, lower-case letter).
    let mut prev: Option<(bool, bool)> = None;
    for c in text.chars().take(MAX_TEXT_CHARS) {
        // (control characters and whitespace are all one separator; queries never hold them)
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        let f = fold(c);
        if f.is_ascii_alphanumeric() {
            let digit = f.is_ascii_digit();
            let word = match prev {
                None => true,
                Some((was_digit, was_lower)) => {
                    was_digit != digit || (was_lower && c.is_uppercase())
                }
            };
            let kind = if word { K_WORD } else { K_LIT };
            out.push(kind << KIND_SHIFT | f as u32);
            mask |= byte_bit(f as u8);
            prev = Some((digit, f.is_ascii_lowercase() && !c.is_uppercase()));
            continue;
        }
        prev = None;
        if let Some(readings) = is_cjk(c).then(|| syl.readings(c)).flatten() {
            let (readings, n) = match syl.places.iter().find(|(p, _)| *p == c) {
                _ if surname => (readings, MAX_READINGS),
                Some((_, place)) if place[0] != 0 => (place, MAX_READINGS),
                _ => (readings, 1),
            };
            surname = false;
            out.push(K_SYL << KIND_SHIFT | u32::from(readings[0]) << SYL_SHIFT | c as u32);
            mask |= syl.masks[usize::from(readings[0])];
            for &r in readings[1..n].iter().filter(|&&r| r != 0) {
                out.push(K_OTHER << KIND_SHIFT | u32::from(r) << SYL_SHIFT);
                mask |= syl.masks[usize::from(r)];
            }
            cjk.push(c);
        } else {
            out.push(K_OTHER << KIND_SHIFT | f as u32);
            if f.is_ascii() {
                mask |= byte_bit(f as u8);
            }
            if is_cjk(c) {
                cjk.push(c);
            }
        }
    }
    out.push(END);
    mask
}

/// Whether only separators (and other readings) are left.
#[inline]
fn rest_is_sep(toks: &[u32]) -> bool {
    toks.iter().all(|&t| kind_of(t) == K_OTHER)
}

/// One query word, prepared: what each token does to the set of matched lengths.
struct Plan {
    /// The bit of a complete match.
    done: u64,
    /// For each ASCII char, the positions of the word holding it.
    eq: [u64; 128],
    /// The same for the other chars of the word.
    others: Vec<(u32, u64)>,
    /// Positions holding a letter: where a reading can start.
    letters: u64,
    /// `trans[j * nsyl + s]`: the lengths reached from `j` by the whole of syllable `s` and
    /// by an abbreviation of it (a shorter prefix, or a one-letter reading).
    trans: Vec<[u64; 2]>,
    nsyl: usize,
    /// The syllables a match can start on (by their whole reading or a prefix).
    starts: [u64; 8],
    /// The `byte_bit`s of the word's ASCII chars: an item must have them all.
    mask: u32,
    /// The word's Chinese characters.
    cjk: Vec<char>,
    /// The one letter or digit the word is, if so.
    single: Option<u8>,
    /// The word as matched (folded, cut): which precomputed column answers it, if any.
    text: String,
    /// The `pair_bit` of its first two chars when both are letters or digits, else 0.
    pair: u64,
}

impl Plan {
    fn new(word: &str) -> Plan {
        let syl = &*SYLLABLES;
        let units: Vec<char> = word.chars().map(fold).take(MAX_WORD_CHARS).collect();
        let len = units.len();
        let mut eq = [0u64; 128];
        let mut others: Vec<(u32, u64)> = Vec::new();
        let mut letters = 0;
        let mut mask = 0;
        let mut cjk = Vec::new();
        for (j, &u) in units.iter().enumerate() {
            let bit = 1u64 << j;
            if u.is_ascii() {
                eq[u as usize] |= bit;
                if !u.is_ascii_control() {
                    mask |= byte_bit(u as u8);
                }
                if u.is_ascii_lowercase() {
                    letters |= bit;
                }
            } else {
                match others.iter_mut().find(|(c, _)| *c == u as u32) {
                    Some((_, m)) => *m |= bit,
                    None => others.push((u as u32, bit)),
                }
                if is_cjk(u) {
                    cjk.push(u);
                }
            }
        }
        let nsyl = syl.names.len();
        let mut trans = Vec::new();
        if letters != 0 {
            trans = vec![[0u64; 2]; len * nsyl];
            for j in (0..len).filter(|&j| letters >> j & 1 == 1) {
                let rest: Vec<u8> = units[j..]
                    .iter()
                    .map_while(|&u| u.is_ascii_lowercase().then_some(u as u8))
                    .collect();
                for &s in &syl.by_first[usize::from(rest[0] - b'a')] {
                    let name = syl.names[usize::from(s)].as_bytes();
                    let common = name.iter().zip(&rest).take_while(|(a, b)| a == b).count();
                    let cell = &mut trans[j * nsyl + usize::from(s)];
                    for k in 1..=common.min(name.len() - 1) {
                        cell[1] |= 1 << (j + k);
                    }
                    if common == name.len() {
                        cell[0] |= 1 << (j + common);
                        if common == 1 {
                            // a one-letter reading (阿 `a`) is its own initial too
                            cell[1] |= 1 << (j + 1);
                        }
                    }
                }
            }
        }
        let mut starts = [0u64; 8];
        if letters & 1 != 0 {
            for (id, cell) in trans[..nsyl].iter().enumerate() {
                if cell[0] | cell[1] != 0 {
                    starts[id / 64] |= 1 << (id % 64);
                }
            }
        }
        let single = match units.as_slice() {
            [u] if u.is_ascii_alphanumeric() => Some(*u as u8),
            _ => None,
        };
        let pair = match units.as_slice() {
            [a, b, ..] if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() => {
                pair_bit(*a as u8, *b as u8)
            }
            _ => 0,
        };
        Plan {
            pair,
            text: units.iter().collect(),
            starts,
            done: 1 << len,
            eq,
            others,
            letters,
            trans,
            nsyl,
            mask,
            cjk,
            single,
        }
    }

    /// Whether a match can start on syllable `id`.
    #[inline]
    fn starts_with(&self, id: usize) -> bool {
        self.starts[(id / 64) & 7] >> (id % 64) & 1 != 0
    }

    /// The positions of the word holding `c`.
    #[inline]
    fn eq_char(&self, c: u32) -> u64 {
        if c < 128 {
            self.eq[c as usize]
        } else {
            self.others
                .iter()
                .find(|(o, _)| *o == c)
                .map_or(0, |(_, m)| *m)
        }
    }
}

// The sets of matched lengths, by how the match started and whether every syllable so far
// was typed out in full.
const PF: usize = 0;
const PA: usize = 1;
const IF: usize = 2;
const IA: usize = 3;
const MID: usize = 4;

/// The class of the best match of a word in one text's tokens (0: none).
#[inline]
fn score_text(p: &Plan, toks: &[u32]) -> u8 {
    let done = p.done;
    let mut s = [0u64; 5];
    let mut best = 0u8;
    // No letter, digit or character seen yet: a match starting here starts the text.
    let mut lead = true;
    let mut t = 0;
    // Whether a match is under way: if not, only a token the word's first char can start
    // on needs the full step (most tokens are skipped with a load or two).
    let mut live = false;
    while t < toks.len() {
        let tok = toks[t];
        t += 1;
        let kind = kind_of(tok);
        if !live {
            let starts = match kind {
                K_LIT | K_WORD => p.eq[char_of(tok) as usize & 127] & 1 != 0,
                K_SYL => {
                    p.eq_char(char_of(tok)) & 1 != 0
                        || p.starts_with(syl_of(tok))
                        || toks[t..]
                            .iter()
                            .take_while(|&&a| is_alt(a))
                            .any(|&a| p.starts_with(syl_of(a)))
                }
                _ => char_of(tok) != 0 && p.eq_char(char_of(tok)) & 1 != 0,
            };
            if !starts {
                match kind {
                    K_LIT | K_WORD => lead = false,
                    K_SYL => {
                        lead = false;
                        while t < toks.len() && is_alt(toks[t]) {
                            t += 1;
                        }
                    }
                    _ => {}
                }
                continue;
            }
        }
        // (whole: the last piece was a whole token, so the match may end the text)
        let (whole, reached) = match kind {
            K_LIT | K_WORD => {
                s[if lead {
                    PF
                } else if kind == K_WORD {
                    IF
                } else {
                    MID
                }] |= 1;
                lead = false;
                let e = p.eq[char_of(tok) as usize & 127];
                for x in &mut s {
                    *x = (*x & e) << 1;
                }
                let any = s[PF] | s[PA] | s[IF] | s[IA] | s[MID];
                ([s[PF], s[PA]], any)
            }
            K_SYL => {
                s[if lead { PF } else { IF }] |= 1;
                lead = false;
                let mut end = t;
                while end < toks.len() && is_alt(toks[end]) {
                    end += 1;
                }
                let alts = &toks[t..end];
                t = end;
                let e = p.eq_char(char_of(tok));
                let first = syl_of(tok);
                let mut full = [0u64; 5];
                let mut part = [0u64; 5];
                for k in 0..5 {
                    let x = s[k];
                    if x == 0 {
                        continue;
                    }
                    // After an abbreviated syllable only abbreviations follow (`zs`,
                    // `zhangs`, not `z`+`hang` for 曾航): whole readings go to the sets
                    // typed in full only.
                    let whole = if k == PA || k == IA { 0 } else { u64::MAX };
                    let mut f = (x & e) << 1;
                    let mut pt = 0;
                    let mut bits = x & p.letters;
                    while bits != 0 {
                        let j = bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        let row = &p.trans[j * p.nsyl..(j + 1) * p.nsyl];
                        let [tf, tp] = row[first];
                        f |= tf & whole;
                        pt |= tp;
                        for &a in alts {
                            let [tf, tp] = row[syl_of(a)];
                            f |= tf & whole;
                            pt |= tp;
                        }
                    }
                    full[k] = f;
                    part[k] = pt;
                }
                // A prefix of a reading leaves the match typed in full only when it ends it.
                s[PF] = full[PF] | (part[PF] & done);
                s[PA] = full[PA] | part[PA] | (part[PF] & !done);
                s[IF] = full[IF] | (part[IF] & done);
                s[IA] = full[IA] | part[IA] | (part[IF] & !done);
                s[MID] = full[MID] | part[MID];
                let any = s[PF] | s[PA] | s[IF] | s[IA] | s[MID];
                // (with initials, the last piece is a prefix by nature: it still ends the text)
                ([full[PF], s[PA]], any)
            }
            _ => {
                let c = char_of(tok);
                if c == 0 {
                    // another reading out of place, or an end: nothing to match
                    continue;
                }
                s[if lead { PF } else { IF }] |= 1;
                let e = p.eq_char(c);
                for x in &mut s {
                    // skipped, or matched by the same char
                    *x = (*x & !1) | ((*x & e) << 1);
                }
                let any = s[PF] | s[PA] | s[IF] | s[IA] | s[MID];
                ([s[PF], s[PA]], any)
            }
        };
        live = reached & !done != 0;
        if reached & done != 0 {
            let ends = rest_is_sep(&toks[t..]);
            let class = if whole[0] & done != 0 && ends {
                WHOLE_FULL
            } else if s[PF] & done != 0 {
                PREFIX_FULL
            } else if whole[1] & done != 0 && ends {
                WHOLE_INITIALS
            } else if s[PA] & done != 0 {
                PREFIX_INITIALS
            } else if s[IF] & done != 0 {
                INNER_FULL
            } else if s[IA] & done != 0 {
                INNER_INITIALS
            } else {
                INSIDE_WORD
            };
            best = best.max(class);
            if best == WHOLE_FULL {
                break;
            }
            for x in &mut s {
                *x &= !done;
            }
        }
    }
    best
}

/// A word's key in an item (its texts' tokens, each ending with `END`; the first is the name)
/// and the text that gave it; 0 when no text matches.
#[inline]
fn score_word(p: &Plan, toks: &[u32]) -> (u32, usize) {
    let mut best = (0, 0);
    for (n, text) in toks.split(|&t| t == END).enumerate() {
        let class = u32::from(score_text(p, text));
        if class == 0 {
            continue;
        }
        if n == 0 {
            // a name match beats every alias
            return (NAME_BONUS + class, 0);
        }
        if class > best.0 {
            best = (class, n);
        }
    }
    best
}

/// A parsed query.
struct Query {
    words: Vec<Plan>,
    /// The `byte_bit`s of all words: an item must have them all.
    mask: u32,
    /// The `pair_bit`s of the words' first two chars, where both are letters or digits:
    /// an item must have them all.
    pairs: u64,
}

impl Query {
    /// The words of `query`, or `None` when it is blank.
    fn parse(query: &str) -> Option<Query> {
        let words: Vec<Plan> = query.split_whitespace().map(Plan::new).collect();
        let mask = words.iter().fold(0, |m, w| m | w.mask);
        let pairs = words.iter().fold(0, |m, w| m | w.pair);
        (!words.is_empty()).then_some(Query { words, mask, pairs })
    }

    /// The key of an item's tokens (higher is better), or `None` if a word misses.
    #[inline]
    fn score(&self, toks: &[u32]) -> Option<u32> {
        let mut total = 0u32;
        for word in &self.words {
            match score_word(word, toks).0 {
                0 => return None,
                key => total = total.saturating_add(key),
            }
        }
        Some(total)
    }
}

/// What a [`Matcher`] found in an item's texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Higher is better (the same key as [`SearchIndex`]'s ranking).
    pub key: u32,
    /// Which text matched: 0 the name (first text); another when a word only matched there
    /// (the alias to show beside the name).
    pub text: usize,
}

/// A query prepared once and matched against a few texts at a time, with the rules of
/// [`SearchIndex`] but no index: pickers, the palette, hints, one row's matched alias.
pub struct Matcher {
    query: Option<Query>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("words", &self.query.as_ref().map_or(0, |q| q.words.len()))
            .finish()
    }
}

impl Matcher {
    pub fn new(query: &str) -> Matcher {
        Matcher {
            query: Query::parse(query),
        }
    }

    /// A blank query: everything matches.
    pub fn is_empty(&self) -> bool {
        self.query.is_none()
    }

    /// How an item's texts (name first, then aliases) match, or `None`.
    pub fn score<S: AsRef<str>>(&self, texts: impl IntoIterator<Item = S>) -> Option<Hit> {
        let Some(query) = &self.query else {
            return Some(Hit { key: 0, text: 0 });
        };
        let mut toks = Vec::new();
        let mut cjk = Vec::new();
        let mut mask = 0;
        for (n, text) in texts.into_iter().enumerate() {
            mask |= tokenize(text.as_ref(), n == 0, &mut toks, &mut cjk);
        }
        if mask & query.mask != query.mask {
            return None;
        }
        let mut hit = Hit { key: 0, text: 0 };
        for word in &query.words {
            match score_word(word, &toks) {
                (0, _) => return None,
                (key, text) => {
                    hit.key = hit.key.saturating_add(key);
                    hit.text = hit.text.max(text);
                }
            }
        }
        Some(hit)
    }
}

/// Indices of the items (each its texts: name first, then aliases) matching `query`, best
/// first, ties in their order; all of them in order for a blank query.
pub fn rank<I, T, S>(query: &str, items: I) -> Vec<usize>
where
    I: IntoIterator<Item = T>,
    T: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let matcher = Matcher::new(query);
    let mut hits: Vec<(usize, u32)> = items
        .into_iter()
        .enumerate()
        .filter_map(|(i, texts)| matcher.score(texts).map(|h| (i, h.key)))
        .collect();
    hits.sort_by_key(|&(i, key)| (std::cmp::Reverse(key), i));
    hits.into_iter().map(|(i, _)| i).collect()
}

/// An item's letter mask, where its tokens start, and the `pair_bit`s of the two
/// letters a word's match can start with anywhere in its texts (see `start_pairs`).
#[derive(Clone, Copy, Default)]
struct Head {
    mask: u32,
    tok: u32,
    pairs: u64,
}

/// Buffers reused from one keystroke to the next.
#[derive(Default)]
struct Scratch {
    bitmap: Vec<u64>,
    parts: Vec<Vec<(u32, u32)>>,
    counts: Vec<u32>,
}

/// Search over members; built once per load of the member list, queried per keystroke.
pub struct SearchIndex {
    /// Item `i`'s mask and where its tokens start; one more at the end marks where the last
    /// item's tokens end.
    heads: Vec<Head>,
    /// Item `i` owns `toks[heads[i].tok..heads[i + 1].tok]`: each of its texts' tokens and
    /// an `END`.
    toks: Vec<u32>,
    /// `singles[c][i]`: item `i`'s key for the one-character query `c` (see `single_index`),
    /// 0 when it does not match. The first keystroke over a million members is then two
    /// passes over a megabyte instead of scoring every member.
    singles: Vec<Vec<u8>>,
    /// `prefixes[p][i]`: item `i`'s key for the word `PREFIXES[p]`, the same way.
    prefixes: Vec<Vec<u8>>,
    /// The items whose texts hold a Chinese character, for each one present (ascending).
    cjk: HashMap<char, Vec<u32>>,
    threads: usize,
    scratch: Mutex<Scratch>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("items", &self.len())
            .field("tokens", &self.toks.len())
            .finish_non_exhaustive()
    }
}

/// Builds the pools while items are added.
struct Builder {
    /// The last one is the item being built.
    heads: Vec<Head>,
    toks: Vec<u32>,
    singles: Vec<Vec<u8>>,
    /// Filled item by item when appending; a build fills them at the end, in parallel
    /// (`prefix_columns`).
    prefixes: Vec<Vec<u8>>,
    /// Whether `end_item` fills `prefixes` (an append) or `finish` does (a build).
    item_prefixes: bool,
    cjk: HashMap<char, Vec<u32>>,
    item_mask: u32,
    item_pairs: u64,
    item_singles: [u8; SINGLES],
    /// The Chinese characters of the item being built.
    item_cjk: Vec<char>,
    /// Texts of the item being built so far (the first is the name).
    item_texts: usize,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            heads: vec![Head::default()],
            toks: Vec::new(),
            singles: vec![Vec::new(); SINGLES],
            prefixes: vec![Vec::new(); PREFIXES.len()],
            item_prefixes: false,
            cjk: HashMap::new(),
            item_mask: 0,
            item_pairs: 0,
            item_singles: [0; SINGLES],
            item_cjk: Vec::new(),
            item_texts: 0,
        }
    }

    fn add_text(&mut self, text: &str) {
        let start = self.toks.len();
        let name = self.item_texts == 0;
        self.item_mask |= tokenize(text, name, &mut self.toks, &mut self.item_cjk);
        self.item_texts += 1;
        let end = self.toks.len() - 1;
        single_keys(&self.toks[start..end], name, &mut self.item_singles);
        self.item_pairs |= start_pairs(&self.toks[start..end]);
    }

    /// Closes the current item. Returns false (and leaves the item out) when the index cannot
    /// grow any more: 2^32 tokens, or 2^32 - 2 items.
    fn end_item(&mut self) -> bool {
        let mask = std::mem::take(&mut self.item_mask);
        let pairs = std::mem::take(&mut self.item_pairs);
        let singles = std::mem::replace(&mut self.item_singles, [0; SINGLES]);
        self.item_texts = 0;
        match u32::try_from(self.toks.len()) {
            Ok(end) if self.heads.len() < u32::MAX as usize - 1 => {
                if let Some(head) = self.heads.last_mut() {
                    head.mask = mask;
                    head.pairs = pairs;
                }
                let start = self.heads.last().map_or(0, |h| h.tok as usize);
                if self.item_prefixes {
                    let keys = prefix_keys(&self.toks[start..], mask, |c| singles[c]);
                    for (column, key) in self.prefixes.iter_mut().zip(keys) {
                        column.push(key);
                    }
                }
                self.heads.push(Head {
                    mask: 0,
                    tok: end,
                    pairs: 0,
                });
                for (column, key) in self.singles.iter_mut().zip(singles) {
                    column.push(key);
                }
                let item = (self.heads.len() - 2) as u32;
                self.item_cjk.sort_unstable();
                self.item_cjk.dedup();
                for &c in &self.item_cjk {
                    self.cjk.entry(c).or_default().push(item);
                }
                self.item_cjk.clear();
                true
            }
            _ => {
                self.item_cjk.clear();
                let start = self.heads.last().copied().unwrap_or_default();
                self.toks.truncate(start.tok as usize);
                false
            }
        }
    }

    fn finish(mut self) -> SearchIndex {
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, MAX_THREADS);
        self.toks.shrink_to_fit();
        self.heads.shrink_to_fit();
        if !self.item_prefixes {
            self.prefixes = prefix_columns(&self.heads, &self.toks, &self.singles, threads);
        }
        SearchIndex {
            heads: self.heads,
            toks: self.toks,
            singles: self.singles,
            prefixes: self.prefixes,
            cjk: self.cjk,
            threads,
            scratch: Mutex::new(Scratch::default()),
        }
    }
}

/// The bit of two letters or digits (folded) in a `Head::pairs`: 64 bits for 36 × 36
/// pairs, so a bit stands for a few pairs (a filter lets a few more items through, never
/// fewer).
#[inline]
fn pair_bit(a: u8, b: u8) -> u64 {
    let x = u32::from(a).wrapping_mul(131).wrapping_add(u32::from(b));
    1 << (x.wrapping_mul(0x9E37_79B9) >> 26)
}

/// The `pair_bit`s of the first two letters of every match a word can have in one text's
/// tokens. A match starts on a letter or a Chinese character; its second letter is the
/// next letter of the same reading (`zh` in 张), or, when the first piece was one letter
/// (an initial, a latin letter), the first letter of the next letter or character after
/// any separators (`zs` in 张三, `z3`, `zs` in `Zhang·Sun`). So a word whose first two
/// chars are letters or digits can only match an item holding their pair: most items a
/// second keystroke would score are rejected by one load (`zs` among the 张, 赵, 周…).
fn start_pairs(toks: &[u32]) -> u64 {
    let syl = &*SYLLABLES;
    let mut bits = 0;
    // the letters a one-letter first piece could be on the last letter-bearing token
    let mut prev = [0u8; MAX_READINGS];
    let mut nprev = 0;
    let mut t = 0;
    while t < toks.len() {
        let tok = toks[t];
        t += 1;
        match kind_of(tok) {
            K_LIT | K_WORD => {
                let c = char_of(tok) as u8;
                for &p in &prev[..nprev] {
                    bits |= pair_bit(p, c);
                }
                prev[0] = c;
                nprev = 1;
            }
            K_SYL => {
                let mut end = t;
                while end < toks.len() && is_alt(toks[end]) {
                    end += 1;
                }
                let mut firsts = [0u8; MAX_READINGS];
                let mut n = 0;
                for r in std::iter::once(tok).chain(toks[t..end].iter().copied()) {
                    let name = syl.names[syl_of(r)].as_bytes();
                    let Some(&first) = name.first() else {
                        continue;
                    };
                    for &p in &prev[..nprev] {
                        bits |= pair_bit(p, first);
                    }
                    if let Some(&second) = name.get(1) {
                        bits |= pair_bit(first, second);
                    }
                    if n < MAX_READINGS {
                        firsts[n] = first;
                        n += 1;
                    }
                }
                prev = firsts;
                nprev = n;
                t = end;
            }
            // separators are skipped inside a match; an end ends the text
            _ if tok == END => nprev = 0,
            _ => {}
        }
    }
    bits
}

/// An item's keys for the `PREFIXES` words (its tokens, its mask, its single-letter
/// keys): the plan's own score, so they are exact by construction; only items that match
/// a word's parent and hold its letters are scored, which keeps a build's extra work to
/// the members that do match.
fn prefix_keys(toks: &[u32], mask: u32, single: impl Fn(usize) -> u8) -> [u8; PREFIXES.len()] {
    let mut keys = [0u8; PREFIXES.len()];
    for (p, (plan, parent)) in PREFIX_PLANS.iter().enumerate() {
        let parent_key = match *parent {
            Ok(q) => keys[q],
            Err(c) => single(c),
        };
        if parent_key == 0 || mask & plan.mask != plan.mask {
            continue;
        }
        // (keys are at most NAME_BONUS + WHOLE_FULL)
        keys[p] = u8::try_from(score_word(plan, toks).0).unwrap_or(u8::MAX);
    }
    keys
}

/// The `PREFIXES` columns of a whole build, the items split over `threads` (scoring a
/// third of a million members for `zh` and as many for its successors is most of a
/// build's work).
fn prefix_columns(
    heads: &[Head],
    toks: &[u32],
    singles: &[Vec<u8>],
    threads: usize,
) -> Vec<Vec<u8>> {
    let n = heads.len().saturating_sub(1);
    let mut columns = vec![vec![0u8; n]; PREFIXES.len()];
    let ranges = split_even(n, if n >= PARALLEL_MIN { threads } else { 1 });
    // each thread gets its range of every column
    let mut parts: Vec<Vec<&mut [u8]>> = ranges.iter().map(|_| Vec::new()).collect();
    for column in &mut columns {
        let mut rest = column.as_mut_slice();
        for (part, range) in parts.iter_mut().zip(&ranges) {
            let (mine, after) = rest.split_at_mut(range.len());
            part.push(mine);
            rest = after;
        }
    }
    let fill = |range: Range<usize>, mut out: Vec<&mut [u8]>| {
        for (k, i) in range.enumerate() {
            let toks = &toks[heads[i].tok as usize..heads[i + 1].tok as usize];
            let single = |c: usize| singles.get(c).and_then(|col| col.get(i)).copied();
            let keys = prefix_keys(toks, heads[i].mask, |c| single(c).unwrap_or(0));
            for (column, key) in out.iter_mut().zip(keys) {
                column[k] = key;
            }
        }
    };
    std::thread::scope(|s| {
        let mut jobs = parts.into_iter().zip(ranges);
        let first = jobs.next();
        for (out, range) in jobs {
            s.spawn(move || fill(range, out));
        }
        if let Some((out, range)) = first {
            fill(range, out);
        }
    });
    columns
}

/// Raises `keys` to what each one-letter (or digit) query gives in one text's tokens: what
/// `score_text` gives for a word of one letter, without a plan per letter (the test
/// `single_columns_equal_the_plans` holds them together).
fn single_keys(toks: &[u32], name: bool, keys: &mut [u8; SINGLES]) {
    let syl = &*SYLLABLES;
    let bonus = if name { NAME_BONUS as u8 } else { 0 };
    let mut raise = |c: u8, class: u8| {
        if let Some(ix) = single_index(c) {
            keys[ix] = keys[ix].max(bonus + class);
        }
    };
    let mut lead = true;
    let mut t = 0;
    while t < toks.len() {
        let tok = toks[t];
        t += 1;
        match kind_of(tok) {
            kind @ (K_LIT | K_WORD) => {
                let class = if lead {
                    if rest_is_sep(&toks[t..]) {
                        WHOLE_FULL
                    } else {
                        PREFIX_FULL
                    }
                } else if kind == K_WORD {
                    INNER_FULL
                } else {
                    INSIDE_WORD
                };
                lead = false;
                raise(char_of(tok) as u8, class);
            }
            K_SYL => {
                let mut end = t;
                while end < toks.len() && is_alt(toks[end]) {
                    end += 1;
                }
                let ends = rest_is_sep(&toks[end..]);
                for r in std::iter::once(tok).chain(toks[t..end].iter().copied()) {
                    let name = syl.names[syl_of(r)].as_bytes();
                    let Some(&first) = name.first() else {
                        continue;
                    };
                    let class = if !lead {
                        INNER_FULL
                    } else if name.len() == 1 && ends {
                        WHOLE_FULL
                    } else {
                        PREFIX_FULL
                    };
                    raise(first, class);
                }
                lead = false;
                t = end;
            }
            // separators match no letter
            _ => {}
        }
    }
}

/// Items scored together (see `SearchIndex::score_batch`).
const BATCH: usize = 32;

/// Item indices waiting to be scored.
struct Batch {
    items: [u32; BATCH],
    len: usize,
}

impl Default for Batch {
    fn default() -> Batch {
        Batch {
            items: [0; BATCH],
            len: 0,
        }
    }
}

/// Which items a scan looks at.
#[derive(Clone, Copy)]
enum Candidates<'a> {
    /// Every item.
    All,
    /// The items whose bit is set.
    Bitmap(&'a [u64]),
    /// These items (ascending).
    List(&'a [u32]),
}

impl SearchIndex {
    /// `items[i]` = the texts of member i: name first, then group nickname / aliases.
    pub fn build<I, S>(items: I) -> SearchIndex
    where
        I: IntoIterator,
        I::Item: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut b = Builder::new();
        for texts in items {
            for text in texts {
                b.add_text(text.as_ref());
            }
            if !b.end_item() {
                break;
            }
        }
        b.finish()
    }

    pub fn len(&self) -> usize {
        self.heads.len() - 1
    }

    /// Adds one item at the end (its index is the `len()` before the call): the index of a
    /// member list kept current without a rebuild. An item whose texts changed is appended
    /// anew and its old index left to the caller to ignore (the caller maps indices to
    /// rows): an item's key depends on its own texts only, so old and new items rank
    /// exactly as a fresh build would rank them (ties aside, which go by index).
    /// `None` when the index cannot grow (see `Builder::end_item`).
    pub fn append<S: AsRef<str>>(&mut self, texts: impl IntoIterator<Item = S>) -> Option<u32> {
        let mut b = Builder::new();
        b.item_prefixes = true;
        b.heads = std::mem::take(&mut self.heads);
        b.toks = std::mem::take(&mut self.toks);
        b.singles = std::mem::take(&mut self.singles);
        b.prefixes = std::mem::take(&mut self.prefixes);
        b.cjk = std::mem::take(&mut self.cjk);
        for text in texts {
            b.add_text(text.as_ref());
        }
        let added = b.end_item();
        // (no shrink_to_fit: appends come one at a time)
        self.heads = b.heads;
        self.toks = b.toks;
        self.singles = b.singles;
        self.prefixes = b.prefixes;
        self.cjk = b.cjk;
        added.then(|| (self.len() - 1) as u32)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Indices of the items matching `query`, best first (ties by index, ascending). An empty or
    /// blank query matches everything in index order.
    pub fn search(&self, query: &str) -> Vec<u32> {
        let mut scratch = self.take_scratch();
        let out = match Query::parse(query) {
            None => (0..self.len() as u32).collect(),
            Some(query) => match (self.single_column(&query), self.postings(&query)) {
                (Some(column), _) => sort_column(column, Candidates::All),
                (None, Some(items)) => {
                    self.run(&query, Candidates::List(items), items.len(), &mut scratch)
                }
                (None, None) => self.run(&query, Candidates::All, self.len(), &mut scratch),
            },
        };
        self.put_scratch(scratch);
        out
    }

    /// Like `search`, but only among `within` (the result for a shorter prefix of this query):
    /// typing narrows, so each keystroke only looks at what the previous one kept. Returns
    /// exactly what `search(query)` returns whenever `within` is the result for a prefix of
    /// `query`.
    pub fn search_within(&self, query: &str, within: &[u32]) -> Vec<u32> {
        let mut scratch = self.take_scratch();
        let n = self.len();
        let mut bitmap = std::mem::take(&mut scratch.bitmap);
        bitmap.clear();
        bitmap.resize(n.div_ceil(64), 0);
        let mut count = 0;
        for &i in within {
            let i = i as usize;
            if i < n {
                let (w, bit) = (i / 64, 1u64 << (i % 64));
                count += usize::from(bitmap[w] & bit == 0);
                bitmap[w] |= bit;
            }
        }
        let out = match Query::parse(query) {
            None => {
                let mut out = Vec::with_capacity(count);
                for_each_set_bit(&bitmap, 0..bitmap.len(), |i| out.push(i));
                out
            }
            Some(query) => match self.single_column(&query) {
                Some(column) => sort_column(column, Candidates::Bitmap(&bitmap)),
                None => self.run(&query, Candidates::Bitmap(&bitmap), count, &mut scratch),
            },
        };
        scratch.bitmap = bitmap;
        self.put_scratch(scratch);
        out
    }

    /// Which text of item `i` a query matched (0 the name; see [`Hit::text`]), or `None` when
    /// it does not match: the alias a Members row shows.
    pub fn matched_text(&self, i: u32, query: &str) -> Option<usize> {
        let toks = self.toks.get(self.tok_range(i as usize)?)?;
        let query = Query::parse(query)?;
        let mut text = 0;
        for word in &query.words {
            match score_word(word, toks) {
                (0, _) => return None,
                (_, t) => text = text.max(t),
            }
        }
        Some(text)
    }

    /// The items holding the rarest Chinese character of the query, when it has one: only
    /// they can match.
    fn postings(&self, query: &Query) -> Option<&[u32]> {
        query
            .words
            .iter()
            .flat_map(|word| &word.cjk)
            .map(|c| self.cjk.get(c).map_or(&[][..], Vec::as_slice))
            .min_by_key(|items| items.len())
    }

    /// The precomputed keys when `query` is one letter or digit, or one of `PREFIXES`.
    fn single_column(&self, query: &Query) -> Option<&[u8]> {
        let [word] = query.words.as_slice() else {
            return None;
        };
        let column = match word.single {
            Some(c) => self.singles.get(single_index(c)?)?,
            None => {
                let p = PREFIXES.iter().position(|w| *w == word.text)?;
                self.prefixes.get(p)?
            }
        };
        Some(column.as_slice())
    }

    fn take_scratch(&self) -> Scratch {
        match self.scratch.lock() {
            Ok(mut s) => std::mem::take(&mut *s),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }

    fn put_scratch(&self, scratch: Scratch) {
        match self.scratch.lock() {
            Ok(mut s) => *s = scratch,
            Err(poisoned) => *poisoned.into_inner() = scratch,
        }
    }

    /// Scores the candidates and returns them best first, ties by index.
    fn run(
        &self,
        query: &Query,
        cands: Candidates<'_>,
        count: usize,
        scratch: &mut Scratch,
    ) -> Vec<u32> {
        let threads = if count >= PARALLEL_MIN {
            self.threads
        } else {
            1
        };
        let ranges = match cands {
            Candidates::All => split_even(self.len(), threads),
            Candidates::Bitmap(bits) => split_bitmap(bits, count, threads),
            Candidates::List(items) => split_even(items.len(), threads),
        };
        if scratch.parts.len() < ranges.len() {
            scratch.parts.resize_with(ranges.len(), Vec::new);
        }
        let parts = &mut scratch.parts[..ranges.len()];
        let mut jobs = parts.iter_mut().zip(&ranges);
        let first = jobs.next();
        std::thread::scope(|s| {
            for (out, range) in jobs {
                s.spawn(move || self.scan(query, cands, range.clone(), out));
            }
            if let Some((out, range)) = first {
                self.scan(query, cands, range.clone(), out);
            }
        });
        let out = counting_sort(&scratch.parts[..ranges.len()], &mut scratch.counts);
        for part in &mut scratch.parts {
            // Keep buffers of a reasonable size only.
            if part.capacity() > 2 * self.len().div_ceil(threads) {
                *part = Vec::new();
            }
        }
        out
    }

    /// Scores the candidates in `range` (item indices, or bitmap words) in index order.
    fn scan(
        &self,
        query: &Query,
        cands: Candidates<'_>,
        range: Range<usize>,
        out: &mut Vec<(u32, u32)>,
    ) {
        out.clear();
        let mut batch = Batch::default();
        let mut visit = |i: u32| {
            batch.items[batch.len] = i;
            batch.len += 1;
            if batch.len == BATCH {
                self.score_batch(query, &batch.items, out);
                batch.len = 0;
            }
        };
        match cands {
            Candidates::All => range.for_each(|i| visit(i as u32)),
            Candidates::Bitmap(bits) => for_each_set_bit(bits, range, visit),
            Candidates::List(items) => items[range].iter().for_each(|&i| visit(i)),
        }
        self.score_batch(query, &batch.items[..batch.len], out);
    }

    /// Scores a few items. Memory is touched in rounds over the whole batch (masks, then the
    /// tokens of the items the mask lets through), so that the cache misses of different
    /// items overlap instead of coming one after the other.
    fn score_batch(&self, query: &Query, items: &[u32], out: &mut Vec<(u32, u32)>) {
        // The mask rejects most items with one load, before their tokens are touched.
        let mut kept = [0u32; BATCH];
        let mut n = 0;
        for &i in items {
            let head = &self.heads[i as usize];
            if head.mask & query.mask == query.mask && head.pairs & query.pairs == query.pairs {
                kept[n] = i;
                n += 1;
            }
        }
        let kept = &kept[..n];
        let mut touched = 0u32;
        for &i in kept {
            let start = self.heads[i as usize].tok as usize;
            touched ^= self.toks.get(start).copied().unwrap_or(0);
        }
        std::hint::black_box(touched);
        for &i in kept {
            let range =
                self.heads[i as usize].tok as usize..self.heads[i as usize + 1].tok as usize;
            if let Some(key) = query.score(&self.toks[range]) {
                out.push((i, key));
            }
        }
    }

    /// Where the tokens of item `i` are.
    fn tok_range(&self, i: usize) -> Option<Range<usize>> {
        Some(self.heads.get(i)?.tok as usize..self.heads.get(i + 1)?.tok as usize)
    }
}

/// Calls `f` with the index of every set bit in `bits[words]`, ascending.
#[inline]
fn for_each_set_bit(bits: &[u64], words: Range<usize>, mut f: impl FnMut(u32)) {
    for w in words {
        let mut word = bits[w];
        while word != 0 {
            let b = word.trailing_zeros();
            f((w * 64) as u32 + b);
            word &= word - 1;
        }
    }
}

/// `n` items in `parts` contiguous ranges of (nearly) equal size.
fn split_even(n: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts)
        .map(|p| n * p / parts..n * (p + 1) / parts)
        .collect()
}

/// Ranges of bitmap words, each holding about `count / parts` set bits.
fn split_bitmap(bits: &[u64], count: usize, parts: usize) -> Vec<Range<usize>> {
    let per = count.div_ceil(parts).max(1);
    let mut ranges = Vec::with_capacity(parts);
    let mut start = 0;
    let mut seen = 0;
    for (w, word) in bits.iter().enumerate() {
        seen += word.count_ones() as usize;
        if seen >= per && ranges.len() + 1 < parts {
            ranges.push(start..w + 1);
            start = w + 1;
            seen = 0;
        }
    }
    ranges.push(start..bits.len());
    ranges
}

/// The candidates with a non-zero key in `column`, by descending key then index: a counting
/// sort over the 148 possible keys.
fn sort_column(column: &[u8], cands: Candidates<'_>) -> Vec<u32> {
    let mut counts = [0u32; 256];
    let each = |f: &mut dyn FnMut(u32, u8)| match cands {
        Candidates::All => {
            for (i, &key) in column.iter().enumerate() {
                f(i as u32, key);
            }
        }
        Candidates::Bitmap(bits) => for_each_set_bit(bits, 0..bits.len(), |i| {
            if let Some(&key) = column.get(i as usize) {
                f(i, key);
            }
        }),
        Candidates::List(items) => {
            for &i in items {
                if let Some(&key) = column.get(i as usize) {
                    f(i, key);
                }
            }
        }
    };
    each(&mut |_, key| counts[usize::from(key)] += 1);
    // Slots from the best key down; key 0 (no match) gets none.
    let total: u32 = counts[1..].iter().sum();
    let mut next = [0u32; 256];
    let mut sum = 0;
    for key in (1..256).rev() {
        next[key] = sum;
        sum += counts[key];
    }
    let mut out = vec![0u32; total as usize];
    each(&mut |i, key| {
        if key != 0 {
            let slot = &mut next[usize::from(key)];
            out[*slot as usize] = i;
            *slot += 1;
        }
    });
    out
}

/// Item indices by descending key; `parts` are in index order, so ties stay by index.
fn counting_sort(parts: &[Vec<(u32, u32)>], counts: &mut Vec<u32>) -> Vec<u32> {
    let total: usize = parts.iter().map(Vec::len).sum();
    if total == 0 {
        return Vec::new();
    }
    let mut lo = u32::MAX;
    let mut hi = 0;
    for &(_, k) in parts.iter().flatten() {
        lo = lo.min(k);
        hi = hi.max(k);
    }
    if hi - lo >= COUNTING_SORT_MAX_RANGE {
        let mut all: Vec<(u32, u32)> = parts.iter().flatten().copied().collect();
        all.sort_by_key(|&(_, k)| std::cmp::Reverse(k));
        return all.into_iter().map(|(i, _)| i).collect();
    }
    // Bucket b holds key hi - b, so buckets run from best to worst.
    counts.clear();
    counts.resize((hi - lo) as usize + 1, 0);
    for &(_, k) in parts.iter().flatten() {
        counts[(hi - k) as usize] += 1;
    }
    let mut sum = 0;
    for c in counts.iter_mut() {
        let n = *c;
        *c = sum;
        sum += n;
    }
    let mut out = vec![0u32; total];
    for &(i, k) in parts.iter().flatten() {
        let slot = &mut counts[(hi - k) as usize];
        out[*slot as usize] = i;
        *slot += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(items: &[&[&str]]) -> SearchIndex {
        SearchIndex::build(items.iter().map(|texts| texts.iter().copied()))
    }

    #[test]
    fn appending_items_answers_as_a_fresh_build() {
        let all = [
            vec!["张三", "阿三"],
            vec!["李晓明"],
            vec!["amy zhang"],
            vec!["王小二", "二哥"],
            vec!["单田芳"],
            vec!["sunny🌞"],
            vec!["谷雨晴"],
        ];
        let whole = SearchIndex::build(all.iter().cloned());
        let mut grown = SearchIndex::build(all[..2].iter().cloned());
        for texts in &all[2..] {
            grown.append(texts.iter().copied()).unwrap();
        }
        assert_eq!(grown.len(), whole.len());
        for q in [
            "zhang", "zs", "z", "s", "李", "lxm", "shan", "二", "sunny", "a", "xiao er", "", "zh",
            "sha", "er", "wa", "li",
        ] {
            assert_eq!(grown.search(q), whole.search(q), "{q}");
            let within: Vec<u32> = (0..whole.len() as u32).collect();
            assert_eq!(
                grown.search_within(q, &within),
                whole.search(q),
                "{q} within"
            );
        }
    }

    /// The roster of the search table: (name, alias).
    const ROSTER: &[(&str, &str)] = &[
        ("张三", "阿三"),             // 0
        ("赵平英", ""),               // 1 zhao-ping-ying: z-h-a-n-g is a subsequence
        ("张森林", ""),               // 2
        ("小张", ""),                 // 3
        ("王伟", ""),                 // 4
        ("王小五", "杭州-王五-设计"), // 5
        ("单田芳", ""),               // 6 单: dan / shan / chan
        ("曾小贤", ""),               // 7 曾: zeng / ceng
        ("解晓东", ""),               // 8 解: jie / xie
        ("Amy_Li", ""),               // 9
        ("Lamy", ""),                 // 10
        ("丁蕊", "张姐"),             // 11 张 only in the alias
    ];

    /// Known answers, in order: nothing more, nothing less.
    #[test]
    fn roster_table() {
        let idx = SearchIndex::build(ROSTER.iter().map(|(n, a)| [*n, *a]));
        let cases: &[(&str, &[u32])] = &[
            // full pinyin: prefix of a name, then inside a name, then an alias
            ("zhang", &[0, 2, 3, 11]),
            ("zhangsan", &[0]),
            ("xiaozhang", &[3]),
            ("wangxiaowu", &[5]),
            ("zhao", &[1]),
            ("ping", &[1]),
            // initials: the whole name before a prefix
            ("zs", &[0, 2]),
            ("zsl", &[2]),
            ("zpy", &[1]),
            ("wx", &[5]),
            ("hz", &[5]),
            ("sj", &[5]),
            // mixed: a syllable in full, then the start of the next
            ("zhangs", &[0, 2]),
            ("wangw", &[4, 5]),
            ("zhaopy", &[1]),
            ("asan", &[0]),
            // heteronym surnames
            ("shan", &[6]),
            ("dan", &[6]),
            ("chan", &[6]),
            ("zeng", &[7]),
            ("ceng", &[7]),
            ("xie", &[8]),
            ("jie", &[8, 11]),
            // latin: prefix, word start, inside a word, separators skipped
            ("amy", &[9, 10]),
            ("li", &[2, 9]),
            ("amyli", &[9]),
            ("AMY_LI", &[9]),
            // Chinese text
            ("张", &[0, 2, 3, 11]),
            ("阿三", &[0]),
            ("王五", &[5]),
            // subsequence traps: letters picked across syllables or inside a word
            ("zhaoy", &[]),
            ("zhangp", &[]),
            ("zhy", &[]),
            ("ay", &[]),
            ("lmy", &[]),
            ("zhangsanx", &[]),
        ];
        for &(query, expected) in cases {
            assert_eq!(idx.search(query), expected, "{query:?}");
        }
        // which text matched: the alias for 丁蕊, the name for 张三
        assert_eq!(idx.matched_text(11, "zhang"), Some(1));
        assert_eq!(idx.matched_text(0, "zhang"), Some(0));
        assert_eq!(idx.matched_text(0, "asan"), Some(1));
        assert_eq!(idx.matched_text(1, "zhang"), None);
    }

    fn matches(texts: &[&str], query: &str) -> bool {
        // The item sits between two that match nothing, so a wrong index shows too.
        let idx = index(&[&["——"], texts, &["——"]]);
        let found = idx.search(query);
        assert!(
            found.iter().all(|&i| i == 1),
            "{texts:?} {query:?}: {found:?}"
        );
        found == [1]
    }

    #[test]
    fn table() {
        let cases: &[(&[&str], &str, bool)] = &[
            (&["张三"], "张三", true),
            (&["张三"], "张", true),
            (&["张三"], "三", true),
            (&["张三"], "zhang", true),
            (&["张三"], "zs", true),
            (&["张三"], "zhangsan", true),
            (&["张三"], "zhang san", true),
            (&["张三"], "ZHANG", true),
            (&["张三"], "Zs", true),
            (&["张三"], "zhs", true),
            (&["张三"], "张s", true),
            (&["张三"], "李", false),
            (&["张三"], "zhangsi", false),
            (&["张三"], "zhsan", false),
            (&["张三阿"], "zsa", true),
            (&["曾航"], "zhang", false),
            (&["曾航"], "zhangsan", false),
            (&["曾航"], "zh", true),
            (&["张三"], "zan", false),
            (&["李四"], "zs", false),
            (&["李四"], "ls", true),
            (&["李晓明"], "lixiao", true),
            (&["李晓明"], "lxm", true),
            (&["李晓明"], "李晓", true),
            (&["李晓明"], "lixiaoming", true),
            (&["李晓明"], "lixiaom", true),
            (&["李晓明"], "lxiaom", false),
            (&["李晓明"], "lm", false),
            (&["单雄信"], "shan", true),
            (&["单雄信"], "dan", true),
            (&["单雄信"], "shanxiongxin", true),
            (&["单雄信"], "sxx", true),
            (&["曾小贤"], "zeng", true),
            (&["曾小贤"], "ceng", true),
            (&["解晓东"], "xie", true),
            (&["解晓东"], "jie", true),
            // only a name's first character has all its readings
            (&["小单"], "xiaodan", true),
            (&["小单"], "xiaoshan", false),
            (&["小王"], "xiaoyu", false),
            (&["吕布"], "lvbu", true),
            (&["Amy_Li"], "amy", true),
            (&["Amy_Li"], "AMY", true),
            (&["Amy_Li"], "amyli", true),
            (&["Amy_Li"], "my", true),
            (&["Amy_Li"], "bob", false),
            (&["zhangsan"], "zhangs", true),
            (&["Kevin.Z"], "kevin", true),
            (&["Kevin.Z"], "kvn", false),
            (&["Zoë"], "zoe", true),
            (&["Zoë"], "zoë", true),
            (&["李四", "杭州-张三-设计"], "hangzhou", true),
            (&["李四", "杭州-张三-设计"], "zhang", true),
            (&["李四", "杭州-张三-设计"], "杭州", true),
            (&["李四", "杭州-张三-设计"], "shanghai", false),
            (&["李四", "长沙-赵璐"], "changsha", true),
            (&["李四", "长沙-赵璐"], "zhangsha", false),
            (&["长孙无忌"], "zhangsun", true),
            (&["重庆"], "chongqing", true),
            (&["音乐"], "yinyue", true),
            (&["sunny🌞"], "sunny", true),
            (&["sunny🌞"], "🌞", true),
            (&["王🌸芳"], "wangfang", true),
            (&["王🌸芳"], "wf", true),
            (&["王🌸芳"], "王芳", true),
            (&["🌸🌸"], "wang", false),
            (&["小美Amy"], "xiaomeiamy", true),
            (&["小美Amy"], "xmamy", true),
            (&["小美Amy"], "amy", true),
            (&["张三", "宝妈"], "zhang 宝妈", true),
            (&["张三", "宝妈"], "zhang baoma", true),
            (&["张三", "宝爸"], "zhang 宝妈", false),
            (&["张三"], "zhang 宝妈", false),
            (&["张三"], "  zhang   zs  ", true),
            (&["张三"], "zhang\u{3000}san", true),
            (&["赵平英"], "zhang", false),
            (&["郑好安"], "zhan", false),
            (&["郑好安宁"], "zhan", true),
            (&[], "zhang", false),
            (&["", "   "], "zhang", false),
        ];
        for &(texts, query, expected) in cases {
            assert_eq!(matches(texts, query), expected, "{texts:?} {query:?}");
        }
    }

    #[test]
    fn odd_queries_and_texts_do_not_break_anything() {
        let long_name = "张".repeat(300) + &"a".repeat(300);
        let idx = index(&[&["张三"], &["a\u{0}b\tc"], &[long_name.as_str()], &["🌞🌞"]]);
        let long_query = "a".repeat(5000);
        assert_eq!(idx.search(&long_query), Vec::<u32>::new());
        assert_eq!(
            idx.search_within(&long_query, &[0, 1, 2, 3]),
            Vec::<u32>::new()
        );
        assert_eq!(idx.search("abc"), [1]);
        assert_eq!(idx.search("a b"), [1]);
        assert_eq!(idx.search("\u{0}"), Vec::<u32>::new());
        assert_eq!(idx.search("zhang".repeat(40).as_str()), [2]);
        // A word is cut at 63 characters, a text at 256.
        assert_eq!(idx.search("zhang".repeat(60).as_str()), [2]);
        assert_eq!(idx.search("🌞"), [3]);
        assert_eq!(idx.search("!^'$"), Vec::<u32>::new());
    }

    #[test]
    fn the_index_can_be_shared_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<SearchIndex>();
        let idx = index(&[&["张三"], &["李四"]]);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| assert_eq!(idx.search("zs"), [0]));
            }
        });
    }

    #[test]
    fn empty_and_blank_queries_match_everything_in_order() {
        let idx = index(&[&["张三"], &[], &["Amy_Li"], &["🌞"]]);
        assert_eq!(idx.len(), 4);
        assert!(!idx.is_empty());
        assert_eq!(idx.search(""), [0, 1, 2, 3]);
        assert_eq!(idx.search(" \t "), [0, 1, 2, 3]);
        assert_eq!(idx.search_within("", &[3, 1, 3, 99]), [1, 3]);
        let empty = index(&[]);
        assert!(empty.is_empty());
        assert_eq!(empty.search(""), Vec::<u32>::new());
        assert_eq!(empty.search("zhang"), Vec::<u32>::new());
        assert_eq!(empty.search_within("zhang", &[0, 5]), Vec::<u32>::new());
    }

    #[test]
    fn ranking() {
        // exact name > name prefix > inside a name > initials > alias
        let idx = index(&[
            &["阿郑好安宁高"],
            &["小张"],
            &["李四", "张"],
            &["张三"],
            &["张"],
        ]);
        assert_eq!(idx.search("zhang"), [4, 3, 1, 0, 2]);
        // the whole name by its initials before a prefix by initials
        let idx = index(&[&["张三丰"], &["张三"], &["小张三"]]);
        assert_eq!(idx.search("zs"), [1, 0, 2]);
        // Ties keep index order.
        let idx = index(&[&["张三"], &["张四"], &["张三"]]);
        assert_eq!(idx.search("zhang"), [0, 1, 2]);
        assert_eq!(idx.search_within("zhang", &[2, 1, 0]), [0, 1, 2]);
        // A prefix match ranks before a match inside the text.
        let idx = index(&[&["Lamy"], &["Amy_Li"]]);
        assert_eq!(idx.search("amy"), [1, 0]);
    }

    #[test]
    fn matcher_ranks_a_few_strings_like_the_index() {
        let groups = [
            "上海宝妈群",
            "杭州读书会",
            "数据分析交流",
            "Hangzhou Runners",
        ];
        assert_eq!(rank("hz", groups.iter().map(|g| [g])), [1]);
        assert_eq!(rank("shuju", groups.iter().map(|g| [g])), [2]);
        assert_eq!(rank("杭州", groups.iter().map(|g| [g])), [1]);
        assert_eq!(rank("", groups.iter().map(|g| [g])), [0, 1, 2, 3]);
        assert_eq!(rank("hzh", groups.iter().map(|g| [g])), [1]);
        let m = Matcher::new("zhang");
        assert!(!m.is_empty());
        assert_eq!(m.score(["丁蕊", "张姐"]).map(|h| h.text), Some(1));
        assert_eq!(m.score(["张三", "张姐"]).map(|h| h.text), Some(0));
        assert_eq!(m.score(["赵平英"]), None);
        assert!(Matcher::new("  ").is_empty());
    }

    /// splitmix64, for deterministic generated names.
    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(state: &mut u64, from: &[&'a str]) -> &'a str {
        from[(next(state) % from.len() as u64) as usize]
    }

    /// A few hundred members in the shapes the console sees: Chinese names with heteronyms and
    /// emoji, latin nicknames, group nicknames, WeChat ids.
    fn generated_items(n: usize, seed: u64) -> Vec<Vec<String>> {
        const SURNAMES: &[&str] = &[
            "张", "王", "李", "赵", "单", "曾", "解", "长", "陈", "刘", "小", "查", "阿",
        ];
        const GIVEN: &[&str] = &[
            "三", "晓", "明", "伟", "芳", "行", "乐", "重", "子", "雄", "信", "宝", "妈", "🌸",
            "安", "二",
        ];
        const LATIN: &[&str] = &[
            "Amy_Li",
            "Kevin.Z",
            "sunny🌞",
            "zhang",
            "Dan",
            "Zoë",
            "LiLy 2024",
            "wang-X",
            "a",
        ];
        const CITIES: &[&str] = &["杭州", "上海", "长沙", "重庆"];
        let mut state = seed;
        let mut items = Vec::new();
        for _ in 0..n {
            let mut texts = Vec::new();
            if next(&mut state).is_multiple_of(8) {
                texts.push(pick(&mut state, LATIN).to_string());
            } else {
                let mut name = pick(&mut state, SURNAMES).to_string();
                for _ in 0..1 + next(&mut state) % 2 {
                    name.push_str(pick(&mut state, GIVEN));
                }
                texts.push(name);
            }
            if next(&mut state).is_multiple_of(3) {
                let city = pick(&mut state, CITIES);
                texts.push(format!("{city}-{}-设计", pick(&mut state, GIVEN)));
            }
            if next(&mut state).is_multiple_of(4) {
                texts.push(format!("wxid_{}", next(&mut state) % 1000));
            }
            items.push(texts);
        }
        items
    }

    const QUERIES: &[&str] = &[
        "zhang",
        "zs",
        "李晓",
        "lxm",
        "wang xiao",
        "amy",
        "zhangwei",
        "dan",
        "shan x",
        "ZENG 宝",
        "hz sj",
        "zoë",
        "🌸",
        "wxid_1",
        "Li2",
        "x-",
        "cs 设",
        "zhangs",
        "wangw",
        "a",
        "an",
    ];

    #[test]
    fn search_within_equals_search_for_every_prefix() {
        let idx = SearchIndex::build(generated_items(400, 42));
        for query in QUERIES {
            let mut prev = idx.search("");
            let ends = query.char_indices().skip(1).map(|(at, _)| at);
            for end in ends.chain([query.len()]) {
                let prefix = &query[..end];
                let full = idx.search(prefix);
                let narrowed = idx.search_within(prefix, &prev);
                assert_eq!(narrowed, full, "query {prefix:?}");
                prev = narrowed;
            }
            // (`李晓` only as those two characters together; `Li2`, `x-` are not substrings)
            if !["x-", "李晓", "Li2"].contains(query) {
                assert!(!prev.is_empty(), "{query:?} found nothing");
            }
        }
    }

    /// The index (columns, postings, masks, batches, threads) answers what the plain
    /// matcher answers on every item's texts, for every letter and digit and every prefix
    /// of the queries.
    #[test]
    fn search_equals_the_matcher_over_every_item() {
        let items = generated_items(600, 7);
        let idx = SearchIndex::build(&items);
        let letters: Vec<String> = (b'a'..=b'z')
            .chain(b'0'..=b'9')
            .map(|c| char::from(c).to_string())
            .collect();
        let extra = ["zhangsan", "x z", "杭", "芳 f", "-", "_", "a_", "ZH", "zh "];
        for query in QUERIES
            .iter()
            .copied()
            .chain(extra)
            .chain(PREFIXES)
            .chain(letters.iter().map(String::as_str))
        {
            let ends = query.char_indices().skip(1).map(|(at, _)| at);
            for end in ends.chain([query.len()]) {
                let prefix = &query[..end];
                let expected: Vec<u32> =
                    rank(prefix, &items).into_iter().map(|i| i as u32).collect();
                assert_eq!(idx.search(prefix), expected, "{prefix:?}");
            }
        }
    }

    /// The two letters a match starts with come from one reading, or from an initial or
    /// a letter and the next letter or character past any separators: the pair filter
    /// (`start_pairs`) lets every such match through, and the prefix columns
    /// (`PREFIXES`) say what the matcher says.
    #[test]
    fn pair_filter_and_prefix_columns_keep_every_match() {
        let items: Vec<Vec<&str>> = vec![
            vec!["Zhang·三"],
            vec!["a张"],
            vec!["张a"],
            vec!["3张", "阿-三"],
            vec!["张 · 三"],
            vec!["单", "x"],
            vec!["Zoë_Li"],
            vec!["长沙", "重庆-曾-行"],
            vec!["小z", "s🌞h"],
            vec!["王伟", "李晓-黄"],
            vec!["〇张三"],
        ];
        let idx = SearchIndex::build(&items);
        for q in [
            "zs", "az", "za", "3z", "3za", "3zh", "zh", "sh", "ch", "sha", "cha", "oe", "el", "cs",
            "chq", "cq", "zx", "xi", "xz", "wa", "wl", "wx", "li", "lx", "hu", "zhs", "zsh", "sh",
            "zh s", "a3", "ax", "as", "ys", "yz", "zhang",
        ] {
            let expected: Vec<u32> = rank(q, &items).into_iter().map(|i| i as u32).collect();
            assert_eq!(idx.search(q), expected, "{q}");
            let all: Vec<u32> = (0..items.len() as u32).collect();
            assert_eq!(idx.search_within(q, &all), expected, "{q} within");
        }
    }

    #[test]
    fn large_lists_split_over_threads_match_the_single_threaded_result() {
        let names = ["张三", "李晓明", "Amy_Li", "小张", "单雄信"];
        // (more than PARALLEL_MIN items: scans and the build's prefix columns use threads)
        let items: Vec<[&str; 1]> = (0..PARALLEL_MIN * 2 + 7).map(|i| [names[i % 5]]).collect();
        let idx = SearchIndex::build(&items);
        let found = idx.search("zhang");
        // 张三 items first (prefix), then 小张, each group in index order.
        let zhangsan: Vec<u32> = (0..items.len() as u32).filter(|i| i % 5 == 0).collect();
        let xiaozhang: Vec<u32> = (0..items.len() as u32).filter(|i| i % 5 == 3).collect();
        assert_eq!(found, [zhangsan.clone(), xiaozhang].concat());
        let all = idx.search("");
        assert_eq!(idx.search_within("zhang", &all), found);
        assert_eq!(idx.search_within("zhangs", &found), zhangsan);
        // the prefix columns, filled over threads, say what the matcher says
        for q in ["zh", "shu", "li", "xi", "x"] {
            let expected: Vec<u32> = rank(q, &items).into_iter().map(|i| i as u32).collect();
            assert_eq!(idx.search(q), expected, "{q}");
        }
    }

    #[test]
    fn cjk_chars_are_neither_folded_nor_normalised() {
        let ranges = [
            '\u{3000}'..='\u{9FFF}',
            '\u{F900}'..='\u{FAFF}',
            '\u{20000}'..='\u{3FFFF}',
        ];
        for c in ranges.into_iter().flatten() {
            assert!(is_cjk(c));
            assert_eq!(fold(c), c, "{c:?}");
        }
        assert!(!is_cjk('Ａ') && !is_cjk('a') && !is_cjk('é') && !is_cjk('🌸'));
    }

    #[test]
    fn syllables_fit_their_token_bits() {
        let syl = &*SYLLABLES;
        // every toneless reading, ü written v: a few hundred, under the 9 bits of a token
        assert!(
            (380..=SYL_MASK as usize).contains(&syl.names.len()),
            "{}",
            syl.names.len()
        );
        for name in ["zhang", "shan", "dan", "lv", "nv", "a", "er", "zhuang"] {
            assert!(syl.names.iter().any(|n| n == name), "{name}");
        }
        let readings = |c: char| -> Vec<&str> {
            syl.readings(c)
                .map(|r| {
                    r.iter()
                        .filter(|&&id| id != 0)
                        .map(|&id| syl.names[usize::from(id)].as_str())
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(readings('张'), ["zhang"]);
        for (c, reading) in [('单', "shan"), ('曾', "zeng"), ('解', "xie")] {
            assert!(readings(c).contains(&reading), "{c} {:?}", readings(c));
        }
        assert!(readings('a').is_empty() && readings('🌸').is_empty());
    }

    #[test]
    fn heteronyms_are_bounded() {
        // Every character a heteronym: the first has its readings, then only the few with
        // a common second reading have it (行, 重), not 朴.
        let text = "朴".to_string() + &"行重朴".repeat(100);
        let idx = index(&[&[text.as_str()]]);
        let alts = idx.toks.iter().filter(|&&t| is_alt(t)).count();
        let expected = 1 + (MAX_TEXT_CHARS - 1) * 2 / 3;
        assert!(
            (expected..expected + MAX_READINGS).contains(&alts),
            "{alts}"
        );
        let long = "张".repeat(1000);
        let idx = index(&[&[long.as_str()]]);
        assert_eq!(idx.toks.len(), MAX_TEXT_CHARS + 1);
        assert_eq!(idx.search("zhangzhang"), [0]);
    }
}
