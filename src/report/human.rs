//! `--format human`: one line per finding (`path:line:col  old → new  [context]`), grouped by
//! file, then a summary line; `list` prints the inventory grouped by repository.

use std::fmt::{self, Display};
use std::io::{self, Write};

use super::{display_path, inventory, GroupBy, Mode, Report, Summary};
use crate::finding::Action;

/// Terminal styling choices.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub color: bool,
    /// Print only the summary (and errors).
    pub quiet: bool,
}

impl Style {
    /// `text` in colour `code` when colour is on, written straight into the output.
    fn paint<'a, T: Display + ?Sized>(&self, code: &'static str, text: &'a T) -> Painted<'a, T> {
        Painted {
            code: self.color.then_some(code),
            text,
        }
    }
}

/// Text that renders with an ANSI colour, or plain.
struct Painted<'a, T: ?Sized> {
    code: Option<&'static str>,
    text: &'a T,
}

impl<T: Display + ?Sized> Display for Painted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "\x1b[{code}m{}\x1b[0m", self.text),
            None => self.text.fmt(f),
        }
    }
}

const PATH: &str = "35";
const OLD: &str = "31";
const NEW: &str = "32";
const NOTE: &str = "33";
const DIM: &str = "2";

pub(super) fn render(
    report: &Report,
    style: &Style,
    group_by: GroupBy,
    out: &mut dyn Write,
) -> io::Result<()> {
    if report.mode == Mode::List {
        return render_inventory(report, style, group_by, out);
    }
    if !style.quiet {
        // Thousands of lines on a large tree: written piece by piece, no string per finding.
        for (path, f) in report.findings() {
            if report.mode == Mode::Verify && f.action() == Action::Inventory {
                // Shown to exist: the summary counts it.
                continue;
            }
            let at = display_path(path);
            write!(
                out,
                "{}  ",
                style.paint(PATH, &format_args!("{at}:{}:{}", f.line, f.column))
            )?;
            match (f.action(), f.new_reference()) {
                (Action::Rewrite, Some(new)) => {
                    write!(
                        out,
                        "{} → {}",
                        style.paint(OLD, &f.reference),
                        style.paint(NEW, new)
                    )?;
                }
                (Action::Ignored, _) => {
                    write!(out, "{}  ignored (inline `reimage: ignore`)", f.reference)?;
                }
                (Action::Baselined, _) => {
                    write!(out, "{}  accepted by the baseline", f.reference)?;
                }
                (Action::MissingTarget, new) => {
                    match new {
                        Some(new) => write!(out, "{} → {new}", f.reference)?,
                        None => write!(out, "{}", style.paint(OLD, &f.reference))?,
                    }
                    let note = f.note().unwrap_or_default();
                    write!(
                        out,
                        "  {}",
                        style.paint(OLD, &format_args!("missing-target: {note}"))
                    )?;
                }
                (Action::Kept, _) => {
                    let note = f.note().unwrap_or_default();
                    write!(out, "{}  {}", f.reference, style.paint(DIM, &note))?;
                }
                (Action::Review, _) => {
                    let note = f.note().unwrap_or_default();
                    write!(
                        out,
                        "{}  {}",
                        f.reference,
                        style.paint(NOTE, &format_args!("review: {note}"))
                    )?;
                }
                _ => write!(
                    out,
                    "{}  stale ({})",
                    style.paint(OLD, &f.reference),
                    report.rule_text(f)
                )?,
            }
            if let Some(reason) = report.reason(f) {
                write!(out, "  {}", style.paint(NOTE, &format_args!("({reason})")))?;
            }
            let (context, confidence) = (f.context.label(), f.confidence.label());
            writeln!(
                out,
                "  {}",
                style.paint(DIM, &format_args!("[{context}, {confidence}]"))
            )?;
        }
    }
    if !style.quiet {
        for w in &report.warnings {
            writeln!(out, "{}: warning: {}", display_path(&w.path), w.message())?;
        }
    }
    for e in &report.errors {
        writeln!(out, "{}: error: {}", display_path(&e.path), e.message())?;
    }
    writeln!(out, "{}", summary_line(report, &report.summary()))
}

