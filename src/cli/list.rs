//! `reimage list`: the inventory of every image reference in an image position, grouped by
//! repository or by registry — the map to plan a migration with.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use reimage::report::Mode;
use reimage::GroupBy;

use super::{Common, Error, ExitStatus, FormatArg, Session};

pub(super) const HELP: &str = "Examples:
  reimage list                          # every image, by repository, with tags and places
  reimage list --group-by registry      # by registry: the map to plan a migration with
  reimage list --format json ~/src/*    # for a script, over many repositories
  reimage list --format images > mirror.txt   # each image once, fully qualified, to mirror

--format images prints `docker.io/library/nginx:1.25`-style lines, sorted: a digest wins
over a tag (name@sha256:…), a reference without either is name:latest.";

#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    /// Paths to search (default: .).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
    /// Group the inventory by repository or by registry.
    #[arg(long, value_enum, default_value_t = GroupArg::Repository, help_heading = "Output")]
    group_by: GroupArg,
    #[command(flatten)]
    registry: super::verify::RegistryArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum GroupArg {
    Repository,
    Registry,
}

impl ListArgs {
    pub(super) fn run(self, out: &mut dyn Write) -> Result<ExitStatus, Error> {
        let session = Session::new(self.common, &self.paths)?;
        let mut report = session.scan(&|_| Ok(Vec::new()), Mode::List, &[])?;
        self.registry.apply(&mut report, session.common.quiet)?;
        let group_by = match self.group_by {
            GroupArg::Repository => GroupBy::Repository,
            GroupArg::Registry => GroupBy::Registry,
        };
        session.render(&report, false, group_by, out)?;
        if session.common.format == FormatArg::Images {
            let excluded = report.mirror_list().excluded;
            if excluded > 0 {
                eprintln!(
                    "reimage: {excluded} image reference{} not listed: a template supplies the registry or tag, or --verify did not find it; `reimage list` shows {}",
                    if excluded == 1 { "" } else { "s" },
                    if excluded == 1 { "it" } else { "them" },
                );
            }
            for e in &report.errors {
                eprintln!("reimage: {}: {}", e.path.display(), e.message());
            }
        }
        Ok(ExitStatus::of(&report, false))
    }
}
