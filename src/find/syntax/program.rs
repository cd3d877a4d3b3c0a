//! Program source and other text (Python, Go, JS/TS, Java, Groovy/Jenkinsfile, Ruby,
//! Terraform…): code is full of words (`image_size = 0`, `imageUrl: f(x)`, `"key:value"`,
//! `"redis:6379"`) that no place vouches for, so a short name is taken from it only where the
//! code says it is an image:
//!
//! - an image-named constant, variable, key or named argument assigned one quoted literal
//!   (`DEFAULT_IMAGE = "ghcr.io/o/app:1"`, `const baseImage = "node:20"`,
//!   `containerTemplate(name: 'kubectl', image: 'bitnami/kubectl:1.29')`,
//!   `String image = "bitnami/kubectl:$V"`, a template only in the tag);
//! - an entry of an image-named map or list (`def images = [kubectl: 'bitnami/kubectl:1.29']`,
//!   `IMAGES = {"redis": "redis:7"}`, `var images = map[string]string{…}`), one entry a line;
//! - anywhere else, a quoted string that is exactly one short name with a digest; one with a
//!   namespace and a tag (`'bitnami/kubectl:1.29'`) is a review, and one word with a tag
//!   (`"redis:6379"`, `"key:value"`) nothing, as is a short name without a tag.
//!
//! Registry-qualified names are found anywhere without this.

use std::ops::Range;
use std::sync::OnceLock;

use memchr::memmem;

use super::words::has_template;
use crate::find::site::{Accepts, LineSite};
use crate::find::vocabulary;
use crate::finding::{Confidence, ReviewReason};
use crate::image_ref::ImageRef;

/// A site of a program line: where, how sure, what it vouches for, and why a human must look.
pub(crate) type ProgramSite = (LineSite, Accepts, Option<ReviewReason>);

/// The image sites of one program `line`; `in_map` says the line is an entry of an image map.
pub(crate) fn sites(line: &[u8], in_map: bool) -> Vec<ProgramSite> {
    let mut found: Vec<ProgramSite> = Vec::new();
    let taken = |found: &mut Vec<ProgramSite>, span: Range<usize>| {
        found.push(((span, Confidence::Command), Accepts::Tagged, None));
    };
    for (i, (name, value)) in assignments(line).into_iter().enumerate() {
        if !is_image_name(&line[name.clone()]) {
            continue;
        }
        if let Some(span) = quoted_value(line, value).or_else(|| yaml_value(line, name, value)) {
            if i == 0 {
                taken(&mut found, span);
            } else {
                // A named argument or a key further on (`image: 'bitnami/kubectl:1.29'` in a
                // call, `backgroundImage:"none"` in a minified bundle): only versioned names.
                found.push(((span, Confidence::Command), Accepts::Versioned, None));
            }
        }
    }
    if let Some((span, accepts)) = pipeline_image(line) {
        found.push(((span, Confidence::Command), accepts, None));
    }
    if in_map {
        if let Some(span) = map_entry(line) {
            found.push(((span, Confidence::Command), Accepts::Versioned, None));
        }
    }
    for span in quoted_strings(line) {
        if found.iter().any(|((s, _), _, _)| *s == span) {
            continue;
        }
        match quoted_reference(&line[span.clone()]) {
            Some(QuotedName::Digest) => {
                found.push(((span, Confidence::Command), Accepts::Any, None));
            }
            Some(QuotedName::Namespaced) => found.push((
                (span, Confidence::Review),
                Accepts::Any,
                Some(ReviewReason::QuotedShortName),
            )),
            None => {}
        }
    }
    found
}

/// Jenkins Pipeline's image arguments and what they vouch for: the Docker Pipeline plugin's
/// `docker.image('maven:3')` calls the Docker API (any name); `docker.build("o/app:1")` names an
/// image built here, like a Compose service's `image:` beside `build:`; a declarative agent's
/// `image 'maven:3-alpine'` (`agent { docker { image '…' } }`) is a DSL word that starts a
/// statement, which vouches for a bare short name no more than an assignment does.
fn pipeline_image(line: &[u8]) -> Option<(Range<usize>, Accepts)> {
    for (call, accepts) in [
        (&b"docker.image("[..], Accepts::Any),
        (b"docker.build(", Accepts::Built),
    ] {
        if let Some(at) = memmem::find(line, call) {
            return Some((quoted_value(line, at + call.len())?, accepts));
        }
    }
    let mut from = 0;
    while let Some(off) = memmem::find(&line[from..], b"image") {
        let at = from + off;
        from = at + 5;
        let before = line[..at].trim_ascii_end();
        let starts = before.is_empty() || matches!(before.last(), Some(b'{' | b';'));
        let blank = line.get(at + 5).is_some_and(|b| *b == b' ' || *b == b'\t');
        if starts && blank {
            return Some((quoted_value(line, at + 5)?, Accepts::Tagged));
        }
    }
    None
}

