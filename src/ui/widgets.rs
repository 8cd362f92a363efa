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
use unicode_width::UnicodeWidthChar;

use super::Theme;
use crate::app::App;
use crate::app::table::{Row as DataRow, Table as DataTable};
use crate::i18n::fill;

/// Rows a list drawn in `area` can show (borders and header take three).
pub fn list_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(3)).max(1)
}

pub struct ListSpec<'a> {
    pub title: Line<'a>,
    /// (header, width) per column
    pub columns: Vec<(&'a str, Constraint)>,
    pub empty: &'a str,
}

/// Draw `rows` (already limited to the window) as the tab's table.
pub fn list<'a, R: DataRow>(
    app: &App,
    frame: &mut Frame<'_>,
    area: Rect,
    theme: &Theme,
    data: &DataTable<R>,
    spec: ListSpec<'a>,
    rows: Vec<Row<'a>>,
) {
    let h = list_height(area);
    let mut title = spec.title;
    // (a divider row is not counted)
    let count = if data.filter.is_empty() {
        fill(&app.texts.rows, &[("n", &data.count())])
    } else {
        format!(
            "{} “{}” · {}",
            app.texts.filter_label,
            data.filter,
            fill(&app.texts.rows, &[("n", &data.count())])
        )
    };
    title
        .spans
        .push(Span::styled(format!(" · {count} "), theme.muted));
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
    let (headers, widths): (Vec<&str>, Vec<Constraint>) = spec.columns.into_iter().unzip();
    let header = Row::new(
        headers
            .into_iter()
            .map(|h| Cell::from(Span::styled(h, theme.muted))),
    );
    let table = Table::new(rows, widths)
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

/// Cut `text` to at most `width` terminal columns (Chinese counts two), with … when cut.
pub fn truncate(text: &str, width: usize) -> String {
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
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
        let ww: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
        let cjk = word.chars().any(|c| c.width().unwrap_or(0) > 1);
        if !cjk
            && used + ww.saturating_sub(usize::from(word.ends_with(' '))) > width
            && used > 0
            && ww <= width
        {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
            used = 0;
        }
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > width {
                if c == ' ' {
                    continue;
                }
                lines.push(std::mem::take(&mut line).trim_end().to_string());
                used = 0;
            }
            if cw > width {
                continue; // a double-width char in a one-column terminal: nothing fits
            }
            line.push(c);
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
