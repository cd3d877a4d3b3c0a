//! What kind of file a path is, from its name alone: the table that decides which finder reads it.
//!
//! Content-based refinements (a YAML file that is a Kubernetes manifest) happen in `find`, once the
//! file is known to contain a candidate. [`Keep`] tells history and vendored files, whose
//! references are kept as written by default.

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::finding::KeptReason;

/// The kind of place a file is; it is also the `context` label of the findings in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    Compose,
    Kubernetes,
    GithubActions,
    GitlabCi,
    Helm,
    Kustomize,
    Yaml,
    Dockerfile,
    Shell,
    Makefile,
    Markdown,
    Toml,
    Json,
    Env,
    Text,
}

impl FileKind {
    /// The label used in reports and JSON.
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Compose => "compose",
            FileKind::Kubernetes => "kubernetes",
            FileKind::GithubActions => "github-actions",
            FileKind::GitlabCi => "gitlab-ci",
            FileKind::Helm => "helm",
            FileKind::Kustomize => "kustomize",
            FileKind::Yaml => "yaml",
            FileKind::Dockerfile => "dockerfile",
            FileKind::Shell => "shell",
            FileKind::Makefile => "makefile",
            FileKind::Markdown => "markdown",
            FileKind::Toml => "toml",
            FileKind::Json => "json",
            FileKind::Env => "env",
            FileKind::Text => "text",
        }
    }

    /// The syntax the file is written in, which decides the front-ends that read it: Compose,
    /// Kubernetes, GitHub Actions, GitLab CI, Helm values and kustomizations are dialects of YAML.
    pub(crate) fn syntax(self) -> Syntax {
        match self {
            FileKind::Compose
            | FileKind::Kubernetes
            | FileKind::GithubActions
            | FileKind::GitlabCi
            | FileKind::Helm
            | FileKind::Kustomize
            | FileKind::Yaml => Syntax::Yaml,
            FileKind::Json => Syntax::Json,
            FileKind::Toml => Syntax::Toml,
            FileKind::Dockerfile => Syntax::Dockerfile,
            FileKind::Shell => Syntax::Shell,
            FileKind::Makefile => Syntax::Makefile,
            FileKind::Markdown => Syntax::Markdown,
            FileKind::Env => Syntax::Env,
            FileKind::Text => Syntax::Text,
        }
    }
}

/// The syntax of a file (or of a Markdown code fence): what `find` dispatches its front-ends on.
/// A [`FileKind`] adds the dialect (which keys hold images in a GitHub workflow, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    Yaml,
    Json,
    Toml,
    Dockerfile,
    Shell,
    Makefile,
    Markdown,
    /// `.env` files: `NAME=value` lines.
    Env,
    Text,
}

/// File names matched exactly (lowercased), sorted for binary search.
const BY_NAME: &[(&str, FileKind)] = &[
    (".env", FileKind::Env),
    (".gitlab-ci.yml", FileKind::GitlabCi),
    ("compose.yaml", FileKind::Compose),
    ("compose.yml", FileKind::Compose),
    ("containerfile", FileKind::Dockerfile),
    ("docker-compose.yaml", FileKind::Compose),
    ("docker-compose.yml", FileKind::Compose),
    ("dockerfile", FileKind::Dockerfile),
    ("gnumakefile", FileKind::Makefile),
    ("justfile", FileKind::Makefile),
    ("kustomization", FileKind::Kustomize),
    ("kustomization.yaml", FileKind::Kustomize),
    ("kustomization.yml", FileKind::Kustomize),
    ("makefile", FileKind::Makefile),
];

/// File extensions (lowercased, without the dot), sorted for binary search.
const BY_EXTENSION: &[(&str, FileKind)] = &[
    ("bash", FileKind::Shell),
    ("bat", FileKind::Shell),
    ("cmd", FileKind::Shell),
    ("containerfile", FileKind::Dockerfile),
    ("dockerfile", FileKind::Dockerfile),
    ("env", FileKind::Env),
    ("json", FileKind::Json),
    ("jsonc", FileKind::Json),
    ("markdown", FileKind::Markdown),
    ("md", FileKind::Markdown),
    ("mk", FileKind::Makefile),
    ("ps1", FileKind::Shell),
    ("sh", FileKind::Shell),
    ("toml", FileKind::Toml),
    ("yaml", FileKind::Yaml),
    ("yml", FileKind::Yaml),
    ("zsh", FileKind::Shell),
];

