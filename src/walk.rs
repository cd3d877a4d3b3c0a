//! Walking the given paths in parallel: which files are candidates, read once each.
//!
//! Honours `.gitignore`/`.ignore` (also outside a git repository) unless `--no-ignore`, includes
//! hidden files and folders (CI configs live there) but never `.git/`, does not follow symlinks,
//! and applies `-g/--glob` and `--exclude` globs. Every visited file is handed to a callback on the
//! walker's own thread, so reading and scanning overlap across cores.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};

/// Options that select files.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub no_ignore: bool,
    /// Include globs (`-g`); a leading `!` excludes, as in ripgrep.
    pub globs: Vec<String>,
    /// Exclude globs (`--exclude`).
    pub excludes: Vec<String>,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
    /// Files larger than this are reported and skipped.
    pub max_filesize: u64,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            no_ignore: false,
            globs: Vec::new(),
            excludes: Vec::new(),
            threads: 0,
            max_filesize: 64 << 20,
        }
    }
}

/// A file's bytes, or why it was not read. Binary detection is left to the caller, which only
/// needs it for files that contain a candidate (most files cost a single pass that way).
#[derive(Debug)]
pub(crate) enum Visit {
    Bytes(Vec<u8>),
    Problem(String),
}

/// A problem with the options or the paths themselves, before any file is read.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("{path}: no such file or directory")]
    Missing { path: PathBuf },
    #[error("invalid glob `{glob}`: {message}")]
    Glob { glob: String, message: String },
}

/// Calls `visit(path, contents)` for every candidate file under `roots`, from several threads.
pub(crate) fn walk<F>(roots: &[PathBuf], options: &WalkOptions, visit: F) -> Result<(), WalkError>
where
    F: Fn(&Path, Visit) + Sync,
{
    for root in roots {
        if fs::symlink_metadata(root).is_err() {
            return Err(WalkError::Missing { path: root.clone() });
        }
    }
    let Some((first, rest)) = roots.split_first() else {
        return Ok(());
    };
    let mut builder = WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder
        .hidden(false)
        .follow_links(false)
        .threads(options.threads)
        .require_git(false)
        .git_ignore(!options.no_ignore)
        .git_global(!options.no_ignore)
        .git_exclude(!options.no_ignore)
        .ignore(!options.no_ignore)
        .parents(!options.no_ignore)
        .filter_entry(|entry| entry.file_name() != ".git");
    builder.overrides(overrides(options)?);
    let max = options.max_filesize;
    builder.build_parallel().run(|| {
        let visit = &visit;
        Box::new(move |entry| {
            match entry {
                Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                    visit(entry.path(), read(entry.path(), max));
                }
                Ok(_) => {}
                Err(err) => {
                    let path = error_path(&err).unwrap_or_default();
                    visit(&path, Visit::Problem(err.to_string()));
                }
            }
            WalkState::Continue
        })
    });
    Ok(())
}

fn overrides(options: &WalkOptions) -> Result<ignore::overrides::Override, WalkError> {
    let mut builder = OverrideBuilder::new(".");
    let globs = options.globs.iter().cloned();
    let excludes = options.excludes.iter().map(|g| format!("!{g}"));
    for glob in globs.chain(excludes) {
        builder.add(&glob).map_err(|e| WalkError::Glob {
            glob: glob.clone(),
            message: e.to_string(),
        })?;
    }
    builder.build().map_err(|e| WalkError::Glob {
        glob: String::new(),
        message: e.to_string(),
    })
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// Reads a file once: too large and unreadable files are reported instead.
fn read(path: &Path, max: u64) -> Visit {
    let mut file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return Visit::Problem(format!("cannot read: {e}")),
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > max {
        return Visit::Problem(format!(
            "skipped: {len} bytes is over the {max}-byte limit (--max-filesize)"
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize + 1);
    if let Err(e) = file.read_to_end(&mut bytes) {
        return Visit::Problem(format!("cannot read: {e}"));
    }
    Visit::Bytes(bytes)
}
