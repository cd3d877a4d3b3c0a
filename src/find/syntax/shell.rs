//! Shell command lines: the image arguments of container tools (`docker run`, `podman pull`,
//! `docker build -t`, `kubectl set image`, any `--image=`) and `*IMAGE*=` variable assignments.
//! Run on every line of every file: scripts, CI steps, Makefiles, Dockerfile `RUN`s and docs
//! all hold command lines.

use std::ops::Range;
use std::sync::OnceLock;

use super::words::{is_redirection, is_separator, shell_words, trim_comment};
use crate::classify::FileKind;
use crate::find::site::{Accepts, LineSite};
use crate::find::vocabulary::{self, KeyReader, KeyRole, ToolKind};
use crate::finding::Confidence;

/// Whether a line can hold a container command: a cheap test before splitting it into words.
/// (Two-letter tools, `oc `, are checked apart, as words: as an automaton pattern `oc` is common
/// enough to defeat its prefilter.)
pub(crate) fn mentions_a_tool(line: &[u8]) -> bool {
    static TOOLS: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    static WORD_TOOLS: OnceLock<Vec<(Vec<u8>, memchr::memmem::Finder<'static>)>> = OnceLock::new();
    let tools = TOOLS.get_or_init(|| {
        // Leftmost semantics let the automaton use its SIMD (Teddy) prefilter; with the default
        // standard semantics five patterns have no usable prefilter and a minified 1 MB line is
        // walked byte by byte. Only `is_match` is asked, so the semantics make no difference.
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(vocabulary::searchable_tools().chain([vocabulary::IMAGE_FLAG]))
            .expect("literal patterns build an automaton")
    });
    let word_tools = WORD_TOOLS.get_or_init(|| {
        vocabulary::word_tools()
            .map(|tool| {
                let inside = format!(" {tool} ");
                let finder = memchr::memmem::Finder::new(inside.as_bytes()).into_owned();
                (format!("{tool} ").into_bytes(), finder)
            })
            .collect()
    });
    tools.is_match(line)
        || word_tools.iter().any(|(first, inside)| {
            line.trim_ascii_start().starts_with(first) || inside.find(line).is_some()
        })
}

/// Image arguments of container command lines anywhere in the line, and in its quoted strings
/// that hold a command line (see [`quoted_commands`]).
pub(crate) fn command_sites(line: &[u8]) -> Vec<(LineSite, Accepts)> {
    let mut sites = word_sites(line);
    sites.extend(quoted_commands(line));
    sites
}

/// Command lines held whole in quoted strings: an npm script (`"build": "docker build -t o/app
/// ."`), a Jenkinsfile step (`sh "docker push o/app:1"`), a YAML or TOML value, a `bash -c '…'`.
/// A string is one when its content starts with a container tool; it is read like a script
/// line. A string with a backslash is skipped: its escapes (`\"`, `\\`) would put the bytes
/// of the file and those of the command apart.
fn quoted_commands(line: &[u8]) -> Vec<(LineSite, Accepts)> {
    let mut sites = Vec::new();
    let mut i = 0;
    while let Some(off) = memchr::memchr2(b'"', b'\'', &line[i..]) {
        let open = i + off;
        let quote = line[open];
        let (mut close, mut escaped) = (open + 1, false);
        while close < line.len() && line[close] != quote {
            escaped |= line[close] == b'\\';
            close += if line[close] == b'\\' { 2 } else { 1 };
        }
        if close >= line.len() {
            // An apostrophe in prose, or a string that goes on past the line.
            i = open + 1;
            continue;
        }
        let content = &line[open + 1..close];
        if !escaped && starts_with_a_tool(content) {
            let shift = |r: Range<usize>| r.start + open + 1..r.end + open + 1;
            sites.extend(
                word_sites(content)
                    .into_iter()
                    .map(|((r, confidence), accepts)| ((shift(r), confidence), accepts)),
            );
        }
        i = close + 1;
    }
    sites
}

/// Whether a command of `text` starts with a container tool (`docker`, `/usr/bin/podman`,
/// `sudo kubectl`): its first word, or the first after a separator (`npm run build && docker
/// build …`). A tool named in the middle of words (`see docker run x`) is prose.
fn starts_with_a_tool(text: &[u8]) -> bool {
    let words = shell_words(text, 0);
    let mut starts = true;
    words.iter().any(|w| {
        let w = &text[w.clone()];
        let tool = vocabulary::tool(w.rsplit(|&b| b == b'/').next().unwrap_or(w)).is_some();
        let found = starts && tool;
        starts = is_separator(w) || (starts && w == b"sudo");
        found
    })
}

/// Image arguments of the container command lines among `line`'s shell words, with what each
/// vouches for: the tag a `build` gives names an image built here ([`Accepts::Built`]), any
/// other argument any name.
fn word_sites(line: &[u8]) -> Vec<(LineSite, Accepts)> {
    let any = |site| (site, Accepts::Any);
    let mut sites = Vec::new();
    let words = shell_words(line, 0);
    for (i, word) in words.iter().enumerate() {
        let w = &line[word.clone()];
        let tool = w.rsplit(|&b| b == b'/').next().unwrap_or(w);
        let args = &words[i + 1..];
        match vocabulary::tool(tool) {
            Some(ToolKind::Container) => sites.extend(container_cli(line, args)),
            Some(ToolKind::Kubectl) => sites.extend(kubectl(line, args).into_iter().map(any)),
            Some(ToolKind::Regctl) => sites.extend(regctl(line, args).into_iter().map(any)),
            None => {}
        }
        let flag = vocabulary::IMAGE_FLAG.as_bytes();
        if let Some(value) = w.strip_prefix(flag).and_then(|v| v.strip_prefix(b"=")) {
            let start = word.end - value.len();
            sites.push(any((start..word.end, Confidence::Command)));
        } else if w == flag {
            if let Some(next) = words.get(i + 1) {
                sites.push(any((next.clone(), Confidence::Command)));
            }
        }
    }
    sites
}

/// Whether `flag` takes no value; `short` lists the subcommand's boolean one-letter flags.
fn is_boolean_flag(flag: &[u8], short: &[u8]) -> bool {
    if flag.contains(&b'=') {
        return true;
    }
    if flag.starts_with(b"--") {
        return vocabulary::BOOLEAN_FLAGS.contains(&flag);
    }
    flag.len() > 1 && flag[1..].iter().all(|b| short.contains(b))
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

/// The image arguments of a `docker`/`podman`/`nerdctl` command; the tags of `build -t` name
/// an image built here.
fn container_cli(line: &[u8], args: &[Range<usize>]) -> Vec<(LineSite, Accepts)> {
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
        b"build" => return built(tag_values(line, after)),
        b"buildx" => match word(after, 0) {
            Some(b"build") => return built(tag_values(line, &after[1..])),
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
        .map(|r| ((r, Confidence::Command), Accepts::Any))
        .collect()
}

/// The tags a build gives: names of an image built here, not pulled.
fn built(tags: Vec<Range<usize>>) -> Vec<(LineSite, Accepts)> {
    tags.into_iter()
        .map(|r| ((r, Confidence::Command), Accepts::Built))
        .collect()
}

/// `kubectl set image deploy/x app=IMAGE`, global flags before `set` included (`kubectl -n
/// web set image …`); the `--image` flag is handled for every tool.
fn kubectl(line: &[u8], args: &[Range<usize>]) -> Vec<LineSite> {
    let word = |i: usize| args.get(i).map(|a| &line[a.clone()]);
    let mut at = 0;
    while let Some(w) = word(at).filter(|w| w.starts_with(b"-") && w.len() > 1) {
        let takes_value = !w.contains(&b'=') && !vocabulary::KUBECTL_BOOLEAN_FLAGS.contains(&w);
        at += if takes_value { 2 } else { 1 };
    }
    if !(word(at) == Some(b"set") && word(at + 1) == Some(b"image")) {
        return Vec::new();
    }
    args[at + 2..]
        .iter()
        .take_while(|a| !is_separator(&line[(*a).clone()]))
        .filter(|a| !line[(*a).clone()].starts_with(b"-"))
        .filter_map(|a| {
            let eq = memchr::memchr(b'=', &line[a.clone()])?;
            Some((a.start + eq + 1..a.end, Confidence::Command))
        })
        .collect()
}

/// `regctl image copy SRC DST`, `regctl image inspect|digest|config|manifest REF`,
/// `regctl manifest get|head REF`, `regctl tag ls REPO`.
fn regctl(line: &[u8], args: &[Range<usize>]) -> Vec<LineSite> {
    let word = |i: usize| args.get(i).map(|a| &line[a.clone()]);
    let images = match (word(0), word(1)) {
        (Some(b"image"), Some(b"copy" | b"cp")) => positionals(line, &args[2..], b"", 2),
        (
            Some(b"image"),
            Some(
                b"inspect" | b"digest" | b"config" | b"manifest" | b"export" | b"delete" | b"rm"
                | b"ratelimit" | b"check-base" | b"get-file",
            ),
        )
        | (Some(b"manifest"), Some(b"get" | b"head" | b"delete" | b"rm"))
        | (Some(b"tag"), Some(b"ls" | b"list" | b"delete" | b"rm")) => {
            positionals(line, &args[2..], b"", 1)
        }
        _ => Vec::new(),
    };
    images
        .into_iter()
        .map(|r| (r, Confidence::Command))
        .collect()
}

/// `IMAGE=value`, `export APP_IMAGE="value"`, `IMAGE ?= value`, `ENV BASE_IMAGE=value`: an
/// image-named variable (see [`vocabulary::is_image_variable`]) assigned one literal token at
/// the start of a command. A quoted value with blanks inside is not one token. The flag says
/// the variable only mentions images (`IMAGE_TAG`): its value counts only if it is qualified.
pub(crate) fn assignment_value(line: &[u8]) -> Option<(LineSite, bool)> {
    let (name, value) = assignment(line)?;
    let name = &line[name];
    let image_named = vocabulary::is_image_variable(name);
    // `IMAGE_TAG=`, `GROK_IMAGE_PREVIOUS=`: the name mentions images; only a registry-qualified
    // value can be one (see `qualified_only`).
    let upper = name.to_ascii_uppercase();
    if !image_named
        && (memchr::memmem::find(&upper, b"IMAGE").is_none()
            || vocabulary::NOT_AN_IMAGE_SUFFIXES
                .iter()
                .any(|s| upper.ends_with(s)))
    {
        return None;
    }
    Some(((value, Confidence::Command), !image_named))
}

/// `REGISTRY=k8s.gcr.io`, `export REPO_PREFIX="gcr.io/o/demo"`, `REGISTRY ?= quay.io`,
/// `DOCKER_REPO=${DOCKER_REPO:-ghcr.io/acme}`: a registry or prefix variable (see
/// [`vocabulary::is_setting_variable`]) assigned one token at the start of a command.
pub(crate) fn setting_value(line: &[u8]) -> Option<LineSite> {
    let (name, value) = assignment(line)?;
    let name = &line[name];
    // `IMAGE_REPO` holds an image's name, not a prefix.
    let setting = vocabulary::is_setting_variable(name) && !vocabulary::is_image_variable(name);
    setting.then_some((value, Confidence::Setting))
}

/// The name and the one-token value of the variable assignment that starts a command on
/// `line`, if any.
fn assignment(line: &[u8]) -> Option<(Range<usize>, Range<usize>)> {
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
    if name_start == name_end || (name_start > 0 && !line[name_start - 1].is_ascii_whitespace()) {
        return None;
    }
    let before = line[..name_start].trim_ascii();
    let leader = before
        .rsplit(|b| b.is_ascii_whitespace())
        .next()
        .unwrap_or(b"");
    // After a YAML key (`driver-opts: image=moby/buildkit:v0.16`) the value is the assignment.
    let after_key = leader.ends_with(b":") && leader.len() > 1;
    if !before.is_empty() && !after_key && !vocabulary::ASSIGNMENT_LEADERS.contains(&leader) {
        return None;
    }
    let value = trim_comment(line, eq + 1);
    let text = &line[value.clone()];
    let end = match text.first() {
        Some(&quote @ (b'"' | b'\'')) => {
            let close = memchr::memchr(quote, &text[1..])? + 1;
            if text[1..close].iter().any(u8::is_ascii_whitespace) {
                return None;
            }
            value.start + close + 1
        }
        _ => text
            .iter()
            .position(|&b| b == b' ')
            .map_or(value.end, |p| value.start + p),
    };
    Some((name_start..name_end, value.start..end))
}

/// Whether `line` can hold a registry or prefix flag: the cheap test before splitting it.
pub(crate) fn mentions_a_setting_flag(line: &[u8]) -> bool {
    memchr::memmem::find(line, b"--").is_some()
        && vocabulary::SETTING_FLAGS
            .iter()
            .chain(HELM_SET_FLAGS)
            .any(|flag| memchr::memmem::find(line, flag.as_bytes()).is_some())
}

/// Helm's flags that set values: `--set global.imageRegistry=k8s.gcr.io,replicas=2`.
const HELM_SET_FLAGS: &[&str] = &["--set", "--set-string"];

/// The values of registry keys in a Helm `--set` word (`global.imageRegistry=k8s.gcr.io`), by
/// the last component of each key; `word` starts at `start` in the line.
fn helm_set_values(word: &[u8], start: usize) -> Vec<LineSite> {
    let mut sites = Vec::new();
    let mut at = 0;
    for piece in word.split(|&b| b == b',') {
        if let Some(eq) = memchr::memchr(b'=', piece) {
            let key = piece[..eq]
                .rsplit(|&b| b == b'.')
                .next()
                .unwrap_or_default();
            let key = String::from_utf8_lossy(key).to_ascii_lowercase();
            let role = vocabulary::image_key(KeyReader::YamlLines, FileKind::Helm, &key);
            if role == KeyRole::Registry && eq + 1 < piece.len() {
                let value = start + at + eq + 1..start + at + piece.len();
                sites.push((value, Confidence::Setting));
            }
        }
        at += piece.len() + 1;
    }
    sites
}

/// The values of registry and prefix flags (`--image-repository=k8s.gcr.io`,
/// `--repo-prefix gcr.io/o/demo`) anywhere in `line`.
pub(crate) fn setting_flags(line: &[u8]) -> Vec<LineSite> {
    let words = shell_words(line, 0);
    let mut sites = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let w = &line[word.clone()];
        for flag in HELM_SET_FLAGS.iter().map(|f| f.as_bytes()) {
            if let Some(value) = w.strip_prefix(flag).and_then(|v| v.strip_prefix(b"=")) {
                sites.extend(helm_set_values(value, word.end - value.len()));
            } else if w == flag {
                if let Some(next) = words.get(i + 1) {
                    sites.extend(helm_set_values(&line[next.clone()], next.start));
                }
            }
        }
        for flag in vocabulary::SETTING_FLAGS.iter().map(|f| f.as_bytes()) {
            if let Some(value) = w.strip_prefix(flag).and_then(|v| v.strip_prefix(b"=")) {
                sites.push((word.end - value.len()..word.end, Confidence::Setting));
            } else if w == flag {
                if let Some(next) = words
                    .get(i + 1)
                    .filter(|n| !line[(*n).clone()].starts_with(b"-"))
                {
                    sites.push((next.clone(), Confidence::Setting));
                }
            }
        }
    }
    sites
}

#[cfg(test)]
mod tests {
    use crate::classify::FileKind;
    use crate::find::syntax::site_texts;

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
        let sh = "podman pull --platform linux/amd64 redis\ndocker tag a:1 b:2\ndocker build -t app:1 .\ndocker buildx imagetools create -t x:1 x:1-amd64 x:1-arm64\nkubectl set image deploy/web web=nginx:1.27\nkubectl -n web --context prod set image deployment/api api=ghcr.io/a/api:2 --record\nregctl image copy --referrers alpine:3.20 registry.internal:5000/alpine:3.20\nregctl tag ls library/redis\nkubectl run tmp --image=busybox -- sh\necho hi | docker push \"$IMAGE\"\n";
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
                "ghcr.io/a/api:2",
                "alpine:3.20",
                "registry.internal:5000/alpine:3.20",
                "library/redis",
                "busybox",
                "$IMAGE"
            ]
        );
    }

    #[test]
    fn registry_and_prefix_settings() {
        let text = "export REPO_PREFIX=gcr.io/o/demo\nREGISTRY ?= \"quay.io\"\nDOCKER_REPO=${DOCKER_REPO:-ghcr.io/acme}\n\
            kubeadm config images pull --image-repository=k8s.gcr.io\nskaffold run --default-repo gcr.io/o\n\
            helm upgrade web bitnami/nginx --set replicaCount=2,global.imageRegistry=k8s.gcr.io --set-string=image.registry=quay.io\n\
            INSTALL_DIR=/usr/local\n";
        assert_eq!(
            site_texts(FileKind::Makefile, text),
            [
                "gcr.io/o/demo",
                "\"quay.io\"",
                "${DOCKER_REPO:-ghcr.io/acme}",
                "k8s.gcr.io",
                "gcr.io/o",
                "k8s.gcr.io",
                "quay.io"
            ]
        );
    }

    #[test]
    fn command_lines_in_quoted_strings() {
        let text =
            "  \"build-base\": \"docker buildx build --push -t louislam/uptime-kuma:base2 .\",\n\
            \"simple-mongo\": \"docker run --rm -p 27017:27017 mongo\"\n\
            sh \"docker push chintalokesh/seleniumdocker:latest\"\n\
            bat \"docker build -t='org/app' .\"\n\
            x: 'docker run --rm foo/bar:1' # smoke\n\
            \"a\": \"docker run -e \\\"A=b\\\" escaped/app\"\n\
            \"b\": \"see docker run prose/app\", \"it's\": \"podman pull quay.io/o/x\"\n\
            \"c\": \"npm run build && docker build -t o/nightly:2 .\"\n\
            sh 'sudo docker build -t javamaven .'\n";
        assert_eq!(
            site_texts(FileKind::Json, text),
            [
                "louislam/uptime-kuma:base2",
                "mongo",
                "chintalokesh/seleniumdocker:latest",
                "'org/app'",
                "foo/bar:1",
                "quay.io/o/x",
                "o/nightly:2",
                "javamaven"
            ]
        );
    }

    #[test]
    fn image_assignments() {
        let text =
            "IMAGE ?= ghcr.io/a/b\nexport APP_IMAGE=\"nginx\"\nset BASE_IMAGE=redis\nOTHER=nginx\n\
            IMAGE_TAG=2.8.1\nIMAGE_REGISTRY=ghcr.io/acme\nimage_size=0\nGROK_IMAGE_PREVIOUS=ghcr.io/a/c:1\nBUILDER_IMG=golang:1.22\n\
            docker run -e APP_IMAGE=tmp x\nIMAGE=\"a b\"\ncd x && RUNNER_IMAGE=alpine:3 make\n";
        assert_eq!(
            site_texts(FileKind::Makefile, text),
            // `IMAGE_TAG`, `IMAGE_REGISTRY` and `image_size` hold a part or a setting of an image
            // (`IMAGE_REGISTRY` a setting site); `GROK_IMAGE_PREVIOUS` only mentions images: its
            // site vouches for a qualified value.
            [
                "ghcr.io/a/b",
                "\"nginx\"",
                "redis",
                "ghcr.io/acme",
                "ghcr.io/a/c:1",
                "golang:1.22",
                "x",
                "alpine:3"
            ]
        );
    }
}
