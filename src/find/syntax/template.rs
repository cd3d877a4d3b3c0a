//! Template actions in YAML-like text — Go templates and Helm (`{{ … }}`, `{{- … -}}`, also
//! GitHub's `${{ … }}`), Jinja (`{% … %}`, `{# … #}`), FreeMarker directives (`<#…>`, `</#…>`) —
//! and the mask that hides them from a YAML parser: each action becomes a placeholder of the same
//! byte length (newlines kept), so that every offset in the masked text is an offset in the file.
//! An action alone on its line becomes blank (it is a control action or emits whole lines), one
//! inside a value becomes `_`s. Finding and masking are linear in the file size.

use std::ops::Range;

/// The template actions of one file, in order.
#[derive(Debug, Default)]
pub(crate) struct Actions {
    pub(crate) ranges: Vec<Range<usize>>,
    /// Where an action opens that never closes: actions are not searched past it.
    pub(crate) unclosed: Option<usize>,
}

impl Actions {
    /// The actions of `text`.
    pub(crate) fn find(text: &[u8]) -> Actions {
        let mut found = Actions::default();
        let mut i = 0;
        while let Some(p) = memchr::memchr2(b'{', b'<', &text[i..]) {
            let start = i + p;
            let rest = &text[start..];
            let (open, close): (usize, &[u8]) = match rest {
                [b'{', b'{', ..] => (2, b"}}"),
                [b'{', b'%', ..] => (2, b"%}"),
                [b'{', b'#', ..] => (2, b"#}"),
                [b'<', b'#', c, ..] if c.is_ascii_alphabetic() => (2, b">"),
                [b'<', b'/', b'#', c, ..] if c.is_ascii_alphabetic() => (3, b">"),
                _ => {
                    i = start + 1;
                    continue;
                }
            };
            match close_of(text, start + open, close) {
                Some(end) => {
                    found.ranges.push(start..end);
                    i = end;
                }
                None if close == b">" => i = start + 1,
                None => {
                    found.unclosed = Some(start);
                    break;
                }
            }
        }
        found
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ranges.is_empty() && self.unclosed.is_none()
    }

    /// Whether the text is a template rather than YAML that mentions templates in its strings:
    /// some action starts a line, a value or a list item (`{{- if … }}`, `name: {{ … }}`,
    /// `- {{ … }}`), where plain YAML would read a flow mapping or fail.
    pub(crate) fn start_values(&self, text: &[u8]) -> bool {
        self.ranges.iter().any(|r| {
            let mut k = r.start;
            while k > 0 && matches!(text[k - 1], b' ' | b'\t') {
                k -= 1;
            }
            let spaced = k < r.start;
            match k.checked_sub(1).map(|i| text[i]) {
                None | Some(b'\n' | b'\r' | b'[' | b',') => true,
                Some(b':' | b'-' | b'?') => spaced,
                _ => false,
            }
        })
    }

    /// `text` with every action masked: blank when alone on its line(s), `_`s otherwise. Action
    /// bounds are ASCII bytes, so the masked text stays UTF-8.
    pub(crate) fn mask(&self, text: &str) -> String {
        // NUL marks masked bytes first: a file with a NUL byte is binary and never read here.
        let mut bytes = text.as_bytes().to_vec();
        for r in &self.ranges {
            for b in &mut bytes[r.clone()] {
                if !matches!(*b, b'\n' | b'\r') {
                    *b = 0;
                }
            }
        }
        for line in bytes.split_mut(|&b| b == b'\n') {
            if !line.contains(&0) {
                continue;
            }
            let alone = line.iter().all(|&b| matches!(b, 0 | b' ' | b'\t' | b'\r'));
            let fill = if alone { b' ' } else { b'_' };
            for b in line.iter_mut().filter(|b| **b == 0) {
                *b = fill;
            }
        }
        String::from_utf8(bytes).unwrap_or_else(|_| text.to_owned())
    }
}

/// Whether one of `ranges` (sorted, disjoint) overlaps `range`.
pub(crate) fn touch(ranges: &[Range<usize>], range: &Range<usize>) -> bool {
    let i = ranges.partition_point(|r| r.end <= range.start);
    ranges.get(i).is_some_and(|r| r.start < range.end)
}

/// Whether `span` is template code: inside one of `actions` (sorted) but not inside the string
/// literal given to `default`. `{{ include "x.image" . }}` names no image; the default in
/// `{{ .Values.image | default "nginx:1.27" }}` is a literal one.
pub(crate) fn is_code(text: &[u8], actions: &[Range<usize>], span: &Range<usize>) -> bool {
    let i = actions.partition_point(|r| r.end <= span.start);
    let Some(action) = actions
        .get(i)
        .filter(|r| r.start <= span.start && span.end <= r.end)
    else {
        return false;
    };
    let mut j = action.start;
    while j < span.start {
        let quote = text[j];
        if matches!(quote, b'"' | b'`' | b'\'') {
            let body = &text[j + 1..action.end];
            let Some(len) = memchr::memchr(quote, body) else {
                return true;
            };
            let end = j + 1 + len;
            if span.end <= end {
                return !text[action.start..j].trim_ascii_end().ends_with(b"default");
            }
            j = end + 1;
        } else {
            j += 1;
        }
    }
    true
}

