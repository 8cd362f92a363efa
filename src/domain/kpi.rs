//! KPIs (DOMAIN.md §5): the daily metrics, how the derived ones follow from the counted
//! ones, alert episodes, the health score and ranking, week-over-week deltas. Pure:
//! counts come in, values go out; `store::kpi` does the counting and the writing, the
//! bands live here (`KpiRules`) and the stages' key metrics in `domain::stage`.
//!
//! Definitions (README "KPIs" says the same for operators), per group and team day:
//! - counted from imported chat: `members` (in the group at the end of the day; a
//!   member whose join time no export gave counts from the start), `joins` and
//!   `leaves` (join / leave and kick events), `messages` and `speakers` (from the
//!   per-member daily activity), `kol_messages` (messages by members with more than
//!   `tiers.kol_monthly` messages in the 30 days ending that day — the KOL flag of
//!   DOMAIN.md §3, rolled daily), `ad_messages` / `ad_share` (member messages hitting
//!   the 广告 keyword list, of the member messages stored that day), and
//!   `first_response_min` (daily median of the minutes from a member's question to the
//!   next staff message; see [`first_response`]);
//! - derived: `dau_rate` = speakers / members, `messages_per_member`,
//!   `messages_per_speaker`, `kol_share` = kol_messages / messages, `message_decline` =
//!   1 − messages of the last 30 days / messages of the 30 before (positive = fewer;
//!   needs 60 days of data), `weekly_exit_rate` = leaves of the last 7 days / members
//!   at the end of the day before them, `open_rate` = opens / members;
//! - told, because only WeChat sees them: `opens`, `clicks`, `orders`, `gmv`,
//!   `invites`, `qr_scans`, `chat_has_msg` — and any counted one, which then wins over
//!   the count (WeChat's `member_total` knows members no export mentions).
//!
//! Alert episodes ([`judge`], [`step`]): a rule breaches on a day when its metric is
//! past the line; it opens when the latest `days` calendar days all breach (so once,
//! however many more breaching days follow), and closes when the latest day with a
//! value no longer breaches. A breach shorter than `days` neither opens nor closes.
//!
//! Health ([`health`]): each banded metric's mean over the last 7 days scores 0
//! (alarm), 1 (below target), 2 (target) or 3 (excellent); the score is the mean of
//! those as 0–100, less `alert_penalty` per open alert. Groups rank by score, then
//! 日活率. Week over week ([`week_over_week`]): the mean of the last 7 days against the
//! mean of the 7 before (DOMAIN.md §5: "analyse by week, not single days").

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
pub struct KpiRules {
    pub dau_rate: Thresholds,
    pub message_decline: Thresholds,
    pub kol_share: Thresholds,
    pub stages: StageDays,
    pub health: HealthRules,
    pub first_response: FirstResponseRules,
    /// By name (`dau_low`, …): a config file changes one rule's line by naming it.
    pub alerts: std::collections::BTreeMap<String, AlertRule>,
}

impl KpiRules {
    /// The bands of a metric that has them (日活率, 消息衰减, KOL 产出比).
    pub fn bands(&self, m: Metric) -> Option<Thresholds> {
        match m {
            Metric::DauRate => Some(self.dau_rate),
            Metric::MessageDecline => Some(self.message_decline),
            Metric::KolShare => Some(self.kol_share),
            _ => None,
        }
    }
}

/// Alarm / target / excellent lines. Higher is better when `alarm < excellent`; a
/// metric where lower is better (message decline) lists them the other way round.
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
    pub fn lower_is_better(&self) -> bool {
        self.alarm > self.excellent
    }

    pub fn band(&self, v: f64) -> Band {
        if self.lower_is_better() {
            return if v > self.alarm {
                Band::Alarm
            } else if v > self.target {
                Band::Low
            } else if v < self.excellent {
                Band::Excellent
            } else {
                Band::Target
            };
        }
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

/// `[kpi.stages]`: the age in days each stage starts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct StageDays {
    pub activation: i64,
    pub monetize: i64,
    pub retention: i64,
    pub spread: i64,
}

/// One daily metric. The stable snake_case word is its name in `kpi_daily.metric`,
/// JSON and CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Members,
    Joins,
    Leaves,
    Messages,
    Speakers,
    DauRate,
    MessagesPerMember,
    MessagesPerSpeaker,
    KolMessages,
    KolShare,
    MessageDecline,
    WeeklyExitRate,
    AdMessages,
    AdShare,
    #[serde(rename = "first_response_min")]
    FirstResponse,
    Opens,
    OpenRate,
    Clicks,
    Orders,
    Gmv,
    Invites,
    QrScans,
    ChatHasMsg,
}

/// Where a metric's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Counted from the imported chat (a value from WeChat wins over it).
    Counted,
    /// Computed from other metrics of the same group.
    Derived,
    /// Only WeChat sees it: entered by hand or imported.
    Told,
}

/// Which way is good, for week-over-week arrows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

impl Metric {
    /// Every metric, in the order tables, JSON and CSV list them.
    pub const ALL: [Metric; 23] = [
        Metric::Members,
        Metric::Joins,
        Metric::Leaves,
        Metric::Messages,
        Metric::Speakers,
        Metric::DauRate,
        Metric::MessagesPerMember,
        Metric::MessagesPerSpeaker,
        Metric::KolMessages,
        Metric::KolShare,
        Metric::MessageDecline,
        Metric::WeeklyExitRate,
        Metric::AdMessages,
        Metric::AdShare,
        Metric::FirstResponse,
        Metric::Opens,
        Metric::OpenRate,
        Metric::Clicks,
        Metric::Orders,
        Metric::Gmv,
        Metric::Invites,
        Metric::QrScans,
        Metric::ChatHasMsg,
    ];

