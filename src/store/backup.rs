//! Copies of the database (issue 12): the online backup behind `shequn backup`, the
//! restore behind `shequn restore`, and the restore's mark in the audit log that
//! running consoles look for.
//!
//! **A backup is SQLite's online backup API, all pages in one step**, not `VACUUM INTO`
//! and not small steps with sleeps:
//! * in WAL mode (every shequn database) a reader never blocks a writer, so the one
//!   read transaction the copy runs in costs colleagues and imports nothing — they go on
//!   committing, the copy is the snapshot as of its start;
//! * copying a few pages per step restarts from the first page whenever *another*
//!   connection commits between two steps: under a busy import, or a dozen consoles
//!   beating their presence, a stepped backup may never finish;
//! * `VACUUM INTO` would give the same snapshot, smaller, but it rebuilds every table
//!   and index row by row (several times the work of copying pages on a 1M-message
//!   database) and does not fsync what it wrote;
//! * only a database not in WAL mode (left so by another program; `doctor` fails it)
//!   is copied in steps of [`PAGES_PER_STEP`] with a pause between them, so a writer
//!   waits at most one step — and after [`LOCK_WAIT`] of restarts, the rest in one go.
//!
//! The copy is switched to `journal_mode=DELETE`: a backup is one self-contained file
//! that opens anywhere without `-wal`/`-shm` beside it.
//!
//! **A restore copies the backup *into* the live database** with the same API, in one
//! write transaction, instead of renaming a file over it. A rename swaps the inode
//! under every open connection while the `-wal` and `-shm` names stay: a console still
//! attached to the old file would go on reading (and writing) a WAL index that now
//! belongs to the new one — the textbook way to corrupt a SQLite database. Copied in,
//! SQLite does the swap itself: atomic (one commit through the WAL: a crash leaves the
//! old database whole), other connections keep valid handles, see one commit and
//! re-read the schema; nothing on disk is left stale. The backup is first staged in a
//! temporary copy, migrated to this binary's schema and marked there (the audit row,
//! every change signal lifted), so the live database moves from the old state to the
//! restored, migrated, audited one in that single commit.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::changes::{self, Versions};
use super::{Result, StoreError, audit};

/// How long a copy waits for a lock (a colleague's write on the live database during a
/// restore), and how long a stepped copy may keep restarting before it copies the rest
/// in one step.
pub const LOCK_WAIT: Duration = Duration::from_secs(30);
/// Pages per step for a database not in WAL mode (1 MiB at SQLite's default page).
pub const PAGES_PER_STEP: i32 = 256;
/// The pause between two steps, and between two tries for a lock.
const PAUSE: Duration = Duration::from_millis(20);

/// A database file opened to be checked or copied, never written: a backup about to
/// be restored, or the database `doctor` looks at. Nothing is migrated.
pub struct Probe {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe").field("path", &self.path).finish()
    }
}

impl Probe {
    /// Open `path` to look at it; a file that is not a SQLite database fails here.
    ///
    /// Read-write when the file may be written (without creating anything, and nothing
    /// is written through it), read-only otherwise: a read-only connection to a WAL
    /// database creates `-wal` and `-shm` when they are missing and, unable to
    /// checkpoint, leaves them behind when it closes; a read-write one removes them
    /// again as the last connection closes, like any shequn command does.
    pub fn open(path: &Path) -> Result<Probe> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let open = |flags: OpenFlags| -> rusqlite::Result<Connection> {
            let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
            conn.busy_timeout(super::BUSY_TIMEOUT)?;
            // reading the schema is what tells a database from any other file
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })?;
            Ok(conn)
        };
        let conn = match open(OpenFlags::SQLITE_OPEN_READ_WRITE) {
            Ok(c) => c,
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
                return Err(open_err(e));
            }
            Err(_) => open(OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(open_err)?,
        };
        Ok(Probe {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `user_version`: the schema version shequn wrote.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(super::migrations::current(&self.conn)?)
    }

    /// Whether the file looks like a shequn database (its operators and audit tables).
    pub fn is_shequn(&self) -> Result<bool> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM sqlite_master
             WHERE type = 'table' AND name IN ('operators', 'audit')",
            [],
            |r| r.get(0),
        )?;
        Ok(n == 2)
    }

    /// `PRAGMA journal_mode` as the file has it (`wal`, `delete` …).
    pub fn journal_mode(&self) -> Result<String> {
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        Ok(mode.to_lowercase())
    }

    /// What `PRAGMA quick_check` found; empty when the file is sound.
    pub fn quick_check(&self) -> Result<Vec<String>> {
        quick_check(&self.conn)
    }

    /// Rows whose foreign key points nowhere: how many, and the first few as
    /// `table rowid → parent`.
    pub fn foreign_key_problems(&self) -> Result<(i64, Vec<String>)> {
        let mut st = self
            .conn
            .prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")?;
        let mut rows = st.query([])?;
        let (mut n, mut first) = (0i64, Vec::new());
        while let Some(r) = rows.next()? {
            n += 1;
            if first.len() < 3 {
                let table: String = r.get(0)?;
                let rowid: Option<i64> = r.get(1)?;
                let parent: String = r.get(2)?;
                first.push(format!(
                    "{table} {} → {parent}",
                    rowid.map_or_else(|| "-".to_string(), |id| id.to_string())
                ));
            }
        }
        Ok((n, first))
    }

    /// The logins in `operators` (empty for a file without the table).
    pub fn operator_logins(&self) -> Result<Vec<String>> {
        if !self.is_shequn()? {
            return Ok(Vec::new());
        }
        Ok(super::operators::list(&self.conn)?
            .into_iter()
            .map(|o| o.login)
            .collect())
    }

    /// Copy this file into a new database at `dest` (see [`copy_to`]).
    pub fn copy_to(&self, dest: &Path) -> Result<()> {
        copy_to(&self.conn, dest)
    }
}

