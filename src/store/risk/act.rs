//! Acting on an incident or a member: review (the clock's second step), warn, mute,
//! remove, close the group, dismiss as a false positive. Every action is a `sanctions`
//! row (linked to its incident) and an audit row with who and why, in the caller's
//! short write. An incident a colleague already handled is refused with who did what
//! when (`StoreError::Handled`), and one changed since the caller loaded it
//! (`seen_version`) as stale: nothing is written twice.
//!
//! shequn cannot mute or remove anyone in WeChat: an action here is the record of what
//! the operator did there (DOMAIN.md §3: 所有处置需记录在案备查). A removal also ends the
//! membership (the member leaves the lists, `left_reason = kicked`), and puts the member
//! on the blacklist a re-join is checked against.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::json;

use crate::domain::risk::{Action, State};
use crate::store::{Result, StoreError, audit};

/// A step on an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A person looked at it (the clock's review); it stays pending.
    Review,
    Act(Action),
}

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acted {
    pub incident: Option<i64>,
    pub state: String,
    pub action: Option<Action>,
    /// The sanctions row written.
    pub sanction: Option<i64>,
    pub member_id: Option<i64>,
    pub group_id: Option<i64>,
}

struct Current {
    state: String,
    version: i64,
    member: Option<i64>,
    group: Option<i64>,
    reviewed_by: Option<String>,
    reviewed_at: Option<i64>,
    acted_by: Option<String>,
    acted_at: Option<i64>,
    action: Option<String>,
}

fn when(at: Option<i64>) -> String {
    at.and_then(|t| chrono::DateTime::<chrono::Utc>::from_timestamp(t, 0))
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

/// Take `step` on incident `id` as `operator` at `now`. `seen_version`: the version
/// the caller showed (the console); the CLI passes None and is refused only when the
/// incident was handled already.
pub fn on_incident(
    tx: &Transaction<'_>,
    operator: &str,
    now: i64,
    id: i64,
    seen_version: Option<i64>,
    step: Step,
    reason: &str,
) -> Result<Acted> {
    let cur = tx
        .prepare_cached(
            "SELECT state, version, member_id, group_id, reviewed_by, reviewed_at, acted_by,
                    acted_at, action
             FROM risk_incidents WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Current {
                state: r.get(0)?,
                version: r.get(1)?,
                member: r.get(2)?,
                group: r.get(3)?,
                reviewed_by: r.get(4)?,
                reviewed_at: r.get(5)?,
                acted_by: r.get(6)?,
                acted_at: r.get(7)?,
                action: r.get(8)?,
            })
        })
        .optional()?
        .ok_or(StoreError::NotFound {
            what: "incident",
            id,
        })?;
    let state = State::parse(&cur.state).unwrap_or(State::Open);
    if !state.pending() {
        return Err(StoreError::Handled {
            id,
            action: cur.action.clone().unwrap_or_else(|| cur.state.clone()),
            by: cur.acted_by.clone().unwrap_or_default(),
            at: when(cur.acted_at),
        });
    }
    if let Some(seen) = seen_version
        && seen != cur.version
    {
        return Err(StoreError::Stale {
            what: "incident",
            id,
            by: cur.reviewed_by.clone().unwrap_or_default(),
            at: when(cur.reviewed_at),
        });
    }
    let reason = reason.trim();
    let action = match step {
        Step::Review => {
            if state == State::Reviewed {
                return Err(StoreError::Handled {
                    id,
                    action: "reviewed".into(),
                    by: cur.reviewed_by.clone().unwrap_or_default(),
                    at: when(cur.reviewed_at),
                });
            }
            tx.prepare_cached(
                "UPDATE risk_incidents SET state = 'reviewed', reviewed_by = ?2, reviewed_at = ?3,
                     note = COALESCE(NULLIF(?4, ''), note), version = version + 1
                 WHERE id = ?1",
            )?
            .execute(params![id, operator, now, reason])?;
            audit(
                tx,
                now,
                operator,
                "review",
                "incident",
                Some(id),
                Some(&json!({ "state": cur.state, "version": cur.version })),
                Some(&json!({ "state": "reviewed", "note": reason })),
            )?;
            return Ok(Acted {
                incident: Some(id),
                state: "reviewed".into(),
                action: None,
                sanction: None,
                member_id: cur.member,
                group_id: cur.group,
            });
        }
        Step::Act(a) => a,
    };
    if reason.is_empty() {
        return Err(StoreError::Refused(format!(
            "incident {id}: an action needs its reason on record (--reason TEXT)"
        )));
    }
    if action.on_member() && cur.member.is_none() {
        return Err(StoreError::Refused(format!(
            "incident {id} names no member (a content draft): dismiss it, or fix the draft"
        )));
    }
    if action == Action::Close && cur.group.is_none() {
        return Err(StoreError::Refused(format!(
            "incident {id} is in no group: there is no group to close"
        )));
    }
    let next = if action == Action::Dismiss {
        State::Dismissed
    } else {
        State::Acted
    };
    tx.prepare_cached(
        "UPDATE risk_incidents SET state = ?2, action = ?3, acted_by = ?4, acted_at = ?5,
             reviewed_by = COALESCE(reviewed_by, ?4), reviewed_at = COALESCE(reviewed_at, ?5),
             note = ?6, version = version + 1
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        next.word(),
        action.word(),
        operator,
        now,
        reason
    ])?;
    let sanction = record(
        tx,
        operator,
        now,
        cur.member,
        cur.group,
        action,
        reason,
        Some(id),
    )?;
    // its task is done (by whoever acted), its reminder closed
    let tasks: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT id, state FROM sop_instances WHERE incident_id = ?1 AND state IN ('todo', 'missed')",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (task, was) in &tasks {
        tx.prepare_cached(
            "UPDATE sop_instances SET state = 'done', done_by = ?2, done_at = ?3,
                 claimed_by = NULL, claimed_at = NULL, version = version + 1
             WHERE id = ?1",
        )?
        .execute(params![task, operator, now])?;
        audit(
            tx,
            now,
            operator,
            "done",
            "sop_instance",
            Some(*task),
            Some(&json!({ "state": was })),
            Some(&json!({ "state": "done", "incident_id": id, "action": action.word() })),
        )?;
    }
    tx.prepare_cached(
        "UPDATE reminders SET state = 'dismissed', closed_at = ?2, resolved = 'handled'
         WHERE source = 'risk' AND source_id = ?1 AND state <> 'dismissed'",
    )?
    .execute(params![id, now])?;
    audit(
        tx,
        now,
        operator,
        action.word(),
        "incident",
        Some(id),
        Some(&json!({ "state": cur.state, "version": cur.version })),
        Some(
            &json!({ "state": next.word(), "action": action.word(), "reason": reason,
                      "sanction": sanction, "member_id": cur.member, "group_id": cur.group }),
        ),
    )?;
    Ok(Acted {
        incident: Some(id),
        state: next.word().into(),
        action: Some(action),
        sanction: Some(sanction),
        member_id: cur.member,
        group_id: cur.group,
    })
}

