//! Shapes found by running broad rules over real public repositories: which names a rule
//! narrower than a registry still reaches (an image a Compose service builds, a path after a
//! templated registry), and which only a human should touch. The fixtures
//! `hub-mirror-real-shapes` and `registryless-split-maps` cover the broad rules themselves.

mod common;

use common::Tree;

const COMPOSE: &str = "services:\n  web:\n    build:\n      context: .\n    image: sentry-self-hosted-local\n  api:\n    build: ./api\n    image: acme/api:dev\n  db:\n    image: postgres:16\n";

/// `(action, old)` of every finding of `rename FROM TO` in `tree`.
fn actions(tree: &Tree, from: &str, to: &str) -> Vec<(String, String)> {
    let doc = tree
        .run(&["rename", from, to, "--format", "json"])
        .expect_code(0)
        .json();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["action"].as_str().unwrap().to_owned(),
                f["old"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn a_locally_built_compose_image_is_renamed_only_by_a_rule_that_names_it() {
    let tree = Tree::new().file("docker-compose.yml", COMPOSE);
    // A registry-wide rule: the one-word built image is not Docker Hub's; a namespaced one
    // may be pushed there, so a human looks.
    assert_eq!(
        actions(&tree, "docker.io/", "mirror.example.com/hub/"),
        pairs(&[("review", "acme/api:dev"), ("rewrite", "postgres:16")])
    );
    assert_eq!(
        actions(&tree, "docker.io/library/", "mirror.example.com/library/"),
        pairs(&[("rewrite", "postgres:16")])
    );
    // Rules that name the repository rename it.
    assert_eq!(
        actions(
            &tree,
            "sentry-self-hosted-local",
            "ghcr.io/acme/sentry-local"
        ),
        pairs(&[("rewrite", "sentry-self-hosted-local")])
    );
    assert_eq!(
        actions(&tree, "acme/api", "ghcr.io/acme/api"),
        pairs(&[("rewrite", "acme/api:dev")])
    );
}

#[test]
fn a_templated_registry_is_review_only_for_a_rule_whose_path_the_rest_spells() {
    let makefile = "push:\n\tdocker push $(REGISTRY)/metrics-server-$*:$(GIT_TAG)\n\tdocker push ${REGISTRY}/acme/app:$(GIT_TAG)\n";
    let tree = Tree::new().file("Makefile", makefile);
    assert_eq!(actions(&tree, "docker.io/", "mirror.example.com/hub/"), []);
    assert_eq!(
        actions(&tree, "ghcr.io/acme/app", "ghcr.io/acme/app-server"),
        pairs(&[("review", "acme/app")])
    );
    assert_eq!(
        actions(&tree, "docker.io/acme/", "ghcr.io/acme/"),
        pairs(&[("review", "acme/app")])
    );
    assert_eq!(
        actions(&tree, "docker.io/library/", "mirror.example.com/library/"),
        []
    );
}

#[test]
fn docker_hubs_library_namespace_alone_is_a_prefix_not_an_image() {
    let go = "var dockerLibraryRegistry = \"docker.io/library\"\nvar busyboxImage = \"docker.io/library/busybox:1.36\"\n";
    let tree = Tree::new().file("manifest.go", go);
    let doc = tree
        .run(&[
            "rename",
            "docker.io/",
            "mirror.example.com/hub/",
            "--format",
            "json",
        ])
        .expect_code(0)
        .json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert_eq!(findings[0]["action"], "review");
    assert!(findings[0]["note"]
        .as_str()
        .unwrap()
        .contains("namespace prefix"));
    assert_eq!(findings[1]["action"], "rewrite");
    let list = tree
        .run(&["list", "--format", "json"])
        .expect_code(0)
        .json();
    let listed: Vec<&str> = list["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["old"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["docker.io/library/busybox:1.36"]);
}

/// `docker build -t NAME` (a Makefile, a Jenkinsfile `sh` step, an npm script) names the image it
/// builds, as a Compose `image:` beside `build:` does, and so does every other place of the file
/// that names it (`docker run NAME`): a registry-wide rule for Docker Hub (`docker.io/` → a
/// mirror) leaves a one-word local name alone and a namespaced one to a human, alike in the build
/// and its uses; the images the file pulls are still renamed.
#[test]
fn a_docker_build_tag_and_its_uses_are_a_locally_built_image() {
    let tree = Tree::new()
        .file(
            "Makefile",
            "build:\n\tdocker build -t javamaven .\n\tdocker buildx build --push -t louislam/uptime-kuma:base2 .\n\tdocker run --rm javamaven\n\tdocker pull maven:3-alpine\n\tdocker push louislam/uptime-kuma:base2\n",
        )
        .file(
            "package.json",
            "{\n  \"scripts\": {\n    \"build-docker\": \"docker build -t o/nightly:2 . && docker run --rm mongo\"\n  }\n}\n",
        )
        .file(
            "Jenkinsfile",
            "node {\n    def app = docker.build(\"acme/toolchain:1\")\n    sh 'docker build -t local-app .'\n    sh 'docker run local-app'\n}\n",
        );
    assert_eq!(
        actions(&tree, "docker.io/", "mirror.example.com/hub/"),
        pairs(&[
            ("review", "acme/toolchain:1"),
            ("review", "louislam/uptime-kuma:base2"),
            ("rewrite", "maven:3-alpine"),
            ("review", "louislam/uptime-kuma:base2"),
            ("review", "o/nightly:2"),
            ("rewrite", "mongo"),
        ])
    );
    // A rule that names the built repository renames the build and its uses.
    assert_eq!(
        actions(&tree, "javamaven", "ghcr.io/acme/javamaven"),
        pairs(&[("rewrite", "javamaven"), ("rewrite", "javamaven")])
    );
    // Another file's `docker run javamaven` is not this build's: an image position as before.
    let other = Tree::new().file("run.sh", "docker run --rm javamaven\n");
    assert_eq!(
        actions(&other, "docker.io/", "mirror.example.com/hub/"),
        pairs(&[("rewrite", "javamaven")])
    );
}
