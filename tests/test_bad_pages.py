"""Crawl-level outcome of bad pages: what reaches the store, which stat counts it, no crash.

A tiny real HTTP server (``http.server`` in a thread on 127.0.0.1:0) serves a home listing
that links to one page per kind of badness, plus a feed that is not XML and two sitemaps
that are decompression bombs; one ``scrapy crawl ifp`` runs over it in a subprocess. The
extractor-level details of similar pages are pinned by tests/golden; this module asserts
what a crawl does with them: a correct article where one can be had, otherwise a counted
stat and a clear log line, and always a clean finish.

Fixture pages live in tests/fixtures/bad/ (see its README.md); the 20 MB page and the
gzip bombs are generated here, never committed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.local import run_crawl

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bad"
MB = 1024 * 1024
HUGE_SIZE = 20 * MB  # above the default DOWNLOAD_MAXSIZE (16 MB)
BOMB_SIZE = 100 * MB  # inflated size of the gzip bombs
CHUNK = MB

HTML_UTF8 = "text/html; charset=UTF-8"
INVISIBLE = (
    "\u200b\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad"
)

# path -> fixture file, Content-Type header, encoding of the bytes sent
ARTICLE_PAGES: dict[str, tuple[str, str, str]] = {
    "/malformed-html-survives/": ("malformed.html", HTML_UTF8, "utf-8"),
    "/persian-windows-1256/": (
        "persian-1256.html",
        "text/html; charset=windows-1256",
        "cp1256",
    ),
    # Declared UTF-8 by the server, windows-1256 in fact (the page's <meta> says so).
    "/persian-wrong-charset/": ("persian-wrong-charset.html", HTML_UTF8, "cp1256"),
    "/mojibake-double-encoded/": ("mojibake.html", HTML_UTF8, "utf-8"),
    "/empty-article/": ("empty.html", HTML_UTF8, "utf-8"),
    "/jsonld-broken/": ("jsonld-broken.html", HTML_UTF8, "utf-8"),
    "/jsonld-lying/": ("jsonld-lying.html", HTML_UTF8, "utf-8"),
    "/script-style-in-body/": ("script-style.html", HTML_UTF8, "utf-8"),
    "/invisible-characters/": ("invisible.html", HTML_UTF8, "utf-8"),
    "/persian-digit-dates/": ("persian-digits.html", HTML_UTF8, "utf-8"),
}
HUGE_PATHS = ("/huge-page/", "/huge-page-streamed/")
STORED_PATHS = sorted(set(ARTICLE_PAGES) - {"/empty-article/"})
PUBLISHED = "2022-09-15T14:30:00+04:30"

Body = bytes | Callable[[], Iterator[bytes]]


@dataclass
class Served:
    status: int
    headers: list[tuple[str, str]]
    body: Body
    length: int | None  # Content-Length sent; None: close-delimited (HTTP/1.0 style)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def home_page(paths: list[str]) -> bytes:
    """A classic-theme home listing ("home blog") linking every bad page."""
    items = "\n".join(
        f'<article class="post type-post"><h2 class="entry-title">'
        f'<a href="{path}" rel="bookmark">{path.strip("/").replace("-", " ")}</a></h2></article>'
        for path in paths
    )
    return (
        '<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8">'
        "<title>Bad Pages Daily</title></head>"
        '<body class="home blog"><main id="main" class="site-main">'
        f"{items}</main></body></html>"
    ).encode()


def huge_chunks() -> Iterator[bytes]:
    """A 20 MB article page, produced a chunk at a time (never held whole)."""
    head = (
        b'<!DOCTYPE html><html><head><meta charset="UTF-8"><title>Huge</title></head>'
        b'<body class="single single-post"><article id="post-9" class="post type-post">'
        b'<h1 class="entry-title">A page far too big</h1><div class="entry-content">'
    )
    yield head
    paragraph = b"<p>" + b"filler words of a page that never ends " * 25 + b"</p>\n"
    sent = len(head)
    while sent < HUGE_SIZE:
        block = paragraph * max(1, (CHUNK // len(paragraph)))
        block = block[: HUGE_SIZE - sent]
        sent += len(block)
        yield block


def gzip_bomb() -> bytes:
    """gzip of 100 MB of zeros: about 100 KB on the wire."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    zeros = bytes(CHUNK)
    parts = [packer.compress(zeros) for _ in range(BOMB_SIZE // CHUNK)]
    parts.append(packer.flush())
    return b"".join(parts)


def build_site() -> dict[str, Served]:
    site: dict[str, Served] = {}
    for path, (name, content_type, encoding) in ARTICLE_PAGES.items():
        body = fixture_text(name).encode(encoding)
        site[path] = Served(200, [("Content-Type", content_type)], body, len(body))
    site["/"] = Served(
        200,
        [("Content-Type", HTML_UTF8)],
        home := home_page([*ARTICLE_PAGES, *HUGE_PATHS]),
        len(home),
    )
    site["/huge-page/"] = Served(200, [("Content-Type", HTML_UTF8)], huge_chunks, HUGE_SIZE)
    site["/huge-page-streamed/"] = Served(200, [("Content-Type", HTML_UTF8)], huge_chunks, None)
    feed = fixture_text("not-a-feed.html").encode()
    site["/feed/"] = Served(
        200, [("Content-Type", "application/rss+xml; charset=UTF-8")], feed, len(feed)
    )
    bomb = gzip_bomb()
    assert len(bomb) < MB
    # A sitemap file that is gzip data (as sitemap.xml.gz often is), and one sent with
    # Content-Encoding: gzip, which Scrapy's HttpCompressionMiddleware inflates itself.
    site["/wp-sitemap.xml"] = Served(200, [("Content-Type", "application/x-gzip")], bomb, len(bomb))
    site["/sitemap.xml"] = Served(
        200,
        [("Content-Type", "application/xml"), ("Content-Encoding", "gzip")],
        bomb,
        len(bomb),
    )
    return site


def make_handler(site: dict[str, Served], requested: list[str]) -> type[BaseHTTPRequestHandler]:
    """A request handler serving ``site`` and noting every path asked for in ``requested``."""

    class BadSiteHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            requested.append(path)
            served = site.get(path) or Served(
                404, [("Content-Type", "text/plain")], b"not found\n", 10
            )
            try:
                self.send_response(served.status)
                for name, value in served.headers:
                    self.send_header(name, value)
                if served.length is not None:
                    self.send_header("Content-Length", str(served.length))
                self.send_header("Connection", "close")
                self.end_headers()
                chunks = served.body() if callable(served.body) else iter([served.body])
                for chunk in chunks:
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler hung up on a body it refused: what we want

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the crawl's own log is what the tests read

    return BadSiteHandler


@dataclass
class BadCrawl:
    base: str
    db: sqlite3.Connection
    returncode: int
    log: str
    requested: list[str]

    def stats(self) -> dict[str, Any]:
        row = self.db.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        return dict(json.loads(row["stats"]))

    def row(self, path: str) -> sqlite3.Row | None:
        found: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM articles WHERE url = ?", (self.base + path,)
        ).fetchone()
        return found

    def stored(self, path: str) -> sqlite3.Row:
        found = self.row(path)
        assert found is not None, f"{path} not stored; log tail:\n{self.log[-3000:]}"
        return found


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BadCrawl]:
    tmp = tmp_path_factory.mktemp("bad")
    requested: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(build_site(), requested))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        result = run_crawl(
            base + "/",
            str(tmp / "bad.db"),
            settings={"IFP_SECTION_PATHS": "[]", "LOG_LEVEL": "INFO"},
            cwd=tmp,
            timeout=300,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    db = sqlite3.connect(tmp / "bad.db")
    db.row_factory = sqlite3.Row
    yield BadCrawl(base, db, result.returncode, result.stderr, requested)
    db.close()


# ----------------------------------------------------------------------------- the whole run


def test_crawl_survives_every_bad_page(crawl: BadCrawl) -> None:
    # Pages the site served badly (past DOWNLOAD_MAXSIZE, an empty body) are recorded in
    # failures, but no article was read and then lost: the run is a success.
    assert crawl.returncode == 0, crawl.log[-3000:]
    stats = crawl.stats()
    assert stats["finish_reason"] == "finished"
    assert "Traceback" not in crawl.log, crawl.log[-3000:]
    assert stats.get("log_count/ERROR", 0) == 0, crawl.log[-3000:]
    assert stats["ifp/unstored"] == 0
    assert stats.get("spider_exceptions/count", 0) == 0
    # Every page of the site was asked for once: nothing was skipped, nothing looped.
    for path in [*ARTICLE_PAGES, *HUGE_PATHS, "/feed/", "/wp-sitemap.xml", "/sitemap.xml"]:
        assert crawl.requested.count(path) >= 1, path


def test_exactly_the_good_articles_are_stored(crawl: BadCrawl) -> None:
    stored = {
        r["url"].removeprefix(crawl.base) for r in crawl.db.execute("SELECT url FROM articles")
    }
    assert stored == set(STORED_PATHS)
    for row in crawl.db.execute("SELECT url, title, body, published_at FROM articles"):
        assert row["title"] and row["body"], row["url"]
        assert "Bad Pages Daily" not in row["title"], row["url"]  # <title> suffix, not the h1
        assert "Proudly powered by WordPress" not in row["body"], row["url"]
        assert "Categorized as" not in row["body"], row["url"]
        assert row["published_at"] == PUBLISHED, row["url"]


# ----------------------------------------------------------------------------- markup


def test_malformed_html_gives_every_paragraph(crawl: BadCrawl) -> None:
    row = crawl.stored("/malformed-html-survives/")
    assert row["title"] == "Malformed markup still yields an article"
    for sentence in (
        "Tabriz city council voted on Monday to extend the bus rapid transit line",
        "in the east of the city",
        "take about eighteen months to finish, if funding arrives on time",
        "Residents of the eastern districts had complained for years",
        "The extension is part of a larger plan to cut traffic in the old city centre.",
        "The mayor said buses would run every five minutes at peak times",
    ):
        assert sentence in row["body"], sentence
    assert row["author"] == "Sara Ahmadi"


def test_script_and_style_never_reach_the_body(crawl: BadCrawl) -> None:
    row = crawl.stored("/script-style-in-body/")
    body = row["body"]
    for leak in (
        "dataLayer",
        "gtag",
        "adsbygoogle",
        "display: none",
        "#ff0000",
        "{",
        "tracking pixel",
    ):
        assert leak not in body, leak
    assert "Hidden keyword stuffing" not in body
    assert body.split("\n\n") == [
        "Officials in Tehran said on Thursday that the new metro line would open to passengers"
        " next month after years of delay.",
        "The line links the northern suburbs with the city centre and is expected to carry two"
        " hundred thousand passengers a day.",
        "The mayor told reporters that the final safety inspections had been completed without"
        " any major problems being found.",
    ]


# ----------------------------------------------------------------------------- text


def test_invisible_marks_removed_but_persian_zwnj_kept(crawl: BadCrawl) -> None:
    row = crawl.stored("/invisible-characters/")
    for name in ("title", "body"):
        leaked = [hex(ord(c)) for c in row[name] if c in INVISIBLE]
        assert leaked == [], (name, leaked)
    assert row["title"] == "Invisible marks in the headline"
    assert "The Majlis research centre published its report on Sunday" in row["body"]
    assert "the daily Hamshahri and" in row["body"]
    assert "fuelsubsidy" in row["body"]  # a soft hyphen is a line-break hint, not a character
    assert "می\u200cخواهیم" in row["body"]  # ZWNJ inside a Persian word carries meaning
    assert row["body"].split("\n\n")[2].startswith("Analysts said")


def test_persian_digits_in_dates_are_read(crawl: BadCrawl) -> None:
    row = crawl.stored("/persian-digit-dates/")
    assert row["published_at"] == PUBLISHED
    stats = crawl.stats()
    assert stats.get("ifp/invalid/published_at", 0) == 0


def test_windows_1256_declared_in_the_header(crawl: BadCrawl) -> None:
    row = crawl.stored("/persian-windows-1256/")
    assert row["title"] == "گفت‌وگوها با اروپا از سر گرفته مي‌شود"
    assert row["body"].startswith("وزير امور خارجه ايران روز دوشنبه گفت")
    assert row["author"] == "سارا احمدي"
    assert "\ufffd" not in row["body"]
    assert crawl.stats().get("ifp/encoding/header_mismatch", 0) <= 1  # only the wrong one


def test_wrong_charset_in_the_header_is_corrected_and_counted(crawl: BadCrawl) -> None:
    """The server says UTF-8, the bytes are windows-1256 and the page's own <meta> says so.

    Decoding by the header alone turns every letter into U+FFFD; the page's declaration
    gives the article back, and the run counts (and logs once) that it had to."""
    row = crawl.stored("/persian-wrong-charset/")
    assert "\ufffd" not in row["title"] + row["body"]
    assert row["title"] == "خط جديد مترو تهران ماه آينده باز مي‌شود"
    assert row["body"].startswith("شهرداري تهران اعلام کرد")
    assert crawl.stats().get("ifp/encoding/header_mismatch", 0) == 1
    assert "charset" in crawl.log and "/persian-wrong-charset/" in crawl.log


def test_mojibake_is_repaired_and_counted(crawl: BadCrawl) -> None:
    """UTF-8 read once as windows-1252 and saved back ("Iranâ€™s"): reversible, so the
    stored text is the original, and the run says how many pages needed it."""
    row = crawl.stored("/mojibake-double-encoded/")
    assert row["title"] == "Iran’s “mojibake” – a database migration accident"
    assert row["body"].startswith(
        "Iran’s foreign minister said on Monday that “serious” talks with the European side"
    )
    assert "â€" not in row["body"]
    assert crawl.stats().get("ifp/text/mojibake_repaired", 0) >= 1


# ----------------------------------------------------------------------------- structured data


def test_broken_jsonld_falls_back_to_the_page(crawl: BadCrawl) -> None:
    row = crawl.stored("/jsonld-broken/")
    assert row["title"] == "Broken structured data does not stop extraction"
    assert row["author"] == "Sara Ahmadi"
    assert row["body"].startswith("Isfahan province officials said on Thursday")


def test_lying_jsonld_loses_to_the_page(crawl: BadCrawl) -> None:
    row = crawl.stored("/jsonld-lying/")
    assert row["title"] == "Lying structured data loses to the page"
    assert row["author"] == "Sara Ahmadi"
    assert row["section"] != "42"
    assert row["published_at"] == PUBLISHED  # not "Thursday morning, 13/45/2022"
    assert row["body"].startswith("Kish Island authorities said on Thursday")


# ----------------------------------------------------------------------------- refused pages


def test_empty_article_is_counted_not_stored(crawl: BadCrawl) -> None:
    assert crawl.row("/empty-article/") is None
    stats = crawl.stats()
    counted = {
        key: value
        for key, value in stats.items()
        if key.startswith(("ifp/dropped/", "ifp/extract_failed/", "ifp/error_pages"))
    }
    assert counted, "an empty article must be counted in the run's stats"
    # Logged once per kind of failure (then only counted): the line names the reason.
    assert "No article extracted from" in crawl.log and "empty body" in crawl.log


def test_oversized_pages_are_refused_unparsed_and_counted(crawl: BadCrawl) -> None:
    stats = crawl.stats()
    for path in HUGE_PATHS:
        assert crawl.row(path) is None
    # Refused by DOWNLOAD_MAXSIZE: never handed to the spider as a page.
    assert stats["ifp/pages/article"] == len(ARTICLE_PAGES) + stats.get("ifp/amp_fallback", 0)
    assert stats.get("downloader/response_bytes", 0) < 16 * MB
    failed = {
        k: v for k, v in stats.items() if k.startswith("ifp/failed/article/") and "http_" not in k
    }
    assert sum(failed.values()) == len(HUGE_PATHS), failed
    assert "huge-page" in crawl.log
    # ... and kept for the next run to try again.
    failures = {
        r["url"].removeprefix(crawl.base) for r in crawl.db.execute("SELECT url FROM failures")
    }
    assert set(HUGE_PATHS) <= failures


def test_not_xml_feed_is_counted(crawl: BadCrawl) -> None:
    assert crawl.stats().get("ifp/bad_feed", 0) == 1
    assert "Unreadable feed" in crawl.log


def test_sitemap_bombs_are_refused(crawl: BadCrawl) -> None:
    stats = crawl.stats()
    # The gzip file is inflated by the spider, within DOWNLOAD_MAXSIZE.
    assert stats.get("ifp/bad_sitemap/too_large", 0) == 1
    assert "Skipped sitemap" in crawl.log
    # The Content-Encoding: gzip one is refused by Scrapy's HttpCompressionMiddleware.
    sitemap_failures = {k: v for k, v in stats.items() if k.startswith("ifp/failed/sitemap/")}
    assert sum(sitemap_failures.values()) >= 1, sitemap_failures
    assert "sitemap.xml" in crawl.log
