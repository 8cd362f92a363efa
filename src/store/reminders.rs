//! Reminders in the store (issue 7): planned from the data, fired once, snoozed and
//! dismissed for everyone they are for. The timing lives in `crate::reminders`; this
//! module is what every console, `remind --due` and `remind --watch` share.
//!
//! * [`plan`] derives reminders from every source — SOP item offsets (before / at /
//!   after the slot), countdown items, scheduled content, review requests, open KPI
//!   alerts, member warnings — for the next `horizon_hours`, and inserts the missing
//!   ones. Each planned row carries a `source_key`, unique, so planning again (every
//!   console does it on every change) never duplicates; a moved slot moves its pending
//!   reminders. What no longer applies is closed with the reason in `resolved`: an
//!   item done before its nag drops the nag.
//! * [`fire_due`] turns what is due into `fired` inside the caller's `BEGIN IMMEDIATE`
//!   transaction: the `state = 'pending'` guard makes a reminder fire once, ever,
//!   whichever console or watcher gets there first. Of several due reminders of one
//!   thing (the 08:20 and 08:30 ones of a greeting nobody posted while every console
//!   was closed) only the latest fires; the others are superseded.
//! * [`Watcher`] is one console's (or watcher's) view: it plans, fires and reports what
//!   fired since it started — also what another console fired for the same people —
//!   and when the next one is due.
//!
//! * Bundles (issue 14): reminders of one kind and day are one thing to do — the 28
//!   new members gone quiet since yesterday, the same SOP step in three groups — so
//!   the Reminders tab shows them as one line, the status bar counts them once
//!   ([`due_count`]) and one key (or `remind dismiss --kind …`) deals with all of
//!   them ([`dismiss_many`], [`snooze_many`]; each row is still audited on its own).
//!   See [`ReminderRow::bundle`]. The review queue is one bundle whatever the day:
//!   an item waits in review until someone reviews it, and its reminder with it.
//! * Expiry by kind, in [`resolve`]: an SOP or countdown reminder closes with its item
//!   (done, skipped, missed once it expired); a content reminder when the item is
//!   published, moved or sent back, and a day after its slot at the latest (an hour
//!   while still pending); a review reminder once the item left review (or was
//!   resubmitted, which asks again); an alert's when the alert closes; a member
//!   warning when the member spoke or left, and a day after it fell due (or after its
//!   snooze ended) at the latest — the Members tab keeps flagging them; an ad-hoc
//!   reminder never (a person wrote it).
//!
//! A team reminder (`for_login` NULL) is the team's, like an SOP item: one operator
//! dismissing or snoozing it does so for all. `version` counts people's changes only
//! (snooze, dismiss): a console's view is refused as stale when a colleague acted on
//! the reminder, not because it fired or was re-planned meanwhile.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::json;

use super::{Refusal, Result, Store, StoreError, audit};
use crate::domain::rules::Rules;
use crate::domain::sop::Recurrence;

/// Sources whose reminders of one thing (an SOP instance, a content item) supersede
/// each other: the "in 10 minutes" one is replaced by the "now" one, then the nag.
const THINGS: [&str; 3] = ["sop", "countdown", "content"];

/// How far back a member warning that fell due is still planned: a console closed
/// overnight hears of yesterday's, but an old database does not flood anyone with every
/// member who went quiet while nobody looked (the Members tab flags them all).
pub const MEMBER_LOOKBACK_SECS: i64 = 86_400;

/// A content reminder that fired is closed this long after the slot: the content queue
/// shows what was never marked published.
const CONTENT_EXPIRY_SECS: i64 = 86_400;

/// How far back a watcher looks for reminders another console fired.
const SEEN_WINDOW_SECS: i64 = 3600;

/// How often member warnings are re-planned: they change by the day, and finding the
/// members who just turned 30 days silent reads the activity table.
pub const MEMBER_REPLAN_SECS: i64 = 3600;

/// One reminder as the console, `remind --due` and `remind --watch` see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReminderRow {
    pub id: i64,
    pub due_at: i64,
    pub title: String,
    pub group: Option<String>,
    pub state: String,
    pub for_login: Option<String>,
    pub snoozed_until: Option<i64>,
    pub source: String,
    pub source_id: Option<i64>,
    /// Refines the source: `new_silent` / `recall` for members, days to the event for
    /// countdowns.
    pub kind: Option<String>,
    /// Minutes relative to the thing's own time (-10 before, 0 at, 15 after).
    pub lead_min: Option<i64>,
    pub body: Option<String>,
    pub fired_at: Option<i64>,
    pub dismissed_by: Option<String>,
    pub resolved: Option<String>,
    pub closed_at: Option<i64>,
    pub version: i64,
}

/// Where a reminder sits on the Reminders tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// Fired, or pending or snoozed past its time: to act on now.
    Due,
    Snoozed,
    Upcoming,
    /// Dismissed by someone in the last day.
    Done,
}

impl Section {
    pub fn word(self) -> &'static str {
        match self {
            Section::Due => "due",
            Section::Snoozed => "snoozed",
            Section::Upcoming => "upcoming",
            Section::Done => "done",
        }
    }
}

impl ReminderRow {
    pub fn section(&self, now: i64) -> Section {
        match self.state.as_str() {
            "fired" => Section::Due,
            "snoozed" if self.snoozed_until.is_some_and(|u| u <= now) => Section::Due,
            "snoozed" => Section::Snoozed,
            "pending" if self.due_at <= now => Section::Due,
            "pending" => Section::Upcoming,
            _ => Section::Done,
        }
    }

    /// When it next wants attention: the snooze's end, else its due time.
    pub fn when(&self) -> i64 {
        match (self.state.as_str(), self.snoozed_until) {
            ("snoozed", Some(u)) => u,
            _ => self.due_at,
        }
    }

    /// Its kind as `remind … --kind` names it: the member warning's (`new_silent`,
    /// `recall`), else its source (`sop`, `countdown`, `content`, `review`, `alert`,
    /// `adhoc`).
    pub fn kind_word(&self) -> &str {
        match (self.source.as_str(), self.kind.as_deref()) {
            ("member", Some(k)) => k,
            (s, _) => s,
        }
    }

