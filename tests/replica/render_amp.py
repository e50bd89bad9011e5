"""AMP article pages in the markup of the AMP for WP plugin's "Swift" design.

Text order as seen on ifpnews.com (seed-article.txt): category label, title, optional
excerpt, body, author name and bio, "Share", "Published by", tags, related posts, then
"Recent Posts" (the site's 6 latest posts, with relative times filled in per request).
Links inside AMP chrome point at the AMP versions of posts, as the plugin does.
"""

from __future__ import annotations

import hashlib
import json

from tests.replica.common import (
    PageBuilder,
    Rendered,
    Slot,
    attr,
    esc,
    human_time_diff,
    join_url,
    long_date,
    make_css,
)
from tests.replica.content import SITE_NAME, Post, Site, paragraph_text, words_excerpt
from tests.replica.render_tagdiv import etag_for, paragraph_html

AMP_BOILERPLATE = (
    "<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "-moz-animation:-amp-start 8s steps(1,end) 0s 1 normal both;animation:-amp-start 8s "
    "steps(1,end) 0s 1 normal both}@-webkit-keyframes -amp-start{from{visibility:hidden}to"
    "{visibility:visible}}@keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "</style><noscript><style amp-boilerplate>body{-webkit-animation:none;-moz-animation:none;"
    "animation:none}</style></noscript>"
)
SWIFT_PREFIXES = ["sp-", "amp-", "cntn-", "loop-", "fsp-", "r-pf-", "srp-", "h_m_", "ss-", "athr-"]


class AmpRenderer:
    def __init__(self, site: Site, base: str) -> None:
        self.site = site
        self.root = base.rstrip("/")
        css = make_css(SWIFT_PREFIXES, 420, "swift-css")
        self._head_assets = (
            '<script async src="https://cdn.ampproject.org/v0.js"></script>\n'
            '<script async custom-element="amp-sidebar" '
            'src="https://cdn.ampproject.org/v0/amp-sidebar-0.1.js"></script>\n'
            '<script async custom-element="amp-social-share" '
            'src="https://cdn.ampproject.org/v0/amp-social-share-0.1.js"></script>\n'
            f"{AMP_BOILERPLATE}\n<style amp-custom>\n{css}\n</style>\n</head>\n"
        ).encode()
        menu = "".join(
            f'<li class="menu-item"><a href="{self.root}{c.url_path}">{esc(c.name)}</a></li>'
            for c in site.categories.values()
        )
        self._header = (
            '<amp-sidebar id="sidebar" class="sidebar" layout="nodisplay" side="left">'
            '<div class="amp-close-btn"><div role="button" tabindex="0" class="amp-menu-close" '
            'on="tap:sidebar.close">&#x2715;</div></div><div class="amp-menu">'
            f'<ul class="amp-menu">{menu}</ul></div></amp-sidebar>\n'
            '<header class="header h_m h_m_1"><div class="h-nav"><div class="cntr">'
            '<div class="head h_m_w"><div class="h-nav"><div class="amp-ham">'
            '<div class="lb-t" on="tap:sidebar.toggle" role="button" tabindex="0"></div></div>'
            '</div><div class="logo"><h1><a href="' + self.root + '/">'
            f'<amp-img src="{self.root}/wp-content/uploads/2019/01/ifp-logo.png" width="190" '
            'height="36" alt="Iran Front Page" layout="responsive"></amp-img></a></h1></div>'
            "</div></div></div></header>\n"
        ).encode()
        self._footer = (
            '<footer class="footer"><div class="f-w-f2"><div class="cntr"><div class="rr">'
            '<span>&copy; 2025 Iran Front Page</span><span class="view-non-amp"><a href="'
            + self.root
            + '/?nonamp=1" rel="nofollow">View Non-AMP Version</a></span></div></div></div>'
            "</footer>\n</body>\n</html>\n"
        ).encode()

    def recent_block(self, now: float) -> bytes:
        """Swift's "Recent Posts": the site's 6 latest posts, 15-word excerpts, times ago."""
        items = []
        for post in self.site.recent():
            url = join_url(self.root, post.amp_path)
            category = post.categories[0]
            excerpt = words_excerpt(paragraph_text(self.site.paragraphs(post)[0]), 15, "…")
            image = join_url(self.root, post.image_path) if post.image_path else ""
            thumb = (
                f'<div class="fsp-img"><a href="{url}"><amp-img src="{image}" width="346" '
                'height="188" layout="responsive" alt=""></amp-img></a></div>'
                if image
                else ""
            )
            items.append(
                f'<div class="fsp">{thumb}<div class="fsp-cnt">'
                f'<ul class="loop-category"><li class="amp-cat-{category.term_id}">'
                f'<a href="{self.root}{category.url_path}">{esc(category.name)}</a></li></ul>'
                f'<h2 class="loop-title"><a href="{url}">{esc(post.raw_title)}</a></h2>'
                f'<p class="loop-excerpt">{esc(excerpt)}</p>'
                '<div class="pt-dt"><div class="loop-date">'
                f"{human_time_diff(post.published.timestamp(), now)}</div></div>"
                "</div></div>"
            )
        return (
            '<div class="r-pf"><div class="cntr"><h3>Recent Posts</h3>'
            + "".join(items)
            + "</div></div>\n"
        ).encode()

    def article(self, post: Post) -> Rendered:
        site = self.site
        canonical = join_url(self.root, post.path)
        amp_url = join_url(self.root, post.amp_path)
        image = join_url(self.root, post.image_path) if post.image_path else None
        summary = site.summary(post)
        schema: dict[str, object] = {
            "@context": "http://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": amp_url,
            "url": amp_url,
            "headline": post.raw_title,
            "datePublished": post.published.isoformat(),
            "dateModified": post.modified_at.isoformat(),
            "description": summary,
            "articleSection": post.section,
            "keywords": ", ".join(t.name for t in post.tags),
            "name": post.raw_title,
            "author": {
                "@type": "Person",
                "name": post.author.name,
                "url": join_url(self.root, post.author.url_path),
            },
            "publisher": {
                "@type": "Organization",
                "name": SITE_NAME,
                "logo": {
                    "@type": "ImageObject",
                    "url": f"{self.root}/wp-content/uploads/2019/01/ifp-logo.png",
                },
            },
        }
        if image:
            schema["image"] = {"@type": "ImageObject", "url": image, "width": 696, "height": 464}
        body_class = (
            f"body single-post {post.wp_id} post-id-{post.wp_id} singular-{post.wp_id} "
            "amp-single post 1.0.93"
        )
        page = PageBuilder()
        page.add(
            '<!doctype html>\n<html amp lang="en-US">\n<head><meta charset="utf-8">\n'
            '<link rel="preconnect" href="//cdn.ampproject.org">\n'
            f"<title>{esc(post.raw_title)} - {SITE_NAME}</title>\n"
            '<meta name="viewport" content="width=device-width">\n'
            f'<link rel="canonical" href="{canonical}">\n'
            f'<meta name="description" content="{attr(summary)}"/>\n'
            '<script type="application/ld+json">'
            + json.dumps(schema, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
            + "</script>\n"
        )
        page.shared(self._head_assets)
        page.add(f'<body class="{body_class}">\n')
        page.shared(self._header)
        primary = post.categories[0]
        page.add(
            '<div class="sp sgl"><div class="cntr">'
            '<div class="amp-category">'
            f'<span class="amp-cat amp-cat-{primary.term_id}"><a href="{self.root}'
            f'{primary.url_path}" title="{attr(primary.name)}">{esc(primary.name)}</a></span>'
            "</div>\n"
            f'<h1 class="amp-post-title">{esc(post.raw_title)}</h1>\n'
        )
        lead = paragraph_text(site.paragraphs(post)[0])
        if summary and summary != lead:
            page.add(f'<div class="tl-exc">{esc(summary)}</div>\n')
        page.add("</div>\n")
        if image:
            page.add(
                '<div class="sf-img"><figure class="amp-featured-image">'
                f'<amp-img width="696" height="464" src="{image}" layout="responsive" alt="" '
                'class="attachment-full size-full wp-post-image"></amp-img>'
            )
            if post.caption:
                page.add(f'<p class="wp-caption-text">{esc(post.caption)}</p>')
            page.add("</figure></div>\n")
        page.add(
            '<div class="sp-cnt"><div class="cntr"><div class="sp-rl"><div class="sp-rt">'
            '<div class="cntn-wrp artl-cnt">\n'
        )
        for paragraph in site.paragraphs(post):
            page.add(paragraph_html(site, paragraph, self.root), "\n")
        author_url = join_url(self.root, post.author.url_path)
        avatar = hashlib.md5(post.author.name.encode()).hexdigest()
        page.add(
            "</div>\n"
            '<div class="amp-author amp-author-box"><div class="amp-author-image">'
            f'<amp-img src="https://secure.gravatar.com/avatar/{avatar}?s=70" width="70" '
            'height="70" layout="fixed"></amp-img></div><div class="author-details">'
            f'<h3 class="amp-author-name"><a href="{author_url}">{esc(post.author.name)}</a></h3>'
            f'<p class="amp-author-bio">{esc(post.author.bio)}</p></div></div>\n'
            '<div class="ss-ic"><span class="shr-txt">Share</span><ul>'
        )
        for network in ("facebook", "twitter", "whatsapp", "telegram", "email"):
            page.add(
                f'<li><amp-social-share type="{network}" width="30" height="30" '
                f'data-param-url="{amp_url}"></amp-social-share></li>'
            )
        page.add(
            "</ul></div>\n"
            '<div class="sp-athr"><span class="athr-tx">Published by</span>'
            '<div class="amp-author"><span class="author-name">'
            f'<a href="{author_url}">{esc(post.author.name)}</a></span></div></div>\n'
            '<div class="post-date"><div class="loop-date">'
            f"{long_date(post.published)}</div></div>\n"
        )
        if post.tags:
            page.add('<div class="tags"><div class="amp-tags">')
            for tag in post.tags:
                page.add(
                    f'<span class="amp-tag amp-tag-{tag.term_id}"><a href="{self.root}'
                    f'{tag.url_path}">{esc(tag.name)}</a></span>'
                )
            page.add("</div></div>\n")
        page.add(
            '<div class="srp"><h3 class="amp-related-posts-title">Related Articles</h3><ul '
            'class="clearfix">'
        )
        for index in post.related:
            target = site.posts[index]
            page.add(
                '<li class="has_thumbnail"><div class="related_link">'
                f'<a href="{join_url(self.root, target.amp_path)}">{esc(target.raw_title)}</a>'
                "</div></li>"
            )
        page.add("</ul></div>\n</div></div></div></div></div>\n")
        page.shared(Slot.RECENT_AMP)
        page.shared(self._footer)
        return Rendered(
            page.parts(), etag=etag_for(post, site, "amp"), last_modified=post.modified_at
        )
