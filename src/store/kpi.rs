//! KPIs in the store: daily values per group in `kpi_daily`, recomputed incrementally;
//! alerts opened and closed once per episode, each with its task on the Today tab;
//! values entered by hand or imported; and the read models of the KPIs tab, `shequn
//! kpi`, `export kpi` and the daily report. The metric math is `domain::kpi`.
//!
//! Incremental: `kpi_dirty` holds (group, day) for every day whose chat activity
//! changed — marked by whoever writes `activity_daily` ([`mark_days`]: the chat import,
//! the demo; a trigger per activity row cost a quarter of the import benchmark) —,
//! (group, 'members') when memberships or join/leave events change and (group, 'all')
//! when someone's identity (staff or not) changes, both by triggers (migration 0007).
//! [`refresh`] takes those marks and, per group, recounts
//! - activity-based values (messages, speakers, KOL messages) and membership values
//!   (members, joins, leaves) from the earliest marked day to the group's last day of
//!   chat — a silent day inside an import writes no activity row but is a real zero,
//!   and the KOL flag looks 30 days back;
//! - the message-content values (ad share, first-response time) only on the marked
//!   days: they are the expensive ones (every message's text), and no other day's
//!   messages changed;
//! - derived values from the earliest marked day on (they look up to 60 days back);
//!
//! then judges every alert rule for every group. It runs in the same transaction as an
//! entry or `import stats`, right after a chat or roster import (whose own transaction
//! stays as fast as before), and at the start of any command or console when
//! [`needs_refresh`] says the data (or the KPI rules) changed since the last run — so
//! the CLI and every console see the same alerts. Measured on the demo database (12
//! groups, 90 days, everything marked): see README "KPIs".
//!
//! Days after a group's last imported chat have no counted values: unknown, not zero,
//! so a group whose export is a few days old does not fall into alarm.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::json;

use super::{Result, StoreError, audit};
use crate::clock::local_day;
use crate::domain::keywords::{Category, Keywords};
use crate::domain::kpi::{
    AlertRule, ChatLine, Frame, Metric, Origin, Step, first_response, health, judge, kol_messages,
    members_at, per_day, rank, step,
};
use crate::domain::rules::Rules;
use crate::domain::stage::Stage;

/// What a recompute needs besides the database.
pub struct KpiEnv<'a> {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub rules: &'a Rules,
    /// The keyword lists: a message hitting the 广告 (ad) list counts as an ad.
    pub keywords: &'a Keywords,
}

/// Mark days whose chat activity changed: every writer of `activity_daily` calls this
/// in the same transaction (once per group and day, not per row).
pub fn mark_days(
    tx: &Transaction<'_>,
    days: impl IntoIterator<Item = (i64, NaiveDate)>,
) -> Result<()> {
    let mut st =
        tx.prepare_cached("INSERT OR IGNORE INTO kpi_dirty (group_id, scope) VALUES (?1, ?2)")?;
    for (g, d) in days {
        st.execute(params![g, d.to_string()])?;
    }
    Ok(())
}

/// What a refresh did.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Refreshed {
    pub groups: usize,
    /// Values written or removed.
    pub writes: usize,
    pub opened: Vec<AlertRow>,
    pub closed: Vec<AlertRow>,
}

/// Whether [`refresh`] has anything to do: data changed since the last one, or the KPI
/// rules did. One indexed read and one small one.
pub fn needs_refresh(conn: &Connection, rules: &Rules) -> Result<bool> {
    let dirty: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM kpi_dirty)", [], |r| r.get(0))?;
    if dirty {
        return Ok(true);
    }
    let seen: Option<String> = conn
        .query_row("SELECT value FROM kpi_meta WHERE key = 'rules'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(seen.as_deref() != Some(fingerprint(rules).as_str()))
}

/// The KPI rules as text: changed thresholds mean a new judgement. (The rules are the
/// team's, from its database, so every console and command judges by the same.)
fn fingerprint(rules: &Rules) -> String {
    format!("{:?}", rules.kpi)
}

