//! The content queue's rules (DOMAIN.md §4), pure: kinds, forms and states with their
//! words; which step may follow which (and the refusal when not); what an edit does in
//! each state; the proposed material name; the mix against its target; over-posting and
//! conflicts of a schedule; slot hints; the weekly review's ranking. The `[content]`
//! section of `data/rules.toml` holds every figure.
//!
//! Decisions worth knowing:
//! * editing an item in review that changes its words (title, body, kind or form) sends it
//!   back to draft — the reviewer would otherwise approve words they never read; changing
//!   only where and when it goes (slot, groups, column, tags, owner, material name) keeps
//!   it in review, so a reviewer can add the missing slot and approve;
//! * scheduled items are not edited in place: unschedule (back to draft), edit, submit;
//!   published and reviewed items are on record and never edited;
//! * the weekly review ranks by a weighted score (opens + 2×forwards + 2×replies +
//!   3×clicks + 5×orders by default: an order is worth more than a glance), divided by
//!   the audience when every item's audience is known, so big groups do not win by size.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};

/// 促活 / 转化 / 品牌 (DOMAIN.md §4, source 002).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Engage,
    Convert,
    Brand,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Engage, Kind::Convert, Kind::Brand];

    pub fn word(self) -> &'static str {
        match self {
            Kind::Engage => "engage",
            Kind::Convert => "convert",
            Kind::Brand => "brand",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Kind::Engage => "促活",
            Kind::Convert => "转化",
            Kind::Brand => "品牌",
        }
    }

    /// The slug or the Chinese label.
    pub fn parse(s: &str) -> Option<Kind> {
        let s = s.trim();
        Kind::ALL
            .into_iter()
            .find(|k| k.word().eq_ignore_ascii_case(s) || k.zh() == s)
    }

    fn index(self) -> usize {
        match self {
            Kind::Engage => 0,
            Kind::Convert => 1,
            Kind::Brand => 2,
        }
    }
}

/// 图文 / 短视频 / 投票 / 直播 / 文字.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    Article,
    Video,
    Poll,
    Live,
    Text,
}

impl Form {
    pub const ALL: [Form; 5] = [
        Form::Article,
        Form::Video,
        Form::Poll,
        Form::Live,
        Form::Text,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Form::Article => "article",
            Form::Video => "video",
            Form::Poll => "poll",
            Form::Live => "live",
            Form::Text => "text",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Form::Article => "图文",
            Form::Video => "短视频",
            Form::Poll => "投票",
            Form::Live => "直播",
            Form::Text => "文字",
        }
    }

    /// The slug or the Chinese label (视频 too: older material names use it).
    pub fn parse(s: &str) -> Option<Form> {
        let s = s.trim();
        if s == "视频" {
            return Some(Form::Video);
        }
        Form::ALL
            .into_iter()
            .find(|f| f.word().eq_ignore_ascii_case(s) || f.zh() == s)
    }
}

/// draft → review → scheduled → published → reviewed (post-mortem done).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Draft,
    Review,
    Scheduled,
    Published,
    Reviewed,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Draft,
        State::Review,
        State::Scheduled,
        State::Published,
        State::Reviewed,
    ];

    pub fn word(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Review => "review",
            State::Scheduled => "scheduled",
            State::Published => "published",
            State::Reviewed => "reviewed",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            State::Draft => "草稿",
            State::Review => "待审核",
            State::Scheduled => "已排期",
            State::Published => "已发布",
            State::Reviewed => "已复盘",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        let s = s.trim();
        State::ALL
            .into_iter()
            .find(|st| st.word().eq_ignore_ascii_case(s) || st.zh() == s)
    }

    /// Approved and going (or gone) out: what counts in the mix and in a day's pushes.
    pub fn committed(self) -> bool {
        matches!(self, State::Scheduled | State::Published | State::Reviewed)
    }
}

/// One of the review's three checks (合规性, 匹配度, 吸引力).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Check {
    pub pass: bool,
    pub note: String,
}

