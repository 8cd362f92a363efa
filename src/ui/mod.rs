//! Drawing: a pure function of `&App`. Never touches the database or the clock; what
//! it shows was loaded before. One file per tab, plus the frame around them (tab bar,
//! status bar, key hints) and the overlays (help, palette, details).

pub mod columns;
pub mod content;
pub mod kpi;
pub mod launch;
pub mod members;
pub mod reminders;
pub mod risk;
pub mod theme;
pub mod today;
pub mod widgets;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::{
    ACTIONS, App, MIN_HEIGHT, MIN_WIDTH, Mode, PickerKind, PromptKind, Tab, picker_matches,
};
use crate::i18n::fill;
pub use theme::Theme;

pub fn render(app: &App, frame: &mut Frame<'_>) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let theme = Theme::get(app.no_color);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(app, frame, area, theme);
        return;
    }
    let [tabs, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    tab_bar(app, frame, tabs, theme);
    match app.tab {
        Tab::Today => today::render(app, frame, body, theme),
        Tab::Members => members::render(app, frame, body, theme),
        Tab::Content => content::render(app, frame, body, theme),
        Tab::Kpi => kpi::render(app, frame, body, theme),
        Tab::Reminders => reminders::render(app, frame, body, theme),
        Tab::Risk => risk::render(app, frame, body, theme),
    }
    status_bar(app, frame, status, theme);
    hint_line(app, frame, hints, theme);
    match &app.mode {
        Mode::Help => help(app, frame, body, theme),
        Mode::Palette { input, selected } => palette(app, frame, body, theme, input, *selected),
        Mode::Detail => detail(app, frame, body, theme),
        Mode::Walk { .. } => today::walk(app, frame, body, theme),
        Mode::Calendar { cursor } => today::calendar(app, frame, body, theme, *cursor),
        Mode::Picker {
            kind,
            items,
            input,
            selected,
        } => {
            picker(app, frame, body, theme, *kind, items, input, *selected);
        }
        Mode::MultiPick {
            template,
            items,
            marked,
            selected,
        } => {
            multipick(app, frame, body, theme, template, items, marked, *selected);
        }
        Mode::Edit => today::editor(app, frame, body, theme),
        Mode::KpiForm(f) => kpi::form(app, frame, body, theme, f),
        Mode::ContentForm => content::form(app, frame, body, theme),
        Mode::ReviewForm => content::review(app, frame, body, theme),
        Mode::ResultsForm => content::results(app, frame, body, theme),
        Mode::WeeklyReview => content::weekly(app, frame, body, theme),
        Mode::WordPreview => risk::preview(app, frame, body, theme),
        Mode::LaunchForm => launch::form(app, frame, body, theme),
        Mode::LaunchDetail => launch::detail(app, frame, body, theme),
        Mode::Normal | Mode::Search { .. } | Mode::Prompt { .. } => {}
    }
    // last, over everything: it only draws, so the editor keeps the cursor and the keys
    reminders::toast(app, frame, body, theme);
}

fn too_small(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let msg = fill(
        &app.texts.too_small,
        &[
            ("need", &format!("{MIN_WIDTH}×{MIN_HEIGHT}")),
            ("have", &format!("{}×{}", area.width, area.height)),
        ],
    );
    // Wrapped and centred by hand: ratatui's centred wrap can index past a very
    // narrow buffer with double-width text, and this screen must never panic.
    let lines = widgets::wrap(&msg, usize::from(area.width));
    let top = area.height.saturating_sub(lines.len() as u16) / 2;
    for (i, line) in lines.iter().enumerate() {
        let y = area.y + top + i as u16;
        if y >= area.bottom() {
            break;
        }
        let w = unicode_width::UnicodeWidthStr::width(line.as_str()) as u16;
        let x = area.x + area.width.saturating_sub(w) / 2;
        frame.render_widget(
            Span::styled(line.clone(), theme.warning),
            Rect::new(x, y, w.min(area.right() - x), 1),
        );
    }
}

