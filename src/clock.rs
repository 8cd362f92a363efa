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

/// A wall-clock time in `tz` as an instant. In a DST gap (not in China, but teams
/// elsewhere) the earliest valid reading is taken rather than failing.
pub fn local_to_utc(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
}

/// The team's calendar date at an instant.
pub fn local_day(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

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
