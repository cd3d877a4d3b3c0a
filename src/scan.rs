//! The pipeline every command shares: walk the paths, find references in each file, and collect
//! the plan into a [`Report`]. Nothing is written here.
//!
//! Files are visited from several threads; the report is sorted by path afterwards, so output
//! never depends on thread timing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::apply;
use crate::baseline;
use crate::classify::{self, FileKind, Keep};
use crate::config::CONFIG_NAMES;
use crate::find::Matcher;
use crate::finding::Disposition;
use crate::plan::FilePlan;
use crate::problem::{FileError, Problem};
use crate::report::{Mode, Report};
use crate::rule::RuleSet;
use crate::walk::{self, Visit, WalkError, WalkOptions};

/// What to scan and how.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub walk: WalkOptions,
    /// `list`: report every reference in an image position, not only what the rules match.
    pub inventory: bool,
    /// Files never searched or written: the configuration and baseline files in use.
    pub own_files: Vec<PathBuf>,
    /// Rewrite history files (`CHANGELOG*`…) too, instead of keeping their references.
    pub include_history: bool,
    /// Rewrite vendored and generated code too, instead of keeping its references.
    pub include_vendored: bool,
}

/// Walks and scans every file under `options.paths`; `on_file` is called once per file read
/// (for a progress display). The report's mode is `mode`.
pub fn scan(
    options: &ScanOptions,
    rules: &RuleSet,
    mode: Mode,
    on_file: &(dyn Fn() + Sync),
) -> Result<Report, WalkError> {
    let matcher = Matcher::new(rules.clone(), options.inventory);
    let own = OwnFiles::new(&options.own_files);
    let roots = distinct_roots(&options.paths);
    // `list` is an inventory of what is there, kept or not.
    let keep = Keep::new(
        &roots,
        options.include_history || options.inventory,
        options.include_vendored || options.inventory,
    );
    let mut collector = Collector::new(&matcher);
    collector.keep = Some(&keep);
    walk::walk(&roots, &options.walk, |path: &Path, visit| match visit {
        _ if own.contains(path) => {}
        _ if apply::is_temporary(path) => {
            collector.push(&collector.warnings, path, Problem::LeftoverTemporary);
        }
        Visit::Bytes(bytes) => {
            on_file();
            collector.file(path, || classify::classify(path), bytes);
        }
        Visit::Problem(problem) if problem.is_warning() => {
            collector.push(&collector.warnings, path, problem);
        }
        Visit::Problem(problem) => collector.push(&collector.errors, path, problem),
    })?;
    Ok(collector.into_report(mode, rules))
}

/// Scans one document that is not a file of the tree (standard input), read as a file of `kind`
/// and reported under `name`.
pub fn scan_document(
    name: &Path,
    kind: FileKind,
    bytes: &[u8],
    rules: &RuleSet,
    mode: Mode,
    inventory: bool,
) -> Report {
    let matcher = Matcher::new(rules.clone(), inventory);
    let collector = Collector::new(&matcher);
    collector.file(name, || kind, bytes);
    collector.into_report(mode, rules)
}

/// Reads a document (standard input) to its end, refusing more than `max` bytes.
pub fn read_document(source: impl std::io::Read, max: u64) -> Result<Vec<u8>, Problem> {
    walk::read_limited(source, max)
}

/// What the scan of each file adds to the report, from several threads.
struct Collector<'m> {
    matcher: &'m Matcher,
    /// Which files' references are kept as written (history, vendored code).
    keep: Option<&'m Keep>,
    files: Mutex<Vec<FilePlan>>,
    errors: Mutex<Vec<FileError>>,
    warnings: Mutex<Vec<FileError>>,
    scanned: AtomicUsize,
    binary: AtomicUsize,
}

impl<'m> Collector<'m> {
    fn new(matcher: &'m Matcher) -> Self {
        Collector {
            matcher,
            keep: None,
            files: Mutex::new(Vec::new()),
            errors: Mutex::new(Vec::new()),
            warnings: Mutex::new(Vec::new()),
            scanned: AtomicUsize::new(0),
            binary: AtomicUsize::new(0),
        }
    }

    fn push(&self, list: &Mutex<Vec<FileError>>, path: &Path, problem: Problem) {
        let error = FileError {
            path: path.to_path_buf(),
            problem,
        };
        list.lock()
            .expect("no panics while holding the lock")
            .push(error);
    }