    /// What the console's form offers, most used first.
    pub const MANUAL: [Metric; 10] = [
        Metric::Opens,
        Metric::Clicks,
        Metric::Orders,
        Metric::Gmv,
        Metric::Invites,
        Metric::QrScans,
        Metric::Members,
        Metric::Joins,
        Metric::Speakers,
        Metric::Messages,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Metric::Members => "members",
            Metric::Joins => "joins",
            Metric::Leaves => "leaves",
            Metric::Messages => "messages",
            Metric::Speakers => "speakers",
            Metric::DauRate => "dau_rate",
            Metric::MessagesPerMember => "messages_per_member",
            Metric::MessagesPerSpeaker => "messages_per_speaker",
            Metric::KolMessages => "kol_messages",
            Metric::KolShare => "kol_share",
            Metric::MessageDecline => "message_decline",
            Metric::WeeklyExitRate => "weekly_exit_rate",
            Metric::AdMessages => "ad_messages",
            Metric::AdShare => "ad_share",
            Metric::FirstResponse => "first_response_min",
            Metric::Opens => "opens",
            Metric::OpenRate => "open_rate",
            Metric::Clicks => "clicks",
            Metric::Orders => "orders",
            Metric::Gmv => "gmv",
            Metric::Invites => "invites",
            Metric::QrScans => "qr_scans",
            Metric::ChatHasMsg => "chat_has_msg",
        }
    }

    pub fn parse(word: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.word() == word)
    }

    /// The i18n enum word of its label (`metric_dau_rate`).
    pub fn label_key(self) -> String {
        format!("metric_{}", self.word())
    }

    /// Its name in Chinese, for text stored in the database (task notes), which every
    /// operator reads whatever language their console speaks.
    pub fn zh(self) -> &'static str {
        match self {
            Metric::Members => "群人数",
            Metric::Joins => "入群",
            Metric::Leaves => "退群",
            Metric::Messages => "消息数",
            Metric::Speakers => "发言人数",
            Metric::DauRate => "日活率",
            Metric::MessagesPerMember => "人均消息",
            Metric::MessagesPerSpeaker => "人均发言",
            Metric::KolMessages => "KOL 消息",
            Metric::KolShare => "KOL 产出比",
            Metric::MessageDecline => "消息衰减",
            Metric::WeeklyExitRate => "周退群率",
            Metric::AdMessages => "广告消息",
            Metric::AdShare => "广告占比",
            Metric::FirstResponse => "首次响应(分钟)",
            Metric::Opens => "打开数",
            Metric::OpenRate => "打开率",
            Metric::Clicks => "点击数",
            Metric::Orders => "订单数",
            Metric::Gmv => "GMV",
            Metric::Invites => "邀请数",
            Metric::QrScans => "扫码数",
            Metric::ChatHasMsg => "有消息的群",
        }
    }

    /// A column name of an imported stats file: the metric's word, the field of
    /// 企业微信 `groupchat/statistic`, or a Chinese header.
    pub fn from_field(name: &str) -> Option<Metric> {
        const ALIASES: &[(&str, Metric)] = &[
            ("new_member_cnt", Metric::Joins),
            ("member_total", Metric::Members),
            ("member_has_msg", Metric::Speakers),
            ("msg_total", Metric::Messages),
            ("群人数", Metric::Members),
            ("成员数", Metric::Members),
            ("入群", Metric::Joins),
            ("新增成员", Metric::Joins),
            ("退群", Metric::Leaves),
            ("消息数", Metric::Messages),
            ("发言人数", Metric::Speakers),
            ("打开", Metric::Opens),
            ("打开数", Metric::Opens),
            ("点击", Metric::Clicks),
            ("点击数", Metric::Clicks),
            ("订单", Metric::Orders),
            ("订单数", Metric::Orders),
            ("成交额", Metric::Gmv),
            ("邀请", Metric::Invites),
            ("邀请数", Metric::Invites),
            ("扫码", Metric::QrScans),
            ("扫码数", Metric::QrScans),
        ];
        let n = name.trim();
        let lower = n.to_ascii_lowercase();
        Metric::parse(&lower)
            .or_else(|| ALIASES.iter().find(|(a, _)| *a == n).map(|(_, m)| *m))
            .filter(|m| m.origin() != Origin::Derived)
            .filter(|m| {
                !matches!(
                    m,
                    Metric::KolMessages
                        | Metric::AdMessages
                        | Metric::AdShare
                        | Metric::FirstResponse
                )
            })
    }

    pub fn origin(self) -> Origin {
        match self {
            Metric::Members
            | Metric::Joins
            | Metric::Leaves
            | Metric::Messages
            | Metric::Speakers
            | Metric::KolMessages
            | Metric::AdMessages
            | Metric::AdShare
            | Metric::FirstResponse => Origin::Counted,
            Metric::DauRate
            | Metric::MessagesPerMember
            | Metric::MessagesPerSpeaker
            | Metric::KolShare
            | Metric::MessageDecline
            | Metric::WeeklyExitRate
            | Metric::OpenRate => Origin::Derived,
            Metric::Opens
            | Metric::Clicks
            | Metric::Orders
            | Metric::Gmv
            | Metric::Invites
            | Metric::QrScans
            | Metric::ChatHasMsg => Origin::Told,
        }
    }

    /// A count of things (members, messages, orders): a whole number, and JSON says
    /// it as an integer.
    pub fn is_count(self) -> bool {
        matches!(
            self,
            Metric::Members
                | Metric::Joins
                | Metric::Leaves
                | Metric::Messages
                | Metric::Speakers
                | Metric::KolMessages
                | Metric::AdMessages
                | Metric::Opens
                | Metric::Clicks
                | Metric::Orders
                | Metric::Invites
                | Metric::QrScans
                | Metric::ChatHasMsg
        )
    }

    /// The value as JSON: a count as an integer (`469`, not `469.0`), else a number.
    pub fn json(self, v: f64) -> serde_json::Value {
        if self.is_count() && v.fract() == 0.0 && v.abs() < 9.0e15 {
            serde_json::Value::from(v as i64)
        } else {
            serde_json::Value::from(v)
        }
    }

    /// A share, shown as a percentage.
    pub fn is_share(self) -> bool {
        matches!(
            self,
            Metric::DauRate
                | Metric::KolShare
                | Metric::MessageDecline
                | Metric::WeeklyExitRate
                | Metric::AdShare
                | Metric::OpenRate
        )
    }

    pub fn better(self) -> Better {
        match self {
            Metric::Leaves
            | Metric::MessageDecline
            | Metric::WeeklyExitRate
            | Metric::AdMessages
            | Metric::AdShare
            | Metric::FirstResponse => Better::Lower,
            _ => Better::Higher,
        }
    }

    /// The value as people read it: shares in percent, ratios with decimals, counts whole.
    pub fn show(self, v: f64) -> String {
        if self.is_share() {
            format!("{:.1}%", v * 100.0)
        } else if matches!(self, Metric::MessagesPerMember | Metric::MessagesPerSpeaker) {
            format!("{v:.2}")
        } else {
            format!("{v:.0}")
        }
    }

    /// A difference of two values: shares in percentage points.
    pub fn show_delta(self, d: f64) -> String {
        if self.is_share() {
            format!("{:+.1}", d * 100.0)
        } else if matches!(self, Metric::MessagesPerMember | Metric::MessagesPerSpeaker) {
            format!("{d:+.2}")
        } else {
            format!("{d:+.0}")
        }
    }
}

