"""The crawl of a real WordPress against what WordPress itself says (wpctl.php truth).

Pure functions over the truth JSON and the crawl's SQLite store, shared by the e2e tests
(tests/test_wordpress_e2e.py) and by ``python -m tests.wordpress.report``, which prints the
table theme x permalink structure -> figures.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import lxml.html

from ifpcrawl.urls import Site, canonicalize

THEMES = ("twentytwentyone", "twentytwentytwo", "twentytwentythree")
STRUCTURES = {"postname": "/%postname%/", "date": "/%year%/%monthnum%/%day%/%postname%/"}
# The article fields compared on every stored post, with the truth's value for each. The
# tests assert the first five; modified_at and image_url are reported only: the stock themes
# print neither the modified time nor og:image, so a page alone cannot give them.
FIELDS = ("title", "author", "published_at", "section", "tags", "modified_at", "image_url")
MIN_F1 = 0.99
ARTICLE_TYPES = ("post", "article")
# Content WordPress renders that is not text a reader sees as the article, and figure
# captions, which ifpcrawl's body leaves out by design (ifpcrawl/extract/body.py).
_NOT_TEXT = ("script", "style", "iframe", "noscript", "figcaption")
_CAPTION_CLASSES = {"wp-caption-text", "wp-element-caption"}
_TOKEN_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class Case:
    theme: str
    structure: str
    listings_only: bool = False  # sitemaps and REST API turned off on the site

    @property
    def name(self) -> str:
        return f"{self.theme}-{self.structure}" + ("-listings-only" if self.listings_only else "")

    @property
    def permalink_structure(self) -> str:
        return STRUCTURES[self.structure]


CASES = [Case(theme, structure) for theme in THEMES for structure in STRUCTURES]
# Discovery on a site without sitemaps or REST API: listings and feeds of a block theme.
LISTINGS_CASE = Case("twentytwentythree", "date", listings_only=True)


def body_text(html: str) -> str:
    """The text of rendered post content: every text node, block by block."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    dropped = [
        node
        for node in root.iter()
        if node.tag in _NOT_TEXT or _CAPTION_CLASSES & set(node.get("class", "").split())
    ]
    for node in dropped:
        node.drop_tree()
    return " ".join(" ".join(root.itertext()).split())


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN_RE.findall(text))


def token_f1(expected: str, got: str) -> float:
    """Bag-of-words F1 of ``got`` against ``expected`` (1.0 when both are empty)."""
    want, have = tokens(expected), tokens(got)
    if not want and not have:
        return 1.0
    common = sum((want & have).values())
    if common == 0:
        return 0.0
    precision = common / sum(have.values())
    recall = common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def is_article(post: dict[str, Any]) -> bool:
    """What a crawl must store: published posts of the article types, not behind a password."""
    return post["type"] in ARTICLE_TYPES and post["status"] == "publish" and not post["protected"]


def expected_value(post: dict[str, Any], name: str) -> Any:
    if name == "section":
        return post["categories"][0] if post["categories"] else None
    return post[name]


def stored_value(row: sqlite3.Row, name: str) -> Any:
    if name == "tags":
        return json.loads(row["tags"]) if row["tags"] else []
    return row[name]


@dataclass(frozen=True)
class Mismatch:
    url: str
    expected: Any
    got: Any


