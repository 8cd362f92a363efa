//! KPIs end to end: values of a hand-built fixture against hand computation, alert
//! episodes (one alert per broken rule, one task each, nothing on a second look, closed
//! on recovery), the incremental recompute, values WeChat tells (`import stats`, the
//! console's entry), the judgement at every command's start, `kpi`, `export kpi` and
//! `report daily` on the demo.

use chrono::{DateTime, NaiveDate, Utc};
use predicates::prelude::*;
use rusqlite::{Connection, params};
use serde_json::Value;
use shequn::domain::roles::Perm;
use shequn::store::Need;

use shequn::clock::{DEFAULT_TZ, parse_now};
use shequn::domain::keywords::Keywords;
use shequn::domain::kpi::Metric;
use shequn::domain::rules::Rules;
use shequn::store::Store;
use shequn::store::kpi::{self, KpiEnv, Refreshed};

use crate::{bin, dump, fresh_demo, shared_demo};

fn at(local: &str) -> DateTime<Utc> {
    parse_now(local, DEFAULT_TZ).unwrap()
}

fn ts(local: &str) -> i64 {
    at(local).timestamp()
}

fn fresh() -> (tempfile::TempDir, std::path::PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("k.db");
    let store = Store::create(&p, "tester").unwrap();
    (dir, p, store)
}

/// Recompute and judge as of `now`.
fn refresh(store: &mut Store, now: &str) -> Refreshed {
    let rules = Rules::shipped();
    let keywords = Keywords::shipped();
    let env = KpiEnv {
        now: at(now),
        tz: DEFAULT_TZ,
        rules: &rules,
        keywords: &keywords,
    };
    store
        .write(Need::System, |tx, op| kpi::refresh(tx, op, &env))
        .unwrap()
}

fn value(c: &Connection, group: i64, day: &str, m: Metric) -> Option<f64> {
    c.query_row(
        "SELECT value FROM kpi_daily WHERE group_id = ?1 AND day = ?2 AND metric = ?3",
        params![group, day, m.word()],
        |r| r.get(0),
    )
    .ok()
}

fn near(got: Option<f64>, want: f64, what: &str) {
    let got = got.unwrap_or_else(|| panic!("{what}: no value, wanted {want}"));
    assert!((got - want).abs() < 1e-9, "{what}: {got} != {want}");
}

