//! The terminal guard. Operators work over SSH, so the terminal must come back sane on
//! every way out — normal quit, error, panic, SIGINT, SIGTERM, SIGHUP — and a console
//! whose terminal went away must not linger.
//!
//! The dead-terminal watchdog exists because crossterm 0.29's reader spins forever at
//! 100% CPU once the tty is gone (its read loop retries on EOF and EIO; crossterm issue
//! 793, fix pending in PR 1067), and a process that ignores SIGHUP (nohup, `trap ""
//! HUP`) is never told. A thread blocked in `poll(2)` asking for no events at all is
//! woken only by POLLHUP/POLLERR, so it costs nothing while the terminal lives.

use std::io::{self, Stdout, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static PANIC_HOOK: Once = Once::new();

/// Restores the terminal when dropped (and from the panic hook).
#[derive(Debug)]
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Raw mode, alternate screen, bracketed paste; the returned guard undoes them.
pub fn enter() -> io::Result<(Guard, Term)> {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            tracing::error!(
                "panic: {info}\n{}",
                std::backtrace::Backtrace::force_capture()
            );
            previous(info);
        }));
    });
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
    let term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok((Guard, term))
}

/// Put the terminal back. Idempotent; errors are ignored because the terminal may
/// already be gone, and there is nobody left to tell.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(
            out,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let _ = disable_raw_mode();
        let _ = out.flush();
    }
}

/// Was SIGHUP ignored when we started (nohup, `trap "" HUP`)? Then we keep it ignored,
/// as nohup promises, and rely on the watchdog to notice a dead terminal.
pub fn sighup_ignored() -> bool {
    // SAFETY: sigaction with a null new action only reads the current disposition
    // into `old`, which is a properly sized, zeroed struct.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGHUP, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

/// Call `gone` once the controlling terminal hangs up; if the process is still alive
/// `grace` later (the main loop is stuck), exit from here.
pub fn spawn_watchdog(gone: impl FnOnce() + Send + 'static, grace: Duration) -> io::Result<()> {
    let fd = tty_fd()?;
    std::thread::Builder::new()
        .name("tty-watchdog".into())
        .spawn(move || {
            loop {
                let mut p = libc::pollfd {
                    fd,
                    events: 0,
                    revents: 0,
                };
                // SAFETY: one valid pollfd, infinite timeout.
                let n = unsafe { libc::poll(&mut p, 1, -1) };
                if n < 0 {
                    if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                        continue;
                    }
                    return;
                }
                if p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                    break;
                }
            }
            tracing::info!("terminal hung up");
            gone();
            std::thread::sleep(grace);
            tracing::warn!("main loop did not stop after the hang-up; exiting");
            std::process::exit(129);
        })?;
    Ok(())
}

fn tty_fd() -> io::Result<libc::c_int> {
    // SAFETY: isatty only inspects the descriptor.
    if unsafe { libc::isatty(libc::STDIN_FILENO) } == 1 {
        return Ok(libc::STDIN_FILENO);
    }
    let f = std::fs::OpenOptions::new().read(true).open("/dev/tty")?;
    // The descriptor lives as long as the process: the watchdog needs it until exit.
    Ok(std::os::fd::IntoRawFd::into_raw_fd(f))
}
