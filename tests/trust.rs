//! "Never a wrong edit" beyond the finders: the tool's own files are never scanned or rewritten,
//! a rule that changes nothing is refused, and files named on the command line are excluded
//! like any other file.

mod common;

use common::Tree;

const OLD: &str = "ghcr.io/acme/api";
const NEW: &str = "ghcr.io/acme/api-server";

fn git(tree: &Tree, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(tree.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn a_written_baseline_is_never_scanned_or_rewritten_whatever_its_name() {
    let tree = Tree::new()
        .file("deploy/a.yaml", format!("image: {OLD}:1\n"))
        .file("deploy/b.yaml", format!("image: {OLD}:2\n"));
    tree.run(&["check", "--deny", OLD, "--write-baseline", "accepted.json"])
        .expect_code(0);
    // Without --baseline, the baseline file itself must not count as two more stale references.
    let run = tree.run(&["check", "--deny", OLD]).expect_code(1);
    assert!(
        run.stdout().contains("2 stale references in 2 files"),
        "{}",
        run.stdout()
    );
    let before = tree.read("accepted.json");
    tree.run(&["rename", OLD, NEW, "-w", "--allow-dirty"])
        .expect_code(0);
    assert_eq!(
        tree.read("accepted.json"),
        before,
        "the baseline was rewritten"
    );
    assert_eq!(tree.read_str("deploy/a.yaml"), format!("image: {NEW}:1\n"));
}

#[test]
fn save_with_write_neither_refuses_nor_rewrites_the_rule_it_saved() {
    let tree = Tree::new().file(
        "compose.yaml",
        format!("services:\n  api:\n    image: {OLD}:1\n"),
    );
    git(&tree, &["init", "-q"]);
    git(&tree, &["add", "."]);
    git(&tree, &["commit", "-qm", "init"]);
    tree.run(&["rename", OLD, NEW, "--save", "-w"])
        .expect_code(0);
    let config = tree.read_str("reimage.toml");
    assert!(
        config.contains(&format!("from = \"{OLD}\"\nto = \"{NEW}\"")),
        "{config}"
    );
    assert_eq!(
        tree.read_str("compose.yaml"),
        format!("services:\n  api:\n    image: {NEW}:1\n")
    );
}

#[test]
fn configuration_files_anywhere_and_named_configs_are_never_scanned() {
    let rule = format!("[[rename]]\nfrom = \"{OLD}\"\nto = \"{NEW}\"\n");
    let tree = Tree::new()
        .file("rules/migration.toml", &rule)
        .file("vendor/other/reimage.toml", &rule)
        .file("pod.yaml", format!("image: {OLD}:1\n"));
    let run = tree
        .run(&["check", "--config", "rules/migration.toml", "."])
        .expect_code(1);
    assert!(
        run.stdout().contains("1 stale reference in 1 file"),
        "{}",
        run.stdout()
    );
}

#[test]
fn a_rule_that_changes_nothing_is_refused_before_any_file_is_read() {
    let tree = Tree::new().file("pod.yaml", "image: nginx:1.25\n");
    for (from, to) in [
        ("nginx:1.25", "nginx"),
        ("nginx", "nginx"),
        ("nginx:1.25", "docker.io/library/nginx:1.25"),
        ("k8s.gcr.io/", "k8s.gcr.io/"),
    ] {
        let run = tree.run(&["rename", from, to, "."]).expect_code(2);
        assert!(
            run.stderr().contains("nothing would change"),
            "{from} → {to}: {}",
            run.stderr()
        );
    }
    assert_eq!(tree.read_str("pod.yaml"), "image: nginx:1.25\n");
}

#[test]
fn files_named_on_the_command_line_honour_excludes_and_ignore_files() {
    let tree = Tree::new()
        .file(
            "reimage.toml",
            format!("[check]\ndeny = [\"{OLD}\"]\n\n[files]\nexclude = [\"CHANGELOG.md\"]\n"),
        )
        .file(".gitignore", "generated/\n")
        .file("CHANGELOG.md", format!("- moved off `{OLD}`\n"))
        .file("generated/pod.yaml", format!("image: {OLD}:1\n"))
        .file("notes/old.md", format!("We used `{OLD}:1` before.\n"))
        .file("pod.yaml", format!("image: {OLD}:1\n"));
    // As pre-commit calls it: every staged file by name.
    let run = tree
        .run(&[
            "check",
            "--exclude",
            "notes/**",
            "CHANGELOG.md",
            "generated/pod.yaml",
            "notes/old.md",
            "pod.yaml",
        ])
        .expect_code(1);
    let out = run.stdout();
    assert!(out.contains("pod.yaml:1:8"), "{out}");
    assert!(out.contains("1 stale reference in 1 file"), "{out}");
    // Named alone, an excluded file passes.
    tree.run(&["check", "CHANGELOG.md"]).expect_code(0);
    // --no-ignore still honours explicit excludes, but not ignore files.
    let run = tree
        .run(&["check", "--no-ignore", "CHANGELOG.md", "generated/pod.yaml"])
        .expect_code(1);
    assert!(
        run.stdout().contains("generated/pod.yaml:1:8"),
        "{}",
        run.stdout()
    );
}

#[test]
fn each_path_gets_the_configuration_found_above_it() {
    let rule = |from: &str, to: &str| format!("[[rename]]\nfrom = \"{from}\"\nto = \"{to}\"\n");
    let tree = Tree::new()
        .file(
            "a/reimage.toml",
            rule(OLD, NEW) + "\n[files]\nexclude = [\"docs/old/*.md\"]\n",
        )
        .file(
            "b/reimage.toml",
            rule("ghcr.io/acme/web", "ghcr.io/acme/web-next"),
        )
        .file(
            "a/pod.yaml",
            format!("image: {OLD}:1\nsidecar:\n  image: ghcr.io/acme/web:1\n"),
        )
        .file("a/docs/old/notes.md", format!("`{OLD}:0` was the first.\n"))
        .file("a/docs/now.md", format!("Run `{OLD}:1`.\n"))
        .file(
            "b/pod.yaml",
            format!("image: {OLD}:2\nsidecar:\n  image: ghcr.io/acme/web:2\n"),
        );
    tree.run(&["rename", "-w", "--allow-dirty", "a", "b"])
        .expect_code(0);
    assert_eq!(
        tree.read_str("a/pod.yaml"),
        format!("image: {NEW}:1\nsidecar:\n  image: ghcr.io/acme/web:1\n"),
        "a/ takes a/reimage.toml's rule only"
    );
    assert_eq!(
        tree.read_str("b/pod.yaml"),
        format!("image: {OLD}:2\nsidecar:\n  image: ghcr.io/acme/web-next:2\n"),
        "b/ takes b/reimage.toml's rule only"
    );
    assert_eq!(tree.read_str("a/docs/now.md"), format!("Run `{NEW}:1`.\n"));
    assert_eq!(
        tree.read_str("a/docs/old/notes.md"),
        format!("`{OLD}:0` was the first.\n"),
        "a directory glob of a/reimage.toml is relative to a/"
    );
}

#[test]
fn an_uppercase_spelling_of_a_matching_name_is_review_not_silence() {
    let tree = Tree::new().file(
        "pod.yaml",
        format!("image: GHCR.io/acme/api:1\nsidecar:\n  image: {OLD}:2\n"),
    );
    let doc = tree
        .run(&["rename", OLD, NEW, "--format", "json"])
        .expect_code(0)
        .json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert_eq!(findings[0]["old"], "GHCR.io/acme/api:1");
    assert_eq!(findings[0]["action"], "review");
    assert!(findings[0]["note"].as_str().unwrap().contains("uppercase"));
    assert_eq!(findings[1]["action"], "rewrite");
}

#[test]
fn a_broad_rule_leaves_variables_substitutions_code_and_placeholders_alone() {
    let tree = Tree::new()
        .file(
            "release.sh",
            "docker buildx imagetools create -t $tag $(echo $src)\n\
             for svc in api worker; do docker build -t \"$REGISTRY/$svc:$TAG\" .; done | grep flocker\n\
             docker run --rm -e IMAGE_TAG=tmp --name web nginx:1.27 sh -c 'true'\n",
        )
        .file("settings.py", "image_size = 0\nimage_url = f\"{get_url(post_id)}\"\nDEFAULT_IMAGE = \"python:3.12\"\n")
        .file("app.toml", "image_cache_max_size_mb = 512\n[runtime]\nimage = \"node:20\"\n")
        .file(
            "templates/deployment.yaml",
            "image: \"{{ .Values.image.registry | default .Values.global.imageRegistry }}/{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n",
        )
        .file("Dockerfile", "FROM golang:1.22 AS builder\nFROM builder AS test\nCOPY --from=builder /a /b\n")
        .file("docs.md", "```sh\ndocker run your-image:<tag>\n```\n");
    let doc = tree
        .run(&["rename", "docker.io/", "mirror.gcr.io/", "--format", "json"])
        .expect_code(0)
        .json();
    let mut rewritten: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["action"] == "rewrite")
        .map(|f| {
            format!(
                "{}:{}",
                f["path"].as_str().unwrap(),
                f["reference"].as_str().unwrap()
            )
        })
        .collect();
    rewritten.sort();
    assert_eq!(
        rewritten,
        [
            "Dockerfile:golang:1.22",
            "app.toml:node:20",
            "release.sh:nginx:1.27",
            "settings.py:python:3.12"
        ]
    );
}
