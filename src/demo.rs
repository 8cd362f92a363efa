//! The deterministic demo database: [`populate`] fills an empty, migrated database with
//! 90 days of a realistic operation — 12 groups, ~4,900 members, ~5,700 memberships,
//! daily activity, the last two days of chat, content in every state, KPIs, reminders,
//! risk incidents, sanctions, points, orders, one open alert (a second, on a weak mass
//! send's open rate, opens when the KPI rules first run) and one audit row. The SOP
//! tables are left empty (the SOP module installs and materialises them afterwards).
//!
//! Choices:
//! * One fixed seed ([`SEED`]); each section draws from its own ChaCha8 stream, so tuning
//!   one section does not reshuffle the others. No clock is read and no hash map is
//!   iterated: the same `end_day`, `tz` and `operator` give byte-identical rows.
//! * Everything is generated in memory first, then inserted with cached statements and
//!   explicit ids (members by first join, memberships by join time, messages by time).
//! * Day `0` is `end_day - 89`, day `89` is `end_day`; data runs to the end of
//!   `end_day`. Reminders treat `end_day` ~08:25 as "now": some fired before, some due later;
//!   only ad-hoc ones and yesterday's history are written here, the rest is planned.
//! * Activity comes from a persona per membership (core, active, occasional, lapsed,
//!   never, staff), a per-group trend (flat, declining, thriving, course cohort, cold
//!   start), weekend factors by group type and a little day-to-day noise.
//! * Group size means current members (`left_at IS NULL`), kept ≤ 500 as WeChat
//!   enforces; a group's membership rows may exceed 500 because leavers free seats.
//!   With ~5,000 members in 12 groups most groups are near the cap; the cold-start group
//!   (~260) and the course cohort (~410) are the small ones.
//! * Tiers (DOMAIN.md §3) are computed from the generated activity as of the end of
//!   `end_day`, in this order: left → new (joined < 72 h) → core (in the group ≥ 21
//!   days and ≥ 5 messages/day over the last 21 days) → active (≥ 3 messages in the
//!   last 7 days) → silent (no message in 30 days and in the group ≥ 30 days, never
//!   spoke included) → potential (never spoke, joined > 72 h and < 30 days ago) → else
//!   active "低频" (spoke within 30 days but below the weekly bar). KOL: > 20 messages in
//!   the last 30 days.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Weekday};
use chrono_tz::Tz;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Transaction, params};

use crate::store::StoreError;

/// The one seed everything derives from.
pub const SEED: u64 = 0x5348_4551_554E_2026;
const DAYS: usize = 90;
const LAST: i64 = DAYS as i64 - 1;
const DAY_SECS: i64 = 86_400;
const HOUR: i64 = 3_600;
const MIN: i64 = 60;

/// What [`populate`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct DemoCounts {
    pub groups: usize,
    pub members: usize,
    pub memberships: usize,
    pub activity_rows: usize,
    pub messages: usize,
    pub content: usize,
    pub reminders: usize,
}

/// Fill an empty, migrated database. Everything derives from a fixed seed, so the same
/// `end_day` always gives byte-identical data; instants are computed from `end_day` and `tz`, never from the system clock.
pub fn populate(
    tx: &Transaction<'_>,
    end_day: NaiveDate,
    tz: Tz,
    operator: &str,
) -> Result<DemoCounts, StoreError> {
    let cal = Cal::new(tz, end_day);
    let world = World::build(cal, operator);
    world.insert(tx)
}

// ---------------------------------------------------------------------------------------
// Calendar: local days as indices, instants as unix seconds.

struct Cal {
    tz: Tz,
    start: NaiveDate,
    lo: i64,
    mids: Vec<i64>,
}

impl Cal {
    fn new(tz: Tz, end_day: NaiveDate) -> Cal {
        let start = end_day
            .checked_sub_signed(TimeDelta::days(LAST))
            .unwrap_or(end_day);
        let lo = -520;
        let mids = (lo..60).map(|d| midnight(tz, start, d)).collect();
        Cal {
            tz,
            start,
            lo,
            mids,
        }
    }

    fn date(&self, d: i64) -> NaiveDate {
        self.start
            .checked_add_signed(TimeDelta::days(d))
            .unwrap_or(self.start)
    }

    fn mid(&self, d: i64) -> i64 {
        usize::try_from(d - self.lo)
            .ok()
            .and_then(|i| self.mids.get(i).copied())
            .unwrap_or_else(|| midnight(self.tz, self.start, d))
    }

    fn at(&self, d: i64, secs: i64) -> i64 {
        self.mid(d) + secs
    }

    /// End of `end_day` (midnight of the next day).
    fn end(&self) -> i64 {
        self.mid(DAYS as i64)
    }

    fn day(&self, d: i64) -> String {
        self.date(d).format("%Y-%m-%d").to_string()
    }

    fn day_of(&self, t: i64) -> i64 {
        let i = self.mids.partition_point(|m| *m <= t);
        if i == 0 || i == self.mids.len() {
            return (t - self.mid(0)).div_euclid(DAY_SECS);
        }
        self.lo + i as i64 - 1
    }

    fn weekday(&self, d: i64) -> Weekday {
        self.date(d).weekday()
    }

    fn weekend(&self, d: i64) -> bool {
        matches!(self.weekday(d), Weekday::Sat | Weekday::Sun)
    }
}

fn midnight(tz: Tz, start: NaiveDate, d: i64) -> i64 {
    let date = start
        .checked_add_signed(TimeDelta::days(d))
        .unwrap_or(start);
    let ndt = date.and_time(NaiveTime::MIN);
    tz.from_local_datetime(&ndt)
        .earliest()
        .map_or_else(|| ndt.and_utc().timestamp(), |t| t.timestamp())
}

// ---------------------------------------------------------------------------------------
// Random helpers.

fn stream(section: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(SEED ^ section.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

fn uniform(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        lo
    } else {
        rng.random_range(lo..hi)
    }
}

fn weighted(rng: &mut ChaCha8Rng, w: &[f64]) -> usize {
    let total: f64 = w.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, wi) in w.iter().enumerate() {
        if x < *wi {
            return i;
        }
        x -= wi;
    }
    w.len().saturating_sub(1)
}

fn expo(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut p = 1.0;
    loop {
        p *= rng.random::<f64>();
        if p <= limit || k >= 60 {
            return k;
        }
        k += 1;
    }
}

#[rustfmt::skip]
const WEEKDAY_HOURS: [f64; 24] = [
    0.6, 0.3, 0.1, 0.05, 0.05, 0.1, 0.4, 1.5, 3.0, 2.6, 3.2, 2.8, 3.6, 2.6, 2.2, 2.8, 2.4, 2.3,
    2.8, 3.6, 5.6, 6.2, 4.4, 1.8,
];
#[rustfmt::skip]
const WEEKEND_HOURS: [f64; 24] = [
    1.0, 0.5, 0.2, 0.1, 0.05, 0.1, 0.3, 0.8, 1.8, 2.8, 3.4, 3.4, 3.2, 2.8, 3.0, 3.2, 3.0, 2.8,
    2.6, 3.2, 4.6, 5.2, 4.2, 2.2,
];

