"""Text normalization: tables of input -> output."""

from __future__ import annotations

import hashlib

import pytest

from ifpcrawl.text import (
    clean_title,
    content_hash,
    normalize_body,
    normalize_paragraphs,
    normalize_text,
    word_count,
)

ZWNJ = "\u200c"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("  plain  text  ", "plain text"),
        ("Iran&#8217;s &amp; Russia&rsquo;s", "Iran’s & Russia’s"),
        ("&amp;amp;", "&amp;"),  # unescaped once, not twice
        ("non\u00a0breaking\u202fspaces\u2009here", "non breaking spaces here"),
        ("tabs\tand\r\nwindows\rlines", "tabs and\nwindows\nlines"),
        ("zero\u200bwidth\u200d joiner\ufeff", "zerowidth joiner"),
        ("\u200eleft\u200f right\u202a emb\u202c \u2066iso\u2069", "left right emb iso"),
        ("word\u2060joiner soft\u00adhyphen", "wordjoiner softhyphen"),
        ("bell\x07 and\x00 null\x1b esc\x85 c1", "bell and null esc c1"),
        ("line one  \n   line two\n\n\nthree", "line one\nline two\nthree"),
        ("cafe\u0301", "café"),  # NFC
        # ZWNJ kept inside Persian words, dropped elsewhere
        (f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),
        (f"English{ZWNJ} text", "English text"),
        (f"{ZWNJ}می", "می"),
        (f"می{ZWNJ} خواهم", "می خواهم"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_text_is_idempotent() -> None:
    raw = "  Iran&#8217;s\u00a0 news\u200b \n\n  today  "
    once = normalize_text(raw)
    assert normalize_text(once) == once


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        ([], ""),
        (["One.", "Two."], "One.\n\nTwo."),
        (["  One. ", "", "\u200b", "Two."], "One.\n\nTwo."),
        (["Line\n\n\nbreak", "Next"], "Line\nbreak\n\nNext"),
    ],
)
def test_normalize_paragraphs(paragraphs: list[str], expected: str) -> None:
    assert normalize_paragraphs(paragraphs) == expected


def test_normalize_body_round_trips() -> None:
    body = "First paragraph.\n\nSecond\nwith a break.\n\nThird."
    assert normalize_body(body) == body
    assert normalize_body("First.\n \n\n\nSecond.  ") == "First.\n\nSecond."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Danish Members of ISIS Still Receiving Welfare Payments[:fa]Danish Members of ISIS",
            "Danish Members of ISIS Still Receiving Welfare Payments",
        ),
        ("Parlamento[:es]Parlamentario iraní[:]", "Parlamento"),
        ("[:en]English title[:fa]عنوان فارسی[:]", "English title"),
        ("[:fa]عنوان فارسی[:en]English title[:]", "English title"),
        ("{:en}Curly form{:}{:fa}فارسی{:}", "Curly form"),
        ("<!--:en-->Comment form<!--:--><!--:fa-->فارسی<!--:-->", "Comment form"),
        ("Stray closing marker[:]", "Stray closing marker"),
        ("Title with\nline break", "Title with line break"),
        ("Iran&#8217;s  parliament\u200b", "Iran’s parliament"),
        ("A normal [bracketed] title", "A normal [bracketed] title"),
    ],
)
def test_clean_title(raw: str, expected: str) -> None:
    assert clean_title(raw) == expected


@pytest.mark.parametrize(
    ("body", "count"),
    [
        ("", 0),
        ("One two three.", 3),
        ("Russia’s president didn't say — much.", 5),
        ("A 9.4-kilometre route, 40,000 passengers", 5),
        ("Aftab-e Yazd: headline", 3),
        ("First.\n\nSecond paragraph here.", 4),
        ("می‌خواهم بروم", 2),
    ],
)
def test_word_count(body: str, count: int) -> None:
    assert word_count(body) == count


def test_content_hash_is_sha256_of_normalized_body() -> None:
    body = "First paragraph.\n\nSecond paragraph."
    assert content_hash(body) == hashlib.sha256(body.encode("utf-8")).hexdigest()
    assert content_hash("First paragraph.  \n\n\n Second\u200b paragraph.") == content_hash(body)
    assert content_hash(body) != content_hash(body + " More.")
