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

use parse::{changes_nothing, parse_pattern, parse_target, prefix_text};

/// A rule as the user wrote it: `from` and, for a rename, `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    pub from: String,
    pub to: Option<String>,
    /// Where the rule came from, for messages (`command line`, `reimage.toml:12`).
    pub origin: String,
    /// Why the image moved (`reason` of a `[[rename]]` rule), carried into every finding.
    pub reason: Option<String>,
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
        }
    }

    /// A deny rule: `from` is retired, with nothing to rename it to.
    pub fn deny(from: impl Into<String>, origin: impl Into<String>) -> Self {
        RuleSpec {
            from: from.into(),
            to: None,
            origin: origin.into(),
            reason: None,
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
}

/// What a prefix rule says about a registry or prefix setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SettingVerdict {
    /// The setting is the rule's prefix: it becomes `to` (`None`: a deny rule, stale).
    Moves { rule: usize, to: Option<String> },
    /// The rule moves only a part of what the setting names.
    MovesPart { rule: usize },
}

/// A validated, indexed set of rules.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_repo: HashMap<String, Vec<usize>>,
    by_prefix: HashMap<(String, String), usize>,
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
        if let Some(other) = self.same_pattern(&rule.pattern) {
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
                self.by_prefix.insert((domain.clone(), path.clone()), index);
                self.by_bare_prefix
                    .insert(prefix_text(&rule.spec.from).to_owned(), index);
            }
        }
        self.rules.push(rule);
    }

    /// The rule already in the set with this pattern, found through the indexes (a vendor
    /// migration can have hundreds of rules; comparing every pair was quadratic).
    fn same_pattern(&self, pattern: &Pattern) -> Option<&Rule> {
        let index = match pattern {
            Pattern::Repository { repo } | Pattern::Tagged { repo, .. } => self
                .by_repo
                .get(repo)?
                .iter()
                .copied()
                .find(|&i| &self.rules[i].pattern == pattern)?,
            Pattern::Prefix { domain, path } => {
                *self.by_prefix.get(&(domain.clone(), path.clone()))?
            }
        };
        Some(&self.rules[index])
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
    pub(crate) fn verdict(&self, reference: &ImageRef<'_>) -> Option<Verdict> {
        self.verdict_for(reference, &reference.repository_text())
    }

    /// [`RuleSet::verdict`] when the caller already has the normalized repository.
    pub(crate) fn verdict_for(&self, reference: &ImageRef<'_>, repo: &str) -> Option<Verdict> {
        let candidates = self.by_repo.get(repo).map(Vec::as_slice).unwrap_or(&[]);
        let tagged = candidates.iter().copied().find(|&i| {
            matches!(&self.rules[i].pattern, Pattern::Tagged { tag, .. } if Some(tag.as_str()) == reference.tag())
        });
        let exact = candidates
            .iter()
            .copied()
            .find(|&i| matches!(self.rules[i].pattern, Pattern::Repository { .. }));
        let index = tagged.or(exact).or_else(|| self.prefix_match(reference))?;
        Some(self.rules[index].verdict(index, reference))
    }

    fn prefix_match(&self, reference: &ImageRef<'_>) -> Option<usize> {
        if self.by_prefix.is_empty() {
            return None;
        }
        let domain = reference.domain().to_owned();
        let path = reference.path();
        let mut end = path.len();
        loop {
            if let Some(&i) = self
                .by_prefix
                .get(&(domain.clone(), path[..end].to_owned()))
            {
                return Some(i);
            }
            if end == 0 {
                return None;
            }
            end = path[..end].rfind('/').unwrap_or(0);
        }
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

    /// A prefix rule whose prefix is exactly `value` (`k8s.gcr.io` in a Helm `registry:`), and
    /// the text to write instead.
    pub(crate) fn bare_prefix(&self, value: &str) -> Option<(usize, Option<String>)> {
        let &index = self.by_bare_prefix.get(value)?;
        let to = match &self.rules[index].target {
            Some(Target::Prefix { base }) => Some(base.clone()),
            _ => None,
        };
        Some((index, to))
    }

    /// What a prefix rule says about a registry or prefix setting's `value` (`k8s.gcr.io`,
    /// `gcr.io/o/demo/`): it moves it whole (its prefix, as written or as the same registry, with
    /// or without the trailing `/`), or it moves only a part of it (`quay.io` under
    /// `quay.io/prometheus/`), or nothing.
    pub(crate) fn setting(&self, value: &str) -> Option<SettingVerdict> {
        let value = value.strip_suffix('/').unwrap_or(value);
        if value.is_empty() || !value.contains(['.', ':']) && value != "localhost" {
            return None;
        }
        if let Some((rule, to)) = self.bare_prefix(value) {
            return Some(SettingVerdict::Moves { rule, to });
        }
        let (domain, path) = value.split_once('/').unwrap_or((value, ""));
        if domain.contains('/') || !domain.contains(['.', ':']) && domain != "localhost" {
            return None;
        }
        let domain = crate::image_ref::normalize_domain(domain);
        let mut narrower = None;
        for ((rule_domain, rule_path), &index) in &self.by_prefix {
            if rule_domain != domain {
                continue;
            }
            if *rule_path == path {
                let to = match &self.rules[index].target {
                    Some(Target::Prefix { base }) => Some(base.clone()),
                    _ => None,
                };
                return Some(SettingVerdict::Moves { rule: index, to });
            }
            let under = path.is_empty()
                || rule_path
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('/'));
            if under {
                narrower = Some(narrower.map_or(index, |i: usize| i.min(index)));
            }
        }
        narrower.map(|rule| SettingVerdict::MovesPart { rule })
    }

    /// The registries of prefix rules with a path (`quay.io` for `quay.io/prometheus/`): a
    /// setting holding one alone (`registry: quay.io`) is a review, found by this text.
    pub(crate) fn setting_needles(&self) -> Vec<String> {
        let mut needles: Vec<String> = self
            .by_prefix
            .keys()
            .filter(|(_, path)| !path.is_empty())
            .map(|(domain, _)| domain.clone())
            .collect();
        needles.sort();
        needles.dedup();
        needles
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
        let target = match &spec.to {
            None => None,
            Some(to) => Some(parse_target(&pattern, to).map_err(|p| error_for(&spec, p))?),
        };
        if let Some(target) = &target {
            if let Some(problem) = changes_nothing(&pattern, target) {
                return Err(error_for(&spec, problem));
            }
        }
        Ok(Rule {
            spec,
            pattern,
            target,
        })
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
        Some(to) => format!("{} → {to}", spec.from),
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
            Some(to) => write!(f, "{} → {to}", self.from),
            None => write!(f, "deny {}", self.from),
        }
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
            Verdict::Denied { .. } => None,
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

    #[test]
    fn settings_equal_to_a_prefix_move_and_wider_ones_are_parts() {
        let set = rules(&[
            ("k8s.gcr.io/", "registry.k8s.io/"),
            ("quay.io/prometheus/", "ghcr.io/acme/prometheus/"),
            (
                "gcr.io/google-samples/demo/",
                "us-docker.pkg.dev/acme/demo/",
            ),
        ]);
        let moves = |v: &str| match set.setting(v) {
            Some(SettingVerdict::Moves { to, .. }) => to,
            other => panic!("{v}: {other:?}"),
        };
        assert_eq!(moves("k8s.gcr.io").as_deref(), Some("registry.k8s.io"));
        assert_eq!(moves("k8s.gcr.io/").as_deref(), Some("registry.k8s.io"));
        assert_eq!(
            moves("gcr.io/google-samples/demo/").as_deref(),
            Some("us-docker.pkg.dev/acme/demo")
        );
        let part = |v: &str| matches!(set.setting(v), Some(SettingVerdict::MovesPart { .. }));
        assert!(part("quay.io"));
        assert!(part("gcr.io/google-samples"));
        assert!(part("gcr.io"));
        assert_eq!(set.setting("gcr.io/google"), None);
        assert_eq!(set.setting("ghcr.io"), None);
        assert_eq!(set.setting("~0.3.2"), None);
        assert_eq!(set.setting("prometheus"), None);
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
