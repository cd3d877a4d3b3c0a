//! Tag windows (`>=v0.42.0`, `>=2.0.0 <3.0.0`): which tags of a repository a move covers — a
//! catalog entry's `tags`, and a `[[rename]]` rule's — and a rule's tag condition (a window or
//! one exact tag) with what it says of a reference: inside, outside, or cannot tell.
//!
//! Tags are read loosely, the way images are tagged rather than the way semver is written: a
//! leading `v`, one to three numeric parts, and a suffix that is a pre-release only when it
//! starts with a pre-release word (`-rc.1`, `-beta`) — `2.3.0-debian-12-r4` is release 2.3.0.

use std::cmp::Ordering;
use std::fmt;

use super::{Pattern, RuleSpec};

/// A conjunction of comparisons, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagWindow {
    text: String,
    bounds: Vec<(Op, Version)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

/// A loosely parsed version: numbers, and whether it is a pre-release.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Version {
    numbers: [u64; 3],
    pre: bool,
}

/// A window that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a tag window ({problem}); write e.g. `>=v0.42.0` or `>=2.0.0 <3.0.0`")]
pub struct TagWindowError {
    text: String,
    problem: String,
}

impl TagWindow {
    pub fn parse(text: &str) -> Result<Self, TagWindowError> {
        let error = |problem: String| TagWindowError {
            text: text.to_owned(),
            problem,
        };
        let mut bounds = Vec::new();
        for word in text.split([' ', ',']).filter(|w| !w.is_empty()) {
            let (op, rest) = [
                (">=", Op::Ge),
                ("<=", Op::Le),
                (">", Op::Gt),
                ("<", Op::Lt),
                ("=", Op::Eq),
            ]
            .into_iter()
            .find_map(|(p, op)| word.strip_prefix(p).map(|r| (op, r)))
            .unwrap_or((Op::Eq, word));
            let version =
                Version::parse(rest).ok_or_else(|| error(format!("`{rest}` is not a version")))?;
            bounds.push((op, version));
        }
        if bounds.is_empty() {
            return Err(error("it is empty".to_owned()));
        }
        Ok(TagWindow {
            text: text.to_owned(),
            bounds,
        })
    }

    /// Whether `tag` reads as a version at all (`v2.3.0-debian-12-r4`, `1.29`; not `latest`).
    pub fn is_version(tag: &str) -> bool {
        Version::parse(tag).is_some()
    }

    /// Whether `tag` is inside the window; a tag that is not a version (`latest`) never is.
    pub fn contains(&self, tag: &str) -> bool {
        let Some(version) = Version::parse(tag) else {
            return false;
        };
        self.bounds.iter().all(|(op, bound)| {
            let order = version.cmp(bound);
            match op {
                Op::Ge => order != Ordering::Less,
                Op::Gt => order == Ordering::Greater,
                Op::Le => order != Ordering::Greater,
                Op::Lt => order == Ordering::Less,
                Op::Eq => order == Ordering::Equal,
            }
        })
    }
}

impl fmt::Display for TagWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

const PRE_RELEASE: &[&str] = &["alpha", "beta", "rc", "pre", "dev", "snapshot"];

impl Version {
    fn parse(tag: &str) -> Option<Version> {
        let tag = tag.strip_prefix(['v', 'V']).unwrap_or(tag);
        let end = tag
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(tag.len());
        let (core, suffix) = tag.split_at(end);
        let core = core.trim_end_matches('.');
        let mut numbers = [0; 3];
        for (slot, part) in numbers.iter_mut().zip(core.split('.')) {
            *slot = part.parse().ok()?;
        }
        let word = suffix
            .trim_start_matches(['-', '.', '+', '_'])
            .to_ascii_lowercase();
        let pre = PRE_RELEASE.iter().any(|p| word.starts_with(p));
        Some(Version { numbers, pre })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers
            .cmp(&other.numbers)
            // A release comes after its pre-releases.
            .then(other.pre.cmp(&self.pre))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Which tags a rule takes (`tags`, `tag`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Condition {
    Window(TagWindow),
    Exact(String),
}

/// What a rule's tag condition says of a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fit {
    Inside,
    Outside,
    /// The reference has no tag, or one that is not a version: a human must look.
    Unknown,
}

impl Condition {
    pub(super) fn fit(&self, tag: Option<&str>) -> Fit {
        let Some(tag) = tag else {
            return Fit::Unknown;
        };
        match self {
            Condition::Exact(want) if want == tag => Fit::Inside,
            Condition::Exact(_) => Fit::Outside,
            Condition::Window(w) if w.contains(tag) => Fit::Inside,
            Condition::Window(_) if TagWindow::is_version(tag) => Fit::Outside,
            Condition::Window(_) => Fit::Unknown,
        }
    }
}

/// The tag condition of a spec (`tags` or `tag`), checked against its pattern.
pub(super) fn condition(spec: &RuleSpec, pattern: &Pattern) -> Result<Option<Condition>, String> {
    let condition = match (&spec.tags, &spec.tag) {
        (Some(_), Some(_)) => {
            return Err("give `tags` (a window) or `tag` (one tag), not both".to_owned())
        }
        (Some(window), None) => Some(Condition::Window(
            TagWindow::parse(window).map_err(|e| format!("tags: {e}"))?,
        )),
        (None, Some(tag)) if tag.is_empty() || tag.contains(['/', '@', ':', ' ']) => {
            return Err(format!(
                "tag `{tag}` is not a tag; write e.g. `1.25` or `v2.3.0`"
            ))
        }
        (None, Some(tag)) => Some(Condition::Exact(tag.clone())),
        (None, None) => None,
    };
    if condition.is_some() {
        if let Pattern::Tagged { repo, .. } = pattern {
            return Err(format!(
                "`from` already names one tag; write `from = \"{repo}\"` with `tags`, or drop `tags`"
            ));
        }
    }
    Ok(condition)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_reads_loose_tags() {
        let w = TagWindow::parse(">=v0.42.0").unwrap();
        for inside in ["v0.42.0", "v0.43.1", "0.50", "v1.0.0-debian-12-r4", "v2"] {
            assert!(w.contains(inside), "{inside}");
        }
        for outside in ["v0.41.9", "v0.42.0-rc.1", "latest", "", "v0.9"] {
            assert!(!w.contains(outside), "{outside}");
        }
    }

    #[test]
    fn window_combines_bounds() {
        let w = TagWindow::parse(">=2.0.0 <3.0.0").unwrap();
        assert!(w.contains("2.9.9"));
        assert!(!w.contains("3.0.0"));
        assert!(!w.contains("1.9"));
        let exact = TagWindow::parse("=1.2.3").unwrap();
        assert!(exact.contains("v1.2.3") && !exact.contains("1.2.4"));
    }

    #[test]
    fn window_rejects_non_versions() {
        assert!(TagWindow::parse(">=latest").is_err());
        assert!(TagWindow::parse("  ").is_err());
    }
}
