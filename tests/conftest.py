"""Shared fixtures: the replica served on 127.0.0.1:0, and the real Redis / PostgreSQL servers.

On CI (IFP_REQUIRE_SERVICES=1, set by .ci/run) an unreachable service fails the tests that
need it instead of skipping them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

PG_DSN = os.environ.get("IFP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("IFP_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("IFP_REQUIRE_SERVICES"):
        pytest.fail(message + " (IFP_REQUIRE_SERVICES is set: CI must run these tests)")
    pytest.skip(message)


@pytest.fixture
def pg_dsn() -> str:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    return PG_DSN


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", "127.0.0.1", 6379)
    return REDIS_URL


@pytest.fixture(scope="session")
def replica() -> Iterator[object]:
    """One default replica (500 articles) for the whole session; read-only use only."""
    from ifpcrawl.replica.testing import ReplicaServer

    with ReplicaServer("--articles", "120") as server:
        yield server
