//! The reminder engine: a tokio task per console (and per `remind --watch`) that
//! sleeps until the next reminder is due — an instant computed from the data, not a
//! poll every second — fires what is due, and starts over when woken because the data
//! changed (a colleague's commit noticed through `PRAGMA data_version`, or this
//! console's own write).
//!
//! The task owns no database connection: a [`Backend`] runs each step (plan, fire,
//! what is new, when next) where the connection lives — on the console's store thread
//! (a 5-second busy wait must not freeze the screen), on tokio's blocking pool for
//! `remind --watch` ([`Blocking`]), or inline in tests ([`Direct`]). Time comes from a
//! [`Clock`]; the sleep is tokio's, so `tokio::time::pause()` and a
//! [`crate::clock::RunningClock`] drive the whole engine in tests.
//!
//! Why here and not in `app/` or `store/`: `app` does no I/O and `store` has no
//! timers; this is the one place that ties a clock, a timer and the store together.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::domain::rules::Rules;
use crate::store::Store;
use crate::store::reminders::{Step, Watcher};

/// The longest the engine sleeps without looking: reminders enter the planning
/// horizon as time passes, member warnings are re-planned hourly, and a machine that
/// was suspended should not fire an hour late.
pub const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);
/// After a failed step (the database was busy for 5 s), try again this much later.
pub const RETRY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// The store is gone (the console is quitting): the engine stops.
    Gone,
    /// This step failed; the next one may not.
    Failed(String),
}

/// Where a step runs: plan, fire what is due at `now`, report what fired and when the
/// next reminder is due.
pub trait Backend: Send {
    fn step(&mut self, now: DateTime<Utc>) -> impl Future<Output = Result<Step, StepError>> + Send;
}

/// How long to sleep from `now` until `next` (unix seconds), at most [`MAX_SLEEP`].
pub fn sleep_for(next: Option<i64>, now: DateTime<Utc>) -> Duration {
    match next {
        None => MAX_SLEEP,
        Some(t) => {
            let ms = t.saturating_mul(1000) - now.timestamp_millis();
            Duration::from_millis(u64::try_from(ms).unwrap_or(0)).min(MAX_SLEEP)
        }
    }
}

/// Run the engine until `emit` says stop or the backend is gone. `emit` gets every
/// step that fired or changed something. `wake` re-plans at once (data changed).
pub async fn run<B: Backend>(
    mut backend: B,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    mut emit: impl FnMut(Step) -> bool + Send,
) {
    loop {
        let now = clock.now();
        let wait = match backend.step(now).await {
            Ok(step) => {
                // A clock that never moves (SHEQUN_NOW in the console) has no future
                // to wait for: only a change can make something due.
                let wait = (!clock.is_fixed()).then(|| sleep_for(step.next, now));
                if (step.changed || !step.fired.is_empty()) && !emit(step) {
                    return;
                }
                wait
            }
            Err(StepError::Gone) => return,
            Err(StepError::Failed(e)) => {
                tracing::warn!("reminders: {e}");
                Some(RETRY)
            }
        };
        match wait {
            Some(d) => {
                let deadline = tokio::time::Instant::now() + d;
                tokio::select! {
                    () = tokio::time::sleep_until(deadline) => {}
                    () = wake.notified() => {}
                }
            }
            None => wake.notified().await,
        }
    }
}

/// Wake the engine whenever another connection commits (`PRAGMA data_version`, which
/// costs no I/O), checking every `every`. Ends when the store fails.
pub async fn watch_changes(store: Store, wake: Arc<Notify>, every: Duration) {
    let mut last = store.data_version().ok();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match store.data_version() {
            Ok(v) if Some(v) != last => {
                last = Some(v);
                wake.notify_one();
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("data_version: {e}");
                return;
            }
        }
    }
}

/// Steps run inline on the engine's task: for tests, where a blocking call is fine.
#[derive(Debug)]
pub struct Direct {
    pub store: Store,
    pub watcher: Watcher,
    pub tz: Tz,
    pub rules: Rules,
}

impl Backend for Direct {
    async fn step(&mut self, now: DateTime<Utc>) -> Result<Step, StepError> {
        self.watcher
            .step(&mut self.store, now, self.tz, &self.rules)
            .map_err(|e| StepError::Failed(e.to_string()))
    }
}

/// Steps run on tokio's blocking pool, so a busy database never holds up the task
/// that handles signals (`remind --watch`).
#[derive(Debug, Clone)]
pub struct Blocking {
    inner: Arc<Mutex<(Store, Watcher)>>,
    tz: Tz,
    rules: Arc<Rules>,
}

impl Blocking {
    pub fn new(store: Store, watcher: Watcher, tz: Tz, rules: Rules) -> Blocking {
        Blocking {
            inner: Arc::new(Mutex::new((store, watcher))),
            tz,
            rules: Arc::new(rules),
        }
    }
}

impl Backend for Blocking {
    async fn step(&mut self, now: DateTime<Utc>) -> Result<Step, StepError> {
        let inner = Arc::clone(&self.inner);
        let (tz, rules) = (self.tz, Arc::clone(&self.rules));
        tokio::task::spawn_blocking(move || {
            let mut guard = inner.lock().map_err(|_| StepError::Gone)?;
            let (store, watcher) = &mut *guard;
            watcher
                .step(store, now, tz, &rules)
                .map_err(|e| StepError::Failed(e.to_string()))
        })
        .await
        .map_err(|_| StepError::Gone)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_until_the_next_due_instant_and_no_longer_than_the_cap() {
        let now = DateTime::parse_from_rfc3339("2026-03-02T00:25:00.250Z")
            .unwrap()
            .with_timezone(&Utc);
        let t = now.timestamp();
        assert_eq!(sleep_for(Some(t + 10), now), Duration::from_millis(9750));
        assert_eq!(sleep_for(Some(t - 5), now), Duration::ZERO);
        assert_eq!(sleep_for(Some(t + 86_400), now), MAX_SLEEP);
        assert_eq!(sleep_for(None, now), MAX_SLEEP);
    }
}
