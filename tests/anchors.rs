//! YAML anchors shared between image maps (issue 12, item 10), over the `helm-shared-anchors`
//! fixture: `api` and `worker` share `registry: &acme ghcr.io`, `docs` and `tracing` share
//! `&public`, and `cache` and `migrations` read `*mirror` and `*internal`, anchored outside any
//! image map. The anchored scalar is edited once for all its readers, so a rule may edit it only
//! when every reader would be edited the same way; otherwise the finding is a review naming the
//! anchor, and nothing moves.

mod common;

use common::Tree;
use serde_json::Value;

const VALUES: &str = "values.yaml";

fn fixture() -> Tree {
    Tree::copy_of("formats/helm-shared-anchors/in")
}

fn findings(doc: &Value) -> Vec<&Value> {
    doc["findings"].as_array().unwrap().iter().collect()
}

#[test]
fn a_rule_for_one_reader_of_a_shared_anchor_is_a_review_and_edits_nothing() {
    let tree = fixture();
    let before = tree.read(VALUES);
    let rule = [
        "rename",
        "ghcr.io/acme/platform-api",
        "quay.io/acme/platform-api",
    ];
    let doc = tree
        .run(&[&rule[..], &["--format", "json", "."]].concat())
        .json();
    let found = findings(&doc);
    assert_eq!(found.len(), 1, "{doc:#}");
    let f = found[0];
    assert_eq!(f["action"], "review");
    assert_eq!(f["line"], 21);
    assert!(f["edits"].as_array().is_none_or(Vec::is_empty), "{f:#}");
    let note = f["note"].as_str().unwrap();
    assert!(note.contains("&acme (line 21)"), "{note}");

    tree.run(&[&rule[..], &["-w", "--allow-dirty", "."]].concat())
        .expect_code(0);
    assert_eq!(tree.read(VALUES), before, "the worker must not move");
}

#[test]
fn a_rule_that_moves_one_reader_of_two_leaves_the_anchor_alone() {
    // `ghcr.io/acme/` takes `docs` but not `tracing` (`ghcr.io/jaegertracing/…`).
    let tree = fixture();
    let doc = tree
        .run(&[
            "rename",
            "ghcr.io/acme/",
            "registry.acme.dev/platform/",
            "--format",
            "json",
            ".",
        ])
        .json();
    let docs = findings(&doc)
        .into_iter()
        .find(|f| f["reference"] == "ghcr.io/acme/docs-site:2024.11.3")
        .expect("the docs map is found");
    assert_eq!(docs["action"], "review");
    assert!(docs["note"].as_str().unwrap().contains("&public (line 46)"));
}

#[test]
fn an_anchor_read_only_by_matched_maps_is_rewritten_once() {
    let tree = fixture();
    tree.run(&[
        "rename",
        "ghcr.io/acme/",
        "registry.acme.dev/platform/",
        "-w",
        "--allow-dirty",
        ".",
    ])
    .expect_code(0);
    let after = tree.read_str(VALUES);
    assert!(after.contains(
        "    registry: &acme registry.acme.dev\n    repository: platform/platform-api\n"
    ));
    assert!(after.contains("    registry: *acme\n    repository: platform/platform-worker\n"));
    assert_eq!(after.matches("registry.acme.dev").count(), 1, "{after}");
    assert!(after.contains("    registry: &public ghcr.io\n    repository: acme/docs-site\n"));
}

#[test]
fn maps_that_read_their_registry_through_an_alias_are_listed_and_checked_by_the_right_name() {
    let tree = fixture();
    let doc = tree.run(&["list", "--format", "json", "."]).json();
    let listed: Vec<(String, u64)> = findings(&doc)
        .iter()
        .map(|f| {
            (
                f["reference"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("ghcr.io/acme/platform-worker:2.14.1", 38),
        ("ghcr.io/jaegertracing/all-in-one:1.62.0", 57),
        ("mirror.gcr.io/library/redis:7.4-alpine", 64),
        ("registry.acme.internal:5000/platform/migrate:2.14.1", 73),
    ] {
        assert!(
            listed.contains(&(expected.0.to_owned(), expected.1)),
            "{expected:?} not in {listed:?}"
        );
    }
    let names: Vec<&str> = findings(&doc)
        .iter()
        .map(|f| f["repository"].as_str().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with("docker.io/")),
        "no map falls back to Docker Hub: {names:?}"
    );

    let check = tree.run(&[
        "check",
        "--deny",
        "mirror.gcr.io/library/redis",
        "--deny",
        "registry.acme.internal:5000/platform/migrate",
        "--format",
        "json",
        ".",
    ]);
    let doc = check.expect_code(1).json();
    let stale: Vec<u64> = findings(&doc)
        .iter()
        .filter(|f| f["action"] == "stale")
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(stale, [64, 73]);
}

#[test]
fn a_registry_setting_read_through_an_alias_is_no_image() {
    // `imageRegistry: *reg` outside an image map is a setting, not an image named `ghcr.io`.
    let tree = Tree::new().file(
        "values.yaml",
        "registries:\n  main: &reg ghcr.io\nglobal:\n  imageRegistry: *reg\nproxy:\n  registry: *reg\nweb:\n  image: nginx:1\n",
    );
    let doc = tree.run(&["list", "--format", "json", "."]).json();
    let listed: Vec<&str> = findings(&doc)
        .iter()
        .map(|f| f["reference"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["nginx:1"]);
}

#[test]
fn an_anchor_outside_the_map_that_reads_it_is_left_to_a_human() {
    // `migrations` reads `registry: *internal`, anchored under `registries:`: a rewrite would edit
    // bytes outside the reference (and change what `registries.internal` says).
    let tree = fixture();
    let before = tree.read(VALUES);
    let rule = ["rename", "registry.acme.internal:5000/", "ghcr.io/acme/"];
    let doc = tree
        .run(&[&rule[..], &["--format", "json", "."]].concat())
        .json();
    let found = findings(&doc);
    assert_eq!(found.len(), 1, "{doc:#}");
    assert_eq!(
        (&found[0]["action"], &found[0]["line"]),
        (&"review".into(), &73.into())
    );
    assert!(found[0]["note"]
        .as_str()
        .unwrap()
        .contains("&internal (line 12)"));
    tree.run(&[&rule[..], &["-w", "--allow-dirty", "."]].concat())
        .expect_code(0);
    assert_eq!(tree.read(VALUES), before);
}
