//! Names for the demo's people: surname and given-name pools, WeChat ids, WeChat names
//! (real names, nicknames, latin names, the odd emoji), group nicknames in each group's
//! style and the self-introduction a new member posts.

use std::collections::HashSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Member;
use super::groups::COLD_START;
use super::random::{pick, weighted};

#[rustfmt::skip]
pub(super) const SURNAMES: [&str; 100] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高",
    "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
    "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔",
    "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦",
    "邱", "江", "尹", "薛", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万",
    "钱", "严", "武", "戴", "莫", "孔", "向", "汤", "常", "温",
];
#[rustfmt::skip]
const GIVEN: [&str; 84] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀",
    "霞", "平", "刚", "英", "华", "玉", "萍", "红", "鹏", "飞", "宇", "浩", "婷", "雪", "琳", "晨", "欣", "怡",
    "佳", "悦", "子", "涵", "睿", "轩", "梓", "萱", "思", "雨", "诗", "嘉", "俊", "博", "文", "瑶", "颖", "倩",
    "婧", "慧", "晓", "亮", "斌", "凯", "辉", "宁", "鑫", "彤", "琪", "璐", "露", "蕾", "薇", "莉", "洁", "燕",
    "云", "峰", "波", "健", "毅", "然", "舒", "晴", "冉", "航", "帆", "蕊",
];
#[rustfmt::skip]
pub(super) const KIDS: [&str; 16] = [
    "朵朵", "豆豆", "乐乐", "果果", "糖糖", "米粒", "小宝", "安安", "多多", "甜甜", "橙子", "可乐", "团团", "小满", "一一",
    "皮皮",
];
#[rustfmt::skip]
const PHRASES: [&str; 30] = [
    "阳光总在风雨后", "静待花开", "岁月静好", "一叶知秋", "向日葵", "知足常乐", "随遇而安", "云淡风轻", "平安是福", "海阔天空", "简单点",
    "木子", "半夏", "柠檬不萌", "奶茶续命", "慢慢来", "大橙子", "星辰大海", "今天也要加油", "吃不胖的胖子", "快乐小狗", "一只猫",
    "夏天的风", "南山南", "晴天", "好运来", "小确幸", "追光者", "山海", "浅笑安然",
];
#[rustfmt::skip]
const LATIN: [&str; 40] = [
    "Amy", "Kevin", "Sunny", "Coco", "Tina", "Jason", "Lily", "Momo", "Eric", "Vivian", "Sam",
    "Leo", "Lucy", "Grace", "Jack", "Cindy", "Tony", "Emma", "Nina", "Yuki", "Ivy", "Alice",
    "Ben", "Chris", "Daisy", "Ella", "Frank", "Helen", "Iris", "Judy", "Kelly", "Linda", "Mia",
    "Olivia", "Peter", "Rita", "Sophia", "Vicky", "Wendy", "Zoe",
];
#[rustfmt::skip]
const PINYIN: [&str; 16] = [
    "Lu", "Wang", "Li", "Zhang", "Chen", "Liu", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu",
    "Sun", "Lin", "He", "Gao",
];
#[rustfmt::skip]
const EMOJI: [&str; 15] = [
    "🌸", "🌞", "🍀", "🐟", "🌈", "⭐", "🍓", "🐱", "🌻", "✨", "🎈", "🍊", "💕", "🦋", "🐻",
];
#[rustfmt::skip]
const CITIES: [&str; 15] = [
    "杭州", "上海", "北京", "深圳", "广州", "成都", "南京", "苏州", "武汉", "西安", "宁波", "重庆", "长沙", "合肥", "厦门",
];
#[rustfmt::skip]
const DISTRICTS: [&str; 8] = [
    "西湖区", "上城区", "拱墅区", "滨江区", "余杭区", "萧山区", "临平区", "钱塘区",
];
#[rustfmt::skip]
const JOBS: [&str; 12] = [
    "设计", "产品", "运营", "教师", "会计", "HR", "销售", "程序员", "医生", "律师", "自由职业", "学生",
];
#[rustfmt::skip]
const PETS: [&str; 8] = [
    "橘座", "豆包", "旺财", "煤球", "糯米", "可乐", "布丁", "奶昔",
];

