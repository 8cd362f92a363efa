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
        GroupCmd::Edit {
            name,
            new_name,
            kind,
            platform,
            created,
        } => {
            if new_name.is_none() && kind.is_none() && platform.is_none() && created.is_none() {
                return Err(UserError(
                    "nothing to change: give --name, --kind, --platform or --created".into(),
                )
                .into());
            }
            let platform = platform.map(|p| match p {
                Platform::Wecom => "wecom",
                Platform::Personal => "personal",
            });
            let at = ctx.now().timestamp();
            let new_name = new_name.as_ref().map(|n| n.trim().to_string());
            if new_name.as_deref() == Some("") {
                return Err(UserError("a group's name cannot be empty".into()).into());
            }
            store.write(|tx, op| {
                let (id, old_name, old_kind, old_platform, old_created): (i64, String, String, String, String) = tx
                    .query_row(
                        "SELECT id, name, kind, platform, created_on FROM groups WHERE name = ?1",
                        [name],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )
                    .map_err(|_| {
                        crate::store::StoreError::Refused(format!(
                            "no group {name:?}; `shequn group list` lists them"
                        ))
                    })?;
                if let Some(n) = &new_name
                    && n != &old_name
                {
                    let taken: i64 =
                        tx.query_row("SELECT count(*) FROM groups WHERE name = ?1", [n], |r| r.get(0))?;
                    if taken > 0 {
                        return Err(crate::store::StoreError::Refused(format!(
                            "a group named {n:?} exists already"
                        )));
                    }
                }
                tx.execute(
                    "UPDATE groups SET name = COALESCE(?2, name), kind = COALESCE(?3, kind),
                         platform = COALESCE(?4, platform), created_on = COALESCE(?5, created_on),
                         version = version + 1 WHERE id = ?1",
                    params![id, new_name, kind, platform, created.map(|d| d.to_string())],
                )?;
                audit(
                    tx,
                    at,
                    op,
                    "edit",
                    "group",
                    Some(id),
                    Some(&serde_json::json!({ "name": old_name, "kind": old_kind, "platform": old_platform, "created_on": old_created })),
                    Some(&serde_json::json!({ "name": new_name, "kind": kind, "platform": platform, "created_on": created.map(|d| d.to_string()) })),
                )
            })?;
            println!("group {name}: updated");
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
