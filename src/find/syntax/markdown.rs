//! Markdown: which syntax each fenced code block (``` or ~~~) holds, so that its lines are read
//! by that syntax's front-end (a `yaml` fence by the YAML readers, a `dockerfile` fence by the
//! Dockerfile one). A fence says it by its info string; one without a language is sniffed from
//! its first lines (`key:` lines are YAML, a `$ ` prompt a terminal session, anything else shell
//! as before). In a session (`console`, `terminal`, `shell-session`) the `$ ` and `# ` prompt
//! lines are commands and the other lines output, read as plain text. Text outside fences is
//! prose, read as plain text, except the parameter tables of `markdown_table`.
//!
//! The structure of a Markdown file is its YAML fences, each parsed as a YAML file of its own
//! (split maps included), and its parameter tables. A fence that never closes is read as plain
//! text, with a warning: its extent is a guess, so nothing in it is taken as structure.

use std::ops::Range;

use super::markdown_table;
use crate::classify::{refine_yaml_by_content, FileKind, Syntax};
use crate::find::site::{ParseError, Structure};
use crate::find::vocabulary;

/// What a fence's lines are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    /// Every line is in this syntax.
    Lines(Syntax),
    /// A terminal session: prompt lines are commands, the others output.
    Session,
}

#[derive(Debug)]
struct Fence {
    /// From the line after the opening fence to the start of the closing one.
    body: Range<usize>,
    content: Content,
}

/// The fenced code blocks of a Markdown file, in order.
#[derive(Debug, Default)]
pub(crate) struct Fences {
    fences: Vec<Fence>,
    /// A fence that never closes: its line (1-based) and its extent, to the end of the file.
    unclosed: Option<(usize, Range<usize>)>,
}

impl Fences {
    /// The fences of `text`, in one pass.
    pub(crate) fn new(text: &[u8]) -> Self {
        let mut found = Fences::default();
        // The opening fence: its marker byte and length, where its body starts, its info string.
        let mut open: Option<(u8, usize, usize, usize, Vec<u8>)> = None;
        let (mut at, mut line_no) = (0, 0);
        for line in text.split_inclusive(|&b| b == b'\n') {
            line_no += 1;
            let marker = fence_marker(line);
            match (&open, marker) {
                (None, Some((c, n, info))) => {
                    let lang = info
                        .trim_ascii()
                        .split(|b| b.is_ascii_whitespace() || *b == b'{' || *b == b',')
                        .next()
                        .unwrap_or(b"")
                        .to_ascii_lowercase();
                    open = Some((c, n, at + line.len(), line_no, lang));
                }
                (Some((c, n, start, _, lang)), Some((close, m, info)))
                    if close == *c && m >= *n && info.trim_ascii().is_empty() =>
                {
                    let body = *start..at;
                    let content = match fence_content(lang) {
                        Some(content) => content,
                        None => sniff(&text[body.clone()]),
                    };
                    found.fences.push(Fence { body, content });
                    open = None;
                }
                _ => {}
            }
            at += line.len();
        }
        if let Some((_, _, start, line, _)) = open {
            found.unclosed = Some((line, start..text.len()));
        }
        found
    }

    /// The fence whose body holds offset `at`.
    fn at(&self, at: usize) -> Option<&Fence> {
        let i = self.fences.partition_point(|f| f.body.end <= at);
        self.fences.get(i).filter(|f| f.body.start <= at)
    }

    /// The syntax of the line starting at `at`, if it is in a fence, and how many bytes of it
    /// are a session's prompt (`$ `), not the command.
    pub(crate) fn line_syntax(&self, text: &[u8], at: usize) -> Option<(Syntax, usize)> {
        let fence = self.at(at)?;
        match fence.content {
            Content::Lines(syntax) => Some((syntax, 0)),
            Content::Session => Some(match prompt(&text[at..]) {
                Some(len) => (Syntax::Shell, len),
                None => (Syntax::Text, 0),
            }),
        }
    }

    /// Whether offset `at` is in a fence's body, closed or not.
    pub(crate) fn contains(&self, at: usize) -> bool {
        self.at(at).is_some() || self.unclosed.as_ref().is_some_and(|(_, r)| r.contains(&at))
    }

    /// The bodies of the YAML fences.
    fn yaml(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.fences
            .iter()
            .filter(|f| f.content == Content::Lines(Syntax::Yaml))
            .map(|f| f.body.clone())
    }
}

/// The structure of a Markdown file: each YAML fence read by `read_yaml` (a fence that does not
/// parse is left to the line readers, as a snippet often is a fragment) and the parameter
/// tables. The message is a warning: a fence that never closes, a ragged parameter table.
pub(crate) fn structure(
    text: &str,
    read_yaml: impl Fn(FileKind, &str) -> Result<Structure, ParseError>,
) -> (Structure, Option<String>) {
    let fences = Fences::new(text.as_bytes());
    let mut out = Structure::default();
    for body in fences.yaml() {
        let snippet = &text[body.clone()];
        let kind = refine_yaml_by_content(FileKind::Yaml, snippet.as_bytes());
        if let Ok(mut inner) = read_yaml(kind, snippet) {
            inner.fences = std::iter::once(0..snippet.len()).collect();
            out.absorb(inner, body.start);
        }
    }
    let tables = markdown_table::scan(text, |at| fences.contains(at));
    out.sites.extend(tables.sites);
    out.composites.extend(tables.composites);
    out.sites.sort_by_key(|s| (s.span.start, s.span.end));
    let warning = match fences.unclosed {
        Some((line, _)) => Some(format!(
            "a code fence opened at line {line} never closes; its lines are read as plain text"
        )),
        None => tables.warning,
    };
    (out, warning)
}

