//! The report model that every output format renders: the plan, what was written, and errors.
//!
//! Paths are sorted, so output never depends on thread timing.

mod diff;
mod github;
mod human;
mod images;
mod json;
mod markdown;
mod sarif;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::finding::{Action, Disposition, Finding, MissingReason, RuleInfo};
use crate::plan::FilePlan;
pub use crate::problem::FileError;

pub use human::Style;
pub use images::{mirror_reference, MirrorList};

/// Which command produced the report; it decides wording and exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `rename`; `write` when `-w` applied the plan.
    Rename { write: bool },
    /// `check` (and `rename --check`).
    Check,
    /// `list`.
    List,
    /// `verify`: the `list` inventory, each reference asked of its registry.
    Verify,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Markdown,
    Diff,
    /// `list` only: the mirror list, one fully qualified reference per line.
    Images,
}

/// How `list` groups its inventory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GroupBy {
    #[default]
    Repository,
    Registry,
}

/// Everything a run found and did.
#[derive(Debug, Clone)]
pub struct Report {
    pub mode: Mode,
    /// Files with findings, sorted by path.
    pub files: Vec<FilePlan>,
    /// Per-file errors, sorted by path.
    pub errors: Vec<FileError>,
    /// Files read with less precision than their format allows (malformed YAML), sorted by path.
    pub warnings: Vec<FileError>,
    pub files_scanned: usize,
    /// Binary files (a NUL byte) that contained a candidate and were skipped.
    pub binary_skipped: usize,
    /// The run's rules, indexed by each finding's [`crate::finding::RuleId`].
    pub rules: Vec<RuleInfo>,
}

/// Counts that the summary line and JSON share.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub rewrite: usize,
    pub stale: usize,
    pub review: usize,
    pub ignored: usize,
    pub inventory: usize,
    pub baselined: usize,
    /// `--verify`: references (a rewrite's new one) not shown to exist, of which `unreachable`
    /// because the registry could not be asked.
    pub missing_target: usize,
    pub unreachable: usize,
    /// History and vendored findings kept as written, in all and per reason (`history`…).
    pub kept: usize,
    pub kept_by_reason: BTreeMap<&'static str, usize>,
    /// Files with at least one rewrite or stale finding.
    pub files: usize,
    /// Rewrite and stale findings per context label.
    pub by_context: BTreeMap<&'static str, usize>,
    pub digests_carried: usize,
    /// Rewrites that dropped the digest (`--set-tag`: the new tag names another manifest).
    pub digests_dropped: usize,
}

impl Report {
    /// Every finding with its file's path, in order.
    pub fn findings(&self) -> impl Iterator<Item = (&Path, &Finding)> {
        self.files
            .iter()
            .flat_map(|f| f.findings.iter().map(move |x| (f.path.as_path(), x)))
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for file in &self.files {
            let mut counted = false;
            for f in &file.findings {
                let action = f.action();
                match action {
                    Action::Rewrite => s.rewrite += 1,
                    Action::Stale => s.stale += 1,
                    Action::Review => s.review += 1,
                    Action::Ignored => s.ignored += 1,
                    Action::Inventory => s.inventory += 1,
                    Action::Baselined => s.baselined += 1,
                    Action::MissingTarget => {
                        s.missing_target += 1;
                        s.unreachable += usize::from(
                            f.missing()
                                .is_some_and(|m| m.reason == MissingReason::Unreachable),
                        );
                    }
                    Action::Kept => s.kept += 1,
                }
                if let Some(Disposition::Kept(reason)) = f.disposition {
                    *s.kept_by_reason.entry(reason.label()).or_default() += 1;
                }
                if matches!(action, Action::Rewrite | Action::Stale) {
                    counted = true;
                    *s.by_context.entry(f.context.label()).or_default() += 1;
                    if let (Action::Rewrite, Some(d), Some(new)) =
                        (action, f.digest.as_deref(), f.new_reference())
                    {
                        if new.contains(d) {
                            s.digests_carried += 1;
                        } else {
                            s.digests_dropped += 1;
                        }
                    }
                }
            }
            s.files += usize::from(counted);
        }
        s
    }

