//! `shequn operator add|list`: who may use the team database, and in which role.

use std::process::ExitCode;

use rusqlite::params;
use serde::Serialize;

use super::output::{Column, print};
use super::{Ctx, UserError};
use crate::cli::OperatorCmd;
use crate::store::{Store, StoreError, audit};

pub fn run(ctx: &Ctx, cmd: &OperatorCmd) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(&ctx.db, &ctx.operator)?;
    match cmd {
        OperatorCmd::Add { login, role } => {
            let login = login.trim().to_string();
            if login.is_empty() || login.contains(char::is_whitespace) {
                return Err(UserError(format!("{login:?} is not a login name")).into());
            }
            let now = ctx.now().timestamp();
            let role = role.word();
            store.write(|tx, op| {
                let me: Option<String> = tx
                    .query_row("SELECT role FROM operators WHERE login = ?1", [op], |r| r.get(0))
                    .ok();
                // Only an owner hands out roles (a database without operators yet is open).
                let any: i64 = tx.query_row("SELECT count(*) FROM operators", [], |r| r.get(0))?;
                if any > 0 && me.as_deref() != Some("owner") {
                    return Err(StoreError::Refused(format!(
                        "only an owner can add operators; {op} is {}",
                        me.unwrap_or_else(|| "not an operator".into())
                    )));
                }
                let old: Option<String> = tx
                    .query_row("SELECT role FROM operators WHERE login = ?1", [&login], |r| r.get(0))
                    .ok();
                tx.execute(
                    "INSERT INTO operators (login, display_name, role, created_at) VALUES (?1, ?1, ?2, ?3)
                     ON CONFLICT (login) DO UPDATE SET role = excluded.role",
                    params![login, role, now],
                )?;
                audit(
                    tx,
                    now,
                    op,
                    "grant",
                    "operator",
                    None,
                    old.map(|o| serde_json::json!({ "login": login, "role": o })).as_ref(),
                    Some(&serde_json::json!({ "login": login, "role": role })),
                )
            })?;
            println!("{login}: {role}");
            Ok(ExitCode::SUCCESS)
        }
        OperatorCmd::List => {
            #[derive(Serialize)]
            struct O {
                login: String,
                role: String,
            }
            let mut st = store
                .conn()
                .prepare("SELECT login, role FROM operators ORDER BY login")?;
            let rows: Vec<O> = st
                .query_map([], |r| {
                    Ok(O {
                        login: r.get(0)?,
                        role: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let cols: &[Column<O>] = &[
                Column {
                    header: "login",
                    value: |o| o.login.clone(),
                },
                Column {
                    header: "role",
                    value: |o| o.role.clone(),
                },
            ];
            print(ctx.format, &rows, cols)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