/// A sanction on a member in a group without an incident (`risk act --member`): warn,
/// mute or remove, audited on the member.
pub fn on_member(
    tx: &Transaction<'_>,
    operator: &str,
    now: i64,
    member: i64,
    group: i64,
    action: Action,
    reason: &str,
) -> Result<Acted> {
    let reason = reason.trim();
    if !action.on_member() {
        return Err(StoreError::Refused(format!(
            "{}: a member is warned, muted or removed",
            action.word()
        )));
    }
    if reason.is_empty() {
        return Err(StoreError::Refused(
            "a sanction needs its reason on record (--reason TEXT)".into(),
        ));
    }
    let inside: bool = tx
        .prepare_cached("SELECT count(*) FROM memberships WHERE group_id = ?1 AND member_id = ?2")?
        .query_row(params![group, member], |r| r.get::<_, i64>(0))?
        > 0;
    if !inside {
        return Err(StoreError::NotFound {
            what: "membership of member",
            id: member,
        });
    }
    let sanction = record(
        tx,
        operator,
        now,
        Some(member),
        Some(group),
        action,
        reason,
        None,
    )?;
    audit(
        tx,
        now,
        operator,
        "sanction",
        "member",
        Some(member),
        None,
        Some(
            &json!({ "group_id": group, "level": action.word(), "reason": reason,
                      "sanction": sanction }),
        ),
    )?;
    Ok(Acted {
        incident: None,
        state: "acted".into(),
        action: Some(action),
        sanction: Some(sanction),
        member_id: Some(member),
        group_id: Some(group),
    })
}

/// The sanctions row, and what a removal does to the membership.
#[allow(clippy::too_many_arguments)]
fn record(
    tx: &Transaction<'_>,
    operator: &str,
    now: i64,
    member: Option<i64>,
    group: Option<i64>,
    action: Action,
    reason: &str,
    incident: Option<i64>,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO sanctions (member_id, group_id, level, reason, by, at, incident_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        member,
        group,
        action.word(),
        reason,
        operator,
        now,
        incident
    ])?;
    let id = tx.last_insert_rowid();
    if action == Action::Remove
        && let (Some(m), Some(g)) = (member, group)
    {
        tx.prepare_cached(
            "UPDATE memberships SET left_at = ?3, left_reason = 'kicked', tier = 'left',
                 version = version + 1
             WHERE group_id = ?1 AND member_id = ?2 AND left_at IS NULL",
        )?
        .execute(params![g, m, now])?;
    }
    Ok(id)
}
