//! The command line (PRODUCT.md "Command line"): clap derive types. Only commands that
//! really work are listed; later issues add theirs here.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::i18n::Lang;

#[derive(Debug, Parser)]
#[command(
    name = "shequn",
    version,
    about = "社群 shequn: the operations console for WeChat communities",
    long_about = "社群 shequn: one console (and CLI) for the daily SOP, members, content, KPIs and reminders of the WeChat groups you run, over one SQLite file the team shares.\n\nWithout a command it opens the console."
)]
pub struct Cli {
    /// The database file (default: $XDG_DATA_HOME/shequn/shequn.db)
    #[arg(long, global = true, env = "SHEQUN_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// UI language (default: zh when LANG starts with zh, else en)
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,

    /// Output format of commands that print data
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Open the console on a fresh demo database (written to a temporary path)
    #[arg(long)]
    pub demo: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty team database; you become its owner
    Init {
        /// Unix group of the team: the directory becomes setgid to it, files 0660
        #[arg(long, value_name = "UNIXGROUP")]
        team: Option<String>,
    },
    /// Write the demo database (deterministic for a given day: SHEQUN_NOW) and exit
    Demo,
}
