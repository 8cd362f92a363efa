//! The append-only audit log: who (OS login), when, what, old → new. Written inside
//! the same transaction as the change it describes, so neither exists without the other.

use rusqlite::{Connection, params};
use serde::Serialize;

use super::Result;

/// One audit row as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub operator: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Record one change. `old`/`new` are JSON snapshots of what changed (or None).
#[allow(clippy::too_many_arguments)]
pub fn audit(
    conn: &Connection,
    at: i64,
    operator: &str,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    old: Option<&serde_json::Value>,
    new: Option<&serde_json::Value>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit (at, operator, action, entity, entity_id, old, new)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        at,
        operator,
        action,
        entity,
        entity_id,
        old.map(ToString::to_string),
        new.map(ToString::to_string)
    ])?;
    Ok(())
}

/// The newest `limit` audit rows.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<AuditEntry>> {
    let mut st = conn.prepare_cached(
        "SELECT id, at, operator, action, entity, entity_id, old, new
         FROM audit ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = st.query_map([limit as i64], |r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            operator: r.get(2)?,
            action: r.get(3)?,
            entity: r.get(4)?,
            entity_id: r.get(5)?,
            old: r.get(6)?,
            new: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
