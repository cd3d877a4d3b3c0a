//! `reimage list`: the inventory of every image reference in an image position, grouped by
//! repository or by registry — the map to plan a migration with.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use reimage::report::Mode;
use reimage::GroupBy;

use super::{Common, Error, ExitStatus, Session};

pub(super) const HELP: &str = "Examples:
  reimage list                          # every image, by repository, with tags and places
  reimage list --group-by registry      # by registry: the map to plan a migration with
  reimage list --format json ~/src/*    # for a script, over many repositories";

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
        Ok(ExitStatus::of(&report, false))
    }
}
