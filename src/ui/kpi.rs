//! The KPIs tab: the all-groups row, then the groups ranked by health, each with its
//! lifecycle stage, the last 7 days of the chosen banded metric (日活率, 消息衰减 or KOL
//! 产出比) coloured by its band, the change against the week before, and a sparkline
//! over 30 or 90 days whose every cell is coloured by the band of the days it stands
//! for; the stage's first key metric, the open alerts and the member count where there
//! is room (the column model of `super::columns` decides).
//! The open alerts sit below. `Enter` opens a group's details (the stage's key
//! metrics first), `e` the form for a value only WeChat sees.
//!
//! A sparkline has fewer cells than days when the column is narrow: each cell is the
//! mean of equal runs of days ending today (2 days a cell for 30 days in 15 cells), so
//! the whole window stays in view instead of its last fortnight.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::Theme;
use super::columns::{Col, KEEP, truncate_line};
use super::widgets::{ListSpec, list};
use crate::app::App;
use crate::app::kpi::{FormField, KpiForm};
use crate::domain::kpi::{Band, Thresholds};
use crate::domain::kpi::{Metric, Wow, mean};
use crate::domain::stage::Stage;
use crate::i18n::fill;
use crate::store::kpi::{AlertRow, GroupKpi};

/// Below this width the sparklines have 15 cells.
const WIDE: u16 = 100;

pub fn band_style(theme: &Theme, band: Band) -> Style {
    match band {
        Band::Alarm => theme.danger,
        Band::Low => theme.warning,
        Band::Target => theme.ok,
        Band::Excellent => theme.excellent,
    }
}

/// The style of a value of `m`: its band's colour when it has bands.
fn value_style(app: &App, theme: &Theme, m: Metric, v: f64) -> Style {
    app.rules
        .kpi
        .bands(m)
        .map_or(Style::default(), |b| band_style(theme, b.band(v)))
}

/// Means of equal runs of `values` so that at most `cells` remain, the last run ending
/// with the last value (the latest day is always a cell of its own run).
pub fn buckets(values: &[Option<f64>], cells: usize) -> Vec<Option<f64>> {
    if cells == 0 || values.is_empty() {
        return Vec::new();
    }
    let per = values.len().div_ceil(cells);
    let mut out: Vec<Option<f64>> = values.rchunks(per).map(mean).collect();
    out.reverse();
    out
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One character per value between `lo` and `hi`; a gap is a space.
fn spark<'a>(values: &[Option<f64>], lo: f64, hi: f64, style: impl Fn(f64) -> Style) -> Line<'a> {
    let span = (hi - lo).max(1e-9);
    Line::from(
        values
            .iter()
            .map(|v| match v {
                Some(v) => {
                    let idx = (((v - lo) / span) * 7.0).round().clamp(0.0, 7.0) as usize;
                    Span::styled(BARS[idx].to_string(), style(*v))
                }
                None => Span::raw(" "),
            })
            .collect::<Vec<_>>(),
    )
}

/// The range a metric's sparklines share: from 0 (or below, for a growth shown as a
/// negative decline) to the largest value, and at least to the excellent (or alarm)
/// line so a flat low series does not fill the cell.
fn scale(values: impl Iterator<Item = f64>, bands: Option<Thresholds>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if let Some(b) = bands {
        hi = hi.max(b.excellent.max(b.alarm));
    }
    (lo, hi)
}

fn stage_text(app: &App, stage: Option<Stage>) -> String {
    stage.map_or_else(String::new, |s| app.texts.enum_text(s.word()).to_string())
}

fn metric_text(app: &App, m: Metric) -> String {
    app.texts.enum_text(&m.label_key()).to_string()
}

/// A metric's value for the week and the week before (the same figure `shequn kpi`
/// shows: `domain::kpi::week_figure`).
fn week(r: &GroupKpi, m: Metric) -> Option<Wow> {
    crate::domain::kpi::week_figure(&r.frame, m)
}

/// `▲0.4` / `▼6.7` in the colour of better / worse.
fn wow_span<'a>(theme: &Theme, m: Metric, w: Option<Wow>) -> Span<'a> {
    let Some(w) = w else {
        return Span::raw("");
    };
    let Some(d) = w.delta() else {
        return Span::raw("");
    };
    let text = m.show_delta(d);
    let digits = text.trim_start_matches(['+', '-']);
    match w.improved(m) {
        None => Span::styled(format!("={digits}"), theme.muted),
        Some(better) => Span::styled(
            format!("{}{digits}", if d > 0.0 { '▲' } else { '▼' }),
            if better { theme.ok } else { theme.warning },
        ),
    }
}

/// A group's first key metric with a value in the last 7 days (other than the one the
/// row already shows): label and value.
fn key_metric(app: &App, theme: &Theme, r: &GroupKpi, shown: Metric) -> Line<'static> {
    let Some(stage) = r.stage else {
        return Line::from("");
    };
    for &m in stage.key_metrics().iter().filter(|m| **m != shown) {
        let Some(v) = mean(&r.frame.tail(m, 7)) else {
            continue;
        };
        return Line::from(vec![
            Span::styled(format!("{} ", metric_text(app, m)), theme.muted),
            Span::styled(m.show(v), value_style(app, theme, m, v)),
        ]);
    }
    Line::from("")
}

