"""Page parsing, page kinds, JSON-LD robustness, link rules and field rules on small pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ifpcrawl.extract import Page, extract_article
from ifpcrawl.extract.article import strip_site_suffix
from ifpcrawl.extract.jsonld import parse_scripts
from ifpcrawl.extract.links import is_followable

URL = "https://news.test/a-post/"
PARAGRAPHS = "".join(
    f"<p>Paragraph {n} of a real article body that says enough to count as text for the"
    f" generic rules, with several more words in it so that it is long enough.</p>"
    for n in range(6)
)


def page(html: str, url: str = URL, response_date: datetime | None = None) -> Page:
    return Page.from_html(html, url, response_date)


def wp_post(
    body_class: str = "single single-post postid-9",
    post_class: str = "post-9 post type-post",
    extra: str = "",
) -> str:
    return (
        f'<html><body class="{body_class}"><article id="post-9" class="{post_class}">'
        f'<h1 class="entry-title">A title</h1>{extra}<div class="entry-content">{PARAGRAPHS}</div>'
        "</article></body></html>"
    )


# --- kinds -------------------------------------------------------------------------------

KIND_CASES = [
    ("single post", wp_post(), "article"),
    (
        "custom post type",
        wp_post("single single-event postid-9", "post-9 event type-event"),
        "other",
    ),
    ("page", wp_post("page-template-default page page-id-2", "post-2 page type-page"), "page"),
    ("static front page", wp_post("home page-template-default page page-id-5"), "listing"),
    (
        "attachment",
        wp_post("attachment single single-attachment postid-9 attachmentid-9"),
        "attachment",
    ),
    ("author archive", wp_post("archive author author-jane author-3"), "author"),
    ("category archive", wp_post("archive category category-news category-4"), "listing"),
    ("tag archive", wp_post("archive tag tag-oil tag-12"), "listing"),
    ("blog home", wp_post("home blog"), "listing"),
    ("paged", wp_post("blog paged paged-2"), "listing"),
    ("search", wp_post("search search-results"), "listing"),
    ("404", wp_post("error404"), "error"),
    (
        "protected by body class",
        wp_post("single single-post postid-9 post-password-required"),
        "protected",
    ),
    (
        "protected by form only",
        wp_post(
            extra='<form action="https://news.test/wp-login.php?action=postpass" method="post">'
            "<p>This content is password protected.</p></form>"
        ),
        "protected",
    ),
    ("empty document", "", "error"),
    ("near-empty body", "<html><body><div> </div></body></html>", "error"),
    (
        "db error without wp-die markup",
        "<html><head><title>Database Error</title></head><body><h1>Error establishing a database"
        " connection</h1></body></html>",
        "error",
    ),
    (
        "critical error",
        "<html><body><div class='wp-die-message'><p>There has been a critical error on this"
        " website.</p></div></body></html>",
        "error",
    ),
    (
        "amp article without body classes",
        '<html amp><body><h1 class="amp-post-title">T</h1><div class="cntn-wrp'
        f' artl-cnt">{PARAGRAPHS}</div></body></html>',
        "article",
    ),
    (
        "amp listing",
        "<html ⚡><body>"
        + "<h2 class='loop-title'><a href='/x/amp/'>A recent post title</a></h2>" * 4
        + "</body></html>",
        "listing",
    ),
    (
        "json-ld article only",
        "<html><head><script"
        ' type="application/ld+json">{"@type":"BlogPosting","headline":"T"}</script>'
        f"</head><body><div>{PARAGRAPHS}</div></body></html>",
        "article",
    ),
    (
        "json-ld collection page",
        "<html><head><script"
        ' type="application/ld+json">{"@graph":[{"@type":"CollectionPage"}]}</script>'
        f"</head><body><div>{PARAGRAPHS}</div></body></html>",
        "listing",
    ),
    (
        "json-ld item list of articles is still a listing",
        '<html><head><script type="application/ld+json">{"@type":"ItemList","itemListElement":'
        '[{"@type":"ListItem","item":{"@type":"NewsArticle","headline":"x"}}]}</script>'
        f"</head><body><div>{PARAGRAPHS}</div></body></html>",
        "listing",
    ),
    (
        "og:type article only",
        '<html><head><meta property="og:type"'
        f' content="article"></head><body><div>{PARAGRAPHS}</div></body></html>',
        "article",
    ),
    (
        "plain article shape",
        "<html><body><article><h1>T</h1><time"
        f' datetime="2023-01-01T10:00:00Z">x</time>{PARAGRAPHS}</article></body></html>',
        "article",
    ),
    (
        "article shape without a date",
        f"<html><body><article><h1>T</h1>{PARAGRAPHS}</article></body></html>",
        "other",
    ),
    (
        "many articles",
        "<html><body>"
        + "<article><h2><a href='/p/'>Post</a></h2><p>Teaser text here.</p></article>" * 5
        + "</body></html>",
        "listing",
    ),
]


@pytest.mark.parametrize(("label", "html", "kind"), KIND_CASES, ids=[c[0] for c in KIND_CASES])
def test_page_kind(label: str, html: str, kind: str) -> None:
    assert page(html).kind() == kind


def test_only_articles_are_extracted() -> None:
    result = extract_article(page(wp_post("page-template-default page page-id-2")))
    assert result.article is None and result.kind == "page"
    assert result.error == "not an article: a WordPress page"


# --- parsing -------------------------------------------------------------------------------


def test_xml_declaration_and_meta_charset_do_not_break_parsing() -> None:
    html = (
        '<?xml version="1.0" encoding="iso-8859-1"?><html><head><meta charset="iso-8859-1">'
        "</head><body><p>Tehran’s “news” — café</p></body></html>"
    )
    parsed = page(html)
    assert "Tehran’s “news” — café" in parsed.tree.text_content()


def test_canonical_amphtml_and_base_href() -> None:
    html = (
        '<html><head><base href="https://cdn.news.test/base/"><link rel="canonical"'
        ' href="/a-post/">'
        '<link rel="amphtml" href="amp/"></head><body><p>x</p></body></html>'
    )
    parsed = page(html, "https://news.test/a-post/?utm_source=x")
    assert parsed.canonical_link == "https://cdn.news.test/a-post/"
    assert parsed.amphtml_link == "https://cdn.news.test/base/amp/"
    assert parsed.absolute("../other/#frag") == "https://cdn.news.test/other/#frag"


def test_article_url_falls_back_to_page_url_without_canonical() -> None:
    result = extract_article(page(wp_post(), "https://news.test/a-post/?amp=1"))
    assert result.article is not None
    assert result.article.url == "https://news.test/a-post/?amp=1"
    assert result.article.fetched_url == "https://news.test/a-post/?amp=1"


# --- JSON-LD -------------------------------------------------------------------------------

JSONLD_CASES = [
    ("plain", '{"@type": "NewsArticle", "headline": "H"}', "H"),
    (
        "graph list",
        '{"@graph": [{"@type": "WebPage"}, {"@type": "Article", "headline": "H"}]}',
        "H",
    ),
    ("graph object", '{"@graph": {"@type": "BlogPosting", "headline": "H"}}', "H"),
    (
        "top-level list",
        '[{"@type": "WebSite"}, {"@type": "ReportageNewsArticle", "headline": "H"}]',
        "H",
    ),
    ("type list", '{"@type": ["Article", "NewsArticle"], "headline": "H"}', "H"),
    ("type iri", '{"@type": "http://schema.org/NewsArticle", "headline": "H"}', "H"),
    ("trailing commas", '{"@type": "NewsArticle", "headline": "H",}', "H"),
    ("raw newline in string", '{"@type": "NewsArticle", "headline": "H\nI"}', "H\nI"),
    ("html comment wrapper", '<!-- {"@type": "NewsArticle", "headline": "H"} -->', "H"),
    ("cdata wrapper", '//<![CDATA[\n{"@type": "NewsArticle", "headline": "H"}\n//]]>', "H"),
    ("two objects", '{"@type": "WebSite"}{"@type": "NewsArticle", "headline": "H"}', "H"),
    (
        "main entity",
        '{"@type": "WebPage", "mainEntity": {"@type": "NewsArticle", "headline": "H"}}',
        "H",
    ),
    ("garbage", "{not json at all", None),
    ("truncated", '{"@type": "NewsArticle", "headline": "H", "datePub', None),
    ("empty", "", None),
]


@pytest.mark.parametrize(
    ("label", "text", "headline"), JSONLD_CASES, ids=[c[0] for c in JSONLD_CASES]
)
def test_jsonld_is_parsed_leniently(label: str, text: str, headline: str | None) -> None:
    article = parse_scripts([text]).article()
    assert (article or {}).get("headline") == headline


def test_jsonld_author_reference_resolves_to_person() -> None:
    html = (
        '<html><head><script type="application/ld+json">{"@graph":['
        '{"@type":"NewsArticle","headline":"H","author":{"@id":"https://news.test/#/person/1"}},'
        '{"@type":"Person","@id":"https://news.test/#/person/1","name":"Ana'
        ' Ruiz"}]}</script></head>'
        '<body class="single single-post postid-3"><div'
        f' class="entry-content">{PARAGRAPHS}</div></body></html>'
    )
    result = extract_article(page(html))
    assert result.article is not None
    assert result.article.author == "Ana Ruiz"
    assert result.article.sources["author"] == "jsonld"


# --- titles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Putin meets Raisi - Iran Front Page", "Iran Front Page", "Putin meets Raisi"),
        ("Putin meets Raisi | Iran Front Page", "Iran Front Page", "Putin meets Raisi"),
        ("Putin meets Raisi – iran front page", "Iran Front Page", "Putin meets Raisi"),
        ("Iran Front Page | Putin meets Raisi", "Iran Front Page", "Putin meets Raisi"),
        ("Putin meets Raisi - Tass", "Iran Front Page", "Putin meets Raisi - Tass"),
        ("Q&A - What next?", None, "Q&A - What next?"),
        ("Iran Front Page", "Iran Front Page", "Iran Front Page"),
    ],
)
def test_strip_site_suffix(title: str, site: str | None, expected: str) -> None:
    assert strip_site_suffix(title, site) == expected


def test_truncated_title_gives_way_to_full_title() -> None:
    html = (
        '<html><head><meta property="og:title" content="Iranian MP: 300 SUVs given to lawmakers'
        ' in ‘criminal, fraudulent’ move">'
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"Iranian MP: 300'
        ' SUVs given to..."}</script>'
        '</head><body class="single single-post postid-3"><div'
        f' class="entry-content">{PARAGRAPHS}</div></body></html>'
    )
    result = extract_article(page(html))
    assert result.article is not None
    assert (
        result.article.title
        == "Iranian MP: 300 SUVs given to lawmakers in ‘criminal, fraudulent’ move"
    )
    assert result.article.sources["title"] == "meta"


def test_missing_title_is_an_error() -> None:
    html = (
        '<html><body class="single single-post postid-3">'
        f'<div class="entry-content">{PARAGRAPHS}</div></body></html>'
    )
    result = extract_article(page(html))
    assert result.article is None
    assert result.error == "no title found"
    assert "title" in result.missing


# --- links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("href", "followable"),
    [
        ("https://ifpnews.com/some-post/", True),
        ("/relative/", True),
        ("#respond", False),
        ("", False),
        ("javascript:void(0)", False),
        ("mailto:info@ifpnews.com", False),
        ("tel:+98211234", False),
        ("https://www.facebook.com/sharer.php?u=https://ifpnews.com/x/", False),
        ("https://www.facebook.com/sharer/sharer.php?u=x", False),
        ("https://twitter.com/intent/tweet?url=x", False),
        ("https://x.com/intent/post?url=x", False),
        ("https://api.whatsapp.com/send?text=x", False),
        ("whatsapp://send?text=x", False),
        ("https://telegram.me/share/url?url=x", False),
        ("https://t.me/share/url?url=x", False),
        ("https://www.linkedin.com/shareArticle?mini=true&url=x", False),
        ("https://news.test/post/?share=facebook", False),
        ("https://www.facebook.com/IranFrontPage", True),  # a profile, not a share button
        ("https://t.me/ifpnews", True),
    ],
)
def test_is_followable(href: str, followable: bool) -> None:
    assert is_followable(href) is followable


def test_body_links_are_absolute_and_defragmented() -> None:
    extra_body = (
        '<p>See <a href="/other-post/#comments">the other post</a> and <a href="#top">top</a>,'
        ' <a href="https://www.facebook.com/sharer.php?u=x">share</a> and'
        ' <a href="https://example.org/doc"><img src="i.png" alt="A document"></a>.'
        " More words follow here to keep the paragraph long enough for the body.</p>"
    )
    html = (
        '<html><body class="single single-post postid-9"><article id="post-9" class="post-9 post'
        ' type-post">'
        '<h1 class="entry-title">A title</h1><div'
        f' class="entry-content">{PARAGRAPHS}{extra_body}</div>'
        "</article></body></html>"
    )
    result = extract_article(page(html))
    assert result.article is not None
    links = [(link.url, link.kind, link.anchor_text) for link in result.article.links]
    assert links == [
        ("https://news.test/other-post/", "body", "the other post"),
        ("https://example.org/doc", "body", "A document"),
    ]


# --- dates and response date ------------------------------------------------------------------


def test_relative_amp_date_without_response_date_uses_now() -> None:
    html = (
        '<html amp><body><h1 class="amp-post-title">T</h1><div class="cntn-wrp'
        f' artl-cnt">{PARAGRAPHS}</div>'
        '<div class="post-date"><div class="loop-date">1 min ago</div></div></body></html>'
    )
    before = datetime.now(UTC).replace(microsecond=0)
    result = extract_article(page(html))
    assert result.article is not None and result.article.published_at is not None
    published = datetime.fromisoformat(result.article.published_at)
    assert published.utcoffset() is not None
    assert (before - published).total_seconds() >= 59  # "1 min ago" is at least a minute ago


def test_precise_date_beats_relative_amp_date() -> None:
    html = (
        '<html amp><head><meta property="article:published_time"'
        ' content="2024-01-02T03:04:05+00:00"></head>'
        f'<body><h1 class="amp-post-title">T</h1><div class="cntn-wrp artl-cnt">{PARAGRAPHS}</div>'
        '<div class="post-date"><div class="loop-date">1 year ago</div></div></body></html>'
    )
    result = extract_article(page(html, response_date=datetime(2025, 1, 2, tzinfo=UTC)))
    assert result.article is not None
    assert result.article.published_at == "2024-01-02T03:04:05+00:00"
    assert result.article.sources["published_at"] == "meta"


def test_trafilatura_is_not_run_when_site_markup_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    import ifpcrawl.extract.article as article_module

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("generic extractor called on the fast path")

    monkeypatch.setattr(article_module, "run_trafilatura", fail)
    html = wp_post(
        extra='<div class="byline"><span class="author"><a href="/author/a/">Ann</a></span></div>'
        '<span class="cat-links"><a href="/category/x/" rel="category tag">X</a></span>'
        '<time class="entry-date published" datetime="2024-01-02T03:04:05+00:00">x</time>'
    )
    result = extract_article(page(html))
    assert result.article is not None
    assert result.missing == []


def test_block_theme_more_posts_query_loop_is_recent() -> None:
    more_posts = (
        '<div class="wp-block-query alignwide is-layout-flow"><ul class="wp-block-post-template">'
        '<li class="wp-block-post post-5 post type-post"><h3 class="wp-block-post-title">'
        '<a href="/2024/05/01/older-post/" target="_self">An older post</a></h3>'
        '<div class="wp-block-post-date"><time datetime="2024-05-01T10:00:00+00:00">'
        '<a href="/2024/05/01/older-post/">May 1, 2024</a></time></div>'
        '<div class="taxonomy-category wp-block-post-terms"><a href="/category/x/" rel="tag">X</a>'
        "</div></li></ul></div>"
    )
    html = (
        '<html><body class="single single-post postid-9"><main>'
        f'<h1 class="wp-block-post-title">A title</h1><div class="entry-content">{PARAGRAPHS}</div>'
        f"{more_posts}</main></body></html>"
    )
    result = extract_article(page(html))
    assert result.article is not None
    recent = [(link.url, link.anchor_text) for link in result.article.links]
    assert recent == [("https://news.test/2024/05/01/older-post/", "An older post")]
    assert all(link.kind == "recent" for link in result.article.links)
    assert result.article.section is None  # the loop's terms are another post's


def tagdiv_post(categories: str) -> str:
    return (
        '<html><body class="single single-post postid-9">'
        '<article id="post-9" class="post-9 post type-post">'
        f'<div class="td-post-header"><ul class="td-category">{categories}</ul>'
        '<header class="td-post-title"><h1 class="entry-title">A title</h1></header></div>'
        f'<div class="td-post-content">{PARAGRAPHS}</div></article></body></html>'
    )


@pytest.mark.parametrize(
    ("labels", "section"),
    [
        ([("/category/ifp-exclusive/", "IFP Exclusive")], "IFP Exclusive"),
        ([("/category/news/", "News"), ("/category/news/diplomacy/", "Diplomacy")], "Diplomacy"),
        (
            [("/category/ifp-exclusive/", "IFP Exclusive"), ("/category/news/", "News")],
            "IFP Exclusive",
        ),
        (
            [("/category/news", "News"), ("/category/news/world/middle-east/", "Middle East")],
            "Middle East",
        ),
    ],
)
def test_tagdiv_section_is_first_label_but_not_a_prepended_parent(
    labels: list[tuple[str, str]], section: str
) -> None:
    items = "".join(
        f'<li class="entry-category"><a href="https://ifpnews.com{href}">{name}</a></li>'
        for href, name in labels
    )
    result = extract_article(page(tagdiv_post(items)))
    assert result.article is not None
    assert result.article.section == section
    assert result.article.sources["section"] == "tagdiv"


def test_amp_date_without_time_yields_to_a_timestamp() -> None:
    html = (
        '<html amp><head><script type="application/ld+json">{"@type":"NewsArticle",'
        '"datePublished":"2016-01-25T19:58:00+03:30"}</script></head><body>'
        f'<h1 class="amp-post-title">T</h1><div class="cntn-wrp artl-cnt">{PARAGRAPHS}</div>'
        '<div class="post-date"><div class="loop-date">January 25, 2016</div></div></body></html>'
    )
    result = extract_article(page(html))
    assert result.article is not None
    assert result.article.published_at == "2016-01-25T19:58:00+03:30"
    without_jsonld = html.replace("2016-01-25T19:58:00+03:30", "soon")
    result = extract_article(page(without_jsonld))
    assert result.article is not None
    assert result.article.published_at == "2016-01-25"  # the day: not midnight in a zone
    assert result.article.sources["published_at"] == "amp"
