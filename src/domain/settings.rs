//! Team settings (issue 12), pure: which keys of `data/rules.toml` a team may set, what
//! a value typed on a command line or read from a file means for that key, how the
//! team's overrides merge over the shipped defaults (a key set replaces just that
//! default — `config::rules_with`'s merge, now fed from the database) and are checked by
//! parsing the merged rules, and how they are written back as a file. Also the team's
//! keyword lists: the shipped lists of `data/keywords/`, less the shipped words the team
//! took off, plus the words it added (issue 15 builds on this).
//!
//! The store keeps the overrides (dotted key → TOML text) and the word changes; this
//! module decides what they mean, so the CLI, the console and the tests agree.

use std::sync::LazyLock;

use serde::Serialize;
use toml::{Table, Value};

use super::SHIPPED_RULES;
use super::keywords::normalise::normalise;
use super::keywords::{Category, Entry, Keywords, list, variants};
use super::rules::Rules;

/// Sections whose entries the team names itself (an alert rule of its own, a mix
/// preset): a key under one may name a new entry, with any field the shipped entries
/// have (`kpi.alerts.vip_quiet.below`).
pub const MAP_SECTIONS: &[&str] = &["kpi.alerts", "content.mix_presets"];

/// Keys the rules know but the shipped file leaves commented out.
pub const OPTIONAL_KEYS: &[&str] = &["rfm.recency_days", "rfm.frequency", "rfm.monetary_yuan"];

/// The longest keyword, in characters: a list is of words and short phrases.
pub const MAX_WORD_CHARS: usize = 40;

/// Why a setting or a keyword change is refused; nothing is written. The CLI and the
/// console put these into words (`i18n`); `Display` is the log's English.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("{key} is not a setting")]
    UnknownKey {
        key: String,
        /// The known key it is closest to, when one is close.
        suggestion: Option<String>,
    },
    #[error("{key} is a section, not a value")]
    Section { key: String, keys: Vec<String> },
    #[error("{key} = {value} does not fit: {reason}")]
    BadValue {
        key: String,
        value: String,
        reason: String,
        /// The shipped value, as TOML text.
        default: Option<String>,
    },
    /// Giving a key back its default would leave the team's other settings without
    /// what they need (a mix preset the team's mix names).
    #[error("the team's other settings need {key}: {reason}")]
    Needed { key: String, reason: String },
    #[error("{word:?} cannot be a keyword: {problem:?}")]
    BadWord { word: String, problem: WordProblem },
    #[error("{word} is not on the {category} list")]
    NotListed { category: Category, word: String },
    #[error("{context:?} cannot be an exception of {word:?}: it must contain the word and more")]
    BadException { word: String, context: String },
}

impl SettingsError {
    /// The setting it is about (to find its line in a file).
    pub fn key(&self) -> Option<&str> {
        match self {
            SettingsError::UnknownKey { key, .. }
            | SettingsError::Section { key, .. }
            | SettingsError::BadValue { key, .. }
            | SettingsError::Needed { key, .. } => Some(key),
            _ => None,
        }
    }
}

/// What is wrong with a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordProblem {
    Empty,
    TooLong,
    /// `#` starts a comment in a list file, so it cannot be part of a word.
    Hash,
    /// A line break, tab or other control character.
    Control,
}

/// The shipped rules as a TOML table (a unit test proves the file parses).
fn shipped() -> &'static Table {
    static SHIPPED: LazyLock<Table> = LazyLock::new(|| {
        toml::from_str(SHIPPED_RULES).unwrap_or_else(|e| panic!("data/rules.toml is invalid: {e}"))
    });
    &SHIPPED
}

/// Every value of `table` (arrays count as values, tables are walked) as a dotted key,
/// in the table's order (the file's, with `preserve_order`).
pub fn leaves(table: &Table) -> Vec<(String, Value)> {
    fn walk(prefix: &str, t: &Table, out: &mut Vec<(String, Value)>) {
        for (k, v) in t {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                Value::Table(inner) => walk(&key, inner, out),
                v => out.push((key, v.clone())),
            }
        }
    }
    let mut out = Vec::new();
    walk("", table, &mut out);
    out
}

fn lookup<'a>(table: &'a Table, key: &str) -> Option<&'a Value> {
    let mut parts = key.split('.');
    let mut v = table.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    Some(v)
}

