//! The database's files before and after SQLite has them (issue 13 point 5). Before
//! opening: whether this user can read the database at all (else why, naming the group
//! and who can add them — not "no database"), and whether they can write it — a file,
//! directory or `-wal`/`-shm` they cannot write, or a read-only mount, opens the
//! database read-only with that reason, so viewing works and a write is refused saying
//! why instead of failing with "attempt to write a readonly database". After: the
//! SQLite errors that are a file or disk problem ([`diagnose`]) mapped to the same
//! reasons, in one place, for where store errors become words.
//!
//! The read-only `-shm`: SQLite creates a database's `-wal` and `-shm` with the mode of
//! the database file, so a read-only open of a 0444 file leaves a 0444 `-shm` and `-wal`
//! behind, and every later writer — even once the file is writable again — opens them
//! read-only and fails. So after a read-only open, and before an open for writing, this
//! user's own side files are made writable by their owner again ([`side_mode`]: a mode
//! change; their contents are SQLite's and are left alone).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

use super::StoreError;
use crate::disk::{self, FileProblem};

/// How to open the database.
#[derive(Debug)]
pub(super) struct Plan {
    /// Read-only: asked for (`--readonly`), or the reason the files give.
    pub readonly: bool,
    pub why: Option<FileProblem>,
    /// A WAL database in a directory where its `-wal`/`-shm` cannot be made: read as
    /// an unchanging file (SQLite's `immutable`). Nobody can be writing it in WAL mode
    /// without those files; one who makes them later is not seen until reopened.
    pub immutable: bool,
}

/// What the files allow: an error for a database that is not there or may not be read,
/// else how to open it (`want_write`: not `--readonly`).
pub(super) fn plan(path: &Path, want_write: bool) -> Result<Plan, StoreError> {
    match std::fs::metadata(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(StoreError::Files(Box::new(disk::no_access(path))));
        }
        // anything else is for SQLite to report
        Err(_) => {
            return Ok(Plan {
                readonly: !want_write,
                why: None,
                immutable: false,
            });
        }
    }
    if disk::can(path, libc::R_OK).is_err() {
        return Err(StoreError::Files(Box::new(disk::no_access(path))));
    }
    let file_writable = disk::can(path, libc::W_OK).is_ok();
    if want_write && file_writable {
        repair_sides(path);
    }
    let why = if want_write {
        disk::find_problem(path).filter(|p| !matches!(p, FileProblem::DiskFull { .. }))
    } else {
        None
    };
    // A directory that cannot take new files only stops a writer when the side files
    // are missing: with both there (and writable), SQLite writes through them.
    let why = match why {
        Some(FileProblem::ReadOnlyDir { .. })
            if disk::side_files(path)
                .iter()
                .all(|s| disk::can(s, libc::R_OK | libc::W_OK).is_ok()) =>
        {
            None
        }
        other => other,
    };
    let readonly = !want_write || why.is_some();
    let immutable = readonly
        && disk::is_wal(path)
        && disk::can(&disk::dir_of(path), libc::W_OK | libc::X_OK).is_err()
        && !disk::side_files(path).iter().all(|s| s.exists());
    Ok(Plan {
        readonly,
        why,
        immutable,
    })
}

/// The mode for a side file of `db`: the database file's permissions, always writable
/// by the side file's owner — what SQLite would give it, minus the trap of a read-only
/// `-shm` that outlives the read-only file.
fn side_mode(db: &Path) -> u32 {
    let mode = std::fs::metadata(db).map_or(0o600, |m| m.mode() & 0o666);
    mode | 0o600
}

