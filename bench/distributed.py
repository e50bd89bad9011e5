"""Pages/s of a worker group (shared Redis frontier, PostgreSQL store) against one worker.

    python -m bench.distributed --articles 2000 --workers 3

Needs Redis and PostgreSQL (defaults: the test servers on 127.0.0.1). Serves the replica in
its own process, warms its page cache with one untimed crawl, then times, each into a fresh
PostgreSQL schema:

* ``pg``: one worker, no Redis (Scrapy's own scheduler) - the reference;
* ``redis x1``: one worker on the Redis frontier;
* ``redis xN``: N workers started at once on the Redis frontier.

Per crawl: wall seconds from the first start to the last exit; "active" seconds from the
first start to the last article stored (``articles.first_seen_at``, whole seconds): the
group's stop rule then waits ``IFP_REDIS_IDLE_SECONDS`` (set to 1 here, raised to the
heartbeat TTL of 3) plus up to one Scrapy engine heartbeat (5 s) - a fixed tail that says
nothing about throughput. Pages are ``response_received_count`` summed over the workers.
A benchmark, not a test: compare figures on one machine only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import redis

from bench.proc import ReplicaProcess
from tests.local import crawl_command, crawl_env, run_crawl

GROUP_SETTINGS = {"IFP_REDIS_IDLE_SECONDS": "1", "IFP_REDIS_WORKER_TTL": "3"}


@dataclass
class Timing:
    name: str
    workers: int
    wall_s: float
    active_s: float
    pages: int
    articles: int
    returncodes: list[int]

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.active_s if self.active_s else 0.0

    @property
    def pages_per_s_wall(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0


def new_schema(dsn: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in dsn else "?"
    return schema, f"{dsn}{sep}options=-csearch_path%3D{schema}"


def drop_schema(dsn: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def drop_prefix(redis_url: str, prefix: str) -> None:
    server = redis.Redis.from_url(redis_url)
    names = list(server.scan_iter(match=f"{prefix}:*", count=500))
    if names:
        server.delete(*names)
    server.close()


def store_figures(store: str, started: float) -> tuple[int, int, float]:
    """(pages over all runs, articles, seconds from ``started`` to the last article stored)."""
    with psycopg.connect(store) as conn:
        runs = conn.execute("SELECT stats FROM crawl_runs").fetchall()
        row = conn.execute("SELECT COUNT(*), MAX(first_seen_at) FROM articles").fetchone()
    pages = 0
    for (stats,) in runs:
        data = json.loads(stats) if isinstance(stats, str) else dict(stats or {})
        pages += int(data.get("response_received_count", 0))
    assert row is not None
    articles, last = int(row[0]), row[1]
    last_at = datetime.fromisoformat(str(last)).timestamp() if last else started
    # first_seen_at has whole seconds: count the last second as spent.
    return pages, articles, max(0.0, last_at + 1.0 - started)


def timed_group(
    name: str,
    site: str,
    dsn: str,
    redis_url: str | None,
    workers: int,
    workdir: Path,
    extra: dict[str, str] | None = None,
) -> Timing:
    schema, store = new_schema(dsn)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    settings = {"LOG_LEVEL": "WARNING", **(extra or {})}
    if redis_url:
        settings |= {"IFP_REDIS_URL": redis_url, "IFP_REDIS_PREFIX": prefix, **GROUP_SETTINGS}
    try:
        started_wall = time.time()
        started = time.perf_counter()
        procs = []
        for n in range(workers):
            with (workdir / f"{name.replace(' ', '_')}-{n}.log").open("wb") as log:
                procs.append(
                    subprocess.Popen(
                        crawl_command(site, store, settings),
                        cwd=workdir,
                        env=crawl_env(),
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        codes = [p.wait() for p in procs]
        wall = time.perf_counter() - started
        pages, articles, active = store_figures(store, started_wall)
        return Timing(name, workers, wall, min(active, wall), pages, articles, codes)
    finally:
        drop_schema(dsn, schema)
        if redis_url:
            drop_prefix(redis_url, prefix)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--redis", default=os.environ.get("IFP_TEST_REDIS", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument(
        "--pg", default=os.environ.get("IFP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--output", default="", help="also write the figures as JSON here")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting for every timed worker, e.g. DOWNLOAD_DELAY=0.2 to model a "
        "politeness-bound crawl (repeatable)",
    )
    parser.add_argument("--skip-pg", action="store_true", help="skip the no-Redis reference")
    opts = parser.parse_args(argv)
    extra = dict(item.split("=", 1) for item in opts.set)
    with tempfile.TemporaryDirectory(prefix="ifp-bench-dist-") as tmp:
        workdir = Path(tmp)
        with ReplicaProcess(opts.articles) as replica:
            site = replica.base_url
            print(f"replica {site} ({opts.articles} articles); {os.cpu_count()} CPUs", flush=True)
            warm = run_crawl(site, str(workdir / "warm.db"), cwd=workdir, timeout=3600)
            if warm.returncode != 0:
                print(warm.stderr[-3000:], file=sys.stderr)
                return 1
            timings = (
                [] if opts.skip_pg else [timed_group("pg", site, opts.pg, None, 1, workdir, extra)]
            )
            timings += [
                timed_group("redis x1", site, opts.pg, opts.redis, 1, workdir, extra),
                timed_group(
                    f"redis x{opts.workers}",
                    site,
                    opts.pg,
                    opts.redis,
                    opts.workers,
                    workdir,
                    extra,
                ),
            ]
    print(
        f"{'crawl':<10} {'workers':>7} {'pages':>6} {'articles':>8} {'active s':>8} "
        f"{'pages/s':>8} {'wall s':>7} {'pages/s wall':>12}"
    )
    for t in timings:
        print(
            f"{t.name:<10} {t.workers:>7} {t.pages:>6} {t.articles:>8} {t.active_s:>8.1f} "
            f"{t.pages_per_s:>8.1f} {t.wall_s:>7.1f} {t.pages_per_s_wall:>12.1f}"
            + ("" if set(t.returncodes) == {0} else f"  exit {t.returncodes}")
        )
    one, many = timings[-2], timings[-1]
    if one.pages_per_s and one.pages_per_s_wall:
        print(
            f"speed-up x{opts.workers} over x1: active {many.pages_per_s / one.pages_per_s:.2f}, "
            f"wall {many.pages_per_s_wall / one.pages_per_s_wall:.2f}"
        )
    if opts.output:
        rows: list[dict[str, Any]] = [
            {**asdict(t), "pages_per_s": t.pages_per_s, "pages_per_s_wall": t.pages_per_s_wall}
            for t in timings
        ]
        Path(opts.output).write_text(
            json.dumps(
                {
                    "at": datetime.now(UTC).isoformat(),
                    "cpus": os.cpu_count(),
                    "articles": opts.articles,
                    "settings": extra,
                    "crawls": rows,
                },
                indent=2,
            )
        )
    return 0 if all(set(t.returncodes) == {0} for t in timings) else 1


if __name__ == "__main__":
    sys.exit(main())