fn tab_bar(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let mut spans = vec![Span::styled(
        format!(" {} ", app.texts.app_name),
        theme.title,
    )];
    for tab in Tab::ALL {
        let label = format!(" {} {} ", tab.index() + 1, tab.label(app.texts));
        let style = if tab == app.tab {
            theme.tab_active
        } else {
            Style::default()
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(label, style));
    }
    frame.render_widget(Line::from(spans), area);
}

/// `HH:MM` of an instant in the team's zone.
pub fn hhmm(app: &App, at: i64) -> String {
    local(app, at).map_or_else(String::new, |t| t.format("%H:%M").to_string())
}

/// `MM-DD HH:MM` of an instant in the team's zone.
pub fn date_time(app: &App, at: i64) -> String {
    local(app, at).map_or_else(String::new, |t| t.format("%m-%d %H:%M").to_string())
}

fn local(app: &App, at: i64) -> Option<DateTime<chrono_tz::Tz>> {
    Utc.timestamp_opt(at, 0)
        .single()
        .map(|t| t.with_timezone(&app.tz))
}

fn status_bar(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let now = app.now.with_timezone(&app.tz);
    let clock = format!(
        "{} {} {}",
        now.format("%m-%d"),
        app.texts.weekday(now.weekday()),
        now.format("%H:%M")
    );
    let right = Span::styled(format!("{clock} "), theme.accent);
    let room = usize::from(area.width).saturating_sub(right.width() + 1);
    // Most detail first; when it does not fit, colleagues shrink to a count, then the
    // database name is cut, so the reminder count and the clock always stay readable.
    let mut left = Vec::new();
    for detail in [2, 1, 0] {
        left = status_left(app, theme, detail, room);
        if Line::from(left.clone()).width() <= room {
            break;
        }
    }
    let [l, r] = Layout::horizontal([Constraint::Min(1), Constraint::Length(right.width() as u16)])
        .areas(area);
    frame.render_widget(Line::from(left), l);
    frame.render_widget(Line::from(right), r);
}

/// The status bar's left part. `detail` 2: colleagues with their tabs; 1: just how
/// many are online; 0: that, and the database name cut to what is left of `room`.
fn status_left<'a>(app: &App, theme: &Theme, detail: u8, room: usize) -> Vec<Span<'a>> {
    let t = &app.texts.status;
    let online = if app.others.is_empty() {
        t.alone.clone()
    } else if detail == 2 {
        // who and where: "wang.lei(成员)", so a colleague's edits can be expected
        let names: Vec<String> = app
            .others
            .iter()
            .map(|o| match Tab::ALL.iter().find(|t| t.word() == o.tab) {
                Some(tab) => format!("{}({})", o.login, tab.label(app.texts)),
                None => o.login.clone(),
            })
            .collect();
        format!("{} {}: {}", t.online, app.others.len(), names.join(" "))
    } else {
        format!("{} {}", t.online, app.others.len())
    };
    let mut tail = vec![
        Span::styled(format!(" │ {} ", t.operator), theme.muted),
        Span::raw(app.operator.clone()),
    ];
    // a viewer's or a --readonly console: every writing key answers in the status line
    if app.access.read_only() {
        tail.push(Span::styled(
            format!(" [{}]", app.texts.roles.badge),
            theme.warning,
        ));
    }
    tail.extend([Span::styled(" │ ", theme.muted), Span::raw(online)]);
    if app.due > 0 {
        tail.push(Span::styled(" │ ", theme.muted));
        tail.push(Span::styled(
            fill(&t.due, &[("n", &app.due)]),
            theme.warning,
        ));
    }
    let head = Span::styled(format!(" {} ", t.db), theme.muted);
    let db = if detail == 0 {
        let used = head.width() + Line::from(tail.clone()).width();
        widgets::truncate(&app.db_label, room.saturating_sub(used).max(1))
    } else {
        app.db_label.clone()
    };
    let mut left = vec![head, Span::raw(db)];
    left.extend(tail);
    left
}

