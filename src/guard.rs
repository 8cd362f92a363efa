//! Guarded team mode (issue 12): what a `shequn` installed setgid to a team's service
//! group does with that group, and nothing else does. Privilege handling lives here
//! only: detecting the setgid start, cleaning the environment, deciding which paths may
//! be opened with the group, and dropping it.
//!
//! **The threat model.** In plain `--team` mode the database is a group-writable file:
//! anyone in the group can change it with any program (the sqlite3 shell: make
//! themself owner, drop the audit triggers, delete audit rows), so roles hold against
//! honest mistakes only. In guarded mode the operators are *not* in the group GROUP; the
//! team directory is 2770 and its files 0660 of GROUP, and `shequn` is installed
//! setgid GROUP. The only way an operator reaches the file is through shequn, whose
//! role checks and audit triggers then hold. For that, a setgid shequn:
//! * identifies the operator by the **real** uid (`config::operator_login`) and refuses
//!   to run setuid (it would then act with another account's file rights);
//! * keeps only an allow-list of the **environment** ([`KEPT`]), before anything reads
//!   it: nothing can redirect what it loads while it holds the group (SQLite's and
//!   the loader's variables, `TZ`, `SHEQUN_NOW`, which would date audit rows, and
//!   `SHEQUN_TZ`, which moves the day every console's upkeep writes for);
//! * opens only a database in a directory of its effective group with mode 2770
//!   ([`team_db`]), reached by a path the real user cannot change: were any component
//!   of it the user's to rename, they could swap a directory between the check and
//!   SQLite's open — and SQLite opens the `-wal` and `-shm` by name next to the
//!   database, so a swap would give their own database another team's log. `init
//!   --guarded` makes the directory only where the user can neither write nor enter
//!   ([`new_team_dir`]): the user owns what it makes, and must not reach it directly;
//! * opens its connections first (SQLite opens the database, `-wal` and `-shm` at
//!   the first read; the umask is 007 meanwhile, so what it creates is 0660 of GROUP)
//!   and then **drops the group** for good ([`Elevated::drop_group`]: real, effective
//!   and saved gid all the real one) before it reads a config or keymap file, writes a
//!   log, an export or the clipboard, or reads a file to import: what it does with a
//!   path the user gave it, it does with the user's own rights.
//!
//! The kernel does the rest: a setgid process is not dumpable and stays so after the
//! drop, so the operator can neither ptrace it nor take its descriptors from
//! `/proc/PID/fd`; SQLite opens every file close-on-exec; `ld.so` runs a setgid program
//! in secure mode (no `LD_PRELOAD` from anywhere, no `LD_LIBRARY_PATH`).
//!
//! Not protected: root; the owner of the binary (who can replace it); a bug in shequn
//! (it holds the file open with write access); copies of the data made readable to
//! others (backups, exports); and anyone in GROUP, who is trusted with the file.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::disk::group_name;

/// The environment a setgid shequn keeps. Everything else is removed at start.
/// * `LANG`, `LC_*`: the language of its words; `TERM`, `COLORTERM`, `NO_COLOR`: how
///   it draws — neither changes what it reads or writes;
/// * `HOME`, `XDG_CONFIG_HOME`, `XDG_STATE_HOME`, `XDG_DATA_HOME`: the keymap, the log
///   and the default database path; files are read and written there only after the
///   group is dropped, with the user's own rights (and the default database path is
///   refused like any path outside a team directory);
/// * `SHEQUN_DB`: like `--db`, and checked like it; `SHEQUN_LOG`: the level of the
///   user's own log file, written after the drop;
/// * `PATH`, `USER`, `LOGNAME`: harmless for shequn (which starts no program and never
///   takes its identity from them), kept for what a terminal session expects.
///
/// Removed, among others: `SHEQUN_NOW` (would date audit rows), `SHEQUN_TZ` (would move
/// the day the upkeep of a console writes for — missed marks, the day's items), `TZ`,
/// `TMPDIR` and `SQLITE_TMPDIR` (where SQLite would put temporary files), `LD_*`,
/// `MALLOC_*`, `RUST_*`. (`MIMALLOC_*` is read by the allocator before `main` and only
/// tunes memory.)
pub const KEPT: &[&str] = &[
    "LANG",
    "LANGUAGE",
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
    "XDG_DATA_HOME",
    "SHEQUN_DB",
    "SHEQUN_LOG",
    "PATH",
    "USER",
    "LOGNAME",
];

