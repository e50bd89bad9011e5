"""What a fetched page says before it is parsed: its text in the right charset, whether it
is a WordPress error screen served as 200, its Date header. Plain functions of a response."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime

from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, resolve_encoding


def http_date(response: Response) -> datetime | None:
    """The response's ``Date`` header, or None."""
    raw = response.headers.get(b"Date")
    if not raw:
        return None
    try:
        return parsedate_to_datetime(raw.decode("latin-1"))
    except (TypeError, ValueError):
        return None


# A 200 that is a WordPress wp_die() screen (or nothing) where a page was expected.
_ERROR_PAGE_MARKERS = (b"error establishing a database connection", b"wp-die-message")
_ERROR_PAGE_MAX_BYTES = 20_000  # error screens are short; real pages may quote the phrase


def looks_like_error_page(body: bytes) -> bool:
    """An empty body or a short WordPress error screen served with status 200."""
    if not body.strip():
        return True
    if len(body) > _ERROR_PAGE_MAX_BYTES:
        return False
    lowered = body.lower()
    return any(marker in lowered for marker in _ERROR_PAGE_MARKERS)


def page_text(response: TextResponse) -> tuple[str, str | None]:
    """The page's text, and the charset used when the Content-Type header's was wrong.

    Servers often send a default charset whatever the page is written in. When decoding by
    the header left replacement characters and the page declares another charset itself
    (``<meta charset>``), the page's own declaration is the better guess.
    """
    text = response.text
    if "\ufffd" not in text:
        return text, None
    declared = html_body_declared_encoding(response.body)
    encoding = resolve_encoding(declared) if declared else None
    if not encoding or encoding == resolve_encoding(response.encoding):
        return text, None
    try:
        return response.body.decode(encoding), encoding
    except (LookupError, UnicodeDecodeError):
        return text, None


def is_clean_utf8(response: TextResponse, text: str) -> bool:
    """The body is the UTF-8 encoding of ``text`` (so the parser may take the bytes)."""
    return resolve_encoding(response.encoding) == "utf-8" and "\ufffd" not in text


def may_have_mojibake(response: TextResponse, corrected: str | None) -> bool:
    """False when the page cannot hold mojibake: a cheap gate before the regex scan.

    Mojibake starts with a character in U+00C2..U+00F4, which UTF-8 writes with a 0xC3
    lead byte: a UTF-8 page without that byte has none (``bytes.find`` is a memchr, the
    regex scan of a 150 KB page ~0.6 ms). Pages in other charsets always get the scan.
    """
    if corrected is None and resolve_encoding(response.encoding) == "utf-8":
        return b"\xc3" in response.body
    return True
