//! Imports end to end through the binary: every fixture format, counts that add up,
//! idempotent re-imports, a broken file that changes nothing and names its line, tiers of
//! a hand-built group, rosters (who left), orders, points, and member search.

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use rusqlite::Connection;
use serde_json::Value;

use crate::{bin, dump};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

use crate::init_db as fresh_db;

fn import(db: &Path, args: &[&str]) -> Value {
    crate::json(db, &[&["import", "chat"], args].concat())
}

fn n(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"))
}

#[test]
fn every_format_imports_its_fixture_and_the_counts_add_up_and_reimport_adds_nothing() {
    // (file, extra args, expected (messages, events, skipped)) — tests/fixtures/import/EXPECTED.md
    type Case<'a> = (&'a str, &'a [&'a str], (u64, u64, u64));
    let cases: &[Case<'_>] = &[
        ("wechatmsg.csv", &[], (9, 5, 1)),
        ("english_system.csv", &[], (2, 10, 1)),
        ("memotrace.csv", &["--group", "读书会"], (9, 3, 2)),
        ("pywxdump_v3.csv", &[], (8, 2, 2)),
        ("pywxdump_v2.csv", &[], (7, 2, 1)),
        ("chatlog.csv", &[], (7, 2, 1)),
        ("chatlog.json", &[], (7, 2, 1)),
        ("chatlab.json", &[], (8, 2, 2)),
        ("chatlab.jsonl", &[], (6, 2, 1)),
        ("wecom.jsonl", &[], (7, 1, 2)),
        (
            "mapped.csv",
            &[
                "--group",
                "读书会",
                "--from",
                "csv",
                "--map",
                "time=时间,sender=发送人,content=内容",
            ],
            (8, 1, 1),
        ),
    ];
    for (file, extra, (msgs, events, skipped)) in cases {
        let (_d, db) = fresh_db();
        let path = fixture(file);
        let mut args = vec![path.to_str().unwrap()];
        args.extend_from_slice(extra);
        let first = import(&db, &args);
        assert_eq!(
            (
                n(&first, "messages"),
                n(&first, "events"),
                n(&first, "skipped")
            ),
            (*msgs, *events, *skipped),
            "{file}: {first}"
        );
        let parts = ["messages", "events", "duplicates", "skipped", "errors"]
            .iter()
            .map(|k| n(&first, k))
            .sum::<u64>();
        assert_eq!(
            n(&first, "read"),
            parts,
            "{file}: every record counted once"
        );
        let before_data = crate::dump_except(&db, &["audit", "import_batches", "change_topics"]);
        let second = import(&db, &args);
        assert_eq!(
            (n(&second, "messages"), n(&second, "events")),
            (0, 0),
            "{file} re-import: {second}"
        );
        assert_eq!(n(&second, "duplicates"), msgs + events, "{file}");
        // nothing changed but the audit and batch rows of the second import (and the
        // count of commits in the change signals)
        assert_eq!(
            crate::dump_except(&db, &["audit", "import_batches", "change_topics"]),
            before_data,
            "{file}: a re-import adds nothing"
        );
        let c = Connection::open(&db).unwrap();
        let m: i64 = c
            .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
            .unwrap();
        assert_eq!(m as u64, *msgs, "{file}: messages stored once");
        // the import writes with foreign-key checks off: prove it left nothing dangling
        let dangling: i64 = c
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(dangling, 0, "{file}: every reference resolves");
    }
}

#[test]
fn a_broken_file_names_its_line_and_changes_nothing() {
    let (_d, db) = fresh_db();
    import(&db, &[fixture("wechatmsg.csv").to_str().unwrap()]);
    let before = dump(&db);
    bin()
        .args(["import", "chat", "--db"])
        .arg(&db)
        .arg(fixture("broken_wechatmsg.csv"))
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("broken_wechatmsg.csv:5:")
                .and(predicate::str::contains("CreateTime"))
                .and(predicate::str::contains("nothing was imported")),
        );
    assert_eq!(dump(&db), before, "the database is exactly as before");
    // an unknown format is explained too
    let junk = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(junk.path(), "a,b,c\n1,2,3\n").unwrap();
    bin()
        .args(["import", "chat", "--db"])
        .arg(&db)
        .arg(junk.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--map"));
    bin()
        .args(["import", "chat", "--db"])
        .arg(&db)
        .arg("/nonexistent/chat.csv")
        .assert()
        .failure()
        .stderr(predicate::str::contains("/nonexistent/chat.csv"));
    assert_eq!(dump(&db), before);
}

/// A WeChatMsg CSV line.
fn row(id: u64, t: i64, wxid: &str, name: &str, content: &str, kind: &str) -> String {
    let content = format!("\"{}\"", content.replace('"', "\"\""));
    format!("{id},tiers@chatroom,{kind},0,0,{t},2,{content},,,{name},{wxid}\r\n")
}

