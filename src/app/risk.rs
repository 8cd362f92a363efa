//! The Risk tab's logic (issue 15): the incident queue (pending first, by level and
//! age), acting on the selected incident — review, warn, mute, remove, close the group,
//! dismiss as a false positive — and adding a word to a list after seeing what it would
//! have flagged in the history.
//!
//! An action asks for its reason in a prompt that names the incident; a false positive
//! then asks for the exception's context, pre-filled with the text around the hit (an
//! empty line adds none). What the operator may not do is refused before a prompt
//! opens (`App::needs`); an incident a colleague handled meanwhile is refused by the
//! store (its `version`), and the tab reloads.
//!
//! Adding a word: `a` picks a list, the word is typed, and the store thread runs the
//! same dry-run as `shequn keywords test` over the history; the preview popup shows its
//! hits, groups and samples, and Enter saves the word (Esc does not).

use super::table::Row;
use super::{Action, App, Effect, Flash, Mode, PickerKind, PromptKind};
use crate::domain::keywords::Category;
use crate::domain::keywords::dryrun::Report;
use crate::domain::risk::{Action as Act, suggest};
use crate::i18n::fill;
use crate::store::risk::act::Step;
use crate::store::risk::{AdShare, Board, IncidentRow, MemberRecord, WordHits};

/// From this width the side panel stands beside the queue (narrower, the queue's
/// evidence and names would be cut to nothing); below it `p` shows it instead.
pub const WIDE: u16 = 150;

/// Characters either side of the hit the exception's context starts with.
const CONTEXT_CHARS: usize = 6;

/// What the Risk tab keeps beside its queue.
#[derive(Debug, Clone, Default)]
pub struct RiskState {
    /// The records of the queue's members (for the detail popup and the suggestion).
    pub records: Vec<MemberRecord>,
    pub top_words: Vec<WordHits>,
    pub ad_share: Vec<AdShare>,
    pub on_time: crate::domain::risk::OnTime,
    /// The side panel's default flipped: a wide screen shows it beside the queue
    /// unless flipped; a narrow one shows it instead of the queue when flipped.
    pub panel_flip: bool,
    /// The reason typed for a false positive, while its exception is asked for.
    pub reason: Option<String>,
    /// The word being added, once its dry-run came back.
    pub preview: Option<WordPreview>,
}

/// A word proposed for a list and what it would have flagged in the history.
#[derive(Debug, Clone, PartialEq)]
pub struct WordPreview {
    pub category: Category,
    pub word: String,
    pub report: Report,
}

impl Row for IncidentRow {
    fn key(&self) -> i64 {
        self.id
    }
    fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {} {}",
            self.group.as_deref().unwrap_or(""),
            self.member.as_deref().unwrap_or(""),
            self.keyword.as_deref().unwrap_or(""),
            self.category.as_deref().unwrap_or(""),
            self.evidence.as_deref().unwrap_or(""),
            self.state
        )
    }
}

/// The text around an incident's hit (up to [`CONTEXT_CHARS`] characters either side):
/// what a false positive's exception starts from.
pub fn context_of(r: &IncidentRow) -> String {
    let (Some(e), Some(s), Some(end)) = (r.evidence.as_deref(), r.hit_start, r.hit_end) else {
        return r.keyword.clone().unwrap_or_default();
    };
    let (Some(before), Some(hit), Some(after)) = (e.get(..s), e.get(s..end), e.get(end..)) else {
        return r.keyword.clone().unwrap_or_default();
    };
    let skip = before.chars().count().saturating_sub(CONTEXT_CHARS);
    let before: String = before.chars().skip(skip).collect();
    let after: String = after.chars().take(CONTEXT_CHARS).collect();
    format!("{before}{hit}{after}").trim().to_string()
}

impl App {
    /// Whether the side panel is on screen (beside the queue, or instead of it).
    pub fn risk_panel(&self) -> bool {
        (self.width >= WIDE) != self.risk_state.panel_flip
    }

    /// The selected incident's member's record, when it was read with the board.
    pub fn risk_record(&self, r: &IncidentRow) -> Option<&MemberRecord> {
        let m = r.member_id?;
        self.risk_state.records.iter().find(|x| x.member_id == m)
    }

    /// What shequn suggests for an incident: the level's action, escalated by the
    /// member's record; a draft (no member) is dismissed or fixed.
    pub fn risk_suggestion(&self, r: &IncidentRow) -> Act {
        if r.member_id.is_none() && r.source == "content" {
            return Act::Dismiss;
        }
        let record: Vec<Act> = self
            .risk_record(r)
            .map(|rec| {
                rec.sanctions
                    .iter()
                    .filter_map(|s| Act::parse(&s.action))
                    .collect()
            })
            .unwrap_or_default();
        suggest(r.level(), &record)
    }

    pub(super) fn risk_loaded(&mut self, board: Board) {
        self.risk_state.records = board.records;
        self.risk_state.top_words = board.top_words;
        self.risk_state.ad_share = board.ad_share;
        self.risk_state.on_time = board.on_time;
        self.risk.set_rows(board.incidents);
    }

    /// The label of an incident in a prompt: `#10 赌博 · 橙子妈妈🐟`.
    pub fn incident_label(&self, id: i64) -> String {
        let Some(r) = self.risk.rows.iter().find(|r| r.id == id) else {
            return format!("#{id}");
        };
        let mut s = format!("#{id}");
        for part in [
            r.keyword.as_deref(),
            r.member.as_deref().or(r.group.as_deref()),
        ]
        .into_iter()
        .flatten()
        {
            s.push(' ');
            s.push_str(part);
        }
        s
    }

