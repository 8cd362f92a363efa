//! `shequn init [--team UNIXGROUP]`: create an empty shared database; the caller
//! becomes its owner. With `--team`, the directory is made setgid to the team's Unix
//! group and the files group-writable (0660), so every operator can write and new
//! files (the WAL and shared-memory files) keep the group. A network or FUSE filesystem
//! is refused (WAL needs a local one).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::{Ctx, UserError};
use crate::domain::roles::Perm;
use crate::store::{Store, StoreError, operators, sop};

pub fn run(ctx: &Ctx, team: Option<&str>) -> anyhow::Result<ExitCode> {
    if ctx.readonly {
        return Err(StoreError::ReadOnly.into());
    }
    if ctx.db.exists() {
        return Err(UserError(format!(
            "{} already exists; shequn init only creates new databases",
            ctx.db.display()
        ))
        .into());
    }
    super::check_no_leftovers(&ctx.db)?;
    refuse_network_fs(&ctx.db)?;
    let gid = team.map(group_id).transpose()?;
    let dir = ctx
        .db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    if let Some(gid) = gid {
        std::os::unix::fs::chown(dir, None, Some(gid))
            .with_context(|| format!("giving {} to the team group", dir.display()))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o2770))
            .with_context(|| format!("making {} setgid", dir.display()))?;
    }
    let mut store = Store::create(&ctx.db, &ctx.operator)?;
    let now = ctx.now().timestamp();
    // a new file has no operators yet: its creator is its owner
    store.write(Perm::OperatorGrant, |tx, op| {
        operators::init_owner(tx, op, now)?;
        sop::install_shipped(tx, op, now)?;
        Ok(())
    })?;
    if gid.is_some() {
        std::fs::set_permissions(&ctx.db, std::fs::Permissions::from_mode(0o660))
            .with_context(|| format!("setting permissions on {}", ctx.db.display()))?;
    }
    println!("created {} (owner: {})", ctx.db.display(), ctx.operator);
    Ok(ExitCode::SUCCESS)
}

/// SQLite's WAL needs shared memory and locks that work between every process using the
/// file: NFS, SMB/CIFS, sshfs and other FUSE mounts do not give them reliably (a
/// corrupted team database later, not an error now), so `init` refuses them.
fn refuse_network_fs(db: &Path) -> Result<(), UserError> {
    let landing = crate::disk::nearest_existing(&crate::disk::dir_of(db));
    match crate::disk::fs_kind(&landing) {
        Ok(Some(kind)) if kind.unsafe_for_wal => Err(UserError(format!(
            "{} is on {}: a shared SQLite database needs a local filesystem (WAL's shared \
             memory and locks do not work over the network or FUSE); put it on a local disk \
             of the server the team logs into",
            landing.display(),
            kind.name
        ))),
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::warn!("statfs {}: {e}", landing.display());
            Ok(())
        }
    }
}

fn group_id(name: &str) -> anyhow::Result<u32> {
    let c =
        std::ffi::CString::new(name).map_err(|_| UserError(format!("bad group name {name:?}")))?;
    // SAFETY: getgrnam reads a NUL-terminated string and returns a pointer into static
    // storage or null; we copy gr_gid out immediately, on this thread, before any other
    // call that could overwrite it.
    let gr = unsafe { libc::getgrnam(c.as_ptr()) };
    if gr.is_null() {
        return Err(UserError(format!(
            "no Unix group named {name:?}: create it first (groupadd {name})"
        ))
        .into());
    }
    // SAFETY: non-null pointer returned by getgrnam, see above.
    Ok(unsafe { (*gr).gr_gid })
}
