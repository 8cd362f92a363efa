//! Presence: which consoles are open, by whom, on which tab. Heartbeats are frequent
//! and carry no business meaning, so they are not audited.

use rusqlite::{Connection, params};
use serde::Serialize;

use super::Result;

/// A console seen within this many seconds counts as online.
pub const ONLINE_WINDOW_SECS: i64 = 90;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Online {
    pub login: String,
    pub tab: String,
    pub host: String,
}

pub fn heartbeat(
    conn: &Connection,
    session: &str,
    login: &str,
    host: &str,
    tab: &str,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO presence (session_id, login, host, pid, tab, started_at, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (session_id) DO UPDATE SET tab = excluded.tab, seen_at = excluded.seen_at",
    )?
    .execute(params![session, login, host, std::process::id(), tab, now])?;
    Ok(())
}

pub fn leave(conn: &Connection, session: &str, now: i64) -> Result<()> {
    // Also sweep long-dead rows so the table stays small.
    conn.execute(
        "DELETE FROM presence WHERE session_id = ?1 OR seen_at < ?2",
        params![session, now - 86_400],
    )?;
    Ok(())
}

/// Everyone else online now (other sessions, also the same login in another terminal).
pub fn others(conn: &Connection, session: &str, now: i64) -> Result<Vec<Online>> {
    let mut st = conn.prepare_cached(
        "SELECT login, tab, host FROM presence
         WHERE session_id <> ?1 AND seen_at >= ?2 ORDER BY login, tab",
    )?;
    let rows = st.query_map(params![session, now - ONLINE_WINDOW_SECS], |r| {
        Ok(Online {
            login: r.get(0)?,
            tab: r.get(1)?,
            host: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