fn count(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Group 1 (读书会测试群): 10 members, 1 of them staff; two days of chat.
/// Group 2 (长期群): 20 members, 61 days of one member's chat, two leaves in the last week.
fn fixture(store: &mut Store) {
    store
        .write(Need::System, |tx, _| {
            tx.execute_batch(
                "INSERT INTO groups (id, name, kind, platform, created_on)
                     VALUES (1, '读书会测试群', '兴趣型', 'personal', '2026-01-01'),
                            (2, '长期群', '知识型', 'wecom', '2025-06-01');",
            )?;
            for m in 1..=30 {
                let identity = if m == 1 { Some("staff") } else { None };
                tx.execute(
                    "INSERT INTO members (id, name, identity, created_at) VALUES (?1, ?2, ?3, 0)",
                    params![m, format!("成员{m}"), identity],
                )?;
            }
            // group 1: m1..m9 since before the export; m10 joins 03-01 10:00, m9 leaves 12:00
            for m in 1..=10 {
                let joined = (m == 10).then(|| ts("2026-03-01T10:00:00"));
                let left = (m == 9).then(|| ts("2026-03-01T12:00:00"));
                tx.execute(
                    "INSERT INTO memberships (group_id, member_id, joined_at, left_at) VALUES (1, ?1, ?2, ?3)",
                    params![m, joined, left],
                )?;
            }
            tx.execute(
                "INSERT INTO member_events (group_id, member_id, at, kind) VALUES (1, 10, ?1, 'join'), (1, 9, ?2, 'leave')",
                params![ts("2026-03-01T10:00:00"), ts("2026-03-01T12:00:00")],
            )?;
            for (m, day, n) in [
                (2, "2026-02-28", 25),
                (3, "2026-02-28", 3),
                (1, "2026-02-28", 2),
                (2, "2026-03-01", 4),
                (3, "2026-03-01", 2),
                (4, "2026-03-01", 1),
                (1, "2026-03-01", 2),
                (1, "2026-03-02", 1),
            ] {
                tx.execute(
                    "INSERT INTO activity_daily (group_id, member_id, day, messages) VALUES (1, ?1, ?2, ?3)",
                    params![m, day, n],
                )?;
            }
            // the messages of 03-01 and 03-02 (those of 02-28 were not kept: no content
            // metrics then)
            for (k, (time, m, text)) in [
                ("03-01T09:00", Some(3), "请问今天几点开始?"),
                ("03-01T09:10", Some(2), "我也想知道"),
                ("03-01T09:20", None, "成员10 加入了群聊"),
                ("03-01T09:30", Some(1), "晚上 8 点开始"),
                ("03-01T10:00", Some(4), "需要资料的加我微信"),
                ("03-01T12:00", Some(2), "有回放吗"),
                ("03-01T12:05", Some(2), "谢谢"),
                ("03-01T13:00", Some(2), "好的"),
                ("03-01T14:00", Some(1), "有的"),
                ("03-01T23:50", Some(3), "怎么报名"),
                ("03-02T00:20", Some(1), "点群公告里的链接"),
            ]
            .into_iter()
            .enumerate()
            {
                let kind = if m.is_some() { "text" } else { "system" };
                tx.execute(
                    "INSERT INTO messages (group_id, sent_at, key_hash, member_id, kind, content)
                     VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                    params![ts(&format!("2026-{time}:00")), k as i64, m, kind, text],
                )?;
            }
            // group 2: m11..m30; m12 leaves 02-25, m13 02-27
            for m in 11..=30 {
                let left = match m {
                    12 => Some(ts("2026-02-25T20:00:00")),
                    13 => Some(ts("2026-02-27T20:00:00")),
                    _ => None,
                };
                tx.execute(
                    "INSERT INTO memberships (group_id, member_id, left_at) VALUES (2, ?1, ?2)",
                    params![m, left],
                )?;
                if let Some(l) = left {
                    tx.execute(
                        "INSERT INTO member_events (group_id, member_id, at, kind) VALUES (2, ?1, ?2, 'leave')",
                        params![m, l],
                    )?;
                }
            }
            // m11: 2 a day for 30 days from 2025-12-31, then 1 a day to 2026-03-01
            let first = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
            for (i, day) in first.iter_days().take(61).enumerate() {
                tx.execute(
                    "INSERT INTO activity_daily (group_id, member_id, day, messages) VALUES (2, 11, ?1, ?2)",
                    params![day.to_string(), if i < 30 { 2 } else { 1 }],
                )?;
            }
            // as every writer of activity does: mark the days for the recompute
            tx.execute(
                "INSERT OR IGNORE INTO kpi_dirty SELECT DISTINCT group_id, day FROM activity_daily",
                [],
            )?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn metric_values_of_a_hand_built_fixture_match_hand_computation() {
    let (_d, p, mut store) = fresh();
    fixture(&mut store);
    refresh(&mut store, "2026-03-02T08:00:00");
    let c = Connection::open(&p).unwrap();
    let v = |g, d, m| value(&c, g, d, m);
    // 02-28: m1..m9 in the group (m10 joins the next day); 3 spoke, 30 messages
    near(v(1, "2026-02-28", Metric::Members), 9.0, "members 02-28");
    near(v(1, "2026-02-28", Metric::Messages), 30.0, "messages 02-28");
    near(v(1, "2026-02-28", Metric::Speakers), 3.0, "speakers 02-28");
    near(v(1, "2026-02-28", Metric::DauRate), 3.0 / 9.0, "dau 02-28");
    // m2 wrote 25 that day: more than 20 in 30 days, a KOL
    near(v(1, "2026-02-28", Metric::KolMessages), 25.0, "kol 02-28");
    near(
        v(1, "2026-02-28", Metric::KolShare),
        25.0 / 30.0,
        "kol share 02-28",
    );
    // no stored messages that day: no content metrics rather than zeros
    assert_eq!(v(1, "2026-02-28", Metric::AdShare), None);
    assert_eq!(v(1, "2026-02-28", Metric::FirstResponse), None);
    // 03-01: m10 in, m9 out: still 9; one join, one leave
    near(v(1, "2026-03-01", Metric::Members), 9.0, "members 03-01");
    near(v(1, "2026-03-01", Metric::Joins), 1.0, "joins");
    near(v(1, "2026-03-01", Metric::Leaves), 1.0, "leaves");
    near(v(1, "2026-03-01", Metric::Messages), 9.0, "messages 03-01");
    near(v(1, "2026-03-01", Metric::Speakers), 4.0, "speakers 03-01");
    near(v(1, "2026-03-01", Metric::DauRate), 4.0 / 9.0, "dau 03-01");
    near(
        v(1, "2026-03-01", Metric::MessagesPerMember),
        1.0,
        "per member",
    );
    near(
        v(1, "2026-03-01", Metric::MessagesPerSpeaker),
        9.0 / 4.0,
        "per speaker",
    );
    // m2 is still a KOL (29 in the window): 4 of 9
    near(
        v(1, "2026-03-01", Metric::KolShare),
        4.0 / 9.0,
        "kol share 03-01",
    );
    // one of the 9 member messages hits the 广告 list (加我微信); the system line is no one's
    near(v(1, "2026-03-01", Metric::AdMessages), 1.0, "ad messages");
    near(v(1, "2026-03-01", Metric::AdShare), 1.0 / 9.0, "ad share");
    // questions at 09:00 (staff at 09:30: 30 min), 12:00 (staff at 14:00: 120 min) and
    // 23:50 (staff at 00:20 the next day: 30 min); "我也想知道" is no question, the
    // staff's own lines are no member questions: the median is 30
    near(
        v(1, "2026-03-01", Metric::FirstResponse),
        30.0,
        "first response",
    );
    // 03-02: only the staff's answer
    near(v(1, "2026-03-02", Metric::Messages), 1.0, "messages 03-02");
    near(v(1, "2026-03-02", Metric::AdShare), 0.0, "ad share 03-02");
    assert_eq!(v(1, "2026-03-02", Metric::FirstResponse), None);
    // group 2 on 03-01: the last 30 days 30 messages, the 30 before 29 × 2 + 1 = 59
    near(
        v(2, "2026-03-01", Metric::MessageDecline),
        1.0 - 30.0 / 59.0,
        "decline",
    );
    // two of the 20 there at the end of 02-22 left in the 7 days to 03-01: 10%
    near(v(2, "2026-03-01", Metric::WeeklyExitRate), 0.1, "exit rate");
    near(v(2, "2026-03-01", Metric::Members), 18.0, "members g2");
    // nothing after the last day of chat: unknown, not zero
    assert_eq!(v(1, "2026-03-03", Metric::Messages), None);
    assert_eq!(v(2, "2026-03-02", Metric::Messages), None);
    assert_eq!(count(&c, "SELECT count(*) FROM kpi_dirty"), 0);
    // every computed value is marked so
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM kpi_daily WHERE source != 'computed'"
        ),
        0
    );
}

/// One day of group 1's chat for the episode test: `speakers` members writing `each`.
fn day_of_chat(store: &mut Store, day: &str, speakers: i64, each: i64) {
    store
        .write(Need::System, |tx, _| {
            for m in 1..=speakers {
                tx.execute(
                    "INSERT INTO activity_daily (group_id, member_id, day, messages) VALUES (1, ?1, ?2, ?3)",
                    params![m, day, each],
                )?;
            }
            kpi::mark_days(tx, [(1, day.parse().unwrap())])?;
            Ok(())
        })
        .unwrap();
}

fn episode_fixture(store: &mut Store) {
    store
        .write(Need::System, |tx, _| {
            tx.execute_batch(
                "INSERT INTO operators (login, role, created_at)
                     VALUES ('tester', 'owner', 0), ('li.na', 'operator', 0);
                 INSERT INTO groups (id, name, kind, platform, created_on, owner)
                     VALUES (1, '冷清群', '兴趣型', 'personal', '2025-01-01', 'li.na');",
            )?;
            for m in 1..=20 {
                tx.execute(
                    "INSERT INTO members (id, name, created_at) VALUES (?1, ?2, 0)",
                    params![m, format!("成员{m}")],
                )?;
                tx.execute(
                    "INSERT INTO memberships (group_id, member_id) VALUES (1, ?1)",
                    [m],
                )?;
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn three_low_days_open_one_alert_per_broken_rule_with_one_task_each_and_recovery_closes_them() {
    let (_d, p, mut store) = fresh();
    episode_fixture(&mut store);
    let c = Connection::open(&p).unwrap();
    let open = |c: &Connection| {
        let mut st = c
            .prepare("SELECT rule FROM alerts WHERE closed_at IS NULL ORDER BY rule")
            .unwrap();
        st.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    let tasks = |c: &Connection| {
        count(
            c,
            "SELECT count(*) FROM sop_instances WHERE alert_id IS NOT NULL",
        )
    };
    // 2 of 20 speak, one message each: 日活 10% (< 15%) and 1 message per speaker (< 2)
    day_of_chat(&mut store, "2026-03-01", 2, 1);
    let r = refresh(&mut store, "2026-03-02T08:00:00");
    assert!(r.opened.is_empty(), "one low day opens nothing");
    day_of_chat(&mut store, "2026-03-02", 2, 1);
    assert!(refresh(&mut store, "2026-03-03T08:00:00").opened.is_empty());
    day_of_chat(&mut store, "2026-03-03", 2, 1);
    let r = refresh(&mut store, "2026-03-04T08:00:00");
    // the third day: one alert per broken rule, not one per day
    let mut rules: Vec<&str> = r.opened.iter().map(|a| a.rule.as_str()).collect();
    rules.sort_unstable();
    assert_eq!(rules, ["dau_low", "messages_low"]);
    assert!(
        r.opened.iter().all(|a| a.since == "2026-03-01"),
        "{:?}",
        r.opened
    );
    assert_eq!(open(&c), ["dau_low", "messages_low"]);
    // one task each on the Today tab: the playbook step, for the group's owner, due
    let (title, slot, assignee, note, day): (String, String, Option<String>, String, String) = c
        .query_row(
            "SELECT s.title, s.slot, s.assignee, s.note, s.day FROM sop_instances s
             JOIN alerts a ON a.id = s.alert_id WHERE a.rule = 'dau_low'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(title, "启动应急预案: 发红包 / 请嘉宾分享");
    assert_eq!((slot.as_str(), day.as_str()), ("12:00", "2026-03-04"));
    assert_eq!(assignee.as_deref(), Some("li.na"));
    assert!(
        note.contains("日活率 10.0%") && note.contains("2026-03-01"),
        "{note}"
    );
    let msgs_task: String = c
        .query_row(
            "SELECT s.title FROM sop_instances s JOIN alerts a ON a.id = s.alert_id WHERE a.rule = 'messages_low'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(msgs_task, "发起话题讨论");
    assert_eq!(tasks(&c), 2);
    // the task is on that day's list, and stays on the next days' while the alert is open
    let today =
        shequn::store::views::today_open(store.conn(), "2026-03-05".parse().unwrap()).unwrap();
    assert_eq!(today.iter().filter(|r| r.item_id.is_none()).count(), 2);
    // a second look adds nothing: no alert, no task, no audit row, nothing to do
    let before = dump(&p);
    assert!(!kpi::needs_refresh(store.conn(), &Rules::shipped()).unwrap());
    let r = refresh(&mut store, "2026-03-04T09:00:00");
    assert!(r.opened.is_empty() && r.closed.is_empty());
    assert_eq!(dump(&p), before);
    // a fourth low day keeps the same episodes
    day_of_chat(&mut store, "2026-03-04", 2, 1);
    assert!(refresh(&mut store, "2026-03-05T08:00:00").opened.is_empty());
    assert_eq!(count(&c, "SELECT count(*) FROM alerts"), 2);
    assert_eq!(tasks(&c), 2);
    // one task done by hand; then the group recovers: 6 speak, 3 messages each
    let done_id: i64 = c
        .query_row(
            "SELECT s.id FROM sop_instances s JOIN alerts a ON a.id = s.alert_id WHERE a.rule = 'messages_low'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    store
        .write(Perm::SopTick, |tx, op| {
            shequn::store::sop::change(
                tx,
                op,
                at("2026-03-05T09:00:00"),
                DEFAULT_TZ,
                done_id,
                None,
                &shequn::domain::sop::SopChange::Done { note: None },
            )
        })
        .unwrap();
    day_of_chat(&mut store, "2026-03-05", 6, 3);
    let r = refresh(&mut store, "2026-03-06T08:00:00");
    let mut closed: Vec<&str> = r.closed.iter().map(|a| a.rule.as_str()).collect();
    closed.sort_unstable();
    assert_eq!(closed, ["dau_low", "messages_low"]);
    assert!(open(&c).is_empty());
    // the tasks stay on record: the done one as done, the other set aside with the reason
    assert_eq!(tasks(&c), 2);
    let states: Vec<(String, Option<String>)> = c
        .prepare("SELECT state, note FROM sop_instances WHERE alert_id IS NOT NULL ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(states[0].0, "skipped");
    assert!(
        states[0].1.as_deref().unwrap_or("").contains("已恢复"),
        "{states:?}"
    );
    assert_eq!(states[1].0, "done");
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM audit WHERE entity = 'alert' AND action IN ('open', 'close')"
        ),
        4
    );
    // a closed alert's task leaves the list of the next days
    let later =
        shequn::store::views::today_open(store.conn(), "2026-03-07".parse().unwrap()).unwrap();
    assert!(later.iter().all(|r| r.item_id.is_some()));
    // three more low days: a new episode, a new alert
    for d in ["2026-03-06", "2026-03-07", "2026-03-08"] {
        day_of_chat(&mut store, d, 2, 1);
    }
    let r = refresh(&mut store, "2026-03-09T08:00:00");
    assert_eq!(r.opened.len(), 2);
    assert!(r.opened.iter().all(|a| a.since == "2026-03-06"));
    assert_eq!(count(&c, "SELECT count(*) FROM alerts"), 4);
}

#[test]
fn the_recompute_is_incremental() {
    let (d, p, mut store) = fresh();
    fixture(&mut store);
    let full = refresh(&mut store, "2026-03-02T08:00:00");
    let c = Connection::open(&p).unwrap();
    // a message's text changes without its day being marked: not rescanned
    c.execute(
        "UPDATE messages SET content = '扫码领取福利,加我微信' WHERE group_id = 1 AND content = '好的'",
        [],
    )
    .unwrap();
    assert!(!kpi::needs_refresh(store.conn(), &Rules::shipped()).unwrap());
    near(
        value(&c, 1, "2026-03-01", Metric::AdShare),
        1.0 / 9.0,
        "untouched",
    );
    // an import adds a message to 03-01: only that day is marked and recounted
    let csv = d.path().join("day.csv");
    std::fs::write(&csv, "时间,发送人,内容\n2026-03-01 15:00:00,成员4,你好\n").unwrap();
    let records = shequn::import::open(
        &csv,
        Some(shequn::import::Format::Csv(
            shequn::import::parse_map("time=时间,sender=发送人,content=内容").unwrap(),
        )),
        DEFAULT_TZ,
    )
    .unwrap();
    let opts = shequn::store::import::ChatOptions {
        group: Some("读书会测试群"),
        platform: "personal",
        file: "day.csv",
        format: "csv",
        keywords: None,
    };
    let s = shequn::store::import::import_chat(
        &mut store,
        records,
        &opts,
        at("2026-03-02T09:00:00"),
        DEFAULT_TZ,
        &Rules::shipped(),
    )
    .unwrap();
    assert_eq!((s.messages, s.new_members), (1, 0));
    let marks: Vec<(i64, String)> = c
        .prepare("SELECT group_id, scope FROM kpi_dirty")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(marks, [(1, "2026-03-01".to_string())]);
    let again = refresh(&mut store, "2026-03-02T09:00:00");
    assert_eq!(again.groups, 1);
    assert!(
        again.writes < full.writes / 10,
        "{} of {}",
        again.writes,
        full.writes
    );
    near(
        value(&c, 1, "2026-03-01", Metric::Messages),
        10.0,
        "recounted",
    );
    // 10 member messages now, 2 of them ads
    near(
        value(&c, 1, "2026-03-01", Metric::AdShare),
        0.2,
        "rescanned",
    );
    // the day before is as it was
    near(value(&c, 1, "2026-02-28", Metric::Messages), 30.0, "02-28");
    // a member becoming staff marks their groups whole (first responses change)
    c.execute("UPDATE members SET identity = 'staff' WHERE id = 2", [])
        .unwrap();
    assert_eq!(
        count(&c, "SELECT count(*) FROM kpi_dirty WHERE scope = 'all'"),
        1
    );
}

#[test]
fn entered_values_win_over_counts_and_are_judged_at_once() {
    let (_d, p, mut store) = fresh();
    fixture(&mut store);
    refresh(&mut store, "2026-03-02T08:00:00");
    let rules = Rules::shipped();
    let keywords = Keywords::shipped();
    let env = KpiEnv {
        now: at("2026-03-02T09:00:00"),
        tz: DEFAULT_TZ,
        rules: &rules,
        keywords: &keywords,
    };
    let day: NaiveDate = "2026-03-01".parse().unwrap();
    // WeChat knows 12 members (an export does not see everyone) and 1 open of 12: 8.3%
    let r = store
        .write(Perm::KpiEnter, |tx, op| {
            kpi::enter(tx, op, 0, 1, day, Metric::Members, 12.0)?;
            kpi::enter(tx, op, 0, 1, day, Metric::Opens, 1.0)?;
            kpi::refresh(tx, op, &env)
        })
        .unwrap();
    let c = Connection::open(&p).unwrap();
    near(
        value(&c, 1, "2026-03-01", Metric::DauRate),
        4.0 / 12.0,
        "dau by WeChat's count",
    );
    near(
        value(&c, 1, "2026-03-01", Metric::OpenRate),
        1.0 / 12.0,
        "open rate",
    );
    assert!(
        r.opened
            .iter()
            .any(|a| a.rule == "open_low" && a.group == "读书会测试群")
    );
    // a later recount leaves WeChat's number alone
    c.execute(
        "UPDATE memberships SET left_at = ?1 WHERE group_id = 1 AND member_id = 8",
        [ts("2026-02-01T00:00:00")],
    )
    .unwrap();
    refresh(&mut store, "2026-03-02T10:00:00");
    near(value(&c, 1, "2026-03-01", Metric::Members), 12.0, "kept");
    near(
        value(&c, 1, "2026-02-28", Metric::Members),
        8.0,
        "recounted",
    );
    // derived metrics cannot be entered; negative counts neither
    let err = store
        .write(Perm::KpiEnter, |tx, op| {
            kpi::enter(tx, op, 0, 1, day, Metric::DauRate, 0.3)
        })
        .unwrap_err();
    assert!(err.to_string().contains("computed"), "{err}");
    assert!(
        store
            .write(Perm::KpiEnter, |tx, op| kpi::enter(
                tx,
                op,
                0,
                1,
                day,
                Metric::Opens,
                -1.0
            ))
            .is_err()
    );
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM audit WHERE action = 'enter' AND entity = 'kpi_daily'"
        ),
        2
    );
}

// ----- through the binary ------------------------------------------------------------

/// The shared helper, with the arguments in this file's order.
fn json(args: &[&str], db: &std::path::Path) -> Value {
    crate::json(db, args)
}

#[test]
fn kpi_json_has_groups_days_with_every_metric_and_alerts() {
    let v = json(&["kpi", "--days", "7"], shared_demo());
    let groups = v.as_array().unwrap();
    assert_eq!(groups.len(), 12);
    for g in groups {
        let days = g["days"].as_array().unwrap();
        assert_eq!(days.len(), 7, "{}", g["group"]);
        assert_eq!(days[6]["date"], "2026-03-02");
        for m in Metric::ALL {
            assert!(days[0].get(m.word()).is_some(), "{}", m.word());
        }
        assert!(g["stage"].is_string() && g["alerts"].is_array());
    }
    let decl = groups
        .iter()
        .find(|g| g["group"] == "杭州吃货联盟")
        .unwrap();
    let a = &decl["alerts"][0];
    assert_eq!(a["rule"], "dau_low");
    assert_eq!(a["since"], "2026-02-27");
    assert!(a["value"].as_f64().unwrap() < 0.15);
    assert!(a["task"].is_i64());
    let dau = decl["days"][6]["dau_rate"].as_f64().unwrap();
    assert!((0.05..0.15).contains(&dau), "{dau}");
    // one group, as a table of days
    bin()
        .args([
            "--lang",
            "en",
            "kpi",
            "--group",
            "杭州吃货联盟",
            "--days",
            "3",
            "--db",
        ])
        .arg(shared_demo())
        .assert()
        .success()
        .stdout(
            predicate::str::contains("2026-03-02")
                .and(predicate::str::contains("daily active rate")),
        );
    bin()
        .args(["kpi", "--group", "没有这个群", "--db"])
        .arg(shared_demo())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("group list"));
    // the summary: ranked groups, then the open alerts
    bin()
        .args(["--lang", "en", "kpi", "--db"])
        .arg(shared_demo())
        .assert()
        .success()
        .stdout(
            predicate::str::contains(
                "alert: 杭州吃货联盟 · daily active rate below the alarm line 3 days running",
            )
            .and(predicate::str::contains(
                "alert: 会员福利 VIP 群 · open rate below 20%",
            )),
        );
}

#[test]
fn export_kpi_is_one_csv_row_per_group_and_day() {
    let out = bin()
        .args([
            "export",
            "kpi",
            "--from",
            "2026-02-25",
            "--to",
            "2026-03-02",
            "--db",
        ])
        .arg(shared_demo())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..4], ["group", "date", "members", "joins"]);
    assert_eq!(header.len(), 2 + Metric::ALL.len());
    let rows: Vec<csv::StringRecord> = rdr.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 12 * 6);
    let dau = header.iter().position(|h| h == "dau_rate").unwrap();
    let last = rows
        .iter()
        .find(|r| &r[0] == "杭州吃货联盟" && &r[1] == "2026-03-02")
        .unwrap();
    let v: f64 = last[dau].parse().unwrap();
    assert!(v < 0.15, "{v}");
}

#[test]
fn import_stats_stores_wechat_numbers_and_opens_alerts_or_changes_nothing() {
    let (d, db) = fresh_demo();
    let file = d.path().join("stats.csv");
    std::fs::write(
        &file,
        "日期,群名,打开数,订单数,GMV\n2026-03-02,宠物用品团购群,30,2,\"1,299.00\"\n2026-03-01,宠物用品团购群,210,5,880\n",
    )
    .unwrap();
    bin()
        .args(["import", "stats"])
        .arg(&file)
        .arg("--db")
        .arg(&db)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("6 values").and(predicate::str::contains(
                "alert opened: 宠物用品团购群 · open rate (< 20.0%)",
            )),
        );
    let c = Connection::open(&db).unwrap();
    let (v, source): (f64, String) = c
        .query_row(
            "SELECT k.value, k.source FROM kpi_daily k JOIN groups g ON g.id = k.group_id
             WHERE g.name = '宠物用品团购群' AND k.day = '2026-03-02' AND k.metric = 'gmv'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((v, source.as_str()), (1299.0, "import"));
    let open_rate: f64 = c
        .query_row(
            "SELECT k.value FROM kpi_daily k JOIN groups g ON g.id = k.group_id
             WHERE g.name = '宠物用品团购群' AND k.day = '2026-03-02' AND k.metric = 'open_rate'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(open_rate < 0.2, "{open_rate}");
    // its task is on today's list
    let today = json(&["sop", "today"], &db);
    assert!(
        today
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["group"] == "宠物用品团购群" && r["title"] == "调整推送时间和标题")
    );
    // 企业微信's answer needs the group
    let wecom = d.path().join("stat.json");
    std::fs::write(
        &wecom,
        r#"{"errcode":0,"errmsg":"ok","items":[{"stat_time":1772380800,"data":{"new_member_cnt":3,"member_total":480,"member_has_msg":52,"msg_total":310,"chat_has_msg":1}}]}"#,
    )
    .unwrap();
    bin()
        .args(["import", "stats"])
        .arg(&wecom)
        .arg("--db")
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--group"));
    bin()
        .args(["import", "stats"])
        .arg(&wecom)
        .args(["--group", "职场穿搭福利群", "--db"])
        .arg(&db)
        .assert()
        .success();
    let members: f64 = c
        .query_row(
            "SELECT k.value FROM kpi_daily k JOIN groups g ON g.id = k.group_id
             WHERE g.name = '职场穿搭福利群' AND k.day = '2026-03-02' AND k.metric = 'members'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(members, 480.0);
    // a bad file: exit 1 with file and line, the database as it was
    let before = dump(&db);
    let bad = d.path().join("bad.csv");
    std::fs::write(
        &bad,
        "date,group,opens\n2026-03-01,宠物用品团购群,12\n2026-03-01,没有这个群,9\n",
    )
    .unwrap();
    bin()
        .args(["import", "stats"])
        .arg(&bad)
        .arg("--db")
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.csv:3").and(predicate::str::contains("没有这个群")));
    std::fs::write(&bad, "date,opens\n2026-03-01,many\n").unwrap();
    bin()
        .args(["import", "stats"])
        .arg(&bad)
        .args(["--group", "宠物用品团购群", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.csv:2"));
    assert_eq!(dump(&db), before);
}

#[test]
fn any_command_judges_alerts_first_when_the_data_changed() {
    let (_d, db) = fresh_demo();
    // another writer (an older shequn, a sync script) stores a poor open count and marks
    // the day, but judges nothing
    let c = Connection::open(&db).unwrap();
    c.execute_batch(
        "INSERT INTO kpi_daily (group_id, day, metric, value, source)
             SELECT id, '2026-03-02', 'opens', 20, 'manual' FROM groups WHERE name = '职场穿搭福利群';
         INSERT INTO kpi_dirty (group_id, scope)
             SELECT id, '2026-03-02' FROM groups WHERE name = '职场穿搭福利群';",
    )
    .unwrap();
    // the next commands, whatever they are, judge first — two at once make one alert
    // and one task: the alert and its task are there
    let run = || {
        bin()
            .args(["sop", "today", "--format", "json", "--db"])
            .arg(&db)
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(run);
        let b = s.spawn(run);
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
    let rows: Value = serde_json::from_slice(&a.stdout).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["group"] == "职场穿搭福利群" && r["title"] == "调整推送时间和标题"),
        "{rows}"
    );
    assert_eq!(count(&c, "SELECT count(*) FROM kpi_dirty"), 0);
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM alerts a JOIN groups g ON g.id = a.group_id
             WHERE g.name = '职场穿搭福利群' AND a.rule = 'open_low'"
        ),
        1
    );
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM sop_instances WHERE title = '调整推送时间和标题' AND alert_id IS NOT NULL
               AND group_id = (SELECT id FROM groups WHERE name = '职场穿搭福利群')"
        ),
        1
    );
    let n = count(&c, "SELECT count(*) FROM alerts WHERE closed_at IS NULL");
    // and the next one finds nothing to do
    let before = dump(&db);
    bin().args(["kpi", "--db"]).arg(&db).assert().success();
    assert_eq!(
        count(&c, "SELECT count(*) FROM alerts WHERE closed_at IS NULL"),
        n
    );
    assert_eq!(dump(&db), before);
}

#[test]
fn the_daily_report_of_the_demo_reads_well_in_both_languages() {
    let report = |lang: &str, date: Option<&str>| {
        let mut cmd = bin();
        cmd.args(["report", "daily", "--lang", lang, "--db"])
            .arg(shared_demo());
        if let Some(d) = date {
            cmd.args(["--date", d]);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let zh = report("zh", Some("2026-03-01"));
    for want in [
        "## 社群日报 · 2026-03-01 周日",
        "**SOP 完成** ",
        "**按运营**",
        "**KPI 预警** 2",
        "- ⚠ 杭州吃货联盟:日活率 10.9%(< 15.0%,连续 3 天),自 02-27\n  → 启动应急预案",
        "- ⚠ 会员福利 VIP 群:打开率 13.1%(< 20.0%),自 03-01\n  → 调整推送时间和标题",
        "**周环比**",
        "- ▼ 杭州吃货联盟",
    ] {
        assert!(zh.contains(want), "no {want:?} in\n{zh}");
    }
    // yesterday's checklist went mostly well, with a few items missed
    assert!(zh.contains("漏做"), "{zh}");
    let en = report("en", None);
    for want in [
        "## Community daily · Mon 2026-03-02",
        "**SOP done** ",
        "**KPI alerts** 2",
        "daily active rate 10.9% (< 15.0%, 3 days running) since 02-27",
        "**Reminders due** ",
        "**Week over week**",
    ] {
        assert!(en.contains(want), "no {want:?} in\n{en}");
    }
    // reminders in words (never a rule code), only what is due by 08:25, one per thing
    assert!(
        en.contains("Alert: daily active rate below the alarm line"),
        "{en}"
    );
    assert!(!en.contains("dau_low") && !en.contains("open_low"), "{en}");
    assert!(!en.contains("- 08:30 08:30"), "not due yet at 08:25: {en}");
    let greetings = en
        .lines()
        .filter(|l| l.contains("早安问候") && l.contains("杭州吃货联盟"))
        .count();
    assert_eq!(greetings, 1, "one line per item: {en}");
    // short lines for a chat window, lists rather than tables
    for text in [&zh, &en] {
        for line in text.lines() {
            assert!(!line.starts_with('|'), "{line}");
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= 90,
                "too long: {line}"
            );
        }
    }
}

// ----- the console's model --------------------------------------------------------------

fn key(code: crossterm::event::KeyCode) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE)
}

