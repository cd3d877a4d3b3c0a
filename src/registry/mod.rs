//! `--verify` and `reimage verify`: ask each reference's registry whether its manifest exists.
//!
//! The pass runs after the scan and before anything is written: every reference a run would
//! leave in the tree (a rewrite's new one, or `list`'s inventory) is parsed into a [`Target`],
//! each distinct target is asked once through a [`Probe`] (at most `concurrency` at a time per
//! registry), and findings whose target is not shown to exist get
//! [`Disposition::MissingTarget`], so they are reported and not written. A digest carried to a
//! new name that is missing there can be re-pinned to the new name's tag (`resolve_digests`);
//! a digest is never guessed.
//!
//! The network client ([`Client`]) is behind the `verify` cargo feature; this module's logic is
//! not, and is tested with probes that answer from a table.

mod auth;
#[cfg(feature = "verify")]
mod client;
mod reference;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

pub use auth::{Credential, CredentialError, Keychain};
#[cfg(feature = "verify")]
pub use client::{Client, ClientOptions};
pub use reference::{Question, QuestionError, Target};

use crate::finding::{
    Confidence, Disposition, Edit, Finding, Missing, MissingReason, Outcome, Repin,
};
use crate::report::Report;

/// A registry's answer about one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The manifest exists; `digest` is the registry's `Docker-Content-Digest`, when sent.
    Exists { digest: Option<String> },
    /// The registry answered that it has no such manifest (or repository).
    Unknown { detail: Option<String> },
    /// The registry refused: 401 or 403 after authenticating as configured.
    Unauthorized { detail: Option<String> },
    /// The registry answered, but not usefully: a server error that persisted, a malformed
    /// token answer, an unexpected status.
    Unreachable { detail: String },
    /// The registry could not be reached at all (refused, timed out, no such host, TLS): its
    /// other targets are not asked and share this answer.
    Down { detail: String },
}

/// Asks a registry about one target. [`Client`] does it over HTTP; tests answer from a table.
pub trait Probe: Sync {
    fn ask(&self, target: &Target) -> Answer;
}

/// How the pass runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Replace a carried digest that is missing under the new name by the digest of the new
    /// name's tag (never a guess: only what the registry reports for that tag).
    pub resolve_digests: bool,
    /// Requests in flight per registry.
    pub concurrency: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            resolve_digests: false,
            concurrency: 8,
        }
    }
}

/// What the pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    /// Findings whose reference was checked.
    pub checked: usize,
    /// Distinct targets asked (each once).
    pub asked: usize,
    /// References that could not be asked about (templated, naming no registry, or a registry
    /// setting, which names no image).
    pub skipped: usize,
}

/// Checks every reference `report` would leave in the tree, marking those not shown to exist.
pub fn verify(report: &mut Report, probe: &dyn Probe, options: &Options) -> Verification {
    let mut verification = Verification::default();
    let mut questions: HashMap<String, Question> = HashMap::new();
    for (_, f) in report.findings() {
        let Some(text) = asked(f) else { continue };
        if f.confidence == Confidence::Setting {
            // A registry or a prefix, not an image: there is no manifest to ask for.
            verification.skipped += 1;
            continue;
        }
        match Question::parse(text) {
            Ok(q) => {
                verification.checked += 1;
                questions.entry(text.to_owned()).or_insert(q);
            }
            Err(_) => verification.skipped += 1,
        }
    }
    let primary: BTreeSet<Target> = questions.values().map(|q| q.primary.clone()).collect();
    let mut answers = ask_all(&primary, probe, options.concurrency);
    // A digest missing under its name: its tag says whether a re-pin is possible.
    let tags: BTreeSet<Target> = questions
        .values()
        .filter(|q| matches!(answers.get(&q.primary), Some(Answer::Unknown { .. })))
        .filter_map(|q| q.tag.clone())
        .filter(|t| !answers.contains_key(t))
        .collect();
    answers.extend(ask_all(&tags, probe, options.concurrency));
    verification.asked = answers.len();
    for file in &mut report.files {
        for f in &mut file.findings {
            if f.confidence == Confidence::Setting {
                continue;
            }
            let Some((text, q)) = asked(f).and_then(|text| Some((text, questions.get(text)?)))
            else {
                continue;
            };
            let text = text.to_owned();
            if let Some(disposition) = judge(f, &text, q, &answers, options.resolve_digests) {
                f.disposition = Some(disposition);
            }
        }
        if file.findings.iter().all(|f| f.edits().is_empty()) {
            // Nothing left to write in this file: no diff, no write.
            file.original = None;
        }
    }
    verification
}

