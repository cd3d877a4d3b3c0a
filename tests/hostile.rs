//! Hostile and odd trees (issue 12): the dirty-tree guard fails closed, metadata is kept, races
//! are closed or reported, no code from the scanned tree runs, `.git` is never touched, FIFOs do
//! not block and long names fit.
//!
//! Race tests make their window certain with `REIMAGE_TEST_DELAY_BEFORE_RENAME_MS`, which makes
//! `rename -w` sleep after writing each temporary file and before its last check and rename.
//! Tests that need another user run the binary through `setpriv` as uid/gid 65534 when the tests
//! run as root, and are skipped (with a note) otherwise. `REIMAGE_TEST_BIN` runs the tests against
//! another build of the binary (to see them fail on an older one).

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Run, Tree};

const OLD: &str = "ghcr.io/gdtiti/grok2api";
const NEW: &str = "ghcr.io/gdtiti/grok2api-api";
const DELAY: &str = "REIMAGE_TEST_DELAY_BEFORE_RENAME_MS";
const NOBODY: u32 = 65534;

fn bin() -> PathBuf {
    std::env::var_os("REIMAGE_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_reimage")))
}

/// `reimage ARGS` in `dir`, with no system git configuration and an empty global one (no
/// `safe.directory` of the machine's).
fn reimage(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(bin());
    command
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    command
}

fn exec(mut command: Command) -> Run {
    Run {
        output: command.output().expect("run reimage"),
    }
}

fn rename_write(dir: &Path) -> Run {
    exec(reimage(dir, &["rename", OLD, NEW, "-w"]))
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// `reimage ARGS` in `dir` as uid/gid 65534 (the tests run as root), or `None` when that is not
/// possible here.
fn as_nobody(dir: &Path, args: &[&str]) -> Option<Run> {
    if !is_root() {
        eprintln!("skipped: needs root to run as another user");
        return None;
    }
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin())
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    Some(exec(command))
}

/// Runs git in `dir` with a fixed identity and no machine configuration.
#[track_caller]
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn committed_repo(dir: &Path) {
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "init"]);
}

fn image(tag: &str) -> String {
    format!("image: {OLD}:{tag}\n")
}

fn renamed(tag: &str) -> String {
    format!("image: {NEW}:{tag}\n")
}

