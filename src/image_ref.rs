//! The container image reference grammar of docker/distribution (`reference.ParseNormalizedNamed`).
//!
//! Parsing keeps the *written* sub-spans (domain, path, tag, digest) so that callers can splice
//! a new name into the original bytes, and derives the normalized and familiar forms from them.
//! Pure code: no I/O, no allocation on the parse path.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// Docker Hub's domain as normalization writes it: the one place the rest of the crate learns it.
pub(crate) const HUB: &str = "docker.io";
/// Docker Hub's legacy domain, the same registry as [`HUB`].
const LEGACY_HUB: &str = "index.docker.io";
/// The Docker Hub namespace of official images, implied by a one-component Hub name.
pub(crate) const OFFICIAL_NAMESPACE: &str = "library";
/// [`OFFICIAL_NAMESPACE`] as a path prefix.
pub(crate) const OFFICIAL_REPO_PREFIX: &str = "library/";
/// Go checks the normalized path (with `library/`), not the domain.
const NAME_TOTAL_LENGTH_MAX: usize = 255;
const TAG_LENGTH_MAX: usize = 128;

/// Why a string is not an image reference. Messages contain the Go error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefError {
    InvalidFormat,
    MustBeLowercase,
    NameTooLong,
    HexName,
    DigestLength,
    DigestFormat,
    DigestUnsupported,
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefError::InvalidFormat => "invalid reference format",
            RefError::MustBeLowercase => {
                "invalid reference format: repository name must be lowercase"
            }
            RefError::NameTooLong => "repository name must not be more than 255 characters",
            RefError::HexName => {
                "invalid repository name, cannot specify 64-byte hexadecimal strings"
            }
            RefError::DigestLength => "invalid checksum digest length",
            RefError::DigestFormat => "invalid checksum digest format",
            RefError::DigestUnsupported => "unsupported digest algorithm",
        })
    }
}

impl std::error::Error for RefError {}

/// The registry a reference resolves to, after normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Domain {
    /// Docker Hub: no domain written, `docker.io` or `index.docker.io`.
    Hub,
    /// Written, used as written (`ghcr.io`, `localhost:5000`, `Docker.io`).
    Written,
    /// Neither: the first component looked like a domain but is not one (`my_registry.com/app`).
    None,
}

/// A parsed reference: spans into the written text plus what normalization adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    text: &'a str,
    domain: Domain,
    domain_span: Option<Range<usize>>,
    path_span: Range<usize>,
    tag_span: Option<Range<usize>>,
    digest_span: Option<Range<usize>>,
    /// `library/` is implied by normalization (a single-component Docker Hub name).
    implied_library: bool,
}