/// Seconds into a local day, weighted to when people are on WeChat (evening peak).
fn time_of_day(rng: &mut ChaCha8Rng, weekend: bool) -> i64 {
    let w = if weekend {
        &WEEKEND_HOURS
    } else {
        &WEEKDAY_HOURS
    };
    weighted(rng, w) as i64 * HOUR + uniform(rng, 0, HOUR)
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

// ---------------------------------------------------------------------------------------
// Fixed material: operators, groups, staff accounts, names, chat lines, products, content.

/// Demo colleagues of the caller: (login, display name, role).
const COLLEAGUES: [(&str, &str, &str); 4] = [
    ("li.na", "李娜", "operator"),
    ("wang.lei", "王磊", "operator"),
    ("zhao.min", "赵敏", "assistant"),
    ("chen.jie", "陈洁", "viewer"),
];

/// WeChat accounts run by the team. 0..=3 belong to the caller, li.na, wang.lei, zhao.min.
const STAFF: [&str; 11] = [
    "小鹿 | 社群主理人",
    "李娜 | 社群运营",
    "王磊-学习顾问",
    "赵敏(助理)",
    "小助手-团团",
    "小助手-圆圆",
    "客服小美",
    "班主任-刘老师",
    "助教-阿杰",
    "售后-小周",
    "福利官-橙子",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Trend {
    Flat,
    Decline,
    Thrive,
    Cohort,
    ColdStart,
}

struct GroupSpec {
    name: &'static str,
    kind: &'static str,
    platform: &'static str,
    /// days between `created_on` and `end_day`
    age: i64,
    /// membership rows, staff included
    total: usize,
    left_rate: f64,
    /// index into the login list (0 = the caller) and into `STAFF`
    owner: usize,
    admins: &'static [usize],
    colour: &'static str,
    positioning: &'static str,
    /// shares of core, active, occasional and lapsed members; the rest never speak
    mix: [f64; 4],
    trend: Trend,
    weekend: f64,
    /// how likely a member here buys (orders)
    commerce: f64,
}

const GROUPS: [GroupSpec; 12] = [
    GroupSpec {
        name: "宝妈育儿交流群3群",
        kind: "知识型",
        platform: "personal",
        age: 260,
        total: 520,
        left_rate: 0.09,
        owner: 1,
        admins: &[4, 10],
        colour: "#F48FB1",
        positioning: "为 0-6 岁宝宝的妈妈提供科学育儿方法,每周 2 次育儿干货 + 专家答疑 + 母婴好物团购",
        mix: [0.05, 0.28, 0.09, 0.19],
        trend: Trend::Flat,
        weekend: 1.15,
        commerce: 1.5,
    },
    GroupSpec {
        name: "职场穿搭福利群",
        kind: "福利型",
        platform: "wecom",
        age: 150,
        total: 505,
        left_rate: 0.07,
        owner: 0,
        admins: &[10],
        colour: "#BA68C8",
        positioning: "为 25-35 岁职场女性提供穿搭解决方案,每周 3 次穿搭教程 + 专属折扣",
        mix: [0.05, 0.28, 0.09, 0.19],
        trend: Trend::Flat,
        weekend: 1.1,
        commerce: 2.5,
    },
    GroupSpec {
        name: "Python 学习营 07 期",
        kind: "知识型",
        platform: "wecom",
        age: 18,
        total: 430,
        left_rate: 0.04,
        owner: 2,
        admins: &[7, 8, 5],
        colour: "#4FC3F7",
        positioning: "为零基础转行的职场人提供 21 天 Python 入门训练,每晚 20:00 直播课 + 作业点评 + 助教答疑",
        mix: [0.06, 0.35, 0.17, 0.0],
        trend: Trend::Cohort,
        weekend: 0.9,
        commerce: 0.3,
    },
    GroupSpec {
        name: "杭州吃货联盟",
        kind: "兴趣型",
        platform: "personal",
        age: 400,
        total: 540,
        left_rate: 0.13,
        owner: 0,
        admins: &[4],
        colour: "#FF8A65",
        positioning: "为杭州本地吃货提供探店攻略和霸王餐名额,每周 1 次探店团 + 每日美食打卡",
        mix: [0.07, 0.34, 0.09, 0.18],
        trend: Trend::Decline,
        weekend: 1.25,
        commerce: 0.6,
    },
    GroupSpec {
        name: "🌸花艺生活美学群",
        kind: "兴趣型",
        platform: "personal",
        age: 95,
        total: 470,
        left_rate: 0.06,
        owner: 1,
        admins: &[5],
        colour: "#81C784",
        positioning: "为热爱生活的城市白领提供花艺入门和鲜花订阅,每周三插花教程 + 每月一次线下花艺沙龙",
        mix: [0.05, 0.29, 0.09, 0.19],
        trend: Trend::Flat,
        weekend: 1.2,
        commerce: 1.0,
    },
    GroupSpec {
        name: "会员福利 VIP 群",
        kind: "转化型",
        platform: "wecom",
        age: 200,
        total: 500,
        left_rate: 0.06,
        owner: 0,
        admins: &[6, 10, 3],
        colour: "#FFD54F",
        positioning: "为年卡会员提供专属福利和优先服务,每周五会员日 + 积分兑换 + 新品优先试用",
        mix: [0.05, 0.29, 0.09, 0.19],
        trend: Trend::Flat,
        weekend: 1.0,
        commerce: 3.0,
    },
    GroupSpec {
        name: "考研数学互助群 2027",
        kind: "知识型",
        platform: "wecom",
        age: 45,
        total: 510,
        left_rate: 0.05,
        owner: 2,
        admins: &[7, 8],
        colour: "#7986CB",
        positioning: "为 2027 考研学生提供数学备考陪伴,每天 1 道真题打卡 + 每周二、四晚直播答疑",
        mix: [0.08, 0.36, 0.09, 0.14],
        trend: Trend::Thrive,
        weekend: 0.95,
        commerce: 0.3,
    },
    GroupSpec {
        name: "宠物用品团购群",
        kind: "福利型",
        platform: "wecom",
        age: 120,
        total: 500,
        left_rate: 0.08,
        owner: 3,
        admins: &[10],
        colour: "#A1887F",
        positioning: "为杭州养宠家庭提供正品宠物用品团购,每周一、三 10:00 限时秒杀 + 养宠知识答疑",
        mix: [0.05, 0.28, 0.09, 0.19],
        trend: Trend::Flat,
        weekend: 1.15,
        commerce: 2.5,
    },
    GroupSpec {
        name: "读书会·每月一本",
        kind: "兴趣型",
        platform: "personal",
        age: 330,
        total: 470,
        left_rate: 0.06,
        owner: 1,
        admins: &[5],
        colour: "#90A4AE",
        positioning: "为爱读书的上班族提供共读陪伴,每月共读一本书 + 每周五读书笔记分享",
        mix: [0.05, 0.30, 0.09, 0.20],
        trend: Trend::Flat,
        weekend: 1.2,
        commerce: 0.3,
    },
    GroupSpec {
        name: "售后服务群(华东区)",
        kind: "服务型",
        platform: "wecom",
        age: 380,
        total: 480,
        left_rate: 0.06,
        owner: 3,
        admins: &[9, 6],
        colour: "#4DB6AC",
        positioning: "为华东区购买净水器的客户提供售后服务,工作日 9:00-18:00 快速响应 + 滤芯更换提醒",
        mix: [0.04, 0.32, 0.10, 0.19],
        trend: Trend::Flat,
        weekend: 0.9,
        commerce: 1.2,
    },
    GroupSpec {
        name: "周末亲子活动群",
        kind: "活动型",
        platform: "personal",
        age: 60,
        total: 490,
        left_rate: 0.07,
        owner: 1,
        admins: &[4, 5],
        colour: "#FFB74D",
        positioning: "为杭州 3-10 岁孩子的家庭提供周末亲子活动,每周六户外活动 + 活动前 3 天报名接龙",
        mix: [0.05, 0.29, 0.09, 0.17],
        trend: Trend::Flat,
        weekend: 1.35,
        commerce: 0.8,
    },
    GroupSpec {
        name: "新品体验官招募群",
        kind: "转化型",
        platform: "wecom",
        age: 3,
        total: 260,
        left_rate: 0.01,
        owner: 0,
        admins: &[6, 3],
        colour: "#E57373",
        positioning: "为品牌老客提供新品免费试用名额,3 天打卡领体验装 + 体验报告抽奖",
        mix: [0.03, 0.30, 0.20, 0.0],
        trend: Trend::ColdStart,
        weekend: 1.0,
        commerce: 0.8,
    },
];

/// The group in trouble (its daily active rate falls under 15%) and the cold-start group.
const DECLINING: usize = 3;
const COLD_START: usize = 11;
/// The VIP group, whose last mass send was hardly opened (an open-rate alert).
const WEAK_PUSH: usize = 5;

#[rustfmt::skip]
const SURNAMES: [&str; 100] = [
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
const KIDS: [&str; 16] = [
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

const GENERIC_LINES: [&str; 36] = [
    "收到,谢谢分享!",
    "好的好的",
    "哈哈哈哈哈",
    "👍👍👍",
    "打卡✅",
    "早上好☀️",
    "晚安🌙",
    "学到了,感谢群主",
    "同问",
    "+1",
    "有道理",
    "我也是这么想的",
    "这个好实用,收藏了",
    "请问还有名额吗?",
    "刚看到,晚点仔细看",
    "太真实了😂",
    "支持一下",
    "谢谢大家的建议🙏",
    "群里好热闹啊",
    "今天有点忙,潜水了",
    "周末愉快~",
    "辛苦群主了",
    "链接失效了,能再发一下吗?",
    "我来晚了,错过了什么?",
    "感觉可以试试",
    "说得太对了",
    "有没有一起的?",
    "同款同款",
    "赞同楼上",
    "[捂脸] 笑死我了",
    "这个价格可以啊",
    "先 mark 一下",
    "明天继续打卡",
    "大家都好厉害",
    "好的,已报名",
    "求链接",
];

const THEME_LINES: [&[&str]; 12] = [
    &[
        "宝宝最近不爱吃饭怎么办?",
        "我家老二 10 个月,夜里还是要醒两三次😭",
        "辅食泥是自己做还是买现成的呀?",
        "推荐一下适合两岁宝宝的绘本吗",
        "湿疹反反复复,有没有好用的面霜",
        "今天带娃去打疫苗,哭得撕心裂肺",
        "幼儿园报名要准备哪些材料?",
        "分享一个哄睡小技巧:白噪音真的有用",
        "宝宝发烧 38.5 要不要马上吃退烧药?",
        "有杭州的宝妈吗?周末一起遛娃",
        "奶粉转奶要注意什么?",
        "我家的也是,一到晚上就闹觉",
    ],
    &[
        "这件大衣有链接吗?",
        "小个子穿阔腿裤会不会显矮?",
        "通勤穿搭求推荐,预算 500 以内",
        "今天照着教程穿了,同事都说好看😄",
        "黑色西装配什么颜色内搭好看?",
        "面试穿什么比较稳妥?",
        "优惠券怎么领?",
        "尺码偏大还是偏小?",
        "春天的风衣可以入了吗",
        "梨形身材求推荐裤子",
        "上次买的衬衫质量很好,回购了",
    ],
    &[
        "老师,for 循环里怎么跳过当前这一次?",
        "第三课作业交在哪里?",
        "pip install 一直超时怎么办",
        "报错 IndentationError 是什么意思😭",
        "列表推导式终于看懂了!",
        "求问字典怎么按值排序",
        "今天的直播有回放吗?",
        "打卡第 12 天,坚持!",
        "Windows 下配置环境变量好麻烦",
        "助教老师,我的作业被打回了,哪里有问题?",
        "有没有一起组队做项目的",
        "VS Code 和 PyCharm 哪个适合新手?",
    ],
    &[
        "湖滨银泰新开的那家火锅有人去过吗?",
        "求推荐滨江好吃的日料",
        "周末探店团还有位置吗?",
        "知味观的小笼包还是那个味道",
        "胜利河美食街停车方便吗",
        "霸王餐名额什么时候抽?",
        "这家店排队太久了,等了一个半小时",
        "推荐一家性价比高的杭帮菜",
        "有没有一起去吃片儿川的",
        "今天吃了一家新疆菜,大盘鸡绝了",
        "最近群里好冷清啊",
    ],
    &[
        "今天的花束是照着周三教程插的🌷",
        "郁金香买回来第二天就开了怎么办",
        "鲜花保鲜剂有用吗?",
        "求推荐适合新手的花材",
        "花艺沙龙下次什么时候?",
        "绣球怎么醒花?",
        "这周的订阅花到了,好喜欢",
        "花艺剪刀用什么牌子的好",
        "客厅放什么花比较耐看",
    ],
    &[
        "会员日是这周五吗?",
        "积分怎么兑换?",
        "年卡可以给家人用吗",
        "上次的赠品还没收到,麻烦帮看下",
        "新品试用怎么申请?",
        "优惠券过期了还能补吗",
        "周五几点开抢?",
        "已下单,期待~",
        "这次的会员礼盒好精致",
        "满减可以和积分一起用吗?",
    ],
    &[
        "今日打卡:极限 3 题全对✅",
        "求问洛必达什么时候不能用",
        "数一的线代从哪本书开始?",
        "每天学 10 小时还是感觉来不及😭",
        "张宇和汤家凤的课怎么选?",
        "今天的真题第二问没思路",
        "一起组队监督吗?",
        "直播答疑几点开始?",
        "泰勒展开记不住怎么办",
        "二战的同学有吗,交流一下经验",
        "刷完 1800 题了,下一步做什么?",
    ],
    &[
        "冻干猫粮还有货吗?",
        "我家猫最近掉毛好严重",
        "狗狗驱虫多久一次?",
        "豆腐猫砂结团效果怎么样?",
        "秒杀几点开始?",
        "有没有滨江的宠物医院推荐",
        "小猫不爱喝水怎么办",
        "团长,我的货到哪了?",
        "上次团的罐头猫主子很爱吃",
        "狗狗洗澡多久一次合适?",
        "新手养猫需要准备哪些东西",
    ],
    &[
        "这周读到第五章了,写得真好",
        "《置身事内》第三章有点难懂",
        "下个月读什么书?",
        "读书笔记已发在共享文档里",
        "推荐一本适合睡前读的书",
        "今天通勤路上读了一个小时",
        "有没有电子版?",
        "这本书的观点我不太同意,想讨论一下",
        "周五的分享会我想报名",
        "坚持读书第 40 天",
    ],
    &[
        "净水器显示滤芯到期了,怎么换?",
        "出水变小了是什么原因",
        "师傅明天几点上门?",
        "滤芯在哪里买正品?",
        "安装费是多少?",
        "机器一直滴滴响",
        "已经换好了,谢谢售后小周",
        "保修期是多久?",
        "延保怎么买?",
        "水龙头漏水能上门看看吗",
    ],
    &[
        "周六的活动还能报名吗?",
        "西溪湿地那场几点集合?",
        "孩子 5 岁可以参加吗",
        "接龙:+1 大人1 小孩1",
        "上周的手工课孩子好喜欢",
        "下雨的话活动还照常吗?",
        "需要自带午餐吗",
        "照片什么时候发群里?",
        "有没有室内的活动推荐",
        "报名费怎么交?",
    ],
    &[
        "大家好,我是老客户,很期待新品!",
        "体验装什么时候寄?",
        "打卡第一天✅",
        "打卡第二天✅",
        "体验报告要写多少字?",
        "新品有哪些口味?",
        "已填问卷",
        "抽奖什么时候开?",
        "包装好好看",
        "请问怎么才算打卡成功?",
    ],
];

/// The staff's SOP posts per group: 08:30 早安, 15:00 干货, 20:00 福利 (DOMAIN.md §2).
const SOP_LINES: [[&str; 3]; 12] = [
    [
        "早安☀️ 今天的话题:宝宝几点睡觉?欢迎分享~",
        "【干货分享】6 个月宝宝辅食添加顺序,建议收藏📌",
        "【福利推送】今晚 20:30 儿童绘本团购,群内专享 8 折",
    ],
    [
        "早安☀️ 今天降温,记得加件外套~",
        "【干货分享】小个子通勤穿搭 3 个公式",
        "【福利推送】群内专享:风衣满 299 减 50,今晚 24 点截止",
    ],
    [
        "早上好!今日任务:完成第 4 课练习题并在群里打卡",
        "【干货分享】常见报错速查表已上传群文件",
        "【今晚直播】20:00 函数与模块,直播间见",
    ],
    [
        "早安☀️ 今天中午吃什么?来晒图~",
        "【探店分享】滨江这家烧鸟店人均 90,值得一去",
        "【福利推送】本周霸王餐名额 5 个,接龙报名",
    ],
    [
        "早安🌸 今天是适合插花的一天",
        "【干货分享】鲜切花醒花三步法",
        "【福利推送】春日花束订阅首单立减 30",
    ],
    [
        "早安☀️ 本周五会员日,记得定闹钟",
        "【会员须知】积分 100 可抵 10 元,本月底清零提醒",
        "【福利推送】会员专享价今晚 20:00 开抢",
    ],
    [
        "早安!今日一题已发布,评论区打卡",
        "【干货分享】极限计算 8 种方法总结",
        "【今晚答疑】20:00 直播答疑,提前把问题发群里",
    ],
    [
        "早安🐾 今天的养宠小知识:猫咪一天要喝多少水?",
        "【干货分享】换粮七日法,避免软便",
        "【福利推送】明早 10:00 秒杀:豆腐猫砂 4 包 69.9",
    ],
    [
        "早安📖 今天读了几页?",
        "【读书笔记】本周共读章节要点整理",
        "【活动预告】周五 15:00 读书分享会,欢迎报名",
    ],
    [
        "早上好,售后服务时间 9:00-18:00,有问题随时@我们",
        "【使用小贴士】滤芯更换周期一览",
        "【服务提醒】本月上门保养还有 20 个名额",
    ],
    [
        "早安☀️ 周六活动开始接龙啦",
        "【活动须知】户外活动请给孩子穿运动鞋、带水杯",
        "【报名提醒】本周六名额剩 12 组,抓紧接龙",
    ],
    [
        "欢迎新进群的体验官!请按群公告格式做自我介绍~",
        "【打卡说明】每天晒图打卡,连续 3 天领正装 8 折券",
        "【福利推送】今晚 20:00 抽 10 位送新品正装",
    ],
];

const AD_LINES: [&str; 4] = [
    "加我微信领取免费资料 V:ziliao8866",
    "低价代购大牌包包,正品保证,加V:luxury_2580 了解",
    "转发这条链接到 3 个群,送 50 元话费 👉 http://t.cn/A6xYzq",
    "加我微信进内部福利群,每天免单 V:fuli_9527",
];
const AD_KEYWORDS: [&str; 4] = ["加我微信", "代购", "转发", "加我微信"];
const SCAM_LINE: &str = "宝妈在家就能做的兼职,手机刷单每天 200-500,日结,有意私聊我";

/// (product, price in cents) per group.
const PRODUCTS: [&[(&str, i64)]; 12] = [
    &[
        ("儿童绘本套装", 16_800),
        ("婴儿湿巾 80 抽×10", 5_990),
        ("儿童益生菌", 19_800),
        ("辅食机", 29_900),
    ],
    &[
        ("羊毛混纺大衣", 59_900),
        ("通勤西装外套", 39_900),
        ("真丝衬衫", 25_900),
        ("高腰阔腿裤", 15_900),
        ("羊绒围巾", 8_900),
    ],
    &[("Python 进阶课", 99_900), ("数据分析实战营", 69_900)],
    &[("霸王餐双人券", 9_900), ("探店团餐位", 12_800)],
    &[
        ("春日花束月订", 19_900),
        ("玻璃花瓶", 6_900),
        ("花艺工具套装", 12_900),
    ],
    &[
        ("年度会员卡", 29_900),
        ("会员日礼盒", 19_900),
        ("积分加价购保温杯", 4_900),
        ("坚果礼盒", 13_800),
    ],
    &[("考研数学冲刺班", 129_900), ("真题精讲讲义", 8_800)],
    &[
        ("冻干猫粮 1.5kg", 12_800),
        ("豆腐猫砂 6L×4", 6_990),
        ("狗狗洁齿棒", 3_990),
        ("宠物驱虫药", 9_800),
    ],
    &[("共读书籍", 4_900)],
    &[
        ("净水器滤芯替换装", 15_900),
        ("延保服务 1 年", 9_900),
        ("上门深度保养", 19_900),
    ],
    &[("亲子活动报名费", 8_800), ("自然笔记材料包", 3_900)],
    &[("新品正装", 13_900), ("新品体验装", 990)],
];

const TAGS: [(&str, &str); 8] = [
    ("高意向", "#E57373"),
    ("宝妈", "#F48FB1"),
    ("学员", "#64B5F6"),
    ("老客户", "#FFB74D"),
    ("KOC", "#BA68C8"),
    ("待激活", "#90A4AE"),
    ("团长", "#4DB6AC"),
    ("售后跟进", "#A1887F"),
];
const TAG_HIGH_INTENT: usize = 0;
const TAG_MOM: usize = 1;
const TAG_STUDENT: usize = 2;
const TAG_LOYAL: usize = 3;
const TAG_KOC: usize = 4;
const TAG_WAKE: usize = 5;
const TAG_LEADER: usize = 6;
const TAG_AFTERSALES: usize = 7;

/// When content goes out (DOMAIN.md §4 slot hints).
#[derive(Clone, Copy)]
enum Rule {
    /// 知识教程 Tue/Thu 20:00
    Tutorial,
    /// 限时福利 Mon/Wed 10:00
    Offer,
    /// 话题讨论 Fri 15:00
    Topic,
    /// 周三公开课 20:00
    Live,
    /// 周一行业资讯 08:30
    Monday,
    /// 周五学员成果展 20:00
    Showcase,
    /// every day 20:00
    Daily,
    NoSlot,
}

impl Rule {
    fn slot(self) -> Option<(&'static [Weekday], i64)> {
        use Weekday::*;
        match self {
            Rule::Tutorial => Some((&[Tue, Thu], 20 * HOUR)),
            Rule::Offer => Some((&[Mon, Wed], 10 * HOUR)),
            Rule::Topic => Some((&[Fri], 15 * HOUR)),
            Rule::Live => Some((&[Wed], 20 * HOUR)),
            Rule::Monday => Some((&[Mon], 8 * HOUR + 30 * MIN)),
            Rule::Showcase => Some((&[Fri], 20 * HOUR)),
            Rule::Daily => Some((&[Mon, Tue, Wed, Thu, Fri, Sat, Sun], 20 * HOUR)),
            Rule::NoSlot => None,
        }
    }
}

struct ContentSpec {
    title: &'static str,
    kind: &'static str,
    form: &'static str,
    column: Option<&'static str>,
    theme: &'static str,
    state: &'static str,
    rule: Rule,
    /// < 0: the n-th slot before today; > 0: the n-th slot from today on
    n: i64,
    groups: &'static [usize],
    tags: &'static [&'static str],
    owner: usize,
    body: &'static str,
    reject: Option<&'static str>,
    override_reason: Option<&'static str>,
    weak: bool,
}

const CONTENT: [ContentSpec; 30] = [
    ContentSpec {
        title: "宝宝积食了怎么办?3 个小妙招",
        kind: "engage",
        form: "article",
        column: Some("干货分享"),
        theme: "育儿干货",
        state: "published",
        rule: Rule::Tutorial,
        n: -1,
        groups: &[0, 10],
        tags: &["育儿", "干货"],
        owner: 1,
        body: "宝宝不爱吃饭、舌苔厚、睡觉翻来覆去?可能是积食了。\n1. 晚餐七分饱,睡前 2 小时不加餐;\n2. 顺时针揉肚子 5 分钟;\n3. 多喝温水,辅食加点山药小米粥。\n持续 3 天以上或伴随发烧,请及时就医。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "Python 第 3 周:列表推导式一次讲透",
        kind: "engage",
        form: "video",
        column: Some("干货分享"),
        theme: "Python教程",
        state: "published",
        rule: Rule::Tutorial,
        n: -2,
        groups: &[2],
        tags: &["Python", "教程"],
        owner: 2,
        body: "本周视频 12 分钟:\n- 从 for 循环到列表推导式\n- 带条件的推导式\n- 字典、集合推导式\n课后作业:用一行代码筛出 100 以内的质数。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "限时秒杀|冻干猫粮 1.5kg 第二件半价",
        kind: "convert",
        form: "text",
        column: Some("限时秒杀"),
        theme: "宠物秒杀",
        state: "published",
        rule: Rule::Offer,
        n: -1,
        groups: &[7],
        tags: &["秒杀", "宠物"],
        owner: 3,
        body: "🔥10:00 准时开抢\n冻干猫粮 1.5kg 原价 128,全网最低价,第二件半价\n限量 200 份,抢完即止\n下单后 48 小时内发货",
        reject: None,
        override_reason: Some("“全网最低价”为平台活动价,已附活动规则截图,法务确认可用"),
        weak: false,
    },
    ContentSpec {
        title: "你心中杭州最好吃的小笼包是哪家?",
        kind: "engage",
        form: "poll",
        column: None,
        theme: "吃货话题",
        state: "published",
        rule: Rule::Topic,
        n: -1,
        groups: &[3],
        tags: &["投票", "话题"],
        owner: 0,
        body: "周五话题投票🗳\nA. 知味观\nB. 新丰小吃\nC. 弄堂里\nD. 其他(评论区告诉我们)\n投票截止周日 22:00,抽 3 位送霸王餐券!",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "会员日专享:满 299 减 60",
        kind: "convert",
        form: "article",
        column: Some("精选推荐"),
        theme: "会员福利",
        state: "published",
        rule: Rule::Offer,
        n: -2,
        groups: &[5, 1],
        tags: &["会员日", "优惠券"],
        owner: 0,
        body: "本周会员日福利来啦:\n· 全场满 299 减 60\n· 积分翻倍\n· 前 50 名下单送定制帆布袋\n活动时间:周五 10:00 - 周日 24:00",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "春季通勤穿搭公式,一周不重样",
        kind: "engage",
        form: "video",
        column: Some("干货分享"),
        theme: "穿搭教程",
        state: "published",
        rule: Rule::Tutorial,
        n: -1,
        groups: &[1],
        tags: &["穿搭", "教程"],
        owner: 1,
        body: "5 件单品搞定一周通勤:\n西装外套 + 白衬衫 + 直筒裤 + 针织开衫 + 半身裙\n视频里有 7 套搭配示范,小个子、梨形身材都有建议。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "每日一题:2027 数一真题·极限",
        kind: "engage",
        form: "text",
        column: Some("干货分享"),
        theme: "考研打卡",
        state: "published",
        rule: Rule::Daily,
        n: -1,
        groups: &[6],
        tags: &["考研", "打卡"],
        owner: 2,
        body: "今日一题:\n求 lim(x→0) (tan x - sin x) / x³\n提示:泰勒展开到三阶。\n答案明早 8:30 公布,评论区打卡。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "周五学员成果展:07 期第一周作业精选",
        kind: "brand",
        form: "article",
        column: Some("周五学员成果展"),
        theme: "学员成果",
        state: "reviewed",
        rule: Rule::Showcase,
        n: -2,
        groups: &[2],
        tags: &["学员", "成果展"],
        owner: 2,
        body: "第一周共收到 186 份作业,精选 6 份:\n· 用 Python 算房贷的小林\n· 自动整理下载文件夹的 Amy\n· 给爸妈写了天气提醒脚本的阿杰\n感谢每一位认真打卡的同学!",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "辅食工具清单:新手妈妈不踩坑",
        kind: "convert",
        form: "article",
        column: Some("每日好物"),
        theme: "母婴好物",
        state: "reviewed",
        rule: Rule::Offer,
        n: -6,
        groups: &[0],
        tags: &["育儿", "好物"],
        owner: 1,
        body: "辅食机、硅胶围兜、分格餐盘……\n群内专享团购价,下单备注“宝妈群”再减 10 元。\n清单附在文末,按月龄挑选。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "周一行业资讯:2026 宠物消费趋势",
        kind: "brand",
        form: "article",
        column: Some("周一行业资讯"),
        theme: "行业资讯",
        state: "reviewed",
        rule: Rule::Monday,
        n: -3,
        groups: &[7],
        tags: &["资讯", "宠物"],
        owner: 3,
        body: "本周早报三件事:\n1. 国产冻干品牌增速超 40%\n2. 宠物医保产品扎堆上新\n3. 猫砂进入“豆腐砂”时代\n你家主子最近在用什么?评论区聊聊。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "花艺入门直播:用超市鲜花插出高级感",
        kind: "engage",
        form: "live",
        column: Some("周三公开课"),
        theme: "花艺教程",
        state: "reviewed",
        rule: Rule::Live,
        n: -3,
        groups: &[4],
        tags: &["花艺", "直播"],
        owner: 1,
        body: "周三 20:00 直播:\n· 超市 30 元花材怎么选\n· 螺旋花束的手法\n· 花瓶与花材的比例\n直播间抽 5 位送当季花束。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "二月共读:《置身事内》读书笔记",
        kind: "engage",
        form: "article",
        column: Some("干货分享"),
        theme: "读书笔记",
        state: "reviewed",
        rule: Rule::Topic,
        n: -2,
        groups: &[8],
        tags: &["读书"],
        owner: 1,
        body: "本月共读《置身事内》,整理了三章笔记:\n第一章 地方政府的权力与事务\n第二章 财税与政府行为\n第三章 政府投融资与债务\n周五 15:00 群内讨论,欢迎带着问题来。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "滤芯该换了吗?3 个信号告诉你",
        kind: "brand",
        form: "video",
        column: Some("干货分享"),
        theme: "售后知识",
        state: "reviewed",
        rule: Rule::Tutorial,
        n: -6,
        groups: &[9],
        tags: &["售后", "滤芯"],
        owner: 3,
        body: "出水变小、水有异味、指示灯变红:\n这三个信号出现任意一个,就该换滤芯了。\n视频演示 3 分钟自助更换,工具箱里就有扳手。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "杭州探店|湖滨新开的本帮菜值不值?",
        kind: "engage",
        form: "video",
        column: Some("精选推荐"),
        theme: "探店",
        state: "reviewed",
        rule: Rule::Topic,
        n: -3,
        groups: &[3],
        tags: &["探店"],
        owner: 0,
        body: "人均 120,排队 40 分钟。\n必点:油爆虾、响油鳝丝\n可以不点:东坡肉(偏甜)\n你去过吗?打几分?",
        reject: None,
        override_reason: None,
        weak: true,
    },
    ContentSpec {
        title: "年货节直播:会员专场",
        kind: "convert",
        form: "live",
        column: Some("限时秒杀"),
        theme: "年货直播",
        state: "reviewed",
        rule: Rule::Live,
        n: -6,
        groups: &[5, 1],
        tags: &["直播", "会员日"],
        owner: 0,
        body: "年货节会员专场直播:\n· 坚果礼盒 5 折\n· 满 199 送定制红包封面\n· 直播间下单积分 3 倍\n时间:周三 20:00。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "Python 第 4 周:函数与模块",
        kind: "engage",
        form: "video",
        column: Some("干货分享"),
        theme: "Python教程",
        state: "scheduled",
        rule: Rule::Tutorial,
        n: 1,
        groups: &[2],
        tags: &["Python", "教程"],
        owner: 2,
        body: "本周学习:\n- def 定义函数、参数与返回值\n- import 与自己的模块\n- 实战:写一个记账小工具\n周四 20:00 直播讲解作业。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "周三公开课:考研数学复习规划",
        kind: "engage",
        form: "live",
        column: Some("周三公开课"),
        theme: "考研公开课",
        state: "scheduled",
        rule: Rule::Live,
        n: 1,
        groups: &[6],
        tags: &["考研", "直播"],
        owner: 2,
        body: "距离考研还有不到 300 天,本周公开课讲:\n1. 基础、强化、冲刺三阶段怎么分\n2. 真题什么时候开始刷\n3. 答疑环节\n提前把问题发到群里。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "限时秒杀|豆腐猫砂 6L×4 只要 69.9",
        kind: "convert",
        form: "text",
        column: Some("限时秒杀"),
        theme: "宠物秒杀",
        state: "scheduled",
        rule: Rule::Offer,
        n: 1,
        groups: &[7],
        tags: &["秒杀", "宠物"],
        owner: 3,
        body: "⏰10:00 准时开抢\n豆腐猫砂 6L×4 包,到手 69.9\n结团快、可冲厕所\n每人限购 2 份",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "周末亲子活动:西溪湿地自然观察报名",
        kind: "engage",
        form: "poll",
        column: Some("精选推荐"),
        theme: "亲子活动",
        state: "scheduled",
        rule: Rule::Topic,
        n: 1,
        groups: &[10],
        tags: &["亲子", "活动"],
        owner: 1,
        body: "本周六 9:30 西溪湿地周家村入口集合\n活动:认识 10 种湿地植物 + 自然笔记\n适合 4-10 岁,每组 1 大 1 小\n投票选择你能参加的场次:上午 / 下午",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "新品体验官:第 1 天打卡任务",
        kind: "engage",
        form: "text",
        column: Some("每日好物"),
        theme: "新品打卡",
        state: "scheduled",
        rule: Rule::Daily,
        n: 1,
        groups: &[11],
        tags: &["新品", "打卡"],
        owner: 0,
        body: "体验官们晚上好!\n今天的打卡任务:晒出你收到的体验装📦\n连续打卡 3 天可领正装 8 折券,\n第 7 天抽 10 位送正装。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "周五学员成果展:07 期第三周",
        kind: "brand",
        form: "article",
        column: Some("周五学员成果展"),
        theme: "学员成果",
        state: "scheduled",
        rule: Rule::Showcase,
        n: 1,
        groups: &[2],
        tags: &["学员", "成果展"],
        owner: 2,
        body: "第三周作业精选征集中:\n爬虫、数据可视化、自动化办公,\n被选中的同学送定制马克杯。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "3 月会员日福利清单",
        kind: "convert",
        form: "article",
        column: Some("精选推荐"),
        theme: "会员福利",
        state: "review",
        rule: Rule::Offer,
        n: 2,
        groups: &[5],
        tags: &["会员日", "优惠券"],
        owner: 0,
        body: "3 月会员日(每周五)福利:\n· 满 199 减 30\n· 积分 100 抵 10 元\n· 新品体验装免费领\n优惠力度已和财务确认。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "春日花束订阅上新",
        kind: "convert",
        form: "article",
        column: Some("每日好物"),
        theme: "花束订阅",
        state: "review",
        rule: Rule::Offer,
        n: 3,
        groups: &[4],
        tags: &["花艺", "订阅"],
        owner: 1,
        body: "春日限定花束订阅:\n月订 4 次,每周一束,到手 199\n首单送玻璃花瓶\n订阅即享花艺直播课回放。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "品牌故事:我们为什么做净水",
        kind: "brand",
        form: "video",
        column: Some("周一行业资讯"),
        theme: "品牌故事",
        state: "review",
        rule: Rule::Monday,
        n: 2,
        groups: &[9, 5],
        tags: &["品牌"],
        owner: 3,
        body: "8 年前,创始人在老家发现井水水质问题……\n这支 2 分钟的短片讲述我们的初心。\n发布后请在售后群置顶 24 小时。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "宝宝湿疹护理指南",
        kind: "engage",
        form: "article",
        column: Some("干货分享"),
        theme: "育儿干货",
        state: "review",
        rule: Rule::Tutorial,
        n: 2,
        groups: &[0, 10],
        tags: &["育儿", "干货"],
        owner: 1,
        body: "湿疹护理三步:\n1. 温水洗澡,不超过 10 分钟\n2. 洗后 3 分钟内厚涂保湿霜\n3. 纯棉衣物,避免过热\n本文已请儿科医生审阅。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "全网最便宜!职场通勤包 99 元秒杀",
        kind: "convert",
        form: "text",
        column: Some("限时秒杀"),
        theme: "穿搭秒杀",
        state: "draft",
        rule: Rule::Offer,
        n: 2,
        groups: &[1],
        tags: &["秒杀", "穿搭"],
        owner: 1,
        body: "通勤包限时 99 元\n原价 259,可放 14 寸电脑\n仅限今天",
        reject: Some("标题含极限词“全网最便宜”,违反广告法;请改为“限时特价”后重新提交"),
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "3 月共读书单投票",
        kind: "engage",
        form: "poll",
        column: None,
        theme: "读书投票",
        state: "draft",
        rule: Rule::Topic,
        n: 2,
        groups: &[8],
        tags: &["读书", "投票"],
        owner: 1,
        body: "3 月读什么?\nA.《被讨厌的勇气》\nB.《纳瓦尔宝典》\nC.《额尔古纳河右岸》",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "Python 07 期结营仪式直播",
        kind: "brand",
        form: "live",
        column: Some("周三公开课"),
        theme: "结营直播",
        state: "draft",
        rule: Rule::NoSlot,
        n: 0,
        groups: &[2],
        tags: &["Python", "直播"],
        owner: 2,
        body: "结营仪式流程(草稿):\n1. 优秀学员颁奖\n2. 08 期预告\n3. 抽奖",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "吃货联盟回归福利:霸王餐抽奖",
        kind: "engage",
        form: "text",
        column: Some("精选推荐"),
        theme: "召回福利",
        state: "draft",
        rule: Rule::NoSlot,
        n: 0,
        groups: &[3],
        tags: &["召回", "福利"],
        owner: 0,
        body: "好久不见!群里最近有点冷清,\n本周抽 10 位送霸王餐双人券,\n参与方式:群里发一张你最近吃到的美食照片。",
        reject: None,
        override_reason: None,
        weak: false,
    },
    ContentSpec {
        title: "品牌 3 周年回顾",
        kind: "brand",
        form: "video",
        column: None,
        theme: "品牌周年",
        state: "draft",
        rule: Rule::NoSlot,
        n: 0,
        groups: &[5, 1, 11],
        tags: &["品牌", "周年"],
        owner: 0,
        body: "3 年、12 个社群、5000 位伙伴……\n视频脚本待补充。",
        reject: None,
        override_reason: None,
        weak: false,
    },
];

fn category_zh(kind: &str) -> &'static str {
    match kind {
        "convert" => "转化",
        "brand" => "品牌",
        _ => "促活",
    }
}

fn form_zh(form: &str) -> &'static str {
    match form {
        "video" => "视频",
        "poll" => "投票",
        "live" => "直播",
        "text" => "文字",
        _ => "图文",
    }
}

/// (open, forward, reply) rates by form (DOMAIN.md §4: 图文 62/18/25, 短视频 78/32/15,
/// 投票 85/8/42; live and plain text are our own guesses).
fn form_rates(form: &str) -> (f64, f64, f64) {
    match form {
        "video" => (0.78, 0.32, 0.15),
        "poll" => (0.85, 0.08, 0.42),
        "live" => (0.45, 0.10, 0.30),
        "text" => (0.55, 0.05, 0.12),
        _ => (0.62, 0.18, 0.25),
    }
}

// ---------------------------------------------------------------------------------------
// The generated world, in memory.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Persona {
    Core,
    Active,
    Occasional,
    Lapsed,
    Never,
    Staff,
}

