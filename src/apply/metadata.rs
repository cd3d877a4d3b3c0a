//! Keeping a file's metadata across a rewrite: owner and group (when the caller may give them),
//! extended attributes (POSIX ACLs among them) and mode, copied to the temporary file before it
//! takes the original's place.

use super::*;
/// Gives the temporary file the original's owner, group, extended attributes (ACLs among them)
/// and mode. Returns what could not be kept, for a warning.
pub(super) fn keep_metadata(
    file: &File,
    before: &Stat,
    temp: &File,
) -> Result<Option<String>, WriteProblem> {
    let mut mode = before.st_mode & 0o7777;
    let mut lost = Vec::new();
    let made = rfs::fstat(temp).map_err(io("cannot write"))?;
    if (made.st_uid, made.st_gid) != (before.st_uid, before.st_gid) {
        let owner = rfs::Uid::from_raw(before.st_uid);
        let group = rfs::Gid::from_raw(before.st_gid);
        if rfs::fchown(temp, Some(owner), Some(group)).is_err() {
            // Not root: a member of the file's group may still give the group.
            let group_kept =
                made.st_gid == before.st_gid || rfs::fchown(temp, None, Some(group)).is_ok();
            if made.st_uid != before.st_uid {
                lost.push(format!(
                    "owner (uid {} now, was {})",
                    made.st_uid, before.st_uid
                ));
            }
            if !group_kept {
                lost.push(format!(
                    "group (gid {} now, was {})",
                    made.st_gid, before.st_gid
                ));
            }
            if mode & 0o6000 != 0 {
                mode &= !0o6000;
                lost.push("setuid/setgid bits (cleared, as the owner changed)".to_owned());
            }
        }
    }
    copy_xattrs(file, temp)?;
    rfs::fchmod(temp, Mode::from_raw_mode(mode)).map_err(|e| WriteProblem::Metadata {
        what: "mode".to_owned(),
        source: e.into(),
    })?;
    Ok((!lost.is_empty()).then(|| {
        format!(
            "written, but its {} could not be kept (only root can give a file away)",
            lost.join(", ")
        )
    }))
}

/// Copies every extended attribute of `from` to `to`, and removes from `to` those `from` lacks
/// (an ACL inherited from the directory's default ACL). A file system without extended
/// attributes has nothing to copy.
pub(super) fn copy_xattrs(from: &File, to: &File) -> Result<(), WriteProblem> {
    let names = |fd: &File| -> Result<Vec<OsString>, WriteProblem> {
        let list = sized(|| rfs::flistxattr_query(fd), |buf| rfs::flistxattr(fd, buf));
        match list {
            Ok(list) => Ok(list
                .split(|&b| b == 0)
                .filter(|n| !n.is_empty())
                .map(|n| OsStr::from_bytes(n).to_owned())
                .collect()),
            Err(Errno::NOTSUP) => Ok(Vec::new()),
            Err(e) => Err(WriteProblem::Metadata {
                what: "extended attributes".to_owned(),
                source: e.into(),
            }),
        }
    };
    let wanted = names(from)?;
    for name in &wanted {
        let lost = |source: Errno| WriteProblem::Metadata {
            what: format!("extended attribute `{}`", name.to_string_lossy()),
            source: source.into(),
        };
        let value = match sized(
            || rfs::fgetxattr_query(from, name),
            |buf| rfs::fgetxattr(from, name, buf),
        ) {
            Ok(value) => value,
            // Removed since it was listed.
            Err(Errno::NODATA) => continue,
            Err(e) => return Err(lost(e)),
        };
        match rfs::fsetxattr(to, name, &value, XattrFlags::empty()) {
            Ok(()) | Err(Errno::NOTSUP) => {}
            Err(e) => {
                // A label the system gave the new file already (`security.selinux`) is kept.
                let has = sized(
                    || rfs::fgetxattr_query(to, name),
                    |buf| rfs::fgetxattr(to, name, buf),
                );
                if has.ok() != Some(value) {
                    return Err(lost(e));
                }
            }
        }
    }
    for name in names(to)? {
        if wanted.contains(&name) {
            continue;
        }
        match rfs::fremovexattr(to, &name) {
            Ok(()) | Err(Errno::NODATA | Errno::NOTSUP) => {}
            Err(_) if name != "system.posix_acl_access" => {}
            Err(e) => {
                return Err(WriteProblem::Metadata {
                    what: "access control list".to_owned(),
                    source: e.into(),
                })
            }
        }
    }
    Ok(())
}

/// Calls a size query then a fetch, again if the value grew in between.
pub(super) fn sized(
    query: impl Fn() -> Result<usize, Errno>,
    fetch: impl Fn(&mut [u8]) -> Result<usize, Errno>,
) -> Result<Vec<u8>, Errno> {
    loop {
        let size = query()?;
        if size == 0 {
            return Ok(Vec::new());
        }
        let mut buffer = vec![0; size];
        match fetch(&mut buffer) {
            Ok(n) => {
                buffer.truncate(n);
                return Ok(buffer);
            }
            Err(Errno::RANGE) => {}
            Err(e) => return Err(e),
        }
    }
}
