//! Change signals by topic (issue 11): every write says which topics it touched, in the
//! same transaction, and any process reads them back with one cheap query.
//!
//! How a write learns its topics, without every caller having to name them:
//! * SQLite's update hook reports each row a statement changes in an ordinary (rowid)
//!   table; the table names map to topics ([`of_table`]). The hook does not fire for
//!   `WITHOUT ROWID` tables (messages, activity, tags of a member, KPI values …);
//! * so the audit rows of the transaction are read back too ([`of_entity`]): every change
//!   a person makes is audited with its entity, and an audited member change
//!   (`entity = 'member'`) names the member — that is what lets a console patch one row
//!   instead of re-reading 100,000;
//! * code that writes a `WITHOUT ROWID` table without an audit row (a KPI recompute) says
//!   so with [`touch`];
//! * and a transaction that changed rows but found no topic bumps them all (logged), so a
//!   forgotten path costs a reload, never a stale screen.
//!
//! [`seal`] turns that into `change_topics` version bumps (and `member_changes` rows)
//! just before the commit. Readers poll `PRAGMA data_version` (no I/O), and only when it
//! moved read [`Versions`] in a read transaction together with the data version, so
//! the pair is one snapshot. A commit by something that bypasses shequn (the sqlite3
//! shell) moves the data version without moving a topic: readers then take everything
//! as changed.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};

use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OptionalExtension, params};

use super::Result;

bitflags::bitflags! {
    /// What a change touched, by what the screens show.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Topics: u32 {
        const SOP = 1;
        const MEMBERS = 1 << 1;
        const CONTENT = 1 << 2;
        const KPI = 1 << 3;
        const REMINDERS = 1 << 4;
        const GROUPS = 1 << 5;
        const OPERATORS = 1 << 6;
        const SETTINGS = 1 << 7;
        const RISK = 1 << 8;
        /// Who is online: refreshes the status bar, never a tab.
        const PRESENCE = 1 << 9;
    }
}

impl Topics {
    /// Every topic that is data (all but presence).
    pub const DATA: Topics = Topics::all().difference(Topics::PRESENCE);

