//! YAML (and JSON) read as structure: which scalars sit in image positions, with byte spans.
//!
//! Parsed with `saphyr-parser` events, whose spans count characters; they are turned into byte
//! offsets with a forward cursor (free for ASCII files). The parser may read a masked copy of the
//! file (template actions replaced by placeholders of the same length, see `template`): spans
//! are then still the file's, and values are read from the file itself. Only scalars whose
//! source text is their value (plain or quoted without escapes, a block scalar's one line) are
//! offered for editing; other scalars in image positions are opaque and become review findings,
//! and templated ones are left to the line readers. Helm split maps (`registry` and `repository`,
//! or `registry` and `image`/`name`, with a tag or digest) are one composite reference; literal
//! blocks that hold YAML (`artifacthub.io/images`, ConfigMap `values.yaml: |`) are read as YAML.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle};

mod scalar;

use super::split_map::{composite_of, kustomize_entry};
use super::template;
use crate::classify::FileKind;
use crate::find::site::{Accepts, ParseError, Part, Site, Structure};
use crate::find::vocabulary::{self, KeyReader, KeyRole, DOCKER_SCHEME, USES_KEY};
use crate::finding::{Confidence, ReviewReason};
use scalar::{anchor_name, block_line, literal_span, Cursor};

const OPAQUE: ReviewReason = ReviewReason::OpaqueYaml;

/// Where a scalar sits: the key it is the value of, and the keys of the two enclosing containers.
struct Position<'a> {
    key: Option<&'a str>,
    owner: Option<&'a str>,
    owner_parent: Option<&'a str>,
    /// The container is the value of `owner` itself, not an item of a list under it.
    direct: bool,
}

#[derive(Debug)]
struct Frame {
    is_map: bool,
    /// Map: the key whose value comes next.
    key: Option<String>,
    expecting_key: bool,
    /// The key this container is the value of (a sequence's items inherit it).
    owner: Option<String>,
    owner_parent: Option<String>,
    direct: bool,
    /// Map: literal scalar values of split-map keys, for split maps.
    scalars: Vec<(String, Part)>,
    /// How many sites there were when the container started: those after are inside it.
    sites_from: usize,
    /// Map: it has a `build` key (a Compose service that builds its image).
    builds: bool,
    /// Map: the span of its own `image:` site.
    image_site: Option<Range<usize>>,
}

/// Reads `text` as YAML (or JSON) of dialect `kind`; on a parse error the caller falls back to
/// lines.
pub(crate) fn scan(kind: FileKind, text: &str) -> Result<Structure, ParseError> {
    scan_masked(kind, text, text)
}

/// Reads `masked`, a copy of `text` of the same length with its template actions masked, as
/// YAML of dialect `kind`: spans are offsets in both, values are taken from `text`.
pub(crate) fn scan_masked(
    kind: FileKind,
    masked: &str,
    text: &str,
) -> Result<Structure, ParseError> {
    let mut cursor = Cursor::new(masked);
    let events = Parser::new_from_str(masked).map(move |event| {
        let (event, span) = event.map_err(|e| ParseError::new(e.to_string()))?;
        Ok((
            event,
            cursor.bytes(span.start.index())..cursor.bytes(span.end.index()),
        ))
    });
    scan_events(kind, masked, text, events)
}

/// Reads a stream of YAML `events` with the byte ranges they cover in `masked` (the YAML
/// parser's, or the JSON tokenizer's): the one walker every structural YAML and JSON read shares.
pub(super) fn scan_events<'e>(
    kind: FileKind,
    masked: &str,
    text: &str,
    events: impl Iterator<Item = Result<(Event<'e>, Range<usize>), ParseError>>,
) -> Result<Structure, ParseError> {
    debug_assert_eq!(masked.len(), text.len());
    let mut walker = Walker {
        kind,
        text: masked,
        original: text,
        frames: Vec::new(),
        anchors: HashMap::new(),
        out: Structure::default(),
    };
    for event in events {
        let (event, range) = event?;
        walker.event(event, range);
    }
    let mut out = walker.out;
    out.sites.sort_by_key(|s| (s.span.start, s.span.end));
    out.sites.dedup();
    out.anchors.sort_by_key(|(span, _)| (span.start, span.end));
    Ok(out)
}

