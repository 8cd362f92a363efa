//! `shequn keywords list|add|remove|import`: the team's keyword lists (issue 12) — the
//! shipped `data/keywords/` lists, plus the words the team added, less the shipped
//! words it took off, kept in the database. Changing them needs the operator role
//! (`keywords.edit`); a change is all or nothing.

use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use super::output::{Column, print};
use super::settings::short_time;
use super::{Ctx, UserError};
use crate::cli::KeywordsCmd;
use crate::domain::keywords::Category;
use crate::domain::roles::Perm;
use crate::domain::settings::{self as domain, WordPlan, WordState};
use crate::i18n::fill;
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
    }
    Ok(ExitCode::SUCCESS)
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
    let text =
        std::fs::read_to_string(file).map_err(|e| UserError(format!("{}: {e}", file.display())))?;
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
