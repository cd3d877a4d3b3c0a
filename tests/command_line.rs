//! The command line a newcomer expects (issue 15): standard input and named pipes, arguments
//! that look like both paths and names, diffs that apply from anywhere, sizes with units, walk
//! limits, lock files, and JSON with comments.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{bin, Tree};

/// Runs `reimage ARGS` in `tree` with `input` on standard input.
fn run_with_stdin(tree: &Tree, args: &[&str], input: &[u8]) -> std::process::Output {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(tree.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run reimage");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn dev_stdin_and_a_named_fifo_are_read_not_skipped() {
    let tree = Tree::new();
    let input = b"docker pull ghcr.io/old/app:1\n";
    let out = run_with_stdin(
        &tree,
        &["check", "--deny", "ghcr.io/old/app", "/dev/stdin"],
        input,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("/dev/stdin:1:13  ghcr.io/old/app:1"),
        "{stdout}"
    );

    // As `<(…)` passes it: a FIFO named on the command line, written to while it is read.
    let fifo = tree.path().join("pipe");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    let writer = std::thread::spawn(move || std::fs::write(fifo, input).unwrap());
    let out = Command::new(bin())
        .args(["check", "--deny", "ghcr.io/old/app", "pipe"])
        .current_dir(tree.path())
        .output()
        .unwrap();
    writer.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("pipe:1:13  ghcr.io/old/app:1"), "{stdout}");
}

