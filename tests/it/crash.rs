//! Crash and slow input (issue 13, point 3), the CI part: `kill -9` at 5 fixed-seed
//! random points of a 100k-row chat import, each followed by `integrity_check`,
//! `foreign_key_check` and the all-or-nothing count as a reader sees it, then the import
//! run to completion (it completes the interrupted one) and once more (it adds nothing);
//! and an import reading a stalled pipe while another process writes in a loop — no
//! write fails "busy" or waits long. The harness is `benches/common/crash.rs`;
//! `cargo bench --bench crash` runs it longer (K = 20 on 1M rows).

#[path = "../../benches/common/crash.rs"]
mod harness;

use std::time::Duration;

use harness::Runner;

/// The binary under test: this build's, or `SHEQUN_HARNESS_BIN` (an older shequn, to
/// see what the harness finds in it).
fn bin() -> std::path::PathBuf {
    std::env::var_os("SHEQUN_HARNESS_BIN").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_BIN_EXE_shequn")),
        std::path::PathBuf::from,
    )
}

#[test]
fn a_chat_import_killed_anywhere_leaves_all_or_nothing_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runner = Runner::new(&bin(), dir.path());
    let report = harness::crash_run(&runner, 100_000, 5, 13, &mut |l| println!("{l}"))
        .expect("the crash run ran");
    assert!(
        report.failures.is_empty(),
        "{}\n\nfailures:\n{}",
        report.lines.join("\n"),
        report.failures.join("\n")
    );
    // the kill points fall inside the import, not after it
    assert!(report.killed >= 3, "{}", report.lines.join("\n"));
}

#[test]
fn a_stalled_input_never_makes_a_colleague_wait() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runner = Runner::new(&bin(), dir.path());
    // 6 s of trickling input: longer than the 5 s a write waits before "busy"
    let report =
        harness::stalled_pipe(&runner, 2_000, Duration::from_secs(6)).expect("the run ran");
    let summary = format!(
        "{} writes during the import, longest {:.2}s, {} failed; import {:?} in {:.1}s\n{}",
        report.writes,
        report.longest.as_secs_f64(),
        report.failed.len(),
        report.import_result,
        report.import_time.as_secs_f64(),
        report.failed.join("\n")
    );
    println!("{summary}");
    assert_eq!(report.import_result, Ok((2_000, 0)), "{summary}");
    assert!(report.writes >= 3, "{summary}");
    assert!(report.failed.is_empty(), "{summary}");
    assert!(report.longest < Duration::from_millis(1_500), "{summary}");
}
