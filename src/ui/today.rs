//! The Today tab: the day's SOP items across groups by time slot, a side panel
//! (completion and send quota per group, punctuality per operator), the walkthrough
//! and the month calendar.

use chrono::{Datelike, Days, NaiveDate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::columns::{Col, KEEP};
use super::widgets::{ListSpec, list, truncate, wrap};
use super::{Theme, clear_popup, date_time, popup, popup_block};
use crate::app::App;
use crate::app::today::NOW_ROW;
use crate::i18n::fill;
use crate::store::views::{DaySummary, SopRow};

/// The side panel's width.
const PANEL_W: u16 = 38;

/// Style of an item's state; an open item past its slot today is overdue (warning).
fn state_style(app: &App, theme: &Theme, r: &SopRow) -> Style {
    match r.state.as_str() {
        "done" => theme.ok,
        "missed" => theme.danger,
        "skipped" => theme.muted,
        _ if overdue(app, r) => theme.warning,
        _ => Style::default(),
    }
}

fn overdue(app: &App, r: &SopRow) -> bool {
    let real = app.real_today();
    let now = app.now.with_timezone(&app.tz).format("%H:%M").to_string();
    app.today_day < real || (app.today_day == real && r.slot < now)
}

/// "by" column: who did it, who is on it, or who it is for.
fn by(r: &SopRow) -> String {
    match (&r.done_by, &r.claimed_by, &r.assignee) {
        (Some(d), _, _) => d.clone(),
        (None, Some(c), _) => format!("✋{c}"),
        (None, None, Some(a)) => format!("→{a}"),
        _ => String::new(),
    }
}

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let shown = app.panel_shown(area.width);
    if shown && area.width >= crate::app::today::PANEL_AUTO_WIDTH {
        let [l, p] =
            Layout::horizontal([Constraint::Min(40), Constraint::Length(PANEL_W)]).areas(area);
        render_list(app, frame, l, theme);
        panel(app, frame, p, theme);
    } else {
        render_list(app, frame, area, theme);
        if shown {
            // too narrow to sit beside the list: it opens over it, `i` closes it
            let rows = app.sop.quotas.len() + app.sop.on_time.len() + 5;
            let rect = popup(area, PANEL_W, rows as u16);
            clear_popup(frame, rect);
            panel(app, frame, rect, theme);
        }
    }
}

/// The day's list as its title counts it: (done, all, missed). The calendar says the
/// same for that day, so the two never disagree on screen.
fn list_counts(app: &App) -> (i64, i64, i64) {
    let source = &app.sop.source;
    let count = |state: &str| source.iter().filter(|r| r.state == state).count() as i64;
    (count("done"), source.len() as i64, count("missed"))
}

fn render_list(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.today;
    let data = &app.today;
    let (done, total, missed) = list_counts(app);
    let day = app.today_day;
    let mut spans = vec![
        Span::styled(
            format!(
                " {} ",
                fill(
                    &t.title,
                    &[
                        ("date", &day.format("%Y-%m-%d")),
                        ("weekday", &app.texts.weekday(day.weekday()))
                    ]
                )
            ),
            theme.title,
        ),
        Span::styled(
            fill(&t.progress, &[("done", &done), ("total", &total)]),
            theme.accent,
        ),
    ];
    if missed > 0 {
        spans.push(Span::styled(
            format!(" · {}", fill(&t.missed, &[("n", &missed)])),
            theme.danger,
        ));
    }
    let over = app.sop.quotas.iter().filter(|q| q.over()).count();
    if over > 0 {
        spans.push(Span::styled(
            format!(" · ⚠ {}", fill(&t.over_quota, &[("n", &over)])),
            theme.danger,
        ));
    }
    let mut filters = Vec::new();
    if app.sop.mine {
        filters.push(t.filter_mine.clone());
    }
    if app.sop.undone {
        filters.push(t.filter_undone.clone());
    }
    if let Some(g) = &app.sop.group {
        filters.push(g.clone());
    }
    if !filters.is_empty() {
        spans.push(Span::styled(
            format!(" · [{}]", filters.join(" ")),
            theme.warning,
        ));
    }
    list(
        app,
        frame,
        area,
        theme,
        data,
        ListSpec {
            title: Line::from(spans),
            // the title and the group are never left out; on a narrow screen who goes
            // first, then the state, then the slot
            columns: vec![
                Col::whole(&t.col_slot, 4),
                Col::text(&t.col_group, KEEP, 10).want(16),
                Col::text(&t.col_title, KEEP, 12).want(20),
                Col::whole(&t.col_state, 3),
                Col::text(&t.col_by, 1, 6),
            ],
            empty: &t.empty,
        },
        |_, r| {
            if r.id == NOW_ROW {
                // drawn over the whole row below, not measured as a column's text
                return vec![Line::default(); 5];
            }
            let title = if r.note.is_some() {
                format!("{} ✎", r.title)
            } else {
                r.title.clone()
            };
            vec![
                Line::from(r.slot.clone()),
                Line::from(r.group.clone()),
                Line::from(title),
                Line::from(Span::styled(
                    app.texts.enum_text(&r.state).to_string(),
                    state_style(app, theme, r),
                )),
                Line::from(by(r)),
            ]
        },
    );
    now_rule(app, frame, area, theme);
}

