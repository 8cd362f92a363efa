//! Members in the store: tiers recomputed from `activity_daily` (only for the groups an
//! import touched), tier changes kept as member events, and the operator's actions on
//! a member (tag, note, points, sanction, identity) — each audited.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{Transaction, params};
use serde_json::json;

use super::{Refusal, Result, audit};
use crate::domain::tiers::{Facts, TierRules, classify};

#[derive(Debug, Default, Clone, Copy)]
struct Agg {
    last7: i64,
    last30: i64,
    weeks: [i64; 4],
}

/// (membership id, member, joined_at, left_at, tier, tier_reason, kol)
type MembershipRow = (
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    bool,
);

/// What a recomputation changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TierChanges {
    pub evaluated: usize,
    pub changed: usize,
}

/// Recompute tiers and KOL flags of every membership of `groups` as of `now`.
pub fn recompute_tiers(
    tx: &Transaction<'_>,
    groups: &[i64],
    now: DateTime<Utc>,
    tz: Tz,
    rules: &TierRules,
) -> Result<TierChanges> {
    let today = now.with_timezone(&tz).date_naive();
    let ago = |n: u64| {
        today
            .checked_sub_days(Days::new(n))
            .unwrap_or(today)
            .to_string()
    };
    let mut out = TierChanges::default();
    let mut agg_q = tx.prepare_cached(
        "SELECT member_id,
                COALESCE(sum(CASE WHEN day > ?2 THEN messages END), 0),
                COALESCE(sum(CASE WHEN day > ?3 THEN messages END), 0),
                COALESCE(sum(CASE WHEN day > ?2 THEN messages END), 0),
                COALESCE(sum(CASE WHEN day > ?4 AND day <= ?2 THEN messages END), 0),
                COALESCE(sum(CASE WHEN day > ?5 AND day <= ?4 THEN messages END), 0),
                COALESCE(sum(CASE WHEN day > ?6 AND day <= ?5 THEN messages END), 0)
         FROM activity_daily WHERE group_id = ?1 AND day > ?3 AND day <= ?7
         GROUP BY member_id",
    )?;
    let mut last_q = tx.prepare_cached(
        "SELECT member_id, max(day) FROM activity_daily WHERE group_id = ?1 AND day <= ?2 GROUP BY member_id",
    )?;
    let mut ms_q = tx.prepare_cached(
        "SELECT id, member_id, joined_at, left_at, tier, tier_reason, kol FROM memberships WHERE group_id = ?1",
    )?;
    let mut upd = tx.prepare_cached(
        "UPDATE memberships SET tier = ?2, tier_reason = ?3, kol = ?4 WHERE id = ?1",
    )?;
    let mut ev = tx.prepare_cached(
        "INSERT INTO member_events (group_id, member_id, at, kind, detail) VALUES (?1, ?2, ?3, 'tier', ?4)",
    )?;
    for &g in groups {
        let mut agg: HashMap<i64, Agg> = HashMap::new();
        let rows = agg_q.query_map(
            params![
                g,
                ago(7),
                ago(30),
                ago(14),
                ago(21),
                ago(28),
                today.to_string()
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    Agg {
                        last7: r.get(1)?,
                        last30: r.get(2)?,
                        weeks: [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
                    },
                ))
            },
        )?;
        for row in rows {
            let (m, a) = row?;
            agg.insert(m, a);
        }
        let mut last: HashMap<i64, NaiveDate> = HashMap::new();
        let rows = last_q.query_map(params![g, today.to_string()], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (m, d) = row?;
            if let Ok(d) = NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
                last.insert(m, d);
            }
        }
        let memberships: Vec<MembershipRow> = ms_q
            .query_map([g], |r| {
                // a row is the tuple its columns make (rusqlite's `TryFrom<&Row>`)
                <_>::try_from(r)
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (id, member, joined, left, old_tier, old_reason, old_kol) in memberships {
            let a = agg.get(&member).copied().unwrap_or_default();
            let facts = Facts {
                in_group_secs: joined.map(|j| (now.timestamp() - j).max(0)),
                left_days: left.map(|l| {
                    DateTime::<Utc>::from_timestamp(l, 0).map_or(0, |t| {
                        (today - t.with_timezone(&tz).date_naive()).num_days()
                    })
                }),
                last_spoke_days: last.get(&member).map(|d| (today - *d).num_days()),
                weeks: a.weeks.to_vec(),
                last7: a.last7,
                last30: a.last30,
            };
            let (tier, reason, kol) = classify(&facts, rules);
            let reason = serde_json::to_string(&reason)?;
            out.evaluated += 1;
            if old_tier.as_deref() == Some(tier.word())
                && old_reason.as_deref() == Some(reason.as_str())
                && old_kol == kol
            {
                continue;
            }
            upd.execute(params![id, tier.word(), reason, kol])?;
            if let Some(old) = old_tier.filter(|o| o != tier.word()) {
                ev.execute(params![
                    g,
                    member,
                    now.timestamp(),
                    format!("{old}→{}", tier.word())
                ])?;
                out.changed += 1;
            }
        }
    }
    Ok(out)
}

