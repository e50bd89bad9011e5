"""Article fields from a parsed :class:`Page`, each through a visible fallback chain.

Every chain is a tuple of ``(source, getter)`` pairs tried in order; the first
non-empty value wins and its source is recorded in ``Article.sources``:

- ``tagdiv`` / ``amp``: the ifpnews themes (tagDiv Newspaper desktop, AMP for WP Swift);
- ``jsonld``, ``meta`` (OpenGraph, ``article:*``, ``<meta name>``), ``microdata``;
- ``wordpress``: classes WordPress core and its default themes really render;
- ``html``: plain document shape (``<article> h1``, ``time[datetime]``, ``<title>``);
- ``trafilatura``: the generic extractor, run at most once and only when needed;
- ``computed``: derived from other fields (word count, lead paragraph as summary).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from ifpcrawl.dates import parse_datetime, to_iso
from ifpcrawl.extract.body import BodyResult, extract_body
from ifpcrawl.extract.generic import GenericResult, run_trafilatura
from ifpcrawl.extract.jsonld import Node, first_value, text_list, text_value
from ifpcrawl.extract.links import dedupe_links, link_from_anchor
from ifpcrawl.extract.page import Page, PageKind
from ifpcrawl.extract.selectors import Element, Sel, attr, first, is_inside, node_text, xpath
from ifpcrawl.items import STORE_FIELDS, Article, Link, LinkKind
from ifpcrawl.text import clean_title, normalize_paragraphs, normalize_text, word_count

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("title", "body", "author", "section", "published_at")
MIN_BODY_WORDS = 20  # below this a "body" is a stub (empty post, teaser, error text)

T = TypeVar("T")


@dataclass
class Extraction:
    article: Article | None  # None if the page is not a complete article
    kind: PageKind
    missing: list[str] = field(default_factory=list)  # required fields no chain could fill
    error: str | None = None  # why article is None, one line

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (golden files, debugging)."""
        return {
            "kind": self.kind,
            "error": self.error,
            "missing": list(self.missing),
            "article": extracted_fields(self.article) if self.article is not None else None,
        }


def extracted_fields(article: Article) -> dict[str, Any]:
    """The article's fields as extraction gives them (not those the store sets later)."""
    fields = asdict(article)
    for name in STORE_FIELDS:
        del fields[name]
    return fields


class _Context:
    """A page plus the lazily computed, shared parts the chains read."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.tree = page.tree
        self._hints: dict[str, bool] = {}

    def possible(self, selector: Sel) -> bool:
        return selector.possible(self.page.html, self._hints)

    @cached_property
    def generic(self) -> GenericResult:
        logger.debug("generic extractor used for %s", self.page.url)
        return run_trafilatura(self.tree, self.page.url)

    @cached_property
    def ld_article(self) -> Node | None:
        return self.page.jsonld.article()

    @cached_property
    def ld_page(self) -> Node | None:
        return self.page.jsonld.web_page()

    @cached_property
    def scope(self) -> Element:
        """Where post metadata lives: the post's element, else main, else the document."""
        if self.page.post_element is not None:
            return self.page.post_element
        main = first(_MAIN, self.tree)
        return main if main is not None else self.tree

    def find(self, selector: Sel) -> list[Element]:
        """Matches in the post's element first (small, so cheap), else in the whole page."""
        if not self.possible(selector):
            return []
        found = selector(self.scope)
        if not found and self.scope is not self.tree:
            found = selector(self.tree)
        return found

    def find_in_scope(self, selector: Sel) -> list[Element]:
        """Matches in the post's element only (post metadata, never the sidebar's)."""
        if not self.possible(selector):
            return []
        return selector(self.scope)

    def find_in_page(self, selector: Sel) -> list[Element]:
        if not self.possible(selector):
            return []
        return selector(self.tree)

    def ld(self, key: str) -> Any:
        node = self.ld_article
        return None if node is None else node.get(key)


Getter = Callable[[_Context], T | None]
Chain = tuple[tuple[str, Getter[T]], ...]


def _run_chain(ctx: _Context, chain: Chain[T]) -> tuple[T, str] | None:
    for value, source in _iter_chain(ctx, chain):
        return value, source
    return None


def _iter_chain(ctx: _Context, chain: Chain[T]) -> Iterator[tuple[T, str]]:
    for source, getter in chain:
        value = getter(ctx)
        if value:
            yield value, source


# --- selectors ---------------------------------------------------------------------

# Every selector names its tag and uses the descendant axis: a libxml2 predicate on
# "//*" costs ~0.5 us per element, so "any element with class X" over a 100 KB page
# would eat the time budget; "div with class X" only tests the divs.


def _c(name: str) -> str:
    """XPath test for one class token (a cheap substring test first, then the exact token)."""
    return (
        f"(contains(@class, '{name}')"
        f" and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"
    )


def _rel(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@rel), ' '), ' {name} ')"


_MAIN = xpath(
    "(descendant::main | descendant::div[@id='main' or @id='content' or @id='primary'"
    f" or {_c('site-main')}])[1]"
)
_OUT_OF_LOOPS = (
    "[not(ancestor::div[contains(@class, 'r-pf') or contains(@class, 'srp')"
    " or contains(@class, 'td_block_wrap') or contains(@class, 'widget')])]"
)

