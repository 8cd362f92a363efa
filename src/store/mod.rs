//! The store: everything rusqlite. Opening with explicit pragmas, migrations, the
//! audit log, one file per area, and change watching through `PRAGMA data_version`.
//!
//! Why these choices (DESIGN.md "The store"):
//! * WAL so readers never block the writer and several consoles share one file;
//! * `synchronous=NORMAL`: in WAL mode a power cut can lose the last commit but never
//!   corrupts the file — acceptable for an operations console whose every write is
//!   small and re-doable, and it keeps a write at well under a millisecond;
//! * every write is a short `BEGIN IMMEDIATE` transaction: a deferred transaction that
//!   reads first and writes later fails with SQLITE_BUSY under several writers
//!   instead of waiting on `busy_timeout`.
//!
//! Roles (issue 12) are enforced here, in one place: [`Store::write`] and
//! [`Store::conn_mut`] (imports) name what the write needs ([`Need`]) and [`authorize`]
//! decides, against the caller's role read inside the write's own transaction. What a
//! console keeps up to date by itself ([`Need::System`]: presence, the day's items,
//! reminder planning, KPI judgement) needs no role; `--readonly` refuses everything.

pub mod audit;
pub mod backup;
pub mod changes;
pub mod content;
pub mod files;
pub mod groups;
pub mod history;
pub mod import;
pub mod kpi;
pub mod launch;
pub mod members;
pub mod migrations;
pub mod operators;
pub mod presence;
pub mod refusal;
pub mod reminders;
pub mod risk;
pub mod settings;
pub mod sop;
pub mod views;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::domain::roles::{Access, Forbidden, Perm, Permissions};
pub use audit::{AuditEntry, audit};
pub use refusal::Refusal;