struct Walker<'t> {
    kind: FileKind,
    /// The text the parser reads (masked or not).
    text: &'t str,
    /// The file's text, where values are read.
    original: &'t str,
    frames: Vec<Frame>,
    /// Anchor id → the anchored scalar's editable span, if it is literal.
    anchors: HashMap<usize, Result<Range<usize>, Range<usize>>>,
    out: Structure,
}

impl Walker<'_> {
    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_map = matches!(event, Event::MappingStart(..));
                let (owner, owner_parent, direct) = match self.frames.last() {
                    Some(top) if top.is_map => (top.key.clone(), top.owner.clone(), true),
                    Some(top) => (top.owner.clone(), top.owner_parent.clone(), false),
                    None => (None, None, false),
                };
                self.frames.push(Frame {
                    is_map,
                    key: None,
                    expecting_key: true,
                    owner,
                    owner_parent,
                    direct,
                    scalars: Vec::new(),
                    sites_from: self.out.sites.len(),
                    builds: false,
                    image_site: None,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(frame) = self.frames.pop() {
                    if frame.is_map {
                        self.split_map(&frame);
                        self.built_image(&frame);
                    }
                }
                self.value_done();
            }
            Event::Scalar(value, style, anchor, _) => self.scalar(&value, style, anchor, range),
            Event::Alias(id) => self.alias(id),
            Event::DocumentStart(_) | Event::DocumentEnd => self.frames.clear(),
            _ => {}
        }
    }

    /// A map's value has been read: the next scalar is a key again.
    fn value_done(&mut self) {
        if let Some(top) = self.frames.last_mut().filter(|f| f.is_map) {
            top.expecting_key = true;
            top.key = None;
        }
    }

    /// An alias reads its anchored scalar where it stands: as an image (edited at the anchor), or
    /// as a part of a split map (the part's span is the anchor's, marked as read through an alias).
    fn alias(&mut self, id: usize) {
        let anchored = self.anchors.get(&id).cloned();
        let Some(top) = self.frames.last_mut() else {
            return;
        };
        if top.is_map && top.expecting_key {
            // An aliased key: the anchored scalar's value is the key.
            let key = match &anchored {
                Some(Ok(span)) => self.original[span.clone()].to_owned(),
                _ => String::new(),
            };
            top.key = Some(key);
            top.expecting_key = false;
            return;
        }
        if let (true, Some(key), Some(Ok(span))) = (top.is_map, &top.key, &anchored) {
            if vocabulary::split_part(key).is_some() || vocabulary::split_alias(key).is_some() {
                let value = self.original[span.clone()].to_owned();
                let part = Part {
                    span: span.clone(),
                    value,
                    alias: true,
                };
                top.scalars.push((key.clone(), part));
            }
        }
        if let Some(confidence) = self.image_position(None) {
            match anchored {
                Some(Ok(span)) => self.out.sites.push(Site {
                    span,
                    confidence,
                    why: None,
                    accepts: Default::default(),
                }),
                Some(Err(span)) => self.out.sites.push(Site::review(span, OPAQUE)),
                None => {}
            }
        }
        self.value_done();
    }

    fn scalar(&mut self, value: &str, style: ScalarStyle, anchor: usize, range: Range<usize>) {
        let Some(top) = self.frames.last_mut() else {
            return;
        };
        if top.is_map && top.expecting_key {
            top.builds = top.builds || value == "build";
            top.key = Some(value.to_owned());
            top.expecting_key = false;
            return;
        }
        let editable = literal_span(self.text, value, style, &range);
        if anchor != 0 {
            self.anchors
                .insert(anchor, editable.clone().ok_or(range.clone()));
            if let Some(span) = &editable {
                let name = anchor_name(self.text, range.start);
                self.out.anchors.push((span.clone(), name));
            }
        }
        let key = top.key.clone();
        if let (Some(k), Some(span)) = (&key, &editable) {
            let kustomize = self.kind == FileKind::Kustomize;
            if top.is_map
                && (vocabulary::split_part(k).is_some()
                    || vocabulary::split_alias(k).is_some()
                    || kustomize && vocabulary::KUSTOMIZE_IMAGE_KEYS.contains(&k.as_str()))
            {
                let value = self.original[span.clone()].to_owned();
                top.scalars.push((
                    k.clone(),
                    Part {
                        span: span.clone(),
                        value,
                        alias: false,
                    },
                ));
            }
        }
        let embedded = style == ScalarStyle::Literal
            && key
                .as_deref()
                .is_some_and(|k| vocabulary::holds_yaml(&k.to_ascii_lowercase()));
        if embedded && self.embedded_yaml(&range) {
            self.value_done();
            return;
        }
        if let Some(confidence) = self.image_position(Some(value)) {
            let templated = template::is_templated(&self.original[range.clone()]);
            match editable.or_else(|| block_line(self.text, value, style, &range)) {
                // A templated value is read by the line readers, which read every line with an
                // action: its literal parts are judged there, as before masking.
                _ if templated => {}
                Some(mut span) => {
                    if let Some(rest) = value.strip_prefix(DOCKER_SCHEME) {
                        span.start = span.end - rest.len();
                    }
                    if let Some(top) = self.frames.last_mut().filter(|f| f.is_map) {
                        if top.key.as_deref() == Some("image") {
                            top.image_site = Some(span.clone());
                        }
                    }
                    self.out.sites.push(Site {
                        span,
                        confidence,
                        why: None,
                        accepts: Default::default(),
                    });
                }
                None => self.out.sites.push(Site::review(range, OPAQUE)),
            }
        }
        self.value_done();
    }

    /// Reads the literal block at `range` as YAML of its own and takes its sites, when it parses
    /// and holds any: its lines are the file's bytes, so its spans are spans of the file.
    fn embedded_yaml(&mut self, range: &Range<usize>) -> bool {
        // The scalar's span starts at its first line's content: the block starts at that line.
        let bytes = self.text.as_bytes();
        let start = match bytes.get(range.start) {
            Some(b'|' | b'>') => match memchr::memchr(b'\n', &bytes[range.clone()]) {
                Some(newline) => range.start + newline + 1,
                None => return false,
            },
            _ => memchr::memrchr(b'\n', &bytes[..range.start]).map_or(0, |i| i + 1),
        };
        let body = start..range.end;
        if body.is_empty() {
            return false;
        }
        let Ok(inner) = scan_masked(
            FileKind::Yaml,
            &self.text[body.clone()],
            &self.original[body.clone()],
        ) else {
            return false;
        };
        if inner.sites.is_empty() && inner.composites.is_empty() {
            return false;
        }
        self.out.absorb(inner, body.start);
        true
    }

    /// Whether the value about to be read (a scalar `value`, or an alias when `None`) is an image.
    fn image_position(&self, value: Option<&str>) -> Option<Confidence> {
        let top = self.frames.last()?;
        let position = Position {
            key: if top.is_map { top.key.as_deref() } else { None },
            owner: top.owner.as_deref(),
            owner_parent: top.owner_parent.as_deref(),
            direct: top.direct,
        };
        classify_position(self.kind, &position, value)
    }

    /// Marks the `image:` of a Compose service with `build:` as the name of a locally built
    /// image (see `Accepts::Built`).
    fn built_image(&mut self, frame: &Frame) {
        // A service, or an extension field (`x-sentry-defaults: &defaults`) merged into some.
        let service = frame.owner_parent.as_deref() == Some("services")
            || frame.owner.as_deref().is_some_and(|o| o.starts_with("x-"));
        if self.kind != FileKind::Compose || !frame.builds || !service {
            return;
        }
        let Some(span) = &frame.image_site else {
            return;
        };
        let from = frame.sites_from.min(self.out.sites.len());
        for site in &mut self.out.sites[from..] {
            if &site.span == span && site.confidence == Confidence::Structural {
                site.accepts = Accepts::Built;
            }
        }
    }

    /// Emits a composite reference for a split map, and withdraws the sites of its parts (an
    /// inner `image:` or `name:` is part of the map, not an image of its own).
    fn split_map(&mut self, frame: &Frame) {
        let lower = |s: Option<&str>| s.map(str::to_ascii_lowercase).unwrap_or_default();
        let image_owner = vocabulary::is_split_map_owner(
            &lower(frame.owner.as_deref()),
            &lower(frame.owner_parent.as_deref()),
        );
        if frame.scalars.is_empty() {
            return;
        }
        let kustomize = self.kind == FileKind::Kustomize
            && !frame.direct
            && lower(frame.owner.as_deref()) == "images";
        let composite = if kustomize {
            kustomize_entry(&frame.scalars)
        } else {
            composite_of(&frame.scalars, image_owner)
        };
        let Some(composite) = composite else {
            return;
        };
        let parts: Vec<Range<usize>> = if kustomize {
            // `name` stays an image of its own beside a `newName`.
            composite.spans().cloned().collect()
        } else {
            frame.scalars.iter().map(|(_, p)| p.span.clone()).collect()
        };
        let inside = |s: &Site| {
            parts
                .iter()
                .any(|p| p.start <= s.span.start && s.span.end <= p.end)
        };
        let mut i = frame.sites_from.min(self.out.sites.len());
        while i < self.out.sites.len() {
            if inside(&self.out.sites[i]) {
                self.out.sites.remove(i);
            } else {
                i += 1;
            }
        }
        self.out.composites.push(composite);
    }
}

