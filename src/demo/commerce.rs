//! Orders and points: ~300 buyers weighted by their group's commerce and their
//! engagement, with their orders; the points ledger (weekly message credits, monthly
//! top-3 rewards, the cold-start group's check-in reward, redemptions).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use rand::Rng;

use super::groups::{COLD_START, GROUPS};
use super::random::{pick, stream, time_of_day, uniform};
use super::{HOUR, LAST, MIN, Order, Persona, Points, World};

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

impl World {
    pub(super) fn make_orders(&mut self) {
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

    // --- points (DOMAIN.md §3: 1 message = 10 points, capped against farming) -------------

    pub(super) fn make_points(&mut self) {
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
}