/// Removed variables that a user sets on purpose: said once on stderr, so a setting
/// that no longer applies is not silently ignored.
const NOTICED: &[&str] = &["SHEQUN_NOW", "SHEQUN_TZ"];

/// Why a setgid shequn refuses.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error(
        "shequn is installed setuid (effective uid {euid}, real uid {ruid}); it must be setgid \
         to the team's service group only (README: Team mode and the threat model)"
    )]
    Setuid { ruid: u32, euid: u32 },
    #[error(
        "this shequn is installed setgid {group} (guarded mode): it opens only a database in a \
         team directory of group {group} with mode 2770, and {path} is not in one ({why}); \
         pass --db DIR/team.db of your team (or SHEQUN_DB)"
    )]
    NotTeamDir {
        path: PathBuf,
        group: String,
        why: String,
    },
    #[error(
        "guarded mode: you can rename or replace {component}, so a database reached through it \
         cannot be trusted (a swapped directory would give SQLite another file); keep team \
         directories in a directory only root and the group can change, e.g. \
         `install -d -o root -g {group} -m 0770 /srv/shequn-{group}`"
    )]
    Replaceable { component: PathBuf, group: String },
    #[error(
        "init --guarded creates a new directory for the team in {parent}, which is itself a team \
         directory of {group}; team directories go side by side, e.g. in \
         /srv/shequn-{group}/ (root:{group}, mode 0770)"
    )]
    Nested { parent: PathBuf, group: String },
    #[error(
        "guarded mode: you can enter {parent}, so you could open the database init would make \
         there (yours) without shequn; make the team's directory in one only root and the group \
         can enter, e.g. `install -d -o root -g {group} -m 0770 /srv/shequn-{group}`"
    )]
    Reachable { parent: PathBuf, group: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("dropping the service group failed ({0}); stopping rather than running with it")]
    Drop(std::io::Error),
}

/// A shequn that started setgid: it holds `egid` until [`Elevated::drop_group`] (or
/// until this value is dropped, as a backstop on every error path).
#[derive(Debug)]
pub struct Elevated {
    rgid: libc::gid_t,
    egid: libc::gid_t,
    umask: libc::mode_t,
    dropped: bool,
}

impl Elevated {
    /// `Some` when this process runs setgid (effective gid ≠ real gid): the environment
    /// is then reduced to [`KEPT`] and the umask is 007 until the drop. Refuses a
    /// setuid start.
    ///
    /// # Safety
    /// Call first thing in `main`, before any other thread exists: it changes the
    /// environment (`std::env::remove_var`).
    pub unsafe fn detect() -> Result<Option<Elevated>, GuardError> {
        let (ruid, euid, _) = resuid();
        if ruid != euid {
            return Err(GuardError::Setuid { ruid, euid });
        }
        let (rgid, egid, _) = resgid();
        if rgid == egid {
            return Ok(None);
        }
        // SAFETY: the caller guarantees no other thread exists yet.
        unsafe { scrub_env() };
        // SAFETY: umask cannot fail and has no preconditions.
        let umask = unsafe { libc::umask(0o007) };
        Ok(Some(Elevated {
            rgid,
            egid,
            umask,
            dropped: false,
        }))
    }

    /// The service group this process holds.
    pub fn gid(&self) -> u32 {
        self.egid
    }

    /// Its name (or its number, for a group without an entry).
    pub fn group_name(&self) -> String {
        group_name(self.egid)
    }

    /// Give the group up for good: real, effective and saved gid become the real gid
    /// (so it cannot be taken back), then the user's umask returns.
    pub fn drop_group(&mut self) -> Result<(), GuardError> {
        if self.dropped {
            return Ok(());
        }
        // SAFETY: setresgid has no memory preconditions; glibc applies it to every
        // thread of the process.
        if unsafe { libc::setresgid(self.rgid, self.rgid, self.rgid) } != 0 {
            return Err(GuardError::Drop(std::io::Error::last_os_error()));
        }
        let (r, e, s) = resgid();
        if (r, e, s) != (self.rgid, self.rgid, self.rgid) {
            return Err(GuardError::Drop(std::io::Error::other(format!(
                "gids are {r}/{e}/{s} after the drop"
            ))));
        }
        // SAFETY: as above.
        unsafe { libc::umask(self.umask) };
        self.dropped = true;
        Ok(())
    }
}

