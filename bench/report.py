#!/usr/bin/env python3
"""Helpers for bench/run.sh (Python 3 standard library only).

    report.py rules N OLD                      500 distinct image names, OLD first (one per line)
    report.py rules-toml RULES.txt OLD NEW N   the first N of those names as [[rename]] rules
    report.py expected CORPUS OUT.json         ground-truth positions of OLD for CORPUS, from
                                               CORPUS.positions.json (bench/gen_corpus.py) or from
                                               CORPUS.manifest.json + CORPUS.files.json
                                               (../shared/bench/gen_corpus.py); exit 3 if neither
    report.py verify-tree ORIG TREE EXPECTED OLD NEW OUT.json
                                               is TREE exactly ORIG with OLD replaced by NEW at the
                                               expected positions, and nothing else changed?
    report.py results RESULTS_DIR MD_OUT       write RESULTS.md from the artifacts run.sh left
"""
import collections
import datetime
import json
import os
import re
import subprocess
import sys


# --------------------------------------------------------------------------------------------
# rules
# --------------------------------------------------------------------------------------------

def cmd_rules(n, old):
    """N distinct names: OLD plus N-1 names absent from the corpus, many sharing its prefixes."""
    names = [old]
    owner = old.rsplit("/", 1)[0]                       # ghcr.io/gdtiti
    families = [
        lambda i: f"{old}-worker-{i}",                  # shares the whole literal OLD
        lambda i: f"{owner}/svc-{i:03d}",               # same registry and owner
        lambda i: f"ghcr.io/platform-{i % 17}/job-{i}",
        lambda i: f"quay.io/team{i % 23}/runner-{i}",
        lambda i: f"registry.example.com/infra/service-{i}",
        lambda i: f"docker.io/vendor{i % 29}/agent-{i}",
        lambda i: f"k8s.gcr.io/addon-{i}",
        lambda i: f"{i % 7}{i}.dkr.ecr.eu-west-1.amazonaws.com/app/api-{i}",
    ]
    i = 0
    while len(names) < n:
        names.append(families[i % len(families)](i))
        i += 1
    assert len(set(names)) == n
    print("\n".join(names))


def cmd_rules_toml(rules_txt, old, new, n):
    """The first N names of rules_txt as [[rename]] rules: OLD -> NEW, every other X -> X-moved."""
    names = [l.strip() for l in open(rules_txt) if l.strip()][:n]
    out = [f"# {n} rename rules for bench/run.sh (generated)"]
    for x in names:
        out += ["", "[[rename]]", f'from = "{x}"', f'to = "{new if x == old else x + "-moved"}"']
    print("\n".join(out))


# --------------------------------------------------------------------------------------------
# ground truth
# --------------------------------------------------------------------------------------------

def load_expected(corpus):
    """{path: [byte offsets]} of the references a correct rename must change, and a description."""
    corpus = corpus.rstrip("/")
    man_path, pos_path, files_path = corpus + ".manifest.json", corpus + ".positions.json", corpus + ".files.json"
    manifest = json.load(open(man_path)) if os.path.exists(man_path) else None
    if os.path.exists(pos_path):
        pos = json.load(open(pos_path))
        exp = {p: sorted(x[2] for x in v) for p, v in pos.items()}
        forms = {(p, x[2]): f"{x[3]}/{x[4]}" for p, v in pos.items() for x in v}
        src = f"{os.path.basename(pos_path)} (planted positions, bench/gen_corpus.py)"
    elif manifest and os.path.exists(files_path) and "true_ref_regex_python" in manifest:
        rx = re.compile(manifest["true_ref_regex_python"].encode(), re.M)
        files = json.load(open(files_path))
        exp, forms = {}, {}
        for p in sorted(files):
            with open(os.path.join(corpus, p), "rb") as f:
                exp[p] = [m.start() for m in rx.finditer(f.read())]
        src = (f"{os.path.basename(files_path)} + the manifest's true_ref_regex_python "
               "(corpus from ../shared/bench/gen_corpus.py)")
    else:
        return None
    occ = (manifest or {}).get("true_refs", {}).get("occurrences")
    split = (manifest or {}).get("structural_refs_without_literal", {})
    split_note = None
    if split.get("helm_or_workflow_split_visible_hidden"):
        split_note = (f"That manifest also lists {split['helm_or_workflow_split_visible_hidden']} split references "
                      "(`registry: ghcr.io` + `repository: gdtiti/grok2api` in Helm values, or workflow "
                      "`REGISTRY`/`IMAGE_NAME`) under `structural_refs_without_literal`, outside "
                      "`true_refs.occurrences`; a structural rename may legitimately rewrite some of them.")
    return {"source": src, "positions": exp, "split_note": split_note, "forms": {f"{p}\t{b}": v for (p, b), v in forms.items()},
            "manifest_occurrences": occ, "planted": sum(len(v) for v in exp.values()),
            "generator": (manifest or {}).get("generator", {})}


