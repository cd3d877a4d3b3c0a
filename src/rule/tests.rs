//! The rule engine's unit tests: each rule form, tag conditions, set-tag, bad rules.

use super::*;

fn spec(from: &str, to: &str) -> RuleSpec {
    RuleSpec::rename(from, to, "test")
}

fn rules(pairs: &[(&str, &str)]) -> RuleSet {
    RuleSet::new(pairs.iter().map(|(f, t)| spec(f, t)).collect()).unwrap()
}

/// Applies the verdict to `text` the way the planner splices it.
fn rename(set: &RuleSet, text: &str) -> Option<String> {
    let reference = ImageRef::parse(text).ok()?;
    match set.verdict(&reference)? {
        Verdict::Rewrite {
            span, replacement, ..
        } => Some(format!(
            "{}{replacement}{}",
            &text[..span.start],
            &text[span.end..]
        )),
        Verdict::Denied { .. } | Verdict::TagUnknown { .. } => None,
    }
}

#[test]
fn repository_rule_keeps_tag_and_digest() {
    let set = rules(&[("ghcr.io/gdtiti/grok2api", "ghcr.io/gdtiti/grok2api-api")]);
    let digest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_eq!(
        rename(&set, "ghcr.io/gdtiti/grok2api:v1.0.0").unwrap(),
        "ghcr.io/gdtiti/grok2api-api:v1.0.0"
    );
    assert_eq!(
        rename(&set, &format!("ghcr.io/gdtiti/grok2api:main@{digest}")).unwrap(),
        format!("ghcr.io/gdtiti/grok2api-api:main@{digest}")
    );
    assert_eq!(
        rename(&set, "ghcr.io/gdtiti/grok2api").unwrap(),
        "ghcr.io/gdtiti/grok2api-api"
    );
}

#[test]
fn repository_rule_skips_siblings_and_other_owners() {
    let set = rules(&[("ghcr.io/gdtiti/grok2api", "ghcr.io/gdtiti/grok2api-api")]);
    for decoy in [
        "ghcr.io/gdtiti/grok2api-api",
        "ghcr.io/gdtiti/grok2api2",
        "ghcr.io/gdtiti/grok2api/sub",
        "xgdtiti/grok2api",
        "ghcr.io/chenyme/grok2api",
        "github.com/gdtiti/grok2api",
        "docker.io/gdtiti/grok2api",
    ] {
        assert_eq!(rename(&set, decoy), None, "{decoy}");
    }
}

#[test]
fn hub_names_match_however_spelled() {
    let set = rules(&[("nginx", "ghcr.io/acme/nginx")]);
    for written in [
        "nginx",
        "library/nginx",
        "docker.io/nginx",
        "docker.io/library/nginx",
        "index.docker.io/library/nginx",
    ] {
        assert_eq!(
            rename(&set, &format!("{written}:1.25")).unwrap(),
            "ghcr.io/acme/nginx:1.25",
            "{written}"
        );
    }
    for other in [
        "ghcr.io/x/nginx",
        "ingress-nginx",
        "nginx-slim",
        "bitnami/nginx",
    ] {
        assert_eq!(rename(&set, other), None, "{other}");
    }
}

#[test]
fn tagged_rule_matches_only_that_tag_and_replaces_it() {
    let set = rules(&[("nginx:1.25", "nginx:1.27")]);
    assert_eq!(rename(&set, "nginx:1.25").unwrap(), "nginx:1.27");
    assert_eq!(
        rename(&set, "docker.io/library/nginx:1.25").unwrap(),
        "nginx:1.27"
    );
    assert_eq!(rename(&set, "nginx:1.26"), None);
    assert_eq!(rename(&set, "nginx"), None);
}

#[test]
fn tagged_rule_wins_over_repository_rule() {
    let set = rules(&[
        ("nginx", "ghcr.io/a/nginx"),
        ("nginx:1.25", "ghcr.io/b/nginx:1.25"),
    ]);
    assert_eq!(rename(&set, "nginx:1.25").unwrap(), "ghcr.io/b/nginx:1.25");
    assert_eq!(rename(&set, "nginx:1.24").unwrap(), "ghcr.io/a/nginx:1.24");
}