    /// Adds the report of another part of the same run (paths under another configuration):
    /// its findings' rule ids are moved past this report's rules.
    pub fn merge(&mut self, other: Report) {
        let offset = self.rules.len();
        self.rules.extend(other.rules);
        for mut file in other.files {
            for f in &mut file.findings {
                if let Some(id) = &mut f.rule {
                    id.0 += offset;
                }
            }
            self.files.push(file);
        }
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
        self.files_scanned += other.files_scanned;
        self.binary_skipped += other.binary_skipped;
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.errors.sort_by(|a, b| a.path.cmp(&b.path));
        self.warnings.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// The rule a finding matched, as reports show it.
    pub fn rule(&self, finding: &Finding) -> Option<&RuleInfo> {
        finding.rule.and_then(|id| self.rules.get(id.0))
    }

    /// The level a finding that fails the run is shown at where a format has levels (GitHub,
    /// SARIF): `warning` for an advisory rule's, which does not fail it.
    pub(crate) fn failing_level(&self, finding: &Finding) -> &'static str {
        if self.rule(finding).is_some_and(|r| r.advisory) {
            "warning"
        } else {
            "error"
        }
    }

    /// The rule's `from → to`, or an empty text for findings without a rule.
    pub(crate) fn rule_text(&self, finding: &Finding) -> &str {
        self.rule(finding).map_or("", |r| r.description.as_str())
    }

    /// The rule's reason, if it has one.
    pub(crate) fn reason(&self, finding: &Finding) -> Option<&str> {
        self.rule(finding).and_then(|r| r.reason.as_deref())
    }

    /// Whether `check` should fail: stale references remain.
    pub fn has_stale(&self) -> bool {
        let s = self.summary();
        s.rewrite + s.stale > 0
    }

    /// Whether `--verify` found a reference (a rewrite's new one) that is not shown to exist.
    pub fn has_missing(&self) -> bool {
        self.findings()
            .any(|(_, f)| f.action() == Action::MissingTarget)
    }

    /// Files skipped for being over `--max-filesize` (among the warnings).
    pub fn too_large(&self) -> usize {
        self.warnings
            .iter()
            .filter(|w| matches!(w.problem, crate::problem::Problem::TooLarge { .. }))
            .count()
    }

    /// Renders the report in `format`.
    pub fn render(
        &self,
        format: Format,
        style: &Style,
        group_by: GroupBy,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        match format {
            Format::Human => human::render(self, style, group_by, out),
            Format::Json => json::render(self, group_by, out),
            Format::Sarif => sarif::render(self, out),
            Format::Github => github::render(self, out),
            Format::Markdown => markdown::render(self, group_by, out),
            Format::Diff => diff::render(self, None, out),
            Format::Images => self.mirror_list().render(out),
        }
    }

    /// Renders the report as a unified diff with paths relative to `root` (instead of each
    /// file's git work tree).
    pub fn render_diff(&self, root: &Path, out: &mut dyn Write) -> io::Result<()> {
        diff::render(self, Some(root), out)
    }
}

/// A path as reports show it: as walked, without a leading `./`, with `/` separators.
pub(crate) fn display_path(path: &Path) -> Cow<'_, str> {
    match path.to_string_lossy() {
        // The common case, once per finding in large reports: no copy.
        Cow::Borrowed(text) if !text.contains('\\') => {
            Cow::Borrowed(text.strip_prefix("./").unwrap_or(text))
        }
        text => Cow::Owned(text.strip_prefix("./").unwrap_or(&text).replace('\\', "/")),
    }
}

/// The inventory: normalized image name → tags seen and places, grouped as asked.
pub(crate) fn inventory(report: &Report, group_by: GroupBy) -> BTreeMap<String, InventoryEntry> {
    let mut images: BTreeMap<String, InventoryEntry> = BTreeMap::new();
    for (path, f) in report.findings() {
        let Some(repo) = f.repository.as_deref() else {
            continue;
        };
        let key = match group_by {
            GroupBy::Repository => repo.to_owned(),
            GroupBy::Registry => repo.split_once('/').map_or("", |(d, _)| d).to_owned(),
        };
        let entry = images.entry(key).or_default();
        let seen = match group_by {
            GroupBy::Repository => f.tag.clone().or_else(|| f.digest.clone()),
            GroupBy::Registry => Some(repo.to_owned()),
        };
        entry.tags.extend(seen);
        entry.places.push((
            path.to_path_buf(),
            f.line,
            f.column,
            f.context.label(),
            match f.action() {
                Action::MissingTarget => f.note().map(|n| format!("missing-target: {n}")),
                Action::Review => f.note().map(|n| format!("review: {n}")),
                _ => None,
            },
        ));
    }
    images
}

/// One row of the inventory.
#[derive(Debug, Default)]
pub(crate) struct InventoryEntry {
    /// Tags (or, grouped by registry, repositories) seen.
    pub(crate) tags: std::collections::BTreeSet<String>,
    /// Path, line, column, context, and what to say of it: a missing target (`list --verify`),
    /// or why it needs review (a split map whose registry the chart supplies).
    pub(crate) places: Vec<(PathBuf, usize, usize, &'static str, Option<String>)>,
}
