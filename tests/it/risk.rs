//! Risk incidents end to end (issue 15): an export with spam opens incidents with their
//! levels, tasks and the level-1 reminder, a re-import opens none; the response clock and
//! on-time shares in `risk list`; actions through the CLI (Chinese names too), a second
//! action refused; two connections, a colleague's action makes mine stale; a removed
//! member re-joining another group (chat or roster) opens `黑名单成员入群`; drafts.

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use rusqlite::Connection;
use serde_json::Value;

use crate::{bin, init_db, json, set_role};

/// `NOW` in unix seconds: 2026-03-02 08:25 in Shanghai.
const NOW: i64 = 1_772_411_100;

fn row(id: u64, t: i64, wxid: &str, name: &str, content: &str) -> String {
    let content = format!("\"{}\"", content.replace('"', "\"\""));
    format!("{id},spam@chatroom,1,0,0,{t},2,{content},,,{name},{wxid}\r\n")
}

/// A chat export of `rows` (id, seconds before now, wxid, name, text) in a file.
fn export(dir: &Path, name: &str, rows: &[(u64, i64, &str, &str, &str)]) -> PathBuf {
    let mut csv = String::from(
        "\u{feff}localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\r\n",
    );
    for (id, ago, wxid, who, text) in rows {
        csv.push_str(&row(*id, NOW - ago, wxid, who, text));
    }
    let file = dir.join(name);
    std::fs::write(&file, csv).unwrap();
    file
}

fn spam(dir: &Path) -> PathBuf {
    export(
        dir,
        "spam.csv",
        &[
            (1, 30 * 86_400, "wxid_old", "老刘", "低价代购,私我"),
            (2, 600, "wxid_ad", "小广", "加我微信领取免费资料"),
            (3, 300, "wxid_scam", "阿骗", "手机刷单每天 200,日结"),
            (4, 120, "wxid_bet", "阿赌", "今晚一起赌博吗"),
            (5, 60, "wxid_ok", "正常人", "大家早上好,今天也加油"),
        ],
    )
}

fn import(db: &Path, file: &Path, group: &str) -> Value {
    json(
        db,
        &["import", "chat", file.to_str().unwrap(), "--group", group],
    )
}

fn one(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn incidents(db: &Path) -> Vec<Value> {
    json(db, &["risk", "list"])["incidents"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The incident of a member's message (by the member's name: the keyword lists may
/// report a longer word than the one planted).
fn by_member<'a>(list: &'a [Value], member: &str) -> &'a Value {
    list.iter()
        .find(|i| i["member"] == member)
        .unwrap_or_else(|| panic!("{member} in {list:?}"))
}

#[test]
fn an_export_with_spam_opens_incidents_with_their_levels_and_a_reimport_opens_none() {
    let (dir, db) = init_db();
    let file = spam(dir.path());
    let summary = import(&db, &file, "测试群");
    assert_eq!(summary["incidents"], 4, "{summary}");
    let list = incidents(&db);
    assert_eq!(list.len(), 4);
    // open first, the most serious level first
    let levels: Vec<u64> = list.iter().map(|i| i["level"].as_u64().unwrap()).collect();
    assert_eq!(levels, [1, 2, 3, 3]);
    for (who, word, level, category) in [
        ("阿赌", "赌博", 1, "sensitive"),
        ("阿骗", "刷单", 2, "fraud"),
        ("小广", "加我微信", 3, "ad"),
    ] {
        let i = by_member(&list, who);
        assert_eq!(i["level"], level, "{i}");
        assert_eq!(i["category"], category, "{i}");
        assert_eq!(i["state"], "open");
        assert_eq!(i["group"], "测试群");
        // the span marks the word in the evidence
        let (s, e) = (
            i["hit_start"].as_u64().unwrap() as usize,
            i["hit_end"].as_u64().unwrap() as usize,
        );
        // the lists report the longest listed word holding the planted one (手机刷单)
        let marked = &i["evidence"].as_str().unwrap()[s..e];
        assert!(marked.contains(word), "{marked} in {i}");
        assert_eq!(i["keyword"], marked, "{i}");
        assert!(i["task"].is_i64(), "a live incident has its task: {i}");
    }
    // the month-old ad: on record, no task, its detection not judged
    let old = by_member(&list, "老刘");
    assert!(old["task"].is_null(), "{old}");
    assert_eq!(old["detection"], "exempt");
    // tasks due now, in 15 and 60 minutes (NOW is 08:25); a reminder for level 1 only
    let slots: Vec<(i64, String)> = Connection::open(&db)
        .unwrap()
        .prepare(
            "SELECT r.level, s.slot FROM sop_instances s JOIN risk_incidents r ON r.id = s.incident_id
             ORDER BY r.level",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        slots,
        [
            (1, "08:25".into()),
            (2, "08:40".into()),
            (3, "09:25".into())
        ]
    );
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM reminders WHERE source = 'risk' AND title = '立即关群/处理'"
        ),
        1
    );
    let due = bin()
        .args(["remind", "--due", "--lang", "zh", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&due.stdout).contains("风控:立即关群/处理"));
    // the same export again opens nothing
    let again = import(&db, &file, "测试群");
    assert_eq!(again["incidents"], 0, "{again}");
    assert_eq!(one(&db, "SELECT count(*) FROM risk_incidents"), 4);
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM sop_instances WHERE incident_id IS NOT NULL"
        ),
        3
    );
}

