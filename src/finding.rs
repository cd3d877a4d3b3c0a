//! The domain model every stage shares: a finding, the splices it implies, what it asks for, and
//! what later stages decided about it.
//!
//! A leaf module: it imports no stage. `find` builds a [`Finding`] with its intrinsic
//! [`Outcome`]; later stages (inline ignores, baselines, registry checks, writing) add a
//! [`Disposition`] instead of overwriting what `find` said.

use std::ops::Range;
use std::sync::Arc;

use crate::classify::FileKind;

/// How sure a finding is that it is an image reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// A structural image field.
    Structural,
    /// An image argument of a command line or an image variable.
    Command,
    /// A registry-qualified name as a whole token in any text.
    QualifiedText,
    /// A registry or prefix setting (`REGISTRY=k8s.gcr.io`, `imageRepository: k8s.gcr.io`,
    /// `--repo-prefix gcr.io/o/demo`) equal to what a prefix rule moves.
    Setting,
    /// Not rewritten: a human must decide.
    Review,
}

impl Confidence {
    /// The label used in reports and JSON.
    pub fn label(self) -> &'static str {
        match self {
            Confidence::Structural => "structural",
            Confidence::Command => "command",
            Confidence::QualifiedText => "qualified-text",
            Confidence::Setting => "setting",
            Confidence::Review => "review",
        }
    }
}

/// Why a finding needs a human instead of a rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewReason {
    /// `REPOSITORY=gdtiti/grok2api` when the rule names `ghcr.io/gdtiti/grok2api`.
    PathOnly,
    /// A Helm split map whose repository matches but which names no registry.
    MapWithoutRegistry,
    /// `${REGISTRY}/app`, `{{ .Values.registry }}/app`.
    TemplatedOwner,
    /// `app-${SUFFIX}`.
    TemplatedSuffix,
    /// `golang:${GO_VERSION}-bookworm` in `list`: the name is literal, the tag is not.
    TemplatedTag,
    /// The rule has a tag condition (`tags = ">=2.0.0"`) and the reference has no tag, or one
    /// that is not a version (`latest`).
    TagUnknown,
    /// `--set-tag` on a Helm split map that pins a digest.
    DigestInMap,
    /// `--set-tag` on a Helm split map with no tag key (the chart supplies the tag).
    MapWithoutTag,
    /// `--set-tag` on a kustomization's `images:` entry, which takes the tag in `newTag:`.
    KustomizeTag,
    /// A YAML block or escaped scalar in an image position.
    OpaqueYaml,
    /// A TOML string with escapes or spanning lines.
    OpaqueToml,
    /// A registry setting (`registry: quay.io`, `REGISTRY=quay.io`) of which a rule moves only a
    /// part (`quay.io/prometheus/`), outside a split map that names the repository.
    RegistrySetting,
    /// A value equal to a prefix rule's prefix, outside an image field.
    RegistryOutsideField,

    /// A bare short name (`nginx`) assigned to an image-named variable: the name alone does
    /// not make it an image.
    BareNameInVariable,
    /// A short name in a word that also holds a variable or a template (`$ORG/api:1`), other
    /// than in its tag (`local/api:"${TAG}"` is the literal name `local/api`).
    TemplatedWord,
    /// `k8s.gcr.io/images/foo/images.yaml`: a path component ends in a file extension, so it
    /// is a file in a repository rather than an image.
    FilePath,
    /// A quoted short name with a namespace and a tag in code (`'bitnami/kubectl:1.29'`) where
    /// no key or variable says it is an image.
    QuotedShortName,
    /// A matching name written with uppercase letters (`GHCR.io/o/app`), which registries do not
    /// take as written.
    Uppercase,
    /// A value read from a YAML anchor (`&reg`) that other references share, and the rules
    /// would leave them different (one rewritten, another not, or rewritten differently).
    SharedAnchor,
    /// A value read through a YAML alias whose anchor is outside every reference that reads it
    /// (`registries: {mirror: &mirror …}`): a rewrite would edit bytes outside the reference.
    AnchorElsewhere,
    /// `docker.io/library`: the Docker Hub namespace of official images, a prefix in code that
    /// joins names to it, not the image `library/library`.
    NamespacePrefix,
    /// A name the file builds (a Compose `image:` beside `build:`, `docker build -t`, Jenkins
    /// `docker.build('…')`) and its uses there, named by a broad rule: the image is built locally, and a namespaced one may also be
    /// pushed to Docker Hub.
    BuiltLocally,
    /// A kustomize `images:` entry without `newName` whose tag a one-tag rule moves: its `name`
    /// also selects the images it retags, which keep their own tags.
    SelectorName,
}

