//! Image positions on a line: where a value is an image by its place, not by its spelling.
//!
//! Structural places are `image:`-like keys (YAML, JSON) and Dockerfile `FROM`/`COPY --from=`/
//! `RUN --mount=from=`/`ARG` defaults used by `FROM`; command places are the image arguments of
//! `docker|podman|nerdctl` and `kubectl` command lines and `*IMAGE*=` assignments.

use std::ops::Range;

use crate::classify::FileKind;
use crate::finding::{Confidence, ReviewReason};

/// A byte range that holds an image value, and how it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Site {
    pub(crate) span: Range<usize>,
    pub(crate) confidence: Confidence,
    /// For review sites: why a human must look.
    pub(crate) why: Option<ReviewReason>,
}

/// Per-file facts that line analysis needs: Dockerfile stage names and ARGs used by `FROM`,
/// Markdown code fences and their languages, and whether YAML keys come from the parsed structure.
#[derive(Debug, Default)]
pub(crate) struct FileFacts {
    stages: Vec<String>,
    from_args: Vec<String>,
    fences: Vec<(Range<usize>, Fence)>,
    /// YAML image keys were found by the structural reader; lines add only commands.
    pub(crate) structured: bool,
}

/// What a Markdown code fence holds, by its info string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fence {
    Yaml,
    Dockerfile,
    Shell,
    Other,
}

impl FileFacts {
    pub(crate) fn new(kind: FileKind, text: &[u8]) -> Self {
        let mut facts = FileFacts::default();
        if kind == FileKind::Markdown {
            facts.fences = fences(text);
        }
        if !matches!(kind, FileKind::Dockerfile | FileKind::Markdown) {
            return facts;
        }
        for line in text.split(|&b| b == b'\n') {
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
                    facts
                        .stages
                        .push(String::from_utf8_lossy(&line[pair[1].clone()]).to_lowercase());
                }
            }
            for word in &words[1..] {
                facts.from_args.extend(variables_in(&line[word.clone()]));
            }
        }
        facts
    }

    fn is_stage(&self, name: &[u8]) -> bool {
        let name = String::from_utf8_lossy(name).to_lowercase();
        name == "scratch" || self.stages.contains(&name)
    }

    fn fence_at(&self, at: usize) -> Option<Fence> {
        self.fences
            .iter()
            .find(|(r, _)| r.start <= at && at < r.end)
            .map(|(_, f)| *f)
    }
}

/// Markdown fenced code blocks (``` or ~~~): the byte range of their content and language.
fn fences(text: &[u8]) -> Vec<(Range<usize>, Fence)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, &[u8], Fence)> = None;
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
                let fence = match lang {
                    b"yaml" | b"yml" | b"json" => Fence::Yaml,
                    b"dockerfile" | b"containerfile" | b"docker" => Fence::Dockerfile,
                    b"" | b"sh" | b"bash" | b"shell" | b"console" | b"zsh" | b"make"
                    | b"makefile" | b"powershell" | b"ps1" | b"bat" | b"cmd" => Fence::Shell,
                    _ => Fence::Other,
                };
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

/// `$NAME` and `${NAME...}` variable names in a word.
fn variables_in(word: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'$', &word[i..]) {
        let mut j = i + off + 1;
        if word.get(j) == Some(&b'{') {
            j += 1;
        }
        let start = j;
        while j < word.len() && (word[j].is_ascii_alphanumeric() || word[j] == b'_') {
            j += 1;
        }
        if j > start {
            names.push(String::from_utf8_lossy(&word[start..j]).into_owned());
        }
        i = j.max(i + off + 1);
    }
    names
}

/// The image sites on `line` (a logical line: continuation lines included), in file offsets.
pub(crate) fn sites(
    kind: FileKind,
    text: &[u8],
    line: Range<usize>,
    facts: &FileFacts,
) -> Vec<Site> {
    let bytes = &text[line.clone()];
    let mut found = Vec::new();
    let fence = facts.fence_at(line.start);
    let yaml_lines = (kind.is_yaml() || kind == FileKind::Json) && !facts.structured;
    if yaml_lines || fence == Some(Fence::Yaml) {
        found.extend(yaml_key_value(kind, bytes));
    }
    if kind == FileKind::Dockerfile || fence == Some(Fence::Dockerfile) {
        found.extend(dockerfile_sites(bytes, facts));
    }
    if mentions_a_tool(bytes) {
        found.extend(command_sites(bytes));
    }
    found.extend(assignment_value(bytes));
    found
        .into_iter()
        .map(|(span, confidence)| Site {
            span: line.start + span.start..line.start + span.end,
            confidence,
            why: None,
        })
        .collect()
}

type LocalSite = (Range<usize>, Confidence);

