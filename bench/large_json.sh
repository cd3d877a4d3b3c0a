#!/usr/bin/env bash
# Peak memory of `reimage list` on large JSON files (issue 12, item 19): generates a 60 MB
# single-line array of objects with image keys, the same objects pretty-printed (59 MB), and a
# 12 MB document of four million small numbers, then runs `/usr/bin/time -v BIN list FILE` on each.
# usage: bench/large_json.sh [BIN] [DIR]   (BIN defaults to target/release/reimage)
set -euo pipefail
BIN=${1:-target/release/reimage}
DIR=${2:-$(mktemp -d)}
mkdir -p "$DIR"
python3 - "$DIR" <<'PY'
import json, sys
d = sys.argv[1]
out, size, i = [], 0, 0
while size < 60_000_000:
    o = {"name": f"svc-{i}", "image": f"ghcr.io/acme/app-{i % 500}:1.{i % 17}.{i % 5}",
         "replicas": i % 7,
         "labels": {"team": "platform", "tier": "backend", "owner": f"user{i % 91}@acme.example"},
         "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "REGION", "value": "eu-west-1"}],
         "description": "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
                        "tempor incididunt ut labore." * 2}
    s = json.dumps(o)
    out.append(s); size += len(s) + 2; i += 1
open(f"{d}/big-line.json", "w").write("[" + ", ".join(out) + "]")
open(f"{d}/big-pretty.json", "w").write(json.dumps([json.loads(s) for s in out[:100_000]], indent=2))
open(f"{d}/numbers.json", "w").write(json.dumps(
    {"services": {"web": {"image": "ghcr.io/acme/web:1"}}, "samples": [i % 10 for i in range(4_000_000)]}))
PY
for f in big-line big-pretty numbers; do
  printf '%s (%s bytes): ' "$f.json" "$(stat -c %s "$DIR/$f.json")"
  /usr/bin/time -f '%M KiB peak RSS, %e s' "$BIN" list "$DIR/$f.json" 2>&1 >/dev/null | tail -1
done