/// The bottom line: the search input while searching, a message if there is one,
/// else the most useful keys — taken from the keymap, so they cannot drift.
fn hint_line(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    if let Mode::Search { input } = &app.mode {
        let line = Line::from(vec![
            Span::styled(format!(" {}: ", app.texts.search_prompt), theme.key),
            Span::raw(input.clone()),
            Span::styled("▏", theme.accent),
        ]);
        frame.render_widget(line, area);
        return;
    }
    if let Mode::Prompt {
        kind, input, id, ..
    } = &app.mode
    {
        // every prompt says what it is about: the item, or the member
        let item = app.item_label(*id).unwrap_or_default();
        let member = |label: &str| match app.members.current() {
            Some(m) => format!("{} · {label}", m.name),
            None => label.to_string(),
        };
        let label = match kind {
            PromptKind::Skip => fill(&app.texts.today.skip_prompt, &[("item", &item)]),
            PromptKind::Note => fill(&app.texts.today.note_prompt, &[("item", &item)]),
            PromptKind::Retime => fill(&app.texts.today.retime_prompt, &[("item", &item)]),
            PromptKind::SilentDays => app.texts.members.prompt_silent.clone(),
            PromptKind::Tag => member(&app.texts.members.prompt_tag),
            PromptKind::MemberNote => member(&app.texts.members.prompt_note),
            PromptKind::Points => member(&app.texts.members.prompt_points),
            PromptKind::SanctionReason { .. } => member(&app.texts.members.prompt_sanction),
            PromptKind::AddReminder => app.texts.reminders.prompt_add.clone(),
            PromptKind::RiskReason { action } => fill(
                &app.texts.risk.prompt_reason,
                &[
                    ("incident", &app.incident_label(*id)),
                    (
                        "action",
                        &app.texts
                            .risk
                            .actions
                            .get(action.word())
                            .cloned()
                            .unwrap_or_default(),
                    ),
                ],
            ),
            PromptKind::RiskExcept => fill(
                &app.texts.risk.prompt_except,
                &[("incident", &app.incident_label(*id))],
            ),
            PromptKind::NewWord { category } => fill(
                &app.texts.risk.prompt_word,
                &[("category", &app.texts.category(*category))],
            ),
        };
        let line = Line::from(vec![
            Span::styled(format!(" {label}: "), theme.key),
            Span::raw(input.clone()),
            Span::styled("▏", theme.accent),
        ]);
        frame.render_widget(line, area);
        return;
    }
    if let Some(flash) = &app.flash {
        let style = if flash.error {
            theme.danger
        } else {
            theme.accent
        };
        frame.render_widget(
            Line::from(Span::styled(format!(" {}", flash.text), style)),
            area,
        );
        return;
    }
    // a form shows its own keys inside it
    if matches!(
        app.mode,
        Mode::Edit | Mode::ContentForm | Mode::ReviewForm | Mode::ResultsForm | Mode::LaunchForm
    ) {
        return;
    }
    // The keys of what is on screen, from the keymap (so they cannot drift): the
    // tab's own first — what it is for — then help, as many as fit.
    let (section, view) = hint_section(app);
    let mut hints = key_hints(app);
    let help = app
        .keymap
        .key_for(section, "help")
        .or_else(|| app.keymap.key_for("global", "help"))
        .map(|k| (k, hint_label(app, view, "help")));
    let width = |h: &(String, String)| {
        unicode_width::UnicodeWidthStr::width(h.0.as_str())
            + unicode_width::UnicodeWidthStr::width(h.1.as_str())
            + 3
    };
    let room = usize::from(area.width)
        .saturating_sub(1)
        .saturating_sub(help.as_ref().map_or(0, width));
    let mut used = 0;
    hints.retain(|h| {
        used += width(h);
        used <= room
    });
    hints.extend(help);
    // a key whose write this operator may not do (a viewer, --readonly) is greyed
    let refused: Vec<String> = hint_actions(view)
        .iter()
        .filter(|a| {
            crate::app::action_named(a)
                .and_then(|action| app.needs(&action))
                .is_some_and(|perm| !app.access.may(perm))
        })
        .filter_map(|a| app.keymap.key_for(section, a))
        .collect();
    let mut spans = vec![Span::raw(" ")];
    for (keys, label) in hints {
        let key_style = if refused.contains(&keys) {
            theme
                .muted
                .add_modifier(ratatui::style::Modifier::CROSSED_OUT)
        } else {
            theme.key
        };
        spans.push(Span::styled(keys, key_style));
        spans.push(Span::styled(format!(" {label}  "), theme.muted));
    }
    frame.render_widget(Line::from(spans), area);
}

