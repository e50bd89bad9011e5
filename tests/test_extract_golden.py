"""Golden pages: saved HTML + the expected extraction (regenerate with scripts/regen_golden.py).

Besides the full comparison, a hand-written table pins the fields that matter most,
so a careless regeneration cannot silently bless a wrong value.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ifpcrawl.extract import Extraction, Page, extract_article

GOLDEN = Path(__file__).parent / "golden"
NAMES = sorted(path.stem for path in GOLDEN.glob("*.html"))

# The 14 body paragraphs of the seed article (shared/seed-article.txt), in order.
SEED_FIRST = "Russia’s President Vladimir Putin says threats posed by the NATO military alliance"
SEED_LAST = (
    "Raisi said ties in the political and trade as well as space and aviation fields"
    " can be further expanded."
)
SEED_PARAGRAPHS = 14
NEVER_IN_IFP_BODY = (
    "IFP Editorial Staff is composed",  # the author bio
    "Published by",
    "Share",
    "Recent Posts",
    "minutes ago",
    "Advertisement",
    "Zelensky",  # a Recent Posts title
    "Samarkand",  # the featured image caption
    "RELATED ARTICLES",
    "Please enter your comment",
)


def load(name: str) -> tuple[dict[str, Any], Extraction]:
    spec = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    response_date = spec["input"]["response_date"]
    page = Page.from_html(
        (GOLDEN / f"{name}.html").read_text(encoding="utf-8"),
        spec["input"]["url"],
        datetime.fromisoformat(response_date) if response_date else None,
    )
    return spec, extract_article(page)


def test_golden_set_is_complete() -> None:
    assert len(NAMES) >= 20
    for name in NAMES:
        assert (GOLDEN / f"{name}.json").exists(), name


@pytest.mark.parametrize("name", NAMES)
def test_golden_page_matches_expected_json(name: str) -> None:
    spec, result = load(name)
    assert result.to_dict() == spec["expected"]


# name -> (kind, title, author, section, published_at) written by hand
KEY_FIELDS: dict[str, tuple[str, str | None, str | None, str | None, str | None]] = {
    "ifp_desktop_tagdiv": (
        "article",
        "Putin in meeting with Raisi: NATO threats beyond Europe",
        "IFP Editorial Staff",
        "IFP Exclusive",
        "2022-09-15T19:42:12+04:30",
    ),
    "ifp_amp_swift": (
        "article",
        "Putin in meeting with Raisi: NATO threats beyond Europe",
        "IFP Editorial Staff",
        "IFP Exclusive",
        "2022-09-15T19:42:12+04:30",
    ),
    "ifp_amp_relative_date": (
        "article",
        "Iran Kicks Off Large-Scale Air Defence Drill",
        "IFP Media Wire",
        "Defense & Security",
        "2025-03-13T15:30:00+03:30",  # "2 days ago" from the HTTP Date 2025-03-15T12:00Z
    ),
    "ifp_stale_subtitle": (
        "article",
        "A Look at Iranian Newspaper Front Pages on April 16",
        "IFP Media Wire",
        "Media Wire",
        "2023-04-16T09:10:00+03:30",
    ),
    "ifp_qtranslate_title": (
        "article",
        "Danish Members of ISIS Still Receiving Welfare Payments",
        "IFP Media Wire",
        "Featured News",
        "2016-10-05T12:30:00+03:30",
    ),
    "wp_tt4_block_post": (
        "article",
        "Solar farms are reshaping the desert economy",
        "Mara Okafor",
        "Energy",
        "2024-05-14T09:15:00+00:00",
    ),
    "wp_tt1_classic_post": (
        "article",
        "Northern oil terminal to close for six weeks",
        "Jane Doe",
        "World",
        "2023-03-02T10:20:30+00:00",
    ),
    "wp_tt20_yoast": (
        "article",
        "City council approves the eastern tram line",
        "Samira Haddad",
        "Local Politics",
        "2022-09-15T10:00:00+00:00",
    ),
    "nowp_jsonld_og_only": (
        "article",
        "Old bridge reopens after two-year repair",
        "Lukas Berger",
        "Local",
        "2024-02-03T07:30:00+01:00",
    ),
    "plain_article_only": (
        "article",
        "Winter keeping on the northern cape",
        None,
        None,
        "2023-01-12T18:45:00+01:00",
    ),
    "bad_malformed": (
        "article",
        "Ferry timetable changes for summer",
        "Tom Reyes",
        "Transport",
        "2023-05-20T08:00:00+00:00",
    ),
    "bad_broken_jsonld": (
        "article",
        "Night trains return to the coast line",
        "Ola Nilsen",
        "rail",
        "2023-06-01T06:00:00+02:00",
    ),
    "bad_lying_jsonld": (
        "article",
        "Night trains return to the coast line",
        "Ola Nilsen, Kari Lund",
        "rail",  # articleSection 42 is no section; the post_class slug is
        "2023-06-01T06:00:00+02:00",  # "Thursday morning" is no date; OpenGraph is
    ),
    "bad_script_style_body": (
        "article",
        "Harbour board approves pilot boat budget",
        "Jane Doe",
        "World",
        "2023-03-02T10:20:30+00:00",
    ),
    "bad_invisible_chars_persian_digits": (
        "article",
        "Port authority names new director",
        "Jane Doe",
        "World",
        "2023-04-07T11:05:00+03:30",
    ),
    "bad_empty_body": ("article", None, None, None, None),
    "wp_tt1_author_bio": (
        "article",
        "Ferry fares frozen for another year",
        "Ingrid Solberg",  # the author box, never "View all of Ingrid Solberg's posts."
        "Transport",
        "2022-11-08T16:05:00+01:00",
    ),
    "wp61_tt1_real_author_bio": (
        "article",  # served by the real WordPress 6.1 of tests/wordpress, Twenty Twenty-One
        "Regional trade pact signed",
        "Maryam Rahimi",  # an author with a bio: the author box, no byline
        "Politics",
        "2023-10-02T11:40:21+02:00",
    ),
    "wp61_tt1_real_custom_type": (
        "article",  # the 'article' custom post type; TT1 shows no byline, date or terms for it
        "Explainer: how subsidies are paid",
        None,  # not the commenter trafilatura finds ("Reader 2")
        "Economy",  # the category-economy slug, labelled by the Categories widget's link
        None,  # not the Archives widget's "March 2023"
    ),
    "wp_tt3_block_post": (
        "article",
        "Night market returns to the old quay",
        "Jonas Weber",
        "City",
        "2023-04-13T09:30:00+02:00",
    ),
    "wp_cpt_fact_check_yoast": (
        "article",  # single-fact_check: a custom post type that says it is an article
        "Fact check: no, the river did not run dry in August",
        "Lena Fischer",
        "Fact checks",
        "2023-09-01T17:40:00+02:00",  # time.entry-date.published, not the time.updated
    ),
    "nowp_empty_container_footer": (
        "article",  # a "page" body class, but not WordPress and og:type article
        "Tram line to the airport approved",
        "Pekka Virtanen",
        None,
        "2024-02-20T18:10:00+01:00",
    ),
    "wp_page": ("page", None, None, None, None),
    "wp_attachment": ("attachment", None, None, None, None),
    "wp_protected": ("protected", None, None, None, None),
    "wp_db_error": ("error", None, None, None, None),
    "ifp_category_listing": ("listing", None, None, None, None),
    "ifp_author_page": ("author", None, None, None, None),
}


def test_key_field_table_covers_every_golden_page() -> None:
    assert set(KEY_FIELDS) == set(NAMES)


@pytest.mark.parametrize("name", sorted(KEY_FIELDS))
def test_key_fields(name: str) -> None:
    kind, title, author, section, published_at = KEY_FIELDS[name]
    _, result = load(name)
    assert result.kind == kind
    if title is None:
        assert result.article is None
        assert result.error
        return
    article = result.article
    assert article is not None, result.error
    assert (article.title, article.author, article.section, article.published_at) == (
        title,
        author,
        section,
        published_at,
    )


@pytest.mark.parametrize("name", ["ifp_desktop_tagdiv", "ifp_amp_swift"])
def test_seed_article_body_is_exactly_the_seed_paragraphs(name: str) -> None:
    _, result = load(name)
    assert result.article is not None
    paragraphs = result.article.body.split("\n\n")
    assert len(paragraphs) == SEED_PARAGRAPHS
    assert paragraphs[0].startswith(SEED_FIRST)
    assert paragraphs[-1] == SEED_LAST
    for text in NEVER_IN_IFP_BODY:
        assert text not in result.article.body, text


def test_desktop_and_amp_give_the_same_article() -> None:
    _, desktop = load("ifp_desktop_tagdiv")
    _, amp = load("ifp_amp_swift")
    assert desktop.article is not None and amp.article is not None
    assert amp.article.url == desktop.article.url  # AMP's canonical is the desktop URL
    assert amp.article.body == desktop.article.body
    assert amp.article.tags == desktop.article.tags == ["NATO", "Putin", "Raisi", "SCO"]
    assert amp.article.wp_post_id == desktop.article.wp_post_id == 1048611
    assert desktop.article.sources["body"] == "tagdiv"
    assert amp.article.sources["body"] == "amp"


def test_amp_link_kinds() -> None:
    _, result = load("ifp_amp_swift")
    assert result.article is not None
    by_kind: dict[str, list[str]] = {}
    for link in result.article.links:
        by_kind.setdefault(link.kind, []).append(link.url)
    assert by_kind["body"] == ["https://ifpnews.com/sco-summit-samarkand-raisi-arrives/amp/"]
    assert len(by_kind["related"]) == 2
    assert len(by_kind["recent"]) == 6  # the six Recent Posts, no category links
    every = [link.url for link in result.article.links]
    assert not any("sharer" in url or "whatsapp" in url or "category" in url for url in every)


def test_no_script_or_hidden_text_in_body() -> None:
    _, result = load("bad_script_style_body")
    assert result.article is not None
    body = result.article.body
    for junk in (
        "trackPageView",
        "console.log",
        "max-width",
        "enable JavaScript",
        "iframes",
        "Hidden keyword",
    ):
        assert junk not in body, junk
    assert "the chairman said. The yard has not been chosen yet." in body


def test_invisible_characters_are_removed_but_persian_zwnj_kept() -> None:
    _, result = load("bad_invisible_chars_persian_digits")
    assert result.article is not None
    text = result.article.title + result.article.body + (result.article.author or "")
    for char in "\u200b\u200d\u200e\u200f\u202b\u202c\u2060\u2066\u2069\ufeff\u00a0":
        assert char not in text, hex(ord(char))
    assert "می\u200cخواهم" in result.article.body  # ZWNJ between Persian letters
    assert "director for her work" in result.article.body  # stray ZWNJ dropped
    assert "  " not in result.article.body


def test_stale_subtitle_is_neither_title_nor_summary() -> None:
    _, result = load("ifp_stale_subtitle")
    assert result.article is not None
    assert "November 18" not in result.article.title
    assert "November 18" not in (result.article.summary or "")


def test_empty_body_is_an_error_not_a_sidebar() -> None:
    _, result = load("bad_empty_body")
    assert result.article is None
    assert result.error is not None and result.error.startswith("empty body")
    assert "body" in result.missing
