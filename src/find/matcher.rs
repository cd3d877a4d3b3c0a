//! The matcher: what one run looks for (needles and context keywords), the cheap first pass most
//! files get, and the triage of each needle hit, memoized per thread, that decides whether a
//! file needs more than its first pass and whether its structure must be parsed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::AhoCorasick;

use super::escaped;
use super::prefilter;
use super::token::{self, Token};
use super::vocabulary;
use crate::image_ref::{self, ImageRef};
use crate::rule::RuleSet;

/// What to look for: rules, or every reference in image positions (`list`).
#[derive(Debug)]
pub(crate) struct Matcher {
    pub(super) rules: RuleSet,
    needles: Option<prefilter::Needles>,
    /// Lines with these words are analysed for image positions even without a needle.
    pub(super) keywords: Option<AhoCorasick>,
    /// Report every reference in an image position (`list`), not rule matches.
    pub(super) inventory: bool,
    /// Tells this matcher's entries in the per-thread triage memo from another's.
    id: usize,
}

/// What a needle hit's text is on its own, wherever it stands.
#[derive(Debug, Clone, Copy)]
struct Triage {
    /// Some rule has a say on it (see [`Matcher::relevant`]).
    relevant: bool,
    /// A registry-qualified name with a namespace (`ghcr.io/owner/app`), which a `key: value`
    /// line reads the same without the file's structure.
    qualified: bool,
}

/// How many distinct hit texts a thread remembers before starting over.
const TRIAGE_MEMO_MAX: usize = 4096;

/// Triage by hit text for one matcher at a time.
#[derive(Default)]
struct TriageMemo {
    matcher: usize,
    by_text: HashMap<Box<str>, Triage>,
}

thread_local! {
    /// Per walker thread: a large tree repeats a few hundred names tens of thousands of times,
    /// and parsing them was the largest cost of files with hits.
    static TRIAGED: RefCell<TriageMemo> = RefCell::default();
}

static NEXT_MATCHER_ID: AtomicUsize = AtomicUsize::new(1);

impl Matcher {
    /// A matcher for `rules`; with `inventory`, every reference in an image position is reported.
    pub(crate) fn new(rules: RuleSet, inventory: bool) -> Self {
        let fixed = rules.needles();
        // Rules without fixed text (every Docker Hub image) are found through the keywords below,
        // and their qualified spellings through `docker.io`.
        let needles = (!inventory).then(|| {
            let mut needles = fixed
                .clone()
                .unwrap_or_else(|| vec![image_ref::HUB.to_owned()]);
            // `registry: quay.io` under `quay.io/prometheus/`: a setting the rule moves in part.
            needles.extend(rules.setting_needles());
            needles.sort();
            needles.dedup();
            // `gcr.io\/google-samples\/demo` (sed, JSON) is the same name.
            let escaped: Vec<String> = needles
                .iter()
                .filter_map(|n| escaped::escaped_needle(n))
                .collect();
            needles.extend(escaped);
            prefilter::Needles::new(needles)
        });
        let keywords = (inventory || fixed.is_none()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(vocabulary::context_keywords())
                .expect("literal keywords build an automaton")
        });
        Matcher {
            rules,
            needles,
            keywords,
            inventory,
            id: NEXT_MATCHER_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The cheap first pass, the only one most files get: where the needles occur, or `None`
    /// when the file cannot contain a finding. One pass serves both questions.
    pub(crate) fn first_pass(&self, text: &[u8]) -> Option<Hits> {
        let hits = self
            .needles
            .as_ref()
            .map(|n| n.hits(text))
            .unwrap_or_default();
        let keyword = || self.keywords.as_ref().is_some_and(|k| k.is_match(text));
        (!hits.is_empty() || keyword()).then_some(Hits(hits))
    }

    /// The candidates of a file that [`Matcher::first_pass`] let through with `hits`: the
    /// relevant needle tokens, and whether the file's structure must be read.
    pub(super) fn triage_hits(&self, text: &[u8], hits: Hits) -> Triaged {
        // Each hit is triaged on its own: whether any rule has a say on it and whether the
        // file's structure could change what it is. Parsing the structure is the costliest
        // step; a file whose every hit is a registry-qualified name on a `key: value` line reads
        // the same without it.
        let mut structural = self.keywords.is_some();
        let mut tokens = Vec::new();
        for tok in needle_tokens(text, hits) {
            let written = std::str::from_utf8(&text[tok.span.clone()]).unwrap_or_default();
            let triage = self.triage(written);
            structural = structural || needs_structure(text, &tok, triage.qualified);
            if triage.relevant {
                tokens.push(tok);
            }
        }
        Triaged { tokens, structural }
    }

    /// [`Triage`] of a hit's text, parsed once per thread and text.
    fn triage(&self, written: &str) -> Triage {
        TRIAGED.with(|memo| {
            let memo = &mut *memo.borrow_mut();
            if memo.matcher != self.id || memo.by_text.len() >= TRIAGE_MEMO_MAX {
                memo.matcher = self.id;
                memo.by_text.clear();
            }
            if let Some(&triage) = memo.by_text.get(written) {
                return triage;
            }
            let reference = ImageRef::parse(written).ok();
            let triage = Triage {
                relevant: self.relevant(written, reference.as_ref()),
                qualified: reference
                    .is_some_and(|r| r.has_written_domain() && r.written_path().contains('/')),
            };
            memo.by_text.insert(written.into(), triage);
            triage
        })
    }

    /// Whether some rule has a say on a hit wherever it stands. `Judge::judge` drops every
    /// other candidate whatever its place, so only these are worth placing: most needle hits in
    /// a large tree are look-alikes (`…/grok2api-api`, Go import paths) that no rule matches.
    fn relevant(&self, written: &str, reference: Option<&ImageRef<'_>>) -> bool {
        self.inventory
            || self.rules.setting(written).is_some()
            || reference.is_some_and(|r| {
                self.rules.verdict(r).is_some() || self.rules.path_only(r).is_some()
            })
            || self.matches_lowercased(written)
    }

    /// Whether `written`, which has uppercase letters, would match a rule in lowercase
    /// (`GHCR.io/o/app`): no registry takes it as written, so a human must look.
    pub(super) fn matches_lowercased(&self, written: &str) -> bool {
        if !written.bytes().any(|b| b.is_ascii_uppercase()) {
            return false;
        }
        let lower = written.to_ascii_lowercase();
        ImageRef::parse(&lower).is_ok_and(|r| self.rules.verdict(&r).is_some())
    }
}

/// Where a file's needles occur, in increasing order of start: what the first pass found.
#[derive(Debug)]
pub(crate) struct Hits(Vec<Range<usize>>);

impl Hits {
    /// Takes out the hits inside names written with escaped slashes (`gcr.io\/o\/app`), as the
    /// runs of those names, once each, in file order.
    pub(super) fn take_escaped(&mut self, text: &[u8]) -> Vec<Range<usize>> {
        if !escaped::present(text) {
            return Vec::new();
        }
        let mut runs: Vec<Range<usize>> = Vec::new();
        self.0.retain(|hit| match escaped::run_at(text, hit) {
            Some(run) => {
                if runs.last() != Some(&run) {
                    runs.push(run);
                }
                false
            }
            None => true,
        });
        runs
    }
}

/// What triage leaves of a file's needle hits.
#[derive(Debug)]
pub(super) struct Triaged {
    /// Candidates some rule has a say on, in file order.
    pub(super) tokens: Vec<Token>,
    /// Whether reading the file's structure can change what a candidate is.
    pub(super) structural: bool,
}

/// The candidate around each needle hit, once per candidate, in file order.
fn needle_tokens(text: &[u8], hits: Hits) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut covered = 0;
    for hit in hits.0 {
        if hit.start < covered {
            continue;
        }
        let Some(tok) = token::token_at(text, hit.clone()) else {
            continue;
        };
        covered = tok.span.end.max(hit.end);
        tokens.push(tok);
    }
    tokens
}

