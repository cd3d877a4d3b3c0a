//! The judge: what a candidate is, given where it stands — a rewrite with its edits, stale, a
//! review, an inventory entry, or nothing. Handles registry and prefix settings
//! (`REGISTRY=k8s.gcr.io`, `imageRepository: k8s.gcr.io`), bare registry prefixes elsewhere, and
//! Helm split maps, judged as one reference and edited part by part.

use std::ops::Range;

use super::matcher::Matcher;
use super::site::{Accepts, Composite, Part, Site};
use super::token::Token;
use super::vocabulary;
use crate::classify::FileKind;
use crate::finding::{Confidence, Edit, Finding, Outcome, ReviewReason, RuleId};
use crate::image_ref::{self, ImageRef};
use crate::rule::{SettingVerdict, Verdict};

/// Judges the candidates of one file.
pub(super) struct Judge<'a> {
    pub(super) matcher: &'a Matcher,
    pub(super) kind: FileKind,
    pub(super) text: &'a [u8],
}

impl Judge<'_> {
    /// Decides what a candidate is: a rewrite, stale, review, inventory entry, or nothing.
    /// Needle hits reach here only when [`Matcher::relevant`] says some rule has a say on them:
    /// a new way for this function to report a hit must be reflected there.
    /// A value that is exactly a prefix rule's prefix (`k8s.gcr.io` in a `registry:` field) is
    /// a bare prefix: rewritten in an image field, reviewed elsewhere.
    pub(super) fn judge(&self, tok: &Token, site: Option<&Site>) -> Option<Finding> {
        let span = tok.span.clone();
        let written = std::str::from_utf8(&self.text[span.clone()]).ok()?;
        let confidence = site.map_or(Confidence::QualifiedText, |s| s.confidence);
        if confidence == Confidence::Setting {
            if self.matcher.inventory {
                return None;
            }
            if let Some(found) = self.judge_setting(tok, written) {
                return Some(found);
            }
            // Any other value of a setting is judged as an image only if it names a registry
            // (`REPO_PREFIX=k8s.gcr.io/sig-storage` under `k8s.gcr.io/`).
            if !ImageRef::parse(written).is_ok_and(|r| r.has_written_domain()) {
                return None;
            }
        }
        if let Some((rule, to)) = self
            .matcher
            .rules
            .bare_prefix(written)
            .filter(|_| !self.matcher.inventory && could_be_a_registry(written))
        {
            let in_image_field = site.is_some_and(|s| s.confidence != Confidence::Review);
            let outcome = match (in_image_field, to) {
                // A bare registry has no tag for the rule's condition to test.
                (true, _) if self.matcher.rules.has_tag_condition(rule) => {
                    Outcome::Review(ReviewReason::TagUnknown)
                }
                (true, Some(to)) => Outcome::Rewrite {
                    edits: vec![self.edit(span.clone(), to.clone())],
                    new: to,
                },
                (true, None) => Outcome::Stale,
                (false, _) => Outcome::Review(
                    site.and_then(|s| s.why)
                        .unwrap_or(ReviewReason::RegistryOutsideField),
                ),
            };
            return Some(self.finding(span, written, confidence, outcome, Some(rule), None));
        }
        if !self.matcher.inventory && self.matcher.matches_lowercased(written) {
            let lower = written.to_ascii_lowercase();
            let rule = self
                .matcher
                .rules
                .verdict(&ImageRef::parse(&lower).ok()?)?
                .rule();
            let outcome = Outcome::Review(ReviewReason::Uppercase);
            return Some(self.finding(span, written, confidence, outcome, Some(rule), None));
        }
        let reference = ImageRef::parse(written).ok()?;
        if is_hub_namespace(&reference) {
            // `docker.io/library` joined to names in code: a prefix, not `library/library`.
            if self.matcher.inventory {
                return None;
            }
            let rule = self.rule_with_a_say(&reference)?;
            let outcome = Outcome::Review(ReviewReason::NamespacePrefix);
            return Some(self.finding(span, written, confidence, outcome, Some(rule), None));
        }
        let short = !reference.has_written_domain();
        if short && !plausible_short_name(&reference) {
            return None;
        }
        let unversioned = reference.tag().is_none() && reference.digest().is_none();
        if short && unversioned && site.is_some_and(|s| s.accepts == Accepts::Versioned) {
            return None;
        }
        let after_slash =
            self.text[..span.start].ends_with(b"/") && !self.text[..span.start].ends_with(b"://");
        if short && tok.templated.is_none() && after_slash {
            // `/data/images`, `/usr/share/nginx`: the end of a path, not a name.
            return None;
        }
        // What the place vouches for: a word holding a variable vouches only for qualified
        // names in it (and a `${VAR:-default}`); an assignment, for names with more than a word.
        let bare = short
            && reference.tag().is_none()
            && reference.digest().is_none()
            && !reference.written_path().contains('/');
        // A short literal part of a word holding a variable (`$ORG/api:1`, `api-$V`) is at most a
        // review: the word is not one literal token.
        let opaque = site.is_some_and(|s| s.accepts == Accepts::Qualified)
            && short
            && !is_default_value(self.text, &span);
        let weak_place = site.is_some_and(|s| s.accepts == Accepts::Tagged) && bare;
        // `k8s.gcr.io/images/foo/images.yaml`: a file in a repository, not an image.
        let file_path = vocabulary::names_a_file(reference.written_path());
        let found = |outcome, rule| {
            Some(self.finding(
                span.clone(),
                written,
                confidence,
                outcome,
                rule,
                Some(&reference),
            ))
        };
        if self.matcher.inventory {
            let listed = site.is_some_and(|s| s.confidence != Confidence::Review)
                && tok.templated.is_none()
                && !weak_place
                && !opaque
                && !file_path;
            // `golang:${GO_VERSION}-bookworm`: the name is literal, the tag is not — listed, but
            // not a reference to mirror or ask a registry for.
            let open_tag = matches!(self.text.get(span.end), Some(b':' | b'@'));
            return match (listed, open_tag) {
                (false, _) => None,
                (true, true) => found(Outcome::Review(ReviewReason::TemplatedTag), None),
                (true, false) => found(Outcome::Inventory, None),
            };
        }
        let repository = reference.repository();
        let verdict = self.matcher.rules.verdict_for(&reference, &repository);
        // A templated one-word Docker Hub name outside an image position is just a word.
        let hub_word = site.is_none()
            && !reference.has_written_domain()
            && !reference.written_path().contains('/');
        if tok.templated.is_some() && hub_word {
            return None;
        }
        if short && site.is_some_and(|s| s.accepts == Accepts::Built) {
            // A locally built image (`build:` beside it): a registry or namespace move does not
            // concern it; a namespaced one may be pushed to Docker Hub, so a human looks.
            if let Some(Verdict::Rewrite { rule, .. } | Verdict::Denied { rule }) = &verdict {
                if self.matcher.rules.is_prefix(*rule) {
                    let namespaced = reference.written_path().contains('/');
                    return namespaced
                        .then(|| found(Outcome::Review(ReviewReason::BuiltLocally), Some(*rule)))
                        .flatten();
                }
            }
        }
        if tok.templated == Some(ReviewReason::TemplatedOwner)
            && site.is_none_or(|s| s.why.is_none())
        {
            // `$(REGISTRY)/metrics-server-$*`: the registry is unknown, so only a rule whose own
            // literal path the rest spells out (`ghcr.io/o/app` for `${REGISTRY}/o/app`) has
            // a say; a registry-wide rule (`docker.io/`) names no path.
            let rule = self.rule_with_a_say(&reference)?;
            if !self
                .matcher
                .rules
                .names_literal_path(rule, reference.written_path())
            {
                return None;
            }
        }
        let why = site.and_then(|s| s.why).or(tok.templated);
        let why = why
            .or(weak_place.then_some(ReviewReason::BareNameInVariable))
            .or(opaque.then_some(ReviewReason::TemplatedWord))
            .or(file_path.then_some(ReviewReason::FilePath));
        if let Some(why) = why {
            let rule = match &verdict {
                Some(verdict) => Some(verdict.rule()),
                None => self.matcher.rules.path_only(&reference),
            }?;
            return found(Outcome::Review(why), Some(rule));
        }
        match verdict {
            // A short Docker Hub name is an image only where the place says so.
            Some(_) if site.is_none() && !reference.has_written_domain() => None,
            Some(Verdict::Rewrite { rule, .. })
                if self.kind == FileKind::Kustomize && self.matcher.rules.sets_tag(rule) =>
            {
                // `images: [{name: nginx, newTag: …}]`: a tag written into `name:` or `newName:`
                // would break the entry.
                found(Outcome::Review(ReviewReason::KustomizeTag), Some(rule))
            }
            Some(Verdict::Rewrite {
                rule,
                span: part,
                replacement,
            }) => {
                let new = spliced(written, &part, &replacement);
                let edit = self.edit(span.start + part.start..span.start + part.end, replacement);
                found(
                    Outcome::Rewrite {
                        new,
                        edits: vec![edit],
                    },
                    Some(rule),
                )
            }
            Some(Verdict::Denied { rule }) => found(Outcome::Stale, Some(rule)),
            Some(Verdict::TagUnknown { rule }) => {
                found(Outcome::Review(ReviewReason::TagUnknown), Some(rule))
            }
            None => {
                let rule = self.matcher.rules.path_only(&reference)?;
                found(Outcome::Review(ReviewReason::PathOnly), Some(rule))
            }
        }
    }

    /// A registry or prefix setting's value that a prefix rule moves whole (rewritten, the
    /// trailing `/` kept) or only in part (a review).
    fn judge_setting(&self, tok: &Token, written: &str) -> Option<Finding> {
        let span = tok.span.clone();
        let verdict = self.matcher.rules.setting(written)?;
        let found = |outcome, rule| {
            Some(self.finding(
                span.clone(),
                written,
                Confidence::Setting,
                outcome,
                Some(rule),
                None,
            ))
        };
        let (rule, to) = match verdict {
            SettingVerdict::MovesPart { rule } => {
                return found(Outcome::Review(ReviewReason::RegistrySetting), rule);
            }
            SettingVerdict::Moves { rule, to } => (rule, to),
        };
        if let Some(why) = tok.templated {
            return found(Outcome::Review(why), rule);
        }
        let bare = written.strip_suffix('/').unwrap_or(written);
        let value = span.start..span.start + bare.len();
        match to {
            Some(to) => found(
                Outcome::Rewrite {
                    new: format!("{to}{}", &written[bare.len()..]),
                    edits: vec![self.edit(value, to)],
                },
                rule,
            ),
            None => found(Outcome::Stale, rule),
        }
    }

    /// Judges a Helm split map as one reference and edits each part that changes.
    pub(super) fn judge_composite(&self, map: &Composite) -> Option<Finding> {
        let repository = map.repository.as_ref()?;
        fn part(p: &Option<Part>) -> Option<&str> {
            p.as_ref()
                .map(|p| p.value.as_str())
                .filter(|v| !v.is_empty())
        }
        let registry = part(&map.registry).filter(|_| map.unknown_registry.is_none());
        let (tag, digest) = (part(&map.tag), part(&map.digest));
        let mut written = registry.map_or(String::new(), |r| format!("{r}/"));
        written.push_str(&repository.value);
        if let Some(tag) = tag {
            written = format!("{written}:{tag}");
        }
        if let Some(digest) = digest {
            // `sha: <hex>` names the algorithm by its key.
            let algorithm = if digest.contains(':') { "" } else { "sha256:" };
            written = format!("{written}@{algorithm}{digest}");
        }
        let reference = ImageRef::parse(&written).ok()?;
        let span = map.span();
        let found = |outcome, rule| {
            Some(self.finding(
                span.clone(),
                &written,
                Confidence::Structural,
                outcome,
                rule,
                Some(&reference),
            ))
        };
        if self.matcher.inventory {
            // The chart supplies the registry: listed, but not a name to mirror or ask for.
            return match map.unknown_registry {
                Some(why) => found(Outcome::Review(why), None),
                None => found(Outcome::Inventory, None),
            };
        }
        if let Some(why) = map.unknown_registry {
            return self
                .rule_with_a_say(&reference)
                .and_then(|rule| found(Outcome::Review(why), Some(rule)));
        }
        match self.matcher.rules.verdict(&reference) {
            Some(Verdict::Rewrite { rule, .. })
                if map.selects && self.matcher.rules.is_tagged(rule) =>
            {
                found(Outcome::Review(ReviewReason::SelectorName), Some(rule))
            }
            Some(Verdict::Rewrite {
                rule,
                span: part,
                replacement,
            }) => {
                let new = spliced(&written, &part, &replacement);
                let new_ref = ImageRef::parse(&new).ok()?;
                if tag.is_none() && new_ref.tag().is_some() {
                    // `--set-tag` on a map without a tag key: the chart supplies the tag.
                    return found(Outcome::Review(ReviewReason::MapWithoutTag), Some(rule));
                }
                if digest.is_some() && new_ref.digest().is_none() {
                    // `--set-tag` on a map that pins a digest: the digest key must go or change
                    // with the tag, and which is for a human to say.
                    return found(Outcome::Review(ReviewReason::DigestInMap), Some(rule));
                }
                let edits: Vec<Edit> = split_edits(map, registry.is_some(), &new_ref)
                    .into_iter()
                    .map(|(range, text)| self.edit(range, text))
                    .collect();
                if edits.is_empty() {
                    return None;
                }
                found(Outcome::Rewrite { new, edits }, Some(rule))
            }
            Some(Verdict::Denied { rule }) => found(Outcome::Stale, Some(rule)),
            Some(Verdict::TagUnknown { rule }) => {
                found(Outcome::Review(ReviewReason::TagUnknown), Some(rule))
            }
            None if registry.is_none() => {
                let rule = self.matcher.rules.path_only(&reference)?;
                found(
                    Outcome::Review(ReviewReason::MapWithoutRegistry),
                    Some(rule),
                )
            }
            None => None,
        }
    }

    /// The rule that matches `reference` or, failing that, its path alone.
    fn rule_with_a_say(&self, reference: &ImageRef<'_>) -> Option<usize> {
        match self.matcher.rules.verdict(reference) {
            Some(verdict) => Some(verdict.rule()),
            None => self.matcher.rules.path_only(reference),
        }
    }

    /// A splice of this file: `old` is taken from the file itself.
    fn edit(&self, range: Range<usize>, new: String) -> Edit {
        Edit {
            old: String::from_utf8_lossy(&self.text[range.clone()]).into_owned(),
            range,
            new,
        }
    }

    /// A finding at `span` whose reference reads `reference`; review findings have review
    /// confidence whatever their place.
    fn finding(
        &self,
        span: Range<usize>,
        reference: &str,
        confidence: Confidence,
        outcome: Outcome,
        rule: Option<usize>,
        parsed: Option<&ImageRef<'_>>,
    ) -> Finding {
        let confidence = match outcome {
            Outcome::Review(_) => Confidence::Review,
            _ => confidence,
        };
        Finding {
            old: String::from_utf8_lossy(&self.text[span.clone()]).into_owned(),
            span,
            line: 0,
            column: 0,
            context: self.kind,
            confidence,
            outcome,
            disposition: None,
            reference: reference.to_owned(),
            rule: rule.map(RuleId),
            repository: parsed.map(ImageRef::repository),
            tag: parsed.and_then(|r| r.tag().map(str::to_owned)),
            digest: parsed.and_then(|r| r.digest().map(str::to_owned)),
            detail: None,
        }
    }
}

