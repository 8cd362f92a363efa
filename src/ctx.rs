//! What both the CLI's commands and the console take: the context built from flags and
//! environment (`Ctx`: database, language, the team's zone and clock, who is running it,
//! the team's rules and keyword lists, `--readonly`), the refusal a user can fix
//! (`UserError`, exit 1), the one-time word about personal rule files from before team
//! settings, and the connections a setgid shequn opened before dropping its group
//! (`preopened`). It sits below `commands` and `console` so neither has to import the
//! other for it.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::cli::{Cli, Format};
use crate::clock::{Clock, FixedClock, SystemClock, parse_now};
use crate::config;
use crate::domain::keywords::Keywords;
use crate::domain::rules::Rules;
use crate::i18n::{Lang, Texts, fill};
use crate::store::{Store, StoreError};

/// A store error in the user's language where the language files have words for it
/// (a write refused for want of a role, `--readonly`, the last owner, a file or disk
/// problem); any other error says its own message. `db`: the database the error is
/// about, to find the file or disk problem behind a SQLite error
/// (`StoreError::problem_at`: the one place those are mapped).
pub fn store_message(texts: &Texts, e: &StoreError, db: &std::path::Path) -> String {
    if let Some(p) = e.problem_at(db) {
        return texts.file_problem(&p);
    }
    match e {
        StoreError::Forbidden(f) => texts.forbidden(f),
        StoreError::ReadOnly => texts.roles.read_only.clone(),
        StoreError::LastOwner { login } => fill(&texts.roles.last_owner, &[("login", login)]),
        StoreError::OwnReview { id, title } => fill(
            &texts.content.own_review_cli,
            &[("id", id), ("title", title)],
        ),
        StoreError::Settings(s) => texts.settings_error(s),
        StoreError::Files(p) => texts.file_problem(p),
        StoreError::UnknownGroup(name) => fill(&texts.cli.unknown_group, &[("name", name)]),
        // the first run: said in the user's language with the commands that help
        StoreError::Missing(p) => fill(&texts.cli.no_database, &[("db", &p.display())]),
        StoreError::Open { path, source } => fill(
            &texts.errors.db_open,
            &[("path", &path.display()), ("e", source)],
        ),
        StoreError::NewerSchema {
            path,
            found,
            supported,
        } => fill(
            &texts.errors.newer_schema,
            &[
                ("path", &path.display()),
                ("found", found),
                ("supported", supported),
            ],
        ),
        StoreError::ReadOnlyOlder {
            path,
            found,
            latest,
        } => fill(
            &texts.errors.read_only_older,
            &[
                ("path", &path.display()),
                ("found", found),
                ("latest", latest),
            ],
        ),
        StoreError::NotFound { what, id } => fill(
            &texts.errors.not_found,
            &[("what", &texts.errors.thing(what)), ("id", id)],
        ),
        StoreError::Stale { what, id, by, at } => fill(
            &texts.errors.stale,
            &[
                ("what", &texts.errors.thing(what)),
                ("id", id),
                ("by", by),
                ("at", at),
            ],
        ),
        StoreError::Handled { id, action, by, at } => fill(
            &texts.errors.handled,
            &[
                ("id", id),
                (
                    "action",
                    &[&texts.risk.actions, &texts.risk.states]
                        .iter()
                        .find_map(|m| m.get(action.as_str()))
                        .unwrap_or(action),
                ),
                ("by", by),
                ("at", at),
            ],
        ),
        StoreError::Busy => texts.errors.busy.clone(),
        // Refused: the store's own sentence (English; see the report of issue 14.5);
        // Sqlite, Json, Template: failures of shequn itself, logged and said as they are
        e => e.to_string(),
    }
}

/// A path as a person types it: `~/.config/…` under the home directory.
fn tilde(p: &std::path::Path) -> String {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match home.as_deref().and_then(|h| p.strip_prefix(h).ok()) {
        Some(rest) if !rest.as_os_str().is_empty() => format!("~/{}", rest.display()),
        _ => p.display().to_string(),
    }
}

/// A refusal the user can fix: exit 1 with this message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

/// Everything a command needs to know about how it was called.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub db: PathBuf,
    pub lang: Lang,
    pub format: Format,
    /// `--encoding`: the character set of CSV output.
    pub encoding: crate::cli::Encoding,
    /// Under `export`: CSV is a file for a spreadsheet (UTF-8 BOM, CRLF), not for a
    /// script.
    pub export: bool,
    pub tz: Tz,
    pub clock: Arc<dyn Clock>,
    pub operator: String,
    /// The team's rules: the shipped ones until [`Ctx::use_team_settings`] reads the
    /// team's from its database.
    pub rules: Rules,
    /// The team's keyword lists, likewise.
    pub keywords: Keywords,
    /// `--readonly`: the database is opened read-only and every write is refused.
    pub readonly: bool,
}

