//! Writing planned files: the only module that modifies the file system.
//!
//! Each file is re-read and compared with the bytes the plan was computed from; a file that
//! changed in between is not written. The new bytes go to a temporary file in the same directory
//! (named `.<name>.reimage-XXXXXX.tmp`), which takes the original's permissions and is renamed
//! over the original: a reader, or a run killed at any point, sees the old file or the new one,
//! never a mix. Like git and sd, files are not fsynced one by one (that costs a disk flush per
//! file); durability across a power cut is the file system's, as for any rename-based editor.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::finding::Disposition;
use crate::plan::FilePlan;
use crate::problem::{FileError, Problem};
use crate::report::{Mode, Report};

/// Applies the whole plan, several files at a time. A file that cannot be written becomes an
/// error entry, and its findings are marked as not written.
pub fn apply_all(report: &mut Report, threads: usize) {
    report.mode = Mode::Rename { write: true };
    // Writing is mostly system calls (open, write, rename): twice as many writers as cores.
    let workers = if threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
    } else {
        threads
    };
    let chunk = report.files.len().div_ceil(workers.max(1)).max(1);
    let failures: Vec<(usize, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = report
            .files
            .chunks(chunk)
            .enumerate()
            .map(|(n, files)| {
                scope.spawn(move || {
                    files
                        .iter()
                        .enumerate()
                        .filter_map(|(i, file)| apply(file).err().map(|e| (n * chunk + i, e)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a writer thread panicked"))
            .collect()
    });
    for (index, message) in failures {
        let file = &mut report.files[index];
        report.errors.push(FileError {
            path: file.path.clone(),
            problem: Problem::NotWritten(message),
        });
        file.original = None;
        for f in &mut file.findings {
            if !f.edits().is_empty() {
                f.disposition = Some(Disposition::WriteFailed);
            }
        }
    }
    report.errors.sort_by(|a, b| a.path.cmp(&b.path));
}

/// Writes `plan`'s new bytes to its file atomically. Returns what went wrong, if anything.
pub(crate) fn apply(plan: &FilePlan) -> Result<bool, String> {
    let (Some(original), Some(new)) = (plan.original.as_ref(), plan.rewritten()) else {
        return Ok(false);
    };
    let path = &plan.path;
    let meta =
        fs::symlink_metadata(path).map_err(|e| format!("cannot stat before writing: {e}"))?;
    if !meta.file_type().is_file() {
        return Err(
            "not written: no longer a regular file (symlinks are never written through)".into(),
        );
    }
    if meta.permissions().readonly() {
        return Err("not written: the file is read-only".into());
    }
    let current = fs::read(path).map_err(|e| format!("cannot re-read before writing: {e}"))?;
    if &current != original {
        return Err("not written: the file changed after it was read; run again".into());
    }
    write_atomically(path, &new, meta.permissions()).map_err(|e| format!("cannot write: {e}"))?;
    Ok(true)
}

const TEMP_MARKER: &str = ".reimage-";
const TEMP_SUFFIX: &str = ".tmp";

/// Whether `path` is a temporary file of ours (`.NAME.reimage-XXXXXX.tmp`).
pub(crate) fn is_temporary(path: &Path) -> bool {
    // Asked of every file walked: the suffix test on the raw path spares the component parsing.
    if !path
        .as_os_str()
        .as_encoded_bytes()
        .ends_with(TEMP_SUFFIX.as_bytes())
    {
        return false;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with('.') && name.contains(TEMP_MARKER)
}

fn write_atomically(
    path: &Path,
    bytes: &[u8],
    permissions: fs::Permissions,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}{TEMP_MARKER}"))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().set_permissions(permissions)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;

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

    #[test]
    fn temporary_files_are_told_by_their_whole_name() {
        assert!(is_temporary(Path::new(
            "./deploy/.app.yaml.reimage-Ab12Cd.tmp"
        )));
        assert!(is_temporary(Path::new(".x.reimage-0.tmp")));
        for other in [
            "./deploy/app.yaml",
            "./build.tmp",
            "./deploy/app.yaml.reimage-Ab12Cd.tmp",
            "./.app.yaml.reimage-Ab12Cd.tmp.bak",
            "./.reimage-dir.tmp/app.yaml",
        ] {
            assert!(!is_temporary(Path::new(other)), "{other}");
        }
    }

    #[test]
    fn a_file_changed_after_reading_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        fs::write(&path, "image: ghcr.io/a/b:1\n").unwrap();
        let plan = plan_for(&path, b"image: ghcr.io/a/b:1\n");
        // Someone edits the file between the scan and the write.
        fs::write(&path, "image: ghcr.io/a/b:1\nimage: ghcr.io/a/b:2\n").unwrap();
        let error = apply(&plan).unwrap_err();
        assert!(error.contains("changed after it was read"), "{error}");
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
        assert_eq!(apply(&plan), Ok(true));
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
        assert!(apply(&plan).unwrap_err().contains("read-only"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "image: ghcr.io/a/b:1\n");
    }
}
