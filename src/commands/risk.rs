//! `shequn risk list|show|act` (issue 15): the incident queue with its response clock,
//! one incident with its evidence and the member's record across groups, and the
//! actions. Levels, actions and states are taken in English or Chinese (`--level 禁言`,
//! `risk act 12 警告`); what is printed comes from the language files.
//!
//! JSON: `risk list` is `{ "on_time": …, "incidents": [IncidentRow…] }` (the fields of
//! `store::risk::IncidentRow`: `level`, `state`, `detected_at`, `detection`, `review`,
//! `detect_secs`, `review_secs`, …); `risk show` is `{ "incident", "record",
//! "suggested" }`; `risk act` prints what it did.

use std::io::Write;
use std::process::ExitCode;

use serde_json::json;

use super::output::{Column, print};
use super::{Ctx, UserError};
use crate::cli::{Format, RiskCmd};
use crate::domain::keywords::Level;
use crate::domain::risk::{Action, Judged, OnTime, suggest};
use crate::domain::roles::Perm;
use crate::i18n::{Lang, Texts, fill};
use crate::store::risk::act::{self, Step};
use crate::store::risk::{self, Filter, IncidentRow};
use crate::store::{Store, StoreError};

pub fn run(ctx: &Ctx, cmd: &RiskCmd) -> anyhow::Result<ExitCode> {
    let mut store = ctx.open()?;
    match cmd {
        RiskCmd::List {
            open,
            level,
            group,
            member,
            days,
        } => list(
            ctx,
            &store,
            *open,
            level.as_deref(),
            group.as_deref(),
            member.as_deref(),
            *days,
        ),
        RiskCmd::Show { id } => show(ctx, &store, *id),
        RiskCmd::Act {
            args,
            reason,
            member,
            group,
            except,
        } => act_on(
            ctx,
            &mut store,
            args,
            reason,
            (member.as_deref(), group.as_deref()),
            except.as_deref(),
        ),
    }
}

fn texts(ctx: &Ctx) -> &'static Texts {
    ctx.lang.texts()
}

/// `--level`: 1–3, or the action a level calls for in either language.
fn parse_level(ctx: &Ctx, s: &str) -> Result<Level, UserError> {
    let v = s.trim();
    if let Ok(n) = v.parse::<i64>()
        && let Some(l) = Level::from_number(n)
    {
        return Ok(l);
    }
    Level::ALL
        .into_iter()
        .find(|l| {
            let key = l.number().to_string();
            let word = Action::for_level(*l).word();
            word.eq_ignore_ascii_case(v)
                || [Lang::Zh, Lang::En].iter().any(|lang| {
                    lang.texts()
                        .risk
                        .levels
                        .get(&key)
                        .is_some_and(|n| n.eq_ignore_ascii_case(v))
                })
        })
        .ok_or_else(|| UserError(fill(&texts(ctx).risk.bad_level, &[("value", &v)])))
}

/// An action word: `review` or an [`Action`], in either language.
fn parse_step(ctx: &Ctx, s: &str) -> Result<Step, UserError> {
    let v = s.trim();
    let named = |word: &str| {
        word.eq_ignore_ascii_case(v)
            || [Lang::Zh, Lang::En].iter().any(|lang| {
                lang.texts()
                    .risk
                    .actions
                    .get(word)
                    .is_some_and(|n| n.eq_ignore_ascii_case(v))
            })
    };
    if named("review") {
        return Ok(Step::Review);
    }
    Action::ALL
        .into_iter()
        .find(|a| named(a.word()))
        .map(Step::Act)
        .ok_or_else(|| UserError(fill(&texts(ctx).risk.bad_action, &[("value", &v)])))
}

/// The one member `--member` names.
fn member_of(ctx: &Ctx, store: &Store, m: &str) -> anyhow::Result<(i64, String)> {
    let t = &texts(ctx).risk;
    let found = risk::find_members(store.conn(), m)?;
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(UserError(fill(&t.unknown_member, &[("m", &m)])).into()),
        many => {
            let ids = many
                .iter()
                .map(|(id, name)| format!("{id} {name}"))
                .collect::<Vec<_>>()
                .join(", ");
            Err(UserError(fill(&t.ambiguous_member, &[("m", &m), ("ids", &ids)])).into())
        }
    }
}

