//! Which files a write would touch that git could not give back: uncommitted changes, or a state
//! git could not report.
//!
//! Like `cargo fix`, `rename -w` refuses to overwrite work that git could not give back. Work trees
//! are found by looking for `.git` above each file (a `stat` per directory, cached), then each is
//! asked once with the `git` command (`status --porcelain=v1 -z`, paths matched as bytes), rather
//! than through a linked git library: git is on every machine that has work trees, it honours the
//! user's settings (`safe.directory` among them), and the build stays lean. Files outside any work
//! tree have nothing to lose to git and count as clean.
//!
//! The guard fails closed: when git cannot be run, fails (a repository owned by another user, a
//! `.git` file pointing nowhere, an empty `.git` directory), the files of that work tree are
//! refused with git's message. Git is asked about exactly the directory holding `.git`: it may not
//! look further up (`GIT_CEILING_DIRECTORIES`), the work tree is that directory (`--work-tree`), and
//! the caller's `GIT_DIR`-style variables are removed.
//!
//! The scanned tree is not trusted: a nested repository (vendored, unpacked from an archive) may
//! carry a hostile `.git/config`. Git runs with every command it could take from there disabled:
//! `core.fsmonitor`, hooks (`core.hooksPath`, and no index write, so no `post-index-change`),
//! every clean/process filter the repository's configuration defines (each named driver is blanked;
//! `git status` runs clean filters on files whose stat data changed), external diff, pager,
//! prompts, any transport (`protocol.allow=never`, no lazy fetch) and submodule recursion. At most
//! a few work trees are asked at once, so a run over thousands does not exhaust processes or files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use crate::report::Report;

/// What git says of one file a write would touch, when that stops the write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Modified, staged or untracked.
    Uncommitted,
    /// Git could not report on the file's work tree; why, in git's words.
    Unknown { work_tree: PathBuf, reason: String },
}

/// A file that is not written, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub path: PathBuf,
    pub state: State,
}

/// The files `rename -w` must not write without `--allow-dirty`, listed by kind.
#[derive(Debug, thiserror::Error)]
pub struct Refusals(pub Vec<Refused>);

impl fmt::Display for Refusals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dirty: Vec<&Refused> = self
            .0
            .iter()
            .filter(|r| r.state == State::Uncommitted)
            .collect();
        let mut unknown: BTreeMap<(&Path, &str), Vec<&Path>> = BTreeMap::new();
        for refused in &self.0 {
            if let State::Unknown { work_tree, reason } = &refused.state {
                unknown
                    .entry((work_tree, reason))
                    .or_default()
                    .push(&refused.path);
            }
        }
        let mut first = true;
        if !dirty.is_empty() {
            write!(
                f,
                "these files have uncommitted changes; commit or stash them, or pass --allow-dirty:"
            )?;
            for refused in dirty {
                write!(f, "\n  {}", refused.path.display())?;
            }
            first = false;
        }
        for ((work_tree, reason), paths) in unknown {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(
                f,
                "git could not report the state of the work tree {}, so its files are not written \
                 (pass --allow-dirty to write them anyway); git said:",
                work_tree.display()
            )?;
            for line in reason.lines() {
                write!(f, "\n    {line}")?;
            }
            for path in paths {
                write!(f, "\n  {}", path.display())?;
            }
        }
        Ok(())
    }
}

/// Refuses the files with planned edits that have uncommitted changes, or whose state git could
/// not report.
pub fn check(report: &Report) -> Result<(), Refusals> {
    let refused = refusals(report);
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Refusals(refused))
    }
}

/// At most this many `git` processes run at once.
const AT_ONCE: usize = 8;

fn refusals(report: &Report) -> Vec<Refused> {
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
    let by_root: Vec<(PathBuf, Vec<PathBuf>)> = by_root.into_iter().collect();
    let mut refused = Vec::new();
    for batch in by_root.chunks(AT_ONCE) {
        // The filter drivers of every work tree of the batch, then their status, each all at once.
        let filters: Vec<_> = batch
            .iter()
            .map(|(root, _)| git(root, &[], &["config", "-z", "--get-regexp", r"^filter\."]))
            .collect();
        let statuses: Vec<_> = batch
            .iter()
            .zip(filters)
            .map(|((root, _), child)| {
                let drivers = filter_drivers(child)?;
                let mut blank = Vec::new();
                for driver in &drivers {
                    for (key, value) in [("clean", ""), ("process", ""), ("required", "false")] {
                        let mut arg = OsString::from("filter.");
                        arg.push(driver);
                        arg.push(format!(".{key}={value}"));
                        blank.push(arg);
                    }
                }
                Ok(git(
                    root,
                    &blank,
                    &[
                        "status",
                        "--porcelain=v1",
                        "-z",
                        "--untracked-files=all",
                        "--no-renames",
                        "--ignore-submodules=all",
                        "--no-ahead-behind",
                    ],
                ))
            })
            .collect();
        for ((root, files), status) in batch.iter().zip(statuses) {
            match status.and_then(changed_in) {
                Ok(changed) => refused.extend(
                    files
                        .iter()
                        .filter(|f| {
                            f.strip_prefix(root)
                                .is_ok_and(|rel| changed.contains(rel.as_os_str().as_bytes()))
                        })
                        .map(|f| Refused {
                            path: f.clone(),
                            state: State::Uncommitted,
                        }),
                ),
                Err(reason) => refused.extend(files.iter().map(|f| Refused {
                    path: f.clone(),
                    state: State::Unknown {
                        work_tree: root.clone(),
                        reason: reason.clone(),
                    },
                })),
            }
        }
    }
    refused
}

