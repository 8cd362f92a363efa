//! Every user-facing string of the console, one file per language (`data/i18n/*.toml`),
//! embedded in the binary. The files are parsed into one typed struct, so a string the
//! code asks for cannot be missing at run time; a test checks both files parse and that
//! their free-form tables (`enums`, `actions`) have the same keys.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::domain::roles::{Forbidden, Role};

mod clap_texts;
mod error_texts;
mod import_errors;
mod refusal_texts;
pub use clap_texts::ClapTexts;
pub use error_texts::{ErrorTexts, SegmentTexts, SummaryTexts};
pub use import_errors::ImportErrorTexts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    pub app_name: String,
    pub too_small: String,
    pub loading: String,
    pub empty: String,
    pub no_match: String,
    pub search_prompt: String,
    pub palette_title: String,
    pub palette_hint: String,
    pub help_title: String,
    pub help_footer: String,
    pub help_global: String,
    /// The help's headings of the walkthrough's and the calendar's keys.
    pub help_walk: String,
    pub help_calendar: String,
    pub detail_title: String,
    pub filter_label: String,
    pub rows: String,
    pub busy: String,
    pub changed_elsewhere: String,
    /// The status line after a colleague's `shequn restore` ({by}).
    pub restored: String,
    /// Said when a console ends because its database file was replaced ({db}).
    pub replaced: String,
    pub tabs: TabTexts,
    pub status: StatusTexts,
    pub weekday: WeekdayTexts,
    pub today: TodayTexts,
    pub members: MembersTexts,
    pub content: ContentTexts,
    pub kpi: KpiTexts,
    pub report: ReportTexts,
    pub reminders: RemindersTexts,
    pub roles: RolesTexts,
    pub settings: SettingsTexts,
    pub keywords: KeywordsTexts,
    /// `shequn risk`: the incident queue, one incident, the actions.
    pub risk: RiskTexts,
    pub doctor: DoctorTexts,
    /// Launching a group (issue 16): the board, the kit, the plan's commands.
    pub launch: LaunchTexts,
    /// The commands' tables, words and refusals.
    pub cli: CliTexts,
    /// What keeps the user from using the database's files (`disk::FileProblem`).
    pub files: FilesTexts,
    /// Why a file cannot be imported (`import::Reason`).
    pub import_errors: ImportErrorTexts,
    /// clap's own words in `--help` and in refusals of bad arguments.
    pub clap: ClapTexts,
    /// `--help`: the text of each command (`members.list`; `shequn` for the program)
    /// and argument (`members.list.tier`; `shequn.lang`), checked by `cli::help`'s test.
    pub help: BTreeMap<String, String>,
    /// What to do first: after `init`, and on every tab of a console with no groups.
    pub first_run: FirstRunTexts,
    /// Stable English enumeration words (`todo`, `core`, `draft`, ...) → display text.
    pub enums: BTreeMap<String, String>,
    /// Keymap action names → what the action does, for `?` help and the palette.
    pub actions: BTreeMap<String, String>,
    /// Short action names for the key hints on the bottom line.
    pub hints: BTreeMap<String, String>,
    /// The commands' refusals and failures, each saying what to do.
    pub errors: ErrorTexts,
    /// What the commands print when they are done (the import summaries …).
    pub summaries: SummaryTexts,
    /// The RFM segments' names.
    pub segments: SegmentTexts,
}

/// Launching a group: phases, metrics, states, kit items, the board and the commands.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchTexts {
    /// Phase word (`prep` …) → its name.
    pub phases: BTreeMap<String, String>,
    /// Phase word → its metric's short label.
    pub metrics: BTreeMap<String, String>,
    /// Phase word → what to do in it (source 000's 执行要点).
    pub steps: BTreeMap<String, String>,
    /// State word (`passed`, `current`, `late`, `ahead`) → its name.
    pub states: BTreeMap<String, String>,
    /// Kit item code → its name.
    pub items: BTreeMap<String, String>,
    /// Positioning part (`who`, `need`, `solution`) → its name.
    pub parts: BTreeMap<String, String>,
    pub title: String,
    pub none: String,
    pub legend: String,
    pub next_late: String,
    pub next_current: String,
    pub next_ahead: String,
    pub all_passed: String,
    pub positioning: String,
    pub no_positioning: String,
    pub kit_progress: String,
    pub qr_until: String,
    pub qr_expired: String,
    pub launched: String,
    pub no_template: String,
    pub positioning_missing: String,
    pub not_launched: String,
    pub unknown_phase: String,
    pub unknown_item: String,
    pub bad_days: String,
    pub plan_nothing: String,
    pub plan_saved: String,
    pub kit_done: String,
    pub kit_undone: String,
    pub kit_text_saved: String,
    pub kit_no_text: String,
    pub kit_empty_text: String,
    pub qr_saved: String,
    pub qr_no_expiry: String,
    pub qr_past: String,
    pub answers_imported: String,
    pub col_group: String,
    pub col_phase: String,
    pub col_dates: String,
    pub col_state: String,
    pub col_metric: String,
    pub col_bar: String,
    pub col_next: String,
    pub col_kit: String,
    pub col_item: String,
    pub col_expires: String,
    pub col_text: String,
    pub hint: String,
    // the console's launch form and a group's launch detail
    pub form_title: String,
    pub form_name: String,
    pub form_kind: String,
    pub form_platform: String,
    pub form_positioning: String,
    pub form_start: String,
    pub form_positioning_help: String,
    pub form_kind_help: String,
    pub form_hint: String,
    pub form_sending: String,
    pub form_no_name: String,
    pub form_name_taken: String,
    pub form_no_kind: String,
    pub form_bad_start: String,
    pub detail_title: String,
    pub detail_meta: String,
    pub detail_kit: String,
    pub detail_done_by: String,
    pub detail_no_text: String,
    pub detail_copied: String,
}

impl LaunchTexts {
    /// A word's text in one of the maps, or the word itself.
    pub fn of<'a>(map: &'a BTreeMap<String, String>, word: &'a str) -> &'a str {
        map.get(word).map_or(word, String::as_str)
    }

