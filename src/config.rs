//! `reimage.toml`: discovery (upward from each path, like `.editorconfig`), parsing with error
//! locations, and `--save`, which appends a rule while keeping the file's comments and layout.
//!
//! ```toml
//! [[rename]]
//! from = "ghcr.io/gdtiti/grok2api"
//! to = "ghcr.io/gdtiti/grok2api-api"
//! reason = "package deleted; name reserved"
//!
//! [check]
//! deny = ["k8s.gcr.io/"]
//! catalog = true              # or ["k8s-gcr-io", "bitnami-legacy"]
//! catalog-fail-on = "frozen"
//!
//! [files]
//! exclude = ["CHANGELOG.md"]
//! ```

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml_edit::{Document, DocumentMut, Item, Table};

use crate::rule::RuleSpec;

/// File names looked for in each directory, in order.
pub const CONFIG_NAMES: &[&str] = &["reimage.toml", ".reimage.toml"];

/// What the configuration files say, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileConfig {
    /// `[[rename]]` rules.
    pub renames: Vec<RuleSpec>,
    /// `[check] deny`: retired names or prefixes with no rename target.
    pub deny: Vec<RuleSpec>,
    /// `[check] catalog`: `true` (every entry: `Some(vec![])`) or a list of entry ids — what
    /// `check --catalog` does.
    pub catalog: Option<Vec<String>>,
    /// `[check] catalog-fail-on`: `removed`, `frozen` or `deprecated`.
    pub catalog_fail_on: Option<String>,
    /// `[files] exclude` globs.
    pub exclude: Vec<String>,
    /// `[files] include-history = true`: rewrite changelogs and release notes too.
    pub include_history: bool,
    /// `[files] include-vendored = true`: rewrite vendored and generated code too.
    pub include_vendored: bool,
    /// The files read, in order.
    pub sources: Vec<PathBuf>,
}

/// A configuration file that cannot be used, with the place of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", path.display())]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The configuration file that applies to `path`: the nearest one in it or its ancestors.
pub fn discover(path: &Path) -> Option<PathBuf> {
    let start = fs::canonicalize(path).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        for name in CONFIG_NAMES {
            let candidate = d.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        dir = d.parent();
    }
    None
}

/// `[files] exclude` globs of a configuration in `config_dir`, made relative to `cwd` (where the
/// walk's globs are matched). A glob without a directory part (`CHANGELOG.md`, `*.lock`) or
/// starting with `**/` matches at any depth and is kept; one with a directory part is relative
/// to the configuration's directory: it is prefixed with that directory when the configuration
/// lies below `cwd`, stripped of the way down when it lies above, and dropped when it cannot
/// match anything under `cwd`.
pub fn exclude_globs(config_dir: &Path, cwd: &Path, globs: &[String]) -> Vec<String> {
    globs
        .iter()
        .filter_map(|glob| {
            let anchored = glob.trim_start_matches('/');
            let has_directory =
                glob.starts_with('/') || anchored.trim_end_matches('/').contains('/');
            if !has_directory || anchored.starts_with("**/") {
                return Some(glob.clone());
            }
            if let Ok(down) = config_dir.strip_prefix(cwd) {
                let down = down.to_string_lossy();
                return Some(match down.as_ref() {
                    "" => anchored.to_owned(),
                    down => format!("{down}/{anchored}"),
                });
            }
            let up = cwd
                .strip_prefix(config_dir)
                .ok()?
                .to_string_lossy()
                .into_owned();
            anchored.strip_prefix(&format!("{up}/")).map(str::to_owned)
        })
        .collect()
}

/// Loads and merges `files` (duplicates read once).
pub fn load(files: &[PathBuf]) -> Result<FileConfig, ConfigError> {
    let mut config = FileConfig::default();
    for file in files {
        if config.sources.contains(file) {
            continue;
        }
        let text = fs::read_to_string(file).map_err(|e| ConfigError {
            path: file.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read: {e}"),
        })?;
        parse_into(file, &text, &mut config)?;
        config.sources.push(file.clone());
    }
    Ok(config)
}

