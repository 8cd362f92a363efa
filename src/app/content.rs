//! The Content tab's model: the queue, the item form (title, kind, form, column, tags,
//! groups, slot, owner and the body in ratatui-textarea), the three-check review, the
//! results form, the week schedule, the mix and the weekly review.
//!
//! Every form keeps what was typed until it is saved: a save refused because a
//! colleague changed the item meanwhile leaves the form open with the operator's text
//! (and a copy on disk, see `console`), names who changed it and when, and the next
//! Ctrl-S knowingly saves over their version. Keyword hits (Aho-Corasick over the
//! shipped and the team's lists) are found on every keystroke and highlighted in the
//! body; they block approval until removed or overridden with a reason.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

use super::{Action, App, Effect, Mode, PickerKind};
use crate::domain::content::{Check, Form, Kind, State};
use crate::domain::keywords::{Hit, Keywords};
use crate::store::content::{ContentInput, ContentItem, ContentStep, ResultsInput, ReviewInput};
use crate::store::views::ContentRow;

/// What the Content tab shows besides the queue, loaded with it on the store thread
/// and shaped for drawing (the screen does no arithmetic of its own).
#[derive(Debug, Clone, Default)]
pub struct ContentData {
    pub rows: Vec<ContentRow>,
    pub groups: Vec<(i64, String)>,
    /// The week starting on this Monday.
    pub monday: NaiveDate,
    pub week: WeekView,
    /// Overall (None), then per group: 7 days, 30 days.
    pub mix: Vec<(Option<i64>, MixView, MixView)>,
    pub review: ReviewView,
}

/// One kind's share against its target.
#[derive(Debug, Clone, PartialEq)]
pub struct MixLine {
    pub kind: Kind,
    pub count: u32,
    pub share: f64,
    pub target: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MixView {
    pub lines: Vec<MixLine>,
    pub total: u32,
}

/// An item on the week schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekItem {
    pub id: i64,
    pub day: NaiveDate,
    /// HH:MM in the team's zone.
    pub time: String,
    pub title: String,
    pub kind: Kind,
    pub state: State,
    pub groups: Vec<i64>,
    /// Too close to another push in one of its groups.
    pub clash: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct WeekView {
    pub items: Vec<WeekItem>,
    /// (group, day, pushes) where a group gets more than `max_per_day`.
    pub over: Vec<(i64, NaiveDate, u32)>,
    pub max_per_day: u32,
    /// Times of the day-specific slot hints per weekday (0 = Monday): "20:00".
    pub hints: Vec<Vec<String>>,
    /// Every hint once, for the legend: "周二/周四 20:00 知识教程" is drawn from
    /// (weekdays, when, what); empty weekdays = every day.
    pub legend: Vec<(Vec<chrono::Weekday>, String, String)>,
}

/// The weekly review: what to drop, what works.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReviewView {
    pub end: Option<NaiveDate>,
    /// (id, title, score) of the bottom 20 %.
    pub drop: Vec<(i64, String, f64)>,
    /// (id, title, score) of the top 20 %.
    pub top: Vec<(i64, String, f64)>,
    /// What the top items share: form, slot, title length.
    pub traits: Option<crate::domain::content::TopTraits>,
}

/// The list, or the week schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContentView {
    #[default]
    List,
    Week,
}

#[derive(Debug, Default)]
pub struct ContentState {
    pub view: ContentView,
    /// Any day of the week the schedule shows (today's week by default).
    pub week_of: Option<NaiveDate>,
    /// The group the week view and the mix panel show; None = all groups.
    pub group: Option<(i64, String)>,
    pub data: Option<ContentData>,
    /// The mix panel: None shows it where there is room (110 columns).
    pub panel: Option<bool>,
    /// The item being edited, reviewed or given results (loaded on demand).
    pub form: Option<ContentForm>,
    pub review: Option<ReviewForm>,
    pub results: Option<ResultsForm>,
    /// Keyword lists for the editor's highlighting and the review's block.
    pub keywords: Option<Arc<Keywords>>,
    /// What the next loaded item is for.
    pub pending: Option<(i64, Purpose)>,
    /// The whole item behind the detail popup (Enter).
    pub detail: Option<ContentItem>,
    /// The title of a new item being saved: once the list holds it, it is selected (the
    /// newest item of that title: the store hands out ids in order).
    pub select_new: Option<String>,
}

