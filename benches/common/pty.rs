//! A console in a pseudo-terminal, for benchmarks (and later tests): spawns a binary on
//! the slave side of a pty of a given size, in its own session with the pty as its
//! controlling terminal, with private `HOME`/`XDG_*` directories, `TERM=xterm-256color`
//! and the chosen `LANG`. A thread reads the master side, counts the bytes and feeds a
//! vt100 emulator, so the caller can wait for text on the screen; keys are written to
//! the master. CPU time comes from `/proc/<pid>/task/*/schedstat` (nanoseconds on the
//! CPU, summed over the threads alive when read): `/proc/<pid>/stat` counts 10 ms ticks,
//! too coarse for a 2 ms budget.
//!
//! The pty is `libc::openpty` (libc is already a dependency) with `setsid` + `TIOCSCTTY`
//! in `pre_exec`, so a resize (`TIOCSWINSZ`) sends SIGWINCH the way a terminal does and a
//! dead harness hangs the console up. Dropping a [`Pty`] kills the child if it is still
//! running: a panicking benchmark leaves no console behind.
//!
//! For the terminal harness (`benches/common/terminal.rs`, issue 13) it also sends
//! signals, hangs the terminal up on purpose ([`Pty::hang_up`]: the master side closed,
//! as sshd does when a connection drops), reads `stty -a` of the terminal (before the
//! child started, and now), and can start the child with SIGHUP ignored or with its
//! output on a second pty ([`Options`]). The screen's modes (alternate screen, cursor
//! shown, bracketed paste) are the vt100 emulator's: [`Pty::with_screen`].

// Included by several targets (the team benchmark through `common`, the terminal
// benchmark and `tests/it/terminal.rs` by path), each using a different part.
#![allow(dead_code)]

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What to run and how.
pub struct Spec<'a> {
    pub bin: &'a Path,
    pub args: Vec<String>,
    pub cols: u16,
    pub rows: u16,
    /// `LANG`, e.g. `zh_CN.UTF-8` or `en_US.UTF-8`.
    pub lang: &'a str,
    /// More environment (the rest is cleared but for `PATH`).
    pub env: Vec<(String, String)>,
}

/// How the child is started, beyond [`Spec`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// SIGHUP ignored in the child (as `nohup` or `trap '' HUP` leave it).
    pub ignore_hup: bool,
    /// Standard output and error on a second pty, whose master side the screen is read
    /// from and [`Pty::hang_up`] closes; standard input stays on the terminal (the
    /// controlling tty, where keys arrive). For a deterministic dead output.
    pub split_output: bool,
}

/// The emulated screen and what the reader has seen so far.
struct Screen {
    parser: vt100::Parser,
    /// Bytes read from the master side.
    bytes: u64,
    /// When the last bytes arrived (and were fed to the parser).
    last: Instant,
    /// The slave side is closed: the child is gone.
    eof: bool,
}

struct Shared {
    screen: Mutex<Screen>,
    changed: Condvar,
}

/// A child on a pty; see the module header.
pub struct Pty {
    child: Child,
    /// The terminal's master side (keys go in here); None once hung up.
    master: Option<File>,
    /// With [`Options::split_output`]: the master side of the output's pty.
    out_master: Option<File>,
    shared: Arc<Shared>,
    /// Tells the reader thread to let go of its descriptor (before a hang-up).
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
    /// The terminal's slave side, for `stty -F`.
    slave_path: PathBuf,
    /// `stty -a` of the terminal before the child started.
    stty_before: String,
    dir: tempfile::TempDir,
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn set_cloexec(fd: libc::c_int) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own; F_SETFD takes an int flag.
    cvt(unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) }).map(drop)
}