fn parse_into(path: &Path, text: &str, config: &mut FileConfig) -> Result<(), ConfigError> {
    let lines = Lines::new(text);
    let error = |span: Option<Range<usize>>, message: String| {
        let (line, column) = lines.locate(span.map_or(0, |s| s.start));
        ConfigError {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let doc = Document::parse(text).map_err(|e| error(e.span(), e.message().trim().to_owned()))?;
    let root = doc.as_table();
    for (key, _) in root.iter() {
        if !matches!(key, "rename" | "check" | "files") {
            let span = root.key(key).and_then(|k| k.span());
            return Err(error(
                span,
                format!("unknown section `{key}`; expected [[rename]], [check] or [files]"),
            ));
        }
    }
    if let Some(item) = root.get("rename") {
        let tables = item.as_array_of_tables().ok_or_else(|| {
            error(
                item.span(),
                "`rename` must be an array of tables: write [[rename]]".to_owned(),
            )
        })?;
        for table in tables.iter() {
            config
                .renames
                .push(rename_rule(table, path, &lines).map_err(|(span, m)| error(span, m))?);
        }
    }
    if let Some(check) = root.get("check") {
        for (value, span) in strings(check, "deny", "[check] deny").map_err(|(s, m)| error(s, m))? {
            let origin = origin(path, &lines, span.clone());
            config.deny.push(RuleSpec::deny(value, origin));
        }
        check_catalog(check, config).map_err(|(s, m)| error(s, m))?;
    }
    if let Some(files) = root.get("files") {
        for (value, _) in
            strings(files, "exclude", "[files] exclude").map_err(|(s, m)| error(s, m))?
        {
            config.exclude.push(value);
        }
        for (key, field) in [
            ("include-history", &mut config.include_history),
            ("include-vendored", &mut config.include_vendored),
        ] {
            let Some(item) = files.get(key) else {
                continue;
            };
            *field = item.as_bool().ok_or_else(|| {
                error(item.span(), format!("[files] {key} must be true or false"))
            })?;
        }
    }
    Ok(())
}

type Located = (Option<Range<usize>>, String);

/// `[check]`'s keys besides `deny`: `catalog` and `catalog-fail-on`.
fn check_catalog(check: &Item, config: &mut FileConfig) -> Result<(), Located> {
    let Some(table) = check.as_table_like() else {
        return Ok(());
    };
    for (key, item) in table.iter() {
        if !matches!(key, "deny" | "catalog" | "catalog-fail-on") {
            return Err((
                item.span(),
                format!("unknown key `{key}` in [check]; expected deny, catalog, catalog-fail-on"),
            ));
        }
    }
    if let Some(item) = table.get("catalog") {
        config.catalog = match item.as_bool() {
            Some(true) => Some(Vec::new()),
            Some(false) => None,
            None => Some(
                strings(
                    check,
                    "catalog",
                    "[check] catalog (true, or a list of entry ids)",
                )?
                .into_iter()
                .map(|(id, _)| id)
                .collect(),
            ),
        };
    }
    if let Some(item) = table.get("catalog-fail-on") {
        let value = item
            .as_str()
            .filter(|v| matches!(*v, "removed" | "frozen" | "deprecated"))
            .ok_or_else(|| {
                (
                    item.span(),
                    "[check] catalog-fail-on must be \"removed\", \"frozen\" or \"deprecated\""
                        .to_owned(),
                )
            })?;
        config.catalog_fail_on = Some(value.to_owned());
    }
    Ok(())
}
type Spanned = (String, Option<Range<usize>>);

fn rename_rule(table: &Table, path: &Path, lines: &Lines<'_>) -> Result<RuleSpec, Located> {
    let field = |name: &str| -> Result<Option<String>, Located> {
        match table.get(name) {
            None => Ok(None),
            Some(item) => item
                .as_str()
                .map(|s| Some(s.to_owned()))
                .ok_or_else(|| (item.span(), format!("`{name}` must be a string"))),
        }
    };
    for (key, item) in table.iter() {
        if !matches!(key, "from" | "to" | "reason" | "tags" | "tag" | "set-tag") {
            return Err((
                item.span(),
                format!(
                    "unknown key `{key}` in [[rename]]; expected from, to, reason, tags, tag, set-tag"
                ),
            ));
        }
    }
    let set_tag = match table.get("set-tag") {
        None => false,
        Some(item) => item
            .as_bool()
            .ok_or_else(|| (item.span(), "`set-tag` must be true or false".to_owned()))?,
    };
    let from =
        field("from")?.ok_or_else(|| (table.span(), "[[rename]] needs `from`".to_owned()))?;
    let to = field("to")?.ok_or_else(|| {
        (
            table.span(),
            "[[rename]] needs `to` (use [check] deny for names with no replacement)".to_owned(),
        )
    })?;
    let span = table.get("from").and_then(Item::span);
    let spec = RuleSpec {
        reason: field("reason")?,
        tags: field("tags")?,
        tag: field("tag")?,
        set_tag,
        ..RuleSpec::rename(from, to, origin(path, lines, span))
    };
    // A window that cannot be read is reported where it is written.
    if let (Some(window), Some(item)) = (&spec.tags, table.get("tags")) {
        crate::rule::TagWindow::parse(window).map_err(|e| (item.span(), e.to_string()))?;
    }
    Ok(spec)
}

/// The string list under `key` of a section table.
fn strings(section: &Item, key: &str, what: &str) -> Result<Vec<Spanned>, Located> {
    let table = section.as_table_like().ok_or_else(|| {
        (
            section.span(),
            format!("{what}: the section must be a table"),
        )
    })?;
    let Some(item) = table.get(key) else {
        return Ok(Vec::new());
    };
    let array = item
        .as_array()
        .ok_or_else(|| (item.span(), format!("{what} must be an array of strings")))?;
    array
        .iter()
        .map(|v| {
            v.as_str()
                .map(|s| (s.to_owned(), v.span()))
                .ok_or_else(|| (v.span(), format!("{what} must be an array of strings")))
        })
        .collect()
}

fn origin(path: &Path, lines: &Lines<'_>, span: Option<Range<usize>>) -> String {
    let (line, _) = lines.locate(span.map_or(0, |s| s.start));
    format!("{}:{line}", path.display())
}

/// Where each line of a configuration file starts. Locating an offset is a binary search, so
/// a vendor migration with hundreds of rules is located in linear time, not quadratic.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        Lines { text, starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn locate(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset);
        let line_start = self.starts[line - 1];
        (line, self.text[line_start..offset].chars().count() + 1)
    }
}