pub fn render(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    if app.kpi_view.launch {
        return super::launch::render(app, frame, area, theme);
    }
    let alerts = &app.kpi_view.alerts;
    let panel = if alerts.is_empty() || !app.kpi.loaded {
        0
    } else {
        (alerts.len() as u16 + 2).min(area.height / 3).max(3)
    };
    let [table_area, alerts_area] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(panel)]).areas(area);
    table(app, frame, table_area, theme);
    if panel > 0 {
        alerts_panel(app, frame, alerts_area, theme);
    }
}

fn table(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.kpi;
    let view = &app.kpi_view;
    let m = view.spark_metric();
    let days = view.days as usize;
    let cells = if area.width >= WIDE { 30 } else { 15 };
    let title = Line::from(Span::styled(
        format!(
            " {} ",
            fill(&t.title, &[("n", &days), ("metric", &metric_text(app, m))])
        ),
        theme.title,
    ));
    let bands = app.rules.kpi.bands(m);
    let (lo, hi) = scale(
        app.kpi
            .rows
            .iter()
            .flat_map(|r| buckets(&r.frame.tail(m, days), cells))
            .flatten(),
        bands,
    );
    let spark_w = days.div_ceil(days.div_ceil(cells)) as u16;
    // the group stays; on a narrow screen the member count goes first, then the key
    // metric, the alerts, the stage, the rank; the value, its change, the trend and the
    // health last
    let columns = vec![
        Col::whole(&t.col_rank, 5).right(),
        Col::text(&t.col_group, KEEP, 10).want(20),
        Col::whole(&t.col_stage, 4),
        Col::whole(&t.col_health, 9).right(),
        Col::whole(&t.col_members, 1).right(),
        Col::whole(&t.col_value, 8).right(),
        Col::whole(&t.col_wow, 7).right(),
        Col::whole(&t.col_trend, 6).at_least(spark_w),
        Col::whole(&t.col_key, 2),
        Col::whole(&t.col_alerts, 3),
    ];
    list(
        app,
        frame,
        area,
        theme,
        &app.kpi,
        ListSpec {
            title,
            columns,
            empty: &t.empty,
        },
        |_, r| {
            let wk = week(r, m);
            let name = if r.is_all() {
                Span::styled(r.group.clone(), theme.accent)
            } else {
                Span::raw(r.group.clone())
            };
            let health = r.health.map_or(Span::raw(""), |h| {
                let style = match h {
                    0..40 => theme.danger,
                    40..60 => theme.warning,
                    60..80 => theme.ok,
                    _ => theme.excellent,
                };
                Span::styled(h.to_string(), style)
            });
            vec![
                Line::from(r.rank.map_or(String::new(), |n| n.to_string())),
                Line::from(name),
                Line::from(stage_text(app, r.stage)),
                Line::from(health),
                Line::from(
                    r.frame
                        .latest(Metric::Members)
                        .map_or(String::new(), |(_, v)| format!("{v:.0}")),
                ),
                Line::from(wk.map_or(Span::raw(""), |w| {
                    Span::styled(m.show(w.now), value_style(app, theme, m, w.now))
                })),
                Line::from(wow_span(theme, m, wk)),
                spark(&buckets(&r.frame.tail(m, days), cells), lo, hi, |v| {
                    bands.map_or(theme.accent, |b| band_style(theme, b.band(v)))
                }),
                key_metric(app, theme, r, m),
                Line::from(if r.alerts > 0 {
                    Span::styled(format!("⚠{}", r.alerts), theme.danger)
                } else {
                    Span::raw("")
                }),
            ]
        },
    );
}

/// `日活率 10.9%(< 15.0%,连续 3 天)`: what an alert is about.
pub fn alert_what(app: &App, a: &AlertRow) -> (String, String) {
    let rule = app.rules.kpi.alerts.get(&a.rule);
    let metric = rule.map_or_else(|| a.rule.clone(), |r| metric_text(app, r.metric));
    let value = match (rule, a.value) {
        (Some(r), Some(v)) => r.metric.show(v),
        _ => String::new(),
    };
    let line = rule.map_or_else(String::new, |r| {
        let run = if r.days > 1 {
            fill(&app.texts.kpi.alert_run, &[("days", &r.days)])
        } else {
            String::new()
        };
        format!("{}{run}", r.line())
    });
    (format!("{metric} {value}"), line)
}

