//! `shequn init [--team UNIXGROUP | --guarded UNIXGROUP]`: create an empty database;
//! the caller becomes its owner, and its first audit row records how it was set up
//! (`store::operators::Setup`).
//!
//! With `--team` or `--guarded`, init creates the database's own directory — never an
//! existing one: making an existing directory group-writable and setgid would hand the
//! group whatever else is in it (a home directory's `.bashrc`, a sticky `/tmp`). The
//! directory is 2770 of the group (setgid, so the `-wal` and `-shm` SQLite creates keep
//! the group) and the file 0660, created so before SQLite opens it: SQLite gives the
//! `-wal` and `-shm` the database file's mode. `--guarded` does this in the privileged
//! start of a setgid shequn ([`create_guarded`], `crate::guard`).
//!
//! A network or FUSE filesystem is refused (WAL needs a local one).

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::{Ctx, UserError};
use crate::domain::roles::Perm;
use crate::i18n::{Texts, fill};
use crate::store::operators::Setup;
use crate::store::{Store, StoreError, operators, sop};

/// How the database is to be set up, as the command line asked.
#[derive(Debug, Clone, Copy)]
pub enum Mode<'a> {
    Personal,
    Team(&'a str),
    Guarded(&'a str),
}

pub fn run(ctx: &Ctx, mode: Mode<'_>) -> anyhow::Result<ExitCode> {
    if ctx.readonly {
        return Err(StoreError::ReadOnly.into());
    }
    let t = ctx.lang.texts();
    let (mut store, setup) = match mode {
        Mode::Personal => {
            refuse_existing(t, &ctx.db)?;
            refuse_network_fs(t, &ctx.db)?;
            let dir = ctx
                .db
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)
                .with_context(|| fill(&t.errors.create, &[("path", &dir.display())]))?;
            (Store::create(&ctx.db, &ctx.operator)?, Setup::Personal)
        }
        Mode::Team(group) => {
            let gid = group_id(t, group)?;
            refuse_existing(t, &ctx.db)?;
            refuse_network_fs(t, &ctx.db)?;
            make_team_dir(t, &ctx.db, gid)?;
            let store = Store::create(&ctx.db, &ctx.operator).inspect_err(|_| undo(&ctx.db))?;
            let group = group.to_string();
            (store, Setup::Team { group })
        }
        // created by the privileged start, which kept the connection for us
        Mode::Guarded(group) => match crate::ctx::preopened::take(&ctx.db)? {
            Some(store) => (
                store,
                Setup::Guarded {
                    group: group.to_string(),
                },
            ),
            None => {
                return Err(
                    UserError(fill(&t.errors.guarded_needs_setgid, &[("group", &group)])).into(),
                );
            }
        },
    };
    let now = ctx.now().timestamp();
    // a new file has no operators yet: its creator is its owner
    store.write(Perm::OperatorGrant, |tx, op| {
        operators::init_owner(tx, op, now, &setup)?;
        sop::install_shipped(tx, op, now)?;
        Ok(())
    })?;
    println!(
        "{}",
        fill(
            &t.summaries.created,
            &[("db", &ctx.db.display()), ("owner", &ctx.operator)]
        )
    );
    // what to do next, with the commands as they must be typed
    println!("\n{}", fill(&t.first_run.steps, &[("db", &ctx.db_flag())]));
    Ok(ExitCode::SUCCESS)
}

/// SQLite's WAL needs shared memory and locks that work between every process using the
/// file: NFS, SMB/CIFS, sshfs and other FUSE mounts do not give them reliably (a
/// corrupted team database later, not an error now), so `init` refuses them.
fn refuse_network_fs(t: &Texts, db: &Path) -> Result<(), UserError> {
    let landing = crate::disk::nearest_existing(&crate::disk::dir_of(db));
    match crate::disk::fs_kind(&landing) {
        Ok(Some(kind)) if kind.unsafe_for_wal => Err(UserError(fill(
            &t.errors.network_fs,
            &[("path", &landing.display()), ("fs", &kind.name)],
        ))),
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::warn!("statfs {}: {e}", landing.display());
            Ok(())
        }
    }
}

