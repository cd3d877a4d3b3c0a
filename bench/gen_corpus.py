#!/usr/bin/env python3
"""Generate the deterministic multi-repository corpus that `bench/run.sh` measures.

Python 3 standard library only. Everything is derived from --seed, so the same options always
produce the same bytes and the same manifest.

    bench/gen_corpus.py OUT                     # 40 repositories, ~30k files, ~420 MB
    bench/gen_corpus.py OUT --small             # 8 repositories, ~3k files
    bench/gen_corpus.py OUT --repos 4 --files-per-repo 100 --seed 7

Each repository mixes Kubernetes manifests, Compose files, Helm charts, kustomizations,
Dockerfiles, GitHub/GitLab CI, shell/PowerShell scripts, Makefiles, TOML/JSON/env configs,
Markdown, source-code noise, large generated files, binaries, gitignored folders
(node_modules/, target/, dist/, *.log, a nested .gitignore), a `.git/` directory and symlinks;
some files are CRLF, BOM-prefixed or Latin-1.

References to OLD (ghcr.io/gdtiti/grok2api) are planted with tags, digests, tag+digest,
`:${TAG}`-style tags, bare, inside `${IMG:-...}` defaults, in comments and in prose. Next to
them sit decoys that a whole-name matcher must leave alone (`-api`, `2`, `_legacy`, `-server`
siblings, the nested `/cache` repository, `myghcr.io/...`, another owner, another registry, the
path-only `gdtiti/grok2api`, URLs) and Helm split registry/repository maps that hold *other*
images (noise only).

Every planted reference is recorded with its byte position. After writing, the whole tree is
read back and matched with VERIFY_RE, a regex written independently of the planting code; the
generator aborts unless every file's matches are exactly the planted positions.

Outputs:
  OUT/                    the tree (OUT/repo-000 ... OUT/repo-NNN)
  OUT.manifest.json       counts; `true_refs.occurrences` is what a correct rename must change
                          (text files outside gitignored folders and .git/, symlinks not followed)
  OUT.positions.json      {path: [[line, column, byte, form, place], ...]} for those references
"""
import argparse
import collections
import json
import os
import random
import re
import shutil
import sys
import time
import zlib

OLD = "ghcr.io/gdtiti/grok2api"
LITERAL = OLD.encode()

# Independent check of what was planted: OLD as a whole image name.
#   left:  start of line, or a character that cannot be part of a reference, or a `:-` default;
#   right: `:` (tag or `${TAG}`), `@` (digest), whitespace, a quote, `)`, `,`, backtick, `}`,
#          a sentence-final `.` followed by whitespace or the end, or the end of the line/file.
VERIFY_RE = re.compile(
    rb"(?:(?<=:-)|(?<![\w.\-/:@]))ghcr\.io/gdtiti/grok2api"
    rb"(?=[:@]|[ \t\r\n\"'`),}]|\.(?:[ \t\r\n]|$)|$)",
    re.M,
)

MARK = "\ue000"          # precedes every counted reference while a file is being built
CODE0 = 0xE100           # the character after MARK encodes (form, place)
FORMS = ["tag", "digest", "tag_digest", "bare", "var_tag"]
PLACES = ["value", "comment", "prose", "sentence_end", "shell_default", "command"]

TAGS = ["latest", "main", "edge", "stable", "nightly", "dev", "1.0.0", "1.4.2", "v1.4.2", "v2.0.0-rc.1",
        "2.1", "v1", "sha-8e1d0c4", "1.2.3-alpine", "2024.11.05", "0.9.17", "v3.2.0-debian", "pr-4711",
        "latest-amd64", "main-arm64", "hf-amd64-v1.0.0"]
VAR_TAGS = ["${TAG}", "$TAG", "${VERSION:-latest}", "${IMAGE_TAG}", "${GROK_TAG:-1.4.2}"]
UNRELATED = ["nginx:1.27-alpine", "redis:7.4-alpine", "postgres:16.4", "busybox:1.36", "alpine:3.20",
             "ghcr.io/gdtiti/webui:0.5.2", "ghcr.io/gdtiti/tokenizer:1.1.0",
             "quay.io/prometheus/node-exporter:v1.8.2", "docker.io/library/python:3.12-slim",
             "registry.k8s.io/pause:3.10", "curlimages/curl:8.10.1", "ghcr.io/openai-proxy/grok:2.0",
             "mcr.microsoft.com/devcontainers/base:bookworm", "gcr.io/distroless/static-debian12:nonroot"]
VOCAB = ("ledger orbit vector kernel lattice harbor beacon cipher fabric signal relay anchor prism "
         "tensor socket cursor shard replica quorum lease ticket bucket filter mapper reducer "
         "parser lexer emitter router gateway adapter bridge broker channel pipeline stage "
         "artifact manifest layer blob digest mirror registry package release rollout canary "
         "budget sampler probe health ready liveness scheduler planner solver backlog").split()


def codechar(form, place):
    return chr(CODE0 + FORMS.index(form) * len(PLACES) + PLACES.index(place))