/// `12 references in 5 files would change (compose 2, markdown 10); 2 need review`.
pub(crate) fn summary_line(report: &Report, s: &Summary) -> String {
    if report.mode == Mode::Verify {
        return verify_summary_line(report, s);
    }
    let count = s.rewrite + s.stale;
    let contexts: Vec<String> = s
        .by_context
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let mut line = if count == 0 {
        match report.mode {
            Mode::Check => "no stale references".to_owned(),
            _ => "nothing to change".to_owned(),
        }
    } else {
        let verb = match report.mode {
            Mode::Rename { write: true } => "changed",
            _ => "would change",
        };
        let refs = plural(count, "reference");
        let files = plural(s.files, "file");
        match report.mode {
            Mode::Check => format!(
                "{count} stale {} in {files} ({})",
                if count == 1 {
                    "reference"
                } else {
                    "references"
                },
                contexts.join(", ")
            ),
            _ => format!("{refs} in {files} {verb} ({})", contexts.join(", ")),
        }
    };
    if s.stale > 0 && report.mode != Mode::Check {
        line.push_str(&format!("; {} with no rename target", s.stale));
    }
    if s.digests_carried > 0 {
        line.push_str(&format!(
            "; {} carried to the new name",
            plural(s.digests_carried, "digest")
        ));
    }
    if s.digests_dropped > 0 {
        line.push_str(&format!(
            "; {} dropped (the new tag names another manifest)",
            plural(s.digests_dropped, "digest")
        ));
    }
    if s.missing_target > 0 {
        line.push_str(&format!("; {}", missing_text(s)));
    }
    if s.review > 0 {
        line.push_str(&format!(
            "; {} need{} review",
            s.review,
            if s.review == 1 { "s" } else { "" }
        ));
    }
    if s.baselined > 0 {
        line.push_str(&format!("; {} accepted by the baseline", s.baselined));
    }
    if s.ignored > 0 {
        line.push_str(&format!("; {} ignored", s.ignored));
    }
    if s.kept > 0 {
        let reasons: Vec<String> = s
            .kept_by_reason
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        line.push_str(&format!("; {} kept ({})", s.kept, reasons.join(", ")));
    }
    if report.binary_skipped > 0 {
        line.push_str(&format!(
            "; {} skipped",
            plural(report.binary_skipped, "binary file")
        ));
    }
    let too_large = report.too_large();
    if too_large > 0 {
        line.push_str(&format!(
            "; {} over --max-filesize skipped",
            plural(too_large, "file")
        ));
    }
    if report.warnings.len() > too_large {
        let others = report.warnings.len() - too_large;
        line.push_str(&format!("; {}", plural(others, "warning")));
    }
    if !report.errors.is_empty() {
        line.push_str(&format!("; {}", plural(report.errors.len(), "error")));
    }
    line
}

/// `3 missing targets (1 unreachable), not written`.
fn missing_text(s: &Summary) -> String {
    let mut text = plural(s.missing_target, "missing target");
    if s.unreachable > 0 {
        text.push_str(&format!(" ({} unreachable)", s.unreachable));
    }
    text
}

/// `verify`: `12 references checked in 5 files: 10 exist, 2 missing targets (1 unreachable)`.
fn verify_summary_line(report: &Report, s: &Summary) -> String {
    let checked = s.inventory + s.missing_target;
    let mut line = format!(
        "{} checked in {}: {} exist{}",
        plural(checked, "reference"),
        plural(report.files.len(), "file"),
        s.inventory,
        if s.inventory == 1 { "s" } else { "" }
    );
    if s.missing_target > 0 {
        line.push_str(&format!(", {}", missing_text(s)));
    }
    if !report.errors.is_empty() {
        line.push_str(&format!("; {}", plural(report.errors.len(), "error")));
    }
    line
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn render_inventory(
    report: &Report,
    style: &Style,
    group_by: GroupBy,
    out: &mut dyn Write,
) -> io::Result<()> {
    let images = inventory(report, group_by);
    for (name, entry) in &images {
        let seen: Vec<&str> = entry.tags.iter().map(String::as_str).collect();
        writeln!(
            out,
            "{}  {}  ({})",
            style.paint(
                NEW,
                if name.is_empty() {
                    "(no registry)"
                } else {
                    name
                }
            ),
            if seen.is_empty() {
                "(no tag)".to_owned()
            } else {
                seen.join(", ")
            },
            plural(entry.places.len(), "reference")
        )?;
        if !style.quiet {
            for (path, line, column, context, note) in &entry.places {
                write!(out, "  {}:{line}:{column}  [{context}]", display_path(path))?;
                match note {
                    Some(note) => writeln!(out, "  {}", style.paint(OLD, note))?,
                    None => writeln!(out)?,
                }
            }
        }
    }
    for e in &report.errors {
        writeln!(out, "{}: error: {}", display_path(&e.path), e.message())?;
    }
    let noun = match group_by {
        GroupBy::Repository => "image",
        GroupBy::Registry => "registry",
    };
    let groups = if images.len() == 1 || noun == "image" {
        plural(images.len(), noun)
    } else {
        format!("{} registries", images.len())
    };
    let s = report.summary();
    write!(
        out,
        "{groups} in {} across {}",
        plural(s.inventory + s.missing_target + s.review, "reference"),
        plural(report.files.len(), "file")
    )?;
    if s.missing_target > 0 {
        write!(out, "; {}", missing_text(&s))?;
    }
    writeln!(out)
}