/// How long a write waits for another operator's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "database {path} has schema version {found}, but this shequn only knows up to {supported}: \
         it was written by a newer shequn. Upgrade shequn (or use the newer binary) to open it"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("no database at {0}: create one with `shequn init --db {0}` or try `shequn --demo`")]
    Missing(PathBuf),
    /// A group name no group has (the user's `--group`).
    #[error("no group {0:?}; `shequn group list` lists them")]
    UnknownGroup(String),
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: i64 },
    #[error("{what} {id} was changed by {by} at {at} since you loaded it; reload and try again")]
    Stale {
        what: &'static str,
        id: i64,
        by: String,
        at: String,
    },
    /// An incident a colleague (or this operator) already handled: nothing is done twice.
    #[error(
        "incident {id} was already handled: {action} by {by} at {at}; `shequn risk show {id}` shows it"
    )]
    Handled {
        id: i64,
        action: String,
        by: String,
        at: String,
    },
    /// An action the rules do not allow, with what to do instead.
    #[error("{0}")]
    Refused(String),
    /// A refusal with a typed reason (`refusal::Refusal`), said in the user's language
    /// by `ctx::store_message`; nothing was written.
    #[error(transparent)]
    Refusal(#[from] refusal::Refusal),
    #[error("the database is busy (another operator is writing); try again in a moment")]
    Busy,
    /// A write the caller's role may not do (`data/roles.toml`); nothing was written.
    #[error("{0}")]
    Forbidden(Box<Forbidden>),
    /// The database was opened with `--readonly`; nothing was written.
    #[error("opened read-only (--readonly): nothing is written")]
    ReadOnly,
    #[error(
        "database {path} has schema version {found}, this shequn writes {latest}: open it once \
         without --readonly so it is brought up to date"
    )]
    ReadOnlyOlder {
        path: PathBuf,
        found: i64,
        latest: i64,
    },
    /// A team setting or keyword change that does not fit (`domain::settings`);
    /// nothing was written.
    #[error("{0}")]
    Settings(crate::domain::settings::SettingsError),
    /// What the database's files allow this user, said with the path, the cause and
    /// the fix (`disk::FileProblem`): a write to a database opened read-only for it, or
    /// a SQLite error that is a file or disk problem ([`files::diagnose`]).
    #[error("{0}")]
    Files(Box<crate::disk::FileProblem>),
    /// Reviewing (approving, rejecting) one's own item under `[content]
    /// review_by_other`; said in the user's language by `ctx::store_message`.
    #[error(
        "content {id} ({title}): you wrote it, so someone else must review it (rules: [content] review_by_other)"
    )]
    OwnReview { id: i64, title: String },
    /// A change that would leave the database without an owner.
    #[error("{login} is the last owner; make another owner first")]
    LastOwner { login: String },
    #[error(transparent)]
    Sqlite(rusqlite::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Template(#[from] crate::domain::sop::TemplateError),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Busy
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What a write needs: a role for a kind of write (`data/roles.toml`), or nothing
/// beyond a writable database for what a console keeps up to date by itself and is
/// nobody's edit (presence, the day's items, missed marks, reminder planning and
/// firing, KPI judgement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Perm(Perm),
    System,
}

impl From<Perm> for Need {
    fn from(p: Perm) -> Need {
        Need::Perm(p)
    }
}

/// The one check every write passes: refused under `--readonly`; a kind of write needs
/// at least its role, read from `operators` on `conn` (inside the write's transaction,
/// so a role changed by an owner a moment ago counts).
fn authorize(
    conn: &Connection,
    path: &Path,
    login: &str,
    readonly: bool,
    need: Need,
) -> Result<()> {
    if readonly {
        return Err(StoreError::ReadOnly);
    }
    let Need::Perm(perm) = need else {
        return Ok(());
    };
    let mut access = operators::access(conn, login)?;
    if Permissions::get().allows(access.role, perm) {
        return Ok(());
    }
    access.owners = operators::owners(conn)?;
    access.db = Some(path.display().to_string());
    let refusal = access.forbidden(perm);
    tracing::info!("refused: {refusal}");
    Err(StoreError::Forbidden(Box::new(refusal)))
}

/// One connection to the shared database, plus who is using it.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    operator: String,
    /// Who the operator is to this database, as of opening it.
    access: Access,
    /// What this connection's writes touched (see `changes`).
    tracker: std::sync::Arc<changes::Tracker>,
    /// Which file was opened (device, inode): a console notices a file replaced under it.
    file: Option<(u64, u64)>,
    /// Why this database was opened read-only when `--readonly` did not ask for it (a
    /// file or directory this user cannot write): what a refused write says.
    readonly_why: Option<crate::disk::FileProblem>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("operator", &self.operator)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Open an existing database, migrating it to this binary's schema. A database
    /// whose files this user cannot write (the file, its directory, a `-wal`/`-shm`, a
    /// read-only mount) opens read-only, with the reason every refused write gives
    /// ([`Store::readonly_reason`]); one they may not read is an error saying why
    /// (`files::plan`).
    pub fn open(path: &Path, operator: &str) -> Result<Self> {
        let plan = files::plan(path, true)?;
        if plan.readonly {
            tracing::info!(
                "{}: opened read-only: {}",
                path.display(),
                plan.why.as_ref().map_or(String::new(), ToString::to_string)
            );
        }
        Self::open_planned(path, operator, plan)
    }

    /// Open an existing database read-only (`--readonly`): SQLite itself refuses every
    /// write, nothing is migrated, and every [`Store::write`] is refused first.
    pub fn open_readonly(path: &Path, operator: &str) -> Result<Self> {
        let plan = files::plan(path, false)?;
        Self::open_planned(path, operator, plan)
    }

    fn open_planned(path: &Path, operator: &str, plan: files::Plan) -> Result<Self> {
        let mut store = if !plan.readonly {
            Self::open_with(path, operator, OpenFlags::SQLITE_OPEN_READ_WRITE)?
        } else if plan.immutable {
            let uri = files::uri(path, "immutable=1");
            let mut store =
                Self::open_with(Path::new(&uri), operator, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            store.path = path.to_path_buf();
            store.access.db = Some(path.display().to_string());
            store.file = crate::disk::file_id(path);
            store
        } else {
            let store = Self::open_with(path, operator, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            // opening read its first rows: SQLite has made its side files by now
            files::repair_sides(path);
            store
        };
        store.readonly_why = plan.why;
        Ok(store)
    }

    /// Why the database was opened read-only when `--readonly` did not ask for it.
    pub fn readonly_reason(&self) -> Option<&crate::disk::FileProblem> {
        self.readonly_why.as_ref()
    }

    /// What a write on a read-only store is refused with: the files' reason, else
    /// `--readonly`'s.
    fn readonly_refusal(&self) -> StoreError {
        match &self.readonly_why {
            Some(p) => StoreError::Files(Box::new(p.clone())),
            None => StoreError::ReadOnly,
        }
    }

    /// Create (or open) a database file and bring it to this binary's schema.
    pub fn create(path: &Path, operator: &str) -> Result<Self> {
        Self::open_with(
            path,
            operator,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
    }

    fn open_with(path: &Path, operator: &str, flags: OpenFlags) -> Result<Self> {
        let flags = flags | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let file = crate::disk::file_id(path);
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let readonly = flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY);
        let mut conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
        configure(&conn, readonly).map_err(open_err)?;
        if readonly {
            migrations::check_current(&conn, path)?;
        } else {
            migrations::migrate(&mut conn, path)?;
        }
        let tracker = changes::install(&conn).map_err(open_err)?;
        let mut access = operators::access(&conn, operator)?;
        access.readonly = readonly;
        access.owners = operators::owners(&conn)?;
        access.db = Some(path.display().to_string());
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            operator: operator.to_string(),
            access,
            tracker,
            file: file.or_else(|| crate::disk::file_id(path)),
            readonly_why: None,
        })
    }

    /// Which file this store opened: (device, inode).
    pub fn file_id(&self) -> Option<(u64, u64)> {
        self.file
    }

    /// Read who the operator is to this database again (after a restore brought back
    /// another `operators` table).
    pub fn refresh_access(&mut self) -> Result<&Access> {
        let readonly = self.access.readonly;
        let mut access = operators::access(&self.conn, &self.operator)?;
        access.readonly = readonly;
        access.owners = operators::owners(&self.conn)?;
        access.db = Some(self.path.display().to_string());
        self.access = access;
        Ok(&self.access)
    }

    /// Whether the operator's role allows `perm`, for what is not a write to this
    /// database but needs a role all the same (a backup reads it; `--readonly` does not
    /// stop that).
    pub fn allowed(&self, perm: Perm) -> Result<()> {
        authorize(&self.conn, &self.path, &self.operator, false, perm.into())
    }

    /// The change signals as they are now (see `changes::Versions`).
    pub fn versions(&self) -> Result<changes::Versions> {
        changes::Versions::read(&self.conn)
    }

    /// A consistent copy of the database into a new file (`backup::copy_to`).
    pub fn copy_to(&self, dest: &Path) -> Result<()> {
        backup::copy_to(&self.conn, dest)
    }

    /// Replace this database's contents with `staged`'s in one transaction
    /// (`backup::restore_into`); needs `Perm::Restore`.
    pub fn restore_from(&mut self, staged: &Store) -> Result<()> {
        if self.access.readonly {
            return Err(self.readonly_refusal());
        }
        authorize(
            &self.conn,
            &self.path,
            &self.operator,
            self.access.readonly,
            Perm::Restore.into(),
        )?;
        backup::restore_into(&mut self.conn, &staged.conn)
    }

    /// Who the operator is to this database (as of opening it; every write asks again).
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// Opened with `--readonly`.
    pub fn readonly(&self) -> bool {
        self.access.readonly
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// For bulk work that manages its own transaction (imports), once `perm` is
    /// allowed.
    pub fn conn_mut(&mut self, perm: Perm) -> Result<&mut Connection> {
        if self.access.readonly {
            return Err(self.readonly_refusal());
        }
        authorize(
            &self.conn,
            &self.path,
            &self.operator,
            self.access.readonly,
            perm.into(),
        )?;
        Ok(&mut self.conn)
    }

    /// Read access. Reads run in autocommit mode and see the last committed state.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Run `f` in one short `BEGIN IMMEDIATE` transaction and commit it, with the
    /// versions of the topics it touched bumped in the same transaction (`changes`),
    /// once what it needs is allowed (a refusal writes nothing). `f` gets the
    /// operator's login so it can write the audit row.
    pub fn write<T>(
        &mut self,
        need: impl Into<Need>,
        f: impl FnOnce(&Transaction<'_>, &str) -> Result<T>,
    ) -> Result<T> {
        self.write_signalled(need.into(), f).map(|(out, _)| out)
    }

    /// What a screen or a command keeps up to date by itself before it reads (the
    /// day's items, missed marks, planned reminders, KPI judgement, presence): a
    /// [`Need::System`] write, skipped (`None`) on a read-only database instead of
    /// failing, since what it would write is only upkeep.
    pub fn upkeep<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>, &str) -> Result<T>,
    ) -> Result<Option<T>> {
        if self.access.readonly {
            return Ok(None);
        }
        self.write(Need::System, f).map(Some)
    }

    /// [`Store::write`], also saying which topics the write touched.
    pub fn write_signalled<T>(
        &mut self,
        need: Need,
        f: impl FnOnce(&Transaction<'_>, &str) -> Result<T>,
    ) -> Result<(T, changes::Topics)> {
        let readonly = self.access.readonly;
        if readonly {
            // said before BEGIN IMMEDIATE, which a read-only connection cannot take
            return Err(self.readonly_refusal());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        authorize(&tx, &self.path, &self.operator, readonly, need)?;
        let before = tx.total_changes();
        self.tracker.reset();
        let out = f(&tx, &self.operator)?;
        let topics = changes::seal(&tx, &self.tracker, tx.total_changes() - before)?;
        tx.commit()?;
        Ok((out, topics))
    }

    /// For writers that manage their own transaction (imports): what the hooks saw. Call
    /// [`changes::seal`] with it just before the commit.
    pub fn tracker(&self) -> std::sync::Arc<changes::Tracker> {
        std::sync::Arc::clone(&self.tracker)
    }

    /// Read once, so that SQLite has opened everything this connection will use: the
    /// database, and in WAL mode its `-wal` and `-shm` (opened, and created if missing,
    /// at the first read). A setgid shequn calls this before it drops its group, after
    /// which it could not open them (`crate::guard`).
    pub fn touch_files(&self) -> Result<()> {
        let _: i64 = self
            .conn
            .query_row("SELECT count(*) FROM change_topics", [], |r| r.get(0))?;
        Ok(())
    }

    /// `PRAGMA data_version`: changes whenever *another* connection commits. Cheap (no
    /// disk I/O), so consoles poll it to notice their colleagues' changes.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?)
    }
}

/// How long a write waiting for another's transaction sleeps between tries.
///
/// SQLite's own busy handler (`busy_timeout`) sleeps 50 to 100 ms between tries once it
/// has waited a quarter of a second, and the write lock is not a queue: a writer that
/// commits and begins again within that time — an import writing in short transactions
/// (`import`) — could keep the lock from a waiting colleague for as long as it goes on.
/// Trying every 2 ms, the colleague takes the lock in the importer's first pause
/// between two transactions (`import::PAUSE`), so it waits at most about one of them.
/// A try is one shared-memory lock attempt: cheap even with several processes waiting.
const BUSY_POLL: Duration = Duration::from_millis(2);

/// The busy handler of every connection: try again every [`BUSY_POLL`] until
/// [`BUSY_TIMEOUT`] has passed since this statement first found the database busy
/// (SQLite counts `tries` from 0 for each statement), then give up (`StoreError::Busy`).
fn busy_wait(tries: i32) -> bool {
    use std::cell::Cell;
    use std::time::Instant;
    thread_local! {
        static SINCE: Cell<Option<Instant>> = const { Cell::new(None) };
    }
    let now = Instant::now();
    let since = SINCE.with(|s| {
        let since = match s.get() {
            Some(t) if tries > 0 => t,
            _ => now,
        };
        s.set(Some(since));
        since
    });
    if now.duration_since(since) >= BUSY_TIMEOUT {
        return false;
    }
    std::thread::sleep(BUSY_POLL);
    true
}

fn configure(conn: &Connection, readonly: bool) -> rusqlite::Result<()> {
    conn.busy_handler(Some(busy_wait))?;
    // journal_mode answers with a row, so it is read rather than executed. (Setting it
    // is a write: a read-only connection takes the file as it is.)
    if !readonly {
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    }
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(())
}

/// A group's id by its name, or the refusal every command gives for an unknown one.
pub fn require_group(conn: &Connection, name: &str) -> Result<i64> {
    use rusqlite::OptionalExtension;
    conn.query_row("SELECT id FROM groups WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| StoreError::UnknownGroup(name.to_string()))
}

/// The de-duplication key of a message: FNV-1a 64 of its export key, as SQLite's
/// signed integer. Stable across versions and platforms (std's hasher is not).
pub fn key_hash(key: &str) -> i64 {
    // the same FNV-1a the parsers use for keys of exports without ids
    crate::import::fnv1a(&[key]) as i64
}

/// SQL functions shequn's migrations use.
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "shequn_key_hash",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(key_hash(&ctx.get::<String>(0)?)),
    )
}

/// Current unix time helpers live in `clock`; the store takes instants as arguments so
/// it never has a clock of its own.
pub fn unix(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}
