//! The concurrency harness (issue 13): N writer processes, each running M mixed `shequn`
//! commands one after another on one database, while two consoles are open on it in
//! pseudo-terminals; then every command that succeeded is checked against its rows and
//! its audit rows. Shared by `tests/it/concurrency.rs` (CI: 4 × 50) and
//! `benches/concurrency.rs` (8 × 1,000), which include this file and `pty.rs` by path,
//! as siblings (`super::pty`).
//!
//! The writes, each process's sequence drawn from a fixed seed:
//! - the day's SOP items: `sop done`, `sop undo`, `sop claim` (which toggles) on items
//!   every process works on, and on a few items of each process's own, whose every exit
//!   code is known in advance;
//! - content: `submit`, `approve` and `unschedule` of the demo colleagues' items, which
//!   every process works on (all processes run as the same OS login, the demo's owner,
//!   so approving — which needs someone other than the author — is done on items others
//!   wrote); each process's own items go `add`, `edit` at the version `add` printed,
//!   `edit` again at that now stale version (refused: exit 1, nothing written),
//!   `submit`;
//! - reminders: `snooze` and `dismiss` of team reminders every process works on; each
//!   process's own go `add`, `snooze`, `dismiss`, and `dismiss` again (refused);
//! - `import chat` of files every process imports (exactly one finds the messages, the
//!   others find them all duplicates) and of files of its own.
//!
//! What counts as a failure:
//! - an exit code other than 0 or 1, or 1 without a message; exit 2 "database is busy"
//!   is counted and printed as a busy error;
//! - an exit code other than the one predicted, on a process's own items;
//! - a lost update: a command that exited 0 without its audit row (naming the login,
//!   the action and the entity), a chain of audit rows whose `old` is not what the row
//!   before left (two writers that both read the same state), a row whose version or
//!   final state is not what its audited changes add up to, one of a process's own items
//!   not as its last successful command left it;
//! - a refused stale edit whose words reached the database;
//! - a shared file imported by more or fewer than one process, or messages not stored
//!   exactly once;
//! - `PRAGMA integrity_check` not `ok`, or any `foreign_key_check` row;
//! - a console that does not answer a key within 5 s during the run or 1 s at the end,
//!   draws nothing while the others write, shows another done count than the database
//!   at the end, or does not exit 0 within 5 s of `q`.
//!
//! Printed: the commands and time taken, busy errors, lost updates, refusals, the
//! imports, the two checks, p50/p95/max latency per kind of command, the consoles'
//! answers.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

use super::pty::{Pty, Spec};

/// One run of the harness.
pub struct Config<'a> {
    /// The `shequn` binary.
    pub bin: &'a Path,
    /// A demo database (`shequn demo` at `now`); the run writes to it.
    pub db: &'a Path,
    /// Writer processes at the same time.
    pub procs: usize,
    /// Commands per writer process.
    pub ops: usize,
    pub seed: u64,
    /// `SHEQUN_NOW` of every command and console: the day's items stay open, nothing
    /// expires or falls due while the run lasts.
    pub now: &'a str,
}

/// What the run printed and what failed.
#[derive(Debug, Default)]
pub struct Outcome {
    pub lines: Vec<String>,
    pub failures: Vec<String>,
}

impl Outcome {
    fn line(&mut self, s: String) {
        println!("{s}");
        self.lines.push(s);
    }

    fn fail(&mut self, s: String) {
        println!("FAIL {s}");
        self.failures.push(s);
    }
}

/// The group the import files go to (made by the first import).
const IMPORT_GROUP: &str = "并发测试群";
/// Messages per import file.
const FILE_MESSAGES: usize = 40;
const CONSOLE_LANG: &str = "zh_CN.UTF-8";
const LOADING: &str = "加载中…";
/// The deadline for a console's answer to a key while the writers run, and after.
const ANSWER_DURING: Duration = Duration::from_secs(5);
const ANSWER_AFTER: Duration = Duration::from_secs(1);

/// A fixed-seed generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// A kind of command, for the latency table and the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    SopDone,
    SopUndo,
    SopClaim,
    ContentAdd,
    ContentEdit,
    ContentEditStale,
    ContentSubmit,
    ContentApprove,
    ContentUnschedule,
    RemindAdd,
    RemindSnooze,
    RemindDismiss,
    ImportShared,
    ImportOwn,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::SopDone => "sop done",
            Kind::SopUndo => "sop undo",
            Kind::SopClaim => "sop claim",
            Kind::ContentAdd => "content add",
            Kind::ContentEdit => "content edit",
            Kind::ContentEditStale => "content edit (stale version)",
            Kind::ContentSubmit => "content submit",
            Kind::ContentApprove => "content approve",
            Kind::ContentUnschedule => "content unschedule",
            Kind::RemindAdd => "remind add",
            Kind::RemindSnooze => "remind snooze",
            Kind::RemindDismiss => "remind dismiss",
            Kind::ImportShared => "import chat (shared file)",
            Kind::ImportOwn => "import chat (own file)",
        }
    }

    /// The audit action a success of this kind writes (`sop claim` writes `claim` or
    /// `unclaim`, counted together).
    fn action(self) -> &'static str {
        match self {
            Kind::SopDone => "done",
            Kind::SopUndo => "undo",
            Kind::SopClaim => "claim",
            Kind::ContentAdd => "add",
            Kind::ContentEdit | Kind::ContentEditStale => "edit",
            Kind::ContentSubmit => "submit",
            Kind::ContentApprove => "approve",
            Kind::ContentUnschedule => "unschedule",
            Kind::RemindAdd => "add",
            Kind::RemindSnooze => "snooze",
            Kind::RemindDismiss => "dismiss",
            Kind::ImportShared | Kind::ImportOwn => "import",
        }
    }
}

/// What a planned command works on.
#[derive(Debug, Clone, Copy)]
enum Step {
    SopShared(Kind, i64),
    SopOwn(Kind, i64),
    ContentShared(Kind, i64),
    /// The next step of the process's own content item.
    ContentOwn,
    RemindShared(Kind, i64),
    /// The next step of the process's own reminder.
    RemindOwn,
    ImportShared(usize),
    /// An import file of the process's own, by its index among all own files.
    ImportOwn(usize),
}