/// What is on screen, for its keys: the keymap section they are in, and the name of
/// the view (the content week schedule has keys of its own: its items cannot be
/// selected, so the keys that act on the selected item are not offered there).
fn hint_section(app: &App) -> (&'static str, &'static str) {
    match app.mode {
        Mode::Walk { .. } => ("walk", "walk"),
        Mode::Calendar { .. } => ("calendar", "calendar"),
        // a group's launch detail, and the launch board (issue 16)
        Mode::LaunchDetail => ("launch", "launch"),
        _ if app.on_board() => ("kpi", "launch_board"),
        _ if app.tab == Tab::Content
            && app.content_state.view == crate::app::content::ContentView::Week =>
        {
            ("content", "week")
        }
        _ => (app.tab.word(), app.tab.word()),
    }
}

/// The actions the hint line offers in each view, most useful first.
fn hint_actions(view: &str) -> &'static [&'static str] {
    match view {
        "today" => &[
            "toggle_done",
            "walk",
            "skip",
            "note",
            "assign",
            "claim",
            "copy",
            "prev_day",
            "calendar",
            "mine",
            "undone",
            "group_filter",
        ],
        "walk" => &[
            "toggle_done",
            "copy",
            "skip",
            "note",
            "assign",
            "down",
            "back",
        ],
        "calendar" => &["open", "prev_day", "go_today", "back"],
        "members" => &[
            "search",
            "open",
            "tier_filter",
            "group_filter",
            "tag_filter",
            "silent_filter",
            "tag",
            "note",
            "points",
            "sanction",
        ],
        "content" => &[
            "new_content",
            "edit_content",
            "submit_content",
            "review_content",
            "week_view",
            "publish_content",
            "weekly_review",
        ],
        "week" => &[
            "week_view",
            "prev_week",
            "this_week",
            "group_filter",
            "new_content",
            "weekly_review",
        ],
        "launch_board" => &["open", "launch_new", "kpi_launch", "kpi_enter", "search"],
        "launch" => &["kit_done", "kit_copy", "down", "back"],
        "kpi" => &[
            "open",
            "kpi_launch",
            "kpi_days",
            "kpi_metric",
            "kpi_enter",
            "search",
        ],
        "risk" => &[
            "open",
            "risk_review",
            "risk_warn",
            "risk_mute",
            "risk_remove",
            "risk_close",
            "risk_dismiss",
            "add_word",
            "risk_panel",
            "search",
        ],
        _ => &[
            "go_to",
            "dismiss",
            "snooze",
            "details",
            "add_reminder",
            "search",
        ],
    }
}

/// The keys of what is on screen, as (keys, label), from the keymap: the hint line
/// and the walkthrough popup show these (one list, so they cannot differ). Help is not
/// among them.
pub fn key_hints(app: &App) -> Vec<(String, String)> {
    let (section, view) = hint_section(app);
    hint_actions(view)
        .iter()
        .filter(|a| {
            // on wide screens the Members pane is the detail: Enter adds nothing there
            !(**a == "open" && view == "members" && app.members_pane())
        })
        .filter_map(|a| {
            let key = app.keymap.key_for(section, a)?;
            // a pair of keys for the day or week (`[/]`), one hint
            let key = match *a {
                "prev_day" => format!("{key}/{}", app.keymap.key_for(section, "next_day")?),
                "prev_week" => format!("{key}/{}", app.keymap.key_for(section, "next_week")?),
                _ => key,
            };
            Some((key, hint_label(app, view, a)))
        })
        .collect()
}

