//! The non-console commands, one file each, and what they share: the context built
//! from flags and environment, and how errors become exit codes (PRODUCT.md: 0 ok,
//! 1 bad input or a refused action, 2 data or I/O failure).

pub mod backup;
pub mod content;
pub mod demo;
pub mod doctor;
pub mod export;
pub mod group;
pub mod import;
pub mod init;
pub mod keywords;
pub mod kpi;
pub mod launch;
pub mod members;
pub mod operator;
pub mod output;
pub mod remind;
pub mod report;
pub mod risk;
pub mod settings;
pub mod sop;

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
// what every command takes; it lives below both the commands and the console
pub use crate::ctx::{Ctx, UserError};
use crate::store::StoreError;

/// A flag's value among `all`: its English word or its name in either language
/// (`--tier silent`, `--tier 沉默`, `--state 待审核`), matched the same way for every
/// enumeration the commands take. A refusal lists the choices in the user's language.
pub fn choice<T: Copy>(
    ctx: &Ctx,
    flag: &str,
    value: &str,
    all: &[T],
    word: fn(T) -> &'static str,
) -> Result<T, UserError> {
    use crate::i18n::Lang;
    let v = value.trim();
    let named = |w: &str, lang: Lang| {
        let t = lang.texts();
        [
            t.enum_text(w),
            t.roles.names.get(w).map_or("", String::as_str),
            t.keywords.categories.get(w).map_or("", String::as_str),
        ]
        .into_iter()
        .any(|n| !n.is_empty() && n.eq_ignore_ascii_case(v))
    };
    all.iter()
        .copied()
        .find(|&x| {
            let w = word(x);
            w.eq_ignore_ascii_case(v) || named(w, Lang::Zh) || named(w, Lang::En)
        })
        .ok_or_else(|| {
            let texts = ctx.lang.texts();
            let choices = all
                .iter()
                .map(|&x| {
                    let w = word(x);
                    let zh = Lang::Zh.texts().enum_text(w);
                    if zh == w {
                        w.to_string()
                    } else {
                        format!("{w} ({zh})")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            UserError(crate::i18n::fill(
                &texts.cli.bad_choice,
                &[("flag", &flag), ("value", &value), ("choices", &choices)],
            ))
        })
}

/// A `--group` that names no group: exit 1, in the user's language, for every command.
pub fn unknown_group(ctx: &Ctx, name: &str) -> UserError {
    UserError(crate::i18n::fill(
        &ctx.lang.texts().cli.unknown_group,
        &[("name", &name)],
    ))
}

/// Refuse to create a database where a `-wal` or `-shm` file of an earlier one is still
/// lying around: SQLite would replay that old log into the new file and corrupt it.
/// (Seen for real: a console still open on a database someone deleted.)
pub fn check_no_leftovers(t: &crate::i18n::Texts, db: &std::path::Path) -> Result<(), UserError> {
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        if side.exists() {
            return Err(UserError(crate::i18n::fill(
                &t.errors.leftover,
                &[("file", &side.display())],
            )));
        }
    }
    Ok(())
}

/// Run the parsed command line; errors are reported here and become exit codes. A
/// setgid shequn (`elevated`) first opens what it needs with its group and drops it
/// ([`privileged_start`]); only then does anything else happen, the log file included.
pub fn main(cli: Cli, elevated: Option<crate::guard::Elevated>) -> ExitCode {
    let texts = crate::config::resolve_lang(cli.lang).texts();
    // the database an error is about (a file or disk problem is said with its path)
    let db = crate::config::resolve_db(cli.db.clone());
    let started = match elevated {
        Some(el) => privileged_start(&cli, el),
        None => Ok((None, None)),
    };
    let result = started.and_then(|(db, kept)| match kept {
        None => {
            crate::config::init_logging();
            run(cli, db)
        }
        // backup, restore, doctor work on the team directory itself: they keep the group
        // until done (no log: the user's log file would get the group)
        Some(mut el) => {
            let out = run(cli, db);
            el.drop_group()?;
            out
        }
    });
    match result {
        Ok(code) => code,
        // `shequn sop today | head`: the reader left; that is not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("{e:#}");
            // a refusal for want of a role (or --readonly), a file or disk problem, in
            // the user's language
            let problem = file_problem(&e, &db);
            let text = match (&problem, e.downcast_ref::<StoreError>()) {
                (Some(p), _) => texts.file_problem(p),
                (None, Some(s)) => crate::ctx::store_message(texts, s, &db),
                (None, None) => match e.downcast_ref::<crate::guard::GuardError>() {
                    Some(g) => texts.guard_error(g),
                    // a refusal or a failure in the user's words; an OS error's own
                    // words follow a failure's sentence (`{e:#}`: the context, then why)
                    None => format!("{e:#}"),
                },
            };
            // Not eprintln!: after a hang-up stderr is a dead tty, and eprintln! panics.
            let _ = writeln!(std::io::stderr(), "shequn: {text}");
            // a file or disk problem is the user's to fix
            ExitCode::from(if problem.is_some() { 1 } else { exit_code(&e) })
        }
    }
}

/// The file or disk problem behind an error, if it is one: a store error's, or a SQLite
/// error's that reached here without the store (`StoreError::problem_at`).
fn file_problem(e: &anyhow::Error, db: &std::path::Path) -> Option<crate::disk::FileProblem> {
    if let Some(s) = e.downcast_ref::<StoreError>() {
        return s.problem_at(db);
    }
    e.chain()
        .find_map(|cause| crate::store::files::problem_of(db, cause))
}

fn exit_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<UserError>().is_some() || e.downcast_ref::<clap::Error>().is_some() {
        return 1;
    }
    match e.downcast_ref::<StoreError>() {
        Some(
            StoreError::Missing(_)
            | StoreError::NewerSchema { .. }
            | StoreError::NotFound { .. }
            | StoreError::Stale { .. }
            | StoreError::Handled { .. }
            | StoreError::Refused(_)
            | StoreError::UnknownGroup(_)
            | StoreError::OwnReview { .. }
            | StoreError::Forbidden(_)
            | StoreError::ReadOnly
            | StoreError::ReadOnlyOlder { .. }
            | StoreError::LastOwner { .. }
            | StoreError::Settings(_)
            | StoreError::Files(_),
        ) => 1,
        _ => 2,
    }
}

