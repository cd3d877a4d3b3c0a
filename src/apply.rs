//! Writing planned files: the only module that modifies the file system.
//!
//! Each file is re-read and compared with the bytes the plan was computed from; a file that
//! changed in between is not written. The new bytes go to a temporary file in the same directory
//! (named `.<name>.reimage-XXXXXX`), which takes the original's permissions, is flushed to disk
//! and renamed over the original: a reader sees the old file or the new one, never a mix.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::plan::FilePlan;

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
    let current = fs::read(path).map_err(|e| format!("cannot re-read before writing: {e}"))?;
    if &current != original {
        return Err("not written: the file changed after it was read; run again".into());
    }
    write_atomically(path, &new, meta.permissions()).map_err(|e| format!("cannot write: {e}"))?;
    Ok(true)
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
        .prefix(&format!(".{name}.reimage-"))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().set_permissions(permissions)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
