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
    /// The group types it is written for (DOMAIN.md §1 names several words for the same
    /// kind of group, so a template lists all it serves); empty for the base rhythm.
    #[serde(default)]
    pub group_kinds: Vec<String>,
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
    /// A mass send (群发) to the group, counted against its monthly quota. Most items
    /// are posted by hand in the group or are internal work, so the default is false.
    #[serde(default)]
    pub send: bool,
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
        let rec = Recurrence::parse(&item.when).map_err(|e| err(e.to_string()))?;
        for name in placeholders(&item.script) {
            if !PLACEHOLDERS.contains(&name) {
                return Err(err(format!(
                    "unknown placeholder {{{name}}}; known: {}",
                    PLACEHOLDERS.join(", ")
                )));
            }
            if name == "countdown" && !matches!(rec, Recurrence::Countdown { .. }) {
                return Err(err(
                    "{countdown} only means something in a countdown item".into()
                ));
            }
        }
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

/// A script may only use known placeholders (so a filled script never shows a raw
/// `{…}`), and `{countdown}` only in a countdown item.
pub fn check_script(script: &str, rec: Recurrence) -> Result<(), String> {
    for name in placeholders(script) {
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder {{{name}}}; known: {}",
                PLACEHOLDERS.join(", ")
            ));
        }
        if name == "countdown" && !matches!(rec, Recurrence::Countdown { .. }) {
            return Err("{countdown} only means something in a countdown item".into());
        }
    }
    Ok(())
}

/// Placeholders a script may use.
pub const PLACEHOLDERS: &[&str] = &[
    "group",
    "date",
    "weekday",
    "month",
    "time",
    "countdown",
    "operator",
];

/// Weekday names for scripts. Scripts are pasted into the community's WeChat, so they
/// follow the community's language (Chinese), not the operator's UI language.
const SCRIPT_WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

/// The `{name}` placeholders in a script, in order.
pub fn placeholders(script: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = script;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if !after[..end].contains('{') => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// What a script's placeholders are filled with.
#[derive(Debug, Clone)]
pub struct ScriptVars<'a> {
    pub group: &'a str,
    pub day: NaiveDate,
    pub time: &'a str,
    pub operator: &'a str,
    /// Days until the event, for countdown items.
    pub countdown: Option<u32>,
}

/// Fill a script for a group and day. Templates are checked at load to use only known
/// placeholders, so the result never shows a raw `{…}`.
pub fn render_script(script: &str, v: &ScriptVars<'_>) -> String {
    let weekday = SCRIPT_WEEKDAYS[v.day.weekday().num_days_from_monday() as usize];
    let date = format!("{}月{}日", v.day.month(), v.day.day());
    let month = format!("{}月", v.day.month());
    let countdown = v.countdown.map(|c| c.to_string()).unwrap_or_default();
    let mut out = script.to_string();
    for (k, val) in [
        ("group", v.group),
        ("date", date.as_str()),
        ("weekday", weekday),
        ("month", month.as_str()),
        ("time", v.time),
        ("countdown", countdown.as_str()),
        ("operator", v.operator),
    ] {
        out = out.replace(&format!("{{{k}}}"), val);
    }
    out
}

impl Recurrence {
    /// For a countdown item, how many days remain to its event.
    pub fn countdown(self) -> Option<u32> {
        match self {
            Recurrence::Countdown { days_before, .. } => Some(days_before),
            _ => None,
        }
    }
}

