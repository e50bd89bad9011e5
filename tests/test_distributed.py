"""Many workers on one crawl: the shared Redis frontier and the PostgreSQL store.

Unit tests drive :class:`ifpcrawl.distributed.Frontier` on the real Redis (each test under its
own key prefix, deleted afterwards). End-to-end tests start real `scrapy crawl ifp` worker
processes against the replica, with a real PostgreSQL store (one schema per test, dropped
afterwards), and compare what they stored with a single-worker SQLite crawl of the same
replica.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import psycopg
import pytest
import redis
from scrapy.settings import Settings

from ifpcrawl.distributed import (
    Frontier,
    GroupKeys,
    IdleWatch,
    RedisFrontierAddon,
    at_or_after,
    group_namespace,
    site_key,
)
from tests.conftest import CleanCrawl
from tests.local import PROJECT_ROOT, crawl_command, crawl_env, run_crawl
from tests.storecompare import (
    StoreDump,
    assert_no_extra_variants,
    assert_same_store,
    dump_store,
    site_relative,
)

ARTICLES = int(os.environ.get("IFP_TEST_ARTICLES_DISTRIBUTED", "300"))
WORKERS = 3
# Short heartbeat TTL and idle wait: the tests then spend seconds, not tens, waiting to stop.
GROUP_SETTINGS = {"IFP_REDIS_WORKER_TTL": "5", "IFP_REDIS_IDLE_SECONDS": "3"}
CRAWL_TIMEOUT = 600


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; every key under it is deleted afterwards."""
    prefix = f"ifptest-{uuid.uuid4().hex[:10]}"
    yield prefix
    server = redis.Redis.from_url(redis_url)
    names = list(server.scan_iter(match=f"{prefix}:*", count=500))
    if names:
        server.delete(*names)
    server.close()


def frontier(
    server: redis.Redis, prefix: str, worker: str, site: str = "http://x.test/"
) -> Frontier:
    return Frontier(server, GroupKeys(group_namespace(prefix, "ifp", site)), worker, ttl=30)


def group_keys(redis_url: str, prefix: str) -> list[str]:
    server = redis.Redis.from_url(redis_url)
    try:
        return sorted(k.decode() for k in server.scan_iter(match=f"{prefix}:*", count=500))
    finally:
        server.close()


def holds_leases(redis_url: str, prefix: str, pid: int) -> bool:
    """Whether the worker process ``pid`` holds leased requests right now."""
    server = redis.Redis.from_url(redis_url)
    try:
        keys = server.scan_iter(match=f"{prefix}:*:lease:*:{pid}:*", count=500)
        return any(server.hlen(key) for key in keys)
    finally:
        server.close()


# --- settings -----------------------------------------------------------------------------


def test_addon_keeps_the_local_frontier_without_redis_url() -> None:
    settings = Settings()
    scheduler = settings.get("SCHEDULER")
    RedisFrontierAddon().update_settings(settings)
    assert settings.get("SCHEDULER") == scheduler
    assert settings.get("DUPEFILTER_CLASS") == "ifpcrawl.fingerprints.CompactDupeFilter"
    assert IdleWatch not in settings.getdict("EXTENSIONS")
    assert settings.get("REDIS_URL") is None


def test_addon_switches_scheduler_and_dupefilter_to_redis() -> None:
    settings = Settings({"IFP_REDIS_URL": "redis://127.0.0.1:6379/3"})
    RedisFrontierAddon().update_settings(settings)
    assert settings.get("SCHEDULER") == "ifpcrawl.distributed.SharedScheduler"
    assert settings.get("DUPEFILTER_CLASS") == "ifpcrawl.distributed.SiteDupeFilter"
    assert settings.get("REDIS_URL") == "redis://127.0.0.1:6379/3"
    assert settings.getbool("SCHEDULER_PERSIST") is True
    assert IdleWatch in settings.getdict("EXTENSIONS")


