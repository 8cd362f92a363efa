//! SOP in the store: shipped templates installed as rows, templates applied to groups
//! (with per-group overrides), the day's instances created idempotently per
//! (group, item, day), the sweep that turns expired items into `missed`, and every
//! change an operator makes to an item — each one short `BEGIN IMMEDIATE` write with its
//! audit row, refused (not overwritten) when a colleague got there first.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

use super::{Refusal, Result, StoreError, audit};
use crate::clock::local_to_utc;
use crate::domain::sop::{
    ItemState, Recurrence, SHIPPED, SopChange, Template, check_script, parse_hhmm, parse_template,
    transition,
};

/// Install (or refresh) the shipped templates. Items are matched by code, so a
/// template file can be edited without orphaning instances.
pub fn install_shipped(tx: &Transaction<'_>, operator: &str, at: i64) -> Result<usize> {
    let mut n = 0;
    for (code, text) in SHIPPED {
        let t = parse_template(code, text)?;
        install(tx, code, &t)?;
        n += 1;
    }
    audit(
        tx,
        at,
        operator,
        "install",
        "sop_template",
        None,
        None,
        Some(&json!({ "templates": n })),
    )?;
    Ok(n)
}

/// Insert or update one template and its items; returns its id.
pub fn install(tx: &Transaction<'_>, code: &str, t: &Template) -> Result<i64> {
    tx.execute(
        "INSERT INTO sop_templates (code, name, group_kind, description) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, group_kind = excluded.group_kind,
             description = excluded.description, version = version + 1",
        params![
            code,
            t.name,
            serde_json::to_string(&t.group_kinds)?,
            t.description
        ],
    )?;
    let id: i64 = tx.query_row(
        "SELECT id FROM sop_templates WHERE code = ?1",
        [code],
        |r| r.get(0),
    )?;
    let mut st = tx.prepare_cached(
        "INSERT INTO sop_items (template_id, code, title, script, recurrence, slot, expires, offsets, role, send)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (template_id, code) DO UPDATE SET title = excluded.title,
             script = excluded.script, recurrence = excluded.recurrence, slot = excluded.slot,
             expires = excluded.expires, offsets = excluded.offsets, role = excluded.role,
             send = excluded.send",
    )?;
    for it in &t.items {
        st.execute(params![
            id,
            it.code,
            it.title,
            it.script,
            it.when,
            it.slot,
            it.expires,
            serde_json::to_string(&it.offsets)?,
            it.role,
            it.send
        ])?;
    }
    Ok(id)
}

/// A template by its code (file stem) or its name.
pub fn template_id(tx: &Transaction<'_>, code_or_name: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT id FROM sop_templates WHERE code = ?1 OR name = ?1",
            [code_or_name],
            |r| r.get(0),
        )
        .optional()?)
}

/// Put a template on a group (idempotent). Returns whether it was new.
pub fn apply(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    template_id: i64,
    group_id: i64,
) -> Result<bool> {
    let n = tx.execute(
        "INSERT OR IGNORE INTO group_sop (group_id, template_id, applied_at, applied_by)
         VALUES (?1, ?2, ?3, ?4)",
        params![group_id, template_id, at, operator],
    )?;
    if n > 0 {
        audit(
            tx,
            at,
            operator,
            "apply",
            "group_sop",
            Some(group_id),
            None,
            Some(&json!({ "template_id": template_id })),
        )?;
    }
    Ok(n > 0)
}

/// A per-group change of an item's time or text (or title).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Override {
    pub slot: Option<String>,
    pub script: Option<String>,
    pub title: Option<String>,
}

/// Set (merge) a group's override of one item of a template, by item code.
#[allow(clippy::too_many_arguments)]
pub fn set_override(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    today: NaiveDate,
    group_id: i64,
    template_id: i64,
    item_code: &str,
    o: &Override,
) -> Result<()> {
    let item: i64 = tx
        .query_row(
            "SELECT id FROM sop_items WHERE template_id = ?1 AND code = ?2",
            params![template_id, item_code],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Refusal::NoTemplateItem {
            code: item_code.to_string(),
        })?;
    set_override_item(tx, operator, at, today, group_id, item, o)
}

