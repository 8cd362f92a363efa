//! What the event loop asks of the store thread: the effects of `App::update` that need
//! the database (as they are: the handlers read them), plus the reminder engine's
//! steps.

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

use crate::app::Effect;
use crate::reminders::StepError;
use crate::store::reminders::Step;

pub enum Request {
    /// An effect of `App::update` that needs the database.
    Do(Effect),
    /// The reminder engine's step: plan, fire what is due at `now`, say what is new.
    RemindStep {
        now: DateTime<Utc>,
        reply: oneshot::Sender<Result<Step, StepError>>,
    },
    /// The member list or a word preview, read on the reader's connection (see `loader`).
    Read(Box<super::loader::Done>),
    Quit,
}

impl Request {
    /// The request an effect stands for; `None` for effects the loop performs itself
    /// (quit, clipboard, bell, timers).
    pub fn from_effect(fx: Effect) -> Option<Request> {
        match fx {
            Effect::Quit | Effect::Copy(_) | Effect::Bell | Effect::ToastTimer { .. } => None,
            fx => Some(Request::Do(fx)),
        }
    }

    /// A change this console writes. Its own writes do not move its data_version, so
    /// the store thread reads the change signals back right after it (and wakes the
    /// reminder engine: a scheduled post or an opened alert plans reminders; an item
    /// done drops its nag).
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Request::Do(
                Effect::Sop { .. }
                    | Effect::Override { .. }
                    | Effect::ApplyTemplate { .. }
                    | Effect::Member { .. }
                    | Effect::ContentSave { .. }
                    | Effect::ContentStep { .. }
                    | Effect::KpiEntry { .. }
                    | Effect::Remind(_)
                    | Effect::Risk { .. }
                    | Effect::AddWord { .. }
                    | Effect::Launch(_)
                    | Effect::LaunchKit(_)
            )
        )
    }
}
