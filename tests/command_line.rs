//! The command line a newcomer expects (issue 15): standard input and named pipes, arguments
//! that look like both paths and names, diffs that apply from anywhere, sizes with units, walk
//! limits, and lock files.

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
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, input).unwrap())
    };
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