fn chars(app: &mut shequn::app::App, s: &str) -> Vec<shequn::app::Effect> {
    s.chars()
        .flat_map(|c| app.on_key(key(crossterm::event::KeyCode::Char(c))))
        .collect()
}

#[test]
fn kpi_keys_switch_days_and_metric_and_the_form_leaves_as_an_effect() {
    use crossterm::event::KeyCode;
    use shequn::app::kpi::{FormField, Value};
    use shequn::app::{ACTIONS, Action, App, Effect, Loaded, Mode, Tab};
    use shequn::domain::kpi::Frame;
    use shequn::store::kpi::{GroupKpi, KpiBoard};
    let mut app = App::new(
        shequn::i18n::Lang::En,
        shequn::app::keymap::Keymap::load(None, ACTIONS).unwrap(),
        Rules::shipped(),
        at(crate::NOW),
        DEFAULT_TZ,
        "t.db".into(),
        "me".into(),
    );
    let fx = app.update(Action::GoTab(Tab::Kpi));
    assert!(fx.iter().any(|f| matches!(f, Effect::Load(Tab::Kpi, _))));
    let end: NaiveDate = "2026-03-02".parse().unwrap();
    let row = |id: i64, name: &str| GroupKpi {
        group_id: id,
        group: name.into(),
        kind: "兴趣型".into(),
        created_on: "2025-01-01".into(),
        stage: None,
        frame: Frame::new(end, 1),
        health: None,
        rank: None,
        alerts: 0,
    };
    app.update(Action::Loaded(Loaded::Kpi(Box::new(KpiBoard {
        end,
        groups: vec![row(7, "杭州吃货联盟")],
        all: row(0, ""),
        alerts: Vec::new(),
        launch: Vec::new(),
    }))));
    assert_eq!(app.kpi.rows[0].group, "All groups");
    // v: 90 days and back; m: the next banded metric, round
    assert_eq!(app.kpi_view.days, 30);
    chars(&mut app, "v");
    assert_eq!(app.kpi_view.days, 90);
    chars(&mut app, "v");
    assert_eq!(app.kpi_view.days, 30);
    chars(&mut app, "m");
    assert_eq!(app.kpi_view.spark_metric(), Metric::MessageDecline);
    chars(&mut app, "mm");
    assert_eq!(app.kpi_view.spark_metric(), Metric::DauRate);
    // e on the all-groups row: nothing to enter a value for
    chars(&mut app, "e");
    assert_eq!(app.mode, Mode::Normal);
    assert!(app.flash.as_ref().is_some_and(|f| f.error));
    // on a group: the form, value first; a bad number stays in the form
    chars(&mut app, "je");
    let Mode::KpiForm(form) = &app.mode else {
        panic!("no form: {:?}", app.mode)
    };
    assert_eq!((form.group_id, form.field), (7, FormField::Value));
    assert_eq!(form.day, "2026-03-02");
    chars(&mut app, "lots");
    assert!(app.on_key(key(KeyCode::Enter)).is_empty());
    let Mode::KpiForm(form) = &app.mode else {
        panic!("form closed")
    };
    assert!(form.error.is_some());
    for _ in 0..4 {
        app.on_key(key(KeyCode::Backspace));
    }
    chars(&mut app, "1,299.5");
    // up to the metric: → picks the next one (clicks after opens)
    app.on_key(key(KeyCode::Up));
    app.on_key(key(KeyCode::Right));
    // a day that has not come is refused
    app.on_key(key(KeyCode::Up));
    for _ in 0..2 {
        app.on_key(key(KeyCode::Backspace));
    }
    chars(&mut app, "09");
    assert!(app.on_key(key(KeyCode::Enter)).is_empty());
    for _ in 0..2 {
        app.on_key(key(KeyCode::Backspace));
    }
    chars(&mut app, "01");
    let fx = app.on_key(key(KeyCode::Enter));
    assert_eq!(app.mode, Mode::Normal);
    match fx.as_slice() {
        [
            Effect::KpiEntry {
                group_id,
                day,
                metric,
                value,
                saved,
            },
        ] => {
            assert_eq!(*group_id, 7);
            assert_eq!(day.to_string(), "2026-03-01");
            assert_eq!(*metric, Metric::Clicks);
            assert_eq!(*value, Value(1299.5));
            assert!(saved.contains("杭州吃货联盟"), "{saved}");
        }
        other => panic!("{other:?}"),
    }
    // Esc leaves a form without an effect
    chars(&mut app, "e");
    assert!(app.on_key(key(KeyCode::Esc)).is_empty());
    assert_eq!(app.mode, Mode::Normal);
}
