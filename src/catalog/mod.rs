//! The catalog of upstream image migrations (`k8s.gcr.io`, GCR shutdown, Bitnami legacy, Docker
//! Hub deprecations…): dated, sourced entries kept as data in `migrations.toml`, compiled in.
//!
//! Each entry becomes ordinary rules (`origin` `catalog:ID`, `reason` its status, date, note and
//! source) plus the conditions the rule engine does not express — a tag window, names under a
//! prefix that did not move, digests that may not survive — which [`apply_conditions`] enforces
//! on a finished scan. Pure code, no I/O.

mod parse;

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use toml_edit::{Document, Item};

use crate::finding::{Confidence, Outcome};
use crate::image_ref::ImageRef;
use crate::report::Report;
use crate::rule::{RuleSet, RuleSpec};

use parse::entry;

pub use crate::rule::{TagWindow, TagWindowError};

/// The catalog as shipped.
const MIGRATIONS: &str = include_str!("migrations.toml");

/// How far a migration has gone, from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Still served and maybe updated, but announced as going away.
    Deprecated,
    /// Still served, never updated again.
    Frozen,
    /// Gone: pulls fail.
    Removed,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Deprecated, Status::Frozen, Status::Removed];

    /// The word used in the catalog and in reports.
    pub fn label(self) -> &'static str {
        match self {
            Status::Deprecated => "deprecated",
            Status::Frozen => "frozen",
            Status::Removed => "removed",
        }
    }

    fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.label() == text)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One upstream move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    /// Rule `from` patterns: repositories or prefixes.
    pub from: Vec<String>,
    /// The 1:1 successor; `None` when the entry only reports.
    pub to: Option<String>,
    pub status: Status,
    /// The date of each step that happened, in `Status` order.
    pub dates: Vec<(Status, String)>,
    /// The deprecation was reverted on this date: listed, never applied.
    pub ended: Option<String>,
    /// Only these tags exist under `to`.
    pub tags: Option<TagWindow>,
    /// Names or prefixes under `from` that did not move, as written.
    pub except: Vec<String>,
    /// Whether a digest-pinned reference resolves under `to`.
    pub digests_kept: bool,
    pub source: String,
    pub also: Vec<String>,
    pub note: String,
}

/// The whole catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub entries: Vec<Entry>,
}

/// A catalog entry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("catalog entry `{entry}`: {problem}")]
pub struct CatalogError {
    /// The entry's id (or `#N`, its position, when it has none).
    pub entry: String,
    pub problem: String,
}

/// `--catalog ID` named no entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no catalog entry `{0}`; `reimage catalog list` shows them")]
pub struct UnknownEntry(pub String);

impl Catalog {
    /// The catalog compiled into the binary (validated by the test suite).
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Catalog::parse(MIGRATIONS)
                .unwrap_or_else(|errors| panic!("the built-in catalog is invalid: {errors:?}"))
        })
    }

    /// Parses and validates a catalog; every problem is returned, each naming its entry.
    pub fn parse(text: &str) -> Result<Catalog, Vec<CatalogError>> {
        let doc = Document::parse(text).map_err(|e| {
            vec![CatalogError {
                entry: "(file)".to_owned(),
                problem: e.message().trim().to_owned(),
            }]
        })?;
        let Some(tables) = doc.get("entry").and_then(Item::as_array_of_tables) else {
            return Err(vec![CatalogError {
                entry: "(file)".to_owned(),
                problem: "no [[entry]] tables".to_owned(),
            }]);
        };
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        for (i, table) in tables.iter().enumerate() {
            let name = table
                .get("id")
                .and_then(Item::as_str)
                .map_or_else(|| format!("#{}", i + 1), str::to_owned);
            match entry(table) {
                Ok(entry) if entries.iter().any(|e: &Entry| e.id == entry.id) => {
                    errors.push(CatalogError {
                        entry: name,
                        problem: "the id is used by an earlier entry".to_owned(),
                    });
                }
                Ok(entry) => entries.push(entry),
                Err(problem) => errors.push(CatalogError {
                    entry: name,
                    problem,
                }),
            }
        }
        if errors.is_empty() {
            Ok(Catalog { entries })
        } else {
            Err(errors)
        }
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The entries `ids` name (`all`: every active entry), without repeats, in catalog order.
    pub fn select(&self, ids: &[String]) -> Result<Vec<&Entry>, UnknownEntry> {
        if ids.iter().any(|id| id == "all") {
            return Ok(self.entries.iter().filter(|e| e.is_active()).collect());
        }
        for id in ids {
            self.get(id).ok_or_else(|| UnknownEntry(id.clone()))?;
        }
        Ok(self
            .entries
            .iter()
            .filter(|e| ids.contains(&e.id))
            .collect())
    }
}

impl Entry {
    /// Whether the entry applies (a reverted deprecation does not).
    pub fn is_active(&self) -> bool {
        self.ended.is_none()
    }

