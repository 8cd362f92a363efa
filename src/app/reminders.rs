//! The Reminders tab's logic and the toast: dismiss, snooze (5 / 15 / 60 minutes),
//! add an ad-hoc reminder from a prompt ("10m check the offer's results", also
//! `:remind` on any tab), and what happens when the engine reports a fired reminder.
//!
//! The tab shows lines, not rows: reminders of one kind and day (the store's
//! [`ReminderRow::bundle`]) are one line, "新人 3 天未发言,私聊激活 · 28 人"; Enter lists
//! them under it (and folds them again), and `d` / `s` on the bundle's line deal with
//! all of them at once — on one of its reminders, with that one.
//!
//! The toast is state beside the mode, never a mode: it does not take a key, so
//! whatever the operator is typing (a script, a prompt, a search) goes on underneath.
//! It goes away on its timer, or at the next key while nothing is being typed.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::TimeZone;

use super::table::Row;
use super::{Action, App, Effect, Flash, Mode, PickerKind, PromptKind, Tab};
use crate::domain::when::{When, split};
use crate::i18n::fill;
use crate::store::reminders::Section;
use crate::store::views::ReminderRow;

/// A change to a reminder, for the store thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemindChange {
    Dismiss {
        id: i64,
        version: i64,
    },
    Snooze {
        id: i64,
        version: i64,
        minutes: i64,
    },
    /// A bundle at once: each reminder's id and the version shown.
    DismissAll {
        seen: Vec<(i64, i64)>,
    },
    SnoozeAll {
        seen: Vec<(i64, i64)>,
        minutes: i64,
    },
    /// For the operator; `when` is resolved against the clock when it is written (the
    /// console's own `now` moves once a minute).
    Add {
        when: When,
        title: String,
    },
}

/// What a finished change did, for its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemindVerb {
    Added,
    Dismissed,
    Snoozed,
    /// A bundle: how many reminders, in how many groups.
    DismissedAll {
        n: usize,
        groups: usize,
    },
    SnoozedAll {
        n: usize,
        groups: usize,
    },
}

/// One line of the Reminders tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemindLine {
    /// The reminder shown (a bundle's first: its time, section and kind).
    pub row: ReminderRow,
    /// A bundle's reminders (two or more) when this is its line; empty for one reminder.
    pub bundle: Vec<ReminderRow>,
    /// Whether the bundle is open (its reminders listed under it).
    pub open: bool,
    /// A reminder listed under its open bundle.
    pub inner: bool,
}

impl RemindLine {
    fn single(row: ReminderRow, inner: bool) -> RemindLine {
        RemindLine {
            row,
            bundle: Vec::new(),
            open: false,
            inner,
        }
    }

    /// Every reminder the line stands for, with the version shown.
    pub fn seen(&self) -> Vec<(i64, i64)> {
        if self.bundle.is_empty() {
            vec![(self.row.id, self.row.version)]
        } else {
            self.bundle.iter().map(|r| (r.id, r.version)).collect()
        }
    }

    /// How many groups the bundle spans.
    pub fn groups(&self) -> usize {
        self.bundle
            .iter()
            .filter_map(|r| r.group.as_deref())
            .collect::<HashSet<_>>()
            .len()
    }
}

/// The reminders behind the tab's lines, and which bundles the operator opened.
#[derive(Debug, Clone, Default)]
pub struct RemindState {
    pub rows: Vec<ReminderRow>,
    /// Open bundles by [`line_key`].
    pub open: HashSet<String>,
    /// The bundle the snooze picker is for: each reminder's id and version shown.
    pub snoozing: Vec<(i64, i64)>,
}

/// A bundle within its section (the due ones and the upcoming ones of a kind are two).
fn line_key(section: Section, bundle: &str) -> String {
    format!("{section:?}:{bundle}")
}

