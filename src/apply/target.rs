//! Reaching a planned file's directory without following symlinks below the given path, the
//! last check that the file is still the one read, and the swap of the temporary file into its
//! place (see the header of `apply` for the promises these keep).

use super::*;
/// The directory holding a file, reached without following symlinks below the given path.
#[derive(Debug)]
pub(super) struct Target {
    pub(super) dir: OwnedFd,
    pub(super) stat: Stat,
    pub(super) name: OsString,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) const DIRECTORY: OFlags = OFlags::PATH.union(OFlags::DIRECTORY).union(OFlags::CLOEXEC);
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) const DIRECTORY: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC);

impl Target {
    pub(super) fn open(path: &Path, roots: &[PathBuf]) -> Result<Target, WriteProblem> {
        let root = roots
            .iter()
            .filter(|root| path.starts_with(root))
            .max_by_key(|root| root.components().count())
            .ok_or(WriteProblem::OutsidePaths)?;
        let name = path.file_name().ok_or(WriteProblem::NotRegularFile)?;
        let rel = path.strip_prefix(root).unwrap_or(Path::new(""));
        let (trusted, below): (&Path, Vec<Component<'_>>) = if rel.as_os_str().is_empty() {
            // The user named the file itself: its directory is trusted as given.
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            (parent.unwrap_or(Path::new(".")), Vec::new())
        } else {
            let mut parts: Vec<Component<'_>> = rel.components().collect();
            parts.pop();
            (root.as_path(), parts)
        };
        let mut dir = rfs::open(trusted, DIRECTORY, Mode::empty())
            .map_err(io("cannot open its directory"))?;
        for part in below {
            let Component::Normal(part) = part else {
                if part == Component::CurDir {
                    continue;
                }
                return Err(WriteProblem::PathChanged {
                    component: part.as_os_str().to_string_lossy().into_owned(),
                });
            };
            if part == ".git" {
                return Err(WriteProblem::GitDir);
            }
            dir = match rfs::openat(&dir, part, DIRECTORY | OFlags::NOFOLLOW, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::LOOP | Errno::NOTDIR | Errno::NOENT) => {
                    return Err(WriteProblem::PathChanged {
                        component: part.to_string_lossy().into_owned(),
                    })
                }
                Err(e) => return Err(io("cannot open its directory")(e)),
            };
        }
        if name == ".git" {
            return Err(WriteProblem::GitDir);
        }
        let stat = rfs::fstat(&dir).map_err(io("cannot open its directory"))?;
        Ok(Target {
            dir,
            stat,
            name: name.to_owned(),
        })
    }

    /// Opens the file for reading without following a symlink or blocking on a FIFO, and returns
    /// it with its status if it is a regular file.
    pub(super) fn open_file(&self) -> Result<(File, Stat), WriteProblem> {
        // A `stat` first, so that a FIFO or device is not even opened when it is already there.
        match rfs::statat(&self.dir, &self.name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat)
                if rfs::FileType::from_raw_mode(stat.st_mode) == rfs::FileType::RegularFile => {}
            Ok(_) => return Err(WriteProblem::NotRegularFile),
            Err(Errno::NOENT) => return Err(WriteProblem::Removed),
            Err(e) => return Err(io("cannot stat before writing")(e)),
        }
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let fd = match rfs::openat(&self.dir, &self.name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::LOOP) => return Err(WriteProblem::NotRegularFile),
            Err(Errno::NOENT) => return Err(WriteProblem::Removed),
            Err(e) => return Err(io("cannot re-read before writing")(e)),
        };
        let stat = rfs::fstat(&fd).map_err(io("cannot stat before writing"))?;
        if rfs::FileType::from_raw_mode(stat.st_mode) != rfs::FileType::RegularFile {
            return Err(WriteProblem::NotRegularFile);
        }
        Ok((File::from(fd), stat))
    }
}

pub(super) fn same_file(a: &Stat, b: &Stat) -> bool {
    a.st_dev == b.st_dev && a.st_ino == b.st_ino
}

/// Whether a file's status shows no change: size, modification and change times (to the
/// nanosecond; a rewrite within one clock tick keeps them, which the byte comparison catches).
pub(super) fn unchanged(a: &Stat, b: &Stat) -> bool {
    same_file(a, b)
        && a.st_size == b.st_size
        && (a.st_mtime, a.st_mtime_nsec) == (b.st_mtime, b.st_mtime_nsec)
        && (a.st_ctime, a.st_ctime_nsec) == (b.st_ctime, b.st_ctime_nsec)
}

/// Whether the file's whole content, read through its handle from the start, is `expected`.
pub(super) fn same_bytes(file: &File, expected: &[u8]) -> Result<bool, Errno> {
    let mut buffer = vec![0; (expected.len() + 1).min(1 << 20)];
    let mut at = 0;
    loop {
        let n = match file.read_at(&mut buffer, at as u64) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Errno::from_io_error(&e).unwrap_or(Errno::IO)),
        };
        if n == 0 {
            return Ok(at == expected.len());
        }
        if expected.get(at..at + n) != Some(&buffer[..n]) {
            return Ok(false);
        }
        at += n;
    }
}

/// Puts the temporary file in the original's place, if the original is still the inode checked,
/// with the size and mtime of `checked` and the `original` bytes; see the module header. (A rename
/// changes the inode's ctime, so that is not compared.)
pub(super) fn replace(
    target: &Target,
    mut temp: Temp<'_>,
    file: &File,
    checked: &Stat,
    original: &[u8],
) -> Result<(), WriteProblem> {
    let intact = |now: &Stat| {
        same_file(now, checked)
            && now.st_size == checked.st_size
            && (now.st_mtime, now.st_mtime_nsec) == (checked.st_mtime, checked.st_mtime_nsec)
            && same_bytes(file, original).unwrap_or(false)
    };
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let exchange = |from: &OsStr, to: &OsStr| {
            rfs::renameat_with(
                &target.dir,
                from,
                &target.dir,
                to,
                rfs::RenameFlags::EXCHANGE,
            )
        };
        match exchange(&temp.name, &target.name) {
            Ok(()) => {
                // The temporary name now holds what was in the file's place.
                let swapped = rfs::statat(&target.dir, &temp.name, AtFlags::SYMLINK_NOFOLLOW);
                let now = rfs::fstat(file);
                if matches!((&swapped, &now), (Ok(s), Ok(n)) if same_file(s, checked) && intact(n))
                {
                    // Removing the old content; the drop does it (ignoring a failure, which leaves
                    // a temporary file that the next run reports).
                    return Ok(());
                }
                return match exchange(&temp.name, &target.name) {
                    Ok(()) => Err(WriteProblem::Conflict),
                    Err(source) => {
                        // Keep the other version where it is, under the temporary name.
                        temp.keep = true;
                        Err(WriteProblem::Io {
                            action: "the file changed while it was being replaced, and the other \
                                     version could not be put back (it is in the temporary file)",
                            source: source.into(),
                        })
                    }
                };
            }
            Err(Errno::NOENT) => return Err(WriteProblem::Removed),
            Err(Errno::INVAL | Errno::NOSYS | Errno::NOTSUP) => {}
            Err(e) => return Err(io("cannot write")(e)),
        }
    }
    rfs::renameat(&target.dir, &temp.name, &target.dir, &target.name)
        .map_err(io("cannot write"))?;
    temp.keep = true;
    match rfs::fstat(file) {
        Ok(now) if intact(&now) => Ok(()),
        _ => Err(WriteProblem::LostUpdate),
    }
}
