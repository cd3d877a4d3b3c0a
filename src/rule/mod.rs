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
mod tags;

use parse::{changes_nothing, parse_pattern, parse_target, prefix_text};
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

/// Which tags a rule takes (`tags`, `tag`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Condition {
    Window(TagWindow),
    Exact(String),
}

/// What a rule's tag condition says of a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    Inside,
    Outside,
    /// The reference has no tag, or one that is not a version: a human must look.
    Unknown,
}

impl Condition {
    fn fit(&self, tag: Option<&str>) -> Fit {
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

    /// Whether rule `index` puts its tag on every reference (`--set-tag`).
    pub(crate) fn sets_tag(&self, index: usize) -> bool {
        self.rules.get(index).is_some_and(|r| r.spec.set_tag)
    }

    /// A rule whose repository path equals this domain-less reference's path (`gdtiti/grok2api`
    /// for `ghcr.io/gdtiti/grok2api`): the registry is written elsewhere, so a human must look.
    pub(crate) fn path_only(&self, reference: &ImageRef<'_>) -> Option<usize> {
        if reference.has_written_domain() {
            return None;
        }
        self.by_path.get(reference.written_path()).copied()
    }

    /// A prefix rule whose prefix is exactly `value` (`k8s.gcr.io` in a Helm `registry:`), and
    /// the text to write instead.
    /// A prefix rule with a tag condition is not one: a bare registry has no tag to test.
    pub(crate) fn bare_prefix(&self, value: &str) -> Option<(usize, Option<String>)> {
        let &index = self.by_bare_prefix.get(value)?;
        if self.rules[index].condition.is_some() {
            return None;
        }
        let to = match &self.rules[index].target {
            Some(Target::Prefix { base }) => Some(base.clone()),
            _ => None,
        };
        Some((index, to))
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

/// The tag condition of a spec (`tags` or `tag`), checked against its pattern.
fn condition(spec: &RuleSpec, pattern: &Pattern) -> Result<Option<Condition>, String> {
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
                "`from` already names one tag; write `from = \"{}\"` with `tags`, or drop `tags`",
                repo
            ));
        }
    }
    Ok(condition)
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
mod tests {
    use super::*;

    fn spec(from: &str, to: &str) -> RuleSpec {
        RuleSpec::rename(from, to, "test")
    }

    fn rules(pairs: &[(&str, &str)]) -> RuleSet {
        RuleSet::new(pairs.iter().map(|(f, t)| spec(f, t)).collect()).unwrap()
    }

    /// Applies the verdict to `text` the way the planner splices it.
    fn rename(set: &RuleSet, text: &str) -> Option<String> {
        let reference = ImageRef::parse(text).ok()?;
        match set.verdict(&reference)? {
            Verdict::Rewrite {
                span, replacement, ..
            } => Some(format!(
                "{}{replacement}{}",
                &text[..span.start],
                &text[span.end..]
            )),
            Verdict::Denied { .. } | Verdict::TagUnknown { .. } => None,
        }
    }