struct Group {
    spec: &'static GroupSpec,
    /// day index of `created_on` (negative: before the 90 days)
    cday: i64,
    created_at: i64,
    factor: [f64; DAYS],
}

struct Member {
    name: String,
    /// surname + given name when the WeChat name is a real name
    real: Option<String>,
    wxid: String,
    identity: Option<&'static str>,
    note: Option<String>,
    created_at: i64,
    staff: bool,
}

#[derive(Clone, Copy)]
struct Left {
    day: i64,
    at: i64,
    reason: &'static str,
}

struct Ms {
    g: usize,
    m: usize,
    role: &'static str,
    nickname: Option<String>,
    jd: i64,
    joined_at: i64,
    left: Option<Left>,
    persona: Persona,
    p: f64,
    mu: f64,
    stop: i64,
    tier: &'static str,
    reason: String,
    kol: bool,
}

#[derive(Clone, Copy, Default)]
struct DayStat {
    members: u32,
    joins: u32,
    leaves: u32,
    messages: u32,
    speakers: u32,
}

struct Msg {
    g: usize,
    ms: usize,
    at: i64,
    kind: &'static str,
    content: String,
}

struct Event {
    g: usize,
    m: usize,
    at: i64,
    kind: &'static str,
    detail: String,
}

struct Order {
    m: usize,
    at: i64,
    amount: i64,
    product: &'static str,
}