/// A span of seconds, short: 45 s, 12 min, 3 h, 2 d.
fn span(t: &Texts, secs: i64) -> String {
    let r = &t.risk;
    let secs = secs.max(0);
    if secs < 60 {
        fill(&r.secs, &[("n", &secs)])
    } else if secs < 3600 {
        fill(&r.mins, &[("n", &(secs / 60))])
    } else if secs < 86_400 {
        fill(&r.hours, &[("n", &(secs / 3600))])
    } else {
        fill(&r.days, &[("n", &(secs / 86_400))])
    }
}

fn judged(t: &Texts, j: Judged, secs: Option<i64>) -> String {
    let mark = t.risk.judged.get(j.word()).map_or(j.word(), String::as_str);
    match (j, secs) {
        (Judged::Exempt, _) | (_, None) => mark.to_string(),
        (_, Some(s)) => format!("{mark} {}", span(t, s)),
    }
}

fn map<'a>(m: &'a std::collections::BTreeMap<String, String>, w: &'a str) -> &'a str {
    m.get(w).map_or(w, String::as_str)
}

fn level_text(t: &Texts, level: u8) -> String {
    format!("{level} {}", map(&t.risk.levels, &level.to_string()))
}

/// The evidence with the word marked.
fn marked(t: &Texts, r: &IncidentRow) -> String {
    let Some(e) = r.evidence.as_deref() else {
        return String::new();
    };
    match (r.hit_start, r.hit_end) {
        (Some(s), Some(en)) if e.get(s..en).is_some() => format!(
            "{}{}{}{}{}",
            &e[..s],
            t.risk.mark_open,
            &e[s..en],
            t.risk.mark_close,
            &e[en..]
        ),
        _ => e.to_string(),
    }
}

fn share(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |s| format!("{:.0}%", s * 100.0))
}

/// The on-time line under the queue.
fn on_time_line(ctx: &Ctx, o: &OnTime, days: u32) -> String {
    let r = &ctx.rules.risk;
    fill(
        &texts(ctx).risk.on_time,
        &[
            ("days", &days),
            ("detect", &share(o.detect_share())),
            ("dn", &o.detect_on_time),
            ("dj", &o.detect_judged),
            ("dt", &r.detect_minutes),
            ("backfill", &o.backfill),
            ("review", &share(o.review_share())),
            ("rn", &o.review_on_time),
            ("rj", &o.review_judged),
            ("rt", &r.review_minutes),
        ],
    )
}

