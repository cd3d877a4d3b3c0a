"""Fixtures for the integration tests: throwaway databases and caches in containers."""

import os

import pytest
from testcontainers.core.container import DockerContainer
from testcontainers.postgres import PostgresContainer

# Images the tests start; pinned so that CI runs are reproducible.
TEST_IMAGES = {
    "postgres": "bitnami/postgresql:16.2.0",
    "redis": "bitnami/redis:7.2.4",
    "mailpit": "axllent/mailpit:v1.20",
}

REDIS_ADDR = os.environ.get("REDIS_ADDR", "localhost:6379")
SCHEMA_VERSION = "2024.1"


@pytest.fixture(scope="session")
def postgres():
    with PostgresContainer(TEST_IMAGES["postgres"], driver="psycopg") as pg:
        yield pg


@pytest.fixture(scope="session")
def etcd():
    # Not in TEST_IMAGES: the chart pins its own tag.
    with DockerContainer("bitnami/etcd:3.5.12").with_exposed_ports(2379) as c:
        yield c


def chart_ref(name: str) -> str:
    """`helm pull` reference of a Bitnami chart, e.g. bitnami/nginx."""
    return f"bitnami/{name}"


LABELS = {"app.kubernetes.io/name": "web", "tier": "frontend:v2"}
