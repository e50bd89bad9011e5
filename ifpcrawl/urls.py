"""URL rules: one canonical form per page, and a routing class for every on-site URL.

Pure functions, no Scrapy. The spider calls :func:`canonicalize` on every link it
meets (after ``urljoin`` with the page URL: relative references, including
scheme-relative ``//host/path``, are *not* accepted here and give ``None``) and
:func:`classify_url` to decide what to do with it.

Canonical form of an on-site URL (``is_on_site``):

* the site's own scheme and host spelling (``http``/``https`` and ``www.`` folded),
  no userinfo, no default port, no fragment;
* dot segments resolved, duplicate slashes collapsed, percent-encoding normalized
  (upper-case hex, UTF-8 for non-ASCII, unreserved characters decoded), path case kept
  (WordPress tag slugs keep the case they were authored in: ``/tag/Football/``);
* AMP variants folded (``/amp`` suffix, ``?amp``, ``?amp=1``, ``?noamp=..``, ``?nonamp=..``),
  tagDiv's ``?filter_by=`` (the same listing reordered) and tracking parameters removed,
  the remaining query sorted;
* a trailing slash on every path whose last segment has no file extension: WordPress
  ``/%postname%/`` permalinks answer both ``/slug`` and ``/slug/`` (old ifpnews links lack
  the slash); WordPress slugs never contain a dot, so ``.xml``/``.php``/``.html`` leaves
  are files and keep their exact form;
* ``.../page/1/`` of a listing is the listing itself.

Off-site URLs are only normalized (scheme/host case, IDNA, default port, fragment,
tracking parameters, percent-encoding): their paths are somebody else's rules, e.g.
``https://web.archive.org/web/2020/https://x/`` must keep its ``//``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

UrlKind = Literal[
    "offsite",
    "asset",
    "admin",
    "feed",
    "sitemap",
    "api",
    "listing",
    "attachment",
    "article",
    "other",
]

# Longer URLs are crawler traps or spam, not pages; IE's historic 2,083 limit made
# every real CMS keep links far below this.
MAX_URL_LENGTH = 2000

DEFAULT_PORTS = {"http": 80, "https": 443}

# Well-known click trackers only: each is added by a mailer, ad network or analytics tool
# and never selects content. `ref` is deliberately kept (GitHub, shops and some WordPress
# plugins use it to select content).
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
    }
)
TRACKING_PREFIXES = ("utm_",)
# Site variants of the same page on WordPress: AMP plugins (AMP for WP, official AMP),
# and tagDiv's listing sort order. Removed on-site only; elsewhere they may mean anything.
SITE_VARIANT_PARAMS = frozenset({"amp", "noamp", "nonamp", "filter_by"})
# Session ids that servers (PHP, Java, ColdFusion, shop plugins) put in links: a new value
# in every link makes every page endless new URLs. Removed on-site; they never select content.
SESSION_PARAMS = frozenset(
    {
        "sessionid",
        "session_id",
        "sessid",
        "sid",
        "phpsessid",
        "jsessionid",
        "aspsessionid",
        "cfid",
        "cftoken",
        "zenid",
        "oscsid",
    }
)
# Query variables WordPress itself reads (WP::$public_query_vars, the ones links carry):
# any other parameter on an on-site URL has not shown it matters (see unknown_query_key).
WP_QUERY_VARS = frozenset(
    {
        "p",
        "page_id",
        "attachment_id",
        "cat",
        "tag",
        "author",
        "author_name",
        "m",
        "paged",
        "year",
        "monthnum",
        "day",
        "w",
        "name",
        "pagename",
        "category_name",
        "post_type",
        "page",
        "feed",
        "rest_route",
        "s",
        "ref",
        "lang",
    }
)
AMP_PARAMS = frozenset({"amp"})

_HOSTNAME_RE = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62}\.)*[a-z0-9_-]{0,63}$")
_IPV6_RE = re.compile(r"^[0-9a-f:.]+$")
_DUP_SLASHES_RE = re.compile(r"/{2,}")
_AMP_SUFFIX_RE = re.compile(r"/amp/?$")
_PAGE_SUFFIX_RE = re.compile(r"/page/(\d+)/?$")
_EXTENSION_RE = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_YEAR_RE = re.compile(r"^(19|20)\d\d$")
_MONTH_RE = re.compile(r"^(0[1-9]|1[0-2])$")
_DAY_RE = re.compile(r"^(0[1-9]|[12]\d|3[01])$")
_NUMBER_RE = re.compile(r"^\d+$")
_CALENDAR_SEGMENT_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_OTHER_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")

_ASSET_EXTENSION_WORDS = """
    jpg jpeg png gif webp avif svg ico bmp tif tiff heic
    css js mjs map json xsl woff woff2 ttf otf eot
    pdf doc docx xls xlsx ppt pptx odt ods csv txt rtf epub
    zip rar 7z gz tgz bz2 xz tar exe dmg apk msi iso
    mp3 m4a aac ogg oga wav flac mp4 m4v webm ogv mov avi wmv flv mkv 3gp swf
