//! The needle search: where in a file any rule's literal occurs, at a cost that stays flat from
//! one rule to hundreds.
//!
//! A few needles (one rule and its `\/`-escaped spelling) are each found by `memchr::memmem`,
//! whose SIMD search beats an automaton's prefilter on so few patterns. Up to a few dozen
//! needles, one Aho-Corasick automaton with its SIMD prefilter is fastest. Past
//! that (a vendor move can be hundreds of rules) its prefilter degrades, so needles that contain a
//! `/` are found from the slashes of the text instead: each slash is looked up, by the two bytes on
//! either side of it, in a 64 Ki-bit filter and then a table of (needle, offset) candidates that are
//! compared in place. Text has few slashes, so the scan costs about one `memchr` pass.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::AhoCorasick;

/// Up to how many needles each is searched on its own.
const FEW_MAX: usize = 3;
/// How many needles one automaton handles before the slash index takes over.
const AUTOMATON_MAX: usize = 48;
const FILTER_BITS: usize = 1 << 16;

#[derive(Debug)]
pub(crate) enum Needles {
    Few(Vec<memchr::memmem::Finder<'static>>),
    Automaton(AhoCorasick),
    Slashes(SlashIndex),
}

#[derive(Debug)]
pub(crate) struct SlashIndex {
    filter: Vec<u64>,
    /// Key (two bytes before and after the needle's first slash) → (offset of that slash, needle).
    candidates: HashMap<u32, Vec<(usize, usize)>>,
    needles: Vec<Vec<u8>>,
    /// Needles without a usable slash (`nginx`, `k8s.gcr.io`).
    others: Option<AhoCorasick>,
}

fn automaton(needles: &[String]) -> AhoCorasick {
    let many = needles.len() > AUTOMATON_MAX;
    // Leftmost-longest: only leftmost semantics get the packed (Teddy) SIMD prefilter; standard
    // semantics fall back to the automaton over every byte once there are a few dozen needles.
    // Hits only say where a token to expand starts, so the longest at a place is as good.
    AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .kind(many.then_some(aho_corasick::AhoCorasickKind::DFA))
        .prefilter(!many)
        .build(needles)
        .expect("literal needles build an automaton")
}

fn slash_key(text: &[u8], slash: usize) -> Option<u32> {
    let before = slash.checked_sub(2)?;
    let after = text.get(slash + 1..slash + 3)?;
    Some(u32::from_le_bytes([
        text[before],
        text[before + 1],
        after[0],
        after[1],
    ]))
}

fn filter_bit(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> 16) as usize % FILTER_BITS
}

impl Needles {
    pub(crate) fn new(needles: Vec<String>) -> Self {
        if needles.len() <= FEW_MAX {
            return Needles::Few(
                needles
                    .iter()
                    .map(|n| memchr::memmem::Finder::new(n.as_bytes()).into_owned())
                    .collect(),
            );
        }
        if needles.len() <= AUTOMATON_MAX {
            return Needles::Automaton(automaton(&needles));
        }
        let mut index = SlashIndex {
            filter: vec![0; FILTER_BITS / 64],
            candidates: HashMap::new(),
            needles: Vec::new(),
            others: None,
        };
        let mut others = Vec::new();
        for needle in needles {
            let bytes = needle.as_bytes();
            let key = memchr::memchr(b'/', bytes)
                .and_then(|slash| Some((slash, slash_key(bytes, slash)?)));
            match key {
                Some((slash, key)) => {
                    let bit = filter_bit(key);
                    index.filter[bit / 64] |= 1 << (bit % 64);
                    index
                        .candidates
                        .entry(key)
                        .or_default()
                        .push((slash, index.needles.len()));
                    index.needles.push(bytes.to_vec());
                }
                None => others.push(needle),
            }
        }
        index.others = (!others.is_empty()).then(|| automaton(&others));
        Needles::Slashes(index)
    }

