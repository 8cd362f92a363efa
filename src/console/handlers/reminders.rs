//! The Reminders tab's requests: the list, an operator's dismiss / snooze / add, and
//! the reminder engine's step (plan, fire, what is new) — run here because the store
//! thread owns the connection.

use chrono::{DateTime, Utc};

use super::describe;
use crate::app::{Action, Loaded, RemindChange, RemindVerb};
use crate::console::StoreEnv;
use crate::domain::roles::Perm;
use crate::domain::when::When;
use crate::i18n::fill;
use crate::reminders::StepError;
use crate::store::reminders::{self as remind, NewReminder, Step, Watcher};
use crate::store::{Store, StoreError};

pub fn load(store: &Store, now: DateTime<Utc>, env: &StoreEnv) -> crate::store::Result<Loaded> {
    Ok(Loaded::Reminders(remind::list(
        store.conn(),
        store.operator(),
        now.timestamp(),
        env.rules.reminders.horizon_secs(),
    )?))
}

pub fn step(
    watcher: &mut Watcher,
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    plan: bool,
) -> Result<Step, StepError> {
    watcher
        .step_with(store, now, env.tz, &env.rules, plan)
        .map_err(|e| StepError::Failed(describe(&e, store, env)))
}

/// An operator's change to a reminder from the console: their own or the team's (the
/// tab lists no colleague's), so `remind.own`.
pub fn change(
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    change: RemindChange,
) -> Action {
    let result = apply(store, now, env, change).map_err(|e| describe(&e, store, env));
    Action::RemindSaved(result)
}

/// What a bundle's change did, told by its first reminder: how many, in how many groups.
/// None when every one of them closed meanwhile (by a colleague, or done).
fn bulk(
    rows: Vec<remind::ReminderRow>,
    verb: impl Fn(usize, usize) -> RemindVerb,
) -> Option<(RemindVerb, Box<remind::ReminderRow>)> {
    let groups = rows
        .iter()
        .filter_map(|r| r.group.as_deref())
        .collect::<std::collections::HashSet<_>>()
        .len();
    let n = rows.len();
    rows.into_iter()
        .next()
        .map(|first| (verb(n, groups), Box::new(first)))
}

fn apply(
    store: &mut Store,
    now: DateTime<Utc>,
    env: &StoreEnv,
    change: RemindChange,
) -> crate::store::Result<(RemindVerb, Box<remind::ReminderRow>)> {
    let tz = env.tz;
    let gone = || StoreError::Refused(env.texts.reminders.none_due.clone());
    match change {
        RemindChange::Dismiss { id, version } => store
            .write(Perm::RemindOwn, |tx, op| {
                remind::dismiss(tx, op, now, tz, id, Some(version))
            })
            .map(|r| (RemindVerb::Dismissed, Box::new(r))),
        RemindChange::Snooze {
            id,
            version,
            minutes,
        } => store
            .write(Perm::RemindOwn, |tx, op| {
                remind::snooze(tx, op, now, tz, id, Some(version), minutes)
            })
            .map(|r| (RemindVerb::Snoozed, Box::new(r))),
        RemindChange::DismissAll { seen } => {
            let seen: Vec<(i64, Option<i64>)> = seen.iter().map(|&(i, v)| (i, Some(v))).collect();
            let rows = store.write(Perm::RemindOwn, |tx, op| {
                remind::dismiss_many(tx, op, now, tz, &seen)
            })?;
            bulk(rows, |n, groups| RemindVerb::DismissedAll { n, groups }).ok_or_else(gone)
        }
        RemindChange::SnoozeAll { seen, minutes } => {
            let seen: Vec<(i64, Option<i64>)> = seen.iter().map(|&(i, v)| (i, Some(v))).collect();
            let rows = store.write(Perm::RemindOwn, |tx, op| {
                remind::snooze_many(tx, op, now, tz, &seen, minutes)
            })?;
            bulk(rows, |n, groups| RemindVerb::SnoozedAll { n, groups }).ok_or_else(gone)
        }
        RemindChange::Add { when, title } => {
            let due = when.instant(now, tz).ok_or_else(|| {
                // only a wall-clock time can fall in a gap the clocks skip
                let when_text = match when {
                    When::At(t) => t.format("%Y-%m-%d %H:%M").to_string(),
                    When::Clock(t) | When::Tomorrow(t) => t.format("%H:%M").to_string(),
                    When::In(_) | When::Exact(_) => String::new(),
                };
                StoreError::Refused(fill(
                    &env.texts.errors.no_such_time,
                    &[("value", &when_text), ("tz", &tz)],
                ))
            })?;
            let new = NewReminder {
                due_at: remind::whole_second_after(due),
                title,
                group: None,
                for_login: Some(store.operator().to_string()),
                body: None,
            };
            store
                .write(Perm::RemindOwn, |tx, op| remind::add(tx, op, now, &new))
                .map(|r| (RemindVerb::Added, Box::new(r)))
        }
    }
}
