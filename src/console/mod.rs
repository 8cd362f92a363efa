//! The console's event loop: one `Event` enum on one channel, fed by the terminal
//! (crossterm `EventStream`), the store thread, signals, the clock and the tty
//! watchdog. `App::update` turns events into state and effects; the loop performs the
//! effects and draws only when something changed, so an idle console costs ~0 CPU and
//! sends ~0 bytes over SSH.
//!
//! rusqlite is synchronous, so the store lives on its own thread ([`worker`]): a
//! 5-second busy wait on a colleague's write never freezes the screen. The loop turns
//! effects into [`request::Request`]s; the worker serves them through [`handlers`] (one
//! file per tab area), watches the shared file through the store's change signals
//! (reloading only what another process's commit touched) and keeps this console's
//! presence row fresh.
//!
//! Reminders: the engine (`crate::reminders::run`) is a task that sleeps until the next
//! reminder is due and asks the store thread to plan and fire (`Request::RemindStep`);
//! the store thread wakes it when data changes (a colleague's commit or this console's
//! own write). What fired comes back as `Action::Reminded` — a toast, never a mode — and
//! the status bar's count is refreshed when reminders move.
//!
//! Signals (issue 13): SIGINT, SIGTERM and SIGQUIT restore the terminal and exit
//! 128 + n; SIGHUP is a lost terminal (nothing more is written to it, exit 129);
//! SIGTSTP and Ctrl-Z (a key in raw mode) hand the terminal back and stop, and the
//! console takes it again and repaints everything when continued (SIGCONT).

pub mod handlers;
mod loader;
pub mod request;
mod worker;

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Timelike, Utc};
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::sync::{Notify, oneshot};

use crate::app::keymap::{Keymap, KeymapError};
use crate::app::{ACTIONS, Action, App, Effect};
use crate::clock::Clock;
use crate::ctx::{Ctx, UserError};
use crate::domain::rules::Rules;
use crate::reminders::StepError;
use crate::store::Store;
use crate::store::reminders::Step;
use crate::{tui, ui};
pub use handlers::content::schedule_note;
pub use handlers::load;
use request::Request;

/// How often the store thread looks at `data_version`: a colleague's change shows
/// within this (plus the reload) on every console.
pub const WATCH_INTERVAL: Duration = Duration::from_millis(400);
/// How often presence is published (and the status bar's due count refreshed).
pub const HEARTBEAT: Duration = Duration::from_secs(20);

#[derive(Debug)]
pub enum Event {
    Term(TermEvent),
    /// The terminal's input ended or failed: treat as gone.
    TermGone,
    /// A signal from [`spawn_signals`], by number.
    Signal(i32),
    App(Action),
}

/// How the console ended, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Quit,
    Signal(i32),
    TerminalGone,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Quit => 0,
            // the shell's convention: 128 + signal number
            Outcome::Signal(n) => 128u8.saturating_add(u8::try_from(n).unwrap_or(0)),
            Outcome::TerminalGone => 129,
        }
    }
}

/// The engine's steps run on the store thread, which owns the connection.
struct StoreBackend {
    req: std_mpsc::Sender<Request>,
}

impl crate::reminders::Backend for StoreBackend {
    async fn step(&mut self, now: DateTime<Utc>) -> Result<Step, StepError> {
        let (reply, answer) = oneshot::channel();
        self.req
            .send(Request::RemindStep { now, reply })
            .map_err(|_| StepError::Gone)?;
        answer.await.map_err(|_| StepError::Gone)?
    }
}

pub fn run(ctx: &Ctx) -> anyhow::Result<Outcome> {
    // Everything that can fail on input is checked before the terminal is touched, so
    // the message lands on a normal screen.
    let store = ctx.open()?;
    // the member list's own connection (it only ever reads), opened with the other
    // before anything else happens (a setgid shequn opened both before dropping its
    // group: `ctx.open` hands them out)
    let reader = ctx
        .open()
        .map_err(|e| tracing::warn!("no second connection for the member list: {e}"))
        .ok();
    let keymap = load_keymap()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(event_loop(ctx, store, reader, keymap))
}

fn load_keymap() -> anyhow::Result<Keymap> {
    let user_path = crate::config::config_dir().map(|d| d.join("keymap.toml"));
    let user = match &user_path {
        Some(p) if p.exists() => {
            Some(std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?)
        }
        _ => None,
    };
    Keymap::load(user.as_deref(), ACTIONS).map_err(|e| match e {
        KeymapError::Shipped(_) => anyhow::anyhow!(e),
        _ => {
            let at = user_path
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            UserError(format!("{at}: {e}")).into()
        }
    })
}