/// Recompute what is marked and judge the alerts, inside the caller's transaction.
pub fn refresh(tx: &Transaction<'_>, operator: &str, env: &KpiEnv<'_>) -> Result<Refreshed> {
    let started = std::time::Instant::now();
    let dirty = take_dirty(tx)?;
    let mut out = Refreshed {
        groups: dirty.len(),
        ..Refreshed::default()
    };
    for (g, scope) in &dirty {
        out.writes += recompute_group(tx, *g, scope, env)?;
    }
    let (opened, closed) = evaluate(tx, operator, env)?;
    out.opened = opened;
    out.closed = closed;
    // KPI values live in a WITHOUT ROWID table the change hooks do not see
    if !dirty.is_empty() || !out.opened.is_empty() || !out.closed.is_empty() {
        super::changes::touch(tx, super::changes::Topics::KPI)?;
    }
    let rules_changed = tx.execute(
        "INSERT INTO kpi_meta (key, value) VALUES ('rules', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE value <> excluded.value",
        [fingerprint(env.rules)],
    )?;
    if rules_changed > 0 {
        // judged by the team's new thresholds: a KPI change (kpi_meta is WITHOUT ROWID,
        // which the change hooks do not see; unsaid, it would signal every topic)
        super::changes::touch(tx, super::changes::Topics::KPI)?;
    }
    tracing::info!(
        groups = out.groups,
        writes = out.writes,
        opened = out.opened.len(),
        closed = out.closed.len(),
        ms = started.elapsed().as_millis() as u64,
        "kpi refresh"
    );
    Ok(out)
}

/// What is marked for one group.
#[derive(Debug, Default)]
struct Scope {
    days: BTreeSet<NaiveDate>,
    members: bool,
    all: bool,
}

