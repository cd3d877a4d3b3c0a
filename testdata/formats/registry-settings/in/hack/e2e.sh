#!/usr/bin/env bash
# Runs the e2e suite against a kind cluster with locally built images.
set -o errexit -o nounset -o pipefail

export KUBE_REGISTRY="${KUBE_REGISTRY:-k8s.gcr.io}"
E2E_REGISTRY=k8s.gcr.io/e2e-test-images
KIND_VERSION=v0.20.0
REGISTRY_PORT=5000

echo "Using images from ${KUBE_REGISTRY} (e2e images from ${E2E_REGISTRY})"
kind create cluster --name e2e --image "kindest/node:${KIND_VERSION}"
kubeadm config images pull --image-repository "${KUBE_REGISTRY}"
go test ./test/e2e/... -args --registry k8s.gcr.io --report-dir "${ARTIFACTS:-/tmp}"
helm upgrade --install addons ./cluster --namespace kube-system \
  --set global.imageRegistry=k8s.gcr.io,addonManager.image.tag=v9.1.6 --wait
