//! The syntax front-ends and the one place that picks them: given a file's [`Syntax`] (and,
//! in Markdown, a code fence's), which readers run on the whole file and which on a line.
//! Every front-end returns sites (`find::site`); none imports another, only the shared lexing
//! in [`words`] and the tables in `find::vocabulary`. JSON is read by the YAML front-ends (JSON
//! is YAML), its comments and trailing commas (JSONC) masked first and its structure read by its
//! own tokenizer (`json`); `.env`, Makefiles and plain text get only the shell readers every file
//! gets.

mod dockerfile;
mod json;
mod jsonc;
mod markdown;
mod markdown_table;
mod program;
mod shell;
mod split_map;
mod template;
mod toml;
mod transport;
mod words;
mod yaml;
mod yaml_lines;

use std::ops::Range;

use crate::classify::{FileKind, Syntax};
use crate::find::site::{Accepts, LineSite, ParseError, Site, Structure};
use crate::finding::{Confidence, ReviewReason};
use crate::problem::Problem;

/// The structure of a whole file, for syntaxes that have one (YAML and its dialects, JSON, TOML);
/// a parse failure is a warning, and the file is then read by lines. YAML with template actions
/// (Helm templates, Helmfile `.gotmpl`, Jinja) is parsed with the actions masked.
pub(crate) fn read_structure(kind: FileKind, text: &[u8]) -> (Option<Structure>, Option<Problem>) {
    let syntax = kind.syntax();
    if syntax == Syntax::Markdown {
        return read_markdown(text);
    }
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
        // JSON with comments (tsconfig.json, .vscode/, devcontainer.json) is read masked, by the
        // JSON tokenizer when the masked copy is strict JSON.
        Syntax::Json => match jsonc::mask(text) {
            Some(masked) => yaml::scan_events(kind, &masked, text, json::Events::new(&masked))
                .or_else(|_| yaml::scan_masked(kind, &masked, text)),
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

/// A Markdown file's YAML fences and parameter tables; a file that is not UTF-8 has none.
fn read_markdown(text: &[u8]) -> (Option<Structure>, Option<Problem>) {
    let Ok(text) = std::str::from_utf8(text) else {
        return (None, None);
    };
    let (structure, warning) = markdown::structure(text, read_yaml);
    let warning = warning.map(|message| Problem::Malformed {
        format: "Markdown",
        message,
    });
    (Some(structure), warning)
}

/// YAML (or JSON), templated or not. A template (an action starts a line or a value) is parsed
/// masked first; YAML that only mentions actions in its strings (values files, workflows) is
/// parsed as it is first. The masked parse's error is the one reported.
fn read_yaml(kind: FileKind, text: &str) -> Result<Structure, ParseError> {
    let actions = template::Actions::find(text.as_bytes());
    if actions.is_empty() {
        return scan_plain(kind, text);
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
    let plain = || scan_plain(kind, text);
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

/// YAML or JSON as written (no masking). JSON is read by the JSON tokenizer, whose memory is
/// the nesting depth, with the YAML walker; what is not strict JSON (comments, trailing commas,
/// YAML in a `.json` file) is read by the YAML parser as before.
fn scan_plain(kind: FileKind, text: &str) -> Result<Structure, ParseError> {
    if kind.syntax() == Syntax::Json {
        if let Ok(structure) = yaml::scan_events(kind, text, text, json::Events::new(text)) {
            return Ok(structure);
        }
    }
    yaml::scan(kind, text)
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
    /// Entries of image maps in program source (`def images = [kubectl: '…']`).
    image_maps: program::ImageMaps,
    /// The structure was read: its image keys are known, so YAML lines add only commands,
    /// except lines with a template action (`templated`), whose values the structure leaves.
    /// In Markdown, only the fences in `parsed_fences` were read so.
    structured: bool,
    templated: Vec<Range<usize>>,
    parsed_fences: Vec<Range<usize>>,
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
        let image_maps = match syntax {
            Syntax::Text => program::ImageMaps::new(text),
            _ => program::ImageMaps::default(),
        };
        LineReader {
            kind,
            syntax,
            stages,
            fences,
            image_maps,
            structured: structure.is_some(),
            templated: structure.map(|s| s.templated.clone()).unwrap_or_default(),
            parsed_fences: structure.map(|s| s.fences.clone()).unwrap_or_default(),
        }
    }

    /// Where the lines start that hold an image by their place whatever words they have
    /// (entries of image maps in program source): read like lines with a context keyword.
    pub(crate) fn placed_lines(&self) -> &[usize] {
        self.image_maps.entries()
    }

    /// The image sites on `line` (a logical line: continuation lines included), in file offsets.
    /// The line's own syntax reads it first, then the shell readers, which run on every line.
    /// In a terminal session, a command line is read without its prompt (`$ `).
    pub(crate) fn sites(&self, text: &[u8], line: Range<usize>) -> Vec<Site> {
        let fence = self.fences.line_syntax(text, line.start);
        let line = match fence {
            Some((_, prompt)) => (line.start + prompt).min(line.end)..line.end,
            None => line,
        };
        let bytes = &text[line.clone()];
        let mut found: Vec<(LineSite, Accepts)> = Vec::new();
        let mut reviews: Vec<(Range<usize>, ReviewReason)> = Vec::new();
        let syntax = fence.map_or(self.syntax, |(syntax, _)| syntax);
        // A YAML fence the structure read is read like a parsed file.
        let structured = match fence {
            Some(_) => template::touch(&self.parsed_fences, &line),
            None => self.structured,
        };
        let any = |site| (site, Accepts::Any);
        match syntax {
            Syntax::Yaml | Syntax::Json
                if !structured || template::touch(&self.templated, &line) =>
            {
                found.extend(yaml_lines::key_value(self.kind, bytes).map(any));
            }
            Syntax::Dockerfile => {
                found.extend(dockerfile::sites(bytes, &self.stages).into_iter().map(any));
            }
            Syntax::Text => {
                let in_map = self.image_maps.contains(line.start);
                for (site, accepts, why) in program::sites(bytes, in_map) {
                    if let Some(why) = why {
                        reviews.push((site.0.clone(), why));
                    }
                    found.push((site, accepts));
                }
            }
            _ => {}
        }
        if shell::mentions_a_tool(bytes) {
            found.extend(shell::command_sites(bytes));
        }
        if memchr::memmem::find(bytes, b"://").is_some() {
            found.extend(transport::sites(bytes).into_iter().map(any));
        }
        if shell::mentions_a_setting_flag(bytes) {
            found.extend(shell::setting_flags(bytes).into_iter().map(any));
        }
        if assigns_variables(syntax) {
            found.extend(shell::setting_value(bytes).map(any));
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
                // A template only in the tag (`app:$TAG`) leaves the name literal.
                let word = &bytes[span.clone()];
                let templated = confidence == Confidence::Command
                    && words::has_template(word)
                    && !program::template_only_in_tag(word);
                let accepts = if templated {
                    Accepts::Qualified
                } else {
                    accepts
                };
                let why = reviews
                    .iter()
                    .find(|(r, _)| *r == span)
                    .map(|&(_, why)| why);
                Site {
                    span: line.start + span.start..line.start + span.end,
                    confidence,
                    why,
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
