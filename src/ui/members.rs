//! The Members tab: one row per member per group, with tier, last message and 30-day
//! volume. Only the rows in view are built, so 100,000 members scroll as fast as 100.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::Theme;
use super::widgets::{ListSpec, list, list_height, truncate};

const NAME_W: usize = 16;
const GROUP_W: usize = 20;
use crate::app::App;
use crate::i18n::fill;

pub fn tier_style(theme: &Theme, tier: &str) -> Style {
    match tier {
        "core" => theme.excellent,
        "active" => theme.ok,
        "new" => theme.accent,
        "silent" => theme.warning,
        "left" => theme.muted,
        _ => Style::default(),
    }
}

/// "3 天前" / "today" / "never" relative to the Today tab's day.
pub fn last_spoke(app: &App, day: Option<&str>) -> String {
    let t = &app.texts.members;
    match day.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
        None => t.never.clone(),
        Some(d) => match (app.today_day - d).num_days() {
            n if n <= 0 => t.today.clone(),
            n => fill(&t.days_ago, &[("n", &n)]),
        },
    }
}

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.members;
    let data = &app.members;
    let title = Line::from(Span::styled(format!(" {} ", t.title), theme.title));
    let rows = data
        .window(list_height(area))
        .map(|(_, r)| {
            // cut with an ellipsis so a long nickname is visibly longer, not silently lost
            let name = if r.kol {
                format!("{} ★", truncate(&r.name, NAME_W - 2))
            } else {
                truncate(&r.name, NAME_W)
            };
            Row::new(vec![
                Cell::from(name),
                Cell::from(truncate(&r.group, GROUP_W)),
                Cell::from(Span::styled(
                    app.texts.enum_text(&r.tier).to_string(),
                    tier_style(theme, &r.tier),
                )),
                Cell::from(last_spoke(app, r.last_spoke.as_deref())),
                Cell::from(Line::from(r.messages_30d.to_string()).right_aligned()),
                Cell::from(Span::styled(
                    r.tier_reason.clone().unwrap_or_default(),
                    theme.muted,
                )),
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
                (&t.col_name, Constraint::Length(NAME_W as u16)),
                (&t.col_group, Constraint::Length(GROUP_W as u16)),
                (&t.col_tier, Constraint::Length(6)),
                (&t.col_last, Constraint::Length(8)),
                (&t.col_30d, Constraint::Length(5)),
                (&t.col_reason, Constraint::Fill(1)),
            ],
            empty: &t.empty,
        },
        rows,
    );
}

pub fn detail(app: &App) -> Vec<(String, String)> {
    let t = &app.texts.members;
    let Some(r) = app.members.current() else {
        return Vec::new();
    };
    vec![
        (
            t.col_name.clone(),
            format!("{}{}", r.name, if r.kol { " ★ KOL" } else { "" }),
        ),
        (t.col_group.clone(), r.group.clone()),
        (t.col_tier.clone(), app.texts.enum_text(&r.tier).to_string()),
        (
            t.col_reason.clone(),
            r.tier_reason.clone().unwrap_or_default(),
        ),
        (t.col_last.clone(), last_spoke(app, r.last_spoke.as_deref())),
        (t.col_30d.clone(), r.messages_30d.to_string()),
    ]
}
