//! Roles (issue 12), table-driven against the permission table (`data/roles.toml`): every
//! write command of the CLI, every writing key of the console (through `App::update`)
//! and every write the console's store thread makes (through its handlers), for each
//! role, for a login the team has not added, and under `--readonly`. Allowed writes go
//! through; a refused one exits 1 (or answers in the status line) naming the role it
//! needs, and changes nothing: every table's row count and the audit log are the same
//! before and after (and the `writes` change signal, which every shequn commit that
//! changes a row moves).
//!
//! Identity is the OS login: each case gives the login running the tests a role in
//! its copy of the demo's `operators` (or takes its row away).

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use shequn::app::launch::{KitChange, LaunchInput};
use shequn::app::{Action, App, Effect, Mode, RemindChange, Tab};
use shequn::clock::{DEFAULT_TZ, parse_now};
use shequn::console::StoreEnv;
use shequn::console::handlers;
use shequn::domain::content::{Check, Form, Kind};
use shequn::domain::kpi::Metric;
use shequn::domain::roles::{Access, Perm, Permissions, Role};
use shequn::domain::rules::Rules;
use shequn::domain::sop::SopChange;
use shequn::i18n::Lang;
use shequn::store::content::{ContentInput, ContentStep, ResultsInput, ReviewInput};
use shequn::store::members::MemberChange;
use shequn::store::{Store, StoreError};

use crate::{NOW, bin, fresh_demo, set_role};

/// Who runs the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Is(Role),
    /// No row in `operators` (li.na is made an owner, to be named).
    Unknown,
    /// The demo's owner with `--readonly`.
    ReadOnly,
}

const EVERYONE: [Who; 6] = [
    Who::Is(Role::Viewer),
    Who::Is(Role::Assistant),
    Who::Is(Role::Operator),
    Who::Is(Role::Owner),
    Who::Unknown,
    Who::ReadOnly,
];

impl Who {
    /// The role the store should find.
    fn role(self) -> Role {
        match self {
            Who::Is(r) => r,
            Who::Unknown => Role::Viewer,
            Who::ReadOnly => Role::Owner,
        }
    }

    fn allows(self, perm: Perm) -> bool {
        self != Who::ReadOnly && Permissions::shipped().allows(self.role(), perm)
    }
}

fn me() -> String {
    shequn::config::operator_login()
}

/// A demo copy where the login running the tests is `who`.
fn demo_as(who: Who) -> (tempfile::TempDir, PathBuf) {
    let (d, db) = fresh_demo();
    match who {
        Who::Is(r) => set_role(&db, &me(), r.word()),
        Who::Unknown => {
            set_role(&db, "li.na", "owner");
            let c = Connection::open(&db).unwrap();
            c.execute("DELETE FROM operators WHERE login = ?1", [me()])
                .unwrap();
        }
        Who::ReadOnly => set_role(&db, &me(), "owner"),
    }
    (d, db)
}

/// What a refusal must leave as it was: every table's row count, every audit row and
/// the change signals (`writes` moves on every commit of shequn's that changes a row).
fn fingerprint(db: &Path) -> String {
    let c = Connection::open(db).unwrap();
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = String::new();
    for t in &tables {
        let n: i64 = c
            .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
            .unwrap();
        out.push_str(&format!("{t} {n}\n"));
    }
    for q in [
        "SELECT * FROM audit ORDER BY id",
        "SELECT topic, version FROM change_topics ORDER BY topic",
    ] {
        let mut st = c.prepare(q).unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                let v: rusqlite::types::Value = r.get(i).unwrap();
                out.push_str(&format!("{v:?}|"));
            }
            out.push('\n');
        }
    }
    out
}

