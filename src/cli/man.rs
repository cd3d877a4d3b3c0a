//! `reimage man [COMMAND]`: the manual in roff, from the same clap definition as `--help`. Without
//! a command, one complete page, reimage(1): every command with every flag under its help
//! heading, its examples, exit status, files and environment. With one, that command's own page,
//! reimage-COMMAND(1). SEE ALSO names only pages this command writes.
//!
//! clap_mangen renders the parts clap knows (synopsis, flags by heading); the rest is written here.

use std::io::Write;

use clap::{Command, CommandFactory};

use super::{Cli, Error, ExitStatus};

pub(super) const HELP: &str = "Examples:
  reimage man > reimage.1 && man ./reimage.1           # the whole manual
  reimage man rename > reimage-rename.1                 # one command's page
  reimage man | man -l -                                # read it now";

/// The commands that get a page of their own (every one but `help`).
fn commands(root: &Command) -> impl Iterator<Item = &Command> {
    root.get_subcommands().filter(|c| c.get_name() != "help")
}

#[derive(Debug, clap::Args)]
pub(crate) struct ManArgs {
    /// Print only this command's page, reimage-COMMAND(1) (default: the whole manual).
    #[arg(value_name = "COMMAND", value_parser = [
        "rename", "check", "list", "catalog", "verify", "completions", "man"
    ])]
    command: Option<String>,
}

impl ManArgs {
    pub(super) fn run(&self, out: &mut dyn Write) -> Result<ExitStatus, Error> {
        let mut root = Cli::command();
        root.build();
        let mut page = Vec::new();
        match &self.command {
            None => whole(&root, &mut page)?,
            Some(name) => {
                let command = commands(&root)
                    .find(|c| c.get_name() == name)
                    .expect("clap checked the name");
                one(&root, command, &mut page)?;
            }
        }
        out.write_all(&page)?;
        Ok(ExitStatus::Clean)
    }
}

/// reimage(1): every command in full.
fn whole(root: &Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(root.clone()).title("REIMAGE");
    man.render_title(out)?;
    writeln!(out, ".SH NAME")?;
    text(out, &format!("reimage - {}", about(root)))?;
    writeln!(out, ".SH SYNOPSIS")?;
    synopsis(root, out)?;
    writeln!(out, ".SH DESCRIPTION")?;
    text(
        out,
        "reimage finds container image references across repositories (Compose, Kubernetes, \
         Helm, Dockerfiles, CI, scripts and docs) and rewrites them byte for byte. It previews \
         by default; rename -w writes, atomically, file by file.",
    )?;
    writeln!(out, ".SH COMMANDS")?;
    for command in commands(root) {
        writeln!(out, ".TP\n\\fBreimage {}\\fR", command.get_name())?;
        text(out, &about(command))?;
    }
    for command in commands(root) {
        writeln!(out, ".SH \"REIMAGE {}\"", command.get_name().to_uppercase())?;
        body(command, ".SS", out)?;
    }
    common_sections(out)?;
    writeln!(out, ".SH EXAMPLES")?;
    examples(out, root)?;
    writeln!(out, ".SH \"SEE ALSO\"")?;
    let pages: Vec<String> = commands(root).map(page_name).collect();
    text(
        out,
        &format!(
            "{}: each command's page alone, written by reimage man COMMAND.",
            pages.join(", ")
        ),
    )
}

/// reimage-COMMAND(1).
fn one(root: &Command, command: &Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let name = format!("reimage-{}", command.get_name());
    let man = clap_mangen::Man::new(command.clone())
        .title(name.to_uppercase())
        .source(format!("reimage {}", env!("CARGO_PKG_VERSION")));
    man.render_title(out)?;
    writeln!(out, ".SH NAME")?;
    text(out, &format!("{name} - {}", about(command)))?;
    body(command, ".SH", out)?;
    common_sections(out)?;
    writeln!(out, ".SH \"SEE ALSO\"")?;
    let others: Vec<String> = std::iter::once("reimage(1)".to_owned())
        .chain(
            commands(root)
                .filter(|c| c.get_name() != command.get_name())
                .map(page_name),
        )
        .collect();
    text(out, &format!("{}.", others.join(", ")))
}

/// `reimage-rename(1)`.
fn page_name(command: &Command) -> String {
    format!("reimage-{}(1)", command.get_name())
}

