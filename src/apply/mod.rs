//! Writing planned files: the only module that modifies the file system.
//!
//! A file is reached from the path the user named (trusted as given, symlinks and all), then
//! directory by directory with `openat(O_NOFOLLOW | O_DIRECTORY)`: a directory swapped for a symlink
//! after the scan cannot send a write out of the tree, and everything below (open, temporary file,
//! rename) happens relative to that directory handle. `.git` is never entered.
//!
//! The file is opened with `O_NOFOLLOW | O_NONBLOCK` and its handle must be a regular file (a FIFO
//! or a device put in its place is never opened in a way that blocks, nor written), with a single
//! link unless `--break-hardlinks` (replacing one name of several would leave the others with the
//! old content). Permission to write is the kernel's answer (`faccessat(W_OK)`), not the mode bits;
//! a file with no write bit at all is refused even for root, and in a sticky directory only the
//! file's or the directory's owner may replace it. Its bytes, read through the handle, must be those
//! the plan was computed from.
//!
//! The new bytes go to a temporary file in the same directory (`.<name>.reimage-XXXXXX.tmp`, the
//! name cut so the whole stays within 255 bytes), created `0600`, which then takes the original's
//! owner and group (when the caller may give them: root, or a member of the group), extended
//! attributes and POSIX ACLs (`system.posix_acl_access` is an extended attribute), and mode. When
//! the owner cannot be kept, setuid and setgid are cleared and the loss is reported as a warning.
//!
//! Right before the rename the file is checked again, as late as possible: the directory path still
//! leads to the same directory, the name to the same inode, the handle's size, mtime and ctime are
//! unchanged and its bytes are still the original. Then the temporary file and the original are
//! swapped with `renameat2(RENAME_EXCHANGE)`, which leaves the old inode under the temporary name:
//! if that is not the inode checked, or it changed after the check (an appender, another run), the
//! swap is undone and the file reported as changed, so the other change is kept. What remains is a
//! write through a descriptor opened before the swap and written after its check (an appender
//! that keeps the file open): it lands in the old inode, as it would with any rename-based editor.
//! Where `RENAME_EXCHANGE` is not supported (not Linux, or a file system without it), a plain rename
//! is used and a change seen on the old inode afterwards is reported, not undone.
//!
//! A reader, or a run killed at any point, sees the old file or the new one, never a mix (a run
//! killed between the swap and the removal leaves the old content as a temporary file, which the
//! next run reports). Like git and sd, files are not fsynced one by one (that costs a disk flush per
//! file); durability across a power cut is the file system's, as for any rename-based editor.
//!
//! Tests make the window before the last check certain with `REIMAGE_TEST_DELAY_BEFORE_RENAME_MS`
//! (a sleep, in milliseconds, read only here).

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;

use rustix::fs::{self as rfs, Access, AtFlags, Mode, OFlags, Stat, XattrFlags};
use rustix::io::Errno;

use crate::finding::Disposition;
use crate::plan::FilePlan;
pub use crate::problem::WriteProblem;
use crate::problem::{FileError, Problem};
use crate::report::{self, Report};

mod metadata;
mod target;
mod temp;

use metadata::keep_metadata;
use target::{replace, same_bytes, same_file, unchanged, Target};
pub(crate) use temp::is_temporary;
use temp::Temp;

/// How files are written.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The paths the user named. Each is opened as given (following symlinks); every directory
    /// below it is opened without following symlinks.
    pub roots: Vec<PathBuf>,
    /// Replace files with several hard links too (the other names keep the old content).
    pub break_hardlinks: bool,
}

/// What writing one file did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The plan changes nothing.
    Unchanged,
    /// The file was replaced; `lost` says what of its metadata could not be kept (a warning).
    Written { lost: Option<String> },
}

fn io(action: &'static str) -> impl Fn(Errno) -> WriteProblem {
    move |e| WriteProblem::Io {
        action,
        source: e.into(),
    }
}

