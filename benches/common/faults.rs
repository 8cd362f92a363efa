//! The faults harness (issue 13): the database's files as a person meets them — a
//! read-only file, the read-only `-wal`/`-shm` an older read-only open left behind, a
//! read-only directory, a full disk (a small tmpfs, mounted when running as root), a
//! database in a team directory the user's Unix group may not enter — each run through
//! the real binary and checked for the message (the path, the cause, the fix; exit 1,
//! not 2), that viewing still works where it can, and that nothing is lost (every row
//! the same, `integrity_check` ok, the write going through once the fault is gone).
//!
//! Permissions do not stop root, so as root the binary runs as `nobody` (uid 65534,
//! std's `Command::uid` also drops root's supplementary groups); as anyone else it runs
//! as them. What needs root (mounting, a file of another group) is skipped with a
//! message otherwise. Shared by `tests/it/faults.rs` and `benches/faults.rs`.

// each includer uses its own part of this file
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The instant the runs pin (`SHEQUN_NOW`), as the integration tests do.
pub const NOW: &str = "2026-03-02T08:25:00";

/// `nobody`: who the binary runs as when the harness is root.
const NOBODY: u32 = 65_534;

/// One check of a scenario.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// A scenario's checks, or why it was skipped.
pub type Outcome = Result<Vec<Check>, String>;

/// Who runs the binary, and the binary.
pub struct Runner {
    bin: PathBuf,
    /// `Some((uid, gid))` when the harness is root and runs it as `nobody`.
    pub as_user: Option<(u32, u32)>,
    /// The login the binary will see (for its role on the database).
    pub login: String,
    pub is_root: bool,
}

fn login_of(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        (id == uid).then(|| name.to_string())
    })
}

impl Runner {
    pub fn new(bin: &Path) -> Runner {
        // SAFETY: getuid cannot fail and has no preconditions.
        let uid = unsafe { libc::getuid() };
        let is_root = uid == 0;
        let (as_user, login) = if is_root {
            (
                Some((NOBODY, NOBODY)),
                login_of(NOBODY).unwrap_or_else(|| format!("uid{NOBODY}")),
            )
        } else {
            (None, login_of(uid).unwrap_or_else(|| format!("uid{uid}")))
        };
        Runner {
            bin: bin.to_path_buf(),
            as_user,
            login,
            is_root,
        }
    }

    /// The binary with a private state directory under `home`, as the runner's user.
    pub fn command(&self, home: &Path) -> Command {
        let mut c = Command::new(&self.bin);
        c.env("SHEQUN_NOW", NOW)
            .env_remove("SHEQUN_DB")
            .env("HOME", home)
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_CONFIG_HOME", home.join("config-none"))
            .stdin(Stdio::null());
        if let Some((uid, gid)) = self.as_user {
            c.uid(uid).gid(gid);
        }
        c
    }

    /// Run `args` against `db` (English), with a time limit.
    pub fn run(&self, home: &Path, db: &Path, args: &[&str]) -> Output {
        let mut c = self.command(home);
        c.args(args).args(["--lang", "en", "--db"]).arg(db);
        run_with_timeout(c, Duration::from_secs(60))
    }

    /// Give a path to the runner's user (a no-op when it is already theirs).
    pub fn give(&self, path: &Path) {
        if let Some((uid, gid)) = self.as_user {
            let _ = std::os::unix::fs::chown(path, Some(uid), Some(gid));
        }
    }

