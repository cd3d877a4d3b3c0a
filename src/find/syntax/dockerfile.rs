//! Dockerfile and Containerfile lines: `FROM` (not a build stage), `COPY|ADD|RUN --from=` and
//! `--mount=from=`, `ARG` defaults that a `FROM` uses, and the `# syntax=` frontend image.
//! Stage names and `FROM` arguments are per-file facts, collected once ([`Stages`]).

use super::words::{shell_words, variables_in};
use crate::find::site::LineSite;
use crate::finding::Confidence;

/// What a Dockerfile says about itself: its stage names and the ARGs used by `FROM`.
#[derive(Debug, Default)]
pub(crate) struct Stages {
    stages: Vec<String>,
    from_args: Vec<String>,
}

impl Stages {
    /// Reads every `FROM` line of `text`.
    pub(crate) fn new(text: &[u8]) -> Self {
        let mut found = Stages::default();
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', text).chain([text.len()]) {
            let line = &text[start..end];
            start = end + 1;
            let trimmed = line.trim_ascii_start();
            if trimmed.len() < 5 || !trimmed[..4].eq_ignore_ascii_case(b"from") {
                continue;
            }
            let words = shell_words(line, 0);
            let Some(first) = words.first() else { continue };
            if !line[first.clone()].eq_ignore_ascii_case(b"from") {
                continue;
            }
            for pair in words.windows(2) {
                if line[pair[0].clone()].eq_ignore_ascii_case(b"as") {
                    found
                        .stages
                        .push(String::from_utf8_lossy(&line[pair[1].clone()]).to_lowercase());
                }
            }
            for word in &words[1..] {
                found.from_args.extend(variables_in(&line[word.clone()]));
            }
        }
        found
    }

    fn is_stage(&self, name: &[u8]) -> bool {
        let name = String::from_utf8_lossy(name).to_lowercase();
        name == "scratch" || self.stages.contains(&name)
    }
}

/// The image sites of one Dockerfile line (a logical line: continuations included).
pub(crate) fn sites(line: &[u8], stages: &Stages) -> Vec<LineSite> {
    // `# syntax=docker/dockerfile:1.7` names the frontend image (a parser directive).
    let trimmed = line.trim_ascii_start();
    if let Some(rest) = trimmed.strip_prefix(b"#") {
        let rest = rest.trim_ascii_start();
        let Some(value) = rest
            .strip_prefix(b"syntax")
            .map(<[u8]>::trim_ascii_start)
            .and_then(|r| r.strip_prefix(b"="))
        else {
            return Vec::new();
        };
        let value = value.trim_ascii();
        let start = value.as_ptr() as usize - line.as_ptr() as usize;
        return vec![(start..start + value.len(), Confidence::Structural)];
    }
    let words = shell_words(line, 0);
    let Some(first) = words.first() else {
        return Vec::new();
    };
    let instruction = line[first.clone()].to_ascii_uppercase();
    let mut sites = Vec::new();
    match instruction.as_slice() {
        b"FROM" => {
            if let Some(image) = words[1..]
                .iter()
                .find(|w| !line[w.start..].starts_with(b"--"))
            {
                if !stages.is_stage(&line[image.clone()]) {
                    sites.push((image.clone(), Confidence::Structural));
                }
            }
        }
        b"COPY" | b"ADD" | b"RUN" => {
            for word in &words[1..] {
                let w = &line[word.clone()];
                let value_at = memchr::memmem::find(w, b"from=").filter(|_| w.starts_with(b"--"));
                if let Some(at) = value_at {
                    let start = word.start + at + 5;
                    let end = line[start..word.end]
                        .iter()
                        .position(|&b| b == b',')
                        .map_or(word.end, |p| start + p);
                    let value = &line[start..end];
                    if !stages.is_stage(value) && !value.iter().all(u8::is_ascii_digit) {
                        sites.push((start..end, Confidence::Structural));
                    }
                }
            }
        }
        b"ARG" => {
            if let Some(word) = words.get(1) {
                let w = &line[word.clone()];
                if let Some(eq) = memchr::memchr(b'=', w) {
                    let name = String::from_utf8_lossy(&w[..eq]);
                    if stages.from_args.iter().any(|a| *a == name) {
                        sites.push((word.start + eq + 1..word.end, Confidence::Structural));
                    }
                }
            }
        }
        _ => {}
    }
    sites
}

#[cfg(test)]
mod tests {
    use crate::classify::FileKind;
    use crate::find::syntax::site_texts;

    #[test]
    fn dockerfile_from_copy_and_arg() {
        let df = "# syntax=docker/dockerfile:1.7\nARG BASE=python:3.12\nFROM --platform=$BUILDPLATFORM ${BASE} AS build\nFROM nginx:1.25\nCOPY --from=build /a /b\nCOPY --from=busybox:1.36 /bin/sh /sh\nFROM build\nFROM scratch\n";
        assert_eq!(
            site_texts(FileKind::Dockerfile, df),
            [
                "docker/dockerfile:1.7",
                "python:3.12",
                "${BASE}",
                "nginx:1.25",
                "busybox:1.36"
            ]
        );
    }
}
