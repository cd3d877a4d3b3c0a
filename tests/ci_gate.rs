//! The CI gate: reimage.toml discovery and errors, `--save`, every output format on one fixture,
//! inline ignores, the baseline flow, completions and the man page.

mod common;

use common::Tree;

const OLD: &str = "ghcr.io/gdtiti/grok2api";
const NEW: &str = "ghcr.io/gdtiti/grok2api-api";

fn seed_with_config() -> Tree {
    Tree::copy_of("seed/repo").file(
        "reimage.toml",
        "# the package was deleted on GHCR\n[[rename]]\nfrom = \"ghcr.io/gdtiti/grok2api\"\nto = \"ghcr.io/gdtiti/grok2api-api\"\nreason = \"name reserved\"\n\n[files]\nexclude = [\"docs/alternatives.md\"]\n",
    )
}

#[test]
fn config_is_discovered_from_a_subdirectory() {
    let tree = seed_with_config();
    let run = tree
        .run(&["rename", "k8s", "--format", "json"])
        .expect_code(0);
    assert_eq!(run.json()["summary"]["rewrite"], 3);
    let run = tree.run(&["check", "docs", "scripts"]).expect_code(1);
    assert!(
        run.stdout().contains("stale references in 4 files"),
        "{}",
        run.stdout()
    );
    // `[files] exclude` applies: docs/alternatives.md has a reference but is not searched.
    assert!(!run.stdout().contains("alternatives.md"));
}

#[test]
fn config_errors_point_at_file_line_and_column() {
    let tree = Tree::new()
        .file(
            "reimage.toml",
            "[[rename]]\nfrom = \"ghcr.io/a/b\"\nto = 42\n",
        )
        .file("a.yaml", "image: ghcr.io/a/b\n");
    let run = tree.run(&["check"]).expect_code(2);
    assert!(
        run.stderr()
            .contains("reimage.toml:3:6: `to` must be a string"),
        "{}",
        run.stderr()
    );
    let tree = Tree::new().file(
        "reimage.toml",
        "[[rename]]\nfrom = \"ghcr.io/A/b\"\nto = \"ghcr.io/a/c\"\n",
    );
    let run = tree.run(&["rename"]).expect_code(2);
    assert!(run.stderr().contains("reimage.toml:2"), "{}", run.stderr());
    assert!(
        run.stderr().contains("write `ghcr.io/a/b`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn save_appends_the_rule_and_keeps_comments() {
    let tree = Tree::new()
        .file("reimage.toml", "# Image migrations for this repo.\n\n[files]\nexclude = [\"CHANGELOG.md\"]  # history stays\n")
        .file("a.yaml", "image: ghcr.io/a/b:1\n");
    tree.run(&["rename", "ghcr.io/a/b", "ghcr.io/a/c", "--save"])
        .expect_code(0);
    let text = tree.read_str("reimage.toml");
    assert!(text.starts_with("# Image migrations for this repo.\n\n[files]\nexclude = [\"CHANGELOG.md\"]  # history stays\n"), "{text}");
    assert!(
        text.contains("[[rename]]\nfrom = \"ghcr.io/a/b\"\nto = \"ghcr.io/a/c\"\n"),
        "{text}"
    );
    tree.run(&["rename", "-w"]).expect_code(0);
    assert_eq!(tree.read_str("a.yaml"), "image: ghcr.io/a/c:1\n");
}

#[test]
fn sarif_validates_against_the_2_1_0_schema_and_carries_fixes() {
    let tree = Tree::copy_of("seed/repo");
    let run = tree
        .run(&[
            "check",
            "--deny",
            "ghcr.io/gdtiti/grok2api",
            "--format",
            "sarif",
        ])
        .expect_code(1);
    let sarif = run.json();
    let mut schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(common::testdata_path("sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    // The schema's `language` patterns are not valid regexes for strict meta-validation (see the
    // spec's README); they constrain a field we do not emit, so they are dropped before compiling.
    for definition in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][definition]["properties"]["language"];
        language
            .as_object_mut()
            .unwrap()
            .remove("pattern")
            .expect("the known bad pattern");
    }
    let validator = jsonschema::options()
        .should_validate_formats(false)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.iter().filter(|r| r["level"] == "error").count(), 55);

    let run = tree
        .run(&["rename", OLD, NEW, "--format", "sarif"])
        .expect_code(0);
    let sarif = run.json();
    let with_fix = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "docker-compose.yml"
        })
        .expect("a compose result");
    let replacement = &with_fix["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], NEW);
    assert!(validator.is_valid(&sarif));
}

