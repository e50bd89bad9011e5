"""A crawl of a hostile site (tests/hostile_site.py) ends by itself, small, on its own origin.

One real ``scrapy crawl ifp`` subprocess crawls the whole hostile site with a hard time
bound; its peak RSS is read from ``os.wait4``. The tests then read the store, the run's
stats in ``crawl_runs`` and the two servers' request logs: every control article stored,
no request to the other origin, every trap stopped within its documented bound and
counted, every parser bomb survived. Two more crawls of the endless case (5,000,000 pages
claimed, new articles on every page) are ended by ``CLOSESPIDER_TIMEOUT`` and by one SIGINT.
"""

from __future__ import annotations

import json
import os
import posixpath
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.hostile_site import (
    CONTROLS,
    FORMULA,
    MUST_STORE,
    HostileSite,
    control_paragraphs,
    control_title,
)
from tests.local import crawl_command, crawl_env

pytestmark = pytest.mark.e2e

WINDOW = 16  # IFP_LISTING_WINDOW's default
MAX_PAGES = 20  # IFP_LISTING_MAX_PAGES for the crawl (the fresh-items walk's bound)
MAX_DEPTH = 3  # IFP_LISTING_MAX_DEPTH's default
QUERY_VARIANTS = 3  # IFP_QUERY_VARIANTS_PER_PATH's default
CRAWL_TIME_LIMIT = 240.0
RSS_LIMIT_MB = 300
SETTINGS = {
    "IFP_SECTION_PATHS": "[]",
    "IFP_FEED_PATHS": '["/feed/", "/feed-laughs/", "/feed-xxe/"]',
    "IFP_SITEMAP_PATHS": '["/wp-sitemap.xml"]',
    "IFP_LISTING_MAX_PAGES": str(MAX_PAGES),
    # The trickle page holds a download slot until this; retries multiply it.
    "DOWNLOAD_TIMEOUT": "5",
    "RETRY_TIMES": "1",
}


