//! The command line: one module per command, each owning its clap arguments and a `run` over
//! the shared scan pipeline ([`reimage::scan`]). This module holds what they share: the options
//! every command takes, configuration discovery, the progress display, exit statuses and errors.
//!
//! Nothing reaches the library except through plain values (`ScanOptions`, `RuleSet`, `Report`).

mod catalog;
mod check;
mod list;
mod man;
mod progress;

use progress::Progress;
mod rename;
mod review;
mod verify;

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
#[command(after_help = "Examples:
  reimage rename ghcr.io/old/app ghcr.io/new/app            # preview the rename under .
  reimage rename k8s.gcr.io/ registry.k8s.io/ -w ~/src/infra  # apply it
  reimage check --deny docker.io/bitnami/                    # CI gate: exit 1 while any remain
  reimage list --group-by registry                           # what is used, and from where")]
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
    #[command(after_help = check::HELP)]
    Check(check::CheckArgs),
    /// Inventory every image reference found in image positions.
    #[command(after_help = list::HELP)]
    List(list::ListArgs),
    /// Known upstream migrations (k8s.gcr.io, GCR, Bitnami, Docker Hub deprecations…).
    #[command(after_help = catalog::HELP)]
    Catalog(catalog::CatalogArgs),
    /// Exit 1 unless every image reference exists in its registry (asks the registries).
    #[command(after_help = verify::HELP)]
    Verify(verify::VerifyArgs),
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual (roff) to stdout: every command, or one command's page.
    #[command(after_help = man::HELP)]
    Man(man::ManArgs),
}

impl Cli {
    /// Runs the command, writing its report to `out`.
    pub(crate) fn run(self, out: &mut dyn Write) -> Result<ExitStatus, Error> {
        let format = match &self.command {
            Sub::Rename(args) => Some(args.common.format),
            Sub::Check(args) => Some(args.common.format),
            Sub::Verify(args) => Some(args.common.format),
            _ => None,
        };
        if format == Some(FormatArg::Images) {
            return Err(Usage::ImagesIsForList.into());
        }
        match self.command {
            Sub::Rename(args) => args.run(out),
            Sub::Check(args) => args.run(out),
            Sub::List(args) => args.run(out),
            Sub::Catalog(args) => args.run(out),
            Sub::Verify(args) => args.run(out),
            Sub::Completions { shell } => {
                clap_complete::generate(shell, &mut Cli::command(), "reimage", out);
                Ok(ExitStatus::Clean)
            }
            Sub::Man(args) => args.run(out),
        }
    }
}

const COMPLETIONS_HELP: &str = "Examples:
  reimage completions bash > ~/.local/share/bash-completion/completions/reimage
  reimage completions zsh > ~/.zfunc/_reimage     # with fpath+=~/.zfunc in ~/.zshrc
  reimage completions fish > ~/.config/fish/completions/reimage.fish";

/// How a run ended (DESIGN §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Success; nothing stale.
    Clean = 0,
    /// `check` or `rename --check` found references that would change, or `--verify` found
    /// a reference (a rename's new one) that its registry does not have.
    Stale = 1,
    /// Bad usage, rules or configuration, a file that could not be read or written, or a
    /// registry that could not be asked.
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
        if !report.errors.is_empty() || report.summary().unreachable > 0 {
            ExitStatus::Error
        } else if (stale_fails && report.has_stale()) || report.has_missing() {
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
    #[error("`-` (standard input) is one document: give it as the only path")]
    StdinWithPaths,
    #[error("standard input cannot be written: `reimage rename FROM TO -` prints the rewritten document")]
    WriteStdin,
    #[error(
        "`{0}` and `{1}` are both paths and image names; to rename, give the path to search \
         (`reimage rename {0} {1} .`) or write `reimage rename -- {0} {1}`; to search both with \
         the rules of reimage.toml, write `./{0} ./{1}`"
    )]
    Ambiguous(String, String),
    #[error("`{0}` is a path, and paths go last: reimage rename {1} {2} {0}")]
    PathsGoLast(String, String, String),
    #[error(
        "--format images applies to `reimage list` only: reimage list --format images [PATH]..."
    )]
    ImagesIsForList,
    #[error("--tags and --set-tag apply to FROM TO on the command line; in reimage.toml write `tags = \"…\"` or `set-tag = true` in the [[rename]] rule")]
    ConditionNeedsRule,
    #[error("--save needs FROM and TO on the command line")]
    SaveNeedsRule,
    #[error("{}: no such config file", .0.display())]
    NoSuchConfig(PathBuf),
    #[error(transparent)]
    Catalog(#[from] reimage::catalog::UnknownEntry),
    #[error("no Renovate configuration here (renovate.json, renovate.json5, .github/renovate.json, .renovaterc…); give --from-renovate=FILE")]
    NoRenovateConfig,
    #[error("this reimage was built without the `verify` feature: it cannot ask registries")]
    #[cfg_attr(feature = "verify", allow(dead_code))]
    NoVerifySupport,
}