/// Set (merge) a group's override of one item. A new time also moves the group's open
/// items of today and later, with their expiry, so what is on screen follows at once.
pub fn set_override_item(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    today: NaiveDate,
    group_id: i64,
    item: i64,
    o: &Override,
) -> Result<()> {
    let (rec, slot, expires): (String, String, Option<String>) = tx
        .query_row(
            "SELECT recurrence, slot, expires FROM sop_items WHERE id = ?1",
            [item],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or(StoreError::NotFound {
            what: "SOP item",
            id: item,
        })?;
    if let Some(new_slot) = &o.slot
        && parse_hhmm(new_slot).is_none()
    {
        return Err(Refusal::BadSlot {
            value: new_slot.clone(),
        }
        .into());
    }
    if let Some(script) = &o.script {
        let rec = Recurrence::parse(&rec).map_err(|e| StoreError::Refused(e.to_string()))?;
        check_script(script, rec).map_err(StoreError::Refused)?;
    }
    tx.execute(
        "INSERT INTO sop_overrides (group_id, item_id, slot, script, title) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (group_id, item_id) DO UPDATE SET
             slot = COALESCE(excluded.slot, slot), script = COALESCE(excluded.script, script),
             title = COALESCE(excluded.title, title)",
        params![group_id, item, o.slot, o.script, o.title],
    )?;
    if let Some(new_slot) = &o.slot {
        let gap = expires.as_deref().and_then(|e| minutes_between(&slot, e));
        let new_exp = gap.and_then(|g| shift(new_slot, g));
        tx.execute(
            "UPDATE sop_instances SET slot = ?1, expires = ?2, version = version + 1
             WHERE group_id = ?3 AND item_id = ?4 AND day >= ?5 AND state = 'todo'",
            params![new_slot, new_exp, group_id, item, today.to_string()],
        )?;
    }
    audit(
        tx,
        at,
        operator,
        "override",
        "sop_item",
        Some(item),
        None,
        Some(
            &json!({ "group_id": group_id, "slot": o.slot, "script": o.script, "title": o.title }),
        ),
    )?;
    Ok(())
}

/// A template put on one group by [`apply_by_name`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub group: String,
    pub group_id: i64,
    pub template_id: i64,
    /// False when the group already had it.
    pub new: bool,
}

/// Put a template on groups by name (the console's apply and `sop apply`); an unknown
/// template or group refuses the whole lot.
pub fn apply_by_name(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    template: &str,
    groups: &[String],
) -> Result<Vec<Applied>> {
    let tid = template_id(tx, template)?.ok_or_else(|| {
        StoreError::from(Refusal::NoTemplate {
            name: template.to_string(),
        })
    })?;
    let mut applied = Vec::new();
    for g in groups {
        let gid = super::require_group(tx, g)?;
        applied.push(Applied {
            group: g.clone(),
            group_id: gid,
            template_id: tid,
            new: apply(tx, operator, at, tid, gid)?,
        });
    }
    Ok(applied)
}

/// Minutes between two `HH:MM` times (b − a).
fn minutes_between(a: &str, b: &str) -> Option<i64> {
    Some((parse_hhmm(b)? - parse_hhmm(a)?).num_minutes())
}

/// `slot` shifted by `minutes`, clamped to the same day.
fn shift(slot: &str, minutes: i64) -> Option<String> {
    let t = parse_hhmm(slot)?;
    let m = (i64::from(chrono::Timelike::hour(&t)) * 60
        + i64::from(chrono::Timelike::minute(&t))
        + minutes)
        .clamp(0, 23 * 60 + 59);
    Some(format!("{:02}:{:02}", m / 60, m % 60))
}

