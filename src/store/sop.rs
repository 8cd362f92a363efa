//! SOP in the store: shipped templates installed as rows, templates applied to groups,
//! and the day's instances created idempotently per (group, item, day).

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Result, audit};
use crate::domain::sop::{Recurrence, SHIPPED, Template, parse_template};

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
        Some(&serde_json::json!({ "templates": n })),
    )?;
    Ok(n)
}

/// Insert or update one template and its items; returns its id.
pub fn install(tx: &Transaction<'_>, code: &str, t: &Template) -> Result<i64> {
    tx.execute(
        "INSERT INTO sop_templates (code, name, group_kind, description) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, group_kind = excluded.group_kind,
             description = excluded.description, version = version + 1",
        params![code, t.name, t.group_kind, t.description],
    )?;
    let id: i64 = tx.query_row(
        "SELECT id FROM sop_templates WHERE code = ?1",
        [code],
        |r| r.get(0),
    )?;
    let mut st = tx.prepare_cached(
        "INSERT INTO sop_items (template_id, code, title, script, recurrence, slot, expires, offsets, role)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (template_id, code) DO UPDATE SET title = excluded.title,
             script = excluded.script, recurrence = excluded.recurrence, slot = excluded.slot,
             expires = excluded.expires, offsets = excluded.offsets, role = excluded.role",
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
            it.role
        ])?;
    }
    Ok(id)
}

/// Put a template on a group (idempotent).
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
            Some(&serde_json::json!({ "template_id": template_id })),
        )?;
    }
    Ok(n > 0)
}

/// Create the instances that fall on `day` for every group with a template. Two
/// consoles doing this at the same instant create each row once (UNIQUE + OR IGNORE).
pub fn materialize_day(tx: &Transaction<'_>, day: NaiveDate) -> Result<usize> {
    let mut items = tx.prepare_cached(
        "SELECT g.id, g.created_on, i.id, i.recurrence, COALESCE(o.slot, i.slot), COALESCE(o.title, i.title)
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
                r.get::<_, String>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO sop_instances (group_id, item_id, day, slot, title)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let day_s = day.to_string();
    let mut created = 0;
    for (group, created_on, item, rec, slot, title) in rows {
        let Ok(rec) = Recurrence::parse(&rec) else {
            tracing::warn!(item, rec, "skipping an item with a bad recurrence");
            continue;
        };
        let created_on = NaiveDate::parse_from_str(&created_on, "%Y-%m-%d").unwrap_or(day);
        if rec.occurs_on(day, created_on) {
            created += ins.execute(params![group, item, day_s, slot, title])?;
        }
    }
    Ok(created)
}

/// The template whose `group_kind` matches, else the base rhythm.
pub fn template_for_kind(tx: &Transaction<'_>, kind: &str) -> Result<Option<i64>> {
    let hit = tx
        .query_row(
            "SELECT id FROM sop_templates WHERE group_kind = ?1",
            [kind],
            |r| r.get(0),
        )
        .optional()?;
    if hit.is_some() {
        return Ok(hit);
    }
    Ok(tx
        .query_row(
            "SELECT id FROM sop_templates WHERE code = 'base'",
            [],
            |r| r.get(0),
        )
        .optional()?)
}