impl Ctx {
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Ctx> {
        let lang = config::resolve_lang(cli.lang);
        let e = &lang.texts().errors;
        // (config says why in English, for the log; the user reads it in their language)
        let tz = config::team_tz().map_err(|why| {
            tracing::warn!("{why}");
            let name = std::env::var("SHEQUN_TZ").unwrap_or_default();
            UserError(fill(&e.bad_tz, &[("name", &format!("{name:?}"))]))
        })?;
        let clock: Arc<dyn Clock> = match std::env::var("SHEQUN_NOW") {
            Ok(v) if !v.is_empty() => {
                Arc::new(FixedClock(parse_now(&v, tz).map_err(|_| {
                    UserError(fill(&e.bad_now, &[("value", &format!("{v:?}"))]))
                })?))
            }
            _ => Arc::new(SystemClock),
        };
        Ok(Ctx {
            db: config::resolve_db(cli.db.clone()),
            lang,
            format: cli.format,
            encoding: cli.encoding,
            export: matches!(cli.command, Some(crate::cli::Command::Export { .. })),
            tz,
            clock,
            operator: config::operator_login(),
            rules: Rules::shipped(),
            keywords: Keywords::shipped(),
            readonly: cli.readonly,
        })
    }

    /// The database, as this command line asked for it (`--readonly` or not). A setgid
    /// shequn hands out the connections it opened before dropping its group.
    pub fn open(&self) -> Result<Store, StoreError> {
        if let Some(store) = preopened::take(&self.db)? {
            return Ok(store);
        }
        if self.readonly {
            Store::open_readonly(&self.db, &self.operator)
        } else {
            Store::open(&self.db, &self.operator)
        }
    }

    /// Judge with the team's settings as `store` holds them (its rules and keyword
    /// lists) rather than the shipped ones: what every command and console does once it
    /// has opened the database.
    pub fn use_team_settings(&mut self, store: &Store) -> Result<(), StoreError> {
        let team = crate::store::settings::team(store.conn())?;
        self.rules = team.rules;
        self.keywords = team.keywords;
        Ok(())
    }

    /// What to say about personal rule and keyword files from before team settings,
    /// when there are some not told about yet (the personal state remembers); the exact
    /// commands that bring them into this database. `console`: the status line's
    /// shorter words.
    pub fn personal_notice(&self, console: bool) -> Option<String> {
        let found = config::leftovers();
        if !config::tell_once(&config::log_dir(), &found) {
            return None;
        }
        let text = self.notice_for(&found, console);
        tracing::info!("{text}");
        Some(text)
    }

    /// ` --db PATH` when the database is not the default one (commands as they must be
    /// typed), else nothing.
    pub fn db_flag(&self) -> String {
        if self.db == config::default_db_path() {
            String::new()
        } else {
            format!(" --db {}", self.db.display())
        }
    }

    /// The words for `found`.
    pub fn notice_for(&self, found: &config::Leftovers, console: bool) -> String {
        let texts = self.lang.texts();
        // the database only when it is not the default one: the command as it must be typed
        let db = if self.db == config::default_db_path() {
            String::new()
        } else {
            format!(" --db {}", self.db.display())
        };
        let mut commands: Vec<String> = Vec::new();
        if let Some(p) = &found.config {
            commands.push(format!("`shequn settings import {}{db}`", tilde(p)));
        }
        for (c, p) in &found.keywords {
            commands.push(format!(
                "`shequn keywords import {} --category {}{db}`",
                tilde(p),
                c.word()
            ));
        }
        let files: Vec<String> = found.paths().iter().map(|p| tilde(p)).collect();
        let template = if console {
            &texts.settings.notice_console
        } else {
            &texts.settings.notice
        };
        fill(
            template,
            &[
                ("files", &files.join(", ")),
                ("commands", &commands.join("; ")),
            ],
        )
    }

    /// Whether the database exists: a setgid shequn that dropped its group can no
    /// longer look into the team directory, but holds connections to it.
    pub fn db_exists(&self) -> bool {
        preopened::holds(&self.db) || self.db.exists()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// An instant as RFC 3339 in the team's zone: how every command's JSON says a time.
    pub fn local_time(&self, t: i64) -> Option<String> {
        DateTime::<Utc>::from_timestamp(t, 0).map(|t| t.with_timezone(&self.tz).to_rfc3339())
    }
}

pub mod preopened {
    //! The connections a setgid shequn opened before it dropped its group
    //! (`crate::guard`): after the drop it can no longer open the team's file, so
    //! [`Ctx::open`](super::Ctx::open) takes these in turn. One set per process, like the
    //! privilege they were opened with.
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    use crate::store::{Store, StoreError};

    struct Pool {
        db: PathBuf,
        stores: Vec<Store>,
    }

    static POOL: Mutex<Option<Pool>> = Mutex::new(None);

    /// Keep `stores`, all opened on `db`, for [`take`].
    pub fn keep(db: PathBuf, stores: Vec<Store>) {
        let mut pool = POOL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *pool = Some(Pool { db, stores });
    }

    /// One of the connections kept for `db`; `None` when this process kept none (it
    /// did not start setgid, or `db` is another file such as a demo's). Refused when
    /// they are used up: that would be a command needing more connections than were
    /// opened for it, and after the drop it cannot open another.
    pub fn take(db: &Path) -> Result<Option<Store>, StoreError> {
        let mut pool = POOL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match pool.as_mut() {
            Some(p) if p.db == db => p.stores.pop().map(Some).ok_or_else(|| {
                StoreError::Refused(format!(
                    "guarded mode: this command needs another connection to {}, but shequn \
                     opens them before it drops its group (a bug in shequn: please report it)",
                    db.display()
                ))
            }),
            _ => Ok(None),
        }
    }

    /// Whether connections were kept for `db` (some may be used up).
    pub fn holds(db: &Path) -> bool {
        let pool = POOL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        pool.as_ref().is_some_and(|p| p.db == db)
    }
}
