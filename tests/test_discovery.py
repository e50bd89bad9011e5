"""Discovery from listings, feeds, sitemaps and the REST API: pure functions, real markup shapes."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from parsel import Selector

from ifpcrawl.discovery import (
    DiscoveryError,
    SitemapTooLarge,
    archive_kind,
    listing_links,
    listing_page_url,
    listing_root,
    page_number,
    parse_feed,
    parse_rest_posts,
    parse_sitemap,
    sitemap_body,
)
from ifpcrawl.incremental import refetch_reason
from ifpcrawl.middlewares import backoff_delay, retry_after_seconds
from ifpcrawl.store.base import ArticleState
from ifpcrawl.urls import Site

SITE = Site.from_url("https://ifpnews.com/")

TAGDIV_LISTING = """
<html><body class="archive category category-politics">
<div class="td-header-wrap"><ul class="sf-menu">
  <li><a href="https://ifpnews.com/category/news/politics/">Politics</a></li>
  <li><a href="https://ifpnews.com/tag/Football/">Football</a></li>
</ul></div>
<div class="td-ss-main-content">
 <div class="td_module_wrap td_module_1">
  <div class="td-module-thumb"><a href="https://ifpnews.com/first-story/" rel="bookmark">x</a></div>
  <h3 class="entry-title td-module-title"><a href="https://ifpnews.com/first-story/">First...</a></h3>
 </div>
 <div class="td_module_wrap td_module_1">
  <h3 class="entry-title td-module-title"><a href="http://ifpnews.com/second-story?utm_source=x">Second</a></h3>
 </div>
 <div class="page-nav td-pb-padding-side">
  <span class="current">1</span><a href="https://ifpnews.com/category/news/politics/page/2/" class="page">2</a>
  <span class="extend">...</span><a href="https://ifpnews.com/category/news/politics/page/57/" class="last">57</a>
  <a href="https://ifpnews.com/category/news/politics/page/2/" aria-label="next-page"><i class="td-icon-menu-right"></i></a>
  <span class="pages">Page 1 of 57</span>
 </div>
</div>
<aside class="td-pb-span4"><a href="https://ifpnews.com/popular-story/">Popular</a></aside>
</body></html>
"""

BLOCK_LISTING = """
<html><body class="home blog wp-embed-responsive">
<main><ul class="wp-block-post-template">
 <li class="wp-block-post post-7 post type-post"><h2 class="wp-block-post-title">
   <a href="https://ifpnews.com/2024/05/17/hello-world/">Hello</a></h2></li>
</ul>
<nav class="wp-block-query-pagination">
 <a class="wp-block-query-pagination-next" href="https://ifpnews.com/page/2/">Next Page</a>
</nav></main></body></html>
"""


def test_tagdiv_listing_loop_next_and_last_page() -> None:
    links = listing_links(
        Selector(text=TAGDIV_LISTING), "https://ifpnews.com/category/news/politics/", SITE
    )
    assert [f.url for f in links.loop_articles] == [
        "https://ifpnews.com/first-story/",
        "https://ifpnews.com/second-story/",
    ]
    assert [f.url for f in links.other_articles] == ["https://ifpnews.com/popular-story/"]
    assert links.next_pages == ["https://ifpnews.com/category/news/politics/page/2/"]
    assert links.last_page == 57
    assert "https://ifpnews.com/tag/Football/" in links.archives


def test_block_theme_listing() -> None:
    links = listing_links(Selector(text=BLOCK_LISTING), "https://ifpnews.com/", SITE)
    assert [f.url for f in links.loop_articles] == ["https://ifpnews.com/2024/05/17/hello-world/"]
    assert links.next_pages == ["https://ifpnews.com/page/2/"]


def test_listing_without_any_theme_signal_still_finds_articles() -> None:
    html = '<html><body><a href="/some-story/">s</a><a href="/page/2/">older</a></body></html>'
    links = listing_links(Selector(text=html), "https://ifpnews.com/", SITE)
    assert [f.url for f in links.loop_articles + links.other_articles] == [
        "https://ifpnews.com/some-story/"
    ]
    assert links.next_pages == ["https://ifpnews.com/page/2/"]


@pytest.mark.parametrize(
    ("url", "number", "root"),
    [
        ("https://ifpnews.com/iran-news/page/1663/", 1663, "https://ifpnews.com/iran-news/"),
        ("https://ifpnews.com/tag/Football/page/10", 10, "https://ifpnews.com/tag/Football/"),
        ("https://ifpnews.com/category/views/", 1, "https://ifpnews.com/category/views/"),
        ("https://ifpnews.com/?paged=3", 3, "https://ifpnews.com/?paged=3"),
    ],
)
def test_page_numbers(url: str, number: int, root: str) -> None:
    assert page_number(url) == number
    assert listing_root(url) == root


def test_listing_page_url() -> None:
    assert listing_page_url("https://ifpnews.com/iran-news/", 1) == "https://ifpnews.com/iran-news/"
    assert (
        listing_page_url("https://ifpnews.com/iran-news", 4)
        == "https://ifpnews.com/iran-news/page/4/"
    )


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://ifpnews.com/category/news/politics/", "category"),
        ("https://ifpnews.com/tag/Football/", "tag"),
        ("https://ifpnews.com/author/faskarieh/", "author"),
        ("https://ifpnews.com/2024/05/", "date"),
        ("https://ifpnews.com/iran-news/", "section"),
    ],
)
def test_archive_kind(url: str, kind: str) -> None:
    assert archive_kind(url) == kind


RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>IFP</title>
<item><title>A</title><link>https://ifpnews.com/a-story/</link>
<pubDate>Thu, 15 Sep 2022 10:00:00 +0000</pubDate><guid isPermaLink="false">https://ifpnews.com/?p=1</guid></item>
<item><title>B</title><link>https://ifpnews.com/b-story/amp</link></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><link rel="alternate" href="https://ifpnews.com/c-story/"/><updated>2024-01-02T03:04:05Z</updated></entry>
</feed>"""