/// Classifies a path by its name; `path` may be relative or absolute.
pub fn classify(path: &Path) -> FileKind {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if let Ok(i) = BY_NAME.binary_search_by(|(n, _)| n.cmp(&name.as_str())) {
        return BY_NAME[i].1;
    }
    if name.contains("dockerfile") || name.contains("containerfile") {
        return FileKind::Dockerfile;
    }
    if name.starts_with(".env") || name.ends_with(".env.example") {
        return FileKind::Env;
    }
    let name = yaml_template_stem(&name).unwrap_or(&name);
    let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
    let kind = BY_EXTENSION
        .binary_search_by(|(e, _)| e.cmp(&extension))
        .map_or(FileKind::Text, |i| BY_EXTENSION[i].1);
    if kind == FileKind::Yaml {
        return refine_yaml_by_path(path, name);
    }
    kind
}

/// Extensions of template files whose output is the format before them: a Helmfile
/// `values.yaml.gotmpl` or an Ansible `deploy.yml.j2` is YAML with template actions.
const TEMPLATE_EXTENSIONS: &[&str] = &[".gotmpl", ".tpl", ".tmpl", ".j2", ".jinja", ".jinja2"];

/// `values.yaml` for `values.yaml.gotmpl`: the name of a YAML template without its template
/// extension (`_helpers.tpl` is none).
fn yaml_template_stem(name: &str) -> Option<&str> {
    let stem = TEMPLATE_EXTENSIONS
        .iter()
        .find_map(|ext| name.strip_suffix(ext))?;
    (stem.ends_with(".yaml") || stem.ends_with(".yml")).then_some(stem)
}

fn refine_yaml_by_path(path: &Path, name: &str) -> FileKind {
    let in_dir = |dir: &str| path.components().any(|c| c.as_os_str() == dir);
    if in_dir(".github") && (in_dir("workflows") || name == "action.yml" || name == "action.yaml") {
        FileKind::GithubActions
    } else if name.starts_with("docker-compose") || name.starts_with("compose.") {
        FileKind::Compose
    } else if name.ends_with(".gitlab-ci.yml") {
        FileKind::GitlabCi
    } else if name.starts_with("values") || name.contains("-values.") || name.contains(".values.") {
        FileKind::Helm
    } else {
        FileKind::Yaml
    }
}

/// Refines a generic YAML file by what it says: Kubernetes objects and Compose files.
pub(crate) fn refine_yaml_by_content(kind: FileKind, text: &[u8]) -> FileKind {
    if kind != FileKind::Yaml {
        return kind;
    }
    let has_line_start = |needle: &[u8]| {
        memchr::memmem::find_iter(text, needle).any(|i| i == 0 || text[i - 1] == b'\n')
    };
    if has_line_start(b"apiVersion:") && has_line_start(b"kind:") {
        FileKind::Kubernetes
    } else if has_line_start(b"services:") {
        FileKind::Compose
    } else {
        FileKind::Yaml
    }
}

/// File names (their start, as written) of history: a record of what was, which maintainers
/// leave alone when names move.
const HISTORY_PREFIXES: &[&str] = &[
    "CHANGELOG",
    "CHANGES",
    "Changelog",
    "HISTORY",
    "History",
    "NEWS",
    "RELEASE-NOTES",
    "RELEASE_NOTES",
];

/// History file names in lowercase, up to the first dot (`changelog.md`, `release-notes.txt`),
/// when the file is prose: `history.rs` is code.
const HISTORY_STEMS: &[&str] = &["changelog", "changes", "history", "news", "release-notes"];

/// Extensions of prose files (and none at all).
const PROSE_EXTENSIONS: &[&str] = &["", "adoc", "markdown", "md", "rst", "txt"];

/// Directories of code copied from elsewhere.
const VENDORED_DIRS: &[&str] = &["node_modules", "third_party", "vendor"];

/// Which files' references are kept as written: history files, vendored directories and the
/// paths `.gitattributes` marks `linguist-vendored` or `linguist-generated`, unless the run opts
/// in to each.
#[derive(Debug, Default)]
pub(crate) struct Keep {
    history: bool,
    vendored: bool,
    /// Each walk root with the `.gitattributes` that apply to it (its own and its ancestors' up
    /// to the repository's root).
    roots: Vec<(PathBuf, Vec<Attributes>)>,
}

