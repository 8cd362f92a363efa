//! `shequn report daily [--date D]`: placeholder, filled in below.

use std::process::ExitCode;

use super::Ctx;
use crate::cli::ReportCmd;

pub fn run(_ctx: &Ctx, _cmd: &ReportCmd) -> anyhow::Result<ExitCode> {
    Ok(ExitCode::SUCCESS)
}