/// Applies the whole plan of `report`: a file that cannot be written becomes an error entry and
/// its findings are marked as not written; metadata that could not be kept is a warning.
pub fn write_report(report: &mut Report, threads: usize, options: &Options) {
    report.mode = report::Mode::Rename { write: true };
    for (index, outcome) in apply_all(&report.files, threads, options) {
        let file = &mut report.files[index];
        let problem = match outcome {
            Ok(Outcome::Written {
                lost: Some(message),
            }) => {
                let path = file.path.clone();
                let problem = Problem::MetadataLost(message);
                report.warnings.push(FileError { path, problem });
                continue;
            }
            Ok(_) => continue,
            Err(problem) => problem,
        };
        report.errors.push(FileError {
            path: file.path.clone(),
            problem: Problem::NotWritten(std::sync::Arc::new(problem)),
        });
        file.original = None;
        for f in &mut file.findings {
            if !f.edits().is_empty() {
                f.disposition = Some(Disposition::WriteFailed);
            }
        }
    }
    report.warnings.sort_by(|a, b| a.path.cmp(&b.path));
    report.errors.sort_by(|a, b| a.path.cmp(&b.path));
}

/// Writes every plan, several files at a time, and returns the index and outcome of each file that
/// was not simply written or left unchanged (problems, and writes with a warning).
///
/// `threads` 0 means two writers per core (writing is mostly system calls); more than
/// [`crate::walk::max_threads`] is capped. A thread that cannot be created (a process limit) is no
/// error: its files are written on the calling thread.
pub fn apply_all(
    files: &[FilePlan],
    threads: usize,
    options: &Options,
) -> Vec<(usize, Result<Outcome, WriteProblem>)> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let workers = match threads {
        0 => cores * 2,
        n => n.min(crate::walk::max_threads()),
    };
    let chunk = files.len().div_ceil(workers.max(1)).max(1);
    let stop = interruption();
    let write_chunk = |offset: usize, part: &[FilePlan]| {
        part.iter()
            .enumerate()
            .filter_map(|(i, file)| {
                let outcome = match stop.load(Ordering::Relaxed) {
                    true if file.original.is_some() => Err(WriteProblem::Interrupted),
                    _ => apply(file, options),
                };
                match outcome {
                    Ok(Outcome::Unchanged | Outcome::Written { lost: None }) => None,
                    other => Some((offset + i, other)),
                }
            })
            .collect::<Vec<_>>()
    };
    let write_chunk = &write_chunk;
    std::thread::scope(|scope| {
        let mut done = Vec::new();
        let mut handles = Vec::new();
        for (n, part) in files.chunks(chunk).enumerate() {
            let spawned = std::thread::Builder::new()
                .name("reimage-write".to_owned())
                .spawn_scoped(scope, move || write_chunk(n * chunk, part));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(_) => done.extend(write_chunk(n * chunk, part)),
            }
        }
        for handle in handles {
            match handle.join() {
                Ok(outcomes) => done.extend(outcomes),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        done
    })
}

/// A flag that SIGINT, SIGTERM and SIGHUP set from now on: files not yet begun are then not
/// written (each is reported), the file being written is finished, and the report says which
/// files were written. A second signal ends the run at once (exit 130), still leaving each file
/// wholly old or wholly new. Without signal handlers (they could not be installed) a signal ends
/// the run as before.
fn interruption() -> std::sync::Arc<AtomicBool> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static STOP: OnceLock<std::sync::Arc<AtomicBool>> = OnceLock::new();
    STOP.get_or_init(|| {
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, stop.clone())
                .and_then(|_| signal_hook::flag::register(signal, stop.clone()));
        }
        stop
    })
    .clone()
}

