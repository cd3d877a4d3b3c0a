//! Markdown parameter tables: a chart's values restated in its README by helm-docs
//! (`| Key | Type | Default | Description |`, `` | image.registry | string | `"k8s.gcr.io"` | ``)
//! or Bitnami's readme-generator (`| Name | Description | Value |`,
//! `` | `image.registry` | Redis image registry | `docker.io` | ``).
//!
//! A table is one when its header names a key column and a value column. Its rows are grouped
//! by key prefix (`controller.image`): a group whose last segments make a split map (`registry`,
//! `repository` or `image`/`name`, `tag`, `digest`; see `split_map`) is one reference, and its
//! value cells are its parts, edited like the values file's scalars. A row outside a map whose
//! key is an image key is a site, as in YAML (a lone `image` is an image, a lone `registry` a
//! setting to review). Only a value cell that spells its value literally (one code span or bare
//! word, quotes kept outside the part) is a part; a `registry` cell that is empty, a placeholder
//! (`REGISTRY_NAME`) or anything else leaves its map to a human.
//!
//! A row with another number of cells than its header is read as plain text, with a warning,
//! and so is every row of its key prefix: a map read without one of its rows could be wrong.
//! One pass over the lines, with the groups in a hash map: linear in the file size.

use std::collections::HashMap;
use std::ops::Range;

use super::split_map::composite_of;
use super::template;
use crate::classify::FileKind;
use crate::find::site::{Composite, Part, Site};
use crate::find::vocabulary::{self, KeyReader, KeyRole, SplitPart};
use crate::finding::ReviewReason;

/// Header names of the key column and of the value column (lowercased, without markup).
const KEY_HEADERS: &[&str] = &["key", "name", "parameter", "parameters"];
const VALUE_HEADERS: &[&str] = &["default", "value", "default value", "defaults"];

/// What the parameter tables of a file say.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    pub(crate) sites: Vec<Site>,
    pub(crate) composites: Vec<Composite>,
    /// The first ragged row of a parameter table.
    pub(crate) warning: Option<String>,
}

/// A value cell.
#[derive(Debug, Clone)]
enum Value {
    /// Spelled literally: the span of the value (inside backticks and quotes) and the value.
    Literal(Part),
    /// Anything else (`nil`, `{}`, a sentence, a template): the cell's trimmed span and text.
    Other(Part),
}

/// The rows of one key prefix in one table.
#[derive(Debug, Default)]
struct Group {
    /// Last key segment (as written) and value, in row order.
    rows: Vec<(String, Value)>,
    /// A row of the prefix was ragged: the group is not read.
    ragged: bool,
}

/// The parameter tables of `text`; lines for which `fenced` holds are code, not tables.
pub(crate) fn scan(text: &str, fenced: impl Fn(usize) -> bool) -> Tables {
    let mut out = Tables::default();
    let lines: Vec<Range<usize>> = line_ranges(text).collect();
    let mut i = 0;
    while i + 1 < lines.len() {
        let header = &lines[i];
        let line = &text[header.clone()];
        if !line.contains('|') || fenced(header.start) {
            i += 1;
            continue;
        }
        let head = cells(text, header);
        let delimiter = cells(text, &lines[i + 1]);
        if head.len() != delimiter.len()
            || !delimiter
                .iter()
                .all(|c| is_delimiter_cell(&text[c.clone()]))
        {
            i += 1;
            continue;
        }
        let mut end = i + 2;
        while end < lines.len() && text[lines[end].clone()].contains('|') {
            end += 1;
        }
        if let Some(columns) = columns(text, &head) {
            read_table(text, &lines[i + 2..end], head.len(), columns, &mut out);
        }
        i = end;
    }
    out.sites.sort_by_key(|s| (s.span.start, s.span.end));
    out
}

/// The key and value columns of a header, if it names both.
fn columns(text: &str, head: &[Range<usize>]) -> Option<(usize, usize)> {
    let names: Vec<String> = head
        .iter()
        .map(|c| {
            text[c.clone()]
                .trim_matches(|ch: char| ch.is_whitespace() || matches!(ch, '*' | '`' | '_'))
                .to_ascii_lowercase()
        })
        .collect();
    let key = names
        .iter()
        .position(|n| KEY_HEADERS.contains(&n.as_str()))?;
    let value = names
        .iter()
        .position(|n| VALUE_HEADERS.contains(&n.as_str()))?;
    (key != value).then_some((key, value))
}

