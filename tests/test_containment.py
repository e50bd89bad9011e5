"""Nothing lost, nothing silent: containment of one article's failure, honest exit statuses.

- A store that refuses chosen articles (a real SQLite trigger) loses no other article: the
  refused ones are in ``failures``, the run exits 5 with one line, and the next run (trigger
  gone) stores them, leaving a store equal to a clean crawl's, column by column.
- A dead site exits 4 with one line; a CLOSESPIDER limit exits 0 and names the limit.
- A callback or pipeline error (Scrapy's ``spider_error`` / ``item_error``) is recorded with
  its page kind and retried by the next run as that kind.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import signals
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from ifpcrawl.exitcodes import ExitStatus
from ifpcrawl.failures import FailureRecorder, run_outcome
from ifpcrawl.items import Article
from ifpcrawl.spiders.ifp import IfpSpider
from ifpcrawl.store import open_store
from ifpcrawl.store.base import FailureRecord
from ifpcrawl.urls import Site, canonicalize
from tests.local import run_crawl
from tests.replica.testing import ReplicaServer

ARTICLES = 80
REFUSED = 3
# Batches of 10: the refused articles fall in different batches, each shared with others.
FAST = {"IFP_STORE_BATCH_SIZE": "10", "IFP_PROGRESS_ENABLED": "False"}

ARTICLE_COLUMNS = (
    "url, title, body, summary, author, section, tags, published_at, modified_at,"
    " image_url, word_count, content_hash, wp_post_id"
)


def dump(db: Path, base: str) -> dict[str, Any]:
    """A store as comparable data, free of ids, times and the replica's port."""
    con = sqlite3.connect(db)
    try:
        urls = dict(con.execute("SELECT id, url FROM articles"))

        def rel(url: str | None) -> str | None:
            return url.removeprefix(base.rstrip("/")) if url else url

        articles = {}
        for row in con.execute(f"SELECT {ARTICLE_COLUMNS}, duplicate_of FROM articles"):
            *values, duplicate_of = row
            values[0] = rel(values[0])
            articles[values[0]] = (*values, rel(urls.get(duplicate_of)))
        links = {
            (rel(urls[src]), rel(dst_url), rel(urls.get(dst_id)), kind, anchor)
            for src, dst_url, dst_id, kind, anchor in con.execute(
                "SELECT src_id, dst_url, dst_id, kind, anchor_text FROM links"
            )
        }
        variants = {
            (rel(url), rel(urls[article_id]))
            for url, article_id in con.execute("SELECT url, article_id FROM article_urls")
        }
        failures = {
            (rel(url), kind, reason)
            for url, kind, reason in con.execute("SELECT url, kind, reason FROM failures")
        }
        return {"articles": articles, "links": links, "variants": variants, "failures": failures}
    finally:
        con.close()


def assert_same_store(got: dict[str, Any], want: dict[str, Any]) -> None:
    for table in ("articles", "links", "variants", "failures"):
        mine, theirs = got[table], want[table]
        if isinstance(mine, dict):
            missing = sorted(set(theirs) - set(mine))
            extra = sorted(set(mine) - set(theirs))
            differ = sorted(k for k in set(mine) & set(theirs) if mine[k] != theirs[k])
            assert not (missing or extra or differ), (table, missing[:5], extra[:5], differ[:5])
        else:
            assert mine == theirs, (table, sorted(theirs - mine)[:5], sorted(mine - theirs)[:5])


def one_line_error(stderr: str) -> list[str]:
    """The `ifpcrawl: ...` lines of a crawl's stderr; there must be no traceback."""
    assert "Traceback" not in stderr, stderr[-3000:]
    return [line for line in stderr.splitlines() if line.startswith("ifpcrawl: ")]


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer("--articles", str(ARTICLES)) as server:
        yield server


