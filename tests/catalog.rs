//! The built-in catalog from the command line: `catalog list|show`, `check --catalog` as a CI
//! gate with its severity threshold, `rename --catalog` with tag windows and exceptions, and
//! Renovate replacement rules imported with `--from-renovate`.

mod common;

use common::{assert_same_tree, testdata_path, Tree};

const STALE_TREE: &str = "services:
  pause:
    image: k8s.gcr.io/pause:3.9
  staging:
    image: staging-k8s.gcr.io/pause:3.9
  proxy:
    image: gcr.io/kubebuilder/kube-rbac-proxy:v0.13.1
  app:
    image: gcr.io/my-project/app:1.0
  distroless:
    image: gcr.io/distroless/static:nonroot
  cache:
    image: bitnami/redis:7.2
  base:
    image: bitnami/minideb:bookworm
  jdk:
    image: openjdk:17
";

fn stale_tree() -> Tree {
    Tree::new().file("compose.yaml", STALE_TREE)
}

#[test]
fn catalog_list_names_every_entry_with_status_and_date() {
    let run = Tree::new().run(&["catalog", "list"]).expect_code(0);
    let out = run.stdout();
    assert!(out.contains("k8s-gcr-io"), "{out}");
    assert!(
        out.contains("frozen      2023-04-03  k8s.gcr.io/ → registry.k8s.io/"),
        "{out}"
    );
    assert!(out.contains("hub-elasticsearch           ended"), "{out}");
}

#[test]
fn catalog_show_prints_sources_and_conditions() {
    let out = Tree::new()
        .run(&["catalog", "show", "k8s-gcr-io"])
        .expect_code(0)
        .stdout();
    assert!(
        out.contains("source:   https://kubernetes.io/blog/2023/03/10/image-registry-redirect/")
    );
    assert!(out.contains("digests:  kept"));
    let json = Tree::new()
        .run(&["catalog", "show", "prometheus-operator", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["tags"], ">=v0.42.0");
    let err = Tree::new()
        .run(&["catalog", "show", "nope"])
        .expect_code(2)
        .stderr();
    assert!(err.contains("no catalog entry `nope`"), "{err}");
}

#[test]
fn check_catalog_fails_on_removed_images_and_reports_the_rest() {
    let tree = stale_tree();
    let run = tree
        .run(&["check", "--catalog", "--format", "json"])
        .expect_code(1);
    let json = run.json();
    let refs: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["old"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        [
            "k8s.gcr.io/pause:3.9",
            "gcr.io/kubebuilder/kube-rbac-proxy:v0.13.1",
            "gcr.io/my-project/app:1.0",
            "bitnami/redis:7.2",
            "openjdk:17",
        ]
    );
    assert!(run
        .stderr()
        .contains("3 catalog references below --catalog-fail-on removed"));
    let text = run.stdout();
    assert!(
        text.contains("catalog kube-rbac-proxy: removed 2026-03-06"),
        "{text}"
    );
}

#[test]
fn check_catalog_fail_on_sets_the_threshold() {
    let tree = Tree::new().file(
        "k8s.yaml",
        "spec:\n  containers:\n  - image: k8s.gcr.io/pause:3.9\n",
    );
    tree.run(&["check", "--catalog"]).expect_code(0);
    tree.run(&["check", "--catalog", "--catalog-fail-on", "frozen"])
        .expect_code(1);
    tree.run(&[
        "check",
        "--catalog=bitnami-legacy",
        "--catalog-fail-on",
        "deprecated",
    ])
    .expect_code(0);
    let out = tree
        .run(&[
            "check",
            "--catalog",
            "--catalog-fail-on",
            "frozen",
            "--format",
            "github",
        ])
        .expect_code(1)
        .stdout();
    assert!(out.starts_with("::error file=k8s.yaml,line=3"), "{out}");
    assert!(out.contains("frozen 2023-04-03"), "{out}");
}

/// Below the threshold a catalog finding is reported but does not fail: GitHub and SARIF show it
/// as a warning, not an error that would contradict the exit status.
#[test]
fn findings_below_the_threshold_are_warnings_in_github_and_sarif() {
    let tree = Tree::new().file(
        "k8s.yaml",
        "spec:\n  containers:\n  - image: k8s.gcr.io/pause:3.9\n  - image: gcr.io/kubebuilder/kube-rbac-proxy:v0.13.1\n",
    );
    let github = tree
        .run(&["check", "--catalog", "--format", "github"])
        .expect_code(1)
        .stdout();
    assert!(
        github.contains("::warning file=k8s.yaml,line=3"),
        "{github}"
    );
    assert!(github.contains("::error file=k8s.yaml,line=4"), "{github}");
    let sarif = tree
        .run(&["check", "--catalog", "--format", "sarif"])
        .expect_code(1)
        .json();
    let levels: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["warning", "error"], "{sarif}");
    // At `frozen` the same finding fails, and is an error.
    let github = tree
        .run(&[
            "check",
            "--catalog",
            "--catalog-fail-on",
            "frozen",
            "--format",
            "github",
        ])
        .expect_code(1)
        .stdout();
    assert!(github.contains("::error file=k8s.yaml,line=3"), "{github}");
}

