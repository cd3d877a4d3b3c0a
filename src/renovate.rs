//! Importing a team's own Renovate replacement rules (`packageRules` with `replacementName`,
//! `replacementNameTemplate`, `replacementVersion`) as reimage rules.
//!
//! Only what maps 1:1 onto a reimage rule is imported: exact names, prefixes written as globs
//! (`k8s.gcr.io/**`), anchored literal regexes (`/^k8s\.gcr\.io\//`), `matchPackagePrefixes`,
//! the `replace 'RE' 'STR' packageName` and `PREFIX{{{packageName}}}` templates, an exact
//! current version or a version window (`>=0.43.0`, a rule's `tags`), and `replacementVersion`
//! (the rule's `--set-tag`). Anything else is returned as unsupported with its JSON path, never
//! dropped silently; presets from `extends` are not fetched. `.json5` files are read as JSON5.
//! Pure code, no I/O.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::rule::{RuleSpec, TagWindow};

/// File names Renovate reads its configuration from, in the order looked for.
pub const CONFIG_NAMES: &[&str] = &[
    "renovate.json",
    "renovate.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".gitlab/renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
];

/// The rules imported from one configuration, and what could not be.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imported {
    pub rules: Vec<RuleSpec>,
    /// `JSON.path: why`, one for each construct not imported.
    pub unsupported: Vec<String>,
}

/// A configuration that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct RenovateError {
    pub path: PathBuf,
    pub problem: String,
}

/// The Renovate configuration in `dir`, if there is one.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    CONFIG_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// Imports the docker replacement rules of the configuration `text` read from `path`.
pub fn import(path: &Path, text: &str) -> Result<Imported, RenovateError> {
    let error = |problem: String| RenovateError {
        path: path.to_path_buf(),
        problem,
    };
    let root: Value = if path.extension().is_some_and(|e| e == "json5") {
        json_five::from_str(text).map_err(|e| error(format!("not valid JSON5: {e}")))?
    } else {
        serde_json::from_str(text).map_err(|e| error(format!("not valid JSON: {e}")))?
    };
    let name = path
        .file_name()
        .map_or_else(|| "renovate".into(), |n| n.to_string_lossy().into_owned());
    let mut imported = Imported::default();
    if let Some(extends) = root.get("extends").and_then(Value::as_array) {
        for (i, preset) in extends.iter().enumerate() {
            let preset = preset.as_str().unwrap_or_default();
            if preset.contains("replacement") || preset.starts_with("replacements:") {
                imported.unsupported.push(format!(
                    "extends[{i}]: preset `{preset}` is not fetched; write its rules out, or use `reimage check --catalog`"
                ));
            }
        }
    }
    let rules = root
        .get("packageRules")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for (i, rule) in rules.iter().enumerate() {
        let at = format!("packageRules[{i}]");
        match package_rule(rule, &at, &format!("{name}:{at}")) {
            Ok(specs) => imported.rules.extend(specs),
            Err(problem) => imported.unsupported.push(problem),
        }
    }
    Ok(imported)
}

/// Keys of a package rule that do not change what is renamed.
const NEUTRAL: &[&str] = &[
    "description",
    "matchDatasources",
    "groupName",
    "automerge",
    "prBodyNotes",
    "commitMessageTopic",
    "labels",
];

