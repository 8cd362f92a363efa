//! The Reminders tab: fired and snoozed first, then what is coming.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::widgets::{ListSpec, list, list_height};
use super::{Theme, date_time};
use crate::app::App;

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.reminders;
    let data = &app.reminders;
    let title = Line::from(Span::styled(format!(" {} ", t.title), theme.title));
    let now = app.now.timestamp();
    let rows = data
        .window(list_height(area))
        .map(|(_, r)| {
            let style = match r.state.as_str() {
                "fired" => theme.warning,
                "pending" if r.due_at <= now => theme.warning,
                "dismissed" => theme.muted,
                _ => Style::default(),
            };
            let due = match (r.state.as_str(), r.snoozed_until) {
                ("snoozed", Some(until)) => format!("{} ⏱", date_time(app, until)),
                _ => date_time(app, r.due_at),
            };
            Row::new(vec![
                Cell::from(due),
                Cell::from(r.title.clone()),
                Cell::from(r.group.clone().unwrap_or_default()),
                Cell::from(Span::styled(
                    app.texts.enum_text(&r.state).to_string(),
                    style,
                )),
                Cell::from(r.for_login.clone().unwrap_or_else(|| t.everyone.clone())),
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
                (&t.col_due, Constraint::Length(13)),
                (&t.col_title, Constraint::Fill(1)),
                (&t.col_group, Constraint::Length(18)),
                (&t.col_state, Constraint::Length(9)),
                (&t.col_for, Constraint::Length(9)),
            ],
            empty: &t.empty,
        },
        rows,
    );
}

pub fn detail(app: &App) -> Vec<(String, String)> {
    let t = &app.texts.reminders;
    let Some(r) = app.reminders.current() else {
        return Vec::new();
    };
    vec![
        (t.col_due.clone(), date_time(app, r.due_at)),
        (t.col_title.clone(), r.title.clone()),
        (t.col_group.clone(), r.group.clone().unwrap_or_default()),
        (
            t.col_state.clone(),
            app.texts.enum_text(&r.state).to_string(),
        ),
        (
            t.col_for.clone(),
            r.for_login.clone().unwrap_or_else(|| t.everyone.clone()),
        ),
    ]
}