    fn risk_refuse(&mut self, text: String) -> Vec<Effect> {
        self.flash = Some(Flash { text, error: true });
        Vec::new()
    }

    pub(super) fn risk_action(&mut self, action: Action) -> Vec<Effect> {
        let t = &self.texts.risk;
        match action {
            Action::TogglePanel => {
                self.risk_state.panel_flip = !self.risk_state.panel_flip;
                Vec::new()
            }
            Action::AddWord => {
                self.mode = Mode::Picker {
                    kind: PickerKind::WordCategory,
                    items: Category::ALL
                        .into_iter()
                        // the slug leads (the pick is read back by it); the label
                        // follows where the language's differs (广告, not `ad ad`)
                        .map(|c| match self.texts.category(c) {
                            label if label == c.word() => label,
                            label => format!("{} {label}", c.word()),
                        })
                        .collect(),
                    input: String::new(),
                    selected: 0,
                };
                Vec::new()
            }
            Action::RiskStep(step) => {
                let Some(r) = self.risk.current() else {
                    return Vec::new();
                };
                let (id, version) = (r.id, r.version);
                if !r.state().pending() {
                    let text = fill(
                        &t.tab_handled,
                        &[
                            ("id", &id.to_string()),
                            (
                                "action",
                                &r.action
                                    .as_deref()
                                    .map_or(r.state.as_str(), |a| {
                                        t.actions.get(a).map_or(a, String::as_str)
                                    })
                                    .to_string(),
                            ),
                            ("by", &r.acted_by.clone().unwrap_or_default()),
                        ],
                    );
                    return self.risk_refuse(text);
                }
                match step {
                    Step::Review => vec![Effect::Risk {
                        id,
                        version,
                        step,
                        reason: String::new(),
                        except: None,
                    }],
                    Step::Act(a) => {
                        if a.on_member() && r.member_id.is_none() {
                            let text = fill(&t.tab_no_member, &[("id", &id)]);
                            return self.risk_refuse(text);
                        }
                        if a == Act::Close && r.group_id.is_none() {
                            let text = fill(&t.tab_no_group, &[("id", &id)]);
                            return self.risk_refuse(text);
                        }
                        self.risk_state.reason = None;
                        self.mode = Mode::Prompt {
                            kind: PromptKind::RiskReason { action: a },
                            input: String::new(),
                            id,
                            version,
                        };
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }

    /// A Risk tab prompt was submitted.
    pub(super) fn risk_prompt(
        &mut self,
        kind: PromptKind,
        input: &str,
        id: i64,
        version: i64,
    ) -> Vec<Effect> {
        let input = input.trim().to_string();
        match kind {
            PromptKind::RiskReason { action } => {
                if input.is_empty() {
                    let text = self.texts.risk.tab_need_reason.clone();
                    return self.risk_refuse(text);
                }
                // a false positive on a word: may the word be let alone in this context?
                if action == Act::Dismiss
                    && let Some(r) = self.risk.rows.iter().find(|r| r.id == id)
                    && r.keyword.is_some()
                    && r.category.as_deref().and_then(Category::parse).is_some()
                {
                    let context = context_of(r);
                    self.risk_state.reason = Some(input);
                    self.mode = Mode::Prompt {
                        kind: PromptKind::RiskExcept,
                        input: context,
                        id,
                        version,
                    };
                    return Vec::new();
                }
                vec![Effect::Risk {
                    id,
                    version,
                    step: Step::Act(action),
                    reason: input,
                    except: None,
                }]
            }
            PromptKind::RiskExcept => {
                let reason = self.risk_state.reason.take().unwrap_or_default();
                vec![Effect::Risk {
                    id,
                    version,
                    step: Step::Act(Act::Dismiss),
                    reason,
                    except: (!input.is_empty()).then_some(input),
                }]
            }
            PromptKind::NewWord { category } => {
                if input.is_empty() {
                    return Vec::new();
                }
                vec![Effect::PreviewWord {
                    category,
                    word: input,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// A list was picked for a new word: ask for the word.
    pub(super) fn word_category_picked(&mut self, choice: &str) {
        let word = choice.split_whitespace().next().unwrap_or("");
        if let Some(category) = Category::parse(word) {
            self.mode = Mode::Prompt {
                kind: PromptKind::NewWord { category },
                input: String::new(),
                id: 0,
                version: 0,
            };
        }
    }

    /// The dry-run of a proposed word came back: show it (unless the operator moved on).
    pub(super) fn word_previewed(&mut self, p: WordPreview) {
        if self.mode == Mode::Normal && self.tab == super::Tab::Risk {
            self.risk_state.preview = Some(p);
            self.mode = Mode::WordPreview;
        }
    }

    /// A key while the preview is open: save the word (Enter, ctrl-s) or not (Esc).
    pub(super) fn preview_key(&mut self, action: Option<Action>) -> Vec<Effect> {
        match action {
            Some(Action::Open | Action::Save | Action::Submit) => {
                self.mode = Mode::Normal;
                let Some(p) = self.risk_state.preview.take() else {
                    return Vec::new();
                };
                if let Some(perm) = self.needs(&Action::AddWord)
                    && !self.access.may(perm)
                {
                    let text = self.refusal(perm);
                    return self.risk_refuse(text);
                }
                vec![Effect::AddWord {
                    category: p.category,
                    word: p.word,
                }]
            }
            Some(Action::Back | Action::Quit) => {
                self.mode = Mode::Normal;
                self.risk_state.preview = None;
                Vec::new()
            }
            Some(a @ (Action::Down | Action::Up | Action::PageDown | Action::PageUp)) => {
                self.update(a)
            }
            _ => Vec::new(),
        }
    }
}