/// `init --guarded GROUP` in a setgid shequn, before it drops its group: check where
/// the team directory goes (`guard::new_team_dir`), make it and the empty file, and
/// open the database. Returns its canonical path with the connection.
pub fn create_guarded(
    t: &Texts,
    db: &Path,
    group: &str,
    elevated: &crate::guard::Elevated,
    operator: &str,
) -> anyhow::Result<(PathBuf, Store)> {
    let gid = group_id(t, group)?;
    if gid != elevated.gid() {
        return Err(UserError(fill(
            &t.errors.guarded_other_group,
            &[("installed", &elevated.group_name()), ("group", &group)],
        ))
        .into());
    }
    refuse_existing(t, db)?;
    let name = db
        .file_name()
        .ok_or_else(|| UserError(fill(&t.errors.no_file_name, &[("db", &db.display())])))?;
    let dir = crate::guard::new_team_dir(own_dir(t, db)?, gid)
        .map_err(|e| UserError(t.guard_error(&e)))?;
    let db = dir.join(name);
    make_team_dir(t, &db, gid)?;
    let store = Store::create(&db, operator).inspect_err(|_| undo(&db))?;
    store.touch_files().inspect_err(|_| undo(&db))?;
    Ok((db, store))
}

/// Refuse an existing database, or the leftovers of one.
fn refuse_existing(t: &Texts, db: &Path) -> anyhow::Result<()> {
    if db.exists() {
        return Err(UserError(fill(&t.errors.init_exists, &[("db", &db.display())])).into());
    }
    super::check_no_leftovers(t, db)?;
    Ok(())
}

/// The directory `init --team`/`--guarded` creates for `db`: its parent, which must be
/// named (not the current directory).
fn own_dir<'a>(t: &Texts, db: &'a Path) -> anyhow::Result<&'a Path> {
    db.parent()
        .filter(|p| !p.as_os_str().is_empty() && *p != Path::new("."))
        .ok_or_else(|| UserError(fill(&t.errors.team_needs_dir, &[("db", &db.display())])).into())
}

/// Create `db`'s own directory (it must not exist; its parent must) 2770 of `gid`, and
/// the empty database file in it 0660. Undone if a step fails.
fn make_team_dir(t: &Texts, db: &Path, gid: u32) -> anyhow::Result<()> {
    let dir = own_dir(t, db)?;
    if dir.exists() {
        let example = dir.join("team").join(db.file_name().unwrap_or_default());
        return Err(UserError(fill(
            &t.errors.team_dir_exists,
            &[("dir", &dir.display()), ("example", &example.display())],
        ))
        .into());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(UserError(fill(
            &t.errors.team_parent_missing,
            &[("dir", &parent.display())],
        ))
        .into());
    }
    // 0700 until it has its group: nobody else sees it half made
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(dir)
        .with_context(|| fill(&t.errors.create, &[("path", &dir.display())]))?;
    let made = (|| -> anyhow::Result<()> {
        std::os::unix::fs::chown(dir, None, Some(gid)).map_err(|e| {
            UserError(fill(
                &t.errors.chown,
                &[
                    ("dir", &dir.display()),
                    ("group", &crate::disk::group_name(gid)),
                    ("e", &e),
                ],
            ))
        })?;
        // chmod after chown: a chown may clear the setgid bit
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o2770))
            .with_context(|| fill(&t.errors.setgid, &[("path", &dir.display())]))?;
        // the file exists before SQLite opens it, with its mode: SQLite gives the -wal
        // and -shm the same mode, whatever the umask
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o660)
            .open(db)
            .with_context(|| fill(&t.errors.create, &[("path", &db.display())]))?;
        file.set_permissions(std::fs::Permissions::from_mode(0o660))
            .with_context(|| fill(&t.errors.set_mode, &[("path", &db.display())]))?;
        Ok(())
    })();
    if made.is_err() {
        undo(db);
    }
    made
}

/// Remove what a failed `init --team`/`--guarded` made: the file, SQLite's side files
/// and the (then empty) directory — never anything else.
fn undo(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    if let Some(dir) = db.parent() {
        let _ = std::fs::remove_dir(dir);
    }
}

fn group_id(t: &Texts, name: &str) -> anyhow::Result<u32> {
    let c = std::ffi::CString::new(name).map_err(|_| {
        UserError(fill(
            &t.errors.bad_unix_group,
            &[("name", &format!("{name:?}"))],
        ))
    })?;
    // SAFETY: getgrnam reads a NUL-terminated string and returns a pointer into static
    // storage or null; we copy gr_gid out immediately, on this thread, before any other
    // call that could overwrite it.
    let gr = unsafe { libc::getgrnam(c.as_ptr()) };
    if gr.is_null() {
        return Err(UserError(fill(&t.errors.no_unix_group, &[("name", &name)])).into());
    }
    // SAFETY: non-null pointer returned by getgrnam, see above.
    Ok(unsafe { (*gr).gr_gid })
}
