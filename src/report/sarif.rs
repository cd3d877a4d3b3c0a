//! `--format sarif`: SARIF 2.1.0 for code scanning. Stale references are `error` results with a
//! fix that carries the replacement text; review findings are `note` results.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{display_path, Report};
use crate::find::{Action, Finding};

const STALE: &str = "reimage/stale-image";
const RETIRED: &str = "reimage/retired-image";
const REVIEW: &str = "reimage/review-image";

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let results: Vec<Value> = report
        .findings()
        .filter_map(|(path, f)| result(&display_path(path), f))
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": { "text": e.message },
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

fn result(uri: &str, f: &Finding) -> Option<Value> {
    let (rule_id, level, message) = match f.action {
        Action::Rewrite => (
            STALE,
            "error",
            format!(
                "`{}` should be `{}` ({}).",
                f.old,
                f.new.as_deref().unwrap_or("?"),
                f.rule.as_deref().unwrap_or("")
            ),
        ),
        Action::Stale => (
            RETIRED,
            "error",
            format!(
                "`{}` is retired ({}).",
                f.old,
                f.rule.as_deref().unwrap_or("")
            ),
        ),
        Action::Review => (
            REVIEW,
            "note",
            format!(
                "`{}`: {}.",
                f.old,
                f.note.as_deref().unwrap_or("check by hand")
            ),
        ),
        _ => return None,
    };
    let location = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri },
            "region": {
                "startLine": f.line,
                "startColumn": f.column,
                "endColumn": f.column + f.old.chars().count(),
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
        "partialFingerprints": { "reimage/v1": format!("{uri}:{}:{}", f.old, f.rule.as_deref().unwrap_or("")) },
    });
    if f.action == Action::Rewrite && !f.edits.is_empty() {
        let replacements: Vec<Value> = f
            .edits
            .iter()
            .map(|(range, text)| {
                json!({
                    "deletedRegion": { "byteOffset": range.start, "byteLength": range.len() },
                    "insertedContent": { "text": text },
                })
            })
            .collect();
        result["fixes"] = json!([{
            "description": { "text": format!("Rename to {}", f.new.as_deref().unwrap_or("")) },
            "artifactChanges": [{ "artifactLocation": { "uri": uri }, "replacements": replacements }],
        }]);
    }
    Some(result)
}