#[test]
fn tiers_of_a_hand_built_group_follow_the_rules() {
    // now: 2026-03-02 08:25 in Shanghai = 2026-03-02T00:25:00Z
    let now = 1_772_411_100i64;
    let day = 86_400i64;
    let mut csv = String::from(
        "\u{feff}localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\r\n",
    );
    let mut id = 0;
    let mut push = |t: i64, wxid: &str, name: &str, content: &str, kind: &str| {
        id += 1;
        csv.push_str(&row(id, t, wxid, name, content, kind));
    };
    // 核心: 6 a day for the last 21 days
    for d in 0..21 {
        for k in 0..6 {
            push(
                now - d * day - 3600 - k * 60,
                "wxid_core",
                "老张",
                "今天也来打卡",
                "1",
            );
        }
    }
    // 活跃: 3 in the last 7 days
    for d in [1, 3, 5] {
        push(now - d * day, "wxid_active", "李四", "收到", "1");
    }
    // 沉默: last spoke 41 days ago
    push(now - 41 * day, "wxid_silent", "王五", "好的", "1");
    // 新人: invited a day ago; 潜在: invited 10 days ago, never spoke
    push(now - day, "", "", "\"老张\"邀请\"小新\"加入了群聊", "10000");
    push(
        now - 10 * day,
        "",
        "",
        "\"老张\"邀请\"阿潜\"加入了群聊",
        "10000",
    );
    // 已退群: kicked
    push(now - 50 * day, "wxid_gone", "赵六", "hi", "1");
    push(now - 2 * day, "", "", "你将\"赵六\"移出了群聊", "10000");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiers.csv");
    std::fs::write(&file, csv).unwrap();
    let (_d, db) = fresh_db();
    import(&db, &[file.to_str().unwrap(), "--group", "分层测试群"]);
    let out = bin()
        .args([
            "members",
            "list",
            "--group",
            "分层测试群",
            "--format",
            "json",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let tier = |name: &str| -> String {
        rows.iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {rows:?}"))["tier"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(tier("老张"), "core");
    assert_eq!(tier("李四"), "active");
    assert_eq!(tier("王五"), "silent");
    assert_eq!(tier("小新"), "new");
    assert_eq!(tier("阿潜"), "potential");
    assert_eq!(tier("赵六"), "left");
    let zhang = rows.iter().find(|r| r["name"] == "老张").unwrap();
    assert_eq!(zhang["kol"], true);
    assert_eq!(zhang["messages_30d"], 126);
    assert_eq!(zhang["last_spoke"], "2026-03-02");
    // 10 points a message, capped at 50 a day: 21 days × 50
    assert_eq!(zhang["points"], 21 * 50);
    for field in [
        "id",
        "name",
        "group",
        "tier",
        "kol",
        "last_spoke",
        "messages_30d",
        "messages_total",
        "points",
    ] {
        assert!(zhang.get(field).is_some(), "{field}");
    }
    // --tier filters, a bad tier is explained
    let out = bin()
        .args([
            "members", "list", "--tier", "silent", "--format", "json", "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    let silent: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(silent.iter().all(|r| r["tier"] == "silent") && !silent.is_empty());
    bin()
        .args(["members", "list", "--tier", "vip", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("core"));
}

/// The import counts daily activity per member in memory, a list of days per member in
/// the order the sorted chunks (8,192 messages) reach it. An export out of time order
/// across chunks comes back to a day it already counted: the counts must be summed into
/// one row per day, and a re-import must add nothing.
#[test]
fn activity_of_an_export_out_of_time_order_sums_into_one_row_per_day() {
    let day2 = 1_772_323_200i64; // 2026-03-01 08:00 in Shanghai
    let day1 = day2 - 86_400;
    let mut csv = String::from(
        "\u{feff}localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\r\n",
    );
    let mut id = 0;
    let mut push = |t: i64| {
        id += 1;
        csv.push_str(&row(id, t, "wxid_a", "阿甲", "在", "1"));
    };
    // more than a chunk on day 2, then day 1, then day 2 again
    for i in 0..9_000 {
        push(day2 + i);
    }
    for i in 0..10 {
        push(day1 + i);
    }
    for i in 0..5 {
        push(day2 + 20_000 + i);
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("unordered.csv");
    std::fs::write(&file, csv).unwrap();
    let (_d, db) = fresh_db();
    let activity = || -> Vec<(String, i64)> {
        let c = Connection::open(&db).unwrap();
        c.prepare("SELECT day, messages FROM activity_daily ORDER BY day")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let first = import(&db, &[file.to_str().unwrap(), "--group", "乱序群"]);
    assert_eq!(n(&first, "messages"), 9_015, "{first}");
    let expected = vec![
        ("2026-02-28".to_string(), 10),
        ("2026-03-01".to_string(), 9_005),
    ];
    assert_eq!(activity(), expected);
    let again = import(&db, &[file.to_str().unwrap(), "--group", "乱序群"]);
    assert_eq!(n(&again, "duplicates"), 9_015, "{again}");
    assert_eq!(activity(), expected);
}

#[test]
fn members_list_search_finds_zhang_by_pinyin_and_initials() {
    let (_d, db) = crate::fresh_demo();
    for q in ["zhang", "张"] {
        let out = bin()
            .args(["members", "list", "--search", q, "--format", "json", "--db"])
            .arg(&db)
            .output()
            .unwrap();
        let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert!(!rows.is_empty(), "{q}");
        // 张 by pinyin, and a latin "Zhang" by its letters, are both right answers
        let top: Vec<&str> = rows
            .iter()
            .take(20)
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(top.iter().any(|n| n.contains('张')), "{q}: {top:?}");
    }
    let (_d2, db2) = fresh_db();
    import(
        &db2,
        &[
            fixture("wechatmsg.csv").to_str().unwrap(),
            "--group",
            "读书会",
        ],
    );
    let out = bin()
        .args([
            "members", "list", "--search", "zs", "--format", "json", "--db",
        ])
        .arg(&db2)
        .output()
        .unwrap();
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["name"], "张三", "{rows:?}");
}

#[test]
fn a_roster_marks_who_left_and_brings_back_who_returned() {
    let (_d, db) = fresh_db();
    let out = bin()
        .args([
            "import",
            "members",
            "--group",
            "读书会",
            "--format",
            "json",
            "--db",
        ])
        .arg(&db)
        .arg(fixture("roster.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first: Value = serde_json::from_slice(&out.stdout).unwrap();
    let total = n(&first, "read");
    assert_eq!(n(&first, "joined"), total);
    // the same roster without its last line: that member left
    let text = std::fs::read_to_string(fixture("roster.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let gone = lines.pop().unwrap().split(',').nth(1).unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let smaller = dir.path().join("roster2.csv");
    std::fs::write(&smaller, lines.join("\n")).unwrap();
    let out = bin()
        .args([
            "import",
            "members",
            "--group",
            "读书会",
            "--format",
            "json",
            "--db",
        ])
        .arg(&db)
        .arg(&smaller)
        .output()
        .unwrap();
    let second: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (n(&second, "left"), n(&second, "joined")),
        (1, 0),
        "{second}"
    );
    let out = bin()
        .args([
            "members", "list", "--tier", "left", "--format", "json", "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    let left: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["name"], gone.as_str());
    // WeCom and PyWxDump rosters are recognised (each its own group: one replacing the
    // other would mark everyone as left, which the roster guard refuses)
    for f in ["roster_wecom.json", "roster_users.json"] {
        bin()
            .args(["import", "members", "--group", f, "--db"])
            .arg(&db)
            .arg(fixture(f))
            .assert()
            .success()
            .stdout(predicate::str::contains("joined"));
    }
}

#[test]
fn orders_import_matches_members_and_is_idempotent() {
    let (_d, db) = fresh_db();
    import(
        &db,
        &[
            fixture("wechatmsg.csv").to_str().unwrap(),
            "--group",
            "读书会",
        ],
    );
    let run = || -> Value {
        let out = bin()
            .args(["import", "orders", "--format", "json", "--db"])
            .arg(&db)
            .arg(fixture("orders.csv"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let first = run();
    assert!(n(&first, "orders") > 0, "{first}");
    assert_eq!(
        n(&first, "read"),
        n(&first, "orders") + n(&first, "duplicates") + n(&first, "unmatched")
    );
    let second = run();
    assert_eq!(n(&second, "orders"), 0);
    assert_eq!(n(&second, "duplicates"), n(&first, "orders"));
}

#[test]
fn an_imported_room_id_group_can_be_renamed_typed_and_given_its_sop() {
    let (_d, db) = fresh_db();
    import(&db, &[fixture("wechatmsg.csv").to_str().unwrap()]);
    bin()
        .args([
            "group",
            "edit",
            "45678901234@chatroom",
            "--name",
            "读书会🌟2024",
            "--kind",
            "兴趣型",
            "--db",
        ])
        .arg(&db)
        .assert()
        .success();
    bin()
        .args([
            "sop",
            "apply",
            "interest",
            "--group",
            "读书会🌟2024",
            "--db",
        ])
        .arg(&db)
        .assert()
        .success();
    let out = bin()
        .args(["group", "list", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let groups: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(groups[0]["name"], "读书会🌟2024");
    assert_eq!(groups[0]["kind"], "兴趣型");
    assert_eq!(groups[0]["templates"], "interest");
    // re-importing the same export still recognises the messages (groups by id, keys by hash)
    let again = import(
        &db,
        &[
            fixture("wechatmsg.csv").to_str().unwrap(),
            "--group",
            "读书会🌟2024",
        ],
    );
    assert_eq!(n(&again, "messages"), 0, "{again}");
    bin()
        .args(["group", "edit", "nope", "--kind", "x", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("group list"));
    bin()
        .args(["group", "edit", "读书会🌟2024", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nothing to change"));
}
