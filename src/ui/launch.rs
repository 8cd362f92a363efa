//! The KPIs tab's launch board (issue 16, `l`): for each group in launch its name and
//! positioning, its seven phases as a row of cells — ✓ passed, ▶ current with its
//! metric against the bar, ⚠ late with its metric, · ahead — and the next step, as a
//! list with a selection that scrolls. The marks read without colour (`NO_COLOR`); a
//! row too wide for the terminal shortens the phase names before it cuts. Over it: a
//! group's launch detail (its phases with their dates, the next step, the kit with a
//! cursor) and the launch form.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::Theme;
use super::columns::truncate_line;
use crate::app::App;
use crate::app::launch::{BOARD_LINES, LaunchField, LaunchForm};
use crate::domain::launch::{State, against_bar};
use crate::i18n::{LaunchTexts, fill};
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
    let board = &app.launch.board;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(
            format!(" {} · {} ", t.title, board.count()),
            theme.title,
        ));
    let inner = block.inner(area);
    let room = usize::from(inner.width);
    // the legend keeps the last line; the groups share the rest, a few lines each
    let page = (usize::from(inner.height.saturating_sub(1)) / BOARD_LINES).max(1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if board.rows.is_empty() {
        lines.push(Line::from(Span::styled(t.none.clone(), theme.muted)));
    } else if board.visible.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(" {}", app.texts.no_match),
            theme.muted,
        )));
    }
    for (pos, s) in board.window(page) {
        let selected = pos == board.selected;
        lines.extend(entry(app, s, theme, room, selected));
    }
    let used = lines.len();
    let fill_to = usize::from(inner.height.saturating_sub(1));
    lines.extend((used..fill_to).map(|_| Line::from("")));
    lines.push(Line::from(Span::styled(
        format!(" {}", t.legend),
        theme.muted,
    )));
    let total = board.visible.len() as u16;
    let off = board.view_offset(page) as u16;
    let block = block.title_bottom(super::scroll_mark(off, total, page as u16, theme));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// One group on the board: name, kit and positioning; the phases; the next step; a
/// blank. The selected one is marked ▶ (it reads without colour).
fn entry(
    app: &App,
    s: &LaunchStatus,
    theme: &Theme,
    room: usize,
    selected: bool,
) -> Vec<Line<'static>> {
    let t = &app.texts.launch;
    let positioning = s
        .positioning
        .clone()
        .unwrap_or_else(|| t.no_positioning.clone());
    let (mark, name_style) = if selected {
        ("▶", theme.selected)
    } else {
        (" ", Style::default().add_modifier(Modifier::BOLD))
    };
    let mut lines = vec![truncate_line(
        Line::from(vec![
            Span::styled(mark.to_string(), theme.accent),
            Span::styled(format!("{} ", s.group), name_style),
            Span::styled(
                format!(
                    " {} {}/{} · {}: {positioning}",
                    LaunchTexts::of(&t.metrics, "prep"),
                    s.kit_done,
                    s.kit_total,
                    t.positioning
                ),
                theme.muted,
            ),
        ]),
        room,
    )];
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
    lines
}

/// `03-01`.
fn md(d: chrono::NaiveDate) -> String {
    d.format("%m-%d").to_string()
}

