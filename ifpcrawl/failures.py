"""Containment: what one page or article broke is recorded, counted and retried, never lost.

``FailureRecorder`` listens to Scrapy's own signals: ``spider_error`` (a callback raised on a
listing, feed, sitemap, REST answer or article page) and ``item_error`` (a pipeline raised on
one article). Each is recorded in the store's ``failures`` table with the page's kind and a
one-line error, counted (``ifp/failed/<kind>/<reason>``) and logged once per kind of error;
the next run retries it. It also counts the responses the site gave (``ifp/site_answered``),
from which the run's outcome tells a dead site from a quiet one.

``run_outcome`` turns a finished run into its exit status and one line (ifpcrawl.exitcodes).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    NotConfigured,
    ResponseDataLossError,
)
from twisted.internet.error import ConnectError, DNSLookupError

from ifpcrawl.clock import iso_now
from ifpcrawl.config import ifp_setting
from ifpcrawl.exitcodes import ExitStatus, most_severe
from ifpcrawl.logs import OnceLog
from ifpcrawl.runtime import store_for
from ifpcrawl.store.base import FailureRecord, StoreError, one_line

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

#: Scrapy's CloseSpider reasons and the setting that stopped the run.
CLOSESPIDER_REASONS = {
    "closespider_timeout": "CLOSESPIDER_TIMEOUT",
    "closespider_timeout_no_item": "CLOSESPIDER_TIMEOUT_NO_ITEM",
    "closespider_itemcount": "CLOSESPIDER_ITEMCOUNT",
    "closespider_pagecount": "CLOSESPIDER_PAGECOUNT",
    "closespider_pagecount_no_item": "CLOSESPIDER_PAGECOUNT_NO_ITEM",
    "closespider_errorcount": "CLOSESPIDER_ERRORCOUNT",
}


# Pages besides articles whose failure is recorded and retried by the next run.
RETRIED_KINDS = ("listing", "feed", "sitemap", "api")
# What a site that does not offer a feed, sitemap or REST API answers: no failure.
_NOT_OFFERED = ("http_404", "http_401", "http_403", "http_410")


def fetch_failure_reason(exc: BaseException) -> str:
    """The reason a request failed, as counted (``ifp/failed/<kind>/<reason>``) and recorded:
    ``http_<status>``, ``robots``, ``redirect_loop``, ``ignored`` or the exception's name."""
    from scrapy.exceptions import IgnoreRequest
    from scrapy.spidermiddlewares.httperror import HttpError

    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots" in text.lower() or "Forbidden by robots.txt" in text:
            return "robots"
        return "redirect_loop" if "redirect" in text.lower() else "ignored"
    return type(exc).__name__


def transient_failure(reason: str, seed: bool) -> bool:
    """A failure worth retrying next run: server or network trouble on a page that the next
    run would not request anyway (seeds are requested every run; 4xx pages are gone)."""
    if seed or reason in ("robots", "ignored", "redirect_loop"):
        return False
    return not (reason.startswith("http_4") and reason != "http_429")


def fetch_failure_action(kind: str, reason: str, seed: bool) -> str:
    """What a failed fetch of a ``kind`` page calls for: ``record`` (in ``failures``, so the
    next run retries it), ``not_offered`` (a feed, sitemap or API the site does not have) or
    ``log`` (logged once and counted, nothing to retry)."""
    if kind == "article":
        return "log" if reason == "robots" else "record"
    if kind in ("sitemap", "api", "feed") and reason in _NOT_OFFERED:
        return "not_offered"
    if kind in RETRIED_KINDS and transient_failure(reason, seed):
        return "record"
    return "log"


#: Errors that say the network or the server is not there: a line says all there is to
#: say; a traceback of Twisted's internals only hides it.
NETWORK_ERRORS = (
    DownloadConnectionRefusedError,
    CannotResolveHostError,
    DownloadTimeoutError,
    DownloadFailedError,
    ResponseDataLossError,
    ConnectError,
    DNSLookupError,
    TimeoutError,
)


