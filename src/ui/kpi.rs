//! The KPIs tab: per group, the daily active rate over the last 30 days as a sparkline
//! coloured by the alarm / target / excellent bands of `data/rules.toml`.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::Theme;
use super::widgets::{ListSpec, list, list_height, sparkline};
use crate::app::{App, KPI_DAYS};
use crate::domain::rules::Band;
use crate::domain::stage::Stage;
use crate::i18n::fill;
use crate::store::views::KpiRow;

pub fn band_style(theme: &Theme, band: Band) -> Style {
    match band {
        Band::Alarm => theme.danger,
        Band::Low => theme.warning,
        Band::Target => theme.ok,
        Band::Excellent => theme.excellent,
    }
}

fn stage(app: &App, r: &KpiRow) -> String {
    let age = NaiveDate::parse_from_str(&r.created_on, "%Y-%m-%d")
        .map(|c| (app.today_day - c).num_days())
        .unwrap_or(0);
    app.texts
        .enum_text(Stage::of_age(age, &app.rules.kpi.stages).word())
        .to_string()
}

fn latest(r: &KpiRow) -> Option<f64> {
    r.dau_rate.iter().rev().find_map(|v| *v)
}

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    // Below 100 columns the last two weeks, so group names keep room to be read.
    let days: usize = if area.width < 100 {
        14
    } else {
        KPI_DAYS as usize
    };
    let t = &app.texts.kpi;
    let data = &app.kpi;
    let bands = app.rules.kpi.dau_rate;
    let title = Line::from(Span::styled(
        format!(" {} ", fill(&t.title, &[("n", &days)])),
        theme.title,
    ));
    // One scale for every group, so the sparklines compare across rows.
    let max = data
        .rows
        .iter()
        .flat_map(|r| r.dau_rate.iter().flatten())
        .fold(bands.excellent, |a, &b| a.max(b));
    let rows = data
        .window(list_height(area))
        .map(|(_, r)| {
            let dau = latest(r);
            Row::new(vec![
                Cell::from(r.group.clone()),
                Cell::from(stage(app, r)),
                Cell::from(
                    Line::from(r.members.map_or(String::new(), |m| format!("{m:.0}")))
                        .right_aligned(),
                ),
                Cell::from(
                    Line::from(Span::styled(
                        dau.map_or(String::new(), |v| format!("{:.1}%", v * 100.0)),
                        dau.map_or(Style::default(), |v| band_style(theme, bands.band(v))),
                    ))
                    .right_aligned(),
                ),
                Cell::from(sparkline(
                    &r.dau_rate[r.dau_rate.len().saturating_sub(days)..],
                    max,
                    |v| band_style(theme, bands.band(v)),
                )),
                Cell::from(
                    Line::from(
                        r.messages_per_day
                            .map_or(String::new(), |m| format!("{m:.0}")),
                    )
                    .right_aligned(),
                ),
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
                (&t.col_group, Constraint::Fill(1)),
                (&t.col_stage, Constraint::Length(10)),
                (&t.col_members, Constraint::Length(7)),
                (&t.col_dau, Constraint::Length(7)),
                (&t.col_trend, Constraint::Length(days as u16)),
                (&t.col_msgs, Constraint::Length(8)),
            ],
            empty: &t.empty,
        },
        rows,
    );
}

pub fn detail(app: &App) -> Vec<(String, String)> {
    let t = &app.texts.kpi;
    let Some(r) = app.kpi.current() else {
        return Vec::new();
    };
    vec![
        (t.col_group.clone(), format!("{} · {}", r.group, r.kind)),
        (
            t.col_stage.clone(),
            format!("{} · {}", stage(app, r), r.created_on),
        ),
        (
            t.col_members.clone(),
            r.members.map_or(String::new(), |m| format!("{m:.0}")),
        ),
        (
            t.col_dau.clone(),
            latest(r).map_or(String::new(), |v| format!("{:.1}%", v * 100.0)),
        ),
        (
            t.col_msgs.clone(),
            r.messages_per_day
                .map_or(String::new(), |m| format!("{m:.1}")),
        ),
    ]
}
