//! The store thread's handlers, one file per tab area. Each takes the store, what the
//! thread knows about the team ([`StoreEnv`]) and the time, and answers with what the
//! screen gets (an `Action`); each write is one short transaction (`Store::write`).
//! [`load`] is the loader of every tab, the same the CLI and the screen tests use.

pub mod content;
pub mod kpi;
pub mod launch;
pub mod members;
pub mod reminders;
pub mod risk;
pub mod settings;
pub mod today;

use chrono::{DateTime, NaiveDate, Utc};

use super::StoreEnv;
use crate::app::{Loaded, Tab};
use crate::store::{Store, StoreError};

/// A tab's data. Loading Today first prepares the day (its items exist, expired ones
/// are missed) — a short write, like `sop today`.
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
    if matches!(tab, Tab::Today | Tab::Kpi) {
        kpi::refresh_if_marked(store, now, env)?;
        kpi::judge_launch(store, now, env)?;
    }
    Ok(match tab {
        Tab::Today => today::load(store, day, now, env)?,
        Tab::Members => members::load(store, day, env)?,
        Tab::Content => Loaded::Content(Box::new(content::load(store, day, now, env)?)),
        Tab::Kpi => kpi::load(store, day, env)?,
        Tab::Reminders => reminders::load(store, now, env)?,
        Tab::Risk => risk::load(store, now, env)?,
    })
}

/// What to show for a failed load or write, in the console's language where the
/// language files have words for it (a refusal for want of a role, `--readonly`), and
/// log it with the database's path.
pub(super) fn describe(e: &StoreError, store: &Store, env: &StoreEnv) -> String {
    tracing::warn!(db = %store.path().display(), "store request failed: {e}");
    crate::ctx::store_message(env.texts, e, store.path())
}
