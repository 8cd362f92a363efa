//! Risk control's rules (DOMAIN.md §6 and §3, issue 15): what an incident's level calls
//! for, the steps of a response (警告 → 禁言 → 移出, escalated per member across every
//! group), the states an incident goes through, and the response clock judged against
//! the team's targets (`[risk]` of `data/rules.toml`). Pure: the store keeps the times,
//! this decides what they mean.

use serde::{Deserialize, Serialize};

use crate::domain::keywords::Level;

/// `[risk]`: response targets and what each level's task asks.
#[derive(Debug, Clone, Deserialize)]
pub struct RiskRules {
    /// Detection target: message → detected (DOMAIN.md §6: 5 minutes).
    pub detect_minutes: i64,
    /// Review target: detected → a person reviewed it (DOMAIN.md §6: 15 minutes).
    pub review_minutes: i64,
    /// A message seen later than this after it was sent is backfill: its detection is
    /// not judged.
    pub backfill_minutes: i64,
    /// Minutes from detection to the Today task's due time, for levels 1, 2, 3.
    pub due_minutes: Vec<i64>,
    /// A message older than this many days when it is imported opens no task.
    pub task_days: i64,
    /// The Today task's title for levels 1, 2, 3 (stored with the task, in the team's
    /// words like an SOP item's).
    pub task_titles: Vec<String>,
    /// What a removed member's re-join is called (its keyword and task note).
    pub rejoin_title: String,
    /// The level of a removed member's re-join.
    pub rejoin_level: i64,
}

impl RiskRules {
    /// The shipped `[risk]` section.
    pub fn shipped() -> RiskRules {
        super::shipped_section(&["risk"])
    }

    /// Why the section does not make sense, if it does not.
    pub fn check(&self) -> Result<(), String> {
        if self.detect_minutes < 0 || self.review_minutes < 0 || self.backfill_minutes < 0 {
            return Err(
                "risk.detect_minutes, review_minutes and backfill_minutes are minutes, 0 or more"
                    .into(),
            );
        }
        if self.due_minutes.len() != 3 || self.due_minutes.iter().any(|m| *m < 0) {
            return Err(format!(
                "risk.due_minutes lists the minutes to the task of levels 1, 2 and 3, e.g. [0, 15, 60]; {:?} is not",
                self.due_minutes
            ));
        }
        if self.task_titles.len() != 3 {
            return Err("risk.task_titles lists the task titles of levels 1, 2 and 3".into());
        }
        if self.task_days < 0 {
            return Err("risk.task_days is a number of days, 0 or more".into());
        }
        if Level::from_number(self.rejoin_level).is_none() {
            return Err(format!(
                "risk.rejoin_level is a level, 1, 2 or 3; {} is not",
                self.rejoin_level
            ));
        }
        Ok(())
    }

    /// Seconds from detection to a level's task.
    pub fn due_secs(&self, level: Level) -> i64 {
        let i = usize::from(level.number()) - 1;
        self.due_minutes.get(i).copied().unwrap_or(0) * 60
    }

    /// The title of a level's task.
    pub fn task_title(&self, level: Level) -> &str {
        let i = usize::from(level.number()) - 1;
        self.task_titles.get(i).map_or("", String::as_str)
    }

    pub fn rejoin(&self) -> Level {
        Level::from_number(self.rejoin_level).unwrap_or(Level::Mute)
    }
}

/// What is done about an incident or a member. The first three are sanctions on the
/// member, in escalating order; `Close` closes the group (level 1); `Dismiss` records a
/// false positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Warn,
    Mute,
    Remove,
    Close,
    Dismiss,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Warn,
        Action::Mute,
        Action::Remove,
        Action::Close,
        Action::Dismiss,
    ];

    /// The stable word (`sanctions.level`, `risk_incidents.action`, the CLI's).
    pub fn word(self) -> &'static str {
        match self {
            Action::Warn => "warn",
            Action::Mute => "mute",
            Action::Remove => "remove",
            Action::Close => "close",
            Action::Dismiss => "dismiss",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.word() == s)
    }

    /// A sanction on the member (the escalation counts these).
    pub fn on_member(self) -> bool {
        matches!(self, Action::Warn | Action::Mute | Action::Remove)
    }

    /// What a level calls for by itself (DOMAIN.md §6).
    pub fn for_level(level: Level) -> Action {
        match level {
            Level::Close => Action::Close,
            Level::Mute => Action::Mute,
            Level::Warn => Action::Warn,
        }
    }
}

