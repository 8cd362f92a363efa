//! A group's lifecycle stage by age (DOMAIN.md §1, source 002), and the metrics each
//! stage looks at first.
//!
//! 002 names a stage's key metrics; shequn shows the ones it can measure or be told:
//! | stage | 002's key metrics | shown first |
//! |---|---|---|
//! | 初建期 | 进群率, 群资料完善率, 首周留存率 | joins, members, weekly exit rate, 日活率 |
//! | 激活期 | 用户发言率, 活动参与率, 内容打开率 | 日活率, open rate, messages per member, KOL share |
//! | 变现期 | 转化率, 客单价, 优惠券使用率 | orders, GMV, clicks, open rate |
//! | 留存期 | 周活跃率, 复购率, 用户流失率 | 日活率, weekly exit rate, message decline, orders |
//! | 传播期 | 裂变率, 推荐率, KOC 占比 | invites, QR scans, KOL share, 日活率 |

use serde::Serialize;

// `[kpi.stages]` is part of the KPI rules; re-exported here where stages are computed.
use crate::domain::kpi::Metric;
pub use crate::domain::kpi::StageDays;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 初建期, 0-7 days
    Cold,
    /// 激活期, 7-30 days
    Activation,
    /// 变现期, 30-90 days
    Monetize,
    /// 留存期, 90 days and more
    Retention,
    /// 传播期, the long term
    Spread,
}

impl Stage {
    /// Stage of a group `age_days` after its creation day (creation day = age 0).
    pub fn of_age(age_days: i64, days: &StageDays) -> Stage {
        if age_days < days.activation {
            Stage::Cold
        } else if age_days < days.monetize {
            Stage::Activation
        } else if age_days < days.retention {
            Stage::Monetize
        } else if age_days < days.spread {
            Stage::Retention
        } else {
            Stage::Spread
        }
    }

    /// The i18n enum word.
    pub fn word(self) -> &'static str {
        match self {
            Stage::Cold => "stage_cold",
            Stage::Activation => "stage_activation",
            Stage::Monetize => "stage_monetize",
            Stage::Retention => "stage_retention",
            Stage::Spread => "stage_spread",
        }
    }

    /// What this stage looks at first (table in the module header).
    pub fn key_metrics(self) -> &'static [Metric] {
        match self {
            Stage::Cold => &[
                Metric::Joins,
                Metric::Members,
                Metric::WeeklyExitRate,
                Metric::DauRate,
            ],
            Stage::Activation => &[
                Metric::DauRate,
                Metric::OpenRate,
                Metric::MessagesPerMember,
                Metric::KolShare,
            ],
            Stage::Monetize => &[
                Metric::Orders,
                Metric::Gmv,
                Metric::Clicks,
                Metric::OpenRate,
            ],
            Stage::Retention => &[
                Metric::DauRate,
                Metric::WeeklyExitRate,
                Metric::MessageDecline,
                Metric::Orders,
            ],
            Stage::Spread => &[
                Metric::Invites,
                Metric::QrScans,
                Metric::KolShare,
                Metric::DauRate,
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_domain_table() {
        let days = crate::domain::shipped_section::<StageDays>(&["kpi", "stages"]);
        for (age, stage) in [
            (0, Stage::Cold),
            (6, Stage::Cold),
            (7, Stage::Activation),
            (29, Stage::Activation),
            (30, Stage::Monetize),
            (89, Stage::Monetize),
            (90, Stage::Retention),
            (179, Stage::Retention),
            (180, Stage::Spread),
            (400, Stage::Spread),
        ] {
            assert_eq!(Stage::of_age(age, &days), stage, "age {age}");
        }
    }

    #[test]
    fn every_stage_has_key_metrics() {
        for s in [
            Stage::Cold,
            Stage::Activation,
            Stage::Monetize,
            Stage::Retention,
            Stage::Spread,
        ] {
            assert!(s.key_metrics().len() >= 3, "{s:?}");
        }
    }
}
