//! The command line through the real binary: init, demo, exit codes and messages.

use predicates::prelude::*;
use rusqlite::Connection;

use crate::{bin, dump, shared_demo};

#[test]
fn init_creates_an_empty_database_owned_by_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("team").join("shequn.db");
    bin()
        .args(["init", "--lang", "en", "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains("created"))
        // the next three steps, as they must be typed for this database
        .stdout(predicate::str::contains(format!(
            "shequn group add 宝妈群 --kind 福利型 --db {}",
            db.display()
        )))
        .stdout(predicate::str::contains(
            "shequn sop apply welfare --group 宝妈群",
        ))
        .stdout(predicate::str::contains(format!(
            "3. Open the console: shequn --db {}",
            db.display()
        )));
    let c = Connection::open(&db).unwrap();
    let (login, role): (String, String) = c
        .query_row("SELECT login, role FROM operators", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(role, "owner");
    assert_eq!(login, shequn::config::operator_login());
    let audited: i64 = c
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'init' AND operator = ?1",
            [&login],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);
    let members: i64 = c
        .query_row("SELECT count(*) FROM members", [], |r| r.get(0))
        .unwrap();
    assert_eq!(members, 0);
    // a second init refuses and changes nothing
    let before = dump(&db);
    bin()
        .args(["init", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(dump(&db), before);
}

#[test]
fn init_with_an_unknown_team_group_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    bin()
        .args(["init", "--team", "no-such-group-shequn", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no Unix group"));
    assert!(!db.exists());
}

#[test]
fn db_comes_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    bin().env("SHEQUN_DB", &db).arg("init").assert().success();
    assert!(db.exists());
}

#[test]
fn the_demo_is_the_same_for_the_same_day() {
    let dir = tempfile::tempdir().unwrap();
    let again = dir.path().join("again.db");
    bin().args(["demo", "--db"]).arg(&again).assert().success();
    let (a, b) = (dump(shared_demo()), dump(&again));
    assert!(a.len() > 100_000, "the demo is substantial");
    assert!(a == b, "two demos for the same day differ");
}

#[test]
fn the_demo_looks_like_real_communities() {
    let c = Connection::open(shared_demo()).unwrap();
    let q = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert!((10..=14).contains(&q("SELECT count(*) FROM groups")));
    assert!((4500..=5500).contains(&q("SELECT count(*) FROM members")));
    assert!(q("SELECT count(*) FROM members WHERE name LIKE '张%'") > 10);
    assert_eq!(q("SELECT count(DISTINCT day) FROM activity_daily"), 90);
    assert_eq!(q("SELECT max(day) = '2026-03-02' FROM activity_daily"), 1);
    assert_eq!(q("SELECT count(DISTINCT state) FROM content_items"), 5);
    assert!(q("SELECT count(*) FROM sop_instances WHERE day = '2026-03-02'") > 20);
    // a Monday: the weekly industry news is on today's list
    assert!(
        q("SELECT count(*) FROM sop_instances WHERE day = '2026-03-02' AND title = '行业早报'") > 0
    );
    assert!(q("SELECT count(*) FROM sop_instances WHERE state = 'done'") > 1000);
    assert!(q("SELECT count(*) FROM kpi_daily WHERE metric = 'dau_rate'") > 800);
}

#[test]
fn the_demo_will_not_overwrite_a_file() {
    let before = dump(shared_demo());
    bin()
        .args(["demo", "--db"])
        .arg(shared_demo())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(dump(shared_demo()), before);
}

#[test]
fn a_missing_database_is_explained_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nope.db");
    bin()
        .arg("--db")
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("shequn init"));
    assert!(!db.exists());
}

#[test]
fn a_newer_database_is_refused_with_a_message() {
    let (_d, db) = crate::fresh_demo();
    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    bin()
        .arg("--db")
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("newer shequn"));
}

#[test]
fn a_bad_shequn_now_is_explained() {
    bin()
        .env("SHEQUN_NOW", "tomorrow-ish")
        .args(["demo", "--db", "/nonexistent/x.db"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("2026-03-02T08:25:00"));
}

#[test]
fn help_lists_the_commands() {
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("demo"));
}

#[test]
fn a_leftover_wal_file_stops_a_new_database_at_that_path() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    std::fs::write(dir.path().join("x.db-wal"), b"old log").unwrap();
    for cmd in ["demo", "init"] {
        bin()
            .args([cmd, "--db"])
            .arg(&db)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("x.db-wal"));
        assert!(!db.exists());
    }
}

#[test]
fn export_members_and_members_list_csv_are_flat_spreadsheet_rows() {
    let out = crate::bin()
        .args(["--lang", "zh", "export", "members", "--db"])
        .arg(crate::shared_demo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "id",
            "name",
            "group",
            "tier",
            "tier_reason",
            "kol",
            "last_spoke",
            "messages_30d",
            "messages_total",
            "points",
            "tags",
            "joined_at"
        ]
    );
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    // one row per member and group, as the demo has memberships
    let c = rusqlite::Connection::open(crate::shared_demo()).unwrap();
    let memberships: usize = c
        .query_row("SELECT count(*) FROM memberships", [], |r| r.get(0))
        .unwrap();
    assert_eq!(records.len(), memberships);
    // the reason in words, tags joined
    assert!(
        records.iter().any(|r| r[4].starts_with("核心")),
        "a core member's reason"
    );
    assert!(
        records
            .iter()
            .any(|r| r[10].contains(';') || !r[10].is_empty())
    );
    let list = crate::bin()
        .args(["members", "list", "--format", "csv", "--db"])
        .arg(crate::shared_demo())
        .output()
        .unwrap();
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
}