/// Daily values of several metrics over consecutive days from `start`.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub start: NaiveDate,
    pub len: usize,
    cols: BTreeMap<Metric, Vec<Option<f64>>>,
}

impl Frame {
    pub fn new(start: NaiveDate, len: usize) -> Frame {
        Frame {
            start,
            len,
            cols: BTreeMap::new(),
        }
    }

    /// The frame from `first` to `last` (empty when `last < first`).
    pub fn between(first: NaiveDate, last: NaiveDate) -> Frame {
        let len = usize::try_from((last - first).num_days() + 1).unwrap_or(0);
        Frame::new(first, len)
    }

    pub fn day(&self, i: usize) -> NaiveDate {
        self.start
            .checked_add_days(Days::new(i as u64))
            .unwrap_or(self.start)
    }

    pub fn last_day(&self) -> NaiveDate {
        self.day(self.len.saturating_sub(1))
    }

    pub fn index(&self, d: NaiveDate) -> Option<usize> {
        let i = usize::try_from((d - self.start).num_days()).ok()?;
        (i < self.len).then_some(i)
    }

    pub fn get(&self, m: Metric, i: usize) -> Option<f64> {
        self.cols.get(&m).and_then(|c| c.get(i).copied().flatten())
    }

    pub fn set(&mut self, m: Metric, i: usize, v: Option<f64>) {
        if i >= self.len {
            return;
        }
        let len = self.len;
        let col = self.cols.entry(m).or_insert_with(|| vec![None; len]);
        col[i] = v.filter(|x| x.is_finite());
    }

    pub fn set_day(&mut self, m: Metric, d: NaiveDate, v: Option<f64>) {
        if let Some(i) = self.index(d) {
            self.set(m, i, v);
        }
    }

    /// A metric's values, one per day (all None when it has none).
    pub fn col(&self, m: Metric) -> Vec<Option<f64>> {
        self.cols
            .get(&m)
            .cloned()
            .unwrap_or_else(|| vec![None; self.len])
    }

    /// The metrics that have at least one value.
    pub fn metrics(&self) -> Vec<Metric> {
        self.cols
            .iter()
            .filter(|(_, c)| c.iter().any(Option::is_some))
            .map(|(m, _)| *m)
            .collect()
    }

    /// The latest value and its day.
    pub fn latest(&self, m: Metric) -> Option<(NaiveDate, f64)> {
        let c = self.cols.get(&m)?;
        c.iter()
            .enumerate()
            .rev()
            .find_map(|(i, v)| v.map(|v| (self.day(i), v)))
    }

    /// The last `n` days of a metric (fewer when the frame is shorter).
    pub fn tail(&self, m: Metric, n: usize) -> Vec<Option<f64>> {
        let c = self.col(m);
        c[c.len().saturating_sub(n)..].to_vec()
    }