#[test]
fn check_catalog_formats_carry_status_and_source() {
    let tree = stale_tree();
    for format in ["sarif", "markdown"] {
        let out = tree
            .run(&["check", "--catalog", "--format", format])
            .expect_code(1)
            .stdout();
        assert!(out.contains("removed 2025-09-29"), "{format}: {out}");
        assert!(
            out.contains("https://github.com/bitnami/containers/issues/83267"),
            "{format}"
        );
    }
}

#[test]
fn check_catalog_with_an_unknown_id_is_a_usage_error() {
    let err = stale_tree()
        .run(&["check", "--catalog=k8s"])
        .expect_code(2)
        .stderr();
    assert!(err.contains("no catalog entry `k8s`"), "{err}");
}

#[test]
fn check_catalog_gives_way_to_a_user_rule_with_the_same_pattern() {
    let tree = stale_tree().file(
        "reimage.toml",
        "[[rename]]\nfrom = \"k8s.gcr.io/\"\nto = \"registry.k8s.io/\"\nreason = \"ours\"\n",
    );
    let out = tree.run(&["check", "--catalog"]).expect_code(1).stdout();
    assert!(out.contains("(ours)"), "{out}");
}

#[test]
fn rename_catalog_rewrites_byte_exactly() {
    let original = "# keep me\r\nservices:\r\n  pause:\r\n    image: k8s.gcr.io/pause:3.9   # pinned\r\n  dns:\r\n    image: k8s.gcr.io/dns/k8s-dns-node-cache:1.22.20@sha256:0000000000000000000000000000000000000000000000000000000000000000\r\n  staging:\r\n    image: staging-k8s.gcr.io/pause:3.9\r\n";
    let tree = Tree::new().file("compose.yaml", original);
    tree.run(&["rename", "--catalog", "k8s-gcr-io", "-w"])
        .expect_code(0);
    let want = original
        .replace(" k8s.gcr.io/pause", " registry.k8s.io/pause")
        .replace(" k8s.gcr.io/dns", " registry.k8s.io/dns");
    assert_eq!(tree.read_str("compose.yaml"), want);
    // A second run changes nothing.
    tree.run(&["rename", "--catalog", "k8s-gcr-io", "--check"])
        .expect_code(0);
}

#[test]
fn rename_catalog_leaves_tags_before_the_window_and_reports_them() {
    let original = "services:
  old:
    image: quay.io/coreos/prometheus-operator:v0.40.0
  new:
    image: quay.io/coreos/prometheus-operator:v0.44.1
  ksm:
    image: quay.io/coreos/kube-state-metrics:v1.9.8
";
    let tree = Tree::new().file("compose.yaml", original);
    let run = tree
        .run(&[
            "rename",
            "--catalog",
            "prometheus-operator,kube-state-metrics",
            "-w",
        ])
        .expect_code(0);
    let want = original.replace(
        "quay.io/coreos/prometheus-operator:v0.44.1",
        "quay.io/prometheus-operator/prometheus-operator:v0.44.1",
    );
    assert_eq!(tree.read_str("compose.yaml"), want);
    let out = run.stdout();
    assert!(
        out.contains("quay.io/coreos/prometheus-operator:v0.40.0  stale"),
        "{out}"
    );
    assert!(out.contains("tags >=v2.0.0"), "{out}");
}

#[test]
fn rename_catalog_all_keeps_exceptions_and_digests_that_may_not_survive() {
    let original = "services:
  base:
    image: bitnami/minideb:bookworm
  pinned:
    image: bitnami/redis:7.2@sha256:0000000000000000000000000000000000000000000000000000000000000000
  cache:
    image: bitnami/redis:7.2
  img:
    image: gcr.io/distroless/static:nonroot
";
    let tree = Tree::new().file("compose.yaml", original);
    tree.run(&["rename", "--catalog", "all", "-w"])
        .expect_code(0);
    // `to` is written as the catalog writes it.
    let want = original.replace(
        "image: bitnami/redis:7.2\n",
        "image: docker.io/bitnamilegacy/redis:7.2\n",
    );
    assert_eq!(tree.read_str("compose.yaml"), want);
}