/// Every `name = value`, `name: value`, `name := value` of `line` (`==`, `<=`, `!=`, `=>`
/// excepted; `=>` is read by [`map_entry`]): the name's range and where its value starts.
fn assignments(line: &[u8]) -> Vec<(Range<usize>, usize)> {
    let mut out = Vec::new();
    let mut quote = None;
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if matches!(b, b'"' | b'\'' | b'`') => {
                // A quoted key (`"image": …`) is a name.
                if let Some(found) = quoted_key(line, i) {
                    out.push(found);
                }
                quote = Some(b);
            }
            None if b == b'=' || b == b':' => {
                if let Some(found) = assigned_name(line, i) {
                    out.push(found);
                }
                if line.get(i + 1) == Some(&b'=') {
                    i += 1;
                }
            }
            None => {}
        }
        i += 1;
    }
    out
}

/// `"image": value`, `'image' => value`: a quoted key opening at `open`.
fn quoted_key(line: &[u8], open: usize) -> Option<(Range<usize>, usize)> {
    let quote = line[open];
    let close = open + 1 + memchr::memchr(quote, &line[open + 1..])?;
    let name = open + 1..close;
    if name.is_empty() || !line[name.clone()].iter().all(|&b| is_name_byte(b)) {
        return None;
    }
    let rest = &line[close + 1..];
    let blanks = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let op = close + 1 + blanks;
    let value = match line.get(op..op + 2) {
        Some(b"=>") => op + 2,
        _ if line.get(op) == Some(&b':') => op + 1,
        _ => return None,
    };
    Some((name, value))
}