def test_addon_yields_to_command_line_settings() -> None:
    settings = Settings({"IFP_REDIS_URL": "redis://127.0.0.1:6379/0"})
    settings.set("SCHEDULER_PERSIST", False, priority="cmdline")
    RedisFrontierAddon().update_settings(settings)
    assert settings.getbool("SCHEDULER_PERSIST") is False


def test_project_settings_register_the_addon() -> None:
    from ifpcrawl import settings as project

    assert "ifpcrawl.addons.RedisFrontierAddon" in project.ADDONS
    assert project.IFP_REDIS_URL == ""


@pytest.mark.parametrize(
    ("site", "key"),
    [
        ("https://ifpnews.com/", "ifpnews.com"),
        ("https://IFPnews.com", "ifpnews.com"),
        ("http://127.0.0.1:8123/", "127.0.0.1:8123"),
        ("https://example.org/news/", "example.org/news"),
        ("https://example.org/a%20b/", "example.org/a_20b"),
        ("", "default"),
    ],
)
def test_site_key(site: str, key: str) -> None:
    assert site_key(site) == key


@pytest.mark.parametrize(
    ("stamp", "since", "expected"),
    [
        ("2024-05-01T10:00:00+00:00", "2024-05-01T10:00:00+00:00", True),
        ("2024-05-01T13:30:01+03:30", "2024-05-01T10:00:00+00:00", True),
        ("2024-05-01T09:59:59+00:00", "2024-05-01T10:00:00+00:00", False),
        ("2024-05-01T10:00:00", "2024-05-01T10:00:00+00:00", True),
        (None, "2024-05-01T10:00:00+00:00", False),
        ("yesterday", "2024-05-01T10:00:00+00:00", False),
    ],
)
def test_at_or_after(stamp: str | None, since: str, expected: bool) -> None:
    assert at_or_after(stamp, since) is expected


# --- the frontier on real Redis -------------------------------------------------------------