def cmd_expected(corpus, out):
    e = load_expected(corpus)
    if e is None:
        sys.exit(3)
    json.dump(e, open(out, "w"))


# --------------------------------------------------------------------------------------------
# tree verification
# --------------------------------------------------------------------------------------------

def walk_files(root):
    for dp, dns, fns in os.walk(root):
        dns.sort()
        for fn in sorted(fns):
            p = os.path.join(dp, fn)
            if not os.path.islink(p):
                yield os.path.relpath(p, root).replace(os.sep, "/")


def cmd_verify_tree(orig, tree, expected, old, new, out):
    exp = json.load(open(expected))["positions"]
    old_b, new_b = old.encode(), new.encode()
    res = {"files_expected_to_change": 0, "files_correct": 0, "wrong": [], "unexpected_changes": [],
           "missing_files": [], "extra_files": []}
    orig_files, tree_files = set(walk_files(orig)), set(walk_files(tree))
    res["missing_files"] = sorted(orig_files - tree_files)[:20]
    res["extra_files"] = sorted(tree_files - orig_files)[:20]
    for rel in sorted(orig_files & tree_files):
        a = open(os.path.join(orig, rel), "rb").read()
        b = open(os.path.join(tree, rel), "rb").read()
        offs = exp.get(rel) or []
        if offs:
            res["files_expected_to_change"] += 1
            want, last = [], 0
            for o in offs:
                assert a[o:o + len(old_b)] == old_b, (rel, o)
                want += [a[last:o], new_b]
                last = o + len(old_b)
            want.append(a[last:])
            if b"".join(want) == b:
                res["files_correct"] += 1
            else:
                res["wrong"].append({"path": rel, "detail": describe_diff(b"".join(want), b)})
        elif a != b:
            res["unexpected_changes"].append({"path": rel, "detail": describe_diff(a, b)})
    res["ok"] = not (res["wrong"] or res["unexpected_changes"] or res["missing_files"] or res["extra_files"])
    res["n_wrong"], res["n_unexpected"] = len(res["wrong"]), len(res["unexpected_changes"])
    res["wrong"], res["unexpected_changes"] = res["wrong"][:15], res["unexpected_changes"][:15]
    json.dump(res, open(out, "w"), indent=1)


def describe_diff(want, got):
    """First differing line: 'line N: want … | got …'."""
    wl, gl = want.split(b"\n"), got.split(b"\n")
    for i, (x, y) in enumerate(zip(wl, gl)):
        if x != y:
            return f"line {i + 1}: want {short(x)} | got {short(y)}"
    return f"length differs: want {len(wl)} lines, got {len(gl)} lines"


def short(b, n=110):
    s = b.decode("utf-8", "replace").strip()
    return repr(s if len(s) <= n else s[:n] + "…")


# --------------------------------------------------------------------------------------------
# findings vs ground truth
# --------------------------------------------------------------------------------------------

