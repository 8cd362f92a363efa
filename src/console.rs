//! The console's event loop: one `Event` enum on one channel, fed by the terminal
//! (crossterm `EventStream`), the store thread, signals, the clock and the tty
//! watchdog. `App::update` turns events into state and effects; the loop performs the
//! effects and draws only when something changed, so an idle console costs ~0 CPU and
//! sends ~0 bytes over SSH.
//!
//! rusqlite is synchronous, so the store lives on its own thread: a 5-second busy wait
//! on a colleague's write never freezes the screen. That thread also watches
//! `PRAGMA data_version` (changes whenever another connection commits) and keeps this
//! console's presence row fresh.
//!
//! Reminders: the engine (`crate::reminders::run`) is a task that sleeps until the next
//! reminder is due and asks the store thread to plan and fire (`Request::RemindStep`);
//! the store thread wakes it when a colleague commits and after this console's own
//! writes. What fired comes back as `Action::Reminded` — a toast, never a mode — and
//! the status bar's count is refreshed right after each step.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Datelike as _;
use chrono::{DateTime, NaiveDate, Timelike, Utc};
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::sync::{Notify, oneshot};

use crate::app::keymap::{Keymap, KeymapError};
use crate::app::{ACTIONS, Action, App, Effect, Loaded, RemindChange, RemindVerb, Tab, TodayData};
use crate::clock::Clock;
use crate::ctx::{Ctx, UserError};
use crate::domain::rules::Rules;
use crate::domain::sop::SopChange;
use crate::reminders::StepError;
use crate::store::reminders::{self as remind, NewReminder, Step, Watcher};
use crate::store::{Store, StoreError, presence, sop, views};
use crate::{tui, ui};

/// How often the store thread looks at `data_version`: a colleague's change shows
/// within this (plus the reload) on every console.
pub const WATCH_INTERVAL: Duration = Duration::from_millis(400);
/// How often presence is refreshed.
pub const HEARTBEAT: Duration = Duration::from_secs(20);

