#!/usr/bin/env bash
# Release every shop service image: build, tag, push, and promote the chart.
#
# Usage: scripts/release.sh [-n] VERSION
#   -n   dry run: print the docker commands instead of running them
#
# Environment:
#   REGISTRY      where images are pushed (default: ghcr.io/acme)
#   SERVICES      which services to release (default: every directory under services/)
set -euo pipefail

REGISTRY="${REGISTRY:-ghcr.io/acme}"
BASE_IMAGE="debian:bookworm-slim"
HELPER_IMAGE=${HELPER_IMAGE:-alpine/git:v2.45.2}
YQ_IMAGE=mikefarah/yq:4.44.3
IMAGE_TAG="$(git describe --tags --always --dirty)"
DRY_RUN=0

while getopts "n" opt; do
  case "$opt" in
    n) DRY_RUN=1 ;;
    *) echo "usage: $0 [-n] VERSION" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
VERSION="${1:?version required}"
TAG="${VERSION#v}"

run() {
  if [[ "$DRY_RUN" == 1 ]]; then echo "+ $*"; else "$@"; fi
}

services="${SERVICES:-$(ls services | tr '\n' ' ')}"

echo "==> building ${services} at ${TAG} (base ${BASE_IMAGE})"
for svc in $services; do
  svcname="shop-${svc}"
  run docker build \
    --build-arg BASE_IMAGE="$BASE_IMAGE" \
    --label org.opencontainers.image.version="$TAG" \
    -t "$REGISTRY/$svc:$TAG" \
    -t "$REGISTRY/${svcname}:latest" \
    -f "services/$svc/Dockerfile" .
  run docker push "$REGISTRY/$svc:$TAG" && run docker push "$REGISTRY/${svcname}:latest"
done

# Keep the Docker Hub mirror in sync for users who cannot reach GHCR.
for svc in $services; do
  service_name="$svc"
  IMAGE="$REGISTRY/$service_name:$TAG"
  docker pull $IMAGE
  docker tag $IMAGE "docker.io/acme/$service_name:$TAG"
  docker push "docker.io/acme/$service_name:$TAG" || echo "warning: mirror push failed for $service_name" >&2
done

# Verify the mirror: every tag must resolve there, and the image must start.
for svc in $services; do
  docker pull "docker.io/acme/${svc}:$TAG" | grep -q 'Status:' && echo "ok ${svc}" || echo "missing ${svc}"
  docker manifest inspect `cat .last-image` >/dev/null 2>&1; docker rmi "$REGISTRY/$svc:$TAG" || true
  docker run --rm alpine:3.20 sh -c "wget -qO- http://shop-$svc:8080/healthz" | grep -q ok && flocker status "$svc"
  (docker pull mikefarah/yq:4.44.3 && docker tag "$YQ_IMAGE" "$REGISTRY/yq:4.44.3") | tee -a mirror.log
done

# Bump the chart: appVersion and image.tag, with yq in a container so CI needs nothing installed.
docker run --rm -v "$PWD/chart:/workdir" -w /workdir --user "$(id -u):$(id -g)" $YQ_IMAGE \
  -i ".appVersion = \"$TAG\" | .image.tag = \"$TAG\"" Chart.yaml values.yaml

# Smoke test the released API image against a throwaway database.
docker network create shop-smoke >/dev/null 2>&1 || true
docker run -d --rm --name shop-smoke-db --network shop-smoke -e POSTGRES_PASSWORD=smoke postgres:16
docker run --rm -v "$PWD/scripts/smoke:/smoke:ro" -e API_URL=http://shop-smoke-api:8080 \
  --name shop-smoke-client --network shop-smoke -p 18080:8080 alpine:3.20 \
  sh -c 'apk add --no-cache curl jq >/dev/null && /smoke/run.sh "$API_URL"'
docker stop shop-smoke-db

# Clean up old local images of ours, keep the last three tags.
docker images --format '{{.Repository}}:{{.Tag}}' | grep "^$REGISTRY/" | sort -V | head -n -3 | xargs -r docker rmi
docker images | grep acme | awk '{print $3}' | sort -u | wc -l

# Record what we shipped.
git_sha=$(git rev-parse --short HEAD)
command -v flocker >/dev/null && flocker deploy shop "$TAG" || true
printf '%s %s %s\n' "$TAG" "$git_sha" "$(date -u +%FT%TZ)" >> RELEASES
docker run --rm -v "$PWD:/repo" -w /repo "$HELPER_IMAGE" tag -a "v$TAG" -m "release $TAG"
echo "done: $(echo $services | wc -w) services released as $TAG"
