//! Thresholds from `data/rules.toml` (DOMAIN.md §5) and the bands a value falls in.

use serde::Deserialize;

pub const SHIPPED_RULES: &str = include_str!("../../data/rules.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Rules {
    pub kpi: KpiRules,
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