    /// The bundle it belongs to: reminders of one kind and (local) day — of when it
    /// next wants attention — are one thing to do. Member warnings of a kind; the same
    /// SOP step, countdown or content reminder (same text) in several groups; alerts
    /// of one rule; every review request (the review queue, whatever the day). An
    /// ad-hoc reminder is its own (None).
    pub fn bundle(&self, tz: Tz) -> Option<String> {
        let day = Utc
            .timestamp_opt(self.when(), 0)
            .single()
            .map(|t| crate::clock::local_day(t, tz).to_string())
            .unwrap_or_default();
        let lead = self.lead_min.map(|m| m.to_string()).unwrap_or_default();
        let kind = self.kind.as_deref().unwrap_or("");
        match self.source.as_str() {
            "adhoc" => None,
            "review" => Some("review".into()),
            "member" => Some(format!("member:{kind}:{day}")),
            "alert" => Some(format!("alert:{}:{day}", self.title)),
            s => Some(format!("{s}:{kind}:{lead}:{day}:{}", self.title)),
        }
    }

    /// Reminders of the same thing (one SOP instance, one content item) share this.
    fn thing(&self) -> Option<(&str, i64)> {
        THINGS
            .contains(&self.source.as_str())
            .then_some(self.source_id)
            .flatten()
            .map(|id| (self.source.as_str(), id))
    }
}

const COLUMNS: &str = "r.id, r.due_at, r.title, g.name, r.state, r.for_login, r.snoozed_until,
     r.source, r.source_id, r.kind, r.lead_min, r.body, r.fired_at, r.dismissed_by, r.resolved,
     r.closed_at, r.version";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReminderRow> {
    Ok(ReminderRow {
        id: r.get(0)?,
        due_at: r.get(1)?,
        title: r.get(2)?,
        group: r.get(3)?,
        state: r.get(4)?,
        for_login: r.get(5)?,
        snoozed_until: r.get(6)?,
        source: r.get(7)?,
        source_id: r.get(8)?,
        kind: r.get(9)?,
        lead_min: r.get(10)?,
        body: r.get(11)?,
        fired_at: r.get(12)?,
        dismissed_by: r.get(13)?,
        resolved: r.get(14)?,
        closed_at: r.get(15)?,
        version: r.get(16)?,
    })
}

fn select(
    conn: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<ReminderRow>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM reminders r LEFT JOIN groups g ON g.id = r.group_id WHERE {filter}"
    ))?;
    let rows = st.query_map(args, read_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One reminder.
pub fn get(conn: &Connection, id: i64) -> Result<ReminderRow> {
    select(conn, "r.id = ?1", [id])?
        .pop()
        .ok_or(StoreError::NotFound {
            what: "reminder",
            id,
        })
}

/// For the login, or for the whole team.
const FOR_ME: &str = "(r.for_login IS NULL OR r.for_login = ?1)";

/// The Reminders tab: what is due, snoozed, coming within `horizon` seconds, and what
/// someone dismissed in the last day. One row per thing: of an SOP item's three
/// reminders the current one shows, not the ones it replaces or that follow it.
pub fn list(conn: &Connection, login: &str, now: i64, horizon: i64) -> Result<Vec<ReminderRow>> {
    let rows = select(
        conn,
        &format!(
            "{FOR_ME} AND (r.state IN ('fired', 'snoozed')
                 OR (r.state = 'pending' AND r.due_at <= ?2 + ?3)
                 OR (r.state = 'dismissed' AND r.resolved IS NULL
                     AND COALESCE(r.closed_at, r.due_at) >= ?2 - 86400))"
        ),
        params![login, now, horizon],
    )?;
    let mut rows = current_per_thing(rows, now);
    rows.sort_by_key(|r| {
        let s = r.section(now);
        // what fell due last and the newest dismissal first; what is coming, soonest first
        let t = match s {
            Section::Due => -r.due_at,
            Section::Done => -r.closed_at.unwrap_or(r.due_at),
            Section::Snoozed | Section::Upcoming => r.when(),
        };
        (s, t, r.id)
    });
    Ok(rows)
}

/// What is due for `login` now: fired, or pending or snoozed past its time (one per
/// thing). `remind --due` prints these; the status bar counts them.
pub fn due(conn: &Connection, login: &str, now: i64) -> Result<Vec<ReminderRow>> {
    let rows = select(
        conn,
        &format!(
            "{FOR_ME} AND (r.state = 'fired' OR (r.state = 'pending' AND r.due_at <= ?2)
                 OR (r.state = 'snoozed' AND r.snoozed_until <= ?2))
             ORDER BY r.due_at, r.id"
        ),
        params![login, now],
    )?;
    Ok(current_per_thing(rows, now))
}

/// How many things are due for `login` (the status bar): a bundle of reminders (28
/// quiet new members, one SOP step in three groups) counts once.
pub fn due_count(conn: &Connection, login: &str, now: i64, tz: Tz) -> Result<i64> {
    Ok(bundle_count(&due(conn, login, now)?, tz) as i64)
}

/// How many things to do these reminders are: one per bundle, one per ad-hoc reminder.
pub fn bundle_count(rows: &[ReminderRow], tz: Tz) -> usize {
    let mut seen = HashSet::new();
    rows.iter()
        .filter(|r| r.bundle(tz).is_none_or(|b| seen.insert(b)))
        .count()
}

/// Of the reminders due for `login` now, those of kind `kind` (see
/// [`ReminderRow::kind_word`]), in the group `group_id`, falling due on `day` (each
/// when given): what `remind dismiss --kind …` and `remind snooze --kind …` act on.
pub fn due_matching(
    conn: &Connection,
    login: &str,
    now: i64,
    tz: Tz,
    kind: Option<&str>,
    group: Option<&str>,
    day: Option<NaiveDate>,
) -> Result<Vec<ReminderRow>> {
    Ok(due(conn, login, now)?
        .into_iter()
        .filter(|r| kind.is_none_or(|k| r.kind_word() == k))
        .filter(|r| group.is_none_or(|g| r.group.as_deref() == Some(g)))
        .filter(|r| {
            day.is_none_or(|d| {
                Utc.timestamp_opt(r.when(), 0)
                    .single()
                    .is_some_and(|t| crate::clock::local_day(t, tz) == d)
            })
        })
        .collect())
}

/// Keep one row per thing: the latest due one if any is due, else a snoozed one, else
/// the earliest upcoming. Dismissed rows and rows of no thing pass through.
fn current_per_thing(rows: Vec<ReminderRow>, now: i64) -> Vec<ReminderRow> {
    let mut best: HashMap<(String, i64), usize> = HashMap::new();
    let rank = |r: &ReminderRow| match r.section(now) {
        Section::Due => (0, -r.due_at),
        Section::Snoozed => (1, r.when()),
        _ => (2, r.due_at),
    };
    for (i, r) in rows.iter().enumerate() {
        if r.state == "dismissed" {
            continue;
        }
        if let Some((s, id)) = r.thing() {
            let e = best.entry((s.to_string(), id)).or_insert(i);
            if rank(r) < rank(&rows[*e]) {
                *e = i;
            }
        }
    }
    let keep: HashSet<usize> = best.into_values().collect();
    rows.into_iter()
        .enumerate()
        .filter(|(i, r)| r.state == "dismissed" || r.thing().is_none() || keep.contains(i))
        .map(|(_, r)| r)
        .collect()
}

