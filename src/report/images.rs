//! `list --format images`: the mirror list — each distinct image a run found, once, fully
//! qualified (`docker.io/library/nginx:1.25`), sorted, one per line, ready for `skopeo sync`,
//! `crane copy` or an air-gapped mirror job.
//!
//! A reference is written the way a pull resolves it: a digest wins over a tag (`name@sha256:…`;
//! skopeo refuses `name:tag@digest`, and the digest is what is pulled), and a reference without
//! either is `name:latest` (a bare name in a skopeo sync source would copy every tag). References
//! whose registry is supplied elsewhere (a Helm split map with a templated or empty registry) are
//! not mirrorable as read and are counted, not listed.

use std::collections::BTreeSet;
use std::io::{self, Write};

use super::Report;
use crate::finding::{Action, Finding};

/// The mirror list of a run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MirrorList {
    /// Distinct fully qualified references, sorted.
    pub references: BTreeSet<String>,
    /// Image references found but left out: their registry or name is not known as written.
    pub excluded: usize,
}

impl MirrorList {
    pub(crate) fn render(&self, out: &mut dyn Write) -> io::Result<()> {
        for reference in &self.references {
            writeln!(out, "{reference}")?;
        }
        Ok(())
    }
}

/// What a finding pulls, fully qualified; `None` unless it is an inventoried literal reference.
pub fn mirror_reference(f: &Finding) -> Option<String> {
    if f.action() != Action::Inventory {
        return None;
    }
    let repository = f.repository.as_deref()?;
    Some(match (&f.digest, &f.tag) {
        (Some(digest), _) => format!("{repository}@{digest}"),
        (None, Some(tag)) => format!("{repository}:{tag}"),
        (None, None) => format!("{repository}:latest"),
    })
}

impl Report {
    /// The mirror list of a `list` run.
    pub fn mirror_list(&self) -> MirrorList {
        let mut list = MirrorList::default();
        for (_, f) in self.findings() {
            match mirror_reference(f) {
                Some(reference) => {
                    list.references.insert(reference);
                }
                None => list.excluded += 1,
            }
        }
        list
    }
}
