//! Thresholds from `data/rules.toml` (DOMAIN.md §5) and the bands a value falls in.

use serde::Deserialize;

pub use super::SHIPPED_RULES;
use crate::domain::kpi::KpiRules;

#[derive(Debug, Clone, Deserialize)]
pub struct Rules {
    pub kpi: KpiRules,
    pub quota: QuotaRules,
    pub tiers: crate::domain::tiers::TierRules,
    pub points: PointRules,
    pub rfm: crate::domain::rfm::RfmRules,
    /// `[content]`: defaults to the shipped section, so a rules file written before the
    /// content queue existed still loads.
    #[serde(default = "crate::domain::content::ContentRules::shipped")]
    pub content: crate::domain::content::ContentRules,
    /// `[reminders]`: defaults to the shipped section, so an older rules file still loads.
    #[serde(default = "RemindRules::shipped")]
    pub reminders: RemindRules,
    /// `[import]`: defaults to the shipped section, so an older rules file (or a team's
    /// settings from before it) still loads.
    #[serde(default = "ImportRules::shipped")]
    pub import: ImportRules,
    /// `[risk]`: defaults to the shipped section, so an older rules file still loads.
    #[serde(default = "crate::domain::risk::RiskRules::shipped")]
    pub risk: crate::domain::risk::RiskRules,
    /// `[launch]`: launching a group (issue 16); defaults to the shipped section, so an
    /// older rules file still loads.
    #[serde(default = "crate::domain::launch::LaunchRules::shipped")]
    pub launch: crate::domain::launch::LaunchRules,
}

/// `[import]`: what an import may do without being told so explicitly.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct ImportRules {
    /// A roster (`import members`) that would mark more than this share of the group's
    /// present members as left is refused unless `--allow-leaves N` or `--force`
    /// (`domain::roster`).
    pub max_leave_share: f64,
}

impl ImportRules {
    /// The shipped `[import]` section.
    pub fn shipped() -> ImportRules {
        super::shipped_section(&["import"])
    }

    /// Why the section does not make sense, if it does not: a share is 0 to 1.
    pub fn check(&self) -> Result<(), String> {
        if (0.0..=1.0).contains(&self.max_leave_share) {
            Ok(())
        } else {
            Err(format!(
                "import.max_leave_share is a share of the group's members, from 0 to 1 (0.2 is 20 %); {} is not",
                self.max_leave_share
            ))
        }
    }
}

/// `[reminders]`: how reminders are planned and shown.
#[derive(Debug, Clone, Deserialize)]
pub struct RemindRules {
    /// Ring the terminal bell (BEL) when a reminder fires.
    pub bell: bool,
    pub toast_seconds: u64,
    /// How far ahead reminders are planned.
    pub horizon_hours: i64,
    /// Minutes relative to a scheduled content item's slot.
    pub content_offsets: Vec<i64>,
    /// `HH:MM`: member warnings come at this time of the day they fall due.
    pub member_at: String,
    /// The snooze choices, in minutes.
    pub snooze_minutes: Vec<i64>,
}

impl RemindRules {
    /// The shipped `[reminders]` section.
    pub fn shipped() -> RemindRules {
        super::shipped_section(&["reminders"])
    }

    pub fn horizon_secs(&self) -> i64 {
        self.horizon_hours.clamp(1, 24 * 14) * 3600
    }