/// What a setgid shequn does while it holds its service group (`crate::guard`): check
/// the database's path, open the connections the command will use (or, for
/// `init --guarded`, create the team's directory and database), read once so SQLite
/// has its `-wal` and `-shm` open, then drop the group for good. The demo runs on a
/// file of the user's own and drops it at once. Returns the database's checked path.
fn privileged_start(
    cli: &Cli,
    mut el: crate::guard::Elevated,
) -> anyhow::Result<(Option<std::path::PathBuf>, Option<crate::guard::Elevated>)> {
    let operator = crate::config::operator_login();
    let db = crate::config::resolve_db(cli.db.clone());
    let group = el.group_name();
    let t = crate::config::resolve_lang(cli.lang).texts();
    let opened = match (&cli.command, cli.demo) {
        (Some(Command::Demo), _) | (None, true) => None,
        (Some(Command::Init { .. }), false) if cli.readonly => {
            return Err(StoreError::ReadOnly.into());
        }
        (
            Some(Command::Init {
                guarded: Some(g), ..
            }),
            false,
        ) => {
            let (db, store) = init::create_guarded(t, &db, g, &el, &operator)?;
            Some((db, vec![store]))
        }
        (Some(Command::Init { .. }), false) => {
            return Err(UserError(crate::i18n::fill(
                &t.errors.guarded_only,
                &[("group", &group)],
            ))
            .into());
        }
        // These work on the team directory itself (a backup folder beside the database,
        // the copy before a restore, the directory's own checks): they run with the
        // group, which they only use there. What they take from the user — the folder
        // `--to`, the file to restore — must be the user's own to read or write.
        (Some(Command::Backup { .. } | Command::Restore { .. } | Command::Doctor), false) => {
            let db =
                crate::guard::team_db(&db, el.gid()).map_err(|e| UserError(t.guard_error(&e)))?;
            let own = |path: &std::path::Path, mode: libc::c_int, refusal: &str| {
                if crate::guard::real_user_can(path, mode) {
                    Ok(())
                } else {
                    Err(UserError(crate::i18n::fill(
                        refusal,
                        &[("path", &path.display())],
                    )))
                }
            };
            match &cli.command {
                Some(Command::Backup { to: Some(dir), .. }) => {
                    own(dir, libc::W_OK | libc::X_OK, &t.errors.own_write)?;
                }
                Some(Command::Restore { file, .. }) => own(file, libc::R_OK, &t.errors.own_read)?,
                _ => {}
            }
            return Ok((Some(db), Some(el)));
        }
        _ => {
            let db =
                crate::guard::team_db(&db, el.gid()).map_err(|e| UserError(t.guard_error(&e)))?;
            let mut stores = Vec::new();
            for _ in 0..connections(cli) {
                let store = if cli.readonly {
                    crate::store::Store::open_readonly(&db, &operator)?
                } else {
                    crate::store::Store::open(&db, &operator)?
                };
                store.touch_files()?;
                stores.push(store);
            }
            Some((db, stores))
        }
    };
    el.drop_group()?;
    Ok((
        opened.map(|(db, stores)| {
            crate::ctx::preopened::keep(db.clone(), stores);
            db
        }),
        None,
    ))
}

