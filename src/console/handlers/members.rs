//! The Members tab's requests: the list with its search index, a few members' rows (a
//! colleague changed them), one member's detail, and an operator's change to a member.

use chrono::{DateTime, NaiveDate, Utc};

use super::describe;
use crate::app::{Action, Loaded};
use crate::console::StoreEnv;
use crate::store::members::MemberChange;
use crate::store::{Store, views};

/// The list and its search index, both built here: for a million members that takes a
/// second the screen should not wait for.
pub fn load(store: &Store, day: NaiveDate, env: &StoreEnv) -> crate::store::Result<Loaded> {
    let started = std::time::Instant::now();
    let rows = views::members(store.conn(), day, &env.rules.points)?;
    let read = started.elapsed();
    let index = crate::search::SearchIndex::build(rows.iter().map(views::MemberRow::search_texts));
    tracing::debug!(
        rows = rows.len(),
        read_ms = read.as_secs_f64() * 1000.0,
        index_ms = (started.elapsed() - read).as_secs_f64() * 1000.0,
        "members loaded"
    );
    Ok(Loaded::Members(rows, Some(std::sync::Arc::new(index))))
}

/// The current rows of these members, to patch the list with.
pub fn rows(store: &Store, env: &StoreEnv, now: DateTime<Utc>, ids: &[i64]) -> Action {
    let today = crate::clock::local_day(now, env.tz);
    match views::member_rows(store.conn(), today, &env.rules.points, ids) {
        Ok(rows) => Action::Loaded(Loaded::MemberRows(rows)),
        Err(e) => Action::Error(describe(&e, store, env)),
    }
}

pub fn detail(store: &Store, env: &StoreEnv, now: DateTime<Utc>, id: i64) -> Action {
    let today = crate::clock::local_day(now, env.tz);
    let detail = crate::store::members::detail(store.conn(), id, today, &env.rules.points)
        .and_then(|d| {
            let rfm = views::rfm(store.conn(), today, env.tz, &env.rules.rfm)?
                .into_iter()
                .find(|s| s.member_id == id);
            Ok((d, rfm))
        });
    match detail {
        Ok(d) => Action::Loaded(Loaded::MemberDetail(Box::new(d))),
        Err(e) => Action::Error(describe(&e, store, env)),
    }
}

pub fn change(
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    id: i64,
    version: Option<i64>,
    change: &MemberChange,
) -> Action {
    let at = now.timestamp();
    let result = store
        .write(change.perm(), |tx, op| {
            crate::store::members::change(tx, op, at, id, version, change, &env.rules)
        })
        .map(|name| format!("{name} · ✓"))
        .map_err(|e| describe(&e, store, env));
    Action::Saved(result)
}
