//! Risk control in the store (issue 15): incidents with their response clock, the
//! actions taken on them (sanctions), and the read models the CLI (`shequn risk`) and
//! the Risk tab share.
//!
//! * [`open`] opens incidents — from the keyword hits of imported messages (written in
//!   the import's last transaction, so they appear with the batch and never before),
//!   from content drafts, from a removed member re-joining — with their Today task and,
//!   for level 1, a reminder that fires at once.
//! * [`act`] takes a step on an incident or a member: review, warn, mute, remove,
//!   close the group, dismiss as a false positive; each a sanctions row and an audit
//!   row, refused when a colleague already acted (the incident's `version`).
//! * This file: the queue ([`list`]), one incident ([`get`]), a member's record across
//!   groups ([`member_record`]), the words that hit most ([`top_words`]), ad share per
//!   group ([`ad_share`]) and the on-time shares ([`on_time`]); all of them at once for
//!   the Risk tab ([`board`]).
//!
//! The clock (README "Risk"): `at` is when the message was sent, `detected_at` when
//! shequn saw it (the import's time), `reviewed_at` the first person's look (or the
//! action), `acted_at` the action. What those times mean against the targets is
//! `domain::risk::Clock`.

pub mod act;
pub mod open;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Result, StoreError};
use crate::domain::keywords::Level;
use crate::domain::risk::{Action, Clock, Judged, OnTime, RiskRules, State, next_sanction};

/// One incident as the queue, `risk list|show` and the Risk tab show it. The JSON of
/// `risk list` and `risk show` is this struct.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRow {
    pub id: i64,
    pub level: u8,
    /// `open`, `reviewed`, `acted`, `dismissed`.
    pub state: String,
    /// `message`, `content`, `rejoin`, `manual`.
    pub source: String,
    pub group: Option<String>,
    pub group_id: Option<i64>,
    pub member: Option<String>,
    pub member_id: Option<i64>,
    pub content_id: Option<i64>,
    /// The keyword list's slug (`ad`, `fraud`, …), or `blacklist` for a re-join.
    pub category: Option<String>,
    pub keyword: Option<String>,
    /// The text the word was found in, and the word's byte span in it.
    pub evidence: Option<String>,
    pub hit_start: Option<usize>,
    pub hit_end: Option<usize>,
    /// The clock (unix seconds).
    pub at: i64,
    pub detected_at: i64,
    pub reviewed_at: Option<i64>,
    pub reviewed_by: Option<String>,
    pub acted_at: Option<i64>,
    pub acted_by: Option<String>,
    /// What was done: `warn`, `mute`, `remove`, `close`, `dismiss`.
    pub action: Option<String>,
    pub note: Option<String>,
    /// Against the targets: `on_time`, `late`, `running`, `exempt` (backfill).
    pub detection: Judged,
    pub review: Judged,
    /// Seconds from message to detection, detection to review and to action.
    pub detect_secs: i64,
    pub review_secs: Option<i64>,
    pub act_secs: Option<i64>,
    /// Its task on the Today tab, if it has one.
    pub task: Option<i64>,
    pub version: i64,
}

impl IncidentRow {
    pub fn clock(&self) -> Clock {
        Clock {
            at: self.at,
            detected_at: self.detected_at,
            reviewed_at: self.reviewed_at,
            acted_at: self.acted_at,
        }
    }

    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::Open)
    }

    pub fn level(&self) -> Level {
        Level::from_number(i64::from(self.level)).unwrap_or(Level::Warn)
    }

    /// The word as written in the evidence, when the span holds.
    pub fn hit_text(&self) -> Option<&str> {
        let e = self.evidence.as_deref()?;
        e.get(self.hit_start?..self.hit_end?)
    }
}

const SELECT: &str = "SELECT r.id, r.level, r.state, r.source, g.name, r.group_id,
        COALESCE(NULLIF(ms.group_nickname, ''), m.name), r.member_id, r.content_id, r.category,
        r.keyword, r.evidence, r.hit_start, r.hit_end, r.at, r.detected_at, r.reviewed_at,
        r.reviewed_by, r.acted_at, r.acted_by, r.action, r.note, r.version,
        (SELECT max(s.id) FROM sop_instances s WHERE s.incident_id = r.id)
 FROM risk_incidents r
 LEFT JOIN groups g ON g.id = r.group_id
 LEFT JOIN members m ON m.id = r.member_id
 LEFT JOIN memberships ms ON ms.group_id = r.group_id AND ms.member_id = r.member_id";