/// A member's points: what chatting earned (10 a message, capped per day and group,
/// derived from `activity_daily` so an import never writes thousands of ledger rows and
/// a re-import cannot pay twice) plus the ledger (grants, deductions, redemptions).
pub fn balance(
    conn: &rusqlite::Connection,
    member: i64,
    rules: &crate::domain::rules::PointRules,
) -> Result<i64> {
    Ok(conn.query_row(
        &format!(
            "SELECT ({}) + (SELECT COALESCE(sum(delta), 0) FROM points_ledger WHERE member_id = ?1)",
            chat_points_sql("?1")
        ),
        params![member, rules.per_message, rules.daily_cap],
        |r| r.get(0),
    )?)
}

/// SQL for the chat points of the member `member_expr`; binds ?2 = points per message,
/// ?3 = daily cap.
pub fn chat_points_sql(member_expr: &str) -> String {
    format!(
        "SELECT COALESCE(sum(min(a.messages * ?2, ?3)), 0) FROM activity_daily a WHERE a.member_id = {member_expr}"
    )
}

/// All groups' ids (to recompute everything, e.g. after the demo).
pub fn all_groups(tx: &Transaction<'_>) -> Result<Vec<i64>> {
    let mut st = tx.prepare_cached("SELECT id FROM groups ORDER BY id")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Record a recomputation in the audit log (one row, not one per member).
pub fn audit_recompute(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    c: TierChanges,
) -> Result<()> {
    audit(
        tx,
        at,
        operator,
        "recompute",
        "tiers",
        None,
        None,
        Some(&json!({ "evaluated": c.evaluated, "changed": c.changed })),
    )
}

/// One of a member's groups, for the detail pane.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct MemberGroup {
    pub group: String,
    pub nickname: Option<String>,
    pub tier: String,
    pub reason: Option<String>,
    pub joined_at: Option<i64>,
    pub left_at: Option<i64>,
}

/// Everything the Members tab's detail pane shows about one member.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct MemberDetail {
    pub id: i64,
    pub name: String,
    pub wxid: Option<String>,
    pub identity: Option<String>,
    pub note: Option<String>,
    pub version: i64,
    pub aliases: Vec<String>,
    pub groups: Vec<MemberGroup>,
    pub tags: Vec<String>,
    pub points: i64,
    /// Messages per day over the last 30 days, oldest first, all groups together.
    pub daily: Vec<i64>,
    /// (at, amount in cents, product)
    pub orders: Vec<(i64, i64, Option<String>)>,
    /// (at, level, reason, by)
    pub sanctions: Vec<(i64, String, String, String)>,
    /// (at, delta, reason, by), newest first
    pub ledger: Vec<(i64, i64, String, String)>,
}

