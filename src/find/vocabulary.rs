//! What the finders know about images, one table per piece of knowledge: image-like keys (for
//! every syntax that has keys), the parts of a Helm split map, container tools, their boolean
//! flags, image variables. Every syntax front-end reads these; where the syntaxes disagree, the
//! table says so in a column rather than in a second list.

use crate::classify::FileKind;

use KeyName::{Ending, Exact, Qualified, Suffix};
use KeyRole::{Image, Not, Registry};

/// How a key name is compared (the key lowercased).
#[derive(Debug, Clone, Copy)]
pub(crate) enum KeyName {
    Exact(&'static str),
    Suffix(&'static str),
    /// The name alone, or after one of the qualifiers and an optional `-`, `_` or `.`:
    /// `imageRegistry`, `docker_registry`, but not `language-subtag-registry` (a package).
    Qualified(&'static str, &'static [&'static str]),
    /// The name after a word without a `-` (`sourceRegistry`, `kube_registry`), or one of the
    /// qualifiers: `Qualified` for dashed keys, which name packages more often than settings.
    Ending(&'static str, &'static [&'static str]),
}

impl KeyName {
    fn matches(self, lower: &str) -> bool {
        match self {
            Exact(name) => lower == name,
            Suffix(suffix) => lower.ends_with(suffix),
            Qualified(name, qualifiers) => lower.strip_suffix(name).is_some_and(|head| {
                let head = head.trim_end_matches(['-', '_', '.']);
                head.is_empty() || qualifiers.contains(&head)
            }),
            Ending(name, qualifiers) => {
                Qualified(name, qualifiers).matches(lower)
                    || lower
                        .strip_suffix(name)
                        .is_some_and(|head| !head.is_empty() && !head.contains('-'))
            }
        }
    }
}

/// What a key's value is to one reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyRole {
    /// Not an image position.
    Not,
    /// An image: a structural site.
    Image,
    /// A registry or prefix setting (`global.imageRegistry`, kubeadm `imageRepository`): a
    /// setting site, where only a value a prefix rule moves counts.
    Registry,
}

/// The readers of keyed syntaxes; they disagree on some keys (see [`IMAGE_KEYS`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum KeyReader {
    /// YAML and JSON read as structure.
    Yaml,
    /// YAML and JSON read line by line (templates, malformed files, Markdown fences).
    YamlLines,
    Toml,
}

/// One image-like key and what it is to each reader.
#[derive(Debug)]
pub(crate) struct ImageKey {
    name: KeyName,
    /// Counts only in files of this kind (a dialect of YAML).
    only_in: Option<FileKind>,
    yaml: KeyRole,
    yaml_lines: KeyRole,
    toml: KeyRole,
}

const fn key(
    name: KeyName,
    only_in: Option<FileKind>,
    [yaml, yaml_lines, toml]: [KeyRole; 3],
) -> ImageKey {
    ImageKey {
        name,
        only_in,
        yaml,
        yaml_lines,
        toml,
    }
}

/// Keys whose value is an image wherever they stand; the first row that matches decides.
/// Columns: YAML structure, YAML lines, TOML.
pub(crate) const IMAGE_KEYS: &[ImageKey] = &[
    // `image:`, `baseImage:`, `FOO_IMAGE:`.
    key(Suffix("image"), None, [Image, Image, Image]),
    // `images: [a, b]`. The line reader sees one line at a time, so not a list under the key.
    key(Exact("images"), None, [Image, Not, Image]),
    // TOML also takes `extra_images = [..]`; YAML only `images` itself.
    key(Suffix("images"), None, [Not, Not, Image]),
    // kustomize `newName:`, in every YAML file (not only kustomizations); not in TOML.
    key(Exact("newname"), None, [Image, Image, Not]),
    // GitHub Actions `container: node:20`.
    key(
        Exact("container"),
        Some(FileKind::GithubActions),
        [Image, Image, Not],
    ),
    // `registry:`, `imageRegistry:`, `sourceRegistry:` outside a split map (whose `registry`
    // the structure reads with the map), kubeadm `imageRepository:`, `registryPrefix:`.
    key(
        Ending("registry", REGISTRY_QUALIFIERS),
        None,
        [Registry, Registry, Registry],
    ),
    key(
        Exact("imagerepository"),
        None,
        [Registry, Registry, Registry],
    ),
    key(
        Suffix("registryprefix"),
        None,
        [Registry, Registry, Registry],
    ),
];

/// Words that make `…registry` a key about images (`imageRegistry`, `global.docker-registry`).
const REGISTRY_QUALIFIERS: &[&str] = &["container", "default", "docker", "global", "image", "oci"];

/// What the value of `key` (lowercased) is to `reader` in a file of `kind`.
pub(crate) fn image_key(reader: KeyReader, kind: FileKind, key: &str) -> KeyRole {
    let Some(row) = IMAGE_KEYS
        .iter()
        .find(|k| k.name.matches(key) && k.only_in.is_none_or(|only| only == kind))
    else {
        return Not;
    };
    match reader {
        KeyReader::Yaml => row.yaml,
        KeyReader::YamlLines => row.yaml_lines,
        KeyReader::Toml => row.toml,
    }
}

/// A key (or, with `key: None`, a list item) whose value is an image because of the key that
/// owns its map or list. Read by the YAML structure only: the line reader sees no owners.
#[derive(Debug)]
pub(crate) struct NestedKey {
    key: Option<&'static str>,
    owner: KeyName,
    only_in: Option<FileKind>,
}

const fn nested(key: Option<&'static str>, owner: KeyName, only_in: Option<FileKind>) -> NestedKey {
    NestedKey {
        key,
        owner,
        only_in,
    }
}

pub(crate) const NESTED_IMAGE_KEYS: &[NestedKey] = &[
    // GitLab `image: {name: …}`; Kubernetes image volumes `image: {reference: …}`.
    nested(Some("name"), Suffix("image"), None),
    nested(Some("reference"), Suffix("image"), None),
    // kustomize `images: [{name: nginx, newName: …}]`.
    nested(Some("name"), Exact("images"), Some(FileKind::Kustomize)),
    // GitLab `services: [postgres:16, {name: redis:7}]`.
    nested(Some("name"), Exact("services"), Some(FileKind::GitlabCi)),
    nested(None, Exact("services"), Some(FileKind::GitlabCi)),
    // `image: [a, b]`, `images: [a, b]`.
    nested(None, Suffix("image"), None),
    nested(None, Exact("images"), None),
];

/// Keys whose value is a registry or prefix setting because of the map they are in: Helm
/// `images: {repository: gcr.io/o/demo, tag: …}`, the base every service name is joined to.
/// Read by the YAML structure only.
pub(crate) const NESTED_SETTING_KEYS: &[(&str, KeyName)] = &[("repository", Exact("images"))];

/// Whether the value of `key` (lowercased) under `owner` (lowercased) is a setting by
/// [`NESTED_SETTING_KEYS`].
pub(crate) fn nested_setting_key(key: &str, owner: &str) -> bool {
    NESTED_SETTING_KEYS
        .iter()
        .any(|(k, o)| *k == key && o.matches(owner))
}

/// Whether the value of `key` (lowercased; `None` for a list item) under `owner` (lowercased)
/// is an image by [`NESTED_IMAGE_KEYS`].
pub(crate) fn nested_image_key(kind: FileKind, key: Option<&str>, owner: &str) -> bool {
    NESTED_IMAGE_KEYS.iter().any(|n| {
        n.key == key && n.owner.matches(owner) && n.only_in.is_none_or(|only| only == kind)
    })
}

/// GitHub Actions `uses: docker://alpine:3`: this key holds an image written with this scheme.
/// The structure takes values that start with the scheme, the line reader values containing it.
pub(crate) const USES_KEY: &str = "uses";
pub(crate) const DOCKER_SCHEME: &str = "docker://";

/// Image transports: `docker://NAME` (skopeo, crane, containers-transports, GitHub Actions) and
/// BuildKit's `docker-image://NAME`. The name right after one is an image in any text, a short
/// Docker Hub name included.
pub(crate) const IMAGE_TRANSPORTS: &[&str] = &["docker://", "docker-image://"];

/// `oci://HOST/PATH` (Helm, Flux, ORAS) names an artifact in a registry, not always an image: a
/// Helm dependency's `repository: oci://registry-1.docker.io/bitnamicharts` is a base. It is no
/// URL, so a registry-qualified name after it is qualified text; it vouches for nothing more.
pub(crate) const ARTIFACT_SCHEMES: &[&str] = &["oci://"];

/// Whether `scheme` (the text before `://`) names a registry rather than a web location.
pub(crate) fn is_registry_scheme(scheme: &[u8]) -> bool {
    IMAGE_TRANSPORTS.iter().chain(ARTIFACT_SCHEMES).any(|t| {
        t.strip_suffix("://")
            .is_some_and(|t| t.as_bytes() == scheme)
    })
}

/// One part of a Helm-style split map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SplitPart {
    Registry,
    Repository,
    Tag,
    Digest,
}

/// The keys of a split map's parts.
pub(crate) const SPLIT_MAP_PARTS: &[(&str, SplitPart)] = &[
    ("registry", SplitPart::Registry),
    ("repository", SplitPart::Repository),
    ("tag", SplitPart::Tag),
    ("digest", SplitPart::Digest),
];

/// The part a key names, compared exactly: the YAML reader asks with the key lowercased to keep
/// parts out of the image sites, and as written to collect the parts (so `Tag:` is neither).
pub(crate) fn split_part(key: &str) -> Option<SplitPart> {
    SPLIT_MAP_PARTS
        .iter()
        .find(|(name, _)| *name == key)
        .map(|&(_, part)| part)
}

/// Whether a map under `owner`, itself under `owner_parent` (both lowercased), is a split map:
/// `image: {repository: …}` or `images: {app: {repository: …}}`.
pub(crate) fn is_split_map_owner(owner: &str, owner_parent: &str) -> bool {
    owner.ends_with("image") || owner_parent == "images"
}

/// Keys that name a split map's part only beside a `registry` key, and only in a map that is
/// one: ingress-nginx `image: {registry, image, digest}`, `{registry, name, tag}`, `sha` for the
/// digest, `version` for the tag. Elsewhere `image:` and `name:` are what [`IMAGE_KEYS`] and
/// [`NESTED_IMAGE_KEYS`] say, so the YAML reader withdraws their sites once it knows the map.
pub(crate) const SPLIT_MAP_ALIASES: &[(&str, SplitPart)] = &[
    ("image", SplitPart::Repository),
    ("name", SplitPart::Repository),
    ("sha", SplitPart::Digest),
    ("version", SplitPart::Tag),
];

/// The part an alias key (as written) names, by [`SPLIT_MAP_ALIASES`].
pub(crate) fn split_alias(key: &str) -> Option<SplitPart> {
    SPLIT_MAP_ALIASES
        .iter()
        .find(|(name, _)| *name == key)
        .map(|&(_, part)| part)
}

/// The keys of a kustomize `images:` entry, which is one reference when it sets a tag or a
/// digest: `newName` (else `name`) with `newTag` and `digest`.
pub(crate) const KUSTOMIZE_IMAGE_KEYS: &[&str] = &["name", "newName", "newTag", "digest"];

/// Whether a value under `key` (lowercased) may be a part of a split map, so that the
/// structure decides what it is: `repository: k8s.gcr.io/ksm/ksm` beside a `tag`.
pub(crate) fn is_split_map_key(key: &str) -> bool {
    split_part(key).is_some() || split_alias(key).is_some() || key == "newname"
}

/// Keys whose map names its images (`images: {kubectl: "bitnami/kubectl:1.29", helm: …}`): every
/// scalar value of a mapping directly under one is an image, unless its key is in
/// [`NOT_NAMED_IMAGES`]. Read by the YAML (and JSON) structure and by TOML tables.
pub(crate) const NAMED_IMAGE_MAPS: &[KeyName] = &[Exact("images")];

/// Keys of a named image map that hold settings, not images (`images: {pullPolicy: Always}`).
pub(crate) const NOT_NAMED_IMAGES: &[KeyName] = &[
    Suffix("policy"),
    Suffix("secrets"),
    Suffix("registry"),
    Exact("repository"),
    Exact("tag"),
    Exact("digest"),
    Exact("enabled"),
];

/// Whether `key` (lowercased) holds a setting of a named image map, not an image.
pub(crate) fn is_image_setting_key(key: &[u8]) -> bool {
    std::str::from_utf8(key).is_ok_and(|key| NOT_NAMED_IMAGES.iter().any(|k| k.matches(key)))
}

/// Whether the value of `key` in a mapping directly under `owner` (both lowercased) is an image
/// by [`NAMED_IMAGE_MAPS`].
pub(crate) fn named_image(owner: &str, key: &str) -> bool {
    NAMED_IMAGE_MAPS.iter().any(|k| k.matches(owner))
        && !NOT_NAMED_IMAGES.iter().any(|k| k.matches(key))
}

/// Keys whose literal block scalar is itself YAML, read as such (lowercased): Artifact Hub's
/// `artifacthub.io/images` and Chart.yaml `annotations.images` (lists of `{name, image}`), and
/// ConfigMap entries holding whole files (`data: {values.yaml: |}`).
pub(crate) const EMBEDDED_YAML_KEYS: &[KeyName] = &[
    Exact("images"),
    Exact("artifacthub.io/images"),
    Suffix(".yaml"),
    Suffix(".yml"),
];

/// Whether a literal block under `key` (lowercased) is read as YAML by [`EMBEDDED_YAML_KEYS`].
pub(crate) fn holds_yaml(key: &str) -> bool {
    EMBEDDED_YAML_KEYS.iter().any(|k| k.matches(key))
}

/// How a container tool's command line names images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToolKind {
    /// The Docker CLI and its look-alikes: `run`, `pull`, `build -t`, ….
    Container,
    /// `kubectl set image`.
    Kubectl,
    /// regclient's `regctl image copy|inspect|digest…`, `regctl manifest get…`.
    Regctl,
}

/// Commands whose arguments can be images (the `--image` flag counts for every command).
pub(crate) const CONTAINER_TOOLS: &[(&str, ToolKind)] = &[
    ("docker", ToolKind::Container),
    ("podman", ToolKind::Container),
    ("nerdctl", ToolKind::Container),
    ("kubectl", ToolKind::Kubectl),
    ("oc", ToolKind::Kubectl),
    ("regctl", ToolKind::Regctl),
];

/// kubectl's global flags that take no value; the others (`-n ns`, `--context x`) take one.
pub(crate) const KUBECTL_BOOLEAN_FLAGS: &[&[u8]] = &[
    b"--insecure-skip-tls-verify",
    b"--match-server-version",
    b"--warnings-as-errors",
];

/// The flag that takes an image in any command (`kubectl run --image=…`).
pub(crate) const IMAGE_FLAG: &str = "--image";

/// The tool a command word names.
pub(crate) fn tool(word: &[u8]) -> Option<ToolKind> {
    CONTAINER_TOOLS
        .iter()
        .find(|(name, _)| name.as_bytes() == word)
        .map(|&(_, kind)| kind)
}

/// Tools worth a substring search.
pub(crate) fn searchable_tools() -> impl Iterator<Item = &'static str> {
    CONTAINER_TOOLS
        .iter()
        .map(|&(name, _)| name)
        .filter(|name| name.len() > 2)
}

/// Tools with a two-letter name (`oc`): in too many words for a substring search, so lines are
/// tested for them as a word, and they are no context keyword.
pub(crate) fn word_tools() -> impl Iterator<Item = &'static str> {
    CONTAINER_TOOLS
        .iter()
        .map(|&(name, _)| name)
        .filter(|name| name.len() <= 2)
}

