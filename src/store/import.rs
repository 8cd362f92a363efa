//! Chat imports into the store: records from `crate::import` become members,
//! memberships, messages, member events, per-member daily activity, chat points and
//! fresh tiers — all in one `BEGIN IMMEDIATE` transaction per file, so a malformed row
//! leaves the database exactly as it was, and a re-import adds nothing (every message
//! and event has a stable key: a message is its (group, time, export key), an event
//! its (group, key)).
//!
//! Speed (`cargo bench --bench import`, README): one transaction, cached prepared
//! statements, members and groups resolved through in-memory maps, messages written in
//! the order of their table's key (appends, not random pages), foreign-key checks off
//! inside the transaction, and daily activity summed in memory and written once at the
//! end (one upsert per member and day instead of one per message).
//!
//! Memory (the same benchmark, issue 11: a million messages in at most 100 MB): messages
//! wait in sorted chunks of 8,192, the page cache is 16 MB, and the daily activity is a
//! list of days per member.

use crate::domain::roles::Perm;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::json;

use super::{Store, StoreError, audit, members};
use crate::domain::roster::{Allowance, TooMany};
use crate::domain::rules::Rules;
use crate::import::{Event, EventKind, ImportError, Message, Record, RecordKind};

/// What an import did. Every record read is counted in exactly one of `messages`,
/// `events`, `duplicates`, `skipped` and `errors`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChatSummary {
    pub file: String,
    pub format: String,
    pub read: u64,
    pub messages: u64,
    pub events: u64,
    pub duplicates: u64,
    pub skipped: u64,
    pub errors: u64,
    pub new_members: u64,
    pub groups: Vec<String>,
    pub tier_changes: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ChatImportError {
    /// The file is wrong at a line: nothing was written.
    #[error("{file}:{}: {}", .err.line, .err.reason)]
    Bad { file: String, err: ImportError },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ChatImportError {
    fn from(e: rusqlite::Error) -> Self {
        ChatImportError::Store(e.into())
    }
}

pub struct ChatOptions<'a> {
    /// `--group`: the group every record belongs to (overrides what the file says).
    pub group: Option<&'a str>,
    /// `wecom` or `personal`, for groups the import creates.
    pub platform: &'a str,
    pub file: &'a str,
    pub format: &'a str,
}

/// Messages held before a sorted write: bounds memory (about 1 MB) whatever the file
/// size. Small on purpose: the reader thread's queue (`import::prefetch`) must hold about
/// one chunk for parsing to overlap the writes, so the chunk sets the memory of both. The
/// sort only pays for exports that are not in time order; 8,192 messages still cover
/// minutes to hours of a busy group.
const CHUNK: usize = 8_192;

/// The page cache during an import (KiB; the connection's usual one is 2 MB). Dirty pages
/// of the transaction stay pinned in it until it is full, and then SQLite evicts clean
/// pages first, so what it really buys is room for the member and membership indexes
/// that every new sender is looked up in and inserted into: with 100,000 new senders in
/// one file, 2 MB made the record phase 1.5 s slower than 16 MB, and 64 MB (the cache
/// before issue 11) was no faster than 16 MB but held 64 MB of written message pages.
const IMPORT_CACHE_KIB: i64 = 16_384;

/// A message waiting for its chunk.
struct Pending {
    g: i64,
    m: i64,
    at: i64,
    kind: &'static str,
    content: String,
    hash: i64,
    day: NaiveDate,
}

const INSERT_MESSAGE: &str =
    "INSERT OR IGNORE INTO messages (group_id, member_id, sent_at, kind, content, key_hash)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// Names that stand for the exporting account itself: the parsers' markers, and the
/// English client's "You" as it appears in system texts.
fn is_self(name: &str) -> bool {
    let n = name.trim();
    n == crate::import::SELF_TARGET
        || n == crate::import::SELF_SENDER
        || n.eq_ignore_ascii_case("you")
}

