//! JSON read as a stream of structure events with byte spans, without a YAML parser: `saphyr`
//! queues every token of a flow document before its first event, which made a 60 MB JSON file
//! take 1.6 GB. This tokenizer pulls one event at a time (memory: the nesting depth), and the
//! events are the ones the YAML parser gives for the same JSON, so the YAML front-end's walker
//! reads them (`yaml::scan_events`): image keys, split maps and named maps behave exactly alike.
//!
//! Strict JSON only (RFC 8259, a byte-order mark allowed): anything else (comments, trailing
//! commas, several documents, YAML in a `.json` file) is an error, and the caller then reads the
//! file with the YAML parser as before.

use std::borrow::Cow;
use std::ops::Range;

use saphyr_parser::{Event, ScalarStyle};

use crate::find::site::ParseError;

/// What the tokenizer expects next inside a container (or at the top).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The top-level value.
    Document,
    /// After the top-level value: only blanks.
    End,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After `[`: a value or `]`.
    FirstItem,
    /// After `:` or `,` in an array: a value.
    Value,
    /// After a value in a container: `,` or its end.
    Next,
}

/// The JSON events of `text`, each with its byte range: scalars (keys too, as YAML reads them),
/// mapping and sequence starts and ends.
#[derive(Debug)]
pub(super) struct Events<'t> {
    text: &'t str,
    pos: usize,
    /// Open containers: `true` for an object.
    stack: Vec<bool>,
    expect: Expect,
    failed: bool,
}

/// One event and its byte range, or why the text is not JSON.
pub(super) type Item<'t> = Result<(Event<'t>, Range<usize>), ParseError>;

impl<'t> Events<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        let pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Events {
            text,
            pos,
            stack: Vec::new(),
            expect: Expect::Document,
            failed: false,
        }
    }

    fn error(&mut self, what: &str) -> Option<Item<'t>> {
        self.failed = true;
        let line = memchr::memchr_iter(b'\n', &self.text.as_bytes()[..self.pos]).count() + 1;
        Some(Err(ParseError::new(format!("{what} at line {line}"))))
    }

    fn skip_blanks(&mut self) {
        let bytes = self.text.as_bytes();
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// A value has been read: what comes after it.
    fn value_done(&mut self) {
        self.expect = if self.stack.is_empty() {
            Expect::End
        } else {
            Expect::Next
        };
    }

    /// The value starting at `self.pos`.
    fn value(&mut self) -> Option<Item<'t>> {
        let start = self.pos;
        match self.text.as_bytes().get(start) {
            Some(b'{') => {
                self.pos += 1;
                self.stack.push(true);
                self.expect = Expect::FirstKey;
                Some(Ok((Event::MappingStart(0, None), start..self.pos)))
            }
            Some(b'[') => {
                self.pos += 1;
                self.stack.push(false);
                self.expect = Expect::FirstItem;
                Some(Ok((Event::SequenceStart(0, None), start..self.pos)))
            }
            Some(b'"') => {
                let item = self.string()?;
                self.value_done();
                Some(item)
            }
            Some(_) => {
                let end = self.literal_end(start);
                let word = &self.text[start..end];
                if !is_literal(word) {
                    return self.error("not a JSON value");
                }
                self.pos = end;
                self.value_done();
                let scalar = Event::Scalar(Cow::Borrowed(word), ScalarStyle::Plain, 0, None);
                Some(Ok((scalar, start..end)))
            }
            None => self.error("unexpected end of JSON"),
        }
    }

    fn literal_end(&self, start: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut end = start;
        while end < bytes.len()
            && !matches!(
                bytes[end],
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}' | b':'
            )
        {
            end += 1;
        }
        end
    }

    /// The string starting at `self.pos` (a quote), as a double-quoted scalar: borrowed when it
    /// has no escapes.
    fn string(&mut self) -> Option<Item<'t>> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            match memchr::memchr3(b'"', b'\\', b'\n', &bytes[i..]) {
                Some(at) => {
                    i += at;
                    match bytes[i] {
                        b'"' => break,
                        b'\\' => {
                            escaped = true;
                            i += 2;
                        }
                        _ => return self.error("a newline in a JSON string"),
                    }
                }
                None => return self.error("a JSON string never closes"),
            }
            if i >= bytes.len() {
                return self.error("a JSON string never closes");
            }
        }
        let raw = &self.text[start + 1..i];
        if raw.bytes().any(|b| b < 0x20) {
            return self.error("a control character in a JSON string");
        }
        let value = if escaped {
            match unescape(raw) {
                Some(value) => Cow::Owned(value),
                None => return self.error("a bad escape in a JSON string"),
            }
        } else {
            Cow::Borrowed(raw)
        };
        self.pos = i + 1;
        let scalar = Event::Scalar(value, ScalarStyle::DoubleQuoted, 0, None);
        Some(Ok((scalar, start..self.pos)))
    }
}

