"""Extensions: run history (`crawl_runs`) with a coverage alarm, and readable progress."""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scrapy import Request, Spider, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from ifpcrawl.clock import iso_now
from ifpcrawl.config import ifp_setting
from ifpcrawl.crawlstate import crawl_state, walk_state_key
from ifpcrawl.failures import run_outcome
from ifpcrawl.pipelines import COVERAGE_FIELDS
from ifpcrawl.runtime import store_for
from ifpcrawl.store.base import FailureRecord, Store, StoreError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

# Stats prefixes whose counts name each kind of failure a run met.
FAILURE_PREFIXES = (
    "retry/reason_count/",
    "retry/max_reached",
    "downloader/exception_type_count/",
    "ifp/http_status/",
    "ifp/error_pages",
    "ifp/failed/",
    "ifp/dropped/",
    "ifp/bad_",
    "ifp/store_errors",
)


def jsonable_stats(stats: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in stats.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
        elif isinstance(value, (int, float, str, bool)) or value is None:
            out[key] = value
        else:
            out[key] = str(value)
    return out


def coverage(stats: dict[str, Any]) -> dict[str, float]:
    seen = int(stats.get("ifp/articles_valid", 0))
    if not seen:
        return {}
    return {name: int(stats.get(f"ifp/field/{name}", 0)) / seen for name in COVERAGE_FIELDS}


def failure_summary(stats: dict[str, Any]) -> dict[str, int]:
    return {
        key: int(value)
        for key, value in stats.items()
        if key.startswith(FAILURE_PREFIXES) and isinstance(value, int)
    }


class RunHistory:
    """Writes one `crawl_runs` row per run; flags low field coverage with an exit status.

    The row is started when the spider opens and finished when it closes, with the run's
    stats as JSON (pages, articles new/updated/unchanged/duplicate, failures by kind,
    field coverage). A run killed hard leaves a row without ``finished_at``: visible in
    ``scrapy report`` as "interrupted".
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.run_id: int | None = None
        self.started_at = iso_now()
        raw = ifp_setting(crawler.settings, "IFP_MIN_COVERAGE")
        self.min_coverage = {str(k): float(v) for k, v in raw.items()}
        self.min_sample = ifp_setting(crawler.settings, "IFP_MIN_COVERAGE_SAMPLE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunHistory:
        if not ifp_setting(crawler.settings, "IFP_RUN_HISTORY_ENABLED"):
            raise NotConfigured("IFP_RUN_HISTORY_ENABLED is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        store = store_for(self.crawler)
        state = crawl_state(self.crawler)
        site, mode = state.site_url, state.mode
        self.started_at = iso_now()
        self.run_id = store.start_run(site, mode, self.started_at)
        self.stats.set_value("ifp/run_id", self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.stats.get_stats()
        cov = coverage(stats)
        for name, value in cov.items():
            self.stats.set_value(f"ifp/coverage/{name}", round(value, 4))
        failures = failure_summary(stats)
        self.stats.set_value("ifp/failures", sum(failures.values()))
        seen = int(stats.get("ifp/articles_valid", 0))
        low = {
            name: cov.get(name, 0.0)
            for name, floor in self.min_coverage.items()
            if seen >= self.min_sample and cov.get(name, 0.0) < floor
        }
        low_line = None
        if low:
            self.stats.set_value("ifp/coverage_alarm", ",".join(sorted(low)))
            low_line = (
                "field coverage fell below IFP_MIN_COVERAGE: "
                + ", ".join(f"{k} {v:.1%} < {self.min_coverage[k]:.0%}" for k, v in low.items())
                + " (the site's markup may have changed; see `scrapy report`)"
            )
            logger.error("%s", low_line)
        state = crawl_state(self.crawler)
        site = state.site_url
        unstored: list[FailureRecord] = []
        store: Store | None = None
        try:
            store = store_for(self.crawler)
            if self.run_id is not None:
                unstored = store.unstored_since(self.started_at)
        except StoreError as exc:
            logger.error("Could not read this run's failures: %s", exc)
            self.stats.inc_value("ifp/store_errors")
        self.stats.set_value("ifp/unstored", len(unstored))
        status, line = run_outcome(reason, self.stats.get_stats(), site, unstored, low_line)
        if status:
            self.stats.set_value("ifp/exit_code", int(status))
        if line:
            self.stats.set_value("ifp/exit_message", line)
            (logger.error if status else logger.info)("Run outcome: %s", line)
        if self.run_id is None or store is None:
            return
        try:
            if reason == "finished" and state.walk_all:
                # The next `auto` run may be incremental: the whole archive was walked.
                store.set_state(walk_state_key(site), iso_now())
            store.finish_run(self.run_id, iso_now(), reason, jsonable_stats(self.stats.get_stats()))
        except StoreError as exc:
            logger.error("Could not record the run in crawl_runs: %s", exc)


#: Request kinds (``ifp_kind`` meta) that discover articles; while one is open, the number of
#: articles to fetch is not known yet.
DISCOVERY_KINDS = ("listing", "feed", "sitemap", "api")
#: ``ifp/failed/article/<reason>`` reasons met after the page was answered (and counted so).
ANSWERED_FAILURES = ("http_", "callback", "pipeline", "store")


class Progress:
    """Progress a person can trust, at a steady interval.

    Counts are articles (distinct URLs the run decided to fetch, or left alone as known and
    unchanged), never link mentions. The number of articles to fetch grows as discovery
    pages (listings, feeds, sitemaps, REST) are read, so a share is shown only once no
    discovery page is open, and never 100% before the crawl ends. On a terminal whose
    stderr carries no log (``LOG_FILE`` set or logging off) a bar owns the last line;
    otherwise progress is plain log lines. The run ends with one final line.
    """

    def __init__(self, stats: StatsCollector, interval: float, bar: bool) -> None:
        self.stats = stats
        self.interval = interval
        self.bar = bar
        self.started = time.monotonic()
        self.last_pages = 0
        self.last_time = self.started
        self.task: Any = None
        # Requests scheduled and not yet out of the downloader, by ``ifp_kind``.
        self.open: dict[str, int] = {}
        # Article requests answered (a retry or redirect chain answers once).
        self.articles_answered = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        settings = crawler.settings
        interval = ifp_setting(settings, "IFP_PROGRESS_INTERVAL")
        if not ifp_setting(settings, "IFP_PROGRESS_ENABLED") or interval <= 0:
            raise NotConfigured("progress is off")
        assert crawler.stats is not None
        # Scrapy logs to stderr unless LOG_FILE is set: a bar there would be cut by log lines.
        logs_on_stderr = settings.getbool("LOG_ENABLED", True) and not settings.get("LOG_FILE")
        ext = cls(crawler.stats, interval, sys.stderr.isatty() and not logs_on_stderr)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(ext.request_done, signal=signals.request_dropped)
        crawler.signals.connect(ext.request_done, signal=signals.request_left_downloader)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        return ext

    @staticmethod
    def kind(request: Request) -> str:
        return str(request.meta.get("ifp_kind", "other"))

    def request_scheduled(self, request: Request) -> None:
        kind = self.kind(request)
        self.open[kind] = self.open.get(kind, 0) + 1

    def request_done(self, request: Request) -> None:
        # A retry or redirect is scheduled again as a new request, so it reopens its kind.
        kind = self.kind(request)
        self.open[kind] = max(0, self.open.get(kind, 0) - 1)

    def response_received(self, request: Request) -> None:
        if self.kind(request) == "article":
            self.articles_answered += 1

    def never_downloaded(self, kind: str) -> int:
        """Requests of ``kind`` a downloader middleware refused (robots.txt, the site guard):
        they never reach the downloader, so only the spider's failure count tells."""
        get = self.stats.get_value
        return int(get(f"ifp/failed/{kind}/robots", 0)) + int(get(f"ifp/failed/{kind}/ignored", 0))

    def spider_opened(self, spider: Spider) -> None:
        self.started = self.last_time = time.monotonic()
        self.task = create_looping_call(self.report)
        self.task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.task = None
        if self.bar:
            sys.stderr.write("\r\x1b[K")  # the final log line replaces the bar
            sys.stderr.flush()
        logger.info("Progress: %s", self.final_line(reason))

    def articles(self) -> tuple[int, int, int]:
        """(known, done, skipped): articles this run fetches, of which finished, and known
        articles it leaves alone."""
        stats = self.stats.get_stats()
        known = sum(
            int(value)
            for key, value in stats.items()
            if key.startswith("ifp/fetch_reason/") and isinstance(value, int)
        )
        # Answered, or failed without an answer. Failures recorded after an answer (an HTTP
        # error status, a callback, pipeline or store error) were counted as answered.
        unanswered = sum(
            int(value)
            for key, value in stats.items()
            if key.startswith("ifp/failed/article/")
            and not key.removeprefix("ifp/failed/article/").startswith(ANSWERED_FAILURES)
            and isinstance(value, int)
        )
        done = self.articles_answered + unanswered
        return known, min(done, known), int(stats.get("ifp/skipped_known", 0))

    def discovering(self) -> int:
        return sum(
            max(0, self.open.get(kind, 0) - self.never_downloaded(kind)) for kind in DISCOVERY_KINDS
        )

    def share(self) -> float | None:
        """The finished share of the run's articles, or None while discovery may still add
        articles. Below 1 until the crawl ends: articles found by article pages may follow."""
        known, done, _ = self.articles()
        if self.discovering() or not known:
            return None
        return min(done / known, 0.999)

    def counts(self) -> str:
        get = self.stats.get_value
        errors = sum(failure_summary(self.stats.get_stats()).values())
        return (
            f"stored new {int(get('ifp/articles_new', 0)):,} "
            f"updated {int(get('ifp/articles_updated', 0)):,} "
            f"unchanged {int(get('ifp/articles_unchanged', 0)):,} "
            f"duplicate {int(get('ifp/articles_duplicate', 0)):,} | errors {errors:,}"
        )

    def line(self) -> str:
        now = time.monotonic()
        pages = int(self.stats.get_value("response_received_count", 0))
        rate = (pages - self.last_pages) / max(1e-6, now - self.last_time)
        self.last_pages, self.last_time = pages, now
        known, done, skipped = self.articles()
        share = self.share()
        if share is None:
            where = f"still discovering ({self.discovering():,} pages open)"
        else:
            where = f"{share:.1%}"
        return (
            f"[{now - self.started:,.0f}s] articles {done:,}/{known:,} fetched, {where}, "
            f"{skipped:,} known left alone | {self.counts()} | "
            f"pages {pages:,} ({rate:,.1f}/s)"
        )

    def final_line(self, reason: str) -> str:
        elapsed = time.monotonic() - self.started
        pages = int(self.stats.get_value("response_received_count", 0))
        known, done, skipped = self.articles()
        return (
            f"finished ({reason}) in {elapsed:,.0f}s: articles {done:,}/{known:,} fetched, "
            f"{skipped:,} known left alone | {self.counts()} | "
            f"pages {pages:,} ({pages / max(elapsed, 1e-6):,.1f}/s on average)"
        )

    def report(self) -> None:
        text = self.line()
        if not self.bar:
            logger.info("Progress: %s", text)
            return
        share = self.share()
        width = 20
        filled = int(width * share) if share is not None else 0
        bar = "#" * filled + ("-" if share is not None else "?") * (width - filled)
        # \r plus erase-to-end: the bar owns the terminal's last line.
        sys.stderr.write(f"\r\x1b[K[{bar}] {text}")
        sys.stderr.flush()
