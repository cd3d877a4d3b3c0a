//! `--verify` and `reimage verify` against a real registry on loopback (Debian's
//! `docker-registry`, distribution 2.8), pushed to over its HTTP API: tags, digests, indexes,
//! basic auth from `config.json` and from a credential helper, and the seed scenario end to end.
//!
//! Without the binary each test says it is skipped and passes; `.ci/run` sets
//! `REIMAGE_REQUIRE_REGISTRY=1`, which makes a missing binary a failure.

#![cfg(feature = "verify")]

mod common;
mod registry;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{bin, Run, Tree};
use registry::Registry;
use reimage::registry::{Answer, Client, ClientOptions, Keychain, Probe, Target};

const OLD: &str = "ghcr.io/gdtiti/grok2api";
const NEW: &str = "ghcr.io/gdtiti/grok2api-api";
const REPO: &str = "gdtiti/grok2api-api";

/// Runs `reimage ARGS` in `tree` with a home of its own: no credentials of this machine are read.
fn run(tree: &Tree, home: &Path, args: &[&str], path_prefix: Option<&Path>) -> Run {
    let mut command = Command::new(bin());
    command
        .args(args)
        .current_dir(tree.path())
        .env("HOME", home)
        .env("DOCKER_CONFIG", home.join(".docker"))
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("NO_COLOR");
    if let Some(prefix) = path_prefix {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![prefix.to_path_buf()];
        dirs.extend(std::env::split_paths(&path));
        command.env("PATH", std::env::join_paths(dirs).unwrap());
    }
    Run {
        output: command.output().expect("run reimage"),
    }
}

fn client(keychain: Keychain) -> Client {
    Client::new(ClientOptions {
        request_timeout: Duration::from_secs(10),
        keychain,
        ..ClientOptions::default()
    })
}

fn target(registry: &Registry, repository: &str, reference: &str) -> Target {
    Target {
        registry: registry.host(),
        repository: repository.to_owned(),
        reference: reference.to_owned(),
    }
}

#[test]
fn a_real_registry_answers_for_tags_digests_and_indexes() {
    let Some(reg) = Registry::start("a_real_registry_answers_for_tags_digests_and_indexes") else {
        return;
    };
    let image = reg.push_image(REPO, "v1.0.0");
    let index = reg.push_index(REPO, "latest", &image);
    let c = client(Keychain::default());
    assert_eq!(
        c.ask(&target(&reg, REPO, "v1.0.0")),
        Answer::Exists {
            digest: Some(image.clone())
        }
    );
    assert_eq!(
        c.ask(&target(&reg, REPO, "latest")),
        Answer::Exists {
            digest: Some(index)
        },
        "an index is found: the Accept header names it"
    );
    assert!(matches!(
        c.ask(&target(&reg, REPO, &image)),
        Answer::Exists { .. }
    ));
    assert!(matches!(
        c.ask(&target(&reg, REPO, "main-arm64")),
        Answer::Unknown { .. }
    ));
    let absent = format!("sha256:{}", "0".repeat(64));
    assert!(matches!(
        c.ask(&target(&reg, REPO, &absent)),
        Answer::Unknown { .. }
    ));
    assert!(matches!(
        c.ask(&target(&reg, "gdtiti/never-pushed", "latest")),
        Answer::Unknown { .. }
    ));
}

#[test]
fn basic_auth_comes_from_config_json_and_is_refused_without_it() {
    let Some(reg) = Registry::start_with_htpasswd("basic_auth_comes_from_config_json") else {
        return;
    };
    reg.push_image(REPO, "v1.0.0");
    let anonymous = client(Keychain::default()).ask(&target(&reg, REPO, "v1.0.0"));
    assert!(
        matches!(anonymous, Answer::Unauthorized { .. }),
        "{anonymous:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let auth = registry::base64(format!("{}:{}", registry::USER, registry::PASSWORD).as_bytes());
    std::fs::write(
        &config,
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, reg.host()),
    )
    .unwrap();
    let keychain = Keychain {
        files: vec![config],
    };
    let answer = client(keychain).ask(&target(&reg, REPO, "v1.0.0"));
    assert!(matches!(answer, Answer::Exists { .. }), "{answer:?}");
}

