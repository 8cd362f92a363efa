//! A generated group roster (the generic CSV `shequn import members` reads: `wxid`,
//! `name`, `group_nickname`, `join_time`, `role`): the chat export's 5,000 senders under
//! the names they write with, then people who never spoke, with realistic names — mostly
//! Chinese (surname + one or two given characters), ~8 % latin nicknames, ~4 % with an
//! emoji, ~30 % with a group nickname such as "杭州-张伟-设计". Joins spread over the
//! year before `now`, a few hundred within the last three days (the 新人 tier). A fixed
//! seed: the same file for the same `now`.

use std::io::Write;
use std::path::Path;

use super::chat::{Rng, SENDERS, sender};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "欧阳", "司马", "上官",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "华", "飞", "玉", "萍", "红", "鹏", "辉", "建",
    "文", "晓", "宇", "浩", "凯", "俊", "欣", "婷", "雪", "琳", "晨", "阳", "佳", "博", "志", "梅",
    "海", "燕", "云", "玲", "倩", "亮", "斌", "波", "宁", "林", "彬", "颖", "健", "丹", "新", "慧",
    "子", "轩", "涵", "怡", "梓", "睿", "泽", "诗", "琪", "萱", "瑶", "妍", "一", "诺", "可", "馨",
];
const LATIN: &[&str] = &[
    "Amy", "Kevin", "sunny", "Lily", "Tony", "Jack", "Coco", "Grace", "Leo", "Mia", "Eric",
    "Vivian", "Cindy", "Jason", "Anna", "Echo", "Luna", "Zoe",
];
const LATIN_TAIL: &[&str] = &["_Li", ".Z", "", "_Wang", "2024", ".Chen", "-SH"];
const EMOJI: &[&str] = &["🌸", "🍀", "😊", "🌞", "💰", "🐱", "✨", "🎈"];
const CITIES: &[&str] = &[
    "杭州", "上海", "北京", "深圳", "广州", "成都", "南京", "武汉", "西安", "苏州",
];
const ROLES: &[&str] = &[
    "设计",
    "宝妈",
    "销售",
    "老师",
    "运营",
    "学生",
    "会计",
    "程序员",
];

fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.below(xs.len() as u64) as usize]
}

fn chinese_name(rng: &mut Rng) -> String {
    let mut name = pick(rng, SURNAMES).to_string();
    name.push_str(pick(rng, GIVEN));
    if rng.below(10) < 7 {
        name.push_str(pick(rng, GIVEN));
    }
    name
}

/// Writes a roster of `members` people (the first [`SENDERS`] are the chat's senders).
pub fn write_csv(path: &Path, members: u64, now: i64) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    f.write_all(b"wxid,name,group_nickname,join_time,role\n")?;
    let mut rng = Rng(11);
    let year = 365 * 86_400;
    for i in 0..members {
        let (id, name) = if i < SENDERS {
            sender(i)
        } else {
            let name = match rng.below(100) {
                0..8 => format!("{}{}", pick(&mut rng, LATIN), pick(&mut rng, LATIN_TAIL)),
                8..12 => format!("{}{}", chinese_name(&mut rng), pick(&mut rng, EMOJI)),
                _ => chinese_name(&mut rng),
            };
            (format!("wxid_r{i:06}"), name)
        };
        let nick = if rng.below(10) < 3 {
            format!(
                "{}-{name}-{}",
                pick(&mut rng, CITIES),
                pick(&mut rng, ROLES)
            )
        } else {
            String::new()
        };
        // the chat's senders joined before it starts; of the rest, 0.3 % in the last 3 days
        let joined = if i < SENDERS {
            now - year + rng.below(180 * 86_400) as i64
        } else if rng.below(1000) < 3 {
            now - rng.below(3 * 86_400) as i64
        } else {
            now - rng.below(year as u64) as i64
        };
        let role = match i {
            0 => "owner",
            1..=4 => "admin",
            _ => "member",
        };
        // names carry no commas or quotes, so no CSV quoting is needed
        writeln!(f, "{id},{name},{nick},{joined},{role}")?;
    }
    f.flush()
}
