#!/usr/bin/env bash
set -euo pipefail
docker buildx build \
  --build-context base=docker-image://busybox:1.36 \
  -t "registry.internal:5000/tools:${TAG}" .

# Roll the debug sidecar forward on the canary cluster, then check what the registry serves.
kubectl --context canary -n tools set image deployment/toolbox debug=busybox:1.36 --record
kubectl -n tools rollout status deployment/toolbox --timeout=120s
regctl image digest --platform linux/amd64 busybox:1.36
regctl tag ls busybox | sort -V | tail -n 5