fn winsize(cols: u16, rows: u16) -> libc::winsize {
    libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

/// A new pty pair of the given size: (master, slave), both close-on-exec (neither may
/// leak into this or later children beyond stdin/out/err; dup2 clears the flag there).
fn open_pair(cols: u16, rows: u16) -> io::Result<(OwnedFd, OwnedFd)> {
    let (mut m, mut s) = (0, 0);
    let ws = winsize(cols, rows);
    // SAFETY: out-pointers to two ints; no name buffer, default termios, our winsize.
    cvt(unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) })?;
    // SAFETY: openpty returned two fresh descriptors that nobody else owns.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) };
    set_cloexec(master.as_raw_fd())?;
    set_cloexec(slave.as_raw_fd())?;
    Ok((master, slave))
}

/// `stty -a` of the tty at `path` (opened by stty itself, which is not a session
/// leader, so it never becomes anyone's controlling terminal).
pub fn stty(path: &Path) -> io::Result<String> {
    let out = Command::new("stty")
        .arg("-a")
        .arg("-F")
        .arg(path)
        .output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "stty -a -F {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The processes whose parent is `pid` (from `/proc/*/stat`).
pub fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let child: u32 = e.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
        // pid (comm) state ppid …; comm may hold spaces and parentheses
        let after = &stat[stat.rfind(')')? + 1..];
        let ppid: u32 = after.split_whitespace().nth(1)?.parse().ok()?;
        (ppid == pid).then_some(child)
    })
    .collect()
}

/// The state letter of process `pid` (`R`, `S`, `T` stopped, `Z` …), if it exists.
pub fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..].trim_start().chars().next()
}

impl Pty {
    pub fn spawn(spec: &Spec<'_>) -> io::Result<Pty> {
        Pty::spawn_with(spec, Options::default())
    }

