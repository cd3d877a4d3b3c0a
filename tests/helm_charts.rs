//! Issue 13: Helm charts as they really are. The byte-exact renames are format fixtures
//! (`testdata/formats/helm-bitnami-legacy`, `helm-ingress-nginx`); these tests check what the
//! fixtures cannot: `list` counts each split map once, and bad templates fall back safely.
//! The same for the README tables that restate a chart's values (`helm-docs-registry-move`,
//! `helm-docs-bitnamilegacy`): one reference per table map, and bad Markdown reads as text.

mod common;

use std::collections::BTreeMap;

use common::Tree;

/// `reimage list --format json .` in `tree`: (path, reference) → how many findings.
fn inventory(tree: &Tree) -> (BTreeMap<(String, String), usize>, serde_json::Value) {
    let doc = tree.run(&["list", "--format", "json", "."]).json();
    let mut counts = BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        let path = f["path"]
            .as_str()
            .unwrap()
            .trim_start_matches("./")
            .to_owned();
        let reference = f["reference"].as_str().unwrap().to_owned();
        *counts.entry((path, reference)).or_insert(0) += 1;
    }
    (counts, doc)
}

#[test]
fn list_counts_every_split_map_of_the_fixtures_once() {
    let tree = Tree::copy_of("formats/helm-bitnami-legacy/in");
    let (counts, doc) = inventory(&tree);
    assert_eq!(doc["warnings"].as_array().map_or(0, Vec::len), 0, "{doc}");
    let platform: Vec<_> = counts
        .iter()
        .filter(|((path, _), _)| path == "charts/platform/values.yaml")
        .collect();
    // 24 components, each one split map (six shapes), and nothing else in image positions.
    assert_eq!(platform.len(), 24, "{platform:?}");
    assert!(platform.iter().all(|(_, n)| **n == 1), "{platform:?}");
    for reference in [
        "docker.io/bitnami/kafka:3.8.0-debian-12-r5",
        "docker.io/bitnami/zookeeper:3.9.2-debian-12-r11",
        "registry.k8s.io/external-dns/external-dns:v0.15.0",
    ] {
        let key = (
            "charts/platform/values.yaml".to_owned(),
            reference.to_owned(),
        );
        assert_eq!(counts.get(&key), Some(&1), "{reference}");
    }
    // The ConfigMap's embedded values, the Helmfile template, the Chart.yaml annotation.
    for (path, reference) in [
        (
            "charts/shop/templates/jobs-configmap.yaml",
            "docker.io/bitnami/kubectl:1.31.1-debian-12-r3",
        ),
        (
            "helmfile/environments/production/values.yaml.gotmpl",
            "docker.io/bitnami/redis",
        ),
        (
            "charts/shop/Chart.yaml",
            "docker.io/bitnami/redis-exporter:1.62.0-debian-12-r2",
        ),
    ] {
        assert_eq!(
            counts.get(&(path.to_owned(), reference.to_owned())),
            Some(&1),
            "{path} {reference}"
        );
    }
}

#[test]
fn an_ingress_nginx_map_is_one_reference_not_also_a_docker_hub_name() {
    let tree = Tree::copy_of("formats/helm-ingress-nginx/in");
    let (counts, _) = inventory(&tree);
    let values: Vec<_> = counts
        .keys()
        .filter(|(path, _)| path == "charts/ingress-nginx/values.yaml")
        .map(|(_, r)| r.as_str())
        .collect();
    assert_eq!(
        values,
        [
            "k8s.gcr.io/defaultbackend-amd64:1.5",
            "k8s.gcr.io/ingress-nginx/controller:v1.3.1@sha256:54f7fe2c6c5a9db9a0ebf1131797109bb7a4d91f56b9b362bde2abd237dd1974",
            "k8s.gcr.io/ingress-nginx/kube-webhook-certgen:v1.3.0@sha256:549e71a6ca248c5abd51cdb73dbc3083df62cf92ed5e6147c780e30f7e007a47",
        ]
    );
}

