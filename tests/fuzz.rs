//! A fuzzing harness that runs on stable Rust: corpus files from `testdata/fuzz/` are mutated
//! (byte flips, insertions of reference fragments, deletions, splices) and fed to the finder for
//! every file kind. Invariants: no panic, edits in bounds and disjoint, each edit replaces exactly
//! the old name, and a second run finds nothing left to rename.
//!
//! A short run is part of `cargo test`; the long one is
//! `REIMAGE_FUZZ_ITERATIONS=1000000 cargo test --release --test fuzz -- --ignored`.

use std::fs;

use reimage::classify::FileKind;
use reimage::finding::Action;
use reimage::{Finder, RuleSet, RuleSpec};

const FRAGMENTS: &[&str] = &[
    "ghcr.io/gdtiti/grok2api",
    ":",
    "@sha256:",
    "${",
    "}",
    "{{",
    "}}",
    "-",
    "/",
    "\n",
    "\r\n",
    "'",
    "\"",
    "\\",
    "#",
    "- ",
    "image: ",
    ": ",
    "&a ",
    "*a",
    "<<: ",
    "|\n",
    ">-\n",
    "docker run ",
    "FROM ",
    "--from=",
    "IMAGE=",
    "\u{e9}",
    "\u{feff}",
    "reimage: ignore",
    "[",
    "]",
    "{",
    "}",
    ",",
    "k8s.gcr.io",
    "nginx",
    "library/",
    "docker.io/",
];

struct XorShift(u64);

impl XorShift {
    fn next(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound.max(1) as u64) as usize
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/fuzz");
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|p| fs::read(p).unwrap()).collect()
}

fn mutate(rng: &mut XorShift, corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut data = corpus[rng.next(corpus.len())].clone();
    for _ in 0..=rng.next(8) {
        let at = rng.next(data.len() + 1);
        match rng.next(5) {
            0 if !data.is_empty() => {
                let i = at.min(data.len() - 1);
                data[i] ^= 1 << rng.next(8);
            }
            1 => {
                let fragment = FRAGMENTS[rng.next(FRAGMENTS.len())].as_bytes();
                data.splice(at..at, fragment.iter().copied());
            }
            2 => {
                let end = (at + rng.next(40)).min(data.len());
                data.drain(at..end);
            }
            3 => {
                let other = &corpus[rng.next(corpus.len())];
                let from = rng.next(other.len());
                let end = (from + rng.next(200)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                let end = (at + rng.next(60)).min(data.len());
                let copy = data[at..end].to_vec();
                data.splice(at..at, copy);
            }
        }
    }
    data
}

const KINDS: &[FileKind] = &[
    FileKind::Compose,
    FileKind::Kubernetes,
    FileKind::Helm,
    FileKind::Kustomize,
    FileKind::GitlabCi,
    FileKind::Yaml,
    FileKind::Json,
    FileKind::Toml,
    FileKind::Dockerfile,
    FileKind::Shell,
    FileKind::Markdown,
    FileKind::Text,
];

fn run(iterations: usize, seed: u64) {
    let rule = |from: &str, to: &str| RuleSpec::rename(from, to, "fuzz");
    let sets = [
        ("ghcr.io/gdtiti/grok2api", "ghcr.io/gdtiti/grok2api-api"),
        ("nginx", "ghcr.io/acme/nginx"),
        ("k8s.gcr.io/", "registry.k8s.io/"),
    ];
    let finders: Vec<(Finder, &str)> = sets
        .iter()
        .map(|(from, to)| {
            (
                Finder::new(&RuleSet::new(vec![rule(from, to)]).unwrap()),
                *from,
            )
        })
        .collect();
    let corpus = corpus();
    let mut rng = XorShift(seed);
    for iteration in 0..iterations {
        let data = mutate(&mut rng, &corpus);
        let kind = KINDS[rng.next(KINDS.len())];
        let (finder, from) = &finders[rng.next(finders.len())];
        let findings = finder.find(kind, &data);
        let mut edits: Vec<_> = findings
            .iter()
            .flat_map(|f| f.edits().iter().cloned())
            .collect();
        edits.sort_by_key(|e| e.range.start);
        let mut out = Vec::with_capacity(data.len());
        let mut at = 0;
        for edit in &edits {
            let (range, replacement) = (&edit.range, &edit.new);
            assert_eq!(
                &data[range.clone()],
                edit.old.as_bytes(),
                "iteration {iteration}: an edit's old text is not the file's bytes"
            );
            assert!(
                range.start >= at && range.end <= data.len(),
                "iteration {iteration}: bad edit {range:?}"
            );
            if *from == "ghcr.io/gdtiti/grok2api" {
                assert_eq!(
                    &data[range.clone()],
                    from.as_bytes(),
                    "iteration {iteration}: edit not on the old name"
                );
            }
            out.extend_from_slice(&data[at..range.start]);
            out.extend_from_slice(replacement.as_bytes());
            at = range.end;
        }
        out.extend_from_slice(&data[at..]);
        let again = finder.find(kind, &out);
        assert!(
            again.iter().all(|f| f.action() != Action::Rewrite),
            "iteration {iteration} ({kind:?}, {from}): not idempotent on\n{}",
            String::from_utf8_lossy(&data)
        );
    }
}

#[test]
fn short_fuzz_run_holds_the_invariants() {
    run(3_000, 0x5eed_1234_abcd_0001);
}

#[test]
#[ignore = "long: REIMAGE_FUZZ_ITERATIONS=1000000 cargo test --release --test fuzz -- --ignored"]
fn long_fuzz_run_holds_the_invariants() {
    let iterations = std::env::var("REIMAGE_FUZZ_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let seed = std::env::var("REIMAGE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_feed_0002);
    run(iterations, seed);
}