impl Check {
    pub fn pass(note: &str) -> Check {
        Check {
            pass: true,
            note: note.to_string(),
        }
    }

    pub fn fail(note: &str) -> Check {
        Check {
            pass: false,
            note: note.to_string(),
        }
    }
}

/// The three checks' names, in the order they are shown.
pub const CHECKS: [(&str, &str); 3] = [
    ("compliance", "合规性"),
    ("fit", "匹配度"),
    ("appeal", "吸引力"),
];

/// What an operator does to an item (the store's `ContentStep` without its payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Submit,
    Approve,
    Reject,
    Publish,
    Unschedule,
    Results,
}

impl Transition {
    pub fn word(self) -> &'static str {
        match self {
            Transition::Submit => "submit",
            Transition::Approve => "approve",
            Transition::Reject => "reject",
            Transition::Publish => "publish",
            Transition::Unschedule => "unschedule",
            Transition::Results => "results",
        }
    }
}

/// The state after `t`, or why `t` is not possible from `from` and what to do instead
/// (`ID` in a suggested command stands for the item's id; the store fills it in).
pub fn next_state(from: State, t: Transition) -> Result<State, String> {
    use State::*;
    use Transition as T;
    match (from, t) {
        (Draft, T::Submit) => Ok(Review),
        (Review, T::Approve) => Ok(Scheduled),
        (Review, T::Reject) | (Scheduled, T::Unschedule) => Ok(Draft),
        (Scheduled, T::Publish) => Ok(Published),
        (Published | Reviewed, T::Results) => Ok(Reviewed),
        (Review, T::Submit) => Err("it is already in review; wait for a reviewer".into()),
        (_, T::Submit) => Err(format!(
            "it is {} and was approved already; to change it, unschedule it first",
            from.word()
        )),
        (Draft, T::Approve | T::Reject) => Err(format!(
            "it is a draft: submit it for review first (`shequn content submit ID`) before it can be {}",
            if t == T::Approve {
                "approved"
            } else {
                "rejected"
            }
        )),
        (_, T::Approve | T::Reject) => Err(format!(
            "it is {}: only an item in review can be {}",
            from.word(),
            if t == T::Approve {
                "approved"
            } else {
                "rejected"
            }
        )),
        (Draft | Review, T::Publish) => Err(format!(
            "it is {}: it needs an approved review before it goes out",
            from.word()
        )),
        (_, T::Publish) => Err("it is published already".into()),
        (_, T::Unschedule) => Err(format!(
            "it is {}: only a scheduled item can be unscheduled",
            from.word()
        )),
        (_, T::Results) => Err(format!(
            "it is {}: results are entered after it is published (`shequn content publish ID`)",
            from.word()
        )),
    }
}

/// The state after an edit in `from`, or why it may not be edited. `words` says whether
/// the edit changes what members read (title, body, kind, form). `ID` as above.
pub fn after_edit(from: State, words: bool) -> Result<State, String> {
    match from {
        State::Draft => Ok(State::Draft),
        State::Review if words => Ok(State::Draft),
        State::Review => Ok(State::Review),
        State::Scheduled => Err(
            "it is scheduled: unschedule it first (`shequn content unschedule ID`, it goes back to draft), \
             then edit it and submit it again"
                .into(),
        ),
        State::Published | State::Reviewed => Err(format!(
            "it is {}: what went out stays on record; make a new item instead",
            from.word()
        )),
    }
}

/// The longest theme a material name carries, in characters.
pub const THEME_CHARS: usize = 12;

/// The material name of DOMAIN.md §4 (002: 标签 + 日期): "YYYYMM 类别-主题-形式", e.g.
/// `202503 促活-育儿干货-图文`. `theme` is the column when there is one, else the title;
/// a `-` inside it becomes `·` so the name keeps its three parts.
pub fn material_name(month: NaiveDate, kind: Kind, theme: &str, form: Form) -> String {
    let theme: String = theme
        .trim()
        .chars()
        .map(|c| if c == '-' { '·' } else { c })
        .filter(|c| !c.is_control())
        .take(THEME_CHARS)
        .collect();
    let theme = theme.trim_end();
    if theme.is_empty() {
        // no theme yet (a new form before its column is typed): no empty part
        return format!("{} {}-{}", month.format("%Y%m"), kind.zh(), form.zh());
    }
    format!(
        "{} {}-{}-{}",
        month.format("%Y%m"),
        kind.zh(),
        theme,
        form.zh()
    )
}

