//! The Today tab: the day's SOP items across groups, by time slot.

use chrono::Datelike;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::widgets::{ListSpec, list, list_height};
use super::{Theme, date_time};
use crate::app::App;
use crate::i18n::fill;

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.today;
    let data = &app.today;
    let done = data.rows.iter().filter(|r| r.state == "done").count();
    let day = app.today_day;
    let title = Line::from(vec![
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
            fill(&t.progress, &[("done", &done), ("total", &data.rows.len())]),
            theme.accent,
        ),
    ]);
    let now_hhmm = app.now.with_timezone(&app.tz).format("%H:%M").to_string();
    let rows = data
        .window(list_height(area))
        .map(|(_, r)| {
            let state_style = match r.state.as_str() {
                "done" => theme.ok,
                "missed" => theme.danger,
                "skipped" => theme.muted,
                // past its slot and still open: overdue
                _ if r.slot < now_hhmm => theme.warning,
                _ => ratatui::style::Style::default(),
            };
            let by = r
                .done_by
                .clone()
                .or_else(|| r.claimed_by.as_ref().map(|c| format!("{c} …")))
                .unwrap_or_default();
            Row::new(vec![
                Cell::from(r.slot.clone()),
                Cell::from(r.group.clone()),
                Cell::from(r.title.clone()),
                Cell::from(Span::styled(
                    app.texts.enum_text(&r.state).to_string(),
                    state_style,
                )),
                Cell::from(by),
            ])
        })
        .collect();
    list(
        app,
        frame,
        area,
        theme,
        data,
        ListSpec {
            title,
            columns: vec![
                (&t.col_slot, Constraint::Length(5)),
                (&t.col_group, Constraint::Percentage(30)),
                (&t.col_title, Constraint::Fill(1)),
                (&t.col_state, Constraint::Length(6)),
                (&t.col_by, Constraint::Length(10)),
            ],
            empty: &t.empty,
        },
        rows,
    );
}

pub fn detail(app: &App) -> Vec<(String, String)> {
    let t = &app.texts.today;
    let Some(r) = app.today.current() else {
        return Vec::new();
    };
    vec![
        (t.col_slot.clone(), format!("{} {}", app.today_day, r.slot)),
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
                (Some(by), None) => by.clone(),
                _ => r.claimed_by.clone().unwrap_or_default(),
            },
        ),
        ("✎".to_string(), r.note.clone().unwrap_or_default()),
    ]
}
