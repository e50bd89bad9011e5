"""Re-extraction from the archive: today's extraction on the responses captured earlier.

``scrapy reextract`` runs a Scrapy crawl whose downloads never reach the network:

* :class:`ReextractSpider` is the ``ifp`` spider with other seeds: one request per stored
  article that has a capture (``articles.warc_file`` / ``warc_offset``), carrying that
  pointer in ``meta["ifp_replay"]``; its article callback is the ``ifp`` spider's own (same
  extraction, same canonical URL and variant rules), minus the requests it would make
  (links, AMP fallbacks, retries): nothing but the captured page is read.
* :class:`WarcReplayMiddleware` is the first downloader middleware: it answers every request
  from the WARC record it names (raw bytes, so HttpCompressionMiddleware decodes them as on
  the day) and refuses anything else. No other middleware's ``process_request`` runs, so
  nothing can open a connection.
* :class:`ReextractPipeline` sits between dedup and the store: it compares each re-extracted
  article with its stored row, counts what changed per field (``ifp/reextract/changed/<f>``),
  prints the differences in a dry run and drops the item there, and with ``--field`` keeps
  the stored value of every other field. The store pipeline then writes as a crawl does:
  a changed title or body makes a revision (pointing at the capture it came from).

The run is one ``crawl_runs`` row with mode ``reextract`` (none in a dry run).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from scrapy import Request
from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from ifpcrawl.config import ifp_setting
from ifpcrawl.items import Article
from ifpcrawl.pipelines import COVERAGE_FIELDS
from ifpcrawl.runtime import store_for
from ifpcrawl.spiders.ifp import IfpSpider
from ifpcrawl.spiders.requests import PRIORITY_ARTICLE
from ifpcrawl.store._sql import utc_key
from ifpcrawl.warc import META_KEY, recover_open_files, resolve_capture

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

    from ifpcrawl.reader import ArticlePage
    from ifpcrawl.store.base import Store

logger = logging.getLogger(__name__)

#: Fields compared and reported (and the ones ``--field`` accepts).
FIELDS: tuple[str, ...] = COVERAGE_FIELDS
REPLAY_META = "ifp_replay"


def options(crawler: Crawler) -> dict[str, Any]:
    """``IFP_REEXTRACT``: set by the command (warc_dir, since, field, dry_run); {} otherwise."""
    value = ifp_setting(crawler.settings, "IFP_REEXTRACT")
    return dict(value)


def read_record(path: Path, offset: int) -> Any:
    """The WARC record at ``offset`` of ``path`` (its payload left unread)."""
    from warcio.archiveiterator import ArchiveIterator

    handle = open(path, "rb")  # noqa: SIM115 (the caller reads the payload, then closes)
    handle.seek(offset)
    record = next(iter(ArchiveIterator(handle)), None)
    if record is None:
        handle.close()
        raise ValueError(f"no WARC record at {path}:{offset}")
    record.ifp_handle = handle
    return record


def capture_date(path: Path, offset: int) -> str | None:
    """WARC-Date of the record at ``offset`` (a sortable UTC key)."""
    record = read_record(path, offset)
    try:
        return utc_key(record.rec_headers.get_header("WARC-Date"))
    finally:
        record.ifp_handle.close()


def replay_response(request: Request, path: Path, offset: int) -> Response:
    """The Scrapy response a WARC response record holds, body as served (still encoded)."""
    record = read_record(path, offset)
    try:
        if record.rec_type != "response" or record.http_headers is None:
            raise ValueError(f"{path}:{offset} is a {record.rec_type} record, not a response")
        body = record.raw_stream.read()
        url = record.rec_headers.get_header("WARC-Target-URI") or request.url
        headers = Headers(record.http_headers.headers)
        status = int(record.http_headers.get_statuscode() or 200)
    finally:
        record.ifp_handle.close()
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, status=status, headers=headers, body=body, request=request)


class WarcReplayMiddleware:
    """Downloader middleware answering requests from WARC records (``meta["ifp_replay"]``)."""

    def __init__(self, directory: Path, stats: StatsCollector) -> None:
        self.directory = directory
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcReplayMiddleware:
        opts = options(crawler)
        if not opts:
            raise NotConfigured  # only in `scrapy reextract` runs
        assert crawler.stats is not None
        directory = Path(str(opts["warc_dir"]))
        # Files a killed crawl left open are closed off first (a live crawl's are left alone).
        for _, cut in recover_open_files(directory):
            crawler.stats.inc_value("ifp/warc/recovered_files")
            crawler.stats.inc_value("ifp/warc/recovered_cut_bytes", cut)
        return cls(directory, crawler.stats)

    def process_request(self, request: Request) -> Response:
        pointer = request.meta.get(REPLAY_META)
        if not pointer:
            # Never the network: a reextract run reads only what was captured.
            self.stats.inc_value("ifp/reextract/refused")
            raise IgnoreRequest(f"not captured, not fetched: {request.url}")
        name, offset = str(pointer[0]), int(pointer[1])
        path = resolve_capture(self.directory, name)
        try:
            response = replay_response(request, path, offset)
        except (OSError, ValueError, StopIteration) as exc:
            self.stats.inc_value("ifp/reextract/unreadable_capture")
            logger.error("Cannot read the capture %s:%d of %s: %s", name, offset, request.url, exc)
            raise IgnoreRequest(f"unreadable capture: {exc}") from None
        request.meta[META_KEY] = (name, offset)
        self.stats.inc_value("ifp/reextract/replayed")
        return response


class ReextractSpider(IfpSpider):
    """The ``ifp`` spider reading captured article responses instead of the site."""

    name = "ifp_reextract"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReextractSpider:
        kwargs.setdefault("mode", "full")
        if not kwargs.get("site"):
            # The site the captures came from: the last crawl's (IFP_SITE if none).
            runs = [r for r in store_for(crawler).last_runs(50) if r["mode"] != "reextract"]
            if runs:
                kwargs["site"] = runs[0]["site"]
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, ReextractSpider)
        # For crawl_runs; walk_all is False: no walk is recorded.
        spider.crawlstate.adopt_mode("reextract", "scrapy reextract reads the archive's captures")
        opts = options(crawler)
        spider.warc_dir = Path(str(opts["warc_dir"]))
        spider.since = utc_key(opts.get("since")) if opts.get("since") else None
        return spider

    warc_dir: Path
    since: str | None

    async def start(self) -> AsyncIterator[Any]:
        for row in self.crawlstate.store.iter_articles():
            if not row.get("warc_file") or row.get("warc_offset") is None:
                self.crawlstate.inc("ifp/reextract/no_capture")
                continue
            name, offset = str(row["warc_file"]), int(row["warc_offset"])
            if self.since is not None:
                try:
                    taken = capture_date(resolve_capture(self.warc_dir, name), offset)
                except (OSError, ValueError) as exc:
                    self.crawlstate.inc("ifp/reextract/unreadable_capture")
                    logger.error("Cannot read the capture %s:%d: %s", name, offset, exc)
                    continue
                if taken is None or taken < self.since:
                    self.crawlstate.inc("ifp/reextract/before_since")
                    continue
            yield Request(
                str(row["fetched_url"] or row["url"]),
                callback=self.parse_article,
                errback=self.on_error,
                priority=PRIORITY_ARTICLE,
                dont_filter=True,
                meta={
                    "ifp_kind": "article",
                    "ifp_raw": row["url"],
                    "ifp_reason": "reextract",
                    REPLAY_META: (name, offset),
                },
            )

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        async for output in super().parse_article(response):
            if isinstance(output, Request):
                continue  # links, AMP fallbacks, retries: the archive is all there is
            yield output

    def listing_output(self, response: Response, links: Any) -> Iterator[Any]:
        """A capture read as a listing: its links were recorded by the crawl that made it."""
        return iter(())

    def not_stored(self, response: Response, page: ArticlePage) -> Iterator[Any]:
        # A stored article that today's rules cannot read: counted, never a crawl failure
        # (failures are refetched from the site by the next crawl).
        kind, error = page.extraction.kind, page.extraction.error
        self.crawlstate.inc(f"ifp/reextract/extract_failed/{kind}")
        self.crawlstate.log_once(
            f"reextract_failed_{kind}", "No article re-extracted from %s (%s): %s",
            response.url, kind, error,
        )  # fmt: skip
        return iter(())

    def on_error(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        self.crawlstate.inc(f"ifp/reextract/failed/{type(failure.value).__name__}")
        self.crawlstate.log_once(
            "reextract_error", "Not re-extracted: %s (%s)", request.url, failure.value
        )


def shorten(value: Any, width: int = 160) -> str:
    """repr of a value, cut to a readable width (bodies are long)."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