fn about(command: &Command) -> String {
    command
        .get_about()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// A command's synopsis, description, flags by heading (as `heading` sections), commands of its
/// own, and examples.
fn body(command: &Command, heading: &str, out: &mut Vec<u8>) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(command.clone());
    writeln!(out, "{heading} SYNOPSIS")?;
    synopsis(command, out)?;
    writeln!(out, "{heading} DESCRIPTION")?;
    text(out, &about(command))?;
    let help = command
        .get_after_help()
        .map(ToString::to_string)
        .unwrap_or_default();
    let (prose, _) = help.split_once("Examples:").unwrap_or((&help, ""));
    for paragraph in prose.split("\n\n").filter(|p| !p.trim().is_empty()) {
        writeln!(out, ".PP")?;
        text(out, paragraph.trim())?;
    }
    let mut options = Vec::new();
    man.render_options_section(&mut options)?;
    // clap_mangen writes a section per help heading; they become subsections of the command.
    let options = without_preamble(&options).replace(".SH ", &format!("{heading} "));
    out.extend(options.as_bytes());
    let subcommands: Vec<&Command> = command
        .get_subcommands()
        .filter(|c| c.get_name() != "help")
        .collect();
    if !subcommands.is_empty() {
        writeln!(out, "{heading} COMMANDS")?;
        for sub in subcommands {
            writeln!(out, ".TP")?;
            synopsis(sub, out)?;
            text(out, &about(sub))?;
        }
    }
    if help.contains("Examples:") {
        writeln!(out, "{heading} EXAMPLES")?;
        examples(out, command)?;
    }
    Ok(())
}

/// The example lines of `command`'s help, kept as written.
fn examples(out: &mut Vec<u8>, command: &Command) -> std::io::Result<()> {
    let help = command
        .get_after_help()
        .map(ToString::to_string)
        .unwrap_or_default();
    let Some((_, lines)) = help.split_once("Examples:") else {
        return Ok(());
    };
    writeln!(out, ".PP\n.nf")?;
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        writeln!(out, "{}", escape(line.trim_end()))?;
    }
    writeln!(out, ".fi")
}

/// EXIT STATUS, FILES and ENVIRONMENT, the same for every page.
fn common_sections(out: &mut Vec<u8>) -> std::io::Result<()> {
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    for (code, meaning) in [
        ("0", "Success: nothing stale (check, rename --check), every reference found (--verify)."),
        ("1", "check or rename --check found references that would change, or --verify found a reference its registry does not have."),
        ("2", "Bad usage, rules or configuration, a file that could not be read or written, or a registry that could not be asked."),
    ] {
        writeln!(out, ".TP\n\\fB{code}\\fR")?;
        text(out, meaning)?;
    }
    writeln!(out, ".SH FILES")?;
    for (file, meaning) in [
        ("reimage.toml, .reimage.toml", "Rules ([[rename]], [check] deny) and [files] settings, found in each path's directory or the nearest above it; --config FILE instead."),
        (".gitignore, .ignore", "Files they ignore are not searched (--no-ignore searches them)."),
        ("$REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json, $DOCKER_CONFIG/config.json, ~/.docker/config.json", "Registry credentials, read only by --verify and reimage verify."),
    ] {
        writeln!(out, ".TP\n\\fB{}\\fR", escape(file))?;
        text(out, meaning)?;
    }
    writeln!(out, ".SH ENVIRONMENT")?;
    for (name, meaning) in [
        ("NO_COLOR", "Set: no colour with --color auto."),
        (
            "CI",
            "Set: no spinner on a terminal (--progress prints one).",
        ),
    ] {
        writeln!(out, ".TP\n\\fB{name}\\fR")?;
        text(out, meaning)?;
    }
    Ok(())
}

/// Filled text, one roff line per source line.
fn text(out: &mut Vec<u8>, text: &str) -> std::io::Result<()> {
    for line in text.lines() {
        writeln!(out, "{}", escape(line.trim()))?;
    }
    Ok(())
}

/// Text safe in roff: backslashes and hyphens escaped, a leading `.` or `'` made literal.
fn escape(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    match escaped.chars().next() {
        Some('.' | '\'') => format!("\\&{escaped}"),
        _ => escaped,
    }
}

/// A section clap_mangen rendered, without the string definitions it starts every render with
/// (the page's title already made them).
fn without_preamble(rendered: &[u8]) -> String {
    String::from_utf8_lossy(rendered)
        .lines()
        .filter(|line| !line.starts_with(".ie \\n(.g .ds Aq") && !line.starts_with(".el .ds Aq"))
        .flat_map(|line| [line, "\n"])
        .collect()
}

/// The usage line `--help` prints (`reimage rename [OPTIONS] [FROM TO | PATH]...`), in bold.
fn synopsis(command: &Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let usage = command.clone().render_usage().to_string();
    let usage = usage.trim().trim_start_matches("Usage:").trim();
    writeln!(out, "\\fB{}\\fR", escape(usage))
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn roff_text_is_escaped() {
        assert_eq!(escape("a-b \\n"), "a\\-b \\en");
        assert_eq!(escape(".gitignore"), "\\&.gitignore");
        assert_eq!(escape("'quoted'"), "\\&'quoted'");
    }
}
