//! The crash and slow-input harness (issue 13, point 3), shared by `tests/it/crash.rs`
//! (CI: K = 5 kills of a 100k-row import, and a stalled pipe) and `benches/crash.rs`
//! (K = 20 on 1M rows, and the longest lock wait a concurrent writer sees). Everything
//! goes through the real binary: a chat import `kill -9`ed at fixed-seed random points,
//! then the database is checked as a reader sees it — `integrity_check`,
//! `foreign_key_check`, the messages either all there or none, the daily activity
//! matching them, no import left running — and the import is run again to completion and
//! once more (it must add nothing). The stalled pipe: an import reads a FIFO fed slowly
//! while another process writes in a loop; no write may wait long or fail "busy".

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "chat.rs"]
mod chat;

/// The instant the harness's commands run at: after the generated messages.
pub const NOW: &str = "2026-03-02T08:25:00";
/// The first generated message (2025-12-01, UTC): the 90 days end before [`NOW`].
pub const START: i64 = 1_764_547_200;

/// Runs one build of the binary on databases in one directory.
pub struct Runner {
    pub bin: PathBuf,
    pub dir: PathBuf,
}

impl Runner {
    pub fn new(bin: &Path, dir: &Path) -> Runner {
        Runner {
            bin: bin.to_path_buf(),
            dir: dir.to_path_buf(),
        }
    }

    pub fn command(&self, db: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(args)
            .arg("--db")
            .arg(db)
            .env("SHEQUN_NOW", NOW)
            .env_remove("SHEQUN_DB")
            .env("XDG_STATE_HOME", self.dir.join("state"))
            .env("XDG_CONFIG_HOME", self.dir.join("config-none"))
            .stdin(Stdio::null());
        c
    }

    /// A new, empty team database.
    pub fn init(&self, name: &str) -> Result<PathBuf, String> {
        let db = self.dir.join(name);
        let out = self
            .command(&db, &["init"])
            .output()
            .map_err(|e| format!("init: {e}"))?;
        if !out.status.success() {
            return Err(format!("init: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(db)
    }

    /// The generated export of `rows` messages, written once.
    pub fn export(&self, rows: u64) -> Result<PathBuf, String> {
        let csv = self.dir.join(format!("chat-{rows}.csv"));
        if !csv.exists() {
            chat::write_csv(&csv, rows, START).map_err(|e| format!("writing the export: {e}"))?;
        }
        Ok(csv)
    }

    /// `import chat FILE` to its end: (messages, duplicates) of its summary.
    pub fn import(&self, db: &Path, file: &Path) -> Result<(u64, u64), String> {
        let file = file.to_string_lossy();
        let out = self
            .command(
                db,
                &[
                    "import",
                    "chat",
                    &file,
                    "--from",
                    "wechatmsg",
                    "--format",
                    "json",
                ],
            )
            .output()
            .map_err(|e| format!("import: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "import exited {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).map_err(|e| format!("import's JSON: {e}"))?;
        let v = if v.is_array() { v[0].clone() } else { v };
        Ok((
            v["messages"].as_u64().unwrap_or(u64::MAX),
            v["duplicates"].as_u64().unwrap_or(u64::MAX),
        ))
    }

    /// Starts `import chat FILE` and `kill -9`s it after `after` (unless it finished
    /// first): whether it was killed.
    pub fn kill_import_after(
        &self,
        db: &Path,
        file: &Path,
        after: Duration,
    ) -> Result<bool, String> {
        let file = file.to_string_lossy();
        let mut child = self
            .command(db, &["import", "chat", &file, "--from", "wechatmsg"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("import: {e}"))?;
        let started = Instant::now();
        while started.elapsed() < after {
            if child.try_wait().map_err(|e| e.to_string())?.is_some() {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(2).min(after - started.elapsed().min(after)));
        }
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            return Ok(false);
        }
        // Child::kill is SIGKILL: no destructor, no roll-back, no unlock runs
        child.kill().map_err(|e| format!("kill: {e}"))?;
        child.wait().map_err(|e| e.to_string())?;
        Ok(true)
    }
}

/// What a reader sees in a database, and whether it is sound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub integrity: String,
    pub foreign_key_errors: u64,
    /// messages a reader sees (`visible_messages` where the schema has it)
    pub messages: u64,
    /// the daily activity's sum: what the KPIs and tiers count
    pub activity: u64,
    /// members with a membership (what every list shows)
    pub members: u64,
    /// imports still marked running (none once nobody imports)
    pub running: u64,
}

/// Reads what a reader sees (a connection of its own, read-only).
pub fn seen(db: &Path) -> Result<Seen, String> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("open {}: {e}", db.display()))?;
    let e = |e: rusqlite::Error| e.to_string();
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(e)?;
    let fk: i64 = c
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .map_err(e)?;
    let has_view: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'visible_messages'",
            [],
            |r| r.get(0),
        )
        .map_err(e)?;
    let table = if has_view > 0 {
        "visible_messages"
    } else {
        "messages"
    };
    let count = |sql: &str| -> Result<u64, String> {
        c.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|e| format!("{sql}: {e}"))
    };
    // messages in groups a reader is shown (a group an unfinished import created is
    // archived: hidden)
    let messages = count(&format!(
        "SELECT count(*) FROM {table} WHERE group_id IN (SELECT id FROM groups WHERE archived = 0)"
    ))?;
    let activity = count("SELECT coalesce(sum(messages), 0) FROM activity_daily")?;
    let members = count("SELECT count(DISTINCT member_id) FROM memberships")?;
    let running = if has_view > 0 {
        count("SELECT count(*) FROM import_batches WHERE state = 'running'")?
    } else {
        0
    };
    Ok(Seen {
        integrity,
        foreign_key_errors: fk as u64,
        messages,
        activity,
        members,
        running,
    })
}

