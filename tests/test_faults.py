"""The issue's bar for a faulty server, end to end.

"With 10% of responses faulty (mixed kinds) on a 1,000-article replica, one run plus at
most one rerun stores 100% of the articles, with zero duplicates and zero error pages
stored; the run's stats and crawl_runs row name each kind of failure it met."

The replica injects the faults (``--faults``, see tests/replica/faults.py) and counts
what it served (``GET /__replica/stats``); the crawl's own stats are then mapped against
those counts kind by kind. The suite uses 300 articles; the issue's figure is measured with
``IFP_TEST_ARTICLES_FAULTS=1000 pytest tests/test_faults.py -s`` (figures are printed).

Stalls are made cheap (the server holds the connection 5 s, the crawl gives up after 3 s)
so the test does not wait out real-world timeouts.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ifpcrawl.urls import Site, canonicalize
from tests.conftest import CleanCrawl
from tests.local import run_crawl
from tests.replica.testing import ReplicaServer
from tests.storecompare import assert_same_store, dump_store

pytestmark = pytest.mark.e2e

N = int(os.environ.get("IFP_TEST_ARTICLES_FAULTS", "300"))
FAULTS = "rate=0.1,seed=7,stall_seconds=5"
SETTINGS = {"DOWNLOAD_TIMEOUT": "3", "IFP_RETRY_BACKOFF_BASE": "0.1"}
ERROR_PAGE_TEXT = "Error establishing a database connection"
HTTP_KINDS = ("500", "502", "503", "429")


@dataclass
class Run:
    returncode: int
    log: str
    seconds: float
    stats: dict[str, Any]
    stored: list[str]  # articles.url after the run
    served: dict[str, int]  # faults the replica served during this run, by kind


@dataclass
class FaultyCrawl:
    base: str
    site: Site
    manifest: dict[str, Any]
    db: sqlite3.Connection
    path: Path
    runs: list[Run] = field(default_factory=list)

    def expected_urls(self) -> set[str]:
        return {self.url(a["path"]) for a in self.manifest["articles"]}

    def url(self, path: str) -> str:
        url = canonicalize(self.base.rstrip("/") + path, self.site)
        assert url is not None
        return url

    @property
    def first(self) -> Run:
        return self.runs[0]


def replica_faults(base: str) -> dict[str, int]:
    with urllib.request.urlopen(base.rstrip("/") + "/__replica/stats", timeout=30) as response:
        data = json.load(response)
    return {str(kind): int(count) for kind, count in data["faults"].items()}


def one_run(replica: ReplicaServer, db_path: Path, cwd: Path) -> Run:
    before = replica_faults(replica.base_url)
    started = time.monotonic()
    result = run_crawl(replica.base_url, str(db_path), settings=SETTINGS, cwd=cwd, timeout=1200)
    seconds = time.monotonic() - started
    after = replica_faults(replica.base_url)
    served = {kind: after[kind] - before.get(kind, 0) for kind in after}
    con = sqlite3.connect(db_path)
    try:
        row = con.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        stored = [url for (url,) in con.execute("SELECT url FROM articles")]
    finally:
        con.close()
    return Run(result.returncode, result.stderr, seconds, json.loads(row[0]), stored, served)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyCrawl]:
    tmp = tmp_path_factory.mktemp("faults")
    db_path = tmp / "ifp.db"
    with ReplicaServer("--articles", str(N), "--faults", FAULTS) as replica:
        db = sqlite3.connect(db_path)
        db.row_factory = sqlite3.Row
        crawl = FaultyCrawl(
            replica.base_url, Site.from_url(replica.base_url), replica.manifest(), db, db_path
        )
        crawl.runs.append(one_run(replica, db_path, tmp))
        if set(crawl.first.stored) != crawl.expected_urls():
            crawl.runs.append(one_run(replica, db_path, tmp))  # the one rerun the bar allows
    report(crawl)
    yield crawl
    crawl.db.close()


def report(crawl: FaultyCrawl) -> None:
    """The figures for the issue (visible with ``pytest -s``)."""
    expected = len(crawl.expected_urls())
    for number, run in enumerate(crawl.runs, 1):
        failures = {
            k: v
            for k, v in run.stats.items()
            if k.startswith(
                (
                    "ifp/http_status/",
                    "ifp/error_pages",
                    "ifp/redirect_loop_hops",
                    "downloader/exception_type_count/",
                    "ifp/failed/",
                    "ifp/bad_",
                )
            )
        }
        print(
            f"\nfaults run {number}: {len(set(run.stored))}/{expected} articles stored, "
            f"{run.seconds:.1f} s, exit {run.returncode}\n"
            f"  replica served: {json.dumps(run.served, sort_keys=True)}\n"
            f"  crawl counted:  {json.dumps(failures, sort_keys=True)}"
        )


# ----------------------------------------------------------------------------- the bar


def test_runs_finish_cleanly(crawl: FaultyCrawl) -> None:
    for run in crawl.runs:
        assert run.returncode == 0, run.log[-3000:]
        assert run.stats["finish_reason"] == "finished"
        assert run.stats.get("log_count/ERROR", 0) == 0, run.log[-3000:]
        assert "Traceback" not in run.log, run.log[-3000:]
    assert crawl.first.served, "the replica served no faults: the test proves nothing"
    assert sum(crawl.first.served.values()) >= 0.05 * crawl.first.stats["downloader/request_count"]


def test_every_article_stored_exactly_once_within_one_rerun(crawl: FaultyCrawl) -> None:
    assert len(crawl.runs) <= 2
    rows = [r["url"] for r in crawl.db.execute("SELECT url FROM articles")]
    assert len(rows) == len(set(rows))
    assert set(rows) == crawl.expected_urls()


def test_store_equals_a_clean_crawls(
    crawl: FaultyCrawl, clean_crawl: Callable[[int], CleanCrawl]
) -> None:
    """Every column, URL variant and link, both ways, as one crawl of the same replica
    without faults stored them (the same reference the multi-worker tests use)."""
    assert_same_store(dump_store(crawl.path, crawl.base), clean_crawl(N).dump)


def test_zero_duplicates(crawl: FaultyCrawl) -> None:
    """One row per article, and near-copy flags only where the replica republished one."""
    flagged = {
        row["url"]: row["original"]
        for row in crawl.db.execute(
            "SELECT a.url, o.url AS original FROM articles a JOIN articles o"
            " ON o.id = a.duplicate_of"
        )
    }
    expected = {
        crawl.url(a["path"]): crawl.url(a["duplicate_of"])
        for a in crawl.manifest["articles"]
        if a["duplicate_of"]
    }
    assert flagged == expected
    hashes = crawl.db.execute(
        "SELECT content_hash, count(*) FROM articles GROUP BY content_hash HAVING count(*) > 1"
    ).fetchall()
    assert [tuple(h) for h in hashes] == []


def test_no_error_page_or_partial_body_stored(crawl: FaultyCrawl) -> None:
    empty = crawl.db.execute(
        "SELECT url FROM articles WHERE body IS NULL OR trim(body) = '' OR title = ''"
    ).fetchall()
    assert [r["url"] for r in empty] == []
    errors = crawl.db.execute(
        "SELECT url FROM articles WHERE instr(body, ?) > 0 OR instr(title, ?) > 0"
        " OR title = 'Database Error'",
        (ERROR_PAGE_TEXT, ERROR_PAGE_TEXT),
    ).fetchall()
    assert [r["url"] for r in errors] == []
    # Reset and truncated bodies must never be stored half: every body is the whole article.
    bodies = {row["url"]: row["body"] for row in crawl.db.execute("SELECT url, body FROM articles")}
    wrong = [
        a["path"] for a in crawl.manifest["articles"] if bodies[crawl.url(a["path"])] != a["body"]
    ]
    assert wrong == []


# ----------------------------------------------------------------------------- naming failures


def test_http_error_statuses_are_named_one_for_one(crawl: FaultyCrawl) -> None:
    run = crawl.first
    for kind in HTTP_KINDS:
        served = run.served.get(kind, 0)
        assert run.stats.get(f"ifp/http_status/{kind}", 0) == served, kind
        assert run.stats.get(f"retry/reason_count/{kind}", 0) == served, kind


def test_connection_faults_are_named_by_exception_type(crawl: FaultyCrawl) -> None:
    run = crawl.first
    exceptions = {
        k.removeprefix("downloader/exception_type_count/"): v
        for k, v in run.stats.items()
        if k.startswith("downloader/exception_type_count/")
    }
    stalls = run.served.get("stall", 0)
    broken = run.served.get("reset", 0) + run.served.get("truncate", 0)
    timeouts = sum(v for k, v in exceptions.items() if "Timeout" in k)
    # Each stall is one timeout; a slow page on a busy machine may add one, never remove one.
    assert timeouts >= stalls
    if stalls:
        assert any(k.startswith("retry/reason_count/") and "Timeout" in k for k in run.stats)
    # A reset or a short body is a lost response, never a stored page.
    lost = sum(v for k, v in exceptions.items() if "Timeout" not in k)
    assert lost >= broken
    if broken:
        assert lost > 0 and any(
            "DataLoss" in k or "ConnectionLost" in k or "ResponseFailed" in k for k in exceptions
        ), exceptions


def test_redirect_loops_are_named(crawl: FaultyCrawl) -> None:
    run = crawl.first
    assert run.stats.get("ifp/redirect_loop_hops", 0) == run.served.get("loop", 0)


def test_error_pages_are_named_one_for_one(crawl: FaultyCrawl) -> None:
    """Every 200 "Error establishing a database connection" (or empty 200) the replica
    served is counted, whatever kind of page it stood in for (article, listing, feed,
    sitemap, REST answer)."""
    run = crawl.first
    assert run.stats.get("ifp/error_pages", 0) == run.served.get("errorpage", 0)


def test_crawl_runs_row_names_every_kind_met(crawl: FaultyCrawl) -> None:
    row = crawl.db.execute(
        "SELECT finish_reason, finished_at, stats FROM crawl_runs ORDER BY id LIMIT 1"
    ).fetchone()
    assert row["finish_reason"] == "finished" and row["finished_at"]
    stats = json.loads(row["stats"])
    run = crawl.first
    named = {
        "500": "ifp/http_status/500",
        "502": "ifp/http_status/502",
        "503": "ifp/http_status/503",
        "429": "ifp/http_status/429",
        "loop": "ifp/redirect_loop_hops",
        "errorpage": "ifp/error_pages",
    }
    for kind, key in named.items():
        if run.served.get(kind):
            assert stats.get(key, 0) > 0, (kind, key)
    if run.served.get("stall"):
        assert any("Timeout" in k for k in stats if k.startswith("downloader/exception_type"))
    assert stats["ifp/failures"] > 0


def test_retrying_error_pages_logs_no_meta_copy_warning(crawl: FaultyCrawl) -> None:
    """A 200 error page is retried with Scrapy's get_retry_request, which copies the failed
    request's meta; Scrapy's MetaCopyDetectionMiddleware then warns once per run about
    download_latency / retry_times, a false alarm in every faulty run's log."""
    for run in crawl.runs:
        assert "containing internal meta keys" not in run.log


# ----------------------------------------------------------------------------- error pages everywhere

ERROR_PAGE_FAULTS = "errorpage=0.3,seed=3"


def test_error_pages_in_place_of_listings_are_retried(tmp_path: Path) -> None:
    """With discovery by listings and feeds only, a listing page answered by a 200 "Error
    establishing a database connection" (or an empty 200) hides ten articles: it must be
    counted and retried like the same fault on an article page, so one run still finds all."""
    with ReplicaServer(
        "--articles", "100", "--no-sitemap", "--no-rest", "--faults", ERROR_PAGE_FAULTS
    ) as replica:
        run = one_run(replica, tmp_path / "ifp.db", tmp_path)
        site = Site.from_url(replica.base_url)
        expected = {
            canonicalize(replica.base_url.rstrip("/") + a["path"], site)
            for a in replica.manifest()["articles"]
        }
    assert run.returncode == 0, run.log[-3000:]
    assert run.served.get("errorpage", 0) > 10
    assert run.stats.get("ifp/error_pages", 0) == run.served["errorpage"]
    assert set(run.stored) == expected
