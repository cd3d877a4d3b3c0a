//! The seed scenario end to end: `ghcr.io/gdtiti/grok2api` → `ghcr.io/gdtiti/grok2api-api` on a
//! realistic repository, compared byte for byte with a hand-computed expected tree.

mod common;

use common::{assert_same_tree, snapshot, testdata_path, Tree};

const OLD: &str = "ghcr.io/gdtiti/grok2api";
const NEW: &str = "ghcr.io/gdtiti/grok2api-api";

#[test]
fn write_produces_the_expected_tree_byte_for_byte() {
    let tree = Tree::copy_of("seed/repo");
    copy_modes(&tree);
    let run = tree.run(&["rename", OLD, NEW, "-w", "."]).expect_code(0);
    assert!(
        run.stdout().contains("55 references in 15 files changed"),
        "{}",
        run.stdout()
    );
    assert_same_tree(&tree.snapshot(), &snapshot(&testdata_path("seed/expected")));
}

#[test]
fn second_run_changes_nothing() {
    let tree = Tree::copy_of("seed/repo");
    tree.run(&["rename", OLD, NEW, "-w"]).expect_code(0);
    let after_first = tree.snapshot();
    let run = tree.run(&["rename", OLD, NEW, "-w"]).expect_code(0);
    assert!(
        run.stdout()
            .contains("\nnothing to change; 2 need review; 1 ignored"),
        "{}",
        run.stdout()
    );
    assert_same_tree(&tree.snapshot(), &after_first);
}

#[test]
fn preview_writes_nothing_and_lists_every_change() {
    let tree = Tree::copy_of("seed/repo");
    let before = tree.snapshot();
    let run = tree.run(&["rename", OLD, NEW]).expect_code(0);
    assert_same_tree(&tree.snapshot(), &before);
    let out = run.stdout();
    assert!(
        out.contains("55 references in 15 files would change"),
        "{out}"
    );
    assert!(out.contains("docker-compose.yml:8:12  ghcr.io/gdtiti/grok2api:latest → ghcr.io/gdtiti/grok2api-api:latest  [compose, structural]"), "{out}");
}

#[test]
fn diff_applies_with_git_apply_to_the_same_result_as_write() {
    let patched = Tree::copy_of("seed/repo");
    let written = Tree::copy_of("seed/repo");
    let diff = patched.run(&["rename", OLD, NEW, "--diff"]).expect_code(0);
    let patch_file = patched.path().join("../reimage-test.patch");
    std::fs::write(&patch_file, diff.output.stdout).unwrap();
    let status = std::process::Command::new("git")
        .args(["apply", "--verbose"])
        .arg(&patch_file)
        .current_dir(patched.path())
        .status()
        .expect("git is installed");
    std::fs::remove_file(&patch_file).unwrap();
    assert!(status.success(), "git apply failed");
    written.run(&["rename", OLD, NEW, "-w"]).expect_code(0);
    // The patch carries contents only: `git apply` recreates each file with the test process's
    // umask, so a checkout made under another umask (0664 files) would differ in modes alone.
    // `-w` keeping modes is shown by `write_produces_the_expected_tree_byte_for_byte`.
    let contents = |tree: &Tree| -> Vec<_> {
        let mut files = tree.snapshot();
        files.iter_mut().for_each(|f| f.2 = 0);
        files
    };
    assert_same_tree(&contents(&patched), &contents(&written));
}

#[test]
fn check_fails_before_the_rename_and_passes_after() {
    let tree = Tree::copy_of("seed/repo");
    let run = tree.run(&["check", "--deny", OLD]).expect_code(1);
    assert!(
        run.stdout().contains("55 stale references in 15 files"),
        "{}",
        run.stdout()
    );
    tree.run(&["rename", OLD, NEW, "--check"]).expect_code(1);
    tree.run(&["rename", OLD, NEW, "-w"]).expect_code(0);
    tree.run(&["check", "--deny", OLD]).expect_code(0);
    tree.run(&["rename", OLD, NEW, "--check"]).expect_code(0);
}