/// Appends `[[rename]] from/to` to the file at `path` (created if missing), keeping everything
/// already in it, and writes it atomically.
pub fn save_rule(path: &Path, rule: &RuleSpec) -> Result<(), SaveError> {
    let (from, to) = (rule.from.as_str(), rule.to.as_deref().unwrap_or_default());
    let error = |problem: String| SaveError {
        path: path.to_path_buf(),
        problem,
    };
    // A symlinked configuration is updated where it points; the link stays a link.
    let target = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).map_err(|e| error(format!("cannot follow the link: {e}")))?
        }
        _ => path.to_path_buf(),
    };
    let path = target.as_path();
    let permissions = fs::metadata(path).ok().map(|m| m.permissions());
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(error(format!("cannot read: {e}"))),
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| error(e.message().trim().to_owned()))?;
    let already = doc
        .get("rename")
        .and_then(Item::as_array_of_tables)
        .is_some_and(|t| {
            t.iter()
                .any(|r| r.get("from").and_then(Item::as_str) == Some(from))
        });
    if already {
        return Err(error(format!(
            "a [[rename]] rule for `{from}` is already there"
        )));
    }
    let mut table = Table::new();
    table.insert("from", toml_edit::value(from));
    table.insert("to", toml_edit::value(to));
    if let Some(window) = &rule.tags {
        table.insert("tags", toml_edit::value(window.as_str()));
    }
    if rule.set_tag {
        table.insert("set-tag", toml_edit::value(true));
    }
    let new_text = match doc.get_mut("rename") {
        Some(item) => {
            item.as_array_of_tables_mut()
                .ok_or_else(|| error("`rename` is not an array of tables".to_owned()))?
                .push(table);
            doc.to_string()
        }
        // The first rule goes after everything the file holds, its comments included (the
        // document model would put a comment-only file's comments after the new table).
        None => {
            let mut tables = toml_edit::ArrayOfTables::new();
            tables.push(table);
            let mut rule = DocumentMut::new();
            rule.insert("rename", Item::ArrayOfTables(tables));
            let separator = match text.as_str() {
                "" => "",
                t if t.ends_with("\n\n") => "",
                t if t.ends_with('\n') => "\n",
                _ => "\n\n",
            };
            format!("{text}{separator}{rule}")
        }
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| error(e.to_string()))?;
    std::io::Write::write_all(&mut temp, new_text.as_bytes()).map_err(|e| error(e.to_string()))?;
    if let Some(permissions) = permissions {
        temp.as_file()
            .set_permissions(permissions)
            .map_err(|e| error(e.to_string()))?;
    }
    temp.persist(path).map_err(|e| error(e.error.to_string()))?;
    Ok(())
}

