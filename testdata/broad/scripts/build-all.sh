#!/bin/sh
# Build every image of the shop locally, the way CI does, and run the unit tests in containers.
# POSIX sh on purpose: this also runs on the Alpine-based CI runners.
set -eu

cd "$(dirname "$0")/.."

REGISTRY=${REGISTRY:-localhost:5000/acme}
TAG=${TAG:-dev}
GO_IMAGE=golang:1.22-alpine
NODE_IMAGE="node:20-alpine"
PY_IMAGE=python:3.12-slim
DISTROLESS=gcr.io/distroless/static-debian12:nonroot
PLATFORMS=linux/amd64
export DOCKER_BUILDKIT=1

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# A local registry to push to, like CI's.
if ! docker ps --format '{{.Names}}' | grep -q '^registry$'; then
  log "starting a local registry on :5000"
  docker run -d --restart=always -p 5000:5000 --name registry registry:2.8.3
fi

# Pull the bases once so that --pull=false builds are reproducible offline.
for base in "$GO_IMAGE" "$NODE_IMAGE" "$PY_IMAGE" "$DISTROLESS"; do
  docker pull "$base" >/dev/null &
done
wait

for dir in services/*/; do
  svc=$(basename "$dir")
  [ -f "$dir/Dockerfile" ] || { log "skipping $svc: no Dockerfile"; continue; }
  log "building $svc"
  docker build --pull=false \
    --platform "$PLATFORMS" \
    --build-arg GO_IMAGE=$GO_IMAGE \
    -t "$REGISTRY/$svc:$TAG" "$dir" | tee "build-$svc.log" | grep -E '^(#[0-9]+ DONE|ERROR)' || true
  docker push "$REGISTRY/$svc:$TAG"
done

log "unit tests"
docker run --rm -v "$PWD:/src" -w /src -e CGO_ENABLED=0 -e GOFLAGS=-mod=mod $GO_IMAGE go test ./...
docker run --rm -v "$PWD/web:/app" -w /app --entrypoint sh node:20-alpine -c 'npm ci && npm test'
docker run --rm -v "$PWD/app:/app" -w /app python:3.12-slim \
  sh -c "pip install -q -r requirements.txt && python -m pytest -q"

log "lint"
docker run --rm -v "$PWD:/app" -w /app golangci/golangci-lint:v1.59.1 golangci-lint run --timeout 5m
docker run --rm -i hadolint/hadolint:v2.12.0 < Dockerfile

log "what we built"
docker images "$REGISTRY/*" --format 'table {{.Repository}}\t{{.Tag}}\t{{.Size}}'
docker images | grep "$TAG" | awk '{ s += $NF } END { print NR " images" }'
count=$(docker images -q "$REGISTRY/*" | wc -l) && [ "$count" -gt 0 ] && log "$count images ready"
