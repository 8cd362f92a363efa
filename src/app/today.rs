//! The Today tab's model: the day's items with the operator's filters (mine, undone, a
//! group), day navigation and the month calendar, the walkthrough, and the actions on
//! an item (done, skip, note, assign, claim). Every change leaves as an `Effect::Sop`
//! carrying the version the operator saw, so a colleague's newer change is never
//! overwritten.

use chrono::{Datelike, Days, Months, NaiveDate};

use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use super::{Action, App, Effect, Flash, Mode, PickerKind, PromptKind, Tab};
use crate::domain::sop::{
    ItemState, Recurrence, ScriptVars, SopChange, check_script, render_script,
};
use crate::store::views::{DaySummary, OnTime, Quota, SopRow};

/// From this width on the side panel shows without asking.
pub const PANEL_AUTO_WIDTH: u16 = 110;

/// The id of the "now" divider row on today's list (items have other ids: SOP items
/// positive, content posts negative and far from this).
pub const NOW_ROW: i64 = i64::MIN;

/// Whether an item of `today` is due now or later at `now` (`HH:MM`): its expiry has
/// not passed (an item without one: its time has not). Tasks carried over from an
/// earlier day are behind us.
pub fn upcoming(r: &SopRow, today: &str, now: &str) -> bool {
    if r.day != today {
        return r.day.as_str() > today;
    }
    match &r.expires {
        Some(e) => e.as_str() > now,
        None => r.slot.as_str() >= now,
    }
}

/// Everything loaded for one day of the Today tab.
#[derive(Debug, Clone, Default)]
pub struct TodayData {
    pub day: NaiveDate,
    pub rows: Vec<SopRow>,
    pub quotas: Vec<Quota>,
    /// Punctuality per operator over the 30 days up to the day.
    pub on_time: Vec<OnTime>,
    pub operators: Vec<String>,
    /// (code, name) of every template, for applying from the console.
    pub templates: Vec<(String, String)>,
    /// How many groups the team runs (None: not known).
    pub groups: Option<usize>,
}

/// The Today tab's state beyond its table.
#[derive(Debug, Clone, Default)]
pub struct SopState {
    /// All items of the day shown; the table holds those passing the filters.
    pub source: Vec<SopRow>,
    pub quotas: Vec<Quota>,
    pub on_time: Vec<OnTime>,
    pub operators: Vec<String>,
    pub templates: Vec<(String, String)>,
    /// Only items assigned to, claimed or done by me.
    pub mine: bool,
    /// Only todo and missed items.
    pub undone: bool,
    pub group: Option<String>,
    /// The side panel (completion, quota, punctuality): None shows it where there is
    /// room (110 columns); `i` forces it on or off.
    pub panel: Option<bool>,
    /// The month summary the calendar shows.
    pub calendar: Option<(NaiveDate, Vec<DaySummary>)>,
    /// The day the cursor was put at "now" for: a day's first load places it (at the
    /// first open item due now or later), later reloads keep it where the operator is.
    pub placed: Option<NaiveDate>,
    /// How many groups there are, as the last Today load saw: none means a first run.
    pub groups: Option<usize>,
    /// The walkthrough left for a prompt or a picker (skip, note, assign): it comes
    /// back once that is answered or cancelled.
    pub walk_resume: Option<(Vec<i64>, usize)>,
}

impl App {
    pub(super) fn today_loaded(&mut self, data: TodayData) {
        // An answer for a day we have since left is dropped.
        if data.day != self.today_day {
            return;
        }
        self.sop.source = data.rows;
        self.sop.quotas = data.quotas;
        self.sop.on_time = data.on_time;
        self.sop.operators = data.operators;
        self.sop.templates = data.templates;
        if data.groups.is_some() {
            self.sop.groups = data.groups;
        }
        self.refilter_today();
        if self.sop.placed != Some(self.today_day) {
            self.sop.placed = Some(self.today_day);
            self.place_at_now();
        }
    }

