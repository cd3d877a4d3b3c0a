//! Odd paths and odd readers: overlapping path arguments, non-UTF-8 and special-character file
//! names, a reader that closes the pipe early, and `--save` on symlinked or restricted files.

mod common;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use common::Tree;

const OLD: &str = "ghcr.io/acme/api";
const NEW: &str = "ghcr.io/acme/api-server";

#[test]
fn overlapping_paths_are_walked_once() {
    let tree = Tree::new()
        .file("sub/pod.yaml", format!("image: {OLD}:1\n"))
        .file("top.yaml", format!("image: {OLD}:2\n"));
    let run = tree
        .run(&["rename", OLD, NEW, "-w", ".", "sub", "./sub/"])
        .expect_code(0);
    assert!(
        run.stdout().contains("2 references in 2 files changed"),
        "{}",
        run.stdout()
    );
    assert_eq!(tree.read_str("sub/pod.yaml"), format!("image: {NEW}:1\n"));
}

#[test]
fn a_closed_pipe_keeps_the_runs_exit_code() {
    let mut tree = Tree::new();
    for i in 0..400 {
        tree = tree.file(
            &format!("d/pod-{i:03}.yaml"),
            format!("image: {OLD}:{i}\n").repeat(20),
        );
    }
    for (args, code) in [
        (vec!["check", "--deny", OLD], 1),
        (vec!["rename", OLD, NEW], 0),
    ] {
        let mut child = Command::new(common::bin())
            .args(&args)
            .current_dir(tree.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // The reader is gone (`| head -1`); the report is far larger than a pipe's buffer.
        let status = child.wait().unwrap();
        assert!(first.contains(OLD), "{first}");
        assert_eq!(status.code(), Some(code), "{args:?}");
    }
}

#[test]
fn non_utf8_paths_are_accepted_and_diffs_quote_special_names() {
    let tree = Tree::new();
    let latin = OsStr::from_bytes(b"caf\xe9");
    let odd_dir = tree.path().join(latin);
    std::fs::create_dir(&odd_dir).unwrap();
    std::fs::write(odd_dir.join("pod.yaml"), format!("image: {OLD}:1\n")).unwrap();
    let tabbed = tree.path().join("tab\there \"q\".yaml");
    std::fs::write(&tabbed, format!("image: {OLD}:2\n")).unwrap();
    std::fs::write(tree.path().join("plain.yaml"), format!("image: {OLD}:3\n")).unwrap();

    let output = Command::new(common::bin())
        .arg("rename")
        .arg(OLD)
        .arg(NEW)
        .arg("--diff")
        .arg(latin)
        .arg(".")
        .current_dir(tree.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let diff = String::from_utf8(output.stdout).unwrap();
    assert!(diff.contains("\"a/caf\\351/pod.yaml\""), "{diff}");
    assert!(diff.contains("\"a/tab\\there \\\"q\\\".yaml\""), "{diff}");
    let patch = tree.path().join("../odd-paths.patch");
    std::fs::write(&patch, &diff).unwrap();
    let status = Command::new("git")
        .args(["apply", "--verbose"])
        .arg(&patch)
        .current_dir(tree.path())
        .status()
        .unwrap();
    std::fs::remove_file(&patch).unwrap();
    assert!(status.success(), "git apply failed on\n{diff}");
    for file in [
        odd_dir.join("pod.yaml"),
        tabbed,
        tree.path().join("plain.yaml"),
    ] {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(NEW), "{}: {text}", file.display());
    }
}

#[test]
fn save_checks_the_rule_first_keeps_the_mode_and_writes_through_a_link() {
    let tree = Tree::new()
        .file("shared/rules.toml", "# team rules\n")
        .file("pod.yaml", format!("image: {OLD}:1\n"));
    let shared = tree.path().join("shared/rules.toml");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("shared/rules.toml", tree.path().join("reimage.toml")).unwrap();

    // A rejected rule is never written.
    tree.run(&["rename", OLD, OLD, "--save"]).expect_code(2);
    assert_eq!(tree.read_str("shared/rules.toml"), "# team rules\n");

    tree.run(&["rename", OLD, NEW, "--save"]).expect_code(0);
    let link = std::fs::symlink_metadata(tree.path().join("reimage.toml")).unwrap();
    assert!(
        link.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    let saved = tree.read_str("shared/rules.toml");
    assert!(saved.starts_with("# team rules\n"), "{saved}");
    assert!(saved.contains(&format!("from = \"{OLD}\"")), "{saved}");
    let mode = std::fs::metadata(&shared).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn an_ignore_file_above_the_repository_does_not_hide_its_files() {
    // A dotfiles `~/.gitignore` holding `*`, above a repository with its own `.gitignore`.
    let tree = Tree::new()
        .file(".gitignore", "*\n")
        .file("repo/.gitignore", "build/\n")
        .file("repo/pod.yaml", format!("image: {OLD}:1\n"))
        .file("repo/build/pod.yaml", format!("image: {OLD}:2\n"));
    let status = Command::new("git")
        .args(["init", "-q", "repo"])
        .current_dir(tree.path())
        .status()
        .unwrap();
    assert!(status.success());
    let run = tree.run(&["check", "--deny", OLD, "repo"]).expect_code(1);
    let out = run.stdout();
    assert!(out.contains("repo/pod.yaml:1:8"), "{out}");
    assert!(out.contains("1 stale reference in 1 file"), "{out}");
}

#[test]
fn wide_encodings_stray_nuls_and_binaries_are_reported() {
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            format!("image: {OLD}:1\n")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let tree = Tree::new()
        .file("wide.yaml", utf16)
        .file("stray.yaml", format!("image: {OLD}:1\n\0\n"))
        .file("blob.bin", format!("\0\0{OLD}\0"))
        .file("pod.yaml", format!("image: {OLD}:2\n"));
    let run = tree.run(&["check", "--deny", OLD]).expect_code(1);
    let out = run.stdout();
    assert!(out.contains("wide.yaml: warning: UTF-16LE text"), "{out}");
    assert!(
        out.contains("stray.yaml: warning: a NUL byte at offset"),
        "{out}"
    );
    assert!(!out.contains("blob.bin: warning"), "{out}");
    assert!(
        out.contains("; 2 binary files skipped; 2 warnings"),
        "{out}"
    );
}
