//! Keyword scan benchmark (issue 15): 1,000,000 generated chat messages scanned with the
//! shipped lists (`Keywords::shipped()`, normalisation and all), the way an import scans
//! every message it writes. Target: the whole scan in at most 1 s.
//!
//! Run: `cargo bench --bench risk`. The messages are built before the clock starts from
//! a fixed seed (splitmix64): ordinary group talk of 4–90 characters (greetings,
//! questions, know-how, offers, emoji, latin nicknames, numbers), and about 3 % spam
//! written the ways spammers write it (`加 薇 信`, `代寫`, `ＶＸ`, `刷-单`). Prints the
//! automaton's build time, the scan time, messages/s, the hits found, and a PASS/FAIL
//! line. For comparison it also times the matcher as it was before issue 15 — the same
//! words, one literal Aho-Corasick pass over the raw text, no folding, no variants —
//! which misses the evasions. `SHEQUN_BENCH_ROWS` sets the number of messages, `SHEQUN_BENCH_ROUNDS` the
//! rounds (default 3; the best is held against the target, since other work on a shared
//! machine only ever makes a round slower).

use std::hint::black_box;
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasickBuilder, MatchKind};
use shequn::domain::keywords::{Category, Keywords, list};

/// A fixed-seed generator (splitmix64): the same messages every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

const OPENERS: &[&str] = &[
    "早上好呀",
    "大家好",
    "晚上好",
    "@小林 ",
    "收到",
    "谢谢群主",
    "哈哈哈",
    "请问一下",
    "打卡",
    "",
    "",
    "",
];

const BODIES: &[&str] = &[
    "今天的干货太有用了,收藏了",
    "宝宝积食了怎么办?有没有什么小妙招",
    "周六的会员日几点开始,需要提前报名吗",
    "这款面霜敏感肌可以用吗",
    "老师布置的作业今晚要交,别忘了",
    "明天降温,出门记得多穿点",
    "团购的水果到了,在门卫那里自取",
    "上次说的那家店在万达三楼,环境不错",
    "新品试用的名额还有吗?想报名",
    "我家孩子也是这样,过段时间就好了",
    "店里周末有满199减30的活动,会员再打九折",
    "Lisa 说的那个方法我试了,真的管用",
    "签到第7天,积分到账了👍",
    "家长会改到周四下午3点,地点不变",
    "请问积分怎么兑换礼品?在小程序里找不到入口",
    "分享一个收纳技巧:衣服竖着叠,一目了然",
    "这个价格比618还便宜,已下单",
    "群公告看了吗?本周的直播改到周三晚8点",
    "求推荐适合油皮的防晒,预算200以内",
    "刚到货的新款,实物比图片好看",
    "I think the new menu is great, see you on Friday",
    "班级群里发的表格记得周五前填完",
    "有没有一起拼单的?满两件包邮",
    "店长说下周会补货,到时候群里通知",
    "今天跑了5公里🏃,继续加油",
    "宝宝辅食第一口吃什么比较好",
    "新人报到,请多关照🌸",
    "感谢分享,学到了",
];

const CLOSERS: &[&str] = &["", "", "", "😊", "!", "~", "🙏", "[强]", "。", "👍👍"];

const SPAM: &[&str] = &[
    "兼职刷单日结,加 薇 信 详聊",
    "代寫論文, 私 聊 我",
    "低价代购大牌,加ＶＸ:abc123",
    "手机刷-单,一单一结,加微信 wx8888",
    "免费领取资料,加vx进群",
    "高仿包包一手货源,扣扣 12345678",
    "代_写 ESSAY,加 微 信",
    "★加★薇★信★领红包",
];

fn messages(n: usize) -> Vec<String> {
    let mut rng = Rng(15);
    (0..n)
        .map(|_| {
            if rng.next() % 100 < 3 {
                return rng.pick(SPAM).to_string();
            }
            let mut m = String::new();
            m.push_str(rng.pick(OPENERS));
            m.push_str(rng.pick(BODIES));
            if rng.next().is_multiple_of(4) {
                m.push(',');
                m.push_str(rng.pick(BODIES));
            }
            m.push_str(rng.pick(CLOSERS));
            m
        })
        .collect()
}

fn main() {
    let rows: usize = std::env::var("SHEQUN_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rounds: usize = std::env::var("SHEQUN_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let msgs = messages(rows);
    let chars: usize = msgs.iter().map(|m| m.chars().count()).sum();
    let t = Instant::now();
    let k = black_box(Keywords::shipped());
    let build = t.elapsed();
    println!(
        "risk scan: {rows} messages, {chars} chars ({:.1} per message); {} words; automaton built in {:.1} ms",
        chars as f64 / rows as f64,
        k.len(),
        build.as_secs_f64() * 1e3
    );
    let mut best = Duration::MAX;
    let mut hits = 0;
    for round in 1..=rounds {
        let t = Instant::now();
        let mut n = 0usize;
        for m in &msgs {
            n += black_box(k.find(black_box(m))).len();
        }
        let took = t.elapsed();
        println!(
            "  round {round}: {:.3} s, {:.0} messages/s, {n} hits",
            took.as_secs_f64(),
            rows as f64 / took.as_secs_f64()
        );
        best = best.min(took);
        hits = n;
    }
    // the literal matcher of before issue 15, on the same words
    let words: Vec<String> = Category::ALL
        .into_iter()
        .flat_map(|c| list::parse_list(c.shipped_list()).filter_map(|(_, e)| e.ok()))
        .map(|e| e.word)
        .collect();
    let literal = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .build(&words)
        .expect("the literal automaton builds");
    let t = Instant::now();
    let mut n = 0usize;
    for m in &msgs {
        n += black_box(literal.find_iter(black_box(m.as_str())).count());
    }
    let took = t.elapsed();
    println!(
        "  literal, as before issue 15 (no folding, no variants): {:.3} s, {:.0} messages/s, {n} hits",
        took.as_secs_f64(),
        rows as f64 / took.as_secs_f64()
    );
    // scaled to 1M so a smaller run still says where it stands against the target
    let per_million = best.as_secs_f64() * 1_000_000.0 / rows as f64;
    let verdict = if per_million <= 1.0 { "PASS" } else { "FAIL" };
    println!(
        "{verdict}: best {:.3} s for {rows} messages ({per_million:.3} s per 1M; target ≤ 1 s), {hits} hits",
        best.as_secs_f64()
    );
}
