//! Operators in the store: who may use the team database and in which role — the
//! owner `shequn init` records (with how it set the database up: [`Setup`]), the roles an owner hands out (`shequn operator add`,
//! `remove`), the list, and who the caller is ([`access`], what every write is checked
//! against). Each change is audited in its own transaction, and none may leave the
//! database without an owner.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Refusal, Result, StoreError, audit};
use crate::domain::roles::{Access, Role};

/// Who `login` is to this database: their row's role; a login without one is a viewer
/// on a team database, and everyone is the owner of a database without operators (one
/// from before roles were recorded, or being created). `owners` is left empty (asked
/// for only when a refusal needs it).
pub fn access(conn: &Connection, login: &str) -> Result<Access> {
    let role: Option<String> = conn
        .prepare_cached("SELECT role FROM operators WHERE login = ?1")?
        .query_row([login], |r| r.get(0))
        .optional()?;
    let (role, listed) = match role {
        // the table's CHECK allows only the four words
        Some(r) => (Role::parse(&r).unwrap_or(Role::Viewer), true),
        None => {
            let any: bool = conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM operators)")?
                .query_row([], |r| r.get(0))?;
            (if any { Role::Viewer } else { Role::Owner }, false)
        }
    };
    Ok(Access {
        login: login.to_string(),
        role,
        readonly: false,
        listed,
        owners: Vec::new(),
        db: None,
    })
}

/// The owners' logins.
pub fn owners(conn: &Connection) -> Result<Vec<String>> {
    let mut st =
        conn.prepare_cached("SELECT login FROM operators WHERE role = 'owner' ORDER BY login")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Refuse (rolling the transaction back) a change that left no owner: nobody could hand
/// out roles again.
fn keep_an_owner(tx: &Transaction<'_>, operator: &str) -> Result<()> {
    if owners(tx)?.is_empty() {
        return Err(StoreError::LastOwner {
            login: operator.to_string(),
        });
    }
    Ok(())
}

/// On a database without operators everyone is its owner; the first change to
/// `operators` records the caller as one, so the database is not left without an owner
/// (and the caller without a role) by it.
fn claim_if_open(tx: &Transaction<'_>, operator: &str, at: i64) -> Result<()> {
    let any: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM operators)", [], |r| r.get(0))?;
    if any {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO operators (login, display_name, role, created_at) VALUES (?1, ?1, 'owner', ?2)",
        params![operator, at],
    )?;
    audit(
        tx,
        at,
        operator,
        "grant",
        "operator",
        None,
        None,
        Some(&serde_json::json!({ "login": operator, "role": "owner" })),
    )
}

/// Record `operator` as the owner of a new database, with the `init` audit row.
pub fn init_owner(tx: &Transaction<'_>, operator: &str, at: i64, setup: &Setup) -> Result<()> {
    tx.execute(
        "INSERT INTO operators (login, display_name, role, created_at) VALUES (?1, ?1, 'owner', ?2)",
        params![operator, at],
    )?;
    let mut new = serde_json::json!({ "owner": operator, "mode": setup.mode() });
    if let Some(group) = setup.group() {
        new["group"] = group.into();
    }
    audit(tx, at, operator, "init", "database", None, None, Some(&new))
}

/// How `shequn init` set a database up, as its first audit row records it: a personal
/// database, a `--team GROUP` one (group-writable file), or a `--guarded GROUP` one
/// (only the setgid shequn can write it). What `doctor` checks the files against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setup {
    Personal,
    Team { group: String },
    Guarded { group: String },
}

impl Setup {
    /// The word in the audit row: `personal`, `team`, `guarded`.
    pub fn mode(&self) -> &'static str {
        match self {
            Setup::Personal => "personal",
            Setup::Team { .. } => "team",
            Setup::Guarded { .. } => "guarded",
        }
    }

    /// The team's Unix group, for a team database.
    pub fn group(&self) -> Option<&str> {
        match self {
            Setup::Personal => None,
            Setup::Team { group } | Setup::Guarded { group } => Some(group),
        }
    }
}

/// How this database was set up by `init`; `None` when no `init` recorded it (a demo,
/// or a database from a shequn before issue 12: look at its directory instead).
pub fn setup(conn: &Connection) -> Result<Option<Setup>> {
    let new: Option<Option<String>> = conn
        .query_row(
            "SELECT new FROM audit WHERE action = 'init' AND entity = 'database'
             ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let Some(Some(new)) = new else {
        return Ok(None);
    };
    let v: serde_json::Value = serde_json::from_str(&new)?;
    let group = v["group"].as_str().map(ToString::to_string);
    Ok(match (v["mode"].as_str(), group) {
        (Some("personal"), _) => Some(Setup::Personal),
        (Some("team"), Some(group)) => Some(Setup::Team { group }),
        (Some("guarded"), Some(group)) => Some(Setup::Guarded { group }),
        _ => None,
    })
}

/// Give `login` the role `role` (adding the operator when new), with its audit row.
/// Who may is the store's question (`operator.grant`); this refuses a change that would
/// leave no owner (the last owner making themself something else).
pub fn grant(tx: &Transaction<'_>, operator: &str, at: i64, login: &str, role: Role) -> Result<()> {
    claim_if_open(tx, operator, at)?;
    let old = role_of(tx, login)?;
    if old.as_deref() == Some(role.word()) {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO operators (login, display_name, role, created_at) VALUES (?1, ?1, ?2, ?3)
         ON CONFLICT (login) DO UPDATE SET role = excluded.role",
        params![login, role.word(), at],
    )?;
    keep_an_owner(tx, operator)?;
    audit(
        tx,
        at,
        operator,
        "grant",
        "operator",
        None,
        old.map(|o| serde_json::json!({ "login": login, "role": o }))
            .as_ref(),
        Some(&serde_json::json!({ "login": login, "role": role.word() })),
    )
}

/// Take `login` off the database (their role goes; what they did stays in the audit
/// log under their name). Refused for the last owner, and for a login that is not an
/// operator.
pub fn remove(tx: &Transaction<'_>, operator: &str, at: i64, login: &str) -> Result<()> {
    let Some(old) = role_of(tx, login)? else {
        return Err(Refusal::NotAnOperator {
            login: login.to_string(),
        }
        .into());
    };
    tx.execute("DELETE FROM operators WHERE login = ?1", [login])?;
    keep_an_owner(tx, operator)?;
    audit(
        tx,
        at,
        operator,
        "remove",
        "operator",
        None,
        Some(&serde_json::json!({ "login": login, "role": old })),
        None,
    )
}

/// The role of `login`; None when it is not an operator.
fn role_of(conn: &Connection, login: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT role FROM operators WHERE login = ?1",
            [login],
            |r| r.get(0),
        )
        .optional()?)
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
