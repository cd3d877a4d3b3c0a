#!/usr/bin/env bash
# Deploys the static site behind nginx on a single host, then smoke-tests
# the Kubernetes ingress that serves the same content.
set -euo pipefail

NGINX_IMAGE=ghcr.io/acme/nginx:1.25-alpine
SITE_DIR="${SITE_DIR:-$PWD/public}"

log() { printf '[deploy] %s\n' "$*" >&2; }

log "pulling images"
podman pull ghcr.io/acme/nginx:1.25
docker pull "$NGINX_IMAGE"

log "validating configuration"
docker run \
  --rm -v "$PWD/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" \
  ghcr.io/acme/nginx:1.25 nginx -t

log "replacing the running container"
docker rm -f nginx >/dev/null 2>&1 || true
docker run -d --name nginx -v ./nginx.conf:/etc/nginx/nginx.conf:ro -p 80:80 ghcr.io/acme/nginx:1.25
docker run -d --name static --restart unless-stopped \
  -v "$SITE_DIR:/usr/share/nginx/html:ro" -p 8080:80 "$NGINX_IMAGE"
echo "nginx started"

log "rolling the cluster deployment"
kubectl set image deployment/web nginx=ghcr.io/acme/nginx:1.27
kubectl rollout status deployment/web --timeout=120s

log "smoke test from inside the cluster"
kubectl run tmp --image=ghcr.io/acme/nginx --restart=Never --rm -i -- curl -fsS http://web/healthz

log "done; logs: docker logs -f nginx"