    /// The topics and their words in `change_topics`, in a fixed order.
    pub const WORDS: [(Topics, &'static str); 10] = [
        (Topics::SOP, "sop"),
        (Topics::MEMBERS, "members"),
        (Topics::CONTENT, "content"),
        (Topics::KPI, "kpi"),
        (Topics::REMINDERS, "reminders"),
        (Topics::GROUPS, "groups"),
        (Topics::OPERATORS, "operators"),
        (Topics::SETTINGS, "settings"),
        (Topics::RISK, "risk"),
        (Topics::PRESENCE, "presence"),
    ];

    /// `sop,members` for logs.
    pub fn words(self) -> String {
        Topics::WORDS
            .iter()
            .filter(|(t, _)| self.contains(*t))
            .map(|(_, w)| *w)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The topics a row change in `table` touches (tables of `data/migrations/`).
pub fn of_table(table: &str) -> Topics {
    match table {
        "sop_templates" | "sop_items" | "sop_instances" | "group_sop" | "sop_overrides" => {
            Topics::SOP
        }
        "members" | "memberships" | "member_aliases" | "member_tags" | "tags" | "points_ledger"
        | "member_events" | "orders" | "activity_daily" => Topics::MEMBERS,
        "sanctions" => Topics::MEMBERS | Topics::RISK,
        "content_items" | "content_groups" | "content_tags" | "content_reviews"
        | "content_results" => Topics::CONTENT,
        "kpi_daily" | "kpi_dirty" | "kpi_meta" | "alerts" => Topics::KPI,
        "reminders" => Topics::REMINDERS,
        // launching a group (issue 16): the launch board and the group's kit
        "groups" | "launch_plans" | "launch_phases" | "launch_kit" | "launch_answers" => {
            Topics::GROUPS
        }
        "operators" => Topics::OPERATORS,
        "risk_incidents" => Topics::RISK,
        "team_settings" | "team_keywords" | "keyword_exceptions" => Topics::SETTINGS,
        "presence" => Topics::PRESENCE,
        // the audit log is read back by entity; our own bookkeeping and SQLite's are not
        // changes anyone looks at
        _ => Topics::empty(),
    }
}

/// The topics of an audit row's entity, and whether it names one member (`entity_id`).
pub fn of_entity(entity: &str) -> (Topics, bool) {
    match entity {
        "member" => (Topics::MEMBERS, true),
        "reminder" => (Topics::REMINDERS, false),
        "sop_instance" | "sop_template" | "sop_item" | "group_sop" | "sop_override" => {
            (Topics::SOP, false)
        }
        "content" => (Topics::CONTENT, false),
        "group" | "launch" | "kit" => (Topics::GROUPS, false),
        "alert" | "kpi_daily" | "stats" => (Topics::KPI, false),
        "operator" => (Topics::OPERATORS, false),
        "tiers" => (Topics::MEMBERS, false),
        // an incident's step (its sanction moves members through the hooks)
        "incident" => (Topics::RISK, false),
        // the team's thresholds and keyword lists: every console re-reads them
        "setting" | "keyword" => (Topics::SETTINGS, false),
        // a restore replaced the whole database (store::backup)
        "restore" => (Topics::DATA, false),
        // Imports say what they changed through the hooks and `touch` (a re-import that
        // adds nothing still writes its audit row, and should move nothing); a new
        // database has nobody watching yet.
        "chat" | "roster" | "orders" | "database" | "init" | "demo" => (Topics::empty(), false),
        // anything new: everything may have moved
        _ => (Topics::DATA, false),
    }
}

/// Past this many members in one transaction a change counts as bulk.
const MAX_TARGETED: usize = 500;

/// `member_changes` rows older than this many versions are pruned.
const KEEP_VERSIONS: i64 = 2_000;

/// What the hooks saw since the transaction began. Shared with the hook closures (which
/// must be `Send`), hence atomics.
#[derive(Debug)]
pub struct Tracker {
    mask: AtomicU32,
    /// Rows the update hook saw (ordinary tables, bookkeeping included).
    hooked: AtomicU64,
    /// The first audit rowid inserted, `i64::MAX` when none.
    audit_from: AtomicI64,
}

impl Tracker {
    fn new() -> Tracker {
        Tracker {
            mask: AtomicU32::new(0),
            hooked: AtomicU64::new(0),
            audit_from: AtomicI64::new(i64::MAX),
        }
    }

    fn note(&self, table: &str, rowid: i64) {
        self.hooked.fetch_add(1, Ordering::Relaxed);
        if table == "audit" {
            self.audit_from.fetch_min(rowid, Ordering::Relaxed);
            return;
        }
        let t = of_table(table);
        if !t.is_empty() {
            self.mask.fetch_or(t.bits(), Ordering::Relaxed);
        }
    }

    /// Forget what was seen (a transaction begins).
    pub fn reset(&self) {
        self.mask.store(0, Ordering::Relaxed);
        self.hooked.store(0, Ordering::Relaxed);
        self.audit_from.store(i64::MAX, Ordering::Relaxed);
    }
}

/// Install the update hook and `shequn_touch()` on a connection.
pub fn install(conn: &Connection) -> rusqlite::Result<Arc<Tracker>> {
    let tracker = Arc::new(Tracker::new());
    let hook = Arc::clone(&tracker);
    conn.update_hook(Some(
        move |_: rusqlite::hooks::Action, _db: &str, table: &str, rowid: i64| {
            hook.note(table, rowid);
        },
    ));
    let touch = Arc::clone(&tracker);
    conn.create_scalar_function("shequn_touch", 1, FunctionFlags::SQLITE_UTF8, move |ctx| {
        let bits = ctx.get::<i64>(0)?;
        touch
            .mask
            .fetch_or(u32::try_from(bits).unwrap_or(0), Ordering::Relaxed);
        Ok(0i64)
    })?;
    Ok(tracker)
}

/// Say that this transaction touched `topics` (for writes the hooks cannot see: a
/// `WITHOUT ROWID` table written without an audit row).
pub fn touch(conn: &Connection, topics: Topics) -> Result<()> {
    conn.prepare_cached("SELECT shequn_touch(?1)")?
        .query_row([i64::from(topics.bits())], |_| Ok(()))?;
    Ok(())
}

/// Bump the versions of what this transaction touched, inside it, just before the
/// commit. `changed_rows`: how many rows the transaction changed (`total_changes`
/// before and after, triggers included); rows beyond those the update hook saw are in
/// `WITHOUT ROWID` tables, and if nothing said which topic they belong to, every topic
/// is bumped — a forgotten path costs a reload, never a stale screen. Returns the
/// topics.
pub fn seal(conn: &Connection, tracker: &Tracker, changed_rows: u64) -> Result<Topics> {
    let unseen = changed_rows.saturating_sub(tracker.hooked.swap(0, Ordering::Relaxed));
    let mut topics = Topics::from_bits_truncate(tracker.mask.swap(0, Ordering::Relaxed));
    let audit_from = tracker.audit_from.swap(i64::MAX, Ordering::Relaxed);
    let mut members: Vec<i64> = Vec::new();
    let mut bulk = false;
    if audit_from != i64::MAX {
        let mut st = conn.prepare_cached("SELECT entity, entity_id FROM audit WHERE id >= ?1")?;
        let mut rows = st.query([audit_from])?;
        while let Some(r) = rows.next()? {
            let entity: String = r.get(0)?;
            let (t, one) = of_entity(&entity);
            topics |= t;
            match (one, r.get::<_, Option<i64>>(1)?) {
                (true, Some(id)) => members.push(id),
                _ if t.contains(Topics::MEMBERS) => bulk = true,
                _ => {}
            }
        }
    }
    if topics.contains(Topics::MEMBERS) && members.is_empty() {
        // member tables moved without an audited member change: an import, a recompute
        bulk = true;
    }
    if changed_rows > 0 {
        // any commit of ours, also one that only wrote bookkeeping (a re-import's audit
        // row): readers tell it from a writer that bypassed shequn
        conn.prepare_cached(
            "UPDATE change_topics SET version = version + 1 WHERE topic = 'writes'",
        )?
        .execute([])?;
    }
    if topics.is_empty() {
        if unseen == 0 {
            return Ok(topics);
        }
        tracing::warn!(
            rows = unseen,
            "a write changed rows no topic accounts for; signalling every topic"
        );
        topics = Topics::DATA;
        bulk = true;
    }
    let mut bump =
        conn.prepare_cached("UPDATE change_topics SET version = version + 1 WHERE topic = ?1")?;
    for (t, word) in Topics::WORDS {
        if topics.contains(t) {
            bump.execute([word])?;
        }
    }
    members.sort_unstable();
    members.dedup();
    if topics.contains(Topics::MEMBERS) && !bulk && members.len() <= MAX_TARGETED {
        let version: i64 = conn
            .prepare_cached("SELECT version FROM change_topics WHERE topic = 'members'")?
            .query_row([], |r| r.get(0))?;
        let mut ins = conn.prepare_cached(
            "INSERT OR IGNORE INTO member_changes (version, member_id) VALUES (?1, ?2)",
        )?;
        for m in &members {
            ins.execute(params![version, m])?;
        }
        if version % 256 == 0 {
            conn.prepare_cached("DELETE FROM member_changes WHERE version < ?1")?
                .execute([version - KEEP_VERSIONS])?;
        }
    }
    // our own bumps went through the hook-free tables; nothing is left for the next write
    tracker.reset();
    Ok(topics)
}

/// [`seal`] for a transaction whose changes no reader sees yet: the steps of an import
/// batch before its last one (rows of a running batch are hidden, `store::import`), and
/// the roll-back of a batch that never finished. Only the `writes` version moves, so a
/// console knows the commit was shequn's own and reloads nothing; the batch's last
/// transaction is sealed with [`seal`] and signals what the whole batch changed.
pub fn seal_hidden(conn: &Connection, tracker: &Tracker, changed_rows: u64) -> Result<()> {
    if changed_rows > 0 {
        conn.prepare_cached(
            "UPDATE change_topics SET version = version + 1 WHERE topic = 'writes'",
        )?
        .execute([])?;
    }
    tracker.reset();
    Ok(())
}

/// After a restore, in the staged copy: every version (the `writes` one too) above
/// `above` — the live database's just before the restore — so however far a console
/// had followed, every topic has moved for it.
pub fn lift_above(conn: &Connection, above: &Versions) -> Result<()> {
    let mut st = conn.prepare_cached(
        "UPDATE change_topics SET version = max(version, ?2) + 1 WHERE topic = ?1",
    )?;
    for (i, (_, word)) in Topics::WORDS.iter().enumerate() {
        st.execute(params![word, above.versions[i]])?;
    }
    st.execute(params!["writes", above.writes])?;
    Ok(())
}

/// Every topic's version, as one process saw them, with the data version of the same
/// snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Versions {
    pub data_version: i64,
    versions: [i64; 10],
    /// Moves with every shequn commit that changed anything.
    writes: i64,
}

impl Versions {
    /// Read the versions and the data version in one read transaction (one snapshot).
    pub fn read(conn: &Connection) -> Result<Versions> {
        // A deferred transaction: the first read takes the snapshot both come from.
        conn.execute_batch("BEGIN")?;
        let out = Versions::read_in_transaction(conn);
        conn.execute_batch("COMMIT")?;
        out
    }

    /// [`Versions::read`] inside a transaction the caller holds (whose snapshot other
    /// reads share).
    pub fn read_in_transaction(conn: &Connection) -> Result<Versions> {
        {
            let mut v = Versions::default();
            let mut st = conn.prepare_cached("SELECT topic, version FROM change_topics")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let word: String = r.get(0)?;
                if let Some(i) = Topics::WORDS.iter().position(|(_, w)| *w == word) {
                    v.versions[i] = r.get(1)?;
                } else if word == "writes" {
                    v.writes = r.get(1)?;
                }
            }
            drop(rows);
            v.data_version = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
            Ok(v)
        }
    }

    /// The topics whose version differs.
    pub fn moved(&self, newer: &Versions) -> Topics {
        let mut out = Topics::empty();
        for (i, (t, _)) in Topics::WORDS.iter().enumerate() {
            if self.versions[i] != newer.versions[i] {
                out |= *t;
            }
        }
        out
    }

    pub fn members(&self) -> i64 {
        self.versions[1]
    }
}

/// What changed since a process last looked ([`Versions::read`] again, compared).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Seen {
    /// The topics that moved (all data topics when `external`).
    pub topics: Topics,
    /// With `Topics::MEMBERS`: just these members, or `None` for many (reload them all).
    pub members: Option<Vec<i64>>,
    /// The data version moved but no topic did: a writer that bypassed shequn.
    pub external: bool,
}

