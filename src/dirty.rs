//! Which files a write would touch that have uncommitted changes in a git work tree.
//!
//! Like `cargo fix`, `rename -w` refuses to overwrite work that git could not give back. Work trees
//! are found by looking for `.git` above each file (a `stat` per directory, cached), then each is
//! asked once with the `git` command (`status --porcelain -z`), rather than through a linked git
//! library: git is on every machine that has work trees, it honours every git setting, and the
//! build stays lean. Without git, or outside a work tree, nothing is considered dirty.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::report::Report;

/// The files with planned edits that are modified, staged or untracked in their work tree.
pub fn dirty_files(report: &Report) -> Vec<PathBuf> {
    let mut roots: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    let mut by_root: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for file in report.files.iter().filter(|f| f.original.is_some()) {
        let Ok(absolute) = std::fs::canonicalize(&file.path) else {
            continue;
        };
        let Some(dir) = absolute.parent() else {
            continue;
        };
        if let Some(root) = work_tree(dir, &mut roots) {
            by_root.entry(root).or_default().push(absolute);
        }
    }
    // One `git status` per work tree, all started before any is awaited.
    let running: Vec<_> = by_root
        .into_iter()
        .map(|(root, files)| (status(&root), root, files))
        .collect();
    let mut dirty = Vec::new();
    for (child, root, files) in running {
        let changed = changed_in(&root, child);
        dirty.extend(files.into_iter().filter(|f| changed.contains(f)));
    }
    dirty
}

/// The nearest directory at or above `dir` that holds a `.git` entry, memoised per directory.
fn work_tree(dir: &Path, cache: &mut HashMap<PathBuf, Option<PathBuf>>) -> Option<PathBuf> {
    if let Some(known) = cache.get(dir) {
        return known.clone();
    }
    let found = if dir.join(".git").exists() {
        Some(dir.to_path_buf())
    } else {
        dir.parent().and_then(|parent| work_tree(parent, cache))
    };
    cache.insert(dir.to_path_buf(), found.clone());
    found
}

fn status(root: &Path) -> Option<std::process::Child> {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

/// Absolute paths of modified, staged and untracked files under `root` (empty if git fails).
fn changed_in(root: &Path, child: Option<std::process::Child>) -> BTreeSet<PathBuf> {
    let Some(Ok(out)) = child.map(std::process::Child::wait_with_output) else {
        return BTreeSet::new();
    };
    if !out.status.success() {
        return BTreeSet::new();
    }
    out.stdout
        .split(|&b| b == 0)
        .filter(|entry| entry.len() > 3)
        .map(|entry| root.join(String::from_utf8_lossy(&entry[3..]).as_ref()))
        .collect()
}
