//! The terminal guard. Operators work over SSH, so the terminal must come back sane on
//! every way out — normal quit, error, panic, SIGINT, SIGTERM, SIGQUIT — a terminal
//! that hung up (SIGHUP, a dead tty) is never written to again, a console whose
//! terminal went away must not linger, and Ctrl-Z / SIGTSTP hands the terminal back
//! before the process stops and takes it again when it is continued.
//!
//! The dead-terminal watchdog exists because crossterm 0.29's reader spins forever at
//! 100% CPU once the tty is gone (its read loop retries on EOF and EIO; crossterm issue
//! 793, fix pending in PR 1067), and a process that ignores SIGHUP (nohup, `trap ""
//! HUP`) is never told. A thread blocked in `poll(2)` asking for no events at all is
//! woken only by POLLHUP/POLLERR, so it costs nothing while the terminal lives.
//!
//! Writing to a hung-up tty fails with EIO, and ratatui's `Terminal` answers a failed
//! write in its `Drop` with `eprintln!` — which panics on a dead stderr (issue 13: one
//! SIGHUP in eight ended in a panic). So the `Terminal` is never dropped ([`Term`] is a
//! `ManuallyDrop`), and [`restore`] writes nothing once the terminal has hung up.

use std::io::{self, Stdout, Write};
use std::mem::ManuallyDrop;
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

/// The console's terminal. Never dropped: ratatui's `Drop` shows a hidden cursor and
/// `eprintln!`s when that fails, which panics when stderr is a hung-up tty (see the
/// header). [`restore`] shows the cursor itself; the two screen buffers are left to the
/// process's end.
pub type Term = ManuallyDrop<Terminal<CrosstermBackend<Stdout>>>;

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
    Ok((Guard, ManuallyDrop::new(term)))
}

/// Put the terminal back. Idempotent; errors are ignored because the terminal may
/// already be gone, and there is nobody left to tell. A terminal that hung up gets no
/// byte and no ioctl: there is nothing to restore on it.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) && !hung_up() {
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

/// Ctrl-Z or SIGTSTP: give the terminal back as it was and stop, as a program in
/// cooked mode would have been stopped by the shell. Returns once the process is
/// continued (`fg`, SIGCONT); then [`resume`] takes the terminal again. `group`: stop
/// the whole process group (Ctrl-Z typed in raw mode never reached the tty driver,
/// which would have stopped the whole foreground job: a wrapper script too), else only
/// this process (a SIGTSTP sent to it alone).
///
/// An orphaned process group (no shell left to continue it) is not stopped at all by
/// the kernel; then this returns at once and the console simply takes the terminal
/// again. False (and the terminal untouched) when SIGTSTP was ignored when we started:
/// whoever started us asked for no stops (a shell without job control).
pub fn suspend(group: bool) -> bool {
    if ignored_at_start(libc::SIGTSTP) {
        return false;
    }
    restore();
    stop(group);
    true
}

/// SIGTSTP with its default action (stop), the way vim, less and htop re-raise it: the
/// handler (tokio's) is set aside while the signal is sent and put back once continued.
fn stop(group: bool) {
    // SAFETY: sigaction with zeroed, properly sized structs; kill with our own pid or
    // our own process group. The event loop runs on the main thread, which is the
    // thread the kernel picks for a signal sent to its own process, so the stop
    // happens on the way out of `kill`, before the handler is put back.
    unsafe {
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut dfl.sa_mask);
        let mut saved: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGTSTP, &dfl, &mut saved) != 0 {
            tracing::warn!("cannot suspend: {}", io::Error::last_os_error());
            return;
        }
        let target = if group { 0 } else { libc::getpid() };
        if libc::kill(target, libc::SIGTSTP) != 0 {
            tracing::warn!("cannot suspend: {}", io::Error::last_os_error());
        }
        libc::sigaction(libc::SIGTSTP, &saved, std::ptr::null_mut());
    }
}

/// After a stop (ours, or a SIGSTOP nobody could catch): raw mode, the alternate screen
/// and bracketed paste again. The caller repaints the whole screen (the shell wrote on
/// it meanwhile). Nothing is written to a terminal that hung up while we were stopped.
pub fn resume() -> io::Result<()> {
    if hung_up() {
        return Ok(());
    }
    if taken_away() {
        // crossterm skips enable_raw_mode while it believes raw mode is on, but after a
        // SIGSTOP the shell has put the terminal back to cooked mode behind its back.
        // (Only then: a terminal still raw is never flipped to cooked and back, which
        // would let keys typed meanwhile wait for an Enter.)
        let _ = disable_raw_mode();
        enable_raw_mode()?;
    }
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)
}

/// Is the terminal in canonical (cooked) mode, i.e. not ours any more? After a SIGCONT:
/// a console stopped by SIGSTOP finds the terminal as the shell left it; one that was
/// stopped and continued with nobody touching the terminal (or that took it back
/// already, after its own stop) finds it raw and needs nothing. The descriptor is
/// crossterm's: standard input if it is a terminal, else `/dev/tty`.
pub fn taken_away() -> bool {
    let own;
    // SAFETY: isatty only inspects the descriptor.
    let fd = if unsafe { libc::isatty(libc::STDIN_FILENO) } == 1 {
        libc::STDIN_FILENO
    } else {
        match std::fs::File::open("/dev/tty") {
            Ok(f) => {
                own = f;
                std::os::fd::AsRawFd::as_raw_fd(&own)
            }
            Err(_) => return false,
        }
    };
    // SAFETY: tcgetattr into a zeroed, properly sized termios.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        libc::tcgetattr(fd, &mut t) == 0 && t.c_lflag & libc::ICANON != 0
    }
}

/// Has the terminal hung up (an SSH drop, a closed window, a killed tmux)? Once the
/// kernel has hung a tty up, every descriptor on it polls POLLHUP/POLLERR — and it does
/// so before it sends SIGHUP, so a console told SIGHUP by a hang-up always sees it
/// here. Standard input and output are both asked (the console reads one, draws on the
/// other); only character devices count (a closed pipe is not a terminal hanging up).
pub fn hung_up() -> bool {
    [libc::STDIN_FILENO, libc::STDOUT_FILENO]
        .into_iter()
        .any(|fd| char_device(fd) && fd_hung_up(fd))
}

fn char_device(fd: libc::c_int) -> bool {
    // SAFETY: fstat into a zeroed, properly sized struct; works on a hung-up tty.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        libc::fstat(fd, &mut st) == 0 && st.st_mode & libc::S_IFMT == libc::S_IFCHR
    }
}

fn fd_hung_up(fd: libc::c_int) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no waiting.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n > 0 && p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// Was SIGHUP ignored when we started (nohup, `trap "" HUP`)? Then we keep it ignored,
/// as nohup promises, and rely on the watchdog to notice a dead terminal.
pub fn sighup_ignored() -> bool {
    ignored_at_start(libc::SIGHUP)
}

/// Is `sig` ignored? Asked before the console installs its handlers (a handled signal
/// is not ignored), so it tells what whoever started us chose; the console leaves such
/// a signal ignored.
pub fn ignored_at_start(sig: libc::c_int) -> bool {
    // SAFETY: sigaction with a null new action only reads the current disposition
    // into `old`, which is a properly sized, zeroed struct.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN
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