/// Whether a value at `p` (a scalar `value`, or an alias when `None`) is an image, by the tables
/// of [`vocabulary`].
fn classify_position(kind: FileKind, p: &Position<'_>, value: Option<&str>) -> Option<Confidence> {
    let lower = |s: Option<&str>| s.map(str::to_ascii_lowercase).unwrap_or_default();
    let (key, owner) = (lower(p.key), lower(p.owner));
    let in_split_map = vocabulary::is_split_map_owner(&owner, &lower(p.owner_parent));
    if in_split_map && vocabulary::split_part(&key).is_some() {
        // Judged with the whole map.
        return None;
    }
    if p.direct && vocabulary::nested_setting_key(&key, &owner) {
        return Some(Confidence::Setting);
    }
    let structural = Some(Confidence::Structural);
    if vocabulary::nested_image_key(kind, p.key.map(|_| key.as_str()), &owner) {
        return structural;
    }
    if p.direct && p.key.is_some() && vocabulary::named_image(&owner, &key) {
        return structural;
    }
    if key == USES_KEY && value.is_some_and(|v| v.starts_with(DOCKER_SCHEME)) {
        return structural;
    }
    match vocabulary::image_key(KeyReader::Yaml, kind, &key) {
        KeyRole::Image => structural,
        KeyRole::Registry => Some(Confidence::Setting),
        KeyRole::Not => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(kind: FileKind, text: &str) -> Vec<String> {
        scan(kind, text)
            .unwrap()
            .sites
            .iter()
            .map(|s| text[s.span.clone()].to_owned())
            .collect()
    }

    #[test]
    fn image_keys_in_block_and_flow_style() {
        let text = "a:\n  image: \"nginx:1\"\n  b: [x, {image: 'redis'}]\n  name: nginx\n";
        assert_eq!(sites(FileKind::Yaml, text), ["nginx:1", "redis"]);
    }

    #[test]
    fn a_quoted_value_before_a_comment_is_literal() {
        let text = "services:\r\n  web:\r\n    image: \"k8s.gcr.io/pause:3.9\"   # pinned\r\n";
        assert_eq!(sites(FileKind::Compose, text), ["k8s.gcr.io/pause:3.9"]);
    }

    #[test]
    fn non_ascii_text_maps_characters_to_bytes() {
        let text = "# café ☕\nimage: nginx:1 # été\nx: ü\nimage: redis\n";
        assert_eq!(sites(FileKind::Yaml, text), ["nginx:1", "redis"]);
    }

    #[test]
    fn anchors_are_edited_once_at_the_anchor() {
        let text = "x: &img ghcr.io/a/b:1\nimage: *img\nother:\n  image: *img\n";
        let found = scan(FileKind::Yaml, text).unwrap();
        let spans: Vec<_> = found.sites.iter().map(|s| &text[s.span.clone()]).collect();
        assert_eq!(spans, ["ghcr.io/a/b:1"]);
    }

    #[test]
    fn a_split_map_reads_its_registry_through_an_alias_at_the_anchor() {
        let text = "regs:\n  main: &reg ghcr.io\na:\n  image:\n    registry: *reg\n    repository: acme/a\nb:\n  registry: *reg\n";
        let found = scan(FileKind::Helm, text).unwrap();
        let c = &found.composites[0];
        let registry = c.registry.as_ref().unwrap();
        assert_eq!((registry.span.clone(), registry.alias), (19..26, true));
        assert_eq!(&text[c.span()], "acme/a");
        assert_eq!(found.anchors, [(19..26, "&reg".to_owned())]);
        // A registry setting read through an alias stays a setting.
        assert_eq!(found.sites.len(), 1);
        assert_eq!(found.sites[0].confidence, Confidence::Setting);
    }

    #[test]
    fn block_and_escaped_scalars_are_opaque() {
        let text = "image: >-\n  ghcr.io/a/\n  b\nother:\n  image: \"ghcr.io/a/\\x62\"\n";
        let found = scan(FileKind::Yaml, text).unwrap();
        assert_eq!(found.sites.len(), 2);
        assert!(found.sites.iter().all(|s| s.why == Some(OPAQUE)));
    }

    #[test]
    fn a_reference_on_one_line_of_a_block_scalar_is_spliced() {
        let text = "a:\n  image: >-\n    ghcr.io/a/b:1\nb:\n  image: |\n    redis:7\n  x: 1\n";
        assert_eq!(sites(FileKind::Yaml, text), ["ghcr.io/a/b:1", "redis:7"]);
    }

    #[test]
    fn helm_split_map_is_one_composite() {
        let text = "image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: 7.2\nglobal:\n  imageRegistry: k8s.gcr.io\n";
        let found = scan(FileKind::Helm, text).unwrap();
        assert_eq!(found.composites.len(), 1);
        let c = &found.composites[0];
        assert_eq!(c.registry.as_ref().unwrap().value, "docker.io");
        assert_eq!(
            &text[c.repository.as_ref().unwrap().span.clone()],
            "bitnami/redis"
        );
        assert_eq!(found.sites.len(), 1);
        assert_eq!(found.sites[0].confidence, Confidence::Setting);
    }

    #[test]
    fn every_split_map_shape_is_one_composite_and_its_image_is_not_read_twice() {
        let text = "controller:\n  image:\n    registry: registry.k8s.io\n    image: ingress-nginx/controller\n    tag: v1.11.2\n    digest: sha256:abc\n    pullPolicy: IfNotPresent\n\
kubectl:\n  registry: docker.io\n  repository: bitnami/kubectl\n  version: \"1.29\"\n\
job:\n  image: {registry: quay.io, name: jetstack/cert-manager-ctl, sha: abc}\n\
gitlab:\n  image:\n    name: python:3.12\n\
mirror:\n  registry: docker.io\n  name: hub\n";
        let found = scan(FileKind::Helm, text).unwrap();
        let maps: Vec<_> = found
            .composites
            .iter()
            .map(|c| c.part_texts(text))
            .collect();
        assert_eq!(
            maps,
            [
                [
                    "registry.k8s.io",
                    "ingress-nginx/controller",
                    "v1.11.2",
                    "sha256:abc"
                ],
                ["docker.io", "bitnami/kubectl", "1.29", "-"],
                ["quay.io", "jetstack/cert-manager-ctl", "-", "abc"],
            ]
        );
        // GitLab's `image: {name}` stays an image, a lone `registry` a setting.
        let texts: Vec<_> = found
            .sites
            .iter()
            .map(|s| (&text[s.span.clone()], s.confidence))
            .collect();
        assert_eq!(
            texts,
            [
                ("python:3.12", Confidence::Structural),
                ("docker.io", Confidence::Setting)
            ]
        );
    }

    #[test]
    fn an_empty_or_templated_registry_leaves_the_map_to_a_human() {
        let text = "a:\n  image:\n    registry: \"\"\n    repository: bitnami/redis\n    tag: \"{{ .Chart.AppVersion }}\"\nb:\n  image:\n    registry: \"{{ .Values.global.registry }}\"\n    repository: bitnami/nginx\n";
        let found = scan(FileKind::Helm, text).unwrap();
        let why: Vec<_> = found
            .composites
            .iter()
            .map(|c| c.unknown_registry)
            .collect();
        assert_eq!(
            why,
            [
                Some(ReviewReason::MapWithoutRegistry),
                Some(ReviewReason::TemplatedOwner)
            ]
        );
        assert!(found.composites[0].tag.is_none());
    }

    #[test]
    fn named_image_maps_hold_images_but_not_their_settings() {
        let text = "images:\n  kubectl: \"bitnami/kubectl:1.29\"\n  helm: ghcr.io/a/helm:3\n  pullPolicy: Always\nkustomize:\n  images:\n    - name: nginx\n      newTag: \"1\"\n";
        assert_eq!(
            sites(FileKind::Yaml, text),
            ["bitnami/kubectl:1.29", "ghcr.io/a/helm:3"]
        );
    }

    #[test]
    fn literal_blocks_of_yaml_are_read_as_yaml() {
        let text = "annotations:\n  category: Database\n  images: |\n    - name: redis\n      image: docker.io/bitnami/redis:7.4.1\n    - name: os-shell\n      image: docker.io/bitnami/os-shell:12\n  artifacthub.io/images: |\n    - name: x\n      image: ghcr.io/a/x:1\n      platforms:\n        - linux/amd64\n---\nkind: ConfigMap\ndata:\n  values.yaml: |\n    image:\n      registry: docker.io\n      repository: bitnami/nginx\n  notes.txt: |\n    image: not-read\n";
        let found = scan(FileKind::Yaml, text).unwrap();
        let texts: Vec<_> = found.sites.iter().map(|s| &text[s.span.clone()]).collect();
        assert_eq!(
            texts,
            [
                "docker.io/bitnami/redis:7.4.1",
                "docker.io/bitnami/os-shell:12",
                "ghcr.io/a/x:1"
            ]
        );
        assert_eq!(
            found.composites[0].part_texts(text),
            ["docker.io", "bitnami/nginx", "-", "-"]
        );
    }

    #[test]
    fn ci_and_kustomize_positions() {
        let gitlab = "image:\n  name: python:3.12\nservices:\n  - postgres:16\n  - name: redis:7\n";
        assert_eq!(
            sites(FileKind::GitlabCi, gitlab),
            ["python:3.12", "postgres:16", "redis:7"]
        );
        let kustomize =
            "images:\n  - name: nginx\n    newName: ghcr.io/a/nginx\n    newTag: \"1\"\n  - name: quay.io/a/b\n    newTag: v2\n  - name: redis\n    newName: ghcr.io/a/redis\n";
        // An entry that sets a tag is one reference (`newName`, else `name`, with `newTag`).
        assert_eq!(
            sites(FileKind::Kustomize, kustomize),
            ["nginx", "redis", "ghcr.io/a/redis"]
        );
        let found = scan(FileKind::Kustomize, kustomize).unwrap();
        let maps: Vec<_> = found
            .composites
            .iter()
            .map(|c| c.part_texts(kustomize))
            .collect();
        assert_eq!(
            maps,
            [
                ["-", "ghcr.io/a/nginx", "1", "-"],
                ["-", "quay.io/a/b", "v2", "-"]
            ]
        );
        let volume = "spec:\n  volumes:\n    - name: models\n      image:\n        reference: ghcr.io/a/models:1\n        pullPolicy: IfNotPresent\n";
        assert_eq!(sites(FileKind::Kubernetes, volume), ["ghcr.io/a/models:1"]);
        let actions = "jobs:\n  t:\n    container: node:20\n    steps:\n      - uses: docker://alpine:3\n      - uses: actions/checkout@v4\n";
        assert_eq!(
            sites(FileKind::GithubActions, actions),
            ["node:20", "alpine:3"]
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let text = format!("{}1{}", "[".repeat(20_000), "]".repeat(20_000));
        let _ = scan(FileKind::Yaml, &text);
    }
}
