//! The one column model every table of the console is laid out by (Today, Members,
//! Content, KPIs, Reminders, the mix and week panels' tables): each column has a
//! priority and a minimum; on a narrow screen the lowest-priority columns are left out
//! first (the title and the group name never are); width left over goes to the text
//! columns that are cut; a cut text ends in `…`; numbers, times and states are never
//! cut — shown whole or left out.
//!
//! Also the one measure of text width the console uses: by grapheme cluster, as
//! ratatui draws it and as terminals show it. An emoji with a variation selector
//! (`☀️`, U+2600 U+FE0F) is two cells; summing the widths of its chars (1 + 0) says one,
//! and a row measured that way is a cell wider than the screen.

use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// The priority of a column that is never left out (a table's title, its group name).
pub const KEEP: u8 = u8::MAX;
/// Columns of this priority or lower are extras: they give way to a kept text column
/// cut below the width it wants. Higher ones give way only when nothing else fits.
pub const EXTRA: u8 = 2;

/// The terminal cells `text` takes: the sum of its grapheme clusters' widths (what
/// ratatui's buffer gives each cluster).
pub fn width(text: &str) -> usize {
    text.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// Cut `text` to at most `max` cells, ending in `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in text.graphemes(true) {
        let w = UnicodeWidthStr::width(g);
        if used + w + 1 > max {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    out
}

/// `line` cut to at most `max` cells, the `…` in the style of what it replaces.
pub fn truncate_line(line: Line<'static>, max: usize) -> Line<'static> {
    let total: usize = line.spans.iter().map(|s| width(&s.content)).sum();
    if total <= max {
        return line;
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    'outer: for span in &line.spans {
        let mut kept = String::new();
        for g in span.content.graphemes(true) {
            let w = UnicodeWidthStr::width(g);
            if used + w + 1 > max {
                kept.push('…');
                spans.push(Span::styled(kept, span.style));
                break 'outer;
            }
            kept.push_str(g);
            used += w;
        }
        spans.push(Span::styled(kept, span.style));
    }
    if max == 0 {
        spans.clear();
    }
    Line {
        spans,
        style: line.style,
        alignment: line.alignment,
    }
}

/// `line` cut to at most `max` cells, its last span kept whole when it has two or more
/// and that span fits with a cell to spare: what is cut is the text before it (a title's
/// row count, a bundle's `· 24 people`, a name's ★ are what the line is read for).
pub fn truncate_keep_tail(mut line: Line<'static>, max: usize) -> Line<'static> {
    let total: usize = line.spans.iter().map(|s| width(&s.content)).sum();
    let tail_w = line.spans.last().map_or(0, |s| width(&s.content));
    if total <= max || line.spans.len() < 2 || tail_w + 1 >= max {
        return truncate_line(line, max);
    }
    let Some(tail) = line.spans.pop() else {
        return line;
    };
    let mut head = truncate_line(line, max - tail_w);
    head.spans.push(tail);
    head
}

/// How a column takes a narrow screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Text: cut down to the column's minimum, with `…`.
    Text,
    /// Numbers, times, states, sparklines: shown whole or not at all.
    Whole,
}

/// One column of a table.
#[derive(Debug, Clone)]
pub struct Col<'a> {
    pub header: &'a str,
    pub fit: Fit,
    /// Higher stays longer; `KEEP` is never left out.
    pub priority: u8,
    /// Text: the narrowest it is cut to (cells).
    pub min: u16,
    /// Text: the width it needs to read well; lower-priority columns are left out
    /// before it is cut below this (a group name stays whole rather than make room for
    /// a column that is nice to have).
    pub want: u16,
    /// Whole: the width it takes even when its contents are narrower (a sparkline's
    /// cells, so the column does not move while rows scroll).
    pub at_least: u16,
    /// Right-aligned (numbers).
    pub right: bool,
    /// The last span of a cell of two or more spans is kept whole when the cell is cut
    /// (a count, a ★): the text before it is cut instead.
    pub tail: bool,
}

impl<'a> Col<'a> {
    /// A text column cut down to `min` cells at most.
    pub fn text(header: &'a str, priority: u8, min: u16) -> Col<'a> {
        Col {
            header,
            fit: Fit::Text,
            priority,
            min,
            want: min,
            at_least: 0,
            right: false,
            tail: false,
        }
    }

    /// A column shown whole or not at all.
    pub fn whole(header: &'a str, priority: u8) -> Col<'a> {
        Col {
            header,
            fit: Fit::Whole,
            priority,
            min: 0,
            want: 0,
            at_least: 0,
            right: false,
            tail: false,
        }
    }

    pub fn right(mut self) -> Col<'a> {
        self.right = true;
        self
    }

    /// Keep a multi-span cell's last span whole when it is cut (see `truncate_keep_tail`).
    pub fn tail(mut self) -> Col<'a> {
        self.tail = true;
        self
    }

    pub fn want(mut self, w: u16) -> Col<'a> {
        self.want = w.max(self.min);
        self
    }

    pub fn at_least(mut self, w: u16) -> Col<'a> {
        self.at_least = w;
        self
    }
}