impl<'a> ImageRef<'a> {
    /// Parses `text` like `reference.ParseNormalizedNamed`.
    pub fn parse(text: &'a str) -> Result<Self, RefError> {
        if text.len() == 64 && text.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9')) {
            return Err(RefError::HexName);
        }
        let (domain_span, rest_start) = split_docker_domain(text);
        let remote_end =
            find_byte(&text[rest_start..], b':').map_or(text.len(), |i| rest_start + i);
        if text[rest_start..remote_end]
            .bytes()
            .any(|b| b.is_ascii_uppercase())
        {
            return Err(RefError::MustBeLowercase);
        }
        let was_split = domain_span.is_some();
        let mut parsed = parse_name_tag_digest(text, domain_span, rest_start)?;
        let written_domain = parsed.domain_span.clone().map(|r| &text[r]);
        parsed.domain = match written_domain {
            // Taken as a domain by `splitDockerDomain` but not a valid one: no domain at all.
            None if was_split => Domain::None,
            None => Domain::Hub,
            Some(domain) if is_hub_domain(domain) => Domain::Hub,
            Some(_) => Domain::Written,
        };
        parsed.implied_library =
            parsed.domain == Domain::Hub && !text[parsed.path_span.clone()].contains('/');
        if parsed.path_len() > NAME_TOTAL_LENGTH_MAX {
            return Err(RefError::NameTooLong);
        }
        Ok(parsed)
    }

    /// The text this reference was parsed from.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Normalized domain: `docker.io` for Docker Hub, `""` when the name has no domain.
    pub fn domain(&self) -> &'a str {
        match self.domain {
            Domain::Hub => HUB,
            Domain::None => "",
            Domain::Written => &self.text[self.domain_span.clone().unwrap_or(0..0)],
        }
    }

    /// Whether the reference resolves to Docker Hub.
    pub fn is_hub(&self) -> bool {
        self.domain == Domain::Hub
    }

    /// Normalized path (`library/nginx` for `nginx`).
    pub fn path(&self) -> String {
        let written = &self.text[self.path_span.clone()];
        if self.implied_library {
            format!("{OFFICIAL_REPO_PREFIX}{written}")
        } else {
            written.to_owned()
        }
    }

    fn path_len(&self) -> usize {
        self.path_span.len()
            + if self.implied_library {
                OFFICIAL_REPO_PREFIX.len()
            } else {
                0
            }
    }

    /// Normalized repository name without tag or digest: `docker.io/library/nginx`.
    pub fn repository(&self) -> String {
        self.repository_text().into_owned()
    }

    /// [`ImageRef::repository`], borrowed from the text when it is written out in full (any
    /// registry other than Docker Hub): matching a name against rules then allocates nothing.
    pub fn repository_text(&self) -> Cow<'a, str> {
        match self.domain {
            Domain::Written => Cow::Borrowed(&self.text[self.name_span()]),
            Domain::None => Cow::Owned(self.path()),
            Domain::Hub => Cow::Owned(format!("{HUB}/{}", self.path())),
        }
    }

    /// The normalized string (`String()` in Go): repository plus the written tag and digest.
    pub fn normalized(&self) -> String {
        self.with_suffix(self.repository())
    }

    /// The familiar string (`FamiliarString()` in Go): `nginx:1.27`, `bitnami/redis`.
    pub fn familiar(&self) -> String {
        let name = if self.is_hub() {
            let path = self.path();
            match path.strip_prefix(OFFICIAL_REPO_PREFIX) {
                Some(rest) if !rest.contains('/') => rest.to_owned(),
                _ => path,
            }
        } else {
            self.repository()
        };
        self.with_suffix(name)
    }

    fn with_suffix(&self, mut name: String) -> String {
        if let Some(tag) = self.tag() {
            name.push(':');
            name.push_str(tag);
        }
        if let Some(digest) = self.digest() {
            name.push('@');
            name.push_str(digest);
        }
        name
    }

    /// The written tag, without `:`.
    pub fn tag(&self) -> Option<&'a str> {
        self.tag_span.clone().map(|r| &self.text[r])
    }

    /// The written digest (`sha256:…`), without `@`.
    pub fn digest(&self) -> Option<&'a str> {
        self.digest_span.clone().map(|r| &self.text[r])
    }

    /// Whether a domain is written out (as opposed to implied Docker Hub).
    pub fn has_written_domain(&self) -> bool {
        self.domain_span.is_some()
    }

    /// The domain exactly as written, if one is.
    pub fn written_domain(&self) -> Option<&'a str> {
        self.domain_span.clone().map(|d| &self.text[d])
    }

    /// The written path, exactly as in the text (no implied `library/`).
    pub fn written_path(&self) -> &'a str {
        &self.text[self.path_span.clone()]
    }

    /// Span of the written name (domain and path, no tag or digest).
    pub fn name_span(&self) -> Range<usize> {
        let start = self
            .domain_span
            .as_ref()
            .map_or(self.path_span.start, |d| d.start);
        start..self.path_span.end
    }

    /// Span of the written name and tag (everything before `@digest`).
    pub fn name_tag_span(&self) -> Range<usize> {
        let end = self.tag_span.as_ref().map_or(self.path_span.end, |t| t.end);
        self.name_span().start..end
    }
}