def decode(ch):
    n = ord(ch) - CODE0
    return FORMS[n // len(PLACES)], PLACES[n % len(PLACES)]


# --------------------------------------------------------------------------------------------
# A text file under construction
# --------------------------------------------------------------------------------------------

class Text:
    def __init__(self, repo, kind):
        self.repo, self.r, self.kind = repo, repo.r, kind
        self.lines = []
        self.decoys = collections.Counter()
        self.split_noise = 0

    def add(self, *lines):
        self.lines.extend(lines)

    def render(self):
        return "\n".join(self.lines) + "\n"

    # -- counted references ---------------------------------------------------------------
    def old(self, form=None, place="value", var=True):
        r = self.r
        if form is None:
            form = r.choices(FORMS, [50, 12, 8, 18, 12 if var else 0])[0]
        if form == "tag":
            s = ":" + r.choice(TAGS)
        elif form == "digest":
            s = "@sha256:" + r.randbytes(32).hex()
        elif form == "tag_digest":
            s = ":" + r.choice(TAGS) + "@sha256:" + r.randbytes(32).hex()
        elif form == "var_tag":
            s = ":" + r.choice(VAR_TAGS)
        else:
            s = ""
        return MARK + codechar(form, place) + OLD + s

    def name_only(self, form, place="value"):
        """OLD for a call site that appends the tag itself (`OLD:$t`, `OLD:$(TAG)`)."""
        return MARK + codechar(form, place) + OLD

    # -- never counted ----------------------------------------------------------------------
    def decoy(self, kind=None):
        r = self.r
        if kind is None:
            kind = r.choices(["sibling_api", "sibling_digit", "sibling_legacy", "sibling_server",
                              "nested_cache", "lookalike_host", "other_owner", "other_registry",
                              "path_only", "url"], [24, 10, 6, 12, 8, 5, 10, 9, 6, 10])[0]
        t = r.choice(TAGS)
        s = {
            "sibling_api": f"{OLD}-api:{t}",
            "sibling_digit": f"{OLD}2:{t}",
            "sibling_legacy": f"{OLD}_legacy:{t}",
            "sibling_server": f"{OLD}-server:{t}",
            "nested_cache": f"{OLD}/cache:buildcache",
            "lookalike_host": f"my{OLD}:{t}",
            "other_owner": f"ghcr.io/xgdtiti/grok2api:{t}",
            "other_registry": f"docker.io/gdtiti/grok2api:{t}",
            "path_only": f"gdtiti/grok2api:{t}",
            "url": r.choice(["https://github.com/gdtiti/grok2api",
                             "https://github.com/gdtiti/grok2api/pkgs/container/grok2api",
                             "https://ghcr.io/v2/gdtiti/grok2api/tags/list",
                             f"https://github.com/gdtiti/grok2api/releases/tag/{t}",
                             "https://github.com/gdtiti/grok2api/issues/57"]),
        }[kind]
        self.decoys[kind] += 1
        return s

    def unrelated(self):
        return self.r.choice(UNRELATED)

    def image(self, p_old=0.45, p_decoy=0.15, quote=True, var=True):
        """A value in an image position: OLD, a decoy image or an unrelated image."""
        r = self.r
        x = r.random()
        if x < p_old:
            s = self.old(var=var)
        elif x < p_old + p_decoy:
            s = self.decoy(r.choice(["sibling_api", "sibling_api", "sibling_digit", "sibling_server",
                                     "sibling_legacy", "other_owner", "other_registry", "lookalike_host"]))
        else:
            s = self.unrelated()
        if quote:
            q = r.choice(["", "", "", '"', "'"])
            s = q + s + q
        return s


def words(r, n):
    return " ".join(r.choice(VOCAB) for _ in range(n))


def camel(r, upper=False):
    a, b = r.choice(VOCAB), r.choice(VOCAB)
    s = a + b.capitalize()
    return s[0].upper() + s[1:] if upper else s


def sentence(r, lo=6, hi=18):
    return words(r, r.randint(lo, hi)).capitalize() + "."


# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------

class Corpus:
    def __init__(self, out, seed):
        self.out, self.seed = out, seed
        self.files = {}       # rel -> record
        self.symlinks = 0


class Repo:
    def __init__(self, corpus, idx):
        self.c, self.idx = corpus, idx
        self.r = random.Random(f"reimage-bench/{corpus.seed}/{idx}")
        self.name = f"repo-{idx:03d}"
        self.root = os.path.join(corpus.out, self.name)
        self.app = self.r.choice(["grok2api", "grok-relay", "chat-edge", "llm-gateway", "api-broker",
                                  "grok-runner", "infer-proxy"]) + f"-{idx}"
        self.git_blobs = []
        self._pools = {}

    # -- writing ------------------------------------------------------------------------------
    def emit(self, rel, content, kind="noise", *, ignored=False, crlf=False, bom=False,
             latin1=False, mode=0o644, binary_literals=0, text=None):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        refs = []
        if isinstance(content, str):
            if crlf:
                content = content.replace("\n", "\r\n")
            if bom:
                content = "\ufeff" + content
            enc = "latin-1" if latin1 else "utf-8"
            parts = content.split(MARK)
            chunks = [parts[0].encode(enc)]
            pos = len(chunks[0])
            for p in parts[1:]:
                form, place = decode(p[0])
                b = p[1:].encode(enc)
                refs.append((pos, form, place))
                chunks.append(b)
                pos += len(b)
            data = b"".join(chunks)
        else:
            data = content
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        top = rel.split("/", 1)[0]
        cls = "git" if top == ".git" else "ignored" if ignored else \
            "hidden" if any(p.startswith(".") for p in rel.split("/")) else "visible"
        self.c.files[f"{self.name}/{rel}"] = {
            "kind": kind, "class": cls, "crlf": crlf, "bom": bom, "latin1": latin1,
            "refs": refs, "binary_literals": binary_literals, "size": len(data),
            "decoys": dict(text.decoys) if text else {}, "split_noise": text.split_noise if text else 0,
        }
        if cls in ("visible", "hidden") and len(data) < 150_000 and len(self.git_blobs) < 300 \
                and self.r.random() < 0.12:
            self.git_blobs.append(data)

    def emit_text(self, rel, t, **kw):
        self.emit(rel, t.render(), t.kind, text=t, **kw)

    # -- noise ----------------------------------------------------------------------------------
    def pool(self, lang):
        if lang not in self._pools:
            r = self.r
            out = []
            for _ in range(300):
                a, B, c, n = camel(r), camel(r, True), camel(r), r.randint(0, 4096)
                out.append(r.choice({
                    "go": [f"func (h *{B}Handler) {B}(ctx context.Context, {a} *{B}) error {{\n",
                           f"\tif err := h.{c}.{B}(ctx, {a}); err != nil {{\n\t\treturn fmt.Errorf(\"{words(r, 2)}: %w\", err)\n\t}}\n",
                           f"\t{a} := make([]{B}, 0, {n})\n", f"// {B} {words(r, 9)}.\n", "}\n", "\n",
                           f"\t\"github.com/gdtiti/{r.choice(['grok2api', 'kit'])}/pkg/{c.lower()}\"\n",
                           f"\tslog.Info(\"{words(r, 3)}\", \"{a}\", {a}, \"n\", {n})\n"],
                    "py": [f"def {a}_{c.lower()}(self, {a}, retries={n % 9}):\n",
                           f"    \"\"\"{sentence(r)}\"\"\"\n", f"    return self.{c}.{a}({n})\n",
                           f"    if not {a}:\n        raise {B}Error(\"{words(r, 4)}\")\n",
                           f"class {B}:\n", "\n", f"    log.info(\"{words(r, 5)} %s\", {a})\n",
                           f"from .{c.lower()} import {B}\n"],
                    "ts": [f"export function {a}({c}: {B}): {B} {{\n", "}\n", "\n",
                           f"  const {a} = await client.get(`/v1/{c.lower()}/${{id}}`);\n",
                           f"  // {words(r, 8)}\n", f"import type {{ {B} }} from \"./{c.lower()}\";\n",
                           f"  if ({a}.length > {n}) return {{ ...{a}, {c}: null }};\n"],
                    "rs": [f"pub fn {a}(&self, {c}: &{B}) -> Result<{B}> {{\n", "}\n", "\n",
                           f"    let {a} = self.{c}.get({n}).context(\"{words(r, 3)}\")?;\n",
                           f"    /// {sentence(r)}\n", f"use crate::{c.lower()}::{B};\n",
                           f"    debug!({a} = %{c}, \"{words(r, 4)}\");\n"],
                    "json": [f"  \"{a}\": {{\"{c}\": {n}, \"on\": {r.choice(['true', 'false'])}}},\n",
                             f"  \"{a}_{c.lower()}\": \"{words(r, 3)}\",\n"],
                    "txt": [sentence(r, 4, 14) + "\n"],
                }[lang]))
            self._pools[lang] = out
        return self._pools[lang]

    def noise(self, lang, size):
        return "".join(self.r.choices(self.pool(lang), k=max(3, size // 40)))

    def size(self):
        return int(min(220_000, max(250, self.r.lognormvariate(8.35, 1.05))))

    # -- Kubernetes -----------------------------------------------------------------------------
    def k8s_doc(self, t):
        r = self.r
        name = f"{self.app}-{r.choice(VOCAB)}"
        kind = r.choices(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Service", "ConfigMap"],
                         [32, 8, 5, 8, 12, 20, 15])[0]
        L = []
        if r.random() < 0.12:
            L.append(f"# previously: image: {t.old('tag', 'comment')} (kept for the rollback notes)")
        if kind == "Service":
            L += ["apiVersion: v1", "kind: Service", "metadata:", f"  name: {name}", "spec:", "  selector:",
                  f"    app: {name}", "  ports:", f"    - port: {r.choice([80, 443])}",
                  f"      targetPort: {r.choice([8000, 8080])}"]
            return L
        if kind == "ConfigMap":
            L += ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {name}-env", "data:"]
            for _ in range(r.randint(2, 7)):
                L.append(f"  {camel(r).upper()}: \"{words(r, 3)}\"")
            if r.random() < 0.5:
                L.append(f"  RUNNER_IMAGE: {t.image(0.7, 0.2, var=False)}")
            return L
        api = "batch/v1" if kind in ("Job", "CronJob") else "apps/v1"
        L += [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: {name}",
              f"  namespace: {r.choice(['default', 'llm', 'edge', 'prod', 'staging'])}",
              "  labels:", f"    app.kubernetes.io/name: {name}"]
        if r.random() < 0.2:
            L += ["  annotations:", f"    app.example.com/source: \"{t.decoy('url')}\""]
        if kind == "CronJob":
            L += ["spec:", f"  schedule: \"{r.randint(0, 59)} */{r.randint(1, 6)} * * *\"", "  jobTemplate:",
                  "    spec:", "      template:", "        spec:", "          restartPolicy: OnFailure"]
            ind = "          "
        elif kind == "Job":
            L += ["spec:", f"  backoffLimit: {r.randint(1, 6)}", "  template:", "    spec:",
                  "      restartPolicy: Never"]
            ind = "      "
        else:
            L += ["spec:"] + ([f"  replicas: {r.randint(1, 5)}"] if kind != "DaemonSet" else []) + \
                 ["  selector:", "    matchLabels:", f"      app: {name}", "  template:", "    metadata:",
                  "      labels:", f"        app: {name}", "    spec:"]
            ind = "      "
        if r.random() < 0.35:
            L.append(ind + "initContainers:")
            for _ in range(r.randint(1, 2)):
                L += [ind + f"  - name: wait-{r.choice(VOCAB)}", ind + f"    image: {t.image()}",
                      ind + "    command: [\"sh\", \"-c\", \"until nc -z db 5432; do sleep 2; done\"]"]
        L.append(ind + "containers:")
        for i in range(r.randint(1, 3)):
            L += [ind + f"  - name: {name if i == 0 else 'side-%d' % i}",
                  ind + f"    image: {t.image(0.55 if i == 0 else 0.25)}",
                  ind + f"    imagePullPolicy: {r.choice(['IfNotPresent', 'Always'])}"]
            if r.random() < 0.12:
                L.append(ind + f"    args: [\"--worker-image={t.old(var=False)}\", \"--v=2\"]")
            L += [ind + "    ports:", ind + f"      - containerPort: {r.choice([8000, 8080, 9090])}",
                  ind + "    env:", ind + "      - name: LOG_FORMAT", ind + "        value: json",
                  ind + "    resources:", ind + "      limits:",
                  ind + f"        memory: {r.choice(['128Mi', '256Mi', '1Gi'])}"]
        return L

    def k8s(self, rel, ignored=False):
        t = Text(self, "k8s")
        docs = ["\n".join(self.k8s_doc(t)) for _ in range(self.r.randint(1, 5))]
        body = ("---\n" if self.r.random() < 0.3 else "") + "\n---\n".join(docs) + "\n"
        self.emit(rel, body, "k8s", text=t, ignored=ignored, crlf=(not ignored and self.r.random() < 0.07))

    # -- Compose --------------------------------------------------------------------------------
    def compose(self, rel):
        r = self.r
        t = Text(self, "compose")
        anchor = r.random() < 0.3
        if anchor:
            t.add(f"x-app-image: &app_image {t.old()}", "")
        t.add("services:")
        for i in range(r.randint(2, 6)):
            t.add(f"  {r.choice(['api', 'worker', 'web', 'cron', 'proxy', 'db', 'queue'])}{i}:")
            x = r.random()
            if anchor and i == 0:
                t.add("    image: *app_image")
            elif x < 0.12:
                t.add(f"    image: ${{GROK_IMAGE:-{t.old(r.choice(['tag', 'bare']), 'shell_default', var=False)}}}")
            else:
                t.add(f"    image: {t.image(0.5)}")
            if r.random() < 0.25:
                t.add("    build:", "      context: .", "      cache_from:", f"        - {t.decoy('nested_cache')}")
            t.add("    restart: unless-stopped", "    environment:", f"      - LOG_LEVEL={r.choice(['info', 'warn'])}")
            if r.random() < 0.2:
                t.add(f"      - SANDBOX_IMAGE={t.image(0.6, quote=False, var=False)}")
            t.add("    ports:", f"      - \"{r.randint(3000, 9999)}:8000\"")
        self.emit_text(rel, t, crlf=r.random() < 0.1)

    # -- Helm -----------------------------------------------------------------------------------
    def helm(self, base):
        r = self.r
        t = Text(self, "helm")
        t.add("# Default values for the chart.", f"replicaCount: {r.randint(1, 3)}", "")
        style = r.choices(["split_other", "split_hub", "global_split", "combined", "full", "other"],
                          [30, 10, 10, 25, 10, 15])[0]
        if style == "global_split":
            t.add("global:", "  imageRegistry: ghcr.io", "  imagePullSecrets: []", "")
        t.add("image:")
        # Split maps are planted with other images only: they are noise, never counted.
        if style == "split_other":
            t.add("  registry: ghcr.io", f"  repository: gdtiti/{r.choice(['webui', 'tokenizer'])}")
            t.split_noise += 1
        elif style == "split_hub":
            t.add("  registry: docker.io", f"  repository: {r.choice(['bitnami/redis', 'library/nginx'])}")
            t.split_noise += 1
        elif style == "global_split":
            t.add("  repository: gdtiti/webui")
            t.split_noise += 1
        elif style == "combined":
            t.add(f"  repository: {t.old('bare')}")
        elif style == "full":
            t.add(f"  name: {t.old(r.choice(['tag', 'digest']))}")
        else:
            t.add("  repository: quay.io/prometheus/node-exporter")
        t.add(f"  tag: \"{r.choice(TAGS)}\"", "  pullPolicy: IfNotPresent", "")
        if r.random() < 0.45:
            sib = t.decoy(r.choice(["sibling_api", "sibling_digit", "sibling_server"])).rsplit(":", 1)[0]
            t.add("worker:", "  enabled: true", "  image:", f"    repository: {sib}", "    tag: latest", "")
        if r.random() < 0.3:
            t.add("migrations:", f"  image: {t.old(var=False)}", "")
        if r.random() < 0.25:
            t.add("metrics:", "  image:", "    registry: quay.io", "    repository: prometheus/statsd-exporter",
                  "    tag: v0.27.1", "")
            t.split_noise += 1
        for sec in ["service", "ingress", "resources", "autoscaling", "securityContext"]:
            t.add(sec + ":")
            for _ in range(r.randint(1, 4)):
                t.add(f"  {camel(r)}: {r.choice(['true', 'false', str(r.randint(1, 99)), chr(34) + words(r, 2) + chr(34)])}")
            t.add("")
        self.emit_text(base + "/values.yaml", t)
        c = Text(self, "helm")
        c.add("apiVersion: v2", f"name: {self.app}", f"version: 0.{r.randint(1, 9)}.{r.randint(0, 9)}",
              f"appVersion: \"{r.choice(TAGS)}\"", f"home: {c.decoy('url')}", "sources:",
              "  - https://github.com/gdtiti/grok2api")
        self.emit_text(base + "/Chart.yaml", c)
        for env in r.sample(["prod", "staging", "dev"], r.randint(1, 3)):
            v = Text(self, "helm")
            v.add("image:")
            if r.random() < 0.5:
                v.add(f"  repository: {v.old('bare')}")
            v.add(f"  tag: \"{r.choice(TAGS)}\"", f"replicaCount: {r.randint(2, 8)}")
            self.emit_text(f"{base}/values-{env}.yaml", v)
        for tpl in ["deployment", "service", "ingress", "hpa", "configmap", "serviceaccount"][:r.randint(2, 6)]:
            self.emit(f"{base}/templates/{tpl}.yaml",
                      "{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                      "  name: {{ include \"chart.fullname\" . }}\nspec:\n  template:\n    spec:\n      containers:\n"
                      "        - name: {{ .Chart.Name }}\n"
                      "          image: \"{{ .Values.image.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"\n"
                      "          {{- with .Values.resources }}\n          resources:\n            {{- toYaml . | nindent 12 }}\n"
                      "          {{- end }}\n{{- end }}\n", "helm")
        self.emit(base + "/templates/_helpers.tpl",
                  "{{- define \"chart.fullname\" -}}\n{{- .Release.Name | trunc 63 | trimSuffix \"-\" }}\n{{- end }}\n", "helm")

    # -- kustomize ------------------------------------------------------------------------------
    def kustomize(self, base):
        r = self.r
        t = Text(self, "kustomize")
        t.add("apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "resources:",
              "  - deployment.yaml", "images:")
        if r.random() < 0.6:
            t.add(f"  - name: {t.old('bare')}", f"    newTag: {r.choice(TAGS)}")
        else:
            t.add("  - name: grok2api", f"    newName: {t.old('bare')}", f"    digest: sha256:{r.randbytes(32).hex()}")
        if r.random() < 0.4:
            t.add(f"  - name: {t.decoy('sibling_api').split(':')[0]}", "    newTag: latest")
        self.emit_text(base + "/base/kustomization.yaml", t)
        self.k8s(base + "/base/deployment.yaml")
        for ov in r.sample(["prod", "staging", "dev", "eu"], r.randint(1, 3)):
            o = Text(self, "kustomize")
            o.add("apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "resources:",
                  "  - ../../base", "images:", f"  - name: {o.old('bare')}", f"    newTag: {r.choice(TAGS)}")
            self.emit_text(f"{base}/overlays/{ov}/kustomization.yaml", o)

    # -- Dockerfile -----------------------------------------------------------------------------
    def dockerfile(self, rel):
        r = self.r
        t = Text(self, "dockerfile")
        t.add("# syntax=docker/dockerfile:1.7")
        if r.random() < 0.35:
            t.add(f"ARG RUNTIME_IMAGE={t.old(var=False)}")
        t.add("FROM --platform=$BUILDPLATFORM golang:1.23-alpine AS build", "WORKDIR /src",
              "COPY go.mod go.sum ./", "RUN go mod download", "COPY . .",
              "RUN CGO_ENABLED=0 go build -trimpath -o /out/app ./cmd/server", "")
        if r.random() < 0.6:
            t.add(f"FROM {t.old(var=False)} AS runtime")
        else:
            t.add(f"FROM {t.unrelated()} AS runtime")
        if r.random() < 0.3:
            t.add(f"COPY --from={t.old(r.choice(['tag', 'digest']))} /app/static /app/static")
        if r.random() < 0.15:
            t.add(f"RUN --mount=type=bind,from={t.old('tag')},source=/models,target=/models cp -r /models /srv/")
        if r.random() < 0.2:
            t.add(f"COPY --from={t.decoy('sibling_api')} /bin/api /usr/local/bin/api")
        t.add("COPY --from=build /out/app /usr/local/bin/app",
              f"LABEL org.opencontainers.image.source=\"{t.decoy('url')}\"")
        if r.random() < 0.3:
            t.add(f"LABEL org.opencontainers.image.base.name=\"{t.old('tag')}\"")
        t.add("EXPOSE 8000", "USER 65532:65532", "ENTRYPOINT [\"/usr/local/bin/app\"]")
        self.emit_text(rel, t)

    # -- scripts and Makefiles ------------------------------------------------------------------
    def script(self, rel, crlf=False, latin1=False, ps1=False):
        r = self.r
        t = Text(self, "script")
        t.add("#!/usr/bin/env pwsh" if ps1 else "#!/usr/bin/env bash")
        if not ps1:
            t.add("set -euo pipefail")
        t.add("")
        if latin1:
            t.add("# Prüfe die Größe des Images, bevor es übertragen wird (Übersicht unten).")
        for _ in range(r.randint(6, 28)):
            x = r.random()
            if x < 0.10:
                t.add(f"docker pull {t.old(place='command')}")
            elif x < 0.15:
                t.add(f"docker run --rm -p 8000:8000 -e API_KEY=\"$API_KEY\" {t.old(place='command')} serve")
            elif x < 0.19:
                t.add(f"docker tag {t.old('var_tag', 'command')} {t.old('tag', 'command')}")
            elif x < 0.22 and not ps1:
                t.add(f"IMAGE=\"${{IMAGE:-{t.old('bare', 'shell_default')}}}\"")
            elif x < 0.25:
                t.add(f"crane copy {t.old('tag', 'command')} {t.decoy('sibling_api')}")
            elif x < 0.28 and not ps1:
                t.add(f"for t in latest v1 stable; do docker push {t.name_only('var_tag', 'command')}:$t; done")
            elif x < 0.31:
                t.add(f"kubectl -n llm set image deploy/{self.app} app={t.old('tag', 'command')}")
            elif x < 0.36:
                t.add(f"docker pull {t.decoy()}")
            elif x < 0.38:
                t.add(f"echo \"release notes: {t.decoy('url')}\"")
            elif x < 0.40:
                t.add(f"# TODO: stop pushing {t.old('tag', 'comment')} once every cluster has moved")
            elif x < 0.42:
                t.add(f"helm upgrade --install {self.app} ./chart --set image.repository={t.old('bare', 'command')} --wait")
            else:
                t.add(r.choice([f"echo \"{words(r, 5)}\"", f"{camel(r).upper()}=\"{words(r, 2)}\"",
                                "if [[ -z \"${CI:-}\" ]]; then", "fi", f"kubectl -n llm rollout status deploy/{self.app}",
                                f"curl -fsS http://localhost:8000/healthz || exit {r.randint(1, 9)}",
                                f"log \"{words(r, 6)}\""]))
        self.emit_text(rel, t, crlf=crlf, latin1=latin1, mode=0o755)

    def makefile(self, rel):
        r = self.r
        t = Text(self, "makefile")
        t.add(f"IMAGE ?= {t.old('bare')}", "TAG ?= $(shell git describe --tags --always)", "",
              ".PHONY: build push run", "build:", "\tdocker build -t $(IMAGE):$(TAG) .", "",
              "push: build", "\tdocker push $(IMAGE):$(TAG)")
        if r.random() < 0.5:
            t.add(f"\tdocker push {t.name_only('var_tag', 'command')}:$(TAG)", f"\tdocker push {t.old('tag', 'command')}")
        t.add("", "run:", f"\tdocker run --rm -p 8000:8000 {t.old(place='command')}", "",
              "lint:", f"\t@echo \"{words(r, 4)}\"")
        self.emit_text(rel, t)

    # -- CI -------------------------------------------------------------------------------------
    def workflow(self, rel):
        r = self.r
        t = Text(self, "workflow")
        t.add(f"name: {r.choice(['release', 'ci', 'publish', 'nightly', 'deploy'])}", "on:", "  push:",
              "    branches: [main]", "    tags: [\"v*\"]", "env:")
        if r.random() < 0.3:
            t.add("  REGISTRY: ghcr.io", f"  IMAGE_NAME: {t.decoy('path_only').split(':')[0]}")
        else:
            t.add(f"  IMAGE: {t.old('bare')}")
        t.add("jobs:", "  build:", "    runs-on: ubuntu-latest", "    permissions:", "      packages: write",
              "    steps:", "      - uses: actions/checkout@v4", "      - uses: docker/setup-buildx-action@v3",
              "      - uses: docker/build-push-action@v6", "        with:", "          push: true")
        if r.random() < 0.5:
            t.add(f"          tags: {t.old('tag')},{t.name_only('var_tag')}:${{{{ github.sha }}}}")
        else:
            t.add("          tags: |", f"            {t.old('tag')}", f"            {t.old('var_tag')}")
        if r.random() < 0.5:
            t.add(f"          cache-from: type=registry,ref={t.decoy('nested_cache')}",
                  f"          cache-to: type=registry,ref={t.decoy('nested_cache')},mode=max")
        t.add("      - name: smoke test", f"        run: docker run --rm {t.old(place='command')} --version")
        if r.random() < 0.4:
            t.add("  e2e:", "    runs-on: ubuntu-latest", "    container:", f"      image: {t.image(0.6)}",
                  "    services:", "      api:", f"        image: {t.image(0.6)}", "    steps:",
                  f"      - run: docker pull {t.old('tag', 'command')}")
        if r.random() < 0.3:
            t.add("  api-image:", "    runs-on: ubuntu-latest", "    steps:",
                  f"      - run: docker build -t {t.decoy('sibling_api')} -f api.Dockerfile .")
        self.emit_text(rel, t)

    def gitlab(self):
        t = Text(self, "ci")
        t.add(f"image: {t.old(var=False)}", "stages: [test, publish]", "test:", "  services:",
              f"    - name: {t.image(0.5, 0.3, quote=False, var=False)}", "      alias: api", "  script:",
              "    - make test", "publish:", "  stage: publish", "  script:",
              f"    - docker push {t.old('tag', 'command')}")
        self.emit_text(".gitlab-ci.yml", t)

    # -- small configs --------------------------------------------------------------------------
    def configs(self):
        r = self.r
        if r.random() < 0.7:
            t = Text(self, "env")
            t.add(f"GROK_IMAGE={t.old(var=False)}", "API_PORT=8000", f"# GROK_IMAGE_PREVIOUS={t.decoy('sibling_legacy')}")
            self.emit_text(".env.example", t)
        if r.random() < 0.3:
            self.gitlab()
        if r.random() < 0.4:
            t = Text(self, "json")
            t.add("{", "  \"name\": \"dev\",", f"  \"image\": \"{t.old(var=False)}\",", "  \"forwardPorts\": [8000]", "}")
            self.emit_text(".devcontainer/devcontainer.json", t)
        if r.random() < 0.25:
            t = Text(self, "toml")
            t.add(f"app = \"{self.app}\"", "primary_region = \"fra\"", "", "[build]",
                  f"  image = \"{t.old(r.choice(['tag', 'digest']))}\"", "", "[http_service]", "  internal_port = 8000")
            self.emit_text("fly.toml", t)
        if r.random() < 0.5:
            self.makefile("Makefile")

    # -- Markdown -------------------------------------------------------------------------------
    def markdown(self, rel, bom=False, latin1=False):
        r = self.r
        t = Text(self, "markdown")
        t.add(f"# {self.app}: {words(r, 3)}", "")
        if r.random() < 0.4:
            t.add(f"[![container](https://img.shields.io/badge/ghcr-gdtiti%2Fgrok2api-blue)]({t.decoy('url')})", "")
        if latin1:
            t.add("Übersicht: Größe und Änderungen der Container-Images.", "")
        for _ in range(r.randint(4, 24)):
            x = r.random()
            if x < 0.11:
                t.add("```bash", f"docker run -d --name grok -p 8000:8000 {t.old(place='command')}", "```", "")
            elif x < 0.17:
                t.add(f"The image is published as `{t.old('tag', 'prose')}`; {words(r, 7)}.", "")
            elif x < 0.21:
                t.add(f"To upgrade, pull {t.old('bare', 'sentence_end')}. {sentence(r, 4, 8)}", "")
            elif x < 0.24:
                t.add(f"Older builds: {words(r, 4)} from {t.old('bare', 'sentence_end')}.", "")
            elif x < 0.29:
                t.add("| component | image |", "|---|---|", f"| api | {t.old('tag', 'prose')} |",
                      f"| worker | {t.image(0.3, 0.5, quote=False, var=False)} |", "")
            elif x < 0.32:
                t.add(f"Packages: [{t.old('tag', 'prose')}]({t.decoy('url')})", "")
            elif x < 0.35:
                t.add(f"It was renamed ({t.old('bare', 'prose')}), see the changelog.", "")
            elif x < 0.38:
                t.add(f"Migrated from {t.old('bare', 'prose')}, {words(r, 5)}.", "")
            elif x < 0.40:
                t.add(f"Compose reads `${{GROK_IMAGE:-{t.old('tag', 'shell_default')}}}` by default.", "")
            elif x < 0.48:
                t.add(f"Do not confuse with `{t.decoy()}` ({words(r, 4)}).", "")
            elif x < 0.51:
                t.add("```yaml", f"image: {t.old('digest')}", "```", "")
            else:
                t.add(" ".join(sentence(r) for _ in range(r.randint(1, 5))), "")
        self.emit_text(rel, t, bom=bom, latin1=latin1)

    # -- source code, large and binary files ----------------------------------------------------
    def source(self, rel, lang):
        r = self.r
        t = Text(self, "source")
        body = self.noise(lang, self.size())
        x = r.random()
        if x < 0.02:
            s = t.old(r.choice(["tag", "bare", "digest"]))
            line = {"go": f"const DefaultImage = \"{s}\"\n", "py": f"DEFAULT_IMAGE = \"{s}\"\n",
                    "ts": f"export const DEFAULT_IMAGE = \"{s}\";\n", "rs": f"pub const DEFAULT_IMAGE: &str = \"{s}\";\n",
                    "json": f"  \"image\": \"{s}\",\n", "txt": f"default image: {s}\n"}[lang]
            cut = body.rfind("\n", 0, r.randint(0, len(body))) + 1
            body = body[:cut] + line + body[cut:]
        elif x < 0.05:
            body = f"// see {t.decoy(r.choice(['sibling_api', 'other_owner', 'url', 'sibling_digit', 'sibling_server']))}\n" + body
        self.emit(rel, body, "source", text=t)

    def big(self, rel, what):
        r = self.r
        t = Text(self, "generated")
        target = r.randint(850_000, 1_250_000)
        if what == "bindata":
            raw = r.randbytes(target // 6)
            body = "package assets\n\nvar _bindata = []byte{\n" + "".join(
                "\t" + ", ".join("0x%02x" % b for b in raw[i:i + 12]) + ",\n" for i in range(0, len(raw), 12)) + "}\n"
        elif what == "minjs":
            parts, n, planted = [], 0, r.random() < 0.5
            while n < target:
                p = f"function {camel(r)}(a,b){{return a.{camel(r)}(b)||{r.randint(0, 9999)}}};var {camel(r)}=\"{words(r, 2)}\";"
                if planted and n > target // 2:
                    p += f"var defaultImage=\"{t.old('tag')}\";"
                    planted = False
                parts.append(p)
                n += len(p)
            body = "".join(parts) + "\n"
        elif what == "json":
            rows, n = [], 0
            while n < target:
                row = f"  {{\"id\": {r.randint(1, 10**9)}, \"title\": \"{words(r, 3)}\", \"labels\": [\"{camel(r)}\"], \"w\": {r.random():.5f}}},\n"
                rows.append(row)
                n += len(row)
            body = "[\n" + "".join(rows) + "  {}\n]\n"
        else:
            rows, n = ["openapi: 3.0.3", "info:", f"  title: {self.app}", "  version: 1.0.0", "paths:"], 0
            while n < target:
                blk = [f"  /v1/{r.choice(VOCAB)}/{{id}}/{r.choice(VOCAB)}:", "    get:",
                       f"      operationId: {camel(r)}{r.randint(0, 99999)}", f"      summary: {words(r, 6)}",
                       "      responses:", "        \"200\":", f"          description: {words(r, 4)}"]
                rows += blk
                n += sum(len(b) + 1 for b in blk)
            body = "\n".join(rows) + "\n"
        self.emit(rel, body, "generated", text=t)

    def binary(self, rel, literal=False, ignored=False):
        r = self.r
        ext = rel.rsplit(".", 1)[-1] if "." in os.path.basename(rel) else ""
        head = {"png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "woff2": b"wOF2\x00\x01\x00\x00",
                "ico": b"\x00\x00\x01\x00\x01\x00"}.get(ext, b"\x7fELF\x02\x01\x01\x00" + bytes(8))
        data = bytearray(head + r.randbytes(r.randint(16_000, 350_000) if ext else r.randint(400_000, 2_200_000)))
        n = 0
        if literal:
            for _ in range(r.randint(1, 3)):
                s = (OLD + r.choice(["", ":" + r.choice(TAGS)])).encode() + b"\x00"
                at = r.randint(64, len(data) - 128)
                data[at:at + len(s)] = s
                n += 1
        self.emit(rel, bytes(data), "binary", ignored=ignored, mode=0o644 if ext else 0o755, binary_literals=n)

    # -- ignored folders and .git ---------------------------------------------------------------
    def scaled(self, lo, hi):
        """A count for gitignored folders, proportional to --files-per-repo (500 = 1x)."""
        return max(1, round(self.r.randint(lo, hi) * self.fpr / 500))

    def ignored(self):
        r = self.r
        if r.random() < 0.55:
            for p in range(self.scaled(15, 70)):
                pkg = r.choice(["@gdtiti/grok2api-sdk", "yaml", "undici", "zod", "@types/node", "semver"]) + f"-{p}"
                for f in range(r.randint(2, 7)):
                    self.emit(f"node_modules/{pkg}/{'dist/' if f else ''}{r.choice(VOCAB)}{f}.js",
                              self.noise("ts", self.size() // 2), ignored=True)
                t = Text(self, "markdown")
                t.add(f"# {pkg}", "", sentence(r, 10, 30))
                if r.random() < 0.3:
                    t.add("", "```", f"docker run {t.old('tag')}", "```")
                self.emit_text(f"node_modules/{pkg}/README.md", t, ignored=True)
        if r.random() < 0.3:
            for b in range(r.randint(1, 3)):
                self.binary(f"target/release/deps/grok_{b}-{r.randbytes(8).hex()}", literal=True, ignored=True)
            for f in range(self.scaled(8, 35)):
                t = Text(self, "generated")
                body = self.noise("rs", self.size() // 3)
                if r.random() < 0.15:
                    body += f"pub const IMAGE: &str = \"{t.old('tag')}\";\n"
                self.emit(f"target/release/build/grok-{f}/out/gen_{f}.rs", body, "generated", text=t, ignored=True)
        if r.random() < 0.2:
            for f in range(self.scaled(3, 10)):
                t = Text(self, "generated")
                body = self.noise("ts", self.size()) + f"const img=\"{t.old('tag')}\";\n"
                self.emit(f"dist/assets/chunk-{f}.js", body, "generated", text=t, ignored=True)
        if r.random() < 0.35:
            for f in range(self.scaled(15, 60)):
                self.emit(f"coverage/lcov-report/{r.choice(VOCAB)}-{f}.html",
                          "<html><body><pre>\n" + self.noise("ts", self.size() // 2) + "</pre></body></html>\n",
                          ignored=True)
        if r.random() < 0.3:
            t = Text(self, "log")
            for _ in range(r.randint(1, 20)):
                t.add(f"2024-11-0{r.randint(1, 9)}T08:00:00Z pulled {t.old('tag')}")
            self.emit_text("logs/deploy.log", t, ignored=True)
        if r.random() < 0.2:
            self.emit("deploy/.gitignore", "rendered/\n")
            for f in range(r.randint(1, 4)):
                self.k8s(f"deploy/rendered/all-{f}.yaml", ignored=True)

    def git_dir(self):
        r = self.r
        self.emit(".git/HEAD", "ref: refs/heads/main\n")
        self.emit(".git/config", "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
                                 f"[remote \"origin\"]\n\turl = https://github.com/gdtiti/{self.app}.git\n")
        self.emit(".git/description", "Unnamed repository; edit this file 'description' to name the repository.\n")
        t = Text(self, "git")
        t.add(f"chore: bump {t.old('tag')}" if r.random() < 0.5 else "chore: bump image")
        self.emit_text(".git/COMMIT_EDITMSG", t)
        self.emit(".git/refs/heads/main", r.randbytes(20).hex() + "\n")
        self.emit(".git/logs/HEAD", "".join(
            f"{r.randbytes(20).hex()} {r.randbytes(20).hex()} Dev <dev@example.com> 1730000000 +0000\tcommit: {words(r, 4)}\n"
            for _ in range(r.randint(5, 50))))
        self.emit(".git/index", b"DIRC\x00\x00\x00\x02" + r.randbytes(r.randint(20_000, 180_000)))
        for h in ["applypatch-msg", "commit-msg", "post-update", "pre-applypatch", "pre-commit",
                  "pre-merge-commit", "pre-push", "pre-rebase", "pre-receive", "prepare-commit-msg", "update"]:
            self.emit(f".git/hooks/{h}.sample", "#!/bin/sh\n" + self.noise("txt", r.randint(400, 3500)), mode=0o755)
        for data in self.git_blobs:
            h = r.randbytes(20).hex()
            self.emit(f".git/objects/{h[:2]}/{h[2:]}", zlib.compress(b"blob %d\x00" % len(data) + data, 6), mode=0o444)
        h = r.randbytes(20).hex()
        self.emit(f".git/objects/pack/pack-{h}.pack", b"PACK\x00\x00\x00\x02" + r.randbytes(r.randint(300_000, 2_600_000)), mode=0o444)
        self.emit(f".git/objects/pack/pack-{h}.idx", b"\xfftOc\x00\x00\x00\x02" + r.randbytes(r.randint(2_000, 50_000)), mode=0o444)

    # -- layout ---------------------------------------------------------------------------------
    def build(self, fpr):
        r = self.r
        self.fpr = fpr
        before = len(self.c.files)
        self.emit(".gitignore", "# build outputs\nnode_modules/\ntarget/\ndist/\ncoverage/\n*.log\n.env\n")
        self.emit(".dockerignore", ".git\nnode_modules\ntarget\n")
        self.emit(".editorconfig", "root = true\n\n[*]\nindent_style = space\nindent_size = 2\n")
        self.configs()
        for i in range(max(2, fpr * 3 // 100)):
            self.k8s(f"deploy/k8s/{r.choice(VOCAB)}-{i}.yaml")
        for i in range(r.randint(1, 3)):
            self.compose(["docker-compose.yml", "deploy/compose/compose.yaml", "compose.override.yaml"][i])
        if r.random() < 0.75:
            self.helm("charts/" + self.app)
        if r.random() < 0.6:
            self.kustomize("deploy/kustomize")
        for i in range(r.randint(1, 4)):
            self.dockerfile(["Dockerfile", "docker/api.Dockerfile", "docker/Dockerfile.worker", "tools/Containerfile"][i])
        for i in range(r.randint(3, 10)):
            self.script(f"scripts/{r.choice(VOCAB)}-{i}.sh")
        if r.random() < 0.4:
            self.script("scripts/win/deploy.ps1", crlf=True, ps1=True)
        if r.random() < 0.25:
            self.script("scripts/legacy/release-de.sh", latin1=True)
        for i in range(r.randint(2, 6)):
            self.workflow(f".github/workflows/{['release', 'ci', 'publish', 'nightly', 'deploy', 'e2e'][i]}.yml")
        self.markdown("README.md", bom=r.random() < 0.12)
        self.markdown("CHANGELOG.md")
        for i in range(max(2, fpr * 2 // 100)):
            self.markdown(f"docs/{r.choice(VOCAB)}-{i}.md", latin1=(i == 0 and r.random() < 0.2))
        for what in r.sample(["bindata", "minjs", "json", "openapi"], r.choices([0, 1, 2, 3], [25, 30, 30, 15])[0]):
            self.big({"bindata": "internal/assets/bindata.go", "minjs": "web/static/vendor.min.js",
                      "json": "testdata/fixture.json", "openapi": "api/openapi.gen.yaml"}[what], what)
        for i in range(max(1, fpr // 100)):
            self.binary(r.choice(["docs/img/diagram-%d.png", "web/static/font-%d.woff2", "assets/favicon-%d.ico"]) % i)
        if r.random() < 0.3:
            self.binary("bin/grokctl", literal=True)
        if r.random() < 0.5 and os.path.exists(os.path.join(self.root, "docker-compose.yml")):
            os.symlink("docker-compose.yml", os.path.join(self.root, "compose.link.yml"))
            self.c.symlinks += 1
        if r.random() < 0.2:
            os.symlink("deploy/k8s", os.path.join(self.root, "manifests"))
            self.c.symlinks += 1
        ext = {"go": "go", "py": "py", "ts": "ts", "rs": "rs", "json": "json", "txt": "txt"}
        for i in range(max(0, fpr - (len(self.c.files) - before))):
            lang = r.choice(["go", "go", "py", "ts", "ts", "rs", "json", "txt"])
            d = r.choice(["internal", "pkg", "cmd", "src", "lib", "app", "tests", "web/src", "tools"])
            self.source(f"{d}/{r.choice(VOCAB)}/{camel(r).lower()}_{i}.{ext[lang]}", lang)
        self.ignored()
        self.git_dir()


# --------------------------------------------------------------------------------------------
# Verification and manifest
# --------------------------------------------------------------------------------------------

def line_col(data, pos):
    start = data.rfind(b"\n", 0, pos) + 1
    return data.count(b"\n", 0, pos) + 1, pos - start + 1


def verify_and_summarize(corpus, args, gen_seconds):
    out = corpus.out
    seen = set()
    errors = []
    tree = {c: collections.Counter() for c in ("visible", "hidden", "ignored", "git")}
    true = collections.Counter()
    by_form, by_place, by_kind, kind_files = (collections.Counter() for _ in range(4))
    decoys, outside = collections.Counter(), collections.Counter()
    literal_files = 0
    split_noise = 0
    positions = {}
    for dirpath, dirnames, filenames in os.walk(out):
        dirnames.sort()
        for fn in sorted(filenames):
            path = os.path.join(dirpath, fn)
            rel = os.path.relpath(path, out).replace(os.sep, "/")
            if os.path.islink(path):
                continue
            rec = corpus.files.get(rel)
            if rec is None:
                errors.append(f"{rel}: not written by the generator")
                continue
            seen.add(rel)
            with open(path, "rb") as f:
                data = f.read()
            cls = rec["class"]
            binary = b"\x00" in data
            tree[cls]["files"] += 1
            tree[cls]["bytes"] += len(data)
            tree[cls]["binary_files"] += binary
            if binary:
                n = data.count(LITERAL)
                if n != rec["binary_literals"] or rec["refs"]:
                    errors.append(f"{rel}: binary file with {n} literals, planted {rec['binary_literals']}")
                outside["binary_literal_occurrences"] += n
                continue
            found = [m.start() for m in VERIFY_RE.finditer(data)]
            planted = [p for p, _, _ in rec["refs"]]
            if found != planted:
                errors.append(f"{rel}: VERIFY_RE finds {len(found)} at {found[:5]}, planted {len(planted)} at {planted[:5]}")
                continue
            if cls in ("ignored", "git"):
                outside[cls + "_occurrences"] += len(found)
                continue
            split_noise += rec["split_noise"]
            decoys.update(rec["decoys"])
            if LITERAL in data:
                literal_files += 1
            if not found:
                continue
            true["occurrences"] += len(found)
            true["files"] += 1
            true["lines"] += len({line_col(data, p)[0] for p in found})
            true[cls] += len(found)
            by_kind[rec["kind"]] += len(found)
            kind_files[rec["kind"]] += 1
            for _, form, place in rec["refs"]:
                by_form[form] += 1
                by_place[place] += 1
            for flag in ("crlf", "bom", "latin1"):
                if rec[flag]:
                    true[flag + "_files"] += 1
                    true[flag + "_occurrences"] += len(found)
            positions[rel] = [[*line_col(data, p), p, form, place] for p, form, place in rec["refs"]]
    missing = set(corpus.files) - seen
    if missing:
        errors.append(f"{len(missing)} planted files not found, e.g. {sorted(missing)[:3]}")
    if errors:
        for e in errors[:25]:
            print("VERIFY FAILED:", e, file=sys.stderr)
        sys.exit(f"gen_corpus: {len(errors)} verification errors; the corpus in {out} is not usable")
    manifest = {
        "generator": {"script": "bench/gen_corpus.py", "seed": args.seed, "repos": args.repos,
                      "files_per_repo": args.files_per_repo},
        "old_image": OLD,
        "verify_regex_python": VERIFY_RE.pattern.decode(),
        "tree": {"files": sum(t["files"] for t in tree.values()), "bytes": sum(t["bytes"] for t in tree.values()),
                 "symlinks": corpus.symlinks, "by_class": {c: dict(t) for c, t in tree.items()}},
        "true_refs": {
            "scope": "text files outside gitignored folders and .git/; symlinks not followed; binary files skipped",
            "occurrences": true["occurrences"], "files": true["files"], "lines": true["lines"],
            "visible": true["visible"], "hidden": true["hidden"],
            "by_form": dict(sorted(by_form.items())), "by_place": dict(sorted(by_place.items())),
            "by_kind": dict(sorted(by_kind.items())), "files_by_kind": dict(sorted(kind_files.items())),
            "crlf_files": true["crlf_files"], "crlf_occurrences": true["crlf_occurrences"],
            "bom_files": true["bom_files"], "latin1_files": true["latin1_files"],
            "latin1_occurrences": true["latin1_occurrences"],
        },
        "decoys_in_scope": dict(sorted(decoys.items())),
        "helm_split_maps_noise": split_noise,
        "outside_scope": dict(sorted(outside.items())),
        "expected": {"rg -l -F OLD --hidden -g '!.git' (files)": literal_files},
    }
    return manifest, positions


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="output directory (must not exist unless --force)")
    ap.add_argument("--repos", type=int, default=40)
    ap.add_argument("--files-per-repo", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--small", action="store_true", help="8 repositories x 260 files (~3k files in all)")
    ap.add_argument("--force", action="store_true", help="remove OUT first if it exists")
    a = ap.parse_args()
    if a.small:
        a.repos, a.files_per_repo = 8, 260
    out = a.out.rstrip("/")
    if os.path.lexists(out):
        if not a.force:
            sys.exit(f"gen_corpus: {out} exists (use --force)")
        shutil.rmtree(out)
    os.makedirs(out)
    t0 = time.time()
    corpus = Corpus(out, a.seed)
    for i in range(a.repos):
        Repo(corpus, i).build(a.files_per_repo)
    manifest, positions = verify_and_summarize(corpus, a, time.time() - t0)
    with open(out + ".manifest.json", "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    with open(out + ".positions.json", "w") as f:
        json.dump(dict(sorted(positions.items())), f, separators=(",", ":"))
        f.write("\n")
    tr, tt = manifest["tree"], manifest["true_refs"]
    print(f"gen_corpus: {tr['files']} files, {tr['bytes'] / 1e6:.1f} MB, {tr['symlinks']} symlinks in "
          f"{time.time() - t0:.1f}s; {tt['occurrences']} references to {OLD} in {tt['files']} files "
          f"(verified); manifest {out}.manifest.json")


if __name__ == "__main__":
    main()