"""
ASSET_EXTENSIONS = frozenset(_ASSET_EXTENSION_WORDS.split())
# Permalink structures may end in these; they are pages, not files.
PAGE_EXTENSIONS = frozenset({"html", "htm", "php", "aspx", "asp", "jsp", "shtml"})
# First path segments of WordPress (and ifpnews) archive pages.
LISTING_ROOTS = frozenset({"category", "tag", "author", "iran-news", "all-stories"})
LISTING_QUERY_VARS = frozenset({"cat", "tag", "author", "author_name", "m", "paged", "year"})
ADMIN_FILES = frozenset(
    {
        "wp-login.php",
        "xmlrpc.php",
        "wp-cron.php",
        "wp-signup.php",
        "wp-activate.php",
        "wp-trackback.php",
        "wp-comments-post.php",
        "wp-mail.php",
        "wp-links-opml.php",
        "wp-commentsrss2.php",
    }
)
FEED_FILES = frozenset({"wp-rss.php", "wp-rss2.php", "wp-atom.php", "wp-rdf.php"})
# Path tails that are actions on, or other renderings of, a post: never content of their own.
ADMIN_SUFFIXES = ("trackback", "embed")
ADMIN_QUERY_VARS = frozenset(
    {"s", "replytocom", "preview", "preview_id", "share", "like_comment", "unapproved", "action"}
)
FEED_NAMES = frozenset({"feed", "rss", "rss2", "atom", "rdf"})


@dataclass(frozen=True)
class Site:
    """The site being crawled (``-a site=URL``).

    ``base`` is the normalized root URL (scheme, host as given, path ending in ``/``);
    its scheme and host spelling are what on-site URLs are folded to. ``host`` is the
    identity used for matching: lower-case, without ``www.``, with the port only when it
    is not the scheme's default (the replica on ``127.0.0.1:8123`` is its own site).
    """

    base: str
    host: str

    @classmethod
    def from_url(cls, url: str) -> Site:
        """Build a Site from a user-given URL; a bare ``example.com`` means https."""
        text = url.strip()
        if not text:
            raise ValueError("site URL is empty")
        if "://" not in text:
            if _OTHER_SCHEME_RE.match(text):  # mailto:, javascript:, but not "localhost:8000"
                raise ValueError(f"site URL {url!r} must be http:// or https://")
            text = "https://" + text
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"site URL {url!r} cannot be parsed: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise ValueError(f"site URL {url!r} must be http:// or https://")
        hostname = _normalize_hostname(parts.hostname or "")
        if hostname is None:
            raise ValueError(f"site URL {url!r} has no usable host name")
        if port == DEFAULT_PORTS[scheme]:
            port = None
        netloc = _join_host_port(hostname, port)
        path = _DUP_SLASHES_RE.sub("/", parts.path or "/")
        path = path if path.endswith("/") else path + "/"
        base = canonicalize_url(urlunsplit((scheme, netloc, path, "", "")))
        return cls(base=base, host=_join_host_port(_strip_www(hostname), port))

    @property
    def scheme(self) -> str:
        return urlsplit(self.base).scheme

    @property
    def netloc(self) -> str:
        """Host and port as on-site URLs are written (keeps ``www.`` if the base has it)."""
        return urlsplit(self.base).netloc

    @property
    def root_path(self) -> str:
        """Path of the WordPress install, ``/`` unless it lives in a subdirectory."""
        return urlsplit(self.base).path or "/"


def _strip_www(hostname: str) -> str:
    return hostname[4:] if hostname.startswith("www.") else hostname


def _join_host_port(hostname: str, port: int | None) -> str:
    host = f"[{hostname}]" if ":" in hostname else hostname
    return host if port is None else f"{host}:{port}"


def _normalize_hostname(hostname: str) -> str | None:
    """Lower-case ASCII (IDNA) host name, or None if it cannot be a host."""
    name = hostname.strip().lower().rstrip(".")
    if not name:
        return None
    if ":" in name:  # IPv6 literal (urlsplit already removed the brackets)
        return name if _IPV6_RE.match(name) else None
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return ascii_name if _HOSTNAME_RE.match(ascii_name) else None


def _effective_port(scheme: str, port: int | None) -> int:
    return DEFAULT_PORTS[scheme] if port is None else port


@lru_cache(maxsize=64)
def _site_identity(base: str) -> tuple[str, int | None]:
    """(host name without www., explicit port) of a site base; cached: called per link."""
    parts = urlsplit(base)
    return _strip_www(parts.hostname or ""), parts.port


def _matches_site(hostname: str, scheme: str, port: int | None, site: Site) -> bool:
    site_hostname, site_port = _site_identity(site.base)
    if _strip_www(hostname) != site_hostname:
        return False
    if site_port is None:
        # Default-port site: http and https of the same host are one site.
        return port is None or port in DEFAULT_PORTS.values()
    return _effective_port(scheme, port) == site_port


def _is_tracking_param(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _param_name(pair: str) -> str:
    return unquote_plus(pair.split("=", 1)[0]).strip().lower()


def _filter_query(query: str, on_site: bool) -> str:
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = _param_name(pair)
        if _is_tracking_param(name):
            continue
        if on_site and (
            name in SITE_VARIANT_PARAMS or name in SESSION_PARAMS or pair.lower() == "paged=1"
        ):
            continue
        kept.append(pair)
    return "&".join(kept)


def _has_extension(path: str) -> bool:
    last = path.rsplit("/", 1)[-1]
    return bool(_EXTENSION_RE.search(last))


def _on_site_path(path: str) -> str:
    """WordPress-specific path folding (see the module docstring)."""
    path = _DUP_SLASHES_RE.sub("/", path) or "/"
    path = _AMP_SUFFIX_RE.sub("/", path)
    match = _PAGE_SUFFIX_RE.search(path)
    if match and int(match.group(1)) <= 1:
        path = path[: match.start()] + "/"
    if not path.endswith("/") and not _has_extension(path) and "/wp-json" not in path:
        path += "/"
    return path


def join_url(base: str, href: str) -> str | None:
    """``href`` made absolute against ``base``; None when either cannot be parsed.

    urllib raises ValueError on input such as ``http://[::1/x``; page content is untrusted.
    """
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None


# Pages repeat most of their links (menus, widgets, Recent Posts, related posts), so the
# URL rules are cached: bounded, so memory stays flat however large the archive. 4,096
# holds what repeats; at 32,768 the three caches grew by ~30 MB between a 2,000- and a
# 20,000-article crawl (and a miss on a canonical-looking URL now costs ~1 us).
URL_CACHE_SIZE = 4096


def canonicalize(url: str, site: Site | None = None) -> str | None:
    """The one canonical form of an absolute http(s) URL, or None if it is unusable (cached)."""
    if not isinstance(url, str):
        return None
    return _canonicalize_cached(url, site)


@lru_cache(maxsize=URL_CACHE_SIZE)
def _canonicalize_cached(url: str, site: Site | None) -> str | None:
    return _canonicalize(url, site)


# An on-site URL spelled exactly like the site's origin followed by lower-case slug
# segments and a trailing slash is already canonical: nothing in _canonicalize_slow changes
# it (no query, fragment, port, case, escapes, doubled slashes, /amp or /page/N). Most
# article links of a WordPress site look like that; the check costs ~1 us, the full rules
# ~25-100 us (every entry of a sitemap, each time it changes). tests/test_urls.py compares
# both on every case of its tables.
_SLUG_PATH_RE = re.compile(r"(?:/[a-z0-9]+(?:-[a-z0-9]+)*)+/")
_FOLDED_SEGMENT_RE = re.compile(r"/(?:amp|page)/")


@lru_cache(maxsize=64)
def _origin(site: Site) -> str:
    parts = urlsplit(site.base)
    return f"{parts.scheme}://{parts.netloc}"


def already_canonical(url: str, site: Site) -> bool:
    """True when ``url`` is an on-site URL that canonicalizes to itself (cheap check)."""
    origin = _origin(site)
    return (
        url.startswith(origin)
        and len(url) <= MAX_URL_LENGTH
        and _SLUG_PATH_RE.fullmatch(url, len(origin)) is not None
        and _FOLDED_SEGMENT_RE.search(url, len(origin)) is None
    )


def _canonicalize(url: str, site: Site | None = None) -> str | None:
    """:func:`_canonicalize_slow`, with a fast path for URLs already canonical."""
    if site is not None and isinstance(url, str) and already_canonical(url, site):
        return url
    return _canonicalize_slow(url, site)


def _canonicalize_slow(url: str, site: Site | None = None) -> str | None:
    """The one canonical form of an absolute http(s) URL, or None if it is unusable.

    None for: relative references (join them with the page URL first), other schemes
    (mailto:, javascript:, data:, tel:), unparsable hosts or ports, URLs longer than
    ``MAX_URL_LENGTH``. Userinfo is always dropped: credentials never select content and
    must not end up in the store.
    """
    if not isinstance(url, str):
        return None
    text = url.strip()
    if not text or len(text) > MAX_URL_LENGTH:
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # bad IPv6 literal, port out of range or not a number
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return None
    if parts.netloc.rsplit("@", 1)[-1].endswith(":"):
        port = None  # "host:" is an empty port: the default
    hostname = _normalize_hostname(parts.hostname or "")
    if hostname is None:
        return None
    on_site = site is not None and _matches_site(hostname, scheme, port, site)
    if site is not None and on_site:
        scheme, netloc = site.scheme, site.netloc
    else:
        netloc = _join_host_port(hostname, None if port == DEFAULT_PORTS[scheme] else port)
    query = _filter_query(parts.query, on_site)
    try:
        normalized = canonicalize_url(urlunsplit((scheme, netloc, parts.path or "/", query, "")))
    except (ValueError, UnicodeError):
        return None
    if on_site:
        final = urlsplit(normalized)
        normalized = urlunsplit(
            (final.scheme, final.netloc, _on_site_path(final.path), final.query, "")
        )
    return normalized if len(normalized) <= MAX_URL_LENGTH else None


def is_on_site(url: str, site: Site) -> bool:
    """True if ``url`` is an absolute http(s) URL of ``site`` (cached; see _is_on_site)."""
    if not isinstance(url, str):
        return False
    return _is_on_site_cached(url, site)


@lru_cache(maxsize=URL_CACHE_SIZE)
def _is_on_site_cached(url: str, site: Site) -> bool:
    return _is_on_site(url, site)


def _is_on_site(url: str, site: Site) -> bool:
    """True if ``url`` is an absolute http(s) URL of ``site`` (``www.`` and scheme folded).

    Sub-domains are other sites (``m.example.com`` may be another CMS); so is the same
    host on a different explicit port when the site itself has one.
    """
    if not isinstance(url, str) or len(url.strip()) > MAX_URL_LENGTH:
        return False
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return False
    hostname = _normalize_hostname(parts.hostname or "")
    return hostname is not None and _matches_site(hostname, scheme, port, site)


def is_amp_url(url: str) -> bool:
    """An AMP rendering: ``/amp`` path suffix, ``?amp`` or ``?amp=1`` (not ``?noamp=``)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    if _AMP_SUFFIX_RE.search(parts.path):
        return True
    return any(_param_name(pair) in AMP_PARAMS for pair in parts.query.split("&") if pair)