    /// The cursor on the first open item due now or later (today), else the first
    /// item; missed ones stay reachable above, one row of them in view.
    fn place_at_now(&mut self) {
        let page = self.page_rows();
        let t = &mut self.today;
        let Some(divider) = t.visible.iter().position(|&i| t.rows[i].id == NOW_ROW) else {
            t.top();
            return;
        };
        let after = |pos: usize| t.visible.get(pos).map(|&i| &t.rows[i]);
        let pick = (divider + 1..t.visible.len())
            .find(|&p| after(p).is_some_and(|r| r.state == "todo"))
            .or_else(|| after(divider + 1).map(|_| divider + 1));
        match pick {
            Some(pos) => {
                t.selected = pos;
                t.offset = divider.saturating_sub(1);
                t.offset = t.view_offset(page);
            }
            None => t.bottom(page),
        }
    }

    /// No groups yet: every tab says what to do first (`[first_run]`).
    pub fn first_run(&self) -> Option<String> {
        (self.sop.groups == Some(0)).then(|| {
            let t = &self.texts.first_run;
            format!(
                "{}\n{}",
                t.no_groups,
                crate::i18n::fill(&t.steps, &[("db", &self.db_flag)])
            )
        })
    }

    /// The minute moved: the "now" divider moves with it (the rows stay as loaded).
    pub(super) fn today_clock(&mut self) {
        if self.today.loaded && self.today_day == self.real_today() {
            let stale = self.today.stale;
            self.refilter_today();
            self.today.stale = stale;
        }
    }

    /// Rebuild the table from the day's items and the filters (the table keeps its
    /// selection and its text filter).
    fn refilter_today(&mut self) {
        let me = self.operator.as_str();
        let rows: Vec<SopRow> = self
            .sop
            .source
            .iter()
            .filter(|r| {
                !self.sop.mine
                    || [&r.assignee, &r.claimed_by, &r.done_by]
                        .iter()
                        .any(|w| w.as_deref() == Some(me))
            })
            .filter(|r| !self.sop.undone || matches!(r.state.as_str(), "todo" | "missed"))
            .filter(|r| self.sop.group.as_ref().is_none_or(|g| *g == r.group))
            .cloned()
            .collect();
        let mut rows = rows;
        // today's list has a "now" row: what is behind us above it, what is due below
        if self.today_day == self.real_today() && !rows.is_empty() {
            let day = self.today_day.to_string();
            let now = self.now.with_timezone(&self.tz).format("%H:%M").to_string();
            let at = rows
                .iter()
                .position(|r| upcoming(r, &day, &now))
                .unwrap_or(rows.len());
            rows.insert(
                at,
                SopRow {
                    id: NOW_ROW,
                    slot: now,
                    day,
                    ..SopRow::default()
                },
            );
        }
        self.today.set_rows(rows);
    }

    /// The item a key acts on: the walkthrough's current one, else the selected row.
    pub(super) fn target(&self) -> Option<&SopRow> {
        match &self.mode {
            Mode::Walk { ids, pos } => {
                let id = ids.get(*pos)?;
                self.sop.source.iter().find(|r| r.id == *id)
            }
            _ => self.today.current(),
        }
    }

    /// The script of an item, filled for its group and day.
    pub fn filled_script(&self, r: &SopRow) -> String {
        render_script(
            &r.script,
            &ScriptVars {
                group: &r.group,
                day: self.today_day,
                time: &r.slot,
                operator: &self.operator,
                countdown: r.countdown,
            },
        )
    }

    pub(super) fn load_day(&mut self, day: NaiveDate) -> Vec<Effect> {
        self.today_day = day;
        // a day opened (again) starts at its "now"
        self.sop.placed = None;
        self.sop.source.clear();
        // empty and "loading" until the day's answer arrives
        self.today.set_rows(Vec::new());
        self.today.loaded = false;
        vec![Effect::Load(Tab::Today, day)]
    }

