//! The imported chat history as the keyword dry-run reads it (`shequn keywords test`,
//! issue 15): every visible text message (not one of an import still being written,
//! `visible_messages`) with its group's and sender's names, streamed in time order, and
//! the members with a sanction on record (whose hits are not "clean-looking"); and the
//! dry-run itself ([`dry_run`]), the one computation `keywords test` and the console's
//! preview of a word share.

use std::collections::HashSet;

use rusqlite::{Connection, params};

use super::Result;
use crate::domain::keywords::dryrun::{DryRun, Message, Report};
use crate::domain::keywords::{Category, Entry};

/// One message of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryMessage {
    pub group: String,
    pub member_id: Option<i64>,
    pub member: Option<String>,
    pub sent_at: i64,
    pub content: String,
}

/// Walk the visible text messages sent at or after `since` (all when `None`), of one
/// group or all, oldest first.
pub fn each_message(
    conn: &Connection,
    since: Option<i64>,
    group: Option<i64>,
    mut f: impl FnMut(HistoryMessage),
) -> Result<()> {
    let mut st = conn.prepare_cached(
        "SELECT g.name, m.member_id, mb.name, m.sent_at, m.content
         FROM visible_messages m
         JOIN groups g ON g.id = m.group_id
         LEFT JOIN members mb ON mb.id = m.member_id
         WHERE m.content IS NOT NULL AND m.kind = 'text'
           AND m.sent_at >= ?1 AND (?2 IS NULL OR m.group_id = ?2)
         ORDER BY m.sent_at",
    )?;
    let mut rows = st.query(params![since.unwrap_or(i64::MIN), group])?;
    while let Some(r) = rows.next()? {
        f(HistoryMessage {
            group: r.get(0)?,
            member_id: r.get(1)?,
            member: r.get(2)?,
            sent_at: r.get(3)?,
            content: r.get(4)?,
        });
    }
    Ok(())
}

/// Members with any sanction on record (warned, muted or removed, in any group).
pub fn sanctioned_members(conn: &Connection) -> Result<HashSet<i64>> {
    let mut st = conn.prepare_cached("SELECT DISTINCT member_id FROM sanctions")?;
    let ids = st.query_map([], |r| r.get::<_, i64>(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// What the team's lists plus `proposed` would have flagged in the history (sent at or
/// after `since`, of one group or all), only the hits of `only` when given: `keywords
/// test` and the console's preview before a word is saved. A proposed word the lists
/// do not report yet is marked `proposed` in the report.
pub fn dry_run(
    conn: &Connection,
    proposed: &[(Category, Entry)],
    only: Option<Category>,
    since: Option<i64>,
    group: Option<i64>,
) -> Result<Report> {
    let current = super::settings::team(conn)?.keywords;
    let k = super::settings::team_keywords_with(conn, proposed)?;
    let new_words: Vec<&str> = proposed
        .iter()
        .filter(|(c, e)| current.reports(*c, &e.word).is_none())
        .map(|(_, e)| e.word.as_str())
        .collect();
    let mut run = DryRun::default();
    each_message(conn, since, group, |m| {
        let hits = k.find(&m.content);
        run.add(
            &Message {
                group: &m.group,
                member_id: m.member_id,
                member: m.member.as_deref(),
                sent_at: m.sent_at,
                content: &m.content,
            },
            &hits,
            only,
        );
    })?;
    let sanctioned = sanctioned_members(conn)?;
    Ok(run.report(&sanctioned, |w| new_words.contains(&w)))
}