struct Ctx<'t, 'c> {
    tx: &'t Transaction<'c>,
    /// Prepared once: the statement run for every message.
    insert_message: rusqlite::Statement<'t>,
    pending: Vec<Pending>,
    inserted: u64,
    duplicates: u64,
    tz: Tz,
    platform: String,
    groups: HashMap<String, i64>,
    group_names: Vec<(i64, String)>,
    /// (group, sender id or name) → member
    /// group → (sender id or name → member); looked up by &str, no allocation
    members: HashMap<i64, HashMap<String, i64>>,
    memberships: HashMap<(i64, i64), ()>,
    /// (group, member) → messages per day, in the order the days were first seen. Per
    /// member rather than one map entry per (group, member, day): a million messages
    /// over 90 days make ~270,000 member-days, which took 17 MB as map entries (26 MB
    /// while the map grew) and take 2 MB as pairs in a few thousand lists.
    activity: HashMap<(i64, i64), Vec<(NaiveDate, u32)>>,
    /// [from, to) of the last day computed, and that day
    day_cache: Option<(i64, i64, NaiveDate)>,
    new_members: u64,
    /// Time spent writing messages (the rest of the record phase is parsing and
    /// member resolution): logged per import.
    write_time: std::time::Duration,
}

impl Ctx<'_, '_> {
    /// The team's day of an instant. Messages come in time order, so the last day's
    /// bounds answer almost every call without a time-zone lookup.
    fn day(&mut self, at: i64) -> NaiveDate {
        if let Some((from, to, day)) = self.day_cache
            && at >= from
            && at < to
        {
            return day;
        }
        let day = DateTime::<Utc>::from_timestamp(at, 0)
            .map_or(NaiveDate::MIN, |t| t.with_timezone(&self.tz).date_naive());
        let (from, to) = crate::clock::day_bounds(day, self.tz);
        self.day_cache = Some((from, to, day));
        day
    }

