//! The store thread: it owns the console's connection, serves the loop's requests
//! through the handlers (one file per tab area), and watches the shared file.
//!
//! Watching costs nothing while nothing happens: every `WATCH_INTERVAL` it asks
//! `PRAGMA data_version` (no disk I/O); only when another process committed does it read
//! the change signals (`store::changes`), and it tells the screen just which topics
//! moved — a heartbeat of a colleague's console refreshes the status bar and nothing
//! else, a colleague's tag on one member patches one row. A commit that moved no topic
//! came from something that bypassed shequn (the sqlite3 shell): everything is stale.
//! After this console's own writes it reads the signals back the same way, so its own
//! changes reload exactly what they touched. When the team's settings moved it reads
//! them again first (`handlers::settings`), so what it judges with and the thresholds
//! on screen follow at once.
//!
//! Restores: a colleague's `shequn restore` replaces the database's contents in one
//! commit (`store::backup`) and leaves its mark in the audit log; on every commit of
//! another process the worker compares the newest mark with the one it knows, and on a
//! new one reloads everything, reads the operator's role again and says who restored
//! it. A database *file* replaced by other means (moved over while consoles have it
//! open) is noticed by its device and inode on every poll (one `stat`), and the console
//! stops and says so: reopening would adopt the old file's `-wal` and `-shm` — same
//! names, another database's pages — and write into them. The worker writes nothing
//! more (not even its presence); SQLite itself does not checkpoint a connection to a
//! moved file when it closes.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::time::Instant;

use tokio::sync::Notify;
use tokio::sync::mpsc::UnboundedSender;

use super::handlers::{self, describe};
use super::request::Request;
use super::{Event, HEARTBEAT, StoreEnv, WATCH_INTERVAL};
use crate::app::{Action, Changed, Effect, Restored, Tab};
use crate::clock::Clock;
use crate::store::backup::{RestoreMark, last_restore};
use crate::store::changes::{Topics, Versions, members_between, since};
use crate::store::presence::{self, Online};
use crate::store::reminders::Watcher;
use crate::store::{Store, views};

/// What reminders are planned from (SOP items, scheduled content, reviews, KPI alerts,
/// member warnings, and the groups and rules they belong to): a change to a reminder
/// alone needs no planning, only firing and the next due time.
const PLANNED_FROM: Topics = Topics::SOP
    .union(Topics::CONTENT)
    .union(Topics::KPI)
    .union(Topics::MEMBERS)
    .union(Topics::GROUPS)
    .union(Topics::SETTINGS)
    .union(Topics::OPERATORS);

/// Planning also runs this often without a change: the planning horizon moves with the
/// clock.
const PLAN_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

pub(super) struct Worker {
    store: Store,
    env: StoreEnv,
    clock: Arc<dyn Clock>,
    events: UnboundedSender<Event>,
    wake: Arc<Notify>,
    session: String,
    host: String,
    tab: Tab,
    /// The change signals as this console last saw them.
    seen: Versions,
    /// Topics of the last change told to the screen, until a tab reload consumes them
    /// (for the log: why a tab reloaded).
    told: Topics,
    next_beat: Instant,
    /// The data reminders are planned from changed since the engine last planned.
    replan: bool,
    planned_at: Option<Instant>,
    /// The member list's reader (its own connection), when it could be opened.
    members: Option<std_mpsc::Sender<super::loader::Job>>,
    /// A read of the member list is under way: another ask waits for it, unless many
    /// members changed meanwhile (then `members_again` reads once more after it).
    members_reading: bool,
    members_again: Option<chrono::NaiveDate>,
    watcher: Watcher,
    status: (Vec<Online>, i64),
    /// The newest restore recorded in the database, as this console last saw it.
    restored: Option<RestoreMark>,
    /// The database file was replaced under this console: it writes nothing more.
    replaced: bool,
}

