//! `reimage rename`: preview, diff, check or write the rename of FROM to TO (or the configured
//! `[[rename]]` rules), and `--save` the rule to the configuration.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use reimage::config::{self, FileConfig};
use reimage::report::Mode;
use reimage::{GroupBy, Report, RuleSpec};

use super::catalog::{renovate_rules, InUse};
use super::{rule_set, Common, Error, ExitStatus, FormatArg, Session, Usage};

pub(super) const HELP: &str =
    "FROM may be a repository (ghcr.io/owner/app), a repository with a tag (nginx:1.25),
or a prefix ending in / (k8s.gcr.io/, docker.io/bitnami/, docker.io/).

Examples:
  reimage rename ghcr.io/gdtiti/grok2api ghcr.io/gdtiti/grok2api-api          # preview
  reimage rename k8s.gcr.io/ registry.k8s.io/ -w ~/src/infra ~/src/charts     # apply
  reimage rename docker.io/bitnami/ docker.io/bitnamilegacy/ --diff | git apply
  reimage rename bitnami/redis bitnamilegacy/redis --tags '<7.4'              # some tags only
  reimage rename nginx nginx:1.27 --set-tag                                   # one tag everywhere
  reimage rename nginx caddy - --stdin-filename Dockerfile < Dockerfile       # stdin to stdout
  reimage rename nginx:1.25 nginx:1.27 -i                                     # ask for each change";

#[derive(Debug, clap::Args)]
pub(crate) struct RenameArgs {
    /// FROM TO, then paths to search (default: .). Without FROM TO, rules come from reimage.toml.
    #[arg(value_name = "FROM TO | PATH")]
    args: Vec<OsString>,
    /// After `--`: FROM TO [PATH]..., always a rule (for names that are also directories).
    #[arg(last = true, value_name = "FROM TO [PATH]")]
    after_dashes: Vec<OsString>,
    #[command(flatten)]
    pub(super) common: Common,
    /// Append FROM TO as a [[rename]] rule to reimage.toml (keeps its comments).
    #[arg(long, help_heading = "Rules")]
    save: bool,
    /// Apply built-in catalog entries (IDs, or `all`): those with a successor whose conditions
    /// hold are renamed, the others reported with the entry's note.
    #[arg(long, value_name = "ID", value_delimiter = ',', help_heading = "Rules")]
    catalog: Vec<String>,
    /// Import the replacement rules of a Renovate configuration (FILE, or the one found here).
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true, help_heading = "Rules")]
    from_renovate: Option<Option<PathBuf>>,
    /// Rename only references whose tag is in WINDOW (`>=2.0.0`, `>=v0.43.0 <1`); no tag or a
    /// tag that is not a version is reported for review.
    #[arg(long, value_name = "WINDOW", help_heading = "Rules")]
    tags: Option<String>,
    /// Put TO's tag on every reference FROM matches, whatever its tag; digests are dropped.
    #[arg(long, help_heading = "Rules")]
    set_tag: bool,
    /// Print a unified diff (same as --format diff).
    #[arg(long, help_heading = "Output")]
    diff: bool,
    /// Apply the changes (atomically, file by file).
    #[arg(short = 'w', long, help_heading = "Writing")]
    write: bool,
    /// Show each change with its context and ask: [y]es, [n]o, [a]ll, [q]uit; write the accepted
    /// ones. Answers are lines on stdin (a terminal, or a pipe for scripts).
    #[arg(short = 'i', long, conflicts_with_all = ["check", "diff"], help_heading = "Writing")]
    interactive: bool,
    /// Exit 1 if anything would change (nothing is written).
    #[arg(long, conflicts_with = "write", help_heading = "Writing")]
    check: bool,
    /// Write even files with uncommitted changes in a git work tree.
    #[arg(long, help_heading = "Writing")]
    allow_dirty: bool,
    /// Replace hard-linked files too (their other names keep the old content).
    #[arg(long, help_heading = "Writing")]
    break_hardlinks: bool,
    #[command(flatten)]
    registry: super::verify::RegistryArgs,
}

