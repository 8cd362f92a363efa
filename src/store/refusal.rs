//! The store's refusals as typed reasons (issue 14.5, zh throughout): what the rules do
//! not allow, with the fields a sentence needs. The English `Display` is for the log;
//! what a person reads is `Texts::refusal` (`[errors.refusals]` of the language files),
//! reached through `ctx::store_message`. Each reason says what to do instead.

/// Why the store refused a write; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    // content
    #[error("an item needs a title (--title)")]
    ContentNeedsTitle,
    #[error("there is no group {id}; `shequn group list` lists them")]
    NoGroupId { id: i64 },
    /// A step (or an edit) the item's state does not allow; `state` and `step` are the
    /// stable words (`scheduled`, `submit`, `edit`).
    #[error("content {id} ({title}) is {state}: it cannot be {step}ed now")]
    ContentState {
        id: i64,
        title: String,
        state: String,
        step: String,
    },
    #[error("content {id} ({title}) needs a slot and a group before it can be approved")]
    ContentNeeds {
        id: i64,
        title: String,
        slot: bool,
        group: bool,
        version: i64,
    },
    #[error("content {id} ({title}): {checks} did not pass; all three checks must pass")]
    ChecksFailed {
        id: i64,
        title: String,
        checks: String,
    },
    #[error("content {id} ({title}) contains blocked words: {words}")]
    BlockedWords {
        id: i64,
        title: String,
        words: String,
    },
    #[error("content {id} ({title}): a rejection needs a reason for the author")]
    RejectNeedsReason { id: i64, title: String },
    #[error("content {id}: {name} cannot be negative")]
    NegativeResult { id: i64, name: String },
    // SOP
    #[error("the template has no item {code:?}; `shequn sop templates` lists them")]
    NoTemplateItem { code: String },
    #[error("{value:?} is not a time: use HH:MM, e.g. 09:15")]
    BadSlot { value: String },
    /// A change the item's state does not allow (`domain::sop::transition`); `by` and
    /// `at`: who did it or claimed it, and when (empty when nobody).
    #[error("{label}: {why} (by {by} {at})")]
    SopItem {
        label: String,
        why: crate::domain::sop::Refusal,
        by: String,
        at: String,
    },
    #[error("no template {name:?}; `shequn sop templates` lists them")]
    NoTemplate { name: String },
    #[error("no operator {login:?}: add them with `shequn operator add {login} --role operator`")]
    NoOperator { login: String },
    // reminders
    #[error("reminder {id} is {owner}'s; only they can dismiss or snooze it")]
    NotYourReminder { id: i64, owner: String },
    #[error("reminder {id} is already dismissed ({by})")]
    AlreadyDismissed { id: i64, by: String },
    #[error("snooze for 1 to {max} minutes, not {minutes}")]
    SnoozeRange { max: i64, minutes: i64 },
    #[error("a reminder needs a title: what should it remind of?")]
    ReminderNeedsTitle,
    #[error("that time has passed; give a time still ahead (10m, 20:30, 2026-03-03 09:00)")]
    TimePassed,
    // members: tags, points, sanctions, identity
    #[error("a tag needs a name")]
    TagNeedsName,
    #[error("points need a reason on record")]
    PointsNeedReason,
    #[error("0 points changes nothing")]
    ZeroPoints,
    #[error("{name} has {balance} points; a coupon takes {price}")]
    TooFewPoints {
        name: String,
        balance: i64,
        price: i64,
    },
    #[error("{level:?}: use warn, mute or remove")]
    BadSanction { level: String },
    #[error("a sanction needs its reason on record")]
    SanctionNeedsReason,
    #[error("{name} is not in a group named {group:?}")]
    NotInGroup { name: String, group: String },
    #[error("{value:?}: use customer, partner or staff")]
    BadIdentity { value: String },
    // groups and launch
    #[error("a group named {name:?} exists already")]
    GroupExists { name: String },
    #[error("{name:?} is not being launched: `shequn group launch` starts a group with a plan")]
    NotLaunching { name: String },
    #[error("the kit has no item {item:?} (rules, welcome, intro, faq, poster, questionnaire, qr)")]
    NoKitItem { item: String },
    // operators
    #[error("{login} is not an operator; `shequn operator list` lists them")]
    NotAnOperator { login: String },
}

