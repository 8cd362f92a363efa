//! The terminal harness in CI (issue 13 point 4): real consoles in a pseudo-terminal
//! (and tmux) ended by SIGHUP ×20, SIGTERM, SIGINT, SIGQUIT and hang-ups, suspended by
//! SIGTSTP and Ctrl-Z and continued with `fg` from an interactive bash, and fed random
//! keys on every tab with resizes. The scenarios are `benches/common/terminal.rs`,
//! shared with `cargo bench --bench terminal` (the long run: SIGHUP ×200, 10,000 keys).
//! Each prints its line of figures (`cargo test --test it terminal -- --nocapture`).
//!
//! On the code before issue 13 these fail: the SIGHUP runs (one hang-up in four to
//! eight panicked; the dead-output run always did), SIGQUIT (killed by the signal, the
//! terminal left raw on the alternate screen), and both suspends (SIGTSTP stopped the
//! console on the alternate screen and `fg` left it in cooked mode; Ctrl-Z did nothing).

use crate::pty;
#[path = "../../benches/common/terminal.rs"]
mod scenarios;

use std::path::Path;

use scenarios::{Outcome, Setup, Suspend};

fn setup() -> Setup<'static> {
    Setup {
        bin: Path::new(env!("CARGO_BIN_EXE_shequn")),
        now: crate::NOW,
    }
}

fn check(r: Outcome) {
    match r {
        Ok(line) => println!("terminal: {line}"),
        Err(e) => panic!("terminal: {e}"),
    }
}

#[test]
fn sighup_x20_exits_129_without_a_panic_and_leaves_presence() {
    let (_d, db) = crate::init_db();
    check(scenarios::sighup(setup(), &db, 20));
}

#[test]
fn sighup_with_the_output_already_dead_never_panics() {
    let (_d, db) = crate::init_db();
    check(scenarios::sighup_dead_output(setup(), &db));
}

#[test]
fn sigterm_sigint_sigquit_and_sighup_restore_the_terminal() {
    let (_d, db) = crate::init_db();
    for (sig, name, code) in [
        (libc::SIGTERM, "SIGTERM", 143),
        (libc::SIGINT, "SIGINT", 130),
        (libc::SIGQUIT, "SIGQUIT", 131),
        (libc::SIGHUP, "SIGHUP, terminal still open", 129),
    ] {
        check(scenarios::signal_exit(setup(), &db, sig, name, code));
    }
}

#[test]
fn a_hang_up_with_sighup_ignored_ends_the_console() {
    let (_d, db) = crate::init_db();
    check(scenarios::hangup_hup_ignored(setup(), &db));
    match scenarios::tmux_kill_server(setup(), &db) {
        Ok(Some(line)) => println!("terminal: {line}"),
        Ok(None) => println!("terminal: tmux kill-server skipped: tmux is not installed"),
        Err(e) => panic!("terminal: {e}"),
    }
}

#[test]
fn sigtstp_ctrl_z_or_sigstop_then_fg_gives_the_terminal_back_and_takes_it_again() {
    let (_d, db) = crate::fresh_demo();
    check(scenarios::suspend_continue(setup(), &db, Suspend::Signal));
    check(scenarios::suspend_continue(setup(), &db, Suspend::Key));
    check(scenarios::suspend_continue(setup(), &db, Suspend::Stop));
}

#[test]
fn random_keys_on_every_tab_with_resizes_do_not_crash() {
    let (_d, db) = crate::fresh_demo();
    check(scenarios::random_keys(setup(), &db, 13, 300, 20));
}