/// The nearest directory at or above `dir` that holds a `.git` entry, memoised per directory.
fn work_tree(dir: &Path, cache: &mut HashMap<PathBuf, Option<PathBuf>>) -> Option<PathBuf> {
    if let Some(known) = cache.get(dir) {
        return known.clone();
    }
    let found = if std::fs::symlink_metadata(dir.join(".git")).is_ok() {
        Some(dir.to_path_buf())
    } else {
        dir.parent().and_then(|parent| work_tree(parent, cache))
    };
    cache.insert(dir.to_path_buf(), found.clone());
    found
}

/// Variables that would point git at another repository, index or work tree than the one asked.
const LOCATION_VARIABLES: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_SHALLOW_FILE",
    "GIT_GRAFT_FILE",
    "GIT_REPLACE_REF_BASE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_EXTERNAL_DIFF",
    "GIT_CONFIG",
];

/// Configuration that turns off every command git could take from the repository's own files.
const HARDENING: &[&str] = &[
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.untrackedCache=false",
    "core.pager=cat",
    "diff.external=",
    "protocol.allow=never",
    "submodule.recurse=false",
    "status.submoduleSummary=false",
];

/// Starts `git ARGS` about the work tree `root` (and only it), with `extra` configuration.
fn git(root: &Path, extra: &[OsString], args: &[&str]) -> Result<Child, String> {
    let mut command = Command::new("git");
    for variable in LOCATION_VARIABLES {
        command.env_remove(variable);
    }
    // Git may not look above `root`: an empty or broken `.git` there is an error, not the
    // repository above. A `:` in the path cannot be said in the list: refuse rather than guess.
    let parent = root.parent().unwrap_or(root);
    if parent.as_os_str().as_bytes().contains(&b':') {
        return Err(format!(
            "cannot ask git about {}: its path contains `:`",
            root.display()
        ));
    }
    command
        .env("GIT_CEILING_DIRECTORIES", parent)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PAGER", "cat")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_NO_LAZY_FETCH", "1")
        .arg("-C")
        .arg(root)
        .arg("--work-tree")
        .arg(root)
        .arg("--no-optional-locks");
    for setting in HARDENING
        .iter()
        .map(OsStr::new)
        .chain(extra.iter().map(OsString::as_os_str))
    {
        command.arg("-c").arg(setting);
    }
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))
}

fn finish(child: Result<Child, String>) -> Result<Output, String> {
    child?
        .wait_with_output()
        .map_err(|e| format!("cannot run git: {e}"))
}

fn failure(out: &Output) -> String {
    let said = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if said.is_empty() {
        format!("git failed ({})", out.status)
    } else {
        said
    }
}

/// The names of the filter drivers the work tree's configuration defines (`filter.NAME.*`).
fn filter_drivers(child: Result<Child, String>) -> Result<BTreeSet<OsString>, String> {
    let out = finish(child)?;
    // `git config --get-regexp` exits 1 when nothing matches.
    if !out.status.success() && out.status.code() != Some(1) {
        return Err(failure(&out));
    }
    let mut drivers = BTreeSet::new();
    for entry in out.stdout.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let key = entry.split(|&b| b == b'\n').next().unwrap_or_default();
        let Some(rest) = key.strip_prefix(b"filter.") else {
            continue;
        };
        let Some(dot) = rest.iter().rposition(|&b| b == b'.') else {
            continue;
        };
        let name = &rest[..dot];
        // `-c NAME=VALUE` splits at the first `=`: a driver named with one cannot be blanked.
        if name.contains(&b'=') {
            return Err(format!(
                "the filter driver `{}` cannot be turned off",
                String::from_utf8_lossy(name)
            ));
        }
        drivers.insert(OsStr::from_bytes(name).to_owned());
    }
    Ok(drivers)
}

/// The paths (bytes, relative to the work tree) that are modified, staged or untracked.
fn changed_in(child: Result<Child, String>) -> Result<BTreeSet<Vec<u8>>, String> {
    let out = finish(child)?;
    if !out.status.success() {
        return Err(failure(&out));
    }
    Ok(parse_status(&out.stdout))
}

/// Parses `git status --porcelain=v1 -z --no-renames`: `XY PATH` entries ended by NUL.
fn parse_status(out: &[u8]) -> BTreeSet<Vec<u8>> {
    out.split(|&b| b == 0)
        .filter(|entry| entry.len() > 3)
        .map(|entry| entry[3..].to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_paths_are_bytes() {
        let parsed = parse_status(b" M a.yaml\0?? caf\xe9.yaml\0A  dir/new file.yaml\0");
        let want: BTreeSet<Vec<u8>> = [
            b"a.yaml".to_vec(),
            b"caf\xe9.yaml".to_vec(),
            b"dir/new file.yaml".to_vec(),
        ]
        .into_iter()
        .collect();
        assert_eq!(parsed, want);
    }

    #[test]
    fn refusals_list_uncommitted_files_and_what_git_said() {
        let refusals = Refusals(vec![
            Refused {
                path: "/r/a.yaml".into(),
                state: State::Uncommitted,
            },
            Refused {
                path: "/s/b.yaml".into(),
                state: State::Unknown {
                    work_tree: "/s".into(),
                    reason: "fatal: detected dubious ownership".into(),
                },
            },
        ]);
        let text = refusals.to_string();
        assert!(
            text.starts_with("these files have uncommitted changes"),
            "{text}"
        );
        assert!(text.contains("  /r/a.yaml\n"), "{text}");
        assert!(
            text.contains("work tree /s, so its files are not written"),
            "{text}"
        );
        assert!(
            text.contains("    fatal: detected dubious ownership\n  /s/b.yaml"),
            "{text}"
        );
    }
}
