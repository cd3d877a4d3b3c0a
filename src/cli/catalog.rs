//! `reimage catalog list|show ID`: the built-in catalog of upstream migrations, and what `check
//! --catalog` and `rename --catalog` share: which entries a run uses, their rules merged with the
//! user's, their conditions enforced, and which findings fail a check.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use reimage::catalog::{self, Catalog, Entry, Status};
use reimage::renovate;
use reimage::{Report, RuleSet, RuleSpec};
use serde_json::json;

use super::{Error, ExitStatus};

pub(super) const HELP: &str = "Examples:
  reimage catalog list                                   # every entry: status, date, from -> to
  reimage catalog show k8s-gcr-io                        # one entry: conditions, note, sources
  reimage check --catalog                                # which of them this tree still uses
  reimage rename --catalog k8s-gcr-io -w                 # apply one";

#[derive(Debug, clap::Args)]
pub(crate) struct CatalogArgs {
    #[command(subcommand)]
    command: CatalogCommand,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human, global = true)]
    format: ListFormat,
}

#[derive(Debug, clap::Subcommand)]
enum CatalogCommand {
    /// Every entry: id, status, date, from → to.
    List,
    /// One entry in full: dates, conditions, note and sources.
    Show {
        /// The entry's id (see `reimage catalog list`).
        id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Human,
    Json,
}

/// `--catalog-fail-on`: the least severe status that fails `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    Deprecated,
    Frozen,
    Removed,
}

impl FailOn {
    fn status(self) -> Status {
        match self {
            FailOn::Deprecated => Status::Deprecated,
            FailOn::Frozen => Status::Frozen,
            FailOn::Removed => Status::Removed,
        }
    }
}

impl CatalogArgs {
    pub(super) fn run(self, out: &mut dyn Write) -> Result<ExitStatus, Error> {
        let catalog = Catalog::builtin();
        match (&self.command, self.format) {
            (CatalogCommand::List, ListFormat::Human) => list(catalog, out)?,
            (CatalogCommand::List, ListFormat::Json) => {
                let entries: Vec<_> = catalog.entries.iter().map(entry_json).collect();
                writeln!(out, "{:#}", json!({ "version": 1, "entries": entries }))?;
            }
            (CatalogCommand::Show { id }, format) => {
                let entry = catalog
                    .get(id)
                    .ok_or_else(|| super::Usage::Catalog(catalog::UnknownEntry(id.clone())))?;
                match format {
                    ListFormat::Human => show(entry, out)?,
                    ListFormat::Json => writeln!(out, "{:#}", entry_json(entry))?,
                }
            }
        }
        Ok(ExitStatus::Clean)
    }
}

fn list(catalog: &Catalog, out: &mut dyn Write) -> std::io::Result<()> {
    let width = catalog
        .entries
        .iter()
        .map(|e| e.id.len())
        .max()
        .unwrap_or(2);
    writeln!(out, "{:width$}  {:10}  {:10}  MOVE", "ID", "STATUS", "DATE")?;
    for e in &catalog.entries {
        let (status, date) = match &e.ended {
            Some(ended) => ("ended", ended.as_str()),
            None => (e.status.label(), e.date()),
        };
        writeln!(out, "{:width$}  {status:10}  {date:10}  {}", e.id, moves(e))?;
    }
    writeln!(
        out,
        "{} {}; `reimage catalog show ID` for dates, conditions and sources",
        catalog.entries.len(),
        if catalog.entries.len() == 1 {
            "entry"
        } else {
            "entries"
        }
    )
}

/// `from → to`, or `from (no 1:1 successor)`.
fn moves(e: &Entry) -> String {
    let from = e.from.join(", ");
    match &e.to {
        Some(to) => format!("{from} → {to}"),
        None => format!("{from} (no 1:1 successor)"),
    }
}

fn show(e: &Entry, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", e.id)?;
    writeln!(out, "  from:     {}", e.from.join(", "))?;
    writeln!(
        out,
        "  to:       {}",
        e.to.as_deref().unwrap_or("(none: reported, never renamed)")
    )?;
    let dates: Vec<String> = e.dates.iter().map(|(s, d)| format!("{s} {d}")).collect();
    writeln!(out, "  status:   {} ({})", e.status, dates.join(", "))?;
    if let Some(ended) = &e.ended {
        writeln!(out, "  ended:    {ended} (reverted: listed, never applied)")?;
    }
    if let Some(tags) = &e.tags {
        writeln!(
            out,
            "  tags:     {tags} (other tags are reported, not renamed)"
        )?;
    }
    if !e.except.is_empty() {
        writeln!(out, "  except:   {} (did not move)", e.except.join(", "))?;
    }
    if e.to.is_some() {
        let digests = if e.digests_kept {
            "kept"
        } else {
            "not confirmed (digest-pinned references are reported, not renamed)"
        };
        writeln!(out, "  digests:  {digests}")?;
    }
    writeln!(out, "  source:   {}", e.source)?;
    for url in &e.also {
        writeln!(out, "  also:     {url}")?;
    }
    writeln!(out, "  note:     {}", e.note)
}

