//! Launching a group in the store (issue 16): the launch itself (the group with its
//! positioning, the plan of seven phases, the kit checklist and the SOP for its type —
//! its cold-start items count from the day it opens — in one transaction), the plan's
//! edits, the kit (done, texts, the QR code's expiry and its renewal reminder), the
//! questionnaire answers of `import answers`, and the Today task a late phase makes
//! once. The board's read model and each phase's metric are [`status`]. What the rules
//! mean is `domain::launch`.

pub mod status;

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

use super::groups::{self, NewGroup};
use super::{Refusal, Result, StoreError, audit};
use crate::clock::{local_day, local_to_utc};
pub use crate::domain::launch::NewAnswer;
use crate::domain::launch::{
    LaunchRules, PerPhase, Phase, Playbook, QR_ITEM, State, opening_day, schedule,
};
pub use status::{KitRow, LaunchStatus, PhaseStatus, board, kit};

/// A group to launch (`shequn group launch`). The positioning was checked by the caller
/// (`domain::launch::parse_positioning`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLaunch<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    /// `wecom` or `personal`.
    pub platform: &'a str,
    pub positioning: Option<&'a str>,
    /// The plan's first day (筹备期 begins).
    pub start: NaiveDate,
    pub region: Option<&'a str>,
}

/// What a launch made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launched {
    pub group_id: i64,
    /// The day the group opens (引流期 begins; the cold-start SOP's day 1).
    pub opens: NaiveDate,
    /// The SOP template put on it, if its type has one.
    pub template: Option<i64>,
}

/// Launch a group: the group (its creation day is the day it opens), its positioning,
/// the plan with the team's phase lengths, the kit from the playbook and the SOP for its
/// type. Refused when the name is taken.
pub fn launch(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    rules: &LaunchRules,
    new: &NewLaunch<'_>,
) -> Result<Launched> {
    let opens = opening_day(new.start, rules.days.prep);
    let group_id = groups::add(
        tx,
        operator,
        at,
        &NewGroup {
            name: new.name,
            kind: new.kind,
            platform: new.platform,
            created_on: opens,
        },
    )?;
    tx.execute(
        "UPDATE groups SET positioning = ?2 WHERE id = ?1",
        params![group_id, new.positioning],
    )?;
    add_plan(tx, operator, at, rules, group_id, new.start, new.region)?;
    let template = super::sop::template_for_kind(tx, new.kind)?;
    if let Some(t) = template {
        super::sop::apply(tx, operator, at, t, group_id)?;
    }
    audit(
        tx,
        at,
        operator,
        "launch",
        "launch",
        Some(group_id),
        None,
        Some(
            &json!({ "name": new.name, "kind": new.kind, "platform": new.platform,
            "positioning": new.positioning, "start": new.start.to_string(),
            "opens": opens.to_string(), "region": new.region, "template": template }),
        ),
    )?;
    Ok(Launched {
        group_id,
        opens,
        template,
    })
}

/// Put a launch plan on a group: its phases with the team's lengths from `start`, and
/// the kit from the playbook. (`launch` for a new group; the demo for groups it made.)
pub fn add_plan(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    rules: &LaunchRules,
    group_id: i64,
    start: NaiveDate,
    region: Option<&str>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO launch_plans (group_id, start_on, target_region, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![group_id, start.to_string(), region, operator, at],
    )?;
    let mut phase = tx.prepare_cached(
        "INSERT INTO launch_phases (group_id, phase, seq, days, due_on) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for w in schedule(start, &rules.days) {
        phase.execute(params![
            group_id,
            w.phase.word(),
            w.phase.index() as i64,
            w.days,
            w.due.to_string()
        ])?;
    }
    let mut kit = tx.prepare_cached(
        "INSERT INTO launch_kit (group_id, item, seq, text) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, item) in Playbook::shipped().kit.iter().enumerate() {
        kit.execute(params![group_id, item.code, i as i64, item.text])?;
    }
    Ok(())
}

/// A group in launch by name: its id and plan's first day. Refused for an unknown group
/// or one not in launch.
fn plan_of(conn: &Connection, name: &str) -> Result<(i64, NaiveDate)> {
    let g = super::require_group(conn, name)?;
    let start: Option<String> = conn
        .query_row(
            "SELECT start_on FROM launch_plans WHERE group_id = ?1",
            [g],
            |r| r.get(0),
        )
        .optional()?;
    let start = start
        .and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            StoreError::from(Refusal::NotLaunching {
                name: name.to_string(),
            })
        })?;
    Ok((g, start))
}