    fn group(&mut self, name: &str, at: i64) -> Result<i64, StoreError> {
        if let Some(&id) = self.groups.get(name) {
            return Ok(id);
        }
        let found: Option<i64> = self
            .tx
            .query_row("SELECT id FROM groups WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                let created = self.day(at).to_string();
                // A group seen for the first time: its type is not known yet
                // (`shequn group` can set it); it existed at least since this record.
                self.tx.execute(
                    "INSERT INTO groups (name, kind, platform, created_on) VALUES (?1, '未分类', ?2, ?3)",
                    params![name, self.platform, created],
                )?;
                self.tx.last_insert_rowid()
            }
        };
        self.groups.insert(name.to_string(), id);
        self.group_names.push((id, name.to_string()));
        Ok(id)
    }

    /// The member behind an id (wxid) or a display name in a group; created if new.
    fn member(&mut self, g: i64, id: Option<&str>, name: &str, at: i64) -> Result<i64, StoreError> {
        let key = id.unwrap_or(name);
        if let Some(&m) = self.members.get(&g).and_then(|by| by.get(key)) {
            return Ok(m);
        }
        // Two indexed lookups (by group nickname, then by name) rather than one OR,
        // which SQLite answers by walking the whole group: that made importing a
        // 5,000-member group quadratic. INDEXED BY because without statistics the
        // planner may still prefer the (group_id, member_id) index.
        let by_name = |tx: &Transaction<'_>,
                       only_without_id: bool|
         -> rusqlite::Result<Option<i64>> {
            let nick: Option<i64> = tx
                .prepare_cached(
                    "SELECT m.id FROM memberships ms INDEXED BY memberships_group_nick
                     JOIN members m ON m.id = ms.member_id
                     WHERE ms.group_id = ?1 AND ms.group_nickname = ?2 AND (?3 = 0 OR m.wxid IS NULL)
                     ORDER BY ms.left_at IS NOT NULL, ms.id LIMIT 1",
                )?
                .query_row(params![g, name, only_without_id], |r| r.get(0))
                .optional()?;
            if nick.is_some() {
                return Ok(nick);
            }
            tx.prepare_cached(
                "SELECT m.id FROM members m INDEXED BY members_name
                 JOIN memberships ms ON ms.member_id = m.id AND ms.group_id = ?1
                 WHERE m.name = ?2 AND (?3 = 0 OR m.wxid IS NULL)
                 ORDER BY ms.left_at IS NOT NULL, ms.id LIMIT 1",
            )?
            .query_row(params![g, name, only_without_id], |r| r.get(0))
            .optional()
        };
        let found: Option<i64> = match id {
            Some(wxid) => {
                let known: Option<i64> = self
                    .tx
                    .prepare_cached("SELECT id FROM members WHERE wxid = ?1")?
                    .query_row([wxid], |r| r.get(0))
                    .optional()?;
                match known {
                    Some(m) => Some(m),
                    // Seen before only by name (a system text names people, it has no
                    // wxid): the same person, now with their id.
                    None => {
                        let m = by_name(self.tx, true)?;
                        if let Some(m) = m {
                            self.tx
                                .prepare_cached("UPDATE members SET wxid = ?2 WHERE id = ?1")?
                                .execute(params![m, wxid])?;
                        }
                        m
                    }
                }
            }
            None => by_name(self.tx, false)?,
        };
        let m = match found {
            Some(m) => m,
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO members (wxid, name, created_at) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![id, name, at])?;
                self.new_members += 1;
                self.tx.last_insert_rowid()
            }
        };
        self.members
            .entry(g)
            .or_default()
            .insert(key.to_string(), m);
        self.membership(g, m)?;
        Ok(m)
    }

    fn membership(&mut self, g: i64, m: i64) -> Result<(), StoreError> {
        if self.memberships.insert((g, m), ()).is_none() {
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO memberships (group_id, member_id) VALUES (?1, ?2)",
                )?
                .execute(params![g, m])?;
        }
        Ok(())
    }

    /// Queue a message; queued messages are written CHUNK at a time, sorted by key.
    fn message(&mut self, g: i64, msg: Message) -> Result<(), StoreError> {
        let m = self.member(g, msg.sender_id.as_deref(), &msg.sender_name, msg.at)?;
        let day = self.day(msg.at);
        self.pending.push(Pending {
            g,
            m,
            at: msg.at,
            kind: msg.kind.word(),
            content: msg.content,
            hash: super::key_hash(&msg.key),
            day,
        });
        if self.pending.len() >= CHUNK {
            self.write_pending()?;
        }
        Ok(())
    }

    /// Write the queued messages in the order of the de-duplication index (group, time,
    /// key): an export that is not in time order (or interleaves groups) still walks
    /// the index front to back instead of touching a random page per message. Only
    /// messages not already stored count as activity.
    fn write_pending(&mut self) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_unstable_by_key(|p| (p.g, p.at, p.hash));
        for p in &pending {
            let n = self
                .insert_message
                .execute(params![p.g, p.m, p.at, p.kind, p.content, p.hash])?;
            if n > 0 {
                // messages come sorted by time within a chunk (and usually across
                // chunks): the member's last day is almost always the one to count on
                let days = self.activity.entry((p.g, p.m)).or_default();
                match days.last_mut() {
                    Some((day, count)) if *day == p.day => *count = count.saturating_add(1),
                    _ => days.push((p.day, 1)),
                }
                self.inserted += 1;
            } else {
                self.duplicates += 1;
            }
        }
        pending.clear();
        self.pending = pending;
        self.write_time += started.elapsed();
        Ok(())
    }

    fn event(&mut self, g: i64, ev: &Event) -> Result<bool, StoreError> {
        let actor = match ev.actor.as_deref() {
            Some(a) if !is_self(a) => Some(self.member(g, None, a, ev.at)?),
            _ => None,
        };
        let kind = match ev.kind {
            EventKind::JoinInvite | EventKind::JoinQr => "join",
            EventKind::Kick => "kick",
            EventKind::Leave => "leave",
            EventKind::Rename => "rename",
            EventKind::Revoke => "revoke",
        };
        // events about no one in particular (a rename, a recall) are one row
        let targets: Vec<&String> = ev.targets.iter().filter(|t| !is_self(t)).collect();
        let mut inserted = false;
        if targets.is_empty() || matches!(ev.kind, EventKind::Rename | EventKind::Revoke) {
            let detail =
                json!({ "text": ev.detail, "actor": ev.actor, "kind": ev.kind }).to_string();
            inserted = self
                .tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO member_events (group_id, member_id, at, kind, detail, source_key)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![g, actor, ev.at, kind, detail, ev.key])?
                > 0;
            return Ok(inserted);
        }
        for (i, t) in targets.into_iter().enumerate() {
            let m = self.member(g, None, t, ev.at)?;
            let detail =
                json!({ "text": ev.detail, "actor": ev.actor, "kind": ev.kind }).to_string();
            let n = self
                .tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO member_events (group_id, member_id, at, kind, detail, source_key)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![g, m, ev.at, kind, detail, format!("{}#{i}", ev.key)])?;
            if n == 0 {
                continue;
            }
            inserted = true;
            match ev.kind {
                EventKind::JoinInvite | EventKind::JoinQr => {
                    // the earliest known join; a join after a leave brings them back
                    self.tx
                        .prepare_cached(
                            "UPDATE memberships SET
                                 joined_at = CASE WHEN joined_at IS NULL OR joined_at > ?3 THEN ?3 ELSE joined_at END,
                                 left_at = CASE WHEN left_at IS NOT NULL AND left_at < ?3 THEN NULL ELSE left_at END,
                                 left_reason = CASE WHEN left_at IS NOT NULL AND left_at < ?3 THEN NULL ELSE left_reason END
                             WHERE group_id = ?1 AND member_id = ?2",
                        )?
                        .execute(params![g, m, ev.at])?;
                }
                EventKind::Kick | EventKind::Leave => {
                    let why = if ev.kind == EventKind::Kick {
                        "kicked"
                    } else {
                        "left"
                    };
                    self.tx
                        .prepare_cached(
                            "UPDATE memberships SET left_at = ?3, left_reason = ?4
                             WHERE group_id = ?1 AND member_id = ?2 AND (left_at IS NULL OR left_at < ?3)
                               AND (joined_at IS NULL OR joined_at <= ?3)",
                        )?
                        .execute(params![g, m, ev.at, why])?;
                }
                EventKind::Rename | EventKind::Revoke => {}
            }
        }
        Ok(inserted)
    }

    /// Write the summed activity: one upsert per member and day. Chat points are not
    /// written: they are derived from this activity (see `members::balance`).
    fn flush(&mut self) -> Result<(), StoreError> {
        let mut up = self.tx.prepare_cached(
            "INSERT INTO activity_daily (group_id, member_id, day, messages) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (group_id, member_id, day) DO UPDATE SET messages = messages + excluded.messages",
        )?;
        let mut members: Vec<_> = self.activity.drain().collect();
        // in key order (group, member, day): the B-tree is filled front to back
        members.sort_unstable_by_key(|(k, _)| *k);
        let mut days = std::collections::BTreeSet::new();
        for ((g, m), mut counts) in members {
            // an export out of time order lists a day more than once: the upsert sums them
            counts.sort_by_key(|(day, _)| *day);
            for (day, n) in counts {
                up.execute(params![g, m, day.to_string(), n])?;
                days.insert((g, day));
            }
        }
        // the KPI recompute after the import counts these days again
        super::kpi::mark_days(self.tx, days)?;
        Ok(())
    }
}

