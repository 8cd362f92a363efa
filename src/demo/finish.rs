//! The demo's finishing steps, after [`populate`] wrote the world: the shipped SOP
//! templates applied to every group and materialised over the 90 days, the SOP history a
//! team leaves behind, tiers by the rules engine, KPI values and alerts, and the
//! reminders a console would plan — so a fresh demo looks like a database in use.

use std::path::Path;

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Transaction, params};

use crate::clock::{local_day, local_to_utc};
use crate::domain::sop::parse_hhmm;
use crate::store::{Store, members, sop};

use super::{DAYS, DemoCounts, populate};

/// Build the demo in a new file at `path` as `operator` (who becomes its owner), for
/// the day of `now` in `tz`. Tests call this with a fixed operator so what they see
/// does not depend on who runs them.
pub fn build(
    path: &Path,
    operator: &str,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> anyhow::Result<DemoCounts> {
    let end = local_day(now, tz);
    let mut store = Store::create(path, operator)?;
    // a new file: its creator is its owner (and records the team's roles)
    let counts = store.write(crate::domain::roles::Perm::OperatorGrant, |tx, op| {
        let counts = populate(tx, end, tz, op)?;
        sop::install_shipped(tx, op, now.timestamp())?;
        let groups: Vec<(i64, String)> = tx
            .prepare("SELECT id, kind FROM groups ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let start = end.checked_sub_days(Days::new(DAYS as u64 - 1)).unwrap_or(end);
        // the groups have run their SOP since the history starts (an item before its
        // template was applied is not made)
        let applied = crate::clock::day_start(start, tz);
        for (gid, kind) in groups {
            if let Some(tid) = sop::template_for_kind(tx, &kind)? {
                sop::apply(tx, op, applied, tid, gid)?;
            }
        }
        for day in start.iter_days().take_while(|d| *d <= end) {
            sop::materialize_day(tx, day, tz)?;
        }
        sop_history(tx, end, tz, now.timestamp())?;
        // tiers by the rules engine, so the demo shows what an import would compute
        tx.execute("UPDATE memberships SET tier = NULL, tier_reason = NULL", [])?;
        let groups = members::all_groups(tx)?;
        let rules = crate::domain::rules::Rules::shipped();
        members::recompute_tiers(tx, &groups, now, tz, &rules.tiers)?;
        // KPI values and alerts as every command would find them at its start (the
        // demo wrote activity for every day: all of them are to be counted)
        tx.execute(
            "INSERT OR IGNORE INTO kpi_dirty (group_id, scope) SELECT DISTINCT group_id, day FROM activity_daily",
            [],
        )?;
        let keywords = crate::domain::keywords::Keywords::shipped();
        let env = crate::store::kpi::KpiEnv {
            now,
            tz,
            rules: &rules,
            keywords: &keywords,
        };
        crate::store::kpi::refresh(tx, op, &env)?;
        // the Today tasks of the incidents still open, as their import would have made
        let risk_env = crate::store::risk::open::Env {
            now,
            tz,
            rules: &rules.risk,
        };
        crate::store::risk::open::follow_up_pending(tx, op, &risk_env)?;
        // two young groups in launch (issue 16), one of them late
        super::launch::launch_plans(tx, op, now, end, tz, &rules.launch)?;
        // the reminders a console would plan from all this (what is due fires when a
        // console opens on the demo)
        let planned = crate::store::reminders::plan(tx, op, now, tz, &rules, true)?;
        Ok(DemoCounts {
            reminders: counts.reminders + planned.planned.len(),
            ..counts
        })
    })?;
    drop(store);
    Ok(counts)
}

/// Give past SOP instances the states a real team leaves behind: mostly done, a few
/// missed or skipped; today's done up to now, with one item claimed.
fn sop_history(
    tx: &Transaction<'_>,
    today: NaiveDate,
    tz: chrono_tz::Tz,
    now: i64,
) -> crate::store::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5e9_0005);
    let ops: Vec<String> = tx
        .prepare("SELECT login FROM operators WHERE role IN ('owner', 'operator', 'assistant') ORDER BY login")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let rows: Vec<(i64, String, String)> = tx
        .prepare("SELECT id, day, slot FROM sop_instances ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut upd = tx.prepare_cached(
        "UPDATE sop_instances SET state = ?2, done_by = ?3, done_at = ?4, note = ?5, claimed_by = ?6,
             claimed_at = ?7 WHERE id = ?1",
    )?;
    let mut claimed = false;
    for (id, day, slot) in rows {
        let (Ok(d), Some(t)) = (
            NaiveDate::parse_from_str(&day, "%Y-%m-%d"),
            parse_hhmm(&slot),
        ) else {
            continue;
        };
        let Some(slot_at) = local_to_utc(d.and_time(t), tz).map(|x| x.timestamp()) else {
            continue;
        };
        let who = ops.get(rng.random_range(0..ops.len().max(1))).cloned();
        // most items are done around their slot; a fifth drift past the expiry
        let late = if rng.random_bool(0.8) {
            rng.random_range(-600..2400)
        } else {
            rng.random_range(2400..10_800)
        };
        let roll: f64 = rng.random();
        if d < today {
            match roll {
                r if r < 0.85 => upd.execute(params![
                    id,
                    "done",
                    who,
                    slot_at + late,
                    None::<String>,
                    None::<String>,
                    None::<i64>
                ])?,
                r if r < 0.94 => upd.execute(params![
                    id,
                    "missed",
                    None::<String>,
                    None::<i64>,
                    None::<String>,
                    None::<String>,
                    None::<i64>
                ])?,
                _ => upd.execute(params![
                    id,
                    "skipped",
                    who,
                    slot_at + 60,
                    Some("群里在做活动,顺延"),
                    None::<String>,
                    None::<i64>
                ])?,
            };
        } else if slot_at + late.max(0) < now && roll < 0.75 {
            upd.execute(params![
                id,
                "done",
                who,
                slot_at + late.max(0),
                None::<String>,
                None::<String>,
                None::<i64>
            ])?;
        } else if !claimed && slot_at > now {
            claimed = true;
            upd.execute(params![
                id,
                "todo",
                None::<String>,
                None::<i64>,
                None::<String>,
                who,
                Some(now - 300)
            ])?;
        }
    }
    Ok(())
}