/// Words (any case) that make a line worth reading for image positions when no needle can: for
/// `list`, and for rules with no fixed text (every Docker Hub image).
pub(crate) fn context_keywords() -> Vec<&'static str> {
    let mut words = vec!["image", "from"];
    words.extend(searchable_tools());
    words.push("container");
    words
}

/// Boolean flags of `run`/`create`/`pull`/`push` (all other flags take a value).
pub(crate) const BOOLEAN_FLAGS: &[&[u8]] = &[
    b"--all-tags",
    b"--detach",
    b"--digest-tags",
    b"--disable-content-trust",
    b"--fast",
    b"--force-recursive",
    b"--help",
    b"--include-external",
    b"--init",
    b"--interactive",
    b"--no-healthcheck",
    b"--oom-kill-disable",
    b"--privileged",
    b"--publish-all",
    b"--quiet",
    b"--read-only",
    b"--referrers",
    b"--require-digest",
    b"--require-list",
    b"--rm",
    b"--sig-proxy",
    b"--tty",
];

/// Whether a shell or environment variable holds an image by its name: `IMAGE`, `*_IMAGE`,
/// `*_IMG`, and the image's name without its tag, `IMAGE_NAME`, `IMAGE_REPO`,
/// `IMAGE_REPOSITORY` (with any prefix), in either case. `IMAGE_TAG`, `IMAGE_REGISTRY`,
/// `image_size` hold something else.
pub(crate) fn is_image_variable(name: &[u8]) -> bool {
    let upper = name.to_ascii_uppercase();
    let ends = |suffix: &[u8]| {
        upper.ends_with(suffix)
            && (upper.len() == suffix.len() || upper[upper.len() - suffix.len() - 1] == b'_')
    };
    ends(b"IMAGE")
        || ends(b"IMG")
        || ends(b"IMAGE_NAME")
        || ends(b"IMAGE_REPO")
        || ends(b"IMAGE_REPOSITORY")
}

