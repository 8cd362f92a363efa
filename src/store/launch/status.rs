//! The launch board's read model: for each group in launch its seven phases with their
//! dates, state and metric against the bar, the next step, the kit's progress and the
//! QR code's expiry — what the KPIs tab's launch view, `group launch-status` and the
//! late-phase judgement all read. Each phase's metric comes from data shequn has:
//! - 筹备期: kit items done / all;
//! - 引流期: `qr_scans` a day (`import stats`, the KPI form), the mean of the days told;
//! - 筛选期: valid answers / answers (`import answers`), judged against the group's
//!   target as it is now;
//! - 运营期: member messages a day (counted from chat, or told);
//! - 转化期: GMV of the 30 days to the range's end against the 30 before — `gmv` told
//!   by WeChat when there is any, else the orders of the group's members;
//! - 裂变期: joins by invitation (`invites` told, else the join events the chat import
//!   parsed from system messages with their inviter) / members at the range's start;
//! - 复盘期: of the members who joined in the month before last, the share still in
//!   the group 30 days after they joined.

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use rusqlite::{Connection, params};
use serde::Serialize;

use super::super::Result;
use crate::clock::day_bounds;
use crate::domain::launch::{
    self as dl, Answer, LaunchRules, Phase, Playbook, Span, State, Target, Window,
};

/// One phase of a group's plan on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseStatus {
    pub phase: Phase,
    pub from: NaiveDate,
    /// The target date (the phase's last day).
    pub due: NaiveDate,
    pub days: u32,
    pub state: State,
    /// The metric: the value that passed it, else the latest measure (None: nothing to
    /// measure yet, or the phase is ahead).
    pub value: Option<f64>,
    pub bar: f64,
    /// The Today task a late phase made.
    pub task: Option<i64>,
    /// That task is still to do.
    #[serde(skip)]
    pub task_open: bool,
}

/// A group in launch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaunchStatus {
    #[serde(skip)]
    pub group_id: i64,
    pub group: String,
    pub kind: String,
    pub platform: String,
    pub positioning: Option<String>,
    pub region: Option<String>,
    pub start: NaiveDate,
    /// The day it opens (引流期 begins).
    pub opens: NaiveDate,
    pub phases: Vec<PhaseStatus>,
    /// The first phase not passed (None: all passed).
    pub next: Option<Phase>,
    pub next_state: Option<State>,
    pub kit_done: usize,
    pub kit_total: usize,
    pub qr_expires: Option<NaiveDate>,
    /// The kit itself, item by item (the console's launch detail; `group kit` prints
    /// it on its own).
    #[serde(skip)]
    pub kit: Vec<KitRow>,
}

impl LaunchStatus {
    /// The phase to act on: the next one.
    pub fn next_phase(&self) -> Option<&PhaseStatus> {
        self.next
            .and_then(|n| self.phases.iter().find(|p| p.phase == n))
    }

    /// The next phase as `LaunchTexts::next_step` words it.
    pub fn next_step(&self) -> Option<(Phase, State, NaiveDate, NaiveDate)> {
        self.next_phase().map(|p| (p.phase, p.state, p.from, p.due))
    }
}

/// One item of a group's kit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KitRow {
    pub item: String,
    pub state: String,
    /// The text kept in shequn, placeholders not filled.
    pub text: Option<String>,
    pub expires_on: Option<String>,
    pub done_by: Option<String>,
    pub done_at: Option<i64>,
}

