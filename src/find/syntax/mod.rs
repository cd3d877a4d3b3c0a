//! The syntax front-ends and the one place that picks them: given a file's [`Syntax`] (and,
//! in Markdown, a code fence's), which readers run on the whole file and which on a line.
//! Every front-end returns sites (`find::site`); none imports another, only the shared lexing
//! in [`words`] and the tables in `find::vocabulary`. JSON is read by the YAML front-ends (JSON
//! is YAML), its comments and trailing commas (JSONC) masked first; `.env`, Makefiles and plain text get only the shell readers every file gets.

mod dockerfile;
mod jsonc;
mod markdown;
mod program;
mod shell;
mod template;
mod toml;
mod transport;
mod words;
mod yaml;
mod yaml_lines;

use std::ops::Range;

use crate::classify::{FileKind, Syntax};
use crate::find::site::{Accepts, LineSite, ParseError, Site, Structure};
use crate::finding::Confidence;
use crate::problem::Problem;

/// The structure of a whole file, for syntaxes that have one (YAML and its dialects, JSON, TOML);
/// a parse failure is a warning, and the file is then read by lines. YAML with template actions
/// (Helm templates, Helmfile `.gotmpl`, Jinja) is parsed with the actions masked.
pub(crate) fn read_structure(kind: FileKind, text: &[u8]) -> (Option<Structure>, Option<Problem>) {
    let syntax = kind.syntax();
    let format = match syntax {
        Syntax::Toml => "TOML",
        Syntax::Json => "JSON",
        Syntax::Yaml => "YAML",
        _ => return (None, None),
    };
    if syntax == Syntax::Toml && memchr::memmem::find(text, b"{{").is_some() {
        return (None, None);
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return (None, Some(Problem::NotUtf8 { format }));
    };
    let parsed = match syntax {
        Syntax::Toml => toml::scan(text),
        // JSON with comments (tsconfig.json, .vscode/, devcontainer.json) is read masked.
        Syntax::Json => match jsonc::mask(text) {
            Some(masked) => yaml::scan_masked(kind, &masked, text),
            None => read_yaml(kind, text),
        },
        _ => read_yaml(kind, text),
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

/// YAML (or JSON), templated or not. A template (an action starts a line or a value) is parsed
/// masked first; YAML that only mentions actions in its strings (values files, workflows) is
/// parsed as it is first. The masked parse's error is the one reported.
fn read_yaml(kind: FileKind, text: &str) -> Result<Structure, ParseError> {
    let actions = template::Actions::find(text.as_bytes());
    if actions.is_empty() {
        return yaml::scan(kind, text);
    }
    let masked = || match actions.unclosed {
        Some(at) => {
            let line = memchr::memchr_iter(b'\n', &text.as_bytes()[..at]).count() + 1;
            Err(ParseError::new(format!(
                "a template action opened at line {line} never closes"
            )))
        }
        None => yaml::scan_masked(kind, &actions.mask(text), text),
    };
    let plain = || yaml::scan(kind, text);
    let parsed = if actions.start_values(text.as_bytes()) {
        masked().or_else(|e| plain().map_err(|_| e))
    } else {
        plain().or_else(|_| masked())
    };
    parsed.map(|mut structure| {
        structure.templated = actions.ranges;
        structure
    })
}

/// Whether `span` is template code in a file whose `structure` was read (a function or value
/// name inside `{{ … }}`, not a string literal there): no candidate.
pub(crate) fn is_template_code(structure: &Structure, text: &[u8], span: &Range<usize>) -> bool {
    template::is_code(text, &structure.templated, span)
}

/// Reads the lines of one file: the per-file facts line front-ends need (Dockerfile stages,
/// Markdown fences), collected once, and the dispatch from a line to its front-ends.
#[derive(Debug)]
pub(crate) struct LineReader {
    kind: FileKind,
    syntax: Syntax,
    stages: dockerfile::Stages,
    fences: markdown::Fences,
    /// The structure was read: its image keys are known, so YAML lines add only commands,
    /// except lines with a template action (`templated`), whose values the structure leaves.
    structured: bool,
    templated: Vec<Range<usize>>,
}

impl LineReader {
    /// A reader of `text`; `structure` is its structure, when it was read.
    pub(crate) fn new(kind: FileKind, text: &[u8], structure: Option<&Structure>) -> Self {
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
            structured: structure.is_some(),
            templated: structure.map(|s| s.templated.clone()).unwrap_or_default(),
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
            Syntax::Yaml | Syntax::Json
                if fence.is_some()
                    || !self.structured
                    || template::touch(&self.templated, &line) =>
            {
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
    let reader = LineReader::new(kind, text.as_bytes(), None);
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