async fn event_loop(
    ctx: &Ctx,
    store: Store,
    reader: Option<Store>,
    keymap: Keymap,
) -> anyhow::Result<Outcome> {
    let (tx, mut rx) = unbounded_channel::<Event>();
    // the team's settings, as this console's own connection reads them
    let team = crate::store::settings::team(store.conn())?;
    let db_label = ctx.db.file_name().map_or_else(
        || ctx.db.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut app = App::new(
        ctx.lang,
        keymap,
        team.rules.clone(),
        ctx.now(),
        ctx.tz,
        db_label,
        ctx.operator.clone(),
    );
    // who the operator is to this database (a viewer, --readonly …), as the store says
    app.access = store.access().clone();
    app.db_flag = ctx.db_flag();
    // opened read-only because of its files: said once, with the reason and the fix
    let readonly_note = store
        .readonly_reason()
        .map(|p| ctx.lang.texts().file_problem(p));
    app.no_color = ui::theme::no_color_env();
    let keywords = Arc::new(team.keywords);
    app.content_state.keywords = Some(Arc::clone(&keywords));

    let (req_tx, req_rx) = std_mpsc::channel::<Request>();
    // wakes the reminder engine: data changed (anyone's commit, or our own write)
    let wake = Arc::new(Notify::new());
    let members = match reader {
        Some(r) => {
            let back = req_tx.clone();
            let deliver = move |done| back.send(Request::Read(Box::new(done))).is_ok();
            Some(
                loader::spawn(r, ctx.rules.points, deliver)
                    .context("starting the member list's reader")?,
            )
        }
        None => None,
    };
    let store_thread = {
        let tx = tx.clone();
        let clock = Arc::clone(&ctx.clock);
        let wake = Arc::clone(&wake);
        let env = StoreEnv {
            tz: ctx.tz,
            rules: team.rules,
            saved_override: ctx.lang.texts().today.saved_override.clone(),
            texts: ctx.lang.texts(),
            keywords,
        };
        std::thread::Builder::new()
            .name("store".into())
            .spawn(move || worker::Worker::new(store, members, env, clock, tx, wake).run(&req_rx))
            .context("starting the store thread")?
    };
    spawn_signals(tx.clone())?;
    {
        let tx = tx.clone();
        tui::spawn_watchdog(
            move || drop(tx.send(Event::TermGone)),
            Duration::from_millis(1500),
        )
        .context("watching the terminal")?;
    }
    if !ctx.clock.is_fixed() {
        spawn_minute_ticker(tx.clone(), Arc::clone(&ctx.clock));
    }
    {
        let tx = tx.clone();
        let backend = StoreBackend {
            req: req_tx.clone(),
        };
        tokio::spawn(crate::reminders::run(
            backend,
            Arc::clone(&ctx.clock),
            Arc::clone(&wake),
            move |step| tx.send(Event::App(Action::Reminded(step.fired))).is_ok(),
        ));
    }

    // (never dropped: see tui::Term)
    let (guard, mut term) = tui::enter().context("setting up the terminal")?;
    spawn_input(tx.clone());
    if let Ok(size) = term.size() {
        app.update(Action::Resize {
            width: size.width,
            height: size.height,
        });
    }
    for fx in app.start() {
        perform(fx, &req_tx);
    }
    if let Some(note) = readonly_note {
        tracing::info!("{note}");
        app.flash = Some(crate::app::Flash {
            text: note,
            error: false,
        });
    }
    // personal rule and keyword files from before team settings: said once, here
    if app.flash.is_none()
        && let Some(notice) = ctx.personal_notice(true)
    {
        app.flash = Some(crate::app::Flash {
            text: notice,
            error: false,
        });
    }
    let mut outcome = Outcome::Quit;
    let mut dirty = true;
    loop {
        if dirty {
            dirty = false;
            if let Err(e) = term.draw(|f| ui::render(&app, f)) {
                // The terminal is gone (EIO): nothing to draw on, nobody to tell.
                tracing::info!("draw failed, leaving: {e}");
                outcome = Outcome::TerminalGone;
                break;
            }
        }
        let Some(first) = rx.recv().await else { break };
        let mut next = Some(first);
        let mut bell = false;
        // Drain a burst (a paste, a fast typist, a reload) before drawing once.
        while let Some(ev) = next {
            match handle(&mut app, ev, &req_tx, &tx, &mut bell) {
                Handled::Redraw => dirty = true,
                Handled::Nothing => {}
                Handled::Stop(o) => {
                    outcome = o;
                    break;
                }
                Handled::Suspend { group } => {
                    // returns once continued
                    if tui::suspend(group) {
                        repaint(&mut app, &mut term);
                        dirty = true;
                    }
                }
                Handled::Resumed => {
                    repaint(&mut app, &mut term);
                    dirty = true;
                }
            }
            next = rx.try_recv().ok();
        }
        if app.quit || outcome != Outcome::Quit {
            break;
        }
        if bell {
            // BEL through the backend, like every other byte the console writes
            use std::io::Write;
            let b = term.backend_mut();
            let _ = b.write_all(b"\x07").and_then(|()| b.flush());
        }
    }
    let _ = req_tx.send(Request::Quit);
    // restores the terminal, unless it hung up (then nothing is written to it)
    drop(guard);
    // The store thread removes our presence row; don't wait long on a busy database.
    let deadline = Instant::now() + Duration::from_secs(2);
    while !store_thread.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    if let Some(text) = app.farewell.take() {
        // the database file was replaced under us: said on the normal screen, exit 2
        return Err(anyhow::anyhow!(text));
    }
    Ok(outcome)
}

enum Handled {
    Redraw,
    Nothing,
    Stop(Outcome),
    /// Hand the terminal back and stop (Ctrl-Z, SIGTSTP); `group`: the whole job.
    Suspend {
        group: bool,
    },
    /// Continued after a stop nobody could catch (SIGSTOP): take the terminal again.
    Resumed,
}

/// After a stop: raw mode and the alternate screen again, and a full repaint on the
/// next draw — the shell wrote on the screen meanwhile, and the terminal may have been
/// resized. The app's state is untouched.
fn repaint(app: &mut App, term: &mut tui::Term) {
    if let Err(e) = tui::resume() {
        // the next draw fails too and ends the console as a lost terminal
        tracing::info!("taking the terminal back failed: {e}");
    }
    let Ok(size) = term.size() else { return };
    // Not `Terminal::clear`: it first asks the terminal where the cursor is (ESC [6n),
    // and the answer cannot be read while the input stream's thread holds crossterm's
    // reader — it fails after 2 s, before anything is cleared. `resize` to the whole
    // screen clears it and forgets the last frame without asking anything.
    if let Err(e) = term.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height)) {
        tracing::info!("clearing the screen failed: {e}");
    }
    if (size.width, size.height) != (app.width, app.height) {
        app.update(Action::Resize {
            width: size.width,
            height: size.height,
        });
    }
}

