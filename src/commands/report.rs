//! `shequn report daily [--date D]`: the day as Markdown to paste into a work chat —
//! checklist completion per group and per operator, the KPI alerts open that day with
//! their tasks,
//! reminders due that day, and the week's top movers in 日活率. In the `--lang`
//! language; short lines and `- ` lists, which read well both where Markdown renders
//! (企业微信) and where it does not (WeChat shows the text as typed); no tables, which
//! WeChat would show as rows of pipes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

use super::Ctx;
use crate::cli::ReportCmd;
use crate::clock::local_day;
use crate::domain::kpi::{Metric, week_over_week};
use crate::domain::rules::Rules;
use crate::i18n::{Texts, fill};
use crate::store::kpi::{self, AlertRow};
use crate::store::reminders::{self, DueReminder};
use crate::store::views::{self, OnTime, SopRow};
use crate::store::{Store, sop};

pub fn run(ctx: &Ctx, cmd: &ReportCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ReportCmd::Daily { date } => {
            let mut store = ctx.open()?;
            let now = ctx.now();
            let today = local_day(now, ctx.tz);
            let day = date.unwrap_or(today);
            let tz = ctx.tz;
            // the day's items exist and the expired ones are missed, as on the Today tab
            // (not under --readonly: the report then says what the file says)
            store.upkeep(|tx, op| {
                if day >= today {
                    sop::materialize_day(tx, day, tz)?;
                }
                sop::sweep_missed(tx, op, now, tz)?;
                // the reminders a console would have planned by now
                reminders::plan(tx, op, now, tz, &ctx.rules, false)?;
                Ok(())
            })?;
            let data = gather(&store, day, now.timestamp(), ctx.tz, &ctx.rules)?;
            print!("{}", daily(ctx.lang.texts(), &ctx.rules, ctx.tz, &data));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Everything the daily report says.
#[derive(Debug, Clone)]
pub struct Daily {
    pub day: NaiveDate,
    pub items: Vec<SopRow>,
    pub on_time: Vec<OnTime>,
    pub alerts: Vec<AlertRow>,
    /// The team's reminders due that day (by now, for today), one per thing: the
    /// latest of its reminders (an item's "in 10 minutes" gives way to its nag).
    pub reminders: Vec<DueReminder>,
    /// (group, 日活率 of the last 7 days, change against the 7 before), largest first.
    pub movers: Vec<(String, f64, f64)>,
}

/// How many movers the report names.
const MOVERS: usize = 3;

pub fn gather(
    store: &Store,
    day: NaiveDate,
    now: i64,
    tz: chrono_tz::Tz,
    rules: &Rules,
) -> crate::store::Result<Daily> {
    let conn = store.conn();
    let (from, to) = crate::clock::day_bounds(day, tz);
    // due by the end of the day, or by now when the day is today
    let until = to.min(now.saturating_add(1)).max(from);
    let rows = reminders::due_between(conn, from, until)?;
    // one line per thing: its latest reminder (rows come in due order)
    let mut reminders: Vec<DueReminder> = Vec::new();
    let mut seen: std::collections::HashMap<(String, i64), usize> = Default::default();
    for r in rows {
        match r.source_id.map(|id| (r.source.clone(), id)) {
            Some(key) => match seen.get(&key) {
                Some(&i) => reminders[i] = r,
                None => {
                    seen.insert(key, reminders.len());
                    reminders.push(r);
                }
            },
            None => reminders.push(r),
        }
    }
    reminders.sort_by_key(|r| r.due);
    let week_ago = day.checked_sub_days(Days::new(13)).unwrap_or(day);
    let mut movers: Vec<(String, f64, f64)> = kpi::frames(conn, week_ago, day, None, rules)?
        .into_iter()
        .filter_map(|g| {
            let w = week_over_week(&g.frame.tail(Metric::DauRate, 14))?;
            let d = w.delta()?;
            (d.abs() >= 0.001).then_some((g.group, w.now, d))
        })
        .collect();
    movers.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()).then_with(|| a.0.cmp(&b.0)));
    movers.truncate(MOVERS);
    Ok(Daily {
        day,
        items: views::today_open(conn, day)?,
        on_time: views::on_time(conn, day, day, tz)?,
        alerts: kpi::alerts_on(conn, day, from)?,
        reminders,
        movers,
    })
}

