//! What shequn asks the operating system about the database's files and the people
//! around them — no SQL: the filesystem a path lives on (`statfs`: SQLite's WAL needs a
//! local one), free space, a file's identity (device and inode, to notice a database
//! file replaced under a running console), modes and groups, logins and groups in the
//! password and group databases, and creating a directory like another one. Used by
//! `init`, `backup`, `restore`, `doctor` and the console's store thread.

use std::ffi::{CStr, CString};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The filesystem a path lives on, as far as SQLite's WAL mode is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsKind {
    /// `ext4`, `nfs`, `fuse` …, or `0x…` for a type this list does not name.
    pub name: String,
    /// A network or user-space filesystem: WAL needs shared memory (`-shm`, mmap) and
    /// POSIX locks that work between every process using the file, which NFS, SMB/CIFS,
    /// sshfs and other FUSE mounts do not give reliably (SQLite's "WAL does not work
    /// over a network filesystem").
    pub unsafe_for_wal: bool,
}

/// `statfs(2)` magic numbers (linux/magic.h): the ones WAL must not run on, then common
/// local ones (for a readable name only; an unknown type counts as local).
#[cfg(target_os = "linux")]
const FS_TYPES: &[(u32, &str, bool)] = &[
    (0x6969, "nfs", true),
    (0x517B, "smb", true),
    (0xFF53_4D42, "cifs", true),
    (0xFE53_4D42, "smb2", true),
    // sshfs, rclone, s3fs, glusterfs … are all FUSE
    (0x6573_5546, "fuse", true),
    (0x0102_1997, "9p", true),
    (0x5346_414F, "afs", true),
    (0x6B41_4653, "afs", true),
    (0x7375_7245, "coda", true),
    (0x564C, "ncp", true),
    (0x00C3_6400, "ceph", true),
    (0x0116_1970, "gfs2", true),
    (0x7461_636F, "ocfs2", true),
    (0x0BD0_0BD0, "lustre", true),
    (0xEF53, "ext4", false),
    (0x5846_5342, "xfs", false),
    (0x9123_683E, "btrfs", false),
    (0x0102_1994, "tmpfs", false),
    (0x794C_7630, "overlay", false),
    (0x2FC1_2FC1, "zfs", false),
    (0xF2F5_2010, "f2fs", false),
    (0xCA45_1A4E, "bcachefs", false),
    (0x8584_58F6, "ramfs", false),
];

fn cpath(path: &Path) -> io::Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path with a NUL byte"))
}

/// The filesystem `path` (which must exist) lives on; `None` where this system gives
/// no type (only Linux is checked).
pub fn fs_kind(path: &Path) -> io::Result<Option<FsKind>> {
    #[cfg(target_os = "linux")]
    {
        let c = cpath(path)?;
        // SAFETY: an all-zero statfs is a valid value for statfs(2) to fill in.
        let mut s: libc::statfs = unsafe { std::mem::zeroed() };
        // SAFETY: a NUL-terminated path and a pointer to a live, writable statfs.
        if unsafe { libc::statfs(c.as_ptr(), &mut s) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // f_type is a signed word whose width depends on the architecture; the magic
        // numbers are 32 bits
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let t = s.f_type as u32;
        Ok(Some(match FS_TYPES.iter().find(|(m, _, _)| *m == t) {
            Some((_, name, bad)) => FsKind {
                name: (*name).to_string(),
                unsafe_for_wal: *bad,
            },
            None => FsKind {
                name: format!("{t:#x}"),
                unsafe_for_wal: false,
            },
        }))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = cpath(path)?;
        Ok(None)
    }
}

/// Bytes free for an unprivileged user on the filesystem of `path`.
pub fn free_bytes(path: &Path) -> io::Result<u64> {
    let c = cpath(path)?;
    // SAFETY: an all-zero statvfs is a valid value for statvfs(3) to fill in.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a pointer to a live, writable statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
        return Err(io::Error::last_os_error());
    }
    #[allow(clippy::useless_conversion)]
    Ok(u64::from(s.f_bavail).saturating_mul(u64::from(s.f_frsize)))
}

/// The nearest ancestor of `path` (or `path` itself) that exists: where a new file or
/// directory would land.
pub fn nearest_existing(path: &Path) -> PathBuf {
    let mut p = path;
    loop {
        if p.as_os_str().is_empty() {
            return PathBuf::from(".");
        }
        if p.exists() {
            return p.to_path_buf();
        }
        match p.parent() {
            Some(parent) => p = parent,
            None => return PathBuf::from("."),
        }
    }
}

/// The directory a database file lives in (`.` for a bare file name).
pub fn dir_of(db: &Path) -> PathBuf {
    db.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Which file `path` is now: (device, inode). A database replaced under a running
/// console (moved or copied over) has another.
pub fn file_id(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Mode bits (permissions, setuid/setgid/sticky), owner and group of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

pub fn owner(path: &Path) -> io::Result<Owner> {
    let m = std::fs::metadata(path)?;
    Ok(Owner {
        mode: m.mode() & 0o7777,
        uid: m.uid(),
        gid: m.gid(),
    })
}

/// Make the directory `dir` (its parent must exist) with the group and mode of `like`
/// (a team's setgid 2770 directory gives a 2770 directory of the same group). An
/// existing directory is left exactly as it is — never chmod/chgrp someone else's
/// directory. Returns whether it was made.
pub fn make_dir_like(dir: &Path, like: &Path) -> io::Result<bool> {
    match std::fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(e),
    }
    let model = owner(like)?;
    let made = owner(dir)?;
    if made.gid != model.gid {
        std::os::unix::fs::chown(dir, None, Some(model.gid))?;
    }
    // after chown, which may clear the setgid bit
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(model.mode))?;
    Ok(true)
}

