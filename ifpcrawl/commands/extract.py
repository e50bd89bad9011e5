"""``scrapy extract URL``: what ifpcrawl would store for one page, and where each field came from.

The page is read the way a crawl reads it (``ifpcrawl.reader.read_article_page``'s steps:
the page kind, every field's fallback chain, then the pipelines' normalization and the body
length check), and printed as JSON: the article's columns, each field's winning source, and
what every source of its chain gave (``ifpcrawl.extract.article.chain_candidates``).

Exit status: 0 an article; 1 the page gives no article (a Page, a listing, an error page, a
body too short), with the reason on stderr and in the JSON; 2 a bad argument or unreadable
``--html`` file; 4 the URL could not be fetched.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

from ifpcrawl.commands._common import CommandError, fail
from ifpcrawl.config import ifp_setting
from ifpcrawl.exitcodes import ExitStatus
from ifpcrawl.extract import Page, extract_article
from ifpcrawl.extract.article import chain_candidates
from ifpcrawl.pipelines import normalize_article
from ifpcrawl.urls import Site, canonicalize, classify_url, is_on_site, join_url

FETCH_TIMEOUT = 30
#: Body candidates are shown cut to this many characters (with their word count).
BODY_PREVIEW = 300
#: The columns of `articles` an extraction fills (the store adds ids and times).
COLUMNS = (
    "url",
    "title",
    "body",
    "summary",
    "author",
    "section",
    "tags",
    "published_at",
    "modified_at",
    "image_url",
    "word_count",
    "content_hash",
    "wp_post_id",
)


class FetchError(Exception):
    """The page could not be fetched (exit 4)."""


class NotAnArticle(Exception):
    """The page gives no article (exit 1); the message says why."""


def fetch(url: str, user_agent: str) -> tuple[str, str, datetime | None]:
    """(html, final URL after redirects, the response's Date)."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
            body: bytes = response.read()
            charset = response.headers.get_content_charset() or "utf-8"
            final_url = response.geturl()
            date_header = response.headers.get("Date")
    except urllib.error.HTTPError as exc:
        raise NotAnArticle(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot fetch {url}: {reason}") from None
    try:
        date = parsedate_to_datetime(date_header) if date_header else None
    except (TypeError, ValueError):
        date = None
    return body.decode(charset, errors="replace"), final_url, date


def canonical_url(page: Page, fetched_url: str, site: Site) -> str:
    """The URL the store would key the article on: the page's rel=canonical when it names an
    on-site article URL, else the fetched URL (the spider's rule)."""
    fetched = canonicalize(fetched_url, site) or fetched_url
    if page.canonical_link:
        joined = join_url(fetched_url, page.canonical_link)
        hinted = canonicalize(joined, site) if joined else None
        if hinted and is_on_site(hinted, site) and classify_url(hinted, site) == "article":
            return hinted
    return fetched


def shown(name: str, value: Any) -> Any:
    if name == "body" and isinstance(value, str) and len(value) > BODY_PREVIEW:
        return {"words": len(value.split()), "start": value[:BODY_PREVIEW]}
    return value


def describe(
    html: str, url: str, date: datetime | None, site: Site, min_words: int
) -> dict[str, Any]:
    """The JSON report for one page; raises NotAnArticle (with the report) when it gives none."""
    page = Page.from_html(html, url, date)
    extraction = extract_article(page)
    # The crawl fetches a page as an article only when its URL looks like one.
    url_kind = classify_url(canonicalize(url, site) or url, site)
    result: dict[str, Any] = {"url": url, "url_kind": url_kind, "kind": extraction.kind}
    if url_kind != "article":
        result["error"] = f"not an article URL: the crawl reads it as a {url_kind} page"
        result["missing"] = extraction.missing
        raise NotAnArticle(json.dumps(result, ensure_ascii=False))
    if extraction.article is None:
        result["error"] = extraction.error
        result["missing"] = extraction.missing
        raise NotAnArticle(json.dumps(result, ensure_ascii=False))
    article = normalize_article(extraction.article)
    article.url = canonical_url(page, url, site)
    if article.word_count < min_words:
        result["error"] = f"body too short ({article.word_count} < IFP_MIN_BODY_WORDS {min_words})"
        raise NotAnArticle(json.dumps(result, ensure_ascii=False))
    values = asdict(article)
    candidates = chain_candidates(page)
    result["article"] = {name: values[name] for name in COLUMNS}
    result["missing"] = extraction.missing
    result["fields"] = {
        name: {
            "source": article.sources.get(name),
            "chain": [
                {"source": source, "value": shown(name, value)}
                for source, value in candidates.get(name, [])
            ],
        }
        for name in COLUMNS
        if name in candidates or name in article.sources
    }
    result["links"] = [asdict(link) for link in article.links]
    return result


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "URL [--site URL] [--html FILE]"

    def short_desc(self) -> str:
        return "Show, as JSON, the article ifpcrawl would store for one page, field by field"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--site", metavar="URL", help="the site the page belongs to (default: its origin)"
        )
        parser.add_argument(
            "--html", metavar="FILE", help="read the page from FILE (saved as UTF-8) instead"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            if len(args) != 1:
                raise CommandError("give one page URL (the page's own URL with --html FILE)")
            url = args[0]
            if not url.startswith(("http://", "https://")):
                raise CommandError(f"not an http(s) URL: {url!r}")
            parts = urllib.parse.urlsplit(url)
            site = Site.from_url(opts.site or f"{parts.scheme}://{parts.netloc}/")
            min_words = ifp_setting(self.settings, "IFP_MIN_BODY_WORDS") if self.settings else 20
            if opts.html:
                try:
                    html = Path(opts.html).read_bytes().decode("utf-8", errors="replace")
                except OSError as exc:
                    raise CommandError(f"cannot read {opts.html}: {exc.strerror}") from None
                date = None
            else:
                agent = str(self.settings.get("USER_AGENT")) if self.settings else "ifpcrawl"
                html, url, date = fetch(url, agent)
            result = describe(html, url, date, site, min_words)
        except CommandError as exc:
            self.exitcode = fail("extract", exc)
            return
        except FetchError as exc:
            print(f"scrapy extract: error: {exc}", file=sys.stderr)
            self.exitcode = int(ExitStatus.SITE_UNREACHABLE)
            return
        except NotAnArticle as exc:
            text = str(exc)
            if text.startswith("{"):
                print(text)
                reason = json.loads(text)["error"]
            else:
                print(json.dumps({"url": url, "kind": None, "error": text}))
                reason = text
            print(f"scrapy extract: {url}: {reason}", file=sys.stderr)
            self.exitcode = int(ExitStatus.CANNOT_START)
            return
        print(json.dumps(result, ensure_ascii=False, indent=2))
