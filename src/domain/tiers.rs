//! Member tiers (DOMAIN.md §3): which tier a member is in, why, and whether they are a
//! KOL — from a few facts about their activity. Pure; thresholds come from
//! `data/rules.toml` `[tiers]`.
//!
//! Order: left → new → core → active → silent → potential. A member who spoke within
//! the silence window but below the weekly bar is `potential` (the 50% of the "olive"
//! structure that a wake-up can move), not `active`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
pub struct TierRules {
    pub new_hours: i64,
    pub core_daily: f64,
    pub core_weeks: usize,
    pub active_weekly: i64,
    pub silent_days: i64,
    pub kol_monthly: i64,
    pub new_silence_warn_days: i64,
    /// Healthy shares of core / active / potential.
    pub olive: [f64; 3],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Core,
    Active,
    New,
    Potential,
    Silent,
    Left,
}

impl Tier {
    pub const ALL: [Tier; 6] = [
        Tier::Core,
        Tier::Active,
        Tier::New,
        Tier::Potential,
        Tier::Silent,
        Tier::Left,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Tier::Core => "core",
            Tier::Active => "active",
            Tier::New => "new",
            Tier::Potential => "potential",
            Tier::Silent => "silent",
            Tier::Left => "left",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.word() == s)
    }
}

/// What a member's activity looks like at the moment of evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Seconds since joining (None: unknown, e.g. seen only in a chat export).
    pub in_group_secs: Option<i64>,
    /// Days since leaving, when they left.
    pub left_days: Option<i64>,
    /// Days since their last message (0 = today); None if they never spoke.
    pub last_spoke_days: Option<i64>,
    /// Messages in each of the last weeks, most recent first (7-day windows ending today).
    pub weeks: Vec<i64>,
    /// Messages in the last 7 and 30 days.
    pub last7: i64,
    pub last30: i64,
}

/// Why a member is in their tier, as data (rendered in the operator's language).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Reason {
    Left { days: i64 },
    New { hours: i64 },
    Core { weeks: usize, avg: f64 },
    Active { n: i64 },
    Silent { days: i64 },
    SilentNever { days: i64 },
    PotentialNever { days: i64 },
    Potential { n: i64 },
}

/// The tier, its reason, and the KOL flag.
pub fn classify(f: &Facts, r: &TierRules) -> (Tier, Reason, bool) {
    let kol = f.last30 > r.kol_monthly && f.left_days.is_none();
    if let Some(days) = f.left_days {
        return (Tier::Left, Reason::Left { days }, false);
    }
    let in_days = f.in_group_secs.map(|s| s / 86_400);
    if let Some(secs) = f.in_group_secs
        && secs < r.new_hours * 3600
    {
        return (Tier::New, Reason::New { hours: secs / 3600 }, kol);
    }
    let weeks = &f.weeks;
    if r.core_weeks > 0
        && weeks.len() >= r.core_weeks
        && weeks[..r.core_weeks]
            .iter()
            .all(|&w| w as f64 >= r.core_daily * 7.0)
        && in_days.is_none_or(|d| d >= 7 * r.core_weeks as i64)
    {
        let total: i64 = weeks[..r.core_weeks].iter().sum();
        let avg = total as f64 / (7 * r.core_weeks) as f64;
        return (
            Tier::Core,
            Reason::Core {
                weeks: r.core_weeks,
                avg: (avg * 10.0).round() / 10.0,
            },
            kol,
        );
    }
    if f.last7 >= r.active_weekly {
        return (Tier::Active, Reason::Active { n: f.last7 }, kol);
    }
    match f.last_spoke_days {
        Some(d) if d >= r.silent_days => (Tier::Silent, Reason::Silent { days: d }, kol),
        None if in_days.is_none_or(|d| d >= r.silent_days) => (
            Tier::Silent,
            Reason::SilentNever {
                days: in_days.unwrap_or(r.silent_days),
            },
            kol,
        ),
        None => (
            Tier::Potential,
            Reason::PotentialNever {
                days: in_days.unwrap_or(0),
            },
            kol,
        ),
        Some(_) => (Tier::Potential, Reason::Potential { n: f.last30 }, kol),
    }
}

