//! `shequn sop …`: the day's checklist from scripts and cron. `today` sets up the day
//! (creates its items once, marks expired ones missed) and prints it; `done`, `undo`,
//! `skip` and `claim` change one item and print who did what; `apply` puts a template on
//! groups with per-group overrides; `templates` lists what can be applied.

use std::process::ExitCode;

use chrono::NaiveDate;
use serde::Serialize;

use super::output::{Column, print};
use super::{Ctx, UserError};
use crate::cli::{Format, SopCmd};
use crate::clock::local_day;
use crate::domain::roles::Perm;
use crate::domain::sop::SopChange;
use crate::store::Store;
use crate::store::sop::{self, Override, TemplateSummary};
use crate::store::views::{self, SopRow};

pub fn run(ctx: &Ctx, cmd: &SopCmd) -> anyhow::Result<ExitCode> {
    let mut store = ctx.open()?;
    match cmd {
        SopCmd::Today { date } => today(ctx, &mut store, *date),
        SopCmd::Done { id, note } => change(
            ctx,
            &mut store,
            *id,
            &SopChange::Done { note: note.clone() },
        ),
        SopCmd::Undo { id } => change(ctx, &mut store, *id, &SopChange::Undo),
        SopCmd::Skip { id, reason } => change(
            ctx,
            &mut store,
            *id,
            &SopChange::Skip {
                reason: reason.clone(),
            },
        ),
        SopCmd::Claim { id } => claim(ctx, &mut store, *id),
        SopCmd::Apply {
            template,
            groups,
            at,
            text,
        } => apply(ctx, &mut store, template, groups, at, text),
        SopCmd::Templates => templates(ctx, &store),
    }
}

/// A checklist row as scripts see it: times in the team's zone (RFC 3339 with offset).
#[derive(Debug, Serialize)]
pub struct SopOut {
    pub id: i64,
    pub day: String,
    pub slot: String,
    pub group: String,
    pub title: String,
    pub state: String,
    pub done_by: Option<String>,
    pub done_at: Option<String>,
    pub expires: Option<String>,
    pub assignee: Option<String>,
    pub claimed_by: Option<String>,
    pub note: Option<String>,
}

pub fn out_row(ctx: &Ctx, r: &SopRow) -> SopOut {
    SopOut {
        id: r.id,
        day: r.day.clone(),
        slot: r.slot.clone(),
        group: r.group.clone(),
        title: r.title.clone(),
        state: r.state.clone(),
        done_by: r.done_by.clone(),
        done_at: r.done_at.and_then(|t| ctx.local_time(t)),
        expires: r.expires.clone(),
        assignee: r.assignee.clone(),
        claimed_by: r.claimed_by.clone(),
        note: r.note.clone(),
    }
}

pub const COLUMNS: &[Column<SopOut>] = &[
    Column {
        header: "id",
        value: |r, _| r.id.to_string(),
    },
    Column {
        header: "slot",
        value: |r, _| r.slot.clone(),
    },
    Column {
        header: "group",
        value: |r, _| r.group.clone(),
    },
    Column {
        header: "title",
        value: |r, _| r.title.clone(),
    },
    Column {
        header: "state",
        value: |r, t| t.enum_text(&r.state).to_string(),
    },
    Column {
        header: "by",
        value: |r, t| match (&r.done_by, &r.claimed_by) {
            (Some(d), _) => d.clone(),
            (None, Some(c)) => crate::i18n::fill(&t.cli.on_it, &[("login", c)]),
            _ => String::new(),
        },
    },
    Column {
        header: "at",
        value: |r, _| {
            r.done_at
                .as_deref()
                .and_then(|t| t.get(11..16))
                .unwrap_or("")
                .to_string()
        },
    },
];