/// The tab's lines from the store's rows (in the store's order): a bundle's line where
/// its first reminder was, with its reminders under it when open.
pub fn lines(
    rows: &[ReminderRow],
    open: &HashSet<String>,
    tz: chrono_tz::Tz,
    now: i64,
) -> Vec<RemindLine> {
    let key = |r: &ReminderRow| {
        r.bundle(tz)
            .filter(|_| r.state != "dismissed")
            .map(|b| line_key(r.section(now), &b))
    };
    let mut members: HashMap<String, Vec<&ReminderRow>> = HashMap::new();
    for r in rows {
        if let Some(k) = key(r) {
            members.entry(k).or_default().push(r);
        }
    }
    let mut out = Vec::new();
    let mut done = HashSet::new();
    for r in rows {
        let bundle = key(r).and_then(|k| members.get(&k).map(|m| (k, m)));
        match bundle {
            Some((k, m)) if m.len() > 1 => {
                if !done.insert(k.clone()) {
                    continue;
                }
                let is_open = open.contains(&k);
                out.push(RemindLine {
                    row: r.clone(),
                    bundle: m.iter().map(|x| (*x).clone()).collect(),
                    open: is_open,
                    inner: false,
                });
                if is_open {
                    out.extend(m.iter().map(|x| RemindLine::single((*x).clone(), true)));
                }
            }
            _ => out.push(RemindLine::single(r.clone(), false)),
        }
    }
    out
}

/// Reminders that just fired, shown over the top right corner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// Which toast this is: a timer for an older one does not end a newer one.
    pub seq: u64,
    /// What fired, oldest first.
    pub rows: Vec<ReminderRow>,
}

/// Where Enter on a reminder goes: the thing it is about, on its tab, selected once
/// that tab has its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jump {
    /// A row of a tab by its key: an SOP item on Today, a content item.
    Key(Tab, i64),
    /// A group's row on the KPIs tab.
    KpiGroup(String),
    /// A member in a group on the Members tab.
    Member(i64, Option<String>),
}

/// A toast keeps at most this many rows (it shows fewer; the rest is a count).
const TOAST_ROWS: usize = 200;

