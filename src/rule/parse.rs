//! Reading what a rule says: `from` as a pattern (repository, repository with a tag, or prefix),
//! `to` as a target, and the advice a bad one gets (an unparseable or uppercase name, a prefix
//! written without its `/`, a `to` that would change nothing). Pure code, no I/O.

use super::{Pattern, Target};
use crate::image_ref::{ImageRef, RefError};

/// `k8s.gcr.io/`, `k8s.gcr.io/*` → `k8s.gcr.io`; `None` when `text` is not written as a prefix.
pub(super) fn strip_prefix_marker(text: &str) -> Option<&str> {
    text.strip_suffix("/*").or_else(|| text.strip_suffix('/'))
}

pub(super) fn prefix_text(from: &str) -> &str {
    strip_prefix_marker(from).unwrap_or(from)
}

pub(super) fn parse_pattern(from: &str) -> Result<Pattern, String> {
    if let Some(base) = strip_prefix_marker(from) {
        let (domain, path) = parse_prefix(base)?;
        return Ok(Pattern::Prefix { domain, path });
    }
    let reference = parse_name(from)?;
    if reference.digest().is_some() {
        return Err(format!(
            "`from` cannot name a digest; write the repository `{}` to match every tag and digest",
            reference.text()[reference.name_span()].to_owned()
        ));
    }
    let repo = reference.repository();
    Ok(match reference.tag() {
        Some(tag) => Pattern::Tagged {
            repo,
            tag: tag.to_owned(),
        },
        None => Pattern::Repository { repo },
    })
}

/// `retags`: the rule may put a tag on references of any tag (`--set-tag`, or a `tag`
/// condition).
pub(super) fn parse_target(pattern: &Pattern, to: &str, retags: bool) -> Result<Target, String> {
    if let Pattern::Prefix { .. } = pattern {
        let base = strip_prefix_marker(to).unwrap_or(to);
        parse_prefix(base)?;
        return Ok(Target::Prefix {
            base: base.to_owned(),
        });
    }
    if strip_prefix_marker(to).is_some() {
        return Err("`to` is a prefix but `from` is one repository; write `from` as a prefix too (ending in `/`), or `to` as a repository".to_owned());
    }
    let reference = parse_name(to)?;
    if reference.digest().is_some() {
        return Err("`to` cannot carry a digest: the digest of each reference is kept".to_owned());
    }
    let name = reference.text()[reference.name_span()].to_owned();
    match (pattern, reference.tag()) {
        (Pattern::Repository { .. }, Some(_)) if !retags => Err(format!(
            "`to` has a tag but `from` matches every tag; write `to` as `{name}` (tags are kept), give `from` a tag, or add --set-tag (`set-tag = true` in reimage.toml) to put this tag on every reference"
        )),
        (_, tag) => Ok(Target::Name { name, tag: tag.map(str::to_owned) }),
    }
}

/// Why a rule whose `to` names what `from` matches would change nothing (every run would report
/// the same "changes" and `--check` would fail forever), if it would.
pub(super) fn changes_nothing(pattern: &Pattern, target: &Target) -> Option<String> {
    let same = "`to` names the same image as `from`, so nothing would change";
    match (pattern, target) {
        (Pattern::Repository { repo }, Target::Name { name, tag: None })
            if normalized(name) == *repo =>
        {
            Some(format!("{same}; write the new name as `to`"))
        }
        (Pattern::Tagged { repo, tag }, Target::Name { name, tag: new_tag })
            if normalized(name) == *repo && new_tag.as_ref().is_none_or(|t| t == tag) =>
        {
            Some(match new_tag {
                None => format!("{same}: a `to` without a tag keeps the tag; write `{name}:NEWTAG` to change the tag"),
                Some(_) => format!("{same}; write another tag or repository as `to`"),
            })
        }
        (Pattern::Prefix { domain, path }, Target::Prefix { base })
            if parse_prefix(base).is_ok_and(|(d, p)| d == *domain && p == *path) =>
        {
            Some(format!("{same}; write the new prefix as `to`"))
        }
        _ => None,
    }
}

/// The normalized repository of a name `parse_target` accepted.
pub(super) fn normalized(name: &str) -> String {
    ImageRef::parse(name).map_or_else(|_| name.to_owned(), |r| r.repository())
}

/// Parses a rule name, turning grammar errors into advice.
pub(super) fn parse_name(text: &str) -> Result<ImageRef<'_>, String> {
    if let Some(name) = text.strip_suffix(":*").or_else(|| text.strip_suffix("@*")) {
        return Err(format!(
            "`{text}`: a name without a tag already matches every tag and digest; write `{name}`"
        ));
    }
    if !text.contains('/')
        && text.contains(['.', ':'])
        && !text.contains('@')
        && ImageRef::parse(text).map_or(true, |r| r.tag().is_none())
    {
        return Err(format!(
            "`{text}` is read as a Docker Hub image named `{text}`; to match a registry, write the prefix `{text}/`"
        ));
    }
    ImageRef::parse(text).map_err(|e| match e {
        RefError::MustBeLowercase => format!(
            "repository names must be lowercase; write `{}`",
            lowercase_name(text)
        ),
        other => format!("`{text}` is not an image reference ({other}); write e.g. `ghcr.io/owner/name` or `nginx:1.25`"),
    })
}

pub(super) fn lowercase_name(text: &str) -> String {
    match text.split_once(':') {
        Some((name, tag)) if !tag.contains('/') => format!("{}:{tag}", name.to_ascii_lowercase()),
        _ => text.to_ascii_lowercase(),
    }
}

/// `k8s.gcr.io` → (`k8s.gcr.io`, ``); `docker.io/bitnami` → (`docker.io`, `bitnami`); `bitnami` → Hub.
pub(super) fn parse_prefix(base: &str) -> Result<(String, String), String> {
    let probe = format!("{base}/reimage-probe/x");
    let reference = ImageRef::parse(&probe).map_err(|e| match e {
        RefError::MustBeLowercase => format!("repository names must be lowercase; write `{}/`", base.to_ascii_lowercase()),
        _ => format!("`{base}/` is not a registry or namespace prefix; write e.g. `k8s.gcr.io/` or `docker.io/bitnami/`"),
    })?;
    let path = reference.path();
    let prefix = path
        .strip_suffix("reimage-probe/x")
        .unwrap_or(&path)
        .trim_end_matches('/');
    Ok((reference.domain().to_owned(), prefix.to_owned()))
}
