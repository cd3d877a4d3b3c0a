//! TOML read as structure with `toml_edit`: string values under image keys, with byte spans.
//!
//! The spanned `Document::parse` only locates values; nothing is re-serialised, so quote style,
//! comments and CRLF survive. Strings whose source is not their value (escapes, multi-line
//! strings) are review sites rather than edited.

use std::ops::Range;

use toml_edit::{Document, Item, Value};

use crate::classify::FileKind;
use crate::find::site::{Accepts, ParseError, Site, Structure};
use crate::find::vocabulary::{image_key, named_image, KeyReader, KeyRole};
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

/// Whether the value of `key` is an image: an image key, or any key of a named image map
/// (`[images]`, `images = { kubectl = "…" }`) when `owner` is its table's key.
fn is_image_key(key: &str, owner: Option<&str>) -> bool {
    let key = key.to_ascii_lowercase();
    image_key(KeyReader::Toml, FileKind::Toml, &key) == KeyRole::Image
        || owner.is_some_and(|o| named_image(&o.to_ascii_lowercase(), &key))
}

fn walk_item(text: &str, key: Option<&str>, item: &Item, out: &mut Vec<Site>) {
    match item {
        Item::Table(table) => {
            for (k, v) in table.iter() {
                walk_child(text, key, k, v, out);
            }
        }
        Item::ArrayOfTables(tables) => {
            for table in tables.iter() {
                for (k, v) in table.iter() {
                    walk_item(text, Some(k), v, out);
                }
            }
        }
        Item::Value(value) => walk_value(text, key.map(|k| (k, false)), value, out),
        Item::None => {}
    }
}

/// The entry `key` of a table that is the value of `owner`.
fn walk_child(text: &str, owner: Option<&str>, key: &str, item: &Item, out: &mut Vec<Site>) {
    match item {
        Item::Value(value) => {
            walk_value(text, Some((key, is_image_key(key, owner))), value, out);
        }
        _ => walk_item(text, Some(key), item, out),
    }
}

/// A value under `key`, with whether that key holds images.
fn walk_value(text: &str, key: Option<(&str, bool)>, value: &Value, out: &mut Vec<Site>) {
    let image = key.is_some_and(|(k, image)| image || is_image_key(k, None));
    // A key of a named map (`[images] kubectl = "…"`) is an image by its table alone, which in
    // an application's settings may just as well be image-processing options: it vouches only
    // for names with a tag, namespace or digest.
    let accepts = match key {
        Some((k, _)) if is_image_key(k, None) => Accepts::Any,
        _ => Accepts::Tagged,
    };
    let setting = key.is_some_and(|(k, _)| {
        image_key(KeyReader::Toml, FileKind::Toml, &k.to_ascii_lowercase()) == KeyRole::Registry
    });
    match value {
        Value::String(s) if setting => {
            if let Some(inner) = s
                .span()
                .and_then(|span| literal_span(text, s.value(), span))
            {
                out.push(Site {
                    span: inner,
                    confidence: Confidence::Setting,
                    why: None,
                    accepts: Accepts::Any,
                });
            }
        }
        Value::String(s) if image => {
            if let Some(span) = s.span() {
                out.push(match literal_span(text, s.value(), span.clone()) {
                    Some(inner) => Site {
                        span: inner,
                        confidence: Confidence::Structural,
                        why: None,
                        accepts,
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
            let owner = key.map(|(k, _)| k);
            for (k, v) in table.iter() {
                walk_value(text, Some((k, is_image_key(k, owner))), v, out);
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
    fn named_image_maps_in_tables_and_inline_tables() {
        let text = "[images]\nkubectl = \"bitnami/kubectl:1.29\"\npull_policy = \"Always\"\n[tools]\nimages = { helm = \"ghcr.io/a/helm:3\" }\nname = \"x\"\n";
        let found = scan(text).unwrap();
        let texts: Vec<_> = found.sites.iter().map(|s| &text[s.span.clone()]).collect();
        assert_eq!(texts, ["bitnami/kubectl:1.29", "ghcr.io/a/helm:3"]);
    }

    #[test]
    fn escaped_strings_are_review_sites() {
        let text = "image = \"ghcr.io/a\\u002Fb\"\n";
        let found = scan(text).unwrap();
        assert_eq!(found.sites[0].confidence, Confidence::Review);
    }
}