/// This user's own `-wal`/`-shm` that they cannot write become writable again (only
/// the mode changes; someone else's are reported instead, [`FileProblem::ReadOnlySide`]).
/// Before opening for writing: ones left by a read-only open (of shequn before issue 13,
/// or of another SQLite program). After a read-only open: the ones SQLite just gave the
/// read-only file's mode — it sets an empty side file's mode to the database's at every
/// open, so they cannot be made right beforehand.
pub(super) fn repair_sides(db: &Path) {
    let me = disk::my_uid();
    let mode = side_mode(db);
    for side in disk::side_files(db) {
        let Ok(meta) = std::fs::symlink_metadata(&side) else {
            continue;
        };
        if !meta.is_file() || meta.uid() != me || disk::can(&side, libc::W_OK).is_ok() {
            continue;
        }
        match std::fs::set_permissions(&side, std::fs::Permissions::from_mode(mode)) {
            Ok(()) => tracing::info!(
                "{} was read-only ({:04o}): made it {mode:04o}",
                side.display(),
                meta.mode() & 0o7777
            ),
            Err(e) => tracing::warn!("could not make {} writable: {e}", side.display()),
        }
    }
}

/// The file or disk problem behind a SQLite error on the database at `db`, if it is
/// one: a read-only file, directory, side file or mount, a full disk, a file this user
/// may not read. `None` for every other error (and when the files look fine now).
pub fn diagnose(db: &Path, e: &rusqlite::Error) -> Option<FileProblem> {
    let code = e.sqlite_error_code()?;
    match code {
        ErrorCode::ReadOnly => disk::find_problem(db),
        // "database or disk is full", or "disk I/O error" (the -shm cannot grow, a write
        // or fsync failed): the database's disk when it has no room; else another disk
        // (a backup's) or a real I/O error, said as SQLite says it
        ErrorCode::DiskFull | ErrorCode::SystemIoFailure => disk::disk_full(db),
        ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
            if disk::can(db, libc::R_OK).is_err()
                && !matches!(disk::can(db, libc::F_OK), Err(libc::ENOENT))
            {
                Some(disk::no_access(db))
            } else {
                disk::find_problem(db)
            }
        }
        _ => None,
    }
}

/// [`diagnose`] for any error that is a SQLite error (one that reached a command's edge
/// without passing through a [`StoreError`]).
pub fn problem_of(db: &Path, e: &(dyn std::error::Error + 'static)) -> Option<FileProblem> {
    diagnose(db, e.downcast_ref::<rusqlite::Error>()?)
}

impl StoreError {
    /// The file or disk problem this error is on the database at `db`, when it is one:
    /// its own, or what [`diagnose`] finds behind a SQLite error. What the commands and
    /// the console ask before they put a store error into words.
    pub fn problem_at(&self, db: &Path) -> Option<FileProblem> {
        match self {
            StoreError::Files(p) => Some((**p).clone()),
            StoreError::Sqlite(e) | StoreError::Open { source: e, .. } => {
                let p = diagnose(db, e)?;
                tracing::warn!("{self} → {p}");
                Some(p)
            }
            _ => None,
        }
    }
}

/// A path for SQLite's URI filenames (`file:…?immutable=1`): every byte but the
/// unreserved ones and `/` percent-encoded.
pub(super) fn uri(path: &Path, query: &str) -> String {
    use std::os::unix::ffi::OsStrExt;
    let absolute: PathBuf = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::from("file:");
    for &b in absolute.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push('?');
    out.push_str(query);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_what_is_not_plain() {
        assert_eq!(
            uri(Path::new("/srv/a b/数?.db"), "immutable=1"),
            "file:/srv/a%20b/%E6%95%B0%3F.db?immutable=1"
        );
    }

    #[test]
    fn side_files_are_writable_by_their_owner_with_the_database_s_other_bits() {
        let d = tempfile::tempdir().unwrap();
        let db = d.path().join("a.db");
        std::fs::write(&db, b"").unwrap();
        for (db_mode, side) in [
            (0o444, 0o644),
            (0o660, 0o660),
            (0o640, 0o640),
            (0o400, 0o600),
        ] {
            std::fs::set_permissions(&db, std::fs::Permissions::from_mode(db_mode)).unwrap();
            assert_eq!(side_mode(&db), side, "{db_mode:o}");
        }
    }

    #[test]
    fn a_missing_database_is_missing() {
        let d = tempfile::tempdir().unwrap();
        assert!(matches!(
            plan(&d.path().join("none.db"), true),
            Err(StoreError::Missing(_))
        ));
    }
}