const RENOVATE: &str = r#"{
  "$schema": "https://docs.renovatebot.com/renovate-schema.json",
  "extends": ["config:recommended"],
  "packageRules": [
    {
      "description": "Kubernetes registry move",
      "matchDatasources": ["docker"],
      "matchPackageNames": ["k8s.gcr.io/**"],
      "replacementNameTemplate": "{{{replace 'k8s\\.gcr\\.io/' 'registry.k8s.io/' packageName}}}"
    },
    {
      "matchDatasources": ["docker"],
      "matchPackageNames": ["ghcr.io/gdtiti/grok2api"],
      "replacementName": "ghcr.io/gdtiti/grok2api-api"
    },
    {
      "matchDatasources": ["docker"],
      "matchPackageNames": ["openjdk"],
      "matchCurrentValue": "17",
      "replacementName": "eclipse-temurin",
      "replacementVersion": "17-jre"
    },
    {
      "matchDatasources": ["docker"],
      "matchPackageNames": ["quay.io/acme/*-legacy"],
      "replacementName": "quay.io/acme/app"
    },
    {
      "matchDatasources": ["docker"],
      "matchUpdateTypes": ["major"],
      "enabled": false
    }
  ]
}
"#;

const RENOVATE_TREE: &str = "FROM openjdk:17 AS build\nFROM openjdk:21\nFROM k8s.gcr.io/pause:3.9\nFROM ghcr.io/gdtiti/grok2api:v1\n";

#[test]
fn rename_from_renovate_matches_the_equivalent_reimage_toml() {
    let imported = Tree::new()
        .file("renovate.json", RENOVATE)
        .file("Dockerfile", RENOVATE_TREE);
    let run = imported
        .run(&["rename", "--from-renovate", "-w"])
        .expect_code(0);
    assert!(
        run.stderr()
            .contains("packageRules[3].matchPackageNames[0]"),
        "{}",
        run.stderr()
    );
    let toml = Tree::new()
        .file(
            "reimage.toml",
            "[[rename]]\nfrom = \"k8s.gcr.io/\"\nto = \"registry.k8s.io/\"\n\n[[rename]]\nfrom = \"ghcr.io/gdtiti/grok2api\"\nto = \"ghcr.io/gdtiti/grok2api-api\"\n\n[[rename]]\nfrom = \"openjdk:17\"\nto = \"eclipse-temurin:17-jre\"\n",
        )
        .file("Dockerfile", RENOVATE_TREE);
    toml.run(&["rename", "-w"]).expect_code(0);
    assert_eq!(imported.read_str("Dockerfile"), toml.read_str("Dockerfile"));
    assert_eq!(
        imported.read_str("Dockerfile"),
        "FROM eclipse-temurin:17-jre AS build\nFROM openjdk:21\nFROM registry.k8s.io/pause:3.9\nFROM ghcr.io/gdtiti/grok2api-api:v1\n"
    );
}

#[test]
fn check_from_renovate_file_and_missing_config() {
    let tree = Tree::new()
        .file("ci/renovate.json", RENOVATE)
        .file("Dockerfile", RENOVATE_TREE);
    tree.run(&["check", "--from-renovate=ci/renovate.json"])
        .expect_code(1);
    let err = tree
        .run(&["check", "--from-renovate"])
        .expect_code(2)
        .stderr();
    assert!(err.contains("no Renovate configuration here"), "{err}");
}

#[test]
fn check_catalog_from_reimage_toml_is_check_dash_dash_catalog() {
    let flag = stale_tree()
        .run(&["check", "--catalog", "--format", "json"])
        .expect_code(1);
    let configured = stale_tree().file("reimage.toml", "[check]\ncatalog = true\n");
    let run = configured
        .run(&["check", "--format", "json"])
        .expect_code(1);
    assert_eq!(run.json()["findings"], flag.json()["findings"]);
    assert_eq!(run.stderr(), flag.stderr());
    // The threshold too; the command line wins over the file.
    let k8s = "spec:\n  containers:\n  - image: k8s.gcr.io/pause:3.9\n";
    let tree = Tree::new().file("k8s.yaml", k8s).file(
        "reimage.toml",
        "[check]\ncatalog = [\"k8s-gcr-io\"]\ncatalog-fail-on = \"frozen\"\n",
    );
    tree.run(&["check"]).expect_code(1);
    tree.run(&["check", "--catalog-fail-on", "removed"])
        .expect_code(0);
    let off = Tree::new()
        .file("k8s.yaml", k8s)
        .file("reimage.toml", "[check]\ncatalog = false\n");
    let err = off.run(&["check"]).expect_code(2).stderr();
    assert!(err.contains("nothing to check"), "{err}");
    let bad = Tree::new()
        .file("k8s.yaml", k8s)
        .file("reimage.toml", "[check]\ncatalog = [\"k8s\"]\n");
    let err = bad.run(&["check"]).expect_code(2).stderr();
    assert!(err.contains("no catalog entry `k8s`"), "{err}");
}

