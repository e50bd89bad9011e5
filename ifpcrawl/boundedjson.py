"""JSON from the site, read within bounds: size and nesting depth checked before parsing.

``json.loads`` recurses once per nesting level: a JSON-LD block or a REST answer nested
200,000 levels deep raises RecursionError inside the decoder (and code walking the result
would recurse just as deep). A cheap scan of the text first refuses what is too deep or
too large, so parsing can never crash; the callers count what they refused.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Real JSON-LD (Yoast's @graph, Rank Math) nests under 10 levels, REST posts under 6; the
# decoder only gets into trouble near Python's recursion limit (1,000).
MAX_JSON_DEPTH = 64
# A JSON-LD block is a few KB; a REST page of 100 posts with `_fields` tens of KB.
MAX_JSON_BYTES = 4 * 1024 * 1024

_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_STRING_RE_BYTES = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET_RE = re.compile(r"[^\[\]{}]+")
_OPENERS = frozenset("[{")


class JsonRefused(ValueError):
    """JSON not parsed because it is larger or deeper than the bounds (``reason`` says which)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason  # "too_deep" | "too_large"


def nesting_depth(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep brackets nest outside strings; stops counting once past ``limit``.

    Strings are cut out first (a ``{`` inside one is text). Broken JSON may count deeper
    than it parses, never shallower: the check errs on the side of refusing.
    """
    if isinstance(text, bytes):
        text = _STRING_RE_BYTES.sub(b"", text).decode("latin-1")
    else:
        text = _STRING_RE.sub("", text)
    brackets = _NOT_BRACKET_RE.sub("", text)
    depth = deepest = 0
    for char in brackets:
        if char in _OPENERS:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif depth:
            depth -= 1
    return deepest


def check_bounds(
    text: str | bytes, max_depth: int = MAX_JSON_DEPTH, max_bytes: int = MAX_JSON_BYTES
) -> None:
    """Raise JsonRefused when ``text`` is too large or nests too deep to parse safely."""
    if len(text) > max_bytes:
        raise JsonRefused("too_large", f"JSON of {len(text):,} bytes (limit {max_bytes:,})")
    depth = nesting_depth(text, max_depth)
    if depth > max_depth:
        raise JsonRefused("too_deep", f"JSON nested deeper than {max_depth} levels")


def loads(
    text: str | bytes,
    max_depth: int = MAX_JSON_DEPTH,
    max_bytes: int = MAX_JSON_BYTES,
    **kwargs: Any,
) -> Any:
    """``json.loads`` after :func:`check_bounds` (JsonRefused, or json's own ValueError)."""
    check_bounds(text, max_depth, max_bytes)
    return json.loads(text, **kwargs)
