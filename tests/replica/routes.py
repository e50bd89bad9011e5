"""URL routing of the replica: request target -> :class:`Response` (no sockets here).

Rendered HTML pages are kept in a bounded LRU cache as tuples of parts that share the
big common chunks; only :class:`~tests.replica.common.Slot` parts (top-bar date,
"Recent Posts" times) are produced per response.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from tests.replica import feeds
from tests.replica.common import Part, Rendered, Slot, topbar_date
from tests.replica.content import STATIC_PAGES, Post, Site
from tests.replica.render_amp import AmpRenderer
from tests.replica.render_tagdiv import TagDivRenderer
from tests.replica.render_wp import WpRenderer

FILTERS = ("featured", "random_posts", "popular", "popular7")
_PAGED = re.compile(r"^(?P<head>.*?)/?page/(?P<n>\d+)/?$")


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    parts: tuple[Part, ...] = ()
    faultable: bool = True  # robots.txt and the control endpoints are never faulty


class Renderer(Protocol):
    def article(self, post: Post) -> Rendered: ...

    def listing(
        self,
        key: str,
        heading: str,
        list_path: str,
        page: int,
        posts: list[Post],
        body_class: str,
        description: str = "",
    ) -> Rendered | None: ...

    def home(self) -> Rendered: ...

    def static_page(self, slug: str) -> Rendered: ...

    def attachment(self, post: Post) -> Rendered: ...

    def not_found(self) -> Rendered: ...


class App:
    """The replica as a function from (method, target, headers) to a response."""

    def __init__(self, site: Site, base: str, cache_size: int = 4096) -> None:
        self.site = site
        self.root = base.rstrip("/")
        self.theme: Renderer
        self.amp: AmpRenderer | None = None
        self._tagdiv: TagDivRenderer | None = None
        if site.theme == "tagdiv":
            self._tagdiv = TagDivRenderer(site, base)
            self.theme = self._tagdiv
            self.amp = AmpRenderer(site, base)
        else:
            self.theme = WpRenderer(site, base)
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[object, ...], Rendered] = OrderedDict()
        self._dynamic: dict[Slot, tuple[int, bytes]] = {}
        self._filtered: dict[tuple[str, str], list[Post]] = {}
        self._attachments = {p.attachment_path: p for p in site.articles if p.attachment_path}

    # ------------------------------------------------------------------ dynamic parts

    def dynamic(self, slot: Slot, now: float) -> bytes:
        """A clock-dependent part, recomputed at most once per second."""
        second = int(now)
        cached = self._dynamic.get(slot)
        if cached is not None and cached[0] == second:
            return cached[1]
        if slot is Slot.TOPBAR_DATE:
            value = topbar_date(now).encode()
        elif slot is Slot.RECENT_DESKTOP and self._tagdiv is not None:
            value = self._tagdiv.recent_block(now)
        elif slot is Slot.RECENT_AMP and self.amp is not None:
            value = self.amp.recent_block(now)
        else:
            value = b""
        self._dynamic[slot] = (second, value)
        return value

    def resolve(self, parts: tuple[Part, ...], now: float | None = None) -> list[bytes]:
        moment = time.time() if now is None else now
        return [p if isinstance(p, bytes) else self.dynamic(p, moment) for p in parts]

    # ------------------------------------------------------------------ cache

    def _cached(
        self, key: tuple[object, ...], make: Callable[[], Rendered | None]
    ) -> Rendered | None:
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        rendered = make()
        if rendered is not None:
            self._cache[key] = rendered
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return rendered

    # ------------------------------------------------------------------ responses

    def _html(self, rendered: Rendered, request_headers: Mapping[str, str]) -> Response:
        headers = [("Content-Type", rendered.content_type), *rendered.headers]
        headers.append(("Link", f'<{self.root}/wp-json/>; rel="https://api.w.org/"'))
        if rendered.etag is not None and rendered.last_modified is not None:
            last_modified = format_datetime(rendered.last_modified.astimezone(UTC), usegmt=True)
            headers += [("ETag", rendered.etag), ("Last-Modified", last_modified)]
            if _not_modified(request_headers, rendered.etag, rendered.last_modified):
                return Response(304, [("ETag", rendered.etag), ("Last-Modified", last_modified)])
        return Response(rendered.status, headers, rendered.parts)

    def _bytes(
        self,
        body: bytes,
        content_type: str,
        status: int = 200,
        extra: list[tuple[str, str]] | None = None,
    ) -> Response:
        return Response(status, [("Content-Type", content_type), *(extra or [])], (body,))

    def not_found(self) -> Response:
        rendered = self._cached(("404",), self.theme.not_found)
        assert rendered is not None
        return Response(404, [("Content-Type", rendered.content_type)], rendered.parts)

    def redirect(self, location: str, status: int = 301) -> Response:
        return Response(
            status,
            [
                ("Location", location),
                ("Content-Type", "text/html; charset=UTF-8"),
                ("X-Redirect-By", "WordPress"),
            ],
            (b"",),
        )

    def handle(self, method: str, target: str, headers: Mapping[str, str]) -> Response:
        """Route one request; ``headers`` keys are lower-case."""
        if method not in ("GET", "HEAD"):
            return Response(
                405,
                [("Allow", "GET, HEAD"), ("Content-Type", "text/plain")],
                (b"Method Not Allowed\n",),
            )
        split = urlsplit(target)
        path = unquote(split.path) or "/"
        query = parse_qs(split.query, keep_blank_values=True)
        if path == "/robots.txt":
            response = self._bytes(
                feeds.robots_txt(self.site, self.root), "text/plain; charset=utf-8"
            )
            response.faultable = False
            return response
        if path.startswith("/wp-sitemap") and path.endswith(".xml"):
            return self._sitemap(path)
        if path == "/wp-json" or path.startswith("/wp-json/"):
            return self._rest(path, query)
        if path in ("/feed", "/feed/"):
            body = feeds.rss(
                self.site,
                self.root,
                self.site.newest,
                "IFP News",
                self.root + "/",
                self.root + "/feed/",
            )
            return self._bytes(body, "application/rss+xml; charset=UTF-8")
        if path == "/" and "p" in query:
            return self._shortlink(query["p"][0])
        return self._html_route(path, query, headers)

    def _shortlink(self, value: str) -> Response:
        post = next((p for p in self.site.articles if str(p.wp_id) == value), None)
        if post is None:
            return self.not_found()
        return self.redirect(self.root + post.path)

    def _sitemap(self, path: str) -> Response:
        if not self.site.sitemap:
            return self.not_found()
        name = path.lstrip("/")
        body = (
            feeds.sitemap_index(self.site, self.root)
            if name == "wp-sitemap.xml"
            else feeds.sitemap_file(self.site, self.root, name)
        )
        if body is None:
            return self.not_found()
        return self._bytes(body, "application/xml; charset=UTF-8")

    def _rest(self, path: str, query: dict[str, list[str]]) -> Response:
        if not self.site.rest:
            return self.not_found()
        route = path.removeprefix("/wp-json").rstrip("/")
        json_type = "application/json; charset=UTF-8"
        if route == "":
            return self._bytes(feeds.rest_root(self.root), json_type)
        if route == "/wp/v2/posts":
            try:
                page = int(query.get("page", ["1"])[0])
                per_page = int(query.get("per_page", ["10"])[0])
            except ValueError:
                body = feeds.rest_error("rest_invalid_param", "Invalid parameter(s)", 400)
                return self._bytes(body, json_type, 400)
            status, body, extra = feeds.rest_posts(self.site, self.root, page, per_page)
            return self._bytes(body, json_type, status, extra)
        match = re.fullmatch(r"/wp/v2/posts/(\d+)", route)
        if match:
            post = next(
                (p for p in self.site.posts if p.wp_id == int(match.group(1)) and p.listed), None
            )
            if post is not None:
                data = json.dumps(feeds.rest_post(self.site, self.root, post), ensure_ascii=False)
                return self._bytes(data.encode(), json_type)
        return self._bytes(
            feeds.rest_error("rest_no_route", "No route was found matching the URL", 404),
            json_type,
            404,
        )

    # ------------------------------------------------------------------ HTML routes

    def _html_route(
        self, path: str, query: dict[str, list[str]], headers: Mapping[str, str]
    ) -> Response:
        site = self.site
        page = 1
        paged = _PAGED.match(path)
        if paged:
            page = int(paged.group("n"))
            path = (paged.group("head") or "") + "/"
            if page < 1:
                return self.not_found()
        segments = [s for s in path.split("/") if s]
        filter_by = query.get("filter_by", [""])[0]
        filter_by = filter_by if filter_by in FILTERS else ""
        if not segments:
            if page == 1 and self._tagdiv is not None:
                rendered = self._cached(("home",), self.theme.home)
                assert rendered is not None
                return self._html(rendered, headers)
            return self._listing(
                "section:all-stories", "IFP News", "/", page, filter_by, "home blog paged", headers
            )
        head = segments[0]
        if feed := self._taxonomy_feed(segments):
            return feed
        if head == "category" and len(segments) > 1:
            category = site.categories.get("/".join(segments[1:]))
            if category is None:
                return self.not_found()
            return self._listing(
                f"category:{category.path}",
                category.name,
                category.url_path,
                page,
                filter_by,
                f"archive category category-{category.slug} category-{category.term_id}",
                headers,
            )
        if head == "tag" and len(segments) == 2:
            tag = site.tags.get(segments[1])
            if tag is None:
                return self.not_found()
            return self._listing(
                f"tag:{tag.slug}",
                tag.name,
                tag.url_path,
                page,
                filter_by,
                f"archive tag tag-{tag.slug} tag-{tag.term_id}",
                headers,
            )
        if head == "author" and len(segments) == 2:
            author = site.authors.get(segments[1])
            if author is None:
                return self.not_found()
            return self._listing(
                f"author:{author.nicename}",
                f"Posts by {author.name}",
                author.url_path,
                page,
                filter_by,
                f"archive author author-{author.nicename} author-{author.user_id}",
                headers,
            )
        if head in ("iran-news", "all-stories") and len(segments) == 1:
            title = "Iran News" if head == "iran-news" else "All Stories"
            return self._listing(
                f"section:{head}",
                title,
                f"/{head}/",
                page,
                filter_by,
                "page-template-default page",
                headers,
            )
        if head in STATIC_PAGES and len(segments) == 1 and page == 1:
            rendered = self._cached(("page", head), lambda: self.theme.static_page(head))
            assert rendered is not None
            return self._html(rendered, headers)
        if paged:
            return self.not_found()
        return self._post_route(segments, path, query, headers)

    def _taxonomy_feed(self, segments: list[str]) -> Response | None:
        if len(segments) < 3 or segments[-1] != "feed" or segments[0] not in ("category", "tag"):
            return None
        key = ("category:" if segments[0] == "category" else "tag:") + "/".join(segments[1:-1])
        posts = self.site.listings.get(key)
        if posts is None:
            return self.not_found()
        url = f"{self.root}/{'/'.join(segments[:-1])}/"
        body = feeds.rss(
            self.site, self.root, posts, f"{segments[-2]} Archives - IFP News", url, url + "feed/"
        )
        return self._bytes(body, "application/rss+xml; charset=UTF-8")

    def _listing(
        self,
        key: str,
        heading: str,
        list_path: str,
        page: int,
        filter_by: str,
        body_class: str,
        headers: Mapping[str, str],
    ) -> Response:
        posts = self.site.listings.get(key, [])
        if filter_by:
            posts = self._reordered(key, filter_by, posts)
        cls = body_class + (f" paged paged-{page}" if page > 1 else "")
        rendered = self._cached(
            ("listing", key, page, filter_by),
            lambda: self.theme.listing(key, heading, list_path, page, posts, cls),
        )
        if rendered is None:
            return self.not_found()
        return self._html(rendered, headers)

    def _reordered(self, key: str, filter_by: str, posts: list[Post]) -> list[Post]:
        """tagDiv's ?filter_by=: the same posts in another order (not new content)."""
        cached = self._filtered.get((key, filter_by))
        if cached is None:
            cached = sorted(
                posts,
                key=lambda p: hashlib.md5(f"{filter_by}:{p.wp_id}".encode()).digest(),
            )
            self._filtered[(key, filter_by)] = cached
        return cached

    def _post_route(
        self,
        segments: list[str],
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
    ) -> Response:
        site = self.site
        slug = segments[0]
        post = site.by_slug.get(slug)
        if post is None:
            moved = site.old_slugs.get(slug)
            if moved is not None and len(segments) <= 2:
                suffix = "/amp" if segments[1:] == ["amp"] else ""
                return self.redirect(self.root + (moved.amp_path if suffix else moved.path))
            return self.not_found()
        if post.status == "private":
            return self.not_found()
        rest = segments[1:]
        if len(rest) == 2 and rest[0] == "attachment":
            attachment = self._attachments.get(path if path.endswith("/") else path + "/")
            if attachment is None:
                return self.not_found()
            rendered = self._cached(
                ("attachment", post.index), lambda: self.theme.attachment(attachment)
            )
            assert rendered is not None
            return self._html(rendered, headers)
        wants_amp = rest == ["amp"] or (not rest and "amp" in query)
        if rest and not wants_amp:
            return self.not_found()
        if wants_amp and post.status == "publish":
            if self.amp is None:
                if rest:
                    return self.not_found()
            else:
                amp = self.amp
                rendered = self._cached(("amp", post.index), lambda: amp.article(post))
                assert rendered is not None
                return self._html(rendered, headers)
        elif rest:
            return self.not_found()
        rendered = self._cached(("article", post.index), lambda: self.theme.article(post))
        assert rendered is not None
        return self._html(rendered, headers)


def _not_modified(headers: Mapping[str, str], etag: str, last_modified: datetime) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since:
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return last_modified.replace(microsecond=0) <= when
    return False