/// Options every command takes, in the order of their help headings: Input, Rules, Output
/// (a command's own Writing and Registries flags follow). Flattened first in each command.
#[derive(Debug, Args)]
pub(crate) struct Common {
    /// Worker threads [default: one per core].
    #[arg(
        short = 'j',
        long,
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true,
        help_heading = "Input"
    )]
    threads: usize,
    /// Do not honour .gitignore / .ignore files.
    #[arg(long, help_heading = "Input")]
    no_ignore: bool,
    /// Only search files matching GLOB; `!GLOB` excludes (repeatable).
    #[arg(
        short = 'g',
        long = "glob",
        value_name = "GLOB",
        help_heading = "Input"
    )]
    globs: Vec<String>,
    /// Skip files matching GLOB (repeatable).
    #[arg(long = "exclude", value_name = "GLOB", help_heading = "Input")]
    excludes: Vec<String>,
    /// Skip (and count) files larger than SIZE: bytes, or with a unit (512K, 64M, 1G) [default: 64 MiB].
    #[arg(long, value_name = "SIZE", default_value = "64M", hide_default_value = true, value_parser = parse_size, help_heading = "Input")]
    max_filesize: u64,
    /// Descend at most N directories below each path (0: only the files named).
    #[arg(long, value_name = "N", help_heading = "Input")]
    max_depth: Option<usize>,
    /// Do not cross into other file systems (mounts) below each path.
    #[arg(long, help_heading = "Input")]
    one_file_system: bool,
    /// With `-` as the path, read standard input as a file of this name (its kind: Dockerfile,
    /// values.yaml, compose.yaml…) [default: text].
    #[arg(long, value_name = "NAME", help_heading = "Input")]
    stdin_filename: Option<PathBuf>,
    /// Rewrite changelogs and release notes too (kept as written by default).
    #[arg(long, help_heading = "Input")]
    include_history: bool,
    /// Rewrite vendor/, third_party/, node_modules/ and linguist-vendored/-generated files too.
    #[arg(long, help_heading = "Input")]
    include_vendored: bool,
    /// Read rules from FILE instead of the reimage.toml found above each path.
    #[arg(long, value_name = "FILE", help_heading = "Rules")]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human, help_heading = "Output")]
    format: FormatArg,
    /// When to colour output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, help_heading = "Output")]
    color: ColorArg,
    /// Print only the summary and errors.
    #[arg(short, long, help_heading = "Output")]
    quiet: bool,
    /// Show progress on stderr even when it is not a terminal (a plain line every few seconds).
    #[arg(long, help_heading = "Output")]
    progress: bool,
    /// Write --diff paths relative to DIR [default: the root of each file's git work tree].
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    diff_root: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Github,
    Markdown,
    Diff,
    // `list` only: each distinct image once, fully qualified, for a mirror job. (No doc
    // comment: one would turn every command's help into the long form.)
    Images,
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
    /// The only path is `-`: one document from standard input, read by [`Session::scan`].
    stdin: bool,
    document: std::cell::OnceCell<Vec<u8>>,
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
        let stdin = paths.iter().any(|p| p.as_os_str() == "-");
        if stdin && paths.len() > 1 {
            return Err(Usage::StdinWithPaths.into());
        }
        let paths = if paths.is_empty() || stdin {
            // Standard input takes the configuration of the current directory.
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
            stdin,
            document: std::cell::OnceCell::new(),
        })
    }

    /// The name standard input is reported under, and read as.
    fn stdin_name(&self) -> PathBuf {
        self.common
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("<stdin>"))
    }

    /// Scans standard input as one document, keeping its bytes for [`Session::document`].
    fn scan_stdin(&self, rules: &RuleSet, mode: Mode) -> Report {
        let name = self.stdin_name();
        let kind = match &self.common.stdin_filename {
            Some(name) => reimage::classify::classify(name),
            None => reimage::classify::FileKind::Text,
        };
        let read = reimage::scan::read_document(std::io::stdin().lock(), self.common.max_filesize);
        let bytes = read.as_ref().map_or(&[][..], Vec::as_slice);
        let mut report =
            reimage::scan::scan_document(&name, kind, bytes, rules, mode, mode == Mode::List);
        match read {
            Ok(bytes) => {
                let _ = self.document.set(bytes);
            }
            Err(problem) => report.errors.push(reimage::problem::FileError {
                path: name,
                problem,
            }),
        }
        report
    }

    /// Standard input as read by a scan of `-`.
    fn document(&self) -> Option<&[u8]> {
        self.document.get().map(Vec::as_slice)
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
        if self.stdin {
            return Ok(self.scan_stdin(&rules[0], mode));
        }
        let progress = Progress::start(self.common.progress);
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
                    max_depth: self.common.max_depth,
                    one_file_system: self.common.one_file_system,
                },
                inventory: matches!(mode, Mode::List | Mode::Verify),
                own_files: own_files.clone(),
                include_history: self.common.include_history || scope.file.include_history,
                include_vendored: self.common.include_vendored || scope.file.include_vendored,
            };
            let part = reimage::scan::scan(&options, rules, mode, &|| progress.file())?;
            match &mut report {
                Some(report) => report.merge(part),
                None => report = Some(part),
            }
        }
        progress.finish();
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
            (_, FormatArg::Images) => Format::Images,
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
        let rendered = match (&self.common.diff_root, format) {
            (Some(root), Format::Diff) => report.render_diff(root, out),
            _ => report.render(format, &style, group_by, out),
        };
        match rendered {
            // A reader that stopped early (`| head`) does not change what the run found.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        }
    }
}

/// `4096`, `512K`, `64M`, `1G`, `2T` (binary units; `KiB`, `MB`, `k` are read alike).
fn parse_size(text: &str) -> Result<u64, String> {
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size; write e.g. 4096, 512K, 64M or 1G"))?;
    let unit = unit.trim().to_ascii_uppercase();
    let shift = match unit.trim_end_matches('B').trim_end_matches('I') {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit; write e.g. 512K, 64M or 1G"
            ))
        }
    };
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Validates rule specs as a set (exit 2 with every problem, before any file is read).
fn rule_set(specs: Vec<reimage::RuleSpec>) -> Result<RuleSet, Error> {
    RuleSet::new(specs).map_err(Error::Rules)
}

/// `1 file`, `2 files`: a count and its noun, plural when the count is not one.
pub(crate) fn plural(count: usize, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_units() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("64X").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
