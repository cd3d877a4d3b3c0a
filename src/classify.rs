//! What kind of file a path is, from its name alone: the table that decides which finder reads it.
//!
//! Content-based refinements (a YAML file that is a Kubernetes manifest) happen in `find`, once the
//! file is known to contain a candidate.

use std::path::Path;

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
}
