# Run from this directory: python3 generate.py in/charts/platform/values.yaml out/charts/platform/values.yaml
# Generates testdata/formats/helm-bitnami-legacy/{in,out}/charts/platform/values.yaml: a long
# umbrella values file. The expected output is written from the generator's own knowledge of
# which repository lines are Bitnami split maps (never from reimage's output).
import sys
COMPONENTS = [
    # name, registry, repository, tag, shape, bitnami?
    ("redis", "docker.io", "bitnami/redis", "7.4.1-debian-12-r0", "block", True),
    ("redisSentinel", "docker.io", "bitnami/redis-sentinel", "7.4.1-debian-12-r0", "digest", True),
    ("postgresql", "docker.io", "bitnami/postgresql", "16.4.0-debian-12-r12", "block", True),
    ("pgbouncer", "docker.io", "bitnami/pgbouncer", "1.23.1-debian-12-r5", "quoted", True),
    ("kafka", "docker.io", "bitnami/kafka", "3.8.0-debian-12-r5", "flow", True),
    ("zookeeper", "docker.io", "bitnami/zookeeper", "3.9.2-debian-12-r11", "reordered", True),
    ("rabbitmq", "docker.io", "bitnami/rabbitmq", "3.13.7-debian-12-r2", "comment", True),
    ("mongodb", "docker.io", "bitnami/mongodb", "7.0.14-debian-12-r3", "block", True),
    ("elasticsearch", "docker.io", "bitnami/elasticsearch", "8.15.2-debian-12-r0", "digest", True),
    ("kibana", "docker.io", "bitnami/kibana", "8.15.2-debian-12-r1", "quoted", True),
    ("memcached", "docker.io", "bitnami/memcached", "1.6.31-debian-12-r3", "flow", True),
    ("nginx", "docker.io", "bitnami/nginx", "1.27.2-debian-12-r1", "block", True),
    ("keycloak", "docker.io", "bitnami/keycloak", "25.0.6-debian-12-r1", "reordered", True),
    ("minio", "docker.io", "bitnami/minio", "2024.10.2-debian-12-r0", "comment", True),
    ("certManager", "quay.io", "jetstack/cert-manager-controller", "v1.15.3", "block", False),
    ("externalDns", "registry.k8s.io", "external-dns/external-dns", "v0.15.0", "block", False),
    ("grafana", "docker.io", "grafana/grafana", "11.2.2", "quoted", False),
    ("loki", "docker.io", "grafana/loki", "3.2.0", "flow", False),
    ("tempo", "docker.io", "grafana/tempo", "2.6.0", "block", False),
    ("vault", "docker.io", "hashicorp/vault", "1.17.6", "digest", False),
    ("argocd", "quay.io", "argoproj/argocd", "v2.12.4", "reordered", False),
    ("sealedSecrets", "docker.io", "bitnamilegacy/sealed-secrets-controller", "0.27.1", "block", False),
    ("thanos", "quay.io", "thanos/thanos", "v0.36.1", "comment", False),
    ("velero", "docker.io", "velero/velero", "v1.14.1", "block", False),
]
DIGEST = "sha256:0c6f7b5a0b5e2ad7b9f2d1fb6f9c8a0e4c0d1a3f7d2e6b1c9a8f7e6d5c4b3a21"

def image_lines(name, reg, repo, tag, shape, new_repo):
    r = new_repo
    if shape == "block":
        return [f"  image:", f"    registry: {reg}", f"    repository: {r}", f"    tag: {tag}", f"    digest: \"\"", f"    pullPolicy: IfNotPresent", f"    pullSecrets: []", f"    debug: false"]
    if shape == "digest":
        return [f"  image:", f"    registry: {reg}", f"    repository: {r}", f"    tag: {tag}", f"    ## Digest pinned by the release pipeline; it overrides the tag", f"    digest: {DIGEST}", f"    pullPolicy: IfNotPresent"]
    if shape == "quoted":
        return [f"  image:", f"    registry: \"{reg}\"", f"    repository: \"{r}\"", f"    tag: \"{tag}\"", f"    pullPolicy: \"IfNotPresent\""]
    if shape == "flow":
        return [f"  image: {{registry: {reg}, repository: {r}, tag: \"{tag}\", pullPolicy: IfNotPresent}}"]
    if shape == "reordered":
        return [f"  image:", f"    pullPolicy: Always", f"    tag: {tag}", f"    repository: {r}", f"    registry: {reg}"]
    if shape == "comment":
        return [f"  image:", f"    registry: {reg}  # mirrored by the platform team", f"    repository: {r}  # see docs/images.md", f"    tag: {tag}", f"    digest: \"\""]
    raise ValueError(shape)

