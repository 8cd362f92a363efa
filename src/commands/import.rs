//! `shequn import chat|members|orders|results FILE`: chat exports (format sniffed from
//! the content), rosters, orders and content results. A malformed row stops the import
//! with exit 1, the file and line, the reason — and the database exactly as before.

use std::process::ExitCode;

use super::{Ctx, UserError};
use crate::cli::{Format as OutFormat, ImportCmd};
use crate::domain::roster::{Allowance, Limit, percent};
use crate::i18n::{CliTexts, Texts, fill};
use crate::import::{self, Format, ImportError, Reason};
use crate::store::import::{
    ChatImportError, ChatOptions, ChatSummary, ROSTER_NAMES, RosterError, RosterOptions,
    RosterSummary, import_chat, import_orders, import_roster,
};
use crate::store::{Store, kpi};

pub fn run(ctx: &Ctx, cmd: &ImportCmd) -> anyhow::Result<ExitCode> {
    let mut store = ctx.open()?;
    let now = ctx.now();
    match cmd {
        ImportCmd::Chat {
            file,
            group,
            from,
            map,
        } => {
            let format = match (from.as_deref(), map) {
                (None | Some("auto"), None) => None,
                (Some("csv") | None, Some(spec)) => Some(Format::Csv(
                    import::parse_map(spec).map_err(|r| UserError(r.say(ctx.lang.texts())))?,
                )),
                (Some("csv"), None) => {
                    return Err(UserError(Reason::FromCsvNeedsMap.say(ctx.lang.texts())).into());
                }
                (Some(name), _) => Some(named_format(ctx, name)?),
            };
            let records = import::open(file, format, ctx.tz).map_err(|e| bad(ctx, file, &e))?;
            let format_word = import::format_name(records.detected()).to_string();
            let platform = if format_word == "wecom" {
                "wecom"
            } else {
                "personal"
            };
            let label = file.display().to_string();
            let opts = ChatOptions {
                group: group.as_deref(),
                platform,
                file: &label,
                format: &format_word,
                keywords: Some(&ctx.keywords),
            };
            let records = import::prefetch(records).map_err(|e| {
                anyhow::Error::msg(fill(&ctx.lang.texts().errors.reader_thread, &[("e", &e)]))
            })?;
            let summary = match import_chat(&mut store, records, &opts, now, ctx.tz, &ctx.rules) {
                Ok(s) => s,
                Err(ChatImportError::Bad { file, err }) => return Err(refused(ctx, &file, &err)),
                Err(ChatImportError::Store(e)) => return Err(e.into()),
            };
            match ctx.format {
                OutFormat::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
                _ => println!("{}", chat_line(ctx.lang.texts(), &summary)),
            }
            after_import(ctx, &mut store)?;
        }
        ImportCmd::Members {
            file,
            group,
            allow_leaves,
            force,
            dry_run,
        } => {
            let (format, file_group, entries) =
                import::roster::read_roster(file, ctx.tz).map_err(|e| bad(ctx, file, &e))?;
            let group = group
                .clone()
                .or(file_group)
                .ok_or_else(|| UserError(Reason::RosterNoGroup.say(ctx.lang.texts())))?;
            let label = file.display().to_string();
            let opts = RosterOptions {
                group: &group,
                file: &label,
                format: &format,
                allow: Allowance {
                    allow_leaves: *allow_leaves,
                    force: *force,
                },
                dry_run: *dry_run,
            };
            let s = match import_roster(&mut store, &entries, &opts, now, ctx.tz, &ctx.rules) {
                Ok(s) => s,
                Err(RosterError::Store(e)) => return Err(e.into()),
                Err(e) => return Err(UserError(roster_refusal(&ctx.lang.texts().cli, &e)).into()),
            };
            match ctx.format {
                OutFormat::Json => println!("{}", serde_json::to_string_pretty(&s)?),
                _ if s.dry_run => {
                    for line in dry_run_lines(&ctx.lang.texts().cli, &s) {
                        println!("{line}");
                    }
                }
                _ => println!("{}", roster_line(ctx.lang.texts(), &s)),
            }
            if !s.dry_run {
                after_import(ctx, &mut store)?;
            }
        }
        ImportCmd::Orders { file } => {
            let rows = import::orders::read_orders(file, ctx.tz).map_err(|e| bad(ctx, file, &e))?;
            let label = file.display().to_string();
            let s = match import_orders(&mut store, rows, &label, now) {
                Ok(s) => s,
                Err(ChatImportError::Bad { file, err }) => return Err(refused(ctx, &file, &err)),
                Err(ChatImportError::Store(e)) => return Err(e.into()),
            };
            match ctx.format {
                OutFormat::Json => println!("{}", serde_json::to_string_pretty(&s)?),
                _ => println!(
                    "{}",
                    fill(
                        &ctx.lang.texts().summaries.orders,
                        &[
                            ("file", &s.file),
                            ("read", &s.read),
                            ("orders", &s.orders),
                            ("duplicates", &s.duplicates),
                            ("unmatched", &s.unmatched),
                        ],
                    )
                ),
            }
        }
        ImportCmd::Stats { file, group } => {
            let (format, rows) =
                import::stats::read_stats(file, ctx.tz).map_err(|e| bad(ctx, file, &e))?;
            let label = file.display().to_string();
            let mut values = Vec::with_capacity(rows.len());
            for r in rows {
                let Some(g) = r.group.or_else(|| group.clone()) else {
                    let err = ImportError {
                        line: r.line,
                        reason: Reason::StatsNoGroup,
                    };
                    return Err(refused(ctx, &label, &err));
                };
                values.push(kpi::StatValue {
                    line: r.line,
                    group: g,
                    day: r.day,
                    metric: r.metric,
                    value: r.value,
                });
            }
            let env = super::kpi::env(ctx, &ctx.keywords);
            let s = kpi::import_stats(&mut store, &values, &label, &format, &env)?;
            match ctx.format {
                OutFormat::Json => println!("{}", serde_json::to_string_pretty(&s)?),
                _ => {
                    println!(
                        "{}",
                        fill(
                            &ctx.lang.texts().summaries.stats,
                            &[
                                ("file", &s.file),
                                ("format", &s.format),
                                ("values", &s.values),
                                ("changed", &s.changed),
                                ("days", &s.days),
                                ("groups", &s.groups.join(", ")),
                            ],
                        )
                    );
                    let r = kpi::Refreshed {
                        opened: s.opened.clone(),
                        closed: s.closed.clone(),
                        ..kpi::Refreshed::default()
                    };
                    for line in super::kpi::describe(&r, ctx) {
                        println!("{line}");
                    }
                }
            }
        }
        ImportCmd::Answers { file, group } => {
            super::launch::require_launched(ctx, &store, group)?;
            let answers =
                import::answers::read_answers(file, ctx.tz).map_err(|e| bad(ctx, file, &e))?;
            let label = file.display().to_string();
            return super::launch::import_answers(ctx, &mut store, &label, group, &answers);
        }
        ImportCmd::Results { file } => super::content::import_results(ctx, &mut store, file)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Recompute the days the import touched and judge the alerts, right after it. The
/// import's own summary is printed already; alerts that opened or closed follow on
/// their own lines (not in JSON, which stays one document).
fn after_import(ctx: &Ctx, store: &mut Store) -> anyhow::Result<()> {
    if let Some(r) = super::kpi::refresh_if_needed(ctx, store)?
        && ctx.format != OutFormat::Json
    {
        for line in super::kpi::describe(&r, ctx) {
            println!("{line}");
        }
    }
    Ok(())
}

/// The summary of `import chat` in the user's language; the risk incidents the import
/// opened only when there are some (a clean import says nothing about risk).
pub fn chat_line(t: &Texts, s: &ChatSummary) -> String {
    let w = &t.summaries;
    let incidents = if s.incidents > 0 {
        fill(&w.chat_incidents, &[("n", &s.incidents)])
    } else {
        String::new()
    };
    fill(
        &w.chat,
        &[
            ("file", &s.file),
            ("format", &s.format),
            ("read", &s.read),
            ("messages", &s.messages),
            ("events", &s.events),
            ("duplicates", &s.duplicates),
            ("skipped", &s.skipped),
            ("errors", &s.errors),
            ("new_members", &s.new_members),
            ("groups", &s.groups.join(", ")),
            ("incidents", &incidents),
        ],
    )
}

/// The summary of `import members`; removed members the roster brought back (each an
/// incident) only when there are some.
pub fn roster_line(t: &Texts, s: &RosterSummary) -> String {
    let w = &t.summaries;
    let incidents = if s.incidents > 0 {
        fill(&w.roster_incidents, &[("n", &s.incidents)])
    } else {
        String::new()
    };
    fill(
        &w.roster,
        &[
            ("file", &s.file),
            ("format", &s.format),
            ("group", &s.group),
            ("read", &s.read),
            ("joined", &s.joined),
            ("left", &s.left),
            ("unchanged", &s.unchanged),
            ("new_members", &s.new_members),
            ("incidents", &incidents),
        ],
    )
}

/// A refused roster in words: the file, how many would leave of how many, the limit,
/// and the flags that let it through.
fn roster_refusal(t: &CliTexts, e: &RosterError) -> String {
    match e {
        RosterError::Empty { file } => fill(&t.roster_empty, &[("file", file)]),
        RosterError::TooManyLeaves { too_many, summary } => {
            let limit = match too_many.limit {
                Limit::Share { share, max } => fill(
                    &t.roster_limit_share,
                    &[("percent", &percent_of_share(share)), ("max", &max)],
                ),
                Limit::Allowed(n) => fill(&t.roster_limit_allowed, &[("n", &n)]),
            };
            fill(
                &t.roster_too_many,
                &[
                    ("file", &summary.file),
                    ("leaving", &too_many.leaving),
                    ("present", &too_many.present),
                    ("group", &summary.group),
                    ("limit", &limit),
                ],
            )
        }
        RosterError::Store(e) => e.to_string(),
    }
}

/// A share (0.2) as whole percent (20).
fn percent_of_share(share: f64) -> String {
    let p = share * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}", p.round() as i64)
    } else {
        format!("{p:.1}")
    }
}

