//! The terminal harness (issue 13 point 4), shared by `tests/it/terminal.rs` (CI, small
//! counts) and `benches/terminal.rs` (the long run): real consoles in a pseudo-terminal
//! (`pty.rs`, included next to this file as `pty`) or in tmux, ended by signals and
//! hang-ups, suspended and continued from an interactive bash, and fed random keys.
//! Every scenario returns one line of figures (exit code, time to exit, what was
//! checked), or an error that says what went wrong and shows the screen.
//!
//! "Terminal restored" means: `stty -a` of the pty after the exit equals `stty -a`
//! before the console started; the vt100 emulator that read every byte the console
//! wrote is off the alternate screen, shows the cursor and has bracketed paste off.
//! "Presence removed": the console's row in `presence` (by its pid) is there while it
//! runs and gone after the exit. "No panic": the console's log has no `panic`.

use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Output};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::pty::{self, Options, Pty, Spec};

pub const COLS: u16 = 100;
pub const ROWS: u16 = 30;
/// How long a console may take to end after a signal or a hang-up (the watchdog's
/// grace is 1.5 s; a healthy exit takes milliseconds).
const EXIT_BUDGET: Duration = Duration::from_secs(3);

/// What every scenario runs: the binary and the fixed clock (`SHEQUN_NOW`).
#[derive(Clone, Copy)]
pub struct Setup<'a> {
    pub bin: &'a Path,
    pub now: &'a str,
}

pub type Outcome = Result<String, String>;

fn spec<'a>(setup: Setup<'a>, db: &Path) -> Spec<'a> {
    Spec {
        bin: setup.bin,
        args: vec![
            "--db".into(),
            db.display().to_string(),
            "--lang".into(),
            "en".into(),
        ],
        cols: COLS,
        rows: ROWS,
        lang: "en_US.UTF-8",
        env: vec![("SHEQUN_NOW".into(), setup.now.into())],
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// An exit status as a shell would say it.
pub fn status_text(st: ExitStatus) -> String {
    match (st.code(), st.signal()) {
        (Some(c), _) => format!("exit {c}"),
        (None, Some(s)) if st.core_dumped() => format!("killed by signal {s} (core dumped)"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => st.to_string(),
    }
}

/// Rows of `presence` for process `pid` (read-only, waiting out a writer).
pub fn presence(db: &Path, pid: u32) -> Result<i64, String> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("opening {}: {e}", db.display()))?;
    c.busy_timeout(Duration::from_secs(5))
        .map_err(|e| e.to_string())?;
    c.query_row(
        "SELECT count(*) FROM presence WHERE pid = ?1",
        [i64::from(pid)],
        |r| r.get(0),
    )
    .map_err(|e| format!("reading presence: {e}"))
}

/// Waits until process `pid` has its presence row (it is online).
fn wait_presence(db: &Path, pid: u32) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    while presence(db, pid)? == 0 {
        if Instant::now() >= deadline {
            return Err(format!("console {pid} never showed in presence"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Did the console whose state directory is under `dir` log a panic?
fn log_panic(dir: &Path) -> Option<String> {
    let log = std::fs::read_to_string(dir.join("state/shequn/shequn.log")).unwrap_or_default();
    log.lines()
        .find(|l| l.contains("panic"))
        .map(|l| l.chars().take(200).collect())
}

/// A console on a pty, started and ready: its tab bar drawn, its presence row written,
/// the screen quiet.
fn start(setup: Setup<'_>, db: &Path, opts: Options) -> Result<Pty, String> {
    let pty = Pty::spawn_with(&spec(setup, db), opts).map_err(|e| format!("spawn: {e}"))?;
    pty.wait_text("Members", Duration::from_secs(20))
        .map_err(|s| format!("the console did not start: {s}"))?;
    wait_presence(db, pty.pid())?;
    pty.wait_quiet(Duration::from_millis(100), Duration::from_secs(3));
    Ok(pty)
}

/// The terminal is as it was before the console (see the module header).
fn check_restored(pty: &Pty, before: &str) -> Result<(), String> {
    let now = pty.stty().map_err(|e| e.to_string())?;
    let mut wrong = Vec::new();
    if now != before {
        wrong.push(format!(
            "stty -a differs:\nbefore:\n{before}\nafter:\n{now}"
        ));
    }
    let (alt, hidden, paste) =
        pty.with_screen(|s| (s.alternate_screen(), s.hide_cursor(), s.bracketed_paste()));
    if alt {
        wrong.push("still on the alternate screen".into());
    }
    if hidden {
        wrong.push("the cursor is hidden".into());
    }
    if paste {
        wrong.push("bracketed paste is still on".into());
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "terminal not restored: {}\nscreen:\n{}",
            wrong.join("; "),
            pty.contents()
        ))
    }
}

/// Percentile `p` (0–100) of sorted durations.
fn pct(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() - 1) * p / 100]
}

