//! The KPIs tab's launch board as a list (issue 16): the groups in launch with a
//! selection (`j`/`k`; it scrolls), the launch form (`n`: name, kind, platform,
//! positioning, start day — checked as `shequn group launch` checks them, leaving as
//! `Effect::Launch`), and a group's launch detail (Enter or `i` on the board): its
//! phases, next step and kit, where Space marks the selected kit item done or not and
//! `y` copies its text filled in — the writes of `shequn group kit`.

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::kpi::{FormField, KpiForm};
use super::table::{Row, Table, TableCmd};
use super::{Action, App, Effect, Flash, Mode, Tab, picker_matches};
use crate::domain::kpi::Metric;
use crate::domain::launch::{self as dl, parse_positioning};
use crate::domain::roles::Perm;
use crate::i18n::{LaunchTexts, fill};
use crate::store::launch::{KitRow, LaunchStatus};

/// Lines one group takes on the board: name and positioning, the phases, the next
/// step, a blank.
pub const BOARD_LINES: usize = 4;

/// The kinds the form offers: DOMAIN.md §1's group types, each with a shipped SOP
/// template (the groups' own kinds follow).
pub const KINDS: [&str; 6] = ["福利型", "知识型", "活动型", "服务型", "兴趣型", "转化型"];

/// The platforms, as stored (`personal` first: the CLI's default).
pub const PLATFORMS: [&str; 2] = ["personal", "wecom"];

/// The board, the form and the detail.
#[derive(Debug, Clone, Default)]
pub struct LaunchState {
    /// The groups in launch, as loaded with the KPIs tab.
    pub board: Table<LaunchStatus>,
    pub form: Option<LaunchForm>,
    /// The group whose launch detail is open (`Mode::LaunchDetail`).
    pub detail: Option<i64>,
    /// The selected kit item in the detail.
    pub kit_cursor: usize,
    /// A group just launched from the form: selected once the board has it.
    pub select_new: Option<String>,
}

impl Row for LaunchStatus {
    fn key(&self) -> i64 {
        self.group_id
    }
    fn haystack(&self) -> String {
        format!(
            "{} {} {}",
            self.group,
            self.kind,
            self.positioning.as_deref().unwrap_or("")
        )
    }
}

/// The form's fields, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchField {
    Name,
    Kind,
    Platform,
    Positioning,
    Start,
}

impl LaunchField {
    pub const ORDER: [LaunchField; 5] = [
        LaunchField::Name,
        LaunchField::Kind,
        LaunchField::Platform,
        LaunchField::Positioning,
        LaunchField::Start,
    ];

    fn step(self, d: isize) -> LaunchField {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0) as isize;
        let n = Self::ORDER.len() as isize;
        Self::ORDER[(i + d).rem_euclid(n) as usize]
    }
}

/// A group being launched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchForm {
    pub name: String,
    /// The kinds to choose from.
    pub kinds: Vec<String>,
    /// What was typed in the kind field: it narrows the kinds (pinyin, initials), or is
    /// a kind of the team's own when none matches.
    pub kind_input: String,
    /// Index into [`LaunchForm::kind_matches`]; None: none chosen yet.
    pub kind_pick: Option<usize>,
    /// Index into [`PLATFORMS`].
    pub platform: usize,
    pub positioning: String,
    pub start: String,
    pub field: LaunchField,
    pub error: Option<String>,
    /// Sent to the store: the form waits for its answer.
    pub sent: bool,
}

impl LaunchForm {
    pub fn kind_matches(&self) -> Vec<&String> {
        picker_matches(&self.kinds, &self.kind_input)
    }

    /// The kind chosen: the selected match, else what was typed.
    pub fn kind(&self) -> Option<String> {
        let matches = self.kind_matches();
        if let Some(k) = self.kind_pick.and_then(|i| matches.get(i)) {
            return Some((*k).clone());
        }
        Some(self.kind_input.trim().to_string()).filter(|k| !k.is_empty() && matches.is_empty())
    }