/// `testdata/renovate`: a realistic `renovate.json5` with a dozen docker replacement rules
/// (templates, exact names, an anchored regex, globs, `matchPackagePrefixes`, version windows,
/// `replacementVersion`, one negated glob that cannot be imported) and the same rules written as
/// a `reimage.toml`, applied to the same tree.
#[test]
fn renovate_json5_import_gives_the_same_tree_as_the_equivalent_reimage_toml() {
    let read = |name: &str| std::fs::read_to_string(testdata_path("renovate").join(name)).unwrap();
    let imported = Tree::copy_of("renovate/tree").file("renovate.json5", read("renovate.json5"));
    let configured = Tree::copy_of("renovate/tree").file("reimage.toml", read("reimage.toml"));
    // Discovered without naming the file.
    let run = imported
        .run(&["rename", "--from-renovate", "-w"])
        .expect_code(0);
    let stderr = run.stderr();
    let warnings: Vec<&str> = stderr.lines().collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(
            "renovate.json5: packageRules[11].matchPackageNames[1]: `!ghcr.io/acme-tools/builder`"
        ),
        "{warnings:?}"
    );
    configured.run(&["rename", "-w"]).expect_code(0);
    // The configurations differ; every other file is the same.
    std::fs::remove_file(imported.path().join("renovate.json5")).unwrap();
    std::fs::remove_file(configured.path().join("reimage.toml")).unwrap();
    assert_same_tree(&imported.snapshot(), &configured.snapshot());
    let deploy = imported.read_str("deploy/cluster.yaml");
    for want in [
        "image: registry.k8s.io/pause:3.6",
        "image: registry.k8s.io/etcd:3.3.10",
        "image: ghcr.io/acme/api-server:4.2.0",
        "value: mirror.acme.internal/quay.io/acme/cache-warmer:1.3.0",
        // In the window (`<1.26`): the new tag; outside: as it was.
        "image: nginx:1.27\n",
        "image: nginx:1.27.1-alpine",
        "image: quay.io/prometheus-operator/prometheus-operator:v0.44.1",
        "image: quay.io/coreos/prometheus-operator:v0.40.0",
        // The rule with the negated glob was not imported.
        "image: ghcr.io/acme-tools/builder:2024.1",
    ] {
        assert!(deploy.contains(want), "{want}\n{deploy}");
    }
    assert_eq!(
        imported
            .read_str("images/api/Dockerfile")
            .lines()
            .take(2)
            .collect::<Vec<_>>(),
        [
            "FROM eclipse-temurin:17-jre AS runtime",
            "FROM openjdk:21-jdk AS next"
        ]
    );
    // The imported configuration is the run's own: read, never rewritten.
    let again = Tree::copy_of("renovate/tree").file("renovate.json5", read("renovate.json5"));
    again
        .run(&["rename", "--from-renovate", "-w"])
        .expect_code(0);
    assert_eq!(again.read_str("renovate.json5"), read("renovate.json5"));
    again
        .run(&["check", "--from-renovate=renovate.json5"])
        .expect_code(0);
}

#[test]
fn gcr_shutdown_spares_googles_own_projects() {
    // Google serves its own gcr.io projects from Artifact Registry under the same names.
    let tree = Tree::new().file(
        "manifest.yaml",
        "spec:
  containers:
  - image: gcr.io/google-samples/hello-app:2.0
  - image: gcr.io/gke-release/gke-metrics-agent:1.8.3
  - image: gcr.io/cloud-builders/docker:latest
  - image: gcr.io/google.com/cloudsdktool/google-cloud-cli:stable
  - image: gcr.io/cloudsql-docker/gce-proxy:1.33.2
  - image: gcr.io/acme-prod/api:1.0
",
    );
    let json = tree
        .run(&[
            "check",
            "--catalog",
            "--catalog-fail-on",
            "frozen",
            "--format",
            "json",
        ])
        .expect_code(1)
        .json();
    let refs: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["old"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["gcr.io/acme-prod/api:1.0"]);
}

#[test]
fn rename_catalog_holds_a_registry_setting_of_an_entry_with_exceptions() {
    // `docker.io/bitnami/minideb` stays: moving the whole prefix setting would move it too.
    let tree = Tree::new().file(
        "Makefile",
        "BITNAMI_REPO ?= docker.io/bitnami\nK8S_REGISTRY ?= k8s.gcr.io\n",
    );
    let doc = tree
        .run(&["rename", "--catalog", "all", "--format", "json"])
        .expect_code(0)
        .json();
    let found: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["action"].as_str().unwrap(), f["old"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [("stale", "docker.io/bitnami"), ("rewrite", "k8s.gcr.io")],
        "{doc}"
    );
}
