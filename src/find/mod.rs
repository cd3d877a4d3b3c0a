//! Finding references in one file's bytes, in stages:
//!
//! 1. `matcher`: a multi-pattern first pass (`prefilter`) over the needles, literals every
//!    spelling of a matching name contains; a file without a hit costs nothing more. Each hit's
//!    candidate (`token`) is triaged, once per thread and text: does any rule have a say on it,
//!    and can the file's structure change what it is?
//! 2. `syntax`: the file's syntax front-ends (by `FileKind::syntax`) locate image positions
//!    as `site`s: the whole-file structure (YAML, JSON, TOML) when it matters, and the logical
//!    line around each candidate otherwise (`locate` reads each line once). What counts as an
//!    image position is in the `vocabulary` tables.
//! 3. `judge`: each candidate, by where it stands, becomes a finding or nothing. Names written
//!    with escaped slashes (`gcr.io\/o\/app`) are judged unescaped (`escaped`).
//! 4. `locate` gives findings their line and column; `suppress` marks `reimage: ignore`d ones.

mod anchors;
mod escaped;
mod judge;
mod locate;
mod matcher;
mod prefilter;
mod site;
mod suppress;
mod syntax;
mod token;
mod vocabulary;

use crate::classify::{refine_yaml_by_content, FileKind};
use crate::finding::{Confidence, Disposition, Finding, Outcome};
use crate::image_ref::ImageRef;
use crate::problem::Problem;

use anchors::Source;
use judge::Judge;
use locate::{LineCache, Locator, Place};
pub(crate) use matcher::{Hits, Matcher};
use site::{Accepts, Site, Structure};
use syntax::LineReader;
use token::Token;

/// The findings of one file.
#[derive(Debug, Default)]
pub(crate) struct Scanned {
    pub(crate) findings: Vec<Finding>,
    pub(crate) warning: Option<Problem>,
}

impl Matcher {
    /// Every finding in `text`, in file order, and a warning when the file's structure could not
    /// be read (it is then read line by line).
    pub(crate) fn find(&self, kind: FileKind, text: &[u8]) -> Scanned {
        match self.first_pass(text) {
            Some(hits) => self.find_candidate(kind, text, hits),
            None => Scanned::default(),
        }
    }

    /// [`Matcher::find`] for a file that [`Matcher::first_pass`] let through with `hits`.
    pub(crate) fn find_candidate(&self, kind: FileKind, text: &[u8], mut hits: Hits) -> Scanned {
        let escaped_runs = hits.take_escaped(text);
        let triaged = self.triage_hits(text, hits);
        let escaped = escaped::findings(self, kind, text, escaped_runs);
        if triaged.tokens.is_empty() && !triaged.structural && escaped.is_empty() {
            return Scanned::default();
        }
        let kind = refine_yaml_by_content(kind, text);
        let (structure, warning) = if triaged.structural {
            syntax::read_structure(kind, text)
        } else {
            (None, None)
        };
        let scan = FileScan {
            judge: Judge {
                matcher: self,
                kind,
                text,
            },
            lines: LineReader::new(kind, text, structure.as_ref()),
            parts: structure
                .as_ref()
                .map(Structure::part_spans)
                .unwrap_or_default(),
            structure: structure.unwrap_or_default(),
        };
        Scanned {
            findings: scan.run(triaged.tokens, escaped),
            warning,
        }
    }
}

/// The analysis of one file.
struct FileScan<'a> {
    judge: Judge<'a>,
    lines: LineReader,
    structure: Structure,
    /// The spans of the split maps' parts, sorted.
    parts: Vec<std::ops::Range<usize>>,
}