/// `image: value`, `- image: "value"`, `"image": "value"`, `FOO_IMAGE: value`, `uses: docker://value`.
fn yaml_key_value(kind: FileKind, line: &[u8]) -> Option<LocalSite> {
    let mut i = line.iter().position(|b| !b.is_ascii_whitespace())?;
    if line[i] == b'-' && line.get(i + 1).is_some_and(|b| *b == b' ') {
        i += 2;
        while line.get(i) == Some(&b' ') {
            i += 1;
        }
    }
    let quoted = matches!(line.get(i), Some(b'"' | b'\''));
    let key_start = i + usize::from(quoted);
    let mut key_end = key_start;
    while key_end < line.len()
        && (line[key_end].is_ascii_alphanumeric() || matches!(line[key_end], b'_' | b'-' | b'.'))
    {
        key_end += 1;
    }
    let key = line[key_start..key_end].to_ascii_lowercase();
    let mut colon = key_end + usize::from(quoted);
    if line.get(colon) != Some(&b':') {
        return None;
    }
    colon += 1;
    if line.get(colon).is_some_and(|b| !b.is_ascii_whitespace()) {
        return None;
    }
    let value = trim_comment(line, colon);
    let value_text = &line[value.clone()];
    let is_image_key = key.ends_with(b"image")
        || key.ends_with(b"registry")
        || key == b"newname"
        || (kind == FileKind::GithubActions && key == b"container");
    let docker_uses = key == b"uses" && memchr::memmem::find(value_text, b"docker://").is_some();
    (is_image_key || docker_uses).then_some((value, Confidence::Structural))
}

/// The value range after `from`, without a trailing ` # comment` and surrounding blanks.
fn trim_comment(line: &[u8], from: usize) -> Range<usize> {
    let mut end = line.len();
    let mut i = from;
    while i < line.len() {
        if line[i] == b'#' && line[i - 1].is_ascii_whitespace() {
            end = i;
            break;
        }
        i += 1;
    }
    let start = (from..end)
        .find(|&j| !line[j].is_ascii_whitespace())
        .unwrap_or(end);
    while end > start && line[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    start..end
}

fn dockerfile_sites(line: &[u8], facts: &FileFacts) -> Vec<LocalSite> {
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
                if !facts.is_stage(&line[image.clone()]) {
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
                    if !facts.is_stage(value) && !value.iter().all(u8::is_ascii_digit) {
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
                    if facts.from_args.iter().any(|a| *a == name) {
                        sites.push((word.start + eq + 1..word.end, Confidence::Structural));
                    }
                }
            }
        }
        _ => {}
    }
    sites
}

/// Whether a line can hold a container command: a cheap test before splitting it into words.
/// (`oc ` is checked apart: as an automaton pattern it is common enough to defeat its prefilter.)
fn mentions_a_tool(line: &[u8]) -> bool {
    static TOOLS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    static OC: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    let tools = TOOLS.get_or_init(|| {
        // Leftmost semantics let the automaton use its SIMD (Teddy) prefilter; with the default
        // standard semantics five patterns have no usable prefilter and a minified 1 MB line is
        // walked byte by byte. Only `is_match` is asked, so the semantics make no difference.
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(["docker", "podman", "nerdctl", "kubectl", "--image"])
            .expect("literal patterns build an automaton")
    });
    tools.is_match(line)
        || line.trim_ascii_start().starts_with(b"oc ")
        || OC
            .get_or_init(|| memchr::memmem::Finder::new(b" oc "))
            .find(line)
            .is_some()
}

/// Image arguments of container command lines anywhere in the line.
fn command_sites(line: &[u8]) -> Vec<LocalSite> {
    let mut sites = Vec::new();
    let words = shell_words(line, 0);
    for (i, word) in words.iter().enumerate() {
        let w = &line[word.clone()];
        let tool = w.rsplit(|&b| b == b'/').next().unwrap_or(w);
        let args = &words[i + 1..];
        match tool {
            b"docker" | b"podman" | b"nerdctl" => sites.extend(container_cli(line, args)),
            b"kubectl" | b"oc" => sites.extend(kubectl(line, args)),
            _ => {}
        }
        if let Some(value) = w.strip_prefix(b"--image=") {
            let start = word.end - value.len();
            sites.push((start..word.end, Confidence::Command));
        } else if w == b"--image" {
            if let Some(next) = words.get(i + 1) {
                sites.push((next.clone(), Confidence::Command));
            }
        }
    }
    sites
}

/// Boolean flags of `run`/`create`/`pull`/`push` (all other flags take a value).
const BOOLEAN_FLAGS: &[&[u8]] = &[
    b"--all-tags",
    b"--detach",
    b"--disable-content-trust",
    b"--help",
    b"--init",
    b"--interactive",
    b"--no-healthcheck",
    b"--oom-kill-disable",
    b"--privileged",
    b"--publish-all",
    b"--quiet",
    b"--read-only",
    b"--rm",
    b"--sig-proxy",
    b"--tty",
];

