//! What gets read and how it is written: encodings and line endings, ignore files, hidden CI
//! folders, `.git/`, symlinks, binary and oversized files, permissions, inline ignores.

mod common;

use std::os::unix::fs::{symlink, PermissionsExt};

use common::Tree;

const OLD: &str = "ghcr.io/gdtiti/grok2api";
const NEW: &str = "ghcr.io/gdtiti/grok2api-api";

fn rename_write(tree: &Tree) -> common::Run {
    tree.run(&["rename", OLD, NEW, "-w"])
}

#[test]
fn crlf_bom_no_final_newline_and_latin1_keep_every_other_byte() {
    let crlf = b"services:\r\n  app:\r\n    image: ghcr.io/gdtiti/grok2api:v1\r\n".to_vec();
    let bom = b"\xef\xbb\xbfimage: ghcr.io/gdtiti/grok2api:latest\n".to_vec();
    let no_newline = b"docker pull ghcr.io/gdtiti/grok2api".to_vec();
    let latin1 = b"# D\xe9ploiement: ghcr.io/gdtiti/grok2api:main (caf\xe9)\n".to_vec();
    let tree = Tree::new()
        .file("crlf.yml", &crlf)
        .file("bom.yaml", &bom)
        .file("no-newline.sh", &no_newline)
        .file("latin1.txt", &latin1);
    rename_write(&tree).expect_code(0);
    assert_eq!(
        tree.read("crlf.yml"),
        b"services:\r\n  app:\r\n    image: ghcr.io/gdtiti/grok2api-api:v1\r\n"
    );
    assert_eq!(
        tree.read("bom.yaml"),
        b"\xef\xbb\xbfimage: ghcr.io/gdtiti/grok2api-api:latest\n"
    );
    assert_eq!(
        tree.read("no-newline.sh"),
        b"docker pull ghcr.io/gdtiti/grok2api-api"
    );
    assert_eq!(
        tree.read("latin1.txt"),
        b"# D\xe9ploiement: ghcr.io/gdtiti/grok2api-api:main (caf\xe9)\n"
    );
}

#[test]
fn permissions_are_kept_and_no_temporary_file_is_left() {
    let tree = Tree::new().file("deploy.sh", "docker pull ghcr.io/gdtiti/grok2api\n");
    let path = tree.path().join("deploy.sh");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o750)).unwrap();
    rename_write(&tree).expect_code(0);
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o750
    );
    let names: Vec<_> = tree.snapshot().into_iter().map(|f| f.0).collect();
    assert_eq!(names, vec![std::path::PathBuf::from("deploy.sh")]);
}

#[test]
fn gitignore_is_honoured_outside_a_git_repository_unless_no_ignore() {
    let tree = Tree::new()
        .file(".gitignore", "build/\n")
        .file(".ignore", "vendor/\n")
        .file("build/out.yaml", "image: ghcr.io/gdtiti/grok2api\n")
        .file("vendor/x.yaml", "image: ghcr.io/gdtiti/grok2api\n")
        .file("app.yaml", "image: ghcr.io/gdtiti/grok2api\n");
    let doc = tree
        .run(&["check", "--deny", OLD, "--format", "json"])
        .expect_code(1)
        .json();
    let paths: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["app.yaml"]);
    let doc = tree
        .run(&[
            "check",
            "--deny",
            OLD,
            "--no-ignore",
            "--include-vendored",
            "--format",
            "json",
        ])
        .expect_code(1)
        .json();
    assert_eq!(doc["summary"]["stale"], 3);
}

#[test]
fn hidden_ci_folders_are_searched_but_git_never() {
    let tree = Tree::new()
        .file(
            ".github/workflows/ci.yml",
            "jobs:\n  t:\n    container: ghcr.io/gdtiti/grok2api:ci\n",
        )
        .file(".gitlab-ci.yml", "image: ghcr.io/gdtiti/grok2api:ci\n")
        .file(
            ".circleci/config.yml",
            "jobs:\n  b:\n    docker:\n      - image: ghcr.io/gdtiti/grok2api:ci\n",
        )
        .file(
            ".devcontainer/devcontainer.json",
            "{\n  \"image\": \"ghcr.io/gdtiti/grok2api:dev\"\n}\n",
        )
        .file(".git/config", "url = ghcr.io/gdtiti/grok2api\n")
        .file(".git/COMMIT_EDITMSG", "use ghcr.io/gdtiti/grok2api\n");
    // This `.git` is no repository, so git cannot vouch for the files: the guard would refuse them.
    let run = tree
        .run(&["rename", OLD, NEW, "-w", "--allow-dirty"])
        .expect_code(0);
    assert!(
        run.stdout().contains("4 references in 4 files changed"),
        "{}",
        run.stdout()
    );
    assert!(tree
        .read_str(".github/workflows/ci.yml")
        .contains("container: ghcr.io/gdtiti/grok2api-api:ci"));
    assert!(tree
        .read_str(".devcontainer/devcontainer.json")
        .contains("\"image\": \"ghcr.io/gdtiti/grok2api-api:dev\""));
    assert_eq!(
        tree.read_str(".git/config"),
        "url = ghcr.io/gdtiti/grok2api\n"
    );
}