#[test]
fn review_findings_are_reported_and_left_alone() {
    let tree = Tree::copy_of("seed/repo");
    let run = tree
        .run(&["rename", OLD, NEW, "--format", "json"])
        .expect_code(0);
    let doc = run.json();
    let reviews: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["action"] == "review")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["old"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        reviews,
        [
            ("scripts/deploy.sh".to_owned(), "gdtiti/grok2api".to_owned()),
            (
                "scripts/deploy.sh".to_owned(),
                "gdtiti/grok2api:latest".to_owned()
            ),
        ]
    );
    tree.run(&["rename", OLD, NEW, "-w"]).expect_code(0);
    let script = tree.read_str("scripts/deploy.sh");
    assert!(script.contains("REPOSITORY=gdtiti/grok2api\n"));
    assert!(script.contains("\"${REGISTRY}/gdtiti/grok2api:latest\""));
}

#[test]
fn json_findings_carry_every_documented_field() {
    let tree = Tree::copy_of("seed/repo");
    let doc = tree
        .run(&["rename", OLD, NEW, "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["summary"]["rewrite"], 55);
    assert_eq!(doc["summary"]["ignored"], 1);
    let digest = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "k8s/deployment.yaml" && f["line"] == 23)
        .expect("the digest reference in the Deployment");
    for field in [
        "path",
        "line",
        "column",
        "byte_range",
        "context",
        "confidence",
        "old",
        "new",
        "rule",
        "action",
    ] {
        assert!(!digest[field].is_null(), "missing {field}");
    }
    assert_eq!(digest["context"], "kubernetes");
    assert_eq!(digest["confidence"], "structural");
    assert_eq!(
        digest["rule"],
        "ghcr.io/gdtiti/grok2api → ghcr.io/gdtiti/grok2api-api"
    );
    assert!(digest["note"]
        .as_str()
        .unwrap()
        .contains("digest sha256:eb9f5f96"));
    let [start, end] = [
        digest["byte_range"][0].as_u64().unwrap(),
        digest["byte_range"][1].as_u64().unwrap(),
    ];
    let bytes = tree.read("k8s/deployment.yaml");
    assert_eq!(
        &bytes[start as usize..end as usize],
        digest["old"].as_str().unwrap().as_bytes()
    );
}

/// `fs::copy` keeps modes already; this guards against a checkout that lost the executable bit.
fn copy_modes(tree: &Tree) {
    use std::os::unix::fs::PermissionsExt;
    for (rel, _, mode) in snapshot(&testdata_path("seed/repo")) {
        std::fs::set_permissions(tree.path().join(rel), std::fs::Permissions::from_mode(mode))
            .unwrap();
    }
}

#[test]
fn list_inventories_image_positions_only() {
    let tree = Tree::copy_of("seed/repo");
    let run = tree.run(&["list", "-q"]).expect_code(0);
    assert_eq!(
        run.stdout(),
        "docker.io/docker/dockerfile  1.7  (1 reference)
docker.io/gdtiti/grok2api  latest  (1 reference)
docker.io/library/python  3.12-slim  (2 references)
docker.io/library/redis  7-alpine  (1 reference)
ghcr.io/gdtiti/grok2api  hf-amd64-v1.0.0, hf-arm64-v1.0.0, latest, latest-amd64, latest-arm64, main, main-amd64, sha256:eb9f5f9605a753ecdbef9e554708e7833ee813607f155169a506f9324d1538d9, v1.0.0  (32 references)
ghcr.io/gdtiti/grok2api-api  latest  (1 reference)
6 images in 38 references across 14 files
"
    );
    let doc = tree
        .run(&["list", "--format", "json"])
        .expect_code(0)
        .json();
    // Everything is inventory but the four references whose tag is a template
    // (`ghcr.io/gdtiti/grok2api:$(TAG)-amd64`): listed for review, never mirrored.
    let findings = doc["findings"].as_array().unwrap();
    let review: Vec<_> = findings
        .iter()
        .filter(|f| f["action"] != "inventory")
        .collect();
    assert_eq!(review.len(), 4, "{review:#?}");
    for f in review {
        assert_eq!(f["action"], "review");
        assert_eq!(f["note"], "the tag is a template expression");
        assert_eq!(f["tag"], serde_json::Value::Null);
    }
}
