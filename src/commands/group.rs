//! `shequn group add|list`: the groups the team runs. Imports create groups too; this
//! is for setting one up by hand (and for a fresh team database).

use std::process::ExitCode;

use rusqlite::params;
use serde::Serialize;

use super::output::{Column, print};
use super::{Ctx, UserError};
use crate::cli::{GroupCmd, Platform};
use crate::clock::local_day;
use crate::store::{Store, audit, sop};

pub fn run(ctx: &Ctx, cmd: &GroupCmd) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(&ctx.db, &ctx.operator)?;
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
                return Err(UserError("a group needs a name and a --kind".into()).into());
            }
            let now = ctx.now();
            let created = created.unwrap_or_else(|| local_day(now, ctx.tz));
            let platform = match platform {
                Platform::Wecom => "wecom",
                Platform::Personal => "personal",
            };
            let kind = kind.trim().to_string();
            let id = store.write(|tx, op| {
                let exists: i64 =
                    tx.query_row("SELECT count(*) FROM groups WHERE name = ?1", [&name], |r| r.get(0))?;
                if exists > 0 {
                    return Err(crate::store::StoreError::Refused(format!("a group named {name:?} exists already")));
                }
                tx.execute(
                    "INSERT INTO groups (name, kind, platform, created_on, owner) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![name, kind, platform, created.to_string(), op],
                )?;
                let id = tx.last_insert_rowid();
                audit(
                    tx,
                    now.timestamp(),
                    op,
                    "add",
                    "group",
                    Some(id),
                    None,
                    Some(&serde_json::json!({ "name": name, "kind": kind, "platform": platform, "created_on": created.to_string() })),
                )?;
                if *with_sop && let Some(t) = sop::template_for_kind(tx, &kind)? {
                    sop::apply(tx, op, now.timestamp(), t, id)?;
                }
                Ok(id)
            })?;
            println!("group {id}: {name}");
            Ok(ExitCode::SUCCESS)
        }
        GroupCmd::List => {
            #[derive(Serialize)]
            struct G {
                id: i64,
                name: String,
                kind: String,
                platform: String,
                created_on: String,
                templates: String,
            }
            let mut st = store.conn().prepare(
                "SELECT g.id, g.name, g.kind, g.platform, g.created_on,
                        COALESCE((SELECT group_concat(t.code, ' ') FROM group_sop gs
                          JOIN sop_templates t ON t.id = gs.template_id WHERE gs.group_id = g.id), '')
                 FROM groups g WHERE g.archived = 0 ORDER BY g.id",
            )?;
            let rows: Vec<G> = st
                .query_map([], |r| {
                    Ok(G {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        kind: r.get(2)?,
                        platform: r.get(3)?,
                        created_on: r.get(4)?,
                        templates: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let cols: &[Column<G>] = &[
                Column {
                    header: "id",
                    value: |g| g.id.to_string(),
                },
                Column {
                    header: "name",
                    value: |g| g.name.clone(),
                },
                Column {
                    header: "kind",
                    value: |g| g.kind.clone(),
                },
                Column {
                    header: "platform",
                    value: |g| g.platform.clone(),
                },
                Column {
                    header: "created",
                    value: |g| g.created_on.clone(),
                },
                Column {
                    header: "sop",
                    value: |g| g.templates.clone(),
                },
            ];
            print(ctx.format, &rows, cols)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