impl Drop for Elevated {
    fn drop(&mut self) {
        // Every path out of the privileged start drops the group; if even this fails
        // the process must not go on holding it.
        if self.drop_group().is_err() {
            std::process::abort();
        }
    }
}

/// Keep [`KEPT`] and `LC_*`; remove the rest, naming on stderr the ones in [`NOTICED`].
///
/// # Safety
/// No other thread may exist (environment changes are not thread-safe).
unsafe fn scrub_env() {
    let mut notices = Vec::new();
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        if KEPT.contains(&name.as_ref()) || name.starts_with("LC_") {
            continue;
        }
        if let Some(n) = NOTICED.iter().find(|n| **n == name) {
            notices.push(*n);
        }
        // SAFETY: single-threaded, per the caller's contract.
        unsafe { std::env::remove_var(&key) };
    }
    for n in notices {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "shequn: {n} is ignored: this shequn is installed setgid (guarded mode)"
        );
    }
}

/// The database at `db` as a setgid shequn may open it: its canonical path, in a
/// directory of group `gid` with mode 2770, reached through components the real user
/// cannot change. The file itself need not exist (opening then says so).
pub fn team_db(db: &Path, gid: u32) -> Result<PathBuf, GuardError> {
    let group = group_name(gid);
    let outside = |why: String| GuardError::NotTeamDir {
        path: db.to_path_buf(),
        group: group.clone(),
        why,
    };
    let name = db
        .file_name()
        .ok_or_else(|| outside("it names no file".into()))?;
    let dir = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(dir).map_err(|e| outside(e.to_string()))?;
    let meta = std::fs::metadata(&dir).map_err(|e| outside(e.to_string()))?;
    if let Err(why) = team_dir_ok(&meta, gid) {
        return Err(outside(format!("{}: {why}", dir.display())));
    }
    let path = dir.join(name);
    match std::fs::symlink_metadata(&path) {
        Ok(m) if !m.file_type().is_file() => {
            return Err(outside(format!("{} is not a regular file", path.display())));
        }
        Ok(m) if m.gid() != gid => {
            return Err(outside(format!(
                "{} belongs to group {}",
                path.display(),
                group_name(m.gid())
            )));
        }
        _ => {}
    }
    if let Some(component) = replaceable(&path)? {
        return Err(GuardError::Replaceable { component, group });
    }
    Ok(path)
}

/// Where `init --guarded` may create the team's directory `dir` (which must not exist
/// yet; `init` says so): its canonical path, in a parent the real user can neither
/// write, enter nor change the path to, which is not itself a team directory. (The
/// user will own the new directory and file: were they able to reach them, they could
/// open the file without shequn.)
pub fn new_team_dir(dir: &Path, gid: u32) -> Result<PathBuf, GuardError> {
    let group = group_name(gid);
    let name = dir.file_name().ok_or_else(|| GuardError::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::other("names no directory"),
    })?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io = |source| GuardError::Io {
        path: parent.to_path_buf(),
        source,
    };
    let parent = std::fs::canonicalize(parent).map_err(io)?;
    let meta = std::fs::metadata(&parent).map_err(io)?;
    if team_dir_ok(&meta, gid).is_ok() {
        return Err(GuardError::Nested { parent, group });
    }
    let new = parent.join(name);
    // the new directory is the user's: its entry must sit where they cannot rename it
    if let Some(component) = replaceable(&new)? {
        return Err(GuardError::Replaceable { component, group });
    }
    // … nor reach it: its owner could open the file (also theirs) without shequn
    if resuid().0 != 0 && real_user_can(&parent, libc::X_OK) {
        return Err(GuardError::Reachable { parent, group });
    }
    Ok(new)
}