/// The reimage rules of one package rule, or `path.key: why` it cannot be imported. A rule
/// that replaces nothing, or is for another datasource, yields no rules and no complaint.
fn package_rule(rule: &Value, at: &str, origin: &str) -> Result<Vec<RuleSpec>, String> {
    let Some(object) = rule.as_object() else {
        return Err(format!("{at}: not an object"));
    };
    let replaces = ["replacementName", "replacementNameTemplate"]
        .iter()
        .any(|k| object.contains_key(*k));
    let docker = object
        .get("matchDatasources")
        .and_then(Value::as_array)
        .is_none_or(|d| d.iter().any(|v| v == "docker"));
    if !replaces || !docker {
        return Ok(Vec::new());
    }
    const KNOWN: &[&str] = &[
        "matchPackageNames",
        "matchPackagePrefixes",
        "matchPackagePatterns",
        "replacementName",
        "replacementNameTemplate",
        "replacementVersion",
        "matchCurrentVersion",
        "matchCurrentValue",
    ];
    if let Some(key) = object
        .keys()
        .find(|k| !KNOWN.contains(&k.as_str()) && !NEUTRAL.contains(&k.as_str()))
    {
        return Err(format!("{at}.{key}: not supported; rule not imported"));
    }
    let mut matchers = Vec::new();
    for (key, as_prefix) in [
        ("matchPackageNames", false),
        ("matchPackagePrefixes", true),
        ("matchPackagePatterns", false),
    ] {
        let Some(values) = object.get(key) else {
            continue;
        };
        let values = values
            .as_array()
            .ok_or_else(|| format!("{at}.{key}: not a list"))?;
        for (j, v) in values.iter().enumerate() {
            let text = v
                .as_str()
                .ok_or_else(|| format!("{at}.{key}[{j}]: not a string"))?;
            let matcher = match (key, as_prefix) {
                (_, true) => Some(Matcher::Prefix(text.trim_end_matches('/').to_owned())),
                ("matchPackagePatterns", _) => regex_matcher(text),
                _ => name_matcher(text),
            };
            matchers.push(matcher.ok_or_else(|| {
                format!("{at}.{key}[{j}]: `{text}` is not an exact name, a `PREFIX/**` glob or an anchored literal regex")
            })?);
        }
    }
    if matchers.is_empty() {
        return Err(format!("{at}: no matchPackageNames; rule not imported"));
    }
    let (current, window) = match ["matchCurrentValue", "matchCurrentVersion"]
        .iter()
        .find_map(|k| object.get(*k).map(|v| (*k, v)))
    {
        None => (None, None),
        Some((key, v)) => {
            let text = v.as_str().unwrap_or_default();
            match exact_version(text) {
                Some(exact) => (Some(exact), None),
                None if TagWindow::parse(text).is_ok() => (None, Some(text.to_owned())),
                None => {
                    return Err(format!(
                        "{at}.{key}: only an exact version or a window of comparisons (`>=2.0.0 <3`) is supported"
                    ))
                }
            }
        }
    };
    let version = object.get("replacementVersion").and_then(Value::as_str);
    let reason = object
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut specs = Vec::new();
    for matcher in &matchers {
        let to = replacement(object, matcher)
            .ok_or_else(|| format!("{at}.replacementNameTemplate: only `{{{{{{replace 'RE' 'STR' packageName}}}}}}` with a literal RE and `PREFIX{{{{{{packageName}}}}}}` are supported"))?;
        let mut set_tag = false;
        let (from, to) = match (matcher, &current, version) {
            (Matcher::Prefix(_), _, Some(_)) => {
                return Err(format!(
                    "{at}.replacementVersion: a new version for every package under a prefix is not supported"
                ))
            }
            (Matcher::Prefix(p), None, None) => {
                (format!("{p}/"), format!("{}/", to.trim_end_matches('/')))
            }
            (Matcher::Prefix(_), Some(_), None) => {
                return Err(format!(
                    "{at}.matchCurrentValue: an exact version on a prefix is not supported"
                ))
            }
            (Matcher::Exact(name), None, None) => (name.clone(), to),
            // Every matched version (in the window, if any) gets the one new version.
            (Matcher::Exact(name), None, Some(v)) => {
                set_tag = true;
                (name.clone(), format!("{to}:{v}"))
            }
            (Matcher::Exact(name), Some(cur), version) => (
                format!("{name}:{cur}"),
                format!("{to}:{}", version.unwrap_or(cur)),
            ),
        };
        let mut spec = RuleSpec::rename(from, to, origin);
        spec.reason = reason.clone();
        spec.tags = window.clone();
        spec.set_tag = set_tag;
        specs.push(spec);
    }
    Ok(specs)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    Exact(String),
    /// Without the trailing `/`.
    Prefix(String),
}

/// `nginx`, `k8s.gcr.io/**`, `/^k8s\.gcr\.io\//`; `None` for other globs, negations, regexes.
fn name_matcher(text: &str) -> Option<Matcher> {
    if let Some(regex) = text.strip_prefix('/').and_then(|t| t.strip_suffix('/')) {
        return regex_matcher(regex);
    }
    if let Some(prefix) = text.strip_suffix("/**").or_else(|| text.strip_suffix("/*")) {
        return is_literal(prefix).then(|| Matcher::Prefix(prefix.to_owned()));
    }
    is_literal(text).then(|| Matcher::Exact(text.to_owned()))
}