/// Whether a shell, Make or environment variable holds a registry or a prefix by its name:
/// `REGISTRY`, `*_REGISTRY`, `REPO`, `*_REPO`, `REPO_PREFIX`, `*_PREFIX`, in either case. (Its
/// value counts only when it is what a prefix rule moves.)
pub(crate) fn is_setting_variable(name: &[u8]) -> bool {
    let upper = name.to_ascii_uppercase();
    SETTING_VARIABLES.iter().any(|suffix| {
        upper.ends_with(suffix)
            && (upper.len() == suffix.len() || upper[upper.len() - suffix.len() - 1] == b'_')
    })
}

/// The endings of [`is_setting_variable`] names.
const SETTING_VARIABLES: &[&[u8]] = &[b"REGISTRY", b"REPO", b"PREFIX"];

/// Flags whose value is a registry or a prefix: `skaffold --default-repo`, kubeadm
/// `--image-repository`, `--registry`, `--repo-prefix` (`=value` or the next word).
pub(crate) const SETTING_FLAGS: &[&str] = &[
    "--default-repo",
    "--image-repository",
    "--registry",
    "--repo-prefix",
];

/// Words that stand for themselves in scripts and templates: shell builtins and keywords, the
/// text tools that follow a pipe, Go/Helm/Jinja template functions, and the empty values of
/// code and CSS (`none`, `null`, `undefined`, `inherit`). Alone (no tag, namespace or digest)
/// such a word is never taken for a Docker Hub image.
const RESERVED_WORDS: &[&str] = &[
    "and",
    "awk",
    "b64dec",
    "b64enc",
    "basename",
    "cat",
    "cd",
    "chmod",
    "chown",
    "coalesce",
    "contains",
    "cp",
    "curl",
    "cut",
    "date",
    "declare",
    "default",
    "dict",
    "dirname",
    "do",
    "done",
    "echo",
    "elif",
    "else",
    "empty",
    "end",
    "env",
    "eq",
    "esac",
    "eval",
    "exec",
    "exit",
    "export",
    "false",
    "fi",
    "find",
    "for",
    "fromyaml",
    "get",
    "git",
    "grep",
    "gt",
    "has",
    "head",
    "if",
    "in",
    "include",
    "indent",
    "inherit",
    "initial",
    "jq",
    "kindis",
    "len",
    "list",
    "local",
    "lookup",
    "lower",
    "ls",
    "lt",
    "make",
    "merge",
    "mkdir",
    "mv",
    "ne",
    "nil",
    "nindent",
    "none",
    "not",
    "null",
    "or",
    "print",
    "printf",
    "println",
    "quote",
    "range",
    "read",
    "readonly",
    "regexmatch",
    "replace",
    "required",
    "return",
    "rm",
    "sed",
    "semvercompare",
    "set",
    "sh",
    "sha256sum",
    "shift",
    "sleep",
    "sort",
    "source",
    "split",
    "squote",
    "tail",
    "tee",
    "template",
    "ternary",
    "test",
    "then",
    "title",
    "toJson",
    "tojson",
    "toYaml",
    "toyaml",
    "tpl",
    "tr",
    "trim",
    "trimprefix",
    "trimsuffix",
    "true",
    "trunc",
    "undefined",
    "uniq",
    "unset",
    "until",
    "upper",
    "wc",
    "wget",
    "while",
    "with",
    "xargs",
    "yq",
];