@pytest.fixture
def server(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def test_push_filters_seen_fingerprints_across_workers(
    server: redis.Redis, redis_prefix: str
) -> None:
    a = frontier(server, redis_prefix, "a")
    b = frontier(server, redis_prefix, "b")
    assert a.push(b"home", 0, "fp-home") is True
    assert b.push(b"home", 0, "fp-home") is False  # the other worker's seed: filtered
    assert b.push(b"retry-home", 0, None) is True  # dont_filter requests are never filtered
    assert a.queued() == 2


def test_pop_takes_the_highest_priority_and_leases_it(
    server: redis.Redis, redis_prefix: str
) -> None:
    a = frontier(server, redis_prefix, "a")
    a.push(b"listing", 0, "1")
    a.push(b"article", 20, "2")
    popped = a.pop()
    assert popped is not None and popped[1] == b"article"
    assert a.leases() == {popped[0]: b"article"}
    a.release([popped[0]])
    assert a.leases() == {}
    assert a.queued() == 1


def test_requeue_gives_a_lease_back(server: redis.Redis, redis_prefix: str) -> None:
    a = frontier(server, redis_prefix, "a")
    a.push(b"page", 5, "1")
    popped = a.pop()
    assert popped is not None
    a.requeue(popped[0], popped[1], 5)
    assert a.leases() == {}
    again = a.pop()
    assert again is not None and again[1] == b"page"


def test_dead_worker_leases_are_taken_over_once(server: redis.Redis, redis_prefix: str) -> None:
    a = frontier(server, redis_prefix, "a")
    b = frontier(server, redis_prefix, "b")
    c = frontier(server, redis_prefix, "c")
    for w in (a, b, c):
        w.join("full", "2024-01-01T00:00:00+00:00")
    a.push(b"one", 0, "1")
    a.push(b"two", 0, "2")
    assert a.pop() is not None and a.pop() is not None
    # Alive: nothing to take over.
    assert b.take_over("a") == {}
    assert b.status().dead == []
    server.delete(a.keys.alive("a"))  # what a lapsed heartbeat (kill -9) leaves
    assert b.status().dead == ["a"]
    moved = b.take_over("a")
    assert sorted(moved.values()) == [b"one", b"two"]
    assert c.take_over("a") == {}  # a second survivor gets nothing: no request doubled
    assert b.leases() == moved
    assert "a" not in b.workers()
    assert server.exists(a.keys.lease("a")) == 0


def test_status_counts_busy_and_dead_others(server: redis.Redis, redis_prefix: str) -> None:
    a = frontier(server, redis_prefix, "a")
    b = frontier(server, redis_prefix, "b")
    a.join("full", "2024-01-01T00:00:00+00:00")
    b.join("full", "2024-01-01T00:00:00+00:00")
    assert a.status().busy_others == ["b"]  # joining counts as busy
    b.heartbeat(busy=False)
    status = a.status()
    assert status.busy_others == [] and status.dead == [] and status.quiet
    a.push(b"x", 0, "x")
    assert not a.status().quiet


def test_first_worker_fixes_the_group_mode(server: redis.Redis, redis_prefix: str) -> None:
    a = frontier(server, redis_prefix, "a")
    b = frontier(server, redis_prefix, "b")
    first = a.join("full", "2024-01-01T00:00:00+00:00")
    later = b.join("incremental", "2024-01-01T00:05:00+00:00")
    assert (first.mode, later.mode) == ("full", "full")
    assert later.started_at == "2024-01-01T00:00:00+00:00"
    assert later.workers == 2


def test_last_worker_out_clears_the_group(server: redis.Redis, redis_prefix: str) -> None:
    a = frontier(server, redis_prefix, "a")
    b = frontier(server, redis_prefix, "b")
    a.join("full", "2024-01-01T00:00:00+00:00")
    b.join("full", "2024-01-01T00:00:00+00:00")
    a.push(b"x", 0, "x")
    popped = a.pop()
    assert popped is not None
    assert a.leave(clear_if_last=True) is False  # b is still in the group
    assert server.exists(a.keys.seen) == 1
    assert b.leave(clear_if_last=True) is True
    assert list(server.scan_iter(match=f"{redis_prefix}:*")) == []


def test_interrupted_group_keeps_its_frontier(server: redis.Redis, redis_prefix: str) -> None:
    a = frontier(server, redis_prefix, "a")
    a.join("full", "2024-01-01T00:00:00+00:00")
    a.push(b"x", 0, "x")
    assert a.leave(clear_if_last=False) is False
    again = frontier(server, redis_prefix, "a2").join("incremental", "2024-02-01T00:00:00+00:00")
    assert again.queued == 1 and again.mode == "full"  # resumed, not restarted


def test_flush_on_start_discards_a_stale_frontier(server: redis.Redis, redis_prefix: str) -> None:
    a = frontier(server, redis_prefix, "a")
    a.join("full", "2024-01-01T00:00:00+00:00")
    a.push(b"x", 0, "x")
    a.leave(clear_if_last=False)
    fresh = frontier(server, redis_prefix, "b").join(
        "incremental", "2024-02-01T00:00:00+00:00", flush=True
    )
    assert fresh.queued == 0 and fresh.mode == "incremental"


def test_two_sites_never_share_a_frontier(server: redis.Redis, redis_prefix: str) -> None:
    one = frontier(server, redis_prefix, "a", site="https://ifpnews.com/")
    other = frontier(server, redis_prefix, "a", site="https://example.org/")
    assert one.push(b"home", 0, "same-fingerprint") is True
    assert other.push(b"home", 0, "same-fingerprint") is True
    assert (one.queued(), other.queued()) == (1, 1)


# --- end to end: worker processes on the replica ----------------------------------------------


@dataclass
class Snapshot:
    """What a store holds (tests/storecompare.py: every column, variant and link, no ids)
    and its runs."""

    dump: StoreDump
    runs: list[dict[str, Any]]  # crawl_runs stats, oldest first


def _runs(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {**(json.loads(r[1]) if isinstance(r[1], str) else dict(r[1] or {})), "_finished": r[0]}
        for r in rows
    ]


RUNS_SQL = "SELECT finished_at, stats FROM crawl_runs ORDER BY id"


def pg_snapshot(store_url: str, site: str) -> Snapshot:
    with psycopg.connect(store_url) as conn:
        runs = _runs(conn.execute(RUNS_SQL).fetchall())
    return Snapshot(dump_store(store_url, site), runs)


def count_pg_articles(store_url: str) -> int:
    try:
        with psycopg.connect(store_url) as conn:
            row = conn.execute("SELECT COUNT(*) FROM articles").fetchone()
    except psycopg.Error:
        return 0  # not created yet
    return int(row[0]) if row else 0


def total(runs: list[dict[str, Any]], key: str) -> int:
    return sum(int(run.get(key, 0)) for run in runs)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def start_workers(
    site: str, store: str, redis_url: str, prefix: str, count: int, workdir: Path
) -> list[Worker]:
    settings = {"IFP_REDIS_URL": redis_url, "IFP_REDIS_PREFIX": prefix, **GROUP_SETTINGS}
    workers = []
    for n in range(count):
        log = workdir / f"worker-{n}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                crawl_command(site, store, settings),
                cwd=workdir,
                env=crawl_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        workers.append(Worker(process, log))
    return workers


def wait_all(workers: list[Worker]) -> list[int]:
    return [w.process.wait(timeout=CRAWL_TIMEOUT) for w in workers]


def stop_all(workers: list[Worker]) -> None:
    """Never leave a worker behind (a failed or interrupted test would orphan it)."""
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.kill()
        worker.process.wait()


@pytest.fixture(scope="module")
def services() -> tuple[str, str]:
    # Module scope cannot use conftest's function-scoped pg_dsn / redis_url: same checks.
    from tests.conftest import PG_DSN, REDIS_URL, require_service

    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    return PG_DSN, REDIS_URL


@pytest.fixture(scope="module")
def site(services: tuple[str, str]) -> Iterator[str]:
    from tests.replica.testing import ReplicaServer

    with ReplicaServer("--articles", str(ARTICLES)) as server:
        yield str(server.base_url)


@pytest.fixture(scope="module")
def baseline(clean_crawl: Callable[[int], CleanCrawl]) -> Snapshot:
    """One worker, no Redis, SQLite: the reference every group crawl must match (shared
    with the faults test: conftest.clean_crawl)."""
    reference = clean_crawl(ARTICLES)
    return Snapshot(reference.dump, reference.runs)


def _new_schema(pg_dsn: str) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in pg_dsn else "?"
    return schema, f"{pg_dsn}{sep}options=-csearch_path%3D{schema}"


def _drop(pg_dsn: str, redis_url: str, schema: str, prefix: str) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    server = redis.Redis.from_url(redis_url)
    names = list(server.scan_iter(match=f"{prefix}:*", count=500))
    if names:
        server.delete(*names)
    server.close()


@dataclass
class GroupRun:
    store: str
    redis_url: str
    prefix: str
    workdir: Path
    returncodes: list[int]
    logs: list[str]
    snapshot: Snapshot
    leftover_keys: list[str]


@pytest.fixture(scope="module")
def group(
    site: str, services: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GroupRun]:
    """Three workers started at once on one Redis frontier and one PostgreSQL store."""
    pg_dsn, redis_url = services
    schema, store = _new_schema(pg_dsn)
    prefix = f"ifptest-{uuid.uuid4().hex[:10]}"
    tmp = tmp_path_factory.mktemp("group")
    workers: list[Worker] = []
    try:
        workers = start_workers(site, store, redis_url, prefix, WORKERS, tmp)
        codes = wait_all(workers)
        yield GroupRun(
            store,
            redis_url,
            prefix,
            tmp,
            codes,
            [w.tail() for w in workers],
            pg_snapshot(store, site),
            group_keys(redis_url, prefix),
        )
    finally:
        stop_all(workers)
        _drop(pg_dsn, redis_url, schema, prefix)


@pytest.mark.e2e
@pytest.mark.services
class TestWorkerGroup:
    def test_every_worker_finishes_cleanly(self, group: GroupRun) -> None:
        assert group.returncodes == [0] * WORKERS, "\n\n".join(group.logs)
        assert len(group.snapshot.runs) == WORKERS
        for run in group.snapshot.runs:
            assert run["_finished"] is not None
            assert run.get("finish_reason") == "finished"

    def test_same_store_as_one_worker(self, group: GroupRun, baseline: Snapshot) -> None:
        """Every column, URL variant and link (resolved target included), both ways."""
        assert_same_store(group.snapshot.dump, baseline.dump)
        assert any(resolved is not None for _, _, resolved, _, _ in group.snapshot.dump.links)

    def test_articles_fetched_once_across_workers(
        self, group: GroupRun, baseline: Snapshot
    ) -> None:
        runs = group.snapshot.runs
        assert total(runs, "ifp/pages/article") == total(baseline.runs, "ifp/pages/article")
        assert total(runs, "ifp/articles_stored") == baseline.dump.article_rows
        # The work was shared, not done by whichever worker came first.
        assert sum(1 for run in runs if int(run.get("ifp/pages/article", 0)) > 0) >= 2
        # Seeds too: each worker's start() offered them, the shared filter let one through.
        assert total(runs, "dupefilter/filtered") > 0

    def test_near_duplicates_flagged_across_workers(
        self, group: GroupRun, baseline: Snapshot
    ) -> None:
        """Two near-copies stored at once by two workers: still one flagged as a duplicate.

        DESIGN.md: dedup lives in the store "so that it is safe across workers".
        """
        key = "ifp/articles_duplicate"
        assert total(baseline.runs, key) > 0  # the replica has near-copies to find
        assert total(group.snapshot.runs, key) == total(baseline.runs, key)

    def test_finished_group_leaves_no_keys(self, group: GroupRun) -> None:
        assert group.leftover_keys == []

    def test_export_and_graph_read_the_postgres_store(self, group: GroupRun, site: str) -> None:
        out = group.workdir / "articles.jsonl"
        graphml = group.workdir / "links.graphml"
        edges = group.workdir / "edges.csv"
        for args in (
            ["export", "--store", group.store, "-o", str(out)],
            ["graph", "--store", group.store, "-o", str(graphml), "--edges", str(edges)],
        ):
            result = subprocess.run(
                [sys.executable, "-m", "scrapy", *args],
                cwd=PROJECT_ROOT,
                env=crawl_env(),
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert result.returncode == 0, result.stderr[-3000:]
        exported = [json.loads(line) for line in out.read_text().splitlines() if line]
        assert {site_relative(row["url"], site) for row in exported} == group.snapshot.dump.urls
        graph = nx.read_graphml(graphml)
        resolved = {(s, d) for s, _, d, _, _ in group.snapshot.dump.links if d is not None}
        assert graph.number_of_nodes() >= len(group.snapshot.dump.articles)
        assert graph.number_of_edges() >= 1 and len(resolved) >= 1
        assert len(edges.read_text().splitlines()) > 1

    def test_next_run_is_a_fresh_incremental_group(self, group: GroupRun, site: str) -> None:
        """The finished group cleared its frontier: a later run seeds again, finds nothing new."""
        result = run_crawl(
            site,
            group.store,
            settings={
                "IFP_REDIS_URL": group.redis_url,
                "IFP_REDIS_PREFIX": group.prefix,
                **GROUP_SETTINGS,
            },
            cwd=group.workdir,
            timeout=CRAWL_TIMEOUT,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        after = pg_snapshot(group.store, site)
        assert_same_store(after.dump, group.snapshot.dump)
        last = after.runs[-1]
        assert int(last.get("ifp/pages/listing", 0)) > 0  # seeded again, not filtered out
        assert int(last.get("ifp/articles_new", 0)) == 0
        assert group_keys(group.redis_url, group.prefix) == []


@pytest.mark.e2e
@pytest.mark.services
def test_killed_worker_loses_nothing(
    site: str, services: tuple[str, str], baseline: Snapshot, tmp_path: Path
) -> None:
    """SIGKILL one of three workers mid-crawl; the two others store every article, once.

    Guaranteed: a worker holds a lease on every request it took until the request's outcome
    is safe (an article: stored; anything else: its callback ran). Once the killed worker's
    heartbeat lapses (IFP_REDIS_WORKER_TTL), a survivor takes its leases over and queues
    again whatever is not in the store, including the articles of its unwritten batch. So
    the same run ends with the same articles and links as one undisturbed worker.
    """
    pg_dsn, redis_url = services
    schema, store = _new_schema(pg_dsn)
    prefix = f"ifptest-{uuid.uuid4().hex[:10]}"
    workers: list[Worker] = []
    try:
        workers = start_workers(site, store, redis_url, prefix, WORKERS, tmp_path)
        victim = workers[0]
        # Kill once the crawl is well under way (a quarter of the articles stored) and the
        # victim holds leases: a worker killed between two requests leaves nothing to take
        # over, and the test would prove nothing.
        while count_pg_articles(store) < ARTICLES // 4 or not holds_leases(
            redis_url, prefix, victim.process.pid
        ):
            assert all(w.process.poll() is None for w in workers), victim.tail()
            time.sleep(0.2)
        victim.process.send_signal(signal.SIGKILL)
        assert victim.process.wait(timeout=60) == -signal.SIGKILL
        codes = wait_all(workers[1:])
        assert codes == [0] * (WORKERS - 1), "\n\n".join(w.tail() for w in workers[1:])
        after = pg_snapshot(store, site)
        # Variants: none wrong; those in the killed worker's memory are lost
        # (storecompare.LOST_VARIANTS).
        assert_same_store(after.dump, baseline.dump, tables=("articles", "links"))
        assert_no_extra_variants(after.dump, baseline.dump)
        finished = [run for run in after.runs if run["_finished"] is not None]
        assert len(finished) == WORKERS - 1  # the victim's row stays "interrupted"
        assert total(finished, "ifp/redis/taken_over") > 0
        assert group_keys(redis_url, prefix) == []
    finally:
        stop_all(workers)
        _drop(pg_dsn, redis_url, schema, prefix)


@pytest.mark.e2e
@pytest.mark.services
def test_frontier_survives_the_loss_of_every_worker(
    site: str, services: tuple[str, str], baseline: Snapshot, tmp_path: Path
) -> None:
    """SIGKILL the only worker mid-crawl; the same command, run again, finishes the crawl.

    The frontier (queue, fingerprints, the dead worker's leases, the group's mode) stays in
    Redis; the new worker takes the dead one's leases over once its heartbeat lapsed and
    resumes the full crawl, though the store is no longer empty (auto mode would say
    incremental).
    """
    pg_dsn, redis_url = services
    schema, store = _new_schema(pg_dsn)
    prefix = f"ifptest-{uuid.uuid4().hex[:10]}"
    workers: list[Worker] = []
    try:
        workers = start_workers(site, store, redis_url, prefix, 1, tmp_path)
        while count_pg_articles(store) < ARTICLES // 3:
            assert workers[0].process.poll() is None, workers[0].tail()
            time.sleep(0.2)
        workers[0].process.send_signal(signal.SIGKILL)
        workers[0].process.wait(timeout=60)
        left = group_keys(redis_url, prefix)
        assert any(key.endswith(":seen") for key in left)
        assert any(":lease:" in key for key in left)
        assert count_pg_articles(store) < len(baseline.dump.articles)
        settings = {"IFP_REDIS_URL": redis_url, "IFP_REDIS_PREFIX": prefix, **GROUP_SETTINGS}
        result = run_crawl(site, store, settings=settings, cwd=tmp_path, timeout=CRAWL_TIMEOUT)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "took over its" in result.stderr
        after = pg_snapshot(store, site)
        # Variants: none wrong; those in the killed worker's memory are lost
        # (storecompare.LOST_VARIANTS).
        assert_same_store(after.dump, baseline.dump, tables=("articles", "links"))
        assert_no_extra_variants(after.dump, baseline.dump)
        assert after.runs[-1].get("ifp/redis/taken_over", 0) > 0
        assert group_keys(redis_url, prefix) == []
    finally:
        stop_all(workers)
        _drop(pg_dsn, redis_url, schema, prefix)