struct Points {
    m: usize,
    g: usize,
    at: i64,
    delta: i64,
    reason: String,
    by: String,
}

struct Risk {
    g: usize,
    m: Option<usize>,
    msg: Option<usize>,
    at: i64,
    level: i64,
    category: &'static str,
    keyword: &'static str,
    action: Option<&'static str>,
    handled_by: Option<String>,
    handled_at: Option<i64>,
    note: Option<String>,
}

struct Sanction {
    m: usize,
    g: usize,
    level: &'static str,
    reason: String,
    by: String,
    at: i64,
}

struct Review {
    content: usize,
    reviewer: String,
    at: i64,
    compliance: bool,
    compliance_note: String,
    fit_note: String,
    appeal_note: String,
    override_reason: Option<&'static str>,
}

struct ContentResult {
    content: usize,
    opens: i64,
    forwards: i64,
    replies: i64,
    clicks: i64,
    orders: Option<i64>,
    entered_by: String,
    entered_at: i64,
}

struct Content {
    spec: &'static ContentSpec,
    slot: Option<i64>,
    slot_day: Option<i64>,
    material: String,
    owner: String,
    created_at: i64,
    updated_at: i64,
    updated_by: String,
    version: i64,
}

struct Reminder {
    for_login: Option<String>,
    source: &'static str,
    source_id: Option<i64>,
    group: Option<usize>,
    title: String,
    body: Option<String>,
    due_at: i64,
    state: &'static str,
    fired_at: Option<i64>,
    snoozed_until: Option<i64>,
    dismissed_by: Option<String>,
    created_by: String,
    created_at: i64,
}

struct Alert {
    g: usize,
    since: i64,
    value: f64,
    opened_at: i64,
}

struct World {
    cal: Cal,
    /// 0 = the caller, then li.na, wang.lei, zhao.min, chen.jie
    logins: Vec<String>,
    groups: Vec<Group>,
    members: Vec<Member>,
    ms: Vec<Ms>,
    /// messages per membership and day: `counts[ms * DAYS + day]`
    counts: Vec<u16>,
    stats: Vec<[DayStat; DAYS]>,
    messages: Vec<Msg>,
    events: Vec<Event>,
    aliases: BTreeSet<(usize, String)>,
    orders: Vec<Order>,
    member_tags: BTreeSet<(usize, usize)>,
    points: Vec<Points>,
    risks: Vec<Risk>,
    sanctions: Vec<Sanction>,
    content: Vec<Content>,
    reviews: Vec<Review>,
    results: Vec<ContentResult>,
    opens: BTreeMap<(usize, i64), f64>,
    alert: Option<Alert>,
    reminders: Vec<Reminder>,
    /// the ad, scam and sensitive actors picked for risk (membership indices)
    bad_ads: usize,
    bad_sensitive: usize,
}

impl World {
    fn build(cal: Cal, operator: &str) -> World {
        let mut logins = vec![operator.to_string()];
        logins.extend(COLLEAGUES.iter().map(|c| c.0.to_string()));
        let mut w = World {
            cal,
            logins,
            groups: Vec::new(),
            members: Vec::new(),
            ms: Vec::new(),
            counts: Vec::new(),
            stats: Vec::new(),
            messages: Vec::new(),
            events: Vec::new(),
            aliases: BTreeSet::new(),
            orders: Vec::new(),
            member_tags: BTreeSet::new(),
            points: Vec::new(),
            risks: Vec::new(),
            sanctions: Vec::new(),
            content: Vec::new(),
            reviews: Vec::new(),
            results: Vec::new(),
            opens: BTreeMap::new(),
            alert: None,
            reminders: Vec::new(),
            bad_ads: usize::MAX,
            bad_sensitive: usize::MAX,
        };
        w.make_groups();
        w.make_memberships();
        w.make_joins_and_leaves();
        w.make_personas();
        w.make_activity();
        w.make_tiers();
        w.make_messages();
        w.make_events();
        w.make_orders();
        w.make_identities_and_tags();
        w.make_content();
        w.make_points();
        w.make_alert();
        w.make_reminders();
        w
    }

    fn login(&self, i: usize) -> String {
        self.logins.get(i).cloned().unwrap_or_default()
    }

    fn end(&self) -> i64 {
        self.cal.end()
    }

    // --- groups --------------------------------------------------------------------

    fn make_groups(&mut self) {
        let mut rng = stream(1);
        for spec in &GROUPS {
            let cday = LAST - spec.age;
            let created_at = self
                .cal
                .at(cday, 10 * HOUR + uniform(&mut rng, 0, 50) * MIN);
            let mut factor = [1.0; DAYS];
            for (d, f) in factor.iter_mut().enumerate() {
                let d = d as i64;
                let x = d as f64;
                let trend = match spec.trend {
                    Trend::Flat => 1.0,
                    Trend::Decline if d <= LAST - 4 => 1.0 - 0.22 * x / (LAST - 4) as f64,
                    // the crash after the quarrel and the ad flood: weekends do not help
                    Trend::Decline => 0.40,
                    Trend::Thrive => 0.85 + 0.45 * x / LAST as f64,
                    Trend::Cohort => (1.15 - 0.25 * (d - cday) as f64 / 18.0).max(0.85),
                    Trend::ColdStart => 1.2,
                };
                let crashed = spec.trend == Trend::Decline && d > LAST - 4;
                let weekend = if self.cal.weekend(d) && !crashed {
                    spec.weekend
                } else {
                    1.0
                };
                *f = trend * weekend * rng.random_range(0.93..1.07);
            }
            self.groups.push(Group {
                spec,
                cday,
                created_at,
                factor,
            });
        }
    }

    // --- members and who is in which group --------------------------------------------

    fn make_memberships(&mut self) {
        let mut rng = stream(2);
        let mut wxids = HashSet::new();
        let surname_w: Vec<f64> = (0..SURNAMES.len())
            .map(|i| 60.0 / (i as f64 + 8.0))
            .collect();
        for name in STAFF {
            let wxid = new_wxid(&mut rng, &mut wxids);
            self.members.push(Member {
                name: name.to_string(),
                real: None,
                wxid,
                identity: Some("staff"),
                note: Some("团队运营账号".to_string()),
                created_at: 0,
                staff: true,
            });
        }
        // staff memberships: the owner's account and 1-3 admins per group
        let mut cap = Vec::new();
        for (g, spec) in GROUPS.iter().enumerate() {
            self.ms.push(new_ms(g, spec.owner, "owner"));
            for &a in spec.admins {
                self.ms.push(new_ms(g, a, "admin"));
            }
            cap.push(spec.total - 1 - spec.admins.len());
        }
        // regular members: ~13% in 2 groups, ~2% in 3 (WeChat users collect groups)
        let slots: usize = cap.iter().sum();
        let n0 = slots as f64 / 1.16;
        let k3 = (n0 * 0.02).round() as usize;
        let k2 = (n0 * 0.12).round() as usize;
        let n = slots - k2 - 2 * k3;
        let first = self.members.len();
        for _ in 0..n {
            let (name, real) = person_name(&mut rng, &surname_w);
            let wxid = new_wxid(&mut rng, &mut wxids);
            self.members.push(Member {
                name,
                real,
                wxid,
                identity: None,
                note: None,
                created_at: 0,
                staff: false,
            });
        }
        let mut pairs = Vec::new();
        for i in 0..k3 + k2 {
            let want = if i < k3 { 3 } else { 2 };
            let mut chosen: Vec<usize> = Vec::new();
            for _ in 0..want {
                let w: Vec<f64> = cap
                    .iter()
                    .enumerate()
                    .map(|(g, c)| if chosen.contains(&g) { 0.0 } else { *c as f64 })
                    .collect();
                let g = weighted(&mut rng, &w);
                if cap[g] == 0 || chosen.contains(&g) {
                    continue;
                }
                cap[g] -= 1;
                chosen.push(g);
                pairs.push((g, first + i));
            }
        }
        let mut rest: Vec<usize> = cap
            .iter()
            .enumerate()
            .flat_map(|(g, c)| std::iter::repeat_n(g, *c))
            .collect();
        rest.shuffle(&mut rng);
        for (j, g) in rest.into_iter().enumerate() {
            let m = first + k3 + k2 + j;
            if m < self.members.len() {
                pairs.push((g, m));
            }
        }
        for (g, m) in pairs {
            let mut s = new_ms(g, m, "member");
            if rng.random_bool(0.22) {
                s.nickname = Some(group_nickname(&mut rng, g, &self.members[m]));
            }
            self.ms.push(s);
        }
    }

    fn make_joins_and_leaves(&mut self) {
        let mut rng = stream(3);
        let end = self.end();
        for s in &mut self.ms {
            let gr = &self.groups[s.g];
            let t = match s.role {
                "owner" => gr.created_at,
                "admin" => gr.created_at + uniform(&mut rng, 5, 90) * MIN,
                _ => {
                    let span = (LAST - gr.cday + 1) as f64;
                    let f = match gr.spec.trend {
                        Trend::ColdStart => expo(&mut rng, 0.25),
                        Trend::Cohort if rng.random_bool(0.8) => expo(&mut rng, 0.07),
                        Trend::Thrive if rng.random_bool(0.75) => rng.random::<f64>().powf(0.7),
                        Trend::Thrive | Trend::Flat | Trend::Decline if rng.random_bool(0.4) => {
                            expo(&mut rng, 0.05)
                        }
                        _ => rng.random::<f64>(),
                    }
                    .min(0.9999);
                    let day = gr.cday + (f * span) as i64;
                    let t = self
                        .cal
                        .at(day, time_of_day(&mut rng, self.cal.weekend(day)));
                    if t <= gr.created_at + 90 * MIN {
                        gr.created_at + uniform(&mut rng, 90, 600) * MIN
                    } else {
                        t
                    }
                }
            };
            s.joined_at = t.min(end - 60);
            s.jd = self.cal.day_of(s.joined_at);
        }
        // leavers: a share of each group's regular members, never staff
        for (g, spec) in GROUPS.iter().enumerate() {
            let mut idx: Vec<usize> = (0..self.ms.len())
                .filter(|&i| self.ms[i].g == g && self.ms[i].role == "member")
                .collect();
            idx.shuffle(&mut rng);
            let want = (idx.len() as f64 * spec.left_rate).round() as usize;
            let mut taken = 0;
            for i in idx {
                if taken == want {
                    break;
                }
                let lo = self.ms[i].joined_at + HOUR;
                let hi = end - 60;
                if hi - lo < 6 * HOUR {
                    continue;
                }
                let t = if spec.trend == Trend::Decline && rng.random_bool(0.45) {
                    uniform(&mut rng, lo.max(self.cal.mid(LAST - 5)), hi)
                } else if rng.random_bool(0.4) {
                    (lo + (expo(&mut rng, 2.0) * DAY_SECS as f64) as i64).min(hi)
                } else {
                    uniform(&mut rng, lo, hi)
                };
                let r: f64 = rng.random();
                let reason = if r < 0.75 {
                    "left"
                } else if r < 0.9 {
                    "kicked"
                } else {
                    "roster"
                };
                self.ms[i].left = Some(Left {
                    day: self.cal.day_of(t),
                    at: t,
                    reason,
                });
                taken += 1;
            }
        }
        // two members removed after incidents (risk, sanctions): an ad spammer in the
        // declining group (警告 → 禁言 → 移出) and a sensitive post in the book club
        self.bad_ads = self.pick_bad(&mut rng, DECLINING, LAST - 20, 21 * HOUR + 13 * MIN);
        self.bad_sensitive = self.pick_bad(&mut rng, 8, LAST - 12, 22 * HOUR + 5 * MIN);
        for m in &mut self.members {
            m.created_at = i64::MAX;
        }
        for s in &self.ms {
            let m = &mut self.members[s.m];
            m.created_at = m.created_at.min(s.joined_at);
        }
    }

    fn pick_bad(&mut self, rng: &mut ChaCha8Rng, g: usize, day: i64, secs: i64) -> usize {
        let at = self.cal.at(day, secs);
        let cands: Vec<usize> = (0..self.ms.len())
            .filter(|&i| {
                let s = &self.ms[i];
                s.g == g
                    && s.role == "member"
                    && s.left.is_none()
                    && s.joined_at < at - 20 * DAY_SECS
            })
            .collect();
        if cands.is_empty() {
            return usize::MAX;
        }
        let i = *pick(rng, &cands);
        self.ms[i].left = Some(Left {
            day,
            at,
            reason: "kicked",
        });
        i
    }