/// `^k8s\.gcr\.io/` → prefix, `^nginx$` → exact.
fn regex_matcher(regex: &str) -> Option<Matcher> {
    let body = regex.strip_prefix('^')?;
    if let Some(exact) = body.strip_suffix('$') {
        return unescape(exact).map(Matcher::Exact);
    }
    let literal = unescape(body)?;
    literal
        .strip_suffix('/')
        .map(|p| Matcher::Prefix(p.to_owned()))
}

/// The literal a regex without metacharacters (other than escaped ones) matches.
fn unescape(regex: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = regex.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '^' | '$' => {
                return None
            }
            c => out.push(c),
        }
    }
    Some(out)
}

fn is_literal(text: &str) -> bool {
    !text.is_empty() && !text.contains(['*', '?', '[', ']', '{', '}', '!', ' '])
}

/// A version written as one exact value (`1.2.3`, `=1.2.3`, `/^1\.2\.3$/`).
fn exact_version(text: &str) -> Option<String> {
    if let Some(regex) = text.strip_prefix('/').and_then(|t| t.strip_suffix('/')) {
        return unescape(regex.strip_prefix('^')?.strip_suffix('$')?);
    }
    let text = text.strip_prefix('=').unwrap_or(text);
    (!text.is_empty() && !text.contains(['<', '>', '~', '^', '*', ' ', '|', ',']))
        .then(|| text.to_owned())
}

/// The new name (or prefix) for `matcher` under the rule's replacement.
fn replacement(object: &serde_json::Map<String, Value>, matcher: &Matcher) -> Option<String> {
    if let Some(name) = object.get("replacementName").and_then(Value::as_str) {
        return match matcher {
            Matcher::Exact(_) => Some(name.to_owned()),
            // Every package under a prefix would get the same name: not a rename.
            Matcher::Prefix(_) => None,
        };
    }
    let template = object.get("replacementNameTemplate")?.as_str()?;
    let name = match matcher {
        Matcher::Exact(n) => n.clone(),
        Matcher::Prefix(p) => format!("{p}/"),
    };
    if let Some(prefix) = template.strip_suffix("{{{packageName}}}") {
        return is_literal(prefix).then(|| format!("{prefix}{name}"));
    }
    let inner = template
        .strip_prefix("{{{replace ")?
        .strip_suffix(" packageName}}}")?;
    let (re, with) = quoted_pair(inner)?;
    let re = re.strip_prefix('^').unwrap_or(&re).to_owned();
    let literal = unescape(&re)?;
    name.starts_with(&literal)
        .then(|| format!("{with}{}", &name[literal.len()..]))
}

