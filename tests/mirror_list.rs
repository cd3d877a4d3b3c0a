//! `reimage list --format images`: the mirror list — each distinct image once, fully qualified,
//! sorted — and the grouped `images` section of `list --format json`.

mod common;

use common::Tree;

#[test]
fn mirror_list_prints_each_image_once_fully_qualified_and_sorted() {
    let tree = Tree::copy_of("mirror");
    let run = tree.run(&["list", "--format", "images"]).expect_code(0);
    let lines: Vec<String> = run.stdout().lines().map(str::to_owned).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(lines, sorted, "sorted and distinct");
    // `nginx:1.25`, `docker.io/library/nginx:1.25` and `index.docker.io/library/nginx:1.25`
    // are one image.
    assert_eq!(
        lines.iter().filter(|l| l.contains("/nginx")).count(),
        1,
        "{lines:?}"
    );
    for want in [
        "docker.io/library/nginx:1.25",
        // A reference without a tag pulls `latest`.
        "docker.io/library/redis:latest",
        // The digest is what is pulled; skopeo refuses `name:tag@digest`.
        "gcr.io/distroless/static-debian12@sha256:6ec5aa99dc335666e79dc64e4a6c8b89c33a543a1967f20d360922a80dd21f02",
        // A Helm split map put together.
        "docker.io/bitnami/redis:7.2.4-debian-12-r4",
        "ghcr.io/acme/shop-api:2.3.1",
    ] {
        assert!(lines.iter().any(|l| l == want), "{want} in {lines:?}");
    }
    // A templated tag (`golang:${GO_VERSION}-bookworm`) and a templated registry are not
    // mirrorable as read: counted on stderr, not listed.
    assert!(!lines
        .iter()
        .any(|l| l.contains("golang") || l.contains("redis_exporter")));
    assert!(
        run.stderr().contains("2 image references not listed"),
        "{}",
        run.stderr()
    );
    for line in &lines {
        assert!(
            line.contains('/') && (line.contains(':') || line.contains('@')),
            "{line}"
        );
    }
}

#[test]
fn list_json_groups_the_mirror_references() {
    let tree = Tree::copy_of("mirror");
    let json = tree
        .run(&["list", "--format", "json"])
        .expect_code(0)
        .json();
    let images = json["images"].as_array().expect("images section");
    let nginx = images
        .iter()
        .find(|i| i["name"] == "docker.io/library/nginx")
        .unwrap();
    assert_eq!(
        nginx["references"],
        serde_json::json!(["docker.io/library/nginx:1.25"])
    );
    assert_eq!(nginx["places"], 3);
    let golang = images
        .iter()
        .find(|i| i["name"] == "docker.io/library/golang")
        .unwrap();
    assert_eq!(golang["references"], serde_json::json!([]));
    assert_eq!(golang["excluded"], 1);
    let by_registry = tree
        .run(&["list", "--format", "json", "--group-by", "registry"])
        .expect_code(0)
        .json();
    let names: Vec<&str> = by_registry["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "docker.io",
            "gcr.io",
            "ghcr.io",
            "quay.io",
            "registry.k8s.io"
        ]
    );
    // Other commands' documents are unchanged: no `images` key.
    let check = tree
        .run(&["check", "--deny", "nginx", "--format", "json"])
        .expect_code(1)
        .json();
    assert!(check.get("images").is_none());
}

#[test]
fn format_images_is_for_list_only() {
    let tree = Tree::copy_of("mirror");
    for args in [
        &["check", "--deny", "nginx", "--format", "images"][..],
        &["rename", "nginx", "caddy", "--format", "images", "-w"],
    ] {
        let err = tree.run(args).expect_code(2).stderr();
        assert!(err.contains("applies to `reimage list` only"), "{err}");
    }
    // Nothing was written.
    assert!(tree
        .read_str("deploy/compose.yaml")
        .contains("image: nginx:1.25"));
}