impl<'t> Iterator for Events<'t> {
    type Item = Item<'t>;

    fn next(&mut self) -> Option<Item<'t>> {
        if self.failed {
            return None;
        }
        self.skip_blanks();
        let at = self.pos;
        let next = self.text.as_bytes().get(at).copied();
        match (self.expect, next) {
            (Expect::End, None) => None,
            (Expect::End, Some(_)) => self.error("more after the JSON value"),
            (Expect::Document | Expect::Value, _) => self.value(),
            (Expect::FirstItem, Some(b']')) | (Expect::FirstKey, Some(b'}')) => self.close(),
            (Expect::FirstItem, _) => self.value(),
            (Expect::FirstKey | Expect::Key, Some(b'"')) => {
                let item = self.string()?;
                self.expect = Expect::Colon;
                Some(item)
            }
            (Expect::Colon, Some(b':')) => {
                self.pos += 1;
                self.expect = Expect::Value;
                self.next()
            }
            (Expect::Next, Some(b',')) => {
                self.pos += 1;
                self.expect = match self.stack.last() {
                    Some(true) => Expect::Key,
                    _ => Expect::Value,
                };
                self.next()
            }
            (Expect::Next, Some(b'}')) if self.stack.last() == Some(&true) => self.close(),
            (Expect::Next, Some(b']')) if self.stack.last() == Some(&false) => self.close(),
            (_, None) => self.error("unexpected end of JSON"),
            (_, Some(_)) => self.error("unexpected character in JSON"),
        }
    }
}

impl<'t> Events<'t> {
    /// Closes the innermost container at `self.pos`.
    fn close(&mut self) -> Option<Item<'t>> {
        let start = self.pos;
        self.pos += 1;
        let event = match self.stack.pop() {
            Some(true) => Event::MappingEnd,
            _ => Event::SequenceEnd,
        };
        self.value_done();
        Some(Ok((event, start..self.pos)))
    }
}

