//! The crash and slow-input harness, long run (issue 13, point 3): `kill -9` at 20
//! fixed-seed random points of a 1,000,000-row chat import, each kill point and what a
//! reader then sees printed (integrity, foreign keys, the messages all there or none),
//! then the re-run to completion and an idempotent re-import; the longest a concurrent
//! writer waited for the write lock during a normal import; and the stalled pipe.
//! `cargo bench --bench crash` (a release build); `CRASH_ROWS`, `CRASH_K`, `CRASH_SEED`
//! change the run, `SHEQUN_HARNESS_BIN` runs it on another build. Exits non-zero on a
//! failure. The CI part is `tests/it/crash.rs`.

#[path = "common/crash.rs"]
mod harness;

use std::time::Duration;

use harness::Runner;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let bin = std::env::var_os("SHEQUN_HARNESS_BIN").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_BIN_EXE_shequn")),
        std::path::PathBuf::from,
    );
    let rows = env_or("CRASH_ROWS", 1_000_000);
    let k = env_or("CRASH_K", 20) as usize;
    let seed = env_or("CRASH_SEED", 13);
    let dir = tempfile::tempdir()?;
    let runner = Runner::new(&bin, dir.path());
    println!("crash: kill -9 at {k} random points (seed {seed}) of a {rows}-row chat import");
    let report = harness::crash_run(&runner, rows, k, seed, &mut |l| println!("{l}"))
        .map_err(|e| anyhow::anyhow!(e))?;
    println!(
        "crash: {} kills landed in the import ({} found it finished); messages all there {} times, none {} times, partial {} times; failures {}",
        report.killed,
        k - report.killed,
        report.all,
        report.none,
        k - report.all - report.none,
        report.failures.len()
    );
    for f in &report.failures {
        println!("FAIL {f}");
    }
    let (longest, tries, took) =
        harness::writer_waits(&runner, rows).map_err(|e| anyhow::anyhow!(e))?;
    println!(
        "writer: during a normal {rows}-row import ({:.2}s) a writer took the lock {tries} times; longest wait {} ms",
        took.as_secs_f64(),
        longest.as_millis()
    );
    let stall = harness::stalled_pipe(&runner, 20_000, Duration::from_secs(10))
        .map_err(|e| anyhow::anyhow!(e))?;
    println!(
        "stalled pipe: 20000 rows trickled over 10 s; {} writes meanwhile, longest {} ms, {} failed; import {:?} in {:.1}s",
        stall.writes,
        stall.longest.as_millis(),
        stall.failed.len(),
        stall.import_result,
        stall.import_time.as_secs_f64()
    );
    for f in &stall.failed {
        println!("FAIL {f}");
    }
    let mut failed = !report.failures.is_empty() || !stall.failed.is_empty();
    failed |= stall.import_result != Ok((20_000, 0));
    failed |= longest > Duration::from_secs(1);
    if failed {
        println!("crash: FAIL");
        std::process::exit(1);
    }
    println!("crash: PASS");
    Ok(())
}
