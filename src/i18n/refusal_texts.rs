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
    pub no_template_item: String,
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
        assert_eq!(all.len(), 23, "a new Refusal needs an example here");
        for r in &all {
            for lang in [Lang::Zh, Lang::En] {
                let s = lang.texts().refusal(r);
                assert!(!s.is_empty(), "{r:?} in {lang:?}");
                assert!(!s.contains('{') && !s.contains('}'), "{r:?}: {s}");
                for field in ["42", "lisi", "张三", "读书会3群", "flyer", "25:00", "kick"] {
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