fn today(ctx: &Ctx, store: &mut Store, date: Option<NaiveDate>) -> anyhow::Result<ExitCode> {
    let now = ctx.now();
    let day = date.unwrap_or_else(|| local_day(now, ctx.tz));
    let tz = ctx.tz;
    store.upkeep(|tx, op| sop::set_up_day(tx, op, day, now, tz))?;
    let rows = views::today_open(store.conn(), day)?;
    let out: Vec<SopOut> = rows.iter().map(|r| out_row(ctx, r)).collect();
    print(ctx, ctx.format, &out, COLUMNS)?;
    if ctx.format == Format::Table {
        // upkeep was skipped: a read-only database shows the day as the file has it
        if store.readonly() && rows.is_empty() && !sop::day_is_set_up(store.conn(), day)? {
            println!(
                "note: {day} has no checklist yet — this database is read-only for you, and the \
                 day's items are made by the first shequn that opens it for writing"
            );
        }
        let limit = ctx.rules.quota.limit(day);
        for q in views::quotas(store.conn(), day, limit, ctx.tz)? {
            if q.over() {
                println!(
                    "warning: {} has used {}/{} mass sends this month; today's plan needs {} more",
                    q.group, q.used, q.limit, q.planned
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn change(ctx: &Ctx, store: &mut Store, id: i64, what: &SopChange) -> anyhow::Result<ExitCode> {
    let now = ctx.now();
    let tz = ctx.tz;
    let item = store.write(what.perm(), |tx, op| {
        sop::change(tx, op, now, tz, id, None, what)
    })?;
    let out = match (&item.done_by, item.done_at) {
        (Some(by), Some(at)) => format!(
            "{} · {} · {by} {}",
            item.label,
            ctx.lang.texts().enum_text(item.state.word()),
            ctx.local_time(at)
                .as_deref()
                .and_then(|t| t.get(11..16))
                .unwrap_or("")
        ),
        _ => format!(
            "{} · {}",
            item.label,
            ctx.lang.texts().enum_text(item.state.word())
        ),
    };
    match ctx.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({ "id": item.id, "state": item.state.word(), "done_by": item.done_by,
                "done_at": item.done_at.and_then(|t| ctx.local_time(t)) })
        ),
        _ => println!("{out}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn claim(ctx: &Ctx, store: &mut Store, id: i64) -> anyhow::Result<ExitCode> {
    let mine = sop::claimed_by(store.conn(), id)?;
    let what = match mine {
        Some(Some(c)) if c == ctx.operator => SopChange::Unclaim,
        _ => SopChange::Claim,
    };
    change(ctx, store, id, &what)
}

/// `ITEM=VALUE` pairs from the command line.
fn pairs<'a>(ctx: &Ctx, flag: &str, list: &'a [String]) -> anyhow::Result<Vec<(&'a str, &'a str)>> {
    list.iter()
        .map(|p| {
            p.split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| {
                    UserError(crate::i18n::fill(
                        &ctx.lang.texts().errors.bad_pair,
                        &[("flag", &flag), ("value", &format!("{p:?}"))],
                    ))
                    .into()
                })
        })
        .collect()
}

fn apply(
    ctx: &Ctx,
    store: &mut Store,
    template: &str,
    groups: &[String],
    at: &[String],
    text: &[String],
) -> anyhow::Result<ExitCode> {
    let at = pairs(ctx, "at", at)?;
    let text = pairs(ctx, "text", text)?;
    let now = ctx.now().timestamp();
    let today = local_day(ctx.now(), ctx.tz);
    let template = template.to_string();
    let groups = groups.to_vec();
    // (with --at / --text it also overrides items: `sop.override`, the same role)
    let applied = store.write(Perm::SopApply, |tx, op| {
        let applied = sop::apply_by_name(tx, op, now, &template, &groups)?;
        // then this command's own times and texts, per group
        for a in &applied {
            let (gid, tid) = (a.group_id, a.template_id);
            for (item, slot) in &at {
                let o = Override {
                    slot: Some((*slot).to_string()),
                    ..Override::default()
                };
                sop::set_override(tx, op, now, today, gid, tid, item, &o)?;
            }
            for (item, script) in &text {
                let o = Override {
                    script: Some((*script).to_string()),
                    ..Override::default()
                };
                sop::set_override(tx, op, now, today, gid, tid, item, &o)?;
            }
        }
        Ok(applied)
    })?;
    for sop::Applied { group: g, new, .. } in applied {
        println!(
            "{template} → {g}{}",
            if new {
                ""
            } else {
                " (already on it; overrides updated)"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn templates(ctx: &Ctx, store: &Store) -> anyhow::Result<ExitCode> {
    let rows = sop::templates(store.conn())?;
    let cols: &[Column<TemplateSummary>] = &[
        Column {
            header: "code",
            value: |r, _| r.code.clone(),
        },
        Column {
            header: "name",
            value: |r, _| r.name.clone(),
        },
        Column {
            header: "for",
            value: |r, _| r.group_kinds.join(" "),
        },
        Column {
            header: "items",
            value: |r, _| r.items.to_string(),
        },
        Column {
            header: "groups",
            value: |r, _| r.groups.to_string(),
        },
    ];
    if ctx.format == Format::Csv {
        // CSV has no lists: the group kinds joined by `;`, as every other CSV does
        #[derive(Serialize)]
        struct Flat<'a> {
            code: &'a str,
            name: &'a str,
            group_kinds: String,
            items: i64,
            groups: i64,
        }
        let flat: Vec<Flat<'_>> = rows
            .iter()
            .map(|r| Flat {
                code: &r.code,
                name: &r.name,
                group_kinds: r.group_kinds.join(";"),
                items: r.items,
                groups: r.groups,
            })
            .collect();
        super::output::csv_rows(ctx, &flat)?;
        return Ok(ExitCode::SUCCESS);
    }
    print(ctx, ctx.format, &rows, cols)?;
    Ok(ExitCode::SUCCESS)
}