/// Templates shipped in `data/sop/`, embedded: (file stem, text).
pub const SHIPPED: &[(&str, &str)] = &[
    ("base", include_str!("../../data/sop/base.toml")),
    ("welfare", include_str!("../../data/sop/welfare.toml")),
    ("knowledge", include_str!("../../data/sop/knowledge.toml")),
    ("activity", include_str!("../../data/sop/activity.toml")),
    ("service", include_str!("../../data/sop/service.toml")),
    ("interest", include_str!("../../data/sop/interest.toml")),
    ("conversion", include_str!("../../data/sop/conversion.toml")),
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
    fn scripts_are_filled_and_unknown_placeholders_refused() {
        let v = ScriptVars {
            group: "宝妈群",
            day: d("2026-03-02"),
            time: "08:30",
            operator: "li.na",
            countdown: None,
        };
        assert_eq!(
            render_script("{group} {date} {weekday} {month} {time}", &v),
            "宝妈群 3月2日 周一 3月 08:30"
        );
        assert_eq!(placeholders("a {x} b {y}{"), vec!["x", "y"]);
        let bad = "name = \"t\"\n[[items]]\ncode = \"a\"\ntitle = \"a\"\nwhen = \"daily\"\nslot = \"08:00\"\nscript = \"hi {grup}\"\n";
        let e = parse_template("t", bad).unwrap_err().to_string();
        assert!(e.contains("{grup}"), "{e}");
        let cd = bad.replace("{grup}", "{countdown}");
        assert!(
            parse_template("t", &cd).is_err(),
            "countdown outside a countdown item"
        );
    }

    #[test]
    fn every_shipped_script_fills_completely() {
        for (name, text) in SHIPPED {
            let t = parse_template(name, text).unwrap();
            for item in &t.items {
                let rec = Recurrence::parse(&item.when).unwrap();
                let v = ScriptVars {
                    group: "宝妈育儿交流群3群",
                    day: d("2024-02-29"),
                    time: &item.slot,
                    operator: "li.na",
                    countdown: rec.countdown(),
                };
                let out = render_script(&item.script, &v);
                assert!(
                    !out.contains('{') && !out.contains('}'),
                    "{name}/{}: {out}",
                    item.code
                );
                assert!(!out.is_empty(), "{name}/{} has no script", item.code);
            }
        }
    }

    #[test]
    fn each_main_group_type_has_its_template() {
        let kinds: Vec<String> = SHIPPED
            .iter()
            .flat_map(|(n, t)| parse_template(n, t).unwrap().group_kinds)
            .collect();
        // DOMAIN.md §1: the types of 000 and 001, and their synonyms in 002/003
        for k in [
            "福利型",
            "知识型",
            "活动型",
            "服务型",
            "兴趣型",
            "转化型",
            "知识分享",
            "客户服务型",
            "产品服务",
            "兴趣社交",
            "群发推广型",
        ] {
            assert!(kinds.iter().any(|x| x == k), "no template for {k}");
        }
        // the base rhythm of DOMAIN.md §2 is there for everything else
        let base = parse_template("base", SHIPPED[0].1).unwrap();
        let titles: Vec<&str> = base.items.iter().map(|i| i.title.as_str()).collect();
        for t in [
            "早安问候",
            "干货分享",
            "福利推送",
            "行业早报",
            "直播预告",
            "会员日",
            "会员日倒计时",
            "月度主题策划",
            "月中用户调研",
        ] {
            assert!(titles.contains(&t), "base lacks {t}");
        }
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

/// The state of one day's item (PRODUCT.md: `todo`, `done`, `skipped`, `missed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemState {
    Todo,
    Done,
    Skipped,
    Missed,
}

impl ItemState {
    pub fn parse(s: &str) -> Option<ItemState> {
        Some(match s {
            "todo" => ItemState::Todo,
            "done" => ItemState::Done,
            "skipped" => ItemState::Skipped,
            "missed" => ItemState::Missed,
            _ => return None,
        })
    }

    pub fn word(self) -> &'static str {
        match self {
            ItemState::Todo => "todo",
            ItemState::Done => "done",
            ItemState::Skipped => "skipped",
            ItemState::Missed => "missed",
        }
    }

    /// Still to be done (a missed item can still be done late).
    pub fn is_open(self) -> bool {
        matches!(self, ItemState::Todo | ItemState::Missed)
    }
}

/// What an operator does to an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SopChange {
    Done {
        note: Option<String>,
    },
    /// Take back a done (or skipped) mark.
    Undo,
    Skip {
        reason: String,
    },
    Note {
        text: String,
    },
    /// "I'm on it": visible to every colleague.
    Claim,
    Unclaim,
    Assign {
        login: String,
    },
}

impl SopChange {
    /// The kind of write it is (`data/roles.toml`): giving an item to a colleague is
    /// an operator's; the rest is everyone's day-to-day ticking.
    pub fn perm(&self) -> crate::domain::roles::Perm {
        use crate::domain::roles::Perm;
        match self {
            SopChange::Assign { .. } => Perm::SopAssign,
            _ => Perm::SopTick,
        }
    }

    /// The audit log's action word.
    pub fn verb(&self) -> &'static str {
        match self {
            SopChange::Done { .. } => "done",
            SopChange::Undo => "undo",
            SopChange::Skip { .. } => "skip",
            SopChange::Note { .. } => "note",
            SopChange::Claim => "claim",
            SopChange::Unclaim => "unclaim",
            SopChange::Assign { .. } => "assign",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("already done; nothing was changed")]
    AlreadyDone,
    #[error("already skipped; take it back first (undo) to change it")]
    AlreadySkipped,
    #[error("not done or skipped, so there is nothing to take back")]
    NothingToUndo,
    #[error("a reason is needed to skip an item")]
    NoReason,
    #[error("claimed by a colleague; they are on it")]
    ClaimedByOther,
    #[error("only open items can be claimed")]
    NotOpen,
}