/// `'RE' 'STR'` → (RE, STR).
fn quoted_pair(text: &str) -> Option<(String, String)> {
    let mut parts = text.split('\'');
    let (_, re, gap, with, rest) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (gap.trim().is_empty() && rest.is_empty() && parts.next().is_none())
        .then(|| (re.to_owned(), with.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imported(json: &str) -> Imported {
        import(Path::new("renovate.json"), json).unwrap()
    }

    fn pairs(imported: &Imported) -> Vec<(String, String)> {
        imported
            .rules
            .iter()
            .map(|r| (r.from.clone(), r.to.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn renovate_imports_names_prefixes_templates_and_versions() {
        let got = imported(
            r#"{
  "extends": ["config:recommended"],
  "packageRules": [
    {"matchDatasources": ["docker"], "matchPackageNames": ["k8s.gcr.io/**"],
     "replacementNameTemplate": "{{{replace 'k8s\\.gcr\\.io/' 'registry.k8s.io/' packageName}}}"},
    {"matchDatasources": ["docker"], "matchPackageNames": ["ghcr.io/gdtiti/grok2api"],
     "replacementName": "ghcr.io/gdtiti/grok2api-api", "description": "package deleted"},
    {"matchPackageNames": ["/^docker\\.io\\/bitnami\\//"],
     "replacementNameTemplate": "{{{replace '^docker\\.io/bitnami/' 'docker.io/bitnamilegacy/' packageName}}}"},
    {"matchDatasources": ["docker"], "matchPackageNames": ["quay.io/acme/**"],
     "replacementNameTemplate": "mirror.example.com/{{{packageName}}}"},
    {"matchDatasources": ["docker"], "matchPackageNames": ["openjdk"], "matchCurrentValue": "17",
     "replacementName": "eclipse-temurin", "replacementVersion": "17-jre"},
    {"matchDatasources": ["npm"], "matchPackageNames": ["left-pad"], "replacementName": "x"},
    {"matchPackageNames": ["*"], "automerge": true}
  ]
}"#,
        );
        let want = [
            ("k8s.gcr.io/", "registry.k8s.io/"),
            ("ghcr.io/gdtiti/grok2api", "ghcr.io/gdtiti/grok2api-api"),
            ("docker.io/bitnami/", "docker.io/bitnamilegacy/"),
            ("quay.io/acme/", "mirror.example.com/quay.io/acme/"),
            ("openjdk:17", "eclipse-temurin:17-jre"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(f, t)| (f.to_string(), t.to_string()))
            .collect();
        assert_eq!(pairs(&got), want);
        assert_eq!(got.rules[1].reason.as_deref(), Some("package deleted"));
        assert_eq!(got.rules[0].origin, "renovate.json:packageRules[0]");
        assert!(got.unsupported.is_empty(), "{:?}", got.unsupported);
    }

    #[test]
    fn renovate_names_every_construct_it_cannot_import() {
        let got = imported(
            r#"{
  "extends": ["replacements:k8s-registry-move"],
  "packageRules": [
    {"matchPackageNames": ["nginx*"], "replacementName": "x/nginx"},
    {"matchPackageNames": ["a/b"], "matchFileNames": ["Dockerfile"], "replacementName": "a/c"},
    {"matchPackageNames": ["a/b"], "matchCurrentVersion": "/^v?2\\./", "replacementName": "a/c"},
    {"matchPackageNames": ["a/**"], "replacementNameTemplate": "b/{{{packageName}}}", "replacementVersion": "2"}
  ]
}"#,
        );
        assert!(got.rules.is_empty());
        let paths: Vec<&str> = got
            .unsupported
            .iter()
            .map(|u| u.split(':').next().unwrap())
            .collect();
        assert_eq!(
            paths,
            [
                "extends[0]",
                "packageRules[0].matchPackageNames[0]",
                "packageRules[1].matchFileNames",
                "packageRules[2].matchCurrentVersion",
                "packageRules[3].replacementVersion",
            ]
        );
    }

    #[test]
    fn renovate_version_windows_and_replacement_versions() {
        let got = imported(
            r#"{"packageRules": [
    {"matchPackageNames": ["quay.io/coreos/prometheus-operator"], "matchCurrentVersion": ">=0.43.0",
     "replacementName": "quay.io/prometheus-operator/prometheus-operator"},
    {"matchPackageNames": ["nginx"], "matchCurrentVersion": "<1.26", "replacementName": "nginx",
     "replacementVersion": "1.27"},
    {"matchPackageNames": ["a/b"], "replacementName": "a/c", "replacementVersion": "2"}
  ]}"#,
        );
        assert!(got.unsupported.is_empty(), "{:?}", got.unsupported);
        let described: Vec<String> = got.rules.iter().map(ToString::to_string).collect();
        assert_eq!(
            described,
            [
                "quay.io/coreos/prometheus-operator → quay.io/prometheus-operator/prometheus-operator (tags >=0.43.0)",
                "nginx → nginx:1.27 (tags <1.26) (set tag)",
                "a/b → a/c:2 (set tag)",
            ]
        );
        assert!(crate::rule::RuleSet::new(got.rules).is_ok());
    }

    #[test]
    fn renovate_json5_is_read() {
        let got = import(
            Path::new("renovate.json5"),
            "{\n  // comments, unquoted keys, single quotes, trailing commas\n  packageRules: [\n    {matchPackageNames: ['consul'], replacementName: 'hashicorp/consul',},\n  ],\n}\n",
        )
        .unwrap();
        assert_eq!(
            pairs(&got),
            [("consul".to_owned(), "hashicorp/consul".to_owned())]
        );
        assert!(import(Path::new("renovate.json5"), "{packageRules: [")
            .unwrap_err()
            .to_string()
            .contains("not valid JSON5"));
    }

    #[test]
    fn renovate_bad_json_is_a_clear_error() {
        assert!(import(Path::new("renovate.json"), "{")
            .unwrap_err()
            .to_string()
            .starts_with("renovate.json: not valid JSON"));
    }
}