/// Import a stream of records into the database in one transaction.
pub fn import_chat<I>(
    store: &mut Store,
    records: I,
    opts: &ChatOptions<'_>,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &Rules,
) -> Result<ChatSummary, ChatImportError>
where
    I: Iterator<Item = Result<Record, ImportError>>,
{
    let started = std::time::Instant::now();
    let mut summary = ChatSummary {
        file: opts.file.to_string(),
        format: opts.format.to_string(),
        ..ChatSummary::default()
    };
    // A bigger page cache while the member tables are written (see IMPORT_CACHE_KIB),
    // and foreign-key checks off for the import's transaction: every group and member a
    // row references was looked up or created inside this same transaction, which
    // holds the write lock, so nobody can delete them meanwhile and the two lookups
    // per message prove nothing (measured: a quarter of the write phase). The import
    // tests run `foreign_key_check` after every fixture. Both pragmas can only change
    // outside a transaction and are restored on every path.
    store
        .conn()
        .pragma_update(None, "cache_size", -IMPORT_CACHE_KIB)?;
    store.conn().pragma_update(None, "foreign_keys", false)?;
    let result = import_chat_tx(store, records, opts, now, tz, rules, &mut summary, started);
    let restored = store.conn().pragma_update(None, "foreign_keys", true);
    let _ = store.conn().pragma_update(None, "cache_size", -2_000);
    let summary = result.map(|()| summary)?;
    restored?;
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
fn import_chat_tx<I>(
    store: &mut Store,
    records: I,
    opts: &ChatOptions<'_>,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &Rules,
    summary: &mut ChatSummary,
    started: std::time::Instant,
) -> Result<(), ChatImportError>
where
    I: Iterator<Item = Result<Record, ImportError>>,
{
    let file = opts.file.to_string();
    let operator = store.operator().to_string();
    let tracker = store.tracker();
    let tx = store
        .conn_mut(Perm::Import)?
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let before = tx.total_changes();
    tracker.reset();
    let mut ctx = Ctx {
        insert_message: tx.prepare(INSERT_MESSAGE)?,
        pending: Vec::with_capacity(CHUNK),
        inserted: 0,
        duplicates: 0,
        tx: &tx,
        tz,
        platform: opts.platform.to_string(),
        groups: HashMap::new(),
        group_names: Vec::new(),
        members: HashMap::new(),
        memberships: HashMap::new(),
        activity: HashMap::new(),
        day_cache: None,
        new_members: 0,
        write_time: std::time::Duration::ZERO,
    };
    for rec in records {
        let rec = rec.map_err(|err| ChatImportError::Bad {
            file: file.clone(),
            err,
        })?;
        summary.read += 1;
        // the group: --group, else what the record says (looked up without copying)
        let line = rec.line;
        let missing = || ChatImportError::Bad {
            file: file.clone(),
            err: ImportError {
                line,
                reason: "the export does not say which group this is: pass --group NAME".into(),
            },
        };
        match rec.kind {
            RecordKind::Message(m) => {
                let name = opts.group.or(m.group.as_deref()).ok_or_else(missing)?;
                let g = ctx.group(name, m.at)?;
                ctx.message(g, m)?;
            }
            RecordKind::Event(e) => {
                let name = opts.group.or(e.group.as_deref()).ok_or_else(missing)?;
                let g = ctx.group(name, e.at)?;
                if ctx.event(g, &e)? {
                    summary.events += 1;
                } else {
                    summary.duplicates += 1;
                }
            }
            RecordKind::Skip { .. } => summary.skipped += 1,
        }
    }
    ctx.write_pending()?;
    summary.messages = ctx.inserted;
    summary.duplicates += ctx.duplicates;
    let t_records = started.elapsed();
    let write_ms = ctx.write_time.as_millis() as u64;
    ctx.flush()?;
    let t_flush = started.elapsed();
    let groups: Vec<i64> = ctx.group_names.iter().map(|(id, _)| *id).collect();
    summary.groups = ctx.group_names.iter().map(|(_, n)| n.clone()).collect();
    summary.new_members = ctx.new_members;
    // the prepared statements borrow the transaction: done with them before it commits
    drop(ctx);
    if summary.messages > 0 || summary.events > 0 {
        // messages and daily activity are WITHOUT ROWID tables the change hooks do not
        // see; every console's member figures and KPIs follow from them
        crate::store::changes::touch(
            &tx,
            crate::store::changes::Topics::MEMBERS | crate::store::changes::Topics::KPI,
        )?;
    }
    let changes = members::recompute_tiers(&tx, &groups, now, tz, &rules.tiers)?;
    summary.tier_changes = changes.changed;
    tracing::info!(
        records_ms = t_records.as_millis() as u64,
        flush_ms = (t_flush - t_records).as_millis() as u64,
        tiers_ms = (started.elapsed() - t_flush).as_millis() as u64,
        read = summary.read,
        write_ms = write_ms,
        "chat import"
    );
    audit(
        &tx,
        now.timestamp(),
        &operator,
        "import",
        "chat",
        None,
        None,
        Some(&serde_json::to_value(&*summary).map_err(StoreError::from)?),
    )?;
    tx.execute(
        "INSERT INTO import_batches (file, digest, format, started_at, finished_at, summary)
         VALUES (?1, '', ?2, ?3, ?3, ?4)",
        params![
            summary.file,
            summary.format,
            now.timestamp(),
            serde_json::to_string(&*summary).map_err(StoreError::from)?
        ],
    )?;
    crate::store::changes::seal(&tx, &tracker, tx.total_changes() - before)?;
    tx.commit()?;
    Ok(())
}

/// What a roster import did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RosterSummary {
    pub file: String,
    pub format: String,
    pub group: String,
    pub read: u64,
    pub new_members: u64,
    /// In the roster but not in the group before (or back after leaving).
    pub joined: u64,
    /// In the group before but missing from the roster: marked as left.
    pub left: u64,
    pub unchanged: u64,
    /// Members of the group before the import (not marked as left).
    pub present: u64,
    /// How many may leave without being refused: the team's share of `present`, or
    /// `--allow-leaves`; `None` under `--force`.
    pub max_leaves: Option<u64>,
    /// Nothing was written (`--dry-run`).
    pub dry_run: bool,
    /// The first [`ROSTER_NAMES`] of those who left and of those who joined, by name.
    pub left_names: Vec<String>,
    pub joined_names: Vec<String>,
}

