//! `shequn members list`: the member table from scripts, with the console's search.

use std::process::ExitCode;

use super::Ctx;
use super::output::{Column, print};
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
            let tier = tier
                .as_deref()
                .map(|t| super::choice(ctx, "tier", t, &Tier::ALL, |t| t.word()))
                .transpose()?;
            if let Some(g) = group
                && !crate::store::groups::list(store.conn())?
                    .iter()
                    .any(|r| r.name == *g)
            {
                return Err(super::unknown_group(ctx, g).into());
            }
            let today = local_day(ctx.now(), ctx.tz);
            let mut rows: Vec<MemberRow> = views::members(store.conn(), today, &ctx.rules.points)?
                .into_iter()
                .filter(|r| group.as_ref().is_none_or(|g| *g == r.group))
                .filter(|r| tier.is_none_or(|t| t.word() == r.tier))
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
        value: |r, _| r.id.to_string(),
    },
    Column {
        header: "name",
        value: |r, _| r.name.clone(),
    },
    Column {
        header: "group",
        value: |r, _| r.group.clone(),
    },
    Column {
        header: "tier",
        value: |r, t| t.enum_text(&r.tier).to_string(),
    },
    Column {
        header: "kol",
        value: |r, _| if r.kol { "★".into() } else { String::new() },
    },
    Column {
        header: "last_spoke",
        value: |r, _| r.last_spoke.clone().unwrap_or_default(),
    },
    Column {
        header: "30d",
        value: |r, _| r.messages_30d.to_string(),
    },
    Column {
        header: "total",
        value: |r, _| r.messages_total.to_string(),
    },
    Column {
        header: "points",
        value: |r, _| r.points.to_string(),
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

/// A member for scripts: the tier's reason as an object (its rule and figures, and the
/// words in the chosen language), the join time as RFC 3339 in the team's zone.
#[derive(serde::Serialize)]
struct MemberJson<'a> {
    id: i64,
    name: &'a str,
    group: &'a str,
    tier: &'a str,
    tier_reason: Option<serde_json::Value>,
    kol: bool,
    last_spoke: Option<&'a str>,
    messages_30d: i64,
    messages_total: i64,
    points: i64,
    tags: &'a [String],
    joined_at: Option<String>,
}

/// Members in `format`: JSON with typed fields (tags as a list), CSV flattened.
pub fn print_members(ctx: &Ctx, format: Format, rows: &[MemberRow]) -> anyhow::Result<()> {
    let texts = ctx.lang.texts();
    match format {
        Format::Table => return print(ctx, format, rows, COLUMNS),
        Format::Json => {
            let out: Vec<MemberJson<'_>> = rows
                .iter()
                .map(|r| MemberJson {
                    id: r.id,
                    name: &r.name,
                    group: &r.group,
                    tier: &r.tier,
                    tier_reason: r.tier_reason.as_deref().map(|stored| {
                        let mut v = serde_json::from_str::<serde_json::Value>(stored)
                            .ok()
                            .filter(serde_json::Value::is_object)
                            .unwrap_or_else(|| serde_json::json!({}));
                        if let Some(o) = v.as_object_mut() {
                            o.insert("text".into(), texts.tier_reason(stored).into());
                        }
                        v
                    }),
                    kol: r.kol,
                    last_spoke: r.last_spoke.as_deref(),
                    messages_30d: r.messages_30d,
                    messages_total: r.messages_total,
                    points: r.points,
                    tags: &r.tags,
                    joined_at: r.joined_at.and_then(|t| ctx.local_time(t)),
                })
                .collect();
            return print(ctx, format, &out, &[]);
        }
        Format::Csv => {}
    }
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
    super::output::csv_rows(ctx, &flat)
}
