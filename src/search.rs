//! Member search: fuzzy on the text itself, on its full pinyin and on its pinyin initials
//! (张三 ← `张三`, `zhang`, `zhangsan`, `zs`), fast enough per keystroke over a million members.
//!
//! This module owns [`SearchIndex`]: building the index from each member's texts (name first,
//! then group nickname / aliases) and answering a query per keystroke, best first. Nothing else
//! in the crate depends on how it works inside.
//!
//! Design choices (and why):
//! - **Scores are nucleo's** (`Atom`, `CaseMatching::Ignore`, `Normalization::Smart`), so
//!   prefix and word-boundary matches rank first. Non-ASCII texts (张三, `sunny🌞`) go to nucleo
//!   itself. ASCII haystacks (pinyin, initials, latin names) go to `ascii::score`, a port of
//!   nucleo's fuzzy scoring for ASCII (same paths, bonuses and matrix) without its per-call
//!   set-up; `ascii_score_matches_nucleo` checks it against nucleo on 300,000 random pairs and
//!   `search_equals_plain_nucleo_over_every_haystack` checks whole searches against plain
//!   nucleo calls on every haystack.
//! - **Kinds and ranking**: a word's key is `score * 4 + rank`, rank 3 for the text itself, 2
//!   for the main pinyin, 1 for another reading, 0 for initials, so at equal scores direct >
//!   pinyin > initials. An initials score counts 3/4: a letter there stands for a syllable
//!   nobody typed, so `zhang` ranks 小张 (`xiaozhang`, 96) above a name whose initials spell it
//!   in the middle (阿郑好安宁高, `azhang`, 96 → 72), while an exact `lxm` on 李晓明's
//!   initials (88 → 66) still beats the same letters spread over `lixiaoming` (60). Words add
//!   their keys; an item must match every word. Ties go by index.
//! - **Heteronyms, bounded**: the first Chinese character of a text (a name's surname) gives up
//!   to 3 readings, hence up to 3 pinyin strings (单 `dan`/`chan`/`shan`, 曾 `ceng`/`zeng`,
//!   解 `jie`/`xie`); the other characters keep their first, most common reading, since their
//!   rare ones (王 `yu`, 明 `meng`) would multiply the strings and the noise.
//! - **Everything not depending on the query is computed in `build`** (~1 s per million
//!   members): pinyin and initials as lower-case ASCII, per segment a letter mask and nucleo's
//!   largest bonus, per member a mask, per letter and digit the key of every member for that
//!   one-character query, and for each Chinese character the members holding it.
//! - **Flat storage**: one 16-byte head per member (mask, offsets), one ASCII pool of segments
//!   `[kind, length, mask, bytes]`, one `char` pool for non-ASCII texts: ~155 MB for a million.
//! - **Per keystroke, cheap rejections first**: the member mask (one load), then each segment's
//!   mask, then a bound per segment (from the needle length and the segment's largest bonus);
//!   segments are scored best bound first and the rest are skipped once the best score reaches
//!   the next bound. Members are scored in batches of 32 whose memory is touched first, so cache
//!   misses overlap (this alone halved keystrokes at a million members).
//! - **First keystrokes without scanning**: one letter or digit reads its precomputed column
//!   (a counting sort over a megabyte); a query with a Chinese character only looks at the
//!   members holding its rarest one.
//! - **Narrowing**: fuzzy matching is monotone (a match for `zhang` matches `zhan`), so
//!   `search_within` only scores the previous keystroke's result, marked in a bitmap and walked
//!   in index order: the result does not depend on the order of `within` and equals `search`.
//! - **Linear sort**: candidates come in index order and keys are small integers, so a stable
//!   counting sort gives best first, ties by index.
//! - **Two cores**: above 8,192 candidates the scan is split into contiguous, equally loaded
//!   ranges under `std::thread::scope`; the parts are concatenated in order.
//! - **Low allocation per keystroke**: nucleo matchers (~135 KB each), the ASCII scorer's
//!   matrix, the bitmap and the per-thread buffers live in the index and are reused; two
//!   searches at once stay correct (the second allocates its own).
//! - **Bounded work per text**: texts are cut at 256 characters, ASCII segments at 255 bytes.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Mutex;

use nucleo_matcher::chars;
use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use pinyin::ToPinyinMulti;

/// Texts are cut at this many characters: bounds the work per keystroke.
const MAX_TEXT_CHARS: usize = 256;
/// At most this many distinct readings of a heteronym are considered, hence at most this many
/// pinyin strings per text.
const MAX_READINGS_PER_CHAR: usize = 3;
/// Segments in the ASCII pool (texts, pinyin, initials) are cut at this many bytes.
const MAX_SEGMENT_BYTES: usize = ascii::MAX_LEN;
/// Below this many candidates a keystroke runs on the calling thread only.
const PARALLEL_MIN: usize = 8_192;
/// At most this many threads per keystroke.
const MAX_THREADS: usize = 8;
/// Keys spread over more than this many values are sorted by comparison instead of counting.
const COUNTING_SORT_MAX_RANGE: u32 = 1 << 16;

// Segment kinds: the first byte of a segment in the ASCII pool, before its length.
/// The text itself (pure ASCII texts only; the others live in the `char` pool).
const K_DIRECT: u8 = 1;
/// Full pinyin, first reading of every character.
const K_PINYIN: u8 = 2;
/// Full pinyin with another reading of one heteronym.
const K_ALT: u8 = 3;
/// Initials of the pinyin segment just before it.
const K_INITIALS: u8 = 4;
/// Flag on the kind byte: the segment holds lower-case letters only, so nucleo gives a bonus at
/// its first byte only.
const K_LOWER: u8 = 0x80;
/// Bits of the kind byte holding nucleo's largest bonus at any position but the first.
const K_BONUS: u8 = 0x78;
const K_BONUS_SHIFT: u8 = 3;
/// The kind without flags.
const K_KIND: u8 = 0x07;
/// Segments of one item bounded and ordered before scoring; more are scored in pool order.
const MAX_PENDING: usize = 24;
/// Ends a segment in the `char` pool (a non-ASCII text itself). Texts never contain control
/// characters (they are stored as spaces), so this cannot be confused.
const UNI_END: char = '\0';
/// Item masks hold, from this bit on, the `byte_bit`s of the ASCII chars (after folding) of its
/// non-ASCII texts (`sunny🌞`, `杭州-张三`): an ASCII word can only match those texts when
/// they have all its bits.
const UNI_SHIFT: u32 = 32;

/// Letters and digits: each has a precomputed column of single-character keys.
const SINGLES: usize = 36;

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

/// The sort key of a match: higher is better; at equal scores direct > pinyin > initials.
#[inline]
fn kind_key(kind: u8, score: u16) -> u32 {
    let score = u32::from(score);
    match kind & K_KIND {
        K_DIRECT => score * 4 + 3,
        K_PINYIN => score * 4 + 2,
        K_ALT => score * 4 + 1,
        _ => (score * 3 / 4) * 4,
    }
}

/// What one thread needs to score: a nucleo matcher and the matrix of the ASCII scorer.
struct Worker {
    matcher: Matcher,
    dp: ascii::Dp,
}

impl Worker {
    fn new() -> Worker {
        Worker {
            matcher: Matcher::new(Config::DEFAULT),
            dp: ascii::Dp::new(),
        }
    }
}

/// Where an item's texts start, and its mask: the `byte_bit`s of every ASCII byte it holds
/// (folded), and above `UNI_SHIFT` the bits of its non-ASCII texts alone. A
/// query with a letter outside them cannot match: one load rejects.
#[derive(Clone, Copy, Default)]
struct Head {
    mask: u64,
    ascii: u32,
    uni: u32,
}

