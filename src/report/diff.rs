//! `--format diff`: a unified diff of every file that would change, which `git apply` accepts.

use std::io::{self, Write};

use similar::TextDiff;

use super::{display_path, Report};

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for file in &report.files {
        let (Some(old), Some(new)) = (file.original.as_deref(), file.rewritten()) else {
            continue;
        };
        let path = display_path(&file.path);
        let diff = TextDiff::from_lines(old, new.as_slice());
        writeln!(out, "diff --git a/{path} b/{path}")?;
        diff.unified_diff()
            .context_radius(3)
            .missing_newline_hint(true)
            .header(&format!("a/{path}"), &format!("b/{path}"))
            .to_writer(&mut *out)?;
    }
    Ok(())
}
