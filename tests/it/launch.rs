//! Launching a group (issue 16) through the binary: the launch and its board in JSON,
//! the kit, the QR code's renewal reminder, `import answers` (a bad row names its line
//! and writes nothing), a late phase as one Today task however often anyone looks, the
//! positioning's refusal.

use std::path::Path;

use serde_json::Value;

use crate::{bin, dump, init_db, json};

const POSITIONING: &str = "为 25-35 岁职场女性提供穿搭解决方案,每周 3 次穿搭教程 + 专属折扣";

fn launch(db: &Path, name: &str, start: &str) {
    bin()
        .args([
            "group",
            "launch",
            name,
            "--kind",
            "兴趣型",
            "--positioning",
            POSITIONING,
        ])
        .args(["--region", "上海", "--start", start, "--lang", "en", "--db"])
        .arg(db)
        .assert()
        .success();
}

fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn phase<'a>(board: &'a Value, group: &str, phase: &str) -> &'a Value {
    board
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == group)
        .unwrap()["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["phase"] == phase)
        .unwrap()
}

#[test]
fn a_launched_group_has_its_plan_kit_and_sop_and_shows_on_the_board() {
    let (_dir, db) = init_db();
    // NOW is 2026-03-02: a plan begun 2026-03-01 is in 筹备期 (three days)
    launch(&db, "穿搭群", "2026-03-01");
    let board = json(&db, &["group", "launch-status"]);
    let g = &board[0];
    assert_eq!(g["group"], "穿搭群");
    assert_eq!(g["positioning"], POSITIONING);
    assert_eq!(g["opens"], "2026-03-04");
    assert_eq!(g["kit_total"], 7);
    assert_eq!(g["next"], "prep");
    assert_eq!(g["next_state"], "current");
    let states: Vec<&str> = g["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "current", "ahead", "ahead", "ahead", "ahead", "ahead", "ahead"
        ]
    );
    assert_eq!(phase(&board, "穿搭群", "traffic")["due"], "2026-03-10");
    assert_eq!(phase(&board, "穿搭群", "traffic")["bar"], 200.0);
    // the group opens when 引流期 begins: its creation day, from which cold start counts
    let groups = json(&db, &["group", "list"]);
    assert_eq!(groups[0]["created_on"], "2026-03-04");
    assert_eq!(groups[0]["templates"], "interest");

    // the kit: 筹备期's metric is done / all
    for item in ["rules", "欢迎语", "intro", "faq", "poster", "questionnaire"] {
        bin()
            .args(["group", "kit", "穿搭群", "done", item, "--db"])
            .arg(&db)
            .assert()
            .success();
    }
    let prep = phase(&json(&db, &["group", "launch-status"]), "穿搭群", "prep").clone();
    assert_eq!(prep["state"], "current");
    assert!((prep["value"].as_f64().unwrap() - 6.0 / 7.0).abs() < 1e-9);
    bin()
        .args(["group", "kit", "穿搭群", "qr", "--db"])
        .arg(&db)
        .assert()
        .success();
    let prep = phase(&json(&db, &["group", "launch-status"]), "穿搭群", "prep").clone();
    assert_eq!(prep["state"], "passed");

    // a text kept in shequn comes back with its placeholders filled, to copy
    let out = bin()
        .args(["group", "kit", "穿搭群", "show", "welcome", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("欢迎加入穿搭群"), "{text}");
    assert!(!text.contains('{'), "{text}");

    // a phase's length moves the later target dates
    bin()
        .args([
            "group",
            "launch-plan",
            "穿搭群",
            "--phase",
            "引流期",
            "--days",
            "10",
            "--db",
        ])
        .arg(&db)
        .assert()
        .success();
    let board = json(&db, &["group", "launch-status"]);
    assert_eq!(phase(&board, "穿搭群", "traffic")["due"], "2026-03-13");
    assert_eq!(phase(&board, "穿搭群", "screen")["from"], "2026-03-14");
    // every change audited
    assert!(count(&db, "SELECT count(*) FROM audit WHERE entity = 'launch'") >= 9);
}

#[test]
fn a_positioning_without_one_of_its_three_parts_is_refused_naming_it() {
    let (_dir, db) = init_db();
    // the first command's own upkeep (the KPI judgement's marker) is not the refusal's
    json(&db, &["group", "list"]);
    let before = dump(&db);
    bin()
        .args(["group", "launch", "x", "--kind", "福利型", "--lang", "zh"])
        .args([
            "--positioning",
            "为 25-35 岁职场女性提供穿搭解决方案",
            "--db",
        ])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("缺少「解决方案」"));
    bin()
        .args(["group", "launch", "x", "--kind", "福利型", "--lang", "en"])
        .args(["--positioning", "职场女性的群", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("lacks its target users"));
    assert_eq!(dump(&db), before);
}

