//! Resource limits (issue 12, items 3 and 19): a large JSON file is read in memory a small
//! multiple of its size, and a process limit that allows few or no threads slows a run down but
//! never stops, panics or hangs it.
//!
//! The memory test sets `RLIMIT_AS` in the child before it runs. `RLIMIT_NPROC` is not enforced
//! for root, and counts every process of a user: the thread tests run the binary through
//! `setpriv` as a user of their own (uid 65531) under `prlimit --nproc`, first checking that the
//! limit bites (a fork under it fails); they need root for that, and are skipped otherwise. The
//! single-threaded walk is also reached with `REIMAGE_TEST_MAX_THREADS=0`, a test hook, so that
//! it is tested as any user.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Tree;

const OLD: &str = "ghcr.io/gdtiti/grok2api";
const NEW: &str = "ghcr.io/gdtiti/grok2api-api";
const UID: &str = "65531";

fn bin() -> std::ffi::OsString {
    common::bin()
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Waits for `command` at most `limit`; `None` when it had to be killed.
fn run_within(mut command: Command, limit: Duration) -> Option<std::process::Output> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while start.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

// 19. Memory.

/// A 4.5 MB JSON document of 1.5 million small values, one image among them: the YAML parser
/// queued every token (about 300 MB here); the JSON reader needs little more than the file.
#[test]
fn a_large_json_file_is_listed_under_a_tight_address_space_limit() {
    let mut text =
        String::from(r#"{"services": {"web": {"image": "ghcr.io/acme/web:1"}}, "samples": ["#);
    for i in 0..1_500_000 {
        if i > 0 {
            text.push_str(", ");
        }
        text.push(char::from(b'0' + (i % 10) as u8));
    }
    text.push_str("]}\n");
    let tree = Tree::new().file("metrics.json", &text);
    let args = ["list", "-j", "1", "--format", "json", "."];
    let command = with_address_space(tree.path(), &args, 256 << 20);
    let out = run_within(command, Duration::from_secs(120)).expect("finishes");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reference"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["ghcr.io/acme/web:1"]);
    assert!(doc["warnings"].as_array().unwrap().is_empty(), "{doc:#}");
}

/// `reimage ARGS` in `dir` with its address space limited to `limit` bytes.
fn with_address_space(dir: &Path, args: &[&str], limit: u64) -> Command {
    let mut command = Command::new(bin());
    command.args(args).current_dir(dir);
    // SAFETY: `setrlimit` is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(move || {
            let limit = rustix::process::Rlimit {
                current: Some(limit),
                maximum: Some(limit),
            };
            rustix::process::setrlimit(rustix::process::Resource::As, limit)?;
            Ok(())
        });
    }
    command
}

/// A 30 MB file (under the 64 MiB size limit) and ever less address space: the run succeeds
/// until the file's buffer cannot be allocated, which is then an error line for the file (exit 2),
/// never an abort.
#[test]
fn a_file_whose_buffer_cannot_be_allocated_is_reported_not_an_abort() {
    let line = format!("{}\n", "x".repeat(99));
    let tree = Tree::new().file("big.txt", line.repeat(300_000));
    let args = ["list", "-j", "1", "--format", "json", "."];
    for mib in (10..=120u64).rev().step_by(10) {
        let out = run_within(
            with_address_space(tree.path(), &args, mib << 20),
            Duration::from_secs(60),
        )
        .expect("finishes");
        let stdout = String::from_utf8_lossy(&out.stdout);
        match out.status.code() {
            Some(0) => continue,
            Some(2) if stdout.contains("not enough memory to read 30000001 bytes") => return,
            _ => panic!(
                "at {mib} MiB: {:?}\n{stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
    panic!("the file was read even in 10 MiB of address space");
}

// 3. Threads.

/// Files in several directories, all writable by the test user.
fn shared_tree(files: usize) -> Tree {
    let mut tree = Tree::new();
    for i in 0..files {
        tree = tree.file(
            &format!("d{}/f{i}.yaml", i % 5),
            format!("image: {OLD}:{i}\n"),
        );
    }
    make_shared(tree.path());
    tree
}

fn make_shared(dir: &Path) {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o777)).unwrap();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            make_shared(&path);
        } else {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
        }
    }
}