def findings(path, action):
    try:
        d = json.load(open(path))
    except (OSError, ValueError) as e:
        return None, None, f"unreadable ({e})"
    got = {}
    for f in d.get("findings", []):
        if f.get("action") == action:
            got.setdefault(f["path"].removeprefix("./"), []).append(f)
    return d, got, None


def line_of(corpus, rel, off):
    try:
        data = open(os.path.join(corpus, rel), "rb").read()
    except OSError:
        return 0, ""
    s = data.rfind(b"\n", 0, off) + 1
    e = data.find(b"\n", off)
    return data.count(b"\n", 0, off) + 1, data[s:e if e >= 0 else len(data)].decode("utf-8", "replace").strip()


def classify_line(text):
    """A coarse label for where a missed/extra reference sits, for the report."""
    t = text.strip()
    for pat, label in [(r"uses:\s*docker://", "workflow `uses: docker://IMAGE`"),
                       (r"^repository:\s*[a-z0-9-]+/[a-z0-9-]+\s*$",
                        "Helm split map `repository:` (registry on another line)"),
                       (r"^-?\s*image:", "YAML `image:` value"), (r"^\s*(FROM|COPY|RUN)\b", "Dockerfile instruction"),
                       (r"^\s*#|^\s*//", "comment"), (r"docker (run|pull|push|tag)", "docker command"),
                       (r"\$\{[A-Z_]+:-", "`${VAR:-default}`"), (r"^\|", "Markdown table"),
                       (r"`", "Markdown code span"), (r"tags:", "build-push `tags:`"),
                       (r"=", "assignment / flag value")]:
        if re.search(pat, t):
            return label
    return "other"


def position_diff(corpus, expected, got_by_path, limit=12):
    exp = {(p, o) for p, v in expected["positions"].items() for o in v}
    got = {(p, f["byte_range"][0]) for p, fs in got_by_path.items() for f in fs}
    missed, extra = sorted(exp - got), sorted(got - exp)
    out = {"missed": len(missed), "extra": len(extra), "missed_by_place": collections.Counter(),
           "extra_by_place": collections.Counter(), "missed_examples": [], "extra_examples": []}
    forms = expected.get("forms", {})
    for kind, items in (("missed", missed), ("extra", extra)):
        for p, o in items:
            ln, text = line_of(corpus, p, o)
            label = classify_line(text)
            key = f"{p}\t{o}"
            if kind == "missed" and key in forms:
                label += f" [planted {forms[key]}]"
            out[kind + "_by_place"][label] += 1
            if len(out[kind + "_examples"]) < limit:
                out[kind + "_examples"].append(f"{p}:{ln} (byte {o}): {text[:140]}")
    return out


# --------------------------------------------------------------------------------------------
# RESULTS.md
# --------------------------------------------------------------------------------------------

def hf(path):
    """{command name: (mean, stddev, min, runs)} from a hyperfine JSON export."""
    try:
        d = json.load(open(path))
    except (OSError, ValueError):
        return {}
    return {r["command"]: (r["mean"], r.get("stddev") or 0.0, r["min"], len(r.get("times", []))) for r in d["results"]}


def fmt_t(x):
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.3f} s"


def esc(s):
    """Escape a Markdown table cell (a `|` inside a code span still ends the cell)."""
    return str(s).replace("|", "\\|")


def verdict(ok):
    return "MATCH" if ok else "**MISMATCH**"