/// Fired for `login` (or the team) at or after `since`, by anyone.
pub fn fired_since(conn: &Connection, login: &str, since: i64) -> Result<Vec<ReminderRow>> {
    select(
        conn,
        &format!("{FOR_ME} AND r.state = 'fired' AND r.fired_at >= ?2 ORDER BY r.fired_at, r.id"),
        params![login, since],
    )
}

/// The next instant something is due for `login`: the earliest pending reminder or
/// the end of the earliest snooze. None when nothing is planned.
pub fn next_due(conn: &Connection, login: &str) -> Result<Option<i64>> {
    Ok(conn.query_row(
        "SELECT min(t) FROM (
             SELECT min(due_at) AS t FROM reminders
              WHERE state = 'pending' AND (for_login IS NULL OR for_login = ?1)
             UNION ALL
             SELECT min(snoozed_until) FROM reminders
              WHERE state = 'snoozed' AND (for_login IS NULL OR for_login = ?1))",
        [login],
        |r| r.get(0),
    )?)
}

/// A reminder of the team's as the daily report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReminder {
    pub due: i64,
    pub source: String,
    pub kind: Option<String>,
    pub title: String,
    pub lead_min: Option<i64>,
    pub group: Option<String>,
    pub for_login: Option<String>,
    /// The thing it is about (an SOP instance, a content item …) within `source`.
    pub source_id: Option<i64>,
}

