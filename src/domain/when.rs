//! When an ad-hoc reminder is due, as operators type it: `10m`, `+2h`, `1h30m`,
//! `in 10 minutes`, `10分钟后`, `半小时后`, `20:30`, `晚上8点`, `明天 09:00`,
//! `2026-03-03 09:00`, or an RFC 3339 instant. Pure: the caller supplies now and the
//! team's zone, and [`split`] finds the time inside a sentence ("remind me in 10
//! minutes to check the offer's results", "10分钟后提醒我看福利推送的数据").

use chrono::TimeZone;
use chrono::{DateTime, Days, FixedOffset, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;

/// A parsed time expression, not yet tied to an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// This long from now (`10m`, `in 2 hours`, `10分钟后`).
    In(TimeDelta),
    /// The next time the wall clock shows this (today, or tomorrow once it has passed).
    Clock(NaiveTime),
    /// This wall-clock time tomorrow (`明天 09:00`, `tomorrow 9:00`).
    Tomorrow(NaiveTime),
    /// A day and time in the team's zone (`2026-03-03 09:00`).
    At(NaiveDateTime),
    /// An exact instant with its offset (RFC 3339).
    Exact(DateTime<FixedOffset>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a time: use 10m, +2h, 20:30, \"2026-03-03 09:00\", \"in 10 minutes\" or 10分钟后"
)]
pub struct BadWhen(pub String);

impl When {
    /// The instant this stands for at `now`, reading wall-clock times in `tz`. None only
    /// for a wall-clock time that does not exist in the zone and has no later reading.
    pub fn instant(self, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = |ndt: NaiveDateTime| {
            tz.from_local_datetime(&ndt)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        };
        let today = now.with_timezone(&tz).date_naive();
        match self {
            When::In(d) => now.checked_add_signed(d),
            When::Clock(t) => {
                let at = local(today.and_time(t))?;
                if at > now {
                    Some(at)
                } else {
                    local(today.checked_add_days(Days::new(1))?.and_time(t))
                }
            }
            When::Tomorrow(t) => local(today.checked_add_days(Days::new(1))?.and_time(t)),
            When::At(ndt) => local(ndt),
            When::Exact(t) => Some(t.with_timezone(&Utc)),
        }
    }
}

/// Parse a whole text as a time expression.
pub fn parse(text: &str) -> Result<When, BadWhen> {
    let bad = || BadWhen(text.to_string());
    let t = text.trim();
    if t.is_empty() {
        return Err(bad());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(When::Exact(dt));
    }
    for fmt in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(ndt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(When::At(ndt));
        }
    }
    let lower = t.to_lowercase();
    for prefix in ["tomorrow", "明天", "明早", "明晚"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            // 明晚 8点 is 20:00, 明早 8点 08:00
            let hint = match prefix {
                "明晚" => "晚上",
                "明早" => "早上",
                _ => "",
            };
            let time = clock(&format!("{hint}{}", rest.trim())).ok_or_else(bad)?;
            return Ok(When::Tomorrow(time));
        }
    }
    if let Some(time) = clock(&lower) {
        return Ok(When::Clock(time));
    }
    duration(&lower).map(When::In).ok_or_else(bad)
}

