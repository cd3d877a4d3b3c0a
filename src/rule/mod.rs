//! Rename and deny rules: what a `from` pattern matches and what a matched reference becomes.
//!
//! Rules are validated as a set before any file is read (unparseable names, uppercase paths,
//! a `to` that would be matched again), then indexed so that matching one reference costs a few
//! hash look-ups however many rules there are. Pure code, no I/O.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use crate::finding::RuleInfo;
use crate::image_ref::{ImageRef, HUB, OFFICIAL_NAMESPACE, OFFICIAL_REPO_PREFIX};

mod parse;
mod setting;
mod tags;

use parse::{changes_nothing, parse_pattern, parse_target, prefix_text};
pub(crate) use setting::SettingVerdict;
use tags::{condition, Condition, Fit};
pub use tags::{TagWindow, TagWindowError};

/// A rule as the user wrote it: `from` and, for a rename, `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    pub from: String,
    pub to: Option<String>,
    /// Where the rule came from, for messages (`command line`, `reimage.toml:12`).
    pub origin: String,
    /// Why the image moved (`reason` of a `[[rename]]` rule), carried into every finding.
    pub reason: Option<String>,
    /// Only references whose tag is in this window (`>=2.0.0`, loosely read) match.
    pub tags: Option<String>,
    /// Only references with exactly this tag match.
    pub tag: Option<String>,
    /// `to` has a tag that replaces every matched reference's tag (`--set-tag`); digests are
    /// dropped, since the new tag names another manifest.
    pub set_tag: bool,
}

impl RuleSpec {
    /// A rename rule from `from` to `to`, without a reason.
    pub fn rename(
        from: impl Into<String>,
        to: impl Into<String>,
        origin: impl Into<String>,
    ) -> Self {
        RuleSpec {
            from: from.into(),
            to: Some(to.into()),
            origin: origin.into(),
            reason: None,
            tags: None,
            tag: None,
            set_tag: false,
        }
    }

    /// A deny rule: `from` is retired, with nothing to rename it to.
    pub fn deny(from: impl Into<String>, origin: impl Into<String>) -> Self {
        RuleSpec {
            from: from.into(),
            to: None,
            origin: origin.into(),
            reason: None,
            tags: None,
            tag: None,
            set_tag: false,
        }
    }
}

/// A rule that cannot be used, with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad rule `{rule}` ({origin}): {problem}")]
pub struct RuleError {
    pub rule: String,
    pub origin: String,
    pub problem: String,
}

/// What `from` selects.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// A repository with any tag or digest: `ghcr.io/gdtiti/grok2api`.
    Repository { repo: String },
    /// One tag of a repository: `nginx:1.25`.
    Tagged { repo: String, tag: String },
    /// Every repository under a registry or namespace: `k8s.gcr.io/`, `docker.io/bitnami/`.
    Prefix { domain: String, path: String },
}

/// What a matched reference becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A name, optionally with a tag, written as the user wrote it.
    Name { name: String, tag: Option<String> },
    /// A prefix (no trailing slash) that replaces the matched prefix.
    Prefix { base: String },
}

#[derive(Debug, Clone)]
struct Rule {
    spec: RuleSpec,
    pattern: Pattern,
    target: Option<Target>,
    condition: Option<Condition>,
}

/// The outcome of matching one parsed reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Replace `span` (relative to the reference text) with `replacement`.
    Rewrite {
        rule: usize,
        span: Range<usize>,
        replacement: String,
    },
    /// A deny rule matched: stale, with nothing to rewrite to.
    Denied { rule: usize },
    /// A rule with a tag condition matched the name, but the reference has no tag or one that
    /// is not a version: a human must look.
    TagUnknown { rule: usize },
}

impl Verdict {
    /// The rule that decided.
    pub(crate) fn rule(&self) -> usize {
        match self {
            Verdict::Rewrite { rule, .. }
            | Verdict::Denied { rule }
            | Verdict::TagUnknown { rule } => *rule,
        }
    }
}

/// A validated, indexed set of rules.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_repo: HashMap<String, Vec<usize>>,
    /// Prefix rules by (domain, path); more than one only when each has its own tag condition.
    by_prefix: HashMap<(String, String), Vec<usize>>,
    by_path: HashMap<String, usize>,
    /// Prefix rules by their prefix as written without the slash (`k8s.gcr.io`).
    by_bare_prefix: HashMap<String, usize>,
}