pub fn detail(
    conn: &rusqlite::Connection,
    id: i64,
    today: NaiveDate,
    rules: &crate::domain::rules::PointRules,
) -> Result<MemberDetail> {
    let mut d: MemberDetail = conn
        .query_row(
            "SELECT id, name, wxid, identity, note, version FROM members WHERE id = ?1",
            [id],
            |r| {
                Ok(MemberDetail {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    wxid: r.get(2)?,
                    identity: r.get(3)?,
                    note: r.get(4)?,
                    version: r.get(5)?,
                    ..MemberDetail::default()
                })
            },
        )
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => {
                super::StoreError::NotFound { what: "member", id }
            }
            e => e.into(),
        })?;
    let strings = |sql: &str| -> Result<Vec<String>> {
        let mut st = conn.prepare_cached(sql)?;
        let rows = st.query_map([id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    d.aliases = strings("SELECT alias FROM member_aliases WHERE member_id = ?1 ORDER BY alias")?;
    d.tags = strings(
        "SELECT t.name FROM member_tags mt JOIN tags t ON t.id = mt.tag_id WHERE mt.member_id = ?1 ORDER BY t.name",
    )?;
    let mut st = conn.prepare_cached(
        "SELECT g.name, ms.group_nickname, COALESCE(ms.tier, 'potential'), ms.tier_reason, ms.joined_at, ms.left_at
         FROM memberships ms JOIN groups g ON g.id = ms.group_id WHERE ms.member_id = ?1 ORDER BY g.name",
    )?;
    d.groups = st
        .query_map([id], |r| {
            Ok(MemberGroup {
                group: r.get(0)?,
                nickname: r.get(1)?,
                tier: r.get(2)?,
                reason: r.get(3)?,
                joined_at: r.get(4)?,
                left_at: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    d.points = balance(conn, id, rules)?;
    let start = today.checked_sub_days(Days::new(29)).unwrap_or(today);
    d.daily = vec![0; 30];
    let mut st = conn.prepare_cached(
        "SELECT day, sum(messages) FROM activity_daily WHERE member_id = ?1 AND day >= ?2 AND day <= ?3 GROUP BY day",
    )?;
    let rows = st.query_map(params![id, start.to_string(), today.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (day, n) = row?;
        if let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            && let Some(slot) = usize::try_from((day - start).num_days())
                .ok()
                .and_then(|i| d.daily.get_mut(i))
        {
            *slot = n;
        }
    }
    let mut st = conn.prepare_cached(
        "SELECT at, amount_cents, product FROM orders WHERE member_id = ?1 ORDER BY at DESC LIMIT 20",
    )?;
    d.orders = st
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut st = conn.prepare_cached(
        "SELECT at, level, reason, by FROM sanctions WHERE member_id = ?1 ORDER BY at DESC",
    )?;
    d.sanctions = st
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut st = conn.prepare_cached(
        "SELECT at, delta, reason, by FROM points_ledger WHERE member_id = ?1 ORDER BY at DESC, id DESC LIMIT 10",
    )?;
    d.ledger = st
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(d)
}

/// What an operator does to a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    /// Add a tag (created if new); `remove` takes it off.
    Tag {
        name: String,
        remove: bool,
    },
    Note {
        text: String,
    },
    /// Grant (positive) or deduct (negative) points, with the reason on record.
    Points {
        delta: i64,
        reason: String,
    },
    /// Redeem a coupon: deducts the coupon's price if the balance covers it.
    Redeem,
    /// 警告 → 禁言 → 移出 (DOMAIN.md §3/§6): on record, in a group.
    Sanction {
        group: String,
        level: String,
        reason: String,
    },
    Identity {
        identity: Option<String>,
    },
}

impl MemberChange {
    /// The kind of write it is (`data/roles.toml`).
    pub fn perm(&self) -> crate::domain::roles::Perm {
        use crate::domain::roles::Perm;
        match self {
            MemberChange::Tag { .. } => Perm::MemberTag,
            MemberChange::Note { .. } => Perm::MemberNote,
            MemberChange::Points { .. } | MemberChange::Redeem => Perm::MemberPoints,
            MemberChange::Sanction { .. } => Perm::MemberSanction,
            MemberChange::Identity { .. } => Perm::MemberIdentity,
        }
    }
}

/// Apply a change to a member as `operator`, audited. `seen_version` guards the
/// member's own fields (note, identity) against a colleague's newer edit.
pub fn change(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    id: i64,
    seen_version: Option<i64>,
    what: &MemberChange,
    rules: &crate::domain::rules::Rules,
) -> Result<String> {
    use super::StoreError;
    let (name, version): (String, i64) = tx
        .query_row(
            "SELECT name, version FROM members WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound { what: "member", id },
            e => e.into(),
        })?;
    let entity_edit = matches!(
        what,
        MemberChange::Note { .. } | MemberChange::Identity { .. }
    );
    if entity_edit
        && let Some(seen) = seen_version
        && seen != version
    {
        let (by, when) = super::sop::last_change(tx, "member", id)?.unwrap_or(("?".into(), 0));
        return Err(StoreError::Stale {
            what: "member",
            id,
            by,
            at: DateTime::<Utc>::from_timestamp(when, 0)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
        });
    }
    let (action, new) = match what {
        MemberChange::Tag { name: tag, remove } => {
            let tag = tag.trim();
            if tag.is_empty() {
                return Err(Refusal::TagNeedsName.into());
            }
            tx.execute("INSERT OR IGNORE INTO tags (name) VALUES (?1)", [tag])?;
            let tid: i64 =
                tx.query_row("SELECT id FROM tags WHERE name = ?1", [tag], |r| r.get(0))?;
            if *remove {
                tx.execute(
                    "DELETE FROM member_tags WHERE member_id = ?1 AND tag_id = ?2",
                    params![id, tid],
                )?;
            } else {
                tx.execute(
                    "INSERT OR IGNORE INTO member_tags (member_id, tag_id) VALUES (?1, ?2)",
                    params![id, tid],
                )?;
            }
            (if *remove { "untag" } else { "tag" }, json!({ "tag": tag }))
        }
        MemberChange::Note { text } => {
            tx.execute(
                "UPDATE members SET note = ?2, version = version + 1 WHERE id = ?1",
                params![id, text],
            )?;
            ("note", json!({ "note": text }))
        }
        MemberChange::Points { delta, reason } => {
            if reason.trim().is_empty() {
                return Err(Refusal::PointsNeedReason.into());
            }
            if *delta == 0 {
                return Err(Refusal::ZeroPoints.into());
            }
            tx.execute(
                "INSERT INTO points_ledger (member_id, at, delta, reason, by) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, at, delta, reason, operator],
            )?;
            ("points", json!({ "delta": delta, "reason": reason }))
        }
        MemberChange::Redeem => {
            let balance: i64 = balance(tx, id, &rules.points)?;
            let price = rules.points.coupon_at;
            if balance < price {
                return Err(Refusal::TooFewPoints {
                    name: name.to_string(),
                    balance,
                    price,
                }
                .into());
            }
            tx.execute(
                "INSERT INTO points_ledger (member_id, at, delta, reason, by) VALUES (?1, ?2, ?3, 'redeem:coupon', ?4)",
                params![id, at, -price, operator],
            )?;
            ("redeem", json!({ "delta": -price }))
        }
        MemberChange::Sanction {
            group,
            level,
            reason,
        } => {
            if !matches!(level.as_str(), "warn" | "mute" | "remove") {
                return Err(Refusal::BadSanction {
                    level: level.clone(),
                }
                .into());
            }
            if reason.trim().is_empty() {
                return Err(Refusal::SanctionNeedsReason.into());
            }
            let gid: i64 = tx
                .query_row(
                    "SELECT g.id FROM groups g JOIN memberships ms ON ms.group_id = g.id
                     WHERE g.name = ?1 AND ms.member_id = ?2",
                    params![group, id],
                    |r| r.get(0),
                )
                .map_err(|_| {
                    StoreError::from(Refusal::NotInGroup {
                        name: name.to_string(),
                        group: group.clone(),
                    })
                })?;
            tx.execute(
                "INSERT INTO sanctions (member_id, group_id, level, reason, by, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, gid, level, reason, operator, at],
            )?;
            if level == "remove" {
                tx.execute(
                    "UPDATE memberships SET left_at = ?3, left_reason = 'kicked', tier = 'left' WHERE group_id = ?1 AND member_id = ?2 AND left_at IS NULL",
                    params![gid, id, at],
                )?;
            }
            (
                "sanction",
                json!({ "group": group, "level": level, "reason": reason }),
            )
        }
        MemberChange::Identity { identity } => {
            if let Some(i) = identity
                && !matches!(i.as_str(), "customer" | "partner" | "staff")
            {
                return Err(Refusal::BadIdentity { value: i.clone() }.into());
            }
            tx.execute(
                "UPDATE members SET identity = ?2, version = version + 1 WHERE id = ?1",
                params![id, identity],
            )?;
            ("identity", json!({ "identity": identity }))
        }
    };
    audit(
        tx,
        at,
        operator,
        action,
        "member",
        Some(id),
        None,
        Some(&new),
    )?;
    Ok(name)
}
