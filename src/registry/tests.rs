//! The verify pass over a report, with a probe that answers from a table and counts questions.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use super::*;
use crate::classify::FileKind;
use crate::finding::{Action, Confidence, RuleId};
use crate::plan::FilePlan;
use crate::report::Mode;

const D_OLD: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const D_TAG: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

struct Table {
    answers: HashMap<String, Answer>,
    asked: Mutex<Vec<String>>,
}

impl Table {
    fn new(answers: &[(&str, Answer)]) -> Self {
        Table {
            answers: answers
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            asked: Mutex::new(Vec::new()),
        }
    }
}

impl Probe for Table {
    fn ask(&self, target: &Target) -> Answer {
        let key = target.to_string();
        self.asked.lock().unwrap().push(key.clone());
        self.answers
            .get(&key)
            .cloned()
            .unwrap_or(Answer::Unknown { detail: None })
    }
}

fn exists() -> Answer {
    Answer::Exists { digest: None }
}

/// A rewrite of the whole token `old` at the start of a file, to `new` (the name only, as
/// `find` does: the tag and digest stay).
fn rewrite(old: &str, old_name: &str, new_name: &str) -> Finding {
    let tail = &old[old_name.len()..];
    Finding {
        span: 0..old.len(),
        line: 1,
        column: 1,
        context: FileKind::Text,
        confidence: Confidence::Structural,
        outcome: Outcome::Rewrite {
            new: format!("{new_name}{tail}"),
            edits: vec![Edit {
                range: 0..old_name.len(),
                old: old_name.into(),
                new: new_name.into(),
            }],
        },
        disposition: None,
        old: old.into(),
        reference: old.into(),
        rule: Some(RuleId(0)),
        repository: None,
        tag: None,
        digest: None,
        detail: None,
    }
}

fn report(findings: Vec<Vec<Finding>>) -> Report {
    let files = findings
        .into_iter()
        .enumerate()
        .map(|(i, findings)| {
            let text = findings[0].old.clone();
            FilePlan::new(PathBuf::from(format!("f{i}")), findings, text.as_bytes())
        })
        .collect();
    Report {
        mode: Mode::Rename { write: false },
        files,
        errors: Vec::new(),
        warnings: Vec::new(),
        files_scanned: 0,
        binary_skipped: 0,
        rules: Vec::new(),
    }
}

#[test]
fn each_distinct_target_is_asked_once_and_missing_ones_are_not_written() {
    let probe = Table::new(&[("r.io/new:v1", exists())]);
    let mut r = report(vec![
        vec![rewrite("r.io/old:v1", "r.io/old", "r.io/new")],
        vec![rewrite("r.io/old:v1", "r.io/old", "r.io/new")],
        vec![rewrite("r.io/old:v2", "r.io/old", "r.io/new")],
    ]);
    let v = verify(&mut r, &probe, &Options::default());
    assert_eq!((v.checked, v.asked), (3, 2));
    assert_eq!(probe.asked.lock().unwrap().len(), 2);
    let actions: Vec<Action> = r.findings().map(|(_, f)| f.action()).collect();
    assert_eq!(
        actions,
        [Action::Rewrite, Action::Rewrite, Action::MissingTarget]
    );
    assert!(r.files[2].original.is_none(), "nothing left to write");
    assert!(r.files[2].rewritten().is_none());
    let missing = r.files[2].findings[0].missing().unwrap();
    assert_eq!(missing.reason, MissingReason::ManifestUnknown);
    assert_eq!(missing.target, "r.io/new:v2");
}

#[test]
fn a_registry_setting_is_not_asked_about_and_stays_a_rewrite() {
    let probe = Table::new(&[]);
    let mut setting = rewrite("k8s.gcr.io", "k8s.gcr.io", "registry.k8s.io");
    setting.confidence = Confidence::Setting;
    let mut r = report(vec![vec![setting]]);
    let v = verify(&mut r, &probe, &Options::default());
    assert_eq!((v.checked, v.asked, v.skipped), (0, 0, 1));
    assert!(probe.asked.lock().unwrap().is_empty());
    let actions: Vec<Action> = r.findings().map(|(_, f)| f.action()).collect();
    assert_eq!(actions, [Action::Rewrite]);
}

