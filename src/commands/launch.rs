//! Launching a group from the command line (issue 16): `group launch`, `group
//! launch-plan`, `group kit`, `group launch-status` and `import answers`, and the
//! late-phase judgement every command runs first ([`judge_if_needed`]). The rules are
//! `domain::launch`; the writes `store::launch`.
//!
//! `launch-status` table: one line per group (its phases as marks, the next step, the
//! kit, the QR code), or with NAME one line per phase. JSON: per group `group`, `kind`,
//! `platform`, `positioning`, `region`, `start`, `opens`, `phases` (each `phase`,
//! `from`, `due`, `days`, `state`, `value`, `bar`, `task`), `next`, `next_state`,
//! `kit_done`, `kit_total`, `qr_expires`. CSV: one row per group and phase.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use chrono::NaiveDate;
use serde::Serialize;

use super::output::{table, write_csv};
use super::{Ctx, UserError};
use crate::cli::{Format, KitCmd, Platform};
use crate::clock::local_day;
use crate::domain::launch::{self as dl, MAX_PHASE_DAYS, Phase, Playbook, parse_positioning};
use crate::domain::roles::Perm;
use crate::i18n::{Lang, LaunchTexts, Texts, fill};
use crate::store::Store;
use crate::store::launch::{self as sl, LaunchStatus, NewLaunch, PlanEdit};

fn texts(ctx: &Ctx) -> &'static Texts {
    ctx.lang.texts()
}

/// A positioning checked for its three parts, or the refusal naming the missing one.
pub fn check_positioning(texts: &Texts, text: Option<&str>) -> Result<(), UserError> {
    let Some(text) = text else { return Ok(()) };
    parse_positioning(text).map(|_| ()).map_err(|m| {
        let t = &texts.launch;
        UserError(fill(
            &t.positioning_missing,
            &[("part", &LaunchTexts::of(&t.parts, m.word()))],
        ))
    })
}

/// `--phase`: its word, its name in either language, or its number.
fn phase_arg(ctx: &Ctx, value: &str) -> Result<Phase, UserError> {
    let by_name = Phase::ALL.into_iter().find(|p| {
        [Lang::Zh, Lang::En].iter().any(|l| {
            LaunchTexts::of(&l.texts().launch.phases, p.word()).eq_ignore_ascii_case(value.trim())
        })
    });
    Phase::parse(value).or(by_name).ok_or_else(|| {
        let t = &texts(ctx).launch;
        let choices = Phase::ALL
            .iter()
            .map(|p| format!("{} ({})", p.word(), p.zh()))
            .collect::<Vec<_>>()
            .join(", ");
        UserError(fill(
            &t.unknown_phase,
            &[("value", &value), ("choices", &choices)],
        ))
    })
}