/// A new member quiet for the warning window (DOMAIN.md §3: 3-day silence → private
/// chat activation).
pub fn new_member_silent(f: &Facts, r: &TierRules) -> bool {
    f.left_days.is_none()
        && f.last_spoke_days.is_none()
        && f.in_group_secs.is_some_and(|s| {
            s >= r.new_silence_warn_days * 86_400 && s < (r.new_silence_warn_days + 4) * 86_400
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> TierRules {
        crate::domain::shipped_section(&["tiers"])
    }

    fn facts(
        in_days: Option<i64>,
        last: Option<i64>,
        weeks: &[i64],
        last7: i64,
        last30: i64,
    ) -> Facts {
        Facts {
            in_group_secs: in_days.map(|d| d * 86_400 + 3600),
            left_days: None,
            last_spoke_days: last,
            weeks: weeks.to_vec(),
            last7,
            last30,
        }
    }

    #[test]
    fn tiers_follow_domain_table() {
        let r = rules();
        // (facts, tier) — DOMAIN.md §3
        let table: Vec<(Facts, Tier)> = vec![
            // core: ≥5 a day on average in each of 3 consecutive weeks
            (
                facts(Some(60), Some(0), &[35, 40, 36, 2], 35, 140),
                Tier::Core,
            ),
            // one weak week breaks the run
            (
                facts(Some(60), Some(0), &[35, 34, 50], 35, 120),
                Tier::Active,
            ),
            // active: ≥3 in the last 7 days
            (facts(Some(60), Some(1), &[3, 0, 0], 3, 3), Tier::Active),
            (facts(Some(60), Some(1), &[2, 0, 0], 2, 5), Tier::Potential),
            // new: joined < 72 h ago, even if already chatty
            (
                Facts {
                    in_group_secs: Some(71 * 3600),
                    last7: 9,
                    ..Facts::default()
                },
                Tier::New,
            ),
            (
                Facts {
                    in_group_secs: Some(73 * 3600),
                    ..Facts::default()
                },
                Tier::Potential,
            ),
            // silent: nothing for 30 days
            (facts(Some(90), Some(30), &[0, 0, 0], 0, 0), Tier::Silent),
            (facts(Some(90), Some(29), &[0, 0, 0], 0, 1), Tier::Potential),
            // never spoke in 30+ days in the group
            (facts(Some(30), None, &[0, 0, 0], 0, 0), Tier::Silent),
            (facts(Some(12), None, &[0, 0, 0], 0, 0), Tier::Potential),
            // left beats everything
            (
                Facts {
                    left_days: Some(3),
                    last7: 50,
                    ..Facts::default()
                },
                Tier::Left,
            ),
        ];
        for (f, want) in table {
            assert_eq!(classify(&f, &r).0, want, "{f:?}");
        }
    }

    #[test]
    fn kol_is_more_than_20_a_month_and_reasons_carry_the_figures() {
        let r = rules();
        assert!(classify(&facts(Some(60), Some(0), &[5, 5, 5], 5, 21), &r).2);
        assert!(!classify(&facts(Some(60), Some(0), &[5, 5, 5], 5, 20), &r).2);
        let (_, reason, _) = classify(&facts(Some(90), Some(41), &[0, 0, 0], 0, 0), &r);
        assert_eq!(reason, Reason::Silent { days: 41 });
        let (_, reason, _) = classify(&facts(Some(60), Some(0), &[42, 35, 35], 42, 150), &r);
        assert_eq!(reason, Reason::Core { weeks: 3, avg: 5.3 });
    }

    #[test]
    fn a_new_member_silent_for_3_days_is_flagged_once_for_a_few_days() {
        let r = rules();
        let f = |d: i64| Facts {
            in_group_secs: Some(d * 86_400),
            ..Facts::default()
        };
        assert!(!new_member_silent(&f(2), &r));
        assert!(new_member_silent(&f(3), &r));
        assert!(!new_member_silent(&f(10), &r));
        let spoke = Facts {
            last_spoke_days: Some(1),
            ..f(3)
        };
        assert!(!new_member_silent(&spoke, &r));
    }
}