@dataclass
class Run:
    returncode: int
    elapsed: float
    maxrss_mb: float
    log: str
    db_path: Path

    def db(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.db_path)
        con.row_factory = sqlite3.Row
        return con

    def last_run(self) -> sqlite3.Row:
        with self.db() as con:
            row: sqlite3.Row = con.execute(
                "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return row

    def stats(self) -> dict[str, Any]:
        return dict(json.loads(self.last_run()["stats"]))

    def articles(self) -> dict[str, sqlite3.Row]:
        with self.db() as con:
            return {row["url"]: row for row in con.execute("SELECT * FROM articles")}


def start_crawl(
    site: HostileSite, tmp: Path, settings: Mapping[str, str], mode: str = "auto"
) -> tuple[subprocess.Popen[bytes], Path, Path]:
    db, log = tmp / "hostile.db", tmp / "crawl.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            crawl_command(site.base_url, str(db), settings, spider_args={"mode": mode}),
            cwd=tmp,
            env=crawl_env(),
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    return proc, db, log


def vm_hwm_kib(pid: int) -> int:
    """Peak resident size of a running process, in KiB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fp:
            for line in fp:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def wait_child(
    proc: subprocess.Popen[bytes], started: float, limit: float
) -> tuple[int, float, float]:
    """Wait for the crawl (killed past ``limit`` seconds); exit status, seconds, peak RSS MB."""
    deadline = started + limit
    peak_kib = 0
    while time.monotonic() < deadline:
        # The crawl's own high-water mark (VmHWM), read while it runs: ru_maxrss from wait4
        # would also hold the RSS of this test process, which Linux folds in at exec.
        peak_kib = max(peak_kib, vm_hwm_kib(proc.pid))
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, time.monotonic() - started, peak_kib / 1024
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    pytest.fail(f"the crawl did not end within {limit:.0f} s")


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileSite]:
    with HostileSite() as site:
        yield site


@pytest.fixture(scope="module")
def run(hostile: HostileSite, tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("hostile")
    started = time.monotonic()
    proc, db, log = start_crawl(hostile, tmp, SETTINGS)
    code, elapsed, rss = wait_child(proc, started, CRAWL_TIME_LIMIT)
    return Run(code, elapsed, rss, log.read_text(errors="replace"), db)


def url(site: HostileSite, path: str) -> str:
    return site.base_url.rstrip("/") + path


# ----------------------------------------------------------------------------- the whole run


def test_the_crawl_ends_by_itself_small_and_clean(run: Run) -> None:
    assert run.returncode == 0, run.log[-3000:]
    assert run.elapsed < CRAWL_TIME_LIMIT
    assert run.maxrss_mb < RSS_LIMIT_MB, run.maxrss_mb
    row = run.last_run()
    assert row["finished_at"] and row["finish_reason"] == "finished"
    for crash in ("Traceback", "RecursionError", "UnicodeEncodeError", "UnicodeDecodeError"):
        assert crash not in run.log, run.log[run.log.find(crash) - 2000 :][:4000]
    assert run.stats().get("spider_exceptions/count", 0) == 0


def test_every_control_article_is_stored_whole(hostile: HostileSite, run: Run) -> None:
    articles = run.articles()
    for path in CONTROLS:
        row = articles[url(hostile, path)]
        assert row["title"] == control_title(path)
        title = control_title(path)
        assert row["body"] == "\n\n".join([f"{title}.", *control_paragraphs(path)])
        assert row["author"] == "Ed Itor"
        assert row["published_at"] == "2024-05-17T10:00:00+03:30"
    missing = [path for path in MUST_STORE if url(hostile, path) not in articles]
    assert missing == [], run.log[-3000:]


# ----------------------------------------------------------------------------- origins


def test_nothing_reached_or_came_from_another_origin(hostile: HostileSite, run: Run) -> None:
    assert hostile.other_hits == []
    with run.db() as con:
        stored = [r[0] for r in con.execute("SELECT url FROM articles")]
        variants = [r[0] for r in con.execute("SELECT url FROM article_urls")]
        failures = [r[0] for r in con.execute("SELECT url FROM failures")]
    for found in (*stored, *variants, *failures):
        assert found.startswith(hostile.base_url), found
    stats = run.stats()
    # 301, 302 (protocol-relative), 307 and one meta refresh, each refused and counted.
    assert stats.get("ifp/offsite_blocked/redirect") == 3, stats
    assert stats.get("ifp/offsite_blocked/meta_refresh") == 1, stats
    assert stats.get("ifp/offsite_blocked") == 4
    # The sitemap index's entry and the post sitemap's, the feed's, the REST answer's.
    assert stats.get("ifp/offsite_refused/sitemap") == 2
    assert stats.get("ifp/offsite_refused/feed") == 1
    assert stats.get("ifp/offsite_refused/api", 0) >= 1
    assert stats.get("ifp/offsite_refused/base") == 1


# ----------------------------------------------------------------------------- traps


def test_traps_stop_within_their_bounds(hostile: HostileSite, run: Run) -> None:
    # Endless pagination repeating its items: page 2 repeats page 1, the walk stops there.
    assert len(hostile.hits("/category/endless/")) == 2
    # "Page 1 of 5,000,000": a window of pages is asked for, the first repeat stops it.
    assert 2 <= len(hostile.hits("/category/claims/")) <= 1 + WINDOW
    # New items on every page: the page bound (IFP_LISTING_MAX_PAGES here) ends it.
    assert len(hostile.hits("/category/fresh/")) == MAX_PAGES
    # REST claiming 5,000,000 pages (page 2 nested 200,000 deep): a window at most.
    assert 2 <= len(hostile.hits("/wp-json/wp/v2/posts")) <= 1 + WINDOW
    # Archive hops from the home page: deep-1 .. deep-MAX_DEPTH, never further.
    deep = sorted(p for p in hostile.paths() if p.startswith("/category/deep-"))
    assert deep == [f"/category/deep-{n}/" for n in range(1, MAX_DEPTH + 1)]
    # Calendars, date and search archives, session ids: never walked.
    assert hostile.hits("/events/") == []
    assert hostile.hits("/2024/") == []
    assert [t for t in hostile.requests if "?m=" in t or "?s=" in t or "sessionid" in t] == []
    # A page linking itself with a new token each time: a few spellings, then no more.
    assert 1 <= len(hostile.hits("/tokened/")) <= 1 + QUERY_VARIANTS
    stats = run.stats()
    assert stats.get("ifp/trap/no_new_items") == 3, stats  # endless, claims, REST
    assert stats.get("ifp/trap/max_pages") == 1
    assert stats.get("ifp/trap/max_depth", 0) >= 1
    assert stats.get("ifp/trap/query_variants", 0) >= 1
    # Each kind of stop is logged once.
    for reason in ("no_new_items", "max_pages", "max_depth", "query_variants"):
        assert run.log.count(f": {reason} (further cases are only counted") == 1, reason


def test_robots_txt_holds_under_every_spelling(hostile: HostileSite, run: Run) -> None:
    for target in hostile.requests:
        path = posixpath.normpath("/" + unquote(urlsplit(target).path).lstrip("/"))
        assert not path.startswith("/private"), target


# ----------------------------------------------------------------------------- parsers


def test_deep_json_is_refused_and_the_article_kept(hostile: HostileSite, run: Run) -> None:
    row = run.articles()[url(hostile, "/deep-jsonld/")]
    assert row["title"] == "Deep JSON-LD does not sink the page"
    stats = run.stats()
    assert stats.get("ifp/refused_json/jsonld/too_deep") == 1
    assert stats.get("ifp/refused_json/rest/too_deep") == 1


def test_lone_surrogates_are_repaired_and_counted(hostile: HostileSite, run: Run) -> None:
    row = run.articles()[url(hostile, "/lone-surrogate/")]
    values = [v for v in dict(row).values() if isinstance(v, str)]
    for value in values:
        value.encode("utf-8")  # every stored string is valid Unicode
    assert any("\ufffd" in v for v in values), dict(row)
    stats = run.stats()
    assert stats.get("ifp/text/surrogates_repaired/jsonld") == 1
    # Repaired at the source: nothing left for the last gate before the store.
    assert stats.get("ifp/text/surrogates_repaired", 0) == 0


def test_other_bad_text_is_stored_clean(hostile: HostileSite, run: Run) -> None:
    articles = run.articles()
    assert FORMULA in articles[url(hostile, "/formula-sql/")]["body"]
    bad = articles[url(hostile, "/bad-bytes/")]
    assert "\x00" not in bad["body"] and "\u202e" not in bad["title"]


# ----------------------------------------------------------------------------- stopping


@pytest.mark.parametrize("how", ["closespider_timeout", "sigint"])
def test_the_endless_case_stops_promptly(how: str, tmp_path: Path) -> None:
    settings = {
        "IFP_SECTION_PATHS": "[]",
        "IFP_FEEDS_ENABLED": "False",
        "IFP_SITEMAPS_ENABLED": "False",
    }
    if how == "closespider_timeout":
        settings["CLOSESPIDER_TIMEOUT"] = "20"
    with HostileSite(endless=True) as site:
        started = time.monotonic()
        proc, db, log = start_crawl(site, tmp_path, settings)
        if how == "sigint":
            time.sleep(15)  # well into the crawl: pages, articles and batches in flight
            assert proc.poll() is None, log.read_text()[-3000:]
            stop_sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            code, _, _ = wait_child(proc, stop_sent, 15)
            stop_took = time.monotonic() - stop_sent
        else:
            code, elapsed, _ = wait_child(proc, started, 20 + 15)
            stop_took = elapsed - 20
        requested = len(site.requests)
    assert code == 0, log.read_text()[-3000:]
    assert stop_took < 15
    crawl = Run(code, 0, 0, log.read_text(errors="replace"), db)
    row = crawl.last_run()
    assert row["finished_at"], crawl.log[-3000:]
    assert row["finish_reason"] == ("closespider_timeout" if how != "sigint" else "shutdown")
    stats = crawl.stats()
    # Still walking when stopped, and every article in hand reached the store.
    assert requested > 100
    assert stats.get("ifp/trap/max_pages", 0) == 0
    assert len(crawl.articles()) == stats["ifp/articles_valid"] > 0
    assert stats.get("ifp/store_errors", 0) == 0


def test_incremental_walks_of_the_endless_case_are_bounded(tmp_path: Path) -> None:
    """An incremental run pages back until it meets stored articles: new ones on every
    page, forever, would never stop it without the page bound."""
    settings = {
        "IFP_SECTION_PATHS": "[]",
        "IFP_FEEDS_ENABLED": "False",
        "IFP_SITEMAPS_ENABLED": "False",
        "IFP_LISTING_MAX_PAGES": "10",
    }
    with HostileSite(endless=True) as site:
        started = time.monotonic()
        proc, db, log = start_crawl(site, tmp_path, settings, mode="incremental")
        code, _, _ = wait_child(proc, started, 120)
        listing_pages = [t for t in site.requests if t == "/" or t.startswith("/page/")]
        api_pages = site.hits("/wp-json/wp/v2/posts")  # not the zone read from the root
    crawl = Run(code, 0, 0, log.read_text(errors="replace"), db)
    assert code == 0, crawl.log[-3000:]
    assert len(listing_pages) == 10
    assert len(api_pages) == 10
    assert crawl.stats().get("ifp/trap/max_pages") == 2
