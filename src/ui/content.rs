//! The Content tab: the queue by pipeline state (review first: it waits on someone).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::widgets::{ListSpec, list, list_height};
use super::{Theme, date_time};
use crate::app::App;

fn state_style(theme: &Theme, state: &str) -> Style {
    match state {
        "review" => theme.warning,
        "scheduled" => theme.accent,
        "published" => theme.ok,
        "reviewed" => theme.muted,
        _ => Style::default(),
    }
}

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.content;
    let data = &app.content;
    let title = Line::from(Span::styled(format!(" {} ", t.title), theme.title));
    let rows = data
        .window(list_height(area))
        .map(|(_, r)| {
            Row::new(vec![
                Cell::from(Span::styled(
                    app.texts.enum_text(&r.state).to_string(),
                    state_style(theme, &r.state),
                )),
                Cell::from(r.title.clone()),
                Cell::from(app.texts.enum_text(&r.kind).to_string()),
                Cell::from(app.texts.enum_text(&r.form).to_string()),
                Cell::from(r.slot.map(|s| date_time(app, s)).unwrap_or_default()),
                Cell::from(r.owner.clone()),
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
                (&t.col_state, Constraint::Length(9)),
                (&t.col_title, Constraint::Fill(1)),
                (&t.col_kind, Constraint::Length(7)),
                (&t.col_form, Constraint::Length(9)),
                (&t.col_slot, Constraint::Length(11)),
                (&t.col_owner, Constraint::Length(9)),
            ],
            empty: &t.empty,
        },
        rows,
    );
}

pub fn detail(app: &App) -> Vec<(String, String)> {
    let t = &app.texts.content;
    let Some(r) = app.content.current() else {
        return Vec::new();
    };
    vec![
        (t.col_title.clone(), r.title.clone()),
        (
            t.col_state.clone(),
            app.texts.enum_text(&r.state).to_string(),
        ),
        (t.col_kind.clone(), app.texts.enum_text(&r.kind).to_string()),
        (t.col_form.clone(), app.texts.enum_text(&r.form).to_string()),
        (
            t.col_slot.clone(),
            r.slot.map(|s| date_time(app, s)).unwrap_or_default(),
        ),
        (t.col_owner.clone(), r.owner.clone()),
        (app.texts.tabs.members.clone(), r.groups.join("、")),
    ]
}