/// A group's phase lengths as stored.
fn lengths(conn: &Connection, g: i64, rules: &LaunchRules) -> Result<PerPhase<u32>> {
    let mut days = rules.days;
    let mut st =
        conn.prepare_cached("SELECT phase, days FROM launch_phases WHERE group_id = ?1")?;
    let rows = st.query_map([g], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
    for row in rows {
        let (p, n) = row?;
        if let Some(p) = Phase::parse(&p) {
            *days.at_mut(p) = n;
        }
    }
    Ok(days)
}

/// What `group launch-plan` changes; None keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanEdit<'a> {
    pub phase_days: Option<(Phase, u32)>,
    pub start: Option<NaiveDate>,
    /// Checked by the caller.
    pub positioning: Option<&'a str>,
    /// `Some("")` clears it.
    pub region: Option<&'a str>,
}

/// Change a group's plan: a phase's length, the first day (the target dates move with
/// both), the positioning, the questionnaire's region. While the group has not opened
/// yet its opening day (creation day) moves with the plan. Returns the new dates'
/// opening day.
pub fn edit_plan(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &LaunchRules,
    name: &str,
    e: &PlanEdit<'_>,
) -> Result<NaiveDate> {
    let (g, old_start) = plan_of(tx, name)?;
    let at = now.timestamp();
    let old_days = lengths(tx, g, rules)?;
    let mut days = old_days;
    if let Some((p, n)) = e.phase_days {
        *days.at_mut(p) = n;
    }
    let start = e.start.unwrap_or(old_start);
    for w in schedule(start, &days) {
        tx.execute(
            "UPDATE launch_phases SET days = ?3, due_on = ?4 WHERE group_id = ?1 AND phase = ?2",
            params![g, w.phase.word(), w.days, w.due.to_string()],
        )?;
    }
    let old_opens = opening_day(old_start, old_days.prep);
    let opens = opening_day(start, days.prep);
    let today = local_day(now, tz);
    if opens != old_opens && today < old_opens {
        tx.execute(
            "UPDATE groups SET created_on = ?2, version = version + 1 WHERE id = ?1",
            params![g, opens.to_string()],
        )?;
    }
    if let Some(p) = e.positioning {
        tx.execute(
            "UPDATE groups SET positioning = ?2, version = version + 1 WHERE id = ?1",
            params![g, p],
        )?;
    }
    let region = e.region.map(|r| Some(r.trim()).filter(|r| !r.is_empty()));
    tx.execute(
        "UPDATE launch_plans SET start_on = ?2,
             target_region = CASE WHEN ?3 THEN ?4 ELSE target_region END,
             version = version + 1 WHERE group_id = ?1",
        params![g, start.to_string(), region.is_some(), region.flatten()],
    )?;
    audit(
        tx,
        at,
        operator,
        "edit",
        "launch",
        Some(g),
        Some(&json!({ "start": old_start.to_string(), "days": old_days })),
        Some(
            &json!({ "start": start.to_string(), "days": days, "opens": opens.to_string(),
            "positioning": e.positioning, "region": e.region }),
        ),
    )?;
    Ok(opens)
}

/// The kit item of a group in launch: refused for an item the kit does not have.
fn kit_item(conn: &Connection, g: i64, item: &str) -> Result<(String, Option<String>)> {
    conn.query_row(
        "SELECT state, text FROM launch_kit WHERE group_id = ?1 AND item = ?2",
        params![g, item],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| {
        StoreError::from(Refusal::NoKitItem {
            item: item.to_string(),
        })
    })
}

/// Mark a kit item done (or back to todo).
pub fn kit_done(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    name: &str,
    item: &str,
    done: bool,
) -> Result<()> {
    let (g, _) = plan_of(tx, name)?;
    let (state, _) = kit_item(tx, g, item)?;
    let new = if done { "done" } else { "todo" };
    tx.execute(
        "UPDATE launch_kit SET state = ?3, done_by = CASE WHEN ?4 THEN ?5 END,
             done_at = CASE WHEN ?4 THEN ?6 END, version = version + 1
         WHERE group_id = ?1 AND item = ?2",
        params![g, item, new, done, operator, at],
    )?;
    audit(
        tx,
        at,
        operator,
        if done { "done" } else { "undo" },
        "launch",
        Some(g),
        Some(&json!({ "item": item, "state": state })),
        Some(&json!({ "item": item, "state": new })),
    )
}

/// Keep a kit item's text (rules, welcome, intro, FAQ …): the item is then done.
pub fn kit_text(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    name: &str,
    item: &str,
    text: &str,
) -> Result<()> {
    let (g, _) = plan_of(tx, name)?;
    let (state, old) = kit_item(tx, g, item)?;
    tx.execute(
        "UPDATE launch_kit SET text = ?3, state = 'done', done_by = ?4, done_at = ?5,
             version = version + 1
         WHERE group_id = ?1 AND item = ?2",
        params![g, item, text, operator, at],
    )?;
    audit(
        tx,
        at,
        operator,
        "text",
        "launch",
        Some(g),
        Some(&json!({ "item": item, "state": state, "text": old })),
        Some(&json!({ "item": item, "state": "done", "text": text })),
    )
}

