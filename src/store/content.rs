//! The content queue in the store: items with their groups, tags, reviews and results;
//! creating and saving them (a save based on an old version is refused with who changed
//! the item and when); the pipeline's steps with their refusals (review by someone other
//! than the author, three checks, blocking keywords unless overridden with a reason on
//! record); and the read models of the schedule — the mix, the week, the weekly review,
//! a day's posts. Every change bumps `version`, sets `updated_by`/`updated_at` and writes
//! one audit row with old → new, in the caller's transaction.
//!
//! The rules themselves (which step follows which, what an edit does in each state, the
//! material name, ranking) are pure and live in `domain::content`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Refusal, Result, StoreError, audit};
use crate::clock::{day_start, local_day};
use crate::domain::content::{
    self as rules, CHECKS, Check, ContentRules, Form, Kind, MixLine, Outcome, Push, RankBy,
    RankInput, SlotHint, State, TopTraits, Transition,
};
use crate::domain::keywords::Keywords;
use crate::domain::rules::Rules;

/// What an operator writes: a new item, or the whole of an item being saved.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentInput {
    pub title: String,
    pub body: String,
    pub kind: Kind,
    pub form: Form,
    pub column: Option<String>,
    pub tags: Vec<String>,
    /// Group ids.
    pub groups: Vec<i64>,
    /// The planned instant, unix seconds.
    pub slot: Option<i64>,
    /// Who is responsible; empty = the operator.
    pub owner: String,
    /// None: propose one (and keep proposing on later saves, unless one was set);
    /// Some(name): use this name from now on; Some(""): go back to proposals.
    pub material_name: Option<String>,
}

/// One review of an item (an approval or a rejection).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRow {
    pub id: i64,
    pub reviewer: String,
    pub at: i64,
    pub compliance: Check,
    pub fit: Check,
    pub appeal: Check,
    /// Why blocking keywords were let through, when they were.
    pub override_reason: Option<String>,
}

impl ReviewRow {
    pub fn passed(&self) -> bool {
        self.compliance.pass && self.fit.pass && self.appeal.pass
    }
}

/// What members did with a published item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultsRow {
    pub opens: Option<i64>,
    pub forwards: Option<i64>,
    pub replies: Option<i64>,
    pub clicks: Option<i64>,
    pub orders: Option<i64>,
    pub entered_by: String,
    pub entered_at: i64,
}

impl ResultsRow {
    pub fn outcome(&self) -> Outcome {
        Outcome {
            opens: self.opens,
            forwards: self.forwards,
            replies: self.replies,
            clicks: self.clicks,
            orders: self.orders,
        }
    }
}

/// An item with everything the editor and the detail pane show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentItem {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub kind: Kind,
    pub form: Form,
    pub column: Option<String>,
    pub tags: Vec<String>,
    /// (group id, name), by name.
    pub groups: Vec<(i64, String)>,
    pub slot: Option<i64>,
    pub owner: String,
    /// Who created it (may not review it when `review_by_other`).
    pub author: String,
    pub state: State,
    pub material_name: String,
    /// True when an operator named the material (saves keep the name).
    pub material_set: bool,
    /// Why the last review sent it back (cleared when it is submitted again).
    pub reject_reason: Option<String>,
    /// The post-mortem note (复盘).
    pub lesson: Option<String>,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: i64,
    pub created_at: i64,
    /// Oldest first.
    pub reviews: Vec<ReviewRow>,
    pub results: Option<ResultsRow>,
}

impl ContentItem {
    /// The item as input for a save (the editor starts from this).
    pub fn input(&self) -> ContentInput {
        ContentInput {
            title: self.title.clone(),
            body: self.body.clone(),
            kind: self.kind,
            form: self.form,
            column: self.column.clone(),
            tags: self.tags.clone(),
            groups: self.groups.iter().map(|(g, _)| *g).collect(),
            slot: self.slot,
            owner: self.owner.clone(),
            material_name: self.material_set.then(|| self.material_name.clone()),
        }
    }
}

/// A reviewer's verdict on the three checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewInput {
    pub compliance: Check,
    pub fit: Check,
    pub appeal: Check,
    /// Let blocking keywords through; the reason goes on record.
    pub override_reason: Option<String>,
}

/// The numbers only WeChat sees; any may be absent (absent keeps what was entered).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultsInput {
    pub opens: Option<i64>,
    pub forwards: Option<i64>,
    pub replies: Option<i64>,
    pub clicks: Option<i64>,
    pub orders: Option<i64>,
    /// The post-mortem note; None keeps the one on record.
    pub lesson: Option<String>,
}

/// One step of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentStep {
    /// draft → review
    Submit,
    /// review → scheduled
    Approve(ReviewInput),
    /// review → draft, with the reason for the author
    Reject {
        reason: String,
        review: Option<ReviewInput>,
    },
    /// scheduled → published
    Publish,
    /// scheduled → draft
    Unschedule,
    /// published → reviewed (or reviewed again: the numbers are updated)
    Results(ResultsInput),
}

impl ContentStep {
    /// The kind of write it is (`data/roles.toml`): submitting is part of drafting;
    /// approving and rejecting are a review; what happens to a scheduled item is
    /// publishing.
    pub fn perm(&self) -> crate::domain::roles::Perm {
        use crate::domain::roles::Perm;
        match self {
            ContentStep::Submit => Perm::ContentDraft,
            ContentStep::Approve(_) | ContentStep::Reject { .. } => Perm::ContentReview,
            ContentStep::Publish | ContentStep::Unschedule | ContentStep::Results(_) => {
                Perm::ContentPublish
            }
        }
    }

    pub fn transition(&self) -> Transition {
        match self {
            ContentStep::Submit => Transition::Submit,
            ContentStep::Approve(_) => Transition::Approve,
            ContentStep::Reject { .. } => Transition::Reject,
            ContentStep::Publish => Transition::Publish,
            ContentStep::Unschedule => Transition::Unschedule,
            ContentStep::Results(_) => Transition::Results,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unexpected value {0:?} in the database")]
struct BadValue(String);

fn parse_col<T>(v: String, col: usize, f: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    f(&v).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            Box::new(BadValue(v)),
        )
    })
}

fn not_found(id: i64) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| match e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound {
            what: "content",
            id,
        },
        e => e.into(),
    }
}

