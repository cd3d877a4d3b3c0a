//! Reading one catalog entry from its TOML table: the keys it may have, the dates, the tag
//! window and the rules it makes, each problem said in words that name the key.

use toml_edit::{Item, Table};

use super::*;

pub(super) fn entry(table: &Table) -> Result<Entry, String> {
    const KEYS: &[&str] = &[
        "id",
        "from",
        "to",
        "status",
        "deprecated",
        "frozen",
        "removed",
        "ended",
        "tags",
        "except",
        "digests",
        "source",
        "also",
        "note",
    ];
    if let Some((key, _)) = table.iter().find(|(k, _)| !KEYS.contains(k)) {
        return Err(format!(
            "unknown key `{key}`; expected one of {}",
            KEYS.join(", ")
        ));
    }
    let id = required(table, "id")?;
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!("id `{id}` must be lowercase words joined by `-`"));
    }
    let from = match table.get("from") {
        Some(item) if item.is_str() => vec![item.as_str().unwrap_or_default().to_owned()],
        Some(_) => strings(table, "from")?,
        None => Vec::new(),
    };
    if from.is_empty() {
        return Err("needs `from` (a repository, a prefix ending in `/`, or a list)".to_owned());
    }
    let to = optional(table, "to")?;
    let status_text = required(table, "status")?;
    let status = Status::parse(&status_text)
        .ok_or_else(|| format!("status `{status_text}` must be deprecated, frozen or removed"))?;
    let mut dates = Vec::new();
    for s in Status::ALL {
        if let Some(date) = optional(table, s.label())? {
            check_date(&date)?;
            dates.push((s, date));
        }
    }
    if !dates.iter().any(|(s, _)| *s == status) {
        return Err(format!("status is {status} but `{status}` has no date"));
    }
    let ended = optional(table, "ended")?;
    if let Some(date) = &ended {
        check_date(date)?;
    }
    let tags = optional(table, "tags")?
        .map(|t| TagWindow::parse(&t).map_err(|e| format!("tags: {e}")))
        .transpose()?;
    let digests_kept = match optional(table, "digests")?.as_deref() {
        None | Some("unknown") => false,
        Some("kept") => true,
        Some(other) => return Err(format!("digests `{other}` must be kept or unknown")),
    };
    let source = required(table, "source")?;
    let also = match table.get("also") {
        Some(_) => strings(table, "also")?,
        None => Vec::new(),
    };
    for url in std::iter::once(&source).chain(&also) {
        if !url.starts_with("https://") {
            return Err(format!("source `{url}` must be an https:// URL"));
        }
    }
    let note = required(table, "note")?;
    if note.trim().is_empty() {
        return Err("needs a `note`".to_owned());
    }
    let except = match table.get("except") {
        Some(_) => strings(table, "except")?,
        None => Vec::new(),
    };
    if tags.is_some() && to.is_none() {
        return Err("`tags` needs a `to`: a window says which tags exist under it".to_owned());
    }
    let entry = Entry {
        id,
        from,
        to,
        status,
        dates,
        ended,
        tags,
        except,
        digests_kept,
        source,
        also,
        note,
    };
    check_rules(&entry)?;
    Ok(entry)
}

/// The entry's rules must form a valid rule set, and each exception must name something under a
/// `from` prefix.
pub(super) fn check_rules(entry: &Entry) -> Result<(), String> {
    RuleSet::new(entry.rules()).map_err(|errors| {
        errors
            .iter()
            .map(|e| format!("`{}`: {}", e.rule, e.problem))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    for x in &entry.except {
        let valid = match x.strip_suffix('/') {
            Some(prefix) => normalized_prefix(prefix).is_some(),
            None => ImageRef::parse(x).is_ok(),
        };
        if !valid {
            return Err(format!("except `{x}` is not an image name or prefix"));
        }
        let under = |name: &str| {
            entry.from.iter().any(|from| {
                from.strip_suffix('/')
                    .and_then(normalized_prefix)
                    .is_some_and(|p| {
                        name.strip_prefix(p.as_str())
                            .is_some_and(|r| r.starts_with('/'))
                    })
            })
        };
        let name = match x.strip_suffix('/') {
            Some(prefix) => normalized_prefix(prefix),
            None => ImageRef::parse(x).ok().map(|r| r.repository()),
        };
        if !name.is_some_and(|n| under(&n)) {
            return Err(format!("except `{x}` is not under any `from` prefix"));
        }
    }
    Ok(())
}

pub(super) fn check_date(date: &str) -> Result<(), String> {
    let parts: Vec<&str> = date.split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2),
        [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "date `{date}` must be YYYY-MM-DD (or YYYY-MM, YYYY)"
        ))
    }
}

pub(super) fn required(table: &Table, key: &str) -> Result<String, String> {
    optional(table, key)?.ok_or_else(|| format!("needs `{key}`"))
}

pub(super) fn optional(table: &Table, key: &str) -> Result<Option<String>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(item) => item
            .as_str()
            .map(|s| Some(s.to_owned()))
            .ok_or_else(|| format!("`{key}` must be a string")),
    }
}

pub(super) fn strings(table: &Table, key: &str) -> Result<Vec<String>, String> {
    let array = table
        .get(key)
        .and_then(Item::as_array)
        .ok_or_else(|| format!("`{key}` must be a string or a list of strings"))?;
    array
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("`{key}` must hold strings"))
        })
        .collect()
}