/// Shares of 促活 / 转化 / 品牌 (each 0..=1, summing to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MixTarget {
    pub engage: f64,
    pub convert: f64,
    pub brand: f64,
}

impl MixTarget {
    pub fn share(&self, k: Kind) -> f64 {
        match k {
            Kind::Engage => self.engage,
            Kind::Convert => self.convert,
            Kind::Brand => self.brand,
        }
    }
}

/// One kind's line of a mix report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MixLine {
    pub kind: Kind,
    pub count: u32,
    /// count / total (0 when there is nothing)
    pub share: f64,
    pub target: f64,
    /// share − target: positive means too much of this kind
    pub diff: f64,
}

/// Count items per kind.
pub fn count_kinds(kinds: impl IntoIterator<Item = Kind>) -> [u32; 3] {
    let mut counts = [0u32; 3];
    for k in kinds {
        counts[k.index()] += 1;
    }
    counts
}

/// The mix of `counts` (indexed like `Kind::ALL`) against `target`.
pub fn mix_lines(counts: [u32; 3], target: &MixTarget) -> Vec<MixLine> {
    let total: u32 = counts.iter().sum();
    Kind::ALL
        .into_iter()
        .map(|kind| {
            let count = counts[kind.index()];
            let share = if total == 0 {
                0.0
            } else {
                f64::from(count) / f64::from(total)
            };
            let target = target.share(kind);
            MixLine {
                kind,
                count,
                share,
                target,
                diff: share - target,
            }
        })
        .collect()
}

/// A best time to post (DOMAIN.md §4), from `[[content.slot_hints]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotHint {
    /// Days it applies to; empty = every day.
    #[serde(default)]
    pub weekdays: Vec<Weekday>,
    /// "HH:MM", the start.
    #[serde(with = "hhmm")]
    pub time: NaiveTime,
    /// "HH:MM", the end of a window (commute hours); none for a single time.
    #[serde(default, with = "hhmm_opt")]
    pub until: Option<NaiveTime>,
    /// What it is good for, in the team's words (知识教程, 限时福利, …).
    pub what: String,
    /// The kind it suits, if one.
    #[serde(default)]
    pub kind: Option<String>,
    /// How often, as the source says it ("2-3/week").
    #[serde(default)]
    pub often: Option<String>,
    /// Which source (DOMAIN.md file number).
    pub source: String,
}

impl SlotHint {
    pub fn applies(&self, day: NaiveDate) -> bool {
        self.weekdays.is_empty() || self.weekdays.contains(&day.weekday())
    }

    /// "20:00" or "07:30–09:00".
    pub fn when(&self) -> String {
        match self.until {
            Some(u) => format!("{}–{}", self.time.format("%H:%M"), u.format("%H:%M")),
            None => self.time.format("%H:%M").to_string(),
        }
    }
}

/// The hints for `day`, by time.
pub fn hints_for(day: NaiveDate, hints: &[SlotHint]) -> Vec<SlotHint> {
    let mut v: Vec<SlotHint> = hints.iter().filter(|h| h.applies(day)).cloned().collect();
    v.sort_by_key(|h| h.time);
    v
}

mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.format("%H:%M"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let s = String::deserialize(d)?;
        NaiveTime::parse_from_str(s.trim(), "%H:%M")
            .map_err(|_| serde::de::Error::custom(format!("{s:?}: use HH:MM, e.g. 20:00")))
    }
}

mod hhmm_opt {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<NaiveTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(&t.format("%H:%M")),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveTime>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| {
            NaiveTime::parse_from_str(s.trim(), "%H:%M")
                .map_err(|_| serde::de::Error::custom(format!("{s:?}: use HH:MM, e.g. 09:00")))
        })
        .transpose()
    }
}

