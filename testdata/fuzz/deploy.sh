#!/usr/bin/env bash
# Deploy or update grok2api on a single Docker host.
# Usage: TAG=v1.0.0 ./scripts/deploy.sh [deploy|pinned]
set -euo pipefail

IMAGE=ghcr.io/gdtiti/grok2api:${TAG:-latest}
CONTAINER=grok2api
DATA_DIR="${DATA_DIR:-/opt/grok2api/data}"

# Registry and repository are kept apart for the login helper below.
REGISTRY=ghcr.io
REPOSITORY=gdtiti/grok2api

log() { printf '[deploy] %s\n' "$*"; }

login() {
  if [[ -n "${GHCR_TOKEN:-}" ]]; then
    echo "$GHCR_TOKEN" | docker login "$REGISTRY" -u "${GHCR_USER:-gdtiti}" --password-stdin
  fi
}

pull() {
  log "pulling $IMAGE"
  docker pull "$IMAGE"
  # keep the floating tag warm for quick rollbacks
  docker pull "${REGISTRY}/gdtiti/grok2api:latest"
}

run() {
  docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
  mkdir -p "$DATA_DIR"
  docker run -d --name "$CONTAINER" \
    --restart unless-stopped \
    -p 8000:8000 \
    -v "$DATA_DIR:/app/data" \
    --env-file .env \
    "$IMAGE"
}

pinned() {
  # Known-good release, used when the floating tag misbehaves.
  docker rm -f grok2api >/dev/null 2>&1 || true
  docker run -d --name grok2api -p 8000:8000 ghcr.io/gdtiti/grok2api:v1.0.0
}

case "${1:-deploy}" in
  deploy) login; pull; run ;;
  pinned) login; pinned ;;
  *) echo "usage: $0 [deploy|pinned]" >&2; exit 2 ;;
esac

log "deployed ${REGISTRY}/${REPOSITORY} as $CONTAINER"