impl ReviewReason {
    /// The sentence reports show.
    pub fn message(self) -> &'static str {
        match self {
            ReviewReason::PathOnly => {
                "the path matches but the registry is written elsewhere (or is Docker Hub)"
            }
            ReviewReason::MapWithoutRegistry => {
                "the repository matches but the map names no registry (the chart supplies it)"
            }
            ReviewReason::TemplatedOwner => "the registry or owner is a template expression",
            ReviewReason::TemplatedSuffix => "the name continues with a template expression",
            ReviewReason::TemplatedTag => "the tag is a template expression",
            ReviewReason::TagUnknown => {
                "the rule applies to some tags only, and this reference has no tag or one that is not a version; check it by hand"
            }
            ReviewReason::KustomizeTag => {
                "a kustomize `images:` entry takes its tag in `newTag:`; set it there (kustomize edit set image)"
            }
            ReviewReason::MapWithoutTag => {
                "the map has no tag key (the chart supplies the tag); set the tag by hand"
            }
            ReviewReason::DigestInMap => {
                "the map pins a digest, which the new tag does not have; set the tag and remove or update the digest by hand"
            }
            ReviewReason::OpaqueYaml => "the value is a block or escaped scalar; edit it by hand",
            ReviewReason::OpaqueToml => "the string has escapes or spans lines; edit it by hand",
            ReviewReason::RegistrySetting => {
                "a registry setting of which the rule moves only a part; check which images use it"
            }
            ReviewReason::RegistryOutsideField => "the registry alone, outside an image field",
            ReviewReason::FilePath => {
                "looks like a file path (a component ends in a file extension), not an image; check it by hand"
            }
            ReviewReason::Uppercase => {
                "written with uppercase letters (a registry may not take it as written); check and rename it by hand"
            }
            ReviewReason::TemplatedWord => {
                "the word holds a variable or a template, so it is not one literal name; check it by hand"
            }
            ReviewReason::SharedAnchor => {
                "the value comes from a YAML anchor that other references share, and the rules treat them differently; edit it by hand"
            }
            ReviewReason::AnchorElsewhere => {
                "the value comes from a YAML anchor outside this reference; edit it there by hand"
            }
            ReviewReason::QuotedShortName => {
                "a quoted short name in code, where no key or variable says it is an image; check it by hand"
            }
            ReviewReason::BareNameInVariable => {
                "a bare name in a variable; give it a tag or a registry, or rename it by hand"
            }
            ReviewReason::NamespacePrefix => {
                "a namespace prefix (Docker Hub's `library`), not an image; check it by hand"
            }
            ReviewReason::SelectorName => {
                "the entry's `name` selects the images it retags; add a `newName` by hand"
            }
            ReviewReason::BuiltLocally => {
                "the image is built here (`build:`, `docker build -t`); rename it by hand if it is pushed"
            }
        }
    }
}

/// One byte-range splice: `old` is exactly the file's bytes at `range`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    pub range: Range<usize>,
    pub old: String,
    pub new: String,
}

/// What a finding is, as `find` decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Would be rewritten: `new` is the whole reference after the rewrite, `edits` the splices.
    Rewrite { new: String, edits: Vec<Edit> },
    /// Matches a deny rule (or a rule with nothing to rewrite to): stale.
    Stale,
    /// Left alone: a human must look.
    Review(ReviewReason),
    /// An image reference seen by `list`; no rule involved.
    Inventory,
}

/// What a later stage decided about a finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// An inline `reimage: ignore` comment excludes it.
    Ignored,
    /// Accepted by `check --baseline`.
    Baselined,
    /// Its file could not be written (the file's error says why).
    WriteFailed,
    /// `--verify`: the registry could not show that the reference (a rewrite's new one) exists;
    /// a rewrite is then not written.
    MissingTarget(Missing),
    /// `--resolve-digests`: the digest carried to the new name did not exist there, so the rewrite
    /// pins the digest the registry gave for the new name's tag instead.
    Repinned(Repin),
    /// Its file is history or vendored code, kept as written unless the run opts in.
    Kept(KeptReason),
}