@pytest.fixture(scope="module")
def clean(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("clean")
    result = run_crawl(replica.base_url, str(tmp / "clean.db"), FAST, cwd=tmp, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return dump(tmp / "clean.db", replica.base_url)


def test_refused_articles_are_contained_recorded_and_stored_next_run(
    replica: ReplicaServer, clean: dict[str, Any], tmp_path: Path
) -> None:
    site = Site.from_url(replica.base_url)
    paths = sorted(a["path"] for a in replica.manifest()["articles"])
    refused = {canonicalize(replica.url(path), site) for path in paths[5 : 5 + 7 * REFUSED : 7]}
    assert len(refused) == REFUSED
    db = tmp_path / "ifp.db"
    open_store(str(db)).close()  # the schema, so the fault can be put in place
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE refused (url TEXT PRIMARY KEY)")
    con.executemany("INSERT INTO refused VALUES (?)", [(url,) for url in sorted(refused)])
    con.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON articles"
        " WHEN NEW.url IN (SELECT url FROM refused)"
        " BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
    )
    con.commit()
    con.close()

    first = run_crawl(replica.base_url, str(db), FAST, cwd=tmp_path, timeout=300)
    assert first.returncode == ExitStatus.UNSTORED, first.stderr[-3000:]
    lines = one_line_error(first.stderr)
    assert lines == [
        f"ifpcrawl: {REFUSED} article(s) read but not stored (store {REFUSED}); they are"
        " recorded in failures and retried next run: see `scrapy report`"
    ], lines
    con = sqlite3.connect(db)
    failures = con.execute("SELECT url, kind, reason, error, attempts FROM failures").fetchall()
    stored = {url for (url,) in con.execute("SELECT url FROM articles")}
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    con.execute("DROP TRIGGER refuse")
    con.execute("DROP TABLE refused")
    con.commit()
    con.close()
    base = replica.base_url.rstrip("/")
    assert {row[0] for row in failures if row[2] == "store"} == refused
    # Besides them, only what a clean crawl records too (links to pages that are gone).
    others = {(url.removeprefix(base), kind, reason) for url, kind, reason, *_ in failures}
    assert others - clean["failures"] == {
        (url.removeprefix(base), "article", "store") for url in refused
    }
    for _, kind, reason, error, attempts in failures:
        if reason == "store":
            assert (kind, attempts) == ("article", 1)
            assert error == f"StoreError: SQLite store {db}: refused by the test trigger"
    assert stored == {base + p for p in clean["articles"]} - refused
    assert stats["ifp/failed/article/store"] == REFUSED
    assert stats["ifp/unstored"] == REFUSED

    second = run_crawl(replica.base_url, str(db), FAST, cwd=tmp_path, timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    assert one_line_error(second.stderr) == []
    assert_same_store(dump(db, replica.base_url), clean)


def test_dead_site_exits_4_with_one_line(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_crawl("http://127.0.0.1:9/", str(tmp_path / "ifp.db"), cwd=tmp_path, timeout=300)
    assert result.returncode == ExitStatus.SITE_UNREACHABLE, result.stderr[-3000:]
    lines = one_line_error(result.stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith("ifpcrawl: the site http://127.0.0.1:9/ never answered (")
    assert "ConnectionRefusedError" in lines[0]
    assert time.monotonic() - started < 120


def test_closespider_stop_exits_0_and_names_the_limit(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    result = run_crawl(
        replica.base_url,
        str(tmp_path / "ifp.db"),
        {**FAST, "CLOSESPIDER_PAGECOUNT": "5"},
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert one_line_error(result.stderr) == [
        "ifpcrawl: stopped by the CLOSESPIDER_PAGECOUNT limit; the next run continues where"
        " this one stopped"
    ]


# --- spider_error / item_error, through Scrapy's own signals and a real store ----------------


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[tuple[Any, FailureRecorder]]:
    crawler = get_crawler(IfpSpider, {"IFP_STORE": str(tmp_path / "ifp.db")})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    ext = FailureRecorder.from_crawler(crawler)
    yield crawler, ext
    crawler.signals.send_catch_log(signals.engine_stopped)


def _response(url: str, kind: str) -> HtmlResponse:
    request = Request(url, meta={"ifp_kind": kind})
    return HtmlResponse(url, body=b"<html></html>", request=request)


def test_callback_and_pipeline_errors_are_recorded_with_their_kind(
    recorder: tuple[Any, FailureRecorder],
) -> None:
    crawler, _ = recorder
    site = "https://ifpnews.com"
    for kind, path in (
        ("listing", "/iran-news/page/7/"),
        ("feed", "/category/politics/feed/"),
        ("sitemap", "/wp-sitemap-posts-post-3.xml"),
        ("api", "/wp-json/wp/v2/posts?page=4&per_page=100"),
    ):
        crawler.signals.send_catch_log(
            signals.spider_error,
            failure=Failure(ValueError(f"broken {kind}\nsecond line")),
            response=_response(site + path, kind),
            spider=None,
        )
    article = Article(url=site + "/a-post/", title="T", body="B")
    crawler.signals.send_catch_log(
        signals.item_error,
        item=article,
        response=_response(site + "/a-post/", "article"),
        spider=None,
        failure=Failure(KeyError("tags")),
    )
    store = open_store(crawler.settings["IFP_STORE"])
    try:
        recorded = {(f.url, f.kind, f.reason, f.error) for f in store.failures()}
    finally:
        store.close()
    assert recorded == {
        (
            site + "/iran-news/page/7/",
            "listing",
            "callback",
            "ValueError: broken listing second line",
        ),
        (
            site + "/category/politics/feed/",
            "feed",
            "callback",
            "ValueError: broken feed second line",
        ),
        (
            site + "/wp-sitemap-posts-post-3.xml",
            "sitemap",
            "callback",
            "ValueError: broken sitemap second line",
        ),
        (
            site + "/wp-json/wp/v2/posts?page=4&per_page=100",
            "api",
            "callback",
            "ValueError: broken api second line",
        ),
        (site + "/a-post/", "article", "pipeline", "KeyError: 'tags'"),
    }
    stats = crawler.stats.get_stats()
    assert {k: v for k, v in stats.items() if k.startswith("ifp/failed/")} == {
        "ifp/failed/listing/callback": 1,
        "ifp/failed/feed/callback": 1,
        "ifp/failed/sitemap/callback": 1,
        "ifp/failed/api/callback": 1,
        "ifp/failed/article/pipeline": 1,
    }


def test_next_run_retries_each_failure_as_its_kind(tmp_path: Path) -> None:
    db = str(tmp_path / "ifp.db")
    site = "https://ifpnews.com"
    store = open_store(db)
    for url, kind in (
        (site + "/iran-news/page/7/", "listing"),
        (site + "/category/politics/feed/", "feed"),
        (site + "/wp-sitemap-posts-post-3.xml", "sitemap"),
        (site + "/wp-json/wp/v2/posts?page=4&per_page=100", "api"),
        (site + "/a-post/", "article"),
    ):
        store.record_failure(url, "callback", "2026-01-01T00:00:00+00:00", kind=kind)
    store.close()
    crawler = get_crawler(IfpSpider, {"IFP_STORE": db})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    spider = IfpSpider.from_crawler(crawler, site=site + "/")
    try:
        requests = {
            (r.url, r.meta["ifp_kind"], r.callback.__name__, r.meta.get("ifp_page"))  # type: ignore[union-attr]
            for r in spider.retry_failures()
        }
    finally:
        crawler.signals.send_catch_log(signals.engine_stopped)
    assert requests == {
        (site + "/iran-news/page/7/", "listing", "parse_listing", None),
        (site + "/category/politics/feed/", "feed", "parse_feed", None),
        (site + "/wp-sitemap-posts-post-3.xml", "sitemap", "parse_sitemap", None),
        (site + "/wp-json/wp/v2/posts?page=4&per_page=100", "api", "parse_rest", 4),
        (site + "/a-post/", "article", "parse_article", None),
    }


# --- the outcome table: one cause, one status ---------------------------------------------

UNSTORED = [FailureRecord("u", "article", "store", "e", 1, "t", "t")]


@pytest.mark.parametrize(
    ("reason", "stats", "unstored", "low", "status"),
    [
        ("finished", {"ifp/site_answered": 3}, [], None, ExitStatus.OK),
        ("finished", {}, [], None, ExitStatus.SITE_UNREACHABLE),
        ("finished", {"ifp/site_answered": 3}, UNSTORED, None, ExitStatus.UNSTORED),
        ("finished", {"ifp/site_answered": 3}, [], "low", ExitStatus.LOW_COVERAGE),
        ("finished", {"ifp/site_answered": 3}, UNSTORED, "low", ExitStatus.UNSTORED),
        ("store_error", {"ifp/site_answered": 3}, UNSTORED, "low", ExitStatus.STORE),
        ("finished", {"ifp/store_errors": 1}, UNSTORED, None, ExitStatus.STORE),
        ("closespider_timeout", {}, [], None, ExitStatus.OK),
        ("closespider_pagecount", {"ifp/site_answered": 1}, UNSTORED, None, ExitStatus.UNSTORED),
        ("shutdown", {"ifp/site_answered": 1}, [], None, ExitStatus.OK),
    ],
)
def test_run_outcome(
    reason: str,
    stats: dict[str, Any],
    unstored: list[FailureRecord],
    low: str | None,
    status: ExitStatus,
) -> None:
    got, line = run_outcome(reason, stats, "https://ifpnews.com/", unstored, low)
    assert got is status
    assert (line is None) == (status is ExitStatus.OK and reason == "finished")