/// What `import members --dry-run` prints: the counts, who would leave and join (the
/// first names), and whether the import itself would be refused.
fn dry_run_lines(t: &CliTexts, s: &RosterSummary) -> Vec<String> {
    let names = |list: &[String], n: u64| {
        if list.is_empty() {
            return String::new();
        }
        let more = n.saturating_sub(list.len() as u64);
        let mut text = format!(" — {}", list.join(", "));
        if more > 0 {
            text.push_str(&fill(&t.and_more, &[("n", &more)]));
        }
        text
    };
    let mut out = vec![
        fill(
            &t.dry_head,
            &[
                ("file", &s.file),
                ("format", &s.format),
                ("group", &s.group),
                ("read", &s.read),
            ],
        ),
        fill(
            &t.dry_join,
            &[
                ("n", &s.joined),
                ("names", &names(&s.joined_names, s.joined)),
            ],
        ),
        fill(
            &t.dry_leave,
            &[
                ("n", &s.left),
                ("present", &s.present),
                ("percent", &percent(s.left, s.present)),
                ("names", &names(&s.left_names, s.left)),
            ],
        ),
        fill(&t.dry_unchanged, &[("n", &s.unchanged)]),
        fill(&t.dry_new, &[("n", &s.new_members)]),
    ];
    match s.max_leaves {
        Some(max) if s.left > max => {
            out.push(fill(&t.dry_refused, &[("max", &max), ("n", &s.left)]))
        }
        _ => out.push(t.dry_passes.clone()),
    }
    debug_assert!(s.left_names.len() <= ROSTER_NAMES);
    out
}

