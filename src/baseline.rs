//! `check --baseline`: a recorded set of accepted findings, so a team can adopt the gate before a
//! migration is finished. Entries are keyed by path, reference and rule (not by line), so edits
//! elsewhere in a file do not invalidate them; each entry accepts as many findings as it counts.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::finding::Disposition;
use crate::report::{display_path, Report};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    path: String,
    reference: String,
    rule: String,
    count: usize,
}

type Key = (String, String, String);

/// The baseline file format this version reads and writes.
const VERSION: u32 = 1;

impl Baseline {
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        let error = |problem: String| BaselineError {
            path: path.to_path_buf(),
            problem,
        };
        let text = fs::read(path).map_err(|e| error(format!("cannot read the baseline: {e}")))?;
        let baseline: Baseline = serde_json::from_slice(&text)
            .map_err(|e| error(format!("not a reimage baseline: {e}")))?;
        if baseline.version != VERSION {
            return Err(error(format!(
                "baseline version {} is not supported (this reimage reads version {VERSION}); record it again with --write-baseline",
                baseline.version
            )));
        }
        Ok(baseline)
    }

    /// Records every stale finding of `report` in `path`.
    pub fn write(path: &Path, report: &Report) -> Result<usize, BaselineError> {
        let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
        for (file, f) in report.findings() {
            if f.is_stale() {
                *counts
                    .entry(key(&display_path(file), &f.reference, report.rule_text(f)))
                    .or_default() += 1;
            }
        }
        let recorded = counts.values().sum();
        let findings = counts
            .into_iter()
            .map(|((path, reference, rule), count)| Entry {
                path,
                reference,
                rule,
                count,
            })
            .collect();
        let text = serde_json::to_string_pretty(&Baseline {
            version: VERSION,
            findings,
        })
        .expect("baseline serializes");
        fs::write(path, text + "\n").map_err(|e| BaselineError {
            path: path.to_path_buf(),
            problem: format!("cannot write the baseline: {e}"),
        })?;
        Ok(recorded)
    }

    /// Marks the findings this baseline accepts as `baselined`.
    pub fn apply(&self, report: &mut Report) {
        let mut left: BTreeMap<Key, usize> = self
            .findings
            .iter()
            .map(|e| {
                (
                    (e.path.clone(), e.reference.clone(), e.rule.clone()),
                    e.count,
                )
            })
            .collect();
        let rules = &report.rules;
        for file in &mut report.files {
            let path = display_path(&file.path);
            for f in &mut file.findings {
                if !f.is_stale() {
                    continue;
                }
                let rule = f.rule.and_then(|id| rules.get(id.0));
                let rule = rule.map_or("", |r| r.description.as_str());
                if let Some(n) = left
                    .get_mut(&key(&path, &f.reference, rule))
                    .filter(|n| **n > 0)
                {
                    *n -= 1;
                    f.disposition = Some(Disposition::Baselined);
                }
            }
        }
    }
}

/// Whether `bytes` are a baseline file (whatever its name): such a file names stale references
/// on purpose, and is never searched or rewritten.
pub fn is_baseline(bytes: &[u8]) -> bool {
    let has = |key: &[u8]| memchr::memmem::find(bytes, key).is_some();
    bytes.trim_ascii_start().starts_with(b"{")
        && has(b"\"findings\"")
        && has(b"\"reference\"")
        && has(b"\"count\"")
        && serde_json::from_slice::<Baseline>(bytes).is_ok()
}

fn key(path: &str, reference: &str, rule: &str) -> Key {
    (path.to_owned(), reference.to_owned(), rule.to_owned())
}

/// A baseline that cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct BaselineError {
    pub path: PathBuf,
    pub problem: String,
}
