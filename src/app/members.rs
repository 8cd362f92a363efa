//! The Members tab's model: the search (fuzzy + pinyin + initials, narrowed per
//! keystroke), the filters (tier, group, tag, silent for more than N days, `!` to invert
//! them), the detail of the selected member, and the actions on a member.

use chrono::NaiveDate;

use super::{Action, App, Effect, Flash, Mode, PickerKind, PromptKind};
use crate::domain::rfm::RfmScore;
use crate::domain::tiers::Tier;
use crate::search::SearchIndex;
use crate::store::members::{MemberChange, MemberDetail};
use crate::store::views::MemberRow;

/// The Members tab's state beyond its table.
#[derive(Default)]
pub struct MembersState {
    /// Built with the list (on the store thread); every keystroke of `/` searches it.
    pub index: Option<std::sync::Arc<SearchIndex>>,
    /// The last query and its hits (indices into the table's rows), so the next
    /// keystroke only searches within them.
    pub last: Option<(String, Vec<u32>)>,
    pub tier: Option<Tier>,
    pub group: Option<String>,
    pub tag: Option<String>,
    /// Silent for more than this many days (never spoke counts as silent).
    pub silent_days: Option<i64>,
    /// `!`: show what the filters exclude.
    pub invert: bool,
    /// The selected member's detail (loaded on demand) and their RFM scores.
    pub detail: Option<(MemberDetail, Option<RfmScore>)>,
    /// The member whose detail was last asked for.
    pub requested: Option<i64>,
    /// Search index item → row (`RETIRED` for an item whose row got new texts and was
    /// indexed again at the end): the index grows by patches instead of being rebuilt.
    pub slots: Vec<u32>,
    /// Row → its current index item.
    pub row_slot: Vec<u32>,
    /// Membership id → row, to patch rows in place.
    pub pos: std::collections::HashMap<i64, usize>,
    /// Core / active / potential shares of the shown rows, kept with the filter (the
    /// title shows it; counting 100,000 rows per frame made every key slow).
    pub mix: Option<[f64; 3]>,
    /// Members colleagues changed while another tab was shown, patched when it shows.
    pub pending: Vec<i64>,
}

/// An index item whose row was indexed again under another item.
pub const RETIRED: u32 = u32::MAX;

/// Past this many queued members the list is reloaded instead of patched.
const MAX_PENDING: usize = 500;

impl std::fmt::Debug for MembersState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MembersState")
            .field("tier", &self.tier)
            .field("group", &self.group)
            .field("invert", &self.invert)
            .finish_non_exhaustive()
    }
}

impl MembersState {
    /// Queue members to patch when the tab shows; false when that many are better reloaded.
    pub fn queue(&mut self, ids: &[i64]) -> bool {
        self.pending.extend_from_slice(ids);
        self.pending.sort_unstable();
        self.pending.dedup();
        if self.pending.len() > MAX_PENDING {
            self.pending.clear();
            return false;
        }
        true
    }

    pub fn any_filter(&self) -> bool {
        self.tier.is_some()
            || self.group.is_some()
            || self.tag.is_some()
            || self.silent_days.is_some()
    }

    fn keeps(&self, r: &MemberRow, today: NaiveDate) -> bool {
        if !self.any_filter() {
            return true;
        }
        let silent = |days: i64| {
            r.last_spoke
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_none_or(|d| (today - d).num_days() > days)
        };
        let all = self.tier.is_none_or(|t| t.word() == r.tier)
            && self.group.as_ref().is_none_or(|g| *g == r.group)
            && self.tag.as_ref().is_none_or(|t| r.tags.contains(t))
            && self.silent_days.is_none_or(silent);
        all != self.invert
    }
}

/// Shares of core / active / potential among the members still in the group(s) shown,
/// to hold against the "olive" target (DOMAIN.md §3: 20/30/50).
pub fn structure<'a>(rows: impl IntoIterator<Item = &'a MemberRow>) -> Option<[f64; 3]> {
    let (mut present, mut core, mut active) = (0usize, 0usize, 0usize);
    for r in rows {
        match r.tier.as_str() {
            "left" => continue,
            "core" => core += 1,
            "active" => active += 1,
            _ => {}
        }
        present += 1;
    }
    if present == 0 {
        return None;
    }
    let n = present as f64;
    let (c, a) = (core as f64 / n, active as f64 / n);
    Some([c, a, 1.0 - c - a])
}

