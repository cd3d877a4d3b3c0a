#!/usr/bin/env python3
"""Writes the inputs of the "Template masking" measurement in bench/RESULTS.md.

    gen_templated.py OUT_DIR [MB]

OUT_DIR/templated/values.yaml.gotmpl: a Helmfile-style values template of about MB megabytes
(default 10): one component per block, each a split map (`registry: k8s.gcr.io`), `{{- if }}` /
`{{- end }}` control lines, unquoted `{{ }}` values and alert annotations with `{{ $labels }}`,
so that it parses only masked. OUT_DIR/plain/values.yaml.gotmpl: the same bytes with every
action replaced by `x`s of the same length (and control lines by comments), so both files have
the same size, lines and image maps, and only the masking differs.
"""
import os
import re
import sys

BLOCK = """\
{{{{- if .Values.component{i}.enabled }}}}
component{i}:
  nameOverride: {{{{ .Release.Name }}}}-c{i}
  replicaCount: {{{{ .Values.replicas | default 2 }}}}
  image:
    registry: k8s.gcr.io
    repository: team{t}/service-{i}
    tag: "{{{{ .Chart.AppVersion }}}}"
    pullPolicy: IfNotPresent
  sidecar:
    image:
      registry: k8s.gcr.io
      repository: team{t}/sidecar
      tag: v1.{i}.0
  extraEnv:
    - name: RELEASE
      value: "{{{{ .Release.Name }}}}"
    - name: NAMESPACE
      value: {{{{ .Release.Namespace | quote }}}}
  alerts:
    - alert: Component{i}Down
      expr: up{{job="component-{i}"}} == 0
      for: 5m
      annotations:
        summary: "Instance {{{{ "{{{{ $labels.instance }}}}" }}}} of component {i} is down"
        description: "{{{{ "{{{{ $labels.job }}}}" }}}} has been down for more than 5 minutes."
  resources:
    requests:
      cpu: 100m
      memory: 128Mi
{{{{- end }}}}
"""

ACTION = re.compile(r'\{\{ "\{\{ [^}]*\}\}" \}\}|\{\{-? [^}]*\}\}')


def plain(text):
    def literal(m):
        s = m.group(0)
        return "#" + "x" * (len(s) - 1) if s.startswith("{{-") else "x" * len(s)
    return ACTION.sub(literal, text)


def main():
    out = sys.argv[1]
    size = float(sys.argv[2]) * 1e6 if len(sys.argv) > 2 else 10e6
    parts, total, i = [], 0, 0
    while total < size:
        block = BLOCK.format(i=i, t=i % 40)
        parts.append(block)
        total += len(block)
        i += 1
    text = "".join(parts)
    for name, body in (("templated", text), ("plain", plain(text))):
        os.makedirs(os.path.join(out, name), exist_ok=True)
        with open(os.path.join(out, name, "values.yaml.gotmpl"), "w") as f:
            f.write(body)
    print(f"{i} components, {total} bytes, {text.count('{{')} actions")


if __name__ == "__main__":
    main()
