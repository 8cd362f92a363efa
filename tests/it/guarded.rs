//! Team modes with real Unix accounts (issue 12, "Done when"): `init --team` between
//! users of a temporary group, and the guarded mode with a setgid copy of the binary.
//! Those two need root (CI runs as root on this machine kind) to make users and groups;
//! they are skipped with a message otherwise. The users and groups are named after the
//! test and the pid, and removed at the end even when an assertion fails (`Accounts`
//! is a guard). A few checks of `init` that need no other account run for anyone.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use predicates::prelude::*;

use super::bin;

/// useradd/userdel lock /etc/passwd: two tests doing it at once would fail.
static PASSWD: Mutex<()> = Mutex::new(());

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Root and the tools to make accounts, or a message saying why the test is skipped.
fn can_make_users(test: &str) -> bool {
    if !is_root() {
        eprintln!("skipped {test}: it makes Unix users and groups, which needs root");
        return false;
    }
    for tool in [
        "useradd", "groupadd", "userdel", "groupdel", "runuser", "sqlite3",
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            eprintln!("skipped {test}: {tool} is not installed");
            return false;
        }
    }
    true
}

fn must(cmd: &str, args: &[&str]) {
    let out = Command::new(cmd).args(args).output().expect(cmd);
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn gid_of(group: &str) -> u32 {
    let out = Command::new("getent")
        .args(["group", group])
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&out.stdout).to_string();
    line.split(':').nth(2).unwrap().trim().parse().unwrap()
}

/// Temporary users and groups and a scratch directory; all removed on drop.
struct Accounts {
    tag: String,
    users: Vec<String>,
    groups: Vec<String>,
    base: PathBuf,
    bin: PathBuf,
}

impl Accounts {
    /// A scratch directory `/tmp/shequn-TAG-PID` (root, 0755: every user can reach what
    /// is under it), a primary group for the users, and a copy of the binary at
    /// `base/bin/shequn` that everyone can run.
    fn new(tag: &str) -> Accounts {
        let pid = std::process::id();
        let base = PathBuf::from(format!("/tmp/shequn-{tag}-{pid}"));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("bin")).unwrap();
        for d in [&base, &base.join("bin")] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let bin = base.join("bin/shequn");
        std::fs::copy(assert_cmd::cargo::cargo_bin("shequn"), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut a = Accounts {
            tag: format!("{tag}{pid}"),
            users: Vec::new(),
            groups: Vec::new(),
            base,
            bin,
        };
        a.group("p");
        a
    }

    /// A new group `sq<name><tag>`; its name.
    fn group(&mut self, name: &str) -> String {
        let g = format!("sq{name}{}", self.tag);
        let _lock = PASSWD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = Command::new("groupdel").arg(&g).output();
        must("groupadd", &[&g]);
        self.groups.push(g.clone());
        g
    }

    /// A new user `sq<name><tag>` (primary group: the accounts' own, `sqp…`) in the
    /// extra groups `extra`, with a home directory under the scratch directory.
    fn user(&mut self, name: &str, extra: &[&str]) -> String {
        let u = format!("sq{name}{}", self.tag);
        let primary = self.groups[0].clone();
        let home = self.home(&u);
        {
            let _lock = PASSWD
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = Command::new("userdel").arg(&u).output();
            let mut args = vec!["-M", "-N", "-g", &primary, "-s", "/bin/sh"];
            let groups = extra.join(",");
            if !extra.is_empty() {
                args.extend(["-G", &groups]);
            }
            args.push(&u);
            must("useradd", &args);
        }
        self.users.push(u.clone());
        std::fs::create_dir_all(&home).unwrap();
        must("chown", &[&u, home.to_str().unwrap()]);
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        u
    }

    fn home(&self, user: &str) -> PathBuf {
        self.base.join(format!("home-{user}"))
    }