#[test]
fn a_credential_helper_on_path_is_asked_and_its_secret_never_printed() {
    let Some(reg) = Registry::start_with_htpasswd("a_credential_helper_on_path") else {
        return;
    };
    reg.push_image(REPO, "v1.0.0");
    let tree = Tree::new().file(
        "deploy/app.yaml",
        format!("image: {}/{REPO}:v1.0.0\n", reg.host()),
    );
    let home = tempfile::tempdir().unwrap();
    let docker = home.path().join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    std::fs::write(
        docker.join("config.json"),
        format!(r#"{{"credHelpers":{{"{}":"reimagetest"}}}}"#, reg.host()),
    )
    .unwrap();
    let bin_dir = home.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let helper = bin_dir.join("docker-credential-reimagetest");
    let asked_file = home.path().join("asked");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\ncat > '{}'\nprintf '{{\"Username\":\"{}\",\"Secret\":\"{}\"}}'\n",
            asked_file.display(),
            registry::USER,
            registry::PASSWORD
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();

    let ok = run(
        &tree,
        home.path(),
        &["verify", "--format", "json"],
        Some(&bin_dir),
    );
    let ok = ok.expect_code(0);
    assert_eq!(ok.json()["summary"]["inventory"], 1, "{}", ok.stdout());
    assert_eq!(std::fs::read_to_string(&asked_file).unwrap(), reg.host());
    for out in [ok.stdout(), ok.stderr()] {
        assert!(!out.contains(registry::PASSWORD), "{out}");
    }

    // A configured helper that cannot be run: the registry could not be asked as configured.
    let refused = run(&tree, home.path(), &["verify", "--format", "json"], None).expect_code(2);
    assert!(
        refused
            .stdout()
            .contains("cannot run the credential helper"),
        "{}",
        refused.stdout()
    );
}

/// The seed scenario's registry: `gdtiti/grok2api-api` with every tag the seed repository uses
/// except `main-arm64` (never published), and the Docker Hub images it uses, on one loopback
/// registry that stands in for ghcr.io and Docker Hub through `--registry-mirror`. The old
/// `gdtiti/grok2api` is not there: its package was deleted.
fn seed_registry(test: &str) -> Option<Registry> {
    let reg = Registry::start(test)?;
    for tag in [
        "latest",
        "latest-amd64",
        "latest-arm64",
        "main",
        "main-amd64",
        "v1.0.0",
        "v1.0.0-amd64",
        "v1.0.0-arm64",
        "hf-amd64-v1.0.0",
        "hf-arm64-v1.0.0",
    ] {
        reg.push_image(REPO, tag);
    }
    for (repo, tag) in [
        ("library/python", "3.12-slim"),
        ("library/redis", "7-alpine"),
        ("docker/dockerfile", "1.7"),
        ("gdtiti/grok2api", "latest"),
    ] {
        reg.push_image(repo, tag);
    }
    Some(reg)
}

fn mirrors(reg: &Registry) -> Vec<String> {
    vec![
        "--registry-mirror".into(),
        format!("ghcr.io={}", reg.host()),
        "--registry-mirror".into(),
        format!("docker.io={}", reg.host()),
    ]
}

/// `(path, line, reference, action)` of every finding of a JSON report with `action`.
fn findings(run: &Run, action: &str) -> BTreeSet<(String, u64, String)> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["action"] == action)
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["reference"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn seed_rename_with_verify_writes_only_existing_targets_and_verify_fails_on_the_rest() {
    let Some(reg) = seed_registry("seed_rename_with_verify") else {
        return;
    };
    let tree = Tree::copy_of("seed/repo");
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["rename", OLD, NEW, "--verify", "-w", "--format", "json"];
    let mirror_args = mirrors(&reg);
    args.extend(mirror_args.iter().map(String::as_str));

    let renamed = run(&tree, home.path(), &args, None).expect_code(1);
    let missing = findings(&renamed, "missing-target");
    let digest = "sha256:e20c4738da0c1eeb3f2163f98f9d41fd8658503197fccc7453f46a326ecbb9f6";
    let other = "sha256:eb9f5f9605a753ecdbef9e554708e7833ee813607f155169a506f9324d1538d9";
    let want: BTreeSet<(String, u64, String)> = [
        ("docs/deployment.md", 25, format!("{OLD}:main-arm64")),
        ("docs/deployment.md", 27, format!("{OLD}@{digest}")),
        ("docs/deployment.md", 61, format!("{OLD}:v1.0.0@{digest}")),
        ("k8s/deployment.yaml", 23, format!("{OLD}@{other}")),
        ("k8s/deployment.yaml", 30, format!("{OLD}:v1.0.0@{digest}")),
    ]
    .into_iter()
    .map(|(p, l, r)| (p.to_owned(), l, r))
    .collect();
    assert_eq!(missing, want, "{}", renamed.stdout());
    let doc = renamed.json();
    assert_eq!(doc["summary"]["rewrite"], 50, "{}", renamed.stdout());
    let arm = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["reference"] == format!("{OLD}:main-arm64"))
        .unwrap();
    assert_eq!(arm["missing_target"]["reason"], "manifest unknown");
    assert_eq!(arm["missing_target"]["target"], format!("{NEW}:main-arm64"));
    let pinned = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["line"] == 30 && f["path"] == "k8s/deployment.yaml")
        .unwrap();
    assert_eq!(pinned["missing_target"]["tag_exists"], true);

    // Written: the references whose targets exist; left: the missing ones.
    let deployment = tree.read_str("docs/deployment.md");
    assert!(
        deployment.contains(&format!("{NEW}:main-amd64, {OLD}:main-arm64, {NEW}:main")),
        "{deployment}"
    );
    let compose = tree.read_str("docker-compose.yml");
    assert!(compose.contains(&format!("{NEW}:latest")) && !compose.contains(&format!("{OLD}:")));

    // A second look finds exactly the missing ones still to rename.
    let check = ["rename", OLD, NEW, "--check", "--format", "json"];
    let left = run(&tree, home.path(), &check, None).expect_code(1);
    assert_eq!(findings(&left, "rewrite"), want);

    // `verify` fails on exactly those the inventory holds (image positions: the Kubernetes
    // manifest and the Compose block of the guide; its prose is not inventoried), and on
    // nothing else.
    let mut verify = vec!["verify", "--format", "json"];
    verify.extend(mirror_args.iter().map(String::as_str));
    let verified = run(&tree, home.path(), &verify, None).expect_code(1);
    let failed = findings(&verified, "missing-target");
    let in_images: BTreeSet<_> = want
        .iter()
        .filter(|(p, line, _)| p.starts_with("k8s/") || *line == 61)
        .cloned()
        .collect();
    assert_eq!(failed, in_images, "{}", verified.stdout());
    assert_eq!(verified.json()["command"], "verify");
}

