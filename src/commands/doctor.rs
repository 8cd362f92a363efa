//! `shequn doctor [--format json]` (issue 12): one line per check — ok, warn or fail,
//! and for anything not ok the fix — in the `--lang` language (`[doctor]` of the
//! language files); exit 0 when nothing fails, 1 otherwise. It changes nothing: the
//! database is only read (never migrated; `store::backup::Probe`), the files only
//! looked at.
//!
//! **Is it a team database?** Read from what `init --team` leaves, not recorded in the
//! file (no migration, and it works for every database made so far): a directory with
//! the setgid bit, or a directory or file whose group is not its owner's own primary
//! group, belongs to a team — that group. A team directory that lost its mode still
//! has its group, so a broken one is still checked as a team's.
//!
//! **Is it guarded?** When this `shequn` is installed setgid (the guarded mode's only
//! writer), or when the caller, not root, is not in the team directory's group (then
//! only a setgid shequn can open it). Guarded, the binary is checked too: setgid to the
//! database's group, owned and writable by root alone; and the caller should not be in
//! the service group.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use super::backup::{backups_in, default_dir, size_text};
use crate::cli::{Cli, Format};
use crate::clock::{DEFAULT_TZ, parse_now};
use crate::config;
use crate::disk::{self, Owner};
use crate::i18n::{DoctorTexts, fill};
use crate::store::backup::Probe;
use crate::store::migrations;

/// Over this the WAL is not being checkpointed: a reader that never ends.
pub const WAL_WARN_BYTES: u64 = 64 * 1024 * 1024;
/// A backup older than this is warned about.
pub const BACKUP_WARN_HOURS: i64 = 48;

const SETGID: u32 = 0o2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

/// One line of the report. `check` is a stable English id (JSON); the rest is in the
/// user's language.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub status: Status,
    pub detail: String,
    pub fix: Option<String>,
}

/// What the checks look at, gathered once (and set by tests).
pub struct Scene {
    pub db: PathBuf,
    pub now: DateTime<Utc>,
    /// The team's zone, or what is wrong with `SHEQUN_TZ`.
    pub tz: Result<Tz, String>,
    pub tz_from_env: bool,
    pub login: String,
    pub exe: Option<PathBuf>,
    /// Run from a terminal: TERM and the locale are checked.
    pub tty: bool,
    pub term: Option<String>,
    pub locale: Option<String>,
}

impl Scene {
    pub fn from_cli(cli: &Cli) -> Scene {
        let tz_env = std::env::var("SHEQUN_TZ").ok().filter(|v| !v.is_empty());
        let tz = config::team_tz();
        let zone = tz.as_ref().copied().unwrap_or(DEFAULT_TZ);
        let now = std::env::var("SHEQUN_NOW")
            .ok()
            .filter(|v| !v.is_empty())
            .and_then(|v| parse_now(&v, zone).ok())
            .unwrap_or_else(Utc::now);
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
        Scene {
            db: config::resolve_db(cli.db.clone()),
            now,
            tz,
            tz_from_env: tz_env.is_some(),
            login: config::operator_login(),
            exe: std::env::current_exe().ok(),
            tty: std::io::stdout().is_terminal(),
            term: std::env::var("TERM").ok(),
            locale,
        }
    }
}

struct Report<'a> {
    t: &'a DoctorTexts,
    checks: Vec<Check>,
}

impl Report<'_> {
    fn ok(&mut self, check: &'static str, detail: String) {
        self.push(check, Status::Ok, detail, None);
    }

    fn push(&mut self, check: &'static str, status: Status, detail: String, fix: Option<String>) {
        self.checks.push(Check {
            check,
            status,
            detail,
            fix: if status == Status::Ok { None } else { fix },
        });
    }
}

fn mode_text(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}

