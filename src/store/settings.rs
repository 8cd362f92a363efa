//! Team settings in the store (issue 12): the team's overrides of `data/rules.toml`
//! (`team_settings`) and its changes to the keyword lists (`team_keywords`), read back
//! as the rules and lists every command and console works with ([`team`]), and changed
//! — each change audited in the same short write (entity `setting` or `keyword`, which
//! moves the `settings` change signal). What a key or a word may be is decided by
//! `domain::settings`; a value that does not fit is refused inside the write, so two
//! owners setting at once cannot leave rules that do not parse.

use rusqlite::{Connection, Transaction, params};
use serde::Serialize;
use serde_json::json;

use super::{Result, StoreError, audit};
use crate::domain::keywords::{Category, Keywords};
use crate::domain::rules::Rules;
use crate::domain::settings::{
    self as domain, Given, SettingsError, TeamException, TeamWord, WordChange, WordOp, WordPlan,
};

/// One key the team set, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingRow {
    pub key: String,
    /// TOML text (`0.3`, `"721"`, `[5, 15, 60]`).
    pub value: String,
    pub set_by: String,
    pub set_at: i64,
    pub version: i64,
}

/// One of the team's changes to a keyword list, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeywordRow {
    pub category: String,
    pub word: String,
    /// `add` or `remove`.
    pub change: String,
    pub set_by: String,
    pub set_at: i64,
}