/// A group's launch detail: positioning, kind, dates; each phase with its dates, state
/// and metric against the bar; the next step; the kit, item by item, with a cursor.
pub fn detail(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let Some(s) = app.launch_detail() else {
        return;
    };
    let t = &app.texts.launch;
    // wide enough for the next step's words on a wide terminal
    let width = super::popup_width(area, 100);
    let room = usize::from(width.saturating_sub(2));
    let raw = s
        .positioning
        .clone()
        .unwrap_or_else(|| t.no_positioning.clone());
    let mut head: Vec<Line<'static>> =
        super::widgets::wrap(&format!("{}: {raw}", t.positioning), room.saturating_sub(1))
            .into_iter()
            .take(2)
            .map(|l| Line::from(format!(" {l}")))
            .collect();
    head.push(truncate_line(
        Line::from(Span::styled(
            format!(
                " {}",
                fill(
                    &t.detail_meta,
                    &[
                        ("kind", &s.kind),
                        ("platform", &app.texts.enum_text(&s.platform)),
                        ("start", &md(s.start)),
                        ("opens", &md(s.opens)),
                    ],
                )
            ),
            theme.muted,
        )),
        room,
    ));
    let name_w = s
        .phases
        .iter()
        .map(|p| LaunchTexts::of(&t.phases, p.phase.word()).width())
        .max()
        .unwrap_or(0);
    let mut phases: Vec<Line<'static>> = Vec::new();
    for p in &s.phases {
        let style = state_style(theme, p.state);
        let name = LaunchTexts::of(&t.phases, p.phase.word());
        let pad = " ".repeat(name_w.saturating_sub(name.width()));
        let mut spans = vec![
            Span::styled(format!(" {} {name}{pad}", p.state.mark()), style),
            Span::styled(format!("  {}–{}", md(p.from), md(p.due)), theme.muted),
            Span::raw(format!(
                "  {} ",
                LaunchTexts::of(&t.metrics, p.phase.word())
            )),
        ];
        if p.state != State::Ahead {
            spans.push(Span::styled(against_bar(p.phase, p.value, p.bar), style));
        }
        phases.push(truncate_line(Line::from(spans), room));
    }
    let next_style = match s.next_state {
        Some(State::Late) => theme.danger,
        None => theme.ok,
        _ => Style::default(),
    };
    phases.push(truncate_line(
        Line::from(vec![
            Span::styled(" → ", theme.muted),
            Span::styled(t.next_step(s.next_step()), next_style),
        ]),
        room,
    ));
    let mut kit_head = fill(
        &t.detail_kit,
        &[("done", &s.kit_done), ("total", &s.kit_total)],
    );
    if let Some(d) = s.qr_expires {
        let template = if d < app.real_today() {
            &t.qr_expired
        } else {
            &t.qr_until
        };
        kit_head.push_str(" · ");
        kit_head.push_str(&fill(template, &[("date", &d)]));
    }
    let mut kit: Vec<Line<'static>> = vec![Line::from(Span::styled(
        format!(" {kit_head}"),
        theme.title,
    ))];
    let item_w = s
        .kit
        .iter()
        .map(|k| LaunchTexts::of(&t.items, &k.item).width())
        .max()
        .unwrap_or(0);
    let raw_positioning = s.positioning.clone().unwrap_or_default();
    let parsed = crate::domain::launch::parse_positioning(&raw_positioning).ok();
    for (i, k) in s.kit.iter().enumerate() {
        let selected = i == app.launch.kit_cursor;
        let done = k.state == "done";
        let name = LaunchTexts::of(&t.items, &k.item);
        let pad = " ".repeat(item_w.saturating_sub(name.width()));
        let mut spans = vec![
            Span::styled(if selected { " ▶ " } else { "   " }, theme.accent),
            Span::styled(
                format!("{} {name}{pad}", if done { "✓" } else { "·" }),
                if selected {
                    theme.selected
                } else if done {
                    theme.ok
                } else {
                    Style::default()
                },
            ),
        ];
        let mut about = Vec::new();
        if let Some(e) = &k.expires_on {
            about.push(e.clone());
        }
        if let (true, Some(who)) = (done, &k.done_by) {
            about.push(fill(&t.detail_done_by, &[("who", who)]));
        }
        if let Some(text) = &k.text {
            let filled =
                crate::domain::launch::fill_text(text, &s.group, parsed.as_ref(), &raw_positioning);
            if let Some(first) = filled.lines().find(|l| !l.trim().is_empty()) {
                about.push(first.trim().to_string());
            }
        }
        spans.push(Span::styled(
            format!("  {}", about.join(" · ")),
            theme.muted,
        ));
        kit.push(truncate_line(Line::from(spans), room));
    }
    // a blank between the parts when there is room for it
    let base = head.len() + phases.len() + kit.len();
    let blanks = usize::from(area.height.saturating_sub(2)) >= base + 2;
    let mut lines = head;
    if blanks {
        lines.push(Line::from(""));
    }
    lines.extend(phases);
    if blanks {
        lines.push(Line::from(""));
    }
    let cursor_line = lines.len() + 1 + app.launch.kit_cursor;
    lines.extend(kit);
    let rect = super::popup(area, width, lines.len() as u16 + 2);
    super::clear_popup(frame, rect);
    let block = super::popup_block(
        format!(" {} ", fill(&t.detail_title, &[("group", &s.group)])),
        theme,
    );
    // the selected kit item stays in view when the popup is cut short
    let inner_h = usize::from(rect.height.saturating_sub(2)).max(1);
    let off = (cursor_line + 1).saturating_sub(inner_h) as u16;
    frame.render_widget(Paragraph::new(lines).block(block).scroll((off, 0)), rect);
}

