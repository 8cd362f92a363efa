//! Bad input (issue 13), the CI part: every import fixture with the harness's fixed
//! mutations, and a fixed-seed budget of random edits, through the real binary —
//! exit 0 or 1 only, `file:line:` on 1, the database byte-identical on 1, no hang
//! (`benches/common/badinput.rs`; `cargo bench --bench badinput` runs many more). Also
//! the cut CSV (point 2): refused at the line its quoted field started, and the
//! whole file then imports as if the cut one had never been tried.

#[path = "../../benches/common/badinput.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::time::Duration;

use harness::{Harness, Tally};

/// Random cases per CI run: with the fixed mutations, about 15 s in a debug build on two
/// cores.
const CASES: u32 = 48;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

/// The binary under test: this build's, or `SHEQUN_HARNESS_BIN` (an older shequn, to
/// see what the harness finds in it).
fn harness() -> Harness {
    let bin = std::env::var_os("SHEQUN_HARNESS_BIN")
        .map_or_else(|| assert_cmd::cargo::cargo_bin("shequn"), PathBuf::from);
    Harness::new(&bin, Duration::from_secs(30))
}

#[test]
fn every_fixture_mutated_is_imported_or_refused_with_its_line_and_nothing_written() {
    let h = harness();
    let seeds = harness::seeds(&fixtures());
    assert!(seeds.len() >= 18, "{} fixtures", seeds.len());
    let mut tally = Tally::default();
    for seed in &seeds {
        for m in harness::fixed(seed) {
            let o = h.run(seed, &m.bytes);
            tally.add_case(&format!("{} {}", seed.name, m.what), &o, m.must_refuse);
        }
    }
    assert!(
        tally.faults.is_empty(),
        "{} of {} runs broke the rules:\n{}",
        tally.faults.len(),
        tally.runs,
        tally.faults.join("\n")
    );
    // both answers happen: the harness is not passing by refusing (or taking) everything
    println!("{tally:?}");
    assert!(tally.exit0 > 20 && tally.exit1 > 100, "{tally:?}");
    assert!(tally.must_refuse > 40, "{tally:?}");
}

#[test]
fn random_edits_from_a_fixed_seed() {
    let h = harness();
    let seeds = harness::seeds(&fixtures());
    let mut runner = harness::runner(CASES);
    let result = runner.run(&harness::case(seeds.len()), |(i, edits)| {
        let seed = &seeds[i];
        let o = h.run(seed, &harness::edited(seed, &edits));
        if let Some(fault) = o.fault() {
            return Err(proptest::test_runner::TestCaseError::fail(format!(
                "{} with {edits:?}: {fault}",
                seed.name
            )));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn a_chatlog_cut_inside_a_quoted_field_is_refused_at_its_line_and_the_whole_file_imports() {
    let (dir, db) = crate::init_db();
    let whole = fixtures().join("chatlog.csv");
    let bytes = std::fs::read(&whole).expect("fixture");
    // `head -c 554 chatlog.csv`: the last row's text is cut to `"Hell`
    let cut = dir.path().join("chatlog.csv");
    std::fs::write(&cut, &bytes[..554]).expect("write");
    // the first command on a new database judges its KPIs: compare from after that
    crate::bin()
        .args(["kpi", "--db"])
        .arg(&db)
        .assert()
        .success();
    let before = crate::dump_except(&db, &[]);
    let out = crate::bin()
        .args(["import", "chat"])
        .arg(&cut)
        .args(["--group", "读书会", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{}:6:", cut.display())) && err.contains("quoted field"),
        "{err}"
    );
    assert_eq!(
        crate::dump_except(&db, &[]),
        before,
        "the cut file wrote something"
    );
    let v = crate::json(
        &db,
        &[
            "import",
            "chat",
            whole.to_str().expect("UTF-8 path"),
            "--group",
            "读书会",
        ],
    );
    assert_eq!(v["messages"], 7, "{v}");
    let c = rusqlite::Connection::open(&db).expect("open");
    let hell: i64 = c
        .query_row(
            "SELECT count(*) FROM messages WHERE content = 'Hell'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(hell, 0);
}