    /// Every occurrence, in increasing order of start (overlapping ones may be left out).
    pub(crate) fn hits(&self, text: &[u8]) -> Vec<Range<usize>> {
        match self {
            Needles::Few(finders) => {
                let mut hits: Vec<Range<usize>> = Vec::new();
                for finder in finders {
                    let len = finder.needle().len();
                    hits.extend(finder.find_iter(text).map(|at| at..at + len));
                }
                if finders.len() > 1 {
                    hits.sort_by_key(|r| r.start);
                }
                hits
            }
            Needles::Automaton(ac) => ac.find_iter(text).map(|m| m.range()).collect(),
            Needles::Slashes(index) => {
                let mut hits: Vec<Range<usize>> = index.slash_hits(text).collect();
                if let Some(ac) = &index.others {
                    hits.extend(ac.find_iter(text).map(|m| m.range()));
                }
                // Needles found from the same slash start at different offsets before it.
                hits.sort_by_key(|r| r.start);
                hits
            }
        }
    }
}

impl SlashIndex {
    fn slash_hits<'t>(&'t self, text: &'t [u8]) -> impl Iterator<Item = Range<usize>> + 't {
        memchr::memchr_iter(b'/', text).flat_map(move |slash| {
            let found: Vec<Range<usize>> = match slash_key(text, slash) {
                Some(key)
                    if self.filter[filter_bit(key) / 64] & (1 << (filter_bit(key) % 64)) != 0 =>
                {
                    self.candidates
                        .get(&key)
                        .into_iter()
                        .flatten()
                        .filter_map(|&(offset, n)| {
                            let start = slash.checked_sub(offset)?;
                            let needle = &self.needles[n];
                            text[start..]
                                .starts_with(needle)
                                .then(|| start..start + needle.len())
                        })
                        .collect()
                }
                _ => Vec::new(),
            };
            found
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn many(extra: &[&str]) -> Vec<String> {
        let mut list: Vec<String> = (0..100).map(|i| format!("team{i}/svc-{i}")).collect();
        list.extend(extra.iter().map(|s| s.to_string()));
        list
    }

    #[test]
    fn few_needles_are_searched_each_and_found_in_order_of_start() {
        let index = Needles::new(vec!["o/app".into(), "o\\/app".into()]);
        assert!(matches!(index, Needles::Few(_)));
        let text = b"ghcr.io\\/o\\/app x ghcr.io/o/app o/app";
        let starts: Vec<usize> = index.hits(text).iter().map(|r| r.start).collect();
        assert_eq!(starts, [9, 26, 32]);
        assert!(index.hits(b"nothing").is_empty());
    }

    #[test]
    fn many_needles_use_the_slash_index_and_find_the_same_hits() {
        let needles = many(&["nginx", "gdtiti/grok2api", "a/b"]);
        let index = Needles::new(needles.clone());
        assert!(matches!(index, Needles::Slashes(_)));
        let text = b"x ghcr.io/gdtiti/grok2api:1 team7/svc-7 nginx a/b /team99/svc-99 team1/svc-10";
        let reference = AhoCorasick::new(&needles).unwrap();
        let expected: Vec<_> = reference
            .find_overlapping_iter(text)
            .map(|m| m.range())
            .collect();
        let mut got = index.hits(text);
        got.sort_by_key(|r| (r.start, r.end));
        let mut want = expected;
        want.sort_by_key(|r| (r.start, r.end));
        assert_eq!(got, want);
        assert!(index.hits(b"nothing here / at all // team/svc").is_empty());
    }

    #[test]
    fn hits_from_one_slash_come_in_order_of_start() {
        // Both needles are found from the same slash, `xab/cd` starting one byte earlier.
        let index = Needles::new(many(&["ab/cd", "xab/cd"]));
        assert!(matches!(&index, Needles::Slashes(i) if i.others.is_none()));
        let hits = index.hits(b"= xab/cd");
        assert_eq!(hits.iter().map(|r| r.start).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn a_few_dozen_needles_use_one_automaton() {
        assert!(matches!(Needles::new(vec!["a/b".into()]), Needles::Few(_)));
        let dozen: Vec<String> = (0..12).map(|i| format!("o/app{i}")).collect();
        assert!(matches!(Needles::new(dozen), Needles::Automaton(_)));
    }
}