/// The unquoted name before the operator at `op`, and where its value starts.
fn assigned_name(line: &[u8], op: usize) -> Option<(Range<usize>, usize)> {
    let comparison = line[op] == b'=' && matches!(line.get(op + 1), Some(b'=' | b'>' | b'~'));
    if comparison || (op > 0 && matches!(line[op - 1], b'=' | b'!' | b'<' | b'>' | b':')) {
        return None;
    }
    if line[op] == b':' && line.get(op + 1) == Some(&b':') {
        // `Foo::Bar`, `std::string`.
        return None;
    }
    let mut end = op;
    while end > 0 && line[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && is_name_byte(line[start - 1]) {
        start -= 1;
    }
    let value = if line[op] == b':' && line.get(op + 1) == Some(&b'=') {
        op + 2
    } else {
        op + 1
    };
    (start < end).then_some((start..end, value))
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')
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

/// `images`, `IMAGES`, `*_images`, `*Images`: a map or list of images.
fn is_image_map_name(name: &[u8]) -> bool {
    name.strip_suffix(b"s")
        .or_else(|| name.strip_suffix(b"S"))
        .is_some_and(is_image_name)
}

/// The range inside the quotes of a quoted literal starting at `from` (after blanks), when it is
/// one token: no blanks, no interpolation but in the tag, and nothing but a separator after it.
fn quoted_value(line: &[u8], from: usize) -> Option<Range<usize>> {
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
            .any(|b| b.is_ascii_whitespace() || *b == b'\\')
        && (!has_template(inside) || template_only_in_tag(inside));
    let after = line[close + 1..].trim_ascii_start();
    let ends =
        after.is_empty() || matches!(after[0], b',' | b';' | b'}' | b')' | b']' | b'#' | b'/');
    (literal && ends).then_some(start + 1..close)
}

/// The unquoted value of a YAML `image:` line embedded in code (a Jenkins pod template's
/// `yaml '''…'''`): the key starts the line (after `- `), the value is the rest of it, one word
/// with a tag, a namespace or a digest (`image: str` is a Python annotation, not an image).
fn yaml_value(line: &[u8], name: Range<usize>, value: usize) -> Option<Range<usize>> {
    let indent = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let item = line[indent..].starts_with(b"- ");
    let key_start = if item {
        indent
            + 2
            + line[indent + 2..]
                .iter()
                .take_while(|&&b| b == b' ')
                .count()
    } else {
        indent
    };
    if name.start != key_start || line.get(name.end) != Some(&b':') {
        return None;
    }
    let word = value
        + line[value..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let end = line.trim_ascii_end().len();
    let text = line.get(word..end)?;
    let one_word = !text.is_empty()
        && text.iter().all(|&b| crate::find::token::is_ref_byte(b))
        && text.iter().any(|b| matches!(b, b'/' | b':' | b'@'));
    one_word.then_some(word..end)
}

/// Whether every template of `word` comes after its tag's `:` (`bitnami/kubectl:$V`,
/// `app:v${VERSION}-alpine`): the name before it is literal and complete.
pub(crate) fn template_only_in_tag(word: &[u8]) -> bool {
    let first = word
        .iter()
        .position(|b| matches!(b, b'$' | b'{' | b'}' | b'%' | b'`'))
        .unwrap_or(word.len());
    let name = &word[..first];
    let slash = memchr::memrchr(b'/', name).map_or(0, |i| i + 1);
    memchr::memchr(b':', &name[slash..]).is_some_and(|colon| colon > 0)
}

/// The quoted value of an entry of an image map on its own line: `kubectl: 'bitnami/kubectl:1'`,
/// `"redis": "redis:7",`, `'app' => 'nginx:1'`, `"busybox:1.36",` (a list item).
fn map_entry(line: &[u8]) -> Option<Range<usize>> {
    let start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    if let Some(span) = quoted_value(line, start) {
        // A list item, unless it is a key (`"redis": …`).
        let after = line[span.end + 1..].trim_ascii_start();
        return (!after.starts_with(b":") && !after.starts_with(b"=>")).then_some(span);
    }
    let (name, value) = assignments(line).into_iter().next()?;
    if name.start > start + 1 {
        return None;
    }
    let key = line[name].to_ascii_lowercase();
    if vocabulary::is_image_setting_key(&key) {
        return None;
    }
    let value = if line[value..].trim_ascii_start().starts_with(b">") {
        value + line[value..].iter().position(|&b| b == b'>')? + 1
    } else {
        value
    };
    quoted_value(line, value)
}

/// The ranges inside the quotes of every quoted string of `line` without blanks.
fn quoted_strings(line: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let quote = line[i];
        if !matches!(quote, b'"' | b'\'') {
            i += 1;
            continue;
        }
        let Some(len) = memchr::memchr(quote, &line[i + 1..]) else {
            break;
        };
        let inside = i + 1..i + 1 + len;
        if !inside.is_empty() && !line[inside.clone()].iter().any(u8::is_ascii_whitespace) {
            out.push(inside.clone());
        }
        i = inside.end + 1;
    }
    out
}

/// What a quoted string that is exactly one short name says about itself.
enum QuotedName {
    /// `name@sha256:…`: nothing but an image has a digest.
    Digest,
    /// `org/name:tag`: likely an image, but code has `owner/repo:branch` too.
    Namespaced,
}

/// Whether `text` is exactly one short (Docker Hub) name with a digest, or with a namespace and
/// a tag; registry-qualified names are found anywhere, the rest is left alone.
fn quoted_reference(text: &[u8]) -> Option<QuotedName> {
    let text = std::str::from_utf8(text).ok()?;
    if !text.contains([':', '@']) || text.contains("//") {
        return None;
    }
    let reference = ImageRef::parse(text).ok()?;
    if reference.has_written_domain() {
        return None;
    }
    if reference.digest().is_some() {
        return Some(QuotedName::Digest);
    }
    let path = reference.written_path();
    let namespaced = path.split('/').count() == 2 && !path.contains('.');
    (namespaced && reference.tag().is_some()).then_some(QuotedName::Namespaced)
}

/// Image maps of a program file: where `images = {`, `def images = [`, `IMAGES = {`,
/// `var images = map[string]string{` open a block, the line starts of its direct entries.
#[derive(Debug, Default)]
pub(crate) struct ImageMaps {
    /// Line starts of entries at depth one of an image map, sorted.
    entries: Vec<usize>,
}

impl ImageMaps {
    /// At most this many lines of one map are read.
    const MAX_LINES: usize = 500;

    pub(crate) fn new(text: &[u8]) -> Self {
        // Every image map name has `mage` or `MAGE` in it (`images`, `IMAGES`, `testImages`):
        // most source files, and most of their lines that open a block, have neither.
        static NAMED: OnceLock<[memmem::Finder<'static>; 2]> = OnceLock::new();
        let named =
            NAMED.get_or_init(|| [memmem::Finder::new(b"mage"), memmem::Finder::new(b"MAGE")]);
        let names_one = |bytes: &[u8]| named.iter().any(|f| f.find(bytes).is_some());
        let mut entries = Vec::new();
        if !names_one(text) {
            return ImageMaps { entries };
        }
        let mut lines = line_starts(text).peekable();
        while let Some((start, end)) = lines.next() {
            let line = &text[start..end];
            let trimmed = line.trim_ascii_end();
            if !matches!(trimmed.last(), Some(b'{' | b'[' | b'(')) || !names_one(line) {
                continue;
            }
            let opens_map = assignments(line)
                .first()
                .is_some_and(|(name, _)| is_image_map_name(&line[name.clone()]));
            if !opens_map {
                continue;
            }
            let mut depth = 1usize;
            for _ in 0..Self::MAX_LINES {
                let Some(&(start, end)) = lines.peek() else {
                    break;
                };
                let line = &text[start..end];
                if depth == 1 {
                    entries.push(start);
                }
                depth = match bracket_depth(line, depth) {
                    Some(0) | None => break,
                    Some(d) => d,
                };
                lines.next();
            }
        }
        ImageMaps { entries }
    }

    /// Whether the line starting at `start` is an entry of an image map.
    pub(crate) fn contains(&self, start: usize) -> bool {
        self.entries.binary_search(&start).is_ok()
    }

    /// The line starts of every entry, sorted.
    pub(crate) fn entries(&self) -> &[usize] {
        &self.entries
    }
}

/// Every line of `text` as (start, end without the newline).
fn line_starts(text: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
        let line = (start, end);
        start = end + 1;
        Some(line)
    })
}

/// The bracket depth after `line`, starting at `depth`, outside quoted strings; `None` when it
/// closes more than it opened.
fn bracket_depth(line: &[u8], mut depth: usize) -> Option<usize> {
    let mut quote = None;
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if matches!(b, b'"' | b'\'' | b'`') => quote = Some(b),
            None if matches!(b, b'{' | b'[' | b'(') => depth += 1,
            None if matches!(b, b'}' | b']' | b')') => depth = depth.checked_sub(1)?,
            None if b == b'#' || line[i..].starts_with(b"//") => break,
            None => {}
        }
        i += 1;
    }
    Some(depth)
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

    #[test]
    fn named_arguments_and_templated_tags() {
        let code =
            "containerTemplate(name: 'kubectl', image: 'bitnami/kubectl:1.29', command: 'cat')\n\
            String image = \"bitnami/kubectl:$V\"\n\
            String image = \"$REGISTRY/kubectl:1\"\n\
            run(image=\"alpine:3.20\", remove=True)\n\
            yaml '''\n  - name: kubectl\n    image: bitnami/kubectl:1.29\n'''\n\
            def load(image: str, other_image: Image) -> None:\n\
            image: str = \"x\"\n";
        assert_eq!(
            site_texts(FileKind::Text, code),
            [
                "bitnami/kubectl:1.29",
                "bitnami/kubectl:$V",
                "alpine:3.20",
                "bitnami/kubectl:1.29"
            ]
        );
    }

    #[test]
    fn entries_of_image_maps() {
        let code = "def images = [\n    kubectl: 'bitnami/kubectl:1.29',\n    helm   : \"alpine/helm:3.14.0\",\n    pullPolicy: 'Always',\n    nested: [a: 'x/y:1'],\n]\n\
            def other = [\n    kubectl: 'bitnami/kubectl',\n]\n\
            IMAGES = {\n    \"redis\": \"redis:7\",\n}\n\
            var images = map[string]string{\n\t\"busybox\": \"busybox:1.36\",\n}\n\
            TEST_IMAGES = [\n    \"postgres:16\",\n]\n";
        assert_eq!(
            site_texts(FileKind::Text, code),
            [
                "bitnami/kubectl:1.29",
                "alpine/helm:3.14.0",
                "x/y:1",
                "redis:7",
                "busybox:1.36",
                "postgres:16"
            ]
        );
    }

    #[test]
    fn quoted_short_names_elsewhere() {
        let code = "a = f('bitnami/kubectl:1.29')\n\
            b = 'redis@sha256:0123456789012345678901234567890123456789012345678901234567890123'\n\
            c = \"redis:6379\"\n\
            d = \"1.2.3\"\n\
            e = \"https://example.com/a/b:c\"\n\
            f = \"key:value\"\n\
            g = \"acme/app\"\n";
        assert_eq!(
            site_texts(FileKind::Text, code),
            [
                "bitnami/kubectl:1.29",
                "redis@sha256:0123456789012345678901234567890123456789012345678901234567890123"
            ]
        );
    }
}
