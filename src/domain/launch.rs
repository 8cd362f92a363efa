//! Launching a group (issue 16), pure: the seven build phases of source 000 (DOMAIN.md
//! §1) with their lengths and bars (`[launch]` of `data/rules.toml`, team settings), a
//! plan's dates from its first day, each phase's state (passed, current, late, ahead)
//! from its metric and the day, the next step; the positioning formula of source 002
//! (who + pain + solution) parsed and checked; the playbook of `data/launch.toml` (the
//! preparation kit, the questionnaire's columns); and which questionnaire answers are
//! valid (000's 地域/年龄/需求三重匹配).
//!
//! The store measures each phase's metric over the days this module names
//! ([`Ranges`]); this module decides what the numbers mean, so the CLI, the console and
//! the tests agree.

use std::sync::LazyLock;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// The shipped playbook, `data/launch.toml`.
pub const SHIPPED_PLAYBOOK: &str = include_str!("../../data/launch.toml");

/// A build phase (source 000), in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 筹备期: rules, poster, welcome script — materials 100 %.
    Prep,
    /// 引流期: QR codes on every channel — ≥ 200 scans a day.
    Traffic,
    /// 筛选期: the entry questionnaire — valid answers ≥ 60 %.
    Screen,
    /// 运营期: fixed-time content — ≥ 30 interactions a day.
    Operate,
    /// 转化期: tiered offers — monthly GMV +15 %.
    Convert,
    /// 裂变期: invite rewards — ≥ 3 invites per member.
    Fission,
    /// 复盘期: lifecycle review — next-month retention ≥ 40 %.
    Review,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::Prep,
        Phase::Traffic,
        Phase::Screen,
        Phase::Operate,
        Phase::Convert,
        Phase::Fission,
        Phase::Review,
    ];

    /// The stable English word (database, JSON, `--phase`, the rules' keys).
    pub fn word(self) -> &'static str {
        match self {
            Phase::Prep => "prep",
            Phase::Traffic => "traffic",
            Phase::Screen => "screen",
            Phase::Operate => "operate",
            Phase::Convert => "convert",
            Phase::Fission => "fission",
            Phase::Review => "review",
        }
    }

    /// Its Chinese name (source 000), also accepted by `--phase`.
    pub fn zh(self) -> &'static str {
        match self {
            Phase::Prep => "筹备期",
            Phase::Traffic => "引流期",
            Phase::Screen => "筛选期",
            Phase::Operate => "运营期",
            Phase::Convert => "转化期",
            Phase::Fission => "裂变期",
            Phase::Review => "复盘期",
        }
    }

    /// `traffic`, `引流期`, `引流` or the phase's number (1–7).
    pub fn parse(text: &str) -> Option<Phase> {
        let t = text.trim().to_lowercase();
        Phase::ALL.into_iter().find(|p| {
            t == p.word()
                || t == p.zh()
                || p.zh().strip_suffix('期') == Some(t.as_str())
                || t.parse::<usize>().ok() == Some(p.index() + 1)
        })
    }

    pub fn index(self) -> usize {
        Phase::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    /// Its metric's Chinese name (source 000's 质量指标), for the task note stored once.
    pub fn metric_zh(self) -> &'static str {
        match self {
            Phase::Prep => "物料完成度",
            Phase::Traffic => "日均扫码量",
            Phase::Screen => "有效答卷率",
            Phase::Operate => "日均互动量",
            Phase::Convert => "月度 GMV 提升率",
            Phase::Fission => "人均邀新",
            Phase::Review => "次月留存率",
        }
    }

    /// Whether its metric is a share (shown as a percentage).
    pub fn is_share(self) -> bool {
        matches!(
            self,
            Phase::Prep | Phase::Screen | Phase::Convert | Phase::Review
        )
    }

    /// The metric's value as shown: `86%`, `+12%`, `143`, `1.5`.
    pub fn show(self, v: f64) -> String {
        match self {
            Phase::Convert => format!("{:+.0}%", v * 100.0),
            p if p.is_share() => format!("{:.0}%", v * 100.0),
            Phase::Fission => format!("{v:.1}"),
            _ => format!("{v:.0}"),
        }
    }
}