    /// `cmd args` as `user`, with a clean environment (their home, a PATH, a UTF-8
    /// locale) plus `env`, under `umask`.
    fn run_as(&self, user: &str, umask: &str, env: &[(&str, &str)], cmd: &[&str]) -> Output {
        let mut c = Command::new("runuser");
        c.args(["-u", user, "--", "env", "-i"])
            .arg(format!("HOME={}", self.home(user).display()))
            .args(["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"]);
        for (k, v) in env {
            c.arg(format!("{k}={v}"));
        }
        // umask in a shell, then exec: the command runs with it
        c.args(["sh", "-c", &format!("umask {umask}; exec \"$@\""), "sh"]);
        c.args(cmd);
        c.output().expect("runuser runs")
    }

    /// The copied shequn as `user` on `db`.
    fn shequn(&self, user: &str, db: &Path, args: &[&str]) -> Output {
        self.shequn_env(user, db, args, &[])
    }

    fn shequn_env(&self, user: &str, db: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = vec![self.bin.to_str().unwrap(), "--db", db.to_str().unwrap()];
        cmd.extend(args);
        self.run_as(user, "022", env, &cmd)
    }
}

impl Drop for Accounts {
    fn drop(&mut self) {
        let _lock = PASSWD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for u in &self.users {
            let _ = Command::new("userdel").args(["-f", u]).output();
        }
        for g in self.groups.iter().rev() {
            let _ = Command::new("groupdel").arg(g).output();
        }
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(out: &Output, code: i32, says: &str, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{what}: {err}");
    assert!(err.contains(says), "{what}: {err:?} does not say {says:?}");
}

fn mode_and_gid(p: &Path) -> (u32, u32) {
    let m = std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    (m.mode() & 0o7777, m.gid())
}

/// Rows of `sql` read as root (who can read any file).
fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn plain_team_mode_between_three_users_and_an_outsider() {
    if !can_make_users("plain_team_mode_between_three_users_and_an_outsider") {
        return;
    }
    let mut acc = Accounts::new("team");
    let g = acc.group("g");
    let a = acc.user("a", &[&g]);
    let b = acc.user("b", &[&g]);
    let c = acc.user("c", &[&g]);
    let d = acc.user("d", &[]);
    // where A makes the team's directory: a directory of A's
    let work = acc.base.join("work");
    std::fs::create_dir(&work).unwrap();
    must("chown", &[&a, work.to_str().unwrap()]);
    std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o755)).unwrap();
    let gid = gid_of(&g);

    // the database straight in an existing directory: refused, the directory untouched
    let out = acc.run_as(
        &a,
        "022",
        &[],
        &[
            acc.bin.to_str().unwrap(),
            "init",
            "--team",
            &g,
            "--db",
            work.join("team.db").to_str().unwrap(),
        ],
    );
    refused(
        &out,
        1,
        "already exists",
        "init --team in an existing directory",
    );
    assert_eq!(mode_and_gid(&work).0, 0o755);
    assert_ne!(mode_and_gid(&work).1, gid);

    let db = work.join("team").join("team.db");
    ok(
        &acc.shequn(&a, &db, &["init", "--team", &g]),
        "A: init --team",
    );
    assert_eq!(mode_and_gid(db.parent().unwrap()), (0o2770, gid));
    assert_eq!(mode_and_gid(&db), (0o660, gid));
    ok(
        &acc.shequn(&a, &db, &["operator", "add", &b, "--role", "operator"]),
        "A adds B",
    );
    ok(
        &acc.shequn(&a, &db, &["operator", "add", &c, "--role", "viewer"]),
        "A adds C",
    );

