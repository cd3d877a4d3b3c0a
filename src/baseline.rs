//! `check --baseline`: a recorded set of accepted findings, so a team can adopt the gate before a
//! migration is finished. Entries are keyed by path, reference and rule (not by line), so edits
//! elsewhere in a file do not invalidate them; each entry accepts as many findings as it counts.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::find::Action;
use crate::report::{display_path, Report};

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Baseline {
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

impl Baseline {
    pub(crate) fn load(path: &Path) -> Result<Self, String> {
        let text = fs::read(path)
            .map_err(|e| format!("{}: cannot read the baseline: {e}", path.display()))?;
        serde_json::from_slice(&text)
            .map_err(|e| format!("{}: not a reimage baseline: {e}", path.display()))
    }

    /// Records every stale finding of `report` in `path`.
    pub(crate) fn write(path: &Path, report: &Report) -> Result<(), String> {
        let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
        for (file, f) in report.findings() {
            if matches!(f.action, Action::Rewrite | Action::Stale) {
                *counts
                    .entry(key(&display_path(file), &f.old, f.rule.as_deref()))
                    .or_default() += 1;
            }
        }
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
            version: 1,
            findings,
        })
        .expect("baseline serializes");
        fs::write(path, text + "\n")
            .map_err(|e| format!("{}: cannot write the baseline: {e}", path.display()))
    }

    /// Marks the findings this baseline accepts as `baselined`.
    pub(crate) fn apply(&self, report: &mut Report) {
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
        for file in &mut report.files {
            let path = display_path(&file.path);
            for f in &mut file.findings {
                if !matches!(f.action, Action::Rewrite | Action::Stale) {
                    continue;
                }
                if let Some(n) = left
                    .get_mut(&key(&path, &f.old, f.rule.as_deref()))
                    .filter(|n| **n > 0)
                {
                    *n -= 1;
                    f.action = Action::Baselined;
                }
            }
        }
    }
}

fn key(path: &str, reference: &str, rule: Option<&str>) -> Key {
    (
        path.to_owned(),
        reference.to_owned(),
        rule.unwrap_or_default().to_owned(),
    )
}
