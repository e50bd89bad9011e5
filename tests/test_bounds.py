"""The pure parts of issue 15's bounds: JSON limits, valid Unicode, walk bookkeeping, URL rules,
and the site guard (a real Scrapy crawler object, no network)."""

from __future__ import annotations

import json

import pytest
from scrapy import Request, Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from ifpcrawl import boundedjson, text
from ifpcrawl.boundedjson import JsonRefused, check_bounds, nesting_depth
from ifpcrawl.crawlstate import crawl_state
from ifpcrawl.discovery import RestRefused, archive_kind, parse_rest_posts
from ifpcrawl.extract.jsonld import parse_scripts
from ifpcrawl.items import Article, Link
from ifpcrawl.middlewares import OffsiteRefused, SiteGuardMiddleware
from ifpcrawl.pipelines import NormalizePipeline, repair_unicode
from ifpcrawl.traps import Step, Walks
from ifpcrawl.urls import Site, canonicalize, classify_url, unknown_query_key

SITE = Site.from_url("http://127.0.0.1:8123/")
DEEP = "[" * 200_000 + "]" * 200_000

# --------------------------------------------------------------------------- JSON bounds


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": 2}]}', 3),
        ('{"a": "[[[[{{{{"}', 1),  # brackets inside strings are text
        ('{"a": "\\"[[[["}', 1),  # so are brackets after an escaped quote
        ("[[], [], [[]]]", 3),
        (DEEP, boundedjson.MAX_JSON_DEPTH + 1),  # counting stops past the limit
    ],
)
def test_nesting_depth(text: str, depth: int) -> None:
    assert nesting_depth(text) == depth
    assert nesting_depth(text.encode()) == depth


def test_too_deep_or_too_large_is_refused_before_parsing() -> None:
    with pytest.raises(JsonRefused) as deep:
        boundedjson.loads(DEEP)
    assert deep.value.reason == "too_deep"
    with pytest.raises(JsonRefused) as large:
        check_bounds("[" + "1," * 100 + "1]", max_bytes=100)
    assert large.value.reason == "too_large"
    nested = "[" * 64 + "]" * 64
    assert boundedjson.loads(nested) == json.loads(nested)  # the limit itself is fine


def test_deep_rest_answer_is_refused_not_a_crash() -> None:
    with pytest.raises(RestRefused) as refused:
        parse_rest_posts(DEEP.encode(), SITE.base, SITE)
    assert refused.value.reason == "too_deep"


def test_deep_jsonld_block_is_skipped_and_the_others_kept() -> None:
    good = '{"@type": "NewsArticle", "headline": "Kept"}'
    deep = '{"@type": "NewsArticle", "x": ' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}"
    parsed = parse_scripts([deep, good])
    assert parsed.refused == ["too_deep"]
    assert [node.get("headline") for node in parsed.nodes] == ["Kept"]


# --------------------------------------------------------------------------- valid Unicode


@pytest.mark.parametrize(
    ("json_text", "value", "repaired"),
    [
        ('"a\\ud800b"', "a\ufffdb", 1),
        ('"\\udc00"', "\ufffd", 1),
        ('"\\ud83d\\ude00"', "\U0001f600", 0),  # a pair is a real character
        ('"\\uD800\\uD83D\\uDE00"', "\ufffd\U0001f600", 1),
        ('"plain"', "plain", 0),
    ],
)
def test_json_surrogate_escapes_repaired(json_text: str, value: str, repaired: int) -> None:
    fixed, count = text.repair_json_surrogates(json_text)
    assert (json.loads(fixed), count) == (value, repaired)
    json.loads(fixed).encode("utf-8")


def test_jsonld_with_lone_surrogates_parses_to_valid_text() -> None:
    parsed = parse_scripts(['{"@type": "NewsArticle", "headline": "x\\ud800y"}'])
    assert parsed.nodes[0]["headline"] == "x\ufffdy"
    assert parsed.surrogates_repaired == 1


def test_normalize_text_replaces_lone_surrogates() -> None:
    assert text.normalize_text("a\ud800 b\udfff") == "a\ufffd b\ufffd"
    assert text.has_surrogates("x\udc00") and not text.has_surrogates("x\U0001f600")


