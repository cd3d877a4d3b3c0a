// Package tools lists the helper images the e2e suite pulls before it starts.
package tools

import "fmt"

// Images are pulled once per run; keys are the container names.
var images = map[string]string{
	"kubectl": "bitnamilegacy/kubectl:1.29",
	"etcd":    "bitnamilegacy/etcd:3.5.12",
	"pause":   "registry.k8s.io/pause:3.9",
}

// ControllerImage is the image of the controller under test.
const ControllerImage = "bitnamilegacy/sealed-secrets-controller:0.26.0"

var defaultAddr = "etcd:2379"

func Describe(name string) string {
	return fmt.Sprintf("%s=%s (%s)", name, images[name], "bitnami/kubectl")
}
