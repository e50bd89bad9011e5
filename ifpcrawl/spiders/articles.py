"""The spider's work on one article page, apart from routing: reading its text in the
right charset, taking the reader's notes, giving the article its identity and its links'
targets (ifpcrawl.identity decides; this applies and counts), and what to do with a page
that held no article.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from ifpcrawl.clock import iso_now
from ifpcrawl.crawlstate import CrawlState
from ifpcrawl.discovery import Found
from ifpcrawl.extract.rest import fill_from_rest
from ifpcrawl.identity import PageAddress, article_identity, resolve_links
from ifpcrawl.items import Article
from ifpcrawl.pagetext import http_date, is_clean_utf8, may_have_mojibake, page_text
from ifpcrawl.reader import ArticlePage, PageCrashedError
from ifpcrawl.text import has_mojibake
from ifpcrawl.urls import Site, canonicalize, is_on_site, join_url

if TYPE_CHECKING:
    from scrapy.http import Response, TextResponse

logger = logging.getLogger("ifpcrawl.spiders.ifp")


class ArticlePages:
    def __init__(self, state: CrawlState) -> None:
        self.state = state
        assert state.site is not None
        self.site: Site = state.site

    @staticmethod
    def date_of(response: Response) -> datetime | None:
        return http_date(response)

    @staticmethod
    def listing_text(response: TextResponse) -> tuple[str, bytes | None]:
        """The page's text, and its bytes when they are clean UTF-8 (the parser takes them)."""
        text = response.text
        return text, response.body if is_clean_utf8(response, text) else None

    def article_text(self, response: TextResponse) -> tuple[str, bytes | None]:
        """As :meth:`listing_text`, in the charset the page declares when the header's
        was wrong; charset trouble and mojibake are counted and logged once."""
        text, corrected = page_text(response)
        state = self.state
        if corrected:
            state.inc("ifp/encoding/header_mismatch")
            state.log_once(
                "charset_mismatch",
                "Page %s is not %s as its Content-Type header says: read as %s, the charset"
                " it declares itself",
                response.url,
                response.encoding,
                corrected,
            )
        elif "\ufffd" in text:
            state.inc("ifp/encoding/replacement_chars")
            state.log_once(
                "replacement_chars", "Undecodable bytes in %s (%s)", response.url, response.encoding
            )
        if may_have_mojibake(response, corrected) and has_mojibake(text):
            state.inc("ifp/text/mojibake_repaired")
            state.log_once(
                "mojibake", "Repaired mojibake (UTF-8 read as windows-1252) in %s", response.url
            )
        clean = corrected is None and is_clean_utf8(response, text)
        return text, response.body if clean else None

    def note_reader_notes(self, page: ArticlePage, url: str) -> None:
        """What the reader refused or repaired in the page's JSON-LD: counted, logged once."""
        for reason in page.jsonld_refused:
            self.state.inc(f"ifp/refused_json/jsonld/{reason}")
            self.state.log_once(
                f"jsonld_refused_{reason}", "Skipped a JSON-LD block of %s: %s", url, reason
            )
        if page.jsonld_surrogates:
            self.state.inc("ifp/text/surrogates_repaired/jsonld")
            self.state.log_once(
                "jsonld_surrogates", "Replaced lone surrogates in the JSON-LD of %s", url
            )

    def reader_crashed(self, response: Response, error: PageCrashedError) -> None:
        self.state.inc("ifp/reader_crashed")
        logger.error("%s; recorded as a failure, the crawl goes on", error)
        self.record(response, "reader_crashed")

    def record(self, response: Response, reason: str, error: str | None = None) -> None:
        """The page's article recorded as a failure (retried next run)."""
        url = canonicalize(response.url, self.site) or response.url
        self.state.record_failure(url, reason, error=error)

    def identify(self, article: Article, page: ArticlePage, response: Response) -> list[Found]:
        """Give the article its canonical URL, spellings, fetch facts and link targets;
        returns its on-site links (with their spelling on the page) to follow."""
        meta = response.meta
        address = PageAddress(
            url=response.url,
            request_url=response.request.url if response.request else "",
            raw_url=str(meta.get("ifp_raw") or ""),
            redirect_urls=tuple(str(u) for u in meta.get("redirect_urls", [])),
            canonical_link=page.canonical_link,
            amphtml_link=page.amphtml_link,
            amp_fallback=bool(meta.get("ifp_amp_fallback")),
        )
        identity = article_identity(address, self.site)
        if identity.refused_canonical:
            self._refused_canonical(identity.refused_canonical, page, response.url)
        urls = self.state.urls
        if identity.url != identity.fetched:
            urls.scheduled.add(identity.url)
        article.url = identity.url
        article.url_variants = identity.variants(urls.parsed(identity.url, identity.fetched))
        article.fetched_url = response.url
        article.fetched_at = iso_now()
        etag = response.headers.get(b"ETag")
        last_modified = response.headers.get(b"Last-Modified")
        article.etag = etag.decode("latin-1") if etag else None
        article.last_modified = last_modified.decode("latin-1") if last_modified else None
        article.links, on_site, dropped = resolve_links(article.links, self.site)
        if dropped:
            self.state.inc("ifp/bad_link_url", dropped)
        for name in page.extraction.missing:
            self.state.inc(f"ifp/missing/{name}")
        for name in page.extraction.conflicts:
            # JSON-LD/meta contradicted the page; the page's value was kept
            self.state.inc(f"ifp/conflict/{name}")
        # The spellings its links use are stored with the article, in its transaction: a
        # killed run cannot lose them (the store keeps those of unstored targets pending).
        article.link_variants = urls.new_pairs(on_site)
        return on_site

    def _refused_canonical(self, why: str, page: ArticlePage, url: str) -> None:
        self.state.inc(f"ifp/bad_canonical/{why}")
        what = "off-site" if why == "offsite" else "not an article URL"
        key = "canonical_offsite" if why == "offsite" else "canonical_listing"
        self.state.log_once(
            key, "Ignored rel=canonical %r on %s (%s)", page.canonical_link, url, what
        )

    def amp_fallback_url(self, response: Response, page: ArticlePage) -> str | None:
        """The AMP copy to read when the desktop page held no article (once: not from an
        AMP page itself), on-site only."""
        amp = page.amphtml_link
        if not amp or response.meta.get("ifp_amp_fallback"):
            return None
        amp_url = join_url(response.url, amp)
        return amp_url if amp_url and is_on_site(amp_url, self.site) else None

    def not_extracted(self, response: Response, kind: str, error: str | None) -> None:
        self.state.inc(f"ifp/extract_failed/{kind}")
        self.state.log_once(
            f"extract_failed_{kind}",
            "No article extracted from %s (%s): %s",
            response.url,
            kind,
            error,
        )
        if kind == "article":
            self.record(response, f"extract: {error}")

    def rest_fill_url(self, article: Article, page: ArticlePage) -> str | None:
        """The post's REST item, when the page shows no author or no date (WordPress states
        both there) and links it on-site; None otherwise."""
        link = page.rest_link
        if (article.author and article.published_at) or not link:
            return None
        if not is_on_site(link, self.site):
            return None
        return link + ("&" if "?" in link else "?") + "_embed=author,wp:term"

    def fill_from_rest(self, article: Article, body: bytes) -> None:
        try:
            record = json.loads(body)
        except (ValueError, RecursionError):
            record = None
        filled = fill_from_rest(article, record)
        for name in filled:
            self.state.inc(f"ifp/rest_fill/{name}")
        if not filled:
            self.state.inc("ifp/rest_fill/nothing")
