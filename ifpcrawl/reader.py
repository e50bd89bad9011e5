"""Reading fetched pages, in this process or in worker processes.

The spider hands every article and listing page to a :class:`PageReader`. With
``processes=0`` (the default) the page is parsed and extracted right here, in the
crawler's event loop. With ``processes=N`` it is done by N worker processes
(``concurrent.futures.ProcessPoolExecutor``), and the event loop only waits for the
result: Scrapy runs one Python thread, so parsing and extraction (about half of the
crawler's CPU per article on the replica) otherwise compete with downloading,
scheduling and storing for one core. lxml holds the GIL for much of a parse, so
threads would not help; processes do.

What crosses the process boundary is small and plain: the page's UTF-8 bytes (or its
text) in, an :class:`ArticlePage` or :class:`~ifpcrawl.discovery.ListingLinks` out.
The lxml tree never leaves the worker.

A worker that dies (a crash in native code, the OOM killer) breaks the pool: the reader
starts a new one and reads the page again there, once; a page that breaks the pool
twice raises :class:`PageCrashedError`, which the spider records as that page's failure
and the crawl goes on (pages that were in flight in the broken pool are read again too).
Workers that cannot start at all (no answer ever came back) turn the reader inline, with
an error in the log: the crawl is slower, never wrong.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import resource
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from ifpcrawl.dates import SITE_TZ
from ifpcrawl.discovery import ListingLinks, listing_links
from ifpcrawl.extract.article import Extraction, extract_article
from ifpcrawl.extract.page import Page, parse_html
from ifpcrawl.urls import Site

logger = logging.getLogger(__name__)

T = TypeVar("T")


# A run's first pages are read inline: a rerun that reads a few listings never pays for
# worker processes (a spawn imports the extractor: ~1 s of CPU). Workers start halfway, so
# they are ready, or nearly, when the reader switches to them.
INLINE_PAGES = 32


class PageCrashedError(RuntimeError):
    """Reading one page killed a worker process twice."""


@dataclass
class ArticlePage:
    """What the spider needs of an article page once it is read."""

    extraction: Extraction
    canonical_link: str | None
    amphtml_link: str | None
    listing: ListingLinks | None = None
    """The page's links, when the article URL served a listing."""
    rest_link: str | None = None
    """The post's WordPress REST item, as the page links it."""
    jsonld_refused: tuple[str, ...] = ()
    """Why JSON-LD blocks of the page were not parsed (ifpcrawl.boundedjson reasons)."""
    jsonld_surrogates: int = 0
    """Lone surrogates replaced in the page's JSON-LD."""


def _text(html: str | None, utf8: bytes | None) -> str:
    if html is not None:
        return html
    assert utf8 is not None
    return utf8.decode("utf-8")


def read_article_page(
    html: str | None,
    utf8: bytes | None,
    url: str,
    response_date: datetime | None,
    site: Site,
    tz: str = SITE_TZ,
) -> ArticlePage:
    """Parse and extract one article page (``html``, or its UTF-8 bytes ``utf8``);
    ``tz``: the site's zone for times written without an offset."""
    page = Page.from_html(_text(html, utf8), url, response_date, utf8, tz=tz)
    extraction = extract_article(page)
    listing = listing_links(page.tree, url, site) if extraction.kind == "listing" else None
    return ArticlePage(
        extraction,
        page.canonical_link,
        page.amphtml_link,
        listing,
        page.rest_link,
        tuple(page.jsonld.refused),
        page.jsonld.surrogates_repaired,
    )


def read_listing_page(html: str | None, utf8: bytes | None, url: str, site: Site) -> ListingLinks:
    """The links of one listing page (``html``, or its UTF-8 bytes ``utf8``)."""
    return listing_links(parse_html(_text(html, utf8), utf8), url, site)


class PageReader:
    """Reads pages inline (``processes=0``) or in a pool of ``processes`` workers."""

    def __init__(self, processes: int = 0, inline_pages: int = INLINE_PAGES) -> None:
        if processes < 0:
            raise ValueError(f"IFP_EXTRACT_PROCESSES must be 0 or more, not {processes}")
        self.processes = processes
        self.inline_pages = inline_pages
        self.pages = 0
        self._pool: Executor | None = None
        self._answered = False  # a worker has returned a result (so workers can start)
        self.restarts = 0

    @property
    def inline(self) -> bool:
        return self.processes == 0

    def _executor(self) -> Executor:
        if self._pool is None:
            # "spawn": a fresh interpreter per worker. Forking a crawler that runs threads
            # (Twisted's pool, the store's) can copy a lock that another thread holds.
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    def start(self) -> None:
        """Start the workers now, without waiting: they import the extractor while the
        crawl fetches its first pages."""
        if not self.inline:
            self._executor().submit(int).add_done_callback(self._note_started)

    def _note_started(self, future: Future[int]) -> None:
        if not future.cancelled() and future.exception() is None:
            self._answered = True

    async def article(
        self,
        html: str | None,
        utf8: bytes | None,
        url: str,
        response_date: datetime | None,
        site: Site,
        tz: str = SITE_TZ,
    ) -> ArticlePage:
        if self.inline:
            return read_article_page(html, utf8, url, response_date, site, tz)
        # Only the bytes cross over when they are the page: half the payload.
        text = None if utf8 is not None else html
        return await self._run(url, read_article_page, text, utf8, url, response_date, site, tz)

    async def listing(
        self, html: str | None, utf8: bytes | None, url: str, site: Site
    ) -> ListingLinks:
        if self.inline:
            return read_listing_page(html, utf8, url, site)
        return await self._run(
            url, read_listing_page, None if utf8 is not None else html, utf8, url, site
        )

    async def _run(self, url: str, fn: Callable[..., T], *args: Any) -> T:
        self.pages += 1
        if self.pages <= self.inline_pages:
            if self.pages == self.inline_pages // 2 + 1:
                self.start()
            return fn(*args)
        loop = asyncio.get_running_loop()
        crashes = 0
        while True:
            if self.inline:
                return fn(*args)
            pool = self._executor()
            try:
                result = await loop.run_in_executor(pool, fn, *args)
            except BrokenProcessPool:
                self._replace(pool)
                if not self._answered:
                    # Not one answer yet: the workers cannot start here (a main module
                    # without the __main__ guard, a sandbox without processes). Reading
                    # in this process is slower, never wrong.
                    logger.error(
                        "Page reader processes could not start; reading pages in the"
                        " crawler's own process (IFP_EXTRACT_PROCESSES=0)"
                    )
                    self.processes = 0
                    continue
                crashes += 1
                if crashes == 2:
                    raise PageCrashedError(f"reading {url} killed a worker process twice") from None
                logger.warning("A page reader process died; reading %s again in a new one", url)
                continue
            self._answered = True
            return result

    def _replace(self, broken: Executor) -> None:
        if self._pool is broken:
            self._pool = None
            self.restarts += 1
            broken.shutdown(wait=False, cancel_futures=True)

    def close(self) -> float:
        """Stop the workers, waiting for them; returns the CPU seconds all of this
        process's finished children used (the workers', when the crawler spawns no other
        processes), so a run can tell its own CPU from its readers'."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime
