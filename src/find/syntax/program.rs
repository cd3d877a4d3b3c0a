//! Program source and other text (Python, Go, JS/TS, Java, Ruby, Terraform…): the one place a
//! short name is taken from it is an image-named constant, variable or key assigned one quoted
//! literal (`DEFAULT_IMAGE = "ghcr.io/o/app:1"`, `const baseImage = "node:20"`,
//! `image = "nginx:1.27"`). Code is full of words (`image_size = 0`, `imageUrl: f(x)`) that no
//! other place vouches for; registry-qualified names are found anywhere without this.

use std::ops::Range;

use crate::find::site::LineSite;
use crate::finding::Confidence;

/// The quoted value of an image-named assignment or key on `line`, without its quotes.
pub(crate) fn image_constant(line: &[u8]) -> Option<LineSite> {
    let (name, rest) = assigned_name(line)?;
    if !is_image_name(&line[name]) {
        return None;
    }
    let value = quoted_literal(line, rest)?;
    Some((value, Confidence::Command))
}

/// Jenkins Pipeline's image arguments: the Docker Pipeline plugin's `docker.image('maven:3')`
/// and `docker.build("o/app:1")` (the flag is set: a call of the Docker API), and a
/// declarative agent's `image 'maven:3-alpine'` (`agent { docker { image '…' } }`), a DSL word
/// that starts a statement.
pub(crate) fn pipeline_image(line: &[u8]) -> Option<(LineSite, bool)> {
    for call in [&b"docker.image("[..], b"docker.build("] {
        if let Some(at) = memchr::memmem::find(line, call) {
            let value = quoted_literal(line, at + call.len())?;
            return Some(((value, Confidence::Command), true));
        }
    }
    let mut from = 0;
    while let Some(off) = memchr::memmem::find(&line[from..], b"image") {
        let at = from + off;
        from = at + 5;
        let before = line[..at].trim_ascii_end();
        let starts = before.is_empty() || matches!(before.last(), Some(b'{' | b';'));
        let blank = line.get(at + 5).is_some_and(|b| *b == b' ' || *b == b'\t');
        if starts && blank {
            let value = quoted_literal(line, at + 5)?;
            return Some(((value, Confidence::Command), false));
        }
    }
    None
}

/// The name before the first `=`, `:=` or `:` of the line (skipping `const`, `let`, `var`,
/// `export`, quotes around a key), and where its value starts.
fn assigned_name(line: &[u8]) -> Option<(Range<usize>, usize)> {
    let op = line.iter().position(|&b| b == b'=' || b == b':')?;
    let comparison = line[op] == b'=' && line.get(op + 1) == Some(&b'=');
    if comparison || (op > 0 && matches!(line[op - 1], b'=' | b'!' | b'<' | b'>')) {
        return None;
    }
    let mut end = op;
    while end > 0 && line[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    if end > 0 && matches!(line[end - 1], b'"' | b'\'') {
        end -= 1;
    }
    let mut start = end;
    while start > 0
        && (line[start - 1].is_ascii_alphanumeric() || matches!(line[start - 1], b'_' | b'-'))
    {
        start -= 1;
    }
    let value = if line.get(op + 1) == Some(&b'=') {
        op + 2
    } else {
        op + 1
    };
    (start < end).then_some((start..end, value))
}

/// `image`, `IMAGE`, `*_image`, `*-image`, `*Image` (camel case), `*_IMAGE`.
fn is_image_name(name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower == b"image" {
        return true;
    }
    let Some(before) = lower.len().checked_sub(5).map(|n| &name[..n]) else {
        return false;
    };
    let suffix = &name[name.len() - 5..];
    lower.ends_with(b"image")
        && (matches!(before.last(), Some(b'_' | b'-'))
            || (suffix == b"Image" && before.last().is_some_and(u8::is_ascii_lowercase))
            || (suffix == b"IMAGE" && before.last() == Some(&b'_')))
}

/// The range inside the quotes of a quoted literal starting at `from` (after blanks), when it is
/// one token: no blanks, no interpolation, and nothing but a separator after it.
fn quoted_literal(line: &[u8], from: usize) -> Option<Range<usize>> {
    let start = from + line[from..].iter().position(|b| !b.is_ascii_whitespace())?;
    let quote = line[start];
    if !matches!(quote, b'"' | b'\'' | b'`') {
        return None;
    }
    let close = start + 1 + memchr::memchr(quote, &line[start + 1..])?;
    let inside = &line[start + 1..close];
    let literal = !inside.is_empty()
        && !inside
            .iter()
            .any(|b| b.is_ascii_whitespace() || matches!(b, b'$' | b'{' | b'}' | b'%' | b'\\'));
    let after = line[close + 1..].trim_ascii_start();
    let ends = after.is_empty() || matches!(after[0], b',' | b';' | b'}' | b')' | b'#' | b'/');
    (literal && ends).then_some(start + 1..close)
}

#[cfg(test)]
mod tests {
    use crate::classify::FileKind;
    use crate::find::syntax::site_texts;

    #[test]
    fn jenkins_pipeline_images() {
        let jenkinsfile = "pipeline {\n    agent {\n        docker {\n            image 'maven:3-alpine'\n            args '-v /root/.m2:/root/.m2'\n        }\n    }\n\
            agent { docker { image \"node:20\" } }\n\
            def app = docker.build(\"acme/app:1\")\n\
            docker.image('maven:3').inside('-v /tmp:/tmp') {\n\
            image \"ghcr.io/o/${name}:1\"\n\
            // the image 'is' nice\n\
            docker.image(params.IMAGE).pull()\n}\n";
        assert_eq!(
            site_texts(FileKind::Text, jenkinsfile),
            ["maven:3-alpine", "node:20", "acme/app:1", "maven:3"]
        );
    }

    #[test]
    fn only_image_named_constants_with_one_literal() {
        let code = "DEFAULT_IMAGE = \"ghcr.io/o/app:1\"\n\
            const baseImage = 'node:20-alpine';\n\
            image = \"nginx:1.27\"\n\
            image_size = 0\n\
            image_url = f\"{get_url(post_id)}\"\n\
            imageUrl: \"https://x/y.png\",\n\
            const el = document.createElement(\"div\")\n\
            sidecar_image := \"busybox:1.36\"\n\
            image_mode = \"webp\"\n\
            \"image\": \"redis:7\",\n\
            if image == \"x\" {\n\
            IMAGE = os.environ.get(\"IMAGE\", \"python:3.12-slim\")\n";
        assert_eq!(
            site_texts(FileKind::Text, code),
            [
                "ghcr.io/o/app:1",
                "node:20-alpine",
                "nginx:1.27",
                "busybox:1.36",
                "redis:7"
            ]
        );
    }
}