impl App {
    pub(super) fn reminders_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Dismiss => {
                if let Some(l) = self.reminders.current()
                    && l.row.state != "dismissed"
                {
                    if !l.bundle.is_empty() {
                        return vec![Effect::Remind(RemindChange::DismissAll { seen: l.seen() })];
                    }
                    return vec![Effect::Remind(RemindChange::Dismiss {
                        id: l.row.id,
                        version: l.row.version,
                    })];
                }
            }
            Action::Snooze => {
                if let Some(l) = self.reminders.current()
                    && l.row.state != "dismissed"
                {
                    let items = self
                        .rules
                        .reminders
                        .snooze_minutes
                        .iter()
                        .map(|m| fill(&self.texts.reminders.minutes, &[("n", m)]))
                        .collect();
                    let kind = if l.bundle.is_empty() {
                        PickerKind::Snooze {
                            id: l.row.id,
                            version: l.row.version,
                        }
                    } else {
                        self.remind.snoozing = l.seen();
                        PickerKind::SnoozeAll
                    };
                    self.mode = Mode::Picker {
                        kind,
                        items,
                        input: String::new(),
                        selected: 0,
                    };
                }
            }
            Action::AddReminder => {
                self.mode = Mode::Prompt {
                    kind: PromptKind::AddReminder,
                    input: String::new(),
                    id: 0,
                    version: 0,
                };
            }
            _ => {}
        }
        Vec::new()
    }

    /// Enter on a reminder: to the thing it is about, on its tab (an SOP item on its
    /// day, a content item, the group of an alert, a member). None for a reminder that
    /// is about nothing else (an ad-hoc one): its detail opens instead.
    pub(super) fn reminder_jump(&mut self) -> Option<Vec<Effect>> {
        let r = self.reminders.current()?.row.clone();
        let id = r.source_id;
        let jump = match r.source.as_str() {
            "sop" | "countdown" => Jump::Key(Tab::Today, id?),
            "content" | "review" => Jump::Key(Tab::Content, id?),
            "alert" => Jump::KpiGroup(r.group.clone()?),
            "member" => Jump::Member(id?, r.group.clone()),
            _ => return None,
        };
        let tab = match &jump {
            Jump::Key(tab, _) => *tab,
            Jump::KpiGroup(_) => Tab::Kpi,
            Jump::Member(..) => Tab::Members,
        };
        self.jump = Some(jump);
        let mut fx = self.go_tab(tab);
        if tab == Tab::Today {
            // the item's day: its time is the reminder's less its lead
            let at = r.due_at - r.lead_min.unwrap_or(0) * 60;
            let day = self
                .tz
                .timestamp_opt(at, 0)
                .single()
                .map(|t| t.date_naive());
            if let Some(day) = day
                && day != self.today_day
            {
                fx.retain(|e| !matches!(e, Effect::Load(Tab::Today, _)));
                fx.extend(self.load_day(day));
            }
        }
        self.apply_jump();
        Some(fx)
    }

    /// Select what Enter on a reminder went for, once its tab has rows (kept until
    /// then; dropped once done or when it is not there).
    pub(super) fn apply_jump(&mut self) {
        let Some(jump) = self.jump.clone() else {
            return;
        };
        let page = self.page_rows();
        let done = match &jump {
            Jump::Key(Tab::Today, id) => {
                self.today.loaded && !self.today.stale && {
                    self.today.select_key(*id, page);
                    true
                }
            }
            Jump::Key(_, id) => {
                self.content.loaded && !self.content.stale && {
                    self.content.select_key(*id, page);
                    true
                }
            }
            Jump::KpiGroup(name) => {
                self.kpi.loaded && !self.kpi.stale && {
                    let key = self
                        .kpi
                        .rows
                        .iter()
                        .find(|g| g.group == *name)
                        .map(|g| g.group_id);
                    if let Some(k) = key {
                        self.kpi.select_key(k, page);
                    }
                    true
                }
            }
            Jump::Member(id, group) => {
                self.members.loaded && !self.members.stale && {
                    let key = self
                        .members
                        .visible
                        .iter()
                        .map(|&i| &self.members.rows[i])
                        .find(|m| m.id == *id && group.as_ref().is_none_or(|g| *g == m.group))
                        .map(|m| m.membership_id);
                    if let Some(k) = key {
                        self.members.select_key(k, page);
                    }
                    true
                }
            }
        };
        if done {
            self.jump = None;
        }
    }

    /// New rows for the tab. A reminder just dismissed or snoozed moves to another
    /// section; the cursor stays where it was, on the next one to deal with.
    pub(super) fn reminders_loaded(&mut self, rows: Vec<ReminderRow>) {
        let now = self.now.timestamp();
        let before = self
            .reminders
            .current()
            .map(|l| (l.key(), l.row.section(now)));
        let pos = self.reminders.selected;
        self.remind.rows = rows;
        self.relines();
        // the line dealt with (a reminder, a bundle) moved to another section or is gone
        let moved = before.is_some_and(|(key, section)| {
            !self
                .reminders
                .rows
                .iter()
                .any(|l| l.key() == key && l.row.section(now) == section)
        });
        if moved {
            let page = self.page_rows();
            self.reminders.top();
            self.reminders.move_by(pos as isize, page);
        }
    }

    /// The lines again from the rows (after a load, or a bundle opened or folded).
    fn relines(&mut self) {
        let lines = lines(
            &self.remind.rows,
            &self.remind.open,
            self.tz,
            self.now.timestamp(),
        );
        // forget bundles that are gone
        let keys: HashSet<String> = lines
            .iter()
            .filter(|l| l.open)
            .filter_map(|l| {
                l.row
                    .bundle(self.tz)
                    .map(|b| line_key(l.row.section(self.now.timestamp()), &b))
            })
            .collect();
        self.remind.open.retain(|k| keys.contains(k));
        self.reminders.set_rows(lines);
    }

    /// Enter on a bundle's line: list its reminders under it, or fold them. False when
    /// the line is not a bundle's.
    pub(super) fn toggle_bundle(&mut self) -> bool {
        let now = self.now.timestamp();
        let Some(key) = self.reminders.current().and_then(|l| {
            if l.bundle.is_empty() {
                return None;
            }
            l.row
                .bundle(self.tz)
                .map(|b| line_key(l.row.section(now), &b))
        }) else {
            return false;
        };
        if !self.remind.open.remove(&key) {
            self.remind.open.insert(key);
        }
        self.relines();
        true
    }

    /// The snooze picker's choice ("15 分钟") back to minutes, for one reminder or a
    /// bundle.
    pub(super) fn snooze_picked(&mut self, seen: &[(i64, i64)], choice: &str) -> Vec<Effect> {
        let minutes = self
            .rules
            .reminders
            .snooze_minutes
            .iter()
            .copied()
            .find(|m| fill(&self.texts.reminders.minutes, &[("n", m)]) == choice);
        let Some(minutes) = minutes else {
            return Vec::new();
        };
        vec![Effect::Remind(match seen {
            [(id, version)] => RemindChange::Snooze {
                id: *id,
                version: *version,
                minutes,
            },
            _ => RemindChange::SnoozeAll {
                seen: seen.to_vec(),
                minutes,
            },
        })]
    }

    /// "10m 看福利推送的数据": a time, then what.
    pub(super) fn reminder_prompt(&mut self, input: &str) -> Vec<Effect> {
        let t = &self.texts.reminders;
        let error = |text: &str| Flash {
            text: text.to_string(),
            error: true,
        };
        match split(input) {
            Some((_, title)) if title.is_empty() => {
                self.flash = Some(error(&t.no_title));
                Vec::new()
            }
            Some((when, title)) => vec![Effect::Remind(RemindChange::Add { when, title })],
            None => {
                self.flash = Some(error(&t.bad_when));
                Vec::new()
            }
        }
    }

    /// The engine planned or fired something.
    pub(super) fn reminded(&mut self, fired: Vec<ReminderRow>) -> Vec<Effect> {
        // What the step planned or fired reaches the Reminders tab as a change of the
        // reminders topic (`Action::Changed`), like a colleague's; this is the toast.
        let mut fx = Vec::new();
        if fired.is_empty() {
            return fx;
        }
        self.toast_seq += 1;
        let mut rows = self.toast.take().map(|t| t.rows).unwrap_or_default();
        rows.extend(fired);
        if rows.len() > TOAST_ROWS {
            rows.drain(..rows.len() - TOAST_ROWS);
        }
        self.toast = Some(Toast {
            seq: self.toast_seq,
            rows,
        });
        fx.push(Effect::ToastTimer {
            seq: self.toast_seq,
            after: Duration::from_secs(self.rules.reminders.toast_seconds.max(1)),
        });
        if self.rules.reminders.bell {
            fx.push(Effect::Bell);
        }
        fx
    }

    pub(super) fn remind_saved(
        &mut self,
        result: Result<(RemindVerb, Box<ReminderRow>), String>,
    ) -> Vec<Effect> {
        let t = &self.texts.reminders;
        self.flash = Some(match result {
            Ok((verb, r)) => {
                let title = self.reminder_text(&r);
                let text = match verb {
                    RemindVerb::Added => fill(
                        &t.added,
                        &[("when", &self.local(r.due_at)), ("title", &title)],
                    ),
                    RemindVerb::Dismissed => fill(&t.dismissed, &[("title", &title)]),
                    RemindVerb::DismissedAll { n, groups } => {
                        fill(&t.dismissed, &[("title", &self.bundle_text(&r, n, groups))])
                    }
                    RemindVerb::SnoozedAll { n, groups } => fill(
                        &t.snoozed,
                        &[
                            ("until", &self.local(r.snoozed_until.unwrap_or(r.due_at))),
                            ("title", &self.bundle_text(&r, n, groups)),
                        ],
                    ),
                    RemindVerb::Snoozed => fill(
                        &t.snoozed,
                        &[
                            ("until", &self.local(r.snoozed_until.unwrap_or(r.due_at))),
                            ("title", &title),
                        ],
                    ),
                };
                Flash { text, error: false }
            }
            Err(text) => Flash { text, error: true },
        });
        self.reminders.stale = true;
        if self.tab == Tab::Reminders {
            return vec![self.load(Tab::Reminders)];
        }
        Vec::new()
    }

    /// What a reminder says, in the console's language.
    pub fn reminder_text(&self, r: &ReminderRow) -> String {
        self.texts.reminder_text(
            &r.source,
            r.kind.as_deref(),
            &r.title,
            r.lead_min,
            r.section(self.now.timestamp()) == Section::Due,
            &self.rules.tiers,
        )
    }

    /// A bundle of `n` reminders like `r` in `groups` groups, in the console's language.
    pub fn bundle_text(&self, r: &ReminderRow, n: usize, groups: usize) -> String {
        self.texts.bundle_text(
            &r.source,
            r.kind.as_deref(),
            &r.title,
            r.lead_min,
            r.section(self.now.timestamp()) == Section::Due,
            n,
            groups,
            &self.rules.tiers,
        )
    }

    /// `MM-DD HH:MM` in the team's zone.
    fn local(&self, at: i64) -> String {
        self.tz
            .timestamp_opt(at, 0)
            .single()
            .map(|t| t.format("%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }

    /// The toast's lines, most pressing first. Reminders about the same step in
    /// several groups are one line with the groups counted ("08:30 早安问候 · 还有
    /// 10 分钟 · 12 个群"); member warnings and review requests are one line per kind
    /// ("新人 3 天未发言,私聊激活:张三 等 11 人"); ad-hoc ones each have their own.
    pub fn toast_lines(&self) -> Vec<String> {
        /// Reminders that make one line of the toast.
        struct Line<'a> {
            priority: u8,
            key: String,
            /// the first one's text
            text: String,
            groups: Vec<&'a str>,
            n: usize,
            member: bool,
        }
        let Some(toast) = &self.toast else {
            return Vec::new();
        };
        let t = &self.texts.reminders;
        let mut lines: Vec<Line<'_>> = Vec::new();
        for r in &toast.rows {
            let text = self.reminder_text(r);
            let (priority, key) = match r.source.as_str() {
                "adhoc" => (0, format!("adhoc:{}", r.id)),
                "sop" | "countdown" | "content" => (1, text.clone()),
                "alert" => (2, text.clone()),
                other => (3, format!("{other}:{}", r.kind.as_deref().unwrap_or(""))),
            };
            let group = r.group.as_deref().unwrap_or("");
            match lines
                .iter_mut()
                .find(|l| l.priority == priority && l.key == key)
            {
                Some(l) => {
                    if !l.groups.contains(&group) {
                        l.groups.push(group);
                    }
                    l.n += 1;
                }
                None => lines.push(Line {
                    priority,
                    key,
                    text,
                    groups: vec![group],
                    n: 1,
                    member: r.source == "member",
                }),
            }
        }
        lines.sort_by_key(|l| l.priority);
        lines
            .into_iter()
            .map(|l| {
                if l.priority == 3 && l.n > 1 {
                    let tpl = if l.member {
                        &t.toast_people
                    } else {
                        &t.toast_items
                    };
                    return fill(tpl, &[("text", &l.text), ("n", &(l.n - 1))]);
                }
                match l.groups.as_slice() {
                    [""] => l.text,
                    [g] => format!("{} · {g}", l.text),
                    _ => format!(
                        "{} · {}",
                        l.text,
                        fill(&t.toast_groups, &[("n", &l.groups.len())])
                    ),
                }
            })
            .collect()
    }
}