#[test]
fn a_missing_digest_with_a_published_tag_says_so_and_is_repinned_only_when_asked() {
    let old = format!("r.io/old:v1@{D_OLD}");
    let answers = [(
        "r.io/new:v1",
        Answer::Exists {
            digest: Some(D_TAG.into()),
        },
    )];
    let mut r = report(vec![vec![rewrite(&old, "r.io/old", "r.io/new")]]);
    verify(&mut r, &Table::new(&answers), &Options::default());
    let f = &r.files[0].findings[0];
    assert_eq!(
        f.missing().unwrap().reason,
        MissingReason::DigestUnknown { tag_exists: true }
    );
    assert!(f.note().unwrap().contains("--resolve-digests"));

    let mut r = report(vec![vec![rewrite(&old, "r.io/old", "r.io/new")]]);
    let options = Options {
        resolve_digests: true,
        ..Options::default()
    };
    verify(&mut r, &Table::new(&answers), &options);
    let f = &r.files[0].findings[0];
    assert_eq!(f.action(), Action::Rewrite);
    assert_eq!(f.new_text().unwrap(), format!("r.io/new:v1@{D_TAG}"));
    assert_eq!(
        r.files[0].rewritten().unwrap(),
        format!("r.io/new:v1@{D_TAG}").into_bytes()
    );
}

#[test]
fn a_missing_digest_without_its_tag_is_never_guessed() {
    let old = format!("r.io/old:v9@{D_OLD}");
    let mut r = report(vec![vec![rewrite(&old, "r.io/old", "r.io/new")]]);
    let options = Options {
        resolve_digests: true,
        ..Options::default()
    };
    verify(&mut r, &Table::new(&[]), &options);
    let f = &r.files[0].findings[0];
    assert_eq!(
        f.missing().unwrap().reason,
        MissingReason::DigestUnknown { tag_exists: false }
    );
    assert!(f.edits().is_empty());
}

#[test]
fn a_down_registry_answers_its_other_targets_without_hiding_the_rest() {
    let down = Answer::Down {
        detail: "127.0.0.1:1: connection refused".into(),
    };
    let probe = Table::new(&[("down.io/a:1", down), ("up.io/a:1", exists())]);
    let mut r = report(vec![
        vec![rewrite("x.io/a:1", "x.io/a", "down.io/a")],
        vec![rewrite("x.io/a:2", "x.io/a", "down.io/a")],
        vec![rewrite("x.io/a:1", "x.io/a", "up.io/a")],
    ]);
    let options = Options {
        concurrency: 1,
        ..Options::default()
    };
    verify(&mut r, &probe, &options);
    let asked = probe.asked.lock().unwrap().clone();
    assert!(!asked.contains(&"down.io/a:2".to_owned()), "{asked:?}");
    let reasons: Vec<Option<MissingReason>> = r
        .findings()
        .map(|(_, f)| f.missing().map(|m| m.reason))
        .collect();
    let unreachable = Some(MissingReason::Unreachable);
    assert_eq!(reasons, [unreachable, unreachable, None]);
    assert_eq!(r.summary().unreachable, 2);
}

#[test]
fn set_aside_findings_are_not_asked() {
    let mut f = rewrite("r.io/old:v1", "r.io/old", "r.io/new");
    f.disposition = Some(Disposition::Ignored);
    let mut r = report(vec![vec![f]]);
    let probe = Table::new(&[]);
    assert_eq!(verify(&mut r, &probe, &Options::default()).asked, 0);
    assert_eq!(r.files[0].findings[0].action(), Action::Ignored);
}
