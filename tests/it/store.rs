//! The store with real files and two connections: migrations, the newer-schema
//! refusal, the immutable audit log, concurrent writers, change watching.

use rusqlite::Connection;
use shequn::store::Need;
use shequn::store::{Store, StoreError, audit, migrations};

fn fresh() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.db");
    Store::create(&p, "tester").unwrap();
    (dir, p)
}

#[test]
fn a_new_file_gets_the_whole_schema_and_wal() {
    let (_d, p) = fresh();
    let c = Connection::open(&p).unwrap();
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, migrations::latest());
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    for table in [
        "groups",
        "members",
        "memberships",
        "member_aliases",
        "messages",
        "activity_daily",
        "sop_templates",
        "sop_items",
        "sop_instances",
        "content_items",
        "kpi_daily",
        "reminders",
        "risk_incidents",
        "points_ledger",
        "orders",
        "tags",
        "operators",
        "presence",
        "audit",
        "alerts",
        "sanctions",
    ] {
        let n: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "table {table}");
    }
}

#[test]
fn a_database_from_a_newer_shequn_is_refused_and_left_alone() {
    let (_d, p) = fresh();
    let c = Connection::open(&p).unwrap();
    c.pragma_update(None, "user_version", migrations::latest() + 5)
        .unwrap();
    drop(c);
    let err = Store::open(&p, "tester").unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { .. }));
    assert!(err.to_string().contains("newer shequn"), "{err}");
    let c = Connection::open(&p).unwrap();
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, migrations::latest() + 5);
}

