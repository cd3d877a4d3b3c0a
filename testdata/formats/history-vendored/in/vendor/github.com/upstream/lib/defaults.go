package lib

// DefaultPause is the upstream default; see k8s.gcr.io/pause:3.2 in their docs.
const DefaultPause = "k8s.gcr.io/pause:3.2"