impl Refusal {
    /// One of each, for the test that says every reason in both languages.
    #[cfg(test)]
    pub fn examples() -> Vec<Refusal> {
        use crate::domain::sop::Refusal as SopRefusal;
        let s = |x: &str| x.to_string();
        vec![
            Refusal::ContentNeedsTitle,
            Refusal::NoGroupId { id: 42 },
            Refusal::ContentState {
                id: 42,
                title: s("育儿干货"),
                state: s("scheduled"),
                step: s("submit"),
            },
            Refusal::ContentState {
                id: 42,
                title: s("育儿干货"),
                state: s("draft"),
                step: s("results"),
            },
            Refusal::ContentNeeds {
                id: 42,
                title: s("育儿干货"),
                slot: true,
                group: true,
                version: 3,
            },
            Refusal::ChecksFailed {
                id: 42,
                title: s("育儿干货"),
                checks: s("合规性"),
            },
            Refusal::BlockedWords {
                id: 42,
                title: s("育儿干货"),
                words: s("代购"),
            },
            Refusal::NegativeResult {
                id: 42,
                name: s("opens"),
            },
            Refusal::RejectNeedsReason {
                id: 42,
                title: s("育儿干货"),
            },
            Refusal::NoTemplateItem { code: s("morning") },
            Refusal::BadSlot { value: s("25:00") },
            Refusal::SopItem {
                label: s("早安问候"),
                why: SopRefusal::AlreadyDone,
                by: s("lisi"),
                at: s("08:31"),
            },
            Refusal::SopItem {
                label: s("早安问候"),
                why: SopRefusal::AlreadySkipped,
                by: s("lisi"),
                at: s("08:31"),
            },
            Refusal::SopItem {
                label: s("早安问候"),
                why: SopRefusal::NothingToUndo,
                by: s(""),
                at: s(""),
            },
            Refusal::SopItem {
                label: s("早安问候"),
                why: SopRefusal::NoReason,
                by: s(""),
                at: s(""),
            },
            Refusal::SopItem {
                label: s("早安问候"),
                why: SopRefusal::ClaimedByOther,
                by: s("lisi"),
                at: s(""),
            },
            Refusal::SopItem {
                label: s("早安问候"),
                why: SopRefusal::NotOpen,
                by: s(""),
                at: s(""),
            },
            Refusal::NoTemplate {
                name: s("知识型")
            },
            Refusal::NoOperator { login: s("lisi") },
            Refusal::NotYourReminder {
                id: 7,
                owner: s("lisi"),
            },
            Refusal::AlreadyDismissed {
                id: 7,
                by: s("lisi"),
            },
            Refusal::SnoozeRange {
                max: 10080,
                minutes: 0,
            },
            Refusal::ReminderNeedsTitle,
            Refusal::TimePassed,
            Refusal::TagNeedsName,
            Refusal::PointsNeedReason,
            Refusal::ZeroPoints,
            Refusal::TooFewPoints {
                name: s("张三"),
                balance: 3,
                price: 100,
            },
            Refusal::BadSanction { level: s("kick") },
            Refusal::SanctionNeedsReason,
            Refusal::NotInGroup {
                name: s("张三"),
                group: s("读书会3群"),
            },
            Refusal::BadIdentity { value: s("boss") },
            Refusal::GroupExists {
                name: s("读书会3群"),
            },
            Refusal::NotLaunching {
                name: s("读书会3群"),
            },
            Refusal::NoKitItem { item: s("flyer") },
            Refusal::NotAnOperator { login: s("lisi") },
        ]
    }
}