/// Whether a value holds a template action (then it is no literal reference).
pub(crate) fn is_templated(value: &str) -> bool {
    let b = value.as_bytes();
    memchr::memmem::find(b, b"{{").is_some() || memchr::memmem::find(b, b"{%").is_some()
}

/// The end of the action whose body starts at `from` and which closes with `close`. Go string
/// literals (`"…"` on one line, `` `…` `` raw) are skipped, so `{{ "{{ $labels.x }}" }}` is one
/// action. Each byte is looked at a bounded number of times: an unmatched quote can only be the
/// last of its line.
fn close_of(text: &[u8], from: usize, close: &[u8]) -> Option<usize> {
    let mut j = from;
    while j < text.len() {
        match text[j] {
            b'"' if close == b"}}" => {
                let line_end =
                    memchr::memchr(b'\n', &text[j + 1..]).map_or(text.len(), |p| j + 1 + p);
                match string_end(&text[j + 1..line_end]) {
                    Some(len) => j += len + 2,
                    None => j += 1,
                }
                continue;
            }
            b'`' if close == b"}}" => {
                match memchr::memchr(b'`', &text[j + 1..]) {
                    Some(len) => j += len + 2,
                    None => j += 1,
                }
                continue;
            }
            b if b == close[0] && text[j..].starts_with(close) => return Some(j + close.len()),
            // A FreeMarker directive is one tag: it does not span a blank line.
            b'\n' if close == b">" && text.get(j + 1) == Some(&b'\n') => return None,
            _ => {}
        }
        j += 1;
    }
    None
}

/// The length of a Go string's body up to its closing quote, if it closes in `rest`.
fn string_end(rest: &[u8]) -> Option<usize> {
    let mut k = 0;
    while k < rest.len() {
        match rest[k] {
            b'\\' => k += 2,
            b'"' => return Some(k),
            _ => k += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let actions = Actions::find(text.as_bytes());
        let out = actions.mask(text);
        assert_eq!(out.len(), text.len());
        out
    }

    #[test]
    fn actions_keep_their_length_and_lines_alone_become_blank() {
        let text = "a:\n  {{- if .Values.x }}\n  image: \"{{ .Values.r }}/app:{{ .Chart.AppVersion }}\"\n  {{- end }}{{ end }}\n";
        let blank = |line: &str| " ".repeat(line.len());
        let want = format!(
            "a:\n{}\n  image: \"{}/app:{}\"\n{}\n",
            blank("  {{- if .Values.x }}"),
            "_".repeat("{{ .Values.r }}".len()),
            "_".repeat("{{ .Chart.AppVersion }}".len()),
            blank("  {{- end }}{{ end }}"),
        );
        assert_eq!(masked(text), want);
    }

    #[test]
    fn go_strings_inside_actions_do_not_close_them() {
        let text = "summary: a {{ \"{{ $labels.instance }}\" }} b {{`{{ x }}`}} c\n";
        let actions = Actions::find(text.as_bytes());
        let got: Vec<_> = actions.ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(got, ["{{ \"{{ $labels.instance }}\" }}", "{{`{{ x }}`}}"]);
    }

    #[test]
    fn jinja_freemarker_and_unclosed_actions() {
        let text = "{% if x %}\nimage: <#if a>b</#if> {# c #}\n{{ never";
        let actions = Actions::find(text.as_bytes());
        let got: Vec<_> = actions.ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(got, ["{% if x %}", "<#if a>", "</#if>", "{# c #}"]);
        assert_eq!(actions.unclosed, Some(text.len() - 8));
        assert!(actions.start_values(text.as_bytes()));
    }

    #[test]
    fn quoted_and_github_expressions_do_not_make_a_template() {
        for text in [
            "a: \"{{ .Release.Name }}\"\n",
            "run: echo ${{ github.sha }}\n",
            "x: a {{ b }}\n",
        ] {
            assert!(
                !Actions::find(text.as_bytes()).start_values(text.as_bytes()),
                "{text}"
            );
        }
        for text in ["a: {{ .x }}\n", "- {{ .x }}\n", "  {{- toYaml . }}\n"] {
            assert!(
                Actions::find(text.as_bytes()).start_values(text.as_bytes()),
                "{text}"
            );
        }
    }

    #[test]
    fn only_string_literals_of_an_action_are_text() {
        let text = b"image: {{ tpl .Values.image . | default \"docker.io/a/b:1\" }} {{ include \"x.image\" . }}";
        let actions = Actions::find(text).ranges;
        let at = |word: &str| {
            let s = memchr::memmem::find(text, word.as_bytes()).unwrap();
            is_code(text, &actions, &(s..s + word.len()))
        };
        assert!(at("tpl") && at("default") && at("Values.image") && at("x.image"));
        assert!(!at("docker.io/a/b:1") && !at("image:"));
    }

    #[test]
    fn masking_is_linear_on_many_actions_and_quotes() {
        let text = "k: \"{{ x }}\" `a \"\n".repeat(100_000);
        let start = std::time::Instant::now();
        let out = masked(&text);
        assert!(out.starts_with("k: \"_______\""));
        assert!(start.elapsed().as_secs() < 5);
    }
}
