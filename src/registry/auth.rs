//! Registry authentication as the ecosystem does it: `WWW-Authenticate` challenges (pure
//! parsing), and credentials from Docker's `config.json` (`auths`, `credsStore`,
//! `credHelpers`) and the containers `auth.json` files, read through the `docker_credential`
//! crate (which also runs `docker-credential-<name> get`).
//!
//! A [`Credential`] never prints its secret: its `Debug` is redacted and nothing here formats it.

// Without the `verify` feature only the pass's pure parts are used.
#![cfg_attr(not(feature = "verify"), allow(dead_code))]

use std::fmt;
use std::path::PathBuf;

/// What a `401` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// `Bearer realm="…",service="…",scope="…"`: get a token from `realm`.
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
    /// `Basic realm="…"`: send the credentials themselves.
    Basic,
}

impl Challenge {
    /// Parses one `WWW-Authenticate` value; `None` for schemes this client does not speak.
    pub(crate) fn parse(header: &str) -> Option<Challenge> {
        let header = header.trim();
        let (scheme, params) = header.split_once(' ').unwrap_or((header, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            return Some(Challenge::Basic);
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let params = parse_params(params);
        let get = |key: &str| {
            params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        };
        Some(Challenge::Bearer {
            realm: get("realm")?,
            service: get("service"),
            scope: get("scope"),
        })
    }
}

/// `key="value", key2=token` pairs; commas inside quotes stay in the value.
fn parse_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().trim_start_matches(',').trim().to_owned();
        let after = &rest[eq + 1..];
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next().map(|(_, c)| c)),
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &quoted[end..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        out.push((key, value));
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    out
}

/// A user's credential for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// A user name and a password (or personal access token).
    Basic { username: String, password: String },
    /// An OAuth2 refresh token (`identitytoken`), exchanged at the token realm.
    IdentityToken(String),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Basic { username, .. } => {
                write!(
                    f,
                    "Basic {{ username: {username:?}, password: <redacted> }}"
                )
            }
            Credential::IdentityToken(_) => f.write_str("IdentityToken(<redacted>)"),
        }
    }
}

/// Where credentials are looked up, in order: the first file that has an entry for the registry
/// wins. [`Keychain::from_env`] follows podman and Docker; tests name their own files.
#[derive(Debug, Clone, Default)]
pub struct Keychain {
    pub files: Vec<PathBuf>,
}

/// Why a configured credential could not be read (the secret itself is never in it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct CredentialError {
    pub file: String,
    pub problem: String,
}

impl Keychain {
    /// `$REGISTRY_AUTH_FILE` (alone when set, as podman does), else
    /// `$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`, then Docker's
    /// `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(file) = var("REGISTRY_AUTH_FILE") {
            return Keychain {
                files: vec![PathBuf::from(file)],
            };
        }
        let home = var("HOME").map(PathBuf::from);
        let mut files = Vec::new();
        files.extend(var("XDG_RUNTIME_DIR").map(|d| PathBuf::from(d).join("containers/auth.json")));
        files.extend(
            home.as_ref()
                .map(|h| h.join(".config/containers/auth.json")),
        );
        match var("DOCKER_CONFIG") {
            Some(dir) => files.push(PathBuf::from(dir).join("config.json")),
            None => files.extend(home.map(|h| h.join(".docker/config.json"))),
        }
        Keychain { files }
    }

    /// The credential configured for `registry` (a host as in a reference: `ghcr.io`, or
    /// `docker.io` for Docker Hub), if any.
    #[cfg(feature = "verify")]
    pub fn lookup(&self, registry: &str) -> Result<Option<Credential>, CredentialError> {
        use docker_credential::{CredentialRetrievalError as E, DockerCredential};
        // Docker keys Docker Hub's entry by its legacy URL; the crate normalizes the others.
        let server = match registry {
            super::reference::HUB_API | "docker.io" | "index.docker.io" => {
                "https://index.docker.io/v1/"
            }
            other => other,
        };
        for file in &self.files {
            let Ok(reader) = std::fs::File::open(file) else {
                continue;
            };
            let error = |problem: &str| CredentialError {
                file: file.display().to_string(),
                problem: problem.to_owned(),
            };
            let reader = std::io::BufReader::new(reader);
            match docker_credential::get_credential_from_reader(reader, server) {
                Ok(DockerCredential::UsernamePassword(username, password)) => {
                    return Ok(Some(Credential::Basic { username, password }))
                }
                Ok(DockerCredential::IdentityToken(token)) => {
                    return Ok(Some(Credential::IdentityToken(token)))
                }
                Err(E::NoCredentialConfigured) => continue,
                Err(E::ConfigReadError) => return Err(error("not a readable auth file")),
                // The helper's own output may hold secrets: it is not repeated.
                Err(E::HelperFailure { helper, .. }) => {
                    return Err(error(&format!("credential helper `{helper}` failed")))
                }
                Err(E::HelperCommunicationError) => {
                    return Err(error("cannot run the credential helper (is it on PATH?)"))
                }
                Err(E::MalformedHelperResponse) => {
                    return Err(error("the credential helper's answer is not JSON"))
                }
                Err(e) => return Err(error(&e.to_string())),
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenges_give_realm_service_and_scope() {
        let c = Challenge::parse(
            r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/app:pull""#,
        );
        assert_eq!(
            c,
            Some(Challenge::Bearer {
                realm: "https://ghcr.io/token".into(),
                service: Some("ghcr.io".into()),
                scope: Some("repository:o/app:pull".into()),
            })
        );
    }

    #[test]
    fn challenge_values_keep_commas_and_escapes_inside_quotes() {
        let c = Challenge::parse(
            r#"bearer realm="http://a/t", scope="repository:x:pull,push", error="say \"no\"""#,
        );
        let Some(Challenge::Bearer { realm, scope, .. }) = c else {
            panic!("{c:?}");
        };
        assert_eq!(realm, "http://a/t");
        assert_eq!(scope.as_deref(), Some("repository:x:pull,push"));
    }

    #[test]
    fn unknown_schemes_and_realmless_bearers_are_not_challenges() {
        assert_eq!(
            Challenge::parse("Basic realm=\"r\""),
            Some(Challenge::Basic)
        );
        assert_eq!(Challenge::parse("Negotiate"), None);
        assert_eq!(Challenge::parse("Bearer service=\"x\""), None);
    }

    #[test]
    fn credentials_never_debug_print_their_secret() {
        let c = Credential::Basic {
            username: "me".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
        let t = Credential::IdentityToken("tok".into());
        assert!(!format!("{t:?}").contains("tok"));
    }
}
