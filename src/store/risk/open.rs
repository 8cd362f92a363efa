//! Opening incidents: from the keyword hits of imported messages, from content drafts,
//! from a removed member re-joining a group — each once (the unique indexes of
//! migration 0012: importing the same export again opens nothing), each with its task on
//! the Today tab and, for level 1, a reminder that fires at once.
//!
//! The chat import scans each chunk's messages outside its transactions (parsing and
//! scanning are the import's reading, not its writing) and opens what it found in its
//! last transaction, with the rest of the batch: nobody sees an incident about a
//! message they cannot see yet.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

use crate::clock::local_day;
use crate::domain::keywords::{Hit, Keywords, Level};
use crate::domain::risk::RiskRules;
use crate::store::{Result, audit};

/// What opening an incident needs besides the database.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub rules: &'a RiskRules,
}

/// The hit that speaks for a text: the most serious level, the first of those.
pub fn primary(hits: Vec<Hit>) -> Option<Hit> {
    hits.into_iter().min_by_key(|h| (h.level, h.start))
}

/// A message with a hit, found while importing.
#[derive(Debug, Clone)]
pub struct Found {
    pub group_id: i64,
    pub member_id: Option<i64>,
    /// The message: its time and key.
    pub at: i64,
    pub key: i64,
    pub text: String,
    pub hit: Hit,
}

/// A removed member seen in a group after the removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejoin {
    pub member_id: i64,
    pub group_id: i64,
    /// The removal it follows.
    pub sanction_id: i64,
    /// When they were first seen there after it.
    pub at: i64,
}

/// What was opened.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Opened {
    pub ids: Vec<i64>,
    /// Per level 1, 2, 3.
    pub by_level: [u64; 3],
    pub tasks: u64,
}

impl Opened {
    fn note(&mut self, id: i64, level: Level, task: bool) {
        self.ids.push(id);
        if let Some(n) = self.by_level.get_mut(usize::from(level.number()) - 1) {
            *n += 1;
        }
        if task {
            self.tasks += 1;
        }
    }
}