/// A new member who has said nothing for the warning window (DOMAIN.md §3: 3 days →
/// a private chat to activate them).
pub fn new_and_silent(r: &MemberRow, now: i64, rules: &crate::domain::tiers::TierRules) -> bool {
    let facts = crate::domain::tiers::Facts {
        in_group_secs: r.joined_at.map(|j| now - j),
        left_days: (r.tier == "left").then_some(0),
        last_spoke_days: r.last_spoke.as_ref().map(|_| 0),
        ..Default::default()
    };
    crate::domain::tiers::new_member_silent(&facts, rules)
}

/// From this screen width on, the selected member's detail sits beside the list.
pub const PANE_MIN_WIDTH: u16 = 120;

impl App {
    /// Whether the member detail pane is beside the list: then it is the detail, and
    /// Enter opens no popup repeating it.
    pub fn members_pane(&self) -> bool {
        self.width >= PANE_MIN_WIDTH
    }

    /// Recompute which members show: search hits (best first) or everyone, then the
    /// filters.
    pub(super) fn refilter_members(&mut self) {
        let query = self.members.filter.trim().to_string();
        let searched: Option<Vec<u32>> = match (&self.msearch.index, query.is_empty()) {
            (_, true) | (None, _) => None,
            (Some(index), false) => Some(match &self.msearch.last {
                // typing on: only what the previous keystroke kept can still match
                Some((prev, within)) if !prev.is_empty() && query.starts_with(prev.as_str()) => {
                    index.search_within(&query, within)
                }
                _ => index.search(&query),
            }),
        };
        let today = self.real_today();
        let rows = &self.members.rows;
        let keep = |i: usize| rows.get(i).is_some_and(|r| self.msearch.keeps(r, today));
        let visible: Vec<usize> = match &searched {
            // index items → rows (an item retired by a patch has no row)
            Some(hits) => hits
                .iter()
                .filter_map(|&slot| self.msearch.slots.get(slot as usize).copied())
                .filter(|&row| row != RETIRED)
                .map(|row| row as usize)
                .filter(|&i| keep(i))
                .collect(),
            None => (0..rows.len()).filter(|&i| keep(i)).collect(),
        };
        self.msearch.last = searched.map(|hits| (query, hits));
        self.msearch.mix = structure(visible.iter().map(|&i| &rows[i]));
        self.members.set_visible(visible);
    }