/// Why an item is being loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The detail popup.
    Detail,
    Edit,
    Review,
    Results,
    /// A save was refused as stale: the form keeps its text, takes their version.
    Conflict,
}

/// The fields of the item form, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Kind,
    Form,
    Column,
    Groups,
    Slot,
    Tags,
    Owner,
    Body,
}

impl Field {
    pub const ORDER: [Field; 9] = [
        Field::Title,
        Field::Kind,
        Field::Form,
        Field::Column,
        Field::Groups,
        Field::Slot,
        Field::Tags,
        Field::Owner,
        Field::Body,
    ];

    fn step(self, d: isize) -> Field {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        let n = Self::ORDER.len() as isize;
        Self::ORDER[((i as isize + d).rem_euclid(n)) as usize]
    }
}

/// A colleague's save that came between loading and saving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub by: String,
    pub at: String,
    /// Where the refused text was kept on disk, if it could be written.
    pub rescued: Option<String>,
}

pub struct ContentForm {
    /// None for a new item.
    pub id: Option<i64>,
    /// The version the operator started from (or, after a conflict, theirs).
    pub version: Option<i64>,
    pub focus: Field,
    pub title: TextArea<'static>,
    pub kind: Kind,
    pub form: Form,
    pub column: TextArea<'static>,
    pub groups: TextArea<'static>,
    pub slot: TextArea<'static>,
    pub tags: TextArea<'static>,
    pub owner: TextArea<'static>,
    pub body: TextArea<'static>,
    /// An explicit material name (kept); None lets shequn propose one.
    pub material: Option<String>,
    pub hits: Vec<Hit>,
    pub error: Option<String>,
    pub conflict: Option<Conflict>,
    pub dirty: bool,
    /// Esc once on unsaved changes asks; Esc again discards.
    pub confirm_discard: bool,
}

impl std::fmt::Debug for ContentForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentForm")
            .field("id", &self.id)
            .field("focus", &self.focus)
            .finish_non_exhaustive()
    }
}

/// A one-line text field.
pub fn line_field(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![text.replace('\n', " ")]);
    t.set_cursor_line_style(ratatui::style::Style::default());
    t.move_cursor(CursorMove::End);
    t
}

fn body_field(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(text.lines().map(str::to_string).collect());
    t.set_cursor_line_style(ratatui::style::Style::default());
    t.set_wrap_mode(WrapMode::WordOrGlyph);
    t
}

pub fn text_of(t: &TextArea<'_>) -> String {
    t.lines().join("\n")
}

/// What separates the names of a list field (also Chinese commas and 、).
const LIST_SEPARATORS: [char; 5] = [',', '，', '、', ';', '；'];

/// Split a comma list (also Chinese commas and 、).
fn split_list(s: &str) -> Vec<String> {
    s.split(LIST_SEPARATORS)
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// The known groups matching the name being typed in a group list (the text after the
/// last separator), best first, with the member search's rules (`hz` finds 杭州…).
pub fn group_matches<'a>(typed: &str, known: &'a [(i64, String)]) -> Vec<&'a str> {
    let part = typed.rsplit(LIST_SEPARATORS).next().unwrap_or("").trim();
    crate::search::rank(part, known.iter().map(|(_, n)| [n]))
        .into_iter()
        .filter_map(|i| known.get(i).map(|(_, n)| n.as_str()))
        .collect()
}

/// The group list with its last name completed, when what is typed there matches exactly
/// one known group and is not that name already.
pub fn complete_group(typed: &str, known: &[(i64, String)]) -> Option<String> {
    let cut = typed.rfind(LIST_SEPARATORS).map_or(0, |at| {
        at + typed[at..].chars().next().map_or(1, char::len_utf8)
    });
    let (head, part) = typed.split_at(cut);
    if part.trim().is_empty() {
        return None;
    }
    match group_matches(typed, known).as_slice() {
        [only] if *only != part.trim() => {
            let space = &part[..part.len() - part.trim_start().len()];
            Some(format!("{head}{space}{only}"))
        }
        _ => None,
    }
}