#[test]
fn github_annotations_are_well_formed_workflow_commands() {
    let tree = Tree::copy_of("seed/repo");
    let run = tree
        .run(&["rename", OLD, NEW, "--check", "--format", "github"])
        .expect_code(1);
    let lines: Vec<&str> = run
        .stdout()
        .lines()
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .leak()
        .iter()
        .map(String::as_str)
        .collect();
    let errors: Vec<&&str> = lines.iter().filter(|l| l.starts_with("::error ")).collect();
    assert_eq!(errors.len(), 55);
    for line in &lines {
        let (props, message) = line
            .trim_start_matches("::")
            .split_once("::")
            .expect("command::message");
        let (command, props) = props.split_once(' ').expect("command and properties");
        assert!(["error", "notice"].contains(&command), "{line}");
        for prop in props.split(',') {
            let (key, _) = prop.split_once('=').expect("key=value");
            assert!(
                ["file", "line", "col", "endColumn", "title"].contains(&key),
                "{line}"
            );
        }
        assert!(!message.is_empty());
    }
    assert!(lines.contains(&"::error file=docker-compose.yml,line=8,col=12,endColumn=42,title=Stale image reference::ghcr.io/gdtiti/grok2api:latest should be ghcr.io/gdtiti/grok2api-api:latest (ghcr.io/gdtiti/grok2api → ghcr.io/gdtiti/grok2api-api)"));
}

#[test]
fn markdown_is_a_summary_and_a_table() {
    let tree = Tree::copy_of("seed/repo");
    let out = tree
        .run(&["rename", OLD, NEW, "--format", "markdown"])
        .expect_code(0)
        .stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "### reimage");
    assert!(lines[2].starts_with("55 references in 15 files would change"));
    let header = lines
        .iter()
        .position(|l| l.starts_with("| File |"))
        .unwrap();
    assert_eq!(lines[header + 1], "|---|---:|---|---|---|---|");
    let rows: Vec<&&str> = lines[header + 2..]
        .iter()
        .filter(|l| l.starts_with("| `"))
        .collect();
    assert_eq!(
        rows.len(),
        55 + 2 + 1,
        "rewrites, reviews and the ignored one"
    );
    assert!(
        rows.iter().all(|r| r.matches(" | ").count() == 5),
        "every row has six cells"
    );
}

#[test]
fn inline_ignores_work_in_yaml_shell_and_markdown() {
    let tree = Tree::new()
        .file("k8s.yaml", "spec:\n  containers:\n    # reimage: ignore-next-line\n    - image: ghcr.io/a/b:1\n    - image: ghcr.io/a/b:2\n")
        .file("run.sh", "docker pull ghcr.io/a/b:1  # reimage: ignore\ndocker pull ghcr.io/a/b:2\n")
        .file("NOTES.md", "<!-- reimage: ignore-start -->\nWe moved from `ghcr.io/a/b`.\n<!-- reimage: ignore-end -->\nUse `ghcr.io/a/b`.\n");
    let doc = tree
        .run(&["rename", "ghcr.io/a/b", "ghcr.io/a/c", "--format", "json"])
        .expect_code(0)
        .json();
    assert_eq!(doc["summary"]["ignored"], 3);
    assert_eq!(doc["summary"]["rewrite"], 3);
    tree.run(&["rename", "ghcr.io/a/b", "ghcr.io/a/c", "-w"])
        .expect_code(0);
    tree.run(&["check", "--deny", "ghcr.io/a/b"]).expect_code(0);
    assert_eq!(tree.read_str("NOTES.md"), "<!-- reimage: ignore-start -->\nWe moved from `ghcr.io/a/b`.\n<!-- reimage: ignore-end -->\nUse `ghcr.io/a/c`.\n");
}