/// Whether a written domain is Docker Hub's (`docker.io`, `index.docker.io`; case matters, as in Go).
pub(crate) fn is_hub_domain(domain: &str) -> bool {
    matches!(domain, HUB | LEGACY_HUB)
}

/// A written domain with Docker Hub's legacy spelling replaced by [`HUB`]; others unchanged.
pub(crate) fn normalize_domain(domain: &str) -> &str {
    match domain {
        LEGACY_HUB => HUB,
        other => other,
    }
}

/// `splitDockerDomain`: where the first component is a domain, returns its span and where the rest starts.
fn split_docker_domain(text: &str) -> (Option<Range<usize>>, usize) {
    match find_byte(text, b'/') {
        Some(i) if looks_like_domain(&text[..i]) => (Some(0..i), i + 1),
        _ => (None, 0),
    }
}

fn looks_like_domain(first: &str) -> bool {
    first
        .bytes()
        .any(|b| b == b'.' || b == b':' || b.is_ascii_uppercase())
        || first == "localhost"
}

/// The first `byte` in `s`. References are short: a plain loop beats `str::find`'s `memchr`
/// set-up, which showed up in profiles of scans with tens of thousands of candidates.
fn find_byte(s: &str, byte: u8) -> Option<usize> {
    s.bytes().position(|b| b == byte)
}

/// Go's `Parse(domain + "/" + remainder)`: the domain is taken only if it is a valid domain.
fn parse_name_tag_digest(
    text: &str,
    split: Option<Range<usize>>,
    rest_start: usize,
) -> Result<ImageRef<'_>, RefError> {
    let (domain_span, remote_start) = match split {
        Some(d) if is_domain(&text[d.clone()]) => (Some(d), rest_start),
        _ => (None, 0),
    };
    let (before_digest, digest_span) = match find_byte(&text[remote_start..], b'@') {
        Some(i) => {
            let at = remote_start + i;
            (remote_start..at, Some(at + 1..text.len()))
        }
        None => (remote_start..text.len(), None),
    };
    let (path_span, tag_span) = match find_byte(&text[before_digest.clone()], b':') {
        Some(i) => {
            let colon = before_digest.start + i;
            (
                before_digest.start..colon,
                Some(colon + 1..before_digest.end),
            )
        }
        None => (before_digest, None),
    };
    if !is_path(&text[path_span.clone()]) {
        return Err(RefError::InvalidFormat);
    }
    if let Some(tag) = &tag_span {
        if !is_tag(&text[tag.clone()]) {
            return Err(RefError::InvalidFormat);
        }
    }
    if let Some(digest) = &digest_span {
        validate_digest(&text[digest.clone()])?;
    }
    Ok(ImageRef {
        text,
        domain: Domain::Hub,
        domain_span,
        path_span,
        tag_span,
        digest_span,
        implied_library: false,
    })
}

/// `domain := host [":" port]`, `host := domain-name | "[" ipv6 "]"`.
pub(crate) fn is_domain(s: &str) -> bool {
    let (host, port) = if s.starts_with('[') {
        match find_byte(s, b']') {
            Some(end) => (&s[..=end], &s[end + 1..]),
            None => return false,
        }
    } else {
        match find_byte(s, b':') {
            Some(i) => (&s[..i], &s[i..]),
            None => (s, ""),
        }
    };
    let port_ok = port.is_empty()
        || (port.len() > 1
            && port.starts_with(':')
            && port[1..].bytes().all(|b| b.is_ascii_digit()));
    port_ok && (is_ipv6_host(host) || is_domain_name(host))
}

fn is_ipv6_host(host: &str) -> bool {
    host.len() > 2
        && host.starts_with('[')
        && host.ends_with(']')
        && host[1..host.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':')
}

fn is_domain_name(host: &str) -> bool {
    host.as_bytes().split(|&x| x == b'.').all(|b| {
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
    })
}

/// `path := path-component ("/" path-component)*`.
pub(crate) fn is_path(s: &str) -> bool {
    s.as_bytes().split(|&x| x == b'/').all(is_path_component)
}

