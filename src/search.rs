//! Member search: fuzzy on the text itself, on its full pinyin and on its pinyin initials
//! (张三 ← `张三`, `zhang`, `zhangsan`, `zs`), for a list of up to a few million members.
//!
//! This module owns [`SearchIndex`]: building the index from each member's texts (name first,
//! then group nickname / aliases) and answering a query per keystroke, best first.
//!
//! Design choices (and why):
//! - **Everything that does not depend on the query is computed once, in [`SearchIndex::build`]**:
//!   for every text its own characters (grapheme-first code points, as nucleo expects), a
//!   case-folded and normalised copy for the pre-check, its full pinyin and its initials as
//!   lower-case ASCII bytes. A keystroke then only compares bytes and calls the matcher.
//! - **Flat, struct-of-arrays storage**: one byte pool, one `char` pool and a 12-byte record per
//!   haystack, with a `u32` offset table per member. A million members take ~150 MB and the
//!   scan walks memory in order.
//! - **Scoring is nucleo's** ([`Atom`] with [`CaseMatching::Ignore`] and
//!   [`Normalization::Smart`]), so prefix and word-boundary matches rank first. Before calling it
//!   we run a cheap subsequence pre-check on the folded copy (the same folding nucleo applies),
//!   which rejects most haystacks without a call; it is only a necessary condition, so it
//!   never changes a result.
//! - **Kinds and ranking**: the sort key of a word is `score * 4 + rank`, rank 3 for the text
//!   itself, 2 for the main pinyin reading, 1 for another reading, 0 for initials: a direct
//!   match beats a pinyin match beats an initials match at equal scores. An initials score
//!   counts 3/4: a letter there stands for a whole syllable nobody typed, so `zhang` ranks
//!   小张 (`xiaozhang`, 96) above a name whose initials happen to spell it in the middle
//!   (阿郑好安宁高, `azhang`, 96 → 72), while an exact `lxm` on 李晓明's initials (88 → 66)
//!   still beats the same letters spread over `lixiaoming` (60).
//!   Several words add their keys; an item must match every word.
//! - **Heteronyms, bounded**: each Chinese character contributes at most 3 distinct plain
//!   readings and each text at most 4 pinyin strings: the first readings, then one character
//!   swapped for another reading, earliest characters (the surname) first. 单 gives `dan` and
//!   `shan`, 曾 `ceng` and `zeng`, 解 `jie` and `xie`.
//! - **Initials are pruned through their pinyin**: initials are a subsequence of the pinyin
//!   string they come from, so when that pinyin does not match, its initials are not tried.
//! - **Narrowing**: fuzzy matching is monotone (a match for `zhang` is a match for `zhan`), so
//!   [`SearchIndex::search_within`] only looks at the previous keystroke's result. It marks
//!   those in a bitmap and walks it in index order, so the outcome does not depend on the order
//!   of `within` and equals [`SearchIndex::search`].
//! - **Ties by index without a comparison sort**: candidates are visited in index order and
//!   sorted with a stable counting sort on the key (keys are small integers), which is linear.
//! - **Two cores**: above 50,000 candidates the scan is split into contiguous, equally loaded
//!   ranges run under `std::thread::scope`; the parts are concatenated in order.
//! - **Low allocation per keystroke**: matchers (nucleo allocates ~135 KB each), the bitmap,
//!   the per-thread result buffers and the counting array are kept in the index and reused.
//!   Two searches at once stay correct: the second one just allocates its own.
//! - **Bounded per-text work**: texts are cut at 256 characters.

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
/// its first byte only, and a match not starting there scores at most `20 * n - 4`.
const K_LOWER: u8 = 0x80;
/// The kind without flags.
const K_KIND: u8 = 0x7F;
/// Ends a segment in the `char` pool (a non-ASCII text itself). Texts never contain control
/// characters (they are stored as spaces), so this cannot be confused.
const UNI_END: char = '\0';
/// Item mask bit: it has a pure ASCII text (a `K_DIRECT` segment in the ASCII pool).
const F_ASCII_DIRECT: u64 = 1 << 30;
/// Item masks hold, from this bit on, the `byte_bit`s of the ASCII chars (after folding) of its
/// non-ASCII texts (`sunny🌞`, `杭州-张三`): an ASCII word can only match those texts when
/// they have all its bits.
const UNI_SHIFT: u32 = 32;

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
    /// Item `i` owns `ascii[ascii_off[i]..ascii_off[i + 1]]`: its ASCII segments (ASCII texts,
    /// pinyin, initials), each as a kind byte, a length byte and the bytes.
    ascii_off: Vec<u32>,
    ascii: Vec<u8>,
    /// Item `i` owns `uni[uni_off[i]..uni_off[i + 1]]`: its non-ASCII texts as nucleo sees them
    /// (first code point of each grapheme), each followed by `UNI_END`.
    uni_off: Vec<u32>,
    uni: Vec<char>,
    /// Per item: the `byte_bit`s of every ASCII byte it holds (folded), `F_ASCII_DIRECT`, and
    /// above `UNI_SHIFT` the bits of its non-ASCII texts alone. A query with a letter outside
    /// them cannot match: one load rejects.
    masks: Vec<u64>,
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
        let perfect = if chars.iter().all(|c| c.is_alphanumeric()) {
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

    /// A tighter upper bound for an ASCII segment: in one of lower-case letters that does not
    /// start with the needle's first char, every char scores at most 16 + 4 (see `ascii`).
    #[inline]
    fn segment_bound(&self, seg: &[u8], kind: u8, needle: &[u8]) -> u32 {
        match self.perfect {
            Some(_) if kind & K_LOWER != 0 && seg.first() != needle.first() => {
                let n = needle.len().min(usize::from(u16::MAX) / 32) as u16;
                kind_key(kind, (20 * n).saturating_sub(4))
            }
            Some(p) => kind_key(kind, p),
            None => u32::MAX,
        }
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

/// `fold_char`, skipping the table look-ups for CJK (which neither folds nor normalises).
#[inline]
fn fold_fast(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else if ('\u{3000}'..='\u{9FFF}').contains(&c) {
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
    ascii_off: Vec<u32>,
    ascii: Vec<u8>,
    uni_off: Vec<u32>,
    uni: Vec<char>,
    masks: Vec<u64>,
    item_mask: u64,
    // Reused per text.
    clean: String,
    segs: Vec<Seg>,
    full: Vec<u8>,
    init: Vec<u8>,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            ascii_off: vec![0],
            ascii: Vec::new(),
            uni_off: vec![0],
            uni: Vec::new(),
            masks: Vec::new(),
            item_mask: 0,
            clean: String::new(),
            segs: Vec::new(),
            full: Vec::new(),
            init: Vec::new(),
        }
    }

    /// Closes the current item. Returns false when the index cannot grow any more.
    fn end_item(&mut self) -> bool {
        match (
            u32::try_from(self.ascii.len()),
            u32::try_from(self.uni.len()),
        ) {
            (Ok(a), Ok(u)) if self.masks.len() < u32::MAX as usize - 1 => {
                self.ascii_off.push(a);
                self.uni_off.push(u);
                self.masks.push(self.item_mask);
                self.item_mask = 0;
                true
            }
            _ => false,
        }
    }

    fn add_text(&mut self, text: &str) {
        // Control characters would clash with the segment ends; nobody types them anyway.
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
            self.item_mask |= F_ASCII_DIRECT;
        } else {
            let start = self.uni.len();
            self.uni.extend(chars::graphemes(&text));
            for &c in &self.uni[start..] {
                let folded = fold_fast(c);
                if folded.is_ascii() {
                    let bit = u64::from(byte_bit(folded as u8));
                    self.item_mask |= bit | bit << UNI_SHIFT;
                }
            }
            self.uni.push(UNI_END);
            self.add_pinyin(&text);
        }
        self.clean = text;
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
        self.ascii.push(kind | lower);
        self.ascii.push(bytes.len() as u8);
        self.ascii.extend_from_slice(bytes);
        for &b in bytes {
            self.item_mask |= u64::from(byte_bit(b));
        }
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
        self.ascii_off.shrink_to_fit();
        self.uni_off.shrink_to_fit();
        self.masks.shrink_to_fit();
        SearchIndex {
            ascii_off: self.ascii_off,
            ascii: self.ascii,
            uni_off: self.uni_off,
            uni: self.uni,
            masks: self.masks,
            threads,
            scratch: Mutex::new(Scratch::default()),
        }
    }
}

