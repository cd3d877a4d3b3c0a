//! Each rule form on realistic files, and bad rules failing before anything is touched.

mod common;

use common::{assert_same_tree, Tree};

const COMPOSE: &str = "services:
  web:
    image: nginx:1.25-alpine
    volumes:
      - ./nginx.conf:/etc/nginx/nginx.conf:ro
    user: nginx
  proxy:
    image: docker.io/library/nginx@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
  ingress:
    image: registry.k8s.io/ingress-nginx/controller:v1.10.0
  slim:
    image: ghcr.io/acme/nginx-slim:2
";

#[test]
fn hub_short_name_renamed_only_in_image_positions() {
    let tree = Tree::new()
        .file("docker-compose.yml", COMPOSE)
        .file("README.md", "We run nginx behind the proxy; see nginx.conf and nginx/ for config.\n\n```sh\ndocker run --name nginx -p 80:80 nginx:1.25\n```\n")
        .file("Dockerfile", "FROM nginx:1.25 AS nginx\nCOPY --from=nginx /etc/nginx /etc/nginx\nRUN echo nginx\n");
    tree.run(&["rename", "nginx", "ghcr.io/acme/nginx", "-w"])
        .expect_code(0);
    assert_eq!(
        tree.read_str("docker-compose.yml"),
        COMPOSE
            .replace(
                "image: nginx:1.25-alpine",
                "image: ghcr.io/acme/nginx:1.25-alpine"
            )
            .replace("docker.io/library/nginx@", "ghcr.io/acme/nginx@")
    );
    assert_eq!(
        tree.read_str("README.md"),
        "We run nginx behind the proxy; see nginx.conf and nginx/ for config.\n\n```sh\ndocker run --name nginx -p 80:80 ghcr.io/acme/nginx:1.25\n```\n"
    );
    assert_eq!(
        tree.read_str("Dockerfile"),
        "FROM ghcr.io/acme/nginx:1.25 AS nginx\nCOPY --from=nginx /etc/nginx /etc/nginx\nRUN echo nginx\n"
    );
}

#[test]
fn tagged_rule_changes_only_that_tag() {
    let tree = Tree::new().file(
        "k8s/app.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: redis:7.2\n    - name: b\n      image: redis:7.4\n    - name: c\n      image: \"redis\"\n",
    );
    tree.run(&["rename", "redis:7.2", "redis:7.4", "-w"])
        .expect_code(0);
    let text = tree.read_str("k8s/app.yaml");
    assert!(text.contains("image: redis:7.4\n    - name: b\n      image: redis:7.4"));
    assert!(text.contains("image: \"redis\""));
}

#[test]
fn registry_prefix_moves_every_repository_under_it() {
    let tree = Tree::new()
        .file(
            "values.yaml",
            "pause:\n  image: k8s.gcr.io/pause:3.9\ncontroller:\n  image: k8s.gcr.io/ingress-nginx/controller:v1.9.0\nother:\n  image: xk8s.gcr.io/pause:3.9\n",
        )
        .file("docs/upgrade.md", "Images moved off k8s.gcr.io/pause and k8s.gcr.io/etcd:3.5.\n");
    tree.run(&["rename", "k8s.gcr.io/", "registry.k8s.io/", "-w"])
        .expect_code(0);
    assert_eq!(
        tree.read_str("values.yaml"),
        "pause:\n  image: registry.k8s.io/pause:3.9\ncontroller:\n  image: registry.k8s.io/ingress-nginx/controller:v1.9.0\nother:\n  image: xk8s.gcr.io/pause:3.9\n"
    );
    assert_eq!(
        tree.read_str("docs/upgrade.md"),
        "Images moved off registry.k8s.io/pause and registry.k8s.io/etcd:3.5.\n"
    );
}

#[test]
fn whole_docker_hub_to_a_mirror() {
    let tree = Tree::new()
        .file("docker-compose.yml", COMPOSE)
        .file("notes.md", "nginx is great\n");
    tree.run(&["rename", "docker.io/", "mirror.gcr.io/", "-w"])
        .expect_code(0);
    let text = tree.read_str("docker-compose.yml");
    assert!(
        text.contains("image: mirror.gcr.io/library/nginx:1.25-alpine\n"),
        "{text}"
    );
    assert!(
        text.contains("image: mirror.gcr.io/library/nginx@sha256:"),
        "{text}"
    );
    assert!(text.contains("image: registry.k8s.io/ingress-nginx/controller:v1.10.0\n"));
    assert!(text.contains("user: nginx\n"));
    assert_eq!(tree.read_str("notes.md"), "nginx is great\n");
}

