"""Each crawl decision once, as a plain function: identity, mode, failures, the URL book.

Whole answers are compared (every spelling, in order), so a change of rule shows here
before it shows in a store.
"""

from __future__ import annotations

import pytest
from scrapy.exceptions import IgnoreRequest

from ifpcrawl.crawlstate import UrlBook, resolve_mode
from ifpcrawl.discovery import Found
from ifpcrawl.failures import fetch_failure_action, fetch_failure_reason, transient_failure
from ifpcrawl.identity import (
    Identity,
    PageAddress,
    article_identity,
    redirect_spelling,
    resolve_links,
    spelling_of,
)
from ifpcrawl.items import Link
from ifpcrawl.urls import Site

SITE = Site.from_url("https://ifpnews.com/")
POST = "https://ifpnews.com/some-post/"


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        # a plain fetch: the URL is its own canonical, nothing else met
        (PageAddress(url=POST, request_url=POST, raw_url=POST), Identity(POST, POST, (POST,))),
        # the link's spelling, folded; the AMP copy named by the page
        (
            PageAddress(
                url=POST,
                request_url=POST,
                raw_url="http://ifpnews.com/some-post?utm_source=x",
                amphtml_link="amp/",
            ),
            Identity(
                POST,
                POST,
                ("http://ifpnews.com/some-post?utm_source=x", POST, POST + "amp/"),
            ),
        ),
        # a redirect chain: every hop is a spelling, the answer's URL is the article's
        (
            PageAddress(
                url=POST,
                request_url="https://ifpnews.com/old-slug/",
                raw_url="https://ifpnews.com/old-slug/",
                redirect_urls=("https://ifpnews.com/old-slug/", "https://ifpnews.com/mid-slug/"),
            ),
            Identity(
                POST,
                POST,
                ("https://ifpnews.com/old-slug/", "https://ifpnews.com/mid-slug/", POST),
            ),
        ),
        # rel=canonical to another on-site article wins
        (
            PageAddress(url=POST, request_url=POST, canonical_link="/other-post/"),
            Identity("https://ifpnews.com/other-post/", POST, (POST,)),
        ),
        # rel=canonical off-site or to a listing is refused, with the reason
        (
            PageAddress(url=POST, request_url=POST, canonical_link="https://evil.example/x/"),
            Identity(POST, POST, (POST,), "offsite"),
        ),
        (
            PageAddress(url=POST, request_url=POST, canonical_link="/category/politics/"),
            Identity(POST, POST, (POST,), "not_article"),
        ),
        # an AMP fallback page stands in for the desktop URL it was read for
        (
            PageAddress(
                url=POST + "amp/", request_url=POST + "amp/", raw_url=POST, amp_fallback=True
            ),
            Identity(POST, POST, (POST, POST + "amp/")),
        ),
        # off-site spellings are never kept
        (
            PageAddress(url=POST, request_url=POST, raw_url="https://mirror.example/some-post/"),
            Identity(POST, POST, (POST,)),
        ),
    ],
)
def test_article_identity(page: PageAddress, expected: Identity) -> None:
    assert article_identity(page, SITE) == expected


def test_variants_leave_out_the_canonical_and_add_pending_once() -> None:
    identity = Identity(POST, POST, ("http://ifpnews.com/some-post", POST))
    pending = ["https://ifpnews.com/some-post/amp/", "http://ifpnews.com/some-post"]
    assert identity.variants(pending) == [
        "http://ifpnews.com/some-post",
        "https://ifpnews.com/some-post/amp/",
    ]


def test_resolve_links_canonicalizes_and_drops_the_unparseable() -> None:
    links = [
        Link("http://ifpnews.com/some-post?utm_source=x", "body"),
        Link("https://other.example/Path?q=1", "body"),
        Link("http://[broken", "related"),
    ]
    kept, on_site, dropped = resolve_links(links, SITE)
    assert [(link.url, link.kind) for link in kept] == [
        (POST, "body"),
        ("https://other.example/Path?q=1", "body"),
    ]
    assert on_site == [Found(url=POST, raw_url="http://ifpnews.com/some-post?utm_source=x")]
    assert dropped == 1