/// Whether `flag` takes no value; `short` lists the subcommand's boolean one-letter flags.
fn is_boolean_flag(flag: &[u8], short: &[u8]) -> bool {
    if flag.contains(&b'=') {
        return true;
    }
    if flag.starts_with(b"--") {
        return BOOLEAN_FLAGS.contains(&flag);
    }
    flag.len() > 1 && flag[1..].iter().all(|b| short.contains(b))
}

/// `>file`, `2>&1`, `< input`, `&>/dev/null`: not arguments.
fn is_redirection(word: &[u8]) -> bool {
    let digits = word.iter().take_while(|b| b.is_ascii_digit()).count();
    matches!(word.get(digits), Some(b'>' | b'<'))
}

fn is_separator(word: &[u8]) -> bool {
    matches!(word, b";" | b"|" | b"&" | b"`")
}

/// Positional arguments in `args`, skipping options and their values, up to `limit`, stopping
/// at a command separator.
fn positionals(
    line: &[u8],
    args: &[Range<usize>],
    short: &[u8],
    limit: usize,
) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() && out.len() < limit {
        let w = &line[args[i].clone()];
        if is_separator(w) {
            break;
        }
        if is_redirection(w) || w.starts_with(b"&>") {
            i += if w.ends_with(b">") || w.ends_with(b"<") {
                2
            } else {
                1
            };
            continue;
        }
        if w.starts_with(b"-") && w.len() > 1 {
            i += if is_boolean_flag(w, short) { 1 } else { 2 };
            continue;
        }
        out.push(args[i].clone());
        i += 1;
    }
    out
}

/// Values of `-t X`, `--tag X`, `-t=X`, `--tag=X`.
fn tag_values(line: &[u8], args: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        let w = &line[arg.clone()];
        if is_separator(w) {
            break;
        }
        if w == b"-t" || w == b"--tag" {
            out.extend(args.get(i + 1).cloned());
        } else if let Some(v) = w.strip_prefix(b"--tag=").or_else(|| w.strip_prefix(b"-t=")) {
            out.push(arg.end - v.len()..arg.end);
        }
    }
    out
}

fn container_cli(line: &[u8], args: &[Range<usize>]) -> Vec<LocalSite> {
    let mut rest = args;
    let word = |r: &[Range<usize>], i: usize| r.get(i).map(|x| &line[x.clone()]);
    if matches!(word(rest, 0), Some(b"image" | b"container")) {
        rest = &rest[1..];
    }
    let Some(sub) = word(rest, 0) else {
        return Vec::new();
    };
    let after = &rest[1..];
    let images = match sub {
        b"run" | b"create" => positionals(line, after, b"dtiPq", 1),
        b"pull" | b"push" | b"history" => positionals(line, after, b"aqH", 1),
        b"tag" => positionals(line, after, b"", 2),
        b"build" => tag_values(line, after),
        b"buildx" => match word(after, 0) {
            Some(b"build") => tag_values(line, &after[1..]),
            Some(b"imagetools") if word(after, 1) == Some(b"create") => {
                let args = &after[2..];
                let mut all = tag_values(line, args);
                all.extend(positionals(line, args, b"", usize::MAX));
                all
            }
            Some(b"imagetools") => positionals(line, &after[2.min(after.len())..], b"", usize::MAX),
            _ => Vec::new(),
        },
        b"manifest" => positionals(line, &after[1.min(after.len())..], b"", usize::MAX),
        b"inspect" | b"rmi" | b"save" => positionals(line, after, b"f", usize::MAX),
        _ => Vec::new(),
    };
    images
        .into_iter()
        .map(|r| (r, Confidence::Command))
        .collect()
}

/// `kubectl set image deploy/x app=IMAGE` (the `--image` flag is handled for every tool).
fn kubectl(line: &[u8], args: &[Range<usize>]) -> Vec<LocalSite> {
    let is = |i: usize, w: &[u8]| args.get(i).is_some_and(|a| &line[a.clone()] == w);
    if !(is(0, b"set") && is(1, b"image")) {
        return Vec::new();
    }
    args[2..]
        .iter()
        .filter_map(|a| {
            let eq = memchr::memchr(b'=', &line[a.clone()])?;
            Some((a.start + eq + 1..a.end, Confidence::Command))
        })
        .collect()
}