/// The "now" row: a rule across the list, `── 现在 15:31 ──`, over the row the list
/// left blank for it (below the border and the header).
fn now_rule(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let data = &app.today;
    if !data.loaded || app.first_run().is_some() {
        return;
    }
    let h = super::widgets::list_height(area);
    let Some(pos) = data
        .visible
        .iter()
        .position(|&i| data.rows[i].id == NOW_ROW)
    else {
        return;
    };
    let offset = data.view_offset(h);
    if pos < offset || pos >= offset + h {
        return;
    }
    let y = area.y + 2 + (pos - offset) as u16;
    let w = usize::from(area.width.saturating_sub(2));
    if y + 1 >= area.bottom() || w < 10 {
        return;
    }
    let label = format!(
        "── {} ",
        fill(
            &app.texts.today.now_row,
            &[("time", &data.rows[data.visible[pos]].slot)]
        )
    );
    let used = 2 + 6 + unicode_width::UnicodeWidthStr::width(label.as_str());
    let text = format!("  ───── {label}{}", "─".repeat(w.saturating_sub(used)));
    frame.render_widget(
        Line::from(Span::styled(
            super::widgets::truncate(&text, w),
            theme.accent,
        )),
        Rect::new(area.x + 1, y, w as u16, 1),
    );
}