@pytest.mark.parametrize(
    ("from_url", "to_url", "expected"),
    [
        ("https://ifpnews.com/old-slug/", POST, Found(url=POST, raw_url="https://ifpnews.com/old-slug/")),
        ("https://ifpnews.com/old/", "https://ifpnews.com/category/x/", None),  # not an article
        ("https://elsewhere.example/a/", POST, None),  # from another origin
    ],
)  # fmt: skip
def test_redirect_spelling(from_url: str, to_url: str, expected: Found | None) -> None:
    assert redirect_spelling(from_url, to_url, SITE) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (POST, None),
        (POST + "#comments", None),
        ("http://ifpnews.com/some-post", "http://ifpnews.com/some-post"),
        ("https://elsewhere.example/some-post/", None),
    ],
)
def test_spelling_of(raw: str, expected: str | None) -> None:
    assert spelling_of(Found(url=POST, raw_url=raw), SITE) == expected


@pytest.mark.parametrize(
    ("mode", "stored", "walked", "expected"),
    [
        ("auto", 0, False, "full"),
        ("auto", 0, True, "full"),
        ("auto", 5, False, "resume"),
        ("auto", 5, True, "incremental"),
        ("full", 5, True, "full"),
        ("incremental", 0, False, "incremental"),
        ("resume", 5, True, "resume"),
    ],
)
def test_resolve_mode(mode: str, stored: int, walked: bool, expected: str) -> None:
    assert resolve_mode(mode, stored, walked) == expected


@pytest.mark.parametrize(
    ("kind", "reason", "seed", "expected"),
    [
        ("article", "http_500", False, "record"),
        ("article", "http_404", False, "record"),
        ("article", "robots", False, "log"),
        ("sitemap", "http_404", True, "not_offered"),
        ("api", "http_401", False, "not_offered"),
        ("feed", "http_410", False, "not_offered"),
        ("listing", "http_503", False, "record"),
        ("listing", "http_503", True, "log"),  # a seed is requested by every run anyway
        ("listing", "http_404", False, "log"),
        ("listing", "http_429", False, "record"),
        ("sitemap", "TimeoutError", False, "record"),
        ("listing", "redirect_loop", False, "log"),
        ("rest_fill", "http_500", False, "log"),
    ],
)
def test_fetch_failure_action(kind: str, reason: str, seed: bool, expected: str) -> None:
    assert fetch_failure_action(kind, reason, seed) == expected


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (IgnoreRequest("Forbidden by robots.txt"), "robots"),
        (IgnoreRequest("max redirections reached"), "redirect_loop"),
        (IgnoreRequest("something"), "ignored"),
        (TimeoutError(), "TimeoutError"),
    ],
)
def test_fetch_failure_reason(exc: BaseException, expected: str) -> None:
    assert fetch_failure_reason(exc) == expected


def test_transient_failure() -> None:
    assert transient_failure("http_503", seed=False)
    assert not transient_failure("http_503", seed=True)
    assert not transient_failure("http_403", seed=False)


def test_url_book_keeps_spellings_of_scheduled_articles_for_their_row() -> None:
    book = UrlBook(SITE)
    other = "https://ifpnews.com/other-post/"
    book.scheduled.add(POST)
    book.note(
        [
            Found(url=POST, raw_url="http://ifpnews.com/some-post"),
            Found(url=other, raw_url="http://ifpnews.com/other-post"),
            Found(url=POST, raw_url="http://ifpnews.com/some-post"),  # met twice: once
        ]
    )
    # the scheduled article's spelling waits for its row; the other goes to the store
    assert book.take_pairs() == [("http://ifpnews.com/other-post", other)]
    assert book.parsed(POST) == ["http://ifpnews.com/some-post"]
    assert book.take_pairs(everything=True) == []
    # once parsed, a new spelling of it goes to the store directly
    book.note([Found(url=POST, raw_url=POST + "amp/")])
    assert book.take_pairs() == [(POST + "amp/", POST)]
