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

from ifpcrawl.config import default

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
        mw.backoff_base = crawler.settings.getfloat(
            "IFP_RETRY_BACKOFF_BASE", default("IFP_RETRY_BACKOFF_BASE")
        )
        mw.backoff_max = crawler.settings.getfloat(
            "IFP_RETRY_BACKOFF_MAX", default("IFP_RETRY_BACKOFF_MAX")
        )
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


class SiteGuardMiddleware:
    """Counts every host a request goes to, and refuses any host outside the site.

    Scrapy's OffsiteMiddleware already filters by ``allowed_domains``; this guard sits after
    it as the last word (a bug or a redirect can still produce an off-site request) and
    records ``ifp/host/<host>`` stats so tests and monitors can prove no request left the site.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteGuardMiddleware:
        if not crawler.settings.getbool("IFP_SITE_GUARD_ENABLED", True):
            raise NotConfigured("IFP_SITE_GUARD_ENABLED is off")
        assert crawler.stats is not None
        mw = cls(crawler.stats)
        mw.crawler = crawler
        return mw

    crawler: Crawler

    def process_request(self, request: Request) -> None:
        host = (urlsplit(request.url).hostname or "").lower()
        allowed = getattr(self.crawler.spider, "allowed_domains", None) or []
        if allowed and not any(host == d or host.endswith("." + d) for d in allowed):
            self.stats.inc_value("ifp/offsite_blocked")
            logger.warning("Refused a request outside the site: %s", request.url)
            raise IgnoreRequest(f"off-site request refused: {request.url}")
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
        note = getattr(self.crawler.spider, "note_redirect", None)
        if callable(note):
            note(request.url, result.url)
        chain = {*request.meta.get("redirect_urls", []), request.url}
        if result.url in chain:
            result.dont_filter = True
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("ifp/redirect_loop_hops")
        return result
