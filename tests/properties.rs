//! Property tests: the grammar round-trips, a rename touches only the bytes of the names it
//! renames, a second run is a no-op, and A→B then B→A restores the original.

use proptest::prelude::*;
use reimage::classify::FileKind;
use reimage::finding::{Action, Finding};
use reimage::{find_in, ImageRef, RuleSet, RuleSpec};

const A: &str = "ghcr.io/acme/api";
const B: &str = "ghcr.io/acme/api-zq9";

fn rules(from: &str, to: &str) -> RuleSet {
    RuleSet::new(vec![RuleSpec::rename(from, to, "test")]).unwrap()
}

/// Applies the rewrite edits of `findings` to `text`.
fn apply(text: &[u8], findings: &[Finding]) -> Vec<u8> {
    let mut edits: Vec<_> = findings
        .iter()
        .flat_map(|f| f.edits().iter().map(|e| (&e.range, &e.new)))
        .collect();
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = Vec::new();
    let mut at = 0;
    for (range, replacement) in edits {
        assert!(
            range.start >= at && range.end <= text.len(),
            "edits overlap or leave the file"
        );
        out.extend_from_slice(&text[at..range.start]);
        out.extend_from_slice(replacement.as_bytes());
        at = range.end;
    }
    out.extend_from_slice(&text[at..]);
    out
}

fn path_component() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]{1,8}",
        "[a-z0-9]{1,4}[._-][a-z0-9]{1,4}",
        "[a-z0-9]{1,4}__[a-z0-9]{1,4}",
        "[a-z0-9]{1,3}-{2,3}[a-z0-9]{1,3}",
    ]
}

fn reference() -> impl Strategy<Value = String> {
    let domain = prop_oneof![
        Just(String::new()),
        Just("docker.io/".to_owned()),
        Just("index.docker.io/".to_owned()),
        Just("localhost:5000/".to_owned()),
        "[a-z]{1,6}\\.(io|com|dev)/",
        "[a-z]{1,5}\\.[a-z]{2,4}:[0-9]{2,5}/",
    ];
    let path = prop::collection::vec(path_component(), 1..4).prop_map(|c| c.join("/"));
    let tag = prop_oneof![
        Just(String::new()),
        "[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}".prop_map(|t| format!(":{t}"))
    ];
    let digest = prop_oneof![
        Just(String::new()),
        "[a-f0-9]{64}".prop_map(|h| format!("@sha256:{h}"))
    ];
    (domain, path, tag, digest).prop_map(|(d, p, t, g)| format!("{d}{p}{t}{g}"))
}

/// Text pieces: noise of every kind around references and decoys.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(vec![
            " ", " ", "\n", "\r\n", "\t", ":", ": ", "/", "-", ".", ". ", ",", "\"", "'", "`", "(", ")", "#", "=",
            "${X}", "$(Y)", "{{ .Values.x }}", "image: ", "- image: ", "docker run -d ", "FROM ", "IMAGE=",
            "é", "nginx", "word", "api", "acme", "# reimage: ignore\n", "---\n", "[", "]", "{", "}", "@", "&a ", "*a",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::sample::select(vec![0xe9u8, 0xff, 0x80]).prop_map(|b| vec![b]),
        2 => prop::sample::select(vec![
            A, "ghcr.io/acme/api:v1", "ghcr.io/acme/api@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "ghcr.io/acme/api:${TAG}", "ghcr.io/acme/api-v2", "ghcr.io/acme/api2", "xghcr.io/acme/api", "ghcr.io/acme/api/sub",
            "docker.io/acme/api", "https://ghcr.io/acme/api", "acme/api", "ghcr.io/other/api",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

fn kind() -> impl Strategy<Value = FileKind> {
    prop::sample::select(vec![
        FileKind::Yaml,
        FileKind::Compose,
        FileKind::Shell,
        FileKind::Markdown,
        FileKind::Dockerfile,
        FileKind::Text,
        FileKind::Toml,
        FileKind::Json,
    ])
}

fn document() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(piece(), 0..60).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn grammar_round_trips_through_familiar_and_normalized(text in reference()) {
        if let Ok(parsed) = ImageRef::parse(&text) {
            let normalized = parsed.normalized();
            let again = ImageRef::parse(&normalized).expect("normalized form parses");
            prop_assert_eq!(again.normalized(), normalized.clone());
            let familiar = parsed.familiar();
            // As in Go's FamiliarString, dropping `docker.io/` from `docker.io/0.0/app` leaves a
            // first component that reads as a registry: such familiar forms do not round-trip.
            let first = familiar.split('/').next().unwrap_or("");
            let ambiguous = parsed.is_hub() && familiar.contains('/') && (first.contains(['.', ':']) || first == "localhost");
            if !ambiguous {
                let from_familiar = ImageRef::parse(&familiar).expect("familiar form parses");
                prop_assert_eq!(from_familiar.normalized(), normalized);
            }
            prop_assert_eq!(text[parsed.name_span()].len() + parsed.tag().map_or(0, |t| t.len() + 1) + parsed.digest().map_or(0, |d| d.len() + 1), text.len());
        }
    }

    #[test]
    fn rename_changes_only_the_bytes_of_renamed_names(text in document(), kind in kind()) {
        let findings = find_in(&rules(A, B), kind, &text);
        for f in findings.iter().filter(|f| f.action() == Action::Rewrite) {
            for edit in f.edits() {
                let (range, replacement) = (&edit.range, &edit.new);
                prop_assert_eq!(&text[range.clone()], A.as_bytes());
                prop_assert_eq!(replacement.as_str(), B);
            }
        }
        let out = apply(&text, &findings);
        // Remove every replacement: what is left must be the original with the old names removed.
        let strip = |bytes: &[u8], name: &[u8]| -> Vec<u8> {
            let mut v = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i..].starts_with(name) { i += name.len(); } else { v.push(bytes[i]); i += 1; }
            }
            v
        };
        let rewritten: usize = findings.iter().filter(|f| f.action() == Action::Rewrite).map(|f| f.edits().len()).sum();
        prop_assert_eq!(out.len(), text.len() + rewritten * (B.len() - A.len()));
        prop_assert_eq!(strip(&strip(&out, B.as_bytes()), A.as_bytes()), strip(&text, A.as_bytes()));
    }

    #[test]
    fn a_second_run_is_a_no_op(text in document(), kind in kind()) {
        let once = apply(&text, &find_in(&rules(A, B), kind, &text));
        let again = find_in(&rules(A, B), kind, &once);
        prop_assert!(again.iter().all(|f| f.action() != Action::Rewrite), "{:?}", again);
    }

    #[test]
    fn renaming_there_and_back_restores_the_original(text in document(), kind in kind()) {
        prop_assume!(!text.windows(B.len()).any(|w| w == B.as_bytes()));
        let there = apply(&text, &find_in(&rules(A, B), kind, &text));
        let back = apply(&there, &find_in(&rules(B, A), kind, &there));
        prop_assert_eq!(back, text);
    }
}

