"""Shared rendering helpers: escaping, dates, relative times, page parts and filler assets.

A rendered page is a tuple of *parts*: ``bytes`` (shared chunks such as the mega menu or
the inline CSS are the same object in every page, so 20,000 cached pages do not hold
20,000 copies) and :class:`Slot` markers that the server fills at response time (the
top-bar date and the "Recent Posts" relative times depend on the clock).
"""

from __future__ import annotations

import enum
import html
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.replica.content import TEHRAN, Post

LAZY_PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk"
    "YAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


class Slot(enum.Enum):
    TOPBAR_DATE = "topbar_date"
    RECENT_DESKTOP = "recent_desktop"
    RECENT_AMP = "recent_amp"
    RECENT_WP = "recent_wp"


Part = bytes | Slot
Parts = tuple[Part, ...]


@dataclass
class Rendered:
    """What a renderer returns: a status, a content type and the body parts."""

    parts: Parts
    status: int = 200
    content_type: str = "text/html; charset=UTF-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    etag: str | None = None
    last_modified: datetime | None = None


class PageBuilder:
    """Collects strings and shared chunks; adjacent strings are encoded as one chunk."""

    def __init__(self) -> None:
        self._parts: list[Part] = []
        self._text: list[str] = []

    def add(self, *texts: str) -> PageBuilder:
        self._text.extend(texts)
        return self

    def shared(self, chunk: bytes | Slot) -> PageBuilder:
        self._flush()
        self._parts.append(chunk)
        return self

    def _flush(self) -> None:
        if self._text:
            self._parts.append("".join(self._text).encode("utf-8"))
            self._text = []

    def parts(self) -> Parts:
        self._flush()
        return tuple(self._parts)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def join_url(base: str, path: str) -> str:
    return base.rstrip("/") + path if path.startswith("/") else path


def long_date(when: datetime) -> str:
    return f"{when:%B} {when.day}, {when.year}"


def utc_iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def topbar_date(now: float) -> str:
    """The tagDiv top-bar date: the fetch date in the site's zone, not a post date."""
    today = datetime.fromtimestamp(now, TEHRAN)
    return f"{today:%A}, {today:%B} {today.day}, {today.year}"


def _php_round(value: float) -> int:
    return int(value + 0.5)


def human_time_diff(then: float, now: float) -> str:
    """WordPress ``human_time_diff()`` + " ago", with AMP for WP's floor of "1 min"."""
    diff = abs(now - then)
    minute, hour, day = 60, 3600, 86400
    week, month, year = 7 * day, 30 * day, 365 * day
    if diff < hour:
        count, unit = max(1, _php_round(diff / minute)), ("min", "mins")
    elif diff < day:
        count, unit = max(1, _php_round(diff / hour)), ("hour", "hours")
    elif diff < week:
        count, unit = max(1, _php_round(diff / day)), ("day", "days")
    elif diff < month:
        count, unit = max(1, _php_round(diff / week)), ("week", "weeks")
    elif diff < year:
        count, unit = max(1, _php_round(diff / month)), ("month", "months")
    else:
        count, unit = max(1, _php_round(diff / year)), ("year", "years")
    return f"{count} {unit[0] if count == 1 else unit[1]} ago"


def post_classes(post: Post, extra: Iterable[str] = ()) -> str:
    """WordPress ``post_class()`` for a post."""
    classes = [f"post-{post.wp_id}", "post", "type-post", f"status-{_wp_status(post)}"]
    classes.append("format-standard")
    if post.status == "protected":
        classes.append("post-password-required")
    if post.image_path:
        classes.append("has-post-thumbnail")
    classes += [f"category-{c.slug}" for c in post.categories]
    classes += [f"tag-{t.slug.lower()}" for t in post.tags]
    classes += list(extra)
    return " ".join(classes)


def _wp_status(post: Post) -> str:
    return "private" if post.status == "private" else "publish"


def body_classes_single(post: Post, extra: Iterable[str] = ()) -> str:
    """WordPress ``body_class()`` on a single post."""
    classes = ["post-template-default", "single", "single-post", f"postid-{post.wp_id}"]
    classes += ["single-format-standard", *extra]
    return " ".join(classes)


def make_css(prefixes: list[str], rules: int, seed: str) -> str:
    """A theme-sized stylesheet: real themes inline tens of kilobytes of CSS per page."""
    rng = random.Random(seed)
    suffixes = [
        "wrap",
        "title",
        "meta-info",
        "thumb",
        "image",
        "excerpt",
        "date",
        "author",
        "row",
        "span",
        "inner",
        "block",
        "container",
        "content",
        "header",
        "footer",
        "icon",
        "social",
        "category",
        "pagination",
    ]
    props = [
        "margin:0 0 {n}px",
        "padding:{n}px {m}px",
        "font-size:{n}px",
        "line-height:{m}px",
        "color:#{c}",
        "background-color:#{c}",
        "border-bottom:1px solid #{c}",
        "width:{p}%",
        "position:relative",
        "display:inline-block",
        "font-family:'Roboto',sans-serif",
        "font-weight:{w}",
        "text-transform:uppercase",
        "-webkit-transition:all .2s ease;transition:all .2s ease",
        "overflow:hidden",
        "z-index:{n}",
    ]
    out = []
    for i in range(rules):
        selector = f".{rng.choice(prefixes)}{rng.choice(suffixes)}"
        if i % 3 == 0:
            selector += f" .{rng.choice(prefixes)}{rng.choice(suffixes)}"
        if i % 7 == 0:
            selector += ":hover"
        body = ";".join(
            rng.choice(props).format(
                n=rng.randint(0, 40),
                m=rng.randint(10, 32),
                c=f"{rng.randint(0, 0xFFFFFF):06x}",
                p=rng.choice([25, 33.33, 50, 66.66, 100]),
                w=rng.choice([400, 500, 600, 700]),
            )
            for _ in range(rng.randint(1, 4))
        )
        rule = f"{selector}{{{body}}}"
        if i % 11 == 0:
            rule = f"@media (max-width:{rng.choice([767, 1018, 1140])}px){{{rule}}}"
        out.append(rule)
    return "\n".join(out)


def make_script(name: str, size: int, seed: str) -> str:
    """Minified-looking inline script of about ``size`` characters (theme config, lazy
    loaders): only weight, no behaviour a crawler could need."""
    rng = random.Random(seed)
    chunks = [f"var {name}={{"]
    total = 0
    i = 0
    while total < size:
        key = f"{name}_{rng.choice(['opt', 'cfg', 'lng', 'ajx', 'blk', 'sld'])}{i}"
        value = rng.choice(
            [
                f'"{rng.randint(0, 10**8)}"',
                "true",
                "false",
                f'"{rng.choice(["ajax", "lazy", "fade", "slide", "none"])}"',
                f"[{','.join(str(rng.randint(0, 999)) for _ in range(6))}]",
            ]
        )
        entry = f'"{key}":{value},'
        chunks.append(entry)
        total += len(entry)
        i += 1
    chunks.append('"v":"12.6.1"};')
    chunks.append(
        f"(function(){{var d=document,w=window;function r(e){{return e&&e.nodeType===1}}"
        f"w.{name}_init=function(){{for(var k in {name}){{if({name}.hasOwnProperty(k)){{}}}}}};"
        f"d.addEventListener('DOMContentLoaded',w.{name}_init);}})();"
    )
    return "".join(chunks)
