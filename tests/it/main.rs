//! Integration tests, one binary (links once). Shared helpers live here.

mod app_logic;
mod backup;
mod badinput;
mod changes;
mod cli;
mod concurrency;
mod content;
mod content_console;
mod crash;
mod faults;
mod guarded;
mod import;
mod keywords;
mod kpi;
mod launch;
mod launch_console;
mod layout;
mod localised;
mod output;
mod remind;
mod risk;
mod roles;
mod roster;
mod screens;
mod settings;
mod sop;
mod store;
mod terminal;
mod tmux;

// the pseudo-terminal harness, shared by the concurrency and terminal scenarios (and
// their benches): loaded once so both use the same module
#[path = "../../benches/common/pty.rs"]
mod pty;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The instant every test pins with `SHEQUN_NOW`: a Monday morning.
pub const NOW: &str = "2026-03-02T08:25:00";

pub fn bin() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("shequn").expect("the shequn binary is built");
    c.env("SHEQUN_NOW", NOW)
        .env_remove("SHEQUN_DB")
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("shequn-test-state"),
        )
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("shequn-test-config-none"),
        );
    c
}

/// Runs the binary with `args` on `db` asking for JSON; it must succeed.
pub fn json(db: &Path, args: &[&str]) -> serde_json::Value {
    let out = bin()
        .args(args)
        .args(["--format", "json", "--db"])
        .arg(db)
        .output()
        .expect("the shequn binary runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// One demo database for the whole test run (read-only users share it).
pub fn shared_demo() -> &'static Path {
    static DEMO: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("demo.db");
        bin().args(["demo", "--db"]).arg(&path).assert().success();
        (dir, path)
    });
    path
}

/// A fresh demo database in its own directory (for tests that write).
pub fn fresh_demo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("demo.db");
    std::fs::copy(shared_demo(), &path).expect("copy demo");
    (dir, path)
}

/// A new, empty team database (`shequn init`) in its own directory.
pub fn init_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("t.db");
    bin().args(["init", "--db"]).arg(&db).assert().success();
    (dir, db)
}

/// Give `login` the role `role` on `db` directly (as an owner's `operator add` would):
/// the store checks roles against `operators`, so a test that writes as a colleague
/// names them first.
pub fn set_role(db: &Path, login: &str, role: &str) {
    let c = rusqlite::Connection::open(db).expect("open");
    c.execute(
        "INSERT INTO operators (login, display_name, role, created_at) VALUES (?1, ?1, ?2, 0)
         ON CONFLICT (login) DO UPDATE SET role = excluded.role",
        [login, role],
    )
    .expect("set a role");
}

/// Every row of every table, as text, for comparing two databases.
pub fn dump(path: &Path) -> String {
    dump_except(path, &[])
}

/// Like [`dump`], leaving out some tables.
pub fn dump_except(path: &Path, skip: &[&str]) -> String {
    let c = rusqlite::Connection::open(path).expect("open");
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = String::new();
    for t in tables.into_iter().filter(|t| !skip.contains(&t.as_str())) {
        let mut st = c
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1"))
            .unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        out.push_str(&format!("## {t}\n"));
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                let v: rusqlite::types::Value = r.get(i).unwrap();
                out.push_str(&format!("{v:?}|"));
            }
            out.push('\n');
        }
    }
    out
}
