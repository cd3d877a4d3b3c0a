//! `--format github`: GitHub Actions workflow commands, one `::error` per stale finding and one
//! `::notice` per review finding, so that each shows on its line in the pull request.

use std::io::{self, Write};

use super::{display_path, Report};
use crate::find::Action;

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (path, f) in report.findings() {
        let (command, title, message) = match f.action {
            Action::Rewrite => (
                "error",
                "Stale image reference",
                format!(
                    "{} should be {} ({})",
                    f.old,
                    f.new.as_deref().unwrap_or("?"),
                    f.rule.as_deref().unwrap_or("")
                ),
            ),
            Action::Stale => (
                "error",
                "Retired image reference",
                format!("{} is retired ({})", f.old, f.rule.as_deref().unwrap_or("")),
            ),
            Action::Review => (
                "notice",
                "Image reference to review",
                format!("{}: {}", f.old, f.note.as_deref().unwrap_or("")),
            ),
            _ => continue,
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},endColumn={},title={}::{}",
            property(&display_path(path)),
            f.line,
            f.column,
            f.column + f.old.len(),
            property(title),
            data(&message)
        )?;
    }
    for e in &report.errors {
        writeln!(
            out,
            "::error file={},title=reimage::{}",
            property(&display_path(&e.path)),
            data(&e.message)
        )?;
    }
    Ok(())
}

/// Escapes a workflow command message (`%`, CR, LF).
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command property value (also `:` and `,`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(property("x:y,z"), "x%3Ay%2Cz");
    }
}
