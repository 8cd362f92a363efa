//! The `shequn` binary: parse the command line, then run the console or one command.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = shequn::cli::Cli::parse();
    shequn::config::init_logging();
    shequn::commands::main(cli)
}