/// What the setup found and made.
struct World {
    login: String,
    day_items: usize,
    shared_sop: Vec<i64>,
    /// Per process.
    own_sop: Vec<Vec<i64>>,
    shared_content: Vec<i64>,
    content_group: String,
    shared_reminders: Vec<i64>,
    shared_files: Vec<PathBuf>,
    /// Per process.
    own_files: Vec<Vec<PathBuf>>,
    /// The last audit row before the run.
    audit_before: i64,
    /// (state, done_by, claimed_by, version) of every SOP item worked on.
    sop_before: HashMap<i64, SopRow>,
    /// (state, version) of the shared content items.
    content_before: HashMap<i64, (String, i64)>,
    /// (state, version) of the shared reminders.
    reminders_before: HashMap<i64, (String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct SopRow {
    state: String,
    done_by: Option<String>,
    claimed_by: Option<String>,
    version: i64,
}

/// One command as it ran.
#[derive(Debug, Clone)]
struct Ran {
    proc: usize,
    kind: Kind,
    target: Option<i64>,
    /// Import file.
    file: Option<PathBuf>,
    args: Vec<String>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Ran {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }

    fn busy(&self) -> bool {
        self.code == Some(2) && self.stderr.contains("database is busy")
    }

    fn said(&self) -> String {
        format!(
            "p{} `shequn {}` exit {:?}: {}",
            self.proc,
            self.args.join(" "),
            self.code,
            first_line(if self.stderr.trim().is_empty() {
                &self.stdout
            } else {
                &self.stderr
            })
        )
    }
}

fn first_line(s: &str) -> &str {
    s.trim().lines().next().unwrap_or_default()
}

/// What a process's own content item should be after its steps.
#[derive(Debug, Clone, Default)]
struct OwnContent {
    id: i64,
    title: String,
    /// The version its last success printed.
    version: i64,
    state: String,
    /// Audit actions of its successes, in order.
    actions: Vec<&'static str>,
    /// The title the refused stale edit tried.
    stale_title: Option<String>,
    /// The next step: 0 add, 1 edit, 2 stale edit, 3 submit.
    step: u8,
}

/// What a process's own reminder should be after its steps.
#[derive(Debug, Clone, Default)]
struct OwnReminder {
    id: i64,
    title: String,
    state: String,
    actions: Vec<&'static str>,
    /// The next step: 0 add, 1 snooze, 2 dismiss, 3 dismiss again.
    step: u8,
}

/// One writer process's record.
#[derive(Debug, Default)]
struct Worker {
    ran: Vec<Ran>,
    contents: Vec<OwnContent>,
    reminders: Vec<OwnReminder>,
    /// Own SOP items: (done, claimed) as predicted.
    sop: BTreeMap<i64, (bool, bool)>,
    /// Problems found while running (an unexpected exit code on own items).
    problems: Vec<String>,
}

/// Runs the harness; `Err` only when it could not run at all (the setup failed).
pub fn run(cfg: &Config<'_>) -> anyhow::Result<Outcome> {
    let mut out = Outcome::default();
    let work = tempfile::Builder::new()
        .prefix("shequn-concurrency-")
        .tempdir()
        .context("a working directory")?;
    let world = setup(cfg, work.path())?;
    out.line(format!(
        "concurrency: {} processes × {} mixed writes, 2 consoles open; {} SOP items of the day \
         ({} shared, {} own), {} shared content items, {} shared team reminders, {} shared \
         import files ({} messages each)",
        cfg.procs,
        cfg.ops,
        world.day_items,
        world.shared_sop.len(),
        world.own_sop.iter().map(Vec::len).sum::<usize>(),
        world.shared_content.len(),
        world.shared_reminders.len(),
        world.shared_files.len(),
        FILE_MESSAGES,
    ));

    let consoles = [
        open_console(cfg).context("starting console 1")?,
        open_console(cfg).context("starting console 2")?,
    ];
    let drawn_before: Vec<u64> = consoles.iter().map(Pty::bytes).collect();
    let plans: Vec<Vec<Step>> = (0..cfg.procs).map(|p| plan(cfg, &world, p)).collect();

    let started = Instant::now();
    let running = AtomicBool::new(true);
    let probes = Mutex::new(Vec::<(usize, Result<Duration, String>)>::new());
    let workers: Vec<Worker> = std::thread::scope(|s| {
        let probe = s.spawn(|| probe_while(&consoles, &running, &probes));
        let handles: Vec<_> = plans
            .iter()
            .enumerate()
            .map(|(p, steps)| {
                let world = &world;
                let home = work.path().join(format!("home-{p}"));
                s.spawn(move || work_through(cfg, world, &home, p, steps))
            })
            .collect();
        let workers = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Worker::panicked()))
            .collect();
        running.store(false, Ordering::Relaxed);
        let _ = probe.join();
        workers
    });
    let wall = started.elapsed();
    let all: Vec<&Ran> = workers.iter().flat_map(|w| &w.ran).collect();
    out.line(format!(
        "{} commands in {:.1} s ({:.0} commands/s)",
        all.len(),
        wall.as_secs_f64(),
        all.len() as f64 / wall.as_secs_f64()
    ));

    report_exits(&mut out, &workers, &all);
    consoles_after(&mut out, cfg, consoles, &drawn_before, &probes)?;
    verify(&mut out, cfg, &world, &workers, &all)?;
    latency(&mut out, &all);
    Ok(out)
}

impl Worker {
    fn panicked() -> Worker {
        Worker {
            problems: vec!["a writer thread panicked".into()],
            ..Worker::default()
        }
    }
}

// ---------------------------------------------------------------------------------
// Setup

