//! Groups in the store: adding and editing one by hand (`shequn group`), the list with
//! the SOP templates on each, and finding a group by name (or id). Imports create
//! groups of their own in `store::import`; a group's SOP in `store::sop`.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Refusal, Result, StoreError, audit};

/// A group as `shequn group add` creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    /// `wecom` or `personal`.
    pub platform: &'a str,
    pub created_on: chrono::NaiveDate,
}

/// Add a group owned by `operator`, with its audit row; refused when the name is taken.
/// Returns its id.
pub fn add(tx: &Transaction<'_>, operator: &str, at: i64, g: &NewGroup<'_>) -> Result<i64> {
    let exists: i64 = tx.query_row(
        "SELECT count(*) FROM groups WHERE name = ?1",
        [g.name],
        |r| r.get(0),
    )?;
    if exists > 0 {
        return Err(Refusal::GroupExists {
            name: g.name.to_string(),
        }
        .into());
    }
    tx.execute(
        "INSERT INTO groups (name, kind, platform, created_on, owner) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            g.name,
            g.kind,
            g.platform,
            g.created_on.to_string(),
            operator
        ],
    )?;
    let id = tx.last_insert_rowid();
    audit(
        tx,
        at,
        operator,
        "add",
        "group",
        Some(id),
        None,
        Some(
            &serde_json::json!({ "name": g.name, "kind": g.kind, "platform": g.platform,
            "created_on": g.created_on.to_string() }),
        ),
    )?;
    Ok(id)
}

/// What `shequn group edit` changes; None keeps the field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupEdit<'a> {
    pub name: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub platform: Option<&'a str>,
    pub created_on: Option<chrono::NaiveDate>,
}

/// Edit the group named `name`, with its audit row (old and new values); refused when
/// there is no such group or the new name is taken.
pub fn edit(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    name: &str,
    e: &GroupEdit<'_>,
) -> Result<()> {
    let (id, old_name, old_kind, old_platform, old_created): (i64, String, String, String, String) =
        tx.query_row(
            "SELECT id, name, kind, platform, created_on FROM groups WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .map_err(|_| StoreError::UnknownGroup(name.to_string()))?;
    if let Some(n) = e.name
        && n != old_name
    {
        let taken: i64 = tx.query_row("SELECT count(*) FROM groups WHERE name = ?1", [n], |r| {
            r.get(0)
        })?;
        if taken > 0 {
            return Err(Refusal::GroupExists {
                name: n.to_string(),
            }
            .into());
        }
    }
    let created = e.created_on.map(|d| d.to_string());
    tx.execute(
        "UPDATE groups SET name = COALESCE(?2, name), kind = COALESCE(?3, kind),
             platform = COALESCE(?4, platform), created_on = COALESCE(?5, created_on),
             version = version + 1 WHERE id = ?1",
        params![id, e.name, e.kind, e.platform, created],
    )?;
    audit(
        tx,
        at,
        operator,
        "edit",
        "group",
        Some(id),
        Some(&serde_json::json!({ "name": old_name, "kind": old_kind,
            "platform": old_platform, "created_on": old_created })),
        Some(
            &serde_json::json!({ "name": e.name, "kind": e.kind, "platform": e.platform,
            "created_on": created }),
        ),
    )
}

/// A group as `shequn group list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub platform: String,
    pub created_on: String,
    /// The codes of the SOP templates on the group, space-separated.
    pub templates: String,
}

/// The groups not archived, oldest first, each with its SOP templates.
pub fn list(conn: &Connection) -> Result<Vec<GroupRow>> {
    let mut st = conn.prepare(
        "SELECT g.id, g.name, g.kind, g.platform, g.created_on,
                COALESCE((SELECT group_concat(t.code, ' ') FROM group_sop gs
                  JOIN sop_templates t ON t.id = gs.template_id WHERE gs.group_id = g.id), '')
         FROM groups g WHERE g.archived = 0 ORDER BY g.id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(GroupRow {
            id: r.get(0)?,
            name: r.get(1)?,
            kind: r.get(2)?,
            platform: r.get(3)?,
            created_on: r.get(4)?,
            templates: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// (id, name) of the groups not archived, by name.
pub fn active_by_name(conn: &Connection) -> Result<Vec<(i64, String)>> {
    let mut st = conn.prepare("SELECT id, name FROM groups WHERE archived = 0 ORDER BY name")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A group by name, or by id when no group has that name (and the text is a number).
/// None when neither finds one.
pub fn by_name_or_id(conn: &Connection, name: &str) -> Result<Option<i64>> {
    let name = name.trim();
    let by_name: Option<i64> = conn
        .query_row("SELECT id FROM groups WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    if by_name.is_some() {
        return Ok(by_name);
    }
    if let Ok(id) = name.parse::<i64>() {
        let n: i64 = conn.query_row("SELECT count(*) FROM groups WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
        if n > 0 {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// A group's name by its id (archived ones too).
pub fn name_of(conn: &Connection, id: i64) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT name FROM groups WHERE id = ?1", [id], |r| r.get(0))
        .optional()?)
}
