//! The OCI distribution client: `HEAD /v2/<name>/manifests/<reference>` over a blocking HTTP
//! agent (ureq with rustls), with anonymous or configured bearer tokens, basic auth, redirects,
//! timeouts and retries.
//!
//! Credentials and tokens go only to the host they belong to: a redirect to another host is
//! followed without `Authorization`, and a token realm on another host gets the user's
//! credentials only when it is Docker Hub's own. Plain HTTP is used only for loopback hosts and
//! those named with `--insecure-registry`. Response bodies are read up to [`BODY_LIMIT`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::auth::{Challenge, Credential, Keychain};
use super::reference::{encode_query, is_loopback, Url, HUB_API};
use super::{Answer, Probe, Target};

/// The manifest media types a `HEAD` accepts: without all four, some registries answer 404 for
/// images that exist.
pub(crate) const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// The most of a response body ever read (a token answer is a few KiB).
pub(crate) const BODY_LIMIT: u64 = 64 * 1024;
const MAX_REDIRECTS: usize = 5;
/// Docker Hub's token service, to which Docker Hub credentials are sent.
const HUB_AUTH: &str = "auth.docker.io";

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Hosts (`host[:port]`) asked over plain HTTP although not loopback.
    pub insecure: Vec<String>,
    /// `(registry, mirror)`: ask `mirror` (a pull-through cache, an air-gapped copy) for the
    /// references of `registry` (`docker.io` for Docker Hub). Its answers are the mirror's.
    pub mirrors: Vec<(String, String)>,
    pub connect_timeout: Duration,
    /// The whole of one request, connection included.
    pub request_timeout: Duration,
    /// Retries after a 429 or 5xx (so `retries + 1` tries).
    pub retries: u32,
    /// The first backoff; doubled at each retry. A `Retry-After` replaces it, up to
    /// `max_retry_after`.
    pub backoff: Duration,
    pub max_retry_after: Duration,
    pub keychain: Keychain,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            insecure: Vec::new(),
            mirrors: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
            keychain: Keychain::from_env(),
        }
    }
}

/// A registry client shared by the pass's workers.
#[derive(Debug)]
pub struct Client {
    agent: ureq::Agent,
    options: ClientOptions,
    /// `Authorization` values per (registry, repository), once obtained.
    tokens: Mutex<HashMap<(String, String), String>>,
    /// The configured credential per registry, looked up once (a helper runs once).
    credentials: Mutex<HashMap<String, Option<Credential>>>,
    requests: AtomicUsize,
}

/// One HTTP exchange's outcome, as the flow needs it.
struct Reply {
    status: u16,
    challenge: Option<String>,
    digest: Option<String>,
    retry_after: Option<u64>,
}

/// Why a request got no reply, for the registry's `Answer`.
enum Fault {
    /// The host could not be reached at all.
    Down(String),
    /// A reply that cannot be used.
    Bad(String),
}

impl Client {
    pub fn new(options: ClientOptions) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_global(Some(options.request_timeout))
            .user_agent(concat!("reimage/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Client {
            agent,
            options,
            tokens: Mutex::new(HashMap::new()),
            credentials: Mutex::new(HashMap::new()),
            requests: AtomicUsize::new(0),
        }
    }

    /// HTTP requests made so far (every try, token requests and redirects included).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// The host asked for `registry`'s references: its mirror, or itself.
    fn host_for<'a>(&'a self, registry: &'a str) -> &'a str {
        let hub = |name: &str| matches!(name, "docker.io" | "index.docker.io" | HUB_API);
        self.options
            .mirrors
            .iter()
            .find(|(from, _)| from == registry || (hub(from) && hub(registry)))
            .map_or(registry, |(_, to)| to.as_str())
    }

    fn allows_http(&self, authority: &str) -> bool {
        is_loopback(authority) || self.options.insecure.iter().any(|h| h == authority)
    }

    fn base(&self, registry: &str) -> String {
        let scheme = if self.allows_http(registry) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{registry}")
    }