/// One figure per phase (a section of `[launch]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PerPhase<T> {
    pub prep: T,
    pub traffic: T,
    pub screen: T,
    pub operate: T,
    pub convert: T,
    pub fission: T,
    pub review: T,
}

impl<T> PerPhase<T> {
    pub fn at(&self, p: Phase) -> &T {
        match p {
            Phase::Prep => &self.prep,
            Phase::Traffic => &self.traffic,
            Phase::Screen => &self.screen,
            Phase::Operate => &self.operate,
            Phase::Convert => &self.convert,
            Phase::Fission => &self.fission,
            Phase::Review => &self.review,
        }
    }

    pub fn at_mut(&mut self, p: Phase) -> &mut T {
        match p {
            Phase::Prep => &mut self.prep,
            Phase::Traffic => &mut self.traffic,
            Phase::Screen => &mut self.screen,
            Phase::Operate => &mut self.operate,
            Phase::Convert => &mut self.convert,
            Phase::Fission => &mut self.fission,
            Phase::Review => &mut self.review,
        }
    }
}

impl<T: Copy> PerPhase<T> {
    pub fn get(&self, p: Phase) -> T {
        *self.at(p)
    }
}

/// `[launch.qr]`: the QR code's validity and its renewal reminder.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrRules {
    /// Days a personal-WeChat group's QR code stays valid.
    pub valid_days: u32,
    /// The renewal reminder comes this many days before the expiry…
    pub renew_days: u32,
    /// …at this time (`HH:MM`).
    pub renew_at: String,
}

/// `[launch]` of `data/rules.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchRules {
    pub days: PerPhase<u32>,
    pub bars: PerPhase<f64>,
    pub qr: QrRules,
    pub task: TaskRules,
}

/// `[launch.task]`: the Today task of a late phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskRules {
    pub due_hours: u32,
}

impl LaunchRules {
    /// The shipped `[launch]` section.
    pub fn shipped() -> LaunchRules {
        super::shipped_section(&["launch"])
    }

    /// Why the section does not make sense, if it does not.
    pub fn check(&self) -> Result<(), String> {
        for p in Phase::ALL {
            let days = self.days.get(p);
            if !(1..=MAX_PHASE_DAYS).contains(&days) {
                return Err(format!(
                    "launch.days.{} is a phase's length in days, 1 to {MAX_PHASE_DAYS}; {days} is not",
                    p.word()
                ));
            }
            let bar = self.bars.get(p);
            if !bar.is_finite() || (bar < 0.0 && p != Phase::Convert) {
                return Err(format!(
                    "launch.bars.{} must be a number ≥ 0; {bar} is not",
                    p.word()
                ));
            }
        }
        if crate::domain::sop::parse_hhmm(&self.qr.renew_at).is_none() {
            return Err(format!(
                "launch.qr.renew_at is a time of day, HH:MM; {:?} is not",
                self.qr.renew_at
            ));
        }
        Ok(())
    }

    /// The renewal reminder's time of day (10:00 if the text is not `HH:MM`).
    pub fn renew_time(&self) -> chrono::NaiveTime {
        crate::domain::sop::parse_hhmm(&self.qr.renew_at)
            .or_else(|| chrono::NaiveTime::from_hms_opt(10, 0, 0))
            .unwrap_or_default()
    }
}

/// The longest a phase may last: a year.
pub const MAX_PHASE_DAYS: u32 = 366;

// --- the playbook (data/launch.toml) ---------------------------------------------------

/// One item of the preparation kit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KitItem {
    pub code: String,
    /// The starting text of an item kept as text in shequn; None: made elsewhere.
    #[serde(default)]
    pub text: Option<String>,
}

/// The questionnaire's column names and the answers that say nothing about a region.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    pub who: Vec<String>,
    pub when: Vec<String>,
    pub region: Vec<String>,
    pub age: Vec<String>,
    pub need: Vec<String>,
    pub anywhere: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderTitles {
    pub qr_renew: String,
}

