//! `shequn keywords list|add|remove|import|except|test`: the team's keyword lists
//! (issues 12 and 15) — the shipped `data/keywords/` lists, plus the words the team
//! added, less the shipped words it took off, with the team's exceptions, kept in the
//! database. Changing them needs the operator role (`keywords.edit`); a change is all
//! or nothing. `test` is the dry-run: what the lists (and a proposed file) would have
//! flagged in the imported history, before anyone saves anything.

use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use super::output::{Column, print};
use super::settings::short_time;
use super::{Ctx, UserError};
use crate::cli::{Format, KeywordsCmd};
use crate::domain::keywords::dryrun::{GroupHits, Report, WordHits};
use crate::domain::keywords::{Category, Entry, LineProblem, list};
use crate::domain::roles::Perm;
use crate::domain::settings::{self as domain, WordPlan, WordState};
use crate::i18n::fill;
use crate::store::history;
use crate::store::settings::{self, KeywordRow, ListChange};

pub fn run(ctx: &Ctx, cmd: &KeywordsCmd) -> anyhow::Result<ExitCode> {
    let mut store = ctx.open()?;
    let texts = ctx.lang.texts();
    let now = ctx.now().timestamp();
    match cmd {
        KeywordsCmd::List { category } => {
            let only = category
                .as_deref()
                .map(|c| category_of(ctx, c))
                .transpose()?;
            let rows = list_rows(ctx, &settings::keyword_rows(store.conn())?, only);
            let cols: &[Column<ListRow>] = &[
                Column {
                    header: &texts.keywords.col_category,
                    value: |r, _| r.shown_category.clone(),
                },
                Column {
                    header: &texts.keywords.col_word,
                    value: |r, _| r.word.clone(),
                },
                Column {
                    header: &texts.keywords.col_state,
                    value: |r, _| r.shown_state.clone(),
                },
                Column {
                    header: &texts.keywords.col_by,
                    value: |r, _| r.by.clone().unwrap_or_default(),
                },
                Column {
                    header: &texts.keywords.col_at,
                    value: |r, _| r.shown_at.clone(),
                },
            ];
            print(ctx, ctx.format, &rows, cols)?;
        }
        KeywordsCmd::Add { words, category } | KeywordsCmd::Remove { words, category } => {
            let c = category_of(ctx, category)?;
            let change = if matches!(cmd, KeywordsCmd::Add { .. }) {
                ListChange::Add
            } else {
                ListChange::Remove
            };
            let plan = store.write(Perm::KeywordsEdit, |tx, op| {
                settings::change_words(tx, op, now, c, words, change)
            })?;
            say(ctx, c, change, &plan);
        }
        KeywordsCmd::Import { file, category } => {
            let c = category_of(ctx, category)?;
            let words = read(ctx, file)?;
            if words.is_empty() {
                println!(
                    "{}",
                    fill(&texts.keywords.empty_file, &[("file", &file.display())])
                );
                return Ok(ExitCode::SUCCESS);
            }
            let plan = store.write(Perm::KeywordsEdit, |tx, op| {
                settings::change_words(tx, op, now, c, &words, ListChange::Add)
            })?;
            println!(
                "{}",
                fill(
                    &texts.keywords.imported,
                    &[
                        ("file", &file.display()),
                        ("category", &texts.category(c)),
                        ("n", &plan.changed.len()),
                        ("same", &plan.unchanged.len()),
                    ]
                )
            );
        }
        KeywordsCmd::Except {
            word,
            context,
            category,
            remove,
        } => {
            let k = settings::team(store.conn())?.keywords;
            let c = match category {
                Some(c) => category_of(ctx, c)?,
                None => Category::ALL
                    .into_iter()
                    .find(|c| k.reports(*c, word).is_some())
                    .ok_or_else(|| {
                        UserError(fill(&texts.keywords.on_no_list, &[("word", word)]))
                    })?,
            };
            let change = if *remove {
                ListChange::Remove
            } else {
                ListChange::Add
            };
            let changed = store.write(Perm::KeywordsEdit, |tx, op| {
                settings::change_exception(tx, op, now, c, word, context, change)
            })?;
            let template = match (changed, change) {
                (false, _) => &texts.keywords.except_already,
                (true, ListChange::Add) => &texts.keywords.except_added,
                (true, ListChange::Remove) => &texts.keywords.except_removed,
            };
            println!(
                "{}",
                fill(
                    template,
                    &[
                        ("category", &texts.category(c)),
                        ("word", word),
                        ("context", context)
                    ]
                )
            );
        }
        KeywordsCmd::Test {
            file,
            category,
            days,
            group,
        } => {
            let only = category
                .as_deref()
                .map(|c| category_of(ctx, c))
                .transpose()?;
            let proposed = match (file, only) {
                (Some(f), Some(c)) => read_entries(ctx, f)?.into_iter().map(|e| (c, e)).collect(),
                _ => Vec::new(),
            };
            let group_id = group
                .as_deref()
                .map(|g| {
                    crate::store::groups::by_name_or_id(store.conn(), g)?
                        .ok_or_else(|| anyhow::Error::from(super::unknown_group(ctx, g)))
                })
                .transpose()?;
            let since = days.map(|d| now - i64::from(d) * 86_400);
            dry_run(ctx, &store, &proposed, only, since, group_id)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `keywords test`: scan the history with the team's lists (plus `proposed`) and print
/// what they would have flagged.
fn dry_run(
    ctx: &Ctx,
    store: &crate::store::Store,
    proposed: &[(Category, Entry)],
    only: Option<Category>,
    since: Option<i64>,
    group: Option<i64>,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let report = history::dry_run(store.conn(), proposed, only, since, group)?;
    let took = started.elapsed().as_millis();
    tracing::info!(
        scanned = report.scanned,
        took_ms = took as u64,
        "keywords test"
    );
    print_report(ctx, &report, took)
}

/// One word's row of `keywords test`.
#[derive(Debug, Serialize)]
struct WordRow<'a> {
    #[serde(flatten)]
    hits: &'a WordHits,
    #[serde(skip)]
    shown_category: String,
}

fn print_report(ctx: &Ctx, report: &Report, took: u128) -> anyhow::Result<()> {
    let texts = ctx.lang.texts();
    let t = &texts.keywords;
    if ctx.format == Format::Json {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            report: &'a Report,
            likely_false_positives: Vec<&'a str>,
            took_ms: u128,
        }
        let out = Out {
            report,
            likely_false_positives: report
                .likely_false()
                .iter()
                .map(|w| w.word.as_str())
                .collect(),
            took_ms: took,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let rows: Vec<WordRow> = report
        .words
        .iter()
        .map(|w| WordRow {
            hits: w,
            shown_category: texts.category(w.category),
        })
        .collect();
    let cols: &[Column<WordRow>] = &[
        Column {
            header: &texts.keywords.col_category,
            value: |r, _| r.shown_category.clone(),
        },
        Column {
            header: &texts.keywords.col_word,
            value: |r, t| {
                if r.hits.proposed {
                    format!("{} {}", r.hits.word, t.keywords.proposed)
                } else {
                    r.hits.word.clone()
                }
            },
        },
        Column {
            header: &texts.keywords.col_level,
            value: |r, _| r.hits.level.number().to_string(),
        },
        Column {
            header: &texts.keywords.col_messages,
            value: |r, _| r.hits.messages.to_string(),
        },
        Column {
            header: &texts.keywords.col_groups,
            value: |r, _| r.hits.groups.to_string(),
        },
        Column {
            header: &texts.keywords.col_members,
            value: |r, _| r.hits.members.to_string(),
        },
        Column {
            header: &texts.keywords.col_clean,
            value: |r, _| r.hits.clean_looking.to_string(),
        },
    ];
    if ctx.format == Format::Csv {
        return print(ctx, ctx.format, &rows, cols);
    }
    let share = if report.scanned == 0 {
        0.0
    } else {
        report.flagged as f64 * 100.0 / report.scanned as f64
    };
    println!(
        "{}",
        fill(
            &t.test_summary,
            &[
                ("scanned", &report.scanned),
                ("flagged", &report.flagged),
                ("share", &format!("{share:.1}%")),
                ("ms", &took),
            ]
        )
    );
    if report.words.is_empty() {
        println!("{}", t.test_none);
        return Ok(());
    }
    println!("\n{}", t.test_words);
    print(ctx, Format::Table, &rows, cols)?;
    println!("\n{}", t.test_samples);
    for w in &report.words {
        println!("{}", w.word);
        for s in &w.samples {
            let at = ctx.local_time(s.sent_at).unwrap_or_default();
            let when = at.get(..16).unwrap_or(&at).replace('T', " ");
            println!(
                "  {} · {} · {}  {}",
                s.group,
                s.member.as_deref().unwrap_or("-"),
                when,
                s.text
            );
        }
    }
    println!("\n{}", t.test_groups);
    let gcols: &[Column<GroupHits>] = &[
        Column {
            header: &texts.keywords.col_group,
            value: |r, _| r.group.clone(),
        },
        Column {
            header: &texts.keywords.col_scanned,
            value: |r, _| r.scanned.to_string(),
        },
        Column {
            header: &texts.keywords.col_messages,
            value: |r, _| r.flagged.to_string(),
        },
    ];
    print(ctx, Format::Table, &report.groups, gcols)?;
    let likely = report.likely_false();
    println!("\n{}", t.test_false);
    if likely.is_empty() {
        println!("  {}", t.test_false_none);
    }
    for w in likely.iter().take(10) {
        println!(
            "  {}",
            fill(
                &t.test_false_line,
                &[
                    ("word", &w.word),
                    ("clean", &w.clean_looking),
                    ("messages", &w.messages)
                ]
            )
        );
    }
    Ok(())
}

/// A proposed list file's entries; the first bad line refuses the file with its line.
fn read_entries(ctx: &Ctx, file: &Path) -> Result<Vec<Entry>, UserError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        UserError(fill(
            &ctx.lang.texts().errors.read_file,
            &[("file", &file.display()), ("e", &e)],
        ))
    })?;
    let texts = ctx.lang.texts();
    list::parse_list(&text)
        .map(|(line, e)| {
            let checked: Result<Entry, String> =
                e.map_err(|p| line_problem(ctx, &p)).and_then(|e| {
                    domain::check_word(&e.word).map_err(|p| texts.settings_error(&p))?;
                    Ok(e)
                });
            checked.map_err(|message| {
                UserError(fill(
                    &texts.keywords.file_error,
                    &[
                        ("file", &file.display()),
                        ("line", &line),
                        ("message", &message),
                    ],
                ))
            })
        })
        .collect()
}