def component(name, reg, repo, tag, shape, bitnami, out):
    new_repo = repo.replace("bitnami/", "bitnamilegacy/", 1) if (out and bitnami) else repo
    short = repo.split("/")[-1]
    L = []
    L += [f"## @section {name} parameters", "##", ""]
    L += [f"## {name} image", f"## ref: https://hub.docker.com/r/{repo}/tags/"]
    L += [f"## @param {name}.image.registry [default: REGISTRY_NAME] {name} image registry",
          f"## @param {name}.image.repository [default: REPOSITORY_NAME/{short}] {name} image repository",
          f"## @skip {name}.image.tag {name} image tag (immutable tags are recommended)",
          f"## @param {name}.image.digest {name} image digest in the way sha256:aa.... Please note this parameter, if set, will override the tag",
          "##"]
    L += [f"{name}:", "  enabled: true"]
    L += image_lines(name, reg, repo, tag, shape, new_repo)
    L += [f"  ## @param {name}.replicaCount Number of {name} replicas",
          "  replicaCount: 1",
          f"  ## @param {name}.extraEnvVars Extra environment variables (evaluated as a template)",
          "  extraEnvVars:",
          "    - name: RELEASE_NAME",
          "      value: \"{{ .Release.Name }}\"",
          f"    - name: {name.upper()}_DATA_DIR",
          f"      value: /opt/bitnami/{short}/data",
          "    - name: SERVICE_URL",
          f"      value: \"http://{{{{ include \\\"common.names.fullname\\\" . }}}}-{short}:8080\"",
          "  containerSecurityContext:",
          "    enabled: true",
          "    runAsUser: 1001",
          "    runAsNonRoot: true",
          "    readOnlyRootFilesystem: true",
          "  persistence:",
          "    enabled: true",
          f"    mountPath: /bitnami/{short}",
          "    size: 8Gi",
          "    annotations: {}",
          "  resources:",
          "    requests:",
          "      cpu: 100m",
          "      memory: 128Mi",
          "    limits:",
          "      memory: 512Mi",
          "  metrics:",
          "    enabled: false",
          "    prometheusRule:",
          "      enabled: false",
          "      rules:",
          f"        - alert: {name[0].upper() + name[1:]}Down",
          f"          expr: up{{job=\"{{{{ include \"common.names.fullname\" . }}}}-{short}\"}} == 0",
          "          for: 5m",
          "          labels:",
          "            severity: critical",
          "          annotations:",
          f"            summary: {name} instance {{{{ \"{{{{ $labels.instance }}}}\" }}}} down",
          f"            description: {name} instance {{{{ \"{{{{ $labels.instance }}}}\" }}}} of job {{{{ \"{{{{ $labels.job }}}}\" }}}} has been down for more than 5 minutes.",
          f"        - alert: {name[0].upper() + name[1:]}Restarting",
          f"          expr: increase(kube_pod_container_status_restarts_total{{container=\"{short}\"}}[15m]) > 3",
          "          for: 10m",
          "          labels:",
          "            severity: warning",
          "          annotations:",
          f"            summary: \"{{{{`{{{{ $labels.pod }}}}`}}}} restarts often\"",
          "            runbook_url: https://runbooks.example.com/platform/restarts",
          "  extraVolumes: []",
          "  sidecars: []",
          "  nodeSelector: {}",
          "  tolerations: []",
          ""]
    return L

def main(out):
    L = ["# Copyright Acme Platform Authors.", "# SPDX-License-Identifier: APACHE-2.0", "",
         "## @section Global parameters",
         "## Please, note that this will override the image parameters, including dependencies, configured to use the global value",
         "##", "global:", "  ## @param global.imageRegistry Global Docker image registry", "  ##",
         "  imageRegistry: \"\"", "  imagePullSecrets: []", "  defaultStorageClass: \"\"",
         "  security:", "    ## Bitnami moved its free images to bitnamilegacy; allow them", "    allowInsecureImages: true", ""]
    rounds = 0
    while len(L) < 3000:
        for c in COMPONENTS:
            if rounds == 0:
                L += component(*c, out)
            else:
                # Later rounds: more components of the same shapes with other names, no images.
                name = c[0] + "Replica" + str(rounds)
                L += [x for x in component(name, *c[1:], out) if True][:0]
                L += filler(name)
        rounds += 1
        if rounds > 60:
            break
    return "\n".join(L) + "\n"

def filler(name):
    return [f"## @section {name} settings", "##", f"{name}:", "  enabled: false",
            "  config: |", "    # rendered with tpl", "    listen: 0.0.0.0:{{ .Values.service.port }}",
            "    data_dir: /opt/bitnami/data", "  service:", "    type: ClusterIP", "    ports:", "      http: 80",
            "  ingress:", "    enabled: false", "    hostname: \"{{ .Release.Name }}.example.com\"",
            "    annotations:", "      nginx.ingress.kubernetes.io/rewrite-target: /", ""]

open(sys.argv[1], "w").write(main(False))
open(sys.argv[2], "w").write(main(True))