    fn make_personas(&mut self) {
        let mut rng = stream(4);
        for (i, s) in self.ms.iter_mut().enumerate() {
            if s.role != "member" {
                s.persona = Persona::Staff;
                s.p = rng.random_range(0.9..0.98);
                s.mu = rng.random_range(2.6..3.6);
                continue;
            }
            let mix = GROUPS[s.g].mix;
            let r: f64 = rng.random();
            let (persona, p, mu) = if i == self.bad_ads || i == self.bad_sensitive {
                (Persona::Occasional, 0.15, 1.2)
            } else if r < mix[0] {
                (
                    Persona::Core,
                    rng.random_range(0.85..0.97),
                    rng.random_range(6.0..13.0),
                )
            } else if r < mix[0] + mix[1] {
                (
                    Persona::Active,
                    rng.random_range(0.38..0.70),
                    rng.random_range(1.0..1.3),
                )
            } else if r < mix[0] + mix[1] + mix[2] {
                (
                    Persona::Occasional,
                    rng.random_range(0.01..0.05),
                    rng.random_range(1.0..1.4),
                )
            } else if r < mix[0] + mix[1] + mix[2] + mix[3] {
                (
                    Persona::Lapsed,
                    rng.random_range(0.05..0.2),
                    rng.random_range(1.0..1.5),
                )
            } else {
                (Persona::Never, 0.0, 0.0)
            };
            s.persona = persona;
            s.p = p;
            s.mu = mu;
            s.stop = if persona == Persona::Lapsed {
                uniform(&mut rng, 0, LAST - 30)
            } else {
                LAST
            };
        }
    }

    // --- activity_daily and the KPI inputs ---------------------------------------------

    fn make_activity(&mut self) {
        let mut rng = stream(5);
        self.counts = vec![0; self.ms.len() * DAYS];
        self.stats = vec![[DayStat::default(); DAYS]; GROUPS.len()];
        for (i, s) in self.ms.iter().enumerate() {
            let gr = &self.groups[s.g];
            let lo = s.jd.max(0);
            let hi = s.left.map_or(LAST, |l| l.day.min(LAST));
            if s.left.is_some_and(|l| l.day < 0) {
                continue;
            }
            // membership at the end of each day, joins, leaves
            let stats = &mut self.stats[s.g];
            if s.jd >= 0 {
                stats[s.jd as usize].joins += 1;
            }
            if let Some(l) = s.left
                && l.day >= 0
            {
                stats[l.day as usize].leaves += 1;
            }
            let gone = s.left.map_or(DAYS as i64, |l| l.day);
            for st in stats
                .iter_mut()
                .take(gone.max(0) as usize)
                .skip(lo as usize)
            {
                st.members += 1;
            }
            if s.persona == Persona::Never {
                continue;
            }
            for d in lo..=hi {
                let f = gr.factor[d as usize];
                let mut c = 0u32;
                if d <= s.stop && rng.random::<f64>() < (s.p * f).min(0.99) {
                    c = 1 + poisson(&mut rng, (s.mu - 1.0) * f);
                }
                if d == s.jd && s.role == "member" {
                    let greet = if s.g == COLD_START { 0.6 } else { 0.25 };
                    if rng.random_bool(greet) {
                        c += 1;
                    }
                }
                if c > 0 {
                    let c = c.min(80);
                    self.counts[i * DAYS + d as usize] = c as u16;
                    stats[d as usize].messages += c;
                    stats[d as usize].speakers += 1;
                }
            }
        }
    }

    fn count(&self, i: usize, d: i64) -> u32 {
        u32::from(self.counts[i * DAYS + d as usize])
    }

    fn sum(&self, i: usize, from: i64) -> u32 {
        (from.max(0)..=LAST).map(|d| self.count(i, d)).sum()
    }

    fn make_tiers(&mut self) {
        let end = self.end();
        for i in 0..self.ms.len() {
            let s = &self.ms[i];
            let days_in = (end - s.joined_at) / DAY_SECS;
            let sum7 = self.sum(i, LAST - 6);
            let sum21 = self.sum(i, LAST - 20);
            let sum30 = self.sum(i, LAST - 29);
            let last = (0..=LAST).rev().find(|&d| self.count(i, d) > 0);
            let (tier, reason) = if let Some(l) = s.left {
                let why = match l.reason {
                    "kicked" => "已退群(被移出)",
                    "roster" => "已退群(名单比对)",
                    _ => "已退群",
                };
                ("left", why.to_string())
            } else if end - s.joined_at < 72 * HOUR {
                let hours = (end - s.joined_at) / HOUR;
                let why = if hours < 24 {
                    format!("新人: 入群 {hours} 小时")
                } else {
                    format!("新人: 入群 {} 天", hours / 24)
                };
                ("new", why)
            } else if days_in >= 21 && sum21 >= 105 {
                (
                    "core",
                    format!("核心: 近 3 周日均 {:.1} 条", f64::from(sum21) / 21.0),
                )
            } else if sum7 >= 3 {
                ("active", format!("活跃: 近 7 天 {sum7} 条"))
            } else if sum30 == 0 && days_in >= 30 {
                let why = match last {
                    Some(d) => format!("沉默: 最后发言 {} 天前", LAST - d),
                    None if s.jd < 0 => "沉默: 近 90 天未发言".to_string(),
                    None => format!("沉默: 入群 {days_in} 天未发言"),
                };
                ("silent", why)
            } else if last.is_none() {
                ("potential", format!("潜在: 入群 {days_in} 天未发言"))
            } else {
                ("active", format!("活跃(低频): 近 30 天 {sum30} 条"))
            };
            let kol = s.left.is_none() && sum30 > 20;
            let s = &mut self.ms[i];
            s.tier = tier;
            s.reason = reason;
            s.kol = kol;
        }
    }

    // --- messages of the last two days ------------------------------------------------

    fn display(&self, i: usize) -> &str {
        let s = &self.ms[i];
        s.nickname
            .as_deref()
            .unwrap_or(self.members[s.m].name.as_str())
    }

    fn make_messages(&mut self) {
        let mut rng = stream(6);
        for d in [LAST - 1, LAST] {
            let weekend = self.cal.weekend(d);
            // who spoke in each group that day, for @-mentions
            let mut speakers: Vec<Vec<usize>> = vec![Vec::new(); GROUPS.len()];
            for i in 0..self.ms.len() {
                if self.count(i, d) > 0 {
                    speakers[self.ms[i].g].push(i);
                }
            }
            for i in 0..self.ms.len() {
                let c = self.count(i, d);
                if c == 0 {
                    continue;
                }
                let s = &self.ms[i];
                let lo = self.cal.mid(d).max(s.joined_at + 30);
                let hi = (self.cal.mid(d + 1) - 1).min(s.left.map_or(i64::MAX, |l| l.at - 30));
                for k in 0..c {
                    let (at, kind, content) = if k == 0 && d == s.jd && s.role == "member" {
                        let intro = self_intro(&mut rng, &self.members[s.m], s.g);
                        (s.joined_at + uniform(&mut rng, 30, 900), "text", intro)
                    } else if s.persona == Persona::Staff && k < 3 {
                        let slot = [8 * HOUR + 30 * MIN, 15 * HOUR, 20 * HOUR][k as usize];
                        let at = self.cal.at(d, slot + uniform(&mut rng, 0, 120));
                        (at, "text", SOP_LINES[s.g][k as usize].to_string())
                    } else {
                        let at = self.cal.at(d, time_of_day(&mut rng, weekend));
                        let r: f64 = rng.random();
                        if r < 0.08 {
                            (at, "image", "[图片]".to_string())
                        } else if r < 0.14 {
                            (at, "emoji", "[动画表情]".to_string())
                        } else {
                            let line = if rng.random_bool(0.55) {
                                *pick(&mut rng, THEME_LINES[s.g])
                            } else {
                                *pick(&mut rng, &GENERIC_LINES)
                            };
                            let others = &speakers[s.g];
                            let text = if rng.random_bool(0.1) && others.len() > 1 {
                                let o = *pick(&mut rng, others);
                                if o == i {
                                    line.to_string()
                                } else {
                                    format!("@{} {line}", self.display(o))
                                }
                            } else {
                                line.to_string()
                            };
                            (at, "text", text)
                        }
                    };
                    let at = if at < lo || at > hi {
                        uniform(&mut rng, lo, hi.max(lo + 1))
                    } else {
                        at
                    };
                    self.messages.push(Msg {
                        g: s.g,
                        ms: i,
                        at,
                        kind,
                        content,
                    });
                }
            }
        }
        let ms = &self.ms;
        self.messages.sort_by_key(|m| (m.at, m.g, ms[m.ms].m, m.ms));
        self.make_risk(&mut rng);
    }

    /// Ads and a scam among the last two days' messages, plus the older incidents.
    fn make_risk(&mut self, rng: &mut ChaCha8Rng) {
        let li_na = self.login(1);
        let zhao = self.login(3);
        let caller = self.login(0);
        let last2 = self.cal.mid(LAST - 1);
        let cands = |w: &World, g: usize| -> Vec<usize> {
            (0..w.messages.len())
                .filter(|&k| {
                    let m = &w.messages[k];
                    let s = &w.ms[m.ms];
                    m.g == g
                        && m.kind == "text"
                        && s.role == "member"
                        && matches!(s.persona, Persona::Occasional | Persona::Active)
                        && m.at >= last2
                })
                .collect()
        };
        // ads: three in the declining group, one in the pet group; the first handled
        let mut picked = Vec::new();
        for (g, n) in [(DECLINING, 3), (7, 1)] {
            let mut c = cands(self, g);
            c.shuffle(rng);
            picked.extend(c.into_iter().take(n));
        }
        picked.sort_unstable();
        for (j, &k) in picked.iter().enumerate() {
            let ad = j % AD_LINES.len();
            self.messages[k].content = AD_LINES[ad].to_string();
            let m = &self.messages[k];
            let member = self.ms[m.ms].m;
            let handled = j == 0;
            self.risks.push(Risk {
                g: m.g,
                m: Some(member),
                msg: Some(k),
                at: m.at + 20,
                level: 3,
                category: "广告",
                keyword: AD_KEYWORDS[ad],
                action: handled.then_some("warn"),
                handled_by: handled.then(|| li_na.clone()),
                handled_at: handled.then_some(m.at + 6 * MIN),
                note: handled.then(|| "已撤回消息并私聊警告".to_string()),
            });
            if handled {
                self.sanctions.push(Sanction {
                    m: member,
                    g: m.g,
                    level: "warn",
                    reason: "群内发广告(加微信引流),首次警告".to_string(),
                    by: li_na.clone(),
                    at: m.at + 6 * MIN,
                });
            }
        }
        // a scam in the mothers' group, muted
        let mut c = cands(self, 0);
        c.retain(|k| !picked.contains(k));
        if !c.is_empty() {
            let k = *pick(rng, &c);
            self.messages[k].content = SCAM_LINE.to_string();
            let m = &self.messages[k];
            let member = self.ms[m.ms].m;
            self.risks.push(Risk {
                g: m.g,
                m: Some(member),
                msg: Some(k),
                at: m.at + 15,
                level: 2,
                category: "诈骗",
                keyword: "刷单",
                action: Some("mute"),
                handled_by: Some(zhao.clone()),
                handled_at: Some(m.at + 9 * MIN),
                note: Some("禁言 24 小时,群内提醒谨防刷单诈骗".to_string()),
            });
            self.sanctions.push(Sanction {
                m: member,
                g: m.g,
                level: "mute",
                reason: "发布刷单兼职信息,疑似诈骗,禁言 24 小时".to_string(),
                by: zhao.clone(),
                at: m.at + 9 * MIN,
            });
        }
        // the ad spammer of the declining group: warned, muted, removed
        if let Some(s) = self.ms.get(self.bad_ads)
            && let Some(l) = s.left
        {
            let (m, g) = (s.m, s.g);
            let warn = self.cal.at(l.day - 7, 20 * HOUR + 41 * MIN);
            let mute = self.cal.at(l.day - 4, 12 * HOUR + 9 * MIN);
            self.risks.push(Risk {
                g,
                m: Some(m),
                msg: None,
                at: warn - 5 * MIN,
                level: 3,
                category: "广告",
                keyword: "代购",
                action: Some("warn"),
                handled_by: Some(li_na.clone()),
                handled_at: Some(warn),
                note: Some("首次发广告,已警告".to_string()),
            });
            self.risks.push(Risk {
                g,
                m: Some(m),
                msg: None,
                at: l.at - 4 * MIN,
                level: 3,
                category: "广告",
                keyword: "加我微信",
                action: Some("remove"),
                handled_by: Some(li_na.clone()),
                handled_at: Some(l.at),
                note: Some("警告、禁言后仍发广告,移出群聊".to_string()),
            });
            for (level, reason, at) in [
                ("warn", "发代购广告,首次警告", warn),
                ("mute", "再次发广告,禁言 24 小时", mute),
                ("remove", "禁言后第三次发广告,移出群聊", l.at),
            ] {
                self.sanctions.push(Sanction {
                    m,
                    g,
                    level,
                    reason: reason.to_string(),
                    by: li_na.clone(),
                    at,
                });
            }
        }
        // a sensitive post in the book club: removed at once
        if let Some(s) = self.ms.get(self.bad_sensitive)
            && let Some(l) = s.left
        {
            self.risks.push(Risk {
                g: s.g,
                m: Some(s.m),
                msg: None,
                at: l.at - 4 * MIN,
                level: 1,
                category: "敏感",
                keyword: "涉政",
                action: Some("remove"),
                handled_by: Some(caller.clone()),
                handled_at: Some(l.at),
                note: Some("涉政敏感内容,已撤回并移出群聊;群内发布声明".to_string()),
            });
            self.sanctions.push(Sanction {
                m: s.m,
                g: s.g,
                level: "remove",
                reason: "发布涉政敏感内容,移出群聊".to_string(),
                by: caller.clone(),
                at: l.at,
            });
        }
        // a quarrel in the declining group four days ago, one side muted
        let d = LAST - 4;
        let quarrel: Vec<usize> = (0..self.ms.len())
            .filter(|&i| {
                let s = &self.ms[i];
                s.g == DECLINING && s.role == "member" && s.left.is_none() && self.count(i, d) > 0
            })
            .collect();
        if !quarrel.is_empty() {
            let i = *pick(rng, &quarrel);
            let at = self.cal.at(d, 22 * HOUR + 40 * MIN);
            let m = self.ms[i].m;
            self.risks.push(Risk {
                g: DECLINING,
                m: Some(m),
                msg: None,
                at,
                level: 2,
                category: "争吵",
                keyword: "人身攻击",
                action: Some("mute"),
                handled_by: Some(li_na.clone()),
                handled_at: Some(at + 6 * MIN),
                note: Some("双方争吵升级,禁言一方并私聊调解".to_string()),
            });
            self.sanctions.push(Sanction {
                m,
                g: DECLINING,
                level: "mute",
                reason: "群内争吵、人身攻击,禁言 24 小时".to_string(),
                by: li_na,
                at: at + 6 * MIN,
            });
        }
        self.risks.sort_by_key(|r| r.at);
        self.sanctions.sort_by_key(|s| (s.at, s.m));
    }

    // --- member events and aliases ----------------------------------------------------