    pub fn platform(&self) -> &'static str {
        PLATFORMS[self.platform % PLATFORMS.len()]
    }

    fn text_mut(&mut self) -> Option<&mut String> {
        match self.field {
            LaunchField::Name => Some(&mut self.name),
            LaunchField::Kind => Some(&mut self.kind_input),
            LaunchField::Positioning => Some(&mut self.positioning),
            LaunchField::Start => Some(&mut self.start),
            LaunchField::Platform => None,
        }
    }
}

/// What the form sends: `shequn group launch NAME --kind K --platform P
/// [--positioning TEXT] --start D`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchInput {
    pub name: String,
    pub kind: String,
    pub platform: &'static str,
    pub positioning: Option<String>,
    pub start: NaiveDate,
}

/// A kit item to mark done or not (`shequn group kit NAME done|undo ITEM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KitChange {
    pub group_id: i64,
    pub group: String,
    /// The group's platform: a personal-WeChat group's QR code expires.
    pub platform: String,
    pub item: String,
    pub done: bool,
}

/// `2026-03-02` or `2026/3/2`.
fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d"))
        .ok()
}

impl App {
    /// The board's rows arrived (with the KPIs tab): a group just launched from the
    /// form is selected, with the board shown.
    pub(super) fn launch_loaded(&mut self, rows: Vec<LaunchStatus>) {
        self.launch.board.set_rows(rows);
        if let Some(name) = self.launch.select_new.clone()
            && let Some(id) = self
                .launch
                .board
                .rows
                .iter()
                .find(|r| r.group == name)
                .map(|r| r.group_id)
        {
            self.launch.board.set_filter("");
            let page = self.board_page();
            self.launch.board.select_key(id, page);
            self.kpi_view.launch = true;
            self.launch.select_new = None;
        }
        // the detail's group may have left the board (archived by a colleague)
        if self.launch.detail.is_some() && self.launch_detail().is_none() {
            self.launch.detail = None;
            if self.mode == Mode::LaunchDetail {
                self.mode = Mode::Normal;
            }
        }
    }

    /// Groups the board shows at once at the current size.
    pub fn board_page(&self) -> usize {
        // tab bar, status, hints; the board's border; its legend
        (usize::from(self.height.saturating_sub(3 + 2 + 1)) / BOARD_LINES).max(1)
    }

    /// Whether the KPIs tab shows the launch board.
    pub fn on_board(&self) -> bool {
        self.tab == Tab::Kpi && self.kpi_view.launch
    }

    /// The group whose launch detail is open.
    pub fn launch_detail(&self) -> Option<&LaunchStatus> {
        let id = self.launch.detail?;
        self.launch.board.rows.iter().find(|r| r.group_id == id)
    }

    /// A group's positioning, when it has one (only groups launched with shequn do).
    pub fn positioning_of(&self, group: &str) -> Option<&str> {
        self.launch
            .board
            .rows
            .iter()
            .find(|r| r.group == group)
            .and_then(|r| r.positioning.as_deref())
    }

    /// The kind of write a launch key starts on the KPIs tab.
    pub(super) fn launch_needs(&self, action: &Action) -> Option<Perm> {
        match action {
            Action::LaunchNew => Some(Perm::GroupEdit),
            Action::ToggleDone if self.mode == Mode::LaunchDetail => Some(Perm::GroupEdit),
            _ => None,
        }
    }