/// The width of each column in `room` cells, `None` for a column left out. `natural`
/// is each column's widest content (header included); `spacing` the cells between two
/// columns.
pub fn fit(cols: &[Col<'_>], natural: &[u16], room: u16, spacing: u16) -> Vec<Option<u16>> {
    let n = cols.len();
    let nat = |i: usize| -> u16 {
        let w = natural.get(i).copied().unwrap_or(0);
        match cols[i].fit {
            Fit::Whole => w.max(cols[i].at_least),
            Fit::Text => w.max(1),
        }
    };
    // a column's narrowest: whole, or cut to its wanted width or to its minimum
    let least = |i: usize, wanted: bool| -> u16 {
        match cols[i].fit {
            Fit::Whole => nat(i),
            Fit::Text if wanted => cols[i].want.max(cols[i].min).max(1).min(nat(i)),
            Fit::Text => cols[i].min.max(1).min(nat(i)),
        }
    };
    let mut shown = vec![true; n];
    let need = |shown: &[bool], wanted: bool| -> u32 {
        let count = shown.iter().filter(|s| **s).count() as u32;
        (0..n)
            .filter(|&i| shown[i])
            .map(|i| u32::from(least(i, wanted)))
            .sum::<u32>()
            + u32::from(spacing) * count.saturating_sub(1)
    };
    // leave out the lowest-priority columns (of equal ones, the rightmost) until the
    // rest fit with their text at its minimum, then extras until it fits at the widths
    // it wants
    let lowest = |shown: &[bool], top: u8| {
        (0..n)
            .filter(|&i| shown[i] && cols[i].priority != KEEP && cols[i].priority <= top)
            .min_by_key(|&i| (cols[i].priority, std::cmp::Reverse(i)))
    };
    while need(&shown, false) > u32::from(room) {
        match lowest(&shown, KEEP - 1) {
            Some(i) => shown[i] = false,
            None => break,
        }
    }
    while need(&shown, true) > u32::from(room) {
        match lowest(&shown, EXTRA) {
            Some(i) => shown[i] = false,
            None => break,
        }
    }
    let wanted = need(&shown, true) <= u32::from(room);
    let least = |i: usize| least(i, wanted);
    let need = |shown: &[bool]| need(shown, wanted);
    let mut widths: Vec<u16> = (0..n).map(least).collect();
    let used = need(&shown);
    if used > u32::from(room) {
        // only kept columns are left and they still do not fit: cut the widest text
        // ones further (ratatui would otherwise squeeze the numbers)
        let mut over = used - u32::from(room);
        while over > 0 {
            let Some(i) = (0..n)
                .filter(|&i| shown[i] && cols[i].fit == Fit::Text && widths[i] > 1)
                .max_by_key(|&i| widths[i])
            else {
                break;
            };
            widths[i] -= 1;
            over -= 1;
        }
    } else {
        // what is left goes to the cut text columns, the narrowest first, so a long
        // title does not take it all while the group name stays cut
        let mut extra = u32::from(room) - used;
        while extra > 0 {
            let Some(i) = (0..n)
                .filter(|&i| shown[i] && cols[i].fit == Fit::Text && widths[i] < nat(i))
                .min_by_key(|&i| (widths[i], std::cmp::Reverse(cols[i].priority), i))
            else {
                break;
            };
            widths[i] += 1;
            extra -= 1;
        }
    }
    (0..n).map(|i| shown[i].then_some(widths[i])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_with_a_variation_selector_is_two_cells() {
        assert_eq!(width("☀️"), 2);
        // a str's width agrees; a sum over its chars does not (what was wrong)
        assert_eq!(UnicodeWidthStr::width("早安☀️"), 6);
        let chars: usize = "☀️"
            .chars()
            .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
            .sum();
        assert_eq!(chars, 1);
        assert_eq!(width("早安☀️ 好"), 9);
        // what ratatui's buffer gives the same text
        let mut buf = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 20, 1));
        let (x, _) = buf.set_stringn(0, 0, "早安☀️ 好", 20, ratatui::style::Style::default());
        assert_eq!(x, 9);
        assert_eq!(truncate("早安☀️ 今天", 7), "早安☀️…");
        assert_eq!(truncate("早安☀️ 今天", 6), "早安…");
        assert_eq!(truncate("宝妈育儿交流群", 8), "宝妈育…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("张三丰", 4), "张…");
    }

    #[test]
    fn a_cut_line_ends_in_an_ellipsis_and_fits() {
        let line = Line::from(vec![Span::raw("日活率 "), Span::raw("34.9%")]);
        for max in 0..14 {
            let cut = truncate_line(line.clone(), max);
            let w: usize = cut.spans.iter().map(|s| width(&s.content)).sum();
            assert!(w <= max, "{max}: {cut:?}");
            if max < 12 && max > 0 {
                assert!(cut.spans.last().unwrap().content.ends_with('…'), "{cut:?}");
            }
        }
        assert_eq!(truncate_line(line.clone(), 12), line);
    }

    fn cols() -> Vec<Col<'static>> {
        vec![
            Col::whole("slot", 5),
            Col::text("group", KEEP, 8),
            Col::text("title", KEEP, 10),
            Col::whole("state", 4),
            Col::text("by", 2, 6),
        ]
    }

    #[test]
    fn everything_fits_on_a_wide_screen() {
        let w = fit(&cols(), &[5, 14, 30, 7, 8], 200, 1);
        assert_eq!(w, vec![Some(5), Some(14), Some(30), Some(7), Some(8)]);
    }

    #[test]
    fn the_lowest_priority_goes_first_and_the_rest_goes_to_cut_text() {
        // 5+8+10+7+6 + 4 = 40 at the minimums: at 36 "by" goes
        let w = fit(&cols(), &[5, 14, 30, 7, 8], 36, 1);
        assert_eq!(w[4], None);
        assert_eq!(w[0], Some(5));
        assert_eq!(w[3], Some(7));
        // 36 - 3 spaces - 12 whole = 21 for group and title, split from the narrowest
        assert_eq!(w[1].unwrap() + w[2].unwrap(), 21);
        assert!(w[1].unwrap() >= 10, "{w:?}");
        // narrower still: state, then slot; never group or title
        let w = fit(&cols(), &[5, 14, 30, 7, 8], 26, 1);
        assert_eq!(w[3], None);
        let w = fit(&cols(), &[5, 14, 30, 7, 8], 19, 1);
        assert_eq!((w[0], w[3], w[4]), (None, None, None));
        assert_eq!((w[1], w[2]), (Some(8), Some(10)));
        // even narrower: kept text columns are cut below their minimum
        let w = fit(&cols(), &[5, 14, 30, 7, 8], 9, 1);
        assert_eq!(w[1].unwrap() + w[2].unwrap() + 1, 9);
    }

    #[test]
    fn a_nice_to_have_column_goes_before_the_group_is_cut_below_its_want() {
        let c = vec![
            Col::text("group", KEEP, 6).want(16),
            Col::whole("value", 5),
            Col::whole("key", EXTRA),
        ];
        // all fit at the minimum (6+5+12+2 = 25), but the group would be cut: key goes
        let w = fit(&c, &[18, 5, 12], 26, 1);
        assert_eq!(w, vec![Some(18), Some(5), None]);
        // room for all
        assert_eq!(
            fit(&c, &[18, 5, 12], 40, 1),
            vec![Some(18), Some(5), Some(12)]
        );
        // not even the wanted width: the minimum, with what is left
        assert_eq!(fit(&c, &[18, 5, 12], 15, 1), vec![Some(9), Some(5), None]);
    }

    #[test]
    fn a_number_is_never_cut() {
        let c = vec![Col::text("name", KEEP, 4), Col::whole("days", 1).right()];
        let w = fit(&c, &[20, 8], 14, 1);
        assert_eq!(w, vec![Some(5), Some(8)]);
        let w = fit(&c, &[20, 8], 12, 1);
        assert_eq!(w, vec![Some(12), None]);
    }
}