/// Ctrl-Z: in raw mode the tty driver passes it on as a key instead of stopping the
/// job, so the console does what the driver would have done, in every mode.
fn is_suspend_key(k: &crossterm::event::KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
    k.kind != KeyEventKind::Release
        && k.modifiers.contains(KeyModifiers::CONTROL)
        && matches!(k.code, KeyCode::Char('z' | 'Z'))
}

fn handle(
    app: &mut App,
    ev: Event,
    req: &std_mpsc::Sender<Request>,
    events: &UnboundedSender<Event>,
    bell: &mut bool,
) -> Handled {
    let fx = match effects_of(app, ev) {
        Ok(fx) => fx,
        Err(h) => return h,
    };
    for fx in fx {
        match fx {
            Effect::Quit => return Handled::Stop(Outcome::Quit),
            Effect::Copy(text) => {
                // OSC 52 asks the operator's own terminal (over SSH, through tmux with
                // set-clipboard on) to take the text; nothing is drawn.
                let _ = crossterm::execute!(
                    std::io::stdout(),
                    crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
                );
            }
            Effect::Bell => *bell = true,
            Effect::ToastTimer { seq, after } => {
                let events = events.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = events.send(Event::App(Action::ToastExpired(seq)));
                });
            }
            other => perform(other, req),
        }
    }
    Handled::Redraw
}

