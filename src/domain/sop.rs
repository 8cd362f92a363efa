//! SOP templates and recurrence (DOMAIN.md §2): which items of a template fall on a
//! given day for a given group. Pure: the caller supplies the day (in the team's zone)
//! and the group's creation day.

use chrono::{Datelike, Days, NaiveDate, NaiveTime, Weekday};
use serde::Deserialize;

/// When an item recurs. Written in templates as a short string (see [`Recurrence::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrence {
    /// every day
    Daily,
    /// one weekday a week (`weekly:mon`)
    Weekly(Weekday),
    /// day N of the month (`monthly:15`); in a shorter month, its last day
    MonthlyDay(u32),
    /// the last day of the month (`monthly:last`), 28/29/30/31 as the calendar says
    MonthlyLast,
    /// day N of the group's life, day 1 being its creation day (`coldstart:3`)
    ColdStart(u32),
    /// N days before a weekly event on a weekday (`countdown:fri:3`: Tuesday before 会员日)
    Countdown { weekday: Weekday, days_before: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a recurrence: use daily, weekly:mon, monthly:15, monthly:last, coldstart:1 or countdown:fri:3"
)]
pub struct BadRecurrence(pub String);

fn weekday(s: &str) -> Option<Weekday> {
    s.parse::<Weekday>().ok()
}

impl Recurrence {
    pub fn parse(text: &str) -> Result<Recurrence, BadRecurrence> {
        let bad = || BadRecurrence(text.to_string());
        let parts: Vec<&str> = text.trim().split(':').collect();
        let rec = match parts.as_slice() {
            ["daily"] => Recurrence::Daily,
            ["weekly", d] => Recurrence::Weekly(weekday(d).ok_or_else(bad)?),
            ["monthly", "last"] => Recurrence::MonthlyLast,
            ["monthly", n] => match n.parse::<u32>() {
                Ok(n @ 1..=31) => Recurrence::MonthlyDay(n),
                _ => return Err(bad()),
            },
            ["coldstart", n] => match n.parse::<u32>() {
                Ok(n @ 1..) => Recurrence::ColdStart(n),
                _ => return Err(bad()),
            },
            ["countdown", d, n] => Recurrence::Countdown {
                weekday: weekday(d).ok_or_else(bad)?,
                days_before: n
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..7).contains(n))
                    .ok_or_else(bad)?,
            },
            _ => return Err(bad()),
        };
        Ok(rec)
    }

    /// Does the item fall on `day` for a group created on `created`? Nothing falls
    /// before a group exists.
    pub fn occurs_on(self, day: NaiveDate, created: NaiveDate) -> bool {
        if day < created {
            return false;
        }
        match self {
            Recurrence::Daily => true,
            Recurrence::Weekly(wd) => day.weekday() == wd,
            Recurrence::MonthlyDay(n) => day.day() == n.min(last_day_of_month(day)),
            Recurrence::MonthlyLast => day.day() == last_day_of_month(day),
            Recurrence::ColdStart(n) => (day - created).num_days() == i64::from(n) - 1,
            Recurrence::Countdown {
                weekday,
                days_before,
            } => day
                .checked_add_days(Days::new(u64::from(days_before)))
                .is_some_and(|d| d.weekday() == weekday),
        }
    }
}

