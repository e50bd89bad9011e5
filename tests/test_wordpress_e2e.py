"""A real WordPress (Debian's 6.1, tests/wordpress/) crawled under three themes x two
permalink structures, every field compared with what WordPress itself says.

One WordPress per module, seeded through its own PHP API (tests/wordpress/wpctl.php); each
case switches theme and permalinks, reads the truth back (get_permalink, get_the_title, the
rendered content, authors, terms, dates with the site's offset), runs a real ``scrapy crawl
ifp -a site=URL`` into a fresh store and compares. A seventh crawl turns the site's sitemaps
and REST API off, so that the theme's listings and the feed alone must find every post. The
table of figures is printed at the end of the module (``make wordpress-report`` prints it on
its own). The module takes ~80-100 s on the shared 2-core machine (7 crawls of ~35 posts).

Without WordPress installed (tests/wordpress/setup_wp.sh) these tests skip, except on CI
(IFP_REQUIRE_SERVICES=1), where they fail.

KNOWN_FAILURES marks, per check and theme, what fails today because of extraction bugs being
fixed elsewhere (issue 13 points 2-4). Remove an entry once its fix is merged: the marks are
not strict, so a fixed check shows as XPASS until then.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wordpress.compare import CASES, LISTINGS_CASE, THEMES, Case, failures, table
from tests.wordpress.harness import WordPress, missing
from tests.wordpress.report import CaseCrawl, crawl_case

pytestmark = [pytest.mark.e2e, pytest.mark.wordpress]

GATE = "page-kind gate rejects the custom post type (body class single-article), issue 13 point 2"
AUTHOR_BOX = (
    "Twenty Twenty-One prints an author box ('View all of NAME's posts.') instead of the"
    " byline for authors with a biography, stored as the author, issue 13 point 4"
)
# Seen only once the gate stores custom post types (merged with the extract branch at
# 47c4fd5): Twenty Twenty-One prints an empty entry footer for any type but 'post' (no
# byline, no date, no terms), and the crawler then takes sidebar text instead of leaving the
# field empty or asking the REST API.
CPT_TT1 = (
    "Twenty Twenty-One prints no byline, date or terms for a custom post type; the crawler"
    " took the Latest Comments widget ('Reader 2'), the Archives widget ('June 2023') and the"
    " post-class slugs ('economy', 'zurich') instead, issue 13 points 2 and 4"
)
# (check, theme) -> reason; a theme of None stands for every theme.
KNOWN_FAILURES: dict[tuple[str, str | None], str] = {
    ("custom_post_type_stored", None): GATE,
    ("author", "twentytwentyone"): AUTHOR_BOX,
    ("custom_post_type_author", "twentytwentyone"): CPT_TT1,
    ("custom_post_type_published_at", "twentytwentyone"): CPT_TT1,
    ("custom_post_type_section", "twentytwentyone"): CPT_TT1,
    ("custom_post_type_tags", "twentytwentyone"): CPT_TT1,
}
COMPARED_FIELDS = ("title", "author", "published_at", "section", "tags")


def known_failure(request: pytest.FixtureRequest, check: str, case: Case) -> None:
    reason = KNOWN_FAILURES.get((check, case.theme)) or KNOWN_FAILURES.get((check, None))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=False, reason=reason))


@pytest.fixture(scope="module")
def wordpress(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[WordPress, list[CaseCrawl]]]:
    reason = missing()
    if reason:
        if os.environ.get("IFP_REQUIRE_SERVICES"):
            pytest.fail(f"{reason} (IFP_REQUIRE_SERVICES is set: CI must run these tests)")
        pytest.skip(reason)
    crawls: list[CaseCrawl] = []
    with WordPress(tmp_path_factory.mktemp("wordpress")) as wp:
        yield wp, crawls
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not crawls:
        return
    # The figures are the point of these tests: shown in the run's output, not captured.
    lines = ["", "real WordPress: theme x permalinks -> figures"]
    lines += table([crawled.comparison for crawled in crawls]).splitlines()
    lines += [line for crawled in crawls for line in failures(crawled.comparison)]
    with capture.global_and_fixture_disabled():
        for line in lines:
            reporter.write_line(line)


@pytest.fixture(scope="module", params=CASES, ids=[case.name for case in CASES])
def crawled(
    request: pytest.FixtureRequest,
    wordpress: tuple[WordPress, list[CaseCrawl]],
    tmp_path_factory: pytest.TempPathFactory,
) -> CaseCrawl:
    wp, crawls = wordpress
    case: Case = request.param
    result = crawl_case(wp, case, Path(tmp_path_factory.mktemp(case.name)))
    crawls.append(result)
    return result


def test_the_seed_has_what_news_sites_have(wordpress: tuple[WordPress, list[CaseCrawl]]) -> None:
    """The truth is read back from WordPress: check that it holds every kind of post the
    comparison is meant to cover, so a seeding mistake cannot make the e2e checks vacuous."""
    wp, _ = wordpress
    truth = wp.truth()
    assert truth["timezone_string"] == "Europe/Berlin"
    posts = truth["posts"]
    published = [p for p in posts if p["status"] == "publish" and not p["protected"]]
    kinds = {(p["type"], p["status"], p["protected"]) for p in posts}
    assert {
        ("post", "publish", False),
        ("article", "publish", False),
        ("page", "publish", False),
        ("post", "draft", False),
        ("post", "pending", False),
        ("post", "private", False),
        ("post", "future", False),
        ("post", "publish", True),
        ("attachment", "inherit", False),
    } <= kinds
    articles = [p for p in published if p["type"] in ("post", "article")]
    assert 30 <= len(articles) <= 40
    assert {p["author_has_bio"] for p in articles} == {True, False}
    assert {p["blocks"] for p in articles} == {True, False}
    assert any(p["sticky"] for p in articles) and any(p["comments"] for p in articles)
    assert any("%" in p["url"] for p in articles)
    assert any(p["modified_at"] != p["published_at"] for p in articles)
    assert any(p["image_url"] for p in articles) and not all(p["image_url"] for p in articles)
    # Both offsets of the site's zone (winter and summer time).
    assert {p["published_at"][-6:] for p in articles} == {"+01:00", "+02:00"}
    html = " ".join(p["content_html"] for p in articles)
    for marker in (
        "<h2",
        "<ul",
        "<ol",
        "<blockquote",
        "<figcaption",
        "<iframe",
        "<table",
        "&#8220;",
    ):
        assert marker in html, marker


def test_crawl_finishes_cleanly(crawled: CaseCrawl) -> None:
    assert crawled.result.returncode == 0, crawled.result.stderr[-3000:]
    assert crawled.stats.get("finish_reason") == "finished"
    assert crawled.stats.get("log_count/ERROR", 0) == 0, crawled.result.stderr[-3000:]


def test_every_published_post_stored_once(crawled: CaseCrawl) -> None:
    comparison = crawled.comparison
    assert comparison.missing("post") == []
    assert comparison.repeated() == []


def test_custom_post_type_stored(request: pytest.FixtureRequest, crawled: CaseCrawl) -> None:
    known_failure(request, "custom_post_type_stored", crawled.comparison.case)
    assert crawled.comparison.missing("article") == []


def test_pages_drafts_private_scheduled_protected_never_stored(crawled: CaseCrawl) -> None:
    """Nothing but the published articles: no page, draft, pending, private, scheduled or
    protected post, attachment page, archive or author page."""
    assert crawled.comparison.leaked() == []


@pytest.mark.parametrize("name", COMPARED_FIELDS)
def test_field_equals_wordpress(
    request: pytest.FixtureRequest, crawled: CaseCrawl, name: str
) -> None:
    """Every stored post: the field equals WordPress's own value (dates to the second, with
    the site's offset; section = the post's category; tags in WordPress's order)."""
    known_failure(request, name, crawled.comparison.case)
    assert crawled.comparison.mismatched(name, "post") == []