impl Worker {
    pub(super) fn new(
        store: Store,
        members: Option<std_mpsc::Sender<super::loader::Job>>,
        env: StoreEnv,
        clock: Arc<dyn Clock>,
        events: UnboundedSender<Event>,
        wake: Arc<Notify>,
    ) -> Worker {
        let host = whoami::fallible::hostname().unwrap_or_else(|_| "localhost".into());
        let session = format!("{host}-{}-{}", std::process::id(), clock.now().timestamp());
        let seen = Versions::read(store.conn()).unwrap_or_default();
        let watcher = Watcher::new(store.operator(), clock.now());
        let restored = last_restore(store.conn()).unwrap_or_else(|e| {
            tracing::warn!("last restore: {e}");
            None
        });
        Worker {
            store,
            env,
            clock,
            events,
            wake,
            session,
            host,
            tab: Tab::Today,
            seen,
            told: Topics::empty(),
            next_beat: Instant::now(),
            replan: true,
            planned_at: None,
            members,
            members_reading: false,
            members_again: None,
            watcher,
            status: (Vec::new(), -1),
            restored,
            replaced: false,
        }
    }

    fn send(&self, a: Action) -> bool {
        self.events.send(Event::App(a)).is_ok()
    }

    pub(super) fn run(mut self, rx: &std_mpsc::Receiver<Request>) {
        loop {
            let wait = WATCH_INTERVAL.min(self.next_beat.saturating_duration_since(Instant::now()));
            match rx.recv_timeout(wait) {
                Ok(Request::Quit) | Err(std_mpsc::RecvTimeoutError::Disconnected) => break,
                Ok(req) => {
                    let write = req.is_write();
                    if !self.serve(req) {
                        break;
                    }
                    if write && !self.after_write(true) {
                        break;
                    }
                }
                Err(std_mpsc::RecvTimeoutError::Timeout) => {}
            }
            if !self.watch() {
                break;
            }
            if Instant::now() >= self.next_beat && !self.heartbeat() {
                break;
            }
        }
        if self.replaced {
            return;
        }
        let now = self.clock.now().timestamp();
        let (session, store) = (&self.session, &mut self.store);
        let _ = store.upkeep(|tx, _| presence::leave(tx, session, now));
    }

