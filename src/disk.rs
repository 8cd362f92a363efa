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
    passwd_by_uid(uid).map(|(_, gid)| gid)
}

/// The login name (when it has one) and primary group of `uid` (getpwuid_r).
fn passwd_by_uid(uid: u32) -> Option<(Option<String>, u32)> {
    with_buffer(|buf| {
        // SAFETY: an all-zero passwd is a valid value for getpwuid_r to fill in.
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
        let entry = (!found.is_null()).then(|| {
            let name = (!pwd.pw_name.is_null()).then(|| {
                // SAFETY: getpwuid_r succeeded, so pw_name points to a NUL-terminated
                // string inside `buf`, which is still alive here.
                unsafe { CStr::from_ptr(pwd.pw_name) }
                    .to_string_lossy()
                    .into_owned()
            });
            (name.filter(|n| !n.is_empty()), pwd.pw_gid)
        });
        (rc, entry)
    })
}

/// The login name of `uid` from the password database; `None` when it has none.
pub fn login_of(uid: u32) -> Option<String> {
    passwd_by_uid(uid).and_then(|(name, _)| name)
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

/// Whether this process may use `path` as `mode` (`libc::R_OK`, `W_OK`, `X_OK`, or'd):
/// `faccessat` with the *effective* ids (`AT_EACCESS`), as SQLite's own open will be
/// judged — a setgid shequn opens the team's file with its group. The error is the
/// errno: `EACCES`, `EROFS` (a read-only filesystem), `ENOENT` ….
pub fn can(path: &Path, mode: libc::c_int) -> Result<(), i32> {
    let c = cpath(path).map_err(|_| libc::EINVAL)?;
    // SAFETY: a NUL-terminated path that lives for the call.
    if unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), mode, libc::AT_EACCESS) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EACCES))
    }
}

/// The login of `uid` from the password database, or the number when it has none.
pub fn user_name(uid: u32) -> String {
    login_of(uid).unwrap_or_else(|| uid.to_string())
}

/// The members listed for the group called `name` (its supplementary members, from the
/// group database); `None` when there is no such group.
pub fn group_members(name: &str) -> Option<Vec<String>> {
    let cname = CString::new(name).ok()?;
    with_buffer(|buf| {
        // SAFETY: an all-zero group is a valid value for getgrnam_r to fill in.
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::group = std::ptr::null_mut();
        // SAFETY: every pointer is to a live local of the right type and the buffer's
        // length is passed with it; getgrnam_r writes only within them.
        let rc = unsafe {
            libc::getgrnam_r(
                cname.as_ptr(),
                &mut grp,
                buf.as_mut_ptr().cast::<libc::c_char>(),
                buf.len(),
                &mut found,
            )
        };
        if found.is_null() {
            return (rc, None);
        }
        let mut members = Vec::new();
        let mut p = grp.gr_mem;
        // SAFETY: getgrnam_r succeeded: gr_mem is a NULL-terminated array of
        // NUL-terminated strings inside `buf`, alive here.
        unsafe {
            while !p.is_null() && !(*p).is_null() {
                members.push(CStr::from_ptr(*p).to_string_lossy().into_owned());
                p = p.add(1);
            }
        }
        (rc, Some(members))
    })
}

/// The real uid of this process (who is running shequn, even through a setgid binary).
pub fn my_uid() -> u32 {
    // SAFETY: getuid cannot fail and has no preconditions.
    unsafe { libc::getuid() }
}

// ---------------------------------------------------------------- the database's files

/// What keeps this user from using the database's files as shequn needs (issue 13):
/// each names the path, and the i18n files put the cause and the fix into words
/// (`Texts::file_problem`). Found by [`find_problem`] and [`no_access`] from what the
/// system says now, not from an error's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// The database file is not writable for this user.
    ReadOnlyFile {
        path: PathBuf,
        mode: u32,
        owner: String,
        /// The user owns it (and can `chmod u+w` it).
        mine: bool,
    },
    /// A `-wal` or `-shm` beside the database is not writable for this user, and not
    /// theirs to fix (shequn makes their own writable again when it opens).
    ReadOnlySide {
        path: PathBuf,
        mode: u32,
        owner: String,
    },
    /// The directory is not writable: SQLite cannot create the `-wal` and `-shm` it
    /// needs to write (nor remove them after).
    ReadOnlyDir {
        dir: PathBuf,
        mode: u32,
        owner: String,
        mine: bool,
    },
    /// The filesystem is mounted read-only.
    ReadOnlyMount { path: PathBuf },
    /// The filesystem holding the database is full.
    DiskFull {
        path: PathBuf,
        dir: PathBuf,
        free: u64,
    },
    /// The user may not read the database, or not enter a directory on its way.
    NoAccess {
        path: PathBuf,
        /// The file or directory that stops them.
        blocked: PathBuf,
        mode: u32,
        owner: String,
        group: String,
        login: String,
        /// Whether the user is in `group` (then it is the mode that stops them).
        in_group: bool,
        /// Who can add a user to a group: the machine's administrators (root and the
        /// members of sudo / wheel / admin).
        admins: Vec<String>,
    },
}