#[test]
fn prefix_rule_moves_whole_components_only() {
    let set = rules(&[("k8s.gcr.io/", "registry.k8s.io/")]);
    assert_eq!(
        rename(&set, "k8s.gcr.io/pause:3.9").unwrap(),
        "registry.k8s.io/pause:3.9"
    );
    assert_eq!(
        rename(&set, "k8s.gcr.io/ingress-nginx/controller:v1").unwrap(),
        "registry.k8s.io/ingress-nginx/controller:v1"
    );
    assert_eq!(rename(&set, "xk8s.gcr.io/pause"), None);
    assert_eq!(rename(&set, "k8s.gcr.io.evil.com/pause"), None);
    assert_eq!(
        set.bare_prefix("k8s.gcr.io"),
        Some((0, Some("registry.k8s.io".into())))
    );
}

#[test]
fn namespace_prefix_on_docker_hub() {
    let set = rules(&[("docker.io/bitnami/*", "docker.io/bitnamilegacy/")]);
    assert_eq!(
        rename(&set, "bitnami/redis:7.2").unwrap(),
        "docker.io/bitnamilegacy/redis:7.2"
    );
    assert_eq!(rename(&set, "bitnamix/redis"), None);
    assert_eq!(rename(&set, "redis"), None);
}

#[test]
fn whole_registry_prefix_spells_out_library() {
    let set = rules(&[("docker.io/", "mirror.gcr.io/")]);
    assert_eq!(
        rename(&set, "nginx:1.25").unwrap(),
        "mirror.gcr.io/library/nginx:1.25"
    );
    assert_eq!(
        rename(&set, "bitnami/redis").unwrap(),
        "mirror.gcr.io/bitnami/redis"
    );
    assert_eq!(rename(&set, "ghcr.io/a/b"), None);
    assert_eq!(set.needles(), None);
}

#[test]
fn namespace_value_equal_to_prefix_matches() {
    let set = rules(&[("ghcr.io/old/", "ghcr.io/new/")]);
    assert_eq!(rename(&set, "ghcr.io/old").unwrap(), "ghcr.io/new");
    assert_eq!(
        rename(&set, "ghcr.io/old/app:1").unwrap(),
        "ghcr.io/new/app:1"
    );
}

fn problem(from: &str, to: &str) -> String {
    let errors = RuleSet::new(vec![spec(from, to)]).unwrap_err();
    errors[0].problem.clone()
}

#[test]
fn bad_rules_say_what_to_write_instead() {
    assert!(problem("ghcr.io/a/", "ghcr.io/a/legacy/").contains("matched by `from` again"));
    assert!(problem("ghcr.io/Gdtiti/grok2api", "ghcr.io/x/y")
        .contains("write `ghcr.io/gdtiti/grok2api`"));
    assert!(problem("k8s.gcr.io", "registry.k8s.io").contains("write the prefix `k8s.gcr.io/`"));
    assert!(problem("nginx", "nginx").contains("nothing would change"));
    assert!(problem("nginx:1.25", "nginx").contains("write `nginx:NEWTAG`"));
    assert!(problem("nginx:1.25", "docker.io/library/nginx:1.25").contains("nothing would change"));
    assert!(problem("k8s.gcr.io/", "k8s.gcr.io/*").contains("nothing would change"));
    assert!(problem("docker.io/", "index.docker.io/").contains("nothing would change"));
    assert!(problem("ghcr.io/a/b", "ghcr.io/a/b").contains("nothing would change"));
    // Changing only the tag is a change.
    assert!(RuleSet::new(vec![spec("nginx:1.25", "nginx:1.27")]).is_ok());
    assert!(problem("nginx", "ghcr.io/a/nginx:1").contains("tags are kept"));
    assert!(problem("https://ghcr.io/a", "ghcr.io/b").contains("not an image reference"));
    assert!(problem("nginx:*", "caddy").contains("every tag and digest; write `nginx`"));
}

#[test]
fn the_same_pattern_twice_is_rejected_with_the_first_rule_named() {
    let mut first = spec("nginx", "ghcr.io/a/nginx");
    first.origin = "reimage.toml:3".into();
    let specs = vec![
        first,
        spec("ghcr.io/b/app", "ghcr.io/c/app"),
        // Another spelling of the same repository.
        spec("docker.io/library/nginx", "ghcr.io/b/nginx"),
    ];
    let errors = RuleSet::new(specs).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].rule, "docker.io/library/nginx → ghcr.io/b/nginx");
    assert!(
        errors[0]
            .problem
            .contains("`nginx` is already a rule (reimage.toml:3)"),
        "{errors:?}"
    );
}

#[test]
fn chained_rules_are_rejected() {
    let errors = RuleSet::new(vec![spec("a/one", "a/two"), spec("a/two", "a/three")]).unwrap_err();
    assert!(
        errors[0].problem.contains("renamed again by `a/two`"),
        "{errors:?}"
    );
}