impl Refusal {
    /// The short "who" part of a refusal message, e.g. "done by li.na at 08:31".
    pub fn explain(&self, who: &str) -> String {
        match self {
            Refusal::AlreadyDone => format!("done by {who}"),
            Refusal::ClaimedByOther => format!("claimed by {who}"),
            Refusal::AlreadySkipped => format!("skipped by {who}"),
            _ => String::from("refused"),
        }
    }
}

/// The state after a change, or why the change is refused. Two operators pressing
/// "done" on the same item at once: the first wins, the second is told who did it.
pub fn transition(
    state: ItemState,
    claimed_by: Option<&str>,
    me: &str,
    change: &SopChange,
) -> Result<ItemState, Refusal> {
    use ItemState::{Done, Missed, Skipped, Todo};
    match change {
        SopChange::Done { .. } => match state {
            Todo | Missed => Ok(Done),
            Done => Err(Refusal::AlreadyDone),
            Skipped => Err(Refusal::AlreadySkipped),
        },
        SopChange::Undo => match state {
            Done | Skipped => Ok(Todo),
            Todo | Missed => Err(Refusal::NothingToUndo),
        },
        SopChange::Skip { reason } => {
            if reason.trim().is_empty() {
                return Err(Refusal::NoReason);
            }
            match state {
                Todo | Missed => Ok(Skipped),
                Done => Err(Refusal::AlreadyDone),
                Skipped => Err(Refusal::AlreadySkipped),
            }
        }
        SopChange::Claim => match (state.is_open(), claimed_by) {
            (false, _) => Err(Refusal::NotOpen),
            (true, Some(other)) if other != me => Err(Refusal::ClaimedByOther),
            (true, _) => Ok(state),
        },
        SopChange::Unclaim => match claimed_by {
            Some(other) if other != me => Err(Refusal::ClaimedByOther),
            _ => Ok(state),
        },
        SopChange::Note { .. } | SopChange::Assign { .. } => Ok(state),
    }
}

#[cfg(test)]
mod transition_tests {
    use super::ItemState::{Done, Missed, Skipped, Todo};
    use super::*;

    #[test]
    fn transition_table() {
        let done = SopChange::Done { note: None };
        let skip = SopChange::Skip {
            reason: "活动顺延".into(),
        };
        type Case<'a> = (
            ItemState,
            Option<&'a str>,
            SopChange,
            Result<ItemState, Refusal>,
        );
        let table: &[Case<'_>] = &[
            (Todo, None, done.clone(), Ok(Done)),
            (Missed, None, done.clone(), Ok(Done)), // done late
            (Done, None, done.clone(), Err(Refusal::AlreadyDone)),
            (Skipped, None, done.clone(), Err(Refusal::AlreadySkipped)),
            (Done, None, SopChange::Undo, Ok(Todo)),
            (Skipped, None, SopChange::Undo, Ok(Todo)),
            (Todo, None, SopChange::Undo, Err(Refusal::NothingToUndo)),
            (Todo, None, skip.clone(), Ok(Skipped)),
            (
                Todo,
                None,
                SopChange::Skip {
                    reason: "  ".into(),
                },
                Err(Refusal::NoReason),
            ),
            (Done, None, skip, Err(Refusal::AlreadyDone)),
            (Todo, None, SopChange::Claim, Ok(Todo)),
            (Todo, Some("me"), SopChange::Claim, Ok(Todo)),
            (
                Todo,
                Some("li.na"),
                SopChange::Claim,
                Err(Refusal::ClaimedByOther),
            ),
            (Done, None, SopChange::Claim, Err(Refusal::NotOpen)),
            (
                Todo,
                Some("li.na"),
                SopChange::Unclaim,
                Err(Refusal::ClaimedByOther),
            ),
            (Todo, Some("me"), SopChange::Unclaim, Ok(Todo)),
            (Done, None, SopChange::Note { text: "x".into() }, Ok(Done)),
        ];
        for (state, claimed, change, want) in table {
            assert_eq!(
                transition(*state, *claimed, "me", change),
                *want,
                "{state:?} {claimed:?} {change:?}"
            );
        }
    }
}