#[test]
fn audit_rows_cannot_be_changed_or_deleted() {
    let (_d, p) = fresh();
    let mut s = Store::open(&p, "tester").unwrap();
    s.write(Need::System, |tx, op| {
        audit(tx, 1, op, "test", "thing", Some(1), None, None)
    })
    .unwrap();
    let c = Connection::open(&p).unwrap();
    let upd = c.execute("UPDATE audit SET operator = 'mallory'", []);
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = c.execute("DELETE FROM audit", []);
    assert!(del.unwrap_err().to_string().contains("append-only"));
    let who: String = c
        .query_row(
            "SELECT operator FROM audit WHERE action = 'test'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(who, "tester");
}

#[test]
fn two_writers_at_once_both_commit() {
    let (_d, p) = fresh();
    let handles: Vec<_> = (0..2)
        .map(|w| {
            let p = p.clone();
            std::thread::spawn(move || {
                let mut s = Store::open(&p, &format!("op{w}")).unwrap();
                for i in 0..50 {
                    s.write(Need::System, |tx, op| {
                        tx.execute("INSERT INTO tags (name) VALUES (?1)", [format!("w{w}-{i}")])?;
                        audit(tx, i, op, "add", "tag", None, None, None)
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let c = Connection::open(&p).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM tags", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 100);
    let a: i64 = c
        .query_row(
            "SELECT count(DISTINCT operator) FROM audit WHERE entity = 'tag'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(a, 2);
}

#[test]
fn another_connection_s_commit_changes_data_version() {
    let (_d, p) = fresh();
    let watcher = Store::open(&p, "a").unwrap();
    let mut writer = Store::open(&p, "b").unwrap();
    let before = watcher.data_version().unwrap();
    assert_eq!(
        watcher.data_version().unwrap(),
        before,
        "stable while nothing happens"
    );
    writer
        .write(Need::System, |tx, _| {
            tx.execute("INSERT INTO tags (name) VALUES ('x')", [])?;
            Ok(())
        })
        .unwrap();
    assert_ne!(watcher.data_version().unwrap(), before);
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let (_d, p) = fresh();
    let mut s = Store::open(&p, "tester").unwrap();
    let r: Result<(), StoreError> = s.write(Need::System, |tx, op| {
        tx.execute("INSERT INTO tags (name) VALUES ('half')", [])?;
        audit(tx, 1, op, "add", "tag", None, None, None)?;
        // a constraint violation halfway
        tx.execute("INSERT INTO tags (name) VALUES ('half')", [])?;
        Ok(())
    });
    assert!(r.is_err());
    let n: i64 = s
        .conn()
        .query_row("SELECT count(*) FROM tags", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn messages_keep_their_rows_keys_and_incidents_when_migrating_from_3() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("old.db");
    {
        let c = Connection::open(&p).unwrap();
        shequn::store::register_functions(&c).unwrap();
        for (v, sql) in migrations::MIGRATIONS.iter().filter(|m| m.0 <= 3) {
            c.execute_batch(sql).unwrap();
            c.pragma_update(None, "user_version", v).unwrap();
        }
        c.execute_batch(
            "INSERT INTO groups (id, name, kind, platform, created_on) VALUES (1, 'g', 'k', 'personal', '2026-01-01');
             INSERT INTO members (id, name, created_at) VALUES (1, '张三', 0);
             INSERT INTO messages (id, group_id, member_id, sent_at, kind, content, source_key)
                 VALUES (7, 1, 1, 100, 'text', '早', 'wm:x:1');
             INSERT INTO risk_incidents (group_id, member_id, message_id, at, level) VALUES (1, 1, 7, 100, 3);",
        )
        .unwrap();
    }
    // 0004 hashes the keys, 0005 keys messages by (group, time, hash)
    let s = Store::open(&p, "tester").unwrap();
    let (at, hash, content): (i64, i64, String) = s
        .conn()
        .query_row("SELECT sent_at, key_hash, content FROM messages", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    let key = shequn::store::key_hash("wm:x:1");
    assert_eq!((at, hash, content.as_str()), (100, key, "早"));
    let linked: (i64, i64) = s
        .conn()
        .query_row(
            "SELECT message_at, message_key FROM risk_incidents",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(linked, (100, key), "the incident still names its message");
    let fk: i64 = s
        .conn()
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk, 0, "risk incidents still point at their message");
}

#[test]
fn member_actions_are_audited_refused_when_wrong_and_stale_edits_refused() {
    use shequn::store::members::{MemberChange, change, detail};
    let (_d, p) = crate::fresh_demo();
    let rules = shequn::domain::rules::Rules::shipped();
    let mut a = Store::open(&p, "li.na").unwrap();
    let mut b = Store::open(&p, "wang.lei").unwrap();
    let id: i64 = a
        .conn()
        .query_row(
            "SELECT member_id FROM memberships WHERE left_at IS NULL LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let group: String = a
        .conn()
        .query_row("SELECT g.name FROM memberships ms JOIN groups g ON g.id = ms.group_id WHERE ms.member_id = ?1 LIMIT 1", [id], |r| r.get(0))
        .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let seen = detail(a.conn(), id, day, &rules.points).unwrap().version;
    let before = detail(a.conn(), id, day, &rules.points).unwrap().points;
    let run = |s: &mut Store, v: Option<i64>, c: MemberChange| {
        s.write(c.perm(), |tx, op| change(tx, op, 1, id, v, &c, &rules))
    };
    run(
        &mut b,
        Some(seen),
        MemberChange::Note {
            text: "老客户,喜欢直播".into(),
        },
    )
    .unwrap();
    let stale = run(
        &mut a,
        Some(seen),
        MemberChange::Note {
            text: "覆盖".into(),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(stale.contains("wang.lei"), "{stale}");
    run(
        &mut a,
        None,
        MemberChange::Tag {
            name: "高意向".into(),
            remove: false,
        },
    )
    .unwrap();
    run(
        &mut a,
        None,
        MemberChange::Points {
            delta: 200,
            reason: "活动奖励".into(),
        },
    )
    .unwrap();
    assert!(
        run(
            &mut a,
            None,
            MemberChange::Points {
                delta: 5,
                reason: " ".into()
            }
        )
        .is_err()
    );
    run(&mut a, None, MemberChange::Redeem).unwrap();
    run(
        &mut a,
        None,
        MemberChange::Identity {
            identity: Some("customer".into()),
        }
        .clone(),
    )
    .ok();
    assert!(
        run(
            &mut a,
            None,
            MemberChange::Identity {
                identity: Some("vip".into())
            }
        )
        .is_err()
    );
    run(
        &mut a,
        None,
        MemberChange::Sanction {
            group: group.clone(),
            level: "remove".into(),
            reason: "诈骗广告".into(),
        },
    )
    .unwrap();
    let d = detail(a.conn(), id, day, &rules.points).unwrap();
    assert_eq!(d.note.as_deref(), Some("老客户,喜欢直播"));
    assert!(d.tags.contains(&"高意向".to_string()));
    assert_eq!(d.points, before + 200 - rules.points.coupon_at);
    assert_eq!(d.sanctions.len(), 1);
    assert!(
        d.groups
            .iter()
            .any(|g| g.group == group && g.left_at.is_some())
    );
    let audited: i64 = a
        .conn()
        .query_row(
            "SELECT count(*) FROM audit WHERE entity = 'member' AND entity_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audited >= 6, "{audited}");
}

#[test]
fn a_chat_import_turns_foreign_keys_back_on_after_success_and_failure() {
    use shequn::store::import::{ChatOptions, import_chat};
    let (_d, p) = fresh();
    let mut s = Store::open(&p, "tester").unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    let rules = shequn::domain::rules::Rules::shipped();
    let tz = shequn::clock::DEFAULT_TZ;
    let now = shequn::clock::parse_now("2026-03-02T08:25:00", tz).unwrap();
    let opts = ChatOptions {
        group: None,
        platform: "personal",
        file: "x.csv",
        format: "wechatmsg",
        keywords: None,
    };
    let fk = |s: &Store| -> i64 {
        s.conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap()
    };
    for (file, ok) in [("wechatmsg.csv", true), ("broken_wechatmsg.csv", false)] {
        let records = shequn::import::open(&fixtures.join(file), None, tz).unwrap();
        let r = import_chat(&mut s, records, &opts, now, tz, &rules);
        assert_eq!(r.is_ok(), ok, "{file}");
        assert_eq!(fk(&s), 1, "{file}: foreign keys are on again");
    }
}
