"""Discovery: where the article URLs come from (listings, feeds, sitemaps, the REST API).

Pure functions over bytes / parsel selectors, so they are tested without a crawler. Each
source has real-WordPress selectors first and the ifpnews (tagDiv) ones beside them; none
is required: a theme change loses a hint, never the crawl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import lxml.etree
from cssselect import HTMLTranslator
from parsel import Selector

from ifpcrawl import boundedjson
from ifpcrawl.boundedjson import JsonRefused
from ifpcrawl.urls import Site, canonicalize, classify_url, is_on_site, join_url


class DiscoveryError(ValueError):
    """A feed, sitemap or API answer that cannot be read (counted, never fatal)."""


class RestRefused(DiscoveryError):
    """A REST answer too large or too deeply nested to parse (``reason`` from boundedjson)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Found:
    """A URL met on a listing, feed, sitemap or API answer."""

    url: str  # canonical
    raw_url: str  # as written on the page
    lastmod: str | None = None  # the source's own last-modified hint, verbatim


# Main-loop items of a listing, most specific first. A listing page's "only known articles"
# test (incremental stop) looks at these alone, so sidebar widgets cannot keep paging alive.
LOOP_LINK_SELECTORS = (
    ".td_module_wrap h3.entry-title a",  # tagDiv Newspaper
    ".td_module_wrap .td-module-thumb a[rel=bookmark]",
    ".wp-block-post-template .wp-block-post-title a",  # block themes (Twenty Twenty-Four…)
    "main article .entry-title a",  # classic themes
    "#main article .entry-title a",
    "article.post .entry-title a",
    "article h2 a[rel=bookmark]",
    "main a[rel=bookmark]",
)
# Where a listing's "next page" link lives in real themes.
NEXT_PAGE_SELECTORS = (
    "link[rel=next]",  # core / Yoast head hints
    "a[rel=next]",
    "a.next.page-numbers",  # paginate_links()
    ".wp-block-query-pagination-next",
    ".nav-previous a",  # "Older posts" in classic themes
    ".page-nav a[aria-label=next-page]",  # tagDiv
    ".page-nav a:has(i.td-icon-menu-right)",
)
_PAGE_RE = re.compile(r"/page/(\d+)/?$")
_PAGED_QUERY_RE = re.compile(r"(?:^|&)paged=(\d+)")
_PAGES_OF_RE = re.compile(r"Page\s+\d+\s+of\s+([\d,]+)", re.I)


def page_number(url: str) -> int:
    """Listing page number of a URL (1 when it has none)."""
    parts = urlsplit(url)
    match = _PAGE_RE.search(parts.path)
    if match:
        return int(match.group(1))
    match = _PAGED_QUERY_RE.search(parts.query)
    return int(match.group(1)) if match else 1


def listing_root(url: str) -> str:
    """The listing without its /page/N part: `/category/x/page/3/` → `/category/x/`."""
    parts = urlsplit(url)
    path = _PAGE_RE.sub("/", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def listing_page_url(root: str, number: int) -> str:
    """The URL of page ``number`` of a listing (WordPress `/page/N/` permalinks)."""
    if number <= 1:
        return root
    parts = urlsplit(root)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, f"{path}page/{number}/", parts.query, ""))


# Query forms of date archives (?m=202405, ?year=2024&monthnum=5): repeats of the sections.
_DATE_QUERY_RE = re.compile(r"(?:^|&)(?:m|year|monthnum|day|w)=", re.I)


def archive_kind(url: str) -> str:
    """category | tag | author | date | section: which kind of WordPress archive a listing is."""
    parts = urlsplit(url)
    path = parts.path
    if _DATE_QUERY_RE.search(parts.query):
        return "date"
    for kind in ("category", "tag", "author"):
        if f"/{kind}/" in path:
            return kind
    if re.match(r"^/\d{4}/(\d{2}/)?(\d{2}/)?", path):
        return "date"
    return "section"


def _absolute(base: str, href: str) -> str | None:
    # Absolute links are the common case and need no urljoin (slow in pure Python).
    if href.startswith(("https://", "http://")):
        return href
    return join_url(base, href)


def _canonical(base: str, href: str, site: Site) -> str | None:
    joined = _absolute(base, href)
    return canonicalize(joined, site) if joined else None


