//! The `shequn` binary: parse the command line, then run the console or one command.

use std::io::Write;
use std::process::ExitCode;

// mimalloc rather than glibc's malloc: `import chat` parses on one thread and writes on
// another, so every string is freed by a thread that did not allocate it, and glibc
// serialises those frees on the allocating arena's lock. Measured on the 1M-message
// import benchmark: the write phase 2.2–2.7 s → 1.7–2.1 s. A well-kept allocator made
// for this (Microsoft's, used by many Rust CLIs), one line, nothing else changes.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    // mimalloc's own API (linked in by the `mimalloc` crate); libmimalloc-sys does not
    // bind this option, so the enum value is spelled out below and checked by a test.
    fn mi_option_set_default(option: libc::c_int, value: libc::c_long);
}

/// `mi_option_purge_delay` in mimalloc's `mimalloc.h`.
const MI_OPTION_PURGE_DELAY: libc::c_int = 15;

/// mimalloc 3 keeps freed memory for 1 s before it gives it back to the OS (its purge
/// delay; mimalloc 2 waited 10 ms). `import chat` frees parsed records by the megabyte
/// every second, so at its peak the process held ~13 MB that was already free. 10 ms,
/// as before: measured on the 1M-message import, no slower. A `MIMALLOC_PURGE_DELAY` in
/// the environment still wins (`set_default` leaves an option the user set alone).
fn tune_allocator() {
    // SAFETY: a plain setter on mimalloc's option table, valid at any time.
    unsafe { mi_option_set_default(MI_OPTION_PURGE_DELAY, 10) };
}

fn main() -> ExitCode {
    // First of all: a setgid shequn (guarded team mode) cleans its environment before
    // anything reads it, clap included. SAFETY: no other thread exists yet.
    let elevated = match unsafe { shequn::guard::Elevated::detect() } {
        Ok(e) => e,
        Err(e) => {
            // in the language the command line asks for (`--lang`, else LANG)
            let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
            let texts = shequn::cli::help::lang_of(&args).texts();
            let _ = writeln!(std::io::stderr(), "shequn: {}", texts.guard_error(&e));
            return ExitCode::from(1);
        }
    };
    tune_allocator();
    // Rust ignores SIGPIPE, which turns `shequn sop today | head` into a panic inside
    // println!. Restore the Unix default: the process ends quietly when the reader goes
    // away. Every write to the database is committed before anything is printed.
    // SAFETY: setting a signal's disposition to the default before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // clap exits 2 on a usage error; PRODUCT.md says bad input is 1 (2 is for data and
    // I/O failures), so parse errors are printed here and mapped. Help and refusals are
    // in the user's language, chosen before parsing as after it (`--lang`, else LANG).
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = shequn::cli::help::lang_of(&args);
    let cli = match shequn::cli::help::parse(lang, args) {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let text = shequn::cli::help::error_text(lang.texts(), &e);
            let _ = write!(std::io::stderr(), "{text}");
            return ExitCode::from(1);
        }
        Err(e) => {
            // --help, --version: clap prints them (with colour on a terminal)
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    // (the log is opened in there: after a setgid shequn has dropped its group)
    shequn::commands::main(cli, elevated)
}

#[cfg(test)]
mod tests {
    unsafe extern "C" {
        fn mi_option_get(option: libc::c_int) -> libc::c_long;
    }

    /// The option number is mimalloc's enum value, not checked by the compiler: if an
    /// update of mimalloc moves it, the number would set some other option. Its default
    /// (1,000 ms in mimalloc 3) is unlike any neighbour's.
    #[test]
    fn purge_delay_is_the_option_we_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: a plain getter on mimalloc's option table.
        let before = unsafe { mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(
            before,
            1000,
            "option {} is not purge_delay",
            super::MI_OPTION_PURGE_DELAY
        );
        super::tune_allocator();
        // SAFETY: as above.
        assert_eq!(unsafe { mi_option_get(super::MI_OPTION_PURGE_DELAY) }, 10);
    }
}
