//! Walking the given paths in parallel: which files are candidates, read once each.
//!
//! Honours ignore files unless `--no-ignore` (inside a git work tree as git does, from its root
//! down; outside one, from the given path down), includes
//! hidden files and folders (CI configs live there) but never `.git/`: a given path inside a git
//! directory (a component named `.git` once made absolute, or a bare repository: `HEAD`, `objects/`
//! and `refs/`), also the current directory, is refused before anything is read. Does not follow
//! symlinks below the given paths, and applies `-g/--glob` and `--exclude` globs. Files are opened
//! with `O_NONBLOCK` (and `O_NOFOLLOW` below the given paths) and read only if the handle is a
//! regular file, so a FIFO or device put in a file's place cannot block the run. Every visited file
//! is handed to a callback on the walker's own thread, so reading and scanning overlap across cores;
//! under a process limit the walk runs on the threads that can be started (`threads`).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::overrides::OverrideBuilder;
use ignore::WalkBuilder;
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

use crate::problem::Problem;

mod threads;

use threads::run;

/// Options that select files.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub no_ignore: bool,
    /// Include globs (`-g`); a leading `!` excludes, as in ripgrep.
    pub globs: Vec<String>,
    /// Exclude globs (`--exclude`).
    pub excludes: Vec<String>,
    /// Worker threads; 0 picks one per core. More than [`max_threads`] are not started.
    pub threads: usize,
    /// Files larger than this are reported and skipped.
    pub max_filesize: u64,
    /// Descend at most this many directories below each path (`--max-depth`; 0: the path only).
    pub max_depth: Option<usize>,
    /// Do not cross into other file systems (`--one-file-system`).
    pub one_file_system: bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            no_ignore: false,
            globs: Vec::new(),
            excludes: Vec::new(),
            threads: 0,
            max_filesize: 64 << 20,
            max_depth: None,
            one_file_system: false,
        }
    }
}

/// A file's bytes, or why it was not read. Binary detection is left to the caller, which only
/// needs it for files that contain a candidate (most files cost a single pass that way).
///
/// The bytes are borrowed from the walker thread's read buffer, which is reused from file to file
/// (no allocation, page faults or zeroing per file); a caller that keeps them copies them.
#[derive(Debug)]
pub(crate) enum Visit<'a> {
    Bytes(&'a [u8]),
    Problem(Problem),
}

/// A problem with the options or the paths themselves, before any file is read.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("{path}: no such file or directory")]
    Missing { path: PathBuf },
    #[error("invalid glob `{glob}`: {message}")]
    Glob { glob: String, message: String },
    #[error(
        "{path}: inside the git directory {}, which is never read or written; give the work tree instead",
        git_dir.display()
    )]
    GitDir { path: PathBuf, git_dir: PathBuf },
}

/// Threads beyond this many per core only cost: each has a stack and a share of every file's
/// work, and hundreds contend for two cores (`-j 30000` would not finish). `-j` is capped here.
const THREADS_PER_CORE: usize = 4;

/// The most worker threads a run starts, whatever `-j` says.
pub(crate) fn max_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * THREADS_PER_CORE
}

/// The git directory `root` is in, if any: a component named `.git` of its absolute, resolved
/// path, or a directory at or above it that git would take for a repository (`HEAD`, `objects/`,
/// `refs/`: a bare repository, where server hooks run).
fn git_dir_of(root: &Path) -> Option<PathBuf> {
    let absolute = fs::canonicalize(root).ok()?;
    let mut dir = PathBuf::new();
    for part in absolute.components() {
        dir.push(part);
        if part.as_os_str() == ".git" {
            return Some(dir);
        }
    }
    absolute
        .ancestors()
        .find(|dir| is_git_dir(dir))
        .map(Path::to_path_buf)
}

fn is_git_dir(dir: &Path) -> bool {
    dir.join("HEAD").is_file() && dir.join("objects").is_dir() && dir.join("refs").is_dir()
}

