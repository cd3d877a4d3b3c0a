//! reimage: find every reference to a container image across repositories, rewrite it, report it.
//!
//! The pipeline flows one way: `walk` → `classify` → `find` → `plan` → `apply` → `report`.
//! `image_ref` (the reference grammar) and `rule` (what a rule matches) are pure. [`run`] takes a
//! plain [`Config`] (the command line is turned into one in the binary) and returns the exit code.

mod apply;
mod baseline;
pub mod classify;
pub mod config;
mod dirty;
pub mod find;
pub mod image_ref;
pub mod plan;
pub mod report;
pub mod rule;
mod walk;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub use image_ref::{ImageRef, RefError};
pub use report::{FileError, Format, GroupBy, Mode, Report, Style};
pub use rule::{RuleError, RuleSet, RuleSpec};
pub use walk::{WalkError, WalkOptions};

use find::Matcher;
use plan::FilePlan;
use walk::Visit;

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Rename references; `write` applies the plan, `check` exits 1 if anything would change.
    Rename { write: bool, check: bool },
    /// Exit 1 while stale references remain.
    Check,
    /// Inventory every image reference in image positions.
    List,
}

/// A fully resolved run: no command-line types, no defaults left to fill in.
#[derive(Debug, Clone)]
pub struct Config {
    pub command: Command,
    pub rules: Vec<RuleSpec>,
    pub paths: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub format: Format,
    pub style: Style,
    /// `check --baseline`: findings recorded there do not fail the check.
    pub baseline: Option<PathBuf>,
    /// `check --write-baseline`: record the current findings there.
    pub write_baseline: Option<PathBuf>,
    /// `list --group-by`.
    pub group_by: GroupBy,
    /// `rename -w --allow-dirty`: write files with uncommitted changes too.
    pub allow_dirty: bool,
    /// `rename -w --break-hardlinks`: replace hard-linked files too, splitting their links.
    pub break_hardlinks: bool,
    /// Show a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
    /// Files never searched or written: the configuration and baseline files in use.
    pub own_files: Vec<PathBuf>,
}

/// Errors that stop a run before any file is read (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Rules(Vec<RuleError>),
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot write the report: {0}")]
    Output(#[from] std::io::Error),
}

/// Exit codes (DESIGN §1).
pub const EXIT_OK: u8 = 0;
pub const EXIT_STALE: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Runs `config`, writes the report to `out`, and returns the exit code.
pub fn run(config: &Config, out: &mut dyn Write) -> Result<u8, Error> {
    let rules = RuleSet::new(config.rules.clone()).map_err(Error::Rules)?;
    if rules.is_empty() && config.command != Command::List {
        return Err(Error::Usage(
            "no rules: give FROM TO (rename) or --deny NAME (check)".to_owned(),
        ));
    }
    let accepted = match &config.baseline {
        Some(path) => Some(baseline::Baseline::load(path).map_err(Error::Usage)?),
        None => None,
    };
    let mut report = scan(config, rules)?;
    if let Some(accepted) = accepted {
        accepted.apply(&mut report);
    }
    if let Some(path) = &config.write_baseline {
        baseline::Baseline::write(path, &report).map_err(Error::Usage)?;
        let summary = report.summary();
        let recorded = summary.rewrite + summary.stale;
        eprintln!(
            "reimage: recorded {recorded} findings in {}",
            path.display()
        );
        return Ok(if report.errors.is_empty() {
            EXIT_OK
        } else {
            EXIT_ERROR
        });
    }
    if let Command::Rename { write: true, .. } = config.command {
        if !config.allow_dirty {
            dirty::check(&report).map_err(|refused| Error::Usage(refused.to_string()))?;
        }
        let options = apply::Options {
            roots: config.paths.clone(),
            break_hardlinks: config.break_hardlinks,
        };
        write(&mut report, config.walk.threads, &options);
    }
    report.render(config.format, &config.style, config.group_by, out)?;
    let stale_fails = matches!(
        config.command,
        Command::Check | Command::Rename { check: true, .. }
    );
    Ok(if !report.errors.is_empty() {
        EXIT_ERROR
    } else if stale_fails && report.has_stale() {
        EXIT_STALE
    } else {
        EXIT_OK
    })
}

