//! A fluent helper for CLI tests: build a file tree, run `reimage` in it, inspect the result.

#![allow(dead_code, unreachable_pub)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Self {
        Tree {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A copy of a directory under `testdata/`.
    pub fn copy_of(testdata: &str) -> Self {
        let tree = Tree::new();
        copy_dir(&testdata_path(testdata), tree.path());
        tree
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(self, rel: &str, contents: impl AsRef<[u8]>) -> Self {
        let path = self.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
        self
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        fs::read(self.path().join(rel)).unwrap()
    }

    pub fn read_str(&self, rel: &str) -> String {
        String::from_utf8(self.read(rel)).unwrap()
    }

    /// Runs `reimage ARGS` with the tree as the working directory.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(bin())
            .args(args)
            .current_dir(self.path())
            .env_remove("NO_COLOR")
            .output()
            .expect("run reimage");
        Run { output }
    }

    /// Every file under the tree with its bytes and mode, sorted by path.
    pub fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>, u32)> {
        snapshot(self.path())
    }
}

pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().expect("exit code")
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    #[track_caller]
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout).expect("valid JSON on stdout")
    }
}

/// The binary under test; `REIMAGE_TEST_BIN` runs another build instead (to show that a test
/// fails on an older binary).
pub fn bin() -> std::ffi::OsString {
    std::env::var_os("REIMAGE_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_reimage").into())
}

pub fn testdata_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = fs::symlink_metadata(entry.path()).unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() {
                let rel = entry.path().strip_prefix(root).unwrap().to_path_buf();
                out.push((
                    rel,
                    fs::read(entry.path()).unwrap(),
                    meta.permissions().mode() & 0o7777,
                ));
            }
        }
    }
    out.sort();
    out
}

/// Asserts two snapshots are equal, naming the first differing file.
#[track_caller]
pub fn assert_same_tree(got: &[(PathBuf, Vec<u8>, u32)], want: &[(PathBuf, Vec<u8>, u32)]) {
    let names = |s: &[(PathBuf, Vec<u8>, u32)]| s.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(got), names(want), "file lists differ");
    for (g, w) in got.iter().zip(want) {
        if g.1 != w.1 {
            let diff = similar::TextDiff::from_lines(w.1.as_slice(), g.1.as_slice());
            let text = diff
                .unified_diff()
                .context_radius(1)
                .header("want", "got")
                .to_string();
            panic!("{} differs:\n{text}", g.0.display());
        }
        assert_eq!(g.2, w.2, "{} mode differs", g.0.display());
    }
}
