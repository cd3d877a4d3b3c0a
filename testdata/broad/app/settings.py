"""Settings of the shop worker: image pipeline, storage, and the sandbox used for untrusted files."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field
from urllib.parse import urljoin

import docker

from shop import setting
from shop.urls import get_url

# ---------------------------------------------------------------------------
# Runtime image of the sandbox that converts untrusted uploads. Overridable so that air-gapped
# installs can point at their own registry.
IMAGE = os.environ.get("IMAGE", "python:3.12-slim")
SANDBOX_IMAGE = os.environ.get("SANDBOX_IMAGE", "ghcr.io/acme/sandbox:1.3.0")
image_registry = setting.global_config.get("image_registry", "docker.io")

# ---------------------------------------------------------------------------
# Image pipeline limits.
image_size = 0
image_max_pixels = 40_000_000
image_quality = int(os.environ.get("IMAGE_DEFAULT_QUALITY", "82"))
image_formats = ("jpeg", "png", "webp")
image_mode = "RGB"
thumbnail_sizes = [(64, 64), (256, 256), (1024, 1024)]

DEFAULT_ENCODING = "utf-8"


@dataclass
class ImageSettings:
    storage: str = os.environ.get("IMAGE_STORAGE", "/data/images")
    url_prefix: str = os.environ.get("IMAGE_URL_PREFIX", "http://localhost:8080/images")
    formats: tuple[str, ...] = image_formats
    sizes: list[tuple[int, int]] = field(default_factory=lambda: list(thumbnail_sizes))


def image_url(post_id: int, name: str) -> str:
    """Public URL of an uploaded image of a post."""
    image_url = f"{get_url(post_id)}/images/{name}"
    return urljoin(ImageSettings().url_prefix, image_url)


def image_key(data: bytes) -> str:
    """Content address of an image: the storage key, stable across re-uploads."""
    digest = hashlib.sha256(data).digest()
    image_key = base64.b64encode(digest).decode(DEFAULT_ENCODING).rstrip("=")
    return image_key.replace("/", "_")


def image_data_uri(data: bytes, mime: str = "image/png") -> str:
    image_b64 = base64.b64encode(data).decode("ascii")
    return f"data:{mime};base64,{image_b64}"


def convert_untrusted(path: str) -> bytes:
    """Run the converter in a throwaway container: no network, read-only input."""
    client = docker.from_env()
    output = client.containers.run(
        "alpine:3.20",
        ["sh", "-c", "apk add --no-cache imagemagick >/dev/null && magick /in/file png:-"],
        volumes={path: {"bind": "/in/file", "mode": "ro"}},
        network_disabled=True,
        remove=True,
    )
    return output


def sandbox_image() -> str:
    image = SANDBOX_IMAGE if image_registry == "docker.io" else f"{image_registry}/acme/sandbox:1.3.0"
    return image


if __name__ == "__main__":
    print(f"image={IMAGE} sandbox={sandbox_image()} size={image_size} mode={image_mode}")
