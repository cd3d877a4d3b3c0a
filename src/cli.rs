//! The command line: clap types and their translation into a plain [`reimage::Config`].
//!
//! Nothing here reaches the engine except through `Config`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use reimage::{Command, Config, Format, RuleSpec, Style, WalkOptions};

/// Find and rename container image references across repositories.
#[derive(Debug, Parser)]
#[command(name = "reimage", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Rename FROM to TO: preview by default, `-w` to apply.
    #[command(
        after_help = "FROM may be a repository (ghcr.io/owner/app), a repository with a tag (nginx:1.25),\nor a prefix ending in / (k8s.gcr.io/, docker.io/bitnami/, docker.io/)."
    )]
    Rename {
        /// Old name, new name, then paths to search (default: .).
        #[arg(value_name = "FROM TO [PATH]", required = true)]
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
        #[command(flatten)]
        common: Common,
    },
    /// Exit 1 while references to retired names remain.
    Check {
        /// A retired image name or prefix (repeatable).
        #[arg(long = "deny", value_name = "NAME", required = true)]
        deny: Vec<String>,
        /// Paths to search (default: .).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Inventory every image reference found in image positions.
    List {
        /// Paths to search (default: .).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Args)]
struct Common {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
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
    Diff,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

impl Cli {
    /// Resolves the command line into a plain configuration.
    pub(crate) fn into_config(self) -> Result<Config, String> {
        let (command, rules, paths, common, diff) = match self.command {
            Sub::Rename {
                mut args,
                write,
                check,
                diff,
                common,
            } => {
                if args.len() < 2 {
                    return Err(
                        "rename needs FROM and TO: reimage rename OLD NEW [PATH]...".to_owned()
                    );
                }
                let paths = args.split_off(2).into_iter().map(PathBuf::from).collect();
                let to = args.pop();
                let from = args.pop().unwrap_or_default();
                let rule = RuleSpec {
                    from,
                    to,
                    origin: "command line".to_owned(),
                };
                (
                    Command::Rename { write, check },
                    vec![rule],
                    paths,
                    common,
                    diff,
                )
            }
            Sub::Check {
                deny,
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
                (Command::Check, rules, paths, common, false)
            }
            Sub::List { paths, common } => (Command::List, Vec::new(), paths, common, false),
        };
        let format = match (diff, common.format) {
            (true, _) | (_, FormatArg::Diff) => Format::Diff,
            (_, FormatArg::Json) => Format::Json,
            (_, FormatArg::Human) => Format::Human,
        };
        let color = match common.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Ok(Config {
            command,
            rules,
            paths: if paths.is_empty() {
                vec![PathBuf::from(".")]
            } else {
                paths
            },
            walk: WalkOptions {
                no_ignore: common.no_ignore,
                globs: common.globs,
                excludes: common.excludes,
                threads: common.threads,
                max_filesize: common.max_filesize,
            },
            format,
            style: Style {
                color,
                quiet: common.quiet,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn rename_splits_rule_from_paths() {
        let cli = Cli::parse_from(["reimage", "rename", "a/b", "a/c", "x", "y", "-w"]);
        let config = cli.into_config().unwrap();
        assert_eq!(config.rules[0].from, "a/b");
        assert_eq!(config.rules[0].to.as_deref(), Some("a/c"));
        assert_eq!(config.paths, vec![PathBuf::from("x"), PathBuf::from("y")]);
        assert_eq!(
            config.command,
            Command::Rename {
                write: true,
                check: false
            }
        );
    }
}