#[test]
fn baseline_accepts_recorded_findings_and_fails_on_new_ones() {
    let tree = Tree::new()
        .file("a.yaml", "image: ghcr.io/a/b:1\n")
        .file("b.sh", "docker pull ghcr.io/a/b:2\n");
    tree.run(&["check", "--deny", "ghcr.io/a/b"]).expect_code(1);
    tree.run(&[
        "check",
        "--deny",
        "ghcr.io/a/b",
        "--write-baseline",
        "reimage-baseline.json",
    ])
    .expect_code(0);
    let run = tree
        .run(&[
            "check",
            "--deny",
            "ghcr.io/a/b",
            "--baseline",
            "reimage-baseline.json",
        ])
        .expect_code(0);
    assert!(
        run.stdout().contains("2 accepted by the baseline"),
        "{}",
        run.stdout()
    );
    // A line added above does not invalidate the baseline; a new reference fails the gate.
    std::fs::write(tree.path().join("a.yaml"), "# web\nimage: ghcr.io/a/b:1\n").unwrap();
    tree.run(&[
        "check",
        "--deny",
        "ghcr.io/a/b",
        "--baseline",
        "reimage-baseline.json",
    ])
    .expect_code(0);
    std::fs::write(tree.path().join("c.yaml"), "image: ghcr.io/a/b:3\n").unwrap();
    let run = tree
        .run(&[
            "check",
            "--deny",
            "ghcr.io/a/b",
            "--baseline",
            "reimage-baseline.json",
        ])
        .expect_code(1);
    assert!(run.stdout().contains("c.yaml:1:8"), "{}", run.stdout());
}

#[test]
fn list_groups_by_registry() {
    let tree = Tree::copy_of("seed/repo");
    let out = tree
        .run(&["list", "--group-by", "registry", "-q"])
        .expect_code(0)
        .stdout();
    assert_eq!(
        out,
        "docker.io  docker.io/docker/dockerfile, docker.io/gdtiti/grok2api, docker.io/library/python, docker.io/library/redis  (5 references)\nghcr.io  ghcr.io/gdtiti/grok2api, ghcr.io/gdtiti/grok2api-api  (33 references)\n2 registries in 38 references across 14 files\n"
    );
    let md = tree
        .run(&["list", "--format", "markdown"])
        .expect_code(0)
        .stdout();
    assert!(md.contains("| `ghcr.io/gdtiti/grok2api` |"), "{md}");
}

#[test]
fn completions_and_man_page_are_generated() {
    let tree = Tree::new();
    let bash = tree.run(&["completions", "bash"]).expect_code(0).stdout();
    assert!(bash.contains("reimage") && bash.contains("--deny"));
    let man = tree.run(&["man"]).expect_code(0).stdout();
    assert!(
        man.contains(".TH REIMAGE 1"),
        "{}",
        &man[..200.min(man.len())]
    );
}

#[test]
fn write_refuses_files_with_uncommitted_changes_unless_allowed() {
    let tree = Tree::new()
        .file("a.yaml", "image: ghcr.io/a/b:1\n")
        .file("b.yaml", "image: ghcr.io/a/b:2\n");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(tree.path())
            .output()
            .expect("git runs")
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "init"]);
    std::fs::write(tree.path().join("b.yaml"), "image: ghcr.io/a/b:3\n").unwrap();
    let run = tree
        .run(&["rename", "ghcr.io/a/b", "ghcr.io/a/c", "-w"])
        .expect_code(2);
    assert!(
        run.stderr().contains("uncommitted changes") && run.stderr().contains("b.yaml"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        tree.read_str("a.yaml"),
        "image: ghcr.io/a/b:1\n",
        "nothing is written"
    );
    tree.run(&[
        "rename",
        "ghcr.io/a/b",
        "ghcr.io/a/c",
        "-w",
        "--allow-dirty",
    ])
    .expect_code(0);
    assert_eq!(tree.read_str("b.yaml"), "image: ghcr.io/a/c:3\n");
}

