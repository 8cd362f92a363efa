//! `[errors.refusals]` of the language files: the store's typed refusals
//! (`store::Refusal`) in the user's language, each saying what to do.

use serde::Deserialize;

use crate::store::Refusal;

use super::{Texts, fill};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalTexts {
    pub content_needs_title: String,
    pub no_group_id: String,
    /// `{id} {title} {state} {step} {hint}`: a step the item's state does not allow.
    pub content_state: String,
    pub step_submit: String,
    pub step_approve: String,
    pub step_reject: String,
    pub step_publish: String,
    pub step_unschedule: String,
    pub step_results: String,
    pub step_edit: String,
    /// What to do, by the item's state (`{id}`); `hint_results`: results before it
    /// went out.
    pub hint_draft: String,
    pub hint_review: String,
    pub hint_scheduled: String,
    pub hint_published: String,
    pub hint_reviewed: String,
    pub hint_results: String,
    pub content_needs: String,
    pub need_slot: String,
    pub need_group: String,
    pub need_both: String,
    pub checks_failed: String,
    pub blocked_words: String,
    pub negative_result: String,
    pub result_opens: String,
    pub result_forwards: String,
    pub result_replies: String,
    pub result_clicks: String,
    pub result_orders: String,
    pub reject_needs_reason: String,
    pub no_template_item: String,
    /// `{label}`: the SOP item; `{why}` one of the six below (`{by}`, `{at}`).
    pub sop_item: String,
    pub sop_already_done: String,
    pub sop_already_skipped: String,
    pub sop_nothing_to_undo: String,
    pub sop_no_reason: String,
    pub sop_claimed: String,
    pub sop_not_open: String,
    pub bad_slot: String,
    pub no_template: String,
    pub no_operator: String,
    pub not_your_reminder: String,
    pub already_dismissed: String,
    pub snooze_range: String,
    pub reminder_needs_title: String,
    pub time_passed: String,
    pub tag_needs_name: String,
    pub points_need_reason: String,
    pub zero_points: String,
    pub too_few_points: String,
    pub bad_sanction: String,
    pub sanction_needs_reason: String,
    pub not_in_group: String,
    pub bad_identity: String,
    pub group_exists: String,
    pub not_launching: String,
    pub no_kit_item: String,
    pub not_an_operator: String,
}

