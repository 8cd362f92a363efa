//! Reminders (issue 7): the engine under paused tokio time (fires on time without
//! polling, picks up another connection's reminder, nothing fires twice after a
//! restart, snooze and dismiss persist), planning from the SOP and the other sources,
//! the command line, a real-time `remind --watch`, and the toast that never takes the
//! keys.

use shequn::domain::roles::Perm;
use shequn::store::Need;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use predicates::prelude::*;
use serde_json::Value;
use tokio::sync::Notify;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use shequn::app::{Action, Effect, Mode, RemindChange, Tab};
use shequn::clock::{Clock, DEFAULT_TZ, RunningClock, parse_now};
use shequn::domain::rules::Rules;
use shequn::domain::sop::SopChange;
use shequn::i18n::Lang;
use shequn::reminders::{Backend, Direct, StepError, run, watch_changes};
use shequn::store::Store;
use shequn::store::reminders::{self as rem, NewReminder, ReminderRow, Step, Watcher};

use crate::{NOW, bin, init_db};

const BIN: &str = env!("CARGO_BIN_EXE_shequn");

fn now0() -> DateTime<Utc> {
    parse_now(NOW, DEFAULT_TZ).unwrap()
}

/// 2026-03-02 at `hhmm` in the team's zone.
fn at(hhmm: &str) -> DateTime<Utc> {
    parse_now(&format!("2026-03-02T{hhmm}:00"), DEFAULT_TZ).unwrap()
}

fn me() -> String {
    shequn::config::operator_login()
}

/// An ad-hoc reminder for me, written through its own connection as another process
/// would; `now` is when it is written.
fn add(db: &Path, now: DateTime<Utc>, due: DateTime<Utc>, title: &str) -> i64 {
    let mut s = Store::open(db, &me()).unwrap();
    let new = NewReminder {
        due_at: due.timestamp(),
        title: title.into(),
        group: None,
        for_login: Some(me()),
        body: None,
    };
    s.write(Perm::RemindOthers, |tx, op| rem::add(tx, op, now, &new))
        .unwrap()
        .id
}

fn get(db: &Path, id: i64) -> ReminderRow {
    rem::get(Store::open(db, &me()).unwrap().conn(), id).unwrap()
}

/// Counts the engine's steps: a timer that polled would step every second.
struct Counting {
    inner: Direct,
    steps: Arc<AtomicUsize>,
}

impl Backend for Counting {
    async fn step(&mut self, now: DateTime<Utc>) -> Result<Step, StepError> {
        self.steps.fetch_add(1, Ordering::SeqCst);
        self.inner.step(now).await
    }
}

/// What the engine reported: when (by its clock) and what fired.
type Fired = UnboundedReceiver<(DateTime<Utc>, Vec<ReminderRow>)>;

/// A console's engine on its own connection, as the console runs it.
fn engine(
    db: &Path,
    clock: &Arc<RunningClock>,
    wake: &Arc<Notify>,
) -> (tokio::task::JoinHandle<()>, Fired, Arc<AtomicUsize>) {
    let direct = Direct {
        store: Store::open(db, &me()).unwrap(),
        watcher: Watcher::new(&me(), clock.now()),
        tz: DEFAULT_TZ,
        rules: Rules::shipped(),
    };
    let steps = Arc::new(AtomicUsize::new(0));
    let backend = Counting {
        inner: direct,
        steps: Arc::clone(&steps),
    };
    let (tx, rx) = unbounded_channel();
    let c = Arc::clone(clock);
    let handle = tokio::spawn(run(
        backend,
        Arc::clone(clock) as Arc<dyn Clock>,
        Arc::clone(wake),
        move |step| {
            if !step.fired.is_empty() {
                let _ = tx.send((c.now(), step.fired));
            }
            true
        },
    ));
    (handle, rx, steps)
}

/// The data_version watcher a console's store thread runs, on its own connection.
fn watch(db: &Path, wake: &Arc<Notify>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(watch_changes(
        Store::open(db, &me()).unwrap(),
        Arc::clone(wake),
        Duration::from_millis(400),
    ))
}

fn ids(rows: &[ReminderRow]) -> Vec<i64> {
    rows.iter().map(|r| r.id).collect()
}

fn late(fired_at: DateTime<Utc>, due: DateTime<Utc>) -> TimeDelta {
    let l = fired_at - due;
    assert!(
        l >= TimeDelta::zero() && l <= TimeDelta::seconds(1),
        "fired {l} after its time"
    );
    l
}

#[tokio::test(start_paused = true)]
async fn a_reminder_fires_within_a_second_of_its_time_and_the_engine_does_not_poll() {
    let (_d, db) = init_db();
    let clock = Arc::new(RunningClock::starting_at(now0()));
    let soon = now0() + TimeDelta::seconds(90);
    let later = now0() + TimeDelta::hours(3);
    let a = add(&db, now0(), soon, "看福利推送的数据");
    let b = add(&db, now0(), later, "三小时后");
    let (h, mut fired, steps) = engine(&db, &clock, &Arc::new(Notify::new()));
    let (when, rows) = fired.recv().await.unwrap();
    assert_eq!(ids(&rows), vec![a]);
    late(when, soon);
    // a step at the start and one at the due time: the engine slept, it did not poll
    assert_eq!(steps.load(Ordering::SeqCst), 2);
    let (when, rows) = fired.recv().await.unwrap();
    assert_eq!(ids(&rows), vec![b]);
    late(when, later);
    // three hours in naps of at most 15 minutes
    let n = steps.load(Ordering::SeqCst);
    assert!(n <= 2 + 12 + 1, "{n} steps for three hours");
    assert_eq!(get(&db, a).fired_at, Some(soon.timestamp()));
    h.abort();
}

#[tokio::test(start_paused = true)]
async fn a_reminder_added_by_another_connection_is_picked_up() {
    let (_d, db) = init_db();
    let clock = Arc::new(RunningClock::starting_at(now0()));
    let wake = Arc::new(Notify::new());
    let (h, mut fired, steps) = engine(&db, &clock, &wake);
    let w = watch(&db, &wake);
    // nothing planned: the engine sleeps its longest nap
    tokio::time::sleep(Duration::from_secs(10)).await;
    let before = steps.load(Ordering::SeqCst);
    let due = clock.now() + TimeDelta::seconds(30);
    let id = add(&db, clock.now(), due, "另一个进程加的");
    let (when, rows) = tokio::time::timeout(Duration::from_secs(120), fired.recv())
        .await
        .expect("fired within two minutes")
        .unwrap();
    assert_eq!(ids(&rows), vec![id]);
    late(when, due);
    // woken by the change (one step), then at the due time (one more)
    assert!(steps.load(Ordering::SeqCst) - before <= 3);
    h.abort();
    w.abort();
}

