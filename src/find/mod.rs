//! Finding references in one file's bytes: prefilter, candidate tokens, context, rule verdict.
//!
//! A file that contains no needle (a literal every spelling of a matching name contains) costs one
//! multi-pattern scan. Only lines with a hit are tokenized and analysed for image positions.

mod context;
mod prefilter;
mod suppress;
mod token;
mod toml;
mod yaml;

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::AhoCorasick;

use crate::classify::{refine_yaml_by_content, FileKind};
use crate::finding::{Confidence, Disposition, Edit, Finding, Outcome, ReviewReason, RuleId};
use crate::image_ref::{self, ImageRef};
use crate::problem::Problem;
use crate::rule::{RuleSet, Verdict};

use context::{FileFacts, Site};

/// What to look for: rules, or every reference in image positions (`list`).
#[derive(Debug)]
pub(crate) struct Matcher {
    rules: RuleSet,
    needles: Option<prefilter::Needles>,
    /// Lines with these words are analysed for image positions even without a needle.
    keywords: Option<AhoCorasick>,
    inventory: bool,
    /// Tells this matcher's entries in the per-thread triage memo from another's.
    id: usize,
}

/// What a needle hit's text is on its own, wherever it stands.
#[derive(Debug, Clone, Copy)]
struct Triage {
    /// Some rule has a say on it (see [`Matcher::relevant`]).
    relevant: bool,
    /// A registry-qualified name with a namespace (`ghcr.io/owner/app`), which a `key: value`
    /// line reads the same without the file's structure.
    qualified: bool,
}

/// How many distinct hit texts a thread remembers before starting over.
const TRIAGE_MEMO_MAX: usize = 4096;

/// Triage by hit text for one matcher at a time.
#[derive(Default)]
struct TriageMemo {
    matcher: usize,
    by_text: HashMap<Box<str>, Triage>,
}

thread_local! {
    /// Per walker thread: a large tree repeats a few hundred names tens of thousands of times,
    /// and parsing them was the largest cost of files with hits.
    static TRIAGED: RefCell<TriageMemo> = RefCell::default();
}

static NEXT_MATCHER_ID: AtomicUsize = AtomicUsize::new(1);

const CONTEXT_KEYWORDS: &[&str] = &[
    "image",
    "from",
    "docker",
    "podman",
    "nerdctl",
    "kubectl",
    "container",
];