fn setup(cfg: &Config<'_>, dir: &Path) -> anyhow::Result<World> {
    ensure!(cfg.procs > 0 && cfg.ops > 0, "no processes or no writes");
    let home = dir.join("home-setup");
    let login = whoami::username();
    let today = json_of(cfg, &home, &["sop", "today"])?;
    let mut items: Vec<i64> = today
        .as_array()
        .context("sop today: not a list")?
        .iter()
        .filter(|r| r["state"] == "todo")
        .filter_map(|r| r["id"].as_i64())
        .collect();
    items.sort_unstable();
    // a few items per process of its own; at least half of them shared
    let own_n = (items.len() / 2 / cfg.procs).clamp(1, 3);
    ensure!(
        items.len() >= own_n * cfg.procs + 4,
        "only {} open SOP items today; the harness needs {}",
        items.len(),
        own_n * cfg.procs + 4
    );
    let own_sop: Vec<Vec<i64>> = (0..cfg.procs)
        .map(|p| items[p * own_n..(p + 1) * own_n].to_vec())
        .collect();
    let shared_sop = items[own_n * cfg.procs..].to_vec();

    // colleagues' items not yet published: submit, approve and unschedule go round
    let content = json_of(cfg, &home, &["content", "list"])?;
    let rows = content.as_array().context("content list: not a list")?;
    let shared_content: Vec<i64> = rows
        .iter()
        .filter(|r| r["author"].as_str().is_some_and(|a| a != login))
        .filter(|r| matches!(r["state"].as_str(), Some("draft" | "review" | "scheduled")))
        .filter_map(|r| r["id"].as_i64())
        .collect();
    ensure!(
        !shared_content.is_empty(),
        "no colleague's content item to work on"
    );
    let groups = json_of(cfg, &home, &["group", "list"])?;
    let content_group = groups
        .as_array()
        .and_then(|g| g.first())
        .and_then(|g| g["name"].as_str())
        .context("no group in the database")?
        .to_string();

    let n_reminders = (cfg.procs * cfg.ops / 40).max(4);
    let mut shared_reminders = Vec::new();
    for k in 0..n_reminders {
        let title = format!("cc-team-{k}");
        let v = json_of(
            cfg,
            &home,
            &["remind", "add", "--team", "--at", "3h", "--title", &title],
        )?;
        shared_reminders.push(
            v.get(0)
                .and_then(|r| r["id"].as_i64())
                .context("remind add printed no id")?,
        );
    }

    let files = (cfg.ops / 25).max(1);
    let shared_files: Vec<PathBuf> = (0..files)
        .map(|k| write_chat(dir, &format!("shared-{k}"), k))
        .collect::<anyhow::Result<_>>()?;
    let own_files: Vec<Vec<PathBuf>> = (0..cfg.procs)
        .map(|p| {
            (0..files)
                .map(|k| {
                    let n = files + p * files + k;
                    write_chat(dir, &format!("p{p}-{k}"), n)
                })
                .collect::<anyhow::Result<_>>()
        })
        .collect::<anyhow::Result<_>>()?;

    let conn = open_ro(cfg.db)?;
    let audit_before: i64 =
        conn.query_row("SELECT coalesce(max(id), 0) FROM audit", [], |r| r.get(0))?;
    let mut sop_before = HashMap::new();
    for &id in &items {
        sop_before.insert(id, sop_row(&conn, id)?);
    }
    let mut content_before = HashMap::new();
    for &id in &shared_content {
        content_before.insert(
            id,
            conn.query_row(
                "SELECT state, version FROM content_items WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?,
        );
    }
    let mut reminders_before = HashMap::new();
    for &id in &shared_reminders {
        reminders_before.insert(id, reminder_row(&conn, id)?);
    }
    Ok(World {
        login,
        day_items: rows_len(&today),
        shared_sop,
        own_sop,
        shared_content,
        content_group,
        shared_reminders,
        shared_files,
        own_files,
        audit_before,
        sop_before,
        content_before,
        reminders_before,
    })
}

fn rows_len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

/// A WeChatMsg export of [`FILE_MESSAGES`] messages, file number `n`: its own export
/// ids and times, every text starting `cc-f{n}-` so its stored messages can be counted.
fn write_chat(dir: &Path, name: &str, n: usize) -> anyhow::Result<PathBuf> {
    let path = dir.join(format!("{name}.csv"));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
    writeln!(
        f,
        "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
    )?;
    // 2026-02-01 00:00 UTC, one file an hour on from there, a message a minute
    let base = 1_769_904_000 + n as i64 * 3_600;
    for i in 0..FILE_MESSAGES {
        let t = base + i as i64 * 60;
        let local = chrono::DateTime::from_timestamp(t + 8 * 3_600, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        let who = i % 7;
        writeln!(
            f,
            "{},cc@chatroom,1,0,0,{t},2,cc-f{n}-m{i} 大家好,{local},,并发成员{who},wxid_cc{who}",
            n * 1_000 + i
        )?;
    }
    f.flush()?;
    Ok(path)
}

fn open_ro(db: &Path) -> anyhow::Result<Connection> {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", db.display()))
}

fn sop_row(conn: &Connection, id: i64) -> rusqlite::Result<SopRow> {
    conn.query_row(
        "SELECT state, done_by, claimed_by, version FROM sop_instances WHERE id = ?1",
        [id],
        |r| {
            Ok(SopRow {
                state: r.get(0)?,
                done_by: r.get(1)?,
                claimed_by: r.get(2)?,
                version: r.get(3)?,
            })
        },
    )
}

fn reminder_row(conn: &Connection, id: i64) -> rusqlite::Result<(String, i64)> {
    conn.query_row(
        "SELECT state, version FROM reminders WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

// ---------------------------------------------------------------------------------
// Commands

/// A command-line `shequn` on the database, with a private home, `LANG=C.UTF-8` and
/// the fixed clock.
fn command(cfg: &Config<'_>, home: &Path, args: &[String]) -> Command {
    let mut cmd = Command::new(cfg.bin);
    cmd.arg("--db")
        .arg(cfg.db)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("LANG", "C.UTF-8")
        .env("SHEQUN_NOW", cfg.now);
    cmd
}

/// Runs a command to its end: exit code, stdout, stderr, wall time.
fn exec(
    cfg: &Config<'_>,
    home: &Path,
    args: &[String],
    stdin: Option<&str>,
) -> (Option<i32>, String, String, Duration) {
    let t = Instant::now();
    let mut cmd = command(cfg, home, args);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let child = cmd.spawn();
    let out = child.and_then(|mut c| {
        if let (Some(text), Some(mut pipe)) = (stdin, c.stdin.take()) {
            pipe.write_all(text.as_bytes())?;
        }
        c.wait_with_output()
    });
    let took = t.elapsed();
    match out {
        Ok(o) => (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
            took,
        ),
        Err(e) => (None, String::new(), format!("could not run: {e}"), took),
    }
}

/// A setup command that must succeed, asked for JSON.
fn json_of(cfg: &Config<'_>, home: &Path, args: &[&str]) -> anyhow::Result<Value> {
    let mut a: Vec<String> = args.iter().map(ToString::to_string).collect();
    a.extend(["--format".into(), "json".into()]);
    let (code, stdout, stderr, _) = exec(cfg, home, &a, None);
    if code != Some(0) {
        bail!("shequn {} exited {code:?}: {}", a.join(" "), stderr.trim());
    }
    serde_json::from_str(&stdout).with_context(|| format!("shequn {}: not JSON", a.join(" ")))
}

/// Process `p`'s commands, from the seed: its shared and own imports at random places,
/// the rest drawn by weight.
fn plan(cfg: &Config<'_>, w: &World, p: usize) -> Vec<Step> {
    let mut rng = Rng(cfg.seed ^ (p as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mut steps: Vec<Option<Step>> = vec![None; cfg.ops];
    let imports: Vec<Step> = (0..w.shared_files.len())
        .map(Step::ImportShared)
        .chain((0..w.own_files[p].len()).map(Step::ImportOwn))
        .take(cfg.ops)
        .collect();
    for s in imports {
        // a free place (there is one: imports take at most all of them)
        let mut at = rng.below(cfg.ops);
        while steps[at].is_some() {
            at = (at + 1) % cfg.ops;
        }
        steps[at] = Some(s);
    }
    let sop_kinds = [
        Kind::SopDone,
        Kind::SopDone,
        Kind::SopUndo,
        Kind::SopUndo,
        Kind::SopClaim,
    ];
    let content_kinds = [
        Kind::ContentSubmit,
        Kind::ContentApprove,
        Kind::ContentUnschedule,
    ];
    steps
        .into_iter()
        .map(|s| {
            s.unwrap_or_else(|| match rng.below(100) {
                0..30 => Step::SopShared(rng.pick(&sop_kinds), rng.pick(&w.shared_sop)),
                30..45 => Step::SopOwn(rng.pick(&sop_kinds), rng.pick(&w.own_sop[p])),
                45..60 => {
                    Step::ContentShared(rng.pick(&content_kinds), rng.pick(&w.shared_content))
                }
                60..72 => Step::ContentOwn,
                72..86 => {
                    // snooze more often than dismiss: a dismissal ends a reminder
                    let kind = if rng.below(10) < 7 {
                        Kind::RemindSnooze
                    } else {
                        Kind::RemindDismiss
                    };
                    Step::RemindShared(kind, rng.pick(&w.shared_reminders))
                }
                _ => Step::RemindOwn,
            })
        })
        .collect()
}

fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(ToString::to_string).collect()
}

/// Runs process `p`'s commands one after another.
fn work_through(cfg: &Config<'_>, w: &World, home: &Path, p: usize, steps: &[Step]) -> Worker {
    let mut me = Worker::default();
    for &id in &w.own_sop[p] {
        me.sop.insert(id, (false, false));
    }
    let mut content = OwnContent::default();
    let mut reminder = OwnReminder::default();
    for (n, step) in steps.iter().enumerate() {
        match *step {
            Step::SopShared(kind, id) => {
                me.run(cfg, home, p, kind, Some(id), sop_args(kind, id), None, None);
            }
            Step::SopOwn(kind, id) => {
                let (done, claimed) = me.sop.get(&id).copied().unwrap_or_default();
                let (expect, next) = match kind {
                    Kind::SopDone if !done => (0, (true, false)),
                    Kind::SopUndo if done => (0, (false, claimed)),
                    Kind::SopClaim if claimed => (0, (done, false)),
                    Kind::SopClaim if !done => (0, (done, true)),
                    _ => (1, (done, claimed)),
                };
                let r = me.run(
                    cfg,
                    home,
                    p,
                    kind,
                    Some(id),
                    sop_args(kind, id),
                    None,
                    Some(expect),
                );
                if r.code == Some(expect) && expect == 0 {
                    me.sop.insert(id, next);
                }
            }
            Step::ContentShared(kind, id) => {
                let verb = kind.action();
                me.run(
                    cfg,
                    home,
                    p,
                    kind,
                    Some(id),
                    strings(&["content", verb, &id.to_string()]),
                    None,
                    None,
                );
            }
            Step::ContentOwn => me.content_step(cfg, w, home, p, n, &mut content),
            Step::RemindShared(kind, id) => {
                let mut args = strings(&["remind", kind.action(), &id.to_string()]);
                if kind == Kind::RemindSnooze {
                    args.extend(strings(&["--minutes", "5"]));
                }
                me.run(cfg, home, p, kind, Some(id), args, None, None);
            }
            Step::RemindOwn => me.reminder_step(cfg, home, p, n, &mut reminder),
            Step::ImportShared(k) | Step::ImportOwn(k) => {
                let shared = matches!(step, Step::ImportShared(_));
                let (file, kind) = if shared {
                    (&w.shared_files[k], Kind::ImportShared)
                } else {
                    (&w.own_files[p][k], Kind::ImportOwn)
                };
                let args = vec![
                    "import".into(),
                    "chat".into(),
                    file.display().to_string(),
                    "--group".into(),
                    IMPORT_GROUP.into(),
                    "--format".into(),
                    "json".into(),
                ];
                me.run(cfg, home, p, kind, None, args, None, Some(0));
                if let Some(last) = me.ran.last_mut() {
                    last.file = Some(file.clone());
                }
            }
        }
    }
    // chains cut short by the end of the run are checked as far as they went
    if content.id != 0 {
        me.contents.push(content);
    }
    if reminder.id != 0 {
        me.reminders.push(reminder);
    }
    me
}

fn sop_args(kind: Kind, id: i64) -> Vec<String> {
    let verb = match kind {
        Kind::SopDone => "done",
        Kind::SopUndo => "undo",
        _ => "claim",
    };
    strings(&["sop", verb, &id.to_string(), "--format", "json"])
}

/// The `id` and `version` a command printed as JSON (an object or a list of one).
fn printed(stdout: &str) -> Option<(i64, Option<i64>, Value)> {
    let v: Value = serde_json::from_str(stdout).ok()?;
    let o = if v.is_array() { v.get(0)?.clone() } else { v };
    Some((o["id"].as_i64()?, o["version"].as_i64(), o))
}

impl Worker {
    /// Runs one command and keeps it; a predicted exit code that did not come is a
    /// problem.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        cfg: &Config<'_>,
        home: &Path,
        p: usize,
        kind: Kind,
        target: Option<i64>,
        args: Vec<String>,
        stdin: Option<&str>,
        expect: Option<i32>,
    ) -> Ran {
        let (code, stdout, stderr, took) = exec(cfg, home, &args, stdin);
        let r = Ran {
            proc: p,
            kind,
            target,
            file: None,
            args,
            code,
            stdout,
            stderr,
            took,
        };
        if let Some(want) = expect
            && r.code != Some(want)
            && !r.busy()
        {
            self.problems
                .push(format!("expected exit {want}: {}", r.said()));
        }
        self.ran.push(r.clone());
        r
    }

    /// The next step of the process's own content item: add, edit, a stale edit,
    /// submit.
    fn content_step(
        &mut self,
        cfg: &Config<'_>,
        w: &World,
        home: &Path,
        p: usize,
        n: usize,
        c: &mut OwnContent,
    ) {
        match c.step {
            0 => {
                if c.id != 0 {
                    self.contents.push(std::mem::take(c));
                }
                let title = format!("cc-p{p}-c{n}");
                let args = strings(&[
                    "content",
                    "add",
                    "--title",
                    &title,
                    "--body-file",
                    "-",
                    "--kind",
                    "engage",
                    "--group",
                    &w.content_group,
                    "--slot",
                    "2026-03-20 20:00",
                    "--format",
                    "json",
                ]);
                let body = format!("并发测试 {title}");
                let r = self.run(
                    cfg,
                    home,
                    p,
                    Kind::ContentAdd,
                    None,
                    args,
                    Some(&body),
                    Some(0),
                );
                if let (true, Some((id, Some(v), _))) = (r.ok(), printed(&r.stdout)) {
                    if let Some(last) = self.ran.last_mut() {
                        last.target = Some(id);
                    }
                    *c = OwnContent {
                        id,
                        title,
                        version: v,
                        state: "draft".into(),
                        actions: vec!["add"],
                        stale_title: None,
                        step: 1,
                    };
                }
            }
            1 | 2 => {
                let stale = c.step == 2;
                let title = if stale {
                    format!("{}-stale", c.title)
                } else {
                    format!("{}-edited", c.title)
                };
                // the stale edit names the version before the edit
                let seen = if stale { c.version - 1 } else { c.version };
                let args = strings(&[
                    "content",
                    "edit",
                    &c.id.to_string(),
                    "--expect-version",
                    &seen.to_string(),
                    "--title",
                    &title,
                    "--format",
                    "json",
                ]);
                let kind = if stale {
                    Kind::ContentEditStale
                } else {
                    Kind::ContentEdit
                };
                let expect = i32::from(stale);
                let r = self.run(cfg, home, p, kind, Some(c.id), args, None, Some(expect));
                if stale {
                    c.stale_title = Some(title);
                    c.step = 3;
                } else if let (true, Some((_, Some(v), _))) = (r.ok(), printed(&r.stdout)) {
                    c.title = title;
                    c.version = v;
                    c.actions.push("edit");
                    c.step = 2;
                } else {
                    c.step = 0; // the chain is broken (a problem was noted); start another
                }
            }
            _ => {
                let args = strings(&["content", "submit", &c.id.to_string(), "--format", "json"]);
                let r = self.run(
                    cfg,
                    home,
                    p,
                    Kind::ContentSubmit,
                    Some(c.id),
                    args,
                    None,
                    Some(0),
                );
                if let (true, Some((_, Some(v), _))) = (r.ok(), printed(&r.stdout)) {
                    c.version = v;
                    c.state = "review".into();
                    c.actions.push("submit");
                }
                c.step = 0;
            }
        }
    }

    /// The next step of the process's own reminder: add, snooze, dismiss, dismiss
    /// again.
    fn reminder_step(
        &mut self,
        cfg: &Config<'_>,
        home: &Path,
        p: usize,
        n: usize,
        rm: &mut OwnReminder,
    ) {
        let id = rm.id.to_string();
        match rm.step {
            0 => {
                if rm.id != 0 {
                    self.reminders.push(std::mem::take(rm));
                }
                let title = format!("cc-p{p}-r{n}");
                let args = strings(&[
                    "remind", "add", "--at", "2h", "--title", &title, "--format", "json",
                ]);
                let r = self.run(cfg, home, p, Kind::RemindAdd, None, args, None, Some(0));
                if let (true, Some((id, _, _))) = (r.ok(), printed(&r.stdout)) {
                    if let Some(last) = self.ran.last_mut() {
                        last.target = Some(id);
                    }
                    *rm = OwnReminder {
                        id,
                        title,
                        state: "pending".into(),
                        actions: vec!["add"],
                        step: 1,
                    };
                }
            }
            1 => {
                let args = strings(&[
                    "remind",
                    "snooze",
                    &id,
                    "--minutes",
                    "5",
                    "--format",
                    "json",
                ]);
                let r = self.run(
                    cfg,
                    home,
                    p,
                    Kind::RemindSnooze,
                    Some(rm.id),
                    args,
                    None,
                    Some(0),
                );
                if r.ok() {
                    rm.state = "snoozed".into();
                    rm.actions.push("snooze");
                }
                rm.step = 2;
            }
            s => {
                let args = strings(&["remind", "dismiss", &id, "--format", "json"]);
                let again = s == 3;
                let r = self.run(
                    cfg,
                    home,
                    p,
                    Kind::RemindDismiss,
                    Some(rm.id),
                    args,
                    None,
                    Some(i32::from(again)),
                );
                // a second dismissal that went through is a problem (noted), and a change
                if r.ok() {
                    rm.state = "dismissed".into();
                    rm.actions.push("dismiss");
                }
                rm.step = if again { 0 } else { 3 };
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Consoles

/// A tab of the console: its key and words of its block's title, drawn at the left of
/// the second row (a reminder's toast sits in the top right corner and can cover the
/// column headers, never that).
struct Tab {
    key: &'static str,
    title: &'static str,
}

const TODAY: Tab = Tab {
    key: "1",
    title: "的 SOP",
};
const CONTENT: Tab = Tab {
    key: "3",
    title: "内容队列",
};
const REMINDERS: Tab = Tab {
    key: "5",
    title: "┌ 提醒",
};

/// The tab is on screen with its rows: its title in the second row's left part, and
/// nothing loading.
fn tab_shown(s: &vt100::Screen, tab: &Tab) -> bool {
    s.rows(0, 40).nth(1).is_some_and(|r| r.contains(tab.title)) && !s.contents().contains(LOADING)
}

fn open_console(cfg: &Config<'_>) -> anyhow::Result<Pty> {
    let spec = Spec {
        bin: cfg.bin,
        args: vec!["--db".into(), cfg.db.display().to_string()],
        cols: 100,
        rows: 30,
        lang: CONSOLE_LANG,
        env: vec![("SHEQUN_NOW".into(), cfg.now.into())],
    };
    let c = Pty::spawn(&spec).context("a console in a pty")?;
    c.wait_for(Instant::now(), Duration::from_secs(60), |s| {
        tab_shown(s, &TODAY)
    })
    .map_err(|screen| anyhow::anyhow!("the console never showed its Today tab: {screen}"))?;
    Ok(c)
}

/// Presses `tab`'s key and waits for its rows: how long the answer took.
fn press(c: &Pty, tab: &Tab, timeout: Duration) -> Result<Duration, String> {
    let t = Instant::now();
    c.send(tab.key).map_err(|e| e.to_string())?;
    c.wait_for(t, timeout, |s| tab_shown(s, tab))
}

/// While the writers run: every half second, each console in turn is sent the key of
/// another tab; how long until its rows are on screen.
fn probe_while(
    consoles: &[Pty],
    running: &AtomicBool,
    probes: &Mutex<Vec<(usize, Result<Duration, String>)>>,
) {
    let cycle = [&CONTENT, &TODAY, &REMINDERS, &TODAY];
    let mut n = 0;
    while running.load(Ordering::Relaxed) {
        for (i, c) in consoles.iter().enumerate() {
            let answer = press(c, cycle[n % cycle.len()], ANSWER_DURING);
            probes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((i, answer));
        }
        n += 1;
        let pause = Instant::now() + Duration::from_millis(500);
        while running.load(Ordering::Relaxed) && Instant::now() < pause {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// "完成 12/46" in the Today tab's title: the done count.
fn done_shown(s: &vt100::Screen) -> Option<usize> {
    let text = s.contents();
    let rest = &text[text.find("完成 ")? + "完成 ".len()..];
    let (done, _) = rest.split_once('/')?;
    done.trim().parse().ok()
}

/// After the writers: the consoles' answers during the run; each answers a key within
/// [`ANSWER_AFTER`], shows the done count the database has, and quits cleanly.
fn consoles_after(
    out: &mut Outcome,
    cfg: &Config<'_>,
    consoles: [Pty; 2],
    drawn_before: &[u64],
    probes: &Mutex<Vec<(usize, Result<Duration, String>)>>,
) -> anyhow::Result<()> {
    let probes = std::mem::take(&mut *probes.lock().unwrap_or_else(PoisonError::into_inner));
    for (i, c) in consoles.iter().enumerate() {
        let mine: Vec<&Result<Duration, String>> = probes
            .iter()
            .filter(|(k, _)| *k == i)
            .map(|(_, r)| r)
            .collect();
        let answered: Vec<f64> = mine
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(Duration::as_secs_f64)
            .collect();
        for r in &mine {
            if let Err(screen) = r {
                out.fail(format!(
                    "console {}: a key was not answered within {} s during the run: {screen}",
                    i + 1,
                    ANSWER_DURING.as_secs()
                ));
            }
        }
        let drawn = c.bytes() - drawn_before[i];
        out.line(format!(
            "console {}: during the run answered {} of {} tab keys, median {:.0} ms, max {:.0} ms; \
             drew {} kB",
            i + 1,
            answered.len(),
            mine.len(),
            median(&answered) * 1e3,
            answered.iter().copied().fold(0.0, f64::max) * 1e3,
            drawn / 1024
        ));
        if drawn == 0 {
            out.fail(format!("console {} drew nothing during the run", i + 1));
        }
    }
    // after the writers: a key each, within a second (from another tab, so it changes
    // the screen)
    for (i, c) in consoles.iter().enumerate() {
        for tab in [&CONTENT, &TODAY] {
            match press(c, tab, Duration::from_secs(10)) {
                Ok(d) if d <= ANSWER_AFTER => out.line(format!(
                    "console {}: key {} after the run answered in {:.0} ms (≤ {} s)",
                    i + 1,
                    tab.key,
                    d.as_secs_f64() * 1e3,
                    ANSWER_AFTER.as_secs()
                )),
                Ok(d) => out.fail(format!(
                    "console {}: key {} after the run answered in {:.2} s (> {} s)",
                    i + 1,
                    tab.key,
                    d.as_secs_f64(),
                    ANSWER_AFTER.as_secs()
                )),
                Err(screen) => out.fail(format!(
                    "console {}: key {} after the run not answered: {screen}",
                    i + 1,
                    tab.key
                )),
            }
        }
    }
    // the Today tabs show what the database has
    let home = std::env::temp_dir().join(format!("shequn-concurrency-{}", std::process::id()));
    let today = json_of(cfg, &home, &["sop", "today"])?;
    let _ = std::fs::remove_dir_all(&home);
    let done = today.as_array().map_or(0, |rows| {
        rows.iter().filter(|r| r["state"] == "done").count()
    });
    for (i, c) in consoles.iter().enumerate() {
        match c.wait_for(Instant::now(), Duration::from_secs(5), |s| {
            done_shown(s) == Some(done)
        }) {
            Ok(_) => out.line(format!(
                "console {}: Today shows 完成 {done}, as the database has it",
                i + 1
            )),
            Err(screen) => out.fail(format!(
                "console {}: Today does not show the {done} items done: {screen}",
                i + 1
            )),
        }
    }
    for (i, c) in consoles.into_iter().enumerate() {
        let t = Instant::now();
        match c.quit(Duration::from_secs(5)) {
            Ok(st) if st.success() => out.line(format!(
                "console {}: q → exit 0 in {:.2} s",
                i + 1,
                t.elapsed().as_secs_f64()
            )),
            Ok(st) => out.fail(format!("console {}: q → {st}", i + 1)),
            Err(e) => out.fail(format!("console {}: {e}", i + 1)),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// The checks

fn report_exits(out: &mut Outcome, workers: &[Worker], all: &[&Ran]) {
    let busy: Vec<&&Ran> = all.iter().filter(|r| r.busy()).collect();
    out.line(format!(
        "busy errors (exit 2 \"database is busy\"): {}",
        busy.len()
    ));
    for r in busy.iter().take(10) {
        out.fail(format!("busy: {}", r.said()));
    }
    for r in all.iter().filter(|r| !r.busy()) {
        match r.code {
            Some(0) => {}
            Some(1) if !r.stderr.trim().is_empty() => {}
            _ => out.fail(format!("unexpected exit: {}", r.said())),
        }
    }
    let refused: Vec<&&Ran> = all
        .iter()
        .filter(|r| r.code == Some(1) && r.kind != Kind::ContentEditStale)
        .collect();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &refused {
        *by_kind.entry(r.kind.name()).or_default() += 1;
    }
    out.line(format!(
        "refused by the rules (exit 1: already done, nothing to undo, not in review, already \
         dismissed …): {} — {}",
        refused.len(),
        by_kind
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for w in workers {
        for p in &w.problems {
            out.fail(p.clone());
        }
    }
}

/// An audit row after the run's start.
#[derive(Debug)]
struct AuditRow {
    id: i64,
    operator: String,
    action: String,
    entity: String,
    entity_id: Option<i64>,
    old: Value,
    new: Value,
}

fn audit_after(conn: &Connection, after: i64) -> anyhow::Result<Vec<AuditRow>> {
    let mut st = conn.prepare(
        "SELECT id, operator, action, entity, entity_id, old, new FROM audit
         WHERE id > ?1 ORDER BY id",
    )?;
    let rows = st.query_map([after], |r| {
        let json = |s: Option<String>| {
            s.and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or(Value::Null)
        };
        Ok(AuditRow {
            id: r.get(0)?,
            operator: r.get(1)?,
            action: r.get(2)?,
            entity: r.get(3)?,
            entity_id: r.get(4)?,
            old: json(r.get(5)?),
            new: json(r.get(6)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Successful commands by (kind, target).
fn successes<'a>(all: &[&'a Ran]) -> HashMap<(Kind, i64), Vec<&'a Ran>> {
    let mut m: HashMap<(Kind, i64), Vec<&Ran>> = HashMap::new();
    for r in all.iter().filter(|r| r.ok()) {
        if let Some(t) = r.target {
            m.entry((r.kind, t)).or_default().push(r);
        }
    }
    m
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn verify(
    out: &mut Outcome,
    cfg: &Config<'_>,
    w: &World,
    workers: &[Worker],
    all: &[&Ran],
) -> anyhow::Result<()> {
    let conn = open_ro(cfg.db)?;
    let audit = audit_after(&conn, w.audit_before)?;
    let ok = successes(all);
    let count = |kind: Kind, id: i64| ok.get(&(kind, id)).map_or(0, Vec::len);
    let mut lost: Vec<String> = Vec::new();

    // audit rows by the entity they name
    let mut by_entity: HashMap<(&str, i64), Vec<&AuditRow>> = HashMap::new();
    for a in &audit {
        if let Some(id) = a.entity_id {
            by_entity
                .entry((a.entity.as_str(), id))
                .or_default()
                .push(a);
        }
        // the sweep that marks expired items missed names them in its `new`
        if a.entity == "sop_instance" && a.action == "expire" {
            for id in a.new["ids"].as_array().into_iter().flatten() {
                if let Some(id) = id.as_i64() {
                    by_entity.entry(("sop_instance", id)).or_default().push(a);
                }
            }
        }
    }
    let rows_of = |entity: &'static str, id: i64| -> Vec<&AuditRow> {
        by_entity.get(&(entity, id)).cloned().unwrap_or_default()
    };
    let not_me = |a: &AuditRow| a.operator != w.login && a.action != "expire";

    // SOP items: replay each item's audit rows from the row as it was before the run
    let mut sop_ids: Vec<i64> = w.shared_sop.clone();
    sop_ids.extend(w.own_sop.iter().flatten());
    for &id in &sop_ids {
        let Some(before) = w.sop_before.get(&id) else {
            continue;
        };
        let mut cur = before.clone();
        let rows = rows_of("sop_instance", id);
        let mut n = BTreeMap::<&str, usize>::new();
        for a in &rows {
            if not_me(a) {
                lost.push(format!(
                    "SOP item {id}: audit #{} names {}",
                    a.id, a.operator
                ));
            }
            if a.action != "expire" {
                let (os, ob, oc) = (
                    text(&a.old["state"]),
                    text(&a.old["done_by"]),
                    text(&a.old["claimed_by"]),
                );
                if os.as_deref() != Some(cur.state.as_str())
                    || ob != cur.done_by
                    || oc != cur.claimed_by
                {
                    lost.push(format!(
                        "SOP item {id}: audit #{} {} found {:?}/{:?}/{:?}, but the change before \
                         left {}/{:?}/{:?}",
                        a.id, a.action, os, ob, oc, cur.state, cur.done_by, cur.claimed_by
                    ));
                }
            }
            match a.action.as_str() {
                "done" => {
                    cur.state = "done".into();
                    cur.done_by = Some(a.operator.clone());
                    cur.claimed_by = None;
                }
                "undo" => {
                    cur.state = "todo".into();
                    cur.done_by = None;
                }
                "claim" => cur.claimed_by = Some(a.operator.clone()),
                "unclaim" => cur.claimed_by = None,
                "expire" => cur.state = "missed".into(),
                other => lost.push(format!(
                    "SOP item {id}: audit #{} {other}: no command of the run does that",
                    a.id
                )),
            }
            let key = if a.action == "unclaim" {
                "claim"
            } else {
                a.action.as_str()
            };
            *n.entry(key).or_default() += 1;
            cur.version += 1;
        }
        for kind in [Kind::SopDone, Kind::SopUndo, Kind::SopClaim] {
            let (cli, rows) = (count(kind, id), n.get(kind.action()).copied().unwrap_or(0));
            if cli != rows {
                lost.push(format!(
                    "SOP item {id}: {cli} × `{}` exited 0, {rows} audit rows",
                    kind.name()
                ));
            }
        }
        let now = sop_row(&conn, id)?;
        if now != cur {
            lost.push(format!(
                "SOP item {id}: the row is {now:?}, its audited changes add up to {cur:?}"
            ));
        }
    }
    // each process's own items are as its last command left them
    for (p, wk) in workers.iter().enumerate() {
        for (&id, &(done, claimed)) in &wk.sop {
            let now = sop_row(&conn, id)?;
            if (now.state == "done") != done || now.claimed_by.is_some() != claimed {
                lost.push(format!(
                    "p{p}'s SOP item {id}: {}/{:?}, its commands left done={done} claimed={claimed}",
                    now.state, now.claimed_by
                ));
            }
        }
    }

    // shared content: a chain of steps, each at the version and state the one before left
    for &id in &w.shared_content {
        let Some((state0, v0)) = w.content_before.get(&id).cloned() else {
            continue;
        };
        let (mut state, mut version) = (state0, v0);
        let rows = rows_of("content", id);
        let mut n = BTreeMap::<&str, usize>::new();
        for a in &rows {
            if not_me(a) {
                lost.push(format!(
                    "content {id}: audit #{} names {}",
                    a.id, a.operator
                ));
            }
            if a.old["version"].as_i64() != Some(version)
                || text(&a.old["state"]) != Some(state.clone())
            {
                lost.push(format!(
                    "content {id}: audit #{} {} found {}, but the change before left {state} v{version}",
                    a.id, a.action, a.old
                ));
            }
            state = match a.action.as_str() {
                "submit" => "review".into(),
                "approve" => "scheduled".into(),
                "unschedule" => "draft".into(),
                other => {
                    lost.push(format!(
                        "content {id}: audit #{} {other}: no command of the run does that",
                        a.id
                    ));
                    state
                }
            };
            version += 1;
            *n.entry(a.action.as_str()).or_default() += 1;
        }
        for kind in [
            Kind::ContentSubmit,
            Kind::ContentApprove,
            Kind::ContentUnschedule,
        ] {
            let (cli, rows) = (count(kind, id), n.get(kind.action()).copied().unwrap_or(0));
            if cli != rows {
                lost.push(format!(
                    "content {id}: {cli} × `{}` exited 0, {rows} audit rows",
                    kind.name()
                ));
            }
        }
        let now: (String, i64) = conn.query_row(
            "SELECT state, version FROM content_items WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if now != (state.clone(), version) {
            lost.push(format!(
                "content {id}: the row is {} v{}, its audited changes add up to {state} v{version}",
                now.0, now.1
            ));
        }
    }
    // own content: add, edit, submit as printed; the stale edit wrote nothing
    let mut stale = 0;
    for (p, wk) in workers.iter().enumerate() {
        for c in &wk.contents {
            let actions: Vec<String> = rows_of("content", c.id)
                .iter()
                .map(|a| {
                    if not_me(a) {
                        lost.push(format!(
                            "content {}: audit #{} names {}",
                            c.id, a.id, a.operator
                        ));
                    }
                    a.action.clone()
                })
                .collect();
            if actions != c.actions {
                lost.push(format!(
                    "p{p}'s content {}: audit rows {actions:?}, its successes {:?}",
                    c.id, c.actions
                ));
            }
            let now: (String, String, i64) = conn.query_row(
                "SELECT title, state, version FROM content_items WHERE id = ?1",
                [c.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            if now != (c.title.clone(), c.state.clone(), c.version) {
                lost.push(format!(
                    "p{p}'s content {}: the row is {now:?}, its commands printed {:?}",
                    c.id,
                    (&c.title, &c.state, c.version)
                ));
            }
            if let Some(t) = &c.stale_title {
                stale += 1;
                let found: i64 = conn.query_row(
                    "SELECT (SELECT count(*) FROM content_items WHERE title = ?1)
                          + (SELECT count(*) FROM audit WHERE id > ?2
                                AND (new LIKE '%' || ?1 || '%' OR old LIKE '%' || ?1 || '%'))",
                    rusqlite::params![t, w.audit_before],
                    |r| r.get(0),
                )?;
                if found > 0 {
                    out.fail(format!(
                        "p{p}'s refused stale edit of content {}: {t:?} is in the database",
                        c.id
                    ));
                }
            }
        }
    }
    let stale_runs: Vec<&&Ran> = all
        .iter()
        .filter(|r| r.kind == Kind::ContentEditStale)
        .collect();
    let refused = stale_runs.iter().filter(|r| r.code == Some(1)).count();
    out.line(format!(
        "stale writes (content edit at an old version): {refused} of {} refused with exit 1; \
         {stale} checked: their words are in neither the rows nor the audit log",
        stale_runs.len()
    ));

    // shared reminders: snoozes, then at most one dismissal, as the commands said
    for &id in &w.shared_reminders {
        let Some((state0, v0)) = w.reminders_before.get(&id).cloned() else {
            continue;
        };
        let rows = rows_of("reminder", id);
        let (mut state, mut version) = (state0, v0);
        let mut n = BTreeMap::<&str, usize>::new();
        for a in &rows {
            if not_me(a) {
                lost.push(format!(
                    "reminder {id}: audit #{} names {}",
                    a.id, a.operator
                ));
            }
            if state == "dismissed" {
                lost.push(format!(
                    "reminder {id}: audit #{} {} after it was dismissed",
                    a.id, a.action
                ));
            }
            if text(&a.old["state"]) != Some(state.clone()) {
                lost.push(format!(
                    "reminder {id}: audit #{} {} found {}, but the change before left {state}",
                    a.id, a.action, a.old
                ));
            }
            match a.action.as_str() {
                "snooze" => state = "snoozed".into(),
                "dismiss" => state = "dismissed".into(),
                other => lost.push(format!(
                    "reminder {id}: audit #{} {other}: no command of the run does that",
                    a.id
                )),
            }
            version += 1;
            *n.entry(a.action.as_str()).or_default() += 1;
        }
        for kind in [Kind::RemindSnooze, Kind::RemindDismiss] {
            let (cli, rows) = (count(kind, id), n.get(kind.action()).copied().unwrap_or(0));
            if cli != rows {
                lost.push(format!(
                    "reminder {id}: {cli} × `{}` exited 0, {rows} audit rows",
                    kind.name()
                ));
            }
        }
        let now = reminder_row(&conn, id)?;
        if now != (state.clone(), version) {
            lost.push(format!(
                "reminder {id}: the row is {} v{}, its audited changes add up to {state} v{version}",
                now.0, now.1
            ));
        }
    }
    // own reminders
    for (p, wk) in workers.iter().enumerate() {
        for rm in &wk.reminders {
            let rows = rows_of("reminder", rm.id);
            let actions: Vec<&str> = rows.iter().map(|a| a.action.as_str()).collect();
            if actions != rm.actions {
                lost.push(format!(
                    "p{p}'s reminder {}: audit rows {actions:?}, its successes {:?}",
                    rm.id, rm.actions
                ));
            }
            if let Some(add) = rows.first()
                && (add.operator != w.login || text(&add.new["title"]) != Some(rm.title.clone()))
            {
                lost.push(format!(
                    "p{p}'s reminder {}: audit #{} is {} adding {}",
                    rm.id, add.id, add.operator, add.new
                ));
            }
            let (state, _) = reminder_row(&conn, rm.id)?;
            if state != rm.state {
                lost.push(format!(
                    "p{p}'s reminder {}: {state}, its commands left {}",
                    rm.id, rm.state
                ));
            }
        }
    }

    imports(out, &conn, w, all, &audit, &mut lost)?;

    out.line(format!("lost updates: {}", lost.len()));
    for l in lost.iter().take(20) {
        out.fail(format!("lost update: {l}"));
    }
    if lost.len() > 20 {
        out.fail(format!("… and {} more lost updates", lost.len() - 20));
    }

    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let fk: usize = conn
        .prepare("PRAGMA foreign_key_check")?
        .query_map([], |_| Ok(()))?
        .count();
    out.line(format!(
        "integrity_check: {}; foreign_key_check: {fk} rows",
        integrity.join("; ")
    ));
    if integrity != ["ok"] {
        out.fail(format!("integrity_check: {}", integrity.join("; ")));
    }
    if fk > 0 {
        out.fail(format!("foreign_key_check: {fk} rows"));
    }
    Ok(())
}

/// Every import that exited 0 has its audit row with the same counts; a shared file was
/// imported by exactly one process and found all duplicates by the others; every file's
/// messages are stored once.
fn imports(
    out: &mut Outcome,
    conn: &Connection,
    w: &World,
    all: &[&Ran],
    audit: &[AuditRow],
    lost: &mut Vec<String>,
) -> anyhow::Result<()> {
    let summary = |v: &Value| {
        (
            v["messages"].as_u64().unwrap_or(u64::MAX),
            v["duplicates"].as_u64().unwrap_or(u64::MAX),
        )
    };
    let mut audited: HashMap<String, Vec<(u64, u64)>> = HashMap::new();
    for a in audit
        .iter()
        .filter(|a| a.action == "import" && a.entity == "chat")
    {
        if a.operator != w.login {
            lost.push(format!("import audit #{} names {}", a.id, a.operator));
        }
        if let Some(f) = a.new["file"].as_str() {
            audited
                .entry(f.to_string())
                .or_default()
                .push(summary(&a.new));
        }
    }
    let n = FILE_MESSAGES as u64;
    let files: Vec<(&PathBuf, bool)> = w
        .shared_files
        .iter()
        .map(|f| (f, true))
        .chain(w.own_files.iter().flatten().map(|f| (f, false)))
        .collect();
    let (mut once, mut dup_finds) = (0, 0);
    for (file, shared) in files {
        let name = file.display().to_string();
        let runs: Vec<&&Ran> = all
            .iter()
            .filter(|r| r.file.as_ref() == Some(file))
            .collect();
        let mut printed: Vec<(u64, u64)> = runs
            .iter()
            .filter(|r| r.ok())
            .map(|r| {
                serde_json::from_str::<Value>(&r.stdout)
                    .map(|v| summary(&v))
                    .unwrap_or((u64::MAX, u64::MAX))
            })
            .collect();
        let mut rows = audited.remove(&name).unwrap_or_default();
        printed.sort_unstable();
        rows.sort_unstable();
        if printed != rows {
            lost.push(format!(
                "{name}: the imports printed (messages, duplicates) {printed:?}, the audit log has {rows:?}"
            ));
        }
        let importers = printed.iter().filter(|s| **s == (n, 0)).count();
        let dups = printed.iter().filter(|s| **s == (0, n)).count();
        if printed.is_empty() {
            // the process never got there (a shorter run than files)
        } else if importers != 1 || importers + dups != printed.len() {
            lost.push(format!(
                "{name}: {importers} imports found its {n} messages, {dups} found them all \
                 duplicates, of {} ({printed:?}); exactly one should import it",
                printed.len()
            ));
        } else if shared {
            once += 1;
            dup_finds += dups;
        }
        let number = file_number(w, file).unwrap_or(usize::MAX);
        if !printed.is_empty() {
            let stored: i64 = conn.query_row(
                "SELECT count(*) FROM messages WHERE content LIKE ?1",
                [format!("cc-f{number}-m%")],
                |r| r.get(0),
            )?;
            if stored != n as i64 {
                lost.push(format!("{name}: {stored} of its {n} messages stored"));
            }
        }
    }
    out.line(format!(
        "shared import files: {once} of {} imported by exactly one process, {dup_finds} imports \
         found them all duplicates; own files: {} imported",
        w.shared_files.len(),
        all.iter()
            .filter(|r| r.kind == Kind::ImportOwn && r.ok())
            .count()
    ));
    Ok(())
}

/// The number `write_chat` gave a file (its messages start `cc-f{n}-`).
fn file_number(w: &World, file: &Path) -> Option<usize> {
    let shared = w.shared_files.len();
    if let Some(k) = w.shared_files.iter().position(|f| f == file) {
        return Some(k);
    }
    w.own_files.iter().enumerate().find_map(|(p, fs)| {
        fs.iter()
            .position(|f| f == file)
            .map(|k| shared + p * shared + k)
    })
}

fn median(xs: &[f64]) -> f64 {
    percentile(xs, 50.0)
}

/// Nearest-rank percentile.
fn percentile(xs: &[f64], p: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

fn latency(out: &mut Outcome, all: &[&Ran]) {
    let mut by: BTreeMap<Kind, Vec<f64>> = BTreeMap::new();
    for r in all {
        by.entry(r.kind)
            .or_default()
            .push(r.took.as_secs_f64() * 1e3);
    }
    out.line("latency per kind of command (ms, wall time of the whole process):".into());
    for (k, ms) in &by {
        out.line(format!(
            "  {:<30} n={:<5} p50 {:>6.0}  p95 {:>6.0}  max {:>6.0}",
            k.name(),
            ms.len(),
            percentile(ms, 50.0),
            percentile(ms, 95.0),
            ms.iter().copied().fold(0.0, f64::max)
        ));
    }
}
