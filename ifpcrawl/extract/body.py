"""Article body: paragraphs and body links from a content container, in one walk.

The walk follows block layout: block elements (``p``, headings, ``li``,
``blockquote``, ``div``...) start and end a paragraph; inline content between
blocks (WordPress posts written without ``<p>``) becomes a paragraph of its
own; ``<br>`` is a line break inside a paragraph.

Left out, with their links: figure captions, ads (tagDiv ``td-a-rec``, AMP ads,
AdSense, Ad Inserter), scripts/styles/iframes, share buttons, author boxes,
related/recent post blocks, "Read more"/"Also read" boxes, forms, hidden text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ifpcrawl.extract.links import link_from_anchor
from ifpcrawl.extract.selectors import Element
from ifpcrawl.items import Link
from ifpcrawl.text import normalize_text

_BLOCK_TAGS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
        "blockquote", "pre", "section", "article", "header", "footer", "main", "figure",
        "table", "thead", "tbody", "tfoot", "tr", "caption", "hr", "address", "details",
        "center", "summary",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "frame", "object", "embed",
        "video", "audio", "canvas", "svg", "math", "form", "button", "input", "select",
        "textarea", "label", "figcaption", "nav", "aside", "head", "title", "meta", "link",
        "ins", "amp-ad", "amp-embed", "amp-sticky-ad", "amp-analytics", "amp-iframe",
        "amp-social-share", "amp-addthis", "amp-auto-ads", "amp-pixel", "amp-video",
        "amp-youtube", "amp-twitter", "amp-instagram", "amp-facebook",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})

Joiner = Callable[[str], str]  # makes an href absolute (Page.absolute)

# Class tokens of blocks that are not article text (exact token, or prefix where marked *).
_SKIP_CLASS_RE = re.compile(
    r"(?:^|\s)(?:"
    # ads: tagDiv, AMP for WP, AdSense, Ad Inserter, Advanced Ads, WordAds
    r"td-a-rec\S*|td-g-rec\S*|td-a-ad\S*|amp-ad-wrapper|amp_ad\S*|ampforwp-incontent-ad\S*"
    r"|adsbygoogle|code-block\S*|advads\S*|wpcnt|wordads\S*|ad-container|advertisement"
    # share buttons: tagDiv, Swift, Jetpack, AddToAny, and other common plugins
    r"|td-post-sharing\S*|td-social-sharing\S*|ss-ic|shr-txt|sharedaddy|sd-sharing\S*"
    r"|sd-block|addtoany\S*|a2a_kit|heateor\S*|essb_\S*|swp_social_panel|ssba\S*"
    r"|mashsb\S*|shared-counts-wrap|social-share\S*|share-buttons?|sharing-buttons?"
    # author boxes / bios
    r"|author-box\S*|td-author-\S*|amp-author\S*|athr-tx|sp-athr|author-bio|author-info"
    r"|about-author|saboxplugin\S*|abh_box|molongui\S*|post-author-box"
    # related / recent posts, read-more boxes
    r"|td_block_related_posts|td-related-\S*|jp-relatedposts\S*|jp-related-posts\S*"
    r"|wp-block-jetpack-related-posts|yarpp\S*|crp_related\S*|rp4wp\S*|related-posts?"
    r"|related_posts|relpost\S*|srp|amp-related-posts\S*|r-pf|wp-block-latest-posts\S*"
    r"|widget_recent_entries|read-more-box|also-read\S*|readmore-box|inline-related\S*"
    # embeds that carry UI text, table of contents, buttons, tags, navigation, hidden text
    r"|instagram-media|tiktok-embed|ez-toc\S*|lwptoc\S*|toc_container|wp-block-buttons"
    r"|wp-block-button|td-post-source-tags|td-tags|amp-tags|tags-links|post-tags"
    r"|td-post-next-prev\S*|post-navigation|screen-reader-text|sr-only|hidden|visually-hidden"
    r"|wp-caption-text|wp-element-caption|td-post-featured-image|comments-area|comment-respond"
    # the theme's post meta: inside the content when the post's own HTML leaves a div open
    r"|entry-footer|entry-meta|posted-on|posted-by|byline|cat-links|post-taxonomies"
    r")(?=\s|$)"
)
_SKIP_IDS = frozenset({"jp-relatedposts", "comments", "respond", "ez-toc-container"})
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

# Whole paragraphs that are page furniture even when they sit inside the content.
_BOILERPLATE = frozenset(
    {
        "share", "share this:", "share this", "share on", "like this:", "like this",
        "related", "related posts", "related articles", "related stories", "recent posts",
        "advertisement", "advertisements", "sponsored", "published by", "leave a reply",
        "loading...", "print", "email",
    }
)  # fmt: skip
_READ_MORE_RE = re.compile(
    r"^(?:also read|read more|read also|see also|related(?: articles?| posts?| stories| news)?"
    r"|recommended|more on this|you may also like|don[’']t miss)\b\s*[:：»\-–—|]",
    re.IGNORECASE,
)
_READ_MORE_MAX_WORDS = 40
_PUBLISHED_BY_RE = re.compile(r"^published by\b", re.IGNORECASE)


@dataclass
class BodyResult:
    paragraphs: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


def is_skipped(node: Element) -> bool:
    """True for an element whose whole subtree is not article text."""
    tag = node.tag
    if not isinstance(tag, str) or tag in _SKIP_TAGS:
        return True
    cls = node.get("class")
    if cls and _SKIP_CLASS_RE.search(cls):
        return True
    node_id = node.get("id")
    if node_id and node_id in _SKIP_IDS:
        return True
    if node.get("hidden") is not None or node.get("aria-hidden") == "true":
        return True
    style = node.get("style")
    return bool(style and _HIDDEN_STYLE_RE.search(style))


def extract_body(container: Element, join: Joiner) -> BodyResult:
    """Paragraphs (normalized, boilerplate dropped) and the links of a content container.

    Links are kind "body", except those of "Also read:" boxes, which are "related".
    """
    walker = _Walker(join)
    walker.walk_children(container)
    walker.flush()
    return BodyResult(paragraphs=walker.paragraphs, links=walker.links + walker.related)


class _Walker:
    def __init__(self, join: Joiner) -> None:
        self.join = join
        self.paragraphs: list[str] = []
        self.links: list[Link] = []
        self.related: list[Link] = []
        self.pending: list[Link] = []  # links of the paragraph being collected
        self.buffer: list[str] = []

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        if not self.buffer:
            self.links.extend(pending)
            return
        text = normalize_text("".join(self.buffer))
        self.buffer = []
        if text and is_boilerplate(text):
            # An "Also read: <a>" box is the editors' related link, not body text;
            # links of other furniture ("Share" buttons) are dropped with it.
            if _READ_MORE_RE.match(text):
                self.related.extend(replace(link, kind="related") for link in pending)
            return
        if text:
            self.paragraphs.append(text)
        self.links.extend(pending)

    def walk_children(self, node: Element) -> None:
        if node.text:
            self.buffer.append(node.text)
        for child in node:
            self.walk(child)
            if child.tail:
                self.buffer.append(child.tail)

    def walk(self, node: Element) -> None:
        if is_skipped(node):
            return
        tag = node.tag
        if tag == "br":
            self.buffer.append("\n")
            return
        if tag == "a":
            link = link_from_anchor(node, "body", self.join)
            if link is not None:
                self.pending.append(link)
        block = tag in _BLOCK_TAGS
        if block:
            self.flush()
        elif tag in _CELL_TAGS:
            self.buffer.append(" ")
        self.walk_children(node)
        if block:
            self.flush()
        elif tag in _CELL_TAGS:
            self.buffer.append(" ")


def is_boilerplate(paragraph: str) -> bool:
    """A paragraph that is page furniture: "Share", "Published by ...", "Also read: ..."."""
    lowered = paragraph.lower().strip(" :.")
    if lowered in _BOILERPLATE or paragraph.lower() in _BOILERPLATE:
        return True
    if len(paragraph) < 200:
        if _PUBLISHED_BY_RE.match(paragraph):
            return True
        if _READ_MORE_RE.match(paragraph) and len(paragraph.split()) <= _READ_MORE_MAX_WORDS:
            return True
    return False