/// A time expression at the start (or, failing that, the end) of `text`, and the rest
/// as the reminder's title: "in 10 minutes to check X" → (10 min, "check X").
pub fn split(text: &str) -> Option<(When, String)> {
    let t = strip_any(text.trim(), &["remind me", "提醒我"]).trim_start();
    let bounds: Vec<usize> = t.char_indices().map(|(i, _)| i).chain([t.len()]).collect();
    // Time expressions are short; looking further would only cost time.
    const LONGEST: usize = 40;
    // the longest head that parses, ending where a word ends
    for &end in bounds.iter().rev().filter(|&&e| e <= LONGEST * 4) {
        let (head, rest) = t.split_at(end);
        if head.trim().is_empty() {
            break;
        }
        if joins_a_word(head, rest) {
            continue;
        }
        if let Ok(w) = parse(head) {
            return Some((w, title_of(rest)));
        }
    }
    // the longest tail that parses: "check X in 10 minutes"
    for &start in &bounds {
        let (head, tail) = t.split_at(start);
        if tail.trim().is_empty() || tail.len() > LONGEST * 4 {
            continue;
        }
        if joins_a_word(head, tail) {
            continue;
        }
        if let Ok(w) = parse(tail) {
            let head = head.trim_end();
            let head = ["in", "at", "on", "在"]
                .iter()
                .find_map(|w| {
                    head.strip_suffix(w)
                        .filter(|h| h.is_empty() || h.ends_with(' ') || !w.is_ascii())
                })
                .unwrap_or(head);
            return Some((w, title_of(head)));
        }
    }
    None
}

/// Would cutting here split a latin word or number ("10min" at "10m|in")?
fn joins_a_word(head: &str, rest: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric();
    head.ends_with(word) && rest.starts_with(word)
}

fn strip_any<'a>(text: &'a str, prefixes: &[&str]) -> &'a str {
    for p in prefixes {
        if let Some(head) = text.get(..p.len())
            && head.eq_ignore_ascii_case(p)
        {
            return &text[p.len()..];
        }
    }
    text
}

/// What is left of the sentence, without the glue words around the time.
fn title_of(rest: &str) -> String {
    let mut t = rest.trim();
    loop {
        let before = t;
        t = strip_any(t, &["to ", "提醒我", "提醒", "remind me to ", "remind me "]);
        t = t.trim_start_matches([',', ',', ':', ':', '-', '—', '、', ' ']);
        if t == before {
            break;
        }
    }
    t.trim().to_string()
}

/// `20:30`, `8:05`, `20:30:15`, `8点`, `8点半`, `8点15分`, `下午3点`, `晚上8点`.
fn clock(t: &str) -> Option<NaiveTime> {
    let t = t.trim();
    for fmt in ["%H:%M", "%H:%M:%S"] {
        if let Ok(time) = NaiveTime::parse_from_str(t, fmt) {
            return Some(time);
        }
    }
    // the Chinese forms, with an optional part of the day in front
    let (pm, rest) = [
        ("上午", false),
        ("早上", false),
        ("早晨", false),
        ("中午", true),
        ("下午", true),
        ("晚上", true),
        ("今晚", true),
        ("傍晚", true),
    ]
    .iter()
    .find_map(|(p, pm)| t.strip_prefix(p).map(|r| (*pm, r.trim())))
    .unwrap_or((false, t));
    let (hour, after) = rest.split_once(['点', '時', '时'])?;
    let mut h = number(hour.trim())?;
    let minutes = match after.trim().trim_end_matches(['分', '钟']) {
        "" | "整" => 0,
        "半" => 30,
        m => number(m.trim())?,
    };
    // 中午12点 is noon, 下午3点 15:00, 晚上12点 midnight would be odd: keep 12 as is
    if pm && h < 12 {
        h += 12;
    }
    NaiveTime::from_hms_opt(u32::try_from(h).ok()?, u32::try_from(minutes).ok()?, 0)
}

