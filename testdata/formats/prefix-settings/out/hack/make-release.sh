#!/usr/bin/env bash

# Copyright 2019 Google LLC
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.

# This script compiles manifest files with the image tags and places them in
# /release/...

set -euo pipefail
SCRIPTDIR="$( cd "$( dirname "${BASH_SOURCE[0]}" )" >/dev/null 2>&1 && pwd )"
[[ -n "${DEBUG:-}" ]] && set -x

log() { echo "$1" >&2; }
fail() { log "$1"; exit 1; }

TAG="${TAG:?TAG env variable must be specified}"
export REPO_PREFIX="${REPO_PREFIX:-us-central1-docker.pkg.dev/google-samples/microservices-demo}"
export PROJECT_ID="${PROJECT_ID:-google-samples}"
# The registry itself, for `gcloud auth configure-docker`.
export DOCKER_REGISTRY=gcr.io

if [[ "$TAG" != v* ]]; then
    fail "\$TAG must start with 'v', e.g. v0.1.0 (got: $TAG)"
fi

gcloud auth configure-docker "${DOCKER_REGISTRY}" --quiet

# build and push images
"${SCRIPTDIR}"/make-docker-images.sh

# update yaml
"${SCRIPTDIR}"/make-release-artifacts.sh

# create git release / push to new branch
git checkout -b "release/${TAG}"
git add "${SCRIPTDIR}/../release/"
git commit --allow-empty -m "Release $TAG"
log "Pushed release commit for $TAG with images under ${REPO_PREFIX}"
skaffold build --default-repo=us-central1-docker.pkg.dev/google-samples/microservices-demo --tag="${TAG}"