impl FileScan<'_> {
    /// Judges every candidate by where it stands, then locates and suppresses the findings
    /// with those of the `escaped` names, which replace any finding they overlap. Findings that
    /// would edit a YAML anchor other references read differently are then made review
    /// findings (`anchors`).
    fn run(&self, tokens: Vec<Token>, escaped: Vec<Finding>) -> Vec<Finding> {
        let mut candidates = self.candidates(tokens);
        self.built_here(&mut candidates);
        let mut findings: Vec<(Source, Finding)> = candidates
            .into_iter()
            .filter_map(|(tok, site)| self.judge.judge(&tok, site.as_ref()))
            .map(|f| (Source::Token, f))
            .collect();
        findings.extend(
            self.structure
                .composites
                .iter()
                .enumerate()
                .filter_map(|(i, c)| Some((Source::Map(i), self.judge.judge_composite(c)?))),
        );
        findings.retain(|(_, f)| {
            !escaped
                .iter()
                .any(|e| e.span.start < f.span.end && f.span.start < e.span.end)
        });
        findings.extend(escaped.into_iter().map(|f| (Source::Token, f)));
        findings.sort_by_key(|(_, f)| (f.span.start, f.span.end));
        if findings.is_empty() {
            return Vec::new();
        }
        let text = self.judge.text;
        let ignored = suppress::IgnoredLines::new(text);
        let mut locator = Locator::default();
        for (_, finding) in &mut findings {
            (finding.line, finding.column) = locator.locate(text, finding.span.start);
            if ignored.contains(finding.line) && finding.outcome != Outcome::Inventory {
                finding.disposition = Some(Disposition::Ignored);
            }
        }
        if !self.structure.anchors.is_empty() {
            anchors::settle(&self.structure, text, &mut findings);
        }
        findings.into_iter().map(|(_, f)| f).collect()
    }

    /// A name this file builds (`docker build -t app .`, a Compose `image:` beside `build:`) is
    /// the local image wherever the file uses it (`docker run app`): every place that names it
    /// vouches for it as built, so a registry-wide rule treats the build and its uses alike.
    fn built_here(&self, candidates: &mut [(Token, Option<Site>)]) {
        let text = self.judge.text;
        let repository = |tok: &Token| {
            let written = std::str::from_utf8(&text[tok.span.clone()]).ok()?;
            ImageRef::parse(written).ok().map(|r| r.repository())
        };
        let built: Vec<String> = candidates
            .iter()
            .filter(|(_, site)| site.as_ref().is_some_and(|s| s.accepts == Accepts::Built))
            .filter_map(|(tok, _)| repository(tok))
            .collect();
        if built.is_empty() {
            return;
        }
        for (tok, site) in candidates.iter_mut() {
            let Some(site) = site.as_mut().filter(|s| s.accepts == Accepts::Any) else {
                continue;
            };
            if repository(tok).is_some_and(|r| built.contains(&r)) {
                site.accepts = Accepts::Built;
            }
        }
    }

    /// Every candidate once, in file order, with the site it stands in: the needle tokens
    /// (those inside a split map are judged with the map) and, with keywords, every token of
    /// the structure's sites and of the sites on each keyword's line.
    fn candidates(&self, tokens: Vec<Token>) -> Vec<(Token, Option<Site>)> {
        let text = self.judge.text;
        let mut candidates = Vec::new();
        let mut lines = LineCache::new(text, &self.lines);
        for tok in tokens {
            match locate::place(&self.structure, &self.parts, &mut lines, &tok.span) {
                Place::Site(site) => candidates.push((tok, Some(site))),
                Place::Text => candidates.push((tok, None)),
                Place::Composite => {}
            }
        }
        if let Some(keywords) = &self.judge.matcher.keywords {
            // A registry setting (`REGISTRY: ghcr.io`) is no image to inventory.
            let listed = |site: &&Site| {
                !(self.judge.matcher.inventory && site.confidence == Confidence::Setting)
            };
            for site in self.structure.sites.iter().filter(listed) {
                for tok in token::tokens_in(text, site.span.clone()) {
                    candidates.push((tok, Some(site.clone())));
                }
            }
            let mut covered = 0;
            let hits = keywords.find_iter(text).map(|hit| hit.start());
            let mut starts: Vec<usize> = hits
                .chain(self.lines.placed_lines().iter().copied())
                .collect();
            starts.sort_unstable();
            for start in starts {
                if start < covered {
                    continue;
                }
                let line = lines.line_at(start);
                covered = line.end;
                for site in lines.sites_on(line).to_vec() {
                    for tok in token::tokens_in(text, site.span.clone()) {
                        if self.in_composite(&tok) {
                            continue;
                        }
                        candidates.push((tok, Some(site.clone())));
                    }
                }
            }
        }
        candidates.retain(|(t, _)| !syntax::is_template_code(&self.structure, text, &t.span));
        candidates.sort_by_key(|(t, _)| (t.span.start, t.span.end));
        candidates.dedup_by(|a, b| a.0.span == b.0.span);
        candidates
    }

    /// Whether `tok` is inside a part of a split map, which is judged with its map.
    fn in_composite(&self, tok: &Token) -> bool {
        site::in_parts(&self.parts, &tok.span)
    }
}