/// The shipped value of a key, if it has one.
pub fn default_of(key: &str) -> Option<&'static Value> {
    lookup(shipped(), key).filter(|v| !v.is_table())
}

/// Every key the team may set that the shipped file has (in its order), plus the
/// optional ones.
pub fn known_keys() -> Vec<String> {
    let mut keys: Vec<String> = leaves(shipped()).into_iter().map(|(k, _)| k).collect();
    keys.extend(OPTIONAL_KEYS.iter().map(ToString::to_string));
    keys
}

/// Whether `key` names a value of the rules: a shipped one, an optional one, or a
/// field of an entry (new or shipped) of a section whose entries the team names.
pub fn check_key(key: &str) -> Result<(), SettingsError> {
    let unknown = || SettingsError::UnknownKey {
        key: key.to_string(),
        suggestion: closest(key),
    };
    if key.is_empty() || key.split('.').any(|p| p.trim().is_empty() || p != p.trim()) {
        return Err(unknown());
    }
    if OPTIONAL_KEYS.contains(&key) {
        return Ok(());
    }
    for map in MAP_SECTIONS {
        let Some(rest) = key.strip_prefix(map).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let entries = lookup(shipped(), map).and_then(Value::as_table);
        let fields: Vec<String> = entries
            .into_iter()
            .flat_map(|t| t.values())
            .filter_map(Value::as_table)
            .flat_map(|e| e.iter().filter(|(_, v)| !v.is_table()).map(|(k, _)| k))
            .fold(Vec::new(), |mut acc, k| {
                if !acc.contains(k) {
                    acc.push(k.clone());
                }
                acc
            });
        return match rest.split('.').collect::<Vec<_>>()[..] {
            [_entry] => Err(SettingsError::Section {
                key: key.to_string(),
                keys: fields.iter().map(|f| format!("{key}.{f}")).collect(),
            }),
            [_entry, field] if fields.iter().any(|f| f == field) => Ok(()),
            _ => Err(unknown()),
        };
    }
    match lookup(shipped(), key) {
        Some(Value::Table(t)) => Err(SettingsError::Section {
            key: key.to_string(),
            keys: leaves(t)
                .into_iter()
                .map(|(k, _)| format!("{key}.{k}"))
                .collect(),
        }),
        Some(_) => Ok(()),
        None => Err(unknown()),
    }
}

/// The known key closest to a mistyped one, when it is close (a typo, not a guess).
fn closest(key: &str) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for k in known_keys() {
        let d = distance(key, &k);
        if best.as_ref().is_none_or(|(bd, _)| d < *bd) {
            best = Some((d, k));
        }
    }
    let (d, k) = best?;
    (d <= 2.max(key.chars().count() / 5)).then_some(k)
}

/// Levenshtein distance by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// A value as the team gave it: typed on a command line, or read from a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    Text(String),
    Value(Value),
}