    /// The date of the entry's current status.
    pub fn date(&self) -> &str {
        self.dates
            .iter()
            .find(|(s, _)| *s == self.status)
            .map_or("", |(_, d)| d.as_str())
    }

    /// What every finding of this entry says: status, date, successor, note and source.
    pub fn reason(&self) -> String {
        let successor = match &self.to {
            Some(to) => format!("successor {to}"),
            None => "no 1:1 successor".to_owned(),
        };
        let window = self
            .tags
            .as_ref()
            .map(|t| format!(" (tags {t})"))
            .unwrap_or_default();
        format!(
            "catalog {}: {} {}; {successor}{window}. {} Source: {}",
            self.id,
            self.status,
            self.date(),
            self.note,
            self.source
        )
    }

    /// The entry as rules: renames to its successor, or deny rules.
    pub fn rules(&self) -> Vec<RuleSpec> {
        let origin = format!("catalog:{}", self.id);
        self.from
            .iter()
            .map(|from| {
                let mut spec = match &self.to {
                    Some(to) => RuleSpec::rename(from, to, &origin),
                    None => RuleSpec::deny(from, &origin),
                };
                spec.reason = Some(self.reason());
                spec
            })
            .collect()
    }

    /// The entry as deny rules only (for `check`: a successor is reported, never written).
    pub fn deny_rules(&self) -> Vec<RuleSpec> {
        self.rules()
            .into_iter()
            .map(|mut spec| {
                if self.to.is_some() {
                    spec.to = None;
                }
                spec
            })
            .collect()
    }

    /// Whether a reference of repository `repo` is one of the names that did not move.
    fn excepts(&self, repo: &str) -> bool {
        self.except.iter().any(|x| match x.strip_suffix('/') {
            Some(prefix) => normalized_prefix(prefix).is_some_and(|p| {
                repo.strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
            }),
            None => ImageRef::parse(x).is_ok_and(|r| r.repository() == repo),
        })
    }

    /// Whether a reference with this tag and digest exists under `to`.
    fn moves(&self, tag: Option<&str>, digest: Option<&str>) -> bool {
        let tag_ok = self
            .tags
            .as_ref()
            .is_none_or(|w| tag.is_some_and(|t| w.contains(t)));
        tag_ok && (digest.is_none() || self.digests_kept)
    }
}

/// `gcr.io/distroless` → `gcr.io/distroless` normalized (`bitnami` → `docker.io/bitnami`).
fn normalized_prefix(prefix: &str) -> Option<String> {
    let probe = format!("{prefix}/reimage-probe");
    let repo = ImageRef::parse(&probe).ok()?.repository();
    repo.strip_suffix("/reimage-probe").map(str::to_owned)
}

/// What [`apply_conditions`] changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Findings dropped: their name is one an entry lists as not moved.
    pub excepted: usize,
    /// Rewrites held back: the tag is outside the window, or the digest may not survive.
    pub held: usize,
}

/// Enforces the conditions of `entries` on a finished scan: excepted names are dropped, and a
/// rewrite whose tag or digest does not exist under the successor, or a registry setting of an
/// entry with exceptions (moving it would move them too), becomes stale (reported with the
/// entry's note, never written). Findings of other rules are untouched.
pub fn apply_conditions(report: &mut Report, entries: &[&Entry]) -> Applied {
    let by_reason: HashMap<String, &Entry> = entries.iter().map(|e| (e.reason(), *e)).collect();
    let entry_of: Vec<Option<&Entry>> = report
        .rules
        .iter()
        .map(|r| r.reason.as_ref().and_then(|x| by_reason.get(x).copied()))
        .collect();
    let mut applied = Applied::default();
    for file in &mut report.files {
        file.findings.retain_mut(|f| {
            let Some(entry) = f.rule.and_then(|id| entry_of.get(id.0).copied().flatten()) else {
                return true;
            };
            if f.repository.as_deref().is_some_and(|r| entry.excepts(r)) {
                applied.excepted += 1;
                return false;
            }
            // A registry setting moves every image under it, the excepted ones too.
            let setting_with_exceptions =
                f.confidence == Confidence::Setting && !entry.except.is_empty();
            if matches!(f.outcome, Outcome::Rewrite { .. })
                && (setting_with_exceptions || !entry.moves(f.tag.as_deref(), f.digest.as_deref()))
            {
                f.outcome = Outcome::Stale;
                applied.held += 1;
            }
            true
        });
    }
    report.files.retain(|f| !f.findings.is_empty());
    applied
}

/// The entry of `entries` a rule comes from (catalog rules carry their entry's reason).
pub fn entry_of<'e>(rule: &crate::finding::RuleInfo, entries: &[&'e Entry]) -> Option<&'e Entry> {
    let reason = rule.reason.as_deref()?;
    entries.iter().copied().find(|e| e.reason() == reason)
}

#[cfg(test)]
mod tests;