/// A kit item: its code or its name in either language.
fn item_arg(ctx: &Ctx, value: &str) -> Result<String, UserError> {
    let v = value.trim();
    Playbook::shipped()
        .kit
        .iter()
        .map(|k| k.code.as_str())
        .find(|code| {
            code.eq_ignore_ascii_case(v)
                || [Lang::Zh, Lang::En]
                    .iter()
                    .any(|l| LaunchTexts::of(&l.texts().launch.items, code).eq_ignore_ascii_case(v))
        })
        .map(str::to_string)
        .ok_or_else(|| {
            let t = &texts(ctx).launch;
            let choices = Playbook::shipped()
                .kit
                .iter()
                .map(|k| {
                    format!(
                        "{} ({})",
                        k.code,
                        LaunchTexts::of(&Lang::Zh.texts().launch.items, &k.code)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            UserError(fill(
                &t.unknown_item,
                &[("value", &v), ("choices", &choices)],
            ))
        })
}

/// The group named, in launch — or the refusal in the user's language.
fn launched(ctx: &Ctx, store: &Store, name: &str) -> Result<LaunchStatus, UserError> {
    let g = crate::store::groups::by_name_or_id(store.conn(), name)
        .ok()
        .flatten()
        .ok_or_else(|| super::unknown_group(ctx, name))?;
    let today = local_day(ctx.now(), ctx.tz);
    sl::board(store.conn(), today, ctx.tz, &ctx.rules.launch, Some(g))
        .ok()
        .and_then(|b| b.into_iter().next())
        .ok_or_else(|| UserError(fill(&texts(ctx).launch.not_launched, &[("name", &name)])))
}

#[allow(clippy::too_many_arguments)]
pub fn launch(
    ctx: &Ctx,
    store: &mut Store,
    name: &str,
    kind: &str,
    platform: Platform,
    positioning: Option<&str>,
    start: Option<NaiveDate>,
    region: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let t = texts(ctx);
    let name = name.trim();
    let kind = kind.trim();
    if name.is_empty() || kind.is_empty() {
        return Err(UserError(t.errors.group_needs.clone()).into());
    }
    let positioning = positioning.map(str::trim).filter(|p| !p.is_empty());
    check_positioning(t, positioning)?;
    let now = ctx.now();
    let start = start.unwrap_or_else(|| local_day(now, ctx.tz));
    let platform = match platform {
        Platform::Wecom => "wecom",
        Platform::Personal => "personal",
    };
    let new = NewLaunch {
        name,
        kind,
        platform,
        positioning,
        start,
        region: region.map(str::trim).filter(|r| !r.is_empty()),
    };
    let made = store.write(Perm::GroupEdit, |tx, op| {
        sl::launch(tx, op, now.timestamp(), &ctx.rules.launch, &new)
    })?;
    let status = launched(ctx, store, name)?;
    println!(
        "{}",
        fill(
            &t.launch.launched,
            &[
                ("name", &name),
                ("id", &made.group_id),
                ("start", &start),
                ("opens", &made.opens),
                ("step", &t.launch.next_step(status.next_step())),
            ],
        )
    );
    if made.template.is_none() {
        eprintln!("{}", fill(&t.launch.no_template, &[("kind", &kind)]));
    }
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
pub fn plan(
    ctx: &Ctx,
    store: &mut Store,
    name: &str,
    phase: Option<&str>,
    days: Option<u32>,
    start: Option<NaiveDate>,
    positioning: Option<&str>,
    region: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let t = texts(ctx);
    if phase.is_none() && start.is_none() && positioning.is_none() && region.is_none() {
        return Err(UserError(t.launch.plan_nothing.clone()).into());
    }
    let phase_days = match (phase, days) {
        (Some(p), Some(n)) => {
            if !(1..=MAX_PHASE_DAYS).contains(&n) {
                return Err(UserError(fill(
                    &t.launch.bad_days,
                    &[("max", &MAX_PHASE_DAYS), ("days", &n)],
                ))
                .into());
            }
            Some((phase_arg(ctx, p)?, n))
        }
        _ => None,
    };
    let positioning = positioning.map(str::trim);
    check_positioning(t, positioning)?;
    launched(ctx, store, name)?;
    let edit = PlanEdit {
        phase_days,
        start,
        positioning,
        region,
    };
    let now = ctx.now();
    let opens = store.write(Perm::GroupEdit, |tx, op| {
        sl::edit_plan(tx, op, now, ctx.tz, &ctx.rules.launch, name, &edit)
    })?;
    println!(
        "{}",
        fill(&t.launch.plan_saved, &[("name", &name), ("opens", &opens)])
    );
    Ok(ExitCode::SUCCESS)
}

/// A kit row as `group kit NAME` prints it.
#[derive(Debug, Serialize)]
struct KitLine {
    item: String,
    state: String,
    expires: Option<String>,
    text: Option<String>,
    done_by: Option<String>,
}

pub fn kit(
    ctx: &Ctx,
    store: &mut Store,
    name: &str,
    cmd: Option<&KitCmd>,
) -> anyhow::Result<ExitCode> {
    let t = texts(ctx);
    let status = launched(ctx, store, name)?;
    let name = status.group.as_str();
    let now = ctx.now();
    let at = now.timestamp();
    let progress = |store: &Store| -> (usize, usize) {
        launched(ctx, store, name).map_or((0, 0), |s| (s.kit_done, s.kit_total))
    };
    let item_name = |code: &str| LaunchTexts::of(&t.launch.items, code).to_string();
    match cmd {
        None => {
            let rows = sl::kit(store.conn(), status.group_id)?;
            let lines: Vec<KitLine> = rows
                .into_iter()
                .map(|k| KitLine {
                    item: k.item,
                    state: k.state,
                    expires: k.expires_on,
                    text: k.text,
                    done_by: k.done_by,
                })
                .collect();
            match ctx.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&lines)?),
                Format::Csv => {
                    let mut recs = vec![vec![
                        "item".to_string(),
                        "state".into(),
                        "expires".into(),
                        "done_by".into(),
                        "text".into(),
                    ]];
                    for l in &lines {
                        recs.push(vec![
                            l.item.clone(),
                            l.state.clone(),
                            l.expires.clone().unwrap_or_default(),
                            l.done_by.clone().unwrap_or_default(),
                            l.text.clone().unwrap_or_default(),
                        ]);
                    }
                    write_csv(ctx, recs)?;
                }
                Format::Table => {
                    let raw = status.positioning.clone().unwrap_or_default();
                    let parsed = parse_positioning(&raw).ok();
                    let headers = [
                        t.launch.col_item.clone(),
                        t.launch.col_state.clone(),
                        t.launch.col_expires.clone(),
                        t.launch.col_text.clone(),
                    ];
                    let cells: Vec<Vec<String>> = lines
                        .iter()
                        .map(|l| {
                            let first = l
                                .text
                                .as_deref()
                                .map(|x| dl::fill_text(x, name, parsed.as_ref(), &raw))
                                .and_then(|x| {
                                    x.lines()
                                        .next()
                                        .map(|x| x.chars().take(30).collect::<String>())
                                })
                                .unwrap_or_default();
                            vec![
                                item_name(&l.item),
                                if l.state == "done" { "✓" } else { "·" }.to_string()
                                    + " "
                                    + t.enum_text(&l.state),
                                l.expires.clone().unwrap_or_default(),
                                first,
                            ]
                        })
                        .collect();
                    table(&headers, &cells)?;
                }
            }
        }
        Some(KitCmd::Done { item } | KitCmd::Undo { item }) => {
            let done = matches!(cmd, Some(KitCmd::Done { .. }));
            let item = item_arg(ctx, item)?;
            store.write(Perm::GroupEdit, |tx, op| {
                sl::kit_done(tx, op, at, name, &item, done)
            })?;
            let (d, n) = progress(store);
            let template = if done {
                &t.launch.kit_done
            } else {
                &t.launch.kit_undone
            };
            println!(
                "{}",
                fill(
                    template,
                    &[
                        ("name", &name),
                        ("item", &item_name(&item)),
                        ("done", &d),
                        ("total", &n)
                    ]
                )
            );
        }
        Some(KitCmd::Text { item, file }) => {
            let item = item_arg(ctx, item)?;
            let text = read_text(ctx, file)?;
            if text.trim().is_empty() {
                return Err(UserError(fill(
                    &t.launch.kit_empty_text,
                    &[("file", &file.display())],
                ))
                .into());
            }
            store.write(Perm::GroupEdit, |tx, op| {
                sl::kit_text(tx, op, at, name, &item, text.trim_end())
            })?;
            let (d, n) = progress(store);
            println!(
                "{}",
                fill(
                    &t.launch.kit_text_saved,
                    &[
                        ("name", &name),
                        ("item", &item_name(&item)),
                        ("done", &d),
                        ("total", &n)
                    ]
                )
            );
        }
        Some(KitCmd::Show { item }) => {
            let item = item_arg(ctx, item)?;
            let row = sl::kit(store.conn(), status.group_id)?
                .into_iter()
                .find(|k| k.item == item);
            let Some(text) = row.and_then(|k| k.text) else {
                return Err(UserError(fill(
                    &t.launch.kit_no_text,
                    &[("item", &item_name(&item)), ("code", &item)],
                ))
                .into());
            };
            let raw = status.positioning.clone().unwrap_or_default();
            let parsed = parse_positioning(&raw).ok();
            println!("{}", dl::fill_text(&text, name, parsed.as_ref(), &raw));
        }
        Some(KitCmd::Qr { expires }) => {
            let today = local_day(now, ctx.tz);
            let expires = match expires {
                Some(d) if *d <= today => {
                    return Err(UserError(fill(&t.launch.qr_past, &[("expires", d)])).into());
                }
                Some(d) => Some(*d),
                // a personal-WeChat group's code lasts 7 days; a 企业微信 活码 does not expire
                None => dl::qr_expiry(&status.platform, today, ctx.rules.launch.qr.valid_days),
            };
            store.write(Perm::GroupEdit, |tx, op| {
                sl::kit_qr(tx, op, now, ctx.tz, &ctx.rules.launch, name, expires)
            })?;
            match expires {
                Some(d) => {
                    let due = sl::renewal_due(&ctx.rules.launch, ctx.tz, d)
                        .map(|s| s.max(at))
                        .and_then(|s| ctx.local_time(s))
                        .unwrap_or_default();
                    let due = due.get(..16).unwrap_or(&due).replace('T', " ");
                    println!(
                        "{}",
                        fill(
                            &t.launch.qr_saved,
                            &[("name", &name), ("expires", &d), ("due", &due)]
                        )
                    );
                }
                None => println!("{}", fill(&t.launch.qr_no_expiry, &[("name", &name)])),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A file's text, or stdin's for `-`.
fn read_text(ctx: &Ctx, file: &Path) -> anyhow::Result<String> {
    if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        return Ok(s);
    }
    std::fs::read_to_string(file).map_err(|e| {
        let t = &texts(ctx).errors;
        UserError(fill(&t.read_file, &[("file", &file.display()), ("e", &e)])).into()
    })
}

/// One phase of one group, for CSV.
#[derive(Debug, Serialize)]
struct PhaseLine<'a> {
    group: &'a str,
    phase: &'static str,
    from: NaiveDate,
    due: NaiveDate,
    days: u32,
    state: &'static str,
    value: Option<f64>,
    bar: f64,
    task: Option<i64>,
}

pub fn status(ctx: &Ctx, store: &Store, name: Option<&str>) -> anyhow::Result<ExitCode> {
    let t = &texts(ctx).launch;
    let rows = match name {
        Some(n) => vec![launched(ctx, store, n)?],
        None => sl::board(
            store.conn(),
            local_day(ctx.now(), ctx.tz),
            ctx.tz,
            &ctx.rules.launch,
            None,
        )?,
    };
    match ctx.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Csv => {
            let mut recs = vec![
                [
                    "group", "phase", "from", "due", "days", "state", "value", "bar", "task",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for s in &rows {
                for p in &s.phases {
                    let l = PhaseLine {
                        group: &s.group,
                        phase: p.phase.word(),
                        from: p.from,
                        due: p.due,
                        days: p.days,
                        state: p.state.word(),
                        value: p.value,
                        bar: p.bar,
                        task: p.task,
                    };
                    recs.push(vec![
                        l.group.to_string(),
                        l.phase.into(),
                        l.from.to_string(),
                        l.due.to_string(),
                        l.days.to_string(),
                        l.state.into(),
                        l.value.map(|v| format!("{v:.4}")).unwrap_or_default(),
                        l.bar.to_string(),
                        l.task.map(|v| v.to_string()).unwrap_or_default(),
                    ]);
                }
            }
            write_csv(ctx, recs)?;
        }
        Format::Table if rows.is_empty() => println!("{}", t.none),
        Format::Table if name.is_some() => {
            for s in &rows {
                println!(
                    "{} · {}: {}",
                    s.group,
                    t.positioning,
                    s.positioning.as_deref().unwrap_or(&t.no_positioning)
                );
                let headers = [
                    t.col_phase.clone(),
                    t.col_dates.clone(),
                    t.col_state.clone(),
                    t.col_metric.clone(),
                ];
                let cells: Vec<Vec<String>> = s
                    .phases
                    .iter()
                    .map(|p| {
                        vec![
                            LaunchTexts::of(&t.phases, p.phase.word()).to_string(),
                            format!("{} – {}", p.from.format("%m-%d"), p.due.format("%m-%d")),
                            format!(
                                "{} {}",
                                p.state.mark(),
                                LaunchTexts::of(&t.states, p.state.word())
                            ),
                            format!(
                                "{} {}",
                                LaunchTexts::of(&t.metrics, p.phase.word()),
                                dl::against_bar(p.phase, p.value, p.bar)
                            ),
                        ]
                    })
                    .collect();
                table(&headers, &cells)?;
                println!("{}", t.next_step(s.next_step()));
            }
        }
        Format::Table => {
            let headers = [
                t.col_group.clone(),
                t.col_phase.clone(),
                t.col_kit.clone(),
                t.col_next.clone(),
            ];
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|s| {
                    vec![
                        s.group.clone(),
                        s.phases.iter().map(|p| p.state.mark()).collect::<String>(),
                        format!("{}/{}", s.kit_done, s.kit_total),
                        t.next_step(s.next_step()),
                    ]
                })
                .collect();
            table(&headers, &cells)?;
            println!("{}", t.legend);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Refused unless the group named is in launch (before its file is read).
pub fn require_launched(ctx: &Ctx, store: &Store, name: &str) -> Result<(), UserError> {
    launched(ctx, store, name).map(|_| ())
}

/// Store the answers `import answers` read (all of the file: a bad row refused it
/// before this) and say what the group's valid share is now.
pub fn import_answers(
    ctx: &Ctx,
    store: &mut Store,
    label: &str,
    group: &str,
    answers: &[dl::NewAnswer],
) -> anyhow::Result<ExitCode> {
    let t = &texts(ctx).launch;
    let at = ctx.now().timestamp();
    let got = store.write(Perm::Import, |tx, op| {
        sl::import_answers(tx, op, at, group, label, answers)
    })?;
    let status = launched(ctx, store, group)?;
    let share = status
        .phases
        .iter()
        .find(|p| p.phase == Phase::Screen)
        .and_then(|p| p.value)
        .map_or_else(|| "—".to_string(), |v| Phase::Screen.show(v));
    println!(
        "{}",
        fill(
            &t.answers_imported,
            &[
                ("file", &label),
                ("added", &got.added),
                ("duplicates", &got.duplicates),
                ("group", &status.group),
                ("share", &share),
            ],
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// At the start of a command: make the Today task of a phase that became late (once),
/// set aside the task of one that has passed since. Writes only when there is something
/// to write.
pub fn judge_if_needed(ctx: &Ctx, store: &mut Store) -> anyhow::Result<()> {
    let now = ctx.now();
    if sl::needs_judging(store.conn(), now, ctx.tz, &ctx.rules.launch)? {
        store.upkeep(|tx, op| sl::judge(tx, op, now, ctx.tz, &ctx.rules.launch))?;
    }
    Ok(())
}
