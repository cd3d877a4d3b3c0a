//! `--format diff`: a unified diff of every file that would change, which `git apply` accepts.
//!
//! Paths are relative to the root of the git work tree holding each file (or to `--diff-root`),
//! so `git apply` takes the diff from any directory of the repository; a file outside any work
//! tree keeps its path as walked. They are written as git writes them: in double quotes with C escapes (and octal for bytes
//! outside printable ASCII) when they hold anything else, so every hunk reaches its own file.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::Report;

pub(super) fn render(report: &Report, root: Option<&Path>, out: &mut dyn Write) -> io::Result<()> {
    let root = root.and_then(|root| std::fs::canonicalize(root).ok());
    for file in &report.files {
        let (Some(old), Some(new)) = (file.original.as_deref(), file.rewritten()) else {
            continue;
        };
        let relative = relative_path(&file.path, root.as_deref());
        let path = match &relative {
            Some(path) => path.as_os_str().as_encoded_bytes(),
            None => walked_bytes(&file.path),
        };
        let (a, b) = (quote(b"a/", path), quote(b"b/", path));
        let diff = TextDiff::from_lines(old, new.as_slice());
        writeln!(out, "diff --git {a} {b}")?;
        diff.unified_diff()
            .context_radius(3)
            .missing_newline_hint(true)
            .header(&a, &b)
            .to_writer(&mut *out)?;
    }
    Ok(())
}

/// `path` relative to `root`, or to the git work tree holding it when `root` is `None`; `None`
/// when it is under neither. The file's own name is kept (its directory is resolved).
fn relative_path(path: &Path, root: Option<&Path>) -> Option<PathBuf> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let absolute = std::fs::canonicalize(dir).ok()?.join(path.file_name()?);
    let root = match root {
        Some(root) => root.to_path_buf(),
        None => absolute
            .ancestors()
            .skip(1)
            .find(|dir| dir.join(".git").exists())?
            .to_path_buf(),
    };
    absolute.strip_prefix(root).ok().map(Path::to_path_buf)
}

/// The path's bytes as walked, without a leading `./`.
fn walked_bytes(path: &Path) -> &[u8] {
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes.strip_prefix(b"./").unwrap_or(bytes)
}

/// `prefix` + `path` as git quotes it (`core.quotePath`): unchanged when every byte is printable
/// ASCII other than `"` and `\`, otherwise in double quotes with escapes.
fn quote(prefix: &[u8], path: &[u8]) -> String {
    let plain = |b: u8| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\';
    let whole = [prefix, path].concat();
    if whole.iter().all(|&b| plain(b)) {
        return String::from_utf8(whole).expect("printable ASCII");
    }
    let mut out = String::from("\"");
    for b in whole {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            b if plain(b) => out.push(char::from(b)),
            b => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_work_tree_or_the_given_root() {
        let dir = tempfile::tempdir().unwrap();
        let repo = std::fs::canonicalize(dir.path()).unwrap().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("deploy/k8s")).unwrap();
        let file = repo.join("deploy/k8s/app.yaml");
        assert_eq!(
            relative_path(&file, None),
            Some(PathBuf::from("deploy/k8s/app.yaml"))
        );
        assert_eq!(
            relative_path(&file, Some(&repo.join("deploy"))),
            Some(PathBuf::from("k8s/app.yaml"))
        );
        assert_eq!(relative_path(&dir.path().join("x.yaml"), None), None);
    }

    #[test]
    fn paths_are_quoted_as_git_quotes_them() {
        assert_eq!(quote(b"a/", b"deploy/app.yaml"), "a/deploy/app.yaml");
        assert_eq!(quote(b"a/", b"x\ty.yaml"), "\"a/x\\ty.yaml\"");
        assert_eq!(quote(b"b/", b"new\nline"), "\"b/new\\nline\"");
        assert_eq!(
            quote(b"a/", b"back\\slash \"q\""),
            "\"a/back\\\\slash \\\"q\\\"\""
        );
        assert_eq!(quote(b"a/", "café".as_bytes()), "\"a/caf\\303\\251\"");
        assert_eq!(quote(b"a/", b"latin\xe9"), "\"a/latin\\351\"");
    }
}