    /// Finds the references in one file's bytes; its kind is asked for only if it has a hit.
    fn file(&self, path: &Path, kind: impl FnOnce() -> FileKind, bytes: &[u8]) {
        self.scanned.fetch_add(1, Ordering::Relaxed);
        if let Some(encoding) = wide_encoding(bytes) {
            return self.push(&self.warnings, path, Problem::WideEncoding { encoding });
        }
        let Some(hits) = self.matcher.first_pass(bytes) else {
            return;
        };
        let kind = kind();
        if let Some(offset) = memchr::memchr(0, bytes) {
            self.binary.fetch_add(1, Ordering::Relaxed);
            // A file named like text with a stray NUL is worth a word; a binary one is not.
            if kind != FileKind::Text {
                self.push(&self.warnings, path, Problem::NulByte { offset });
            }
            return;
        }
        if kind == FileKind::Json && baseline::is_baseline(bytes) {
            return;
        }
        let found = self.matcher.find_candidate(kind, bytes, hits);
        if let Some(problem) = found.warning {
            self.push(&self.warnings, path, problem);
        }
        if !found.findings.is_empty() {
            let mut findings = found.findings;
            if let Some(reason) = self.keep.and_then(|k| k.reason(path)) {
                for f in findings.iter_mut().filter(|f| f.disposition.is_none()) {
                    f.disposition = Some(Disposition::Kept(reason));
                }
            }
            let plan = FilePlan::new(path.to_path_buf(), findings, bytes);
            self.files
                .lock()
                .expect("no panics while holding the lock")
                .push(plan);
        }
    }

    fn into_report(self, mode: Mode, rules: &RuleSet) -> Report {
        let mut files = self.files.into_inner().expect("walk finished");
        let mut errors = self.errors.into_inner().expect("walk finished");
        let mut warnings = self.warnings.into_inner().expect("walk finished");
        files.sort_by(|a, b| a.path.cmp(&b.path));
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        warnings.sort_by(|a, b| a.path.cmp(&b.path));
        Report {
            mode,
            files,
            errors,
            warnings,
            files_scanned: self.scanned.into_inner(),
            binary_skipped: self.binary.into_inner(),
            rules: rules.infos(),
        }
    }
}

/// The wide encoding a byte-order mark announces (UTF-32 first: its LE mark starts like UTF-16's).
fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => Some("UTF-32LE"),
        [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32BE"),
        [0xFF, 0xFE, ..] => Some("UTF-16LE"),
        [0xFE, 0xFF, ..] => Some("UTF-16BE"),
        _ => None,
    }
}

/// The paths to walk, without those inside (or equal to) another one: `-w . sub` must not plan
/// `sub`'s files twice (the second write would find them changed since read).
pub fn distinct_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    let canonical: Vec<Option<PathBuf>> = paths
        .iter()
        .map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let covered = |i: usize| {
        let Some(mine) = &canonical[i] else {
            return false;
        };
        canonical.iter().enumerate().any(|(j, other)| {
            other
                .as_ref()
                .is_some_and(|other| j != i && mine.starts_with(other) && (mine != other || j < i))
        })
    };
    paths
        .iter()
        .enumerate()
        .filter(|&(i, _)| !covered(i))
        .map(|(_, p)| p.clone())
        .collect()
}

/// The tool's own files: every configuration file (`reimage.toml`, `.reimage.toml`) wherever it
/// is, and the files in use (`--config`, baselines, the file `--save` wrote), recognised by name
/// first: most walked files are told apart without a system call, and only a file named like
/// one of them is canonicalized. (Baselines under other names are recognised by content.)
#[derive(Debug)]
struct OwnFiles {
    canonical: Vec<PathBuf>,
}

impl OwnFiles {
    fn new(paths: &[PathBuf]) -> Self {
        OwnFiles {
            canonical: paths
                .iter()
                .filter_map(|p| std::fs::canonicalize(p).ok())
                .collect(),
        }
    }

    fn contains(&self, path: &Path) -> bool {
        let Some(name) = path.file_name() else {
            return false;
        };
        if CONFIG_NAMES.iter().any(|n| name == *n) {
            return true;
        }
        self.canonical
            .iter()
            .any(|own| own.file_name() == Some(name))
            && std::fs::canonicalize(path).is_ok_and(|p| self.canonical.contains(&p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_inside_other_roots_are_walked_once() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let root = dir.path().to_path_buf();
        let given = vec![
            root.clone(),
            sub.clone(),
            sub.join("."),
            root.join("missing"),
        ];
        assert_eq!(
            distinct_roots(&given),
            vec![root.clone(), root.join("missing")]
        );
        assert_eq!(distinct_roots(&[sub.clone(), sub.clone()]), vec![sub]);
    }

    #[test]
    fn own_files_are_told_by_name_then_by_canonical_path() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("reimage.toml");
        let other = dir.path().join("sub/reimage.toml");
        std::fs::create_dir_all(other.parent().unwrap()).unwrap();
        std::fs::write(&config, "").unwrap();
        std::fs::write(&other, "").unwrap();
        let baseline = dir.path().join("accepted.json");
        let other_json = dir.path().join("sub/accepted.json");
        std::fs::write(&baseline, "").unwrap();
        std::fs::write(&other_json, "").unwrap();
        let own = OwnFiles::new(&[config.clone(), baseline]);
        assert!(own.contains(&config));
        assert!(
            own.contains(&other),
            "every configuration file is the tool's"
        );
        assert!(own.contains(&dir.path().join("sub/../accepted.json")));
        assert!(!own.contains(&other_json), "same name, another file");
        assert!(!own.contains(&dir.path().join("values.yaml")));
    }
}