/// An action's name on the hint line: its short form for this view (`[hints]`
/// `"walk.toggle_done"`), else for every view (`toggle_done`), else the text before any
/// parenthesis or colon of its help text.
pub fn hint_label(app: &App, view: &str, action: &str) -> String {
    if let Some(h) = app
        .texts
        .hints
        .get(&format!("{view}.{action}"))
        .or_else(|| app.texts.hints.get(action))
    {
        return h.clone();
    }
    let label = app.texts.action_text(action);
    label
        .split(['(', '(', ':', ':'])
        .next()
        .unwrap_or(label)
        .trim()
        .to_string()
}

/// The width a popup of at most `w` takes in `area`: all of it when no more than two
/// columns would be left on either side (a sliver of the rows below, cut mid-word,
/// reads as part of the popup).
pub fn popup_width(area: Rect, w: u16) -> u16 {
    let w = w.min(area.width);
    if area.width - w <= 4 { area.width } else { w }
}

/// The height a popup of at most `h` takes in `area`: all of it when no more than two
/// rows would be left (the border of the table below, drawn against the popup's own,
/// reads as a second frame: two bottom borders stacked).
pub fn popup_height(area: Rect, h: u16) -> u16 {
    let h = h.min(area.height);
    if area.height - h <= 2 { area.height } else { h }
}

/// A centred popup of at most `w`×`h` inside `area`.
pub fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = popup_width(area, w);
    let h = popup_height(area, h);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// The frame of a popup: accent border, bold title.
pub fn popup_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent)
        .title(Span::styled(title, theme.title))
}

/// Clear a popup's area and a column either side of it (so the rows below end in a
/// blank instead of running into its border), and mend the wide characters cut by
/// that margin: a Chinese character whose right half lies under it would otherwise be
/// drawn over it by the terminal, and a right half left alone past it would shift the
/// rest of the line.
pub fn clear_popup(frame: &mut Frame<'_>, rect: Rect) {
    let area = frame.area();
    let left = if rect.left() > area.left() {
        rect.left() - 1
    } else {
        rect.left()
    };
    let right = (rect.right() + 1).min(area.right()).max(left);
    let outer = Rect::new(left, rect.y, right - left, rect.height).intersection(area);
    frame.render_widget(Clear, outer);
    let buf = frame.buffer_mut();
    for y in outer.top()..outer.bottom() {
        if outer.left() > area.left() {
            let cell = &mut buf[(outer.left() - 1, y)];
            if columns::width(cell.symbol()) > 1 {
                cell.set_symbol(" ");
            }
        }
        if outer.right() < area.right() {
            let cell = &mut buf[(outer.right(), y)];
            if cell.symbol().is_empty() {
                cell.set_symbol(" ");
            }
        }
    }
}

/// `lines` in a popup at `rect`, scrolled to the app's offset; when they do not fit,
/// where one is (`↓ 1-20/35`) on the bottom border. Records how far it can scroll.
pub fn scrolled(
    app: &App,
    frame: &mut Frame<'_>,
    rect: Rect,
    block: Block<'_>,
    lines: Vec<Line<'_>>,
    theme: &Theme,
) {
    let inner = block.inner(rect);
    let total = lines.len() as u16;
    let off = scroll_offset(app, total, inner.height);
    let block = block.title_bottom(scroll_mark(off, total, inner.height, theme));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((off, 0)), rect);
}

/// The offset to draw `total` lines at in `height` rows, recording the largest.
fn scroll_offset(app: &App, total: u16, height: u16) -> u16 {
    let max = total.saturating_sub(height);
    app.popup_max.set(max);
    app.popup_scroll.min(max)
}

/// `↓ 1-20/35` when `total` lines do not fit in `height`; else nothing.
fn scroll_mark<'a>(off: u16, total: u16, height: u16, theme: &Theme) -> Line<'a> {
    if total <= height {
        return Line::from("");
    }
    let last = (off + height).min(total);
    let arrow = match (off > 0, last < total) {
        (true, true) => "↕",
        (true, false) => "↑",
        _ => "↓",
    };
    Line::from(Span::styled(
        format!(" {arrow} {}-{last}/{total} ", off + 1),
        theme.key,
    ))
    .right_aligned()
}

