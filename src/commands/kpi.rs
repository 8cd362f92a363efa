//! `shequn kpi [--group G] [--days N]`: daily KPI values and the open alerts; also the
//! judgement every command and console runs first ([`on_start`]) and the wide CSV that
//! `export kpi` writes.
//!
//! Table: without `--group` one line per group (ranked by health, the last 7 days'
//! mean and the change against the 7 before), then the open alerts; with `--group` one
//! line per day. JSON: per group `group`, `stage`, `health`, `rank`, `days` (each with
//! `date` and every metric, null where there is no value) and `alerts` (`rule`,
//! `since`, `value`, …). CSV: one row per group and day, one column per metric.

use std::io::Write;
use std::process::ExitCode;

use chrono::{Days, NaiveDate};
use serde_json::{Map, Value, json};

use super::Ctx;
use super::output::{header, table};
use crate::cli::Format;
use crate::clock::local_day;
use crate::domain::keywords::Keywords;
use crate::domain::kpi::{Metric, week_figure};
use crate::i18n::fill;
use crate::store::Store;
use crate::store::kpi::{self, AlertRow, GroupKpi, KpiEnv, Refreshed};

/// The environment a refresh runs in for this command line.
pub fn env<'a>(ctx: &'a Ctx, keywords: &'a Keywords) -> KpiEnv<'a> {
    KpiEnv {
        now: ctx.now(),
        tz: ctx.tz,
        rules: &ctx.rules,
        keywords,
    }
}

/// Recompute and judge if the data (or the KPI rules) changed since the last time.
pub fn refresh_if_needed(ctx: &Ctx, store: &mut Store) -> anyhow::Result<Option<Refreshed>> {
    if !kpi::needs_refresh(store.conn(), &ctx.rules)? {
        return Ok(None);
    }
    let env = env(ctx, &ctx.keywords);
    Ok(store.upkeep(|tx, op| kpi::refresh(tx, op, &env))?)
}

/// At the start of a command or console: take the team's settings from the database
/// (every command judges with the team's rules and keyword lists), then judge the KPI
/// alerts if the data changed. A database that cannot be opened or whose settings
/// cannot be read stops the command here, with the error it would have met itself —
/// going on with the shipped rules would judge by other lines than the team's. A
/// failed judgement does not stop it.
pub fn on_start(ctx: &mut Ctx) -> anyhow::Result<()> {
    if !ctx.db_exists() {
        // the command says how to create one
        return Ok(());
    }
    let mut store = ctx.open()?;
    ctx.use_team_settings(&store)?;
    if ctx.readonly {
        return Ok(());
    }
    if let Err(e) = refresh_if_needed(ctx, &mut store) {
        tracing::warn!("KPI refresh at start: {e:#}");
    }
    // a launch phase that became late makes its Today task (once), like an alert
    if let Err(e) = super::launch::judge_if_needed(ctx, &mut store) {
        tracing::warn!("launch judgement at start: {e:#}");
    }
    Ok(())
}

