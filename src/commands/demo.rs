//! `shequn demo` and `shequn --demo`: write the deterministic demo database. It is
//! built in a side file and renamed into place, so an interrupted run never leaves a
//! half-written database behind.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Transaction, params};

use super::{Ctx, UserError};
use crate::cli::Format;
use crate::clock::{local_day, local_to_utc};
use crate::demo::{DemoCounts, populate};
use crate::domain::sop::parse_hhmm;
use crate::store::{Store, members, sop};

/// Days of history in the demo.
pub const DAYS: u64 = 90;

pub fn temp_path(ctx: &Ctx) -> PathBuf {
    let day = local_day(ctx.now(), ctx.tz);
    std::env::temp_dir().join(format!(
        "shequn-demo-{}-{}.db",
        day.format("%Y%m%d"),
        std::process::id()
    ))
}

pub fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let counts = write(ctx)?;
    match ctx.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "db": ctx.db,
                "groups": counts.groups,
                "members": counts.members,
                "memberships": counts.memberships,
                "activity_rows": counts.activity_rows,
                "messages": counts.messages,
                "content": counts.content,
                "reminders": counts.reminders,
            })
        ),
        Format::Csv => {
            println!("db,groups,members,memberships,activity_rows,messages,content,reminders");
            println!(
                "{},{},{},{},{},{},{},{}",
                ctx.db.display(),
                counts.groups,
                counts.members,
                counts.memberships,
                counts.activity_rows,
                counts.messages,
                counts.content,
                counts.reminders
            );
        }
        Format::Table => println!(
            "wrote {}: {} groups, {} members, {} days of activity, {} content items, {} reminders",
            ctx.db.display(),
            counts.groups,
            counts.members,
            DAYS,
            counts.content,
            counts.reminders
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Write the demo database at `ctx.db`, which must not exist yet.
pub fn write(ctx: &Ctx) -> anyhow::Result<DemoCounts> {
    if ctx.db.exists() {
        return Err(UserError(format!(
            "{} already exists; the demo only writes new files (remove it or pick another --db)",
            ctx.db.display()
        ))
        .into());
    }
    super::check_no_leftovers(&ctx.db)?;
    if let Some(dir) = ctx.db.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let side = side_path(&ctx.db);
    let _ = std::fs::remove_file(&side);
    let result = build(&side, &ctx.operator, ctx.now(), ctx.tz);
    if result.is_err() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", side.display()));
        }
    }
    let counts = result?;
    std::fs::rename(&side, &ctx.db)
        .with_context(|| format!("moving the demo into place at {}", ctx.db.display()))?;
    Ok(counts)
}

fn side_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    db.with_file_name(name)
}

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
    let counts = store.write(|tx, op| {
        let counts = populate(tx, end, tz, op)?;
        sop::install_shipped(tx, op, now.timestamp())?;
        let groups: Vec<(i64, String)> = tx
            .prepare("SELECT id, kind FROM groups ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (gid, kind) in groups {
            if let Some(tid) = sop::template_for_kind(tx, &kind)? {
                sop::apply(tx, op, now.timestamp(), tid, gid)?;
            }
        }
        let start = end.checked_sub_days(Days::new(DAYS - 1)).unwrap_or(end);
        for day in start.iter_days().take_while(|d| *d <= end) {
            sop::materialize_day(tx, day)?;
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