    /// Fill every derived metric of every day from the counted and told ones. Windowed
    /// metrics (decline, exit rate) need the days before: a frame starts early enough
    /// (60 days) when they matter.
    pub fn derive(&mut self) {
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => Some(a / b),
            _ => None,
        };
        for i in 0..self.len {
            let members = self.get(Metric::Members, i);
            let messages = self.get(Metric::Messages, i);
            let speakers = self.get(Metric::Speakers, i);
            // speakers can exceed a member count WeChat reported a moment earlier
            self.set(
                Metric::DauRate,
                i,
                ratio(speakers, members).map(|r| r.min(1.0)),
            );
            self.set(Metric::MessagesPerMember, i, ratio(messages, members));
            // a day nobody spoke on is the worst case of "messages per speaker", not a gap
            let per_speaker = match (messages, speakers, members) {
                (Some(_), Some(s), _) if s > 0.0 => ratio(messages, speakers),
                (Some(_), Some(_), Some(m)) if m > 0.0 => Some(0.0),
                _ => None,
            };
            self.set(Metric::MessagesPerSpeaker, i, per_speaker);
            self.set(
                Metric::KolShare,
                i,
                ratio(self.get(Metric::KolMessages, i), messages),
            );
            self.set(
                Metric::OpenRate,
                i,
                ratio(self.get(Metric::Opens, i), members),
            );
            self.set(Metric::MessageDecline, i, self.decline(i));
            self.set(Metric::WeeklyExitRate, i, self.exit_rate(i));
        }
    }

    /// Sum of a metric over `from..=to` (indices), None if any day lacks a value.
    fn sum(&self, m: Metric, from: usize, to: usize) -> Option<f64> {
        (from..=to).map(|i| self.get(m, i)).sum()
    }

    fn decline(&self, i: usize) -> Option<f64> {
        let first = i.checked_sub(59)?;
        let now = self.sum(Metric::Messages, first + 30, i)?;
        let before = self.sum(Metric::Messages, first, first + 29)?;
        (before > 0.0).then(|| 1.0 - now / before)
    }

    fn exit_rate(&self, i: usize) -> Option<f64> {
        let start = i.checked_sub(7)?;
        let members = self.get(Metric::Members, start)?;
        let leaves = self.sum(Metric::Leaves, start + 1, i)?;
        (members > 0.0).then(|| leaves / members)
    }

    /// Several groups as one: counted and told values summed where any group has one,
    /// then derived again. First response and ad share do not add up and stay empty.
    pub fn combine<'a>(
        frames: impl IntoIterator<Item = &'a Frame>,
        start: NaiveDate,
        len: usize,
    ) -> Frame {
        let mut all = Frame::new(start, len);
        for f in frames {
            for (m, col) in &f.cols {
                if m.origin() == Origin::Derived
                    || matches!(m, Metric::FirstResponse | Metric::AdShare)
                {
                    continue;
                }
                for (i, v) in col.iter().enumerate() {
                    let Some(v) = v else { continue };
                    if let Some(j) = all.index(f.day(i)) {
                        let sum = all.get(*m, j).unwrap_or(0.0) + v;
                        all.set(*m, j, Some(sum));
                    }
                }
            }
        }
        all.derive();
        all
    }
}

/// Messages written by KOLs each day: a member counts as a KOL on a day when they wrote
/// more than `more_than` messages in the `window` days ending that day. `counts` holds
/// each member's messages per day, all over the same days; the result has one entry
/// per day.
pub fn kol_messages<'a>(
    counts: impl IntoIterator<Item = &'a [u32]>,
    days: usize,
    window: usize,
    more_than: u32,
) -> Vec<u32> {
    let mut out = vec![0u32; days];
    for member in counts {
        let mut sum = 0u32;
        for (i, &c) in member.iter().enumerate().take(days) {
            sum += c;
            if i >= window {
                sum -= member[i - window];
            }
            if sum > more_than {
                out[i] += c;
            }
        }
    }
    out
}

/// Members in the group at each instant of `ends`: a member with (joined, left) is in
/// it at `t` when they joined before `t` (or no export said when) and had not left by
/// then. Sorting instead of a scan per day: a group's memberships times its days can
/// be large for an old group.
pub fn members_at(spans: &[(Option<i64>, Option<i64>)], ends: &[i64]) -> Vec<u32> {
    let mut joined: Vec<i64> = Vec::with_capacity(spans.len());
    let mut left: Vec<i64> = Vec::with_capacity(spans.len());
    for &(j, l) in spans {
        let j = j.unwrap_or(i64::MIN);
        let l = l.unwrap_or(i64::MAX);
        // present at t when j < t <= l; a span that never holds is skipped
        if l <= j {
            continue;
        }
        joined.push(j);
        left.push(l);
    }
    joined.sort_unstable();
    left.sort_unstable();
    ends.iter()
        .map(|&t| {
            let j = joined.partition_point(|&x| x < t);
            let l = left.partition_point(|&x| x < t);
            u32::try_from(j.saturating_sub(l)).unwrap_or(u32::MAX)
        })
        .collect()
}

/// How many of `instants` fall in each day, days given by their `bounds` (n + 1 instants
/// for n days, each day `[bounds[i], bounds[i + 1])`).
pub fn per_day(instants: &[i64], bounds: &[i64]) -> Vec<u32> {
    let n = bounds.len().saturating_sub(1);
    let mut out = vec![0u32; n];
    for &t in instants {
        let i = bounds.partition_point(|&b| b <= t);
        if i >= 1 && i <= n {
            out[i - 1] += 1;
        }
    }
    out
}

/// `[kpi.first_response]`
#[derive(Debug, Clone, Deserialize)]
pub struct FirstResponseRules {
    pub question_words: Vec<String>,
    pub window_hours: i64,
}

