//! `--format markdown`: a summary and a table, for a pull-request comment or `$GITHUB_STEP_SUMMARY`.

use std::io::{self, Write};

use super::{display_path, human::summary_line, inventory, GroupBy, Mode, Report};
use crate::finding::{Action, Confidence, Finding};

pub(super) fn render(report: &Report, group_by: GroupBy, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### reimage\n")?;
    if report.mode == Mode::List {
        writeln!(out, "| Image | Tags | References |\n|---|---|---|")?;
        for (name, entry) in inventory(report, group_by) {
            let tags: Vec<&str> = entry.tags.iter().map(String::as_str).collect();
            writeln!(
                out,
                "| `{}` | {} | {} |",
                cell(&name),
                cell(&tags.join(", ")),
                entry.places.len()
            )?;
        }
        if !report.has_missing() {
            return Ok(());
        }
        writeln!(out)?;
    }
    if report.mode != Mode::List {
        writeln!(out, "{}\n", summary_line(report, &report.summary()))?;
    }
    let rows: Vec<_> = report
        .findings()
        .filter(|(_, f)| f.action() != Action::Inventory)
        .collect();
    if !rows.is_empty() {
        writeln!(
            out,
            "| File | Line | Reference | Becomes | Context | Action |\n|---|---:|---|---|---|---|"
        )?;
        for (path, f) in rows {
            let mut becomes = match (f.new_reference(), f.note()) {
                (Some(new), _) if f.action() == Action::Rewrite => format!("`{}`", cell(new)),
                (_, Some(note)) => cell(&note),
                _ => String::new(),
            };
            if let Some(reason) = report.reason(f) {
                becomes.push_str(&format!(" ({})", cell(reason)));
            }
            writeln!(
                out,
                "| `{}` | {} | `{}` | {} | {} | {} |",
                cell(&display_path(path)),
                f.line,
                cell(&f.reference),
                becomes,
                context(f),
                f.action().label()
            )?;
        }
    }
    for e in &report.errors {
        writeln!(
            out,
            "\n**Error** in `{}`: {}",
            cell(&display_path(&e.path)),
            cell(&e.message())
        )?;
    }
    Ok(())
}

/// Makes text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('\n', " ")
        .replace('`', "'")
}

/// The context cell: the kind of file, and `setting` for a registry or prefix setting.
fn context(f: &Finding) -> String {
    match f.confidence {
        Confidence::Setting => format!("{}, {}", f.context.label(), f.confidence.label()),
        _ => f.context.label().to_owned(),
    }
}
