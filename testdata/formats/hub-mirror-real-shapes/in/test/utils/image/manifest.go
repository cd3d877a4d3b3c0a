/*
Copyright 2017 The Kubernetes Authors.

Licensed under the Apache License, Version 2.0 (the "License");
*/

package image

import (
	"fmt"
	"strings"
)

// RegistryList holds public and private image registries
type RegistryList struct {
	DockerLibraryRegistry string `yaml:"dockerLibraryRegistry"`
	PromoterE2eRegistry   string `yaml:"promoterE2eRegistry"`
}

var (
	initRegistry = RegistryList{
		DockerLibraryRegistry: "docker.io/library",
		PromoterE2eRegistry:   "registry.k8s.io/e2e-test-images",
	}

	dockerLibraryRegistry = "docker.io/library"
	busyboxImage          = "docker.io/library/busybox:1.36.1-1"
)

// replaceRegistryInImageURLWithList replaces the registry in the image URL with a custom one based
// on the configured registries.
func replaceRegistryInImageURLWithList(imageURL string, reg RegistryList) (string, error) {
	parts := strings.Split(imageURL, "/")
	registryAndUser := strings.Join(parts[:countParts-1], "/")

	switch registryAndUser {
	case initRegistry.PromoterE2eRegistry:
		registryAndUser = reg.PromoterE2eRegistry
	case "docker.io/library":
		registryAndUser = reg.DockerLibraryRegistry
	case "index.docker.io/library":
		registryAndUser = reg.DockerLibraryRegistry
	default:
		return "", fmt.Errorf("registry %s is missing in RegistryList", registryAndUser)
	}
	return fmt.Sprintf("%s/%s", registryAndUser, parts[countParts-1]), nil
}