/// Walks and scans every file, building the plan. Nothing is written.
pub fn scan(config: &Config, rules: RuleSet) -> Result<Report, Error> {
    let matcher = Matcher::new(rules, config.command == Command::List);
    let files = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    let warnings = Mutex::new(Vec::new());
    let scanned = AtomicUsize::new(0);
    let binary = AtomicUsize::new(0);
    let progress = progress_bar(config.progress);
    let warn = |path: &Path, message: String| {
        let warning = FileError {
            path: path.to_path_buf(),
            message,
        };
        warnings
            .lock()
            .expect("no panics while holding the lock")
            .push(warning);
    };
    let own_files: Vec<PathBuf> = config
        .own_files
        .iter()
        .chain(&config.baseline)
        .chain(&config.write_baseline)
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    walk::walk(
        &config.paths,
        &config.walk,
        |path: &Path, visit| match visit {
            _ if is_own_file(path, &own_files) => {}
            _ if apply::is_temporary(path) => warn(
                path,
                "a temporary file left by an interrupted `reimage -w`; delete it".to_owned(),
            ),
            Visit::Bytes(bytes) => {
                scanned.fetch_add(1, Ordering::Relaxed);
                progress.inc(1);
                let Some(hits) = matcher.first_pass(bytes) else {
                    return;
                };
                if memchr::memchr(0, bytes).is_some() {
                    binary.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                let scanned = matcher.find_candidate(classify::classify(path), bytes, hits);
                if let Some(message) = scanned.warning {
                    warn(path, message);
                }
                if !scanned.findings.is_empty() {
                    let plan = FilePlan::new(path.to_path_buf(), scanned.findings, bytes);
                    files
                        .lock()
                        .expect("no panics while holding the lock")
                        .push(plan);
                }
            }
            Visit::Problem(message) => {
                let error = FileError {
                    path: path.to_path_buf(),
                    message,
                };
                errors
                    .lock()
                    .expect("no panics while holding the lock")
                    .push(error);
            }
        },
    )?;
    progress.finish_and_clear();
    let mut files = files.into_inner().expect("walk finished");
    let mut errors = errors.into_inner().expect("walk finished");
    let mut warnings = warnings.into_inner().expect("walk finished");
    warnings.sort_by(|a, b| a.path.cmp(&b.path));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    let mode = match config.command {
        Command::Rename { .. } => Mode::Rename { write: false },
        Command::Check => Mode::Check,
        Command::List => Mode::List,
    };
    Ok(Report {
        mode,
        files,
        errors,
        warnings,
        files_scanned: scanned.into_inner(),
        binary_skipped: binary.into_inner(),
    })
}

/// Applies the plan, several files at a time; a file that cannot be written becomes an error
/// entry and its findings no longer count as changed.
fn write(report: &mut Report, threads: usize, options: &apply::Options) {
    report.mode = Mode::Rename { write: true };
    for (index, outcome) in apply::apply_all(&report.files, threads, options) {
        let file = &mut report.files[index];
        let problem = match outcome {
            Ok(apply::Outcome::Written {
                lost: Some(message),
            }) => {
                let path = file.path.clone();
                report.warnings.push(FileError { path, message });
                continue;
            }
            Ok(_) => continue,
            Err(problem) => problem,
        };
        report.errors.push(FileError {
            path: file.path.clone(),
            message: problem.to_string(),
        });
        file.original = None;
        for f in &mut file.findings {
            if f.action == find::Action::Rewrite {
                f.action = find::Action::Review;
                f.note = Some("not written (see the error for this file)".to_owned());
            }
        }
    }
    report.warnings.sort_by(|a, b| a.path.cmp(&b.path));
    report.errors.sort_by(|a, b| a.path.cmp(&b.path));
}

/// A spinner with a file count on stderr, or a hidden bar when `show` is false.
fn progress_bar(show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} files scanned ({per_sec})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Whether `path` is one of the tool's own inputs, which name old images on purpose.
fn is_own_file(path: &Path, own: &[PathBuf]) -> bool {
    !own.is_empty() && std::fs::canonicalize(path).is_ok_and(|p| own.contains(&p))
}

/// A reusable finder over one rule set: what `rename` does to one file's bytes, without touching
/// the file system. The entry point for fuzzing, benchmarks and embedding.
#[derive(Debug)]
pub struct Finder(Matcher);

impl Finder {
    pub fn new(rules: &RuleSet) -> Self {
        Finder(Matcher::new(rules.clone(), false))
    }

    /// The findings in `text`, read as a file of `kind`, in file order.
    pub fn find(&self, kind: classify::FileKind, text: &[u8]) -> Vec<find::Finding> {
        self.0.find(kind, text).findings
    }
}

/// [`Finder::find`] for a single call.
pub fn find_in(rules: &RuleSet, kind: classify::FileKind, text: &[u8]) -> Vec<find::Finding> {
    Finder::new(rules).find(kind, text)
}