#[test]
fn the_queue_shows_the_clock_and_the_on_time_shares() {
    let (dir, db) = init_db();
    import(&db, &spam(dir.path()), "测试群");
    let out = json(&db, &["risk", "list"]);
    let o = &out["on_time"];
    // seen 10, 5 and 2 minutes after they were sent: two within 5 minutes; the month-old
    // one is backfill; nobody reviewed yet and nothing is past 15 minutes
    assert_eq!(o["detect_on_time"], 2, "{o}");
    assert_eq!(o["detect_judged"], 3, "{o}");
    assert_eq!(o["backfill"], 1, "{o}");
    assert_eq!(o["review_judged"], 0, "{o}");
    let ad = by_member(out["incidents"].as_array().unwrap(), "小广");
    assert_eq!(ad["detection"], "late");
    assert_eq!(ad["detect_secs"], 600);
    assert_eq!(ad["review"], "running");
    // 20 minutes later the open ones are late for review
    let later = bin()
        .env("SHEQUN_NOW", "2026-03-02T08:45:00")
        .args(["risk", "list", "--open", "--lang", "en", "--db"])
        .arg(&db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&later);
    assert!(
        text.contains("detected on time 67% (2/3 within 5 min; 1 imported late"),
        "{text}"
    );
    assert!(
        text.contains("reviewed on time 0% (0/4 within 15 min)"),
        "{text}"
    );
    assert!(text.contains("✗ late"), "{text}");
    assert!(text.contains("waiting 20min"), "{text}");
    // by level
    let only = json(&db, &["risk", "list", "--level", "禁言"]);
    assert_eq!(only["incidents"].as_array().unwrap().len(), 1);
}