/// File extensions no image path component ends with: `k8s.gcr.io/images/foo/images.yaml` is a
/// file in a repository, not an image. Sorted for binary search.
const FILE_EXTENSIONS: &[&str] = &[
    "bash", "cfg", "conf", "css", "csv", "go", "gz", "htm", "html", "ini", "java", "js", "json",
    "md", "png", "py", "rs", "sh", "svg", "tar", "tgz", "toml", "ts", "txt", "xml", "yaml", "yml",
    "zip",
];

/// Whether a path component of `path` ends in a file extension (`images.yaml`, `README.md`).
pub(crate) fn names_a_file(path: &str) -> bool {
    path.split('/').any(|component| {
        component.rsplit_once('.').is_some_and(|(stem, extension)| {
            !stem.is_empty() && FILE_EXTENSIONS.binary_search(&extension).is_ok()
        })
    })
}

/// Whether `word` is one of [`RESERVED_WORDS`].
pub(crate) fn is_reserved_word(word: &str) -> bool {
    RESERVED_WORDS.contains(&word)
}

/// Whether a name is a documentation placeholder: `your-image`, `your-org/app` whatever its tag,
/// and, standing alone, words that name the slot itself (`my-image`, `image-name`, `tag`).
pub(crate) fn is_placeholder(name: &str, alone: bool) -> bool {
    const SLOTS: &[&str] = &[
        "image",
        "image-name",
        "image_name",
        "image_url",
        "imagename",
        "my-image",
        "name",
        "registry",
        "repo",
        "repository",
        "tag",
    ];
    let last = name.rsplit('/').next().unwrap_or(name);
    let yours = |part: &str| part.starts_with("your-") || part.starts_with("your_");
    yours(last) || yours(name) || (alone && SLOTS.contains(&last))
}