/// "2026-03-03 20:00", "03-03 20:00", "20:00" (on `day`), in the team's zone.
pub fn parse_slot(s: &str, day: NaiveDate) -> Option<NaiveDateTime> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    for f in ["%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(&format!("{}-{s}", day.year()), "%Y-%m-%d %H:%M") {
        return Some(t);
    }
    NaiveTime::parse_from_str(s, "%H:%M")
        .ok()
        .map(|t| day.and_time(t))
}

impl ContentForm {
    pub fn new_item(owner: &str) -> ContentForm {
        ContentForm {
            id: None,
            version: None,
            focus: Field::Title,
            title: line_field(""),
            kind: Kind::Engage,
            form: Form::Article,
            column: line_field(""),
            groups: line_field(""),
            slot: line_field(""),
            tags: line_field(""),
            owner: line_field(owner),
            body: body_field(""),
            material: None,
            hits: Vec::new(),
            error: None,
            conflict: None,
            dirty: false,
            confirm_discard: false,
        }
    }

    pub fn from_item(item: &ContentItem, slot: Option<String>) -> ContentForm {
        let groups: Vec<&str> = item.groups.iter().map(|(_, n)| n.as_str()).collect();
        ContentForm {
            id: Some(item.id),
            version: Some(item.version),
            focus: Field::Body,
            title: line_field(&item.title),
            kind: item.kind,
            form: item.form,
            column: line_field(item.column.as_deref().unwrap_or("")),
            groups: line_field(&groups.join(", ")),
            slot: line_field(slot.as_deref().unwrap_or("")),
            tags: line_field(&item.tags.join(", ")),
            owner: line_field(&item.owner),
            body: {
                // carry on where the text ends
                let mut b = body_field(&item.body);
                b.move_cursor(CursorMove::Bottom);
                b.move_cursor(CursorMove::End);
                b
            },
            material: item.material_set.then(|| item.material_name.clone()),
            hits: Vec::new(),
            error: None,
            conflict: None,
            dirty: false,
            confirm_discard: false,
        }
    }

    /// Only the focused field shows a caret (the terminal's own cursor is put there
    /// too, for input methods); the others look like plain text.
    pub fn restyle(&mut self) {
        for f in Field::ORDER {
            let focused = f == self.focus;
            if let Some(t) = self.text_mut(f) {
                t.set_cursor_style(caret_style(focused));
            }
        }
    }

    pub fn text_mut(&mut self, f: Field) -> Option<&mut TextArea<'static>> {
        Some(match f {
            Field::Title => &mut self.title,
            Field::Column => &mut self.column,
            Field::Groups => &mut self.groups,
            Field::Slot => &mut self.slot,
            Field::Tags => &mut self.tags,
            Field::Owner => &mut self.owner,
            Field::Body => &mut self.body,
            Field::Kind | Field::Form => return None,
        })
    }

    pub fn text(&self, f: Field) -> Option<&TextArea<'static>> {
        Some(match f {
            Field::Title => &self.title,
            Field::Column => &self.column,
            Field::Groups => &self.groups,
            Field::Slot => &self.slot,
            Field::Tags => &self.tags,
            Field::Owner => &self.owner,
            Field::Body => &self.body,
            Field::Kind | Field::Form => return None,
        })
    }

    /// Find the keyword hits in title and body again and highlight the body's.
    pub fn rescan(&mut self, keywords: Option<&Keywords>) {
        let Some(k) = keywords else {
            return;
        };
        let text = format!("{}\n{}", text_of(&self.title), text_of(&self.body));
        self.hits = k.find(&text);
        let mut words: Vec<&str> = self.hits.iter().map(|h| h.word.as_str()).collect();
        words.sort_unstable();
        words.dedup();
        // the textarea highlights by regex: the hit words, escaped, as alternatives
        let pattern = words
            .iter()
            .map(|w| regex::escape(w))
            .collect::<Vec<_>>()
            .join("|");
        let _ = self.body.set_search_pattern(pattern);
        self.body.set_search_style(
            ratatui::style::Style::default()
                .fg(ratatui::style::Color::Red)
                .add_modifier(
                    ratatui::style::Modifier::BOLD | ratatui::style::Modifier::UNDERLINED,
                ),
        );
    }

    /// The proposed material name for what the form says now.
    pub fn proposed_material(&self, today: NaiveDate) -> String {
        let month = parse_slot(&text_of(&self.slot), today).map_or(today, |t| t.date());
        let column = text_of(&self.column);
        let theme = if column.trim().is_empty() {
            text_of(&self.title)
        } else {
            column
        };
        crate::domain::content::material_name(month, self.kind, theme.trim(), self.form)
    }
}

