//! The demo's team and groups: the caller's colleagues, the staff's WeChat accounts, the
//! twelve group specs (type, platform, size, leave rate, activity mix, trend, weekend
//! factor, commerce) and each group's day-by-day activity factor.

use rand::Rng;

use super::random::{stream, uniform};
use super::{DAYS, Group, HOUR, LAST, MIN, World};

/// Demo colleagues of the caller: (login, display name, role).
pub(super) const COLLEAGUES: [(&str, &str, &str); 4] = [
    ("li.na", "李娜", "operator"),
    ("wang.lei", "王磊", "operator"),
    ("zhao.min", "赵敏", "assistant"),
    ("chen.jie", "陈洁", "viewer"),
];

/// WeChat accounts run by the team. 0..=3 belong to the caller, li.na, wang.lei, zhao.min.
pub(super) const STAFF: [&str; 11] = [
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
pub(super) enum Trend {
    Flat,
    Decline,
    Thrive,
    Cohort,
    ColdStart,
}

pub(super) struct GroupSpec {
    pub(super) name: &'static str,
    pub(super) kind: &'static str,
    pub(super) platform: &'static str,
    /// days between `created_on` and `end_day`
    pub(super) age: i64,
    /// membership rows, staff included
    pub(super) total: usize,
    pub(super) left_rate: f64,
    /// index into the login list (0 = the caller) and into `STAFF`
    pub(super) owner: usize,
    pub(super) admins: &'static [usize],
    pub(super) colour: &'static str,
    pub(super) positioning: &'static str,
    /// shares of core, active, occasional and lapsed members; the rest never speak
    pub(super) mix: [f64; 4],
    pub(super) trend: Trend,
    pub(super) weekend: f64,
    /// how likely a member here buys (orders)
    pub(super) commerce: f64,
}

pub(super) const GROUPS: [GroupSpec; 12] = [
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
pub(super) const DECLINING: usize = 3;
pub(super) const COLD_START: usize = 11;
/// The VIP group, whose last mass send was hardly opened (an open-rate alert).
pub(super) const WEAK_PUSH: usize = 5;

impl World {
    pub(super) fn make_groups(&mut self) {
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
}
