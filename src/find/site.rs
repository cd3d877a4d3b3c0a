//! Sites: what every syntax front-end produces and the judge consumes. A site is a byte range
//! that holds an image by its place; a composite is a Helm split map (one reference written in
//! several scalars); a [`Structure`] is all of them for one file, as a structural reader saw it,
//! or a [`ParseError`] when it could not read the file.
//! A leaf of `find`: it imports only the domain model.

use std::ops::Range;

use crate::finding::{Confidence, ReviewReason};

/// A byte range that holds an image value, and how it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Site {
    pub(crate) span: Range<usize>,
    pub(crate) confidence: Confidence,
    /// For review sites: why a human must look.
    pub(crate) why: Option<ReviewReason>,
    /// Which names the place vouches for.
    pub(crate) accepts: Accepts,
}

/// Which names a site vouches for as images. A place says a word is an image only when the
/// word is one literal token there; where the word is partly a variable, or the place is an
/// assignment rather than a container command, short Docker Hub names need more than the place.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Accepts {
    /// Any name (a structural field, the image argument of a container command).
    #[default]
    Any,
    /// Only registry-qualified names: the word holds a variable, a substitution or a template
    /// (`$REGISTRY/$svc:$TAG`), so its literal short parts are not names (the literal default
    /// of `${VAR:-name}` excepted).
    Qualified,
    /// A variable assignment (`BASE_IMAGE=…`): a bare short name (no tag, namespace or digest)
    /// is at most a review.
    Tagged,
    /// An entry of an image map in program source (`images = ["icons/app", "redis:7"]`): the
    /// map's name is weaker evidence than a key's, so a short name counts only with a tag or a
    /// digest.
    Versioned,
    /// The `image:` of a Compose service that has `build:`, the tag of `docker build -t`, Jenkins
    /// `docker.build('…')`, and any other place of the same file naming what they build: a
    /// short name there is the name of an image built locally,
    /// never pulled from Docker Hub, so only a rule naming that repository renames it.
    Built,
}

impl Site {
    /// A structural image field.
    pub(crate) fn structural(span: Range<usize>) -> Self {
        Site {
            span,
            confidence: Confidence::Structural,
            why: None,
            accepts: Accepts::Any,
        }
    }

    /// A place a human must look at, for `why`.
    pub(crate) fn review(span: Range<usize>, why: ReviewReason) -> Self {
        Site {
            span,
            confidence: Confidence::Review,
            why: Some(why),
            accepts: Accepts::Any,
        }
    }
}

/// A site found on one line, with its range relative to the line's start: what the line
/// front-ends return before the dispatcher turns it into a [`Site`] in file offsets.
pub(crate) type LineSite = (Range<usize>, Confidence);

/// A scalar of a split map: its editable span and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub(crate) span: Range<usize>,
    pub(crate) value: String,
    /// Read through a YAML alias (`registry: *reg`): the span is the anchored scalar's, which
    /// may be anywhere in the file and may be shared with other maps.
    pub(crate) alias: bool,
}

/// `image: {registry, repository, tag, digest}`: one reference written in several scalars.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Composite {
    pub(crate) registry: Option<Part>,
    pub(crate) repository: Option<Part>,
    pub(crate) tag: Option<Part>,
    pub(crate) digest: Option<Part>,
    /// The map has a `registry` that is empty or templated: the chart supplies the registry, so
    /// the map is left to a human, for this reason.
    pub(crate) unknown_registry: Option<ReviewReason>,
    /// The repository also selects the images the map retags (a kustomize `images:` entry's
    /// `name` without `newName`): a rule for one tag must not rename it.
    pub(crate) selects: bool,
}

impl Composite {
    /// Spans of every part, so that tokens inside them are not judged on their own.
    pub(crate) fn spans(&self) -> impl Iterator<Item = &Range<usize>> {
        [&self.registry, &self.repository, &self.tag, &self.digest]
            .into_iter()
            .flatten()
            .map(|p| &p.span)
    }