    // B (operator, in the group) writes
    ok(
        &acc.shequn(&b, &db, &["group", "add", "--kind", "福利型", "一群"]),
        "B adds a group",
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT count(*) FROM audit WHERE operator = '{b}' AND entity = 'group'")
        ),
        1
    );
    // C (viewer, in the group) is refused by role, and nothing changes
    let before = count(&db, "SELECT count(*) FROM audit");
    refused(
        &acc.shequn(&c, &db, &["group", "add", "--kind", "福利型", "二群"]),
        1,
        "operator role",
        "C adds a group",
    );
    assert_eq!(count(&db, "SELECT count(*) FROM audit"), before);
    // the -wal and -shm SQLite made keep the group and the file's mode
    for side in ["-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{side}", db.display()));
        if p.exists() {
            assert_eq!(mode_and_gid(&p), (0o660, gid), "{}", p.display());
        }
    }
    // D (not in the group) cannot open the file at all, with shequn or without
    let out = acc.shequn(&d, &db, &["group", "list"]);
    assert!(!out.status.success(), "D reads the team database");
    let out = acc.run_as(
        &d,
        "022",
        &[],
        &[
            "sqlite3",
            db.to_str().unwrap(),
            "SELECT count(*) FROM operators",
        ],
    );
    assert!(
        !out.status.success() || !String::from_utf8_lossy(&out.stderr).is_empty(),
        "D's sqlite3 read the file: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
}

