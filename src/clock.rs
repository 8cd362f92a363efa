//! Time: the `Clock` trait, the system clock, and a fixed clock for demos and tests
//! (`SHEQUN_NOW`). Nothing else in shequn asks the OS for the time, so every rule that
//! depends on "now" can be tested at any instant, in any zone.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The team's default zone: operators in China work on Beijing time even when the
/// shared server runs in UTC.
pub const DEFAULT_TZ: Tz = chrono_tz::Asia::Shanghai;

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
    /// A clock that never moves needs no ticking.
    fn is_fixed(&self) -> bool {
        false
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always answers the same instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
    fn is_fixed(&self) -> bool {
        true
    }
}

/// A clock that starts at a given instant and then runs with tokio's clock: what
/// `remind --watch` uses under `SHEQUN_NOW` (the fixed time is where it starts, then it
/// advances in real time), and what tests use to drive time with `tokio::time::pause`
/// and `advance` — the reminder engine's sleeps and this clock move together.
#[derive(Debug, Clone, Copy)]
pub struct RunningClock {
    start: DateTime<Utc>,
    at: tokio::time::Instant,
}

impl RunningClock {
    pub fn starting_at(start: DateTime<Utc>) -> RunningClock {
        RunningClock {
            start,
            at: tokio::time::Instant::now(),
        }
    }
}

impl Clock for RunningClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + chrono::TimeDelta::from_std(self.at.elapsed()).unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("SHEQUN_NOW={0:?} is not a time: use the form 2026-03-02T08:25:00 (the team's time zone)")]
pub struct BadNow(pub String);

/// Parse `SHEQUN_NOW`: a local time in the team's zone (`2026-03-02T08:25:00`, seconds
/// optional, a space instead of `T` accepted) or an RFC 3339 instant with an offset.
pub fn parse_now(text: &str, tz: Tz) -> Result<DateTime<Utc>, BadNow> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return local_to_utc(naive, tz).ok_or_else(|| BadNow(text.to_string()));
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let naive = day
            .and_hms_opt(0, 0, 0)
            .ok_or_else(|| BadNow(text.to_string()))?;
        return local_to_utc(naive, tz).ok_or_else(|| BadNow(text.to_string()));
    }
    Err(BadNow(text.to_string()))
}

/// A wall-clock time in `tz` as an instant. An ambiguous time (the hour repeated when
/// DST ends) is read as its earlier instant; a time that does not exist (the hour
/// skipped when DST starts — not in China, but `SHEQUN_TZ` takes any zone, and some
/// zones skip midnight itself) is moved forward to the first one that does, so "the
/// start of the day" is always an instant. None only past the end of time.
pub fn local_to_utc(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    // gaps are 30 minutes to 2 hours wide; look a little past the widest
    (0..=12).find_map(|quarter| {
        let t = naive.checked_add_signed(chrono::TimeDelta::minutes(15 * quarter))?;
        tz.from_local_datetime(&t)
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    })
}

/// The instant a team-zone day starts, in Unix seconds.
pub fn day_start(day: NaiveDate, tz: Tz) -> i64 {
    local_to_utc(day.and_time(chrono::NaiveTime::MIN), tz).map_or(i64::MIN, |t| t.timestamp())
}

/// [start, end) of a team-zone day in Unix seconds.
pub fn day_bounds(day: NaiveDate, tz: Tz) -> (i64, i64) {
    (
        day_start(day, tz),
        day.succ_opt().map_or(i64::MAX, |d| day_start(d, tz)),
    )
}

/// The team's calendar date at an instant.
pub fn local_day(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_that_skips_its_midnight_still_starts_somewhere() {
        // Santiago moved its clocks from 00:00 to 01:00 on 2024-09-08
        let tz: Tz = "America/Santiago".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 9, 8).unwrap();
        let (from, to) = day_bounds(day, tz);
        let start = DateTime::from_timestamp(from, 0)
            .unwrap()
            .with_timezone(&tz);
        assert_eq!(
            start.format("%Y-%m-%d %H:%M").to_string(),
            "2024-09-08 01:00"
        );
        assert_eq!(to - from, 23 * 3600, "a 23-hour day");
        // and an ordinary day in the team's default zone
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(day_bounds(d, DEFAULT_TZ), (1_772_380_800, 1_772_467_200));
    }

    #[test]
    fn shequn_now_is_read_in_the_team_zone() {
        let t = parse_now("2026-03-02T08:25:00", DEFAULT_TZ).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-02T00:25:00+00:00");
        // 07:00 on the server in UTC is already the next day in Shanghai
        let late = parse_now("2026-03-01T23:30:00+00:00", DEFAULT_TZ).unwrap();
        assert_eq!(local_day(late, DEFAULT_TZ).to_string(), "2026-03-02");
        assert!(parse_now("yesterday", DEFAULT_TZ).is_err());
        assert_eq!(
            parse_now("2026-03-02", DEFAULT_TZ).unwrap().to_rfc3339(),
            "2026-03-01T16:00:00+00:00"
        );
    }
}