    /// One request, following redirects; `authorization` is sent only to `owner`.
    fn send(
        &self,
        method: &str,
        url: &str,
        owner: &str,
        authorization: Option<&str>,
    ) -> Result<(Reply, Option<String>), Fault> {
        let mut url = Url::parse(url).ok_or_else(|| Fault::Bad(format!("bad URL {url}")))?;
        for _ in 0..=MAX_REDIRECTS {
            if !url.https && !self.allows_http(&url.authority) {
                return Err(Fault::Bad(format!(
                    "refused plain HTTP to {} (use --insecure-registry {0})",
                    url.authority
                )));
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let target = url.to_string();
            let mut request = match method {
                "HEAD" => self.agent.head(&target),
                _ => self.agent.get(&target),
            }
            .header("Accept", if method == "HEAD" { ACCEPT } else { "*/*" });
            if let Some(value) = authorization.filter(|_| url.authority == owner) {
                request = request.header("Authorization", value);
            }
            let mut response = request.call().map_err(|e| transport(&url, &e))?;
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let status = response.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = header("location")
                    .ok_or_else(|| Fault::Bad(format!("HTTP {status} without Location")))?;
                url = url
                    .join(&location)
                    .ok_or_else(|| Fault::Bad(format!("redirect to an unusable URL {location}")))?;
                continue;
            }
            let reply = Reply {
                status,
                challenge: header("www-authenticate"),
                digest: header("docker-content-digest"),
                retry_after: header("retry-after").and_then(|v| v.trim().parse().ok()),
            };
            let body = match method {
                "HEAD" => None,
                _ => Some(
                    response
                        .body_mut()
                        .with_config()
                        .limit(BODY_LIMIT)
                        .read_to_string()
                        .map_err(|e| Fault::Bad(format!("cannot read the answer: {e}")))?,
                ),
            };
            return Ok((reply, body));
        }
        Err(Fault::Bad(format!("more than {MAX_REDIRECTS} redirects")))
    }

    /// `send`, retried with backoff on 429 and 5xx (honouring `Retry-After`).
    fn send_retrying(
        &self,
        method: &str,
        url: &str,
        owner: &str,
        authorization: Option<&str>,
    ) -> Result<(Reply, Option<String>), Fault> {
        let mut backoff = self.options.backoff;
        for attempt in 0.. {
            let (reply, body) = self.send(method, url, owner, authorization)?;
            let retryable = reply.status == 429 || (500..600).contains(&reply.status);
            if !retryable {
                return Ok((reply, body));
            }
            if attempt >= self.options.retries {
                return Err(Fault::Bad(format!(
                    "HTTP {} after {} tries",
                    reply.status,
                    attempt + 1
                )));
            }
            let wait = reply
                .retry_after
                .map_or(backoff, Duration::from_secs)
                .min(self.options.max_retry_after);
            std::thread::sleep(wait);
            backoff *= 2;
        }
        unreachable!("the loop returns")
    }

    fn credential(&self, registry: &str) -> Result<Option<Credential>, String> {
        let mut cache = self.credentials.lock().expect("no panic while holding");
        if let Some(found) = cache.get(registry) {
            return Ok(found.clone());
        }
        let found = self
            .options
            .keychain
            .lookup(registry)
            .map_err(|e| e.to_string())?;
        cache.insert(registry.to_owned(), found.clone());
        Ok(found)
    }

    /// The `Authorization` a challenge asks for, or why it cannot be had.
    fn authorize(
        &self,
        host: &str,
        target: &Target,
        challenge: &str,
    ) -> Result<Option<String>, Answer> {
        let unreachable = |detail: String| Answer::Unreachable { detail };
        let credential = self.credential(host).map_err(unreachable)?;
        match Challenge::parse(challenge) {
            Some(Challenge::Basic) => Ok(credential.as_ref().and_then(basic)),
            Some(Challenge::Bearer {
                realm,
                service,
                scope,
            }) => self.token(
                host,
                target,
                &realm,
                service.as_deref(),
                scope,
                credential.as_ref(),
            ),
            None => Ok(None),
        }
    }

