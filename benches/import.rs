//! Import benchmark (issues 4 and 11): a 1,000,000-message WeChatMsg CSV imported with
//! activity, points and tiers kept up to date, against `sqlite3 .import` of the same CSV
//! into a bare table on the same machine. Targets: at most 1.25× the sqlite3 time, and a
//! peak RSS of at most 100 MB for `shequn import chat` of the file.
//!
//! Run: `cargo bench --bench import`. Both imports run `SHEQUN_BENCH_ROUNDS` times (default
//! 3), alternating, each into a fresh database; the ratio is of the medians, because a
//! shared machine's timings vary by ±20 % from run to run. `SHEQUN_BENCH_ROWS` sets the
//! size, `SHEQUN_BENCH_ONLY=1` runs shequn's import once (for a profiler),
//! `SHEQUN_BENCH_SQL` runs SQL on the fresh database first (schema experiments) and
//! `SHEQUN_BENCH_CSV=PATH` writes the generated CSV there and keeps it (to run the
//! binary on it by hand). Needs the `sqlite3` command-line shell for the baseline;
//! without it only shequn's time prints.
//! The timed import is run as `shequn import chat` runs it: parsed on a reader thread
//! (`import::prefetch`), written on this one, with the same global allocator and
//! settings. The peak RSS is the real binary's: each round also runs
//! `shequn import chat` (which then recounts the KPIs) in a child process and reads
//! its `ru_maxrss` from `wait4`; the largest of the rounds is held against the target.

// the same allocator as the shequn binary (see src/main.rs)
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// the generated export, shared with benches/team.rs
#[path = "common/chat.rs"]
mod chat;

use shequn::store::Need;

unsafe extern "C" {
    fn mi_option_set_default(option: libc::c_int, value: libc::c_long);
}

/// As src/main.rs: mimalloc's purge delay (option 15) at 10 ms.
fn tune_allocator() {
    // SAFETY: a plain setter on mimalloc's option table.
    unsafe { mi_option_set_default(15, 10) };
}

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use shequn::clock::DEFAULT_TZ;
use shequn::domain::keywords::Keywords;
use shequn::domain::rules::Rules;
use shequn::store::Store;
use shequn::store::import::{ChatOptions, ChatSummary, import_chat};

/// The export's first day: 2025-12-01 00:00 UTC (fixed, like the import's clock).
const START: i64 = 1_764_547_200;

fn sqlite3_import(csv: &Path, db: &Path) -> Option<f64> {
    let t = Instant::now();
    let mut child = Command::new("sqlite3")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    {
        let stdin = child.stdin.as_mut()?;
        writeln!(stdin, ".mode csv\n.import '{}' msgs", csv.display()).ok()?;
    }
    let ok = child.wait().ok()?.success();
    ok.then(|| t.elapsed().as_secs_f64())
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

const GROUP: &str = "基准测试群";

/// One import of the CSV into a fresh shequn database, as the CLI does it.
fn shequn_import(
    csv: &Path,
    db: &Path,
    keywords: Option<&Keywords>,
) -> anyhow::Result<(f64, Store, ChatSummary)> {
    let mut store = Store::create(db, "bench")?;
    if let Ok(sql) = std::env::var("SHEQUN_BENCH_SQL") {
        store.conn().execute_batch(&sql)?;
    }
    let t = Instant::now();
    let summary = import_once(csv, &mut store, keywords)?;
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        summary.messages + summary.duplicates + summary.skipped + summary.events == summary.read,
        "the summary does not add up: {summary:?}"
    );
    Ok((secs, store, summary))
}

