//! The Reminders tab's logic and the toast: dismiss, snooze (5 / 15 / 60 minutes),
//! add an ad-hoc reminder from a prompt ("10m check the offer's results", also
//! `:remind` on any tab), and what happens when the engine reports a fired reminder.
//!
//! The toast is state beside the mode, never a mode: it does not take a key, so
//! whatever the operator is typing (a script, a prompt, a search) goes on underneath.
//! It goes away on its timer, or at the next key while nothing is being typed.

use std::time::Duration;

use chrono::TimeZone;

use super::{Action, App, Effect, Flash, Mode, PickerKind, PromptKind, Tab};
use crate::domain::when::{When, split};
use crate::i18n::fill;
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
                if let Some(r) = self.reminders.current()
                    && r.state != "dismissed"
                {
                    return vec![Effect::Remind(RemindChange::Dismiss {
                        id: r.id,
                        version: r.version,
                    })];
                }
            }
            Action::Snooze => {
                if let Some(r) = self.reminders.current()
                    && r.state != "dismissed"
                {
                    let items = self
                        .rules
                        .reminders
                        .snooze_minutes
                        .iter()
                        .map(|m| fill(&self.texts.reminders.minutes, &[("n", m)]))
                        .collect();
                    self.mode = Mode::Picker {
                        kind: PickerKind::Snooze {
                            id: r.id,
                            version: r.version,
                        },
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
        let r = self.reminders.current()?.clone();
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
        let before = self.reminders.current().map(|r| (r.id, r.section(now)));
        let pos = self.reminders.selected;
        self.reminders.set_rows(rows);
        let moved = before.is_some_and(|(id, section)| {
            self.reminders
                .rows
                .iter()
                .any(|r| r.id == id && r.section(now) != section)
        });
        if moved {
            let page = self.page_rows();
            self.reminders.top();
            self.reminders.move_by(pos as isize, page);
        }
    }

    /// The snooze picker's choice ("15 分钟") back to minutes.
    pub(super) fn snooze_picked(&mut self, id: i64, version: i64, choice: &str) -> Vec<Effect> {
        let minutes = self
            .rules
            .reminders
            .snooze_minutes
            .iter()
            .copied()
            .find(|m| fill(&self.texts.reminders.minutes, &[("n", m)]) == choice);
        minutes
            .map(|minutes| {
                vec![Effect::Remind(RemindChange::Snooze {
                    id,
                    version,
                    minutes,
                })]
            })
            .unwrap_or_default()
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