/// Why `--verify` could not show a reference to exist: the registry's answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Missing {
    /// The reference that was asked for (`ghcr.io/owner/app:v1`).
    pub target: String,
    pub reason: MissingReason,
    /// What the registry (or the connection) said, for people: `connection refused`, the
    /// registry's error code. Never a credential.
    pub detail: Option<Arc<str>>,
}

/// The registry's reason, as reports label it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MissingReason {
    /// The registry answered: no such manifest (tag, digest or repository).
    ManifestUnknown,
    /// The digest is not under the name; `tag_exists` when the name's tag is (then
    /// `--resolve-digests` pins the tag's digest).
    DigestUnknown { tag_exists: bool },
    /// The registry refused the credentials (or the lack of them).
    Unauthorized,
    /// The registry could not be asked: connection refused, timeout, a server error that
    /// persisted, a malformed answer, or plain HTTP refused.
    Unreachable,
}

impl MissingReason {
    /// The label reports show after `missing-target`.
    pub fn label(self) -> &'static str {
        match self {
            MissingReason::ManifestUnknown | MissingReason::DigestUnknown { .. } => {
                "manifest unknown"
            }
            MissingReason::Unauthorized => "unauthorized",
            MissingReason::Unreachable => "unreachable",
        }
    }
}

/// A rewrite whose carried digest was replaced by the one the new name's tag has.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repin {
    /// The whole new reference, with the new digest.
    pub new: String,
    /// The rewrite's edits plus the one that replaces the digest, in file order.
    pub edits: Vec<Edit>,
    /// The digest the file had, which the new name does not hold.
    pub was: String,
}

/// Why a file's references are kept as written: maintainers leave what a changelog recorded and
/// what upstream code says alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeptReason {
    /// `CHANGELOG*`, `HISTORY*`, `RELEASE-NOTES*`, `NEWS*`: a record of what was.
    History,
    /// Under `vendor/`, `third_party/`, `node_modules/`, or marked `linguist-vendored`.
    Vendored,
    /// Marked `linguist-generated` in `.gitattributes`: regenerate it instead.
    Generated,
    /// Declined in `rename -i`'s interactive review.
    Declined,
}

impl KeptReason {
    /// The label used in reports and JSON (`kept: history`).
    pub fn label(self) -> &'static str {
        match self {
            KeptReason::History => "history",
            KeptReason::Vendored => "vendored",
            KeptReason::Generated => "generated",
            KeptReason::Declined => "declined",
        }
    }

    /// The sentence reports show.
    pub fn message(self) -> &'static str {
        match self {
            KeptReason::History => {
                "kept: history (a changelog or release notes records what was; --include-history rewrites it)"
            }
            KeptReason::Vendored => {
                "kept: vendored (upstream code; --include-vendored rewrites it)"
            }
            KeptReason::Generated => {
                "kept: generated (.gitattributes linguist-generated; regenerate it, or --include-vendored rewrites it)"
            }
            KeptReason::Declined => "kept: declined in the interactive review",
        }
    }
}

/// What a finding asks for, all things considered: the label reports and JSON show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Would be (or was) rewritten.
    Rewrite,
    /// Matches a deny rule: stale, nothing to rewrite it to.
    Stale,
    /// Left alone: a human must look.
    Review,
    /// Matched, but an inline `reimage: ignore` comment excludes it.
    Ignored,
    /// An image reference seen by `list`; no rule involved.
    Inventory,
    /// Stale, but accepted by `check --baseline`.
    Baselined,
    /// `--verify`: the reference (a rewrite's new one) is not shown to exist; not written.
    MissingTarget,
    /// In history or vendored code: kept as written, not failing `check`.
    Kept,
}

impl Action {
    /// The label used in reports and JSON.
    pub fn label(self) -> &'static str {
        match self {
            Action::Rewrite => "rewrite",
            Action::Stale => "stale",
            Action::Review => "review",
            Action::Ignored => "ignored",
            Action::Inventory => "inventory",
            Action::Baselined => "baselined",
            Action::MissingTarget => "missing-target",
            Action::Kept => "kept",
        }
    }
}

/// Which rule of the run's rule set matched (an index into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(pub usize);

/// A rule as reports show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// `from → to` (or `from` for a deny rule), as the user wrote it.
    pub description: String,
    /// The `reason` of a `[[rename]]` rule.
    pub reason: Option<String>,
    /// Its findings are reported but do not fail the run (a catalog entry less severe than
    /// `--catalog-fail-on`): GitHub and SARIF show them as warnings.
    pub advisory: bool,
}