_TAGDIV_TITLE = Sel(
    f"descendant::h1[({_c('entry-title')} and ancestor::*[self::header or self::div]"
    f"[{_c('td-post-title')} or {_c('td-post-header')}]) or {_c('tdb-title-text')}]",
    "td-post-title",
    "td-post-header",
    "tdb-title-text",
)
_TAGDIV_CONTENT = Sel(
    f"descendant::div[{_c('td-post-content')}]"
    f" | descendant::div[{_c('tdb_single_content')}]/descendant::div[{_c('tdb-block-inner')}][1]",
    "td-post-content",
    "tdb_single_content",
)
_TAGDIV_AUTHOR = Sel(
    f"descendant::div[{_c('td-post-author-name')}]/a | descendant::a[{_c('tdb-author-name')}]",
    "td-post-author-name",
    "tdb-author-name",
)
_TAGDIV_SECTION = Sel(
    f"descendant::ul[{_c('td-category')}]/li[{_c('entry-category')}]/a"
    f" | descendant::a[{_c('tdb-entry-category')}]",
    "td-category",
    "tdb-entry-category",
)
_TAGDIV_TAGS = Sel(
    f"descendant::ul[{_c('td-tags')} or {_c('tdb-tags')}]/li/a",
    "td-tags",
    "tdb-tags",
)
_TAGDIV_DATE = Sel(
    f"descendant::span[{_c('td-post-date')}]/time[@datetime]"
    f" | descendant::div[{_c('tdb_single_date')}]/descendant::time[@datetime]",
    "td-post-date",
    "tdb_single_date",
)
_TAGDIV_IMAGE = Sel(
    f"descendant::div[{_c('td-post-featured-image')} or {_c('tdb_single_featured_image')}]",
    "td-post-featured-image",
    "tdb_single_featured_image",
)
_TAGDIV_SUBTITLE = Sel(
    f"descendant::p[{_c('td-post-sub-title')}]"
    f" | descendant::div[{_c('tdb_single_subtitle')}]/descendant::p",
    "td-post-sub-title",
    "tdb_single_subtitle",
)

_AMP_TITLE = Sel(
    f"descendant::h1[{_c('amp-post-title')}]",
    "amp-post-title",
)
_AMP_CONTENT = Sel(
    f"descendant::div[({_c('cntn-wrp')} and {_c('artl-cnt')}) or {_c('amp-wp-article-content')}]",
    "cntn-wrp",
    "amp-wp-article-content",
)
_AMP_AUTHOR = Sel(
    f"descendant::div[{_c('amp-author')}]/descendant::span[{_c('author-name')}]"
    f" | descendant::span[{_c('amp-wp-author')}]",
    "amp-author",
    "amp-wp-author",
)
_AMP_SECTION = Sel(
    f"(descendant::span[{_c('amp-cat')}] | descendant::div[{_c('amp-category')}])"
    "/descendant::a" + _OUT_OF_LOOPS,
    "amp-cat",
    "amp-category",
)
_AMP_TAGS = Sel(
    f"descendant::div[{_c('amp-tags')}]/descendant::a",
    "amp-tags",
)
_AMP_DATE = Sel(
    f"descendant::div[{_c('post-date')}]/descendant::div[{_c('loop-date')}]" + _OUT_OF_LOOPS,
    "loop-date",
)
_AMP_IMAGE = Sel(
    f"descendant::div[{_c('sf-img')}]/descendant::*[self::amp-img or self::img]"
    f" | descendant::figure[{_c('amp-wp-article-featured-image')}]/descendant::amp-img",
    "sf-img",
    "amp-wp-article-featured-image",
)
_AMP_EXCERPT = Sel(
    f"descendant::div[{_c('tl-exc')}]",
    "tl-exc",
)

# Microdata may sit on any element: these run only after cheaper sources failed.
_MICRODATA_BODY = Sel(
    "descendant::*[@itemprop='articleBody']",
    "articleBody",
)
_MICRODATA_HEADLINE = Sel(
    "descendant::*[contains(concat(' ', normalize-space(@itemprop), ' '), ' headline ')]",
    "headline",
)
_MICRODATA_AUTHOR = Sel(
    "descendant::*[@itemprop='author']/descendant::*[@itemprop='name']"
    " | descendant::*[@itemprop='author'][not(descendant::*[@itemprop])]",
    '"author"',
    "'author'",
    "=author",
)
_MICRODATA_DATE = Sel(
    "descendant::*[@itemprop='datePublished']",
    "datePublished",
)
_MICRODATA_MODIFIED = Sel(
    "descendant::*[@itemprop='dateModified']",
    "dateModified",
)
_MICRODATA_IMAGE = Sel(
    "descendant::*[@itemprop='image']/descendant::*[@itemprop='url']"
    " | descendant::*[@itemprop='image'][@src or @content]",
    '"image"',
    "'image'",
    "=image",
)

# Block themes have no post element to scope to: keep out the "More posts" query loop and
# other post lists, whose titles, terms and dates belong to other posts.
_NOT_IN_POST_LIST = (
    f"[not(ancestor::div[{_c('wp-block-query')}] or ancestor::li[{_c('wp-block-post')}])]"
)


def _outside_post_lists(expr: str, *hints: str) -> Sel:
    return Sel(f"({expr}){_NOT_IN_POST_LIST}", *hints)