fn import_once(
    csv: &Path,
    store: &mut Store,
    keywords: Option<&Keywords>,
) -> anyhow::Result<ChatSummary> {
    let rules = Rules::shipped();
    let now = shequn::clock::parse_now("2026-03-01T09:00:00", DEFAULT_TZ)?;
    let records = shequn::import::prefetch(
        shequn::import::open(csv, None, DEFAULT_TZ).map_err(|e| anyhow::anyhow!("{e}"))?,
    )?;
    let opts = ChatOptions {
        group: Some(GROUP),
        platform: "personal",
        file: "chat.csv",
        format: "wechatmsg",
        keywords,
    };
    import_chat(store, records, &opts, now, DEFAULT_TZ, &rules).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Runs the shequn binary with `args` in `dir` (its log goes there too); returns its wall
/// time in seconds and its peak RSS in KiB.
fn run_binary(dir: &Path, args: &[&std::ffi::OsStr]) -> anyhow::Result<(f64, i64)> {
    let t = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_shequn"))
        .args(args)
        .env("SHEQUN_NOW", "2026-03-01T09:00:00")
        .env("XDG_STATE_HOME", dir)
        .env_remove("SHEQUN_DB")
        .stdout(Stdio::null())
        .spawn()?;
    let pid = libc::pid_t::try_from(child.id())?;
    let mut status = 0;
    // SAFETY: rusage is plain data, zeroed is a valid value; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, which `child` does not wait for itself.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(waited == pid, "wait4: {}", std::io::Error::last_os_error());
    anyhow::ensure!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "shequn {args:?} failed (status {status})"
    );
    // ru_maxrss is in KiB on Linux
    Ok((secs, usage.ru_maxrss))
}

/// `shequn import chat` of the CSV through the binary, into a fresh database in `dir`:
/// wall time (including the KPI recount that follows) and peak RSS in KiB.
fn binary_import(csv: &Path, dir: &Path) -> anyhow::Result<(f64, i64)> {
    let db = dir.join("binary.db");
    run_binary(dir, &["init".as_ref(), "--db".as_ref(), db.as_os_str()])?;
    run_binary(
        dir,
        &[
            "--db".as_ref(),
            db.as_os_str(),
            "import".as_ref(),
            "chat".as_ref(),
            "--group".as_ref(),
            GROUP.as_ref(),
            csv.as_os_str(),
        ],
    )
}

const RSS_TARGET_MB: f64 = 100.0;