/// The QR code is up until `expires` (None: it does not expire, a 活码): the item is
/// done, and a team reminder to renew it is planned `renew_days` before the expiry at
/// `renew_at` (at once if that has passed); the reminder of an earlier code is closed
/// as superseded. Returns the reminder's id.
#[allow(clippy::too_many_arguments)]
pub fn kit_qr(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &LaunchRules,
    name: &str,
    expires: Option<NaiveDate>,
) -> Result<Option<i64>> {
    let (g, _) = plan_of(tx, name)?;
    let at = now.timestamp();
    let (state, _) = kit_item(tx, g, QR_ITEM)?;
    let old: Option<String> = tx.query_row(
        "SELECT expires_on FROM launch_kit WHERE group_id = ?1 AND item = ?2",
        params![g, QR_ITEM],
        |r| r.get(0),
    )?;
    tx.execute(
        "UPDATE launch_kit SET state = 'done', expires_on = ?3, done_by = ?4, done_at = ?5,
             version = version + 1
         WHERE group_id = ?1 AND item = ?2",
        params![g, QR_ITEM, expires.map(|d| d.to_string()), operator, at],
    )?;
    let superseded: Vec<i64> = tx
        .prepare_cached(
            "UPDATE reminders SET state = 'dismissed', closed_at = ?2, resolved = 'superseded'
             WHERE source = 'adhoc' AND kind = 'qr_renew' AND group_id = ?1
               AND state <> 'dismissed'
             RETURNING id",
        )?
        .query_map(params![g, at], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if !superseded.is_empty() {
        audit(
            tx,
            at,
            operator,
            "resolve",
            "reminder",
            None,
            None,
            Some(&json!({ "ids": superseded, "resolved": "superseded" })),
        )?;
    }
    let reminder = match expires {
        Some(day) => Some(renewal_reminder(tx, operator, now, tz, rules, g, day)?),
        None => None,
    };
    audit(
        tx,
        at,
        operator,
        "qr",
        "launch",
        Some(g),
        Some(&json!({ "item": QR_ITEM, "state": state, "expires": old })),
        Some(&json!({ "item": QR_ITEM, "state": "done",
            "expires": expires.map(|d| d.to_string()), "reminder": reminder })),
    )?;
    Ok(reminder)
}

/// When a QR code expiring on `expires` is to be renewed: `renew_days` before, at
/// `renew_at` in the team's zone.
pub fn renewal_due(rules: &LaunchRules, tz: Tz, expires: NaiveDate) -> Option<i64> {
    let day = expires.checked_sub_days(Days::new(u64::from(rules.qr.renew_days)))?;
    local_to_utc(day.and_time(rules.renew_time()), tz).map(|t| t.timestamp())
}

/// The team's reminder to renew a group's QR code: an ad-hoc reminder (a person set the
/// expiry) with its own kind and a key, so setting the same expiry again adds nothing.
fn renewal_reminder(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &LaunchRules,
    g: i64,
    expires: NaiveDate,
) -> Result<i64> {
    let at = now.timestamp();
    let due = renewal_due(rules, tz, expires).unwrap_or(at).max(at);
    let key = format!("launch:qr:{g}:{expires}");
    let title = &Playbook::shipped().reminder.qr_renew;
    let body = format!("{expires}");
    tx.execute(
        "INSERT INTO reminders (for_login, source, group_id, title, body, due_at, created_by,
             created_at, source_key, kind)
         VALUES (NULL, 'adhoc', ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'qr_renew')
         ON CONFLICT (source_key) WHERE source_key IS NOT NULL DO UPDATE SET
             state = 'pending', due_at = excluded.due_at, closed_at = NULL, resolved = NULL",
        params![g, title, body, due, operator, at, key],
    )?;
    let id: i64 = tx.query_row(
        "SELECT id FROM reminders WHERE source_key = ?1",
        [&key],
        |r| r.get(0),
    )?;
    audit(
        tx,
        at,
        operator,
        "add",
        "reminder",
        Some(id),
        None,
        Some(
            &json!({ "title": title, "due_at": due, "for": null, "group_id": g,
            "kind": "qr_renew", "expires": expires.to_string() }),
        ),
    )?;
    Ok(id)
}

/// What `import answers` wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnswersImported {
    pub added: usize,
    /// Already there (the same person at the same time): a file imported twice.
    pub duplicates: usize,
}

