//! Import benchmark (issue 4): a 1,000,000-message WeChatMsg CSV imported with activity,
//! points and tiers kept up to date, against `sqlite3 .import` of the same CSV into a
//! bare table on the same machine. Target: at most 1.25× the sqlite3 time.
//!
//! Run: `cargo bench --bench import` (set `SHEQUN_BENCH_ROWS` for another size). Needs the
//! `sqlite3` command-line shell for the baseline; without it only shequn's time prints.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use shequn::clock::DEFAULT_TZ;
use shequn::domain::rules::Rules;
use shequn::store::Store;
use shequn::store::import::{ChatOptions, import_chat};

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

fn main() -> anyhow::Result<()> {
    // phase timings of the import go to stderr
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter("shequn=info")
        .try_init();
    let rows: u64 = std::env::var("SHEQUN_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("chat.csv");
    let t = Instant::now();
    write_csv(&csv, rows)?;
    let size = std::fs::metadata(&csv)?.len();
    println!(
        "generated {rows} messages, {:.1} MB, in {:.2}s",
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    // Warm the page cache for both runs alike.
    let _ = std::fs::read(&csv)?;
    let baseline = sqlite3_import(&csv, &dir.path().join("bare.db"));
    match baseline {
        Some(b) => println!("sqlite3 .import into a bare table: {b:.2}s"),
        None => println!("sqlite3 .import: not available (no sqlite3 shell)"),
    }

    let t = Instant::now();
    let parsed = shequn::import::open(&csv, None, DEFAULT_TZ)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .count();
    println!(
        "parsing alone: {:.2}s ({parsed} records)",
        t.elapsed().as_secs_f64()
    );

    let db = dir.path().join("shequn.db");
    let mut store = Store::create(&db, "bench")?;
    if let Ok(sql) = std::env::var("SHEQUN_BENCH_SQL") {
        store.conn().execute_batch(&sql)?;
    }
    let rules = Rules::shipped();
    let now = shequn::clock::parse_now("2026-03-01T09:00:00", DEFAULT_TZ)?;
    let t = Instant::now();
    let records =
        shequn::import::open(&csv, None, DEFAULT_TZ).map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = ChatOptions {
        group: Some("基准测试群"),
        platform: "personal",
        file: "chat.csv",
        format: "wechatmsg",
    };
    let summary = import_chat(&mut store, records, &opts, now, DEFAULT_TZ, &rules)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ours = t.elapsed().as_secs_f64();
    println!(
        "shequn import chat: {ours:.2}s ({:.0} messages/s) — read {}, messages {}, duplicates {}, members {}",
        rows as f64 / ours,
        summary.read,
        summary.messages,
        summary.duplicates,
        summary.new_members
    );
    let t = Instant::now();
    let records =
        shequn::import::open(&csv, None, DEFAULT_TZ).map_err(|e| anyhow::anyhow!("{e}"))?;
    let again = import_chat(&mut store, records, &opts, now, DEFAULT_TZ, &rules)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "re-import (all duplicates): {:.2}s, messages {}, duplicates {}",
        t.elapsed().as_secs_f64(),
        again.messages,
        again.duplicates
    );
    if let Some(b) = baseline {
        let ratio = ours / b;
        println!(
            "ratio shequn / sqlite3 = {ratio:.2} (target ≤ 1.25): {}",
            if ratio <= 1.25 { "PASS" } else { "FAIL" }
        );
    }
    Ok(())
}
