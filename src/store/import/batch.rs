//! The chat import in short transactions (issue 13, point 3): the steps [`import`] runs —
//! read a chunk of the file outside any transaction, take the import slot, write each
//! chunk under the hidden batch in a short transaction (resolving its groups and
//! senders), finish in one short transaction — and [`roll_back`], which takes out a
//! batch that never finished. The design, and why no reader ever sees part of an import,
//! is in the parent's header (`store::import`).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::json;

use super::{ChatImportError, ChatOptions, ChatSummary, is_self};
use crate::domain::keywords::Hit;
use crate::domain::roles::Perm;
use crate::domain::rules::Rules;
use crate::import::{EventKind, ImportError, Reason, Record, RecordKind};
use crate::store::risk::open::{self as risk, Found, Rejoin};
use crate::store::{Store, StoreError, audit, changes, members};

/// How long one of the import's write transactions runs before it commits. A colleague's
/// write waits at most about this long (plus the last transaction's, see [`finish`]).
const HOLD: Duration = Duration::from_millis(150);

/// The pause after each of the import's write transactions. The write lock is not a
/// queue: were the import to begin its next transaction right after a commit, a waiting
/// writer could miss every chance. Waiting writers try every 2 ms (`store::BUSY_POLL`),
/// so 10 ms is room enough, and costs the import 10 ms per [`HOLD`] (about 6 %).
pub const PAUSE: Duration = Duration::from_millis(10);

/// Messages a roll-back deletes per statement.
const SLICE: i64 = 8_192;

/// Messages read into memory, outside any transaction, before they are written in one
/// short transaction. Bigger chunks mean fewer transactions (each costs a commit); this
/// size is written in ~30 ms and takes ~3 MB. The reader thread (`import::prefetch`)
/// holds as many records again, so parsing goes on while a chunk is written.
const CHUNK: usize = 16_384;

/// Bytes of text that end a chunk early (an export of long messages).
const CHUNK_BYTES: usize = 16 << 20;

/// Messages written between two looks at the clock.
const MSGS_PER_STEP: usize = 1_024;

/// Senders resolved between two looks at the clock.
const LOOKUPS_PER_STEP: usize = 256;

/// How long an import waits for another import of the same database (imports write one
/// at a time, see [`begin_batch`]) before it gives up.
const WAIT_FOR_OTHER: Duration = Duration::from_secs(600);

/// How long the import keeps trying to begin one of its transactions while colleagues
/// keep the database busy (each try waits `store::BUSY_TIMEOUT`). Giving up in the middle
/// of an import means rolling the batch back, which needs the lock too.
const BUSY_PATIENCE: Duration = Duration::from_secs(60);

/// The staging database, attached to the import's connection.
const STAGE_SCHEMA: &str = "
    CREATE TABLE import_stage.stage_events (
        seq INTEGER PRIMARY KEY, g INTEGER NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL,
        detail TEXT NOT NULL, key TEXT NOT NULL, actor INTEGER, targets TEXT
    );";

/// The page cache of the staging database (KiB): only events are staged (a file's joins,
/// leaves and renames), read back once in order.
const STAGE_CACHE_KIB: i64 = 2_048;

/// Attach a new, private staging database to `conn`: a temporary file that SQLite
/// unlinks as soon as it has opened it, so nothing of it outlives the process, even a
/// `kill -9`. `temp_store` is FILE while it is attached (with MEMORY, the connection's
/// usual setting, SQLite would keep the whole staging database in memory — the file's
/// size in RSS) and MEMORY again right after: only what SQLite opens while it is FILE is
/// on disk. Without a journal: the staging database is thrown away on any failure.
pub(super) fn attach(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "temp_store", "FILE")?;
    let attached = conn.execute_batch("ATTACH DATABASE '' AS import_stage");
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    attached?;
    conn.execute_batch(&format!(
        "PRAGMA import_stage.journal_mode = OFF;
         PRAGMA import_stage.synchronous = OFF;
         PRAGMA import_stage.cache_size = -{STAGE_CACHE_KIB};
         {STAGE_SCHEMA}"
    ))?;
    Ok(())
}

