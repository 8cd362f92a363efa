//! The team's settings on the store thread (issue 12): when the `settings` change signal
//! moves — a colleague's `shequn settings set`, an import of the team's keywords, or
//! this console's own write — the thread reads the team's rules and keyword lists again,
//! judges with them from then on (its [`StoreEnv`]), and hands them to the screen, so
//! thresholds on screen change without a restart.

use std::sync::Arc;

use super::StoreEnv;
use crate::app::Action;
use crate::store::Store;
use crate::store::changes::Topics;

/// After a change touched `topics`: the team's settings read again when they moved
/// (`env` updated, the screen's action returned); `None` when they did not move, or
/// could not be read (logged; the console keeps judging with what it had).
pub fn on_changed(store: &Store, env: &mut StoreEnv, topics: Topics) -> Option<Action> {
    if !topics.contains(Topics::SETTINGS) {
        return None;
    }
    reload(store, env)
}

/// Read the team's settings again into `env`, and say so to the screen.
pub fn reload(store: &Store, env: &mut StoreEnv) -> Option<Action> {
    match crate::store::settings::team(store.conn()) {
        Ok(team) => {
            tracing::info!("team settings re-read");
            env.rules = team.rules.clone();
            env.keywords = Arc::new(team.keywords);
            Some(Action::Settings {
                rules: Box::new(team.rules),
                keywords: Arc::clone(&env.keywords),
            })
        }
        Err(e) => {
            tracing::warn!("re-reading the team's settings: {e}");
            None
        }
    }
}