    /// Whether the runner's user can run the binary at all (its directories must let
    /// them in): a scenario that cannot is skipped, not failed.
    pub fn can_run(&self) -> Result<(), String> {
        let home = tempfile::tempdir().map_err(|e| e.to_string())?;
        open_up(home.path());
        self.give(home.path());
        let out = self
            .command(home.path())
            .arg("--version")
            .output()
            .map_err(|e| format!("cannot run {} as {}: {e}", self.bin.display(), self.login))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} as {}: {}",
                self.bin.display(),
                self.login,
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

fn run_with_timeout(mut c: Command, limit: Duration) -> Output {
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let Ok(mut child) = c.spawn() else {
        return Output {
            status: std::os::unix::process::ExitStatusExt::from_raw(127 << 8),
            stdout: Vec::new(),
            stderr: b"could not start the binary".to_vec(),
        };
    };
    // the outputs are small; read them once it is done or killed
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => break,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    child.wait_with_output().unwrap_or_else(|e| Output {
        status: std::os::unix::process::ExitStatusExt::from_raw(1),
        stdout: Vec::new(),
        stderr: e.to_string().into_bytes(),
    })
}

fn chmod(path: &Path, mode: u32) {
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

/// A directory anyone may enter and read (a tempdir is 0700).
fn open_up(path: &Path) {
    chmod(path, 0o755);
}

/// Every row of every table as text, and whether `integrity_check` says ok: what "nothing
/// is lost" compares.
///
/// Read as an unchanging file (SQLite's `immutable`): no `-wal`/`-shm` made, no lock
/// taken — the harness must not leave side files of its own (as root, ones the user
/// could not touch) — and it reads between runs of the binary, whose last connection
/// has checkpointed by then (a `-wal` it left with content would show as rows lost).
pub fn dump(db: &Path) -> (String, bool) {
    use std::os::unix::ffi::OsStrExt;
    let mut uri = String::from("file:");
    for &b in db.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    let Ok(c) = rusqlite::Connection::open_with_flags(
        &uri,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    ) else {
        return (String::from("cannot open"), false);
    };
    let ok = c
        .query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
        .is_ok_and(|s| s == "ok");
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut st| {
            st.query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()
        })
        .unwrap_or_default();
    let mut out = String::new();
    for t in tables {
        out.push_str(&format!("## {t}\n"));
        let Ok(mut st) = c.prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1")) else {
            continue;
        };
        let n = st.column_count();
        let Ok(mut rows) = st.query([]) else { continue };
        while let Ok(Some(r)) = rows.next() {
            for i in 0..n {
                let v: rusqlite::types::Value = r.get(i).unwrap_or(rusqlite::types::Value::Null);
                out.push_str(&format!("{v:?}|"));
            }
            out.push('\n');
        }
    }
    (out, ok)
}

/// Make `login` an owner of `db` (root's doing, as `operator add` would be), so a refused
/// write is refused for the files and not for a role.
fn own(db: &Path, login: &str) -> Result<(), String> {
    let c = rusqlite::Connection::open(db).map_err(|e| e.to_string())?;
    c.execute(
        "INSERT INTO operators (login, display_name, role, created_at) VALUES (?1, ?1, 'owner', 0)
         ON CONFLICT (login) DO UPDATE SET role = 'owner'",
        [login],
    )
    .map_err(|e| e.to_string())?;
    Ok(())
}

struct Checks(Vec<Check>);

impl Checks {
    fn check(&mut self, name: &str, ok: bool, detail: impl Into<String>) {
        self.0.push(Check {
            name: name.to_string(),
            ok,
            detail: detail.into(),
        });
    }