/// `data/launch.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub kit: Vec<KitItem>,
    pub questionnaire: Questionnaire,
    pub reminder: ReminderTitles,
    /// Source 000's 执行要点 per phase (Chinese: a late phase's task title).
    pub steps: PerPhase<String>,
}

/// The kit item that is the QR code (it has an expiry).
pub const QR_ITEM: &str = "qr";

impl Playbook {
    /// The shipped playbook (a unit test proves it parses).
    pub fn shipped() -> &'static Playbook {
        static P: LazyLock<Playbook> = LazyLock::new(|| {
            toml::from_str(SHIPPED_PLAYBOOK)
                .unwrap_or_else(|e| panic!("data/launch.toml is invalid: {e}"))
        });
        &P
    }

    /// The kit item with this code.
    pub fn kit_item(&self, text: &str) -> Option<&KitItem> {
        let t = text.trim().to_lowercase();
        self.kit.iter().find(|k| k.code == t)
    }
}

/// When a QR code put up `today` expires unless told: a personal-WeChat group's code
/// after `valid_days`, a 企业微信 活码 never (`group kit NAME qr`, the console's kit).
pub fn qr_expiry(platform: &str, today: NaiveDate, valid_days: u32) -> Option<NaiveDate> {
    (platform == "personal")
        .then(|| today.checked_add_days(Days::new(u64::from(valid_days))))
        .flatten()
}

/// A kit text with its placeholders filled.
pub fn fill_text(text: &str, group: &str, positioning: Option<&Positioning>, raw: &str) -> String {
    let (who, need, solution) = positioning.map_or(("", "", ""), |p| {
        (p.who.as_str(), p.need.as_str(), p.solution.as_str())
    });
    text.replace("{group}", group)
        .replace("{positioning}", raw)
        .replace("{who}", who)
        .replace("{need}", need)
        .replace("{solution}", solution)
}

// --- the plan ------------------------------------------------------------------------------

/// One phase's days: `from` to `due`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub phase: Phase,
    pub from: NaiveDate,
    /// The target date: the phase's bar should hold by the end of this day.
    pub due: NaiveDate,
    pub days: u32,
}

/// The phases one after another from `start`, each `days` long.
pub fn schedule(start: NaiveDate, days: &PerPhase<u32>) -> Vec<Window> {
    let mut from = start;
    let mut out = Vec::with_capacity(Phase::ALL.len());
    for p in Phase::ALL {
        let n = days.get(p).max(1);
        let due = from
            .checked_add_days(Days::new(u64::from(n - 1)))
            .unwrap_or(from);
        out.push(Window {
            phase: p,
            from,
            due,
            days: n,
        });
        from = due.succ_opt().unwrap_or(due);
    }
    out
}

/// The day the group opens: 引流期's first day (its QR codes go out, its first members
/// come, the cold-start SOP's day 1).
pub fn opening_day(start: NaiveDate, prep_days: u32) -> NaiveDate {
    start
        .checked_add_days(Days::new(u64::from(prep_days.max(1))))
        .unwrap_or(start)
}

/// Days `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Where a phase's metric is measured: over its own days so far (`own`), and once it is
/// past its date, also over its length's worth of days up to today (`recent`) — so a
/// late phase that catches up passes, and one that passed in time stays passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranges {
    pub own: Span,
    pub recent: Option<Span>,
}

/// The ranges of a phase that has begun (None while it is ahead).
pub fn ranges(w: &Window, today: NaiveDate) -> Option<Ranges> {
    if today < w.from {
        return None;
    }
    let own = Span {
        from: w.from,
        to: today.min(w.due),
    };
    let recent = (today > w.due).then(|| Span {
        from: today
            .checked_sub_days(Days::new(u64::from(w.days.max(1) - 1)))
            .unwrap_or(today)
            .max(w.from),
        to: today,
    });
    Some(Ranges { own, recent })
}