fn alerts_panel(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let t = &app.texts.kpi;
    let alerts = &app.kpi_view.alerts;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(
            format!(" {} ", fill(&t.alerts_title, &[("n", &alerts.len())])),
            theme.danger,
        ));
    // each alert on one line, cut with … where the panel ends
    let room = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line<'static>> = alerts
        .iter()
        .map(|a| {
            let (what, line) = alert_what(app, a);
            let since = a.since.get(5..).unwrap_or(&a.since);
            Line::from(vec![
                Span::styled("⚠ ", theme.danger),
                Span::raw(format!("{} ", a.group)),
                Span::styled(what, theme.danger),
                Span::styled(format!(" ({line}) {since} "), theme.muted),
                Span::raw(format!("→ {}", a.step.as_deref().unwrap_or(""))),
                Span::styled(
                    format!(
                        " · {}",
                        a.assignee.as_deref().unwrap_or(t.unassigned.as_str())
                    ),
                    theme.muted,
                ),
            ])
        })
        .map(|l| truncate_line(l, room))
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The metrics the details list after the stage's key ones (those with a value).
const DETAIL_METRICS: [Metric; 15] = [
    Metric::DauRate,
    Metric::MessageDecline,
    Metric::KolShare,
    Metric::MessagesPerSpeaker,
    Metric::MessagesPerMember,
    Metric::WeeklyExitRate,
    Metric::Members,
    Metric::Messages,
    Metric::AdShare,
    Metric::FirstResponse,
    Metric::OpenRate,
    Metric::Orders,
    Metric::Gmv,
    Metric::Invites,
    Metric::QrScans,
];

/// The selected row's details: who it is, health, then one line per metric (7-day
/// mean, change, 30-day sparkline), the stage's key metrics first.
pub fn detail_lines(app: &App, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let t = &app.texts.kpi;
    let Some(r) = app.kpi.current() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let mut head = vec![Span::styled(format!(" {}", r.group), theme.title)];
    if !r.is_all() {
        let age = NaiveDate::parse_from_str(&r.created_on, "%Y-%m-%d")
            .ok()
            .zip(app.kpi_view.end)
            .map(|(c, e)| (e - c).num_days());
        head.push(Span::styled(
            format!(
                " · {} · {}{}",
                r.kind,
                stage_text(app, r.stage),
                age.map_or_else(String::new, |d| format!(
                    " · {}",
                    fill(&t.detail_age, &[("days", &d)])
                ))
            ),
            theme.muted,
        ));
    }
    lines.push(Line::from(head));
    // what the group is for, when it was launched with a positioning (issue 16)
    if let Some(p) = app.positioning_of(&r.group).filter(|_| !r.is_all()) {
        lines.push(super::columns::truncate_line(
            Line::from(Span::styled(
                format!(" {}: {p}", app.texts.launch.positioning),
                theme.muted,
            )),
            width,
        ));
    }
    let ranked = app.kpi.rows.iter().filter(|g| g.rank.is_some()).count();
    lines.push(Line::from(Span::styled(
        format!(
            " {}",
            fill(
                &t.detail_health,
                &[
                    (
                        "score",
                        &r.health.map_or("—".to_string(), |h| h.to_string())
                    ),
                    ("rank", &r.rank.map_or("—".to_string(), |n| n.to_string())),
                    ("n", &ranked),
                    ("alerts", &r.alerts),
                ]
            )
        ),
        theme.muted,
    )));
    // which alerts: the rule, its line, since when, and what is being done about it
    for a in app
        .kpi_view
        .alerts
        .iter()
        .filter(|a| r.is_all() || a.group_id == r.group_id)
    {
        let (what, line) = alert_what(app, a);
        let text = fill(
            &t.detail_alert,
            &[
                ("what", &what),
                ("line", &line),
                ("since", &a.since),
                ("step", &a.step.as_deref().unwrap_or("")),
                (
                    "who",
                    &a.assignee.as_deref().unwrap_or(t.unassigned.as_str()),
                ),
            ],
        );
        let text = if r.is_all() {
            format!("{} {text}", a.group)
        } else {
            text
        };
        for (i, part) in super::widgets::wrap(&text, width.saturating_sub(3))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { " ⚠ " } else { "   " };
            lines.push(Line::from(vec![
                Span::styled(lead, theme.danger),
                Span::styled(part, theme.danger),
            ]));
        }
    }
    // the metrics' names padded to the widest (at least 16), so the values line up
    let label_w = Metric::ALL
        .iter()
        .map(|&m| metric_text(app, m).width())
        .max()
        .unwrap_or(0)
        .max(16);
    // a share's change is in percentage points: said after it (`▼0.7 个百分点`), and
    // the same width left blank after other metrics' so the sparklines line up
    let pp = fill(&app.texts.cli.pp, &[("d", &"")]);
    let pp_w = pp.width();
    let spark_w = width.saturating_sub(label_w + 20 + pp_w).min(30);
    let metric_line = |m: Metric| -> Line<'static> {
        let label = metric_text(app, m);
        let pad = label_w.saturating_sub(label.width());
        let w = week(r, m);
        let value = w.map_or(Span::styled("—".to_string(), theme.muted), |w| {
            Span::styled(m.show(w.now), value_style(app, theme, m, w.now))
        });
        let vw = value.content.width();
        let wow = wow_span(theme, m, w);
        let ww = wow.content.width();
        let unit = if m.is_share() && ww > 0 {
            Span::styled(pp.clone(), theme.muted)
        } else {
            Span::raw(" ".repeat(pp_w))
        };
        let tail = r.frame.tail(m, 30);
        let bands = app.rules.kpi.bands(m);
        let (lo, hi) = scale(tail.iter().flatten().copied(), bands);
        let mut spans = vec![
            Span::raw(format!(" {label}{}", " ".repeat(pad))),
            Span::raw(" ".repeat(9usize.saturating_sub(vw))),
            value,
            Span::raw(" ".repeat(9usize.saturating_sub(ww))),
            wow,
            unit,
            Span::raw("  "),
        ];
        spans.extend(
            spark(&buckets(&tail, spark_w), lo, hi, |v| {
                bands.map_or(theme.accent, |b| band_style(theme, b.band(v)))
            })
            .spans,
        );
        Line::from(spans)
    };
    let key: Vec<Metric> = r.stage.map_or(Vec::new(), |s| s.key_metrics().to_vec());
    lines.push(Line::from(""));
    if !key.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    " {}",
                    fill(&t.detail_key, &[("stage", &stage_text(app, r.stage))])
                ),
                theme.title,
            ),
            Span::styled(format!("  {}", t.detail_cols), theme.muted),
        ]));
        lines.extend(key.iter().map(|&m| metric_line(m)));
        lines.push(Line::from(Span::styled(
            format!(" {}", t.detail_other),
            theme.title,
        )));
    }
    let present = r.frame.metrics();
    lines.extend(
        DETAIL_METRICS
            .iter()
            .filter(|m| !key.contains(m) && present.contains(m))
            .map(|&m| metric_line(m)),
    );
    lines
}