/// Create the instances that fall on `day` for every group with a template. Two
/// consoles doing this at the same instant create each row once (UNIQUE + OR IGNORE).
/// An item whose time (in `tz`) came before its template was put on the group is not
/// created: a group set up at 15:46 is not told it missed its 15:00 post.
pub fn materialize_day(tx: &Transaction<'_>, day: NaiveDate, tz: Tz) -> Result<usize> {
    let mut items = tx.prepare_cached(
        "SELECT g.id, g.created_on, i.id, i.recurrence, i.slot, i.expires, o.slot,
                COALESCE(o.title, i.title), gs.applied_at
         FROM group_sop gs
         JOIN groups g ON g.id = gs.group_id AND g.archived = 0
         JOIN sop_items i ON i.template_id = gs.template_id
         LEFT JOIN sop_overrides o ON o.group_id = g.id AND o.item_id = i.id",
    )?;
    let rows = items
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, i64>(8)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO sop_instances (group_id, item_id, day, slot, title, expires)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let day_s = day.to_string();
    let mut created = 0;
    for (group, created_on, item, rec, slot, expires, override_slot, title, applied_at) in rows {
        let Ok(rec) = Recurrence::parse(&rec) else {
            tracing::warn!(item, rec, "skipping an item with a bad recurrence");
            continue;
        };
        let created_on = NaiveDate::parse_from_str(&created_on, "%Y-%m-%d").unwrap_or(day);
        if !rec.occurs_on(day, created_on) {
            continue;
        }
        // An override moves the slot; the expiry keeps its distance from the slot.
        let (slot, expires) = match override_slot {
            Some(o) => {
                let gap = expires.as_deref().and_then(|e| minutes_between(&slot, e));
                let exp = gap.and_then(|g| shift(&o, g));
                (o, exp)
            }
            None => (slot, expires),
        };
        // On the day it was applied, only what comes after (to the minute: applied at
        // 15:00:30, the 15:00 item is still made). Earlier days are not checked: only
        // a clock set back reaches them, and they are history, not nagging.
        let at = chrono::NaiveTime::parse_from_str(&slot, "%H:%M")
            .ok()
            .and_then(|t| crate::clock::local_to_utc(day.and_time(t), tz));
        let applied_day =
            chrono::DateTime::from_timestamp(applied_at, 0).map(|t| crate::clock::local_day(t, tz));
        if applied_day == Some(day)
            && at.is_some_and(|at| at.timestamp() < applied_at - applied_at.rem_euclid(60))
        {
            continue;
        }
        created += ins.execute(params![group, item, day_s, slot, title, expires])?;
    }
    Ok(created)
}

/// Turn every undone item whose expiry has passed into `missed` (DOMAIN.md §2: a
/// missed 08:30 greeting should not linger as a todo all day). Idempotent: whichever
/// console or command looks first does it, once.
pub fn sweep_missed(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<usize> {
    let today = now.with_timezone(&tz).date_naive();
    let mut st = tx.prepare_cached(
        "SELECT id, day, COALESCE(expires, '23:59') FROM sop_instances
         WHERE state = 'todo' AND day <= ?1",
    )?;
    let candidates = st
        .query_map([today.to_string()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut upd = tx.prepare_cached(
        "UPDATE sop_instances SET state = 'missed', version = version + 1
         WHERE id = ?1 AND state = 'todo'",
    )?;
    let mut ids = Vec::new();
    for (id, day, expires) in candidates {
        if expiry_instant(&day, &expires, tz).is_some_and(|e| e <= now) {
            upd.execute([id])?;
            ids.push(id);
        }
    }
    if !ids.is_empty() {
        audit(
            tx,
            now.timestamp(),
            operator,
            "expire",
            "sop_instance",
            None,
            Some(&json!({ "state": "todo" })),
            Some(&json!({ "state": "missed", "ids": ids })),
        )?;
    }
    Ok(ids.len())
}

/// When an item of `day` expires (`HH:MM` in the team's zone).
pub fn expiry_instant(day: &str, expires: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    local_to_utc(d.and_time(parse_hhmm(expires)?), tz)
}

/// Everything the checklist needs before it is read for `day`: its instances exist
/// and the expired ones are marked missed.
/// Whether `day` has its checklist items yet ([`set_up_day`] made them): a read-only
/// database shows a day nobody has set up as empty, and says why.
pub fn day_is_set_up(conn: &rusqlite::Connection, day: NaiveDate) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sop_instances WHERE day = ?1)")?
        .query_row([day.to_string()], |r| r.get(0))?)
}

