//! `shequn operator add|remove|list`: who may use the team database, and in which role.
//! Only an owner hands out roles (`operator.grant`); the last owner cannot make themself
//! anything else or leave (the store refuses both).

use std::process::ExitCode;

use super::output::{Column, print};
use super::{Ctx, UserError};
use crate::cli::OperatorCmd;
use crate::domain::roles::Perm;
use crate::i18n::fill;
use crate::store::operators::{self, OperatorRow};

pub fn run(ctx: &Ctx, cmd: &OperatorCmd) -> anyhow::Result<ExitCode> {
    let mut store = ctx.open()?;
    match cmd {
        OperatorCmd::Add { login, role } => {
            let login = login_name(ctx, login)?;
            let now = ctx.now().timestamp();
            let role = role.role();
            store.write(Perm::OperatorGrant, |tx, op| {
                operators::grant(tx, op, now, &login, role)
            })?;
            let texts = ctx.lang.texts();
            println!(
                "{}",
                fill(
                    &texts.cli.operator_set,
                    &[("login", &login), ("role", &texts.role_name(role))]
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        OperatorCmd::Remove { login } => {
            let login = login_name(ctx, login)?;
            let now = ctx.now().timestamp();
            store.write(Perm::OperatorGrant, |tx, op| {
                operators::remove(tx, op, now, &login)
            })?;
            println!(
                "{}",
                fill(&ctx.lang.texts().cli.operator_removed, &[("login", &login)])
            );
            Ok(ExitCode::SUCCESS)
        }
        OperatorCmd::List => {
            let rows = operators::list(store.conn())?;
            let cols: &[Column<OperatorRow>] = &[
                Column {
                    header: "login",
                    value: |o, _| o.login.clone(),
                },
                Column {
                    header: "role",
                    value: |o, _| o.role.clone(),
                },
            ];
            print(ctx, ctx.format, &rows, cols)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn login_name(ctx: &Ctx, login: &str) -> Result<String, UserError> {
    let login = login.trim().to_string();
    if login.is_empty() || login.contains(char::is_whitespace) {
        return Err(UserError(fill(
            &ctx.lang.texts().cli.not_login,
            &[("login", &format!("{login:?}"))],
        )));
    }
    Ok(login)
}