#[test]
fn the_qr_codes_expiry_becomes_one_renewal_reminder_for_the_team() {
    let (_dir, db) = init_db();
    launch(&db, "穿搭群", "2026-03-01");
    // a personal-WeChat group's code lasts 7 days: renew the day before, at 10:00
    bin()
        .args(["group", "kit", "穿搭群", "qr", "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicates::str::contains("2026-03-09"));
    let c = rusqlite::Connection::open(&db).unwrap();
    let (title, due, who, state): (String, i64, Option<String>, String) = c
        .query_row(
            "SELECT title, due_at, for_login, state FROM reminders WHERE kind = 'qr_renew'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(title, "续期入群二维码");
    // 2026-03-08 10:00 in Asia/Shanghai
    assert_eq!(due, 1_772_935_200);
    assert_eq!(who, None);
    assert_eq!(state, "pending");
    // a new code (renewed) replaces the reminder: one open at a time
    bin()
        .args([
            "group",
            "kit",
            "穿搭群",
            "qr",
            "--expires",
            "2026-03-20",
            "--db",
        ])
        .arg(&db)
        .assert()
        .success();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM reminders WHERE kind = 'qr_renew' AND state <> 'dismissed'"
        ),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM reminders WHERE kind = 'qr_renew' AND resolved = 'superseded'"
        ),
        1
    );
    // an expiry in the past is refused
    bin()
        .args([
            "group",
            "kit",
            "穿搭群",
            "qr",
            "--expires",
            "2026-03-01",
            "--db",
        ])
        .arg(&db)
        .assert()
        .code(1);
}

#[test]
fn import_answers_judges_the_three_fields_and_a_bad_row_names_its_line_and_writes_nothing() {
    let (dir, db) = init_db();
    // 筛选期 runs 2026-02-22 … 2026-02-28 for a plan begun 2026-02-12 (3 + 7 days)
    launch(&db, "穿搭群", "2026-02-12");
    let good = dir.path().join("answers.csv");
    std::fs::write(
        &good,
        "昵称,提交时间,城市,年龄,需求\n\
         小美,2026-02-23 10:00,上海,28,想学穿搭\n\
         阿芳,2026-02-23 11:00,上海市,30-32,穿搭\n\
         阿强,2026-02-24 09:00,北京,28,穿搭\n\
         丽丽,2026-02-24 10:00,上海,45,穿搭\n\
         小王,2026-02-25 10:00,上海,26,\n",
    )
    .unwrap();
    bin()
        .args(["import", "answers"])
        .arg(&good)
        .args(["--group", "穿搭群", "--lang", "en", "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicates::str::contains("5 answers added"))
        .stdout(predicates::str::contains("40%"));
    let screen = phase(&json(&db, &["group", "launch-status"]), "穿搭群", "screen").clone();
    // 2 of 5 valid: 40 % < 60 %, and its date has passed
    assert!((screen["value"].as_f64().unwrap() - 0.4).abs() < 1e-9);
    assert_eq!(screen["state"], "late");

    let before = dump(&db);
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "who,when,region,age,need\n小美,2026-02-26 10:00,上海,28,穿搭\n阿强,昨天,上海,28,穿搭\n",
    )
    .unwrap();
    bin()
        .args(["import", "answers"])
        .arg(&bad)
        .args(["--group", "穿搭群", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("bad.csv:3"));
    assert_eq!(dump(&db), before);
    // a group not in launch is refused too
    bin()
        .args(["group", "add", "老群", "--kind", "福利型", "--db"])
        .arg(&db)
        .assert()
        .success();
    bin()
        .args(["import", "answers"])
        .arg(&good)
        .args(["--group", "老群", "--db"])
        .arg(&db)
        .assert()
        .code(1);
}

#[test]
fn a_late_phase_is_one_today_task_however_often_anyone_looks() {
    let (_dir, db) = init_db();
    // begun 2026-02-20: 筹备期 (to 02-22) and 引流期 (to 03-01) are late on 03-02
    launch(&db, "穿搭群", "2026-02-20");
    for _ in 0..3 {
        json(&db, &["sop", "today"]);
        json(&db, &["group", "launch-status"]);
    }
    let tasks = count(
        &db,
        "SELECT count(*) FROM sop_instances WHERE item_id IS NULL AND title LIKE '引流期逾期%'",
    );
    assert_eq!(tasks, 1);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM sop_instances WHERE item_id IS NULL AND alert_id IS NULL"
        ),
        2
    );
    let today = json(&db, &["sop", "today"]);
    let task = today
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"].as_str().unwrap_or("").starts_with("引流期逾期"))
        .unwrap();
    assert!(
        task["note"].as_str().unwrap().contains("日均扫码量"),
        "{task}"
    );
    // the next day it is still on the list (not made again)
    let next_day = bin()
        .env("SHEQUN_NOW", "2026-03-03T09:00:00")
        .args(["sop", "today", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&next_day.stdout).unwrap();
    assert_eq!(
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["title"].as_str().unwrap_or("").starts_with("引流期逾期"))
            .count(),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM sop_instances WHERE title LIKE '引流期逾期%'"
        ),
        1
    );
    // the kit done: 筹备期 passes, and its task is set aside on record
    for item in [
        "rules",
        "welcome",
        "intro",
        "faq",
        "poster",
        "questionnaire",
        "qr",
    ] {
        bin()
            .args(["group", "kit", "穿搭群", "done", item, "--db"])
            .arg(&db)
            .assert()
            .success();
    }
    json(&db, &["sop", "today"]);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM sop_instances WHERE title LIKE '筹备期逾期%' AND state = 'skipped'"
        ),
        1
    );
}

#[test]
fn the_board_reads_in_both_languages() {
    let (_dir, db) = init_db();
    launch(&db, "穿搭群", "2026-02-20");
    for (lang, words) in [("zh", ["筹备期逾期", "物料"]), ("en", ["Prep late", "kit"])] {
        let out = bin()
            .args(["group", "launch-status", "--lang", lang, "--db"])
            .arg(&db)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        for w in words {
            assert!(text.contains(w), "{lang}: {w} in {text}");
        }
    }
}