#[test]
fn guarded_mode_only_shequn_can_write_and_roles_hold() {
    if !can_make_users("guarded_mode_only_shequn_can_write_and_roles_hold") {
        return;
    }
    let mut acc = Accounts::new("guarded");
    let s = acc.group("s");
    // nobody is in the service group
    let a = acc.user("a", &[]);
    let b = acc.user("b", &[]);
    let c = acc.user("c", &[]);
    let sgid = gid_of(&s);
    // the two install steps of the README: the binary setgid S, and a directory for
    // the team directories that only root and S can change
    must("chgrp", &[&s, acc.bin.to_str().unwrap()]);
    std::fs::set_permissions(&acc.bin, std::fs::Permissions::from_mode(0o2755)).unwrap();
    let teams = acc.base.join("teams");
    std::fs::create_dir(&teams).unwrap();
    must("chgrp", &[&s, teams.to_str().unwrap()]);
    std::fs::set_permissions(&teams, std::fs::Permissions::from_mode(0o770)).unwrap();

    let db = teams.join("team").join("team.db");
    let out = acc.shequn(&a, &db, &["init", "--guarded", &s]);
    ok(&out, "A: init --guarded");
    let dir = db.parent().unwrap();
    assert_eq!(mode_and_gid(dir), (0o2770, sgid));
    assert_eq!(mode_and_gid(&db), (0o660, sgid));
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        assert_eq!(
            shequn::store::operators::setup(&conn).unwrap(),
            Some(shequn::store::operators::Setup::Guarded { group: s.clone() })
        );
    }
    ok(
        &acc.shequn(&a, &db, &["operator", "add", &b, "--role", "operator"]),
        "A adds B",
    );
    ok(
        &acc.shequn(&a, &db, &["operator", "add", &c, "--role", "viewer"]),
        "A adds C",
    );

    // The -wal and -shm as a writer's shequn creates them, under a strict umask: 0660
    // and the group. (Root's sqlite3 checkpoints and, as the last one out, removes them.)
    let out = Command::new("sqlite3")
        .arg(&db)
        .arg("PRAGMA wal_checkpoint(TRUNCATE);")
        .output()
        .unwrap();
    assert!(out.status.success());
    let side = |s: &str| PathBuf::from(format!("{}{s}", db.display()));
    assert!(!side("-wal").exists() && !side("-shm").exists());

    // B (operator, not in S) writes through shequn — after it dropped the group, over
    // the -wal and -shm it opened before; SHEQUN_NOW cannot date the audit row
    let before_2025 = "2020-01-01T09:00:00";
    let mut cmd = vec![acc.bin.to_str().unwrap(), "--db", db.to_str().unwrap()];
    cmd.extend(["group", "add", "--kind", "福利型", "一群"]);
    let out = acc.run_as(&b, "077", &[("SHEQUN_NOW", before_2025)], &cmd);
    ok(&out, "B adds a group");
    assert!(String::from_utf8_lossy(&out.stderr).contains("SHEQUN_NOW is ignored"));
    for s in ["-wal", "-shm"] {
        assert_eq!(mode_and_gid(&side(s)), (0o660, sgid), "{s}");
    }
    let at = count(
        &db,
        &format!("SELECT max(at) FROM audit WHERE operator = '{b}' AND entity = 'group'"),
    );
    assert!(
        at > 1_735_689_600,
        "the audit row is dated {at}, before 2025"
    );
    ok(
        &acc.shequn(&b, &db, &["content", "list"]),
        "B reads through shequn",
    );

    // C (viewer, not in S) cannot write through shequn …
    let before = count(&db, "SELECT count(*) FROM audit");
    refused(
        &acc.shequn(&c, &db, &["group", "add", "--kind", "福利型", "二群"]),
        1,
        "operator role",
        "C adds a group",
    );
    ok(&acc.shequn(&c, &db, &["group", "list"]), "C reads");
    // … nor reach the file with the sqlite3 shell
    for sql in [
        "SELECT count(*) FROM operators",
        "UPDATE operators SET role = 'owner'",
    ] {
        let out = acc.run_as(&c, "022", &[], &["sqlite3", db.to_str().unwrap(), sql]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() || err.contains("unable to open"),
            "C's sqlite3 ran {sql:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
    }
    assert_eq!(count(&db, "SELECT count(*) FROM audit"), before);
    assert_eq!(
        count(&db, "SELECT count(*) FROM operators WHERE role = 'owner'"),
        1
    );

    // --db or SHEQUN_DB anywhere else is refused while setgid
    let mine = acc.home(&b).join("mine.db");
    ok(
        &acc.run_as(&b, "022", &[], &["touch", mine.to_str().unwrap()]),
        "touch",
    );
    refused(
        &acc.shequn(&b, &mine, &["group", "list"]),
        1,
        "guarded mode",
        "B's --db elsewhere",
    );
    let out = acc.run_as(
        &b,
        "022",
        &[("SHEQUN_DB", mine.to_str().unwrap())],
        &[acc.bin.to_str().unwrap(), "group", "list"],
    );
    refused(&out, 1, "guarded mode", "B's SHEQUN_DB elsewhere");
    // the default path (the user's own data directory) is elsewhere too
    let out = acc.run_as(
        &b,
        "022",
        &[],
        &[acc.bin.to_str().unwrap(), "group", "list"],
    );
    refused(&out, 1, "guarded mode", "the default database");

    // after the drop, a file only the group can read stays unreadable: an import of
    // it fails as it would without shequn, and imports nothing
    let secret = acc.base.join("secret");
    std::fs::create_dir(&secret).unwrap();
    let chat = secret.join("chat.txt");
    std::fs::write(&chat, "2026-03-02 08:00:00 张三\n你好\n").unwrap();
    must("chgrp", &["-R", &s, secret.to_str().unwrap()]);
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o750)).unwrap();
    std::fs::set_permissions(&chat, std::fs::Permissions::from_mode(0o640)).unwrap();
    let messages = count(&db, "SELECT count(*) FROM messages");
    let out = acc.shequn(
        &b,
        &db,
        &["import", "chat", chat.to_str().unwrap(), "--group", "一群"],
    );
    assert!(!out.status.success(), "B imported a file only S can read");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ermission denied"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&db, "SELECT count(*) FROM messages"), messages);
    // and the log is B's own file, not the group's
    let log = acc.home(&b).join(".local/state/shequn/shequn.log");
    assert_ne!(
        mode_and_gid(&log).1,
        sgid,
        "the log was written with the group"
    );

    // backup, restore and doctor work on the team directory with the group: B (an
    // operator) backs up into the team's backups/ folder, C (a viewer) may not, and a
    // file to restore that B cannot read himself is refused before anything is read
    let out = acc.shequn(&b, &db, &["backup"]);
    ok(&out, "B: backup in guarded mode");
    let backups = dir.join("backups");
    assert_eq!(
        mode_and_gid(&backups).1,
        sgid,
        "the backup folder is the group's"
    );
    let copies: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("shequn-"))
        .collect();
    assert_eq!(copies.len(), 1, "one backup");
    assert_eq!(mode_and_gid(&copies[0].path()).1, sgid);
    let out = acc.shequn(&c, &db, &["backup"]);
    refused(&out, 1, "operator", "C: backup as a viewer");
    let out = acc.shequn(&a, &db, &["restore", chat.to_str().unwrap(), "--force"]);
    refused(&out, 1, "yourself", "A: restore of a file only S can read");
    let out = acc.shequn(&b, &db, &["doctor"]);
    let says = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        says.contains("quick_check") || says.contains("integrity"),
        "{says}"
    );

    // a directory the user could swap is refused: C's own home
    let out = acc.shequn(
        &c,
        &acc.home(&c).join("own").join("x.db"),
        &["init", "--guarded", &s],
    );
    refused(&out, 1, "rename or replace", "init --guarded in C's home");
    assert!(!acc.home(&c).join("own").exists());
    // … and one they can enter (they would own the directory and the file in it)
    let open = acc.base.join("open");
    std::fs::create_dir(&open).unwrap();
    must("chgrp", &[&s, open.to_str().unwrap()]);
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o775)).unwrap();
    let out = acc.shequn(&c, &open.join("t").join("x.db"), &["init", "--guarded", &s]);
    refused(&out, 1, "you can enter", "init --guarded where C can enter");
    assert!(!open.join("t").exists());
    // and a team directory inside another is refused
    let out = acc.shequn(
        &c,
        &dir.join("sub").join("x.db"),
        &["init", "--guarded", &s],
    );
    refused(
        &out,
        1,
        "itself a team directory",
        "init --guarded inside a team's",
    );
    assert!(!dir.join("sub").exists());
}