def test_rss_and_atom_feeds() -> None:
    rss = parse_feed(RSS, "https://ifpnews.com/feed/", SITE)
    assert [f.url for f in rss] == ["https://ifpnews.com/a-story/", "https://ifpnews.com/b-story/"]
    assert rss[0].lastmod == "Thu, 15 Sep 2022 10:00:00 +0000"
    atom = parse_feed(ATOM, "https://ifpnews.com/feed/atom/", SITE)
    assert [(f.url, f.lastmod) for f in atom] == [
        ("https://ifpnews.com/c-story/", "2024-01-02T03:04:05Z")
    ]


@pytest.mark.parametrize("body", [b"<html><body>Not a feed</body></html>", b"{}", b"", b"<rss"])
def test_feed_that_is_not_xml_is_a_clear_error(body: bytes) -> None:
    with pytest.raises(DiscoveryError):
        parse_feed(body, "https://ifpnews.com/feed/", SITE)


SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://ifpnews.com/wp-sitemap-posts-post-1.xml</loc></sitemap>
<sitemap><loc>https://ifpnews.com/wp-sitemap-taxonomies-category-1.xml</loc></sitemap>
</sitemapindex>"""
URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://ifpnews.com/a-story/</loc><lastmod>2024-01-02T03:04:05+00:00</lastmod></url>
<url><loc>https://ifpnews.com/b-story</loc></url>
</urlset>"""


def test_sitemaps() -> None:
    index = parse_sitemap(SITEMAP_INDEX, "https://ifpnews.com/wp-sitemap.xml", SITE)
    assert index.kind == "sitemapindex" and len(index.entries) == 2
    urlset = parse_sitemap(URLSET, "https://ifpnews.com/wp-sitemap-posts-post-1.xml", SITE)
    assert [(f.url, f.lastmod) for f in urlset.entries] == [
        ("https://ifpnews.com/a-story/", "2024-01-02T03:04:05+00:00"),
        ("https://ifpnews.com/b-story/", None),
    ]


def test_sitemap_that_is_html_is_rejected() -> None:
    with pytest.raises(DiscoveryError):
        parse_sitemap(b"<html><body>oops</body></html>", "https://ifpnews.com/sitemap.xml", SITE)