/// A team directory: group `gid`, mode exactly 2770 (setgid, so what is created in it
/// keeps the group; nothing for others). What `init --team`/`--guarded` make, and what
/// `doctor` can check.
pub fn team_dir_ok(meta: &std::fs::Metadata, gid: u32) -> Result<(), String> {
    if !meta.is_dir() {
        return Err("not a directory".into());
    }
    if meta.gid() != gid {
        return Err(format!(
            "group {}, not {}",
            group_name(meta.gid()),
            group_name(gid)
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode != 0o2770 {
        return Err(format!("mode {mode:04o}, not 2770"));
    }
    Ok(())
}

/// The first component of the absolute `path` (the last one included, when it exists)
/// whose directory entry the real user could rename, remove or replace: they can write
/// and search its parent, and the parent is not sticky — or it is and they own it or
/// the entry. Root is trusted with everything anyway.
fn replaceable(path: &Path) -> Result<Option<PathBuf>, GuardError> {
    let (ruid, _, _) = resuid();
    if ruid == 0 {
        return Ok(None);
    }
    let mut chain: Vec<&Path> = path.ancestors().collect();
    chain.reverse();
    for component in chain {
        let Some(parent) = component.parent() else {
            continue; // the root directory
        };
        if !real_user_can(parent, libc::W_OK | libc::X_OK) {
            continue;
        }
        let pmeta = std::fs::metadata(parent).map_err(|source| GuardError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
        let sticky = pmeta.mode() & libc::S_ISVTX != 0;
        if !sticky || pmeta.uid() == ruid {
            return Ok(Some(component.to_path_buf()));
        }
        match std::fs::symlink_metadata(component) {
            Ok(m) if m.uid() == ruid => return Ok(Some(component.to_path_buf())),
            Ok(_) => {}
            // a name not taken yet in a sticky directory the user can write: theirs
            Err(_) => return Ok(Some(component.to_path_buf())),
        }
    }
    Ok(None)
}

/// `faccessat` without `AT_EACCESS`: checked with the *real* uid and gid, i.e. what the
/// user could do without shequn.
pub fn real_user_can(path: &Path, mode: libc::c_int) -> bool {
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a NUL-terminated path that lives for the call.
    unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), mode, 0) == 0 }
}

fn resuid() -> (u32, u32, u32) {
    let (mut r, mut e, mut s) = (0, 0, 0);
    // SAFETY: three valid out-pointers; getresuid cannot fail with them.
    unsafe { libc::getresuid(&mut r, &mut e, &mut s) };
    (r, e, s)
}

fn resgid() -> (u32, u32, u32) {
    let (mut r, mut e, mut s) = (0, 0, 0);
    // SAFETY: three valid out-pointers; getresgid cannot fail with them.
    unsafe { libc::getresgid(&mut r, &mut e, &mut s) };
    (r, e, s)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    #[test]
    fn a_team_directory_is_2770_of_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let gid = std::fs::metadata(dir.path()).unwrap().gid();
        let set = |m| std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(m));
        set(0o2770).unwrap();
        let meta = std::fs::metadata(dir.path()).unwrap();
        assert_eq!(super::team_dir_ok(&meta, gid), Ok(()));
        assert!(super::team_dir_ok(&meta, gid + 1).is_err(), "another group");
        set(0o770).unwrap();
        let meta = std::fs::metadata(dir.path()).unwrap();
        let err = super::team_dir_ok(&meta, gid).unwrap_err();
        assert!(err.contains("0770"), "{err}");
        set(0o2775).unwrap();
        let meta = std::fs::metadata(dir.path()).unwrap();
        assert!(
            super::team_dir_ok(&meta, gid).is_err(),
            "readable by others"
        );
    }

    #[test]
    fn a_path_outside_a_team_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let gid = std::fs::metadata(dir.path()).unwrap().gid();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let err = super::team_db(&dir.path().join("x.db"), gid).unwrap_err();
        assert!(
            matches!(err, super::GuardError::NotTeamDir { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("mode 0700"), "{err}");
    }

    #[test]
    fn what_the_user_can_rename_is_found_and_root_is_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        std::fs::create_dir(&p).unwrap();
        let found = super::replaceable(&p.join("b")).unwrap();
        if super::resuid().0 == 0 {
            assert_eq!(found, None);
        } else {
            // the temp directory is ours: its entries are ours to rename
            assert!(found.is_some());
        }
    }
}
