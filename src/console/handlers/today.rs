//! The Today tab's requests: the day's checklist (with the content posts of the day,
//! quotas, on-time rates), an item's change, a group's own time or script, applying a
//! template, the month calendar.

use chrono::{DateTime, NaiveDate, Utc};

use super::describe;
use crate::app::{Action, Loaded, TodayData};
use crate::console::StoreEnv;
use crate::domain::roles::Perm;
use crate::domain::sop::SopChange;
use crate::store::{Store, sop, views};

pub fn load(
    store: &mut Store,
    day: NaiveDate,
    now: DateTime<Utc>,
    env: &StoreEnv,
) -> crate::store::Result<Loaded> {
    let today = crate::clock::local_day(now, env.tz);
    let tz = env.tz;
    // upkeep: skipped under --readonly (the list shows what the file has)
    store.upkeep(|tx, op| {
        // Past days keep the items they had; today and later are filled in.
        if day >= today {
            sop::materialize_day(tx, day, tz)?;
        }
        sop::sweep_missed(tx, op, now, tz)?;
        Ok(())
    })?;
    let conn = store.conn();
    let from = day.checked_sub_days(chrono::Days::new(29)).unwrap_or(day);
    Ok(Loaded::Today(Box::new(TodayData {
        day,
        rows: {
            // the day's SOP items (with the tasks of alerts still open) and the content
            // posts scheduled for it
            let mut rows = views::today_open(conn, day)?;
            rows.extend(views::content_today(conn, day, env.tz)?);
            rows.sort_by(|a, b| a.slot.cmp(&b.slot).then(a.group.cmp(&b.group)));
            rows
        },
        quotas: views::quotas(conn, day, env.rules.quota.limit(day), env.tz)?,
        on_time: views::on_time(conn, from, day, env.tz)?,
        operators: views::operators(conn)?,
        templates: views::templates(conn)?,
        groups: Some(views::group_count(conn)?),
    })))
}

pub fn change(
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    id: i64,
    version: i64,
    change: &SopChange,
) -> Action {
    let result = store
        .write(change.perm(), |tx, op| {
            sop::change(tx, op, now, env.tz, id, Some(version), change)
        })
        .map(|item| {
            format!(
                "{} · {}",
                item.label,
                env.texts.enum_text(item.state.word())
            )
        })
        .map_err(|e| describe(&e, store, env));
    Action::Saved(result)
}

pub fn override_item(
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    (group_id, item_id): (i64, i64),
    o: &sop::Override,
) -> Action {
    let today = crate::clock::local_day(now, env.tz);
    let result = store
        .write(Perm::SopOverride, |tx, op| {
            sop::set_override_item(tx, op, now.timestamp(), today, group_id, item_id, o)
        })
        .map(|()| env.saved_override.clone())
        .map_err(|e| describe(&e, store, env));
    Action::Saved(result)
}

pub fn apply(
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    template: &str,
    groups: &[String],
) -> Action {
    let n = groups.len();
    let result = store
        .write(Perm::SopApply, |tx, op| {
            sop::apply_by_name(tx, op, now.timestamp(), template, groups)
        })
        .map(|a| a.iter().filter(|a| a.new).count())
        .map(|new| format!("{template} → {new}/{n}"))
        .map_err(|e| describe(&e, store, env));
    Action::Saved(result)
}

pub fn calendar(store: &Store, env: &StoreEnv, day: NaiveDate) -> Action {
    match views::month_summary(store.conn(), day) {
        Ok(s) => Action::Loaded(Loaded::Calendar(day, s)),
        Err(e) => Action::Error(describe(&e, store, env)),
    }
}