/// The form for a value only WeChat sees.
pub fn form(app: &App, frame: &mut Frame<'_>, area: Rect, theme: &Theme, f: &KpiForm) {
    let t = &app.texts.kpi;
    let field = |label: &str, value: Vec<Span<'static>>, on: bool| -> Line<'static> {
        let pad = 8usize.saturating_sub(label.width());
        let mut spans = vec![Span::styled(
            format!(
                " {}{label}{} ",
                if on { "▶ " } else { "  " },
                " ".repeat(pad)
            ),
            if on { theme.key } else { theme.muted },
        )];
        spans.extend(value);
        if on {
            spans.push(Span::styled("▏", theme.accent));
        }
        Line::from(spans)
    };
    let metric = metric_text(app, f.metric());
    let mut lines = vec![
        field(
            &t.form_day,
            vec![Span::raw(f.day.clone())],
            f.field == FormField::Day,
        ),
        field(
            &t.form_metric,
            vec![Span::raw(format!("◀ {metric} ▶"))],
            f.field == FormField::Metric,
        ),
        field(
            &t.form_value,
            vec![Span::raw(f.value.clone())],
            f.field == FormField::Value,
        ),
        Line::from(""),
        Line::from(Span::styled(format!(" {}", t.form_hint), theme.muted)),
    ];
    if let Some(e) = &f.error {
        lines.push(Line::from(Span::styled(format!(" {e}"), theme.danger)));
    }
    let title = fill(&t.form_title, &[("group", &f.group)]);
    let width = (t.form_hint.width().max(title.width()) + 6).max(40) as u16;
    let rect = super::popup(area, width, lines.len() as u16 + 2);
    super::clear_popup(frame, rect);
    let block = super::popup_block(format!(" {title} "), theme);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_the_latest_day_in_the_last_cell() {
        let v: Vec<Option<f64>> = (1..=30).map(|i| Some(f64::from(i))).collect();
        assert_eq!(buckets(&v, 30).len(), 30);
        let b = buckets(&v, 15);
        assert_eq!(b.len(), 15);
        assert_eq!(b[14], Some(29.5));
        assert_eq!(b[0], Some(1.5));
        let b = buckets(&v, 7); // 5 a cell: 6 cells
        assert_eq!(b.len(), 6);
        assert_eq!(b[5], Some(28.0));
        assert_eq!(buckets(&[None, None, Some(1.0)], 1), vec![Some(1.0)]);
    }
}