@dataclass
class Comparison:
    """Every figure of one crawl against the truth, computed once."""

    case: Case
    site: Site
    truth: dict[str, Any]
    expected: dict[str, dict[str, Any]] = field(default_factory=dict)
    stored: dict[str, sqlite3.Row] = field(default_factory=dict)
    stored_count: Counter[str] = field(default_factory=Counter)
    forbidden: dict[str, dict[str, Any]] = field(default_factory=dict)
    mismatches: dict[str, list[Mismatch]] = field(default_factory=dict)
    f1: dict[str, float] = field(default_factory=dict)
    links_expected: set[tuple[str, str, str]] = field(default_factory=set)
    links_recorded: set[tuple[str, str, str]] = field(default_factory=set)

    def url(self, url: str) -> str:
        canonical = canonicalize(url, self.site)
        return canonical or url

    @classmethod
    def build(cls, case: Case, truth: dict[str, Any], db: sqlite3.Connection) -> Comparison:
        self = cls(case, Site.from_url(truth["home"]), truth)
        for post in truth["posts"]:
            target = self.expected if is_article(post) else self.forbidden
            target[self.url(post["url"])] = post
        db.row_factory = sqlite3.Row
        for row in db.execute("SELECT * FROM articles"):
            self.stored_count[row["url"]] += 1
            self.stored[row["url"]] = row
        for name in FIELDS:
            self.mismatches[name] = [
                Mismatch(url, expected_value(post, name), stored_value(self.stored[url], name))
                for url, post in self.expected.items()
                if url in self.stored
                and stored_value(self.stored[url], name) != expected_value(post, name)
            ]
        for url, post in self.expected.items():
            if url in self.stored:
                self.f1[url] = token_f1(
                    body_text(post["content_html"]), self.stored[url]["body"] or ""
                )
            self.links_expected |= self._links_in(url, post["content_html"])
        self.links_recorded = {
            (src, dst, str(anchor))
            for src, dst, anchor in db.execute(
                "SELECT a.url, l.dst_url, l.anchor_text FROM links l"
                " JOIN articles a ON a.id = l.src_id WHERE l.kind = 'body'"
            )
        }
        return self

    def _links_in(self, src: str, html: str) -> set[tuple[str, str, str]]:
        """(source, target, anchor) of every in-body link to another published post."""
        if not html.strip():
            return set()
        links = set()
        for anchor in lxml.html.fragment_fromstring(html, create_parent="div").iter("a"):
            dst = self.url(anchor.get("href", ""))
            if dst in self.expected and dst != src:
                links.add((src, dst, " ".join(anchor.text_content().split())))
        return links

    # Figures, each over the posts the crawl stored (absence is counted by `missing`).

    def of_type(self, post_type: str) -> set[str]:
        return {url for url, post in self.expected.items() if post["type"] == post_type}

    def mismatched(self, name: str, post_type: str) -> list[Mismatch]:
        """The field's mismatches on the stored posts of one post type."""
        urls = self.of_type(post_type)
        return [m for m in self.mismatches[name] if m.url in urls]

    def missing(self, post_type: str) -> list[str]:
        return sorted(self.of_type(post_type) - set(self.stored))

    def repeated(self) -> list[str]:
        return sorted(url for url, count in self.stored_count.items() if count > 1)

    def leaked(self) -> list[str]:
        """Everything stored that is not a published article: pages, drafts, private,
        scheduled, protected posts, attachments, and any other URL (archives, authors)."""
        return sorted(set(self.stored) - set(self.expected))

    def low_f1(self) -> list[Mismatch]:
        return [
            Mismatch(url, MIN_F1, round(score, 4))
            for url, score in sorted(self.f1.items())
            if score < MIN_F1
        ]

    def links_missing(self) -> list[tuple[str, str, str]]:
        """Expected links from stored posts that no row records with that anchor."""
        return sorted(
            link for link in self.links_expected - self.links_recorded if link[0] in self.stored
        )

    def row(self) -> list[str]:
        compared = len([url for url in self.expected if url in self.stored])
        figures = [
            self.case.theme,
            self.case.structure + (" (listings only)" if self.case.listings_only else ""),
            f"{len(set(self.stored) & set(self.expected))}/{len(self.expected)}",
            str(len(self.leaked())),
        ]
        figures += [f"{compared - len(self.mismatches[name])}/{compared}" for name in FIELDS]
        figures.append(f"{min(self.f1.values()):.3f}" if self.f1 else "-")
        recorded = len(self.links_expected & self.links_recorded)
        figures.append(f"{recorded}/{len(self.links_expected)}")
        return figures


HEADER = ["theme", "permalinks", "stored", "leaked", *FIELDS, "min F1", "links"]


def table(comparisons: list[Comparison]) -> str:
    rows = [HEADER, *(c.row() for c in comparisons)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "-|-".join("-" * width for width in widths))
    return "\n".join(lines)


def failures(comparison: Comparison, limit: int = 3) -> list[str]:
    """One line per distinct failure of a crawl, with examples (expected vs got)."""
    out = []
    name = comparison.case.name
    for post_type in ARTICLE_TYPES:
        if missing := comparison.missing(post_type):
            out.append(f"{name}: {len(missing)} {post_type} not stored, e.g. {missing[:limit]}")
    if repeated := comparison.repeated():
        out.append(f"{name}: stored more than once: {repeated[:limit]}")
    if leaked := comparison.leaked():
        out.append(f"{name}: stored but must not be: {leaked[:limit]}")
    for field_name, mismatches in comparison.mismatches.items():
        if mismatches:
            examples = "; ".join(
                f"{m.url}: expected {m.expected!r} got {m.got!r}" for m in mismatches[:limit]
            )
            out.append(f"{name}: {field_name} differs on {len(mismatches)}: {examples}")
    if low := comparison.low_f1():
        out.append(
            f"{name}: body F1 < {MIN_F1} on {len(low)}: "
            + "; ".join(f"{m.url} {m.got}" for m in low[:limit])
        )
    if links := comparison.links_missing():
        out.append(f"{name}: {len(links)} body links not recorded, e.g. {links[:limit]}")
    return out