/// One item with its groups, tags, reviews and results.
pub fn get(conn: &Connection, id: i64) -> Result<ContentItem> {
    let mut item = conn
        .prepare_cached(
            "SELECT id, title, body, kind, form, column_name, COALESCE(material_name, ''), state,
                    slot, owner, COALESCE(author, owner), reject_reason, lesson, material_set,
                    version, updated_by, updated_at, created_at
             FROM content_items WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(ContentItem {
                id: r.get(0)?,
                title: r.get(1)?,
                body: r.get(2)?,
                kind: parse_col(r.get(3)?, 3, Kind::parse)?,
                form: parse_col(r.get(4)?, 4, Form::parse)?,
                column: r.get(5)?,
                material_name: r.get(6)?,
                state: parse_col(r.get(7)?, 7, State::parse)?,
                slot: r.get(8)?,
                owner: r.get(9)?,
                author: r.get(10)?,
                reject_reason: r.get(11)?,
                lesson: r.get(12)?,
                material_set: r.get(13)?,
                version: r.get(14)?,
                updated_by: r.get(15)?,
                updated_at: r.get(16)?,
                created_at: r.get(17)?,
                tags: Vec::new(),
                groups: Vec::new(),
                reviews: Vec::new(),
                results: None,
            })
        })
        .map_err(not_found(id))?;
    item.groups = conn
        .prepare_cached(
            "SELECT g.id, g.name FROM content_groups cg JOIN groups g ON g.id = cg.group_id
             WHERE cg.content_id = ?1 ORDER BY g.name",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    item.tags = conn
        .prepare_cached("SELECT tag FROM content_tags WHERE content_id = ?1 ORDER BY tag")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    item.reviews = conn
        .prepare_cached(
            "SELECT id, reviewer, at, compliance, COALESCE(compliance_note, ''), fit,
                    COALESCE(fit_note, ''), appeal, COALESCE(appeal_note, ''), override_reason
             FROM content_reviews WHERE content_id = ?1 ORDER BY at, id",
        )?
        .query_map([id], |r| {
            Ok(ReviewRow {
                id: r.get(0)?,
                reviewer: r.get(1)?,
                at: r.get(2)?,
                compliance: Check {
                    pass: r.get(3)?,
                    note: r.get(4)?,
                },
                fit: Check {
                    pass: r.get(5)?,
                    note: r.get(6)?,
                },
                appeal: Check {
                    pass: r.get(7)?,
                    note: r.get(8)?,
                },
                override_reason: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    item.results = conn
        .prepare_cached(
            "SELECT opens, forwards, replies, clicks, orders, entered_by, entered_at
             FROM content_results WHERE content_id = ?1",
        )?
        .query_row([id], |r| {
            Ok(ResultsRow {
                opens: r.get(0)?,
                forwards: r.get(1)?,
                replies: r.get(2)?,
                clicks: r.get(3)?,
                orders: r.get(4)?,
                entered_by: r.get(5)?,
                entered_at: r.get(6)?,
            })
        })
        .optional()?;
    Ok(item)
}

/// Every item's id, oldest first.
pub fn ids(conn: &Connection) -> Result<Vec<i64>> {
    let mut st = conn.prepare_cached("SELECT id FROM content_items ORDER BY id")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Ids of items titled exactly `title` (for imports that name items by title).
pub fn ids_by_title(conn: &Connection, title: &str) -> Result<Vec<i64>> {
    let mut st =
        conn.prepare_cached("SELECT id FROM content_items WHERE title = ?1 ORDER BY id")?;
    let rows = st.query_map([title.trim()], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A row of the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListRow {
    pub id: i64,
    pub title: String,
    pub kind: Kind,
    pub form: Form,
    pub state: State,
    pub slot: Option<i64>,
    pub groups: Vec<(i64, String)>,
    pub owner: String,
    pub author: String,
    pub material_name: String,
    pub version: i64,
}

/// The queue, oldest first, optionally only one state or one group's items.
pub fn list(conn: &Connection, state: Option<State>, group: Option<i64>) -> Result<Vec<ListRow>> {
    let mut st = conn.prepare_cached(
        "SELECT c.id, c.title, c.kind, c.form, c.state, c.slot, c.owner, COALESCE(c.author, c.owner),
                COALESCE(c.material_name, ''), c.version,
                (SELECT group_concat(g.id || char(30) || g.name, char(31)) FROM
                   (SELECT g.id, g.name FROM content_groups cg JOIN groups g ON g.id = cg.group_id
                    WHERE cg.content_id = c.id ORDER BY g.name) g)
         FROM content_items c
         WHERE (?1 IS NULL OR c.state = ?1)
           AND (?2 IS NULL OR EXISTS (SELECT 1 FROM content_groups cg
                                      WHERE cg.content_id = c.id AND cg.group_id = ?2))
         ORDER BY c.id",
    )?;
    let rows = st.query_map(params![state.map(State::word), group], |r| {
        Ok(ListRow {
            id: r.get(0)?,
            title: r.get(1)?,
            kind: parse_col(r.get(2)?, 2, Kind::parse)?,
            form: parse_col(r.get(3)?, 3, Form::parse)?,
            state: parse_col(r.get(4)?, 4, State::parse)?,
            slot: r.get(5)?,
            owner: r.get(6)?,
            author: r.get(7)?,
            material_name: r.get(8)?,
            version: r.get(9)?,
            groups: split_groups(r.get(10)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `id RS name US id RS name …` from the queries above.
fn split_groups(s: Option<String>) -> Vec<(i64, String)> {
    s.map(|s| {
        s.split('\u{1f}')
            .filter_map(|p| {
                let (id, name) = p.split_once('\u{1e}')?;
                Some((id.parse().ok()?, name.to_string()))
            })
            .collect()
    })
    .unwrap_or_default()
}

fn local_day_of(t: i64, tz: Tz) -> Option<NaiveDate> {
    DateTime::<Utc>::from_timestamp(t, 0).map(|t| local_day(t, tz))
}

fn local_time_of(t: i64, tz: Tz) -> Option<NaiveDateTime> {
    DateTime::<Utc>::from_timestamp(t, 0).map(|t| t.with_timezone(&tz).naive_local())
}

fn rfc3339(t: i64, tz: Option<Tz>) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .map(|u| match tz {
            Some(tz) => u.with_timezone(&tz).to_rfc3339(),
            None => u.to_rfc3339(),
        })
        .unwrap_or_default()
}

/// Trimmed, de-duplicated, without blanks.
fn clean_tags(tags: &[String]) -> Vec<String> {
    let set: BTreeSet<String> = tags
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    set.into_iter().collect()
}

fn clean_groups(groups: &[i64]) -> Vec<i64> {
    let set: BTreeSet<i64> = groups.iter().copied().collect();
    set.into_iter().collect()
}

fn clean_column(c: Option<&String>) -> Option<String> {
    c.map(|c| c.trim().to_string()).filter(|c| !c.is_empty())
}

/// Refuse an input the store cannot keep, with what to do.
fn check_input(tx: &Transaction<'_>, input: &ContentInput) -> Result<()> {
    if input.title.trim().is_empty() {
        return Err(Refusal::ContentNeedsTitle.into());
    }
    for g in clean_groups(&input.groups) {
        let n: i64 = tx.query_row("SELECT count(*) FROM groups WHERE id = ?1", [g], |r| {
            r.get(0)
        })?;
        if n == 0 {
            return Err(Refusal::NoGroupId { id: g }.into());
        }
    }
    Ok(())
}

/// The proposed material name: the slot's month (else the creation month), the column
/// as theme (else the title).
fn proposed_material(input: &ContentInput, created_at: i64, tz: Tz) -> String {
    let month = input
        .slot
        .or(Some(created_at))
        .and_then(|t| local_day_of(t, tz))
        .unwrap_or_default();
    let column = clean_column(input.column.as_ref());
    let theme = column.as_deref().unwrap_or(&input.title);
    rules::material_name(month, input.kind, theme, input.form)
}

/// What the audit log keeps of an item's fields.
fn snapshot(input: &ContentInput, state: State, material: &str, owner: &str) -> serde_json::Value {
    json!({
        "title": input.title.trim(),
        "body": input.body,
        "kind": input.kind.word(),
        "form": input.form.word(),
        "column": clean_column(input.column.as_ref()),
        "tags": clean_tags(&input.tags),
        "groups": clean_groups(&input.groups),
        "slot": input.slot,
        "owner": owner,
        "material_name": material,
        "state": state.word(),
    })
}

fn write_links(tx: &Transaction<'_>, id: i64, input: &ContentInput) -> Result<()> {
    tx.execute("DELETE FROM content_groups WHERE content_id = ?1", [id])?;
    tx.execute("DELETE FROM content_tags WHERE content_id = ?1", [id])?;
    let mut g =
        tx.prepare_cached("INSERT INTO content_groups (content_id, group_id) VALUES (?1, ?2)")?;
    for gid in clean_groups(&input.groups) {
        g.execute(params![id, gid])?;
    }
    let mut t = tx.prepare_cached("INSERT INTO content_tags (content_id, tag) VALUES (?1, ?2)")?;
    for tag in clean_tags(&input.tags) {
        t.execute(params![id, tag])?;
    }
    Ok(())
}

/// Create a draft; the operator is its author (and owner unless one is named).
/// Returns the new id.
pub fn create(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    input: &ContentInput,
    tz: Tz,
) -> Result<i64> {
    check_input(tx, input)?;
    let owner = match input.owner.trim() {
        "" => operator.to_string(),
        o => o.to_string(),
    };
    let explicit = input
        .material_name
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    let material = explicit.map_or_else(|| proposed_material(input, at, tz), str::to_string);
    tx.execute(
        "INSERT INTO content_items (title, body, kind, form, column_name, material_name, material_set,
             state, slot, owner, author, created_at, updated_at, updated_by, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'draft', ?8, ?9, ?10, ?11, ?11, ?10, 1)",
        params![
            input.title.trim(),
            input.body,
            input.kind.word(),
            input.form.word(),
            clean_column(input.column.as_ref()),
            material,
            explicit.is_some(),
            input.slot,
            owner,
            operator,
            at
        ],
    )?;
    let id = tx.last_insert_rowid();
    write_links(tx, id, input)?;
    audit(
        tx,
        at,
        operator,
        "add",
        "content",
        Some(id),
        None,
        Some(&snapshot(input, State::Draft, &material, &owner)),
    )?;
    Ok(id)
}

/// The domain's messages suggest commands with `ID` for the item's id.
fn with_id(why: &str, id: i64) -> String {
    why.replace(" ID`", &format!(" {id}`"))
}

fn stale(item: &ContentItem, tz: Option<Tz>) -> StoreError {
    StoreError::Stale {
        what: "content",
        id: item.id,
        by: item.updated_by.clone(),
        at: rfc3339(item.updated_at, tz),
    }
}

/// Save the whole of an item as the operator last saw it at `seen_version`. Refused
/// when a colleague saved since (nothing is written: reload and redo), when the item is
/// scheduled or published (see `domain::content::after_edit`), or when the input is
/// invalid. A save that changes nothing writes nothing.
#[allow(clippy::too_many_arguments)]
pub fn save(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    id: i64,
    seen_version: i64,
    input: &ContentInput,
    tz: Tz,
) -> Result<()> {
    let cur = get(tx, id)?;
    if cur.version != seen_version {
        return Err(stale(&cur, Some(tz)));
    }
    check_input(tx, input)?;
    let owner = match input.owner.trim() {
        "" => cur.owner.clone(),
        o => o.to_string(),
    };
    let (material, material_set) = match input.material_name.as_deref().map(str::trim) {
        Some("") => (proposed_material(input, cur.created_at, tz), false),
        Some(m) => (m.to_string(), true),
        None if cur.material_set => (cur.material_name.clone(), true),
        None => (proposed_material(input, cur.created_at, tz), false),
    };
    let old_input = cur.input();
    let old = snapshot(&old_input, cur.state, &cur.material_name, &cur.owner);
    let words = cur.title != input.title.trim()
        || cur.body != input.body
        || cur.kind != input.kind
        || cur.form != input.form;
    let state = rules::after_edit(cur.state, words).map_err(|why| {
        tracing::info!("content {id}: {}", with_id(&why, id));
        Refusal::ContentState {
            id,
            title: cur.title.clone(),
            state: cur.state.word().to_string(),
            step: "edit".to_string(),
        }
    })?;
    let new = snapshot(input, state, &material, &owner);
    if old == new && material_set == cur.material_set {
        return Ok(());
    }
    tx.execute(
        "UPDATE content_items SET title = ?2, body = ?3, kind = ?4, form = ?5, column_name = ?6,
             material_name = ?7, material_set = ?8, slot = ?9, owner = ?10, state = ?11,
             version = version + 1, updated_by = ?12, updated_at = ?13
         WHERE id = ?1",
        params![
            id,
            input.title.trim(),
            input.body,
            input.kind.word(),
            input.form.word(),
            clean_column(input.column.as_ref()),
            material,
            material_set,
            input.slot,
            owner,
            state.word(),
            operator,
            at
        ],
    )?;
    write_links(tx, id, input)?;
    audit(
        tx,
        at,
        operator,
        "edit",
        "content",
        Some(id),
        Some(&old),
        Some(&new),
    )?;
    Ok(())
}

fn insert_review(
    tx: &Transaction<'_>,
    id: i64,
    reviewer: &str,
    at: i64,
    r: &ReviewInput,
) -> Result<()> {
    let note = |c: &Check| Some(c.note.trim().to_string()).filter(|n| !n.is_empty());
    tx.execute(
        "INSERT INTO content_reviews (content_id, reviewer, at, compliance, compliance_note, fit,
             fit_note, appeal, appeal_note, override_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            reviewer,
            at,
            r.compliance.pass,
            note(&r.compliance),
            r.fit.pass,
            note(&r.fit),
            r.appeal.pass,
            note(&r.appeal),
            override_reason(r)
        ],
    )?;
    Ok(())
}

fn override_reason(r: &ReviewInput) -> Option<String> {
    r.override_reason
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_string)
}

fn review_json(r: &ReviewInput) -> Value {
    let c = |c: &Check| json!({ "pass": c.pass, "note": c.note });
    json!({
        "compliance": c(&r.compliance),
        "fit": c(&r.fit),
        "appeal": c(&r.appeal),
        "override_reason": override_reason(r),
    })
}

/// "加我微信 (ad), 刷单 (fraud)"
pub fn hits_text(hits: &[(String, crate::domain::keywords::Category)]) -> String {
    hits.iter()
        .map(|(w, c)| format!("{w} ({c})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Scan a draft just created or saved (in the same write): each blocked word opens
/// an incident on record for the reviewer (no member, no task: nothing was posted), and
/// the open incidents of words the edit took out are closed (`risk::open::draft`).
/// Saving stays allowed as before; approval still refuses the words unless overridden.
#[allow(clippy::too_many_arguments)]
pub fn scan_draft(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    tz: Tz,
    rules: &Rules,
    keywords: &Keywords,
    id: i64,
) -> Result<Vec<i64>> {
    let item = get(tx, id)?;
    let env = super::risk::open::Env {
        now: chrono::DateTime::from_timestamp(at, 0).unwrap_or_default(),
        tz,
        rules: &rules.risk,
    };
    let text = format!("{}\n{}", item.title, item.body);
    super::risk::open::draft(tx, operator, &env, id, &text, keywords)
}

/// The blocking words of an item's title and body, distinct, in order of appearance.
pub fn blocking_words(
    item: &ContentItem,
    keywords: &Keywords,
) -> Vec<(String, crate::domain::keywords::Category)> {
    keywords.distinct(&format!("{}\n{}", item.title, item.body))
}

/// Take one step of the pipeline as `operator`. `seen_version` (the console passes it)
/// refuses the step when a colleague changed the item since; the CLI passes None.
/// Returns the new state.
#[allow(clippy::too_many_arguments)]
pub fn step(
    tx: &Transaction<'_>,
    operator: &str,
    at: i64,
    id: i64,
    seen_version: Option<i64>,
    step: &ContentStep,
    rules: &Rules,
    keywords: &Keywords,
) -> Result<State> {
    let cur = get(tx, id)?;
    if let Some(seen) = seen_version
        && seen != cur.version
    {
        return Err(stale(&cur, None));
    }
    let t = step.transition();
    let next = rules::next_state(cur.state, t).map_err(|why| {
        tracing::info!("content {id}: {}", with_id(&why, id));
        Refusal::ContentState {
            id,
            title: cur.title.clone(),
            state: cur.state.word().to_string(),
            step: t.word().to_string(),
        }
    })?;
    let by_other = || -> Result<()> {
        if rules.content.review_by_other && operator == cur.author {
            return Err(StoreError::OwnReview {
                id,
                title: cur.title.clone(),
            });
        }
        Ok(())
    };
    let mut detail = json!({ "state": next.word() });
    match step {
        ContentStep::Submit => {
            tx.execute(
                "UPDATE content_items SET state = 'review', reject_reason = NULL WHERE id = ?1",
                [id],
            )?;
        }
        ContentStep::Approve(review) => {
            by_other()?;
            if cur.slot.is_none() || cur.groups.is_empty() {
                return Err(Refusal::ContentNeeds {
                    id,
                    title: cur.title.clone(),
                    slot: cur.slot.is_none(),
                    group: cur.groups.is_empty(),
                    version: cur.version,
                }
                .into());
            }
            let failed: Vec<&str> = [&review.compliance, &review.fit, &review.appeal]
                .iter()
                .zip(CHECKS)
                .filter(|(c, _)| !c.pass)
                .map(|(_, (_, zh))| zh)
                .collect();
            if !failed.is_empty() {
                return Err(Refusal::ChecksFailed {
                    id,
                    title: cur.title.clone(),
                    checks: failed.join("、"),
                }
                .into());
            }
            let hits = blocking_words(&cur, keywords);
            let reason = override_reason(review);
            if !hits.is_empty() && reason.is_none() {
                return Err(Refusal::BlockedWords {
                    id,
                    title: cur.title.clone(),
                    words: hits_text(&hits),
                }
                .into());
            }
            insert_review(tx, id, operator, at, review)?;
            tx.execute(
                "UPDATE content_items SET state = 'scheduled', reject_reason = NULL WHERE id = ?1",
                [id],
            )?;
            detail["review"] = review_json(review);
            if !hits.is_empty() {
                detail["overridden"] = json!(hits_text(&hits));
                // the reviewer let the words through: their incidents are false positives
                let open: Vec<i64> = tx
                    .prepare_cached(
                        "SELECT id FROM risk_incidents WHERE source = 'content' AND content_id = ?1
                           AND state IN ('open', 'reviewed')",
                    )?
                    .query_map([id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for incident in open {
                    super::risk::act::on_incident(
                        tx,
                        operator,
                        at,
                        incident,
                        None,
                        super::risk::act::Step::Act(crate::domain::risk::Action::Dismiss),
                        reason.as_deref().unwrap_or_default(),
                    )?;
                }
            }
        }
        ContentStep::Reject { reason, review } => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(Refusal::RejectNeedsReason {
                    id,
                    title: cur.title.clone(),
                }
                .into());
            }
            by_other()?;
            if let Some(r) = review {
                insert_review(tx, id, operator, at, r)?;
                detail["review"] = review_json(r);
            }
            tx.execute(
                "UPDATE content_items SET state = 'draft', reject_reason = ?2 WHERE id = ?1",
                params![id, reason],
            )?;
            detail["reason"] = json!(reason);
        }
        ContentStep::Publish | ContentStep::Unschedule => {
            tx.execute(
                "UPDATE content_items SET state = ?2 WHERE id = ?1",
                params![id, next.word()],
            )?;
        }
        ContentStep::Results(r) => {
            for (name, v) in [
                ("opens", r.opens),
                ("forwards", r.forwards),
                ("replies", r.replies),
                ("clicks", r.clicks),
                ("orders", r.orders),
            ] {
                if v.is_some_and(|v| v < 0) {
                    return Err(Refusal::NegativeResult {
                        id,
                        name: name.to_string(),
                    }
                    .into());
                }
            }
            tx.execute(
                "INSERT INTO content_results (content_id, opens, forwards, replies, clicks, orders,
                     entered_by, entered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (content_id) DO UPDATE SET
                     opens = COALESCE(excluded.opens, opens),
                     forwards = COALESCE(excluded.forwards, forwards),
                     replies = COALESCE(excluded.replies, replies),
                     clicks = COALESCE(excluded.clicks, clicks),
                     orders = COALESCE(excluded.orders, orders),
                     entered_by = excluded.entered_by,
                     entered_at = excluded.entered_at",
                params![
                    id, r.opens, r.forwards, r.replies, r.clicks, r.orders, operator, at
                ],
            )?;
            let lesson = r.lesson.as_deref().map(str::trim).filter(|l| !l.is_empty());
            tx.execute(
                "UPDATE content_items SET state = 'reviewed', lesson = COALESCE(?2, lesson) WHERE id = ?1",
                params![id, lesson],
            )?;
            detail["results"] = json!({
                "opens": r.opens, "forwards": r.forwards, "replies": r.replies,
                "clicks": r.clicks, "orders": r.orders, "lesson": lesson,
            });
            if let Some(old) = &cur.results {
                detail["previous"] = json!({
                    "opens": old.opens, "forwards": old.forwards, "replies": old.replies,
                    "clicks": old.clicks, "orders": old.orders,
                });
            }
        }
    }
    tx.execute(
        "UPDATE content_items SET version = version + 1, updated_by = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, operator, at],
    )?;
    audit(
        tx,
        at,
        operator,
        t.word(),
        "content",
        Some(id),
        Some(&json!({ "state": cur.state.word(), "version": cur.version })),
        Some(&detail),
    )?;
    Ok(next)
}

// --- the mix ------------------------------------------------------------------------

/// The share of 促活 / 转化 / 品牌 over a window, against the configured target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MixReport {
    /// None: all groups (each item once).
    pub group: Option<i64>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: u32,
    /// The preset the target comes from.
    pub preset: String,
    pub total: u32,
    /// One line per kind, in the order 促活, 转化, 品牌.
    pub lines: Vec<MixLine>,
}

/// The mix of approved items (scheduled, published, reviewed) whose slot falls in the
/// `days` days ending on `end` (the team's calendar), for one group or overall.
pub fn mix(
    conn: &Connection,
    group: Option<i64>,
    end: NaiveDate,
    days: u32,
    tz: Tz,
    rules: &Rules,
) -> Result<MixReport> {
    let target = rules.content.target().map_err(StoreError::Refused)?;
    let days = days.max(1);
    let from = end
        .checked_sub_days(Days::new(u64::from(days - 1)))
        .unwrap_or(end);
    let start = day_start(from, tz);
    let stop = day_start(end.succ_opt().unwrap_or(end), tz);
    let mut st = conn.prepare_cached(
        "SELECT c.kind FROM content_items c
         WHERE c.slot >= ?1 AND c.slot < ?2 AND c.state IN ('scheduled', 'published', 'reviewed')
           AND (?3 IS NULL OR EXISTS (SELECT 1 FROM content_groups cg
                                      WHERE cg.content_id = c.id AND cg.group_id = ?3))",
    )?;
    let kinds: Vec<Kind> = st
        .query_map(params![start, stop, group], |r| {
            parse_col(r.get(0)?, 0, Kind::parse)
        })?
        .collect::<rusqlite::Result<_>>()?;
    let lines = rules::mix_lines(rules::count_kinds(kinds), &target);
    Ok(MixReport {
        group,
        from,
        to: end,
        days,
        preset: rules.content.mix.clone(),
        total: lines.iter().map(|l| l.count).sum(),
        lines,
    })
}

// --- the week -----------------------------------------------------------------------

/// An item on the schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekItem {
    pub id: i64,
    pub title: String,
    pub kind: Kind,
    pub form: Form,
    pub state: State,
    pub slot: i64,
    pub groups: Vec<(i64, String)>,
    pub version: i64,
}

/// One day of the week view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekDay {
    pub day: NaiveDate,
    /// By slot.
    pub items: Vec<WeekItem>,
    /// Best times for this weekday (DOMAIN.md §4).
    pub hints: Vec<SlotHint>,
}

/// Pushes to one group on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushCount {
    pub group_id: i64,
    pub group: String,
    pub day: NaiveDate,
    pub count: u32,
}

/// More pushes than allowed to one group on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverPosting {
    pub group_id: i64,
    pub group: String,
    pub day: NaiveDate,
    pub count: u32,
    pub max: u32,
}

/// Two pushes to one group too close together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub group_id: i64,
    pub group: String,
    /// Item ids, earlier first.
    pub first: i64,
    pub second: i64,
    pub minutes: i64,
}

/// A week of the schedule: items per day, pushes per group and day, warnings.
/// Pushes are the items past the draft stage (in review, scheduled, published,
/// reviewed): a draft with a slot is an idea, not yet a commitment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    pub monday: NaiveDate,
    pub group: Option<i64>,
    /// Monday to Sunday.
    pub days: Vec<WeekDay>,
    pub pushes: Vec<PushCount>,
    pub over_posting: Vec<OverPosting>,
    pub conflicts: Vec<Conflict>,
    pub max_pushes_per_day: u32,
}

/// The week starting on `monday` (another day means the Monday of its week), for one
/// group or all.
pub fn week(
    conn: &Connection,
    group: Option<i64>,
    monday: NaiveDate,
    tz: Tz,
    rules: &Rules,
) -> Result<Week> {
    let monday = monday
        .checked_sub_days(Days::new(u64::from(
            monday.weekday().num_days_from_monday(),
        )))
        .unwrap_or(monday);
    let sunday = monday.checked_add_days(Days::new(6)).unwrap_or(monday);
    let start = day_start(monday, tz);
    let stop = day_start(sunday.succ_opt().unwrap_or(sunday), tz);
    let mut st = conn.prepare_cached(
        "SELECT c.id, c.title, c.kind, c.form, c.state, c.slot, c.version,
                (SELECT group_concat(g.id || char(30) || g.name, char(31)) FROM
                   (SELECT g.id, g.name FROM content_groups cg JOIN groups g ON g.id = cg.group_id
                    WHERE cg.content_id = c.id ORDER BY g.name) g)
         FROM content_items c
         WHERE c.slot >= ?1 AND c.slot < ?2
           AND (?3 IS NULL OR EXISTS (SELECT 1 FROM content_groups cg
                                      WHERE cg.content_id = c.id AND cg.group_id = ?3))
         ORDER BY c.slot, c.id",
    )?;
    let items: Vec<WeekItem> = st
        .query_map(params![start, stop, group], |r| {
            Ok(WeekItem {
                id: r.get(0)?,
                title: r.get(1)?,
                kind: parse_col(r.get(2)?, 2, Kind::parse)?,
                form: parse_col(r.get(3)?, 3, Form::parse)?,
                state: parse_col(r.get(4)?, 4, State::parse)?,
                slot: r.get(5)?,
                version: r.get(6)?,
                groups: split_groups(r.get(7)?),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut days: Vec<WeekDay> = monday
        .iter_days()
        .take(7)
        .map(|day| WeekDay {
            day,
            items: Vec::new(),
            hints: rules::hints_for(day, &rules.content.slot_hints),
        })
        .collect();
    let mut counts: BTreeMap<(i64, NaiveDate), u32> = BTreeMap::new();
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut pushes: Vec<Push> = Vec::new();
    for item in items {
        let Some(day) = local_day_of(item.slot, tz) else {
            continue;
        };
        if item.state != State::Draft {
            for (g, name) in &item.groups {
                if group.is_some_and(|want| want != *g) {
                    continue;
                }
                names.insert(*g, name.clone());
                *counts.entry((*g, day)).or_insert(0) += 1;
                pushes.push(Push {
                    group: *g,
                    item: item.id,
                    slot: item.slot,
                });
            }
        }
        if let Some(d) = days.iter_mut().find(|d| d.day == day) {
            d.items.push(item);
        }
    }
    let name = |g: i64| names.get(&g).cloned().unwrap_or_default();
    let max = rules.content.max_pushes_per_day;
    Ok(Week {
        monday,
        group,
        days,
        over_posting: rules::over_posting(&counts, max)
            .into_iter()
            .map(|(g, day, count)| OverPosting {
                group_id: g,
                group: name(g),
                day,
                count,
                max,
            })
            .collect(),
        conflicts: rules::clashes(&pushes, rules.content.conflict_minutes)
            .into_iter()
            .map(|c| Conflict {
                group_id: c.group,
                group: name(c.group),
                first: c.first,
                second: c.second,
                minutes: c.minutes,
            })
            .collect(),
        pushes: counts
            .into_iter()
            .map(|((g, day), count)| PushCount {
                group_id: g,
                group: name(g),
                day,
                count,
            })
            .collect(),
        max_pushes_per_day: max,
    })
}

// --- the weekly review ---------------------------------------------------------------

/// A published item with its results, as the weekly review ranks it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewedItem {
    pub id: i64,
    pub title: String,
    pub kind: Kind,
    pub form: Form,
    pub slot: i64,
    pub results: Outcome,
    /// Members of its groups on the slot's day, when known.
    pub audience: Option<i64>,
    pub score: f64,
    /// What it was ranked by (the score, or the score per member).
    pub value: f64,
}

/// The weekly review (002): the week's published items ranked, the bottom share to drop,
/// what the top share has in common.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyReview {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: RankBy,
    /// Best first.
    pub items: Vec<ReviewedItem>,
    /// Worst first.
    pub drop: Vec<i64>,
    /// Best first.
    pub top: Vec<i64>,
    pub traits: Option<TopTraits>,
}

/// The weekly review of the 7 days ending on `end`, with the shipped weights.
pub fn weekly_review(conn: &Connection, end: NaiveDate, tz: Tz) -> Result<WeeklyReview> {
    weekly_review_with(conn, end, tz, &ContentRules::shipped())
}

/// The weekly review with the configured weights and share (`[content]` of the rules).
pub fn weekly_review_with(
    conn: &Connection,
    end: NaiveDate,
    tz: Tz,
    rules: &ContentRules,
) -> Result<WeeklyReview> {
    let from = end.checked_sub_days(Days::new(6)).unwrap_or(end);
    let start = day_start(from, tz);
    let stop = day_start(end.succ_opt().unwrap_or(end), tz);
    let mut st = conn.prepare_cached(
        "SELECT c.id, c.title, c.kind, c.form, c.slot, r.opens, r.forwards, r.replies, r.clicks, r.orders
         FROM content_items c JOIN content_results r ON r.content_id = c.id
         WHERE c.slot >= ?1 AND c.slot < ?2 AND c.state IN ('published', 'reviewed')
         ORDER BY c.slot, c.id",
    )?;
    let rows: Vec<ReviewedItem> = st
        .query_map(params![start, stop], |r| {
            Ok(ReviewedItem {
                id: r.get(0)?,
                title: r.get(1)?,
                kind: parse_col(r.get(2)?, 2, Kind::parse)?,
                form: parse_col(r.get(3)?, 3, Form::parse)?,
                slot: r.get(4)?,
                results: Outcome {
                    opens: r.get(5)?,
                    forwards: r.get(6)?,
                    replies: r.get(7)?,
                    clicks: r.get(8)?,
                    orders: r.get(9)?,
                },
                audience: None,
                score: 0.0,
                value: 0.0,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut groups_of =
        conn.prepare_cached("SELECT group_id FROM content_groups WHERE content_id = ?1")?;
    let mut members = conn.prepare_cached(
        "SELECT value FROM kpi_daily WHERE group_id = ?1 AND metric = 'members' AND day <= ?2
         ORDER BY day DESC LIMIT 1",
    )?;
    let mut inputs = Vec::with_capacity(rows.len());
    let mut by_id: HashMap<i64, ReviewedItem> = HashMap::new();
    for mut item in rows {
        let day = local_day_of(item.slot, tz).unwrap_or(end).to_string();
        let groups: Vec<i64> = groups_of
            .query_map([item.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut audience = Some(0i64);
        for g in &groups {
            let n: Option<f64> = members
                .query_row(params![g, day], |r| r.get(0))
                .optional()?;
            audience = match (audience, n) {
                (Some(a), Some(n)) => Some(a + n.round() as i64),
                _ => None,
            };
        }
        item.audience = audience.filter(|a| *a > 0 && !groups.is_empty());
        item.score = item.results.score(&rules.score);
        inputs.push(RankInput {
            id: item.id,
            title: item.title.clone(),
            form: item.form,
            slot: local_time_of(item.slot, tz).unwrap_or_default(),
            outcome: item.results,
            audience: item.audience,
        });
        by_id.insert(item.id, item);
    }
    let ranking = rules::rank(&inputs, &rules.score, rules.drop_share);
    let items = ranking
        .order
        .iter()
        .filter_map(|(id, value)| {
            by_id.remove(id).map(|mut i| {
                i.value = *value;
                i
            })
        })
        .collect();
    Ok(WeeklyReview {
        from,
        to: end,
        by: ranking.by,
        items,
        drop: ranking.drop,
        top: ranking.top,
        traits: ranking.traits,
    })
}

// --- a day's posts -----------------------------------------------------------------

/// One approved item going to one group on a day (the Today tab, quotas).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledPost {
    pub content_id: i64,
    pub title: String,
    pub group_id: i64,
    pub group: String,
    pub slot: i64,
    pub state: State,
    pub kind: Kind,
    pub form: Form,
    pub version: i64,
    pub owner: String,
    pub body: String,
    pub updated_by: String,
    pub updated_at: i64,
}

/// The approved items (scheduled, published, reviewed) whose slot is on `day`, one row
/// per group, by slot.
pub fn scheduled_on(conn: &Connection, day: NaiveDate, tz: Tz) -> Result<Vec<ScheduledPost>> {
    let (start, stop) = crate::clock::day_bounds(day, tz);
    let mut st = conn.prepare_cached(
        "SELECT c.id, c.title, g.id, g.name, c.slot, c.state, c.kind, c.form, c.version,
                c.owner, c.body, c.updated_by, c.updated_at
         FROM content_items c
         JOIN content_groups cg ON cg.content_id = c.id
         JOIN groups g ON g.id = cg.group_id
         WHERE c.slot >= ?1 AND c.slot < ?2 AND c.state IN ('scheduled', 'published', 'reviewed')
         ORDER BY c.slot, g.name, c.id",
    )?;
    let rows = st.query_map(params![start, stop], |r| {
        Ok(ScheduledPost {
            content_id: r.get(0)?,
            title: r.get(1)?,
            group_id: r.get(2)?,
            group: r.get(3)?,
            slot: r.get(4)?,
            state: parse_col(r.get(5)?, 5, State::parse)?,
            kind: parse_col(r.get(6)?, 6, Kind::parse)?,
            form: parse_col(r.get(7)?, 7, Form::parse)?,
            version: r.get(8)?,
            owner: r.get(9)?,
            body: r.get(10)?,
            updated_by: r.get(11)?,
            updated_at: r.get(12)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::local_to_utc;
    use crate::domain::content::Check;
    use crate::domain::roles::Perm;
    use crate::store::Need;
    use crate::store::Store;

    const TZ: Tz = crate::clock::DEFAULT_TZ;

    /// 2026-03-02 08:25 in Shanghai.
    const NOW: i64 = 1_772_411_100;

    fn at(s: &str) -> i64 {
        let n = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        local_to_utc(n, TZ).unwrap().timestamp()
    }

    fn store(op: &str) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.db");
        let mut s = Store::create(&p, op).unwrap();
        s.write(Need::System, |tx, _| {
            for name in ["宝妈群", "职场群"] {
                tx.execute(
                    "INSERT INTO groups (name, kind, platform, created_on) VALUES (?1, '知识型', 'personal', '2026-01-01')",
                    [name],
                )?;
            }
            Ok(())
        })
        .unwrap();
        (dir, s)
    }

    fn input(title: &str, body: &str, kind: Kind, slot: Option<i64>) -> ContentInput {
        ContentInput {
            title: title.into(),
            body: body.into(),
            kind,
            form: Form::Article,
            column: None,
            tags: vec!["干货".into()],
            groups: vec![1],
            slot,
            owner: String::new(),
            material_name: None,
        }
    }

    fn pass() -> ReviewInput {
        ReviewInput {
            compliance: Check::pass("ok"),
            fit: Check::pass("ok"),
            appeal: Check::pass("ok"),
            override_reason: None,
        }
    }

    fn go(s: &mut Store, id: i64, st: &ContentStep) -> Result<State> {
        let rules = Rules::shipped();
        let k = Keywords::shipped();
        s.write(st.perm(), |tx, op| {
            step(tx, op, NOW, id, None, st, &rules, &k)
        })
    }

    #[test]
    fn create_proposes_a_material_name_and_records_the_author() {
        let (_d, mut s) = store("li.na");
        let slot = at("2026-03-03 20:00");
        let id = s
            .write(Perm::ContentDraft, |tx, op| {
                create(
                    tx,
                    op,
                    NOW,
                    &input("宝宝积食怎么办", "正文", Kind::Engage, Some(slot)),
                    TZ,
                )
            })
            .unwrap();
        let item = get(s.conn(), id).unwrap();
        assert_eq!(item.material_name, "202603 促活-宝宝积食怎么办-图文");
        assert_eq!(
            (item.author.as_str(), item.owner.as_str()),
            ("li.na", "li.na")
        );
        assert_eq!(item.state, State::Draft);
        assert_eq!(item.version, 1);
        assert_eq!(item.groups, [(1, "宝妈群".to_string())]);
        // a column becomes the theme on the next save; the version moves
        let mut inp = item.input();
        inp.column = Some("育儿干货".into());
        s.write(Perm::ContentDraft, |tx, op| {
            save(tx, op, NOW, id, 1, &inp, TZ)
        })
        .unwrap();
        let item = get(s.conn(), id).unwrap();
        assert_eq!(item.material_name, "202603 促活-育儿干货-图文");
        assert_eq!(item.version, 2);
        // a name set by hand stays
        inp.material_name = Some("自定义名".into());
        s.write(Perm::ContentDraft, |tx, op| {
            save(tx, op, NOW, id, 2, &inp, TZ)
        })
        .unwrap();
        inp.material_name = None;
        inp.title = "新标题".into();
        s.write(Perm::ContentDraft, |tx, op| {
            save(tx, op, NOW, id, 3, &inp, TZ)
        })
        .unwrap();
        assert_eq!(get(s.conn(), id).unwrap().material_name, "自定义名");
        // a save that changes nothing writes nothing
        let v = get(s.conn(), id).unwrap().version;
        let same = get(s.conn(), id).unwrap().input();
        s.write(Perm::ContentDraft, |tx, op| {
            save(tx, op, NOW, id, v, &same, TZ)
        })
        .unwrap();
        assert_eq!(get(s.conn(), id).unwrap().version, v);
    }

    #[test]
    fn the_pipeline_end_to_end_with_its_refusals() {
        let (dir, mut author) = store("li.na");
        let mut reviewer = Store::open(&dir.path().join("t.db"), "wang.lei").unwrap();
        let id = author
            .write(Perm::ContentDraft, |tx, op| {
                create(tx, op, NOW, &input("标题", "正文", Kind::Engage, None), TZ)
            })
            .unwrap();
        assert_eq!(
            go(&mut author, id, &ContentStep::Submit).unwrap(),
            State::Review
        );
        let e = go(&mut author, id, &ContentStep::Submit).unwrap_err();
        assert!(
            matches!(&e, StoreError::Refusal(Refusal::ContentState { state, step, .. })
                if state == "review" && step == "submit"),
            "{e}"
        );
        // the author may not approve
        let e = go(&mut author, id, &ContentStep::Approve(pass())).unwrap_err();
        assert!(
            matches!(e, StoreError::OwnReview { id: i, .. } if i == id),
            "{e}"
        );
        // no slot yet
        let e = go(&mut reviewer, id, &ContentStep::Approve(pass())).unwrap_err();
        assert!(
            matches!(
                &e,
                StoreError::Refusal(Refusal::ContentNeeds {
                    slot: true,
                    group: false,
                    ..
                })
            ),
            "{e}"
        );
        // the reviewer adds the slot: the item stays in review
        let item = get(reviewer.conn(), id).unwrap();
        let mut inp = item.input();
        inp.slot = Some(at("2026-03-03 20:00"));
        reviewer
            .write(Perm::ContentDraft, |tx, op| {
                save(tx, op, NOW, id, item.version, &inp, TZ)
            })
            .unwrap();
        assert_eq!(get(reviewer.conn(), id).unwrap().state, State::Review);
        // a failed check
        let mut weak = pass();
        weak.appeal = Check::fail("标题没有钩子");
        let e = go(&mut reviewer, id, &ContentStep::Approve(weak.clone())).unwrap_err();
        assert!(e.to_string().contains("吸引力"), "{e}");
        // reject needs a reason
        let e = go(
            &mut reviewer,
            id,
            &ContentStep::Reject {
                reason: " ".into(),
                review: None,
            },
        )
        .unwrap_err();
        assert!(
            matches!(&e, StoreError::Refusal(Refusal::RejectNeedsReason { .. })),
            "{e}"
        );
        let st = go(
            &mut reviewer,
            id,
            &ContentStep::Reject {
                reason: "没有排期".into(),
                review: Some(weak),
            },
        )
        .unwrap();
        assert_eq!(st, State::Draft);
        let item = get(author.conn(), id).unwrap();
        assert_eq!(item.reject_reason.as_deref(), Some("没有排期"));
        assert_eq!(item.reviews.len(), 1);
        assert!(!item.reviews[0].passed());
        // the author rewrites and submits again: the reason is cleared
        let mut inp = item.input();
        inp.body = "改过的正文".into();
        author
            .write(Perm::ContentDraft, |tx, op| {
                save(tx, op, NOW, id, item.version, &inp, TZ)
            })
            .unwrap();
        go(&mut author, id, &ContentStep::Submit).unwrap();
        assert_eq!(get(author.conn(), id).unwrap().reject_reason, None);
        assert_eq!(
            go(&mut reviewer, id, &ContentStep::Approve(pass())).unwrap(),
            State::Scheduled
        );
        // a scheduled item is not edited in place
        let item = get(author.conn(), id).unwrap();
        let mut inp = item.input();
        inp.title = "改标题".into();
        let e = author
            .write(Perm::ContentDraft, |tx, op| {
                save(tx, op, NOW, id, item.version, &inp, TZ)
            })
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Refusal(Refusal::ContentState { state, step, .. })
                if state == "scheduled" && step == "edit"),
            "{e}"
        );
        let e = go(
            &mut author,
            id,
            &ContentStep::Results(ResultsInput::default()),
        )
        .unwrap_err();
        assert!(
            matches!(&e, StoreError::Refusal(Refusal::ContentState { state, step, .. })
                if state == "scheduled" && step == "results"),
            "{e}"
        );
        assert_eq!(
            go(&mut author, id, &ContentStep::Publish).unwrap(),
            State::Published
        );
        let r = ResultsInput {
            opens: Some(120),
            forwards: Some(10),
            lesson: Some("晚上 8 点效果好".into()),
            ..ResultsInput::default()
        };
        assert_eq!(
            go(&mut author, id, &ContentStep::Results(r)).unwrap(),
            State::Reviewed
        );
        // entering again updates what is given and keeps the rest
        let r = ResultsInput {
            orders: Some(3),
            ..ResultsInput::default()
        };
        go(&mut author, id, &ContentStep::Results(r)).unwrap();
        let item = get(author.conn(), id).unwrap();
        let res = item.results.unwrap();
        assert_eq!(
            (res.opens, res.forwards, res.orders),
            (Some(120), Some(10), Some(3))
        );
        assert_eq!(item.lesson.as_deref(), Some("晚上 8 点效果好"));
        assert_eq!(item.state, State::Reviewed);
        // every change is on record with its operator
        let audited: Vec<(String, String)> = author
            .conn()
            .prepare("SELECT action, operator FROM audit WHERE entity = 'content' AND entity_id = ?1 ORDER BY id")
            .unwrap()
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let actions: Vec<&str> = audited.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            actions,
            [
                "add", "submit", "edit", "reject", "edit", "submit", "approve", "publish",
                "results", "results"
            ]
        );
        assert_eq!(audited[3].1, "wang.lei");
        assert_eq!(item.version, 10);
    }

    #[test]
    fn keywords_block_approval_unless_overridden_on_record() {
        let (dir, mut author) = store("li.na");
        let mut reviewer = Store::open(&dir.path().join("t.db"), "wang.lei").unwrap();
        let slot = Some(at("2026-03-03 20:00"));
        let id = author
            .write(Perm::ContentDraft, |tx, op| {
                create(
                    tx,
                    op,
                    NOW,
                    &input("福利", "想要资料的加我微信,私聊领取", Kind::Convert, slot),
                    TZ,
                )
            })
            .unwrap();
        go(&mut author, id, &ContentStep::Submit).unwrap();
        let v = get(author.conn(), id).unwrap().version;
        let e = go(&mut reviewer, id, &ContentStep::Approve(pass())).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("加我微信 (ad)") && msg.contains("私聊领取 (ad)"),
            "{msg}"
        );
        assert_eq!(
            get(author.conn(), id).unwrap().version,
            v,
            "nothing written"
        );
        let mut r = pass();
        r.override_reason = Some("品牌官方客服号,已核实".into());
        go(&mut reviewer, id, &ContentStep::Approve(r)).unwrap();
        let item = get(author.conn(), id).unwrap();
        assert_eq!(item.state, State::Scheduled);
        assert_eq!(
            item.reviews[0].override_reason.as_deref(),
            Some("品牌官方客服号,已核实")
        );
    }

    #[test]
    fn a_save_from_an_old_version_is_refused_naming_who_and_when() {
        let (dir, mut a) = store("li.na");
        let mut b = Store::open(&dir.path().join("t.db"), "wang.lei").unwrap();
        let id = a
            .write(Perm::ContentDraft, |tx, op| {
                create(tx, op, NOW, &input("标题", "正文", Kind::Engage, None), TZ)
            })
            .unwrap();
        let seen = get(a.conn(), id).unwrap();
        let mut theirs = seen.input();
        theirs.body = "王磊改的正文".into();
        b.write(Perm::ContentDraft, |tx, op| {
            save(tx, op, NOW + 60, id, seen.version, &theirs, TZ)
        })
        .unwrap();
        let mut mine = seen.input();
        mine.body = "李娜改的正文".into();
        let e = a
            .write(Perm::ContentDraft, |tx, op| {
                save(tx, op, NOW + 120, id, seen.version, &mine, TZ)
            })
            .unwrap_err();
        match &e {
            StoreError::Stale { by, at, .. } => {
                assert_eq!(by, "wang.lei");
                assert_eq!(at, "2026-03-02T08:26:00+08:00");
            }
            other => panic!("{other}"),
        }
        assert_eq!(get(a.conn(), id).unwrap().body, "王磊改的正文");
        // a step with an old version is refused too
        let e = go_seen(&mut a, id, seen.version, &ContentStep::Submit).unwrap_err();
        assert!(matches!(e, StoreError::Stale { .. }), "{e}");
    }

    fn go_seen(s: &mut Store, id: i64, v: i64, st: &ContentStep) -> Result<State> {
        let rules = Rules::shipped();
        let k = Keywords::shipped();
        s.write(st.perm(), |tx, op| {
            step(tx, op, NOW, id, Some(v), st, &rules, &k)
        })
    }

    #[test]
    fn editing_in_review_keeps_the_review_unless_the_words_change() {
        let (_d, mut s) = store("li.na");
        let id = s
            .write(Perm::ContentDraft, |tx, op| {
                create(tx, op, NOW, &input("标题", "正文", Kind::Engage, None), TZ)
            })
            .unwrap();
        go(&mut s, id, &ContentStep::Submit).unwrap();
        let item = get(s.conn(), id).unwrap();
        let mut inp = item.input();
        inp.slot = Some(at("2026-03-05 20:00"));
        inp.groups = vec![1, 2];
        s.write(Perm::ContentDraft, |tx, op| {
            save(tx, op, NOW, id, item.version, &inp, TZ)
        })
        .unwrap();
        assert_eq!(get(s.conn(), id).unwrap().state, State::Review);
        inp.body = "新的正文".into();
        s.write(Perm::ContentDraft, |tx, op| {
            save(tx, op, NOW, id, item.version + 1, &inp, TZ)
        })
        .unwrap();
        assert_eq!(get(s.conn(), id).unwrap().state, State::Draft);
    }

    #[test]
    fn unknown_groups_and_blank_titles_are_refused() {
        let (_d, mut s) = store("li.na");
        let mut bad = input("标题", "", Kind::Engage, None);
        bad.groups = vec![99];
        let e = s
            .write(Perm::ContentDraft, |tx, op| create(tx, op, NOW, &bad, TZ))
            .unwrap_err();
        assert!(e.to_string().contains("no group 99"), "{e}");
        let e = s
            .write(Perm::ContentDraft, |tx, op| {
                create(tx, op, NOW, &input("  ", "", Kind::Engage, None), TZ)
            })
            .unwrap_err();
        assert!(e.to_string().contains("title"), "{e}");
        let e = get(s.conn(), 42).unwrap_err();
        assert!(matches!(e, StoreError::NotFound { .. }));
    }

    /// Approve `id` directly (tests of the read models do not need the pipeline).
    fn set_state(s: &mut Store, id: i64, state: State) {
        s.write(Need::System, |tx, _| {
            tx.execute(
                "UPDATE content_items SET state = ?2 WHERE id = ?1",
                params![id, state.word()],
            )?;
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn the_mix_counts_approved_items_in_the_window() {
        let (_d, mut s) = store("li.na");
        let mut add = |kind: Kind, slot: &str, groups: Vec<i64>, state: State| {
            let mut i = input("t", "", kind, Some(at(slot)));
            i.groups = groups;
            let id = s
                .write(Perm::ContentDraft, |tx, op| create(tx, op, NOW, &i, TZ))
                .unwrap();
            set_state(&mut s, id, state);
        };
        // group 1 in the 7 days to 2026-03-02 (02-24 … 03-02): 5 engage, 3 convert, 2 brand
        for d in ["02-24", "02-25", "02-26", "02-27", "03-02"] {
            add(
                Kind::Engage,
                &format!("2026-{d} 20:00"),
                vec![1],
                State::Published,
            );
        }
        for d in ["02-24", "02-28", "03-01"] {
            add(
                Kind::Convert,
                &format!("2026-{d} 10:00"),
                vec![1],
                State::Scheduled,
            );
        }
        add(Kind::Brand, "2026-02-25 15:00", vec![1, 2], State::Reviewed);
        add(Kind::Brand, "2026-03-02 23:59", vec![1], State::Scheduled);
        // outside: too early, the next day, a draft, another group
        add(Kind::Brand, "2026-02-23 23:59", vec![1], State::Published);
        add(Kind::Brand, "2026-03-03 00:00", vec![1], State::Scheduled);
        add(Kind::Convert, "2026-02-27 10:00", vec![1], State::Draft);
        add(Kind::Convert, "2026-02-27 10:00", vec![2], State::Scheduled);
        let end = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let r = mix(s.conn(), Some(1), end, 7, TZ, &Rules::shipped()).unwrap();
        assert_eq!(r.total, 10);
        let got: Vec<(u32, f64)> = r.lines.iter().map(|l| (l.count, l.share)).collect();
        assert_eq!(got, [(5, 0.5), (3, 0.3), (2, 0.2)]);
        assert!(r.lines.iter().all(|l| l.diff.abs() < 1e-9));
        // overall: each item once (the brand item in both groups counts once), plus
        // group 2's convert item
        let all = mix(s.conn(), None, end, 7, TZ, &Rules::shipped()).unwrap();
        assert_eq!(all.total, 11);
        assert_eq!(all.lines[1].count, 4);
        // 30 days takes in the early one
        let m30 = mix(s.conn(), Some(1), end, 30, TZ, &Rules::shipped()).unwrap();
        assert_eq!(m30.total, 11);
    }

    #[test]
    fn the_week_shows_pushes_over_posting_conflicts_and_hints() {
        let (_d, mut s) = store("li.na");
        let mut add = |slot: &str, groups: Vec<i64>, state: State| -> i64 {
            let mut i = input("t", "", Kind::Engage, Some(at(slot)));
            i.groups = groups;
            let id = s
                .write(Perm::ContentDraft, |tx, op| create(tx, op, NOW, &i, TZ))
                .unwrap();
            set_state(&mut s, id, state);
            id
        };
        let a = add("2026-03-03 08:00", vec![1], State::Scheduled);
        let b = add("2026-03-03 08:20", vec![1, 2], State::Review);
        add("2026-03-03 12:00", vec![1], State::Scheduled);
        add("2026-03-03 20:00", vec![1], State::Published);
        add("2026-03-03 21:00", vec![1], State::Draft); // not a push
        add("2026-03-09 08:00", vec![1], State::Scheduled); // next week
        let monday = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let rules = Rules::shipped();
        let w = week(s.conn(), None, monday, TZ, &rules).unwrap();
        assert_eq!(w.days.len(), 7);
        assert_eq!(w.days[1].items.len(), 5);
        assert!(
            w.days
                .iter()
                .enumerate()
                .all(|(i, d)| i == 1 || d.items.is_empty())
        );
        assert!(w.days[1].hints.iter().any(|h| h.what == "知识教程"));
        assert_eq!(
            w.over_posting
                .iter()
                .map(|o| (o.group_id, o.count))
                .collect::<Vec<_>>(),
            [(1, 4)]
        );
        assert_eq!(w.conflicts.len(), 1);
        assert_eq!((w.conflicts[0].first, w.conflicts[0].second), (a, b));
        assert_eq!(w.conflicts[0].minutes, 20);
        // a Wednesday means its week; one group only
        let wed = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        let w2 = week(s.conn(), Some(2), wed, TZ, &rules).unwrap();
        assert_eq!(w2.monday, monday);
        assert_eq!(w2.pushes.len(), 1);
        assert!(w2.over_posting.is_empty());
        // the day's approved posts, one per group
        let tue = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let posts = scheduled_on(s.conn(), tue, TZ).unwrap();
        assert_eq!(posts.len(), 3);
        assert!(posts.iter().all(|p| p.state.committed()));
    }

    #[test]
    fn the_weekly_review_ranks_the_weeks_results() {
        let (_d, mut s) = store("li.na");
        let mut ids = Vec::new();
        for (i, opens) in [50, 10, 90, 30, 70].into_iter().enumerate() {
            let slot = format!("2026-02-2{} 20:00", 4 + i);
            let id = s
                .write(Perm::ContentDraft, |tx, op| {
                    create(
                        tx,
                        op,
                        NOW,
                        &input(&format!("第{i}篇"), "", Kind::Engage, Some(at(&slot))),
                        TZ,
                    )
                })
                .unwrap();
            set_state(&mut s, id, State::Published);
            s.write(Perm::ContentPublish, |tx, op| {
                step(
                    tx,
                    op,
                    NOW,
                    id,
                    None,
                    &ContentStep::Results(ResultsInput {
                        opens: Some(opens),
                        ..ResultsInput::default()
                    }),
                    &Rules::shipped(),
                    &Keywords::shipped(),
                )
            })
            .unwrap();
            ids.push(id);
        }
        let end = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let r = weekly_review(s.conn(), end, TZ).unwrap();
        assert_eq!(r.by, RankBy::Score);
        assert_eq!(r.items.len(), 5);
        assert_eq!(r.drop, [ids[1]]);
        assert_eq!(r.top, [ids[2]]);
        assert_eq!(r.items[0].id, ids[2]);
        let t = r.traits.unwrap();
        assert_eq!(t.hour, 20);
        // with every group's size known, the rate decides (same audience: same order)
        s.write(Need::System, |tx, _| {
            tx.execute(
                "INSERT INTO kpi_daily (group_id, day, metric, value) VALUES (1, '2026-02-01', 'members', 200)",
                [],
            )?;
            Ok(())
        })
        .unwrap();
        let r = weekly_review(s.conn(), end, TZ).unwrap();
        assert_eq!(r.by, RankBy::Rate);
        assert_eq!(r.items[0].audience, Some(200));
        assert!((r.items[0].value - 90.0 / 200.0).abs() < 1e-9);
    }
}
