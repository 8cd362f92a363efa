//! The text as the matcher sees it: spammers write 代 写, 代寫, 代_写, ＥＳＳＡＹ and
//! ★加★微★信★ to step around a literal list, so both the words and every scanned text
//! are folded the same way before the one Aho-Corasick pass, and each folded char keeps
//! the byte span of the original char it came from, so a hit can be underlined in the
//! text as written.
//!
//! Per original char, in this order:
//! - compatibility folding (Unicode NFKC's compatibility decomposition, char by char:
//!   full-width Ｖ → V, ① → 1, ⒱ → (v), ⼈ → 人), combining marks dropped (é → e);
//! - case folding (V → v);
//! - traditional → simplified (寫 → 写), from the `fast2s` crate's table, one char for
//!   one char, so spans stay exact;
//! - `+` and ➕ read as 加 (spammers write `+V` and `➕微` for 加V and 加微);
//! - anything else that is not a letter or a digit is a separator and dropped: spaces,
//!   punctuation, `_ - * ★ ·`, emoji, zero-width chars, variation selectors.
//!
//! Dropping separators also joins latin words (`is bad` → `isbad`); the matcher keeps a
//! latin keyword from matching across them with [`glued_latin`] on the original text.

use std::sync::LazyLock;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// The CJK range the traditional → simplified table covers: extension A and the
/// unified ideographs, where every traditional char `fast2s` knows lives.
const CJK_FIRST: u32 = 0x3400;
const CJK_LAST: u32 = 0x9FFF;

/// Traditional → simplified, char for char, for [`CJK_FIRST`]..=[`CJK_LAST`]: built once
/// from `fast2s` (a flat table: a lookup per char is what keeps a scan of 1M messages
/// under a second, where `fast2s::convert` does three hash lookups per char). Its few
/// context rules (乾隆 stays 乾) do not matter for matching: words and texts are folded
/// alike.
static T2S: LazyLock<Vec<char>> = LazyLock::new(|| {
    (CJK_FIRST..=CJK_LAST)
        .map(|u| {
            let c = char::from_u32(u).unwrap_or(' ');
            let mut buf = [0u8; 4];
            let s = fast2s::convert(c.encode_utf8(&mut buf));
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(d), None) => d,
                _ => c,
            }
        })
        .collect()
});

fn t2s(c: char) -> char {
    let u = c as u32;
    if (CJK_FIRST..=CJK_LAST).contains(&u) {
        T2S.get((u - CJK_FIRST) as usize).copied().unwrap_or(c)
    } else {
        c
    }
}

/// Fold one original char into the chars the matcher sees (none for a separator).
#[inline]
pub fn fold(c: char, emit: &mut impl FnMut(char)) {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            emit(c.to_ascii_lowercase());
        } else if c == '+' {
            emit('加');
        }
        return;
    }
    let u = c as u32;
    if (0x4E00..=CJK_LAST).contains(&u) {
        // the common case in Chinese text: no compatibility form, no case
        emit(t2s(c));
        return;
    }
    decompose_compatible(c, |d| {
        if d.is_ascii() {
            if d.is_ascii_alphanumeric() {
                emit(d.to_ascii_lowercase());
            } else if d == '+' {
                emit('加');
            }
        } else if d == '➕' {
            emit('加');
        } else if !is_combining_mark(d) && d.is_alphanumeric() {
            for l in d.to_lowercase() {
                emit(t2s(l));
            }
        }
    });
}

/// A word or a context folded (what a pattern is built from).
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold(c, &mut |d| out.push(d));
    }
    out
}

/// A text folded, with each folded char's original span. Reused between texts (the
/// vectors keep their capacity).
#[derive(Debug, Default, Clone)]
pub struct Normalised {
    pub text: String,
    /// Per folded char: where it starts in `text`.
    starts: Vec<usize>,
    /// Per folded char: the original char's byte span.
    spans: Vec<(usize, usize)>,
}

impl Normalised {
    pub fn of(original: &str) -> Normalised {
        let mut n = Normalised::default();
        n.fill(original);
        n
    }

    /// Fold `original` into this buffer.
    pub fn fill(&mut self, original: &str) {
        self.text.clear();
        self.starts.clear();
        self.spans.clear();
        let Normalised {
            text,
            starts,
            spans,
        } = self;
        for (at, c) in original.char_indices() {
            let end = at + c.len_utf8();
            fold(c, &mut |d| {
                starts.push(text.len());
                spans.push((at, end));
                text.push(d);
            });
        }
    }

    /// The original byte span of the folded bytes `start..end` (a match): from the
    /// start of the original char of its first folded char to the end of the original
    /// char of its last.
    pub fn original(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let first = self.starts.binary_search(&start).ok()?;
        let last = self.starts.partition_point(|s| *s < end).checked_sub(1)?;
        Some((self.spans.get(first)?.0, self.spans.get(last)?.1))
    }
}

/// Whether the original char right before `start` (or at `end`, `after`) folds into a
/// latin letter: a latin keyword whose edge touches one is inside a longer latin word
/// (`is bad` has no `sb`; `v x` and `加vx` and `vx123` do have `vx`).
pub fn glued_latin(original: &str, at: usize, after: bool) -> bool {
    let c = if after {
        original.get(at..).and_then(|s| s.chars().next())
    } else {
        original.get(..at).and_then(|s| s.chars().next_back())
    };
    let Some(c) = c else {
        return false;
    };
    let mut latin = false;
    let mut first = true;
    fold(c, &mut |d| {
        // before: the last folded char counts; after: the first
        if after && !first {
            return;
        }
        latin = d.is_ascii_lowercase();
        first = false;
    });
    latin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_case_script_and_separators() {
        for (raw, want) in [
            ("代 写", "代写"),
            ("代寫", "代写"),
            ("代_写", "代写"),
            ("ＥＳＳＡＹ", "essay"),
            ("★加★薇★信★", "加薇信"),
            ("加\u{200B}微\u{FE0F}信", "加微信"),
            ("+V", "加v"),
            ("➕微", "加微"),
            ("①②③", "123"),
            ("café", "cafe"),
            ("私 聊 我🙂", "私聊我"),
            ("", ""),
        ] {
            assert_eq!(normalise(raw), want, "{raw}");
        }
    }

    #[test]
    fn spans_map_back_to_the_original_chars() {
        let raw = "快★加 薇信!";
        let n = Normalised::of(raw);
        assert_eq!(n.text, "快加薇信");
        let s = n.text.find("加").unwrap();
        let (a, b) = n.original(s, n.text.len()).unwrap();
        assert_eq!(&raw[a..b], "加 薇信");
        assert_eq!(n.original(1, 2), None, "inside a char is no match start");
    }

    #[test]
    fn latin_glue_looks_at_the_original_neighbours() {
        let t = "is bad";
        assert!(glued_latin(t, 1, false), "i before s");
        assert!(!glued_latin(t, 0, false));
        assert!(glued_latin("ab", 1, true));
        assert!(!glued_latin("a1", 1, true));
        assert!(!glued_latin("加v", 3, false));
        assert!(glued_latin("Ａv", 3, false), "full-width A folds into a");
    }
}
