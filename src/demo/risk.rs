//! Risk incidents and sanctions: ads and a scam planted among the last two days'
//! messages, the declining group's ad spammer (warned, muted, removed), a sensitive post
//! in the book club and a quarrel four days ago — and, so the queue has something at
//! every level, a gambling post (level 1) and a second scam (level 2) still open, two
//! ads open, one ad handled late and one seen late.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::groups::DECLINING;
use super::random::pick;
use super::{HOUR, LAST, MIN, Persona, Risk, Sanction, World};

const AD_LINES: [&str; 4] = [
    "加我微信领取免费资料 V:ziliao8866",
    "低价代购大牌包包,正品保证,加V:luxury_2580 了解",
    "转发到3个群就送 50 元话费,截图找我 👉 http://t.cn/A6xYzq",
    "加我微信进内部福利群,每天免单 V:fuli_9527",
];
// the words the shipped lists report for each line (the longest listed word)
const AD_KEYWORDS: [&str; 4] = ["加我微信", "低价代购", "转发到3个群", "加我微信"];
const SCAM_LINE: &str = "宝妈在家就能做的兼职,手机刷单每天 200-500,日结,有意私聊我";
const SCAM_LINE_2: &str = "招聘兼职,刷单返佣金,先垫付后返现,名额有限";
const GAMBLING_LINE: &str = "有没有人一起玩网上赌博,稳赚不赔,带你上岸";

impl World {
    /// Ads and a scam among the last two days' messages, plus the older incidents.
    pub(super) fn make_risk(&mut self, rng: &mut ChaCha8Rng) {
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
                        // before the morning of the demo's day: not after its "now"
                        && m.at < w.cal.mid(LAST) + 9 * HOUR
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
            // the first handled on time, the second late (40 minutes), the last (the pet
            // group's) seen 8 minutes after it was sent; the others still open
            let handled = j < 2;
            let after = if j == 0 { 6 * MIN } else { 40 * MIN };
            self.risks.push(Risk {
                g: m.g,
                m: Some(member),
                msg: Some(k),
                sent: m.at,
                at: m.at + if j + 1 == picked.len() { 8 * MIN } else { 20 },
                level: 3,
                category: "ad",
                keyword: AD_KEYWORDS[ad],
                action: handled.then_some("warn"),
                handled_by: handled.then(|| li_na.clone()),
                handled_at: handled.then_some(m.at + after),
                reviewed_at: None,
                note: handled.then(|| "已撤回消息并私聊警告".to_string()),
            });
            if handled {
                self.sanctions.push(Sanction {
                    m: member,
                    g: m.g,
                    level: "warn",
                    reason: "群内发广告(加微信引流),首次警告".to_string(),
                    by: li_na.clone(),
                    at: m.at + after,
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
                sent: m.at,
                at: m.at + 15,
                level: 2,
                category: "fraud",
                keyword: "刷单",
                action: Some("mute"),
                handled_by: Some(zhao.clone()),
                handled_at: Some(m.at + 9 * MIN),
                reviewed_at: Some(m.at + 4 * MIN),
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
        // still open: a second scam (level 2) and a gambling post (level 1), the latest
        // of their groups' candidates before today: nobody has looked since last night
        for (g, line, level, category, keyword) in [
            (3, SCAM_LINE_2, 2, "fraud", "刷单"),
            (2, GAMBLING_LINE, 1, "sensitive", "赌博"),
        ] {
            // yesterday's: the demo knows its day, not the time of it
            let today = self.cal.mid(LAST);
            let mut c = cands(self, g);
            c.retain(|&k| !picked.contains(&k) && self.messages[k].at < today);
            if let Some(&k) = c.last() {
                self.messages[k].content = line.to_string();
                let m = &self.messages[k];
                self.risks.push(Risk {
                    g: m.g,
                    m: Some(self.ms[m.ms].m),
                    msg: Some(k),
                    sent: m.at,
                    at: m.at + 2 * MIN,
                    level,
                    category,
                    keyword,
                    action: None,
                    handled_by: None,
                    handled_at: None,
                    reviewed_at: None,
                    note: None,
                });
            }
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
                sent: warn - 6 * MIN,
                at: warn - 5 * MIN,
                level: 3,
                category: "ad",
                keyword: "代购",
                action: Some("warn"),
                handled_by: Some(li_na.clone()),
                handled_at: Some(warn),
                reviewed_at: None,
                note: Some("首次发广告,已警告".to_string()),
            });
            self.risks.push(Risk {
                g,
                m: Some(m),
                msg: None,
                sent: l.at - 5 * MIN,
                at: l.at - 4 * MIN,
                level: 3,
                category: "ad",
                keyword: "加我微信",
                action: Some("remove"),
                handled_by: Some(li_na.clone()),
                handled_at: Some(l.at),
                reviewed_at: None,
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
                sent: l.at - 5 * MIN,
                at: l.at - 4 * MIN,
                level: 1,
                category: "sensitive",
                keyword: "涉政",
                action: Some("remove"),
                handled_by: Some(caller.clone()),
                handled_at: Some(l.at),
                reviewed_at: None,
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
                sent: at - 3 * MIN,
                at,
                level: 2,
                category: "abuse",
                keyword: "人身攻击",
                action: Some("mute"),
                handled_by: Some(li_na.clone()),
                handled_at: Some(at + 6 * MIN),
                reviewed_at: None,
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
}