#[tokio::test(start_paused = true)]
async fn after_a_restart_nothing_fires_twice() {
    let (_d, db) = init_db();
    let clock = Arc::new(RunningClock::starting_at(now0()));
    // fell due at 08:00 while no console was open, and one due in a minute
    let missed = add(&db, at("07:55"), at("08:00"), "没人在时到点的");
    let due = now0() + TimeDelta::seconds(60);
    let soon = add(&db, now0(), due, "一分钟后");
    let wake = Arc::new(Notify::new());
    let (h, mut fired, _) = engine(&db, &clock, &wake);
    // the one that fell due while nobody looked is shown at the start
    let (when, rows) = fired.recv().await.unwrap();
    assert_eq!(ids(&rows), vec![missed]);
    assert_eq!(when, now0());
    let (when, rows) = fired.recv().await.unwrap();
    assert_eq!(ids(&rows), vec![soon]);
    late(when, due);
    let first = (get(&db, missed), get(&db, soon));
    h.abort();
    // the console restarts a minute later and runs for a day
    tokio::time::sleep(Duration::from_secs(60)).await;
    let (h, mut fired, _) = engine(&db, &clock, &wake);
    let again = tokio::time::timeout(Duration::from_secs(86_400), fired.recv()).await;
    assert!(again.is_err(), "fired again after the restart: {again:?}");
    assert_eq!((get(&db, missed), get(&db, soon)), first);
    h.abort();
}

#[tokio::test(start_paused = true)]
async fn snooze_and_dismiss_persist_and_every_console_follows() {
    let (_d, db) = init_db();
    let clock = Arc::new(RunningClock::starting_at(now0()));
    let due = now0() + TimeDelta::seconds(60);
    let a = add(&db, now0(), due, "稍后再提醒的");
    let b = add(&db, now0(), due, "处理掉的");
    let wake = Arc::new(Notify::new());
    let (h, mut fired, _) = engine(&db, &clock, &wake);
    let w = watch(&db, &wake);
    let (_, rows) = fired.recv().await.unwrap();
    assert_eq!(ids(&rows), vec![a, b]);
    // another console snoozes one for 5 minutes and dismisses the other
    let snoozed_at = clock.now();
    {
        let mut other = Store::open(&db, &me()).unwrap();
        let (va, vb) = (get(&db, a).version, get(&db, b).version);
        other
            .write(Perm::RemindOwn, |tx, op| {
                rem::snooze(tx, op, snoozed_at, DEFAULT_TZ, a, Some(va), 5)
            })
            .unwrap();
        other
            .write(Perm::RemindOwn, |tx, op| {
                rem::dismiss(tx, op, snoozed_at, DEFAULT_TZ, b, Some(vb))
            })
            .unwrap();
        // a stale version is refused, not silently applied
        let stale = other.write(Perm::RemindOwn, |tx, op| {
            rem::dismiss(tx, op, snoozed_at, DEFAULT_TZ, a, Some(va))
        });
        assert!(
            matches!(stale, Err(shequn::store::StoreError::Stale { .. })),
            "{stale:?}"
        );
    }
    // what is stored, seen through a new connection
    let (ra, rb) = (get(&db, a), get(&db, b));
    assert_eq!(ra.state, "snoozed");
    assert_eq!(ra.snoozed_until, Some(snoozed_at.timestamp() + 300));
    assert_eq!(rb.state, "dismissed");
    assert_eq!(rb.dismissed_by, Some(me()));
    let conn = Store::open(&db, &me()).unwrap();
    assert!(
        rem::due(conn.conn(), &me(), clock.now().timestamp())
            .unwrap()
            .is_empty()
    );
    // the snoozed one comes back after 5 minutes, in this console too
    let (when, rows) = tokio::time::timeout(Duration::from_secs(600), fired.recv())
        .await
        .expect("the snoozed reminder came back")
        .unwrap();
    assert_eq!(ids(&rows), vec![a]);
    late(when, snoozed_at + TimeDelta::minutes(5));
    // the dismissed one never does (nothing changes any more: no need to watch)
    w.abort();
    let more = tokio::time::timeout(Duration::from_secs(3600), fired.recv()).await;
    assert!(more.is_err(), "{more:?}");
    h.abort();
}