pub(super) fn new_wxid(rng: &mut ChaCha8Rng, seen: &mut HashSet<String>) -> String {
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    loop {
        let tail: String = (0..14)
            .map(|_| char::from(ALNUM[rng.random_range(0..ALNUM.len())]))
            .collect();
        let id = format!("wxid_{tail}");
        if seen.insert(id.clone()) {
            return id;
        }
    }
}

/// A WeChat name: ~8% latin nicknames, the rest Chinese (real names or nicknames), ~4%
/// with an emoji. Returns (name, real name if the name is one).
pub(super) fn person_name(rng: &mut ChaCha8Rng, surname_w: &[f64]) -> (String, Option<String>) {
    let surname = SURNAMES[weighted(rng, surname_w)];
    let mut given = pick(rng, &GIVEN).to_string();
    if rng.random_bool(0.6) {
        given.push_str(pick::<&str>(rng, &GIVEN));
    }
    let real = format!("{surname}{given}");
    let r: f64 = rng.random();
    let (mut name, real) = if r < 0.08 {
        let first = *pick(rng, &LATIN);
        let name = match rng.random_range(0..6) {
            0 => format!("{first}_{}", pick(rng, &PINYIN)),
            1 => format!("{first}.{}", &pick(rng, &PINYIN)[..1]),
            2 => first.to_lowercase(),
            3 => format!("{first} {}", pick(rng, &PINYIN)),
            4 => format!("{}{}", first.to_lowercase(), rng.random_range(2010..2024)),
            _ => first.to_string(),
        };
        (name, None)
    } else if r < 0.08 + 0.92 * 0.62 {
        (real.clone(), Some(real))
    } else {
        let name = match rng.random_range(0..10) {
            0..=2 => format!("{}妈妈", pick(rng, &KIDS)),
            3 => format!("{}妈", pick(rng, &KIDS)),
            4 => format!("小{}", pick(rng, &GIVEN)),
            5 => format!("{surname}{}", pick(rng, &["总", "老师", "姐", "哥"])),
            6 => format!(
                "A-{real}-{}",
                pick(rng, &["保险规划", "母婴好物", "家居定制", "英语启蒙"])
            ),
            _ => pick(rng, &PHRASES).to_string(),
        };
        (name, Some(real).filter(|_| false))
    };
    if rng.random_bool(0.04) {
        name.push_str(pick::<&str>(rng, &EMOJI));
    }
    (name, real)
}

/// Group nickname styles per group ("杭州-张三-设计").
pub(super) fn group_nickname(rng: &mut ChaCha8Rng, g: usize, m: &Member) -> String {
    let who = m.real.clone().unwrap_or_else(|| m.name.clone());
    match g {
        0 | 10 => format!("{}妈-{}", pick(rng, &KIDS), pick(rng, &CITIES)),
        1 | 5 => format!("{}-{who}-{}", pick(rng, &CITIES), pick(rng, &JOBS)),
        2 => format!("07期-{who}-{}", pick(rng, &JOBS)),
        3 => format!("{}-{who}", pick(rng, &DISTRICTS)),
        6 => format!("27考研-{who}-{}", pick(rng, &["数一", "数二", "数三"])),
        7 => format!(
            "{}麻麻-{}",
            pick(rng, &PETS),
            pick(rng, &DISTRICTS).trim_end_matches('区')
        ),
        9 => format!(
            "{who}-{}-尾号{:04}",
            pick(rng, &CITIES),
            rng.random_range(0..10_000)
        ),
        11 => format!("{who}-老客"),
        _ => format!("{}-{who}", pick(rng, &CITIES)),
    }
}

/// The cold-start self-introduction template (姓名 + 城市 + 职业 + 想收获什么).
pub(super) fn self_intro(rng: &mut ChaCha8Rng, m: &Member, g: usize) -> String {
    let who = m.real.clone().unwrap_or_else(|| m.name.clone());
    if g == COLD_START || rng.random_bool(0.4) {
        format!(
            "大家好,我是{who},来自{},做{}的,希望在群里{}~",
            pick(rng, &CITIES),
            pick(rng, &JOBS),
            pick(rng, &["认识更多朋友", "多学习", "抢到福利", "找到同好"])
        )
    } else {
        pick(
            rng,
            &[
                "大家好👋",
                "新人报到,请多关照",
                "大家好,刚进群",
                "hello 大家好",
            ],
        )
        .to_string()
    }
}
