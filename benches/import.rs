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
use shequn::domain::rules::Rules;
use shequn::store::Store;
use shequn::store::import::{ChatOptions, ChatSummary, import_chat};

const HEADER: &str = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender";

/// A fixed-seed generator (splitmix64): the same file every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SURNAMES: &[&str] = &[
    "张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平",
];
const LINES: &[&str] = &[
    "早上好呀",
    "今天的干货太有用了,收藏了",
    "请问这个活动怎么报名?",
    "哈哈哈哈",
    "[图片]",
    "同问",
    "谢谢群主分享👍",
    "宝宝最近晚上总是醒,大家有什么办法吗",
    "已下单,期待收货",
    "打卡第 12 天",
];

fn write_csv(path: &Path, rows: u64) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    f.write_all("\u{feff}".as_bytes())?;
    write!(f, "{HEADER}\r\n")?;
    let mut rng = Rng(2026);
    let senders = 5_000u64;
    let start = 1_764_547_200i64; // 2025-12-01 UTC
    let span = 90 * 86_400;
    for i in 0..rows {
        let s = rng.below(senders);
        // a heavy tail: a few members write most of the messages
        let s = if rng.below(10) < 6 { s % 200 } else { s };
        let name = format!(
            "{}{}{}",
            SURNAMES[(s % SURNAMES.len() as u64) as usize],
            GIVEN[((s / 16) % GIVEN.len() as u64) as usize],
            GIVEN[((s / 7) % GIVEN.len() as u64) as usize]
        );
        let t = start + (i as i64 * span / rows as i64);
        let line = LINES[rng.below(LINES.len() as u64) as usize];
        write!(
            f,
            "{i},bench@chatroom,1,0,0,{t},2,\"{line}\",,,{name},wxid_bench{s:05}\r\n"
        )?;
    }
    f.flush()
}

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
fn shequn_import(csv: &Path, db: &Path) -> anyhow::Result<(f64, Store)> {
    let mut store = Store::create(db, "bench")?;
    if let Ok(sql) = std::env::var("SHEQUN_BENCH_SQL") {
        store.conn().execute_batch(&sql)?;
    }
    let t = Instant::now();
    let summary = import_once(csv, &mut store)?;
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        summary.messages + summary.duplicates + summary.skipped + summary.events == summary.read,
        "the summary does not add up: {summary:?}"
    );
    Ok((secs, store))
}

fn import_once(csv: &Path, store: &mut Store) -> anyhow::Result<ChatSummary> {
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
    write_csv(&csv, rows)?;
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

    let mut base = Vec::new();
    let mut ours = Vec::new();
    let mut last = None;
    for round in 1..=rounds {
        let r = dir.path().join(format!("round{round}"));
        std::fs::create_dir_all(&r)?;
        if !only && let Some(b) = sqlite3_import(&csv, &r.join("bare.db")) {
            println!("round {round}: sqlite3 .import into a bare table {b:.2}s");
            base.push(b);
        }
        let (secs, store) = shequn_import(&csv, &r.join("shequn.db"))?;
        println!(
            "round {round}: shequn import chat {secs:.2}s ({:.0} messages/s)",
            rows as f64 / secs
        );
        ours.push(secs);
        last = Some(store);
        // the next round starts from a clean page cache state for its files
        if round < rounds {
            let _ = std::fs::remove_file(r.join("bare.db"));
        }
    }
    let ours_median = median(&mut ours);
    println!("shequn import chat, median of {rounds}: {ours_median:.2}s");
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
        let r = store.write(|tx, op| shequn::store::kpi::refresh(tx, op, &env))?;
        println!(
            "KPI recompute after the import: {:.2}s ({} values, {} alerts opened)",
            t.elapsed().as_secs_f64(),
            r.writes,
            r.opened.len()
        );
        let t = Instant::now();
        let again = import_once(&csv, &mut store)?;
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