fn entry_json(e: &Entry) -> serde_json::Value {
    let dates: serde_json::Map<String, serde_json::Value> = e
        .dates
        .iter()
        .map(|(s, d)| (s.label().to_owned(), json!(d)))
        .collect();
    json!({
        "id": e.id,
        "from": e.from,
        "to": e.to,
        "status": e.status.label(),
        "date": e.date(),
        "dates": dates,
        "ended": e.ended,
        "tags": e.tags.as_ref().map(ToString::to_string),
        "except": e.except,
        "digests_kept": e.digests_kept,
        "source": e.source,
        "also": e.also,
        "note": e.note,
    })
}

/// The catalog entries of one run and what they do to it.
#[derive(Debug, Clone)]
pub(crate) struct InUse {
    entries: Vec<&'static Entry>,
}

impl InUse {
    /// The entries `ids` name (`all`, or no id: every active entry).
    pub(crate) fn select(ids: &[String]) -> Result<Self, Error> {
        let all = ["all".to_owned()];
        let ids = if ids.is_empty() { &all[..] } else { ids };
        let entries = Catalog::builtin()
            .select(ids)
            .map_err(super::Usage::Catalog)?;
        Ok(InUse { entries })
    }

    /// Every entry of `parts`, once, in catalog order; `None` when there are no parts.
    pub(crate) fn union<'a>(parts: impl Iterator<Item = &'a InUse>) -> Option<InUse> {
        let mut ids: Vec<&str> = Vec::new();
        let mut any = false;
        for part in parts {
            any = true;
            ids.extend(part.entries.iter().map(|e| e.id.as_str()));
        }
        any.then(|| InUse {
            entries: Catalog::builtin()
                .entries
                .iter()
                .filter(|e| ids.contains(&e.id.as_str()))
                .collect(),
        })
    }

    /// `user` rules with the entries' rules added; an entry rule whose pattern the user already
    /// has gives way to the user's.
    pub(crate) fn rules(&self, user: Vec<RuleSpec>) -> Vec<RuleSpec> {
        let mine: Vec<RuleSpec> = self.entries.iter().flat_map(|e| e.rules()).collect();
        let mut all = user;
        let users = all.len();
        all.extend(mine.iter().cloned());
        if users == 0 || RuleSet::new(all.clone()).is_ok() {
            return all;
        }
        all.truncate(users);
        let user = all;
        let duplicate = |c: &RuleSpec| {
            user.iter().any(|u| {
                RuleSet::new(vec![u.clone(), c.clone()]).is_err_and(|errors| {
                    errors
                        .iter()
                        .any(|e| e.problem.contains("is already a rule"))
                })
            })
        };
        let mut merged = user.clone();
        merged.extend(mine.into_iter().filter(|c| !duplicate(c)));
        merged
    }

    /// Enforces the entries' conditions on a finished scan (before anything is written).
    pub(crate) fn apply(&self, report: &mut Report) {
        catalog::apply_conditions(report, &self.entries);
    }

    /// Marks the rules of entries less severe than `fail_on` advisory: their findings are
    /// reported (as warnings where a format has levels) but do not fail `check`.
    pub(crate) fn mark_advisory(&self, report: &mut Report, fail_on: FailOn) {
        for rule in &mut report.rules {
            rule.advisory =
                catalog::entry_of(rule, &self.entries).is_some_and(|e| e.status < fail_on.status());
        }
    }

    /// `check`'s exit status: findings of advisory rules ([`InUse::mark_advisory`]) are
    /// reported, but do not fail.
    pub(crate) fn exit_status(&self, report: &Report, fail_on: FailOn) -> ExitStatus {
        if !report.errors.is_empty() {
            return ExitStatus::Error;
        }
        let mut below = 0;
        let mut failing = false;
        for (_, f) in report.findings().filter(|(_, f)| f.is_stale()) {
            match report.rule(f) {
                Some(rule) if rule.advisory => below += 1,
                _ => failing = true,
            }
        }
        if below > 0 {
            eprintln!(
                "reimage: {below} catalog reference{} below --catalog-fail-on {} reported, not failed",
                if below == 1 { "" } else { "s" },
                fail_on.status()
            );
        }
        if failing {
            ExitStatus::Stale
        } else {
            ExitStatus::Clean
        }
    }
}

/// `--from-renovate[=FILE]`: the rules imported from FILE (or the Renovate configuration in the
/// current directory), with a warning for each construct that was not imported, and the file
/// (the run's own: never rewritten, though it names the old images).
pub(crate) fn renovate_rules(
    arg: Option<&Option<PathBuf>>,
) -> Result<(Vec<RuleSpec>, Option<PathBuf>), Error> {
    let Some(arg) = arg else {
        return Ok((Vec::new(), None));
    };
    let path = match arg {
        Some(path) => path.clone(),
        None => renovate::discover(Path::new(".")).ok_or(super::Usage::NoRenovateConfig)?,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| renovate::RenovateError {
        path: path.clone(),
        problem: format!("cannot read: {e}"),
    })?;
    let imported = renovate::import(&path, &text)?;
    for problem in &imported.unsupported {
        eprintln!("reimage: warning: {}: {problem}", path.display());
    }
    Ok((imported.rules, Some(path)))
}