/// Buffers reused from one keystroke to the next.
#[derive(Default)]
struct Scratch {
    workers: Vec<Worker>,
    bitmap: Vec<u64>,
    parts: Vec<Vec<(u32, u32)>>,
    counts: Vec<u32>,
}

/// Search over members; built once per load of the member list, queried per keystroke.
pub struct SearchIndex {
    /// Item `i`'s mask and where its texts start; one more at the end marks where the last
    /// item's texts end. One record per item (not one array per field): a candidate costs one
    /// cache miss before its texts, not three.
    heads: Vec<Head>,
    /// Item `i` owns `ascii[heads[i].ascii..heads[i + 1].ascii]`: its ASCII segments (ASCII
    /// texts, pinyin, initials), each a `SEGMENT_HEADER` (kind, length, mask) and the bytes.
    ascii: Vec<u8>,
    /// Item `i` owns `uni[heads[i].uni..heads[i + 1].uni]`: its non-ASCII texts as nucleo sees
    /// them (first code point of each grapheme), each followed by `UNI_END`.
    uni: Vec<char>,
    /// `singles[c][i]`: item `i`'s key for the one-character query `c` (see `single_index`),
    /// 0 when it does not match. The first keystroke over a million members is then two
    /// passes over a megabyte instead of scoring every member.
    singles: Vec<Vec<u8>>,
    /// The items whose texts hold a Chinese character, for each one present (ascending).
    cjk: HashMap<char, Vec<u32>>,
    threads: usize,
    scratch: Mutex<Scratch>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("items", &self.len())
            .field("ascii_bytes", &self.ascii.len())
            .field("chars", &self.uni.len())
            .finish_non_exhaustive()
    }
}

/// A parsed query.
struct Query {
    words: Vec<Word>,
    /// The `byte_bit`s of all ASCII words: an item must have them all.
    mask: u64,
}

/// One whitespace-separated word of the query.
struct Word {
    atom: Atom,
    /// The needle as nucleo sees it (lower-cased), as chars.
    chars: Vec<char>,
    /// The same as bytes when nucleo treats the needle as ASCII.
    ascii: Option<Vec<u8>>,
    /// The `byte_bit`s of an ASCII needle (0 for others).
    mask: u32,
    /// Whether folded haystack chars are valid for the pre-check: false when nucleo turns
    /// normalisation off for this needle (it contains e.g. `é`).
    prefilter: bool,
    /// nucleo's score of an exact match at the start of a haystack, the best any haystack can
    /// get; only for needles of letters and digits (where that holds).
    perfect: Option<u16>,
}

impl Word {
    fn new(text: &str, w: &mut Worker) -> Word {
        let atom = Atom::new(
            text,
            CaseMatching::Ignore,
            Normalization::Smart,
            AtomKind::Fuzzy,
            false,
        );
        let (chars, ascii, prefilter) = match atom.needle_text() {
            Utf32Str::Ascii(bytes) => (
                bytes.iter().map(|&b| char::from(b)).collect::<Vec<_>>(),
                Some(bytes.to_vec()),
                true,
            ),
            Utf32Str::Unicode(cs) => (
                cs.to_vec(),
                None,
                cs.iter().all(|&c| chars::normalize(c) == c),
            ),
        };
        // (Longer needles would overflow nucleo's u16 scores; they match no ASCII segment.)
        let perfect = if chars.len() <= ascii::MAX_LEN && chars.iter().all(|c| c.is_alphanumeric())
        {
            match &ascii {
                Some(bytes) => ascii::score(bytes, bytes, false, &mut w.dp),
                None => atom.score(Utf32Str::Unicode(&chars), &mut w.matcher),
            }
        } else {
            None
        };
        let mask = ascii
            .iter()
            .flatten()
            .fold(0, |mask, &b| mask | byte_bit(b));
        Word {
            atom,
            mask,
            chars,
            ascii,
            prefilter,
            perfect,
        }
    }

    /// An upper bound of the key a segment of `kind` can give.
    #[inline]
    fn bound(&self, kind: u8) -> u32 {
        self.perfect.map_or(u32::MAX, |p| kind_key(kind, p))
    }

    /// A tighter upper bound for an ASCII segment. When its first char is not the needle's,
    /// the needle's first char scores at most 16 + 2 × the segment's largest bonus after
    /// position 0 (kept in its kind byte) and every next char 16 + that bonus (or the
    /// consecutive bonus, 4): for lower-case letters, where that bonus is 0, `20 * n - 4`.
    #[inline]
    fn segment_bound(&self, seg: &[u8], kind: u8, needle: &[u8]) -> u32 {
        let Some(perfect) = self.perfect else {
            return u32::MAX;
        };
        let first = seg.first().map(u8::to_ascii_lowercase);
        if first.is_none() || first == needle.first().copied() {
            return kind_key(kind, perfect);
        }
        // The first char matches after position 0, where no bonus exceeds the segment's.
        let inner = u32::from((kind & K_BONUS) >> K_BONUS_SHIFT);
        let n = needle.len() as u32;
        let bound = 16 * n + 2 * inner + (n - 1) * inner.max(4);
        kind_key(kind, bound.min(u32::from(perfect)) as u16)
    }
}

/// The folding nucleo applies to a haystack char with normalisation and ignore-case on.
fn fold_char(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        chars::to_lower_case(chars::normalize(c))
    }
}

/// Chinese characters (and other CJK ones): nucleo neither folds nor normalises them.
#[inline]
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3FFFF}')
}

/// `fold_char`, skipping the table look-ups for CJK.
#[inline]
fn fold_fast(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else if is_cjk(c) {
        c
    } else {
        fold_char(c)
    }
}

/// Whether `needle` is a subsequence of `hay` once `hay` is folded.
#[inline]
fn is_folded_subsequence(needle: &[char], hay: &[char]) -> bool {
    if needle.len() > hay.len() {
        return false;
    }
    let mut rest = hay.iter();
    'needle: for &n in needle {
        for &h in rest.by_ref() {
            if fold_fast(h) == n {
                continue 'needle;
            }
        }
        return false;
    }
    true
}

/// Keeps the best key.
#[inline]
fn improve(best: &mut Option<u32>, key: u32) {
    if best.is_none_or(|b| key > b) {
        *best = Some(key);
    }
}

/// One piece of a text for pinyin: a kept ASCII byte or a syllable with its readings.
enum Seg {
    Lit(u8),
    Syl([&'static str; MAX_READINGS_PER_CHAR], usize),
}

/// Builds the pools while items are added.
struct Builder {
    /// The last one is the item being built.
    heads: Vec<Head>,
    ascii: Vec<u8>,
    uni: Vec<char>,
    item_mask: u64,
    singles: Vec<Vec<u8>>,
    item_singles: [u8; SINGLES],
    cjk: HashMap<char, Vec<u32>>,
    /// The Chinese characters of the item being built.
    item_cjk: Vec<char>,
    /// For the single-character keys of non-ASCII texts.
    single_atoms: Vec<Atom>,
    matcher: Matcher,
    // Reused per text.
    clean: String,
    segs: Vec<Seg>,
    full: Vec<u8>,
    init: Vec<u8>,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            heads: vec![Head::default()],
            ascii: Vec::new(),
            uni: Vec::new(),
            item_mask: 0,
            singles: vec![Vec::new(); SINGLES],
            item_singles: [0; SINGLES],
            cjk: HashMap::new(),
            item_cjk: Vec::new(),
            single_atoms: (b'a'..=b'z')
                .chain(b'0'..=b'9')
                .map(|c| {
                    let needle = char::from(c).to_string();
                    Atom::new(
                        &needle,
                        CaseMatching::Ignore,
                        Normalization::Smart,
                        AtomKind::Fuzzy,
                        false,
                    )
                })
                .collect(),
            matcher: Matcher::new(Config::DEFAULT),
            clean: String::new(),
            segs: Vec::new(),
            full: Vec::new(),
            init: Vec::new(),
        }
    }

