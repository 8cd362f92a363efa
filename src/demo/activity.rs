//! Daily activity (`activity_daily`) from each membership's persona, its group's trend
//! and weekend factor and a little noise; the per-group day statistics behind the KPIs;
//! tiers and KOL flags as of the end of the last day (the order is in the parent's
//! header); the declining group's open low-DAU alert.

use rand::Rng;

use super::groups::{COLD_START, DECLINING, GROUPS};
use super::random::{poisson, round4, stream};
use super::{Alert, DAY_SECS, DAYS, DayStat, HOUR, LAST, MIN, Persona, World};

impl World {
    pub(super) fn make_activity(&mut self) {
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

    pub(super) fn count(&self, i: usize, d: i64) -> u32 {
        u32::from(self.counts[i * DAYS + d as usize])
    }

    fn sum(&self, i: usize, from: i64) -> u32 {
        (from.max(0)..=LAST).map(|d| self.count(i, d)).sum()
    }

    pub(super) fn make_tiers(&mut self) {
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

    fn dau(&self, g: usize, d: i64) -> f64 {
        let st = self.stats[g][d as usize];
        if st.members == 0 {
            0.0
        } else {
            f64::from(st.speakers) / f64::from(st.members)
        }
    }

    pub(super) fn make_alert(&mut self) {
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
}