impl Given {
    /// What it may stand for, most literal first: the TOML it is (0.3, 20, true,
    /// [5, 15], "721"); an integer as a number with a fraction (`alarm = 1` for 1.0);
    /// and, typed on a command line, the plain text for a key that wants a string
    /// (`content.mix 721`, `reminders.member_at 10:30`).
    fn candidates(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let literal = match self {
            Given::Text(t) => t.trim().parse::<Value>().ok(),
            Given::Value(v) => Some(v.clone()),
        };
        if let Some(v) = literal {
            if let Value::Integer(i) = v {
                out.push(v.clone());
                out.push(Value::Float(i as f64));
            } else {
                out.push(v);
            }
        }
        if let Given::Text(t) = self {
            let s = Value::String(t.trim().to_string());
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// As the user wrote it, for messages.
    pub fn shown(&self) -> String {
        match self {
            Given::Text(t) => t.trim().to_string(),
            Given::Value(v) => v.to_string(),
        }
    }
}

/// The shipped rules as a table with `overrides` set over them: a key set replaces
/// just that default.
pub fn merged(overrides: &[(String, Value)]) -> Table {
    let mut base = shipped().clone();
    for (key, value) in overrides {
        set_path(&mut base, key, value.clone());
    }
    base
}

fn set_path(table: &mut Table, key: &str, value: Value) {
    let parts: Vec<&str> = key.split('.').collect();
    let Some((last, inner)) = parts.split_last() else {
        return;
    };
    let mut t = table;
    for p in inner {
        let slot = t
            .entry((*p).to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        if !slot.is_table() {
            // a value where a section belongs: check_key refuses such keys; the
            // section wins so the value can be placed
            *slot = Value::Table(Table::new());
        }
        let Value::Table(inner) = slot else { return };
        t = inner;
    }
    t.insert((*last).to_string(), value);
}

/// The rules with `overrides` over the shipped ones, or why they do not make rules:
/// a type that does not fit, a mix preset that does not exist.
pub fn rules_with(overrides: &[(String, Value)]) -> Result<Rules, String> {
    let rules: Rules = Value::Table(merged(overrides))
        .try_into()
        .map_err(|e: toml::de::Error| e.message().trim().to_string())?;
    rules.content.target()?;
    rules.import.check()?;
    rules.risk.check()?;
    rules.launch.check()?;
    Ok(rules)
}

/// The value `given` becomes at `key`, with the team's `others` in place: the first of
/// its readings with which the rules still parse; refused (naming the key, what was
/// given, why and the default) when none does.
pub fn value_for(
    key: &str,
    given: &Given,
    others: &[(String, Value)],
) -> Result<Value, SettingsError> {
    check_key(key)?;
    let mut first_error = None;
    // the readings of the default's type first: `1` for a fraction is 1.0, `721` for a
    // string is "721"
    let default = default_of(key);
    let mut candidates = given.candidates();
    candidates.sort_by_key(|c| default.is_none_or(|d| d.type_str() != c.type_str()));
    for candidate in candidates {
        let mut all: Vec<(String, Value)> =
            others.iter().filter(|(k, _)| k != key).cloned().collect();
        all.push((key.to_string(), candidate.clone()));
        match rules_with(&all) {
            Ok(_) => return Ok(candidate),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(SettingsError::BadValue {
        key: key.to_string(),
        value: given.shown(),
        reason: first_error.unwrap_or_else(|| "not a value".to_string()),
        default: default_of(key).map(ToString::to_string),
    })
}

/// The team's rules from what the database holds (dotted key → TOML text). A stored
/// value that does not fit any more (a key a newer shequn dropped, a hand edit) is
/// left out rather than taking the team's other settings with it; those keys are
/// returned, for the log.
pub fn load(stored: &[(String, String)]) -> (Rules, Vec<String>) {
    let mut skipped = Vec::new();
    let mut good: Vec<(String, Value)> = Vec::new();
    for (key, text) in stored {
        match text.parse::<Value>() {
            Ok(v) if check_key(key).is_ok() => good.push((key.clone(), v)),
            _ => skipped.push(key.clone()),
        }
    }
    if let Ok(rules) = rules_with(&good) {
        return (rules, skipped);
    }
    // Something does not fit: keep what does, an entry of a named section (a preset, an
    // alert rule: its fields only make sense together) or a single key at a time, until
    // nothing more can be added (a mix and its preset may need each other).
    let mut groups: Vec<Vec<(String, Value)>> = Vec::new();
    for o in good {
        let g = entry_of(&o.0);
        match groups
            .iter_mut()
            .find(|x| x.first().is_some_and(|f| entry_of(&f.0) == g))
        {
            Some(x) => x.push(o),
            None => groups.push(vec![o]),
        }
    }
    let mut kept: Vec<(String, Value)> = Vec::new();
    loop {
        let before = groups.len();
        groups.retain(|g| {
            let mut trial = kept.clone();
            trial.extend(g.iter().cloned());
            if rules_with(&trial).is_ok() {
                kept = trial;
                false
            } else {
                true
            }
        });
        if groups.is_empty() || groups.len() == before {
            break;
        }
    }
    skipped.extend(groups.into_iter().flatten().map(|(k, _)| k));
    let rules = rules_with(&kept).unwrap_or_else(|_| Rules::shipped());
    (rules, skipped)
}

/// What a key belongs to: its entry of a named section (`kpi.alerts.vip`), or itself.
fn entry_of(key: &str) -> &str {
    for map in MAP_SECTIONS {
        if let Some(rest) = key.strip_prefix(map).and_then(|r| r.strip_prefix('.'))
            && let Some(entry) = rest.split('.').next()
        {
            return &key[..map.len() + 1 + entry.len()];
        }
    }
    key
}

/// A key of a settings file, with the line it is on.
#[derive(Debug, Clone, PartialEq)]
pub struct FileKey {
    pub key: String,
    pub value: Value,
    pub line: usize,
}

/// Why a settings file could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub line: usize,
    pub message: String,
}

/// A `config.toml`-shaped file as dotted keys with their values and lines. Only the
/// syntax is checked here; each key is checked when it is set.
pub fn read_file(text: &str) -> Result<Vec<FileKey>, FileError> {
    let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    let table: Table = toml::from_str(text).map_err(|e| FileError {
        line: e.span().map_or(1, |s| line_of(s.start)),
        message: e.message().trim().to_string(),
    })?;
    let mut lines: Vec<(String, usize)> = Vec::new();
    if let Ok(doc) = toml::de::DeTable::parse(text) {
        fn walk(
            prefix: &str,
            t: &toml::de::DeTable<'_>,
            line_of: &dyn Fn(usize) -> usize,
            out: &mut Vec<(String, usize)>,
        ) {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.get_ref().to_string()
                } else {
                    format!("{prefix}.{}", k.get_ref())
                };
                match v.get_ref() {
                    toml::de::DeValue::Table(inner) => walk(&key, inner, line_of, out),
                    _ => out.push((key, line_of(k.span().start))),
                }
            }
        }
        walk("", doc.get_ref(), &line_of, &mut lines);
    }
    Ok(leaves(&table)
        .into_iter()
        .map(|(key, value)| {
            let line = lines.iter().find(|(k, _)| *k == key).map_or(0, |(_, l)| *l);
            FileKey { key, value, line }
        })
        .collect())
}

/// The team's overrides as a settings file (`settings export`), readable by
/// [`read_file`] (`settings import`): the same keys, the same values.
pub fn to_file(overrides: &[(String, Value)]) -> String {
    let mut t = Table::new();
    for (k, v) in overrides {
        set_path(&mut t, k, v.clone());
    }
    toml::to_string(&t).unwrap_or_default()
}

/// A team's change to a keyword list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WordChange {
    /// A word the team added.
    Add,
    /// A shipped word the team took off.
    Remove,
}

impl WordChange {
    pub fn word(self) -> &'static str {
        match self {
            WordChange::Add => "add",
            WordChange::Remove => "remove",
        }
    }

