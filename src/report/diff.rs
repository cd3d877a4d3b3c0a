//! `--format diff`: a unified diff of every file that would change, which `git apply` accepts.
//!
//! Paths are written as git writes them: in double quotes with C escapes (and octal for bytes
//! outside printable ASCII) when they hold anything else, so every hunk reaches its own file.

use std::io::{self, Write};
use std::path::Path;

use similar::TextDiff;

use super::Report;

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for file in &report.files {
        let (Some(old), Some(new)) = (file.original.as_deref(), file.rewritten()) else {
            continue;
        };
        let path = walked_bytes(&file.path);
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
