"""The page wins over structured data that contradicts it, and the disagreement is counted.

Also: titles and authors as the page shows them (a headline with a site suffix in
JSON-LD/OpenGraph, a publisher named as author, Twenty Twenty-One's author box).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ifpcrawl.extract import Page, extract_article

URL = "https://news.example/harbour-bridge/"
PARAS = "".join(
    f"<p>Paragraph {n} of the story says what the council decided about the harbour bridge,"
    " with enough words in it to count as the body of a real article.</p>"
    for n in range(4)
)
SHOWN = {
    "title": "Harbour bridge to close to cars",
    "author": "Mia Berg",
    "published_at": "2021-03-04T10:00:00+01:00",
}


def page_html(ld: dict[str, Any] | None, *, og_title: str | None = None, bio: bool = False) -> str:
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld else ""
    og = f'<meta property="og:title" content="{og_title}" />' if og_title else ""
    byline = (
        ""
        if bio
        else '<span class="byline">By <a href="/author/mia/" rel="author">Mia Berg</a></span>'
    )
    author_box = (
        '<div class="author-bio show-avatars"><div class="author-bio-content"><h2'
        ' class="author-title">By Mia Berg</h2><p class="author-description"> Mia covers the'
        ' city.</p><a class="author-link" href="/author/mia/" rel="author">View all of Mia'
        " Berg&#039;s posts.</a></div></div>"
        if bio
        else ""
    )
    return (
        f'<html><head><meta property="og:site_name" content="Example News" />{og}{script}'
        '<meta name="generator" content="WordPress 6.4" /></head>'
        '<body class="post-template-default single single-post postid-5">'
        '<article id="post-5" class="post-5 post type-post"><header class="entry-header">'
        f'<h1 class="entry-title">{SHOWN["title"]}</h1></header>'
        f'<div class="entry-content">{PARAS}</div><footer class="entry-footer"><div'
        ' class="posted-by"><span class="posted-on">Published <time class="entry-date'
        f' published updated" datetime="{SHOWN["published_at"]}">March 4, 2021</time></span>'
        f"{byline}</div></footer>{author_box}</article></body></html>"
    )


def extract(html: str) -> tuple[dict[str, Any], list[str]]:
    result = extract_article(Page.from_html(html, URL))
    assert result.article is not None, result.error
    article = result.article
    fields = {
        "title": article.title,
        "author": article.author,
        "published_at": article.published_at,
    }
    return fields, result.conflicts


AGREEING = {
    "@type": "NewsArticle",
    "headline": SHOWN["title"],
    "author": {"@type": "Person", "name": "Mia Berg"},
    "datePublished": "2021-03-04T09:00:00+00:00",  # the same instant in UTC (Yoast)
}


@pytest.mark.parametrize(
    ("label", "ld", "og_title", "conflicts"),
    [
        ("agreeing data", AGREEING, None, []),
        ("no structured data", None, None, []),
        ("site suffix is no conflict", {**AGREEING, "headline": SHOWN["title"] + " | Example News"}, None, []),
        ("og suffix of an unknown name", None, SHOWN["title"] + " - The Daily", []),
        ("lying headline", {**AGREEING, "headline": "Bridge stays open, council says"}, None, ["title"]),
        ("lying og:title", None, "Bridge stays open, council says", ["title"]),
        ("lying author", {**AGREEING, "author": {"@type": "Person", "name": "John Smith"}}, None, ["author"]),
        ("publisher as author is no conflict", {**AGREEING, "author": {"@type": "Organization", "name": "Example News"}}, None, []),
        ("lying date", {**AGREEING, "datePublished": "2020-01-01T08:00:00+00:00"}, None, ["published_at"]),
        ("a day is no conflict", {**AGREEING, "datePublished": "2021-03-04"}, None, []),
        (
            "everything lies",
            {"@type": "NewsArticle", "headline": "Other", "author": "John Smith", "datePublished": "2019-05-05T05:05:05Z"},
            None,
            ["title", "author", "published_at"],
        ),
    ],
)  # fmt: skip
def test_page_wins_and_conflicts_are_counted(
    label: str, ld: dict[str, Any] | None, og_title: str | None, conflicts: list[str]
) -> None:
    fields, found = extract(page_html(ld, og_title=og_title))
    assert (fields, found) == (SHOWN, conflicts)


def test_twenty_twenty_one_author_box_names_the_author() -> None:
    """An author with a bio gets TT1's author box instead of the byline."""
    fields, conflicts = extract(page_html(None, bio=True))
    assert (fields, conflicts) == (SHOWN, [])


def test_brand_author_yields_to_a_person_named_by_the_page() -> None:
    html = (
        '<html><head><meta property="og:site_name" content="Example News" />'
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"A quiet day",'
        '"author":{"@type":"Organization","name":"Example News"},'
        '"publisher":{"@type":"Organization","name":"Example News"}}</script>'
        '<meta name="author" content="Mia Berg" /></head><body><div class="story">'
        f"<h2>A quiet day</h2>{PARAS}</div></body></html>"
    )
    result = extract_article(Page.from_html(html, URL))
    assert result.article is not None
    assert (result.article.author, result.article.sources["author"]) == ("Mia Berg", "meta")


def test_brand_author_kept_when_nobody_else_is_named() -> None:
    html = (
        '<html><head><meta property="og:site_name" content="Example News" />'
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"A quiet day",'
        '"author":{"@type":"Organization","name":"Example News"}}</script></head><body>'
        f'<div class="story"><h2>A quiet day</h2>{PARAS}</div></body></html>'
    )
    result = extract_article(Page.from_html(html, URL))
    assert result.article is not None
    assert result.article.author == "Example News"


def bare_page(h1: str, document_title: str, ld_headline: str, sidebar: str = "") -> str:
    ld = {"@type": "NewsArticle", "headline": ld_headline}
    return (
        f"<html><head><title>{document_title}</title>"
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head><body><main>'
        f'<h1>{h1}</h1><div class="story"><h2>{ld_headline}</h2>{PARAS}</div></main>'
        f"{sidebar}</body></html>"
    )


@pytest.mark.parametrize(
    ("label", "html", "title", "conflicts"),
    [
        (
            "a section-name h1 is not the headline",
            bare_page("World", "Harbour bridge to close | Example News", "Harbour bridge to close"),
            "Harbour bridge to close",
            [],
        ),
        (
            "an h1 the document title agrees with beats lying data",
            bare_page("Harbour bridge to close", "Harbour bridge to close", "Bridge stays open"),
            "Harbour bridge to close",
            ["title"],
        ),
    ],
)
def test_bare_h1_against_structured_data(
    label: str, html: str, title: str, conflicts: list[str]
) -> None:
    result = extract_article(Page.from_html(html, URL))
    assert result.article is not None
    assert (result.article.title, result.conflicts) == (title, conflicts)


def test_a_sidebar_author_link_does_not_outvote_json_ld() -> None:
    html = (
        '<html><head><script type="application/ld+json">{"@type":"NewsArticle",'
        '"headline":"A quiet day","author":{"@type":"Person","name":"Mia Berg"}}</script>'
        f'</head><body><main><h1>A quiet day</h1><div class="story">{PARAS}</div></main>'
        '<aside><a rel="author" href="/author/tom/">Tom Other</a></aside></body></html>'
    )
    result = extract_article(Page.from_html(html, URL))
    assert result.article is not None
    assert (result.article.author, result.conflicts) == ("Mia Berg", [])