    pub fn parse(s: &str) -> Option<WordChange> {
        match s {
            "add" => Some(WordChange::Add),
            "remove" => Some(WordChange::Remove),
            _ => None,
        }
    }
}

/// One of the team's changes to a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamWord {
    pub category: Category,
    pub word: String,
    pub change: WordChange,
}

/// The words of a list file, with their line numbers: one a line, `#` starts a
/// comment, blank lines are skipped, a word's level and exception contexts (`@2`,
/// `!刷单词`) left off (the format of `data/keywords/*.txt`, `domain::keywords::list`).
pub fn list_words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| list::word_of(line).map(|w| (i + 1, w)))
}

/// A word as it goes on a list (trimmed), or what is wrong with it.
pub fn check_word(word: &str) -> Result<String, SettingsError> {
    let w = word.trim();
    let problem = if w.is_empty() {
        Some(WordProblem::Empty)
    } else if w.contains('#') {
        Some(WordProblem::Hash)
    } else if w.chars().any(char::is_control) {
        Some(WordProblem::Control)
    } else if w.chars().count() > MAX_WORD_CHARS {
        Some(WordProblem::TooLong)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(SettingsError::BadWord {
            word: word.to_string(),
            problem,
        }),
        None => Ok(w.to_string()),
    }
}

/// The same word for the lists: the matcher ignores ASCII case (加V, 加v).
fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The shipped word of `category` that `word` is, as it is spelled there.
pub fn shipped_word(category: Category, word: &str) -> Option<&'static str> {
    list_words(category.shipped_list())
        .map(|(_, w)| w)
        .find(|w| same(w, word))
}

/// Where a word on a team's list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WordState {
    /// Shipped and kept.
    Shipped,
    /// Added by the team.
    Added,
    /// Shipped, taken off by the team (listed so the list says so).
    Removed,
}

/// One category's list as the team has it: the shipped words (taken-off ones marked),
/// then the team's own, in the order given.
pub fn team_list(category: Category, changes: &[TeamWord]) -> Vec<(String, WordState)> {
    let mine = |c: WordChange| {
        changes
            .iter()
            .filter(move |t| t.category == category && t.change == c)
    };
    let mut out: Vec<(String, WordState)> = Vec::new();
    for (_, w) in list_words(category.shipped_list()) {
        if out.iter().any(|(o, _)| same(o, w)) {
            continue;
        }
        let removed = mine(WordChange::Remove).any(|t| same(&t.word, w));
        let state = if removed {
            WordState::Removed
        } else {
            WordState::Shipped
        };
        out.push((w.to_string(), state));
    }
    for t in mine(WordChange::Add) {
        if !out.iter().any(|(o, _)| same(o, &t.word)) {
            out.push((t.word.clone(), WordState::Added));
        }
    }
    out
}