    /// A command that must succeed.
    fn succeeds(&mut self, name: &str, out: &Output) {
        self.check(
            name,
            out.status.success(),
            format!(
                "exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        );
    }

    /// A command that must be refused with exit 1 and a message holding every one of
    /// `words` (and none of `not`).
    fn refused(&mut self, name: &str, out: &Output, words: &[&str], not: &[&str]) {
        let err = String::from_utf8_lossy(&out.stderr);
        let missing: Vec<&&str> = words.iter().filter(|w| !err.contains(**w)).collect();
        let wrong: Vec<&&str> = not.iter().filter(|w| err.contains(**w)).collect();
        self.check(
            name,
            out.status.code() == Some(1) && missing.is_empty() && wrong.is_empty(),
            format!(
                "exit {:?}, missing {missing:?}, wrongly saying {wrong:?}: {}",
                out.status.code(),
                err.trim()
            ),
        );
    }

    fn same(&mut self, name: &str, before: &(String, bool), db: &Path) {
        let after = dump(db);
        self.check(
            name,
            after.1 && after.0 == before.0,
            if after.1 {
                "rows differ".to_string()
            } else {
                "integrity_check failed".to_string()
            },
        );
    }
}

/// A sandbox the runner's user owns: `home` for its state and the database's directory.
struct Sandbox {
    _dir: tempfile::TempDir,
    home: PathBuf,
    dbdir: PathBuf,
    db: PathBuf,
}

fn sandbox(r: &Runner, demo: &Path) -> Result<Sandbox, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    open_up(dir.path());
    let home = dir.path().join("home");
    let dbdir = dir.path().join("team");
    for d in [&home, &dbdir] {
        std::fs::create_dir(d).map_err(|e| e.to_string())?;
        open_up(d);
        r.give(d);
    }
    let db = dbdir.join("shequn.db");
    std::fs::copy(demo, &db).map_err(|e| e.to_string())?;
    own(&db, &r.login)?;
    chmod(&db, 0o644);
    r.give(&db);
    Ok(Sandbox {
        _dir: dir,
        home,
        dbdir,
        db,
    })
}

/// The write every scenario tries: a new group (one row and its audit row).
const WRITE: &[&str] = &["group", "add", "故障测试群", "--kind", "知识型"];

/// Whether a JSON answer on stdout is a non-empty list (the day's checklist shown).
fn lists_rows(out: &Output) -> bool {
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .ok()
        .and_then(|v| v.as_array().map(|a| !a.is_empty()))
        .unwrap_or(false)
}

/// A 0444 database in a writable directory: it opens read-only (the day shows), a write
/// is refused naming the file and `chmod u+w`, nothing changes, no read-only side file
/// is left, and once the file is writable again the write goes through.
pub fn read_only_file(r: &Runner, demo: &Path) -> Outcome {
    r.can_run()?;
    let s = sandbox(r, demo)?;
    let mut c = Checks(Vec::new());
    chmod(&s.db, 0o444);
    let before = dump(&s.db);
    let out = r.run(&s.home, &s.db, &["sop", "today", "--format", "json"]);
    c.succeeds("read-only file: sop today works", &out);
    c.check(
        "read-only file: sop today lists the day",
        lists_rows(&out),
        String::from_utf8_lossy(&out.stdout)
            .chars()
            .take(200)
            .collect::<String>(),
    );
    let out = r.run(&s.home, &s.db, WRITE);
    let path = s.db.display().to_string();
    c.refused(
        "read-only file: a write is refused with the path, cause and fix",
        &out,
        &[&path, "read-only", "chmod u+w"],
        &["attempt to write"],
    );
    c.same("read-only file: nothing changed", &before, &s.db);
    let stuck: Vec<String> = ["-wal", "-shm"]
        .iter()
        .map(|x| PathBuf::from(format!("{}{x}", s.db.display())))
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o200 == 0))
        .map(|p| p.display().to_string())
        .collect();
    c.check(
        "read-only file: no read-only -wal/-shm left behind",
        stuck.is_empty(),
        format!("{stuck:?}"),
    );
    chmod(&s.db, 0o644);
    let out = r.run(&s.home, &s.db, WRITE);
    c.succeeds(
        "read-only file: writable again, the write goes through",
        &out,
    );
    Ok(c.0)
}

/// The state a read-only open of shequn before issue 13 (or of any SQLite program) left:
/// a writable database with a 0444 `-shm` and `-wal` of its user. The next write must
/// go through (they are made writable again), not fail with "attempt to write a
/// readonly database".
pub fn leftover_read_only_sides(r: &Runner, demo: &Path) -> Outcome {
    r.can_run()?;
    let s = sandbox(r, demo)?;
    let mut c = Checks(Vec::new());
    let before = dump(&s.db);
    for (suffix, len) in [("-wal", 0usize), ("-shm", 32_768)] {
        let side = PathBuf::from(format!("{}{suffix}", s.db.display()));
        std::fs::write(&side, vec![0u8; len]).map_err(|e| e.to_string())?;
        r.give(&side);
        chmod(&side, 0o444);
    }
    let out = r.run(&s.home, &s.db, WRITE);
    c.succeeds("read-only -shm left behind: the write goes through", &out);
    let (after, ok) = dump(&s.db);
    c.check(
        "read-only -shm left behind: the write landed, nothing else changed",
        ok && after.len() > before.0.len() && after.contains("故障测试群"),
        "",
    );
    Ok(c.0)
}

/// A database in a directory the user cannot write (0555): SQLite cannot make its
/// `-wal`/`-shm`, so it opens read-only — the day shows; a write is refused naming the
/// directory; nothing changes; with the directory writable again the write goes through.
pub fn read_only_dir(r: &Runner, demo: &Path) -> Outcome {
    r.can_run()?;
    let s = sandbox(r, demo)?;
    let mut c = Checks(Vec::new());
    let before = dump(&s.db);
    chmod(&s.dbdir, 0o555);
    let out = r.run(&s.home, &s.db, &["sop", "today", "--format", "json"]);
    c.succeeds("read-only directory: sop today works", &out);
    c.check(
        "read-only directory: sop today lists the day",
        lists_rows(&out),
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    );
    let out = r.run(&s.home, &s.db, WRITE);
    let dir = s.dbdir.display().to_string();
    c.refused(
        "read-only directory: a write is refused naming the directory and the fix",
        &out,
        &[&dir, "cannot create files", "-wal"],
        &["Error code", "SQLITE_READONLY"],
    );
    chmod(&s.dbdir, 0o755);
    c.same("read-only directory: nothing changed", &before, &s.db);
    let out = r.run(&s.home, &s.db, WRITE);
    c.succeeds(
        "read-only directory: writable again, the write goes through",
        &out,
    );
    Ok(c.0)
}