pub fn set_up_day(
    tx: &Transaction<'_>,
    operator: &str,
    day: NaiveDate,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<()> {
    materialize_day(tx, day, tz)?;
    sweep_missed(tx, operator, now, tz)?;
    Ok(())
}

/// The template for a group type (a template lists the kinds it serves), else the base.
pub fn template_for_kind(tx: &Transaction<'_>, kind: &str) -> Result<Option<i64>> {
    let all: Vec<(i64, String, Option<String>)> = tx
        .prepare_cached("SELECT id, code, group_kind FROM sop_templates ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let serves = |kinds: &Option<String>| {
        kinds
            .as_deref()
            .and_then(|k| serde_json::from_str::<Vec<String>>(k).ok())
            .is_some_and(|ks| ks.iter().any(|k| k == kind))
    };
    Ok(all
        .iter()
        .find(|(_, _, k)| serves(k))
        .or_else(|| all.iter().find(|(_, code, _)| code == "base"))
        .map(|(id, _, _)| *id))
}

/// A template as `shequn sop templates` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TemplateSummary {
    pub code: String,
    pub name: String,
    /// The group kinds it serves (empty: any, as the base).
    pub group_kinds: Vec<String>,
    /// How many items it has.
    pub items: i64,
    /// How many groups it is on.
    pub groups: i64,
}