/// Waits for `child` at most `limit`; kills it and returns `None` if it is still running.
fn wait_at_most(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if started.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until a temporary file of ours appears in `dir` (the run is past writing it), or the
/// child ends first. Returns whether one appeared.
fn wait_for_temporary(dir: &Path, child: &mut Child, limit: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        let found = fs::read_dir(dir).unwrap().any(|e| {
            let name = e.unwrap().file_name();
            let name = name.as_bytes();
            name.starts_with(b".")
                && name.ends_with(b".tmp")
                && name.windows(9).any(|w| w == b".reimage-")
        });
        if found {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    false
}

// 1. The dirty-tree guard fails closed.

#[test]
fn without_git_on_the_path_files_in_a_work_tree_are_refused() {
    let tree = Tree::new().file("a.yaml", image("1"));
    committed_repo(tree.path());
    let empty = tempfile::tempdir().unwrap();
    let mut command = reimage(tree.path(), &["rename", OLD, NEW, "-w"]);
    command.env("PATH", empty.path());
    let run = exec(command).expect_code(2);
    assert!(
        run.stderr().contains("cannot run git") && run.stderr().contains("a.yaml"),
        "{}",
        run.stderr()
    );
    assert_eq!(tree.read_str("a.yaml"), image("1"));
    let mut command = reimage(tree.path(), &["rename", OLD, NEW, "-w", "--allow-dirty"]);
    command.env("PATH", empty.path());
    exec(command).expect_code(0);
    assert_eq!(tree.read_str("a.yaml"), renamed("1"));
}

#[test]
fn a_git_file_pointing_nowhere_refuses_its_files_with_gits_message() {
    let tree = Tree::new()
        .file("a.yaml", image("1"))
        .file(".git", "gitdir: /nonexistent/reimage-test/.git\n");
    let run = rename_write(tree.path()).expect_code(2);
    assert!(
        run.stderr().contains("git could not report")
            && run.stderr().contains("not a git repository"),
        "{}",
        run.stderr()
    );
    assert_eq!(tree.read_str("a.yaml"), image("1"));
}

#[test]
fn an_empty_nested_git_directory_is_not_answered_for_by_the_outer_repository() {
    let tree = Tree::new().file("top.yaml", image("1"));
    committed_repo(tree.path());
    // Untracked in the outer repository, in a directory with an empty `.git`.
    fs::create_dir_all(tree.path().join("sub/.git")).unwrap();
    fs::write(tree.path().join("sub/x.yaml"), image("2")).unwrap();
    let run = rename_write(tree.path()).expect_code(2);
    assert!(
        run.stderr().contains("sub/x.yaml") && run.stderr().contains("not a git repository"),
        "{}",
        run.stderr()
    );
    assert_eq!(tree.read_str("sub/x.yaml"), image("2"));
    assert_eq!(tree.read_str("top.yaml"), image("1"), "nothing is written");
}

#[test]
fn a_repository_of_another_user_is_refused_as_dubious() {
    if !is_root() {
        eprintln!("skipped: needs root to give the repository away");
        return;
    }
    let tree = Tree::new().file("repo/a.yaml", image("1"));
    let repo = tree.path().join("repo");
    committed_repo(&repo);
    Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(&repo)
        .status()
        .unwrap();
    let run = rename_write(tree.path()).expect_code(2);
    assert!(
        run.stderr().contains("dubious ownership") && run.stderr().contains("a.yaml"),
        "{}",
        run.stderr()
    );
    assert_eq!(tree.read_str("repo/a.yaml"), image("1"));
}

#[test]
fn the_callers_git_dir_does_not_redirect_the_guard() {
    let tree = Tree::new().file("a.yaml", image("1"));
    committed_repo(tree.path());
    fs::write(tree.path().join("a.yaml"), image("2")).unwrap();
    let mut command = reimage(tree.path(), &["rename", OLD, NEW, "-w"]);
    command.env("GIT_DIR", "/nonexistent/reimage-test");
    let run = exec(command).expect_code(2);
    assert!(
        run.stderr().contains("uncommitted changes") && run.stderr().contains("a.yaml"),
        "{}",
        run.stderr()
    );
    assert_eq!(tree.read_str("a.yaml"), image("2"));
}

#[test]
fn uncommitted_files_with_non_utf8_names_are_refused() {
    let tree = Tree::new().file("a.yaml", image("1"));
    committed_repo(tree.path());
    let name = OsStr::from_bytes(b"caf\xe9.yaml");
    fs::write(tree.path().join(name), image("2")).unwrap();
    let run = rename_write(tree.path()).expect_code(2);
    assert!(
        run.stderr().contains("uncommitted changes") && run.stderr().contains("caf"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        fs::read(tree.path().join(name)).unwrap(),
        image("2").as_bytes()
    );
}

// 2. Lost updates.

#[test]
fn a_line_appended_while_the_file_is_replaced_is_not_lost() {
    // Large enough that writing the temporary file takes a while even without the delay.
    let mut text = image("1");
    let pad = format!("# {}\n", "x".repeat(98));
    text.push_str(&pad.repeat(300_000));
    let tree = Tree::new().file("big.yaml", &text);
    let mut command = reimage(
        tree.path(),
        &["rename", OLD, NEW, "-w", "--max-filesize", "100000000"],
    );
    command
        .env(DELAY, "2000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let appeared = wait_for_temporary(tree.path(), &mut child, Duration::from_secs(30));
    // Another process appends a line, opening the file for it, as `echo >> file` does.
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(tree.path().join("big.yaml"))
        .unwrap();
    std::io::Write::write_all(&mut file, b"appended: 1\n").unwrap();
    drop(file);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(appeared, "the run wrote no temporary file: {stdout}");
    let after = fs::read_to_string(tree.path().join("big.yaml")).unwrap();
    assert!(
        after.ends_with("appended: 1\n"),
        "the appended line is lost (exit {:?}): {stdout}",
        out.status.code()
    );
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("changed after it was read"), "{stdout}");
    assert_eq!(after, format!("{text}appended: 1\n"));
}

#[test]
fn two_runs_with_different_rules_keep_both_edits_or_report_a_conflict() {
    let mut tree = Tree::new();
    for i in 0..6 {
        tree = tree.file(
            &format!("f{i}.yaml"),
            format!("a:\n  image: {OLD}:{i}\nb:\n  image: docker.io/library/nginx:{i}\n"),
        );
    }
    let mut first = reimage(tree.path(), &["rename", OLD, NEW, "-w", "-j", "6"]);
    first
        .env(DELAY, "2000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut first = first.spawn().unwrap();
    wait_for_temporary(tree.path(), &mut first, Duration::from_secs(30));
    let second = exec(reimage(
        tree.path(),
        &[
            "rename",
            "docker.io/library/nginx",
            "ghcr.io/mirror/nginx",
            "-w",
        ],
    ));
    let first = first.wait_with_output().unwrap();
    let first_out = String::from_utf8_lossy(&first.stdout);
    for (out, code, from, to) in [
        (first_out.to_string(), first.status.code(), OLD, NEW),
        (
            second.stdout(),
            second.output.status.code(),
            "docker.io/library/nginx",
            "ghcr.io/mirror/nginx",
        ),
    ] {
        assert!(matches!(code, Some(0 | 2)), "{out}");
        for i in 0..6 {
            let text = tree.read_str(&format!("f{i}.yaml"));
            let reported =
                out.contains(&format!("f{i}.yaml: error: not written: the file changed"));
            assert!(
                text.contains(&format!("{to}:{i}")) && !text.contains(&format!("{from}:{i}"))
                    || reported,
                "f{i}.yaml lost the edit of {from} -> {to} silently:\n{text}\n{out}"
            );
        }
    }
    // The delayed run saw the other's writes and reported them.
    assert_eq!(first.status.code(), Some(2), "{first_out}");
}

// 3. Resource limits.

#[test]
fn a_huge_thread_count_is_capped() {
    let mut tree = Tree::new();
    for i in 0..200 {
        tree = tree.file(&format!("d{}/f{i}.yaml", i % 7), image(&i.to_string()));
    }
    let mut child = reimage(
        tree.path(),
        &["rename", OLD, NEW, "-w", "-q", "-j", "30000"],
    )
    .stdout(Stdio::null())
    .spawn()
    .unwrap();
    let status = wait_at_most(&mut child, Duration::from_secs(60));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "-j 30000 did not finish in 60 s"
    );
    assert_eq!(tree.read_str("d3/f10.yaml"), renamed("10"));
}

#[test]
fn files_are_still_written_when_no_more_threads_can_be_created() {
    if !is_root() {
        eprintln!("skipped: needs root to run as a user of its own");
        return;
    }
    let mut tree = Tree::new();
    for i in 0..60 {
        tree = tree.file(&format!("f{i}.yaml"), image(&i.to_string()));
    }
    fs::set_permissions(tree.path(), fs::Permissions::from_mode(0o777)).unwrap();
    for i in 0..60 {
        let path = tree.path().join(format!("f{i}.yaml"));
        fs::set_permissions(path, fs::Permissions::from_mode(0o666)).unwrap();
    }
    // A user of its own (no other process counts against its limit), allowed the main thread and
    // the walker's threads (one per core, at most 12), not the writers' (two per core).
    let walkers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(12);
    let limit = format!("--nproc={0}:{0}", walkers + 1);
    let mut child = Command::new("setpriv")
        .args([
            "--reuid=65533",
            "--regid=65533",
            "--clear-groups",
            "prlimit",
        ])
        .arg(limit)
        .arg(bin())
        .args(["rename", OLD, NEW, "-w", "-q"])
        .current_dir(tree.path())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let status = wait_at_most(&mut child, Duration::from_secs(60));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{status:?}");
    for i in 0..60 {
        assert_eq!(
            tree.read_str(&format!("f{i}.yaml")),
            renamed(&i.to_string())
        );
    }
}

// 4. Metadata.

/// A POSIX ACL as Linux stores it in `system.posix_acl_access`: owner rw, user 1234 rw, group r,
/// mask rw, other none.
fn acl() -> Vec<u8> {
    let mut out = 2u32.to_le_bytes().to_vec();
    for (tag, perm, id) in [
        (0x01u16, 6u16, u32::MAX),
        (0x02, 6, 1234),
        (0x04, 4, u32::MAX),
        (0x10, 6, u32::MAX),
        (0x20, 0, u32::MAX),
    ] {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&perm.to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
    }
    out
}

#[test]
fn owner_group_mode_xattrs_and_acls_are_kept() {
    if !is_root() {
        eprintln!("skipped: needs root to give files to another user");
        return;
    }
    let tree = Tree::new()
        .file("a.yaml", image("1"))
        .file("tool.yaml", image("2"));
    let a = tree.path().join("a.yaml");
    let tool = tree.path().join("tool.yaml");
    rustix::fs::setxattr(&a, "user.note", b"keep me", rustix::fs::XattrFlags::empty()).unwrap();
    rustix::fs::setxattr(
        &a,
        "system.posix_acl_access",
        &acl(),
        rustix::fs::XattrFlags::empty(),
    )
    .unwrap();
    for path in [&a, &tool] {
        rustix::fs::chown(
            path,
            Some(rustix::fs::Uid::from_raw(NOBODY)),
            Some(rustix::fs::Gid::from_raw(NOBODY)),
        )
        .unwrap();
    }
    // Set after the ACL (whose mask gives the group bits) and the chown (which clears setuid).
    fs::set_permissions(&tool, fs::Permissions::from_mode(0o4750)).unwrap();
    let mode_a = fs::metadata(&a).unwrap().mode();
    rename_write(tree.path()).expect_code(0);
    assert_eq!(tree.read_str("a.yaml"), renamed("1"));
    for (path, mode) in [(&a, mode_a), (&tool, 0o104750)] {
        let meta = fs::metadata(path).unwrap();
        assert_eq!(
            (meta.uid(), meta.gid()),
            (NOBODY, NOBODY),
            "{}",
            path.display()
        );
        assert_eq!(meta.mode(), mode, "{}", path.display());
    }
    let mut buf = vec![0; 256];
    let n = rustix::fs::getxattr(&a, "user.note", &mut buf[..]).unwrap();
    assert_eq!(&buf[..n], b"keep me");
    let n = rustix::fs::getxattr(&a, "system.posix_acl_access", &mut buf[..]).unwrap();
    assert_eq!(&buf[..n], acl().as_slice());
}

#[test]
fn setuid_and_setgid_are_cleared_when_the_owner_cannot_be_kept() {
    let tree = Tree::new().file("s.yaml", image("1"));
    let path = tree.path().join("s.yaml");
    fs::set_permissions(tree.path(), fs::Permissions::from_mode(0o777)).unwrap();
    if is_root() {
        // Root's file, writable by its group, nogroup; run as nobody, a member.
        rustix::fs::chown(&path, None, Some(rustix::fs::Gid::from_raw(NOBODY))).unwrap();
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o6664)).unwrap();
    let Some(run) = as_nobody(tree.path(), &["rename", OLD, NEW, "-w"]) else {
        return;
    };
    let run = run.expect_code(0);
    assert!(
        run.stdout()
            .contains("s.yaml: warning: written, but its owner"),
        "{}",
        run.stdout()
    );
    assert_eq!(tree.read_str("s.yaml"), renamed("1"));
    let meta = fs::metadata(&path).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o664, "setuid/setgid cleared");
    assert_eq!(meta.gid(), NOBODY, "the group is kept");
}

#[test]
fn hard_linked_files_are_refused_unless_break_hardlinks() {
    let tree = Tree::new().file("a.yaml", image("1"));
    let outside = tempfile::tempdir().unwrap();
    let other = outside.path().join("other.yaml");
    fs::hard_link(tree.path().join("a.yaml"), &other).unwrap();
    let run = rename_write(tree.path()).expect_code(2);
    assert!(
        run.stdout()
            .contains("a.yaml: error: not written: the file has 2 hard links")
            && run.stdout().contains("--break-hardlinks"),
        "{}",
        run.stdout()
    );
    assert_eq!(tree.read_str("a.yaml"), image("1"));
    run_ok(reimage(
        tree.path(),
        &["rename", OLD, NEW, "-w", "--break-hardlinks"],
    ));
    assert_eq!(tree.read_str("a.yaml"), renamed("1"));
    assert_eq!(fs::read_to_string(&other).unwrap(), image("1"));
}

fn run_ok(command: Command) {
    exec(command).expect_code(0);
}

// 5. Permission to write is the file's.

#[test]
fn a_file_the_user_may_not_write_is_not_replaced_even_in_a_writable_directory() {
    let tree = Tree::new().file("root.yaml", image("1"));
    fs::set_permissions(tree.path(), fs::Permissions::from_mode(0o777)).unwrap();
    fs::set_permissions(
        tree.path().join("root.yaml"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let Some(run) = as_nobody(tree.path(), &["rename", OLD, NEW, "-w"]) else {
        return;
    };
    let run = run.expect_code(2);
    assert!(
        run.stdout()
            .contains("root.yaml: error: not written: permission denied"),
        "{}",
        run.stdout()
    );
    assert_eq!(tree.read_str("root.yaml"), image("1"));
    assert_eq!(
        fs::metadata(tree.path().join("root.yaml")).unwrap().uid(),
        0
    );
}

#[test]
fn another_users_file_in_a_sticky_directory_is_not_replaced() {
    let tree = Tree::new().file("shared.yaml", image("1"));
    fs::set_permissions(tree.path(), fs::Permissions::from_mode(0o1777)).unwrap();
    fs::set_permissions(
        tree.path().join("shared.yaml"),
        fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    let Some(run) = as_nobody(tree.path(), &["rename", OLD, NEW, "-w"]) else {
        return;
    };
    let run = run.expect_code(2);
    assert!(
        run.stdout().contains(
            "shared.yaml: error: not written: it is owned by another user in a sticky directory"
        ),
        "{}",
        run.stdout()
    );
    assert_eq!(tree.read_str("shared.yaml"), image("1"));
}

// 6. No code from the scanned tree runs.

#[test]
fn git_runs_no_command_from_a_scanned_repository() {
    let tree = Tree::new()
        .file("deps/lib/app.yaml", image("1"))
        .file("deps/lib/.gitattributes", "*.yaml filter=evil\n");
    let repo = tree.path().join("deps/lib");
    committed_repo(&repo);
    let markers = tempfile::tempdir().unwrap();
    let script = |name: &str, body: &str| {
        let path = markers.path().join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    };
    let marker = |name: &str| markers.path().join(name).display().to_string();
    let fsmonitor = script(
        "fsmonitor.sh",
        &format!("touch {}", marker("ran-fsmonitor")),
    );
    let clean = script("clean.sh", &format!("touch {}; cat", marker("ran-filter")));
    let hook = script("hook.sh", &format!("touch {}", marker("ran-hook")));
    let mut config = fs::OpenOptions::new()
        .append(true)
        .open(repo.join(".git/config"))
        .unwrap();
    std::io::Write::write_all(
        &mut config,
        format!("[core]\n\tfsmonitor = {fsmonitor}\n[filter \"evil\"]\n\tclean = {clean}\n\trequired = true\n").as_bytes(),
    )
    .unwrap();
    fs::create_dir_all(repo.join(".git/hooks")).unwrap();
    fs::copy(&hook, repo.join(".git/hooks/post-index-change")).unwrap();
    // A new mtime makes `git status` look at the content again (through the clean filter).
    let file = fs::File::options()
        .write(true)
        .open(repo.join("app.yaml"))
        .unwrap();
    file.set_modified(std::time::SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    drop(file);
    rename_write(tree.path()).expect_code(0);
    assert_eq!(tree.read_str("deps/lib/app.yaml"), renamed("1"));
    let ran: Vec<&str> = ["ran-fsmonitor", "ran-filter", "ran-hook"]
        .into_iter()
        .filter(|name| markers.path().join(name).exists())
        .collect();
    assert!(
        ran.is_empty(),
        "reimage ran commands of the scanned repository: {ran:?}"
    );
}

// 7. Symlink swaps.

#[test]
fn a_directory_swapped_for_a_symlink_is_not_written_through() {
    let tree = Tree::new().file("sub/a.yaml", image("1"));
    let outside = Tree::new().file("a.yaml", image("1"));
    let mut command = reimage(tree.path(), &["rename", OLD, NEW, "-w"]);
    command
        .env(DELAY, "2000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let appeared = wait_for_temporary(
        &tree.path().join("sub"),
        &mut child,
        Duration::from_secs(30),
    );
    fs::rename(tree.path().join("sub"), tree.path().join("moved")).unwrap();
    symlink(outside.path(), tree.path().join("sub")).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        outside.read_str("a.yaml"),
        image("1"),
        "written outside the tree: {stdout}"
    );
    assert!(appeared, "no temporary file seen: {stdout}");
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout
            .contains("sub/a.yaml: error: not written: `sub` on its path is no longer a directory"),
        "{stdout}"
    );
    assert_eq!(tree.read_str("moved/a.yaml"), image("1"));
    let names: Vec<_> = fs::read_dir(tree.path().join("moved")).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file is left");
}

// 8. `.git` is never read or written.

#[test]
fn nothing_inside_a_git_directory_is_read_or_written() {
    let tree = Tree::new().file("a.yaml", image("1"));
    committed_repo(tree.path());
    let message = format!("Move to {OLD}\n");
    fs::write(tree.path().join(".git/COMMIT_EDITMSG"), &message).unwrap();
    fs::create_dir_all(tree.path().join(".git/logs")).unwrap();
    // As the current directory (git hooks run there), as a path, and below a path.
    let in_git = tree.path().join(".git");
    for (dir, args) in [
        (in_git.clone(), vec!["rename", OLD, NEW, "-w"]),
        (in_git.join("logs"), vec!["rename", OLD, NEW, "-w", ".."]),
        (
            tree.path().to_path_buf(),
            vec!["rename", OLD, NEW, "-w", ".git"],
        ),
        (
            tree.path().to_path_buf(),
            vec!["rename", OLD, NEW, "-w", ".git/logs/.."],
        ),
    ] {
        let run = exec(reimage(&dir, &args)).expect_code(2);
        assert!(
            run.stderr().contains("inside the git directory"),
            "{args:?} in {}: {}",
            dir.display(),
            run.stderr()
        );
        assert_eq!(tree.read_str(".git/COMMIT_EDITMSG"), message);
    }
    // A bare repository, as server hooks see it.
    let server = tempfile::tempdir().unwrap();
    let bare = server.path().join("app.git");
    fs::create_dir_all(&bare).unwrap();
    git(&bare, &["init", "-q", "--bare"]);
    fs::write(bare.join("description"), &message).unwrap();
    let run = exec(reimage(&bare, &["rename", OLD, NEW, "-w"])).expect_code(2);
    assert!(
        run.stderr().contains("inside the git directory"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        fs::read_to_string(bare.join("description")).unwrap(),
        message
    );
    // The work tree itself is fine.
    rename_write(tree.path()).expect_code(0);
    assert_eq!(tree.read_str(".git/COMMIT_EDITMSG"), message);
}

// 9. Blocking opens.

#[test]
fn a_fifo_in_place_of_a_file_does_not_block_the_run() {
    let tree = Tree::new().file("a.yaml", image("1"));
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        tree.path().join("static.yaml"),
        rustix::fs::Mode::from_raw_mode(0o644),
    )
    .unwrap();
    // `x.yaml` flips between a regular file and a FIFO as fast as it can while reimage runs.
    let stage = tempfile::tempdir_in(tree.path().parent().unwrap()).unwrap();
    let stop = AtomicBool::new(false);
    let target = tree.path().join("x.yaml");
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let (file, fifo) = (stage.path().join("file"), stage.path().join("fifo"));
            while !stop.load(Ordering::Relaxed) {
                fs::write(&file, image("2")).unwrap();
                fs::rename(&file, &target).unwrap();
                rustix::fs::mkfifoat(
                    rustix::fs::CWD,
                    &fifo,
                    rustix::fs::Mode::from_raw_mode(0o644),
                )
                .unwrap();
                fs::rename(&fifo, &target).unwrap();
            }
        });
        let mut hung = 0;
        for _ in 0..15 {
            let mut child = reimage(tree.path(), &["rename", OLD, NEW, "-w", "-q"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            match wait_at_most(&mut child, Duration::from_secs(10)) {
                None => hung += 1,
                Some(status) => assert!(matches!(status.code(), Some(0 | 2)), "{status}"),
            }
            fs::write(tree.path().join("a.yaml"), image("1")).unwrap();
        }
        stop.store(true, Ordering::Relaxed);
        assert_eq!(hung, 0, "runs blocked on a FIFO");
    });
    let metadata = fs::symlink_metadata(tree.path().join("static.yaml")).unwrap();
    assert!(metadata.file_type().is_fifo(), "the FIFO is left alone");
}

// 14. Temporary files are told by their exact pattern.

#[test]
fn a_user_file_named_like_a_temporary_is_scanned() {
    let tree = Tree::new().file(".env.reimage-prod.tmp", format!("IMAGE={OLD}:1\n"));
    rename_write(tree.path()).expect_code(0);
    assert_eq!(
        tree.read_str(".env.reimage-prod.tmp"),
        format!("IMAGE={NEW}:1\n")
    );
}

// 16. Long names.

#[test]
fn a_file_with_a_250_byte_name_is_written() {
    let name = format!("{}.yaml", "n".repeat(245));
    assert_eq!(name.len(), 250);
    let tree = Tree::new().file(&name, image("1"));
    rename_write(tree.path()).expect_code(0);
    assert_eq!(tree.read_str(&name), renamed("1"));
    assert_eq!(
        fs::read_dir(tree.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}