/// What `PRAGMA quick_check` found on `conn`; empty when it said `ok`. A file too
/// damaged for the check to finish ("database disk image is malformed") is a finding
/// too, not an error of the check.
pub fn quick_check(conn: &Connection) -> Result<Vec<String>> {
    let run = || -> rusqlite::Result<Vec<String>> {
        let mut st = conn.prepare("PRAGMA quick_check")?;
        st.query_map([], |r| r.get(0))?.collect()
    };
    match run() {
        Ok(found) if found.len() == 1 && found[0] == "ok" => Ok(Vec::new()),
        Ok(found) => Ok(found),
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            ) =>
        {
            Ok(vec![e.to_string()])
        }
        Err(e) => Err(e.into()),
    }
}

/// Copy the database `src` is connected to into a new database file at `dest` (which
/// must not exist, or be empty): a consistent snapshot as of the copy's start, however
/// many writers commit meanwhile; see the module's header for why it is done this way.
/// The copy is left in `journal_mode=DELETE`, closed, but not fsynced (the caller does
/// that with the rename that publishes it).
pub fn copy_to(src: &Connection, dest: &Path) -> Result<()> {
    let open_err = |source| StoreError::Open {
        path: dest.to_path_buf(),
        source,
    };
    let wal = src
        .query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))?
        .eq_ignore_ascii_case("wal");
    let mut out = Connection::open_with_flags(
        dest,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    {
        let backup = Backup::new(src, &mut out)?;
        run(&backup, wal)?;
    }
    // the copy carries the source's WAL flag in its header: make it one plain file
    let _mode: String = out.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    out.close().map_err(|(_, e)| StoreError::from(e))?;
    Ok(())
}

/// Step a backup to its end: everything in one step when the source is in WAL mode (a
/// reader blocks nobody there, and one step never restarts), else a few pages at a time.
fn run(backup: &Backup<'_, '_>, all_at_once: bool) -> Result<()> {
    let started = Instant::now();
    let mut waiting_since: Option<Instant> = None;
    loop {
        let pages = if all_at_once || started.elapsed() > LOCK_WAIT {
            -1
        } else {
            PAGES_PER_STEP
        };
        match backup.step(pages)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {
                waiting_since = None;
                std::thread::sleep(PAUSE);
            }
            // Busy, Locked (and whatever a later rusqlite adds): a lock is held elsewhere
            _ => {
                let since = *waiting_since.get_or_insert_with(Instant::now);
                if since.elapsed() > LOCK_WAIT {
                    return Err(StoreError::Busy);
                }
                std::thread::sleep(PAUSE);
            }
        }
    }
}

