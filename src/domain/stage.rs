//! A group's lifecycle stage by age (DOMAIN.md §1, source 002).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

impl Stage {
    /// Stage of a group `age_days` after its creation day (creation day = age 0).
    pub fn of_age(age_days: i64) -> Stage {
        match age_days {
            ..7 => Stage::Cold,
            7..30 => Stage::Activation,
            30..90 => Stage::Monetize,
            _ => Stage::Retention,
        }
    }

    /// The i18n enum word.
    pub fn word(self) -> &'static str {
        match self {
            Stage::Cold => "stage_cold",
            Stage::Activation => "stage_activation",
            Stage::Monetize => "stage_monetize",
            Stage::Retention => "stage_retention",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_domain_table() {
        for (age, stage) in [
            (0, Stage::Cold),
            (6, Stage::Cold),
            (7, Stage::Activation),
            (29, Stage::Activation),
            (30, Stage::Monetize),
            (89, Stage::Monetize),
            (90, Stage::Retention),
            (400, Stage::Retention),
        ] {
            assert_eq!(Stage::of_age(age), stage, "age {age}");
        }
    }
}