/// `10m`, `+2h`, `1h30m`, `90s`, `in 10 minutes`, `10 min`, `10分钟后`, `两小时后`, `半小时后`.
fn duration(t: &str) -> Option<TimeDelta> {
    let mut s = t.trim();
    s = s.strip_prefix('+').unwrap_or(s).trim_start();
    if let Some(r) = s.strip_prefix("in ") {
        s = r.trim_start();
    }
    for suffix in ["以后", "之后", "后", " later", " from now"] {
        if let Some(r) = s.strip_suffix(suffix) {
            s = r.trim_end();
            break;
        }
    }
    if s.is_empty() {
        return None;
    }
    if s == "半小时" || s == "半个小时" || s == "半个钟头" {
        return Some(TimeDelta::minutes(30));
    }
    let mut total = TimeDelta::zero();
    let mut rest = s;
    let mut parts = 0;
    while !rest.is_empty() {
        let n_end = rest
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || CN_DIGITS.contains(*c)))
            .map_or(rest.len(), |(i, _)| i);
        if n_end == 0 {
            return None;
        }
        let n = number(&rest[..n_end])?;
        rest = rest[n_end..].trim_start();
        let (unit, len) = UNITS
            .iter()
            .filter(|(name, _)| rest.starts_with(name))
            .map(|(name, secs)| (*secs, name.len()))
            // the longest unit name: "minutes" before "m", "分钟" before "分"
            .max_by_key(|(_, len)| *len)?;
        let after = &rest[len..];
        // "10 months" is not "10 m" + "onths"
        if after.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        total = total.checked_add(&TimeDelta::seconds(n.checked_mul(unit)?))?;
        rest = after.trim_start_matches([' ', ',']);
        parts += 1;
    }
    (parts > 0 && total > TimeDelta::zero()).then_some(total)
}

const CN_DIGITS: &str = "零一二两三四五六七八九十";

