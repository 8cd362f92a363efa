//! `shequn group add|list`: the groups the team runs. Imports create groups too; this
//! is for setting one up by hand (and for a fresh team database).

use std::process::ExitCode;

use super::output::{Column, print};
use super::{Ctx, UserError};
use crate::cli::{GroupCmd, Platform};
use crate::clock::local_day;
use crate::domain::roles::Perm;
use crate::i18n::fill;
use crate::store::groups::{self, GroupEdit, GroupRow, NewGroup};
use crate::store::sop;

pub fn run(ctx: &Ctx, cmd: &GroupCmd) -> anyhow::Result<ExitCode> {
    let mut store = ctx.open()?;
    match cmd {
        GroupCmd::Add {
            name,
            kind,
            platform,
            created,
            sop: with_sop,
        } => {
            let name = name.trim().to_string();
            if name.is_empty() || kind.trim().is_empty() {
                let e = &ctx.lang.texts().errors;
                return Err(UserError(e.group_needs.clone()).into());
            }
            let now = ctx.now();
            let created = created.unwrap_or_else(|| local_day(now, ctx.tz));
            let platform = match platform {
                Platform::Wecom => "wecom",
                Platform::Personal => "personal",
            };
            let kind = kind.trim().to_string();
            // (--sop also puts a template on it: `sop.apply`, the same role)
            let id = store.write(Perm::GroupEdit, |tx, op| {
                let g = NewGroup {
                    name: &name,
                    kind: &kind,
                    platform,
                    created_on: created,
                };
                let id = groups::add(tx, op, now.timestamp(), &g)?;
                if *with_sop && let Some(t) = sop::template_for_kind(tx, &kind)? {
                    sop::apply(tx, op, now.timestamp(), t, id)?;
                }
                Ok(id)
            })?;
            let t = &ctx.lang.texts().cli;
            println!("{}", fill(&t.group_added, &[("id", &id), ("name", &name)]));
            Ok(ExitCode::SUCCESS)
        }
        GroupCmd::Edit {
            name,
            new_name,
            kind,
            platform,
            created,
        } => {
            if new_name.is_none() && kind.is_none() && platform.is_none() && created.is_none() {
                let e = &ctx.lang.texts().errors;
                return Err(UserError(e.nothing_to_change.clone()).into());
            }
            let platform = platform.map(|p| match p {
                Platform::Wecom => "wecom",
                Platform::Personal => "personal",
            });
            let at = ctx.now().timestamp();
            let new_name = new_name.as_ref().map(|n| n.trim().to_string());
            if new_name.as_deref() == Some("") {
                return Err(UserError(ctx.lang.texts().errors.empty_name.clone()).into());
            }
            let edit = GroupEdit {
                name: new_name.as_deref(),
                kind: kind.as_deref(),
                platform,
                created_on: *created,
            };
            store.write(Perm::GroupEdit, |tx, op| {
                groups::edit(tx, op, at, name, &edit)
            })?;
            let t = &ctx.lang.texts().cli;
            println!("{}", fill(&t.group_updated, &[("name", name)]));
            Ok(ExitCode::SUCCESS)
        }
        GroupCmd::Launch {
            name,
            kind,
            platform,
            positioning,
            start,
            region,
        } => super::launch::launch(
            ctx,
            &mut store,
            name,
            kind,
            *platform,
            positioning.as_deref(),
            *start,
            region.as_deref(),
        ),
        GroupCmd::LaunchPlan {
            name,
            phase,
            days,
            start,
            positioning,
            region,
        } => super::launch::plan(
            ctx,
            &mut store,
            name,
            phase.as_deref(),
            *days,
            *start,
            positioning.as_deref(),
            region.as_deref(),
        ),
        GroupCmd::Kit { name, cmd } => super::launch::kit(ctx, &mut store, name, cmd.as_ref()),
        GroupCmd::LaunchStatus { name } => super::launch::status(ctx, &store, name.as_deref()),
        GroupCmd::List => {
            let rows = groups::list(store.conn())?;
            let cols: &[Column<GroupRow>] = &[
                Column {
                    header: "id",
                    value: |g, _| g.id.to_string(),
                },
                Column {
                    header: "name",
                    value: |g, _| g.name.clone(),
                },
                Column {
                    header: "kind",
                    value: |g, _| g.kind.clone(),
                },
                Column {
                    header: "platform",
                    value: |g, t| t.enum_text(&g.platform).to_string(),
                },
                Column {
                    header: "created",
                    value: |g, _| g.created_on.clone(),
                },
                Column {
                    header: "sop",
                    value: |g, _| g.templates.clone(),
                },
            ];
            print(ctx, ctx.format, &rows, cols)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
