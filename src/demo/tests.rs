//! Tests of the demo generator: counts and shape, messages against activity and KPIs,
//! determinism.

use super::groups::DECLINING;
use super::*;
use rusqlite::Connection;
use std::path::Path;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

fn build() -> (Connection, DemoCounts) {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    crate::store::migrations::migrate(&mut conn, Path::new(":memory:")).unwrap();
    let tx = conn.transaction().unwrap();
    let counts = populate(&tx, day(), chrono_tz::Asia::Shanghai, "tester").unwrap();
    tx.commit().unwrap();
    (conn, counts)
}

fn one(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn dump(conn: &Connection) -> Vec<String> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let mut st = conn
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1"))
            .unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        let mut lines = Vec::new();
        while let Some(r) = rows.next().unwrap() {
            let cells: Vec<String> = (0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Null => "NULL".to_string(),
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Real(v) => format!("{v:?}"),
                    rusqlite::types::ValueRef::Text(v) => String::from_utf8_lossy(v).into_owned(),
                    rusqlite::types::ValueRef::Blob(v) => format!("{v:?}"),
                })
                .collect();
            lines.push(format!("{t}|{}", cells.join("|")));
        }
        lines.sort();
        out.extend(lines);
    }
    out
}

#[test]
fn counts_and_shape() {
    let (conn, c) = build();
    assert_eq!(c.groups, 12);
    assert!((4_800..=5_200).contains(&c.members), "{c:?}");
    assert!(c.memberships as f64 > c.members as f64 * 1.12, "{c:?}");
    assert!((60_000..=150_000).contains(&c.activity_rows), "{c:?}");
    assert!((2_000..=20_000).contains(&c.messages), "{c:?}");
    assert_eq!(c.content, 30);
    assert_eq!(c.reminders, 7, "{c:?}");
    assert_eq!(
        one(&conn, "SELECT count(*) FROM members") as usize,
        c.members
    );
    assert_eq!(
        one(&conn, "SELECT count(*) FROM memberships") as usize,
        c.memberships
    );
    assert_eq!(
        one(&conn, "SELECT count(*) FROM activity_daily") as usize,
        c.activity_rows
    );
    assert_eq!(
        one(&conn, "SELECT count(*) FROM messages") as usize,
        c.messages
    );
    assert_eq!(
        one(&conn, "SELECT count(*) FROM audit WHERE action = 'demo'"),
        1
    );
    // WeChat's cap on current members
    let biggest = one(
        &conn,
        "SELECT max(n) FROM (SELECT count(*) n FROM memberships WHERE left_at IS NULL GROUP BY group_id)",
    );
    assert!(biggest <= 500, "{biggest}");
    let smallest = one(
        &conn,
        "SELECT min(n) FROM (SELECT count(*) n FROM memberships WHERE left_at IS NULL GROUP BY group_id)",
    );
    assert!(smallest >= 80, "{smallest}");
    assert!(one(&conn, "SELECT count(*) FROM members WHERE name LIKE '张%'") >= 30);
    let latin = one(
        &conn,
        "SELECT count(*) FROM members WHERE unicode(name) < 128",
    );
    assert!((300..=700).contains(&latin), "{latin}");
    // one owner per group, 1-3 admins
    assert_eq!(
        one(
            &conn,
            "SELECT count(*) FROM memberships WHERE role = 'owner'"
        ),
        12
    );
    assert_eq!(
        one(
            &conn,
            "SELECT count(DISTINCT group_id) FROM memberships WHERE role = 'admin'"
        ),
        12
    );
    // left share 6-10%
    let left = one(
        &conn,
        "SELECT count(*) FROM memberships WHERE left_at IS NOT NULL",
    );
    let share = left as f64 / c.memberships as f64;
    assert!((0.06..=0.10).contains(&share), "{share}");
    // every membership has a tier; the big picture matches DOMAIN.md §3
    assert_eq!(
        one(&conn, "SELECT count(*) FROM memberships WHERE tier IS NULL"),
        0
    );
    let tiers: Vec<(String, i64)> = conn
        .prepare("SELECT tier, count(*) FROM memberships GROUP BY tier ORDER BY count(*) DESC")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for t in ["core", "active", "silent", "left", "new", "potential"] {
        assert!(tiers.iter().any(|x| x.0 == t), "{t} missing: {tiers:?}");
    }
    assert_eq!(tiers[0].0, "silent", "{tiers:?}");
    let kol = one(&conn, "SELECT count(*) FROM memberships WHERE kol = 1");
    assert!(
        kol > 100 && (kol as f64) < c.memberships as f64 * 0.2,
        "{kol}"
    );
    let tagged = one(&conn, "SELECT count(DISTINCT member_id) FROM member_tags") as f64;
    assert!(
        (0.15..=0.3).contains(&(tagged / c.members as f64)),
        "{tagged}"
    );
    // the content queue has every state
    assert_eq!(
        one(&conn, "SELECT count(DISTINCT state) FROM content_items"),
        5
    );
    assert_eq!(
        one(
            &conn,
            "SELECT count(*) FROM content_reviews r JOIN content_items c ON c.id = r.content_id WHERE r.reviewer = c.owner"
        ),
        0
    );
    let orders = one(&conn, "SELECT count(*) FROM orders");
    assert!((650..=950).contains(&orders), "{orders}");
    let risks = one(&conn, "SELECT count(*) FROM risk_incidents");
    assert!((8..=14).contains(&risks), "{risks}");
    assert!(one(&conn, "SELECT count(*) FROM sanctions") >= 3);
    // nothing in the SOP tables: another module fills them
    assert_eq!(one(&conn, "SELECT count(*) FROM sop_instances"), 0);
    assert_eq!(
        one(&conn, "SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
}

#[test]
fn messages_match_activity_and_kpis_add_up() {
    let (conn, _) = build();
    let mismatched = one(
        &conn,
        "SELECT count(*) FROM (
             SELECT a.group_id, a.member_id, a.day, a.messages,
                    (SELECT count(*) FROM messages m
                      WHERE m.group_id = a.group_id AND m.member_id = a.member_id
                        AND date(m.sent_at, 'unixepoch', '+8 hours') = a.day) AS n
               FROM activity_daily a WHERE a.day >= '2026-03-01')
          WHERE n != messages",
    );
    assert_eq!(mismatched, 0);
    let stray = one(
        &conn,
        "SELECT count(*) FROM messages WHERE date(sent_at, 'unixepoch', '+8 hours') < '2026-03-01'",
    );
    assert_eq!(stray, 0);
    let kpi_msgs = one(
        &conn,
        "SELECT CAST(sum(value) AS INTEGER) FROM kpi_daily WHERE metric = 'messages'",
    );
    let act = one(&conn, "SELECT sum(messages) FROM activity_daily");
    assert_eq!(kpi_msgs, act);
    assert_eq!(
        one(
            &conn,
            "SELECT count(*) FROM kpi_daily WHERE metric = 'dau_rate' AND (value < 0 OR value > 1)"
        ),
        0
    );
    // activity only while a member was in the group
    let outside = one(
        &conn,
        "SELECT count(*) FROM activity_daily a JOIN memberships s
             ON s.group_id = a.group_id AND s.member_id = a.member_id
          WHERE a.day < date(s.joined_at, 'unixepoch', '+8 hours')
             OR (s.left_at IS NOT NULL AND a.day > date(s.left_at, 'unixepoch', '+8 hours'))",
    );
    assert_eq!(outside, 0);
    // the declining group: under 15% for the last days, with an open alert; the others not
    let low_days: Vec<(i64, String, f64)> = conn
        .prepare(
            "SELECT group_id, day, value FROM kpi_daily
              WHERE metric = 'dau_rate' AND value < 0.15 AND day >= '2026-02-01' ORDER BY 1, 2",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(
        low_days.iter().all(|x| x.0 == DECLINING as i64 + 1),
        "{low_days:?}"
    );
    let since: String = conn
        .query_row(
            "SELECT since FROM alerts WHERE closed_at IS NULL AND rule = 'dau_low'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(since, "2026-02-27");
    assert!(
        one(
            &conn,
            "SELECT count(*) FROM messages WHERE content LIKE '%加我微信%'"
        ) >= 1
    );
}

#[test]
fn deterministic() {
    let (a, ca) = build();
    let (b, cb) = build();
    assert_eq!(ca, cb);
    let (da, db) = (dump(&a), dump(&b));
    assert_eq!(da.len(), db.len());
    for (x, y) in da.iter().zip(&db) {
        assert_eq!(x, y);
    }
}
