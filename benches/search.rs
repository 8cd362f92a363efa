//! Member search benchmark: per-keystroke latency over 100k and 1M synthetic members.
//!
//! Run with `cargo bench --bench search`. Members are generated deterministically (splitmix64
//! with a fixed seed): mostly Chinese names (surname + 1–2 given-name characters), ~8% latin
//! nicknames, ~4% names with an emoji, and a group nickname ("杭州-张三-设计") for ~30%.
//! Each query is typed one character at a time the way the console does it: the first
//! keystroke calls `search`, every later one `search_within` on the previous result.
//! Queries: full pinyin (`zhang`, `zhangwei`), initials (`zs`, `lxm`, `hz` — a group
//! nickname's city), mixed prefixes (`zhangs`, `wangw`), a heteronym surname (`shan`),
//! Chinese (`李晓`), latin (`amy`), two words (`wang xiao`).
//! Targets per keystroke: p50 ≤ 5 ms at 100k; p50 ≤ 8 ms and p95 ≤ 16 ms at 1M members.

use std::hint::black_box;
use std::time::{Duration, Instant};

use shequn::search::SearchIndex;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴",
    "莫", "孔", "向", "汤", "单", "解", "查", "仇",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "华", "飞", "玉", "萍", "红", "鹏", "辉", "建",
    "文", "晓", "宇", "浩", "凯", "俊", "欣", "婷", "雪", "琳", "晨", "阳", "佳", "博", "志", "梅",
    "海", "燕", "云", "玲", "倩", "亮", "斌", "波", "宁", "林", "彬", "颖", "健", "丹", "新", "慧",
    "成", "春", "国", "东", "雨", "思", "嘉", "子", "轩", "涵", "怡", "梓", "睿", "泽", "诗", "琪",
    "萱", "瑶", "妍", "晗", "昊", "天", "然", "一", "诺", "可", "馨", "悦", "安", "乐", "心", "语",
    "铭", "鑫", "峰", "翔", "龙", "凤", "珍", "莉", "蓉", "琴", "瑞", "荣", "宏", "德", "永", "中",
    "长", "生", "福", "贵", "美", "珊", "露", "洁", "月", "星", "光", "金", "银", "宝", "山", "水",
    "清", "秋", "冬", "夏", "松", "柏", "竹", "兵", "振", "家", "和", "顺", "泰", "康", "乾", "坤",
    "少", "小", "大", "正", "雅", "彤", "璐", "菲", "薇", "蕾", "楠", "伦", "腾", "旭", "昕", "锦",
    "行", "重", "曲", "朝", "仁", "义", "礼", "智", "信", "忠", "孝", "贤", "淑", "惠", "婉", "娴",
    "静", "远", "航", "帆", "舟", "晴", "岚", "霖", "川", "河", "江", "湖", "海", "涛", "源", "泉",
    "恒", "毅", "达", "宸", "铮", "骏", "驰", "奕",
];

const LATIN_FIRST: &[&str] = &[
    "Amy", "Kevin", "sunny", "Lily", "Tony", "Jack", "Coco", "Grace", "Leo", "Mia", "Eric",
    "Vivian", "Cindy", "Jason", "Anna", "Tom", "Echo", "Luna", "Max", "Zoe",
];
const LATIN_TAIL: &[&str] = &[
    "_Li", ".Z", "🌞", "", "_Wang", "2024", ".Chen", "-SH", "_xx", "👍",
];
const EMOJI: &[&str] = &["🌸", "🍀", "😊", "🌞", "💰", "🐱", "✨", "🎈"];
const CITIES: &[&str] = &[
    "杭州", "上海", "北京", "深圳", "广州", "成都", "南京", "武汉", "西安", "苏州", "重庆", "长沙",
];
const ROLES: &[&str] = &[
    "设计",
    "宝妈",
    "销售",
    "老师",
    "运营",
    "团长",
    "学生",
    "会计",
    "程序员",
    "自由职业",
];

const QUERIES: &[&str] = &[
    "zhang",
    "zs",
    "李晓",
    "lxm",
    "wang xiao",
    "amy",
    "zhangwei",
    "dan",
    "zhangs",
    "wangw",
    "shan",
    "hz",
];

struct Rng(u64);