/// One reference found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Byte range of the reference in the file: for a split map, from its first part to its last.
    pub span: Range<usize>,
    /// 1-based line and column (in characters) of the span's start.
    pub line: usize,
    pub column: usize,
    pub context: FileKind,
    pub confidence: Confidence,
    pub outcome: Outcome,
    pub disposition: Option<Disposition>,
    /// The file's bytes at `span`, exactly.
    pub old: String,
    /// The reference as read: the written token (then equal to `old`), or a split map's parts
    /// put together.
    pub reference: String,
    pub rule: Option<RuleId>,
    /// The normalized repository (`docker.io/library/nginx`), tag and digest, for inventories.
    pub repository: Option<String>,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// What a review reason names in the file: the anchor of [`ReviewReason::SharedAnchor`]
    /// (`&reg at line 3`).
    pub detail: Option<Arc<str>>,
}

impl Finding {
    /// The action reports show.
    pub fn action(&self) -> Action {
        match (&self.disposition, &self.outcome) {
            (Some(Disposition::Ignored), _) => Action::Ignored,
            (Some(Disposition::Baselined), _) => Action::Baselined,
            (Some(Disposition::MissingTarget(_)), _) => Action::MissingTarget,
            (Some(Disposition::Kept(_)), _) => Action::Kept,
            (Some(Disposition::WriteFailed), _) | (None, Outcome::Review(_)) => Action::Review,
            (Some(Disposition::Repinned(_)), _) | (None, Outcome::Rewrite { .. }) => {
                Action::Rewrite
            }
            (None, Outcome::Stale) => Action::Stale,
            (None, Outcome::Inventory) => Action::Inventory,
        }
    }

    /// The edits to apply: those of a rewrite no later stage set aside (or re-pinned).
    pub fn edits(&self) -> &[Edit] {
        match (&self.outcome, &self.disposition) {
            (Outcome::Rewrite { edits, .. }, None) => edits,
            (_, Some(Disposition::Repinned(repin))) => &repin.edits,
            _ => &[],
        }
    }

    /// The whole reference after the rewrite, for rewrites (also ignored or baselined ones).
    pub fn new_reference(&self) -> Option<&str> {
        self.rewrite().map(|(new, _)| new)
    }

    /// The rewrite `find` planned, or the re-pinned one that replaced it.
    fn rewrite(&self) -> Option<(&str, &[Edit])> {
        match (&self.outcome, &self.disposition) {
            (_, Some(Disposition::Repinned(repin))) => Some((&repin.new, &repin.edits)),
            (Outcome::Rewrite { new, edits }, _) => Some((new, edits)),
            _ => None,
        }
    }

    /// The registry's verdict when `--verify` could not show the reference to exist.
    pub fn missing(&self) -> Option<&Missing> {
        match &self.disposition {
            Some(Disposition::MissingTarget(missing)) => Some(missing),
            _ => None,
        }
    }

    /// Why a human must look, or what a rewrite carried along.
    pub fn note(&self) -> Option<String> {
        match (&self.outcome, &self.disposition) {
            (_, Some(Disposition::WriteFailed)) => {
                Some("not written (see the error for this file)".to_owned())
            }
            (_, Some(Disposition::MissingTarget(missing))) => Some(missing_note(missing)),
            (_, Some(Disposition::Repinned(repin))) => Some(format!(
                "digest {} is not under the new name; pinned the digest of its tag instead",
                repin.was
            )),
            (_, Some(Disposition::Kept(reason))) => Some(reason.message().to_owned()),
            (Outcome::Review(ReviewReason::SharedAnchor), _) if self.detail.is_some() => {
                Some(format!(
                    "the value comes from the YAML anchor {}, which other references share and the rules treat differently; edit it by hand",
                    self.detail.as_deref().unwrap_or_default()
                ))
            }
            (Outcome::Review(ReviewReason::AnchorElsewhere), _) if self.detail.is_some() => {
                Some(format!(
                    "the value comes from the YAML anchor {}, outside this reference; edit it there by hand",
                    self.detail.as_deref().unwrap_or_default()
                ))
            }
            (Outcome::Review(reason), _) => Some(reason.message().to_owned()),
            (Outcome::Rewrite { new, .. }, _) => self.digest.as_ref().map(|d| {
                if new.contains(d.as_str()) {
                    format!("digest {d} carried to the new repository")
                } else {
                    format!("digest {d} dropped: the new tag names another manifest")
                }
            }),
            _ => None,
        }
    }