_WP_TITLE = _outside_post_lists(
    f"descendant::h1[{_c('entry-title')} or {_c('wp-block-post-title')} or {_c('post-title')}]"
    f" | descendant::h2[{_c('wp-block-post-title')}]",
    "entry-title",
    "wp-block-post-title",
    "post-title",
)
_WP_CONTENT = _outside_post_lists(
    f"descendant::div[{_c('entry-content')} or {_c('wp-block-post-content')}"
    f" or {_c('post-content')} or {_c('single-content')}]",
    "entry-content",
    "wp-block-post-content",
    "post-content",
    "single-content",
)
_WP_AUTHOR = _outside_post_lists(
    f"descendant::a[{_rel('author')}]"
    f" | descendant::div[{_c('wp-block-post-author-name')}]"
    f" | descendant::p[{_c('wp-block-post-author__name')}]"
    f" | descendant::*[self::span or self::div][{_c('byline')}]/descendant::span[{_c('author')}]/a"
    f" | descendant::span[{_c('author')} and {_c('vcard')}]/a"
    f" | descendant::li[{_c('post-author')}]/descendant::span[{_c('meta-text')}]/a"
    f" | descendant::div[{_c('entry-meta')}]/descendant::span[{_c('author')}]/a",
    "author",
)
_WP_SECTION = _outside_post_lists(
    f"descendant::div[{_c('taxonomy-category')} and {_c('wp-block-post-terms')}]/a"
    f" | descendant::span[{_c('cat-links')}]/a"
    f" | descendant::div[{_c('entry-categories')}]/descendant::a"
    f" | descendant::a[{_rel('category')}]"
    f" | descendant::ul[{_c('post-categories')}]/li/a",
    "categor",
    "cat-links",
)
_WP_TAGS = _outside_post_lists(
    f"descendant::div[{_c('taxonomy-post_tag')} and {_c('wp-block-post-terms')}]/a"
    f" | descendant::span[{_c('tags-links')}]/a"
    f" | descendant::li[{_c('post-tags')}]/descendant::span[{_c('meta-text')}]/a"
    f" | descendant::*[self::div or self::span][{_c('entry-tags')} or {_c('post-tags')}]/a",
    "taxonomy-post_tag",
    "tags-links",
    "post-tags",
    "entry-tags",
)
_WP_REL_TAG = _outside_post_lists(
    "descendant::a[@rel='tag'][not(ancestor::div[contains(@class, 'taxonomy-')"
    " and not(contains(@class, 'taxonomy-post_tag'))])]",
    "tag",
)
_WP_DATE = _outside_post_lists(
    f"descendant::time[@datetime][{_c('published')}"
    f" or ancestor::div[{_c('wp-block-post-date')}"
    f" and not({_c('wp-block-post-date__modified-date')})]"
    f" or ancestor::span[{_c('posted-on')}]]",
    "datetime",
)
_WP_DATE_TEXT = _outside_post_lists(
    f"descendant::li[{_c('post-date')}]/descendant::span[{_c('meta-text')}]"
    f" | descendant::span[{_c('posted-on')}]",
    "post-date",
    "posted-on",
)
# "updated" alone is no modification date: Twenty Twenty-One writes "entry-date published
# updated" and tagDiv "entry-date updated td-module-date" on the publish date.
_WP_MODIFIED = _outside_post_lists(
    f"descendant::time[@datetime][ancestor::div[{_c('wp-block-post-date__modified-date')}]"
    f" or ({_c('updated')} and not({_c('published')}) and not({_c('td-module-date')}))"
    f" or {_c('modified')}]",
    "datetime",
)
_WP_IMAGE = _outside_post_lists(
    f"descendant::img[{_c('wp-post-image')}]"
    f" | descendant::figure[{_c('wp-block-post-featured-image')}]/descendant::img"
    f" | descendant::*[self::figure or self::div][{_c('post-thumbnail')}]/descendant::img",
    "wp-post-image",
    "wp-block-post-featured-image",
    "post-thumbnail",
)
_COMMENT_POST_ID = xpath("descendant::input[@name='comment_post_ID']/@value")

_HTML_H1 = _outside_post_lists("descendant::h1")
_HTML_TITLE = xpath("descendant::title")
_HTML_TIME = _outside_post_lists(
    "descendant::time[@datetime]",
    "datetime",
)

_RELATED_CLASSES = frozenset(
    {
        "td_block_related_posts", "srp", "amp-related-posts", "jp-relatedposts",
        "wp-block-jetpack-related-posts", "yarpp-related", "yarpp", "crp_related",
        "rp4wp-related-posts", "related-posts", "relpost-thumb-wrapper",
    }
)  # fmt: skip
# wp-block-query: the "More posts" query loop block themes (Twenty Twenty-Five) put under
# a post lists the latest posts, like the Recent Posts widget.
_RECENT_CLASSES = frozenset(
    {"r-pf", "widget_recent_entries", "wp-block-latest-posts", "td_block_widget", "wp-block-query"}
)
# One pass for both kinds of block: a substring every class name above contains
# pre-filters the candidates (a Python scan of the block tags beats an XPath "or"
# chain several times over), then tokens decide.
_POST_BLOCK_HINT = re.compile(
    r"rel|rec|td_block|srp|yarpp|r-pf|latest-posts|td-ss-main-sidebar|wp-block-query"
)
_POST_BLOCK_TAGS = ("div", "section", "aside", "ul")
_BLOCK_ANCHORS = xpath("descendant::a[@href]")
# Inside related/recent blocks these hold category, author or block-title links, not posts.
_BLOCK_SKIP_CLASSES = frozenset(
    {
        "loop-category", "td-post-category", "td-module-meta-info", "td-block-title",
        "td-related-title", "td-next-prev-wrap", "entry-category", "cat-links",
        "td-post-author-name", "amp-related-posts-title", "widget-title", "td-excerpt",
        "jp-relatedposts-post-context", "jp-relatedposts-headline", "wp-block-post-terms",
        "wp-block-post-author-name", "wp-block-query-pagination",
    }
)  # fmt: skip
_BLOCK_SKIP_RELS = frozenset({"category", "tag", "author"})