    /// The board's and the detail's keys, before the KPIs tab's own: None lets the
    /// action through.
    pub(super) fn launch_intercept(&mut self, action: &Action) -> Option<Vec<Effect>> {
        if self.tab != Tab::Kpi {
            return None;
        }
        if matches!(action, Action::LaunchNew) && self.mode == Mode::Normal {
            return Some(self.open_launch_form());
        }
        match self.mode {
            Mode::LaunchDetail => self.detail_key(action),
            Mode::Normal | Mode::Search { .. } if self.kpi_view.launch => match action {
                Action::Open | Action::Details if self.mode == Mode::Normal => {
                    if let Some(id) = self.launch.board.current().map(|r| r.group_id) {
                        self.launch.detail = Some(id);
                        self.launch.kit_cursor = 0;
                        self.mode = Mode::LaunchDetail;
                    }
                    Some(Vec::new())
                }
                // the number only WeChat sees is for the selected group in launch (its
                // QR scans, most likely), not the KPI row hidden underneath
                Action::KpiEnter if self.mode == Mode::Normal => {
                    if let Some(r) = self.launch.board.current() {
                        let qr = Metric::MANUAL
                            .iter()
                            .position(|m| *m == Metric::QrScans)
                            .unwrap_or(0);
                        self.mode = Mode::KpiForm(Box::new(KpiForm {
                            group_id: r.group_id,
                            group: r.group.clone(),
                            day: self.real_today().to_string(),
                            metric: qr,
                            value: String::new(),
                            field: FormField::Value,
                            error: None,
                        }));
                    }
                    Some(Vec::new())
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// A key in the launch detail: the kit cursor, done / undo, copy, close. Keys that
    /// mean something elsewhere (search, the KPI keys) do nothing here.
    fn detail_key(&mut self, action: &Action) -> Option<Vec<Effect>> {
        let items = self.launch_detail().map_or(0, |s| s.kit.len());
        let last = items.saturating_sub(1);
        let cursor = &mut self.launch.kit_cursor;
        match action {
            Action::Down => *cursor = (*cursor + 1).min(last),
            Action::Up => *cursor = cursor.saturating_sub(1),
            Action::Top | Action::PageUp => *cursor = 0,
            Action::Bottom | Action::PageDown => *cursor = last,
            Action::ToggleDone => return Some(self.kit_toggle()),
            Action::Copy => return Some(self.kit_copy()),
            Action::Back | Action::Open | Action::Details => {
                self.mode = Mode::Normal;
                self.launch.detail = None;
            }
            Action::Search
            | Action::KpiDays
            | Action::KpiMetric
            | Action::KpiEnter
            | Action::KpiLaunch
            | Action::LaunchNew
            | Action::Left
            | Action::Right => {}
            _ => return None,
        }
        Some(Vec::new())
    }

    fn selected_kit(&self) -> Option<(&LaunchStatus, &KitRow)> {
        let s = self.launch_detail()?;
        let k = s.kit.get(self.launch.kit_cursor)?;
        Some((s, k))
    }

    /// Space on a kit item: done (the QR code: up, with its expiry and renewal reminder,
    /// as `group kit NAME qr`), or back to not done.
    fn kit_toggle(&mut self) -> Vec<Effect> {
        let Some((s, k)) = self.selected_kit() else {
            return Vec::new();
        };
        vec![Effect::LaunchKit(Box::new(KitChange {
            group_id: s.group_id,
            group: s.group.clone(),
            platform: s.platform.clone(),
            item: k.item.clone(),
            done: k.state != "done",
        }))]
    }

    /// `y` on a kit item: its text with the group and positioning filled in, to the
    /// clipboard — as `group kit NAME show ITEM` prints it.
    fn kit_copy(&mut self) -> Vec<Effect> {
        let t = &self.texts.launch;
        let Some((s, k)) = self.selected_kit() else {
            return Vec::new();
        };
        let item = LaunchTexts::of(&t.items, &k.item).to_string();
        let Some(text) = k.text.as_deref().filter(|x| !x.trim().is_empty()) else {
            self.flash = Some(Flash {
                text: fill(&t.detail_no_text, &[("item", &item)]),
                error: true,
            });
            return Vec::new();
        };
        let raw = s.positioning.clone().unwrap_or_default();
        let filled = dl::fill_text(text, &s.group, parse_positioning(&raw).ok().as_ref(), &raw);
        self.flash = Some(Flash {
            text: fill(&t.detail_copied, &[("item", &item)]),
            error: false,
        });
        vec![Effect::Copy(filled)]
    }

    fn open_launch_form(&mut self) -> Vec<Effect> {
        let mut kinds: Vec<String> = KINDS.iter().map(|k| (*k).to_string()).collect();
        for g in &self.kpi.rows {
            if !g.is_all() && !g.kind.is_empty() && !kinds.contains(&g.kind) {
                kinds.push(g.kind.clone());
            }
        }
        self.launch.form = Some(LaunchForm {
            name: String::new(),
            kinds,
            kind_input: String::new(),
            kind_pick: None,
            platform: 0,
            positioning: String::new(),
            start: self.real_today().to_string(),
            field: LaunchField::Name,
            error: None,
            sent: false,
        });
        self.mode = Mode::LaunchForm;
        Vec::new()
    }

    /// Keys while the form is open: typing edits the field, Tab / ↑↓ move between
    /// fields, ←→ choose the kind and the platform, Enter launches, Esc leaves.
    pub(super) fn launch_form_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(form) = &mut self.launch.form else {
            self.mode = Mode::Normal;
            return Vec::new();
        };
        if form.sent && !matches!(key.code, KeyCode::Esc) {
            // the store is launching it: nothing changes under that
            return Vec::new();
        }
        match key.code {
            KeyCode::Esc => {
                self.launch.form = None;
                self.launch.select_new = None;
                self.mode = Mode::Normal;
            }
            KeyCode::Char('c') if ctrl => {
                self.launch.form = None;
                self.mode = Mode::Normal;
            }
            KeyCode::Tab | KeyCode::Down => form.field = form.field.step(1),
            KeyCode::BackTab | KeyCode::Up => form.field = form.field.step(-1),
            KeyCode::Left | KeyCode::Right if form.field == LaunchField::Platform => {
                form.platform = (form.platform + 1) % PLATFORMS.len();
            }
            KeyCode::Left | KeyCode::Right if form.field == LaunchField::Kind => {
                let n = form.kind_matches().len();
                if n > 0 {
                    let right = key.code == KeyCode::Right;
                    form.kind_pick = Some(match form.kind_pick {
                        None if right => 0,
                        None => n - 1,
                        Some(i) if right => (i + 1) % n,
                        Some(i) => (i + n - 1) % n,
                    });
                }
            }
            KeyCode::Backspace => {
                let kind = form.field == LaunchField::Kind;
                if let Some(t) = form.text_mut() {
                    t.pop();
                }
                if kind {
                    form.kind_pick = (!form.kind_input.is_empty()).then_some(0);
                }
            }
            KeyCode::Char(c) if !ctrl => {
                let kind = form.field == LaunchField::Kind;
                if let Some(t) = form.text_mut() {
                    t.push(c);
                }
                if kind {
                    // the best match is chosen as one types
                    form.kind_pick = Some(0);
                }
            }
            KeyCode::Enter => return self.launch_submit(),
            _ => {}
        }
        Vec::new()
    }

    /// Pasted text goes to the form's text field (a positioning is long).
    pub(super) fn launch_form_paste(&mut self, text: &str) {
        if let Some(form) = &mut self.launch.form
            && !form.sent
            && let Some(t) = form.text_mut()
        {
            t.extend(text.chars().filter(|c| !c.is_control()));
        }
    }

    /// Enter: the form checked as `shequn group launch` checks it; a refusal names what
    /// is wrong and keeps everything typed, with the focus on that field.
    fn launch_submit(&mut self) -> Vec<Effect> {
        let t = &self.texts.launch;
        let today = self.real_today();
        let taken: Vec<&str> = self
            .kpi
            .rows
            .iter()
            .filter(|g| !g.is_all())
            .map(|g| g.group.as_str())
            .chain(self.launch.board.rows.iter().map(|r| r.group.as_str()))
            .collect();
        let Some(form) = &mut self.launch.form else {
            return Vec::new();
        };
        let refuse = |form: &mut LaunchForm, field: LaunchField, text: String| {
            form.error = Some(text);
            form.field = field;
            Vec::new()
        };
        let name = form.name.trim().to_string();
        if name.is_empty() {
            return refuse(form, LaunchField::Name, t.form_no_name.clone());
        }
        if taken.contains(&name.as_str()) {
            return refuse(
                form,
                LaunchField::Name,
                fill(&t.form_name_taken, &[("name", &name)]),
            );
        }
        let Some(kind) = form.kind() else {
            return refuse(form, LaunchField::Kind, t.form_no_kind.clone());
        };
        let positioning = Some(form.positioning.trim().to_string()).filter(|p| !p.is_empty());
        if let Some(p) = &positioning
            && let Err(m) = parse_positioning(p)
        {
            let text = fill(
                &t.positioning_missing,
                &[("part", &LaunchTexts::of(&t.parts, m.word()))],
            );
            return refuse(form, LaunchField::Positioning, text);
        }
        let start = if form.start.trim().is_empty() {
            today
        } else {
            match parse_day(&form.start) {
                Some(d) => d,
                None => {
                    let text = fill(&t.form_bad_start, &[("value", &form.start.trim())]);
                    return refuse(form, LaunchField::Start, text);
                }
            }
        };
        form.error = None;
        form.sent = true;
        self.launch.select_new = Some(name.clone());
        vec![Effect::Launch(Box::new(LaunchInput {
            name,
            kind,
            platform: form.platform(),
            positioning,
            start,
        }))]
    }

    /// The store's answer to the form: launched (the form closes, the board shows, the
    /// group is selected when it arrives), or refused (said in the form, nothing lost).
    pub(super) fn launch_saved(&mut self, result: Result<String, String>) -> Vec<Effect> {
        match result {
            Ok(text) => {
                self.launch.form = None;
                self.mode = Mode::Normal;
                self.kpi_view.launch = true;
                self.flash = Some(Flash { text, error: false });
            }
            Err(e) => {
                self.launch.select_new = None;
                if let Some(form) = &mut self.launch.form {
                    form.error = Some(e);
                    form.sent = false;
                }
            }
        }
        Vec::new()
    }

    /// A scroll or filter command for the board.
    pub(super) fn board_table(&mut self, cmd: TableCmd) {
        let page = self.board_page();
        self.launch.board.apply(cmd, page);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_cycle_both_ways() {
        assert_eq!(LaunchField::Start.step(1), LaunchField::Name);
        assert_eq!(LaunchField::Name.step(-1), LaunchField::Start);
        assert_eq!(LaunchField::Kind.step(1), LaunchField::Platform);
    }

    #[test]
    fn days_parse_with_dashes_or_slashes() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2);
        assert_eq!(parse_day(" 2026-03-02 "), d);
        assert_eq!(parse_day("2026/3/2"), d);
        assert_eq!(parse_day("03-02"), None);
    }

    #[test]
    fn a_kind_is_the_match_chosen_or_one_of_the_teams_own() {
        let mut f = LaunchForm {
            name: String::new(),
            kinds: KINDS.iter().map(|k| (*k).to_string()).collect(),
            kind_input: String::new(),
            kind_pick: None,
            platform: 0,
            positioning: String::new(),
            start: String::new(),
            field: LaunchField::Kind,
            error: None,
            sent: false,
        };
        assert_eq!(f.kind(), None, "nothing chosen yet");
        f.kind_input = "xq".into();
        f.kind_pick = Some(0);
        assert_eq!(f.kind().as_deref(), Some("兴趣型"));
        f.kind_input = "读书会".into();
        assert_eq!(
            f.kind().as_deref(),
            Some("读书会"),
            "a kind of the team's own"
        );
        assert_eq!(f.platform(), "personal");
    }
}