/// Whether the structural reader can change what `tok` is: a name without a registry (its place
/// decides), a split map part, or a value that is not on a plain `key: value` line (a list item,
/// a block scalar line, an escaped string).
fn needs_structure(text: &[u8], tok: &Token, qualified: bool) -> bool {
    if !qualified {
        return true;
    }
    // Look at most a short window around the token: a minified file is one long line.
    const WINDOW: usize = 256;
    let from = tok.span.start.saturating_sub(WINDOW);
    let line_start =
        memchr::memrchr(b'\n', &text[from..tok.span.start]).map_or(from, |i| from + i + 1);
    let to = (tok.span.end + WINDOW).min(text.len());
    let line_end = memchr::memchr(b'\n', &text[tok.span.end..to]).map_or(to, |i| tok.span.end + i);
    let before = &text[line_start..tok.span.start];
    memchr::memchr(b':', before).is_none()
        || memchr::memchr(b'\\', &text[line_start..line_end]).is_some()
        || vocabulary::is_split_map_key(&key_before(before))
}

/// The key of the `key: ` (or `"key": "`) that `before` ends with, lowercased, or nothing.
fn key_before(before: &[u8]) -> String {
    let trimmed = before.trim_ascii_end();
    let trimmed = trimmed.strip_suffix(b"\"").unwrap_or(trimmed);
    let trimmed = trimmed
        .strip_suffix(b"'")
        .unwrap_or(trimmed)
        .trim_ascii_end();
    let Some(key) = trimmed.strip_suffix(b":") else {
        return String::new();
    };
    let key = key.strip_suffix(b"\"").unwrap_or(key);
    let start = key
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .map_or(0, |i| i + 1);
    String::from_utf8_lossy(&key[start..]).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::FileKind;
    use crate::rule::RuleSpec;

    fn matcher(from: &str, to: &str) -> Matcher {
        let spec = RuleSpec::rename(from, to, "test");
        Matcher::new(RuleSet::new(vec![spec]).unwrap(), false)
    }

    #[test]
    fn the_triage_memo_keeps_each_matchers_answers_apart() {
        // Both rules search for `a/b`; only the first has a say on `ghcr.io/a/b`.
        let ghcr = matcher("ghcr.io/a/b", "ghcr.io/a/c");
        let quay = matcher("quay.io/a/b", "quay.io/a/c");
        let text = b"image: ghcr.io/a/b:1\n";
        // `quay` first: a memo shared between matchers would then hide the finding from `ghcr`.
        for _ in 0..2 {
            assert!(quay.find(FileKind::Yaml, text).findings.is_empty());
            assert_eq!(ghcr.find(FileKind::Yaml, text).findings.len(), 1);
        }
    }
}