def strip_amp(url: str) -> str:
    """The non-AMP URL of an AMP rendering; other parts of the URL are left as they are."""
    parts = urlsplit(url.strip())
    path = _AMP_SUFFIX_RE.sub("/", parts.path)
    pairs = [
        pair
        for pair in parts.query.split("&")
        if pair and _param_name(pair) not in {"amp", "noamp", "nonamp"}
    ]
    return urlunsplit((parts.scheme, parts.netloc, path, "&".join(pairs), parts.fragment))


def listing_page_number(url: str) -> int | None:
    """N of a paged listing (``.../page/N/`` or ``?paged=N``), None if the URL has no page mark.

    The first page of a listing usually carries no mark at all: None means "page 1 or
    not a listing"; :func:`classify_url` tells which.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    match = _PAGE_SUFFIX_RE.search(parts.path)
    if match:
        return int(match.group(1))
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name.lower() == "paged" and _NUMBER_RE.match(value):
            return int(value)
    return None


def listing_root(url: str) -> str:
    """The first page of a paged listing URL (``.../page/N/`` removed, ``paged`` dropped)."""
    parts = urlsplit(url.strip())
    path = _PAGE_SUFFIX_RE.sub("/", parts.path)
    pairs = [p for p in parts.query.split("&") if p and p.partition("=")[0].lower() != "paged"]
    return urlunsplit((parts.scheme, parts.netloc, path, "&".join(pairs), ""))


def listing_page_url(url: str, page: int) -> str:
    """URL of page ``page`` of the listing ``url`` in WordPress pretty-permalink form."""
    if page < 1:
        raise ValueError(f"page numbers start at 1, got {page}")
    root = urlsplit(listing_root(url))
    path = root.path if root.path.endswith("/") else root.path + "/"
    if page > 1:
        path = f"{path}page/{page}/"
    return urlunsplit((root.scheme, root.netloc, path, root.query, ""))


def unknown_query_key(url: str) -> str | None:
    """The URL without its unknown query parameters, when it has any (else None).

    Canonical URLs keep parameters nobody knows (a plugin may select content with one), so a
    counter or token in every link would make endless URLs of one page; the spider fetches
    a page under a few such spellings only (IFP_QUERY_VARIANTS_PER_PATH), keyed by this.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    pairs = [p for p in parts.query.split("&") if p]
    known = [p for p in pairs if _param_name(p) in WP_QUERY_VARS]
    if len(known) == len(pairs):
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(known), ""))