/// A phase's state on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Its bar held (✓).
    Passed,
    /// Running, its bar not (yet) reached.
    Current,
    /// Its date passed without the bar (⚠).
    Late,
    /// Not begun.
    Ahead,
}

impl State {
    /// Its mark on the board: ✓ passed, ▶ current, ⚠ late, · ahead (reads without
    /// colour).
    pub fn mark(self) -> &'static str {
        match self {
            State::Passed => "✓",
            State::Current => "▶",
            State::Late => "⚠",
            State::Ahead => "·",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            State::Passed => "passed",
            State::Current => "current",
            State::Late => "late",
            State::Ahead => "ahead",
        }
    }
}

/// `115/≥200`: a phase's metric against its bar (`—` when there is nothing to measure).
pub fn against_bar(phase: Phase, value: Option<f64>, bar: f64) -> String {
    let v = value.map_or_else(|| "—".to_string(), |v| phase.show(v));
    format!("{v}/≥{}", phase.show(bar))
}

/// Whether a value reaches a bar (every bar of source 000 is "at least").
pub fn holds(value: Option<f64>, bar: f64) -> bool {
    value.is_some_and(|v| v + 1e-9 >= bar)
}

/// The state of a phase: ahead before its first day; passed when its bar holds over its
/// own days or (once late) over the recent ones; late after its date; else current.
pub fn judge(
    w: &Window,
    today: NaiveDate,
    bar: f64,
    own: Option<f64>,
    recent: Option<f64>,
) -> State {
    if today < w.from {
        State::Ahead
    } else if holds(own, bar) || holds(recent, bar) {
        State::Passed
    } else if today > w.due {
        State::Late
    } else {
        State::Current
    }
}

/// What to do next: the first phase not passed, with its state (None: every phase
/// passed — the group leaves its launch for the daily SOP).
pub fn next_step(states: &[(Phase, State)]) -> Option<(Phase, State)> {
    states.iter().copied().find(|(_, s)| *s != State::Passed)
}

// --- the metrics ------------------------------------------------------------------------------

/// 筹备期: kit items done / all (None without a kit).
pub fn kit_share(done: usize, total: usize) -> Option<f64> {
    (total > 0).then(|| done as f64 / total as f64)
}

/// 引流期 and 运营期: the mean of the days that have a value (a day nobody told about is
/// unknown, not zero).
pub fn per_day(values: &[Option<f64>]) -> Option<f64> {
    crate::domain::kpi::mean(values)
}

/// 筛选期: valid answers / answers (None without answers).
pub fn valid_share(valid: usize, answers: usize) -> Option<f64> {
    (answers > 0).then(|| valid as f64 / answers as f64)
}

/// 转化期: GMV of the last 30 days against the 30 before, as a change (0.15 = +15 %);
/// None when the month before had none (no base to grow from).
pub fn growth(current: f64, before: f64) -> Option<f64> {
    (before > 0.0).then(|| current / before - 1.0)
}

/// 裂变期: joins by invitation / members at the phase's start (None without members).
pub fn per_member(invites: f64, members: f64) -> Option<f64> {
    (members > 0.0).then(|| invites / members)
}

/// 复盘期: of a month's new members, the share still in the group a month later.
pub fn retention(cohort: usize, stayed: usize) -> Option<f64> {
    (cohort > 0).then(|| stayed as f64 / cohort as f64)
}

// --- positioning (source 002) ----------------------------------------------------------------

/// A group's positioning: target users + core pain (need) + solution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Positioning {
    pub who: String,
    pub need: String,
    pub solution: String,
}

/// The part of the formula a positioning lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Missing {
    #[error("the positioning names no target users (who)")]
    Who,
    #[error("the positioning names no core pain (what it solves)")]
    Need,
    #[error("the positioning names no solution (how)")]
    Solution,
}

impl Missing {
    pub fn word(self) -> &'static str {
        match self {
            Missing::Who => "who",
            Missing::Need => "need",
            Missing::Solution => "solution",
        }
    }
}

/// Verbs that end the "who" of `为 … 提供 …` (source 002's formula sentence).
const VERBS: [&str; 5] = ["提供", "解决", "打造", "带来", "分享"];
/// Separators between the pain and the solution.
const SEPARATORS: [char; 6] = [',', ',', ';', ';', '。', ':'];