/// Calls `visit(path, contents)` for every candidate file under `roots`, from several threads.
pub(crate) fn walk<F>(roots: &[PathBuf], options: &WalkOptions, visit: F) -> Result<(), WalkError>
where
    F: Fn(&Path, Visit<'_>) + Sync,
{
    for root in roots {
        if fs::symlink_metadata(root).is_err() {
            return Err(WalkError::Missing { path: root.clone() });
        }
        if let Some(git_dir) = git_dir_of(root) {
            return Err(WalkError::GitDir {
                path: root.clone(),
                git_dir,
            });
        }
    }
    let overrides = overrides(options)?;
    // A pipe or terminal the user named (`/dev/stdin`, `<(…)`) is read as given; the walker
    // yields only regular files, and below the paths nothing else is ever opened.
    let (streams, roots): (Vec<&PathBuf>, Vec<&PathBuf>) =
        roots.iter().partition(|root| is_stream(root));
    for root in streams {
        match read_stream(root, options.max_filesize) {
            Ok(bytes) => visit(root, Visit::Bytes(&bytes)),
            Err(problem) => visit(root, Visit::Problem(problem)),
        }
    }
    // A file named on the command line (as pre-commit passes them) is excluded like any other:
    // the walker itself yields every root unfiltered.
    let mut listed = HashMap::new();
    let mut groups: [(Scope, Vec<&PathBuf>); 2] = [
        (Scope::WorkTree, Vec::new()),
        (Scope::Standalone, Vec::new()),
    ];
    for root in roots {
        let scope = Scope::of(root);
        if !is_excluded_root(root, options, scope, &overrides, &mut listed) {
            let group = if scope == Scope::WorkTree { 0 } else { 1 };
            groups[group].1.push(root);
        }
    }
    for (scope, roots) in groups {
        let Some((first, rest)) = roots.split_first() else {
            continue;
        };
        let mut builder = configured(WalkBuilder::new(first), options, scope);
        for root in rest {
            builder.add(root);
        }
        builder.max_depth(options.max_depth);
        builder.same_file_system(options.one_file_system);
        builder.overrides(overrides.clone());
        run(&mut builder, options.threads, options.max_filesize, &visit);
    }
    Ok(())
}

/// Whether a path the user named is a FIFO or a character device (following symlinks, as
/// `/dev/stdin` and `/dev/fd/63` are).
fn is_stream(root: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    fs::metadata(root).is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_char_device())
}

/// Reads a named FIFO or device to its end, blocking (the user asked for it), up to `max` bytes.
fn read_stream(path: &Path, max: u64) -> Result<Vec<u8>, Problem> {
    let cannot = |e: std::io::Error| Problem::Unreadable(Arc::new(e));
    let file = fs::File::open(path).map_err(cannot)?;
    read_limited(file, max)
}

/// Reads `source` to its end, refusing more than `max` bytes.
pub(crate) fn read_limited(source: impl Read, max: u64) -> Result<Vec<u8>, Problem> {
    let mut bytes = Vec::new();
    source
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Problem::Unreadable(Arc::new(e)))?;
    match bytes.len() as u64 {
        len if len > max => Err(Problem::TooLarge { len, max }),
        _ => Ok(bytes),
    }
}

/// Package managers' lock files (sorted): generated, large, and full of names that look like
/// settings (`"language-subtag-registry"`); skipped below the paths, read when named.
const LOCK_FILES: &[&str] = &[
    "Cargo.lock",
    "Gemfile.lock",
    "Pipfile.lock",
    "composer.lock",
    "go.sum",
    "package-lock.json",
    "pnpm-lock.yaml",
    "poetry.lock",
    "yarn.lock",
];

fn is_lock_file(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|name| LOCK_FILES.binary_search(&name).is_ok())
}

/// Which ignore files apply to a walked path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Inside a git work tree: as git does, from the work tree root down, never above it (a
    /// dotfiles `~/.gitignore` holding `*` must not hide a repository's files).
    WorkTree,
    /// Outside any work tree: the ignore files from the walked path down.
    Standalone,
}