/// The README's recipes, pasted as a new user would: YAML blocks parse, and every `reimage`
/// command line in them is accepted by the argument parser.
#[test]
fn readme_recipes_are_valid_yaml_and_use_existing_flags() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in readme.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => current = Some((lang.trim().to_owned(), String::new())),
            (Some(_), Some(_)) => blocks.push(current.take().unwrap()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    let yaml_blocks: Vec<&String> = blocks
        .iter()
        .filter(|(l, _)| l == "yaml")
        .map(|(_, b)| b)
        .collect();
    assert!(yaml_blocks.len() >= 4);
    for body in &yaml_blocks {
        // Some recipes are fragments of a steps list; indentation is still YAML.
        for event in saphyr_parser::Parser::new_from_str(body) {
            assert!(event.is_ok(), "invalid YAML in README:\n{body}\n{event:?}");
        }
    }
    let tree = Tree::copy_of("seed/repo");
    let mut checked = 0;
    for (_, body) in &blocks {
        for line in body.lines() {
            let Some(at) = line.find("reimage ") else {
                continue;
            };
            let rest = &line[at + "reimage ".len()..];
            let command = rest
                .split(" #")
                .next()
                .unwrap()
                .split(" >")
                .next()
                .unwrap()
                .split(" |")
                .next()
                .unwrap();
            let command = command
                .trim()
                .trim_end_matches('\\')
                .trim()
                .trim_end_matches('"');
            let words: Vec<&str> = command.split_whitespace().collect();
            if !matches!(
                words.first(),
                Some(&("rename" | "check" | "list" | "completions" | "man"))
            ) {
                continue;
            }
            let mut args = words.clone();
            args.push("--help");
            let run = tree.run(&args);
            assert_eq!(
                run.code(),
                0,
                "`reimage {command}` is rejected: {}",
                run.stderr()
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} commands found");
}

#[test]
fn action_and_pre_commit_hooks_are_valid_and_call_existing_flags() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["action.yml", ".pre-commit-hooks.yaml"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for event in saphyr_parser::Parser::new_from_str(&text) {
            assert!(event.is_ok(), "{file}: {event:?}");
        }
    }
    let hooks = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    let tree = Tree::new();
    for entry in hooks
        .lines()
        .filter_map(|l| l.trim().strip_prefix("entry: reimage "))
    {
        let mut args: Vec<&str> = entry.split_whitespace().collect();
        args.push("--help");
        tree.run(&args).expect_code(0);
    }
    let action = std::fs::read_to_string(root.join("action.yml")).unwrap();
    assert!(action.contains("--format github") && action.contains("--format markdown"));
    // The binary is cached per action version and runner, and built only on a miss.
    assert!(action.contains("uses: actions/cache@v4"), "{action}");
    assert!(action.contains("${{ github.action_ref }}"), "{action}");
    assert!(action.contains("${RUNNER_OS}-${RUNNER_ARCH}"), "{action}");
    assert!(
        action.contains("if: steps.cache.outputs.cache-hit != 'true'"),
        "{action}"
    );
    assert!(
        action.contains(
            "cargo install --locked --path \"$GITHUB_ACTION_PATH\" --root \"$REIMAGE_ROOT\""
        ),
        "{action}"
    );
    tree.run(&["check", "--deny", "x", "--format", "github", "--help"])
        .expect_code(0);
}

/// The README's action and pre-commit examples name a version the changelog has released, or
/// pin a commit while there is none.
#[test]
fn readme_examples_name_a_released_version_or_a_commit() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let changelog = std::fs::read_to_string(root.join("CHANGELOG.md")).unwrap();
    let released: Vec<&str> = changelog
        .lines()
        .filter_map(|l| l.strip_prefix("## ["))
        .filter_map(|l| l.split(']').next())
        .filter(|v| *v != "Unreleased")
        .collect();
    let pins: Vec<&str> = readme
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("rev: ")
                .or_else(|| l.strip_prefix("- uses: OWNER/reimage@"))
                .or_else(|| l.split("--rev ").nth(1))
        })
        .map(|rest| rest.split_whitespace().next().unwrap_or_default())
        .collect();
    assert!(pins.len() >= 3, "{pins:?}");
    for pin in pins {
        let ok = match pin {
            "COMMIT" => readme.contains("pin a commit"),
            version => released.contains(&version.trim_start_matches('v')),
        };
        assert!(
            ok,
            "README pins `{pin}`, which the changelog has not released ({released:?})"
        );
    }
}