/// `ARGS` run as the test user under `prlimit --nproc=N`.
fn under_nproc(dir: &Path, nproc: usize, program: &std::ffi::OsStr, args: &[&str]) -> Command {
    let mut command = Command::new("setpriv");
    command
        .args([
            &format!("--reuid={UID}"),
            &format!("--regid={UID}"),
            "--clear-groups",
            "prlimit",
        ])
        .arg(format!("--nproc={nproc}:{nproc}"))
        .arg(program)
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    command
}

#[test]
fn runs_under_a_process_limit_degrade_to_fewer_threads_and_finish() {
    if !is_root() {
        eprintln!("skipped: RLIMIT_NPROC needs a user of its own, which needs root");
        return;
    }
    let tree = shared_tree(60);
    // The limit bites: under one process, the user cannot fork.
    let fork = under_nproc(tree.path(), 1, "sh".as_ref(), &["-c", "(true)"])
        .output()
        .expect("setpriv and prlimit run");
    assert!(!fork.status.success(), "RLIMIT_NPROC is not enforced here");

    // One process (no thread at all), then a few threads: the walker counts the threads it can
    // start, and runs on the calling thread when it can start none.
    for nproc in [1, 2, 3, 5] {
        let rename = ["rename", OLD, NEW, "-q", "--format", "json", "."];
        let out = run_within(
            under_nproc(tree.path(), nproc, &bin(), &rename),
            Duration::from_secs(60),
        )
        .unwrap_or_else(|| panic!("--nproc={nproc}: the run hung"));
        assert_eq!(
            out.status.code(),
            Some(0),
            "--nproc={nproc}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["summary"]["rewrite"], 60, "--nproc={nproc}");
    }

    let write = ["rename", OLD, NEW, "-w", "-q", "."];
    let out = run_within(
        under_nproc(tree.path(), 1, &bin(), &write),
        Duration::from_secs(60),
    )
    .expect("the writing run finishes");
    assert_eq!(out.status.code(), Some(0));
    for i in 0..60 {
        let path = format!("d{}/f{i}.yaml", i % 5);
        assert_eq!(tree.read_str(&path), format!("image: {NEW}:{i}\n"));
    }
}

#[test]
fn the_walk_runs_on_the_calling_thread_when_no_thread_can_be_started() {
    let tree = shared_tree(40);
    let out = Command::new(bin())
        .args(["rename", OLD, NEW, "-w", "-q", "--allow-dirty", "."])
        .env("REIMAGE_TEST_MAX_THREADS", "0")
        .current_dir(tree.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    for i in 0..40 {
        let path = format!("d{}/f{i}.yaml", i % 5);
        assert_eq!(tree.read_str(&path), format!("image: {NEW}:{i}\n"));
    }
}

// 3. A run that stops early says which files it wrote.

#[test]
fn a_run_interrupted_while_writing_reports_which_files_were_written() {
    let mut tree = Tree::new();
    for i in 10..40 {
        tree = tree.file(&format!("f{i}.yaml"), format!("image: {OLD}:{i}\n"));
    }
    let child = Command::new(bin())
        .args(["rename", OLD, NEW, "-w", "-j", "1", "--format", "json", "."])
        .env("REIMAGE_TEST_DELAY_BEFORE_RENAME_MS", "150")
        .current_dir(tree.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupted once the first file is written (each write waits 150 ms before its rename).
    let start = Instant::now();
    while !tree.read_str("f10.yaml").contains(NEW) {
        assert!(start.elapsed() < Duration::from_secs(60), "nothing written");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a whole report");
    let not_written: Vec<&str> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(
                e["message"].as_str().unwrap().contains("interrupted"),
                "{e}"
            );
            e["path"].as_str().unwrap()
        })
        .collect();
    let written: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["action"] == "rewrite")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(!written.is_empty() && !not_written.is_empty(), "{doc:#}");
    assert_eq!(written.len() + not_written.len(), 30);
    for i in 10..40 {
        let name = format!("f{i}.yaml");
        let now = tree.read_str(&name);
        if written.contains(&name.as_str()) {
            assert_eq!(
                now,
                format!("image: {NEW}:{i}\n"),
                "{name} reported written"
            );
        } else {
            assert!(
                not_written.contains(&name.as_str()),
                "{name} in neither list"
            );
            assert_eq!(
                now,
                format!("image: {OLD}:{i}\n"),
                "{name} reported not written"
            );
        }
    }
}