/// A tmpfs mounted for a scenario, unmounted when dropped (lazily if still busy).
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

/// Fill the filesystem of `dir` with one file until it is full.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let filler = dir.join("filler");
    if let Ok(mut f) = std::fs::File::create(&filler) {
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let small = [0u8; 512];
        while f.write_all(&small).is_ok() {}
        let _ = f.flush();
    }
    filler
}

/// The database on a full disk (a tmpfs of its size plus a little, then filled): a write
/// is refused with exit 1 saying the disk is full and where, not `disk I/O error`; once
/// space is freed, every row is as before, `integrity_check` is ok, and the write goes
/// through. Root only (it mounts).
pub fn full_disk(r: &Runner, demo: &Path) -> Outcome {
    if !r.is_root {
        return Err("not root: cannot mount a small tmpfs".into());
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    open_up(dir.path());
    let mnt = dir.path().join("disk");
    std::fs::create_dir(&mnt).map_err(|e| e.to_string())?;
    let size = std::fs::metadata(demo).map_err(|e| e.to_string())?.len() + 4 * 1024 * 1024;
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(&mnt)
        .output()
        .map_err(|e| format!("mount: {e}"))?;
    if !status.status.success() {
        return Err(format!(
            "mount -t tmpfs failed: {}",
            String::from_utf8_lossy(&status.stderr).trim()
        ));
    }
    let _mount = Mount(mnt.clone());
    // root writes here (a full disk stops root too), no other user needed
    let home = dir.path().join("home");
    std::fs::create_dir(&home).map_err(|e| e.to_string())?;
    let db = mnt.join("shequn.db");
    std::fs::copy(demo, &db).map_err(|e| e.to_string())?;
    let root = Runner {
        as_user: None,
        login: "root".into(),
        ..Runner::new(&r.bin)
    };
    own(&db, &root.login)?;
    let mut c = Checks(Vec::new());
    let before = dump(&db);
    let filler = fill(&mnt);
    let out = root.run(&home, &db, WRITE);
    let where_ = mnt.display().to_string();
    c.refused(
        "full disk: a write is refused, saying the disk is full and where",
        &out,
        &["full", &where_],
        &["disk I/O error", "xShmMap"],
    );
    let out = root.run(&home, &db, &["sop", "today"]);
    let err = String::from_utf8_lossy(&out.stderr);
    c.check(
        "full disk: reading says so too, or works",
        out.status.success() || (out.status.code() == Some(1) && err.contains("full")),
        format!("exit {:?}: {}", out.status.code(), err.trim()),
    );
    let _ = std::fs::remove_file(&filler);
    c.same("full disk: nothing lost", &before, &db);
    let out = root.run(&home, &db, WRITE);
    c.succeeds("full disk: with room again, the write goes through", &out);
    Ok(c.0)
}

/// A team directory (2770) and database (0660) of a group the user is not in: told that
/// they may not read it, which group, and who can add them — not "no database, create
/// one". Root only (it gives the files to another group and runs as `nobody`).
pub fn outside_the_group(r: &Runner, demo: &Path) -> Outcome {
    if r.as_user.is_none() {
        return Err("not root: cannot give the files to a group the user is not in".into());
    }
    r.can_run()?;
    let s = sandbox(r, demo)?;
    let mut c = Checks(Vec::new());
    // root's group: nobody is never in it
    for p in [&s.dbdir, &s.db] {
        std::os::unix::fs::chown(p, Some(0), Some(0)).map_err(|e| e.to_string())?;
    }
    chmod(&s.dbdir, 0o2770);
    chmod(&s.db, 0o660);
    let before = dump(&s.db);
    let out = r.run(&s.home, &s.db, &["sop", "today"]);
    let usermod = format!("usermod -aG root {}", r.login);
    c.refused(
        "outside the group: told they may not read it, the group and who adds them",
        &out,
        &["may not read", "group root", &usermod, "administrator"],
        &["no database", "create one"],
    );
    c.same("outside the group: nothing changed", &before, &s.db);
    Ok(c.0)
}

/// A scenario: its checks on a copy of the demo database.
pub type Scenario = fn(&Runner, &Path) -> Outcome;

/// Every scenario, named.
pub fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("read-only file", read_only_file),
        ("read-only -wal/-shm left behind", leftover_read_only_sides),
        ("read-only directory", read_only_dir),
        ("full disk", full_disk),
        ("outside the team's group", outside_the_group),
    ]
}