#[test]
fn two_consoles_fire_a_reminder_once_and_both_show_it() {
    let (_d, db) = init_db();
    let id = add(&db, now0(), now0(), "一起看到的");
    let rules = Rules::shipped();
    let mut s1 = Store::open(&db, &me()).unwrap();
    let mut s2 = Store::open(&db, &me()).unwrap();
    let since = now0() - TimeDelta::seconds(5);
    let (mut w1, mut w2) = (Watcher::new(&me(), since), Watcher::new(&me(), since));
    let t = now0() + TimeDelta::seconds(1);
    let one = w1.step(&mut s1, t, DEFAULT_TZ, &rules).unwrap();
    let two = w2.step(&mut s2, t, DEFAULT_TZ, &rules).unwrap();
    assert_eq!(ids(&one.fired), vec![id]);
    assert_eq!(ids(&two.fired), vec![id], "the other console shows it too");
    // fired once: one audit row says so
    let fires: i64 = s1
        .conn()
        .query_row(
            "SELECT count(*) FROM audit WHERE entity = 'reminder' AND action = 'fire'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(fires, 1);
    // and neither reports it again
    assert!(
        w1.step(&mut s1, t, DEFAULT_TZ, &rules)
            .unwrap()
            .fired
            .is_empty()
    );
    assert!(
        w2.step(&mut s2, t, DEFAULT_TZ, &rules)
            .unwrap()
            .fired
            .is_empty()
    );
    // firing is not a colleague's change: dismissing what was on screen before it
    // fired (version 1) works
    s1.write(Perm::RemindOwn, |tx, op| {
        rem::dismiss(tx, op, t, DEFAULT_TZ, id, Some(1))
    })
    .unwrap();
    // a second console that saw it before that is told who got there first
    let again = s2.write(Perm::RemindOwn, |tx, op| {
        rem::dismiss(tx, op, t, DEFAULT_TZ, id, Some(1))
    });
    assert!(
        matches!(&again, Err(shequn::store::StoreError::Stale { by, .. }) if *by == me()),
        "{again:?}"
    );
}

/// A database with one group on the base SOP (08:30 greeting: offsets -10, 0, 15;
/// expires 10:00).
fn sop_db() -> (tempfile::TempDir, PathBuf) {
    let (d, db) = init_db();
    bin()
        .args([
            "group",
            "add",
            "宝妈育儿交流群",
            "--kind",
            "精细化运营型",
            "--sop",
        ])
        .args(["--db"])
        .arg(&db)
        .assert()
        .success();
    (d, db)
}

/// Today's morning greeting's reminders: (id, due, lead, state, resolved).
fn greeting(s: &Store) -> Vec<(i64, i64, i64, String, Option<String>)> {
    s.conn()
        .prepare(
            "SELECT id, due_at, lead_min, state, resolved FROM reminders
             WHERE source = 'sop' AND title = '08:30 早安问候' AND due_at < ?1
             ORDER BY due_at",
        )
        .unwrap()
        .query_map([at("12:00").timestamp()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn an_sop_item_is_reminded_before_at_and_after_its_slot_and_done_drops_the_nag() {
    let (_d, db) = sop_db();
    let rules = Rules::shipped();
    let mut s = Store::open(&db, &me()).unwrap();
    let plan = |s: &mut Store, t| {
        s.write(Need::System, |tx, op| {
            rem::plan(tx, op, t, DEFAULT_TZ, &rules, true)
        })
        .unwrap()
    };
    let fire = |s: &mut Store, t| {
        s.write(Need::System, |tx, op| rem::fire_due(tx, op, t, &me()))
            .unwrap()
    };
    plan(&mut s, at("08:00"));
    let g = greeting(&s);
    let dues: Vec<(i64, i64)> = g.iter().map(|r| (r.1, r.2)).collect();
    assert_eq!(
        dues,
        vec![
            (at("08:20").timestamp(), -10),
            (at("08:30").timestamp(), 0),
            (at("08:45").timestamp(), 15)
        ]
    );
    // planning again changes nothing, and so does not wake the other consoles
    let other = Store::open(&db, &me()).unwrap();
    let version = other.data_version().unwrap();
    assert!(!plan(&mut s, at("08:05")).changed());
    assert_eq!(other.data_version().unwrap(), version);
    // 08:21: "in 10 minutes"; 08:31: "now", which replaces it
    assert_eq!(fire(&mut s, at("08:21")), vec![g[0].0]);
    assert_eq!(fire(&mut s, at("08:31")), vec![g[1].0]);
    let g = greeting(&s);
    assert_eq!(
        (g[0].3.as_str(), g[0].4.as_deref()),
        ("dismissed", Some("superseded"))
    );
    // done at 08:40: the nag due at 08:45 is dropped, and the fired one closed
    let instance: i64 = s
        .conn()
        .query_row(
            "SELECT source_id FROM reminders WHERE id = ?1",
            [g[1].0],
            |r| r.get(0),
        )
        .unwrap();
    s.write(Perm::SopTick, |tx, op| {
        shequn::store::sop::change(
            tx,
            op,
            at("08:40"),
            DEFAULT_TZ,
            instance,
            None,
            &SopChange::Done { note: None },
        )
    })
    .unwrap();
    let planned = plan(&mut s, at("08:40"));
    assert!(planned.resolved.contains(&g[1].0) && planned.resolved.contains(&g[2].0));
    let g = greeting(&s);
    assert!(
        g[1..]
            .iter()
            .all(|r| r.3 == "dismissed" && r.4.as_deref() == Some("done")),
        "{g:?}"
    );
    assert!(fire(&mut s, at("08:46")).is_empty());
}

#[test]
fn a_console_opened_after_the_slot_nags_once_not_three_times() {
    let (_d, db) = sop_db();
    let mut s = Store::open(&db, &me()).unwrap();
    let mut w = Watcher::new(&me(), at("08:50"));
    let step = w
        .step(&mut s, at("08:50"), DEFAULT_TZ, &Rules::shipped())
        .unwrap();
    let greetings: Vec<&ReminderRow> = step
        .fired
        .iter()
        .filter(|r| r.title == "08:30 早安问候")
        .collect();
    assert_eq!(greetings.len(), 1, "{:?}", step.fired);
    assert_eq!(greetings[0].lead_min, Some(15));
    // Monday's 09:00 news ("in 10 minutes" fired with it) is what comes next
    assert_eq!(step.next, Some(at("09:00").timestamp()));
}

#[test]
fn a_database_left_alone_for_days_fires_what_was_asked_for_not_what_went_stale() {
    let (_d, db) = sop_db();
    let rules = Rules::shipped();
    let mut s = Store::open(&db, &me()).unwrap();
    // a new member who never spoke, warned about at 10:00 today
    s.conn()
        .execute_batch(&format!(
            "INSERT INTO members (id, name, created_at) VALUES (1, '张三', 0);
             INSERT INTO memberships (group_id, member_id, joined_at) VALUES (1, 1, {});",
            now0().timestamp() - 3 * 86_400
        ))
        .unwrap();
    // a console was open at 08:00 and planned the day, then nobody came for three days
    s.write(Need::System, |tx, op| {
        rem::plan(tx, op, at("08:00"), DEFAULT_TZ, &rules, true)
    })
    .unwrap();
    let asked = add(&db, at("08:00"), at("11:00"), "自己加的提醒");
    let later = at("08:00") + TimeDelta::days(3);
    let mut w = Watcher::new(&me(), later);
    let step = w.step(&mut s, later, DEFAULT_TZ, &rules).unwrap();
    let old: Vec<&ReminderRow> = step
        .fired
        .iter()
        .filter(|r| r.due_at < later.timestamp() - 86_400)
        .collect();
    assert_eq!(
        old.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![asked],
        "{old:?}"
    );
    let stale: Vec<(String, String)> = s
        .conn()
        .prepare(
            "SELECT DISTINCT source, resolved FROM reminders
             WHERE resolved IS NOT NULL AND due_at < ?1 ORDER BY 1, 2",
        )
        .unwrap()
        .query_map([at("12:00").timestamp()], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        stale,
        vec![
            ("member".to_string(), "stale".to_string()),
            ("sop".to_string(), "missed".to_string())
        ]
    );
}

#[test]
fn content_reviews_alerts_and_quiet_members_are_reminded_and_closed_when_dealt_with() {
    let (_d, db) = init_db();
    bin()
        .args(["group", "add", "杭州吃货联盟", "--kind", "兴趣型", "--db"])
        .arg(&db)
        .assert()
        .success();
    let mut s = Store::open(&db, &me()).unwrap();
    let now = now0().timestamp();
    let day = |back: i64| {
        (now0() - TimeDelta::days(back))
            .format("%Y-%m-%d")
            .to_string()
    };
    s.conn()
        .execute_batch(&format!(
            "INSERT INTO content_items (id, title, kind, form, state, slot, owner, created_at, updated_at, updated_by)
             VALUES (1, '周末探店', 'engage', 'article', 'scheduled', {slot}, 'li.na', {now}, {now}, 'li.na'),
                    (2, '3 月会员日福利', 'convert', 'article', 'review', NULL, 'li.na', {now}, {sub}, 'li.na');
             INSERT INTO content_groups VALUES (1, 1);
             INSERT INTO alerts (id, group_id, rule, since, value, opened_at) VALUES (1, 1, 'dau_low', '{d3}', 0.1, {alert});
             INSERT INTO members (id, name, created_at) VALUES (1, '张三', 0), (2, '李四', 0);
             INSERT INTO memberships (group_id, member_id, joined_at) VALUES (1, 1, {joined}), (1, 2, 0);
             INSERT INTO activity_daily VALUES (1, 2, '{d30}', 4);",
            slot = now + 7200,
            sub = now - 3600,
            alert = now - 600,
            joined = now - 3 * 86_400 - 7200,
            d3 = day(3),
            d30 = day(30),
        ))
        .unwrap();
    let rules = Rules::shipped();
    let plan = |s: &mut Store| {
        s.write(Need::System, |tx, op| {
            rem::plan(tx, op, now0(), DEFAULT_TZ, &rules, true)
        })
        .unwrap()
    };
    plan(&mut s);
    type Planned = (String, Option<String>, i64, Option<String>, String);
    let rows: Vec<Planned> = s
        .conn()
        .prepare(
            "SELECT source, kind, due_at, for_login, title FROM reminders ORDER BY source, kind",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let ten = at("10:00").timestamp();
    assert_eq!(
        rows,
        vec![
            ("alert".into(), None, now - 600, None, "dau_low".into()),
            (
                "content".into(),
                None,
                now + 7200 - 15 * 60,
                Some("li.na".into()),
                "周末探店".into()
            ),
            (
                "member".into(),
                Some("new_silent".into()),
                ten,
                None,
                "张三".into()
            ),
            (
                "member".into(),
                Some("recall".into()),
                ten,
                None,
                "李四".into()
            ),
            (
                "review".into(),
                None,
                now - 3600,
                None,
                "3 月会员日福利".into()
            ),
        ]
    );
    // each dealt with: published, reviewed, closed, both members spoke
    s.conn()
        .execute_batch(&format!(
            "UPDATE content_items SET state = 'published' WHERE id = 1;
             UPDATE content_items SET state = 'scheduled', updated_at = {now} WHERE id = 2;
             UPDATE alerts SET closed_at = {now} WHERE id = 1;
             INSERT INTO activity_daily VALUES (1, 1, '{d0}', 1), (1, 2, '{d0}', 2);",
            d0 = day(0)
        ))
        .unwrap();
    plan(&mut s);
    let why: Vec<(String, String)> = s
        .conn()
        .prepare("SELECT source, resolved FROM reminders WHERE state = 'dismissed' ORDER BY source, kind")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let why: Vec<(&str, &str)> = why.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(
        why,
        vec![
            ("alert", "closed"),
            ("content", "published"),
            ("member", "spoke"),
            ("member", "spoke"),
            ("review", "scheduled"),
        ]
    );
}

// --- the command line -----------------------------------------------------------------

/// The shared helper, with the arguments in this file's order.
fn json(args: &[&str], db: &std::path::Path) -> Value {
    crate::json(db, args)
}

#[test]
fn remind_add_due_snooze_and_dismiss_from_the_command_line() {
    let (_d, db) = init_db();
    let added = json(
        &[
            "remind",
            "add",
            "--at",
            "10m",
            "--title",
            "看福利推送的数据",
        ],
        &db,
    );
    let r = &added[0];
    assert_eq!(r["title"], "看福利推送的数据");
    assert_eq!(r["source"], "adhoc");
    assert_eq!(r["due_at"], "2026-03-02T08:35:00+08:00");
    assert_eq!(r["state"], "pending");
    assert_eq!(r["for"], me().as_str());
    let later = r["id"].as_i64().unwrap();
    // due now, for the team
    let now = json(
        &[
            "remind",
            "add",
            "--at",
            "2026-03-02 08:25",
            "--title",
            "现在",
            "--team",
        ],
        &db,
    );
    let id = now[0]["id"].as_i64().unwrap();
    let due = json(&["remind", "--due"], &db);
    let due = due.as_array().unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    for field in ["id", "title", "source", "group", "due_at", "state", "for"] {
        assert!(due[0].get(field).is_some(), "{field} missing: {}", due[0]);
    }
    assert_eq!(due[0]["id"], id);
    assert_eq!(due[0]["for"], Value::Null);
    assert_eq!(due[0]["section"], "due");
    // snooze: only the configured choices
    bin()
        .args([
            "remind",
            "snooze",
            &id.to_string(),
            "--minutes",
            "7",
            "--db",
        ])
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("5, 15, 60"));
    let s = json(
        &["remind", "snooze", &id.to_string(), "--minutes", "15"],
        &db,
    );
    assert_eq!(s[0]["state"], "snoozed");
    assert_eq!(s[0]["snoozed_until"], "2026-03-02T08:40:00+08:00");
    assert_eq!(json(&["remind", "--due"], &db), serde_json::json!([]));
    // dismiss, once
    let d = json(&["remind", "dismiss", &later.to_string()], &db);
    assert_eq!(d[0]["state"], "dismissed");
    assert_eq!(d[0]["dismissed_by"], me().as_str());
    for (args, says) in [
        (
            vec!["remind", "dismiss", &later.to_string()],
            "already dismissed",
        ),
        (vec!["remind", "dismiss", "999"], "not found"),
        (vec!["remind", "add", "--at", "soon", "--title", "x"], "10m"),
        (
            vec!["remind", "add", "--at", "2026-03-01 09:00", "--title", "x"],
            "passed",
        ),
        (
            vec![
                "remind",
                "add",
                "--at",
                "1h",
                "--title",
                "x",
                "--group",
                "没有这个群",
            ],
            "no group",
        ),
        (vec!["remind", "--due", "--watch"], "cannot be used with"),
    ] {
        bin()
            .args(&args)
            .arg("--db")
            .arg(&db)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(says));
    }
    // the list: what is coming, as a table and as CSV
    bin()
        .args(["--lang", "zh", "remind", "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains("现在").and(predicate::str::contains("稍后")));
    bin()
        .args(["remind", "--format", "csv", "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "id,title,text,source,kind,group,due_at",
        ));
}

/// `shequn remind --watch` on the real clock (or `SHEQUN_NOW`), its lines as they
/// come, with when they came.
struct Watching {
    child: Child,
    lines: std::sync::mpsc::Receiver<(Instant, String)>,
}

impl Watching {
    fn start(db: &Path, now: Option<&str>) -> Watching {
        let mut cmd = Command::new(BIN);
        cmd.args(["remind", "--watch", "--lang", "en", "--db"])
            .arg(db)
            .env_remove("SHEQUN_NOW")
            .env_remove("SHEQUN_DB")
            .env(
                "XDG_STATE_HOME",
                std::env::temp_dir().join("shequn-test-state"),
            )
            .env(
                "XDG_CONFIG_HOME",
                std::env::temp_dir().join("shequn-test-config-none"),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(n) = now {
            cmd.env("SHEQUN_NOW", n);
        }
        let mut child = cmd.spawn().unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { return };
                if tx.send((Instant::now(), line)).is_err() {
                    return;
                }
            }
        });
        Watching { child, lines }
    }

    fn next(&self, within: Duration) -> (Instant, String) {
        self.lines
            .recv_timeout(within)
            .unwrap_or_else(|e| panic!("no line within {within:?}: {e}"))
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig}");
    }

    /// The exit code, waiting at most `within`.
    fn exit(mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("still running {within:?} later");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn remind_watch_prints_each_reminder_within_a_second_of_its_time_and_ends_on_sigterm() {
    let (_d, db) = init_db();
    let (t0, wall0) = (Instant::now(), Utc::now());
    let instant = |t: DateTime<Utc>| t0 + (t - wall0).to_std().unwrap_or_default();
    let add_at = |due: DateTime<Utc>, title: &str| -> i64 {
        let out = bin()
            .env_remove("SHEQUN_NOW")
            .args(["remind", "add", "--at", &due.to_rfc3339(), "--title", title])
            .args(["--format", "json", "--db"])
            .arg(&db)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v[0]["id"].as_i64().unwrap()
    };
    // `remind add --at <in 3 s>`, then `remind --watch`
    let a = add_at(wall0 + TimeDelta::seconds(3), "in three seconds");
    let w = Watching::start(&db, None);
    // and one added by another process while it watches, due before the first
    std::thread::sleep(Duration::from_millis(300));
    let b = add_at(wall0 + TimeDelta::seconds(2), "added while watching");
    for (id, title) in [(b, "added while watching"), (a, "in three seconds")] {
        let (came, line) = w.next(Duration::from_secs(5));
        assert!(line.contains(&format!("#{id} {title}")), "{line}");
        // due at the whole second (rounded up, never early)
        let due_at = get(&db, id).due_at;
        let due = instant(DateTime::from_timestamp(due_at, 0).unwrap());
        let late = came.saturating_duration_since(due);
        assert!(
            came + Duration::from_millis(50) >= due && late < Duration::from_secs(1),
            "{line}: {late:?} late"
        );
        eprintln!("remind --watch: {title:?} printed {late:?} after its time");
    }
    let stop = Instant::now();
    w.signal("-TERM");
    assert_eq!(w.exit(Duration::from_secs(2)), Some(0));
    assert!(stop.elapsed() < Duration::from_secs(1));
}

#[test]
fn remind_watch_under_shequn_now_runs_on_from_there_and_ends_on_sighup_or_a_closed_pipe() {
    let (_d, db) = init_db();
    // SHEQUN_NOW is where the watch's clock starts; it then runs in real time
    bin()
        .args([
            "remind",
            "add",
            "--at",
            "+1s",
            "--title",
            "one second",
            "--db",
        ])
        .arg(&db)
        .assert()
        .success();
    let w = Watching::start(&db, Some(NOW));
    let (_, line) = w.next(Duration::from_secs(4));
    assert!(line.starts_with("08:25 #1 one second"), "{line}");
    w.signal("-HUP");
    assert_eq!(w.exit(Duration::from_secs(2)), Some(0));
    // the reader goes away while nothing is being written: it ends, quietly
    let mut child = Command::new(BIN)
        .args(["remind", "--watch", "--db"])
        .arg(&db)
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("shequn-test-state"),
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(child.stdout.take());
    let w = Watching {
        child,
        lines: std::sync::mpsc::channel().1,
    };
    assert_eq!(w.exit(Duration::from_secs(3)), Some(0));
}

// --- the console ------------------------------------------------------------------------

fn fired_row(id: i64, title: &str, group: &str) -> ReminderRow {
    ReminderRow {
        id,
        due_at: now0().timestamp(),
        title: title.into(),
        group: Some(group.into()),
        state: "fired".into(),
        for_login: None,
        snoozed_until: None,
        source: "sop".into(),
        source_id: Some(id),
        kind: None,
        lead_min: Some(-10),
        body: None,
        fired_at: Some(now0().timestamp()),
        dismissed_by: None,
        resolved: None,
        closed_at: None,
        version: 2,
    }
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

#[test]
fn a_toast_does_not_take_the_keys_from_the_script_editor_and_rings_only_if_asked() {
    let mut app = crate::screens::demo_app(Lang::Zh);
    app.update(Action::EditScript);
    assert_eq!(app.mode, Mode::Edit);
    let ed = app.editor.as_mut().unwrap();
    ed.textarea.select_all();
    ed.textarea.cut();
    for c in "早上好".chars() {
        app.on_key(key(c));
    }
    // three groups' greetings fire while the operator types
    let fired: Vec<ReminderRow> = ["宝妈育儿交流群3群", "杭州吃货联盟", "读书会·每月一本"]
        .iter()
        .enumerate()
        .map(|(i, g)| fired_row(i as i64 + 1, "08:30 早安问候", g))
        .collect();
    let fx = app.update(Action::Reminded(fired));
    assert_eq!(app.mode, Mode::Edit, "the toast took the focus");
    assert!(fx.iter().any(
        |f| matches!(f, Effect::ToastTimer { after, .. } if *after == Duration::from_secs(8))
    ));
    assert!(!fx.contains(&Effect::Bell), "the bell is off by default");
    for c in ",各位".chars() {
        app.on_key(key(c));
    }
    let text = app.editor.as_ref().unwrap().textarea.lines().join("\n");
    assert_eq!(text, "早上好,各位");
    let mut term = crate::screens::draw(&mut app, 100, 30);
    let screen = term.backend().to_string();
    assert!(screen.contains("提醒 · 3"), "{screen}");
    assert!(screen.contains("3 个群"), "{screen}");
    assert!(screen.contains("早上好,各位"), "{screen}");
    // the caret is still in the editor, after what was typed
    let pos = term.get_cursor_position().unwrap();
    let row: String = {
        let buf = term.backend().buffer();
        (0..buf.area.width)
            .map(|x| buf[(x, pos.y)].symbol().to_string())
            .collect()
    };
    // (the cell after a double-width character is blank)
    assert!(
        row.replace(' ', "").contains("早上好,各位"),
        "cursor on {row:?}"
    );
    term.show_cursor().unwrap();
    // keys in the editor leave the toast to its timer; an old timer leaves it alone
    let seq = app.toast.as_ref().unwrap().seq;
    app.update(Action::ToastExpired(seq - 1));
    assert!(app.toast.is_some());
    app.update(Action::ToastExpired(seq));
    assert!(app.toast.is_none());
    // in the list, the next key puts it away and still does its job
    app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert_eq!(app.mode, Mode::Normal);
    app.update(Action::Reminded(vec![fired_row(
        9,
        "09:00 行业早报",
        "杭州吃货联盟",
    )]));
    let before = app.today.selected;
    app.on_key(key('j'));
    assert!(app.toast.is_none());
    assert_eq!(app.today.selected, before + 1);
    // the bell rings when configured, and only for news
    app.rules.reminders.bell = true;
    let fx = app.update(Action::Reminded(vec![fired_row(
        10,
        "08:30 早安问候",
        "杭州吃货联盟",
    )]));
    assert!(fx.contains(&Effect::Bell));
    let fx = app.update(Action::Reminded(Vec::new()));
    assert!(
        !fx.contains(&Effect::Bell) && !fx.iter().any(|f| matches!(f, Effect::ToastTimer { .. }))
    );
}

#[test]
fn a_toast_draws_at_every_size_without_panicking() {
    let mut app = crate::screens::demo_app(Lang::Zh);
    let fired: Vec<ReminderRow> = (0..12)
        .map(|i| {
            fired_row(
                i,
                &format!("{i:02}:00 很长很长的提醒标题 {i}"),
                "考研数学互助群 2027",
            )
        })
        .collect();
    app.update(Action::Reminded(fired));
    for w in (0..=130).step_by(3) {
        for h in [0, 1, 3, 4, 5, 8, 23, 24, 30] {
            crate::screens::draw(&mut app, w, h);
        }
    }
    let s = crate::screens::draw(&mut app, 80, 24).backend().to_string();
    assert!(s.contains("提醒 · 12"), "{s}");
}

#[test]
fn reminders_tab_keys_dismiss_snooze_and_add() {
    let mut app = crate::screens::demo_app(Lang::En);
    app.update(Action::GoTab(Tab::Reminders));
    let first = app.reminders.current().map(|l| l.row.clone()).unwrap();
    assert_eq!(
        app.on_key(key('d')),
        vec![Effect::Remind(RemindChange::Dismiss {
            id: first.id,
            version: first.version
        })]
    );
    // snooze: 5 / 15 / 60 minutes, picked from a list
    app.on_key(key('s'));
    assert!(matches!(app.mode, Mode::Picker { .. }));
    app.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    assert_eq!(
        app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        vec![Effect::Remind(RemindChange::Snooze {
            id: first.id,
            version: first.version,
            minutes: 15
        })]
    );
    // add: a time, then what — from the palette on any tab too
    app.update(Action::GoTab(Tab::Members));
    app.on_key(key(':'));
    for c in "remind".chars() {
        app.on_key(key(c));
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(matches!(app.mode, Mode::Prompt { .. }), "{:?}", app.mode);
    app.on_paste("in 10 minutes check the offer's results");
    let fx = app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(
        fx,
        vec![Effect::Remind(RemindChange::Add {
            when: shequn::domain::when::When::In(TimeDelta::minutes(10)),
            title: "check the offer's results".into()
        })]
    );
    // not a time: said so, nothing written
    app.update(Action::AddReminder);
    app.on_paste("someday maybe");
    assert!(
        app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
            .is_empty()
    );
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("10m"))
    );
}

#[test]
fn fixing_the_slot_of_an_item_in_review_does_not_ask_the_team_again_but_a_resubmission_does() {
    use shequn::domain::content::{Form, Kind};
    use shequn::domain::keywords::Keywords;
    use shequn::store::content::{self, ContentInput, ContentStep};
    let (_d, db) = init_db();
    bin()
        .args(["group", "add", "杭州吃货联盟", "--kind", "兴趣型", "--db"])
        .arg(&db)
        .assert()
        .success();
    for login in ["li.na", "wang.lei"] {
        crate::set_role(&db, login, "operator");
    }
    let mut s = Store::open(&db, "li.na").unwrap();
    let rules = Rules::shipped();
    let keywords = Keywords::shipped();
    let t = now0().timestamp();
    let mut input = ContentInput {
        title: "周末探店".into(),
        body: "西湖边新开的小笼包".into(),
        kind: Kind::Engage,
        form: Form::Article,
        column: None,
        tags: Vec::new(),
        groups: vec![1],
        slot: None,
        owner: "li.na".into(),
        material_name: None,
    };
    let id = s
        .write(Perm::ContentDraft, |tx, op| {
            content::create(tx, op, t - 600, &input, DEFAULT_TZ)
        })
        .unwrap();
    s.write(Perm::ContentDraft, |tx, op| {
        content::step(
            tx,
            op,
            t - 500,
            id,
            None,
            &ContentStep::Submit,
            &rules,
            &keywords,
        )
    })
    .unwrap();
    let reviews = |s: &mut Store| -> Vec<(i64, Option<i64>)> {
        s.write(Need::System, |tx, op| {
            rem::plan(tx, op, now0(), DEFAULT_TZ, &rules, false)
        })
        .unwrap();
        s.conn()
            .prepare("SELECT due_at, closed_at FROM reminders WHERE source = 'review' ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        reviews(&mut s),
        vec![(t - 500, None)],
        "asked at submission"
    );
    // the author adds the slot while it waits for review: same request, no new one
    let v = content::get(s.conn(), id).unwrap().version;
    input.slot = Some(t + 86_400);
    s.write(Perm::ContentDraft, |tx, op| {
        content::save(tx, op, t - 400, id, v, &input, DEFAULT_TZ)
    })
    .unwrap();
    assert_eq!(content::get(s.conn(), id).unwrap().state.word(), "review");
    assert_eq!(reviews(&mut s), vec![(t - 500, None)], "no second request");
    // a colleague sends it back, the author submits again: a new request, the old closed
    let mut colleague = Store::open(&db, "wang.lei").unwrap();
    colleague
        .write(Perm::ContentReview, |tx, op| {
            content::step(
                tx,
                op,
                t - 300,
                id,
                None,
                &ContentStep::Reject {
                    reason: "标题再短一点".into(),
                    review: None,
                },
                &rules,
                &keywords,
            )
        })
        .unwrap();
    s.write(Perm::ContentDraft, |tx, op| {
        content::step(
            tx,
            op,
            t - 200,
            id,
            None,
            &ContentStep::Submit,
            &rules,
            &keywords,
        )
    })
    .unwrap();
    let r = reviews(&mut s);
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(r[0].1.is_some(), "the first request is closed: {r:?}");
    assert_eq!(r[1], (t - 200, None));
}

// --- bundles and expiry (issue 14) ------------------------------------------------------

/// A team database with six new members who never spoke, three in each of two groups,
/// whose "new and silent 3 days" warning falls due at 10:00 today.
fn quiet_newcomers() -> (tempfile::TempDir, PathBuf) {
    let (d, db) = init_db();
    for g in ["宝妈育儿群", "读书会"] {
        bin()
            .args(["group", "add", g, "--kind", "兴趣型", "--db"])
            .arg(&db)
            .assert()
            .success();
    }
    let joined = at("09:00").timestamp() - 3 * 86_400;
    let s = Store::open(&db, &me()).unwrap();
    for m in 1..=6 {
        let g = if m <= 3 { 1 } else { 2 };
        s.conn()
            .execute_batch(&format!(
                "INSERT INTO members (id, name, created_at) VALUES ({m}, '新人{m}', 0);
                 INSERT INTO memberships (group_id, member_id, joined_at) VALUES ({g}, {m}, {joined});"
            ))
            .unwrap();
    }
    (d, db)
}

fn plan_and_fire(s: &mut Store, now: DateTime<Utc>) -> Vec<i64> {
    let rules = Rules::shipped();
    s.write(Need::System, |tx, op| {
        rem::plan(tx, op, now, DEFAULT_TZ, &rules, true)?;
        rem::fire_due(tx, op, now, &me())
    })
    .unwrap()
}

/// (member, state, resolved) of every member warning.
fn member_states(s: &Store) -> Vec<(i64, String, Option<String>)> {
    s.conn()
        .prepare("SELECT source_id, state, resolved FROM reminders WHERE source = 'member' ORDER BY source_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_bundle_is_one_thing_to_do_dealt_with_at_once_audited_row_by_row_and_expires_after_a_day() {
    let (_d, db) = quiet_newcomers();
    let mut a = Store::open(&db, &me()).unwrap();
    let mut b = Store::open(&db, &me()).unwrap();
    let t = at("10:30");
    assert_eq!(plan_and_fire(&mut a, t).len(), 6);
    let due = rem::due(a.conn(), &me(), t.timestamp()).unwrap();
    assert_eq!(due.len(), 6);
    // six rows, one kind, one day: one thing to do in the status bar
    assert_eq!(
        rem::due_count(a.conn(), &me(), t.timestamp(), DEFAULT_TZ).unwrap(),
        1
    );
    let bundles: std::collections::HashSet<_> = due.iter().map(|r| r.bundle(DEFAULT_TZ)).collect();
    assert_eq!(bundles.len(), 1, "{bundles:?}");
    // an ad-hoc reminder is its own thing
    add(&db, t, t, "看福利推送的数据");
    plan_and_fire(&mut a, t);
    assert_eq!(
        rem::due_count(a.conn(), &me(), t.timestamp(), DEFAULT_TZ).unwrap(),
        2
    );

    // a colleague's console snoozes one of them meanwhile
    let first = due[0].id;
    b.write(Perm::RemindOwn, |tx, op| {
        rem::snooze(tx, op, t, DEFAULT_TZ, first, None, 60)
    })
    .unwrap();
    // this console's view of the bundle is stale: nothing at all is written
    let seen: Vec<(i64, Option<i64>)> = due.iter().map(|r| (r.id, Some(r.version))).collect();
    let e = a
        .write(Perm::RemindOwn, |tx, op| {
            rem::dismiss_many(tx, op, t, DEFAULT_TZ, &seen)
        })
        .unwrap_err();
    assert!(e.to_string().contains("since you loaded it"), "{e}");
    assert!(
        member_states(&a).iter().all(|(_, s, _)| s != "dismissed"),
        "{:?}",
        member_states(&a)
    );

    // the first group's due ones, as `remind dismiss --kind new_silent --group 宝妈育儿群`
    let g1 = rem::due_matching(
        a.conn(),
        &me(),
        t.timestamp(),
        DEFAULT_TZ,
        Some("new_silent"),
        Some("宝妈育儿群"),
        None,
    )
    .unwrap();
    assert_eq!(
        g1.iter().map(|r| r.source_id.unwrap()).collect::<Vec<_>>(),
        vec![2, 3],
        "the snoozed one is not due"
    );
    let seen: Vec<(i64, Option<i64>)> = g1.iter().map(|r| (r.id, None)).collect();
    let done = a
        .write(Perm::RemindOwn, |tx, op| {
            rem::dismiss_many(tx, op, t, DEFAULT_TZ, &seen)
        })
        .unwrap();
    assert_eq!(done.len(), 2);
    // each row is audited as its own dismissal, marked as part of a bundle of two
    let audited: Vec<(i64, String)> = b
        .conn()
        .prepare("SELECT entity_id, new FROM audit WHERE entity = 'reminder' AND action = 'dismiss' ORDER BY entity_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        audited.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        g1.iter().map(|r| r.id).collect::<Vec<_>>()
    );
    assert!(
        audited.iter().all(|(_, new)| new.contains("\"bulk\":2")),
        "{audited:?}"
    );
    // the other console sees them dismissed, by this operator
    for r in &g1 {
        let now = rem::get(b.conn(), r.id).unwrap();
        assert_eq!(
            (now.state.as_str(), now.dismissed_by.as_deref()),
            ("dismissed", Some(me().as_str()))
        );
    }
    // dismissing them again: already closed, skipped, nothing written
    let again = a
        .write(Perm::RemindOwn, |tx, op| {
            rem::dismiss_many(tx, op, t, DEFAULT_TZ, &seen)
        })
        .unwrap();
    assert!(again.is_empty());

    // a reminder fires once: planning and firing again changes nothing
    assert!(plan_and_fire(&mut b, at("10:31")).is_empty());
    // the snoozed one fires again when its snooze ends
    assert_eq!(plan_and_fire(&mut b, at("11:31")), vec![first]);

    // a day later: the warnings left alone expire a day after they (last) fired
    let next_day = |hhmm: &str| at(hhmm) + TimeDelta::days(1);
    plan_and_fire(&mut a, next_day("10:29"));
    let open = |s: &Store| {
        member_states(s)
            .into_iter()
            .filter(|(_, s, _)| s != "dismissed")
            .map(|(m, _, _)| m)
            .collect::<Vec<_>>()
    };
    assert_eq!(open(&a), vec![1, 4, 5, 6]);
    plan_and_fire(&mut a, next_day("10:31"));
    assert_eq!(
        open(&a),
        vec![1],
        "fired at 11:31 yesterday: open until 11:31"
    );
    plan_and_fire(&mut a, next_day("11:32"));
    assert_eq!(open(&a), Vec::<i64>::new());
    let stale = member_states(&a)
        .into_iter()
        .filter(|(_, _, why)| why.as_deref() == Some("stale"))
        .count();
    assert_eq!(stale, 4, "{:?}", member_states(&a));
    // and expiring did not fire anything again
    assert!(plan_and_fire(&mut a, next_day("11:33")).is_empty());
}

#[test]
fn remind_dismiss_and_snooze_by_kind_and_group_from_the_command_line() {
    let (_d, db) = quiet_newcomers();
    let run = |args: &[&str]| {
        bin()
            .env("SHEQUN_NOW", "2026-03-02T10:30:00")
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    let due = |db: &Path| {
        let out = bin()
            .env("SHEQUN_NOW", "2026-03-02T10:30:00")
            .args(["--format", "json", "remind", "--due", "--db"])
            .arg(db)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array().unwrap().len()
    };
    assert_eq!(due(&db), 6);
    // unknown kind or group: exit 1, said in the language asked for, nothing written
    let out = run(&["--lang", "zh", "remind", "dismiss", "--kind", "bogus"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("没有「bogus」这种提醒") && err.contains("new_silent (新人未发言)"),
        "{err}"
    );
    let out = run(&[
        "remind", "dismiss", "--kind", "recall", "--group", "nogroup",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(due(&db), 6);
    // the kind by its Chinese name, one group
    let out = run(&[
        "--format",
        "json",
        "remind",
        "dismiss",
        "--kind",
        "新人未发言",
        "--group",
        "读书会",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r["group"] == "读书会" && r["state"] == "dismissed")
    );
    assert_eq!(due(&db), 3);
    // the rest snoozed at once
    let out = run(&[
        "--format",
        "json",
        "remind",
        "snooze",
        "--kind",
        "new_silent",
        "--minutes",
        "60",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(due(&db), 0);
    // nothing left to match: said, and no error (a cron job found nothing to do)
    let out = run(&["remind", "dismiss", "--kind", "new_silent"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No due reminder matches")
            || String::from_utf8_lossy(&out.stderr).contains("没有符合条件的到点提醒")
    );
    // an id and a kind at once is refused
    let out = run(&["remind", "dismiss", "3", "--kind", "recall"]);
    assert!(!out.status.success());
}

#[test]
fn a_bundle_on_the_reminders_tab_opens_with_enter_and_one_key_deals_with_all_of_it() {
    use shequn::app::{RemindVerb, Tab};
    let enter = || KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    let mut app = crate::screens::demo_app(Lang::Zh);
    app.update(Action::GoTab(Tab::Reminders));
    let lines = app.reminders.rows.len();
    // the new members gone quiet yesterday are one line
    let pos = app
        .reminders
        .visible
        .iter()
        .position(|&i| {
            let l = &app.reminders.rows[i];
            l.row.kind.as_deref() == Some("new_silent") && !l.bundle.is_empty()
        })
        .expect("a bundle of quiet new members");
    app.reminders.selected = pos;
    let bundle = app.reminders.current().unwrap().clone();
    let n = bundle.bundle.len();
    assert!(n > 1);
    let term = crate::screens::draw(&mut app, 100, 30);
    let screen = format!("{:?}", term.backend());
    assert!(
        screen.contains(&format!("新人 3 天未发言 · {n} 人")),
        "{screen}"
    );
    // Enter lists them under it (names only: the line says what they are), the cursor
    // stays on the bundle; Enter again folds them
    assert!(app.on_key(enter()).is_empty());
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.reminders.rows.len(), lines + n);
    assert!(app.reminders.current().unwrap().open);
    let term = crate::screens::draw(&mut app, 100, 30);
    let screen = format!("{:?}", term.backend());
    assert!(
        screen.contains(&format!("  · {}", bundle.bundle[0].title)),
        "{screen}"
    );
    // d on the bundle: all of them, with the versions shown
    let all: Vec<(i64, i64)> = bundle.bundle.iter().map(|r| (r.id, r.version)).collect();
    assert_eq!(
        app.on_key(key('d')),
        vec![Effect::Remind(RemindChange::DismissAll {
            seen: all.clone()
        })]
    );
    // s on the bundle: the picker, then all of them for 15 minutes
    app.on_key(key('s'));
    assert!(matches!(app.mode, Mode::Picker { .. }));
    app.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    assert_eq!(
        app.on_key(enter()),
        vec![Effect::Remind(RemindChange::SnoozeAll {
            seen: all,
            minutes: 15
        })]
    );
    // on one of its reminders: that one
    app.on_key(key('j'));
    let one = app.reminders.current().unwrap().clone();
    assert!(one.inner && one.bundle.is_empty());
    assert_eq!(
        app.on_key(key('d')),
        vec![Effect::Remind(RemindChange::Dismiss {
            id: one.row.id,
            version: one.row.version
        })]
    );
    app.on_key(key('k'));
    app.on_key(enter());
    assert_eq!(app.reminders.rows.len(), lines);
    // done: said in the console's language, as one thing
    app.update(Action::RemindSaved(Ok((
        RemindVerb::DismissedAll { n, groups: 3 },
        Box::new(bundle.row.clone()),
    ))));
    assert_eq!(
        app.flash.as_ref().unwrap().text,
        format!("已处理:新人 3 天未发言 · {n} 人")
    );
}
