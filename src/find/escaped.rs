//! Names written with escaped slashes: `gcr.io\/google-samples\/demo` in a sed expression
//! (`s/gcr.io\/google-samples\/demo/${REPO_PREFIX}/g`) or a JSON string (`"gcr.io\/…:1"`) is the
//! same name as `gcr.io/google-samples/demo`. Such a name is read unescaped, judged like any
//! other name in text (registry-qualified names only: no place vouches for a short one), and
//! its edits are mapped back to the file and written with `\/` too, so the escaping style stays.
//!
//! In an escaped name a bare `/` is a delimiter (sed's), not part of the name.

use std::ops::Range;

use super::judge::Judge;
use super::matcher::Matcher;
use super::token;
use crate::classify::FileKind;
use crate::finding::{Edit, Finding, Outcome};

/// Whether `text` can hold an escaped name at all: the cheap test before any other work.
pub(super) fn present(text: &[u8]) -> bool {
    memchr::memmem::find(text, b"\\/").is_some()
}

/// The escaped variant of a needle with a slash (`a\/b` for `a/b`), so the first pass finds
/// escaped names too.
pub(super) fn escaped_needle(needle: &str) -> Option<String> {
    needle.contains('/').then(|| needle.replace('/', "\\/"))
}

/// The run of an escaped name around `hit`: reference bytes other than `/`, and `\/` pairs.
/// `None` unless it holds at least one `\/`.
pub(super) fn run_at(text: &[u8], hit: &Range<usize>) -> Option<Range<usize>> {
    let part = |i: usize| text[i] != b'/' && token::is_ref_byte(text[i]);
    let pair_at = |i: usize| text.get(i..i + 2) == Some(b"\\/");
    let mut start = hit.start.min(text.len());
    loop {
        if start > 0 && part(start - 1) {
            start -= 1;
        } else if start >= 2 && pair_at(start - 2) {
            start -= 2;
        } else {
            break;
        }
    }
    let mut end = start;
    let mut escaped = false;
    while end < text.len() {
        if pair_at(end) {
            escaped = true;
            end += 2;
        } else if part(end) {
            end += 1;
        } else {
            break;
        }
    }
    (escaped && end >= hit.end).then_some(start..end)
}

/// The unescaped copy of one line holding an escaped run, and where each of the run's bytes
/// comes from in the file.
struct Unescaped {
    /// The line with the run unescaped.
    text: Vec<u8>,
    /// Where the run is in `text`.
    run: Range<usize>,
    /// The file offset of the line's start.
    line_start: usize,
    /// For each byte of the unescaped run and one past it: the file offset its source starts at
    /// (the `\` of an escaped slash).
    sources: Vec<usize>,
}

impl Unescaped {
    fn new(text: &[u8], run: Range<usize>) -> Self {
        let line_start = memchr::memrchr(b'\n', &text[..run.start]).map_or(0, |i| i + 1);
        let line_end = memchr::memchr(b'\n', &text[run.end..]).map_or(text.len(), |i| run.end + i);
        let mut out = text[line_start..run.start].to_vec();
        let start = out.len();
        let mut sources = Vec::with_capacity(run.len() + 1);
        let mut i = run.start;
        while i < run.end {
            sources.push(i);
            if text[i] == b'\\' && text.get(i + 1) == Some(&b'/') {
                out.push(b'/');
                i += 2;
            } else {
                out.push(text[i]);
                i += 1;
            }
        }
        sources.push(run.end);
        let end = out.len();
        out.extend_from_slice(&text[run.end..line_end]);
        Unescaped {
            text: out,
            run: start..end,
            line_start,
            sources,
        }
    }

    /// The file range of a range of the unescaped line (inside the run, or outside it where
    /// nothing was unescaped).
    fn to_file(&self, range: &Range<usize>) -> Option<Range<usize>> {
        let at = |i: usize| {
            if i < self.run.start {
                Some(self.line_start + i)
            } else if i <= self.run.end {
                self.sources.get(i - self.run.start).copied()
            } else {
                let shift = self.sources.last()? - (self.line_start + self.run.end);
                Some(self.line_start + i + shift)
            }
        };
        Some(at(range.start)?..at(range.end)?)
    }
}

/// The findings of the escaped names around `hits`, in the file's offsets, with their edits
/// written in the escaped style.
pub(super) fn findings(
    matcher: &Matcher,
    kind: FileKind,
    text: &[u8],
    runs: Vec<Range<usize>>,
) -> Vec<Finding> {
    let mut found = Vec::new();
    for run in runs {
        let line = Unescaped::new(text, run);
        let Some(tok) = token::token_in_run(&line.text, line.run.clone()) else {
            continue;
        };
        let judge = Judge {
            matcher,
            kind,
            text: &line.text,
        };
        let Some(finding) = judge.judge(&tok, None) else {
            continue;
        };
        if let Some(finding) = to_file(text, &line, finding) {
            found.push(finding);
        }
    }
    found
}

/// `finding`, judged on the unescaped line, in the file: its span and edits mapped back, the
/// edits' new text escaped. A finding whose span holds no escaped slash is the plain reader's.
fn to_file(text: &[u8], line: &Unescaped, mut finding: Finding) -> Option<Finding> {
    let span = line.to_file(&finding.span)?;
    if span.len() == finding.span.len() {
        return None;
    }
    let bytes = |r: &Range<usize>| String::from_utf8_lossy(&text[r.clone()]).into_owned();
    if let Outcome::Rewrite { edits, .. } = &mut finding.outcome {
        for edit in edits.iter_mut() {
            let range = line.to_file(&edit.range)?;
            *edit = Edit {
                old: bytes(&range),
                new: edit.new.replace('/', "\\/"),
                range,
            };
        }
    }
    finding.old = bytes(&span);
    finding.span = span;
    Some(finding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, needle: &str) -> Option<String> {
        let at = text.find(needle).unwrap();
        run_at(text.as_bytes(), &(at..at + needle.len())).map(|r| text[r].to_owned())
    }

    #[test]
    fn an_escaped_run_stops_at_bare_slashes() {
        assert_eq!(
            run(
                "sed -i 's/gcr.io\\/google-samples\\/demo/${REPO}/g' x",
                "google-samples\\/demo"
            )
            .as_deref(),
            Some("gcr.io\\/google-samples\\/demo")
        );
        assert_eq!(
            run("{\"image\":\"k8s.gcr.io\\/pause:3.9\"}", "k8s.gcr.io").as_deref(),
            Some("k8s.gcr.io\\/pause:3.9")
        );
        assert_eq!(run("image: k8s.gcr.io/pause:3.9", "k8s.gcr.io"), None);
    }

    #[test]
    fn ranges_map_back_through_escapes() {
        let text = b"x \"a.io\\/b\\/c:1\" y";
        let line = Unescaped::new(text, 3..15);
        assert_eq!(&line.text, b"x \"a.io/b/c:1\" y");
        assert_eq!(line.to_file(&(3..11)), Some(3..13));
        assert_eq!(line.to_file(&(8..13)), Some(9..15));
        assert_eq!(line.to_file(&(14..15)), Some(16..17));
    }
}