def test_every_string_of_an_article_is_made_valid_and_counted() -> None:
    article = Article(
        url="http://127.0.0.1:8123/x/",
        title="T\ud800",
        body="Body \udc00 text",
        author="A\ud800",
        tags=["ok", "t\ud800"],
        url_variants=["http://127.0.0.1:8123/x/?v=\ud800"],
        links=[Link(url="http://127.0.0.1:8123/y/", kind="body", anchor_text="y\ud800")],
        sources={"title": "jsonld\ud800"},
    )
    assert repair_unicode(article) == [
        "title",
        "body",
        "author",
        "tags",
        "url_variants",
        "sources",
        "links",
    ]
    crawler = get_crawler(Spider)
    crawler.stats.open_spider()  # type: ignore[union-attr]
    pipeline = NormalizePipeline(crawler.stats)
    again = Article(url="http://127.0.0.1:8123/z/", title="z\ud800", body="b")
    pipeline.process_item(again)
    assert again.title == "z\ufffd"
    assert crawler.stats.get_value("ifp/text/surrogates_repaired") == 1  # type: ignore[union-attr]
    assert crawler.stats.get_value("ifp/text/surrogates_repaired/title") == 1  # type: ignore[union-attr]


# --------------------------------------------------------------------------- walks


def test_a_claimed_page_count_is_trusted_a_window_at_a_time() -> None:
    walks = Walks(window=4, min_bound=100)
    assert walks.page_read("/c/", 1, ["a", "b"], 5_000_000) == Step(pages=(2, 3, 4, 5))
    assert walks.page_read("/c/", 2, ["c", "d"], 5_000_000) == Step(pages=(6,))
    assert walks.page_read("/c/", 4, ["e"], 5_000_000) == Step(pages=(7, 8))
    # A page with nothing new stops the walk for good; pages in flight add nothing.
    assert walks.page_read("/c/", 3, ["a", "e"], 5_000_000) == Step(stop="no_new_items")
    assert walks.page_read("/c/", 5, ["new"], 5_000_000) == Step()
    assert walks.stopped("/c/")


def test_page_one_may_repeat_another_walk() -> None:
    walks = Walks(window=2, min_bound=100)
    walks.page_read("/", 1, ["a", "b"], 3)
    assert walks.page_read("/section/", 1, ["a", "b"], 3) == Step(pages=(2, 3))
    assert walks.page_read("/section/", 2, ["a"], 3) == Step(stop="no_new_items")


def test_the_page_bound_comes_from_evidence() -> None:
    walks = Walks(window=16, min_bound=5)
    assert walks.page_read("/f/", 1, ["1a", "1b"], 10**6) == Step(pages=(2, 3, 4, 5))
    for n in range(2, 5):
        assert walks.page_read("/f/", n, [f"{n}a", f"{n}b"], 10**6) == Step()
    assert walks.page_read("/f/", 5, ["5a", "5b"], 10**6) == Step(stop="max_pages")
    # 2 x 1,000 articles known elsewhere / 2 a page: the bound is 1,000 pages.
    walks = Walks(window=16, min_bound=5)
    walks.note_evidence(1000)
    walks.page_read("/f/", 1, ["a", "b"], 10**6)
    assert walks.bound(walks.walks["/f/"]) == 1000
    assert walks.page_read("/f/", 990, ["c", "d"], 10**6) == Step(pages=tuple(range(991, 1001)))


def test_one_page_at_a_time_walks_have_the_bound_too() -> None:
    walks = Walks(window=16, min_bound=3)
    assert [walks.at_bound("/i/", n, 10) for n in (1, 2, 3, 4)] == [False, False, True, False]
    assert walks.stopped("/i/")


def test_no_further_page_no_request() -> None:
    walks = Walks(window=16, min_bound=5)
    assert walks.page_read("/l/", 1, ["a"], None) == Step()
    assert walks.page_read("/m/", 1, ["b"], 2) == Step(pages=(2,))


