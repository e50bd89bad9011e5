"""Compiled selectors and small tree helpers shared by the extractors.

XPath is compiled once at import, so the per-page cost is only the evaluation (the
5 ms/page budget leaves no room for re-compiling selectors).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from ifpcrawl.text import normalize_text

Element = Any  # lxml.html.HtmlElement: lxml ships no type information


def xpath(expr: str) -> etree.XPath:
    return etree.XPath(expr)


class Sel:
    """A compiled XPath plus the strings its matches need in the raw HTML.

    If none of the hints occurs in the page source the XPath cannot match, and the
    tree walk is skipped: on a page of another theme, the tagDiv and AMP selectors of
    the chains cost a substring search each instead of a traversal.
    """

    __slots__ = ("hints", "xpath")

    def __init__(self, expr: str, *hints: str) -> None:
        self.xpath = etree.XPath(expr)
        self.hints = hints

    def possible(self, html: str, known: dict[str, bool] | None = None) -> bool:
        """False when no hint occurs in ``html`` (the XPath cannot match). ``known``
        caches each hint's answer for one page: selectors share hints, and an absent
        hint is a scan of the whole source."""
        if not self.hints:
            return True
        if known is None:
            return any(hint in html for hint in self.hints)
        for hint in self.hints:
            present = known.get(hint)
            if present is None:
                present = known[hint] = hint in html
            if present:
                return True
        return False

    def __call__(self, node: Element) -> list[Element]:
        found: list[Element] = self.xpath(node)
        return found


def first(selector: etree.XPath, node: Element) -> Element | None:
    found = selector(node)
    return found[0] if found else None


def class_tokens(node: Element) -> frozenset[str]:
    value = node.get("class")
    return frozenset(value.split()) if value else frozenset()


def node_text(node: Element) -> str:
    """Normalized text of an element (all descendants), no script/style content."""
    if node is None:
        return ""
    if not isinstance(node.tag, str):
        return ""
    parts: list[str] = []
    _collect_text(node, parts)
    return normalize_text("".join(parts)).replace("\n", " ")


_SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})


def _collect_text(node: Element, parts: list[str]) -> None:
    if node.text:
        parts.append(node.text)
    for child in node:
        if isinstance(child.tag, str) and child.tag not in _SKIP_TEXT_TAGS:
            if child.tag == "br":
                parts.append(" ")
            else:
                _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def attr(node: Element | None, name: str) -> str:
    if node is None:
        return ""
    value = node.get(name)
    return value.strip() if value else ""


def is_inside(node: Element, ancestor: Element) -> bool:
    """Whether ``ancestor`` is a proper ancestor of ``node``."""
    parent = node.getparent()
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.getparent()
    return False
