//! Operators in the store: who may use the team database and in which role — the
//! owner `shequn init` records, the roles an owner hands out (`shequn operator add`),
//! and the list. Each change is audited in its own transaction.

use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

use super::{Result, StoreError, audit};

/// Record `operator` as the owner of a new database, with the `init` audit row.
pub fn init_owner(tx: &Transaction<'_>, operator: &str, at: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO operators (login, display_name, role, created_at) VALUES (?1, ?1, 'owner', ?2)",
        params![operator, at],
    )?;
    audit(
        tx,
        at,
        operator,
        "init",
        "database",
        None,
        None,
        Some(&serde_json::json!({ "owner": operator })),
    )
}

/// Give `login` the role `role` (adding the operator when new), with its audit row.
/// Only an owner hands out roles; a database without operators yet is open to anyone.
pub fn grant(tx: &Transaction<'_>, operator: &str, at: i64, login: &str, role: &str) -> Result<()> {
    let me = role_of(tx, operator);
    let any: i64 = tx.query_row("SELECT count(*) FROM operators", [], |r| r.get(0))?;
    if any > 0 && me.as_deref() != Some("owner") {
        return Err(StoreError::Refused(format!(
            "only an owner can add operators; {operator} is {}",
            me.unwrap_or_else(|| "not an operator".into())
        )));
    }
    let old = role_of(tx, login);
    tx.execute(
        "INSERT INTO operators (login, display_name, role, created_at) VALUES (?1, ?1, ?2, ?3)
         ON CONFLICT (login) DO UPDATE SET role = excluded.role",
        params![login, role, at],
    )?;
    audit(
        tx,
        at,
        operator,
        "grant",
        "operator",
        None,
        old.map(|o| serde_json::json!({ "login": login, "role": o }))
            .as_ref(),
        Some(&serde_json::json!({ "login": login, "role": role })),
    )
}

/// The role of `login`; None when it is not an operator (or the row cannot be read:
/// a refusal then names it "not an operator", which is what the caller can act on).
fn role_of(conn: &Connection, login: &str) -> Option<String> {
    conn.query_row(
        "SELECT role FROM operators WHERE login = ?1",
        [login],
        |r| r.get(0),
    )
    .ok()
}

/// An operator as `shequn operator list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorRow {
    pub login: String,
    pub role: String,
}

/// Every operator, by login.
pub fn list(conn: &Connection) -> Result<Vec<OperatorRow>> {
    let mut st = conn.prepare("SELECT login, role FROM operators ORDER BY login")?;
    let rows = st.query_map([], |r| {
        Ok(OperatorRow {
            login: r.get(0)?,
            role: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
