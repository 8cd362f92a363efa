//! The Reminders tab — what is due, snoozed, coming soon, and dismissed today, one
//! row per thing, the section named on its first row; reminders of one kind and day as
//! one line ("▸ 新人 3 天未发言,私聊激活 · 28 人", ▾ and its reminders under it once
//! opened) — and the toast that shows what just fired over the top right corner.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::columns::{Col, KEEP};
use super::widgets::{ListSpec, list, list_height, truncate};
use super::{Theme, clear_popup, date_time, popup_block};
use crate::app::App;
use crate::i18n::fill;
use crate::store::reminders::Section;

fn section_label(app: &App, s: Section) -> &str {
    let t = &app.texts.reminders;
    match s {
        Section::Due => &t.sec_due,
        Section::Snoozed => &t.sec_snoozed,
        Section::Upcoming => &t.sec_upcoming,
        Section::Done => &t.sec_done,
    }
}

fn section_style(theme: &Theme, s: Section) -> Style {
    match s {
        Section::Due => theme.warning,
        Section::Snoozed => theme.accent,
        Section::Upcoming => Style::default(),
        Section::Done => theme.muted,
    }
}

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.reminders;
    let data = &app.reminders;
    let now = app.now.timestamp();
    let section_of = |pos: usize| {
        data.visible
            .get(pos)
            .map(|&i| data.rows[i].row.section(now))
    };
    // how many things in each section, in the title: " 提醒 · 到点 3 · 稍后 1 · 即将 14 "
    // (a bundle is one; the reminders listed under it are not counted again)
    let mut spans = vec![Span::styled(format!(" {}", t.title), theme.title)];
    for s in [Section::Due, Section::Snoozed, Section::Upcoming] {
        let n = (0..data.visible.len())
            .filter(|&p| section_of(p) == Some(s) && !data.rows[data.visible[p]].inner)
            .count();
        if n > 0 {
            spans.push(Span::styled(
                format!(" · {} {n}", section_label(app, s)),
                section_style(theme, s),
            ));
        }
    }
    let top = data.view_offset(list_height(area));
    list(
        app,
        frame,
        area,
        theme,
        data,
        ListSpec {
            title: Line::from(spans),
            // what and for which group stay; for whom goes first, then the section
            columns: vec![
                Col::whole(&t.col_state, 2),
                Col::whole(&t.col_due, 3),
                Col::text(&t.col_title, KEEP, 12).want(20).tail(),
                Col::text(&t.col_group, KEEP, 8).want(14),
                Col::text(&t.col_for, 1, 6),
            ],
            empty: &t.empty,
        },
        |pos, line| {
            let r = &line.row;
            let s = r.section(now);
            // the section's name on its first row (and on the top row of the window)
            let label = if pos == top || pos == 0 || section_of(pos - 1) != Some(s) {
                section_label(app, s)
            } else {
                ""
            };
            let when = match (r.state.as_str(), r.snoozed_until) {
                ("snoozed", Some(until)) => format!("{} ⏱", date_time(app, until)),
                _ => date_time(app, r.due_at),
            };
            let muted = |text: String| {
                if s == Section::Done {
                    Line::from(Span::styled(text, theme.muted))
                } else {
                    Line::from(text)
                }
            };
            // a bundle's count (`· 24 people`) comes last, after a ` · `: its own span,
            // kept when the text is cut (`Col::tail`)
            let mut counted = false;
            let (text, group) = if line.bundle.is_empty() {
                // under its bundle's line, which says what kind it is: a member's
                // name, an item's title
                let text = match (line.inner, r.source.as_str()) {
                    (true, "member" | "review") => format!("  · {}", r.title),
                    (true, _) => format!("  · {}", app.reminder_text(r)),
                    _ => app.reminder_text(r),
                };
                (text, r.group.clone().unwrap_or_default())
            } else {
                let groups = line.groups();
                let mark = if line.open { "▾" } else { "▸" };
                let group = match groups {
                    0 => String::new(),
                    1 => r.group.clone().unwrap_or_default(),
                    n => fill(&t.toast_groups, &[("n", &n)]),
                };
                // one step in several groups: the group column counts them
                let text = if groups > 1 && !matches!(r.source.as_str(), "member" | "review") {
                    app.reminder_text(r)
                } else {
                    counted = true;
                    app.bundle_text(r, line.bundle.len(), groups)
                };
                (format!("{mark} {text}"), group)
            };
            vec![
                Line::from(Span::styled(label.to_string(), section_style(theme, s))),
                muted(when),
                match text.rsplit_once(" · ").filter(|_| counted) {
                    Some((head, tail)) => {
                        let mut l = muted(head.to_string());
                        l.spans.extend(muted(format!(" · {tail}")).spans);
                        l
                    }
                    None => muted(text),
                },
                muted(group),
                muted(r.for_login.clone().unwrap_or_else(|| t.everyone.clone())),
            ]
        },
    );
}