/// Segments of shell command lines, each a whole command that an operator ends: container
/// commands with a literal image (and the options around it), and other commands full of
/// variables, substitutions and words.
fn shell_segment() -> impl Strategy<Value = (String, Option<&'static str>)> {
    const IMAGES: &[&str] = &[
        "nginx:1.25",
        "redis",
        "bitnami/redis:7.2",
        "alpine:3.20",
        "ghcr.io/o/app:1",
    ];
    const CONTAINER: &[&str] = &[
        "docker run --rm -e IMAGE_TAG=tmp --name web -p 80:80",
        "docker pull --platform linux/amd64",
        "podman push",
        "docker build -t",
        "nerdctl run -d \\\n  -v /a:/b",
        "docker buildx imagetools create -t",
    ];
    const OTHER: &[&str] = &[
        "echo $tag",
        "docker push ${svc}",
        "docker pull \"$IMAGE\"",
        "docker build -t $$svc .",
        "docker pull $(echo x)",
        "docker tag `date` ${REGISTRY}/$svc:$TAG",
        "IMAGE_TAG=\"$(git describe)\"",
        "printf '%s' \"$v\"",
        "docker run %VAR%",
        "docker pull {{ .Values.image }}",
        "docker push ghcr.io/o/app:${{ github.sha }}",
        "grep flocker",
        "awk '{print $1}'",
        "jq -r .x",
        "xargs docker rmi",
        "docker run --rm -e IMAGE_X=tmp $image sh -c 'true'",
        "kubectl set image deploy/web web=$IMAGE",
    ];
    let container = (
        prop::sample::select(CONTAINER),
        prop::sample::select(IMAGES),
    )
        .prop_map(|(c, i)| (format!("{c} {i}"), Some(i)));
    let other = prop::sample::select(OTHER).prop_map(|w| (w.to_owned(), None));
    prop_oneof![1 => container, 2 => other]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_broad_rule_rewrites_only_literal_images_on_command_lines(
        segments in prop::collection::vec(
            (shell_segment(), prop::sample::select(&[" ; ", " && ", " || ", " | ", "\n"][..])),
            1..8,
        ),
        kind in prop::sample::select(&[FileKind::Shell, FileKind::Makefile, FileKind::GithubActions][..]),
    ) {
        let mut text = String::new();
        for ((segment, _), operator) in &segments {
            text.push_str(segment);
            text.push_str(operator);
        }
        text.push_str("true\n");
        let literal: Vec<&str> = segments.iter().filter_map(|((_, i), _)| *i).collect();
        for f in find_in(&rules("docker.io/", "mirror.gcr.io/"), kind, text.as_bytes()) {
            if f.action() != Action::Rewrite {
                continue;
            }
            let before = &text[..f.span.start];
            prop_assert!(
                literal.contains(&f.reference.as_str()),
                "rewrote `{}`, not a literal image, in {text:?}", f.reference
            );
            prop_assert!(
                !before.ends_with('$') && !before.ends_with("${") && !before.ends_with("$("),
                "rewrote a variable or substitution `{}` in {text:?}", f.reference
            );
        }
    }
}