/// Store a group's questionnaire answers (the caller read the whole file first: a bad
/// row writes nothing).
pub fn import_answers(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    name: &str,
    file: &str,
    answers: &[NewAnswer],
) -> Result<AnswersImported> {
    let (g, _) = plan_of(tx, name)?;
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO launch_answers (group_id, who, answered_at, region, age, need)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut out = AnswersImported::default();
    for a in answers {
        let n = ins.execute(params![g, a.who, a.answered_at, a.region, a.age, a.need])?;
        if n > 0 {
            out.added += 1;
        } else {
            out.duplicates += 1;
        }
    }
    audit(
        tx,
        at,
        operator,
        "import",
        "launch",
        Some(g),
        None,
        Some(&json!({ "answers": file, "added": out.added, "duplicates": out.duplicates })),
    )?;
    Ok(out)
}

// --- a late phase's task ------------------------------------------------------------------

/// Whether some late phase has no task yet, or some task of a phase that has since
/// passed is still open: then [`judge`] has something to write (a read, so a look that
/// finds nothing to do writes nothing).
pub fn needs_judging(
    conn: &Connection,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &LaunchRules,
) -> Result<bool> {
    Ok(board(conn, local_day(now, tz), tz, rules, None)?
        .iter()
        .flat_map(|s| &s.phases)
        .any(wants_change))
}

fn wants_change(p: &PhaseStatus) -> bool {
    match p.state {
        State::Late => p.task.is_none(),
        State::Passed => p.task_open,
        _ => false,
    }
}

/// Make the Today task of every late phase that has none — once: the task's id is kept
/// with the phase, so later looks find it — and set aside the open task of a phase that
/// has passed since (on record, with why). Returns the tasks made.
pub fn judge(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &LaunchRules,
) -> Result<Vec<i64>> {
    let today = local_day(now, tz);
    let at = now.timestamp();
    let mut made = Vec::new();
    for s in board(tx, today, tz, rules, None)? {
        for p in s.phases.iter().filter(|p| wants_change(p)) {
            if p.state == State::Late {
                let id = late_task(tx, operator, now, tz, rules, &s, p)?;
                made.push(id);
            } else if let Some(task) = p.task {
                let why = format!(
                    "{}已达标: {} {}",
                    p.phase.zh(),
                    p.phase.metric_zh(),
                    p.value.map(|v| p.phase.show(v)).unwrap_or_default()
                );
                tx.execute(
                    "UPDATE sop_instances SET state = 'skipped', done_at = ?2,
                         note = CASE WHEN note IS NULL THEN ?3 ELSE note || ' · ' || ?3 END,
                         claimed_by = NULL, claimed_at = NULL, version = version + 1
                     WHERE id = ?1 AND state IN ('todo', 'missed')",
                    params![task, at, why],
                )?;
                audit(
                    tx,
                    at,
                    operator,
                    "skip",
                    "sop_instance",
                    Some(task),
                    Some(&json!({ "state": "todo" })),
                    Some(&json!({ "state": "skipped", "reason": why })),
                )?;
            }
        }
    }
    Ok(made)
}

/// The task of a late phase on today's list: the phase and source 000's step as its
/// title, the metric against its bar and the target date as its note, due
/// `[launch.task] due_hours` from now (by the end of the day), for the group's owner
/// when that is an operator.
fn late_task(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &LaunchRules,
    s: &LaunchStatus,
    p: &PhaseStatus,
) -> Result<i64> {
    let today = local_day(now, tz);
    let due = (now + chrono::Duration::hours(i64::from(rules.task.due_hours))).with_timezone(&tz);
    let slot = if due.date_naive() > today {
        "23:59".to_string()
    } else {
        due.format("%H:%M").to_string()
    };
    let title = format!(
        "{}逾期:{}",
        p.phase.zh(),
        Playbook::shipped().steps.at(p.phase)
    );
    let value = p.value.map_or_else(|| "—".to_string(), |v| p.phase.show(v));
    let note = format!(
        "{} {value}(目标 ≥ {})· 应于 {} 完成",
        p.phase.metric_zh(),
        p.phase.show(p.bar),
        p.due
    );
    let assignee: Option<String> = tx
        .query_row(
            "SELECT g.owner FROM groups g JOIN operators o ON o.login = g.owner WHERE g.id = ?1",
            [s.group_id],
            |r| r.get(0),
        )
        .optional()?;
    let day = today.to_string();
    tx.execute(
        "INSERT INTO sop_instances (group_id, item_id, day, slot, title, note, assignee)
         VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6)",
        params![s.group_id, day, slot, title, note, assignee],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "UPDATE launch_phases SET task_id = ?3 WHERE group_id = ?1 AND phase = ?2",
        params![s.group_id, p.phase.word(), id],
    )?;
    audit(
        tx,
        now.timestamp(),
        operator,
        "create",
        "sop_instance",
        Some(id),
        None,
        Some(
            &json!({ "launch_phase": p.phase.word(), "title": title, "day": day,
            "slot": slot, "assignee": assignee }),
        ),
    )?;
    Ok(id)
}