def _canonical_links(hrefs: list[str], base: str, site: Site) -> list[Found]:
    found: list[Found] = []
    seen: set[str] = set()
    for href in hrefs:
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        absolute = _absolute(base, href)
        url = canonicalize(absolute, site) if absolute else None
        if absolute is None or url is None or url in seen:
            continue
        seen.add(url)
        found.append(Found(url=url, raw_url=absolute))
    return found


@dataclass
class ListingLinks:
    loop_articles: list[Found]  # the listing's own items
    other_articles: list[Found]  # article-like links elsewhere on the page (widgets, menus)
    next_pages: list[str]  # canonical URLs of the following page(s)
    last_page: int | None  # "Page 1 of N" / last page link, when the theme shows it
    archives: list[str]  # canonical URLs of other listings linked from the page
    # <base href> points to another origin: its relative links lead off-site, not followed.
    offsite_base: bool = False


@lru_cache(maxsize=64)
def _xpath(css: str) -> lxml.etree.XPath:
    """A CSS selector compiled once to an lxml XPath (parsel re-evaluates per call)."""
    return lxml.etree.XPath(HTMLTranslator().css_to_xpath(css))


def _hrefs(root: Any, css: str) -> list[str]:
    return [str(node.get("href") or "") for node in _xpath(css)(root)]


def listing_links(page: Selector | Any, page_url: str, site: Site) -> ListingLinks:
    """Everything a listing page offers the crawler (one pass over its anchors).

    ``page`` is a parsel Selector or an lxml.html tree (``ifpcrawl.extract.page.parse_html``).
    """
    root_node = page.root if isinstance(page, Selector) else page
    base_node = root_node.find(".//base")
    base = (base_node.get("href") if base_node is not None else None) or page_url
    loop: list[Found] = []
    for css in LOOP_LINK_SELECTORS:
        loop = [
            f
            for f in _canonical_links(_hrefs(root_node, css), base, site)
            if classify_url(f.url, site) == "article"
        ]
        if loop:
            break
    loop_urls = {f.url for f in loop}
    others: list[Found] = []
    archives: list[str] = []
    current = canonicalize(page_url, site) or page_url
    root = listing_root(current)
    number = page_number(current)
    wanted_next = listing_page_url(root, number + 1)
    next_pages: list[str] = []
    max_seen = number
    anchors = [str(a.get("href") or "") for a in root_node.iter("a")]
    for found in _canonical_links(anchors, base, site):
        kind = classify_url(found.url, site)
        if kind == "article" and found.url not in loop_urls:
            others.append(found)
        elif kind == "listing":
            if listing_root(found.url) == root:
                max_seen = max(max_seen, page_number(found.url))
                if found.url == wanted_next:
                    next_pages.append(found.url)
            elif page_number(found.url) == 1:
                archives.append(found.url)
    if not next_pages:
        # Themes that page with rel=next or "Older posts" links to other URL shapes.
        for css in NEXT_PAGE_SELECTORS:
            for href in _hrefs(root_node, css):
                url = _canonical(base, href, site)
                if (
                    url
                    and url not in next_pages
                    and classify_url(url, site) == "listing"
                    and listing_root(url) == root
                    and page_number(url) > number
                ):
                    next_pages.append(url)
    last_page: int | None = max_seen if max_seen > number else None
    pages_text = " ".join(
        node.text_content() for node in _xpath(".page-nav .pages, .pages")(root_node)
    )
    match = _PAGES_OF_RE.search(pages_text)
    if match:
        last_page = max(last_page or 0, int(match.group(1).replace(",", "")))
    joined_base = join_url(page_url, base) if base != page_url else None
    offsite_base = joined_base is not None and not is_on_site(joined_base, site)
    return ListingLinks(loop, others, next_pages, last_page, archives, offsite_base)


# --- feeds -------------------------------------------------------------------------------------

_XML_PARSER = lxml.etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
)


