//! Imports into the store: chat exports (here and in [`batch`]), rosters and orders.
//!
//! **A chat import never holds the write lock while it reads** (issue 13, point 3). A
//! file can be slow (a stalled pipe, a network file) or large (a 3M-row export); read
//! inside one transaction, it made every colleague's write wait behind it and fail
//! "database is busy" after 5 s. So a chat import reads and writes in turns, and writes
//! each record once:
//!
//! 1. **Read a chunk**, outside any transaction: up to 16,384 messages (`batch::CHUNK`,
//!    ~3 MB) are parsed (on the reader thread, `import::prefetch`) into memory. The live
//!    database is neither written nor locked while the file is read, however slowly it
//!    comes. A malformed record stops the import: exit 1 with file:line. A file that
//!    fits in one chunk (every small export) has written nothing by then: the database
//!    is byte for byte as it was.
//! 2. **Write the chunk** under the import's batch (`import_batches.state = 'running'`,
//!    created by the first write) in one short `BEGIN IMMEDIATE` transaction (split if
//!    it runs past ~150 ms, `batch::HOLD`): find or create its groups, resolve its
//!    senders, insert its messages straight into `messages`, each tagged with the batch
//!    (`messages.batch`); its events go to a private staging database (a temporary file
//!    SQLite unlinks at once). Then the next chunk is read — at least 10 ms
//!    (`batch::PAUSE`) pass before the next write, in which a waiting writer, trying
//!    every 2 ms (`store::BUSY_POLL`), takes the lock. No other writer waits for more
//!    than one such transaction.
//! 3. **Finish.** One short transaction makes the whole batch visible at once: it marks
//!    the batch done and writes the events, the new memberships, the ids learnt, the
//!    daily activity, the KPI marks, the tiers, the audit row and the change signals
//!    (MEMBERS, KPI). Its work grows with the people and days a file covers, not with
//!    its messages (the README gives its time for 1,000,000 messages).
//!
//! (The first version staged the whole file in the staging database and then copied it
//! in: every message written twice, 3× the time of `sqlite3 .import`. Writing once,
//! chunk by chunk, keeps the same guarantees; the README has both figures.)
//!
//! **What readers see before that last transaction: nothing of the batch.**
//! * The messages of a running batch are in `messages`, but readers read
//!   `visible_messages` (migration 0011), which leaves them out: the KPI recompute, the
//!   only reader of messages, counts what it counted before the import.
//! * A group the import creates is created archived, and no list, console tab, KPI
//!   recompute or SOP run shows an archived group; the last transaction un-archives it.
//! * A member the import creates is a row without a membership, and every view of
//!   members (lists, tiers, reminders, KPIs) goes through memberships. Memberships,
//!   events, daily activity, tiers and ids learnt for existing members are written by
//!   the last transaction only: consoles, the KPI recompute, tier recomputes and
//!   reminder planning see the data as it was before the import until that commit, and
//!   all of the import after it.
//! * The chunk transactions move only the `writes` change signal
//!   (`changes::seal_hidden`): no console reloads anything for them.
//!
//! **A crash at any moment leaves no partial import.** Before the batch exists nothing
//! was written. Once it exists it is 'running' with its owner (boot id, process id and
//! start time), and its rows are hidden. Each chunk's transaction records, with its
//! messages, the time range they add to each group (`import_batch_groups`) and the
//! members it created (`import_batch_members`). The next chat import finds a running
//! batch, sees that its process is gone, takes it over and **rolls it back** — its
//! messages, in short transactions over the recorded time ranges; the members and
//! groups it created that nothing uses by now — and then imports its own file: running
//! the interrupted import again completes it. A bad record after the first chunk, or
//! any other failure, rolls the batch back at once (the batch stays in `import_batches`
//! as 'rolled_back', with the reason, and in the audit log). Once the last transaction
//! has committed the import is complete. (Until a later import comes, a dead batch's
//! rows stay hidden; nobody sees them.) `tests/it/crash.rs` kills imports with `kill -9`
//! at random points and checks exactly this.
//!
//! **Idempotent:** every message and event has a stable key (a message is its (group,
//! time, export key), an event its (group, key)), so re-importing adds nothing. Imports
//! write one at a time (`batch::begin_batch`): two at once would each count the other's
//! hidden messages as duplicates.
//!
//! **Foreign keys** are off on the import's connection (checking them cost a quarter
//! of the write time): every group and member a row refers to was found or created by
//! the import before the row, and nothing in shequn deletes groups or members but the
//! roll-back of a batch (which checks what refers to them first) and a restore, after
//! which `batch::check_ours` stops the import. The import tests run `foreign_key_check`
//! after every fixture, the crash test after every kill.
//!
//! **Speed** (`cargo bench --bench import`, README): parsing runs on the reader thread
//! while this one writes the chunk before; each chunk is written sorted by the live
//! table's key (appends, not random pages), one prepared `INSERT OR IGNORE` per message,
//! whose change count says whether it was new; daily activity is summed in memory and
//! written once (one upsert per member and day). **Memory** (issue 11: a million
//! messages in at most 100 MB): a chunk and the reader thread's as many records, the
//! live database's page cache of 16 MB during the import, the daily activity a list of
//! days per member.