    pub fn spawn_with(spec: &Spec<'_>, opts: Options) -> io::Result<Pty> {
        let dir = tempfile::Builder::new().prefix("shequn-pty-").tempdir()?;
        for d in ["state", "config", "data"] {
            std::fs::create_dir_all(dir.path().join(d))?;
        }
        let (master, slave) = open_pair(spec.cols, spec.rows)?;
        let slave_path = std::fs::read_link(format!("/proc/self/fd/{}", slave.as_raw_fd()))?;
        let stty_before = stty(&slave_path)?;
        let (out_master, out_slave) = if opts.split_output {
            let (m, s) = open_pair(spec.cols, spec.rows)?;
            (Some(m), s)
        } else {
            (None, slave.try_clone()?)
        };
        let mut cmd = Command::new(spec.bin);
        cmd.args(&spec.args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("TERM", "xterm-256color")
            .env("LANG", spec.lang)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::from(slave))
            .stdout(Stdio::from(out_slave.try_clone()?))
            .stderr(Stdio::from(out_slave));
        let ignore_hup = opts.ignore_hup;
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                cvt(libc::setsid())?;
                cvt(libc::ioctl(0, libc::TIOCSCTTY, 0))?;
                if ignore_hup {
                    // survives exec, as nohup relies on
                    libc::signal(libc::SIGHUP, libc::SIG_IGN);
                }
                Ok(())
            });
        }
        let child = cmd.spawn()?;
        // `cmd` still holds the slave descriptors: drop them, or the reader never sees
        // the end of the child
        drop(cmd);
        let master = File::from(master);
        let out_master = out_master.map(File::from);
        let shared = Arc::new(Shared {
            screen: Mutex::new(Screen {
                parser: vt100::Parser::new(nz(spec.rows), nz(spec.cols), 0),
                bytes: 0,
                last: Instant::now(),
                eof: false,
            }),
            changed: Condvar::new(),
        });
        let mut reader = out_master.as_ref().unwrap_or(&master).try_clone()?;
        let sh = Arc::clone(&shared);
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let reader = std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    // poll first, briefly, so that a hang-up can take the descriptor
                    // away from this thread (the tty hangs up on the last close only)
                    let mut p = libc::pollfd {
                        fd: reader.as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd.
                    let ready = unsafe { libc::poll(&mut p, 1, 20) };
                    if stopping.load(Ordering::SeqCst) {
                        lock(&sh.screen).eof = true;
                        sh.changed.notify_all();
                        return;
                    }
                    if ready <= 0 {
                        continue; // nothing yet, or EINTR
                    }
                    let n = match reader.read(&mut buf) {
                        Ok(0) => 0,
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        // EIO once the slave side is closed by everyone
                        Err(_) => 0,
                    };
                    let mut s = lock(&sh.screen);
                    if n == 0 {
                        s.eof = true;
                    } else {
                        s.parser.process(&buf[..n]);
                        s.bytes += n as u64;
                        s.last = Instant::now();
                    }
                    drop(s);
                    sh.changed.notify_all();
                    if n == 0 {
                        return;
                    }
                }
            })?;
        Ok(Pty {
            child,
            master: Some(master),
            out_master,
            shared,
            stop,
            reader: Some(reader),
            slave_path,
            stty_before,
            dir,
        })
    }

    /// The terminal's master side (keys, resizes); an error once hung up.
    fn master(&self) -> io::Result<&File> {
        self.master
            .as_ref()
            .ok_or_else(|| io::Error::other("the terminal was hung up"))
    }

    /// Sends signal `sig` to the child.
    pub fn signal(&self, sig: libc::c_int) -> io::Result<()> {
        signal(self.pid(), sig)
    }

    /// Hangs the screen's terminal up the way sshd does when a connection drops: its
    /// master side is closed (the last descriptor: the reader lets go of its copy
    /// first), and the kernel sends SIGHUP to the child if it is its controlling
    /// terminal. `before` runs right before that close (after the reader stopped), to
    /// race something against it; returns when the close happened. With
    /// [`Options::split_output`] only the output's pty is closed. Keys cannot be sent
    /// after a hang-up of the terminal.
    pub fn hang_up(&mut self, before: impl FnOnce()) -> Instant {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        before();
        if self.out_master.is_some() {
            drop(self.out_master.take());
        } else {
            drop(self.master.take());
        }
        Instant::now()
    }

    /// `stty -a` of the terminal before the child started.
    pub fn stty_before(&self) -> &str {
        &self.stty_before
    }

    /// `stty -a` of the terminal now.
    pub fn stty(&self) -> io::Result<String> {
        stty(&self.slave_path)
    }

    /// The child's exit status, if it has ended.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Waits up to `timeout` for the child to end (checking every millisecond); None if
    /// it is still running then (it is not killed).
    pub fn wait_exit(&mut self, timeout: Duration) -> io::Result<Option<ExitStatus>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(st) = self.child.try_wait()? {
                return Ok(Some(st));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits until the reader has seen the end of the output (every writer closed its
    /// side, or a hang-up): the screen then holds everything the child wrote.
    pub fn wait_closed(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.shared.screen);
        loop {
            if s.eof {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            s = match self.shared.changed.wait_timeout(s, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// The private directory `HOME` and `XDG_*` point into.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The console's log file (`$XDG_STATE_HOME/shequn/shequn.log`).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("state/shequn/shequn.log")
    }

    /// Types `keys` (bytes as a terminal sends them: `\r` is Enter, `\x1b` Esc).
    pub fn send(&self, keys: &str) -> io::Result<()> {
        let mut m = self.master()?;
        m.write_all(keys.as_bytes())?;
        m.flush()
    }

    /// Bytes the child has written so far.
    pub fn bytes(&self) -> u64 {
        lock(&self.shared.screen).bytes
    }

    /// The screen's text.
    pub fn contents(&self) -> String {
        self.with_screen(vt100::Screen::contents)
    }

    /// Looks at the screen as it is now.
    pub fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(lock(&self.shared.screen).parser.screen())
    }

    /// Waits until `pred` holds for the screen. Ok: how long after `since` the bytes
    /// that made it hold arrived (zero if it held already). Err: the screen at the
    /// timeout (or when the child went away), to say what was there instead.
    pub fn wait_for(
        &self,
        since: Instant,
        timeout: Duration,
        pred: impl Fn(&vt100::Screen) -> bool,
    ) -> Result<Duration, String> {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.shared.screen);
        loop {
            if pred(s.parser.screen()) {
                return Ok(s.last.saturating_duration_since(since));
            }
            let now = Instant::now();
            if s.eof || now >= deadline {
                let why = if s.eof {
                    "the console exited"
                } else {
                    "timeout"
                };
                return Err(format!(
                    "{why}; the screen:\n{}",
                    s.parser.screen().contents()
                ));
            }
            s = match self.shared.changed.wait_timeout(s, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// [`Pty::wait_for`] some text.
    pub fn wait_text(&self, text: &str, timeout: Duration) -> Result<Duration, String> {
        self.wait_for(Instant::now(), timeout, |s| s.contents().contains(text))
    }

    /// Waits until more than `seen` bytes have arrived (at most `timeout`); false on
    /// timeout. With [`Pty::bytes`] taken before a key: the key was answered.
    pub fn wait_bytes(&self, seen: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.shared.screen);
        loop {
            if s.bytes > seen {
                return true;
            }
            let now = Instant::now();
            if s.eof || now >= deadline {
                return false;
            }
            s = match self.shared.changed.wait_timeout(s, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// Waits until nothing has arrived for `quiet` (at most `timeout`); false on timeout.
    pub fn wait_quiet(&self, quiet: Duration, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let last = lock(&self.shared.screen).last;
            let now = Instant::now();
            if now.saturating_duration_since(last) >= quiet {
                return true;
            }
            if now >= deadline {
                return false;
            }
            std::thread::sleep(
                (last + quiet)
                    .saturating_duration_since(now)
                    .min(deadline - now),
            );
        }
    }

    /// CPU time of the child so far, in nanoseconds, summed over its live threads.
    pub fn cpu_ns(&self) -> io::Result<u64> {
        cpu_ns(self.pid())
    }

    /// Resizes the terminal (the child gets SIGWINCH) and the emulated screen.
    pub fn resize(&self, cols: u16, rows: u16) -> io::Result<()> {
        let ws = winsize(cols, rows);
        for m in [self.master.as_ref(), self.out_master.as_ref()]
            .into_iter()
            .flatten()
        {
            // SAFETY: TIOCSWINSZ reads one winsize from the pointer.
            cvt(unsafe { libc::ioctl(m.as_raw_fd(), libc::TIOCSWINSZ, &ws) })?;
        }
        lock(&self.shared.screen)
            .parser
            .set_size(nz(rows), nz(cols));
        Ok(())
    }

    /// Quits with `q` and waits for the exit (killing the child after `timeout`).
    pub fn quit(mut self, timeout: Duration) -> io::Result<ExitStatus> {
        let _ = self.send("q");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(st) = self.child.try_wait()? {
                return Ok(st);
            }
            if Instant::now() >= deadline {
                self.child.kill()?;
                let st = self.child.wait()?;
                return Err(io::Error::other(format!(
                    "no exit {timeout:?} after q; killed ({st})"
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // a grandchild (a console started by a shell) may still hold the slave side
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Sends signal `sig` to process `pid`.
pub fn signal(pid: u32, sig: libc::c_int) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    // SAFETY: kill with a plain pid and signal number.
    cvt(unsafe { libc::kill(pid, sig) }).map(drop)
}

/// CPU time of process `pid` in nanoseconds: the first field of each thread's
/// `schedstat`. Threads that already ended are not counted (the console's run for its
/// whole life).
pub fn cpu_ns(pid: u32) -> io::Result<u64> {
    let mut total = 0;
    for t in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let Ok(text) = std::fs::read_to_string(t?.path().join("schedstat")) else {
            continue; // the thread ended between the listing and the read
        };
        total += text
            .split_whitespace()
            .next()
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Ok(total)
}

fn lock(m: &Mutex<Screen>) -> MutexGuard<'_, Screen> {
    // a panic on the reader thread leaves the screen as it was: still worth reading
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).unwrap_or(std::num::NonZeroU16::MIN)
}
