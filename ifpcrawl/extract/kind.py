"""What a page is (article, listing, page, ...), decided from all of its evidence.

:func:`decide_kind` is a pure function of an :class:`Evidence`: the signals a page
carries, read once by :class:`PageEvidence` (lazily: the costly shape signals are only
computed when the cheaper ones leave the question open). The table it implements, first
matching row wins:

====  ==========================================================  ===============
row   evidence                                                    kind
====  ==========================================================  ===============
1     WordPress error screen, 404 body class, (near-)empty body   error
2     password form or ``post-password-required``                 protected
3     body ``attachment`` / ``single-attachment``                 attachment
4     body ``author`` + ``archive``                               author
5     body listing class (archive, category, tag, home, blog,     listing
      paged, search, date, tax) and not ``single``, unless the
      site is not WordPress and structured data says article
6     body ``single-post`` / ``amp-single``                       article
7     WordPress Page classes (``page``, ``page-id-N``,            page
      ``page-template-*``) on a WordPress site; on another site
      a ``page`` class means nothing and the rows below decide
8     ``single`` with post ``type-post``: article; ``single`` of  other
      another post type: a known non-news type
      (product, event, ...) is never an article; otherwise an
      article when anything else says so (JSON-LD article,
      ``og:type=article``, ``itemtype`` Article, a news-like
      type name such as ``article``/``fact_check``/
      ``sn-article``, the shape of an article)
9     AMP: ``h1.amp-post-title`` / three or more loop titles      article/listing
10    JSON-LD article node (also ``WebPage.mainEntity``)          article
11    JSON-LD ProfilePage / CollectionPage, SearchResultsPage,    author/listing
      ItemList
12    ``og:type`` article (unless three or more ``<article>``     article/author
      teasers, none shaped as an article, make it a listing) /
      profile
13    microdata ``itemtype`` of an article type                   article
14    three or more ``<article>`` elements                        listing
15    one ``<article>`` with one h1, a date and a long text       article
16    no ``<article>``, one h1, a date and a long run of          article
      paragraphs with few links (a bare article page)
17    nothing of the above                                        other
====  ==========================================================  ===============

A WordPress site is told by its own markers (``wp-content``/``wp-includes`` paths, the
``api.w.org`` link, the generator meta, ``postid-N``/``page-id-N`` body classes), not by
a lone ``page`` class that any site may use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal, Protocol

from ifpcrawl.extract.jsonld import ARTICLE_TYPES, LISTING_TYPES, PROFILE_TYPES, node_types
from ifpcrawl.extract.selectors import Element, first, node_text, xpath

if TYPE_CHECKING:
    from ifpcrawl.extract.page import Page

PageKind = Literal[
    "article", "page", "listing", "attachment", "author", "protected", "error", "other"
]

LISTING_BODY_CLASSES = frozenset(
    {"archive", "category", "tag", "home", "blog", "paged", "search", "date", "tax"}
)
PAGE_BODY_CLASSES = frozenset({"page", "amp-single-page", "page-template-default"})
# Post types that plugins register for things that are not news: never articles,
# whatever an SEO plugin's og:type says (Yoast writes og:type=article on every singular).
NON_ARTICLE_POST_TYPES = frozenset(
    {
        "attachment", "product", "event", "tribe_events", "job_listing", "download", "course",
        "lesson", "forum", "topic", "reply", "portfolio", "jetpack-portfolio", "testimonial",
        "team", "faq", "wp_block", "elementor_library", "recipe", "listing", "property",
    }
)  # fmt: skip
# Words in a custom post type's name that say it holds news ("single-fact_check",
# "single-sn-article", "type-news"): one more piece of evidence, not proof by itself.
_NEWS_TYPE_RE = re.compile(
    r"article|news|story|stories|post|fact|report|blog|opinion|analysis|review|column"
    r"|feature|interview|editorial|brief|dispatch|explainer|investigation"
)
# body_class() tokens that start with "single-" without naming a post type.
_NOT_TYPE_TOKENS = frozenset({"single-author", "single-post", "single-attachment"})

GENERIC_MIN_CHARS = 600  # "a long text block": a few paragraphs, not a teaser
BARE_MIN_CHARS = 800  # no markers at all: ask for more text before calling it an article
BARE_MAX_LINK_SHARE = 0.25  # of the paragraphs' text inside links: above it, a link list

_WORDPRESS_MARKERS = ("/wp-content/", "/wp-includes/", "api.w.org", 'content="WordPress')
_ARTICLE_H1 = xpath("descendant::h1")
_ARTICLE_DATES = xpath("descendant::time[@datetime] | descendant::*[@itemprop='datePublished']")
_ARTICLE_TEXT = xpath("descendant::p")
_ITEMTYPE = xpath("descendant::*[@itemtype]/@itemtype")
_AMP_TITLE = xpath("descendant::h1[contains(@class, 'amp-post-title')]")
_AMP_LOOP_TITLES = xpath(
    "descendant::*[self::h2 or self::h3][contains(@class, 'loop-title')"
    " or contains(@class, 'amp-wp-title')]"
)
# A date as bylines print it: "March 4, 2021", "4 March 2021", "2021-03-04", "04/03/2021".
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE_TEXT_RE = re.compile(
    rf"\b(?:{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTHS},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{4})\b",
    re.IGNORECASE,
)
_BYLINE_CHARS = 400  # where a bare page's date line sits: right under the headline


class Evidence(Protocol):
    """The signals :func:`decide_kind` reads. Shape signals may be computed lazily."""

    @property
    def error(self) -> bool: ...
    @property
    def protected(self) -> bool: ...
    @property
    def body_classes(self) -> frozenset[str]: ...
    @property
    def post_classes(self) -> frozenset[str]: ...
    @property
    def wordpress(self) -> bool: ...
    @property
    def amp(self) -> bool: ...
    @property
    def amp_post_title(self) -> bool: ...
    @property
    def amp_loop_titles(self) -> int: ...
    @property
    def jsonld_article(self) -> bool: ...
    @property
    def jsonld_types(self) -> frozenset[str]: ...
    @property
    def og_type(self) -> str: ...
    @property
    def microdata_article(self) -> bool: ...
    @property
    def article_elements(self) -> int: ...
    @property
    def article_shape(self) -> bool: ...
    @property
    def bare_article_shape(self) -> bool: ...


@dataclass(frozen=True)
class Signals:
    """Evidence as plain values (tables in tests, or a page's evidence written down)."""

    error: bool = False
    protected: bool = False
    body_classes: frozenset[str] = frozenset()
    post_classes: frozenset[str] = frozenset()
    wordpress: bool = False
    amp: bool = False
    amp_post_title: bool = False
    amp_loop_titles: int = 0
    jsonld_article: bool = False
    jsonld_types: frozenset[str] = frozenset()
    og_type: str = ""
    microdata_article: bool = False
    article_elements: int = 0
    article_shape: bool = False
    bare_article_shape: bool = False


def decide_kind(ev: Evidence) -> PageKind:
    """The page kind the evidence supports (the table in the module docstring)."""
    if ev.error:
        return "error"
    if ev.protected:
        return "protected"
    by_class = _by_wordpress_classes(ev)
    if by_class is not None:
        return by_class
    if ev.amp:
        if ev.amp_post_title:
            return "article"
        if ev.amp_loop_titles >= 3:
            return "listing"
    by_data = _by_structured_data(ev)
    if by_data is not None:
        return by_data
    if ev.article_elements >= 3:
        return "listing"
    if ev.article_shape or ev.bare_article_shape:
        return "article"
    return "other"


def post_type(body: frozenset[str], post: frozenset[str]) -> str | None:
    """The WordPress post type a singular page names (``single-<type>``, ``type-<type>``)."""
    for token in sorted(post):
        if token.startswith("type-") and len(token) > 5:
            return token[5:]
    for token in sorted(body):
        if (
            token.startswith("single-")
            and token not in _NOT_TYPE_TOKENS
            and not token.startswith(("single-format-", "single-template-"))
        ):
            return token[7:]
    return None


def _structured_article(ev: Evidence) -> bool:
    return ev.jsonld_article or ev.og_type == "article" or ev.microdata_article


def _by_wordpress_classes(ev: Evidence) -> PageKind | None:
    body, post = ev.body_classes, ev.post_classes
    if not body:
        return None
    if "attachment" in body or "single-attachment" in body:
        return "attachment"
    if "author" in body and "archive" in body:
        return "author"
    if body & LISTING_BODY_CLASSES and "single" not in body:
        if ev.wordpress or not _structured_article(ev):
            return "listing"
        return None  # "blog" or "home" on another CMS's article: the data decides
    if "single-post" in body or "amp-single" in body:
        return "article"
    if _is_wordpress_page(body, ev.wordpress):
        return "page"
    if "single" in body:
        return "article" if "type-post" in post else _custom_post_type(ev)
    return None


def _is_wordpress_page(body: frozenset[str], wordpress: bool) -> bool:
    if any(token.startswith("page-id-") for token in body):
        return True
    return wordpress and bool(body & PAGE_BODY_CLASSES)


def _custom_post_type(ev: Evidence) -> PageKind:
    name = post_type(ev.body_classes, ev.post_classes) or ""
    if name in NON_ARTICLE_POST_TYPES:
        return "other"
    if _structured_article(ev) or (name and _NEWS_TYPE_RE.search(name)):
        return "article"
    if ev.article_shape or ev.bare_article_shape:
        return "article"
    return "other"


def _by_structured_data(ev: Evidence) -> PageKind | None:
    if ev.jsonld_article:
        return "article"
    if ev.jsonld_types & PROFILE_TYPES:
        return "author"
    if ev.jsonld_types & LISTING_TYPES:
        return "listing"
    if ev.og_type == "article" and (ev.article_elements < 3 or ev.article_shape):
        # some sites write og:type=article on every page, section fronts included: a page
        # of three or more <article> teasers, none of them a whole article, is a listing
        return "article"
    if ev.og_type == "profile":
        return "author"
    if ev.microdata_article:
        return "article"
    return None  # a bare WebPage / og:type website says nothing: the shape decides


class PageEvidence:
    """A parsed page's evidence, each signal read when :func:`decide_kind` first asks."""

    def __init__(self, page: Page, *, error: bool, protected: bool) -> None:
        self.page = page
        self.error = error
        self.protected = protected
        self.body_classes = page.body_classes
        self.post_classes = page.post_classes
        self.amp = page.is_amp

    @cached_property
    def wordpress(self) -> bool:
        if any(token.startswith(("postid-", "page-id-")) for token in self.body_classes):
            return True
        head = self.page.html[:200_000]  # markers sit in <head> and early <body>
        return any(marker in head for marker in _WORDPRESS_MARKERS)

    @cached_property
    def amp_post_title(self) -> bool:
        return first(_AMP_TITLE, self.page.tree) is not None

    @cached_property
    def amp_loop_titles(self) -> int:
        return len(_AMP_LOOP_TITLES(self.page.tree))

    @cached_property
    def jsonld_article(self) -> bool:
        return self.page.jsonld.article() is not None

    @cached_property
    def jsonld_types(self) -> frozenset[str]:
        types: frozenset[str] = frozenset()
        for node in self.page.jsonld.nodes:
            types |= node_types(node)
        return types

    @cached_property
    def og_type(self) -> str:
        return (self.page.meta_first("og:type") or "").strip().lower()

    @cached_property
    def microdata_article(self) -> bool:
        if "itemtype" not in self.page.html:
            return False
        for value in _ITEMTYPE(self.page.tree):
            name = str(value).strip().rstrip("/").rsplit("/", 1)[-1]
            if name in ARTICLE_TYPES:
                return True
        return False

    @cached_property
    def _articles(self) -> list[Element]:
        return list(self.page.tree.iter("article"))

    @property
    def article_elements(self) -> int:
        return len(self._articles)

    @cached_property
    def article_shape(self) -> bool:
        published_meta = self.page.meta_first("article:published_time")
        for article in self._articles:
            if len(_ARTICLE_H1(article)) != 1:
                continue
            if not _ARTICLE_DATES(article) and not published_meta:
                continue
            if sum(len(node_text(p)) for p in _ARTICLE_TEXT(article)) >= GENERIC_MIN_CHARS:
                return True
        return False

    @cached_property
    def bare_article_shape(self) -> bool:
        if self._articles or self.page.body is None:
            return False
        return is_bare_article(self.page.body, self.page.meta_first("article:published_time"))


def is_bare_article(body: Element, published_meta: str | None = None) -> bool:
    """One headline, a date near it, then a long run of paragraphs that are not link lists.

    A page with no markers at all (no classes, no structured data, no ``<article>``) whose
    body is plainly an article: the paragraphs under one parent carry the text.
    """
    h1s = _ARTICLE_H1(body)
    if len(h1s) != 1:
        return False
    by_parent: dict[Element, list[Element]] = {}
    for p in _ARTICLE_TEXT(body):
        parent = p.getparent()
        if parent is not None:
            by_parent.setdefault(parent, []).append(p)
    if not by_parent:
        return False
    paragraphs = max(by_parent.values(), key=lambda ps: sum(len(node_text(p)) for p in ps))
    text = sum(len(node_text(p)) for p in paragraphs)
    if text < BARE_MIN_CHARS:
        return False
    linked = sum(len(node_text(a)) for p in paragraphs for a in p.iter("a"))
    if linked > BARE_MAX_LINK_SHARE * text:
        return False
    if published_meta or _ARTICLE_DATES(body):
        return True
    return _date_near(h1s[0])


def _date_near(h1: Element) -> bool:
    """A date printed within a few hundred characters after the headline (the byline)."""
    seen = 0
    node: Element | None = h1
    while node is not None and seen < _BYLINE_CHARS:
        sibling = node.getnext()
        while sibling is not None and seen < _BYLINE_CHARS:
            text = node_text(sibling) if isinstance(sibling.tag, str) else ""
            if DATE_TEXT_RE.search(text[:_BYLINE_CHARS]):
                return True
            seen += len(text)
            sibling = sibling.getnext()
        node = node.getparent()
        if node is not None and node.tag == "body":
            break
    return False
