IMAGE=${REGISTRY}/gdtiti/grok2api:${TAG:-latest}
docker run -d ghcr.io/gdtiti/grok2api:v1 2>&1 | tee log # reimage: ignore
été ghcr.io/gdtiti/grok2api.