    /// What `old` becomes when a rewrite's edits are spliced into it: the replacement for `span`.
    pub fn new_text(&self) -> Option<String> {
        let (_, edits) = self.rewrite()?;
        let mut out = String::with_capacity(self.old.len() + 16);
        let mut at = self.span.start;
        // An edit outside the span (at a YAML anchor elsewhere in the file) is not part of it.
        let inside = |e: &&Edit| self.span.start <= e.range.start && e.range.end <= self.span.end;
        for edit in edits.iter().filter(inside) {
            out.push_str(
                self.old
                    .get(at - self.span.start..edit.range.start - self.span.start)?,
            );
            out.push_str(&edit.new);
            at = edit.range.end;
        }
        out.push_str(self.old.get(at - self.span.start..)?);
        Some(out)
    }

    /// 1-based line and column (in characters) just past the end of `span`.
    pub fn end(&self) -> (usize, usize) {
        match self.old.rfind('\n') {
            Some(last) => (
                self.line + self.old.matches('\n').count(),
                self.old[last + 1..].chars().count() + 1,
            ),
            None => (self.line, self.column + self.old.chars().count()),
        }
    }

    /// Whether this finding fails a `check`: a rewrite or stale reference nothing set aside.
    pub fn is_stale(&self) -> bool {
        matches!(self.action(), Action::Rewrite | Action::Stale)
    }
}

/// `missing-target (manifest unknown): ghcr.io/o/app:v2 — …`: what reports say of a missing target.
fn missing_note(missing: &Missing) -> String {
    let mut note = format!("{} ({})", missing.target, missing.reason.label());
    match missing.reason {
        MissingReason::DigestUnknown { tag_exists: true } => note.push_str(
            ": the digest is not under the new name, its tag is (--resolve-digests pins the tag's digest)",
        ),
        MissingReason::DigestUnknown { tag_exists: false } => {
            note.push_str(": neither the digest nor the tag is under the new name");
        }
        _ => {}
    }
    if let Some(detail) = &missing.detail {
        note.push_str(&format!(": {detail}"));
    }
    note
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_map_splices_each_part_inside_its_span() {
        // `registry: a.io` … `repository: x/y`, the span running from the first part to the last.
        let old = "a.io\n  repository: x/y";
        let mut f = finding(Outcome::Rewrite {
            new: "b.io/x/z".into(),
            edits: vec![
                Edit {
                    range: 10..14,
                    old: "a.io".into(),
                    new: "b.io".into(),
                },
                Edit {
                    range: 29..32,
                    old: "x/y".into(),
                    new: "x/z".into(),
                },
            ],
        });
        (f.span, f.old, f.line, f.column) = (10..32, old.into(), 3, 13);
        assert_eq!(f.new_text().as_deref(), Some("b.io\n  repository: x/z"));
        assert_eq!(f.end(), (4, 18));
    }

    fn finding(outcome: Outcome) -> Finding {
        Finding {
            span: 0..1,
            line: 1,
            column: 1,
            context: FileKind::Text,
            confidence: Confidence::Structural,
            outcome,
            disposition: None,
            old: "a".into(),
            reference: "a".into(),
            rule: Some(RuleId(0)),
            repository: None,
            tag: None,
            digest: None,
            detail: None,
        }
    }

    #[test]
    fn a_disposition_sets_the_action_without_erasing_the_outcome() {
        let rewrite = Outcome::Rewrite {
            new: "b".into(),
            edits: vec![Edit {
                range: 0..1,
                old: "a".into(),
                new: "b".into(),
            }],
        };
        let mut f = finding(rewrite);
        assert_eq!((f.action(), f.edits().len()), (Action::Rewrite, 1));
        f.disposition = Some(Disposition::Ignored);
        assert_eq!((f.action(), f.edits().len()), (Action::Ignored, 0));
        assert_eq!(f.new_reference(), Some("b"));
        assert_eq!(f.new_text().as_deref(), Some("b"));
        f.disposition = Some(Disposition::WriteFailed);
        assert_eq!(f.action(), Action::Review);
        assert!(f.note().unwrap().contains("not written"));
    }
}