fn ids(db: &Path, sql: &str, params: &[&dyn rusqlite::ToSql], n: usize) -> Vec<i64> {
    let c = Connection::open(db).unwrap();
    let found: Vec<i64> = c
        .prepare(sql)
        .unwrap()
        .query_map(params, |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(found.len() >= n, "{sql}: {found:?}");
    found
}

/// What a refusal for `perm` must say (English), for `who`.
fn check_refusal(who: Who, perm: Perm, text: &str, what: &str) {
    if who == Who::ReadOnly {
        assert!(text.contains("read-only (--readonly)"), "{what}: {text}");
        return;
    }
    let needs = Permissions::shipped().needs(perm);
    assert!(
        text.contains(&format!("needs the {} role", needs.word())),
        "{what}: {text}"
    );
    if who == Who::Unknown {
        assert!(text.contains("li.na"), "{what}: the owner is named: {text}");
        assert!(
            text.contains(&format!("`shequn operator add {} --role operator", me())),
            "{what}: the command that adds them: {text}"
        );
    } else {
        assert!(
            text.contains(&format!("you ({}) are {}", me(), who.role().word())),
            "{what}: {text}"
        );
    }
}

// --- the CLI ---------------------------------------------------------------------------

/// Every write command of the CLI on the demo, each on its own target so they can all
/// run on one copy, with what it needs. (`init` and `demo` make a new file, which is
/// anyone's to make; see `readonly_refuses_every_write_and_reads_change_nothing`.)
fn write_commands(dir: &Path, db: &Path) -> Vec<(Vec<String>, Perm)> {
    let me = me();
    let today = "2026-03-02";
    let todo = ids(
        db,
        "SELECT id FROM sop_instances WHERE day = ?1 AND state = 'todo' AND item_id IS NOT NULL ORDER BY id",
        &[&today],
        3,
    );
    let done = ids(
        db,
        "SELECT id FROM sop_instances WHERE day = ?1 AND state = 'done' ORDER BY id",
        &[&today],
        0,
    );
    let done = done.first().copied().unwrap_or_else(|| {
        ids(
            db,
            "SELECT id FROM sop_instances WHERE state = 'done' ORDER BY id DESC",
            &[],
            1,
        )[0]
    });
    let content = |state: &str, n: usize| {
        ids(
            db,
            "SELECT id FROM content_items WHERE state = ?1 AND author <> ?2 ORDER BY id",
            &[&state, &me],
            n,
        )
    };
    let (draft, review, scheduled, published) = (
        content("draft", 2),
        content("review", 2),
        content("scheduled", 2),
        content("published", 1),
    );
    let draft_version = ids(
        db,
        "SELECT version FROM content_items WHERE id = ?1",
        &[&draft[0]],
        1,
    )[0];
    let team_reminders = ids(
        db,
        "SELECT id FROM reminders WHERE state IN ('pending', 'fired') AND for_login IS NULL
         AND source = 'member' ORDER BY id",
        &[],
        2,
    );
    let fixture = |f: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/import")
            .join(f)
            .display()
            .to_string()
    };
    let stats = dir.join("stats.csv");
    std::fs::write(&stats, "日期,群名,打开数\n2026-03-01,宠物用品团购群,30\n").unwrap();
    let results = dir.join("results.csv");
    std::fs::write(&results, format!("id,opens\n{},5\n", published[0])).unwrap();
    let body = dir.join("body.txt");
    std::fs::write(&body, "周末一起去西湖边吃小笼包\n").unwrap();
    let team_rules = dir.join("team.toml");
    std::fs::write(&team_rules, "[points]\ndaily_cap = 40\n").unwrap();
    let team_words = dir.join("words.txt");
    std::fs::write(&team_words, "# ours\n刷好评\n").unwrap();
    let s = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    let id = |i: i64| i.to_string();
    vec![
        // reminders first: the imports below plan and close member reminders
        (
            s(&["remind", "dismiss", &id(team_reminders[0])]),
            Perm::RemindOwn,
        ),
        (
            s(&[
                "remind",
                "snooze",
                &id(team_reminders[1]),
                "--minutes",
                "15",
            ]),
            Perm::RemindOwn,
        ),
        (
            s(&["remind", "add", "--at", "10m", "--title", "我的"]),
            Perm::RemindOwn,
        ),
        (
            s(&[
                "remind",
                "add",
                "--at",
                "10m",
                "--title",
                "给我的",
                "--for",
                &me,
            ]),
            Perm::RemindOwn,
        ),
        (
            s(&["remind", "add", "--at", "10m", "--title", "全队", "--team"]),
            Perm::RemindOthers,
        ),
        (
            s(&[
                "remind",
                "add",
                "--at",
                "10m",
                "--title",
                "给李娜",
                "--for",
                "li.na",
            ]),
            Perm::RemindOthers,
        ),
        (s(&["sop", "done", &id(todo[0])]), Perm::SopTick),
        (s(&["sop", "undo", &id(done)]), Perm::SopTick),
        (
            s(&["sop", "skip", &id(todo[1]), "--reason", "停电"]),
            Perm::SopTick,
        ),
        (s(&["sop", "claim", &id(todo[2])]), Perm::SopTick),
        (
            s(&[
                "sop",
                "apply",
                "interest",
                "--group",
                "杭州吃货联盟",
                "--at",
                "morning=09:00",
            ]),
            Perm::SopApply,
        ),
        (
            s(&["group", "add", "新开的群", "--kind", "兴趣型"]),
            Perm::GroupEdit,
        ),
        (
            s(&["group", "edit", "杭州吃货联盟", "--platform", "wecom"]),
            Perm::GroupEdit,
        ),
        (
            s(&["operator", "add", "new.person", "--role", "assistant"]),
            Perm::OperatorGrant,
        ),
        (s(&["operator", "remove", "chen.jie"]), Perm::OperatorGrant),
        // team settings: thresholds are the owner's, keyword lists an operator's
        (
            s(&["settings", "set", "kpi.dau_rate.alarm", "0.2"]),
            Perm::SettingsEdit,
        ),
        (
            s(&["settings", "unset", "kpi.dau_rate.alarm"]),
            Perm::SettingsEdit,
        ),
        (
            s(&["settings", "import", &team_rules.display().to_string()]),
            Perm::SettingsEdit,
        ),
        (
            s(&["keywords", "add", "团购代拍", "--category", "ad"]),
            Perm::KeywordsEdit,
        ),
        (
            s(&["keywords", "remove", "加我微信", "--category", "ad"]),
            Perm::KeywordsEdit,
        ),
        (
            s(&[
                "keywords",
                "import",
                &team_words.display().to_string(),
                "--category",
                "fraud",
            ]),
            Perm::KeywordsEdit,
        ),
        (
            s(&["import", "chat", &fixture("wechatmsg.csv")]),
            Perm::Import,
        ),
        (
            s(&[
                "import",
                "members",
                &fixture("roster.csv"),
                "--group",
                "读书会·每月一本",
                // the fixture replaces the demo group's members: past the roster guard
                "--force",
            ]),
            Perm::Import,
        ),
        (
            s(&["import", "orders", &fixture("orders.csv")]),
            Perm::Import,
        ),
        (
            s(&["import", "stats", &stats.display().to_string()]),
            Perm::Import,
        ),
        (
            s(&["import", "results", &results.display().to_string()]),
            Perm::Import,
        ),
        (
            s(&[
                "content",
                "add",
                "--title",
                "周末探店",
                "--body-file",
                &body.display().to_string(),
                "--kind",
                "engage",
                "--group",
                "杭州吃货联盟",
            ]),
            Perm::ContentDraft,
        ),
        (
            s(&[
                "content",
                "edit",
                &id(draft[0]),
                "--expect-version",
                &id(draft_version),
                "--title",
                "新标题",
            ]),
            Perm::ContentDraft,
        ),
        (s(&["content", "submit", &id(draft[1])]), Perm::ContentDraft),
        (
            s(&["content", "approve", &id(review[0]), "--override", "测试"]),
            Perm::ContentReview,
        ),
        (
            s(&["content", "reject", &id(review[1]), "--reason", "标题太长"]),
            Perm::ContentReview,
        ),
        (
            s(&["content", "publish", &id(scheduled[0])]),
            Perm::ContentPublish,
        ),
        (
            s(&["content", "unschedule", &id(scheduled[1])]),
            Perm::ContentPublish,
        ),
        (
            s(&["content", "results", &id(published[0]), "--opens", "3"]),
            Perm::ContentPublish,
        ),
    ]
}