/// Every key the team set, by key.
pub fn overrides(conn: &Connection) -> Result<Vec<SettingRow>> {
    let mut st = conn.prepare_cached(
        "SELECT key, value, set_by, set_at, version FROM team_settings ORDER BY key",
    )?;
    let rows = st.query_map([], |r| {
        Ok(SettingRow {
            key: r.get(0)?,
            value: r.get(1)?,
            set_by: r.get(2)?,
            set_at: r.get(3)?,
            version: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every change the team made to the keyword lists, by category and word.
pub fn keyword_rows(conn: &Connection) -> Result<Vec<KeywordRow>> {
    let mut st = conn.prepare_cached(
        "SELECT category, word, change, set_by, set_at FROM team_keywords
         ORDER BY category, set_at, word",
    )?;
    let rows = st.query_map([], |r| {
        Ok(KeywordRow {
            category: r.get(0)?,
            word: r.get(1)?,
            change: r.get(2)?,
            set_by: r.get(3)?,
            set_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The rows as changes this shequn understands (a category a newer one added is left
/// out).
pub fn team_words(rows: &[KeywordRow]) -> Vec<TeamWord> {
    rows.iter()
        .filter_map(|r| {
            Some(TeamWord {
                category: Category::parse(&r.category)?,
                word: r.word.clone(),
                change: WordChange::parse(&r.change)?,
            })
        })
        .collect()
}

/// What a team works with: the shipped rules and lists with the team's changes.
#[derive(Debug, Clone)]
pub struct Team {
    pub rules: Rules,
    pub keywords: Keywords,
    /// Stored keys left out because their value no longer fits (logged).
    pub skipped: Vec<String>,
}

/// The team's keyword lists with `proposed` words on top (`keywords test --file`).
pub fn team_keywords_with(
    conn: &Connection,
    proposed: &[(Category, crate::domain::keywords::Entry)],
) -> Result<Keywords> {
    Ok(domain::team_keywords_with(
        &team_words(&keyword_rows(conn)?),
        &team_exceptions(&exception_rows(conn)?),
        proposed,
    ))
}

/// The team's rules and keyword lists, as the database holds them now.
pub fn team(conn: &Connection) -> Result<Team> {
    let stored: Vec<(String, String)> = overrides(conn)?
        .into_iter()
        .map(|r| (r.key, r.value))
        .collect();
    let (rules, skipped) = domain::load(&stored);
    if !skipped.is_empty() {
        tracing::warn!(
            keys = skipped.join(","),
            "team settings that no longer fit the rules are left out"
        );
    }
    let keywords = domain::team_keywords(
        &team_words(&keyword_rows(conn)?),
        &team_exceptions(&exception_rows(conn)?),
    );
    Ok(Team {
        rules,
        keywords,
        skipped,
    })
}

/// One key changed by a write: what it was (`None`: the default) and is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingChange {
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The team's settings as dotted key → value (a stored text that is not TOML left out).
type Values = Vec<(String, toml::Value)>;

fn current(tx: &Transaction<'_>) -> Result<(Vec<SettingRow>, Values)> {
    let rows = overrides(tx)?;
    let values = rows
        .iter()
        .filter_map(|r| Some((r.key.clone(), r.value.parse::<toml::Value>().ok()?)))
        .collect();
    Ok((rows, values))
}

/// Set `items` (key, value as given) as the team's, in this transaction: each is
/// checked against the rules with the team's other settings (and the items before it)
/// in place; one that does not fit refuses them all. A key set to the value it already
/// has is left alone. Returns what changed, in the order given.
pub fn set(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    items: &[(String, Given)],
) -> Result<Vec<SettingChange>> {
    let (rows, mut values) = current(tx)?;
    let mut planned: Vec<(String, String)> = Vec::new();
    for (key, given) in items {
        let value = domain::value_for(key, given, &values).map_err(StoreError::Settings)?;
        values.retain(|(k, _)| k != key);
        values.push((key.clone(), value.clone()));
        planned.retain(|(k, _)| k != key);
        planned.push((key.clone(), value.to_string()));
    }
    let mut out = Vec::new();
    for (key, text) in planned {
        let old = rows.iter().find(|r| r.key == key).map(|r| r.value.clone());
        if old.as_deref() == Some(text.as_str()) {
            continue;
        }
        tx.prepare_cached(
            "INSERT INTO team_settings (key, value, set_by, set_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, set_by = excluded.set_by,
                 set_at = excluded.set_at, version = version + 1",
        )?
        .execute(params![key, text, operator, at])?;
        audit(
            tx,
            at,
            operator,
            "set",
            "setting",
            None,
            old.as_ref()
                .map(|o| json!({ "key": key, "value": o }))
                .as_ref(),
            Some(&json!({ "key": key, "value": text })),
        )?;
        out.push(SettingChange {
            key,
            old,
            new: Some(text),
        });
    }
    Ok(out)
}

/// Give `key` back its default, in this transaction; `None` when the team had not set
/// it. Refused when the rest of the team's settings need it (a mix preset the team's
/// mix names, a field of the team's own alert rule).
pub fn unset(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    key: &str,
) -> Result<Option<SettingChange>> {
    let (rows, mut values) = current(tx)?;
    let Some(old) = rows.iter().find(|r| r.key == key).map(|r| r.value.clone()) else {
        domain::check_key(key).map_err(StoreError::Settings)?;
        return Ok(None);
    };
    values.retain(|(k, _)| k != key);
    if let Err(reason) = domain::rules_with(&values) {
        return Err(StoreError::Settings(SettingsError::Needed {
            key: key.to_string(),
            reason,
        }));
    }
    tx.prepare_cached("DELETE FROM team_settings WHERE key = ?1")?
        .execute([key])?;
    audit(
        tx,
        at,
        operator,
        "unset",
        "setting",
        None,
        Some(&json!({ "key": key, "value": old })),
        None,
    )?;
    Ok(Some(SettingChange {
        key: key.to_string(),
        old: Some(old),
        new: None,
    }))
}

/// Which way a change to a list goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListChange {
    Add,
    Remove,
}

/// Add `words` to (or take them off) `category`'s list, in this transaction, each row
/// audited; one word that cannot be (a bad word, or one to remove that is on no list)
/// refuses them all. Returns the words changed and those already so.
pub fn change_words(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    category: Category,
    words: &[String],
    change: ListChange,
) -> Result<WordPlan> {
    let current = team_words(&keyword_rows(tx)?);
    let plan = match change {
        ListChange::Add => domain::plan_add(category, words, &current),
        ListChange::Remove => domain::plan_remove(category, words, &current),
    }
    .map_err(StoreError::Settings)?;
    let action = match change {
        ListChange::Add => "add",
        ListChange::Remove => "remove",
    };
    for op in &plan.ops {
        let (old, new) = match op {
            WordOp::Record(t) => {
                tx.prepare_cached(
                    "INSERT INTO team_keywords (category, word, change, set_by, set_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    t.category.word(),
                    t.word,
                    t.change.word(),
                    operator,
                    at
                ])?;
                (None, Some(word_json(t)))
            }
            WordOp::Drop(t) => {
                tx.prepare_cached(
                    "DELETE FROM team_keywords WHERE category = ?1 AND word = ?2 AND change = ?3",
                )?
                .execute(params![t.category.word(), t.word, t.change.word()])?;
                (Some(word_json(t)), None)
            }
        };
        audit(
            tx,
            at,
            operator,
            action,
            "keyword",
            None,
            old.as_ref(),
            new.as_ref(),
        )?;
    }
    Ok(plan)
}

fn word_json(t: &TeamWord) -> serde_json::Value {
    json!({ "category": t.category.word(), "word": t.word, "change": t.change.word() })
}

/// One of the team's keyword exceptions, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionRow {
    pub category: String,
    pub word: String,
    pub context: String,
    pub set_by: String,
    pub set_at: i64,
}

/// Every exception the team gave, by category, word and context.
pub fn exception_rows(conn: &Connection) -> Result<Vec<ExceptionRow>> {
    let mut st = conn.prepare_cached(
        "SELECT category, word, context, set_by, set_at FROM keyword_exceptions
         ORDER BY category, word, context",
    )?;
    let rows = st.query_map([], |r| {
        Ok(ExceptionRow {
            category: r.get(0)?,
            word: r.get(1)?,
            context: r.get(2)?,
            set_by: r.get(3)?,
            set_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The rows as exceptions this shequn understands (an unknown category left out).
pub fn team_exceptions(rows: &[ExceptionRow]) -> Vec<TeamException> {
    rows.iter()
        .filter_map(|r| {
            Some(TeamException {
                category: Category::parse(&r.category)?,
                word: r.word.clone(),
                context: r.context.clone(),
            })
        })
        .collect()
}

/// Give `word` of `category` the exception `context` (`ListChange::Add`), or take it
/// back (`ListChange::Remove`), in this transaction, audited (entity `keyword`, action
/// `except` or `unexcept`). The word must be one the team's lists report (a listed word,
/// or a variant's canonical spelling such as 微信), and the context must contain it (or
/// a spelling of it the lists report, 薇信公众号 for 微信).
/// Returns whether anything changed (false: the exception was already so). This is what
/// marking an incident a false positive calls with the hit's word and category.
pub fn change_exception(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    category: Category,
    word: &str,
    context: &str,
    change: ListChange,
) -> Result<bool> {
    let word = word.trim();
    let context = context.trim();
    let lists = team(tx)?.keywords;
    let reported = lists
        .reports(category, word)
        .map(str::to_string)
        .ok_or_else(|| {
            StoreError::Settings(SettingsError::NotListed {
                category,
                word: word.to_string(),
            })
        })?;
    // the context holds the word as written (刷单词 for 刷单), or a spelling the lists
    // report as it (薇信公众号 for 微信)
    if domain::check_exception(word, context).is_err() {
        let spelled = lists.find(context).iter().any(|h| {
            h.category == category && h.word == reported && h.end - h.start < context.len()
        });
        if !spelled {
            domain::check_exception(word, context).map_err(StoreError::Settings)?;
        }
    }
    let exists: bool = tx
        .prepare_cached(
            "SELECT 1 FROM keyword_exceptions WHERE category = ?1 AND word = ?2 AND context = ?3",
        )?
        .exists(params![category.word(), reported, context])?;
    let value = json!({ "category": category.word(), "word": reported, "context": context });
    match change {
        ListChange::Add if !exists => {
            tx.prepare_cached(
                "INSERT INTO keyword_exceptions (category, word, context, set_by, set_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![category.word(), reported, context, operator, at])?;
            audit(
                tx,
                at,
                operator,
                "except",
                "keyword",
                None,
                None,
                Some(&value),
            )?;
            Ok(true)
        }
        ListChange::Remove if exists => {
            tx.prepare_cached(
                "DELETE FROM keyword_exceptions WHERE category = ?1 AND word = ?2 AND context = ?3",
            )?
            .execute(params![category.word(), reported, context])?;
            audit(
                tx,
                at,
                operator,
                "unexcept",
                "keyword",
                None,
                Some(&value),
                None,
            )?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
