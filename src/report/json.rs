//! `--format json`: one document with a `version`, the summary, every finding and every error.
//!
//! Field names are stable; a new field may be added, none renamed or removed, within a version.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{display_path, inventory, mirror_reference, GroupBy, Mode, Report};
use crate::finding::MissingReason;

/// The schema version of the JSON document.
pub(super) const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    command: &'static str,
    written: bool,
    summary: JsonSummary,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError>,
    warnings: Vec<JsonError>,
    /// `list` only: the inventory grouped as `--group-by` asks, each group with its distinct
    /// fully qualified references (the mirror list's lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    images: Option<Vec<JsonImage>>,
}

#[derive(Serialize)]
struct JsonImage {
    /// The repository (`docker.io/library/nginx`), or the registry with `--group-by registry`.
    name: String,
    /// Distinct references as `list --format images` prints them, sorted.
    references: Vec<String>,
    /// How many places refer to the group.
    places: usize,
    /// Places not in `references`: a split map whose registry the chart supplies.
    excluded: usize,
}

#[derive(Serialize)]
struct JsonSummary {
    files_scanned: usize,
    binary_skipped: usize,
    /// Files over `--max-filesize`, skipped (each also a warning).
    too_large_skipped: usize,
    files_with_changes: usize,
    rewrite: usize,
    stale: usize,
    review: usize,
    ignored: usize,
    inventory: usize,
    baselined: usize,
    /// `--verify` only (absent when zero, so other runs' documents are unchanged).
    #[serde(skip_serializing_if = "is_zero")]
    missing_target: usize,
    #[serde(skip_serializing_if = "is_zero")]
    unreachable: usize,
    kept: usize,
    kept_by_reason: BTreeMap<&'static str, usize>,
    errors: usize,
    by_context: BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    path: String,
    line: usize,
    column: usize,
    byte_range: [usize; 2],
    context: &'static str,
    confidence: &'static str,
    action: &'static str,
    /// The file's bytes at `byte_range`, and what replaces them: a JSON consumer can splice.
    old: &'a str,
    new: Option<String>,
    /// Every splice of a rewrite, each with the file's bytes at its range.
    edits: Vec<JsonEdit<'a>>,
    /// The reference as read (a split map's parts put together), and after the rewrite.
    reference: &'a str,
    new_reference: Option<&'a str>,
    rule: Option<&'a str>,
    reason: Option<&'a str>,
    repository: Option<&'a str>,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
    note: Option<String>,
    /// `--verify`: the registry's verdict on a reference not shown to exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    missing_target: Option<JsonMissing<'a>>,
}

#[derive(Serialize)]
struct JsonMissing<'a> {
    /// The reference asked for.
    target: &'a str,
    /// `manifest unknown`, `unauthorized` or `unreachable`.
    reason: &'static str,
    /// Whether the registry holds the name's tag though not the digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    tag_exists: Option<bool>,
    detail: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    byte_range: [usize; 2],
    old: &'a str,
    new: &'a str,
}

#[derive(Serialize)]
struct JsonError {
    path: String,
    message: String,
}

pub(super) fn render(report: &Report, group_by: GroupBy, out: &mut dyn Write) -> io::Result<()> {
    let s = report.summary();
    let doc = Document {
        version: VERSION,
        command: match report.mode {
            Mode::Rename { .. } => "rename",
            Mode::Check => "check",
            Mode::List => "list",
            Mode::Verify => "verify",
        },
        written: matches!(report.mode, Mode::Rename { write: true }),
        summary: JsonSummary {
            files_scanned: report.files_scanned,
            binary_skipped: report.binary_skipped,
            too_large_skipped: report.too_large(),
            files_with_changes: s.files,
            rewrite: s.rewrite,
            stale: s.stale,
            review: s.review,
            ignored: s.ignored,
            inventory: s.inventory,
            baselined: s.baselined,
            missing_target: s.missing_target,
            unreachable: s.unreachable,
            kept: s.kept,
            kept_by_reason: s.kept_by_reason,
            errors: report.errors.len(),
            by_context: s.by_context,
        },
        findings: report
            .findings()
            .map(|(path, f)| JsonFinding {
                path: display_path(path).into_owned(),
                line: f.line,
                column: f.column,
                byte_range: [f.span.start, f.span.end],
                context: f.context.label(),
                confidence: f.confidence.label(),
                action: f.action().label(),
                old: &f.old,
                new: f.new_text(),
                edits: f
                    .edits()
                    .iter()
                    .map(|e| JsonEdit {
                        byte_range: [e.range.start, e.range.end],
                        old: &e.old,
                        new: &e.new,
                    })
                    .collect(),
                reference: &f.reference,
                new_reference: f.new_reference(),
                rule: report.rule(f).map(|r| r.description.as_str()),
                reason: report.reason(f),
                repository: f.repository.as_deref(),
                tag: f.tag.as_deref(),
                digest: f.digest.as_deref(),
                note: f.note(),
                missing_target: f.missing().map(|m| JsonMissing {
                    target: &m.target,
                    reason: m.reason.label(),
                    tag_exists: match m.reason {
                        MissingReason::DigestUnknown { tag_exists } => Some(tag_exists),
                        _ => None,
                    },
                    detail: m.detail.as_deref(),
                }),
            })
            .collect(),
        errors: report.errors.iter().map(json_error).collect(),
        warnings: report.warnings.iter().map(json_error).collect(),
        images: (report.mode == Mode::List).then(|| images(report, group_by)),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// The inventory's groups with the mirror references of each.
fn images(report: &Report, group_by: GroupBy) -> Vec<JsonImage> {
    let mut groups: BTreeMap<String, JsonImage> = inventory(report, group_by)
        .into_iter()
        .map(|(name, entry)| {
            let image = JsonImage {
                name: name.clone(),
                references: Vec::new(),
                places: entry.places.len(),
                excluded: 0,
            };
            (name, image)
        })
        .collect();
    for (_, f) in report.findings() {
        let Some(repo) = f.repository.as_deref() else {
            continue;
        };
        let key = match group_by {
            GroupBy::Repository => repo,
            GroupBy::Registry => repo.split_once('/').map_or("", |(d, _)| d),
        };
        let Some(group) = groups.get_mut(key) else {
            continue;
        };
        match mirror_reference(f) {
            Some(reference) => group.references.push(reference),
            None => group.excluded += 1,
        }
    }
    groups
        .into_values()
        .map(|mut g| {
            g.references.sort();
            g.references.dedup();
            g
        })
        .collect()
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn json_error(e: &super::FileError) -> JsonError {
    JsonError {
        path: display_path(&e.path).into_owned(),
        message: e.message(),
    }
}
