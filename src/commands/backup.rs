//! `shequn backup [--to DIR] [--keep N]` and `shequn restore FILE [--force]` (issue 12).
//!
//! A backup is a consistent online copy (how, and why that way: `store::backup`) named
//! by the time in the team's zone, `shequn-YYYYMMDDTHHMMSS.db`, written under a
//! temporary name, checked with `PRAGMA quick_check` (a copy that fails is deleted, exit
//! 2), fsynced and renamed into place; then the folder is rotated to the newest N.
//! Rotation only ever deletes files whose whole name matches that pattern — a copy kept
//! by hand under another name, and the copy a restore makes of the database it
//! replaces (`…-before-restore.db`), are never touched.
//!
//! The team's backup folder is `backups/` beside the database, made on first use with
//! the group and mode of the database's directory (a team's setgid 2770 directory gives
//! a 2770 folder of the same group); an existing folder is used as it is. `--to DIR`
//! must exist: a cron job must not quietly fill the disk under an unmounted mount point.
//!
//! A restore (owner) checks the file (a SQLite database of shequn's, sound, a schema no
//! newer than this binary), refuses while any console is online unless `--force`,
//! backs up the current database into the backup folder, and then replaces the live
//! database's contents in one transaction (`store::backup`: no file is renamed over a
//! database others have open). Consoles notice the restore's audit row and reload.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDateTime;
use serde::Serialize;

use super::{Ctx, UserError};
use crate::cli::Format;
use crate::disk;
use crate::domain::roles::Perm;
use crate::i18n::{Texts, fill};
use crate::store::backup::{self as copies, Probe};
use crate::store::{Need, Store, StoreError, migrations, presence};

/// Backups kept by default: two weeks of nightly ones.
pub const DEFAULT_KEEP: u32 = 14;

const PREFIX: &str = "shequn-";
const STAMP: &str = "%Y%m%dT%H%M%S";

/// The team's backup folder: `backups/` beside the database.
pub fn default_dir(db: &Path) -> PathBuf {
    disk::dir_of(db).join("backups")
}

/// A backup's file name stem for an instant in the team's zone:
/// `shequn-20260302T031700`.
pub fn stem(at: NaiveDateTime) -> String {
    format!("{PREFIX}{}", at.format(STAMP))
}