/// The `linguist-vendored` and `linguist-generated` patterns of one `.gitattributes`.
#[derive(Debug)]
struct Attributes {
    /// The walk root's path relative to the file's directory.
    prefix: PathBuf,
    vendored: Gitignore,
    generated: Gitignore,
}

impl Keep {
    /// Keeps history unless `include_history`, vendored code unless `include_vendored`, for
    /// files under `roots`.
    pub(crate) fn new(roots: &[PathBuf], include_history: bool, include_vendored: bool) -> Self {
        let roots = if include_vendored {
            Vec::new()
        } else {
            roots
                .iter()
                .map(|r| (r.clone(), attributes_of(r)))
                .collect()
        };
        Keep {
            history: !include_history,
            vendored: !include_vendored,
            roots,
        }
    }

    /// Why the references of `path` (as walked) are kept, if they are.
    pub(crate) fn reason(&self, path: &Path) -> Option<KeptReason> {
        let (relative, attributes) = self
            .roots
            .iter()
            .find_map(|(root, a)| Some((path.strip_prefix(root).ok()?, a.as_slice())))
            .unwrap_or((path, &[]));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if self.history && is_history(name) {
            return Some(KeptReason::History);
        }
        if !self.vendored {
            return None;
        }
        let dirs = relative.parent().into_iter().flat_map(Path::components);
        if dirs
            .into_iter()
            .any(|c| VENDORED_DIRS.iter().any(|d| c.as_os_str() == *d))
        {
            return Some(KeptReason::Vendored);
        }
        attributes
            .iter()
            .find_map(|a| a.reason(&a.prefix.join(relative)))
    }
}

fn is_history(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let (stem, extension) = lower.split_once('.').unwrap_or((&lower, ""));
    HISTORY_PREFIXES.iter().any(|p| name.starts_with(p))
        || (HISTORY_STEMS.contains(&stem) && PROSE_EXTENSIONS.contains(&extension))
}

impl Attributes {
    fn reason(&self, path: &Path) -> Option<KeptReason> {
        if self.vendored.matched(path, false).is_ignore() {
            Some(KeptReason::Vendored)
        } else if self.generated.matched(path, false).is_ignore() {
            Some(KeptReason::Generated)
        } else {
            None
        }
    }

    /// Reads the `linguist-vendored` and `linguist-generated` lines of `dir/.gitattributes`;
    /// `-attr`, `!attr` and `attr=false` unset what an earlier line set, as in git.
    fn read(dir: &Path, prefix: PathBuf) -> Option<Self> {
        let text = std::fs::read_to_string(dir.join(".gitattributes")).ok()?;
        let mut vendored = GitignoreBuilder::new(dir);
        let mut generated = GitignoreBuilder::new(dir);
        for line in text.lines().map(str::trim) {
            let mut words = line.split_whitespace();
            let Some(pattern) = words.next().filter(|p| !p.starts_with('#')) else {
                continue;
            };
            for word in words {
                let (unset, attr) = match word.strip_prefix(['-', '!']) {
                    Some(attr) => (true, attr),
                    None => match word.split_once('=') {
                        Some((attr, value)) => (value == "false", attr),
                        None => (false, word),
                    },
                };
                let builder = match attr {
                    "linguist-vendored" => &mut vendored,
                    "linguist-generated" => &mut generated,
                    _ => continue,
                };
                let line = if unset {
                    format!("!{pattern}")
                } else {
                    pattern.to_owned()
                };
                let _ = builder.add_line(None, &line);
            }
        }
        Some(Attributes {
            prefix,
            vendored: vendored.build().ok()?,
            generated: generated.build().ok()?,
        })
    }
}

