//! YAML anchors that several references read (`registry: &reg ghcr.io` in one map, `registry:
//! *reg` in others): the anchored scalar is edited once, for all of them, so a rewrite may edit it
//! only when every reference that reads it would be edited the same way. Otherwise the findings
//! that would edit it become review findings naming the anchor, and nothing moves silently.

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

/// Turns the findings that would edit a shared anchor differently from another of its readers
/// into review findings (`SharedAnchor`, naming the anchor and its line).
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
        if maps.len() + usize::from(whole) < 2 {
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
        let edited = readers.iter().any(Option::is_some);
        let alike = readers.windows(2).all(|w| w[0] == w[1]);
        if !edited || alike {
            continue;
        }
        let line = memchr::memchr_iter(b'\n', &text[..anchor.start]).count() + 1;
        let detail: Arc<str> = Arc::from(format!("{name} (line {line})"));
        for (source, finding) in findings.iter_mut() {
            if reads(*source, finding) && edit_of(finding).is_some() {
                finding.outcome = Outcome::Review(ReviewReason::SharedAnchor);
                finding.confidence = Confidence::Review;
                finding.detail = Some(detail.clone());
            }
        }
    }
}