/// What is wrong with a list line, in the user's language.
fn line_problem(ctx: &Ctx, p: &LineProblem) -> String {
    let t = &ctx.lang.texts().keywords;
    match p {
        LineProblem::NoWord { given } => fill(&t.line_no_word, &[("given", given)]),
        LineProblem::BadLevel { given } => fill(&t.line_bad_level, &[("given", given)]),
        LineProblem::ContextMissesWord { word, context } => {
            fill(&t.line_context, &[("word", word), ("context", context)])
        }
        LineProblem::NothingToMatch { word } => fill(&t.line_nothing, &[("word", word)]),
    }
}

/// A list named on the command line (slug or Chinese name), or the refusal listing them.
fn category_of(ctx: &Ctx, given: &str) -> Result<Category, UserError> {
    Category::parse(given).ok_or_else(|| {
        let texts = ctx.lang.texts();
        UserError(fill(
            &texts.keywords.bad_category,
            &[("given", &given), ("lists", &texts.category_choices())],
        ))
    })
}

/// What a change did, one line for the words changed and one for those already so.
fn say(ctx: &Ctx, c: Category, change: ListChange, plan: &WordPlan) {
    let t = &ctx.lang.texts().keywords;
    let name = ctx.lang.texts().category(c);
    if !plan.changed.is_empty() {
        let template = match change {
            ListChange::Add => &t.added,
            ListChange::Remove => &t.removed,
        };
        println!(
            "{}",
            fill(
                template,
                &[("category", &name), ("words", &plan.changed.join(" "))]
            )
        );
    }
    if !plan.unchanged.is_empty() {
        println!(
            "{}",
            fill(
                &t.already,
                &[("category", &name), ("words", &plan.unchanged.join(" "))]
            )
        );
    }
}

