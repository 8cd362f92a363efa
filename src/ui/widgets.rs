//! Shared pieces: the scrolling table every tab uses (title, header, ▶ marker,
//! only the rows in view are built), a one-line sparkline coloured by band, and
//! width-aware truncation for Chinese text.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Cell, HighlightSpacing, Paragraph, Row, Table, TableState, Wrap,
};
use unicode_segmentation::UnicodeSegmentation;

use super::Theme;
use super::columns::{self, Col, truncate_line};
use crate::app::App;
use crate::app::table::{Row as DataRow, Table as DataTable};
use crate::i18n::fill;

/// Rows a list drawn in `area` can show (borders and header take three).
pub fn list_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(3)).max(1)
}

pub struct ListSpec<'a> {
    pub title: Line<'a>,
    /// The columns, laid out by the one column model (`super::columns`).
    pub columns: Vec<Col<'a>>,
    pub empty: &'a str,
}

/// Tables up to this many rows measure every row for their columns' widths (the
/// columns stay put while scrolling); longer ones (100,000 members) the rows in view.
const MEASURE_ALL: usize = 2000;

/// Draw the tab's table: `cells` gives a row's cells (by its index into `visible`),
/// one per column; only the rows in view are drawn.
pub fn list<'a, R: DataRow>(
    app: &App,
    frame: &mut Frame<'_>,
    area: Rect,
    theme: &Theme,
    data: &DataTable<R>,
    spec: ListSpec<'a>,
    cells: impl Fn(usize, &R) -> Vec<Line<'static>>,
) {
    let h = list_height(area);
    let mut title = spec.title;
    // a tab's title may end in a space of its own (" 内容队列 "): one space before the ·
    if let Some(last) = title.spans.last_mut()
        && last.content.ends_with(' ')
    {
        last.content = last.content.trim_end().to_string().into();
    }
    // (a divider row is not counted)
    let rows = fill(&app.texts.rows, &[("n", &data.count())]);
    let room = usize::from(area.width.saturating_sub(2));
    let count = if data.filter.is_empty() {
        format!(" · {rows} ")
    } else {
        // what was typed is cut before the count is: at most half the title's room
        let fixed = columns::width(&format!(" · {} “” · {rows} ", app.texts.filter_label));
        let query = truncate(&data.filter, (room / 2).saturating_sub(fixed).max(1));
        format!(" · {} “{query}” · {rows} ", app.texts.filter_label)
    };
    title.spans.push(Span::styled(count, theme.muted));
    // the title is cut like any text, so the border's corner stays on screen; the
    // filter and the row count are what it is read for: what is cut is the text before
    let title = columns::truncate_keep_tail(
        Line::from(
            title
                .spans
                .into_iter()
                .map(|s| Span::styled(s.content.into_owned(), s.style))
                .collect::<Vec<_>>(),
        ),
        room,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(title);
    if !data.loaded {
        frame.render_widget(
            Paragraph::new(app.texts.loading.as_str()).block(block),
            area,
        );
        return;
    }
    // no groups at all: every tab says what to do first (the KPIs tab has only its
    // empty "all groups" row then)
    let first = app
        .first_run()
        .filter(|_| data.rows.is_empty() || app.tab == crate::app::Tab::Kpi);
    if data.visible.is_empty() || first.is_some() {
        let text = match &first {
            Some(steps) => steps.as_str(),
            None if data.rows.is_empty() => spec.empty,
            None => app.texts.no_match.as_str(),
        };
        frame.render_widget(
            Paragraph::new(ratatui::text::Text::styled(text, theme.muted))
                .block(block)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let cols = spec.columns;
    let window: Vec<Vec<Line<'static>>> = data.window(h).map(|(pos, r)| cells(pos, r)).collect();
    let mut natural: Vec<u16> = cols
        .iter()
        .map(|c| columns::width(c.header) as u16)
        .collect();
    let mut measure = |row: &[Line<'static>]| {
        for (n, l) in natural.iter_mut().zip(row) {
            *n = (*n).max(l.width() as u16);
        }
    };
    if data.visible.len() <= MEASURE_ALL {
        for (pos, &i) in data.visible.iter().enumerate() {
            measure(&cells(pos, &data.rows[i]));
        }
    } else {
        for row in &window {
            measure(row);
        }
    }
    // inside the borders, after the ▶ marker's two cells
    let room = area.width.saturating_sub(4);
    let widths = columns::fit(&cols, &natural, room, 1);
    let shown: Vec<(usize, u16)> = widths
        .iter()
        .enumerate()
        .filter_map(|(i, w)| w.map(|w| (i, w)))
        .collect();
    let align = |i: usize, l: Line<'static>| if cols[i].right { l.right_aligned() } else { l };
    let header = Row::new(shown.iter().map(|&(i, w)| {
        let text = columns::truncate(cols[i].header, usize::from(w));
        Cell::from(align(i, Line::from(Span::styled(text, theme.muted))))
    }));
    let rows: Vec<Row<'static>> = window
        .into_iter()
        .map(|mut row| {
            Row::new(shown.iter().map(|&(i, w)| {
                let line = row.get_mut(i).map(std::mem::take).unwrap_or_default();
                let w = usize::from(w);
                let line = if cols[i].tail {
                    columns::truncate_keep_tail(line, w)
                } else {
                    truncate_line(line, w)
                };
                Cell::from(align(i, line))
            }))
        })
        .collect();
    let table = Table::new(rows, shown.iter().map(|&(_, w)| Constraint::Length(w)))
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(theme.selected)
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default();
    state.select(Some(data.selected.saturating_sub(data.view_offset(h))));
    frame.render_stateful_widget(table, area, &mut state);
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One character per value, scaled to `max`; a gap is a space. `style` picks each
/// character's style from its value (bands).
pub fn sparkline<'a>(values: &[Option<f64>], max: f64, style: impl Fn(f64) -> Style) -> Line<'a> {
    let spans: Vec<Span<'a>> = values
        .iter()
        .map(|v| match v {
            Some(v) if max > 0.0 => {
                let idx = ((v / max) * 7.0).round().clamp(0.0, 7.0) as usize;
                Span::styled(BARS[idx].to_string(), style(*v))
            }
            _ => Span::raw(" "),
        })
        .collect();
    Line::from(spans)
}

/// Cut `text` to at most `width` terminal columns (Chinese counts two, an emoji with a
/// variation selector too), with … when cut.
pub fn truncate(text: &str, width: usize) -> String {
    columns::truncate(text, width)
}

/// Break `text` into lines of at most `width` columns: latin words move whole to the
/// next line; Chinese (which has no spaces) fills each line and breaks anywhere.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if width == 0 {
        return lines;
    }
    let mut line = String::new();
    let mut used = 0;
    for word in text.split_inclusive(' ') {
        let ww = columns::width(word);
        let cjk = word.graphemes(true).any(|g| columns::width(g) > 1);
        if !cjk
            && used + ww.saturating_sub(usize::from(word.ends_with(' '))) > width
            && used > 0
            && ww <= width
        {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
            used = 0;
        }
        for c in word.graphemes(true) {
            let cw = columns::width(c);
            if used + cw > width {
                if c == " " {
                    continue;
                }
                lines.push(std::mem::take(&mut line).trim_end().to_string());
                used = 0;
            }
            if cw > width {
                continue; // a double-width char in a one-column terminal: nothing fits
            }
            line.push_str(c);
            used += cw;
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Put the terminal's own cursor on a text field's caret, so a Chinese input method's
/// candidate window opens where the operator is typing.
pub fn place_cursor(frame: &mut Frame<'_>, t: &ratatui_textarea::TextArea<'_>, area: Rect) {
    let caret = t.screen_cursor();
    let (top, left) = t.scroll_offset();
    let row = caret.row.saturating_sub(usize::from(top));
    let col = caret.col.saturating_sub(usize::from(left));
    if row < usize::from(area.height) && col <= usize::from(area.width) {
        frame.set_cursor_position((area.x + col as u16, area.y + row as u16));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_counts_display_width() {
        assert_eq!(truncate("宝妈育儿交流群", 8), "宝妈育…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("张三", 4), "张三");
        assert_eq!(truncate("张三丰", 4), "张…");
    }

    #[test]
    fn wrap_fits_every_line() {
        for text in [
            "终端太小:至少需要 80×24,当前 20×5。",
            "Terminal too small: needs 80×24, have 20×5.",
        ] {
            for width in 1..40 {
                for line in wrap(text, width) {
                    assert!(
                        unicode_width::UnicodeWidthStr::width(line.as_str()) <= width,
                        "{line:?} > {width}"
                    );
                }
            }
        }
        assert_eq!(wrap("ab cd ef", 5), vec!["ab cd", "ef"]);
        assert_eq!(wrap("终端太小", 5), vec!["终端", "太小"]);
        // Chinese after a space fills the line instead of jumping to the next one
        assert_eq!(
            wrap("今天是3月2日 周一,本周活动", 16),
            vec!["今天是3月2日 周", "一,本周活动"]
        );
    }
}