    fn make_events(&mut self) {
        let mut rng = stream(7);
        let start = self.cal.mid(0);
        for i in 0..self.ms.len() {
            let s = &self.ms[i];
            if let Some(nick) = &s.nickname {
                self.aliases.insert((s.m, nick.clone()));
            }
            if s.joined_at >= start {
                let detail = match s.role {
                    "owner" => "创建群聊".to_string(),
                    "admin" => format!("由「{}」邀请入群,设为管理员", STAFF[GROUPS[s.g].owner]),
                    _ if s.g == COLD_START => "扫码入群(老客召回海报)".to_string(),
                    _ => {
                        let r: f64 = rng.random();
                        if r < 0.55 {
                            "扫码入群".to_string()
                        } else if r < 0.85 {
                            let admins = GROUPS[s.g].admins;
                            let by = admins.first().map_or(STAFF[GROUPS[s.g].owner], |_| {
                                STAFF[*pick(&mut rng, admins)]
                            });
                            format!("由「{by}」邀请入群")
                        } else {
                            "通过群聊链接入群".to_string()
                        }
                    }
                };
                self.events.push(Event {
                    g: s.g,
                    m: s.m,
                    at: s.joined_at,
                    kind: "join",
                    detail,
                });
            }
            if let Some(l) = s.left
                && l.at >= start
            {
                let (kind, detail) = match l.reason {
                    "kicked" if i == self.bad_ads => {
                        ("kick", format!("被「{}」移出群聊: 多次发广告", STAFF[1]))
                    }
                    "kicked" if i == self.bad_sensitive => {
                        ("kick", format!("被「{}」移出群聊: 发布敏感内容", STAFF[0]))
                    }
                    "kicked" => (
                        "kick",
                        format!("被「{}」移出群聊", STAFF[GROUPS[s.g].owner]),
                    ),
                    "roster" => ("leave", "名单比对: 已不在群内".to_string()),
                    _ => ("leave", "退出群聊".to_string()),
                };
                self.events.push(Event {
                    g: s.g,
                    m: s.m,
                    at: l.at,
                    kind,
                    detail,
                });
            }
        }
        // two renames: the old name stays as an alias
        let cands: Vec<usize> = (0..self.ms.len())
            .filter(|&i| {
                let s = &self.ms[i];
                s.role == "member"
                    && s.left.is_none()
                    && s.jd < LAST - 20
                    && self.members[s.m].real.is_some()
                    && (s.g == 0 || s.g == 1)
            })
            .collect();
        for (n, day) in [(0usize, LAST - 9), (1, LAST - 2)] {
            if cands.is_empty() {
                break;
            }
            let i =
                cands[(n * 37 + uniform(&mut rng, 0, cands.len() as i64) as usize) % cands.len()];
            let (g, m) = (self.ms[i].g, self.ms[i].m);
            let old = self.members[m].name.clone();
            let real = self.members[m].real.clone().unwrap_or_else(|| old.clone());
            let new = if g == 0 {
                format!("{}妈妈-{real}", pick(&mut rng, &KIDS))
            } else {
                format!("{real}|穿搭博主")
            };
            if new == old {
                continue;
            }
            self.aliases.insert((m, old.clone()));
            self.members[m].name = new.clone();
            self.events.push(Event {
                g,
                m,
                at: self
                    .cal
                    .at(day, time_of_day(&mut rng, self.cal.weekend(day))),
                kind: "rename",
                detail: format!("{old} → {new}"),
            });
        }
        self.events.sort_by_key(|e| (e.at, e.g, e.m));
    }

    // --- orders, identities, tags ---------------------------------------------------------

    fn make_orders(&mut self) {
        let mut rng = stream(8);
        let start = self.cal.mid(0);
        let end = self.end();
        // pick ~300 buyers, weighted by group commerce and engagement (Efraimidis-Spirakis)
        let mut keys: Vec<(f64, usize)> = Vec::new();
        for (i, s) in self.ms.iter().enumerate() {
            if s.role != "member" {
                continue;
            }
            let engagement = match s.persona {
                Persona::Core => 3.0,
                Persona::Active => 2.0,
                Persona::Occasional => 1.0,
                Persona::Lapsed => 0.6,
                Persona::Never => 0.3,
                Persona::Staff => 0.0,
            };
            let w = engagement * GROUPS[s.g].commerce;
            let u: f64 = rng.random::<f64>().max(1e-12);
            keys.push((u.ln() / w, i));
        }
        keys.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut buyers: Vec<usize> = Vec::new();
        let mut seen = BTreeSet::new();
        for (_, i) in keys {
            if buyers.len() == 300 {
                break;
            }
            let s = &self.ms[i];
            let lo = s.joined_at.max(start);
            let hi = s.left.map_or(end, |l| l.at);
            if hi - lo < 2 * HOUR || !seen.insert(s.m) {
                continue;
            }
            buyers.push(i);
        }
        for i in buyers {
            let s = &self.ms[i];
            let lo = s.joined_at.max(start);
            let hi = s.left.map_or(end, |l| l.at) - 60;
            let mut k = 1;
            while k < 15 && rng.random_bool(0.62) {
                k += 1;
            }
            for _ in 0..k {
                let t = uniform(&mut rng, lo, hi);
                let d = self.cal.day_of(t);
                let mut at = self.cal.at(d, time_of_day(&mut rng, self.cal.weekend(d)));
                if at < lo || at > hi {
                    at = t;
                }
                let (product, price) = *pick(&mut rng, PRODUCTS[s.g]);
                let r: f64 = rng.random();
                let qty = if r < 0.8 {
                    1
                } else if r < 0.95 {
                    2
                } else {
                    3
                };
                let mut amount = price * qty;
                if amount > 5_000 && rng.random_bool(0.2) {
                    amount -= 1_000;
                }
                self.orders.push(Order {
                    m: s.m,
                    at,
                    amount,
                    product,
                });
            }
        }
        self.orders.sort_by_key(|o| (o.at, o.m, o.amount));
    }

    fn make_identities_and_tags(&mut self) {
        let mut rng = stream(9);
        let mut orders_of = vec![0usize; self.members.len()];
        for o in &self.orders {
            orders_of[o.m] += 1;
        }
        // identity and notes per member
        let mut groups_of: Vec<Vec<usize>> = vec![Vec::new(); self.members.len()];
        for (i, s) in self.ms.iter().enumerate() {
            groups_of[s.m].push(i);
        }
        for (m, mem) in self.members.iter_mut().enumerate() {
            if mem.staff {
                continue;
            }
            let in_group = |g: usize| groups_of[m].iter().any(|&i| self.ms[i].g == g);
            if orders_of[m] >= 2 && rng.random_bool(0.8)
                || in_group(9) && rng.random_bool(0.7)
                || in_group(5) && rng.random_bool(0.5)
            {
                mem.identity = Some("customer");
                if rng.random_bool(0.12) {
                    let note = if in_group(5) {
                        "年卡会员,偏好会员日集中下单"
                    } else if in_group(9) {
                        "净水器 2024 款,滤芯每 6 个月更换"
                    } else {
                        "已加企业微信,复购意向高"
                    };
                    mem.note = Some(note.to_string());
                }
            } else if rng.random_bool(0.012) {
                mem.identity = Some("partner");
                let note = *pick(
                    &mut rng,
                    &[
                        "渠道代理",
                        "宠物用品供应商",
                        "异业合作: 亲子摄影",
                        "KOL 合作: 小红书博主",
                    ],
                );
                mem.note = Some(note.to_string());
            } else if rng.random_bool(0.02) {
                let note = *pick(
                    &mut rng,
                    &["偏好周末活动", "只看不说,私聊回复快", "老客户介绍进群"],
                );
                mem.note = Some(note.to_string());
            }
        }
        // tags from groups, behaviour and orders
        for s in &self.ms {
            if s.role != "member" {
                continue;
            }
            let m = s.m;
            let mut add = |t: usize, p: f64, rng: &mut ChaCha8Rng| {
                if rng.random_bool(p) {
                    self.member_tags.insert((m, t));
                }
            };
            match s.g {
                0 | 10 => add(TAG_MOM, 0.35, &mut rng),
                2 | 6 => add(TAG_STUDENT, 0.3, &mut rng),
                5 | 11 => add(TAG_HIGH_INTENT, 0.06, &mut rng),
                9 if self.members[m].identity == Some("customer") => {
                    add(TAG_AFTERSALES, 0.1, &mut rng);
                }
                _ => {}
            }
            if s.kol {
                add(TAG_KOC, 0.5, &mut rng);
            }
            if s.tier == "potential" {
                add(TAG_WAKE, 0.4, &mut rng);
            }
        }
        for (m, &n) in orders_of.iter().enumerate() {
            if n >= 3 {
                self.member_tags.insert((m, TAG_LOYAL));
            } else if n == 2 && rng.random_bool(0.3) {
                self.member_tags.insert((m, TAG_HIGH_INTENT));
            }
        }
        let leaders: Vec<usize> = self
            .ms
            .iter()
            .filter(|s| {
                s.g == 7 && s.role == "member" && s.left.is_none() && s.persona == Persona::Core
            })
            .map(|s| s.m)
            .take(3)
            .collect();
        for m in leaders {
            self.member_tags.insert((m, TAG_LEADER));
        }
    }

    // --- content -----------------------------------------------------------------------

    fn slot_day(&self, rule: Rule, n: i64) -> Option<i64> {
        let (days, _) = rule.slot()?;
        if n == 0 {
            return None;
        }
        let mut left = n.abs();
        let mut d = if n < 0 { LAST - 1 } else { LAST };
        for _ in 0..400 {
            if days.contains(&self.cal.weekday(d)) {
                left -= 1;
                if left == 0 {
                    return Some(d);
                }
            }
            d += if n < 0 { -1 } else { 1 };
        }
        None
    }

    fn members_on(&self, g: usize, d: i64) -> i64 {
        let d = d.clamp(0, LAST) as usize;
        let n = self.stats[g][d].members;
        if n > 0 {
            i64::from(n)
        } else {
            i64::from(self.stats[g][LAST as usize].members)
        }
    }

    fn make_content(&mut self) {
        let mut rng = stream(10);
        let now = self.cal.at(LAST, 8 * HOUR);
        let mut items: Vec<Content> = Vec::new();
        for spec in CONTENT.iter() {
            let slot_day = self.slot_day(spec.rule, spec.n);
            let slot =
                slot_day.and_then(|d| spec.rule.slot().map(|(_, secs)| self.cal.at(d, secs)));
            let owner = self.login(spec.owner);
            let created_at = match slot_day {
                Some(d) if d < LAST => self.cal.at(
                    d - uniform(&mut rng, 4, 10),
                    uniform(&mut rng, 9 * HOUR, 18 * HOUR),
                ),
                _ => self.cal.at(
                    LAST - uniform(&mut rng, 1, 6),
                    uniform(&mut rng, 9 * HOUR, 18 * HOUR),
                ),
            };
            let month_day = slot_day.unwrap_or_else(|| self.cal.day_of(created_at));
            let material = format!(
                "{} {}-{}-{}",
                self.cal.date(month_day).format("%Y%m"),
                category_zh(spec.kind),
                spec.theme,
                form_zh(spec.form)
            );
            items.push(Content {
                spec,
                slot,
                slot_day,
                material,
                owner: owner.clone(),
                created_at,
                updated_at: created_at,
                updated_by: owner,
                version: 1,
            });
        }
        // ids follow creation order, like a real queue
        items.sort_by_key(|c| c.created_at);
        for (id, c) in items.iter_mut().enumerate() {
            let spec = c.spec;
            let reviewer = [1usize, 0, 2]
                .iter()
                .map(|&i| self.login(i))
                .find(|l| *l != c.owner)
                .unwrap_or_default();
            let review_at = match (spec.state, c.slot) {
                (_, Some(slot)) if slot < now => slot - uniform(&mut rng, 18, 30) * HOUR,
                _ => (c.created_at + uniform(&mut rng, 2, 10) * HOUR).min(now - 30 * MIN),
            };
            let notes = |ok: bool| Review {
                content: id,
                reviewer: reviewer.clone(),
                at: review_at,
                compliance: ok,
                compliance_note: if ok {
                    "无违规词,活动规则齐全".to_string()
                } else {
                    spec.reject.unwrap_or("含违规表述").to_string()
                },
                fit_note: format!("符合{}群定位", category_zh(spec.kind)),
                appeal_note: if spec.weak {
                    "标题吸引力一般,可加数字或悬念".to_string()
                } else {
                    "标题有钩子,配图清晰".to_string()
                },
                override_reason: spec.override_reason,
            };
            match spec.state {
                "draft" if spec.reject.is_some() => {
                    self.reviews.push(notes(false));
                    c.updated_at = review_at;
                    c.updated_by = reviewer.clone();
                    c.version = 3;
                }
                "draft" => {
                    c.updated_at = c.created_at + uniform(&mut rng, 10, 120) * MIN;
                }
                "review" => {
                    c.updated_at = c.created_at + uniform(&mut rng, 1, 5) * HOUR;
                    c.version = 2;
                }
                _ => {
                    self.reviews.push(notes(true));
                    c.updated_at = review_at;
                    c.updated_by = reviewer.clone();
                    c.version = 3;
                }
            }
            if matches!(spec.state, "published" | "reviewed")
                && let (Some(slot), Some(sd)) = (c.slot, c.slot_day)
            {
                let size: i64 = spec.groups.iter().map(|&g| self.members_on(g, sd)).sum();
                let (o, f, r) = form_rates(spec.form);
                let open_rate = if spec.weak { 0.16 } else { o };
                let opens = (size as f64 * open_rate * rng.random_range(0.8..1.1)).round() as i64;
                let forwards = (opens as f64 * f / o * rng.random_range(0.7..1.2)).round() as i64;
                let replies = (opens as f64 * r / o * rng.random_range(0.7..1.2)).round() as i64;
                let convert = spec.kind == "convert";
                let click_rate = if convert { 0.22 } else { 0.06 };
                let clicks =
                    (opens as f64 * click_rate * rng.random_range(0.7..1.3)).round() as i64;
                let orders =
                    convert.then(|| (clicks as f64 * rng.random_range(0.08..0.16)).round() as i64);
                let entered_at = if spec.state == "reviewed" {
                    self.cal
                        .at(sd + 2, 10 * HOUR + uniform(&mut rng, 0, 50) * MIN)
                } else {
                    (slot + 14 * HOUR).min(now)
                };
                self.results.push(ContentResult {
                    content: id,
                    opens,
                    forwards,
                    replies,
                    clicks,
                    orders,
                    entered_by: c.owner.clone(),
                    entered_at,
                });
                c.updated_at = slot;
                c.updated_by = c.owner.clone();
                c.version = 4;
                if spec.state == "reviewed" {
                    c.updated_at = entered_at + HOUR;
                    c.version = 5;
                }
                if (0..=LAST).contains(&sd) && size > 0 {
                    for &g in spec.groups {
                        let share = self.members_on(g, sd) as f64 / size as f64;
                        *self.opens.entry((g, sd)).or_insert(0.0) += (opens as f64 * share).round();
                    }
                }
            }
        }
        self.content = items;
    }