def test_sitemap_bomb_is_capped() -> None:
    bomb = gzip.compress(b"<" * (50 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    with pytest.raises(SitemapTooLarge):
        sitemap_body(bomb, max_size=1024 * 1024)
    assert sitemap_body(gzip.compress(URLSET), 1024 * 1024) == URLSET
    with pytest.raises(DiscoveryError):
        sitemap_body(b"\x1f\x8b\x08garbage", 1024)


def test_rest_posts_keep_published_posts_only() -> None:
    body = json.dumps(
        [
            {"link": "https://ifpnews.com/a/", "modified_gmt": "2024-01-02T03:04:05"},
            {"link": "https://ifpnews.com/draft/", "status": "draft"},
            {"link": "https://ifpnews.com/about/", "type": "page"},
            {"nolink": True},
            "junk",
        ]
    ).encode()
    found = parse_rest_posts(body, "https://ifpnews.com/wp-json/wp/v2/posts", SITE)
    assert [(f.url, f.lastmod) for f in found] == [
        ("https://ifpnews.com/a/", "2024-01-02T03:04:05+00:00")
    ]
    with pytest.raises(DiscoveryError):
        parse_rest_posts(b'{"code": "rest_no_route"}', "https://ifpnews.com/wp-json/", SITE)
    with pytest.raises(DiscoveryError):
        parse_rest_posts(b"<html>", "https://ifpnews.com/wp-json/", SITE)


NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def _state(modified: str | None, seen: datetime) -> ArticleState:
    return ArticleState(1, "https://ifpnews.com/a/", "h", modified, seen.isoformat(), None, None)


@pytest.mark.parametrize(
    ("state", "lastmod", "mode", "reason"),
    [
        (None, None, "incremental", "new"),
        (_state("2026-01-01T00:00:00+00:00", NOW), None, "incremental", None),
        (_state("2026-01-01T00:00:00+00:00", NOW), None, "full", "full"),
        (
            _state("2026-01-01T00:00:00+00:00", NOW),
            "2026-01-05T00:00:00+00:00",
            "incremental",
            "changed",
        ),
        (_state("2026-01-01T03:30:00+03:30", NOW), "2026-01-01T00:00:00Z", "incremental", None),
        (
            _state("2026-01-01T00:00:00+00:00", NOW - timedelta(days=40)),
            None,
            "incremental",
            "stale",
        ),
        (_state(None, NOW), "Thu, 01 Jan 2026 00:00:00 +0000", "incremental", None),
    ],
)
def test_refetch_reason(
    state: ArticleState | None, lastmod: str | None, mode: str, reason: str | None
) -> None:
    assert refetch_reason(state, lastmod, NOW, 30.0, mode) == reason


def test_retry_after_and_backoff() -> None:
    import random

    assert retry_after_seconds(b"5") == 5.0
    assert retry_after_seconds(b"garbage") is None
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    rng = random.Random(1)
    assert backoff_delay(1, 1.0, 60.0, 30.0, rng) == 30.0
    delays = [backoff_delay(n, 1.0, 60.0, None, rng) for n in range(1, 10)]
    assert all(d <= 60.0 for d in delays) and delays[-1] >= 30.0


# --- unchanged sitemaps (IfpSpider.sitemap_unchanged) --------------------------------------


def test_sitemap_digest_ignores_comments_only() -> None:
    from ifpcrawl.sitemaps import sitemap_digest

    body = b"<urlset><url><loc>https://ifpnews.com/a/</loc></url></urlset>"
    stamped = body.replace(b"<urlset>", b"<urlset><!-- served 2026-11-28 12:00:01\n by cache -->")
    assert sitemap_digest(stamped) == sitemap_digest(body)
    assert sitemap_digest(body.replace(b"/a/", b"/b/")) != sitemap_digest(body)


def test_first_stale_moment_is_the_oldest_fetch_plus_refresh_days() -> None:
    from ifpcrawl.sitemaps import first_stale_moment

    states = {
        "a": _state(None, NOW - timedelta(days=10)),
        "b": _state(None, NOW - timedelta(days=3)),
    }
    due = first_stale_moment(states, ["a", "b"], 30.0, NOW)
    assert due == (NOW + timedelta(days=20)).isoformat()
    # An article not stored yet is fetched now: stale in refresh_days, not never.
    assert first_stale_moment({}, ["new"], 30.0, NOW) == (NOW + timedelta(days=30)).isoformat()
    assert first_stale_moment(states, ["a"], 0.0, NOW) is None
    unreadable = {"a": ArticleState(1, "a", "h", None, "not a date", None, None)}
    assert first_stale_moment(unreadable, ["a"], 30.0, NOW) == NOW.isoformat()


def test_sitemap_record_valid_while_same_bytes_and_nothing_stale() -> None:
    from ifpcrawl.sitemaps import SitemapRecord

    record = SitemapRecord("d1", 2000, (NOW + timedelta(days=5)).isoformat(), 30.0)
    assert SitemapRecord.from_json(record.to_json()) == record
    assert record.still_valid("d1", NOW, 30.0)
    assert not record.still_valid("d2", NOW, 30.0)
    assert not record.still_valid("d1", NOW + timedelta(days=6), 30.0)
    assert not record.still_valid("d1", NOW, 7.0)  # IFP_REFRESH_DAYS changed since
    assert SitemapRecord("d1", 3, None, 0.0).still_valid("d1", NOW + timedelta(days=999), 0.0)
    for broken in (None, "", "{not json", "[]", '{"digest": "d1"}', '{"entries": "x"}'):
        assert SitemapRecord.from_json(broken) is None