/// The next sanction for a member, from the sanctions on record across all groups:
/// none → warn, after a warning → mute, after a mute → remove (DOMAIN.md §3).
pub fn next_sanction(record: &[Action]) -> Action {
    match record.iter().filter(|a| a.on_member()).max() {
        None => Action::Warn,
        Some(Action::Warn) => Action::Mute,
        Some(_) => Action::Remove,
    }
}

/// What shequn suggests for an incident of `level` about a member with `record`: a
/// level-1 incident closes the group; otherwise the heavier of what the level calls for
/// and the member's next step.
pub fn suggest(level: Level, record: &[Action]) -> Action {
    match Action::for_level(level) {
        Action::Close => Action::Close,
        by_level => by_level.max(next_sanction(record)),
    }
}

/// Where an incident is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Open,
    Reviewed,
    Acted,
    Dismissed,
}

impl State {
    pub const ALL: [State; 4] = [State::Open, State::Reviewed, State::Acted, State::Dismissed];

    pub fn word(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Reviewed => "reviewed",
            State::Acted => "acted",
            State::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.word() == s)
    }

    /// Still waiting for an action (the queue's first part).
    pub fn pending(self) -> bool {
        matches!(self, State::Open | State::Reviewed)
    }
}

/// An incident's response clock: unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clock {
    /// When it happened (the message's time).
    pub at: i64,
    /// When shequn saw it (the import's time).
    pub detected_at: i64,
    pub reviewed_at: Option<i64>,
    pub acted_at: Option<i64>,
}

/// How an incident stands against one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Judged {
    OnTime,
    Late,
    /// Not late yet, and not done.
    Running,
    /// Not judged (backfill: detection of history imported late).
    Exempt,
}

impl Judged {
    pub fn word(self) -> &'static str {
        match self {
            Judged::OnTime => "on_time",
            Judged::Late => "late",
            Judged::Running => "running",
            Judged::Exempt => "exempt",
        }
    }
}

impl Clock {
    /// Seconds from the message to its detection.
    pub fn detect_secs(&self) -> i64 {
        (self.detected_at - self.at).max(0)
    }

    /// History imported late: shequn could not have seen it within the target.
    pub fn backfill(&self, rules: &RiskRules) -> bool {
        self.detect_secs() > rules.backfill_minutes * 60
    }

    /// Detection against its target: judged only for what came in live.
    pub fn detection(&self, rules: &RiskRules) -> Judged {
        if self.backfill(rules) {
            Judged::Exempt
        } else if self.detect_secs() <= rules.detect_minutes * 60 {
            Judged::OnTime
        } else {
            Judged::Late
        }
    }

    /// The review (the first person's look, or the action) against its target, counted
    /// from detection; an open incident past the target is late already.
    pub fn review(&self, rules: &RiskRules, now: i64) -> Judged {
        let target = rules.review_minutes * 60;
        match self.reviewed_at.or(self.acted_at) {
            Some(r) if r - self.detected_at <= target => Judged::OnTime,
            Some(_) => Judged::Late,
            None if now - self.detected_at > target => Judged::Late,
            None => Judged::Running,
        }
    }

    /// Seconds from detection to the review, when reviewed.
    pub fn review_secs(&self) -> Option<i64> {
        self.reviewed_at
            .or(self.acted_at)
            .map(|r| (r - self.detected_at).max(0))
    }

    /// Seconds from detection to the action, when acted on.
    pub fn act_secs(&self) -> Option<i64> {
        self.acted_at.map(|a| (a - self.detected_at).max(0))
    }
}

/// On-time shares of a set of incidents against both targets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct OnTime {
    /// Incidents whose detection was judged, and of those on time.
    pub detect_judged: u32,
    pub detect_on_time: u32,
    /// Incidents whose review was judged (reviewed, or open past the target).
    pub review_judged: u32,
    pub review_on_time: u32,
    /// Backfill: detection not judged.
    pub backfill: u32,
}

