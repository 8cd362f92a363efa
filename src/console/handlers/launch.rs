//! The launch board's writes from the console (issue 16): a group launched from the
//! form and a kit item done or undone from a group's launch detail — the store
//! functions `shequn group launch` and `shequn group kit` call, in one short
//! transaction each, answered in the console's language.

use chrono::{DateTime, Utc};

use super::describe;
use crate::app::Action;
use crate::app::launch::{KitChange, LaunchInput};
use crate::clock::local_day;
use crate::console::StoreEnv;
use crate::domain::launch::{self as dl, QR_ITEM};
use crate::domain::roles::Perm;
use crate::i18n::{LaunchTexts, fill};
use crate::store::Store;
use crate::store::launch::{self as sl, NewLaunch};

/// Launch the group; say what was made and the next step.
pub fn launch(
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    input: &LaunchInput,
) -> Action {
    let t = &env.texts.launch;
    let new = NewLaunch {
        name: &input.name,
        kind: &input.kind,
        platform: input.platform,
        positioning: input.positioning.as_deref(),
        start: input.start,
        region: None,
    };
    let made = store.write(Perm::GroupEdit, |tx, op| {
        sl::launch(tx, op, now.timestamp(), &env.rules.launch, &new)
    });
    let result = made.map_err(|e| describe(&e, store, env)).map(|made| {
        let today = local_day(now, env.tz);
        let step = sl::board(
            store.conn(),
            today,
            env.tz,
            &env.rules.launch,
            Some(made.group_id),
        )
        .ok()
        .and_then(|b| b.into_iter().next())
        .map(|s| t.next_step(s.next_step()))
        .unwrap_or_default();
        fill(
            &t.launched,
            &[
                ("name", &input.name),
                ("id", &made.group_id),
                ("start", &input.start),
                ("opens", &made.opens),
                ("step", &step),
            ],
        )
    });
    Action::Saved(result)
}

/// A kit item done (the QR code: up from today, with its expiry and the renewal
/// reminder, as `group kit NAME qr`) or back to not done.
pub fn kit(store: &mut Store, env: &StoreEnv, now: DateTime<Utc>, k: &KitChange) -> Action {
    let t = &env.texts.launch;
    let today = local_day(now, env.tz);
    let rules = &env.rules.launch;
    let written = store.write(Perm::GroupEdit, |tx, op| {
        if k.done && k.item == QR_ITEM {
            let expires = dl::qr_expiry(&k.platform, today, rules.qr.valid_days);
            sl::kit_qr(tx, op, now, env.tz, rules, &k.group, expires).map(|_| ())
        } else {
            sl::kit_done(tx, op, now.timestamp(), &k.group, &k.item, k.done)
        }
    });
    let result = written.map_err(|e| describe(&e, store, env)).map(|()| {
        let (d, n) = sl::board(store.conn(), today, env.tz, rules, Some(k.group_id))
            .ok()
            .and_then(|b| b.into_iter().next())
            .map_or((0, 0), |s| (s.kit_done, s.kit_total));
        let template = if k.done { &t.kit_done } else { &t.kit_undone };
        fill(
            template,
            &[
                ("name", &k.group),
                ("item", &LaunchTexts::of(&t.items, &k.item)),
                ("done", &d),
                ("total", &n),
            ],
        )
    });
    Action::Saved(result)
}