/// The edits that turn a split map into `new`: the registry only if it moves, the repository only
/// if its path changes (with the registry folded in when the map has none), the tag if replaced.
fn split_edits(
    map: &Composite,
    has_registry: bool,
    new: &ImageRef<'_>,
) -> Vec<(Range<usize>, String)> {
    let mut edits = Vec::new();
    let new_domain = new.written_domain().unwrap_or(image_ref::HUB);
    let mut new_path = new.written_path().to_owned();
    match map.registry.as_ref().filter(|_| has_registry) {
        Some(registry)
            if image_ref::normalize_domain(&registry.value)
                != image_ref::normalize_domain(new_domain) =>
        {
            edits.push((registry.span.clone(), new_domain.to_owned()));
        }
        Some(_) => {}
        None if !new.is_hub() => new_path = format!("{new_domain}/{new_path}"),
        None => {}
    }
    if let Some(repository) = &map.repository {
        if repository.value != new_path {
            edits.push((repository.span.clone(), new_path));
        }
    }
    if let (Some(tag), Some(new_tag)) = (&map.tag, new.tag()) {
        if tag.value != new_tag {
            edits.push((tag.span.clone(), new_tag.to_owned()));
        }
    }
    edits.sort_by_key(|(r, _)| r.start);
    edits
}