def wp_post_id(url: str) -> int | None:
    """Post id from a plain permalink (``?p=123``, ``?page_id=``, ``?attachment_id=``)."""
    try:
        query = urlsplit(url.strip()).query
    except ValueError:
        return None
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name.lower() in {"p", "page_id", "attachment_id"} and _NUMBER_RE.match(value):
            return int(value)
    return None


def _query_names(query: str) -> set[str]:
    return {_param_name(pair) for pair in query.split("&") if pair}


def _segments(path: str, site: Site) -> list[str] | None:
    """Path segments below the WordPress root, None if the path is outside the install."""
    root = site.root_path
    if not path.startswith(root):
        return None
    rest = path[len(root) :]
    segments = [s for s in rest.split("/") if s]
    # PATHINFO permalinks (/index.php/2024/05/slug/) on hosts without mod_rewrite.
    if segments[:1] == ["index.php"] and len(segments) > 1:
        segments = segments[1:]
    return segments


def _is_date_archive(segments: list[str]) -> bool:
    checks = (_YEAR_RE, _MONTH_RE, _DAY_RE)
    return 1 <= len(segments) <= 3 and all(
        rx.match(seg) for rx, seg in zip(checks, segments, strict=False)
    )


def _is_listing_path(segments: list[str]) -> bool:
    if not segments:
        return True
    if segments[0].lower() in LISTING_ROOTS:
        return True
    return _is_date_archive(segments)


