//! The command line: clap types and their translation into a plain [`reimage::Config`].
//!
//! This is also where `reimage.toml` is found and merged with the flags; nothing reaches the
//! engine except through `Config`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use reimage::config::{self, FileConfig};
use reimage::{Command, Config, Format, GroupBy, RuleSpec, Style, WalkOptions};

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
    #[command(after_help = RENAME_HELP)]
    Rename {
        /// FROM TO, then paths to search (default: .). Without FROM TO, rules come from reimage.toml.
        #[arg(value_name = "FROM TO | PATH")]
        args: Vec<String>,
        /// Apply the changes (atomically, file by file).
        #[arg(short = 'w', long)]
        write: bool,
        /// Exit 1 if anything would change (nothing is written).
        #[arg(long, conflicts_with = "write")]
        check: bool,
        /// Print a unified diff (same as --format diff).
        #[arg(long)]
        diff: bool,
        /// Append FROM TO as a [[rename]] rule to reimage.toml (keeps its comments).
        #[arg(long)]
        save: bool,
        /// Write even files with uncommitted changes in a git work tree.
        #[arg(long)]
        allow_dirty: bool,
        /// Replace hard-linked files too (their other names keep the old content).
        #[arg(long)]
        break_hardlinks: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Exit 1 while references to retired names remain (--deny, or the rules of reimage.toml).
    Check {
        /// A retired image name or prefix (repeatable).
        #[arg(long = "deny", value_name = "NAME")]
        deny: Vec<String>,
        /// Accept the findings recorded in FILE; fail only on new ones.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// Record the current findings in FILE (for --baseline) and exit 0.
        #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
        write_baseline: Option<PathBuf>,
        /// Paths to search (default: .).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Inventory every image reference found in image positions.
    List {
        /// Group the inventory by repository (default) or by registry.
        #[arg(long, value_enum, default_value_t = GroupArg::Repository)]
        group_by: GroupArg,
        /// Paths to search (default: .).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    Man,
}

const RENAME_HELP: &str =
    "FROM may be a repository (ghcr.io/owner/app), a repository with a tag (nginx:1.25),
or a prefix ending in / (k8s.gcr.io/, docker.io/bitnami/, docker.io/).

Examples:
  reimage rename ghcr.io/gdtiti/grok2api ghcr.io/gdtiti/grok2api-api          # preview
  reimage rename k8s.gcr.io/ registry.k8s.io/ -w ~/src/infra ~/src/charts      # apply
  reimage rename docker.io/bitnami/ docker.io/bitnamilegacy/ --diff | git apply";

#[derive(Debug, Args)]
struct Common {
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
}

#[derive(Debug, Clone, Copy, ValueEnum)]
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

#[derive(Debug, Clone, Copy, ValueEnum)]
enum GroupArg {
    Repository,
    Registry,
}

/// What the binary should do.
pub(crate) enum Action {
    Run(Box<Config>),
    /// Print this text and exit 0 (completions, man page).
    Print(Vec<u8>),
}

impl Cli {
    /// Resolves the command line and configuration files into what to do.
    pub(crate) fn resolve(self) -> Result<Action, String> {
        let (command, cli_rules, paths, common, extra) = match self.command {
            Sub::Completions { shell } => {
                let mut out = Vec::new();
                clap_complete::generate(shell, &mut Cli::command(), "reimage", &mut out);
                return Ok(Action::Print(out));
            }
            Sub::Man => {
                let mut out = Vec::new();
                clap_mangen::Man::new(Cli::command())
                    .render(&mut out)
                    .map_err(|e| e.to_string())?;
                return Ok(Action::Print(out));
            }
            Sub::Rename {
                args,
                write,
                check,
                diff,
                save,
                allow_dirty,
                break_hardlinks,
                common,
            } => {
                let (rule, paths) = split_rename_args(args)?;
                let extra = Extra {
                    diff,
                    save: save.then(|| rule.clone()).flatten(),
                    allow_dirty,
                    break_hardlinks,
                    ..Extra::default()
                };
                if save && extra.save.is_none() {
                    return Err("--save needs FROM and TO on the command line".to_owned());
                }
                (
                    Command::Rename { write, check },
                    rule.into_iter().collect::<Vec<_>>(),
                    paths,
                    common,
                    extra,
                )
            }
            Sub::Check {
                deny,
                baseline,
                write_baseline,
                paths,
                common,
            } => {
                let rules = deny
                    .into_iter()
                    .map(|from| RuleSpec {
                        from,
                        to: None,
                        origin: "--deny".to_owned(),
                    })
                    .collect();
                let extra = Extra {
                    baseline,
                    write_baseline,
                    ..Extra::default()
                };
                (Command::Check, rules, paths, common, extra)
            }
            Sub::List {
                group_by,
                paths,
                common,
            } => {
                let group_by = match group_by {
                    GroupArg::Repository => GroupBy::Repository,
                    GroupArg::Registry => GroupBy::Registry,
                };
                (
                    Command::List,
                    Vec::new(),
                    paths,
                    common,
                    Extra {
                        group_by,
                        ..Extra::default()
                    },
                )
            }
        };
        let paths = if paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            paths
        };
        let config_files = config_files(common.config.as_deref(), &paths)?;
        let file = config::load(&config_files).map_err(|e| e.to_string())?;
        if let Some(rule) = &extra.save {
            let target = config_files
                .first()
                .cloned()
                .unwrap_or_else(|| PathBuf::from(config::CONFIG_NAMES[0]));
            config::save_rule(&target, &rule.from, rule.to.as_deref().unwrap_or_default())?;
            eprintln!("reimage: saved `{rule}` to {}", target.display());
        }
        let rules = merge_rules(command, cli_rules, &file)?;
        Ok(Action::Run(Box::new(build_config(
            command, rules, paths, common, extra, file,
        ))))
    }
}

/// Options that only some subcommands have.
#[derive(Debug, Default)]
struct Extra {
    diff: bool,
    save: Option<RuleSpec>,
    allow_dirty: bool,
    break_hardlinks: bool,
    baseline: Option<PathBuf>,
    write_baseline: Option<PathBuf>,
    group_by: GroupBy,
}

/// `FROM TO [PATH]...` or `[PATH]...`: the first two words are a rule unless both are existing
/// paths (an image name may well also be a directory name, such as `nginx/`).
fn split_rename_args(mut args: Vec<String>) -> Result<(Option<RuleSpec>, Vec<PathBuf>), String> {
    let exists = |i: usize| args.get(i).is_some_and(|a| Path::new(a).exists());
    let only_paths = match args.len() {
        0 => true,
        1 => exists(0),
        _ => exists(0) && exists(1),
    };
    if only_paths {
        return Ok((None, args.into_iter().map(PathBuf::from).collect()));
    }
    if args.len() < 2 {
        return Err(format!(
            "`{}` is not a path; to rename, give FROM and TO: reimage rename OLD NEW [PATH]...",
            args[0]
        ));
    }
    let paths = args.split_off(2).into_iter().map(PathBuf::from).collect();
    let to = args.pop();
    let from = args.pop().unwrap_or_default();
    Ok((
        Some(RuleSpec {
            from,
            to,
            origin: "command line".to_owned(),
        }),
        paths,
    ))
}

/// `--config`, or the nearest reimage.toml above each path.
fn config_files(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if let Some(file) = explicit {
        if !file.is_file() {
            return Err(format!("{}: no such config file", file.display()));
        }
        return Ok(vec![file.to_path_buf()]);
    }
    let mut found: Vec<PathBuf> = paths.iter().filter_map(|p| config::discover(p)).collect();
    found.dedup();
    Ok(found)
}

/// Command-line rules first, then the configuration's; `check` uses renames and denials.
fn merge_rules(
    command: Command,
    cli: Vec<RuleSpec>,
    file: &FileConfig,
) -> Result<Vec<RuleSpec>, String> {
    let mut rules = cli;
    match command {
        Command::Rename { .. } => {
            if rules.is_empty() {
                rules.extend(file.renames.iter().cloned());
            }
            if rules.is_empty() {
                return Err(
                    "no rules: give FROM TO, or add [[rename]] rules to reimage.toml".to_owned(),
                );
            }
        }
        Command::Check => {
            rules.extend(file.renames.iter().cloned());
            rules.extend(file.deny.iter().cloned());
            if rules.is_empty() {
                return Err(
                    "nothing to check: give --deny NAME, or add rules to reimage.toml".to_owned(),
                );
            }
        }
        Command::List => {}
    }
    Ok(rules)
}

fn build_config(
    command: Command,
    rules: Vec<RuleSpec>,
    paths: Vec<PathBuf>,
    common: Common,
    extra: Extra,
    file: FileConfig,
) -> Config {
    let format = match (extra.diff, common.format) {
        (true, _) | (_, FormatArg::Diff) => Format::Diff,
        (_, FormatArg::Json) => Format::Json,
        (_, FormatArg::Sarif) => Format::Sarif,
        (_, FormatArg::Github) => Format::Github,
        (_, FormatArg::Markdown) => Format::Markdown,
        (_, FormatArg::Human) => Format::Human,
    };
    let color = match common.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut excludes = common.excludes;
    excludes.extend(file.exclude.iter().cloned());
    Config {
        command,
        rules,
        paths,
        walk: WalkOptions {
            no_ignore: common.no_ignore,
            globs: common.globs,
            excludes,
            threads: common.threads,
            max_filesize: common.max_filesize,
        },
        format,
        style: Style {
            color,
            quiet: common.quiet,
        },
        baseline: extra.baseline,
        write_baseline: extra.write_baseline,
        group_by: extra.group_by,
        allow_dirty: extra.allow_dirty,
        break_hardlinks: extra.break_hardlinks,
        progress: std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        own_files: file.sources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn rename_splits_rule_from_paths() {
        let (rule, paths) =
            split_rename_args(vec!["a/b".into(), "a/c".into(), "x".into(), "y".into()]).unwrap();
        let rule = rule.unwrap();
        assert_eq!(
            (rule.from.as_str(), rule.to.as_deref()),
            ("a/b", Some("a/c"))
        );
        assert_eq!(paths, vec![PathBuf::from("x"), PathBuf::from("y")]);
    }

    #[test]
    fn rename_with_only_paths_takes_rules_from_config() {
        let (rule, paths) = split_rename_args(vec![".".into()]).unwrap();
        assert!(rule.is_none());
        assert_eq!(paths, vec![PathBuf::from(".")]);
        assert!(split_rename_args(vec!["ghcr.io/a/b".into()])
            .unwrap_err()
            .contains("give FROM and TO"));
    }
}