impl Texts {
    /// A store refusal in the user's language (the English is its `Display`, for the
    /// log).
    pub fn refusal(&self, r: &Refusal) -> String {
        let t = &self.errors.refusals;
        match r {
            Refusal::ContentNeedsTitle => t.content_needs_title.clone(),
            Refusal::NoGroupId { id } => fill(&t.no_group_id, &[("id", id)]),
            Refusal::ContentState {
                id,
                title,
                state,
                step,
            } => {
                let step_text = match step.as_str() {
                    "submit" => &t.step_submit,
                    "approve" => &t.step_approve,
                    "reject" => &t.step_reject,
                    "publish" => &t.step_publish,
                    "unschedule" => &t.step_unschedule,
                    "results" => &t.step_results,
                    _ => &t.step_edit,
                };
                let hint = match (state.as_str(), step.as_str()) {
                    ("draft" | "review" | "scheduled", "results") => &t.hint_results,
                    ("draft", _) => &t.hint_draft,
                    ("review", _) => &t.hint_review,
                    ("scheduled", _) => &t.hint_scheduled,
                    ("published", _) => &t.hint_published,
                    _ => &t.hint_reviewed,
                };
                fill(
                    &t.content_state,
                    &[
                        ("id", id as &dyn std::fmt::Display),
                        ("title", title),
                        ("state", &self.enum_text(state)),
                        ("step", step_text),
                        ("hint", &fill(hint, &[("id", id)])),
                    ],
                )
            }
            Refusal::ContentNeeds {
                id,
                title,
                slot,
                group,
                version,
            } => {
                let what = match (slot, group) {
                    (true, true) => &t.need_both,
                    (true, false) => &t.need_slot,
                    _ => &t.need_group,
                };
                fill(
                    &t.content_needs,
                    &[
                        ("id", id as &dyn std::fmt::Display),
                        ("title", title),
                        ("what", what),
                        ("version", version),
                    ],
                )
            }
            Refusal::ChecksFailed { id, title, checks } => fill(
                &t.checks_failed,
                &[
                    ("id", id as &dyn std::fmt::Display),
                    ("title", title),
                    ("checks", checks),
                ],
            ),
            Refusal::BlockedWords { id, title, words } => fill(
                &t.blocked_words,
                &[
                    ("id", id as &dyn std::fmt::Display),
                    ("title", title),
                    ("words", words),
                ],
            ),
            Refusal::NegativeResult { id, name } => {
                let name = match name.as_str() {
                    "opens" => t.result_opens.as_str(),
                    "forwards" => t.result_forwards.as_str(),
                    "replies" => t.result_replies.as_str(),
                    "clicks" => t.result_clicks.as_str(),
                    "orders" => t.result_orders.as_str(),
                    other => other,
                };
                fill(&t.negative_result, &[("id", id), ("name", &name)])
            }
            Refusal::RejectNeedsReason { id, title } => fill(
                &t.reject_needs_reason,
                &[("id", id as &dyn std::fmt::Display), ("title", title)],
            ),
            Refusal::SopItem { label, why, by, at } => {
                use crate::domain::sop::Refusal as R;
                let why = match why {
                    R::AlreadyDone => &t.sop_already_done,
                    R::AlreadySkipped => &t.sop_already_skipped,
                    R::NothingToUndo => &t.sop_nothing_to_undo,
                    R::NoReason => &t.sop_no_reason,
                    R::ClaimedByOther => &t.sop_claimed,
                    R::NotOpen => &t.sop_not_open,
                };
                let why = fill(why, &[("by", by), ("at", at)]);
                fill(&t.sop_item, &[("label", label), ("why", &why.trim())])
            }
            Refusal::NoTemplateItem { code } => fill(&t.no_template_item, &[("code", code)]),
            Refusal::BadSlot { value } => fill(&t.bad_slot, &[("value", value)]),
            Refusal::NoTemplate { name } => fill(&t.no_template, &[("name", name)]),
            Refusal::NoOperator { login } => fill(&t.no_operator, &[("login", login)]),
            Refusal::NotYourReminder { id, owner } => {
                fill(&t.not_your_reminder, &[("id", id), ("owner", owner)])
            }
            Refusal::AlreadyDismissed { id, by } => {
                fill(&t.already_dismissed, &[("id", id), ("by", by)])
            }
            Refusal::SnoozeRange { max, minutes } => {
                fill(&t.snooze_range, &[("max", max), ("minutes", minutes)])
            }
            Refusal::ReminderNeedsTitle => t.reminder_needs_title.clone(),
            Refusal::TimePassed => t.time_passed.clone(),
            Refusal::TagNeedsName => t.tag_needs_name.clone(),
            Refusal::PointsNeedReason => t.points_need_reason.clone(),
            Refusal::ZeroPoints => t.zero_points.clone(),
            Refusal::TooFewPoints {
                name,
                balance,
                price,
            } => fill(
                &t.too_few_points,
                &[("name", name), ("balance", balance), ("price", price)],
            ),
            Refusal::BadSanction { level } => fill(&t.bad_sanction, &[("level", level)]),
            Refusal::SanctionNeedsReason => t.sanction_needs_reason.clone(),
            Refusal::NotInGroup { name, group } => {
                fill(&t.not_in_group, &[("name", name), ("group", group)])
            }
            Refusal::BadIdentity { value } => fill(&t.bad_identity, &[("value", value)]),
            Refusal::GroupExists { name } => fill(&t.group_exists, &[("name", name)]),
            Refusal::NotLaunching { name } => fill(&t.not_launching, &[("name", name)]),
            Refusal::NoKitItem { item } => fill(&t.no_kit_item, &[("item", item)]),
            Refusal::NotAnOperator { login } => fill(&t.not_an_operator, &[("login", login)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;
    use crate::store::Refusal;

    /// Every reason is said in both languages, with no `{placeholder}` left, in
    /// Chinese under zh, and with the fields that tell the user what was refused.
    #[test]
    fn every_refusal_is_said_in_both_languages() {
        let all = Refusal::examples();
        assert_eq!(all.len(), 36, "a new Refusal needs an example here");
        for r in &all {
            for lang in [Lang::Zh, Lang::En] {
                let s = lang.texts().refusal(r);
                assert!(!s.is_empty(), "{r:?} in {lang:?}");
                assert!(!s.contains('{') && !s.contains('}'), "{r:?}: {s}");
                for field in [
                    "42",
                    "育儿干货",
                    "代购",
                    "lisi",
                    "张三",
                    "读书会3群",
                    "flyer",
                    "25:00",
                    "kick",
                ] {
                    if r.to_string().contains(field) {
                        assert!(s.contains(field), "{r:?} in {lang:?} loses {field}: {s}");
                    }
                }
            }
            let zh = Lang::Zh.texts().refusal(r);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{r:?} in zh has no Chinese: {zh}"
            );
        }
    }
}
