//! The demo's members and memberships: staff accounts and regular members spread over
//! the groups (some in two or three), join and leave times, the two members removed
//! after incidents, activity personas, join/leave/rename events and aliases, identities,
//! notes and tags.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::groups::{COLD_START, DECLINING, GROUPS, STAFF, Trend};
use super::names::{KIDS, SURNAMES, group_nickname, new_wxid, person_name};
use super::random::{expo, pick, stream, time_of_day, uniform, weighted};
use super::{DAY_SECS, Event, HOUR, LAST, Left, MIN, Member, Ms, Persona, World};

pub(super) const TAGS: [(&str, &str); 8] = [
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

impl World {
    pub(super) fn make_memberships(&mut self) {
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

    pub(super) fn make_joins_and_leaves(&mut self) {
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

    pub(super) fn make_personas(&mut self) {
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

    pub(super) fn make_events(&mut self) {
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

    pub(super) fn make_identities_and_tags(&mut self) {
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