_POSTID_RE = re.compile(r"^(?:postid|post-id|singular)-(\d+)$")
_POST_ELEMENT_ID_RE = re.compile(r"^post-(\d+)$")
_SHORTLINK_RE = re.compile(r"[?&]p=(\d+)")
_REST_RE = re.compile(r"/wp-json/wp/v2/posts/(\d+)")
_ELLIPSIS_RE = re.compile(r"(?:\.\.\.|…|\[…\]|\[&hellip;\])\s*$")
_BY_PREFIX_RE = re.compile(r"^(?:by|written by|posted by|published by)\s*:?\s+", re.IGNORECASE)
_CLOCK_RE = re.compile(r"\d{1,2}:\d{2}")
_IMAGE_EXT_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:\?|$)", re.IGNORECASE)
_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " :: ", " » ", " · ", " : ")


# --- small value helpers --------------------------------------------------------------


def _texts(nodes: list[Element]) -> list[str]:
    return [text for text in (node_text(node) for node in nodes) if text]


def _first_text(nodes: list[Element]) -> str | None:
    for node in nodes:
        text = node_text(node)
        if text:
            return text
    return None


def _dedupe(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


def strip_site_suffix(title: str, site_name: str | None) -> str:
    """Drop " - Site Name" / " | Site Name" (or the same as a prefix) when it is the site's name."""
    if not site_name:
        return title
    site = site_name.strip().casefold()
    lowered = title.casefold()
    for separator in _TITLE_SEPARATORS:
        if lowered.endswith(separator + site) and len(title) > len(separator + site):
            return title[: -len(separator + site)].strip()
        if lowered.startswith(site + separator) and len(title) > len(site + separator):
            return title[len(site + separator) :].strip()
    return title


def _date_attr(node: Element) -> str:
    return attr(node, "datetime") or attr(node, "content") or node_text(node)


def _parse_first_date(ctx: _Context, values: list[str]) -> str | None:
    for value in values:
        parsed = parse_datetime(value, now=ctx.page.response_date)
        if parsed:
            return parsed
    return None


def _image_src(node: Element | None) -> str | None:
    if node is None:
        return None
    for name in ("data-img-url", "data-src", "data-lazy-src", "data-orig-file", "src", "content"):
        value = attr(node, name)
        if value and not value.startswith("data:"):
            return value
    srcset = attr(node, "srcset") or attr(node, "data-srcset")
    if srcset:
        return srcset.split(",")[0].strip().split(" ")[0] or None
    return None


def _is_relative_date(text: str) -> bool:
    return text.strip().lower().endswith("ago")


# --- title ------------------------------------------------------------------------------


def _title_tagdiv(ctx: _Context) -> str | None:
    return _first_text(ctx.find(_TAGDIV_TITLE))


def _title_amp(ctx: _Context) -> str | None:
    return _first_text(ctx.find(_AMP_TITLE))


def _title_jsonld(ctx: _Context) -> str | None:
    headline = text_value(ctx.ld("headline")) or text_value(ctx.ld("name"))
    return strip_site_suffix(normalize_text(headline), ctx.page.site_name()) if headline else None


def _title_meta(ctx: _Context) -> str | None:
    value = ctx.page.meta_first("og:title", "twitter:title")
    return strip_site_suffix(normalize_text(value), ctx.page.site_name()) if value else None


def _title_microdata(ctx: _Context) -> str | None:
    values = ctx.page.itemprop_meta.get("headline")
    if values and values[0].strip():
        return values[0]
    return _first_text(ctx.find_in_page(_MICRODATA_HEADLINE))


def _title_wordpress(ctx: _Context) -> str | None:
    return _first_text(ctx.find(_WP_TITLE))


def _title_html(ctx: _Context) -> str | None:
    h1s = _HTML_H1(ctx.scope)
    if h1s:
        return node_text(h1s[0]) or None
    title = _first_text(_HTML_TITLE(ctx.tree))
    return strip_site_suffix(title, ctx.page.site_name()) if title else None


def _title_generic(ctx: _Context) -> str | None:
    return ctx.generic.title


TITLE_CHAIN: Chain[str] = (
    ("tagdiv", _title_tagdiv),
    ("amp", _title_amp),
    ("jsonld", _title_jsonld),
    ("meta", _title_meta),
    ("microdata", _title_microdata),
    ("wordpress", _title_wordpress),
    ("html", _title_html),
    ("trafilatura", _title_generic),
)


def extract_title(ctx: _Context) -> tuple[str, str] | None:
    """First title of the chain; a truncated one ("So...") yields to a full one extending it."""
    candidates = ((clean_title(value), source) for value, source in _iter_chain(ctx, TITLE_CHAIN))
    chosen: tuple[str, str] | None = None
    for title, source in candidates:
        if not title:
            continue
        if chosen is None:
            chosen = (title, source)
            if not _ELLIPSIS_RE.search(title):
                return chosen
            continue
        stem = _ELLIPSIS_RE.sub("", chosen[0]).strip().casefold()
        if title.casefold().startswith(stem) and not _ELLIPSIS_RE.search(title):
            return title, source
    return chosen


# --- body -------------------------------------------------------------------------------


def _container_body(selector: Sel) -> Callable[[_Context], BodyResult | None]:
    def getter(ctx: _Context) -> BodyResult | None:
        found = ctx.find(selector)
        if not found:
            return None
        return extract_body(found[0], ctx.page.absolute)

    return getter


def _body_generic(ctx: _Context) -> BodyResult | None:
    paragraphs = ctx.generic.paragraphs
    if not paragraphs:
        return None
    container = first(_HTML_ARTICLE, ctx.tree)
    links = extract_body(container, ctx.page.absolute).links if container is not None else []
    return BodyResult(paragraphs=paragraphs, links=links)


def _body_jsonld(ctx: _Context) -> BodyResult | None:
    text = text_value(ctx.ld("articleBody"))
    if not text:
        return None
    return BodyResult(paragraphs=[line for line in re.split(r"\n\s*\n|\n", text) if line.strip()])


_HTML_ARTICLE = xpath("(descendant::article | descendant::main)[1]")

# A content container that is present is authoritative even when empty: falling
# through to the generic extractor would turn an empty post into its sidebar.
BODY_CHAIN: Chain[BodyResult] = (
    ("tagdiv", _container_body(_TAGDIV_CONTENT)),
    ("amp", _container_body(_AMP_CONTENT)),
    ("microdata", _container_body(_MICRODATA_BODY)),
    ("wordpress", _container_body(_WP_CONTENT)),
    ("trafilatura", _body_generic),
    ("jsonld", _body_jsonld),
)


def extract_body_field(ctx: _Context) -> tuple[BodyResult, str] | None:
    for source, getter in BODY_CHAIN:
        result = getter(ctx)
        if result is not None:
            return result, source
    return None


# --- author -------------------------------------------------------------------------------


def _clean_author(value: str | None) -> str | None:
    if not value:
        return None
    text = _BY_PREFIX_RE.sub("", normalize_text(value).replace("\n", " ")).strip(" ,-–|")
    if not text or len(text) > 120 or text.lower().startswith(("http://", "https://", "www.")):
        return None
    return text


def _author_tagdiv(ctx: _Context) -> str | None:
    return _clean_author(_first_text(ctx.find(_TAGDIV_AUTHOR)))


def _author_amp(ctx: _Context) -> str | None:
    return _clean_author(_first_text(ctx.find(_AMP_AUTHOR)))


def _author_jsonld(ctx: _Context) -> str | None:
    raw = ctx.ld("author")
    values = raw if isinstance(raw, list) else [raw]
    names: list[str] = []
    for value in values:
        node = ctx.page.jsonld.resolve(value)
        name = text_value(node.get("name")) if isinstance(node, dict) else text_value(node)
        cleaned = _clean_author(name)
        if cleaned:
            names.append(cleaned)
    return ", ".join(_dedupe(names)) or None


def _author_meta(ctx: _Context) -> str | None:
    page = ctx.page
    # Yoast's Twitter card: twitter:label1 "Written by" / twitter:data1 "<name>"
    if (page.meta_first("twitter:label1") or "").lower() == "written by":
        name = _clean_author(page.meta_first("twitter:data1"))
        if name:
            return name
    return _clean_author(
        page.meta_first("author", "article:author", "dc.creator", "parsely-author")
    )


def _author_microdata(ctx: _Context) -> str | None:
    for node in ctx.find_in_page(_MICRODATA_AUTHOR):
        name = _clean_author(attr(node, "content") or node_text(node))
        if name:
            return name
    return None


def _author_wordpress(ctx: _Context) -> str | None:
    return _clean_author(_first_text(ctx.find(_WP_AUTHOR)))


def _author_generic(ctx: _Context) -> str | None:
    return _clean_author(ctx.generic.author)


AUTHOR_CHAIN: Chain[str] = (
    ("tagdiv", _author_tagdiv),
    ("amp", _author_amp),
    ("jsonld", _author_jsonld),
    ("meta", _author_meta),
    ("microdata", _author_microdata),
    ("wordpress", _author_wordpress),
    ("trafilatura", _author_generic),
)


# --- section and tags --------------------------------------------------------------------


def _slug_tokens(prefix: str, class_attr: str) -> list[str]:
    # read the attribute, not the token set: post_class() order puts the primary term first
    return [token[len(prefix) :] for token in class_attr.split() if token.startswith(prefix)]


def _section_tagdiv(ctx: _Context) -> str | None:
    return _first_text(_without_parent_labels(ctx.find(_TAGDIV_SECTION)))


def _without_parent_labels(anchors: list[Element]) -> list[Element]:
    """Drop a category label whose link is the parent of another label's link.

    tagDiv shows the parent of the primary category before it ("News", "Diplomacy"
    for /category/news/diplomacy/); the post's own category is the child, and it is the
    one label AMP shows. Unrelated labels keep their order.
    """
    hrefs = [(anchor.get("href") or "").rstrip("/") for anchor in anchors]
    return [
        anchor
        for anchor, href in zip(anchors, hrefs, strict=True)
        if not href or not any(other.startswith(href + "/") for other in hrefs)
    ]


def _section_amp(ctx: _Context) -> str | None:
    return _first_text(ctx.find(_AMP_SECTION))


def _section_jsonld(ctx: _Context) -> str | None:
    raw = ctx.ld("articleSection")
    for value in text_list(raw):
        # Rank Math writes every category into one comma-separated string
        section = normalize_text(value.split(",")[0])
        if _has_letter(section):  # not a number or an id the plugin leaked
            return section
    return None


def _has_letter(text: str) -> bool:
    return any(char.isalpha() for char in text)


def _section_meta(ctx: _Context) -> str | None:
    value = ctx.page.meta_first("article:section")
    return normalize_text(value) if value else None


def _section_wordpress(ctx: _Context) -> str | None:
    return _first_text(ctx.find_in_scope(_WP_SECTION))


def _section_post_class(ctx: _Context) -> str | None:
    element = ctx.page.post_element
    if element is None:
        return None
    slugs = _slug_tokens("category-", element.get("class") or "")
    return slugs[0] if slugs else None


SECTION_CHAIN: Chain[str] = (
    ("tagdiv", _section_tagdiv),
    ("amp", _section_amp),
    ("jsonld", _section_jsonld),
    ("meta", _section_meta),
    ("wordpress", _section_wordpress),
    ("post_class", _section_post_class),  # a slug, not a label: last resort
)


def _tags_tagdiv(ctx: _Context) -> list[str] | None:
    return _dedupe(_texts(ctx.find(_TAGDIV_TAGS)))


def _tags_amp(ctx: _Context) -> list[str] | None:
    return _dedupe(_texts(ctx.find(_AMP_TAGS)))


def _tags_jsonld(ctx: _Context) -> list[str] | None:
    values: list[str] = []
    for value in text_list(ctx.ld("keywords")):
        values.extend(part for part in (normalize_text(p) for p in value.split(",")) if part)
    return _dedupe(values)


def _tags_meta(ctx: _Context) -> list[str] | None:
    return _dedupe([normalize_text(value) for value in ctx.page.meta_all("article:tag")])


def _tags_wordpress(ctx: _Context) -> list[str] | None:
    return _dedupe(_texts(ctx.find_in_scope(_WP_TAGS)) or _texts(ctx.find_in_scope(_WP_REL_TAG)))


def _tags_post_class(ctx: _Context) -> list[str] | None:
    element = ctx.page.post_element
    if element is None:
        return None
    return _slug_tokens("tag-", element.get("class") or "")


TAGS_CHAIN: Chain[list[str]] = (
    ("tagdiv", _tags_tagdiv),
    ("amp", _tags_amp),
    ("jsonld", _tags_jsonld),
    ("meta", _tags_meta),
    ("wordpress", _tags_wordpress),
    ("post_class", _tags_post_class),
)


# --- dates ------------------------------------------------------------------------------


def _published_tagdiv(ctx: _Context) -> str | None:
    return _parse_first_date(ctx, [_date_attr(node) for node in ctx.find(_TAGDIV_DATE)])


def _amp_date_texts(ctx: _Context) -> list[str]:
    return [node_text(node) for node in ctx.find(_AMP_DATE)]


def _published_amp_precise(ctx: _Context) -> str | None:
    return _parse_first_date(ctx, [t for t in _amp_date_texts(ctx) if _is_precise_date(t)])


def _published_amp_coarse(ctx: _Context) -> str | None:
    # "3 years ago" or "January 25, 2016" is only as precise as its unit (a year, a day):
    # used when no source gives the time.
    return _parse_first_date(ctx, [t for t in _amp_date_texts(ctx) if not _is_precise_date(t)])


def _is_precise_date(text: str) -> bool:
    return not _is_relative_date(text) and _CLOCK_RE.search(text) is not None


def _published_jsonld(ctx: _Context) -> str | None:
    values = [text_value(ctx.ld("datePublished"))]
    if ctx.ld_page is not None:
        values.append(text_value(ctx.ld_page.get("datePublished")))
    return _parse_first_date(ctx, [v for v in values if v])


def _published_meta(ctx: _Context) -> str | None:
    keys = (
        "article:published_time", "og:published_time", "datepublished", "date",
        "dc.date.issued", "dc.date", "dcterms.created", "pubdate", "parsely-pub-date",
        "sailthru.date",
    )  # fmt: skip
    return _parse_first_date(ctx, [v for key in keys for v in ctx.page.meta_all(key)])


def _published_microdata(ctx: _Context) -> str | None:
    found = _parse_first_date(ctx, ctx.page.itemprop_meta.get("datePublished", []))
    if found:
        return found
    return _parse_first_date(ctx, [_date_attr(node) for node in ctx.find_in_page(_MICRODATA_DATE)])


def _published_wordpress(ctx: _Context) -> str | None:
    values = [_date_attr(node) for node in ctx.find_in_scope(_WP_DATE)]
    values += [node_text(node) for node in ctx.find_in_scope(_WP_DATE_TEXT)]
    return _parse_first_date(ctx, values)


def _published_html(ctx: _Context) -> str | None:
    return _parse_first_date(ctx, [_date_attr(node) for node in _HTML_TIME(ctx.scope)[:3]])


def _published_generic(ctx: _Context) -> str | None:
    value = ctx.generic.date
    return parse_datetime(value, now=ctx.page.response_date) if value else None


PUBLISHED_CHAIN: Chain[str] = (
    ("tagdiv", _published_tagdiv),
    ("amp", _published_amp_precise),
    ("jsonld", _published_jsonld),
    ("meta", _published_meta),
    ("microdata", _published_microdata),
    ("wordpress", _published_wordpress),
    ("html", _published_html),
    ("amp", _published_amp_coarse),
    ("trafilatura", _published_generic),
)


def _modified_jsonld(ctx: _Context) -> str | None:
    values = [text_value(ctx.ld("dateModified"))]
    if ctx.ld_page is not None:
        values.append(text_value(ctx.ld_page.get("dateModified")))
    return _parse_first_date(ctx, [v for v in values if v])


def _modified_meta(ctx: _Context) -> str | None:
    keys = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified")
    return _parse_first_date(ctx, [v for key in keys for v in ctx.page.meta_all(key)])


def _modified_microdata(ctx: _Context) -> str | None:
    found = _parse_first_date(ctx, ctx.page.itemprop_meta.get("dateModified", []))
    if found:
        return found
    return _parse_first_date(
        ctx, [_date_attr(node) for node in ctx.find_in_page(_MICRODATA_MODIFIED)]
    )


def _modified_wordpress(ctx: _Context) -> str | None:
    return _parse_first_date(ctx, [_date_attr(node) for node in ctx.find_in_scope(_WP_MODIFIED)])


# The theme's own times first, as for published_at: they carry the site's local offset,
# while SEO plugins (Yoast, Rank Math) write the same instant in UTC.
MODIFIED_CHAIN: Chain[str] = (
    ("microdata", _modified_microdata),
    ("wordpress", _modified_wordpress),
    ("jsonld", _modified_jsonld),
    ("meta", _modified_meta),
)


# --- image, summary, post id ---------------------------------------------------------------


def _absolute_image(ctx: _Context, value: str | None) -> str | None:
    if not value or value.startswith("data:"):
        return None
    return ctx.page.absolute(value)


def _image_tagdiv(ctx: _Context) -> str | None:
    boxes = ctx.find(_TAGDIV_IMAGE)
    box = boxes[0] if boxes else None
    if box is None:
        return None
    for anchor in box.iter("a"):
        href = attr(anchor, "href")
        if _IMAGE_EXT_RE.search(href):
            return _absolute_image(ctx, href)  # the full-size file behind the thumbnail
    for img in box.iter("img"):
        return _absolute_image(ctx, _image_src(img))
    return None


def _image_amp(ctx: _Context) -> str | None:
    return _absolute_image(ctx, _image_src(next(iter(ctx.find(_AMP_IMAGE)), None)))


def _jsonld_image_url(ctx: _Context, value: Any) -> str | None:
    node = ctx.page.jsonld.resolve(first_value(value))
    if isinstance(node, dict):
        return text_value(node.get("url")) or text_value(node.get("contentUrl"))
    return text_value(node)


def _image_jsonld(ctx: _Context) -> str | None:
    url = _jsonld_image_url(ctx, ctx.ld("image")) or text_value(ctx.ld("thumbnailUrl"))
    return _absolute_image(ctx, url)


def _image_meta(ctx: _Context) -> str | None:
    value = ctx.page.meta_first(
        "og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src"
    )
    return _absolute_image(ctx, value)


def _image_microdata(ctx: _Context) -> str | None:
    return _absolute_image(ctx, _image_src(next(iter(ctx.find_in_page(_MICRODATA_IMAGE)), None)))


def _image_wordpress(ctx: _Context) -> str | None:
    return _absolute_image(ctx, _image_src(next(iter(ctx.find(_WP_IMAGE)), None)))


IMAGE_CHAIN: Chain[str] = (
    ("tagdiv", _image_tagdiv),
    ("amp", _image_amp),
    ("jsonld", _image_jsonld),
    ("meta", _image_meta),
    ("microdata", _image_microdata),
    ("wordpress", _image_wordpress),
)


def _summary_amp(ctx: _Context) -> str | None:
    return _first_text(ctx.find_in_scope(_AMP_EXCERPT))


def _summary_jsonld(ctx: _Context) -> str | None:
    value = text_value(ctx.ld("description"))
    if not value and ctx.ld_page is not None:
        value = text_value(ctx.ld_page.get("description"))
    return normalize_text(value) if value else None


def _summary_meta(ctx: _Context) -> str | None:
    value = ctx.page.meta_first("og:description", "description", "twitter:description")
    return normalize_text(value) if value else None


def _summary_tagdiv(ctx: _Context) -> str | None:
    subtitle = _first_text(ctx.find_in_scope(_TAGDIV_SUBTITLE))
    if not subtitle:
        return None
    title = _first_text(ctx.find(_TAGDIV_TITLE)) or ""
    # A subtitle that reads like a title ("...Front Pages on November 18" under
    # "...Front Pages on April 16") is a stale copy from another post, not a lead.
    if _title_words(subtitle) == _title_words(title):
        return None
    return subtitle


def _title_words(text: str) -> list[str]:
    return text.casefold().split()[:5]


# The tagDiv subtitle comes after the metadata: ifpnews has stale subtitles
# (copied from an older daily post) that would otherwise become the summary.
SUMMARY_CHAIN: Chain[str] = (
    ("amp", _summary_amp),
    ("jsonld", _summary_jsonld),
    ("meta", _summary_meta),
    ("tagdiv", _summary_tagdiv),
)


def _post_id_classes(ctx: _Context) -> int | None:
    for token in ctx.page.body_classes:
        match = _POSTID_RE.match(token)
        if match:
            return int(match.group(1))
    element = ctx.page.post_element
    if element is not None:
        match = _POST_ELEMENT_ID_RE.match(element.get("id") or "")
        if match:
            return int(match.group(1))
    return None


def _post_id_links(ctx: _Context) -> int | None:
    for link, pattern in ((ctx.page.shortlink, _SHORTLINK_RE), (ctx.page.rest_link, _REST_RE)):
        match = pattern.search(link or "")
        if match:
            return int(match.group(1))
    values = _COMMENT_POST_ID(ctx.tree)
    if values and str(values[0]).strip().isdigit():
        return int(str(values[0]).strip())
    return None


POST_ID_CHAIN: Chain[int] = (
    ("wordpress", _post_id_classes),
    ("meta", _post_id_links),
)


# --- links ------------------------------------------------------------------------------


def _block_links(
    ctx: _Context, blocks: list[Element], kind: LinkKind, skip: list[Element]
) -> list[Link]:
    links: list[Link] = []
    for block in blocks:
        if any(block is other or is_inside(block, other) for other in skip):
            continue
        for anchor in _BLOCK_ANCHORS(block):
            if _is_label_anchor(anchor, block):
                continue
            link = link_from_anchor(anchor, kind, ctx.page.absolute)
            if link is not None:
                links.append(link)
    return links


def _is_label_anchor(anchor: Element, block: Element) -> bool:
    """A category/tag/author/block-title link inside a post block, not a link to a post."""
    if _BLOCK_SKIP_RELS.intersection((anchor.get("rel") or "").split()):
        return True
    node = anchor
    while node is not None and node is not block:
        classes = node.get("class")
        if classes and _BLOCK_SKIP_CLASSES.intersection(classes.split()):
            return True
        node = node.getparent()
    return False


def extract_links(ctx: _Context, body_links: list[Link]) -> list[Link]:
    related_blocks: list[Element] = []
    recent_blocks: list[Element] = []
    in_sidebar: list[Element] = []
    for block in ctx.tree.iter(*_POST_BLOCK_TAGS):
        classes = block.get("class")
        if not classes or not _POST_BLOCK_HINT.search(classes):
            continue
        tokens = set(classes.split())
        if tokens & _RELATED_CLASSES:
            related_blocks.append(block)
        elif tokens & _RECENT_CLASSES:
            recent_blocks.append(block)
        elif "td-ss-main-sidebar" in tokens:
            in_sidebar.append(block)
        elif "td_block_wrap" in tokens and any(is_inside(block, bar) for bar in in_sidebar):
            recent_blocks.append(block)  # tagDiv's latest-posts blocks in the sidebar
    related = _block_links(ctx, related_blocks, "related", [])
    recent = _block_links(ctx, recent_blocks, "recent", related_blocks)
    return dedupe_links([*body_links, *related, *recent])


# --- the whole article -------------------------------------------------------------------

_NOT_ARTICLE: dict[PageKind, str] = {
    "article": "",
    "page": "not an article: a WordPress page",
    "listing": "not an article: a listing (archive, category, tag, home)",
    "attachment": "not an article: an attachment page",
    "author": "not an article: an author page",
    "protected": "password protected",
    "error": "error page (WordPress/database error or empty page)",
    "other": "not an article: no article signals on the page",
}


def extract_article(page: Page) -> Extraction:
    """All fields of the page's article, or why there is none."""
    kind = page.kind()
    if kind != "article":
        return Extraction(article=None, kind=kind, missing=[], error=_NOT_ARTICLE[kind])
    ctx = _Context(page)
    sources: dict[str, str] = {}

    def take(name: str, found: tuple[T, str] | None) -> T | None:
        if found is None:
            return None
        sources[name] = found[1]
        return found[0]

    title = take("title", extract_title(ctx)) or ""
    body_found = extract_body_field(ctx)
    body_result = body_found[0] if body_found else BodyResult()
    body = normalize_paragraphs(_without_title(body_result.paragraphs, title))
    if body:
        assert body_found is not None
        sources["body"] = body_found[1]
    words = word_count(body)
    # No article without a title and a real body: stop before the other chains (which
    # may reach the slow generic extractor) and report only what is fatal.
    if not title:
        missing = ["title"] + (["body"] if words < MIN_BODY_WORDS else [])
        return Extraction(article=None, kind=kind, missing=missing, error="no title found")
    if words < MIN_BODY_WORDS:
        return Extraction(
            article=None, kind=kind, missing=["body"], error=f"empty body ({words} words)"
        )
    author = take("author", _run_chain(ctx, AUTHOR_CHAIN))
    section = take("section", _run_chain(ctx, SECTION_CHAIN))
    tags = take("tags", _run_chain(ctx, TAGS_CHAIN)) or []
    published_at = take("published_at", _run_chain(ctx, PUBLISHED_CHAIN))
    modified_at = take("modified_at", _run_chain(ctx, MODIFIED_CHAIN))
    image_url = take("image_url", _run_chain(ctx, IMAGE_CHAIN))
    summary = take("summary", _run_chain(ctx, SUMMARY_CHAIN))
    if not summary and body:
        summary = body.split("\n\n", 1)[0]
        sources["summary"] = "computed"
    wp_post_id = take("wp_post_id", _run_chain(ctx, POST_ID_CHAIN))
    sources["word_count"] = "computed"
    values = {"author": author, "section": section, "published_at": published_at}
    missing = [name for name in REQUIRED_FIELDS if name in values and not values[name]]

    url = page.canonical_link or page.url
    variants = _dedupe_exact([page.url, url, *([page.amphtml_link] if page.amphtml_link else [])])
    article = Article(
        url=url,
        title=title,
        body=body,
        summary=summary,
        author=author,
        section=section,
        tags=tags,
        published_at=published_at,
        modified_at=modified_at,
        image_url=image_url,
        word_count=words,
        fetched_url=page.url,
        url_variants=variants,
        links=extract_links(ctx, body_result.links),
        wp_post_id=wp_post_id,
        fetched_at=to_iso(page.response_date, tz="UTC") if page.response_date else "",
        sources=sources,
    )
    return Extraction(article=article, kind=kind, missing=missing, error=None)


def _without_title(paragraphs: list[str], title: str) -> list[str]:
    """Drop a leading paragraph that repeats the title (generic extractors keep the h1)."""
    if paragraphs and title and clean_title(paragraphs[0]).casefold() == title.casefold():
        return paragraphs[1:]
    return paragraphs


def _dedupe_exact(values: list[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))