/// Detach (and so delete) the staging database.
pub(super) fn detach(conn: &Connection) -> Result<(), StoreError> {
    // cached statements that name the staging tables would keep it busy
    conn.flush_prepared_statement_cache();
    if !conn.is_autocommit() {
        conn.execute_batch("ROLLBACK")?;
    }
    let attached: bool = conn
        .query_row(
            "SELECT count(*) FROM pragma_database_list WHERE name = 'import_stage'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)?;
    if attached {
        conn.execute_batch("DETACH DATABASE import_stage")?;
    }
    Ok(())
}

// ------------------------------------------------------------------ reading

/// One sender to resolve: a message's sender, or a person an event names. The file's
/// first mention of each (group, key) in file order; the key is the id when there is
/// one, else the name — as the single-transaction import resolved them.
struct Lookup {
    g: usize,
    id: Option<String>,
    name: String,
    at: i64,
}

struct ReadGroup {
    name: String,
    /// Instant of the group's first record (its `created_on` when the import creates it).
    first_at: i64,
    /// First and last instant of its messages in the chunk being read (what the chunk's
    /// transaction adds to the range a roll-back walks).
    range: Option<(i64, i64)>,
}

/// A message read, waiting for its chunk's transaction (group and sender by index).
struct PendingMsg {
    g: usize,
    sender: usize,
    at: i64,
    hash: i64,
    kind: &'static str,
    content: String,
    /// The keyword hit that speaks for it (`risk::primary`), found while reading.
    hit: Option<Box<Hit>>,
}

/// An event read, waiting for its chunk's transaction: it goes to the staging database
/// (people by index), and [`finish`] writes it.
struct PendingEvent {
    g: usize,
    at: i64,
    kind: &'static str,
    detail: String,
    key: String,
    actor: Option<i64>,
    targets: Option<String>,
}

/// Reads the file a chunk at a time, outside any transaction: groups and people are
/// interned (resolved later, in the chunk's transaction), messages and events queued.
struct Reader<I> {
    records: I,
    by_name: HashMap<String, usize>,
    groups: Vec<ReadGroup>,
    /// per group: key (id or name) → lookup
    keys: Vec<HashMap<String, usize>>,
    lookups: Vec<Lookup>,
    msgs: Vec<PendingMsg>,
    events: Vec<PendingEvent>,
    /// bytes of content queued (a chunk of huge messages ends early)
    bytes: usize,
    /// the file has been read to its end
    done: bool,
}

impl<I> Reader<I>
where
    I: Iterator<Item = Result<Record, ImportError>>,
{
    fn new(records: I) -> Self {
        Reader {
            records,
            by_name: HashMap::new(),
            groups: Vec::new(),
            keys: Vec::new(),
            lookups: Vec::new(),
            msgs: Vec::with_capacity(CHUNK),
            events: Vec::new(),
            bytes: 0,
            done: false,
        }
    }

    fn group(&mut self, name: &str, at: i64) -> usize {
        if let Some(&g) = self.by_name.get(name) {
            return g;
        }
        let g = self.groups.len();
        self.by_name.insert(name.to_string(), g);
        self.groups.push(ReadGroup {
            name: name.to_string(),
            first_at: at,
            range: None,
        });
        self.keys.push(HashMap::new());
        g
    }

    fn lookup(&mut self, g: usize, id: Option<&str>, name: &str, at: i64) -> usize {
        let key = id.unwrap_or(name);
        if let Some(&i) = self.keys[g].get(key) {
            return i;
        }
        let i = self.lookups.len();
        self.keys[g].insert(key.to_string(), i);
        self.lookups.push(Lookup {
            g,
            id: id.map(str::to_string),
            name: name.to_string(),
            at,
        });
        i
    }

    /// Read the next chunk: until [`CHUNK`] messages or [`CHUNK_BYTES`] of content are
    /// queued, or the file ends. No transaction is open: however slow the file, nobody
    /// waits for this. A malformed record is `Bad`.
    fn fill(
        &mut self,
        opts: &ChatOptions<'_>,
        summary: &mut ChatSummary,
    ) -> Result<(), ChatImportError> {
        let file = opts.file;
        while !self.done && self.msgs.len() < CHUNK && self.bytes < CHUNK_BYTES {
            let Some(rec) = self.records.next() else {
                self.done = true;
                break;
            };
            let rec = rec.map_err(|err| ChatImportError::Bad {
                file: file.to_string(),
                err,
            })?;
            summary.read += 1;
            let line = rec.line;
            let missing = || ChatImportError::Bad {
                file: file.to_string(),
                err: ImportError {
                    line,
                    reason: Reason::NoGroup,
                },
            };
            match rec.kind {
                RecordKind::Message(m) => {
                    let name = opts.group.or(m.group.as_deref()).ok_or_else(missing)?;
                    let g = self.group(name, m.at);
                    let sender = self.lookup(g, m.sender_id.as_deref(), &m.sender_name, m.at);
                    let range = &mut self.groups[g].range;
                    *range = Some(match *range {
                        Some((lo, hi)) => (lo.min(m.at), hi.max(m.at)),
                        None => (m.at, m.at),
                    });
                    self.bytes += m.content.len();
                    // scanned here, outside any transaction: the write holds the lock
                    // only for the insert
                    let hit = opts
                        .keywords
                        .and_then(|k| risk::primary(k.find(&m.content)))
                        .map(Box::new);
                    self.msgs.push(PendingMsg {
                        hit,
                        g,
                        sender,
                        at: m.at,
                        hash: crate::store::key_hash(&m.key),
                        kind: m.kind.word(),
                        content: m.content,
                    });
                }
                RecordKind::Event(e) => {
                    let name = opts.group.or(e.group.as_deref()).ok_or_else(missing)?;
                    let g = self.group(name, e.at);
                    // the actor first, then the targets: the order the people are met in
                    let actor = match e.actor.as_deref() {
                        Some(a) if !is_self(a) => Some(self.lookup(g, None, a, e.at) as i64),
                        _ => None,
                    };
                    let targets: Vec<&String> = e.targets.iter().filter(|t| !is_self(t)).collect();
                    // events about no one in particular (a rename, a recall) are one row
                    let targets = if targets.is_empty()
                        || matches!(e.kind, EventKind::Rename | EventKind::Revoke)
                    {
                        None
                    } else {
                        let mut list = Vec::with_capacity(targets.len());
                        for t in targets {
                            list.push(self.lookup(g, None, t, e.at).to_string());
                        }
                        Some(list.join(","))
                    };
                    let detail =
                        json!({ "text": e.detail, "actor": e.actor, "kind": e.kind }).to_string();
                    self.bytes += detail.len();
                    self.events.push(PendingEvent {
                        g,
                        at: e.at,
                        kind: event_word(e.kind),
                        detail,
                        key: e.key,
                        actor,
                        targets,
                    });
                }
                RecordKind::Skip { .. } => summary.skipped += 1,
            }
        }
        // in the order of the live table's key: appended to each group's range
        self.msgs.sort_unstable_by_key(|m| (m.g, m.at, m.hash));
        Ok(())
    }

    fn clear(&mut self) {
        self.msgs.clear();
        self.events.clear();
        self.bytes = 0;
    }
}

fn event_word(kind: EventKind) -> &'static str {
    match kind {
        EventKind::JoinInvite | EventKind::JoinQr => "join",
        EventKind::Kick => "kick",
        EventKind::Leave => "leave",
        EventKind::Rename => "rename",
        EventKind::Revoke => "revoke",
    }
}

// ------------------------------------------------------------------ who writes a batch

/// Imports of this process that are writing now, by owner: a batch of this process is
/// alive only while its import runs (a failed one whose roll-back failed too is not).
static ACTIVE: Mutex<Vec<String>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(1);

/// The kernel's boot id: process ids and start times mean something only within one boot.
fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// (state, start time in clock ticks) of a process, from `/proc/PID/stat`.
fn proc_stat(pid: u32) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the command name (field 2) is in parentheses and may hold spaces
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.to_string();
    // field 22, the start time, is the 20th after the name
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

/// Who writes a batch: `BOOT_ID:PID:START#N` (N: the import within this process).
struct Owner(String);

impl Owner {
    fn new() -> Owner {
        let pid = std::process::id();
        let start = proc_stat(pid).map_or(0, |(_, s)| s);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let owner = Owner(format!("{}:{pid}:{start}#{n}", boot_id()));
        if let Ok(mut active) = ACTIVE.lock() {
            active.push(owner.0.clone());
        }
        owner
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        if let Ok(mut active) = ACTIVE.lock() {
            active.retain(|o| *o != self.0);
        }
    }
}