/// An exception the team gave a word: a context in which it is no hit (a false
/// positive an operator marked, `shequn keywords except`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamException {
    pub category: Category,
    pub word: String,
    pub context: String,
}

/// The lists the team matches with: each shipped list less what the team took off
/// (shipped words keep their line's level and exceptions), plus what it added (at its
/// list's level), with the team's exceptions.
pub fn team_keywords(changes: &[TeamWord], exceptions: &[TeamException]) -> Keywords {
    team_keywords_with(changes, exceptions, &[])
}

/// The team's lists with `proposed` words on top (a list file not saved yet, for
/// `keywords test --file`): a proposed word already listed keeps its listed line.
pub fn team_keywords_with(
    changes: &[TeamWord],
    exceptions: &[TeamException],
    proposed: &[(Category, Entry)],
) -> Keywords {
    let mut entries: Vec<(Category, Entry)> = Vec::new();
    for c in Category::ALL {
        let removed = |w: &str| {
            changes
                .iter()
                .any(|t| t.category == c && t.change == WordChange::Remove && same(&t.word, w))
        };
        for (_, e) in list::parse_list(c.shipped_list()) {
            if let Ok(e) = e
                && !removed(&e.word)
            {
                entries.push((c, e));
            }
        }
        for t in changes
            .iter()
            .filter(|t| t.category == c && t.change == WordChange::Add)
        {
            entries.push((
                c,
                Entry {
                    word: t.word.clone(),
                    level: None,
                    except: Vec::new(),
                },
            ));
        }
    }
    entries.extend(proposed.iter().cloned());
    let mut loose = Vec::new();
    for x in exceptions {
        match entries
            .iter_mut()
            .find(|(c, e)| *c == x.category && same(&e.word, &x.word))
        {
            Some((_, e)) => e.except.push(x.context.clone()),
            // a word reported through a variant (薇信 → 微信) is on no list: the context
            // still covers it
            None => loose.push(x.context.clone()),
        }
    }
    Keywords::build_with(&entries, &variants::shipped(), &loose)
}

/// Whether `context` can be an exception of `word`: it must contain it (folded), and be
/// more than the word itself.
pub fn check_exception(word: &str, context: &str) -> Result<(), SettingsError> {
    let w = normalise(word);
    let c = normalise(context);
    if w.is_empty() || c.len() <= w.len() || !c.contains(&w) {
        return Err(SettingsError::BadException {
            word: word.to_string(),
            context: context.to_string(),
        });
    }
    Ok(())
}

/// What a change to a list does to the team's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordOp {
    /// Record an addition or a removal.
    Record(TeamWord),
    /// Drop a row: a team word removed, or a shipped word added back.
    Drop(TeamWord),
}

/// A change planned: the rows to write, the words it changes and those already so.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WordPlan {
    pub ops: Vec<WordOp>,
    pub changed: Vec<String>,
    pub unchanged: Vec<String>,
}

/// Add `words` to a list: a new word is recorded, a shipped word the team had taken
/// off comes back, a word already listed is left alone. One bad word refuses them all.
pub fn plan_add(
    category: Category,
    words: &[String],
    current: &[TeamWord],
) -> Result<WordPlan, SettingsError> {
    plan_words(category, words, current, |plan, w, row| {
        if let Some(shipped) = shipped_word(category, &w) {
            match row(WordChange::Remove) {
                Some(t) => {
                    plan.ops.push(WordOp::Drop(t.clone()));
                    plan.changed.push(shipped.to_string());
                }
                None => plan.unchanged.push(shipped.to_string()),
            }
        } else if let Some(t) = row(WordChange::Add) {
            plan.unchanged.push(t.word.clone());
        } else {
            plan.ops.push(WordOp::Record(TeamWord {
                category,
                word: w.clone(),
                change: WordChange::Add,
            }));
            plan.changed.push(w);
        }
        Ok(())
    })
}