/// A push on the schedule: one item to one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Push {
    pub group: i64,
    pub item: i64,
    /// unix seconds
    pub slot: i64,
}

/// Two pushes to one group closer together than the conflict window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clash {
    pub group: i64,
    pub first: i64,
    pub second: i64,
    /// minutes between them
    pub minutes: i64,
}

/// Pairs of pushes to the same group less than `window_minutes` apart (posts exactly
/// the window apart are fine).
pub fn clashes(pushes: &[Push], window_minutes: u32) -> Vec<Clash> {
    let mut sorted: Vec<Push> = pushes.to_vec();
    sorted.sort_by_key(|p| (p.group, p.slot, p.item));
    let window = i64::from(window_minutes) * 60;
    let mut out = Vec::new();
    for (i, a) in sorted.iter().enumerate() {
        for b in sorted[i + 1..].iter().take_while(|b| b.group == a.group) {
            if b.slot - a.slot >= window {
                break;
            }
            if a.item != b.item {
                out.push(Clash {
                    group: a.group,
                    first: a.item,
                    second: b.item,
                    minutes: (b.slot - a.slot) / 60,
                });
            }
        }
    }
    out
}

/// (group, day) pairs with more than `max` pushes (002: 15 a day drives mute rates to 60%).
pub fn over_posting(
    counts: &BTreeMap<(i64, NaiveDate), u32>,
    max: u32,
) -> Vec<(i64, NaiveDate, u32)> {
    counts
        .iter()
        .filter(|(_, n)| **n > max)
        .map(|(&(g, d), &n)| (g, d, n))
        .collect()
}

/// What members did with a published item (numbers only WeChat sees, entered by hand).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub opens: Option<i64>,
    pub forwards: Option<i64>,
    pub replies: Option<i64>,
    pub clicks: Option<i64>,
    pub orders: Option<i64>,
}

/// How much each reaction weighs in the weekly review's score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreWeights {
    pub opens: f64,
    pub forwards: f64,
    pub replies: f64,
    pub clicks: f64,
    pub orders: f64,
}

impl Outcome {
    /// The weighted sum; a number not entered counts as 0.
    pub fn score(&self, w: &ScoreWeights) -> f64 {
        let v = |x: Option<i64>| x.unwrap_or(0) as f64;
        v(self.opens) * w.opens
            + v(self.forwards) * w.forwards
            + v(self.replies) * w.replies
            + v(self.clicks) * w.clicks
            + v(self.orders) * w.orders
    }
}

/// One published item for the weekly review.
#[derive(Debug, Clone, PartialEq)]
pub struct RankInput {
    pub id: i64,
    pub title: String,
    pub form: Form,
    /// The slot on the team's wall clock.
    pub slot: NaiveDateTime,
    pub outcome: Outcome,
    /// Members of its groups, when known.
    pub audience: Option<i64>,
}

/// What the ranking was by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RankBy {
    /// score per member of the audience (every item's audience was known)
    Rate,
    /// the raw score
    Score,
}

/// What the best items share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopTraits {
    pub form: Form,
    pub weekday: Weekday,
    pub hour: u32,
    /// Average title length in characters, of the top items and of the others.
    pub title_chars_top: f64,
    pub title_chars_rest: Option<f64>,
}

/// The weekly review's verdict (002: drop the bottom 20%, copy the shape of the best).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    pub by: RankBy,
    /// (id, value), best first.
    pub order: Vec<(i64, f64)>,
    /// The bottom share, worst first.
    pub drop: Vec<i64>,
    /// The top share, best first.
    pub top: Vec<i64>,
    pub traits: Option<TopTraits>,
}