/// Parse a positioning. Two forms:
/// * the formula sentence of source 002: `为 <who> 提供 <need>[解决方案],<solution>` —
///   `为` (or `帮`) starts the users, a verb (提供, 解决, 打造, 带来, 分享) ends them, the
///   first comma or semicolon after it ends the pain, the rest is the solution;
/// * three parts split by `|` (any language): `<who> | <need> | <solution>`.
///
/// The first part it cannot find is the refusal.
pub fn parse_positioning(text: &str) -> Result<Positioning, Missing> {
    let text = text.trim();
    let clean = |s: &str| {
        s.trim()
            .trim_matches(|c: char| SEPARATORS.contains(&c))
            .trim()
            .to_string()
    };
    if text.contains('|') {
        let mut parts = text.splitn(3, '|').map(clean);
        let who = parts.next().unwrap_or_default();
        let need = parts.next().unwrap_or_default();
        let solution = parts.next().unwrap_or_default();
        return check_parts(who, need, solution);
    }
    let body = text
        .strip_prefix('为')
        .or_else(|| text.strip_prefix('帮'))
        .ok_or(Missing::Who)?;
    let (at, verb) = VERBS
        .iter()
        .filter_map(|v| body.find(v).map(|i| (i, *v)))
        .min_by_key(|(i, _)| *i)
        .ok_or(Missing::Need)?;
    let who = clean(&body[..at]);
    let rest = &body[at + verb.len()..];
    let (need, solution) = match rest.find(|c: char| SEPARATORS.contains(&c)) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let need = need
        .trim()
        .trim_end_matches("解决方案")
        .trim_end_matches("方案")
        .trim_end_matches("服务")
        .trim_end_matches('的')
        .to_string();
    check_parts(who, clean(&need), clean(solution))
}

fn check_parts(who: String, need: String, solution: String) -> Result<Positioning, Missing> {
    if who.is_empty() {
        Err(Missing::Who)
    } else if need.is_empty() {
        Err(Missing::Need)
    } else if solution.is_empty() {
        Err(Missing::Solution)
    } else {
        Ok(Positioning {
            who,
            need,
            solution,
        })
    }
}

// --- the questionnaire (source 000's 筛选期) ----------------------------------------------------

/// What a valid answer must match: each part None matches any answer given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Target {
    pub region: Option<String>,
    /// Ages, both included (`25-35 岁` in the users of the positioning).
    pub age: Option<(u32, u32)>,
    /// The need's words (the pain of the positioning, split at 、/和/与/及 and spaces).
    pub need: Vec<String>,
}

/// The first number or `N-M` range in a text: `25-35 岁职场女性` → (25, 35); `28岁` →
/// (28, 28).
pub fn age_range(text: &str) -> Option<(u32, u32)> {
    let mut nums = Vec::new();
    let mut cur = String::new();
    let mut joined = false;
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                nums.push(cur.parse::<u32>().ok()?);
                cur.clear();
                if nums.len() == 2 || !matches!(c, '-' | '~' | '～' | '–' | '—' | '到' | '至')
                {
                    break;
                }
                joined = true;
                continue;
            }
            if joined && !c.is_whitespace() {
                break;
            }
        }
    }
    match nums.as_slice() {
        [a] => Some((*a, *a)),
        [a, b] => Some(((*a).min(*b), (*a).max(*b))),
        _ => None,
    }
}

impl Target {
    /// The target of a group: the region given to its plan, the age range in its users
    /// and its need.
    pub fn of(positioning: Option<&Positioning>, region: Option<&str>) -> Target {
        let need = positioning
            .map(|p| {
                p.need
                    .split(['、', '和', '与', '及', ' ', '/'])
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Target {
            region: region
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
            age: positioning.and_then(|p| age_range(&p.who)),
            need,
        }
    }
}

/// One questionnaire answer as read from a file (`import answers`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAnswer {
    pub who: String,
    pub answered_at: i64,
    pub region: String,
    pub age: String,
    pub need: String,
}

/// One answer's three match fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer<'a> {
    pub region: &'a str,
    pub age: &'a str,
    pub need: &'a str,
}