/// This process's peak RSS so far in KiB (`VmHWM`), None where /proc does not say.
fn own_peak_kib() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> anyhow::Result<()> {
    tune_allocator();
    // phase timings of the import go to stderr
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter("shequn=info")
        .try_init();
    let rows = env_u64("SHEQUN_BENCH_ROWS", 1_000_000);
    let only = std::env::var_os("SHEQUN_BENCH_ONLY").is_some();
    let rounds = if only {
        1
    } else {
        env_u64("SHEQUN_BENCH_ROUNDS", 3).max(1)
    };
    let dir = tempfile::tempdir()?;
    let csv = std::env::var_os("SHEQUN_BENCH_CSV")
        .map_or_else(|| dir.path().join("chat.csv"), std::path::PathBuf::from);
    let t = Instant::now();
    chat::write_csv(&csv, rows, START)?;
    let size = std::fs::metadata(&csv)?.len();
    println!(
        "generated {rows} messages, {:.1} MB, in {:.2}s",
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    // The binary's peak RSS first, while this process is still small: Linux starts a
    // child's ru_maxrss from the high-water mark of the process it was spawned from
    // (the exec of a posix_spawn/vfork child inherits it), so after the timed rounds
    // below (and the read that warms the page cache) every child would report this
    // process's peak instead of its own.
    let mut binary = Vec::new();
    let mut peak_kib = 0;
    let own_kib = own_peak_kib();
    if !only {
        for round in 1..=rounds {
            let r = dir.path().join(format!("binary{round}"));
            std::fs::create_dir_all(&r)?;
            let (secs, kib) = binary_import(&csv, &r)?;
            println!(
                "binary round {round}: `shequn import chat` (with its KPI recount) {secs:.2}s, peak RSS {:.1} MB",
                kib as f64 / 1024.0
            );
            binary.push(secs);
            peak_kib = peak_kib.max(kib);
            std::fs::remove_dir_all(&r)?;
        }
    }
    // Warm the page cache for both alike.
    let _ = std::fs::read(&csv)?;

    if !only {
        let t = Instant::now();
        let parsed = shequn::import::open(&csv, None, DEFAULT_TZ)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .count();
        println!(
            "parsing alone: {:.2}s ({parsed} records)",
            t.elapsed().as_secs_f64()
        );
    }

    // the risk scan alone (issue 15): every message's text through the keyword lists
    let keywords = Keywords::shipped();
    if !only {
        let texts: Vec<String> = shequn::import::open(&csv, None, DEFAULT_TZ)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .filter_map(|r| match r.ok()?.kind {
                shequn::import::RecordKind::Message(m) => Some(m.content),
                _ => None,
            })
            .collect();
        let t = Instant::now();
        let hits: usize = texts.iter().map(|x| keywords.find(x).len()).sum();
        println!(
            "risk scan alone: {:.2}s for {} messages ({hits} hits, {} words listed)",
            t.elapsed().as_secs_f64(),
            texts.len(),
            keywords.len()
        );
    }

    let mut base = Vec::new();
    let mut ours = Vec::new();
    let mut scanned = Vec::new();
    let mut last = None;
    for round in 1..=rounds {
        let r = dir.path().join(format!("round{round}"));
        std::fs::create_dir_all(&r)?;
        if !only && let Some(b) = sqlite3_import(&csv, &r.join("bare.db")) {
            println!("round {round}: sqlite3 .import into a bare table {b:.2}s");
            base.push(b);
        }
        let (secs, store, _) = shequn_import(&csv, &r.join("shequn.db"), None)?;
        println!(
            "round {round}: shequn import chat without the risk scan {secs:.2}s ({:.0} messages/s)",
            rows as f64 / secs
        );
        ours.push(secs);
        last = Some(store);
        if !only {
            let (secs, _, s) = shequn_import(&csv, &r.join("scanned.db"), Some(&keywords))?;
            println!(
                "round {round}: shequn import chat with the risk scan (as the CLI runs it) {secs:.2}s, {} incidents",
                s.incidents
            );
            scanned.push(secs);
            let _ = std::fs::remove_file(r.join("scanned.db"));
        }
        // the next round starts from a clean page cache state for its files
        if round < rounds {
            let _ = std::fs::remove_file(r.join("bare.db"));
        }
    }
    let ours_median = median(&mut ours);
    println!("shequn import chat without the risk scan, median of {rounds}: {ours_median:.2}s");
    if !scanned.is_empty() {
        let with = median(&mut scanned);
        println!(
            "with the risk scan, median of {rounds}: {with:.2}s ({:+.2}s, {:+.0} %)",
            with - ours_median,
            (with / ours_median - 1.0) * 100.0
        );
    }
    if only {
        return Ok(());
    }
    if let Some(mut store) = last {
        // what `shequn import chat` does next: recount the KPIs of every day the import
        // touched (all 90 here, with every message's text scanned) and judge the alerts
        let rules = Rules::shipped();
        let keywords = shequn::domain::keywords::Keywords::shipped();
        let env = shequn::store::kpi::KpiEnv {
            now: shequn::clock::parse_now("2026-03-01T09:00:00", DEFAULT_TZ)?,
            tz: DEFAULT_TZ,
            rules: &rules,
            keywords: &keywords,
        };
        let t = Instant::now();
        let r = store.write(Need::System, |tx, op| {
            shequn::store::kpi::refresh(tx, op, &env)
        })?;
        println!(
            "KPI recompute after the import: {:.2}s ({} values, {} alerts opened)",
            t.elapsed().as_secs_f64(),
            r.writes,
            r.opened.len()
        );
        let t = Instant::now();
        let again = import_once(&csv, &mut store, Some(&keywords))?;
        println!(
            "re-import (all duplicates): {:.2}s, messages {}, duplicates {}",
            t.elapsed().as_secs_f64(),
            again.messages,
            again.duplicates
        );
    }
    let peak_mb = peak_kib as f64 / 1024.0;
    println!(
        "the binary's import, median of {rounds}: {:.2}s; peak RSS, largest of {rounds}: {peak_mb:.1} MB (target ≤ {RSS_TARGET_MB:.0} MB): {}",
        median(&mut binary),
        if peak_mb <= RSS_TARGET_MB {
            "PASS"
        } else {
            "FAIL"
        }
    );
    if own_kib.is_none_or(|k| k >= peak_kib) {
        println!(
            "  (this process's own peak before the binary ran, {own_kib:?} KiB, may be all that figure shows)"
        );
    }
    if base.is_empty() {
        println!("sqlite3 .import: not available (no sqlite3 shell)");
    } else {
        let b = median(&mut base);
        let ratio = ours_median / b;
        println!("sqlite3 .import, median of {}: {b:.2}s", base.len());
        println!(
            "ratio shequn / sqlite3 = {ratio:.2} (target ≤ 1.25): {}",
            if ratio <= 1.25 { "PASS" } else { "FAIL" }
        );
    }
    Ok(())
}