# --------------------------------------------------------------------------- URL rules


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://127.0.0.1:8123/story/?sessionid=abc", "http://127.0.0.1:8123/story/"),
        ("http://127.0.0.1:8123/?PHPSESSID=1&cat=5", "http://127.0.0.1:8123/?cat=5"),
        ("http://127.0.0.1:8123/x/?sid=1&ref=a", "http://127.0.0.1:8123/x/?ref=a"),
        ("http://other.example/x?sid=1", "http://other.example/x?sid=1"),  # not our rules
    ],
)
def test_session_ids_dropped_on_site(url: str, canonical: str) -> None:
    assert canonicalize(url, SITE) == canonical


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://h/x/", None),
        ("http://h/?p=5", None),
        ("http://h/?cat=5&paged=2", None),
        ("http://h/x/?t=123", "http://h/x/"),
        ("http://h/?p=5&t=9", "http://h/?p=5"),
    ],
)
def test_unknown_query_key(url: str, key: str | None) -> None:
    assert unknown_query_key(url) == key


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/events/2024-05-17/", "other"),
        ("/events/month/2024-05/", "other"),
        ("/calendar/2024-05-17/", "other"),
        ("/events/", "article"),  # one page, the extractor decides
        ("/2024/05/17/a-story/", "article"),
    ],
)
def test_calendar_days_are_not_articles(path: str, kind: str) -> None:
    assert classify_url("http://127.0.0.1:8123" + path, SITE) == kind


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://h/?m=202405", "date"),
        ("http://h/?year=2024&monthnum=5", "date"),
        ("http://h/2024/05/", "date"),
        ("http://h/?cat=5", "section"),
        ("http://h/category/news/", "category"),
    ],
)
def test_archive_kinds(url: str, kind: str) -> None:
    assert archive_kind(url) == kind


# --------------------------------------------------------------------------- the site guard


class _SiteSpider(Spider):
    name = "site"


@pytest.mark.parametrize(
    ("url", "meta", "how"),
    [
        ("http://127.0.0.1:8123/ok/", {}, None),
        ("https://127.0.0.1:8123/ok/", {}, None),  # the same origin over TLS: same site
        ("http://127.0.0.1:9999/x/", {"redirect_reasons": [301]}, "redirect"),
        ("http://127.0.0.1:9999/x/", {"redirect_reasons": ["meta refresh"]}, "meta_refresh"),
        ("http://127.0.0.1:1/x/", {"ifp_kind": "article"}, "article"),
        ("http://127.0.0.1/x/", {"ifp_kind": "sitemap"}, "sitemap"),  # port 80 is not 8123
        ("http://localhost:8123/x/", {}, "link"),
    ],
)
def test_site_guard_refuses_other_origins(
    url: str, meta: dict[str, object], how: str | None
) -> None:
    crawler = get_crawler(_SiteSpider)
    crawler.spider = _SiteSpider()
    crawl_state(crawler).site = SITE  # what IfpSpider.from_crawler sets
    crawler.stats.open_spider()  # type: ignore[union-attr]
    guard = build_from_crawler(SiteGuardMiddleware, crawler)
    request = Request(url, meta=meta)
    if how is None:
        assert guard.process_request(request) is None
        assert crawler.stats.get_value("ifp/offsite_blocked") is None  # type: ignore[union-attr]
        return
    with pytest.raises(OffsiteRefused) as refused:
        guard.process_request(request)
    assert refused.value.how == how
    assert crawler.stats.get_value(f"ifp/offsite_blocked/{how}") == 1  # type: ignore[union-attr]


def test_default_port_site_folds_http_and_https() -> None:
    site = Site.from_url("https://www.example.com/")
    crawler = get_crawler(_SiteSpider)
    crawler.spider = _SiteSpider()
    crawl_state(crawler).site = site
    crawler.stats.open_spider()  # type: ignore[union-attr]
    guard = build_from_crawler(SiteGuardMiddleware, crawler)
    guard.process_request(Request("http://example.com/a/"))
    guard.process_request(Request("https://www.example.com:443/a/"))
    with pytest.raises(OffsiteRefused):
        guard.process_request(Request("https://example.com:8443/a/"))
