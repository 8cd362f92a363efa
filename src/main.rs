//! The `shequn` binary: parse the command line, then run the console or one command.

use std::process::ExitCode;

use clap::Parser;

// mimalloc rather than glibc's malloc: `import chat` parses on one thread and writes on
// another, so every string is freed by a thread that did not allocate it, and glibc
// serialises those frees on the allocating arena's lock. Measured on the 1M-message
// import benchmark: the write phase 2.2–2.7 s → 1.7–2.1 s. A well-kept allocator made
// for this (Microsoft's, used by many Rust CLIs), one line, nothing else changes.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, which turns `shequn sop today | head` into a panic inside
    // println!. Restore the Unix default: the process ends quietly when the reader goes
    // away. Every write to the database is committed before anything is printed.
    // SAFETY: setting a signal's disposition to the default before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // clap exits 2 on a usage error; PRODUCT.md says bad input is 1 (2 is for data and
    // I/O failures), so parse errors are printed here and mapped.
    let cli = match shequn::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    shequn::config::init_logging();
    shequn::commands::main(cli)
}