/// SIGHUP from a dropped connection, `n` times: the pty's master side is closed (the
/// kernel hangs the terminal up and sends SIGHUP), on every other run right after a
/// `kill -HUP` of our own, so that the signal and the dead terminal race both ways.
/// Each run: exit 129 within 3 s, no panic, presence removed.
pub fn sighup(setup: Setup<'_>, db: &Path, n: usize) -> Outcome {
    let mut times = Vec::new();
    let (mut ok, mut panics, mut left) = (0, 0, 0);
    let mut failures = Vec::new();
    for i in 0..n {
        let mut pty = start(setup, db, Options::default())?;
        let pid = pty.pid();
        let with_kill = i % 2 == 1;
        let at = pty.hang_up(|| {
            if with_kill {
                let _ = pty::signal(pid, libc::SIGHUP);
            }
        });
        let st = pty
            .wait_exit(Duration::from_secs(10))
            .map_err(|e| e.to_string())?;
        let took = at.elapsed();
        let panic = log_panic(pty.dir());
        let rows = presence(db, pid)?;
        panics += usize::from(panic.is_some());
        left += usize::from(rows > 0);
        let good = st.map(|s| s.code() == Some(129)).unwrap_or(false)
            && panic.is_none()
            && rows == 0
            && took < EXIT_BUDGET;
        if good {
            ok += 1;
            times.push(took);
        } else {
            failures.push(format!(
                "run {i} ({}): {}, after {}, presence rows {rows}{}",
                if with_kill {
                    "kill -HUP + hang-up"
                } else {
                    "hang-up"
                },
                st.map_or("still running".into(), status_text),
                ms(took),
                panic.map(|p| format!(", log: {p}")).unwrap_or_default()
            ));
        }
    }
    times.sort();
    let line = format!(
        "SIGHUP ×{n} (hang-up; every other run kill -HUP racing it): exit 129 ×{ok}, panics {panics}, presence rows left {left}, exit after p50 {} / max {}",
        ms(pct(&times, 50)),
        ms(pct(&times, 100))
    );
    if failures.is_empty() {
        Ok(line)
    } else {
        Err(format!("{line}\n{}", failures.join("\n")))
    }
}