fn list(
    ctx: &Ctx,
    store: &Store,
    open: bool,
    level: Option<&str>,
    group: Option<&str>,
    member: Option<&str>,
    days: Option<u32>,
) -> anyhow::Result<ExitCode> {
    let now = ctx.now().timestamp();
    let level = level.map(|l| parse_level(ctx, l)).transpose()?;
    let group_id = match group {
        Some(g) => Some(
            crate::store::require_group(store.conn(), g)
                .map_err(|_| super::unknown_group(ctx, g))?,
        ),
        None => None,
    };
    let member_id = member
        .map(|m| member_of(ctx, store, m))
        .transpose()?
        .map(|m| m.0);
    let since = days.map(|d| now - i64::from(d) * 86_400);
    let filter = Filter {
        pending: open,
        level,
        group_id,
        member_id,
        since,
    };
    let rows = risk::list(store.conn(), &filter, &ctx.rules.risk, now)?;
    // the shares over what is listed's period: the last N days, else 30
    let window = days.unwrap_or(30);
    let o = risk::on_time(
        store.conn(),
        &ctx.rules.risk,
        now,
        now - i64::from(window) * 86_400,
    )?;
    match ctx.format {
        Format::Json => {
            let out = json!({
                "on_time": {
                    "days": window,
                    "detect_share": o.detect_share(),
                    "detect_on_time": o.detect_on_time,
                    "detect_judged": o.detect_judged,
                    "backfill": o.backfill,
                    "review_share": o.review_share(),
                    "review_on_time": o.review_on_time,
                    "review_judged": o.review_judged,
                    "detect_minutes": ctx.rules.risk.detect_minutes,
                    "review_minutes": ctx.rules.risk.review_minutes,
                },
                "incidents": rows,
            });
            let stdout = std::io::stdout();
            let mut w = stdout.lock();
            serde_json::to_writer_pretty(&mut w, &out)?;
            writeln!(w)?;
        }
        Format::Csv => print(ctx, Format::Csv, &rows, &[])?,
        Format::Table => {
            if rows.is_empty() {
                println!("{}", texts(ctx).risk.empty);
            } else {
                let now_for = now;
                let cols: Vec<Column<IncidentRow>> = columns();
                // the waiting time needs `now`: filled in per row below
                let mut rows = rows;
                for r in &mut rows {
                    // a pending incident's age, kept in `act_secs` for display only
                    if r.state().pending() {
                        r.act_secs = Some(now_for - r.detected_at);
                    }
                }
                print(ctx, Format::Table, &rows, &cols)?;
            }
            println!("{}", on_time_line(ctx, &o, window));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn columns() -> Vec<Column<IncidentRow>> {
    vec![
        Column {
            header: "risk_id",
            value: |r, _| r.id.to_string(),
        },
        Column {
            header: "risk_level",
            value: |r, t| level_text(t, r.level),
        },
        Column {
            header: "risk_state",
            value: |r, t| map(&t.risk.states, &r.state).to_string(),
        },
        Column {
            header: "group",
            value: |r, _| r.group.clone().unwrap_or_default(),
        },
        Column {
            header: "risk_member",
            value: |r, _| r.member.clone().unwrap_or_default(),
        },
        Column {
            header: "risk_word",
            value: |r, t| {
                let cat = r
                    .category
                    .as_deref()
                    .map(|c| {
                        t.keywords
                            .categories
                            .get(c)
                            .or_else(|| t.risk.sources.get(c))
                            .map_or(c, String::as_str)
                    })
                    .unwrap_or_default();
                format!("{} ({cat})", r.keyword.as_deref().unwrap_or_default())
            },
        },
        Column {
            header: "risk_detect",
            value: |r, t| judged(t, r.detection, Some(r.detect_secs)),
        },
        Column {
            header: "risk_review",
            value: |r, t| judged(t, r.review, r.review_secs),
        },
        Column {
            header: "risk_action",
            value: |r, t| match (&r.action, r.act_secs) {
                (Some(a), Some(s)) => format!(
                    "{} {} · {}",
                    map(&t.risk.actions, a),
                    span(t, s),
                    r.acted_by.as_deref().unwrap_or_default()
                ),
                // pending: how long it has waited since detection
                (None, Some(s)) => fill(&t.risk.waiting, &[("t", &span(t, s))]),
                _ => String::new(),
            },
        },
    ]
}

fn show(ctx: &Ctx, store: &Store, id: i64) -> anyhow::Result<ExitCode> {
    let t = texts(ctx);
    let now = ctx.now().timestamp();
    let row = match risk::get(store.conn(), id, &ctx.rules.risk, now) {
        Ok(r) => r,
        Err(StoreError::NotFound { .. }) => {
            return Err(UserError(fill(&t.risk.not_found, &[("id", &id)])).into());
        }
        Err(e) => return Err(e.into()),
    };
    let record = row
        .member_id
        .map(|m| risk::member_record(store.conn(), m))
        .transpose()?;
    let history: Vec<Action> = record
        .as_ref()
        .map(|r| {
            r.sanctions
                .iter()
                .filter_map(|s| Action::parse(&s.action))
                .collect()
        })
        .unwrap_or_default();
    let suggested = if row.member_id.is_none() && row.source == "content" {
        Action::Dismiss
    } else {
        suggest(row.level(), &history)
    };
    if ctx.format == Format::Json {
        let out = json!({ "incident": row, "record": record, "suggested": suggested.word() });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    let r = &t.risk;
    let time = |at: Option<i64>| {
        at.and_then(|a| ctx.local_time(a))
            .unwrap_or_else(|| "–".into())
    };
    let mut out = vec![fill(
        &r.show_title,
        &[
            ("id", &row.id.to_string()),
            ("level", &level_text(t, row.level)),
            ("state", &map(&r.states, &row.state).to_string()),
            ("source", &map(&r.sources, &row.source).to_string()),
        ],
    )];
    out.push(fill(
        &r.show_where,
        &[
            ("group", &row.group.clone().unwrap_or_else(|| "–".into())),
            ("member", &row.member.clone().unwrap_or_else(|| "–".into())),
        ],
    ));
    if let Some(word) = &row.keyword {
        let cat = row.category.as_deref().unwrap_or_default();
        let cat = t.keywords.categories.get(cat).map_or(cat, String::as_str);
        out.push(fill(&r.show_word, &[("word", word), ("category", &cat)]));
    }
    if row.evidence.is_some() {
        out.push(fill(&r.show_evidence, &[("text", &marked(t, &row))]));
    }
    out.push(fill(
        &r.show_clock,
        &[
            ("at", &time(Some(row.at))),
            ("detected", &time(Some(row.detected_at))),
            ("detect", &judged(t, row.detection, Some(row.detect_secs))),
            ("reviewed", &time(row.reviewed_at)),
            ("review", &judged(t, row.review, row.review_secs)),
            ("acted", &time(row.acted_at)),
        ],
    ));
    if let Some(a) = &row.action {
        out.push(fill(
            &r.show_action,
            &[
                ("action", &map(&r.actions, a)),
                ("by", &row.acted_by.as_deref().unwrap_or_default()),
                ("note", &row.note.as_deref().unwrap_or_default()),
            ],
        ));
    }
    if let Some(rec) = &record {
        out.push(fill(
            &r.show_record,
            &[
                ("name", &rec.name),
                ("n", &rec.incidents),
                ("groups", &rec.groups.join(", ")),
            ],
        ));
        if rec.sanctions.is_empty() {
            out.push(format!("  {}", r.no_record));
        }
        for s in &rec.sanctions {
            out.push(format!(
                "  {}  {}  {}  {}: {}",
                time(Some(s.at)),
                s.group.as_deref().unwrap_or("–"),
                map(&r.actions, &s.action),
                s.by,
                s.reason
            ));
        }
    }
    if row.state().pending() {
        out.push(fill(
            &r.suggest,
            &[
                ("action", &map(&r.actions, suggested.word())),
                ("id", &row.id.to_string()),
                ("word", &suggested.word()),
            ],
        ));
    }
    for line in out {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

fn act_on(
    ctx: &Ctx,
    store: &mut Store,
    args: &[String],
    reason: &str,
    (member, group): (Option<&str>, Option<&str>),
    except: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let t = texts(ctx);
    let r = &t.risk;
    let now = ctx.now().timestamp();
    let (id, word) = match args {
        [id, word] => {
            let id: i64 = id
                .trim()
                .parse()
                .map_err(|_| UserError(fill(&r.bad_id, &[("id", id)])))?;
            (Some(id), word)
        }
        [word] => (None, word),
        _ => return Err(UserError(r.usage.clone()).into()),
    };
    let step = parse_step(ctx, word)?;
    if except.is_some() && step != Step::Act(Action::Dismiss) {
        let id = id.map_or_else(|| "ID".to_string(), |i| i.to_string());
        return Err(UserError(fill(&r.except_dismiss_only, &[("id", &id)])).into());
    }
    if step != Step::Review && reason.trim().is_empty() {
        return Err(UserError(r.need_reason.clone()).into());
    }
    let Some(id) = id else {
        // a member without an incident
        let Some(m) = member else {
            return Err(UserError(r.need_member.clone()).into());
        };
        let Step::Act(action) = step else {
            return Err(UserError(r.member_action.clone()).into());
        };
        if !action.on_member() {
            return Err(UserError(r.member_action.clone()).into());
        }
        let (mid, name) = member_of(ctx, store, m)?;
        let gid = member_group(ctx, store, mid, &name, group)?;
        // the group's name as the database has it (`--group` may be an id, or absent)
        let group_name = crate::store::groups::name_of(store.conn(), gid)?.unwrap_or_default();
        let done = store.write(Perm::RiskAct, |tx, op| {
            act::on_member(tx, op, now, mid, gid, action, reason)
        })?;
        let record = risk::member_record(store.conn(), mid)?;
        println!(
            "{}",
            fill(
                &r.member_acted,
                &[
                    ("member", &name),
                    ("group", &group_name),
                    ("action", &map(&r.actions, action.word()).to_string()),
                    ("sanction", &done.sanction.unwrap_or_default().to_string()),
                    ("next", &map(&r.actions, record.next.word()).to_string()),
                ],
            )
        );
        return Ok(ExitCode::SUCCESS);
    };
    let perm = match step {
        Step::Review => Perm::RiskReview,
        Step::Act(_) => Perm::RiskAct,
    };
    let done = match store.write(perm, |tx, op| {
        act::on_incident(tx, op, now, id, None, step, reason)
    }) {
        Ok(d) => d,
        Err(StoreError::NotFound {
            what: "incident", ..
        }) => {
            return Err(UserError(fill(&r.not_found, &[("id", &id)])).into());
        }
        Err(StoreError::Handled { id, action, by, at }) => {
            let at = chrono::DateTime::parse_from_rfc3339(&at)
                .ok()
                .and_then(|t| ctx.local_time(t.timestamp()))
                .unwrap_or(at);
            return Err(UserError(fill(
                &r.handled,
                &[
                    ("id", &id.to_string()),
                    ("action", &map(&r.actions, &action).to_string()),
                    ("by", &by),
                    ("at", &at),
                ],
            ))
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    // a false positive's exception: a second write, for it needs `keywords.edit`
    let excepted = match except {
        Some(context) => except_word(ctx, store, id, context)?,
        None => None,
    };
    if ctx.format == Format::Json {
        let mut out = serde_json::to_value(&done)?;
        if let Some((category, word, context)) = &excepted {
            out["exception"] =
                json!({ "category": category.word(), "word": word, "context": context });
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    match done.action {
        None => println!("{}", fill(&r.reviewed, &[("id", &id)])),
        Some(a) => println!(
            "{}",
            fill(
                &r.acted,
                &[
                    ("id", &id.to_string()),
                    ("action", &map(&r.actions, a.word()).to_string()),
                    ("sanction", &done.sanction.unwrap_or_default().to_string()),
                ],
            )
        ),
    }
    if let Some((category, word, context)) = &excepted {
        println!(
            "{}",
            fill(
                &r.except_added,
                &[
                    ("word", word),
                    ("context", context),
                    ("category", &t.category(*category)),
                ],
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Add the exception a false positive asks for: the incident's word no longer hits in
/// `context`. None (said) when the incident has no word.
fn except_word(
    ctx: &Ctx,
    store: &mut Store,
    id: i64,
    context: &str,
) -> anyhow::Result<Option<(crate::domain::keywords::Category, String, String)>> {
    let t = texts(ctx);
    let now = ctx.now().timestamp();
    let row = risk::get(store.conn(), id, &ctx.rules.risk, now)?;
    let hit = row
        .category
        .as_deref()
        .and_then(crate::domain::keywords::Category::parse)
        .zip(row.keyword.clone());
    let Some((category, word)) = hit else {
        eprintln!("{}", fill(&t.risk.except_no_word, &[("id", &id)]));
        return Ok(None);
    };
    store.write(Perm::KeywordsEdit, |tx, op| {
        crate::store::settings::change_exception(
            tx,
            op,
            now,
            category,
            &word,
            context,
            crate::store::settings::ListChange::Add,
        )
    })?;
    Ok(Some((category, word, context.trim().to_string())))
}

/// The group a member-level action is in: `--group`, else the member's only group.
fn member_group(
    ctx: &Ctx,
    store: &Store,
    member: i64,
    name: &str,
    group: Option<&str>,
) -> anyhow::Result<i64> {
    let r = &texts(ctx).risk;
    if let Some(g) = group {
        return crate::store::require_group(store.conn(), g)
            .map_err(|_| super::unknown_group(ctx, g).into());
    }
    let record = risk::member_record(store.conn(), member)?;
    match record.groups.as_slice() {
        [one] => Ok(crate::store::require_group(store.conn(), one)?),
        groups => Err(UserError(fill(
            &r.member_group,
            &[("member", &name), ("groups", &groups.join(", "))],
        ))
        .into()),
    }
}
