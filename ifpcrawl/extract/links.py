"""Outgoing links of an article: which anchors count, and their absolute URLs.

URLs are only made absolute (against ``<base href>`` or the page URL) and
stripped of their fragment; canonicalization is the caller's job, with its own
URL rules. Share buttons and non-navigational schemes are not links.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import urldefrag

from ifpcrawl.extract.selectors import Element, node_text
from ifpcrawl.items import Link, LinkKind
from ifpcrawl.text import normalize_text

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "sms:", "whatsapp:", "fb-messenger:", "data:")
_SHARE_RE = re.compile(
    r"^https?://(?:[a-z0-9-]+\.)*(?:"
    r"facebook\.com/(?:sharer|share\.php|dialog/share|dialog/feed)"
    r"|(?:twitter|x)\.com/(?:intent/|share)"
    r"|(?:api\.|web\.)?whatsapp\.com/send|wa\.me/\?"
    r"|t(?:elegram)?\.me/share"
    r"|linkedin\.com/(?:shareArticle|sharing|cws/share)"
    r"|pinterest\.[a-z.]+/pin/create|reddit\.com/submit|tumblr\.com/(?:share|widgets/share)"
    r"|vk\.com/share\.php|getpocket\.com/(?:save|edit)|news\.ycombinator\.com/submitlink"
    r"|plus\.google\.com/share|digg\.com/submit|(?:www\.)?addtoany\.com/(?:share|add_to)"
    r"|mix\.com/add|flipboard\.com/bookmarklet|line\.me/R/msg|viber://"
    r")",
    re.IGNORECASE,
)
# Jetpack share buttons are on-site links: /post-slug/?share=facebook
_ONSITE_SHARE_RE = re.compile(r"[?&]share=[a-z-]+", re.IGNORECASE)


def is_followable(href: str) -> bool:
    """False for empty, fragment-only, script/mail/phone and share-button links."""
    value = href.strip()
    if not value or value.startswith("#"):
        return False
    lowered = value.lower()
    if lowered.startswith(_SKIP_SCHEMES):
        return False
    return not (_SHARE_RE.match(value) or _ONSITE_SHARE_RE.search(value))


def anchor_text(anchor: Element) -> str:
    """Visible text of an anchor; its title or an image's alt when it has none."""
    text = node_text(anchor)
    if text:
        return text
    title = (anchor.get("title") or "").strip()
    if title:
        return node_text_of_value(title)
    for img in anchor.iter("img", "amp-img"):
        alt = (img.get("alt") or "").strip()
        if alt:
            return node_text_of_value(alt)
    return ""


def node_text_of_value(value: str) -> str:
    return normalize_text(value).replace("\n", " ")


def link_from_anchor(anchor: Element, kind: LinkKind, join: Callable[[str], str]) -> Link | None:
    href = anchor.get("href")
    if href is None or not is_followable(href):
        return None
    href = href.strip()
    # Absolute links are the common case and need no urljoin (slow in pure Python).
    try:
        url = href if href.startswith(("https://", "http://")) else join(href)
        if "#" in url:
            url = urldefrag(url)[0]
    except ValueError:  # unparseable href such as "http://[::1/x"
        return None
    if not url.lower().startswith(("http://", "https://")):
        return None
    return Link(url=url, kind=kind, anchor_text=anchor_text(anchor))


def dedupe_links(links: Iterable[Link]) -> list[Link]:
    """One link per (url, kind), first position kept, the first non-empty anchor text kept."""
    out: list[Link] = []
    seen: dict[tuple[str, str], Link] = {}
    for link in links:
        key = (link.url, link.kind)
        known = seen.get(key)
        if known is None:
            seen[key] = link
            out.append(link)
        elif not known.anchor_text and link.anchor_text:
            known.anchor_text = link.anchor_text
    return out