    /// Closes the current item. Returns false (and leaves the item out) when the index cannot
    /// grow any more: 4 GiB of text, or 2^32 - 2 items.
    fn end_item(&mut self) -> bool {
        let mask = std::mem::take(&mut self.item_mask);
        let singles = std::mem::replace(&mut self.item_singles, [0; SINGLES]);
        match (
            u32::try_from(self.ascii.len()),
            u32::try_from(self.uni.len()),
        ) {
            (Ok(a), Ok(u)) if self.heads.len() < u32::MAX as usize - 1 => {
                if let Some(head) = self.heads.last_mut() {
                    head.mask = mask;
                }
                self.heads.push(Head {
                    mask: 0,
                    ascii: a,
                    uni: u,
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
                self.ascii.truncate(start.ascii as usize);
                self.uni.truncate(start.uni as usize);
                false
            }
        }
    }

    fn add_text(&mut self, text: &str) {
        // Control characters would clash with `UNI_END`; nobody types them anyway.
        self.clean.clear();
        self.clean.extend(
            text.chars()
                .take(MAX_TEXT_CHARS)
                .map(|c| if c.is_control() { ' ' } else { c }),
        );
        if self.clean.trim().is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.clean);
        if text.is_ascii() {
            // Pure ASCII: pinyin and initials would be the text itself.
            self.push_segment(K_DIRECT, text.as_bytes());
        } else {
            let start = self.uni.len();
            self.uni.extend(chars::graphemes(&text));
            let mut alphanumeric = false;
            for &c in &self.uni[start..] {
                if is_cjk(c) {
                    self.item_cjk.push(c);
                }
                let folded = fold_fast(c);
                if folded.is_ascii() {
                    let bit = u64::from(byte_bit(folded as u8));
                    self.item_mask |= bit | bit << UNI_SHIFT;
                    alphanumeric |= folded.is_ascii_alphanumeric();
                }
            }
            if alphanumeric {
                self.add_uni_singles(start);
            }
            self.uni.push(UNI_END);
            self.add_pinyin(&text);
        }
        self.clean = text;
    }

    /// The single-character keys of the non-ASCII text at `uni[start..]` (nucleo's scores).
    fn add_uni_singles(&mut self, start: usize) {
        let text = &self.uni[start..];
        for (c, atom) in (b'a'..=b'z').chain(b'0'..=b'9').zip(&self.single_atoms) {
            if !text.iter().any(|&t| fold_fast(t) == char::from(c)) {
                continue;
            }
            if let (Some(ix), Some(score)) = (
                single_index(c),
                atom.score(Utf32Str::Unicode(text), &mut self.matcher),
            ) {
                let key = u8::try_from(kind_key(K_DIRECT, score)).unwrap_or(u8::MAX);
                self.item_singles[ix] = self.item_singles[ix].max(key);
            }
        }
    }

    fn add_pinyin(&mut self, text: &str) {
        self.segs.clear();
        let mut any_syllable = false;
        for c in text.chars() {
            if c.is_ascii() {
                self.segs.push(Seg::Lit(c.to_ascii_lowercase() as u8));
            } else if let Some(multi) = c.to_pinyin_multi() {
                let mut readings = [""; MAX_READINGS_PER_CHAR];
                let mut n = 0;
                for p in multi {
                    let r = p.plain();
                    if r.is_empty() || !r.is_ascii() || readings[..n].contains(&r) {
                        continue;
                    }
                    readings[n] = r;
                    n += 1;
                    if n == MAX_READINGS_PER_CHAR {
                        break;
                    }
                }
                if n > 0 {
                    any_syllable = true;
                    self.segs.push(Seg::Syl(readings, n));
                }
            }
            // Other characters (emoji, symbols, non-ASCII latin) are left out of the pinyin.
        }
        if !any_syllable {
            return;
        }
        // Variant 0: first readings; then the other readings of the first character (where a
        // name has its surname). Other characters keep their first, most common, reading:
        // their rare readings (王 yu, 明 meng) would multiply the strings for little gain.
        let first_alts = self
            .segs
            .iter()
            .enumerate()
            .find_map(|(pos, seg)| match seg {
                Seg::Syl(_, n) => Some((pos, *n)),
                Seg::Lit(_) => None,
            });
        let (alt_pos, n_readings) = first_alts.unwrap_or((usize::MAX, 1));
        let text_start = self.ascii.len();
        let mut variants = 0;
        for alt_r in 0..n_readings {
            self.full.clear();
            self.init.clear();
            for (pos, seg) in self.segs.iter().enumerate() {
                match seg {
                    Seg::Lit(b) => {
                        self.full.push(*b);
                        self.init.push(*b);
                    }
                    Seg::Syl(readings, _) => {
                        let r = if pos == alt_pos {
                            readings[alt_r]
                        } else {
                            readings[0]
                        };
                        self.full.extend_from_slice(r.as_bytes());
                        self.init.extend(r.as_bytes().first());
                    }
                }
            }
            if self.seen(text_start, &[K_PINYIN, K_ALT], &self.full) {
                continue;
            }
            let kind = if variants == 0 { K_PINYIN } else { K_ALT };
            let full = std::mem::take(&mut self.full);
            self.push_segment(kind, &full);
            self.full = full;
            if !self.seen(text_start, &[K_INITIALS], &self.init) {
                let init = std::mem::take(&mut self.init);
                self.push_segment(K_INITIALS, &init);
                self.init = init;
            }
            variants += 1;
        }
    }

    /// Appends a segment to the ASCII pool (cut at `MAX_SEGMENT_BYTES`).
    fn push_segment(&mut self, kind: u8, bytes: &[u8]) {
        let bytes = &bytes[..bytes.len().min(MAX_SEGMENT_BYTES)];
        let lower = if bytes.iter().all(u8::is_ascii_lowercase) {
            K_LOWER
        } else {
            0
        };
        let inner = (ascii::max_inner_bonus(bytes) as u8) << K_BONUS_SHIFT;
        let mask = bytes.iter().fold(0, |mask, &b| mask | byte_bit(b));
        for (p, b) in bytes.iter().enumerate() {
            if let Some(ix) = single_index(b.to_ascii_lowercase()) {
                let key = kind_key(kind, ascii::single_score(bytes, p));
                let key = u8::try_from(key).unwrap_or(u8::MAX);
                self.item_singles[ix] = self.item_singles[ix].max(key);
            }
        }
        self.ascii.push(kind | inner | lower);
        self.ascii.push(bytes.len() as u8);
        self.ascii.extend_from_slice(&mask.to_le_bytes());
        self.ascii.extend_from_slice(bytes);
        self.item_mask |= u64::from(mask);
    }

    /// Whether `text` (cut like a segment) is already a segment of one of `kinds` in `ascii[from..]`.
    fn seen(&self, from: usize, kinds: &[u8], text: &[u8]) -> bool {
        let text = &text[..text.len().min(MAX_SEGMENT_BYTES)];
        segments(&self.ascii[from..])
            .any(|(seg, kind)| kinds.contains(&(kind & K_KIND)) && seg == text)
    }

    fn finish(mut self) -> SearchIndex {
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, MAX_THREADS);
        self.ascii.shrink_to_fit();
        self.uni.shrink_to_fit();
        self.heads.shrink_to_fit();
        SearchIndex {
            heads: self.heads,
            ascii: self.ascii,
            uni: self.uni,
            singles: self.singles,
            cjk: self.cjk,
            threads,
            scratch: Mutex::new(Scratch::default()),
        }
    }
}