/// Valid when all three are answered and each matches the target: the region names the
/// target's (or the other way round: 上海 / 上海市) and is not an "anywhere" answer; the
/// age (a number, or a range that overlaps) lies in the target's; the need names one of
/// the target's words (or is named by one).
pub fn valid(t: &Target, a: &Answer<'_>, anywhere: &[String]) -> bool {
    let (region, age, need) = (a.region.trim(), a.age.trim(), a.need.trim());
    if region.is_empty() || age.is_empty() || need.is_empty() {
        return false;
    }
    let region_ok = !anywhere.iter().any(|w| w.eq_ignore_ascii_case(region))
        && t.region
            .as_deref()
            .is_none_or(|r| region.contains(r) || r.contains(region));
    let Some((lo, hi)) = age_range(age) else {
        return false;
    };
    let age_ok = t.age.is_none_or(|(a, b)| lo <= b && hi >= a);
    let need_lower = need.to_lowercase();
    let need_ok = t.need.is_empty()
        || t.need.iter().any(|w| {
            let w = w.to_lowercase();
            need_lower.contains(&w) || w.contains(&need_lower)
        });
    region_ok && age_ok && need_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_shipped_rules_and_playbook_parse_and_hold_source_000s_bars() {
        let r = LaunchRules::shipped();
        r.check().unwrap();
        // DOMAIN.md §1 / source 000's 质量指标
        let bars = [
            (Phase::Prep, 1.0),
            (Phase::Traffic, 200.0),
            (Phase::Screen, 0.6),
            (Phase::Operate, 30.0),
            (Phase::Convert, 0.15),
            (Phase::Fission, 3.0),
            (Phase::Review, 0.4),
        ];
        for (p, bar) in bars {
            assert!((r.bars.get(p) - bar).abs() < 1e-9, "{p:?}");
        }
        assert_eq!(r.qr.valid_days, 7);
        let p = Playbook::shipped();
        let codes: Vec<&str> = p.kit.iter().map(|k| k.code.as_str()).collect();
        for c in [
            "rules",
            "welcome",
            "intro",
            "faq",
            "poster",
            "questionnaire",
            "qr",
        ] {
            assert!(codes.contains(&c), "{c}");
        }
        // texts kept in shequn: the four of source 002's 弹药包 that are words
        for c in ["rules", "welcome", "intro", "faq"] {
            assert!(p.kit_item(c).and_then(|k| k.text.as_ref()).is_some(), "{c}");
        }
    }

    #[test]
    fn phases_parse_from_either_language_and_number() {
        for (text, p) in [
            ("traffic", Phase::Traffic),
            ("引流期", Phase::Traffic),
            ("引流", Phase::Traffic),
            ("1", Phase::Prep),
            ("7", Phase::Review),
            (" Review ", Phase::Review),
        ] {
            assert_eq!(Phase::parse(text), Some(p), "{text}");
        }
        assert_eq!(Phase::parse("8"), None);
        assert_eq!(Phase::parse("launch"), None);
    }

    #[test]
    fn a_plan_runs_the_phases_one_after_another() {
        let r = LaunchRules::shipped();
        let s = schedule(d("2026-03-01"), &r.days);
        let got: Vec<(Phase, String, String)> = s
            .iter()
            .map(|w| (w.phase, w.from.to_string(), w.due.to_string()))
            .collect();
        let want = [
            (Phase::Prep, "2026-03-01", "2026-03-03"),
            (Phase::Traffic, "2026-03-04", "2026-03-10"),
            (Phase::Screen, "2026-03-11", "2026-03-17"),
            (Phase::Operate, "2026-03-18", "2026-03-31"),
            (Phase::Convert, "2026-04-01", "2026-04-30"),
            (Phase::Fission, "2026-05-01", "2026-05-30"),
            (Phase::Review, "2026-05-31", "2026-06-29"),
        ];
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0, g.1.as_str(), g.2.as_str()), w);
        }
        assert_eq!(opening_day(d("2026-03-01"), r.days.prep), d("2026-03-04"));
    }

    /// Each phase's metric against its bar (DOMAIN.md §1 figures), just under, at and
    /// over; and what makes it late or ahead.
    #[test]
    fn each_phase_passes_at_its_bar_from_source_000() {
        let r = LaunchRules::shipped();
        let cases: [(Phase, Option<f64>, bool); 22] = [
            (Phase::Prep, kit_share(6, 7), false),
            (Phase::Prep, kit_share(7, 7), true),
            (Phase::Prep, kit_share(0, 0), false),
            (
                Phase::Traffic,
                per_day(&[Some(180.0), Some(210.0), None]),
                false,
            ), // 195
            (
                Phase::Traffic,
                per_day(&[Some(190.0), Some(210.0), None]),
                true,
            ), // 200
            (Phase::Traffic, per_day(&[None, None]), false),
            (Phase::Screen, valid_share(59, 100), false),
            (Phase::Screen, valid_share(60, 100), true),
            (Phase::Screen, valid_share(0, 0), false),
            (Phase::Operate, per_day(&[Some(29.0), Some(30.0)]), false),
            (Phase::Operate, per_day(&[Some(30.0), Some(30.0)]), true),
            (Phase::Convert, growth(11_400.0, 10_000.0), false),
            (Phase::Convert, growth(11_500.0, 10_000.0), true),
            (Phase::Convert, growth(5_000.0, 0.0), false),
            (Phase::Fission, per_member(299.0, 100.0), false),
            (Phase::Fission, per_member(300.0, 100.0), true),
            (Phase::Fission, per_member(3.0, 0.0), false),
            (Phase::Review, retention(100, 39), false),
            (Phase::Review, retention(100, 40), true),
            (Phase::Review, retention(0, 0), false),
            (Phase::Screen, valid_share(3, 5), true),
            (Phase::Review, retention(5, 2), true),
        ];
        for (p, value, passes) in cases {
            assert_eq!(holds(value, r.bars.get(p)), passes, "{p:?} {value:?}");
        }
    }

    #[test]
    fn a_phase_is_ahead_current_late_or_passed_by_its_dates() {
        let w = Window {
            phase: Phase::Traffic,
            from: d("2026-03-04"),
            due: d("2026-03-10"),
            days: 7,
        };
        let bar = 200.0;
        let cases = [
            ("2026-03-03", Some(250.0), None, State::Ahead),
            ("2026-03-04", None, None, State::Current),
            ("2026-03-10", Some(150.0), None, State::Current),
            ("2026-03-10", Some(200.0), None, State::Passed),
            ("2026-03-11", Some(150.0), Some(150.0), State::Late),
            ("2026-03-11", Some(150.0), None, State::Late),
            // caught up after its date
            ("2026-03-15", Some(150.0), Some(230.0), State::Passed),
            // passed in time, quiet since: stays passed
            ("2026-03-20", Some(220.0), Some(20.0), State::Passed),
        ];
        for (today, own, recent, want) in cases {
            assert_eq!(judge(&w, d(today), bar, own, recent), want, "{today}");
        }
        // the ranges it is measured over
        assert_eq!(ranges(&w, d("2026-03-03")), None);
        let r = ranges(&w, d("2026-03-06")).unwrap();
        assert_eq!(
            (r.own.from, r.own.to, r.recent),
            (d("2026-03-04"), d("2026-03-06"), None)
        );
        let r = ranges(&w, d("2026-03-20")).unwrap();
        assert_eq!((r.own.from, r.own.to), (d("2026-03-04"), d("2026-03-10")));
        assert_eq!(
            r.recent,
            Some(Span {
                from: d("2026-03-14"),
                to: d("2026-03-20")
            })
        );
    }

    #[test]
    fn the_next_step_is_the_first_phase_not_passed() {
        use State::*;
        let s = [
            (Phase::Prep, Passed),
            (Phase::Traffic, Late),
            (Phase::Screen, Current),
            (Phase::Operate, Ahead),
        ];
        assert_eq!(next_step(&s), Some((Phase::Traffic, Late)));
        assert_eq!(next_step(&[(Phase::Prep, Passed)]), None);
    }

    #[test]
    fn a_positioning_needs_who_pain_and_solution() {
        let ok =
            parse_positioning("为 25-35 岁职场女性提供穿搭解决方案,每周 3 次穿搭教程 + 专属折扣")
                .unwrap();
        assert_eq!(ok.who, "25-35 岁职场女性");
        assert_eq!(ok.need, "穿搭");
        assert_eq!(ok.solution, "每周 3 次穿搭教程 + 专属折扣");
        let piped =
            parse_positioning("new mums | sleep | weekly live Q&A + a sleep guide").unwrap();
        assert_eq!(
            (piped.who.as_str(), piped.need.as_str()),
            ("new mums", "sleep")
        );
        for (text, missing) in [
            ("25-35 岁职场女性的穿搭群", Missing::Who),
            ("为职场女性", Missing::Need),
            ("为 职场女性 提供,每周教程", Missing::Need),
            ("为 25-35 岁职场女性提供穿搭解决方案", Missing::Solution),
            ("为提供穿搭解决方案,每周教程", Missing::Who),
            ("职场女性 | 穿搭 |", Missing::Solution),
            (" | 穿搭 | 教程", Missing::Who),
            ("", Missing::Who),
        ] {
            assert_eq!(parse_positioning(text), Err(missing), "{text}");
        }
    }

    #[test]
    fn ages_are_read_from_the_users_and_the_answers() {
        for (text, want) in [
            ("25-35 岁职场女性", Some((25, 35))),
            ("28岁", Some((28, 28))),
            ("30~25", Some((25, 30))),
            ("25到35岁", Some((25, 35))),
            ("宝妈", None),
            ("18 岁以上 3 个孩子", Some((18, 18))),
        ] {
            assert_eq!(age_range(text), want, "{text}");
        }
    }

    /// 000's 三重匹配: region, age and need must all match.
    #[test]
    fn an_answer_is_valid_when_all_three_match() {
        let p =
            parse_positioning("为 25-35 岁职场女性提供穿搭解决方案,每周 3 次穿搭教程 + 专属折扣")
                .unwrap();
        let t = Target::of(Some(&p), Some("上海"));
        let anywhere = Playbook::shipped().questionnaire.anywhere.clone();
        let cases = [
            (("上海", "28", "想学穿搭"), true),
            (("上海市", "25-30", "穿搭"), true),
            (("北京", "28", "穿搭"), false),
            (("上海", "40", "穿搭"), false),
            (("上海", "28", "减肥"), false),
            (("上海", "", "穿搭"), false),
            (("上海", "保密", "穿搭"), false),
            (("全国", "28", "穿搭"), false),
        ];
        for ((region, age, need), want) in cases {
            let a = Answer { region, age, need };
            assert_eq!(valid(&t, &a, &anywhere), want, "{region} {age} {need}");
        }
        // no region target, no positioning: any answer given is valid
        let open = Target::of(None, None);
        let a = Answer {
            region: "北京",
            age: "50",
            need: "随便看看",
        };
        assert!(valid(&open, &a, &anywhere));
    }

    #[test]
    fn kit_texts_fill_their_placeholders() {
        let p = parse_positioning("为宝妈提供育儿解决方案,每周直播答疑").unwrap();
        let out = fill_text("{group}: {who}/{need}/{solution}", "宝妈群", Some(&p), "x");
        assert_eq!(out, "宝妈群: 宝妈/育儿/每周直播答疑");
    }

    #[test]
    fn odd_rules_are_refused() {
        let mut r = LaunchRules::shipped();
        r.days.traffic = 0;
        assert!(r.check().unwrap_err().contains("launch.days.traffic"));
        let mut r = LaunchRules::shipped();
        r.qr.renew_at = "10点".into();
        assert!(r.check().is_err());
    }
}