/// fsync a directory, so a rename into it survives a power cut.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Runs a getpw*/getgr* `_r` call with a growing buffer; `call` returns the C return
/// code and whether an entry was found.
fn with_buffer<T>(mut call: impl FnMut(&mut [u8]) -> (i32, Option<T>)) -> Option<T> {
    let mut buf = vec![0u8; 1024];
    loop {
        let (rc, found) = call(&mut buf);
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        return if rc == 0 { found } else { None };
    }
}

/// Whether `login` has an entry in the password database (getpwnam_r).
pub fn login_exists(login: &str) -> bool {
    user_by_name(login).is_some()
}

/// (uid, primary gid) of `login`.
pub fn user_by_name(login: &str) -> Option<(u32, u32)> {
    let name = CString::new(login).ok()?;
    with_buffer(|buf| {
        // SAFETY: an all-zero passwd is a valid value for getpwnam_r to fill in.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is to a live local of the right type and the buffer's
        // length is passed with it; getpwnam_r writes only within them.
        let rc = unsafe {
            libc::getpwnam_r(
                name.as_ptr(),
                &mut pwd,
                buf.as_mut_ptr().cast::<libc::c_char>(),
                buf.len(),
                &mut found,
            )
        };
        (rc, (!found.is_null()).then_some((pwd.pw_uid, pwd.pw_gid)))
    })
}

/// The primary group of `uid`.
pub fn primary_gid(uid: u32) -> Option<u32> {
    with_buffer(|buf| {
        // SAFETY: as in `user_by_name`.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: as in `user_by_name`.
        let rc = unsafe {
            libc::getpwuid_r(
                uid,
                &mut pwd,
                buf.as_mut_ptr().cast::<libc::c_char>(),
                buf.len(),
                &mut found,
            )
        };
        (rc, (!found.is_null()).then_some(pwd.pw_gid))
    })
}

/// The name of group `gid`, or the number when it has none.
pub fn group_name(gid: u32) -> String {
    with_buffer(|buf| {
        // SAFETY: an all-zero group is a valid value for getgrgid_r to fill in.
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::group = std::ptr::null_mut();
        // SAFETY: every pointer is to a live local of the right type and the buffer's
        // length is passed with it; getgrgid_r writes only within them.
        let rc = unsafe {
            libc::getgrgid_r(
                gid,
                &mut grp,
                buf.as_mut_ptr().cast::<libc::c_char>(),
                buf.len(),
                &mut found,
            )
        };
        let name = (!found.is_null() && !grp.gr_name.is_null()).then(|| {
            // SAFETY: getgrgid_r succeeded, so gr_name points to a NUL-terminated
            // string inside `buf`, which is still alive here.
            unsafe { CStr::from_ptr(grp.gr_name) }
                .to_string_lossy()
                .into_owned()
        });
        (rc, name)
    })
    .unwrap_or_else(|| gid.to_string())
}

/// The groups the caller belongs to: the real group and the supplementary ones — not
/// the effective group a setgid binary lends the process.
pub fn member_groups() -> Vec<u32> {
    // SAFETY: getgid cannot fail and has no preconditions.
    let mut out = vec![unsafe { libc::getgid() }];
    // SAFETY: a zero-length call only counts the groups.
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if let Ok(len) = usize::try_from(n)
        && len > 0
    {
        let mut groups = vec![0 as libc::gid_t; len];
        // SAFETY: the buffer holds `n` gids, as passed.
        let got = unsafe { libc::getgroups(n, groups.as_mut_ptr()) };
        if let Ok(got) = usize::try_from(got) {
            out.extend_from_slice(&groups[..got.min(len)]);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The real uid of this process (who is running shequn, even through a setgid binary).
pub fn my_uid() -> u32 {
    // SAFETY: getuid cannot fail and has no preconditions.
    unsafe { libc::getuid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_existing_walks_up() {
        let d = tempfile::tempdir().unwrap();
        let deep = d.path().join("a/b/c.db");
        assert_eq!(nearest_existing(&deep), d.path());
        assert_eq!(nearest_existing(d.path()), d.path());
        assert_eq!(dir_of(Path::new("x.db")), PathBuf::from("."));
        assert_eq!(dir_of(Path::new("/srv/t/x.db")), PathBuf::from("/srv/t"));
    }

    #[test]
    fn a_temporary_directory_is_local_and_has_room() {
        let d = tempfile::tempdir().unwrap();
        if let Some(kind) = fs_kind(d.path()).unwrap() {
            assert!(!kind.unsafe_for_wal, "{kind:?}");
        }
        assert!(free_bytes(d.path()).unwrap() > 0);
    }

    #[test]
    fn a_made_directory_takes_the_mode_of_its_model_and_an_existing_one_is_left_alone() {
        let d = tempfile::tempdir().unwrap();
        let model = d.path().join("model");
        std::fs::create_dir(&model).unwrap();
        std::fs::set_permissions(&model, std::fs::Permissions::from_mode(0o2770)).unwrap();
        let made = d.path().join("made");
        assert!(make_dir_like(&made, &model).unwrap());
        assert_eq!(owner(&made).unwrap().mode, 0o2770);
        let existing = d.path().join("existing");
        std::fs::create_dir(&existing).unwrap();
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(!make_dir_like(&existing, &model).unwrap());
        assert_eq!(owner(&existing).unwrap().mode, 0o755);
    }

    #[test]
    fn logins_and_groups_come_from_the_system() {
        assert!(login_exists("root"));
        assert!(!login_exists("no-such-login-shequn-test"));
        assert_eq!(group_name(0), "root");
        assert!(!member_groups().is_empty());
        assert!(primary_gid(0) == Some(0));
    }
}