fn take_dirty(tx: &Transaction<'_>) -> Result<BTreeMap<i64, Scope>> {
    let rows: Vec<(i64, String)> = tx
        .prepare_cached("SELECT group_id, scope FROM kpi_dirty")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    tx.execute("DELETE FROM kpi_dirty", [])?;
    let mut out: BTreeMap<i64, Scope> = BTreeMap::new();
    for (g, scope) in rows {
        let s = out.entry(g).or_default();
        match scope.as_str() {
            "members" => s.members = true,
            "all" => s.all = true,
            day => {
                if let Some(d) = parse_day(day) {
                    s.days.insert(d);
                }
            }
        }
    }
    Ok(out)
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn sub_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

use crate::clock::day_start as midnight;

/// Start instants of `frame`'s days plus the end of its last day.
fn bounds(frame: &Frame, tz: Tz) -> Vec<i64> {
    (0..=frame.len)
        .map(|i| midnight(frame.day(i), tz))
        .collect()
}

/// Recount one group; returns how many values changed.
fn recompute_group(tx: &Transaction<'_>, g: i64, scope: &Scope, env: &KpiEnv<'_>) -> Result<usize> {
    let range: (Option<String>, Option<String>) = tx.query_row(
        "SELECT min(day), max(day) FROM activity_daily WHERE group_id = ?1",
        [g],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let range = match range {
        (Some(a), Some(b)) => parse_day(&a).zip(parse_day(&b)),
        _ => None,
    };
    let touched = scope.days.first().copied();
    let mut writes = 0;
    let mut derive_from = touched;
    if let Some((first, last)) = range {
        let from = if scope.members || scope.all {
            Some(first)
        } else {
            touched.map(|t| t.max(first))
        };
        if let Some(from) = from.filter(|f| *f <= last) {
            derive_from = Some(derive_from.map_or(from, |d| d.min(from)));
            let mut frame = Frame::between(from, last);
            count_activity(tx, g, &mut frame, env)?;
            count_members(tx, g, &mut frame, env.tz)?;
            for i in 0..frame.len {
                let day = frame.day(i).to_string();
                for m in [
                    Metric::Members,
                    Metric::Joins,
                    Metric::Leaves,
                    Metric::Messages,
                    Metric::Speakers,
                    Metric::KolMessages,
                ] {
                    writes += put(tx, g, &day, m, frame.get(m, i))?;
                }
            }
        }
        let scan: Vec<NaiveDate> = if scope.all {
            first.iter_days().take_while(|d| *d <= last).collect()
        } else {
            scope
                .days
                .iter()
                .copied()
                .filter(|d| (first..=last).contains(d))
                .collect()
        };
        writes += scan_messages(tx, g, &scan, env)?;
    }
    if let Some(from) = derive_from {
        writes += derive_group(tx, g, from)?;
    }
    Ok(writes)
}

/// Messages, speakers and KOL messages per day from the per-member daily activity.
/// One member at a time (the rows come in key order, member by member): a dense row of
/// days per member for the whole group at once took 48 MB for 100,000 members over 90
/// days, the peak of `import chat` for such a group.
fn count_activity(tx: &Transaction<'_>, g: i64, frame: &mut Frame, env: &KpiEnv<'_>) -> Result<()> {
    const WINDOW: usize = 30;
    let lead = WINDOW - 1;
    let from = sub_days(frame.start, lead as u64);
    let days = frame.len + lead;
    let more_than = u32::try_from(env.rules.tiers.kol_monthly).unwrap_or(u32::MAX);
    let mut messages = vec![0u64; frame.len];
    let mut speakers = vec![0u64; frame.len];
    let mut kol = vec![0u64; days];
    // one member's messages per day, added into the totals when the next member starts
    let mut counts = vec![0u32; days];
    let mut add = |counts: &mut [u32]| {
        for i in 0..frame.len {
            let c = counts[i + lead];
            if c > 0 {
                messages[i] += u64::from(c);
                speakers[i] += 1;
            }
        }
        for (k, c) in kol
            .iter_mut()
            .zip(kol_messages([&*counts], days, WINDOW, more_than))
        {
            *k += u64::from(c);
        }
        counts.fill(0);
    };
    let mut st = tx.prepare_cached(
        "SELECT member_id, day, messages FROM activity_daily
         WHERE group_id = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY member_id",
    )?;
    let rows = st.query_map(
        params![g, from.to_string(), frame.last_day().to_string()],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        },
    )?;
    let mut member = None;
    for row in rows {
        let (m, day, n) = row?;
        let Some(i) = parse_day(&day).and_then(|d| usize::try_from((d - from).num_days()).ok())
        else {
            continue;
        };
        if i >= days {
            continue;
        }
        if member.is_some_and(|prev| prev != m) {
            add(&mut counts);
        }
        member = Some(m);
        counts[i] = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    }
    if member.is_some() {
        add(&mut counts);
    }
    for i in 0..frame.len {
        frame.set(Metric::Messages, i, Some(messages[i] as f64));
        frame.set(Metric::Speakers, i, Some(speakers[i] as f64));
        frame.set(Metric::KolMessages, i, Some(kol[i + lead] as f64));
    }
    Ok(())
}

/// Members at the end of each day, joins and leaves per day.
fn count_members(tx: &Transaction<'_>, g: i64, frame: &mut Frame, tz: Tz) -> Result<()> {
    let spans: Vec<(Option<i64>, Option<i64>)> = tx
        .prepare_cached("SELECT joined_at, left_at FROM memberships WHERE group_id = ?1")?
        .query_map([g], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let b = bounds(frame, tz);
    let members = members_at(&spans, &b[1..]);
    let events: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT at, kind FROM member_events
             WHERE group_id = ?1 AND kind IN ('join', 'leave', 'kick') AND at >= ?2 AND at < ?3",
        )?
        .query_map(params![g, b[0], b[frame.len]], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let joins: Vec<i64> = events
        .iter()
        .filter(|(_, k)| k == "join")
        .map(|(t, _)| *t)
        .collect();
    let leaves: Vec<i64> = events
        .iter()
        .filter(|(_, k)| k != "join")
        .map(|(t, _)| *t)
        .collect();
    let (joins, leaves) = (per_day(&joins, &b), per_day(&leaves, &b));
    for i in 0..frame.len {
        frame.set(Metric::Members, i, Some(f64::from(members[i])));
        frame.set(Metric::Joins, i, Some(f64::from(joins[i])));
        frame.set(Metric::Leaves, i, Some(f64::from(leaves[i])));
    }
    Ok(())
}

/// Ad share and first-response time of each of `days`, from the stored messages.
fn scan_messages(
    tx: &Transaction<'_>,
    g: i64,
    days: &[NaiveDate],
    env: &KpiEnv<'_>,
) -> Result<usize> {
    if days.is_empty() {
        return Ok(0);
    }
    let staff: BTreeSet<i64> = tx
        .prepare_cached(
            "SELECT ms.member_id FROM memberships ms JOIN members m ON m.id = ms.member_id
             WHERE ms.group_id = ?1
               AND (m.identity = 'staff' OR ms.role IN ('owner', 'admin')
                    OR (m.wxid IS NULL AND m.name = ?2))",
        )?
        .query_map(params![g, crate::import::SELF_SENDER], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // the messages of an import still being written are not there yet (visible_messages,
    // migration 0011); the newest one walks the group's key backwards, like max() did
    let data_end: i64 = tx
        .query_row(
            "SELECT sent_at FROM visible_messages WHERE group_id = ?1 ORDER BY sent_at DESC LIMIT 1",
            [g],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .unwrap_or(0);
    let fr = &env.rules.kpi.first_response;
    let window = fr.window_hours.max(1) * 3600;
    let mut st = tx.prepare_cached(
        "SELECT sent_at, member_id, kind, content FROM visible_messages
         WHERE group_id = ?1 AND sent_at >= ?2 AND sent_at < ?3 ORDER BY sent_at",
    )?;
    // the first staff message in a range: walks the (group, time) key in order and
    // stops at the first match, without reading the texts
    let mut next_staff = tx.prepare_cached(
        "SELECT sent_at FROM visible_messages
         WHERE group_id = ?1 AND sent_at >= ?2 AND sent_at < ?3
           AND member_id IN (SELECT ms.member_id FROM memberships ms JOIN members m ON m.id = ms.member_id
                             WHERE ms.group_id = ?1
                               AND (m.identity = 'staff' OR ms.role IN ('owner', 'admin')
                                    OR (m.wxid IS NULL AND m.name = ?4)))
         ORDER BY sent_at LIMIT 1",
    )?;
    let mut writes = 0;
    for &day in days {
        let from = midnight(day, env.tz);
        let to = day
            .succ_opt()
            .map_or(from + 86_400, |d| midnight(d, env.tz));
        let rows = st.query_map(params![g, from, to], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        let (mut said, mut ads) = (0u64, 0u64);
        let mut lines = Vec::new();
        for row in rows {
            let (at, member, kind, content) = row?;
            // system lines (joins, recalls) are nobody's message
            let Some(member) = member else { continue };
            let text = if kind == "text" {
                content.as_deref().unwrap_or("")
            } else {
                ""
            };
            let is_staff = staff.contains(&member);
            said += 1;
            if !text.is_empty() && env.keywords.contains(text, Category::Ad) {
                ads += 1;
            }
            lines.push(ChatLine {
                at,
                staff: is_staff,
                question: !is_staff && !text.is_empty() && fr.is_question(text),
            });
        }
        // a question still waiting at midnight: its answer comes the next day
        let last_staff = lines.iter().rposition(|l| l.staff);
        let waiting = lines
            .iter()
            .skip(last_staff.map_or(0, |i| i + 1))
            .any(|l| l.question);
        if waiting
            && let Some(at) = next_staff
                .query_row(
                    params![g, to, to + window, crate::import::SELF_SENDER],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
        {
            lines.push(ChatLine {
                at,
                staff: true,
                question: false,
            });
        }
        let d = day.to_string();
        let (ad_messages, ad_share) = if said == 0 {
            (None, None)
        } else {
            (Some(ads as f64), Some(ads as f64 / said as f64))
        };
        writes += put(tx, g, &d, Metric::AdMessages, ad_messages)?;
        writes += put(tx, g, &d, Metric::AdShare, ad_share)?;
        writes += put(
            tx,
            g,
            &d,
            Metric::FirstResponse,
            first_response(&lines, from, to, window, data_end),
        )?;
    }
    Ok(writes)
}

/// The derived values of every day from `from` to the group's last value.
fn derive_group(tx: &Transaction<'_>, g: i64, from: NaiveDate) -> Result<usize> {
    let last: Option<String> = tx.query_row(
        "SELECT max(day) FROM kpi_daily WHERE group_id = ?1",
        [g],
        |r| r.get(0),
    )?;
    let Some(last) = last.as_deref().and_then(parse_day) else {
        return Ok(0);
    };
    if last < from {
        return Ok(0);
    }
    let mut frame = Frame::between(sub_days(from, 60), last);
    load_into(tx, g, &mut frame, None)?;
    frame.derive();
    let mut writes = 0;
    let derived: Vec<Metric> = Metric::ALL
        .into_iter()
        .filter(|m| m.origin() == Origin::Derived)
        .collect();
    for i in frame.index(from).unwrap_or(frame.len)..frame.len {
        let day = frame.day(i).to_string();
        for &m in &derived {
            writes += put(tx, g, &day, m, frame.get(m, i))?;
        }
    }
    Ok(writes)
}

/// Read a group's stored values into `frame` (only `metrics`, when given).
fn load_into(
    conn: &Connection,
    g: i64,
    frame: &mut Frame,
    metrics: Option<&[Metric]>,
) -> Result<()> {
    let mut st = conn.prepare_cached(
        "SELECT day, metric, value FROM kpi_daily WHERE group_id = ?1 AND day BETWEEN ?2 AND ?3",
    )?;
    let rows = st.query_map(
        params![g, frame.start.to_string(), frame.last_day().to_string()],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, f64>(2)?,
            ))
        },
    )?;
    for row in rows {
        let (day, metric, value) = row?;
        let (Some(d), Some(m)) = (parse_day(&day), Metric::parse(&metric)) else {
            continue;
        };
        if metrics.is_none_or(|ms| ms.contains(&m)) {
            frame.set_day(m, d, Some(value));
        }
    }
    Ok(())
}

/// Write one computed value (None removes it). A value WeChat told (manual, import)
/// is never overwritten by a count. Returns 1 when something changed.
fn put(tx: &Transaction<'_>, g: i64, day: &str, m: Metric, v: Option<f64>) -> Result<usize> {
    Ok(match v {
        Some(v) => tx
            .prepare_cached(
                "INSERT INTO kpi_daily (group_id, day, metric, value, source)
                 VALUES (?1, ?2, ?3, ?4, 'computed')
                 ON CONFLICT (group_id, day, metric) DO UPDATE SET value = excluded.value
                 WHERE kpi_daily.source = 'computed' AND kpi_daily.value IS NOT excluded.value",
            )?
            .execute(params![g, day, m.word(), v])?,
        None => tx
            .prepare_cached(
                "DELETE FROM kpi_daily
                 WHERE group_id = ?1 AND day = ?2 AND metric = ?3 AND source = 'computed'",
            )?
            .execute(params![g, day, m.word()])?,
    })
}

// ---------------------------------------------------------------------------------------
// Alerts

/// An alert as the tab, `shequn kpi` and the report show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRow {
    pub id: i64,
    pub group: String,
    #[serde(skip)]
    pub group_id: i64,
    pub rule: String,
    /// First day of the episode.
    pub since: String,
    /// The metric's latest value (at closing: the value it recovered to).
    pub value: Option<f64>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// Its task on the Today tab.
    pub task: Option<i64>,
    pub task_state: Option<String>,
    pub assignee: Option<String>,
    /// The task's title: the playbook step.
    pub step: Option<String>,
}

const ALERT_SELECT: &str = "SELECT a.id, g.name, a.group_id, a.rule, a.since, a.value, a.opened_at,
        a.closed_at, s.id, s.state, s.assignee, s.title
 FROM alerts a JOIN groups g ON g.id = a.group_id
 LEFT JOIN sop_instances s ON s.id = (SELECT max(id) FROM sop_instances WHERE alert_id = a.id)";

fn alert_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertRow> {
    Ok(AlertRow {
        id: r.get(0)?,
        group: r.get(1)?,
        group_id: r.get(2)?,
        rule: r.get(3)?,
        since: r.get(4)?,
        value: r.get(5)?,
        opened_at: r.get(6)?,
        closed_at: r.get(7)?,
        task: r.get(8)?,
        task_state: r.get(9)?,
        assignee: r.get(10)?,
        step: r.get(11)?,
    })
}

/// Open alerts, the oldest episode first.
pub fn open_alerts(conn: &Connection) -> Result<Vec<AlertRow>> {
    let sql = format!("{ALERT_SELECT} WHERE a.closed_at IS NULL ORDER BY a.since, g.name, a.rule");
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map([], alert_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Alerts whose episode covers `day` (`day_start` is its first instant): begun by
/// then and not closed before it. For a report on an earlier day.
pub fn alerts_on(conn: &Connection, day: NaiveDate, day_start: i64) -> Result<Vec<AlertRow>> {
    let sql = format!(
        "{ALERT_SELECT} WHERE a.since <= ?1 AND (a.closed_at IS NULL OR a.closed_at >= ?2)
         ORDER BY a.since, g.name, a.rule"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(params![day.to_string(), day_start], alert_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn alert_by_id(conn: &Connection, id: i64) -> Result<AlertRow> {
    let sql = format!("{ALERT_SELECT} WHERE a.id = ?1");
    conn.query_row(&sql, [id], alert_row)
        .optional()?
        .ok_or(StoreError::NotFound { what: "alert", id })
}

/// Judge every rule for every group; open, update and close alerts.
fn evaluate(
    tx: &Transaction<'_>,
    operator: &str,
    env: &KpiEnv<'_>,
) -> Result<(Vec<AlertRow>, Vec<AlertRow>)> {
    let today = local_day(env.now, env.tz);
    // 60 days: far more than any rule's run, and a group whose chat stopped coming in
    // keeps its last verdict for two months instead of losing it at once
    let start = sub_days(today, 60);
    let rules = &env.rules.kpi.alerts;
    let metrics: Vec<Metric> = rules
        .values()
        .map(|r| r.metric)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let groups: Vec<i64> = tx
        .prepare_cached("SELECT id FROM groups WHERE archived = 0 ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let open: BTreeMap<(i64, String), (i64, Option<f64>)> = tx
        .prepare_cached("SELECT group_id, rule, id, value FROM alerts WHERE closed_at IS NULL")?
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))?
        .collect::<rusqlite::Result<_>>()?;
    let (mut opened, mut closed) = (Vec::new(), Vec::new());
    for g in groups {
        let mut frame = Frame::between(start, today);
        load_into(tx, g, &mut frame, Some(&metrics))?;
        for (name, rule) in rules {
            let verdict = judge(rule, &frame.col(rule.metric), start);
            let current = open.get(&(g, name.clone()));
            match step(current.map(|c| c.1), verdict) {
                Step::Open { since, value } => {
                    let id = open_alert(tx, operator, env, g, name, rule, since, value)?;
                    opened.push(alert_by_id(tx, id)?);
                }
                Step::Close { value } => {
                    if let Some(&(id, _)) = current {
                        close_alert(tx, operator, env, id, rule, value)?;
                        closed.push(alert_by_id(tx, id)?);
                    }
                }
                Step::Update { value } => {
                    if let Some(&(id, _)) = current {
                        tx.execute(
                            "UPDATE alerts SET value = ?2 WHERE id = ?1",
                            params![id, value],
                        )?;
                    }
                }
                Step::Keep => {}
            }
        }
    }
    // Every open alert has its task: one opened by an older shequn (or the demo's) too.
    let orphans: Vec<(i64, i64, String, String, Option<f64>)> = tx
        .prepare_cached(
            "SELECT a.id, a.group_id, a.rule, a.since, a.value FROM alerts a
             WHERE a.closed_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM sop_instances s WHERE s.alert_id = a.id)
             ORDER BY a.id",
        )?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, g, name, since, value) in orphans {
        if let Some(rule) = rules.get(&name) {
            create_task(tx, operator, env, id, g, rule, &since, value)?;
        }
    }
    Ok((opened, closed))
}

#[allow(clippy::too_many_arguments)]
fn open_alert(
    tx: &Transaction<'_>,
    operator: &str,
    env: &KpiEnv<'_>,
    g: i64,
    name: &str,
    rule: &AlertRule,
    since: NaiveDate,
    value: f64,
) -> Result<i64> {
    let at = env.now.timestamp();
    tx.execute(
        "INSERT INTO alerts (group_id, rule, since, value, opened_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![g, name, since.to_string(), value, at],
    )?;
    let id = tx.last_insert_rowid();
    let task = create_task(
        tx,
        operator,
        env,
        id,
        g,
        rule,
        &since.to_string(),
        Some(value),
    )?;
    audit(
        tx,
        at,
        operator,
        "open",
        "alert",
        Some(id),
        None,
        Some(
            &json!({ "group_id": g, "rule": name, "since": since.to_string(),
                      "value": value, "task": task }),
        ),
    )?;
    Ok(id)
}

/// The alert's task on today's list: the playbook step, due `due_hours` from now but
/// by the end of the day at the latest (a task due tomorrow would not be on the list
/// the operator looks at now), for the group's owner when the owner is an operator
/// (else unassigned: anyone claims it). Until it is done or the alert closes it stays
/// on the list of the following days too (`views::today_open`).
#[allow(clippy::too_many_arguments)]
fn create_task(
    tx: &Transaction<'_>,
    operator: &str,
    env: &KpiEnv<'_>,
    alert: i64,
    g: i64,
    rule: &AlertRule,
    since: &str,
    value: Option<f64>,
) -> Result<i64> {
    let today = local_day(env.now, env.tz);
    let due = (env.now + chrono::Duration::hours(i64::from(rule.due_hours))).with_timezone(&env.tz);
    let slot = if due.date_naive() > today {
        "23:59".to_string()
    } else {
        due.format("%H:%M").to_string()
    };
    let day = today.to_string();
    let assignee: Option<String> = tx
        .query_row(
            "SELECT g.owner FROM groups g JOIN operators o ON o.login = g.owner WHERE g.id = ?1",
            [g],
            |r| r.get(0),
        )
        .optional()?;
    let note = task_note(rule, since, value);
    tx.execute(
        "INSERT INTO sop_instances (group_id, item_id, day, slot, title, note, assignee, alert_id)
         VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![g, day, slot, rule.step, note, assignee, alert],
    )?;
    let id = tx.last_insert_rowid();
    audit(
        tx,
        env.now.timestamp(),
        operator,
        "create",
        "sop_instance",
        Some(id),
        None,
        Some(
            &json!({ "alert_id": alert, "title": rule.step, "day": day, "slot": slot,
                      "assignee": assignee }),
        ),
    )?;
    Ok(id)
}

/// Why the task exists, in Chinese (stored once, read by every operator): "日活率 10.9%
/// (< 15.0%,连续 3 天)· 自 2026-02-27".
pub fn task_note(rule: &AlertRule, since: &str, value: Option<f64>) -> String {
    let value = value.map(|v| rule.metric.show(v)).unwrap_or_default();
    let run = if rule.days > 1 {
        format!(",连续 {} 天", rule.days)
    } else {
        String::new()
    };
    format!(
        "{} {value}({}{run})· 自 {since}",
        rule.metric.zh(),
        rule.line()
    )
}

fn close_alert(
    tx: &Transaction<'_>,
    operator: &str,
    env: &KpiEnv<'_>,
    id: i64,
    rule: &AlertRule,
    value: f64,
) -> Result<()> {
    let at = env.now.timestamp();
    tx.execute(
        "UPDATE alerts SET closed_at = ?2, value = ?3 WHERE id = ?1 AND closed_at IS NULL",
        params![id, at, value],
    )?;
    // The task stays on record; one nobody did is set aside with the reason, so it
    // neither lingers on the list nor reads as forgotten.
    let open_tasks: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT id, state FROM sop_instances WHERE alert_id = ?1 AND state IN ('todo', 'missed')",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let why = format!(
        "指标已恢复: {} {}",
        rule.metric.zh(),
        rule.metric.show(value)
    );
    for (task, state) in &open_tasks {
        tx.execute(
            "UPDATE sop_instances SET state = 'skipped', done_at = ?2,
                 note = CASE WHEN note IS NULL THEN ?3 ELSE note || ' · ' || ?3 END,
                 claimed_by = NULL, claimed_at = NULL, version = version + 1
             WHERE id = ?1",
            params![task, at, why],
        )?;
        audit(
            tx,
            at,
            operator,
            "skip",
            "sop_instance",
            Some(*task),
            Some(&json!({ "state": state })),
            Some(&json!({ "state": "skipped", "reason": why })),
        )?;
    }
    audit(
        tx,
        at,
        operator,
        "close",
        "alert",
        Some(id),
        None,
        Some(&json!({ "value": value, "tasks_set_aside": open_tasks.len() })),
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Values WeChat told

/// Enter one value by hand (the console's form). Marks the day for the recompute,
/// which the caller runs in the same transaction. Returns the value it replaced.
#[allow(clippy::too_many_arguments)]
pub fn enter(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    group_id: i64,
    day: NaiveDate,
    metric: Metric,
    value: f64,
) -> Result<Option<f64>> {
    if metric.origin() == Origin::Derived {
        return Err(StoreError::Refused(format!(
            "{} is computed from other values; enter those instead",
            metric.word()
        )));
    }
    if !value.is_finite() || value < 0.0 {
        return Err(StoreError::Refused(format!(
            "{value} is not a count: enter a number ≥ 0"
        )));
    }
    let old = write_told(tx, group_id, &day.to_string(), metric, value, "manual")?;
    audit(
        tx,
        at,
        operator,
        "enter",
        "kpi_daily",
        Some(group_id),
        old.map(|v| json!({ "day": day.to_string(), "metric": metric.word(), "value": v }))
            .as_ref(),
        Some(&json!({ "day": day.to_string(), "metric": metric.word(), "value": value })),
    )?;
    Ok(old)
}

/// Store a value from WeChat and mark its day; returns the value it replaced.
fn write_told(
    tx: &Transaction<'_>,
    g: i64,
    day: &str,
    metric: Metric,
    value: f64,
    source: &str,
) -> Result<Option<f64>> {
    let old: Option<f64> = tx
        .query_row(
            "SELECT value FROM kpi_daily WHERE group_id = ?1 AND day = ?2 AND metric = ?3",
            params![g, day, metric.word()],
            |r| r.get(0),
        )
        .optional()?;
    tx.prepare_cached(
        "INSERT INTO kpi_daily (group_id, day, metric, value, source) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (group_id, day, metric) DO UPDATE SET value = excluded.value, source = excluded.source",
    )?
    .execute(params![g, day, metric.word(), value, source])?;
    tx.prepare_cached("INSERT OR IGNORE INTO kpi_dirty (group_id, scope) VALUES (?1, ?2)")?
        .execute(params![g, day])?;
    Ok(old)
}

/// One value of an imported stats file.
#[derive(Debug, Clone, PartialEq)]
pub struct StatValue {
    pub line: u64,
    pub group: String,
    pub day: NaiveDate,
    pub metric: Metric,
    pub value: f64,
}

/// What `import stats` did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatsSummary {
    pub file: String,
    pub format: String,
    pub values: u64,
    pub changed: u64,
    pub days: u64,
    pub groups: Vec<String>,
    pub opened: Vec<AlertRow>,
    pub closed: Vec<AlertRow>,
}

/// Store imported values (source `import`) in one transaction with the recompute; an
/// unknown group stops it with its line and nothing is written.
pub fn import_stats(
    store: &mut super::Store,
    values: &[StatValue],
    file: &str,
    format: &str,
    env: &KpiEnv<'_>,
) -> Result<StatsSummary> {
    let mut s = StatsSummary {
        file: file.to_string(),
        format: format.to_string(),
        ..StatsSummary::default()
    };
    store.write(crate::domain::roles::Perm::Import, |tx, op| {
        let mut ids: BTreeMap<String, i64> = BTreeMap::new();
        let mut days = BTreeSet::new();
        for v in values {
            let g = match ids.get(&v.group) {
                Some(g) => *g,
                None => {
                    let g: i64 = tx
                        .query_row("SELECT id FROM groups WHERE name = ?1", [&v.group], |r| {
                            r.get(0)
                        })
                        .optional()?
                        .ok_or_else(|| {
                            StoreError::Refused(format!(
                                "{file}:{}: no group {:?}; `shequn group list` shows the names (nothing was imported)",
                                v.line, v.group
                            ))
                        })?;
                    ids.insert(v.group.clone(), g);
                    g
                }
            };
            let old = write_told(tx, g, &v.day.to_string(), v.metric, v.value, "import")?;
            s.values += 1;
            if old.is_none_or(|o| (o - v.value).abs() > 1e-9) {
                s.changed += 1;
            }
            days.insert((g, v.day));
        }
        s.days = days.len() as u64;
        s.groups = ids.keys().cloned().collect();
        let r = refresh(tx, op, env)?;
        s.opened = r.opened;
        s.closed = r.closed;
        audit(
            tx,
            env.now.timestamp(),
            op,
            "import",
            "stats",
            None,
            None,
            Some(&json!({ "file": file, "format": format, "values": s.values,
                          "changed": s.changed, "days": s.days, "groups": s.groups })),
        )?;
        Ok(())
    })?;
    Ok(s)
}

// ---------------------------------------------------------------------------------------
// Read models

/// One group's (or all groups') KPIs over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupKpi {
    /// 0 for the all-groups row.
    pub group_id: i64,
    pub group: String,
    pub kind: String,
    pub created_on: String,
    pub stage: Option<Stage>,
    pub frame: Frame,
    pub health: Option<u32>,
    /// 1 = healthiest.
    pub rank: Option<usize>,
    pub alerts: usize,
}

impl GroupKpi {
    pub fn is_all(&self) -> bool {
        self.group_id == 0
    }
}

/// What the KPIs tab shows: groups ranked by health, the all-groups row, open alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiBoard {
    pub end: NaiveDate,
    pub groups: Vec<GroupKpi>,
    pub all: GroupKpi,
    pub alerts: Vec<AlertRow>,
    /// The groups in launch (issue 16): the tab's launch board view. Filled by the
    /// tab's loader (`store::launch::board`), empty from [`board`].
    pub launch: Vec<super::launch::LaunchStatus>,
}