/// Whether the import that owns a running batch still runs. Same boot, same process id
/// and the same start time (a process id can be reused): alive, unless it is a zombie.
/// Without `/proc`, the process id alone decides.
fn alive(owner: &str) -> bool {
    let (proc_part, _) = owner.split_once('#').unwrap_or((owner, ""));
    let mut parts = proc_part.rsplitn(3, ':');
    let (Some(start), Some(pid), Some(boot)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(start), Ok(pid)) = (start.parse::<u64>(), pid.parse::<u32>()) else {
        return false;
    };
    if boot != boot_id() {
        return false;
    }
    if pid == std::process::id() {
        return ACTIVE
            .lock()
            .map(|a| a.iter().any(|o| o == owner))
            .unwrap_or(false);
    }
    if std::path::Path::new("/proc/self/stat").exists() {
        return matches!(proc_stat(pid), Some((state, s)) if s == start && state != "Z" && state != "X");
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only asks whether the process exists.
    let exists = unsafe { libc::kill(pid, 0) } == 0;
    exists || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

// ------------------------------------------------------------------ transactions

/// `BEGIN IMMEDIATE`, tried again while the database stays busy (up to [`BUSY_PATIENCE`]).
fn begin(conn: &Connection) -> Result<Transaction<'_>, StoreError> {
    let since = Instant::now();
    loop {
        match Transaction::new_unchecked(conn, TransactionBehavior::Immediate) {
            Ok(tx) => return Ok(tx),
            Err(e) => match StoreError::from(e) {
                StoreError::Busy if since.elapsed() < BUSY_PATIENCE => {}
                e => return Err(e),
            },
        }
    }
}

/// The batch is still this import's: not rolled back by another process that took it
/// for dead, not gone with a restore.
fn check_ours(tx: &Transaction<'_>, batch: i64, me: &Owner) -> Result<(), StoreError> {
    let row: Option<(String, Option<String>)> = tx
        .prepare_cached("SELECT state, owner FROM import_batches WHERE id = ?1")?
        .query_row([batch], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        Some((state, Some(owner))) if state == "running" && owner == me.0 => Ok(()),
        _ => Err(StoreError::Refused(format!(
            "import batch {batch} was taken out of this import's hands while it ran (the \
             database was restored, or another import took this one for stopped): nothing of \
             it is kept; run the import again"
        ))),
    }
}

/// What the import's transactions measured, for the log.
#[derive(Default)]
struct Holds {
    count: u32,
    longest: Duration,
    /// when the import last committed (see [`Holds::pause`])
    last: Option<Instant>,
}

impl Holds {
    fn note(&mut self, held: Duration) {
        self.count += 1;
        self.longest = self.longest.max(held);
        self.last = Some(Instant::now());
    }

    /// Before the import begins a transaction: at least [`PAUSE`] since its last commit,
    /// for a waiting colleague to take the lock. Reading the next chunk usually takes
    /// longer than that, and then this does not wait at all.
    fn pause(&self) {
        if let Some(rest) = self.last.and_then(|t| PAUSE.checked_sub(t.elapsed())) {
            std::thread::sleep(rest);
        }
    }
}

impl Holds {
    /// Begin one of the import's short write transactions on `batch`: after the pause,
    /// and only while the batch is still ours.
    fn begin<'c>(&self, store: &'c Store, batch: i64, me: &Owner) -> Result<Slice<'c>, StoreError> {
        self.pause();
        let tracker = store.tracker();
        let tx = begin(&store.conn)?;
        let held = Instant::now();
        let before = tx.total_changes();
        tracker.reset();
        check_ours(&tx, batch, me)?;
        Ok(Slice {
            tx,
            held,
            before,
            tracker,
        })
    }
}

/// Whom a transaction's changes are signalled to: only the `writes` count while the
/// batch is hidden, its topics once it is done or rolled back.
#[derive(Clone, Copy)]
enum Seal {
    Hidden,
    Visible,
}

/// One of the import's write transactions (see [`Holds::begin`]).
struct Slice<'c> {
    tx: Transaction<'c>,
    held: Instant,
    before: u64,
    tracker: std::sync::Arc<changes::Tracker>,
}

impl Slice<'_> {
    /// Seal the change signals, commit, and note how long the lock was held.
    fn commit(self, holds: &mut Holds, seal: Seal) -> Result<(), StoreError> {
        let changed = self.tx.total_changes() - self.before;
        match seal {
            Seal::Hidden => changes::seal_hidden(&self.tx, &self.tracker, changed)?,
            Seal::Visible => {
                changes::seal(&self.tx, &self.tracker, changed)?;
            }
        }
        self.tx.commit()?;
        holds.note(self.held.elapsed());
        Ok(())
    }
}

/// Run `step` in short write transactions until it says it is done: each transaction
/// checks that the batch is still ours, calls `step` until it is done or [`HOLD`] has
/// passed, commits (its changes are hidden: only the `writes` signal moves) and pauses
/// ([`PAUSE`]) so that a waiting colleague gets the lock.
fn in_slices(
    store: &Store,
    batch: i64,
    me: &Owner,
    holds: &mut Holds,
    mut step: impl FnMut(&Transaction<'_>) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    loop {
        let slice = holds.begin(store, batch, me)?;
        let mut done = false;
        while !done && slice.held.elapsed() < HOLD {
            done = step(&slice.tx)?;
        }
        slice.commit(holds, Seal::Hidden)?;
        if done {
            return Ok(());
        }
    }
}

// ------------------------------------------------------------------ the import

/// What the chunks have written so far.
struct Written {
    /// live id of each group read, and whether the import created it
    gids: Vec<(i64, bool)>,
    res: Resolver,
    activity: Activity,
    days: DayOf,
    inserted: u64,
    duplicates: u64,
    risk: Seen,
}

/// What the risk scan saw, opened in the last transaction with the batch.
#[derive(Default)]
struct Seen {
    /// member → (their latest removal, when): a message or a join after it is a re-join
    blacklist: HashMap<i64, (i64, i64)>,
    /// new messages with a keyword hit
    found: Vec<Found>,
    /// (member, group) → the first time seen there after the removal
    rejoins: HashMap<(i64, i64), Rejoin>,
}

impl Seen {
    fn seen(&mut self, member: i64, group: i64, at: i64) {
        if let Some(&(sanction, removed)) = self.blacklist.get(&member)
            && at > removed
        {
            let r = self.rejoins.entry((member, group)).or_insert(Rejoin {
                member_id: member,
                group_id: group,
                sanction_id: sanction,
                at,
            });
            r.at = r.at.min(at);
        }
    }
}

