//! `shequn export checklist|content|kpi|members`: CSV (or JSON) for spreadsheets, over a
//! range of days (content and members: everything as it is now).

use std::process::ExitCode;

use chrono::{Days, NaiveDate};

use super::Ctx;
use super::output::print;
use crate::cli::{ExportWhat, Format};
use crate::clock::local_day;
use crate::store::views;

pub fn run(
    ctx: &Ctx,
    what: ExportWhat,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> anyhow::Result<ExitCode> {
    let store = ctx.open()?;
    let to = to.unwrap_or_else(|| local_day(ctx.now(), ctx.tz));
    let from = from.unwrap_or_else(|| to.checked_sub_days(Days::new(29)).unwrap_or(to));
    if from > to {
        return Err(super::UserError(crate::i18n::fill(
            &ctx.lang.texts().errors.from_after_to,
            &[("from", &from), ("to", &to)],
        ))
        .into());
    }
    // A spreadsheet export defaults to CSV; --format json still works for scripts.
    let format = if ctx.format == Format::Table {
        Format::Csv
    } else {
        ctx.format
    };
    match what {
        ExportWhat::Checklist => {
            let mut rows = Vec::new();
            for day in from.iter_days().take_while(|d| *d <= to) {
                rows.extend(
                    views::today(store.conn(), day)?
                        .iter()
                        .map(|r| super::sop::out_row(ctx, r)),
                );
            }
            print(ctx, format, &rows, super::sop::COLUMNS)?;
        }
        ExportWhat::Kpi => super::kpi::show(ctx, &store, None, from, to, format)?,
        ExportWhat::Content => super::content::export(ctx, &store, format)?,
        ExportWhat::Members => {
            let today = local_day(ctx.now(), ctx.tz);
            let rows = views::members(store.conn(), today, &ctx.rules.points)?;
            super::members::print_members(ctx, format, &rows)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