    /// The next step in words (`⚠ 引流期逾期(应于 2026-03-01):多渠道投放…`): the first
    /// phase not passed with its state, first day and target date; None: all passed.
    pub fn next_step(
        &self,
        next: Option<(
            crate::domain::launch::Phase,
            crate::domain::launch::State,
            chrono::NaiveDate,
            chrono::NaiveDate,
        )>,
    ) -> String {
        use crate::domain::launch::State;
        let Some((phase, state, from, due)) = next else {
            return self.all_passed.clone();
        };
        let template = match state {
            State::Late => &self.next_late,
            State::Ahead => &self.next_ahead,
            _ => &self.next_current,
        };
        fill(
            template,
            &[
                ("phase", &Self::of(&self.phases, phase.word())),
                ("due", &due),
                ("from", &from),
                ("step", &Self::of(&self.steps, phase.word())),
            ],
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstRunTexts {
    /// The three next steps ({db}: ` --db PATH` when it is not the default database).
    pub steps: String,
    /// Above the steps in a console with no groups.
    pub no_groups: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TabTexts {
    pub today: String,
    pub members: String,
    pub content: String,
    pub kpi: String,
    pub reminders: String,
    pub risk: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusTexts {
    pub db: String,
    pub operator: String,
    pub online: String,
    pub alone: String,
    pub due: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeekdayTexts {
    pub names: [String; 7],
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TodayTexts {
    pub title: String,
    pub progress: String,
    pub col_slot: String,
    pub col_group: String,
    pub col_title: String,
    pub col_state: String,
    pub col_by: String,
    pub empty: String,
    pub walk_nothing: String,
    pub walk_done: String,
    pub copied: String,
    pub all_groups: String,
    pub walk_title: String,
    pub skip_prompt: String,
    pub note_prompt: String,
    pub assign_title: String,
    pub group_title: String,
    pub calendar_title: String,
    /// The calendar's legend: no item missed, up to a fifth, more.
    pub calendar_good: String,
    pub calendar_some: String,
    pub calendar_bad: String,
    pub panel_groups: String,
    pub panel_on_time: String,
    pub filter_mine: String,
    pub filter_undone: String,
    pub missed: String,
    pub script: String,
    pub quota_warn: String,
    pub saved_override: String,
    pub retime_prompt: String,
    pub editor_title: String,
    pub editor_hint: String,
    pub apply_title: String,
    pub over_quota: String,
    pub content_row: String,
    pub now_row: String,
    pub detail_assignee: String,
    pub detail_claimed: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembersTexts {
    /// In the detail's group lines: since when ({date}), until when.
    pub detail_joined: String,
    pub detail_left: String,
    pub title: String,
    pub col_name: String,
    pub col_group: String,
    pub col_tier: String,
    pub col_last: String,
    pub col_30d: String,
    pub col_reason: String,
    pub never: String,
    pub days_ago: String,
    pub today: String,
    pub empty: String,
    pub reason_left: String,
    pub reason_new: String,
    pub reason_core: String,
    pub reason_active: String,
    pub reason_silent: String,
    pub reason_silent_never: String,
    pub reason_potential_never: String,
    pub reason_potential: String,
    pub all: String,
    pub bad_days: String,
    pub bad_points: String,
    pub prompt_silent: String,
    pub prompt_tag: String,
    pub prompt_note: String,
    pub prompt_points: String,
    pub prompt_sanction: String,
    pub detail_title: String,
    pub detail_groups: String,
    pub detail_tags: String,
    pub detail_points: String,
    pub detail_orders: String,
    pub detail_rfm: String,
    pub detail_sanctions: String,
    pub detail_identity: String,
    pub detail_aliases: String,
    pub detail_30d: String,
    pub detail_note: String,
    pub filter_silent: String,
    pub filter_invert: String,
    pub pick_tier: String,
    pub pick_group: String,
    pub pick_tag: String,
    pub pick_sanction: String,
    pub pick_identity: String,
    pub structure: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentTexts {
    pub title: String,
    pub col_state: String,
    pub col_title: String,
    pub col_kind: String,
    pub col_form: String,
    pub col_slot: String,
    pub col_owner: String,
    pub empty: String,
    pub col_groups: String,
    pub all_groups: String,
    pub new_title: String,
    pub edit_title: String,
    pub f_title: String,
    pub f_kind: String,
    pub f_form: String,
    pub f_column: String,
    pub f_groups: String,
    pub f_slot: String,
    pub f_tags: String,
    pub f_owner: String,
    pub f_body: String,
    pub material: String,
    pub form_hint: String,
    pub groups_hint: String,
    pub slot_hint: String,
    pub hits: String,
    pub title_required: String,
    pub unknown_groups: String,
    pub groups_loading: String,
    pub bad_slot: String,
    pub discard: String,
    pub stale: String,
    pub rescued_in: String,
    pub not_editable: String,
    pub not_in_review: String,
    /// Reviewing one's own item under `[content] review_by_other`: the console's status
    /// line (short: it is not cut) and the command line's refusal.
    pub own_review: String,
    pub own_review_cli: String,
    pub not_published: String,
    pub review_title: String,
    pub check_compliance: String,
    pub check_fit: String,
    pub check_appeal: String,
    pub pass: String,
    pub fail: String,
    pub note: String,
    pub override_reason: String,
    pub author: String,
    pub blocked: String,
    pub review_hint: String,
    pub verdict_approve: String,
    pub verdict_reject: String,
    pub results_title: String,
    pub r_opens: String,
    pub r_forwards: String,
    pub r_replies: String,
    pub r_clicks: String,
    pub r_orders: String,
    pub results_hint: String,
    pub not_a_number: String,
    pub week_title: String,
    pub pushes: String,
    pub over_posting: String,
    pub conflict: String,
    pub nothing_planned: String,
    pub mix_title: String,
    pub mix_7: String,
    pub mix_30: String,
    pub mix_none: String,
    pub weekly_title: String,
    pub weekly_drop: String,
    pub weekly_top: String,
    pub weekly_traits: String,
    pub score: String,
    pub weekly_empty: String,
    pub detail_reviews: String,
    pub detail_results: String,
    pub detail_reject: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiTexts {
    /// One open alert in a group's detail ({what} {line} {since} {step} {who}).
    pub detail_alert: String,
    pub title: String,
    pub col_rank: String,
    pub col_group: String,
    pub col_stage: String,
    pub col_members: String,
    pub col_health: String,
    pub col_value: String,
    pub col_wow: String,
    pub col_trend: String,
    pub col_key: String,
    pub col_alerts: String,
    pub all_groups: String,
    pub empty: String,
    pub alerts_title: String,
    pub unassigned: String,
    pub alert_run: String,
    pub detail_title: String,
    pub detail_key: String,
    pub detail_other: String,
    pub detail_age: String,
    pub detail_health: String,
    pub detail_cols: String,
    pub form_title: String,
    pub form_day: String,
    pub form_metric: String,
    pub form_value: String,
    pub form_hint: String,
    pub bad_day: String,
    pub bad_value: String,
    pub future_day: String,
    pub saved: String,
    pub pick_group: String,
}

/// `shequn report daily` (Markdown for a work chat).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportTexts {
    pub title: String,
    pub checklist: String,
    pub missed: String,
    pub group_line: String,
    pub operators: String,
    pub operator_line: String,
    pub none: String,
    pub alerts: String,
    pub alert_line: String,
    pub alert_step: String,
    pub assignee: String,
    pub recovered: String,
    pub reminders: String,
    pub reminder_line: String,
    pub movers: String,
    pub mover_line: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemindersTexts {
    pub title: String,
    pub col_due: String,
    pub col_title: String,
    pub col_group: String,
    pub col_state: String,
    pub col_for: String,
    pub everyone: String,
    pub empty: String,
    pub sec_due: String,
    pub sec_snoozed: String,
    pub sec_upcoming: String,
    pub sec_done: String,
    pub lead_before: String,
    pub lead_at: String,
    pub lead_after: String,
    pub countdown: String,
    pub content: String,
    pub review: String,
    pub alert: String,
    /// A level-1 risk incident ({title}: the task's).
    pub risk: String,
    pub member_new: String,
    pub member_recall: String,
    pub toast_title: String,
    pub toast_groups: String,
    pub toast_people: String,
    pub toast_items: String,
    pub toast_more: String,
    pub prompt_add: String,
    pub pick_snooze: String,
    pub minutes: String,
    pub bad_when: String,
    pub no_title: String,
    pub added: String,
    pub dismissed: String,
    pub snoozed: String,
    pub col_source: String,
    pub col_fired: String,
    pub col_until: String,
    pub col_by: String,
    pub col_note: String,
    /// A bundle's line: member warnings of one kind without a name.
    pub member_new_all: String,
    pub member_recall_all: String,
    /// The review queue's line.
    pub review_all: String,
    /// A bundle: "{text} · {n} 人" (members), "{text} · {n} 项" (reviews, alerts), "{text} ·
    /// {n} 个群" (one step in several groups).
    pub bundle_people: String,
    pub bundle_items: String,
    pub bundle_groups: String,
    /// A bundle dealt with at once.
    pub dismissed_n: String,
    pub snoozed_n: String,
    /// `remind dismiss|snooze --kind …`: an unknown kind, nothing matching.
    pub bad_kind: String,
    pub none_due: String,
    /// Reminder kinds (`new_silent`, `review`, ...) → their name, also accepted by
    /// `--kind`.
    pub kinds: BTreeMap<String, String>,
    /// Reminder sources (`sop`, `content`, ...) → display text.
    pub sources: BTreeMap<String, String>,
    /// KPI alert rules (`dau_low`, ...) → what they mean; an unknown rule shows as is.
    pub alert_rules: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesTexts {
    /// The status bar's mark for a console that writes nothing.
    pub badge: String,
    pub read_only: String,
    pub forbidden: String,
    pub forbidden_unknown: String,
    pub not_operator: String,
    pub no_owner: String,
    pub last_owner: String,
    /// Role words (`owner`, ...) → their names.
    pub names: BTreeMap<String, String>,
    /// Kinds of write (`data/roles.toml`'s keys) → what they are.
    pub perms: BTreeMap<String, String>,
}

/// The commands (not the console): table headers, the words around values, refusals.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CliTexts {
    /// No database yet ({db}): the first run.
    pub no_database: String,
    /// A `--group` no group has ({name}).
    pub unknown_group: String,
    /// `remind dismiss`/`snooze` with neither an id nor --kind/--group ({kinds}).
    pub remind_which: String,
    /// A flag's value that is none of its choices ({flag}, {value}, {choices}).
    pub bad_choice: String,
    /// GBK could not hold some characters ({n} cells, first at {row}: {cell}).
    pub gbk_replaced: String,
    /// A change of a share, in percentage points ({d}: `▼0.7`).
    pub pp: String,
    /// `content week`: the week's heading ({monday}).
    pub week_of: String,
    /// `content week`: before the day's best times.
    pub best: String,
    /// `content week`: pushes per day.
    pub pushes: String,
    /// `content review-week`: the heading ({from}, {to}).
    pub review_week: String,
    pub review_top: String,
    pub review_drop: String,
    /// `sop today`: who is on an item ({login}).
    pub on_it: String,
    /// `shequn kpi`: an open alert ({group}, {rule}, {since}, {value}, {step},
    /// {assignee}).
    pub alert_line: String,
    /// `group add`: the new group ({id}, {name}).
    pub group_added: String,
    /// `group edit` ({name}).
    pub group_updated: String,
    /// `operator add` ({login}, {role}).
    pub operator_set: String,
    /// `operator remove` ({login}).
    pub operator_removed: String,
    /// Not a login name ({login}).
    pub not_login: String,
    /// An alert the command opened ({group}, {rule}, {detail}, {since}, {task}).
    pub alert_opened: String,
    /// An alert the command closed ({group}, {rule}).
    pub alert_closed: String,
    /// An empty roster ({file}).
    pub roster_empty: String,
    /// A roster that would mark too many as left ({file}, {leaving}, {present}, {group}, {limit}).
    pub roster_too_many: String,
    /// The team's limit ({percent}, {max}).
    pub roster_limit_share: String,
    /// The --allow-leaves limit ({n}).
    pub roster_limit_allowed: String,
    /// `--dry-run`: the first line ({file}, {format}, {group}, {read}).
    pub dry_head: String,
    /// Who would join ({n}, {names}).
    pub dry_join: String,
    /// Who would leave ({n}, {present}, {percent}, {names}).
    pub dry_leave: String,
    /// ({n}).
    pub dry_unchanged: String,
    /// ({n}).
    pub dry_new: String,
    /// The import would be refused ({max}, {n}).
    pub dry_refused: String,
    /// The import would go through.
    pub dry_passes: String,
    /// After the first names ({n}).
    pub and_more: String,
    /// `content show`: the item's version ({n}).
    pub show_version: String,
    /// `content show`: the label of the last change.
    pub show_updated: String,
    /// `content show`: the lesson learned.
    pub show_lesson: String,
    /// `content show --format csv`.
    pub show_no_csv: String,
    /// An item with blocked words ({id}, {words}).
    pub blocked_warning: String,
    /// `shequn demo` ({db}, {groups}, {members}, {days}, {content}, {reminders}).
    pub demo_wrote: String,
    /// Column keys (the English words JSON and CSV use) → table headers.
    pub headers: BTreeMap<String, String>,
}

/// `shequn settings …`: the team's thresholds and rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsTexts {
    pub col_key: String,
    pub col_value: String,
    pub col_source: String,
    pub default: String,
    pub default_value: String,
    pub set_by: String,
    pub set: String,
    pub unchanged: String,
    pub unset: String,
    pub not_set: String,
    pub imported: String,
    pub empty_file: String,
    pub file_error: String,
    pub unknown_key: String,
    pub did_you_mean: String,
    pub section: String,
    pub bad_value: String,
    pub bad_value_new: String,
    pub needed: String,
    pub export_header: String,
    pub export_empty: String,
    /// Personal rule and keyword files from before team settings: said once.
    pub notice: String,
    /// The same, shorter, for the console's status line.
    pub notice_console: String,
    pub reloaded: String,
}

/// The database's files (issue 13): a read-only file, directory, side file or mount,
/// a full disk, a database the user may not read — with the path, cause and fix.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesTexts {
    pub read_only_file: String,
    pub read_only_file_fix_mine: String,
    pub read_only_file_fix_other: String,
    pub read_only_side: String,
    pub read_only_dir: String,
    pub read_only_dir_fix_mine: String,
    pub read_only_dir_fix_other: String,
    pub read_only_mount: String,
    pub disk_full: String,
    pub no_access: String,
    pub no_access_mode: String,
    pub admins: String,
}

/// `shequn keywords …`: the team's keyword lists.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordsTexts {
    pub col_category: String,
    pub col_word: String,
    pub col_state: String,
    pub col_by: String,
    pub col_at: String,
    pub shipped: String,
    pub added_state: String,
    pub removed_state: String,
    pub added: String,
    pub removed: String,
    pub already: String,
    pub imported: String,
    pub empty_file: String,
    pub file_error: String,
    pub not_listed: String,
    pub bad_word: String,
    pub word_empty: String,
    pub word_long: String,
    pub word_hash: String,
    pub word_control: String,
    pub bad_category: String,
    pub bad_exception: String,
    pub on_no_list: String,
    pub except_added: String,
    pub except_removed: String,
    pub except_already: String,
    pub col_level: String,
    pub col_messages: String,
    pub col_groups: String,
    pub col_members: String,
    pub col_clean: String,
    pub col_group: String,
    pub col_scanned: String,
    pub proposed: String,
    pub test_summary: String,
    pub test_none: String,
    pub test_words: String,
    pub test_samples: String,
    pub test_groups: String,
    pub test_false: String,
    pub test_false_none: String,
    pub test_false_line: String,
    pub line_no_word: String,
    pub line_bad_level: String,
    pub line_context: String,
    pub line_nothing: String,
    /// List slugs (`ad`, …) → their names; an unknown one shows as its slug.
    pub categories: BTreeMap<String, String>,
}

/// `shequn risk` (issue 15).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskTexts {
    pub empty: String,
    /// Under the queue ({days}, {detect}, {dn}, {dj}, {dt}, {backfill}, {review}, {rn},
    /// {rj}, {rt}).
    pub on_time: String,
    /// A pending incident's wait ({t}).
    pub waiting: String,
    pub secs: String,
    pub mins: String,
    pub hours: String,
    pub days: String,
    /// Around the word in the evidence.
    pub mark_open: String,
    pub mark_close: String,
    pub show_title: String,
    pub show_where: String,
    pub show_word: String,
    pub show_evidence: String,
    pub show_clock: String,
    pub show_action: String,
    pub show_record: String,
    pub no_record: String,
    pub suggest: String,
    pub acted: String,
    pub reviewed: String,
    pub member_acted: String,
    pub handled: String,
    pub need_reason: String,
    pub need_member: String,
    pub member_action: String,
    pub member_group: String,
    pub unknown_member: String,
    pub ambiguous_member: String,
    pub bad_id: String,
    pub bad_level: String,
    pub bad_action: String,
    pub not_found: String,
    pub usage: String,
    pub except_dismiss_only: String,
    pub except_no_word: String,
    pub except_added: String,
    // the Risk tab (6): its queue, panel, detail, prompts and the word preview
    pub tab_title: String,
    pub tab_pending: String,
    pub tab_level_n: String,
    pub tab_review_share: String,
    pub tab_empty: String,
    pub col_level: String,
    pub col_state: String,
    pub col_group: String,
    pub col_member: String,
    pub col_word: String,
    pub col_evidence: String,
    pub col_clock: String,
    pub tab_handled: String,
    pub tab_stale: String,
    pub tab_no_member: String,
    pub tab_no_group: String,
    pub tab_need_reason: String,
    pub tab_excepted: String,
    pub tab_not_excepted: String,
    pub tab_word_added: String,
    pub tab_word_already: String,
    pub prompt_reason: String,
    pub prompt_except: String,
    pub prompt_word: String,
    pub panel_words: String,
    pub panel_words_line: String,
    pub panel_dismissed: String,
    pub panel_no_words: String,
    pub panel_ads: String,
    pub panel_no_ads: String,
    pub panel_on_time: String,
    pub panel_detect: String,
    pub panel_review: String,
    pub panel_backfill: String,
    pub detail_title: String,
    pub d_incident: String,
    pub d_where: String,
    pub d_word: String,
    pub d_evidence: String,
    pub d_clock: String,
    pub d_clock_line: String,
    pub d_action: String,
    pub d_record: String,
    pub d_record_line: String,
    pub d_blacklisted: String,
    pub d_next: String,
    pub d_next_line: String,
    pub d_none: String,
    pub preview_title: String,
    pub preview_summary: String,
    pub preview_clean: String,
    pub preview_none: String,
    pub preview_known: String,
    pub preview_samples: String,
    pub preview_keys: String,
    /// "1" → what level 1 calls for.
    pub levels: BTreeMap<String, String>,
    /// review and the actions' words → names.
    pub actions: BTreeMap<String, String>,
    pub states: BTreeMap<String, String>,
    /// The clock against a target: on_time, late, running, exempt.
    pub judged: BTreeMap<String, String>,
    /// What opened an incident (message, content, rejoin, manual), and the re-join's
    /// category (blacklist).
    pub sources: BTreeMap<String, String>,
}

/// `shequn doctor`: what each check says and how to fix it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoctorTexts {
    pub ok: String,
    pub warn: String,
    pub fail: String,
    pub fix: String,
    pub summary: String,
    pub hours: String,
    pub days: String,
    pub absent: String,
    pub db_missing: String,
    pub db_missing_fix: String,
    pub db_unreadable: String,
    pub db_unreadable_fix: String,
    pub fs_ok: String,
    pub fs_unchecked: String,
    pub fs_bad: String,
    pub fs_bad_fix: String,
    pub schema_ok: String,
    pub schema_older: String,
    pub schema_older_fix: String,
    pub schema_newer: String,
    pub schema_newer_fix: String,
    pub journal_ok: String,
    pub journal_bad: String,
    pub journal_bad_fix: String,
    pub integrity_ok: String,
    pub integrity_bad: String,
    pub integrity_bad_fix: String,
    pub fk_ok: String,
    pub fk_bad: String,
    pub fk_bad_fix: String,
    pub ops_ok: String,
    pub ops_none: String,
    pub ops_gone: String,
    pub ops_gone_fix: String,
    pub mode_personal: String,
    pub mode_team: String,
    pub mode_guarded: String,
    pub binary_ok: String,
    pub binary_not_setgid: String,
    pub binary_not_setgid_fix: String,
    pub binary_group: String,
    pub binary_group_fix: String,
    pub binary_writable: String,
    pub binary_writable_fix: String,
    pub member_of_group: String,
    pub member_of_group_fix: String,
    pub dir_ok: String,
    pub dir_bad: String,
    pub dir_bad_fix: String,
    pub file_ok: String,
    pub file_bad: String,
    pub file_bad_fix: String,
    pub disk_ok: String,
    pub disk_low: String,
    pub disk_low_fix: String,
    pub wal_ok: String,
    pub wal_big: String,
    pub wal_big_fix: String,
    pub backup_ok: String,
    pub backup_old: String,
    pub backup_none: String,
    pub backup_fix: String,
    pub tz_ok: String,
    pub tz_default: String,
    pub tz_env: String,
    pub tz_bad_fix: String,
    pub term_ok: String,
    pub term_bad: String,
    pub term_bad_fix: String,
    pub locale_bad: String,
    pub locale_bad_fix: String,
    pub names: DoctorNames,
}

/// The checks' names as the report shows them (JSON keeps the English ids).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoctorNames {
    pub database: String,
    pub filesystem: String,
    pub schema: String,
    pub journal_mode: String,
    pub quick_check: String,
    pub foreign_keys: String,
    pub operators: String,
    pub mode: String,
    pub binary: String,
    pub service_group: String,
    pub directory: String,
    pub file: String,
    pub wal_file: String,
    pub shm_file: String,
    pub disk: String,
    pub wal_size: String,
    pub backup: String,
    pub timezone: String,
    pub terminal: String,
}

impl DoctorNames {
    /// The name of a check by its id.
    pub fn get(&self, id: &str) -> Option<&str> {
        Some(match id {
            "database" => &self.database,
            "filesystem" => &self.filesystem,
            "schema" => &self.schema,
            "journal_mode" => &self.journal_mode,
            "quick_check" => &self.quick_check,
            "foreign_keys" => &self.foreign_keys,
            "operators" => &self.operators,
            "mode" => &self.mode,
            "binary" => &self.binary,
            "service_group" => &self.service_group,
            "directory" => &self.directory,
            "file" => &self.file,
            "wal_file" => &self.wal_file,
            "shm_file" => &self.shm_file,
            "disk" => &self.disk,
            "wal_size" => &self.wal_size,
            "backup" => &self.backup,
            "timezone" => &self.timezone,
            "terminal" => &self.terminal,
            _ => return None,
        })
    }
}

const ZH_SRC: &str = include_str!("../data/i18n/zh.toml");
const EN_SRC: &str = include_str!("../data/i18n/en.toml");

fn parse(name: &str, src: &str) -> Texts {
    // The files are compiled in and checked by a unit test, so a parse failure here is
    // a build defect, not bad user input.
    toml::from_str(src).unwrap_or_else(|e| panic!("data/i18n/{name}.toml is invalid: {e}"))
}

static ZH: LazyLock<Texts> = LazyLock::new(|| parse("zh", ZH_SRC));
static EN: LazyLock<Texts> = LazyLock::new(|| parse("en", EN_SRC));

impl Lang {
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

impl Texts {
    /// Display text for a stable enumeration word; the word itself if unknown, so new
    /// values from a newer database still show something meaningful.
    pub fn enum_text<'a>(&'a self, word: &'a str) -> &'a str {
        self.enums.get(word).map_or(word, String::as_str)
    }

    pub fn action_text<'a>(&'a self, action: &'a str) -> &'a str {
        self.actions.get(action).map_or(action, String::as_str)
    }

    /// Why a member is in their tier, from the stored reason (JSON of
    /// `domain::tiers::Reason`); text that is not such JSON is shown as it is.
    pub fn tier_reason(&self, stored: &str) -> String {
        use crate::domain::tiers::Reason;
        let t = &self.members;
        match serde_json::from_str::<Reason>(stored) {
            Ok(Reason::Left { days }) => fill(&t.reason_left, &[("days", &days)]),
            Ok(Reason::New { hours }) => fill(&t.reason_new, &[("hours", &hours)]),
            Ok(Reason::Core { weeks, avg }) => {
                fill(&t.reason_core, &[("weeks", &weeks), ("avg", &avg)])
            }
            Ok(Reason::Active { n }) => fill(&t.reason_active, &[("n", &n)]),
            Ok(Reason::Silent { days }) => fill(&t.reason_silent, &[("days", &days)]),
            Ok(Reason::SilentNever { days }) => fill(&t.reason_silent_never, &[("days", &days)]),
            Ok(Reason::PotentialNever { days }) => {
                fill(&t.reason_potential_never, &[("days", &days)])
            }
            Ok(Reason::Potential { n }) => fill(&t.reason_potential, &[("n", &n)]),
            Err(_) => stored.to_string(),
        }
    }

    /// What a reminder says, in this language: its title and what kind of reminder it
    /// is ("08:30 早安问候 · 还有 10 分钟", "待审核: 3 月会员日福利"). Stored titles are
    /// the data's own words; everything around them is said here.
    pub fn reminder_text(
        &self,
        source: &str,
        kind: Option<&str>,
        title: &str,
        lead_min: Option<i64>,
        due: bool,
        tiers: &crate::domain::tiers::TierRules,
    ) -> String {
        let t = &self.reminders;
        // a due reminder says how it stands now ("还有 10 分钟", "到点了"); one still to
        // come (Soon, snoozed) says nothing of now — "到点了" under Soon reads wrong — and
        // its time is in the text ("09:05 早安") and beside it (when it comes)
        let lead = |text: String| match lead_min {
            _ if !due => text,
            Some(m) if m < 0 => format!("{text} · {}", fill(&t.lead_before, &[("n", &-m)])),
            Some(0) => format!("{text} · {}", t.lead_at),
            Some(m) => format!("{text} · {}", fill(&t.lead_after, &[("n", &m)])),
            None => text,
        };
        match (source, kind) {
            ("countdown", Some(days)) => fill(&t.countdown, &[("title", &title), ("n", &days)]),
            ("content", _) => lead(fill(&t.content, &[("title", &title)])),
            ("review", _) => fill(&t.review, &[("title", &title)]),
            ("alert", _) => {
                let rule = t.alert_rules.get(title).map_or(title, String::as_str);
                fill(&t.alert, &[("title", &rule)])
            }
            ("risk", _) => fill(&t.risk, &[("title", &title)]),
            ("member", Some("new_silent")) => fill(
                &t.member_new,
                &[("name", &title), ("days", &tiers.new_silence_warn_days)],
            ),
            ("member", Some("recall")) => fill(
                &t.member_recall,
                &[("name", &title), ("days", &tiers.silent_days)],
            ),
            ("sop", _) => lead(title.to_string()),
            _ => title.to_string(),
        }
    }

    /// A bundle of `n` reminders of one kind and day as one line: "新人 3 天未发言,私聊
    /// 激活 · 28 人", "内容待审核 · 4 项", "15:00 互动话题 · 到点了 · 2 个群". `groups`:
    /// how many groups the bundle spans (for the SOP, countdown and content kinds).
    #[allow(clippy::too_many_arguments)]
    pub fn bundle_text(
        &self,
        source: &str,
        kind: Option<&str>,
        title: &str,
        lead_min: Option<i64>,
        due: bool,
        n: usize,
        groups: usize,
        tiers: &crate::domain::tiers::TierRules,
    ) -> String {
        let t = &self.reminders;
        match (source, kind) {
            ("member", Some("new_silent")) => {
                let text = fill(&t.member_new_all, &[("days", &tiers.new_silence_warn_days)]);
                fill(&t.bundle_people, &[("text", &text), ("n", &n)])
            }
            ("member", Some("recall")) => {
                let text = fill(&t.member_recall_all, &[("days", &tiers.silent_days)]);
                fill(&t.bundle_people, &[("text", &text), ("n", &n)])
            }
            ("review", _) => fill(&t.bundle_items, &[("text", &t.review_all), ("n", &n)]),
            _ => {
                let text = self.reminder_text(source, kind, title, lead_min, due, tiers);
                if groups > 1 {
                    fill(&t.bundle_groups, &[("text", &text), ("n", &groups)])
                } else {
                    fill(&t.bundle_items, &[("text", &text), ("n", &n)])
                }
            }
        }
    }

    /// A kind as `remind … --kind` takes it: the stable word (`new_silent`) or its name
    /// in either language (`新人未发言`), case aside. None: no such kind.
    pub fn reminder_kind(word: &str) -> Option<&'static str> {
        let w = word.trim().to_lowercase();
        [Lang::Zh, Lang::En].into_iter().find_map(|l| {
            l.texts()
                .reminders
                .kinds
                .iter()
                .find(|(k, v)| k.to_lowercase() == w || v.to_lowercase() == w)
                .map(|(k, _)| k.as_str())
        })
    }

    /// The kinds `--kind` takes, as this language names them: "new_silent (新人未发言), …".
    pub fn reminder_kinds(&self) -> String {
        self.reminders
            .kinds
            .iter()
            .map(|(k, v)| {
                if k == v {
                    k.clone()
                } else {
                    format!("{k} ({v})")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A role's name in this language.
    pub fn role_name(&self, role: Role) -> &str {
        self.roles
            .names
            .get(role.word())
            .map_or(role.word(), String::as_str)
    }

    /// Why a write was refused for want of a role, and for a login the team has not
    /// added, who adds them and with which command.
    pub fn forbidden(&self, f: &Forbidden) -> String {
        let t = &self.roles;
        let what = t
            .perms
            .get(f.perm.word())
            .map_or(f.perm.word(), String::as_str);
        fill(
            if f.unknown {
                &t.forbidden_unknown
            } else {
                &t.forbidden
            },
            &[
                ("what", &what),
                ("needs", &self.role_name(f.needs)),
                ("login", &f.login),
                ("role", &self.role_name(f.role)),
                ("owners", &self.owners(&f.owners)),
                ("command", &f.add_command()),
            ],
        )
    }

    fn owners(&self, owners: &[String]) -> String {
        if owners.is_empty() {
            self.roles.no_owner.clone()
        } else {
            owners.join(", ")
        }
    }

    /// A login that is not in `operators` on a team database: who can add them, and the
    /// command (filled with their login).
    pub fn not_operator(&self, login: &str, owners: &[String], command: &str) -> String {
        let owners = self.owners(owners);
        fill(
            &self.roles.not_operator,
            &[
                ("login", &login),
                ("owners", &owners),
                ("command", &command),
            ],
        )
    }

    /// Monday = 0.
    pub fn weekday(&self, wd: chrono::Weekday) -> &str {
        &self.weekday.names[wd.num_days_from_monday() as usize]
    }
}

/// Fill `{name}` placeholders. Unknown placeholders are left as they are.
impl Texts {
    /// A keyword list's name in this language.
    pub fn category(&self, c: crate::domain::keywords::Category) -> String {
        self.keywords
            .categories
            .get(c.word())
            .cloned()
            .unwrap_or_else(|| c.word().to_string())
    }

    /// Every list, for a refusal: `ad (广告), fraud (诈骗), sensitive (敏感)`.
    pub fn category_choices(&self) -> String {
        use crate::domain::keywords::Category;
        Category::ALL
            .into_iter()
            .map(|c| format!("{} ({})", c.word(), c.zh()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Why a setting or a keyword change was refused, in this language.
    pub fn settings_error(&self, e: &crate::domain::settings::SettingsError) -> String {
        use crate::domain::settings::{MAX_WORD_CHARS, SettingsError, WordProblem};
        let (s, k) = (&self.settings, &self.keywords);
        match e {
            SettingsError::UnknownKey { key, suggestion } => {
                let mut out = fill(&s.unknown_key, &[("key", key)]);
                if let Some(near) = suggestion {
                    out.push_str(" — ");
                    out.push_str(&fill(&s.did_you_mean, &[("key", near)]));
                }
                out
            }
            SettingsError::Section { key, keys } => {
                fill(&s.section, &[("key", key), ("keys", &keys.join(", "))])
            }
            SettingsError::BadValue {
                key,
                value,
                reason,
                default,
            } => match default {
                Some(d) => fill(
                    &s.bad_value,
                    &[
                        ("key", key),
                        ("value", value),
                        ("reason", reason),
                        ("default", d),
                    ],
                ),
                None => fill(
                    &s.bad_value_new,
                    &[("key", key), ("value", value), ("reason", reason)],
                ),
            },
            SettingsError::Needed { key, reason } => {
                fill(&s.needed, &[("key", key), ("reason", reason)])
            }
            SettingsError::BadWord { word, problem } => {
                let problem = match problem {
                    WordProblem::Empty => k.word_empty.clone(),
                    WordProblem::TooLong => fill(&k.word_long, &[("max", &MAX_WORD_CHARS)]),
                    WordProblem::Hash => k.word_hash.clone(),
                    WordProblem::Control => k.word_control.clone(),
                };
                fill(
                    &k.bad_word,
                    &[("word", &format!("{word:?}")), ("problem", &problem)],
                )
            }
            SettingsError::NotListed { category, word } => fill(
                &k.not_listed,
                &[
                    ("word", word),
                    ("category", &self.category(*category)),
                    ("slug", &category.word()),
                ],
            ),
            SettingsError::BadException { word, context } => {
                fill(&k.bad_exception, &[("word", word), ("context", context)])
            }
        }
    }
}

/// Bytes as a person reads them: 0 B, 512 B, 31.5 KiB, 2.0 MiB, 3.4 GiB.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

impl Texts {
    /// A file or disk problem in words: the path, the cause, the fix.
    pub fn file_problem(&self, p: &crate::disk::FileProblem) -> String {
        use crate::disk::FileProblem;
        let t = &self.files;
        let login = crate::disk::user_name(crate::disk::my_uid());
        let mode = |m: &u32| format!("{m:04o}");
        match p {
            FileProblem::ReadOnlyFile {
                path,
                mode: m,
                owner,
                mine,
            } => {
                let path = path.display();
                let fix_t = if *mine {
                    &t.read_only_file_fix_mine
                } else {
                    &t.read_only_file_fix_other
                };
                let fix = fill(fix_t, &[("path", &path), ("owner", owner)]);
                fill(
                    &t.read_only_file,
                    &[
                        ("path", &path),
                        ("login", &login),
                        ("mode", &mode(m)),
                        ("owner", owner),
                        ("fix", &fix),
                    ],
                )
            }
            FileProblem::ReadOnlySide {
                path,
                mode: m,
                owner,
            } => fill(
                &t.read_only_side,
                &[
                    ("path", &path.display()),
                    ("mode", &mode(m)),
                    ("owner", owner),
                ],
            ),
            FileProblem::ReadOnlyDir {
                dir,
                mode: m,
                owner,
                mine,
            } => {
                let dir = dir.display();
                let fix_t = if *mine {
                    &t.read_only_dir_fix_mine
                } else {
                    &t.read_only_dir_fix_other
                };
                let fix = fill(fix_t, &[("dir", &dir), ("owner", owner)]);
                fill(
                    &t.read_only_dir,
                    &[
                        ("dir", &dir),
                        ("login", &login),
                        ("mode", &mode(m)),
                        ("owner", owner),
                        ("fix", &fix),
                    ],
                )
            }
            FileProblem::ReadOnlyMount { path } => {
                fill(&t.read_only_mount, &[("path", &path.display())])
            }
            FileProblem::DiskFull { path, dir, free } => fill(
                &t.disk_full,
                &[
                    ("path", &path.display()),
                    ("dir", &dir.display()),
                    ("free", &bytes(*free)),
                ],
            ),
            FileProblem::NoAccess {
                path,
                blocked,
                mode: m,
                owner,
                group,
                login,
                in_group,
                admins,
            } => {
                let admins = fill(&t.admins, &[("names", &admins.join(", "))]);
                // the group's bits would let them in (read a file, enter a directory):
                // being in the group is the fix; else the mode is
                let group_bit = if blocked == path { 0o040 } else { 0o010 };
                let template = if !in_group && m & group_bit != 0 {
                    &t.no_access
                } else {
                    &t.no_access_mode
                };
                fill(
                    template,
                    &[
                        ("path", &path.display()),
                        ("blocked", &blocked.display()),
                        ("mode", &mode(m)),
                        ("owner", owner),
                        ("group", group),
                        ("login", login),
                        ("admins", &admins),
                    ],
                )
            }
        }
    }
}

pub fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = template.to_string();
    for (k, v) in args {
        out = out.replace(&format!("{{{k}}}"), &v.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::roles::Perm;

    #[test]
    fn every_file_problem_is_said_with_its_path_and_no_placeholder_left() {
        use crate::disk::FileProblem;
        use std::path::PathBuf;
        let db = PathBuf::from("/srv/team/shequn.db");
        let dir = PathBuf::from("/srv/team");
        let problems = [
            FileProblem::ReadOnlyFile {
                path: db.clone(),
                mode: 0o444,
                owner: "alice".into(),
                mine: true,
            },
            FileProblem::ReadOnlyFile {
                path: db.clone(),
                mode: 0o444,
                owner: "alice".into(),
                mine: false,
            },
            FileProblem::ReadOnlySide {
                path: PathBuf::from("/srv/team/shequn.db-shm"),
                mode: 0o444,
                owner: "alice".into(),
            },
            FileProblem::ReadOnlyDir {
                dir: dir.clone(),
                mode: 0o555,
                owner: "alice".into(),
                mine: false,
            },
            FileProblem::ReadOnlyMount { path: db.clone() },
            FileProblem::DiskFull {
                path: db.clone(),
                dir: dir.clone(),
                free: 0,
            },
            FileProblem::NoAccess {
                path: db.clone(),
                blocked: dir.clone(),
                mode: 0o2770,
                owner: "alice".into(),
                group: "shequn-team".into(),
                login: "bob".into(),
                in_group: false,
                admins: vec!["root".into(), "carol".into()],
            },
        ];
        for lang in [Lang::Zh, Lang::En] {
            for p in &problems {
                let text = lang.texts().file_problem(p);
                assert!(!text.contains('{') && !text.contains('}'), "{text}");
                assert!(text.contains("/srv/team"), "{text}");
            }
            let no_access = lang.texts().file_problem(&problems[6]);
            for want in [
                "shequn-team",
                "usermod -aG shequn-team bob",
                "carol",
                "2770",
            ] {
                assert!(no_access.contains(want), "{want}: {no_access}");
            }
        }
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(32 * 1024), "32.0 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
    }

    #[test]
    fn both_languages_parse_and_have_the_same_keys() {
        let (zh, en) = (parse("zh", ZH_SRC), parse("en", EN_SRC));
        assert_eq!(
            zh.enums.keys().collect::<Vec<_>>(),
            en.enums.keys().collect::<Vec<_>>()
        );
        assert_eq!(
            zh.actions.keys().collect::<Vec<_>>(),
            en.actions.keys().collect::<Vec<_>>()
        );
        assert_eq!(
            zh.hints.keys().collect::<Vec<_>>(),
            en.hints.keys().collect::<Vec<_>>()
        );
        // a hint names an action the keymap knows (`view.action`: that action, named so
        // in one view)
        for k in zh.hints.keys() {
            let action = k.split_once('.').map_or(k.as_str(), |(_, a)| a);
            assert!(
                zh.actions.contains_key(action),
                "hint for unknown action {k}"
            );
        }
        assert_eq!(
            zh.reminders.sources.keys().collect::<Vec<_>>(),
            en.reminders.sources.keys().collect::<Vec<_>>()
        );
        assert_eq!(
            zh.reminders.alert_rules.keys().collect::<Vec<_>>(),
            en.reminders.alert_rules.keys().collect::<Vec<_>>()
        );
        // every shipped KPI alert rule has words in the reminders (else the raw code shows)
        let rules = crate::domain::rules::Rules::shipped();
        assert_eq!(
            rules.kpi.alerts.keys().collect::<Vec<_>>(),
            en.reminders.alert_rules.keys().collect::<Vec<_>>()
        );
        for t in [&zh, &en] {
            for p in Perm::ALL {
                assert!(t.roles.perms.contains_key(p.word()), "{}", p.word());
            }
            for r in Role::ALL {
                assert!(t.roles.names.contains_key(r.word()), "{}", r.word());
            }
            assert_eq!(t.roles.perms.len(), Perm::ALL.len());
        }
        assert_eq!(
            zh.cli.headers.keys().collect::<Vec<_>>(),
            en.cli.headers.keys().collect::<Vec<_>>()
        );
        assert_eq!(zh.tabs.members, "成员");
        assert_eq!(en.tabs.members, "Members");
    }

    #[test]
    fn reminders_say_what_they_are_in_each_language() {
        let tiers = crate::domain::rules::Rules::shipped().tiers;
        let zh = parse("zh", ZH_SRC);
        let en = parse("en", EN_SRC);
        let say = |t: &Texts, s, k, title, lead| t.reminder_text(s, k, title, lead, true, &tiers);
        assert_eq!(
            say(&zh, "sop", None, "08:30 早安问候", Some(-10)),
            "08:30 早安问候 · 还有 10 分钟"
        );
        assert_eq!(
            say(&en, "sop", None, "08:30 早安问候", Some(15)),
            "08:30 早安问候 · 15 min late"
        );
        assert_eq!(
            say(&en, "sop", None, "08:30 早安问候", Some(0)),
            "08:30 早安问候 · now"
        );
        // not due yet: nothing about now, the item's time says when
        assert_eq!(
            zh.reminder_text("sop", None, "09:05 早安", Some(0), false, &tiers),
            "09:05 早安"
        );
        assert_eq!(
            en.reminder_text("sop", None, "08:30 早安问候", Some(-10), false, &tiers),
            "08:30 早安问候"
        );
        assert_eq!(
            say(&zh, "countdown", Some("3"), "19:00 会员日倒计时", Some(-10)),
            "19:00 会员日倒计时 · 还有 3 天"
        );
        assert!(say(&en, "member", Some("new_silent"), "张三", None).contains("张三"));
        assert!(say(&zh, "member", Some("recall"), "张三", None).contains("30"));
        assert!(!say(&en, "alert", None, "dau_low", None).contains("dau_low"));
        assert!(say(&en, "alert", None, "some_new_rule", None).contains("some_new_rule"));
        assert_eq!(say(&zh, "adhoc", None, "周会", None), "周会");
    }

    #[test]
    fn a_refusal_names_the_role_needed_and_who_adds_an_unknown_login() {
        let f = Forbidden {
            perm: Perm::MemberPoints,
            needs: Role::Operator,
            role: Role::Assistant,
            login: "bob".into(),
            unknown: false,
            owners: vec!["alice".into()],
            db: None,
        };
        let en = parse("en", EN_SRC);
        let zh = parse("zh", ZH_SRC);
        assert_eq!(
            en.forbidden(&f),
            "points and coupons needs the operator role; you (bob) are assistant"
        );
        assert!(zh.forbidden(&f).contains("运营官") && zh.forbidden(&f).contains("助理"));
        let unknown = Forbidden {
            role: Role::Viewer,
            unknown: true,
            ..f
        };
        for t in [&en, &zh] {
            let s = t.forbidden(&unknown);
            assert!(s.contains("alice"), "{s}");
            assert!(
                s.contains("`shequn operator add bob --role operator`"),
                "{s}"
            );
        }
    }

    #[test]
    fn settings_refusals_say_what_to_do_in_each_language() {
        use crate::domain::keywords::Category;
        use crate::domain::settings::{SettingsError, WordProblem};
        let en = parse("en", EN_SRC);
        let zh = parse("zh", ZH_SRC);
        let typo = SettingsError::UnknownKey {
            key: "kpi.dau_rate.alram".into(),
            suggestion: Some("kpi.dau_rate.alarm".into()),
        };
        assert_eq!(
            en.settings_error(&typo),
            "kpi.dau_rate.alram is not a setting; `shequn settings show` lists them — did you mean kpi.dau_rate.alarm?"
        );
        let bad = SettingsError::BadValue {
            key: "kpi.dau_rate.alarm".into(),
            value: "low".into(),
            reason: "invalid type: string \"low\", expected f64".into(),
            default: Some("0.15".into()),
        };
        assert!(zh.settings_error(&bad).contains("默认值 0.15"));
        let off = SettingsError::NotListed {
            category: Category::Fraud,
            word: "代写".into(),
        };
        assert_eq!(
            zh.settings_error(&off),
            "代写 不在诈骗词库中;`shequn keywords list --category fraud` 可查看"
        );
        let long = SettingsError::BadWord {
            word: "x".into(),
            problem: WordProblem::TooLong,
        };
        assert!(en.settings_error(&long).contains("40 characters"));
        assert_eq!(
            en.category_choices(),
            "ad (广告), fraud (诈骗), sensitive (敏感), political (政治), abuse (辱骂)"
        );
        for c in Category::ALL {
            assert!(zh.keywords.categories.contains_key(c.word()), "{c}");
            assert!(en.keywords.categories.contains_key(c.word()), "{c}");
        }
    }

    #[test]
    fn fill_replaces_placeholders() {
        assert_eq!(
            fill("完成 {done}/{total}", &[("done", &3), ("total", &9)]),
            "完成 3/9"
        );
    }
}