/// Reads the body `rows` of a parameter table with `width` columns.
fn read_table(
    text: &str,
    rows: &[Range<usize>],
    width: usize,
    (key_col, value_col): (usize, usize),
    out: &mut Tables,
) {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Group> = HashMap::new();
    let mut unreadable = false;
    for row in rows {
        let cells = cells(text, row);
        let key = cells.get(key_col).and_then(|c| key_of(&text[c.clone()]));
        let Some((prefix, last)) = key.as_deref().map(split_key) else {
            unreadable |= cells.len() != width;
            continue;
        };
        let group = groups.entry(prefix.to_owned()).or_insert_with(|| {
            order.push(prefix.to_owned());
            Group::default()
        });
        if cells.len() != width {
            group.ragged = true;
            if out.warning.is_none() {
                let line = text[..row.start].matches('\n').count() + 1;
                out.warning = Some(format!(
                    "the table row at line {line} has {} cells where its header has {width}; \
                     its key's rows are read as plain text",
                    cells.len()
                ));
            }
            continue;
        }
        group
            .rows
            .push((last.to_owned(), value_of(text, &cells[value_col])));
    }
    if unreadable {
        // A ragged row whose key cannot be read could belong to any map.
        return;
    }
    for prefix in order {
        let group = &groups[&prefix];
        if !group.ragged {
            read_group(&prefix, group, out);
        }
    }
}

/// One key prefix's rows: a split map, or sites for image keys.
fn read_group(prefix: &str, group: &Group, out: &mut Tables) {
    let (owner, owner_parent) = owner_of(prefix);
    let image_owner = vocabulary::is_split_map_owner(&owner, &owner_parent);
    let is_part =
        |key: &str| vocabulary::split_part(key).is_some() || vocabulary::split_alias(key).is_some();
    let scalars: Vec<(String, Part)> = group
        .rows
        .iter()
        .filter(|(key, _)| is_part(key))
        .filter_map(|(key, value)| match value {
            Value::Literal(part) => Some((key.clone(), part.clone())),
            // A registry written otherwise is unknown, never absent (which says Docker Hub).
            Value::Other(part) if vocabulary::split_part(key) == Some(SplitPart::Registry) => {
                Some((key.clone(), unknown_registry(part)))
            }
            Value::Other(_) => None,
        })
        .collect();
    if let Some(mut map) = composite_of(&scalars, image_owner) {
        if map
            .registry
            .as_ref()
            .is_some_and(|r| map.unknown_registry.is_none() && is_placeholder(&r.value))
        {
            map.unknown_registry = Some(ReviewReason::MapWithoutRegistry);
        }
        out.composites.push(map);
        return;
    }
    for (key, value) in &group.rows {
        let Value::Literal(part) = value else {
            continue;
        };
        if part.value.is_empty() {
            continue;
        }
        let lower = key.to_ascii_lowercase();
        let role = if vocabulary::named_image(&owner, &lower) {
            KeyRole::Image
        } else {
            vocabulary::image_key(KeyReader::Yaml, FileKind::Helm, &lower)
        };
        match role {
            KeyRole::Image => out.sites.push(Site::structural(part.span.clone())),
            KeyRole::Registry => out.sites.push(Site::review(
                part.span.clone(),
                ReviewReason::RegistrySetting,
            )),
            KeyRole::Not => {}
        }
    }
}

/// A registry cell that is not a literal: templated (`{{ .Values.registry }}`) it says so,
/// otherwise it reads as empty; either way the map is reviewed.
fn unknown_registry(cell: &Part) -> Part {
    Part {
        span: cell.span.clone(),
        value: if template::is_templated(&cell.value) {
            cell.value.clone()
        } else {
            String::new()
        },
        alias: false,
    }
}

/// A placeholder where a registry belongs: `REGISTRY_NAME`, `<registry>`, `$REGISTRY`. A
/// registry host is written in lowercase.
fn is_placeholder(value: &str) -> bool {
    value
        .bytes()
        .any(|b| b.is_ascii_uppercase() || matches!(b, b'<' | b'$' | b'{'))
}

