//! Thresholds from `data/rules.toml` (DOMAIN.md §5) and the bands a value falls in.

use serde::Deserialize;

pub const SHIPPED_RULES: &str = include_str!("../../data/rules.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Rules {
    pub kpi: KpiRules,
    pub quota: QuotaRules,
    pub tiers: crate::domain::tiers::TierRules,
    pub points: PointRules,
    pub rfm: crate::domain::rfm::RfmRules,
    pub reminders: RemindRules,
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

#[derive(Debug, Clone, Deserialize)]
pub struct KpiRules {
    pub dau_rate: Thresholds,
}

/// For a metric where higher is better.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Thresholds {
    pub alarm: f64,
    pub target: f64,
    pub excellent: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// below the alarm line
    Alarm,
    /// above alarm, below target
    Low,
    /// at or above target
    Target,
    /// above the excellent line
    Excellent,
}

impl Thresholds {
    pub fn band(&self, v: f64) -> Band {
        if v < self.alarm {
            Band::Alarm
        } else if v < self.target {
            Band::Low
        } else if v > self.excellent {
            Band::Excellent
        } else {
            Band::Target
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
        let odd = Rules::parse(&SHIPPED_RULES.replace("\"10:00\"", "\"ten\""))
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
}