    pub(super) fn members_loaded(
        &mut self,
        rows: Vec<MemberRow>,
        index: Option<std::sync::Arc<SearchIndex>>,
    ) {
        // (tests and small lists may come without an index: build it here then)
        self.msearch.index = Some(index.unwrap_or_else(|| {
            std::sync::Arc::new(SearchIndex::build(rows.iter().map(MemberRow::search_texts)))
        }));
        self.msearch.last = None;
        let n = rows.len() as u32;
        self.msearch.slots = (0..n).collect();
        self.msearch.row_slot = (0..n).collect();
        self.msearch.pos = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.membership_id, i))
            .collect();
        self.msearch.pending.clear();
        self.members.set_rows(rows);
        self.refilter_members();
    }

    /// A few members' current rows: replace theirs in place (the list does not jump
    /// under the cursor), add memberships that are new at the end, and index again only
    /// the rows whose searchable texts changed.
    pub(super) fn members_patched(&mut self, fresh: Vec<MemberRow>) {
        if !self.members.loaded {
            return;
        }
        let st = &mut self.msearch;
        let mut reindex: Vec<usize> = Vec::new();
        for row in fresh {
            match st.pos.get(&row.membership_id) {
                Some(&i) => {
                    if self.members.rows[i].search_texts() != row.search_texts() {
                        reindex.push(i);
                    }
                    self.members.rows[i] = row;
                }
                None => {
                    let i = self.members.rows.len();
                    st.pos.insert(row.membership_id, i);
                    st.row_slot.push(RETIRED);
                    self.members.rows.push(row);
                    reindex.push(i);
                }
            }
        }
        if !reindex.is_empty() {
            // the store thread hands the index over; nothing else holds it
            let Some(index) = st.index.as_mut().and_then(std::sync::Arc::get_mut) else {
                self.members.stale = true;
                return;
            };
            for i in reindex {
                match index.append(self.members.rows[i].search_texts()) {
                    Some(slot) => {
                        if let Some(&old) = st.row_slot.get(i)
                            && let Some(s) = st.slots.get_mut(old as usize)
                        {
                            *s = RETIRED;
                        }
                        st.slots.push(i as u32);
                        st.row_slot[i] = slot;
                    }
                    None => self.members.stale = true,
                }
            }
            // the previous keystroke's hits are index items that may have moved
            st.last = None;
        }
        self.refilter_members();
    }

    /// The member the actions apply to.
    fn member_target(&self) -> Option<&MemberRow> {
        self.members.current()
    }

    pub(super) fn members_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::TierFilter => {
                let mut items = vec![self.texts.members.all.clone()];
                items.extend(
                    Tier::ALL
                        .iter()
                        .map(|t| format!("{} {}", t.word(), self.texts.enum_text(t.word()))),
                );
                self.mode = Mode::Picker {
                    kind: PickerKind::Tier,
                    items,
                    input: String::new(),
                    selected: 0,
                };
            }
            Action::GroupFilter => {
                let mut groups: Vec<String> =
                    self.members.rows.iter().map(|r| r.group.clone()).collect();
                groups.sort();
                groups.dedup();
                groups.insert(0, self.texts.members.all.clone());
                self.mode = Mode::Picker {
                    kind: PickerKind::MemberGroup,
                    items: groups,
                    input: String::new(),
                    selected: 0,
                };
            }
            Action::TagFilter => {
                let mut tags: Vec<String> = self
                    .members
                    .rows
                    .iter()
                    .flat_map(|r| r.tags.iter().cloned())
                    .collect();
                tags.sort();
                tags.dedup();
                tags.insert(0, self.texts.members.all.clone());
                self.mode = Mode::Picker {
                    kind: PickerKind::Tag,
                    items: tags,
                    input: String::new(),
                    selected: 0,
                };
            }
            Action::SilentFilter => {
                let Some(r) = self.member_target().map(|r| (r.id, 0)) else {
                    self.mode = Mode::Prompt {
                        kind: PromptKind::SilentDays,
                        input: "30".into(),
                        id: 0,
                        version: 0,
                    };
                    return Vec::new();
                };
                self.mode = Mode::Prompt {
                    kind: PromptKind::SilentDays,
                    input: "30".into(),
                    id: r.0,
                    version: r.1,
                };
            }
            Action::Invert => {
                self.msearch.invert = !self.msearch.invert;
                self.refilter_members();
            }
            Action::Tag | Action::Note | Action::Points => {
                let Some(r) = self.member_target() else {
                    return Vec::new();
                };
                let (kind, input) = match action {
                    Action::Tag => (PromptKind::Tag, String::new()),
                    Action::Note => (
                        PromptKind::MemberNote,
                        self.msearch
                            .detail
                            .as_ref()
                            .filter(|(d, _)| d.id == r.id)
                            .and_then(|(d, _)| d.note.clone())
                            .unwrap_or_default(),
                    ),
                    _ => (PromptKind::Points, String::new()),
                };
                let version = self
                    .msearch
                    .detail
                    .as_ref()
                    .filter(|(d, _)| d.id == r.id)
                    .map_or(0, |(d, _)| d.version);
                self.mode = Mode::Prompt {
                    kind,
                    input,
                    id: r.id,
                    version,
                };
            }
            Action::Redeem => {
                let Some(r) = self.member_target() else {
                    return Vec::new();
                };
                return vec![Effect::Member {
                    id: r.id,
                    version: None,
                    change: MemberChange::Redeem,
                }];
            }
            Action::Sanction => {
                let Some(r) = self.member_target() else {
                    return Vec::new();
                };
                let items = ["warn", "mute", "remove"]
                    .iter()
                    .map(|l| format!("{l} {}", self.texts.enum_text(l)))
                    .collect();
                self.mode = Mode::Picker {
                    kind: PickerKind::SanctionLevel { id: r.id },
                    items,
                    input: String::new(),
                    selected: 0,
                };
            }
            Action::Identity => {
                let Some(r) = self.member_target() else {
                    return Vec::new();
                };
                let items = ["customer", "partner", "staff", "none"]
                    .iter()
                    .map(|l| format!("{l} {}", self.texts.enum_text(l)))
                    .collect();
                let version = self
                    .msearch
                    .detail
                    .as_ref()
                    .filter(|(d, _)| d.id == r.id)
                    .map_or(0, |(d, _)| d.version);
                self.mode = Mode::Picker {
                    kind: PickerKind::Identity { id: r.id, version },
                    items,
                    input: String::new(),
                    selected: 0,
                };
            }
            _ => {}
        }
        Vec::new()
    }

    /// A prompt on the Members tab was submitted.
    pub(super) fn member_prompt(
        &mut self,
        kind: PromptKind,
        input: &str,
        id: i64,
        version: i64,
    ) -> Vec<Effect> {
        let input = input.trim();
        let change = match kind {
            PromptKind::SilentDays => {
                match input.parse::<i64>() {
                    Ok(n) if n >= 0 => self.msearch.silent_days = Some(n),
                    _ if input.is_empty() => self.msearch.silent_days = None,
                    _ => {
                        self.flash = Some(Flash {
                            text: self.texts.members.bad_days.clone(),
                            error: true,
                        });
                    }
                }
                self.refilter_members();
                return Vec::new();
            }
            PromptKind::Tag => match input.strip_prefix('-') {
                Some(t) => MemberChange::Tag {
                    name: t.trim().to_string(),
                    remove: true,
                },
                None => MemberChange::Tag {
                    name: input.to_string(),
                    remove: false,
                },
            },
            PromptKind::MemberNote => MemberChange::Note {
                text: input.to_string(),
            },
            PromptKind::Points => {
                // "+50 活动奖励" / "-20 违规"
                let (num, reason) = input.split_once(char::is_whitespace).unwrap_or((input, ""));
                match num.trim_start_matches('+').parse::<i64>() {
                    Ok(delta) => MemberChange::Points {
                        delta,
                        reason: reason.trim().to_string(),
                    },
                    Err(_) => {
                        self.flash = Some(Flash {
                            text: self.texts.members.bad_points.clone(),
                            error: true,
                        });
                        return Vec::new();
                    }
                }
            }
            PromptKind::SanctionReason { level, group } => MemberChange::Sanction {
                group: self
                    .members
                    .rows
                    .iter()
                    .find(|r| r.membership_id == group)
                    .map_or_else(String::new, |r| r.group.clone()),
                level: level.to_string(),
                reason: input.to_string(),
            },
            _ => return Vec::new(),
        };
        let version = matches!(
            change,
            MemberChange::Note { .. } | MemberChange::Identity { .. }
        )
        .then_some(version);
        vec![Effect::Member {
            id,
            version,
            change,
        }]
    }

    /// A picker on the Members tab was chosen.
    pub(super) fn member_picked(&mut self, kind: PickerKind, choice: &str) -> Vec<Effect> {
        let word = choice.split_whitespace().next().unwrap_or("");
        let all = choice == self.texts.members.all;
        match kind {
            PickerKind::Tier => {
                self.msearch.tier = if all { None } else { Tier::parse(word) };
                self.refilter_members();
            }
            PickerKind::MemberGroup => {
                self.msearch.group = (!all).then(|| choice.to_string());
                self.refilter_members();
            }
            PickerKind::Tag => {
                self.msearch.tag = (!all).then(|| choice.to_string());
                self.refilter_members();
            }
            PickerKind::SanctionLevel { id } => {
                let level: &'static str = match word {
                    "warn" => "warn",
                    "mute" => "mute",
                    _ => "remove",
                };
                let membership = self.members.current().map_or(0, |r| r.membership_id);
                self.mode = Mode::Prompt {
                    kind: PromptKind::SanctionReason {
                        level,
                        group: membership,
                    },
                    input: String::new(),
                    id,
                    version: 0,
                };
            }
            PickerKind::Identity { id, version } => {
                let identity = (word != "none").then(|| word.to_string());
                return vec![Effect::Member {
                    id,
                    version: Some(version),
                    change: MemberChange::Identity { identity },
                }];
            }
            _ => {}
        }
        Vec::new()
    }

    /// The detail to load for the selected member (when it is not loaded yet).
    pub fn wanted_detail(&self) -> Option<i64> {
        let id = self.members.current()?.id;
        match &self.msearch.detail {
            Some((d, _)) if d.id == id => None,
            _ => Some(id),
        }
    }
}