fn read_row(r: &rusqlite::Row<'_>, rules: &RiskRules, now: i64) -> rusqlite::Result<IncidentRow> {
    let span = |i: usize| -> rusqlite::Result<Option<usize>> {
        Ok(r.get::<_, Option<i64>>(i)?
            .and_then(|v| usize::try_from(v).ok()))
    };
    let mut row = IncidentRow {
        id: r.get(0)?,
        level: r.get(1)?,
        state: r.get(2)?,
        source: r.get(3)?,
        group: r.get(4)?,
        group_id: r.get(5)?,
        member: r.get(6)?,
        member_id: r.get(7)?,
        content_id: r.get(8)?,
        category: r.get(9)?,
        keyword: r.get(10)?,
        evidence: r.get(11)?,
        hit_start: span(12)?,
        hit_end: span(13)?,
        at: r.get(14)?,
        detected_at: r.get(15)?,
        reviewed_at: r.get(16)?,
        reviewed_by: r.get(17)?,
        acted_at: r.get(18)?,
        acted_by: r.get(19)?,
        action: r.get(20)?,
        note: r.get(21)?,
        version: r.get(22)?,
        task: r.get(23)?,
        detection: Judged::Exempt,
        review: Judged::Running,
        detect_secs: 0,
        review_secs: None,
        act_secs: None,
    };
    let c = row.clock();
    row.detection = c.detection(rules);
    row.review = c.review(rules, now);
    row.detect_secs = c.detect_secs();
    row.review_secs = c.review_secs();
    row.act_secs = c.act_secs();
    Ok(row)
}

/// What the queue shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only incidents still waiting for an action (open or reviewed).
    pub pending: bool,
    pub level: Option<Level>,
    pub group_id: Option<i64>,
    pub member_id: Option<i64>,
    /// Detected at or after this instant.
    pub since: Option<i64>,
}