/// The reference a finding would leave in the tree, when nothing set it aside: a rewrite's new
/// one, or an inventoried one.
fn asked(f: &Finding) -> Option<&str> {
    match (&f.outcome, &f.disposition) {
        (Outcome::Rewrite { new, .. }, None) => Some(new),
        (Outcome::Inventory, None) => Some(&f.reference),
        _ => None,
    }
}

/// The disposition the answers call for, `None` when the target exists.
fn judge(
    f: &Finding,
    text: &str,
    q: &Question,
    answers: &HashMap<Target, Answer>,
    resolve: bool,
) -> Option<Disposition> {
    let missing = |reason, detail: Option<String>| {
        Some(Disposition::MissingTarget(Missing {
            target: text.to_owned(),
            reason,
            detail: detail.map(Arc::from),
        }))
    };
    match answers.get(&q.primary)? {
        Answer::Exists { .. } => None,
        Answer::Unauthorized { detail } => missing(MissingReason::Unauthorized, detail.clone()),
        Answer::Unreachable { detail } | Answer::Down { detail } => {
            missing(MissingReason::Unreachable, Some(detail.clone()))
        }
        Answer::Unknown { detail } if !q.primary.is_digest() => {
            missing(MissingReason::ManifestUnknown, detail.clone())
        }
        Answer::Unknown { detail } => {
            let tag_digest = match q.tag.as_ref().and_then(|t| answers.get(t)) {
                Some(Answer::Exists { digest }) => Some(digest.as_deref()),
                _ => None,
            };
            let reason = MissingReason::DigestUnknown {
                tag_exists: tag_digest.is_some(),
            };
            match tag_digest.flatten().filter(|_| resolve) {
                Some(digest) => repin(f, &q.primary.reference, digest)
                    .map(Disposition::Repinned)
                    .or_else(|| {
                        let detail = "the digest is written apart from the name; pin it by hand";
                        missing(reason, Some(detail.to_owned()))
                    }),
                None => missing(reason, detail.clone()),
            }
        }
    }
}

/// A rewrite of `f` whose digest `was` is replaced by `digest`, when the digest is written at
/// the end of the reference's own text (not in a separate field).
fn repin(f: &Finding, was: &str, digest: &str) -> Option<Repin> {
    let Outcome::Rewrite { new, edits } = &f.outcome else {
        return None;
    };
    let new = format!("{}{digest}", new.strip_suffix(was)?);
    if f.old != f.reference || !f.old.ends_with(was) {
        return None;
    }
    let range = f.span.end - was.len()..f.span.end;
    let mut edits = edits.clone();
    let overlaps = edits.iter().any(|e| e.range.end > range.start);
    match edits.iter_mut().find(|e| e.range.end == range.end) {
        // One edit already ends at the digest: it must cover it whole.
        Some(edit) if edit.range.start <= range.start => {
            edit.new = format!("{}{digest}", edit.new.strip_suffix(was)?);
        }
        Some(_) => return None,
        None if overlaps => return None,
        None => edits.push(Edit {
            range,
            old: was.to_owned(),
            new: digest.to_owned(),
        }),
    }
    Some(Repin {
        new,
        edits,
        was: was.to_owned(),
    })
}

/// Asks every target once: registries in parallel, up to `concurrency` requests per registry.
/// A registry found down answers its remaining targets without being asked again.
fn ask_all(
    targets: &BTreeSet<Target>,
    probe: &dyn Probe,
    concurrency: usize,
) -> HashMap<Target, Answer> {
    let mut by_registry: HashMap<&str, Vec<&Target>> = HashMap::new();
    for t in targets {
        by_registry.entry(&t.registry).or_default().push(t);
    }
    let answers = Mutex::new(HashMap::with_capacity(targets.len()));
    std::thread::scope(|scope| {
        for list in by_registry.values() {
            let next = Arc::new(AtomicUsize::new(0));
            let down: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
            for _ in 0..concurrency.clamp(1, list.len()) {
                let (next, down, answers) = (next.clone(), down.clone(), &answers);
                let work = move || {
                    while let Some(&t) = list.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let answer = match down.get() {
                            Some(detail) => Answer::Down {
                                detail: detail.clone(),
                            },
                            None => probe.ask(t),
                        };
                        if let Answer::Down { detail } = &answer {
                            let _ = down.set(detail.clone());
                        }
                        let mut answers = answers.lock().expect("no panic while holding");
                        answers.insert(t.clone(), answer);
                    }
                };
                // A thread that cannot be created (a process limit): the threads already
                // started share this registry's list; when none could be, this one asks.
                if std::thread::Builder::new()
                    .spawn_scoped(scope, work.clone())
                    .is_err()
                {
                    work();
                    break;
                }
            }
        }
    });
    answers.into_inner().expect("workers finished")
}

#[cfg(test)]
mod tests;