#[test]
fn several_rules_apply_together_each_reference_once() {
    let tree = Tree::new().file("config/rules.txt", "").file(
        "deploy.sh",
        "docker pull ghcr.io/a/one:1\ndocker pull ghcr.io/a/two:2\ndocker pull ghcr.io/a/three:3\n",
    );
    // Two runs with different rules compose; the engine applies one rule per reference.
    tree.run(&["rename", "ghcr.io/a/one", "ghcr.io/b/one", "-w"])
        .expect_code(0);
    tree.run(&["rename", "ghcr.io/a/", "ghcr.io/c/", "-w"])
        .expect_code(0);
    assert_eq!(
        tree.read_str("deploy.sh"),
        "docker pull ghcr.io/b/one:1\ndocker pull ghcr.io/c/two:2\ndocker pull ghcr.io/c/three:3\n"
    );
}

#[test]
fn bad_rules_exit_2_before_touching_anything() {
    let tree = Tree::new().file("a.yaml", "image: ghcr.io/a/app:1\n");
    let before = tree.snapshot();
    let cases: &[(&[&str], &str)] = &[
        (
            &["rename", "ghcr.io/a/", "ghcr.io/a/legacy/", "-w"],
            "would be matched by `from` again",
        ),
        (
            &["rename", "ghcr.io/A/app", "ghcr.io/b/app", "-w"],
            "write `ghcr.io/a/app`",
        ),
        (
            &["rename", "ghcr.io/a/app", "ghcr.io/a/app", "-w"],
            "nothing would change",
        ),
        (
            &["rename", "k8s.gcr.io", "registry.k8s.io", "-w"],
            "write the prefix `k8s.gcr.io/`",
        ),
        (
            &["rename", "ghcr.io/a/app", "ghcr.io/b/app:1", "-w"],
            "tags are kept",
        ),
        (
            &["rename", "https://ghcr.io/a/app", "ghcr.io/b/app", "-w"],
            "not an image reference",
        ),
        (
            &["check", "--deny", "ghcr.io/a/app:"],
            "not an image reference",
        ),
    ];
    for (args, message) in cases {
        let run = tree.run(args).expect_code(2);
        assert!(run.stderr().contains(message), "{args:?}: {}", run.stderr());
        assert!(run.stdout().is_empty(), "{args:?} printed a report");
    }
    assert_same_tree(&tree.snapshot(), &before);
}

#[test]
fn missing_path_is_exit_2_with_a_clear_message() {
    let tree = Tree::new();
    let run = tree
        .run(&["check", "--deny", "nginx", "no-such-dir"])
        .expect_code(2);
    assert!(
        run.stderr()
            .contains("no-such-dir: no such file or directory"),
        "{}",
        run.stderr()
    );
}

const WINDOWED: &str = "services:
  new:
    image: quay.io/coreos/prometheus-operator:v0.44.1
  old:
    image: quay.io/coreos/prometheus-operator:v0.40.0
  floating:
    image: quay.io/coreos/prometheus-operator:latest
  bare:
    image: quay.io/coreos/prometheus-operator
";

#[test]
fn tag_window_from_config_renames_inside_keeps_outside_reviews_unknown() {
    let tree = Tree::new().file("compose.yaml", WINDOWED).file(
        "reimage.toml",
        "[[rename]]\nfrom = \"quay.io/coreos/prometheus-operator\"\nto = \"quay.io/prometheus-operator/prometheus-operator\"\ntags = \">=v0.43.0\"\n",
    );
    let doc = tree
        .run(&["rename", "--format", "json"])
        .expect_code(0)
        .json();
    let got: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["reference"].as_str().unwrap(),
                f["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("quay.io/coreos/prometheus-operator:v0.44.1", "rewrite"),
            ("quay.io/coreos/prometheus-operator:latest", "review"),
            ("quay.io/coreos/prometheus-operator", "review"),
        ]
    );
    assert_eq!(
        doc["findings"][0]["rule"],
        "quay.io/coreos/prometheus-operator → quay.io/prometheus-operator/prometheus-operator (tags >=v0.43.0)"
    );
    assert!(doc["findings"][1]["note"]
        .as_str()
        .unwrap()
        .contains("no tag or one that is not a version"));
    tree.run(&["rename", "-w"]).expect_code(0);
    assert_eq!(
        tree.read_str("compose.yaml"),
        WINDOWED.replace(
            "quay.io/coreos/prometheus-operator:v0.44.1",
            "quay.io/prometheus-operator/prometheus-operator:v0.44.1"
        )
    );
    // `check` fails on the rewrite, then passes once it is done (reviews do not fail it).
    let fresh = Tree::new().file("compose.yaml", WINDOWED);
    fresh
        .run(&[
            "rename",
            "quay.io/coreos/prometheus-operator",
            "quay.io/prometheus-operator/prometheus-operator",
            "--tags",
            ">=v0.43.0",
            "--check",
        ])
        .expect_code(1);
    tree.run(&["check"]).expect_code(0);
}