/// Whether `word` is a JSON number, `true`, `false` or `null`.
fn is_literal(word: &str) -> bool {
    if matches!(word, "true" | "false" | "null") {
        return true;
    }
    let b = word.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// The value of a JSON string's source `raw` (between the quotes), or `None` for a bad escape
/// (an unknown letter, a lone surrogate).
fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let c = match chars.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let high = hex4(&mut chars)?;
                match high {
                    0xD800..=0xDBFF => {
                        if chars.next()? != '\\' || chars.next()? != 'u' {
                            return None;
                        }
                        let low = hex4(&mut chars)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?
                    }
                    _ => char::from_u32(high)?,
                }
            }
            _ => return None,
        };
        out.push(c);
    }
    Some(out)
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut n = 0;
    for _ in 0..4 {
        n = n * 16 + chars.next()?.to_digit(16)?;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<String> {
        Events::new(text)
            .map(|e| {
                let (event, range) = e.unwrap();
                match event {
                    Event::Scalar(v, ..) => format!("{v}@{}", &text[range]),
                    Event::MappingStart(..) => "{".into(),
                    Event::MappingEnd => "}".into(),
                    Event::SequenceStart(..) => "[".into(),
                    Event::SequenceEnd => "]".into(),
                    other => format!("{other:?}"),
                }
            })
            .collect()
    }

    #[test]
    fn objects_arrays_and_scalars_with_their_spans() {
        let text = "\u{feff}{\"a\": [1, -2.5e3, true, null], \"b\\/c\": {\"image\": \"x:1\"}}";
        assert_eq!(
            events(text),
            [
                "{",
                "a@\"a\"",
                "[",
                "1@1",
                "-2.5e3@-2.5e3",
                "true@true",
                "null@null",
                "]",
                "b/c@\"b\\/c\"",
                "{",
                "image@\"image\"",
                "x:1@\"x:1\"",
                "}",
                "}"
            ]
        );
    }

    #[test]
    fn anything_but_strict_json_is_an_error() {
        for text in [
            "{\"a\": 1,}",
            "[1, 2] [3]",
            "{a: 1}",
            "// c\n{}",
            "[01]",
            "[1.]",
            "[\"\\x41\"]",
            "[\"\\ud800\"]",
            "{\"a\" 1}",
            "[",
            "[\"a\nb\"]",
            "[\"a\tb\"]",
            "",
        ] {
            assert!(
                Events::new(text).any(|e| e.is_err()),
                "{text:?} read as JSON"
            );
        }
    }

    use proptest::prelude::*;

    use crate::classify::FileKind;
    use crate::find::syntax::yaml;

    const KEYS: &[&str] = &[
        "image",
        "images",
        "registry",
        "repository",
        "tag",
        "digest",
        "name",
        "version",
        "sha",
        "containers",
        "services",
        "spec",
        "uses",
        "container",
        "newName",
        "kubectl",
        "pullPolicy",
        "imageRegistry",
        "env",
        "x",
        "im\\u0061ge",
        "baseImage",
    ];
    /// String bodies as written between the quotes (escapes included).
    const STRINGS: &[&str] = &[
        "nginx:1",
        "ghcr.io/acme/app:1.2",
        "docker.io",
        "bitnami/redis",
        "7.2",
        "sha256:abc",
        "registry.k8s.io/pause@sha256:0123",
        "docker://alpine:3",
        "caf\\u00e9/\u{fc}:1",
        "a\\\\/b",
        "ghcr.io\\/a/b",
        "a\\\"b",
        "\\u0041bc",
        "{{ .Values.image }}",
        "",
        " spaced out ",
        "IfNotPresent",
        "quay.io/jetstack/cert-manager-ctl",
    ];
    const LITERALS: &[&str] = &["1", "-2.5", "1e3", "0", "true", "false", "null"];

    #[derive(Debug, Clone)]
    enum Json {
        Str(usize),
        Lit(usize),
        Arr(Vec<Json>),
        Obj(Vec<(usize, Json)>),
    }

    fn json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            (0..STRINGS.len()).prop_map(Json::Str),
            (0..LITERALS.len()).prop_map(Json::Lit),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Arr),
                prop::collection::vec((0..KEYS.len(), inner), 0..6).prop_map(Json::Obj),
            ]
        })
    }

    /// `value` written as JSON, with blanks by `style`: 0 compact, 1 spaced, 2 pretty, 3 tabs
    /// and CRLF.
    fn write(value: &Json, style: u8, depth: usize, out: &mut String) {
        let newline = |out: &mut String, depth: usize| match style {
            2 => {
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            }
            3 => {
                out.push_str("\r\n");
                out.push_str(&"\t".repeat(depth));
            }
            _ => {}
        };
        let space = if style == 1 { " " } else { "" };
        match value {
            Json::Str(i) => out.push_str(&format!("\"{}\"", STRINGS[*i])),
            Json::Lit(i) => out.push_str(LITERALS[*i]),
            Json::Arr(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                        out.push_str(space);
                    }
                    newline(out, depth + 1);
                    write(item, style, depth + 1, out);
                }
                if !items.is_empty() {
                    newline(out, depth);
                }
                out.push(']');
            }
            Json::Obj(entries) => {
                out.push('{');
                for (n, (key, item)) in entries.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                        out.push_str(space);
                    }
                    newline(out, depth + 1);
                    out.push_str(&format!("\"{}\":{space}", KEYS[*key]));
                    write(item, style, depth + 1, out);
                }
                if !entries.is_empty() {
                    newline(out, depth);
                }
                out.push('}');
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Every JSON document the YAML parser reads gives the same structure through the JSON
        /// tokenizer: the same sites (spans, confidence, reasons) and split maps.
        #[test]
        fn the_json_tokenizer_reads_what_the_yaml_parser_reads(
            value in json(),
            style in 0u8..4,
            bom in any::<bool>(),
        ) {
            let mut text = String::from(if bom { "\u{feff}" } else { "" });
            write(&value, style, 0, &mut text);
            let Ok(by_yaml) = yaml::scan(FileKind::Json, &text) else {
                return Ok(());
            };
            let by_json = yaml::scan_events(FileKind::Json, &text, &text, Events::new(&text))
                .expect("valid JSON is read");
            prop_assert_eq!(&by_json.sites, &by_yaml.sites, "{}", text);
            prop_assert_eq!(&by_json.composites, &by_yaml.composites, "{}", text);
        }
    }

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(
            unescape(r#"a\"b\\c\/d\n\u00e9\ud83d\ude00"#).as_deref(),
            Some("a\"b\\c/d\né😀")
        );
    }
}