impl Matcher {
    /// A matcher for `rules`; with `inventory`, every reference in an image position is reported.
    pub(crate) fn new(rules: RuleSet, inventory: bool) -> Self {
        let fixed = rules.needles();
        // Rules without fixed text (every Docker Hub image) are found through the keywords below,
        // and their qualified spellings through `docker.io`.
        let needles = (!inventory).then(|| {
            prefilter::Needles::new(
                fixed
                    .clone()
                    .unwrap_or_else(|| vec![image_ref::HUB.to_owned()]),
            )
        });
        let keywords = (inventory || fixed.is_none()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(CONTEXT_KEYWORDS)
                .expect("literal keywords build an automaton")
        });
        Matcher {
            rules,
            needles,
            keywords,
            inventory,
            id: NEXT_MATCHER_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The cheap first pass, the only one most files get: where the needles occur, or `None`
    /// when the file cannot contain a finding. One pass serves both questions.
    pub(crate) fn first_pass(&self, text: &[u8]) -> Option<Hits> {
        let hits = self
            .needles
            .as_ref()
            .map(|n| n.hits(text))
            .unwrap_or_default();
        let keyword = || self.keywords.as_ref().is_some_and(|k| k.is_match(text));
        (!hits.is_empty() || keyword()).then_some(Hits(hits))
    }

    /// Every finding in `text`, in file order, and a warning when the file's structure could not
    /// be read (it is then read line by line).
    pub(crate) fn find(&self, kind: FileKind, text: &[u8]) -> Scanned {
        match self.first_pass(text) {
            Some(hits) => self.find_candidate(kind, text, hits),
            None => Scanned::default(),
        }
    }

    /// [`Matcher::find`] for a file that [`Matcher::first_pass`] let through with `hits`.
    pub(crate) fn find_candidate(&self, kind: FileKind, text: &[u8], hits: Hits) -> Scanned {
        // Each hit is triaged on its own: whether any rule has a say on it and whether the
        // file's structure could change what it is. Parsing the structure is the costliest
        // step; a file whose every hit is a registry-qualified name on a `key: value` line reads
        // the same without it.
        let mut structural = self.keywords.is_some();
        let mut tokens = Vec::new();
        for tok in needle_tokens(text, hits) {
            let written = std::str::from_utf8(&text[tok.span.clone()]).unwrap_or_default();
            let triage = self.triage(written);
            structural = structural || needs_structure(text, &tok, triage.qualified);
            if triage.relevant {
                tokens.push(tok);
            }
        }
        if tokens.is_empty() && !structural {
            return Scanned::default();
        }
        let kind = if kind == FileKind::Yaml {
            refine_yaml_by_content(kind, text)
        } else {
            kind
        };
        let (structure, warning) = if structural {
            read_structure(kind, text)
        } else {
            (None, None)
        };
        let mut facts = FileFacts::new(kind, text);
        facts.structured = structure.is_some();
        let scan = FileScan {
            matcher: self,
            kind,
            text,
            facts,
            structure: structure.unwrap_or_default(),
        };
        Scanned {
            findings: scan.run(tokens),
            warning,
        }
    }

    /// [`Triage`] of a hit's text, parsed once per thread and text.
    fn triage(&self, written: &str) -> Triage {
        TRIAGED.with(|memo| {
            let memo = &mut *memo.borrow_mut();
            if memo.matcher != self.id || memo.by_text.len() >= TRIAGE_MEMO_MAX {
                memo.matcher = self.id;
                memo.by_text.clear();
            }
            if let Some(&triage) = memo.by_text.get(written) {
                return triage;
            }
            let reference = ImageRef::parse(written).ok();
            let triage = Triage {
                relevant: self.relevant(written, reference.as_ref()),
                qualified: reference
                    .is_some_and(|r| r.has_written_domain() && r.written_path().contains('/')),
            };
            memo.by_text.insert(written.into(), triage);
            triage
        })
    }

    /// Whether some rule has a say on a hit wherever it stands. [`FileScan::judge`] drops every
    /// other candidate whatever its place, so only these are worth placing: most needle hits in
    /// a large tree are look-alikes (`…/grok2api-api`, Go import paths) that no rule matches.
    fn relevant(&self, written: &str, reference: Option<&ImageRef<'_>>) -> bool {
        self.inventory
            || self.rules.bare_prefix(written).is_some()
            || reference.is_some_and(|r| {
                self.rules.verdict(r).is_some() || self.rules.path_only(r).is_some()
            })
    }
}

/// Where a file's needles occur, in increasing order of start: what the first pass found.
#[derive(Debug)]
pub(crate) struct Hits(Vec<Range<usize>>);

/// The candidate around each needle hit, once per candidate, in file order.
fn needle_tokens(text: &[u8], hits: Hits) -> Vec<token::Token> {
    let mut tokens = Vec::new();
    let mut covered = 0;
    for hit in hits.0 {
        if hit.start < covered {
            continue;
        }
        let Some(tok) = token::token_at(text, hit.clone()) else {
            continue;
        };
        covered = tok.span.end.max(hit.end);
        tokens.push(tok);
    }
    tokens
}

/// Whether the structural reader can change what `tok` is: a name without a registry (its place
/// decides), a split map part, or a value that is not on a plain `key: value` line (a list item,
/// a block scalar line, an escaped string).
fn needs_structure(text: &[u8], tok: &token::Token, qualified: bool) -> bool {
    if !qualified {
        return true;
    }
    // Look at most a short window around the token: a minified file is one long line.
    const WINDOW: usize = 256;
    let from = tok.span.start.saturating_sub(WINDOW);
    let line_start =
        memchr::memrchr(b'\n', &text[from..tok.span.start]).map_or(from, |i| from + i + 1);
    let to = (tok.span.end + WINDOW).min(text.len());
    let line_end = memchr::memchr(b'\n', &text[tok.span.end..to]).map_or(to, |i| tok.span.end + i);
    let before = &text[line_start..tok.span.start];
    memchr::memchr(b':', before).is_none()
        || memchr::memchr(b'\\', &text[line_start..line_end]).is_some()
}

/// The findings of one file.
#[derive(Debug, Default)]
pub(crate) struct Scanned {
    pub(crate) findings: Vec<Finding>,
    pub(crate) warning: Option<Problem>,
}

/// Parses YAML and JSON files that are not templates; a parse failure is a warning, not an error.
fn read_structure(kind: FileKind, text: &[u8]) -> (Option<yaml::YamlSites>, Option<Problem>) {
    let format = match kind {
        FileKind::Toml => "TOML",
        FileKind::Json => "JSON",
        _ if kind.is_yaml() => "YAML",
        _ => return (None, None),
    };
    if memchr::memmem::find(text, b"{{").is_some() {
        return (None, None);
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return (None, Some(Problem::NotUtf8 { format }));
    };
    let parsed = if kind == FileKind::Toml {
        toml::scan(text)
    } else {
        yaml::scan(kind, text)
    };
    match parsed {
        Ok(sites) => (Some(sites), None),
        Err(e) => (
            None,
            Some(Problem::Malformed {
                format,
                message: e.trim().to_owned(),
            }),
        ),
    }
}

/// The analysis of one file.
struct FileScan<'a> {
    matcher: &'a Matcher,
    kind: FileKind,
    text: &'a [u8],
    facts: FileFacts,
    structure: yaml::YamlSites,
}

