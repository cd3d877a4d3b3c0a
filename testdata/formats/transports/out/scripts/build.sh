#!/usr/bin/env bash
set -euo pipefail
docker buildx build \
  --build-context base=docker-image://ghcr.io/acme/busybox:1.36 \
  -t "registry.internal:5000/tools:${TAG}" .

# Roll the debug sidecar forward on the canary cluster, then check what the registry serves.
kubectl --context canary -n tools set image deployment/toolbox debug=ghcr.io/acme/busybox:1.36 --record
kubectl -n tools rollout status deployment/toolbox --timeout=120s
regctl image digest --platform linux/amd64 ghcr.io/acme/busybox:1.36
regctl tag ls ghcr.io/acme/busybox | sort -V | tail -n 5