#[test]
fn stdin_is_one_document_alone_and_never_written() {
    let tree = Tree::new().file("a.yaml", "image: nginx\n");
    let out = run_with_stdin(&tree, &["check", "--deny", "nginx", "-", "a.yaml"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only path"));
    let out = run_with_stdin(&tree, &["rename", "nginx", "caddy", "-", "-w"], b"x\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("prints the rewritten document"));
    let out = run_with_stdin(
        &tree,
        &[
            "rename",
            "nginx",
            "caddy",
            "-",
            "--stdin-filename",
            "values.yaml",
            "--format",
            "json",
        ],
        b"image: nginx:1\n",
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["path"], "values.yaml");
    assert_eq!(json["findings"][0]["new"], "caddy:1");
}

/// Runs `git ARGS` in `dir` with a clean environment for the test.
fn git(dir: &std::path::Path, args: &[&str], input: Option<&[u8]>) -> std::process::Output {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("git");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.unwrap_or_default()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn a_diff_made_in_a_subdirectory_applies_with_git_apply_there() {
    let tree = Tree::new()
        .file("deploy/k8s/app.yaml", "image: ghcr.io/old/app:1\n")
        .file(
            "deploy/compose.yaml",
            "services:\n  a:\n    image: ghcr.io/old/app:2\n",
        )
        .file("README.md", "Pull `ghcr.io/old/app:1`.\n");
    git(tree.path(), &["init", "-q"], None);
    let deploy = tree.path().join("deploy");
    let out = Command::new(bin())
        .args(["rename", "ghcr.io/old/app", "ghcr.io/new/app", "--diff"])
        .current_dir(&deploy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.contains("diff --git a/deploy/k8s/app.yaml b/deploy/k8s/app.yaml"),
        "paths are relative to the work tree root:\n{diff}"
    );
    git(&deploy, &["apply"], Some(diff.as_bytes()));
    assert_eq!(
        tree.read_str("deploy/k8s/app.yaml"),
        "image: ghcr.io/new/app:1\n"
    );
    assert!(tree
        .read_str("deploy/compose.yaml")
        .contains("ghcr.io/new/app:2"));
    assert_eq!(tree.read_str("README.md"), "Pull `ghcr.io/old/app:1`.\n");

    // --diff-root DIR: relative to DIR, for `git apply --directory` or `patch -p1` elsewhere.
    let out = Command::new(bin())
        .args([
            "rename",
            "ghcr.io/new/app",
            "ghcr.io/old/app",
            "--diff",
            "--diff-root",
            ".",
        ])
        .current_dir(&deploy)
        .output()
        .unwrap();
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.contains("--- a/k8s/app.yaml\n+++ b/k8s/app.yaml"),
        "{diff}"
    );
}

#[test]
fn max_depth_limits_the_walk_and_one_file_system_is_accepted() {
    let tree = Tree::new()
        .file("a.yaml", "image: ghcr.io/old/app:0\n")
        .file("one/b.yaml", "image: ghcr.io/old/app:1\n")
        .file("one/two/c.yaml", "image: ghcr.io/old/app:2\n");
    let stale = |extra: &[&str]| {
        let mut args = vec!["check", "--deny", "ghcr.io/old/app", "--format", "json"];
        args.extend(extra);
        tree.run(&args).expect_code(1).json()["summary"]["stale"].clone()
    };
    assert_eq!(stale(&[]), 3);
    assert_eq!(stale(&["--max-depth", "1"]), 1);
    assert_eq!(stale(&["--max-depth", "2"]), 2);
    assert_eq!(stale(&["--one-file-system"]), 3);
}

#[test]
fn progress_prints_plain_lines_when_stderr_is_not_a_terminal() {
    let tree = Tree::new().file("a.yaml", "image: ghcr.io/old/app:0\n");
    let quiet = tree
        .run(&["check", "--deny", "ghcr.io/old/app"])
        .expect_code(1);
    assert_eq!(quiet.stderr(), "", "no progress unless asked for");
    let run = tree
        .run(&["check", "--deny", "ghcr.io/old/app", "--progress"])
        .expect_code(1);
    let stderr = run.stderr();
    assert!(
        stderr.starts_with("reimage: 1 file scanned (") && stderr.ends_with(" files/s)\n"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr:?}"
    );
}

#[test]
fn lock_files_are_skipped_unless_named_and_package_registries_are_not_settings() {
    let lock = "{\n  \"packages\": {\n    \"node_modules/x\": {\n      \"resolved\": \"https://registry.npmjs.org/ghcr.io/old/app\"\n    }\n  }\n}\n";
    let tree = Tree::new()
        .file("web/package-lock.json", lock)
        .file("Cargo.lock", "# ghcr.io/old/app\n")
        .file("go.sum", "ghcr.io/old/app v1\n")
        .file("yarn.lock", "\"ghcr.io/old/app@^1\":\n  version \"1\"\n")
        .file("poetry.lock", "[[package]]\nname = \"ghcr.io/old/app\"\n")
        .file("api/pnpm-lock.yaml", "packages:\n  image: ghcr.io/old/app:1\n")
        .file("composer.lock", "{\"image\": \"ghcr.io/old/app:1\"}\n")
        .file("Gemfile.lock", "GEM\n  remote: ghcr.io/old/app\n")
        .file(
            "web/package.json",
            "{\n  \"dependencies\": {\n    \"language-subtag-registry\": \"~0.3.2\"\n  },\n  \"image\": \"ghcr.io/old/app:1\"\n}\n",
        );
    let run = tree
        .run(&["check", "--deny", "ghcr.io/old/app", "--format", "json"])
        .expect_code(1);
    let json = run.json();
    let paths: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["web/package.json"], "{json}");
    // With a registry moved, a package named `…-registry` is no registry setting to review.
    let run = tree
        .run(&["rename", "docker.io/", "mirror.gcr.io/", "--format", "json"])
        .expect_code(0);
    assert_eq!(run.json()["summary"]["review"], 0, "{}", run.stdout());
    // Named on the command line, a lock file is read.
    tree.run(&["check", "--deny", "ghcr.io/old/app", "go.sum"])
        .expect_code(1);
}

#[test]
fn json_with_comments_is_read_as_jsonc_without_a_warning() {
    let tree = Tree::copy_of("formats/jsonc/in");
    let run = tree
        .run(&["check", "--deny", "ghcr.io/acme/api", "--format", "json"])
        .expect_code(1);
    let json = run.json();
    assert_eq!(json["warnings"], serde_json::json!([]), "{json}");
    // The `image` keys are read from the structure, past comments and trailing commas.
    let structural: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["confidence"] == "structural")
        .map(|f| format!("{}:{}", f["path"].as_str().unwrap(), f["line"]))
        .collect();
    assert_eq!(
        structural,
        [
            ".devcontainer/devcontainer.json:6",
            ".vscode/settings.json:12",
            ".vscode/tasks.json:20"
        ],
        "{json}"
    );
    // A JSON file that is not JSONC either is still reported.
    let tree = Tree::new().file("broken.json", "{\n  \"image\": \"acme/api:1\", [[\n}\n");
    let run = tree.run(&["check", "--deny", "acme/api", "--format", "json"]);
    assert!(run.stdout().contains("not valid JSON"), "{}", run.stdout());
}

#[test]
fn counts_of_one_are_singular() {
    let tree = Tree::new().file("a.yaml", "image: ghcr.io/old/app:0\n");
    let run = tree
        .run(&[
            "check",
            "--deny",
            "ghcr.io/old/app",
            "--write-baseline",
            "b.json",
        ])
        .expect_code(0);
    assert!(
        run.stderr().contains("recorded 1 finding in b.json"),
        "{}",
        run.stderr()
    );
    let run = tree
        .run(&["check", "--deny", "ghcr.io/old/app"])
        .expect_code(1);
    assert!(
        run.stdout()
            .ends_with("1 stale reference in 1 file (yaml 1)\n"),
        "{}",
        run.stdout()
    );
    // One reference left for review when a document is renamed from standard input.
    let out = run_with_stdin(
        &tree,
        &["rename", "ghcr.io/old/app", "ghcr.io/new/app", "-"],
        b"image: ${REGISTRY}/old/app:1\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "reimage: 1 reference needs review and was left as it is; `--check` lists it"
        ),
        "{stderr}"
    );
}
