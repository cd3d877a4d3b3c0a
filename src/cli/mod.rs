//! The command line: one module per command, each owning its clap arguments and a `run` over
//! the shared scan pipeline ([`reimage::scan`]). This module holds what they share: the options
//! every command takes, configuration discovery, the progress display, exit statuses and errors.
//!
//! Nothing reaches the library except through plain values (`ScanOptions`, `RuleSet`, `Report`).

mod catalog;
mod check;
mod list;
mod rename;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use reimage::baseline::BaselineError;
use reimage::config::{self, ConfigError, FileConfig, SaveError};
use reimage::scan::ScanOptions;
use reimage::{Format, GroupBy, Mode, Report, RuleError, RuleSet, Style, WalkError, WalkOptions};

/// Find and rename container image references across repositories.
#[derive(Debug, Parser)]
#[command(name = "reimage", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Rename FROM to TO (or the [[rename]] rules of reimage.toml): preview by default, -w to apply.
    #[command(after_help = rename::HELP)]
    Rename(rename::RenameArgs),
    /// Exit 1 while references to retired names remain (--deny, or the rules of reimage.toml).
    Check(check::CheckArgs),
    /// Inventory every image reference found in image positions.
    List(list::ListArgs),
    /// Known upstream migrations (k8s.gcr.io, GCR, Bitnami, Docker Hub deprecations…).
    Catalog(catalog::CatalogArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    Man,
}

impl Cli {
    /// Runs the command, writing its report to `out`.
    pub(crate) fn run(self, out: &mut dyn Write) -> Result<ExitStatus, Error> {
        match self.command {
            Sub::Rename(args) => args.run(out),
            Sub::Check(args) => args.run(out),
            Sub::List(args) => args.run(out),
            Sub::Catalog(args) => args.run(out),
            Sub::Completions { shell } => {
                clap_complete::generate(shell, &mut Cli::command(), "reimage", out);
                Ok(ExitStatus::Clean)
            }
            Sub::Man => {
                clap_mangen::Man::new(Cli::command()).render(out)?;
                Ok(ExitStatus::Clean)
            }
        }
    }
}

/// How a run ended (DESIGN §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Success; nothing stale.
    Clean = 0,
    /// `check` or `rename --check` found references that would change.
    Stale = 1,
    /// Bad usage, rules or configuration, or a file that could not be read or written.
    Error = 2,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status as u8)
    }
}

impl ExitStatus {
    /// The status a finished run's report calls for; `stale_fails` for `check` and `--check`.
    fn of(report: &Report, stale_fails: bool) -> Self {
        if !report.errors.is_empty() {
            ExitStatus::Error
        } else if stale_fails && report.has_stale() {
            ExitStatus::Stale
        } else {
            ExitStatus::Clean
        }
    }
}