/// How many names a roster summary lists of those who left or joined.
pub const ROSTER_NAMES: usize = 20;

/// How a roster import is to run.
#[derive(Debug, Clone, Copy)]
pub struct RosterOptions<'a> {
    pub group: &'a str,
    pub file: &'a str,
    pub format: &'a str,
    /// `--allow-leaves N` / `--force` (`domain::roster`).
    pub allow: Allowance,
    /// `--dry-run`: work it all out, write nothing.
    pub dry_run: bool,
}

/// Why a roster was not imported; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    /// No rows: a cut or wrong export, never a group whose members all left (the
    /// exporting account is in it).
    #[error("{file}: the roster lists no members")]
    Empty { file: String },
    /// More would leave than the team's share or `--allow-leaves` lets through.
    #[error("{}: {} of {} present members of {} would be marked as left", .summary.file, .too_many.leaving, .too_many.present, .summary.group)]
    TooManyLeaves {
        too_many: TooMany,
        summary: Box<RosterSummary>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for RosterError {
    fn from(e: rusqlite::Error) -> Self {
        RosterError::Store(e.into())
    }
}

/// A group's member list as WeChat has it now: members in it are (re)joined, members
/// missing from it are marked as left (`left_reason = roster`) — in personal WeChat a
/// voluntary leave leaves no message, so a roster diff is how shequn learns of it.
///
/// Guarded (issue 13): an empty roster is refused, and so is one that would mark more
/// members as left than the team's `import.max_leave_share` of the group (or
/// `--allow-leaves N`) unless forced. The whole diff is worked out inside one
/// transaction and committed only when allowed — a refusal or a dry run rolls it back,
/// so the counts they show are exactly what an import would do.
pub fn import_roster(
    store: &mut Store,
    entries: &[crate::import::roster::RosterEntry],
    opts: &RosterOptions<'_>,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &Rules,
) -> Result<RosterSummary, RosterError> {
    if entries.is_empty() {
        return Err(RosterError::Empty {
            file: opts.file.to_string(),
        });
    }
    let mut s = RosterSummary {
        file: opts.file.to_string(),
        format: opts.format.to_string(),
        group: opts.group.to_string(),
        read: entries.len() as u64,
        dry_run: opts.dry_run,
        ..RosterSummary::default()
    };
    let at = now.timestamp();
    let operator = store.operator().to_string();
    let tracker = store.tracker();
    let tx = store
        .conn_mut(Perm::Import)?
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let changes_before = tx.total_changes();
    tracker.reset();
    let g = roster_diff(&tx, entries, opts, at, tz, &mut s)?;
    s.max_leaves = if opts.allow.force {
        None
    } else {
        Some(opts.allow.allow_leaves.unwrap_or_else(|| {
            crate::domain::roster::max_leaves(s.present, rules.import.max_leave_share)
        }))
    };
    let verdict =
        crate::domain::roster::check(s.present, s.left, rules.import.max_leave_share, opts.allow);
    if opts.dry_run {
        // dropping the transaction rolls it back
        return Ok(s);
    }
    if let Err(too_many) = verdict {
        return Err(RosterError::TooManyLeaves {
            too_many,
            summary: Box::new(s),
        });
    }
    members::recompute_tiers(&tx, &[g], now, tz, &rules.tiers)?;
    audit(
        &tx,
        at,
        &operator,
        "import",
        "roster",
        Some(g),
        None,
        Some(&serde_json::to_value(&s).map_err(StoreError::from)?),
    )?;
    crate::store::changes::seal(&tx, &tracker, tx.total_changes() - changes_before)?;
    tx.commit()?;
    Ok(s)
}

/// The roster's diff against the group, written into `tx` (committed or not by the
/// caller): the group's id.
fn roster_diff(
    tx: &Transaction<'_>,
    entries: &[crate::import::roster::RosterEntry],
    opts: &RosterOptions<'_>,
    at: i64,
    tz: Tz,
    s: &mut RosterSummary,
) -> Result<i64, StoreError> {
    let mut ctx = Ctx {
        insert_message: tx.prepare(INSERT_MESSAGE)?,
        pending: Vec::new(),
        inserted: 0,
        duplicates: 0,
        tx,
        tz,
        platform: if opts.format == "wecom" {
            "wecom".into()
        } else {
            "personal".into()
        },
        groups: HashMap::new(),
        group_names: Vec::new(),
        members: HashMap::new(),
        memberships: HashMap::new(),
        activity: HashMap::new(),
        day_cache: None,
        new_members: 0,
        write_time: std::time::Duration::ZERO,
    };
    let g = ctx.group(opts.group, at)?;
    let before: HashMap<i64, Option<i64>> = tx
        .prepare("SELECT member_id, left_at FROM memberships WHERE group_id = ?1")?
        .query_map([g], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    s.present = before.values().filter(|left| left.is_none()).count() as u64;
    let mut present = std::collections::HashSet::new();
    for e in entries {
        let m = ctx.member(g, e.id.as_deref(), &e.name, e.joined_at.unwrap_or(at))?;
        if !present.insert(m) {
            // listed twice (by id and by name): counted once
            continue;
        }
        let role = e
            .role
            .as_deref()
            .filter(|r| matches!(*r, "owner" | "admin" | "member"));
        tx.execute(
            "UPDATE memberships SET group_nickname = COALESCE(?3, group_nickname),
                 joined_at = COALESCE(?4, joined_at), role = COALESCE(?5, role),
                 left_at = NULL, left_reason = NULL
             WHERE group_id = ?1 AND member_id = ?2",
            params![g, m, e.group_nickname, e.joined_at, role],
        )?;
        if e.name.trim() != "" {
            tx.execute(
                "INSERT OR IGNORE INTO member_aliases (member_id, alias) VALUES (?1, ?2)",
                params![m, e.group_nickname.as_deref().unwrap_or(&e.name)],
            )?;
        }
        match before.get(&m) {
            Some(None) => s.unchanged += 1,
            _ => {
                s.joined += 1;
                if s.joined_names.len() < ROSTER_NAMES {
                    s.joined_names.push(e.name.clone());
                }
                tx.execute(
                    "INSERT INTO member_events (group_id, member_id, at, kind, detail) VALUES (?1, ?2, ?3, 'join', 'roster')",
                    params![g, m, e.joined_at.unwrap_or(at)],
                )?;
            }
        }
    }
    // in member order, so the names listed are the same on every run
    let mut leaving: Vec<i64> = before
        .iter()
        .filter(|(m, left)| left.is_none() && !present.contains(*m))
        .map(|(&m, _)| m)
        .collect();
    leaving.sort_unstable();
    for m in leaving {
        if s.left_names.len() < ROSTER_NAMES {
            let name: String = tx
                .prepare_cached(
                    "SELECT COALESCE(NULLIF(ms.group_nickname, ''), m.name) FROM members m
                     JOIN memberships ms ON ms.member_id = m.id AND ms.group_id = ?1
                     WHERE m.id = ?2",
                )?
                .query_row(params![g, m], |r| r.get(0))?;
            s.left_names.push(name);
        }
        tx.execute(
            "UPDATE memberships SET left_at = ?3, left_reason = 'roster' WHERE group_id = ?1 AND member_id = ?2",
            params![g, m, at],
        )?;
        tx.execute(
            "INSERT INTO member_events (group_id, member_id, at, kind, detail) VALUES (?1, ?2, ?3, 'leave', 'roster')",
            params![g, m, at],
        )?;
        s.left += 1;
    }
    s.new_members = ctx.new_members;
    Ok(g)
}

/// What an orders import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrdersSummary {
    pub file: String,
    pub read: u64,
    pub orders: u64,
    pub duplicates: u64,
    /// Orders whose member shequn does not know (by wxid or name): not imported.
    pub unmatched: u64,
    pub errors: u64,
}

/// Orders (member, time, amount) for RFM, in one transaction; a bad row aborts all.
pub fn import_orders<I>(
    store: &mut Store,
    rows: I,
    file: &str,
    now: DateTime<Utc>,
) -> Result<OrdersSummary, ChatImportError>
where
    I: Iterator<Item = Result<crate::import::orders::OrderRow, ImportError>>,
{
    let mut s = OrdersSummary {
        file: file.to_string(),
        ..OrdersSummary::default()
    };
    let operator = store.operator().to_string();
    let tracker = store.tracker();
    let tx = store
        .conn_mut(Perm::Import)?
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let before = tx.total_changes();
    tracker.reset();
    let mut by_key: HashMap<String, Option<i64>> = HashMap::new();
    for row in rows {
        let row = row.map_err(|err| ChatImportError::Bad {
            file: file.to_string(),
            err,
        })?;
        s.read += 1;
        let member = match by_key.get(&row.member) {
            Some(m) => *m,
            None => {
                let by_wxid: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM members WHERE wxid = ?1",
                        [&row.member],
                        |r| r.get(0),
                    )
                    .optional()?;
                let m = match by_wxid {
                    Some(m) => Some(m),
                    None => {
                        let ids: Vec<i64> = tx
                            .prepare_cached("SELECT id FROM members WHERE name = ?1 LIMIT 2")?
                            .query_map([&row.member], |r| r.get(0))?
                            .collect::<rusqlite::Result<_>>()?;
                        match ids.as_slice() {
                            [one] => Some(*one),
                            [] => None,
                            _ => {
                                return Err(ChatImportError::Bad {
                                    file: file.to_string(),
                                    err: ImportError {
                                        line: row.line,
                                        reason: format!(
                                            "several members are called {:?}: put their wxid in the member column",
                                            row.member
                                        ),
                                    },
                                });
                            }
                        }
                    }
                };
                by_key.insert(row.member.clone(), m);
                m
            }
        };
        let Some(m) = member else {
            s.unmatched += 1;
            continue;
        };
        let n = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO orders (member_id, at, amount_cents, product, source_key) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![m, row.at, row.amount_cents, row.product, row.key])?;
        if n > 0 {
            s.orders += 1;
        } else {
            s.duplicates += 1;
        }
    }
    audit(
        &tx,
        now.timestamp(),
        &operator,
        "import",
        "orders",
        None,
        None,
        Some(&serde_json::to_value(&s).map_err(StoreError::from)?),
    )?;
    crate::store::changes::seal(&tx, &tracker, tx.total_changes() - before)?;
    tx.commit()?;
    Ok(s)
}