def parse_feed(body: bytes, base: str, site: Site) -> list[Found]:
    """Article URLs of an RSS 2.0 or Atom feed; DiscoveryError when it is not a feed."""
    try:
        root = lxml.etree.parse(BytesIO(body), _XML_PARSER).getroot()
    except lxml.etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"feed is not XML: {exc}") from exc
    if root is None:
        raise DiscoveryError("feed is empty")
    found: list[Found] = []
    for item in root.iter("{*}item", "{*}entry"):
        link = None
        for child in item:
            if not isinstance(child.tag, str):
                continue
            name = lxml.etree.QName(child).localname
            if name == "link":
                href = child.get("href")
                rel = child.get("rel", "alternate")
                if href and rel == "alternate":
                    link = href
                elif child.text and child.text.strip():
                    link = child.text.strip()
            elif (
                name == "guid"
                and link is None
                and child.get("isPermaLink") != "false"
                and child.text
                and child.text.strip().startswith("http")
            ):
                link = child.text.strip()
        if not link:
            continue
        modified = None
        for name in ("updated", "modified", "pubDate", "published", "date"):
            node = next(
                (
                    c
                    for c in item
                    if isinstance(c.tag, str) and lxml.etree.QName(c).localname == name
                ),
                None,
            )
            if node is not None and node.text:
                modified = node.text.strip()
                break
        url = _canonical(base, link, site)
        if url is not None:
            found.append(Found(url=url, raw_url=link, lastmod=modified))
    if not found and lxml.etree.QName(root).localname not in ("rss", "feed", "RDF"):
        raise DiscoveryError(f"not a feed: root element <{root.tag}>")
    return found


# --- sitemaps ------------------------------------------------------------------------------------


@dataclass
class SitemapEntries:
    kind: str  # "sitemapindex" | "urlset"
    entries: list[Found]


class SitemapTooLarge(DiscoveryError):
    """A (gzipped) sitemap that inflates past the download size cap: a decompression bomb."""


def sitemap_body(body: bytes, max_size: int) -> bytes:
    """The sitemap's XML, gunzipped within ``max_size`` bytes when it is compressed."""
    from scrapy.utils.gz import gunzip

    if body[:3] != b"\x1f\x8b\x08":
        return body
    try:
        return gunzip(body, max_size=max_size)
    except ValueError as exc:  # scrapy raises a ValueError subclass past max_size
        raise SitemapTooLarge(f"sitemap inflates past {max_size} bytes") from exc
    except (OSError, EOFError) as exc:
        raise DiscoveryError(f"sitemap is not valid gzip: {exc}") from exc


def parse_sitemap(body: bytes, base: str, site: Site) -> SitemapEntries:
    """Entries of a sitemap or sitemap index (body already gunzipped within size caps)."""
    from scrapy.utils.sitemap import Sitemap

    try:
        sitemap = Sitemap(body)
        entries = list(sitemap)
    except (lxml.etree.XMLSyntaxError, StopIteration) as exc:
        raise DiscoveryError(f"sitemap is not XML: {exc}") from exc
    if sitemap.type not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap: <{sitemap.type}>")
    found: list[Found] = []
    for entry in entries:
        loc = entry.get("loc")
        if not loc:
            continue
        url = _canonical(base, loc, site)
        if url is not None:
            found.append(Found(url=url, raw_url=loc, lastmod=entry.get("lastmod") or None))
    return SitemapEntries(sitemap.type, found)


# --- WordPress REST API -----------------------------------------------------------------------


def parse_rest_posts(body: bytes, base: str, site: Site) -> list[Found]:
    """Published posts of a `/wp-json/wp/v2/posts` answer (link + modified time)."""
    try:
        data: Any = boundedjson.loads(body)
    except JsonRefused as exc:
        raise RestRefused(exc.reason, f"REST answer refused: {exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise DiscoveryError(f"REST answer is not JSON: {exc}") from exc
    if not isinstance(data, list):
        raise DiscoveryError("REST answer is not a list of posts")
    found: list[Found] = []
    for post in data:
        if not isinstance(post, dict):
            continue
        if post.get("status", "publish") != "publish" or post.get("type", "post") != "post":
            continue
        link = post.get("link")
        if not isinstance(link, str):
            continue
        modified = post.get("modified_gmt")
        lastmod = f"{modified}+00:00" if isinstance(modified, str) and modified else None
        if lastmod is None and isinstance(post.get("modified"), str):
            lastmod = post["modified"]
        url = _canonical(base, link, site)
        if url is not None:
            found.append(Found(url=url, raw_url=link, lastmod=lastmod))
    return found
