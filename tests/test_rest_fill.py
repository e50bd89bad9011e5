"""What a page does not show, from WordPress's REST item of the post (ifpcrawl.extract.rest).

Tables for the pure parts, and a crawl of a small real site whose post page shows no
byline, date or terms (Twenty Twenty-One does that for a custom post type) but links its
REST item: the stored article has WordPress's values; without the item it is stored as
the page showed it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ifpcrawl.extract.rest import fill_from_rest, rest_author, rest_terms, wordpress_time
from ifpcrawl.items import Article
from tests.local import run_crawl
from tests.minisite import HTML, LOREM, MiniSite


@pytest.mark.parametrize(
    ("local", "gmt", "expected"),
    [
        ("2024-05-11T11:21:31", "2024-05-11T09:21:31", "2024-05-11T11:21:31+02:00"),
        ("2024-01-11T11:21:31", "2024-01-11T10:21:31", "2024-01-11T11:21:31+01:00"),
        ("2024-01-11T11:21:31", "2024-01-11T07:51:31", "2024-01-11T11:21:31+03:30"),
        ("2024-01-11T01:00:00", "2024-01-11T06:00:00", "2024-01-11T01:00:00-05:00"),
        ("2024-01-11T11:21:31", "2024-01-11T11:21:31", "2024-01-11T11:21:31+00:00"),
        ("2024-01-11T11:21:31", "2024-01-11T11:20:00", None),  # not one instant twice
        ("2024-01-11T11:21:31", "2024-01-10T11:21:31", None),  # a day apart
        ("2024-01-11T11:21:31+01:00", "2024-01-11T10:21:31", None),
        ("0000-00-00T00:00:00", "0000-00-00T00:00:00", None),  # a draft's unset date
        ("1970-01-01T00:00:00", "1970-01-01T00:00:00", None),
        ("soon", "2024-01-11T10:21:31", None),
        (None, "2024-01-11T10:21:31", None),
        (20240111, 20240111, None),
    ],
)
def test_wordpress_time(local: Any, gmt: Any, expected: str | None) -> None:
    assert wordpress_time(local, gmt) == expected


TERMS = [
    [{"taxonomy": "category", "name": "Economy"}],
    [{"taxonomy": "post_tag", "name": "Zürich"}, {"taxonomy": "post_tag", "name": "Oil &amp; gas"}],
]


@pytest.mark.parametrize(
    ("record", "author", "categories", "tags"),
    [
        ({"_embedded": {"author": [{"name": "Zoë Müller"}], "wp:term": TERMS}}, "Zoë Müller", ["Economy"], ["Zürich", "Oil & gas"]),
        ({"_embedded": {"author": [{"code": "rest_user_cannot_view"}]}}, None, [], []),
        ({"_embedded": {"author": "x", "wp:term": "y"}}, None, [], []),
        ({"_embedded": []}, None, [], []),
        ({}, None, [], []),
    ],
)  # fmt: skip
def test_rest_author_and_terms(
    record: dict[str, Any], author: str | None, categories: list[str], tags: list[str]
) -> None:
    assert (
        rest_author(record),
        rest_terms(record, "category"),
        rest_terms(record, "post_tag"),
    ) == (
        author,
        categories,
        tags,
    )


RECORD = {
    "date": "2024-05-11T11:21:31",
    "date_gmt": "2024-05-11T09:21:31",
    "modified": "2024-05-12T08:00:00",
    "modified_gmt": "2024-05-12T06:00:00",
    "_embedded": {"author": [{"name": "John Doe"}], "wp:term": TERMS},
}


def article(**fields: Any) -> Article:
    return Article(url="https://wp.test/a/", title="T", body="B", **fields)


def test_fill_only_what_the_page_left_empty_or_gave_as_slugs() -> None:
    empty = article(
        section="economy", tags=["zurich"], sources={"section": "post_class", "tags": "post_class"}
    )
    assert fill_from_rest(empty, RECORD) == [
        "author", "published_at", "modified_at", "section", "tags",
    ]  # fmt: skip
    assert (empty.author, empty.published_at, empty.modified_at, empty.section, empty.tags) == (
        "John Doe",
        "2024-05-11T11:21:31+02:00",
        "2024-05-12T08:00:00+02:00",
        "Economy",
        ["Zürich", "Oil & gas"],
    )
    assert {empty.sources[name] for name in ("author", "published_at", "section", "tags")} == {
        "rest"
    }
    shown = article(
        author="Ann",
        published_at="2024-05-11T11:21:31+02:00",
        section="Markets",
        tags=["oil"],
        sources={"author": "wordpress", "published_at": "wordpress", "section": "wordpress", "tags": "wordpress"},
    )  # fmt: skip
    assert fill_from_rest(shown, RECORD) == ["modified_at"]
    assert (shown.author, shown.section, shown.tags) == ("Ann", "Markets", ["oil"])
    assert fill_from_rest(article(), "not a record") == []


# --- crawl ---------------------------------------------------------------------------------


def page_without_byline(rest_path: str) -> bytes:
    body = "".join(f"<p>{LOREM} ({n})</p>" for n in range(3))
    return (
        "<!doctype html><html><head><title>A custom post</title>"
        f'<link rel="alternate" type="application/json" href="{rest_path}" />'
        '<meta name="generator" content="WordPress 6.1.1" /></head>'
        '<body class="article-template-default single single-article postid-39">'
        '<article id="post-39" class="post-39 article type-article status-publish hentry'
        ' category-economy tag-zurich entry"><h1 class="entry-title">A custom post</h1>'
        f'<div class="entry-content">{body}</div><footer class="entry-footer"></footer>'
        "</article></body></html>"
    ).encode()


@pytest.mark.e2e
@pytest.mark.parametrize("rest_answers", [True, False], ids=["rest item", "no rest item"])
def test_crawl_fills_from_the_rest_item(tmp_path: Path, rest_answers: bool) -> None:
    rest_path = "/wp-json/wp/v2/article/39"
    pages: dict[str, Any] = {
        "/": (
            200,
            HTML,
            b'<html><body class="home blog"><main><article><h2 class="entry-title">'
            b'<a href="/article/a-custom-post/">a</a></h2></article></main></body></html>',
        ),
        "/article/a-custom-post/": (200, HTML, page_without_byline(rest_path)),
    }
    if rest_answers:
        pages[rest_path + "?_embed=author,wp:term"] = (
            200,
            {"Content-Type": "application/json"},
            json.dumps(RECORD).encode(),
        )
    with MiniSite(pages) as site:
        result = run_crawl(
            site.base_url,
            str(tmp_path / "ifp.db"),
            cwd=tmp_path,
            settings={
                "IFP_SECTION_PATHS": "[]",
                "ROBOTSTXT_OBEY": "False",
                "IFP_MIN_COVERAGE": "{}",
            },
            timeout=300,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    con = sqlite3.connect(tmp_path / "ifp.db")
    rows = con.execute(
        "SELECT title, author, published_at, modified_at, section, tags FROM articles"
    ).fetchall()
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    con.close()
    if rest_answers:
        assert rows == [
            (
                "A custom post",
                "John Doe",
                "2024-05-11T11:21:31+02:00",
                "2024-05-12T08:00:00+02:00",
                "Economy",
                '["Zürich", "Oil & gas"]',
            )
        ]
        assert stats["ifp/rest_fill/published_at"] == 1
    else:
        assert rows == [("A custom post", None, None, None, "economy", '["zurich"]')]
        assert stats["ifp/rest_fill/failed"] == 1
    assert stats["ifp/rest_fill/requested"] == 1