/// Import a stream of records (see the parent's header for the design). The caller has
/// checked the role, set the import's pragmas and attached the staging database.
#[allow(clippy::too_many_arguments)]
pub(super) fn import<I>(
    store: &Store,
    records: I,
    opts: &ChatOptions<'_>,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &Rules,
    summary: &mut ChatSummary,
) -> Result<(), ChatImportError>
where
    I: Iterator<Item = Result<Record, ImportError>>,
{
    let started = Instant::now();
    let mut reader = Reader::new(records);
    // the first chunk before anything is written: a file that fits in one chunk (every
    // small export) and is bad anywhere leaves the database byte for byte as it was
    reader.fill(opts, summary)?;
    let me = Owner::new();
    let mut holds = Holds::default();
    let batch = begin_batch(store, opts, now, &me, &mut holds)?;
    let t_slot = started.elapsed();
    let mut w = Written {
        gids: Vec::new(),
        res: Resolver::default(),
        activity: Activity::default(),
        days: DayOf::new(tz),
        inserted: 0,
        duplicates: 0,
        risk: Seen {
            blacklist: risk::blacklist(&store.conn)?,
            ..Seen::default()
        },
    };
    let written = (|| -> Result<Duration, ChatImportError> {
        let mut waited = Duration::ZERO;
        loop {
            write_chunk(store, batch, &me, &mut holds, &mut reader, &mut w, summary)?;
            reader.clear();
            if reader.done {
                break;
            }
            let t = Instant::now();
            reader.fill(opts, summary)?;
            waited += t.elapsed();
        }
        let t_write = started.elapsed();
        summary.messages = w.inserted;
        summary.duplicates += w.duplicates;
        summary.new_members = w.res.new_members;
        let groups: Vec<String> = reader.groups.iter().map(|g| g.name.clone()).collect();
        finish(
            store, batch, &me, groups, &w.gids, w.res, w.activity, w.risk, now, tz, rules, summary,
            &mut holds,
        )?;
        tracing::info!(
            batch,
            read = summary.read,
            slot_ms = t_slot.as_millis() as u64,
            write_ms = (t_write - t_slot).as_millis() as u64,
            reading_between_ms = waited.as_millis() as u64,
            finish_ms = (started.elapsed() - t_write).as_millis() as u64,
            transactions = holds.count,
            longest_ms = holds.longest.as_millis() as u64,
            "chat import"
        );
        Ok(t_write)
    })();
    if let Err(e) = written {
        // take out what was written; if even that fails, the next import does it
        let why = format!("the import failed: {e}");
        if let Err(again) = roll_back(store, batch, &me, now, &why, &mut holds) {
            tracing::warn!("rolling back import batch {batch} after a failure: {again}");
        }
        return Err(e);
    }
    Ok(())
}