#[test]
fn tags_on_the_command_line_are_saved_with_the_rule() {
    let tree = Tree::new().file("compose.yaml", WINDOWED);
    tree.run(&[
        "rename",
        "quay.io/coreos/prometheus-operator",
        "quay.io/prometheus-operator/prometheus-operator",
        "--tags",
        ">=v0.43.0",
        "--save",
    ])
    .expect_code(0);
    let saved = tree.read_str("reimage.toml");
    assert!(saved.contains("tags = \">=v0.43.0\""), "{saved}");
    // Read back, the saved rule does the same.
    let doc = tree
        .run(&["rename", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(doc["summary"]["rewrite"], 1);
    assert_eq!(doc["summary"]["review"], 2);
    let err = tree
        .run(&["rename", "--tags", ">=soon", "a/b", "a/c"])
        .expect_code(2)
        .stderr();
    assert!(err.contains("not a tag window"), "{err}");
    let err = tree.run(&["rename", "--set-tag"]).expect_code(2).stderr();
    assert!(
        err.contains("apply to FROM TO on the command line"),
        "{err}"
    );
}

#[test]
fn set_tag_puts_one_tag_everywhere_and_notes_dropped_digests() {
    let original = "services:
  a:
    image: nginx:1.25
  b:
    image: docker.io/library/nginx:1.24-alpine@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
  c:
    image: nginx
  d:
    image: nginx:1.27
  other:
    image: nginx/nginx-prometheus-exporter:1.1.0
";
    let tree = Tree::new().file("compose.yaml", original);
    // Without the flag: the refusal, which names the flag.
    let err = tree
        .run(&["rename", "nginx", "nginx:1.27"])
        .expect_code(2)
        .stderr();
    assert!(err.contains("add --set-tag"), "{err}");
    let doc = tree
        .run(&[
            "rename",
            "nginx",
            "nginx:1.27",
            "--set-tag",
            "--format",
            "json",
        ])
        .expect_code(0)
        .json();
    assert_eq!(doc["summary"]["rewrite"], 3);
    assert_eq!(
        doc["findings"][1]["note"],
        "digest sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 dropped: the new tag names another manifest"
    );
    let run = tree
        .run(&["rename", "nginx", "nginx:1.27", "--set-tag", "-w"])
        .expect_code(0);
    assert!(
        run.stdout().contains("1 digest dropped"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        tree.read_str("compose.yaml"),
        original
            .replace("nginx:1.25\n", "nginx:1.27\n")
            .replace("nginx:1.24-alpine@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "nginx:1.27")
            .replace("image: nginx\n", "image: nginx:1.27\n")
    );
    // Idempotent.
    tree.run(&["rename", "nginx", "nginx:1.27", "--set-tag", "--check"])
        .expect_code(0);
}

#[test]
fn a_bare_registry_under_a_windowed_prefix_rule_is_a_review() {
    let tree = Tree::new().file(
        "values.yaml",
        "image:\n  registry: k8s.gcr.io\n  repository: pause\n  tag: \"3.9\"\nold:\n  registry: k8s.gcr.io\n  repository: pause\n  tag: \"2.0\"\nsidecar:\n  image: k8s.gcr.io\n",
    );
    let doc = tree
        .run(&[
            "rename",
            "k8s.gcr.io/",
            "registry.k8s.io/",
            "--tags",
            ">=3.0",
            "--format",
            "json",
        ])
        .expect_code(0)
        .json();
    let got: Vec<(u64, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["action"].as_str().unwrap()))
        .collect();
    // The map in the window moves, the one before it stays, the bare registry has no tag.
    assert_eq!(got, [(2, "rewrite"), (10, "review")]);
}

#[test]
fn helm_split_map_moves_its_registry_and_global_registry_is_a_setting() {
    let tree = Tree::new().file(
        "values.yaml",
        "image:\n  registry: k8s.gcr.io\n  repository: pause\n  tag: \"3.9\"\nglobal:\n  imageRegistry: k8s.gcr.io\n",
    );
    let doc = tree
        .run(&[
            "rename",
            "k8s.gcr.io/",
            "registry.k8s.io/",
            "--format",
            "json",
        ])
        .expect_code(0)
        .json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert_eq!(findings[0]["reference"], "k8s.gcr.io/pause:3.9");
    assert_eq!(findings[0]["new_reference"], "registry.k8s.io/pause:3.9");
    // `old` is the file's bytes at `byte_range`, from the first part of the map to the last.
    let text = tree.read_str("values.yaml");
    let range = &findings[0]["byte_range"];
    let range = range[0].as_u64().unwrap() as usize..range[1].as_u64().unwrap() as usize;
    assert_eq!(findings[0]["old"], text[range]);
    assert_eq!(
        findings[0]["new"],
        "registry.k8s.io\n  repository: pause\n  tag: \"3.9"
    );
    assert_eq!(findings[0]["edits"][0]["old"], "k8s.gcr.io");
    assert_eq!(findings[0]["edits"][0]["new"], "registry.k8s.io");
    // `global.imageRegistry` equal to the prefix is a registry setting the rule moves whole.
    assert_eq!(findings[1]["action"], "rewrite");
    assert_eq!(findings[1]["confidence"], "setting");
    assert_eq!(findings[1]["line"], 6);
    tree.run(&["rename", "k8s.gcr.io/", "registry.k8s.io/", "-w"])
        .expect_code(0);
    assert_eq!(
        tree.read_str("values.yaml"),
        "image:\n  registry: registry.k8s.io\n  repository: pause\n  tag: \"3.9\"\nglobal:\n  imageRegistry: registry.k8s.io\n"
    );
}

#[test]
fn a_registry_setting_wider_than_the_rule_is_reviewed_outside_a_matching_map() {
    let tree = Tree::new().file(
        "values.yaml",
        "global:\n  imageRegistry: quay.io\nexporter:\n  image:\n    registry: quay.io\n    repository: prometheus/node-exporter\n    tag: v1.8.2\nother:\n  image:\n    registry: quay.io\n    repository: jetstack/cert-manager-controller\n",
    );
    let doc = tree
        .run(&[
            "rename",
            "quay.io/prometheus/",
            "ghcr.io/acme/prometheus/",
            "--format",
            "json",
        ])
        .expect_code(0)
        .json();
    let findings: Vec<(u64, &str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["action"].as_str().unwrap(),
                f["confidence"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [(2, "review", "review"), (5, "rewrite", "structural")],
        "{doc}"
    );
}

#[test]
fn registry_settings_have_their_own_confidence_and_fail_check() {
    let tree = Tree::new()
        .file(
            "Makefile",
            "REGISTRY ?= k8s.gcr.io\nIMAGE := $(REGISTRY)/addon-manager\n",
        )
        .file(
            "package.json",
            "{\"dependencies\": {\"language-subtag-registry\": \"~0.3.2\"}}\n",
        );
    let doc = tree
        .run(&["check", "--deny", "k8s.gcr.io/", "--format", "json"])
        .expect_code(1)
        .json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["confidence"], "setting");
    assert_eq!(findings[0]["action"], "stale");
    assert_eq!(doc["summary"]["stale"], 1);
    let github = tree
        .run(&["check", "--deny", "k8s.gcr.io/", "--format", "github"])
        .expect_code(1);
    assert!(
        github.stdout().contains("title=Retired registry setting::"),
        "{}",
        github.stdout()
    );
    let markdown = tree
        .run(&["check", "--deny", "k8s.gcr.io/", "--format", "markdown"])
        .expect_code(1);
    assert!(
        markdown.stdout().contains("| makefile, setting | stale |"),
        "{}",
        markdown.stdout()
    );
    tree.run(&["rename", "k8s.gcr.io/", "registry.k8s.io/", "-w"])
        .expect_code(0);
    assert_eq!(
        tree.read_str("Makefile"),
        "REGISTRY ?= registry.k8s.io\nIMAGE := $(REGISTRY)/addon-manager\n"
    );
}

#[test]
fn an_image_map_in_code_vouches_only_for_versioned_short_names() {
    let tree = Tree::new().file(
        "assets.py",
        "# Pictures shown on the landing page.\nimages = [\n    \"icons/app\",\n    \"hero/banner\",\n]\n\nTEST_IMAGES = [\n    \"bitnami/redis:7.2.4\",\n    \"icons/app\",\n]\n",
    );
    let doc = tree
        .run(&["rename", "docker.io/", "mirror.gcr.io/", "--format", "json"])
        .expect_code(0)
        .json();
    let found: Vec<(u64, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["old"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [(8, "bitnami/redis:7.2.4")], "{doc}");
}

#[test]
fn image_keys_further_on_a_line_of_code_vouch_only_for_versioned_names() {
    let tree = Tree::new().file(
        "bundle.min.js",
        "var a={backgroundImage:\"none\",image:\"hero\",borderImage:\"inherit\"},b={name:\"x\",image:\"bitnami/redis:7.2.4\"};\nbackgroundImage: \"none\",\n",
    );
    let doc = tree
        .run(&["rename", "docker.io/", "mirror.gcr.io/", "--format", "json"])
        .expect_code(0)
        .json();
    let found: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["old"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["bitnami/redis:7.2.4"], "{doc}");
}