#[test]
fn a_template_that_never_closes_or_does_not_parse_is_read_by_lines_with_a_warning() {
    let tree = Tree::new()
        .file(
        "templates/broken.yaml",
        "{{- if .Values.enabled }\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: k8s.gcr.io/pause:3.9\n",
    )
        .file(
        "templates/mixed.yaml",
        "spec:\n  {{- if .Values.a }}\n  x: 1\n  {{- else }}\n  - y\n  {{- end }}\n  image: k8s.gcr.io/pause:3.9\n",
    );
    let doc = tree
        .run(&[
            "rename",
            "k8s.gcr.io/",
            "registry.k8s.io/",
            "--format",
            "json",
            ".",
        ])
        .json();
    let warnings: Vec<String> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| format!("{} {}", w["path"], w["message"]))
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings.iter().any(|w| w.contains("line 1 never closes")),
        "{warnings:?}"
    );
    let rewrites = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["action"] == "rewrite")
        .count();
    assert_eq!(rewrites, 2);
}

#[test]
fn a_large_values_file_with_thousands_of_actions_is_masked_in_linear_time() {
    let mut text = String::from("{{- /* generated */ -}}\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "c{i}:\n  name: {{{{ .Release.Name }}}}-{i}\n  image:\n    registry: k8s.gcr.io\n    repository: pause\n    tag: \"{{{{ .Chart.AppVersion }}}}\"\n  note: Instance {{{{ \"{{{{ $labels.instance }}}}\" }}}} is down\n"
        ));
    }
    let tree = Tree::new().file("values.yaml.gotmpl", &text);
    let start = std::time::Instant::now();
    let doc = tree.run(&["list", "--format", "json", "."]).json();
    assert_eq!(
        doc["warnings"].as_array().map_or(0, Vec::len),
        0,
        "{}",
        doc["warnings"]
    );
    assert_eq!(doc["findings"].as_array().unwrap().len(), 20_000);
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
}

/// The references `list` reports in `path`, each with how many times.
fn listed_in<'a>(
    counts: &'a BTreeMap<(String, String), usize>,
    path: &str,
) -> Vec<(&'a str, usize)> {
    counts
        .iter()
        .filter(|((p, _), _)| p == path)
        .map(|((_, r), n)| (r.as_str(), *n))
        .collect()
}

#[test]
fn list_counts_every_table_split_map_once() {
    let tree = Tree::copy_of("formats/helm-docs-bitnamilegacy/in");
    let (counts, doc) = inventory(&tree);
    assert_eq!(doc["warnings"].as_array().map_or(0, Vec::len), 0, "{doc}");
    // Four maps with a registry, one with a placeholder registry (listed as written, without
    // it); the map whose repository is a placeholder too (`REPOSITORY_NAME/kubectl`) names no
    // image.
    assert_eq!(
        listed_in(&counts, "charts/redis/README.md"),
        [
            ("bitnami/os-shell:12-debian-12-r16", 1),
            ("docker.io/bitnami/os-shell:12-debian-12-r16", 1),
            ("docker.io/bitnami/redis-exporter:1.58.0-debian-12-r4", 1),
            ("docker.io/bitnami/redis-sentinel:7.2.4-debian-12-r7", 1),
            ("docker.io/bitnami/redis:7.2.4-debian-12-r9", 1),
        ]
    );
    // helm-docs: maps with and without a registry row, a lone `jobs.image`, and our own image.
    assert_eq!(
        listed_in(&counts, "charts/platform/README.md"),
        [
            ("bitnami/kafka:3.7.0-debian-12-r7", 1),
            ("bitnami/postgresql:16.3.0-debian-12-r14", 1),
            ("docker.io/acme/shop-seed:2024.06.1", 1),
            ("docker.io/bitnami/kubectl:1.29.2-debian-12-r3", 1),
            ("docker.io/bitnami/redis:7.2.5-debian-12-r0", 1),
        ]
    );

    let tree = Tree::copy_of("formats/helm-docs-registry-move/in");
    let (counts, _) = inventory(&tree);
    assert_eq!(
        listed_in(&counts, "charts/ingress-nginx/README.md"),
        [
            ("k8s.gcr.io/defaultbackend-amd64:1.5", 1),
            // The `yaml` fence and the table row group: one each.
            ("k8s.gcr.io/ingress-nginx/controller:v1.3.1@sha256:54f7fe2c6c5a9db9a0ebf1131797109bb7a4d91f56b9b362bde2abd237dd1974", 2),
            ("k8s.gcr.io/ingress-nginx/kube-webhook-certgen:v1.3.0@sha256:549e71a6ca248c5abd51cdb73dbc3083df62cf92ed5e6147c780e30f7e007a47", 1),
            ("k8s.gcr.io/ingress-nginx/opentelemetry:v20220801-g00ee51f09@sha256:482562feba02ad178411efc284f8eb803a185e3ea5588b6111ccbc20b816b427", 1),
        ]
    );
    assert_eq!(
        listed_in(&counts, "charts/metrics-server/README.md"),
        [
            ("k8s.gcr.io/autoscaling/addon-resizer:1.8.14", 1),
            ("k8s.gcr.io/metrics-server/metrics-server", 1),
        ]
    );
}