impl OnTime {
    pub fn of<'a>(
        clocks: impl IntoIterator<Item = &'a Clock>,
        rules: &RiskRules,
        now: i64,
    ) -> OnTime {
        let mut o = OnTime::default();
        for c in clocks {
            match c.detection(rules) {
                Judged::OnTime => {
                    o.detect_judged += 1;
                    o.detect_on_time += 1;
                }
                Judged::Late => o.detect_judged += 1,
                Judged::Exempt => o.backfill += 1,
                Judged::Running => {}
            }
            match c.review(rules, now) {
                Judged::OnTime => {
                    o.review_judged += 1;
                    o.review_on_time += 1;
                }
                Judged::Late => o.review_judged += 1,
                _ => {}
            }
        }
        o
    }

    /// Share on time, `None` when nothing was judged.
    pub fn detect_share(&self) -> Option<f64> {
        share(self.detect_on_time, self.detect_judged)
    }

    pub fn review_share(&self) -> Option<f64> {
        share(self.review_on_time, self.review_judged)
    }
}

fn share(n: u32, of: u32) -> Option<f64> {
    (of > 0).then(|| f64::from(n) / f64::from(of))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RiskRules {
        RiskRules::shipped()
    }

    #[test]
    fn the_shipped_section_is_the_targets_of_domain_md() {
        let r = rules();
        assert_eq!((r.detect_minutes, r.review_minutes), (5, 15));
        assert!(r.check().is_ok());
        assert_eq!(r.due_secs(Level::Close), 0);
        assert_eq!(r.due_secs(Level::Mute), 15 * 60);
        assert_eq!(r.rejoin(), Level::Mute);
        let bad = RiskRules {
            due_minutes: vec![0, 15],
            ..rules()
        };
        assert!(bad.check().is_err());
    }

    #[test]
    fn escalation_goes_warn_mute_remove_across_the_record() {
        use Action::*;
        for (record, next) in [
            (vec![], Warn),
            (vec![Dismiss, Close], Warn),
            (vec![Warn], Mute),
            (vec![Warn, Warn], Mute),
            (vec![Warn, Mute], Remove),
            (vec![Mute], Remove),
            (vec![Remove], Remove),
        ] {
            assert_eq!(next_sanction(&record), next, "{record:?}");
        }
        for (level, record, want) in [
            (Level::Close, vec![], Close),
            (Level::Close, vec![Warn, Mute], Close),
            (Level::Mute, vec![], Mute),
            (Level::Mute, vec![Mute], Remove),
            (Level::Warn, vec![], Warn),
            (Level::Warn, vec![Warn], Mute),
            (Level::Warn, vec![Warn, Mute], Remove),
        ] {
            assert_eq!(suggest(level, &record), want, "{level:?} {record:?}");
        }
    }

    #[test]
    fn the_clock_judges_detection_live_only_and_review_from_detection() {
        let r = rules();
        let m = 60;
        let c = |at, det, rev: Option<i64>, act: Option<i64>| Clock {
            at,
            detected_at: det,
            reviewed_at: rev,
            acted_at: act,
        };
        // (clock, now, detection, review)
        for (clock, now, det, rev) in [
            (
                c(0, 4 * m, Some(10 * m), None),
                20 * m,
                Judged::OnTime,
                Judged::OnTime,
            ),
            (
                c(0, 6 * m, Some(30 * m), None),
                40 * m,
                Judged::Late,
                Judged::Late,
            ),
            // seen two hours late: backfill, its review still counts from detection
            (
                c(0, 120 * m, None, Some(130 * m)),
                200 * m,
                Judged::Exempt,
                Judged::OnTime,
            ),
            (
                c(0, 60 * m, None, None),
                70 * m,
                Judged::Late,
                Judged::Running,
            ),
            (c(0, 0, None, None), 16 * m, Judged::OnTime, Judged::Late),
            (c(0, 0, None, None), 15 * m, Judged::OnTime, Judged::Running),
        ] {
            assert_eq!(clock.detection(&r), det, "{clock:?}");
            assert_eq!(clock.review(&r, now), rev, "{clock:?} at {now}");
        }
        let clocks = [
            c(0, 60, Some(300), None),
            c(0, 600, Some(5000), None),
            c(0, 100_000, None, None),
        ];
        let o = OnTime::of(&clocks, &r, 200_000);
        assert_eq!((o.detect_on_time, o.detect_judged, o.backfill), (1, 2, 1));
        assert_eq!((o.review_on_time, o.review_judged), (1, 3));
        assert_eq!(o.detect_share(), Some(0.5));
        assert_eq!(OnTime::default().review_share(), None);
    }

    #[test]
    fn words_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.word()), Some(a));
        }
        for s in State::ALL {
            assert_eq!(State::parse(s.word()), Some(s));
        }
        assert!(State::Reviewed.pending() && !State::Dismissed.pending());
    }
}