/// The launch form: name, kind (chosen among the kinds, typing narrows them), platform,
/// positioning (with its formula), start day; what is wrong, in the form.
pub fn form(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let Some(f) = &app.launch.form else {
        return;
    };
    let t = &app.texts.launch;
    let width = super::popup_width(area, 78);
    let room = usize::from(width.saturating_sub(2));
    let labels = [
        &t.form_name,
        &t.form_kind,
        &t.form_platform,
        &t.form_positioning,
        &t.form_start,
    ];
    let label_w = labels.iter().map(|l| l.width()).max().unwrap_or(0);
    let value_w = room.saturating_sub(label_w + 5).max(8);
    let label = |text: &str, on: bool| -> Span<'static> {
        let pad = " ".repeat(label_w.saturating_sub(text.width()));
        Span::styled(
            format!(" {}{text}{pad} ", if on { "▶ " } else { "  " }),
            if on { theme.key } else { theme.muted },
        )
    };
    let caret =
        |on: bool| -> Span<'static> { Span::styled(if on { "▏" } else { "" }, theme.accent) };
    let indent = " ".repeat(label_w + 4);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let on = |field: LaunchField| f.field == field;
    // name
    lines.push(truncate_line(
        Line::from(vec![
            label(&t.form_name, on(LaunchField::Name)),
            Span::raw(f.name.clone()),
            caret(on(LaunchField::Name)),
        ]),
        room,
    ));
    // kind: what was typed, then the kinds it matches, the chosen one marked
    lines.push(truncate_line(
        kind_line(
            f,
            theme,
            label(&t.form_kind, on(LaunchField::Kind)),
            caret(on(LaunchField::Kind)),
        ),
        room,
    ));
    if on(LaunchField::Kind) {
        lines.push(truncate_line(
            Line::from(Span::styled(
                format!("{indent}{}", t.form_kind_help),
                theme.muted,
            )),
            room,
        ));
    }
    lines.push(Line::from(vec![
        label(&t.form_platform, on(LaunchField::Platform)),
        Span::raw(format!("◀ {} ▶", app.texts.enum_text(f.platform()))),
    ]));
    // the positioning wraps under itself: it is a sentence
    let parts = if f.positioning.is_empty() {
        vec![String::new()]
    } else {
        super::widgets::wrap(&f.positioning, value_w)
    };
    let n = parts.len();
    for (i, part) in parts.into_iter().enumerate() {
        let first = if i == 0 {
            label(&t.form_positioning, on(LaunchField::Positioning))
        } else {
            Span::raw(indent.clone())
        };
        let mut spans = vec![first, Span::raw(part)];
        if i + 1 == n {
            spans.push(caret(on(LaunchField::Positioning)));
        }
        lines.push(Line::from(spans));
    }
    if on(LaunchField::Positioning) {
        for l in super::widgets::wrap(&t.form_positioning_help, value_w) {
            lines.push(Line::from(Span::styled(
                format!("{indent}{l}"),
                theme.muted,
            )));
        }
    }
    lines.push(Line::from(vec![
        label(&t.form_start, on(LaunchField::Start)),
        Span::raw(f.start.clone()),
        caret(on(LaunchField::Start)),
    ]));
    lines.push(Line::from(""));
    lines.push(truncate_line(
        Line::from(Span::styled(format!(" {}", t.form_hint), theme.muted)),
        room,
    ));
    if f.sent {
        lines.push(Line::from(Span::styled(
            format!(" {}", t.form_sending),
            theme.accent,
        )));
    }
    if let Some(e) = &f.error {
        for l in super::widgets::wrap(e, room.saturating_sub(1)) {
            lines.push(Line::from(Span::styled(format!(" {l}"), theme.danger)));
        }
    }
    let rect = super::popup(area, width, lines.len() as u16 + 2);
    super::clear_popup(frame, rect);
    let block = super::popup_block(format!(" {} ", t.form_title), theme);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn kind_line(
    f: &LaunchForm,
    theme: &Theme,
    label: Span<'static>,
    caret: Span<'static>,
) -> Line<'static> {
    let mut spans = vec![label, Span::raw(f.kind_input.clone()), caret];
    let matches = f.kind_matches();
    for (i, k) in matches.iter().enumerate() {
        spans.push(Span::raw(" "));
        let chosen = f.kind_pick == Some(i);
        spans.push(if chosen {
            Span::styled(format!("[{k}]"), theme.selected)
        } else {
            Span::styled(format!(" {k} "), theme.muted)
        });
    }
    Line::from(spans)
}