#[test]
fn resolve_digests_pins_the_new_names_tag_digest_and_never_guesses() {
    let Some(reg) = seed_registry("resolve_digests_pins") else {
        return;
    };
    let tree = Tree::copy_of("seed/repo");
    let home = tempfile::tempdir().unwrap();
    let new_digest = reg.push_image(REPO, "v1.0.0");
    let mut args = vec!["rename", OLD, NEW, "--verify", "--resolve-digests", "-w"];
    let mirror_args = mirrors(&reg);
    args.extend(mirror_args.iter().map(String::as_str));
    let renamed = run(&tree, home.path(), &args, None).expect_code(1);
    let k8s = tree.read_str("k8s/deployment.yaml");
    assert!(
        k8s.contains(&format!("image: {NEW}:v1.0.0@{new_digest}")),
        "{k8s}\n{}",
        renamed.stdout()
    );
    // A digest with no tag beside it stays, reported.
    assert!(
        k8s.contains(&format!("image: {OLD}@sha256:eb9f5f96")),
        "{k8s}"
    );
    assert!(
        renamed.stdout().contains("missing-target"),
        "{}",
        renamed.stdout()
    );
}

#[test]
fn every_format_renders_a_missing_target() {
    let Some(reg) = Registry::start("every_format_renders_a_missing_target") else {
        return;
    };
    reg.push_image(REPO, "v1");
    let tree = Tree::new().file(
        "compose.yaml",
        format!(
            "services:\n  a:\n    image: {}/{REPO}:v1\n  b:\n    image: {0}/{REPO}:v2\n",
            reg.host()
        ),
    );
    let home = tempfile::tempdir().unwrap();
    let missing = format!("{}/{REPO}:v2", reg.host());
    for format in ["human", "json", "sarif", "github", "markdown"] {
        let out = run(&tree, home.path(), &["verify", "--format", format], None).expect_code(1);
        let text = out.stdout();
        assert!(text.contains(&missing), "{format}: {text}");
        assert!(text.contains("manifest unknown"), "{format}: {text}");
        assert!(
            !text.contains(&format!("{REPO}:v1 ")),
            "{format}: the found one is not a failure: {text}"
        );
    }
    let list = run(&tree, home.path(), &["list", "--verify"], None).expect_code(1);
    assert!(
        list.stdout().contains("missing-target"),
        "{}",
        list.stdout()
    );
}

#[test]
fn an_unreachable_registry_is_exit_2_without_hiding_the_others() {
    let Some(reg) = Registry::start("an_unreachable_registry_is_exit_2") else {
        return;
    };
    reg.push_image(REPO, "v1");
    let down = format!("127.0.0.1:{}", registry::free_port());
    let tree = Tree::new().file(
        "compose.yaml",
        format!(
            "services:\n  a:\n    image: {}/{REPO}:v1\n  b:\n    image: {}/{REPO}:v2\n  c:\n    image: {down}/x/y:1\n",
            reg.host(),
            reg.host()
        ),
    );
    let home = tempfile::tempdir().unwrap();
    let out = run(&tree, home.path(), &["verify", "--format", "json"], None).expect_code(2);
    let doc = out.json();
    assert_eq!(doc["summary"]["missing_target"], 2, "{}", out.stdout());
    assert_eq!(doc["summary"]["unreachable"], 1);
    assert_eq!(
        doc["summary"]["inventory"], 1,
        "the found one is still reported"
    );
}

#[test]
fn without_verify_nothing_touches_the_network() {
    // A reference to a registry that would refuse: without --verify no one asks it.
    let down = format!("127.0.0.1:{}", registry::free_port());
    let tree = Tree::new().file(
        "compose.yaml",
        format!("services:\n  a:\n    image: {down}/x/y:1\n"),
    );
    let home = tempfile::tempdir().unwrap();
    let out = run(
        &tree,
        home.path(),
        &[
            "rename",
            &format!("{down}/x/y"),
            &format!("{down}/x/z"),
            "-w",
        ],
        None,
    );
    out.expect_code(0);
    assert!(tree.read_str("compose.yaml").contains("x/z:1"));
}