/// The three-check review of one item.
pub struct ReviewForm {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub author: String,
    /// 合规性, 匹配度, 吸引力: pass and a note each.
    pub checks: [(bool, TextArea<'static>); 3],
    pub override_reason: TextArea<'static>,
    /// 0..=2 the checks, 3 the override reason.
    pub focus: usize,
    pub hits: Vec<Hit>,
    pub error: Option<String>,
}

impl ContentState {
    /// Show the caret in the focused field of whichever form is open; the console
    /// calls it after every key in a form and when one opens.
    pub fn restyle(&mut self) {
        if let Some(f) = &mut self.form {
            f.restyle();
        }
        if let Some(f) = &mut self.review {
            f.restyle();
        }
        if let Some(f) = &mut self.results {
            f.restyle();
        }
    }
}

impl ReviewForm {
    pub fn restyle(&mut self) {
        for (i, (_, t)) in self.checks.iter_mut().enumerate() {
            t.set_cursor_style(caret_style(i == self.focus));
        }
        self.override_reason
            .set_cursor_style(caret_style(self.focus == 3));
    }
}

impl ResultsForm {
    pub fn restyle(&mut self) {
        for (i, t) in self.fields.iter_mut().enumerate() {
            t.set_cursor_style(caret_style(i == self.focus));
        }
    }
}

impl std::fmt::Debug for ReviewForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReviewForm")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Results of a published item: opens, forwards, replies, clicks, orders.
pub struct ResultsForm {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub fields: [TextArea<'static>; 5],
    pub focus: usize,
    pub error: Option<String>,
}

impl std::fmt::Debug for ResultsForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultsForm")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl App {
    /// The Monday of the week the schedule shows.
    pub fn content_monday(&self) -> NaiveDate {
        let day = self
            .content_state
            .week_of
            .unwrap_or_else(|| self.real_today());
        day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()))
    }

    pub(super) fn content_loaded(&mut self, data: ContentData) {
        self.content.set_rows(data.rows.clone());
        let page = self.page_rows();
        if let Some(title) = &self.content_state.select_new
            && let Some(id) = data
                .rows
                .iter()
                .filter(|r| r.title == *title)
                .map(|r| r.id)
                .max()
            && self.content.select_key(id, page)
        {
            self.content_state.select_new = None;
        }
        self.content_state.data = Some(data);
    }

    /// Show the mix panel beside the list?
    pub fn content_panel(&self) -> bool {
        self.content_state.panel.unwrap_or(self.width >= 110)
    }

    /// The item the keys act on: the list's selection, none in the week schedule
    /// (which shows no selection, so it does not offer those keys either).
    fn selected_content(&self) -> Option<&ContentRow> {
        match self.content_state.view {
            ContentView::List => self.content.current(),
            ContentView::Week => None,
        }
    }

