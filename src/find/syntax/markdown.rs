//! Markdown: which syntax each fenced code block (``` or ~~~) holds, by its info string, so that
//! its lines are read by that syntax's front-end (a `yaml` fence by the YAML line reader, a
//! `dockerfile` fence by the Dockerfile one). Text outside fences is read as plain text.

use std::ops::Range;

use crate::classify::Syntax;

/// The fenced code blocks of a Markdown file: each one's content range and syntax.
#[derive(Debug, Default)]
pub(crate) struct Fences(Vec<(Range<usize>, Syntax)>);

impl Fences {
    pub(crate) fn new(text: &[u8]) -> Self {
        Fences(fences(text))
    }

    /// The syntax of the fence `at` is in, if it is in one.
    pub(crate) fn syntax_at(&self, at: usize) -> Option<Syntax> {
        self.0
            .iter()
            .find(|(r, _)| r.start <= at && at < r.end)
            .map(|(_, s)| *s)
    }
}

/// A fence's syntax by its (lowercased) language; an unlabelled fence is taken for a shell
/// session, an unknown language for text.
fn fence_syntax(lang: &[u8]) -> Syntax {
    match lang {
        b"yaml" | b"yml" => Syntax::Yaml,
        b"json" => Syntax::Json,
        b"dockerfile" | b"containerfile" | b"docker" => Syntax::Dockerfile,
        b"" | b"sh" | b"bash" | b"shell" | b"console" | b"zsh" | b"powershell" | b"ps1"
        | b"bat" | b"cmd" => Syntax::Shell,
        b"make" | b"makefile" => Syntax::Makefile,
        _ => Syntax::Text,
    }
}

/// Markdown fenced code blocks (``` or ~~~): the byte range of their content and language.
fn fences(text: &[u8]) -> Vec<(Range<usize>, Syntax)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, &[u8], Syntax)> = None;
    let mut at = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let trimmed = line.trim_ascii_start();
        let marker = if trimmed.starts_with(b"```") {
            Some(&b"```"[..])
        } else if trimmed.starts_with(b"~~~") {
            Some(&b"~~~"[..])
        } else {
            None
        };
        match (open, marker) {
            (None, Some(m)) => {
                let info = trimmed[3..].trim_ascii().to_ascii_lowercase();
                let lang = info
                    .split(|b| b.is_ascii_whitespace() || *b == b'{' || *b == b',')
                    .next()
                    .unwrap_or(b"");
                let fence = fence_syntax(lang);
                open = Some((at + line.len(), m, fence));
            }
            (Some((start, m, fence)), Some(close))
                if close == m && trimmed[3..].trim_ascii().is_empty() =>
            {
                out.push((start..at, fence));
                open = None;
            }
            _ => {}
        }
        at += line.len();
    }
    if let Some((start, _, fence)) = open {
        out.push((start..text.len(), fence));
    }
    out
}
