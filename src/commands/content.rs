//! `shequn content …`: the content queue from scripts — list, add, show, edit (refused
//! when based on an old version), the review pipeline (submit, approve, reject, publish,
//! unschedule, results), the week's schedule, the mix, the weekly review — plus
//! `import results` and `export content`. The rules live in `store::content` and
//! `domain::content`; this file turns flags into inputs and rows into output.
//! Times print in the team's zone: RFC 3339 with offset in JSON and CSV (like `sop`),
//! "YYYY-MM-DD HH:MM" in tables.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use super::output::{Column, print};
use super::{Ctx, UserError};
use crate::cli::{ContentCmd, Format};
use crate::clock::{local_day, local_to_utc};
use crate::domain::content::{CHECKS, Check, Form, Kind, State};
use crate::domain::keywords::Keywords;
use crate::domain::roles::Perm;
use crate::i18n::fill;
use crate::import::Reason;
use crate::store::content::{
    self, ContentInput, ContentItem, ContentStep, ListRow, ResultsInput, ReviewInput,
};
use crate::store::{Store, StoreError, groups};

pub fn run(ctx: &Ctx, cmd: &ContentCmd) -> anyhow::Result<ExitCode> {
    let mut store = ctx.open()?;
    match cmd {
        ContentCmd::List { state, group } => list(ctx, &store, state.as_deref(), group.as_deref()),
        ContentCmd::Add {
            title,
            body_file,
            kind,
            form,
            groups,
            slot,
            column,
            tags,
            owner,
            material,
        } => {
            let input = ContentInput {
                title: title.clone(),
                body: read_body(ctx, body_file)?,
                kind: parse_kind(ctx, kind)?,
                form: parse_form(ctx, form)?,
                column: column.clone(),
                tags: tags.clone(),
                groups: group_ids(ctx, &store, groups)?,
                slot: slot.as_deref().map(|s| parse_slot(ctx, s)).transpose()?,
                owner: owner.clone().unwrap_or_default(),
                material_name: material.clone(),
            };
            let now = ctx.now().timestamp();
            let tz = ctx.tz;
            let (rules, keywords) = (&ctx.rules, &ctx.keywords);
            let id = store.write(Perm::ContentDraft, |tx, op| {
                let id = content::create(tx, op, now, &input, tz)?;
                content::scan_draft(tx, op, now, tz, rules, keywords, id)?;
                Ok(id)
            })?;
            let item = content::get(store.conn(), id)?;
            warn_keywords(ctx, &item)?;
            match ctx.format {
                Format::Json => {
                    println!("{}", serde_json::to_string_pretty(&show_out(ctx, &item)?)?)
                }
                _ => println!("{id}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        ContentCmd::Show { id } => show(ctx, &store, *id),
        ContentCmd::Edit {
            id,
            expect_version,
            title,
            body_file,
            kind,
            form,
            groups,
            slot,
            column,
            tags,
            owner,
            material,
        } => {
            let cur = content::get(store.conn(), *id)?;
            let mut input = cur.input();
            if let Some(t) = title {
                input.title.clone_from(t);
            }
            if let Some(f) = body_file {
                input.body = read_body(ctx, f)?;
            }
            if let Some(k) = kind {
                input.kind = parse_kind(ctx, k)?;
            }
            if let Some(f) = form {
                input.form = parse_form(ctx, f)?;
            }
            if !groups.is_empty() {
                input.groups = group_ids(ctx, &store, groups)?;
            }
            if let Some(s) = slot {
                input.slot = match s.trim() {
                    "none" | "" => None,
                    s => Some(parse_slot(ctx, s)?),
                };
            }
            if let Some(c) = column {
                input.column = Some(c.clone());
            }
            if !tags.is_empty() {
                input.tags.clone_from(tags);
            }
            if let Some(o) = owner {
                input.owner.clone_from(o);
            }
            if let Some(m) = material {
                input.material_name = Some(m.clone());
            }
            let now = ctx.now().timestamp();
            let tz = ctx.tz;
            let (id, seen) = (*id, *expect_version);
            let (rules, keywords) = (&ctx.rules, &ctx.keywords);
            store.write(Perm::ContentDraft, |tx, op| {
                content::save(tx, op, now, id, seen, &input, tz)?;
                content::scan_draft(tx, op, now, tz, rules, keywords, id).map(|_| ())
            })?;
            let item = content::get(store.conn(), id)?;
            warn_keywords(ctx, &item)?;
            match ctx.format {
                Format::Json => {
                    println!("{}", serde_json::to_string_pretty(&show_out(ctx, &item)?)?)
                }
                _ => {
                    let back = if cur.state == State::Review && item.state == State::Draft {
                        " — its words changed, so it went back to draft: submit it again"
                    } else {
                        ""
                    };
                    println!(
                        "content {id} saved: version {}, {}{back}",
                        item.version,
                        item.state.word()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ContentCmd::Submit { id } => step(ctx, &mut store, *id, &ContentStep::Submit),
        ContentCmd::Approve {
            id,
            notes,
            override_reason,
        } => {
            let notes = parse_notes(ctx, notes)?;
            let review = ReviewInput {
                compliance: Check::pass(&notes[0]),
                fit: Check::pass(&notes[1]),
                appeal: Check::pass(&notes[2]),
                override_reason: override_reason.clone(),
            };
            step(ctx, &mut store, *id, &ContentStep::Approve(review))
        }
        ContentCmd::Reject {
            id,
            reason,
            notes,
            fail,
        } => {
            let review = if notes.is_empty() && fail.is_empty() {
                None
            } else {
                let notes = parse_notes(ctx, notes)?;
                let failed = fail
                    .iter()
                    .map(|f| check_index(ctx, f))
                    .collect::<anyhow::Result<Vec<usize>>>()?;
                let check = |i: usize| Check {
                    pass: !failed.contains(&i),
                    note: notes[i].clone(),
                };
                Some(ReviewInput {
                    compliance: check(0),
                    fit: check(1),
                    appeal: check(2),
                    override_reason: None,
                })
            };
            let step_ = ContentStep::Reject {
                reason: reason.clone().unwrap_or_default(),
                review,
            };
            step(ctx, &mut store, *id, &step_)
        }
        ContentCmd::Publish { id } => step(ctx, &mut store, *id, &ContentStep::Publish),
        ContentCmd::Unschedule { id } => step(ctx, &mut store, *id, &ContentStep::Unschedule),
        ContentCmd::Results {
            id,
            opens,
            forwards,
            replies,
            clicks,
            orders,
            lesson,
        } => {
            let r = ResultsInput {
                opens: *opens,
                forwards: *forwards,
                replies: *replies,
                clicks: *clicks,
                orders: *orders,
                lesson: lesson.clone(),
            };
            step(ctx, &mut store, *id, &ContentStep::Results(r))
        }
        ContentCmd::Week { group, date } => week(ctx, &store, group.as_deref(), *date),
        ContentCmd::Mix { group, date } => mix(ctx, &store, group.as_deref(), *date),
        ContentCmd::ReviewWeek { date } => review_week(ctx, &store, *date),
    }
}

// --- parsing flags --------------------------------------------------------------------

fn parse_kind(ctx: &Ctx, s: &str) -> anyhow::Result<Kind> {
    Ok(super::choice(ctx, "kind", s, &Kind::ALL, Kind::word)?)
}

fn parse_form(ctx: &Ctx, s: &str) -> anyhow::Result<Form> {
    // 视频: older material names say it
    if s.trim() == "视频" {
        return Ok(Form::Video);
    }
    Ok(super::choice(ctx, "form", s, &Form::ALL, Form::word)?)
}

fn parse_state(ctx: &Ctx, s: &str) -> anyhow::Result<State> {
    Ok(super::choice(ctx, "state", s, &State::ALL, State::word)?)
}

/// A slot on the team's wall clock ("2026-03-03 20:00", `T` and seconds accepted) or an
/// RFC 3339 instant — the absolute forms of `domain::when` (a slot is planned, not
/// "in 10 minutes").
pub fn parse_slot(ctx: &Ctx, s: &str) -> anyhow::Result<i64> {
    use crate::domain::when::{When, parse};
    let at = match parse(s) {
        Ok(When::Exact(dt)) => Some(dt.timestamp()),
        Ok(When::At(n)) => local_to_utc(n, ctx.tz).map(|u| u.timestamp()),
        _ => None,
    };
    at.ok_or_else(|| {
        UserError(fill(
            &ctx.lang.texts().errors.bad_slot,
            &[("value", &format!("{s:?}"))],
        ))
        .into()
    })
}

/// The body text: a file, or stdin for `-`.
fn read_body(ctx: &Ctx, path: &Path) -> anyhow::Result<String> {
    let t = &ctx.lang.texts().errors;
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| UserError(fill(&t.read_stdin, &[("e", &e)])))?;
        return Ok(s);
    }
    std::fs::read_to_string(path)
        .map_err(|e| UserError(fill(&t.read_file, &[("file", &path.display()), ("e", &e)])).into())
}

/// A group by name (or by id when no group has that name).
fn group_id(ctx: &Ctx, store: &Store, name: &str) -> anyhow::Result<i64> {
    groups::by_name_or_id(store.conn(), name)?.ok_or_else(|| super::unknown_group(ctx, name).into())
}

fn group_ids(ctx: &Ctx, store: &Store, names: &[String]) -> anyhow::Result<Vec<i64>> {
    names.iter().map(|n| group_id(ctx, store, n)).collect()
}

/// compliance / fit / appeal (or 合规性 / 匹配度 / 吸引力) → 0 / 1 / 2.
fn check_index(ctx: &Ctx, name: &str) -> anyhow::Result<usize> {
    let n = name.trim();
    CHECKS
        .iter()
        .position(|(en, zh)| en.eq_ignore_ascii_case(n) || *zh == n)
        .ok_or_else(|| {
            UserError(fill(
                &ctx.lang.texts().errors.bad_check,
                &[("value", &format!("{name:?}"))],
            ))
            .into()
        })
}

/// `--note compliance=…,fit=…` (repeatable) → the three notes. A comma only separates
/// notes when a check's name follows it, so notes may contain commas.
fn parse_notes(ctx: &Ctx, list: &[String]) -> anyhow::Result<[String; 3]> {
    let mut out: [String; 3] = Default::default();
    for arg in list {
        let mut parts: Vec<String> = Vec::new();
        for piece in arg.split(',') {
            let starts_a_note = piece
                .split_once('=')
                .is_some_and(|(k, _)| check_index(ctx, k).is_ok());
            match parts.last_mut() {
                Some(last) if !starts_a_note => {
                    last.push(',');
                    last.push_str(piece);
                }
                _ => parts.push(piece.to_string()),
            }
        }
        for p in parts {
            let (k, v) = p.split_once('=').ok_or_else(|| {
                UserError(fill(
                    &ctx.lang.texts().errors.bad_note,
                    &[("value", &format!("{p:?}"))],
                ))
            })?;
            out[check_index(ctx, k)?] = v.trim().to_string();
        }
    }
    Ok(out)
}

// --- output ----------------------------------------------------------------------------

fn short_time(ctx: &Ctx, t: i64) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .map(|t| {
            t.with_timezone(&ctx.tz)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn hhmm(ctx: &Ctx, t: i64) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .map(|t| t.with_timezone(&ctx.tz).format("%H:%M").to_string())
        .unwrap_or_default()
}

/// A queue row as scripts see it (PRODUCT.md: `id`, `title`, `kind`, `form`, `state`,
/// `slot`, `groups`, `owner`, plus a few more).
#[derive(Debug, Serialize)]
struct ListOut {
    id: i64,
    title: String,
    kind: &'static str,
    form: &'static str,
    state: &'static str,
    slot: Option<String>,
    groups: Vec<String>,
    owner: String,
    author: String,
    material_name: String,
    version: i64,
}

/// The same for CSV, which has no lists: groups joined by `;`.
#[derive(Debug, Serialize)]
struct ListCsv {
    id: i64,
    title: String,
    kind: &'static str,
    form: &'static str,
    state: &'static str,
    slot: Option<String>,
    groups: String,
    owner: String,
    author: String,
    material_name: String,
    version: i64,
}

fn list(
    ctx: &Ctx,
    store: &Store,
    state: Option<&str>,
    group: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let state = state.map(|s| parse_state(ctx, s)).transpose()?;
    let group = group.map(|g| group_id(ctx, store, g)).transpose()?;
    let rows: Vec<ListOut> = content::list(store.conn(), state, group)?
        .into_iter()
        .map(|r: ListRow| ListOut {
            id: r.id,
            title: r.title,
            kind: r.kind.word(),
            form: r.form.word(),
            state: r.state.word(),
            slot: r.slot.and_then(|t| ctx.local_time(t)),
            groups: r.groups.into_iter().map(|(_, n)| n).collect(),
            owner: r.owner,
            author: r.author,
            material_name: r.material_name,
            version: r.version,
        })
        .collect();
    if ctx.format == Format::Csv {
        let csv: Vec<ListCsv> = rows
            .into_iter()
            .map(|r| ListCsv {
                id: r.id,
                title: r.title,
                kind: r.kind,
                form: r.form,
                state: r.state,
                slot: r.slot,
                groups: r.groups.join(";"),
                owner: r.owner,
                author: r.author,
                material_name: r.material_name,
                version: r.version,
            })
            .collect();
        super::output::csv_rows(ctx, &csv)?;
        return Ok(ExitCode::SUCCESS);
    }
    let cols: &[Column<ListOut>] = &[
        Column {
            header: "id",
            value: |r, _| r.id.to_string(),
        },
        Column {
            header: "state",
            value: |r, t| t.enum_text(r.state).to_string(),
        },
        Column {
            header: "slot",
            value: |r, _| {
                r.slot
                    .as_deref()
                    .and_then(|s| s.get(..16))
                    .map(|s| s.replace('T', " "))
                    .unwrap_or_default()
            },
        },
        Column {
            header: "kind",
            value: |r, t| t.enum_text(r.kind).to_string(),
        },
        Column {
            header: "form",
            value: |r, t| t.enum_text(r.form).to_string(),
        },
        Column {
            header: "title",
            value: |r, _| r.title.clone(),
        },
        Column {
            header: "groups",
            value: |r, _| r.groups.join(", "),
        },
        Column {
            header: "owner",
            value: |r, _| r.owner.clone(),
        },
    ];
    print(ctx, ctx.format, &rows, cols)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Serialize)]
struct ReviewOut {
    reviewer: String,
    at: Option<String>,
    passed: bool,
    compliance: Check,
    fit: Check,
    appeal: Check,
    override_reason: Option<String>,
}

#[derive(Debug, Serialize)]
struct ResultsOut {
    opens: Option<i64>,
    forwards: Option<i64>,
    replies: Option<i64>,
    clicks: Option<i64>,
    orders: Option<i64>,
    entered_by: String,
    entered_at: Option<String>,
}

#[derive(Debug, Serialize)]
struct BlockedOut {
    word: String,
    category: &'static str,
}

/// One item as scripts see it.
#[derive(Debug, Serialize)]
struct ShowOut {
    id: i64,
    title: String,
    kind: &'static str,
    form: &'static str,
    state: &'static str,
    slot: Option<String>,
    groups: Vec<String>,
    owner: String,
    author: String,
    column: Option<String>,
    tags: Vec<String>,
    material_name: String,
    reject_reason: Option<String>,
    lesson: Option<String>,
    version: i64,
    updated_by: String,
    updated_at: Option<String>,
    created_at: Option<String>,
    body: String,
    blocked_words: Vec<BlockedOut>,
    reviews: Vec<ReviewOut>,
    results: Option<ResultsOut>,
}

fn show_out(ctx: &Ctx, item: &ContentItem) -> anyhow::Result<ShowOut> {
    let keywords = &ctx.keywords;
    Ok(ShowOut {
        id: item.id,
        title: item.title.clone(),
        kind: item.kind.word(),
        form: item.form.word(),
        state: item.state.word(),
        slot: item.slot.and_then(|t| ctx.local_time(t)),
        groups: item.groups.iter().map(|(_, n)| n.clone()).collect(),
        owner: item.owner.clone(),
        author: item.author.clone(),
        column: item.column.clone(),
        tags: item.tags.clone(),
        material_name: item.material_name.clone(),
        reject_reason: item.reject_reason.clone(),
        lesson: item.lesson.clone(),
        version: item.version,
        updated_by: item.updated_by.clone(),
        updated_at: ctx.local_time(item.updated_at),
        created_at: ctx.local_time(item.created_at),
        body: item.body.clone(),
        blocked_words: content::blocking_words(item, keywords)
            .into_iter()
            .map(|(word, c)| BlockedOut {
                word,
                category: c.word(),
            })
            .collect(),
        reviews: item
            .reviews
            .iter()
            .map(|r| ReviewOut {
                reviewer: r.reviewer.clone(),
                at: ctx.local_time(r.at),
                passed: r.passed(),
                compliance: r.compliance.clone(),
                fit: r.fit.clone(),
                appeal: r.appeal.clone(),
                override_reason: r.override_reason.clone(),
            })
            .collect(),
        results: item.results.as_ref().map(|r| ResultsOut {
            opens: r.opens,
            forwards: r.forwards,
            replies: r.replies,
            clicks: r.clicks,
            orders: r.orders,
            entered_by: r.entered_by.clone(),
            entered_at: ctx.local_time(r.entered_at),
        }),
    })
}

fn show(ctx: &Ctx, store: &Store, id: i64) -> anyhow::Result<ExitCode> {
    let item = content::get(store.conn(), id)?;
    let out = show_out(ctx, &item)?;
    match ctx.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&out)?),
        Format::Csv => {
            return Err(UserError(ctx.lang.texts().cli.show_no_csv.clone()).into());
        }
        Format::Table => {
            let texts = ctx.lang.texts();
            let (t, cli) = (&texts.content, &texts.cli);
            let e = |w: &str| texts.enum_text(w).to_string();
            // (label, value), the labels the console's detail uses
            let mut fields: Vec<(&str, String)> = vec![
                (
                    &t.col_state,
                    format!(
                        "{} · {}",
                        e(item.state.word()),
                        fill(&cli.show_version, &[("n", &item.version)])
                    ),
                ),
                (&t.col_kind, e(item.kind.word())),
                (&t.col_form, e(item.form.word())),
                (&t.material, item.material_name.clone()),
                (
                    &t.col_slot,
                    item.slot
                        .map(|t| short_time(ctx, t))
                        .unwrap_or_else(|| "—".into()),
                ),
                (&t.col_groups, out.groups.join(", ")),
            ];
            if let Some(c) = &item.column {
                fields.push((&t.f_column, c.clone()));
            }
            if !item.tags.is_empty() {
                fields.push((&t.f_tags, item.tags.join(", ")));
            }
            fields.push((&t.col_owner, item.owner.clone()));
            fields.push((&t.author, item.author.clone()));
            fields.push((
                &cli.show_updated,
                format!("{} · {}", short_time(ctx, item.updated_at), item.updated_by),
            ));
            if let Some(r) = &item.reject_reason {
                fields.push((&t.detail_reject, r.clone()));
            }
            if !out.blocked_words.is_empty() {
                fields.push((
                    &t.blocked,
                    out.blocked_words
                        .iter()
                        .map(|b| format!("{} ({})", b.word, e(b.category)))
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            }
            for r in &item.reviews {
                let c = |name: &str, c: &Check| {
                    let mark = if c.pass { "✓" } else { "✗" };
                    if c.note.is_empty() {
                        format!("{name} {mark}")
                    } else {
                        format!("{name} {mark} {}", c.note)
                    }
                };
                let mut line = format!(
                    "{} {} · {} · {} · {}",
                    short_time(ctx, r.at),
                    r.reviewer,
                    c(&t.check_compliance, &r.compliance),
                    c(&t.check_fit, &r.fit),
                    c(&t.check_appeal, &r.appeal)
                );
                if let Some(o) = &r.override_reason {
                    line.push_str(&format!(" · {}: {o}", t.override_reason));
                }
                fields.push((&t.detail_reviews, line));
            }
            if let Some(r) = &item.results {
                let n = |v: Option<i64>| v.map_or_else(|| "—".to_string(), |v| v.to_string());
                fields.push((
                    &t.detail_results,
                    format!(
                        "{} {} · {} {} · {} {} · {} {} · {} {} ({} {})",
                        t.r_opens,
                        n(r.opens),
                        t.r_forwards,
                        n(r.forwards),
                        t.r_replies,
                        n(r.replies),
                        t.r_clicks,
                        n(r.clicks),
                        t.r_orders,
                        n(r.orders),
                        r.entered_by,
                        short_time(ctx, r.entered_at)
                    ),
                ));
            }
            if let Some(l) = &item.lesson {
                fields.push((&cli.show_lesson, l.clone()));
            }
            let width = fields
                .iter()
                .map(|(l, _)| unicode_width::UnicodeWidthStr::width(*l))
                .max()
                .unwrap_or(0);
            let mut lines = vec![format!("#{} {}", item.id, item.title)];
            for (label, value) in &fields {
                let pad = width - unicode_width::UnicodeWidthStr::width(*label);
                lines.push(format!("{label}{}  {value}", " ".repeat(pad)));
            }
            lines.push(String::new());
            lines.push(item.body.clone());
            println!("{}", lines.join("\n"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Tell the author early that approval will stop on these words (stderr: stdout is
/// the id for scripts).
fn warn_keywords(ctx: &Ctx, item: &ContentItem) -> anyhow::Result<()> {
    let hits = content::blocking_words(item, &ctx.keywords);
    if !hits.is_empty() {
        eprintln!(
            "{}",
            fill(
                &ctx.lang.texts().cli.blocked_warning,
                &[("id", &item.id), ("words", &content::hits_text(&hits))]
            )
        );
    }
    Ok(())
}

fn step(ctx: &Ctx, store: &mut Store, id: i64, what: &ContentStep) -> anyhow::Result<ExitCode> {
    let keywords: &Keywords = &ctx.keywords;
    let now = ctx.now().timestamp();
    let rules = &ctx.rules;
    let state = store.write(what.perm(), |tx, op| {
        content::step(tx, op, now, id, None, what, rules, keywords)
    })?;
    let item = content::get(store.conn(), id)?;
    match ctx.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({ "id": id, "state": state.word(), "version": item.version })
        ),
        _ => {
            println!(
                "#{id} ({}) → {}",
                item.title,
                ctx.lang.texts().enum_text(state.word())
            );
            if matches!(what, ContentStep::Approve(_))
                && let Some(slot) = item.slot
            {
                schedule_warnings(ctx, store, &item, slot)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// After an approval: over-posting and clashes on the item's day in its groups.
fn schedule_warnings(
    ctx: &Ctx,
    store: &Store,
    item: &ContentItem,
    slot: i64,
) -> anyhow::Result<()> {
    let Some(day) = DateTime::<Utc>::from_timestamp(slot, 0).map(|t| local_day(t, ctx.tz)) else {
        return Ok(());
    };
    let w = content::week(store.conn(), None, day, ctx.tz, &ctx.rules)?;
    let mine = |g: i64| item.groups.iter().any(|(id, _)| *id == g);
    for o in w
        .over_posting
        .iter()
        .filter(|o| o.day == day && mine(o.group_id))
    {
        println!(
            "warning: {} gets {} pushes on {} (more than {}: over-posting drives members to mute the group)",
            o.group, o.count, o.day, o.max
        );
    }
    for c in w
        .conflicts
        .iter()
        .filter(|c| mine(c.group_id) && (c.first == item.id || c.second == item.id))
    {
        println!(
            "warning: {}: content {} and {} are {} minutes apart",
            c.group, c.first, c.second, c.minutes
        );
    }
    Ok(())
}

// --- the week ------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct WeekItemOut {
    id: i64,
    title: String,
    kind: &'static str,
    form: &'static str,
    state: &'static str,
    slot: Option<String>,
    groups: Vec<String>,
}

#[derive(Debug, Serialize)]
struct WeekDayOut {
    day: NaiveDate,
    items: Vec<WeekItemOut>,
    hints: Vec<crate::domain::content::SlotHint>,
}

#[derive(Debug, Serialize)]
struct WeekOut {
    monday: NaiveDate,
    group: Option<String>,
    max_pushes_per_day: u32,
    days: Vec<WeekDayOut>,
    pushes: Vec<content::PushCount>,
    over_posting: Vec<content::OverPosting>,
    conflicts: Vec<content::Conflict>,
}

fn week(
    ctx: &Ctx,
    store: &Store,
    group: Option<&str>,
    date: Option<NaiveDate>,
) -> anyhow::Result<ExitCode> {
    let gid = group.map(|g| group_id(ctx, store, g)).transpose()?;
    let day = date.unwrap_or_else(|| local_day(ctx.now(), ctx.tz));
    let w = content::week(store.conn(), gid, day, ctx.tz, &ctx.rules)?;
    let out = WeekOut {
        monday: w.monday,
        group: group.map(str::to_string),
        max_pushes_per_day: w.max_pushes_per_day,
        days: w
            .days
            .iter()
            .map(|d| WeekDayOut {
                day: d.day,
                items: d
                    .items
                    .iter()
                    .map(|i| WeekItemOut {
                        id: i.id,
                        title: i.title.clone(),
                        kind: i.kind.word(),
                        form: i.form.word(),
                        state: i.state.word(),
                        slot: ctx.local_time(i.slot),
                        groups: i.groups.iter().map(|(_, n)| n.clone()).collect(),
                    })
                    .collect(),
                hints: d.hints.clone(),
            })
            .collect(),
        pushes: w.pushes.clone(),
        over_posting: w.over_posting.clone(),
        conflicts: w.conflicts.clone(),
    };
    match ctx.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&out)?),
        Format::Csv => {
            #[derive(Serialize)]
            struct Row<'a> {
                day: NaiveDate,
                id: i64,
                slot: Option<&'a str>,
                title: &'a str,
                kind: &'a str,
                form: &'a str,
                state: &'a str,
                groups: String,
            }
            let rows: Vec<Row<'_>> = out
                .days
                .iter()
                .flat_map(|d| {
                    d.items.iter().map(|i| Row {
                        day: d.day,
                        id: i.id,
                        slot: i.slot.as_deref(),
                        title: &i.title,
                        kind: i.kind,
                        form: i.form,
                        state: i.state,
                        groups: i.groups.join(";"),
                    })
                })
                .collect();
            super::output::csv_rows(ctx, &rows)?;
        }
        Format::Table => {
            let texts = ctx.lang.texts();
            let ct = &texts.content;
            println!(
                "{}{}",
                fill(&texts.cli.week_of, &[("monday", &w.monday)]),
                group.map(|g| format!(" · {g}")).unwrap_or_default()
            );
            for d in &w.days {
                let hints: Vec<String> = d
                    .hints
                    .iter()
                    .map(|h| format!("{} {}", h.when(), h.what))
                    .collect();
                println!(
                    "\n{} {}  · {} {}",
                    texts.weekday(d.day.weekday()),
                    d.day,
                    texts.cli.best,
                    hints.join(" · ")
                );
                if d.items.is_empty() {
                    println!("  {}", ct.nothing_planned);
                }
                for i in &d.items {
                    println!(
                        "  {}  #{} {}  {}/{}  {}  {}",
                        hhmm(ctx, i.slot),
                        i.id,
                        i.title,
                        texts.enum_text(i.kind.word()),
                        texts.enum_text(i.form.word()),
                        texts.enum_text(i.state.word()),
                        i.groups
                            .iter()
                            .map(|(_, n)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
            if !w.over_posting.is_empty() || !w.conflicts.is_empty() {
                println!();
            }
            for o in &w.over_posting {
                println!(
                    "⚠ {} · {} · {} · {}",
                    o.group,
                    o.day,
                    fill(&ct.pushes, &[("n", &o.count)]),
                    fill(&ct.over_posting, &[("max", &o.max)])
                );
            }
            for c in &w.conflicts {
                println!(
                    "⚠ {}: {} · #{} #{} · {} min (< {})",
                    ct.conflict,
                    c.group,
                    c.first,
                    c.second,
                    c.minutes,
                    ctx.rules.content.conflict_minutes
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

// --- the mix -------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct MixOut {
    scope: String,
    days: u32,
    from: NaiveDate,
    to: NaiveDate,
    preset: String,
    kind: &'static str,
    count: u32,
    total: u32,
    share: f64,
    target: f64,
    diff: f64,
}

fn mix(
    ctx: &Ctx,
    store: &Store,
    group: Option<&str>,
    date: Option<NaiveDate>,
) -> anyhow::Result<ExitCode> {
    let end = date.unwrap_or_else(|| local_day(ctx.now(), ctx.tz));
    // one group, or overall plus each group that had anything in 30 days
    let scopes: Vec<(String, Option<i64>)> = match group {
        Some(g) => vec![(g.to_string(), Some(group_id(ctx, store, g)?))],
        None => {
            let mut v = vec![("all".to_string(), None)];
            let groups = groups::active_by_name(store.conn())?;
            for (id, name) in groups {
                v.push((name, Some(id)));
            }
            v
        }
    };
    let mut rows = Vec::new();
    for (scope, gid) in scopes {
        let reports = [7, 30]
            .into_iter()
            .map(|days| content::mix(store.conn(), gid, end, days, ctx.tz, &ctx.rules))
            .collect::<Result<Vec<_>, StoreError>>()?;
        if gid.is_some() && group.is_none() && reports.iter().all(|r| r.total == 0) {
            continue;
        }
        for r in reports {
            for l in &r.lines {
                rows.push(MixOut {
                    scope: scope.clone(),
                    days: r.days,
                    from: r.from,
                    to: r.to,
                    preset: r.preset.clone(),
                    kind: l.kind.word(),
                    count: l.count,
                    total: r.total,
                    share: l.share,
                    target: l.target,
                    diff: l.diff,
                });
            }
        }
    }
    let cols: &[Column<MixOut>] = &[
        Column {
            header: "scope",
            value: |r, t| {
                if r.scope == "all" {
                    t.content.all_groups.clone()
                } else {
                    r.scope.clone()
                }
            },
        },
        Column {
            header: "days",
            value: |r, _| r.days.to_string(),
        },
        Column {
            header: "kind",
            value: |r, t| t.enum_text(r.kind).to_string(),
        },
        Column {
            header: "count",
            value: |r, _| format!("{}/{}", r.count, r.total),
        },
        // with nothing in the window a share says nothing: a dash, not "0% (−50)"
        Column {
            header: "share",
            value: |r, _| {
                if r.total == 0 {
                    "—".into()
                } else {
                    format!("{:.0}%", r.share * 100.0)
                }
            },
        },
        Column {
            header: "target",
            value: |r, _| format!("{:.0}%", r.target * 100.0),
        },
        Column {
            header: "diff",
            value: |r, _| {
                if r.total == 0 {
                    "—".into()
                } else {
                    format!("{:+.0}", r.diff * 100.0)
                }
            },
        },
    ];
    print(ctx, ctx.format, &rows, cols)?;
    Ok(ExitCode::SUCCESS)
}

// --- the weekly review ---------------------------------------------------------------

#[derive(Debug, Serialize)]
struct RankedOut {
    rank: usize,
    id: i64,
    title: String,
    kind: &'static str,
    form: &'static str,
    slot: Option<String>,
    opens: Option<i64>,
    forwards: Option<i64>,
    replies: Option<i64>,
    clicks: Option<i64>,
    orders: Option<i64>,
    audience: Option<i64>,
    score: f64,
    /// What the ranking used: the score, or the score per member of the audience.
    value: f64,
    per_member: Option<f64>,
    verdict: &'static str,
}

#[derive(Debug, Serialize)]
struct ReviewWeekOut {
    from: NaiveDate,
    to: NaiveDate,
    by: crate::domain::content::RankBy,
    items: Vec<RankedOut>,
    drop: Vec<i64>,
    top: Vec<i64>,
    traits: Option<crate::domain::content::TopTraits>,
}

fn review_week(ctx: &Ctx, store: &Store, date: Option<NaiveDate>) -> anyhow::Result<ExitCode> {
    let end = date.unwrap_or_else(|| local_day(ctx.now(), ctx.tz));
    let r = content::weekly_review_with(store.conn(), end, ctx.tz, &ctx.rules.content)?;
    let items: Vec<RankedOut> = r
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| RankedOut {
            rank: i + 1,
            id: it.id,
            title: it.title.clone(),
            kind: it.kind.word(),
            form: it.form.word(),
            slot: ctx.local_time(it.slot),
            opens: it.results.opens,
            forwards: it.results.forwards,
            replies: it.results.replies,
            clicks: it.results.clicks,
            orders: it.results.orders,
            audience: it.audience,
            score: it.score,
            value: it.value,
            per_member: (r.by == crate::domain::content::RankBy::Rate).then_some(it.value),
            verdict: if r.top.contains(&it.id) {
                "top"
            } else if r.drop.contains(&it.id) {
                "drop"
            } else {
                ""
            },
        })
        .collect();
    match ctx.format {
        Format::Json => {
            let out = ReviewWeekOut {
                from: r.from,
                to: r.to,
                by: r.by,
                items,
                drop: r.drop.clone(),
                top: r.top.clone(),
                traits: r.traits.clone(),
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Csv => super::output::csv_rows(ctx, &items)?,
        Format::Table => {
            let texts = ctx.lang.texts();
            let ct = &texts.content;
            println!("{}", fill(&ct.weekly_title, &[("date", &r.to)]));
            let cols: &[Column<RankedOut>] = &[
                Column {
                    header: "#",
                    value: |r, _| r.rank.to_string(),
                },
                Column {
                    header: "id",
                    value: |r, _| r.id.to_string(),
                },
                Column {
                    header: "title",
                    value: |r, _| r.title.clone(),
                },
                Column {
                    header: "form",
                    value: |r, t| t.enum_text(r.form).to_string(),
                },
                Column {
                    header: "slot",
                    value: |r, _| {
                        r.slot
                            .as_deref()
                            .and_then(|s| s.get(5..16))
                            .map(|s| s.replace('T', " "))
                            .unwrap_or_default()
                    },
                },
                Column {
                    header: "opens",
                    value: |r, _| r.opens.map(|v| v.to_string()).unwrap_or_default(),
                },
                Column {
                    header: "score",
                    value: |r, _| format!("{:.0}", r.score),
                },
                Column {
                    header: "per_member",
                    value: |r, _| r.per_member.map(|v| format!("{v:.2}")).unwrap_or_default(),
                },
                Column {
                    header: "verdict",
                    value: |r, t| match r.verdict {
                        "top" => t.cli.review_top.clone(),
                        "drop" => t.cli.review_drop.clone(),
                        v => v.to_string(),
                    },
                },
            ];
            print(ctx, Format::Table, &items, cols)?;
            if items.is_empty() {
                println!("{}", ct.weekly_empty);
            }
            let title = |id: &i64| {
                r.items
                    .iter()
                    .find(|i| i.id == *id)
                    .map(|i| format!("#{id} {}", i.title))
                    .unwrap_or_default()
            };
            if !r.drop.is_empty() {
                println!(
                    "{}: {}",
                    ct.weekly_drop,
                    r.drop.iter().map(title).collect::<Vec<_>>().join(" · ")
                );
            }
            if let Some(t) = &r.traits {
                println!(
                    "{}",
                    fill(
                        &ct.weekly_traits,
                        &[
                            ("form", &texts.enum_text(t.form.word())),
                            ("weekday", &t.weekday),
                            ("hour", &t.hour),
                            ("top", &format!("{:.1}", t.title_chars_top)),
                            (
                                "rest",
                                &t.title_chars_rest
                                    .map_or_else(|| "—".to_string(), |c| format!("{c:.1}"))
                            ),
                        ]
                    )
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

// --- import results --------------------------------------------------------------------

/// A row of a results file.
struct ResultLine {
    line: u64,
    id: i64,
    input: ResultsInput,
}

/// Column names a results file may use (English or the Chinese a spreadsheet has).
fn column_of(header: &str) -> Option<&'static str> {
    let h = header.trim().trim_start_matches('\u{feff}').to_lowercase();
    Some(match h.as_str() {
        "id" | "content_id" | "编号" => "id",
        "title" | "标题" => "title",
        "opens" | "打开" | "打开数" | "阅读" => "opens",
        "forwards" | "转发" | "转发数" => "forwards",
        "replies" | "回复" | "回复数" | "评论" => "replies",
        "clicks" | "点击" | "点击数" => "clicks",
        "orders" | "订单" | "订单数" | "下单" => "orders",
        "lesson" | "复盘" | "note" => "lesson",
        _ => return None,
    })
}

/// `import results FILE`: every row or none. A bad row stops it with file:line.
pub fn import_results(ctx: &Ctx, store: &mut Store, file: &Path) -> anyhow::Result<()> {
    let label = file.display().to_string();
    let t = ctx.lang.texts();
    // where (`file:line`, or the file), why in the user's language, nothing written
    let say = |at: String, why: Reason| -> anyhow::Error {
        tracing::warn!("import refused: {at}: {why}");
        UserError(fill(
            &t.import_errors.refused,
            &[("at", &at), ("reason", &why.say(t))],
        ))
        .into()
    };
    let bad = |line: u64, why: Reason| say(format!("{label}:{line}"), why);
    let input = std::fs::File::open(file).map_err(|e| say(label.clone(), Reason::io(&e)))?;
    // a file cut inside a quoted field is an error, not a last row (issue 13)
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(
        crate::import::QuoteChecked::new(std::io::BufReader::new(input)),
    );
    let csv_bad = |e: &csv::Error| match crate::import::unterminated_line(e) {
        Some(line) => bad(line, Reason::CutField),
        None => bad(
            e.position().map_or(1, csv::Position::line),
            match e.kind() {
                csv::ErrorKind::Utf8 { .. } => Reason::NotUtf8,
                csv::ErrorKind::Io(io) => Reason::io(io),
                _ => Reason::MalformedCsv {
                    detail: e.to_string(),
                },
            },
        ),
    };
    let headers = rdr.headers().map_err(|e| csv_bad(&e))?.clone();
    let cols: Vec<Option<&'static str>> = headers.iter().map(column_of).collect();
    let has = |c: &str| cols.contains(&Some(c));
    if !has("id") && !has("title") {
        return Err(bad(1, Reason::ResultsHeader));
    }
    let mut rows: Vec<ResultLine> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_bad(&e))?;
        let line = rec.position().map_or(0, csv::Position::line);
        let get = |c: &str| -> Option<&str> {
            cols.iter()
                .position(|x| *x == Some(c))
                .and_then(|i| rec.get(i))
                .filter(|v| !v.is_empty())
        };
        if rec.iter().all(str::is_empty) {
            continue;
        }
        let id = match (get("id"), get("title")) {
            (Some(id), _) => id.parse::<i64>().map_err(|_| {
                bad(
                    line,
                    Reason::BadId {
                        value: id.to_string(),
                    },
                )
            })?,
            (None, Some(title)) => match content::ids_by_title(store.conn(), title)?.as_slice() {
                [id] => *id,
                [] => {
                    return Err(bad(
                        line,
                        Reason::NoSuchTitle {
                            title: title.to_string(),
                        },
                    ));
                }
                many => {
                    return Err(bad(
                        line,
                        Reason::SeveralTitled {
                            n: many.len(),
                            title: title.to_string(),
                            ids: many
                                .iter()
                                .map(i64::to_string)
                                .collect::<Vec<_>>()
                                .join(", "),
                        },
                    ));
                }
            },
            (None, None) => return Err(bad(line, Reason::NoIdNorTitle)),
        };
        let num = |c: &str| -> anyhow::Result<Option<i64>> {
            get(c)
                .map(|v| {
                    v.replace(',', "")
                        .parse::<i64>()
                        .ok()
                        .filter(|n| *n >= 0)
                        .ok_or_else(|| {
                            bad(
                                line,
                                Reason::BadCount {
                                    column: c.to_string(),
                                    value: v.to_string(),
                                },
                            )
                        })
                })
                .transpose()
        };
        let input = ResultsInput {
            opens: num("opens")?,
            forwards: num("forwards")?,
            replies: num("replies")?,
            clicks: num("clicks")?,
            orders: num("orders")?,
            lesson: get("lesson").map(str::to_string),
        };
        if input == ResultsInput::default() {
            return Err(bad(line, Reason::NoNumbers));
        }
        rows.push(ResultLine { line, id, input });
    }
    let keywords = Keywords::from_lists(&[]);
    let now = ctx.now().timestamp();
    let rules = &ctx.rules;
    let n = rows.len();
    store.write(Perm::Import, |tx, op| {
        for r in &rows {
            content::step(
                tx,
                op,
                now,
                r.id,
                None,
                &ContentStep::Results(r.input.clone()),
                rules,
                &keywords,
            )
            .map_err(|e| {
                StoreError::Refused(format!(
                    "{label}:{}: {e} — nothing was imported; fix the file and run the import again",
                    r.line
                ))
            })?;
        }
        Ok(())
    })?;
    let distinct: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.id).collect();
    match ctx.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({ "file": label, "rows": n, "items": distinct.len() })
        ),
        _ => println!(
            "{label}: {n} rows, results entered for {} items",
            distinct.len()
        ),
    }
    Ok(())
}

// --- export ------------------------------------------------------------------------------

/// One item per row, for spreadsheets: lists joined by `;`.
#[derive(Debug, Serialize)]
struct ExportRow {
    id: i64,
    title: String,
    kind: &'static str,
    form: &'static str,
    state: &'static str,
    slot: Option<String>,
    groups: String,
    owner: String,
    author: String,
    column: Option<String>,
    tags: String,
    material_name: String,
    reject_reason: Option<String>,
    reviewer: Option<String>,
    reviewed_at: Option<String>,
    override_reason: Option<String>,
    opens: Option<i64>,
    forwards: Option<i64>,
    replies: Option<i64>,
    clicks: Option<i64>,
    orders: Option<i64>,
    lesson: Option<String>,
    version: i64,
    created_at: Option<String>,
    updated_at: Option<String>,
    updated_by: String,
    body: String,
}

/// `export content`: every item (CSV unless --format json).
pub fn export(ctx: &Ctx, store: &Store, format: Format) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for id in content::ids(store.conn())? {
        let i = content::get(store.conn(), id)?;
        let last = i.reviews.last();
        rows.push(ExportRow {
            id: i.id,
            title: i.title.clone(),
            kind: i.kind.word(),
            form: i.form.word(),
            state: i.state.word(),
            slot: i.slot.and_then(|t| ctx.local_time(t)),
            groups: i
                .groups
                .iter()
                .map(|(_, n)| n.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            owner: i.owner.clone(),
            author: i.author.clone(),
            column: i.column.clone(),
            tags: i.tags.join(";"),
            material_name: i.material_name.clone(),
            reject_reason: i.reject_reason.clone(),
            reviewer: last.map(|r| r.reviewer.clone()),
            reviewed_at: last.and_then(|r| ctx.local_time(r.at)),
            override_reason: last.and_then(|r| r.override_reason.clone()),
            opens: i.results.as_ref().and_then(|r| r.opens),
            forwards: i.results.as_ref().and_then(|r| r.forwards),
            replies: i.results.as_ref().and_then(|r| r.replies),
            clicks: i.results.as_ref().and_then(|r| r.clicks),
            orders: i.results.as_ref().and_then(|r| r.orders),
            lesson: i.lesson.clone(),
            version: i.version,
            created_at: ctx.local_time(i.created_at),
            updated_at: ctx.local_time(i.updated_at),
            updated_by: i.updated_by.clone(),
            body: i.body.clone(),
        });
    }
    let cols: &[Column<ExportRow>] = &[
        Column {
            header: "id",
            value: |r, _| r.id.to_string(),
        },
        Column {
            header: "state",
            value: |r, t| t.enum_text(r.state).to_string(),
        },
        Column {
            header: "title",
            value: |r, _| r.title.clone(),
        },
    ];
    print(ctx, format, &rows, cols)?;
    Ok(())
}