impl Rng {
    /// splitmix64
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

fn chinese_name(rng: &mut Rng) -> String {
    let mut name = rng.pick(SURNAMES).to_string();
    for _ in 0..1 + rng.below(2) {
        name.push_str(rng.pick(GIVEN));
    }
    name
}

fn members(n: usize) -> Vec<Vec<String>> {
    let mut rng = Rng(0x5EED_2024);
    (0..n)
        .map(|_| {
            let mut texts = Vec::with_capacity(2);
            let roll = rng.below(100);
            let name = if roll < 8 {
                format!("{}{}", rng.pick(LATIN_FIRST), rng.pick(LATIN_TAIL))
            } else if roll < 12 {
                format!("{}{}", chinese_name(&mut rng), rng.pick(EMOJI))
            } else {
                chinese_name(&mut rng)
            };
            texts.push(name);
            if rng.below(100) < 30 {
                texts.push(format!(
                    "{}-{}-{}",
                    rng.pick(CITIES),
                    chinese_name(&mut rng),
                    rng.pick(ROLES)
                ));
            }
            texts
        })
        .collect()
}

/// Resident memory of this process in bytes (Linux), for a rough estimate of the index size.
fn rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Types `query` one character at a time; returns (prefix, hits, time) per keystroke.
fn type_query(index: &SearchIndex, query: &str) -> Vec<(String, usize, Duration)> {
    let mut out = Vec::new();
    let mut prev: Option<Vec<u32>> = None;
    let ends = query
        .char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .chain([query.len()]);
    for end in ends {
        let prefix = &query[..end];
        let start = Instant::now();
        let found = match &prev {
            None => index.search(black_box(prefix)),
            Some(within) => index.search_within(black_box(prefix), within),
        };
        let took = start.elapsed();
        out.push((prefix.to_string(), found.len(), took));
        prev = Some(found);
    }
    out
}

fn run(n: usize, reps: usize, target_ms: f64, target_p95_ms: f64) -> bool {
    let items = members(n);
    let before = rss();
    let start = Instant::now();
    let index = SearchIndex::build(&items);
    let build = start.elapsed();
    let after = rss();
    assert_eq!(index.len(), n);
    let memory = match (before, after) {
        (Some(b), Some(a)) => format!("{:.0} MB", a.saturating_sub(b) as f64 / 1e6),
        _ => "?".to_string(),
    };
    drop(items);

    // Warm-up: one pass, not counted.
    for q in QUERIES {
        black_box(type_query(&index, q));
    }

    let mut all = Vec::new();
    println!(
        "\nN={n}: build {:.2} s, index ≈{memory} (resident growth); per keystroke, median of {reps} runs",
        build.as_secs_f64()
    );
    println!(
        "  {:<12} {:>9} {:>10} {:>10} {:>10}",
        "prefix", "hits", "median ms", "p95 ms", "max ms"
    );
    for q in QUERIES {
        let mut per_key: Vec<(String, usize, Vec<Duration>)> = Vec::new();
        for _ in 0..reps {
            for (k, (prefix, hits, took)) in type_query(&index, q).into_iter().enumerate() {
                if k == per_key.len() {
                    per_key.push((prefix, hits, Vec::new()));
                }
                per_key[k].2.push(took);
                all.push(took);
            }
        }
        for (prefix, hits, mut times) in per_key {
            times.sort();
            println!(
                "  {:<12} {:>9} {:>10.2} {:>10.2} {:>10.2}",
                format!("{prefix:?}"),
                hits,
                ms(percentile(&times, 0.5)),
                ms(percentile(&times, 0.95)),
                ms(times[times.len() - 1]),
            );
        }
    }
    all.sort();
    let p50 = percentile(&all, 0.5);
    let p95 = percentile(&all, 0.95);
    let pass = ms(p50) <= target_ms && ms(p95) <= target_p95_ms;
    println!(
        "N={n} build={:.2}s keystrokes={} p50={:.2}ms p95={:.2}ms max={:.2}ms target p50<={target_ms}ms p95<={target_p95_ms}ms: {}",
        build.as_secs_f64(),
        all.len(),
        ms(p50),
        ms(p95),
        ms(all[all.len() - 1]),
        if pass { "PASS" } else { "FAIL" },
    );
    pass
}

fn main() {
    let started = Instant::now();
    let small = run(100_000, 10, 5.0, 16.0);
    let large = run(1_000_000, 8, 8.0, 16.0);
    println!(
        "\nsearch bench: {} in {:.0}s",
        if small && large { "PASS" } else { "FAIL" },
        started.elapsed().as_secs_f64()
    );
}
