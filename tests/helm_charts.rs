//! Issue 13: Helm charts as they really are. The byte-exact renames are format fixtures
//! (`testdata/formats/helm-bitnami-legacy`, `helm-ingress-nginx`); these tests check what the
//! fixtures cannot: `list` counts each split map once, and bad templates fall back safely.

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
