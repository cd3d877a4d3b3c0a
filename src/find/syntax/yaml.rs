//! YAML (and JSON) read as structure: which scalars sit in image positions, with byte spans.
//!
//! Parsed with `saphyr-parser` events, whose spans count characters; they are turned into byte
//! offsets with a forward cursor (free for ASCII files). Only scalars whose source text is their
//! value (plain or quoted without escapes) are offered for editing; block and escaped scalars in
//! image positions are opaque and become review findings. Helm split maps (`registry`,
//! `repository`, `tag`, `digest` under an image key) are one composite reference.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::classify::FileKind;
use crate::find::site::{Composite, ParseError, Part, Site, Structure};
use crate::find::vocabulary::{self, KeyReader, KeyRole, SplitPart, DOCKER_SCHEME, USES_KEY};
use crate::finding::{Confidence, ReviewReason};

const OPAQUE: ReviewReason = ReviewReason::OpaqueYaml;
const REGISTRY_SETTING: ReviewReason = ReviewReason::RegistrySetting;

/// Where a scalar sits: the key it is the value of, and the keys of the two enclosing containers.
struct Position<'a> {
    key: Option<&'a str>,
    owner: Option<&'a str>,
    owner_parent: Option<&'a str>,
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
    /// Map: scalar values by key, for split maps.
    scalars: Vec<(String, Part)>,
}

/// Reads `text` as YAML (or JSON) of dialect `kind`; on a parse error the caller falls back to
/// lines.
pub(crate) fn scan(kind: FileKind, text: &str) -> Result<Structure, ParseError> {
    let mut walker = Walker {
        kind,
        text,
        cursor: Cursor::new(text),
        frames: Vec::new(),
        anchors: HashMap::new(),
        out: Structure::default(),
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| ParseError::new(e.to_string()))?;
        let range = walker.cursor.bytes(span.start.index())..walker.cursor.bytes(span.end.index());
        walker.event(event, range);
    }
    let mut out = walker.out;
    out.sites.sort_by_key(|s| (s.span.start, s.span.end));
    out.sites.dedup();
    Ok(out)
}

struct Walker<'t> {
    kind: FileKind,
    text: &'t str,
    cursor: Cursor<'t>,
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
                let (owner, owner_parent) = match self.frames.last() {
                    Some(top) if top.is_map => (top.key.clone(), top.owner.clone()),
                    Some(top) => (top.owner.clone(), top.owner_parent.clone()),
                    None => (None, None),
                };
                self.frames.push(Frame {
                    is_map,
                    key: None,
                    expecting_key: true,
                    owner,
                    owner_parent,
                    scalars: Vec::new(),
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(frame) = self.frames.pop() {
                    if frame.is_map {
                        self.split_map(frame);
                    }
                }
                self.value_done();
            }
            Event::Scalar(value, style, anchor, _) => self.scalar(&value, style, anchor, range),
            Event::Alias(id) => {
                if self.in_value_position() && self.image_position(None).is_some() {
                    match self.anchors.get(&id).cloned() {
                        Some(Ok(span)) => self.out.sites.push(Site::structural(span)),
                        Some(Err(span)) => self.out.sites.push(Site::review(span, OPAQUE)),
                        None => {}
                    }
                }
                self.value_done();
            }
            Event::DocumentStart(_) | Event::DocumentEnd => self.frames.clear(),
            _ => {}
        }
    }

    fn in_value_position(&self) -> bool {
        self.frames
            .last()
            .is_some_and(|f| !f.is_map || !f.expecting_key)
    }

    /// A map's value has been read: the next scalar is a key again.
    fn value_done(&mut self) {
        if let Some(top) = self.frames.last_mut().filter(|f| f.is_map) {
            top.expecting_key = true;
            top.key = None;
        }
    }

    fn scalar(&mut self, value: &str, style: ScalarStyle, anchor: usize, range: Range<usize>) {
        let Some(top) = self.frames.last_mut() else {
            return;
        };
        if top.is_map && top.expecting_key {
            top.key = Some(value.to_owned());
            top.expecting_key = false;
            return;
        }
        let editable = literal_span(self.text, value, style, &range);
        if anchor != 0 {
            self.anchors
                .insert(anchor, editable.clone().ok_or(range.clone()));
        }
        let key = top.key.clone();
        if let (Some(k), Some(span)) = (&key, &editable) {
            if top.is_map {
                top.scalars.push((
                    k.clone(),
                    Part {
                        span: span.clone(),
                        value: value.to_owned(),
                    },
                ));
            }
        }
        if let Some(confidence) = self.image_position(Some(value)) {
            match editable {
                Some(mut span) => {
                    if let Some(rest) = value.strip_prefix(DOCKER_SCHEME) {
                        span.start = span.end - rest.len();
                    }
                    let why = (confidence == Confidence::Review).then_some(REGISTRY_SETTING);
                    self.out.sites.push(Site {
                        span,
                        confidence,
                        why,
                        accepts: Default::default(),
                    });
                }
                None => self.out.sites.push(Site::review(range, OPAQUE)),
            }
        }
        self.value_done();
    }

    /// Whether the value about to be read (a scalar `value`, or an alias when `None`) is an image.
    fn image_position(&self, value: Option<&str>) -> Option<Confidence> {
        let top = self.frames.last()?;
        let position = Position {
            key: if top.is_map { top.key.as_deref() } else { None },
            owner: top.owner.as_deref(),
            owner_parent: top.owner_parent.as_deref(),
        };
        classify_position(self.kind, &position, value)
    }

    /// Emits a composite reference for a Helm-style split map under an image key.
    fn split_map(&mut self, frame: Frame) {
        let lower = |s: Option<&str>| s.map(str::to_ascii_lowercase).unwrap_or_default();
        let (owner, parent) = (
            lower(frame.owner.as_deref()),
            lower(frame.owner_parent.as_deref()),
        );
        if !vocabulary::is_split_map_owner(&owner, &parent) {
            return;
        }
        let mut composite = Composite::default();
        for (key, part) in frame.scalars {
            // Parts are collected by their key as written (`Tag:` is none).
            match vocabulary::split_part(&key) {
                Some(SplitPart::Registry) => composite.registry = Some(part),
                Some(SplitPart::Repository) => composite.repository = Some(part),
                Some(SplitPart::Tag) => composite.tag = Some(part),
                Some(SplitPart::Digest) => composite.digest = Some(part),
                None => {}
            }
        }
        if composite
            .repository
            .as_ref()
            .is_some_and(|r| !r.value.is_empty())
        {
            self.out.composites.push(composite);
        }
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
    let structural = Some(Confidence::Structural);
    if vocabulary::nested_image_key(kind, p.key.map(|_| key.as_str()), &owner) {
        return structural;
    }
    if key == USES_KEY && value.is_some_and(|v| v.starts_with(DOCKER_SCHEME)) {
        return structural;
    }
    match vocabulary::image_key(KeyReader::Yaml, kind, &key) {
        KeyRole::Image => structural,
        KeyRole::Registry => Some(Confidence::Review),
        KeyRole::Not => None,
    }
}