/// Run every write command as `who`; returns how many ran.
fn cli_matrix(who: Who) -> usize {
    let (d, db) = demo_as(who);
    // what every command and console keeps up to date (the day's items, planned
    // reminders, KPI judgement) is nobody's edit and done first, so a refused command
    // below has nothing else to write either
    for warm in [&["sop", "today"][..], &["remind"][..]] {
        bin().args(warm).arg("--db").arg(&db).assert().success();
    }
    let cmds = write_commands(d.path(), &db);
    // the matrix covers every kind of write the CLI has
    for p in [
        Perm::SopTick,
        Perm::SopApply,
        Perm::GroupEdit,
        Perm::OperatorGrant,
        Perm::Import,
        Perm::ContentDraft,
        Perm::ContentReview,
        Perm::ContentPublish,
        Perm::RemindOwn,
        Perm::RemindOthers,
        Perm::SettingsEdit,
        Perm::KeywordsEdit,
    ] {
        assert!(cmds.iter().any(|(_, q)| *q == p), "{}", p.word());
    }
    for (args, perm) in &cmds {
        let before = fingerprint(&db);
        let mut c = bin();
        c.args(args).args(["--lang", "en", "--db"]).arg(&db);
        if who == Who::ReadOnly {
            c.arg("--readonly");
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let what = format!("{who:?} {}", args.join(" "));
        if who.allows(*perm) {
            assert!(out.status.success(), "{what}: allowed, but: {err}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{what}: {err}");
            check_refusal(who, *perm, &err, &what);
            assert_eq!(
                fingerprint(&db),
                before,
                "{what}: a refusal changed something"
            );
        }
    }
    cmds.len()
}

#[test]
fn every_cli_write_as_a_viewer() {
    cli_matrix(Who::Is(Role::Viewer));
}

#[test]
fn every_cli_write_as_an_assistant() {
    cli_matrix(Who::Is(Role::Assistant));
}

#[test]
fn every_cli_write_as_an_operator() {
    cli_matrix(Who::Is(Role::Operator));
}

#[test]
fn every_cli_write_as_an_owner() {
    cli_matrix(Who::Is(Role::Owner));
}

#[test]
fn every_cli_write_as_a_login_the_team_has_not_added() {
    cli_matrix(Who::Unknown);
}

#[test]
fn every_cli_write_under_readonly() {
    cli_matrix(Who::ReadOnly);
}

#[test]
fn a_refusal_speaks_the_users_language() {
    let (_d, db) = demo_as(Who::Is(Role::Assistant));
    let out = bin()
        .args([
            "group",
            "add",
            "新群",
            "--kind",
            "兴趣型",
            "--lang",
            "zh",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("「运营官」") && err.contains("「助理」"),
        "{err}"
    );
}

#[test]
fn readonly_refuses_every_write_and_reads_change_nothing() {
    let (d, db) = demo_as(Who::Is(Role::Owner));
    bin()
        .args(["sop", "today", "--db"])
        .arg(&db)
        .assert()
        .success();
    let before = crate::dump(&db);
    // reading commands work, and skip the upkeep they would write
    for args in [
        &["sop", "today", "--date", "2026-03-03"][..],
        &["remind"],
        &["remind", "--due"],
        &["report", "daily", "--date", "2026-03-04"],
        &["kpi"],
        &["members", "list"],
        &["operator", "list"],
    ] {
        bin()
            .args(args)
            .args(["--readonly", "--db"])
            .arg(&db)
            .assert()
            .success();
    }
    assert!(crate::dump(&db) == before, "a read-only read wrote");
    // a new file is a write too
    for cmd in ["init", "demo"] {
        let new = d.path().join(format!("new-{cmd}.db"));
        let out = bin()
            .args([cmd, "--readonly", "--lang", "en", "--db"])
            .arg(&new)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--readonly"));
        assert!(!new.exists(), "{cmd} --readonly made a file");
    }
    // a schema older than the binary cannot be brought up to date read-only
    let c = Connection::open(&db).unwrap();
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    c.pragma_update(None, "user_version", v - 1).unwrap();
    drop(c);
    let out = bin()
        .args(["sop", "today", "--readonly", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("once without --readonly"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_tests_run_as_the_owner_of_the_demo_and_init_makes_anyone_the_owner_of_a_new_file() {
    // the other tests write to demo copies through the CLI as the login running them
    let s = Store::open_readonly(crate::shared_demo(), &me()).unwrap();
    assert_eq!(s.access().role, Role::Owner);
    assert!(s.access().listed);
    drop(s);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mine.db");
    bin().args(["init", "--db"]).arg(&db).assert().success();
    let c = Connection::open(&db).unwrap();
    let role: String = c
        .query_row("SELECT role FROM operators WHERE login = ?1", [me()], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(role, "owner");
}

// --- the last owner ------------------------------------------------------------------------

#[test]
fn the_last_owner_cannot_demote_or_remove_themself() {
    let (_d, db) = demo_as(Who::Is(Role::Owner));
    let me = me();
    let run = |args: &[&str]| {
        bin()
            .args(args)
            .args(["--lang", "en", "--db"])
            .arg(&db)
            .output()
            .unwrap()
    };
    let before = fingerprint(&db);
    for args in [
        vec!["operator", "add", me.as_str(), "--role", "operator"],
        vec!["operator", "add", me.as_str(), "--role", "viewer"],
        vec!["operator", "remove", me.as_str()],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("last owner; make another owner first"),
            "{args:?}: {err}"
        );
        assert_eq!(fingerprint(&db), before, "{args:?} changed something");
    }
    // with a second owner, stepping down works (and is audited)
    assert!(
        run(&["operator", "add", "li.na", "--role", "owner"])
            .status
            .success()
    );
    assert!(
        run(&["operator", "add", &me, "--role", "operator"])
            .status
            .success()
    );
    let c = Connection::open(&db).unwrap();
    let grants: i64 = c
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'grant' AND entity = 'operator'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(grants, 2);
    // now an operator: no longer allowed to hand out roles, nor to remove li.na
    let out = run(&["operator", "remove", "li.na"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs the owner role"));
    // li.na, the only owner left, cannot leave either (through the store, as li.na)
    let mut s = Store::open(&db, "li.na").unwrap();
    let e = s
        .write(Perm::OperatorGrant, |tx, op| {
            shequn::store::operators::remove(tx, op, 0, "li.na")
        })
        .unwrap_err();
    assert!(matches!(e, StoreError::LastOwner { .. }), "{e}");
}

#[test]
fn a_database_without_operators_makes_the_caller_its_owner_and_keeps_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    bin().args(["init", "--db"]).arg(&db).assert().success();
    // as a database from before roles: nobody recorded
    Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM operators", [])
        .unwrap();
    let s = Store::open(&db, &me()).unwrap();
    assert_eq!(s.access().role, Role::Owner);
    assert!(!s.access().unknown());
    drop(s);
    bin()
        .args(["operator", "add", "bob", "--role", "operator", "--db"])
        .arg(&db)
        .assert()
        .success();
    let c = Connection::open(&db).unwrap();
    let mut rows: Vec<(String, String)> = c
        .prepare("SELECT login, role FROM operators ORDER BY role, login")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows.sort();
    let mut want = vec![
        ("bob".to_string(), "operator".to_string()),
        (me(), "owner".into()),
    ];
    want.sort();
    assert_eq!(rows, want, "the caller was recorded as the owner");
}

#[test]
fn a_role_taken_away_counts_at_the_next_write_of_an_open_store() {
    let (_d, db) = demo_as(Who::Is(Role::Operator));
    let mut s = Store::open(&db, &me()).unwrap();
    assert_eq!(s.access().role, Role::Operator);
    // an owner makes us a viewer while our console is open
    set_role(&db, &me(), "viewer");
    let e = s
        .write(Perm::GroupEdit, |tx, op| {
            shequn::store::groups::edit(
                tx,
                op,
                0,
                "杭州吃货联盟",
                &shequn::store::groups::GroupEdit {
                    name: None,
                    kind: Some("福利型"),
                    platform: None,
                    created_on: None,
                },
            )
        })
        .unwrap_err();
    match e {
        StoreError::Forbidden(f) => assert_eq!((f.role, f.needs), (Role::Viewer, Role::Operator)),
        e => panic!("{e}"),
    }
    // and an import, which takes its own transaction, is refused before it starts
    assert!(matches!(
        s.conn_mut(Perm::Import),
        Err(StoreError::Forbidden(_))
    ));
}

// --- the console's model -----------------------------------------------------------------

/// A writing key of the console: the tab it is on, how to pick the row it acts on, the
/// action, and what it needs.
struct Key {
    tab: Tab,
    pick: fn(&mut App) -> bool,
    action: Action,
    perm: Perm,
}

fn any(_: &mut App) -> bool {
    true
}

fn open_sop_row(app: &mut App) -> bool {
    let t = &mut app.today;
    match t.visible.iter().position(|&i| {
        let r = &t.rows[i];
        r.content_id.is_none() && r.state == "todo" && r.item_id.is_some()
    }) {
        Some(p) => {
            t.selected = p;
            true
        }
        None => false,
    }
}

fn content_row(app: &mut App, state: &str) -> bool {
    let t = &mut app.content;
    match t.visible.iter().position(|&i| t.rows[i].state == state) {
        Some(p) => {
            t.selected = p;
            true
        }
        None => false,
    }
}

fn open_reminder(app: &mut App) -> bool {
    let t = &mut app.reminders;
    match t
        .visible
        .iter()
        .position(|&i| t.rows[i].row.state != "dismissed")
    {
        Some(p) => {
            t.selected = p;
            true
        }
        None => false,
    }
}

fn console_keys() -> Vec<Key> {
    use Action as A;
    let k = |tab, pick, action, perm| Key {
        tab,
        pick,
        action,
        perm,
    };
    vec![
        k(Tab::Today, open_sop_row, A::ToggleDone, Perm::SopTick),
        k(Tab::Today, open_sop_row, A::Skip, Perm::SopTick),
        k(Tab::Today, open_sop_row, A::Note, Perm::SopTick),
        k(Tab::Today, open_sop_row, A::Claim, Perm::SopTick),
        k(Tab::Today, open_sop_row, A::Assign, Perm::SopAssign),
        k(Tab::Today, open_sop_row, A::Retime, Perm::SopOverride),
        k(Tab::Today, open_sop_row, A::EditScript, Perm::SopOverride),
        k(Tab::Today, any, A::ApplyTemplate, Perm::SopApply),
        k(Tab::Members, any, A::Tag, Perm::MemberTag),
        k(Tab::Members, any, A::Note, Perm::MemberNote),
        k(Tab::Members, any, A::Points, Perm::MemberPoints),
        k(Tab::Members, any, A::Redeem, Perm::MemberPoints),
        k(Tab::Members, any, A::Sanction, Perm::MemberSanction),
        k(Tab::Members, any, A::Identity, Perm::MemberIdentity),
        k(Tab::Content, any, A::NewContent, Perm::ContentDraft),
        k(
            Tab::Content,
            |a| content_row(a, "draft"),
            A::EditContent,
            Perm::ContentDraft,
        ),
        k(
            Tab::Content,
            |a| content_row(a, "draft"),
            A::SubmitContent,
            Perm::ContentDraft,
        ),
        k(
            Tab::Content,
            |a| content_row(a, "review"),
            A::ReviewContent,
            Perm::ContentReview,
        ),
        k(
            Tab::Content,
            |a| content_row(a, "scheduled"),
            A::PublishContent,
            Perm::ContentPublish,
        ),
        k(
            Tab::Content,
            |a| content_row(a, "scheduled"),
            A::UnscheduleContent,
            Perm::ContentPublish,
        ),
        k(
            Tab::Content,
            |a| content_row(a, "published"),
            A::ResultsContent,
            Perm::ContentPublish,
        ),
        k(Tab::Kpi, any, A::KpiEnter, Perm::KpiEnter),
        // the launch board (issue 16): the launch form, a kit item in a group's detail
        k(Tab::Kpi, any, A::LaunchNew, Perm::GroupEdit),
        k(
            Tab::Kpi,
            |a| {
                a.kpi_view.launch = true;
                a.update(Action::Open);
                a.mode == Mode::LaunchDetail
            },
            A::ToggleDone,
            Perm::GroupEdit,
        ),
        k(Tab::Reminders, open_reminder, A::Dismiss, Perm::RemindOwn),
        k(Tab::Reminders, open_reminder, A::Snooze, Perm::RemindOwn),
        k(Tab::Reminders, any, A::AddReminder, Perm::RemindOwn),
    ]
}

fn access_of(who: Who) -> Access {
    Access {
        login: "li.na".into(),
        role: who.role(),
        readonly: who == Who::ReadOnly,
        listed: who != Who::Unknown,
        owners: vec!["wang.lei".into()],
        db: Some("/srv/team/t.db".into()),
    }
}

fn reset(app: &mut App) {
    app.mode = Mode::Normal;
    app.flash = None;
    app.editor = None;
    app.content_state.form = None;
    app.content_state.pending = None;
    app.kpi_view.launch = false;
    app.launch.form = None;
    app.launch.detail = None;
}

#[test]
fn every_writing_key_of_the_console_for_every_role() {
    let mut app = crate::screens::demo_app(Lang::En);
    let keys = console_keys();
    let mut checked = 0;
    for who in EVERYONE {
        app.access = access_of(who);
        for key in &keys {
            let fx = app.update(Action::GoTab(key.tab));
            drop(fx);
            reset(&mut app);
            assert!((key.pick)(&mut app), "{:?}: no row to act on", key.action);
            assert_eq!(app.needs(&key.action), Some(key.perm), "{:?}", key.action);
            // (a key inside a popup, the launch detail's Space, starts from it)
            let before = app.mode.clone();
            let fx = app.update(key.action.clone());
            if who.allows(key.perm) {
                // what the key asks the store for is a write of that kind, if anything
                assert!(
                    fx.iter().filter(|e| is_write(e)).count() <= 1,
                    "{who:?} {:?}: {fx:?}",
                    key.action
                );
            }
            let what = format!("{who:?} {:?}", key.action);
            let refusal = app.refusal(key.perm);
            let said = app.flash.as_ref().map(|f| f.text.clone());
            if who.allows(key.perm) {
                assert_ne!(said.as_deref(), Some(refusal.as_str()), "{what}");
                // something happened: a prompt, a form, a picker, or a request
                assert!(
                    !fx.is_empty() || app.mode != before || said.is_some(),
                    "{what}: nothing happened"
                );
            } else {
                assert_eq!(said.as_deref(), Some(refusal.as_str()), "{what}");
                assert!(app.flash.as_ref().is_some_and(|f| f.error));
                assert_eq!(app.mode, before, "{what}: a prompt or form opened");
                assert!(fx.is_empty(), "{what}: {fx:?}");
                assert!(app.content_state.form.is_none() && app.editor.is_none());
                check_refusal_in_console(who, key.perm, &refusal, &what);
            }
            checked += 1;
            reset(&mut app);
        }
    }
    assert_eq!(checked, keys.len() * EVERYONE.len());
}

fn is_write(e: &Effect) -> bool {
    matches!(
        e,
        Effect::Sop { .. }
            | Effect::Override { .. }
            | Effect::ApplyTemplate { .. }
            | Effect::Member { .. }
            | Effect::ContentSave { .. }
            | Effect::ContentStep { .. }
            | Effect::KpiEntry { .. }
            | Effect::Remind(_)
            | Effect::Launch(_)
            | Effect::LaunchKit(_)
    )
}

fn check_refusal_in_console(who: Who, perm: Perm, text: &str, what: &str) {
    if who == Who::ReadOnly {
        assert!(text.contains("read-only"), "{what}: {text}");
        return;
    }
    let needs = Permissions::shipped().needs(perm);
    assert!(
        text.contains(&format!("needs the {} role", needs.word())),
        "{what}: {text}"
    );
    if who == Who::Unknown {
        assert!(
            text.contains("wang.lei") && text.contains("shequn operator add li.na --role operator"),
            "{what}: {text}"
        );
    }
}

#[test]
fn a_viewer_reads_everything_and_sees_the_badge() {
    let mut app = crate::screens::demo_app(Lang::Zh);
    app.access = access_of(Who::Is(Role::Viewer));
    // moving, searching, filters, views, copying: never refused
    for (tab, action) in [
        (Tab::Today, Action::Down),
        (Tab::Today, Action::Walk),
        (Tab::Today, Action::Copy),
        (Tab::Today, Action::Calendar),
        (Tab::Today, Action::ToggleMine),
        (Tab::Today, Action::NextDay),
        (Tab::Members, Action::TierFilter),
        (Tab::Members, Action::Search),
        (Tab::Content, Action::WeekView),
        (Tab::Content, Action::Open),
        (Tab::Kpi, Action::KpiDays),
        (Tab::Reminders, Action::Up),
    ] {
        app.update(Action::GoTab(tab));
        reset(&mut app);
        assert_eq!(app.needs(&action), None, "{action:?}");
        app.update(action.clone());
        assert!(
            app.flash.as_ref().is_none_or(|f| !f.text.contains("角色")),
            "{action:?}: {:?}",
            app.flash
        );
        reset(&mut app);
    }
    // the refusal in the console's language
    app.update(Action::GoTab(Tab::Members));
    app.update(Action::Points);
    let said = app
        .flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    assert!(
        said.contains("「运营官」") && said.contains("「访客」"),
        "{said}"
    );
    // the badge in the status bar, for a viewer and under --readonly, not for an owner
    let badge = |app: &App| {
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        term.draw(|f| shequn::ui::render(app, f)).unwrap();
        let buf = term.backend().buffer();
        let all: String = (0..buf.area.height)
            .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
            .map(|(x, y)| buf[(x, y)].symbol().to_string())
            .collect();
        // a wide character's second cell draws as a space
        all.replace(' ', "").contains("[只读]")
    };
    reset(&mut app);
    assert!(badge(&app), "a viewer's console shows 只读");
    app.access = access_of(Who::ReadOnly);
    assert!(badge(&app), "--readonly shows 只读");
    app.access = access_of(Who::Is(Role::Owner));
    assert!(!badge(&app), "an owner's does not");
}

#[test]
fn a_console_opened_by_a_login_the_team_has_not_added_says_who_adds_them() {
    let mut app = crate::screens::demo_app(Lang::En);
    app.access = access_of(Who::Unknown);
    app.flash = None;
    app.start();
    let said = app
        .flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    assert!(
        said.contains("wang.lei")
            && said.contains("`shequn operator add li.na --role operator --db /srv/team/t.db`"),
        "{said}"
    );
    // a listed viewer is not told to be added
    app.access = access_of(Who::Is(Role::Viewer));
    app.flash = None;
    app.start();
    assert!(app.flash.is_none());
}

// --- the console's store thread ----------------------------------------------------------

/// Every write the console's store thread makes, through its handlers, as `who`: the
/// store refuses what the role does not allow (should the screen have let it through),
/// with the same words, and writes nothing.
fn handler_matrix(who: Who) -> usize {
    let (_d, db) = demo_as(who);
    // the day's items as a console would have them (its first load)
    bin()
        .args(["sop", "today", "--db"])
        .arg(&db)
        .assert()
        .success();
    let me = me();
    let mut store = if who == Who::ReadOnly {
        Store::open_readonly(&db, &me).unwrap()
    } else {
        Store::open(&db, &me).unwrap()
    };
    let now = parse_now(NOW, DEFAULT_TZ).unwrap();
    let env = StoreEnv {
        tz: DEFAULT_TZ,
        rules: Rules::shipped(),
        saved_override: "saved".into(),
        texts: Lang::En.texts(),
        keywords: std::sync::Arc::new(shequn::domain::keywords::Keywords::shipped()),
    };
    let today = "2026-03-02";
    let todo = ids(
        &db,
        "SELECT id FROM sop_instances WHERE day = ?1 AND state = 'todo' AND item_id IS NOT NULL ORDER BY id",
        &[&today],
        5,
    );
    let version = |id: i64| {
        ids(
            &db,
            "SELECT version FROM sop_instances WHERE id = ?1",
            &[&id],
            1,
        )[0]
    };
    let (group_id, item_id) = {
        let c = Connection::open(&db).unwrap();
        c.query_row(
            "SELECT group_id, item_id FROM sop_instances WHERE id = ?1",
            [todo[4]],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .unwrap()
    };
    // a member with points enough for a coupon, in a group
    let (member, group): (i64, String) = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT p.member_id, g.name FROM points_ledger p
               JOIN memberships m ON m.member_id = p.member_id AND m.left_at IS NULL
               JOIN groups g ON g.id = m.group_id
             GROUP BY p.member_id ORDER BY sum(p.delta) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let content = |state: &str| {
        ids(
            &db,
            "SELECT id FROM content_items WHERE state = ?1 AND author <> ?2 ORDER BY id",
            &[&state, &me],
            1,
        )
    };
    let (draft, review, scheduled, published) = (
        content("draft"),
        content("review"),
        content("scheduled"),
        content("published"),
    );
    let reminders = ids(
        &db,
        "SELECT id FROM reminders WHERE state IN ('pending', 'fired') AND for_login IS NULL
         AND source = 'member' ORDER BY id",
        &[],
        2,
    );
    let rversion = |id: i64| {
        ids(
            &db,
            "SELECT version FROM reminders WHERE id = ?1",
            &[&id],
            1,
        )[0]
    };
    let launching = ids(
        &db,
        "SELECT id FROM groups WHERE name = '新品体验官招募群'",
        &[],
        1,
    )[0];
    let pass = ReviewInput {
        compliance: Check::pass(""),
        fit: Check::pass(""),
        appeal: Check::pass(""),
        override_reason: Some("测试".into()),
    };
    let new_item = ContentInput {
        title: "周末探店".into(),
        body: "西湖边的小笼包".into(),
        kind: Kind::Engage,
        form: Form::Article,
        column: None,
        tags: Vec::new(),
        groups: vec![group_id],
        slot: None,
        owner: String::new(),
        material_name: None,
    };
    type Write<'a> = (
        Perm,
        Box<dyn FnOnce(&mut Store) -> Result<String, String> + 'a>,
    );
    let saved = |a: Action| match a {
        Action::Saved(r) => r,
        Action::RemindSaved(r) => r.map(|(v, row)| format!("{v:?} {}", row.id)),
        other => panic!("{other:?}"),
    };
    let env = &env;
    let sop = |id: i64, change: SopChange| -> Write<'_> {
        (
            change.perm(),
            Box::new(move |s: &mut Store| {
                saved(handlers::today::change(
                    s,
                    env,
                    now,
                    id,
                    version(id),
                    &change,
                ))
            }),
        )
    };
    let member = |change: MemberChange| -> Write<'_> {
        (
            change.perm(),
            Box::new(move |s: &mut Store| {
                saved(handlers::members::change(
                    s, env, now, member, None, &change,
                ))
            }),
        )
    };
    let step = |id: i64, step: ContentStep| -> Write<'_> {
        (
            step.perm(),
            Box::new(move |s: &mut Store| {
                saved(handlers::content::step(s, env, now, id, None, &step))
            }),
        )
    };
    let remind = |change: RemindChange| -> Write<'_> {
        (
            Perm::RemindOwn,
            Box::new(move |s: &mut Store| saved(handlers::reminders::change(s, env, now, change))),
        )
    };
    let writes: Vec<Write<'_>> = vec![
        remind(RemindChange::Dismiss {
            id: reminders[0],
            version: rversion(reminders[0]),
        }),
        remind(RemindChange::Snooze {
            id: reminders[1],
            version: rversion(reminders[1]),
            minutes: 15,
        }),
        remind(RemindChange::Add {
            when: shequn::domain::when::parse("10m").unwrap(),
            title: "我的".into(),
        }),
        sop(todo[0], SopChange::Done { note: None }),
        sop(
            todo[1],
            SopChange::Skip {
                reason: "停电".into(),
            },
        ),
        sop(
            todo[2],
            SopChange::Note {
                text: "我来".into(),
            },
        ),
        sop(todo[3], SopChange::Claim),
        sop(
            todo[4],
            SopChange::Assign {
                login: "li.na".into(),
            },
        ),
        (
            Perm::SopOverride,
            Box::new(move |s: &mut Store| {
                let o = shequn::store::sop::Override {
                    slot: Some("09:40".into()),
                    ..Default::default()
                };
                saved(handlers::today::override_item(
                    s,
                    env,
                    now,
                    (group_id, item_id),
                    &o,
                ))
            }),
        ),
        (
            Perm::SopApply,
            Box::new(move |s: &mut Store| {
                saved(handlers::today::apply(
                    s,
                    env,
                    now,
                    "interest",
                    &["杭州吃货联盟".into()],
                ))
            }),
        ),
        member(MemberChange::Tag {
            name: "测试".into(),
            remove: false,
        }),
        member(MemberChange::Note {
            text: "老客户".into(),
        }),
        member(MemberChange::Points {
            delta: 5,
            reason: "打卡".into(),
        }),
        member(MemberChange::Redeem),
        member(MemberChange::Sanction {
            group: group.clone(),
            level: "warn".into(),
            reason: "广告".into(),
        }),
        member(MemberChange::Identity {
            identity: Some("partner".into()),
        }),
        (
            Perm::ContentDraft,
            Box::new(move |s: &mut Store| {
                saved(handlers::content::save(
                    s,
                    env,
                    now,
                    (None, None),
                    &new_item,
                ))
            }),
        ),
        step(draft[0], ContentStep::Submit),
        step(review[0], ContentStep::Approve(pass)),
        step(scheduled[0], ContentStep::Publish),
        step(
            published[0],
            ContentStep::Results(ResultsInput {
                opens: Some(3),
                ..Default::default()
            }),
        ),
        (
            Perm::KpiEnter,
            Box::new(move |s: &mut Store| {
                saved(handlers::kpi::entry(
                    s,
                    env,
                    now,
                    (group_id, "2026-03-01".parse().unwrap()),
                    Metric::Opens,
                    12.0,
                    "ok".into(),
                ))
            }),
        ),
        // the launch board's form and a group's kit (issue 16)
        (
            Perm::GroupEdit,
            Box::new(move |s: &mut Store| {
                saved(handlers::launch::launch(
                    s,
                    env,
                    now,
                    &LaunchInput {
                        name: "穿搭研习社".into(),
                        kind: "兴趣型".into(),
                        platform: "personal",
                        positioning: None,
                        start: "2026-03-02".parse().unwrap(),
                    },
                ))
            }),
        ),
        (
            Perm::GroupEdit,
            Box::new(move |s: &mut Store| {
                saved(handlers::launch::kit(
                    s,
                    env,
                    now,
                    &KitChange {
                        group_id: launching,
                        group: "新品体验官招募群".into(),
                        platform: "personal".into(),
                        item: "qr".into(),
                        done: true,
                    },
                ))
            }),
        ),
    ];
    let n = writes.len();
    for (perm, write) in writes {
        let before = fingerprint(&db);
        let what = format!("{who:?} {}", perm.word());
        match write(&mut store) {
            Ok(_) => assert!(who.allows(perm), "{what}: went through"),
            Err(e) => {
                assert!(!who.allows(perm), "{what}: allowed, but: {e}");
                check_refusal(who, perm, &e, &what);
                assert_eq!(
                    fingerprint(&db),
                    before,
                    "{what}: a refusal changed something"
                );
            }
        }
    }
    n
}

#[test]
fn every_write_of_the_console_store_thread_for_every_role() {
    let mut n = 0;
    for who in EVERYONE {
        n += handler_matrix(who);
    }
    assert!(n >= 22 * EVERYONE.len());
}