impl RenameArgs {
    pub(super) fn run(self, out: &mut dyn Write) -> Result<ExitStatus, Error> {
        let dashes = !self.after_dashes.is_empty();
        let mut args = self.args;
        args.extend(self.after_dashes);
        let explicit_config = self.common.config.is_some();
        let configured = |path: &Path| explicit_config || config::discover(path).is_some();
        let (mut rule, paths) = split_rename_args(args, dashes, &configured)?;
        if self.save && rule.is_none() {
            return Err(Usage::SaveNeedsRule.into());
        }
        match &mut rule {
            Some(rule) => {
                rule.tags = self.tags.clone();
                rule.set_tag = self.set_tag;
            }
            None if self.tags.is_some() || self.set_tag => {
                return Err(Usage::ConditionNeedsRule.into())
            }
            None => {}
        }
        let session = Session::new(self.common, &paths)?;
        let catalog = (!self.catalog.is_empty())
            .then(|| InUse::select(&self.catalog))
            .transpose()?;
        let (renovate, renovate_file) = renovate_rules(self.from_renovate.as_ref())?;
        let rules_for = |file: &FileConfig| {
            let mut specs: Vec<RuleSpec> = rule.iter().cloned().collect();
            specs.extend(renovate.iter().cloned());
            if specs.is_empty() && catalog.is_none() {
                if file.renames.is_empty() {
                    return Err(Usage::NoRenameRules.into());
                }
                specs = file.renames.clone();
            }
            Ok(match &catalog {
                Some(catalog) => catalog.rules(specs),
                None => specs,
            })
        };
        let saved = match rule.as_ref().filter(|_| self.save) {
            // The rule is checked before it is saved: a rejected rule is never left behind.
            Some(rule) => {
                rule_set(vec![rule.clone()])?;
                Some(save(&session, rule)?)
            }
            None => None,
        };
        let own: Vec<&Path> = saved
            .iter()
            .chain(&renovate_file)
            .map(PathBuf::as_path)
            .collect();
        let mut report = session.scan(&rules_for, Mode::Rename { write: false }, &own)?;
        if let Some(catalog) = &catalog {
            catalog.apply(&mut report);
        }
        if session.stdin && (self.write || self.interactive) {
            return Err(Usage::WriteStdin.into());
        }
        // Before writing: a target that does not exist is reported, not written.
        self.registry.apply(&mut report, session.common.quiet)?;
        if session.stdin && !self.check && !self.diff && session.common.format == FormatArg::Human {
            return print_document(&session, &report, out);
        }
        if self.write || self.interactive {
            if !self.allow_dirty {
                reimage::dirty::check(&report)?;
            }
            if self.interactive {
                let stdin = std::io::stdin();
                let reviewed =
                    super::review::review(&mut report, &mut stdin.lock(), &mut std::io::stderr())?;
                eprintln!(
                    "reimage: {} accepted, {} declined",
                    super::plural(reviewed.accepted, "change"),
                    super::plural(reviewed.declined, "change"),
                );
            }
            let options = reimage::apply::Options {
                roots: session.paths.clone(),
                break_hardlinks: self.break_hardlinks,
            };
            reimage::apply::write_report(&mut report, session.common.threads, &options);
        }
        session.render(&report, self.diff, GroupBy::default(), out)?;
        Ok(ExitStatus::of(&report, self.check))
    }
}

/// `rename FROM TO -`: the rewritten document on stdout, as `sd` prints it; what was not
/// rewritten (review findings, errors) is told on stderr.
fn print_document(
    session: &Session,
    report: &Report,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let document = match report.files.first().and_then(|f| f.rewritten()) {
        Some(rewritten) => rewritten,
        None => session.document().unwrap_or_default().to_vec(),
    };
    match out.write_all(&document).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    for problem in report.errors.iter().chain(&report.warnings) {
        eprintln!("reimage: {}: {}", problem.path.display(), problem.message());
    }
    match report.summary().review {
        0 => {}
        1 => {
            eprintln!(
                "reimage: 1 reference needs review and was left as it is; `--check` lists it"
            );
        }
        n => eprintln!(
            "reimage: {n} references need review and were left as they are; `--check` lists them"
        ),
    }
    Ok(ExitStatus::of(report, false))
}

