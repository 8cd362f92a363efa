//! `shequn remind …`: reminders from scripts. `--due` prints what is due and exits (for
//! cron); `--watch` prints each reminder as it fires, one line each, flushed (for a
//! tmux status line or a pipe) and ends with exit 0 on SIGTERM, SIGHUP (unless started
//! under nohup) or SIGINT, or quietly when its reader goes away; `add`, `dismiss` and `snooze` change one
//! reminder, or (`dismiss|snooze --kind K [--group G] [--day D]`) every due one of a
//! kind, a group or a day at once — each audited as its own change. Every command plans first, so what it sees is what a console would.
//!
//! Under `SHEQUN_NOW`, `--watch` starts its clock at that instant and lets it run in
//! real time (a fixed clock would never reach the next reminder); everything else
//! reads the fixed time.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;
use tokio::sync::Notify;

use super::output::{Column, print};
use super::{Ctx, UserError};
use crate::cli::{Format, RemindBulk, RemindCmd};
use crate::clock::{Clock, RunningClock};
use crate::domain::roles::Perm;
use crate::i18n::{Texts, fill};
use crate::store::Store;
use crate::store::reminders::{self, NewReminder, ReminderRow, Watcher};

pub fn run(ctx: &Ctx, due: bool, watch: bool, cmd: Option<&RemindCmd>) -> anyhow::Result<ExitCode> {
    match cmd {
        Some(RemindCmd::Add {
            at,
            title,
            group,
            for_login,
            team,
            note,
        }) => {
            let e = &ctx.lang.texts().errors;
            let quoted = format!("{at:?}");
            let when = crate::domain::when::parse(at)
                .map_err(|_| UserError(fill(&e.bad_when, &[("value", &quoted)])))?;
            let due_at = when.instant(ctx.now(), ctx.tz).ok_or_else(|| {
                UserError(fill(
                    &e.no_such_time,
                    &[("value", &quoted), ("tz", &ctx.tz)],
                ))
            })?;
            let new = NewReminder {
                due_at: reminders::whole_second_after(due_at),
                title: title.clone(),
                group: group.clone(),
                for_login: if *team {
                    None
                } else {
                    Some(for_login.clone().unwrap_or_else(|| ctx.operator.clone()))
                },
                body: note.clone(),
            };
            let now = ctx.now();
            // one's own reminder, or (--for a colleague, --team) someone else's
            let perm = if new.for_login.as_deref() == Some(ctx.operator.as_str()) {
                Perm::RemindOwn
            } else {
                Perm::RemindOthers
            };
            let row = open(ctx)?.write(perm, |tx, op| reminders::add(tx, op, now, &new))?;
            show(ctx, &[row])
        }
        Some(RemindCmd::Dismiss { id, bulk }) => {
            which(ctx, *id, bulk)?;
            let (now, tz) = (ctx.now(), ctx.tz);
            let mut store = open(ctx)?;
            plan(ctx, &mut store)?;
            // only one's own or the team's can be dismissed (the store refuses a colleague's)
            let rows = match id {
                Some(id) => vec![store.write(Perm::RemindOwn, |tx, op| {
                    reminders::dismiss(tx, op, now, tz, *id, None)
                })?],
                None => {
                    let seen = bulk_rows(ctx, &store, bulk)?;
                    store.write(Perm::RemindOwn, |tx, op| {
                        reminders::dismiss_many(tx, op, now, tz, &seen)
                    })?
                }
            };
            show_changed(ctx, &rows)
        }
        Some(RemindCmd::Snooze { id, minutes, bulk }) => {
            which(ctx, *id, bulk)?;
            let allowed = &ctx.rules.reminders.snooze_minutes;
            if !allowed.contains(minutes) {
                let list: Vec<String> = allowed.iter().map(ToString::to_string).collect();
                return Err(UserError(fill(
                    &ctx.lang.texts().errors.snooze_minutes,
                    &[("allowed", &list.join(", ")), ("n", &minutes)],
                ))
                .into());
            }
            let (now, tz, minutes) = (ctx.now(), ctx.tz, *minutes);
            let mut store = open(ctx)?;
            plan(ctx, &mut store)?;
            let rows = match id {
                Some(id) => vec![store.write(Perm::RemindOwn, |tx, op| {
                    reminders::snooze(tx, op, now, tz, *id, None, minutes)
                })?],
                None => {
                    let seen = bulk_rows(ctx, &store, bulk)?;
                    store.write(Perm::RemindOwn, |tx, op| {
                        reminders::snooze_many(tx, op, now, tz, &seen, minutes)
                    })?
                }
            };
            show_changed(ctx, &rows)
        }
        None if watch => self::watch(ctx),
        None => {
            let mut store = open(ctx)?;
            plan(ctx, &mut store)?;
            let now = ctx.now().timestamp();
            let rows = if due {
                reminders::due(store.conn(), &ctx.operator, now)?
            } else {
                reminders::list(
                    store.conn(),
                    &ctx.operator,
                    now,
                    ctx.rules.reminders.horizon_secs(),
                )?
            };
            show(ctx, &rows)
        }
    }
}

