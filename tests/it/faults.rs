//! Faults (issue 13 point 5), the CI part: a read-only database file, the read-only
//! `-wal`/`-shm` an older read-only open left behind, a read-only directory, a full disk
//! (a small tmpfs, as root) and a team directory of a group the user is not in — each
//! through the real binary, checked for the message (path, cause, fix; exit 1) and that
//! nothing is lost (`benches/common/faults.rs`; `cargo bench --bench faults` repeats
//! them and prints the figures). Also the console on a read-only database: the Today tab
//! shows the day, read-only, instead of "Loading…" forever.

#[path = "../../benches/common/faults.rs"]
mod harness;

use harness::Runner;

/// The binary under test: this build's, or `SHEQUN_HARNESS_BIN` (an older shequn, to
/// see what the harness finds in it).
fn bin() -> std::path::PathBuf {
    std::env::var_os("SHEQUN_HARNESS_BIN").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_BIN_EXE_shequn")),
        std::path::PathBuf::from,
    )
}

fn run_scenario(name: &str) {
    let runner = Runner::new(&bin());
    let (_, scenario) = harness::scenarios()
        .into_iter()
        .find(|(n, _)| *n == name)
        .expect("a scenario of that name");
    let (_dir, demo) = crate::fresh_demo();
    match scenario(&runner, &demo) {
        Err(skip) => println!("skipped {name}: {skip}"),
        Ok(checks) => {
            let failed: Vec<String> = checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| format!("{}: {}", c.name, c.detail))
                .collect();
            assert!(failed.is_empty(), "{name}:\n{}", failed.join("\n"));
            assert!(!checks.is_empty());
        }
    }
}

#[test]
fn a_read_only_file_opens_read_only_and_refuses_writes_with_the_fix() {
    run_scenario("read-only file");
}

#[test]
fn read_only_side_files_left_behind_do_not_block_writes() {
    run_scenario("read-only -wal/-shm left behind");
}

#[test]
fn a_read_only_directory_opens_read_only_and_refuses_writes_with_the_fix() {
    run_scenario("read-only directory");
}

#[test]
fn a_full_disk_is_said_as_such_and_loses_nothing() {
    run_scenario("full disk");
}

#[test]
fn a_user_outside_the_team_group_is_told_which_group_and_who_adds_them() {
    run_scenario("outside the team's group");
}

#[test]
fn the_today_tab_of_a_read_only_database_shows_the_day() {
    let runner = Runner::new(&bin());
    if let Err(skip) = runner.can_run() {
        println!("skipped: {skip}");
        return;
    }
    if runner.as_user.is_some() && which("setpriv").is_none() {
        println!("skipped: running the console as nobody needs setpriv");
        return;
    }
    let (dir, db) = crate::fresh_demo();
    // the day set up by a writer first; its first item's title is what must show
    let rows = crate::json(&db, &["sop", "today"]);
    let title = rows[0]["title"].as_str().expect("a title").to_string();
    let c = rusqlite::Connection::open(&db).expect("open");
    c.execute(
        "INSERT INTO operators (login, display_name, role, created_at) VALUES (?1, ?1, 'owner', 0)
         ON CONFLICT (login) DO UPDATE SET role = 'owner'",
        [&runner.login],
    )
    .expect("an owner");
    drop(c);
    let home = dir.path().join("home");
    std::fs::create_dir(&home).expect("home");
    for p in [dir.path(), &home, &db] {
        use std::os::unix::fs::PermissionsExt;
        runner.give(p);
        let mode = if p == db.as_path() { 0o444 } else { 0o755 };
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    let as_user = if runner.as_user.is_some() {
        "setpriv --reuid=65534 --regid=65534 --clear-groups "
    } else {
        ""
    };
    let tmux = crate::tmux::Tmux::new("readonly");
    tmux.start(&format!(
        "{as_user}env SHEQUN_NOW={} HOME={h} XDG_STATE_HOME={h}/state XDG_CONFIG_HOME={h}/none {} --db '{}' --lang en; echo EXIT=$?; sleep 30",
        crate::NOW,
        bin().display(),
        db.display(),
        h = home.display(),
    ));
    let screen = tmux.wait_for(&title);
    assert!(!screen.contains("Loading"), "{screen}");
    let screen = tmux.wait_for("read-only");
    assert!(!screen.contains("attempt to write"), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
}

fn which(cmd: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(cmd))
            .find(|p| p.exists())
    })
}