def _classify_query(names: set[str], segments: list[str]) -> UrlKind | None:
    if names & ADMIN_QUERY_VARS:
        return "admin"
    if "rest_route" in names:
        return None  # decided from the value by the caller
    if "feed" in names:
        return "admin" if {"p", "page_id"} & names else "feed"
    if "attachment_id" in names:
        return "attachment"
    if not segments and {"p", "page_id"} & names:
        return "article"
    if not segments and names & LISTING_QUERY_VARS:
        return "listing"
    return None


def _classify_segments(segments: list[str]) -> UrlKind:
    lowered = [s.lower() for s in segments]
    last = lowered[-1] if lowered else ""
    if lowered[:1] in (["wp-content"], ["wp-includes"]):
        return "asset"
    if lowered[:1] == ["wp-json"]:
        return "api" if lowered[1:4] == ["wp", "v2", "posts"] else "admin"
    if lowered[:1] == ["wp-admin"] or last in ADMIN_FILES:
        return "admin"
    if last.endswith((".xml", ".xml.gz")) and "sitemap" in last:
        return "sitemap"
    if last in FEED_FILES:
        return "feed"
    extension = last.rsplit(".", 1)[-1] if "." in last else ""
    if extension in ASSET_EXTENSIONS:
        return "asset"
    if lowered[:1] in (["search"], ["comments"]):
        return "admin"
    if last in ADMIN_SUFFIXES or (len(lowered) > 1 and lowered[-1].startswith("comment-page-")):
        return "admin"
    if last in FEED_NAMES or (len(lowered) > 1 and lowered[-2] == "feed"):
        # /feed/, /feed/atom/, /category/x/feed/ list posts; /<post>/feed/ is its comment feed.
        head = lowered[: lowered.index("feed")] if "feed" in lowered else lowered[:-1]
        return "feed" if _is_listing_path(head) else "admin"
    if "attachment" in lowered[:-1] or last == "attachment":
        return "attachment"
    if _PAGE_SUFFIX_RE.search("/" + "/".join(lowered) + "/") or _is_listing_path(lowered):
        return "listing"
    return _classify_content_path(lowered, extension)