    // --- points (DOMAIN.md §3: 1 message = 10 points, capped against farming) -------------

    fn make_points(&mut self) {
        let mut rng = stream(11);
        let points_groups = [5usize, 7];
        let mut balance: BTreeMap<(usize, usize), Vec<(i64, i64)>> = BTreeMap::new();
        for i in 0..self.ms.len() {
            let s = &self.ms[i];
            if s.role != "member" || !points_groups.contains(&s.g) {
                continue;
            }
            // weekly credits over the days up to yesterday, booked the next night
            let mut week_end = LAST - 1;
            while week_end >= 0 {
                let from = (week_end - 6).max(0);
                let pts: i64 = (from..=week_end)
                    .map(|d| i64::from(self.count(i, d).min(5)) * 10)
                    .sum();
                if pts > 0 {
                    let at = self.cal.at(week_end + 1, 10 * MIN);
                    self.points.push(Points {
                        m: s.m,
                        g: s.g,
                        at,
                        delta: pts,
                        reason: format!(
                            "发言积分 {}~{} (10 分/条, 每日上限 50)",
                            self.cal.date(from).format("%m-%d"),
                            self.cal.date(week_end).format("%m-%d")
                        ),
                        by: "system".to_string(),
                    });
                    balance.entry((s.m, s.g)).or_default().push((at, pts));
                }
                week_end -= 7;
            }
        }
        // monthly top 3 per group for months that ended inside the window
        for &g in &points_groups {
            let owner = self.login(GROUPS[g].owner);
            let mut d = 1;
            while d <= LAST {
                if self.cal.date(d).day() == 1
                    && self.cal.date(d - 1).month() != self.cal.date(d).month()
                {
                    let month_end = d - 1;
                    let month_start = (0..=month_end)
                        .rev()
                        .find(|&x| self.cal.date(x).day() == 1)
                        .unwrap_or(0);
                    let mut tally: Vec<(u32, usize)> = (0..self.ms.len())
                        .filter(|&i| self.ms[i].g == g && self.ms[i].role == "member")
                        .map(|i| ((month_start..=month_end).map(|x| self.count(i, x)).sum(), i))
                        .collect();
                    tally.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                    let month = self.cal.date(month_end).month();
                    for (rank, (n, i)) in tally.iter().take(3).enumerate() {
                        if *n == 0 {
                            continue;
                        }
                        let at = self.cal.at(d, 10 * HOUR + rank as i64 * MIN);
                        let delta = [300, 200, 100][rank];
                        self.points.push(Points {
                            m: self.ms[*i].m,
                            g,
                            at,
                            delta,
                            reason: format!("{month} 月发言第 {} 名奖励", rank + 1),
                            by: owner.clone(),
                        });
                        balance
                            .entry((self.ms[*i].m, g))
                            .or_default()
                            .push((at, delta));
                    }
                }
                d += 1;
            }
        }
        // three-day check-in reward in the cold-start group
        let caller = self.login(0);
        for i in 0..self.ms.len() {
            let s = &self.ms[i];
            if s.g == COLD_START
                && s.role == "member"
                && (LAST - 3..LAST).all(|d| self.count(i, d) > 0)
            {
                self.points.push(Points {
                    m: s.m,
                    g: s.g,
                    at: self.cal.at(LAST, 20 * MIN),
                    delta: 30,
                    reason: "新品体验官连续打卡 3 天".to_string(),
                    by: caller.clone(),
                });
            }
        }
        // redemptions: 100 points = a 10 yuan coupon, only with the balance at that time
        for ((m, g), credits) in &balance {
            if !rng.random_bool(0.3) {
                continue;
            }
            let at = self.cal.at(
                LAST - uniform(&mut rng, 1, 7),
                21 * HOUR + uniform(&mut rng, 0, 59) * MIN,
            );
            let have: i64 = credits.iter().filter(|c| c.0 <= at).map(|c| c.1).sum();
            if have >= 100 {
                self.points.push(Points {
                    m: *m,
                    g: *g,
                    at,
                    delta: -100,
                    reason: "兑换 10 元无门槛券".to_string(),
                    by: "system".to_string(),
                });
            }
        }
        self.points.sort_by_key(|p| (p.at, p.g, p.m));
    }

    // --- alert and reminders -------------------------------------------------------------

    fn dau(&self, g: usize, d: i64) -> f64 {
        let st = self.stats[g][d as usize];
        if st.members == 0 {
            0.0
        } else {
            f64::from(st.speakers) / f64::from(st.members)
        }
    }

    fn make_alert(&mut self) {
        let g = DECLINING;
        let mut since = LAST + 1;
        while since > 0 && self.dau(g, since - 1) < 0.15 {
            since -= 1;
        }
        if since > LAST {
            since = LAST - 3;
        }
        let opened_day = (since + 3).min(LAST);
        self.alert = Some(Alert {
            g,
            since,
            value: round4(self.dau(g, LAST)),
            opened_at: self.cal.at(opened_day, 5 * MIN),
        });
    }

    /// The reminders a team writes by hand (ad-hoc ones) and yesterday's history. The
    /// rest — SOP items, countdowns, scheduled content, reviews, the open alert, new
    /// members gone quiet — is planned from the data by `store::reminders::plan` once
    /// the SOP is in place (`commands::demo::build`), as a console would.
    fn make_reminders(&mut self) {
        let c = &self.cal;
        let caller = self.login(0);
        let li = self.login(1);
        let wang = self.login(2);
        let zhao = self.login(3);
        let at = |d: i64, h: i64, m: i64| c.at(d, h * HOUR + m * MIN);
        let mut r: Vec<Reminder> = Vec::new();
        let base = |source: &'static str, title: String, due_at: i64, created_by: &str| Reminder {
            for_login: None,
            source,
            source_id: None,
            group: None,
            title,
            body: None,
            due_at,
            state: "pending",
            fired_at: None,
            snoozed_until: None,
            dismissed_by: None,
            created_by: created_by.to_string(),
            created_at: due_at - DAY_SECS,
        };
        // fired earlier today
        let mut x = base(
            "adhoc",
            "检查昨晚广告消息处理情况".to_string(),
            at(LAST, 7, 30),
            &caller,
        );
        x.for_login = Some(li.clone());
        x.state = "fired";
        x.fired_at = Some(x.due_at);
        x.created_at = at(LAST - 1, 23, 10);
        r.push(x);
        // fired at 08:00 and put off until 08:40 by a colleague
        let mut x = base(
            "adhoc",
            "确认今晚福利推送的优惠券库存".to_string(),
            at(LAST, 8, 0),
            &wang,
        );
        x.group = Some(1);
        x.state = "snoozed";
        x.fired_at = Some(x.due_at);
        x.snoozed_until = Some(at(LAST, 8, 40));
        x.created_at = at(LAST - 1, 18, 30);
        r.push(x);
        // due later today and in the coming days
        let mut x = base(
            "adhoc",
            "联系嘉宾: 吃货联盟周末探店分享".to_string(),
            at(LAST, 16, 0),
            &caller,
        );
        x.for_login = Some(li.clone());
        x.group = Some(DECLINING);
        x.body = Some("日活告急,按应急方案请本地美食博主做一次分享".to_string());
        x.created_at = at(LAST, 8, 5);
        r.push(x);
        let mut x = base(
            "adhoc",
            "周会: 数据复盘 + 本周内容排期".to_string(),
            at(LAST + 2, 14, 0),
            &caller,
        );
        x.created_at = at(LAST - 1, 18, 0);
        r.push(x);
        // dismissed yesterday
        for (title, g, h, m, by, source) in [
            (
                "亲子活动报名截止倒计时 1 天",
                10usize,
                19,
                0,
                li.clone(),
                "countdown",
            ),
            ("20:00 福利推送", 7, 19, 50, zhao.clone(), "sop"),
            ("内容复盘: 录入上周数据", 3, 10, 0, caller.clone(), "adhoc"),
        ] {
            let mut x = base(source, title.to_string(), at(LAST - 1, h, m), &caller);
            x.group = Some(g);
            x.state = "dismissed";
            x.fired_at = Some(x.due_at);
            x.dismissed_by = Some(by);
            r.push(x);
        }
        r.sort_by_key(|x| (x.created_at, x.due_at));
        self.reminders = r;
    }

    // --- writing ---------------------------------------------------------------------------

    fn insert(self, tx: &Transaction<'_>) -> Result<DemoCounts, StoreError> {
        let cal = &self.cal;
        // operators
        {
            let mut st = tx.prepare_cached(
                "INSERT OR IGNORE INTO operators (login, display_name, role, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            let owner = &self.logins[0];
            st.execute(params![owner, owner, "owner", cal.at(-420, 10 * HOUR)])?;
            for (k, (login, name, role)) in COLLEAGUES.iter().enumerate() {
                st.execute(params![
                    login,
                    name,
                    role,
                    cal.at(-400 + 60 * k as i64, 10 * HOUR)
                ])?;
            }
        }
        // groups
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO groups (id, name, kind, platform, created_on, colour, positioning, owner)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (g, gr) in self.groups.iter().enumerate() {
                let s = gr.spec;
                st.execute(params![
                    g as i64 + 1,
                    s.name,
                    s.kind,
                    s.platform,
                    cal.day(gr.cday),
                    s.colour,
                    s.positioning,
                    self.logins[s.owner]
                ])?;
            }
        }
        let gid = |g: usize| g as i64 + 1;
        // members, by first join
        let mut order: Vec<usize> = (0..self.members.len()).collect();
        order.sort_by_key(|&m| (self.members[m].created_at, m));
        let mut mid = vec![0i64; self.members.len()];
        for (k, &m) in order.iter().enumerate() {
            mid[m] = k as i64 + 1;
        }
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO members (id, wxid, name, identity, note, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for &m in &order {
                let x = &self.members[m];
                st.execute(params![
                    mid[m],
                    x.wxid,
                    x.name,
                    x.identity,
                    x.note,
                    x.created_at
                ])?;
            }
            let mut st =
                tx.prepare_cached("INSERT INTO member_aliases (member_id, alias) VALUES (?1, ?2)")?;
            let aliases: BTreeSet<(i64, &str)> = self
                .aliases
                .iter()
                .map(|(m, a)| (mid[*m], a.as_str()))
                .collect();
            for (m, a) in aliases {
                st.execute(params![m, a])?;
            }
        }
        // memberships, by join time
        let mut morder: Vec<usize> = (0..self.ms.len()).collect();
        morder.sort_by_key(|&i| (self.ms[i].joined_at, i));
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO memberships (id, group_id, member_id, group_nickname, role, joined_at,
                     left_at, left_reason, tier, tier_reason, kol)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for (k, &i) in morder.iter().enumerate() {
                let s = &self.ms[i];
                st.execute(params![
                    k as i64 + 1,
                    gid(s.g),
                    mid[s.m],
                    s.nickname,
                    s.role,
                    s.joined_at,
                    s.left.map(|l| l.at),
                    s.left.map(|l| l.reason),
                    s.tier,
                    s.reason,
                    i64::from(s.kol)
                ])?;
            }
        }
        // activity_daily
        let days: Vec<String> = (0..DAYS as i64).map(|d| cal.day(d)).collect();
        let mut activity_rows = 0;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO activity_daily (group_id, member_id, day, messages) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for &i in &morder {
                let s = &self.ms[i];
                for (d, day) in days.iter().enumerate() {
                    let c = self.counts[i * DAYS + d];
                    if c > 0 {
                        st.execute(params![gid(s.g), mid[s.m], day, c])?;
                        activity_rows += 1;
                    }
                }
            }
        }
        // messages
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO messages (group_id, member_id, sent_at, kind, content, key_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (k, m) in self.messages.iter().enumerate() {
                st.execute(params![
                    gid(m.g),
                    mid[self.ms[m.ms].m],
                    m.at,
                    m.kind,
                    m.content,
                    demo_message_key(k)
                ])?;
            }
        }
        // member_events
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO member_events (group_id, member_id, at, kind, detail, source_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (k, e) in self.events.iter().enumerate() {
                st.execute(params![
                    gid(e.g),
                    mid[e.m],
                    e.at,
                    e.kind,
                    e.detail,
                    format!("demo-ev:{}", k + 1)
                ])?;
            }
        }
        // tags
        {
            let mut st =
                tx.prepare_cached("INSERT INTO tags (id, name, colour) VALUES (?1, ?2, ?3)")?;
            for (t, (name, colour)) in TAGS.iter().enumerate() {
                st.execute(params![t as i64 + 1, name, colour])?;
            }
            let mut st =
                tx.prepare_cached("INSERT INTO member_tags (member_id, tag_id) VALUES (?1, ?2)")?;
            let rows: BTreeSet<(i64, i64)> = self
                .member_tags
                .iter()
                .map(|(m, t)| (mid[*m], *t as i64 + 1))
                .collect();
            for (m, t) in rows {
                st.execute(params![m, t])?;
            }
        }
        // content
        {
            let mut item = tx.prepare_cached(
                "INSERT INTO content_items (id, title, body, kind, form, column_name, material_name,
                     state, slot, owner, reject_reason, created_at, updated_at, updated_by, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?;
            let mut tag =
                tx.prepare_cached("INSERT INTO content_tags (content_id, tag) VALUES (?1, ?2)")?;
            let mut grp = tx.prepare_cached(
                "INSERT INTO content_groups (content_id, group_id) VALUES (?1, ?2)",
            )?;
            for (k, c) in self.content.iter().enumerate() {
                let id = k as i64 + 1;
                let s = c.spec;
                item.execute(params![
                    id,
                    s.title,
                    s.body,
                    s.kind,
                    s.form,
                    s.column,
                    c.material,
                    s.state,
                    c.slot,
                    c.owner,
                    s.reject,
                    c.created_at,
                    c.updated_at,
                    c.updated_by,
                    c.version
                ])?;
                for t in s.tags {
                    tag.execute(params![id, t])?;
                }
                for &g in s.groups {
                    grp.execute(params![id, gid(g)])?;
                }
            }
            let mut st = tx.prepare_cached(
                "INSERT INTO content_reviews (id, content_id, reviewer, at, compliance, compliance_note,
                     fit, fit_note, appeal, appeal_note, override_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, 1, ?8, ?9)",
            )?;
            let mut reviews: Vec<&Review> = self.reviews.iter().collect();
            reviews.sort_by_key(|r| (r.at, r.content));
            for (k, r) in reviews.iter().enumerate() {
                st.execute(params![
                    k as i64 + 1,
                    r.content as i64 + 1,
                    r.reviewer,
                    r.at,
                    i64::from(r.compliance),
                    r.compliance_note,
                    r.fit_note,
                    r.appeal_note,
                    r.override_reason
                ])?;
            }
            let mut st = tx.prepare_cached(
                "INSERT INTO content_results (content_id, opens, forwards, replies, clicks, orders,
                     entered_by, entered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for r in &self.results {
                st.execute(params![
                    r.content as i64 + 1,
                    r.opens,
                    r.forwards,
                    r.replies,
                    r.clicks,
                    r.orders,
                    r.entered_by,
                    r.entered_at
                ])?;
            }
        }
        // kpi_daily
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO kpi_daily (group_id, day, metric, value, source) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (g, gr) in self.groups.iter().enumerate() {
                for d in gr.cday.max(0)..=LAST {
                    let x = self.stats[g][d as usize];
                    let members = f64::from(x.members);
                    let per = |v: u32| {
                        if x.members == 0 {
                            0.0
                        } else {
                            round4(f64::from(v) / members)
                        }
                    };
                    let day = &days[d as usize];
                    for (metric, value) in [
                        ("members", members),
                        ("joins", f64::from(x.joins)),
                        ("leaves", f64::from(x.leaves)),
                        ("messages", f64::from(x.messages)),
                        ("speakers", f64::from(x.speakers)),
                        ("dau_rate", per(x.speakers)),
                        ("messages_per_member", per(x.messages)),
                    ] {
                        st.execute(params![gid(g), day, metric, value, "computed"])?;
                    }
                }
            }
            for ((g, d), v) in &self.opens {
                st.execute(params![gid(*g), days[*d as usize], "opens", v, "manual"])?;
            }
            // Yesterday's 20:00 福利推送 in the VIP group (an SOP mass send, not a
            // queued content item) was opened by 13% of the group, entered by hand: the
            // KPI rules open an "open rate < 20%" alert on it, next to the declining
            // group's daily-active alert. No random draw, so nothing else moves.
            let d = LAST - 1;
            if !self.opens.contains_key(&(WEAK_PUSH, d)) {
                let members = f64::from(self.stats[WEAK_PUSH][d as usize].members);
                let opens = (members * 0.13).round();
                st.execute(params![
                    gid(WEAK_PUSH),
                    days[d as usize],
                    "opens",
                    opens,
                    "manual"
                ])?;
            }
        }
        // alert
        if let Some(a) = &self.alert {
            tx.prepare_cached(
                "INSERT INTO alerts (id, group_id, rule, since, value, opened_at) VALUES (1, ?1, 'dau_low', ?2, ?3, ?4)",
            )?
            .execute(params![gid(a.g), cal.day(a.since), a.value, a.opened_at])?;
        }
        // reminders
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO reminders (id, for_login, source, source_id, group_id, title, body, due_at,
                     state, fired_at, snoozed_until, dismissed_by, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?;
            for (k, r) in self.reminders.iter().enumerate() {
                let source_id = if r.source == "member" {
                    r.source_id.map(|m| mid[m as usize])
                } else {
                    r.source_id
                };
                st.execute(params![
                    k as i64 + 1,
                    r.for_login,
                    r.source,
                    source_id,
                    r.group.map(gid),
                    r.title,
                    r.body,
                    r.due_at,
                    r.state,
                    r.fired_at,
                    r.snoozed_until,
                    r.dismissed_by,
                    r.created_by,
                    r.created_at
                ])?;
            }
        }
        // risk, sanctions, points, orders
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO risk_incidents (id, group_id, member_id, message_at, message_key, at,
                     level, category, keyword, action, handled_by, handled_at, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            for (k, r) in self.risks.iter().enumerate() {
                // the message by its key, when it is one of this group's
                let msg = r
                    .msg
                    .and_then(|x| self.messages.get(x).map(|m| (x, m)))
                    .filter(|(_, m)| m.g == r.g);
                st.execute(params![
                    k as i64 + 1,
                    gid(r.g),
                    r.m.map(|m| mid[m]),
                    msg.map(|(_, m)| m.at),
                    msg.map(|(x, _)| demo_message_key(x)),
                    r.at,
                    r.level,
                    r.category,
                    r.keyword,
                    r.action,
                    r.handled_by,
                    r.handled_at,
                    r.note
                ])?;
            }
            let mut st = tx.prepare_cached(
                "INSERT INTO sanctions (id, member_id, group_id, level, reason, by, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (k, s) in self.sanctions.iter().enumerate() {
                st.execute(params![
                    k as i64 + 1,
                    mid[s.m],
                    gid(s.g),
                    s.level,
                    s.reason,
                    s.by,
                    s.at
                ])?;
            }
            let mut st = tx.prepare_cached(
                "INSERT INTO points_ledger (id, member_id, group_id, at, delta, reason, by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (k, p) in self.points.iter().enumerate() {
                st.execute(params![
                    k as i64 + 1,
                    mid[p.m],
                    gid(p.g),
                    p.at,
                    p.delta,
                    p.reason,
                    p.by
                ])?;
            }
            let mut st = tx.prepare_cached(
                "INSERT INTO orders (id, member_id, at, amount_cents, product, source_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (k, o) in self.orders.iter().enumerate() {
                let id = k as i64 + 1;
                st.execute(params![
                    id,
                    mid[o.m],
                    o.at,
                    o.amount,
                    o.product,
                    format!("demo-order:{id:05}")
                ])?;
            }
        }
        let counts = DemoCounts {
            groups: self.groups.len(),
            members: self.members.len(),
            memberships: self.ms.len(),
            activity_rows,
            messages: self.messages.len(),
            content: self.content.len(),
            reminders: self.reminders.len(),
        };
        let json = serde_json::json!({
            "seed": SEED,
            "end_day": cal.day(LAST),
            "groups": counts.groups,
            "members": counts.members,
            "memberships": counts.memberships,
            "activity_rows": counts.activity_rows,
            "messages": counts.messages,
            "member_events": self.events.len(),
            "content": counts.content,
            "reminders": counts.reminders,
            "orders": self.orders.len(),
            "points": self.points.len(),
            "risk_incidents": self.risks.len(),
        });
        crate::store::audit(
            tx,
            cal.at(LAST, 0),
            &self.logins[0],
            "demo",
            "database",
            None,
            None,
            Some(&json),
        )?;
        Ok(counts)
    }
}