/// The `.gitattributes` of `root` and of its ancestors up to the repository's root (a directory
/// with `.git`), nearest last, so that the first one matching is the nearest.
fn attributes_of(root: &Path) -> Vec<Attributes> {
    let Ok(start) = std::fs::canonicalize(root) else {
        return Vec::new();
    };
    let start = if start.is_dir() {
        start
    } else {
        start.parent().map(Path::to_path_buf).unwrap_or(start)
    };
    let mut found = Vec::new();
    for dir in start.ancestors() {
        let prefix = start
            .strip_prefix(dir)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        found.extend(Attributes::read(dir, prefix));
        if dir.join(".git").exists() {
            break;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(BY_NAME.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(BY_EXTENSION.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn classifies_common_names() {
        let cases = [
            ("docker-compose.yml", FileKind::Compose),
            ("docker-compose.prod.yml", FileKind::Compose),
            ("app/Dockerfile", FileKind::Dockerfile),
            ("Dockerfile.dev", FileKind::Dockerfile),
            ("build/app.dockerfile", FileKind::Dockerfile),
            (".github/workflows/ci.yml", FileKind::GithubActions),
            (".gitlab-ci.yml", FileKind::GitlabCi),
            ("k8s/deploy.yaml", FileKind::Yaml),
            ("chart/values.yaml", FileKind::Helm),
            ("chart/values-prod.yaml", FileKind::Helm),
            ("overlays/prod/kustomization.yaml", FileKind::Kustomize),
            ("scripts/deploy.sh", FileKind::Shell),
            ("Makefile", FileKind::Makefile),
            ("docs/guide.md", FileKind::Markdown),
            ("fly.toml", FileKind::Toml),
            ("helmfile.d/values.yaml.gotmpl", FileKind::Helm),
            ("roles/web/templates/deploy.yml.j2", FileKind::Yaml),
            ("charts/x/templates/_helpers.tpl", FileKind::Text),
            (".env.example", FileKind::Env),
            ("notes.txt", FileKind::Text),
        ];
        for (path, kind) in cases {
            assert_eq!(classify(Path::new(path)), kind, "{path}");
        }
    }

    #[test]
    fn yaml_content_decides_kubernetes_and_compose() {
        let k8s = b"apiVersion: apps/v1\nkind: Deployment\n";
        assert_eq!(
            refine_yaml_by_content(FileKind::Yaml, k8s),
            FileKind::Kubernetes
        );
        assert_eq!(
            refine_yaml_by_content(FileKind::Yaml, b"services:\n  web:\n"),
            FileKind::Compose
        );
        assert_eq!(
            refine_yaml_by_content(FileKind::Yaml, b"a: 1\n"),
            FileKind::Yaml
        );
    }

    #[test]
    fn history_and_vendored_paths_are_kept_unless_included() {
        let keep = Keep::new(&[PathBuf::from(".")], false, false);
        let reason = |p: &str| keep.reason(Path::new(p));
        assert_eq!(reason("./CHANGELOG.md"), Some(KeptReason::History));
        assert_eq!(reason("./docs/release-notes.md"), Some(KeptReason::History));
        assert_eq!(reason("./RELEASE_NOTES"), Some(KeptReason::History));
        assert_eq!(reason("./NEWS"), Some(KeptReason::History));
        assert_eq!(reason("./vendor/a/b.go"), Some(KeptReason::Vendored));
        assert_eq!(
            reason("./web/node_modules/x/README.md"),
            Some(KeptReason::Vendored)
        );
        assert_eq!(reason("./newsletter.md"), None);
        assert_eq!(
            reason("./src/history.rs"),
            None,
            "a stem, not a history file"
        );
        assert_eq!(reason("./vendor.yaml"), None, "a file named vendor");
        let all = Keep::new(&[PathBuf::from(".")], true, true);
        assert_eq!(all.reason(Path::new("./CHANGELOG.md")), None);
        assert_eq!(all.reason(Path::new("./vendor/a.go")), None);
    }

    #[test]
    fn gitattributes_linguist_marks_keep_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(
            dir.path().join(".gitattributes"),
            "# upstream\nlib/** linguist-vendored\nlib/ours/** -linguist-vendored\n*.pb.yaml linguist-generated=true\nx.yaml linguist-generated=false\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("deploy")).unwrap();
        let root = dir.path().to_path_buf();
        let keep = Keep::new(std::slice::from_ref(&root), false, false);
        let reason = |p: &str| keep.reason(&root.join(p));
        assert_eq!(reason("lib/up/a.yaml"), Some(KeptReason::Vendored));
        assert_eq!(reason("lib/ours/a.yaml"), None);
        assert_eq!(reason("deploy/api.pb.yaml"), Some(KeptReason::Generated));
        assert_eq!(reason("x.yaml"), None);
        // Walking a subdirectory still reads the repository's attributes.
        let sub = root.join("deploy");
        let keep = Keep::new(std::slice::from_ref(&sub), false, false);
        assert_eq!(
            keep.reason(&sub.join("api.pb.yaml")),
            Some(KeptReason::Generated)
        );
    }
}
