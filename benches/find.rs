//! Micro-benchmarks of the per-file work: the needle prefilter and tokenizer on text without and
//! with references (1 rule and 500 rules), and the structural YAML finder on realistic files.
//! Run with `cargo bench --bench find`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use reimage::classify::FileKind;
use reimage::{Finder, RuleSet, RuleSpec};

const OLD: &str = "ghcr.io/gdtiti/grok2api";

fn rules(count: usize) -> RuleSet {
    let mut specs = vec![RuleSpec::rename(OLD, format!("{OLD}-api"), "bench")];
    for i in 1..count {
        specs.push(RuleSpec::rename(
            format!("registry{}.example.com/team{i}/service-{i}", i % 7),
            format!("registry{}.example.com/team{i}/service-{i}-next", i % 7),
            "bench",
        ));
    }
    RuleSet::new(specs).unwrap()
}

/// Source-code-like noise: identifiers, paths, URLs, comments; `with_refs` plants references.
fn noise(size: usize, with_refs: bool) -> Vec<u8> {
    let lines = [
        "func (s *Server) handleRequest(ctx context.Context, req *pb.Request) (*pb.Response, error) {\n",
        "\t// see https://github.com/gdtiti/grok2api/blob/main/docs/api.md for the wire format\n",
        "\tpath := filepath.Join(s.root, \"var/lib/cache\", req.GetKey())\n",
        "\tif err := s.store.Put(ctx, path, req.Payload); err != nil { return nil, err }\n",
        "}\n",
    ];
    let mut out = Vec::with_capacity(size + 200);
    let mut i = 0;
    while out.len() < size {
        out.extend_from_slice(lines[i % lines.len()].as_bytes());
        if with_refs && i % 40 == 0 {
            out.extend_from_slice(format!("\t// image: {OLD}:v{i}\n").as_bytes());
        }
        i += 1;
    }
    out
}

fn prefilter_and_tokenizer(c: &mut Criterion) {
    let mut group = c.benchmark_group("text");
    for (label, with_refs) in [("no-refs", false), ("with-refs", true)] {
        let text = noise(1 << 20, with_refs);
        group.throughput(Throughput::Bytes(text.len() as u64));
        for count in [1, 500] {
            let finder = Finder::new(&rules(count));
            group.bench_with_input(
                BenchmarkId::new(format!("{label}/rules"), count),
                &text,
                |b, text| b.iter(|| finder.find(FileKind::Text, black_box(text))),
            );
        }
    }
    group.finish();
}

fn yaml_finder(c: &mut Criterion) {
    let compose = include_bytes!("../testdata/seed/repo/docker-compose.yml");
    let deployment = include_bytes!("../testdata/seed/repo/k8s/deployment.yaml");
    let mut group = c.benchmark_group("yaml");
    let rename = Finder::new(&rules(1));
    let hub = Finder::new(
        &RuleSet::new(vec![RuleSpec::rename(
            "redis",
            "ghcr.io/acme/redis",
            "bench",
        )])
        .unwrap(),
    );
    for (name, text, kind) in [
        ("compose", &compose[..], FileKind::Compose),
        ("deployment", &deployment[..], FileKind::Kubernetes),
    ] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("qualified", name), text, |b, text| {
            b.iter(|| rename.find(kind, black_box(text)));
        });
        group.bench_with_input(BenchmarkId::new("hub-name", name), text, |b, text| {
            b.iter(|| hub.find(kind, black_box(text)));
        });
    }
    group.finish();
}

criterion_group!(benches, prefilter_and_tokenizer, yaml_finder);
criterion_main!(benches);
