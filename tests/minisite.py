"""A tiny real HTTP server for crawl tests that need pages the replica does not serve.

``MiniSite({path: (status, headers, body)})`` serves on 127.0.0.1:0 in a thread;
``wp_article()`` renders a minimal classic-WordPress single post.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

Page = tuple[int, Mapping[str, str], bytes]

LOREM = (
    "Officials in Tehran said on Tuesday that the talks would continue next week, adding that "
    "both delegations had agreed on a framework for the coming rounds of negotiation."
)


def wp_article(
    title: str,
    paragraphs: list[str] | None = None,
    canonical: str | None = None,
    extra_head: str = "",
    links: str = "",
) -> bytes:
    paras = paragraphs or [LOREM, LOREM.replace("Tuesday", "Wednesday")]
    head = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        "<!doctype html><html><head><title>"
        + title
        + "</title>"
        + head
        + extra_head
        + '</head><body class="post-template-default single single-post postid-7">'
        '<article id="post-7" class="post-7 post type-post status-publish category-news">'
        f'<h1 class="entry-title">{title}</h1>'
        '<span class="byline"><a rel="author" href="/author/ed/">Ed Itor</a></span>'
        '<time class="entry-date published" datetime="2024-05-17T10:00:00+03:30">May 17</time>'
        '<span class="cat-links"><a rel="category tag" href="/category/news/">News</a></span>'
        f'<div class="entry-content">{body}<p>{links}</p></div></article></body></html>'
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    pages: Mapping[str, Page] = {}

    def do_GET(self) -> None:
        page = self.pages.get(self.path)
        if page is None:
            status, headers, body = 404, {"Content-Type": "text/html"}, b"<html>404</html>"
        else:
            status, headers, body = page
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


class MiniSite:
    def __init__(self, pages: Mapping[str, Page]) -> None:
        handler = type("Handler", (_Handler,), {"pages": dict(pages)})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> MiniSite:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()


HTML = {"Content-Type": "text/html; charset=utf-8"}
