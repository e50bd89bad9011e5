"""JSON-LD as WordPress SEO plugins (Yoast, Rank Math, AMP for WP) really emit it.

Robust to what pages get wrong: broken JSON (trailing commas, raw newlines in
strings, HTML comments or CDATA around the object, two objects in one script),
``@graph`` as an object instead of a list, lists where objects are expected,
numbers where strings are expected, and ``@id`` references instead of nested
nodes (Yoast's ``"author": {"@id": ".../#/schema/person/..."}``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ifpcrawl.boundedjson import JsonRefused, check_bounds
from ifpcrawl.text import repair_json_surrogates

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "BlogPosting",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicMediaNewsArticle",
        "LiveBlogPosting",
        "SatiricalArticle",
        "Report",
        "TechArticle",
        "ScholarlyArticle",
        "SocialMediaPosting",
    }
)
PAGE_TYPES = frozenset({"WebPage", "ItemPage", "AboutPage", "ContactPage", "FAQPage"})
LISTING_TYPES = frozenset({"CollectionPage", "SearchResultsPage", "ItemList"})
PROFILE_TYPES = frozenset({"ProfilePage"})

_TRAILING_COMMA_RE = re.compile(r",\s*([\]}])")
_WRAPPER_RE = re.compile(r"^\s*(?:<!--|<!\[CDATA\[|//\s*<!\[CDATA\[)|(?:-->|\]\]>|//\s*\]\]>)\s*$")

Node = dict[str, Any]


@dataclass
class JsonLd:
    """Top-level nodes (objects and ``@graph`` members) plus an ``@id`` index of all nodes."""

    nodes: list[Node] = field(default_factory=list)
    by_id: dict[str, Node] = field(default_factory=dict)
    # Why blocks were not parsed ("too_deep", "too_large"): see ifpcrawl.boundedjson.
    refused: list[str] = field(default_factory=list)
    # Lone-surrogate escapes ("\\ud800") spelled U+FFFD before parsing: no store encodes one.
    surrogates_repaired: int = 0

    def resolve(self, value: Any) -> Any:
        """Follow an ``{"@id": ...}`` reference to the full node when the page has it."""
        if isinstance(value, dict):
            ref = value.get("@id")
            if isinstance(ref, str) and len(value) <= 2 and ref in self.by_id:
                # a bare reference ({"@id"} or {"@id", "@type"}): the indexed node is fuller
                return self.by_id[ref]
        return value

    def of_types(self, types: frozenset[str]) -> list[Node]:
        return [node for node in self.nodes if node_types(node) & types]

    def article(self) -> Node | None:
        """The page's main article node, if any (also inside ``WebPage.mainEntity``)."""
        found = self.of_types(ARTICLE_TYPES)
        if found:
            return found[0]
        for page in self.of_types(PAGE_TYPES):
            main = self.resolve(first_value(page.get("mainEntity")))
            if isinstance(main, dict) and node_types(main) & ARTICLE_TYPES:
                return main
        return None

    def web_page(self) -> Node | None:
        found = self.of_types(PAGE_TYPES | LISTING_TYPES | PROFILE_TYPES)
        return found[0] if found else None

    def site_name(self) -> str | None:
        for node in self.of_types(frozenset({"WebSite"})):
            name = text_value(node.get("name"))
            if name:
                return name
        return None


def node_types(node: Node) -> frozenset[str]:
    """``@type`` as a set of bare names ("schema:NewsArticle", full IRIs and lists included)."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    names = set()
    for value in values:
        if isinstance(value, str) and value:
            names.add(value.rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    return frozenset(names)


def first_value(value: Any) -> Any:
    """A list where one value is expected: take its first element."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def text_value(value: Any) -> str | None:
    """A string field that may arrive as a number, a list, or ``{"@value": ...}``."""
    value = first_value(value)
    if isinstance(value, dict):
        value = value.get("@value", value.get("name"))
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return None


def text_list(value: Any) -> list[str]:
    """Strings from a list, a single string or objects with a name."""
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in values:
        text = text_value(item)
        if text:
            out.append(text)
    return out


def parse_scripts(texts: list[str]) -> JsonLd:
    """Parse the contents of every ``<script type=application/ld+json>`` of a page."""
    result = JsonLd()
    for text in texts:
        try:
            # Before any parsing: a block nested 200,000 deep crashes json's decoder.
            check_bounds(text)
        except JsonRefused as exc:
            logger.debug("JSON-LD block refused: %s", exc)
            result.refused.append(exc.reason)
            continue
        text, repaired = repair_json_surrogates(text)
        result.surrogates_repaired += repaired
        for obj in _loads_lenient(text):
            _add_top(result, obj)
    return result


def _add_top(result: JsonLd, obj: Any) -> None:
    if isinstance(obj, list):
        for item in obj:
            _add_top(result, item)
        return
    if not isinstance(obj, dict):
        return
    graph = obj.get("@graph")
    if graph is not None:
        for item in graph if isinstance(graph, list) else [graph]:
            if isinstance(item, dict):
                result.nodes.append(item)
                _index(result, item)
        if "@type" not in obj:
            return
    result.nodes.append(obj)
    _index(result, obj)


def _index(result: JsonLd, node: Node, depth: int = 0) -> None:
    # Index every nested node by @id so references resolve wherever the full node sits.
    if depth > 8:
        return
    ref = node.get("@id")
    if isinstance(ref, str) and ref:
        known = result.by_id.get(ref)
        if known is None or len(node) > len(known):
            result.by_id[ref] = node
    for value in node.values():
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, dict):
                _index(result, child, depth + 1)


def _loads_lenient(text: str) -> Iterator[Any]:
    cleaned = _WRAPPER_RE.sub("", text).strip()
    if not cleaned:
        return
    try:
        yield json.loads(cleaned, strict=False)  # strict=False: raw newlines inside strings
        return
    except ValueError:
        pass
    repaired = _TRAILING_COMMA_RE.sub(r"\1", cleaned)
    decoder = json.JSONDecoder(strict=False)
    position = 0
    parsed_any = False
    # Several objects back to back, or valid JSON followed by junk: take what decodes.
    while position < len(repaired):
        start = _next_start(repaired, position)
        if start < 0:
            break
        try:
            obj, end = decoder.raw_decode(repaired, start)
        except ValueError:
            if not parsed_any:
                logger.debug("unparsable JSON-LD (%d chars)", len(text))
            return
        parsed_any = True
        yield obj
        position = end


def _next_start(text: str, position: int) -> int:
    starts = [i for i in (text.find("{", position), text.find("[", position)) if i >= 0]
    return min(starts) if starts else -1
