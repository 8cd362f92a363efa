//! Bad-input benchmark (issue 13): the harness of `tests/it/badinput.rs` at full size —
//! every import fixture with every fixed mutation, then `SHEQUN_BENCH_CASES` (default
//! 2,000) random edits drawn from the fixed seed — through the release binary. Prints
//! the counts (runs, exit 0, exit 1, panics, signals, hangs, byte-identical on refusal,
//! file:line on refusal) and exits non-zero if any run broke the rules (each one listed).
//! Also times the CSV reader alone on a generated 1,000,000-row export
//! (`SHEQUN_BENCH_PARSE_ROWS`, 0 to skip): the quote check that refuses a file cut inside
//! a quoted field reads every byte, and this is where its cost would show
//! (`SHEQUN_BENCH_PARSE_ONLY=1` runs only that).
//!
//! Run: `cargo bench --bench badinput`.

#[path = "common/badinput.rs"]
mod harness;

// the generated export of the import benchmark
#[path = "common/chat.rs"]
mod chat;

use std::path::Path;
use std::time::{Duration, Instant};

use harness::{Harness, Tally};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::var_os("SHEQUN_BENCH_PARSE_ONLY").is_some() {
        parse_time(env_u64("SHEQUN_BENCH_PARSE_ROWS", 1_000_000));
        return;
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    let h = Harness::new(
        Path::new(env!("CARGO_BIN_EXE_shequn")),
        Duration::from_secs(60),
    );
    let seeds = harness::seeds(&fixtures);
    let started = Instant::now();
    let mut fixed = Tally::default();
    for seed in &seeds {
        for m in harness::fixed(seed) {
            let o = h.run(seed, &m.bytes);
            fixed.add_case(&format!("{} {}", seed.name, m.what), &o, m.must_refuse);
        }
    }
    report("fixed mutations", &fixed, started.elapsed());
    let n = env_u64("SHEQUN_BENCH_CASES", 2_000) as usize;
    let started = Instant::now();
    let mut random = Tally::default();
    for (i, edits) in harness::draw(n, seeds.len()) {
        let seed = &seeds[i];
        let o = h.run(seed, &harness::edited(seed, &edits));
        random.add(&format!("{} {edits:?}", seed.name), &o);
    }
    report("random edits", &random, started.elapsed());
    let rows = env_u64("SHEQUN_BENCH_PARSE_ROWS", 1_000_000);
    if rows > 0 {
        parse_time(rows);
    }
    let faults: Vec<&String> = fixed.faults.iter().chain(&random.faults).collect();
    for f in &faults {
        println!("FAULT {f}");
    }
    println!(
        "bad input: {} runs, {} faults {}",
        fixed.runs + random.runs,
        faults.len(),
        if faults.is_empty() { "PASS" } else { "FAIL" }
    );
    if !faults.is_empty() {
        std::process::exit(1);
    }
}

fn report(what: &str, t: &Tally, took: Duration) {
    println!("{what}: {} runs in {:.1} s", t.runs, took.as_secs_f64());
    println!("  exit 0: {}", t.exit0);
    println!("  exit 1: {}", t.exit1);
    println!("  exit 1 naming file:line: {}", t.with_file_line);
    println!(
        "  exit 1 with the database byte-identical: {}",
        t.identical_on_refusal
    );
    println!("  other exit codes: {}", t.other_exit);
    println!("  panics: {}", t.panics);
    println!("  killed by a signal: {}", t.signals);
    println!("  hangs: {}", t.hangs);
    if t.must_refuse > 0 {
        println!(
            "  cut files refused (must be): {} of {}",
            t.refused_as_required, t.must_refuse
        );
    }
    println!("  slowest run: {:.2} s", t.slowest.as_secs_f64());
}

/// This thread's CPU time: what the parse itself costs, less affected than the wall
/// clock by others using the machine.
fn thread_cpu() -> f64 {
    // SAFETY: an all-zero timespec is a valid value for clock_gettime to fill in.
    let mut t: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: a valid clock id and a pointer to a live timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// Parse a generated export with the CSV reader every import uses, five times: the
/// least and the median CPU time of this thread (the parse runs on it), and the median
/// wall time.
fn parse_time(rows: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("chat.csv");
    chat::write_csv(&csv, rows, 1_764_547_200).expect("generate the export");
    let size = std::fs::metadata(&csv).map_or(0, |m| m.len());
    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    let mut count = 0;
    for _ in 0..5 {
        let (t, c) = (Instant::now(), thread_cpu());
        let records =
            shequn::import::open(&csv, None, shequn::clock::DEFAULT_TZ).expect("open the export");
        count = records.filter(Result::is_ok).count();
        cpu.push(thread_cpu() - c);
        wall.push(t.elapsed().as_secs_f64());
    }
    cpu.sort_by(f64::total_cmp);
    wall.sort_by(f64::total_cmp);
    println!(
        "parse {rows} rows ({:.0} MB, {count} records): CPU least {:.3} s, median {:.3} s; wall median {:.3} s (5 runs)",
        size as f64 / 1e6,
        cpu[0],
        cpu[2],
        wall[2]
    );
}
