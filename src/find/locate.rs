//! Where things are in a file: the site a candidate stands in (a structural one, or one on its
//! logical line, read once per line), logical lines across `\` continuations, and the line and
//! column of each finding, in one forward pass.

use std::collections::HashMap;
use std::ops::Range;

use super::site::{in_parts, Site, Structure};
use super::syntax::LineReader;

/// Where a candidate stands.
pub(super) enum Place {
    Site(Site),
    Text,
    /// Inside a part of a split map: judged with the whole map.
    Composite,
}

/// The structural site, review site, or line site around `span`.
/// `parts` are the structure's split-map part spans, sorted (`Structure::part_spans`).
pub(super) fn place(
    structure: &Structure,
    parts: &[Range<usize>],
    lines: &mut LineCache<'_>,
    span: &Range<usize>,
) -> Place {
    let inside = |r: &Range<usize>| r.start <= span.start && span.end <= r.end;
    if in_parts(parts, span) {
        return Place::Composite;
    }
    let sites = &structure.sites;
    let first = sites.partition_point(|s| s.span.end < span.end);
    if let Some(site) = sites[first..]
        .iter()
        .take_while(|s| s.span.start <= span.start)
        .find(|s| inside(&s.span))
    {
        return Place::Site(site.clone());
    }
    let line = lines.line_at(span.start);
    match lines.sites_on(line).iter().find(|s| inside(&s.span)) {
        Some(site) => Place::Site(site.clone()),
        None => Place::Text,
    }
}

/// Logical lines of one file and their sites, each computed once.
pub(super) struct LineCache<'a> {
    text: &'a [u8],
    reader: &'a LineReader,
    current: Option<Range<usize>>,
    sites: HashMap<usize, Vec<Site>>,
}

impl<'a> LineCache<'a> {
    pub(super) fn new(text: &'a [u8], reader: &'a LineReader) -> Self {
        LineCache {
            text,
            reader,
            current: None,
            sites: HashMap::new(),
        }
    }

    /// The logical line around `at`; offsets arrive in increasing order, so the last one is reused.
    pub(super) fn line_at(&mut self, at: usize) -> Range<usize> {
        match &self.current {
            Some(line) if line.start <= at && at <= line.end => line.clone(),
            _ => {
                let line = logical_line(self.text, at);
                self.current = Some(line.clone());
                line
            }
        }
    }

    /// The sites on `line`, read by the file's line front-ends.
    pub(super) fn sites_on(&mut self, line: Range<usize>) -> &[Site] {
        let (text, reader) = (self.text, self.reader);
        self.sites
            .entry(line.start)
            .or_insert_with(|| reader.sites(text, line))
    }
}

/// The line around `at`, extended over shell `\` continuations in both directions.
fn logical_line(text: &[u8], at: usize) -> Range<usize> {
    let line_start = |i: usize| memchr::memrchr(b'\n', &text[..i]).map_or(0, |p| p + 1);
    let line_end = |i: usize| memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |p| i + p);
    let continues = |end: usize| {
        let line = &text[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        line.ends_with(b"\\")
    };
    let mut start = line_start(at);
    while start > 0 && continues(start - 1) {
        start = line_start(start - 1);
    }
    let mut end = line_end(at);
    while end < text.len() && continues(end) {
        end = line_end(end + 1);
    }
    start..end
}

/// Turns byte offsets (visited in increasing order) into 1-based line and column.
#[derive(Default)]
pub(super) struct Locator {
    offset: usize,
    /// Newlines before `offset`.
    line: usize,
    /// Characters between the last newline and `offset`.
    column: usize,
}

impl Locator {
    /// Offsets must not decrease between calls: each byte is visited once, so locating every
    /// finding of a file costs one pass however long its lines are.
    pub(super) fn locate(&mut self, text: &[u8], at: usize) -> (usize, usize) {
        let chars = |bytes: &[u8]| bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count();
        let gap = &text[self.offset..at];
        match memchr::memrchr(b'\n', gap) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', gap).count();
                self.column = chars(&gap[last + 1..]);
            }
            None => self.column += chars(gap),
        }
        self.offset = at;
        (self.line + 1, self.column + 1)
    }
}
