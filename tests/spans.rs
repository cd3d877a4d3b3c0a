//! Every location a report gives is the file's own bytes: for every finding of every fixture,
//! JSON `old` is the text at `byte_range` (and each edit's `old` the text at its range), SARIF
//! regions and GitHub annotations start and end where that text starts and ends. A consumer that
//! splices JSON or SARIF fixes, or underlines an annotation, edits exactly the reference.

mod common;

use std::fs;
use std::path::Path;

use common::{testdata_path, Tree};
use serde_json::Value;

/// Every fixture tree with a rule that finds something in it.
fn cases() -> Vec<(String, Vec<String>)> {
    let mut cases = Vec::new();
    let formats = testdata_path("formats");
    let mut names: Vec<_> = fs::read_dir(&formats)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let cmd = fs::read_to_string(formats.join(&name).join("cmd")).unwrap();
        let args = cmd.split_whitespace().map(str::to_owned).collect();
        cases.push((format!("formats/{name}/in"), args));
    }
    let rules: &[&[&str]] = &[
        &[
            "rename",
            "ghcr.io/gdtiti/grok2api",
            "ghcr.io/gdtiti/grok2api-api",
        ],
        &["rename", "docker.io/", "mirror.gcr.io/"],
        &["rename", "k8s.gcr.io/", "registry.k8s.io/"],
        &["check", "--deny", "docker.io/bitnami/", "--deny", "nginx"],
        &["list"],
    ];
    for tree in ["seed/repo", "fuzz", "formats"] {
        for rule in rules {
            cases.push((
                tree.to_owned(),
                rule.iter().map(|s| s.to_string()).collect(),
            ));
        }
    }
    cases
}

/// 1-based line and column (in characters) of byte `at`.
fn position(text: &[u8], at: usize) -> (u64, u64) {
    let before = &text[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line as u64, column as u64)
}

fn range(value: &Value) -> std::ops::Range<usize> {
    value[0].as_u64().unwrap() as usize..value[1].as_u64().unwrap() as usize
}

fn run(tree: &Tree, args: &[String], format: &str) -> String {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend(["--format", format, "."]);
    tree.run(&args).stdout()
}

fn check_json(root: &Path, doc: &Value, problems: &mut Vec<String>) -> usize {
    let findings = doc["findings"].as_array().unwrap();
    for f in findings {
        let path = f["path"].as_str().unwrap();
        let text = fs::read(root.join(path)).unwrap();
        let span = range(&f["byte_range"]);
        let at = format!("{path}:{}", f["line"]);
        if text[span.clone()] != *f["old"].as_str().unwrap().as_bytes() {
            problems.push(format!(
                "{at}: json old {} is not the file's bytes",
                f["old"]
            ));
        }
        if position(&text, span.start)
            != (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap())
        {
            problems.push(format!(
                "{at}: json line/column is not where byte_range starts"
            ));
        }
        for edit in f["edits"].as_array().unwrap() {
            let r = range(&edit["byte_range"]);
            if text[r.clone()] != *edit["old"].as_str().unwrap().as_bytes()
                || !(span.start <= r.start && r.end <= span.end)
            {
                problems.push(format!(
                    "{at}: edit {edit} is not the file's bytes inside the finding"
                ));
            }
        }
    }
    findings.len()
}

fn check_sarif(root: &Path, doc: &Value, problems: &mut Vec<String>) {
    for result in doc["runs"][0]["results"].as_array().unwrap() {
        let location = &result["locations"][0]["physicalLocation"];
        let path = location["artifactLocation"]["uri"].as_str().unwrap();
        let text = fs::read(root.join(path)).unwrap();
        let region = &location["region"];
        let start = region["byteOffset"].as_u64().unwrap() as usize;
        let end = start + region["byteLength"].as_u64().unwrap() as usize;
        let got = |k: &str| region[k].as_u64().unwrap();
        if position(&text, start) != (got("startLine"), got("startColumn"))
            || position(&text, end) != (got("endLine"), got("endColumn"))
        {
            problems.push(format!(
                "{path}: sarif region {region} does not match its bytes"
            ));
        }
    }
}

fn check_github(root: &Path, out: &str, json: &Value, problems: &mut Vec<String>) {
    let findings: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["action"].as_str(), Some("rewrite" | "stale" | "review")))
        .collect();
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| !l.contains("title=reimage::"))
        .collect();
    if lines.len() != findings.len() {
        problems.push(format!(
            "github: {} annotations for {} findings",
            lines.len(),
            findings.len()
        ));
        return;
    }
    for (line, f) in lines.iter().zip(findings) {
        let path = f["path"].as_str().unwrap();
        let text = fs::read(root.join(path)).unwrap();
        let span = range(&f["byte_range"]);
        let (end_line, end_column) = position(&text, span.end);
        let (start_line, start_column) = position(&text, span.start);
        let mut want = format!("line={start_line},col={start_column},");
        if end_line != start_line {
            want.push_str(&format!("endLine={end_line},"));
        }
        want.push_str(&format!("endColumn={end_column},"));
        if !line.contains(&want) {
            problems.push(format!(
                "{path}: github annotation `{line}` should carry `{want}`"
            ));
        }
    }
}

#[test]
fn every_reported_location_is_the_files_own_bytes() {
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut split_maps = 0;
    for (tree, args) in cases() {
        let copy = Tree::copy_of(&tree);
        let json: Value = serde_json::from_str(&run(&copy, &args, "json")).unwrap();
        checked += check_json(copy.path(), &json, &mut problems);
        split_maps += json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["old"] != f["reference"])
            .count();
        let sarif: Value = serde_json::from_str(&run(&copy, &args, "sarif")).unwrap();
        check_sarif(copy.path(), &sarif, &mut problems);
        check_github(
            copy.path(),
            &run(&copy, &args, "github"),
            &json,
            &mut problems,
        );
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(checked > 500, "only {checked} findings checked");
    assert!(split_maps > 10, "only {split_maps} split maps checked");
}