#[test]
fn acting_records_a_sanction_and_an_audit_row_and_a_second_action_is_refused() {
    let (dir, db) = init_db();
    import(&db, &spam(dir.path()), "测试群");
    let id = by_member(&incidents(&db), "阿骗")["id"].as_i64().unwrap();
    let id_s = id.to_string();
    // the suggestion for a level-2 incident of a member with no record: mute
    let show = json(&db, &["risk", "show", &id_s]);
    assert_eq!(show["suggested"], "mute");
    assert_eq!(show["record"]["next"], "warn");
    bin()
        .args([
            "risk",
            "act",
            &id_s,
            "禁言",
            "--reason",
            "刷单诈骗,禁言 24 小时",
            "--db",
        ])
        .arg(&db)
        .assert()
        .success();
    let after = json(&db, &["risk", "show", &id_s]);
    assert_eq!(after["incident"]["state"], "acted");
    assert_eq!(after["incident"]["action"], "mute");
    assert_eq!(after["record"]["sanctions"][0]["action"], "mute");
    assert_eq!(after["record"]["next"], "remove");
    assert_eq!(
        one(
            &db,
            &format!("SELECT count(*) FROM sanctions WHERE incident_id = {id} AND level = 'mute'")
        ),
        1
    );
    assert_eq!(
        one(
            &db,
            &format!(
                "SELECT count(*) FROM audit WHERE entity = 'incident' AND entity_id = {id} AND action = 'mute'"
            )
        ),
        1
    );
    // its task is done
    assert_eq!(
        one(
            &db,
            &format!(
                "SELECT count(*) FROM sop_instances WHERE incident_id = {id} AND state = 'done'"
            )
        ),
        1
    );
    // a colleague (or I, again) acting on it: refused, nothing written
    let before = crate::dump(&db);
    bin()
        .args([
            "risk", "act", &id_s, "warn", "--reason", "again", "--lang", "en", "--db",
        ])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already handled: mute by"));
    assert_eq!(crate::dump(&db), before);
    // an action without a reason, an unknown action: exit 1, nothing written
    let other = by_member(&incidents(&db), "小广")["id"].to_string();
    bin()
        .args(["risk", "act", &other, "warn", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--reason"));
    bin()
        .args(["risk", "act", &other, "ban", "--reason", "x", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("review, warn, mute"));
    assert_eq!(crate::dump(&db), before);
}

#[test]
fn a_colleagues_action_on_another_connection_makes_mine_stale() {
    use shequn::domain::risk::Action;
    use shequn::store::risk::act::{Step, on_incident};
    use shequn::store::{Store, StoreError};
    let (dir, db) = init_db();
    import(&db, &spam(dir.path()), "测试群");
    set_role(&db, "alice", "operator");
    set_role(&db, "bob", "assistant");
    let mut a = Store::open(&db, "alice").unwrap();
    let mut b = Store::open(&db, "bob").unwrap();
    let rules = shequn::domain::risk::RiskRules::shipped();
    let id = shequn::store::risk::list(a.conn(), &Default::default(), &rules, NOW).unwrap()[0].id;
    // both loaded it at version 1; bob reviews it first
    let seen = shequn::store::risk::get(b.conn(), id, &rules, NOW)
        .unwrap()
        .version;
    b.write(shequn::domain::roles::Perm::RiskReview, |tx, op| {
        on_incident(tx, op, NOW + 60, id, Some(seen), Step::Review, "看到了")
    })
    .unwrap();
    // alice's view is stale now: refused, nothing written
    let err = a
        .write(shequn::domain::roles::Perm::RiskAct, |tx, op| {
            on_incident(
                tx,
                op,
                NOW + 90,
                id,
                Some(seen),
                Step::Act(Action::Close),
                "关群",
            )
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Stale { by, .. } if by == "bob"));
    // reloaded, she closes the group; bob's later step is refused as handled
    let seen = shequn::store::risk::get(a.conn(), id, &rules, NOW)
        .unwrap()
        .version;
    a.write(shequn::domain::roles::Perm::RiskAct, |tx, op| {
        on_incident(
            tx,
            op,
            NOW + 120,
            id,
            Some(seen),
            Step::Act(Action::Close),
            "关群处理",
        )
    })
    .unwrap();
    let err = b
        .write(shequn::domain::roles::Perm::RiskReview, |tx, op| {
            on_incident(tx, op, NOW + 150, id, None, Step::Review, "")
        })
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Handled { ref by, .. } if by == "alice"),
        "{err}"
    );
    // an assistant may review but not act
    let other =
        shequn::store::risk::list(b.conn(), &Default::default(), &rules, NOW).unwrap()[0].id;
    let err = b
        .write(shequn::domain::roles::Perm::RiskAct, |tx, op| {
            on_incident(tx, op, NOW, other, None, Step::Act(Action::Warn), "x")
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)));
    // the clock: reviewed a minute after detection, acted two minutes after
    let row = shequn::store::risk::get(a.conn(), id, &rules, NOW + 200).unwrap();
    assert_eq!((row.review_secs, row.act_secs), (Some(60), Some(120)));
    assert_eq!(row.reviewed_by.as_deref(), Some("bob"));
}