/// One line per opened or closed alert, for the commands that changed data.
pub fn describe(r: &Refreshed, ctx: &Ctx) -> Vec<String> {
    let texts = ctx.lang.texts();
    let t = &texts.cli;
    // the rule as the console says it (`日活率 < 15.0%`), not its code (`dau_low`)
    let rule_name = |a: &AlertRow| {
        ctx.rules.kpi.alerts.get(&a.rule).map_or_else(
            || a.rule.clone(),
            |r| texts.enum_text(&r.metric.label_key()).to_string(),
        )
    };
    let rule_line = |a: &AlertRow| {
        ctx.rules
            .kpi
            .alerts
            .get(&a.rule)
            .map(|r| r.line())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for a in &r.opened {
        out.push(fill(
            &t.alert_opened,
            &[
                ("group", &a.group),
                ("rule", &rule_name(a)),
                ("detail", &rule_line(a)),
                ("since", &a.since),
                ("task", &a.task.map_or_else(String::new, |t| t.to_string())),
            ],
        ));
    }
    for a in &r.closed {
        out.push(fill(
            &t.alert_closed,
            &[("group", &a.group), ("rule", &rule_name(a))],
        ));
    }
    out
}

pub fn run(ctx: &Ctx, group: Option<&str>, days: u32) -> anyhow::Result<ExitCode> {
    let store = ctx.open()?;
    let to = local_day(ctx.now(), ctx.tz);
    let from = to
        .checked_sub_days(Days::new(u64::from(days.saturating_sub(1))))
        .unwrap_or(to);
    show(ctx, &store, group, from, to, ctx.format)?;
    Ok(ExitCode::SUCCESS)
}

/// The values of `from..=to` in `format` (`export kpi` comes here too).
pub fn show(
    ctx: &Ctx,
    store: &Store,
    group: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    format: Format,
) -> anyhow::Result<()> {
    // the week-over-week columns need 14 days even when fewer are asked for
    let wide_from = from.min(to.checked_sub_days(Days::new(13)).unwrap_or(to));
    let groups = kpi::frames(store.conn(), wide_from, to, group, &ctx.rules)?;
    if let Some(g) = group
        && groups.is_empty()
    {
        return Err(super::unknown_group(ctx, g).into());
    }
    let alerts = kpi::open_alerts(store.conn())?;
    match format {
        Format::Json => {
            let out: Vec<Value> = groups
                .iter()
                .map(|g| group_json(ctx, g, from, &alerts))
                .collect();
            let stdout = std::io::stdout();
            let mut w = stdout.lock();
            serde_json::to_writer_pretty(&mut w, &out)?;
            writeln!(w)?;
        }
        Format::Csv => write_csv(ctx, &groups, from, to)?,
        Format::Table => match group {
            Some(_) => days_table(ctx, &groups, from)?,
            None => summary_table(ctx, &groups, &alerts)?,
        },
    }
    Ok(())
}

fn group_json(ctx: &Ctx, g: &GroupKpi, from: NaiveDate, alerts: &[AlertRow]) -> Value {
    let days: Vec<Value> = (0..g.frame.len)
        .filter(|&i| g.frame.day(i) >= from)
        .map(|i| {
            let mut day = Map::new();
            day.insert("date".into(), json!(g.frame.day(i).to_string()));
            for m in Metric::ALL {
                day.insert(
                    m.word().into(),
                    g.frame.get(m, i).map_or(Value::Null, |v| m.json(v)),
                );
            }
            Value::Object(day)
        })
        .collect();
    let alerts: Vec<Value> = alerts
        .iter()
        .filter(|a| a.group_id == g.group_id)
        .map(|a| {
            json!({
                "rule": a.rule,
                "metric": ctx.rules.kpi.alerts.get(&a.rule).map(|r| r.metric.word()),
                "since": a.since,
                "value": a.value,
                "opened_at": ctx.local_time(a.opened_at),
                "task": a.task,
                "task_state": a.task_state,
                "assignee": a.assignee,
                "step": a.step,
            })
        })
        .collect();
    json!({
        "group": g.group,
        "kind": g.kind,
        "stage": g.stage,
        "health": g.health,
        "rank": g.rank,
        "days": days,
        "alerts": alerts,
    })
}

/// The wide CSV: group, date, then one column per metric (empty where no value).
pub fn write_csv(
    ctx: &Ctx,
    groups: &[GroupKpi],
    from: NaiveDate,
    to: NaiveDate,
) -> anyhow::Result<()> {
    let mut header = vec!["group".to_string(), "date".to_string()];
    header.extend(Metric::ALL.iter().map(|m| m.word().to_string()));
    let mut records = vec![header];
    for g in groups {
        for i in 0..g.frame.len {
            let day = g.frame.day(i);
            if day < from || day > to {
                continue;
            }
            let mut row = vec![g.group.clone(), day.to_string()];
            row.extend(Metric::ALL.iter().map(|&m| {
                g.frame
                    .get(m, i)
                    .map(|v| {
                        // shares keep 4 decimals, counts none: what a spreadsheet wants
                        if m.is_share() || v.fract() != 0.0 {
                            format!("{v:.4}")
                        } else {
                            format!("{v:.0}")
                        }
                    })
                    .unwrap_or_default()
            }));
            records.push(row);
        }
    }
    super::output::write_csv(ctx, records)
}

/// A metric's figure as the KPIs tab shows it (the 7-day mean; members: the latest
/// count) and its change against the week before, as text.
fn week(g: &GroupKpi, m: Metric) -> (String, String) {
    match week_figure(&g.frame, m) {
        Some(w) => (
            m.show(w.now),
            w.delta().map(|d| m.show_delta(d)).unwrap_or_default(),
        ),
        None => (String::new(), String::new()),
    }
}

/// The summary's columns after rank, group, stage and health: each the figure of
/// [`week`] under the metric's own label, the one the console uses.
const SUMMARY_METRICS: [Metric; 6] = [
    Metric::Members,
    Metric::DauRate,
    Metric::MessagesPerMember,
    Metric::KolShare,
    Metric::MessageDecline,
    Metric::WeeklyExitRate,
];

fn summary_table(ctx: &Ctx, groups: &[GroupKpi], alerts: &[AlertRow]) -> anyhow::Result<()> {
    let texts = ctx.lang.texts();
    let h = |k: &'static str| header(texts, k).to_string();
    let label = |m: Metric| texts.enum_text(&m.label_key()).to_string();
    let mut sorted: Vec<&GroupKpi> = groups.iter().collect();
    sorted.sort_by_key(|g| (g.rank.unwrap_or(usize::MAX), g.group_id));
    let mut head = vec![h("rank"), h("group"), h("stage"), h("health")];
    for m in SUMMARY_METRICS {
        head.push(label(m));
        if m == Metric::DauRate {
            // the change of a share is in percentage points: the header says so
            head.push(h("dau_wow"));
        }
    }
    head.push(h("alerts"));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for g in sorted {
        let mut row = vec![
            g.rank.map_or_else(String::new, |r| r.to_string()),
            g.group.clone(),
            g.stage
                .map(|s| texts.enum_text(s.word()).to_string())
                .unwrap_or_default(),
            g.health.map_or_else(String::new, |h| h.to_string()),
        ];
        for m in SUMMARY_METRICS {
            let (now, delta) = week(g, m);
            row.push(now);
            if m == Metric::DauRate {
                row.push(delta);
            }
        }
        row.push(g.alerts.to_string());
        rows.push(row);
    }
    table(&head, &rows)?;
    if !alerts.is_empty() {
        println!();
        for a in alerts {
            let rule = ctx.rules.kpi.alerts.get(&a.rule);
            let what = texts
                .reminders
                .alert_rules
                .get(&a.rule)
                .map_or(a.rule.as_str(), String::as_str);
            println!(
                "{}",
                fill(
                    &texts.cli.alert_line,
                    &[
                        ("group", &a.group),
                        ("rule", &what),
                        ("since", &a.since),
                        (
                            "value",
                            &match (rule, a.value) {
                                (Some(r), Some(v)) => r.metric.show(v),
                                _ => String::new(),
                            }
                        ),
                        ("step", &a.step.as_deref().unwrap_or("")),
                        (
                            "assignee",
                            &a.assignee.as_deref().unwrap_or(&texts.kpi.unassigned)
                        ),
                    ]
                )
            );
        }
    }
    Ok(())
}

fn days_table(ctx: &Ctx, groups: &[GroupKpi], from: NaiveDate) -> anyhow::Result<()> {
    let texts = ctx.lang.texts();
    let metrics = [
        Metric::Members,
        Metric::Joins,
        Metric::Leaves,
        Metric::Messages,
        Metric::Speakers,
        Metric::DauRate,
        Metric::MessagesPerSpeaker,
        Metric::KolShare,
        Metric::MessageDecline,
        Metric::WeeklyExitRate,
        Metric::AdShare,
        Metric::FirstResponse,
        Metric::Opens,
        Metric::OpenRate,
    ];
    let mut head = vec![header(texts, "date").to_string()];
    head.extend(
        metrics
            .iter()
            .map(|m| texts.enum_text(&m.label_key()).to_string()),
    );
    let mut rows = Vec::new();
    for g in groups {
        for i in 0..g.frame.len {
            if g.frame.day(i) < from {
                continue;
            }
            let mut row = vec![g.frame.day(i).to_string()];
            row.extend(
                metrics
                    .iter()
                    .map(|&m| g.frame.get(m, i).map(|v| m.show(v)).unwrap_or_default()),
            );
            rows.push(row);
        }
    }
    table(&head, &rows)
}