impl FirstResponseRules {
    pub fn is_question(&self, text: &str) -> bool {
        self.question_words
            .iter()
            .any(|w| text.contains(w.as_str()))
    }
}

/// One chat message as first-response time sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatLine {
    pub at: i64,
    pub staff: bool,
    pub question: bool,
}

/// The median minutes from a member's question asked in `[from, to)` to the next
/// message from staff. `lines` are in time order; past `to` they need only hold the
/// first staff message (if any within the window). A question nobody from staff answered within the window counts as the whole
/// window; one whose window is not over yet (`data_end` is the last message known)
/// is left out, as is a day without questions (None).
pub fn first_response(
    lines: &[ChatLine],
    from: i64,
    to: i64,
    window_secs: i64,
    data_end: i64,
) -> Option<f64> {
    let mut waits = Vec::new();
    // from the end, remembering the next staff message: one pass, however many
    // questions wait for it (a group without staff would make a scan per question
    // quadratic in the day's messages)
    let mut next_staff: Option<i64> = None;
    for q in lines.iter().rev() {
        if q.staff {
            next_staff = Some(q.at);
            continue;
        }
        if !q.question || q.at < from || q.at >= to {
            continue;
        }
        match next_staff {
            Some(a) if a - q.at <= window_secs => waits.push((a - q.at) as f64 / 60.0),
            _ if q.at + window_secs <= data_end => waits.push(window_secs as f64 / 60.0),
            _ => {}
        }
    }
    median(&mut waits)
}

pub fn median(xs: &mut [f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        f64::midpoint(xs[n / 2 - 1], xs[n / 2])
    })
}

/// `[kpi.alerts.NAME]`: a line a metric must not cross for `days` days running.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    pub metric: Metric,
    #[serde(default)]
    pub below: Option<f64>,
    #[serde(default)]
    pub above: Option<f64>,
    #[serde(default = "one_day")]
    pub days: u32,
    /// The playbook step: the title of the task it makes.
    pub step: String,
    /// The task is due this long after the alert opened.
    #[serde(default = "four_hours")]
    pub due_hours: u32,
}

fn one_day() -> u32 {
    1
}

fn four_hours() -> u32 {
    4
}

impl AlertRule {
    pub fn breaches(&self, v: f64) -> bool {
        self.below.is_some_and(|b| v < b) || self.above.is_some_and(|a| v > a)
    }

    /// The line it watches, as `< 15%` / `> 8%`.
    pub fn line(&self) -> String {
        match (self.below, self.above) {
            (Some(b), _) => format!("< {}", self.metric.show(b)),
            (_, Some(a)) => format!("> {}", self.metric.show(a)),
            _ => String::new(),
        }
    }
}

/// What a rule says about a group now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// Past the line for long enough: an episode since `since`.
    Breach { since: NaiveDate, value: f64 },
    /// Past the line, not yet for `days` days running.
    Pending { value: f64 },
    /// On the right side of the line.
    Fine { value: f64 },
    /// No value to judge.
    Unknown,
}

/// Judge a rule on a metric's daily values (`values[i]` is day `start + i`; the latest
/// value decides).
pub fn judge(rule: &AlertRule, values: &[Option<f64>], start: NaiveDate) -> Verdict {
    let Some(last) = values.iter().rposition(Option::is_some) else {
        return Verdict::Unknown;
    };
    let Some(value) = values[last] else {
        return Verdict::Unknown;
    };
    if !rule.breaches(value) {
        return Verdict::Fine { value };
    }
    // the run of consecutive breaching days ending at the latest value
    let mut first = last;
    while first > 0 && values[first - 1].is_some_and(|v| rule.breaches(v)) {
        first -= 1;
    }
    let run = last - first + 1;
    if run < rule.days.max(1) as usize {
        return Verdict::Pending { value };
    }
    Verdict::Breach {
        since: start
            .checked_add_days(Days::new(first as u64))
            .unwrap_or(start),
        value,
    }
}

/// What to do about one rule and group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    Open {
        since: NaiveDate,
        value: f64,
    },
    Close {
        value: f64,
    },
    /// Still open; the latest value changed.
    Update {
        value: f64,
    },
    Keep,
}

/// The episode logic: `open` is the value stored with the open alert, if one is open.
pub fn step(open: Option<Option<f64>>, verdict: Verdict) -> Step {
    match (open, verdict) {
        (None, Verdict::Breach { since, value }) => Step::Open { since, value },
        (Some(_), Verdict::Fine { value }) => Step::Close { value },
        (Some(stored), Verdict::Breach { value, .. } | Verdict::Pending { value })
            if stored.is_none_or(|s| (s - value).abs() > 1e-9) =>
        {
            Step::Update { value }
        }
        _ => Step::Keep,
    }
}

/// `[kpi.health]`
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct HealthRules {
    pub alert_penalty: u32,
}

/// The mean of the values present (None if none is).
pub fn mean(values: &[Option<f64>]) -> Option<f64> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
}

fn points(b: Band) -> u32 {
    match b {
        Band::Alarm => 0,
        Band::Low => 1,
        Band::Target => 2,
        Band::Excellent => 3,
    }
}

