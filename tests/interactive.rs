//! `rename -i` (issue 15, item 13): each change is shown with its context and asked about; only
//! the accepted ones are written. Answers come from standard input, here a pipe.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{bin, Tree};

const COMPOSE: &str = "services:
  api:
    image: ghcr.io/acme/api:1.4.2
    ports: [\"8080:8080\"]
  worker:
    image: ghcr.io/acme/api:1.4.2
    command: [\"worker\"]
";

const DOCKERFILE: &str = "FROM ghcr.io/acme/api:1.4.2 AS base
RUN echo built
FROM ghcr.io/acme/api:debug
";

fn tree() -> Tree {
    Tree::new()
        .file("compose.yaml", COMPOSE)
        .file("Dockerfile", DOCKERFILE)
}

/// `reimage rename … -i` in `tree` with `answers` on standard input.
fn review(tree: &Tree, extra: &[&str], answers: &str) -> std::process::Output {
    let mut child = Command::new(bin())
        .args([
            "rename",
            "ghcr.io/acme/api",
            "ghcr.io/acme/api-server",
            "-i",
        ])
        .args(extra)
        .current_dir(tree.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run reimage");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn only_accepted_changes_are_written() {
    let tree = tree();
    // Files in path order: Dockerfile (2 changes), then compose.yaml (2 changes).
    let out = review(&tree, &[], "y\nn\nq\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        tree.read_str("Dockerfile"),
        DOCKERFILE.replacen("ghcr.io/acme/api:1.4.2", "ghcr.io/acme/api-server:1.4.2", 1)
    );
    assert_eq!(
        tree.read_str("compose.yaml"),
        COMPOSE,
        "quit declines the rest"
    );
    // The third change was shown and answered `q`; the fourth was never asked.
    assert_eq!(stderr.matches("Apply this change?").count(), 3, "{stderr}");
    assert!(stderr.contains("Dockerfile:1:6  (1 of 4)"), "{stderr}");
    assert!(stderr.contains("- FROM ghcr.io/acme/api:1.4.2 AS base\n+ FROM ghcr.io/acme/api-server:1.4.2 AS base\n  RUN echo built\n"), "{stderr}");
    assert!(
        stderr.contains("1 change accepted, 3 changes declined"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 reference in 1 file changed"), "{stdout}");
    assert!(stdout.contains("kept: declined"), "{stdout}");
}

#[test]
fn all_accepts_the_rest_and_the_end_of_input_quits() {
    let tree = tree();
    let out = review(&tree, &[], "n\na\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        tree.read_str("Dockerfile"),
        DOCKERFILE.replace("api:debug", "api-server:debug")
    );
    assert_eq!(
        tree.read_str("compose.yaml"),
        COMPOSE.replace("acme/api:", "acme/api-server:")
    );

    let tree = self::tree();
    // No answers at all: nothing is written.
    let out = review(&tree, &["--format", "json"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(tree.read_str("Dockerfile"), DOCKERFILE);
    assert_eq!(tree.read_str("compose.yaml"), COMPOSE);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["kept_by_reason"]["declined"], 4, "{json}");
}

#[test]
fn interactive_review_does_not_combine_with_check_diff_or_stdin() {
    let tree = tree();
    for extra in [&["--check"][..], &["--diff"][..], &["-"][..]] {
        let out = review(&tree, extra, "y\n");
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
    }
    assert_eq!(tree.read_str("Dockerfile"), DOCKERFILE);
}