#[test]
fn a_removed_member_rejoining_another_group_opens_an_incident() {
    let (dir, db) = init_db();
    import(&db, &spam(dir.path()), "测试群");
    let id = by_member(&incidents(&db), "小广")["id"].to_string();
    bin()
        .args([
            "risk",
            "act",
            &id,
            "remove",
            "--reason",
            "广告引流,移出",
            "--db",
        ])
        .arg(&db)
        .assert()
        .success();
    // the same member speaks in another group afterwards (a later export)
    let later = export(
        dir.path(),
        "later.csv",
        &[
            (1, -120, "wxid_ad", "小广改名", "大家好"),
            (2, -60, "wxid_ok", "正常人", "在"),
        ],
    );
    let out = bin()
        .env("SHEQUN_NOW", "2026-03-02T08:30:00")
        .args([
            "import",
            "chat",
            later.to_str().unwrap(),
            "--group",
            "另一个群",
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
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["incidents"], 1, "{summary}");
    let list = incidents(&db);
    let back = list
        .iter()
        .find(|i| i["source"] == "rejoin")
        .expect("a re-join");
    assert_eq!(back["keyword"], "黑名单成员入群");
    assert_eq!(back["group"], "另一个群");
    assert_eq!(back["level"], 2);
    assert!(back["task"].is_i64());
    // importing it again opens none
    let again = bin()
        .env("SHEQUN_NOW", "2026-03-02T08:31:00")
        .args([
            "import",
            "chat",
            later.to_str().unwrap(),
            "--group",
            "另一个群",
            "--format",
            "json",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["incidents"], 0);
    // a roster of the first group listing them again: one more (that group)
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "微信号,昵称\nwxid_ad,小广\nwxid_ok,正常人\nwxid_old,老刘\nwxid_scam,阿骗\nwxid_bet,阿赌\n",
    )
    .unwrap();
    let r = json(
        &db,
        &[
            "import",
            "members",
            roster.to_str().unwrap(),
            "--group",
            "测试群",
        ],
    );
    assert_eq!(r["incidents"], 1, "{r}");
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM risk_incidents WHERE source = 'rejoin'"
        ),
        2
    );
}

#[test]
fn a_draft_with_blocked_words_opens_an_incident_and_an_edit_without_them_closes_it() {
    let (dir, db) = init_db();
    import(&db, &spam(dir.path()), "测试群");
    let body = dir.path().join("body.txt");
    std::fs::write(&body, "加我微信领取资料").unwrap();
    let add = bin()
        .args([
            "content",
            "add",
            "--title",
            "福利",
            "--kind",
            "engage",
            "--group",
            "测试群",
        ])
        .arg("--body-file")
        .arg(&body)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let drafts = || -> Vec<Value> {
        incidents(&db)
            .into_iter()
            .filter(|i| i["source"] == "content")
            .collect()
    };
    let list = drafts();
    assert_eq!(list.len(), 1);
    assert!(list[0]["member"].is_null() && list[0]["task"].is_null());
    assert_eq!(list[0]["group"], "测试群");
    let content = list[0]["content_id"].as_i64().unwrap().to_string();
    // taking the word out closes it, fixed by the edit
    std::fs::write(&body, "欢迎领取资料").unwrap();
    bin()
        .args(["content", "edit", &content, "--expect-version", "1"])
        .arg("--body-file")
        .arg(&body)
        .arg("--db")
        .arg(&db)
        .assert()
        .success();
    let list = drafts();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["state"], "acted");
    assert_eq!(list[0]["note"], "edited");
}