/// Health 0–100 from the last 7 days of the banded metrics (module header); None when
/// none of them has a value.
pub fn health(frame: &Frame, rules: &KpiRules, open_alerts: usize) -> Option<u32> {
    let mut got = 0u32;
    let mut n = 0u32;
    for m in [Metric::DauRate, Metric::MessageDecline, Metric::KolShare] {
        let (Some(bands), Some(v)) = (rules.bands(m), mean(&frame.tail(m, 7))) else {
            continue;
        };
        got += points(bands.band(v));
        n += 1;
    }
    if n == 0 {
        return None;
    }
    let score = (f64::from(got) * 100.0 / f64::from(3 * n)).round() as u32;
    let penalty = rules
        .health
        .alert_penalty
        .saturating_mul(u32::try_from(open_alerts).unwrap_or(u32::MAX));
    Some(score.saturating_sub(penalty))
}

/// The health of several groups together: their scores weighted by their members (a
/// group without a member count weighs 1), so it lies within the groups' range. (The
/// score of the summed figures, less the penalty for every open alert of every group,
/// fell below 11 of 12 groups: not what "all groups" means.)
pub fn overall_health(parts: &[(Option<u32>, Option<f64>)]) -> Option<u32> {
    let (mut sum, mut weight) = (0.0f64, 0.0f64);
    for (h, members) in parts {
        if let Some(h) = h {
            let w = members.filter(|m| *m > 0.0).unwrap_or(1.0);
            sum += f64::from(*h) * w;
            weight += w;
        }
    }
    (weight > 0.0).then(|| (sum / weight).round() as u32)
}

/// The figure the console and the commands show for a metric, and its change: the
/// 7-day mean against the 7 days before, except for the member count, which is a level
/// (the latest count against the one 7 days earlier). One computation, so
/// `shequn kpi` and the KPIs tab say the same under the same label.
pub fn week_figure(frame: &Frame, m: Metric) -> Option<Wow> {
    if m == Metric::Members {
        let (day, now) = frame.latest(m)?;
        let before = day
            .checked_sub_days(chrono::Days::new(7))
            .and_then(|d| frame.index(d))
            .and_then(|i| frame.get(m, i));
        return Some(Wow { now, before });
    }
    week_over_week(&frame.tail(m, 14))
}

/// Ranks (1 = healthiest) for `(health, dau_rate)` pairs, in their order: by score,
/// then 日活率; groups without a score come last, unranked.
pub fn rank(scores: &[(Option<u32>, Option<f64>)]) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i].0.is_some())
        .collect();
    order.sort_by(|&a, &b| {
        scores[b].0.cmp(&scores[a].0).then_with(|| {
            scores[b]
                .1
                .unwrap_or(0.0)
                .total_cmp(&scores[a].1.unwrap_or(0.0))
        })
    });
    let mut out = vec![None; scores.len()];
    for (r, &i) in order.iter().enumerate() {
        out[i] = Some(r + 1);
    }
    out
}

/// This week against last week: the means of the last 7 and the 7 before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wow {
    pub now: f64,
    pub before: Option<f64>,
}

impl Wow {
    pub fn delta(&self) -> Option<f64> {
        self.before.map(|b| self.now - b)
    }

    /// Whether the change is for the better (None: no change or nothing to compare).
    pub fn improved(&self, m: Metric) -> Option<bool> {
        let d = self.delta()?;
        if d.abs() < 1e-9 {
            return None;
        }
        Some((d > 0.0) == (m.better() == Better::Higher))
    }
}

