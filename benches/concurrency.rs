//! The concurrency harness at length (issue 13): 8 writer processes × 1,000 mixed CLI
//! writes on one demo database with two consoles open, every success checked against
//! its rows and audit rows (see `benches/common/concurrency.rs`, which
//! `tests/it/concurrency.rs` runs at 4 × 50 in CI). Prints its figures line by line and
//! exits 1 if anything failed.
//!
//! Run: `cargo bench --bench concurrency` (a few minutes on 2 cores).
//! `SHEQUN_BENCH_PROCS`, `SHEQUN_BENCH_OPS` and `SHEQUN_BENCH_SEED` change the run.

#[path = "common/pty.rs"]
mod pty;

#[path = "common/concurrency.rs"]
mod harness;

use std::path::Path;
use std::process::Command;

use anyhow::{Context, ensure};

const BIN: &str = env!("CARGO_BIN_EXE_shequn");
/// The fixed clock of the demo and every command: a Monday morning, the day's SOP items
/// open.
const NOW: &str = "2026-03-02T08:25:00";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    match run() {
        Ok(0) => println!("\nconcurrency: all checks pass"),
        Ok(n) => {
            println!("\nconcurrency: {n} failure(s)");
            std::process::exit(1);
        }
        Err(e) => {
            println!("concurrency benchmark stopped: {e:#}");
            std::process::exit(2);
        }
    }
}

fn run() -> anyhow::Result<usize> {
    let dir = tempfile::Builder::new()
        .prefix("shequn-bench-concurrency-")
        .tempdir()?;
    let db = dir.path().join("demo.db");
    let home = dir.path().join("home");
    let out = Command::new(BIN)
        .args(["demo", "--db"])
        .arg(&db)
        .env("SHEQUN_NOW", NOW)
        .env("HOME", &home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .context("running shequn demo")?;
    ensure!(
        out.status.success(),
        "shequn demo: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let started = std::time::Instant::now();
    let outcome = harness::run(&harness::Config {
        bin: Path::new(BIN),
        db: &db,
        procs: env_or("SHEQUN_BENCH_PROCS", 8) as usize,
        ops: env_or("SHEQUN_BENCH_OPS", 1_000) as usize,
        seed: env_or("SHEQUN_BENCH_SEED", 13),
        now: NOW,
    })?;
    println!("\nbenchmark time: {:.0} s", started.elapsed().as_secs_f64());
    if !outcome.failures.is_empty() {
        println!("\n== failures ==");
        for f in &outcome.failures {
            println!("{f}");
        }
    }
    Ok(outcome.failures.len())
}
