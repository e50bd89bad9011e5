"""The page-kind decision: its evidence table, and page shapes as real sites serve them.

The first table drives :func:`decide_kind` with plain :class:`Signals`; the second parses
hand-written pages in the shapes real news sites use (custom post types, JSON-LD-only
articles, bare pages, an empty container before the real one) and the non-article kinds
that must stay out, then checks what extraction stores for the articles.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from ifpcrawl.extract import Page, extract_article
from ifpcrawl.extract.article import _without_byline
from ifpcrawl.extract.kind import PageKind, Signals, decide_kind, post_type
from tests.page_shapes import (
    ARTICLE_SHAPES,
    BODY_TEXT,
    NON_ARTICLE_SHAPES,
    PARAS,
    TITLE,
    URL,
    WP_HEAD,
    html,
)

WP = Signals(wordpress=True)
SINGLE = frozenset({"single", "postid-7"})


def body(*tokens: str) -> frozenset[str]:
    return frozenset(tokens)


EVIDENCE_TABLE: list[tuple[str, Signals, PageKind]] = [
    ("nothing", Signals(), "other"),
    ("error beats everything", Signals(error=True, jsonld_article=True), "error"),
    ("protected beats article classes", replace(WP, protected=True, body_classes=body("single", "single-post")), "protected"),
    ("attachment", replace(WP, body_classes=body("attachment", "single", "single-attachment"), og_type="article"), "attachment"),
    ("author archive", replace(WP, body_classes=body("archive", "author"), og_type="profile"), "author"),
    ("category archive", replace(WP, body_classes=body("archive", "category")), "listing"),
    ("search results", replace(WP, body_classes=body("search", "search-results")), "listing"),
    ("wp listing despite article data", replace(WP, body_classes=body("home", "blog"), jsonld_article=True), "listing"),
    ("other CMS: blog class on an article", Signals(body_classes=body("blog"), jsonld_article=True), "article"),
    ("other CMS: blog class, no data", Signals(body_classes=body("blog")), "listing"),
    ("single post", replace(WP, body_classes=body("single", "single-post")), "article"),
    ("amp single", Signals(body_classes=body("amp-single")), "article"),
    ("single with type-post", replace(WP, body_classes=SINGLE, post_classes=body("type-post")), "article"),
    ("wp page with og article (Yoast)", replace(WP, body_classes=body("page", "page-id-2"), og_type="article"), "page"),
    ("page-id alone", Signals(body_classes=body("page-id-2")), "page"),
    ("page class, other CMS, og article", Signals(body_classes=body("page"), og_type="article"), "article"),
    ("page class, other CMS, nothing else", Signals(body_classes=body("page")), "other"),
    ("custom type + og article", replace(WP, body_classes=SINGLE | body("single-fact_check"), og_type="article"), "article"),
    ("custom type + json-ld", replace(WP, body_classes=SINGLE | body("single-sn-article"), jsonld_article=True), "article"),
    ("custom type named article", replace(WP, body_classes=SINGLE | body("single-article")), "article"),
    ("custom type, article shape", replace(WP, body_classes=SINGLE | body("single-dossier"), article_shape=True), "article"),
    ("custom type, nothing else", replace(WP, body_classes=SINGLE | body("single-dossier")), "other"),
    ("event type + og article", replace(WP, body_classes=SINGLE | body("single-event"), og_type="article"), "other"),
    ("product + json-ld article", replace(WP, body_classes=SINGLE | body("single-product"), jsonld_article=True), "other"),
    ("amp post title", Signals(amp=True, amp_post_title=True), "article"),
    ("amp loop", Signals(amp=True, amp_loop_titles=5), "listing"),
    ("json-ld article", Signals(jsonld_article=True), "article"),
    ("json-ld profile", Signals(jsonld_types=body("ProfilePage")), "author"),
    ("json-ld collection", Signals(jsonld_types=body("CollectionPage")), "listing"),
    ("json-ld search results", Signals(jsonld_types=body("SearchResultsPage"), og_type="article"), "listing"),
    ("og article", Signals(og_type="article"), "article"),
    ("og article on a page of teasers", Signals(og_type="article", article_elements=5), "listing"),
    ("og article with related <article>s", Signals(og_type="article", article_elements=5, article_shape=True), "article"),
    ("og profile", Signals(og_type="profile"), "author"),
    ("og website says nothing", Signals(og_type="website"), "other"),
    ("microdata article", Signals(microdata_article=True), "article"),
    ("many article elements", Signals(article_elements=4, article_shape=True), "listing"),
    ("one article element shaped", Signals(article_elements=1, article_shape=True), "article"),
    ("bare article", Signals(bare_article_shape=True), "article"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "signals", "kind"), EVIDENCE_TABLE, ids=[row[0] for row in EVIDENCE_TABLE]
)
def test_decide_kind_table(label: str, signals: Signals, kind: PageKind) -> None:
    assert decide_kind(signals) == kind


@pytest.mark.parametrize(
    ("body_classes", "post_classes", "expected"),
    [
        ("single single-article postid-4 single-format-standard", "", "article"),
        ("single single-author single-fact_check postid-4", "", "fact_check"),
        ("single postid-4", "post-4 sn-article type-sn-article status-publish", "sn-article"),
        ("single single-post postid-4", "", None),
        ("single postid-4 single-format-video", "", None),
    ],
)
def test_post_type(body_classes: str, post_classes: str, expected: str | None) -> None:
    assert post_type(frozenset(body_classes.split()), frozenset(post_classes.split())) == expected


# --- page shapes ------------------------------------------------------------------------


@pytest.mark.parametrize("label", list(ARTICLE_SHAPES))
def test_article_shapes_are_articles_with_their_text(label: str) -> None:
    result = extract_article(Page.from_html(ARTICLE_SHAPES[label], URL))
    assert (result.kind, result.error) == ("article", None)
    assert result.article is not None
    assert result.article.title == TITLE
    assert result.article.body == BODY_TEXT


@pytest.mark.parametrize("label", list(NON_ARTICLE_SHAPES))
def test_non_article_shapes_stay_out(label: str) -> None:
    page_html, kind = NON_ARTICLE_SHAPES[label]
    result = extract_article(Page.from_html(page_html, URL))
    assert (result.kind, result.article) == (kind, None)


def test_empty_post_container_inside_the_post_still_stops_the_chain() -> None:
    """The post's own empty content container is a verdict: not the sidebar's text."""
    page_html = html(
        WP_HEAD,
        "single single-post postid-5",
        f'<article id="post-5" class="post-5 post type-post"><h1 class="entry-title">{TITLE}'
        '</h1><div class="entry-content"><p> </p></div></article>'
        f'<aside class="widget-area"><div class="textwidget">{PARAS}</div></aside>',
    )
    result = extract_article(Page.from_html(page_html, URL))
    assert (result.kind, result.article, result.error) == ("article", None, "empty body (0 words)")


@pytest.mark.parametrize(
    ("lead", "dropped"),
    [
        ("By Mia Berg, March 4, 2021", True),
        ("Posted by Ann on 2021-03-04", True),
        ("March 4, 2021", True),
        ("4 March 2021 | Mia Berg", False),  # not "By ...": kept (a generic extractor's call)
        ("By March 4, 2021, all schools had closed.", False),
        ("By Mia Berg", False),  # no date: a one-line paragraph of the text
        ("The council met on March 4, 2021 to vote on the bridge plan.", False),
    ],
)
def test_leading_byline_dropped_from_the_body(lead: str, dropped: bool) -> None:
    assert _without_byline([lead, "Text."]) == (["Text."] if dropped else [lead, "Text."])