impl RuleSet {
    /// Validates every spec and builds the index. All problems are returned, not just the first.
    pub fn new(specs: Vec<RuleSpec>) -> Result<Self, Vec<RuleError>> {
        let mut errors = Vec::new();
        let mut set = RuleSet::default();
        for spec in specs {
            match Rule::new(spec) {
                Ok(rule) => set.insert(rule, &mut errors),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            set.check_chains(&mut errors);
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    fn insert(&mut self, rule: Rule, errors: &mut Vec<RuleError>) {
        let index = self.rules.len();
        if let Some(other) = self.same_pattern(&rule) {
            errors.push(rule.error(format!(
                "`{}` is already a rule ({}); keep one of them",
                other.spec.from, other.spec.origin
            )));
            return;
        }
        match &rule.pattern {
            Pattern::Repository { repo } | Pattern::Tagged { repo, .. } => {
                self.by_repo.entry(repo.clone()).or_default().push(index);
                if let Some((domain, path)) = repo.split_once('/') {
                    if domain != HUB && domain.contains(['.', ':']) && path.contains('/') {
                        self.by_path.entry(path.to_owned()).or_insert(index);
                    }
                }
            }
            Pattern::Prefix { domain, path } => {
                self.by_prefix
                    .entry((domain.clone(), path.clone()))
                    .or_default()
                    .push(index);
                self.by_bare_prefix
                    .entry(prefix_text(&rule.spec.from).to_owned())
                    .or_insert(index);
            }
        }
        self.rules.push(rule);
    }

    /// The rule already in the set with this pattern that `rule` would compete with, found
    /// through the indexes (a vendor migration can have hundreds of rules; comparing every pair
    /// was quadratic). Rules with the same pattern and different tag conditions coexist.
    fn same_pattern(&self, rule: &Rule) -> Option<&Rule> {
        let candidates = match &rule.pattern {
            Pattern::Repository { repo } | Pattern::Tagged { repo, .. } => self.by_repo.get(repo),
            Pattern::Prefix { domain, path } => self.by_prefix.get(&(domain.clone(), path.clone())),
        }?;
        candidates.iter().map(|&i| &self.rules[i]).find(|other| {
            other.pattern == rule.pattern
                && (other.condition.is_none()
                    || rule.condition.is_none()
                    || other.condition == rule.condition)
        })
    }

    /// Rejects a rule whose result another rule would rename again: runs must be idempotent.
    fn check_chains(&self, errors: &mut Vec<RuleError>) {
        for rule in &self.rules {
            let Some(result) = rule.sample_result() else {
                continue;
            };
            let Ok(parsed) = ImageRef::parse(&result) else {
                continue;
            };
            if let Some(Verdict::Rewrite { rule: other, .. }) = self.verdict(&parsed) {
                let other = &self.rules[other];
                let problem = if other.spec == rule.spec {
                    format!("`{result}` would be matched by `from` again, so every run would rename it once more; choose a `to` outside `{}`", rule.spec.from)
                } else {
                    format!("its result `{result}` is renamed again by `{}`; write the final name as `to`", other.spec.from)
                };
                errors.push(rule.error(problem));
            }
        }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every rule as reports show it, in rule-id order.
    pub fn infos(&self) -> Vec<RuleInfo> {
        self.rules
            .iter()
            .map(|r| RuleInfo {
                description: r.spec.to_string(),
                reason: r.spec.reason.clone(),
                advisory: false,
            })
            .collect()
    }

    /// The most specific rule that matches `reference`: tag, then repository, then longest prefix.
    /// A rule whose tag condition the reference's tag is outside of gives way to the next; one
    /// that cannot tell (no tag, `latest` against a version window) makes the verdict a review.
    pub(crate) fn verdict(&self, reference: &ImageRef<'_>) -> Option<Verdict> {
        self.verdict_for(reference, &reference.repository_text())
    }

    /// [`RuleSet::verdict`] when the caller already has the normalized repository.
    pub(crate) fn verdict_for(&self, reference: &ImageRef<'_>, repo: &str) -> Option<Verdict> {
        let candidates = self.by_repo.get(repo).map(Vec::as_slice).unwrap_or(&[]);
        let tagged = candidates.iter().copied().filter(|&i| {
            matches!(&self.rules[i].pattern, Pattern::Tagged { tag, .. } if Some(tag.as_str()) == reference.tag())
        });
        let exact = candidates
            .iter()
            .copied()
            .filter(|&i| matches!(self.rules[i].pattern, Pattern::Repository { .. }));
        let mut ordered = tagged.chain(exact).chain(self.prefix_matches(reference));
        ordered.find_map(|index| {
            let rule = &self.rules[index];
            match rule.condition.as_ref().map(|c| c.fit(reference.tag())) {
                Some(Fit::Outside) => None,
                Some(Fit::Unknown) => Some(Some(Verdict::TagUnknown { rule: index })),
                // A set-tag rule leaves a reference that already has its name and tag alone.
                None | Some(Fit::Inside) if rule.already_set(reference) => Some(None),
                None | Some(Fit::Inside) => Some(Some(rule.verdict(index, reference))),
            }
        })?
    }

    /// Prefix rules matching `reference`, longest prefix first.
    fn prefix_matches<'s>(&'s self, reference: &ImageRef<'_>) -> impl Iterator<Item = usize> + 's {
        let mut found = Vec::new();
        if !self.by_prefix.is_empty() {
            let domain = reference.domain().to_owned();
            let path = reference.path();
            let mut end = path.len();
            loop {
                if let Some(rules) = self
                    .by_prefix
                    .get(&(domain.clone(), path[..end].to_owned()))
                {
                    found.extend(rules.iter().copied());
                }
                if end == 0 {
                    break;
                }
                end = path[..end].rfind('/').unwrap_or(0);
            }
        }
        found.into_iter()
    }

    /// Whether rule `index` applies to some tags only (`tags`, `tag`).
    pub(crate) fn has_tag_condition(&self, index: usize) -> bool {
        self.rules.get(index).is_some_and(|r| r.condition.is_some())
    }

    /// Whether rule `index` puts its tag on every reference (`--set-tag`).
    pub(crate) fn sets_tag(&self, index: usize) -> bool {
        self.rules.get(index).is_some_and(|r| r.spec.set_tag)
    }

    /// Whether rule `index` selects whole registries or namespaces (`docker.io/`,
    /// `docker.io/library/`) rather than naming a repository.
    pub(crate) fn is_prefix(&self, index: usize) -> bool {
        matches!(self.rules[index].pattern, Pattern::Prefix { .. })
    }

    /// Whether rule `index` names one tag (`nginx:1.25`).
    pub(crate) fn is_tagged(&self, index: usize) -> bool {
        matches!(self.rules[index].pattern, Pattern::Tagged { .. })
    }

    /// Whether `written`, the literal path after a templated registry or owner
    /// (`${REGISTRY}/o/app` → `o/app`), is or lies under the non-empty path rule `index`
    /// names (`o/app`, a prefix's `o`; `nginx` for Docker Hub's `library/nginx`). A registry-wide
    /// rule (`docker.io/`) names no path: nothing after a templated registry matches it.
    pub(crate) fn names_literal_path(&self, index: usize, written: &str) -> bool {
        let (domain, path) = match &self.rules[index].pattern {
            Pattern::Repository { repo } | Pattern::Tagged { repo, .. } => {
                repo.split_once('/').unwrap_or(("", repo))
            }
            Pattern::Prefix { domain, path } => (domain.as_str(), path.as_str()),
        };
        let under = |p: &str| {
            !p.is_empty()
                && (written == p
                    || written
                        .strip_prefix(p)
                        .is_some_and(|rest| rest.starts_with('/')))
        };
        under(path) || (domain == HUB && path.strip_prefix("library/").is_some_and(under))
    }

    /// A rule whose repository path equals this domain-less reference's path (`gdtiti/grok2api`
    /// for `ghcr.io/gdtiti/grok2api`): the registry is written elsewhere, so a human must look.
    pub(crate) fn path_only(&self, reference: &ImageRef<'_>) -> Option<usize> {
        if reference.has_written_domain() {
            return None;
        }
        self.by_path.get(reference.written_path()).copied()
    }

    /// Literal strings of which at least one occurs in any written form of a matching reference.
    /// `None` when some rule matches names with no fixed text (every Docker Hub image).
    pub(crate) fn needles(&self) -> Option<Vec<String>> {
        let mut needles = Vec::new();
        for rule in &self.rules {
            needles.push(rule.needle()?);
        }
        needles.sort();
        needles.dedup();
        Some(needles)
    }
}

impl Rule {
    fn new(spec: RuleSpec) -> Result<Self, RuleError> {
        let pattern = parse_pattern(&spec.from).map_err(|p| error_for(&spec, p))?;
        let condition = condition(&spec, &pattern).map_err(|p| error_for(&spec, p))?;
        let retags = spec.set_tag || matches!(condition, Some(Condition::Exact(_)));
        let target = match &spec.to {
            None => None,
            Some(to) => Some(parse_target(&pattern, to, retags).map_err(|p| error_for(&spec, p))?),
        };
        if spec.set_tag && !matches!(target, Some(Target::Name { tag: Some(_), .. })) {
            return Err(error_for(
                &spec,
                "--set-tag needs a tag in `to` (`nginx:1.27`), and `from` a repository".to_owned(),
            ));
        }
        if let Some(target) = &target {
            if let Some(problem) = changes_nothing(&pattern, target) {
                return Err(error_for(&spec, problem));
            }
        }
        Ok(Rule {
            spec,
            pattern,
            target,
            condition,
        })
    }

    /// Whether a set-tag rule's result is already there: the target's repository and tag.
    fn already_set(&self, reference: &ImageRef<'_>) -> bool {
        match &self.target {
            Some(Target::Name {
                name,
                tag: Some(tag),
            }) if self.spec.set_tag => {
                reference.tag() == Some(tag.as_str())
                    && parse::normalized(name) == reference.repository()
            }
            _ => false,
        }
    }

    fn error(&self, problem: String) -> RuleError {
        error_for(&self.spec, problem)
    }

    fn verdict(&self, index: usize, reference: &ImageRef<'_>) -> Verdict {
        let Some(target) = &self.target else {
            return Verdict::Denied { rule: index };
        };
        let (span, replacement) = match (target, &self.pattern) {
            (
                Target::Name {
                    name,
                    tag: Some(tag),
                },
                _,
            ) if self.spec.set_tag => {
                // The new tag names another manifest: a digest would contradict it. The same
                // image keeps its name as written; only the tag (and digest) change.
                let end = reference.text().len();
                if parse::normalized(name) == reference.repository() {
                    (reference.name_span().end..end, format!(":{tag}"))
                } else {
                    (reference.name_span().start..end, format!("{name}:{tag}"))
                }
            }
            (
                Target::Name {
                    name,
                    tag: Some(tag),
                },
                _,
            ) => (reference.name_tag_span(), format!("{name}:{tag}")),
            (Target::Name { name, tag: None }, _) => (reference.name_span(), name.clone()),
            (Target::Prefix { base }, Pattern::Prefix { path, .. }) => {
                let full = reference.path();
                let rest = full[path.len()..].trim_start_matches('/');
                let replacement = if rest.is_empty() {
                    base.clone()
                } else {
                    format!("{base}/{rest}")
                };
                (reference.name_span(), replacement)
            }
            (Target::Prefix { .. }, _) => {
                unreachable!("prefix targets only follow prefix patterns")
            }
        };
        Verdict::Rewrite {
            rule: index,
            span,
            replacement,
        }
    }

    /// What a typical matched reference becomes, to test the rule set for re-matches.
    fn sample_result(&self) -> Option<String> {
        match self.target.as_ref()? {
            Target::Name { name, tag } => Some(match tag {
                Some(tag) => format!("{name}:{tag}"),
                None => name.clone(),
            }),
            Target::Prefix { base } => Some(format!("{base}/reimage-probe")),
        }
    }

    fn needle(&self) -> Option<String> {
        match &self.pattern {
            Pattern::Repository { repo } | Pattern::Tagged { repo, .. } => {
                let (domain, path) = repo.split_once('/').unwrap_or(("", repo));
                Some(match domain {
                    // Hub names may drop `docker.io/` and `library/`; the last component stays.
                    HUB => match path.strip_prefix(OFFICIAL_REPO_PREFIX) {
                        Some(short) => short.to_owned(),
                        None => path.to_owned(),
                    },
                    // `REPOSITORY=owner/app` (path-only, reviewed) still contains a two-part path;
                    // a one-part path is only searched with its registry (`k8s.gcr.io/pause`).
                    _ if path.contains('/') => path.to_owned(),
                    _ => repo.clone(),
                })
            }
            Pattern::Prefix { domain, path } => match (domain.as_str(), path.as_str()) {
                (HUB, "" | OFFICIAL_NAMESPACE) => None,
                (_, "") => Some(domain.clone()),
                (_, path) => Some(path.to_owned()),
            },
        }
    }
}

fn error_for(spec: &RuleSpec, problem: String) -> RuleError {
    let rule = match &spec.to {
        Some(_) => spec.to_string(),
        None => spec.from.clone(),
    };
    RuleError {
        rule,
        origin: spec.origin.clone(),
        problem,
    }
}

impl fmt::Display for RuleSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.to {
            Some(to) => write!(f, "{} → {to}", self.from)?,
            None => write!(f, "deny {}", self.from)?,
        }
        if let Some(window) = &self.tags {
            write!(f, " (tags {window})")?;
        }
        if let Some(tag) = &self.tag {
            write!(f, " (tag {tag})")?;
        }
        if self.set_tag {
            write!(f, " (set tag)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
