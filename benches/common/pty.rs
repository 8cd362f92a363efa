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

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
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
    master: File,
    shared: Arc<Shared>,
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

impl Pty {
    pub fn spawn(spec: &Spec<'_>) -> io::Result<Pty> {
        let dir = tempfile::Builder::new().prefix("shequn-pty-").tempdir()?;
        for d in ["state", "config", "data"] {
            std::fs::create_dir_all(dir.path().join(d))?;
        }
        let (mut m, mut s) = (0, 0);
        let ws = winsize(spec.cols, spec.rows);
        // SAFETY: out-pointers to two ints; no name buffer, default termios, our winsize.
        cvt(unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) })?;
        // SAFETY: openpty returned two fresh descriptors that nobody else owns.
        let (master, slave) = unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) };
        // neither may leak into this or later children beyond stdin/out/err (dup2
        // clears the flag on those)
        set_cloexec(master.as_raw_fd())?;
        set_cloexec(slave.as_raw_fd())?;
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
            .stdin(Stdio::from(slave.try_clone()?))
            .stdout(Stdio::from(slave.try_clone()?))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                cvt(libc::setsid())?;
                cvt(libc::ioctl(0, libc::TIOCSCTTY, 0))?;
                Ok(())
            });
        }
        let child = cmd.spawn()?;
        // `cmd` still holds the slave descriptors: drop them, or the reader never sees
        // the end of the child
        drop(cmd);
        let master = File::from(master);
        let shared = Arc::new(Shared {
            screen: Mutex::new(Screen {
                parser: vt100::Parser::new(nz(spec.rows), nz(spec.cols), 0),
                bytes: 0,
                last: Instant::now(),
                eof: false,
            }),
            changed: Condvar::new(),
        });
        let mut reader = master.try_clone()?;
        let sh = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
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
            master,
            shared,
            dir,
        })
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
        (&self.master).write_all(keys.as_bytes())?;
        (&self.master).flush()
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
        // SAFETY: TIOCSWINSZ reads one winsize from the pointer.
        cvt(unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &ws) })?;
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
    }
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
