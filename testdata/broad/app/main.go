// Command imagectl resizes shop images and, for untrusted uploads, converts them in a sandbox
// container.
package main

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"
	"time"
)

// defaultSandbox is the converter image used when SHOP_SANDBOX_IMAGE is not set.
const defaultSandbox = "docker.io/library/busybox:1.36"

var (
	version   = "dev"
	imageName = flag.String("image", "", "image to convert (file path)")
	imageSize = flag.Int("size", 1024, "longest side of the output image, in pixels")
	registry  = flag.String("registry", "ghcr.io", "registry of the sandbox image")
	timeout   = flag.Duration("timeout", 30*time.Second, "conversion timeout")
)

type imageJob struct {
	Path      string `json:"path"`
	Size      int    `json:"size"`
	Format    string `json:"format"`
	ImageMode string `json:"image_mode"`
}

func sandboxImage() string {
	if img := os.Getenv("SHOP_SANDBOX_IMAGE"); img != "" {
		return img
	}
	image := fmt.Sprintf("%s/%s:%s", *registry, "acme/sandbox", version)
	if *registry == "docker.io" {
		image = defaultSandbox
	}
	return image
}

func convert(ctx context.Context, job imageJob) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	args := []string{"run", "--rm", "--network", "none", "-v", job.Path + ":/in:ro", sandboxImage(),
		"convert", "/in", "-resize", fmt.Sprintf("%dx%d", job.Size, job.Size), job.Format + ":-"}
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stderr = os.Stderr
	return cmd.Output()
}

func main() {
	flag.Parse()
	if *imageName == "" {
		log.Fatal("imagectl: -image is required")
	}
	format := strings.TrimPrefix(strings.ToLower(*imageName)[strings.LastIndex(*imageName, ".")+1:], ".")
	out, err := convert(context.Background(), imageJob{Path: *imageName, Size: *imageSize, Format: format})
	if err != nil {
		log.Fatalf("imagectl: convert %s: %v", *imageName, err)
	}
	encoded := base64.StdEncoding.EncodeToString(out)
	fmt.Printf("data:image/%s;base64,%s\n", format, encoded)
}