/// Where a candidate stands.
enum Place {
    Site(Site),
    Text,
    /// Inside a part of a split map: judged with the whole map.
    Composite,
}

impl FileScan<'_> {
    fn run(&self, tokens: Vec<token::Token>) -> Vec<Finding> {
        let mut candidates: Vec<(token::Token, Option<Site>)> = Vec::new();
        let mut lines = LineCache::default();
        for tok in tokens {
            match self.place(&mut lines, &tok.span) {
                Place::Site(site) => candidates.push((tok, Some(site))),
                Place::Text => candidates.push((tok, None)),
                Place::Composite => {}
            }
        }
        if let Some(keywords) = &self.matcher.keywords {
            for site in &self.structure.sites {
                for tok in token::tokens_in(self.text, site.span.clone()) {
                    candidates.push((tok, Some(site.clone())));
                }
            }
            let mut covered = 0;
            for hit in keywords.find_iter(self.text) {
                if hit.start() < covered {
                    continue;
                }
                let line = lines.line_at(self.text, hit.start());
                covered = line.end;
                for site in lines.sites_on(self, line).to_vec() {
                    for tok in token::tokens_in(self.text, site.span.clone()) {
                        candidates.push((tok, Some(site.clone())));
                    }
                }
            }
        }
        candidates.sort_by_key(|(t, _)| (t.span.start, t.span.end));
        candidates.dedup_by(|a, b| a.0.span == b.0.span);
        let mut findings: Vec<Finding> = candidates
            .into_iter()
            .filter_map(|(tok, site)| self.judge(&tok, site.as_ref()))
            .collect();
        findings.extend(
            self.structure
                .composites
                .iter()
                .filter_map(|c| self.judge_composite(c)),
        );
        findings.sort_by_key(|f| (f.span.start, f.span.end));
        if findings.is_empty() {
            return findings;
        }
        let ignored = suppress::IgnoredLines::new(self.text);
        let mut locator = Locator::default();
        for finding in &mut findings {
            (finding.line, finding.column) = locator.locate(self.text, finding.span.start);
            if ignored.contains(finding.line) && finding.outcome != Outcome::Inventory {
                finding.disposition = Some(Disposition::Ignored);
            }
        }
        findings
    }

    /// The structural site, review site, or line site around `span`.
    fn place(&self, lines: &mut LineCache, span: &Range<usize>) -> Place {
        let inside = |r: &Range<usize>| r.start <= span.start && span.end <= r.end;
        if self
            .structure
            .composites
            .iter()
            .any(|c| c.spans().any(inside))
        {
            return Place::Composite;
        }
        let sites = &self.structure.sites;
        let first = sites.partition_point(|s| s.span.end < span.end);
        if let Some(site) = sites[first..]
            .iter()
            .take_while(|s| s.span.start <= span.start)
            .find(|s| inside(&s.span))
        {
            return Place::Site(site.clone());
        }
        let line = lines.line_at(self.text, span.start);
        match lines.sites_on(self, line).iter().find(|s| inside(&s.span)) {
            Some(site) => Place::Site(site.clone()),
            None => Place::Text,
        }
    }

    /// Decides what a candidate is: a rewrite, stale, review, inventory entry, or nothing.
    /// Needle hits reach here only when [`Matcher::relevant`] says some rule has a say on them:
    /// a new way for this function to report a hit must be reflected there.
    fn judge(&self, tok: &token::Token, site: Option<&Site>) -> Option<Finding> {
        let span = tok.span.clone();
        let written = std::str::from_utf8(&self.text[span.clone()]).ok()?;
        let confidence = site.map_or(Confidence::QualifiedText, |s| s.confidence);
        if let Some((rule, to)) = self
            .matcher
            .rules
            .bare_prefix(written)
            .filter(|_| !self.matcher.inventory)
        {
            let in_image_field = site.is_some_and(|s| s.confidence != Confidence::Review);
            let outcome = match (in_image_field, to) {
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
        let reference = ImageRef::parse(written).ok()?;
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
            return if site.is_some() && tok.templated.is_none() {
                found(Outcome::Inventory, None)
            } else {
                None
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
        if let Some(why) = site.and_then(|s| s.why).or(tok.templated) {
            let rule = match &verdict {
                Some(Verdict::Rewrite { rule, .. } | Verdict::Denied { rule }) => Some(*rule),
                None => self.matcher.rules.path_only(&reference),
            }?;
            return found(Outcome::Review(why), Some(rule));
        }
        match verdict {
            // A short Docker Hub name is an image only where the place says so.
            Some(_) if site.is_none() && !reference.has_written_domain() => None,
            Some(Verdict::Rewrite {
                rule,
                span: part,
                replacement,
            }) => {
                let new = format!(
                    "{}{replacement}{}",
                    &written[..part.start],
                    &written[part.end..]
                );
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
            None => {
                let rule = self.matcher.rules.path_only(&reference)?;
                found(Outcome::Review(ReviewReason::PathOnly), Some(rule))
            }
        }
    }

    /// Judges a Helm split map as one reference and edits each part that changes.
    fn judge_composite(&self, map: &yaml::Composite) -> Option<Finding> {
        let repository = map.repository.as_ref()?;
        fn part(p: &Option<yaml::Part>) -> Option<&str> {
            p.as_ref()
                .map(|p| p.value.as_str())
                .filter(|v| !v.is_empty())
        }
        let (registry, tag, digest) = (part(&map.registry), part(&map.tag), part(&map.digest));
        let mut written = registry.map_or(String::new(), |r| format!("{r}/"));
        written.push_str(&repository.value);
        if let Some(tag) = tag {
            written = format!("{written}:{tag}");
        }
        if let Some(digest) = digest {
            written = format!("{written}@{digest}");
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
            return found(Outcome::Inventory, None);
        }
        match self.matcher.rules.verdict(&reference) {
            Some(Verdict::Rewrite {
                rule,
                span: part,
                replacement,
            }) => {
                let new = format!(
                    "{}{replacement}{}",
                    &written[..part.start],
                    &written[part.end..]
                );
                let new_ref = ImageRef::parse(&new).ok()?;
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
        }
    }
}

/// Logical lines and their sites, each computed once.
#[derive(Default)]
struct LineCache {
    current: Option<Range<usize>>,
    sites: HashMap<usize, Vec<Site>>,
}

impl LineCache {
    /// The logical line around `at`; offsets arrive in increasing order, so the last one is reused.
    fn line_at(&mut self, text: &[u8], at: usize) -> Range<usize> {
        match &self.current {
            Some(line) if line.start <= at && at <= line.end => line.clone(),
            _ => {
                let line = logical_line(text, at);
                self.current = Some(line.clone());
                line
            }
        }
    }

    fn sites_on(&mut self, scan: &FileScan<'_>, line: Range<usize>) -> &[Site] {
        self.sites
            .entry(line.start)
            .or_insert_with(|| context::sites(scan.kind, scan.text, line, &scan.facts))
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
struct Locator {
    offset: usize,
    /// Newlines before `offset`.
    line: usize,
    /// Characters between the last newline and `offset`.
    column: usize,
}

impl Locator {
    /// Offsets must not decrease between calls: each byte is visited once, so locating every
    /// finding of a file costs one pass however long its lines are.
    fn locate(&mut self, text: &[u8], at: usize) -> (usize, usize) {
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

/// The edits that turn a split map into `new`: the registry only if it moves, the repository only
/// if its path changes (with the registry folded in when the map has none), the tag if replaced.
fn split_edits(
    map: &yaml::Composite,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::RuleSpec;

    fn matcher(from: &str, to: &str) -> Matcher {
        let spec = RuleSpec::rename(from, to, "test");
        Matcher::new(RuleSet::new(vec![spec]).unwrap(), false)
    }

    #[test]
    fn the_triage_memo_keeps_each_matchers_answers_apart() {
        // Both rules search for `a/b`; only the first has a say on `ghcr.io/a/b`.
        let ghcr = matcher("ghcr.io/a/b", "ghcr.io/a/c");
        let quay = matcher("quay.io/a/b", "quay.io/a/c");
        let text = b"image: ghcr.io/a/b:1\n";
        // `quay` first: a memo shared between matchers would then hide the finding from `ghcr`.
        for _ in 0..2 {
            assert!(quay.find(FileKind::Yaml, text).findings.is_empty());
            assert_eq!(ghcr.find(FileKind::Yaml, text).findings.len(), 1);
        }
    }
}