/// Every open reminder (pending, fired or snoozed) due in `[from, until)` — a snoozed
/// one at the end of its snooze — for anyone, in due order.
pub fn due_between(conn: &Connection, from: i64, until: i64) -> Result<Vec<DueReminder>> {
    let mut st = conn.prepare(
        "SELECT CASE WHEN r.state = 'snoozed' THEN COALESCE(r.snoozed_until, r.due_at) ELSE r.due_at END AS due,
                r.source, r.kind, r.title, r.lead_min, g.name, r.for_login, r.source_id
         FROM reminders r LEFT JOIN groups g ON g.id = r.group_id
         WHERE r.state IN ('pending', 'fired', 'snoozed') AND due >= ?1 AND due < ?2
         ORDER BY due, r.id",
    )?;
    let rows = st.query_map(params![from, until], |r| {
        Ok(DueReminder {
            due: r.get(0)?,
            source: r.get(1)?,
            kind: r.get(2)?,
            title: r.get(3)?,
            lead_min: r.get(4)?,
            group: r.get(5)?,
            for_login: r.get(6)?,
            source_id: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// --- planning -----------------------------------------------------------------------

/// What a planning run changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Planned {
    /// Reminders created, or pending ones moved to a new time.
    pub planned: Vec<i64>,
    /// Reminders closed because what they were about is done or gone.
    pub resolved: Vec<i64>,
}

impl Planned {
    pub fn changed(&self) -> bool {
        !self.planned.is_empty() || !self.resolved.is_empty()
    }
}

/// One reminder a source wants.
struct Want {
    source: &'static str,
    source_id: Option<i64>,
    group_id: Option<i64>,
    title: String,
    due_at: i64,
    for_login: Option<String>,
    key: String,
    lead_min: Option<i64>,
    kind: Option<String>,
}

/// Derive the reminders of the next `horizon_hours` from the data and insert the
/// missing ones; close those whose reason is gone. `members`: also look for member
/// warnings (they change by the day and cost a scan of the activity table, so callers
/// do it at start and hourly — see [`Watcher`]). Idempotent: a second run with nothing
/// changed writes nothing (so it does not wake the other consoles).
pub fn plan(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &Rules,
    members: bool,
) -> Result<Planned> {
    let mut out = Planned::default();
    let at = now.timestamp();
    let end = at + rules.reminders.horizon_secs();
    let days = prepare_sop(tx, operator, now, tz, end)?;
    // close what is done or gone before anything is planned or fired: an item missed
    // while every console was closed is not nagged about when one opens
    out.resolved = resolve(tx, at)?;
    let mut wants = sop_wants(tx, now, tz, end, &days)?;
    wants.extend(content_wants(
        tx,
        at,
        end,
        &rules.reminders.content_offsets,
    )?);
    wants.extend(review_wants(tx)?);
    wants.extend(alert_wants(tx)?);
    wants.extend(risk_wants(tx)?);
    if members {
        wants.extend(member_wants(tx, now, tz, end, rules)?);
    }
    let mut up = tx.prepare_cached(
        "INSERT INTO reminders (for_login, source, source_id, group_id, title, due_at,
             created_by, created_at, source_key, lead_min, kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (source_key) WHERE source_key IS NOT NULL DO UPDATE SET
             due_at = excluded.due_at, title = excluded.title, for_login = excluded.for_login
         WHERE state = 'pending' AND (due_at <> excluded.due_at OR title <> excluded.title
             OR for_login IS NOT excluded.for_login)
         RETURNING id",
    )?;
    for w in wants {
        let id: Option<i64> = up
            .query_row(
                params![
                    w.for_login,
                    w.source,
                    w.source_id,
                    w.group_id,
                    w.title,
                    w.due_at,
                    operator,
                    at,
                    w.key,
                    w.lead_min,
                    w.kind
                ],
                |r| r.get(0),
            )
            .optional()?;
        out.planned.extend(id);
    }
    // someone claimed or was assigned an item whose reminder already fired: it is theirs
    let moved: Vec<i64> = tx
        .prepare_cached(
            "UPDATE reminders AS r SET for_login = COALESCE(s.claimed_by, s.assignee)
             FROM sop_instances s
             WHERE r.source IN ('sop', 'countdown') AND r.source_key IS NOT NULL
               AND r.source_id = s.id AND r.state IN ('fired', 'snoozed')
               AND r.for_login IS NOT COALESCE(s.claimed_by, s.assignee)
             RETURNING id",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    out.planned.extend(moved);
    if !out.planned.is_empty() {
        audit(
            tx,
            at,
            operator,
            "plan",
            "reminder",
            None,
            None,
            Some(&json!({ "ids": out.planned })),
        )?;
    }
    if !out.resolved.is_empty() {
        audit(
            tx,
            at,
            operator,
            "resolve",
            "reminder",
            None,
            None,
            Some(&json!({ "ids": out.resolved })),
        )?;
    }
    Ok(out)
}

/// Of a thing's reminder times, those to plan now: every one still ahead (within the
/// horizon), and of those already past only the latest — a console opened at 08:50
/// nags about the 08:30 greeting once, not three times.
fn to_plan(dues: &[(i64, i64)], now: i64, end: i64) -> Vec<(i64, i64)> {
    let last_past = dues
        .iter()
        .filter(|(_, due)| *due <= now)
        .max_by_key(|(_, due)| *due)
        .copied();
    dues.iter()
        .copied()
        .filter(|(_, due)| *due > now && *due <= end)
        .chain(last_past)
        .collect()
}

/// The days the horizon reaches into, with their SOP items in place and the expired
/// ones marked missed (as the Today tab and `sop today` do).
fn prepare_sop(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    end: i64,
) -> Result<Vec<NaiveDate>> {
    let today = crate::clock::local_day(now, tz);
    let mut days = vec![today];
    let mut day = today;
    // the days the horizon reaches into
    while let Some(next) = day.checked_add_days(Days::new(1)) {
        let starts = crate::clock::day_start(next, tz);
        if starts > end {
            break;
        }
        days.push(next);
        day = next;
    }
    for d in &days {
        super::sop::materialize_day(tx, *d, tz)?;
    }
    // an expired item is missed, not nagged about
    super::sop::sweep_missed(tx, operator, now, tz)?;
    Ok(days)
}

fn sop_wants(
    tx: &Transaction<'_>,
    now: DateTime<Utc>,
    tz: Tz,
    end: i64,
    days: &[NaiveDate],
) -> Result<Vec<Want>> {
    let today = crate::clock::local_day(now, tz);
    let mut st = tx.prepare_cached(
        "SELECT s.id, s.group_id, s.day, s.slot, s.title, COALESCE(s.claimed_by, s.assignee),
                s.expires, i.offsets, i.recurrence
         FROM sop_instances s JOIN sop_items i ON i.id = s.item_id
         WHERE s.day BETWEEN ?1 AND ?2 AND s.state = 'todo'",
    )?;
    let last = days.last().copied().unwrap_or(today);
    let rows = st
        .query_map(params![today.to_string(), last.to_string()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let at = now.timestamp();
    let mut out = Vec::new();
    for (id, group, day, slot, title, who, expires, offsets, rec) in rows {
        let Some(slot_at) = super::sop::expiry_instant(&day, &slot, tz).map(|t| t.timestamp())
        else {
            continue;
        };
        let expires_at = expires
            .as_deref()
            .and_then(|e| super::sop::expiry_instant(&day, e, tz))
            .map_or(i64::MAX, |t| t.timestamp());
        let offsets: Vec<i64> = serde_json::from_str(&offsets).unwrap_or_default();
        // a nag after the item expired would be about a missed item: none
        let dues: Vec<(i64, i64)> = offsets
            .iter()
            .map(|o| (*o, slot_at + o * 60))
            .filter(|(_, due)| *due < expires_at)
            .collect();
        let countdown = Recurrence::parse(&rec).ok().and_then(Recurrence::countdown);
        for (offset, due) in to_plan(&dues, at, end) {
            out.push(Want {
                source: if countdown.is_some() {
                    "countdown"
                } else {
                    "sop"
                },
                source_id: Some(id),
                group_id: Some(group),
                title: format!("{slot} {title}"),
                due_at: due,
                for_login: who.clone(),
                key: format!("sop:{id}:{offset}"),
                lead_min: Some(offset),
                kind: countdown.map(|d| d.to_string()),
            });
        }
    }
    Ok(out)
}

fn content_wants(tx: &Transaction<'_>, now: i64, end: i64, offsets: &[i64]) -> Result<Vec<Want>> {
    let earliest = offsets.iter().copied().min().unwrap_or(0).min(0);
    let mut st = tx.prepare_cached(
        "SELECT c.id, c.title, c.slot, c.owner,
                (SELECT min(group_id) FROM content_groups WHERE content_id = c.id)
         FROM content_items c
         WHERE c.state = 'scheduled' AND c.slot BETWEEN ?1 AND ?2",
    )?;
    // a slot that passed an hour ago is the content pipeline's business, not a reminder
    let rows = st
        .query_map(params![now - 3600, end - earliest * 60], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for (id, title, slot, owner, group) in rows {
        let dues: Vec<(i64, i64)> = offsets.iter().map(|o| (*o, slot + o * 60)).collect();
        for (offset, due) in to_plan(&dues, now, end) {
            out.push(Want {
                source: "content",
                source_id: Some(id),
                group_id: group,
                title: title.clone(),
                due_at: due,
                for_login: Some(owner.clone()),
                key: format!("content:{id}:{slot}:{offset}"),
                lead_min: Some(offset),
                kind: None,
            });
        }
    }
    Ok(out)
}

/// When an item in review was (last) submitted: the audit log's last `submit`, else its
/// last change (items written without one, as the demo's). Not `updated_at`: fixing the
/// slot or the groups of an item in review keeps it in review and must not ask the team
/// again.
const SUBMITTED_AT: &str = "COALESCE((SELECT max(a.at) FROM audit a
     WHERE a.entity = 'content' AND a.entity_id = c.id AND a.action = 'submit'), c.updated_at)";

/// Content waiting for review: the team is told when it was submitted.
fn review_wants(tx: &Transaction<'_>) -> Result<Vec<Want>> {
    let mut st = tx.prepare_cached(&format!(
        "SELECT c.id, c.title, {SUBMITTED_AT},
                (SELECT min(group_id) FROM content_groups WHERE content_id = c.id)
         FROM content_items c WHERE c.state = 'review'"
    ))?;
    let rows = st.query_map([], |r| {
        let (id, title, at): (i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        Ok(Want {
            source: "review",
            source_id: Some(id),
            group_id: r.get(3)?,
            title,
            due_at: at,
            for_login: None,
            key: format!("review:{id}:{at}"),
            lead_min: None,
            kind: None,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Open KPI alerts, for the team, from the moment they opened. The title is the
/// rule's word; the screen says it in the operator's language.
fn alert_wants(tx: &Transaction<'_>) -> Result<Vec<Want>> {
    let mut st = tx.prepare_cached(
        "SELECT id, group_id, rule, opened_at FROM alerts WHERE closed_at IS NULL",
    )?;
    let rows = st.query_map([], |r| {
        let id: i64 = r.get(0)?;
        Ok(Want {
            source: "alert",
            source_id: Some(id),
            group_id: Some(r.get(1)?),
            title: r.get(2)?,
            due_at: r.get(3)?,
            for_login: None,
            key: format!("alert:{id}"),
            lead_min: None,
            kind: None,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Level-1 incidents still waiting for an action, for the team, due at their detection:
/// 立即关群/处理 fires at once. Only those with a task (a live message, not history
/// imported late); the title is the task's.
fn risk_wants(tx: &Transaction<'_>) -> Result<Vec<Want>> {
    let mut st = tx.prepare_cached(
        "SELECT r.id, r.group_id, s.title, r.detected_at FROM risk_incidents r
         JOIN sop_instances s ON s.id = (SELECT max(id) FROM sop_instances WHERE incident_id = r.id)
         WHERE r.level = 1 AND r.state IN ('open', 'reviewed')",
    )?;
    let rows = st.query_map([], |r| {
        let id: i64 = r.get(0)?;
        Ok(Want {
            source: "risk",
            source_id: Some(id),
            group_id: r.get(1)?,
            title: r.get(2)?,
            due_at: r.get(3)?,
            for_login: None,
            key: format!("risk:{id}"),
            lead_min: None,
            kind: None,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The first `at` (a wall-clock time) at or after the instant `t`.
fn at_or_after(t: i64, at: chrono::NaiveTime, tz: Tz) -> Option<i64> {
    let day = Utc
        .timestamp_opt(t, 0)
        .single()?
        .with_timezone(&tz)
        .date_naive();
    [day, day.checked_add_days(Days::new(1))?]
        .into_iter()
        .filter_map(|d| crate::clock::local_to_utc(d.and_time(at), tz))
        .map(|x| x.timestamp())
        .find(|x| *x >= t)
}

/// Member warnings (DOMAIN.md §3), one per member per episode: a new member still
/// silent after `new_silence_warn_days` (→ a private chat), a member whose last
/// message is `silent_days` old (→ recall). They come at `member_at` on the day.
fn member_wants(
    tx: &Transaction<'_>,
    now: DateTime<Utc>,
    tz: Tz,
    end: i64,
    rules: &Rules,
) -> Result<Vec<Want>> {
    let at = now.timestamp();
    let when = rules.reminders.member_time();
    let warn = rules.tiers.new_silence_warn_days.max(1) * 86_400;
    let mut out = Vec::new();
    // a member warning, if it falls in the window planned now
    let mut push = |group: i64, member: i64, name: String, due: i64, key: String, kind: &str| {
        if due <= end && due >= at - MEMBER_LOOKBACK_SECS {
            out.push(Want {
                source: "member",
                source_id: Some(member),
                group_id: Some(group),
                title: name,
                due_at: due,
                for_login: None,
                key,
                lead_min: None,
                kind: Some(kind.into()),
            });
        }
    };
    // New members: the warning window is the one the Members tab flags (domain::tiers).
    let mut st = tx.prepare_cached(
        "SELECT ms.id, ms.group_id, ms.member_id, m.name, ms.joined_at
         FROM memberships ms JOIN members m ON m.id = ms.member_id
         WHERE ms.left_at IS NULL AND ms.joined_at BETWEEN ?1 AND ?2
           AND NOT EXISTS (SELECT 1 FROM activity_daily a
                           WHERE a.group_id = ms.group_id AND a.member_id = ms.member_id)",
    )?;
    let rows = st
        .query_map(
            params![at - MEMBER_LOOKBACK_SECS - 86_400 - warn, end - warn],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (ms, group, member, name, joined) in rows {
        let Some(due) = at_or_after(joined + warn, when, tz) else {
            continue;
        };
        push(
            group,
            member,
            name,
            due,
            format!("member:new:{ms}:{joined}"),
            "new_silent",
        );
    }
    // Members whose last message turns `silent_days` old within the lookback or the
    // horizon.
    let today = crate::clock::local_day(now, tz);
    let silent = u64::try_from(rules.tiers.silent_days.max(1)).unwrap_or(30);
    let day = |d: NaiveDate, back: u64| d.checked_sub_days(Days::new(back)).unwrap_or(d);
    let (lo, hi) = (day(today, silent + 2), day(today, silent.saturating_sub(1)));
    let mut st = tx.prepare_cached(
        "SELECT a.group_id, a.member_id, max(a.day), m.name
         FROM activity_daily a
         JOIN memberships ms ON ms.group_id = a.group_id AND ms.member_id = a.member_id
              AND ms.left_at IS NULL
         JOIN members m ON m.id = a.member_id
         WHERE a.day BETWEEN ?1 AND ?2
         GROUP BY a.group_id, a.member_id",
    )?;
    let rows = st
        .query_map(params![lo.to_string(), hi.to_string()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut later = tx.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM activity_daily
                        WHERE group_id = ?1 AND member_id = ?2 AND day > ?3)",
    )?;
    for (group, member, last, name) in rows {
        let Ok(last_day) = NaiveDate::parse_from_str(&last, "%Y-%m-%d") else {
            continue;
        };
        if later.query_row(params![group, member, last], |r| r.get::<_, bool>(0))? {
            continue;
        }
        let Some(due) = last_day
            .checked_add_days(Days::new(silent))
            .and_then(|d| crate::clock::local_to_utc(d.and_time(when), tz))
            .map(|t| t.timestamp())
        else {
            continue;
        };
        let key = format!("member:recall:{group}:{member}:{last}");
        push(group, member, name, due, key, "recall");
    }
    Ok(out)
}

/// Close the open planned reminders whose reason is gone, with why.
fn resolve(tx: &Transaction<'_>, now: i64) -> Result<Vec<i64>> {
    const CLOSE: &str = "state = 'dismissed', closed_at = ?1";
    const OPEN: &str = "source_key IS NOT NULL AND state <> 'dismissed'";
    let statements = [
        // the SOP item was done, skipped or missed
        format!(
            "UPDATE reminders SET {CLOSE},
                 resolved = (SELECT state FROM sop_instances WHERE id = reminders.source_id)
             WHERE {OPEN} AND source IN ('sop', 'countdown')
               AND (SELECT state FROM sop_instances WHERE id = reminders.source_id) <> 'todo'
             RETURNING id"
        ),
        // the content was published, moved to another slot, sent back or deleted
        format!(
            "UPDATE reminders SET {CLOSE},
                 resolved = COALESCE((SELECT CASE state WHEN 'scheduled' THEN 'moved' ELSE state END
                                      FROM content_items WHERE id = reminders.source_id), 'deleted')
             WHERE {OPEN} AND source = 'content'
               AND NOT EXISTS (SELECT 1 FROM content_items c WHERE c.id = reminders.source_id
                   AND c.state = 'scheduled' AND c.slot = reminders.due_at - reminders.lead_min * 60)
             RETURNING id"
        ),
        // the review was done (or the item changed, which asks for a new review)
        format!(
            "UPDATE reminders SET {CLOSE},
                 resolved = COALESCE((SELECT CASE state WHEN 'review' THEN 'moved' ELSE state END
                                      FROM content_items WHERE id = reminders.source_id), 'deleted')
             WHERE {OPEN} AND source = 'review'
               AND NOT EXISTS (SELECT 1 FROM content_items c WHERE c.id = reminders.source_id
                   AND c.state = 'review' AND {SUBMITTED_AT} = reminders.due_at)
             RETURNING id"
        ),
        // the alert was closed
        format!(
            "UPDATE reminders SET {CLOSE}, resolved = 'closed'
             WHERE {OPEN} AND source = 'alert'
               AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = reminders.source_id
                   AND a.closed_at IS NULL)
             RETURNING id"
        ),
        // the incident was handled
        format!(
            "UPDATE reminders SET {CLOSE}, resolved = 'handled'
             WHERE {OPEN} AND source = 'risk'
               AND NOT EXISTS (SELECT 1 FROM risk_incidents r WHERE r.id = reminders.source_id
                   AND r.state IN ('open', 'reviewed'))
             RETURNING id"
        ),
        // Expiry: a member warning a day after it last fell due (fired, or its snooze
        // ended), fired or not; a content reminder an hour after the slot while still pending
        // (nobody looked), a day after it once fired. The Members tab and the content
        // queue keep showing those; a reminder days late is noise (issue 14).
        format!(
            "UPDATE reminders SET {CLOSE}, resolved = 'stale'
             WHERE {OPEN}
               AND ((source = 'member'
                     AND max(due_at, COALESCE(fired_at, due_at), COALESCE(snoozed_until, due_at))
                         < ?1 - {MEMBER_LOOKBACK_SECS})
                 OR (source = 'content' AND state = 'pending'
                     AND due_at - lead_min * 60 < ?1 - 3600)
                 OR (source = 'content' AND state <> 'pending'
                     AND due_at - lead_min * 60 < ?1 - {CONTENT_EXPIRY_SECS}))
             RETURNING id"
        ),
        // the new member spoke, or left
        format!(
            "UPDATE reminders SET {CLOSE},
                 resolved = CASE WHEN EXISTS (SELECT 1 FROM activity_daily a
                     WHERE a.group_id = reminders.group_id AND a.member_id = reminders.source_id)
                     THEN 'spoke' ELSE 'left' END
             WHERE {OPEN} AND source = 'member' AND kind = 'new_silent'
               AND (EXISTS (SELECT 1 FROM activity_daily a
                     WHERE a.group_id = reminders.group_id AND a.member_id = reminders.source_id)
                 OR EXISTS (SELECT 1 FROM memberships ms
                     WHERE ms.group_id = reminders.group_id AND ms.member_id = reminders.source_id
                       AND ms.left_at IS NOT NULL))
             RETURNING id"
        ),
    ];
    let mut ids = Vec::new();
    for sql in &statements {
        let mut st = tx.prepare_cached(sql)?;
        let closed = st.query_map([now], |r| r.get::<_, i64>(0))?;
        for id in closed {
            ids.push(id?);
        }
    }
    ids.extend(resolve_recalls(tx, now)?);
    Ok(ids)
}

/// A recalled member who spoke again (after the day in the key) or left.
fn resolve_recalls(tx: &Transaction<'_>, now: i64) -> Result<Vec<i64>> {
    let open: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT id, source_key FROM reminders
             WHERE source = 'member' AND kind = 'recall' AND source_key IS NOT NULL
               AND state <> 'dismissed'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut why = tx.prepare_cached(
        "SELECT CASE
             WHEN EXISTS (SELECT 1 FROM activity_daily
                          WHERE group_id = ?1 AND member_id = ?2 AND day > ?3) THEN 'spoke'
             WHEN EXISTS (SELECT 1 FROM memberships
                          WHERE group_id = ?1 AND member_id = ?2 AND left_at IS NOT NULL) THEN 'left'
         END",
    )?;
    let mut close = tx.prepare_cached(
        "UPDATE reminders SET state = 'dismissed', closed_at = ?2, resolved = ?3 WHERE id = ?1",
    )?;
    let mut ids = Vec::new();
    for (id, key) in open {
        // member:recall:<group>:<member>:<last day>
        let parts: Vec<&str> = key.split(':').collect();
        let [_, _, group, member, last] = parts.as_slice() else {
            continue;
        };
        let (Ok(group), Ok(member)) = (group.parse::<i64>(), member.parse::<i64>()) else {
            continue;
        };
        let reason: Option<String> = why.query_row(params![group, member, last], |r| r.get(0))?;
        if let Some(reason) = reason {
            close.execute(params![id, now, reason])?;
            ids.push(id);
        }
    }
    Ok(ids)
}

// --- firing ---------------------------------------------------------------------------

/// Fire what is due for `login` (and the team) at `now`; returns the ids fired here.
/// Run inside the caller's `BEGIN IMMEDIATE` transaction: whichever console gets the
/// lock first fires a reminder, the others find it fired already.
pub fn fire_due(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    login: &str,
) -> Result<Vec<i64>> {
    let at = now.timestamp();
    let due: Vec<ReminderRow> = select(
        tx,
        &format!(
            "{FOR_ME} AND ((r.state = 'pending' AND r.due_at <= ?2)
                 OR (r.state = 'snoozed' AND r.snoozed_until <= ?2))
             ORDER BY r.due_at, r.id"
        ),
        params![login, at],
    )?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    // the latest due reminder of each thing fires, the earlier ones are superseded
    let mut latest: HashMap<(String, i64), &ReminderRow> = HashMap::new();
    for r in &due {
        if let Some((s, id)) = r.thing() {
            let e = latest.entry((s.to_string(), id)).or_insert(r);
            if (r.due_at, r.id) > (e.due_at, e.id) {
                *e = r;
            }
        }
    }
    let winners: Vec<&ReminderRow> = due
        .iter()
        .filter(|r| {
            r.thing().is_none_or(|(s, id)| {
                latest
                    .get(&(s.to_string(), id))
                    .is_some_and(|w| w.id == r.id)
            })
        })
        .collect();
    let mut fire = tx.prepare_cached(
        "UPDATE reminders SET state = 'fired', fired_at = ?2, snoozed_until = NULL
         WHERE id = ?1 AND state IN ('pending', 'snoozed')",
    )?;
    let mut supersede = tx.prepare_cached(
        "UPDATE reminders SET state = 'dismissed', resolved = 'superseded', closed_at = ?4
         WHERE source = ?1 AND source_id = ?2 AND due_at < ?3
           AND state IN ('pending', 'fired', 'snoozed')
         RETURNING id",
    )?;
    let (mut fired, mut superseded) = (Vec::new(), Vec::new());
    for w in winners {
        if fire.execute(params![w.id, at])? == 0 {
            continue;
        }
        fired.push(w.id);
        if let Some((source, id)) = w.thing() {
            let gone =
                supersede.query_map(params![source, id, w.due_at, at], |r| r.get::<_, i64>(0))?;
            for g in gone {
                superseded.push(g?);
            }
        }
    }
    if !fired.is_empty() {
        audit(
            tx,
            at,
            operator,
            "fire",
            "reminder",
            None,
            None,
            Some(&json!({ "ids": fired, "superseded": superseded })),
        )?;
    }
    Ok(fired)
}

// --- an operator's changes --------------------------------------------------------------

/// The row as a change sees it, refused if stale or somebody else's.
fn for_change(
    tx: &Transaction<'_>,
    operator: &str,
    id: i64,
    seen_version: Option<i64>,
    tz: Tz,
) -> Result<ReminderRow> {
    let cur = get(tx, id)?;
    if let Some(seen) = seen_version
        && seen != cur.version
    {
        let (by, at) = super::sop::last_change(tx, "reminder", id)?.unwrap_or(("?".into(), 0));
        return Err(StoreError::Stale {
            what: "reminder",
            id,
            by,
            at: Utc
                .timestamp_opt(at, 0)
                .single()
                .map(|t| t.with_timezone(&tz).format("%m-%d %H:%M").to_string())
                .unwrap_or_default(),
        });
    }
    if let Some(owner) = &cur.for_login
        && owner != operator
    {
        return Err(Refusal::NotYourReminder {
            id,
            owner: owner.clone(),
        }
        .into());
    }
    if cur.state == "dismissed" {
        let by = cur
            .dismissed_by
            .clone()
            .or_else(|| cur.resolved.clone())
            .unwrap_or_default();
        return Err(Refusal::AlreadyDismissed { id, by }.into());
    }
    Ok(cur)
}

/// Dismiss a reminder (for everyone it is for). `seen_version`: the version the
/// operator was looking at (the console's), None from the command line.
pub fn dismiss(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    id: i64,
    seen_version: Option<i64>,
) -> Result<ReminderRow> {
    let cur = for_change(tx, operator, id, seen_version, tz)?;
    dismiss_row(tx, operator, now, &cur, None)
}

fn dismiss_row(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    cur: &ReminderRow,
    bulk: Option<usize>,
) -> Result<ReminderRow> {
    let at = now.timestamp();
    tx.execute(
        "UPDATE reminders SET state = 'dismissed', dismissed_by = ?2, closed_at = ?3,
             version = version + 1 WHERE id = ?1",
        params![cur.id, operator, at],
    )?;
    let mut after = json!({ "state": "dismissed" });
    if let Some(n) = bulk {
        after["bulk"] = json!(n);
    }
    audit(
        tx,
        at,
        operator,
        "dismiss",
        "reminder",
        Some(cur.id),
        Some(&json!({ "state": cur.state })),
        Some(&after),
    )?;
    get(tx, cur.id)
}

/// The longest snooze, in minutes: a week.
const SNOOZE_MAX_MIN: i64 = 7 * 24 * 60;

fn check_minutes(minutes: i64) -> Result<()> {
    if !(1..=SNOOZE_MAX_MIN).contains(&minutes) {
        return Err(Refusal::SnoozeRange {
            max: SNOOZE_MAX_MIN,
            minutes,
        }
        .into());
    }
    Ok(())
}

/// Snooze a reminder for `minutes`: it fires again then, in every console. An
/// upcoming reminder is put off by that much from its own time.
pub fn snooze(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    id: i64,
    seen_version: Option<i64>,
    minutes: i64,
) -> Result<ReminderRow> {
    check_minutes(minutes)?;
    let cur = for_change(tx, operator, id, seen_version, tz)?;
    snooze_row(tx, operator, now, &cur, minutes, None)
}

fn snooze_row(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    cur: &ReminderRow,
    minutes: i64,
    bulk: Option<usize>,
) -> Result<ReminderRow> {
    let at = now.timestamp();
    let from = if cur.state == "pending" {
        cur.due_at.max(at)
    } else {
        at
    };
    let until = from + minutes * 60;
    tx.execute(
        "UPDATE reminders SET state = 'snoozed', snoozed_until = ?2, version = version + 1
         WHERE id = ?1",
        params![cur.id, until],
    )?;
    let mut after = json!({ "state": "snoozed", "snoozed_until": until, "minutes": minutes });
    if let Some(n) = bulk {
        after["bulk"] = json!(n);
    }
    audit(
        tx,
        at,
        operator,
        "snooze",
        "reminder",
        Some(cur.id),
        Some(&json!({ "state": cur.state, "snoozed_until": cur.snoozed_until })),
        Some(&after),
    )?;
    get(tx, cur.id)
}

/// The rows of a bulk change: each as [`for_change`] sees it, except that one closed
/// meanwhile (by a colleague, or because what it was about is done) is left out —
/// it needs nothing more. A stale or somebody else's row refuses the whole change:
/// nothing is written.
fn for_bulk(
    tx: &Transaction<'_>,
    operator: &str,
    seen: &[(i64, Option<i64>)],
    tz: Tz,
) -> Result<Vec<ReminderRow>> {
    let mut rows = Vec::new();
    for &(id, version) in seen {
        let cur = get(tx, id)?;
        if cur.state == "dismissed" {
            continue;
        }
        rows.push(for_change(tx, operator, id, version, tz)?);
    }
    Ok(rows)
}

/// Dismiss a bundle (or any set) of reminders at once: `seen` holds each one's id and
/// the version the operator saw (None from the command line). All or nothing; each
/// row is audited as its own dismissal, marked with the size of the bundle. Returns
/// the rows dismissed here (one already closed is skipped).
pub fn dismiss_many(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    seen: &[(i64, Option<i64>)],
) -> Result<Vec<ReminderRow>> {
    let rows = for_bulk(tx, operator, seen, tz)?;
    let n = rows.len();
    rows.iter()
        .map(|cur| dismiss_row(tx, operator, now, cur, Some(n)))
        .collect()
}

/// Snooze a bundle (or any set) of reminders for `minutes`, like [`dismiss_many`].
pub fn snooze_many(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    seen: &[(i64, Option<i64>)],
    minutes: i64,
) -> Result<Vec<ReminderRow>> {
    check_minutes(minutes)?;
    let rows = for_bulk(tx, operator, seen, tz)?;
    let n = rows.len();
    rows.iter()
        .map(|cur| snooze_row(tx, operator, now, cur, minutes, Some(n)))
        .collect()
}

/// An instant as the unix second a reminder is due: rounded up, so "in 3 s" never
/// fires early.
pub fn whole_second_after(t: DateTime<Utc>) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}

/// An ad-hoc reminder ("remind me in 10 minutes to check the offer's results").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReminder {
    pub due_at: i64,
    pub title: String,
    /// A group by name.
    pub group: Option<String>,
    /// Whose it is; None: the whole team.
    pub for_login: Option<String>,
    pub body: Option<String>,
}

pub fn add(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    new: &NewReminder,
) -> Result<ReminderRow> {
    let at = now.timestamp();
    let title = new.title.trim();
    if title.is_empty() {
        return Err(Refusal::ReminderNeedsTitle.into());
    }
    // a minute's grace: "now" typed at 08:25:59 is not in the past
    if new.due_at < at - 60 {
        return Err(Refusal::TimePassed.into());
    }
    let group_id: Option<i64> = match &new.group {
        Some(g) => Some(super::require_group(tx, g)?),
        None => None,
    };
    if let Some(login) = &new.for_login
        && login != operator
    {
        let known: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM operators WHERE login = ?1)",
            [login],
            |r| r.get(0),
        )?;
        if !known {
            return Err(Refusal::NoOperator {
                login: login.to_string(),
            }
            .into());
        }
    }
    tx.execute(
        "INSERT INTO reminders (for_login, source, group_id, title, body, due_at, created_by,
             created_at)
         VALUES (?1, 'adhoc', ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            new.for_login,
            group_id,
            title,
            new.body,
            new.due_at,
            operator,
            at
        ],
    )?;
    let id = tx.last_insert_rowid();
    audit(
        tx,
        at,
        operator,
        "add",
        "reminder",
        Some(id),
        None,
        Some(
            &json!({ "title": title, "due_at": new.due_at, "for": new.for_login,
                      "group_id": group_id }),
        ),
    )?;
    get(tx, id)
}

// --- one console's or watcher's view ------------------------------------------------------

/// What a [`Watcher::step`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Step {
    /// Fired since the watcher started and not reported before — by this step or by
    /// another console — oldest first.
    pub fired: Vec<ReminderRow>,
    /// When the next reminder is due (unix seconds).
    pub next: Option<i64>,
    /// Anything changed (planned, closed or fired): lists showing reminders reload.
    pub changed: bool,
}

/// One console's (or `remind --watch`'s) running view of the reminders of `login`.
#[derive(Debug, Clone)]
pub struct Watcher {
    login: String,
    /// Fired at or after this is news to this watcher.
    since: i64,
    /// (id, fired_at) already reported: a snoozed reminder that fires again is news.
    shown: HashSet<(i64, i64)>,
    /// When (and on which day) member warnings were last planned.
    members_at: Option<(i64, NaiveDate)>,
}

impl Watcher {
    pub fn new(login: &str, since: DateTime<Utc>) -> Watcher {
        Watcher {
            login: login.to_string(),
            since: since.timestamp(),
            shown: HashSet::new(),
            members_at: None,
        }
    }

    pub fn login(&self) -> &str {
        &self.login
    }

    /// Plan, fire what is due, and report what fired since the watcher started and
    /// when the next reminder is due. Planning and firing are one short write.
    pub fn step(
        &mut self,
        store: &mut Store,
        now: DateTime<Utc>,
        tz: Tz,
        rules: &Rules,
    ) -> Result<Step> {
        self.step_with(store, now, tz, rules, true)
    }

    /// [`Watcher::step`], planning only when `plan` (the console plans when the data
    /// reminders come from changed, and every `PLAN_EVERY_SECS`; a reminder added or
    /// dismissed by a colleague only needs firing and the next due time).
    pub fn step_with(
        &mut self,
        store: &mut Store,
        now: DateTime<Utc>,
        tz: Tz,
        rules: &Rules,
        plan_now: bool,
    ) -> Result<Step> {
        let started = std::time::Instant::now();
        let at = now.timestamp();
        let today = crate::clock::local_day(now, tz);
        let members = self
            .members_at
            .is_none_or(|(t, day)| at - t >= MEMBER_REPLAN_SECS || day != today);
        let plan_now = plan_now || members;
        let login = self.login.clone();
        // upkeep: under --readonly nothing is planned or fired here, and what others
        // fired is still reported
        let (planned, fired) = store
            .upkeep(|tx, op| {
                let planned = if plan_now {
                    plan(tx, op, now, tz, rules, members)?
                } else {
                    Planned::default()
                };
                let fired = fire_due(tx, op, now, &login)?;
                Ok((planned, fired))
            })?
            .unwrap_or_default();
        if members {
            self.members_at = Some((at, today));
        }
        let news: Vec<ReminderRow> = fired_since(store.conn(), &self.login, self.since)?
            .into_iter()
            .filter(|r| self.shown.insert((r.id, r.fired_at.unwrap_or(0))))
            .collect();
        // A console runs for days: look back an hour, not to its start (a fire is
        // committed the moment it is stamped, so nothing older can still be news).
        if at - SEEN_WINDOW_SECS > self.since {
            self.since = at - SEEN_WINDOW_SECS;
            let since = self.since;
            self.shown.retain(|(_, fired)| *fired >= since);
        }
        let step = Step {
            changed: planned.changed() || !fired.is_empty() || !news.is_empty(),
            fired: news,
            next: next_due(store.conn(), &self.login)?,
        };
        tracing::debug!(
            plan = plan_now,
            members,
            planned = planned.planned.len(),
            resolved = planned.resolved.len(),
            fired = fired.len(),
            news = step.fired.len(),
            next = ?step.next,
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "reminders step"
        );
        Ok(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_latest_past_time_of_a_thing_is_planned() {
        let dues = [(-10, 100), (0, 110), (15, 125)];
        assert_eq!(to_plan(&dues, 50, 1000), dues.to_vec());
        assert_eq!(to_plan(&dues, 112, 1000), vec![(15, 125), (0, 110)]);
        assert_eq!(to_plan(&dues, 200, 1000), vec![(15, 125)]);
        // beyond the horizon: later
        assert_eq!(to_plan(&dues, 50, 105), vec![(-10, 100)]);
    }
}
