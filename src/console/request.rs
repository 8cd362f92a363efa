//! What the event loop asks of the store thread: one `Request` per effect of
//! `App::update` that needs the database, plus the reminder engine's steps. The
//! translation from effects lives here so the loop itself stays a loop.

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::oneshot;

use crate::app::{Effect, RemindChange, Tab};
use crate::domain::sop::SopChange;
use crate::reminders::StepError;
use crate::store::reminders::Step;
use crate::store::sop;

pub enum Request {
    Load(Tab, NaiveDate),
    /// A load for when nothing else waits (`Effect::Preload`).
    Preload(Tab, NaiveDate),
    Showing(Tab),
    Sop {
        id: i64,
        version: i64,
        change: SopChange,
    },
    Calendar(NaiveDate),
    Override {
        group_id: i64,
        item_id: i64,
        o: sop::Override,
    },
    Apply {
        template: String,
        groups: Vec<String>,
    },
    Member {
        id: i64,
        version: Option<i64>,
        change: crate::store::members::MemberChange,
    },
    LoadMember(i64),
    LoadMemberRows(Vec<i64>),
    LoadContent(i64),
    ContentSave {
        id: Option<i64>,
        version: Option<i64>,
        input: Box<crate::store::content::ContentInput>,
    },
    ContentStep {
        id: i64,
        version: Option<i64>,
        step: crate::store::content::ContentStep,
    },
    KpiEntry {
        group_id: i64,
        day: NaiveDate,
        metric: crate::domain::kpi::Metric,
        value: f64,
        saved: String,
    },
    /// The reminder engine's step: plan, fire what is due at `now`, say what is new.
    RemindStep {
        now: DateTime<Utc>,
        reply: oneshot::Sender<Result<Step, StepError>>,
    },
    Remind(RemindChange),
    Quit,
}

impl Request {
    /// The request an effect stands for; `None` for effects the loop performs itself
    /// (quit, clipboard, bell, timers).
    pub fn from_effect(fx: Effect) -> Option<Request> {
        Some(match fx {
            Effect::Load(tab, day) => Request::Load(tab, day),
            Effect::Preload(tab, day) => Request::Preload(tab, day),
            Effect::ShowingTab(tab) => Request::Showing(tab),
            Effect::Sop {
                id,
                version,
                change,
            } => Request::Sop {
                id,
                version,
                change,
            },
            Effect::LoadCalendar(day) => Request::Calendar(day),
            Effect::Override {
                group_id,
                item_id,
                slot,
                script,
            } => Request::Override {
                group_id,
                item_id,
                o: sop::Override {
                    slot,
                    script,
                    title: None,
                },
            },
            Effect::ApplyTemplate { template, groups } => Request::Apply { template, groups },
            Effect::Member {
                id,
                version,
                change,
            } => Request::Member {
                id,
                version,
                change,
            },
            Effect::LoadMember(id) => Request::LoadMember(id),
            Effect::LoadMemberRows(ids) => Request::LoadMemberRows(ids),
            Effect::KpiEntry {
                group_id,
                day,
                metric,
                value,
                saved,
            } => Request::KpiEntry {
                group_id,
                day,
                metric,
                value: value.0,
                saved,
            },
            Effect::LoadContent(id) => Request::LoadContent(id),
            Effect::ContentSave { id, version, input } => {
                Request::ContentSave { id, version, input }
            }
            Effect::ContentStep { id, version, step } => Request::ContentStep { id, version, step },
            Effect::Remind(change) => Request::Remind(change),
            Effect::Quit | Effect::Copy(_) | Effect::Bell | Effect::ToastTimer { .. } => {
                return None;
            }
        })
    }

    /// A change this console writes. Its own writes do not move its data_version, so
    /// the store thread reads the change signals back right after it (and wakes the
    /// reminder engine: a scheduled post or an opened alert plans reminders; an item
    /// done drops its nag).
    pub fn is_write(&self) -> bool {
        match self {
            Request::Sop { .. }
            | Request::Override { .. }
            | Request::Apply { .. }
            | Request::Member { .. }
            | Request::ContentSave { .. }
            | Request::ContentStep { .. }
            | Request::KpiEntry { .. }
            | Request::Remind(_) => true,
            Request::Load(..)
            | Request::Preload(..)
            | Request::Showing(_)
            | Request::Calendar(_)
            | Request::LoadMember(_)
            | Request::LoadMemberRows(_)
            | Request::LoadContent(_)
            | Request::RemindStep { .. }
            | Request::Quit => false,
        }
    }
}
