//! The roster guard (issue 13 point 1): `import members` of an empty roster, or of one
//! cut in half, changes nothing (exit 1, the file and the counts named, the database as
//! it was); `--dry-run` writes nothing; the right roster imported again is a no-op for
//! the leave and join events and the exit KPIs; `--allow-leaves` / `--force` and the
//! team's `import.max_leave_share` let a real exodus through.

use std::path::Path;

use crate::{bin, dump_except, fresh_demo, init_db};

/// The group with the most present members, and its roster as a CSV (wxid, name, group
/// nickname) in member order.
fn biggest_group(db: &Path) -> (String, Vec<String>) {
    let c = rusqlite::Connection::open(db).expect("open");
    let group: String = c
        .query_row(
            "SELECT g.name FROM groups g JOIN memberships ms ON ms.group_id = g.id
             WHERE ms.left_at IS NULL GROUP BY g.id ORDER BY count(*) DESC, g.id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("a group");
    let mut st = c
        .prepare(
            "SELECT m.wxid, m.name, ms.group_nickname FROM memberships ms
             JOIN groups g ON g.id = ms.group_id JOIN members m ON m.id = ms.member_id
             WHERE g.name = ?1 AND ms.left_at IS NULL ORDER BY m.id",
        )
        .expect("prepare");
    let rows = st
        .query_map([&group], |r| {
            let wxid: Option<String> = r.get(0)?;
            let name: String = r.get(1)?;
            let nick: Option<String> = r.get(2)?;
            Ok(format!(
                "{},{},{}",
                wxid.unwrap_or_default(),
                quote(&name),
                quote(&nick.unwrap_or_default())
            ))
        })
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    (group, rows)
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn write_roster(dir: &Path, name: &str, rows: &[String]) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut text = String::from("wxid,name,group_nickname\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&path, text).expect("write roster");
    path
}

/// (leave events, join events) of the whole database.
fn events(db: &Path) -> (i64, i64) {
    let c = rusqlite::Connection::open(db).expect("open");
    let n = |k: &str| -> i64 {
        c.query_row(
            "SELECT count(*) FROM member_events WHERE kind = ?1",
            [k],
            |r| r.get(0),
        )
        .expect("count")
    };
    (n("leave"), n("join"))
}

/// The group's KPI days (members, joins, leaves, weekly exit rate …) as JSON text.
fn kpis(db: &Path, group: &str) -> String {
    let out = bin()
        .args([
            "kpi", "--group", group, "--days", "8", "--format", "json", "--db",
        ])
        .arg(db)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn import(db: &Path, file: &Path, group: &str, extra: &[&str]) -> std::process::Output {
    bin()
        .args(["import", "members"])
        .arg(file)
        .args(["--group", group])
        .args(extra)
        .arg("--db")
        .arg(db)
        .output()
        .expect("runs")
}

#[test]
fn a_cut_roster_changes_nothing_and_the_right_one_is_a_no_op() {
    let (dir, db) = fresh_demo();
    let (group, rows) = biggest_group(&db);
    let n = rows.len();
    assert!(n > 100, "the demo's biggest group has {n} members");
    let full = write_roster(dir.path(), "full.csv", &rows);
    let empty = write_roster(dir.path(), "empty.csv", &[]);
    let half = write_roster(dir.path(), "half.csv", &rows[..n / 2]);
    // the first command judges the KPIs (a write of its own); compare from after it
    let kpi_before = kpis(&db, &group);
    let before = dump_except(&db, &[]);
    let events_before = events(&db);

    let out = import(&db, &empty, &group, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "an empty roster: {err}");
    assert!(
        err.contains("empty.csv") && err.contains("no members"),
        "{err}"
    );
    assert_eq!(
        dump_except(&db, &[]),
        before,
        "an empty roster wrote something"
    );

    let out = import(&db, &half, &group, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "half a roster: {err}");
    let leaving = n - n / 2;
    for want in [
        "half.csv".to_string(),
        format!("{leaving} of the {n} present members"),
        format!("--allow-leaves {leaving}"),
        "--force".into(),
        "20%".into(),
    ] {
        assert!(err.contains(&want), "{want:?} missing from: {err}");
    }
    assert_eq!(
        dump_except(&db, &[]),
        before,
        "half a roster wrote something"
    );

    // --dry-run says what it would do and writes nothing
    let out = import(&db, &half, &group, &["--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("would leave: {leaving} of {n} present")),
        "{text}"
    );
    assert!(
        text.contains("would be refused") && text.contains("… and"),
        "{text}"
    );
    assert_eq!(dump_except(&db, &[]), before, "a dry run wrote something");
    let out = import(&db, &half, &group, &["--dry-run", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["left"], leaving as u64);
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["left_names"].as_array().map(Vec::len), Some(20));

    // the right file: everyone unchanged, no events, the same KPIs
    let out = import(&db, &full, &group, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("joined 0, left 0, unchanged {n}")),
        "{text}"
    );
    assert_eq!(events(&db), events_before, "leave/join events changed");
    assert_eq!(kpis(&db, &group), kpi_before, "the exit KPIs changed");
}

#[test]
fn allowances_and_the_team_share_let_real_leaves_through() {
    let (dir, db) = init_db();
    let rows: Vec<String> = (0..10).map(|i| format!("wxid_{i},成员{i},")).collect();
    let all = write_roster(dir.path(), "all.csv", &rows);
    let eight = write_roster(dir.path(), "eight.csv", &rows[..8]);
    let five = write_roster(dir.path(), "five.csv", &rows[..5]);
    let out = import(&db, &all, "新群", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // two of ten is 20 %: allowed by the shipped share
    let out = import(&db, &eight, "新群", &["--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        (v["left"].as_u64(), v["max_leaves"].as_u64()),
        (Some(2), Some(2))
    );
    // three of eight is more than 20 %
    let out = import(&db, &five, "新群", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("3 of the 8 present"), "{err}");
    // --allow-leaves under the number refuses, at or over it lets through
    let out = import(&db, &five, "新群", &["--allow-leaves", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than --allow-leaves 2"));
    // the team's share, a setting
    bin()
        .args(["settings", "set", "import.max_leave_share", "0.4", "--db"])
        .arg(&db)
        .assert()
        .success();
    let out = import(&db, &five, "新群", &["--dry-run", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        (v["left"].as_u64(), v["max_leaves"].as_u64()),
        (Some(3), Some(3))
    );
    let out = import(&db, &five, "新群", &["--allow-leaves", "3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // back to all ten, then everyone gone but one: only --force
    import(&db, &all, "新群", &[]);
    let one = write_roster(dir.path(), "one.csv", &rows[..1]);
    assert_eq!(import(&db, &one, "新群", &[]).status.code(), Some(1));
    let out = import(&db, &one, "新群", &["--force", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["left"].as_u64(), Some(9));
    // a share outside 0..1 is not a setting
    bin()
        .args(["settings", "set", "import.max_leave_share", "1.5", "--db"])
        .arg(&db)
        .assert()
        .code(1);
}
