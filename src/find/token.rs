//! The free-text tokenizer: the candidate reference around a byte offset, with its span.
//!
//! A candidate is the maximal run of reference characters around a hit, cut after a shell default
//! marker (`${X:-nginx}`), trimmed of sentence punctuation, and flagged when a template is glued to
//! it (`${REGISTRY}/app`, `app-${SUFFIX}`): such a name is not literal and needs a human.

use std::ops::Range;

use super::vocabulary;
use crate::finding::ReviewReason;

/// Bytes that can occur in a written image reference.
pub(crate) fn is_ref_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':' | b'@')
}

/// A candidate reference in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// The candidate's bytes, all ASCII.
    pub(crate) span: Range<usize>,
    /// Why the name is not literal, when a template is glued to it.
    pub(crate) templated: Option<ReviewReason>,
}

/// The candidate around `hit` (a range inside a run of reference bytes).
pub(crate) fn token_at(text: &[u8], hit: Range<usize>) -> Option<Token> {
    let mut start = hit.start;
    while start > 0 && is_ref_byte(text[start - 1]) {
        start -= 1;
    }
    let mut end = hit.end;
    while end < text.len() && is_ref_byte(text[end]) {
        end += 1;
    }
    if let Some(open) = ipv6_host_before(text, start) {
        // `[2001:db8::1]:5000/team/app`: the bracketed host is part of the name; without it the
        // rest would read as the Docker Hub name `5000/team/app`.
        start = open;
    }
    token_in(text, start..end, hit.start)
}

/// The candidate that is exactly the run `run` of `text`, shaped like any other (a caller that
/// found the run's ends itself: an escaped name).
pub(crate) fn token_in_run(text: &[u8], run: Range<usize>) -> Option<Token> {
    let anchor = run.end;
    token_in(text, run, anchor)
}

/// The end of a bracketed IPv6 host (`[2001:db8::1]`) that starts at `at`, as in
/// distribution/reference: hex digits, colons and dots between brackets, at least one colon.
fn ipv6_host_end(text: &[u8], at: usize) -> Option<usize> {
    if text.get(at) != Some(&b'[') || (at > 0 && is_ref_byte(text[at - 1])) {
        return None;
    }
    let inner = text[at + 1..]
        .iter()
        .take(64)
        .take_while(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
        .count();
    let close = at + 1 + inner;
    let host = &text[at + 1..close];
    (text.get(close) == Some(&b']') && host.contains(&b':')).then_some(close + 1)
}

/// Where the bracketed IPv6 host that ends right before `at` opens, if one does.
fn ipv6_host_before(text: &[u8], at: usize) -> Option<usize> {
    if at == 0 || text[at - 1] != b']' {
        return None;
    }
    let from = at.saturating_sub(66);
    let open = from + memchr::memrchr(b'[', &text[from..at])?;
    (ipv6_host_end(text, open) == Some(at)).then_some(open)
}

/// Every candidate inside `range` (a value such as an `image:` field), in order.
pub(crate) fn tokens_in(text: &[u8], range: Range<usize>) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = range.start;
    while i < range.end {
        let start = i;
        if let Some(host_end) = ipv6_host_end(text, i).filter(|&e| e <= range.end) {
            i = host_end;
        } else if !is_ref_byte(text[i]) {
            i += 1;
            continue;
        }
        while i < range.end && is_ref_byte(text[i]) {
            i += 1;
        }
        if let Some(token) = token_in(text, start..i, i) {
            tokens.push(token);
        }
    }
    tokens
}

/// The last `first` directly followed by `second`. Runs are short, and a `memmem` search builds a
/// searcher per call, which profiles showed at tens of thousands of candidates.
fn rfind_pair(bytes: &[u8], first: u8, second: u8) -> Option<usize> {
    bytes
        .windows(2)
        .rposition(|w| w[0] == first && w[1] == second)
}

/// Where `://` starts, if anywhere.
fn find_scheme(bytes: &[u8]) -> Option<usize> {
    bytes.windows(3).position(|w| w == b"://")
}

/// Whether the run at `at` starts right after `$`, `${`, `$(` or `$$`: a variable's or a command
/// substitution's name.
fn starts_a_variable(text: &[u8], at: usize) -> bool {
    let byte = |back: usize| at.checked_sub(back).map(|i| text[i]);
    match byte(1) {
        Some(b'$') => true,
        Some(b'{' | b'(') => byte(2) == Some(b'$'),
        _ => false,
    }
}