impl Scope {
    fn of(root: &Path) -> Self {
        let inside = fs::canonicalize(root)
            .is_ok_and(|path| path.ancestors().any(|dir| dir.join(".git").exists()));
        if inside {
            Scope::WorkTree
        } else {
            Scope::Standalone
        }
    }
}

/// The walker with the options every walk shares: ignore files of `scope`, hidden files, no
/// symlinks, no `.git`.
fn configured(mut builder: WalkBuilder, options: &WalkOptions, scope: Scope) -> WalkBuilder {
    let honour = !options.no_ignore;
    builder
        .hidden(false)
        .follow_links(false)
        .require_git(scope == Scope::WorkTree)
        .git_ignore(honour)
        .git_global(honour)
        .git_exclude(honour)
        .ignore(honour)
        .parents(honour && scope == Scope::WorkTree)
        .filter_entry(|entry| entry.file_name() != ".git");
    builder
}

/// Whether a file given as a root is excluded by `--exclude`, `[files] exclude`, `-g` or an
/// ignore file. Each directory on its way (from the current directory for a relative path) is
/// listed one level deep with the same rules, once per directory (in `listed`), and must yield
/// the next component: an ignored directory hides the files inside it, as in a walk.
fn is_excluded_root(
    root: &Path,
    options: &WalkOptions,
    scope: Scope,
    overrides: &ignore::overrides::Override,
    listed: &mut HashMap<PathBuf, HashSet<OsString>>,
) -> bool {
    if !fs::symlink_metadata(root).is_ok_and(|m| m.is_file()) {
        return false;
    }
    if overrides.matched(root, false).is_ignore() {
        return true;
    }
    if options.no_ignore {
        return false;
    }
    let mut dir = match root.parent() {
        Some(p) if root.is_relative() => PathBuf::from(".").join(p),
        Some(p) => p.to_path_buf(),
        None => PathBuf::from("."),
    };
    let mut name = root.file_name().map(OsString::from);
    loop {
        let Some(wanted) = &name else { return false };
        let names = listed.entry(dir.clone()).or_insert_with(|| {
            let mut builder = configured(WalkBuilder::new(&dir), options, scope);
            builder.max_depth(Some(1));
            builder
                .build()
                .flatten()
                .filter(|entry| entry.depth() == 1)
                .map(|entry| entry.file_name().to_owned())
                .collect()
        });
        if !names.contains(wanted) {
            return true;
        }
        // Up to the current directory (relative roots) or the root's own directory (absolute).
        if !root.is_relative() || dir == Path::new(".") {
            return false;
        }
        name = dir.file_name().map(OsString::from);
        dir = dir
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    }
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

/// Each walker thread's read buffer starts this large; most source files fit.
const FIRST_BUFFER: usize = 64 << 10;
/// A read buffer larger than this is released after its file instead of kept for the next one.
const KEPT_BUFFER: usize = 4 << 20;

/// Reads a file once into `buffer` and returns its length: too large, unreadable and no longer
/// regular files are reported instead. The file is opened without blocking (`O_NONBLOCK`: a FIFO
/// put in its place opens at once) and without following a symlink unless `follow`, then its
/// handle is `fstat`ed: only a regular file is read, and its size checks `max` and sizes the buffer
/// once. Reading goes on to end of file, so a file that grows is read whole (or refused, past `max`).
fn read(path: &Path, follow: bool, max: u64, buffer: &mut Vec<u8>) -> Result<usize, Problem> {
    let too_large = |len: u64| Problem::TooLarge { len, max };
    let cannot = |e: std::io::Error| Problem::Unreadable(Arc::new(e));
    let mut flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    if !follow {
        flags |= OFlags::NOFOLLOW;
    }
    let mut file = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => fs::File::from(fd),
        Err(Errno::LOOP) if !follow => return Err(Problem::NowASymlink),
        Err(e) => return Err(cannot(e.into())),
    };
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(Problem::NotRegularFile);
    }
    let len = meta.len();
    if len > max {
        return Err(too_large(len));
    }
    // One spare byte, so reading to the known length needs no second growth to see the end.
    let exact = usize::try_from(len).map_err(|_| too_large(len))? + 1;
    if buffer.len() < exact.max(FIRST_BUFFER) {
        grow(buffer, exact.max(FIRST_BUFFER))?;
    }
    let mut filled = 0;
    loop {
        if filled == buffer.len() {
            // The file grew while being read.
            if filled as u64 > max {
                return Err(too_large(filled as u64));
            }
            grow(buffer, filled * 2)?;
        }
        match file.read(&mut buffer[filled..]) {
            Ok(0) if filled as u64 > max => return Err(too_large(filled as u64)),
            Ok(0) => return Ok(filled),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(cannot(e)),
        }
    }
}