/// The queue: pending incidents first — the most serious level first, then the oldest
/// (the one waiting longest) — then the handled ones, the latest first.
pub fn list(
    conn: &Connection,
    f: &Filter,
    rules: &RiskRules,
    now: i64,
) -> Result<Vec<IncidentRow>> {
    let sql = format!(
        "{SELECT}
         WHERE (?1 = 0 OR r.state IN ('open', 'reviewed'))
           AND (?2 IS NULL OR r.level = ?2)
           AND (?3 IS NULL OR r.group_id = ?3)
           AND (?4 IS NULL OR r.member_id = ?4)
           AND (?5 IS NULL OR r.detected_at >= ?5)
         ORDER BY r.state NOT IN ('open', 'reviewed'),
                  CASE WHEN r.state IN ('open', 'reviewed') THEN r.level END,
                  CASE WHEN r.state IN ('open', 'reviewed') THEN r.detected_at END,
                  CASE WHEN r.state IN ('open', 'reviewed') THEN r.at END,
                  COALESCE(r.acted_at, r.detected_at) DESC, r.id DESC"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(
        params![
            f.pending,
            f.level.map(|l| l.number()),
            f.group_id,
            f.member_id,
            f.since
        ],
        |r| read_row(r, rules, now),
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One incident.
pub fn get(conn: &Connection, id: i64, rules: &RiskRules, now: i64) -> Result<IncidentRow> {
    let sql = format!("{SELECT} WHERE r.id = ?1");
    conn.query_row(&sql, [id], |r| read_row(r, rules, now))
        .optional()?
        .ok_or(StoreError::NotFound {
            what: "incident",
            id,
        })
}

/// The on-time shares of the incidents detected at or after `since`.
pub fn on_time(conn: &Connection, rules: &RiskRules, now: i64, since: i64) -> Result<OnTime> {
    let mut st = conn.prepare_cached(
        "SELECT at, detected_at, reviewed_at, acted_at FROM risk_incidents
         WHERE detected_at >= ?1 AND state <> 'dismissed' AND source <> 'manual'",
    )?;
    let clocks: Vec<Clock> = st
        .query_map([since], |r| {
            Ok(Clock {
                at: r.get(0)?,
                detected_at: r.get(1)?,
                reviewed_at: r.get(2)?,
                acted_at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(OnTime::of(&clocks, rules, now))
}

/// One action on record (`sanctions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SanctionRow {
    pub id: i64,
    pub at: i64,
    pub group: Option<String>,
    /// `warn`, `mute`, `remove`, `close`, `dismiss`.
    pub action: String,
    pub reason: String,
    pub by: String,
    pub incident_id: Option<i64>,
}

/// A member's record across every group: the actions on record, how many incidents,
/// and the next step of the escalation (warn → mute → remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberRecord {
    pub member_id: i64,
    pub name: String,
    /// Latest first.
    pub sanctions: Vec<SanctionRow>,
    pub incidents: i64,
    /// Groups the member is in now.
    pub groups: Vec<String>,
    /// Removed from a group once: a re-join anywhere opens an incident.
    pub blacklisted: bool,
    /// The next sanction the escalation suggests.
    pub next: Action,
}

/// A member's record.
pub fn member_record(conn: &Connection, member: i64) -> Result<MemberRecord> {
    let name: String = conn
        .query_row("SELECT name FROM members WHERE id = ?1", [member], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or(StoreError::NotFound {
            what: "member",
            id: member,
        })?;
    let sanctions: Vec<SanctionRow> = conn
        .prepare_cached(
            "SELECT s.id, s.at, g.name, s.level, s.reason, s.by, s.incident_id
             FROM sanctions s LEFT JOIN groups g ON g.id = s.group_id
             WHERE s.member_id = ?1 ORDER BY s.at DESC, s.id DESC",
        )?
        .query_map([member], |r| {
            Ok(SanctionRow {
                id: r.get(0)?,
                at: r.get(1)?,
                group: r.get(2)?,
                action: r.get(3)?,
                reason: r.get(4)?,
                by: r.get(5)?,
                incident_id: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let incidents: i64 = conn.query_row(
        "SELECT count(*) FROM risk_incidents WHERE member_id = ?1",
        [member],
        |r| r.get(0),
    )?;
    let groups: Vec<String> = conn
        .prepare_cached(
            "SELECT g.name FROM memberships ms JOIN groups g ON g.id = ms.group_id
             WHERE ms.member_id = ?1 AND ms.left_at IS NULL AND g.archived = 0 ORDER BY g.name",
        )?
        .query_map([member], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let actions: Vec<Action> = sanctions
        .iter()
        .filter_map(|s| Action::parse(&s.action))
        .collect();
    Ok(MemberRecord {
        member_id: member,
        name,
        blacklisted: actions.contains(&Action::Remove),
        next: next_sanction(&actions),
        sanctions,
        incidents,
        groups,
    })
}

/// The sanctions on record for a member, as actions (what the escalation counts).
pub fn record_of(conn: &Connection, member: i64) -> Result<Vec<Action>> {
    let words: Vec<String> = conn
        .prepare_cached("SELECT level FROM sanctions WHERE member_id = ?1")?
        .query_map([member], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(words.iter().filter_map(|w| Action::parse(w)).collect())
}

/// A word's hits in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordHits {
    pub word: String,
    pub category: Option<String>,
    pub incidents: i64,
    /// Of those, dismissed as false positives (a word to refine).
    pub dismissed: i64,
}

/// The words that opened most incidents from `since` on (messages and drafts), most
/// first.
pub fn top_words(conn: &Connection, since: i64, limit: usize) -> Result<Vec<WordHits>> {
    let mut st = conn.prepare_cached(
        "SELECT keyword, min(category), count(*), sum(state = 'dismissed') FROM risk_incidents
         WHERE at >= ?1 AND keyword IS NOT NULL AND source IN ('message', 'content')
         GROUP BY keyword ORDER BY count(*) DESC, keyword LIMIT ?2",
    )?;
    let rows = st.query_map(params![since, limit as i64], |r| {
        Ok(WordHits {
            word: r.get(0)?,
            category: r.get(1)?,
            incidents: r.get(2)?,
            dismissed: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A group's ad share over a period (the KPI `ad_share`, weighted by the day's
/// messages) against the 5 % line of DOMAIN.md §6 (`kpi.alerts.ads_high`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdShare {
    pub group: String,
    pub group_id: i64,
    pub messages: f64,
    pub ads: f64,
    /// ads / messages; `None` without messages.
    pub share: Option<f64>,
}

/// Ad share per group for the days `from..=to` ('YYYY-MM-DD'), highest first.
pub fn ad_share(conn: &Connection, from: &str, to: &str) -> Result<Vec<AdShare>> {
    let mut st = conn.prepare_cached(
        "SELECT g.name, g.id,
                COALESCE(sum(m.value), 0),
                COALESCE(sum(m.value * a.value), 0)
         FROM groups g
         LEFT JOIN kpi_daily m ON m.group_id = g.id AND m.metric = 'messages' AND m.day BETWEEN ?1 AND ?2
         LEFT JOIN kpi_daily a ON a.group_id = g.id AND a.metric = 'ad_share' AND a.day = m.day
         WHERE g.archived = 0
         GROUP BY g.id",
    )?;
    let mut rows: Vec<AdShare> = st
        .query_map(params![from, to], |r| {
            let messages: f64 = r.get(2)?;
            let ads: f64 = r.get(3)?;
            Ok(AdShare {
                group: r.get(0)?,
                group_id: r.get(1)?,
                messages,
                ads: ads.round(),
                share: (messages > 0.0).then(|| ads / messages),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.sort_by(|a, b| {
        b.share
            .unwrap_or(-1.0)
            .total_cmp(&a.share.unwrap_or(-1.0))
            .then_with(|| a.group.cmp(&b.group))
    });
    Ok(rows)
}

/// Pending incidents per level (1, 2, 3): the status line and the tab's title.
pub fn pending_counts(conn: &Connection) -> Result<[i64; 3]> {
    let mut out = [0; 3];
    let mut st = conn.prepare_cached(
        "SELECT level, count(*) FROM risk_incidents WHERE state IN ('open', 'reviewed') GROUP BY level",
    )?;
    let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (level, n) = row?;
        if let Some(slot) = usize::try_from(level - 1).ok().and_then(|i| out.get_mut(i)) {
            *slot = n;
        }
    }
    Ok(out)
}

/// Members a `--member` names: its id, or its wxid, WeChat name or group nickname.
pub fn find_members(conn: &Connection, text: &str) -> Result<Vec<(i64, String)>> {
    let text = text.trim();
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT m.id, m.name FROM members m
         LEFT JOIN memberships ms ON ms.member_id = m.id
         WHERE CAST(m.id AS TEXT) = ?1 OR m.wxid = ?1 OR m.name = ?1 OR ms.group_nickname = ?1
         ORDER BY m.id",
    )?;
    let rows = st.query_map([text], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Days of handled incidents, and of the on-time shares, the Risk tab shows (the
/// default of `risk list`'s shares).
pub const BOARD_DAYS: i64 = 30;
/// Days the words that hit most and the ad share are counted over ("this week").
pub const WEEK_DAYS: i64 = 7;
/// At most this many members' records are read with the board (the members of the
/// incidents listed first): the detail popup shows them without asking again.
const BOARD_RECORDS: usize = 200;

/// Everything the Risk tab shows, read in one go.
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    /// Every pending incident, then those handled in the last [`BOARD_DAYS`] days.
    pub incidents: Vec<IncidentRow>,
    /// The records of the listed incidents' members.
    pub records: Vec<MemberRecord>,
    /// This week's words that hit most.
    pub top_words: Vec<WordHits>,
    /// This week's ad share per group, highest first.
    pub ad_share: Vec<AdShare>,
    /// Over the last [`BOARD_DAYS`] days.
    pub on_time: OnTime,
}

/// The Risk tab's data at `now`; `from..=to` are the team's calendar days of this week
/// (the ad share is kept per day).
pub fn board(
    conn: &Connection,
    rules: &RiskRules,
    now: i64,
    from: &str,
    to: &str,
) -> Result<Board> {
    let since = now - BOARD_DAYS * 86_400;
    let mut incidents = list(
        conn,
        &Filter {
            pending: true,
            ..Filter::default()
        },
        rules,
        now,
    )?;
    incidents.extend(
        list(
            conn,
            &Filter {
                since: Some(since),
                ..Filter::default()
            },
            rules,
            now,
        )?
        .into_iter()
        .filter(|r| !r.state().pending()),
    );
    let mut members: Vec<i64> = Vec::new();
    for m in incidents.iter().filter_map(|r| r.member_id) {
        if !members.contains(&m) {
            members.push(m);
        }
        if members.len() >= BOARD_RECORDS {
            break;
        }
    }
    let records = members
        .into_iter()
        .map(|m| member_record(conn, m))
        .collect::<Result<Vec<_>>>()?;
    Ok(Board {
        incidents,
        records,
        top_words: top_words(conn, now - WEEK_DAYS * 86_400, 10)?,
        ad_share: ad_share(conn, from, to)?,
        on_time: on_time(conn, rules, now, since)?,
    })
}