/// `15`, or a small Chinese number: `五`, `两`, `十`, `十五`, `二十`, `四十五`.
fn number(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok().filter(|n: &i64| *n <= 100_000);
    }
    let digit = |c: char| -> Option<i64> {
        Some(match c {
            '零' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// Unit names and their seconds.
const UNITS: &[(&str, i64)] = &[
    ("s", 1),
    ("sec", 1),
    ("secs", 1),
    ("second", 1),
    ("seconds", 1),
    ("秒", 1),
    ("秒钟", 1),
    ("m", 60),
    ("min", 60),
    ("mins", 60),
    ("minute", 60),
    ("minutes", 60),
    ("分", 60),
    ("分钟", 60),
    ("h", 3600),
    ("hr", 3600),
    ("hrs", 3600),
    ("hour", 3600),
    ("hours", 3600),
    ("小时", 3600),
    ("个小时", 3600),
    ("钟头", 3600),
    ("个钟头", 3600),
    ("d", 86_400),
    ("day", 86_400),
    ("days", 86_400),
    ("天", 86_400),
];

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn expressions_people_type() {
        let mins = |m| When::In(TimeDelta::minutes(m));
        let secs = |s| When::In(TimeDelta::seconds(s));
        let d = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let cases: &[(&str, When)] = &[
            ("10m", mins(10)),
            ("+10m", mins(10)),
            ("+2h", mins(120)),
            ("2h", mins(120)),
            ("1h30m", mins(90)),
            ("1h 30m", mins(90)),
            ("90s", secs(90)),
            ("+3s", secs(3)),
            ("10 min", mins(10)),
            ("10min", mins(10)),
            ("in 10 minutes", mins(10)),
            ("In 1 hour", mins(60)),
            ("10 minutes later", mins(10)),
            ("2 days", mins(2 * 24 * 60)),
            ("10分钟后", mins(10)),
            ("10 分钟后", mins(10)),
            ("十分钟后", mins(10)),
            ("两小时后", mins(120)),
            ("2个小时后", mins(120)),
            ("半小时后", mins(30)),
            ("30秒后", secs(30)),
            ("三天后", mins(3 * 24 * 60)),
            ("20:30", When::Clock(t(20, 30))),
            ("8:05", When::Clock(t(8, 5))),
            (
                "20:30:15",
                When::Clock(NaiveTime::from_hms_opt(20, 30, 15).unwrap()),
            ),
            ("8点", When::Clock(t(8, 0))),
            ("8点半", When::Clock(t(8, 30))),
            ("9点15分", When::Clock(t(9, 15))),
            ("下午3点", When::Clock(t(15, 0))),
            ("晚上八点", When::Clock(t(20, 0))),
            ("中午12点", When::Clock(t(12, 0))),
            ("明天 09:00", When::Tomorrow(t(9, 0))),
            ("明天9点", When::Tomorrow(t(9, 0))),
            ("明晚8点", When::Tomorrow(t(20, 0))),
            ("tomorrow 9:30", When::Tomorrow(t(9, 30))),
            ("2026-03-03 09:00", When::At(d.and_time(t(9, 0)))),
            ("2026-03-03T09:00:00", When::At(d.and_time(t(9, 0)))),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).as_ref(), Ok(want), "{text}");
        }
        assert!(matches!(
            parse("2026-03-03T09:00:00+08:00"),
            Ok(When::Exact(_))
        ));
    }

    #[test]
    fn what_is_not_a_time() {
        for text in [
            "",
            "10",
            "soon",
            "10 months",
            "25:00",
            "m",
            "in minutes",
            "0m",
            "明天",
            "2026-02-30 09:00",
            "十一十",
        ] {
            assert!(parse(text).is_err(), "{text:?} parsed");
        }
        let e = parse("soon").unwrap_err().to_string();
        assert!(e.contains("10m") && e.contains("20:30"), "{e}");
    }

    #[test]
    fn instants_in_the_team_zone() {
        let tz = chrono_tz::Asia::Shanghai;
        // 08:25 in Shanghai
        let now = DateTime::parse_from_rfc3339("2026-03-02T00:25:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let local = |w: When| {
            w.instant(now, tz)
                .unwrap()
                .with_timezone(&tz)
                .format("%m-%d %H:%M")
                .to_string()
        };
        assert_eq!(local(parse("10m").unwrap()), "03-02 08:35");
        assert_eq!(local(parse("20:30").unwrap()), "03-02 20:30");
        // 08:00 has passed: the next 08:00 is tomorrow's
        assert_eq!(local(parse("08:00").unwrap()), "03-03 08:00");
        assert_eq!(local(parse("明天9点").unwrap()), "03-03 09:00");
        assert_eq!(local(parse("2026-03-04 14:00").unwrap()), "03-04 14:00");
        assert_eq!(
            local(parse("2026-03-02T20:00:00+00:00").unwrap()),
            "03-03 04:00"
        );
    }

    #[test]
    fn a_time_inside_a_sentence() {
        let cases: &[(&str, When, &str)] = &[
            (
                "remind me in 10 minutes to check the offer's results",
                When::In(TimeDelta::minutes(10)),
                "check the offer's results",
            ),
            (
                "10m 看福利推送的数据",
                When::In(TimeDelta::minutes(10)),
                "看福利推送的数据",
            ),
            (
                "10分钟后提醒我看福利推送的数据",
                When::In(TimeDelta::minutes(10)),
                "看福利推送的数据",
            ),
            ("20:30 开周会", When::Clock(t(20, 30)), "开周会"),
            (
                "+2h: call Amy",
                When::In(TimeDelta::minutes(120)),
                "call Amy",
            ),
            (
                "2026-03-03 09:00 周会",
                When::At(
                    NaiveDate::from_ymd_opt(2026, 3, 3)
                        .unwrap()
                        .and_time(t(9, 0)),
                ),
                "周会",
            ),
            (
                "check the offer's results in 10 minutes",
                When::In(TimeDelta::minutes(10)),
                "check the offer's results",
            ),
            ("明天 09:00 发周报", When::Tomorrow(t(9, 0)), "发周报"),
            ("晚上8点 直播彩排", When::Clock(t(20, 0)), "直播彩排"),
            ("10min", When::In(TimeDelta::minutes(10)), ""),
        ];
        for (text, when, title) in cases {
            let (w, got) = split(text).unwrap_or_else(|| panic!("{text:?} not split"));
            assert_eq!((w, got.as_str()), (*when, *title), "{text}");
        }
        assert_eq!(split("call Amy"), None);
        assert_eq!(split("1000 things"), None);
    }
}