/// Errors that stop a run (exit 2).
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Rules(Vec<RuleError>),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error(transparent)]
    Save(#[from] SaveError),
    #[error(transparent)]
    Usage(#[from] Usage),
    #[error(transparent)]
    Dirty(#[from] reimage::dirty::Refusals),
    #[error(transparent)]
    Renovate(#[from] reimage::renovate::RenovateError),
    #[error("cannot write the report: {0}")]
    Output(#[from] std::io::Error),
}

/// A command line that does not say what to do.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Usage {
    #[error("no rules: give FROM TO, or add [[rename]] rules to reimage.toml")]
    NoRenameRules,
    #[error("nothing to check: give --deny NAME, or add rules to reimage.toml")]
    NothingToCheck,
    #[error("`{0}` is not a path; to rename, give FROM and TO: reimage rename OLD NEW [PATH]...")]
    NotAPath(String),
    #[error("--save needs FROM and TO on the command line")]
    SaveNeedsRule,
    #[error("{}: no such config file", .0.display())]
    NoSuchConfig(PathBuf),
    #[error(transparent)]
    Catalog(#[from] reimage::catalog::UnknownEntry),
    #[error("no Renovate configuration here (renovate.json, .github/renovate.json, .renovaterc…); give --from-renovate=FILE")]
    NoRenovateConfig,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Common {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
    /// Read rules from FILE instead of the reimage.toml found above each path.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Do not honour .gitignore / .ignore files.
    #[arg(long)]
    no_ignore: bool,
    /// Only search files matching GLOB; `!GLOB` excludes (repeatable).
    #[arg(short = 'g', long = "glob", value_name = "GLOB")]
    globs: Vec<String>,
    /// Skip files matching GLOB (repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    excludes: Vec<String>,
    /// Skip (and report) files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    max_filesize: u64,
    /// When to colour output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Print only the summary and errors.
    #[arg(short, long)]
    quiet: bool,
    /// Rewrite changelogs and release notes too (kept as written by default).
    #[arg(long)]
    include_history: bool,
    /// Rewrite vendor/, third_party/, node_modules/ and linguist-vendored/-generated files too.
    #[arg(long)]
    include_vendored: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Github,
    Markdown,
    Diff,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// One run's resolved surroundings: the paths, the configuration that applies to each, the
/// options.
#[derive(Debug)]
pub(crate) struct Session {
    paths: Vec<PathBuf>,
    /// Each configuration in use (`--config`, or the nearest above a path; none for paths with
    /// no configuration above them) with the paths it applies to.
    scopes: Vec<Scope>,
    /// The configuration files in use.
    config_files: Vec<PathBuf>,
    common: Common,
}

/// A configuration and the paths it applies to.
#[derive(Debug)]
struct Scope {
    file: FileConfig,
    /// Its directory, which `[files] exclude` globs are relative to.
    dir: Option<PathBuf>,
    paths: Vec<PathBuf>,
}

impl Session {
    /// Finds and loads the configuration of each of `paths` (default `.`).
    fn new(common: Common, paths: &[PathBuf]) -> Result<Self, Error> {
        let paths = if paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            // A path inside another is walked with it, under the outer path's configuration.
            reimage::scan::distinct_roots(paths)
        };
        let config_of = |path: &Path| -> Result<Option<PathBuf>, Error> {
            match &common.config {
                Some(file) if !file.is_file() => Err(Usage::NoSuchConfig(file.clone()).into()),
                Some(file) => Ok(Some(file.clone())),
                None => Ok(config::discover(path)),
            }
        };
        let mut scopes: Vec<(Option<PathBuf>, Vec<PathBuf>)> = Vec::new();
        for path in &paths {
            let config = config_of(path)?;
            match scopes.iter_mut().find(|(c, _)| *c == config) {
                Some((_, paths)) => paths.push(path.clone()),
                None => scopes.push((config, vec![path.clone()])),
            }
        }
        let config_files: Vec<PathBuf> = scopes.iter().filter_map(|(c, _)| c.clone()).collect();
        let scopes = scopes
            .into_iter()
            .map(|(config, paths)| {
                let file = config::load(config.as_slice())?;
                let dir = config
                    .and_then(|c| std::fs::canonicalize(c).ok())
                    .and_then(|c| c.parent().map(Path::to_path_buf));
                Ok(Scope { file, dir, paths })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Session {
            paths,
            scopes,
            config_files,
            common,
        })
    }

    /// Walks and scans the paths, each under the rules `rules_for` makes of its configuration
    /// (all of them validated before any file is read); `own` names further files of the
    /// tool's (baselines). One report for the whole run.
    fn scan(
        &self,
        rules_for: &dyn Fn(&FileConfig) -> Result<Vec<reimage::RuleSpec>, Error>,
        mode: Mode,
        own: &[&Path],
    ) -> Result<Report, Error> {
        let rules: Vec<RuleSet> = self
            .scopes
            .iter()
            .map(|scope| rule_set(rules_for(&scope.file)?))
            .collect::<Result<_, Error>>()?;
        let mut own_files = self.config_files.clone();
        own_files.extend(own.iter().map(|p| p.to_path_buf()));
        let cwd = std::env::current_dir()
            .ok()
            .and_then(|d| std::fs::canonicalize(d).ok());
        let progress = progress_bar();
        let mut report: Option<Report> = None;
        for (scope, rules) in self.scopes.iter().zip(&rules) {
            let mut excludes = self.common.excludes.clone();
            match (&scope.dir, &cwd) {
                (Some(dir), Some(cwd)) => {
                    excludes.extend(config::exclude_globs(dir, cwd, &scope.file.exclude));
                }
                _ => excludes.extend(scope.file.exclude.iter().cloned()),
            }
            let options = ScanOptions {
                paths: scope.paths.clone(),
                walk: WalkOptions {
                    no_ignore: self.common.no_ignore,
                    globs: self.common.globs.clone(),
                    excludes,
                    threads: self.common.threads,
                    max_filesize: self.common.max_filesize,
                },
                inventory: mode == Mode::List,
                own_files: own_files.clone(),
                include_history: self.common.include_history || scope.file.include_history,
                include_vendored: self.common.include_vendored || scope.file.include_vendored,
            };
            let part = reimage::scan::scan(&options, rules, mode, &|| progress.inc(1))?;
            match &mut report {
                Some(report) => report.merge(part),
                None => report = Some(part),
            }
        }
        progress.finish_and_clear();
        Ok(report.expect("a session has at least one path"))
    }

    /// Every configuration in use, for commands that check them before scanning.
    fn configs(&self) -> impl Iterator<Item = &FileConfig> {
        self.scopes.iter().map(|s| &s.file)
    }

    /// Writes `report` to `out` in the chosen format (`diff` forces the diff format).
    fn render(
        &self,
        report: &Report,
        diff: bool,
        group_by: GroupBy,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        let format = match (diff, self.common.format) {
            (true, _) | (_, FormatArg::Diff) => Format::Diff,
            (_, FormatArg::Json) => Format::Json,
            (_, FormatArg::Sarif) => Format::Sarif,
            (_, FormatArg::Github) => Format::Github,
            (_, FormatArg::Markdown) => Format::Markdown,
            (_, FormatArg::Human) => Format::Human,
        };
        let color = match self.common.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        let style = Style {
            color,
            quiet: self.common.quiet,
        };
        match report.render(format, &style, group_by, out) {
            // A reader that stopped early (`| head`) does not change what the run found.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        }
    }
}

/// Validates rule specs as a set (exit 2 with every problem, before any file is read).
fn rule_set(specs: Vec<reimage::RuleSpec>) -> Result<RuleSet, Error> {
    RuleSet::new(specs).map_err(Error::Rules)
}

/// A spinner with a file count on stderr when it is a terminal outside CI; hidden otherwise.
fn progress_bar() -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
