//! Where a YAML scalar's value is in the file: the byte span to splice when the source spells the
//! value literally (plain, quoted without escapes, one word on one line of a block scalar), the
//! name of an anchor, and the parser's character indices as byte offsets.

use std::ops::Range;

use saphyr_parser::ScalarStyle;

/// The byte span of a scalar's value when the source spells it literally (no escapes, folding or
/// quote doubling), so that a splice inside it edits exactly the value.
pub(super) fn literal_span(
    text: &str,
    value: &str,
    style: ScalarStyle,
    range: &Range<usize>,
) -> Option<Range<usize>> {
    let close = match style {
        ScalarStyle::Plain => 0,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => 1,
        ScalarStyle::Literal | ScalarStyle::Folded => return None,
    };
    // A quoted scalar's span may run past its closing quote (over the blanks and a comment
    // after it: `"a:1"   # pinned`): it ends at the quote that closes the one it starts with.
    let range = match close {
        1 => range.start..closing_quote(text, range)? + 1,
        _ => range.clone(),
    };
    let end = range.end.checked_sub(close)?;
    let start = end.checked_sub(value.len())?;
    (start >= range.start && text.get(start..end) == Some(value)).then_some(start..end)
}

/// The offset of the quote closing the quoted scalar that starts at `range.start` (a `\"` escape
/// in double quotes and a doubled `''` in single quotes do not close it).
fn closing_quote(text: &str, range: &Range<usize>) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(range.start)?;
    let mut i = range.start + 1;
    while i < range.end.min(bytes.len()) {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The span of a block scalar's value (`|`, `|-`, `>`) that is one word on one line of the block:
/// those bytes are verbatim, and a word on one line touches no fold. A value spread over lines,
/// or with spaces, is not one reference.
pub(super) fn block_line(
    text: &str,
    value: &str,
    style: ScalarStyle,
    range: &Range<usize>,
) -> Option<Range<usize>> {
    if !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
        return None;
    }
    let word = value.trim_end_matches('\n');
    if word.is_empty() || word.contains(char::is_whitespace) {
        return None;
    }
    let block = text.get(range.clone())?;
    let at = block.find(word)?;
    if block[at + word.len()..].contains(word) {
        return None;
    }
    let (start, end) = (range.start + at, range.start + at + word.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..start];
    let after = text[end..].split('\n').next().unwrap_or_default();
    let alone = before.bytes().all(|b| b == b' ') && after.trim_end_matches('\r').is_empty();
    alone.then_some(start..end)
}

/// The name of the anchor written before the scalar that starts at `start` (`&reg ghcr.io`,
/// `&reg !!str ghcr.io`), with its `&`; `&?` when it cannot be read back from the text.
pub(super) fn anchor_name(text: &str, start: usize) -> String {
    // The parser's span of an anchored scalar starts at its anchor (or its tag).
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let after = text[start..line_end].split_whitespace().take(2);
    let before = text[line_start..start].split_whitespace().rev();
    after
        .chain(before)
        .find(|w| w.starts_with('&'))
        .map(|w| w.trim_end_matches([',', '}', ']']).to_owned())
        .unwrap_or_else(|| "&?".to_owned())
}

/// Converts increasing character indices to byte offsets.
pub(super) struct Cursor<'t> {
    text: &'t str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'t> Cursor<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        Cursor {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    pub(super) fn bytes(&mut self, chars: usize) -> usize {
        if self.ascii {
            return chars.min(self.text.len());
        }
        if chars < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        for c in self.text[self.bytes..].chars().take(chars - self.chars) {
            self.bytes += c.len_utf8();
            self.chars += 1;
        }
        self.bytes
    }
}