/// Write the chunk the reader holds, under the batch, in short transactions (usually
/// one): the groups and people it names for the first time (found, or created hidden),
/// the time range it adds to each group (for a roll-back), its messages, and its events
/// into the staging database (written by [`finish`]).
#[allow(clippy::too_many_arguments)]
fn write_chunk<I>(
    store: &Store,
    batch: i64,
    me: &Owner,
    holds: &mut Holds,
    rd: &mut Reader<I>,
    w: &mut Written,
    summary: &ChatSummary,
) -> Result<(), StoreError> {
    let platform = platform_of(summary);
    let mut next_msg = 0usize;
    let mut events_written = false;
    in_slices(store, batch, me, holds, |tx| {
        // groups: found by name, or created archived (hidden until the batch is done)
        while w.gids.len() < rd.groups.len() {
            let sg = &rd.groups[w.gids.len()];
            let found: Option<i64> = tx
                .prepare_cached("SELECT id FROM groups WHERE name = ?1")?
                .query_row([&sg.name], |r| r.get(0))
                .optional()?;
            let (id, created) = match found {
                Some(id) => (id, false),
                None => {
                    // its type is not known yet (`shequn group` can set it); it existed
                    // at least since its first record
                    tx.prepare_cached(
                        "INSERT INTO groups (name, kind, platform, created_on, archived)
                         VALUES (?1, '未分类', ?2, ?3, 1)",
                    )?
                    .execute(params![
                        sg.name,
                        platform,
                        w.days.day(sg.first_at).to_string()
                    ])?;
                    (tx.last_insert_rowid(), true)
                }
            };
            tx.prepare_cached(
                "INSERT INTO import_batch_groups (batch_id, group_id, created, first_at, last_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
            )?
            .execute(params![batch, id, created, sg.first_at])?;
            w.gids.push((id, created));
        }
        // the chunk's time range, recorded with (before) its messages: a roll-back finds
        // every message of the batch within it
        for (g, rg) in rd.groups.iter_mut().enumerate() {
            if let Some((lo, hi)) = rg.range.take() {
                tx.prepare_cached(
                    "UPDATE import_batch_groups SET first_at = min(first_at, ?3),
                         last_at = max(last_at, ?4)
                     WHERE batch_id = ?1 AND group_id = ?2",
                )?
                .execute(params![batch, w.gids[g].0, lo, hi])?;
            }
        }
        // senders and the people events name, in the order the file met them
        if !w.res.step(tx, batch, &rd.lookups, &w.gids)? {
            return Ok(false);
        }
        let end = (next_msg + MSGS_PER_STEP).min(rd.msgs.len());
        {
            let mut ins = tx.prepare_cached(
                "INSERT OR IGNORE INTO messages
                     (group_id, sent_at, key_hash, member_id, kind, content, batch)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for m in &rd.msgs[next_msg..end] {
                let (g, member) = (w.gids[m.g].0, w.res.ids[m.sender]);
                let n = ins.execute(params![g, m.at, m.hash, member, m.kind, m.content, batch])?;
                if n > 0 {
                    // only what was not stored already counts as activity
                    w.activity.add(g, member, w.days.day(m.at));
                    w.inserted += 1;
                    if let Some(hit) = &m.hit {
                        w.risk.found.push(Found {
                            group_id: g,
                            member_id: Some(member),
                            at: m.at,
                            key: m.hash,
                            text: m.content.clone(),
                            hit: (**hit).clone(),
                        });
                    }
                    if !w.risk.blacklist.is_empty() {
                        w.risk.seen(member, g, m.at);
                    }
                } else {
                    w.duplicates += 1;
                }
            }
        }
        next_msg = end;
        if next_msg < rd.msgs.len() {
            return Ok(false);
        }
        if !events_written {
            let mut ins = tx.prepare_cached(
                "INSERT INTO import_stage.stage_events (g, at, kind, detail, key, actor, targets)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for e in &rd.events {
                ins.execute(params![
                    e.g as i64, e.at, e.kind, e.detail, e.key, e.actor, e.targets
                ])?;
            }
            events_written = true;
        }
        Ok(true)
    })
}

/// Take the import slot: a new running batch, once no other import is writing. Imports
/// write one at a time — two at once would each count the other's hidden messages as
/// duplicates, and a roll-back of one would take away what the other reported as there.
/// A running batch whose process is gone is taken over and rolled back first (which is
/// how a re-run of an interrupted import completes it). The role is checked here, inside
/// the transaction, as every write does.
fn begin_batch(
    store: &Store,
    opts: &ChatOptions<'_>,
    now: DateTime<Utc>,
    me: &Owner,
    holds: &mut Holds,
) -> Result<i64, ChatImportError> {
    let waiting = Instant::now();
    let mut told = false;
    let tracker = store.tracker();
    loop {
        let tx = begin(&store.conn)?;
        let held = Instant::now();
        super::super::authorize(
            &tx,
            &store.path,
            &store.operator,
            store.access.readonly,
            Perm::Import.into(),
        )?;
        let before = tx.total_changes();
        tracker.reset();
        let running: Vec<(i64, Option<String>)> = tx
            .prepare_cached(
                "SELECT id, owner FROM import_batches WHERE state = 'running' ORDER BY id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let (live, dead): (Vec<_>, Vec<_>) = running
            .into_iter()
            .partition(|(_, owner)| owner.as_deref().is_some_and(alive));
        if let Some((other, owner)) = live.first() {
            drop(tx);
            if waiting.elapsed() > WAIT_FOR_OTHER {
                return Err(StoreError::Refused(format!(
                    "another import (batch {other}, {}) has been writing for over {} minutes; \
                     try again when it is done",
                    owner.as_deref().unwrap_or("?"),
                    WAIT_FOR_OTHER.as_secs() / 60
                ))
                .into());
            }
            if !told {
                tracing::info!(other, "waiting for another import to finish writing");
                told = true;
            }
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        for (id, _) in &dead {
            tx.prepare_cached("UPDATE import_batches SET owner = ?2 WHERE id = ?1")?
                .execute(params![id, me.0])?;
        }
        tx.prepare_cached(
            "INSERT INTO import_batches (file, digest, format, started_at, state, owner)
             VALUES (?1, '', ?2, ?3, 'running', ?4)",
        )?
        .execute(params![opts.file, opts.format, now.timestamp(), me.0])?;
        let batch = tx.last_insert_rowid();
        changes::seal_hidden(&tx, &tracker, tx.total_changes() - before)?;
        tx.commit()?;
        holds.note(held.elapsed());
        for (id, _) in dead {
            let removed = roll_back(
                store,
                id,
                me,
                now,
                "its import stopped before it finished (its process is gone)",
                holds,
            )?;
            tracing::warn!(
                batch = id,
                removed,
                "rolled back an import batch that never finished"
            );
        }
        return Ok(batch);
    }
}

/// The platform of the groups an import creates.
fn platform_of(summary: &ChatSummary) -> &'static str {
    if summary.format == "wecom" {
        "wecom"
    } else {
        "personal"
    }
}

/// The last transaction: everything readers see of the batch becomes visible at once —
/// its messages (the batch is marked done), events, new memberships, ids learnt, the
/// groups it created, daily activity, KPI marks and tiers, the audit row — with the
/// change signals of all of it. What it does is proportional to the people and days
/// the file covers, not to its messages (measured in the README: 1,000,000 messages).
#[allow(clippy::too_many_arguments)]
fn finish(
    store: &Store,
    batch: i64,
    me: &Owner,
    names: Vec<String>,
    gids: &[(i64, bool)],
    res: Resolver,
    activity: Activity,
    mut risk_seen: Seen,
    now: DateTime<Utc>,
    tz: Tz,
    rules: &Rules,
    summary: &mut ChatSummary,
    holds: &mut Holds,
) -> Result<(), ChatImportError> {
    let operator = store.operator.clone();
    let slice = holds.begin(store, batch, me)?;
    let tx = &slice.tx;
    {
        let mut ins = tx.prepare_cached(
            "INSERT OR IGNORE INTO memberships (group_id, member_id) VALUES (?1, ?2)",
        )?;
        for (g, m) in &res.memberships {
            ins.execute(params![g, m])?;
        }
    }
    write_events(tx, gids, &res.ids, summary, &mut risk_seen)?;
    {
        // an id learnt for someone known only by name — unless someone else has it by now
        let mut learn = tx.prepare_cached(
            "UPDATE members SET wxid = ?2
             WHERE id = ?1 AND wxid IS NULL AND NOT EXISTS (SELECT 1 FROM members WHERE wxid = ?2)",
        )?;
        for (wxid, m) in &res.learnt {
            learn.execute(params![m, wxid])?;
        }
    }
    tx.prepare_cached(
        "UPDATE groups SET archived = 0 WHERE id IN
             (SELECT group_id FROM import_batch_groups WHERE batch_id = ?1 AND created = 1)",
    )?
    .execute([batch])?;
    activity.flush(tx)?;
    // what a roll-back would have needed: a finished batch leaves no bookkeeping behind
    forget(tx, batch)?;
    let groups: Vec<i64> = gids.iter().map(|(id, _)| *id).collect();
    summary.groups = names;
    if summary.messages > 0 || summary.events > 0 {
        // messages and daily activity are WITHOUT ROWID tables the change hooks do not
        // see; every console's member figures and KPIs follow from them
        changes::touch(tx, changes::Topics::MEMBERS | changes::Topics::KPI)?;
    }
    let changes_made = members::recompute_tiers(tx, &groups, now, tz, &rules.tiers)?;
    summary.tier_changes = changes_made.changed;
    // the incidents of what this batch brought, visible with it
    let env = risk::Env {
        now,
        tz,
        rules: &rules.risk,
    };
    let opened = risk::messages(tx, &operator, &env, &risk_seen.found)?;
    let mut rejoins: Vec<Rejoin> = risk_seen.rejoins.into_values().collect();
    rejoins.sort_unstable_by_key(|r| (r.at, r.member_id, r.group_id));
    let back = risk::rejoins(tx, &operator, &env, &rejoins)?;
    summary.incidents = (opened.ids.len() + back.ids.len()) as u64;
    let record = serde_json::to_value(&*summary).map_err(StoreError::from)?;
    audit(
        tx,
        now.timestamp(),
        &operator,
        "import",
        "chat",
        None,
        None,
        Some(&record),
    )?;
    tx.prepare_cached(
        "UPDATE import_batches SET state = 'done', finished_at = ?2, summary = ?3 WHERE id = ?1",
    )?
    .execute(params![batch, now.timestamp(), record.to_string()])?;
    slice.commit(holds, Seal::Visible)?;
    Ok(())
}

/// The staged events, in file order: one row per event and person, and what a join or a
/// leave says about the membership.
fn write_events(
    tx: &Transaction<'_>,
    gids: &[(i64, bool)],
    ids: &[i64],
    summary: &mut ChatSummary,
    risk_seen: &mut Seen,
) -> Result<(), StoreError> {
    let mut st = tx.prepare(
        "SELECT g, at, kind, detail, key, actor, targets FROM import_stage.stage_events ORDER BY seq",
    )?;
    let mut rows = st.query([])?;
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO member_events (group_id, member_id, at, kind, detail, source_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut joined = tx.prepare_cached(
        // the earliest known join; a join after a leave brings them back
        "UPDATE memberships SET
             joined_at = CASE WHEN joined_at IS NULL OR joined_at > ?3 THEN ?3 ELSE joined_at END,
             left_at = CASE WHEN left_at IS NOT NULL AND left_at < ?3 THEN NULL ELSE left_at END,
             left_reason = CASE WHEN left_at IS NOT NULL AND left_at < ?3 THEN NULL ELSE left_reason END
         WHERE group_id = ?1 AND member_id = ?2",
    )?;
    let mut left = tx.prepare_cached(
        "UPDATE memberships SET left_at = ?3, left_reason = ?4
         WHERE group_id = ?1 AND member_id = ?2 AND (left_at IS NULL OR left_at < ?3)
           AND (joined_at IS NULL OR joined_at <= ?3)",
    )?;
    let id_of = |i: i64| -> Result<i64, StoreError> {
        usize::try_from(i)
            .ok()
            .and_then(|i| ids.get(i).copied())
            .ok_or_else(|| StoreError::Refused(format!("staged event names unknown person {i}")))
    };
    while let Some(r) = rows.next()? {
        let g: i64 = r.get(0)?;
        let g = usize::try_from(g)
            .ok()
            .and_then(|g| gids.get(g))
            .map(|(id, _)| *id)
            .ok_or_else(|| StoreError::Refused(format!("staged event in unknown group {g}")))?;
        let at: i64 = r.get(1)?;
        let kind: String = r.get(2)?;
        let detail: String = r.get(3)?;
        let key: String = r.get(4)?;
        let actor = r.get::<_, Option<i64>>(5)?.map(id_of).transpose()?;
        let targets: Option<String> = r.get(6)?;
        let Some(targets) = targets else {
            let n = ins.execute(params![g, actor, at, kind, detail, key])?;
            if n > 0 {
                summary.events += 1;
            } else {
                summary.duplicates += 1;
            }
            continue;
        };
        let mut inserted = false;
        for (i, t) in targets.split(',').enumerate() {
            let t: i64 = t
                .parse()
                .map_err(|_| StoreError::Refused(format!("staged event target {t:?}")))?;
            let m = id_of(t)?;
            let n = ins.execute(params![g, m, at, kind, detail, format!("{key}#{i}")])?;
            if n == 0 {
                continue;
            }
            inserted = true;
            match kind.as_str() {
                "join" => {
                    joined.execute(params![g, m, at])?;
                    risk_seen.seen(m, g, at);
                }
                "kick" | "leave" => {
                    let why = if kind == "kick" { "kicked" } else { "left" };
                    left.execute(params![g, m, at, why])?;
                }
                _ => {}
            }
        }
        if inserted {
            summary.events += 1;
        } else {
            summary.duplicates += 1;
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ senders

/// Resolves senders to members as the single-transaction import did — by id, else by
/// group nickname, else by name; an id learnt for someone known only by name; a new
/// member otherwise — with one difference: what would show the batch before it is done
/// waits for the last transaction. New members are rows without a membership (no list
/// shows them); their memberships, and ids learnt for existing members, are kept here
/// and written by [`finish`]. So that later senders of the same file still find them,
/// the name lookups add the memberships kept here to what the database answers, in the
/// order the database would have: current members first, then these, then those who
/// left. (Leaves and joins of the same file now count only from the last transaction:
/// a name shared by two people, one of them kicked earlier in the same file, may
/// resolve to the other one than before.)
#[derive(Default)]
struct Resolver {
    /// member of each lookup, in order
    ids: Vec<i64>,
    /// memberships to make, in the order met
    memberships: Vec<(i64, i64)>,
    seen_memberships: HashSet<(i64, i64)>,
    /// (group, member name) → (member, its wxid is NULL in the database) for the
    /// memberships kept here
    kept: HashMap<(i64, String), Vec<(i64, bool)>>,
    /// ids learnt: wxid → member, in the order learnt
    learnt: Vec<(String, i64)>,
    learnt_by_wxid: HashMap<String, i64>,
    learnt_members: HashSet<i64>,
    new_members: u64,
}

impl Resolver {
    fn step(
        &mut self,
        tx: &Transaction<'_>,
        batch: i64,
        lookups: &[Lookup],
        gids: &[(i64, bool)],
    ) -> Result<bool, StoreError> {
        let end = (self.ids.len() + LOOKUPS_PER_STEP).min(lookups.len());
        while self.ids.len() < end {
            let l = &lookups[self.ids.len()];
            let m = self.resolve(tx, batch, gids[l.g].0, l)?;
            self.ids.push(m);
        }
        Ok(self.ids.len() == lookups.len())
    }

    /// Whether a member counts as having no wxid: none in the database, none learnt here.
    fn without_id(&self, m: i64, db_null: bool) -> bool {
        db_null && !self.learnt_members.contains(&m)
    }

    fn resolve(
        &mut self,
        tx: &Transaction<'_>,
        batch: i64,
        g: i64,
        l: &Lookup,
    ) -> Result<i64, StoreError> {
        let found = match l.id.as_deref() {
            Some(wxid) => match self.learnt_by_wxid.get(wxid) {
                Some(&m) => Some(m),
                None => {
                    let known: Option<i64> = tx
                        .prepare_cached("SELECT id FROM members WHERE wxid = ?1")?
                        .query_row([wxid], |r| r.get(0))
                        .optional()?;
                    match known {
                        Some(m) => Some(m),
                        // seen before only by name (a system text names people, it has
                        // no wxid): the same person, now with their id
                        None => {
                            let m = self.by_name(tx, g, &l.name, true)?;
                            if let Some(m) = m {
                                self.learnt.push((wxid.to_string(), m));
                                self.learnt_by_wxid.insert(wxid.to_string(), m);
                                self.learnt_members.insert(m);
                            }
                            m
                        }
                    }
                }
            },
            None => self.by_name(tx, g, &l.name, false)?,
        };
        let m = match found {
            Some(m) => m,
            None => {
                tx.prepare_cached(
                    "INSERT INTO members (wxid, name, created_at) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![l.id, l.name, l.at])?;
                let m = tx.last_insert_rowid();
                tx.prepare_cached(
                    "INSERT INTO import_batch_members (batch_id, member_id) VALUES (?1, ?2)",
                )?
                .execute(params![batch, m])?;
                self.new_members += 1;
                m
            }
        };
        self.membership(tx, g, m)?;
        Ok(m)
    }

    fn membership(&mut self, tx: &Transaction<'_>, g: i64, m: i64) -> Result<(), StoreError> {
        if !self.seen_memberships.insert((g, m)) {
            return Ok(());
        }
        let exists = tx
            .prepare_cached("SELECT 1 FROM memberships WHERE group_id = ?1 AND member_id = ?2")?
            .query_row(params![g, m], |_| Ok(()))
            .optional()?
            .is_some();
        if exists {
            return Ok(());
        }
        let (name, db_null): (String, bool) = tx
            .prepare_cached("SELECT name, wxid IS NULL FROM members WHERE id = ?1")?
            .query_row([m], |r| Ok((r.get(0)?, r.get(1)?)))?;
        self.memberships.push((g, m));
        self.kept.entry((g, name)).or_default().push((m, db_null));
        Ok(())
    }

    /// A member of group `g` by group nickname, else by name; `only_without_id`: only
    /// one with no wxid.
    fn by_name(
        &self,
        tx: &Transaction<'_>,
        g: i64,
        name: &str,
        only_without_id: bool,
    ) -> Result<Option<i64>, StoreError> {
        let ok = |m: i64, db_null: bool| !only_without_id || self.without_id(m, db_null);
        // Two indexed lookups (by group nickname, then by name) rather than one OR, which
        // SQLite answers by walking the whole group: that made importing a 5,000-member
        // group quadratic. INDEXED BY because without statistics the planner may still
        // prefer the (group_id, member_id) index. The memberships kept here have no
        // nickname: only the name lookup adds them.
        let nick: Vec<(i64, bool)> = tx
            .prepare_cached(
                "SELECT m.id, m.wxid IS NULL FROM memberships ms INDEXED BY memberships_group_nick
                 JOIN members m ON m.id = ms.member_id
                 WHERE ms.group_id = ?1 AND ms.group_nickname = ?2
                 ORDER BY ms.left_at IS NOT NULL, ms.id",
            )?
            .query_map(params![g, name], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(&(m, _)) = nick.iter().find(|(m, null)| ok(*m, *null)) {
            return Ok(Some(m));
        }
        let named: Vec<(i64, bool, bool)> = tx
            .prepare_cached(
                "SELECT m.id, m.wxid IS NULL, ms.left_at IS NOT NULL FROM members m INDEXED BY members_name
                 JOIN memberships ms ON ms.member_id = m.id AND ms.group_id = ?1
                 WHERE m.name = ?2
                 ORDER BY ms.left_at IS NOT NULL, ms.id",
            )?
            .query_map(params![g, name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(&(m, _, _)) = named.iter().find(|(m, null, gone)| !gone && ok(*m, *null)) {
            return Ok(Some(m));
        }
        if let Some(&(m, _)) = self
            .kept
            .get(&(g, name.to_string()))
            .and_then(|kept| kept.iter().find(|(m, null)| ok(*m, *null)))
        {
            return Ok(Some(m));
        }
        Ok(named
            .iter()
            .find(|(m, null, gone)| *gone && ok(*m, *null))
            .map(|(m, _, _)| *m))
    }
}

// ------------------------------------------------------------------ activity

/// The team's day of an instant. Messages come in time order, so the last day's bounds
/// answer almost every call without a time-zone lookup.
pub(super) struct DayOf {
    tz: Tz,
    /// [from, to) of the last day computed, and that day
    cache: Option<(i64, i64, NaiveDate)>,
}

impl DayOf {
    pub(super) fn new(tz: Tz) -> DayOf {
        DayOf { tz, cache: None }
    }

    pub(super) fn day(&mut self, at: i64) -> NaiveDate {
        if let Some((from, to, day)) = self.cache
            && at >= from
            && at < to
        {
            return day;
        }
        let day = DateTime::<Utc>::from_timestamp(at, 0)
            .map_or(NaiveDate::MIN, |t| t.with_timezone(&self.tz).date_naive());
        let (from, to) = crate::clock::day_bounds(day, self.tz);
        self.cache = Some((from, to, day));
        day
    }
}

/// (group, member) → messages per day, in the order the days were first seen. Per
/// member rather than one map entry per (group, member, day): a million messages over
/// 90 days make ~270,000 member-days, which took 17 MB as map entries (26 MB while the
/// map grew) and take 2 MB as pairs in a few thousand lists.
#[derive(Default)]
struct Activity(HashMap<(i64, i64), Vec<(NaiveDate, u32)>>);

impl Activity {
    fn add(&mut self, g: i64, m: i64, day: NaiveDate) {
        // messages come sorted by time within a group: the member's last day is almost
        // always the one to count on
        let days = self.0.entry((g, m)).or_default();
        match days.last_mut() {
            Some((d, count)) if *d == day => *count = count.saturating_add(1),
            _ => days.push((day, 1)),
        }
    }

    /// Write the summed activity: one upsert per member and day, and mark the days for
    /// the KPI recompute. Chat points are not written: they are derived from this
    /// activity (see `members::balance`).
    fn flush(self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        let mut up = tx.prepare_cached(
            "INSERT INTO activity_daily (group_id, member_id, day, messages) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (group_id, member_id, day) DO UPDATE SET messages = messages + excluded.messages",
        )?;
        let mut members: Vec<_> = self.0.into_iter().collect();
        // in key order (group, member, day): the B-tree is filled front to back
        members.sort_unstable_by_key(|(k, _)| *k);
        let mut days = BTreeSet::new();
        for ((g, m), mut counts) in members {
            // an export out of time order lists a day more than once: the upsert sums them
            counts.sort_by_key(|(day, _)| *day);
            for (day, n) in counts {
                up.execute(params![g, m, day.to_string(), n])?;
                days.insert((g, day));
            }
        }
        // the KPI recompute after the import counts these days again
        crate::store::kpi::mark_days(tx, days)?;
        Ok(())
    }
}

// ------------------------------------------------------------------ roll-back

/// Drop a batch's roll-back bookkeeping, once it is done or rolled back.
fn forget(tx: &Transaction<'_>, batch: i64) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM import_batch_groups WHERE batch_id = ?1")?
        .execute([batch])?;
    tx.prepare_cached("DELETE FROM import_batch_members WHERE batch_id = ?1")?
        .execute([batch])?;
    Ok(())
}

/// The tables (and columns) that refer to `parent`, but for `skip`: a row of `parent`
/// may be deleted only when none of them refers to it. Read from the schema, so a table
/// added later is not forgotten.
fn children(
    conn: &Connection,
    parent: &str,
    skip: &[&str],
) -> Result<Vec<(String, String)>, StoreError> {
    let all: Vec<(String, String)> = conn
        .prepare(
            "SELECT m.name, f.\"from\" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
             WHERE m.type = 'table' AND f.\"table\" = ?1 ORDER BY m.name",
        )?
        .query_map([parent], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(all
        .into_iter()
        .filter(|(t, _)| !skip.contains(&t.as_str()))
        .collect())
}

/// `DELETE FROM parent WHERE id = ?1` unless a row of `children` refers to it.
fn delete_unused_sql(parent: &str, children: &[(String, String)]) -> String {
    let mut sql = format!("DELETE FROM {parent} WHERE id = ?1");
    for (t, c) in children {
        sql.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM \"{t}\" WHERE \"{c}\" = ?1)"
        ));
    }
    sql
}

/// Take a batch that will never finish out of the database: its hidden messages, the
/// members and groups it created that nothing else uses by now (a group a colleague put
/// to use meanwhile is kept and shown), then mark it rolled back — in short
/// transactions, like the import. The batch must be `me`'s (taken over from a dead
/// process by [`begin_batch`], or this import's own after a failure). Returns the
/// messages removed.
fn roll_back(
    store: &Store,
    batch: i64,
    me: &Owner,
    now: DateTime<Utc>,
    why: &str,
    holds: &mut Holds,
) -> Result<u64, StoreError> {
    let groups: Vec<(i64, bool, i64, i64)> = store
        .conn
        .prepare(
            "SELECT group_id, created, first_at, last_at FROM import_batch_groups
             WHERE batch_id = ?1 ORDER BY group_id",
        )?
        .query_map([batch], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut removed = 0u64;
    for &(g, _, first, last) in &groups {
        // walk the group's key over the batch's time range, SLICE rows at a time
        let mut cursor = (first.saturating_sub(1), i64::MAX);
        in_slices(store, batch, me, holds, |tx| {
            let end: Option<(i64, i64)> = tx
                .prepare_cached(
                    "SELECT sent_at, key_hash FROM messages
                     WHERE group_id = ?1 AND (sent_at, key_hash) > (?2, ?3) AND sent_at <= ?4
                     ORDER BY sent_at, key_hash LIMIT 1 OFFSET ?5",
                )?
                .query_row(params![g, cursor.0, cursor.1, last, SLICE - 1], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let hi = end.unwrap_or((last, i64::MAX));
            removed +=
                tx.prepare_cached(
                    "DELETE FROM messages WHERE group_id = ?1
                       AND (sent_at, key_hash) > (?2, ?3) AND (sent_at, key_hash) <= (?4, ?5)
                       AND batch = ?6",
                )?
                .execute(params![g, cursor.0, cursor.1, hi.0, hi.1, batch])? as u64;
            cursor = hi;
            Ok(end.is_none())
        })?;
    }
    // the members it created, unless something refers to them by now (an orders import
    // may have matched one by its wxid). Its messages are gone, and no other batch could
    // use these members: every import rolls back a dead batch before it resolves anyone.
    let delete_member =
        delete_unused_sql("members", &children(&store.conn, "members", &["messages"])?);
    let made: Vec<i64> = store
        .conn
        .prepare(
            "SELECT member_id FROM import_batch_members WHERE batch_id = ?1 ORDER BY member_id",
        )?
        .query_map([batch], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut next = 0;
    in_slices(store, batch, me, holds, |tx| {
        let mut del = tx.prepare_cached(&delete_member)?;
        let end = (next + LOOKUPS_PER_STEP).min(made.len());
        for &m in &made[next..end] {
            del.execute([m])?;
        }
        next = end;
        Ok(next == made.len())
    })?;
    let delete_group = delete_unused_sql("groups", &children(&store.conn, "groups", &[])?);
    let slice = holds.begin(store, batch, me)?;
    let tx = &slice.tx;
    for &(g, created, _, _) in &groups {
        if created && tx.prepare_cached(&delete_group)?.execute([g])? == 0 {
            // something uses it by now (a roster imported into it by name): it stays, shown
            tx.prepare_cached("UPDATE groups SET archived = 0 WHERE id = ?1")?
                .execute([g])?;
        }
    }
    forget(tx, batch)?;
    let record =
        json!({ "batch": batch, "rolled_back": true, "why": why, "messages_removed": removed });
    tx.prepare_cached(
        "UPDATE import_batches SET state = 'rolled_back', finished_at = ?2, summary = ?3 WHERE id = ?1",
    )?
    .execute(params![batch, now.timestamp(), record.to_string()])?;
    audit(
        tx,
        now.timestamp(),
        &store.operator,
        "rollback",
        "chat",
        Some(batch),
        None,
        Some(&record),
    )?;
    slice.commit(holds, Seal::Visible)?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_is_alive_while_its_import_runs_and_not_after() {
        let me = Owner::new();
        assert!(alive(&me.0), "{}", me.0);
        let name = me.0.clone();
        drop(me);
        assert!(!alive(&name), "{name}");
        // another boot, a process that does not exist, nonsense
        assert!(!alive(&format!("not-this-boot:{}:1#1", std::process::id())));
        assert!(!alive(&format!("{}:999999999:1#1", boot_id())));
        assert!(!alive("garbage"));
    }

    #[test]
    fn a_process_is_known_by_its_start_time() {
        let pid = std::process::id();
        let Some((state, start)) = proc_stat(pid) else {
            // no /proc here: the process id alone decides
            return;
        };
        assert_ne!(state, "Z");
        // the parent process is alive with its own start time, not with ours + 1
        let ppid = std::os::unix::process::parent_id();
        if let Some((_, pstart)) = proc_stat(ppid) {
            assert!(alive(&format!("{}:{ppid}:{pstart}#1", boot_id())));
            assert!(!alive(&format!("{}:{ppid}:{}#1", boot_id(), pstart + 1)));
        }
        assert!(start > 0);
    }
}
