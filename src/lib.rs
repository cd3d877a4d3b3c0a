//! reimage: find every reference to a container image across repositories, rewrite it, report it.
//!
//! The pipeline flows one way: `walk` → `classify` → `find` → `plan` → `apply` → `report`, with
//! [`scan::scan`] running the first four for every command. The types every stage shares live
//! in [`finding`] and [`problem`]; `image_ref` (the reference grammar) and `rule` (what a rule
//! matches) are pure. The library never prints: the binary's commands (`src/cli/`) do.

pub mod apply;
pub mod baseline;
pub mod catalog;
pub mod classify;
pub mod config;
pub mod dirty;
pub mod find;
pub mod finding;
pub mod image_ref;
pub mod plan;
pub mod problem;
pub mod registry;
pub mod renovate;
pub mod report;
pub mod rule;
pub mod scan;
mod walk;

pub use image_ref::{ImageRef, RefError};
pub use report::{Format, GroupBy, Mode, Report, Style};
pub use rule::{RuleError, RuleSet, RuleSpec};
pub use walk::{WalkError, WalkOptions};

use find::Matcher;

/// A reusable finder over one rule set: what `rename` does to one file's bytes, without touching
/// the file system. The entry point for fuzzing, benchmarks and embedding.
#[derive(Debug)]
pub struct Finder(Matcher);

impl Finder {
    pub fn new(rules: &RuleSet) -> Self {
        Finder(Matcher::new(rules.clone(), false))
    }

    /// The findings in `text`, read as a file of `kind`, in file order.
    pub fn find(&self, kind: classify::FileKind, text: &[u8]) -> Vec<finding::Finding> {
        self.0.find(kind, text).findings
    }
}

/// [`Finder::find`] for a single call.
pub fn find_in(rules: &RuleSet, kind: classify::FileKind, text: &[u8]) -> Vec<finding::Finding> {
    Finder::new(rules).find(kind, text)
}
