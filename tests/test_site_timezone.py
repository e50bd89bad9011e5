"""Crawl level: times without an offset in the site's own zone, and conflicts counted.

A small real site on 127.0.0.1 whose pages print times without an offset; the zone comes
from its REST root (``/wp-json/``), from ``IFP_TIMEZONE``, or is UTC when neither says.
One article's JSON-LD contradicts its page: the page's values are stored and the
disagreement is counted as ``ifp/conflict/<field>``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.local import run_crawl
from tests.minisite import HTML, LOREM, MiniSite

pytestmark = pytest.mark.e2e

ROOT_QUERY = "/wp-json/?_fields=timezone_string,gmt_offset"
JSON = {"Content-Type": "application/json; charset=UTF-8"}


def article(title: str, published: str, ld: dict[str, Any] | None = None) -> bytes:
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld else ""
    body = "".join(f"<p>{title}: {LOREM} ({n})</p>" for n in range(3))
    return (
        f"<!doctype html><html><head><title>{title}</title>{script}</head>"
        '<body class="post-template-default single single-post postid-7">'
        '<article id="post-7" class="post-7 post type-post status-publish category-news">'
        f'<h1 class="entry-title">{title}</h1><span class="posted-on"><time class="entry-date'
        f' published" datetime="{published}">March 4, 2021</time></span>'
        '<span class="byline"><a rel="author" href="/author/ed/">Ed Itor</a></span>'
        '<span class="cat-links"><a rel="category tag" href="/category/news/">News</a></span>'
        f'<div class="entry-content">{body}</div></article></body></html>'
    ).encode()


PAGES = {
    "/": (
        200,
        HTML,
        b'<html><body class="home blog"><main>'
        b'<article><h2 class="entry-title"><a href="/naive-time/">a</a></h2></article>'
        b'<article><h2 class="entry-title"><a href="/lying-data/">b</a></h2></article>'
        b"</main></body></html>",
    ),
    "/naive-time/": (200, HTML, article("Naive time", "2021-03-04T10:00:00")),
    "/lying-data/": (
        200,
        HTML,
        article(
            "What the page shows",
            "2021-03-04T12:00:00+01:00",
            {
                "@type": "NewsArticle",
                "headline": "What the data claims",
                "author": {"@type": "Person", "name": "Someone Else"},
                "datePublished": "2020-01-01T00:00:00Z",
            },
        ),
    ),
}


def crawl(tmp_path: Path, pages: dict[str, Any], **settings: str) -> tuple[Any, dict[str, Any]]:
    with MiniSite(pages) as site:
        result = run_crawl(
            site.base_url,
            str(tmp_path / "ifp.db"),
            cwd=tmp_path,
            settings={"IFP_SECTION_PATHS": "[]", "ROBOTSTXT_OBEY": "False", **settings},
            timeout=300,
        )
    if result.returncode != 0:
        return result, {}
    con = sqlite3.connect(tmp_path / "ifp.db")
    rows = {
        url.removeprefix(site.base_url): (title, author, published)
        for url, title, author, published in con.execute(
            "SELECT url, title, author, published_at FROM articles"
        )
    }
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    con.close()
    return result, {"rows": rows, "stats": stats}


SHOWN = ("What the page shows", "Ed Itor", "2021-03-04T12:00:00+01:00")


@pytest.mark.parametrize(
    ("label", "root", "settings", "naive_as"),
    [
        ("zone name from the REST root", {"timezone_string": "America/New_York"}, {}, "-05:00"),
        ("offset from the REST root", {"timezone_string": "", "gmt_offset": 5.5}, {}, "+05:30"),
        ("setting beats the site", {"timezone_string": "Asia/Tokyo"}, {"IFP_TIMEZONE": "+02:00"}, "+02:00"),
        ("nothing said: UTC, not Tehran", None, {}, "+00:00"),
    ],
)  # fmt: skip
def test_times_without_offset_in_the_sites_zone(
    tmp_path: Path,
    label: str,
    root: dict[str, Any] | None,
    settings: dict[str, str],
    naive_as: str,
) -> None:
    pages = dict(PAGES)
    if root is not None:
        pages[ROOT_QUERY] = (200, JSON, json.dumps(root).encode())
    result, found = crawl(tmp_path, pages, **settings)
    assert result.returncode == 0, result.stderr[-3000:]
    assert found["rows"] == {
        "naive-time/": ("Naive time", "Ed Itor", "2021-03-04T10:00:00" + naive_as),
        "lying-data/": SHOWN,
    }
    stats = found["stats"]
    conflicts = {k: v for k, v in stats.items() if k.startswith("ifp/conflict/")}
    assert conflicts == {
        "ifp/conflict/title": 1,
        "ifp/conflict/author": 1,
        "ifp/conflict/published_at": 1,
    }


def test_unknown_timezone_setting_is_a_one_line_start_error(tmp_path: Path) -> None:
    result, _ = crawl(tmp_path, PAGES, IFP_TIMEZONE="Mars/Olympus_Mons")
    assert result.returncode == 1, result.stderr[-3000:]
    assert "IFP_TIMEZONE must be a time zone name" in result.stderr
    assert "Traceback" not in result.stderr