/// The byte span of a scalar's value when the source spells it literally (no escapes, folding or
/// quote doubling), so that a splice inside it edits exactly the value.
fn literal_span(
    text: &str,
    value: &str,
    style: ScalarStyle,
    range: &Range<usize>,
) -> Option<Range<usize>> {
    let close = match style {
        ScalarStyle::Plain => 0,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => 1,
        ScalarStyle::Literal | ScalarStyle::Folded => return None,
    };
    let end = range.end.checked_sub(close)?;
    let start = end.checked_sub(value.len())?;
    (start >= range.start && text.get(start..end) == Some(value)).then_some(start..end)
}

/// Converts increasing character indices to byte offsets.
struct Cursor<'t> {
    text: &'t str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'t> Cursor<'t> {
    fn new(text: &'t str) -> Self {
        Cursor {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    fn bytes(&mut self, chars: usize) -> usize {
        if self.ascii {
            return chars.min(self.text.len());
        }
        if chars < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        for c in self.text[self.bytes..].chars().take(chars - self.chars) {
            self.bytes += c.len_utf8();
            self.chars += 1;
        }
        self.bytes
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
    fn block_and_escaped_scalars_are_opaque() {
        let text = "image: >-\n  ghcr.io/a/b\nother:\n  image: \"ghcr.io/a/\\x62\"\n";
        let found = scan(FileKind::Yaml, text).unwrap();
        assert_eq!(found.sites.len(), 2);
        assert!(found.sites.iter().all(|s| s.why == Some(OPAQUE)));
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
        assert_eq!(found.sites[0].confidence, Confidence::Review);
    }

    #[test]
    fn ci_and_kustomize_positions() {
        let gitlab = "image:\n  name: python:3.12\nservices:\n  - postgres:16\n  - name: redis:7\n";
        assert_eq!(
            sites(FileKind::GitlabCi, gitlab),
            ["python:3.12", "postgres:16", "redis:7"]
        );
        let kustomize =
            "images:\n  - name: nginx\n    newName: ghcr.io/a/nginx\n    newTag: \"1\"\n";
        assert_eq!(
            sites(FileKind::Kustomize, kustomize),
            ["nginx", "ghcr.io/a/nginx"]
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
