//! The registry client against scripted servers on loopback: the protocol's faults (refused,
//! silent, rate-limited, failing, redirecting, malformed) and the anonymous bearer token flow.
//! These need no registry binary, so they always run.

#![cfg(feature = "verify")]

mod registry;

use std::time::{Duration, Instant};

use registry::fake::{Fake, Reply};
use registry::free_port;
use reimage::registry::{Answer, Client, ClientOptions, Keychain, Probe, Target};

const DIGEST: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn client() -> Client {
    Client::new(options())
}

fn options() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        retries: 2,
        backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
        keychain: Keychain::default(),
        ..ClientOptions::default()
    }
}

fn target(host: &str, reference: &str) -> Target {
    Target {
        registry: host.to_owned(),
        repository: "gdtiti/grok2api-api".to_owned(),
        reference: reference.to_owned(),
    }
}

fn found() -> Reply {
    Reply::status(200).header("Docker-Content-Digest", DIGEST)
}

#[test]
fn a_refused_connection_makes_the_registry_down() {
    let host = format!("127.0.0.1:{}", free_port());
    match client().ask(&target(&host, "v1")) {
        Answer::Down { detail } => assert!(detail.contains(&host), "{detail}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_listener_that_never_answers_times_out() {
    // Bound and listening, never accepting: the connection opens, no answer ever comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = silent.local_addr().unwrap().to_string();
    let started = Instant::now();
    let answer = client().ask(&target(&host, "v1"));
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    match answer {
        Answer::Down { detail } => assert!(detail.contains("timed out"), "{detail}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_429_is_retried_after_its_retry_after() {
    let fake = Fake::start(|_, n| match n {
        0 => Reply::status(429).header("Retry-After", "1"),
        _ => found(),
    });
    let started = Instant::now();
    let answer = client().ask(&target(&fake.host(), "v1"));
    assert_eq!(
        answer,
        Answer::Exists {
            digest: Some(DIGEST.into())
        }
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn a_500_then_success_is_retried() {
    let fake = Fake::start(|_, n| match n {
        0 => Reply::status(500),
        _ => found(),
    });
    let c = client();
    assert!(matches!(
        c.ask(&target(&fake.host(), "v1")),
        Answer::Exists { .. }
    ));
    assert_eq!(c.requests(), 2);
}

#[test]
fn a_server_error_that_persists_is_unreachable_after_the_retries() {
    let fake = Fake::start(|_, _| Reply::status(503));
    match client().ask(&target(&fake.host(), "v1")) {
        Answer::Unreachable { detail } => {
            assert!(detail.contains("HTTP 503 after 3 tries"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn a_404_is_an_unknown_manifest_and_the_accept_header_names_all_four_types() {
    let fake = Fake::start(|_, _| Reply::status(404));
    assert_eq!(
        client().ask(&target(&fake.host(), "main-arm64")),
        Answer::Unknown { detail: None }
    );
    let request = &fake.requests()[0];
    assert_eq!(request.method, "HEAD");
    assert_eq!(request.path, "/v2/gdtiti/grok2api-api/manifests/main-arm64");
    let accept = request.header("accept").unwrap();
    for media in [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ] {
        assert!(accept.contains(media), "{accept}");
    }
}

#[test]
fn the_anonymous_bearer_flow_gets_a_token_once_per_repository() {
    // The realm names the registry itself; the server learns its own port after binding.
    let fake = Fake::start(|request, _| {
        if request.path.starts_with("/token") {
            return Reply::status(200).body(r#"{"token":"s3cret-token","expires_in":300}"#);
        }
        let host = request.header("host").unwrap_or_default().to_owned();
        match request.header("authorization") {
            Some("Bearer s3cret-token") => found(),
            _ => Reply::status(401).header(
                "WWW-Authenticate",
                &format!("Bearer realm=\"http://{host}/token\",service=\"test-registry\",scope=\"repository:gdtiti/grok2api-api:pull\""),
            ),
        }
    });
    let c = client();
    assert!(matches!(
        c.ask(&target(&fake.host(), "v1")),
        Answer::Exists { .. }
    ));
    assert!(matches!(
        c.ask(&target(&fake.host(), "v2")),
        Answer::Exists { .. }
    ));
    let requests = fake.requests();
    let tokens: Vec<_> = requests
        .iter()
        .filter(|r| r.path.starts_with("/token"))
        .collect();
    assert_eq!(tokens.len(), 1, "{requests:?}");
    assert_eq!(
        tokens[0].path,
        "/token?service=test-registry&scope=repository%3Agdtiti%2Fgrok2api-api%3Apull"
    );
    assert!(tokens[0].header("authorization").is_none(), "anonymous");
    assert_eq!(
        requests.len(),
        4,
        "401, token, retried HEAD, HEAD with the cached token"
    );
}

#[test]
fn a_malformed_token_answer_makes_the_target_unreachable() {
    let fake = Fake::start(|request, _| {
        if request.path.starts_with("/token") {
            return Reply::status(200).body("<html>not a token</html>");
        }
        let host = request.header("host").unwrap_or_default().to_owned();
        Reply::status(401).header(
            "WWW-Authenticate",
            &format!("Bearer realm=\"http://{host}/token\",service=\"x\""),
        )
    });
    match client().ask(&target(&fake.host(), "v1")) {
        Answer::Unreachable { detail } => {
            assert!(detail.contains("malformed token answer"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_redirect_to_another_host_carries_no_authorization() {
    // `localhost` and `127.0.0.1` are different hosts to the client, both on loopback.
    let blob_host = Fake::start(|_, _| found());
    let elsewhere = format!(
        "http://localhost:{}/v2/gdtiti/grok2api-api/manifests/v1",
        blob_host.port
    );
    let registry = Fake::start(move |request, _| {
        if request.path.starts_with("/token") {
            return Reply::status(200).body(r#"{"token":"s3cret-token"}"#);
        }
        let host = request.header("host").unwrap_or_default().to_owned();
        match request.header("authorization") {
            Some("Bearer s3cret-token") => Reply::status(307).header("Location", &elsewhere),
            _ => Reply::status(401).header(
                "WWW-Authenticate",
                &format!("Bearer realm=\"http://{host}/token\",service=\"x\""),
            ),
        }
    });
    let answer = client().ask(&target(&registry.host(), "v1"));
    assert!(matches!(answer, Answer::Exists { .. }), "{answer:?}");
    let there = blob_host.requests();
    assert_eq!(there.len(), 1);
    assert!(
        there[0].header("authorization").is_none(),
        "the token went to another host: {there:?}"
    );
}

#[test]
fn a_redirect_to_plain_http_elsewhere_is_refused_before_connecting() {
    let registry = Fake::start(|_, _| {
        Reply::status(302).header("Location", "http://registry.invalid/v2/x/manifests/v1")
    });
    match client().ask(&target(&registry.host(), "v1")) {
        Answer::Unreachable { detail } => {
            assert!(
                detail.contains("refused plain HTTP to registry.invalid"),
                "{detail}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn credentials_are_not_sent_to_a_token_realm_on_another_host() {
    let realm = Fake::start(|_, _| Reply::status(200).body(r#"{"token":"s3cret-token"}"#));
    let realm_url = format!("http://localhost:{}/token", realm.port);
    let registry = Fake::start(move |request, _| match request.header("authorization") {
        Some("Bearer s3cret-token") => found(),
        _ => Reply::status(401).header(
            "WWW-Authenticate",
            &format!("Bearer realm=\"{realm_url}\",service=\"x\""),
        ),
    });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let auth = registry::base64(b"me:hunter2");
    std::fs::write(
        &config,
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#,
            registry.host()
        ),
    )
    .unwrap();
    let c = Client::new(ClientOptions {
        keychain: Keychain {
            files: vec![config],
        },
        ..options()
    });
    assert!(matches!(
        c.ask(&target(&registry.host(), "v1")),
        Answer::Exists { .. }
    ));
    let asked = realm.requests();
    assert_eq!(asked.len(), 1);
    assert!(asked[0].header("authorization").is_none(), "{asked:?}");
}

#[test]
fn a_registry_that_wants_basic_auth_gets_the_configured_credentials_only() {
    let registry = Fake::start(|request, _| match request.header("authorization") {
        Some(a) if a == registry::basic("me", "hunter2") => found(),
        _ => Reply::status(401).header("WWW-Authenticate", "Basic realm=\"r\""),
    });
    let anonymous = client().ask(&target(&registry.host(), "v1"));
    assert!(
        matches!(anonymous, Answer::Unauthorized { .. }),
        "{anonymous:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("auth.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
            registry.host(),
            registry::base64(b"me:hunter2")
        ),
    )
    .unwrap();
    let c = Client::new(ClientOptions {
        keychain: Keychain {
            files: vec![config],
        },
        ..options()
    });
    let answer = c.ask(&target(&registry.host(), "v1"));
    assert!(matches!(answer, Answer::Exists { .. }), "{answer:?}");
    assert!(!format!("{answer:?}").contains("hunter2"));
}
