//! Help and manual (issue 15, items 10 and 11): headings in the order Input, Rules, Output,
//! Writing on every command; examples on every help; `reimage man` holds every command and every
//! flag `--help` shows, and every page its SEE ALSO names is one `reimage man` writes. The exact
//! texts are snapshots in tests/cmd/ (help-*.toml, man*.toml).

mod common;

use common::Tree;

const COMMANDS: &[&str] = &[
    "rename",
    "check",
    "list",
    "catalog",
    "verify",
    "completions",
    "man",
];

fn help(args: &[&str]) -> String {
    Tree::new().run(args).expect_code(0).stdout()
}

/// The long flags a help text lists (`--format`, `--max-filesize`…).
fn flags(help: &str) -> Vec<String> {
    let mut flags: Vec<String> = help
        .lines()
        .filter(|l| l.trim_start().starts_with('-'))
        .filter_map(|l| {
            let at = l.find("--")?;
            let flag: String = l[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (flag.len() > 2).then_some(flag)
        })
        .collect();
    flags.dedup();
    flags
}

#[test]
fn headings_come_in_the_order_input_rules_output_writing() {
    for command in ["rename", "check", "list", "verify"] {
        let text = help(&[command, "--help"]);
        let order: Vec<&str> = text
            .lines()
            .filter(|l| l.ends_with(':') && !l.starts_with(' '))
            .collect();
        let expected: &[&str] = match command {
            "rename" => &[
                "Arguments:",
                "Options:",
                "Input:",
                "Rules:",
                "Output:",
                "Writing:",
                "Registries:",
                "Examples:",
            ],
            _ => &[
                "Arguments:",
                "Options:",
                "Input:",
                "Rules:",
                "Output:",
                "Registries:",
                "Examples:",
            ],
        };
        assert_eq!(order, expected, "{command}:\n{text}");
        // Each default once, as people read it.
        assert_eq!(text.matches("[default: 64 MiB]").count(), 1, "{text}");
        assert_eq!(text.matches("[default: one per core]").count(), 1, "{text}");
        assert!(!text.contains("67108864"), "{text}");
    }
}

#[test]
fn every_help_has_examples() {
    assert!(help(&["--help"]).contains("\nExamples:\n  reimage "));
    for command in COMMANDS {
        let text = help(&[command, "--help"]);
        assert!(
            text.contains("\nExamples:\n  reimage "),
            "{command} --help has no examples:\n{text}"
        );
    }
}

#[test]
fn the_manual_holds_every_command_and_flag() {
    let manual = help(&["man"]);
    assert!(
        manual.starts_with(".ie ") || manual.starts_with(".TH"),
        "{manual}"
    );
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH \"EXIT STATUS\"",
        ".SH FILES",
        ".SH EXAMPLES",
    ] {
        assert!(manual.contains(section), "no {section}");
    }
    for command in COMMANDS {
        let heading = format!(".SH \"REIMAGE {}\"", command.to_uppercase());
        assert!(manual.contains(&heading), "no {heading}");
        let page = help(&["man", command]);
        assert!(
            page.contains(&format!(".TH REIMAGE-{} 1", command.to_uppercase())),
            "{page}"
        );
        for flag in flags(&help(&[command, "--help"])) {
            let roff = flag.replace('-', "\\-");
            assert!(manual.contains(&roff), "reimage(1) lacks {command} {flag}");
            assert!(page.contains(&roff), "reimage-{command}(1) lacks {flag}");
        }
    }
}

#[test]
fn see_also_names_only_pages_reimage_man_writes() {
    let mut pages = vec![help(&["man"])];
    pages.extend(COMMANDS.iter().map(|c| help(&["man", c])));
    for page in &pages {
        let see_also = page
            .split(".SH \"SEE ALSO\"\n")
            .nth(1)
            .expect("a SEE ALSO section");
        let named: Vec<&str> = see_also
            .split([',', ' ', '.', ':', '\n'])
            .filter(|w| w.ends_with("(1)"))
            .collect();
        assert!(!named.is_empty(), "{see_also}");
        for name in named {
            let name = name.trim_end_matches("(1)").replace("\\-", "-");
            let args: Vec<&str> = match name.strip_prefix("reimage-") {
                Some(command) => vec!["man", command],
                None if name == "reimage" => vec!["man"],
                None => panic!("SEE ALSO names {name}(1), which reimage does not write"),
            };
            let written = Tree::new().run(&args).expect_code(0).stdout();
            assert!(
                written.contains(&format!(".TH {} 1", name.to_uppercase())),
                "{name}(1)"
            );
        }
    }
}