/// A group's kit in the playbook's order.
pub fn kit(conn: &Connection, group_id: i64) -> Result<Vec<KitRow>> {
    let mut st = conn.prepare_cached(
        "SELECT item, state, text, expires_on, done_by, done_at FROM launch_kit
         WHERE group_id = ?1 ORDER BY seq",
    )?;
    let rows = st.query_map([group_id], |r| {
        Ok(KitRow {
            item: r.get(0)?,
            state: r.get(1)?,
            text: r.get(2)?,
            expires_on: r.get(3)?,
            done_by: r.get(4)?,
            done_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn back(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

type PlanRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

/// Every group in launch (one when `only` names its id), by the plan's first day.
pub fn board(
    conn: &Connection,
    today: NaiveDate,
    tz: Tz,
    rules: &LaunchRules,
    only: Option<i64>,
) -> Result<Vec<LaunchStatus>> {
    let plans: Vec<PlanRow> = conn
        .prepare_cached(
            "SELECT g.id, g.name, g.kind, g.platform, g.positioning, p.start_on, p.target_region
             FROM launch_plans p JOIN groups g ON g.id = p.group_id
             WHERE g.archived = 0 AND (?1 IS NULL OR g.id = ?1)
             ORDER BY p.start_on, g.name",
        )?
        .query_map([only], |r| {
            // a row is the tuple its columns make (rusqlite's `TryFrom<&Row>`)
            <_>::try_from(r)
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(plans.len());
    for (g, group, kind, platform, positioning, start, region) in plans {
        let Some(start) = day(&start) else { continue };
        out.push(one(
            conn,
            today,
            tz,
            rules,
            Plan {
                g,
                group,
                kind,
                platform,
                positioning,
                region,
                start,
            },
        )?);
    }
    Ok(out)
}

struct Plan {
    g: i64,
    group: String,
    kind: String,
    platform: String,
    positioning: Option<String>,
    region: Option<String>,
    start: NaiveDate,
}

fn one(
    conn: &Connection,
    today: NaiveDate,
    tz: Tz,
    rules: &LaunchRules,
    p: Plan,
) -> Result<LaunchStatus> {
    let stored: Vec<(String, u32, Option<i64>, Option<String>)> = conn
        .prepare_cached(
            "SELECT ph.phase, ph.days, ph.task_id, s.state FROM launch_phases ph
             LEFT JOIN sop_instances s ON s.id = ph.task_id
             WHERE ph.group_id = ?1",
        )?
        .query_map([p.g], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut days = rules.days;
    for (ph, n, _, _) in &stored {
        if let Some(ph) = Phase::parse(ph) {
            *days.at_mut(ph) = *n;
        }
    }
    let kit = kit(conn, p.g)?;
    let kit_done = kit.iter().filter(|k| k.state == "done").count();
    let qr_expires = kit
        .iter()
        .find(|k| k.item == dl::QR_ITEM)
        .and_then(|k| k.expires_on.as_deref())
        .and_then(day);
    let positioning = p
        .positioning
        .as_deref()
        .and_then(|t| dl::parse_positioning(t).ok());
    let m = Measure {
        conn,
        g: p.g,
        tz,
        kit: (kit_done, kit.len()),
        target: Target::of(positioning.as_ref(), p.region.as_deref()),
    };
    let mut phases = Vec::with_capacity(7);
    for w in dl::schedule(p.start, &days) {
        let bar = rules.bars.get(w.phase);
        let (task, task_state) = stored
            .iter()
            .find(|s| Phase::parse(&s.0) == Some(w.phase))
            .map_or((None, None), |s| (s.2, s.3.clone()));
        let (state, value) = judge_phase(&m, &w, today, bar)?;
        phases.push(PhaseStatus {
            phase: w.phase,
            from: w.from,
            due: w.due,
            days: w.days,
            state,
            value,
            bar,
            task,
            task_open: matches!(task_state.as_deref(), Some("todo" | "missed")),
        });
    }
    let states: Vec<(Phase, State)> = phases.iter().map(|s| (s.phase, s.state)).collect();
    let next = dl::next_step(&states);
    Ok(LaunchStatus {
        group_id: p.g,
        group: p.group,
        kind: p.kind,
        platform: p.platform,
        positioning: p.positioning,
        region: p.region,
        start: p.start,
        opens: dl::opening_day(p.start, days.prep),
        phases,
        next: next.map(|n| n.0),
        next_state: next.map(|n| n.1),
        kit_done,
        kit_total: kit.len(),
        qr_expires,
        kit,
    })
}

fn judge_phase(
    m: &Measure<'_>,
    w: &Window,
    today: NaiveDate,
    bar: f64,
) -> Result<(State, Option<f64>)> {
    let Some(r) = dl::ranges(w, today) else {
        return Ok((State::Ahead, None));
    };
    let own = m.value(w.phase, r.own)?;
    let recent = match r.recent {
        Some(span) => m.value(w.phase, span)?,
        None => None,
    };
    let state = dl::judge(w, today, bar, own, recent);
    // the measure closest to the bar (the one that passed it, if one did)
    let value = match (own, recent) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    Ok((state, value))
}

/// What measuring a group's phases needs.
struct Measure<'a> {
    conn: &'a Connection,
    g: i64,
    tz: Tz,
    /// Kit items done, all.
    kit: (usize, usize),
    target: Target,
}

impl Measure<'_> {
    fn value(&self, phase: Phase, span: Span) -> Result<Option<f64>> {
        Ok(match phase {
            Phase::Prep => dl::kit_share(self.kit.0, self.kit.1),
            Phase::Traffic => dl::per_day(&self.daily("qr_scans", span.from, span.to)?),
            Phase::Screen => self.answers(span)?,
            Phase::Operate => dl::per_day(&self.daily("messages", span.from, span.to)?),
            Phase::Convert => {
                let cur = (back(span.to, 29), span.to);
                let before = (back(span.to, 59), back(span.to, 30));
                let told = !self.daily("gmv", before.0, cur.1)?.is_empty();
                let sum = |(a, b): (NaiveDate, NaiveDate)| -> Result<f64> {
                    if told {
                        Ok(self.daily("gmv", a, b)?.iter().flatten().sum())
                    } else {
                        self.orders(a, b)
                    }
                };
                dl::growth(sum(cur)?, sum(before)?)
            }
            Phase::Fission => dl::per_member(self.invites(span)?, self.members_at(span.from)?),
            Phase::Review => self.retention(span.to)?,
        })
    }

    /// The told or counted values of a metric on the days that have one.
    fn daily(&self, metric: &str, from: NaiveDate, to: NaiveDate) -> Result<Vec<Option<f64>>> {
        let mut st = self.conn.prepare_cached(
            "SELECT value FROM kpi_daily WHERE group_id = ?1 AND metric = ?2
               AND day BETWEEN ?3 AND ?4",
        )?;
        let rows = st.query_map(
            params![self.g, metric, from.to_string(), to.to_string()],
            |r| r.get::<_, f64>(0),
        )?;
        Ok(rows.map(|v| v.map(Some)).collect::<rusqlite::Result<_>>()?)
    }

    fn instants(&self, from: NaiveDate, to: NaiveDate) -> (i64, i64) {
        (day_bounds(from, self.tz).0, day_bounds(to, self.tz).1)
    }

    fn answers(&self, span: Span) -> Result<Option<f64>> {
        let (a, b) = self.instants(span.from, span.to);
        let mut st = self.conn.prepare_cached(
            "SELECT region, age, need FROM launch_answers
             WHERE group_id = ?1 AND answered_at >= ?2 AND answered_at < ?3",
        )?;
        let rows: Vec<(String, String, String)> = st
            .query_map(params![self.g, a, b], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let anywhere = &Playbook::shipped().questionnaire.anywhere;
        let valid = rows
            .iter()
            .filter(|(region, age, need)| {
                dl::valid(&self.target, &Answer { region, age, need }, anywhere)
            })
            .count();
        Ok(dl::valid_share(valid, rows.len()))
    }

    /// Yuan ordered by the group's members between the two days.
    fn orders(&self, from: NaiveDate, to: NaiveDate) -> Result<f64> {
        let (a, b) = self.instants(from, to);
        let cents: i64 = self.conn.query_row(
            "SELECT COALESCE(sum(o.amount_cents), 0) FROM orders o
             WHERE o.at >= ?2 AND o.at < ?3
               AND o.member_id IN (SELECT member_id FROM memberships WHERE group_id = ?1)",
            params![self.g, a, b],
            |r| r.get(0),
        )?;
        Ok(cents as f64 / 100.0)
    }

    fn invites(&self, span: Span) -> Result<f64> {
        let told = self.daily("invites", span.from, span.to)?;
        if !told.is_empty() {
            return Ok(told.iter().flatten().sum());
        }
        let (a, b) = self.instants(span.from, span.to);
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM member_events
             WHERE group_id = ?1 AND kind = 'join' AND at >= ?2 AND at < ?3
               AND json_valid(detail) AND json_extract(detail, '$.kind') = 'join_invite'",
            params![self.g, a, b],
            |r| r.get(0),
        )?;
        Ok(n as f64)
    }

    /// Members at the start of a day: the count told or counted for the day before,
    /// else the memberships that span that instant.
    fn members_at(&self, d: NaiveDate) -> Result<f64> {
        if let Some(Some(v)) = self.daily("members", back(d, 1), back(d, 1))?.first() {
            return Ok(*v);
        }
        let t = day_bounds(d, self.tz).0;
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM memberships WHERE group_id = ?1
               AND (joined_at IS NULL OR joined_at < ?2) AND (left_at IS NULL OR left_at >= ?2)",
            params![self.g, t],
            |r| r.get(0),
        )?;
        Ok(n as f64)
    }

    /// Of the members who joined in the 30 days ending 30 days before `to`, the share
    /// still in the group 30 days after joining.
    fn retention(&self, to: NaiveDate) -> Result<Option<f64>> {
        let (a, b) = self.instants(back(to, 59), back(to, 30));
        let (cohort, stayed): (i64, i64) = self.conn.query_row(
            "SELECT count(*), COALESCE(sum(left_at IS NULL OR left_at >= joined_at + 30 * 86400), 0)
             FROM memberships WHERE group_id = ?1 AND joined_at >= ?2 AND joined_at < ?3",
            params![self.g, a, b],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(dl::retention(cohort as usize, stayed as usize))
    }
}