def machine():
    def sh(c):
        try:
            return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""
    cpu = ""
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            mem = int(line.split()[1]) / 1024 / 1024
    return {"nproc": sh("nproc"), "cpu": cpu or sh("uname -m"), "ram": f"{mem:.1f} GiB",
            "kernel": sh("uname -sr"), "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def read_kv(path):
    out = {}
    if os.path.exists(path):
        for line in open(path):
            if "\t" in line:
                k, v = line.rstrip("\n").split("\t", 1)
                out[k] = v
    return out


def corpus_section(label, d, md, summary):
    meta = read_kv(os.path.join(d, "meta.tsv"))
    corpus = meta.get("corpus", "")
    old, new = meta.get("old", ""), meta.get("new", "")
    md.append(f"## Corpus `{label}`\n")
    md.append(f"- tree: `{corpus}` — {meta.get('files', '?')} files, {int(meta.get('bytes', 0)) / 1e6:.1f} MB "
              f"({meta.get('origin', '')})")
    md.append(f"- rename: `{old}` → `{new}`; {meta.get('runs', '?')} runs per command after 2 warm-up runs, "
              f"warm page cache, default thread count ({meta.get('nproc', '?')} cores)\n")

    scan, ren = hf(os.path.join(d, "scan.json")), hf(os.path.join(d, "rename.json"))
    conf = hf(os.path.join(d, "config.json"))
    rows = []
    ratios = {}

    def ratio(name, a, b, target):
        if a in src and b in src:
            r = src[a][0] / src[b][0]
            ratios[name] = r
            ok = target is None or r <= target
            tgt, res = ("—", "informational") if target is None else (f"≤ {target}×", "met" if ok else "NOT met")
            rows.append(f"| {esc(name)} | {fmt_t(src[a][0])} ± {fmt_t(src[a][1])} | {fmt_t(src[b][0])} ± {fmt_t(src[b][1])} "
                        f"| **{r:.2f}×** | {tgt} | {res} |")
            summary.append((label, name, r, target, ok))

    src = scan
    ratio("scan: `reimage check --deny OLD .` / `rg -l -F --hidden -g '!.git' OLD`", "reimage check (1 rule)", "rg -l -F", 1.1)
    ratio("500 rules / 1 rule (`reimage check`, 500 × `--deny`)", "reimage check (500 rules)", "reimage check (1 rule)", 1.3)
    cat = next((k for k in scan if k.startswith("reimage check --catalog")), None)
    if cat:
        ratio("catalog / 1 rule (`reimage check --catalog --deny OLD`, every catalog entry loaded)", cat,
              "reimage check (1 rule)", 1.3)
    src = conf
    n_rules = next((k.split("(")[1].split()[0] for k in conf if "rules)" in k), "500")
    ratio(f"{n_rules} rules / 1 rule (`reimage rename --config rules.toml .`, preview)",
          f"reimage rename --config ({n_rules} rules)", "reimage rename --config (1 rule)", 1.3)
    src = ren
    ratio("rename: `reimage rename OLD NEW -w .` / `rg -l -0 … | xargs -0 sd RE NEW`", "reimage rename -w", "rg | xargs sd", 0.8)
    if "fastmod" in ren:
        ratio("rename: `reimage rename -w` / `fastmod --accept-all` (informational)", "reimage rename -w", "fastmod", None)
    md.append("### Speed\n")
    md.append("| comparison | reimage (mean ± σ) | baseline (mean ± σ) | ratio | target | |")
    md.append("|---|---:|---:|---:|---:|---|")
    md.extend(rows)
    md.append("")
    md.append("All timed commands (hyperfine, `--warmup 2`):\n")
    md.append("| command | mean | σ | min | runs |")
    md.append("|---|---:|---:|---:|---:|")
    noisy = []
    for part in (scan, conf, ren):
        for name, (m, s, mn, n) in part.items():
            md.append(f"| {esc(name)} | {fmt_t(m)} | {fmt_t(s)} | {fmt_t(mn)} | {n} |")
            if m and s / m > 0.15:
                noisy.append(name)
    md.append("")
    if noisy:
        md.append(f"Noisy: σ is more than 15% of the mean for {', '.join(f'`{x}`' for x in noisy)}; the ratios "
                  "above are rough. Rerun on an idle machine, with more `--runs`, or on the default corpus.\n")

    rss = read_kv(os.path.join(d, "rss.tsv"))
    if rss:
        md.append("### Peak memory (`/usr/bin/time -v`, maximum resident set size)\n")
        md.append("| command | peak RSS |")
        md.append("|---|---:|")
        worst = 0
        for k, v in rss.items():
            kb = int(v or 0)
            md.append(f"| {esc(k)} | {kb / 1024:.1f} MiB |")
            if k.startswith("reimage"):
                worst = max(worst, kb)
        ok = worst <= 64 * 1024
        md.append(f"\nreimage peak: **{worst / 1024:.1f} MiB** (target ≤ 64 MiB: {'met' if ok else 'NOT met'})\n")
        summary.append((label, "peak RSS (MiB)", worst / 1024, 64, ok))

    # ---- correctness ------------------------------------------------------------------------
    md.append("### Correctness (speed that loses correctness does not count)\n")
    exp = None
    ep = os.path.join(d, "expected.json")
    if os.path.exists(ep):
        exp = json.load(open(ep))
    planted = exp["planted"] if exp else None
    man = exp.get("manifest_occurrences") if exp else None
    if exp:
        md.append(f"Ground truth: {exp['source']}.")
        md.append(f"Planted references: **{planted}**; manifest `true_refs.occurrences`: **{man}**.\n")
        split = exp.get("split_note")
        if split:
            md.append(split + "\n")
    else:
        md.append("No manifest next to this corpus: counts are shown without a reference number.\n")
    md.append("| check | reimage / tool | expected | result |")
    md.append("|---|---:|---:|---|")
    correctness_ok = True

    def row(name, got, want, ok=None):
        nonlocal correctness_ok
        if ok is None:
            ok = want is None or got == want
        if want is None:
            md.append(f"| {esc(name)} | {esc(got)} | n/a | — |")
            return
        correctness_ok &= bool(ok)
        md.append(f"| {esc(name)} | {esc(got)} | {want} | {verdict(ok)} |")

    if exp and man is not None and man != planted:
        row("planted positions vs manifest `true_refs.occurrences`", planted, man)
    diffs = {}
    for key, fname, action, what in [("check1", "check-1.json", "stale", "`check --deny OLD` → `summary.stale`"),
                                     ("check500", "check-500.json", "stale", "`check` with 500 `--deny` → `summary.stale`"),
                                     ("preview", "preview.json", "rewrite", "`rename OLD NEW` preview → `summary.rewrite`"),
                                     ("config", "config-500.json", "rewrite",
                                      "`rename --config` with 500 `[[rename]]` rules → `summary.rewrite`")]:
        if key == "config" and not os.path.exists(os.path.join(d, fname)):
            continue
        doc, got, err = findings(os.path.join(d, fname), action)
        if err:
            row(what, err, planted, False)
            continue
        n = doc["summary"].get(action)
        row(what, n, man if man is not None else planted)
        if doc.get("errors"):
            row(f"{what}: errors reported", len(doc["errors"]), 0)
        if exp:
            diffs[key] = position_diff(corpus, exp, got)
    if "check1" in diffs:
        pd = diffs["check1"]
        row("`check` findings at exactly the planted positions (path + byte): missed / extra",
            f"{pd['missed']} / {pd['extra']}", "0 / 0", pd["missed"] == 0 and pd["extra"] == 0)
    if "preview" in diffs:
        pd = diffs["preview"]
        row("`rename` preview findings at exactly the planted positions: missed / extra",
            f"{pd['missed']} / {pd['extra']}", "0 / 0", pd["missed"] == 0 and pd["extra"] == 0)
    for tool, fname in [("`reimage rename -w`", "tree-reimage.json"), ("`rg | xargs sd`", "tree-sd.json"),
                        ("`fastmod` (informational)", "tree-fastmod.json")]:
        p = os.path.join(d, fname)
        if not os.path.exists(p):
            continue
        t = json.load(open(p))
        ok = t["ok"]
        got = (f"{t['files_correct']}/{t['files_expected_to_change']} files right, {t['n_wrong']} wrong, "
               f"{t['n_unexpected']} changed that should not be")
        if "informational" in tool:
            md.append(f"| tree after {esc(tool)} = original with exactly the expected edits | {got} | all right, 0 other | "
                      f"{'MATCH' if ok else 'MISMATCH (not counted)'} |")
        else:
            row(f"tree after {tool} = original with exactly the expected edits", got, "all right, 0 other", ok)
    after = read_kv(os.path.join(d, "after.tsv"))
    if "rewrite_after_w" in after:
        row("idempotence: `rename` preview on the renamed tree → `summary.rewrite`", after["rewrite_after_w"], 0,
            after["rewrite_after_w"] == "0")
    if "stale_after_w" in after:
        row("`check --deny OLD` on the renamed tree → `summary.stale`", after["stale_after_w"], 0,
            after["stale_after_w"] == "0")
    if "deterministic" in after:
        row("deterministic: `check --format json` twice and with `-j 1` byte-identical", after["deterministic"], "yes",
            after["deterministic"] == "yes")
    if "rg_files" in after:
        want = exp_rg(corpus)
        if want is not None:
            row("`rg -l -F --hidden -g '!.git' OLD` files (sanity check of the baseline's scope)", after["rg_files"], want,
                str(want) == after["rg_files"])
        else:
            row("`rg -l -F --hidden -g '!.git' OLD` files", after["rg_files"], None)
    md.append("")
    for key, title in (("check1", "`check`"), ("preview", "`rename` preview")):
        pd = diffs.get(key)
        if not pd or (pd["missed"] == 0 and pd["extra"] == 0):
            continue
        md.append(f"#### {title}: findings vs planted positions\n")
        for kind in ("missed", "extra"):
            if pd[kind]:
                what = "planted but not reported" if kind == "missed" else "reported but not planted"
                md.append(f"{pd[kind]} {what}, by place: " +
                          ", ".join(f"{k} ×{v}" for k, v in pd[kind + "_by_place"].most_common()))
                md.append("")
                md.append("```text")
                md.extend(pd[kind + "_examples"])
                md.append("```\n")
    for fname, tool in (("tree-reimage.json", "reimage rename -w"), ("tree-sd.json", "rg | xargs sd"),
                        ("tree-fastmod.json", "fastmod (informational)")):
        p = os.path.join(d, fname)
        if os.path.exists(p):
            t = json.load(open(p))
            if not t["ok"]:
                md.append(f"#### `{tool}`: files that differ from the expected rename\n")
                md.append("```text")
                for w in t["wrong"] + t["unexpected_changes"]:
                    md.append(f"{w['path']}: {w['detail']}")
                md.extend(f"missing: {m}" for m in t["missing_files"])
                md.extend(f"extra: {m}" for m in t["extra_files"])
                md.append("```\n")
    summary.append((label, "correctness", None, None, correctness_ok))
    return ratios, meta


def exp_rg(corpus):
    m = corpus.rstrip("/") + ".manifest.json"
    if not os.path.exists(m):
        return None
    man = json.load(open(m))
    e = man.get("expected", man.get("expected_tool_results", {}))
    for k, v in e.items():
        if k.startswith("rg -l -F") and "--hidden -g '!.git'" in k:
            return v
    return None


def cmd_results(rdir, md_out):
    labels = [l for l in ("default", "small", "custom") if os.path.isdir(os.path.join(rdir, l))
              and os.path.exists(os.path.join(rdir, l, "meta.tsv"))]
    mach = machine()
    info = read_kv(os.path.join(rdir, "info.tsv"))
    md = ["# reimage benchmark results", "",
          "Written by `bench/run.sh` (rerunning overwrites this file). See `bench/README.md` for what each number means.", "",
          f"- date: {mach['date']}",
          f"- machine: {mach['nproc']} cores, {mach['cpu']}, {mach['ram']} RAM, {mach['kernel']}",
          f"- reimage: {info.get('reimage', '?')}",
          f"- peers: {info.get('rg', '?')}; {info.get('sd', '?')}; {info.get('fastmod', '?')}; {info.get('hyperfine', '?')}",
          f"- command: `{info.get('cmdline', 'bench/run.sh')}`", ""]
    body, summary, per = [], [], {}
    for l in labels:
        per[l] = corpus_section(l, os.path.join(rdir, l), body, summary)
    # scaling
    scal = []
    if "default" in per and "small" in per:
        (rs, ms), (rd, mdm) = per["small"], per["default"]
        sb, db = int(ms.get("bytes", 1)), int(mdm.get("bytes", 1))
        sf, df = int(ms.get("files", 1)), int(mdm.get("files", 1))
        scal.append("## Scaling: small → default corpus\n")
        scal.append(f"Bytes grow {db / sb:.2f}×, files {df / sf:.2f}×. Linear cost means time grows by about the same "
                    "factor (less, when a fixed start-up cost dominates the small corpus).\n")
        scal.append("| command | small | default | time ratio | µs / MB small → default | linear |")
        scal.append("|---|---:|---:|---:|---:|---|")
        for fname, names in (("scan.json", ["reimage check (1 rule)", "reimage check (500 rules)", "rg -l -F"]),
                             ("rename.json", ["reimage rename -w", "rg | xargs sd"])):
            a, b = hf(os.path.join(rdir, "small", fname)), hf(os.path.join(rdir, "default", fname))
            for n in names:
                if n in a and n in b:
                    tr = b[n][0] / a[n][0]
                    per_s, per_d = a[n][0] / (sb / 1e6) * 1e6, b[n][0] / (db / 1e6) * 1e6
                    lin = per_d <= per_s * 1.25
                    scal.append(f"| {esc(n)} | {fmt_t(a[n][0])} | {fmt_t(b[n][0])} | {tr:.2f}× | {per_s:.0f} → {per_d:.0f} | "
                                f"{'yes' if lin else '**no** (super-linear)'} |")
                    if n.startswith("reimage"):
                        summary.append(("small→default", f"{n}: cost per MB ratio", per_d / per_s, 1.25, lin))
        scal.append("")
    else:
        scal.append("## Scaling\n")
        scal.append("Not measured in this run: it needs both corpora (`bench/run.sh` without `--small`/`--corpus`).\n")
    md.append("## Summary\n")
    md.append("| corpus | measure | value | target | |")
    md.append("|---|---|---:|---:|---|")
    for label, name, val, target, ok in summary:
        if val is None:
            md.append(f"| {label} | {esc(name)} | {'all MATCH' if ok else 'MISMATCH (see below)'} | exact | "
                      f"{'ok' if ok else '**fails**'} |")
        else:
            unit = "" if "RSS" in name else "×"
            tgt = f"≤ {target}{unit}" if target is not None else "—"
            res = "informational" if target is None else "met" if ok else "**not met**"
            md.append(f"| {label} | {esc(name)} | {val:.2f}{unit} | {tgt} | {res} |")
    md.append("")
    md.extend(body)
    md.extend(scal)
    notes = os.path.join(os.path.dirname(os.path.abspath(md_out)), "PROFILE.md")
    if os.path.exists(notes):  # what profiling showed and what changed because of it
        md += ["", open(notes).read().rstrip()]
    open(md_out, "w").write("\n".join(md).rstrip() + "\n")
    # short console summary
    for label, name, val, target, ok in summary:
        v = ("all MATCH" if ok else "MISMATCH") if val is None else f"{val:.2f}"
        print(f"  [{label}] {name}: {v}" + ("" if val is None or target is None else f" (target <= {target}: {'met' if ok else 'NOT met'})"))


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    c = a[0]
    if c == "rules":
        cmd_rules(int(a[1]), a[2])
    elif c == "rules-toml":
        cmd_rules_toml(a[1], a[2], a[3], int(a[4]))
    elif c == "expected":
        cmd_expected(a[1], a[2])
    elif c == "verify-tree":
        cmd_verify_tree(*a[1:7])
    elif c == "results":
        cmd_results(a[1], a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