/// The segments of an ASCII pool slice with their kinds.
fn segments(pool: &[u8]) -> impl Iterator<Item = (&[u8], u8)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let (seg, next) = segment_at(pool, at)?;
        at = next;
        Some((seg.text, seg.kind))
    })
}

/// Bytes before a segment's text in the ASCII pool: kind, length, mask (4, little-endian).
const SEGMENT_HEADER: usize = 6;

/// One segment of the ASCII pool.
struct Segment<'a> {
    /// Kind, with the `K_LOWER` and `K_BONUS` bits.
    kind: u8,
    /// The `byte_bit`s of its bytes: a word with a bit outside cannot match it.
    mask: u32,
    text: &'a [u8],
}

/// The segment at `at` in `pool`, and where the next one starts.
#[inline(always)]
fn segment_at(pool: &[u8], at: usize) -> Option<(Segment<'_>, usize)> {
    let header: &[u8; SEGMENT_HEADER] = pool.get(at..at + SEGMENT_HEADER)?.try_into().ok()?;
    let end = at + SEGMENT_HEADER + usize::from(header[1]);
    let text = pool.get(at + SEGMENT_HEADER..end)?;
    let mask = u32::from_le_bytes([header[2], header[3], header[4], header[5]]);
    Some((
        Segment {
            kind: header[0],
            mask,
            text,
        },
        end,
    ))
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
    /// rows): an item's score depends on its own texts only, so old and new items rank
    /// exactly as a fresh build would rank them (ties aside, which go by index).
    /// `None` when the index cannot grow (see `Builder::end_item`).
    pub fn append<S: AsRef<str>>(&mut self, texts: impl IntoIterator<Item = S>) -> Option<u32> {
        let mut b = Builder::new();
        b.heads = std::mem::take(&mut self.heads);
        b.ascii = std::mem::take(&mut self.ascii);
        b.uni = std::mem::take(&mut self.uni);
        b.singles = std::mem::take(&mut self.singles);
        b.cjk = std::mem::take(&mut self.cjk);
        for text in texts {
            b.add_text(text.as_ref());
        }
        let added = b.end_item();
        // (no shrink_to_fit: appends come one at a time)
        self.heads = b.heads;
        self.ascii = b.ascii;
        self.uni = b.uni;
        self.singles = b.singles;
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
        let out = match self.parse_query(query, &mut scratch) {
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
    /// typing narrows, so each keystroke only looks at what the previous one kept. Must return
    /// exactly what `search(query)` returns whenever `within` is the result for a prefix of `query`.
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
        let out = match self.parse_query(query, &mut scratch) {
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

    /// The items holding the rarest Chinese character of the query, when it has one: only
    /// they can match (nucleo neither folds nor normalises those characters).
    fn postings(&self, query: &Query) -> Option<&[u32]> {
        query
            .words
            .iter()
            .flat_map(|word| &word.chars)
            .filter(|&&c| is_cjk(c))
            .map(|c| self.cjk.get(c).map_or(&[][..], Vec::as_slice))
            .min_by_key(|items| items.len())
    }

    /// The precomputed keys when `query` is one letter or digit.
    fn single_column(&self, query: &Query) -> Option<&[u8]> {
        match query.words.as_slice() {
            [word] => match word.ascii.as_deref() {
                Some(&[c]) => Some(self.singles.get(single_index(c)?)?.as_slice()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The words of `query`, or `None` when it is blank.
    fn parse_query(&self, query: &str, scratch: &mut Scratch) -> Option<Query> {
        if scratch.workers.is_empty() {
            scratch.workers.push(Worker::new());
        }
        let w = &mut scratch.workers[0];
        let words: Vec<Word> = query
            .split_whitespace()
            .map(|word| Word::new(word, w))
            .collect();
        let mask = words.iter().fold(0, |mask, w| mask | u64::from(w.mask));
        (!words.is_empty()).then_some(Query { words, mask })
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
        while scratch.workers.len() < ranges.len() {
            scratch.workers.push(Worker::new());
        }
        if scratch.parts.len() < ranges.len() {
            scratch.parts.resize_with(ranges.len(), Vec::new);
        }
        let parts = &mut scratch.parts[..ranges.len()];
        let workers = &mut scratch.workers[..ranges.len()];
        let mut jobs = parts.iter_mut().zip(workers.iter_mut()).zip(&ranges);
        let first = jobs.next();
        std::thread::scope(|s| {
            for ((out, w), range) in jobs {
                s.spawn(move || self.scan(query, cands, range.clone(), w, out));
            }
            if let Some(((out, w), range)) = first {
                self.scan(query, cands, range.clone(), w, out);
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
        w: &mut Worker,
        out: &mut Vec<(u32, u32)>,
    ) {
        out.clear();
        let mut batch = Batch::default();
        let mut visit = |i: u32| {
            batch.items[batch.len] = i;
            batch.len += 1;
            if batch.len == BATCH {
                self.score_batch(query, &batch.items, w, out);
                batch.len = 0;
            }
        };
        match cands {
            Candidates::All => range.for_each(|i| visit(i as u32)),
            Candidates::Bitmap(bits) => for_each_set_bit(bits, range, visit),
            Candidates::List(items) => items[range].iter().for_each(|&i| visit(i)),
        }
        self.score_batch(query, &batch.items[..batch.len], w, out);
    }

    /// Scores a few items. Memory is touched in rounds over the whole batch (masks, then the
    /// texts of the items the mask lets through), so that the cache misses of different items
    /// overlap instead of coming one after the other: at a million members that halves the
    /// time of a keystroke.
    fn score_batch(&self, query: &Query, items: &[u32], w: &mut Worker, out: &mut Vec<(u32, u32)>) {
        // The mask rejects most items with one load, before their texts are touched.
        let mut kept = [0u32; BATCH];
        let mut n = 0;
        for &i in items {
            if self.heads[i as usize].mask & query.mask == query.mask {
                kept[n] = i;
                n += 1;
            }
        }
        let kept = &kept[..n];
        let ascii = query.words.iter().any(|word| word.ascii.is_some());
        let mut touched = 0u64;
        for &i in kept {
            let i = i as usize;
            touched ^= if ascii {
                let Range { start, end } = self.ascii_range(i);
                let first = self.ascii.get(start).copied().unwrap_or(0);
                let last = self.ascii.get(end.saturating_sub(1)).copied().unwrap_or(0);
                u64::from(first ^ last)
            } else {
                u64::from(
                    self.uni
                        .get(self.heads[i].uni as usize)
                        .copied()
                        .unwrap_or(UNI_END),
                )
            };
        }
        std::hint::black_box(touched);
        for &i in kept {
            if let Some(key) = self.score_item(query, i as usize, w) {
                out.push((i, key));
            }
        }
    }

    /// The sort key of item `i` for the query (higher is better), or `None` if a word misses.
    #[inline]
    fn score_item(&self, query: &Query, i: usize, w: &mut Worker) -> Option<u32> {
        let mask = self.heads[i].mask;
        let mut total = 0u32;
        for word in &query.words {
            total = total.saturating_add(self.score_word(word, i, mask, w)?);
        }
        Some(total)
    }

    /// The best key of item `i` for one word.
    #[inline]
    fn score_word(&self, word: &Word, i: usize, mask: u64, w: &mut Worker) -> Option<u32> {
        let m = &mut w.matcher;
        let mut best = None;
        let Some(needle) = word.ascii.as_deref() else {
            // Only the non-ASCII texts: nucleo never matches such a needle in an ASCII haystack.
            let top = word.bound(K_DIRECT);
            for seg in self.uni_segments(i) {
                if word.prefilter && !is_folded_subsequence(&word.chars, seg) {
                    continue;
                }
                if let Some(score) = word.atom.score(Utf32Str::Unicode(seg), m) {
                    improve(&mut best, kind_key(K_DIRECT, score));
                    if best >= Some(top) {
                        break;
                    }
                }
            }
            return best;
        };
        let uni_bits = u64::from(word.mask) << UNI_SHIFT;
        if mask & uni_bits == uni_bits {
            for seg in self.uni_segments(i) {
                if !is_folded_subsequence(&word.chars, seg) {
                    continue;
                }
                if let Some(score) = word.atom.score(Utf32Str::Unicode(seg), m) {
                    improve(&mut best, kind_key(K_DIRECT, score));
                }
            }
        }
        // Best first: bound every segment cheaply, then score them by decreasing bound until
        // the best score so far reaches the next bound. A member's name rarely needs scoring
        // once a group nickname with a word boundary in the right place has scored.
        let pool = &self.ascii[self.ascii_range(i)];
        let mut pending = [(0u32, 0usize); MAX_PENDING];
        let mut n_pending = 0;
        let mut at = 0;
        while let Some((segment, next)) = segment_at(pool, at) {
            let seg_at = at;
            at = next;
            let Segment {
                kind,
                mask,
                text: seg,
            } = segment;
            if mask & word.mask != word.mask {
                continue;
            }
            let bound = word.segment_bound(seg, kind, needle);
            if best.is_some_and(|best| best >= bound) {
                continue;
            }
            if n_pending < MAX_PENDING {
                pending[n_pending] = (bound, seg_at);
                n_pending += 1;
            } else if let Some(score) = self.score_segment(word, seg, kind, w) {
                improve(&mut best, kind_key(kind, score));
            }
        }
        while n_pending > 0 {
            let mut k = 0;
            for j in 1..n_pending {
                if pending[j].0 > pending[k].0 {
                    k = j;
                }
            }
            let (bound, seg_at) = pending[k];
            if best.is_some_and(|best| best >= bound) {
                break;
            }
            n_pending -= 1;
            pending[k] = pending[n_pending];
            let Some((
                Segment {
                    kind, text: seg, ..
                },
                _,
            )) = segment_at(pool, seg_at)
            else {
                continue;
            };
            if let Some(score) = self.score_segment(word, seg, kind, w) {
                improve(&mut best, kind_key(kind, score));
            }
        }
        best
    }

    /// nucleo's score of an ASCII word in one ASCII segment.
    #[inline]
    fn score_segment(&self, word: &Word, seg: &[u8], kind: u8, w: &mut Worker) -> Option<u16> {
        let needle = word.ascii.as_deref()?;
        if seg.len() <= ascii::MAX_LEN {
            ascii::score(seg, needle, kind & K_LOWER != 0, &mut w.dp)
        } else {
            word.atom.score(Utf32Str::Ascii(seg), &mut w.matcher)
        }
    }

    /// Where the ASCII segments of item `i` are in the pool.
    #[inline]
    fn ascii_range(&self, i: usize) -> Range<usize> {
        self.heads[i].ascii as usize..self.heads[i + 1].ascii as usize
    }

    /// The non-ASCII texts of item `i`.
    fn uni_segments(&self, i: usize) -> impl Iterator<Item = &[char]> {
        self.uni[self.heads[i].uni as usize..self.heads[i + 1].uni as usize]
            .split(|&c| c == UNI_END)
            .filter(|seg| !seg.is_empty())
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

/// nucleo's fuzzy score for ASCII haystack and needle, computed the way
/// `Matcher::fuzzy_match` computes it with the default [`Config`] and ignore-case (the needle
/// is lower-case already): same paths (exact length, single char, contiguous greedy match,
/// optimal matrix), same bonuses and penalties, so the same number. Without nucleo's
/// per-call set-up (copying the haystack into its slab, char classes for the whole
/// haystack) it costs a fraction of a call, which matters when a keystroke scores
/// hundreds of thousands of pinyin strings. `ascii_score_matches_nucleo` checks it against
/// nucleo on random strings.
mod ascii {
    // nucleo's constants (score.rs).
    const SCORE_MATCH: u16 = 16;
    const PENALTY_GAP_START: u16 = 3;
    const PENALTY_GAP_EXTENSION: u16 = 1;
    const BONUS_BOUNDARY: u16 = SCORE_MATCH / 2;
    const BONUS_BOUNDARY_WHITE: u16 = BONUS_BOUNDARY + 2;
    const BONUS_BOUNDARY_DELIMITER: u16 = BONUS_BOUNDARY + 1;
    const BONUS_CAMEL123: u16 = BONUS_BOUNDARY - PENALTY_GAP_START;
    const BONUS_NON_WORD: u16 = BONUS_BOUNDARY;
    const BONUS_CONSECUTIVE: u16 = PENALTY_GAP_START + PENALTY_GAP_EXTENSION;
    const BONUS_FIRST_CHAR_MULTIPLIER: u16 = 2;
    /// Longest haystack scored here; longer ones go to nucleo itself.
    pub(super) const MAX_LEN: usize = 255;

    /// nucleo's char classes, in its order (the order matters in `bonus_for`).
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Class {
        Whitespace,
        NonWord,
        Delimiter,
        Lower,
        Upper,
        Number,
    }

    #[inline(always)]
    fn class(b: u8) -> Class {
        match b {
            b'a'..=b'z' => Class::Lower,
            b'A'..=b'Z' => Class::Upper,
            b'0'..=b'9' => Class::Number,
            b' ' | b'\t' | b'\n' | b'\x0C' | b'\r' => Class::Whitespace,
            b'/' | b',' | b':' | b';' | b'|' => Class::Delimiter,
            _ => Class::NonWord,
        }
    }

    const CLASSES: [Class; 6] = [
        Class::Whitespace,
        Class::NonWord,
        Class::Delimiter,
        Class::Lower,
        Class::Upper,
        Class::Number,
    ];

    /// `bonus_for` for every pair of classes.
    const BONUS_TABLE: [[u8; 6]; 6] = {
        let mut table = [[0; 6]; 6];
        let mut p = 0;
        while p < 6 {
            let mut c = 0;
            while c < 6 {
                table[p][c] = bonus_for(CLASSES[p], CLASSES[c]) as u8;
                c += 1;
            }
            p += 1;
        }
        table
    };

    #[inline(always)]
    const fn bonus_for(prev: Class, class: Class) -> u16 {
        // `as u8`: comparisons in a const fn (the classes are in nucleo's order).
        let (p, c) = (prev as u8, class as u8);
        if c > Class::Delimiter as u8 {
            match prev {
                Class::Whitespace => return BONUS_BOUNDARY_WHITE,
                Class::Delimiter => return BONUS_BOUNDARY_DELIMITER,
                Class::NonWord => return BONUS_BOUNDARY,
                _ => (),
            }
        }
        if p == Class::Lower as u8 && c == Class::Upper as u8
            || p != Class::Number as u8 && c == Class::Number as u8
        {
            BONUS_CAMEL123
        } else if c == Class::Whitespace as u8 {
            BONUS_BOUNDARY_WHITE
        } else if c == Class::NonWord as u8 {
            BONUS_NON_WORD
        } else {
            0
        }
    }

    /// nucleo's bonus for matching `hay[p]`.
    #[inline(always)]
    fn bonus_at(hay: &[u8], p: usize) -> u16 {
        u16::from(BONUS_TABLE[prev_class(hay, p) as usize][class(hay[p]) as usize])
    }

    /// nucleo's score for a one-character needle matched at `hay[p]`.
    pub(super) fn single_score(hay: &[u8], p: usize) -> u16 {
        SCORE_MATCH + BONUS_FIRST_CHAR_MULTIPLIER * bonus_at(hay, p)
    }

    /// nucleo's largest bonus at any position of `hay` but the first.
    pub(super) fn max_inner_bonus(hay: &[u8]) -> u16 {
        hay.windows(2)
            .map(|w| bonus_for(class(w[0]), class(w[1])))
            .max()
            .unwrap_or(0)
    }

    #[inline(always)]
    fn fold(b: u8) -> u8 {
        b.to_ascii_lowercase()
    }

    /// The class before position `i` (the start of the haystack counts as whitespace).
    #[inline(always)]
    fn prev_class(hay: &[u8], i: usize) -> Class {
        i.checked_sub(1)
            .map_or(Class::Whitespace, |p| class(hay[p]))
    }

    /// The matrix and per-column arrays, kept from one call to the next.
    pub(super) struct Dp {
        offs: [u8; MAX_LEN + 1],
        bonus: [u8; MAX_LEN],
        row: [Cell; MAX_LEN + 1],
    }

    impl Dp {
        pub(super) fn new() -> Dp {
            Dp {
                offs: [0; MAX_LEN + 1],
                bonus: [0; MAX_LEN],
                row: [UNMATCHED; MAX_LEN + 1],
            }
        }
    }

    /// The score of `needle` (lower-case ASCII) in `hay` (ASCII, at most `MAX_LEN` bytes),
    /// or `None` when it does not match. `lower`: `hay` holds lower-case letters only.
    pub(super) fn score(hay: &[u8], needle: &[u8], lower: bool, dp: &mut Dp) -> Option<u16> {
        let n = needle.len();
        let len = hay.len();
        if n > len {
            return None;
        }
        if n == 0 {
            return Some(0);
        }
        if n == len {
            let same = hay.iter().zip(needle).all(|(&h, &c)| fold(h) == c);
            return same.then(|| contiguous(hay, needle, 0, len));
        }
        if n == 1 {
            let c = needle[0];
            let mut best = 0;
            for (i, &h) in hay.iter().enumerate() {
                if fold(h) == c {
                    let bonus = bonus_for(prev_class(hay, i), class(h));
                    best = best.max(bonus * BONUS_FIRST_CHAR_MULTIPLIER + SCORE_MATCH);
                }
            }
            return (best != 0).then_some(best);
        }
        let starts = fold(hay[0]) == needle[0];
        if starts
            && hay[..n].iter().zip(needle).all(|(&h, &c)| fold(h) == c)
            && needle.iter().all(u8::is_ascii_alphanumeric)
        {
            // A prefix match of letters and digits: the first char gets the largest bonus
            // and every next one the same, which no other alignment beats.
            return Some((SCORE_MATCH + BONUS_BOUNDARY_WHITE) * n as u16 + BONUS_BOUNDARY_WHITE);
        }
        // The prefilter: first occurrence of the first char, greedy rest, last occurrence of
        // the last char after that.
        let start = hay[..len - n + 1]
            .iter()
            .position(|&h| fold(h) == needle[0])?;
        let offs = &mut dp.offs;
        offs[0] = 0;
        let mut at = start + 1;
        for (k, &c) in needle.iter().enumerate().skip(1) {
            at += hay[at..].iter().position(|&h| fold(h) == c)?;
            offs[k] = (at - start) as u8;
            at += 1;
        }
        let greedy_end = at;
        let last = needle[n - 1];
        let end = greedy_end
            + hay[greedy_end..]
                .iter()
                .rposition(|&h| fold(h) == last)
                .map_or(0, |i| i + 1);
        if n == end - start {
            return Some(contiguous(hay, needle, start, greedy_end));
        }
        if n == 2 {
            return Some(optimal2(hay, needle, start, end, usize::from(dp.offs[1])));
        }
        Some(optimal(hay, needle, start, end, lower, dp))
    }

    /// nucleo's `calculate_score` (used for a match without gaps).
    fn contiguous(hay: &[u8], needle: &[u8], start: usize, end: usize) -> u16 {
        let mut prev = prev_class(hay, start);
        let mut needle_iter = needle.iter();
        let mut needle_char = needle[0];
        needle_iter.next();
        let mut in_gap = false;
        let mut consecutive = 1;
        let class0 = class(hay[start]);
        let mut first_bonus = bonus_for(prev, class0);
        let mut score = SCORE_MATCH + first_bonus * BONUS_FIRST_CHAR_MULTIPLIER;
        prev = class0;
        if let Some(&next) = needle_iter.next() {
            needle_char = next;
        }
        for &h in &hay[start + 1..end] {
            let cls = class(h);
            if fold(h) == needle_char {
                let mut bonus = bonus_for(prev, cls);
                if consecutive != 0 {
                    if bonus >= BONUS_BOUNDARY && bonus > first_bonus {
                        first_bonus = bonus;
                    }
                    bonus = bonus.max(first_bonus).max(BONUS_CONSECUTIVE);
                } else {
                    first_bonus = bonus;
                }
                score += SCORE_MATCH + bonus;
                in_gap = false;
                consecutive += 1;
                if let Some(&next) = needle_iter.next() {
                    needle_char = next;
                }
            } else {
                let penalty = if in_gap {
                    PENALTY_GAP_EXTENSION
                } else {
                    PENALTY_GAP_START
                };
                score = score.saturating_sub(penalty);
                in_gap = true;
                consecutive = 0;
            }
            prev = cls;
        }
        score
    }

    /// A cell of nucleo's matrix: the best score with needle char `row` matched at a column.
    /// (nucleo also keeps whether the cell continued a run, for the match indices only.)
    #[derive(Clone, Copy, PartialEq, Eq)]
    struct Cell {
        score: u16,
        consecutive_bonus: u8,
    }

    /// No match here (a match scores at least 16).
    const UNMATCHED: Cell = Cell {
        score: 0,
        consecutive_bonus: 0,
    };

    #[inline(always)]
    fn next_m_cell(p_score: u16, bonus: u16, m_cell: Cell) -> Cell {
        if m_cell.score == 0 {
            return Cell {
                score: p_score + bonus + SCORE_MATCH,
                consecutive_bonus: bonus as u8,
            };
        }
        let mut consecutive_bonus = u16::from(m_cell.consecutive_bonus).max(BONUS_CONSECUTIVE);
        if bonus >= BONUS_BOUNDARY && bonus > consecutive_bonus {
            consecutive_bonus = bonus;
        }
        let score_match = m_cell.score + consecutive_bonus.max(bonus);
        let score_skip = p_score + bonus;
        if score_match > score_skip {
            Cell {
                score: score_match + SCORE_MATCH,
                consecutive_bonus: consecutive_bonus as u8,
            }
        } else {
            Cell {
                score: score_skip + SCORE_MATCH,
                consecutive_bonus: bonus as u8,
            }
        }
    }

    #[inline(always)]
    fn p_score(prev_p_score: u16, prev_m_score: u16) -> u16 {
        prev_m_score
            .saturating_sub(PENALTY_GAP_START)
            .max(prev_p_score.saturating_sub(PENALTY_GAP_EXTENSION))
    }

    /// `optimal` for a two-char needle: one pass, the single row kept in two variables.
    fn optimal2(hay: &[u8], needle: &[u8], start: usize, end: usize, second_off: usize) -> u16 {
        let h = &hay[start..end];
        let (first, second) = (needle[0], needle[1]);
        let mut prev_class = prev_class(hay, start);
        let mut class_j = class(h[0]);
        let mut bonus_j = BONUS_TABLE[prev_class as usize][class_j as usize];
        prev_class = class_j;
        let mut prev_p = 0;
        let mut prev_m = 0;
        let mut best = 0;
        for j in 0..h.len() - 1 {
            let p = p_score(prev_p, prev_m);
            let m_cell = if fold(h[j]) == first {
                Cell {
                    score: u16::from(bonus_j) * BONUS_FIRST_CHAR_MULTIPLIER + SCORE_MATCH,
                    consecutive_bonus: bonus_j,
                }
            } else {
                UNMATCHED
            };
            class_j = class(h[j + 1]);
            let bonus_next = BONUS_TABLE[prev_class as usize][class_j as usize];
            prev_class = class_j;
            if j + 1 >= second_off && fold(h[j + 1]) == second {
                best = best.max(next_m_cell(p, u16::from(bonus_next), m_cell).score);
            }
            prev_p = p;
            prev_m = m_cell.score;
            bonus_j = bonus_next;
        }
        best
    }

    /// nucleo's `fuzzy_match_optimal` over `hay[start..end]`; `dp.offs[k]` is where the
    /// greedy match put needle char `k` (relative to `start`).
    fn optimal(
        hay: &[u8],
        needle: &[u8],
        start: usize,
        end: usize,
        lower: bool,
        dp: &mut Dp,
    ) -> u16 {
        let h = &hay[start..end];
        let len = h.len();
        let Dp { offs, bonus, row } = dp;
        if lower {
            // Lower-case letters: a bonus at the very start only.
            bonus[..len].fill(0);
            if start == 0 {
                bonus[0] = BONUS_BOUNDARY_WHITE as u8;
            }
        } else {
            let mut prev = prev_class(hay, start);
            for (j, &c) in h.iter().enumerate() {
                let cls = class(c);
                bonus[j] = BONUS_TABLE[prev as usize][cls as usize];
                prev = cls;
            }
        }
        // Row `i`'s cell for column `j` lives at `row[j - i]` (as in nucleo), so the next row
        // can be written in place. Row 0 first.
        let first = needle[0];
        for ((cell, &c), &b) in row.iter_mut().zip(h).zip(bonus.iter()) {
            *cell = if fold(c) == first {
                Cell {
                    score: u16::from(b) * BONUS_FIRST_CHAR_MULTIPLIER + SCORE_MATCH,
                    consecutive_bonus: b,
                }
            } else {
                UNMATCHED
            };
        }
        for i in 0..needle.len() - 1 {
            let row_off = usize::from(offs[i]);
            let next_row_off = usize::from(offs[i + 1]);
            let next_char = needle[i + 1];
            let mut prev_p = 0;
            let mut prev_m = 0;
            // Columns before the next char's first possible place only carry the gap score.
            for cell in &row[row_off - i..next_row_off - 1 - i] {
                prev_p = p_score(prev_p, prev_m);
                prev_m = cell.score;
            }
            let cols = next_row_off - 1..len - 1;
            let cells = &mut row[next_row_off - 1 - i..len - 1 - i];
            for ((cell, &c), &b) in cells
                .iter_mut()
                .zip(&h[cols.start + 1..])
                .zip(&bonus[cols.start + 1..len])
            {
                let p = p_score(prev_p, prev_m);
                let m_cell = *cell;
                *cell = if fold(c) == next_char {
                    next_m_cell(p, u16::from(b), m_cell)
                } else {
                    UNMATCHED
                };
                prev_p = p;
                prev_m = m_cell.score;
            }
        }
        let last = needle.len() - 1;
        row[usize::from(offs[last]) - last..len - last]
            .iter()
            .map(|c| c.score)
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
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
            "zhang", "zs", "z", "s", "李", "lxm", "shan", "二", "sunny", "a", "xiao er", "",
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

    use super::*;

    fn index(items: &[&[&str]]) -> SearchIndex {
        SearchIndex::build(items.iter().map(|texts| texts.iter().copied()))
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
            (&["张三"], "李", false),
            (&["张三"], "zhangsi", false),
            (&["李四"], "zs", false),
            (&["李四"], "ls", true),
            (&["李晓明"], "lixiao", true),
            (&["李晓明"], "lxm", true),
            (&["李晓明"], "李晓", true),
            (&["李晓明"], "lixiaoming", true),
            (&["单雄信"], "shan", true),
            (&["单雄信"], "dan", true),
            (&["单雄信"], "shanxiongxin", true),
            (&["单雄信"], "sxx", true),
            (&["曾小贤"], "zeng", true),
            (&["曾小贤"], "ceng", true),
            (&["解晓东"], "xie", true),
            (&["解晓东"], "jie", true),
            (&["Amy_Li"], "amy", true),
            (&["Amy_Li"], "AMY", true),
            (&["Amy_Li"], "amyli", true),
            (&["Amy_Li"], "bob", false),
            (&["zhangsan"], "zhangs", true),
            (&["Kevin.Z"], "kevin", true),
            (&["Zoë"], "zoe", true),
            (&["Zoë"], "zoë", true),
            (&["李四", "杭州-张三-设计"], "hangzhou", true),
            (&["李四", "杭州-张三-设计"], "zhang", true),
            (&["李四", "杭州-张三-设计"], "杭州", true),
            (&["李四", "杭州-张三-设计"], "shanghai", false),
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
        // Cut at 256 characters, then 255 bytes of pinyin.
        assert_eq!(idx.search("zhang".repeat(60).as_str()), Vec::<u32>::new());
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
        // 阿郑好安宁高: initials "azhang" hold "zhang"; its pinyin only matches with gaps.
        let idx = index(&[&["阿郑好安宁高"], &["小张"], &["李四"], &["张"]]);
        assert_eq!(idx.search("zhang"), [3, 1, 0]);
        // Direct beats pinyin at equal scores.
        let idx = index(&[&["张"], &["zhang"]]);
        assert_eq!(idx.search("zhang"), [1, 0]);
        // Ties keep index order.
        let idx = index(&[&["张三"], &["张四"], &["张三"]]);
        assert_eq!(idx.search("zhang"), [0, 1, 2]);
        assert_eq!(idx.search_within("zhang", &[2, 1, 0]), [0, 1, 2]);
        // A prefix match ranks before a match inside the text.
        let idx = index(&[&["Lamy"], &["Amy_Li"]]);
        assert_eq!(idx.search("amy"), [1, 0]);
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
            "张", "王", "李", "赵", "单", "曾", "解", "长", "陈", "刘", "小", "查",
        ];
        const GIVEN: &[&str] = &[
            "三", "晓", "明", "伟", "芳", "行", "乐", "重", "子", "雄", "信", "宝", "妈", "🌸",
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
            assert!(!prev.is_empty(), "{query:?} found nothing");
        }
    }

    /// What the index must return, the slow way: nucleo on every haystack of every item, no
    /// pre-check, bound or ASCII scorer, then a plain sort.
    fn plain_search(idx: &SearchIndex, query: &str) -> Vec<u32> {
        let mut m = Matcher::new(Config::DEFAULT);
        let atoms: Vec<Atom> = query
            .split_whitespace()
            .map(|w| {
                Atom::new(
                    w,
                    CaseMatching::Ignore,
                    Normalization::Smart,
                    AtomKind::Fuzzy,
                    false,
                )
            })
            .collect();
        let mut hits = Vec::new();
        'items: for i in 0..idx.len() {
            let mut total = 0u32;
            for atom in &atoms {
                let mut best = None;
                for seg in idx.uni_segments(i) {
                    if let Some(score) = atom.score(Utf32Str::Unicode(seg), &mut m) {
                        improve(&mut best, kind_key(K_DIRECT, score));
                    }
                }
                let pool = &idx.ascii[idx.ascii_range(i)];
                for (seg, kind) in segments(pool) {
                    if let Some(score) = atom.score(Utf32Str::Ascii(seg), &mut m) {
                        improve(&mut best, kind_key(kind, score));
                    }
                }
                match best {
                    Some(key) => total = total.saturating_add(key),
                    None => continue 'items,
                }
            }
            hits.push((i as u32, total));
        }
        hits.sort_by_key(|&(i, key)| (std::cmp::Reverse(key), i));
        hits.into_iter().map(|(i, _)| i).collect()
    }

    #[test]
    fn search_equals_plain_nucleo_over_every_haystack() {
        let idx = SearchIndex::build(generated_items(600, 7));
        let extra = [
            "z", "a", "i", "n", "g", "-", "_", "2", "zhangsan", "x z", "杭", "芳 f",
        ];
        for query in QUERIES.iter().chain(&extra) {
            let ends = query.char_indices().skip(1).map(|(at, _)| at);
            for end in ends.chain([query.len()]) {
                let prefix = &query[..end];
                assert_eq!(idx.search(prefix), plain_search(&idx, prefix), "{prefix:?}");
            }
        }
    }

    #[test]
    fn large_lists_split_over_threads_match_the_single_threaded_result() {
        let names = ["张三", "李晓明", "Amy_Li", "小张", "单雄信"];
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
    }

    #[test]
    fn ascii_score_matches_nucleo() {
        const HAY: &[u8] = b"zhangsanZHANGlixiaomingAa0123 -_/.:|,;'xwbd\t";
        const NEEDLE: &[u8] = b"zhangsilxmaw0129 -_/.:|'";
        let mut m = Matcher::new(Config::DEFAULT);
        let mut dp = ascii::Dp::new();
        let mut worker = Worker::new();
        let mut state = 7;
        let mut check = |hay: &[u8], needle: &[u8]| {
            let text = std::str::from_utf8(needle).unwrap_or_default();
            let atom = Atom::new(
                text,
                CaseMatching::Ignore,
                Normalization::Smart,
                AtomKind::Fuzzy,
                false,
            );
            let Utf32Str::Ascii(lower) = atom.needle_text() else {
                panic!("ASCII needle expected")
            };
            let expected = atom.score(Utf32Str::Ascii(hay), &mut m);
            let got = ascii::score(hay, lower, false, &mut dp);
            assert_eq!(got, expected, "{text:?} in {hay:?}");
            if hay.iter().all(u8::is_ascii_lowercase) {
                assert_eq!(ascii::score(hay, lower, true, &mut dp), expected);
            }
            // The bound used to skip segments holds.
            if let Some(score) = expected {
                let word = Word::new(text, &mut worker);
                let kind = K_PINYIN | (ascii::max_inner_bonus(hay) as u8) << K_BONUS_SHIFT;
                let bound = word.segment_bound(hay, kind, lower);
                assert!(kind_key(kind, score) <= bound, "{text:?} in {hay:?}");
            }
            assert_eq!(
                got,
                expected,
                "{:?} in {:?}",
                text,
                String::from_utf8_lossy(hay)
            );
        };
        for round in 0..300_000 {
            // Small alphabets make long, many-way matches likely.
            let alphabet: &[u8] = match round % 3 {
                0 => &HAY[..8],
                1 => HAY,
                _ => b"ab-A1 _/:",
            };
            let len = 1 + (next(&mut state) % 40) as usize;
            let hay: Vec<u8> = (0..len)
                .map(|_| alphabet[(next(&mut state) % alphabet.len() as u64) as usize])
                .collect();
            let n = 1 + (next(&mut state) % 7) as usize;
            let needle: Vec<u8> = if round % 3 == 0 {
                // A subsequence of the haystack, so that it matches.
                let mut picked: Vec<u8> = hay
                    .iter()
                    .filter(|_| next(&mut state).is_multiple_of(3))
                    .map(u8::to_ascii_lowercase)
                    .collect();
                picked.truncate(n);
                if picked.is_empty() {
                    picked.push(hay[0].to_ascii_lowercase());
                }
                picked
            } else {
                let alphabet: &[u8] = match round % 3 {
                    0 => &NEEDLE[..6],
                    1 => NEEDLE,
                    _ => b"ab1-_",
                };
                (0..n)
                    .map(|_| alphabet[(next(&mut state) % alphabet.len() as u64) as usize])
                    .collect()
            };
            if needle.iter().any(u8::is_ascii_whitespace) {
                continue;
            }
            check(&hay, &needle);
        }
        let long = b"zhangsan".repeat(32);
        let long = &long[..ascii::MAX_LEN];
        check(long, b"zs");
        check(long, b"nz");
        check(long, b"zhangsanzhang");
        check(long, &long[..ascii::MAX_LEN - 1].to_ascii_lowercase());
    }

    #[test]
    fn cjk_chars_are_neither_folded_nor_normalised() {
        // `postings` and `fold_fast` rely on it.
        let ranges = [
            '\u{3000}'..='\u{9FFF}',
            '\u{F900}'..='\u{FAFF}',
            '\u{20000}'..='\u{3FFFF}',
        ];
        for c in ranges.into_iter().flatten() {
            assert!(is_cjk(c));
            assert_eq!(fold_char(c), c, "{c:?}");
            assert_eq!(chars::to_lower_case(c), c, "{c:?}");
        }
        assert!(!is_cjk('Ａ') && !is_cjk('a') && !is_cjk('é') && !is_cjk('🌸'));
    }

    #[test]
    fn heteronyms_are_bounded() {
        // Every character a heteronym: still at most MAX_VARIANTS pinyin strings per text.
        let idx = index(&[&["行行行行行行行行重重重重朴朴朴朴"]]);
        let kinds: Vec<u8> = segments(&idx.ascii)
            .map(|(_, kind)| kind & K_KIND)
            .collect();
        let pinyin = kinds
            .iter()
            .filter(|&&k| k == K_PINYIN || k == K_ALT)
            .count();
        assert_eq!(kinds.first(), Some(&K_PINYIN));
        assert!((2..=MAX_READINGS_PER_CHAR).contains(&pinyin), "{kinds:?}");
        let long = "张".repeat(1000);
        let idx = index(&[&[long.as_str()]]);
        assert!(segments(&idx.ascii).all(|(seg, _)| seg.len() <= MAX_TEXT_CHARS * 6));
        assert_eq!(idx.uni.len(), MAX_TEXT_CHARS + 1);
        assert_eq!(idx.search("zhangzhang"), [0]);
    }
}
