"""Machine-readable endpoints: RSS 2.0 feeds, robots.txt, core sitemaps, the REST API.

Formats follow WordPress core: ``/feed/`` (``rss2`` template with ``dc:creator`` and
``content:encoded``), ``/wp-sitemap.xml`` (index) with 2,000 URLs per posts sitemap,
``/wp-json/wp/v2/posts`` with ``X-WP-Total``/``X-WP-TotalPages``. ``<lastmod>`` in the
posts sitemaps is an addition (core WordPress leaves it out, Yoast and Rank Math add it).
"""

from __future__ import annotations

import json
import math
from datetime import UTC
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from tests.replica.common import join_url, utc_iso
from tests.replica.content import SITE_NAME, Post, Site
from tests.replica.render_tagdiv import paragraph_html

FEED_SIZE = 20
SITEMAP_SIZE = 2000
REST_MAX_PER_PAGE = 100


def robots_txt(site: Site, root: str) -> bytes:
    lines = [
        "User-agent: *",
        "Disallow: /wp-admin/",
        "Allow: /wp-admin/admin-ajax.php",
        "Disallow: /?s=",
        "",
    ]
    if site.sitemap:
        lines.append(f"Sitemap: {root}/wp-sitemap.xml")
    return ("\n".join(lines) + "\n").encode()


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rss(site: Site, root: str, posts: list[Post], title: str, link: str, self_url: str) -> bytes:
    items = [p for p in posts if p.status == "publish"][:FEED_SIZE]
    last = max((p.modified_at for p in items), default=None)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" '
        'xmlns:slash="http://purl.org/rss/1.0/modules/slash/">\n<channel>\n'
        f"\t<title>{xml_escape(title)}</title>\n"
        f'\t<atom:link href="{xml_escape(self_url)}" rel="self" type="application/rss+xml" />\n'
        f"\t<link>{xml_escape(link)}</link>\n"
        "\t<description>Iran Front Page</description>\n"
    ]
    if last is not None:
        out.append(f"\t<lastBuildDate>{format_datetime(last.astimezone(UTC))}</lastBuildDate>\n")
    out.append(
        "\t<language>en-US</language>\n\t<sy:updatePeriod>hourly</sy:updatePeriod>\n"
        "\t<sy:updateFrequency>1</sy:updateFrequency>\n"
        "\t<generator>https://wordpress.org/?v=6.4.3</generator>\n"
    )
    for post in items:
        url = join_url(root, post.path)
        content = "\n".join(paragraph_html(site, p, root) for p in site.paragraphs(post))
        out.append(
            "\t<item>\n"
            f"\t\t<title>{xml_escape(post.raw_title)}</title>\n"
            f"\t\t<link>{xml_escape(url)}</link>\n"
            f"\t\t<comments>{xml_escape(url)}#respond</comments>\n"
            f"\t\t<dc:creator>{_cdata(post.author.name)}</dc:creator>\n"
            f"\t\t<pubDate>{format_datetime(post.published.astimezone(UTC))}</pubDate>\n"
        )
        for category in post.categories:
            out.append(f"\t\t<category>{_cdata(category.name)}</category>\n")
        for tag in post.tags:
            out.append(f"\t\t<category>{_cdata(tag.name)}</category>\n")
        out.append(
            f'\t\t<guid isPermaLink="false">{root}/?p={post.wp_id}</guid>\n'
            f"\t\t<description>{_cdata(site.summary(post))}</description>\n"
            f"\t\t<content:encoded>{_cdata(content)}</content:encoded>\n"
            "\t\t<slash:comments>0</slash:comments>\n\t</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode()


def _urlset(entries: list[tuple[str, str | None]]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    for loc, lastmod in entries:
        out.append(f"<url><loc>{xml_escape(loc)}</loc>")
        if lastmod:
            out.append(f"<lastmod>{lastmod}</lastmod>")
        out.append("</url>\n")
    out.append("</urlset>\n")
    return "".join(out).encode()


def sitemap_post_pages(site: Site) -> int:
    return max(1, math.ceil(len(site.articles) / SITEMAP_SIZE))


def sitemap_index(site: Site, root: str) -> bytes:
    names = [f"wp-sitemap-posts-post-{n}.xml" for n in range(1, sitemap_post_pages(site) + 1)]
    names += [
        "wp-sitemap-posts-page-1.xml",
        "wp-sitemap-taxonomies-category-1.xml",
        "wp-sitemap-taxonomies-post_tag-1.xml",
        "wp-sitemap-users-1.xml",
    ]
    body = "".join(f"<sitemap><loc>{root}/{name}</loc></sitemap>\n" for name in names)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}</sitemapindex>\n"
    ).encode()


