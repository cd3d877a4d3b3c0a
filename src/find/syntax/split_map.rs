//! Helm split maps: which values written apart (`registry`, `repository` or `image`/`name`,
//! `tag`, `digest`) make one reference. Shared by the readers that see such maps — the YAML
//! structure (a mapping's scalars) and Markdown parameter tables (rows with one key prefix) —
//! so that a values file and the README table restating it are read alike.

use super::template;
use crate::find::site::{Composite, Part};
use crate::find::vocabulary::{self, SplitPart};
use crate::finding::ReviewReason;

/// The split map written in `scalars` (a map's literal values by key), if they make one: a
/// `repository` under an image key (or beside a `registry`), or a `registry` with an `image` or
/// `name` path under an image key or beside a tag or digest. A templated or empty `registry`
/// leaves the registry to the chart; a templated tag or digest is left out of the reference.
pub(crate) fn composite_of(scalars: &[(String, Part)], image_owner: bool) -> Option<Composite> {
    let mut map = Composite::default();
    let (mut path, mut tag, mut digest) = (None, None, None);
    for (key, part) in scalars {
        let part = Some(part.clone());
        // Parts are collected by their key as written (`Tag:` is none).
        match (vocabulary::split_part(key), vocabulary::split_alias(key)) {
            (Some(SplitPart::Registry), _) => map.registry = part,
            (Some(SplitPart::Repository), _) => map.repository = part,
            (Some(SplitPart::Tag), _) => map.tag = part,
            (Some(SplitPart::Digest), _) => map.digest = part,
            (None, Some(SplitPart::Repository)) => path = path.or(part),
            (None, Some(SplitPart::Tag)) => tag = tag.or(part),
            (None, Some(SplitPart::Digest)) => digest = digest.or(part),
            _ => {}
        }
    }
    let registry = map.registry.is_some();
    let versioned = map.tag.is_some() || map.digest.is_some() || tag.is_some() || digest.is_some();
    let recognised = match (&map.repository, &path) {
        (Some(_), _) => image_owner || registry,
        (None, Some(_)) => registry && (image_owner || versioned),
        (None, None) => false,
    };
    if !recognised {
        return None;
    }
    map.repository = map.repository.or(path);
    map.tag = map.tag.or(tag);
    map.digest = map.digest.or(digest);
    let repository = map.repository.as_ref()?;
    if repository.value.is_empty() || template::is_templated(&repository.value) {
        return None;
    }
    for part in [&mut map.tag, &mut map.digest] {
        if part
            .as_ref()
            .is_some_and(|p| template::is_templated(&p.value))
        {
            *part = None;
        }
    }
    map.unknown_registry = match &map.registry {
        Some(r) if r.value.is_empty() => Some(ReviewReason::MapWithoutRegistry),
        Some(r) if template::is_templated(&r.value) => Some(ReviewReason::TemplatedOwner),
        _ => None,
    };
    Some(map)
}

/// The reference a kustomize `images:` entry sets (`newName`, else `name`, with `newTag` and
/// `digest`), when it sets a tag or a digest; otherwise its names are images of their own.
pub(crate) fn kustomize_entry(scalars: &[(String, Part)]) -> Option<Composite> {
    let part = |key: &str| {
        scalars
            .iter()
            .find(|(k, p)| k == key && !template::is_templated(&p.value))
            .map(|(_, p)| p.clone())
    };
    let renamed = part("newName");
    let selects = renamed.is_none();
    let repository = renamed.or_else(|| part("name"))?;
    let (tag, digest) = (part("newTag"), part("digest"));
    if repository.value.is_empty() || (tag.is_none() && digest.is_none()) {
        return None;
    }
    Some(Composite {
        repository: Some(repository),
        tag,
        digest,
        selects,
        ..Composite::default()
    })
}
