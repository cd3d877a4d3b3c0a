//! YAML anchors that several references read (`registry: &reg ghcr.io` in one map, `registry:
//! *reg` in others): the anchored scalar is edited once, for all of them, so a rewrite may edit it
//! only when every reference that reads it would be edited the same way, and only by the finding
//! whose reference holds the anchor. Otherwise the findings that would edit it become review
//! findings naming the anchor, and nothing moves silently.

use std::ops::Range;
use std::sync::Arc;

use super::site::Structure;
use crate::finding::{Confidence, Finding, Outcome, ReviewReason};

/// Where a finding comes from: a token judged in its site (or line), or the split map at this
/// index of the structure's composites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    Token,
    Map(usize),
}

/// Settles the edits of anchored scalars: when every reader of an anchor would edit it alike, the
/// edit is kept by the finding that holds the anchor and dropped from the others; when readers
/// differ, the findings that would edit it become review (`SharedAnchor`), and so do they when
/// the anchor is outside every reader (`AnchorElsewhere`: no finding may edit bytes outside
/// itself). Both name the anchor and its line.
pub(super) fn settle(structure: &Structure, text: &[u8], findings: &mut [(Source, Finding)]) {
    for (anchor, name) in &structure.anchors {
        let within = |r: &Range<usize>| anchor.start <= r.start && r.end <= anchor.end;
        let maps: Vec<usize> = structure
            .composites
            .iter()
            .enumerate()
            .filter(|(_, c)| c.spans().any(|s| s == anchor))
            .map(|(i, _)| i)
            .collect();
        // Image positions that read the scalar whole (the anchor's own, or an alias's) are one
        // reader: they read the same value, so the same rule judges them alike.
        let whole = structure.sites.iter().any(|s| within(&s.span));
        if maps.is_empty() && !whole {
            continue;
        }
        let reads = |source: Source, f: &Finding| match source {
            Source::Map(i) => maps.contains(&i),
            Source::Token => whole && within(&f.span),
        };
        let edit_of = |f: &Finding| {
            f.edits()
                .iter()
                .find(|e| within(&e.range))
                .map(|e| (e.range.clone(), e.new.clone()))
        };
        let mut readers: Vec<Option<(Range<usize>, String)>> = maps
            .iter()
            .map(|&i| {
                findings
                    .iter()
                    .find(|(s, _)| *s == Source::Map(i))
                    .and_then(|(_, f)| edit_of(f))
            })
            .collect();
        if whole {
            readers.push(
                findings
                    .iter()
                    .filter(|(s, f)| *s == Source::Token && within(&f.span))
                    .find_map(|(_, f)| edit_of(f)),
            );
        }
        let Some(edit) = readers.iter().flatten().next().cloned() else {
            continue;
        };
        let alike = readers.windows(2).all(|w| w[0] == w[1]);
        // The edit belongs to the finding that holds the anchor (a finding's edits lie inside
        // it); the other readers' findings say their reference changes, and do not repeat it.
        let owner = findings.iter().position(|(source, f)| {
            reads(*source, f) && f.span.start <= edit.0.start && edit.0.end <= f.span.end
        });
        let why = match (alike, owner) {
            (true, Some(owner)) => {
                for (i, (source, finding)) in findings.iter_mut().enumerate() {
                    if i != owner && reads(*source, finding) {
                        if let Outcome::Rewrite { edits, .. } = &mut finding.outcome {
                            edits.retain(|e| !within(&e.range));
                        }
                    }
                }
                continue;
            }
            (true, None) => ReviewReason::AnchorElsewhere,
            (false, _) => ReviewReason::SharedAnchor,
        };
        let line = memchr::memchr_iter(b'\n', &text[..anchor.start]).count() + 1;
        let detail: Arc<str> = Arc::from(format!("{name} (line {line})"));
        for (source, finding) in findings.iter_mut() {
            if reads(*source, finding) && edit_of(finding).is_some() {
                finding.outcome = Outcome::Review(why);
                finding.confidence = Confidence::Review;
                finding.detail = Some(detail.clone());
            }
        }
    }
}
