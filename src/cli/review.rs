//! `rename -i`: each change shown with a few lines around it, then yes, no, all or quit, as
//! fastmod asks. A declined change is kept as written (`kept: declined`); what was accepted is
//! written afterwards by the usual atomic path, so the review only sets findings aside.
//!
//! Answers are lines read from standard input: a terminal, or a pipe (`printf 'y\nn\nq\n' |
//! reimage rename … -i`), which scripts and tests use. The end of the input is a quit.

use std::io::{BufRead, Write};
use std::ops::Range;

use reimage::finding::{Disposition, KeptReason};
use reimage::Report;

/// Lines of context shown before and after a change.
const CONTEXT: usize = 2;

/// How the review went.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Reviewed {
    pub(super) accepted: usize,
    pub(super) declined: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Yes,
    No,
    All,
    Quit,
}

/// Asks about every change of `report` in file order, showing it on `screen` and reading the
/// answers from `answers`; declined changes are set aside, and files left with none are no
/// longer planned.
pub(super) fn review(
    report: &mut Report,
    answers: &mut dyn BufRead,
    screen: &mut dyn Write,
) -> std::io::Result<Reviewed> {
    let total: usize = report
        .files
        .iter()
        .flat_map(|f| &f.findings)
        .filter(|f| !f.edits().is_empty())
        .count();
    let mut reviewed = Reviewed::default();
    // Once `all` or `quit` is answered, the rest follow without asking.
    let mut rest: Option<Answer> = None;
    let mut asked = 0;
    for file in &mut report.files {
        let Some(original) = file.original.clone() else {
            continue;
        };
        for finding in &mut file.findings {
            if finding.edits().is_empty() {
                continue;
            }
            asked += 1;
            let answer = match rest {
                Some(answer) => answer,
                None => {
                    let path = file.path.to_string_lossy();
                    writeln!(
                        screen,
                        "\n{}:{}:{}  ({asked} of {total})",
                        path.strip_prefix("./").unwrap_or(&path),
                        finding.line,
                        finding.column
                    )?;
                    let edits: Vec<(Range<usize>, &str)> = finding
                        .edits()
                        .iter()
                        .map(|e| (e.range.clone(), e.new.as_str()))
                        .collect();
                    hunk(&original, &edits, screen)?;
                    ask(answers, screen)?
                }
            };
            if matches!(answer, Answer::All | Answer::Quit) {
                rest = Some(answer);
            }
            if matches!(answer, Answer::Yes | Answer::All) {
                reviewed.accepted += 1;
            } else {
                finding.disposition = Some(Disposition::Kept(KeptReason::Declined));
                reviewed.declined += 1;
            }
        }
        if file.findings.iter().all(|f| f.edits().is_empty()) {
            file.original = None;
        }
    }
    Ok(reviewed)
}

/// Asks until an answer is understood; the end of the input is a quit.
fn ask(answers: &mut dyn BufRead, screen: &mut dyn Write) -> std::io::Result<Answer> {
    loop {
        write!(screen, "Apply this change? [y]es [n]o [a]ll [q]uit: ")?;
        screen.flush()?;
        let mut line = String::new();
        if answers.read_line(&mut line)? == 0 {
            writeln!(screen)?;
            return Ok(Answer::Quit);
        }
        match line.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => return Ok(Answer::Yes),
            "n" | "no" => return Ok(Answer::No),
            "a" | "all" => return Ok(Answer::All),
            "q" | "quit" => return Ok(Answer::Quit),
            _ => writeln!(screen, "Answer y, n, a or q.")?,
        }
    }
}

/// The lines `edits` touch, before (`-`) and after (`+`), with [`CONTEXT`] lines around them.
fn hunk(
    original: &[u8],
    edits: &[(Range<usize>, &str)],
    screen: &mut dyn Write,
) -> std::io::Result<()> {
    let (Some(first), Some(last)) = (edits.first(), edits.last()) else {
        return Ok(());
    };
    let starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', original).map(|i| i + 1))
        .filter(|&i| i < original.len() || i == 0)
        .collect();
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset) - 1;
    let first_line = line_of(first.0.start);
    let last_line = line_of(last.0.end.saturating_sub(1).max(first.0.start));
    let line_end = |line: usize| starts.get(line + 1).copied().unwrap_or(original.len());
    let changed = starts[first_line]..line_end(last_line);
    let before = first_line.saturating_sub(CONTEXT);
    let after = (last_line + CONTEXT).min(starts.len() - 1);
    let show = |screen: &mut dyn Write, prefix: &str, bytes: &[u8]| -> std::io::Result<()> {
        for line in String::from_utf8_lossy(bytes).lines() {
            writeln!(screen, "{prefix}{line}")?;
        }
        Ok(())
    };
    show(screen, "  ", &original[starts[before]..changed.start])?;
    show(screen, "- ", &original[changed.clone()])?;
    let mut new = Vec::new();
    let mut at = changed.start;
    for (range, replacement) in edits {
        new.extend_from_slice(&original[at..range.start]);
        new.extend_from_slice(replacement.as_bytes());
        at = range.end;
    }
    new.extend_from_slice(&original[at..changed.end]);
    show(screen, "+ ", &new)?;
    show(screen, "  ", &original[changed.end..line_end(after)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hunk_shows_the_changed_line_with_context() {
        let text = b"a\nb\nimage: old/app:1\nc\nd\ne\n";
        let at = 11..18;
        assert_eq!(&text[at.clone()], b"old/app");
        let mut screen = Vec::new();
        hunk(text, &[(at, "new/app")], &mut screen).unwrap();
        assert_eq!(
            String::from_utf8(screen).unwrap(),
            "  a\n  b\n- image: old/app:1\n+ image: new/app:1\n  c\n  d\n"
        );
    }

    #[test]
    fn a_hunk_at_the_end_without_a_newline() {
        let mut screen = Vec::new();
        hunk(b"x\nold/app", &[(2..9, "new/app")], &mut screen).unwrap();
        assert_eq!(
            String::from_utf8(screen).unwrap(),
            "  x\n- old/app\n+ new/app\n"
        );
    }

    #[test]
    fn answers_are_read_until_understood_and_the_end_is_quit() {
        let mut screen = Vec::new();
        let mut input: &[u8] = b"maybe\nY\n\nall\n";
        assert_eq!(ask(&mut input, &mut screen).unwrap(), Answer::Yes);
        assert_eq!(ask(&mut input, &mut screen).unwrap(), Answer::All);
        assert_eq!(ask(&mut input, &mut screen).unwrap(), Answer::Quit);
        assert!(String::from_utf8(screen)
            .unwrap()
            .contains("Answer y, n, a or q."));
    }
}
