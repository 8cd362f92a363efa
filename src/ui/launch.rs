//! The KPIs tab's launch board (issue 16, `l`): for each group in launch its name and
//! positioning, its seven phases as a row of cells — ✓ passed, ▶ current with its
//! metric against the bar, ⚠ late with its metric, · ahead — and the next step. The
//! marks read without colour (`NO_COLOR`); a row too wide for the terminal shortens the
//! phase names before it cuts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::Theme;
use super::columns::truncate_line;
use crate::app::App;
use crate::domain::launch::{State, against_bar};
use crate::i18n::LaunchTexts;
use crate::store::launch::LaunchStatus;

/// A phase name cut to about four columns (筹备, Prep, Traf).
fn short(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if out.width() >= 4 {
            break;
        }
        out.push(c);
    }
    out
}

fn state_style(theme: &Theme, s: State) -> Style {
    match s {
        State::Passed => theme.ok,
        State::Current => theme.accent,
        State::Late => theme.danger,
        State::Ahead => theme.muted,
    }
}

/// The row of cells, with full or short names.
fn cells(t: &LaunchTexts, s: &LaunchStatus, theme: &Theme, shorten: bool) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (i, p) in s.phases.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", theme.border));
        }
        let name = LaunchTexts::of(&t.phases, p.phase.word());
        let name = if shorten {
            short(name)
        } else {
            name.to_string()
        };
        let style = state_style(theme, p.state);
        spans.push(Span::styled(format!("{name} {}", p.state.mark()), style));
        if matches!(p.state, State::Current | State::Late) {
            spans.push(Span::styled(
                format!(" {}", against_bar(p.phase, p.value, p.bar)),
                style,
            ));
        }
    }
    Line::from(spans)
}

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.launch;
    let rows = &app.kpi_view.launch_rows;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(
            format!(" {} · {} ", t.title, rows.len()),
            theme.title,
        ));
    let room = usize::from(area.width.saturating_sub(2));
    let mut lines: Vec<Line<'static>> = Vec::new();
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(t.none.clone(), theme.muted)));
    }
    for s in rows {
        let positioning = s
            .positioning
            .clone()
            .unwrap_or_else(|| t.no_positioning.clone());
        lines.push(truncate_line(
            Line::from(vec![
                Span::styled(
                    format!(" {}", s.group),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Span::styled(
                    format!(
                        "  {} {}/{} · {}: {positioning}",
                        LaunchTexts::of(&t.metrics, "prep"),
                        s.kit_done,
                        s.kit_total,
                        t.positioning
                    ),
                    theme.muted,
                ),
            ]),
            room,
        ));
        let full = cells(t, s, theme, false);
        let fits = full.spans.iter().map(|x| x.content.width()).sum::<usize>() <= room;
        let row = if fits { full } else { cells(t, s, theme, true) };
        lines.push(truncate_line(row, room));
        let next_style = match s.next_state {
            Some(State::Late) => theme.danger,
            None => theme.ok,
            _ => Style::default(),
        };
        lines.push(truncate_line(
            Line::from(vec![
                Span::styled(" → ", theme.muted),
                Span::styled(t.next_step(s.next_step()), next_style),
            ]),
            room,
        ));
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        format!(" {}", t.legend),
        theme.muted,
    )));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