/// Whether `run` is a quoted string that names a registry (`"ghcr.io/o/app:1"`).
fn quoted_qualified_name(text: &[u8], run: Range<usize>) -> bool {
    let quoted = run.start > 0
        && matches!(text[run.start - 1], b'"' | b'\'')
        && text.get(run.end) == Some(&text[run.start - 1]);
    let run = &text[run];
    let first = run.split(|&b| b == b'/').next().unwrap_or(run);
    quoted && first.len() < run.len() && first.iter().any(|&b| b == b'.' || b == b':')
}

/// Where the tag (`:`) or digest (`@`) of a written reference starts, when the name before it
/// has a path (`ghcr.io/o/app:v1` → 13): a `:` before the last `/` is a registry's port.
fn tag_start(word: &[u8]) -> Option<usize> {
    let slash = memchr::memrchr(b'/', word)?;
    let at = slash + 1 + memchr::memchr2(b':', b'@', &word[slash + 1..])?;
    (at > slash + 1).then_some(at)
}

/// Whether `at` is inside a `{{ … }}` or `{% … %}` template action that opened on its line.
fn inside_template_action(text: &[u8], at: usize) -> bool {
    const WINDOW: usize = 1024;
    let from = at.saturating_sub(WINDOW);
    let line_start = memchr::memrchr(b'\n', &text[from..at]).map_or(from, |i| from + i + 1);
    let before = &text[line_start..at];
    if memchr::memchr(b'{', before).is_none() {
        return false;
    }
    let last = |pair: &[u8]| before.windows(2).rposition(|w| w == pair);
    let opened = last(b"{{").max(last(b"{%"));
    let closed = last(b"}}").max(last(b"%}"));
    match (opened, closed) {
        (Some(open), Some(close)) => open > close,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Whether the run starting at `at` is the inside of a template glued to the tag separator of a
/// name before it: `name:` then only template punctuation (`|version|`, `{version}`,
/// `%VERSION%`, `$(TAG)`, `[tag]`) up to `at`. Quotes, blanks and `=` end a value, so
/// `image:"redis"` (a JavaScript object) is no tag.
fn continues_a_tag(text: &[u8], at: usize) -> bool {
    const OPENERS: &[u8] = b"|{%$([<";
    let mut i = at;
    while i > 0 && at - i < 8 && OPENERS.contains(&text[i - 1]) {
        i -= 1;
    }
    // `name:` right before the template: a colon closing a run that has a name.
    i < at && i >= 2 && text[i - 1] == b':' && is_ref_byte(text[i - 2]) && text[i - 2] != b':'
}

/// Shapes the maximal run `run` into a candidate; `anchor` is where the interesting part ends
/// at the latest (a shell default marker before it cuts the run).
fn token_in(text: &[u8], run: Range<usize>, anchor: usize) -> Option<Token> {
    let mut start = run.start;
    let end = run.end;
    let run_bytes = &text[start..anchor.min(end)];
    if let Some(cut) = rfind_pair(run_bytes, b':', b'-') {
        // `${VAR:-default}`: the default is a reference only if the expression stands alone, not
        // when it continues a word (`app:${TAG:-latest}` defaults a tag).
        let open = run
            .start
            .checked_sub(2)
            .filter(|&i| &text[i..run.start] == b"${");
        if open.is_some_and(|i| i > 0 && is_ref_byte(text[i - 1])) {
            return None;
        }
        start += cut + 2;
    }
    if let Some(at) = find_scheme(&text[start..end]) {
        // `uses: docker://alpine:3`, `oci://ghcr.io/o/chart` name an image; any other scheme
        // is a URL.
        if !vocabulary::is_registry_scheme(&text[start..start + at]) {
            return None;
        }
        start += at + 3;
    }
    if inside_template_action(text, start) && !quoted_qualified_name(text, start..end) {
        // `{{ include "app.image" . }}`, `{% if x %}`: template functions and values, not names
        // (a quoted registry-qualified default, `default "ghcr.io/o/app:1"`, is a literal).
        return None;
    }
    let mut glued_left = false;
    if start == run.start && starts_a_variable(text, start) {
        // `$tag`, `${svc}`, `$$svc` (make), `$(echo …)`, `$REGISTRY/app`: a variable or command
        // name is no image; what follows it continues the variable's value.
        while start < end && (text[start].is_ascii_alphanumeric() || text[start] == b'_') {
            start += 1;
        }
        if start == end {
            return None;
        }
        glued_left = true;
    }
    let before = start.checked_sub(1).map(|i| text[i]);
    let after = text.get(end).copied();
    let enclosed = |open, close| before == Some(open) && after == Some(close);
    if enclosed(b'<', b'>') || enclosed(b'%', b'%') || enclosed(b'{', b'}') {
        // `<image>`, `<tag>`, `%%IMAGE%%` (docker-library docs), `%TAG%`, `relay-{flavour}`
        // (Python format fields): a placeholder.
        return None;
    }
    if continues_a_tag(text, start) {
        // `apache/airflow:|version|`, `app:{version}`: the template is the tag of the name
        // before it, not a second image. One image position holds one reference.
        return None;
    }
    // `${REGISTRY}/app`, `{{ .Values.registry }}/app`, `$(REGISTRY)/app`, `${PREFIX}app`,
    // `$(TAG)-amd64`: the token continues a template expression.
    glued_left = glued_left || matches!(before, Some(b'}' | b')'));
    if glued_left && matches!(text[start], b'-' | b'.' | b'_' | b':') {
        // `${GO_VERSION}-bookworm`, `${IMAGE}:1.2`: the rest of a templated tag or name.
        return None;
    }
    if text[start] == b'@' {
        // `@acme/api` is an npm scope or a mention, not an image.
        return None;
    }
    while start < end && matches!(text[start], b'/' | b'-' | b'.' | b'_' | b':') {
        start += 1;
    }
    let mut tail = end;
    while tail > start && matches!(text[tail - 1], b'.' | b':' | b'-' | b'_' | b'@' | b'/') {
        tail -= 1;
    }
    let trimmed = &text[tail..end];
    let glued_right = after.is_some_and(|b| matches!(b, b'$' | b'{' | b'%' | b'<'))
        && !matches!(trimmed, b":" | b"@");
    // Only sentence punctuation may be dropped from a literal name; anything else stays part of
    // the token so that `grok2api-` or `grok2api/` never passes for `grok2api`.
    if !glued_right && !trimmed.iter().all(|&b| matches!(b, b'.' | b':')) {
        tail = end;
    }
    if tail <= start {
        return None;
    }
    let mut glued_right = glued_right;
    if glued_right {
        if let Some(cut) = tag_start(&text[start..tail]) {
            // `ghcr.io/o/app:hf-amd64-{version}`, `…:v${VERSION}-alpine`: the template is inside
            // the tag, so the name before it is literal and complete; the tag stays as written.
            tail = start + cut;
            glued_right = false;
        }
    }
    let templated = if glued_left {
        Some(ReviewReason::TemplatedOwner)
    } else if glued_right {
        Some(ReviewReason::TemplatedSuffix)
    } else {
        None
    };
    Some(Token {
        span: start..tail,
        templated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(text: &str, needle: &str) -> Option<(String, Option<ReviewReason>)> {
        let at = text.find(needle).unwrap();
        token_at(text.as_bytes(), at..at + needle.len())
            .map(|t| (text[t.span].to_owned(), t.templated))
    }

    fn literal(text: &str, needle: &str) -> String {
        let (s, templated) = token(text, needle).unwrap();
        assert_eq!(templated, None, "{text}");
        s
    }

    #[test]
    fn takes_the_maximal_run_around_a_hit() {
        assert_eq!(
            literal("image: ghcr.io/gdtiti/grok2api-api:v1", "grok2api"),
            "ghcr.io/gdtiti/grok2api-api:v1"
        );
        assert_eq!(
            literal("x xghcr.io/gdtiti/grok2api y", "grok2api"),
            "xghcr.io/gdtiti/grok2api"
        );
        assert_eq!(
            literal("`ghcr.io/gdtiti/grok2api/sub`", "grok2api"),
            "ghcr.io/gdtiti/grok2api/sub"
        );
    }

    #[test]
    fn trims_sentence_punctuation() {
        assert_eq!(
            literal("pull ghcr.io/gdtiti/grok2api.", "grok2api"),
            "ghcr.io/gdtiti/grok2api"
        );
        assert_eq!(
            literal("push ghcr.io/a/b:main-amd64: denied", "a/b"),
            "ghcr.io/a/b:main-amd64"
        );
    }

    #[test]
    fn cuts_after_shell_default_marker() {
        assert_eq!(
            literal("${GROK_IMAGE:-ghcr.io/a/b:main}", "a/b"),
            "ghcr.io/a/b:main"
        );
        assert_eq!(
            literal("image: ${REDIS_IMAGE:-redis:7}", "redis:7"),
            "redis:7"
        );
    }

    #[test]
    fn templated_tag_keeps_a_literal_name() {
        assert_eq!(
            literal("IMAGE=ghcr.io/a/b:${TAG:-latest}", "a/b"),
            "ghcr.io/a/b"
        );
        assert_eq!(literal("$(IMAGE) ghcr.io/a/b:$(TAG)", "a/b"), "ghcr.io/a/b");
    }

    #[test]
    fn a_template_inside_the_tag_keeps_the_name_literal() {
        for text in [
            "ghcr.io/a/b:hf-amd64-{version}",
            "ghcr.io/a/b:v${VERSION}-alpine",
            "ghcr.io/a/b:{{ .Chart.AppVersion }}",
            "ghcr.io/a/b:$TAG",
            "localhost:5000/a/b:v%VERSION%",
        ] {
            let want = &text[..text.find("a/b").unwrap() + 3];
            assert_eq!(literal(text, "a/b"), want, "{text}");
        }
        // A template in the repository name is not.
        let (s, why) = token("ghcr.io/a/b-{flavour}:1", "a/b").unwrap();
        assert_eq!(
            (s.as_str(), why),
            ("ghcr.io/a/b", Some(ReviewReason::TemplatedSuffix))
        );
    }

    #[test]
    fn templated_names_are_flagged() {
        let (s, why) = token(
            "docker pull \"${REGISTRY}/gdtiti/grok2api:latest\"",
            "gdtiti/grok2api",
        )
        .unwrap();
        assert_eq!(s, "gdtiti/grok2api:latest");
        assert!(why.is_some());
        let (s, why) = token("ghcr.io/a/b-${SUFFIX}", "a/b").unwrap();
        assert_eq!(s, "ghcr.io/a/b");
        assert!(why.is_some());
    }

    #[test]
    fn docker_scheme_names_an_image() {
        assert_eq!(
            literal("uses: docker://ghcr.io/a/b:2", "a/b"),
            "ghcr.io/a/b:2"
        );
    }

    #[test]
    fn image_transports_name_an_image() {
        assert_eq!(
            literal("FROM docker-image://nginx:1.25", "nginx"),
            "nginx:1.25"
        );
        assert_eq!(
            literal("helm pull oci://ghcr.io/o/charts/app", "o/charts"),
            "ghcr.io/o/charts/app"
        );
        assert_eq!(token("see git+ssh://ghcr.io/o/app", "o/app"), None);
    }

    #[test]
    fn an_ipv6_host_is_part_of_the_name() {
        assert_eq!(
            literal("docker pull [2001:db8::1]:5000/team/app:1.0", "team/app"),
            "[2001:db8::1]:5000/team/app:1.0"
        );
        let text = b"FROM [::1]:5000/app:1.0";
        let found: Vec<_> = tokens_in(text, 5..text.len())
            .into_iter()
            .map(|t| t.span)
            .collect();
        assert_eq!(found, vec![5..text.len()]);
        assert_eq!(literal("see a[::1]:5000/app", "app"), "5000/app");
    }

    #[test]
    fn a_template_after_a_tag_separator_is_the_tag_not_an_image() {
        let text = b"image: ${AIRFLOW_IMAGE_NAME:-apache/airflow:|version|}";
        let found: Vec<_> = tokens_in(text, 7..text.len())
            .into_iter()
            .map(|t| String::from_utf8_lossy(&text[t.span]).into_owned())
            .collect();
        assert_eq!(found, ["apache/airflow"]);
        assert_eq!(token("image: ghcr.io/o/app:{version}", "version"), None);
        assert_eq!(token("docker run -d %%IMAGE%%", "IMAGE"), None);
        assert_eq!(
            token("docker pull ghcr.io/acme/relay-{flavour}:latest", "flavour"),
            None
        );
        // A JavaScript object's key is no tag.
        assert_eq!(literal("{image:\"redis:7\"}", "redis"), "redis:7");
        assert_eq!(literal("image: |\n  redis:7", "redis"), "redis:7");
    }

    #[test]
    fn scoped_package_names_are_not_candidates() {
        assert_eq!(token("\"name\": \"@acme/api\"", "acme/api"), None);
    }

    #[test]
    fn urls_are_not_candidates() {
        assert_eq!(
            token(
                "see https://ghcr.io/v2/gdtiti/grok2api/tags/list",
                "gdtiti/grok2api"
            ),
            None
        );
    }

    #[test]
    fn tokens_in_a_value_range() {
        let text = b"image: ${X:-nginx:1.25} # web";
        let found: Vec<_> = tokens_in(text, 7..text.len())
            .into_iter()
            .map(|t| t.span)
            .collect();
        assert_eq!(found, vec![12..22, 26..29]);
    }
}