/// Completion and quota per group, punctuality per operator.
fn panel(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.today;
    let inner_w = usize::from(area.width.saturating_sub(2));
    let mut lines = vec![Line::from(Span::styled(
        t.panel_groups.clone(),
        theme.muted,
    ))];
    for q in &app.sop.quotas {
        let items: Vec<&SopRow> = app
            .sop
            .source
            .iter()
            .filter(|r| r.group_id == q.group_id)
            .collect();
        if items.is_empty() && q.used == 0 {
            continue;
        }
        let done = items.iter().filter(|r| r.state == "done").count();
        let progress = format!("{done}/{}", items.len());
        let quota = format!("{}/{}", q.used, q.limit);
        // name, then "  3/5" (5 wide) and "  12/31" (7 wide)
        let name_w = inner_w.saturating_sub(13);
        let name = truncate(&q.group, name_w);
        let pad = name_w.saturating_sub(unicode_width::UnicodeWidthStr::width(name.as_str()));
        let done_style = if done == items.len() && !items.is_empty() {
            theme.ok
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::raw(format!("{name}{}", " ".repeat(pad))),
            Span::styled(format!("{progress:>5}"), done_style),
            Span::styled(
                format!("{quota:>7}"),
                if q.over() { theme.danger } else { theme.muted },
            ),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        t.panel_on_time.clone(),
        theme.muted,
    )));
    for o in &app.sop.on_time {
        let pct = if o.done > 0 {
            o.on_time * 100 / o.done
        } else {
            0
        };
        let style = match pct {
            90.. => theme.ok,
            70..90 => Style::default(),
            _ => theme.warning,
        };
        lines.push(Line::from(vec![
            Span::raw(format!("{:<12}", truncate(&o.operator, 12))),
            Span::styled(format!("{pct:>4}%"), style),
            Span::styled(format!(" {}/{}", o.on_time, o.done), theme.muted),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub fn detail(app: &App) -> Vec<(String, String)> {
    let t = &app.texts.today;
    let Some(r) = app.today.current() else {
        return Vec::new();
    };
    let mut fields = vec![
        (
            t.col_slot.clone(),
            format!(
                "{} {} → {}",
                r.day,
                r.slot,
                r.expires.clone().unwrap_or_default()
            ),
        ),
        (t.col_group.clone(), r.group.clone()),
        (t.col_title.clone(), r.title.clone()),
        (
            t.col_state.clone(),
            app.texts.enum_text(&r.state).to_string(),
        ),
        (
            t.col_by.clone(),
            match (&r.done_by, r.done_at) {
                (Some(by), Some(at)) => format!("{by} · {}", date_time(app, at)),
                _ => by(r),
            },
        ),
    ];
    // who it was given to and who took it, whoever did it in the end
    if let Some(a) = &r.assignee {
        fields.push((t.detail_assignee.clone(), a.clone()));
    }
    if let Some(c) = &r.claimed_by {
        fields.push((t.detail_claimed.clone(), c.clone()));
    }
    if let Some(n) = &r.note {
        fields.push(("✎".to_string(), n.clone()));
    }
    fields.push((t.script.clone(), app.filled_script(r)));
    fields
}

/// The walkthrough: the current item's script, filled in, with its keys.
pub fn walk(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.today;
    let (Some((pos, total)), Some(r)) = (app.walk_position(), app.walk_item()) else {
        return;
    };
    let w = area.width.min(76);
    let text_w = usize::from(w.saturating_sub(4)).max(1);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!(" {} ", r.slot), theme.key),
            Span::styled(r.group.clone(), theme.title),
            Span::raw(format!(" · {} · ", r.title)),
            Span::styled(
                app.texts.enum_text(&r.state).to_string(),
                state_style(app, theme, r),
            ),
        ]),
        Line::from(""),
    ];
    for para in app.filled_script(r).lines() {
        for l in wrap(para, text_w) {
            lines.push(Line::from(format!(" {l}")));
        }
    }
    lines.push(Line::from(""));
    // the walkthrough's keys: the hint line's own list (one source, the keymap), on
    // as many lines as they take; a key and its label are never split
    let mut hints = vec![Span::raw(" ")];
    let mut used = 1;
    for (key, label) in super::key_hints(app) {
        let label = format!(" {label}  ");
        let w = super::columns::width(&key) + super::columns::width(&label);
        if used + w > text_w + 2 && used > 1 {
            lines.push(Line::from(std::mem::take(&mut hints)));
            hints.push(Span::raw(" "));
            used = 1;
        }
        hints.push(Span::styled(key, theme.key));
        hints.push(Span::styled(label, theme.muted));
        used += w;
    }
    lines.push(Line::from(hints));
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = popup(area, w, h);
    clear_popup(frame, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent)
        .title(Span::styled(
            format!(
                " {} ",
                fill(&t.walk_title, &[("pos", &pos), ("total", &total)])
            ),
            theme.title,
        ));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// How a day of the calendar went: the share of its items missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayWent {
    /// None missed.
    Good,
    /// Up to a fifth missed.
    Some,
    /// More than a fifth missed.
    Bad,
}

impl DayWent {
    /// None for a day without items, or one still to come.
    fn of(s: &DaySummary, future: bool) -> Option<DayWent> {
        if s.items == 0 || future {
            return None;
        }
        Some(match s.missed {
            0 => DayWent::Good,
            m if m * 5 <= s.items => DayWent::Some,
            _ => DayWent::Bad,
        })
    }

    fn symbol(self) -> &'static str {
        match self {
            DayWent::Good => "✓",
            DayWent::Some => "~",
            DayWent::Bad => "!",
        }
    }
}