    pub(super) fn content_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::NewContent => {
                let mut form = ContentForm::new_item(&self.operator);
                if let Some((_, g)) = &self.content_state.group {
                    form.groups = line_field(g);
                }
                self.content_state.form = Some(form);
                self.mode = Mode::ContentForm;
                self.content_state.restyle();
                Vec::new()
            }
            Action::EditContent | Action::ReviewContent | Action::ResultsContent => {
                let Some(r) = self.selected_content() else {
                    return Vec::new();
                };
                let purpose = match action {
                    Action::EditContent => Purpose::Edit,
                    Action::ReviewContent => Purpose::Review,
                    _ => Purpose::Results,
                };
                let id = r.id;
                self.content_state.pending = Some((id, purpose));
                vec![Effect::LoadContent(id)]
            }
            Action::SubmitContent | Action::PublishContent | Action::UnscheduleContent => {
                let Some(r) = self.selected_content() else {
                    return Vec::new();
                };
                let step = match action {
                    Action::SubmitContent => ContentStep::Submit,
                    Action::PublishContent => ContentStep::Publish,
                    _ => ContentStep::Unschedule,
                };
                vec![Effect::ContentStep {
                    id: r.id,
                    version: None,
                    step,
                }]
            }
            Action::WeekView => {
                self.content_state.view = match self.content_state.view {
                    ContentView::List => ContentView::Week,
                    ContentView::Week => ContentView::List,
                };
                Vec::new()
            }
            Action::PrevDay | Action::NextDay | Action::GoToday => {
                let monday = self.content_monday();
                self.content_state.week_of = match action {
                    Action::PrevDay => monday.checked_sub_days(chrono::Days::new(7)),
                    Action::NextDay => monday.checked_add_days(chrono::Days::new(7)),
                    _ => None,
                };
                self.content_state.view = ContentView::Week;
                vec![Effect::Load(super::Tab::Content, self.content_monday())]
            }
            Action::TogglePanel => {
                let shown = self.content_panel();
                self.content_state.panel = Some(!shown);
                Vec::new()
            }
            Action::GroupFilter => {
                let mut items = vec![self.texts.content.all_groups.clone()];
                if let Some(d) = &self.content_state.data {
                    items.extend(d.groups.iter().map(|(_, n)| n.clone()));
                }
                self.mode = Mode::Picker {
                    kind: PickerKind::ContentGroup,
                    items,
                    input: String::new(),
                    selected: 0,
                };
                Vec::new()
            }
            Action::WeeklyReview => {
                self.mode = Mode::WeeklyReview;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The group picked for the week view and the mix panel.
    pub(super) fn content_group_picked(&mut self, name: &str) {
        self.content_state.group = self.content_state.data.as_ref().and_then(|d| {
            d.groups
                .iter()
                .find(|(_, n)| n == name)
                .map(|(id, n)| (*id, n.clone()))
        });
    }

    /// An item arrived from the store for the form it was asked for.
    pub(super) fn content_item_loaded(&mut self, item: ContentItem) {
        let Some((id, purpose)) = self.content_state.pending.take() else {
            return;
        };
        if id != item.id {
            return;
        }
        let keywords = self.content_state.keywords.clone();
        match purpose {
            Purpose::Detail => self.content_state.detail = Some(item),
            Purpose::Edit => {
                if !matches!(item.state, State::Draft | State::Review) {
                    self.flash = Some(super::Flash {
                        text: self.texts.content.not_editable.clone(),
                        error: true,
                    });
                    return;
                }
                let slot = item.slot.map(|s| self.slot_text(s));
                let mut form = ContentForm::from_item(&item, slot);
                form.rescan(keywords.as_deref());
                self.content_state.form = Some(form);
                self.mode = Mode::ContentForm;
            }
            Purpose::Conflict => {
                // keep every character typed; take their version so the next save
                // knowingly replaces it
                let at = self.slot_text(item.updated_at);
                if let Some(form) = &mut self.content_state.form {
                    form.version = Some(item.version);
                    if let Some(c) = &mut form.conflict {
                        c.by = item.updated_by.clone();
                        c.at = at;
                    }
                }
            }
            Purpose::Review => {
                if item.state != State::Review {
                    self.flash = Some(super::Flash {
                        text: self.texts.content.not_in_review.clone(),
                        error: true,
                    });
                    return;
                }
                // one's own item: said before the form opens, not after all of it is
                // filled in (the store refuses it too)
                if self.rules.content.review_by_other && item.author == self.operator {
                    self.flash = Some(super::Flash {
                        text: self.texts.content.own_review.clone(),
                        error: true,
                    });
                    return;
                }
                let hits = keywords
                    .as_deref()
                    .map(|k| k.find(&format!("{}\n{}", item.title, item.body)))
                    .unwrap_or_default();
                self.content_state.review = Some(ReviewForm {
                    id: item.id,
                    version: item.version,
                    title: item.title.clone(),
                    author: item.author.clone(),
                    checks: [
                        (true, line_field("")),
                        (true, line_field("")),
                        (true, line_field("")),
                    ],
                    override_reason: line_field(""),
                    focus: 0,
                    hits,
                    error: None,
                });
                self.mode = Mode::ReviewForm;
            }
            Purpose::Results => {
                if !matches!(item.state, State::Published | State::Reviewed) {
                    self.flash = Some(super::Flash {
                        text: self.texts.content.not_published.clone(),
                        error: true,
                    });
                    return;
                }
                let r = item.results.as_ref();
                let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
                self.content_state.results = Some(ResultsForm {
                    id: item.id,
                    version: item.version,
                    title: item.title.clone(),
                    fields: [
                        line_field(&num(r.and_then(|r| r.opens))),
                        line_field(&num(r.and_then(|r| r.forwards))),
                        line_field(&num(r.and_then(|r| r.replies))),
                        line_field(&num(r.and_then(|r| r.clicks))),
                        line_field(&num(r.and_then(|r| r.orders))),
                    ],
                    focus: 0,
                    error: None,
                });
                self.mode = Mode::ResultsForm;
            }
        }
        self.content_state.restyle();
    }

    /// "2026-03-03 20:00" in the team's zone.
    fn slot_text(&self, at: i64) -> String {
        chrono::DateTime::from_timestamp(at, 0)
            .map(|t| {
                t.with_timezone(&self.tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    }

    /// A save came back refused because someone else saved first: keep the form.
    pub(super) fn content_conflict(
        &mut self,
        id: i64,
        by: String,
        at: String,
        rescued: Option<String>,
    ) {
        if let Some(form) = &mut self.content_state.form
            && form.id == Some(id)
        {
            form.conflict = Some(Conflict { by, at, rescued });
            form.error = None;
            self.mode = Mode::ContentForm;
            self.content_state.pending = Some((id, Purpose::Conflict));
        }
    }

    /// A key in the item form.
    pub(super) fn content_form_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let action = self.editor_action(&key);
        let today = self.real_today();
        let tz = self.tz;
        let keywords = self.content_state.keywords.clone();
        let texts = &self.texts.content;
        let Some(form) = &mut self.content_state.form else {
            self.mode = Mode::Normal;
            return Vec::new();
        };
        match (action, key.code) {
            (Some(Action::Back), _) => {
                if form.dirty && !form.confirm_discard {
                    form.confirm_discard = true;
                    form.error = Some(texts.discard.clone());
                    return Vec::new();
                }
                self.content_state.form = None;
                self.mode = Mode::Normal;
                Vec::new()
            }
            (Some(Action::Save), _) => {
                form.confirm_discard = false;
                match form_input(form, today, tz, self.content_state.data.as_ref(), texts) {
                    Ok(input) => {
                        form.error = None;
                        self.content_state.select_new =
                            form.id.is_none().then(|| input.title.clone());
                        vec![Effect::ContentSave {
                            id: form.id,
                            version: form.version,
                            input: Box::new(input),
                        }]
                    }
                    Err(e) => {
                        form.error = Some(e);
                        Vec::new()
                    }
                }
            }
            (_, KeyCode::Tab) => {
                // in the groups, Tab first completes a name that only one group matches
                let known = self
                    .content_state
                    .data
                    .as_ref()
                    .map_or(&[][..], |d| d.groups.as_slice());
                let completed = (form.focus == Field::Groups)
                    .then(|| complete_group(&text_of(&form.groups), known))
                    .flatten();
                match completed {
                    Some(text) => {
                        form.groups = line_field(&text);
                        form.dirty = true;
                        form.confirm_discard = false;
                        form.error = None;
                    }
                    None => form.focus = form.focus.step(1),
                }
                Vec::new()
            }
            (_, KeyCode::BackTab) => {
                form.focus = form.focus.step(-1);
                Vec::new()
            }
            (_, KeyCode::Enter) if form.focus != Field::Body => {
                form.focus = form.focus.step(1);
                Vec::new()
            }
            (_, KeyCode::Left | KeyCode::Right | KeyCode::Char(' '))
                if matches!(form.focus, Field::Kind | Field::Form) =>
            {
                let d: isize = if key.code == KeyCode::Left { -1 } else { 1 };
                match form.focus {
                    Field::Kind => form.kind = cycle(&Kind::ALL, form.kind, d),
                    _ => form.form = cycle(&Form::ALL, form.form, d),
                }
                form.dirty = true;
                Vec::new()
            }
            _ => {
                let focus = form.focus;
                if let Some(t) = form.text_mut(focus)
                    && t.input(key)
                {
                    form.dirty = true;
                    form.confirm_discard = false;
                    form.error = None;
                    if matches!(focus, Field::Title | Field::Body) {
                        form.rescan(keywords.as_deref());
                    }
                }
                Vec::new()
            }
        }
    }

    /// Pasted text in the item form goes to the focused field.
    pub(super) fn content_form_paste(&mut self, text: &str) {
        let keywords = self.content_state.keywords.clone();
        if let Some(form) = &mut self.content_state.form {
            let focus = form.focus;
            let text = if focus == Field::Body {
                text.replace("\r\n", "\n")
            } else {
                text.replace(['\r', '\n'], " ")
            };
            if let Some(t) = form.text_mut(focus) {
                t.insert_str(text);
                form.dirty = true;
                form.rescan(keywords.as_deref());
            }
        }
    }

    /// A key in the review form: Space flips the focused check, typing writes its note.
    pub(super) fn review_form_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let action = self.editor_action(&key);
        let texts = &self.texts.content;
        let Some(f) = &mut self.content_state.review else {
            self.mode = Mode::Normal;
            return Vec::new();
        };
        match (action, key.code) {
            (Some(Action::Back), _) => {
                self.content_state.review = None;
                self.mode = Mode::Normal;
                Vec::new()
            }
            (Some(Action::Save), _) => {
                let check = |(pass, note): &(bool, TextArea<'static>)| Check {
                    pass: *pass,
                    note: text_of(note).trim().to_string(),
                };
                let review = ReviewInput {
                    compliance: check(&f.checks[0]),
                    fit: check(&f.checks[1]),
                    appeal: check(&f.checks[2]),
                    override_reason: Some(text_of(&f.override_reason).trim().to_string())
                        .filter(|s| !s.is_empty()),
                };
                let all_pass = f.checks.iter().all(|(p, _)| *p);
                let step = if all_pass {
                    if !f.hits.is_empty() && review.override_reason.is_none() {
                        f.error = Some(texts.blocked.clone());
                        f.focus = 3;
                        return Vec::new();
                    }
                    ContentStep::Approve(review)
                } else {
                    // sent back: the notes of the failed checks are the reason
                    let reason = [&review.compliance, &review.fit, &review.appeal]
                        .iter()
                        .zip([
                            &texts.check_compliance,
                            &texts.check_fit,
                            &texts.check_appeal,
                        ])
                        .filter(|(c, _)| !c.pass)
                        .map(|(c, label)| {
                            if c.note.is_empty() {
                                label.clone()
                            } else {
                                format!("{label}: {}", c.note)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    ContentStep::Reject {
                        reason,
                        review: Some(review),
                    }
                };
                let fx = vec![Effect::ContentStep {
                    id: f.id,
                    version: Some(f.version),
                    step,
                }];
                self.content_state.review = None;
                self.mode = Mode::Normal;
                fx
            }
            (_, KeyCode::Tab | KeyCode::Down | KeyCode::Enter) => {
                f.focus = (f.focus + 1) % 4;
                Vec::new()
            }
            (_, KeyCode::BackTab | KeyCode::Up) => {
                f.focus = (f.focus + 3) % 4;
                Vec::new()
            }
            (_, KeyCode::Char(' ')) if f.focus < 3 && text_of(&f.checks[f.focus].1).is_empty() => {
                f.checks[f.focus].0 = !f.checks[f.focus].0;
                f.error = None;
                Vec::new()
            }
            _ => {
                let t = if f.focus < 3 {
                    &mut f.checks[f.focus].1
                } else {
                    &mut f.override_reason
                };
                t.input(key);
                f.error = None;
                Vec::new()
            }
        }
    }

    /// A key in the results form: numbers only.
    pub(super) fn results_form_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let action = self.editor_action(&key);
        let texts = &self.texts.content;
        let Some(f) = &mut self.content_state.results else {
            self.mode = Mode::Normal;
            return Vec::new();
        };
        match (action, key.code) {
            (Some(Action::Back), _) => {
                self.content_state.results = None;
                self.mode = Mode::Normal;
                Vec::new()
            }
            (Some(Action::Save), _) => {
                let mut v = [None; 5];
                for (i, t) in f.fields.iter().enumerate() {
                    let s = text_of(t);
                    let s = s.trim();
                    if s.is_empty() {
                        continue;
                    }
                    match s.parse::<i64>() {
                        Ok(n) if n >= 0 => v[i] = Some(n),
                        _ => {
                            f.error =
                                Some(crate::i18n::fill(&texts.not_a_number, &[("input", &s)]));
                            f.focus = i;
                            return Vec::new();
                        }
                    }
                }
                let fx = vec![Effect::ContentStep {
                    id: f.id,
                    version: Some(f.version),
                    step: ContentStep::Results(ResultsInput {
                        opens: v[0],
                        forwards: v[1],
                        replies: v[2],
                        clicks: v[3],
                        orders: v[4],
                        lesson: None,
                    }),
                }];
                self.content_state.results = None;
                self.mode = Mode::Normal;
                fx
            }
            (_, KeyCode::Tab | KeyCode::Down | KeyCode::Enter) => {
                f.focus = (f.focus + 1) % 5;
                Vec::new()
            }
            (_, KeyCode::BackTab | KeyCode::Up) => {
                f.focus = (f.focus + 4) % 5;
                Vec::new()
            }
            (_, KeyCode::Char(c))
                if !c.is_ascii_digit() && !key.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                Vec::new()
            }
            _ => {
                f.fields[f.focus].input(key);
                f.error = None;
                Vec::new()
            }
        }
    }
}

/// The caret of a focused field; none elsewhere.
pub fn caret_style(focused: bool) -> ratatui::style::Style {
    use ratatui::style::{Modifier, Style};
    if focused {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default()
    }
}

fn cycle<T: Copy + PartialEq>(all: &[T], now: T, d: isize) -> T {
    let i = all.iter().position(|x| *x == now).unwrap_or(0) as isize;
    let n = all.len() as isize;
    all[((i + d).rem_euclid(n)) as usize]
}

/// What the form says, checked: a title, known groups, a time that parses.
fn form_input(
    form: &ContentForm,
    today: NaiveDate,
    tz: chrono_tz::Tz,
    data: Option<&ContentData>,
    texts: &crate::i18n::ContentTexts,
) -> Result<ContentInput, String> {
    use crate::i18n::fill;
    let title = text_of(&form.title).trim().to_string();
    if title.is_empty() {
        return Err(texts.title_required.clone());
    }
    // before the tab's data arrives no group is known yet: not "unknown groups"
    let Some(data) = data else {
        return Err(texts.groups_loading.clone());
    };
    let known: &[(i64, String)] = data.groups.as_slice();
    let mut groups = Vec::new();
    let mut unknown = Vec::new();
    for name in split_list(&text_of(&form.groups)) {
        match known.iter().find(|(_, n)| *n == name) {
            Some((id, _)) => groups.push(*id),
            None => unknown.push(name),
        }
    }
    if !unknown.is_empty() {
        let names: Vec<&str> = known.iter().map(|(_, n)| n.as_str()).collect();
        return Err(fill(
            &texts.unknown_groups,
            &[("names", &unknown.join(", ")), ("known", &names.join(", "))],
        ));
    }
    let slot_text = text_of(&form.slot);
    let slot = if slot_text.trim().is_empty() {
        None
    } else {
        let local = parse_slot(&slot_text, today)
            .ok_or_else(|| fill(&texts.bad_slot, &[("input", &slot_text.trim())]))?;
        Some(
            crate::clock::local_to_utc(local, tz)
                .ok_or_else(|| fill(&texts.bad_slot, &[("input", &slot_text.trim())]))?
                .timestamp(),
        )
    };
    let column = Some(text_of(&form.column).trim().to_string()).filter(|s| !s.is_empty());
    let owner = text_of(&form.owner).trim().to_string();
    Ok(ContentInput {
        title,
        body: text_of(&form.body),
        kind: form.kind,
        form: form.form,
        column,
        tags: split_list(&text_of(&form.tags)),
        groups,
        slot,
        owner,
        material_name: form.material.clone(),
    })
}