fn effects_of(app: &mut App, ev: Event) -> Result<Vec<Effect>, Handled> {
    let effects = match ev {
        Event::Term(TermEvent::Key(k)) if is_suspend_key(&k) => {
            return Err(Handled::Suspend { group: true });
        }
        Event::Term(TermEvent::Key(k)) => app.on_key(k),
        Event::Term(TermEvent::Paste(text)) => app.on_paste(&text),
        Event::Term(TermEvent::Resize(w, h)) => app.update(Action::Resize {
            width: w,
            height: h,
        }),
        Event::Term(_) => return Err(Handled::Nothing),
        Event::TermGone => return Err(Handled::Stop(Outcome::TerminalGone)),
        // a hang-up is a lost terminal, whoever noticed it first (exit 129 either way)
        Event::Signal(libc::SIGHUP) => return Err(Handled::Stop(Outcome::TerminalGone)),
        Event::Signal(libc::SIGTSTP) => return Err(Handled::Suspend { group: false }),
        // continued: if the terminal is still raw, nobody took it (or the console took
        // it back already after its own stop) and the screen needs nothing
        Event::Signal(libc::SIGCONT) if tui::taken_away() => return Err(Handled::Resumed),
        Event::Signal(libc::SIGCONT) => return Err(Handled::Nothing),
        Event::Signal(n) => return Err(Handled::Stop(Outcome::Signal(n))),
        Event::App(Action::Presence { others, due }) => {
            if others == app.others && due == app.due {
                return Err(Handled::Nothing);
            }
            app.update(Action::Presence { others, due })
        }
        Event::App(a) => app.update(a),
    };
    Ok(effects)
}

fn perform(fx: Effect, req: &std_mpsc::Sender<Request>) {
    if let Some(r) = Request::from_effect(fx) {
        let _ = req.send(r);
    }
}

fn spawn_input(tx: UnboundedSender<Event>) {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        loop {
            match events.next().await {
                Some(Ok(ev)) => {
                    if tx.send(Event::Term(ev)).is_err() {
                        return;
                    }
                }
                Some(Err(e)) => {
                    tracing::info!("terminal input failed: {e}");
                    let _ = tx.send(Event::TermGone);
                    return;
                }
                None => {
                    let _ = tx.send(Event::TermGone);
                    return;
                }
            }
        }
    });
}

/// The signals the console answers (see the module header). Without a handler SIGQUIT
/// would dump core with the terminal raw and on the alternate screen, and SIGTSTP would
/// stop the process in raw mode, to be continued in whatever mode the shell left.
fn spawn_signals(tx: UnboundedSender<Event>) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut kinds = vec![
        (SignalKind::terminate(), libc::SIGTERM),
        (SignalKind::interrupt(), libc::SIGINT),
        (SignalKind::quit(), libc::SIGQUIT),
        (SignalKind::from_raw(libc::SIGCONT), libc::SIGCONT),
    ];
    if !tui::sighup_ignored() {
        kinds.push((SignalKind::hangup(), libc::SIGHUP));
    }
    // ignored by whoever started us (no job control): stays ignored, and Ctrl-Z does
    // nothing (tui::suspend)
    if !tui::ignored_at_start(libc::SIGTSTP) {
        kinds.push((SignalKind::from_raw(libc::SIGTSTP), libc::SIGTSTP));
    }
    for (kind, n) in kinds {
        let mut s = signal(kind).context("installing a signal handler")?;
        let tx = tx.clone();
        tokio::spawn(async move {
            // every delivery, not only the first: a console is suspended many times
            while s.recv().await.is_some() {
                tracing::info!(signal = n, "signal");
                if tx.send(Event::Signal(n)).is_err() {
                    return;
                }
            }
        });
    }
    Ok(())
}

/// Wake once at each minute boundary to move the status-bar clock (and roll the Today
/// tab over at midnight). Not a poll: one sleep per minute.
fn spawn_minute_ticker(tx: UnboundedSender<Event>, clock: Arc<dyn Clock>) {
    tokio::spawn(async move {
        loop {
            let now = clock.now();
            let into_minute =
                u64::from(now.second()) * 1000 + u64::from(now.timestamp_subsec_millis());
            let wait = Duration::from_millis(60_000u64.saturating_sub(into_minute).max(1));
            tokio::time::sleep(wait).await;
            if tx.send(Event::App(Action::Tick(clock.now()))).is_err() {
                return;
            }
        }
    });
}

/// What the store thread needs to know about the team. `rules` and `keywords` are the
/// team's settings, read again whenever they move (`handlers::settings`).
pub struct StoreEnv {
    pub tz: chrono_tz::Tz,
    pub rules: Rules,
    /// The keyword lists approvals are checked against (and the ad share counts).
    pub keywords: std::sync::Arc<crate::domain::keywords::Keywords>,
    /// What to say after an override is saved (in the console's language).
    pub saved_override: String,
    /// The console's language, for what the store thread says back.
    pub texts: &'static crate::i18n::Texts,
}
