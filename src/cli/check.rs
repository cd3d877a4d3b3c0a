//! `reimage check`: exit 1 while references to retired names remain — `--deny` names and the
//! configured rules — with baselines for adopting the gate before a migration is finished.

use std::io::Write;
use std::path::{Path, PathBuf};

use reimage::baseline::Baseline;
use reimage::config::FileConfig;
use reimage::report::Mode;
use reimage::{GroupBy, RuleSpec};

use clap::ValueEnum;

use super::catalog::{renovate_rules, FailOn, InUse};
use super::{Common, Error, ExitStatus, Session, Usage};

pub(super) const HELP: &str = "Examples:
  reimage check --deny ghcr.io/old/app                  # exit 1 while references remain
  reimage check                                          # the rules of reimage.toml
  reimage check --catalog                                # references to removed upstream images
  reimage check --write-baseline accepted.json           # adopt the gate: accept what exists
  git diff --name-only | xargs reimage check --deny OLD  # only the files a change touches";

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Paths to search (default: .).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    pub(super) common: Common,
    /// A retired image name or prefix (repeatable).
    #[arg(long = "deny", value_name = "NAME", help_heading = "Rules")]
    deny: Vec<String>,
    /// Accept the findings recorded in FILE; fail only on new ones.
    #[arg(long, value_name = "FILE", help_heading = "Rules")]
    baseline: Option<PathBuf>,
    /// Record the current findings in FILE (for --baseline) and exit 0.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "baseline",
        help_heading = "Rules"
    )]
    write_baseline: Option<PathBuf>,
    /// Also report references the built-in catalog covers: every entry, or `--catalog=ID,ID`.
    #[arg(long, value_name = "ID", num_args = 0..=1, require_equals = true, value_delimiter = ',', help_heading = "Rules")]
    catalog: Option<Vec<String>>,
    /// Import the replacement rules of a Renovate configuration (FILE, or the one found here).
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true, help_heading = "Rules")]
    from_renovate: Option<Option<PathBuf>>,
    /// The least severe catalog status that fails the check [default: removed, or
    /// `[check] catalog-fail-on`].
    #[arg(long, value_enum, value_name = "STATUS", help_heading = "Rules")]
    catalog_fail_on: Option<FailOn>,
    #[command(flatten)]
    registry: super::verify::RegistryArgs,
}

impl CheckArgs {
    pub(super) fn run(self, out: &mut dyn Write) -> Result<ExitStatus, Error> {
        let session = Session::new(self.common, &self.paths)?;
        let denied: Vec<RuleSpec> = self
            .deny
            .iter()
            .map(|from| RuleSpec::deny(from.clone(), "--deny"))
            .collect();
        // `--catalog`, or each configuration's `[check] catalog`; the run's entries are all of
        // them, for conditions and the exit status.
        let flag = self.catalog.as_deref().map(InUse::select).transpose()?;
        let configured: Vec<Option<InUse>> = session
            .configs()
            .map(|file| file.catalog.as_deref().map(InUse::select).transpose())
            .collect::<Result<_, Error>>()?;
        let catalog = InUse::union(flag.iter().chain(configured.iter().flatten()));
        let fail_on = match self.catalog_fail_on {
            Some(fail_on) => fail_on,
            None => session
                .configs()
                .find_map(|file| file.catalog_fail_on.as_deref())
                .and_then(|v| FailOn::from_str(v, true).ok())
                .unwrap_or(FailOn::Removed),
        };
        let (renovate, renovate_file) = renovate_rules(self.from_renovate.as_ref())?;
        let rules_for = |file: &FileConfig| {
            let mut specs = denied.clone();
            specs.extend(renovate.iter().cloned());
            specs.extend(file.renames.iter().cloned());
            specs.extend(file.deny.iter().cloned());
            let scope = match (&flag, &file.catalog) {
                (Some(flag), _) => Some(flag.clone()),
                (None, Some(ids)) => Some(InUse::select(ids)?),
                (None, None) => None,
            };
            Ok(match scope {
                Some(catalog) => catalog.rules(specs),
                None => specs,
            })
        };
        if session
            .configs()
            .all(|file| rules_for(file).is_ok_and(|s| s.is_empty()))
        {
            return Err(Usage::NothingToCheck.into());
        }
        let accepted = self.baseline.as_deref().map(Baseline::load).transpose()?;
        let own: Vec<&Path> = self
            .baseline
            .iter()
            .chain(&self.write_baseline)
            .chain(&renovate_file)
            .map(PathBuf::as_path)
            .collect();
        let mut report = session.scan(&rules_for, Mode::Check, &own)?;
        if let Some(catalog) = &catalog {
            catalog.apply(&mut report);
            catalog.mark_advisory(&mut report, fail_on);
        }
        if let Some(accepted) = accepted {
            accepted.apply(&mut report);
        }
        self.registry.apply(&mut report, session.common.quiet)?;
        if let Some(path) = &self.write_baseline {
            let recorded = Baseline::write(path, &report)?;
            eprintln!(
                "reimage: recorded {} in {}",
                super::plural(recorded, "finding"),
                path.display()
            );
            return Ok(if report.errors.is_empty() {
                ExitStatus::Clean
            } else {
                ExitStatus::Error
            });
        }
        session.render(&report, false, GroupBy::default(), out)?;
        Ok(match &catalog {
            Some(catalog) => catalog.exit_status(&report, fail_on),
            None => ExitStatus::of(&report, true),
        })
    }
}