fn bad(ctx: &Ctx, file: &std::path::Path, e: &ImportError) -> anyhow::Error {
    refused(ctx, &file.display().to_string(), e)
}

/// A file refused before anything was written, in the user's language: `file:line:`
/// (just `file:` for the file as a whole), why, and that nothing was imported. The
/// English reason goes to the log.
fn refused(ctx: &Ctx, file: &str, e: &ImportError) -> anyhow::Error {
    tracing::warn!("import refused: {file}: {e}");
    let at = if e.line == 0 {
        file.to_string()
    } else {
        format!("{file}:{}", e.line)
    };
    let t = ctx.lang.texts();
    UserError(fill(
        &t.import_errors.refused,
        &[("at", &at), ("reason", &e.reason.say(t))],
    ))
    .into()
}

fn named_format(ctx: &Ctx, name: &str) -> anyhow::Result<Format> {
    Ok(match name {
        "wechatmsg" => Format::WeChatMsg,
        "memotrace" => Format::MemoTrace,
        "pywxdump" => Format::PyWxDump,
        "chatlog" => Format::Chatlog,
        "chatlab" => Format::ChatLab,
        "wecom" => Format::WeCom,
        other => {
            let reason = Reason::UnknownFrom {
                name: other.to_string(),
            };
            return Err(UserError(reason.say(ctx.lang.texts())).into());
        }
    })
}