    /// From the first written part's start to the last one's end: where the reference is. Parts
    /// read through an alias are elsewhere in the file and count only when all parts are.
    pub(crate) fn span(&self) -> Range<usize> {
        let parts = || {
            [&self.registry, &self.repository, &self.tag, &self.digest]
                .into_iter()
                .flatten()
                .filter(|p| !p.value.is_empty())
        };
        let own = parts().any(|p| !p.alias);
        let written = || parts().filter(move |p| !own || !p.alias).map(|p| &p.span);
        let start = written().map(|s| s.start).min().unwrap_or_default();
        let end = written().map(|s| s.end).max().unwrap_or_default();
        start..end
    }
}

#[cfg(test)]
impl Composite {
    /// The text of each part, registry to digest (`-` for none): what tests compare.
    pub(crate) fn part_texts(&self, text: &str) -> Vec<String> {
        [&self.registry, &self.repository, &self.tag, &self.digest]
            .into_iter()
            .map(|p| {
                p.as_ref()
                    .map_or("-".to_owned(), |p| text[p.span.clone()].to_owned())
            })
            .collect()
    }
}

/// What a structural reader (YAML, JSON, TOML) says about a whole file.
#[derive(Debug, Default)]
pub(crate) struct Structure {
    /// Values in image positions, sorted by start: literal ones are structural, those that
    /// cannot be edited in place (block, escaped) and registry settings are review sites.
    pub(crate) sites: Vec<Site>,
    pub(crate) composites: Vec<Composite>,
    /// Template actions (`{{ … }}`), sorted: values holding one are left to the line readers,
    /// which read every line that has one.
    pub(crate) templated: Vec<Range<usize>>,
    /// YAML anchors on literal scalars (`&reg ghcr.io`): the scalar's span and the anchor's
    /// name, sorted by span. Aliases in image positions and split maps read the anchor's span.
    pub(crate) anchors: Vec<(Range<usize>, String)>,
    /// Markdown: the code fences read as YAML structure, sorted. Their lines are then read like
    /// a parsed file's (only those with a template action); other fences are read by lines.
    pub(crate) fences: Vec<Range<usize>>,
}

impl Structure {
    /// Takes in `inner`, the structure of the part of this file that starts at offset `at`,
    /// with its spans moved to file offsets.
    pub(crate) fn absorb(&mut self, inner: Structure, at: usize) {
        let shift = |r: &mut Range<usize>| *r = r.start + at..r.end + at;
        for mut site in inner.sites {
            shift(&mut site.span);
            self.sites.push(site);
        }
        for (mut span, name) in inner.anchors {
            shift(&mut span);
            self.anchors.push((span, name));
        }
        for mut composite in inner.composites {
            for part in [
                &mut composite.registry,
                &mut composite.repository,
                &mut composite.tag,
                &mut composite.digest,
            ]
            .into_iter()
            .flatten()
            {
                shift(&mut part.span);
            }
            self.composites.push(composite);
        }
        self.templated.extend(
            inner
                .templated
                .into_iter()
                .map(|r| r.start + at..r.end + at),
        );
        self.fences
            .extend(inner.fences.into_iter().map(|r| r.start + at..r.end + at));
    }

    /// The spans of every split map's parts, sorted, for [`in_parts`].
    pub(crate) fn part_spans(&self) -> Vec<Range<usize>> {
        let mut spans: Vec<Range<usize>> = self
            .composites
            .iter()
            .flat_map(|c| c.spans().cloned())
            .collect();
        spans.sort_by_key(|r| (r.start, r.end));
        spans
    }
}

/// Whether `span` lies inside one of `parts` (sorted by start, disjoint): a token of a split
/// map's part, judged with its map. A binary search: a values file can hold thousands of maps.
pub(crate) fn in_parts(parts: &[Range<usize>], span: &Range<usize>) -> bool {
    let i = parts.partition_point(|r| r.start <= span.start);
    i > 0 && span.end <= parts[i - 1].end
}

/// Why a structural reader could not read a file: the parser's own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct ParseError {
    pub(crate) message: String,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
        }
    }
}
