//! `shequn demo` and `shequn --demo`: write the deterministic demo database. It is
//! built in a side file and renamed into place, so an interrupted run never leaves a
//! half-written database behind.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::{Ctx, UserError};
use crate::cli::Format;
use crate::clock::local_day;
use crate::demo::{DAYS, DemoCounts};
use crate::i18n::fill;

/// Building the demo is the generator's (`crate::demo`); re-exported here because the
/// integration tests build their demo databases through the command's path.
pub use crate::demo::build;

pub fn temp_path(ctx: &Ctx) -> PathBuf {
    let day = local_day(ctx.now(), ctx.tz);
    std::env::temp_dir().join(format!(
        "shequn-demo-{}-{}.db",
        day.format("%Y%m%d"),
        std::process::id()
    ))
}

pub fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    if ctx.readonly {
        return Err(crate::store::StoreError::ReadOnly.into());
    }
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
        Format::Csv => super::output::write_csv(
            ctx,
            vec![
                [
                    "db",
                    "groups",
                    "members",
                    "memberships",
                    "activity_rows",
                    "messages",
                    "content",
                    "reminders",
                ]
                .map(String::from)
                .to_vec(),
                vec![
                    ctx.db.display().to_string(),
                    counts.groups.to_string(),
                    counts.members.to_string(),
                    counts.memberships.to_string(),
                    counts.activity_rows.to_string(),
                    counts.messages.to_string(),
                    counts.content.to_string(),
                    counts.reminders.to_string(),
                ],
            ],
        )?,
        Format::Table => println!(
            "{}",
            crate::i18n::fill(
                &ctx.lang.texts().cli.demo_wrote,
                &[
                    ("db", &ctx.db.display()),
                    ("groups", &counts.groups),
                    ("members", &counts.members),
                    ("days", &DAYS),
                    ("content", &counts.content),
                    ("reminders", &counts.reminders),
                ]
            )
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Write the demo database at `ctx.db`, which must not exist yet.
pub fn write(ctx: &Ctx) -> anyhow::Result<DemoCounts> {
    let e = &ctx.lang.texts().errors;
    if ctx.db.exists() {
        return Err(UserError(fill(&e.demo_exists, &[("db", &ctx.db.display())])).into());
    }
    super::check_no_leftovers(ctx.lang.texts(), &ctx.db)?;
    if let Some(dir) = ctx.db.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| fill(&e.create, &[("path", &dir.display())]))?;
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
        .with_context(|| fill(&e.move_demo, &[("path", &ctx.db.display())]))?;
    Ok(counts)
}

fn side_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    db.with_file_name(name)
}