/// A fence line: its marker byte, the marker's length (3 or more) and the info string after it.
/// A backtick fence's info string has no backtick (```` ```a``` ```` is inline code).
fn fence_marker(line: &[u8]) -> Option<(u8, usize, &[u8])> {
    let trimmed = line.trim_ascii_start();
    let c = *trimmed.first().filter(|c| matches!(c, b'`' | b'~'))?;
    let n = trimmed.iter().take_while(|&&b| b == c).count();
    let info = &trimmed[n..];
    (n >= 3 && !(c == b'`' && info.contains(&b'`'))).then_some((c, n, info))
}

/// A fence's content by its (lowercased) language; `None` when it has none (it is sniffed).
/// An unknown language is text.
fn fence_content(lang: &[u8]) -> Option<Content> {
    Some(Content::Lines(match lang {
        b"" => return None,
        b"yaml" | b"yml" => Syntax::Yaml,
        b"json" => Syntax::Json,
        b"dockerfile" | b"containerfile" | b"docker" => Syntax::Dockerfile,
        b"console" | b"terminal" | b"shell-session" | b"shellsession" | b"sh-session"
        | b"bash-session" => return Some(Content::Session),
        b"sh" | b"bash" | b"shell" | b"zsh" | b"powershell" | b"ps1" | b"bat" | b"cmd" => {
            Syntax::Shell
        }
        b"make" | b"makefile" => Syntax::Makefile,
        _ => Syntax::Text,
    }))
}

/// What a fence without a language holds, by its first lines: YAML when its first line (after
/// comments and `---`) is a `key:` line and the next ones go on like YAML; a session when it
/// starts with a `$ ` prompt; shell otherwise (a command such as `docker run`, or anything else,
/// as an unlabelled fence was always read).
fn sniff(body: &[u8]) -> Content {
    let mut lines = body
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.trim_ascii().is_empty());
    let Some(first) = lines.next() else {
        return Content::Lines(Syntax::Shell);
    };
    if prompt(first).is_some() && !first.starts_with(b"#") {
        return Content::Session;
    }
    let first_word = first.split(|b| b.is_ascii_whitespace()).next();
    if first_word.is_some_and(|w| vocabulary::tool(w).is_some()) {
        return Content::Lines(Syntax::Shell);
    }
    let mut lines = std::iter::once(first)
        .chain(lines)
        .skip_while(|l| l.starts_with(b"#") || l.starts_with(b"---"));
    let yaml = lines.next().is_some_and(is_key_line)
        && lines.take(2).all(|l| {
            l[0].is_ascii_whitespace()
                || l.starts_with(b"- ")
                || l.starts_with(b"#")
                || is_key_line(l)
        });
    Content::Lines(if yaml { Syntax::Yaml } else { Syntax::Shell })
}

/// `key:` or `key: value` at the start of a line (`- key:` too): an identifier-like key, a colon,
/// then a blank or the end.
fn is_key_line(line: &[u8]) -> bool {
    let line = line.strip_prefix(b"- ").unwrap_or(line);
    let key_len = line
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
        .count();
    key_len > 0
        && line[0].is_ascii_alphabetic()
        && line.get(key_len) == Some(&b':')
        && line
            .get(key_len + 1)
            .is_none_or(|b| b.is_ascii_whitespace())
}

/// The length of a session's prompt at the start of `line` (`$ `, or `# ` for root), blanks
/// before it included; `None` for an output line.
fn prompt(line: &[u8]) -> Option<usize> {
    let indent = line.len() - line.trim_ascii_start().len();
    let rest = &line[indent..];
    let after = match rest {
        [b'$' | b'#', b' ' | b'\t', ..] => 2,
        _ => return None,
    };
    Some(indent + after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(text: &str) -> Vec<Content> {
        Fences::new(text.as_bytes())
            .fences
            .iter()
            .map(|f| f.content)
            .collect()
    }

    #[test]
    fn unlabelled_fences_are_sniffed() {
        let text = "```\nservices:\n  web:\n    image: nginx\n```\n\n```\n# values.yaml\nimage:\n  registry: k8s.gcr.io\n```\n\n```\n$ docker pull nginx\nUsing default tag: latest\n```\n\n```\nkubectl apply -f x.yaml\n```\n\n```\nNote: this is prose\nand more of it\n```\n";
        assert_eq!(
            contents(text),
            [
                Content::Lines(Syntax::Yaml),
                Content::Lines(Syntax::Yaml),
                Content::Session,
                Content::Lines(Syntax::Shell),
                Content::Lines(Syntax::Shell),
            ]
        );
    }

    #[test]
    fn session_prompts_are_commands_and_the_rest_output() {
        let text = "```console\n$ helm install x\n# crictl pull k8s.gcr.io/pause\nNAME: x\n```\n";
        let fences = Fences::new(text.as_bytes());
        let lines: Vec<_> = text
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .filter(|&i| i < text.len())
            .map(|i| fences.line_syntax(text.as_bytes(), i))
            .collect();
        assert_eq!(
            lines,
            [
                Some((Syntax::Shell, 2)),
                Some((Syntax::Shell, 2)),
                Some((Syntax::Text, 0)),
                None
            ]
        );
    }

    #[test]
    fn a_longer_fence_holds_shorter_ones_and_an_unclosed_one_is_plain_text() {
        let text = "````markdown\n```yaml\nimage: a\n```\n````\n\n```yaml\nimage: b\n";
        let fences = Fences::new(text.as_bytes());
        assert_eq!(fences.fences.len(), 1);
        assert_eq!(fences.fences[0].content, Content::Lines(Syntax::Text));
        let (line, range) = fences.unclosed.clone().unwrap();
        assert_eq!((line, &text[range]), (7, "image: b\n"));
        assert_eq!(fences.line_syntax(text.as_bytes(), text.len() - 3), None);
    }
}
