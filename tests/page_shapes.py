"""Hand-written page shapes as real news sites serve them, with the text they were
written with: article shapes (custom post types, JSON-LD-only, bare pages, an empty
container before the real one) and non-article kinds that must stay out.

Used by tests/test_page_kind.py and scripts/page_shapes_f1.py (which also runs against
older extractors, so this module imports nothing from ifpcrawl).
"""

from __future__ import annotations

PageKind = str


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
    "section front that says og:type article": (
        html(OG_ARTICLE, "section-front", f"<h1>City</h1>{LISTING_ITEMS}"),
        "listing",
    ),
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
