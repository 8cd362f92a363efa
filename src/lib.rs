//! shequn (社群): a terminal operations console for WeChat community operators.
//!
//! Module map (dependencies point one way: `ui → app → domain`,
//! `commands → store → domain`; `domain` imports none of the others):
//! - [`cli`]      clap types for every command and flag of PRODUCT.md
//! - [`ctx`]      what every command and the console take: `Ctx`, `UserError`
//! - [`config`]   where the database, config and logs live; language; the team's zone
//! - [`guard`]    guarded team mode: a setgid shequn's environment, paths and group drop
//! - [`clock`]    the `Clock` trait: the system clock and a fixed one (`SHEQUN_NOW`)
//! - [`disk`]     what the OS says about the database's files: filesystem type, free
//!   space, modes and groups, logins (init, backup, restore, doctor, the console)
//! - [`i18n`]     every user-facing string, one file per language in `data/i18n/`
//! - [`domain`]   pure rules without I/O or a clock: SOP recurrence, stages, thresholds,
//!   KPI metrics and alert episodes,
//!   the content pipeline, risk keywords
//! - [`import`]   chat exports, rosters and orders read from files (streaming parsers)
//! - [`search`]   member search: fuzzy + full pinyin + initials (张三 ← zhang, zs)
//! - [`store`]    everything rusqlite: pragmas, migrations, audit, views, presence
//! - [`demo`]     the deterministic demo database
//! - [`commands`] one file per non-console command, exit codes
//! - [`reminders`] the reminder engine: sleep until the next one is due, fire, re-plan
//! - [`app`]      the console's model: `App`, `Action`, `update()`, keymap
//! - [`ui`]       pure drawing from `&App`
//! - [`tui`]      the terminal guard: raw mode, alternate screen, signals, dead-tty watchdog
//! - [`console`]  the event loop tying terminal, timers and the store thread together

pub mod app;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod console;
pub mod ctx;
pub mod demo;
pub mod disk;
pub mod domain;
pub mod guard;
pub mod i18n;
pub mod import;
pub mod reminders;
pub mod search;
pub mod store;
pub mod tui;
pub mod ui;