/// The report as Markdown.
pub fn daily(texts: &Texts, rules: &Rules, tz: chrono_tz::Tz, d: &Daily) -> String {
    let t = &texts.report;
    let mut out = String::new();
    let mut line = |s: String| {
        let _ = writeln!(out, "{s}");
    };
    line(fill(
        &t.title,
        &[
            ("date", &d.day),
            ("weekday", &texts.weekday(d.day.weekday())),
        ],
    ));
    line(String::new());

    // checklist per group
    let mut per_group: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for r in &d.items {
        let e = per_group.entry(r.group.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(r.state == "done");
        e.2 += usize::from(r.state == "missed");
    }
    let (total, done, missed) = per_group
        .values()
        .fold((0, 0, 0), |a, v| (a.0 + v.0, a.1 + v.1, a.2 + v.2));
    let mut head = fill(&t.checklist, &[("done", &done), ("total", &total)]);
    if missed > 0 {
        head.push_str(&fill(&t.missed, &[("n", &missed)]));
    }
    line(head);
    if per_group.is_empty() {
        line(t.none.clone());
    }
    for (g, (n, done, missed)) in &per_group {
        let mut s = fill(&t.group_line, &[("group", g), ("done", done), ("total", n)]);
        if *missed > 0 {
            s.push_str(&fill(&t.missed, &[("n", missed)]));
        }
        line(s);
    }
    line(String::new());

    // per operator
    line(t.operators.clone());
    if d.on_time.is_empty() {
        line(t.none.clone());
    }
    for o in &d.on_time {
        line(fill(
            &t.operator_line,
            &[
                ("who", &o.operator),
                ("done", &o.done),
                ("on_time", &o.on_time),
            ],
        ));
    }
    line(String::new());

    // alerts
    line(fill(&t.alerts, &[("n", &d.alerts.len())]));
    if d.alerts.is_empty() {
        line(t.none.clone());
    }
    for a in &d.alerts {
        let rule = rules.kpi.alerts.get(&a.rule);
        let metric = rule.map_or_else(
            || a.rule.clone(),
            |r| texts.enum_text(&r.metric.label_key()).to_string(),
        );
        let value = match (rule, a.value) {
            (Some(r), Some(v)) => r.metric.show(v),
            _ => String::new(),
        };
        let run = match rule {
            Some(r) if r.days > 1 => fill(&texts.kpi.alert_run, &[("days", &r.days)]),
            _ => String::new(),
        };
        let mut s = fill(
            &t.alert_line,
            &[
                ("group", &a.group),
                ("metric", &metric),
                ("value", &value),
                ("line", &rule.map(|r| r.line()).unwrap_or_default()),
                ("run", &run),
                ("since", &a.since.get(5..).unwrap_or(&a.since)),
            ],
        );
        if a.closed_at.is_some() {
            s.push_str(&t.recovered);
            line(s);
            continue;
        }
        line(s);
        // the playbook step on its own line: a chat window is narrow
        let mut step = fill(&t.alert_step, &[("step", &a.step.as_deref().unwrap_or(""))]);
        if let Some(who) = &a.assignee {
            step.push_str(&fill(&t.assignee, &[("who", who)]));
        }
        line(step);
    }
    line(String::new());

    // reminders
    line(fill(&t.reminders, &[("n", &d.reminders.len())]));
    if d.reminders.is_empty() {
        line(t.none.clone());
    }
    for r in &d.reminders {
        let time = DateTime::<Utc>::from_timestamp(r.due, 0)
            .map(|x| x.with_timezone(&tz).format("%H:%M").to_string())
            .unwrap_or_default();
        // the same words as the console's toast and Reminders tab
        let title = texts.reminder_text(
            &r.source,
            r.kind.as_deref(),
            &r.title,
            r.lead_min,
            // the day's due reminders
            true,
            &rules.tiers,
        );
        let title = match &r.group {
            Some(g) if !title.contains(g.as_str()) => format!("{title} · {g}"),
            _ => title,
        };
        let mut s = fill(&t.reminder_line, &[("time", &time), ("title", &title)]);
        if let Some(who) = &r.for_login {
            s.push_str(&fill(&t.assignee, &[("who", who)]));
        }
        line(s);
    }
    line(String::new());

    // movers
    line(t.movers.clone());
    if d.movers.is_empty() {
        line(t.none.clone());
    }
    for (g, now, delta) in &d.movers {
        line(fill(
            &t.mover_line,
            &[
                ("arrow", &if *delta > 0.0 { "▲" } else { "▼" }),
                ("group", g),
                ("value", &Metric::DauRate.show(*now)),
                ("delta", &Metric::DauRate.show_delta(*delta)),
            ],
        ));
    }
    out
}