    #[test]
    fn repository_rule_keeps_tag_and_digest() {
        let set = rules(&[("ghcr.io/gdtiti/grok2api", "ghcr.io/gdtiti/grok2api-api")]);
        let digest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            rename(&set, "ghcr.io/gdtiti/grok2api:v1.0.0").unwrap(),
            "ghcr.io/gdtiti/grok2api-api:v1.0.0"
        );
        assert_eq!(
            rename(&set, &format!("ghcr.io/gdtiti/grok2api:main@{digest}")).unwrap(),
            format!("ghcr.io/gdtiti/grok2api-api:main@{digest}")
        );
        assert_eq!(
            rename(&set, "ghcr.io/gdtiti/grok2api").unwrap(),
            "ghcr.io/gdtiti/grok2api-api"
        );
    }

    #[test]
    fn repository_rule_skips_siblings_and_other_owners() {
        let set = rules(&[("ghcr.io/gdtiti/grok2api", "ghcr.io/gdtiti/grok2api-api")]);
        for decoy in [
            "ghcr.io/gdtiti/grok2api-api",
            "ghcr.io/gdtiti/grok2api2",
            "ghcr.io/gdtiti/grok2api/sub",
            "xgdtiti/grok2api",
            "ghcr.io/chenyme/grok2api",
            "github.com/gdtiti/grok2api",
            "docker.io/gdtiti/grok2api",
        ] {
            assert_eq!(rename(&set, decoy), None, "{decoy}");
        }
    }

    #[test]
    fn hub_names_match_however_spelled() {
        let set = rules(&[("nginx", "ghcr.io/acme/nginx")]);
        for written in [
            "nginx",
            "library/nginx",
            "docker.io/nginx",
            "docker.io/library/nginx",
            "index.docker.io/library/nginx",
        ] {
            assert_eq!(
                rename(&set, &format!("{written}:1.25")).unwrap(),
                "ghcr.io/acme/nginx:1.25",
                "{written}"
            );
        }
        for other in [
            "ghcr.io/x/nginx",
            "ingress-nginx",
            "nginx-slim",
            "bitnami/nginx",
        ] {
            assert_eq!(rename(&set, other), None, "{other}");
        }
    }

    #[test]
    fn tagged_rule_matches_only_that_tag_and_replaces_it() {
        let set = rules(&[("nginx:1.25", "nginx:1.27")]);
        assert_eq!(rename(&set, "nginx:1.25").unwrap(), "nginx:1.27");
        assert_eq!(
            rename(&set, "docker.io/library/nginx:1.25").unwrap(),
            "nginx:1.27"
        );
        assert_eq!(rename(&set, "nginx:1.26"), None);
        assert_eq!(rename(&set, "nginx"), None);
    }

    #[test]
    fn tagged_rule_wins_over_repository_rule() {
        let set = rules(&[
            ("nginx", "ghcr.io/a/nginx"),
            ("nginx:1.25", "ghcr.io/b/nginx:1.25"),
        ]);
        assert_eq!(rename(&set, "nginx:1.25").unwrap(), "ghcr.io/b/nginx:1.25");
        assert_eq!(rename(&set, "nginx:1.24").unwrap(), "ghcr.io/a/nginx:1.24");
    }

    #[test]
    fn prefix_rule_moves_whole_components_only() {
        let set = rules(&[("k8s.gcr.io/", "registry.k8s.io/")]);
        assert_eq!(
            rename(&set, "k8s.gcr.io/pause:3.9").unwrap(),
            "registry.k8s.io/pause:3.9"
        );
        assert_eq!(
            rename(&set, "k8s.gcr.io/ingress-nginx/controller:v1").unwrap(),
            "registry.k8s.io/ingress-nginx/controller:v1"
        );
        assert_eq!(rename(&set, "xk8s.gcr.io/pause"), None);
        assert_eq!(rename(&set, "k8s.gcr.io.evil.com/pause"), None);
        assert_eq!(
            set.bare_prefix("k8s.gcr.io"),
            Some((0, Some("registry.k8s.io".into())))
        );
    }

    #[test]
    fn namespace_prefix_on_docker_hub() {
        let set = rules(&[("docker.io/bitnami/*", "docker.io/bitnamilegacy/")]);
        assert_eq!(
            rename(&set, "bitnami/redis:7.2").unwrap(),
            "docker.io/bitnamilegacy/redis:7.2"
        );
        assert_eq!(rename(&set, "bitnamix/redis"), None);
        assert_eq!(rename(&set, "redis"), None);
    }

    #[test]
    fn whole_registry_prefix_spells_out_library() {
        let set = rules(&[("docker.io/", "mirror.gcr.io/")]);
        assert_eq!(
            rename(&set, "nginx:1.25").unwrap(),
            "mirror.gcr.io/library/nginx:1.25"
        );
        assert_eq!(
            rename(&set, "bitnami/redis").unwrap(),
            "mirror.gcr.io/bitnami/redis"
        );
        assert_eq!(rename(&set, "ghcr.io/a/b"), None);
        assert_eq!(set.needles(), None);
    }

    #[test]
    fn namespace_value_equal_to_prefix_matches() {
        let set = rules(&[("ghcr.io/old/", "ghcr.io/new/")]);
        assert_eq!(rename(&set, "ghcr.io/old").unwrap(), "ghcr.io/new");
        assert_eq!(
            rename(&set, "ghcr.io/old/app:1").unwrap(),
            "ghcr.io/new/app:1"
        );
    }

    fn problem(from: &str, to: &str) -> String {
        let errors = RuleSet::new(vec![spec(from, to)]).unwrap_err();
        errors[0].problem.clone()
    }

    #[test]
    fn bad_rules_say_what_to_write_instead() {
        assert!(problem("ghcr.io/a/", "ghcr.io/a/legacy/").contains("matched by `from` again"));
        assert!(problem("ghcr.io/Gdtiti/grok2api", "ghcr.io/x/y")
            .contains("write `ghcr.io/gdtiti/grok2api`"));
        assert!(problem("k8s.gcr.io", "registry.k8s.io").contains("write the prefix `k8s.gcr.io/`"));
        assert!(problem("nginx", "nginx").contains("nothing would change"));
        assert!(problem("nginx:1.25", "nginx").contains("write `nginx:NEWTAG`"));
        assert!(
            problem("nginx:1.25", "docker.io/library/nginx:1.25").contains("nothing would change")
        );
        assert!(problem("k8s.gcr.io/", "k8s.gcr.io/*").contains("nothing would change"));
        assert!(problem("docker.io/", "index.docker.io/").contains("nothing would change"));
        assert!(problem("ghcr.io/a/b", "ghcr.io/a/b").contains("nothing would change"));
        // Changing only the tag is a change.
        assert!(RuleSet::new(vec![spec("nginx:1.25", "nginx:1.27")]).is_ok());
        assert!(problem("nginx", "ghcr.io/a/nginx:1").contains("tags are kept"));
        assert!(problem("https://ghcr.io/a", "ghcr.io/b").contains("not an image reference"));
        assert!(problem("nginx:*", "caddy").contains("every tag and digest; write `nginx`"));
    }

    #[test]
    fn the_same_pattern_twice_is_rejected_with_the_first_rule_named() {
        let mut first = spec("nginx", "ghcr.io/a/nginx");
        first.origin = "reimage.toml:3".into();
        let specs = vec![
            first,
            spec("ghcr.io/b/app", "ghcr.io/c/app"),
            // Another spelling of the same repository.
            spec("docker.io/library/nginx", "ghcr.io/b/nginx"),
        ];
        let errors = RuleSet::new(specs).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].rule, "docker.io/library/nginx → ghcr.io/b/nginx");
        assert!(
            errors[0]
                .problem
                .contains("`nginx` is already a rule (reimage.toml:3)"),
            "{errors:?}"
        );
    }

    #[test]
    fn chained_rules_are_rejected() {
        let errors =
            RuleSet::new(vec![spec("a/one", "a/two"), spec("a/two", "a/three")]).unwrap_err();
        assert!(
            errors[0].problem.contains("renamed again by `a/two`"),
            "{errors:?}"
        );
    }

    fn conditioned(from: &str, to: &str, tags: Option<&str>, tag: Option<&str>) -> RuleSpec {
        RuleSpec {
            tags: tags.map(str::to_owned),
            tag: tag.map(str::to_owned),
            ..spec(from, to)
        }
    }

    fn set_tag(from: &str, to: &str) -> RuleSpec {
        RuleSpec {
            set_tag: true,
            ..spec(from, to)
        }
    }

    fn verdict_of(set: &RuleSet, text: &str) -> Option<Verdict> {
        set.verdict(&ImageRef::parse(text).unwrap())
    }

    #[test]
    fn tag_window_selects_references_by_loosely_read_tags() {
        let set = RuleSet::new(vec![conditioned(
            "quay.io/coreos/prometheus-operator",
            "quay.io/prometheus-operator/prometheus-operator",
            Some(">=v0.43.0"),
            None,
        )])
        .unwrap();
        assert_eq!(
            rename(&set, "quay.io/coreos/prometheus-operator:v0.44.1").unwrap(),
            "quay.io/prometheus-operator/prometheus-operator:v0.44.1"
        );
        assert_eq!(
            rename(&set, "quay.io/coreos/prometheus-operator:0.43").unwrap(),
            "quay.io/prometheus-operator/prometheus-operator:0.43"
        );
        // Before the window: not this rule's.
        assert_eq!(
            verdict_of(&set, "quay.io/coreos/prometheus-operator:v0.42.1"),
            None
        );
        assert_eq!(
            verdict_of(&set, "quay.io/coreos/prometheus-operator:v0.43.0-rc.1"),
            None
        );
        // No tag, or a tag that is not a version: a human must look.
        for unknown in [
            "quay.io/coreos/prometheus-operator",
            "quay.io/coreos/prometheus-operator:latest",
            "quay.io/coreos/prometheus-operator@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            assert_eq!(
                verdict_of(&set, unknown),
                Some(Verdict::TagUnknown { rule: 0 }),
                "{unknown}"
            );
        }
    }

    #[test]
    fn bitnami_style_tags_and_exact_tags() {
        let set = RuleSet::new(vec![
            conditioned("bitnami/redis", "bitnamilegacy/redis", Some("<7.4"), None),
            conditioned(
                "bitnami/postgresql",
                "bitnamilegacy/postgresql",
                None,
                Some("16.2.0-debian-12-r4"),
            ),
        ])
        .unwrap();
        assert_eq!(
            rename(&set, "bitnami/redis:7.2.4-debian-12-r4").unwrap(),
            "bitnamilegacy/redis:7.2.4-debian-12-r4"
        );
        assert_eq!(verdict_of(&set, "bitnami/redis:7.4.0-debian-12-r0"), None);
        assert_eq!(
            rename(&set, "bitnami/postgresql:16.2.0-debian-12-r4").unwrap(),
            "bitnamilegacy/postgresql:16.2.0-debian-12-r4"
        );
        assert_eq!(
            verdict_of(&set, "bitnami/postgresql:16.2.0-debian-12-r5"),
            None
        );
    }

    #[test]
    fn windows_of_one_name_coexist_and_fall_through_to_a_prefix() {
        let set = RuleSet::new(vec![
            conditioned("ghcr.io/a/app", "ghcr.io/b/app", Some("<2"), None),
            conditioned("ghcr.io/a/app", "ghcr.io/c/app", Some(">=2"), None),
            spec("ghcr.io/a/", "ghcr.io/z/"),
        ])
        .unwrap();
        assert_eq!(
            rename(&set, "ghcr.io/a/app:1.9").unwrap(),
            "ghcr.io/b/app:1.9"
        );
        assert_eq!(
            rename(&set, "ghcr.io/a/app:2.0").unwrap(),
            "ghcr.io/c/app:2.0"
        );
        assert_eq!(
            rename(&set, "ghcr.io/a/other:1").unwrap(),
            "ghcr.io/z/other:1"
        );
        // The same window twice, or a window beside an unconditional rule, is a duplicate.
        let twice = RuleSet::new(vec![
            conditioned("ghcr.io/a/app", "ghcr.io/b/app", Some("<2"), None),
            conditioned("ghcr.io/a/app", "ghcr.io/c/app", Some("<2"), None),
        ]);
        assert!(twice.unwrap_err()[0].problem.contains("already a rule"));
        let beside = RuleSet::new(vec![
            spec("ghcr.io/a/app", "ghcr.io/b/app"),
            conditioned("ghcr.io/a/app", "ghcr.io/c/app", Some("<2"), None),
        ]);
        assert!(beside.unwrap_err()[0].problem.contains("already a rule"));
    }

    #[test]
    fn bad_conditions_are_rejected_with_advice() {
        let problem = |s: RuleSpec| RuleSet::new(vec![s]).unwrap_err()[0].problem.clone();
        assert!(problem(conditioned("a/b", "a/c", Some(">=soon"), None)).contains("tags:"));
        assert!(problem(conditioned("a/b", "a/c", Some("1"), Some("1"))).contains("not both"));
        assert!(problem(conditioned("a/b:1", "a/c", Some(">=1"), None))
            .contains("already names one tag"));
        assert!(problem(conditioned("a/b", "a/c", None, Some("a:b"))).contains("is not a tag"));
        assert!(problem(set_tag("nginx", "caddy")).contains("--set-tag needs a tag"));
        assert!(
            problem(set_tag("k8s.gcr.io/", "registry.k8s.io/")).contains("--set-tag needs a tag")
        );
        assert!(problem(spec("nginx", "nginx:1.27")).contains("add --set-tag"));
    }

    #[test]
    fn set_tag_puts_one_tag_everywhere_and_drops_digests() {
        let set = RuleSet::new(vec![set_tag("nginx", "nginx:1.27")]).unwrap();
        let digest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(rename(&set, "nginx:1.25").unwrap(), "nginx:1.27");
        assert_eq!(rename(&set, "nginx").unwrap(), "nginx:1.27");
        // The name stays as written.
        assert_eq!(
            rename(
                &set,
                &format!("docker.io/library/nginx:1.24-alpine@{digest}")
            )
            .unwrap(),
            "docker.io/library/nginx:1.27"
        );
        assert_eq!(
            rename(&set, &format!("nginx@{digest}")).unwrap(),
            "nginx:1.27"
        );
        // Already there (however spelled, pinned or not): nothing to do, so runs are idempotent.
        assert_eq!(verdict_of(&set, "nginx:1.27"), None);
        assert_eq!(verdict_of(&set, "docker.io/library/nginx:1.27"), None);
        assert_eq!(verdict_of(&set, &format!("nginx:1.27@{digest}")), None);
        // To another name.
        let moved = RuleSet::new(vec![set_tag("nginx", "ghcr.io/acme/nginx:1.27")]).unwrap();
        assert_eq!(
            rename(&moved, "nginx:1.19").unwrap(),
            "ghcr.io/acme/nginx:1.27"
        );
    }

    #[test]
    fn conditions_show_in_the_rule_description() {
        let s = conditioned("a/b", "a/c", Some(">=2"), None);
        assert_eq!(s.to_string(), "a/b → a/c (tags >=2)");
        assert_eq!(
            set_tag("nginx", "nginx:1.27").to_string(),
            "nginx → nginx:1.27 (set tag)"
        );
    }

    #[test]
    fn needles_are_the_text_every_spelling_contains() {
        let set = rules(&[
            ("ghcr.io/gdtiti/grok2api", "ghcr.io/gdtiti/grok2api-api"),
            ("library/nginx", "ghcr.io/a/nginx"),
            ("k8s.gcr.io/", "registry.k8s.io/"),
        ]);
        assert_eq!(
            set.needles().unwrap(),
            vec!["gdtiti/grok2api", "k8s.gcr.io", "nginx"]
        );
    }
}