mod batch;

/// The pause after each of an import's write transactions (see the header).
pub use batch::PAUSE;

use crate::domain::roles::Perm;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Store, StoreError, audit, members};
use crate::domain::roster::{Allowance, TooMany};
use crate::domain::rules::Rules;
use crate::import::{ImportError, Record};

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
    /// Risk incidents the new messages (and re-joins) opened.
    pub incidents: u64,
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
    /// The keyword lists every new message is scanned with (`None`: no scan — the
    /// import benchmark's baseline).
    pub keywords: Option<&'a crate::domain::keywords::Keywords>,
}

/// WAL pages between two checkpoints during a chat import (64 MB; see `import_chat`).
const IMPORT_CHECKPOINT_PAGES: i64 = 16_384;

/// The page cache during an import (KiB; the connection's usual one is 2 MB). Dirty pages
/// of a transaction stay pinned in it until it is full, and then SQLite evicts clean
/// pages first, so what it really buys is room for the member and membership indexes
/// that every new sender is looked up in and inserted into: with 100,000 new senders in
/// one file, 2 MB made the record phase 1.5 s slower than 16 MB, and 64 MB (the cache
/// before issue 11) was no faster than 16 MB but held 64 MB of written message pages.
const IMPORT_CACHE_KIB: i64 = 16_384;

/// Names that stand for the exporting account itself: the parsers' markers, and the
/// English client's "You" as it appears in system texts.
fn is_self(name: &str) -> bool {
    let n = name.trim();
    n == crate::import::SELF_TARGET
        || n == crate::import::SELF_SENDER
        || n.eq_ignore_ascii_case("you")
}

/// Groups and members looked up, or created, inside one transaction (a roster import).
struct Ctx<'t, 'c> {
    tx: &'t Transaction<'c>,
    platform: String,
    groups: HashMap<String, i64>,
    group_names: Vec<(i64, String)>,
    /// (group, sender id or name) → member
    /// group → (sender id or name → member); looked up by &str, no allocation
    members: HashMap<i64, HashMap<String, i64>>,
    memberships: HashMap<(i64, i64), ()>,
    days: batch::DayOf,
    new_members: u64,
}

impl Ctx<'_, '_> {
    /// The team's day of an instant. Messages come in time order, so the last day's
    /// bounds answer almost every call without a time-zone lookup.
    fn day(&mut self, at: i64) -> NaiveDate {
        self.days.day(at)
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
}

/// Import a stream of records into the database: read a chunk at a time, each written
/// in a short transaction, all made visible by one last one (see the header). The role
/// is checked before a byte is read.
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
    store.conn_mut(Perm::Import)?;
    let mut summary = ChatSummary {
        file: opts.file.to_string(),
        format: opts.format.to_string(),
        ..ChatSummary::default()
    };
    // A bigger page cache while the member tables are written (see IMPORT_CACHE_KIB), and
    // foreign-key checks off (see the header). Both pragmas can only change outside a
    // transaction and are restored on every path, and the staging database is detached
    // (and so deleted) on every path.
    store
        .conn()
        .pragma_update(None, "cache_size", -IMPORT_CACHE_KIB)?;
    store.conn().pragma_update(None, "foreign_keys", false)?;
    // The import commits a transaction per chunk (~500 pages of WAL each): with SQLite's
    // checkpoint every 1,000 pages, every other chunk would copy the WAL back into the
    // file and fsync it. One checkpoint per IMPORT_CHECKPOINT_PAGES instead (a
    // colleague's commit may still checkpoint, as after any large write).
    store
        .conn()
        .pragma_update(None, "wal_autocheckpoint", IMPORT_CHECKPOINT_PAGES)?;
    let result = batch::attach(store.conn())
        .map_err(ChatImportError::from)
        .and_then(|()| batch::import(store, records, opts, now, tz, rules, &mut summary));
    let detached = batch::detach(store.conn());
    let restored = store.conn().pragma_update(None, "foreign_keys", true);
    let _ = store.conn().pragma_update(None, "cache_size", -2_000);
    let _ = store
        .conn()
        .pragma_update(None, "wal_autocheckpoint", 1_000);
    result?;
    detached?;
    restored?;
    Ok(summary)
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
    /// Removed members the roster lists: each a `黑名单成员入群` incident.
    pub incidents: u64,
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
    // a removed member the roster lists is back in the group
    let back = super::risk::open::present_removed(&tx, g, at)?;
    let env = super::risk::open::Env {
        now,
        tz,
        rules: &rules.risk,
    };
    s.incidents = super::risk::open::rejoins(&tx, &operator, &env, &back)?
        .ids
        .len() as u64;
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
        tx,
        platform: if opts.format == "wecom" {
            "wecom".into()
        } else {
            "personal".into()
        },
        groups: HashMap::new(),
        group_names: Vec::new(),
        members: HashMap::new(),
        memberships: HashMap::new(),
        days: batch::DayOf::new(tz),
        new_members: 0,
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
                                        reason: crate::import::Reason::AmbiguousMember {
                                            name: row.member.clone(),
                                        },
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