/// Read the signals again and say what moved since `seen` (which is updated).
/// `data_moved`: whether the data version had moved (another connection committed);
/// if no topic moved then, the commit bypassed shequn and everything is taken as
/// changed. After this process's own write pass false: its own commits do not move
/// its data version.
pub fn since(conn: &Connection, seen: &mut Versions, data_moved: bool) -> Result<Seen> {
    let now = Versions::read(conn)?;
    let topics = seen.moved(&now);
    let from = seen.members();
    let ours = now.writes != seen.writes;
    *seen = now;
    if topics.is_empty() {
        // no topic moved: a commit of ours that changed only bookkeeping, or (when no
        // commit of ours happened either) one that bypassed shequn
        let external = data_moved && !ours;
        return Ok(Seen {
            topics: if external {
                Topics::DATA
            } else {
                Topics::empty()
            },
            members: None,
            external,
        });
    }
    let members = if topics.contains(Topics::MEMBERS) {
        members_between(conn, from, now.members())?
    } else {
        None
    };
    Ok(Seen {
        topics,
        members,
        external: false,
    })
}

/// The members changed between two versions of the `members` topic, or `None` when a
/// change in between was bulk (or is too old to be listed): then reload them all.
pub fn members_between(conn: &Connection, from: i64, to: i64) -> Result<Option<Vec<i64>>> {
    if to <= from {
        return Ok(Some(Vec::new()));
    }
    if to - from > MAX_TARGETED as i64 {
        return Ok(None);
    }
    let mut st = conn.prepare_cached(
        "SELECT version, member_id FROM member_changes WHERE version > ?1 AND version <= ?2
         ORDER BY version",
    )?;
    let rows: Vec<(i64, i64)> = st
        .query_map([from, to], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut versions: Vec<i64> = rows.iter().map(|r| r.0).collect();
    versions.dedup();
    if versions.len() as i64 != to - from || rows.len() > MAX_TARGETED {
        return Ok(None);
    }
    let mut ids: Vec<i64> = rows.into_iter().map(|r| r.1).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(Some(ids))
}

/// The current version of one topic (tests and tools).
pub fn version(conn: &Connection, topic: Topics) -> Result<Option<i64>> {
    let Some((_, word)) = Topics::WORDS.iter().find(|(t, _)| *t == topic) else {
        return Ok(None);
    };
    Ok(conn
        .query_row(
            "SELECT version FROM change_topics WHERE topic = ?1",
            [word],
            |r| r.get(0),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_of_the_schema_has_a_topic_or_is_bookkeeping() {
        // a new table must be placed deliberately: either a topic, or on this list
        const NO_TOPIC: &[&str] = &[
            "audit",
            "messages",
            "change_topics",
            "member_changes",
            "import_batches",
            "import_batch_groups",
            "import_batch_members",
            "sqlite_sequence",
        ];
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::migrate(&mut conn, std::path::Path::new(":memory:")).unwrap();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for t in tables {
            assert!(
                !of_table(&t).is_empty() || NO_TOPIC.contains(&t.as_str()),
                "table {t} has no topic in store::changes::of_table"
            );
        }
    }

    #[test]
    fn entities_map_to_topics_and_members_are_named() {
        for (entity, topics, one) in [
            ("member", Topics::MEMBERS, true),
            ("reminder", Topics::REMINDERS, false),
            ("sop_instance", Topics::SOP, false),
            ("content", Topics::CONTENT, false),
            ("alert", Topics::KPI, false),
            ("incident", Topics::RISK, false),
            ("setting", Topics::SETTINGS, false),
            ("keyword", Topics::SETTINGS, false),
            ("chat", Topics::empty(), false),
            ("restore", Topics::DATA, false),
            ("something new", Topics::DATA, false),
        ] {
            assert_eq!(of_entity(entity), (topics, one), "{entity}");
        }
        assert!(!Topics::DATA.contains(Topics::PRESENCE));
    }

    #[test]
    fn the_team_settings_tables_signal_settings_and_nothing_else() {
        for t in ["team_settings", "team_keywords", "keyword_exceptions"] {
            assert_eq!(of_table(t), Topics::SETTINGS, "{t}");
        }
        // and no other table moves the settings topic by itself
        for t in ["groups", "operators", "sanctions", "kpi_meta", "audit"] {
            assert!(!of_table(t).contains(Topics::SETTINGS), "{t}");
        }
    }
}