#[derive(Debug)]
pub enum Event {
    Term(TermEvent),
    /// The terminal's input ended or failed: treat as gone.
    TermGone,
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

enum Request {
    Load(Tab, NaiveDate),
    Showing(Tab),
    Sop {
        id: i64,
        version: i64,
        change: SopChange,
    },
    Calendar(NaiveDate),
    Override {
        group_id: i64,
        item_id: i64,
        o: sop::Override,
    },
    Apply {
        template: String,
        groups: Vec<String>,
    },
    Member {
        id: i64,
        version: Option<i64>,
        change: crate::store::members::MemberChange,
    },
    LoadMember(i64),
    LoadContent(i64),
    ContentSave {
        id: Option<i64>,
        version: Option<i64>,
        input: Box<crate::store::content::ContentInput>,
    },
    ContentStep {
        id: i64,
        version: Option<i64>,
        step: crate::store::content::ContentStep,
    },
    KpiEntry {
        group_id: i64,
        day: NaiveDate,
        metric: crate::domain::kpi::Metric,
        value: f64,
        saved: String,
    },
    /// The reminder engine's step: plan, fire what is due at `now`, say what is new.
    RemindStep {
        now: DateTime<Utc>,
        reply: oneshot::Sender<Result<Step, StepError>>,
    },
    Remind(RemindChange),
    Quit,
}

impl Request {
    /// A change this console writes. Its own writes do not move its data_version, so
    /// the reminder engine and the status bar are told directly (a scheduled post or
    /// an opened alert plans reminders; an item done drops its nag).
    fn is_write(&self) -> bool {
        match self {
            Request::Sop { .. }
            | Request::Override { .. }
            | Request::Apply { .. }
            | Request::Member { .. }
            | Request::ContentSave { .. }
            | Request::ContentStep { .. }
            | Request::KpiEntry { .. }
            | Request::Remind(_) => true,
            Request::Load(..)
            | Request::Showing(_)
            | Request::Calendar(_)
            | Request::LoadMember(_)
            | Request::LoadContent(_)
            | Request::RemindStep { .. }
            | Request::Quit => false,
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
    let store = Store::open(&ctx.db, &ctx.operator)?;
    let keymap = load_keymap()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(event_loop(ctx, store, keymap))
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

async fn event_loop(ctx: &Ctx, store: Store, keymap: Keymap) -> anyhow::Result<Outcome> {
    let (tx, mut rx) = unbounded_channel::<Event>();
    let db_label = ctx.db.file_name().map_or_else(
        || ctx.db.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut app = App::new(
        ctx.lang,
        keymap,
        ctx.rules.clone(),
        ctx.now(),
        ctx.tz,
        db_label,
        ctx.operator.clone(),
    );
    app.no_color = ui::theme::no_color_env();
    // a broken keyword file of the team's is reported before the terminal is taken
    let keywords = Arc::new(crate::config::keywords().map_err(|e| anyhow::anyhow!(e))?);
    app.content_state.keywords = Some(Arc::clone(&keywords));

    let (req_tx, req_rx) = std_mpsc::channel::<Request>();
    // wakes the reminder engine: data changed (anyone's commit, or our own write)
    let wake = Arc::new(Notify::new());
    let store_thread = {
        let tx = tx.clone();
        let clock = Arc::clone(&ctx.clock);
        let wake = Arc::clone(&wake);
        let env = StoreEnv {
            tz: ctx.tz,
            rules: ctx.rules.clone(),
            saved_override: ctx.lang.texts().today.saved_override.clone(),
            texts: ctx.lang.texts(),
            keywords,
        };
        std::thread::Builder::new()
            .name("store".into())
            .spawn(move || store_loop(store, req_rx, tx, clock, &env, &wake))
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
    drop(guard);
    if outcome == Outcome::TerminalGone {
        // ratatui's Drop eprintln!s when it cannot show the cursor, and eprintln!
        // panics on a dead terminal; there is no cursor left to show anyway.
        std::mem::forget(term);
    } else {
        drop(term);
    }
    // The store thread removes our presence row; don't wait long on a busy database.
    let deadline = Instant::now() + Duration::from_secs(2);
    while !store_thread.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(outcome)
}

enum Handled {
    Redraw,
    Nothing,
    Stop(Outcome),
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
        Event::Term(TermEvent::Key(k)) => app.on_key(k),
        Event::Term(TermEvent::Paste(text)) => app.on_paste(&text),
        Event::Term(TermEvent::Resize(w, h)) => app.update(Action::Resize {
            width: w,
            height: h,
        }),
        Event::Term(_) => return Err(Handled::Nothing),
        Event::TermGone => return Err(Handled::Stop(Outcome::TerminalGone)),
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
    let _ = match fx {
        Effect::Load(tab, day) => req.send(Request::Load(tab, day)),
        Effect::ShowingTab(tab) => req.send(Request::Showing(tab)),
        Effect::Sop {
            id,
            version,
            change,
        } => req.send(Request::Sop {
            id,
            version,
            change,
        }),
        Effect::LoadCalendar(day) => req.send(Request::Calendar(day)),
        Effect::Override {
            group_id,
            item_id,
            slot,
            script,
        } => req.send(Request::Override {
            group_id,
            item_id,
            o: sop::Override {
                slot,
                script,
                title: None,
            },
        }),
        Effect::ApplyTemplate { template, groups } => req.send(Request::Apply { template, groups }),
        Effect::Member {
            id,
            version,
            change,
        } => req.send(Request::Member {
            id,
            version,
            change,
        }),
        Effect::LoadMember(id) => req.send(Request::LoadMember(id)),
        Effect::KpiEntry {
            group_id,
            day,
            metric,
            value,
            saved,
        } => req.send(Request::KpiEntry {
            group_id,
            day,
            metric,
            value: value.0,
            saved,
        }),
        Effect::LoadContent(id) => req.send(Request::LoadContent(id)),
        Effect::ContentSave { id, version, input } => {
            req.send(Request::ContentSave { id, version, input })
        }
        Effect::ContentStep { id, version, step } => {
            req.send(Request::ContentStep { id, version, step })
        }
        Effect::Remind(change) => req.send(Request::Remind(change)),
        Effect::Quit | Effect::Copy(_) | Effect::Bell | Effect::ToastTimer { .. } => Ok(()),
    };
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

fn spawn_signals(tx: UnboundedSender<Event>) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut kinds = vec![
        (SignalKind::terminate(), libc::SIGTERM),
        (SignalKind::interrupt(), libc::SIGINT),
    ];
    if !tui::sighup_ignored() {
        kinds.push((SignalKind::hangup(), libc::SIGHUP));
    }
    for (kind, n) in kinds {
        let mut s = signal(kind).context("installing a signal handler")?;
        let tx = tx.clone();
        tokio::spawn(async move {
            if s.recv().await.is_some() {
                tracing::info!(signal = n, "signal");
                let _ = tx.send(Event::Signal(n));
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

/// What the store thread needs to know about the team.
pub struct StoreEnv {
    pub tz: chrono_tz::Tz,
    pub rules: Rules,
    /// The keyword lists approvals are checked against.
    pub keywords: std::sync::Arc<crate::domain::keywords::Keywords>,
    /// What to say after an override is saved (in the console's language).
    pub saved_override: String,
    /// The console's language, for what the store thread says back.
    pub texts: &'static crate::i18n::Texts,
}

fn store_loop(
    mut store: Store,
    rx: std_mpsc::Receiver<Request>,
    tx: UnboundedSender<Event>,
    clock: Arc<dyn Clock>,
    env: &StoreEnv,
    wake: &Notify,
) {
    let session = format!(
        "{}-{}-{}",
        hostname(),
        std::process::id(),
        clock.now().timestamp()
    );
    let host = hostname();
    let login = store.operator().to_string();
    let mut tab = Tab::Today;
    let mut last_version = store.data_version().unwrap_or(0);
    let mut next_beat = Instant::now();
    let mut watcher = Watcher::new(&login, clock.now());
    let send = |a: Action| tx.send(Event::App(a)).is_ok();
    loop {
        let wait = WATCH_INTERVAL.min(next_beat.saturating_duration_since(Instant::now()));
        let request = rx.recv_timeout(wait);
        if request.as_ref().is_ok_and(Request::is_write) {
            wake.notify_one();
            next_beat = Instant::now();
        }
        match request {
            Ok(Request::RemindStep { now, reply }) => {
                let step = watcher
                    .step(&mut store, now, env.tz, &env.rules)
                    .map_err(|e| StepError::Failed(describe(&e, &store)));
                let _ = reply.send(step);
                next_beat = Instant::now();
            }
            Ok(Request::Remind(change)) => {
                let result = remind_change(&mut store, clock.now(), env.tz, &login, change)
                    .map_err(|e| describe(&e, &store));
                if !send(Action::RemindSaved(result)) {
                    break;
                }
            }
            Ok(Request::Load(t, day)) => {
                let action = match load(&mut store, t, day, clock.now(), env) {
                    Ok(l) => Action::Loaded(l),
                    Err(e) => Action::Error(describe(&e, &store)),
                };
                if !send(action) {
                    break;
                }
            }
            Ok(Request::Sop {
                id,
                version,
                change,
            }) => {
                let now = clock.now();
                let result = store
                    .write(|tx, op| sop::change(tx, op, now, env.tz, id, Some(version), &change))
                    .map(|item| format!("{} · {}", item.label, item.state.word()))
                    .map_err(|e| describe(&e, &store));
                if !send(Action::Saved(result)) {
                    break;
                }
            }
            Ok(Request::Override {
                group_id,
                item_id,
                o,
            }) => {
                let now = clock.now();
                let today = crate::clock::local_day(now, env.tz);
                let result = store
                    .write(|tx, op| {
                        sop::set_override_item(
                            tx,
                            op,
                            now.timestamp(),
                            today,
                            group_id,
                            item_id,
                            &o,
                        )
                    })
                    .map(|()| env.saved_override.clone())
                    .map_err(|e| describe(&e, &store));
                if !send(Action::Saved(result)) {
                    break;
                }
            }
            Ok(Request::Apply { template, groups }) => {
                let now = clock.now().timestamp();
                let n = groups.len();
                let result = store
                    .write(|tx, op| sop::apply_by_name(tx, op, now, &template, &groups))
                    .map(|a| a.iter().filter(|a| a.new).count())
                    .map(|new| format!("{template} → {new}/{n}"))
                    .map_err(|e| describe(&e, &store));
                if !send(Action::Saved(result)) {
                    break;
                }
            }
            Ok(Request::Member {
                id,
                version,
                change,
            }) => {
                let at = clock.now().timestamp();
                let result = store
                    .write(|tx, op| {
                        crate::store::members::change(tx, op, at, id, version, &change, &env.rules)
                    })
                    .map(|name| format!("{name} · ✓"))
                    .map_err(|e| describe(&e, &store));
                if !send(Action::Saved(result)) {
                    break;
                }
            }
            Ok(Request::LoadContent(id)) => {
                let action = match crate::store::content::get(store.conn(), id) {
                    Ok(item) => Action::Loaded(Loaded::ContentItem(Box::new(item))),
                    Err(e) => Action::Error(describe(&e, &store)),
                };
                if !send(action) {
                    break;
                }
            }
            Ok(Request::ContentSave { id, version, input }) => {
                let at = clock.now().timestamp();
                let tz = env.tz;
                let result = store.write(|tx, op| match (id, version) {
                    (Some(id), Some(v)) => {
                        crate::store::content::save(tx, op, at, id, v, &input, tz).map(|()| id)
                    }
                    _ => crate::store::content::create(tx, op, at, &input, tz),
                });
                let action = match result {
                    Ok(id) => Action::Saved(Ok(format!("#{id} {} · ✓", input.title))),
                    // A colleague saved first: keep the operator's text (on screen and
                    // on disk) and tell who.
                    Err(StoreError::Stale { id, by, at, .. }) => Action::ContentConflict {
                        id,
                        by,
                        at,
                        rescued: rescue(id, &input.title, &input.body),
                    },
                    Err(e) => Action::Saved(Err(describe(&e, &store))),
                };
                if !send(action) {
                    break;
                }
            }
            Ok(Request::ContentStep { id, version, step }) => {
                let at = clock.now().timestamp();
                let result = store
                    .write(|tx, op| {
                        crate::store::content::step(
                            tx,
                            op,
                            at,
                            id,
                            version,
                            &step,
                            &env.rules,
                            &env.keywords,
                        )
                    })
                    .map(|state| {
                        let mut msg = format!("#{id} → {}", env.texts.enum_text(state.word()));
                        // just scheduled: say so if its day is now too full or too close
                        if state == crate::domain::content::State::Scheduled
                            && let Some(warn) = schedule_note(store.conn(), id, env)
                        {
                            msg.push_str(&warn);
                        }
                        msg
                    })
                    .map_err(|e| describe(&e, &store));
                if !send(Action::Saved(result)) {
                    break;
                }
            }
            Ok(Request::LoadMember(id)) => {
                let today = crate::clock::local_day(clock.now(), env.tz);
                let detail =
                    crate::store::members::detail(store.conn(), id, today, &env.rules.points)
                        .and_then(|d| {
                            let rfm = views::rfm(store.conn(), today, env.tz, &env.rules.rfm)?
                                .into_iter()
                                .find(|s| s.member_id == id);
                            Ok((d, rfm))
                        });
                let action = match detail {
                    Ok(d) => Action::Loaded(Loaded::MemberDetail(Box::new(d))),
                    Err(e) => Action::Error(describe(&e, &store)),
                };
                if !send(action) {
                    break;
                }
            }
            Ok(Request::KpiEntry {
                group_id,
                day,
                metric,
                value,
                saved,
            }) => {
                let env_kpi = crate::store::kpi::KpiEnv {
                    now: clock.now(),
                    tz: env.tz,
                    rules: &env.rules,
                    keywords: &env.keywords,
                };
                // the entry, its recompute and the alert judgement commit together
                let result = store
                    .write(|tx, op| {
                        crate::store::kpi::enter(
                            tx,
                            op,
                            env_kpi.now.timestamp(),
                            group_id,
                            day,
                            metric,
                            value,
                        )?;
                        crate::store::kpi::refresh(tx, op, &env_kpi)?;
                        Ok(())
                    })
                    .map(|()| saved)
                    .map_err(|e| describe(&e, &store));
                if !send(Action::Saved(result)) {
                    break;
                }
            }
            Ok(Request::Calendar(day)) => {
                let action = match views::month_summary(store.conn(), day) {
                    Ok(s) => Action::Loaded(Loaded::Calendar(day, s)),
                    Err(e) => Action::Error(describe(&e, &store)),
                };
                if !send(action) {
                    break;
                }
            }
            Ok(Request::Showing(t)) => {
                tab = t;
                next_beat = Instant::now();
            }
            Ok(Request::Quit) | Err(std_mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std_mpsc::RecvTimeoutError::Timeout) => {}
        }
        let mut changed = false;
        match store.data_version() {
            Ok(v) if v != last_version => {
                last_version = v;
                changed = true;
                wake.notify_one();
                if !send(Action::DataChanged) {
                    break;
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("data_version: {e}"),
        }
        if changed || Instant::now() >= next_beat {
            next_beat = Instant::now() + HEARTBEAT;
            let now = clock.now().timestamp();
            let beat = presence::heartbeat(store.conn(), &session, &login, &host, tab.word(), now)
                .and_then(|()| presence::others(store.conn(), &session, now))
                .and_then(|others| Ok((others, views::due_count(store.conn(), &login, now)?)));
            match beat {
                Ok((others, due)) => {
                    if !send(Action::Presence { others, due }) {
                        break;
                    }
                }
                Err(e) => tracing::warn!("presence: {e}"),
            }
        }
    }
    let _ = presence::leave(store.conn(), &session, clock.now().timestamp());
}

/// An operator's change to a reminder from the console.
fn remind_change(
    store: &mut Store,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    login: &str,
    change: RemindChange,
) -> crate::store::Result<(RemindVerb, Box<remind::ReminderRow>)> {
    match change {
        RemindChange::Dismiss { id, version } => store
            .write(|tx, op| remind::dismiss(tx, op, now, tz, id, Some(version)))
            .map(|r| (RemindVerb::Dismissed, Box::new(r))),
        RemindChange::Snooze {
            id,
            version,
            minutes,
        } => store
            .write(|tx, op| remind::snooze(tx, op, now, tz, id, Some(version), minutes))
            .map(|r| (RemindVerb::Snoozed, Box::new(r))),
        RemindChange::Add { when, title } => {
            let due = when.instant(now, tz).ok_or_else(|| {
                StoreError::Refused("that time does not exist in the team's zone".into())
            })?;
            let new = NewReminder {
                due_at: remind::whole_second_after(due),
                title,
                group: None,
                for_login: Some(login.to_string()),
                body: None,
            };
            store
                .write(|tx, op| remind::add(tx, op, now, &new))
                .map(|r| (RemindVerb::Added, Box::new(r)))
        }
    }
}

fn describe(e: &StoreError, store: &Store) -> String {
    tracing::warn!(db = %store.path().display(), "load failed: {e}");
    e.to_string()
}

/// A tab's data; the same loaders serve the CLI. Loading Today first prepares the day
/// (its items exist, expired ones are missed) — a short write, like `sop today`.
pub fn load(
    store: &mut Store,
    tab: Tab,
    day: NaiveDate,
    now: DateTime<Utc>,
    env: &StoreEnv,
) -> crate::store::Result<Loaded> {
    // Something marked KPIs for recomputing since the last judgement without judging
    // (a member's identity changed here, an older shequn imported): judge before the
    // tabs that show alerts and their tasks. One indexed read when nothing is marked.
    if matches!(tab, Tab::Today | Tab::Kpi)
        && crate::store::kpi::needs_refresh(store.conn(), &env.rules)?
    {
        let kpi_env = crate::store::kpi::KpiEnv {
            now,
            tz: env.tz,
            rules: &env.rules,
            keywords: &env.keywords,
        };
        store.write(|tx, op| crate::store::kpi::refresh(tx, op, &kpi_env))?;
    }
    if tab == Tab::Today {
        let today = crate::clock::local_day(now, env.tz);
        let tz = env.tz;
        store.write(|tx, op| {
            // Past days keep the items they had; today and later are filled in.
            if day >= today {
                sop::materialize_day(tx, day)?;
            }
            sop::sweep_missed(tx, op, now, tz)?;
            Ok(())
        })?;
    }
    let login = store.operator().to_string();
    let conn = store.conn();
    Ok(match tab {
        Tab::Today => {
            let from = day.checked_sub_days(chrono::Days::new(29)).unwrap_or(day);
            Loaded::Today(Box::new(TodayData {
                day,
                rows: {
                    // the day's SOP items (with the tasks of alerts still open) and the
                    // content posts scheduled for it
                    let mut rows = views::today_open(conn, day)?;
                    rows.extend(views::content_today(conn, day, env.tz)?);
                    rows.sort_by(|a, b| a.slot.cmp(&b.slot).then(a.group.cmp(&b.group)));
                    rows
                },
                quotas: views::quotas(conn, day, env.rules.quota.limit(day), env.tz)?,
                on_time: views::on_time(conn, from, day, env.tz)?,
                operators: views::operators(conn)?,
                templates: views::templates(conn)?,
            }))
        }
        Tab::Members => {
            let rows = views::members(conn, day, &env.rules.points)?;
            let index = crate::search::SearchIndex::build(
                rows.iter()
                    .map(crate::store::views::MemberRow::search_texts),
            );
            Loaded::Members(rows, Some(std::sync::Arc::new(index)))
        }
        Tab::Content => Loaded::Content(Box::new(load_content(conn, day, now, env)?)),
        Tab::Kpi => Loaded::Kpi(Box::new(crate::store::kpi::board(
            conn,
            day,
            crate::app::kpi::LOAD_DAYS,
            &env.rules,
        )?)),
        Tab::Reminders => Loaded::Reminders(crate::store::reminders::list(
            conn,
            &login,
            now.timestamp(),
            env.rules.reminders.horizon_secs(),
        )?),
    })
}

/// The Content tab: the queue, the week of `day`, the mix (overall and per group, 7 and
/// 30 days to today) and the week's review, shaped for drawing.
fn load_content(
    conn: &rusqlite::Connection,
    day: NaiveDate,
    now: DateTime<Utc>,
    env: &StoreEnv,
) -> crate::store::Result<crate::app::content::ContentData> {
    use crate::app::content::{ContentData, MixLine, MixView, ReviewView, WeekItem, WeekView};
    use crate::store::content;
    let today = crate::clock::local_day(now, env.tz);
    let monday = day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()));
    let groups = views::group_names(conn)?;
    let mix_view = |m: content::MixReport| MixView {
        total: m.total,
        lines: m
            .lines
            .into_iter()
            .map(|l| MixLine {
                kind: l.kind,
                count: l.count,
                share: l.share,
                target: l.target,
            })
            .collect(),
    };
    let mut mix = Vec::new();
    for g in std::iter::once(None).chain(groups.iter().map(|(id, _)| Some(*id))) {
        mix.push((
            g,
            mix_view(content::mix(conn, g, today, 7, env.tz, &env.rules)?),
            mix_view(content::mix(conn, g, today, 30, env.tz, &env.rules)?),
        ));
    }
    let w = content::week(conn, None, monday, env.tz, &env.rules)?;
    let clashing: std::collections::HashSet<i64> = w
        .conflicts
        .iter()
        .flat_map(|c| [c.first, c.second])
        .collect();
    let hhmm = |at: i64| {
        DateTime::from_timestamp(at, 0)
            .map(|t| t.with_timezone(&env.tz).format("%H:%M").to_string())
            .unwrap_or_default()
    };
    let week = WeekView {
        items: w
            .days
            .iter()
            .flat_map(|d| {
                d.items.iter().map(|it| WeekItem {
                    id: it.id,
                    day: d.day,
                    time: hhmm(it.slot),
                    title: it.title.clone(),
                    kind: it.kind,
                    state: it.state,
                    groups: it.groups.iter().map(|(id, _)| *id).collect(),
                    clash: clashing.contains(&it.id),
                })
            })
            .collect(),
        over: w
            .over_posting
            .iter()
            .map(|o| (o.group_id, o.day, o.count))
            .collect(),
        max_per_day: w.max_pushes_per_day,
        // every-day hints (commute hours) go to the legend only
        hints: w
            .days
            .iter()
            .map(|d| {
                d.hints
                    .iter()
                    .filter(|h| !h.weekdays.is_empty())
                    .map(|h| h.when())
                    .collect()
            })
            .collect(),
        legend: env
            .rules
            .content
            .slot_hints
            .iter()
            .map(|h| (h.weekdays.clone(), h.when(), h.what.clone()))
            .collect(),
    };
    let r = content::weekly_review(conn, today, env.tz)?;
    let pick = |ids: &[i64]| -> Vec<(i64, String, f64)> {
        ids.iter()
            .filter_map(|id| r.items.iter().find(|i| i.id == *id))
            .map(|i| (i.id, i.title.clone(), i.value))
            .collect()
    };
    let review = ReviewView {
        end: Some(r.to),
        drop: pick(&r.drop),
        top: pick(&r.top),
        traits: r.traits.clone(),
    };
    Ok(ContentData {
        rows: views::content(conn)?,
        groups,
        monday,
        week,
        mix,
        review,
    })
}

/// After an approval: over-posting and clashes on the item's day in its groups, as a
/// tail for the confirmation (the CLI prints the same as warnings).
pub fn schedule_note(conn: &rusqlite::Connection, id: i64, env: &StoreEnv) -> Option<String> {
    use crate::i18n::fill;
    let item = crate::store::content::get(conn, id).ok()?;
    let day = crate::clock::local_day(DateTime::<Utc>::from_timestamp(item.slot?, 0)?, env.tz);
    let w = crate::store::content::week(conn, None, day, env.tz, &env.rules).ok()?;
    let mine = |g: i64| item.groups.iter().any(|(gid, _)| *gid == g);
    let t = &env.texts.content;
    let mut out = String::new();
    for o in w
        .over_posting
        .iter()
        .filter(|o| o.day == day && mine(o.group_id))
    {
        out.push_str(&format!(
            " · ⚠ {} {}: {} ({})",
            o.group,
            o.day.format("%m-%d"),
            fill(&t.pushes, &[("n", &o.count)]),
            fill(&t.over_posting, &[("max", &o.max)])
        ));
    }
    for c in w
        .conflicts
        .iter()
        .filter(|c| mine(c.group_id) && (c.first == id || c.second == id))
    {
        out.push_str(&format!(
            " · ⚠ {}: {} #{}/#{} ({} min)",
            c.group, t.conflict, c.first, c.second, c.minutes
        ));
    }
    (!out.is_empty()).then_some(out)
}

/// Keep a refused save's text on disk too, so nothing typed is lost even if the
/// console goes away: `$XDG_STATE_HOME/shequn/rescued/content-<id>-<time>.md`.
fn rescue(id: i64, title: &str, body: &str) -> Option<String> {
    let dir = crate::config::log_dir().join("rescued");
    std::fs::create_dir_all(&dir).ok()?;
    let stamp = Utc::now().format("%Y%m%dT%H%M%S");
    let path = dir.join(format!("content-{id}-{stamp}.md"));
    std::fs::write(&path, format!("# {title}\n\n{body}\n")).ok()?;
    Some(path.display().to_string())
}

fn hostname() -> String {
    whoami::fallible::hostname().unwrap_or_else(|_| "localhost".into())
}