/// `path-component := [a-z0-9]+ (separator [a-z0-9]+)*`, `separator := [_.] | "__" | "-"+`.
fn is_path_component(b: &[u8]) -> bool {
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &b[start..i];
        let ok = matches!(sep, b"." | b"_" | b"__") || sep.iter().all(|&x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `tag := [\w][\w.-]{0,127}`.
fn is_tag(s: &str) -> bool {
    let b = s.as_bytes();
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    !b.is_empty()
        && b.len() <= TAG_LENGTH_MAX
        && word(b[0])
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

/// The digest grammar plus go-digest's validation of the algorithms it knows.
fn validate_digest(s: &str) -> Result<(), RefError> {
    let Some((algorithm, hex)) = s.split_once(':') else {
        return Err(RefError::InvalidFormat);
    };
    let algorithm_ok = algorithm.split(['+', '.', '-', '_']).all(|c| {
        c.starts_with(|ch: char| ch.is_ascii_alphabetic())
            && c.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if !algorithm_ok || hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(RefError::InvalidFormat);
    }
    let expected = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(RefError::DigestUnsupported),
    };
    if hex.len() != expected {
        return Err(RefError::DigestLength);
    }
    if !hex.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9')) {
        return Err(RefError::DigestFormat);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Case {
        input: String,
        valid: bool,
        error: Option<String>,
        domain: Option<String>,
        path: Option<String>,
        tag: Option<String>,
        digest: Option<String>,
        normalized: Option<String>,
        familiar: Option<String>,
        rule: String,
    }

    #[test]
    fn every_refcases_json_case_parses_as_distribution_does() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/refcases.json");
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let cases: Vec<Case> = serde_json::from_value(doc["cases"].clone()).unwrap();
        assert_eq!(cases.len(), doc["count"].as_u64().unwrap() as usize);
        let mut failures = Vec::new();
        for case in &cases {
            let got = ImageRef::parse(&case.input);
            let ok = match (&got, case.valid) {
                (Ok(r), true) => {
                    Some(r.domain()) == case.domain.as_deref()
                        && Some(r.path().as_str()) == case.path.as_deref()
                        && r.tag() == case.tag.as_deref()
                        && r.digest() == case.digest.as_deref()
                        && Some(r.normalized().as_str()) == case.normalized.as_deref()
                        && Some(r.familiar().as_str()) == case.familiar.as_deref()
                }
                (Err(e), false) => e.to_string().contains(case.error.as_deref().unwrap_or("")),
                _ => false,
            };
            if !ok {
                failures.push(format!("{:?} ({}): got {:?}", case.input, case.rule, got));
            }
        }
        assert!(
            failures.is_empty(),
            "{} cases failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn hub_short_name_normalizes_to_library() {
        let r = ImageRef::parse("nginx:1.25").unwrap();
        assert_eq!(r.repository(), "docker.io/library/nginx");
        assert_eq!(r.name_span(), 0..5);
        assert_eq!(r.tag(), Some("1.25"));
    }

    #[test]
    fn legacy_hub_domain_is_docker_io() {
        let r = ImageRef::parse("index.docker.io/library/nginx").unwrap();
        assert_eq!(r.repository(), "docker.io/library/nginx");
        assert_eq!(r.familiar(), "nginx");
        assert!(r.has_written_domain());
    }

    #[test]
    fn spans_cover_written_parts() {
        let text = "ghcr.io/gdtiti/grok2api:v1@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let r = ImageRef::parse(text).unwrap();
        assert_eq!(&text[r.name_span()], "ghcr.io/gdtiti/grok2api");
        assert_eq!(&text[r.name_tag_span()], "ghcr.io/gdtiti/grok2api:v1");
        assert_eq!(r.written_path(), "gdtiti/grok2api");
        assert!(r.digest().unwrap().starts_with("sha256:"));
    }

    #[test]
    fn invalid_domain_makes_whole_name_a_path() {
        let r = ImageRef::parse("my_registry.com/app").unwrap();
        assert_eq!(r.domain(), "");
        assert_eq!(r.repository(), "my_registry.com/app");
    }
}