    /// One request; false when the screen is gone.
    fn serve(&mut self, req: Request) -> bool {
        let now = self.clock.now();
        let (store, env) = (&mut self.store, &self.env);
        let action = match req {
            Request::Quit => return false,
            Request::Read(done) => match *done {
                super::loader::Done::Members(read) => return self.members_read(read),
                super::loader::Done::Preview(category, word, report) => {
                    let action =
                        handlers::risk::preview(&self.store, &self.env, category, word, report);
                    return self.send(action);
                }
            },
            Request::RemindStep { now, reply } => {
                // plan when what reminders are planned from changed, and every few
                // minutes (the horizon moves with the clock); else fire and look ahead
                let plan = self.replan || self.planned_at.is_none_or(|t| t.elapsed() >= PLAN_EVERY);
                if plan {
                    self.replan = false;
                    self.planned_at = Some(Instant::now());
                }
                let step = handlers::reminders::step(&mut self.watcher, store, env, now, plan);
                let _ = reply.send(step);
                // what the step planned or fired is this console's own write; it is no
                // reason to wake the engine again
                return self.after_write(false);
            }
            Request::Do(fx) => match fx {
                Effect::Preload(Tab::Members, day)
                | Effect::Load(Tab::Members, day)
                | Effect::ClockLoad(Tab::Members, day)
                    if self.members.is_some() =>
                {
                    // read beside this thread; the answer comes back as `Read`
                    if self.members_reading {
                        if self.told.contains(Topics::MEMBERS) {
                            self.members_again = Some(day);
                        }
                        return true;
                    }
                    return self.read_members(day);
                }
                Effect::PreviewWord { category, word } if self.members.is_some() => {
                    // every message is read: beside this thread, the answer comes back
                    // as `Read`
                    let job = super::loader::Job::Preview(category, word);
                    let Some(Err(std_mpsc::SendError(job))) =
                        self.members.as_ref().map(|m| m.send(job))
                    else {
                        return true;
                    };
                    // the reader is gone: read here
                    self.members = None;
                    let super::loader::Job::Preview(category, word) = job else {
                        return true;
                    };
                    let report = handlers::risk::preview_report(&self.store, category, &word);
                    let action =
                        handlers::risk::preview(&self.store, &self.env, category, word, report);
                    return self.send(action);
                }
                fx @ (Effect::Load(tab, day)
                | Effect::ClockLoad(tab, day)
                | Effect::Preload(tab, day)) => {
                    let cause = tab.topics() & self.told;
                    self.told.remove(cause);
                    let clock = matches!(fx, Effect::ClockLoad(..));
                    let started = Instant::now();
                    let action = match handlers::load(store, tab, day, now, env) {
                        Ok(l) => Action::Loaded(l),
                        Err(e) => Action::LoadFailed(tab, describe(&e, store, env)),
                    };
                    tracing::debug!(
                        "reload tab={} cause={} ms={:.1}",
                        tab.word(),
                        match (clock, cause.is_empty()) {
                            (true, _) => "clock".to_string(),
                            (false, true) => "request".to_string(),
                            (false, false) => cause.words(),
                        },
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                    action
                }
                Effect::ShowingTab(t) => {
                    self.tab = t;
                    self.next_beat = Instant::now();
                    return true;
                }
                Effect::Sop {
                    id,
                    version,
                    change,
                } => handlers::today::change(store, env, now, id, version, &change),
                Effect::LoadCalendar(day) => handlers::today::calendar(store, env, day),
                Effect::Override {
                    group_id,
                    item_id,
                    slot,
                    script,
                } => {
                    let o = crate::store::sop::Override {
                        slot,
                        script,
                        title: None,
                    };
                    handlers::today::override_item(store, env, now, (group_id, item_id), &o)
                }
                Effect::ApplyTemplate { template, groups } => {
                    handlers::today::apply(store, env, now, &template, &groups)
                }
                Effect::Member {
                    id,
                    version,
                    change,
                } => handlers::members::change(store, env, now, id, version, &change),
                Effect::LoadMember(id) => handlers::members::detail(store, env, now, id),
                Effect::LoadMemberRows(ids) => {
                    let started = Instant::now();
                    let action = handlers::members::rows(store, env, now, &ids);
                    tracing::debug!(
                        "reload tab=members rows={} cause=members ms={:.1}",
                        ids.len(),
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                    action
                }
                Effect::LoadContent(id) => handlers::content::item(store, env, id),
                Effect::ContentSave { id, version, input } => {
                    handlers::content::save(store, env, now, (id, version), &input)
                }
                Effect::ContentStep { id, version, step } => {
                    handlers::content::step(store, env, now, id, version, &step)
                }
                Effect::KpiEntry {
                    group_id,
                    day,
                    metric,
                    value,
                    saved,
                } => handlers::kpi::entry(store, env, now, (group_id, day), metric, value.0, saved),
                Effect::Remind(change) => handlers::reminders::change(store, env, now, change),
                Effect::Risk {
                    id,
                    version,
                    step,
                    reason,
                    except,
                } => handlers::risk::step(
                    store,
                    env,
                    now,
                    (id, version),
                    step,
                    &reason,
                    except.as_deref(),
                ),
                Effect::PreviewWord { category, word } => {
                    // no reader (it could not be opened): read here
                    let report = handlers::risk::preview_report(store, category, &word);
                    handlers::risk::preview(store, env, category, word, report)
                }
                Effect::AddWord { category, word } => {
                    handlers::risk::add_word(store, env, now, category, &word)
                }
                Effect::Launch(input) => handlers::launch::launch(store, env, now, &input),
                Effect::LaunchKit(k) => handlers::launch::kit(store, env, now, &k),
                // the loop's own effects never come here
                Effect::Quit | Effect::Copy(_) | Effect::Bell | Effect::ToastTimer { .. } => {
                    return true;
                }
            },
        };
        self.send(action)
    }

    fn read_members(&mut self, day: chrono::NaiveDate) -> bool {
        match &self.members {
            Some(m) if m.send(super::loader::Job::Members(day)).is_ok() => {
                self.members_reading = true;
            }
            // the reader is gone: read here
            _ => {
                self.members = None;
                let action = match handlers::members::load(&self.store, day, &self.env) {
                    Ok(l) => Action::Loaded(l),
                    Err(e) => Action::Error(describe(&e, &self.store, &self.env)),
                };
                return self.send(action);
            }
        }
        true
    }

    /// The member list read on its own connection: to the screen, then the rows of
    /// members changed after its snapshot (or, if many, another read).
    fn members_read(&mut self, read: super::loader::Read) -> bool {
        self.members_reading = false;
        if let Some(day) = self.members_again.take()
            && !self.read_members(day)
        {
            return false;
        }
        let cause = Tab::Members.topics() & self.told;
        self.told.remove(cause);
        tracing::debug!(
            "reload tab=members cause={} ms={:.1}",
            if cause.is_empty() {
                "request".to_string()
            } else {
                cause.words()
            },
            read.ms
        );
        let loaded = match read.loaded {
            Ok(l) => self.send(Action::Loaded(l)),
            Err(e) => return self.send(Action::Error(e)),
        };
        let now = self.seen.members();
        if !loaded || now == read.members_version {
            return loaded;
        }
        match members_between(self.store.conn(), read.members_version, now) {
            Ok(Some(ids)) if !ids.is_empty() => {
                let rows = handlers::members::rows(&self.store, &self.env, self.clock.now(), &ids);
                self.send(rows)
            }
            Ok(Some(_)) => true,
            _ => self.send(Action::Changed(Changed {
                topics: Topics::MEMBERS,
                members: None,
            })),
        }
    }

    /// Poll: is it still the same file, and did another process commit? Then read the
    /// change signals (after looking for a restore).
    fn watch(&mut self) -> bool {
        if !self.follow_file() {
            return false;
        }
        match self.store.data_version() {
            Ok(v) if v != self.seen.data_version => {
                if !self.check_restored() {
                    return false;
                }
                self.catch_up(true, true)
            }
            Ok(_) => true,
            Err(e) => {
                tracing::warn!("data_version: {e}");
                true
            }
        }
    }

    /// A colleague's commit: was it a restore (a restore mark this console has not
    /// seen)? Then everything reloads.
    fn check_restored(&mut self) -> bool {
        let mark = match last_restore(self.store.conn()) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!("last restore: {e}");
                return true;
            }
        };
        if mark.is_none() || mark == self.restored {
            return true;
        }
        let by = mark.as_ref().map(|m| m.by.clone()).unwrap_or_default();
        tracing::info!("database restored by {by}: reloading everything");
        self.restored = mark;
        self.reload_all(by)
    }

