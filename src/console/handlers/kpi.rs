//! The KPIs tab's requests: the board, an entry of a number only WeChat sees (with
//! its recompute and the alert judgement, in one transaction), and the judgement a
//! tab showing alerts needs first.

use chrono::{DateTime, NaiveDate, Utc};

use super::describe;
use crate::app::{Action, Loaded};
use crate::console::StoreEnv;
use crate::domain::roles::Perm;
use crate::store::Store;
use crate::store::kpi::KpiEnv;

pub fn load(store: &Store, day: NaiveDate, env: &StoreEnv) -> crate::store::Result<Loaded> {
    let mut board =
        crate::store::kpi::board(store.conn(), day, crate::app::kpi::LOAD_DAYS, &env.rules)?;
    board.launch = crate::store::launch::board(store.conn(), day, env.tz, &env.rules.launch, None)?;
    Ok(Loaded::Kpi(Box::new(board)))
}

/// A launch phase that became late makes its Today task (once); one that passed sets
/// its task aside. Writes only when there is something to write.
pub fn judge_launch(
    store: &mut Store,
    now: DateTime<Utc>,
    env: &StoreEnv,
) -> crate::store::Result<()> {
    if crate::store::launch::needs_judging(store.conn(), now, env.tz, &env.rules.launch)? {
        store
            .upkeep(|tx, op| crate::store::launch::judge(tx, op, now, env.tz, &env.rules.launch))?;
    }
    Ok(())
}

/// Judge the alerts when something marked KPIs for recomputing since the last
/// judgement (one indexed read when nothing is marked).
pub fn refresh_if_marked(
    store: &mut Store,
    now: DateTime<Utc>,
    env: &StoreEnv,
) -> crate::store::Result<()> {
    if crate::store::kpi::needs_refresh(store.conn(), &env.rules)? {
        let kpi_env = KpiEnv {
            now,
            tz: env.tz,
            rules: &env.rules,
            keywords: &env.keywords,
        };
        // upkeep: not under --readonly
        store.upkeep(|tx, op| crate::store::kpi::refresh(tx, op, &kpi_env))?;
    }
    Ok(())
}

/// The value, its recompute and the alert judgement commit together.
pub fn entry(
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    (group_id, day): (i64, NaiveDate),
    metric: crate::domain::kpi::Metric,
    value: f64,
    saved: String,
) -> Action {
    let kpi_env = KpiEnv {
        now,
        tz: env.tz,
        rules: &env.rules,
        keywords: &env.keywords,
    };
    let result = store
        .write(Perm::KpiEnter, |tx, op| {
            crate::store::kpi::enter(tx, op, now.timestamp(), group_id, day, metric, value)?;
            crate::store::kpi::refresh(tx, op, &kpi_env)?;
            Ok(())
        })
        .map(|()| saved)
        .map_err(|e| describe(&e, store, env));
    Action::Saved(result)
}
