//! Team settings (issue 12 point 2): thresholds and keyword lists live in the team
//! database. `settings set|unset|import|export` round trip; a value that does not fit
//! is refused with nothing written; keyword lists (adding, removing a shipped word,
//! importing a file); two connections — one sets, the other's next read sees it, and a
//! console's store thread re-reads and hands the screen the new rules; who may change
//! what; and the one-time word about personal files from before.

use std::path::Path;

use shequn::app::{Action, App, Changed, Effect, Tab};
use shequn::clock::{DEFAULT_TZ, parse_now};
use shequn::console::StoreEnv;
use shequn::console::handlers;
use shequn::domain::keywords::Keywords;
use shequn::domain::roles::Perm;
use shequn::domain::rules::Rules;
use shequn::domain::settings::Given;
use shequn::i18n::Lang;
use shequn::store::changes::{Topics, Versions, since};
use shequn::store::{Store, StoreError, settings};

use crate::{NOW, bin, dump, fresh_demo, init_db, json, set_role};

fn me() -> String {
    shequn::config::operator_login()
}

/// Run `args` on `db` (English); (exit code, stdout, stderr).
fn run(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = bin()
        .args(args)
        .args(["--lang", "en", "--db"])
        .arg(db)
        .output()
        .expect("the shequn binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(db: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(db, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

/// `settings show KEY --format json`: the one row.
fn shown(db: &Path, key: &str) -> serde_json::Value {
    let rows = json(db, &["settings", "show", key]);
    rows.as_array()
        .and_then(|r| r.iter().find(|r| r["key"] == key))
        .cloned()
        .unwrap_or_else(|| panic!("{key} in {rows}"))
}

fn team(db: &Path) -> settings::Team {
    let s = Store::open(db, &me()).unwrap();
    settings::team(s.conn()).unwrap()
}

fn audit_count(db: &Path, entity: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(
        "SELECT count(*) FROM audit WHERE entity = ?1",
        [entity],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn set_unset_import_and_export_round_trip() {
    let (d, db) = init_db();
    let row = shown(&db, "kpi.dau_rate.alarm");
    assert_eq!(
        (row["value"].as_str(), row["source"].as_str()),
        (Some("0.15"), Some("default"))
    );
    let out = ok(&db, &["settings", "set", "kpi.dau_rate.alarm", "0.3"]);
    assert_eq!(
        out.trim(),
        "kpi.dau_rate.alarm = 0.3 (was the default 0.15)"
    );
    // plain text for a string key, a list, a field of the team's own alert rule
    ok(&db, &["settings", "set", "content.mix", "721"]);
    ok(
        &db,
        &["settings", "set", "reminders.snooze_minutes", "[5, 30]"],
    );
    ok(&db, &["settings", "set", "kpi.alerts.dau_low.below", "0.2"]);
    // again the same: nothing written
    let audits = audit_count(&db, "setting");
    assert_eq!(audits, 4);
    let out = ok(&db, &["settings", "set", "kpi.dau_rate.alarm", "0.30"]);
    assert!(out.contains("already"), "{out}");
    assert_eq!(audit_count(&db, "setting"), audits);

    let row = shown(&db, "kpi.dau_rate.alarm");
    assert_eq!(row["value"], "0.3");
    assert_eq!(row["default"], "0.15");
    assert_eq!(row["source"], "team");
    assert_eq!(row["set_by"], me().as_str());
    assert_eq!(row["set_at"], "2026-03-02T08:25:00+08:00");
    let table = ok(&db, &["settings", "show", "kpi.dau_rate"]);
    assert!(
        table.contains(&format!("0.3    {} 2026-03-02 08:25", me())),
        "{table}"
    );
    let csv = bin()
        .args(["settings", "show", "content.mix", "--format", "csv", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert!(
        csv.starts_with("key,value,default,source,set_by,set_at\n"),
        "{csv}"
    );
    assert!(
        csv.contains("content.mix,\"\"\"721\"\"\",\"\"\"502030\"\"\",team"),
        "{csv}"
    );

    // the rules every command and console judge with
    let r = team(&db).rules;
    assert!((r.kpi.dau_rate.alarm - 0.3).abs() < 1e-9);
    assert!(
        (r.kpi.dau_rate.target - 0.25).abs() < 1e-9,
        "the rest is default"
    );
    assert_eq!(r.content.mix, "721");
    assert_eq!(r.reminders.snooze_minutes, [5, 30]);
    assert_eq!(r.kpi.alerts["dau_low"].below, Some(0.2));

    let exported = ok(&db, &["settings", "export"]);
    assert!(exported.starts_with("# The team's settings"), "{exported}");
    let file = d.path().join("team.toml");
    std::fs::write(&file, &exported).unwrap();

    for key in [
        "kpi.dau_rate.alarm",
        "content.mix",
        "reminders.snooze_minutes",
        "kpi.alerts.dau_low.below",
    ] {
        let out = ok(&db, &["settings", "unset", key]);
        assert!(out.contains("back to the default"), "{out}");
    }
    let out = ok(&db, &["settings", "unset", "kpi.dau_rate.alarm"]);
    assert!(out.contains("is not set by the team"), "{out}");
    assert_eq!(shown(&db, "kpi.dau_rate.alarm")["source"], "default");
    assert!((team(&db).rules.kpi.dau_rate.alarm - 0.15).abs() < 1e-9);
    assert!(ok(&db, &["settings", "export"]).contains("has set nothing"));

    // the export imports back to the same settings, on this database or another
    let out = ok(&db, &["settings", "import", &file.display().to_string()]);
    assert!(out.contains("4 settings set, 0 already so"), "{out}");
    let r = team(&db).rules;
    assert!((r.kpi.dau_rate.alarm - 0.3).abs() < 1e-9);
    assert_eq!(r.content.mix, "721");
    assert_eq!(r.reminders.snooze_minutes, [5, 30]);
    assert_eq!(r.kpi.alerts["dau_low"].below, Some(0.2));
    assert_eq!(ok(&db, &["settings", "export"]), exported);
    let out = ok(&db, &["settings", "import", &file.display().to_string()]);
    assert!(out.contains("0 settings set, 4 already so"), "{out}");
    // every change on record: 4 sets, 4 unsets, 4 imported
    assert_eq!(audit_count(&db, "setting"), 12);
}

#[test]
fn a_value_that_does_not_fit_is_refused_and_nothing_is_written() {
    let (d, db) = init_db();
    ok(&db, &["settings", "set", "points.daily_cap", "40"]);
    let before = dump(&db);
    for (args, says) in [
        (
            &["settings", "set", "kpi.dau_rate.alarm", "low"][..],
            &[
                "kpi.dau_rate.alarm = low does not fit",
                "the default is 0.15",
            ][..],
        ),
        (
            &["settings", "set", "tiers.core_weeks", "2.5"],
            &["tiers.core_weeks = 2.5 does not fit"],
        ),
        (
            &["settings", "set", "content.mix", "433"],
            &["content.mix = 433 does not fit", "502030 or 721"],
        ),
        (
            &["settings", "set", "kpi.dau_rate.alram", "0.2"],
            &["not a setting", "did you mean kpi.dau_rate.alarm?"],
        ),
        (
            &["settings", "set", "kpi.dau_rate", "0.2"],
            &["is a section", "kpi.dau_rate.alarm, kpi.dau_rate.target"],
        ),
        (&["settings", "unset", "no.such.key"], &["not a setting"]),
    ] {
        let (code, _, err) = run(&db, args);
        assert_eq!(code, 1, "{args:?}: {err}");
        for s in says {
            assert!(err.contains(s), "{args:?}: {err}");
        }
    }
    // an import is all or nothing, naming the line
    let file = d.path().join("mixed.toml");
    std::fs::write(
        &file,
        "# two good keys and a bad one\n[kpi.dau_rate]\nalarm = 0.2\n\n[tiers]\ncore_weeks = \"three\"\n[points]\nper_message = 5\n",
    )
    .unwrap();
    let (code, _, err) = run(&db, &["settings", "import", &file.display().to_string()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("{}:6: tiers.core_weeks", file.display())),
        "{err}"
    );
    let broken = d.path().join("broken.toml");
    std::fs::write(&broken, "[kpi.dau_rate]\nalarm = 0.2\n[tiers\n").unwrap();
    let (code, _, err) = run(&db, &["settings", "import", &broken.display().to_string()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("{}:3:", broken.display())), "{err}");
    let unknown = d.path().join("unknown.toml");
    std::fs::write(&unknown, "[kpi.dau_rate]\nalarm = 0.2\nalram = 0.1\n").unwrap();
    let (code, _, err) = run(&db, &["settings", "import", &unknown.display().to_string()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "{}:3: kpi.dau_rate.alram is not a setting",
            unknown.display()
        )),
        "{err}"
    );
    assert_eq!(dump(&db), before, "a refusal wrote something");
    // in the user's language
    let out = bin()
        .args([
            "--lang",
            "zh",
            "settings",
            "set",
            "kpi.dau_rate.alarm",
            "low",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("不合适") && err.contains("默认值 0.15"),
        "{err}"
    );
}

#[test]
fn keywords_are_added_removed_and_imported_shipped_words_included() {
    let (d, db) = init_db();
    let shipped = Keywords::shipped();
    assert!(
        !shipped
            .find("有没有团购代拍的")
            .iter()
            .any(|h| h.word == "团购代拍")
    );
    assert!(!shipped.find("快加我微信").is_empty());

    let out = ok(
        &db,
        &[
            "keywords",
            "add",
            "团购代拍",
            "加我微信",
            "--category",
            "广告",
        ],
    );
    assert!(out.contains("ad: added 团购代拍"), "{out}");
    assert!(out.contains("already so: 加我微信"), "{out}");
    let out = ok(&db, &["keywords", "remove", "加我微信", "--category", "ad"]);
    assert!(out.contains("ad: removed 加我微信"), "{out}");

    let k = team(&db).keywords;
    assert_eq!(k.find("有没有团购代拍的")[0].word, "团购代拍");
    assert!(k.find("快加我微信").iter().all(|h| h.word != "加我微信"));
    assert_eq!(k.len(), shipped.len());

    let rows = json(&db, &["keywords", "list", "--category", "ad"]);
    let state = |w: &str| {
        rows.as_array()
            .and_then(|r| r.iter().find(|r| r["word"] == w))
            .map(|r| (r["state"].clone(), r["by"].clone()))
    };
    assert_eq!(
        state("团购代拍"),
        Some(("added".into(), me().as_str().into()))
    );
    assert_eq!(
        state("加我微信"),
        Some(("removed".into(), me().as_str().into()))
    );
    assert_eq!(
        state("加微信"),
        Some(("shipped".into(), serde_json::Value::Null))
    );
    // only the ad list
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["category"] == "ad")
    );

    // a team word removed is deleted; a shipped word added back drops its removal
    ok(&db, &["keywords", "remove", "团购代拍", "--category", "ad"]);
    ok(&db, &["keywords", "add", "加我微信", "--category", "ad"]);
    let c = rusqlite::Connection::open(&db).unwrap();
    let left: i64 = c
        .query_row("SELECT count(*) FROM team_keywords", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(audit_count(&db, "keyword"), 4);

    // a file: comments, blank lines, a word already listed
    let file = d.path().join("ours.txt");
    std::fs::write(
        &file,
        "# 我们的广告词\n代跑作业\n\n代抢课   # exams\nESSAY\n加我微信\n",
    )
    .unwrap();
    let out = ok(
        &db,
        &[
            "keywords",
            "import",
            &file.display().to_string(),
            "--category",
            "ad",
        ],
    );
    assert!(
        out.contains("3 words added to ad, 1 already listed"),
        "{out}"
    );
    let k = team(&db).keywords;
    assert_eq!(
        k.find("代抢课 essay")[1].word,
        "ESSAY",
        "ASCII case is ignored"
    );

    // refusals change nothing: an unknown list, a word on no list, a bad file
    let before = dump(&db);
    let (code, _, err) = run(&db, &["keywords", "add", "x", "--category", "spam"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("ad (广告), fraud (诈骗), sensitive (敏感)"),
        "{err}"
    );
    let (code, _, err) = run(
        &db,
        &[
            "keywords",
            "remove",
            "代抢课",
            "没有这个词",
            "--category",
            "ad",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("没有这个词 is not on the ad list"), "{err}");
    let long = d.path().join("long.txt");
    std::fs::write(&long, format!("刷单返利\n{}\n", "长".repeat(41))).unwrap();
    let (code, _, err) = run(
        &db,
        &[
            "keywords",
            "import",
            &long.display().to_string(),
            "--category",
            "fraud",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains(&format!("{}:2:", long.display())), "{err}");
    assert_eq!(dump(&db), before, "a refusal wrote something");
    assert!(
        team(&db).keywords.find("代抢课").len() == 1,
        "代抢课 is still listed"
    );
}

#[test]
fn one_connection_sets_and_the_others_next_read_sees_it() {
    let (_d, db) = init_db();
    let mut a = Store::open(&db, &me()).unwrap();
    let mut b = Store::open(&db, &me()).unwrap();
    let mut seen = Versions::read(b.conn()).unwrap();
    let (changes, topics) = a
        .write_signalled(Perm::SettingsEdit.into(), |tx, op| {
            settings::set(
                tx,
                op,
                1,
                &[("kpi.dau_rate.alarm".into(), Given::Text("0.3".into()))],
            )
        })
        .unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(topics, Topics::SETTINGS, "the settings signal, and only it");

    // the other connection's next look: the settings topic moved, the rules are new
    let moved = b.data_version().unwrap() != seen.data_version;
    assert!(moved);
    let s = since(b.conn(), &mut seen, moved).unwrap();
    assert_eq!(s.topics, Topics::SETTINGS);
    assert!((settings::team(b.conn()).unwrap().rules.kpi.dau_rate.alarm - 0.3).abs() < 1e-9);

    // a console's store thread on `b`: it re-reads and hands the screen the new rules
    let mut env = StoreEnv {
        tz: DEFAULT_TZ,
        rules: Rules::shipped(),
        keywords: std::sync::Arc::new(Keywords::shipped()),
        saved_override: String::new(),
        texts: Lang::En.texts(),
    };
    assert!(handlers::settings::on_changed(&b, &mut env, Topics::MEMBERS).is_none());
    assert!((env.rules.kpi.dau_rate.alarm - 0.15).abs() < 1e-9);
    let action = handlers::settings::on_changed(&b, &mut env, s.topics).expect("re-read");
    assert!((env.rules.kpi.dau_rate.alarm - 0.3).abs() < 1e-9);

    let now = parse_now(NOW, DEFAULT_TZ).unwrap();
    let mut app = App::new(
        Lang::En,
        shequn::app::keymap::Keymap::load(None, shequn::app::ACTIONS).unwrap(),
        Rules::shipped(),
        now,
        DEFAULT_TZ,
        "t.db".into(),
        me(),
    );
    app.update(Action::GoTab(Tab::Kpi));
    let board = shequn::console::load(&mut b, Tab::Kpi, app.today_day, now, &env).unwrap();
    app.update(Action::Loaded(board));
    app.update(action);
    assert!((app.rules.kpi.dau_rate.alarm - 0.3).abs() < 1e-9);
    let fx = app.update(Action::Changed(Changed {
        topics: s.topics,
        members: None,
    }));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Load(Tab::Kpi, _))),
        "the KPIs tab reloads with the team's new rules: {fx:?}"
    );

    // and the keyword lists the same way
    a.write(Perm::KeywordsEdit, |tx, op| {
        settings::change_words(
            tx,
            op,
            2,
            shequn::domain::keywords::Category::Ad,
            &["团购代拍".into()],
            settings::ListChange::Add,
        )
    })
    .unwrap();
    // (the KPI load above judged by the new thresholds: b's own KPI change)
    let s = since(b.conn(), &mut seen, true).unwrap();
    assert_eq!(s.topics, Topics::SETTINGS | Topics::KPI);
    let Some(Action::Settings { keywords, .. }) =
        handlers::settings::on_changed(&b, &mut env, s.topics)
    else {
        panic!("a settings action");
    };
    assert_eq!(keywords.find("团购代拍")[0].word, "团购代拍");
    assert_eq!(env.keywords.find("团购代拍").len(), 1);
}

#[test]
fn thresholds_are_the_owners_and_keyword_lists_an_operators() {
    let (d, db) = fresh_demo();
    let rules = d.path().join("rules.toml");
    std::fs::write(&rules, "[points]\ndaily_cap = 40\n").unwrap();
    let words = d.path().join("words.txt");
    std::fs::write(&words, "刷好评\n").unwrap();
    let (rules, words) = (rules.display().to_string(), words.display().to_string());
    let settings_cmds: [&[&str]; 3] = [
        &["settings", "set", "kpi.dau_rate.alarm", "0.2"],
        &["settings", "unset", "kpi.dau_rate.alarm"],
        &["settings", "import", &rules],
    ];
    let keyword_cmds: [&[&str]; 3] = [
        &["keywords", "add", "团购代拍", "--category", "ad"],
        &["keywords", "remove", "团购代拍", "--category", "ad"],
        &["keywords", "import", &words, "--category", "fraud"],
    ];
    // warm up: the upkeep every command does first is nobody's edit
    ok(&db, &["settings", "show"]);
    for role in ["viewer", "assistant", "operator", "owner"] {
        set_role(&db, &me(), role);
        for (cmds, needs) in [(&settings_cmds, "owner"), (&keyword_cmds, "operator")] {
            let allowed = match needs {
                "owner" => role == "owner",
                _ => role == "operator" || role == "owner",
            };
            for args in cmds.iter() {
                let before = dump(&db);
                let (code, _, err) = run(&db, args);
                if allowed {
                    assert_eq!(code, 0, "{role} {args:?}: {err}");
                } else {
                    assert_eq!(code, 1, "{role} {args:?}: {err}");
                    assert!(
                        err.contains(&format!(
                            "needs the {needs} role; you ({}) are {role}",
                            me()
                        )),
                        "{role} {args:?}: {err}"
                    );
                    assert_eq!(dump(&db), before, "{role} {args:?} wrote something");
                }
            }
        }
    }
    // reading is everyone's
    set_role(&db, &me(), "viewer");
    ok(&db, &["settings", "show"]);
    ok(&db, &["settings", "export"]);
    ok(&db, &["keywords", "list"]);
    // and the store refuses the same way through the library
    let mut s = Store::open(&db, &me()).unwrap();
    let err = s
        .write(Perm::SettingsEdit, |tx, op| {
            settings::unset(tx, op, 3, "points.daily_cap")
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)), "{err}");
}

#[test]
fn personal_files_from_before_no_longer_apply_and_are_told_once() {
    let (d, db) = init_db();
    let config = d.path().join("config");
    let state = d.path().join("state");
    let mine = config.join("shequn");
    std::fs::create_dir_all(mine.join("keywords")).unwrap();
    std::fs::write(mine.join("config.toml"), "[kpi.dau_rate]\nalarm = 0.01\n").unwrap();
    std::fs::write(mine.join("keywords/ad.txt"), "# mine\n团购接龙外链\n").unwrap();
    let with_home = |args: &[&str]| {
        let out = bin()
            .env("XDG_CONFIG_HOME", &config)
            .env("XDG_STATE_HOME", &state)
            .args(args)
            .args(["--lang", "en", "--format", "json", "--db"])
            .arg(&db)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (rows, err) = with_home(&["settings", "show", "kpi.dau_rate.alarm"]);
    // the personal value does not apply
    assert_eq!(rows[0]["value"], "0.15");
    let cfg = mine.join("config.toml").display().to_string();
    let ad = mine.join("keywords/ad.txt").display().to_string();
    assert!(err.contains("no longer apply"), "{err}");
    assert!(
        err.contains(&format!(
            "`shequn settings import {cfg} --db {}`",
            db.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "`shequn keywords import {ad} --category ad --db {}`",
            db.display()
        )),
        "{err}"
    );
    assert!(
        !team(&db)
            .keywords
            .find("团购接龙外链")
            .iter()
            .any(|h| h.word == "团购接龙外链")
    );
    // once
    let (_, err) = with_home(&["settings", "show", "kpi.dau_rate.alarm"]);
    assert!(!err.contains("no longer apply"), "said twice: {err}");
    // the commands it gives do bring them in
    ok(&db, &["settings", "import", &cfg]);
    ok(&db, &["keywords", "import", &ad, "--category", "ad"]);
    assert!((team(&db).rules.kpi.dau_rate.alarm - 0.01).abs() < 1e-9);
    assert_eq!(
        team(&db).keywords.find("团购接龙外链")[0].word,
        "团购接龙外链"
    );
    // preferences stay personal: a keymap alone is nothing to say
    let other = d.path().join("config2");
    std::fs::create_dir_all(other.join("shequn")).unwrap();
    std::fs::write(other.join("shequn/keymap.toml"), "").unwrap();
    let out = bin()
        .env("XDG_CONFIG_HOME", &other)
        .env("XDG_STATE_HOME", d.path().join("state2"))
        .args(["settings", "show", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
