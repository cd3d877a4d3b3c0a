//! The syntax front-ends and the one place that picks them: given a file's [`Syntax`] (and,
//! in Markdown, a code fence's), which readers run on the whole file and which on a line.
//! Every front-end returns sites (`find::site`); none imports another, only the shared lexing
//! in [`words`] and the tables in `find::vocabulary`. JSON is read by the YAML front-ends (JSON
//! is YAML); `.env`, Makefiles and plain text get only the shell readers every file gets.

mod dockerfile;
mod markdown;
mod program;
mod shell;
mod toml;
mod transport;
mod words;
mod yaml;
mod yaml_lines;

use std::ops::Range;

use crate::classify::{FileKind, Syntax};
use crate::find::site::{Accepts, LineSite, Site, Structure};
use crate::finding::Confidence;
use crate::problem::Problem;

/// The structure of a whole file, for syntaxes that have one (YAML and its dialects, JSON, TOML)
/// and are not templates; a parse failure is a warning, and the file is then read by lines.
pub(crate) fn read_structure(kind: FileKind, text: &[u8]) -> (Option<Structure>, Option<Problem>) {
    let syntax = kind.syntax();
    let format = match syntax {
        Syntax::Toml => "TOML",
        Syntax::Json => "JSON",
        Syntax::Yaml => "YAML",
        _ => return (None, None),
    };
    if memchr::memmem::find(text, b"{{").is_some() {
        return (None, None);
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return (None, Some(Problem::NotUtf8 { format }));
    };
    let parsed = match syntax {
        Syntax::Toml => toml::scan(text),
        _ => yaml::scan(kind, text),
    };
    match parsed {
        Ok(sites) => (Some(sites), None),
        Err(e) => (
            None,
            Some(Problem::Malformed {
                format,
                message: e.message.trim().to_owned(),
            }),
        ),
    }
}

/// Reads the lines of one file: the per-file facts line front-ends need (Dockerfile stages,
/// Markdown fences), collected once, and the dispatch from a line to its front-ends.
#[derive(Debug)]
pub(crate) struct LineReader {
    kind: FileKind,
    syntax: Syntax,
    stages: dockerfile::Stages,
    fences: markdown::Fences,
    /// The structure was read: its image keys are known, so YAML lines add only commands.
    structured: bool,
}

impl LineReader {
    pub(crate) fn new(kind: FileKind, text: &[u8], structured: bool) -> Self {
        let syntax = kind.syntax();
        let fences = match syntax {
            Syntax::Markdown => markdown::Fences::new(text),
            _ => markdown::Fences::default(),
        };
        // Markdown fences may hold Dockerfiles, whose stages the whole file names.
        let stages = match syntax {
            Syntax::Dockerfile | Syntax::Markdown => dockerfile::Stages::new(text),
            _ => dockerfile::Stages::default(),
        };
        LineReader {
            kind,
            syntax,
            stages,
            fences,
            structured,
        }
    }

    /// The image sites on `line` (a logical line: continuation lines included), in file offsets.
    /// The line's own syntax reads it first, then the shell readers, which run on every line.
    pub(crate) fn sites(&self, text: &[u8], line: Range<usize>) -> Vec<Site> {
        let bytes = &text[line.clone()];
        let mut found: Vec<(LineSite, Accepts)> = Vec::new();
        let fence = self.fences.syntax_at(line.start);
        let syntax = fence.unwrap_or(self.syntax);
        let any = |site| (site, Accepts::Any);
        // Assignments vouch only for names with more than a word (a tag, a namespace).
        let tagged = |site| (site, Accepts::Tagged);
        match syntax {
            Syntax::Yaml | Syntax::Json if fence.is_some() || !self.structured => {
                found.extend(yaml_lines::key_value(self.kind, bytes).map(any));
            }
            Syntax::Dockerfile => {
                found.extend(dockerfile::sites(bytes, &self.stages).into_iter().map(any));
            }
            Syntax::Text => found.extend(program::image_constant(bytes).map(tagged)),
            _ => {}
        }
        if shell::mentions_a_tool(bytes) {
            found.extend(shell::command_sites(bytes).into_iter().map(any));
        }
        if memchr::memmem::find(bytes, b"://").is_some() {
            found.extend(transport::sites(bytes).into_iter().map(any));
        }
        if assigns_variables(syntax) {
            found.extend(shell::assignment_value(bytes).map(|(site, mentions)| {
                (
                    site,
                    if mentions {
                        Accepts::Qualified
                    } else {
                        Accepts::Tagged
                    },
                )
            }));
        }
        found
            .into_iter()
            .map(|((span, confidence), accepts)| {
                // A word holding a variable vouches only for the qualified names in it; a
                // structural field's own readers already judged its value.
                let accepts = match accepts {
                    Accepts::Any | Accepts::Tagged | Accepts::Qualified
                        if confidence == Confidence::Command
                            && words::has_template(&bytes[span.clone()]) =>
                    {
                        Accepts::Qualified
                    }
                    other => other,
                };
                Site {
                    span: line.start + span.start..line.start + span.end,
                    confidence,
                    why: None,
                    accepts,
                }
            })
            .collect()
    }
}

/// Whether `NAME=value` lines of this syntax are variable assignments: shell-like files and
/// CI YAML (whose steps are scripts). In program source, JSON and TOML an `image_size = 0` is
/// no image variable.
fn assigns_variables(syntax: Syntax) -> bool {
    matches!(
        syntax,
        Syntax::Shell | Syntax::Makefile | Syntax::Env | Syntax::Dockerfile | Syntax::Yaml
    )
}

/// The text of every site of `text` read as a file of `kind`, line by line: what the line
/// front-ends' tests compare.
#[cfg(test)]
pub(crate) fn site_texts(kind: FileKind, text: &str) -> Vec<String> {
    let reader = LineReader::new(kind, text.as_bytes(), false);
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.trim_end_matches('\n').len();
        for site in reader.sites(text.as_bytes(), start..end) {
            out.push(text[site.span].to_owned());
        }
        start += line.len();
    }
    out
}
