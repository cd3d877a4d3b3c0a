#!/bin/sh
# Deploys habitcentric to the demo cluster.
echo "deploying habitcentric"
kubectl set image deploy/ui ui=ghcr.io/acme/habitcentric/ui:1.1 -n habitcentric