    /// The database file at our path is another one (moved over it): stop (false), and
    /// have the console end with a message (see the module's header).
    fn follow_file(&mut self) -> bool {
        let now = crate::disk::file_id(self.store.path());
        if now.is_none() || now == self.store.file_id() {
            return true;
        }
        let path = self.store.path().display().to_string();
        tracing::warn!("{path} was replaced under this console: stopping");
        self.replaced = true;
        let text = crate::i18n::fill(&self.env.texts.replaced, &[("db", &path)]);
        let _ = self.send(Action::FileReplaced(text));
        false
    }

    /// After a restore: every tab reloads, the operator's role is read again, presence
    /// is published at once, the reminder engine plans again.
    fn reload_all(&mut self, by: String) -> bool {
        match Versions::read(self.store.conn()) {
            // taken as seen: the reload covers whatever moved
            Ok(v) => self.seen = v,
            Err(e) => tracing::warn!("change signals: {e}"),
        }
        self.told |= Topics::DATA;
        let access = match self.store.refresh_access() {
            Ok(a) => a.clone(),
            Err(e) => {
                tracing::warn!("access after a restore: {e}");
                self.store.access().clone()
            }
        };
        self.next_beat = Instant::now();
        self.status.1 = -1;
        self.wake.notify_one();
        self.send(Action::Restored(Box::new(Restored { by, access })))
    }