/// The due reminders a bulk dismiss or snooze takes (`--kind`, `--group`, `--day`), with
/// no version: the command line acts on what is there now.
/// `remind dismiss` and `snooze` need to know which: an id, or a kind or a group (a
/// day alone would take every due reminder of the day). clap would only ask for `<ID>`.
fn which(ctx: &Ctx, id: Option<i64>, bulk: &RemindBulk) -> anyhow::Result<()> {
    if id.is_none() && bulk.kind.is_none() && bulk.group.is_none() {
        let t = ctx.lang.texts();
        return Err(UserError(fill(&t.cli.remind_which, &[("kinds", &t.reminder_kinds())])).into());
    }
    Ok(())
}

fn bulk_rows(
    ctx: &Ctx,
    store: &Store,
    bulk: &RemindBulk,
) -> anyhow::Result<Vec<(i64, Option<i64>)>> {
    let t = &ctx.lang.texts().reminders;
    let kind = match bulk.kind.as_deref() {
        Some(k) => Some(Texts::reminder_kind(k).ok_or_else(|| {
            UserError(fill(
                &t.bad_kind,
                &[("kind", &k), ("kinds", &ctx.lang.texts().reminder_kinds())],
            ))
        })?),
        None => None,
    };
    if let Some(g) = &bulk.group {
        // an unknown group is an error (exit 1), not "nothing matched"
        crate::store::require_group(store.conn(), g)?;
    }
    let rows = reminders::due_matching(
        store.conn(),
        &ctx.operator,
        ctx.now().timestamp(),
        ctx.tz,
        kind,
        bulk.group.as_deref(),
        bulk.day,
    )?;
    Ok(rows.iter().map(|r| (r.id, None)).collect())
}

/// The rows a dismiss or snooze changed; none (a bulk change that matched nothing) is
/// said on stderr in a table, and is no error: a cron job that finds nothing to do
/// did its job.
fn show_changed(ctx: &Ctx, rows: &[ReminderRow]) -> anyhow::Result<ExitCode> {
    if rows.is_empty() && ctx.format == Format::Table {
        eprintln!("{}", ctx.lang.texts().reminders.none_due);
        return Ok(ExitCode::SUCCESS);
    }
    show(ctx, rows)
}

fn open(ctx: &Ctx) -> anyhow::Result<Store> {
    Ok(ctx.open()?)
}

/// Bring the planned reminders up to date (what a console does on every change; not
/// under `--readonly`).
fn plan(ctx: &Ctx, store: &mut Store) -> anyhow::Result<()> {
    let (now, tz, rules) = (ctx.now(), ctx.tz, &ctx.rules);
    store.upkeep(|tx, op| reminders::plan(tx, op, now, tz, rules, true))?;
    Ok(())
}

/// A reminder as scripts see it: times in the team's zone (RFC 3339 with offset), the
/// stable words of PRODUCT.md, and `text`, what the console would say.
#[derive(Debug, Serialize)]
pub struct RemindOut {
    pub id: i64,
    pub title: String,
    pub text: String,
    pub source: String,
    pub kind: Option<String>,
    pub group: Option<String>,
    pub due_at: Option<String>,
    pub state: String,
    /// `due`, `snoozed`, `upcoming` or `done`.
    pub section: String,
    #[serde(rename = "for")]
    pub for_login: Option<String>,
    pub lead_min: Option<i64>,
    pub fired_at: Option<String>,
    pub snoozed_until: Option<String>,
    pub dismissed_by: Option<String>,
    pub note: Option<String>,
}

