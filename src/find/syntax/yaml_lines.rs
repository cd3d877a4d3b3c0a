//! YAML and JSON read line by line, where the structure cannot be read (templates, malformed or
//! non-UTF-8 files) and in Markdown `yaml`/`json` fences: `key: value` lines whose key is
//! image-like. Sees no nesting, so split maps, lists and owner-based keys are the structure's.

use super::words::trim_comment;
use crate::classify::FileKind;
use crate::find::site::LineSite;
use crate::find::vocabulary::{image_key, KeyReader, KeyRole, DOCKER_SCHEME, USES_KEY};
use crate::finding::Confidence;

/// `image: value`, `- image: "value"`, `"image": "value"`, `FOO_IMAGE: value`, `uses: docker://value`.
pub(crate) fn key_value(kind: FileKind, line: &[u8]) -> Option<LineSite> {
    let mut i = line.iter().position(|b| !b.is_ascii_whitespace())?;
    if line[i] == b'-' && line.get(i + 1).is_some_and(|b| *b == b' ') {
        i += 2;
        while line.get(i) == Some(&b' ') {
            i += 1;
        }
    }
    let quoted = matches!(line.get(i), Some(b'"' | b'\''));
    let key_start = i + usize::from(quoted);
    let mut key_end = key_start;
    while key_end < line.len()
        && (line[key_end].is_ascii_alphanumeric() || matches!(line[key_end], b'_' | b'-' | b'.'))
    {
        key_end += 1;
    }
    let key = line[key_start..key_end].to_ascii_lowercase();
    // Only ASCII letters, digits and `_-.` were taken.
    let key = std::str::from_utf8(&key).unwrap_or_default();
    let mut colon = key_end + usize::from(quoted);
    if line.get(colon) != Some(&b':') {
        return None;
    }
    colon += 1;
    if line.get(colon).is_some_and(|b| !b.is_ascii_whitespace()) {
        return None;
    }
    let value = trim_comment(line, colon);
    let value_text = &line[value.clone()];
    let docker_uses =
        key == USES_KEY && memchr::memmem::find(value_text, DOCKER_SCHEME.as_bytes()).is_some();
    match image_key(KeyReader::YamlLines, kind, key) {
        KeyRole::Image => Some((value, Confidence::Structural)),
        KeyRole::Registry => Some((value, Confidence::Setting)),
        KeyRole::Not => docker_uses.then_some((value, Confidence::Structural)),
    }
}

#[cfg(test)]
mod tests {
    use crate::classify::FileKind;
    use crate::find::syntax::site_texts;

    #[test]
    fn yaml_image_keys() {
        let yaml = "services:\n  web:\n    image: \"nginx:1.25\" # pinned\n  db:\n    - image: redis\nname: nginx\nbase_image: alpine\n";
        assert_eq!(
            site_texts(FileKind::Compose, yaml),
            ["\"nginx:1.25\"", "redis", "alpine"]
        );
    }
}