/// The group this process runs with, by name (for `init --team` without other users).
fn own_group() -> String {
    // SAFETY: getegid cannot fail.
    let gid = unsafe { libc::getegid() };
    shequn::disk::group_name(gid)
}

#[test]
fn init_team_makes_its_own_directory_and_never_touches_an_existing_one() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let g = own_group();
    // straight in an existing directory (and in the current one): refused, untouched
    bin()
        .args(["init", "--team", &g, "--db"])
        .arg(tmp.path().join("team.db"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(mode_and_gid(tmp.path()).0, 0o755);
    bin()
        .current_dir(tmp.path())
        .args(["init", "--team", &g, "--db", "team.db"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("directory of its own"));
    // in a directory whose parent does not exist: refused, nothing made
    bin()
        .args(["init", "--team", &g, "--db"])
        .arg(tmp.path().join("a/b/team.db"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not exist"));
    assert!(!tmp.path().join("a").exists());
    // its own new directory: 2770 of the group, the file 0660, the setup recorded
    let db = tmp.path().join("team").join("team.db");
    bin()
        .args(["init", "--team", &g, "--db"])
        .arg(&db)
        .assert()
        .success();
    let gid = mode_and_gid(tmp.path()).1;
    let (dmode, dgid) = mode_and_gid(db.parent().unwrap());
    assert_eq!(dmode, 0o2770);
    assert_eq!(mode_and_gid(&db).0, 0o660);
    assert_eq!(mode_and_gid(&db).1, dgid);
    let _ = gid;
    let conn = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(
        shequn::store::operators::setup(&conn).unwrap(),
        Some(shequn::store::operators::Setup::Team { group: g })
    );
    // a personal database records that it is one
    let (_dir, personal) = super::init_db();
    let conn = rusqlite::Connection::open(&personal).unwrap();
    assert_eq!(
        shequn::store::operators::setup(&conn).unwrap(),
        Some(shequn::store::operators::Setup::Personal)
    );
}

#[test]
fn init_guarded_needs_the_setgid_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("team").join("team.db");
    bin()
        .args(["init", "--guarded", &own_group(), "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not setgid"));
    assert!(!db.exists());
    assert!(!db.parent().unwrap().exists());
    bin()
        .args(["init", "--team", "x", "--guarded", "y", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot be used with"));
}
