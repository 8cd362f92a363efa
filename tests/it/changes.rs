//! Change signals by topic (issue 11), with two connections to one file as two
//! consoles have them: a heartbeat moves presence only, a write moves only its topics,
//! a member change names the member, an import is bulk, and a writer that bypasses
//! shequn (a plain SQLite connection, the sqlite3 shell) is still noticed. Then the
//! console's model: what each signal reloads, and a few members patched in place.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use shequn::app::keymap::Keymap;
use shequn::app::{ACTIONS, Action, App, Changed, Effect, Loaded, Tab, TodayData};
use shequn::clock::{DEFAULT_TZ, parse_now};
use shequn::domain::roles::Perm;
use shequn::domain::rules::Rules;
use shequn::i18n::Lang;
use shequn::store::Need;
use shequn::store::changes::{Topics, Versions, since};
use shequn::store::members::MemberChange;
use shequn::store::{Store, presence, views};

use crate::{NOW, fresh_demo};

fn now() -> DateTime<Utc> {
    parse_now(NOW, DEFAULT_TZ).unwrap()
}

/// A second console's view: its versions, and whether its data version moved.
struct Watcher {
    store: Store,
    seen: Versions,
}

impl Watcher {
    fn new(db: &std::path::Path) -> Watcher {
        let store = Store::open(db, "colleague").unwrap();
        let seen = Versions::read(store.conn()).unwrap();
        Watcher { store, seen }
    }

    /// What the console's store thread does on its next look.
    fn look(&mut self) -> Option<shequn::store::changes::Seen> {
        let dv = self.store.data_version().unwrap();
        if dv == self.seen.data_version {
            return None;
        }
        Some(since(self.store.conn(), &mut self.seen, true).unwrap())
    }
}

fn some_member(store: &Store) -> i64 {
    views::members(store.conn(), now().date_naive(), &Rules::shipped().points).unwrap()[0].id
}

#[test]
fn a_heartbeat_moves_presence_only_and_a_write_moves_only_its_topics() {
    let (_d, db) = fresh_demo();
    crate::set_role(&db, "me", "operator");
    let mut me = Store::open(&db, "me").unwrap();
    let mut other = Watcher::new(&db);
    assert!(other.look().is_none(), "nothing happened yet");

    // a console's heartbeat: presence, never a tab's topic
    let at = now().timestamp();
    me.write(Need::System, |tx, _| {
        presence::heartbeat(tx, "s1", "me", "host", "members", at)
    })
    .unwrap();
    let seen = other.look().expect("a commit was noticed");
    assert_eq!(seen.topics, Topics::PRESENCE);
    assert!(!seen.external);

    // a note on one member: the members topic, naming that member
    let id = some_member(&me);
    let rules = Rules::shipped();
    me.write(Perm::MemberTag, |tx, op| {
        shequn::store::members::change(
            tx,
            op,
            at,
            id,
            None,
            &MemberChange::Tag {
                name: "VIP".into(),
                remove: false,
            },
            &rules,
        )
    })
    .unwrap();
    let seen = other.look().unwrap();
    assert_eq!(
        seen.topics,
        Topics::MEMBERS,
        "a tag is a members change only"
    );
    assert_eq!(seen.members, Some(vec![id]));

    // two member changes before the next look: both named
    let id2 = id + 1;
    for (m, text) in [(id, "一"), (id2, "二")] {
        me.write(Perm::MemberPoints, |tx, op| {
            shequn::store::members::change(
                tx,
                op,
                at,
                m,
                None,
                &MemberChange::Points {
                    delta: 5,
                    reason: text.into(),
                },
                &rules,
            )
        })
        .unwrap();
    }
    let seen = other.look().unwrap();
    assert_eq!(seen.members, Some(vec![id, id2]));

    // an item of the day's checklist: the SOP topic, not members, content or KPIs
    let day: NaiveDate = now().date_naive();
    me.write(Need::System, |tx, _| {
        shequn::store::sop::materialize_day(tx, day, shequn::clock::DEFAULT_TZ).map(|_| ())
    })
    .unwrap();
    let _ = other.look();
    let item = views::today_open(me.conn(), day).unwrap()[0].clone();
    me.write(Perm::SopTick, |tx, op| {
        shequn::store::sop::change(
            tx,
            op,
            now(),
            DEFAULT_TZ,
            item.id,
            Some(item.version),
            &shequn::domain::sop::SopChange::Done { note: None },
        )
    })
    .unwrap();
    let seen = other.look().unwrap();
    assert!(seen.topics.contains(Topics::SOP), "{seen:?}");
    assert!(
        !seen
            .topics
            .intersects(Topics::MEMBERS | Topics::CONTENT | Topics::KPI | Topics::PRESENCE),
        "{seen:?}"
    );
}

#[test]
fn an_import_is_a_bulk_members_change_and_a_reimport_moves_nothing() {
    let (_d, db) = fresh_demo();
    let mut other = Watcher::new(&db);
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/import/wechatmsg.csv"
    );
    crate::bin()
        .args(["import", "chat", fixture, "--db"])
        .arg(&db)
        .assert()
        .success();
    let seen = other.look().unwrap();
    assert!(
        seen.topics.contains(Topics::MEMBERS | Topics::KPI),
        "{seen:?}"
    );
    assert_eq!(seen.members, None, "many members: reload them all");
    // the same file again adds nothing, so nobody reloads anything
    crate::bin()
        .args(["import", "chat", fixture, "--db"])
        .arg(&db)
        .assert()
        .success();
    if let Some(seen) = other.look() {
        assert!(seen.topics.is_empty() && !seen.external, "{seen:?}");
    }
}

