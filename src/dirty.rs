//! Which files a write would touch that have uncommitted changes in a git work tree.
//!
//! Like `cargo fix`, `rename -w` refuses to overwrite work that git could not give back. We ask
//! the `git` command (`rev-parse --show-toplevel`, `status --porcelain -z`) rather than linking a
//! git library: it is on every machine that has work trees, it honours every git setting, and it
//! keeps the build lean. Without git, or outside a work tree, nothing is considered dirty.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::report::Report;

/// The files with planned edits that are modified, staged or untracked in their work tree.
pub(crate) fn dirty_files(report: &Report) -> Vec<PathBuf> {
    let mut by_root: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut roots: BTreeMap<PathBuf, Option<PathBuf>> = BTreeMap::new();
    for file in report.files.iter().filter(|f| f.original.is_some()) {
        let Ok(absolute) = std::fs::canonicalize(&file.path) else {
            continue;
        };
        let dir = absolute.parent().unwrap_or(Path::new("/")).to_path_buf();
        let root = roots
            .entry(dir.clone())
            .or_insert_with(|| toplevel(&dir))
            .clone();
        if let Some(root) = root {
            by_root.entry(root).or_default().push(absolute);
        }
    }
    let mut dirty = Vec::new();
    for (root, files) in by_root {
        let changed = changed_in(&root);
        for file in files {
            if changed.contains(&file) {
                dirty.push(file);
            }
        }
    }
    dirty
}

fn toplevel(dir: &Path) -> Option<PathBuf> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    std::fs::canonicalize(text.trim_end()).ok()
}

/// Absolute paths of modified, staged and untracked files under `root`.
fn changed_in(root: &Path) -> BTreeSet<PathBuf> {
    let Ok(out) = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
        ])
        .output()
    else {
        return BTreeSet::new();
    };
    out.stdout
        .split(|&b| b == 0)
        .filter(|entry| entry.len() > 3)
        .map(|entry| root.join(String::from_utf8_lossy(&entry[3..]).as_ref()))
        .collect()
}