/// Endings of variable names that mention images but hold a part or a setting of one
/// (`IMAGE_REGISTRY=ghcr.io/acme`, `IMAGE_TAG=1.2`, `IMAGE_DIR=/data/images`).
pub(crate) const NOT_AN_IMAGE_SUFFIXES: &[&[u8]] = &[
    b"DIR",
    b"HOST",
    b"NAMESPACE",
    b"ORG",
    b"OWNER",
    b"PATH",
    b"PREFIX",
    b"REGISTRY",
    b"SIZE",
    b"TAG",
    b"URL",
];

/// The words that may stand before an assignment that starts a command: `export IMAGE=…`,
/// `ENV BASE_IMAGE=…`, `- IMAGE=…` in a YAML script, `make … ; IMAGE=…`, `# IMAGE=…` (an
/// alternative kept in a comment). After anything else
/// (`-e IMAGE=x`, `--label IMAGE=x`) `NAME=value` is an argument, not an assignment.
pub(crate) const ASSIGNMENT_LEADERS: &[&[u8]] = &[
    b"#",
    b"-",
    b"&&",
    b"--build-arg",
    b";",
    b"ARG",
    b"ENV",
    b"declare",
    b"do",
    b"export",
    b"local",
    b"override",
    b"readonly",
    b"set",
    b"then",
    b"typeset",
    b"||",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_disagree_only_where_the_table_says() {
        let role = |reader, key| image_key(reader, FileKind::Yaml, key);
        let all = |key| {
            [KeyReader::Yaml, KeyReader::YamlLines, KeyReader::Toml].map(|reader| role(reader, key))
        };
        assert_eq!(all("baseimage"), [Image, Image, Image]);
        assert_eq!(all("images"), [Image, Not, Image]);
        assert_eq!(all("extra_images"), [Not, Not, Image]);
        assert_eq!(all("newname"), [Image, Image, Not]);
        assert_eq!(all("imageregistry"), [Registry; 3]);
        assert_eq!(all("registry"), [Registry; 3]);
        assert_eq!(all("docker-registry"), [Registry; 3]);
        assert_eq!(all("sourceregistry"), [Registry; 3]);
        assert_eq!(all("imagerepository"), [Registry; 3]);
        assert_eq!(all("registryprefix"), [Registry; 3]);
        assert_eq!(all("language-subtag-registry"), [Not, Not, Not]);
        assert!(is_setting_variable(b"REPO_PREFIX"));
        assert!(is_setting_variable(b"DOCKER_REGISTRY"));
        assert!(is_setting_variable(b"repo"));
        assert!(!is_setting_variable(b"REPOSITORY"));
        assert!(!is_setting_variable(b"GITREPO"));
        assert_eq!(all("container"), [Not, Not, Not]);
        let actions = image_key(KeyReader::Yaml, FileKind::GithubActions, "container");
        assert_eq!(actions, Image);
    }

    #[test]
    fn context_keywords_leave_out_two_letter_tools() {
        let words = [
            "image",
            "from",
            "docker",
            "podman",
            "nerdctl",
            "kubectl",
            "regctl",
            "container",
        ];
        assert_eq!(context_keywords(), words);
        assert_eq!(word_tools().collect::<Vec<_>>(), ["oc"]);
        assert_eq!(tool(b"oc"), Some(ToolKind::Kubectl));
    }

    #[test]
    fn file_extensions_are_sorted_and_name_files() {
        assert!(FILE_EXTENSIONS.windows(2).all(|w| w[0] < w[1]));
        assert!(names_a_file("images/foo/images.yaml"));
        assert!(names_a_file("docs/README.md"));
        assert!(!names_a_file("kube-proxy"));
        assert!(!names_a_file("acme/app.web"));
        assert!(!names_a_file("acme/.yaml"));
    }
}