fn help(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let mut lines = Vec::new();
    // the tab's own keys first: they are what `?` is pressed for
    let sections: &[&str] = match app.tab {
        Tab::Today => &["today", "walk", "calendar", "global"],
        Tab::Kpi => &["kpi", "launch", "global"],
        _ => &[app.tab.word(), "global"],
    };
    for (i, section) in sections.iter().enumerate() {
        let title = match *section {
            "global" => Some(app.texts.help_global.as_str()),
            // headings, capitalised like the others (not the keys' own descriptions)
            "walk" => Some(app.texts.help_walk.as_str()),
            "calendar" => Some(app.texts.help_calendar.as_str()),
            "launch" => Some(app.texts.launch.title.as_str()),
            _ => Some(app.tab.label(app.texts)),
        };
        if let Some(t) = title {
            if i > 0 {
                lines.push(Line::from(""));
            }
            lines.push(Line::from(Span::styled(format!(" {t}"), theme.title)));
        }
        // a global key the tab binds to something else does not do the global thing here
        let own = app.keymap.bindings(sections[0], ACTIONS);
        let shadowed =
            |k: &String| *section == "global" && own.iter().any(|(_, ks)| ks.contains(k));
        for (action, keys) in app.keymap.bindings(section, ACTIONS) {
            let keys: Vec<String> = keys.into_iter().filter(|k| !shadowed(k)).collect();
            if keys.is_empty() {
                continue;
            }
            let keys = keys.join(" ");
            let pad = 14usize.saturating_sub(unicode_width::UnicodeWidthStr::width(keys.as_str()));
            lines.push(Line::from(vec![
                Span::styled(format!(" {keys}{}", " ".repeat(pad)), theme.key),
                Span::raw(app.texts.action_text(&action).to_string()),
            ]));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!(" {}", app.texts.help_footer),
        theme.muted,
    )));
    let title = format!(" {} · {} ", app.texts.help_title, app.tab.label(app.texts));
    // Two columns when one would not fit the screen; both scroll together when even
    // they do not.
    let rows = usize::from(area.height.saturating_sub(2)).max(1);
    if lines.len() > rows && area.width >= 80 {
        let half = lines.len().div_ceil(2);
        let right: Vec<Line<'_>> = lines.split_off(half);
        let rect = popup(
            area,
            area.width.min(128),
            (half as u16 + 2).min(area.height),
        );
        clear_popup(frame, rect);
        let block = popup_block(title, theme);
        let inner = block.inner(rect);
        let off = scroll_offset(app, half as u16, inner.height);
        frame.render_widget(
            block.title_bottom(scroll_mark(off, half as u16, inner.height, theme)),
            rect,
        );
        let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(inner);
        // a long description is cut with … at its column's edge
        frame.render_widget(
            Paragraph::new(cut_lines(lines, usize::from(l.width.saturating_sub(1))))
                .scroll((off, 0)),
            l,
        );
        frame.render_widget(
            Paragraph::new(cut_lines(right, usize::from(r.width))).scroll((off, 0)),
            r,
        );
        return;
    }
    // as wide as its longest line (at least 64, at most 100), cut with … beyond that
    let widest = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let rect = popup(area, (widest + 3).clamp(64, 100), lines.len() as u16 + 2);
    clear_popup(frame, rect);
    let lines = cut_lines(lines, usize::from(rect.width.saturating_sub(2)));
    scrolled(app, frame, rect, popup_block(title, theme), lines, theme);
}

/// Each line cut to `w` cells, with … where it is cut.
fn cut_lines(lines: Vec<Line<'_>>, w: usize) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .map(|l| {
            let owned = Line::from(
                l.spans
                    .into_iter()
                    .map(|s| Span::styled(s.content.into_owned(), s.style))
                    .collect::<Vec<_>>(),
            )
            .style(l.style);
            columns::truncate_line(owned, w)
        })
        .collect()
}