/// `IMAGE=value`, `export APP_IMAGE="value"`, `IMAGE ?= value`, `set BASE_IMAGE=value`.
fn assignment_value(line: &[u8]) -> Option<LocalSite> {
    let eq = memchr::memchr(b'=', line)?;
    let mut name_end = eq;
    if name_end > 0 && matches!(line[name_end - 1], b'?' | b':' | b'+') {
        name_end -= 1;
    }
    while name_end > 0 && line[name_end - 1] == b' ' {
        name_end -= 1;
    }
    let mut name_start = name_end;
    while name_start > 0
        && (line[name_start - 1].is_ascii_alphanumeric() || line[name_start - 1] == b'_')
    {
        name_start -= 1;
    }
    if name_start > 0 && !line[name_start - 1].is_ascii_whitespace() {
        return None;
    }
    let name = line[name_start..name_end].to_ascii_uppercase();
    if name.is_empty() || memchr::memmem::find(&name, b"IMAGE").is_none() {
        return None;
    }
    let value = trim_comment(line, eq + 1);
    let end = line[value.clone()]
        .iter()
        .position(|&b| b == b' ')
        .map_or(value.end, |p| value.start + p);
    Some((value.start..end, Confidence::Command))
}

/// Shell-like words of `line` from `from`, with surrounding quotes excluded from each span.
/// Command separators (`;`, `|`, `&`, backtick) are words of their own; a comment ends the list.
pub(crate) fn shell_words(line: &[u8], from: usize) -> Vec<Range<usize>> {
    let mut words = Vec::new();
    let mut i = from;
    loop {
        while i < line.len() && (line[i].is_ascii_whitespace() || line[i] == b'\\') {
            i += 1;
        }
        if i >= line.len() || line[i] == b'#' {
            break;
        }
        let start = i;
        if is_redirection(&line[i..]) || line[i..].starts_with(b"&>") {
            // A redirection is one word up to the next blank, `2>&1` included.
            while i < line.len()
                && !line[i].is_ascii_whitespace()
                && !matches!(line[i], b';' | b'|')
            {
                i += 1;
            }
            words.push(start..i);
            continue;
        }
        let mut quote = None;
        while i < line.len() {
            let b = line[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b.is_ascii_whitespace() || matches!(b, b';' | b'|' | b'&' | b'`') => break,
                None => {}
            }
            i += 1;
        }
        if i > start {
            words.push(unquote(line, start..i));
        } else {
            words.push(i..i + 1);
            i += 1;
        }
    }
    words
}

fn unquote(line: &[u8], mut word: Range<usize>) -> Range<usize> {
    while word.len() >= 2
        && matches!(line[word.start], b'"' | b'\'')
        && line[word.end - 1] == line[word.start]
    {
        word = word.start + 1..word.end - 1;
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_texts(kind: FileKind, text: &str) -> Vec<String> {
        let facts = FileFacts::new(kind, text.as_bytes());
        let mut out = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let end = start + line.trim_end_matches('\n').len();
            for site in sites(kind, text.as_bytes(), start..end, &facts) {
                out.push(text[site.span].to_owned());
            }
            start += line.len();
        }
        out
    }

    #[test]
    fn yaml_image_keys() {
        let yaml = "services:\n  web:\n    image: \"nginx:1.25\" # pinned\n  db:\n    - image: redis\nname: nginx\nbase_image: alpine\n";
        assert_eq!(
            site_texts(FileKind::Compose, yaml),
            ["\"nginx:1.25\"", "redis", "alpine"]
        );
    }

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

    #[test]
    fn docker_run_skips_option_values() {
        let sh = "docker run -d --name nginx -p 80:80 -v x:/y --rm nginx:1.25 nginx -g off\nif docker manifest inspect a/b:1 >/dev/null 2>&1; then docker pull c/d > /tmp/log; fi\n";
        assert_eq!(
            site_texts(FileKind::Shell, sh),
            ["nginx:1.25", "a/b:1", "c/d"]
        );
    }

    #[test]
    fn other_container_commands() {
        let sh = "podman pull --platform linux/amd64 redis\ndocker tag a:1 b:2\ndocker build -t app:1 .\ndocker buildx imagetools create -t x:1 x:1-amd64 x:1-arm64\nkubectl set image deploy/web web=nginx:1.27\nkubectl run tmp --image=busybox -- sh\necho hi | docker push \"$IMAGE\"\n";
        assert_eq!(
            site_texts(FileKind::Shell, sh),
            [
                "redis",
                "a:1",
                "b:2",
                "app:1",
                "x:1",
                "x:1-amd64",
                "x:1-arm64",
                "nginx:1.27",
                "busybox",
                "$IMAGE"
            ]
        );
    }

    #[test]
    fn image_assignments() {
        let text =
            "IMAGE ?= ghcr.io/a/b\nexport APP_IMAGE=\"nginx\"\nset BASE_IMAGE=redis\nOTHER=nginx\n";
        assert_eq!(
            site_texts(FileKind::Makefile, text),
            ["ghcr.io/a/b", "\"nginx\"", "redis"]
        );
    }
}
