//! The concurrency harness in CI (issue 13): 4 writer processes × 50 mixed CLI writes
//! (SOP done/undo/claim on shared and own items, content steps, reminders, imports of
//! shared and own files) on one demo database while two consoles are open on it in
//! pseudo-terminals; every success checked against its rows and audit rows, no lost
//! update, `integrity_check`, `foreign_key_check`, the consoles answering keys. The
//! harness is `benches/common/concurrency.rs`; `cargo bench --bench concurrency` runs it
//! at 8 × 1,000.

use std::path::Path;

use crate::{NOW, fresh_demo};

use crate::pty;

#[path = "../../benches/common/concurrency.rs"]
mod harness;

#[test]
fn four_processes_fifty_writes_two_consoles() {
    let (_dir, db) = fresh_demo();
    let out = harness::run(&harness::Config {
        bin: Path::new(env!("CARGO_BIN_EXE_shequn")),
        db: &db,
        procs: 4,
        ops: 50,
        seed: 13,
        now: NOW,
    })
    .expect("the harness ran");
    assert!(
        out.failures.is_empty(),
        "{} failure(s):\n{}\n\nthe run:\n{}",
        out.failures.len(),
        out.failures.join("\n"),
        out.lines.join("\n")
    );
}