/// Every template by code, with its item and group counts.
pub fn templates(conn: &Connection) -> Result<Vec<TemplateSummary>> {
    let mut st = conn.prepare(
        "SELECT t.code, t.name, t.group_kind,
                (SELECT count(*) FROM sop_items i WHERE i.template_id = t.id),
                (SELECT count(*) FROM group_sop gs WHERE gs.template_id = t.id)
         FROM sop_templates t ORDER BY t.code",
    )?;
    let rows = st.query_map([], |r| {
        let kinds: Option<String> = r.get(2)?;
        Ok(TemplateSummary {
            code: r.get(0)?,
            name: r.get(1)?,
            group_kinds: kinds
                .and_then(|k| serde_json::from_str(&k).ok())
                .unwrap_or_default(),
            items: r.get(3)?,
            groups: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Who has claimed an item: None when there is no such item, Some(None) when nobody.
pub fn claimed_by(conn: &Connection, id: i64) -> Result<Option<Option<String>>> {
    Ok(conn
        .query_row(
            "SELECT claimed_by FROM sop_instances WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// An item as a change sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceNow {
    pub id: i64,
    pub state: ItemState,
    pub done_by: Option<String>,
    pub done_at: Option<i64>,
    pub claimed_by: Option<String>,
    pub version: i64,
    pub label: String,
}

fn instance(tx: &Transaction<'_>, id: i64) -> Result<InstanceNow> {
    tx.query_row(
        "SELECT s.id, s.state, s.done_by, s.done_at, s.claimed_by, s.version,
                s.title || ' · ' || g.name || ' · ' || s.day || ' ' || s.slot
         FROM sop_instances s JOIN groups g ON g.id = s.group_id WHERE s.id = ?1",
        [id],
        |r| {
            let state: String = r.get(1)?;
            Ok(InstanceNow {
                id: r.get(0)?,
                state: ItemState::parse(&state).unwrap_or(ItemState::Todo),
                done_by: r.get(2)?,
                done_at: r.get(3)?,
                claimed_by: r.get(4)?,
                version: r.get(5)?,
                label: r.get(6)?,
            })
        },
    )
    .optional()?
    .ok_or(StoreError::NotFound {
        what: "SOP item",
        id,
    })
}

/// Who changed a row last, from the audit log: (operator, at).
pub fn last_change(tx: &Transaction<'_>, entity: &str, id: i64) -> Result<Option<(String, i64)>> {
    Ok(tx
        .query_row(
            "SELECT operator, at FROM audit WHERE entity = ?1 AND entity_id = ?2
             ORDER BY id DESC LIMIT 1",
            params![entity, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Apply an operator's change to one item. `seen_version` is the version the operator
/// was looking at (the console passes it; the CLI passes None): if a colleague changed
/// the item since, the change is refused with who and when, never silently applied.
/// Returns the item's new label and state for the message.
pub fn change(
    tx: &Transaction<'_>,
    operator: &str,
    now: DateTime<Utc>,
    tz: Tz,
    id: i64,
    seen_version: Option<i64>,
    what: &SopChange,
) -> Result<InstanceNow> {
    let cur = instance(tx, id)?;
    if let Some(seen) = seen_version
        && seen != cur.version
    {
        let (by, at) = last_change(tx, "sop_instance", id)?.unwrap_or(("?".into(), 0));
        return Err(StoreError::Stale {
            what: "SOP item",
            id,
            by,
            at: hhmm(at, tz),
        });
    }
    let next = transition(cur.state, cur.claimed_by.as_deref(), operator, what).map_err(|e| {
        let (by, at) = match (&cur.done_by, cur.done_at, &cur.claimed_by) {
            (Some(by), Some(at), _) => (by.clone(), hhmm(at, tz)),
            (_, _, Some(c)) => (c.clone(), String::new()),
            _ => (String::new(), String::new()),
        };
        Refusal::SopItem {
            label: cur.label.clone(),
            why: e,
            by,
            at,
        }
    })?;
    let at = now.timestamp();
    let old =
        json!({ "state": cur.state.word(), "done_by": cur.done_by, "claimed_by": cur.claimed_by });
    let state = next.word();
    let new = match what {
        SopChange::Done { note } => {
            tx.execute(
                "UPDATE sop_instances SET state = ?2, done_by = ?3, done_at = ?4,
                     note = COALESCE(?5, note), claimed_by = NULL, claimed_at = NULL,
                     version = version + 1 WHERE id = ?1",
                params![id, state, operator, at, note],
            )?;
            json!({ "state": state, "note": note })
        }
        SopChange::Undo => {
            tx.execute(
                "UPDATE sop_instances SET state = ?2, done_by = NULL, done_at = NULL,
                     version = version + 1 WHERE id = ?1",
                params![id, state],
            )?;
            json!({ "state": state })
        }
        SopChange::Skip { reason } => {
            tx.execute(
                "UPDATE sop_instances SET state = ?2, done_by = ?3, done_at = ?4, note = ?5,
                     claimed_by = NULL, claimed_at = NULL, version = version + 1 WHERE id = ?1",
                params![id, state, operator, at, reason],
            )?;
            json!({ "state": state, "reason": reason })
        }
        SopChange::Note { text } => {
            tx.execute(
                "UPDATE sop_instances SET note = ?2, version = version + 1 WHERE id = ?1",
                params![id, text],
            )?;
            json!({ "note": text })
        }
        SopChange::Claim => {
            tx.execute(
                "UPDATE sop_instances SET claimed_by = ?2, claimed_at = ?3, version = version + 1
                 WHERE id = ?1",
                params![id, operator, at],
            )?;
            json!({ "claimed_by": operator })
        }
        SopChange::Unclaim => {
            tx.execute(
                "UPDATE sop_instances SET claimed_by = NULL, claimed_at = NULL,
                     version = version + 1 WHERE id = ?1",
                [id],
            )?;
            json!({ "claimed_by": null })
        }
        SopChange::Assign { login } => {
            let known: i64 = tx.query_row(
                "SELECT count(*) FROM operators WHERE login = ?1",
                [login],
                |r| r.get(0),
            )?;
            if known == 0 {
                return Err(Refusal::NoOperator {
                    login: login.to_string(),
                }
                .into());
            }
            tx.execute(
                "UPDATE sop_instances SET assignee = ?2, version = version + 1 WHERE id = ?1",
                params![id, login],
            )?;
            json!({ "assignee": login })
        }
    };
    audit(
        tx,
        at,
        operator,
        what.verb(),
        "sop_instance",
        Some(id),
        Some(&old),
        Some(&new),
    )?;
    instance(tx, id)
}

fn hhmm(at: i64, tz: Tz) -> String {
    DateTime::<Utc>::from_timestamp(at, 0)
        .map(|t| t.with_timezone(&tz).format("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}