/// The time and sequence number of a file named like a backup —
/// `shequn-YYYYMMDDTHHMMSS.db`, or `shequn-YYYYMMDDTHHMMSS-N.db` for a second backup in
/// the same second — and `None` for any other name (never rotated).
pub fn parse_name(name: &str) -> Option<(NaiveDateTime, u32)> {
    let rest = name.strip_prefix(PREFIX)?.strip_suffix(".db")?;
    let (stamp, n) = match rest.split_once('-') {
        Some((stamp, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            (stamp, n.parse().ok()?)
        }
        Some(_) => return None,
        None => (rest, 0),
    };
    if stamp.len() != 15 {
        return None;
    }
    NaiveDateTime::parse_from_str(stamp, STAMP)
        .ok()
        .map(|t| (t, n))
}

/// The backups in `dir`, oldest first.
pub fn backups_in(dir: &Path) -> std::io::Result<Vec<(NaiveDateTime, u32, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some((t, n)) = name.to_str().and_then(parse_name) else {
            continue;
        };
        if entry.file_type()?.is_file() {
            out.push((t, n, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Which backups to delete so that the newest `keep` remain; `just_made` is never
/// among them (a clock set back must not delete the copy it just wrote).
pub fn to_rotate(
    backups: &[(NaiveDateTime, u32, PathBuf)],
    keep: usize,
    just_made: &Path,
) -> Vec<PathBuf> {
    let others: Vec<&PathBuf> = backups
        .iter()
        .map(|b| &b.2)
        .filter(|p| p.as_path() != just_made)
        .collect();
    let keep_others = keep.saturating_sub(1);
    let n = others.len().saturating_sub(keep_others);
    others.into_iter().take(n).cloned().collect()
}

/// A file that is removed (with the side files SQLite may have left beside it) unless
/// it was published.
struct Scratch {
    path: PathBuf,
    armed: bool,
}

impl Scratch {
    fn new(path: PathBuf) -> Scratch {
        Scratch { path, armed: true }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", self.path.display()));
            if p.exists()
                && let Err(e) = std::fs::remove_file(&p)
            {
                tracing::warn!("removing {}: {e}", p.display());
            }
        }
    }
}

/// A backup written.
#[derive(Debug, Clone, Serialize)]
pub struct Made {
    pub path: PathBuf,
    pub bytes: u64,
    pub seconds: f64,
    /// What `quick_check` found in a copy kept although damaged (see [`Damaged`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// What to do with a copy that fails its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Damaged {
    /// Delete it and fail (exit 2): a backup must be sound.
    Refuse,
    /// Keep it, saying so: the copy a restore makes of the database it replaces is
    /// kept whatever state it is in — a damaged database is what restores are for.
    Keep,
}

/// A copy that failed `quick_check`: deleted, exit 2.
#[derive(Debug, thiserror::Error)]
#[error("the copy failed its integrity check ({0}); it was deleted")]
pub struct CheckFailed(String);

/// Write one backup of `store` into `dir` as `{stem}.db` (or `{stem}-N.db` when that is
/// taken): a temporary file with the database file's permissions (never readable by
/// others), the online copy, `quick_check`, fsync, rename, fsync of the folder.
pub fn make(
    t: &Texts,
    store: &Store,
    dir: &Path,
    stem: &str,
    damaged: Damaged,
) -> anyhow::Result<Made> {
    let e = &t.errors;
    let started = Instant::now();
    let name = (0..1000)
        .map(|n| match n {
            0 => format!("{stem}.db"),
            n => format!("{stem}-{n}.db"),
        })
        .find(|name| !dir.join(name).exists())
        .ok_or_else(|| {
            UserError(fill(
                &e.backup_names,
                &[("dir", &dir.display()), ("stem", &stem)],
            ))
        })?;
    let path = dir.join(&name);
    let tmp = Scratch::new(dir.join(format!(".{name}.{}.tmp", std::process::id())));
    let model = disk::owner(store.path())
        .with_context(|| fill(&e.read_path, &[("path", &store.path().display())]))?;
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp.path)
            .with_context(|| fill(&e.create, &[("path", &tmp.path.display())]))?;
        // the database's group (a setgid folder gives it already), and its mode minus
        // anything for others: a backup holds every member's data
        let made = disk::owner(&tmp.path)?;
        if made.gid != model.gid
            && let Err(e) = std::os::unix::fs::fchown(&f, None, Some(model.gid))
        {
            tracing::info!("backup keeps group {}: {e}", made.gid);
        }
        f.set_permissions(std::fs::Permissions::from_mode(
            (model.mode & 0o660) | 0o600,
        ))?;
    }
    store.copy_to(&tmp.path)?;
    let problems = Probe::open(&tmp.path)?.quick_check()?;
    if !problems.is_empty() && damaged == Damaged::Refuse {
        return Err(CheckFailed(problems.join("; ")).into());
    }
    std::fs::File::open(&tmp.path)
        .and_then(|f| f.sync_all())
        .with_context(|| fill(&e.sync, &[("path", &tmp.path.display())]))?;
    std::fs::rename(&tmp.path, &path)
        .with_context(|| fill(&e.rename, &[("path", &path.display())]))?;
    let mut tmp = tmp;
    tmp.armed = false;
    disk::sync_dir(dir).with_context(|| fill(&e.sync, &[("path", &dir.display())]))?;
    let bytes = std::fs::metadata(&path)?.len();
    Ok(Made {
        path,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
        problems,
    })
}

/// The backup folder to write into: `--to` (which must exist) or the team's default,
/// made like the database's directory on first use.
fn folder(t: &Texts, db: &Path, to: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(to) = to {
        if !to.is_dir() {
            return Err(UserError(fill(&t.errors.not_a_dir, &[("path", &to.display())])).into());
        }
        return Ok(to.to_path_buf());
    }
    let dir = default_dir(db);
    if disk::make_dir_like(&dir, &disk::dir_of(db))
        .with_context(|| fill(&t.errors.make_folder, &[("path", &dir.display())]))?
    {
        tracing::info!("made the backup folder {}", dir.display());
    }
    Ok(dir)
}

/// `1.2 MB`.
pub fn size_text(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

#[derive(Serialize)]
struct BackupOut<'a> {
    #[serde(flatten)]
    made: &'a Made,
    removed: Vec<PathBuf>,
}

pub fn run(ctx: &Ctx, to: Option<&Path>, keep: u32) -> anyhow::Result<ExitCode> {
    // a backup reads the database: `--readonly` opens it so, and that is fine
    let store = ctx.open()?;
    store.allowed(Perm::Backup)?;
    let t = ctx.lang.texts();
    let dir = folder(t, &ctx.db, to)?;
    let at = ctx.now().with_timezone(&ctx.tz).naive_local();
    let made = make(t, &store, &dir, &stem(at), Damaged::Refuse)?;
    drop(store);
    let listed =
        backups_in(&dir).with_context(|| fill(&t.errors.list, &[("path", &dir.display())]))?;
    let mut removed = Vec::new();
    for old in to_rotate(&listed, keep as usize, &made.path) {
        match std::fs::remove_file(&old) {
            Ok(()) => removed.push(old),
            Err(e) => tracing::warn!("rotating {}: {e}", old.display()),
        }
    }
    tracing::info!(
        "backup {} bytes={} seconds={:.2} removed={}",
        made.path.display(),
        made.bytes,
        made.seconds,
        removed.len()
    );
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &BackupOut {
                    made: &made,
                    removed,
                },
            )?;
            writeln!(out)?;
        }
        Format::Table | Format::Csv => {
            writeln!(
                out,
                "{}  {}  {:.2} s",
                made.path.display(),
                size_text(made.bytes),
                made.seconds
            )?;
            for r in removed {
                writeln!(
                    out,
                    "{}",
                    fill(&t.summaries.removed, &[("path", &r.display())])
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct RestoreOut {
    restored: PathBuf,
    db: PathBuf,
    schema_from: i64,
    schema: i64,
    before: PathBuf,
    /// What `quick_check` found in the database that was replaced.
    before_problems: Vec<String>,
    forced_past: Vec<String>,
    seconds: f64,
}

pub fn restore(ctx: &Ctx, file: &Path, force: bool) -> anyhow::Result<ExitCode> {
    if ctx.readonly {
        return Err(StoreError::ReadOnly.into());
    }
    let started = Instant::now();
    let t = ctx.lang.texts();
    let say = |template: &str| fill(template, &[("file", &file.display())]);
    let mut live = ctx.open()?;
    live.allowed(Perm::Restore)?;
    if std::fs::canonicalize(file).ok() == std::fs::canonicalize(&ctx.db).ok() {
        return Err(UserError(say(&t.errors.restore_self)).into());
    }
    // the file: a sound shequn database this binary can read
    let probe = Probe::open(file).map_err(|e| match e {
        StoreError::Missing(_) => UserError(say(&t.errors.restore_missing)).into(),
        StoreError::Open { source, .. } => UserError(fill(
            &t.errors.restore_unreadable,
            &[("file", &file.display()), ("e", &source)],
        ))
        .into(),
        e => anyhow::Error::from(e),
    })?;
    if !probe.is_shequn()? {
        return Err(UserError(say(&t.errors.restore_foreign)).into());
    }
    let schema_from = probe.schema_version()?;
    if schema_from > migrations::latest() {
        return Err(StoreError::NewerSchema {
            path: file.to_path_buf(),
            found: schema_from,
            supported: migrations::latest(),
        }
        .into());
    }
    let problems = probe.quick_check()?;
    if !problems.is_empty() {
        // a damaged file is a data failure (exit 2), not a refusal
        return Err(anyhow::Error::msg(fill(
            &t.errors.restore_damaged,
            &[
                ("file", &file.display()),
                ("problems", &problems.join("; ")),
            ],
        )));
    }
    // nobody may be working on it: presence seen within the online window, whoever
    // it is (also the caller's own consoles)
    let now = ctx.now();
    let online = presence::others(live.conn(), "", now.timestamp())?;
    let names: Vec<String> = online
        .iter()
        .map(|o| format!("{}@{} ({})", o.login, o.host, o.tab))
        .collect();
    if !online.is_empty() && !force {
        return Err(UserError(fill(
            &t.errors.restore_online,
            &[
                ("n", &online.len()),
                ("db", &ctx.db.display()),
                ("names", &names.join(", ")),
            ],
        ))
        .into());
    }
    // the database as it is now, kept beside the other backups (and never rotated)
    let dir = folder(t, &ctx.db, None)?;
    let at = now.with_timezone(&ctx.tz).naive_local();
    let before = make(
        t,
        &live,
        &dir,
        &format!("{}-before-restore", stem(at)),
        Damaged::Keep,
    )?;
    if !before.problems.is_empty() {
        tracing::warn!(
            "the database being replaced fails its check: {}",
            before.problems.join("; ")
        );
    }
    // staged: the backup copied, migrated and marked, then copied in in one commit
    let staged_path = Scratch::new(dir.join(format!(".restore-{}.db", std::process::id())));
    probe.copy_to(&staged_path.path)?;
    drop(probe);
    {
        let mut staged = Store::open(&staged_path.path, &ctx.operator)?;
        let above = live.versions()?;
        let detail = serde_json::json!({
            "file": file.display().to_string(),
            "schema_from": schema_from,
            "before": before.path.display().to_string(),
            "forced_past": names,
            "pid": std::process::id(),
        });
        let at = now.timestamp();
        staged.write(Need::System, |tx, op| {
            copies::mark_restore(tx, op, at, &detail, &above)
        })?;
        live.restore_from(&staged)?;
    }
    drop(staged_path);
    let out = RestoreOut {
        restored: file.to_path_buf(),
        db: ctx.db.clone(),
        schema_from,
        schema: migrations::latest(),
        before: before.path,
        before_problems: before.problems,
        forced_past: names,
        seconds: started.elapsed().as_secs_f64(),
    };
    tracing::info!(
        "restored {} into {} (forced past {:?})",
        out.restored.display(),
        out.db.display(),
        out.forced_past
    );
    let mut w = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut w, &out)?;
            writeln!(w)?;
        }
        Format::Table | Format::Csv => {
            writeln!(
                w,
                "restored {} into {} (schema {} → {}, {:.2} s)",
                out.restored.display(),
                out.db.display(),
                out.schema_from,
                out.schema,
                out.seconds
            )?;
            writeln!(
                w,
                "the database as it was is kept at {}",
                out.before.display()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, STAMP).unwrap()
    }

    #[test]
    fn names_are_the_time_and_only_they_are_backups() {
        assert_eq!(stem(t("20260302T031700")), "shequn-20260302T031700");
        assert_eq!(
            parse_name("shequn-20260302T031700.db"),
            Some((t("20260302T031700"), 0))
        );
        assert_eq!(
            parse_name("shequn-20260302T031700-2.db"),
            Some((t("20260302T031700"), 2))
        );
        for other in [
            "shequn-20260302T031700-before-restore.db",
            "shequn-20260302T031700.db.tmp",
            ".shequn-20260302T031700.db.12.tmp",
            "shequn-2026030T031700.db",
            "shequn-20261302T031700.db",
            "team.db",
            "shequn-20260302T031700-.db",
        ] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[test]
    fn rotation_keeps_the_newest_and_never_the_one_just_made() {
        let list: Vec<(NaiveDateTime, u32, PathBuf)> = [
            ("20260301T031700", 0, "a"),
            ("20260302T031700", 0, "b"),
            ("20260302T031700", 1, "c"),
            ("20260303T031700", 0, "d"),
        ]
        .into_iter()
        .map(|(s, n, p)| (t(s), n, PathBuf::from(p)))
        .collect();
        assert_eq!(
            to_rotate(&list, 2, Path::new("d")),
            vec![PathBuf::from("a"), PathBuf::from("b")]
        );
        assert_eq!(to_rotate(&list, 14, Path::new("d")), Vec::<PathBuf>::new());
        // a copy written under a clock set back is the oldest, and still kept
        assert_eq!(
            to_rotate(&list, 1, Path::new("a")),
            vec![PathBuf::from("b"), PathBuf::from("c"), PathBuf::from("d")]
        );
    }

    #[test]
    fn sizes_read_like_people_say_them() {
        assert_eq!(size_text(900), "900 B");
        assert_eq!(size_text(12_345_678), "12.3 MB");
    }
}