/// The month calendar with its date cursor; each day coloured by how it went.
pub fn calendar(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme, cursor: NaiveDate) {
    let t = &app.texts.today;
    let first = cursor.with_day(1).unwrap_or(cursor);
    let summary = app
        .sop
        .calendar
        .as_ref()
        .filter(|(m, _)| m.year() == cursor.year() && m.month() == cursor.month())
        .map(|(_, s)| s.as_slice())
        .unwrap_or(&[]);
    let mut lines = vec![Line::from(
        (0..7)
            .map(|i| {
                let wd = chrono::Weekday::try_from(i as u8).unwrap_or(chrono::Weekday::Mon);
                // centred by display width: a Chinese weekday is two columns per char
                let name = app.texts.weekday(wd);
                let w = unicode_width::UnicodeWidthStr::width(name);
                let left = 5usize.saturating_sub(w) / 2;
                let right = 5usize.saturating_sub(w + left);
                Span::styled(
                    format!("{}{name}{}", " ".repeat(left), " ".repeat(right)),
                    theme.muted,
                )
            })
            .collect::<Vec<_>>(),
    )];
    let lead = first.weekday().num_days_from_monday() as usize;
    let mut week: Vec<Span<'_>> = vec![Span::raw("     "); lead];
    let real = app.real_today();
    let mut day = first;
    while day.month() == first.month() {
        let stats = summary.iter().find(|s| s.day == day);
        // how the day went, by the share of its items missed: a symbol (NO_COLOR and
        // colour-blind readers) and a colour
        let how = stats.and_then(|s| DayWent::of(s, day > real));
        let mut style = match how {
            Some(DayWent::Good) => theme.ok,
            Some(DayWent::Some) => theme.warning,
            Some(DayWent::Bad) => theme.danger,
            None => theme.muted,
        };
        let mark = how.map_or(" ", DayWent::symbol);
        if day == real {
            style = style.add_modifier(Modifier::UNDERLINED);
        }
        let text = if day == cursor {
            style = style.patch(theme.selected);
            format!("[{:>2}{mark}]", day.day())
        } else {
            format!(" {:>2}{mark} ", day.day())
        };
        week.push(Span::styled(text, style));
        if week.len() == 7 {
            lines.push(Line::from(std::mem::take(&mut week)));
        }
        match day.checked_add_days(Days::new(1)) {
            Some(d) => day = d,
            None => break,
        }
    }
    if !week.is_empty() {
        lines.push(Line::from(week));
    }
    // what the marks mean
    lines.push(Line::from(""));
    let legend = [DayWent::Good, DayWent::Some, DayWent::Bad]
        .iter()
        .flat_map(|w| {
            let style = match w {
                DayWent::Good => theme.ok,
                DayWent::Some => theme.warning,
                DayWent::Bad => theme.danger,
            };
            let label = match w {
                DayWent::Good => &t.calendar_good,
                DayWent::Some => &t.calendar_some,
                DayWent::Bad => &t.calendar_bad,
            };
            [
                Span::styled(format!(" {}", w.symbol()), style),
                Span::styled(format!(" {label} "), theme.muted),
            ]
        })
        .collect::<Vec<_>>();
    lines.push(Line::from(legend));
    // the day the list shows counts what the list counts (its content posts and the
    // open alert tasks carried over from earlier days too), else the day's SOP items
    let counts = if cursor == app.today_day && app.today.loaded {
        let (done, items, missed) = list_counts(app);
        Some((done, items, missed))
    } else {
        summary
            .iter()
            .find(|s| s.day == cursor)
            .map(|s| (s.done, s.items, s.missed))
    };
    if let Some((done, items, missed)) = counts.filter(|c| c.1 > 0) {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!(
                " {} · {} · {}",
                cursor,
                fill(&t.progress, &[("done", &done), ("total", &items)]),
                fill(&t.missed, &[("n", &missed)])
            ),
            theme.muted,
        )));
    }
    let month = match app.lang {
        crate::i18n::Lang::Zh => format!("{}年{}月", first.year(), first.month()),
        crate::i18n::Lang::En => first.format("%B %Y").to_string(),
    };
    // wide enough for the legend and the day's line
    let w = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 3;
    let rect = popup(area, w.max(39), lines.len() as u16 + 2);
    clear_popup(frame, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent)
        .title(Span::styled(
            format!(" {} ", fill(&t.calendar_title, &[("month", &month)])),
            theme.title,
        ));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// The script editor: ratatui-textarea in a popup. The terminal's own cursor is put at
/// the caret, so a Chinese input method's candidate window opens where one types.
pub fn editor(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.today;
    let Some(ed) = &app.editor else { return };
    let rect = popup(area, area.width.min(80), area.height.min(14));
    clear_popup(frame, rect);
    let block = popup_block(format!(" {} · {} ", t.editor_title, ed.label), theme);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [text_area, error_line, hint_line] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(&ed.textarea, text_area);
    if let Some(e) = &ed.error {
        frame.render_widget(
            Line::from(Span::styled(e.clone(), theme.danger)),
            error_line,
        );
    }
    frame.render_widget(
        Line::from(Span::styled(t.editor_hint.clone(), theme.muted)),
        hint_line,
    );
    // rendering recorded the scroll position; place the real cursor on the caret
    super::widgets::place_cursor(frame, &ed.textarea, text_area);
}