    /// `member_at` as a time; 10:00 if the configured text is not `HH:MM`.
    pub fn member_time(&self) -> chrono::NaiveTime {
        crate::domain::sop::parse_hhmm(&self.member_at)
            .or_else(|| chrono::NaiveTime::from_hms_opt(10, 0, 0))
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PointRules {
    pub per_message: i64,
    /// At most this many points a day per member and group from chatting.
    pub daily_cap: i64,
    /// A coupon's price in points.
    pub coupon_at: i64,
}

impl PointRules {
    /// Points earned by `messages` messages on one day (capped against farming).
    pub fn for_day(&self, messages: i64) -> i64 {
        (messages.max(0) * self.per_message).min(self.daily_cap)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct QuotaRules {
    pub sends_per_month: QuotaLimit,
}

/// `"days"` (one send per day of the month) or a fixed number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum QuotaLimit {
    Fixed(u32),
    Named(QuotaNamed),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuotaNamed {
    Days,
}

impl QuotaRules {
    /// The month's quota of mass sends for one group.
    pub fn limit(&self, day: chrono::NaiveDate) -> i64 {
        match self.sends_per_month {
            QuotaLimit::Fixed(n) => i64::from(n),
            QuotaLimit::Named(QuotaNamed::Days) => {
                i64::from(crate::domain::sop::last_day_of_month(day))
            }
        }
    }
}

impl Rules {
    pub fn parse(text: &str) -> Result<Rules, toml::de::Error> {
        toml::from_str(text)
    }

    /// The shipped defaults (checked by a unit test, so this cannot fail at run time
    /// unless the binary itself is broken).
    pub fn shipped() -> Rules {
        Rules::parse(SHIPPED_RULES).unwrap_or_else(|e| panic!("data/rules.toml is invalid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kpi::Band;

    #[test]
    fn points_are_10_a_message_capped_per_day() {
        let p = Rules::parse(SHIPPED_RULES).unwrap().points;
        for (msgs, pts) in [(0, 0), (1, 10), (4, 40), (5, 50), (40, 50), (-3, 0)] {
            assert_eq!(p.for_day(msgs), pts, "{msgs}");
        }
        assert_eq!(p.coupon_at, 100);
    }

    #[test]
    fn quota_defaults_to_the_days_of_the_month() {
        let r = Rules::parse(SHIPPED_RULES).unwrap();
        let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(r.quota.limit(d("2026-02-10")), 28);
        assert_eq!(r.quota.limit(d("2024-02-10")), 29);
        assert_eq!(r.quota.limit(d("2026-03-31")), 31);
        let fixed = Rules::parse(&SHIPPED_RULES.replace("\"days\"", "20")).unwrap();
        assert_eq!(fixed.quota.limit(d("2026-03-31")), 20);
    }

    #[test]
    fn reminder_rules_have_sane_defaults() {
        let r = Rules::parse(SHIPPED_RULES).unwrap().reminders;
        assert!(!r.bell);
        assert_eq!(r.snooze_minutes, [5, 15, 60]);
        assert_eq!(r.horizon_secs(), 24 * 3600);
        assert_eq!(r.member_time().to_string(), "10:00:00");
        let odd =
            Rules::parse(&SHIPPED_RULES.replace("member_at = \"10:00\"", "member_at = \"ten\""))
                .unwrap()
                .reminders;
        assert_eq!(odd.member_time().to_string(), "10:00:00");
    }

    #[test]
    fn dau_bands_follow_domain_table() {
        let t = Rules::parse(SHIPPED_RULES).unwrap().kpi.dau_rate;
        for (v, band) in [
            (0.0, Band::Alarm),
            (0.149, Band::Alarm),
            (0.15, Band::Low),
            (0.249, Band::Low),
            (0.25, Band::Target),
            (0.40, Band::Target),
            (0.41, Band::Excellent),
        ] {
            assert_eq!(t.band(v), band, "{v}");
        }
    }

    #[test]
    fn decline_and_kol_bands_follow_domain_table() {
        let k = Rules::parse(SHIPPED_RULES).unwrap().kpi;
        // 消息衰减: > 30% alarm, 15% target, < 5% excellent (lower is better)
        for (v, band) in [
            (0.45, Band::Alarm),
            (0.31, Band::Alarm),
            (0.30, Band::Low),
            (0.16, Band::Low),
            (0.15, Band::Target),
            (0.05, Band::Target),
            (0.049, Band::Excellent),
            (-0.2, Band::Excellent),
        ] {
            assert_eq!(k.message_decline.band(v), band, "decline {v}");
        }
        // KOL 产出比: < 5% alarm, 10% target, > 20% excellent
        for (v, band) in [
            (0.02, Band::Alarm),
            (0.05, Band::Low),
            (0.099, Band::Low),
            (0.10, Band::Target),
            (0.20, Band::Target),
            (0.21, Band::Excellent),
        ] {
            assert_eq!(k.kol_share.band(v), band, "kol {v}");
        }
    }

    #[test]
    fn the_alert_rules_of_domain_md_are_shipped() {
        use crate::domain::kpi::Metric;
        let a = Rules::parse(SHIPPED_RULES).unwrap().kpi.alerts;
        let r = |n: &str| a.get(n).unwrap_or_else(|| panic!("rule {n}"));
        assert_eq!(
            (r("dau_low").metric, r("dau_low").below, r("dau_low").days),
            (Metric::DauRate, Some(0.15), 3)
        );
        assert_eq!(
            (r("messages_low").below, r("messages_low").days),
            (Some(2.0), 3)
        );
        assert_eq!(
            (r("exit_high").metric, r("exit_high").above),
            (Metric::WeeklyExitRate, Some(0.08))
        );
        assert_eq!(
            (r("ads_high").metric, r("ads_high").above),
            (Metric::AdShare, Some(0.05))
        );
        assert_eq!(
            (r("open_low").metric, r("open_low").below),
            (Metric::OpenRate, Some(0.20))
        );
        assert_eq!(r("ads_high").step, "启动关键词过滤");
    }
}