/// Take `words` off a list: a word the team added is deleted, a shipped word is
/// recorded as taken off, one already off is left alone. A word that is on neither
/// refuses them all.
pub fn plan_remove(
    category: Category,
    words: &[String],
    current: &[TeamWord],
) -> Result<WordPlan, SettingsError> {
    plan_words(category, words, current, |plan, w, row| {
        if let Some(t) = row(WordChange::Add) {
            plan.ops.push(WordOp::Drop(t.clone()));
            plan.changed.push(t.word.clone());
        } else if let Some(shipped) = shipped_word(category, &w) {
            if row(WordChange::Remove).is_some() {
                plan.unchanged.push(shipped.to_string());
            } else {
                plan.ops.push(WordOp::Record(TeamWord {
                    category,
                    word: shipped.to_string(),
                    change: WordChange::Remove,
                }));
                plan.changed.push(shipped.to_string());
            }
        } else {
            return Err(SettingsError::NotListed { category, word: w });
        }
        Ok(())
    })
}

/// What [`plan_add`] and [`plan_remove`] share: each word checked (one bad word refuses
/// them all), a word given twice planned once, and `decide` told the word and how to
/// find the team's row of a kind for it.
fn plan_words<'a>(
    category: Category,
    words: &[String],
    current: &'a [TeamWord],
    mut decide: impl FnMut(
        &mut WordPlan,
        String,
        &dyn Fn(WordChange) -> Option<&'a TeamWord>,
    ) -> Result<(), SettingsError>,
) -> Result<WordPlan, SettingsError> {
    let mut plan = WordPlan::default();
    for raw in words {
        let w = check_word(raw)?;
        if plan
            .changed
            .iter()
            .chain(&plan.unchanged)
            .any(|d| same(d, &w))
        {
            continue;
        }
        let row = |change| {
            current
                .iter()
                .find(|t| t.category == category && t.change == change && same(&t.word, &w))
        };
        decide(&mut plan, w.clone(), &row)?;
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Value {
        text.parse().unwrap()
    }

    #[test]
    fn keys_are_the_shipped_values_optional_ones_and_fields_of_named_entries() {
        for ok in [
            "kpi.dau_rate.alarm",
            "content.mix",
            "quota.sends_per_month",
            "reminders.snooze_minutes",
            "content.slot_hints",
            "rfm.recency_days",
            "kpi.alerts.dau_low.below",
            // a field another alert has
            "kpi.alerts.dau_low.above",
            // a rule and a preset of the team's own
            "kpi.alerts.vip_quiet.metric",
            "content.mix_presets.433.engage",
        ] {
            assert_eq!(check_key(ok), Ok(()), "{ok}");
        }
        let err = check_key("kpi.dau_rate.alram").unwrap_err();
        assert_eq!(
            err,
            SettingsError::UnknownKey {
                key: "kpi.dau_rate.alram".into(),
                suggestion: Some("kpi.dau_rate.alarm".into())
            }
        );
        assert!(matches!(
            check_key("nothing.like.this.at.all"),
            Err(SettingsError::UnknownKey {
                suggestion: None,
                ..
            })
        ));
        match check_key("kpi.dau_rate") {
            Err(SettingsError::Section { keys, .. }) => {
                assert_eq!(
                    keys,
                    [
                        "kpi.dau_rate.alarm",
                        "kpi.dau_rate.target",
                        "kpi.dau_rate.excellent"
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check_key("kpi.alerts.vip_quiet"),
            Err(SettingsError::Section { .. })
        ));
        for bad in [
            "",
            "kpi..alarm",
            "kpi.alerts.dau_low.nonsense",
            "kpi.foo.alarm",
            "kpi.dau_rate.alarm.x",
        ] {
            assert!(
                matches!(check_key(bad), Err(SettingsError::UnknownKey { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_value_is_read_the_way_its_key_wants_it() {
        let given = |t: &str| Given::Text(t.to_string());
        assert_eq!(
            value_for("kpi.dau_rate.alarm", &given("0.3"), &[]),
            Ok(Value::Float(0.3))
        );
        // an integer where a fraction is wanted
        assert_eq!(
            value_for("kpi.dau_rate.alarm", &given("1"), &[]),
            Ok(Value::Float(1.0))
        );
        // plain text where a string is wanted; a number where the quota takes one
        assert_eq!(
            value_for("content.mix", &given("721"), &[]),
            Ok(Value::String("721".into()))
        );
        assert_eq!(
            value_for("reminders.member_at", &given("10:30"), &[]),
            Ok(Value::String("10:30".into()))
        );
        assert_eq!(
            value_for("quota.sends_per_month", &given("20"), &[]),
            Ok(Value::Integer(20))
        );
        assert_eq!(
            value_for("reminders.snooze_minutes", &given("[5, 30]"), &[]),
            Ok(v("[5, 30]"))
        );
        // refused, with the default
        match value_for("kpi.dau_rate.alarm", &given("low"), &[]) {
            Err(SettingsError::BadValue {
                key,
                value,
                default,
                reason,
            }) => {
                assert_eq!(
                    (key.as_str(), value.as_str()),
                    ("kpi.dau_rate.alarm", "low")
                );
                assert_eq!(default.as_deref(), Some("0.15"));
                assert!(!reason.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert!(value_for("tiers.core_weeks", &given("2.5"), &[]).is_err());
        assert!(value_for("reminders.bell", &given("maybe"), &[]).is_err());
        // a mix must name a preset, the team's own included
        assert!(value_for("content.mix", &given("433"), &[]).is_err());
        let preset: Vec<(String, Value)> = [("engage", 0.4), ("convert", 0.3), ("brand", 0.3)]
            .into_iter()
            .map(|(k, x)| (format!("content.mix_presets.433.{k}"), Value::Float(x)))
            .collect();
        assert!(value_for("content.mix", &given("433"), &preset).is_ok());
    }

    #[test]
    fn overrides_replace_just_their_default() {
        let r = rules_with(&[("kpi.dau_rate.alarm".into(), Value::Float(0.1))]).unwrap();
        assert!((r.kpi.dau_rate.alarm - 0.1).abs() < 1e-9);
        assert!((r.kpi.dau_rate.target - 0.25).abs() < 1e-9);
        let r = rules_with(&[("kpi.alerts.dau_low.below".into(), Value::Float(0.3))]).unwrap();
        assert_eq!(r.kpi.alerts["dau_low"].below, Some(0.3));
        assert_eq!(
            r.kpi.alerts["dau_low"].days, 3,
            "the rest of the rule stays"
        );
        assert_eq!(r.kpi.alerts.len(), Rules::shipped().kpi.alerts.len());
    }

    #[test]
    fn content_rules_take_overrides_and_rules_without_them_still_load() {
        let r = rules_with(&[
            ("content.mix".into(), Value::String("721".into())),
            ("content.max_pushes_per_day".into(), Value::Integer(2)),
        ])
        .unwrap();
        assert_eq!(r.content.mix, "721");
        assert_eq!(r.content.max_pushes_per_day, 2);
        assert!((r.content.target().unwrap().engage - 0.9).abs() < 1e-9);
        assert!(r.content.review_by_other, "the rest keeps its default");
        // rules from before the content queue (no [content] at all)
        let old = SHIPPED_RULES.split("\n[content]").next().unwrap();
        let r = Rules::parse(old).unwrap();
        assert_eq!(r.content.max_pushes_per_day, 3);
    }

    #[test]
    fn loading_leaves_out_what_no_longer_fits_and_keeps_the_rest() {
        let stored = [
            ("kpi.dau_rate.alarm".to_string(), "0.2".to_string()),
            ("kpi.dau_rate.gone".to_string(), "1".to_string()),
            ("tiers.core_weeks".to_string(), "\"three\"".to_string()),
            ("content.mix".to_string(), "\"433\"".to_string()),
            (
                "content.mix_presets.433.engage".to_string(),
                "0.4".to_string(),
            ),
            (
                "content.mix_presets.433.convert".to_string(),
                "0.3".to_string(),
            ),
            (
                "content.mix_presets.433.brand".to_string(),
                "0.3".to_string(),
            ),
            ("points.daily_cap".to_string(), "not toml".to_string()),
        ];
        let (r, mut skipped) = load(&stored);
        skipped.sort();
        assert_eq!(
            skipped,
            ["kpi.dau_rate.gone", "points.daily_cap", "tiers.core_weeks"]
        );
        assert!((r.kpi.dau_rate.alarm - 0.2).abs() < 1e-9);
        assert_eq!(r.content.mix, "433", "a mix and its preset load together");
        assert_eq!(r.tiers.core_weeks, Rules::shipped().tiers.core_weeks);
        let (r, skipped) = load(&[]);
        assert!(skipped.is_empty());
        assert!((r.kpi.dau_rate.alarm - 0.15).abs() < 1e-9);
    }

    #[test]
    fn a_file_reads_as_keys_with_lines_and_export_reads_back_the_same() {
        let text = "# mine\n[kpi.dau_rate]\nalarm = 0.1\n\n[content]\nmix = \"721\"\n\
                    [kpi.alerts.dau_low]\nbelow = 0.12\n[reminders]\nsnooze_minutes = [5, 30]\n";
        let keys = read_file(text).unwrap();
        let got: Vec<(&str, usize)> = keys.iter().map(|k| (k.key.as_str(), k.line)).collect();
        assert_eq!(
            got,
            [
                ("kpi.dau_rate.alarm", 3),
                ("kpi.alerts.dau_low.below", 8),
                ("content.mix", 6),
                ("reminders.snooze_minutes", 10),
            ]
        );
        let err = read_file("[kpi.dau_rate]\nalarm = 0.1\nexcellent = \n").unwrap_err();
        assert_eq!(err.line, 3, "{err:?}");
        let overrides: Vec<(String, Value)> = keys.into_iter().map(|k| (k.key, k.value)).collect();
        let back: Vec<(String, Value)> = read_file(&to_file(&overrides))
            .unwrap()
            .into_iter()
            .map(|k| (k.key, k.value))
            .collect();
        let mut a = overrides.clone();
        let mut b = back;
        a.sort_by(|x, y| x.0.cmp(&y.0));
        b.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(a, b);
    }

    #[test]
    fn words_are_checked() {
        let long = "长".repeat(MAX_WORD_CHARS + 1);
        assert_eq!(check_word("  代写 "), Ok("代写".to_string()));
        for (w, p) in [
            ("", WordProblem::Empty),
            ("   ", WordProblem::Empty),
            ("加#", WordProblem::Hash),
            ("a\tb", WordProblem::Control),
            (long.as_str(), WordProblem::TooLong),
        ] {
            assert!(
                matches!(check_word(w), Err(SettingsError::BadWord { problem, .. }) if problem == p),
                "{w:?}"
            );
        }
    }

    #[test]
    fn the_team_adds_words_and_takes_shipped_ones_off() {
        let shipped_ad = shipped_word(Category::Ad, "加我微信").expect("a shipped ad word");
        let mut current: Vec<TeamWord> = Vec::new();
        let apply = |current: &mut Vec<TeamWord>, plan: &WordPlan| {
            for op in &plan.ops {
                match op {
                    WordOp::Record(t) => current.push(t.clone()),
                    WordOp::Drop(t) => current.retain(|c| c != t),
                }
            }
        };
        // add: one new, one shipped (already there), twice the same
        let plan = plan_add(
            Category::Ad,
            &["团购代拍".into(), shipped_ad.into(), "团购代拍".into()],
            &current,
        )
        .unwrap();
        assert_eq!(plan.changed, ["团购代拍"]);
        assert_eq!(plan.unchanged, [shipped_ad]);
        apply(&mut current, &plan);
        // take a shipped word off, and a team word: the first is recorded, the second goes
        let plan = plan_remove(
            Category::Ad,
            &[shipped_ad.into(), "团购代拍".into()],
            &current,
        )
        .unwrap();
        assert_eq!(plan.changed, [shipped_ad, "团购代拍"]);
        apply(&mut current, &plan);
        assert_eq!(
            current,
            [TeamWord {
                category: Category::Ad,
                word: shipped_ad.into(),
                change: WordChange::Remove
            }]
        );
        let k = team_keywords(&current, &[]);
        assert!(k.find(&format!("快{shipped_ad}")).is_empty());
        assert_eq!(k.len(), Keywords::shipped().len() - 1);
        let list = team_list(Category::Ad, &current);
        assert!(list.contains(&(shipped_ad.to_string(), WordState::Removed)));
        // adding it back drops the removal
        let plan = plan_add(Category::Ad, &[shipped_ad.into()], &current).unwrap();
        assert_eq!(plan.ops.len(), 1);
        apply(&mut current, &plan);
        assert!(current.is_empty());
        // a word on no list refuses the whole change
        assert_eq!(
            plan_remove(
                Category::Ad,
                &["团购代拍".into(), shipped_ad.into()],
                &current
            ),
            Err(SettingsError::NotListed {
                category: Category::Ad,
                word: "团购代拍".into()
            })
        );
    }
}
