//! TOML read as structure with `toml_edit`: string values under image keys, with byte spans.
//!
//! The spanned `Document::parse` only locates values; nothing is re-serialised, so quote style,
//! comments and CRLF survive. Strings whose source is not their value (escapes, multi-line
//! strings) are review sites rather than edited.

use std::ops::Range;

use toml_edit::{Document, Item, Value};

use crate::classify::FileKind;
use crate::find::site::{ParseError, Site, Structure};
use crate::find::vocabulary::{image_key, KeyReader, KeyRole};
use crate::finding::{Confidence, ReviewReason};

const ESCAPED: ReviewReason = ReviewReason::OpaqueToml;

/// Reads `text` as TOML.
pub(crate) fn scan(text: &str) -> Result<Structure, ParseError> {
    let doc = Document::parse(text).map_err(|e| ParseError::new(e.message()))?;
    let mut out = Structure::default();
    walk_item(text, None, doc.as_item(), &mut out.sites);
    out.sites.sort_by_key(|s| (s.span.start, s.span.end));
    Ok(out)
}

fn is_image_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    image_key(KeyReader::Toml, FileKind::Toml, &key) == KeyRole::Image
}

fn walk_item(text: &str, key: Option<&str>, item: &Item, out: &mut Vec<Site>) {
    match item {
        Item::Table(table) => {
            for (k, v) in table.iter() {
                walk_item(text, Some(k), v, out);
            }
        }
        Item::ArrayOfTables(tables) => {
            for table in tables.iter() {
                for (k, v) in table.iter() {
                    walk_item(text, Some(k), v, out);
                }
            }
        }
        Item::Value(value) => walk_value(text, key, value, out),
        Item::None => {}
    }
}

fn walk_value(text: &str, key: Option<&str>, value: &Value, out: &mut Vec<Site>) {
    match value {
        Value::String(s) if key.is_some_and(is_image_key) => {
            if let Some(span) = s.span() {
                out.push(match literal_span(text, s.value(), span.clone()) {
                    Some(inner) => Site {
                        span: inner,
                        confidence: Confidence::Structural,
                        why: None,
                        accepts: Default::default(),
                    },
                    None => Site {
                        span,
                        confidence: Confidence::Review,
                        why: Some(ESCAPED),
                        accepts: Default::default(),
                    },
                });
            }
        }
        Value::Array(array) => {
            for v in array.iter() {
                walk_value(text, key, v, out);
            }
        }
        Value::InlineTable(table) => {
            for (k, v) in table.iter() {
                walk_value(text, Some(k), v, out);
            }
        }
        _ => {}
    }
}

/// The span inside the quotes when the source spells the value literally on one line.
fn literal_span(text: &str, value: &str, span: Range<usize>) -> Option<Range<usize>> {
    let raw = text.get(span.clone())?;
    let quote = raw.chars().next()?;
    let single =
        (quote == '"' || quote == '\'') && !raw.starts_with("\"\"\"") && !raw.starts_with("'''");
    let inner = span.start + 1..span.end - 1;
    (single && raw.len() >= 2 && text.get(inner.clone()) == Some(value)).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_strings_in_tables_arrays_and_inline_tables() {
        let text = "app = \"web\"\r\n[build]\r\nimage = 'ghcr.io/a/b:1'\r\n[tool]\r\nimages = [\"redis:7\", \"nginx\"]\r\nsvc = { image = \"x:1\" }\r\nother = \"ghcr.io/a/b\"\r\n";
        let found = scan(text).unwrap();
        let texts: Vec<_> = found.sites.iter().map(|s| &text[s.span.clone()]).collect();
        assert_eq!(texts, ["ghcr.io/a/b:1", "redis:7", "nginx", "x:1"]);
    }

    #[test]
    fn escaped_strings_are_review_sites() {
        let text = "image = \"ghcr.io/a\\u002Fb\"\n";
        let found = scan(text).unwrap();
        assert_eq!(found.sites[0].confidence, Confidence::Review);
    }
}