@pytest.mark.parametrize("name", COMPARED_FIELDS)
def test_custom_post_type_field_equals_wordpress(
    request: pytest.FixtureRequest, crawled: CaseCrawl, name: str
) -> None:
    """The same on every stored post of the custom post type 'article' (whether they are
    stored at all is test_custom_post_type_stored)."""
    comparison = crawled.comparison
    if not comparison.of_type("article") & set(comparison.stored):
        pytest.skip("no post of the custom post type stored: nothing to compare")
    known_failure(request, f"custom_post_type_{name}", comparison.case)
    assert comparison.mismatched(name, "article") == []


def test_body_token_f1(crawled: CaseCrawl) -> None:
    comparison = crawled.comparison
    assert comparison.f1, "no post stored to compare"
    assert comparison.low_f1() == []


def test_every_body_link_to_a_post_recorded(crawled: CaseCrawl) -> None:
    """Each in-body link from a stored post to a published post: a row with kind 'body' and
    the anchor text WordPress renders."""
    comparison = crawled.comparison
    assert {src for src, _, _ in comparison.links_expected} & set(comparison.stored)
    assert comparison.links_missing() == []


def test_themes_covered() -> None:
    assert {case.theme for case in CASES} == set(THEMES) and len(CASES) == 6


@pytest.fixture(scope="module")
def crawled_listings_only(
    wordpress: tuple[WordPress, list[CaseCrawl]], tmp_path_factory: pytest.TempPathFactory
) -> CaseCrawl:
    wp, crawls = wordpress
    result = crawl_case(wp, LISTINGS_CASE, Path(tmp_path_factory.mktemp(LISTINGS_CASE.name)))
    crawls.append(result)
    return result


def test_listings_and_feeds_alone_find_every_post(crawled_listings_only: CaseCrawl) -> None:
    """Sitemaps and REST API turned off: the theme's own listings (block-theme pagination)
    and the feed still lead to every published post, and to nothing else."""
    crawled = crawled_listings_only
    assert crawled.result.returncode == 0, crawled.result.stderr[-3000:]
    assert crawled.stats.get("ifp/pages/sitemap", 0) == 0
    assert crawled.stats.get("ifp/pages/api", 0) == 0
    assert crawled.stats["ifp/pages/listing"] > 1
    assert crawled.comparison.missing("post") == []
    assert crawled.comparison.repeated() == []
    assert crawled.comparison.leaked() == []
