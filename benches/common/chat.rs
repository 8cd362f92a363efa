//! The generated chat export the benchmarks import: a WeChatMsg CSV of `rows` messages
//! from 5,000 senders (a heavy tail: 200 of them write 60 % of it) spread evenly over 90
//! days from `start`. A fixed seed, so the same file every run. Shared by
//! `benches/import.rs` and `benches/team.rs` (which also names the senders in its roster).

use std::io::Write;
use std::path::Path;

const HEADER: &str = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender";

/// How many people write in the export.
pub const SENDERS: u64 = 5_000;
/// The days the messages cover.
pub const DAYS: i64 = 90;

/// A fixed-seed generator (splitmix64): the same file every run.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
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

/// Sender `s` (below [`SENDERS`]): `(wxid, name)`, the same in the chat and a roster.
pub fn sender(s: u64) -> (String, String) {
    let name = format!(
        "{}{}{}",
        SURNAMES[(s % SURNAMES.len() as u64) as usize],
        GIVEN[((s / 16) % GIVEN.len() as u64) as usize],
        GIVEN[((s / 7) % GIVEN.len() as u64) as usize]
    );
    (format!("wxid_bench{s:05}"), name)
}

/// Writes the export: `rows` messages from `start` (Unix seconds) over [`DAYS`] days.
pub fn write_csv(path: &Path, rows: u64, start: i64) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    f.write_all("\u{feff}".as_bytes())?;
    write!(f, "{HEADER}\r\n")?;
    let mut rng = Rng(2026);
    let span = DAYS * 86_400;
    for i in 0..rows {
        let s = rng.below(SENDERS);
        // a heavy tail: a few members write most of the messages
        let s = if rng.below(10) < 6 { s % 200 } else { s };
        let (id, name) = sender(s);
        let t = start + (i as i64 * span / rows as i64);
        let line = LINES[rng.below(LINES.len() as u64) as usize];
        write!(
            f,
            "{i},bench@chatroom,1,0,0,{t},2,\"{line}\",,,{name},{id}\r\n"
        )?;
    }
    f.flush()
}