/// Writes `plan`'s new bytes to its file atomically, or says why not.
pub fn apply(plan: &FilePlan, options: &Options) -> Result<Outcome, WriteProblem> {
    let (Some(original), Some(new)) = (plan.original.as_ref(), plan.rewritten()) else {
        return Ok(Outcome::Unchanged);
    };
    let target = Target::open(&plan.path, &options.roots)?;
    let (file, before) = target.open_file()?;
    if !options.break_hardlinks {
        use std::os::unix::fs::MetadataExt;
        let links = file
            .metadata()
            .map_err(|source| WriteProblem::Io {
                action: "cannot stat before writing",
                source,
            })?
            .nlink();
        if links > 1 {
            return Err(WriteProblem::HardLinked { links });
        }
    }
    let writable = match rfs::accessat(
        &target.dir,
        &target.name,
        Access::WRITE_OK,
        AtFlags::EACCESS | AtFlags::SYMLINK_NOFOLLOW,
    ) {
        // A running program's file is busy for writing in place, not for being replaced.
        Ok(()) | Err(Errno::TXTBSY) => true,
        Err(Errno::ACCESS | Errno::PERM) => false,
        Err(Errno::ROFS) => return Err(WriteProblem::NotPermitted("on a read-only file system")),
        Err(e) => return Err(io("cannot check permission to write")(e)),
    };
    may_replace(
        rustix::process::geteuid().as_raw(),
        &before,
        &target.stat,
        writable,
    )?;
    if !same_bytes(&file, original).map_err(io("cannot re-read before writing"))? {
        return Err(WriteProblem::Changed);
    }
    let temp = Temp::create(target.dir.as_fd(), &target.name)?;
    (&temp.file)
        .write_all(&new)
        .map_err(|source| WriteProblem::Io {
            action: "cannot write",
            source,
        })?;
    let lost = keep_metadata(&file, &before, &temp.file)?;
    if let Some(delay) = test_delay() {
        std::thread::sleep(delay);
    }
    // The last check before the swap: path, name, handle and bytes.
    let current = Target::open(&plan.path, &options.roots)?;
    if !same_file(&current.stat, &target.stat) {
        return Err(WriteProblem::PathChanged {
            component: plan.path.display().to_string(),
        });
    }
    let checked = rfs::fstat(&file).map_err(io("cannot stat before writing"))?;
    match rfs::statat(&target.dir, &target.name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(now) if same_file(&now, &before) && unchanged(&checked, &before) => {}
        Ok(_) => return Err(WriteProblem::Changed),
        Err(Errno::NOENT) => return Err(WriteProblem::Removed),
        Err(e) => return Err(io("cannot stat before writing")(e)),
    }
    if !same_bytes(&file, original).map_err(io("cannot re-read before writing"))? {
        return Err(WriteProblem::Changed);
    }
    replace(&target, temp, &file, &checked, original)?;
    Ok(Outcome::Written { lost })
}

/// Whether the caller may replace a file: `writable` is the kernel's answer for the file
/// (`faccessat(W_OK)` as the effective user). A file with no write bit is read-only even for root;
/// in a sticky directory, only the owner of the file or of the directory (or root) may replace it.
fn may_replace(euid: u32, file: &Stat, dir: &Stat, writable: bool) -> Result<(), WriteProblem> {
    const SETVTX: u32 = 0o1000;
    if file.st_mode & 0o222 == 0 {
        return Err(WriteProblem::ReadOnly);
    }
    if !writable {
        return Err(WriteProblem::NotPermitted(
            "permission denied (the file is not writable by this user)",
        ));
    }
    if dir.st_mode & SETVTX != 0 && euid != 0 && file.st_uid != euid && dir.st_uid != euid {
        return Err(WriteProblem::NotPermitted(
            "it is owned by another user in a sticky directory (only its owner may replace it)",
        ));
    }
    Ok(())
}