pub fn out_row(ctx: &Ctx, r: &ReminderRow) -> RemindOut {
    let now = ctx.now().timestamp();
    RemindOut {
        id: r.id,
        title: r.title.clone(),
        text: text(ctx, r),
        source: r.source.clone(),
        kind: r.kind.clone(),
        group: r.group.clone(),
        due_at: ctx.local_time(r.due_at),
        state: r.state.clone(),
        section: r.section(now).word().to_string(),
        for_login: r.for_login.clone(),
        lead_min: r.lead_min,
        fired_at: r.fired_at.and_then(|t| ctx.local_time(t)),
        snoozed_until: r.snoozed_until.and_then(|t| ctx.local_time(t)),
        dismissed_by: r.dismissed_by.clone(),
        note: r.body.clone(),
    }
}

fn text(ctx: &Ctx, r: &ReminderRow) -> String {
    ctx.lang.texts().reminder_text(
        &r.source,
        r.kind.as_deref(),
        &r.title,
        r.lead_min,
        r.section(ctx.now().timestamp()) == crate::store::reminders::Section::Due,
        &ctx.rules.tiers,
    )
}

/// `MM-DD HH:MM` of an RFC 3339 time.
fn short(t: Option<&str>) -> String {
    t.and_then(|t| Some(format!("{} {}", t.get(5..10)?, t.get(11..16)?)))
        .unwrap_or_default()
}

pub const COLUMNS: &[Column<RemindOut>] = &[
    Column {
        header: "id",
        value: |r, _| r.id.to_string(),
    },
    Column {
        header: "due",
        value: |r, _| match r.state.as_str() {
            "snoozed" => format!("{} ⏱", short(r.snoozed_until.as_deref())),
            _ => short(r.due_at.as_deref()),
        },
    },
    Column {
        header: "state",
        value: |r, t| match r.section.as_str() {
            "due" => t.reminders.sec_due.clone(),
            "upcoming" => t.reminders.sec_upcoming.clone(),
            "snoozed" => t.reminders.sec_snoozed.clone(),
            "done" => t.reminders.sec_done.clone(),
            w => w.to_string(),
        },
    },
    Column {
        header: "reminder",
        value: |r, _| r.text.clone(),
    },
    Column {
        header: "group",
        value: |r, _| r.group.clone().unwrap_or_default(),
    },
    Column {
        header: "for",
        value: |r, _| r.for_login.clone().unwrap_or_else(|| "*".into()),
    },
];

fn show(ctx: &Ctx, rows: &[ReminderRow]) -> anyhow::Result<ExitCode> {
    let out: Vec<RemindOut> = rows.iter().map(|r| out_row(ctx, r)).collect();
    print(ctx, ctx.format, &out, COLUMNS)?;
    Ok(ExitCode::SUCCESS)
}

/// One fired reminder as a line of `--watch`: `08:20 #12 08:30 早安问候 · 还有 10 分钟 ·
/// 宝妈育儿交流群`; with `--format json` one JSON object per line.
fn watch_line(ctx: &Ctx, r: &ReminderRow) -> anyhow::Result<String> {
    let o = out_row(ctx, r);
    Ok(match ctx.format {
        Format::Json => serde_json::to_string(&o)?,
        Format::Csv => {
            // the record without its header line, neutralised like every CSV
            let recs = super::output::records(std::slice::from_ref(&o))?;
            let line = recs.into_iter().skip(1).collect::<Vec<_>>();
            let (bytes, _) = super::output::csv_bytes(
                ctx.lang.texts(),
                super::output::CsvFor::Script,
                crate::cli::Encoding::Utf8,
                line,
            )?;
            String::from_utf8_lossy(&bytes).trim_end().to_string()
        }
        Format::Table => {
            let at = o
                .fired_at
                .as_deref()
                .and_then(|t| t.get(11..16))
                .unwrap_or("");
            let group = o.group.map(|g| format!(" · {g}")).unwrap_or_default();
            format!("{at} #{} {}{group}", o.id, o.text)
        }
    })
}

