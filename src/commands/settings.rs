//! `shequn settings show|set|unset|import|export`: the team's thresholds and rules —
//! the shipped `data/rules.toml` with the team's overrides, kept in the database
//! (issue 12). Setting needs the owner role (`settings.edit`); a value that does not fit
//! its key is refused before anything is written, and an import is all or nothing,
//! naming the file's line.

use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::output::{Column, print};
use super::{Ctx, UserError};
use crate::cli::SettingsCmd;
use crate::domain::roles::Perm;
use crate::domain::settings::{self as domain, FileKey, Given};
use crate::i18n::fill;
use crate::store::StoreError;
use crate::store::settings::{self, SettingChange, SettingRow};

pub fn run(ctx: &Ctx, cmd: &SettingsCmd) -> anyhow::Result<ExitCode> {
    let mut store = ctx.open()?;
    let texts = ctx.lang.texts();
    let t = &texts.settings;
    let now = ctx.now().timestamp();
    match cmd {
        SettingsCmd::Show { prefix } => {
            let rows = show_rows(ctx, &settings::overrides(store.conn())?, prefix.as_deref());
            let cols: &[Column<ShowRow>] = &[
                Column {
                    header: &texts.settings.col_key,
                    value: |r, _| r.key.clone(),
                },
                Column {
                    header: &texts.settings.col_value,
                    value: |r, _| r.value.as_deref().map_or_else(|| "—".into(), clip),
                },
                Column {
                    header: &texts.settings.col_source,
                    value: |r, _| r.shown_source.clone(),
                },
            ];
            print(ctx, ctx.format, &rows, cols)?;
        }
        SettingsCmd::Set { key, value } => {
            let items = [(key.clone(), Given::Text(value.clone()))];
            let changes = store.write(Perm::SettingsEdit, |tx, op| {
                settings::set(tx, op, now, &items)
            })?;
            match changes.first() {
                Some(c) => println!(
                    "{}",
                    fill(
                        &t.set,
                        &[
                            ("key", &c.key),
                            ("value", &c.new.clone().unwrap_or_default()),
                            ("old", &was(ctx, c)),
                        ]
                    )
                ),
                None => {
                    let value = settings::overrides(store.conn())?
                        .into_iter()
                        .find(|r| r.key == *key)
                        .map(|r| r.value)
                        .unwrap_or_default();
                    println!("{}", fill(&t.unchanged, &[("key", key), ("value", &value)]));
                }
            }
        }
        SettingsCmd::Unset { key } => {
            let change = store.write(Perm::SettingsEdit, |tx, op| {
                settings::unset(tx, op, now, key)
            })?;
            let default =
                domain::default_of(key).map_or_else(|| "—".to_string(), |v| v.to_string());
            let template = if change.is_some() {
                &t.unset
            } else {
                &t.not_set
            };
            println!("{}", fill(template, &[("key", key), ("value", &default)]));
        }
        SettingsCmd::Import { file } => {
            let keys = read(ctx, file)?;
            if keys.is_empty() {
                println!("{}", fill(&t.empty_file, &[("file", &file.display())]));
                return Ok(ExitCode::SUCCESS);
            }
            let items: Vec<(String, Given)> = keys
                .iter()
                .map(|k| (k.key.clone(), Given::Value(k.value.clone())))
                .collect();
            let changes = store
                .write(Perm::SettingsEdit, |tx, op| {
                    settings::set(tx, op, now, &items)
                })
                .map_err(|e| at_line(ctx, file, &keys, e))?;
            println!(
                "{}",
                fill(
                    &t.imported,
                    &[
                        ("file", &file.display()),
                        ("n", &changes.len()),
                        ("same", &(keys.len() - changes.len().min(keys.len()))),
                    ]
                )
            );
        }
        SettingsCmd::Export => {
            let values: Vec<(String, toml::Value)> = settings::overrides(store.conn())?
                .into_iter()
                .filter_map(|r| Some((r.key, r.value.parse().ok()?)))
                .collect();
            println!("{}", fill(&t.export_header, &[("db", &ctx.db.display())]));
            if values.is_empty() {
                println!("{}", t.export_empty);
            } else {
                print!("{}", domain::to_file(&values));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a key was before a change, for the confirmation: the team's value, or the
/// default (said so).
fn was(ctx: &Ctx, c: &SettingChange) -> String {
    match &c.old {
        Some(o) => o.clone(),
        None => fill(
            &ctx.lang.texts().settings.default_value,
            &[(
                "value",
                &domain::default_of(&c.key).map_or_else(|| "—".to_string(), |v| v.to_string()),
            )],
        ),
    }
}

/// A settings file's keys, or its first syntax error with its line.
fn read(ctx: &Ctx, file: &Path) -> Result<Vec<FileKey>, UserError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        UserError(fill(
            &ctx.lang.texts().errors.read_file,
            &[("file", &file.display()), ("e", &e)],
        ))
    })?;
    domain::read_file(&text).map_err(|e| {
        UserError(fill(
            &ctx.lang.texts().settings.file_error,
            &[
                ("file", &file.display()),
                ("line", &e.line),
                ("message", &e.message),
            ],
        ))
    })
}

/// A refused import names the line of the key it is about.
fn at_line(ctx: &Ctx, file: &Path, keys: &[FileKey], e: StoreError) -> anyhow::Error {
    let StoreError::Settings(s) = &e else {
        return e.into();
    };
    let texts = ctx.lang.texts();
    let line = s
        .key()
        .and_then(|k| keys.iter().find(|f| f.key == k))
        .map_or(0, |f| f.line);
    UserError(fill(
        &texts.settings.file_error,
        &[
            ("file", &file.display()),
            ("line", &line),
            ("message", &texts.settings_error(s)),
        ],
    ))
    .into()
}

/// One key as `settings show` lists it.
#[derive(Debug, Serialize)]
struct ShowRow {
    key: String,
    /// TOML text; none for an optional key nobody set.
    value: Option<String>,
    /// The shipped value (none for a key of the team's own).
    default: Option<String>,
    /// `default` or `team`.
    source: &'static str,
    set_by: Option<String>,
    set_at: Option<String>,
    #[serde(skip)]
    shown_source: String,
}

/// Every key (the shipped ones in the file's order, then the optional ones and the
/// team's own), with the team's value where it set one.
fn show_rows(ctx: &Ctx, overrides: &[SettingRow], prefix: Option<&str>) -> Vec<ShowRow> {
    let t = &ctx.lang.texts().settings;
    let mut keys = domain::known_keys();
    for o in overrides {
        if !keys.contains(&o.key) {
            keys.push(o.key.clone());
        }
    }
    keys.into_iter()
        .filter(|k| prefix.is_none_or(|p| k.starts_with(p)))
        .map(|key| {
            let default = domain::default_of(&key).map(ToString::to_string);
            match overrides.iter().find(|o| o.key == key) {
                Some(o) => ShowRow {
                    value: Some(o.value.clone()),
                    default,
                    source: "team",
                    set_by: Some(o.set_by.clone()),
                    set_at: ctx.local_time(o.set_at),
                    shown_source: fill(
                        &t.set_by,
                        &[("by", &o.set_by), ("at", &short_time(ctx, o.set_at))],
                    ),
                    key,
                },
                None => ShowRow {
                    value: default.clone(),
                    default,
                    source: "default",
                    set_by: None,
                    set_at: None,
                    shown_source: t.default.clone(),
                    key,
                },
            }
        })
        .collect()
}

/// A long value (the slot hints) cut for the table; JSON and CSV have it whole.
fn clip(v: &str) -> String {
    const MAX: usize = 60;
    if v.chars().count() <= MAX {
        return v.to_string();
    }
    let mut out: String = v.chars().take(MAX - 1).collect();
    out.push('…');
    out
}

/// `2026-03-02 08:25` in the team's zone, for a table.
pub fn short_time(ctx: &Ctx, t: i64) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .map(|t| {
            t.with_timezone(&ctx.tz)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}