/// A list file's words, each checked; the first bad one refuses the file with its line.
fn read(ctx: &Ctx, file: &Path) -> Result<Vec<String>, UserError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        UserError(fill(
            &ctx.lang.texts().errors.read_file,
            &[("file", &file.display()), ("e", &e)],
        ))
    })?;
    let texts = ctx.lang.texts();
    domain::list_words(&text)
        .map(|(line, w)| {
            domain::check_word(w).map_err(|e| {
                UserError(fill(
                    &texts.keywords.file_error,
                    &[
                        ("file", &file.display()),
                        ("line", &line),
                        ("message", &texts.settings_error(&e)),
                    ],
                ))
            })
        })
        .collect()
}

/// One word as `keywords list` shows it.
#[derive(Debug, Serialize)]
struct ListRow {
    category: &'static str,
    word: String,
    /// `shipped`, `added` or `removed`.
    state: WordState,
    /// Who added or removed it (none for a shipped word the team left alone).
    by: Option<String>,
    at: Option<String>,
    #[serde(skip)]
    shown_category: String,
    #[serde(skip)]
    shown_state: String,
    #[serde(skip)]
    shown_at: String,
}

fn list_rows(ctx: &Ctx, rows: &[KeywordRow], only: Option<Category>) -> Vec<ListRow> {
    let texts = ctx.lang.texts();
    let changes = settings::team_words(rows);
    let mut out = Vec::new();
    for c in Category::ALL
        .into_iter()
        .filter(|c| only.is_none_or(|o| o == *c))
    {
        for (word, state) in domain::team_list(c, &changes) {
            let row = rows
                .iter()
                .find(|r| r.category == c.word() && r.word.eq_ignore_ascii_case(&word));
            let shown_state = match state {
                WordState::Shipped => &texts.keywords.shipped,
                WordState::Added => &texts.keywords.added_state,
                WordState::Removed => &texts.keywords.removed_state,
            };
            out.push(ListRow {
                category: c.word(),
                word,
                state,
                by: row.map(|r| r.set_by.clone()),
                at: row.and_then(|r| ctx.local_time(r.set_at)),
                shown_category: texts.category(c),
                shown_state: shown_state.clone(),
                shown_at: row.map(|r| short_time(ctx, r.set_at)).unwrap_or_default(),
            });
        }
    }
    out
}
