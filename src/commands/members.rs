//! `shequn members list`: the member table from scripts, with the console's search.

use std::process::ExitCode;

use super::output::{Column, print};
use super::{Ctx, UserError};
use crate::cli::{Format, MembersCmd};
use crate::clock::local_day;
use crate::domain::tiers::Tier;
use crate::search::SearchIndex;
use crate::store::views::{self, MemberRow};

pub fn run(ctx: &Ctx, cmd: &MembersCmd) -> anyhow::Result<ExitCode> {
    let store = ctx.open()?;
    match cmd {
        MembersCmd::List {
            group,
            tier,
            search,
        } => {
            if let Some(t) = tier
                && Tier::parse(t).is_none()
            {
                return Err(UserError(format!(
                    "--tier {t}: use core, active, new, potential, silent or left"
                ))
                .into());
            }
            let today = local_day(ctx.now(), ctx.tz);
            let mut rows: Vec<MemberRow> = views::members(store.conn(), today, &ctx.rules.points)?
                .into_iter()
                .filter(|r| group.as_ref().is_none_or(|g| *g == r.group))
                .filter(|r| tier.as_ref().is_none_or(|t| *t == r.tier))
                .collect();
            if let Some(q) = search {
                let index = SearchIndex::build(rows.iter().map(MemberRow::search_texts));
                let hits = index.search(q);
                let mut picked: Vec<Option<MemberRow>> = rows.into_iter().map(Some).collect();
                rows = hits
                    .into_iter()
                    .filter_map(|i| picked.get_mut(i as usize).and_then(Option::take))
                    .collect();
            }
            print_members(ctx, ctx.format, &rows)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The table of `members list` (JSON and CSV use the rows' own fields).
pub const COLUMNS: &[Column<MemberRow>] = &[
    Column {
        header: "id",
        value: |r| r.id.to_string(),
    },
    Column {
        header: "name",
        value: |r| r.name.clone(),
    },
    Column {
        header: "group",
        value: |r| r.group.clone(),
    },
    Column {
        header: "tier",
        value: |r| r.tier.clone(),
    },
    Column {
        header: "kol",
        value: |r| if r.kol { "★".into() } else { String::new() },
    },
    Column {
        header: "last_spoke",
        value: |r| r.last_spoke.clone().unwrap_or_default(),
    },
    Column {
        header: "30d",
        value: |r| r.messages_30d.to_string(),
    },
    Column {
        header: "total",
        value: |r| r.messages_total.to_string(),
    },
    Column {
        header: "points",
        value: |r| r.points.to_string(),
    },
];

/// A member as a spreadsheet row: flat (tags joined by `;`), the tier's reason in words
/// of the chosen language, the join time in the team's zone.
#[derive(serde::Serialize)]
struct MemberCsv<'a> {
    id: i64,
    name: &'a str,
    group: &'a str,
    tier: &'a str,
    tier_reason: String,
    kol: bool,
    last_spoke: Option<&'a str>,
    messages_30d: i64,
    messages_total: i64,
    points: i64,
    tags: String,
    joined_at: Option<String>,
}

/// Members in `format`: JSON keeps the rows' fields (tags as a list), CSV flattens them.
pub fn print_members(ctx: &Ctx, format: Format, rows: &[MemberRow]) -> anyhow::Result<()> {
    if format != Format::Csv {
        return print(format, rows, COLUMNS);
    }
    let texts = ctx.lang.texts();
    let flat: Vec<MemberCsv<'_>> = rows
        .iter()
        .map(|r| MemberCsv {
            id: r.id,
            name: &r.name,
            group: &r.group,
            tier: &r.tier,
            tier_reason: r
                .tier_reason
                .as_deref()
                .map(|t| texts.tier_reason(t))
                .unwrap_or_default(),
            kol: r.kol,
            last_spoke: r.last_spoke.as_deref(),
            messages_30d: r.messages_30d,
            messages_total: r.messages_total,
            points: r.points,
            tags: r.tags.join(";"),
            joined_at: r.joined_at.and_then(|t| {
                chrono::DateTime::from_timestamp(t, 0).map(|t| {
                    t.with_timezone(&ctx.tz)
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
            }),
        })
        .collect();
    print(Format::Csv, &flat, &[])
}