/// Rank `items`: the bottom `share` (at least one when there are two or more) to drop,
/// the top as many to learn from. Ties keep the older slot first.
pub fn rank(items: &[RankInput], weights: &ScoreWeights, share: f64) -> Ranking {
    let by = if !items.is_empty() && items.iter().all(|i| i.audience.is_some_and(|a| a > 0)) {
        RankBy::Rate
    } else {
        RankBy::Score
    };
    let value = |i: &RankInput| {
        let s = i.outcome.score(weights);
        match (by, i.audience) {
            (RankBy::Rate, Some(a)) if a > 0 => s / a as f64,
            _ => s,
        }
    };
    let mut sorted: Vec<&RankInput> = items.iter().collect();
    sorted.sort_by(|a, b| {
        value(b)
            .total_cmp(&value(a))
            .then(a.slot.cmp(&b.slot))
            .then(a.id.cmp(&b.id))
    });
    let n = sorted.len();
    let cut = if n < 2 {
        0
    } else {
        ((n as f64 * share).floor() as usize).clamp(1, n / 2)
    };
    let top: Vec<&RankInput> = sorted.iter().take(cut).copied().collect();
    let traits = (!top.is_empty()).then(|| {
        let chars = |i: &RankInput| i.title.chars().count() as f64;
        let rest: Vec<&RankInput> = sorted.iter().skip(cut).copied().collect();
        TopTraits {
            form: most_common(top.iter().map(|i| i.form)).unwrap_or(Form::Article),
            weekday: most_common(top.iter().map(|i| i.slot.weekday())).unwrap_or(Weekday::Mon),
            hour: most_common(top.iter().map(|i| i.slot.hour())).unwrap_or(0),
            title_chars_top: top.iter().map(|i| chars(i)).sum::<f64>() / top.len() as f64,
            title_chars_rest: (!rest.is_empty())
                .then(|| rest.iter().map(|i| chars(i)).sum::<f64>() / rest.len() as f64),
        }
    });
    Ranking {
        by,
        order: sorted.iter().map(|i| (i.id, value(i))).collect(),
        drop: sorted.iter().rev().take(cut).map(|i| i.id).collect(),
        top: top.iter().map(|i| i.id).collect(),
        traits,
    }
}