/// The fixed-seed generator of the kill points.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        let mut r = chat::Rng(self.0);
        let v = r.next();
        self.0 = r.0;
        (v >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What the crash run found.
pub struct CrashReport {
    pub lines: Vec<String>,
    pub failures: Vec<String>,
    /// kills that landed while the import ran (the others found it finished)
    pub killed: usize,
    /// kills after which its messages were all there / none there
    pub all: usize,
    pub none: usize,
}

/// `kill -9` at `k` random points (seed `seed`) of importing a `rows`-message export,
/// each time followed by the checks; then the import to completion and once more.
/// `say` gets each line as it is printed.
pub fn crash_run(
    runner: &Runner,
    rows: u64,
    k: usize,
    seed: u64,
    say: &mut dyn FnMut(&str),
) -> Result<CrashReport, String> {
    let mut report = CrashReport {
        lines: Vec::new(),
        failures: Vec::new(),
        killed: 0,
        all: 0,
        none: 0,
    };
    let mut line = |report: &mut CrashReport, s: String| {
        say(&s);
        report.lines.push(s);
    };
    let csv = runner.export(rows)?;
    // the reference: one import that runs to its end, timed (the kill points fall in it)
    let reference = runner.init("reference.db")?;
    let t = Instant::now();
    let (n, _) = runner.import(&reference, &csv)?;
    let full = t.elapsed();
    let want = seen(&reference)?;
    line(
        &mut report,
        format!(
            "uninterrupted import of {rows} rows: {:.2}s, {n} messages, {} members",
            full.as_secs_f64(),
            want.members
        ),
    );
    if want.messages != n || want.activity != n {
        report
            .failures
            .push(format!("the reference import is not whole: {want:?}"));
    }
    // The kills follow one another on one database, so that a kill can also land in the
    // next import's roll-back of the batch the last kill left behind — until a kill finds
    // the import done (all there): the next kill starts again from an empty database.
    let empty = runner.init("empty.db")?;
    let db = runner.dir.join("crash.db");
    let fresh = |db: &Path| -> Result<(), String> {
        for side in ["-wal", "-shm"] {
            let mut p = db.as_os_str().to_owned();
            p.push(side);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
        std::fs::copy(&empty, db)
            .map(|_| ())
            .map_err(|e| format!("copying the empty database: {e}"))
    };
    fresh(&db)?;
    let before = seen(&db)?;
    let mut rng = Rng::new(seed);
    for i in 1..=k {
        if i > 1 && seen(&db)?.messages == n {
            fresh(&db)?;
        }
        // anywhere in the import's run, the roll-back of the last one's batch included
        let at = full.mul_f64(0.02 + 0.96 * rng.unit());
        let killed = runner.kill_import_after(&db, &csv, at)?;
        let s = seen(&db)?;
        let whole = if s.messages == before.messages {
            report.none += 1;
            "none"
        } else if s.messages == n {
            report.all += 1;
            "all"
        } else {
            "PARTIAL"
        };
        report.killed += usize::from(killed);
        let mut bad = Vec::new();
        if s.integrity != "ok" {
            bad.push(format!("integrity_check: {}", s.integrity));
        }
        if s.foreign_key_errors > 0 {
            bad.push(format!("{} foreign key errors", s.foreign_key_errors));
        }
        if whole == "PARTIAL" {
            bad.push(format!("{} of {n} messages visible", s.messages));
        }
        if s.activity != s.messages {
            bad.push(format!(
                "daily activity counts {} messages, {} are visible",
                s.activity, s.messages
            ));
        }
        if whole == "none" && s.members != before.members {
            bad.push(format!("{} members visible, none imported", s.members));
        }
        line(
            &mut report,
            format!(
                "kill {i}/{k} at {:>5} ms: {}, messages {whole} ({}), integrity {}, foreign keys {}{}",
                at.as_millis(),
                if killed { "killed" } else { "had finished" },
                s.messages,
                s.integrity,
                s.foreign_key_errors,
                if bad.is_empty() {
                    String::new()
                } else {
                    format!(" — FAIL: {}", bad.join("; "))
                }
            ),
        );
        for b in bad {
            report
                .failures
                .push(format!("kill {i} at {} ms: {b}", at.as_millis()));
        }
    }
    // the interrupted import, run again, completes it; once more adds nothing. (When the
    // last kill found the import done, one more is killed a third of the way in.)
    if seen(&db)?.messages == n {
        fresh(&db)?;
        let killed = runner.kill_import_after(&db, &csv, full / 3)?;
        let s = seen(&db)?;
        line(
            &mut report,
            format!(
                "kill at {} ms before the re-run: {}, messages {}",
                (full / 3).as_millis(),
                if killed { "killed" } else { "had finished" },
                s.messages
            ),
        );
        if s.messages != before.messages && s.messages != n {
            report.failures.push(format!(
                "kill before the re-run: {} of {n} messages",
                s.messages
            ));
        }
    }
    let (added, _) = runner.import(&db, &csv)?;
    let after = seen(&db)?;
    let (again, dups) = runner.import(&db, &csv)?;
    let last = seen(&db)?;
    line(
        &mut report,
        format!(
            "re-run to completion: {added} messages added, {} visible; once more: {again} added, {dups} duplicates",
            after.messages
        ),
    );
    for (what, s) in [("re-run", &after), ("second re-run", &last)] {
        if *s != want {
            report.failures.push(format!(
                "after the {what} the database differs from an uninterrupted import: {s:?}, want {want:?}"
            ));
        }
    }
    if again != 0 || dups != n {
        report.failures.push(format!(
            "a re-import added {again} messages ({dups} duplicates)"
        ));
    }
    Ok(report)
}

/// What the stalled-pipe run found.
pub struct StallReport {
    pub writes: usize,
    /// writes that failed, with what they said
    pub failed: Vec<String>,
    /// the slowest write (the whole command, start to exit)
    pub longest: Duration,
    pub import_result: Result<(u64, u64), String>,
    pub import_time: Duration,
}

/// An import reads a FIFO that a feeder fills with `rows` messages over `feed`, stalling
/// between pieces; meanwhile this process runs `remind add` in a loop on the same
/// database and times each one.
pub fn stalled_pipe(runner: &Runner, rows: u64, feed: Duration) -> Result<StallReport, String> {
    let db = runner.init("stalled.db")?;
    let csv = runner.export(rows)?;
    let content = std::fs::read(&csv).map_err(|e| e.to_string())?;
    let fifo = runner.dir.join("stalled.fifo");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map_err(|e| format!("mkfifo: {e}"))?;
    if !made.success() {
        return Err("mkfifo failed".into());
    }
    let fifo_arg = fifo.to_string_lossy().into_owned();
    let mut import = runner
        .command(
            &db,
            &[
                "import",
                "chat",
                &fifo_arg,
                "--from",
                "wechatmsg",
                "--format",
                "json",
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("import: {e}"))?;
    let started = Instant::now();
    let feeder = {
        let fifo = fifo.clone();
        std::thread::spawn(move || -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo)?;
            // 20 pieces, the first right away (the header and some messages: the import
            // has begun), then one every feed/20
            let pieces = 20;
            let step = content.len().div_ceil(pieces);
            for (i, piece) in content.chunks(step).enumerate() {
                if i > 0 {
                    std::thread::sleep(feed / pieces as u32);
                }
                f.write_all(piece)?;
                f.flush()?;
            }
            Ok(())
        })
    };
    // let the import open the pipe and read its first piece
    std::thread::sleep(Duration::from_millis(300));
    let mut report = StallReport {
        writes: 0,
        failed: Vec::new(),
        longest: Duration::ZERO,
        import_result: Err("not finished".into()),
        import_time: Duration::ZERO,
    };
    let mut i = 0;
    loop {
        if import.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        i += 1;
        let title = format!("stalled-{i}");
        let t = Instant::now();
        let out = runner
            .command(
                &db,
                &[
                    "remind", "add", "--at", "2h", "--title", &title, "--format", "json",
                ],
            )
            .output()
            .map_err(|e| format!("remind add: {e}"))?;
        let took = t.elapsed();
        report.writes += 1;
        report.longest = report.longest.max(took);
        if !out.status.success() {
            report.failed.push(format!(
                "write {i} after {:.1}s exited {:?} in {:.2}s: {}",
                started.elapsed().as_secs_f64(),
                out.status.code(),
                took.as_secs_f64(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        if started.elapsed() > feed * 4 + Duration::from_secs(30) {
            let _ = import.kill();
            break;
        }
    }
    let out = import.wait_with_output().map_err(|e| e.to_string())?;
    report.import_time = started.elapsed();
    let _ = feeder.join();
    report.import_result = if out.status.success() {
        serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .map_err(|e| e.to_string())
            .map(|v| {
                let v = if v.is_array() { v[0].clone() } else { v };
                (
                    v["messages"].as_u64().unwrap_or(0),
                    v["duplicates"].as_u64().unwrap_or(0),
                )
            })
    } else {
        Err(format!(
            "exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    };
    Ok(report)
}

/// The longest a writer waited for the write lock while an import of `rows` messages
/// ran to its end: a thread of this process takes the lock (`BEGIN IMMEDIATE`, then
/// `COMMIT`) every 5 ms on its own connection, trying again every millisecond while it
/// is busy. Returns (longest wait, tries, import time).
pub fn writer_waits(runner: &Runner, rows: u64) -> Result<(Duration, u64, Duration), String> {
    let db = runner.init("waits.db")?;
    let csv = runner.export(rows)?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (db, stop) = (db.clone(), stop.clone());
        std::thread::spawn(move || -> Result<(Duration, u64), String> {
            let c = rusqlite::Connection::open(&db).map_err(|e| e.to_string())?;
            fn poll(_: i32) -> bool {
                std::thread::sleep(Duration::from_millis(1));
                true
            }
            c.busy_handler(Some(poll)).map_err(|e| e.to_string())?;
            let (mut longest, mut tries) = (Duration::ZERO, 0u64);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                c.execute_batch("BEGIN IMMEDIATE")
                    .map_err(|e| e.to_string())?;
                longest = longest.max(t.elapsed());
                c.execute_batch("COMMIT").map_err(|e| e.to_string())?;
                tries += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok((longest, tries))
        })
    };
    let t = Instant::now();
    let imported = runner.import(&db, &csv);
    let took = t.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (longest, tries) = writer
        .join()
        .map_err(|_| "the writer panicked".to_string())??;
    imported?;
    Ok((longest, tries, took))
}
