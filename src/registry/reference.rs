//! What to ask a registry, from an image reference: the host to connect to, the repository and
//! the tag or digest (pure; no I/O). Also the small URL and host rules the client follows.

// Without the `verify` feature only the pass's pure parts are used.
#![cfg_attr(not(feature = "verify"), allow(dead_code))]

use std::fmt;

use crate::image_ref::ImageRef;

/// Docker Hub's API host: `docker.io` names are asked there.
pub(crate) const HUB_API: &str = "registry-1.docker.io";

/// One manifest to ask about: `HEAD /v2/<repository>/manifests/<reference>` on `registry`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// The host (and port) to connect to: `ghcr.io`, `127.0.0.1:5000`, `registry-1.docker.io`.
    pub registry: String,
    /// The repository path: `owner/app`, `library/nginx`.
    pub repository: String,
    /// A tag (`v1`) or a digest (`sha256:…`).
    pub reference: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sep = if self.is_digest() { '@' } else { ':' };
        write!(
            f,
            "{}/{}{sep}{}",
            self.registry, self.repository, self.reference
        )
    }
}

impl Target {
    /// Whether `reference` is a digest.
    pub fn is_digest(&self) -> bool {
        self.reference.contains(':')
    }
}

/// What to ask about one written reference: its digest when it has one (else its tag, `latest`
/// when none is written), and its tag alongside a digest (asked only when the digest is missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub primary: Target,
    pub tag: Option<Target>,
}

/// Why a reference cannot be asked about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionError {
    #[error("not an image reference: {0}")]
    Invalid(crate::RefError),
    #[error("names no registry")]
    NoRegistry,
}

impl Question {
    /// Parses a whole reference as written (`ghcr.io/o/app:v1@sha256:…`, `nginx`).
    pub fn parse(text: &str) -> Result<Self, QuestionError> {
        let parsed = ImageRef::parse(text).map_err(QuestionError::Invalid)?;
        let registry = match parsed.domain() {
            "" => return Err(QuestionError::NoRegistry),
            _ if parsed.is_hub() => HUB_API.to_owned(),
            domain => domain.to_owned(),
        };
        let target = |reference: &str| Target {
            registry: registry.clone(),
            repository: parsed.path(),
            reference: reference.to_owned(),
        };
        Ok(match (parsed.digest(), parsed.tag()) {
            (Some(digest), tag) => Question {
                primary: target(digest),
                tag: tag.map(target),
            },
            (None, tag) => Question {
                primary: target(tag.unwrap_or("latest")),
                tag: None,
            },
        })
    }
}

/// An absolute `http`/`https` URL, split as the client needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    pub(crate) https: bool,
    /// `host[:port]`, as written.
    pub(crate) authority: String,
    /// Path and query, starting with `/`.
    pub(crate) rest: String,
}

impl Url {
    /// Parses an absolute URL; `None` for anything else (another scheme, user info, no host).
    pub(crate) fn parse(text: &str) -> Option<Url> {
        let (https, after) = if let Some(after) = strip_prefix_ignore_case(text, "https://") {
            (true, after)
        } else {
            (false, strip_prefix_ignore_case(text, "http://")?)
        };
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        let rest = match rest.split_once('#') {
            Some((before, _)) => before,
            None => rest,
        };
        let rest = match rest {
            "" => "/".to_owned(),
            r if r.starts_with('?') => format!("/{r}"),
            r => r.to_owned(),
        };
        Some(Url {
            https,
            authority: authority.to_ascii_lowercase(),
            rest,
        })
    }

    /// `Location` of a redirect, absolute or relative to `self`.
    pub(crate) fn join(&self, location: &str) -> Option<Url> {
        if location.starts_with("//") {
            let scheme = if self.https { "https:" } else { "http:" };
            return Url::parse(&format!("{scheme}{location}"));
        }
        if location.starts_with('/') {
            return Some(Url {
                rest: location.to_owned(),
                ..self.clone()
            });
        }
        Url::parse(location)
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}{}", self.authority, self.rest)
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `host` of `host[:port]` or `[v6]:port`.
pub(crate) fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// Whether `authority` is this machine: `localhost`, `127.0.0.0/8` or `::1` (plain HTTP allowed).
pub(crate) fn is_loopback(authority: &str) -> bool {
    let host = host_of(authority);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters kept).
pub(crate) fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(registry: &str, repository: &str, reference: &str) -> Target {
        Target {
            registry: registry.into(),
            repository: repository.into(),
            reference: reference.into(),
        }
    }

    #[test]
    fn hub_names_are_asked_of_the_hub_api_host_with_library() {
        let q = Question::parse("nginx").unwrap();
        assert_eq!(q.primary, target(HUB_API, "library/nginx", "latest"));
        let q = Question::parse("docker.io/bitnami/redis:7").unwrap();
        assert_eq!(q.primary, target(HUB_API, "bitnami/redis", "7"));
    }

    #[test]
    fn a_digest_is_asked_first_and_its_tag_kept_for_later() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let q = Question::parse(&format!("127.0.0.1:5000/o/app:v1@{digest}")).unwrap();
        assert_eq!(q.primary, target("127.0.0.1:5000", "o/app", &digest));
        assert_eq!(q.tag, Some(target("127.0.0.1:5000", "o/app", "v1")));
        assert_eq!(
            q.primary.to_string(),
            format!("127.0.0.1:5000/o/app@{digest}")
        );
    }

    #[test]
    fn references_without_a_registry_or_with_templates_are_not_asked() {
        assert!(Question::parse("${REGISTRY}/app").is_err());
        assert_eq!(
            Question::parse("my_registry.com/app"),
            Err(QuestionError::NoRegistry)
        );
    }

    #[test]
    fn urls_split_and_join_as_redirects_need() {
        let u = Url::parse("https://Reg.example:443/v2/x?y=1#frag").unwrap();
        assert_eq!((u.https, u.authority.as_str()), (true, "reg.example:443"));
        assert_eq!(u.rest, "/v2/x?y=1");
        assert_eq!(
            u.join("/other").unwrap().to_string(),
            "https://reg.example:443/other"
        );
        assert_eq!(
            u.join("http://cdn.example/blob").unwrap().to_string(),
            "http://cdn.example/blob"
        );
        assert_eq!(u.join("//cdn.example").unwrap().rest, "/");
        assert!(Url::parse("ftp://x/y").is_none());
        assert!(Url::parse("https://user:pw@x/y").is_none());
    }

    #[test]
    fn loopback_hosts_are_told_apart() {
        for host in ["127.0.0.1:5000", "localhost", "[::1]:80", "127.1.2.3"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["ghcr.io", "10.0.0.1:5000", "localhost.example.com"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_query("repository:o/app:pull"),
            "repository%3Ao%2Fapp%3Apull"
        );
    }
}