def sitemap_file(site: Site, root: str, name: str) -> bytes | None:
    """One sub-sitemap by file name, or None when there is no such file."""
    if name.startswith("wp-sitemap-posts-post-"):
        number = name.removeprefix("wp-sitemap-posts-post-").removesuffix(".xml")
        if not number.isdigit() or not 1 <= int(number) <= sitemap_post_pages(site):
            return None
        start = (int(number) - 1) * SITEMAP_SIZE
        # Core WordPress lists posts oldest first (ordered by ID).
        chunk = site.articles[start : start + SITEMAP_SIZE]
        return _urlset([(join_url(root, p.path), p.modified_at.isoformat()) for p in chunk])
    if name == "wp-sitemap-posts-page-1.xml":
        return _urlset([(f"{root}/{slug}/", None) for slug in ("about-us", "contact-us")])
    if name == "wp-sitemap-taxonomies-category-1.xml":
        return _urlset([(root + c.url_path, None) for c in site.categories.values()])
    if name == "wp-sitemap-taxonomies-post_tag-1.xml":
        return _urlset([(root + t.url_path, None) for t in site.tags.values()])
    if name == "wp-sitemap-users-1.xml":
        return _urlset([(root + a.url_path, None) for a in site.authors.values()])
    return None


def _local_naive(post_time: Any) -> str:
    return str(post_time.replace(tzinfo=None).isoformat())


def rest_post(site: Site, root: str, post: Post) -> dict[str, Any]:
    protected = post.status != "publish"
    content = (
        ""
        if protected
        else "\n".join(paragraph_html(site, p, root) for p in site.paragraphs(post)) + "\n"
    )
    return {
        "id": post.wp_id,
        "date": _local_naive(post.published),
        "date_gmt": _local_naive(post.published.astimezone(UTC)),
        "guid": {"rendered": f"{root}/?p={post.wp_id}"},
        "modified": _local_naive(post.modified_at),
        "modified_gmt": _local_naive(post.modified_at.astimezone(UTC)),
        "slug": post.slug,
        "status": "publish",
        "type": "post",
        "link": join_url(root, post.path),
        "title": {"rendered": post.raw_title},
        "content": {"rendered": content, "protected": protected},
        "excerpt": {
            "rendered": "" if protected else f"<p>{site.summary(post)}</p>\n",
            "protected": protected,
        },
        "author": post.author.user_id,
        "featured_media": post.wp_id + 1 if post.image_path else 0,
        "comment_status": "open",
        "format": "standard",
        "categories": [c.term_id for c in post.categories],
        "tags": [t.term_id for t in post.tags],
        "_links": {"self": [{"href": f"{root}/wp-json/wp/v2/posts/{post.wp_id}"}]},
    }


def rest_error(code: str, message: str, status: int) -> bytes:
    return json.dumps({"code": code, "message": message, "data": {"status": status}}).encode()


def rest_posts(
    site: Site, root: str, page: int, per_page: int
) -> tuple[int, bytes, list[tuple[str, str]]]:
    """(status, JSON body, extra headers) for /wp-json/wp/v2/posts."""
    if not 1 <= per_page <= REST_MAX_PER_PAGE:
        return 400, rest_error("rest_invalid_param", "Invalid parameter(s): per_page", 400), []
    posts = [p for p in site.newest if p.listed]
    total = len(posts)
    pages = max(1, math.ceil(total / per_page))
    if page < 1 or page > pages:
        message = "The page number requested is larger than the number of pages available."
        return 400, rest_error("rest_post_invalid_page_number", message, 400), []
    chunk = posts[(page - 1) * per_page : page * per_page]
    body = json.dumps([rest_post(site, root, p) for p in chunk], ensure_ascii=False)
    headers = [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]
    links = []
    if page > 1:
        links.append(
            f'<{root}/wp-json/wp/v2/posts?page={page - 1}&per_page={per_page}>; rel="prev"'
        )
    if page < pages:
        links.append(
            f'<{root}/wp-json/wp/v2/posts?page={page + 1}&per_page={per_page}>; rel="next"'
        )
    if links:
        headers.append(("Link", ", ".join(links)))
    return 200, body.encode(), headers


def rest_root(root: str) -> bytes:
    return json.dumps(
        {
            "name": SITE_NAME,
            "description": "Iran Front Page",
            "url": root,
            "home": root,
            "gmt_offset": 3.5,
            "timezone_string": "Asia/Tehran",
            "namespaces": ["oembed/1.0", "wp/v2", "wp-site-health/v1"],
            "routes": {
                "/wp/v2/posts": {"namespace": "wp/v2", "methods": ["GET"]},
                "/wp/v2/categories": {"namespace": "wp/v2", "methods": ["GET"]},
            },
            "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
        }
    ).encode()


__all__ = [
    "rest_post",
    "rest_posts",
    "rest_root",
    "robots_txt",
    "rss",
    "sitemap_file",
    "sitemap_index",
    "utc_iso",
]