class ReextractPipeline:
    """Per-field differences with the stored article; dry run and ``--field`` (module doc)."""

    def __init__(
        self, store: Store, stats: StatsCollector, field: str | None, dry_run: bool, out: IO[str]
    ) -> None:
        self.store = store
        self.stats = stats
        self.field = field
        self.dry_run = dry_run
        self.out = out

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReextractPipeline:
        opts = options(crawler)
        if not opts:
            raise NotConfigured  # only in `scrapy reextract` runs
        assert crawler.stats is not None
        field = opts.get("field") or None
        return cls(store_for(crawler), crawler.stats, field, bool(opts.get("dry_run")), sys.stdout)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        stored = self.store.article_row(item.url)
        if stored is None:
            self.stats.inc_value("ifp/reextract/not_stored")
            raise DropItem(f"not in the store: {item.url}")
        if self.field is not None:
            self._keep_stored(item, stored, self.field)
        changed = [name for name in FIELDS if getattr(item, name) != stored.get(name)]
        for name in changed:
            self.stats.inc_value(f"ifp/reextract/changed/{name}")
        self.stats.inc_value("ifp/reextract/compared")
        if changed:
            self.stats.inc_value("ifp/reextract/articles_changed")
        if self.dry_run:
            if changed:
                print(item.url, file=self.out)
                for name in changed:
                    old, new = shorten(stored.get(name)), shorten(getattr(item, name))
                    print(f"  {name}: {old} -> {new}", file=self.out)
            raise DropItem("dry run")
        return item

    @staticmethod
    def _keep_stored(item: Article, stored: dict[str, Any], field: str) -> None:
        for name in FIELDS:
            if name != field:
                setattr(item, name, stored.get(name))
        if field != "body":
            # The body (and what is derived from it) stays as stored, byte for byte.
            item.content_hash = str(stored["content_hash"])
            item.word_count = int(stored["word_count"])