#[test]
fn a_writer_that_bypasses_shequn_still_shows_up_as_everything_changed() {
    let (_d, db) = fresh_demo();
    let mut other = Watcher::new(&db);
    // a plain connection without shequn's hooks: the sqlite3 shell, a script
    let raw = Connection::open(&db).unwrap();
    raw.execute(
        "UPDATE members SET note = 'from the shell' WHERE id = 1",
        [],
    )
    .unwrap();
    let seen = other.look().expect("the data version moved");
    assert!(seen.external);
    assert_eq!(seen.topics, Topics::DATA);
    // and the sqlite3 shell itself, where the machine has it
    if std::process::Command::new("sqlite3")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let ok = std::process::Command::new("sqlite3")
            .arg(&db)
            .arg("UPDATE groups SET name = name || '!' WHERE id = 1")
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let seen = other.look().expect("the shell's commit was noticed");
        assert!(seen.external && seen.topics == Topics::DATA, "{seen:?}");
    }
}

fn app() -> App {
    App::new(
        Lang::En,
        Keymap::load(None, ACTIONS).unwrap(),
        Rules::shipped(),
        now(),
        DEFAULT_TZ,
        "t.db".into(),
        "me".into(),
    )
}

fn loaded_everywhere(a: &mut App, rows: Vec<views::MemberRow>) {
    let day = a.today_day;
    a.update(Action::Loaded(Loaded::Today(Box::new(TodayData {
        day,
        ..TodayData::default()
    }))));
    a.update(Action::Loaded(Loaded::Members(rows, None)));
    a.update(Action::Loaded(Loaded::Reminders(Vec::new())));
}

fn demo_rows(db: &std::path::Path) -> Vec<views::MemberRow> {
    let s = Store::open(db, "me").unwrap();
    views::members(s.conn(), now().date_naive(), &Rules::shipped().points).unwrap()
}

#[test]
fn a_signal_reloads_only_the_tabs_of_its_topics() {
    let (_d, db) = fresh_demo();
    let mut a = app();
    loaded_everywhere(&mut a, demo_rows(&db));
    assert_eq!(a.tab, Tab::Today);
    // content changed: Today shows the day's posts (reload now), Content when shown
    let fx = a.update(Action::Changed(Changed {
        topics: Topics::CONTENT,
        members: None,
    }));
    assert_eq!(fx, vec![Effect::Load(Tab::Today, a.today_day)]);
    assert!(a.content.stale && !a.members.stale && !a.reminders.stale && !a.kpi.stale);
    // a KPI value: nothing on Today moves
    a.update(Action::Loaded(Loaded::Today(Box::new(TodayData {
        day: a.today_day,
        ..TodayData::default()
    }))));
    let fx = a.update(Action::Changed(Changed {
        topics: Topics::KPI,
        members: None,
    }));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(!a.today.stale && !a.members.stale);
    // a few members, while Today shows: queued, patched when Members shows
    let fx = a.update(Action::Changed(Changed {
        topics: Topics::MEMBERS,
        members: Some(vec![7, 9]),
    }));
    assert!(fx.is_empty() && !a.members.stale, "{fx:?}");
    let fx = a.update(Action::GoTab(Tab::Members));
    assert!(fx.contains(&Effect::LoadMemberRows(vec![7, 9])), "{fx:?}");
    // on Members, a few members are patched, many reloaded
    let fx = a.update(Action::Changed(Changed {
        topics: Topics::MEMBERS,
        members: Some(vec![3]),
    }));
    assert_eq!(fx, vec![Effect::LoadMemberRows(vec![3])]);
    let fx = a.update(Action::Changed(Changed {
        topics: Topics::MEMBERS,
        members: None,
    }));
    assert_eq!(fx[0], Effect::Load(Tab::Members, a.today_day), "{fx:?}");
}

#[test]
fn patched_members_change_in_place_and_are_found_by_their_new_names() {
    let (_d, db) = fresh_demo();
    let mut a = app();
    let rows = demo_rows(&db);
    let n = rows.len();
    loaded_everywhere(&mut a, rows);
    a.update(Action::GoTab(Tab::Members));
    let mix_before = a.msearch.mix.unwrap();
    // a potential member of the list becomes core and is renamed
    let at = a
        .members
        .rows
        .iter()
        .position(|r| r.tier == "potential")
        .unwrap();
    let mut row = a.members.rows[at].clone();
    row.tier = "core".into();
    row.name = "谷雨晴".into();
    // and a membership nobody had seen joins
    let mut new = a.members.rows[0].clone();
    new.membership_id = 9_999_999;
    new.id = 8_888_888;
    new.name = "Zelda Quist".into();
    new.group_nickname = None;
    a.update(Action::Loaded(Loaded::MemberRows(vec![row, new])));
    assert_eq!(a.members.rows.len(), n + 1);
    assert_eq!(a.members.rows[at].name, "谷雨晴", "patched in place");
    let mix = a.msearch.mix.unwrap();
    assert!(
        mix[0] > mix_before[0],
        "the tier mix follows: {mix_before:?} → {mix:?}"
    );
    // found by the new name (and pinyin), not by the old one
    for (q, name) in [
        ("谷雨晴", "谷雨晴"),
        ("guyuqing", "谷雨晴"),
        ("zelda", "Zelda Quist"),
    ] {
        a.update(Action::Search);
        for c in q.chars() {
            a.update(Action::Input(c));
        }
        let shown: Vec<&str> = a
            .members
            .visible
            .iter()
            .map(|&i| a.members.rows[i].name.as_str())
            .collect();
        assert!(shown.contains(&name), "{q}: {shown:?}");
        // Esc keeps the filter, a second one clears it
        a.update(Action::Back);
        a.update(Action::Back);
    }
}
