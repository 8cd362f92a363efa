//! The Risk tab's requests: the board (queue, records, the week's words and ad share,
//! on-time shares), a step on an incident — with, for a false positive, an exception
//! to its word as a second short write (it needs `keywords.edit`, which a colleague who
//! may act on incidents need not have) — and a word's dry-run and addition.

use chrono::{DateTime, Days, Utc};

use super::describe;
use crate::app::risk::WordPreview;
use crate::app::{Action, Loaded};
use crate::console::StoreEnv;
use crate::domain::keywords::{Category, Entry};
use crate::domain::roles::Perm;
use crate::i18n::fill;
use crate::store::risk::act::{self, Step};
use crate::store::risk::{self, WEEK_DAYS};
use crate::store::settings::{self, ListChange};
use crate::store::{Store, StoreError, history};

pub fn load(store: &Store, now: DateTime<Utc>, env: &StoreEnv) -> crate::store::Result<Loaded> {
    let today = crate::clock::local_day(now, env.tz);
    let from = today
        .checked_sub_days(Days::new(u64::try_from(WEEK_DAYS - 1).unwrap_or(6)))
        .unwrap_or(today);
    let board = risk::board(
        store.conn(),
        &env.rules.risk,
        now.timestamp(),
        &from.to_string(),
        &today.to_string(),
    )?;
    Ok(Loaded::Risk(Box::new(board)))
}

/// A step on incident `id` as the screen saw it (`version`); `except`: a false
/// positive's context to let the word alone in.
pub fn step(
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    (id, version): (i64, i64),
    step: Step,
    reason: &str,
    except: Option<&str>,
) -> Action {
    let t = &env.texts.risk;
    let at = now.timestamp();
    let perm = match step {
        Step::Review => Perm::RiskReview,
        Step::Act(_) => Perm::RiskAct,
    };
    let done = store.write(perm, |tx, op| {
        act::on_incident(tx, op, at, id, Some(version), step, reason)
    });
    let done = match done {
        Ok(d) => d,
        Err(e) => return Action::Saved(Err(refusal(store, env, &e))),
    };
    let mut text = match done.action {
        None => fill(&t.reviewed, &[("id", &id)]),
        Some(a) => fill(
            &t.acted,
            &[
                ("id", &id.to_string()),
                (
                    "action",
                    &t.actions.get(a.word()).cloned().unwrap_or_default(),
                ),
                ("sanction", &done.sanction.unwrap_or_default().to_string()),
            ],
        ),
    };
    let Some(context) = except else {
        return Action::Saved(Ok(text));
    };
    // the word and list of the hit, as the incident recorded them
    let hit = risk::get(store.conn(), id, &env.rules.risk, at)
        .ok()
        .and_then(|r| {
            let c = r.category.as_deref().and_then(Category::parse)?;
            Some((c, r.keyword?))
        });
    let Some((category, word)) = hit else {
        return Action::Saved(Ok(text));
    };
    let added = store.write(Perm::KeywordsEdit, |tx, op| {
        settings::change_exception(tx, op, at, category, &word, context, ListChange::Add)
    });
    match added {
        Ok(_) => {
            text.push(' ');
            text.push_str(&fill(
                &t.tab_excepted,
                &[("word", &word), ("context", &context)],
            ));
            Action::Saved(Ok(text))
        }
        // the incident is dismissed; only the exception was refused: say both
        Err(e) => Action::Saved(Err(format!(
            "{text} {}",
            fill(&t.tab_not_excepted, &[("why", &describe(&e, store, env))])
        ))),
    }
}

/// A refused step in the console's language: a colleague got there first, or the
/// incident changed since it was shown.
fn refusal(store: &Store, env: &StoreEnv, e: &StoreError) -> String {
    let t = &env.texts.risk;
    match e {
        StoreError::Handled { id, action, by, .. } => fill(
            &t.tab_handled,
            &[
                ("id", &id.to_string()),
                (
                    "action",
                    &t.actions.get(action).cloned().unwrap_or(action.clone()),
                ),
                ("by", by),
            ],
        ),
        StoreError::Stale {
            what: "incident",
            id,
            by,
            ..
        } => fill(&t.tab_stale, &[("id", &id.to_string()), ("by", by)]),
        e => describe(e, store, env),
    }
}

/// What `word` on `category` would have flagged in the whole history: the same
/// computation as `shequn keywords test --file` with that one word. It reads every
/// message, so the console runs it on the member list's reader (`loader`).
pub fn preview_report(
    store: &Store,
    category: Category,
    word: &str,
) -> crate::store::Result<crate::domain::keywords::dryrun::Report> {
    let started = std::time::Instant::now();
    let entry = Entry {
        word: word.to_string(),
        level: None,
        except: Vec::new(),
    };
    let report = history::dry_run(
        store.conn(),
        &[(category, entry)],
        Some(category),
        None,
        None,
    );
    tracing::debug!(
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "word preview"
    );
    report
}

/// The preview's report as the screen takes it.
pub fn preview(
    store: &Store,
    env: &StoreEnv,
    category: Category,
    word: String,
    report: crate::store::Result<crate::domain::keywords::dryrun::Report>,
) -> Action {
    match report {
        Ok(report) => Action::Loaded(Loaded::WordPreview(Box::new(WordPreview {
            category,
            word,
            report,
        }))),
        Err(e) => Action::Error(describe(&e, store, env)),
    }
}

/// Add `word` to the team's `category` list.
pub fn add_word(
    store: &mut Store,
    env: &StoreEnv,
    now: DateTime<Utc>,
    category: Category,
    word: &str,
) -> Action {
    let at = now.timestamp();
    let words = [word.to_string()];
    let result = store
        .write(Perm::KeywordsEdit, |tx, op| {
            settings::change_words(tx, op, at, category, &words, ListChange::Add)
        })
        .map(|plan| {
            let t = &env.texts.risk;
            let template = if plan.changed.is_empty() {
                &t.tab_word_already
            } else {
                &t.tab_word_added
            };
            fill(
                template,
                &[("word", &word), ("category", &env.texts.category(category))],
            )
        })
        .map_err(|e| describe(&e, store, env));
    Action::Saved(result)
}