fn test_delay() -> Option<std::time::Duration> {
    static DELAY: OnceLock<Option<std::time::Duration>> = OnceLock::new();
    *DELAY.get_or_init(|| {
        std::env::var("REIMAGE_TEST_DELAY_BEFORE_RENAME_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map(std::time::Duration::from_millis)
    })
}

#[cfg(test)]
mod tests {
    use super::temp::{random_part, temp_name, NAME_MAX};
    use super::*;
    use crate::finding::Finding;
    use std::fs;

    fn plan_for(path: &Path, original: &[u8]) -> FilePlan {
        let rules = crate::RuleSet::new(vec![crate::RuleSpec::rename(
            "ghcr.io/a/b",
            "ghcr.io/a/c",
            "test",
        )])
        .unwrap();
        let findings: Vec<Finding> =
            crate::find_in(&rules, crate::classify::FileKind::Yaml, original);
        FilePlan::new(path.to_path_buf(), findings, original)
    }

    fn options(root: &Path) -> Options {
        Options {
            roots: vec![root.to_path_buf()],
            break_hardlinks: false,
        }
    }

    #[test]
    fn temporary_files_are_told_by_their_whole_name() {
        assert!(is_temporary(Path::new(
            "./deploy/.app.yaml.reimage-Ab12Cd.tmp"
        )));
        assert!(is_temporary(Path::new(".x.reimage-000000.tmp")));
        for other in [
            "./deploy/app.yaml",
            "./build.tmp",
            "./deploy/app.yaml.reimage-Ab12Cd.tmp",
            "./.app.yaml.reimage-Ab12Cd.tmp.bak",
            "./.reimage-dir.tmp/app.yaml",
            "./.env.reimage-prod.tmp",
            "./.x.reimage-0.tmp",
            "./.reimage-Ab12Cd.tmp",
            "./.x.reimage-Ab-2Cd.tmp",
        ] {
            assert!(!is_temporary(Path::new(other)), "{other}");
        }
    }

    #[test]
    fn temporary_names_fit_the_name_limit_and_are_recognised() {
        for len in [1, 200, 234, 235, 236, 255] {
            let name = vec![b'n'; len];
            let temp = temp_name(&name, &random_part());
            assert!(temp.len() <= NAME_MAX, "{len}: {}", temp.len());
            assert!(is_temporary(Path::new(&temp)), "{len}");
        }
        // A multi-byte character cut in two still gives a name of ours.
        let name = "é".repeat(127);
        let temp = temp_name(name.as_bytes(), &random_part());
        assert!(temp.len() <= NAME_MAX && is_temporary(Path::new(&temp)));
    }

    #[test]
    fn a_file_changed_after_reading_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        fs::write(&path, "image: ghcr.io/a/b:1\n").unwrap();
        let plan = plan_for(&path, b"image: ghcr.io/a/b:1\n");
        // Someone edits the file between the scan and the write.
        fs::write(&path, "image: ghcr.io/a/b:1\nimage: ghcr.io/a/b:2\n").unwrap();
        let error = apply(&plan, &options(dir.path())).unwrap_err();
        assert!(matches!(error, WriteProblem::Changed), "{error}");
        assert!(error.to_string().contains("changed after it was read"));
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "image: ghcr.io/a/b:1\nimage: ghcr.io/a/b:2\n"
        );
    }

    #[test]
    fn an_unchanged_file_is_replaced_atomically_with_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        fs::write(&path, "image: ghcr.io/a/b:1\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let plan = plan_for(&path, b"image: ghcr.io/a/b:1\n");
        assert_eq!(
            apply(&plan, &options(dir.path())).unwrap(),
            Outcome::Written { lost: None }
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "image: ghcr.io/a/c:1\n");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn a_read_only_file_is_not_written() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        fs::write(&path, "image: ghcr.io/a/b:1\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        let plan = plan_for(&path, b"image: ghcr.io/a/b:1\n");
        let error = apply(&plan, &options(dir.path())).unwrap_err();
        assert!(matches!(error, WriteProblem::ReadOnly), "{error}");
        assert!(error.to_string().contains("read-only"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "image: ghcr.io/a/b:1\n");
    }

    fn stat(mode: u32, uid: u32) -> Stat {
        let dir = tempfile::tempdir().unwrap();
        let mut stat = rfs::stat(dir.path()).unwrap();
        stat.st_mode = mode;
        stat.st_uid = uid;
        stat
    }

    #[test]
    fn permission_to_replace_is_the_kernels_and_the_sticky_bits() {
        let file = |mode: u32| stat(0o100_000 | mode, 0);
        let dir = stat(0o040_777, 0);
        let sticky = stat(0o041_777, 0);
        // Mode bits that allow writing are not enough: the kernel's answer decides.
        assert!(matches!(
            may_replace(1000, &file(0o666), &dir, false),
            Err(WriteProblem::NotPermitted(_))
        ));
        assert!(may_replace(1000, &file(0o666), &dir, true).is_ok());
        // No write bit at all is read-only, also for root.
        assert!(matches!(
            may_replace(0, &file(0o444), &dir, true),
            Err(WriteProblem::ReadOnly)
        ));
        // A sticky directory: another user's file may not be replaced, one's own may.
        let error = may_replace(1000, &file(0o666), &sticky, true).unwrap_err();
        assert!(error.to_string().contains("sticky"), "{error}");
        assert!(may_replace(1000, &stat(0o100_666, 1000), &sticky, true).is_ok());
        assert!(may_replace(1000, &file(0o666), &stat(0o041_777, 1000), true).is_ok());
        assert!(may_replace(0, &file(0o666), &sticky, true).is_ok());
    }

    #[test]
    fn a_path_outside_the_roots_or_through_a_symlink_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("a.yaml"), "image: ghcr.io/a/b:1\n").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("sub")).unwrap();
        let plan = plan_for(&dir.path().join("sub/a.yaml"), b"image: ghcr.io/a/b:1\n");
        let error = apply(&plan, &options(dir.path())).unwrap_err();
        assert!(matches!(error, WriteProblem::PathChanged { .. }), "{error}");
        let error = apply(&plan, &options(Path::new("/nonexistent"))).unwrap_err();
        assert!(matches!(error, WriteProblem::OutsidePaths), "{error}");
        assert_eq!(
            fs::read_to_string(outside.path().join("a.yaml")).unwrap(),
            "image: ghcr.io/a/b:1\n"
        );
    }
}