/// `--save` could not write the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct SaveError {
    pub path: PathBuf,
    pub problem: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<FileConfig, ConfigError> {
        let mut config = FileConfig::default();
        parse_into(Path::new("reimage.toml"), text, &mut config).map(|()| config)
    }

    #[test]
    fn exclude_globs_are_relative_to_the_configuration() {
        let globs: Vec<String> = ["CHANGELOG.md", "docs/old/*.md", "/vendor/", "**/gen/*.yaml"]
            .map(str::to_owned)
            .to_vec();
        let at = |dir: &str, cwd: &str| exclude_globs(Path::new(dir), Path::new(cwd), &globs);
        assert_eq!(
            at("/r", "/r"),
            ["CHANGELOG.md", "docs/old/*.md", "vendor/", "**/gen/*.yaml"]
        );
        assert_eq!(
            at("/r/a", "/r"),
            [
                "CHANGELOG.md",
                "a/docs/old/*.md",
                "a/vendor/",
                "**/gen/*.yaml"
            ]
        );
        assert_eq!(
            at("/r", "/r/docs"),
            ["CHANGELOG.md", "old/*.md", "**/gen/*.yaml"]
        );
    }

    #[test]
    fn reads_rules_deny_and_excludes() {
        let config = parse(
            "# migration\n[[rename]]\nfrom = \"a/b\"\nto = \"a/c\"\nreason = \"moved\"\n\n[check]\ndeny = [\"k8s.gcr.io/\"]\n\n[files]\nexclude = [\"CHANGELOG.md\"]\n",
        )
        .unwrap();
        assert_eq!(config.renames[0].from, "a/b");
        assert_eq!(config.renames[0].origin, "reimage.toml:3");
        assert_eq!(config.deny[0].from, "k8s.gcr.io/");
        assert_eq!(config.exclude, ["CHANGELOG.md"]);
        assert!(!config.include_history && !config.include_vendored);
    }

    #[test]
    fn reads_include_history_and_vendored() {
        let config = parse("[files]\ninclude-history = true\ninclude-vendored = false\n").unwrap();
        assert!(config.include_history && !config.include_vendored);
        let error = parse("[files]\ninclude-vendored = \"yes\"\n").unwrap_err();
        assert_eq!((error.line, error.column), (2, 20));
        assert!(error.message.contains("true or false"), "{}", error.message);
    }

    #[test]
    fn errors_carry_line_and_column() {
        let e = parse("[[rename]]\nfrom = \"a/b\"\nto = 3\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 6));
        assert!(e.message.contains("`to` must be a string"));
        let e = parse("[[rename]]\nfrom = \"a/b\nto = \"x\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("[rules]\n").unwrap_err();
        assert!(e.message.contains("unknown section `rules`"));
        let e = parse("[[rename]]\nfrom = \"a/b\"\n").unwrap_err();
        assert!(e.message.contains("needs `to`"));
    }

    #[test]
    fn lines_locate_offsets_as_a_scan_from_the_start_would() {
        let text = "ab\né x\n\nlast";
        let lines = Lines::new(text);
        let by_scan = |offset: usize| {
            let before = &text[..offset];
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            (
                before.matches('\n').count() + 1,
                before[start..].chars().count() + 1,
            )
        };
        for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
            assert_eq!(lines.locate(offset), by_scan(offset), "offset {offset}");
        }
        assert_eq!(lines.locate(text.len() + 10), by_scan(text.len()));
    }

    #[test]
    fn check_section_takes_the_catalog() {
        let config = parse("[check]\ncatalog = true\ncatalog-fail-on = \"frozen\"\n").unwrap();
        assert_eq!(config.catalog, Some(Vec::new()));
        assert_eq!(config.catalog_fail_on.as_deref(), Some("frozen"));
        let config = parse("[check]\ncatalog = [\"k8s-gcr-io\"]\n").unwrap();
        assert_eq!(config.catalog, Some(vec!["k8s-gcr-io".to_owned()]));
        assert_eq!(parse("[check]\ncatalog = false\n").unwrap().catalog, None);
        let e = parse("[check]\ncatalog-fail-on = \"gone\"\n").unwrap_err();
        assert!(e.message.contains("must be \"removed\""), "{e}");
        let e = parse("[check]\ncatalogue = true\n").unwrap_err();
        assert!(e.message.contains("unknown key `catalogue`"), "{e}");
        assert_eq!((e.line, e.column), (2, 13), "{e}");
    }

    #[test]
    fn rename_rules_take_tag_conditions_and_set_tag() {
        let config = parse(
            "[[rename]]\nfrom = \"bitnami/redis\"\nto = \"bitnamilegacy/redis\"\ntags = \"<7.4\"\n\n[[rename]]\nfrom = \"nginx\"\nto = \"nginx:1.27\"\nset-tag = true\n",
        )
        .unwrap();
        assert_eq!(config.renames[0].tags.as_deref(), Some("<7.4"));
        assert!(config.renames[1].set_tag);
        let e = parse("[[rename]]\nfrom = \"a/b\"\nto = \"a/c\"\ntags = \">=soon\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (4, 8), "{e}");
        assert!(e.message.contains("not a tag window"), "{e}");
        let e = parse("[[rename]]\nfrom = \"a/b\"\nto = \"a/c\"\nset-tag = \"yes\"\n").unwrap_err();
        assert!(e.message.contains("true or false"), "{e}");
    }

    #[test]
    fn save_keeps_comments_and_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reimage.toml");
        let original = "# Our image migrations.\n\n[[rename]]   # first\nfrom = \"a/b\"  # old\nto = \"a/c\"\n\n[files]\nexclude = [\"CHANGELOG.md\"]\n";
        fs::write(&path, original).unwrap();
        save_rule(&path, &RuleSpec::rename("x/y", "x/z", "test")).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Our image migrations.\n\n[[rename]]   # first\nfrom = \"a/b\"  # old\nto = \"a/c\"\n"), "{text}");
        assert!(text.contains("from = \"x/y\"\nto = \"x/z\"\n"), "{text}");
        assert_eq!(parse(&text).unwrap().renames.len(), 2);
        assert!(save_rule(&path, &RuleSpec::rename("x/y", "x/q", "test"))
            .unwrap_err()
            .to_string()
            .contains("already there"));
    }
}
