use super::*;
use crate::classify::FileKind;

const GOOD: &str = r#"
[[entry]]
id = "demo"
from = "quay.io/old/app"
to = "quay.io/new/app"
status = "frozen"
deprecated = "2020-01"
frozen = "2020-10-26"
tags = ">=v1.0.0"
source = "https://example.org/notice"
note = "moved"
"#;

fn errors(text: &str) -> Vec<String> {
    Catalog::parse(text)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn catalog_parses_an_entry_with_dates_and_window() {
    let catalog = Catalog::parse(GOOD).unwrap();
    let entry = catalog.get("demo").unwrap();
    assert_eq!(entry.status, Status::Frozen);
    assert_eq!(entry.date(), "2020-10-26");
    assert_eq!(entry.from, vec!["quay.io/old/app"]);
    assert!(entry.tags.as_ref().unwrap().contains("v1.2.0"));
    let rules = entry.rules();
    assert_eq!(rules[0].origin, "catalog:demo");
    let reason = rules[0].reason.as_deref().unwrap();
    assert!(reason.contains("frozen 2020-10-26"), "{reason}");
    assert!(reason.contains("https://example.org/notice"), "{reason}");
}

#[test]
fn catalog_error_names_the_entry_and_the_missing_field() {
    let text = GOOD.replace("source = \"https://example.org/notice\"\n", "");
    assert_eq!(errors(&text), vec!["catalog entry `demo`: needs `source`"]);
    let text = GOOD.replace("note = \"moved\"\n", "");
    assert_eq!(errors(&text), vec!["catalog entry `demo`: needs `note`"]);
}

#[test]
fn catalog_rejects_duplicate_ids_bad_dates_and_statuses() {
    let twice = format!("{GOOD}{GOOD}");
    assert_eq!(
        errors(&twice),
        vec!["catalog entry `demo`: the id is used by an earlier entry"]
    );
    let bad_date = GOOD.replace("2020-10-26", "26/10/2020");
    assert!(errors(&bad_date)[0].contains("must be YYYY-MM-DD"));
    let no_date = GOOD.replace("status = \"frozen\"", "status = \"removed\"");
    assert!(errors(&no_date)[0].contains("status is removed but `removed` has no date"));
    let unknown = GOOD.replace("status = \"frozen\"", "status = \"gone\"");
    assert!(errors(&unknown)[0].contains("must be deprecated, frozen or removed"));
    let http = GOOD.replace("https://example.org", "http://example.org");
    assert!(errors(&http)[0].contains("https://"));
}

#[test]
fn catalog_rejects_entries_whose_rules_are_invalid() {
    let noop = GOOD.replace("quay.io/new/app", "quay.io/old/app");
    let e = errors(&noop);
    assert!(
        e[0].starts_with("catalog entry `demo`: `quay.io/old/app"),
        "{e:?}"
    );
    let bad_from = GOOD.replace("quay.io/old/app\"", "Quay.io/Old\"");
    assert!(errors(&bad_from)[0].contains("demo"));
    let bad_key = GOOD.replace("note =", "notes =");
    assert!(errors(&bad_key)[0].contains("unknown key `notes`"));
    let bad_window = GOOD.replace(">=v1.0.0", ">=soon");
    assert!(errors(&bad_window)[0].contains("tags:"));
}

#[test]
fn catalog_except_must_lie_under_a_from_prefix() {
    let text = r#"
[[entry]]
id = "vendor"
from = "docker.io/vendor/"
to = "docker.io/vendorlegacy/"
status = "deprecated"
deprecated = "2025-08-28"
except = ["docker.io/other/base"]
source = "https://example.org/n"
note = "n"
"#;
    assert!(errors(text)[0].contains("not under any `from` prefix"));
    let fixed = text.replace("docker.io/other/base", "vendor/base");
    assert!(Catalog::parse(&fixed).is_ok());
}

#[test]
fn builtin_catalog_is_valid_and_every_entry_cites_a_source() {
    let catalog = Catalog::parse(MIGRATIONS).unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(catalog.entries.len() >= 15);
    for entry in &catalog.entries {
        assert!(entry.source.starts_with("https://"), "{}", entry.id);
        assert!(!entry.note.is_empty(), "{}", entry.id);
        assert!(!entry.date().is_empty(), "{}", entry.id);
    }
    for id in [
        "k8s-gcr-io",
        "gcr-io-google-containers",
        "gcr-shutdown",
        "bitnami-legacy",
        "prometheus-operator",
        "kube-state-metrics",
        "kube-rbac-proxy",
        "dotnet-core",
        "hub-openjdk",
        "dependabot-core",
        "flannel",
        "owasp-zap-stable",
        "hub-elasticsearch",
    ] {
        assert!(catalog.get(id).is_some(), "missing {id}");
    }
}

#[test]
fn builtin_catalog_rules_form_one_valid_rule_set() {
    let catalog = Catalog::builtin();
    let specs: Vec<RuleSpec> = catalog
        .select(&["all".to_owned()])
        .unwrap()
        .iter()
        .flat_map(|e| e.rules())
        .collect();
    assert!(RuleSet::new(specs).is_ok());
    let denies: Vec<RuleSpec> = catalog
        .entries
        .iter()
        .flat_map(|e| e.deny_rules())
        .collect();
    assert!(RuleSet::new(denies).is_ok());
}

#[test]
fn select_all_skips_ended_entries_and_unknown_ids_fail() {
    let catalog = Catalog::builtin();
    let all = catalog.select(&["all".to_owned()]).unwrap();
    assert!(all.iter().all(|e| e.id != "hub-elasticsearch"));
    assert_eq!(
        catalog
            .select(&["nope".to_owned()])
            .unwrap_err()
            .to_string(),
        "no catalog entry `nope`; `reimage catalog list` shows them"
    );
}

/// Which built-in rule, if any, each reference matches, as `catalog:ID`.
fn matched(reference: &str) -> Option<String> {
    let catalog = Catalog::builtin();
    let specs: Vec<RuleSpec> = catalog.entries.iter().flat_map(|e| e.rules()).collect();
    let set = RuleSet::new(specs.clone()).unwrap();
    let findings = crate::find_in(
        &set,
        FileKind::Compose,
        format!("services:\n  a:\n    image: {reference}\n").as_bytes(),
    );
    let f = findings.first()?;
    let id = f.rule?.0;
    Some(specs[id].origin.clone())
}

#[test]
fn every_entry_matches_its_names_and_not_its_neighbours() {
    let cases: &[(&str, Option<&str>)] = &[
        ("k8s.gcr.io/pause:3.9", Some("catalog:k8s-gcr-io")),
        ("staging-k8s.gcr.io/pause:3.9", None),
        ("registry.k8s.io/pause:3.9", None),
        (
            "gcr.io/google_containers/pause:3.1",
            Some("catalog:gcr-io-google-containers"),
        ),
        (
            "gcr.io/google-containers/pause:3.1",
            Some("catalog:gcr-io-google-containers"),
        ),
        ("gcr.io/my-project/app:1", Some("catalog:gcr-shutdown")),
        ("eu.gcr.io/my-project/app:1", Some("catalog:gcr-shutdown")),
        ("mirror.gcr.io/library/nginx:1", None),
        (
            "gcr.io/kubebuilder/kube-rbac-proxy:v0.16.0",
            Some("catalog:kube-rbac-proxy"),
        ),
        ("quay.io/brancz/kube-rbac-proxy:v0.16.0", None),
        ("bitnami/redis:7.2", Some("catalog:bitnami-legacy")),
        (
            "docker.io/bitnami/postgresql:16",
            Some("catalog:bitnami-legacy"),
        ),
        ("bitnamilegacy/redis:7.2", None),
        (
            "quay.io/coreos/prometheus-operator:v0.45.0",
            Some("catalog:prometheus-operator"),
        ),
        (
            "quay.io/coreos/prometheus-config-reloader:v0.45.0",
            Some("catalog:prometheus-config-reloader"),
        ),
        ("quay.io/coreos/etcd:v3.5.0", None),
        (
            "quay.io/coreos/kube-state-metrics:v1.9.8",
            Some("catalog:kube-state-metrics"),
        ),
        (
            "mcr.microsoft.com/dotnet/core/sdk:3.1",
            Some("catalog:dotnet-core"),
        ),
        (
            "mcr.microsoft.com/dotnet/core-nightly/aspnet:3.1",
            Some("catalog:dotnet-core-nightly"),
        ),
        ("mcr.microsoft.com/dotnet/sdk:8.0", None),
        ("java:8", Some("catalog:hub-java")),
        ("openjdk:17-jdk-slim", Some("catalog:hub-openjdk")),
        ("library/centos:7", Some("catalog:hub-centos")),
        ("quay.io/centos/centos:stream9", None),
        ("consul:1.15", Some("catalog:hub-consul")),
        ("hashicorp/consul:1.15", None),
        ("vault:1.13.3", Some("catalog:hub-vault")),
        ("elasticsearch:8.11.1", Some("catalog:hub-elasticsearch")),
        (
            "dependabot/dependabot-core:0.215.0",
            Some("catalog:dependabot-core"),
        ),
        ("quay.io/coreos/flannel:v0.15.1", Some("catalog:flannel")),
        (
            "owasp/zap2docker-stable:2.14.0",
            Some("catalog:owasp-zap-stable"),
        ),
        ("owasp/zap2docker-weekly", Some("catalog:owasp-zap-weekly")),
        ("zaproxy/zap-stable", None),
    ];
    for (reference, want) in cases {
        assert_eq!(matched(reference).as_deref(), *want, "{reference}");
    }
    // Every entry has at least one case above.
    for entry in &Catalog::builtin().entries {
        let origin = format!("catalog:{}", entry.id);
        assert!(
            cases.iter().any(|(_, w)| *w == Some(origin.as_str())),
            "no fixture for {}",
            entry.id
        );
    }
}

fn report_of(text: &str, entries: &[&Entry]) -> Report {
    let specs: Vec<RuleSpec> = entries.iter().flat_map(|e| e.rules()).collect();
    let set = RuleSet::new(specs).unwrap();
    let findings = crate::find_in(&set, FileKind::Compose, text.as_bytes());
    Report {
        mode: crate::report::Mode::Rename { write: false },
        files: vec![crate::plan::FilePlan {
            path: "compose.yaml".into(),
            findings,
            original: None,
        }],
        errors: Vec::new(),
        warnings: Vec::new(),
        files_scanned: 1,
        binary_skipped: 0,
        rules: set.infos(),
    }
}

fn actions(report: &Report) -> Vec<(String, &'static str)> {
    report
        .findings()
        .map(|(_, f)| (f.reference.clone(), f.action().label()))
        .collect()
}

#[test]
fn conditions_hold_back_tags_before_the_window_and_drop_exceptions() {
    let catalog = Catalog::builtin();
    let entries = catalog
        .select(&["prometheus-operator".into(), "bitnami-legacy".into()])
        .unwrap();
    let text = "services:
  a:
    image: quay.io/coreos/prometheus-operator:v0.40.0
  b:
    image: quay.io/coreos/prometheus-operator:v0.43.0
  c:
    image: quay.io/coreos/prometheus-operator
  d:
    image: bitnami/minideb:bookworm
  e:
    image: bitnami/redis:7.2@sha256:0000000000000000000000000000000000000000000000000000000000000000
  f:
    image: bitnami/redis:7.2
";
    let mut report = report_of(text, &entries);
    let applied = apply_conditions(&mut report, &entries);
    assert_eq!(
        applied,
        Applied {
            excepted: 1,
            held: 3
        }
    );
    let want = [
        ("quay.io/coreos/prometheus-operator:v0.40.0", "stale"),
        ("quay.io/coreos/prometheus-operator:v0.43.0", "rewrite"),
        ("quay.io/coreos/prometheus-operator", "stale"),
        (
            "bitnami/redis:7.2@sha256:0000000000000000000000000000000000000000000000000000000000000000",
            "stale",
        ),
        ("bitnami/redis:7.2", "rewrite"),
    ];
    let got = actions(&report);
    let got: Vec<(&str, &str)> = got.iter().map(|(r, a)| (r.as_str(), *a)).collect();
    assert_eq!(got, want);
}

#[test]
fn conditions_leave_other_rules_alone() {
    let catalog = Catalog::builtin();
    let entries = catalog.select(&["bitnami-legacy".into()]).unwrap();
    let mut report = report_of("services:\n  a:\n    image: bitnami/minideb:1\n", &entries);
    // A rule from elsewhere with the same pattern carries no catalog reason: untouched.
    report.rules[0].reason = None;
    assert_eq!(apply_conditions(&mut report, &entries), Applied::default());
    assert_eq!(report.findings().count(), 1);
}

/// Every condition of the built-in catalog, entry by entry: the tags inside and outside each
/// window, each exception, and digests that are or are not carried.
#[test]
fn every_condition_of_the_builtin_catalog_holds() {
    let digest = "sha256:3d380ca8864549e74af4b29c10f9cb0956236dfb01c40ca076fb6c37253234db";
    let cases: Vec<(&str, String, Option<&str>)> = vec![
        // Windows: inside → rewrite, before → stale (reported, never written), no tag → stale.
        (
            "prometheus-operator",
            "quay.io/coreos/prometheus-operator:v0.42.0".into(),
            Some("rewrite"),
        ),
        (
            "prometheus-operator",
            "quay.io/coreos/prometheus-operator:v0.41.1".into(),
            Some("stale"),
        ),
        (
            "prometheus-config-reloader",
            "quay.io/coreos/prometheus-config-reloader:v0.43.2".into(),
            Some("rewrite"),
        ),
        (
            "prometheus-config-reloader",
            "quay.io/coreos/prometheus-config-reloader:v0.38.1".into(),
            Some("stale"),
        ),
        (
            "kube-state-metrics",
            "quay.io/coreos/kube-state-metrics:v2.0.0".into(),
            Some("rewrite"),
        ),
        (
            "kube-state-metrics",
            "quay.io/coreos/kube-state-metrics:v2.0.0-rc.1".into(),
            Some("stale"),
        ),
        (
            "kube-state-metrics",
            "quay.io/coreos/kube-state-metrics:v1.9.8".into(),
            Some("stale"),
        ),
        (
            "flannel",
            "quay.io/coreos/flannel:v0.17.0".into(),
            Some("rewrite"),
        ),
        (
            "flannel",
            "quay.io/coreos/flannel:v0.15.1-amd64".into(),
            Some("stale"),
        ),
        ("flannel", "quay.io/coreos/flannel".into(), Some("stale")),
        // Exceptions: dropped, not reported.
        ("bitnami-legacy", "bitnami/minideb:bookworm".into(), None),
        ("bitnami-legacy", "docker.io/bitnami/minideb".into(), None),
        (
            "bitnami-legacy",
            "bitnami/redis:7.2".into(),
            Some("rewrite"),
        ),
        (
            "gcr-shutdown",
            "gcr.io/distroless/static:nonroot".into(),
            None,
        ),
        (
            "gcr-shutdown",
            "gcr.io/distroless/java17-debian11".into(),
            None,
        ),
        (
            "gcr-shutdown",
            "gcr.io/my-project/app:1".into(),
            Some("stale"),
        ),
        // Digests: kept by the Kubernetes redirect, not confirmed elsewhere.
        (
            "k8s-gcr-io",
            format!("k8s.gcr.io/pause:3.6@{digest}"),
            Some("rewrite"),
        ),
        ("k8s-gcr-io", "staging-k8s.gcr.io/pause:3.9".into(), None),
        (
            "gcr-io-google-containers",
            format!("gcr.io/google_containers/pause:3.1@{digest}"),
            Some("stale"),
        ),
        (
            "bitnami-legacy",
            format!("bitnami/redis:7.2@{digest}"),
            Some("stale"),
        ),
        (
            "dotnet-core",
            format!("mcr.microsoft.com/dotnet/core/sdk:3.1@{digest}"),
            Some("stale"),
        ),
        (
            "dotnet-core",
            "mcr.microsoft.com/dotnet/core/sdk:3.1".into(),
            Some("rewrite"),
        ),
    ];
    let catalog = Catalog::builtin();
    for (id, reference, want) in &cases {
        let entries = catalog.select(&[id.to_string()]).unwrap();
        let mut report = report_of(
            &format!("services:\n  a:\n    image: {reference}\n"),
            &entries,
        );
        apply_conditions(&mut report, &entries);
        let got = actions(&report).first().map(|(_, a)| *a);
        assert_eq!(got, *want, "{id}: {reference}");
    }
    // Every entry with a condition has its cases above.
    for entry in &catalog.entries {
        let conditional = entry.tags.is_some() || !entry.except.is_empty() || entry.digests_kept;
        if conditional {
            assert!(
                cases.iter().filter(|(id, ..)| *id == entry.id).count() >= 2,
                "no condition cases for {}",
                entry.id
            );
        }
    }
}
