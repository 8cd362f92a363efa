//! The demo's calendar: local days as indices (day `0` is `end_day - 89`, day `89` is
//! `end_day`), instants as unix seconds, each day's midnight computed once in the team's
//! time zone.

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Weekday};
use chrono_tz::Tz;

use super::{DAY_SECS, DAYS, LAST};

pub(super) struct Cal {
    tz: Tz,
    start: NaiveDate,
    lo: i64,
    mids: Vec<i64>,
}

impl Cal {
    pub(super) fn new(tz: Tz, end_day: NaiveDate) -> Cal {
        let start = end_day
            .checked_sub_signed(TimeDelta::days(LAST))
            .unwrap_or(end_day);
        let lo = -520;
        let mids = (lo..60).map(|d| midnight(tz, start, d)).collect();
        Cal {
            tz,
            start,
            lo,
            mids,
        }
    }

    pub(super) fn date(&self, d: i64) -> NaiveDate {
        self.start
            .checked_add_signed(TimeDelta::days(d))
            .unwrap_or(self.start)
    }

    pub(super) fn mid(&self, d: i64) -> i64 {
        usize::try_from(d - self.lo)
            .ok()
            .and_then(|i| self.mids.get(i).copied())
            .unwrap_or_else(|| midnight(self.tz, self.start, d))
    }

    pub(super) fn at(&self, d: i64, secs: i64) -> i64 {
        self.mid(d) + secs
    }

    /// End of `end_day` (midnight of the next day).
    pub(super) fn end(&self) -> i64 {
        self.mid(DAYS as i64)
    }

    pub(super) fn day(&self, d: i64) -> String {
        self.date(d).format("%Y-%m-%d").to_string()
    }

    pub(super) fn day_of(&self, t: i64) -> i64 {
        let i = self.mids.partition_point(|m| *m <= t);
        if i == 0 || i == self.mids.len() {
            return (t - self.mid(0)).div_euclid(DAY_SECS);
        }
        self.lo + i as i64 - 1
    }

    pub(super) fn weekday(&self, d: i64) -> Weekday {
        self.date(d).weekday()
    }

    pub(super) fn weekend(&self, d: i64) -> bool {
        matches!(self.weekday(d), Weekday::Sat | Weekday::Sun)
    }
}

fn midnight(tz: Tz, start: NaiveDate, d: i64) -> i64 {
    let date = start
        .checked_add_signed(TimeDelta::days(d))
        .unwrap_or(start);
    let ndt = date.and_time(NaiveTime::MIN);
    tz.from_local_datetime(&ndt)
        .earliest()
        .map_or_else(|| ndt.and_utc().timestamp(), |t| t.timestamp())
}