fn palette(
    app: &App,
    frame: &mut Frame<'_>,
    area: Rect,
    theme: &Theme,
    input: &str,
    selected: usize,
) {
    let matches = app.palette_matches(input);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(" : ", theme.key),
            Span::raw(input.to_string()),
            Span::styled("▏", theme.accent),
        ]),
        Line::from(Span::styled(
            format!(" {}", app.texts.palette_hint),
            theme.muted,
        )),
    ];
    if matches.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("   {}", app.texts.no_match),
            theme.muted,
        )));
    }
    // the matches in view follow the selection
    let room = usize::from(area.height.saturating_sub(5)).max(1);
    let first = selected.saturating_sub(room - 1);
    for (i, cmd) in matches.iter().enumerate().skip(first).take(room) {
        let text = widgets::truncate(
            &format!("{:<10} {}", cmd.word, app.texts.action_text(cmd.action)),
            usize::from(popup_width(area, 50).saturating_sub(5)),
        );
        lines.push(if i == selected {
            Line::from(Span::styled(format!(" ▶ {text}"), theme.selected))
        } else {
            Line::from(format!("   {text}"))
        });
    }
    let rect = Rect::new(
        area.x + area.width.saturating_sub(50) / 2,
        area.y + 1,
        50.min(area.width),
        (lines.len() as u16 + 2).min(area.height.saturating_sub(1)),
    );
    clear_popup(frame, rect);
    let block = popup_block(format!(" {} ", app.texts.palette_title), theme);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn detail(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    if app.tab == Tab::Members {
        let width = popup_width(area, 72);
        // a cell of padding inside the border either side, like the other popups' text
        let lines = members::detail_lines(app, theme, usize::from(width.saturating_sub(4)));
        let rect = popup(area, width, lines.len() as u16 + 2);
        clear_popup(frame, rect);
        let block = popup_block(format!(" {} ", app.texts.members.detail_title), theme)
            .padding(ratatui::widgets::Padding::horizontal(1));
        scrolled(app, frame, rect, block, lines, theme);
        return;
    }
    if app.tab == Tab::Risk {
        risk::detail(app, frame, area, theme);
        return;
    }
    if app.tab == Tab::Kpi {
        let width = popup_width(area, 76);
        let lines = kpi::detail_lines(app, theme, usize::from(width.saturating_sub(2)));
        let rect = popup(area, width, lines.len() as u16 + 2);
        clear_popup(frame, rect);
        let block = popup_block(format!(" {} ", app.texts.kpi.detail_title), theme);
        scrolled(app, frame, rect, block, lines, theme);
        return;
    }
    let fields: Vec<(String, String)> = match app.tab {
        Tab::Today => today::detail(app),
        Tab::Members => members::detail(app),
        Tab::Content => content::detail(app),
        Tab::Kpi | Tab::Risk => Vec::new(),
        Tab::Reminders => reminders::detail(app),
    };
    let label_w = fields
        .iter()
        .map(|(k, _)| unicode_width::UnicodeWidthStr::width(k.as_str()))
        .max()
        .unwrap_or(0);
    // values wrap under themselves, labels stay in their column
    let width = popup_width(area, 76);
    let value_w = usize::from(width).saturating_sub(label_w + 4).max(8);
    let mut lines: Vec<Line<'_>> = Vec::new();
    for (k, v) in fields {
        let pad = label_w - unicode_width::UnicodeWidthStr::width(k.as_str());
        let mut label = format!(" {k}{} ", " ".repeat(pad));
        let parts: Vec<String> = v.lines().flat_map(|l| widgets::wrap(l, value_w)).collect();
        if parts.is_empty() {
            lines.push(Line::from(Span::styled(label.clone(), theme.muted)));
        }
        for part in parts {
            lines.push(Line::from(vec![
                Span::styled(label.clone(), theme.muted),
                Span::raw(part),
            ]));
            label = " ".repeat(label_w + 2);
        }
    }
    let rect = popup(area, width, lines.len() as u16 + 2);
    clear_popup(frame, rect);
    let block = popup_block(format!(" {} ", app.texts.detail_title), theme);
    scrolled(app, frame, rect, block, lines, theme);
}

