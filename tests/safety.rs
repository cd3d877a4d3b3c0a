//! Nothing lost under faults, bad input and concurrency.
//!
//! The long SIGKILL run is `cargo test --test safety -- --ignored` (iterations from
//! `REIMAGE_KILL_ITERATIONS`, default 200); a short version runs in every `cargo test`.

mod common;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Tree;

const OLD: &str = "ghcr.io/gdtiti/grok2api";
const NEW: &str = "ghcr.io/gdtiti/grok2api-api";

fn old_content(i: usize) -> String {
    format!("# service {i}\nservices:\n  app:\n    image: {OLD}:v{i}\n    environment:\n      MIRROR: {OLD}@sha256:{i:064x}\n")
}

fn new_content(i: usize) -> String {
    old_content(i).replace(OLD, NEW)
}

fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(".reimage-") && name.ends_with(".tmp")
}

/// A small deterministic generator, so a failing kill point can be reproduced from the seed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

fn kill_at_random_points(files: usize, iterations: usize) {
    let tree = Tree::new();
    for i in 0..files {
        let path = tree.path().join(format!("svc{}/compose-{i}.yml", i % 40));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, old_content(i)).unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_reimage");
    let started = Instant::now();
    let full = Command::new(bin)
        .args(["rename", OLD, NEW, "--check", "-q"])
        .current_dir(tree.path())
        .output()
        .unwrap();
    assert_eq!(full.status.code(), Some(1));
    let budget = started.elapsed().as_micros() as u64 * 3 + 1_000;
    let seed = std::env::var("REIMAGE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let mut rng = XorShift(seed);
    let mut killed_mid_run = 0;
    for _ in 0..iterations {
        let mut child = Command::new(bin)
            .args(["rename", OLD, NEW, "-w", "-q", "-j", "2"])
            .current_dir(tree.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.next(budget)));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        killed_mid_run += usize::from(!finished);
        assert_every_file_whole(tree.path(), files);
        // Put a random share back to old content so that later kills land on real writes.
        for i in 0..files {
            if rng.next(3) == 0 {
                fs::write(
                    tree.path().join(format!("svc{}/compose-{i}.yml", i % 40)),
                    old_content(i),
                )
                .unwrap();
            }
        }
    }
    assert!(
        killed_mid_run > 0,
        "no kill landed during a run; the budget is too small"
    );
    let temps_before = temporary_files(tree.path());
    let run = Command::new(bin)
        .args(["rename", OLD, NEW, "-w", "-q"])
        .current_dir(tree.path())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    for i in 0..files {
        let text =
            fs::read_to_string(tree.path().join(format!("svc{}/compose-{i}.yml", i % 40))).unwrap();
        assert_eq!(text, new_content(i));
    }
    assert_eq!(
        temporary_files(tree.path()),
        temps_before,
        "a normal run leaves no temporary file"
    );
}

fn assert_every_file_whole(root: &Path, files: usize) {
    for i in 0..files {
        let path = root.join(format!("svc{}/compose-{i}.yml", i % 40));
        let text =
            fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} missing: {e}", path.display()));
        assert!(
            text == old_content(i) || text == new_content(i),
            "{} is torn:\n{text}",
            path.display()
        );
    }
}

fn temporary_files(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = common::snapshot(root)
        .into_iter()
        .map(|(p, _, _)| p.to_string_lossy().into_owned())
        .filter(|p| is_temporary(p.rsplit('/').next().unwrap()))
        .collect();
    names.sort();
    names
}

#[test]
fn sigkill_leaves_every_file_wholly_old_or_wholly_new() {
    kill_at_random_points(600, 12);
}

