//! `shequn operator add|list`: who may use the team database, and in which role.

use std::process::ExitCode;

use super::output::{Column, print};
use super::{Ctx, UserError};
use crate::cli::OperatorCmd;
use crate::store::Store;
use crate::store::operators::{self, OperatorRow};

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
            store.write(|tx, op| operators::grant(tx, op, now, &login, role))?;
            println!("{login}: {role}");
            Ok(ExitCode::SUCCESS)
        }
        OperatorCmd::List => {
            let rows = operators::list(store.conn())?;
            let cols: &[Column<OperatorRow>] = &[
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