fn watch(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    // A closed pipe should end the watch quietly through EPIPE (main restores the
    // default SIGPIPE, which would kill it mid-write).
    // SAFETY: changing one signal's disposition before any thread of ours exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let store = open(ctx)?;
    let changes = open(ctx)?;
    let clock: Arc<dyn Clock> = if ctx.clock.is_fixed() {
        Arc::new(RunningClock::starting_at(ctx.now()))
    } else {
        Arc::clone(&ctx.clock)
    };
    if ctx.format == Format::Csv {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "id",
            "title",
            "text",
            "source",
            "kind",
            "group",
            "due_at",
            "state",
            "section",
            "for",
            "lead_min",
            "fired_at",
            "snoozed_until",
            "dismissed_by",
            "note",
        ])?;
        // (into a Vec: only an I/O error of the Vec, which cannot fail)
        let head = w.into_inner().map_err(|e| e.into_error())?;
        if emit_line(&String::from_utf8_lossy(&head)).is_err() {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .with_context(|| ctx.lang.texts().errors.watch_start.clone())?;
    rt.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let failed = || ctx.lang.texts().errors.watch_start.clone();
        let mut term = signal(SignalKind::terminate()).with_context(failed)?;
        let mut int = signal(SignalKind::interrupt()).with_context(failed)?;
        // `nohup shequn remind --watch >> file &` keeps watching after the logout, as
        // nohup promises (the console does the same)
        let mut hup = if crate::tui::sighup_ignored() {
            None
        } else {
            Some(signal(SignalKind::hangup()).with_context(failed)?)
        };
        let hangup = async {
            match &mut hup {
                Some(h) => h.recv().await,
                None => std::future::pending().await,
            }
        };
        let reader_gone = Arc::new(Notify::new());
        spawn_reader_watch(Arc::clone(&reader_gone));
        let wake = Arc::new(Notify::new());
        tokio::spawn(crate::reminders::watch_changes(
            changes,
            Arc::clone(&wake),
            crate::console::WATCH_INTERVAL,
        ));
        let watcher = Watcher::new(&ctx.operator, clock.now());
        let backend = crate::reminders::Blocking::new(store, watcher, ctx.tz, ctx.rules.clone());
        let engine = crate::reminders::run(backend, clock, wake, |step| {
            for r in &step.fired {
                let line = match watch_line(ctx, r) {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!("remind --watch: {e}");
                        continue;
                    }
                };
                if emit_line(&format!("{line}\n")).is_err() {
                    // the reader went away: nobody to tell, nothing left to do
                    return false;
                }
            }
            true
        });
        tokio::select! {
            () = engine => {}
            _ = term.recv() => tracing::info!("remind --watch: SIGTERM"),
            _ = hangup => tracing::info!("remind --watch: SIGHUP"),
            _ = int.recv() => tracing::info!("remind --watch: SIGINT"),
            () = reader_gone.notified() => tracing::info!("remind --watch: stdout closed"),
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Write and flush one line: a tmux status line or a pipe sees it at once.
fn emit_line(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(line.as_bytes())?;
    out.flush()
}

/// Notice a reader that went away while nothing is being written (a pipe's far end
/// closed, a terminal hung up): a thread blocked in `poll(2)` on stdout asking for no
/// events is woken only by POLLERR/POLLHUP, so it costs nothing meanwhile.
fn spawn_reader_watch(gone: Arc<Notify>) {
    let spawned = std::thread::Builder::new()
        .name("stdout-watch".into())
        .spawn(move || {
            loop {
                let mut p = libc::pollfd {
                    fd: libc::STDOUT_FILENO,
                    events: 0,
                    revents: 0,
                };
                // SAFETY: one valid pollfd, infinite timeout.
                let n = unsafe { libc::poll(&mut p, 1, -1) };
                if n < 0 {
                    if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                        continue;
                    }
                    return;
                }
                // a regular file never goes away: poll just returns nothing
                if p.revents & (libc::POLLHUP | libc::POLLERR) != 0 {
                    gone.notify_one();
                }
                return;
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("watching stdout: {e}");
    }
}