#[test]
fn symlinks_are_neither_followed_nor_written_through() {
    let outside = Tree::new().file("secret.yaml", "image: ghcr.io/gdtiti/grok2api\n");
    let tree = Tree::new().file("real.yaml", "image: ghcr.io/gdtiti/grok2api\n");
    symlink(
        outside.path().join("secret.yaml"),
        tree.path().join("link.yaml"),
    )
    .unwrap();
    symlink(outside.path(), tree.path().join("linkdir")).unwrap();
    symlink(
        tree.path().join("real.yaml"),
        tree.path().join("alias.yaml"),
    )
    .unwrap();
    let run = rename_write(&tree).expect_code(0);
    assert!(
        run.stdout().contains("1 reference in 1 file changed"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        outside.read_str("secret.yaml"),
        "image: ghcr.io/gdtiti/grok2api\n"
    );
    assert!(std::fs::symlink_metadata(tree.path().join("alias.yaml"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        tree.read_str("alias.yaml"),
        "image: ghcr.io/gdtiti/grok2api-api\n"
    );
}

#[test]
fn binary_files_are_skipped() {
    let mut binary = b"\x7fELF\x00\x01".to_vec();
    binary.extend_from_slice(b"ghcr.io/gdtiti/grok2api:latest");
    let tree = Tree::new()
        .file("app.bin", &binary)
        .file("a.yaml", "image: ghcr.io/gdtiti/grok2api\n");
    rename_write(&tree).expect_code(0);
    assert_eq!(tree.read("app.bin"), binary);
}

#[test]
fn an_oversized_file_is_a_counted_warning_and_the_run_goes_on() {
    let big = format!("image: {OLD}\n{}", "x".repeat(2000));
    let tree = Tree::new()
        .file("big.yaml", &big)
        .file("small.yaml", "image: ghcr.io/gdtiti/grok2api\n");
    let run = tree
        .run(&["rename", OLD, NEW, "-w", "--max-filesize", "1K"])
        .expect_code(0);
    assert!(
        run.stdout()
            .contains("big.yaml: warning: skipped: 2.0 KiB is over the 1 KiB limit"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout()
            .contains("; 1 file over --max-filesize skipped"),
        "{}",
        run.stdout()
    );
    assert_eq!(tree.read_str("big.yaml"), big);
    assert_eq!(
        tree.read_str("small.yaml"),
        "image: ghcr.io/gdtiti/grok2api-api\n"
    );
}

#[test]
fn globs_and_excludes_select_files() {
    let tree = Tree::new()
        .file("a.yaml", "image: ghcr.io/gdtiti/grok2api\n")
        .file("docs/b.md", "ghcr.io/gdtiti/grok2api\n")
        .file("CHANGELOG.md", "Moved from ghcr.io/gdtiti/grok2api.\n");
    let count = |args: &[&str]| {
        // The changelog counts here: this is about selecting files, not keeping history.
        let mut all = vec!["check", "--deny", OLD, "--format", "json", "-j", "1"];
        all.push("--include-history");
        all.extend_from_slice(args);
        tree.run(&all).json()["summary"]["stale"].as_u64().unwrap()
    };
    assert_eq!(count(&[]), 3);
    assert_eq!(count(&["--exclude", "CHANGELOG.md"]), 2);
    assert_eq!(count(&["-g", "*.md"]), 2);
    assert_eq!(count(&["-g", "*.md", "-g", "!CHANGELOG.md"]), 1);
}

#[test]
fn inline_ignore_comments_exclude_lines() {
    let tree = Tree::new().file(
        "docker-compose.yml",
        "services:\n  a:\n    image: ghcr.io/gdtiti/grok2api:1 # reimage: ignore\n  b:\n    # reimage: ignore-next-line\n    image: ghcr.io/gdtiti/grok2api:2\n  c:\n    image: ghcr.io/gdtiti/grok2api:3\n",
    );
    let doc = tree
        .run(&["rename", OLD, NEW, "--format", "json"])
        .expect_code(0)
        .json();
    let actions: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["ignored", "ignored", "rewrite"]);
    tree.run(&["check", "--deny", OLD]).expect_code(1);
    rename_write(&tree).expect_code(0);
    tree.run(&["check", "--deny", OLD]).expect_code(0);
    assert!(tree
        .read_str("docker-compose.yml")
        .contains("image: ghcr.io/gdtiti/grok2api:1 # reimage: ignore\n"));
}

#[test]
fn output_order_does_not_depend_on_threads() {
    let mut tree = Tree::new();
    for i in 0..60 {
        tree = tree.file(
            &format!("d{}/f{i}.yaml", i % 7),
            format!("image: ghcr.io/gdtiti/grok2api:{i}\n"),
        );
    }
    let one = tree
        .run(&["rename", OLD, NEW, "-j", "1"])
        .expect_code(0)
        .stdout();
    for _ in 0..3 {
        assert_eq!(
            tree.run(&["rename", OLD, NEW, "-j", "4"])
                .expect_code(0)
                .stdout(),
            one
        );
    }
}
