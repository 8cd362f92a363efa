//! Content items from the catalogue: slots from each item's rule, material names,
//! reviews by a colleague other than the owner, results of what went out and the opens
//! they add to the KPIs.

use rand::Rng;

use super::content_catalogue::{CONTENT, Rule};
use super::random::{stream, uniform};
use super::{Content, ContentResult, HOUR, LAST, MIN, Review, World};

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

impl World {
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

    pub(super) fn make_content(&mut self) {
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
}
