//! `--format sarif`: SARIF 2.1.0 for code scanning. Stale references are `error` results with a
//! fix that carries the replacement text; review findings are `note` results.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{display_path, Report};
use crate::finding::{Action, Confidence, Finding};

const STALE: &str = "reimage/stale-image";
const RETIRED: &str = "reimage/retired-image";
const REVIEW: &str = "reimage/review-image";
const MISSING: &str = "reimage/missing-target";

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let results: Vec<Value> = report
        .findings()
        .filter_map(|(path, f)| result(report, &display_path(path), f))
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": { "text": e.message() },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": display_path(&e.path) } } }],
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "reimage",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/reimage",
                "rules": [
                    rule(STALE, "Stale container image reference", "A reference to an image that a rename rule moved.", "error"),
                    rule(RETIRED, "Retired container image reference", "A reference to an image that is denied.", "error"),
                    rule(REVIEW, "Container image reference to review", "A path-only or templated reference that may name a moved image.", "note"),
                    rule(MISSING, "Container image not in its registry", "With --verify: the registry does not show the reference (a rename's new name) to exist, or could not be asked.", "error"),
                ],
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{ "executionSuccessful": report.errors.is_empty(), "toolExecutionNotifications": notifications }],
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn rule(id: &str, name: &str, text: &str, level: &str) -> Value {
    json!({
        "id": id,
        "name": name.replace(' ', ""),
        "shortDescription": { "text": name },
        "fullDescription": { "text": text },
        "defaultConfiguration": { "level": level },
    })
}

fn result(report: &Report, uri: &str, f: &Finding) -> Option<Value> {
    let rule = report.rule_text(f);
    let (rule_id, level, mut message) = match f.action() {
        Action::Rewrite => (
            STALE,
            "error",
            format!(
                "`{}` should be `{}` ({rule}).",
                f.reference,
                f.new_reference().unwrap_or("?"),
            ),
        ),
        Action::Stale => (
            RETIRED,
            "error",
            format!("`{}` is retired ({rule}).", f.reference),
        ),
        Action::Review => (
            REVIEW,
            "note",
            format!(
                "`{}`: {}.",
                f.reference,
                f.note().as_deref().unwrap_or("check by hand")
            ),
        ),
        Action::MissingTarget => (
            MISSING,
            "error",
            format!(
                "`{}`: missing target {}.",
                f.reference,
                f.note().as_deref().unwrap_or("")
            ),
        ),
        _ => return None,
    };
    let level = match level {
        "error" => report.failing_level(f),
        other => other,
    };
    if f.confidence == Confidence::Setting && f.action() != Action::Review {
        message = format!("Registry setting {message}");
    }
    if let Some(reason) = report.reason(f) {
        message.push_str(&format!(" Reason: {reason}"));
    }
    let (end_line, end_column) = f.end();
    let location = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri },
            "region": {
                "startLine": f.line,
                "startColumn": f.column,
                "endLine": end_line,
                "endColumn": end_column,
                "byteOffset": f.span.start,
                "byteLength": f.span.len(),
            },
        },
    });
    let mut result = json!({
        "ruleId": rule_id,
        "level": level,
        "message": { "text": message },
        "locations": [location],
        "partialFingerprints": { "reimage/v1": format!("{uri}:{}:{rule}", f.reference) },
    });
    if !f.edits().is_empty() {
        let replacements: Vec<Value> = f
            .edits()
            .iter()
            .map(|edit| {
                json!({
                    "deletedRegion": { "byteOffset": edit.range.start, "byteLength": edit.range.len() },
                    "insertedContent": { "text": edit.new },
                })
            })
            .collect();
        result["fixes"] = json!([{
            "description": { "text": format!("Rename to {}", f.new_reference().unwrap_or("")) },
            "artifactChanges": [{ "artifactLocation": { "uri": uri }, "replacements": replacements }],
        }]);
    }
    Some(result)
}