fn conditioned(from: &str, to: &str, tags: Option<&str>, tag: Option<&str>) -> RuleSpec {
    RuleSpec {
        tags: tags.map(str::to_owned),
        tag: tag.map(str::to_owned),
        ..spec(from, to)
    }
}

fn set_tag(from: &str, to: &str) -> RuleSpec {
    RuleSpec {
        set_tag: true,
        ..spec(from, to)
    }
}

fn verdict_of(set: &RuleSet, text: &str) -> Option<Verdict> {
    set.verdict(&ImageRef::parse(text).unwrap())
}

#[test]
fn tag_window_selects_references_by_loosely_read_tags() {
    let set = RuleSet::new(vec![conditioned(
        "quay.io/coreos/prometheus-operator",
        "quay.io/prometheus-operator/prometheus-operator",
        Some(">=v0.43.0"),
        None,
    )])
    .unwrap();
    assert_eq!(
        rename(&set, "quay.io/coreos/prometheus-operator:v0.44.1").unwrap(),
        "quay.io/prometheus-operator/prometheus-operator:v0.44.1"
    );
    assert_eq!(
        rename(&set, "quay.io/coreos/prometheus-operator:0.43").unwrap(),
        "quay.io/prometheus-operator/prometheus-operator:0.43"
    );
    // Before the window: not this rule's.
    assert_eq!(
        verdict_of(&set, "quay.io/coreos/prometheus-operator:v0.42.1"),
        None
    );
    assert_eq!(
        verdict_of(&set, "quay.io/coreos/prometheus-operator:v0.43.0-rc.1"),
        None
    );
    // No tag, or a tag that is not a version: a human must look.
    for unknown in [
        "quay.io/coreos/prometheus-operator",
        "quay.io/coreos/prometheus-operator:latest",
        "quay.io/coreos/prometheus-operator@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ] {
        assert_eq!(
            verdict_of(&set, unknown),
            Some(Verdict::TagUnknown { rule: 0 }),
            "{unknown}"
        );
    }
}

#[test]
fn bitnami_style_tags_and_exact_tags() {
    let set = RuleSet::new(vec![
        conditioned("bitnami/redis", "bitnamilegacy/redis", Some("<7.4"), None),
        conditioned(
            "bitnami/postgresql",
            "bitnamilegacy/postgresql",
            None,
            Some("16.2.0-debian-12-r4"),
        ),
    ])
    .unwrap();
    assert_eq!(
        rename(&set, "bitnami/redis:7.2.4-debian-12-r4").unwrap(),
        "bitnamilegacy/redis:7.2.4-debian-12-r4"
    );
    assert_eq!(verdict_of(&set, "bitnami/redis:7.4.0-debian-12-r0"), None);
    assert_eq!(
        rename(&set, "bitnami/postgresql:16.2.0-debian-12-r4").unwrap(),
        "bitnamilegacy/postgresql:16.2.0-debian-12-r4"
    );
    assert_eq!(
        verdict_of(&set, "bitnami/postgresql:16.2.0-debian-12-r5"),
        None
    );
}

#[test]
fn windows_of_one_name_coexist_and_fall_through_to_a_prefix() {
    let set = RuleSet::new(vec![
        conditioned("ghcr.io/a/app", "ghcr.io/b/app", Some("<2"), None),
        conditioned("ghcr.io/a/app", "ghcr.io/c/app", Some(">=2"), None),
        spec("ghcr.io/a/", "ghcr.io/z/"),
    ])
    .unwrap();
    assert_eq!(
        rename(&set, "ghcr.io/a/app:1.9").unwrap(),
        "ghcr.io/b/app:1.9"
    );
    assert_eq!(
        rename(&set, "ghcr.io/a/app:2.0").unwrap(),
        "ghcr.io/c/app:2.0"
    );
    assert_eq!(
        rename(&set, "ghcr.io/a/other:1").unwrap(),
        "ghcr.io/z/other:1"
    );
    // The same window twice, or a window beside an unconditional rule, is a duplicate.
    let twice = RuleSet::new(vec![
        conditioned("ghcr.io/a/app", "ghcr.io/b/app", Some("<2"), None),
        conditioned("ghcr.io/a/app", "ghcr.io/c/app", Some("<2"), None),
    ]);
    assert!(twice.unwrap_err()[0].problem.contains("already a rule"));
    let beside = RuleSet::new(vec![
        spec("ghcr.io/a/app", "ghcr.io/b/app"),
        conditioned("ghcr.io/a/app", "ghcr.io/c/app", Some("<2"), None),
    ]);
    assert!(beside.unwrap_err()[0].problem.contains("already a rule"));
}