#[allow(clippy::too_many_arguments)]
fn picker(
    app: &App,
    frame: &mut Frame<'_>,
    area: Rect,
    theme: &Theme,
    kind: PickerKind,
    items: &[String],
    input: &str,
    selected: usize,
) {
    let assign;
    let title = match kind {
        PickerKind::Assign { id, .. } => {
            assign = fill(
                &app.texts.today.assign_title,
                &[("item", &app.item_label(id).unwrap_or_default())],
            );
            &assign
        }
        PickerKind::Group => &app.texts.today.group_title,
        PickerKind::Template => app.texts.action_text("apply_template"),
        PickerKind::Tier => &app.texts.members.pick_tier,
        PickerKind::MemberGroup => &app.texts.members.pick_group,
        PickerKind::Tag => &app.texts.members.pick_tag,
        PickerKind::SanctionLevel { .. } => &app.texts.members.pick_sanction,
        PickerKind::Identity { .. } => &app.texts.members.pick_identity,
        PickerKind::ContentGroup => &app.texts.members.pick_group,
        PickerKind::Snooze { .. } | PickerKind::SnoozeAll => &app.texts.reminders.pick_snooze,
        PickerKind::WordCategory => app.texts.action_text("add_word"),
    };
    let matches = picker_matches(items, input);
    let room = usize::from(area.height.saturating_sub(5)).max(1);
    let first = selected.saturating_sub(room - 1);
    let mut lines = vec![Line::from(vec![
        Span::styled(" > ", theme.key),
        Span::raw(input.to_string()),
        Span::styled("▏", theme.accent),
    ])];
    if matches.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("   {}", app.texts.no_match),
            theme.muted,
        )));
    }
    // a long item is cut with … inside the frame
    let item_w = usize::from(popup_width(area, 44).saturating_sub(5));
    // a group picker shows each group's positioning after its name, cut to fit
    let groups = matches!(
        kind,
        PickerKind::Group | PickerKind::MemberGroup | PickerKind::ContentGroup
    );
    for (i, item) in matches.iter().enumerate().skip(first).take(room) {
        let name = widgets::truncate(item, item_w);
        let about = groups
            .then(|| app.positioning_of(item))
            .flatten()
            .map(|p| {
                let left =
                    item_w.saturating_sub(unicode_width::UnicodeWidthStr::width(name.as_str()));
                widgets::truncate(&format!("  {p}"), left)
            })
            .filter(|p| p.trim().chars().count() > 1)
            .unwrap_or_default();
        lines.push(if i == selected {
            Line::from(vec![
                Span::styled(format!(" ▶ {name}"), theme.selected),
                Span::styled(about, theme.selected),
            ])
        } else {
            Line::from(vec![
                Span::raw(format!("   {name}")),
                Span::styled(about, theme.muted),
            ])
        });
    }
    // wide enough for the title (the assign picker names its item)
    let w = (unicode_width::UnicodeWidthStr::width(title as &str) as u16 + 4).max(44);
    let rect = popup(area, w, lines.len() as u16 + 2);
    clear_popup(frame, rect);
    let block = popup_block(format!(" {title} "), theme);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

#[allow(clippy::too_many_arguments)]
fn multipick(
    app: &App,
    frame: &mut Frame<'_>,
    area: Rect,
    theme: &Theme,
    template: &str,
    items: &[String],
    marked: &[usize],
    selected: usize,
) {
    let room = usize::from(area.height.saturating_sub(3)).max(1);
    let first = selected.saturating_sub(room - 1);
    let lines: Vec<Line<'_>> = items
        .iter()
        .enumerate()
        .skip(first)
        .take(room)
        .map(|(i, g)| {
            let g = widgets::truncate(g, usize::from(area.width.saturating_sub(9)));
            let mark = if marked.contains(&i) { "[x]" } else { "[ ]" };
            if i == selected {
                Line::from(Span::styled(format!(" ▶ {mark} {g}"), theme.selected))
            } else {
                Line::from(format!("   {mark} {g}"))
            }
        })
        .collect();
    let title = fill(&app.texts.today.apply_title, &[("template", &template)]);
    let w = (unicode_width::UnicodeWidthStr::width(title.as_str()) as u16 + 4).max(44);
    let rect = popup(area, w, lines.len() as u16 + 2);
    clear_popup(frame, rect);
    let block = popup_block(format!(" {title} "), theme);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
