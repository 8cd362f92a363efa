//! Schema migrations: numbered SQL files in `data/migrations/`, embedded in the binary,
//! applied in order inside one transaction each; the version lives in `user_version`.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::{Result, StoreError};

/// (version, sql) in order. Add a file, add a line: the test below checks they match.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../data/migrations/0001_init.sql")),
    (
        2,
        include_str!("../../data/migrations/0002_sop_details.sql"),
    ),
    (
        3,
        include_str!("../../data/migrations/0003_import_indexes.sql"),
    ),
    (
        4,
        include_str!("../../data/migrations/0004_message_keys.sql"),
    ),
    (
        5,
        include_str!("../../data/migrations/0005_message_time_key.sql"),
    ),
    (6, include_str!("../../data/migrations/0006_content.sql")),
    (7, include_str!("../../data/migrations/0007_kpi.sql")),
    (8, include_str!("../../data/migrations/0008_reminders.sql")),
    (
        9,
        include_str!("../../data/migrations/0009_change_topics.sql"),
    ),
    (10, include_str!("../../data/migrations/0010_settings.sql")),
    (
        11,
        include_str!("../../data/migrations/0011_import_batches.sql"),
    ),
    (12, include_str!("../../data/migrations/0012_risk.sql")),
    (13, include_str!("../../data/migrations/0013_launch.sql")),
    (
        14,
        include_str!("../../data/migrations/0014_keyword_exceptions.sql"),
    ),
];

/// The schema version this binary writes.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

pub fn current(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// For a read-only connection (`--readonly`), which cannot migrate: the schema must be
/// this binary's already.
pub fn check_current(conn: &Connection, path: &Path) -> Result<()> {
    super::register_functions(conn)?;
    let found = current(conn)?;
    if found > latest() {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: latest(),
        });
    }
    if found < latest() {
        return Err(StoreError::ReadOnlyOlder {
            path: path.to_path_buf(),
            found,
            latest: latest(),
        });
    }
    Ok(())
}

/// Bring the database up to [`latest`]. Refuses a database from a newer binary rather
/// than guessing at tables it does not know.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    super::register_functions(conn)?;
    let found = current(conn)?;
    if found > latest() {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: latest(),
        });
    }
    if found == latest() {
        return Ok(());
    }
    // Foreign keys off while migrating (it can only change outside a transaction):
    // SQLite's recipe for rebuilding a table that others reference. The check before
    // commit makes sure nothing was left dangling.
    conn.pragma_update(None, "foreign_keys", false)?;
    let result = (|| -> Result<()> {
        // IMMEDIATE: two consoles opening a fresh file at once must not both migrate.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = current(&tx)?;
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
        }
        let dangling: i64 =
            tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        if dangling > 0 {
            return Err(StoreError::Refused(format!(
                "migrating {} would leave {dangling} broken references; nothing was changed",
                path.display()
            )));
        }
        tx.commit()?;
        Ok(())
    })();
    conn.pragma_update(None, "foreign_keys", true)?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_numbers_are_consecutive_from_one() {
        for (i, (v, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1);
        }
    }

    #[test]
    fn migrates_from_empty_and_is_idempotent() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c, Path::new(":memory:")).unwrap();
        assert_eq!(current(&c).unwrap(), latest());
        migrate(&mut c, Path::new(":memory:")).unwrap();
        let tables: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(tables >= 25, "only {tables} tables");
    }

    #[test]
    fn refuses_a_newer_database() {
        let mut c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "user_version", latest() + 1).unwrap();
        let err = migrate(&mut c, Path::new("x.db")).unwrap_err();
        assert!(matches!(err, StoreError::NewerSchema { .. }));
        assert!(err.to_string().contains("newer shequn"), "{err}");
    }
}