/// SIGHUP when the console's output is already dead, deterministically: standard output
/// and error on a second pty that is hung up first, then `kill -HUP` (standard input,
/// where the watchdog and the key reader look, stays alive, so the signal is how the
/// console learns it). Whatever writes to the dead output on the way out fails; nothing
/// may panic. Exit 129, no panic, presence removed.
pub fn sighup_dead_output(setup: Setup<'_>, db: &Path) -> Outcome {
    let mut pty = start(
        setup,
        db,
        Options {
            split_output: true,
            ..Options::default()
        },
    )?;
    let pid = pty.pid();
    pty.hang_up(|| {});
    let at = Instant::now();
    pty.signal(libc::SIGHUP).map_err(|e| e.to_string())?;
    let st = pty
        .wait_exit(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let took = at.elapsed();
    let panic = log_panic(pty.dir());
    let rows = presence(db, pid)?;
    let line = format!(
        "SIGHUP with the output already hung up: {} after {}, panic {}, presence rows left {rows}",
        st.map_or("still running".into(), status_text),
        ms(took),
        panic.as_deref().unwrap_or("none")
    );
    if st.and_then(|s| s.code()) == Some(129) && panic.is_none() && rows == 0 {
        Ok(line)
    } else {
        Err(line)
    }
}

/// A signal to a console whose terminal is alive: exit `code` within 3 s, terminal
/// restored, presence removed, no panic.
pub fn signal_exit(
    setup: Setup<'_>,
    db: &Path,
    sig: libc::c_int,
    name: &str,
    code: i32,
) -> Outcome {
    let mut pty = start(setup, db, Options::default())?;
    let pid = pty.pid();
    let at = Instant::now();
    pty.signal(sig).map_err(|e| e.to_string())?;
    let st = pty
        .wait_exit(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let took = at.elapsed();
    let Some(st) = st else {
        return Err(format!("{name}: still running 10 s later"));
    };
    pty.wait_closed(Duration::from_secs(2));
    let restored = check_restored(&pty, pty.stty_before());
    let rows = presence(db, pid)?;
    let panic = log_panic(pty.dir());
    let line = format!(
        "{name}: {} after {}, terminal {}, presence rows left {rows}, panic {}",
        status_text(st),
        ms(took),
        if restored.is_ok() {
            "restored (stty -a same, alternate screen off, cursor shown)"
        } else {
            "NOT restored"
        },
        panic.as_deref().unwrap_or("none")
    );
    if st.code() != Some(code) || took > EXIT_BUDGET || rows != 0 || panic.is_some() {
        return Err(format!("{line} (wanted exit {code})"));
    }
    restored.map_err(|e| format!("{line}\n{e}"))?;
    Ok(line)
}

/// The watchdog path: SIGHUP ignored (nohup, `trap '' HUP`), then the terminal hangs
/// up. The console must notice by itself: exit 129 within 3 s, presence removed.
pub fn hangup_hup_ignored(setup: Setup<'_>, db: &Path) -> Outcome {
    let mut pty = start(
        setup,
        db,
        Options {
            ignore_hup: true,
            ..Options::default()
        },
    )?;
    let pid = pty.pid();
    let at = pty.hang_up(|| {});
    let st = pty
        .wait_exit(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let took = at.elapsed();
    let rows = presence(db, pid)?;
    let panic = log_panic(pty.dir());
    let line = format!(
        "hang-up with SIGHUP ignored (pty): {} after {}, presence rows left {rows}, panic {}",
        st.map_or("still running".into(), status_text),
        ms(took),
        panic.as_deref().unwrap_or("none")
    );
    if st.and_then(|s| s.code()) == Some(129) && took < EXIT_BUDGET && rows == 0 && panic.is_none()
    {
        Ok(line)
    } else {
        Err(line)
    }
}

/// A private tmux server, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> std::io::Result<Output> {
        Command::new("tmux")
            .arg("-u")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env("LANG", "C.UTF-8")
            .env("TERM", "xterm-256color")
            .output()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// The same in tmux, as issue 13 tried it: `trap '' HUP` in the pane, then `tmux
/// kill-server`. The pane's shell (HUP ignored too) outlives the server and writes the
/// console's exit status to a file. Ok(None) when tmux is not installed.
pub fn tmux_kill_server(setup: Setup<'_>, db: &Path) -> Result<Option<String>, String> {
    if Command::new("tmux").arg("-V").output().is_err() {
        return Ok(None);
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let code_file = dir.path().join("code");
    let tmux = Tmux {
        socket: format!("shequn-terminal-{}", std::process::id()),
    };
    let _ = tmux.run(&["kill-server"]);
    let script = format!(
        "trap '' HUP; SHEQUN_NOW='{}' HOME='{d}' XDG_STATE_HOME='{d}/state' XDG_CONFIG_HOME='{d}/config' '{}' --db '{}' --lang en; echo $? > '{}'",
        setup.now,
        setup.bin.display(),
        db.display(),
        code_file.display(),
        d = dir.path().display(),
    );
    let out = tmux
        .run(&[
            "new-session",
            "-d",
            "-x",
            &COLS.to_string(),
            "-y",
            &ROWS.to_string(),
            "-s",
            "t",
            &script,
        ])
        .map_err(|e| format!("tmux: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let screen = tmux
            .run(&["capture-pane", "-p", "-t", "t"])
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        if screen.contains("Members") {
            break;
        }
        if Instant::now() >= deadline {
            return Err(format!("the console did not start in tmux:\n{screen}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let shell: u32 = tmux
        .run(&["display-message", "-p", "-t", "t", "#{pane_pid}"])
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .ok_or("no pane pid")?;
    let pid = *pty::children(shell)
        .first()
        .ok_or("no console under the pane's shell")?;
    wait_presence(db, pid)?;
    let _ = tmux.run(&["kill-server"]);
    let at = Instant::now();
    let code = loop {
        match std::fs::read_to_string(&code_file) {
            Ok(t) if t.ends_with('\n') => break t.trim().to_string(),
            _ => {}
        }
        if at.elapsed() > Duration::from_secs(10) {
            return Err("the console was still running 10 s after tmux kill-server".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let took = at.elapsed();
    let rows = presence(db, pid)?;
    let panic = log_panic(dir.path());
    let line = format!(
        "tmux kill-server with SIGHUP ignored: exit {code} after {}, presence rows left {rows}, panic {}",
        ms(took),
        panic.as_deref().unwrap_or("none")
    );
    if code == "129" && took < EXIT_BUDGET && rows == 0 && panic.is_none() {
        Ok(Some(line))
    } else {
        Err(line)
    }
}

/// Kills a console started by the shell if a scenario fails half-way (dropping the
/// [`Pty`] kills only the shell; a stopped console would wait for a `fg` forever).
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if pty::proc_state(self.0).is_some_and(|c| c != 'Z') {
            let _ = pty::signal(self.0, libc::SIGKILL);
        }
    }
}

/// How a suspend is asked for.
#[derive(Debug, Clone, Copy)]
pub enum Suspend {
    /// `kill -TSTP` of the console.
    Signal,
    /// Ctrl-Z typed (a key in raw mode).
    Key,
    /// `kill -STOP`, which cannot be caught: the terminal stays as the console had it
    /// (bash puts its own modes back), and only SIGCONT tells the console to take the
    /// terminal again.
    Stop,
}

/// The row of the selection marker, if one is on screen.
fn marker_row(s: &vt100::Screen) -> Option<usize> {
    let cols = s.size().1.get();
    s.rows(0, cols).position(|r| r.contains('▶'))
}

/// Suspend and continue, from an interactive bash in the pty (job control: the console
/// runs in its own process group, which the kernel can stop): start the console from
/// the prompt, suspend it (`how`), check it stopped with the terminal restored (stty as
/// at the prompt, alternate screen off, cursor shown; not for SIGSTOP, which nothing
/// can answer), `fg` (SIGCONT), check it took the
/// terminal again (raw mode, alternate screen, everything repainted: nothing of the
/// shell's text left), that `j` moves the selection, then quit: exit 0, terminal as at
/// the prompt, presence removed.
pub fn suspend_continue(setup: Setup<'_>, db: &Path, how: Suspend) -> Outcome {
    let bash = Spec {
        bin: Path::new("bash"),
        args: ["--norc", "--noprofile", "--noediting", "-i"]
            .map(String::from)
            .to_vec(),
        cols: COLS,
        rows: ROWS,
        lang: "en_US.UTF-8",
        env: vec![
            ("SHEQUN_NOW".into(), setup.now.into()),
            ("PS1".into(), "$ ".into()),
            ("HISTFILE".into(), "/dev/null".into()),
        ],
    };
    let pty = Pty::spawn(&bash).map_err(|e| format!("spawn bash: {e}"))?;
    let wait = |what: &str, pred: &dyn Fn(&vt100::Screen) -> bool| {
        pty.wait_for(Instant::now(), Duration::from_secs(10), pred)
            .map_err(|s| format!("{what}: {s}"))
    };
    wait("bash's prompt", &|s| s.contents().contains("$ "))?;
    pty.wait_quiet(Duration::from_millis(100), Duration::from_secs(2));
    let before = pty.stty().map_err(|e| e.to_string())?;
    let send = |keys: &str| pty.send(keys).map_err(|e| format!("typing: {e}"));
    send(&format!(
        "'{}' --db '{}' --lang en\r",
        setup.bin.display(),
        db.display()
    ))?;
    wait("the console", &|s| {
        s.alternate_screen() && s.contents().contains("Members") && marker_row(s).is_some()
    })?;
    let pid = *pty::children(pty.pid())
        .first()
        .ok_or("no console under bash")?;
    let _reap = KillOnDrop(pid);
    wait_presence(db, pid)?;
    pty.wait_quiet(Duration::from_millis(150), Duration::from_secs(3));
    let row = pty.with_screen(marker_row).ok_or("no selection marker")?;

    let at = Instant::now();
    match how {
        Suspend::Signal => pty::signal(pid, libc::SIGTSTP).map_err(|e| e.to_string())?,
        Suspend::Key => send("\x1a")?,
        Suspend::Stop => pty::signal(pid, libc::SIGSTOP).map_err(|e| e.to_string())?,
    }
    let what = match how {
        Suspend::Signal => "SIGTSTP (kill -TSTP)",
        Suspend::Key => "Ctrl-Z",
        Suspend::Stop => "SIGSTOP (kill -STOP)",
    };
    let stop = matches!(how, Suspend::Stop);
    wait(
        &format!("{what}: stopped, back on the shell's screen"),
        &|s| (stop || !s.alternate_screen()) && s.contents().contains("Stopped"),
    )?;
    let stopped = at.elapsed();
    if pty::proc_state(pid) != Some('T') {
        return Err(format!(
            "{what}: bash says stopped but the console's state is {:?}",
            pty::proc_state(pid)
        ));
    }
    if !stop {
        check_restored(&pty, &before).map_err(|e| format!("{what}, while stopped: {e}"))?;
    }

    send("fg\r")?;
    let at = Instant::now();
    wait("fg: the console repainted", &|s| {
        let text = s.contents();
        s.alternate_screen()
            && text.contains("Members")
            && !text.contains("Stopped")
            && !text.contains("$ ")
            && marker_row(s) == Some(row)
    })?;
    let redrawn = at.elapsed();
    let raw = pty.stty().map_err(|e| e.to_string())?;
    if !raw.contains("-icanon") || !raw.contains("-echo ") {
        return Err(format!("fg: the terminal is not in raw mode:\n{raw}"));
    }
    send("j")?;
    wait("j after fg moves the selection", &|s| {
        marker_row(s) == Some(row + 1)
    })?;

    send("q")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while pty::proc_state(pid).is_some_and(|c| c != 'Z') {
        if Instant::now() >= deadline {
            return Err("q after fg: still running".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    send("echo EXIT=$?\r")?;
    // not the typed command's echo (`echo EXIT=$?`); the answer may follow a prompt
    let status_line = |t: &str| {
        t.lines()
            .filter(|l| !l.contains("echo"))
            .find_map(|l| l.split_once("EXIT="))
            .map(|(_, c)| c.trim().to_string())
    };
    wait("the exit status", &|s| status_line(&s.contents()).is_some())?;
    let text = pty.contents();
    let code = status_line(&text).unwrap_or_default();
    if code != "0" {
        return Err(format!("q after fg: exit {code}\n{text}"));
    }
    check_restored(&pty, &before).map_err(|e| format!("after q: {e}"))?;
    let rows = presence(db, pid)?;
    if rows != 0 {
        return Err(format!("after q: {rows} presence rows left"));
    }
    if let Some(p) = log_panic(pty.dir()) {
        return Err(format!("panic: {p}"));
    }
    Ok(format!(
        "{what} then fg (bash): stopped after {}{}, repainted {} after fg in raw mode, j moves the selection, q: exit 0, terminal restored, presence removed",
        ms(stopped),
        if stop {
            ""
        } else {
            " with the terminal restored"
        },
        ms(redrawn)
    ))
}

/// Keys that do something somewhere, as a terminal sends them; `q` and Ctrl-C (quit)
/// are left out, so a run ends only by a crash (a quit through the palette is counted
/// and the console started again).
const SPECIAL: &[&str] = &[
    "\r",
    "\x1b",
    "\t",
    "\x1b[Z",
    "\x1b[A",
    "\x1b[B",
    "\x1b[C",
    "\x1b[D",
    "\x7f",
    " ",
    "\x04",
    "\x15",
    "\x13",
    "\x1b[5~",
    "\x1b[6~",
    "\x1b[H",
    "\x1b[F",
    "\x1a",
    "\x1c",
    "早",
    "群",
    "\x1b[200~粘贴 a paste\n2nd line\x1b[201~",
];

fn random_key(rng: &mut ChaCha8Rng) -> String {
    if rng.random_bool(0.3) {
        return SPECIAL[rng.random_range(0..SPECIAL.len())].to_string();
    }
    loop {
        let c = char::from(rng.random_range(b' '..=b'~'));
        if c != 'q' {
            return c.to_string();
        }
    }
}

/// Random keys on every tab with resizes between them (fixed seed): `keys` keys, a
/// fifth of them after each tab's number key, and `resizes` resizes spread over the
/// run (20×5 up to 160×50), then back to 100×30. No crash: the console runs until the
/// end (a quit through the palette is counted and it is started again), and SIGTERM then
/// ends it with exit 143 and the terminal restored; no panic in any log.
pub fn random_keys(setup: Setup<'_>, db: &Path, seed: u64, keys: usize, resizes: usize) -> Outcome {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pty = start(setup, db, Options::default())?;
    let mut quits = 0;
    let mut sent = 0usize;
    let mut resized = 0usize;
    let every = keys / resizes.max(1);
    let mut recent: Vec<String> = Vec::new();
    let started = Instant::now();
    for tab in 1..=5 {
        let share = if tab == 5 { keys - sent } else { keys / 5 };
        pty.send(&tab.to_string()).map_err(|e| e.to_string())?;
        let mut done = 0;
        while done < share {
            let chunk = rng.random_range(1..=6).min(share - done);
            let text: String = (0..chunk).map(|_| random_key(&mut rng)).collect();
            recent.push(text.clone());
            if recent.len() > 20 {
                recent.remove(0);
            }
            let seen = pty.bytes();
            pty.send(&text).map_err(|e| e.to_string())?;
            done += chunk;
            sent += chunk;
            if resizes > 0 && resized < resizes && sent >= (resized + 1) * every {
                let (c, r) = (rng.random_range(20..=160), rng.random_range(5..=50));
                pty.resize(c, r).map_err(|e| e.to_string())?;
                resized += 1;
            }
            // paced by the console: its answer to the keys, then a short quiet
            pty.wait_bytes(seen, Duration::from_millis(300));
            pty.wait_quiet(Duration::from_millis(3), Duration::from_millis(500));
            if let Some(st) = pty.try_wait().map_err(|e| e.to_string())? {
                let mut tail = String::new();
                for k in &recent {
                    let _ = write!(tail, "{k:?} ");
                }
                if st.code() != Some(0) {
                    return Err(format!(
                        "random keys: the console ended with {} after {sent} keys; the last keys: {tail}\nlog: {}\nscreen:\n{}",
                        status_text(st),
                        log_panic(pty.dir()).unwrap_or_default(),
                        pty.contents()
                    ));
                }
                // quit through the palette (no q, no Ctrl-C): start it again
                quits += 1;
                let old = std::mem::replace(&mut pty, start(setup, db, Options::default())?);
                if let Some(p) = log_panic(old.dir()) {
                    return Err(format!("panic: {p}"));
                }
                pty.send(&tab.to_string()).map_err(|e| e.to_string())?;
            }
        }
    }
    pty.resize(COLS, ROWS).map_err(|e| e.to_string())?;
    pty.wait_quiet(Duration::from_millis(50), Duration::from_secs(3));
    let typing = started.elapsed();
    let pid = pty.pid();
    let at = Instant::now();
    pty.signal(libc::SIGTERM).map_err(|e| e.to_string())?;
    let st = pty
        .wait_exit(Duration::from_secs(10))
        .map_err(|e| e.to_string())?
        .ok_or("SIGTERM after the keys: still running 10 s later")?;
    let took = at.elapsed();
    pty.wait_closed(Duration::from_secs(2));
    if st.code() != Some(143) {
        return Err(format!("SIGTERM after the keys: {}", status_text(st)));
    }
    check_restored(&pty, pty.stty_before()).map_err(|e| format!("after the keys: {e}"))?;
    if let Some(p) = log_panic(pty.dir()) {
        return Err(format!("panic: {p}"));
    }
    let rows = presence(db, pid)?;
    if rows != 0 {
        return Err(format!("after the keys: {rows} presence rows left"));
    }
    Ok(format!(
        "random keys: {sent} keys on 5 tabs (seed {seed}) with {resized} resizes in {:.1} s: no crash, no panic, {quits} quits through the palette; SIGTERM then: exit 143 after {}, terminal restored, presence removed",
        typing.as_secs_f64(),
        ms(took)
    ))
}
