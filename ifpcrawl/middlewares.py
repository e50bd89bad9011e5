"""Downloader middlewares: retry with backoff, and a guard that records every host contacted."""

from __future__ import annotations

import asyncio
import logging
import random
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured

from ifpcrawl.config import ifp_setting
from ifpcrawl.crawlstate import crawl_state
from ifpcrawl.logs import OnceLog
from ifpcrawl.urls import is_on_site

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    import time

    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def backoff_delay(
    retry_times: int, base: float, cap: float, retry_after: float | None, rng: random.Random
) -> float:
    """Exponential backoff with jitter; a server's ``Retry-After`` wins when it asks for more."""
    exponential = min(cap, base * (2 ** max(0, retry_times - 1)))
    delay = rng.uniform(exponential / 2, exponential)
    if retry_after is not None:
        delay = max(delay, min(cap, retry_after))
    return delay


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, plus a wait before each retry.

    Scrapy retries at once; a struggling news server (503, 429) needs a pause, and a 429's
    ``Retry-After`` must be honoured. The wait holds the request's download slot, which is
    the point: it slows this domain down while it is unhappy.
    Settings: ``IFP_RETRY_BACKOFF_BASE`` (seconds, default 1.0), ``IFP_RETRY_BACKOFF_MAX``
    (default 60). Per-request escape hatch: ``meta["dont_retry"]`` (Scrapy's own).
    """

    def __init__(self, settings: object) -> None:
        super().__init__(settings)  # type: ignore[arg-type]
        self.backoff_base = 1.0
        self.backoff_max = 60.0
        self.rng = random.Random()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        mw = cls(crawler.settings)
        mw.crawler = crawler
        mw.backoff_base = ifp_setting(crawler.settings, "IFP_RETRY_BACKOFF_BASE")
        mw.backoff_max = ifp_setting(crawler.settings, "IFP_RETRY_BACKOFF_MAX")
        return mw

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, f"{response.status}")
        if retry is None:
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"ifp/http_status/{response.status}")
        wait = backoff_delay(
            retry.meta.get("retry_times", 1),
            self.backoff_base,
            self.backoff_max,
            retry_after_seconds(response.headers.get(b"Retry-After")),
            self.rng,
        )
        await asyncio.sleep(wait)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get(
            "dont_retry", False
        ):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        wait = backoff_delay(
            retry.meta.get("retry_times", 1), self.backoff_base, self.backoff_max, None, self.rng
        )
        await asyncio.sleep(wait)
        return retry


class OffsiteRefused(IgnoreRequest):
    """A request to another origin, refused before it left (``how``: the way it came)."""

    def __init__(self, url: str, how: str) -> None:
        super().__init__(f"off-site request refused ({how}): {url}")
        self.how = how


def offsite_how(request: Request) -> str:
    """How an off-site request came about: an HTTP redirect, a meta refresh, or a link."""
    reasons = request.meta.get("redirect_reasons") or []
    if reasons:
        return "meta_refresh" if str(reasons[-1]) == "meta refresh" else "redirect"
    return str(request.meta.get("ifp_kind") or "link")


class SiteGuardMiddleware:
    """Counts every host a request goes to, and refuses anything outside the site's origin.

    The site is an origin: host (``www.`` folded) *and* port, http and https on their
    default ports being one site (``ifpcrawl.urls.is_on_site``). Scrapy's OffsiteMiddleware
    matches ``allowed_domains``, which cannot hold a port, so another server on the same
    host would pass it. Every request passes here, redirected ones (HTTP 3xx, meta refresh)
    included, so this is the one place that refuses: counted in ``ifp/offsite_blocked`` and
    ``ifp/offsite_blocked/<how>``, logged once, and raised as OffsiteRefused so the spider
    neither records nor retries it. ``ifp/host/<host>`` stats prove no request left the site.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.log_once = OnceLog(logger)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteGuardMiddleware:
        if not ifp_setting(crawler.settings, "IFP_SITE_GUARD_ENABLED"):
            raise NotConfigured("IFP_SITE_GUARD_ENABLED is off")
        assert crawler.stats is not None
        mw = cls(crawler.stats)
        mw.crawler = crawler
        return mw

    crawler: Crawler

    def _on_site(self, url: str) -> bool:
        site = crawl_state(self.crawler).site
        return site is None or is_on_site(url, site)

    def process_request(self, request: Request) -> None:
        if not self._on_site(request.url):
            how = offsite_how(request)
            self.stats.inc_value("ifp/offsite_blocked")
            self.stats.inc_value(f"ifp/offsite_blocked/{how}")
            self.log_once(
                "offsite", "Refused a request outside the site (%s): %s", how, request.url
            )
            raise OffsiteRefused(request.url, how)
        host = (urlsplit(request.url).hostname or "").lower()
        self.stats.inc_value(f"ifp/host/{host}")


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    """Scrapy's RedirectMiddleware, but a redirect back into its own chain is not silently
    dropped by the duplicate filter.

    A 302 to the same URL (a flaky server, a cache rewriting) would otherwise be filtered as
    a duplicate request and the page quietly lost. Letting it through means
    ``REDIRECT_MAX_TIMES`` decides: a transient loop clears on the next hop, a real loop
    ends in "max redirections reached", which the spider logs, counts and records.
    """

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        result = super()._redirect(redirected, request, reason)
        # The old URL is a variant of the page it redirects to (a renamed slug), even when
        # the target was fetched already and the redirected request is filtered as a repeat.
        crawl_state(self.crawler).note_redirect(request.url, result.url)
        chain = {*request.meta.get("redirect_urls", []), request.url}
        if result.url in chain:
            result.dont_filter = True
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("ifp/redirect_loop_hops")
        return result
