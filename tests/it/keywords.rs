//! `shequn keywords test` and `keywords except` (issue 15): the dry-run of the lists on
//! the demo's history (hits per word with samples; a proposed file's word shows its
//! would-be hits; a bad file exits 1 with file:line and changes nothing), and the
//! team's exceptions (a context in which a word is no hit, audited, taken back).

use std::path::Path;

use crate::{bin, dump, fresh_demo};

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

fn report(db: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["keywords", "test", "--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(db, &all)).expect("json")
}

fn word<'a>(r: &'a serde_json::Value, w: &str) -> Option<&'a serde_json::Value> {
    r["words"]
        .as_array()
        .and_then(|ws| ws.iter().find(|x| x["word"] == w))
}

#[test]
fn the_demo_history_shows_hits_per_word_with_samples() {
    let (_d, db) = fresh_demo();
    let r = report(&db, &[]);
    assert!(r["scanned"].as_u64().unwrap() > 1000, "{r}");
    let w = word(&r, "加我微信").expect("the demo's planted spam is found");
    assert_eq!(w["category"], "ad");
    assert_eq!(w["level"], 3);
    let samples = w["samples"].as_array().unwrap();
    assert!(!samples.is_empty() && samples.len() <= 3);
    assert!(
        samples[0]["text"]
            .as_str()
            .unwrap()
            .contains("【加我微信】"),
        "{w}"
    );
    assert!(!r["groups"].as_array().unwrap().is_empty());

    let table = ok(&db, &["keywords", "test"]);
    for part in [
        "messages scanned",
        "Hits per word",
        "Samples",
        "Hits per group",
    ] {
        assert!(table.contains(part), "{part}: {table}");
    }
    // one list, one group
    let fraud = report(&db, &["--category", "fraud"]);
    assert!(
        fraud["words"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["category"] == "fraud")
    );
    let (code, _, err) = run(&db, &["keywords", "test", "--group", "没有这个群"]);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn a_proposed_file_shows_its_words_would_be_hits_and_a_bad_one_is_refused() {
    let (d, db) = fresh_demo();
    let before = dump(&db);
    let file = d.path().join("proposed.txt");
    std::fs::write(&file, "# 试一试\n免单 @2\n加我微信\n").unwrap();
    let f = file.display().to_string();
    let r = report(&db, &["--file", &f, "--category", "ad"]);
    let w = word(&r, "免单").expect("the proposed word's hits");
    assert_eq!(w["proposed"], true);
    assert_eq!(w["level"], 2);
    assert!(w["messages"].as_u64().unwrap() >= 1);
    assert_eq!(word(&r, "加我微信").unwrap()["proposed"], false);
    let table = ok(&db, &["keywords", "test", "--file", &f, "--category", "ad"]);
    assert!(table.contains("免单 (proposed)"), "{table}");

    // without the file the word is not there
    assert!(word(&report(&db, &[]), "免单").is_none());

    let bad = d.path().join("bad.txt");
    std::fs::write(&bad, "免单\n\n刷单 @7\n").unwrap();
    let b = bad.display().to_string();
    let (code, _, err) = run(&db, &["keywords", "test", "--file", &b, "--category", "ad"]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("{b}:3:")), "{err}");
    assert!(err.contains("@1 (close)"), "{err}");
    let ctx = d.path().join("ctx.txt");
    std::fs::write(&ctx, "刷单 !单词\n").unwrap();
    let c = ctx.display().to_string();
    let (code, _, err) = run(
        &db,
        &["keywords", "test", "--file", &c, "--category", "fraud"],
    );
    assert_eq!(code, 1);
    assert!(err.contains(&format!("{c}:1:")), "{err}");
    assert_eq!(dump(&db), before, "a dry-run writes nothing");
}

#[test]
fn a_team_exception_stops_a_word_in_its_context_and_can_be_taken_back() {
    let (_d, db) = fresh_demo();
    let hits = |db: &Path| {
        word(&report(db, &[]), "加我微信").map_or(0, |w| w["messages"].as_u64().unwrap())
    };
    let before = hits(&db);
    assert!(before >= 1);
    let out = ok(
        &db,
        &["keywords", "except", "加我微信", "加我微信领取免费资料"],
    );
    assert!(out.contains("no longer a hit"), "{out}");
    assert_eq!(hits(&db), before - 1);
    let again = ok(
        &db,
        &["keywords", "except", "加我微信", "加我微信领取免费资料"],
    );
    assert!(again.contains("already so"), "{again}");
    // a variant's canonical word takes exceptions too
    ok(
        &db,
        &[
            "keywords",
            "except",
            "微信",
            "薇信公众号",
            "--category",
            "ad",
        ],
    );

    let c = rusqlite::Connection::open(&db).unwrap();
    let audited: i64 = c
        .query_row(
            "SELECT count(*) FROM audit WHERE entity = 'keyword' AND action = 'except'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 2);

    // refused: a context without the word, a word on no list; nothing written
    let snapshot = dump(&db);
    let (code, _, err) = run(&db, &["keywords", "except", "加我微信", "领取资料"]);
    assert_eq!(code, 1);
    assert!(err.contains("must contain the word"), "{err}");
    let (code, _, err) = run(&db, &["keywords", "except", "没这个词", "没这个词啊"]);
    assert_eq!(code, 1);
    assert!(err.contains("none of the lists"), "{err}");
    assert_eq!(dump(&db), snapshot);

    ok(
        &db,
        &[
            "keywords",
            "except",
            "加我微信",
            "加我微信领取免费资料",
            "--remove",
        ],
    );
    assert_eq!(hits(&db), before);
}