/// Replace the contents of the database `live` is connected to with those of `staged`,
/// in one write transaction (see the module's header). The page sizes must match: a
/// WAL database cannot change its page size.
pub fn restore_into(live: &mut Connection, staged: &Connection) -> Result<()> {
    let page_size = |c: &Connection| c.query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0));
    let (have, want) = (page_size(live)?, page_size(staged)?);
    if have != want {
        return Err(StoreError::Refused(format!(
            "the backup has {want}-byte pages and the database {have}-byte ones; a WAL \
             database cannot change its page size in place: close every console, move the \
             database aside and copy the backup to its path instead"
        )));
    }
    {
        let backup = Backup::new(staged, live)?;
        run(&backup, true)?;
    }
    // The whole database went through the WAL; give the file its room back now if no
    // reader is in the way (if one is, SQLite checkpoints later by itself).
    if let Err(e) = live.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::info!("checkpoint after the restore: {e}");
    }
    Ok(())
}

/// Mark a staged restore, inside its write (before it is copied in): the audit row
/// (`restore` on entity `restore`, with `detail`), and every change signal lifted above
/// `above` — the versions of the live database just before — so every console takes
/// everything as changed.
pub fn mark_restore(
    conn: &Connection,
    operator: &str,
    at: i64,
    detail: &serde_json::Value,
    above: &Versions,
) -> Result<()> {
    changes::lift_above(conn, above)?;
    audit(
        conn,
        at,
        operator,
        "restore",
        "restore",
        None,
        None,
        Some(detail),
    )
}

/// The newest restore recorded in a database: a console compares it with the one it
/// saw to tell a restore from any other commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreMark {
    pub id: i64,
    pub at: i64,
    pub by: String,
    pub detail: Option<String>,
}

pub fn last_restore(conn: &Connection) -> Result<Option<RestoreMark>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, at, operator, new FROM audit WHERE entity = 'restore'
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([], |r| {
            Ok(RestoreMark {
                id: r.get(0)?,
                at: r.get(1)?,
                by: r.get(2)?,
                detail: r.get(3)?,
            })
        })
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db_with_rows(path: &Path, n: i64) -> Connection {
        let c = Connection::open(path).unwrap();
        let _: String = c
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        c.execute_batch("CREATE TABLE t (i INTEGER PRIMARY KEY, s TEXT)")
            .unwrap();
        for i in 0..n {
            c.execute(
                "INSERT INTO t (i, s) VALUES (?1, printf('%0200d', ?1))",
                [i],
            )
            .unwrap();
        }
        c
    }

    #[test]
    fn a_copy_is_one_sound_file_with_every_row() {
        let d = tempfile::tempdir().unwrap();
        let src = db_with_rows(&d.path().join("a.db"), 500);
        let dest = d.path().join("copy.db");
        copy_to(&src, &dest).unwrap();
        assert!(!d.path().join("copy.db-wal").exists());
        let p = Probe::open(&dest).unwrap();
        assert_eq!(p.journal_mode().unwrap(), "delete");
        assert!(p.quick_check().unwrap().is_empty());
        let n: i64 = p
            .conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 500);
    }

    #[test]
    fn a_damaged_file_fails_the_check_and_a_stranger_is_no_database() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("a.db");
        let src = db_with_rows(&path, 2000);
        let dest = d.path().join("copy.db");
        copy_to(&src, &dest).unwrap();
        // scribble over a page in the middle of the table
        let mut bytes = std::fs::read(&dest).unwrap();
        assert!(bytes.len() > 16 * 4096, "{} bytes", bytes.len());
        let mid = bytes.len() / 2 / 4096 * 4096;
        for b in &mut bytes[mid..mid + 4096] {
            *b = 0x5a;
        }
        std::fs::write(&dest, &bytes).unwrap();
        let found = Probe::open(&dest).and_then(|p| p.quick_check());
        assert!(found.as_ref().map_or(true, |f| !f.is_empty()), "{found:?}");
        let text = d.path().join("notes.txt");
        std::fs::write(&text, "not a database, just words ".repeat(200)).unwrap();
        assert!(matches!(Probe::open(&text), Err(StoreError::Open { .. })));
    }

    #[test]
    fn restoring_into_a_live_database_is_seen_by_another_connection() {
        let d = tempfile::tempdir().unwrap();
        let live_path = d.path().join("live.db");
        let mut live = db_with_rows(&live_path, 10);
        let other = Connection::open(&live_path).unwrap();
        let before: i64 = other
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .unwrap();
        let staged = db_with_rows(&d.path().join("staged.db"), 3);
        restore_into(&mut live, &staged).unwrap();
        let n: i64 = other
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 3);
        let after: i64 = other
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .unwrap();
        assert_ne!(before, after, "the other connection sees a commit");
        let mode: String = live
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal", "the live database stays in WAL mode");
    }
}