fn side(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

/// The team's group of a database, from its directory and file (see the header).
pub fn team_group(dir: &Owner, file: Option<&Owner>) -> Option<u32> {
    if dir.mode & SETGID != 0 {
        return Some(dir.gid);
    }
    if disk::primary_gid(dir.uid).is_some_and(|g| g != dir.gid) {
        return Some(dir.gid);
    }
    file.filter(|f| disk::primary_gid(f.uid).is_some_and(|g| g != f.gid))
        .map(|f| f.gid)
}

/// Every check, in order.
pub fn checks(scene: &Scene, t: &DoctorTexts) -> Vec<Check> {
    let mut r = Report {
        t,
        checks: Vec::new(),
    };
    let db = &scene.db;
    let dbs = path_text(db);
    let dir = disk::dir_of(db);
    if !db.exists() {
        r.push(
            "database",
            Status::Fail,
            fill(&t.db_missing, &[("db", &dbs)]),
            Some(fill(&t.db_missing_fix, &[("db", &dbs)])),
        );
    } else {
        database_checks(&mut r, scene, &dir);
    }
    timezone(&mut r, scene);
    if scene.tty {
        terminal(&mut r, scene);
    }
    r.checks
}

fn database_checks(r: &mut Report<'_>, scene: &Scene, dir: &Path) {
    let t = r.t;
    let db = &scene.db;
    let dbs = path_text(db);
    filesystem(r, dir);
    // the files first, as they were before this check opened the database
    permissions(r, scene, dir);
    match Probe::open(db) {
        Err(e) => r.push(
            "database",
            Status::Fail,
            fill(&t.db_unreadable, &[("db", &dbs), ("error", &e)]),
            Some(t.db_unreadable_fix.clone()),
        ),
        Ok(probe) => {
            r.ok("database", dbs.clone());
            sqlite_checks(r, scene, &probe);
        }
    }
    space(r, db, dir);
    backup_age(r, scene);
}

fn filesystem(r: &mut Report<'_>, dir: &Path) {
    let t = r.t;
    match disk::fs_kind(dir) {
        Ok(Some(kind)) if kind.unsafe_for_wal => r.push(
            "filesystem",
            Status::Fail,
            fill(&t.fs_bad, &[("dir", &path_text(dir)), ("fs", &kind.name)]),
            Some(t.fs_bad_fix.clone()),
        ),
        Ok(Some(kind)) => r.ok("filesystem", fill(&t.fs_ok, &[("fs", &kind.name)])),
        Ok(None) => r.ok("filesystem", t.fs_unchecked.clone()),
        Err(e) => r.push(
            "filesystem",
            Status::Warn,
            format!("{}: {e}", dir.display()),
            Some(t.db_unreadable_fix.clone()),
        ),
    }
}

fn sqlite_checks(r: &mut Report<'_>, scene: &Scene, probe: &Probe) {
    let t = r.t;
    let dbs = path_text(&scene.db);
    let latest = migrations::latest();
    match probe.schema_version() {
        Ok(found) if found == latest => r.ok(
            "schema",
            fill(&t.schema_ok, &[("found", &found), ("latest", &latest)]),
        ),
        Ok(found) if found < latest => r.push(
            "schema",
            Status::Warn,
            fill(&t.schema_older, &[("found", &found), ("latest", &latest)]),
            Some(fill(&t.schema_older_fix, &[("db", &dbs)])),
        ),
        Ok(found) => r.push(
            "schema",
            Status::Fail,
            fill(&t.schema_newer, &[("found", &found), ("latest", &latest)]),
            Some(t.schema_newer_fix.clone()),
        ),
        Err(e) => r.push("schema", Status::Fail, e.to_string(), None),
    }
    match probe.journal_mode() {
        Ok(mode) if mode == "wal" => r.ok("journal_mode", t.journal_ok.clone()),
        Ok(mode) => r.push(
            "journal_mode",
            Status::Fail,
            fill(&t.journal_bad, &[("mode", &mode)]),
            Some(fill(&t.journal_bad_fix, &[("db", &dbs)])),
        ),
        Err(e) => r.push("journal_mode", Status::Fail, e.to_string(), None),
    }
    let newest = backups_in(&default_dir(&scene.db))
        .ok()
        .and_then(|mut b| b.pop())
        .map_or_else(|| "FILE".to_string(), |b| path_text(&b.2));
    match probe.quick_check() {
        Ok(found) if found.is_empty() => r.ok("quick_check", t.integrity_ok.clone()),
        Ok(found) => r.push(
            "quick_check",
            Status::Fail,
            fill(&t.integrity_bad, &[("found", &found.join("; "))]),
            Some(fill(
                &t.integrity_bad_fix,
                &[("backup", &newest), ("db", &dbs)],
            )),
        ),
        Err(e) => r.push(
            "quick_check",
            Status::Fail,
            e.to_string(),
            Some(fill(
                &t.integrity_bad_fix,
                &[("backup", &newest), ("db", &dbs)],
            )),
        ),
    }
    match probe.foreign_key_problems() {
        Ok((0, _)) => r.ok("foreign_keys", t.fk_ok.clone()),
        Ok((n, first)) => r.push(
            "foreign_keys",
            Status::Fail,
            fill(&t.fk_bad, &[("n", &n), ("first", &first.join(", "))]),
            Some(t.fk_bad_fix.clone()),
        ),
        Err(e) => r.push("foreign_keys", Status::Fail, e.to_string(), None),
    }
    match probe.operator_logins() {
        Ok(logins) if logins.is_empty() => r.ok("operators", t.ops_none.clone()),
        Ok(logins) => {
            let gone: Vec<String> = logins
                .iter()
                .filter(|l| !disk::login_exists(l))
                .cloned()
                .collect();
            if gone.is_empty() {
                r.ok("operators", fill(&t.ops_ok, &[("n", &logins.len())]));
            } else {
                r.push(
                    "operators",
                    Status::Warn,
                    fill(&t.ops_gone, &[("logins", &gone.join(", "))]),
                    Some(t.ops_gone_fix.clone()),
                );
            }
        }
        Err(e) => r.push("operators", Status::Warn, e.to_string(), None),
    }
}

/// The team mode and, for a team database, the binary, the directory and the files.
fn permissions(r: &mut Report<'_>, scene: &Scene, dir: &Path) {
    let t = r.t;
    let Ok(dir_own) = disk::owner(dir) else {
        return;
    };
    let file_own = disk::owner(&scene.db).ok();
    let Some(gid) = team_group(&dir_own, file_own.as_ref()) else {
        r.ok("mode", t.mode_personal.clone());
        return;
    };
    let group = disk::group_name(gid);
    let exe = scene
        .exe
        .as_ref()
        .and_then(|p| disk::owner(p).ok().map(|o| (p, o)));
    let exe_setgid = exe.as_ref().is_some_and(|(_, o)| o.mode & SETGID != 0);
    let root = disk::my_uid() == 0;
    let member = disk::member_groups().contains(&gid);
    let guarded = exe_setgid || (!root && !member);
    if guarded {
        r.ok("mode", fill(&t.mode_guarded, &[("group", &group)]));
        binary(r, scene, exe.as_ref().map(|(p, o)| (p.as_path(), *o)), gid);
        if member && !root {
            r.push(
                "service_group",
                Status::Warn,
                fill(
                    &t.member_of_group,
                    &[("login", &scene.login), ("group", &group)],
                ),
                Some(fill(
                    &t.member_of_group_fix,
                    &[("login", &scene.login), ("group", &group)],
                )),
            );
        }
    } else {
        r.ok("mode", fill(&t.mode_team, &[("group", &group)]));
    }
    directory(r, dir, &dir_own, gid);
    for (check, path) in [
        ("file", scene.db.clone()),
        ("wal_file", side(&scene.db, "-wal")),
        ("shm_file", side(&scene.db, "-shm")),
    ] {
        team_file(r, check, &path, gid);
    }
}

fn binary(r: &mut Report<'_>, scene: &Scene, exe: Option<(&Path, Owner)>, gid: u32) {
    let t = r.t;
    let group = disk::group_name(gid);
    let Some((path, own)) = exe else {
        r.push(
            "binary",
            Status::Warn,
            fill(
                &t.binary_not_setgid,
                &[
                    ("bin", &"shequn"),
                    ("group", &group),
                    ("login", &scene.login),
                ],
            ),
            Some(fill(
                &t.binary_not_setgid_fix,
                &[("bin", &"shequn"), ("group", &group)],
            )),
        );
        return;
    };
    let bin = path_text(path);
    if own.mode & SETGID == 0 {
        r.push(
            "binary",
            Status::Fail,
            fill(
                &t.binary_not_setgid,
                &[("bin", &bin), ("group", &group), ("login", &scene.login)],
            ),
            Some(fill(
                &t.binary_not_setgid_fix,
                &[("bin", &bin), ("group", &group)],
            )),
        );
    } else if own.gid != gid {
        r.push(
            "binary",
            Status::Fail,
            fill(
                &t.binary_group,
                &[
                    ("bin", &bin),
                    ("have", &disk::group_name(own.gid)),
                    ("group", &group),
                ],
            ),
            Some(fill(
                &t.binary_group_fix,
                &[("bin", &bin), ("group", &group)],
            )),
        );
    } else if own.uid != 0 || own.mode & 0o022 != 0 {
        r.push(
            "binary",
            Status::Fail,
            fill(
                &t.binary_writable,
                &[
                    ("bin", &bin),
                    ("owner", &own.uid),
                    ("mode", &mode_text(own.mode)),
                    ("group", &group),
                ],
            ),
            Some(fill(
                &t.binary_writable_fix,
                &[("bin", &bin), ("group", &group)],
            )),
        );
    } else {
        r.ok(
            "binary",
            fill(&t.binary_ok, &[("bin", &bin), ("group", &group)]),
        );
    }
}

fn directory(r: &mut Report<'_>, dir: &Path, own: &Owner, gid: u32) {
    let t = r.t;
    let (d, group, have) = (
        path_text(dir),
        disk::group_name(gid),
        disk::group_name(own.gid),
    );
    let mode = mode_text(own.mode);
    let status = if own.gid == gid && own.mode == 0o2770 {
        Status::Ok
    } else if own.gid != gid || own.mode & SETGID == 0 || own.mode & 0o070 != 0o070 {
        Status::Fail
    } else {
        Status::Warn
    };
    if status == Status::Ok {
        r.ok(
            "directory",
            fill(
                &t.dir_ok,
                &[("dir", &d), ("group", &group), ("mode", &mode)],
            ),
        );
    } else {
        r.push(
            "directory",
            status,
            fill(
                &t.dir_bad,
                &[
                    ("dir", &d),
                    ("group", &group),
                    ("have", &have),
                    ("mode", &mode),
                ],
            ),
            Some(fill(&t.dir_bad_fix, &[("dir", &d), ("group", &group)])),
        );
    }
}

fn team_file(r: &mut Report<'_>, check: &'static str, path: &Path, gid: u32) {
    let t = r.t;
    let f = path_text(path);
    let Ok(own) = disk::owner(path) else {
        r.ok(check, format!("{f}: {}", t.absent));
        return;
    };
    let (group, have, mode) = (
        disk::group_name(gid),
        disk::group_name(own.gid),
        mode_text(own.mode),
    );
    let status = if own.gid == gid && own.mode == 0o660 {
        Status::Ok
    } else if own.gid != gid || own.mode & 0o060 != 0o060 {
        Status::Fail
    } else {
        Status::Warn
    };
    if status == Status::Ok {
        r.ok(
            check,
            fill(
                &t.file_ok,
                &[("file", &f), ("group", &group), ("mode", &mode)],
            ),
        );
    } else {
        r.push(
            check,
            status,
            fill(
                &t.file_bad,
                &[
                    ("file", &f),
                    ("group", &group),
                    ("have", &have),
                    ("mode", &mode),
                ],
            ),
            Some(fill(&t.file_bad_fix, &[("file", &f), ("group", &group)])),
        );
    }
}

fn space(r: &mut Report<'_>, db: &Path, dir: &Path) {
    let t = r.t;
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let wal = size(&side(db, "-wal"));
    let total = size(db) + wal;
    match disk::free_bytes(dir) {
        Ok(free) if free >= total.saturating_mul(2) => r.ok(
            "disk",
            fill(
                &t.disk_ok,
                &[("free", &size_text(free)), ("size", &size_text(total))],
            ),
        ),
        Ok(free) => r.push(
            "disk",
            Status::Warn,
            fill(
                &t.disk_low,
                &[("free", &size_text(free)), ("size", &size_text(total))],
            ),
            Some(t.disk_low_fix.clone()),
        ),
        Err(e) => r.push("disk", Status::Warn, e.to_string(), None),
    }
    if wal > WAL_WARN_BYTES {
        r.push(
            "wal_size",
            Status::Warn,
            fill(
                &t.wal_big,
                &[
                    ("size", &size_text(wal)),
                    ("limit", &size_text(WAL_WARN_BYTES)),
                ],
            ),
            Some(t.wal_big_fix.clone()),
        );
    } else {
        r.ok("wal_size", fill(&t.wal_ok, &[("size", &size_text(wal))]));
    }
}

fn age_text(t: &DoctorTexts, hours: i64) -> String {
    if hours < 48 {
        fill(&t.hours, &[("n", &hours)])
    } else {
        fill(&t.days, &[("n", &(hours / 24))])
    }
}

fn backup_age(r: &mut Report<'_>, scene: &Scene) {
    let t = r.t;
    let dir = default_dir(&scene.db);
    let fix = fill(&t.backup_fix, &[("db", &path_text(&scene.db))]);
    let newest = backups_in(&dir).ok().and_then(|mut b| b.pop());
    let Some((at, _, path)) = newest else {
        r.push(
            "backup",
            Status::Warn,
            fill(&t.backup_none, &[("dir", &path_text(&dir))]),
            Some(fix),
        );
        return;
    };
    let zone = scene.tz.as_ref().copied().unwrap_or(DEFAULT_TZ);
    let now = scene.now.with_timezone(&zone).naive_local();
    let hours = (now - at).num_hours().max(0);
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let age = age_text(t, hours);
    if hours > BACKUP_WARN_HOURS {
        r.push(
            "backup",
            Status::Warn,
            fill(&t.backup_old, &[("name", &name), ("age", &age)]),
            Some(fix),
        );
    } else {
        r.ok(
            "backup",
            fill(&t.backup_ok, &[("name", &name), ("age", &age)]),
        );
    }
}

fn timezone(r: &mut Report<'_>, scene: &Scene) {
    let t = r.t;
    match &scene.tz {
        Ok(tz) => {
            let source = if scene.tz_from_env {
                &t.tz_env
            } else {
                &t.tz_default
            };
            r.ok(
                "timezone",
                fill(&t.tz_ok, &[("tz", &tz.name()), ("source", source)]),
            );
        }
        Err(e) => r.push(
            "timezone",
            Status::Fail,
            e.clone(),
            Some(t.tz_bad_fix.clone()),
        ),
    }
}

fn terminal(r: &mut Report<'_>, scene: &Scene) {
    let t = r.t;
    let term = scene.term.clone().unwrap_or_default();
    let locale = scene.locale.clone().unwrap_or_else(|| "POSIX".to_string());
    let utf8 = {
        let l = locale.to_lowercase();
        l.contains("utf-8") || l.contains("utf8")
    };
    if term.is_empty() || term == "dumb" {
        r.push(
            "terminal",
            Status::Warn,
            fill(&t.term_bad, &[("term", &term)]),
            Some(t.term_bad_fix.clone()),
        );
    } else if !utf8 {
        r.push(
            "terminal",
            Status::Warn,
            fill(&t.locale_bad, &[("locale", &locale)]),
            Some(t.locale_bad_fix.clone()),
        );
    } else {
        r.ok(
            "terminal",
            fill(&t.term_ok, &[("term", &term), ("locale", &locale)]),
        );
    }
}

#[derive(Serialize)]
struct JsonOut<'a> {
    ok: bool,
    checks: &'a [Check],
}