def _classify_content_path(lowered: list[str], extension: str) -> UrlKind:
    """Article candidates; the extractor decides from the page (``/about-us/`` is one too)."""
    if extension and extension not in PAGE_EXTENSIONS:
        return "other"
    if any(_CALENDAR_SEGMENT_RE.match(segment) for segment in lowered):
        # Event calendars (/events/2024-05-17/, /events/month/2024-05/) link every day to
        # the next one, forever: an archive view that repeats posts, never a post.
        return "other"
    if len(lowered) <= 2:
        # /slug/, /%category%/%postname%/, /slug.html, /archives/123/, /slug/2/ (page 2 of a post)
        return "article"
    if _YEAR_RE.match(lowered[0]) and len(lowered) <= 4:
        # /%year%/%monthnum%/%postname%/, /%year%/%monthnum%/%day%/%postname%/
        return "article"
    if len(lowered) <= 4 and "-" in lowered[-1]:
        # /%category%/%postname%/ with nested categories: a hyphenated slug at the end
        return "article"
    return "other"


def classify_url(url: str, site: Site) -> UrlKind:
    """Route a URL for the spider (cached; see :func:`_classify_url`)."""
    if not isinstance(url, str):
        return "offsite"
    return _classify_cached(url, site)


@lru_cache(maxsize=URL_CACHE_SIZE)
def _classify_cached(url: str, site: Site) -> UrlKind:
    return _classify_url(url, site)


def _classify_url(url: str, site: Site) -> UrlKind:
    """Route a URL for the spider (heuristics: real WordPress first, ifpnews second).

    Works on raw or canonical URLs (AMP and ``filter_by`` variants classify as the page
    they render). Unusable URLs are "offsite": nothing to fetch either way.
    """
    canonical = canonicalize(url, site)
    if canonical is None or not is_on_site(canonical, site):
        return "offsite"
    parts = urlsplit(canonical)
    segments = _segments(parts.path, site)
    if segments is None:
        return "other"
    names = _query_names(parts.query)
    if "rest_route" in names:
        route = next(
            unquote_plus(p.partition("=")[2])
            for p in parts.query.split("&")
            if p and _param_name(p) == "rest_route"
        )
        return "api" if route.strip("/").startswith("wp/v2/posts") else "admin"
    by_query = _classify_query(names, segments)
    if by_query is not None:
        return by_query
    return _classify_segments(segments)