class NetworkErrorsInOneLine(logging.Filter):
    """Drops the traceback from log records about network errors (Scrapy's robots.txt
    middleware logs a dead site's connection refusal with a 30-line traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = record.exc_info
        if info and isinstance(info[1], NETWORK_ERRORS):
            record.msg = f"{record.msg} ({one_line(info[1])})"
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_network_tracebacks() -> None:
    for name in ("scrapy.downloadermiddlewares.robotstxt", "scrapy.core.scraper"):
        log = logging.getLogger(name)
        if not any(isinstance(f, NetworkErrorsInOneLine) for f in log.filters):
            log.addFilter(NetworkErrorsInOneLine())


class FailureRecorder:
    """Records callback and pipeline errors in ``failures`` (see module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats
        self.log_once = OnceLog(logger, logging.ERROR)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureRecorder:
        if not ifp_setting(crawler.settings, "IFP_STORE_ENABLED"):
            raise NotConfigured("no store to record failures in")
        ext = cls(crawler)
        quiet_network_tracebacks()
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        return ext

    def response_received(self, response: Response, request: Any, spider: Spider) -> None:
        if request.meta.get("ifp_kind") and response.status < 500:
            self.stats.inc_value("ifp/site_answered")

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        request = response.request
        kind = str(request.meta.get("ifp_kind", "other")) if request is not None else "other"
        url = request.url if request is not None else response.url
        self._record(url, kind, "callback", failure.value)

    def item_error(self, item: Any, response: Response, spider: Spider, failure: Failure) -> None:
        url = str(getattr(item, "url", "") or response.url)
        self._record(url, "article", "pipeline", failure.value)

    def _record(self, url: str, kind: str, reason: str, error: BaseException | None) -> None:
        if error is None:
            error = RuntimeError("unknown error")
        self.stats.inc_value(f"ifp/failed/{kind}/{reason}")
        self.log_once(
            f"{kind}:{reason}:{type(error).__name__}",
            "%s %s: %s; recorded in failures, retried next run",
            kind.capitalize(),
            url,
            one_line(error),
        )
        try:
            store_for(self.crawler).record_failure(
                url, reason, iso_now(), kind=kind, error=one_line(error)
            )
        except StoreError as exc:
            logger.error("Could not record the failure of %s: %s", url, exc)
            self.stats.inc_value("ifp/store_errors")


def _unstored_line(unstored: list[FailureRecord]) -> str:
    reasons: dict[str, int] = {}
    for record in unstored:
        reasons[record.reason] = reasons.get(record.reason, 0) + 1
    detail = ", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items()))
    return (
        f"{len(unstored)} article(s) read but not stored ({detail}); they are recorded in"
        " failures and retried next run: see `scrapy report`"
    )


def _dead_site_line(site: str, stats: dict[str, Any]) -> str:
    prefix = "downloader/exception_type_count/"
    errors = {
        key[len(prefix) :].rsplit(".", 1)[-1]: int(value)
        for key, value in stats.items()
        if key.startswith(prefix)
    }
    statuses = {
        key.rsplit("/", 1)[-1]: int(value)
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/")
    }
    seen = [f"{name} x{count}" for name, count in sorted(errors.items())]
    seen += [f"HTTP {status} x{count}" for status, count in sorted(statuses.items())]
    return (
        f"the site {site} never answered ({', '.join(seen) or 'no response'}): nothing was"
        " crawled. Check -a site= / IFP_SITE and the network"
    )


def run_outcome(
    reason: str,
    stats: dict[str, Any],
    site: str,
    unstored: list[FailureRecord],
    low_coverage: str | None,
) -> tuple[ExitStatus, str | None]:
    """The exit status of a finished run and the one line that says why (None: nothing to
    say). Pure: the run's close reason, its stats, the articles it left unstored and the
    coverage alarm (if any) decide it."""
    causes: dict[ExitStatus, str] = {}
    if reason == "store_error" or stats.get("ifp/store_errors"):
        causes[ExitStatus.STORE] = "the store could not be written: see the log"
    if not stats.get("ifp/site_answered") and reason not in CLOSESPIDER_REASONS:
        causes[ExitStatus.SITE_UNREACHABLE] = _dead_site_line(site, stats)
    if unstored:
        causes[ExitStatus.UNSTORED] = _unstored_line(unstored)
    if low_coverage:
        causes[ExitStatus.LOW_COVERAGE] = low_coverage
    status = most_severe(set(causes))
    if status is not ExitStatus.OK:
        return status, causes[status]
    if reason in CLOSESPIDER_REASONS:
        setting = CLOSESPIDER_REASONS[reason]
        return ExitStatus.OK, (
            f"stopped by the {setting} limit; the next run continues where this one stopped"
        )
    if reason == "shutdown":
        return ExitStatus.OK, "stopped by a signal; run the same command again to continue"
    return ExitStatus.OK, None