/// The most frequent value; a tie goes to the one seen first (the better-ranked item).
fn most_common<T: PartialEq + Copy>(values: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: Vec<(T, usize)> = Vec::new();
    for v in values {
        match counts.iter_mut().find(|(x, _)| *x == v) {
            Some((_, n)) => *n += 1,
            None => counts.push((v, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(v, _)| v)
}

/// The `[content]` section of `data/rules.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentRules {
    /// The preset of `mix_presets` the mix is measured against.
    pub mix: String,
    pub mix_presets: BTreeMap<String, MixTarget>,
    /// More pushes than this to one group on one day is over-posting.
    pub max_pushes_per_day: u32,
    /// The reviewer must be someone other than the author.
    pub review_by_other: bool,
    /// Two pushes to one group closer than this (minutes) clash.
    pub conflict_minutes: u32,
    /// The weekly review's bottom (and top) share.
    pub drop_share: f64,
    pub score: ScoreWeights,
    #[serde(default)]
    pub slot_hints: Vec<SlotHint>,
}

impl Default for ContentRules {
    fn default() -> Self {
        ContentRules::shipped()
    }
}

impl ContentRules {
    /// The shipped `[content]` section (a unit test proves it parses, so this cannot
    /// fail at run time unless the binary itself is broken).
    pub fn shipped() -> ContentRules {
        crate::domain::shipped_section(&["content"])
    }

    /// The target of the configured preset, or what is wrong with the configuration.
    pub fn target(&self) -> Result<MixTarget, String> {
        let t = self.mix_presets.get(&self.mix).ok_or_else(|| {
            format!(
                "[content] mix = {:?} is not one of [content.mix_presets]: use {}",
                self.mix,
                self.mix_presets
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        })?;
        let sum = t.engage + t.convert + t.brand;
        if (sum - 1.0).abs() > 1e-6 || [t.engage, t.convert, t.brand].iter().any(|s| *s < 0.0) {
            return Err(format!(
                "[content.mix_presets.{}] shares must be between 0 and 1 and add up to 1 (they add up to {sum})",
                self.mix
            ));
        }
        Ok(*t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn words_labels_and_parsing_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.word()), Some(k));
            assert_eq!(Kind::parse(k.zh()), Some(k));
        }
        for f in Form::ALL {
            assert_eq!(Form::parse(f.word()), Some(f));
            assert_eq!(Form::parse(f.zh()), Some(f));
        }
        for s in State::ALL {
            assert_eq!(State::parse(s.word()), Some(s));
            assert_eq!(State::parse(s.zh()), Some(s));
        }
        assert_eq!(Form::parse("视频"), Some(Form::Video));
        assert_eq!(Kind::parse(" Convert "), Some(Kind::Convert));
        assert_eq!(Kind::parse("干货"), None);
        assert_eq!(State::parse("done"), None);
    }

    #[test]
    fn the_pipeline_allows_exactly_its_steps() {
        use State::*;
        use Transition as T;
        let allowed = [
            (Draft, T::Submit, Review),
            (Review, T::Approve, Scheduled),
            (Review, T::Reject, Draft),
            (Scheduled, T::Publish, Published),
            (Scheduled, T::Unschedule, Draft),
            (Published, T::Results, Reviewed),
            (Reviewed, T::Results, Reviewed),
        ];
        let steps = [
            T::Submit,
            T::Approve,
            T::Reject,
            T::Publish,
            T::Unschedule,
            T::Results,
        ];
        for from in State::ALL {
            for t in steps {
                let want = allowed
                    .iter()
                    .find(|(f, s, _)| *f == from && *s == t)
                    .map(|(_, _, to)| *to);
                match (next_state(from, t), want) {
                    (Ok(got), Some(w)) => assert_eq!(got, w, "{from:?} {t:?}"),
                    (Err(why), None) => assert!(!why.is_empty()),
                    (got, want) => panic!("{from:?} {t:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        assert!(
            next_state(Review, T::Submit)
                .unwrap_err()
                .contains("already in review")
        );
        assert!(
            next_state(Draft, T::Approve)
                .unwrap_err()
                .contains("submit")
        );
        assert!(
            next_state(Scheduled, T::Results)
                .unwrap_err()
                .contains("publish")
        );
    }

    #[test]
    fn edits_by_state() {
        use State::*;
        for (from, words, want) in [
            (Draft, true, Ok(Draft)),
            (Draft, false, Ok(Draft)),
            (Review, true, Ok(Draft)),
            (Review, false, Ok(Review)),
            (Scheduled, false, Err("unschedule")),
            (Published, false, Err("on record")),
            (Reviewed, true, Err("on record")),
        ] {
            match (after_edit(from, words), want) {
                (Ok(s), Ok(w)) => assert_eq!(s, w),
                (Err(e), Err(w)) => assert!(e.contains(w), "{e}"),
                (got, want) => panic!("{from:?}: {got:?} vs {want:?}"),
            }
        }
    }

    #[test]
    fn material_names_follow_002() {
        for (month, kind, theme, form, want) in [
            (
                "2025-03-14",
                Kind::Engage,
                "育儿干货",
                Form::Article,
                "202503 促活-育儿干货-图文",
            ),
            (
                "2026-03-02",
                Kind::Convert,
                " 限时秒杀 ",
                Form::Video,
                "202603 转化-限时秒杀-短视频",
            ),
            (
                "2026-12-31",
                Kind::Brand,
                "宝宝积食了怎么办?3 个小妙招",
                Form::Poll,
                "202612 品牌-宝宝积食了怎么办?3 个-投票",
            ),
            (
                "2026-01-01",
                Kind::Engage,
                "周一-行业资讯",
                Form::Text,
                "202601 促活-周一·行业资讯-文字",
            ),
            (
                "2026-03-02",
                Kind::Engage,
                "  ",
                Form::Article,
                "202603 促活-图文",
            ),
        ] {
            assert_eq!(material_name(d(month), kind, theme, form), want);
        }
    }

    #[test]
    fn the_mix_is_counted_against_the_target() {
        let r = ContentRules::shipped();
        let t = r.target().unwrap();
        // 5 促活, 3 转化, 2 品牌 against 50/30/20: on target
        let lines = mix_lines(
            count_kinds(
                [Kind::Engage; 5]
                    .into_iter()
                    .chain([Kind::Convert; 3])
                    .chain([Kind::Brand; 2]),
            ),
            &t,
        );
        let got: Vec<(u32, f64, f64)> = lines
            .iter()
            .map(|l| (l.count, l.share, l.diff.abs()))
            .collect();
        assert_eq!(got, [(5, 0.5, 0.0), (3, 0.3, 0.0), (2, 0.2, 0.0)]);
        // 6/2/0 against 721 (0.9 / 0.1 / 0): engage 0.75 is 0.15 short, convert 0.15 over
        let mut r721 = r.clone();
        r721.mix = "721".into();
        let t721 = r721.target().unwrap();
        let lines = mix_lines([6, 2, 0], &t721);
        assert!((lines[0].share - 0.75).abs() < 1e-9);
        assert!((lines[0].diff + 0.15).abs() < 1e-9);
        assert!((lines[1].diff - 0.15).abs() < 1e-9);
        assert!(lines[2].diff.abs() < 1e-9);
        // nothing published: every share is 0, not NaN
        assert!(mix_lines([0, 0, 0], &t).iter().all(|l| l.share == 0.0));
    }

    #[test]
    fn presets_are_checked() {
        let mut r = ContentRules::shipped();
        assert_eq!(r.mix, "502030");
        assert_eq!(r.max_pushes_per_day, 3);
        assert!(r.review_by_other);
        assert_eq!(r.conflict_minutes, 30);
        r.mix = "none".into();
        assert!(r.target().unwrap_err().contains("502030"));
        r.mix_presets.insert(
            "bad".into(),
            MixTarget {
                engage: 0.5,
                convert: 0.5,
                brand: 0.5,
            },
        );
        r.mix = "bad".into();
        assert!(r.target().unwrap_err().contains("add up to 1"));
    }

    #[test]
    fn slot_hints_follow_003_and_004() {
        let hints = ContentRules::shipped().slot_hints;
        let at = |day: &str| -> Vec<(String, String)> {
            hints_for(d(day), &hints)
                .into_iter()
                .map(|h| (h.when(), h.what))
                .collect()
        };
        // 2026-03-03 is a Tuesday: tutorials at 20:00, plus the daily commute windows
        let tue = at("2026-03-03");
        assert!(
            tue.contains(&("20:00".into(), "知识教程".into())),
            "{tue:?}"
        );
        assert!(tue.contains(&("07:30–09:00".into(), "通勤时段".into())));
        assert!(tue.contains(&("18:00–19:30".into(), "通勤时段".into())));
        assert!(!tue.iter().any(|(_, w)| w == "限时福利"));
        let mon = at("2026-03-02");
        assert!(mon.contains(&("10:00".into(), "限时福利".into())));
        let fri = at("2026-03-06");
        assert!(fri.contains(&("15:00".into(), "话题讨论".into())));
        // sorted by time
        let times: Vec<&str> = tue.iter().map(|(w, _)| w.as_str()).collect();
        let mut sorted = times.clone();
        sorted.sort_unstable();
        assert_eq!(times, sorted);
    }

    #[test]
    fn clashes_and_over_posting() {
        let t = |h: i64, m: i64| 1_772_000_000 + h * 3600 + m * 60;
        let pushes = [
            Push {
                group: 1,
                item: 10,
                slot: t(20, 0),
            },
            Push {
                group: 1,
                item: 11,
                slot: t(20, 29),
            },
            Push {
                group: 1,
                item: 12,
                slot: t(21, 0),
            },
            // another group at the same time is no clash
            Push {
                group: 2,
                item: 13,
                slot: t(20, 0),
            },
        ];
        let c = clashes(&pushes, 30);
        assert_eq!(
            c,
            [Clash {
                group: 1,
                first: 10,
                second: 11,
                minutes: 29
            }]
        );
        // 11 → 12 are 31 minutes apart: fine; exactly the window apart is fine too
        let apart = [
            Push {
                group: 1,
                item: 1,
                slot: t(20, 0),
            },
            Push {
                group: 1,
                item: 2,
                slot: t(20, 30),
            },
        ];
        assert!(clashes(&apart, 30).is_empty());
        assert_eq!(clashes(&apart, 31).len(), 1);
        let mut counts = BTreeMap::new();
        counts.insert((1, d("2026-03-03")), 4);
        counts.insert((2, d("2026-03-03")), 3);
        counts.insert((1, d("2026-03-04")), 15);
        assert_eq!(
            over_posting(&counts, 3),
            [(1, d("2026-03-03"), 4), (1, d("2026-03-04"), 15)]
        );
    }

    fn item(
        id: i64,
        title: &str,
        form: Form,
        slot: &str,
        opens: i64,
        audience: Option<i64>,
    ) -> RankInput {
        RankInput {
            id,
            title: title.into(),
            form,
            slot: dt(slot),
            outcome: Outcome {
                opens: Some(opens),
                ..Outcome::default()
            },
            audience,
        }
    }

    #[test]
    fn the_weekly_review_drops_the_bottom_fifth_and_describes_the_top() {
        let w = ContentRules::shipped().score;
        assert_eq!(
            Outcome {
                opens: Some(100),
                forwards: Some(10),
                replies: Some(5),
                clicks: Some(4),
                orders: Some(2),
            }
            .score(&w),
            100.0 + 20.0 + 10.0 + 12.0 + 10.0
        );
        // ten items: opens 10, 20, … 100; the top two are short videos on Tuesday 20:00
        let mut items = Vec::new();
        for i in 1..=10i64 {
            let (form, slot, title) = if i >= 9 {
                (Form::Video, "2026-03-03 20:00", "三步搞定")
            } else {
                (Form::Article, "2026-03-05 10:00", "一篇很长很长的图文标题")
            };
            items.push(item(i, title, form, slot, i * 10, None));
        }
        let r = rank(&items, &w, 0.2);
        assert_eq!(r.by, RankBy::Score);
        assert_eq!(r.drop, [1, 2]);
        assert_eq!(r.top, [10, 9]);
        let t = r.traits.unwrap();
        assert_eq!(t.form, Form::Video);
        assert_eq!(t.weekday, Weekday::Tue);
        assert_eq!(t.hour, 20);
        assert_eq!(t.title_chars_top, 4.0);
        assert_eq!(t.title_chars_rest, Some(11.0));
        // few items: at least one to drop when there are two; none when one
        assert_eq!(rank(&items[..2], &w, 0.2).drop, [1]);
        assert_eq!(rank(&items[..2], &w, 0.2).top, [2]);
        assert!(rank(&items[..1], &w, 0.2).drop.is_empty());
        assert!(rank(&[], &w, 0.2).traits.is_none());
    }

    #[test]
    fn with_every_audience_known_the_rate_decides() {
        let w = ContentRules::shipped().score;
        // 300 opens in a 1,000-member audience (30%) lose to 100 opens of 200 (50%)
        let items = [
            item(1, "a", Form::Article, "2026-03-03 20:00", 300, Some(1000)),
            item(2, "b", Form::Article, "2026-03-04 20:00", 100, Some(200)),
        ];
        let r = rank(&items, &w, 0.2);
        assert_eq!(r.by, RankBy::Rate);
        assert_eq!(r.top, [2]);
        assert_eq!(r.drop, [1]);
        // one unknown audience: raw scores for all
        let mixed = [
            items[0].clone(),
            RankInput {
                audience: None,
                ..items[1].clone()
            },
        ];
        let r = rank(&mixed, &w, 0.2);
        assert_eq!(r.by, RankBy::Score);
        assert_eq!(r.top, [1]);
    }
}