/// Appends `rule` to the configuration in use (or a new `./reimage.toml`); returns the file.
fn save(session: &Session, rule: &RuleSpec) -> Result<PathBuf, Error> {
    let target = session
        .config_files
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from(config::CONFIG_NAMES[0]));
    config::save_rule(&target, rule)?;
    eprintln!("reimage: saved `{rule}` to {}", target.display());
    Ok(target)
}

/// `FROM TO [PATH]...` or `[PATH]...`. After `--`, or with a PATH after them, the first two words
/// are a rule. Otherwise they are a rule unless both are existing paths that are not both image
/// names. Two words alone that are both (`nginx/` and `caddy/` directories) are paths when a
/// configuration (`configured`) applies to them, and refused as ambiguous otherwise.
/// Paths may be any bytes; FROM and TO are image names, so text.
fn split_rename_args(
    mut args: Vec<OsString>,
    dashes: bool,
    configured: &dyn Fn(&Path) -> bool,
) -> Result<(Option<RuleSpec>, Vec<PathBuf>), Usage> {
    let exists = |i: usize| args.get(i).is_some_and(|a| Path::new(a).exists());
    let name = |i: usize| {
        args.get(i)
            .and_then(|a| a.to_str())
            .is_some_and(is_image_name)
    };
    let word = |i: usize| args[i].to_string_lossy().into_owned();
    let only_paths = match args.len() {
        _ if dashes => false,
        0 => true,
        1 => exists(0),
        2 if exists(0) && exists(1) && name(0) && name(1) => {
            if args.iter().all(|a| configured(Path::new(a))) {
                return Ok((None, args.into_iter().map(PathBuf::from).collect()));
            }
            return Err(Usage::Ambiguous(word(0), word(1)));
        }
        2 => exists(0) && exists(1),
        _ => exists(0) && exists(1) && !(name(0) && name(1)),
    };
    if only_paths {
        return Ok((None, args.into_iter().map(PathBuf::from).collect()));
    }
    if args.len() < 2 {
        return Err(Usage::NotAPath(word(0)));
    }
    if !dashes && exists(0) && !name(0) && args.len() >= 3 {
        return Err(Usage::PathsGoLast(word(0), word(1), word(2)));
    }
    let text = |arg: OsString| {
        arg.into_string()
            .map_err(|arg| Usage::NotAPath(arg.to_string_lossy().into_owned()))
    };
    let paths = args.split_off(2).into_iter().map(PathBuf::from).collect();
    let to = text(args.pop().unwrap_or_default())?;
    let from = text(args.pop().unwrap_or_default())?;
    Ok((Some(RuleSpec::rename(from, to, "command line")), paths))
}

/// Whether a word reads as an image name or prefix (so it may be meant as FROM or TO).
fn is_image_name(word: &str) -> bool {
    let name = word
        .strip_suffix("/*")
        .or_else(|| word.strip_suffix('/'))
        .unwrap_or(word);
    reimage::ImageRef::parse(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_splits_rule_from_paths() {
        let (rule, paths) = split_rename_args(
            ["a/b", "a/c", "x", "y"].map(OsString::from).to_vec(),
            false,
            &|_| false,
        )
        .unwrap();
        let rule = rule.unwrap();
        assert_eq!(
            (rule.from.as_str(), rule.to.as_deref()),
            ("a/b", Some("a/c"))
        );
        assert_eq!(paths, vec![PathBuf::from("x"), PathBuf::from("y")]);
    }

    #[test]
    fn rename_with_only_paths_takes_rules_from_config() {
        let (rule, paths) =
            split_rename_args(vec![OsString::from(".")], false, &|_| false).unwrap();
        assert!(rule.is_none());
        assert_eq!(paths, vec![PathBuf::from(".")]);
        assert!(
            split_rename_args(vec![OsString::from("ghcr.io/a/b")], false, &|_| false)
                .unwrap_err()
                .to_string()
                .contains("give FROM and TO")
        );
    }
}