/// Every group's values from `from` to `to` (one group when `only` names it).
pub fn frames(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    only: Option<&str>,
    rules: &Rules,
) -> Result<Vec<GroupKpi>> {
    let groups: Vec<(i64, String, String, String)> = conn
        .prepare_cached(
            "SELECT id, name, kind, created_on FROM groups
             WHERE archived = 0 AND (?1 IS NULL OR name = ?1) ORDER BY id",
        )?
        .query_map([only], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let open: BTreeMap<i64, usize> = conn
        .prepare_cached(
            "SELECT group_id, count(*) FROM alerts WHERE closed_at IS NULL GROUP BY group_id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(groups.len());
    for (id, name, kind, created_on) in groups {
        let mut frame = Frame::between(from, to);
        load_into(conn, id, &mut frame, None)?;
        let stage =
            parse_day(&created_on).map(|c| Stage::of_age((to - c).num_days(), &rules.kpi.stages));
        let alerts = open.get(&id).copied().unwrap_or(0);
        out.push(GroupKpi {
            group_id: id,
            group: name,
            kind,
            created_on,
            stage,
            health: health(&frame, &rules.kpi, alerts),
            frame,
            rank: None,
            alerts,
        });
    }
    let ranks = rank(
        &out.iter()
            .map(|g| {
                (
                    g.health,
                    crate::domain::kpi::mean(&g.frame.tail(Metric::DauRate, 7)),
                )
            })
            .collect::<Vec<_>>(),
    );
    for (g, r) in out.iter_mut().zip(ranks) {
        g.rank = r;
    }
    Ok(out)
}

/// The KPIs tab's data: `days` days ending `end`.
pub fn board(conn: &Connection, end: NaiveDate, days: u32, rules: &Rules) -> Result<KpiBoard> {
    let from = sub_days(end, u64::from(days.saturating_sub(1)));
    let mut groups = frames(conn, from, end, None, rules)?;
    groups.sort_by_key(|g| (g.rank.unwrap_or(usize::MAX), g.group_id));
    let frame = Frame::combine(
        groups.iter().map(|g| &g.frame),
        from,
        Frame::between(from, end).len,
    );
    let alerts = open_alerts(conn)?;
    let parts: Vec<(Option<u32>, Option<f64>)> = groups
        .iter()
        .map(|g| (g.health, g.frame.latest(Metric::Members).map(|(_, v)| v)))
        .collect();
    let all = GroupKpi {
        group_id: 0,
        group: String::new(),
        kind: String::new(),
        created_on: String::new(),
        stage: None,
        health: crate::domain::kpi::overall_health(&parts),
        frame,
        rank: None,
        alerts: alerts.len(),
    };
    Ok(KpiBoard {
        end,
        groups,
        all,
        alerts,
        launch: Vec::new(),
    })
}
