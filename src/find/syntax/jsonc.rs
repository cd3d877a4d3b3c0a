//! JSON with comments (JSONC: `tsconfig.json`, `.vscode/*.json`, `devcontainer.json`): its
//! `//` and `/* */` comments and trailing commas are masked by spaces of the same length, so the
//! masked copy parses as JSON (read by the YAML front-end, as all JSON is) and every span in it
//! is a span in the file. Strict JSON has none of them outside strings and is left as it is.

/// `text` with its comments and trailing commas blanked (newlines kept), or `None` when it has
/// none (or a block comment never closes: the file is then reported as it is).
pub(super) fn mask(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut masked = bytes.to_vec();
    let mut changed = false;
    // The last comma outside strings and comments, while only blanks and comments follow it.
    let mut comma: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                comma = None;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                blank(&mut masked[i..end]);
                changed = true;
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = memchr::memmem::find(&bytes[i + 2..], b"*/")? + i + 4;
                blank(&mut masked[i..end]);
                changed = true;
                i = end;
            }
            b',' => {
                comma = Some(i);
                i += 1;
            }
            b'}' | b']' => {
                if let Some(at) = comma.take() {
                    masked[at] = b' ';
                    changed = true;
                }
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            _ => {
                comma = None;
                i += 1;
            }
        }
    }
    // Only ASCII bytes outside strings were replaced, and only by whole characters (a comment
    // runs to a newline or `*/`), so the copy is UTF-8.
    changed.then(|| String::from_utf8(masked).expect("whole characters blanked"))
}

/// Blanks `bytes`, keeping line breaks so that line numbers stay.
fn blank(bytes: &mut [u8]) {
    for b in bytes {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn comments_and_trailing_commas_are_blanked_in_place() {
        let text =
            "{\n  // a: \"b\"\n  \"image\": \"ghcr.io/a/b:1\", /* x\n y */\n  \"l\": [1, 2,],\n}\n";
        let masked = mask(text).unwrap();
        let expected = text
            .replace("// a: \"b\"", &" ".repeat(9))
            .replace("/* x", "    ")
            .replace(" y */", "     ")
            .replace("2,]", "2 ]")
            .replace("],\n}", "] \n}");
        assert_eq!(masked, expected);
        let value: serde_json::Value = serde_json::from_str(&masked).unwrap();
        assert_eq!(value["image"], "ghcr.io/a/b:1");
    }

    #[test]
    fn strings_are_never_masked() {
        assert_eq!(
            mask(r#"{"url": "https://x//y", "c": "/* no */", "e": "\"//"}"#),
            None
        );
        assert_eq!(mask("{\"a\": [1, 2]}"), None);
    }

    #[test]
    fn an_unclosed_block_comment_is_left_to_the_parser() {
        assert_eq!(mask("{ /* open\n \"a\": 1 }"), None);
    }

    #[test]
    fn a_comment_holding_multibyte_text_keeps_utf8() {
        let text = "{ \"a\": 1 // café ☕\n}";
        assert_eq!(mask(text).unwrap().len(), text.len());
    }
}
