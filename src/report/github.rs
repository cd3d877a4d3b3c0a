//! `--format github`: GitHub Actions workflow commands, one `::error` per stale finding and one
//! `::notice` per review finding, so that each shows on its line in the pull request.

use std::io::{self, Write};

use super::{display_path, Report};
use crate::finding::{Action, Confidence};

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (path, f) in report.findings() {
        let rule = report.rule_text(f);
        let setting = f.confidence == Confidence::Setting;
        let (command, title, mut message) = match f.action() {
            Action::Rewrite if setting => (
                "error",
                "Stale registry setting",
                format!(
                    "{} should be {} ({rule})",
                    f.reference,
                    f.new_reference().unwrap_or("?"),
                ),
            ),
            Action::Stale if setting => (
                "error",
                "Retired registry setting",
                format!("{} is retired ({rule})", f.reference),
            ),
            Action::Rewrite => (
                "error",
                "Stale image reference",
                format!(
                    "{} should be {} ({rule})",
                    f.reference,
                    f.new_reference().unwrap_or("?"),
                ),
            ),
            Action::Stale => (
                "error",
                "Retired image reference",
                format!("{} is retired ({rule})", f.reference),
            ),
            Action::Review => (
                "notice",
                "Image reference to review",
                format!("{}: {}", f.reference, f.note().unwrap_or_default()),
            ),
            Action::MissingTarget => (
                "error",
                "Image not in its registry",
                format!(
                    "{}: missing target {}",
                    f.reference,
                    f.note().unwrap_or_default()
                ),
            ),
            _ => continue,
        };
        let command = match command {
            "error" => report.failing_level(f),
            other => other,
        };
        if let Some(reason) = report.reason(f) {
            message.push_str(&format!(": {reason}"));
        }
        let (end_line, end_column) = f.end();
        write!(
            out,
            "::{command} file={},line={},col={},",
            property(&display_path(path)),
            f.line,
            f.column,
        )?;
        if end_line != f.line {
            write!(out, "endLine={end_line},")?;
        }
        writeln!(
            out,
            "endColumn={end_column},title={}::{}",
            property(title),
            data(&message)
        )?;
    }
    for e in &report.errors {
        writeln!(
            out,
            "::error file={},title=reimage::{}",
            property(&display_path(&e.path)),
            data(&e.message())
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
