//! The content queue through the real binary: the pipeline from add to reviewed, its
//! refusals (each leaving the database as it was), blocking keywords and their
//! override, a stale edit, the mix of a hand-built week, over-posting, results import
//! and export. The CLI's operator is the OS login; a colleague's work is written through
//! the library with another operator name, as a second console would.

use shequn::domain::roles::Perm;
use std::path::Path;
use std::process::Output;

use chrono::{NaiveDateTime, TimeZone};
use predicates::prelude::*;
use rusqlite::Connection;
use serde_json::Value;
use shequn::domain::content::{Check, Form, Kind};
use shequn::domain::keywords::Keywords;
use shequn::domain::rules::Rules;
use shequn::store::content::{self, ContentInput, ContentStep, ReviewInput};
use shequn::store::{Store, StoreError};

use crate::{bin, dump, init_db};

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// A wall-clock time in Shanghai as unix seconds.
fn at(s: &str) -> i64 {
    let n = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    TZ.from_local_datetime(&n).unwrap().timestamp()
}

/// `crate::NOW` as unix seconds.
fn now() -> i64 {
    at("2026-03-02 08:25")
}

fn run(db: &Path, args: &[&str]) -> Output {
    bin().arg("--db").arg(db).args(args).output().unwrap()
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `args`, expects exit 1 with `needle` in stderr and the database unchanged.
fn refused(db: &Path, args: &[&str], needle: &str) -> String {
    let before = dump(db);
    let out = run(db, args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert!(dump(db) == before, "{args:?} changed the database");
    err
}

use crate::json;

/// A team database with two groups.
fn team() -> (tempfile::TempDir, std::path::PathBuf) {
    let (d, db) = init_db();
    for (name, kind) in [("宝妈育儿群", "知识型"), ("职场穿搭群", "福利型")] {
        ok(&db, &["group", "add", name, "--kind", kind]);
    }
    // the colleagues these tests write as
    for login in ["xiao.li", "li.na", "wang.lei"] {
        ok(&db, &["operator", "add", login, "--role", "operator"]);
    }
    (d, db)
}

fn input(title: &str, body: &str, kind: Kind, groups: &[i64], slot: Option<&str>) -> ContentInput {
    ContentInput {
        title: title.into(),
        body: body.into(),
        kind,
        form: Form::Article,
        column: None,
        tags: Vec::new(),
        groups: groups.to_vec(),
        slot: slot.map(at),
        owner: String::new(),
        material_name: None,
    }
}

/// A colleague ("xiao.li") writes an item and submits it; returns its id.
fn colleague_submits(db: &Path, i: &ContentInput) -> i64 {
    let mut s = Store::open(db, "xiao.li").unwrap();
    let id = s
        .write(Perm::ContentDraft, |tx, op| {
            content::create(tx, op, now(), i, TZ)
        })
        .unwrap();
    s.write(Perm::ContentDraft, |tx, op| {
        content::step(
            tx,
            op,
            now(),
            id,
            None,
            &ContentStep::Submit,
            &Rules::shipped(),
            &Keywords::shipped(),
        )
    })
    .unwrap();
    id
}

fn pass() -> ReviewInput {
    ReviewInput {
        compliance: Check::pass("无违规词"),
        fit: Check::pass("符合定位"),
        appeal: Check::pass("标题有钩子"),
        override_reason: None,
    }
}

fn state(db: &Path, id: i64) -> String {
    Connection::open(db)
        .unwrap()
        .query_row("SELECT state FROM content_items WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn an_item_goes_from_draft_to_reviewed_through_the_cli() {
    let (_d, db) = team();
    let body = _d.path().join("body.txt");
    std::fs::write(&body, "宝宝积食了怎么办?今天分享 3 个小妙招。").unwrap();
    // added by the OS login: the JSON has the fields scripts rely on
    let added = json(
        &db,
        &[
            "content",
            "add",
            "--title",
            "宝宝积食了怎么办",
            "--body-file",
            body.to_str().unwrap(),
            "--kind",
            "促活",
            "--group",
            "宝妈育儿群",
            "--slot",
            "2026-03-03 20:00",
            "--column",
            "育儿干货",
        ],
    );
    assert_eq!(added["material_name"], "202603 促活-育儿干货-图文");
    assert_eq!(added["state"], "draft");
    let list = json(&db, &["content", "list"]);
    let row = &list[0];
    for field in [
        "id", "title", "kind", "form", "state", "slot", "groups", "owner",
    ] {
        assert!(row.get(field).is_some(), "list lacks {field}: {row}");
    }
    assert_eq!(row["kind"], "engage");
    assert_eq!(row["form"], "article");
    assert_eq!(row["slot"], "2026-03-03T20:00:00+08:00");
    assert_eq!(row["groups"], serde_json::json!(["宝妈育儿群"]));
    assert_eq!(row["owner"], shequn::config::operator_login());

    // a colleague's item goes the whole way, reviewed by the OS login
    let id = colleague_submits(
        &db,
        &input(
            "本周穿搭公开课",
            "周三晚 8 点直播,教你通勤穿搭。",
            Kind::Brand,
            &[2],
            Some("2026-03-04 20:00"),
        ),
    );
    let sid = id.to_string();
    let out = ok(
        &db,
        &[
            "content",
            "approve",
            &sid,
            "--note",
            "compliance=无违规词,活动规则齐全,fit=符合定位",
        ],
    );
    assert!(out.contains("scheduled"), "{out}");
    ok(&db, &["content", "publish", &sid]);
    assert_eq!(state(&db, id), "published");
    let done = json(
        &db,
        &[
            "content",
            "results",
            &sid,
            "--opens",
            "320",
            "--forwards",
            "41",
            "--replies",
            "18",
            "--clicks",
            "25",
            "--orders",
            "3",
        ],
    );
    assert_eq!(done["state"], "reviewed");
    let shown = json(&db, &["content", "show", &sid]);
    assert_eq!(shown["results"]["opens"], 320);
    assert_eq!(shown["author"], "xiao.li");
    let review = &shown["reviews"][0];
    assert_eq!(review["reviewer"], shequn::config::operator_login());
    // the note kept its comma: only a check's name starts a new note
    assert_eq!(review["compliance"]["note"], "无违规词,活动规则齐全");
    assert_eq!(review["fit"]["note"], "符合定位");
    // every step is on record with who took it
    let c = Connection::open(&db).unwrap();
    let actions: Vec<(String, String)> = c
        .prepare(
            "SELECT action, operator FROM audit WHERE entity = 'content' AND entity_id = ?1 ORDER BY id",
        )
        .unwrap()
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let me = shequn::config::operator_login();
    assert_eq!(
        actions,
        [
            ("add".to_string(), "xiao.li".to_string()),
            ("submit".into(), "xiao.li".into()),
            ("approve".into(), me.clone()),
            ("publish".into(), me.clone()),
            ("results".into(), me),
        ]
    );
    let listed = json(&db, &["content", "list", "--state", "reviewed"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[test]
fn the_pipeline_refuses_out_of_order_steps_and_changes_nothing() {
    let (d, db) = team();
    let body = d.path().join("body.txt");
    std::fs::write(&body, "正文").unwrap();
    let mine = ok(
        &db,
        &[
            "content",
            "add",
            "--title",
            "我的草稿",
            "--body-file",
            body.to_str().unwrap(),
            "--kind",
            "engage",
            "--group",
            "宝妈育儿群",
            "--slot",
            "2026-03-03 20:00",
        ],
    );
    let mine = mine.trim();
    refused(
        &db,
        &["content", "approve", mine],
        "submit it for review first",
    );
    refused(
        &db,
        &["content", "publish", mine],
        "cannot be published now: submit it for review first",
    );
    ok(&db, &["content", "submit", mine]);
    refused(
        &db,
        &["content", "submit", mine],
        "so it cannot be submitted for review now",
    );
    // the author may not review their own item: said from the language files, whole
    let err = refused(
        &db,
        &["--lang", "en", "content", "approve", mine],
        "a colleague reviews it",
    );
    assert!(
        err.contains("我的草稿") && err.contains("review_by_other"),
        "{err}"
    );
    let err = refused(
        &db,
        &["--lang", "zh", "content", "reject", mine, "--reason", "x"],
        "是你写的,请同事审核",
    );
    assert!(err.contains(mine), "{err}");
    // a rejection needs a reason
    refused(&db, &["content", "reject", mine], "needs a reason");
    // a colleague's item without a slot cannot be approved
    let no_slot = colleague_submits(&db, &input("没排期", "正文", Kind::Engage, &[1], None));
    refused(
        &db,
        &["content", "approve", &no_slot.to_string()],
        "needs a slot",
    );
    // rejected with a reason: back to draft, the reason on record
    ok(
        &db,
        &[
            "content",
            "reject",
            &no_slot.to_string(),
            "--reason",
            "请先定好发布时间",
            "--fail",
            "fit",
        ],
    );
    assert_eq!(state(&db, no_slot), "draft");
    let shown = json(&db, &["content", "show", &no_slot.to_string()]);
    assert_eq!(shown["reject_reason"], "请先定好发布时间");
    assert_eq!(shown["reviews"][0]["fit"]["pass"], false);
    assert_eq!(shown["reviews"][0]["compliance"]["pass"], true);
    // a scheduled item is not edited in place
    let sched = colleague_submits(
        &db,
        &input(
            "已排期",
            "正文",
            Kind::Engage,
            &[1],
            Some("2026-03-05 20:00"),
        ),
    );
    let s = sched.to_string();
    ok(&db, &["content", "approve", &s]);
    let v = json(&db, &["content", "show", &s])["version"].to_string();
    refused(
        &db,
        &[
            "content",
            "edit",
            &s,
            "--expect-version",
            &v,
            "--title",
            "改标题",
        ],
        &format!("unschedule {s}"),
    );
    refused(&db, &["content", "results", &s, "--opens", "1"], "publish");
    ok(&db, &["content", "unschedule", &s]);
    assert_eq!(state(&db, sched), "draft");
    // bad flags are exit 1 too
    refused(&db, &["content", "list", "--state", "done"], "--state");
    refused(&db, &["content", "show", "999"], "not found");
}

#[test]
fn a_blocked_word_in_the_body_stops_approval_until_overridden_on_record() {
    let (_d, db) = team();
    let id = colleague_submits(
        &db,
        &input(
            "在家也能赚钱",
            "宝妈在家就能做的兼职,手机刷单每天 200-500,有意私聊我",
            Kind::Convert,
            &[1],
            Some("2026-03-03 10:00"),
        ),
    );
    let s = id.to_string();
    let err = refused(&db, &["content", "approve", &s], "手机刷单 (fraud)");
    assert!(err.contains("有意私聊 (ad)"), "{err}");
    assert!(err.contains("--override"), "says what to do: {err}");
    ok(
        &db,
        &[
            "content",
            "approve",
            &s,
            "--override",
            "反诈宣传文案,引用的是骗子原话",
        ],
    );
    assert_eq!(state(&db, id), "scheduled");
    let reason: String = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT override_reason FROM content_reviews WHERE content_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(reason, "反诈宣传文案,引用的是骗子原话");
    // and the audit row says which words were let through
    let new: String = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT new FROM audit WHERE entity = 'content' AND entity_id = ?1 AND action = 'approve'",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(new.contains("刷单 (fraud)"), "{new}");
}

#[test]
fn an_edit_based_on_an_old_version_is_refused_naming_who_and_when() {
    let (d, db) = team();
    let body = d.path().join("body.txt");
    std::fs::write(&body, "初稿").unwrap();
    let id: i64 = ok(
        &db,
        &[
            "content",
            "add",
            "--title",
            "周五话题",
            "--body-file",
            body.to_str().unwrap(),
            "--kind",
            "engage",
            "--group",
            "宝妈育儿群",
        ],
    )
    .trim()
    .parse()
    .unwrap();
    // a colleague saves first (version 1 → 2) at 08:35
    let mut colleague = Store::open(&db, "wang.lei").unwrap();
    let cur = content::get(colleague.conn(), id).unwrap();
    let mut theirs = cur.input();
    theirs.body = "王磊改过的正文".into();
    colleague
        .write(Perm::ContentDraft, |tx, op| {
            content::save(tx, op, now() + 600, id, 1, &theirs, TZ)
        })
        .unwrap();
    let err = refused(
        &db,
        &[
            "content",
            "edit",
            &id.to_string(),
            "--expect-version",
            "1",
            "--title",
            "我的新标题",
        ],
        "wang.lei",
    );
    assert!(err.contains("2026-03-02T08:35:00+08:00"), "{err}");
    // with the current version the edit goes through
    ok(
        &db,
        &[
            "content",
            "edit",
            &id.to_string(),
            "--expect-version",
            "2",
            "--title",
            "我的新标题",
        ],
    );
    let item = content::get(colleague.conn(), id).unwrap();
    assert_eq!(
        (item.title.as_str(), item.body.as_str(), item.version),
        ("我的新标题", "王磊改过的正文", 3)
    );
}

#[test]
fn two_store_connections_a_stale_save_is_refused_and_nothing_is_lost() {
    let (_d, db) = team();
    let mut a = Store::open(&db, "li.na").unwrap();
    let mut b = Store::open(&db, "wang.lei").unwrap();
    let id = a
        .write(Perm::ContentDraft, |tx, op| {
            content::create(
                tx,
                op,
                now(),
                &input("标题", "正文", Kind::Engage, &[1], None),
                TZ,
            )
        })
        .unwrap();
    // both load version 1
    let seen_a = content::get(a.conn(), id).unwrap();
    let seen_b = content::get(b.conn(), id).unwrap();
    let mut by_b = seen_b.input();
    by_b.title = "王磊的标题".into();
    b.write(Perm::ContentDraft, |tx, op| {
        content::save(tx, op, now() + 60, id, seen_b.version, &by_b, TZ)
    })
    .unwrap();
    let mut by_a = seen_a.input();
    by_a.title = "李娜的标题".into();
    let err = a
        .write(Perm::ContentDraft, |tx, op| {
            content::save(tx, op, now() + 120, id, seen_a.version, &by_a, TZ)
        })
        .unwrap_err();
    match err {
        StoreError::Stale { what, by, .. } => {
            assert_eq!((what, by.as_str()), ("content", "wang.lei"))
        }
        other => panic!("{other}"),
    }
    assert_eq!(content::get(a.conn(), id).unwrap().title, "王磊的标题");
}

/// Two colleagues take an item to `scheduled` (and `published` if asked) through the
/// library: xiao.li writes and submits, wang.lei approves.
fn approved(db: &Path, kind: Kind, groups: &[i64], slot: &str, publish: bool) -> i64 {
    let id = colleague_submits(db, &input("条目", "正文", kind, groups, Some(slot)));
    let mut r = Store::open(db, "wang.lei").unwrap();
    let rules = Rules::shipped();
    let k = Keywords::shipped();
    r.write(Perm::ContentPublish, |tx, op| {
        content::step(
            tx,
            op,
            now(),
            id,
            None,
            &ContentStep::Approve(pass()),
            &rules,
            &k,
        )?;
        if publish {
            content::step(tx, op, now(), id, None, &ContentStep::Publish, &rules, &k)?;
        }
        Ok(())
    })
    .unwrap();
    id
}

#[test]
fn the_mix_of_a_hand_built_week_matches_the_hand_computation() {
    let (_d, db) = team();
    // group 1, the 7 days ending 2026-03-02 (02-24 … 03-02): 5 促活, 3 转化, 2 品牌
    for d in [
        "02-24 20:00",
        "02-25 20:00",
        "02-26 20:00",
        "02-28 20:00",
        "03-02 08:00",
    ] {
        approved(&db, Kind::Engage, &[1], &format!("2026-{d}"), true);
    }
    for d in ["02-24 10:00", "02-26 10:00", "03-02 10:00"] {
        approved(&db, Kind::Convert, &[1], &format!("2026-{d}"), false);
    }
    approved(&db, Kind::Brand, &[1, 2], "2026-02-27 15:00", true);
    approved(&db, Kind::Brand, &[1], "2026-03-01 15:00", true);
    // not in group 1's 7 days: 8 days back, tomorrow, a draft, only group 2
    approved(&db, Kind::Brand, &[1], "2026-02-23 20:00", true);
    approved(&db, Kind::Engage, &[1], "2026-03-03 20:00", false);
    colleague_submits(
        &db,
        &input(
            "待审核",
            "正文",
            Kind::Convert,
            &[1],
            Some("2026-02-25 10:00"),
        ),
    );
    approved(&db, Kind::Convert, &[2], "2026-02-25 10:00", false);

    let rows = json(&db, &["content", "mix", "--group", "宝妈育儿群"]);
    let pick = |days: u64, kind: &str| -> &Value {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["days"] == days && r["kind"] == kind)
            .unwrap()
    };
    // by hand: 10 items; 5/10 = 0.5, 3/10 = 0.3, 2/10 = 0.2 — exactly 50/30/20
    for (kind, count, share) in [("engage", 5, 0.5), ("convert", 3, 0.3), ("brand", 2, 0.2)] {
        let r = pick(7, kind);
        assert_eq!(r["count"], count, "{r}");
        assert_eq!(r["total"], 10);
        assert!((r["share"].as_f64().unwrap() - share).abs() < 1e-9, "{r}");
        assert!(r["diff"].as_f64().unwrap().abs() < 1e-9, "{r}");
    }
    // 30 days takes in 02-23's brand item: 5/11, 3/11, 3/11
    let b30 = pick(30, "brand");
    assert_eq!(b30["count"], 3);
    assert!((b30["share"].as_f64().unwrap() - 3.0 / 11.0).abs() < 1e-9);
    assert!((b30["diff"].as_f64().unwrap() - (3.0 / 11.0 - 0.2)).abs() < 1e-9);
    // overall: each item once (the item in both groups too) plus group 2's own: 11
    let all = json(&db, &["content", "mix"]);
    let all7: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["scope"] == "all" && r["days"] == 7)
        .collect();
    assert_eq!(all7[0]["total"], 11);
    assert_eq!(all7[1]["count"], 4);
    // the team's 721 preset (team settings): engage target 0.9
    bin()
        .args(["settings", "set", "content.mix", "721", "--db"])
        .arg(&db)
        .assert()
        .success();
    let out = bin()
        .arg("--db")
        .arg(&db)
        .args([
            "content",
            "mix",
            "--group",
            "宝妈育儿群",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e7 = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["days"] == 7 && r["kind"] == "engage")
        .unwrap();
    assert_eq!(e7["preset"], "721");
    assert!((e7["diff"].as_f64().unwrap() - (0.5 - 0.9)).abs() < 1e-9);
}

#[test]
fn four_pushes_to_a_group_in_a_day_warn_of_over_posting() {
    let (d, db) = team();
    let body = d.path().join("body.txt");
    std::fs::write(&body, "正文").unwrap();
    let add = |slot: &str| {
        let id = ok(
            &db,
            &[
                "content",
                "add",
                "--title",
                "推送",
                "--body-file",
                body.to_str().unwrap(),
                "--kind",
                "engage",
                "--group",
                "宝妈育儿群",
                "--slot",
                slot,
            ],
        );
        ok(&db, &["content", "submit", id.trim()]);
    };
    for slot in ["2026-03-03 08:00", "2026-03-03 12:00", "2026-03-03 20:00"] {
        add(slot);
    }
    let week = json(&db, &["content", "week", "--date", "2026-03-04"]);
    assert_eq!(week["monday"], "2026-03-02");
    assert_eq!(week["over_posting"], serde_json::json!([]), "3 is allowed");
    add("2026-03-03 20:10");
    let week = json(&db, &["content", "week", "--date", "2026-03-04"]);
    let over = &week["over_posting"][0];
    assert_eq!(over["group"], "宝妈育儿群");
    assert_eq!(over["day"], "2026-03-03");
    assert_eq!(over["count"], 4);
    assert_eq!(over["max"], 3);
    // 20:00 and 20:10 clash
    assert_eq!(week["conflicts"][0]["minutes"], 10);
    // Tuesday's hints include the tutorial slot
    let tue = &week["days"][1];
    assert!(
        tue["hints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["time"] == "20:00" && h["what"] == "知识教程"),
        "{tue}"
    );
    assert_eq!(tue["items"].as_array().unwrap().len(), 4);
    bin()
        .arg("--db")
        .arg(&db)
        .args(["--lang", "en", "content", "week", "--date", "2026-03-03"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "⚠ 宝妈育儿群 · 2026-03-03 · 4 pushes · over 3 a day",
        ));
}

#[test]
fn results_import_is_all_or_nothing_with_the_bad_line_named() {
    let (d, db) = team();
    let a = approved(&db, Kind::Engage, &[1], "2026-02-26 20:00", true);
    let b = approved(&db, Kind::Convert, &[1], "2026-02-27 10:00", true);
    // b gets a title of its own so the file can name it by title
    Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE content_items SET title = '限时秒杀' WHERE id = ?1",
            [b],
        )
        .unwrap();
    let bad = d.path().join("results.csv");
    std::fs::write(
        &bad,
        format!("id,title,opens,forwards,clicks,orders\n{a},,320,40,12,\n,限时秒杀,abc,3,1,2\n"),
    )
    .unwrap();
    let err = refused(
        &db,
        &["import", "results", bad.to_str().unwrap()],
        "results.csv:3",
    );
    assert!(err.contains("opens"), "{err}");
    // an item not yet published is refused with its line too
    let sched = approved(&db, Kind::Engage, &[1], "2026-03-05 20:00", false);
    let early = d.path().join("early.csv");
    std::fs::write(&early, format!("id,opens\n{a},1\n{sched},5\n")).unwrap();
    refused(
        &db,
        &["import", "results", early.to_str().unwrap()],
        "early.csv:3",
    );
    let good = d.path().join("good.csv");
    std::fs::write(
        &good,
        format!("id,标题,打开,转发,点击,订单\n{a},,320,40,12,\n,限时秒杀,150,3,30,5\n"),
    )
    .unwrap();
    let out = ok(&db, &["import", "results", good.to_str().unwrap()]);
    assert!(out.contains("2 items"), "{out}");
    assert_eq!(state(&db, a), "reviewed");
    assert_eq!(state(&db, b), "reviewed");
    let shown = json(&db, &["content", "show", &b.to_string()]);
    assert_eq!(shown["results"]["orders"], 5);
    // the weekly review ranks them: score a = 320 + 80 + 36 = 436, b = 150 + 6 + 90 + 25 = 271
    let review = json(&db, &["content", "review-week", "--date", "2026-03-02"]);
    assert_eq!(review["top"], serde_json::json!([a]));
    assert_eq!(review["drop"], serde_json::json!([b]));
    assert_eq!(review["items"][0]["score"], 436.0);
}

#[test]
fn export_content_writes_every_item_with_its_groups() {
    let (_d, db) = team();
    approved(&db, Kind::Brand, &[1, 2], "2026-02-27 15:00", true);
    colleague_submits(
        &db,
        &input("草稿", "正文\n第二行", Kind::Engage, &[1], None),
    );
    let csv_text = ok(&db, &["export", "content"]);
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    for h in [
        "id", "title", "kind", "form", "state", "slot", "groups", "owner", "body",
    ] {
        assert!(headers.iter().any(|x| x == h), "no {h} in {headers:?}");
    }
    let rows: Vec<csv::StringRecord> = rdr.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][col("groups")], "宝妈育儿群;职场穿搭群");
    assert_eq!(&rows[0][col("state")], "published");
    assert_eq!(&rows[1][col("body")], "正文\n第二行");
}