const VALUES_TABLE: &str =
    "| Key | Type | Default | Description |\n|-----|------|---------|-------------|\n";

/// `reimage rename docker.io/bitnami/ docker.io/bitnamilegacy/ -w` in `tree`: its JSON report.
fn bitnami_legacy(tree: &Tree) -> serde_json::Value {
    let args = [
        "rename",
        "docker.io/bitnami/",
        "docker.io/bitnamilegacy/",
        "--format",
        "json",
        "-w",
        ".",
    ];
    tree.run(&args).json()
}

fn warnings(doc: &serde_json::Value) -> Vec<String> {
    doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_unclosed_fence_is_plain_text_with_a_warning() {
    let readme = format!(
        "# cache\n\n{VALUES_TABLE}| image.registry | string | `\"docker.io\"` |  |\n| image.repository | string | `\"bitnami/redis\"` |  |\n\n```yaml\nmetrics:\n  image:\n    registry: docker.io\n    repository: bitnami/redis-exporter\n\n{VALUES_TABLE}| sentinel.image.registry | string | `\"docker.io\"` |  |\n| sentinel.image.repository | string | `\"bitnami/redis-sentinel\"` |  |\n"
    );
    let tree = Tree::new().file("README.md", &readme);
    let doc = bitnami_legacy(&tree);
    let warnings = warnings(&doc);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("code fence opened at line 8 never closes"),
        "{warnings:?}"
    );
    // The table before the fence is read; nothing after its opening line is structure.
    let expected = readme.replacen("`\"bitnami/redis\"`", "`\"bitnamilegacy/redis\"`", 1);
    assert_eq!(tree.read_str("README.md"), expected);
}

#[test]
fn a_ragged_table_row_leaves_its_map_alone_with_a_warning() {
    let readme = format!(
        "{VALUES_TABLE}| image.registry | string | `\"quay.io\"` |\n| image.repository | string | `\"bitnami/redis\"` |  |\n| metrics.image.registry | string | `\"docker.io\"` |  |\n| metrics.image.repository | string | `\"bitnami/redis-exporter\"` |  |\n| short | row |\n"
    );
    let tree = Tree::new().file("README.md", &readme);
    let doc = bitnami_legacy(&tree);
    let warnings = warnings(&doc);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("row at line 3 has 3 cells where its header has 4"),
        "{warnings:?}"
    );
    // Read without its registry row, `image` would be a Docker Hub map and be rewritten.
    let expected = readme.replace("bitnami/redis-exporter", "bitnamilegacy/redis-exporter");
    assert_eq!(tree.read_str("README.md"), expected);
}

#[test]
fn a_ten_thousand_row_table_is_read_in_linear_time() {
    let mut readme = format!("# generated\n\n{VALUES_TABLE}");
    for i in 0..2_500 {
        readme.push_str(&format!(
            "| c{i}.image.registry | string | `\"docker.io\"` |  |\n| c{i}.image.repository | string | `\"bitnami/app-{i}\"` |  |\n| c{i}.image.tag | string | `\"1.0.{i}\"` |  |\n| c{i}.replicaCount | int | `1` | Replicas of component {i} |\n"
        ));
    }
    let tree = Tree::new().file("README.md", &readme);
    let start = std::time::Instant::now();
    let (counts, doc) = inventory(&tree);
    assert_eq!(doc["warnings"].as_array().map_or(0, Vec::len), 0);
    assert_eq!(counts.len(), 2_500);
    assert!(counts.values().all(|n| *n == 1));
    let doc = bitnami_legacy(&tree);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2_500);
    assert_eq!(
        tree.read_str("README.md"),
        readme.replace("`\"bitnami/", "`\"bitnamilegacy/")
    );
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
}