pub fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let texts = config::resolve_lang(cli.lang).texts();
    let t = &texts.doctor;
    let scene = Scene::from_cli(cli);
    let checks = checks(&scene, t);
    let failed = checks.iter().any(|c| c.status == Status::Fail);
    let mut out = std::io::stdout().lock();
    match cli.format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &JsonOut {
                    ok: !failed,
                    checks: &checks,
                },
            )?;
            writeln!(out)?;
        }
        Format::Csv => {
            // doctor runs before (and without) a context: the same CSV, said here
            let (bytes, _) = super::output::csv_bytes(
                texts,
                super::output::CsvFor::Script,
                cli.encoding,
                super::output::records(&checks)?,
            )?;
            out.write_all(&bytes)?;
        }
        Format::Table => {
            let word = |s: Status| match s {
                Status::Ok => t.ok.as_str(),
                Status::Warn => t.warn.as_str(),
                Status::Fail => t.fail.as_str(),
            };
            let name = |c: &Check| t.names.get(c.check).unwrap_or(c.check);
            let w_status = [Status::Ok, Status::Warn, Status::Fail]
                .iter()
                .map(|s| word(*s).width())
                .max()
                .unwrap_or(4);
            let w_name = checks.iter().map(|c| name(c).width()).max().unwrap_or(8);
            let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.width())));
            for c in &checks {
                writeln!(
                    out,
                    "{}  {}  {}",
                    pad(word(c.status), w_status),
                    pad(name(c), w_name),
                    c.detail
                )?;
                if let Some(fix) = &c.fix {
                    writeln!(
                        out,
                        "{}  {}  {}: {fix}",
                        " ".repeat(w_status),
                        " ".repeat(w_name),
                        t.fix
                    )?;
                }
            }
            let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
            writeln!(
                out,
                "{}",
                fill(
                    &t.summary,
                    &[
                        ("checks", &checks.len()),
                        ("warn", &count(Status::Warn)),
                        ("fail", &count(Status::Fail)),
                    ]
                )
            )?;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setgid_directory_or_a_foreign_group_makes_a_team() {
        let root = 0;
        let me = Owner {
            mode: 0o755,
            uid: root,
            gid: 0,
        };
        assert_eq!(team_group(&me, None), None);
        let setgid = Owner { mode: 0o2770, ..me };
        assert_eq!(team_group(&setgid, None), Some(0));
        // a team directory that lost its mode keeps its group
        let broken = Owner {
            mode: 0o755,
            uid: root,
            gid: 4242,
        };
        assert_eq!(team_group(&broken, None), Some(4242));
        let file = Owner {
            mode: 0o660,
            uid: root,
            gid: 4243,
        };
        assert_eq!(team_group(&me, Some(&file)), Some(4243));
    }

    /// The guarded mode's install, as root (gids need no group to exist): a setgid
    /// binary of the database's group, owned and writable by root alone, is ok; another
    /// group, or a binary others may replace, fails with the fix.
    #[test]
    fn a_guarded_install_is_checked_binary_directory_and_files() {
        use std::os::unix::fs::PermissionsExt;
        if disk::my_uid() != 0 {
            eprintln!("not root: the guarded install's checks are not tested");
            return;
        }
        let (team, other) = (4_242_001, 4_242_002);
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("team");
        std::fs::create_dir(&dir).unwrap();
        std::os::unix::fs::chown(&dir, None, Some(team)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o2770)).unwrap();
        let db = dir.join("team.db");
        std::fs::write(&db, "").unwrap();
        std::os::unix::fs::chown(&db, None, Some(team)).unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o660)).unwrap();
        let exe = d.path().join("shequn");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        let install = |gid: u32, mode: u32| {
            std::os::unix::fs::chown(&exe, Some(0), Some(gid)).unwrap();
            std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        let scene = Scene {
            db: db.clone(),
            now: Utc::now(),
            tz: Ok(DEFAULT_TZ),
            tz_from_env: false,
            login: "root".into(),
            exe: Some(exe.clone()),
            tty: false,
            term: None,
            locale: None,
        };
        let t = &crate::i18n::Lang::En.texts().doctor;
        let find = |checks: &[Check], id: &str| {
            checks
                .iter()
                .find(|c| c.check == id)
                .cloned()
                .unwrap_or_else(|| panic!("no {id} in {checks:#?}"))
        };
        install(team, 0o2755);
        let checks = checks(&scene, t);
        assert!(
            find(&checks, "mode").detail.contains("guarded"),
            "{checks:#?}"
        );
        assert_eq!(find(&checks, "binary").status, Status::Ok);
        assert_eq!(find(&checks, "directory").status, Status::Ok);
        assert_eq!(find(&checks, "file").status, Status::Ok);

        install(other, 0o2755);
        let bin = find(&super::checks(&scene, t), "binary");
        assert_eq!(bin.status, Status::Fail);
        assert!(bin.fix.unwrap().contains("chgrp 4242001"));

        install(team, 0o2775);
        let bin = find(&super::checks(&scene, t), "binary");
        assert_eq!(bin.status, Status::Fail);
        assert!(bin.fix.unwrap().contains("chmod 2755"));

        // not setgid at all: root runs it as a plain team database
        install(team, 0o755);
        let checks = super::checks(&scene, t);
        assert!(find(&checks, "mode").detail.contains("plain"));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770)).unwrap();
        let dir_check = find(&super::checks(&scene, t), "directory");
        assert_eq!(dir_check.status, Status::Fail);
        assert!(dir_check.fix.unwrap().contains("chmod 2770"));
    }

    #[test]
    fn every_check_has_a_name_in_both_languages() {
        for lang in [crate::i18n::Lang::En, crate::i18n::Lang::Zh] {
            let names = &lang.texts().doctor.names;
            for id in [
                "database",
                "filesystem",
                "schema",
                "journal_mode",
                "quick_check",
                "foreign_keys",
                "operators",
                "mode",
                "binary",
                "service_group",
                "directory",
                "file",
                "wal_file",
                "shm_file",
                "disk",
                "wal_size",
                "backup",
                "timezone",
                "terminal",
            ] {
                assert!(names.get(id).is_some(), "{lang:?} has no name for {id}");
            }
        }
    }
}