    pub(super) fn today_action(&mut self, action: Action) -> Vec<Effect> {
        // The calendar has its own meaning for movement keys.
        if let Mode::Calendar { cursor } = self.mode {
            let (next, month_changed) = match action {
                Action::Left => (cursor.pred_opt(), false),
                Action::Right => (cursor.succ_opt(), false),
                Action::Up => (cursor.checked_sub_days(Days::new(7)), false),
                Action::Down => (cursor.checked_add_days(Days::new(7)), false),
                Action::PrevDay => (cursor.checked_sub_months(Months::new(1)), true),
                Action::NextDay => (cursor.checked_add_months(Months::new(1)), true),
                Action::GoToday => (Some(self.real_today()), true),
                Action::Open | Action::ToggleDone => {
                    self.mode = Mode::Normal;
                    return self.load_day(cursor);
                }
                _ => (None, false),
            };
            let Some(next) = next else { return Vec::new() };
            self.mode = Mode::Calendar { cursor: next };
            let shown = self
                .sop
                .calendar
                .as_ref()
                .map(|(m, _)| (m.year(), m.month()));
            if month_changed || shown != Some((next.year(), next.month())) {
                return vec![Effect::LoadCalendar(next)];
            }
            return Vec::new();
        }
        if let Mode::Walk { ids, pos } = &mut self.mode {
            match action {
                Action::Down | Action::Right => {
                    *pos = (*pos + 1).min(ids.len());
                    return self.walk_settle();
                }
                Action::Up | Action::Left => {
                    *pos = pos.saturating_sub(1);
                    return Vec::new();
                }
                _ => {}
            }
        }
        // A content post on the day's list: done publishes it; the rest of its life is
        // on the Content tab.
        if let Some(r) = self.target()
            && let Some(content_id) = r.content_id
            && matches!(
                action,
                Action::ToggleDone
                    | Action::Skip
                    | Action::Note
                    | Action::Assign
                    | Action::Claim
                    | Action::Retime
                    | Action::EditScript
            )
        {
            let open = r.state == "todo";
            let walking = matches!(self.mode, Mode::Walk { .. });
            let mut fx = Vec::new();
            if matches!(action, Action::ToggleDone) && open {
                fx.push(Effect::ContentStep {
                    id: content_id,
                    version: None,
                    step: crate::store::content::ContentStep::Publish,
                });
            } else if !walking {
                self.flash = Some(super::Flash {
                    text: self.texts.today.content_row.clone(),
                    error: false,
                });
            }
            if let Mode::Walk { ids, pos } = &mut self.mode {
                *pos = (*pos + 1).min(ids.len());
                fx.extend(self.walk_settle());
            }
            return fx;
        }
        match action {
            Action::ToggleDone => {
                let walking = matches!(self.mode, Mode::Walk { .. });
                let Some(r) = self.target() else {
                    return Vec::new();
                };
                let (id, version) = (r.id, r.version);
                let state = ItemState::parse(&r.state).unwrap_or(ItemState::Todo);
                let mut fx = Vec::new();
                if state.is_open() {
                    fx.push(Effect::Sop {
                        id,
                        version,
                        change: SopChange::Done { note: None },
                    });
                } else if !walking {
                    fx.push(Effect::Sop {
                        id,
                        version,
                        change: SopChange::Undo,
                    });
                }
                if let Mode::Walk { ids, pos } = &mut self.mode {
                    *pos = (*pos + 1).min(ids.len());
                    fx.extend(self.walk_settle());
                }
                fx
            }
            Action::Skip | Action::Note => {
                let Some(r) = self.target() else {
                    return Vec::new();
                };
                let kind = if matches!(action, Action::Skip) {
                    PromptKind::Skip
                } else {
                    PromptKind::Note
                };
                let input = match kind {
                    PromptKind::Note => r.note.clone().unwrap_or_default(),
                    _ => String::new(),
                };
                let (id, version) = (r.id, r.version);
                self.leave_walk();
                self.mode = Mode::Prompt {
                    kind,
                    input,
                    id,
                    version,
                };
                Vec::new()
            }
            Action::Assign => {
                let Some(r) = self.target() else {
                    return Vec::new();
                };
                let (id, version) = (r.id, r.version);
                self.leave_walk();
                self.mode = Mode::Picker {
                    kind: PickerKind::Assign { id, version },
                    items: self.sop.operators.clone(),
                    input: String::new(),
                    selected: 0,
                };
                Vec::new()
            }
            Action::Claim => {
                let Some(r) = self.target() else {
                    return Vec::new();
                };
                let change = if r.claimed_by.as_deref() == Some(self.operator.as_str()) {
                    SopChange::Unclaim
                } else {
                    SopChange::Claim
                };
                vec![Effect::Sop {
                    id: r.id,
                    version: r.version,
                    change,
                }]
            }
            Action::Walk => {
                self.sop.walk_resume = None;
                // the undone items in time order, from the selected one on if it is undone
                let mut ids: Vec<i64> = self
                    .today
                    .visible
                    .iter()
                    .map(|&i| &self.today.rows[i])
                    .filter(|r| matches!(r.state.as_str(), "todo" | "missed"))
                    .map(|r| r.id)
                    .collect();
                if ids.is_empty() {
                    self.flash = Some(Flash {
                        text: self.texts.today.walk_nothing.clone(),
                        error: false,
                    });
                    return Vec::new();
                }
                // from the selected row on (at first: the first open item due now)
                let t = &self.today;
                let at = |id: i64| t.visible.iter().position(|&i| t.rows[i].id == id);
                let start = ids
                    .iter()
                    .position(|&id| at(id) >= Some(t.selected))
                    .unwrap_or(0);
                ids.rotate_left(start);
                self.mode = Mode::Walk { ids, pos: 0 };
                Vec::new()
            }
            Action::Copy => {
                let Some(r) = self.target() else {
                    return Vec::new();
                };
                let text = self.filled_script(r);
                if text.trim().is_empty() {
                    return Vec::new();
                }
                self.flash = Some(Flash {
                    text: self.texts.today.copied.clone(),
                    error: false,
                });
                vec![Effect::Copy(text)]
            }
            Action::PrevDay | Action::NextDay | Action::GoToday => {
                let day = match action {
                    Action::PrevDay => self.today_day.pred_opt(),
                    Action::NextDay => self.today_day.succ_opt(),
                    _ => Some(self.real_today()),
                };
                day.map(|d| self.load_day(d)).unwrap_or_default()
            }
            Action::Calendar => {
                self.mode = Mode::Calendar {
                    cursor: self.today_day,
                };
                vec![Effect::LoadCalendar(self.today_day)]
            }
            Action::ToggleMine => {
                self.sop.mine = !self.sop.mine;
                self.refilter_today();
                Vec::new()
            }
            Action::ToggleUndone => {
                self.sop.undone = !self.sop.undone;
                self.refilter_today();
                Vec::new()
            }
            Action::GroupFilter => {
                let mut groups: Vec<String> =
                    self.sop.source.iter().map(|r| r.group.clone()).collect();
                groups.sort();
                groups.dedup();
                groups.insert(0, self.texts.today.all_groups.clone());
                self.mode = Mode::Picker {
                    kind: PickerKind::Group,
                    items: groups,
                    input: String::new(),
                    selected: 0,
                };
                Vec::new()
            }
            Action::TogglePanel => {
                self.sop.panel = Some(!self.panel_shown(self.width));
                Vec::new()
            }
            Action::Retime => {
                let Some(r) = self.target() else {
                    return Vec::new();
                };
                if r.item_id.is_none() {
                    return Vec::new();
                }
                self.mode = Mode::Prompt {
                    kind: PromptKind::Retime,
                    input: r.slot.clone(),
                    id: r.id,
                    version: r.version,
                };
                Vec::new()
            }
            Action::EditScript => {
                let Some(r) = self.target() else {
                    return Vec::new();
                };
                let Some(item_id) = r.item_id else {
                    return Vec::new();
                };
                let mut textarea = TextArea::new(r.script.lines().map(str::to_string).collect());
                textarea.set_wrap_mode(WrapMode::WordOrGlyph);
                textarea.move_cursor(CursorMove::Bottom);
                textarea.move_cursor(CursorMove::End);
                self.editor = Some(ScriptEditor {
                    textarea,
                    group_id: r.group_id,
                    item_id,
                    label: format!("{} · {}", r.group, r.title),
                    error: None,
                    countdown: r.countdown.is_some(),
                });
                self.mode = Mode::Edit;
                Vec::new()
            }
            Action::ApplyTemplate => {
                let items = self
                    .sop
                    .templates
                    .iter()
                    .map(|(code, name)| format!("{code} · {name}"))
                    .collect();
                self.mode = Mode::Picker {
                    kind: PickerKind::Template,
                    items,
                    input: String::new(),
                    selected: 0,
                };
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// A prompt or picker opens from the walkthrough: keep where it was.
    fn leave_walk(&mut self) {
        if let Mode::Walk { ids, pos } = &self.mode {
            self.sop.walk_resume = Some((ids.clone(), *pos));
        }
    }

    /// Back to the walkthrough a prompt or picker was opened from (if it was), on the
    /// same item or the next one.
    pub(super) fn resume_walk(&mut self, next: bool) -> Vec<Effect> {
        let Some((ids, pos)) = self.sop.walk_resume.take() else {
            return Vec::new();
        };
        let pos = if next { pos + 1 } else { pos };
        self.mode = Mode::Walk { ids, pos };
        self.walk_settle()
    }

    /// The walkthrough's item is the selected row too (one ▶ on screen).
    pub(super) fn walk_sync(&mut self) {
        let page = self.page_rows();
        if let Mode::Walk { ids, pos } = &self.mode
            && let Some(&id) = ids.get(*pos)
        {
            self.today.select_key(id, page);
        }
    }

    /// What a prompt or picker of the Today tab is about: `15:00 群 · 事项`.
    pub fn item_label(&self, id: i64) -> Option<String> {
        let r = self.sop.source.iter().find(|r| r.id == id)?;
        Some(format!("{} {} · {}", r.slot, r.group, r.title))
    }

    /// After moving in the walkthrough: past the last item, it ends.
    fn walk_settle(&mut self) -> Vec<Effect> {
        if let Mode::Walk { ids, pos } = &self.mode
            && *pos >= ids.len()
        {
            self.mode = Mode::Normal;
            self.flash = Some(Flash {
                text: self.texts.today.walk_done.clone(),
                error: false,
            });
        }
        Vec::new()
    }

    pub(super) fn picked(&mut self, kind: PickerKind, choice: &str) -> Vec<Effect> {
        match kind {
            PickerKind::Tier
            | PickerKind::MemberGroup
            | PickerKind::Tag
            | PickerKind::SanctionLevel { .. }
            | PickerKind::Identity { .. } => self.member_picked(kind, choice),
            PickerKind::ContentGroup => {
                self.content_group_picked(choice);
                Vec::new()
            }
            PickerKind::WordCategory => {
                self.word_category_picked(choice);
                Vec::new()
            }
            PickerKind::Snooze { id, version } => self.snooze_picked(&[(id, version)], choice),
            PickerKind::SnoozeAll => {
                let seen = std::mem::take(&mut self.remind.snoozing);
                self.snooze_picked(&seen, choice)
            }
            PickerKind::Assign { id, version } => {
                let mut fx = vec![Effect::Sop {
                    id,
                    version,
                    change: SopChange::Assign {
                        login: choice.to_string(),
                    },
                }];
                // handed to a colleague: the walkthrough goes on with the next item
                fx.extend(self.resume_walk(true));
                fx
            }
            PickerKind::Template => {
                let code = choice.split(" · ").next().unwrap_or(choice).to_string();
                let mut groups: Vec<String> =
                    self.sop.quotas.iter().map(|q| q.group.clone()).collect();
                groups.sort();
                self.mode = Mode::MultiPick {
                    template: code,
                    items: groups,
                    marked: Vec::new(),
                    selected: 0,
                };
                Vec::new()
            }
            PickerKind::Group => {
                self.sop.group =
                    (choice != self.texts.today.all_groups).then(|| choice.to_string());
                self.refilter_today();
                Vec::new()
            }
        }
    }

    /// Whether the side panel shows in a body `width` columns wide.
    pub fn panel_shown(&self, width: u16) -> bool {
        self.sop.panel.unwrap_or(width >= PANEL_AUTO_WIDTH)
    }

    /// Items of the walkthrough: (position, total) for the title.
    pub fn walk_position(&self) -> Option<(usize, usize)> {
        match &self.mode {
            Mode::Walk { ids, pos } => Some((*pos + 1, ids.len())),
            _ => None,
        }
    }

    /// The item the walkthrough shows.
    pub fn walk_item(&self) -> Option<&SopRow> {
        match &self.mode {
            Mode::Walk { .. } => self.target(),
            _ => None,
        }
    }
}

/// The script editor (`e` on the Today tab): this group's own text for an item.
#[derive(Debug, Clone)]
pub struct ScriptEditor {
    pub textarea: TextArea<'static>,
    pub group_id: i64,
    pub item_id: i64,
    pub label: String,
    /// Why the last save was refused (an unknown placeholder), shown under the text.
    pub error: Option<String>,
    /// A countdown item may use `{countdown}`.
    pub countdown: bool,
}

impl App {
    /// A key in the script editor: the keymap's [editor] keys (save, back), anything
    /// else edits the text (ratatui-textarea: Chinese input, undo with C-u, ...).
    pub(super) fn editor_key(&mut self, key: crossterm::event::KeyEvent) -> Vec<Effect> {
        let action = self.editor_action(&key);
        match action {
            Some(Action::Back) => {
                self.editor = None;
                self.mode = Mode::Normal;
                Vec::new()
            }
            Some(Action::Save) => {
                let Some(ed) = &mut self.editor else {
                    return Vec::new();
                };
                let text = ed.textarea.lines().join("\n");
                // the same check as a template file, before anything is written
                let rec = if ed.countdown {
                    Recurrence::Countdown {
                        weekday: chrono::Weekday::Fri,
                        days_before: 1,
                    }
                } else {
                    Recurrence::Daily
                };
                if let Err(e) = check_script(&text, rec) {
                    ed.error = Some(e);
                    return Vec::new();
                }
                let fx = vec![Effect::Override {
                    group_id: ed.group_id,
                    item_id: ed.item_id,
                    slot: None,
                    script: Some(text),
                }];
                self.editor = None;
                self.mode = Mode::Normal;
                fx
            }
            _ => {
                if let Some(ed) = &mut self.editor {
                    ed.textarea.input(key);
                    ed.error = None;
                }
                Vec::new()
            }
        }
    }

    /// A key in the multi-group picker of "apply template".
    pub(super) fn multipick_key(&mut self, key: crossterm::event::KeyEvent) -> Vec<Effect> {
        use crossterm::event::KeyCode;
        let Mode::MultiPick {
            template,
            items,
            marked,
            selected,
        } = &mut self.mode
        else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => self.mode = Mode::Normal,
            KeyCode::Down | KeyCode::Char('j') => {
                *selected = (*selected + 1).min(items.len().saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => *selected = selected.saturating_sub(1),
            KeyCode::Char(' ') => {
                if let Some(pos) = marked.iter().position(|m| *m == *selected) {
                    marked.remove(pos);
                } else {
                    marked.push(*selected);
                }
            }
            KeyCode::Char('a') => {
                *marked = if marked.len() == items.len() {
                    Vec::new()
                } else {
                    (0..items.len()).collect()
                };
            }
            KeyCode::Enter => {
                let mut picked: Vec<String> = marked
                    .iter()
                    .filter_map(|&i| items.get(i).cloned())
                    .collect();
                if picked.is_empty() {
                    picked.extend(items.get(*selected).cloned());
                }
                let fx = vec![Effect::ApplyTemplate {
                    template: template.clone(),
                    groups: picked,
                }];
                self.mode = Mode::Normal;
                return fx;
            }
            _ => {}
        }
        Vec::new()
    }
}