/// Open an incident for each message found (one a message; those already open are
/// left alone), in the caller's transaction. `audited`: one audit row per incident (a
/// draft, a re-join); an import records its incidents in its own audit row instead.
pub fn messages(
    tx: &Transaction<'_>,
    operator: &str,
    env: &Env<'_>,
    found: &[Found],
) -> Result<Opened> {
    let mut out = Opened::default();
    let now = env.now.timestamp();
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO risk_incidents (source, group_id, member_id, message_at, message_key,
             at, detected_at, level, category, keyword, evidence, hit_start, hit_end)
         VALUES ('message', ?1, ?2, ?3, ?4, ?3, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for f in found {
        let n = ins.execute(params![
            f.group_id,
            f.member_id,
            f.at,
            f.key,
            now,
            f.hit.level.number(),
            f.hit.category.word(),
            f.hit.word,
            f.text,
            f.hit.start as i64,
            f.hit.end as i64
        ])?;
        if n == 0 {
            continue;
        }
        let id = tx.last_insert_rowid();
        let live = f.at >= now - env.rules.task_days * 86_400;
        let task = if live {
            let member = member_name(tx, f.group_id, f.member_id)?;
            let note = format!(
                "{member} · {}「{}」· #{id}",
                f.hit.category.zh(),
                f.hit.word
            );
            Some(follow_up(
                tx,
                operator,
                env,
                id,
                f.group_id,
                f.hit.level,
                &note,
                env.now,
            )?)
        } else {
            None
        };
        out.note(id, f.hit.level, task.is_some());
    }
    Ok(out)
}

/// The member's name in the group, for a task's note.
fn member_name(conn: &Connection, group: i64, member: Option<i64>) -> Result<String> {
    let Some(m) = member else {
        return Ok(String::new());
    };
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(NULLIF(ms.group_nickname, ''), m.name) FROM members m
             LEFT JOIN memberships ms ON ms.member_id = m.id AND ms.group_id = ?1
             WHERE m.id = ?2",
        )?
        .query_row(params![group, m], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// The incident's task on today's list, due `due_minutes` of its level after now (by
/// the end of the day at the latest), for the group's owner when the owner is an
/// operator; for level 1 also a team reminder due now (`source = 'risk'`), which the
/// next watcher or console fires at once. The task stays on the list of the following
/// days until the incident is handled (`views::today_open`).
#[allow(clippy::too_many_arguments)]
fn follow_up(
    tx: &Transaction<'_>,
    operator: &str,
    env: &Env<'_>,
    incident: i64,
    group: i64,
    level: Level,
    note: &str,
    detected: DateTime<Utc>,
) -> Result<i64> {
    let now = env.now.timestamp();
    let today = local_day(detected, env.tz);
    let due =
        (detected + chrono::Duration::seconds(env.rules.due_secs(level))).with_timezone(&env.tz);
    let slot = if due.date_naive() > today {
        "23:59".to_string()
    } else {
        due.format("%H:%M").to_string()
    };
    let title = env.rules.task_title(level);
    let assignee: Option<String> = tx
        .prepare_cached(
            "SELECT g.owner FROM groups g JOIN operators o ON o.login = g.owner WHERE g.id = ?1",
        )?
        .query_row([group], |r| r.get(0))
        .optional()?;
    tx.prepare_cached(
        "INSERT INTO sop_instances (group_id, item_id, day, slot, title, note, assignee, incident_id)
         VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![group, today.to_string(), slot, title, note, assignee, incident])?;
    let task = tx.last_insert_rowid();
    audit(
        tx,
        now,
        operator,
        "create",
        "sop_instance",
        Some(task),
        None,
        Some(
            &json!({ "incident_id": incident, "title": title, "day": today.to_string(),
                      "slot": slot, "assignee": assignee }),
        ),
    )?;
    if level == Level::Close {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO reminders (for_login, source, source_id, group_id, title, due_at,
                 created_by, created_at, source_key)
             VALUES (NULL, 'risk', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            incident,
            group,
            title,
            detected.timestamp(),
            operator,
            now,
            format!("risk:{incident}")
        ])?;
    }
    Ok(task)
}

/// id, group, level, member, category, keyword, detected_at
type Pending = (i64, i64, i64, Option<i64>, String, Option<String>, i64);

/// Give every incident still waiting for an action, detected within `task_days` and in
/// a group, the task it would have got when it opened (a database written by an older
/// shequn, the demo). Returns how many.
pub fn follow_up_pending(tx: &Transaction<'_>, operator: &str, env: &Env<'_>) -> Result<usize> {
    let since = env.now.timestamp() - env.rules.task_days * 86_400;
    let rows: Vec<Pending> = tx
        .prepare_cached(
            "SELECT r.id, r.group_id, r.level, r.member_id, COALESCE(r.category, ''),
                    r.keyword, r.detected_at
             FROM risk_incidents r
             WHERE r.state IN ('open', 'reviewed') AND r.group_id IS NOT NULL
               AND r.source IN ('message', 'rejoin') AND r.detected_at >= ?1
               AND NOT EXISTS (SELECT 1 FROM sop_instances s WHERE s.incident_id = r.id)
             ORDER BY r.id",
        )?
        .query_map([since], |r| {
            // a row is the tuple its columns make (rusqlite's `TryFrom<&Row>`)
            <_>::try_from(r)
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, group, level, member, category, word, detected) in &rows {
        let level = Level::from_number(*level).unwrap_or(Level::Warn);
        let name = member_name(tx, *group, *member)?;
        let cat = crate::domain::keywords::Category::parse(category)
            .map_or(category.as_str(), |c| c.zh());
        let note = format!(
            "{name} · {cat}「{}」· #{id}",
            word.as_deref().unwrap_or_default()
        );
        let detected = DateTime::from_timestamp(*detected, 0).unwrap_or(env.now);
        follow_up(tx, operator, env, *id, *group, level, &note, detected)?;
    }
    Ok(rows.len())
}

/// The removals on record: member → (sanction, when), the latest removal per member
/// (what a re-join follows).
pub fn blacklist(conn: &Connection) -> Result<HashMap<i64, (i64, i64)>> {
    let mut st = conn.prepare_cached(
        "SELECT member_id, max(id), max(at) FROM sanctions
         WHERE level = 'remove' AND member_id IS NOT NULL GROUP BY member_id",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Open a `黑名单成员入群` incident for each re-join (once per removal and group), with
/// its task; each audited.
pub fn rejoins(
    tx: &Transaction<'_>,
    operator: &str,
    env: &Env<'_>,
    seen: &[Rejoin],
) -> Result<Opened> {
    let mut out = Opened::default();
    let now = env.now.timestamp();
    let level = env.rules.rejoin();
    for r in seen {
        let n = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO risk_incidents (source, group_id, member_id, sanction_id, at,
                     detected_at, level, category, keyword)
                 VALUES ('rejoin', ?1, ?2, ?3, ?4, ?5, ?6, 'blacklist', ?7)",
            )?
            .execute(params![
                r.group_id,
                r.member_id,
                r.sanction_id,
                r.at,
                now,
                level.number(),
                env.rules.rejoin_title
            ])?;
        if n == 0 {
            continue;
        }
        let id = tx.last_insert_rowid();
        let member = member_name(tx, r.group_id, Some(r.member_id))?;
        let note = format!("{member} · {} · #{id}", env.rules.rejoin_title);
        let task = follow_up(tx, operator, env, id, r.group_id, level, &note, env.now)?;
        audit(
            tx,
            now,
            operator,
            "open",
            "incident",
            Some(id),
            None,
            Some(
                &json!({ "source": "rejoin", "member_id": r.member_id, "group_id": r.group_id,
                          "sanction_id": r.sanction_id, "at": r.at, "level": level.number(),
                          "task": task }),
            ),
        )?;
        out.note(id, level, true);
    }
    Ok(out)
}

/// Removed members present in `group` now (a roster listed them): their re-joins, seen
/// at `at`.
pub fn present_removed(conn: &Connection, group: i64, at: i64) -> Result<Vec<Rejoin>> {
    let mut st = conn.prepare_cached(
        "SELECT s.member_id, max(s.id), max(s.at) FROM sanctions s
         JOIN memberships ms ON ms.member_id = s.member_id AND ms.group_id = ?1
         WHERE s.level = 'remove' AND ms.left_at IS NULL
         GROUP BY s.member_id HAVING max(s.at) <= ?2",
    )?;
    let rows = st.query_map(params![group, at], |r| {
        Ok(Rejoin {
            member_id: r.get(0)?,
            group_id: group,
            sanction_id: r.get(1)?,
            at,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A content draft was saved: one incident per word it hits that has none open (no
/// member, no task — nothing was posted; the review queue's keyword check still refuses
/// approval without an override), and the open incidents of words no longer in it are
/// closed as fixed by the edit. Returns the incidents opened.
pub fn draft(
    tx: &Transaction<'_>,
    operator: &str,
    env: &Env<'_>,
    content: i64,
    text: &str,
    keywords: &Keywords,
) -> Result<Vec<i64>> {
    let now = env.now.timestamp();
    let group: Option<i64> = tx
        .prepare_cached("SELECT min(group_id) FROM content_groups WHERE content_id = ?1")?
        .query_row([content], |r| r.get(0))?;
    let mut hits: Vec<Hit> = Vec::new();
    for h in keywords.find(text) {
        if !hits.iter().any(|x| x.word == h.word) {
            hits.push(h);
        }
    }
    let open: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT id, keyword FROM risk_incidents
             WHERE source = 'content' AND content_id = ?1 AND state IN ('open', 'reviewed')",
        )?
        .query_map([content], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, word) in &open {
        if hits.iter().any(|h| h.word == *word) {
            continue;
        }
        tx.prepare_cached(
            "UPDATE risk_incidents SET state = 'acted', acted_by = ?2, acted_at = ?3,
                 reviewed_by = COALESCE(reviewed_by, ?2), reviewed_at = COALESCE(reviewed_at, ?3),
                 note = 'edited', version = version + 1
             WHERE id = ?1",
        )?
        .execute(params![id, operator, now])?;
        audit(
            tx,
            now,
            operator,
            "resolve",
            "incident",
            Some(*id),
            None,
            Some(&json!({ "state": "acted", "why": "edited", "content_id": content })),
        )?;
    }
    let mut opened = Vec::new();
    for h in hits {
        let n = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO risk_incidents (source, group_id, content_id, at, detected_at,
                     level, category, keyword, evidence, hit_start, hit_end)
                 VALUES ('content', ?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                group,
                content,
                now,
                h.level.number(),
                h.category.word(),
                h.word,
                text,
                h.start as i64,
                h.end as i64
            ])?;
        if n == 0 {
            continue;
        }
        let id = tx.last_insert_rowid();
        audit(
            tx,
            now,
            operator,
            "open",
            "incident",
            Some(id),
            None,
            Some(
                &json!({ "source": "content", "content_id": content, "word": h.word,
                          "category": h.category.word(), "level": h.level.number() }),
            ),
        )?;
        opened.push(id);
    }
    Ok(opened)
}