#[test]
#[ignore = "long: cargo test --test safety -- --ignored"]
fn sigkill_at_many_points_on_thousands_of_files() {
    let iterations = std::env::var("REIMAGE_KILL_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    kill_at_random_points(3000, iterations);
}

#[test]
fn leftover_temporary_files_are_reported_not_scanned() {
    let tree = Tree::new()
        .file("a.yaml", format!("image: {OLD}\n"))
        .file(".a.yaml.reimage-Ab12Cd.tmp", format!("image: {OLD}\n"));
    let run = tree.run(&["rename", OLD, NEW, "-w"]).expect_code(0);
    assert!(
        run.stdout().contains(
            ".a.yaml.reimage-Ab12Cd.tmp: warning: a temporary file left by an interrupted"
        ),
        "{}",
        run.stdout()
    );
    assert_eq!(
        tree.read_str(".a.yaml.reimage-Ab12Cd.tmp"),
        format!("image: {OLD}\n")
    );
}

#[test]
fn two_processes_on_one_tree_end_consistent() {
    let mut tree = Tree::new();
    for i in 0..300 {
        tree = tree.file(&format!("d{}/f{i}.yml", i % 9), old_content(i));
    }
    let bin = env!("CARGO_BIN_EXE_reimage");
    let spawn = || {
        Command::new(bin)
            .args(["rename", OLD, NEW, "-w", "-q"])
            .current_dir(tree.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    // Each process either wrote a file or saw it change under it (exit 2, reported); none tears it.
    for out in [&a, &b] {
        assert!(
            matches!(out.status.code(), Some(0 | 2)),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        for line in String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains(": error: "))
        {
            assert!(line.contains("changed after it was read"), "{line}");
        }
    }
    for i in 0..300 {
        assert_eq!(
            tree.read_str(&format!("d{}/f{i}.yml", i % 9)),
            new_content(i)
        );
    }
    tree.run(&["check", "--deny", OLD]).expect_code(0);
}

#[test]
fn symlink_loops_terminate_and_git_is_never_touched() {
    let tree = Tree::new()
        .file("a/x.yaml", format!("image: {OLD}\n"))
        .file(".git/HEAD", format!("{OLD}\n"));
    symlink("..", tree.path().join("a/loop")).unwrap();
    symlink(tree.path().join("a"), tree.path().join("a/self")).unwrap();
    // This `.git` is no repository, so git cannot vouch for the files: the guard would refuse them.
    let run = tree
        .run(&["rename", OLD, NEW, "-w", "--allow-dirty"])
        .expect_code(0);
    assert!(
        run.stdout().contains("1 reference in 1 file changed"),
        "{}",
        run.stdout()
    );
    assert_eq!(tree.read_str(".git/HEAD"), format!("{OLD}\n"));
}

#[test]
fn a_forty_mib_single_line_file_is_renamed() {
    let chunk = format!(
        "{{\"image\":\"{OLD}:v1\",\"pad\":\"{}\"}},",
        "x".repeat(200)
    );
    let count = (40 << 20) / chunk.len();
    let text = format!("[{}{{}}]", chunk.repeat(count));
    let tree = Tree::new().file("big.json", &text);
    let run = tree.run(&["rename", OLD, NEW, "-w", "-q"]).expect_code(0);
    assert!(
        run.stdout()
            .contains(&format!("{count} references in 1 file changed")),
        "{}",
        run.stdout()
    );
    assert_eq!(tree.read("big.json"), text.replace(OLD, NEW).into_bytes());
}

#[test]
fn yaml_alias_bombs_and_deep_nesting_stay_bounded() {
    let mut bomb = String::from("l0: &l0 [\"ghcr.io/gdtiti/grok2api:1\", \"x\"]\n");
    for i in 1..30 {
        let prev = i - 1;
        bomb.push_str(&format!(
            "l{i}: &l{i} [*l{prev}, *l{prev}, *l{prev}, *l{prev}]\n"
        ));
    }
    bomb.push_str("image: *l29\n");
    let deep = format!(
        "image: {OLD}\nx: {}1{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let tree = Tree::new()
        .file("bomb.yaml", &bomb)
        .file("deep.yaml", &deep);
    let started = Instant::now();
    let run = tree.run(&["rename", OLD, NEW, "-w", "-q"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(run.code(), 0), "{}{}", run.stdout(), run.stderr());
    assert!(tree
        .read_str("bomb.yaml")
        .starts_with(&format!("l0: &l0 [\"{NEW}:1\"")));
    assert!(tree
        .read_str("deep.yaml")
        .starts_with(&format!("image: {NEW}\n")));
}

#[test]
fn malformed_yaml_toml_and_json_fall_back_to_text_with_a_warning() {
    let tree = Tree::new()
        .file(
            "bad.yaml",
            format!(
                "services:\n  app:\n    image: {OLD}:1\n    mirrors:\n      - {OLD}:2\n   bad: [\n"
            ),
        )
        .file(
            "bad.toml",
            format!("[build\nimage = \"{OLD}:1\"\nmirrors = [\n  \"{OLD}:2\",\n]\n"),
        )
        .file(
            "bad.json",
            format!("{{\"image\": \"{OLD}:1\",,\n \"mirrors\": [\n  \"{OLD}:2\"\n ]}}\n"),
        );
    let run = tree.run(&["rename", OLD, NEW, "-w"]).expect_code(0);
    let out = run.stdout();
    for file in [
        "bad.yaml: warning: not valid YAML",
        "bad.toml: warning: not valid TOML",
        "bad.json: warning: not valid JSON",
    ] {
        assert!(out.contains(file), "{out}");
    }
    assert!(tree
        .read_str("bad.yaml")
        .contains(&format!("image: {NEW}:1")));
    assert!(tree
        .read_str("bad.toml")
        .contains(&format!("image = \"{NEW}:1\"")));
    assert!(tree
        .read_str("bad.json")
        .contains(&format!("\"image\": \"{NEW}:1\"")));
}

#[test]
fn a_read_only_file_is_reported_and_left_intact() {
    let tree = Tree::new()
        .file("ro.yaml", format!("image: {OLD}\n"))
        .file("rw.yaml", format!("image: {OLD}\n"));
    fs::set_permissions(
        tree.path().join("ro.yaml"),
        fs::Permissions::from_mode(0o444),
    )
    .unwrap();
    let run = tree.run(&["rename", OLD, NEW, "-w"]).expect_code(2);
    assert!(
        run.stdout()
            .contains("ro.yaml: error: not written: the file is read-only"),
        "{}",
        run.stdout()
    );
    assert_eq!(tree.read_str("ro.yaml"), format!("image: {OLD}\n"));
    assert_eq!(tree.read_str("rw.yaml"), format!("image: {NEW}\n"));
}

/// Runs reimage as an unprivileged user when the tests run as root (root reads everything).
fn run_unprivileged(tree: &Tree, args: &[&str]) -> std::process::Output {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false);
    let bin = env!("CARGO_BIN_EXE_reimage");
    let mut command = if is_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", bin]);
        c
    } else {
        Command::new(bin)
    };
    command
        .args(args)
        .current_dir(tree.path())
        .output()
        .expect("setpriv (util-linux) runs")
}

#[test]
fn unreadable_files_and_directories_and_read_only_directories_are_reported() {
    let tree = Tree::new()
        .file("secret.yaml", format!("image: {OLD}\n"))
        .file("locked/inner.yaml", format!("image: {OLD}\n"))
        .file("frozen/x.yaml", format!("image: {OLD}\n"))
        .file("ok.yaml", format!("image: {OLD}\n"));
    let mode = |p: &str, m: u32| {
        fs::set_permissions(tree.path().join(p), fs::Permissions::from_mode(m)).unwrap();
    };
    mode(".", 0o777);
    mode("ok.yaml", 0o666);
    mode("frozen/x.yaml", 0o666);
    mode("secret.yaml", 0o000);
    mode("locked", 0o000);
    mode("frozen", 0o555);
    let out = run_unprivileged(&tree, &["rename", OLD, NEW, "-w"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    mode("locked", 0o755);
    mode("frozen", 0o755);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("secret.yaml: error: cannot read"),
        "{stdout}"
    );
    assert!(stdout.contains("locked: error:"), "{stdout}");
    assert!(
        stdout.contains("frozen/x.yaml: error: cannot write"),
        "{stdout}"
    );
    assert_eq!(tree.read_str("frozen/x.yaml"), format!("image: {OLD}\n"));
    assert_eq!(tree.read_str("ok.yaml"), format!("image: {NEW}\n"));
}