pub fn detail(app: &App) -> Vec<(String, String)> {
    let t = &app.texts.reminders;
    let Some(r) = app.reminders.current().map(|l| &l.row) else {
        return Vec::new();
    };
    let now = app.now.timestamp();
    let mut fields = vec![
        (t.col_due.clone(), date_time(app, r.due_at)),
        (t.col_title.clone(), app.reminder_text(r)),
        (t.col_group.clone(), r.group.clone().unwrap_or_default()),
        (
            t.col_state.clone(),
            section_label(app, r.section(now)).to_string(),
        ),
        (
            t.col_for.clone(),
            r.for_login.clone().unwrap_or_else(|| t.everyone.clone()),
        ),
        (
            t.col_source.clone(),
            t.sources
                .get(&r.source)
                .cloned()
                .unwrap_or_else(|| r.source.clone()),
        ),
    ];
    if let Some(at) = r.fired_at {
        fields.push((t.col_fired.clone(), date_time(app, at)));
    }
    if let Some(until) = r.snoozed_until {
        fields.push((t.col_until.clone(), date_time(app, until)));
    }
    if let Some(by) = &r.dismissed_by {
        fields.push((t.col_by.clone(), by.clone()));
    }
    if let Some(body) = &r.body {
        fields.push((t.col_note.clone(), body.clone()));
    }
    fields
}

/// Lines a toast shows before it says how many more there are.
const TOAST_LINES: usize = 4;

/// What just fired, over the top right corner of `area`. Drawing only: the keys go on
/// to whatever has them.
pub fn toast(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let Some(toast) = &app.toast else {
        return;
    };
    let lines = app.toast_lines();
    if lines.is_empty() || area.width < 24 || area.height < 4 {
        return;
    }
    let t = &app.texts.reminders;
    // room for the text: at most half the screen wider than 80 columns, so what is
    // being typed stays in view
    let max_w = usize::from(area.width.saturating_sub(2)).min(usize::from(area.width / 2).max(46));
    let inner = max_w.saturating_sub(2);
    let mut text: Vec<Line<'_>> = lines
        .iter()
        .take(TOAST_LINES)
        .map(|l| Line::from(truncate(l, inner)))
        .collect();
    if lines.len() > TOAST_LINES {
        let more = fill(&t.toast_more, &[("n", &(lines.len() - TOAST_LINES))]);
        text.push(Line::from(Span::styled(
            truncate(&more, inner),
            theme.muted,
        )));
    }
    let title = format!(" {} · {} ", t.toast_title, toast.rows.len());
    let widest = text
        .iter()
        .map(Line::width)
        .chain([title.width()])
        .max()
        .unwrap_or(0);
    let w = u16::try_from(widest + 2)
        .unwrap_or(u16::MAX)
        .min(area.width);
    let h = u16::try_from(text.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height);
    // its right border on the body's, its top on the body's top border
    let rect = Rect::new(area.right().saturating_sub(w).max(area.x), area.y, w, h);
    clear_popup(frame, rect);
    let block = popup_block(title, theme).border_style(theme.warning);
    frame.render_widget(Paragraph::new(text).block(block), rect);
}