    /// Gets a bearer token from `realm` for pulling `target`'s repository.
    fn token(
        &self,
        host: &str,
        target: &Target,
        realm: &str,
        service: Option<&str>,
        scope: Option<String>,
        credential: Option<&Credential>,
    ) -> Result<Option<String>, Answer> {
        let realm_url = Url::parse(realm).ok_or_else(|| Answer::Unreachable {
            detail: format!("the token realm is not a URL: {realm}"),
        })?;
        let scope = scope.unwrap_or_else(|| format!("repository:{}:pull", target.repository));
        let mut url = realm.to_owned();
        url.push(if realm_url.rest.contains('?') {
            '&'
        } else {
            '?'
        });
        if let Some(service) = service {
            url.push_str(&format!("service={}&", encode_query(service)));
        }
        url.push_str(&format!("scope={}", encode_query(&scope)));
        // The user's credentials go to the realm only on the registry's own host (or Docker
        // Hub's token service for Docker Hub).
        let own =
            realm_url.authority == host || (host == HUB_API && realm_url.authority == HUB_AUTH);
        let authorization = match credential.filter(|_| own) {
            Some(c @ Credential::Basic { .. }) => basic(c),
            // An identity token is a refresh token for the OAuth2 POST flow, which this client
            // does not do: ask anonymously.
            _ => None,
        };
        let (reply, body) = self
            .send_retrying("GET", &url, &realm_url.authority, authorization.as_deref())
            .map_err(|fault| match fault {
                Fault::Down(detail) | Fault::Bad(detail) => Answer::Unreachable {
                    detail: format!("token service {}: {detail}", realm_url.authority),
                },
            })?;
        match reply.status {
            200..=299 => {}
            401 | 403 => {
                return Err(Answer::Unauthorized {
                    detail: Some(format!("the token service answered {}", reply.status)),
                })
            }
            status => {
                return Err(Answer::Unreachable {
                    detail: format!("the token service answered HTTP {status}"),
                })
            }
        }
        let token = parse_token(body.as_deref().unwrap_or_default()).ok_or_else(|| {
            Answer::Unreachable {
                detail: format!("malformed token answer from {}", realm_url.authority),
            }
        })?;
        Ok(Some(format!("Bearer {token}")))
    }
}

impl Probe for Client {
    fn ask(&self, target: &Target) -> Answer {
        let host = self.host_for(&target.registry);
        let url = format!(
            "{}/v2/{}/manifests/{}",
            self.base(host),
            target.repository,
            target.reference
        );
        let key = (host.to_owned(), target.repository.clone());
        let cached = self
            .tokens
            .lock()
            .expect("no panic while holding")
            .get(&key)
            .cloned();
        let mut authorization = cached;
        let mut authorized = false;
        loop {
            let reply = match self.send_retrying(
                "HEAD",
                &url,
                &target.registry,
                authorization.as_deref(),
            ) {
                Ok((reply, _)) => reply,
                Err(Fault::Down(detail)) => return Answer::Down { detail },
                Err(Fault::Bad(detail)) => return Answer::Unreachable { detail },
            };
            match reply.status {
                200..=299 => {
                    return Answer::Exists {
                        digest: reply.digest,
                    }
                }
                404 => return Answer::Unknown { detail: None },
                401 if !authorized => {
                    authorized = true;
                    let Some(challenge) = reply.challenge else {
                        return unauthorized(401);
                    };
                    match self.authorize(host, target, &challenge) {
                        Ok(Some(value)) => {
                            let mut tokens = self.tokens.lock().expect("no panic while holding");
                            tokens.insert(key.clone(), value.clone());
                            authorization = Some(value);
                        }
                        Ok(None) => return unauthorized(401),
                        Err(answer) => return answer,
                    }
                }
                401 | 403 => return unauthorized(reply.status),
                status => {
                    return Answer::Unreachable {
                        detail: format!("unexpected HTTP {status}"),
                    }
                }
            }
        }
    }
}

fn unauthorized(status: u16) -> Answer {
    Answer::Unauthorized {
        detail: Some(format!("HTTP {status}")),
    }
}

/// `Basic base64(user:password)`.
fn basic(credential: &Credential) -> Option<String> {
    match credential {
        Credential::Basic { username, password } => Some(format!(
            "Basic {}",
            base64(format!("{username}:{password}").as_bytes())
        )),
        Credential::IdentityToken(_) => None,
    }
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The token of a token service's JSON answer (`token`, or OAuth2's `access_token`); it must be
/// fit for a header.
fn parse_token(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let token = value
        .get("token")
        .or_else(|| value.get("access_token"))?
        .as_str()?;
    let fit = !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic());
    fit.then(|| token.to_owned())
}

/// A transport error, as an answer's detail (ureq's messages carry no header or credential).
fn transport(url: &Url, error: &ureq::Error) -> Fault {
    let detail = match error {
        ureq::Error::Timeout(_) => "timed out".to_owned(),
        ureq::Error::HostNotFound => "host not found".to_owned(),
        ureq::Error::Io(e) => e.to_string(),
        e => e.to_string(),
    };
    Fault::Down(format!("{}: {detail}", url.authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn tokens_come_from_token_or_access_token_and_must_fit_a_header() {
        assert_eq!(parse_token(r#"{"token":"abc"}"#).as_deref(), Some("abc"));
        assert_eq!(
            parse_token(r#"{"access_token":"x.y"}"#).as_deref(),
            Some("x.y")
        );
        assert_eq!(parse_token(r#"{"token":"a\nb"}"#), None);
        assert_eq!(parse_token(r#"{"token":""}"#), None);
        assert_eq!(parse_token("<html>"), None);
    }
}
