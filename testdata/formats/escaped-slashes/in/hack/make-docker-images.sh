#!/usr/bin/env bash

# Copyright 2019 Google LLC
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.

# Builds and pushes docker image for each demo microservice.

set -euo pipefail
SCRIPTDIR="$( cd "$( dirname "${BASH_SOURCE[0]}" )" >/dev/null 2>&1 && pwd )"
log() { echo "$1" >&2; }

TAG="${TAG:?TAG env variable must be specified}"
REPO_PREFIX="${REPO_PREFIX:?REPO_PREFIX env variable must be specified}"

while IFS= read -d $'\0' -r dir; do
    # build image
    svcname="$(basename "${dir}")"
    builddir="${dir}"
    image="${REPO_PREFIX}/$svcname:$TAG"
    (
        cd "${builddir}"
        log "Building: ${image}"
        docker build --pull -t "${image}" .

        log "Pushing: ${image}"
        docker push "${image}"
    )
done < <(find "${SCRIPTDIR}/../src" -mindepth 1 -maxdepth 1 -type d -print0)

# Point the release manifests at this build. The published names are escaped for sed.
sed -i "s/gcr.io\/google-samples\/microservices-demo\/frontend:v0.8.0/gcr.io\/google-samples\/microservices-demo\/frontend:${TAG}/g" \
    "${SCRIPTDIR}/../release/kubernetes-manifests.yaml"
sed -i 's/image: gcr.io\/google-samples\/microservices-demo\/\(.*\):v0.8.0/image: \1:v0.9.0/' \
    "${SCRIPTDIR}/../release/istio-manifests.yaml"
sed -i "s|gcr.io/google-samples/microservices-demo/loadgenerator:v0.8.0|gcr.io/google-samples/microservices-demo/loadgenerator:${TAG}|g" \
    "${SCRIPTDIR}/../release/kubernetes-manifests.yaml"

log "Successfully built and pushed all images."