/// 28, 29, 30 or 31.
pub fn last_day_of_month(day: NaiveDate) -> u32 {
    let (y, m) = (day.year(), day.month());
    let first_next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    first_next
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

/// One SOP template as written in `data/sop/*.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub name: String,
    /// The group type it is written for (DOMAIN.md §1), or none for the base rhythm.
    pub group_kind: Option<String>,
    #[serde(default)]
    pub description: String,
    pub items: Vec<TemplateItem>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateItem {
    pub code: String,
    pub title: String,
    pub when: String,
    pub slot: String,
    pub expires: Option<String>,
    #[serde(default)]
    pub offsets: Vec<i32>,
    pub role: Option<String>,
    #[serde(default)]
    pub script: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{file}: {source}")]
    Toml {
        file: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("{file}: item {item}: {msg}")]
    Item {
        file: String,
        item: String,
        msg: String,
    },
}

/// Parse and check one template file: every recurrence and time must be valid.
pub fn parse_template(file: &str, text: &str) -> Result<Template, TemplateError> {
    let t: Template = toml::from_str(text).map_err(|source| TemplateError::Toml {
        file: file.to_string(),
        source,
    })?;
    for item in &t.items {
        let err = |msg: String| TemplateError::Item {
            file: file.to_string(),
            item: item.code.clone(),
            msg,
        };
        Recurrence::parse(&item.when).map_err(|e| err(e.to_string()))?;
        parse_hhmm(&item.slot).ok_or_else(|| err(format!("slot {:?} is not HH:MM", item.slot)))?;
        if let Some(x) = &item.expires {
            parse_hhmm(x).ok_or_else(|| err(format!("expires {x:?} is not HH:MM")))?;
        }
    }
    Ok(t)
}

pub fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// Templates shipped in `data/sop/`, embedded: (file stem, text).
pub const SHIPPED: &[(&str, &str)] = &[
    ("base", include_str!("../../data/sop/base.toml")),
    ("welfare", include_str!("../../data/sop/welfare.toml")),
    ("knowledge", include_str!("../../data/sop/knowledge.toml")),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn recurrence_table() {
        let created = d("2024-01-01");
        // (rule, day, expected)
        let table = [
            ("daily", "2026-03-02", true),
            ("weekly:mon", "2026-03-02", true), // 2026-03-02 is a Monday
            ("weekly:mon", "2026-03-03", false),
            ("weekly:wed", "2026-03-04", true),
            ("weekly:fri", "2026-03-06", true),
            ("monthly:1", "2026-03-01", true),
            ("monthly:15", "2026-03-15", true),
            ("monthly:15", "2026-03-16", false),
            ("monthly:last", "2026-02-28", true), // not a leap year
            ("monthly:last", "2024-02-28", false), // leap year: the 29th is last
            ("monthly:last", "2024-02-29", true),
            ("monthly:last", "2026-04-30", true),
            ("monthly:last", "2026-03-30", false),
            ("monthly:last", "2026-12-31", true),
            ("monthly:31", "2026-04-30", true), // a short month: its last day
            ("monthly:30", "2026-02-28", true),
            ("monthly:30", "2024-02-29", true),
            ("monthly:30", "2024-02-28", false),
            ("countdown:fri:3", "2026-03-03", true), // Tuesday, 3 days before Friday
            ("countdown:fri:3", "2026-03-04", false),
        ];
        for (rule, day, want) in table {
            let r = Recurrence::parse(rule).unwrap();
            assert_eq!(r.occurs_on(d(day), created), want, "{rule} on {day}");
        }
    }

    #[test]
    fn cold_start_counts_from_creation_day() {
        let created = d("2026-02-27");
        let day1 = Recurrence::parse("coldstart:1").unwrap();
        let day3 = Recurrence::parse("coldstart:3").unwrap();
        assert!(day1.occurs_on(d("2026-02-27"), created));
        assert!(!day1.occurs_on(d("2026-02-28"), created));
        assert!(day3.occurs_on(d("2026-03-01"), created)); // across the month end
        assert!(!Recurrence::Daily.occurs_on(d("2026-02-26"), created));
    }

    #[test]
    fn bad_recurrences_are_refused() {
        for bad in [
            "",
            "weekly",
            "weekly:funday",
            "monthly:0",
            "monthly:32",
            "coldstart:0",
            "countdown:fri:9",
            "hourly",
        ] {
            assert!(Recurrence::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shipped_templates_parse() {
        for (name, text) in SHIPPED {
            parse_template(name, text).unwrap();
        }
    }
}
