"""A hostile WordPress-like site on 127.0.0.1:0, and a second origin that counts every hit.

``HostileSite()`` serves, in threads, the site a crawler does not control: normal control
articles beside every trap, claim, origin trick and parser bomb of issue 15. A second
listener on another port ("the other origin", same host) answers anything with a tempting
article and counts each request: a crawl that respects origins never reaches it.
``HostileSite(endless=True)`` serves only the endless case: a home listing and a REST API
that claim 5,000,000 pages and give new articles on every page (for the time-out and
SIGINT tests, where the crawl must still be busy when it is stopped).

Site map (paths; ``OTHER`` is the other origin's ``http://127.0.0.1:<port>``):

- ``/`` home listing (classic theme loop): every control article, every case article and
  the trick links below; ``/robots.txt`` disallows ``/private/``.
- ``/control-N/`` (N = 1..8): normal articles, also in the sitemap, the feed and REST.
- Traps: ``/category/endless/page/N/`` repeats the same two items forever (next link
  always); ``/category/claims/`` says "Page 1 of 5,000,000", links page 5,000,000 and
  repeats one item on every page; ``/category/fresh/page/N/`` gives two new articles
  (``/fresh-N-a/``, ``/fresh-N-b/``) on every page and claims 5,000,000 pages;
  ``/category/deep-N/`` links ``/category/deep-N+1/`` (listing depth); ``/events/DATE/``
  links the next day (calendar); ``/?m=YYYYMM`` and ``/2024/01/`` (date archives) and
  ``/?s=term`` (search) are linked but never worth walking; ``/?sessionid=RANDOM`` and
  ``/control-1/?sessionid=RANDOM`` (session ids); ``/tokened/`` links itself with a new
  ``?t=RANDOM`` every time it is served.
- REST ``/wp-json/wp/v2/posts``: the controls on every page (page 2: nested 200,000
  deep), ``X-WP-TotalPages: 5000000``, plus one post linking OTHER.
- Origins: ``/redirect-301/``, ``/redirect-302/`` (protocol-relative ``//127.0.0.1:port``),
  ``/redirect-307/`` to OTHER; ``/meta-refresh/`` to OTHER; ``/category/based/`` with
  ``<base href=OTHER>``; the sitemap index lists a sitemap on OTHER, the post sitemap and
  the feed one entry on OTHER; links to ``http://127.0.0.1:1/``, ``localhost``, userinfo
  and look-alike hosts from the home page.
- Parsers: ``/deep-jsonld/`` (JSON-LD nested 200,000 deep), ``/lone-surrogate/``
  (``\\ud800`` in JSON-LD fields), ``/nested-divs/`` (100,000 levels), ``/bad-bytes/``
  (NUL, bidi, invalid UTF-8), ``/formula-sql/`` (spreadsheet formula and SQL text),
  ``/gzip-bomb/`` (100 MB of zeros, Content-Encoding gzip), ``/huge-page/`` (20 MB),
  ``/huge-header/`` (a 1 MB header), ``/trickle/`` (a byte a second); feeds
  ``/feed-laughs/`` (entity expansion) and ``/feed-xxe/`` (an external entity on OTHER).
- ``/private/...`` reached through percent-encoded, doubled-slash and dot-segment spellings.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from tests.minisite import LOREM

CONTROLS = [f"/control-{n}/" for n in range(1, 9)]
CLAIMED_PAGES = 5_000_000
MB = 1024 * 1024
# Paths whose articles must be stored, whatever else the site does.
MUST_STORE = [
    *CONTROLS,
    "/endless-a/",
    "/endless-b/",
    "/claims-a/",
    "/deep-jsonld/",
    "/lone-surrogate/",
    "/bad-bytes/",
    "/formula-sql/",
]
FORMULA = '=HYPERLINK("http://x","click") and \'; DROP TABLE articles; -- were quoted'


def control_title(path: str) -> str:
    return f"Control story {path.strip('/').split('-')[-1]} from Tehran"


def control_paragraphs(path: str) -> list[str]:
    number = path.strip("/").split("-")[-1]
    return [
        f"Control {number}: {LOREM}",
        f"Second paragraph of control {number}, with enough words to be a real article body.",
    ]


def article(
    title: str, paragraphs: list[str], head: str = "", extra_body: str = "", post_id: int = 7
) -> bytes:
    """A classic WordPress single post; its first paragraph names it (no two bodies alike,
    so no page is taken for a duplicate of another)."""
    body = f"<p>{title}.</p>" + "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>'
        + title
        + "</title>"
        + head
        + f'</head><body class="post-template-default single single-post postid-{post_id}">'
        f'<article id="post-{post_id}" class="post-{post_id} post type-post status-publish">'
        f'<h1 class="entry-title">{title}</h1>'
        '<span class="byline"><a rel="author" href="/author/ed/">Ed Itor</a></span>'
        '<time class="entry-date published" datetime="2024-05-17T10:00:00+03:30">May 17</time>'
        f'<div class="entry-content">{body}{extra_body}</div></article></body></html>'
    ).encode()


def listing(items: list[str], extra: str = "", head: str = "") -> bytes:
    """A classic-theme listing page whose loop holds ``items`` (hrefs as written)."""
    loop = "".join(
        f'<article class="post type-post"><h2 class="entry-title">'
        f'<a href="{href}" rel="bookmark">Story {href}</a></h2></article>'
        for href in items
    )
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>News</title>{head}</head>'
        f'<body class="archive"><main id="main" class="site-main">{loop}</main>'
        f"<nav>{extra}</nav></body></html>"
    ).encode()


def gzip_bomb(size: int = 100 * MB) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(MB)
    return b"".join([*(packer.compress(zeros) for _ in range(size // MB)), packer.flush()])


class _Served:
    def __init__(
        self, status: int, headers: list[tuple[str, str]], body: bytes | Iterator[bytes]
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body


HTML = [("Content-Type", "text/html; charset=utf-8")]


class HostileSite:
    """The hostile site and the other origin, each a ThreadingHTTPServer on 127.0.0.1:0."""

    def __init__(self, endless: bool = False) -> None:
        self.endless = endless
        self.requests: list[str] = []  # raw request targets on the site, in order
        self.other_hits: list[str] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(self._serve, False))
        self.other = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(self._serve_other, True))
        for server in (self.server, self.other):
            server.daemon_threads = True
        self.threads = [
            threading.Thread(target=s.serve_forever, daemon=True) for s in (self.server, self.other)
        ]
        self._bomb = b"" if endless else gzip_bomb()

    # --- plumbing --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    @property
    def other_origin(self) -> str:
        return f"http://127.0.0.1:{self.other.server_address[1]}"

    def __enter__(self) -> HostileSite:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for server in (self.server, self.other):
            server.shutdown()
            server.server_close()

    def paths(self) -> list[str]:
        with self._lock:
            return [urlsplit(target).path for target in self.requests]

    def hits(self, prefix: str) -> list[str]:
        """Request targets (path and query) on the site that start with ``prefix``."""
        with self._lock:
            return [target for target in self.requests if target.startswith(prefix)]

    def _handler(self, serve: object, other: bool) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                with site._lock:
                    (site.other_hits if other else site.requests).append(self.path)
                served: _Served = serve(self.path)  # type: ignore[operator]
                try:
                    self.send_response(served.status)
                    for name, value in served.headers:
                        self.send_header(name, value)
                    if isinstance(served.body, bytes):
                        self.send_header("Content-Length", str(len(served.body)))
                    self.end_headers()
                    chunks = [served.body] if isinstance(served.body, bytes) else served.body
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler hung up on a body it refused

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler

    # --- the other origin ------------------------------------------------------------------

    def _serve_other(self, target: str) -> _Served:
        # Tempting: a perfectly good article, so a crawl that reached it would store it.
        return _Served(200, HTML, article("Stolen from the other origin", [LOREM, LOREM]))

    # --- the site ---------------------------------------------------------------------------

    def _serve(self, target: str) -> _Served:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if self.endless:
            return self._serve_endless(path, query)
        if path == "/" and not query:
            return _Served(200, HTML, self._home())
        routes = {
            "/robots.txt": lambda: _Served(
                200, [("Content-Type", "text/plain")], b"User-agent: *\nDisallow: /private/\n"
            ),
            "/wp-sitemap.xml": self._sitemap_index,
            "/wp-sitemap-posts-post-1.xml": self._post_sitemap,
            "/feed/": self._feed,
            "/feed-laughs/": self._feed_laughs,
            "/feed-xxe/": self._feed_xxe,
            "/wp-json/wp/v2/posts": lambda: self._rest(query),
        }
        if path in routes:
            return routes[path]()
        if path in CONTROLS:
            return _Served(200, HTML, article(control_title(path), control_paragraphs(path)))
        if path.startswith("/category/"):
            return self._category(path)
        if path.startswith("/fresh-") or path in ("/endless-a/", "/endless-b/", "/claims-a/"):
            name = path.strip("/")
            return _Served(200, HTML, article(f"Story {name}", [f"{name}: {LOREM}", LOREM]))
        return self._case(path)

    def _home(self) -> bytes:
        other = self.other_origin
        port = self.server.server_address[1]
        items = [
            *CONTROLS,
            "/deep-jsonld/",
            "/lone-surrogate/",
            "/nested-divs/",
            "/bad-bytes/",
            "/formula-sql/",
            "/gzip-bomb/",
            "/huge-page/",
            "/huge-header/",
            "/trickle/",
            "/redirect-301/",
            "/redirect-302/",
            "/redirect-307/",
            "/meta-refresh/",
            "/tokened/",
            f"/control-1/?sessionid={uuid.uuid4().hex}",
            "/events/2024-01-01/",
            "/%70rivate/percent/",
            f"http://127.0.0.1:{port}//private/doubled/",
            "/./private/dot/",
            "/x/../private/dotdot/",
            "http://127.0.0.1:1/port-one/",
            f"http://localhost:{port}/control-2/",
            f"http://user:pw@127.0.0.1:{other.rsplit(':', 1)[1]}/userinfo/",
            f"http://127.0.0.1.nip.example:{port}/lookalike/",
            f"{other}/plain-other/",
        ]
        nav = "".join(
            f'<a href="{href}">{href}</a> '
            for href in (
                "/category/endless/",
                "/category/claims/",
                "/category/fresh/",
                "/category/deep-1/",
                "/category/based/",
                "/?m=202401",
                "/2024/01/",
                "/?s=iran",
                f"/?sessionid={uuid.uuid4().hex}",
            )
        )
        return listing(items, nav)

    def _category(self, path: str) -> _Served:
        rest = path.removeprefix("/category/").strip("/").split("/")
        name, page = rest[0], int(rest[2]) if len(rest) >= 3 and rest[1] == "page" else 1
        root = f"/category/{name}/"
        if name == "endless":
            nav = f'<a class="next page-numbers" href="{root}page/{page + 1}/">Next</a>'
            return _Served(200, HTML, listing(["/endless-a/", "/endless-b/"], nav))
        if name == "claims":
            nav = (
                f'<span class="pages">Page {page} of {CLAIMED_PAGES:,}</span>'
                f'<a class="page-numbers" href="{root}page/{CLAIMED_PAGES}/">{CLAIMED_PAGES}</a>'
            )
            return _Served(200, HTML, listing(["/claims-a/"], nav))
        if name == "fresh":
            nav = (
                f'<a class="next page-numbers" href="{root}page/{page + 1}/">Next</a>'
                f'<a class="page-numbers" href="{root}page/{CLAIMED_PAGES}/">{CLAIMED_PAGES}</a>'
            )
            return _Served(200, HTML, listing([f"/fresh-{page}-a/", f"/fresh-{page}-b/"], nav))
        if name.startswith("deep-"):
            depth = int(name.split("-")[1])
            nav = f'<a href="/category/deep-{depth + 1}/">deeper</a>'
            return _Served(200, HTML, listing([CONTROLS[depth % len(CONTROLS)]], nav))
        if name == "based":
            head = f'<base href="{self.other_origin}/">'
            return _Served(200, HTML, listing(["based-article/"], head=head))
        return _Served(404, HTML, b"<html>not found</html>")

    def _case(self, path: str) -> _Served:
        other = self.other_origin
        port = other.rsplit(":", 1)[1]
        if path == "/redirect-301/":
            return _Served(301, [("Location", f"{other}/moved-301/")], b"")
        if path == "/redirect-302/":
            return _Served(302, [("Location", f"//127.0.0.1:{port}/moved-302/")], b"")
        if path == "/redirect-307/":
            return _Served(307, [("Location", f"{other}/moved-307/")], b"")
        if path == "/meta-refresh/":
            head = f'<meta http-equiv="refresh" content="0; url={other}/refreshed/">'
            return _Served(200, HTML, listing([], head=head))
        if path == "/tokened/":
            token = uuid.uuid4().hex
            body = article(
                "A page that links itself with a new token",
                [LOREM, LOREM],
                extra_body=f'<p><a href="/tokened/?t={token}">again</a></p>',
            )
            return _Served(200, HTML, body)
        if path == "/events/2024-01-01/" or path.startswith("/events/"):
            day = path.strip("/").split("/")[-1]
            nav = f'<a href="/events/{day}-next/">next day</a>'
            return _Served(200, HTML, listing([], nav))
        if path == "/deep-jsonld/":
            depth = 200_000
            deep = '{"a":' * depth + "1" + "}" * depth
            script = (
                '<script type="application/ld+json">{"@context":"https://schema.org",'
                f'"@type":"NewsArticle","headline":"Deep","x":{deep}}}</script>'
            )
            return _Served(
                200, HTML, article("Deep JSON-LD does not sink the page", [LOREM, LOREM], script)
            )
        if path == "/lone-surrogate/":
            data = (
                '{"@context":"https://schema.org","@type":"NewsArticle",'
                '"headline":"Lone surrogate \\ud800 in the headline",'
                '"description":"A summary with a lone surrogate \\ud800 inside",'
                '"keywords":"tag\\udc00one,tagtwo",'
                '"author":{"@type":"Person","name":"Lone \\udc00 Writer"}}'
            )
            head = f'<script type="application/ld+json">{data}</script>'
            return _Served(200, HTML, article("Lone surrogate article", [LOREM, LOREM], head))
        if path == "/nested-divs/":
            inner = "<div>" * 100_000 + "deep text" + "</div>" * 100_000
            return _Served(200, HTML, article("Nested divs", [LOREM, LOREM], extra_body=inner))
        if path == "/bad-bytes/":
            body = article("Bad bytes \u202e in the title", [LOREM, LOREM])
            body = body.replace(b"Officials", b"Offi\x00cials \xff\xfe", 1)
            return _Served(200, HTML, body)
        if path == "/formula-sql/":
            return _Served(200, HTML, article("Formula and SQL", [FORMULA, LOREM]))
        if path == "/gzip-bomb/":
            return _Served(200, [*HTML, ("Content-Encoding", "gzip")], self._bomb)
        if path == "/huge-page/":
            return _Served(200, HTML, self._huge())
        if path == "/huge-header/":
            return _Served(200, [*HTML, ("X-Junk", "a" * MB)], article("Huge header", [LOREM]))
        if path == "/trickle/":
            return _Served(200, HTML, self._trickle())
        return _Served(404, HTML, b"<html>not found</html>")

    @staticmethod
    def _huge() -> Iterator[bytes]:
        yield b"<!doctype html><html><body class='single'><article><p>"
        for _ in range(20):
            yield b"filler " * (MB // 7)

    @staticmethod
    def _trickle() -> Iterator[bytes]:
        for _ in range(120):
            yield b" "
            time.sleep(1)

    # --- discovery documents ------------------------------------------------------------------

    def _sitemap_index(self) -> _Served:
        base = self.base_url.rstrip("/")
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/wp-sitemap-posts-post-1.xml</loc></sitemap>"
            f"<sitemap><loc>{self.other_origin}/wp-sitemap-posts-post-2.xml</loc></sitemap>"
            "</sitemapindex>"
        ).encode()
        return _Served(200, [("Content-Type", "application/xml")], body)

    def _post_sitemap(self) -> _Served:
        base = self.base_url.rstrip("/")
        urls = [f"{base}{path}" for path in CONTROLS] + [f"{self.other_origin}/sitemap-entry/"]
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{u}</loc></url>" for u in urls)
            + "</urlset>"
        ).encode()
        return _Served(200, [("Content-Type", "application/xml")], body)

    def _rss(self, items: list[str], prologue: str = "", title: str = "News") -> _Served:
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>{prologue}<rss version="2.0"><channel>'
            f"<title>{title}</title>"
            + "".join(f"<item><title>x</title><link>{u}</link></item>" for u in items)
            + "</channel></rss>"
        ).encode()
        return _Served(200, [("Content-Type", "application/rss+xml")], body)

    def _feed(self) -> _Served:
        base = self.base_url.rstrip("/")
        return self._rss([f"{base}{p}" for p in CONTROLS] + [f"{self.other_origin}/feed-entry/"])

    def _feed_laughs(self) -> _Served:
        entities = '<!ENTITY lol "lol">' + "".join(
            f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
            for n in range(1, 10)
        )
        return self._rss([self.base_url + "control-1/"], f"<!DOCTYPE rss [{entities}]>", "&lol9;")

    def _feed_xxe(self) -> _Served:
        prologue = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{self.other_origin}/xxe">]>'
        return self._rss([self.base_url + "control-2/"], prologue, "&xxe;")

    def _rest(self, query: dict[str, list[str]]) -> _Served:
        page = int((query.get("page") or ["1"])[0])
        headers = [
            ("Content-Type", "application/json"),
            ("X-WP-Total", str(CLAIMED_PAGES * 10)),
            ("X-WP-TotalPages", str(CLAIMED_PAGES)),
        ]
        if page == 2:
            return _Served(200, headers, b"[" * 200_000 + b"]" * 200_000)
        base = self.base_url.rstrip("/")
        posts = [
            {"id": n, "link": f"{base}{path}", "modified_gmt": "2024-05-17T06:30:00"}
            for n, path in enumerate(CONTROLS, 1)
        ]
        posts.append({"id": 99, "link": f"{self.other_origin}/rest-entry/"})
        return _Served(200, headers, json.dumps(posts).encode())

    # --- the endless site -----------------------------------------------------------------------

    def _serve_endless(self, path: str, query: dict[str, list[str]]) -> _Served:
        """Every listing and REST page claims 5,000,000 pages and gives new articles."""
        base = self.base_url.rstrip("/")
        if path == "/wp-json/wp/v2/posts":
            page = int((query.get("page") or ["1"])[0])
            posts = [{"id": page * 100 + n, "link": f"{base}/api-{page}-{n}/"} for n in range(10)]
            headers = [("Content-Type", "application/json"), ("X-WP-TotalPages", "5000000")]
            return _Served(200, headers, json.dumps(posts).encode())
        if path == "/" or path.startswith("/page/"):
            page = int(path.strip("/").split("/")[-1]) if path != "/" else 1
            nav = (
                f'<a class="next page-numbers" href="/page/{page + 1}/">Next</a>'
                f'<a class="page-numbers" href="/page/{CLAIMED_PAGES}/">{CLAIMED_PAGES}</a>'
            )
            return _Served(200, HTML, listing([f"/list-{page}-{n}/" for n in range(10)], nav))
        if path.startswith(("/list-", "/api-")):
            name = path.strip("/")
            return _Served(200, HTML, article(f"Story {name}", [f"{name}: {LOREM}", LOREM]))
        return _Served(404, HTML, b"<html>not found</html>")