/// Grows `buffer` to `len` bytes, or says the file could not be read for want of memory (a
/// report line for that file, not an abort of the run).
fn grow(buffer: &mut Vec<u8>, len: usize) -> Result<(), Problem> {
    let more = len.saturating_sub(buffer.len());
    if buffer.try_reserve_exact(more).is_err() {
        let message = format!("not enough memory to read {len} bytes");
        return Err(Problem::Unreadable(Arc::new(std::io::Error::new(
            std::io::ErrorKind::OutOfMemory,
            message,
        ))));
    }
    buffer.resize(len, 0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_file(
        dir: &Path,
        name: &str,
        len: usize,
        max: u64,
        buffer: &mut Vec<u8>,
    ) -> Result<Vec<u8>, Problem> {
        let path = dir.join(name);
        let bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        fs::write(&path, &bytes).unwrap();
        let read = read(&path, false, max, buffer)?;
        assert_eq!(
            &buffer[..read],
            &bytes[..],
            "{name}: the bytes read are the file's"
        );
        Ok(buffer[..read].to_vec())
    }

    #[test]
    fn reads_whole_files_up_to_the_limit_and_refuses_larger_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut buffer = Vec::new();
        let dir = dir.path();
        assert_eq!(read_file(dir, "empty", 0, 0, &mut buffer).unwrap(), b"");
        assert!(read_file(dir, "at-limit", 100, 100, &mut buffer).is_ok());
        let error = read_file(dir, "over-limit", 101, 100, &mut buffer)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("101 bytes is over the 100 bytes limit"),
            "{error}"
        );
        // Around the first buffer's size, where the size is first asked for.
        for len in [
            FIRST_BUFFER - 1,
            FIRST_BUFFER,
            FIRST_BUFFER + 1,
            3 * FIRST_BUFFER + 7,
        ] {
            assert!(
                read_file(dir, "fits", len, len as u64, &mut buffer).is_ok(),
                "{len}"
            );
            let error = read_file(dir, "too-big", len, len as u64 - 1, &mut buffer)
                .unwrap_err()
                .to_string();
            assert!(error.contains("over the"), "{len}: {error}");
        }
    }

    #[test]
    fn lock_files_are_told_by_name() {
        assert!(LOCK_FILES.windows(2).all(|w| w[0] < w[1]), "sorted");
        assert!(is_lock_file("package-lock.json".as_ref()));
        assert!(is_lock_file("go.sum".as_ref()));
        assert!(!is_lock_file("package.json".as_ref()));
        assert!(!is_lock_file("values.lock.yaml".as_ref()));
    }

    #[test]
    fn a_reused_buffer_shows_only_the_current_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut buffer = Vec::new();
        read_file(dir.path(), "large", 5 * FIRST_BUFFER, u64::MAX, &mut buffer).unwrap();
        assert_eq!(
            read_file(dir.path(), "small", 3, u64::MAX, &mut buffer).unwrap(),
            b"abc"
        );
        assert_eq!(
            read_file(dir.path(), "empty", 0, u64::MAX, &mut buffer).unwrap(),
            b""
        );
    }
}
