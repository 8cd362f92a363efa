//! Terminal benchmark (issue 13 point 4): the long run of the terminal harness
//! (`benches/common/terminal.rs`; `tests/it/terminal.rs` runs it small in CI). Real
//! consoles in a pseudo-terminal and in tmux: SIGHUP ×200 (hang-ups, every other one
//! raced by a `kill -HUP`), SIGHUP on an already dead output, SIGTERM, SIGINT, SIGQUIT,
//! SIGHUP with the terminal open, hang-ups with SIGHUP ignored (pty and `tmux
//! kill-server`), SIGTSTP, Ctrl-Z and SIGSTOP then `fg` from an interactive bash, and 10,000
//! random keys on every tab with 200 resizes. Prints one line per scenario, `PASS` or
//! `FAIL`, and exits non-zero if any failed.
//!
//! Run: `cargo bench --bench terminal` (a few minutes). `SHEQUN_BENCH_HUPS`,
//! `SHEQUN_BENCH_KEYS` and `SHEQUN_BENCH_RESIZES` change the counts, `SHEQUN_BENCH_SEED`
//! the keys' seed (default 13). The databases (`shequn init`, `shequn demo`) are made
//! in a temporary directory by the binary under test.

#[path = "common/pty.rs"]
mod pty;
#[path = "common/terminal.rs"]
mod terminal;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use terminal::{Outcome, Setup, Suspend};

const BIN: &str = env!("CARGO_BIN_EXE_shequn");
const NOW: &str = "2026-03-02T08:25:00";

fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `shequn <what> --db <dir>/<name>`: a new database.
fn make_db(dir: &Path, what: &str, name: &str) -> Result<PathBuf, String> {
    let db = dir.join(name);
    let out = Command::new(BIN)
        .args([what, "--db"])
        .arg(&db)
        .env("SHEQUN_NOW", NOW)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .output()
        .map_err(|e| format!("{BIN}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "shequn {what}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(db)
}

fn main() -> ExitCode {
    let setup = Setup {
        bin: Path::new(BIN),
        now: NOW,
    };
    let hups = count("SHEQUN_BENCH_HUPS", 200);
    let keys = count("SHEQUN_BENCH_KEYS", 10_000);
    let resizes = count("SHEQUN_BENCH_RESIZES", 200);
    let seed = count("SHEQUN_BENCH_SEED", 13) as u64;
    let dir = match tempfile::Builder::new()
        .prefix("shequn-bench-terminal-")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => {
            println!("terminal: no temporary directory: {e} FAIL");
            return ExitCode::FAILURE;
        }
    };
    let dbs = make_db(dir.path(), "init", "team.db")
        .and_then(|team| Ok((team, make_db(dir.path(), "demo", "demo.db")?)));
    let (team, demo) = match dbs {
        Ok(d) => d,
        Err(e) => {
            println!("terminal: making the databases: {e} FAIL");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = 0;
    let mut report = |r: Outcome| match r {
        Ok(line) => println!("terminal: {line} PASS"),
        Err(e) => {
            println!("terminal: {e} FAIL");
            failed += 1;
        }
    };
    report(terminal::sighup(setup, &team, hups));
    report(terminal::sighup_dead_output(setup, &team));
    for (sig, name, code) in [
        (libc::SIGTERM, "SIGTERM", 143),
        (libc::SIGINT, "SIGINT", 130),
        (libc::SIGQUIT, "SIGQUIT", 131),
        (libc::SIGHUP, "SIGHUP, terminal still open", 129),
    ] {
        report(terminal::signal_exit(setup, &team, sig, name, code));
    }
    report(terminal::hangup_hup_ignored(setup, &team));
    report(
        terminal::tmux_kill_server(setup, &team)
            .map(|l| l.unwrap_or_else(|| "tmux kill-server skipped: tmux is not installed".into())),
    );
    report(terminal::suspend_continue(setup, &demo, Suspend::Signal));
    report(terminal::suspend_continue(setup, &demo, Suspend::Key));
    report(terminal::suspend_continue(setup, &demo, Suspend::Stop));
    report(terminal::random_keys(setup, &demo, seed, keys, resizes));
    if failed > 0 {
        println!("terminal: {failed} scenario(s) FAILED");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
