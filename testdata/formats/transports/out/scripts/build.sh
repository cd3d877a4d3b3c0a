#!/usr/bin/env bash
set -euo pipefail
docker buildx build \
  --build-context base=docker-image://ghcr.io/acme/busybox:1.36 \
  -t "registry.internal:5000/tools:${TAG}" .