/// `written` with `part` (a range of it) replaced: the whole reference after a rewrite.
fn spliced(written: &str, part: &Range<usize>, replacement: &str) -> String {
    format!(
        "{}{replacement}{}",
        &written[..part.start],
        &written[part.end..]
    )
}

/// Whether a Docker Hub name written without a registry can be an image at all: never a number
/// (`0`, `40_000_000`), never a dotted word (`base64.b64encode`, `placeholder.svg`: a dot in a
/// Hub name is all but unheard of, while code is full of them), never more than `namespace/name`
/// (Docker Hub has no deeper paths), never a shell builtin or template function word (`echo`,
/// `default`) or a placeholder (`your-image`) when it stands alone.
fn plausible_short_name(reference: &ImageRef<'_>) -> bool {
    let path = reference.written_path();
    if path.contains('.') || path.split('/').count() > 2 {
        return false;
    }
    if path.bytes().all(|b| b.is_ascii_digit() || b == b'_') || path.len() < 2 {
        return false;
    }
    let alone = reference.tag().is_none() && reference.digest().is_none() && !path.contains('/');
    let reserved = alone && vocabulary::is_reserved_word(path);
    !reserved && !vocabulary::is_placeholder(path, alone)
}

/// Whether `reference` is Docker Hub's namespace of official images alone (`docker.io/library`,
/// `index.docker.io/library`, `registry-1.docker.io/library`): a prefix names are joined to.
fn is_hub_namespace(reference: &ImageRef<'_>) -> bool {
    let hub = reference.is_hub() || reference.written_domain() == Some("registry-1.docker.io");
    hub && reference.has_written_domain() && reference.written_path() == "library"
}

/// Whether a bare prefix value can stand for a registry or a prefix: `k8s.gcr.io`,
/// `localhost:5000`, `docker.io/bitnami`. A bare word equal to a Docker Hub org (`habitcentric`
/// in a heading, a comment, an echo) is never "the registry alone".
fn could_be_a_registry(value: &str) -> bool {
    value.contains(['.', ':', '/']) || value == "localhost"
}

/// Whether `span` is the literal default of a `${VAR:-default}` (or `${VAR-default}`).
fn is_default_value(text: &[u8], span: &Range<usize>) -> bool {
    let opens = span.start >= 2
        && (&text[span.start - 2..span.start] == b":-"
            || (text[span.start - 1] == b'-' && text[span.start - 2].is_ascii_alphanumeric()));
    opens && text.get(span.end) == Some(&b'}')
}
