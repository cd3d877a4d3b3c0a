#!/usr/bin/env python3
"""Times `reimage verify` on a tree with N distinct references against a loopback registry.

Starts Debian's docker-registry on a free 127.0.0.1 port (storage in a temp dir), pushes
N/2 tags of one repository through its HTTP API, writes a tree of Compose files naming N
distinct tags (half of them never pushed), runs `reimage verify` and records the wall time and
the requests it reports. Writes bench/VERIFY.md. Python 3 standard library only.

    bench/verify.py [--refs 1000] [--bin target/release/reimage]
"""

import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = "gdtiti/grok2api-api"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, dict(r.headers)


def push_blob(base, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    _, h = request("POST", f"{base}/v2/{REPO}/blobs/uploads/")
    loc = h["Location"]
    loc = loc if loc.startswith("http") else base + loc
    sep = "&" if "?" in loc else "?"
    request("PUT", f"{loc}{sep}digest={digest}", data, {"Content-Type": "application/octet-stream"})
    return digest, len(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--refs", type=int, default=1000)
    ap.add_argument("--bin", default="target/release/reimage")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = os.path.join(root, args.bin)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        config = os.path.join(tmp, "config.yml")
        with open(config, "w") as f:
            f.write(
                f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                f"storage:\n  filesystem:\n    rootdirectory: {tmp}/data\n"
                f"http:\n  addr: 127.0.0.1:{port}\n"
            )
        reg = subprocess.Popen(["docker-registry", "serve", config],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    request("GET", base + "/v2/")
                    break
                except OSError:
                    time.sleep(0.05)
            cfg = push_blob(base, b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')
            manifest = json.dumps({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": cfg[0], "size": cfg[1]},
                "layers": [],
            }).encode()
            pushed = args.refs // 2
            for i in range(pushed):
                request("PUT", f"{base}/v2/{REPO}/manifests/v{i}", manifest,
                        {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            tree = os.path.join(tmp, "tree")
            for i in range(args.refs):
                d = os.path.join(tree, f"svc-{i // 100:03d}")
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, f"compose-{i}.yaml"), "w") as f:
                    # Each reference twice: asked once.
                    f.write(f"services:\n  a:\n    image: 127.0.0.1:{port}/{REPO}:v{i}\n"
                            f"  b:\n    image: 127.0.0.1:{port}/{REPO}:v{i}\n")
            start = time.monotonic()
            run = subprocess.run([binary, "verify", "--format", "json", tree],
                                 capture_output=True, text=True)
            elapsed = time.monotonic() - start
        finally:
            reg.kill()
            reg.wait()
    doc = json.loads(run.stdout)
    stats = run.stderr.strip().splitlines()[-1]
    rows = [
        ("references in the tree", str(2 * args.refs)),
        ("distinct references", str(args.refs)),
        ("pushed (exist)", str(pushed)),
        ("reported missing-target", str(doc["summary"].get("missing_target", 0))),
        ("exit code", str(run.returncode)),
        ("wall time", f"{elapsed:.2f} s"),
        ("reimage's own count", stats.replace("reimage: ", "")),
    ]
    out = ["# `reimage verify` against a loopback registry", "",
           "Written by `bench/verify.py` (rerunning overwrites this file).", "",
           f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
           f"- machine: {os.cpu_count()} cores; registry: Debian docker-registry on 127.0.0.1",
           f"- command: `reimage verify --format json TREE` (default concurrency: 8 per registry)", "",
           "| measure | value |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in rows]
    with open(os.path.join(root, "bench", "VERIFY.md"), "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))
    return 0 if run.returncode == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