/// How many connections a command opens: the team's settings and the KPI judgement
/// at start, and the command's own; `remind --watch` reads changes on a second, the
/// console reads its member list on a second (its store thread has the first); an
/// import writes through the one.
fn connections(cli: &Cli) -> usize {
    let own = match &cli.command {
        Some(Command::Remind {
            watch: true,
            cmd: None,
            ..
        })
        | None => 2,
        _ => 1,
    };
    1 + own
}

fn run(cli: Cli, checked_db: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    if !cli.demo && matches!(cli.command, Some(Command::Doctor)) {
        // before the context: doctor reports a bad SHEQUN_TZ or config as a finding
        // instead of failing on it
        return doctor::run(&cli);
    }
    let mut ctx = Ctx::from_cli(&cli)?;
    if let Some(db) = checked_db {
        ctx.db = db;
    }
    // Personal rule and keyword files from before team settings: said once, here on
    // stderr for a command (the console says it in its status line instead).
    if cli.command.is_some()
        && let Some(notice) = ctx.personal_notice(false)
    {
        let _ = writeln!(std::io::stderr(), "shequn: {notice}");
    }
    // Every command and console takes the team's settings from the database and judges
    // the KPI alerts first when the data changed since the last judgement, so they all
    // show the same ones (init and demo make their own database and judge it
    // themselves; backup and restore copy it as it is).
    if !cli.demo
        && !matches!(
            cli.command,
            Some(
                Command::Init { .. }
                    | Command::Demo
                    | Command::Backup { .. }
                    | Command::Restore { .. }
            )
        )
    {
        kpi::on_start(&mut ctx)?;
    }
    match (&cli.command, cli.demo) {
        (Some(_), true) => Err(UserError(ctx.lang.texts().errors.demo_with_command.clone()).into()),
        (Some(Command::Init { team, guarded }), false) => {
            let mode = match (team, guarded) {
                (_, Some(g)) => init::Mode::Guarded(g),
                (Some(t), None) => init::Mode::Team(t),
                (None, None) => init::Mode::Personal,
            };
            init::run(&ctx, mode)
        }
        (Some(Command::Demo), false) => demo::run(&ctx),
        (Some(Command::Sop { cmd }), false) => sop::run(&ctx, cmd),
        (Some(Command::Group { cmd }), false) => group::run(&ctx, cmd),
        (Some(Command::Operator { cmd }), false) => operator::run(&ctx, cmd),
        (Some(Command::Export { what, from, to }), false) => export::run(&ctx, *what, *from, *to),
        (Some(Command::Import { cmd }), false) => import::run(&ctx, cmd),
        (Some(Command::Members { cmd }), false) => members::run(&ctx, cmd),
        (Some(Command::Kpi { group, days }), false) => kpi::run(&ctx, group.as_deref(), *days),
        (Some(Command::Report { cmd }), false) => report::run(&ctx, cmd),
        (Some(Command::Settings { cmd }), false) => settings::run(&ctx, cmd),
        (Some(Command::Keywords { cmd }), false) => keywords::run(&ctx, cmd),
        (Some(Command::Risk { cmd }), false) => risk::run(&ctx, cmd),
        (Some(Command::Content { cmd }), false) => content::run(&ctx, cmd),
        (Some(Command::Backup { to, keep }), false) => backup::run(&ctx, to.as_deref(), *keep),
        (Some(Command::Restore { file, force }), false) => backup::restore(&ctx, file, *force),
        (Some(Command::Doctor), false) => doctor::run(&cli),
        (Some(Command::Remind { due, watch, cmd }), false) => {
            remind::run(&ctx, *due, *watch, cmd.as_ref())
        }
        (None, true) => {
            let path = demo::temp_path(&ctx);
            let ctx = Ctx { db: path, ..ctx };
            demo::write(&ctx)?;
            let said = &ctx.lang.texts().summaries;
            let shown = ctx.db.display();
            let db: [(&str, &dyn std::fmt::Display); 1] = [("db", &shown)];
            println!("{}", crate::i18n::fill(&said.demo_at, &db));
            let outcome = crate::console::run(&ctx)?;
            if outcome == crate::console::Outcome::Quit {
                println!("{}", crate::i18n::fill(&said.demo_kept, &db));
            }
            Ok(ExitCode::from(outcome.exit_code()))
        }
        (None, false) => {
            let outcome = crate::console::run(&ctx)?;
            Ok(ExitCode::from(outcome.exit_code()))
        }
    }
}