/// The segments of an ASCII pool slice with their kinds.
fn segments(mut pool: &[u8]) -> impl Iterator<Item = (&[u8], u8)> {
    std::iter::from_fn(move || {
        let (&[kind, len], rest) = pool.split_first_chunk::<2>()?;
        let (seg, rest) = rest.split_at_checked(usize::from(len))?;
        pool = rest;
        Some((seg, kind))
    })
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
        self.masks.len()
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
            Some(query) => self.run(&query, Candidates::All, self.len(), &mut scratch),
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
            Some(query) => self.run(&query, Candidates::Bitmap(&bitmap), count, &mut scratch),
        };
        scratch.bitmap = bitmap;
        self.put_scratch(scratch);
        out
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
            if self.masks[i as usize] & query.mask == query.mask {
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
                let (start, end) = (self.ascii_off[i] as usize, self.ascii_off[i + 1] as usize);
                let first = self.ascii.get(start).copied().unwrap_or(0);
                let last = self.ascii.get(end.saturating_sub(1)).copied().unwrap_or(0);
                u64::from(first ^ last)
            } else {
                u64::from(
                    self.uni
                        .get(self.uni_off[i] as usize)
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
        let mask = self.masks[i];
        let mut total = 0u32;
        for word in &query.words {
            total = total.saturating_add(self.score_word(word, i, mask, w)?);
        }
        Some(total)
    }

    /// The best key of item `i` for one word.
    #[inline]
    fn score_word(&self, word: &Word, i: usize, mask: u64, w: &mut Worker) -> Option<u32> {
        let Worker { matcher: m, dp } = w;
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
        // Nothing can beat an exact prefix match of the best kind left.
        let top = if mask & F_ASCII_DIRECT != 0 {
            word.bound(K_DIRECT)
        } else {
            word.bound(K_PINYIN)
        };
        if best >= Some(top) {
            return best;
        }
        let mut pinyin_matched = false;
        for (seg, kind) in
            segments(&self.ascii[self.ascii_off[i] as usize..self.ascii_off[i + 1] as usize])
        {
            // Initials are a subsequence of the pinyin before them: no pinyin match, no match.
            let skip = (kind & K_KIND == K_INITIALS && !pinyin_matched)
                || best.is_some_and(|best| best >= word.segment_bound(seg, kind, needle));
            if skip {
                pinyin_matched = false;
                continue;
            }
            let score = if seg.len() <= ascii::MAX_LEN {
                ascii::score(seg, needle, kind & K_LOWER != 0, dp)
            } else {
                word.atom.score(Utf32Str::Ascii(seg), m)
            };
            pinyin_matched = score.is_some();
            if let Some(score) = score {
                improve(&mut best, kind_key(kind, score));
                if best >= Some(top) {
                    break;
                }
            }
        }
        best
    }

    /// The non-ASCII texts of item `i`.
    fn uni_segments(&self, i: usize) -> impl Iterator<Item = &[char]> {
        self.uni[self.uni_off[i] as usize..self.uni_off[i + 1] as usize]
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
    if parts <= 1 {
        return vec![0..bits.len()];
    }
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
        if lower && start > 0 && hay.windows(n).any(|w| w == needle) {
            // Lower-case letters, not starting with the needle's first char: every bonus is
            // 0, so no alignment beats a run without gaps (16 for the first char, 16 + 4 for
            // each next one) and nucleo's matrix finds exactly that.
            return Some(SCORE_MATCH + (n as u16 - 1) * (SCORE_MATCH + BONUS_CONSECUTIVE));
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
    #[derive(Clone, Copy, PartialEq, Eq)]
    struct Cell {
        score: u16,
        consecutive_bonus: u8,
        matched: bool,
    }

    const UNMATCHED: Cell = Cell {
        score: 0,
        consecutive_bonus: 0,
        matched: true,
    };

    #[inline(always)]
    fn next_m_cell(p_score: u16, bonus: u16, m_cell: Cell) -> Cell {
        if m_cell == UNMATCHED {
            return Cell {
                score: p_score + bonus + SCORE_MATCH,
                matched: false,
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
                matched: true,
                consecutive_bonus: consecutive_bonus as u8,
            }
        } else {
            Cell {
                score: score_skip + SCORE_MATCH,
                matched: false,
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
        // can be written in place.
        for i in 0..needle.len() - 1 {
            let row_off = usize::from(offs[i]);
            let next_row_off = usize::from(offs[i + 1]);
            let next_char = needle[i + 1];
            let mut prev_p = 0;
            let mut prev_m = 0;
            for j in row_off..len {
                let p = p_score(prev_p, prev_m);
                let m_cell = if i == 0 {
                    if fold(h[j]) == needle[0] {
                        Cell {
                            score: u16::from(bonus[j]) * BONUS_FIRST_CHAR_MULTIPLIER + SCORE_MATCH,
                            matched: false,
                            consecutive_bonus: bonus[j],
                        }
                    } else {
                        UNMATCHED
                    }
                } else {
                    row[j - i]
                };
                if j + 1 >= next_row_off && j + 1 < len {
                    row[j - i] = if fold(h[j + 1]) == next_char {
                        next_m_cell(p, u16::from(bonus[j + 1]), m_cell)
                    } else {
                        UNMATCHED
                    };
                }
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

    #[test]
    fn search_within_equals_search_for_every_prefix() {
        const SURNAMES: &[&str] = &[
            "张", "王", "李", "赵", "单", "曾", "解", "长", "陈", "刘", "小",
        ];
        const GIVEN: &[&str] = &[
            "三", "晓", "明", "伟", "芳", "行", "乐", "重", "子", "雄", "信", "宝", "妈", "🌸",
        ];
        const LATIN: &[&str] = &["Amy_Li", "Kevin.Z", "sunny🌞", "zhang", "Dan", "Zoë"];
        let mut state = 42;
        let mut items: Vec<Vec<String>> = Vec::new();
        for _ in 0..400 {
            let mut texts = Vec::new();
            if next(&mut state) % 10 == 0 {
                texts.push(pick(&mut state, LATIN).to_string());
            } else {
                let mut name = pick(&mut state, SURNAMES).to_string();
                for _ in 0..1 + next(&mut state) % 2 {
                    name.push_str(pick(&mut state, GIVEN));
                }
                texts.push(name);
            }
            if next(&mut state) % 3 == 0 {
                texts.push(format!("杭州-{}-设计", pick(&mut state, GIVEN)));
            }
            items.push(texts);
        }
        let idx = SearchIndex::build(&items);
        let queries = [
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
        ];
        for query in queries {
            let mut prev = idx.search("");
            let chars: Vec<(usize, char)> = query.char_indices().collect();
            for &(at, c) in chars.iter().skip(1).chain([&(query.len(), ' ')]) {
                let _ = c;
                let prefix = &query[..at];
                let full = idx.search(prefix);
                let narrowed = idx.search_within(prefix, &prev);
                assert_eq!(narrowed, full, "query {prefix:?}");
                prev = narrowed;
            }
            assert!(
                !prev.is_empty() || query == "zoë",
                "{query:?} found nothing"
            );
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
            assert_eq!(
                got,
                expected,
                "{:?} in {:?}",
                text,
                String::from_utf8_lossy(hay)
            );
        };
        for round in 0..200_000 {
            // Small alphabets make long, many-way matches likely.
            let alphabet = if round % 2 == 0 { &HAY[..8] } else { HAY };
            let len = 1 + (next(&mut state) % 40) as usize;
            let hay: Vec<u8> = (0..len)
                .map(|_| alphabet[(next(&mut state) % alphabet.len() as u64) as usize])
                .collect();
            let n = 1 + (next(&mut state) % 7) as usize;
            let needle: Vec<u8> = if round % 3 == 0 {
                // A subsequence of the haystack, so that it matches.
                let mut picked: Vec<u8> = hay
                    .iter()
                    .filter(|_| next(&mut state) % 3 == 0)
                    .map(u8::to_ascii_lowercase)
                    .collect();
                picked.truncate(n);
                if picked.is_empty() {
                    picked.push(hay[0].to_ascii_lowercase());
                }
                picked
            } else {
                let alphabet = if round % 2 == 0 { &NEEDLE[..6] } else { NEEDLE };
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
