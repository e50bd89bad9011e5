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
from ifpcrawl.extract.kind import PageKind, Signals, decide_kind, post_type

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

TEXT = [
    "The city council voted on Tuesday to close the old harbour bridge to cars from the"
    " first of May, ending a debate that has run for more than ten years.",
    "Engineers told the council that the bridge, built in 1931, can no longer carry heavy"
    " traffic safely, and that repairs would cost more than a new crossing.",
    "Shop owners on the north bank said they feared losing customers, while cycling groups"
    " welcomed the decision and asked for a wider path on the bridge deck.",
    "The mayor said buses would keep a dedicated lane for two more years while the new"
    " crossing is built, and that the council would review the plan in the autumn.",
    "Work on the new crossing is due to start next spring and to last about three years,"
    " according to the transport department, which will publish the tender next month.",
    "Residents can comment on the plan at two public meetings in the town hall this month,"
    " or in writing until the end of April, the council said in a statement.",
]
BODY_TEXT = "\n\n".join(TEXT)
PARAS = "".join(f"<p>{p}</p>" for p in TEXT)
TITLE = "Harbour bridge to close to cars in May"
URL = "https://news.example/2021/03/04/harbour-bridge/"
WP_HEAD = (
    '<meta name="generator" content="WordPress 6.4.2" />'
    '<link rel="https://api.w.org/" href="https://news.example/wp-json/" />'
)
NEWS_LD = (
    '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
    f'"headline":"{TITLE}","datePublished":"2021-03-04T10:00:00+01:00",'
    '"author":{"@type":"Person","name":"Mia Berg"}}</script>'
)
OG_ARTICLE = '<meta property="og:type" content="article" />'


def html(head: str, body_class: str, content: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{TITLE} – The Example News</title>{head}</head>"
        f'<body class="{body_class}">{content}</body></html>'
    )


def wp_single(post_type_name: str, *, head: str) -> str:
    """A classic theme's singular view of a custom post type."""
    return html(
        WP_HEAD + head,
        f"{post_type_name}-template-default single single-{post_type_name} postid-41"
        " single-format-standard",
        f'<main id="main"><article id="post-41" class="post-41 {post_type_name}'
        f' type-{post_type_name} status-publish hentry"><header class="entry-header">'
        f'<h1 class="entry-title">{TITLE}</h1></header><div class="entry-content">{PARAS}'
        '</div><footer class="entry-footer"><span class="posted-on"><time class="entry-date'
        ' published" datetime="2021-03-04T10:00:00+01:00">March 4, 2021</time></span>'
        '<span class="byline"><span class="author vcard"><a href="/author/mia/">Mia Berg</a>'
        "</span></span></footer></article></main>",
    )


SIDEBAR = (
    '<aside class="widget-area"><section class="widget"><h2>Most read</h2><ul>'
    + "".join(f'<li><a href="/story-{n}/">Another story number {n}</a></li>' for n in range(8))
    + "</ul></section></aside>"
)

ARTICLE_SHAPES: dict[str, str] = {
    "custom type single-article with og:type article": wp_single("article", head=OG_ARTICLE),
    "custom type single-fact_check with NewsArticle": wp_single("fact_check", head=NEWS_LD),
    "custom type single-sn-article with both": wp_single("sn-article", head=OG_ARTICLE + NEWS_LD),
    "json-ld only article": html(
        NEWS_LD,
        "",
        f'<div class="wrap"><div class="headline">{TITLE}</div><div class="story">{PARAS}'
        f"</div></div>{SIDEBAR}",
    ),
    "page class on a non-WordPress site with og:type article": html(
        OG_ARTICLE + '<meta property="article:published_time" content="2021-03-04T10:00:00Z">',
        "page layout-wide",
        f'<div id="content"><h1>{TITLE}</h1><div class="story-body">{PARAS}</div></div>',
    ),
    "bare page with no markers": html(
        "",
        "",
        f'<div id="top"><a href="/">The Example News</a></div><div class="c"><h1>{TITLE}</h1>'
        f'<p class="by">By Mia Berg, March 4, 2021</p><div class="txt">{PARAS}</div></div>'
        f"{SIDEBAR}",
    ),
    "empty container before the real one": html(
        NEWS_LD,
        "",
        f'<div class="main"><h1>{TITLE}</h1><div class="article-body">{PARAS}</div></div>'
        f'{SIDEBAR}<div class="post-content"><p> </p></div><footer>© The Example News</footer>',
    ),
}


@pytest.mark.parametrize("label", list(ARTICLE_SHAPES))
def test_article_shapes_are_articles_with_their_text(label: str) -> None:
    result = extract_article(Page.from_html(ARTICLE_SHAPES[label], URL))
    assert (result.kind, result.error) == ("article", None)
    assert result.article is not None
    assert result.article.title == TITLE
    assert result.article.body == BODY_TEXT


LISTING_ITEMS = "".join(
    f'<article id="post-{n}" class="post-{n} post type-post"><h2 class="entry-title"><a'
    f' href="/p{n}/">Story {n}</a></h2><p>{TEXT[n % 6]}</p></article>'
    for n in range(6)
)

NON_ARTICLE_SHAPES: dict[str, tuple[str, PageKind]] = {
    "category archive with og:type article": (
        html(WP_HEAD + OG_ARTICLE, "archive category category-city", LISTING_ITEMS),
        "listing",
    ),
    "date archive": (html(WP_HEAD, "archive date", LISTING_ITEMS), "listing"),
    "search results": (html(WP_HEAD, "search search-results", LISTING_ITEMS), "listing"),
    "listing with no markers": (html("", "", f"<h1>Latest</h1>{LISTING_ITEMS}"), "listing"),
    "WordPress Page that Yoast calls an article": (
        html(
            WP_HEAD + OG_ARTICLE,
            "page-template-default page page-id-2",
            f'<article id="post-2" class="post-2 page type-page"><h1 class="entry-title">About'
            f' us</h1><div class="entry-content">{PARAS}</div></article>',
        ),
        "page",
    ),
    "attachment": (
        html(
            WP_HEAD + OG_ARTICLE,
            "attachment single single-attachment postid-9 attachmentid-9",
            f'<h1 class="entry-title">bridge.jpg</h1><p>{TEXT[0]}</p>',
        ),
        "attachment",
    ),
    "author page": (
        html(WP_HEAD, "archive author author-mia author-3", LISTING_ITEMS),
        "author",
    ),
    "password-protected custom type": (
        html(
            WP_HEAD + OG_ARTICLE,
            "single single-article postid-41 post-password-required",
            f'<h1 class="entry-title">{TITLE}</h1><form action="/wp-login.php?action=postpass"'
            ' class="post-password-form" method="post"><p>This content is password protected.'
            "</p></form>",
        ),
        "protected",
    ),
    "404 page": (
        html(WP_HEAD, "error404", f"<h1>Page not found</h1><p>{TEXT[0]}</p>"),
        "error",
    ),
    "product custom type with og:type article": (
        wp_single("product", head=OG_ARTICLE),
        "other",
    ),
    "bare page without a date": (
        html("", "", f'<div class="c"><h1>{TITLE}</h1><div class="txt">{PARAS}</div></div>'),
        "other",
    ),
    "bare link list": (
        html(
            "",
            "",
            "<h1>Links, March 4, 2021</h1><div>"
            + "".join(f'<p><a href="/x{n}/">{TEXT[n % 6]}</a></p>' for n in range(6))
            + "</div>",
        ),
        "other",
    ),
}


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