fn new_ms(g: usize, m: usize, role: &'static str) -> Ms {
    Ms {
        g,
        m,
        role,
        nickname: None,
        jd: 0,
        joined_at: 0,
        left: None,
        persona: Persona::Never,
        p: 0.0,
        mu: 0.0,
        stop: LAST,
        tier: "potential",
        reason: String::new(),
        kol: false,
    }
}

fn new_wxid(rng: &mut ChaCha8Rng, seen: &mut HashSet<String>) -> String {
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
fn person_name(rng: &mut ChaCha8Rng, surname_w: &[f64]) -> (String, Option<String>) {
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
fn group_nickname(rng: &mut ChaCha8Rng, g: usize, m: &Member) -> String {
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
fn self_intro(rng: &mut ChaCha8Rng, m: &Member, g: usize) -> String {
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

/// The key hash of the demo's k-th message (its export key is `demo:<k+1>`).
fn demo_message_key(k: usize) -> i64 {
    crate::store::key_hash(&format!("demo:{}", k + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;
    use std::path::Path;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
    }

    fn build() -> (Connection, DemoCounts) {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        crate::store::migrations::migrate(&mut conn, Path::new(":memory:")).unwrap();
        let tx = conn.transaction().unwrap();
        let counts = populate(&tx, day(), chrono_tz::Asia::Shanghai, "tester").unwrap();
        tx.commit().unwrap();
        (conn, counts)
    }

    fn one(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn dump(conn: &Connection) -> Vec<String> {
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let mut out = Vec::new();
        for t in tables {
            let mut st = conn
                .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY 1"))
                .unwrap();
            let n = st.column_count();
            let mut rows = st.query([]).unwrap();
            let mut lines = Vec::new();
            while let Some(r) = rows.next().unwrap() {
                let cells: Vec<String> = (0..n)
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Null => "NULL".to_string(),
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        rusqlite::types::ValueRef::Real(v) => format!("{v:?}"),
                        rusqlite::types::ValueRef::Text(v) => {
                            String::from_utf8_lossy(v).into_owned()
                        }
                        rusqlite::types::ValueRef::Blob(v) => format!("{v:?}"),
                    })
                    .collect();
                lines.push(format!("{t}|{}", cells.join("|")));
            }
            lines.sort();
            out.extend(lines);
        }
        out
    }

    #[test]
    fn counts_and_shape() {
        let (conn, c) = build();
        assert_eq!(c.groups, 12);
        assert!((4_800..=5_200).contains(&c.members), "{c:?}");
        assert!(c.memberships as f64 > c.members as f64 * 1.12, "{c:?}");
        assert!((60_000..=150_000).contains(&c.activity_rows), "{c:?}");
        assert!((2_000..=20_000).contains(&c.messages), "{c:?}");
        assert_eq!(c.content, 30);
        assert_eq!(c.reminders, 7, "{c:?}");
        assert_eq!(
            one(&conn, "SELECT count(*) FROM members") as usize,
            c.members
        );
        assert_eq!(
            one(&conn, "SELECT count(*) FROM memberships") as usize,
            c.memberships
        );
        assert_eq!(
            one(&conn, "SELECT count(*) FROM activity_daily") as usize,
            c.activity_rows
        );
        assert_eq!(
            one(&conn, "SELECT count(*) FROM messages") as usize,
            c.messages
        );
        assert_eq!(
            one(&conn, "SELECT count(*) FROM audit WHERE action = 'demo'"),
            1
        );
        // WeChat's cap on current members
        let biggest = one(
            &conn,
            "SELECT max(n) FROM (SELECT count(*) n FROM memberships WHERE left_at IS NULL GROUP BY group_id)",
        );
        assert!(biggest <= 500, "{biggest}");
        let smallest = one(
            &conn,
            "SELECT min(n) FROM (SELECT count(*) n FROM memberships WHERE left_at IS NULL GROUP BY group_id)",
        );
        assert!(smallest >= 80, "{smallest}");
        assert!(one(&conn, "SELECT count(*) FROM members WHERE name LIKE '张%'") >= 30);
        let latin = one(
            &conn,
            "SELECT count(*) FROM members WHERE unicode(name) < 128",
        );
        assert!((300..=700).contains(&latin), "{latin}");
        // one owner per group, 1-3 admins
        assert_eq!(
            one(
                &conn,
                "SELECT count(*) FROM memberships WHERE role = 'owner'"
            ),
            12
        );
        assert_eq!(
            one(
                &conn,
                "SELECT count(DISTINCT group_id) FROM memberships WHERE role = 'admin'"
            ),
            12
        );
        // left share 6-10%
        let left = one(
            &conn,
            "SELECT count(*) FROM memberships WHERE left_at IS NOT NULL",
        );
        let share = left as f64 / c.memberships as f64;
        assert!((0.06..=0.10).contains(&share), "{share}");
        // every membership has a tier; the big picture matches DOMAIN.md §3
        assert_eq!(
            one(&conn, "SELECT count(*) FROM memberships WHERE tier IS NULL"),
            0
        );
        let tiers: Vec<(String, i64)> = conn
            .prepare("SELECT tier, count(*) FROM memberships GROUP BY tier ORDER BY count(*) DESC")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for t in ["core", "active", "silent", "left", "new", "potential"] {
            assert!(tiers.iter().any(|x| x.0 == t), "{t} missing: {tiers:?}");
        }
        assert_eq!(tiers[0].0, "silent", "{tiers:?}");
        let kol = one(&conn, "SELECT count(*) FROM memberships WHERE kol = 1");
        assert!(
            kol > 100 && (kol as f64) < c.memberships as f64 * 0.2,
            "{kol}"
        );
        let tagged = one(&conn, "SELECT count(DISTINCT member_id) FROM member_tags") as f64;
        assert!(
            (0.15..=0.3).contains(&(tagged / c.members as f64)),
            "{tagged}"
        );
        // the content queue has every state
        assert_eq!(
            one(&conn, "SELECT count(DISTINCT state) FROM content_items"),
            5
        );
        assert_eq!(
            one(
                &conn,
                "SELECT count(*) FROM content_reviews r JOIN content_items c ON c.id = r.content_id WHERE r.reviewer = c.owner"
            ),
            0
        );
        let orders = one(&conn, "SELECT count(*) FROM orders");
        assert!((650..=950).contains(&orders), "{orders}");
        let risks = one(&conn, "SELECT count(*) FROM risk_incidents");
        assert!((5..=10).contains(&risks), "{risks}");
        assert!(one(&conn, "SELECT count(*) FROM sanctions") >= 3);
        // nothing in the SOP tables: another module fills them
        assert_eq!(one(&conn, "SELECT count(*) FROM sop_instances"), 0);
        assert_eq!(
            one(&conn, "SELECT count(*) FROM pragma_foreign_key_check"),
            0
        );
    }

    #[test]
    fn messages_match_activity_and_kpis_add_up() {
        let (conn, _) = build();
        let mismatched = one(
            &conn,
            "SELECT count(*) FROM (
                 SELECT a.group_id, a.member_id, a.day, a.messages,
                        (SELECT count(*) FROM messages m
                          WHERE m.group_id = a.group_id AND m.member_id = a.member_id
                            AND date(m.sent_at, 'unixepoch', '+8 hours') = a.day) AS n
                   FROM activity_daily a WHERE a.day >= '2026-03-01')
              WHERE n != messages",
        );
        assert_eq!(mismatched, 0);
        let stray = one(
            &conn,
            "SELECT count(*) FROM messages WHERE date(sent_at, 'unixepoch', '+8 hours') < '2026-03-01'",
        );
        assert_eq!(stray, 0);
        let kpi_msgs = one(
            &conn,
            "SELECT CAST(sum(value) AS INTEGER) FROM kpi_daily WHERE metric = 'messages'",
        );
        let act = one(&conn, "SELECT sum(messages) FROM activity_daily");
        assert_eq!(kpi_msgs, act);
        assert_eq!(
            one(
                &conn,
                "SELECT count(*) FROM kpi_daily WHERE metric = 'dau_rate' AND (value < 0 OR value > 1)"
            ),
            0
        );
        // activity only while a member was in the group
        let outside = one(
            &conn,
            "SELECT count(*) FROM activity_daily a JOIN memberships s
                 ON s.group_id = a.group_id AND s.member_id = a.member_id
              WHERE a.day < date(s.joined_at, 'unixepoch', '+8 hours')
                 OR (s.left_at IS NOT NULL AND a.day > date(s.left_at, 'unixepoch', '+8 hours'))",
        );
        assert_eq!(outside, 0);
        // the declining group: under 15% for the last days, with an open alert; the others not
        let low_days: Vec<(i64, String, f64)> = conn
            .prepare(
                "SELECT group_id, day, value FROM kpi_daily
                  WHERE metric = 'dau_rate' AND value < 0.15 AND day >= '2026-02-01' ORDER BY 1, 2",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            low_days.iter().all(|x| x.0 == DECLINING as i64 + 1),
            "{low_days:?}"
        );
        let since: String = conn
            .query_row(
                "SELECT since FROM alerts WHERE closed_at IS NULL AND rule = 'dau_low'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(since, "2026-02-27");
        assert!(
            one(
                &conn,
                "SELECT count(*) FROM messages WHERE content LIKE '%加我微信%'"
            ) >= 1
        );
    }

    #[test]
    fn deterministic() {
        let (a, ca) = build();
        let (b, cb) = build();
        assert_eq!(ca, cb);
        let (da, db) = (dump(&a), dump(&b));
        assert_eq!(da.len(), db.len());
        for (x, y) in da.iter().zip(&db) {
            assert_eq!(x, y);
        }
    }
}