/// Week over week of a daily series (oldest first; the last entry is the latest day).
pub fn week_over_week(values: &[Option<f64>]) -> Option<Wow> {
    let n = values.len();
    let now = mean(&values[n.saturating_sub(7)..])?;
    let before = (n >= 8)
        .then(|| mean(&values[n.saturating_sub(14)..n - 7]))
        .flatten();
    Some(Wow { now, before })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn approx(a: Option<f64>, b: f64) {
        let a = a.unwrap_or_else(|| panic!("no value, wanted {b}"));
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn every_metric_has_a_word_that_parses_back() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.word()), Some(m));
            assert_eq!(
                serde_json::to_value(m).unwrap(),
                serde_json::json!(m.word())
            );
        }
        assert_eq!(Metric::from_field("member_total"), Some(Metric::Members));
        assert_eq!(Metric::from_field("new_member_cnt"), Some(Metric::Joins));
        assert_eq!(Metric::from_field("member_has_msg"), Some(Metric::Speakers));
        assert_eq!(Metric::from_field("msg_total"), Some(Metric::Messages));
        assert_eq!(Metric::from_field("chat_has_msg"), Some(Metric::ChatHasMsg));
        assert_eq!(Metric::from_field("GMV"), Some(Metric::Gmv));
        assert_eq!(Metric::from_field("打开数"), Some(Metric::Opens));
        // derived values are computed, never imported
        assert_eq!(Metric::from_field("dau_rate"), None);
        assert_eq!(Metric::from_field("nonsense"), None);
    }

    #[test]
    fn derived_metrics_from_domain_figures() {
        // 500 members, 60 speakers, 240 messages, 30 by KOLs
        let mut f = Frame::new(d("2026-03-01"), 1);
        for (m, v) in [
            (Metric::Members, 500.0),
            (Metric::Speakers, 60.0),
            (Metric::Messages, 240.0),
            (Metric::KolMessages, 30.0),
            (Metric::Opens, 90.0),
        ] {
            f.set(m, 0, Some(v));
        }
        f.derive();
        approx(f.get(Metric::DauRate, 0), 0.12); // 12% < 15%: alarm
        approx(f.get(Metric::MessagesPerMember, 0), 0.48);
        approx(f.get(Metric::MessagesPerSpeaker, 0), 4.0);
        approx(f.get(Metric::KolShare, 0), 0.125);
        approx(f.get(Metric::OpenRate, 0), 0.18);
        // not enough days for the windowed ones
        assert_eq!(f.get(Metric::MessageDecline, 0), None);
        assert_eq!(f.get(Metric::WeeklyExitRate, 0), None);
        // a silent day: no messages per speaker, but zero of them
        let mut f = Frame::new(d("2026-03-01"), 1);
        f.set(Metric::Members, 0, Some(100.0));
        f.set(Metric::Speakers, 0, Some(0.0));
        f.set(Metric::Messages, 0, Some(0.0));
        f.derive();
        approx(f.get(Metric::MessagesPerSpeaker, 0), 0.0);
        approx(f.get(Metric::DauRate, 0), 0.0);
        assert_eq!(f.get(Metric::KolShare, 0), None);
    }

    #[test]
    fn monthly_decline_compares_30_days_with_the_30_before() {
        let mut f = Frame::new(d("2026-01-01"), 61);
        for i in 0..61 {
            // 100 a day for 30 days, then 60 a day: a 40% decline (> 30%: alarm)
            f.set(Metric::Messages, i, Some(if i < 31 { 100.0 } else { 60.0 }));
        }
        f.derive();
        assert_eq!(f.get(Metric::MessageDecline, 58), None);
        // day 59: days 0..=29 (3000) against 30..=59 (100 + 29 × 60 = 1840)
        approx(f.get(Metric::MessageDecline, 59), 1.0 - 1840.0 / 3000.0);
        // day 60: days 1..=30 (3000) against 31..=60 (1800)
        approx(f.get(Metric::MessageDecline, 60), 0.4);
        let bands = crate::domain::shipped_section::<KpiRules>(&["kpi"]).message_decline;
        assert_eq!(bands.band(0.4), Band::Alarm);
        // a missing day in either window: no value rather than a wrong one
        f.set(Metric::Messages, 10, None);
        f.derive();
        assert_eq!(f.get(Metric::MessageDecline, 60), None);
    }

    #[test]
    fn weekly_exit_rate_is_leaves_of_7_days_over_members_before() {
        let mut f = Frame::new(d("2026-03-01"), 9);
        for i in 0..9 {
            f.set(Metric::Members, i, Some(200.0 - i as f64 * 3.0));
            f.set(Metric::Leaves, i, Some(3.0));
        }
        f.derive();
        assert_eq!(f.get(Metric::WeeklyExitRate, 6), None);
        // day 7: 21 left of the 200 there at the end of day 0 → 10.5% (> 8%: alert)
        approx(f.get(Metric::WeeklyExitRate, 7), 21.0 / 200.0);
        approx(f.get(Metric::WeeklyExitRate, 8), 21.0 / 197.0);
    }

    #[test]
    fn kol_is_more_than_20_messages_in_30_days_rolling() {
        // member a: 1 a day (never more than 20 in 30 days until day 20)
        // member b: 25 on day 0, then nothing
        let a: Vec<u32> = vec![1; 40];
        let mut b = vec![0u32; 40];
        b[0] = 25;
        let k = kol_messages([a.as_slice(), b.as_slice()], 40, 30, 20);
        assert_eq!(k[0], 25); // b is a KOL the day they wrote 25
        assert_eq!(k[19], 0); // a has 20 by day 19: not more than 20
        assert_eq!(k[20], 1); // 21 in the window: a KOL, their 1 message counts
        assert_eq!(k[29], 1);
        assert_eq!(k[39], 1); // still 30 in the last 30 days
    }

    #[test]
    fn members_at_the_end_of_each_day() {
        // day bounds 0, 100, 200, 300
        let spans = [
            (None, None),           // always there
            (Some(50), None),       // joined on day 0
            (Some(150), Some(250)), // day 1 to day 2
            (Some(120), Some(110)), // left before joining: never counted
        ];
        assert_eq!(members_at(&spans, &[100, 200, 300]), vec![2, 3, 2]);
        assert_eq!(
            per_day(&[50, 99, 100, 250, 300, -5], &[0, 100, 200, 300]),
            vec![2, 1, 1]
        );
    }

    #[test]
    fn first_response_is_the_daily_median_to_the_next_staff_message() {
        let q = |at, staff, question| ChatLine {
            at,
            staff,
            question,
        };
        let lines = [
            q(1_000, false, true),  // answered at 1_600: 10 min
            q(1_100, false, false), // not a question
            q(1_200, false, true),  // answered at 1_600: ~6.7 min
            q(1_600, true, false),
            q(2_000, true, true),  // staff asking is not a member question
            q(3_000, false, true), // answered at 6_600: 60 min
            q(6_600, true, false),
            q(9_000, false, true), // after the day: not counted
        ];
        let m = first_response(&lines, 0, 5_000, 86_400, 10_000).unwrap();
        assert!((m - 10.0).abs() < 1e-9, "{m}");
        // unanswered: the whole window once it is over, left out while it is not
        let lines = [q(1_000, false, true)];
        assert_eq!(first_response(&lines, 0, 5_000, 3_600, 2_000), None);
        assert_eq!(first_response(&lines, 0, 5_000, 3_600, 5_000), Some(60.0));
        let fr = crate::domain::shipped_section::<KpiRules>(&["kpi"]).first_response;
        assert!(fr.is_question("请问几点开始?"));
        assert!(fr.is_question("有链接吗"));
        assert!(!fr.is_question("收到,谢谢"));
    }

    fn rule(below: f64, days: u32) -> AlertRule {
        AlertRule {
            metric: Metric::DauRate,
            below: Some(below),
            above: None,
            days,
            step: "发起话题讨论".into(),
            due_hours: 4,
        }
    }

    #[test]
    fn an_episode_opens_after_three_days_under_the_line_and_closes_on_recovery() {
        let r = rule(0.15, 3);
        let start = d("2026-02-24");
        let mut v = vec![Some(0.2), Some(0.18), Some(0.12), Some(0.11)];
        // two days under: pending, nothing opens
        assert!(matches!(judge(&r, &v, start), Verdict::Pending { .. }));
        assert_eq!(step(None, judge(&r, &v, start)), Step::Keep);
        // the third: one alert since the first low day
        v.push(Some(0.10));
        let verdict = judge(&r, &v, start);
        assert_eq!(
            verdict,
            Verdict::Breach {
                since: d("2026-02-26"),
                value: 0.10
            }
        );
        assert_eq!(
            step(None, verdict),
            Step::Open {
                since: d("2026-02-26"),
                value: 0.10
            }
        );
        // looking again with the alert open adds nothing
        assert_eq!(step(Some(Some(0.10)), verdict), Step::Keep);
        // a fourth low day keeps the same episode (only its value moves)
        v.push(Some(0.09));
        assert_eq!(
            step(Some(Some(0.10)), judge(&r, &v, start)),
            Step::Update { value: 0.09 }
        );
        // recovery closes it
        v.push(Some(0.16));
        assert_eq!(
            step(Some(Some(0.09)), judge(&r, &v, start)),
            Step::Close { value: 0.16 }
        );
        // a gap breaks a run: days running means calendar days
        let v = vec![Some(0.1), None, Some(0.1), Some(0.1)];
        assert!(matches!(judge(&r, &v, start), Verdict::Pending { .. }));
        assert_eq!(judge(&r, &[None, None], start), Verdict::Unknown);
    }

    #[test]
    fn one_day_rules_open_on_the_latest_value() {
        let r = AlertRule {
            metric: Metric::AdShare,
            below: None,
            above: Some(0.05),
            days: 1,
            step: "启动关键词过滤".into(),
            due_hours: 1,
        };
        let start = d("2026-03-01");
        assert!(matches!(
            judge(&r, &[Some(0.02), Some(0.06)], start),
            Verdict::Breach { .. }
        ));
        assert!(matches!(
            judge(&r, &[Some(0.06), None, Some(0.05)], start),
            Verdict::Fine { .. }
        ));
        assert_eq!(r.line(), "> 5.0%");
    }

    #[test]
    fn health_scores_bands_and_ranks_groups() {
        let rules: KpiRules = crate::domain::shipped_section(&["kpi"]);
        let mut good = Frame::new(d("2026-03-01"), 7);
        let mut poor = Frame::new(d("2026-03-01"), 7);
        for i in 0..7 {
            good.set(Metric::DauRate, i, Some(0.45)); // excellent: 3
            good.set(Metric::KolShare, i, Some(0.12)); // target: 2
            poor.set(Metric::DauRate, i, Some(0.10)); // alarm: 0
            poor.set(Metric::KolShare, i, Some(0.08)); // low: 1
        }
        assert_eq!(health(&good, &rules, 0), Some(83)); // 5 of 6
        assert_eq!(health(&poor, &rules, 0), Some(17)); // 1 of 6
        assert_eq!(health(&poor, &rules, 1), Some(7)); // an open alert costs 10
        assert_eq!(health(&poor, &rules, 3), Some(0));
        assert_eq!(health(&Frame::new(d("2026-03-01"), 7), &rules, 0), None);
        assert_eq!(
            rank(&[
                (Some(17), Some(0.1)),
                (None, None),
                (Some(83), Some(0.45)),
                (Some(83), Some(0.5))
            ]),
            vec![Some(3), None, Some(2), Some(1)]
        );
    }

    #[test]
    fn week_over_week_compares_weekly_means() {
        let mut v: Vec<Option<f64>> = vec![Some(0.20); 7];
        v.extend(vec![Some(0.25); 7]);
        let w = week_over_week(&v).unwrap();
        assert!((w.delta().unwrap() - 0.05).abs() < 1e-9);
        assert_eq!(w.improved(Metric::DauRate), Some(true));
        assert_eq!(w.improved(Metric::MessageDecline), Some(false));
        assert_eq!(Metric::DauRate.show_delta(0.05), "+5.0");
        let short = week_over_week(&[Some(1.0), Some(2.0)]).unwrap();
        assert_eq!(short.before, None);
        assert_eq!(week_over_week(&[None, None]), None);
    }

    #[test]
    fn groups_combine_into_all_groups() {
        let mut a = Frame::new(d("2026-03-01"), 2);
        let mut b = Frame::new(d("2026-03-02"), 1);
        a.set(Metric::Members, 0, Some(100.0));
        a.set(Metric::Members, 1, Some(100.0));
        a.set(Metric::Speakers, 1, Some(10.0));
        b.set(Metric::Members, 0, Some(300.0));
        b.set(Metric::Speakers, 0, Some(90.0));
        a.derive();
        b.derive();
        let all = Frame::combine([&a, &b], d("2026-03-01"), 2);
        approx(all.get(Metric::Members, 1), 400.0);
        approx(all.get(Metric::DauRate, 1), 0.25);
        approx(all.get(Metric::Members, 0), 100.0);
        assert_eq!(all.get(Metric::DauRate, 0), None);
    }
}
