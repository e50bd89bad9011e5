"""Shared fixtures: the replica served on 127.0.0.1:0, and the real Redis / PostgreSQL servers.

On CI (IFP_REQUIRE_SERVICES=1, set by .ci/run) an unreachable service fails the tests that
need it instead of skipping them.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.storecompare import StoreDump, dump_store

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
    from tests.replica.testing import ReplicaServer

    with ReplicaServer("--articles", "120") as server:
        yield server


@dataclass(frozen=True)
class CleanCrawl:
    """One uninterrupted single-process crawl of a fault-free replica into SQLite."""

    dump: StoreDump  # URLs relative to the site (tests/storecompare.py)
    runs: list[dict[str, Any]]  # crawl_runs stats, with "_finished"


@pytest.fixture(scope="session")
def clean_crawl(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], CleanCrawl]:
    """``clean_crawl(n)``: the reference store for an n-article replica, crawled once per
    session and shared (the faults and multi-worker tests both compare with 300 articles).

    The replica's content depends only on its arguments, so a store crawled from another
    replica process with the same ``--articles`` compares equal once URLs are site-relative.
    """
    from tests.local import run_crawl
    from tests.replica.testing import ReplicaServer

    done: dict[int, CleanCrawl] = {}

    def get(articles: int) -> CleanCrawl:
        if articles not in done:
            tmp = tmp_path_factory.mktemp(f"clean{articles}")
            db = tmp / "ifp.db"
            with ReplicaServer("--articles", str(articles)) as replica:
                result = run_crawl(replica.base_url, str(db), cwd=tmp, timeout=900)
                assert result.returncode == 0, result.stderr[-3000:]
                dump = dump_store(db, replica.base_url)
            with sqlite3.connect(db) as con:
                runs = [
                    {**json.loads(stats), "_finished": finished}
                    for finished, stats in con.execute(
                        "SELECT finished_at, stats FROM crawl_runs ORDER BY id"
                    )
                ]
            con.close()
            assert len(dump.articles) >= articles  # the replica's articles, at least
            done[articles] = CleanCrawl(dump, runs)
        return done[articles]

    return get
