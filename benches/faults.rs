//! Faults benchmark (issue 13): the scenarios of `tests/it/faults.rs` — a read-only
//! database file, read-only `-wal`/`-shm` left behind, a read-only directory, a full
//! disk (a small tmpfs, as root), a team directory of a group the user is not in —
//! `SHEQUN_BENCH_ROUNDS` times each (default 5) on a fresh demo database, through the
//! release binary. Prints each check's passes, each scenario's time, and skips with
//! their reason; exits non-zero if any check failed.
//!
//! Run: `cargo bench --bench faults` (as root for the full disk and the group; as
//! anyone else those two are skipped and said so).

#[path = "common/faults.rs"]
mod harness;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use harness::Runner;

fn main() {
    let bin = Path::new(env!("CARGO_BIN_EXE_shequn"));
    let rounds: u32 = std::env::var("SHEQUN_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = dir.path().join("demo.db");
    let out = std::process::Command::new(bin)
        .args(["demo", "--db"])
        .arg(&demo)
        .env("SHEQUN_NOW", harness::NOW)
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .output()
        .expect("shequn demo runs");
    assert!(
        out.status.success(),
        "shequn demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runner = Runner::new(bin);
    println!(
        "faults: {rounds} rounds, the binary as {}{}",
        runner.login,
        if runner.is_root {
            " (the harness is root)"
        } else {
            ""
        }
    );
    let mut failed = 0;
    for (name, scenario) in harness::scenarios() {
        let mut passes: BTreeMap<String, (u32, u32, String)> = BTreeMap::new();
        let mut skipped = None;
        let mut times = Vec::new();
        for _ in 0..rounds {
            let t = Instant::now();
            match scenario(&runner, &demo) {
                Err(why) => {
                    skipped = Some(why);
                    break;
                }
                Ok(checks) => {
                    times.push(t.elapsed().as_secs_f64());
                    for c in checks {
                        let e = passes.entry(c.name).or_insert((0, 0, String::new()));
                        e.1 += 1;
                        if c.ok {
                            e.0 += 1;
                        } else {
                            e.2 = c.detail;
                        }
                    }
                }
            }
        }
        if let Some(why) = skipped {
            println!("{name}: SKIPPED ({why})");
            continue;
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name}: {} rounds, median {:.2} s a round",
            times.len(),
            times.get(times.len() / 2).copied().unwrap_or(0.0)
        );
        for (check, (ok, of, detail)) in passes {
            let verdict = if ok == of { "PASS" } else { "FAIL" };
            println!("  {check}: {ok}/{of} {verdict}");
            if ok != of {
                failed += 1;
                println!("    last failure: {detail}");
            }
        }
    }
    println!(
        "faults: {failed} checks failed {}",
        if failed == 0 { "PASS" } else { "FAIL" }
    );
    if failed > 0 {
        std::process::exit(1);
    }
}