#[test]
fn bad_conditions_are_rejected_with_advice() {
    let problem = |s: RuleSpec| RuleSet::new(vec![s]).unwrap_err()[0].problem.clone();
    assert!(problem(conditioned("a/b", "a/c", Some(">=soon"), None)).contains("tags:"));
    assert!(problem(conditioned("a/b", "a/c", Some("1"), Some("1"))).contains("not both"));
    assert!(
        problem(conditioned("a/b:1", "a/c", Some(">=1"), None)).contains("already names one tag")
    );
    assert!(problem(conditioned("a/b", "a/c", None, Some("a:b"))).contains("is not a tag"));
    assert!(problem(set_tag("nginx", "caddy")).contains("--set-tag needs a tag"));
    assert!(problem(set_tag("k8s.gcr.io/", "registry.k8s.io/")).contains("--set-tag needs a tag"));
    assert!(problem(spec("nginx", "nginx:1.27")).contains("add --set-tag"));
}

#[test]
fn set_tag_puts_one_tag_everywhere_and_drops_digests() {
    let set = RuleSet::new(vec![set_tag("nginx", "nginx:1.27")]).unwrap();
    let digest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_eq!(rename(&set, "nginx:1.25").unwrap(), "nginx:1.27");
    assert_eq!(rename(&set, "nginx").unwrap(), "nginx:1.27");
    // The name stays as written.
    assert_eq!(
        rename(
            &set,
            &format!("docker.io/library/nginx:1.24-alpine@{digest}")
        )
        .unwrap(),
        "docker.io/library/nginx:1.27"
    );
    assert_eq!(
        rename(&set, &format!("nginx@{digest}")).unwrap(),
        "nginx:1.27"
    );
    // Already there (however spelled, pinned or not): nothing to do, so runs are idempotent.
    assert_eq!(verdict_of(&set, "nginx:1.27"), None);
    assert_eq!(verdict_of(&set, "docker.io/library/nginx:1.27"), None);
    assert_eq!(verdict_of(&set, &format!("nginx:1.27@{digest}")), None);
    // To another name.
    let moved = RuleSet::new(vec![set_tag("nginx", "ghcr.io/acme/nginx:1.27")]).unwrap();
    assert_eq!(
        rename(&moved, "nginx:1.19").unwrap(),
        "ghcr.io/acme/nginx:1.27"
    );
}

#[test]
fn conditions_show_in_the_rule_description() {
    let s = conditioned("a/b", "a/c", Some(">=2"), None);
    assert_eq!(s.to_string(), "a/b → a/c (tags >=2)");
    assert_eq!(
        set_tag("nginx", "nginx:1.27").to_string(),
        "nginx → nginx:1.27 (set tag)"
    );
}

#[test]
fn needles_are_the_text_every_spelling_contains() {
    let set = rules(&[
        ("ghcr.io/gdtiti/grok2api", "ghcr.io/gdtiti/grok2api-api"),
        ("library/nginx", "ghcr.io/a/nginx"),
        ("k8s.gcr.io/", "registry.k8s.io/"),
    ]);
    assert_eq!(
        set.needles().unwrap(),
        vec!["gdtiti/grok2api", "k8s.gcr.io", "nginx"]
    );
}

#[test]
fn settings_equal_to_a_prefix_move_and_wider_ones_are_parts() {
    let set = rules(&[
        ("k8s.gcr.io/", "registry.k8s.io/"),
        ("quay.io/prometheus/", "ghcr.io/acme/prometheus/"),
        (
            "gcr.io/google-samples/demo/",
            "us-docker.pkg.dev/acme/demo/",
        ),
    ]);
    let moves = |v: &str| match set.setting(v) {
        Some(SettingVerdict::Moves { to, .. }) => to,
        other => panic!("{v}: {other:?}"),
    };
    assert_eq!(moves("k8s.gcr.io").as_deref(), Some("registry.k8s.io"));
    assert_eq!(moves("k8s.gcr.io/").as_deref(), Some("registry.k8s.io"));
    assert_eq!(
        moves("gcr.io/google-samples/demo/").as_deref(),
        Some("us-docker.pkg.dev/acme/demo")
    );
    let part = |v: &str| matches!(set.setting(v), Some(SettingVerdict::MovesPart { .. }));
    assert!(part("quay.io"));
    assert!(part("gcr.io/google-samples"));
    assert!(part("gcr.io"));
    assert_eq!(set.setting("gcr.io/google"), None);
    assert_eq!(set.setting("ghcr.io"), None);
    assert_eq!(set.setting("~0.3.2"), None);
    assert_eq!(set.setting("prometheus"), None);
}
