//! The README, run as a newcomer would (issue 15, "done when"): every ```sh block's commands run
//! against a fresh copy of a bundled tree with the binary under test, and exit as the README says;
//! every output the README shows is the output a run prints.
//!
//! Conventions, written as HTML comments on the line before a fence (invisible when rendered):
//! - `<!-- readme-test: skip (REASON) -->`: the block is not run (network, other tools, long runs).
//! - `<!-- readme-test: in testdata/DIR[, in sequence] -->`: run in a copy of that tree instead of
//!   `testdata/seed/repo`; `in sequence` runs the block's commands one after another in one copy
//!   (a workflow), otherwise each command gets a fresh copy (alternatives).
//! - `<!-- readme-test: in a checkout -->`: run where a clone's `testdata/seed/repo` is (a copy
//!   of it at that path in a temporary directory).
//! - `<!-- readme-test: output of reimage ARGS -->` before a ```text block: each of its lines is a
//!   line of what `reimage ARGS` prints in `testdata/seed/repo`.
//!
//! In a block that runs, a line is `reimage ARGS` (or `cargo run --release -- ARGS`, the same
//! binary), `cargo install --path .` (which built the binary under test) or `cargo test` (this
//! suite); anything else fails here until it is marked. A command exits 0 unless its comment says
//! `exit N`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{bin, copy_dir, testdata_path};

const DEFAULT_TREE: &str = "testdata/seed/repo";

/// A fenced block of the README.
#[derive(Debug)]
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    info: String,
    body: Vec<String>,
    /// The `readme-test:` marker on the line before the fence.
    marker: Option<String>,
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].strip_prefix("```") else {
            i += 1;
            continue;
        };
        let marker = i
            .checked_sub(1)
            .and_then(|p| lines[p].trim().strip_prefix("<!-- readme-test:"))
            .and_then(|m| m.strip_suffix("-->"))
            .map(|m| m.trim().to_owned());
        let start = i;
        let mut body = Vec::new();
        i += 1;
        while i < lines.len() && !lines[i].starts_with("```") {
            body.push(lines[i].to_owned());
            i += 1;
        }
        blocks.push(Block {
            line: start + 1,
            info: info.trim().to_owned(),
            body,
            marker,
        });
        i += 1;
    }
    blocks
}

/// Where a checkout's commands run: a directory holding `testdata/seed/repo`.
const CHECKOUT: &str = "a checkout";

/// A temporary copy of `tree` (a path relative to the repository), or a directory holding a copy
/// of the seed repository at its place in a checkout.
fn copy(tree: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if tree == CHECKOUT {
        copy_dir(
            &testdata_path("seed/repo"),
            &dir.path().join("testdata/seed/repo"),
        );
        return dir;
    }
    let from = testdata_path(
        tree.strip_prefix("testdata/")
            .expect("a tree under testdata/"),
    );
    assert!(from.is_dir(), "{tree} is no directory");
    copy_dir(&from, dir.path());
    dir
}

/// What one README line asks for.
enum Step {
    Run { args: Vec<String>, exit: i32 },
    Nothing,
}

fn step(line: &str, at: usize) -> Step {
    let (command, comment) = match line.find(" #") {
        Some(i) => (line[..i].trim(), &line[i + 2..]),
        None => (line.trim(), ""),
    };
    let exit = comment
        .split("exit ")
        .nth(1)
        .and_then(|rest| rest.chars().next())
        .and_then(|c| c.to_digit(10))
        .map_or(0, |d| d as i32);
    let args = if let Some(rest) = command.strip_prefix("reimage ") {
        rest
    } else if let Some(rest) = command.strip_prefix("cargo run --release -- ") {
        rest
    } else if matches!(command, "" | "cargo install --path ." | "cargo test") {
        return Step::Nothing;
    } else {
        panic!("README.md:{at}: `{line}` cannot run here: mark its block `<!-- readme-test: skip (why) -->`");
    };
    assert!(
        !args.contains(['|', '<', '>', '$', '`', '"', '\'']),
        "README.md:{at}: `{line}` needs a shell: mark its block `<!-- readme-test: skip (why) -->`"
    );
    Step::Run {
        args: args.split_whitespace().map(str::to_owned).collect(),
        exit,
    }
}

fn run(dir: &Path, args: &[String]) -> std::process::Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .stdin(Stdio::null())
        .output()
        .expect("run reimage")
}

#[test]
fn every_shell_block_runs_and_exits_as_documented() {
    let text = readme();
    let mut ran = 0;
    let mut skipped = 0;
    for block in blocks(&text).iter().filter(|b| b.info == "sh") {
        let marker = block.marker.as_deref().unwrap_or("");
        if let Some(reason) = marker.strip_prefix("skip") {
            assert!(
                reason.trim().starts_with('(') && reason.len() > 4,
                "README.md:{}: say why the block is skipped",
                block.line
            );
            skipped += 1;
            continue;
        }
        let tree = match marker {
            "in a checkout" => CHECKOUT.to_owned(),
            _ => marker
                .split(',')
                .find_map(|part| part.trim().strip_prefix("in testdata/"))
                .map_or(DEFAULT_TREE.to_owned(), |t| format!("testdata/{t}")),
        };
        let sequence = marker.contains("in sequence");
        let shared = copy(&tree);
        for (n, line) in block.body.iter().enumerate() {
            let at = block.line + 1 + n;
            let Step::Run { args, exit } = step(line, at) else {
                continue;
            };
            let fresh;
            let dir = if sequence {
                shared.path()
            } else {
                fresh = copy(&tree);
                fresh.path()
            };
            let out = run(dir, &args);
            assert_eq!(
                out.status.code(),
                Some(exit),
                "README.md:{at}: `reimage {}` in {tree}\nstdout:\n{}\nstderr:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 15, "only {ran} README commands ran");
    assert!(skipped <= 5, "{skipped} README blocks skipped");
}

#[test]
fn every_output_shown_is_what_the_command_prints() {
    let text = readme();
    let mut checked = 0;
    for block in blocks(&text) {
        let Some(command) = block
            .marker
            .as_deref()
            .and_then(|m| m.strip_prefix("output of reimage "))
        else {
            continue;
        };
        let args: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
        let dir = copy(DEFAULT_TREE);
        let out = run(dir.path(), &args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let printed: Vec<&str> = stdout.lines().collect();
        for line in &block.body {
            assert!(
                printed.contains(&line.as_str()),
                "README.md:{}: `reimage {command}` does not print\n{line}\nIt prints:\n{stdout}",
                block.line
            );
        }
        checked += 1;
    }
    assert!(checked >= 1, "no output block is checked");
}

#[test]
fn the_configuration_shown_is_the_one_the_readme_runs_with() {
    let text = readme();
    let toml = blocks(&text)
        .into_iter()
        .find(|b| b.info == "toml" && b.body.iter().any(|l| l == "[[rename]]"))
        .expect("a reimage.toml example");
    let bundled = std::fs::read_to_string(testdata_path("readme/repo/reimage.toml")).unwrap();
    assert_eq!(toml.body.join("\n") + "\n", bundled);
}