impl std::fmt::Display for FileProblem {
    /// For the log; people read `Texts::file_problem`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileProblem::ReadOnlyFile {
                path, mode, owner, ..
            } => write!(
                f,
                "{} is read-only (mode {mode:04o}, owner {owner})",
                path.display()
            ),
            FileProblem::ReadOnlySide { path, mode, owner } => write!(
                f,
                "{} is read-only (mode {mode:04o}, owner {owner})",
                path.display()
            ),
            FileProblem::ReadOnlyDir {
                dir, mode, owner, ..
            } => write!(
                f,
                "directory {} is not writable (mode {mode:04o}, owner {owner})",
                dir.display()
            ),
            FileProblem::ReadOnlyMount { path } => {
                write!(f, "{} is on a read-only filesystem", path.display())
            }
            FileProblem::DiskFull { dir, free, .. } => {
                write!(
                    f,
                    "the disk holding {} is full ({free} bytes free)",
                    dir.display()
                )
            }
            FileProblem::NoAccess {
                path,
                blocked,
                group,
                login,
                ..
            } => write!(
                f,
                "{login} may not read {} ({} is for the group {group})",
                path.display(),
                blocked.display()
            ),
        }
    }
}

/// A database's `-wal` and `-shm`.
pub fn side_files(db: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| PathBuf::from(format!("{}{suffix}", db.display())))
}

/// Below this much free space a write's I/O error is taken for a full disk: SQLite
/// grows the `-shm` by 32 KiB and the `-wal` by a page and a header at a time.
pub const FULL_BELOW: u64 = 1 << 20;

/// What, if anything, keeps this user from writing the database at `db`: the file, the
/// directory, a `-wal`/`-shm`, a read-only mount, a full disk — checked in the order a
/// write meets them.
pub fn find_problem(db: &Path) -> Option<FileProblem> {
    let me = my_uid();
    let who = |p: &Path| {
        owner(p).map_or((0, String::new(), false), |o| {
            (o.mode, user_name(o.uid), o.uid == me)
        })
    };
    let dir = dir_of(db);
    match can(db, libc::W_OK) {
        Err(libc::EROFS) => return Some(FileProblem::ReadOnlyMount { path: db.into() }),
        Err(libc::ENOENT) | Ok(()) => {}
        Err(_) => {
            let (mode, owner, mine) = who(db);
            return Some(FileProblem::ReadOnlyFile {
                path: db.into(),
                mode,
                owner,
                mine,
            });
        }
    }
    for side in side_files(db) {
        if side.exists() && can(&side, libc::W_OK).is_err() {
            let (mode, owner, _) = who(&side);
            return Some(FileProblem::ReadOnlySide {
                path: side,
                mode,
                owner,
            });
        }
    }
    match can(&dir, libc::W_OK | libc::X_OK) {
        Ok(()) => {}
        Err(libc::EROFS) => return Some(FileProblem::ReadOnlyMount { path: dir }),
        Err(_) => {
            let (mode, owner, mine) = who(&dir);
            return Some(FileProblem::ReadOnlyDir {
                dir,
                mode,
                owner,
                mine,
            });
        }
    }
    disk_full(db)
}

/// [`FileProblem::DiskFull`] when the filesystem holding `db` has (almost) no room.
pub fn disk_full(db: &Path) -> Option<FileProblem> {
    let dir = dir_of(db);
    let free = free_bytes(&dir).ok()?;
    (free < FULL_BELOW).then(|| FileProblem::DiskFull {
        path: db.into(),
        dir,
        free,
    })
}

/// Why this user cannot read `db` (or reach it): the first directory on the way they
/// may not enter, else the file itself; its owner and group, whether they are in that
/// group, and who could add them.
pub fn no_access(db: &Path) -> FileProblem {
    let absolute = std::path::absolute(db).unwrap_or_else(|_| db.to_path_buf());
    let blocked = absolute
        .ancestors()
        .skip(1)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find(|dir| can(dir, libc::X_OK).is_err())
        .map_or_else(|| db.to_path_buf(), Path::to_path_buf);
    let (mode, owner_uid, gid) = owner(&blocked).map_or((0, 0, 0), |o| (o.mode, o.uid, o.gid));
    let groups = member_groups();
    let mut admins = vec!["root".to_string()];
    for g in ["sudo", "wheel", "admin"] {
        for m in group_members(g).unwrap_or_default() {
            if !admins.contains(&m) {
                admins.push(m);
            }
        }
    }
    FileProblem::NoAccess {
        path: db.into(),
        blocked,
        mode,
        owner: user_name(owner_uid),
        group: group_name(gid),
        login: user_name(my_uid()),
        in_group: groups.contains(&gid),
        admins,
    }
}

/// Whether the database file is in WAL mode (bytes 18 and 19 of its header are 2):
/// only then does SQLite need a `-wal` and `-shm` to read it.
pub fn is_wal(db: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 20];
    std::fs::File::open(db)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok_and(|()| header[18] == 2 && header[19] == 2)
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
        assert_eq!(user_name(0), "root");
        assert!(group_members("root").is_some());
        assert!(group_members("no-such-group-shequn-test").is_none());
        let d = tempfile::tempdir().unwrap();
        assert_eq!(can(d.path(), libc::R_OK | libc::W_OK), Ok(()));
        assert_eq!(can(&d.path().join("none"), libc::R_OK), Err(libc::ENOENT));
    }
}