#[test]
fn a_false_positive_with_except_lets_the_word_alone_in_that_context_from_then_on() {
    let (dir, db) = init_db();
    import(&db, &spam(dir.path()), "测试群");
    let id = by_member(&incidents(&db), "小广")["id"].as_i64().unwrap();
    let id_s = id.to_string();
    // --except goes with a false positive only: refused, nothing written
    let sanctions = one(&db, "SELECT count(*) FROM sanctions");
    bin()
        .args([
            "risk",
            "act",
            &id_s,
            "warn",
            "--reason",
            "x",
            "--except",
            "加我微信领取",
        ])
        .args(["--lang", "en", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("false positive only"));
    assert_eq!(one(&db, "SELECT count(*) FROM sanctions"), sanctions);
    let out = json(
        &db,
        &[
            "risk",
            "act",
            &id_s,
            "误报",
            "--reason",
            "群主本人发的资料",
            "--except",
            "加我微信领取免费资料",
        ],
    );
    assert_eq!(out["state"], "dismissed");
    assert_eq!(out["exception"]["context"], "加我微信领取免费资料");
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM keyword_exceptions WHERE context = '加我微信领取免费资料'"
        ),
        1
    );
    // the same text from someone else opens nothing; the word elsewhere still does
    let again = export(
        dir.path(),
        "again.csv",
        &[
            (11, 50, "wxid_b", "小白", "加我微信领取免费资料"),
            (12, 40, "wxid_c", "小黑", "加我微信,带你赚钱"),
        ],
    );
    import(&db, &again, "测试群");
    let list = incidents(&db);
    assert!(list.iter().all(|i| i["member"] != "小白"), "{list:?}");
    by_member(&list, "小黑");
}

#[test]
fn a_member_action_names_the_group_it_was_recorded_in() {
    let (dir, db) = init_db();
    import(&db, &spam(dir.path()), "测试群");
    bin()
        .args([
            "risk",
            "act",
            "warn",
            "--member",
            "正常人",
            "--reason",
            "刷屏",
        ])
        .args(["--lang", "en", "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains("正常人 in 测试群: warn"));
}

#[test]
fn the_risk_board_has_the_queue_the_week_s_words_ad_share_and_records() {
    let (dir, db) = init_db();
    import(&db, &spam(dir.path()), "测试群");
    let store = shequn::store::Store::open(&db, "t").unwrap();
    let rules = shequn::domain::rules::Rules::shipped();
    let board =
        shequn::store::risk::board(store.conn(), &rules.risk, NOW, "2026-02-24", "2026-03-02")
            .unwrap();
    assert_eq!(board.incidents.len(), incidents(&db).len());
    // pending first, the most serious level first
    let levels: Vec<u8> = board.incidents.iter().map(|i| i.level).collect();
    let mut sorted = levels.clone();
    sorted.sort();
    assert_eq!(levels, sorted);
    // this week's words: the message of 30 days ago is not counted
    let words: Vec<&str> = board.top_words.iter().map(|w| w.word.as_str()).collect();
    assert_eq!(board.top_words.len(), 3, "{words:?}");
    assert!(
        board
            .top_words
            .iter()
            .all(|w| w.incidents == 1 && w.dismissed == 0)
    );
    assert!(!words.iter().any(|w| w.contains("代购")), "{words:?}");
    // every listed member's record came with it
    for i in &board.incidents {
        let m = i.member_id.unwrap();
        assert!(board.records.iter().any(|r| r.member_id == m), "{m}");
    }
    let group = board
        .ad_share
        .iter()
        .find(|a| a.group == "测试群")
        .expect("the group's ad share");
    assert!(group.messages > 0.0, "{group:?}");
    let share = group.share.unwrap();
    assert!((0.0..=1.0).contains(&share), "{group:?}");
    // a dismissed incident counts as a word's false positive
    let id = board.incidents[0].id.to_string();
    json(&db, &["risk", "act", &id, "dismiss", "--reason", "test"]);
    let words = shequn::store::risk::top_words(store.conn(), NOW - 7 * 86_400, 10).unwrap();
    assert_eq!(words.iter().map(|w| w.dismissed).sum::<i64>(), 1);
}