    /// After this console's own write: read back what it touched (and anything a
    /// colleague committed in between).
    fn after_write(&mut self, wake: bool) -> bool {
        self.catch_up(false, wake)
    }

    /// Read the change signals and tell the screen what moved. `external`: the data
    /// version moved, so a commit that moved no topic bypassed shequn.
    fn catch_up(&mut self, external: bool, wake: bool) -> bool {
        let seen = match since(self.store.conn(), &mut self.seen, external) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("change signals: {e}");
                return true;
            }
        };
        if seen.topics.is_empty() {
            return true;
        }
        if seen.external {
            tracing::debug!("a commit moved no topic (a writer outside shequn): all stale");
        }
        self.signal(
            Changed {
                topics: seen.topics,
                members: seen.members,
            },
            wake,
        )
    }

    /// Tell the screen what changed; wake the reminder engine (`wake`) to plan again
    /// when data changed; refresh the status bar when presence or reminders moved.
    fn signal(&mut self, mut changed: Changed, wake: bool) -> bool {
        let data = changed.topics & Topics::DATA;
        let status = changed.topics & (Topics::PRESENCE | Topics::REMINDERS);
        if !data.is_empty() {
            tracing::debug!(
                "changed topics={} members={:?}",
                data.words(),
                changed.members.as_ref().map(Vec::len)
            );
            if wake {
                if data.intersects(PLANNED_FROM) {
                    self.replan = true;
                }
                self.wake.notify_one();
            }
            self.told |= data;
            changed.topics = data;
            // the team's settings first: the reloads the change causes judge with them
            if let Some(a) = handlers::settings::on_changed(&self.store, &mut self.env, data)
                && !self.send(a)
            {
                return false;
            }
            if !self.send(Action::Changed(changed)) {
                return false;
            }
        }
        if !status.is_empty() {
            return self.refresh_status(status);
        }
        true
    }

    /// Publish this console's presence, then refresh the status bar.
    fn heartbeat(&mut self) -> bool {
        self.next_beat = Instant::now() + HEARTBEAT;
        let now = self.clock.now().timestamp();
        let (session, host, tab) = (&self.session, &self.host, self.tab.word());
        let login = self.store.operator().to_string();
        // upkeep: a read-only console (--readonly) is not shown as online
        if let Err(e) = self
            .store
            .upkeep(|tx, _| presence::heartbeat(tx, session, &login, host, tab, now))
        {
            tracing::warn!("presence: {e}");
        }
        // our own beat moved 'presence': no news to ourselves; a colleague's commit that
        // landed just before is told like any other
        match since(self.store.conn(), &mut self.seen, false) {
            Ok(seen) => {
                let topics = seen.topics - Topics::PRESENCE;
                if !topics.is_empty()
                    && !self.signal(
                        Changed {
                            topics,
                            members: seen.members,
                        },
                        true,
                    )
                {
                    return false;
                }
            }
            Err(e) => tracing::warn!("change signals: {e}"),
        }
        self.refresh_status(Topics::PRESENCE | Topics::REMINDERS)
    }

    /// Who else is online (presence moved) and how many reminders are due for me
    /// (reminders moved); sent only when it changed.
    fn refresh_status(&mut self, what: Topics) -> bool {
        let now = self.clock.now().timestamp();
        let conn = self.store.conn();
        let mut status = self.status.clone();
        if what.contains(Topics::PRESENCE) {
            match presence::others(conn, &self.session, now) {
                Ok(o) => status.0 = o,
                Err(e) => tracing::warn!("presence: {e}"),
            }
        }
        if what.contains(Topics::REMINDERS) || status.1 < 0 {
            match views::due_count(conn, self.store.operator(), now, self.env.tz) {
                Ok(n) => status.1 = n,
                Err(e) => tracing::warn!("due count: {e}"),
            }
        }
        if status == self.status {
            return true;
        }
        self.status = status.clone();
        self.send(Action::Presence {
            others: status.0,
            due: status.1.max(0),
        })
    }
}
