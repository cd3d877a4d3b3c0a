//! The plan: every file's findings and the byte splices they imply, computed before any write.
//!
//! Check, preview, diff, JSON and `--write` all consume the same plan.

use std::ops::Range;
use std::path::PathBuf;

use crate::finding::Finding;

/// One file's findings and, when something changes, the bytes before and after.
#[derive(Debug, Clone)]
pub struct FilePlan {
    pub path: PathBuf,
    pub findings: Vec<Finding>,
    /// The bytes as read; kept only when there are edits.
    pub original: Option<Vec<u8>>,
}

impl FilePlan {
    /// Builds the plan of one file, copying its bytes only if something would change.
    pub(crate) fn new(path: PathBuf, findings: Vec<Finding>, bytes: &[u8]) -> Self {
        let changes = findings.iter().any(|f| !f.edits().is_empty());
        FilePlan {
            path,
            findings,
            original: changes.then(|| bytes.to_vec()),
        }
    }

    /// The edits, in file order: byte range and replacement.
    pub fn edits(&self) -> Vec<(&Range<usize>, &str)> {
        let mut edits: Vec<_> = self
            .findings
            .iter()
            .flat_map(|f| f.edits().iter().map(|e| (&e.range, e.new.as_str())))
            .collect();
        edits.sort_by_key(|(range, _)| (range.start, range.end));
        // Maps that share a YAML anchor carry the same edit of it: it is made once.
        edits.dedup();
        edits
    }

    /// The file's bytes after the edits, or `None` when nothing changes.
    pub fn rewritten(&self) -> Option<Vec<u8>> {
        let original = self.original.as_ref()?;
        Some(splice(original, self.edits().into_iter()))
    }
}

/// Applies non-overlapping edits (in increasing order) to `original`; other bytes are copied as is.
pub(crate) fn splice<'a>(
    original: &[u8],
    edits: impl Iterator<Item = (&'a Range<usize>, &'a str)>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(original.len() + 64);
    let mut at = 0;
    for (range, replacement) in edits {
        debug_assert!(range.start >= at, "edits are sorted and disjoint");
        out.extend_from_slice(&original[at..range.start]);
        out.extend_from_slice(replacement.as_bytes());
        at = range.end;
    }
    out.extend_from_slice(&original[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_keeps_every_byte_outside_edits() {
        let original = b"\xef\xbb\xbfimage: a/b\r\nx: \xe9\r\nimage: a/b";
        let edits = [(10..13, "c/d-e"), (28..31, "c/d-e")];
        let out = splice(original, edits.iter().map(|(r, s)| (r, *s)));
        assert_eq!(
            out,
            b"\xef\xbb\xbfimage: c/d-e\r\nx: \xe9\r\nimage: c/d-e".to_vec()
        );
    }

    #[test]
    fn splice_without_edits_is_identity() {
        assert_eq!(splice(b"abc", std::iter::empty()), b"abc".to_vec());
    }
}