/// The owner (last segment of `prefix`) and its parent, lowercased, as the YAML reader sees
/// the keys that hold a map.
fn owner_of(prefix: &str) -> (String, String) {
    let mut segments = prefix.rsplit('.');
    let owner = segments.next().unwrap_or_default().to_ascii_lowercase();
    let parent = segments.next().unwrap_or_default().to_ascii_lowercase();
    (owner, parent)
}

/// `controller.image.registry` → (`controller.image`, `registry`); `image` → (``, `image`).
fn split_key(key: &str) -> (&str, &str) {
    key.rsplit_once('.').unwrap_or(("", key))
}

/// The values path in a key cell (`image.registry`, `` `image.registry` ``), if it is one.
fn key_of(cell: &str) -> Option<String> {
    let key = cell.trim();
    let key = key
        .strip_prefix('`')
        .and_then(|k| k.strip_suffix('`'))
        .unwrap_or(key)
        .trim();
    let ok = !key.is_empty()
        && !key.starts_with('.')
        && !key.ends_with('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'[' | b']'));
    ok.then(|| key.to_owned())
}

/// A value cell: literal when it is one code span or bare word (quotes inside it stripped)
/// holding no blank, quote, backslash or markup.
fn value_of(text: &str, cell: &Range<usize>) -> Value {
    let raw = &text[cell.clone()];
    let start = cell.start + (raw.len() - raw.trim_start().len());
    let trimmed = start..start + raw.trim().len();
    let other = Value::Other(Part {
        span: trimmed.clone(),
        value: text[trimmed.clone()].to_owned(),
        alias: false,
    });
    let mut span = trimmed;
    let inner = |span: &Range<usize>| &text[span.clone()];
    if inner(&span).len() >= 2 && inner(&span).starts_with('`') && inner(&span).ends_with('`') {
        span = span.start + 1..span.end - 1;
    }
    for quote in ['"', '\''] {
        let v = inner(&span);
        if v.len() >= 2 && v.starts_with(quote) && v.ends_with(quote) {
            span = span.start + 1..span.end - 1;
            break;
        }
    }
    let value = inner(&span);
    let literal = value.bytes().all(|b| {
        !b.is_ascii_whitespace() && !matches!(b, b'`' | b'"' | b'\'' | b'\\' | b'|' | b'<' | b'>')
    }) && !matches!(value, "nil" | "null" | "~" | "{}" | "[]")
        && !template::is_templated(value);
    if !literal {
        return other;
    }
    Value::Literal(Part {
        span,
        value: value.to_owned(),
        alias: false,
    })
}

/// Whether a delimiter row's cell is one: `---`, `:--`, `--:`, `:-:`.
fn is_delimiter_cell(cell: &str) -> bool {
    let c = cell.trim();
    let c = c.strip_prefix(':').unwrap_or(c);
    let c = c.strip_suffix(':').unwrap_or(c);
    !c.is_empty() && c.bytes().all(|b| b == b'-')
}

/// The cells of a table row: the ranges between unescaped pipes, without the leading and
/// trailing pipe.
fn cells(text: &str, row: &Range<usize>) -> Vec<Range<usize>> {
    let line = &text.as_bytes()[row.clone()];
    let mut bounds = Vec::new();
    let mut escaped = false;
    for (i, &b) in line.iter().enumerate() {
        match b {
            b'\\' if !escaped => {
                escaped = true;
                continue;
            }
            b'|' if !escaped => bounds.push(i),
            _ => {}
        }
        escaped = false;
    }
    let content = {
        let start = line.len() - line.trim_ascii_start().len();
        start..line.trim_ascii_end().len()
    };
    let mut cells = Vec::new();
    let mut from = content.start;
    if bounds.first() == Some(&content.start) {
        from += 1;
        bounds.remove(0);
    }
    let mut last_closed = false;
    for b in bounds {
        cells.push(from..b);
        from = b + 1;
        last_closed = b + 1 == content.end;
    }
    if !last_closed && from <= content.end {
        cells.push(from..content.end);
    }
    cells
        .into_iter()
        .map(|c| row.start + c.start..row.start + c.end)
        .collect()
}

/// The lines of `text` without their line ending.
fn line_ranges(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    text.split_inclusive('\n').map(move |line| {
        let s = start;
        start += line.len();
        let content = line.trim_end_matches('\n').trim_end_matches('\r');
        s..s + content.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Tables {
        scan(text, |_| false)
    }

    #[test]
    fn a_helm_docs_table_is_read_as_split_maps() {
        let text = "| Key | Type | Default | Description |\n|-----|------|---------|-------------|\n| affinity | object | `{}` |  |\n| controller.image.digest | string | `\"sha256:abc\"` |  |\n| controller.image.image | string | `\"ingress-nginx/controller\"` |  |\n| controller.image.registry | string | `\"k8s.gcr.io\"` |  |\n| controller.image.tag | string | `\"v1.3.1\"` |  |\n| image.repository | string | `\"k8s.gcr.io/pause\"` | The image |\n| image.tag | string | `\"\"` | Overrides appVersion |\n| kubectl.image | string | `\"bitnami/kubectl:1.29\"` |  |\n| global.imageRegistry | string | `\"k8s.gcr.io\"` |  |\n";
        let found = read(text);
        let maps: Vec<_> = found
            .composites
            .iter()
            .map(|c| c.part_texts(text))
            .collect();
        assert_eq!(
            maps,
            [
                [
                    "k8s.gcr.io",
                    "ingress-nginx/controller",
                    "v1.3.1",
                    "sha256:abc"
                ],
                ["-", "k8s.gcr.io/pause", "", "-"],
            ]
        );
        let sites: Vec<_> = found
            .sites
            .iter()
            .map(|s| (&text[s.span.clone()], s.why))
            .collect();
        assert_eq!(
            sites,
            [
                ("bitnami/kubectl:1.29", None),
                ("k8s.gcr.io", Some(ReviewReason::RegistrySetting))
            ]
        );
    }

    #[test]
    fn a_readme_generator_table_with_placeholders_leaves_the_map_to_a_human() {
        let text = "### Redis image\n\n| Name               | Description          | Value           |\n| ------------------ | -------------------- | --------------- |\n| `image.registry`   | Redis image registry | `REGISTRY_NAME` |\n| `image.repository` | Redis image repository | `bitnami/redis` |\n| `image.digest`     | Redis image digest   | `\"\"`            |\n| `image.pullPolicy` | Redis image pull policy | `IfNotPresent` |\n| `metrics.image.registry` | Exporter registry | `nil` |\n| `metrics.image.repository` | Exporter repository | `bitnami/redis-exporter` |\n";
        let found = read(text);
        let why: Vec<_> = found
            .composites
            .iter()
            .map(|c| (c.part_texts(text), c.unknown_registry))
            .collect();
        let review = Some(ReviewReason::MapWithoutRegistry);
        assert_eq!(
            why,
            [
                (
                    ["REGISTRY_NAME", "bitnami/redis", "-", ""]
                        .map(str::to_owned)
                        .to_vec(),
                    review
                ),
                (
                    ["`nil`", "bitnami/redis-exporter", "-", "-"]
                        .map(str::to_owned)
                        .to_vec(),
                    review
                ),
            ]
        );
    }

    #[test]
    fn ragged_rows_and_tables_without_a_value_column_are_not_read() {
        let text = "| Key | Default |\n|---|---|\n| image.registry | k8s.gcr.io | extra |\n| image.repository | pause |\n| other.image.registry | k8s.gcr.io |\n| other.image.repository | pause |\n\n| Name | Description |\n|--|--|\n| image.registry | k8s.gcr.io |\n| image.repository | pause |\n";
        let found = read(text);
        assert_eq!(found.composites.len(), 1);
        assert_eq!(
            found.composites[0].part_texts(text),
            ["k8s.gcr.io", "pause", "-", "-"]
        );
        let registry = found.composites[0].registry.as_ref().unwrap();
        assert!(text[..registry.span.start].ends_with("| other.image.registry | "));
        assert!(found.warning.unwrap().contains("line 3 has 3 cells"));
    }

    #[test]
    fn cells_split_on_unescaped_pipes() {
        let text = "| a \\| b | `c` |d";
        let got: Vec<_> = cells(text, &(0..text.len()))
            .into_iter()
            .map(|c| &text[c])
            .collect();
        assert_eq!(got, [" a \\| b ", " `c` ", "d"]);
    }
}
