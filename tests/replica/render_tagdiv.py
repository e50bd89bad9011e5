"""Desktop pages in the markup of the tagDiv "Newspaper" theme with Yoast SEO.

Markup follows the theme's templates (single template 1, td_module_10 listings,
td_block_related_posts, page-nav) as ifpnews.com renders them; see ifp-site.md.
Yoast's meta and JSON-LD carry times in UTC, the theme's ``time[datetime]`` and
``meta[itemprop]`` carry the site's local offset, as the real plugins do.
"""

from __future__ import annotations

import hashlib
import json
import math
from urllib.parse import quote

from tests.replica.common import (
    LAZY_PIXEL,
    PageBuilder,
    Rendered,
    Slot,
    attr,
    body_classes_single,
    esc,
    human_time_diff,
    join_url,
    long_date,
    make_css,
    make_script,
    post_classes,
    utc_iso,
)
from tests.replica.content import (
    PER_PAGE,
    SITE_NAME,
    STATIC_PAGES,
    BodyLink,
    Paragraph,
    Post,
    Site,
    words_excerpt,
)

TD_PREFIXES = ["td-", "td_module_", "td-block-", "td-post-", "td-header-", "td-footer-", "tdb-"]
MENU_SECTIONS = [
    ("news/politics", ["news/politics/parliaments"]),
    ("news/diplomacy", []),
    ("news/economy", []),
    ("news/society", []),
    ("news/world", ["news/world/middle-east"]),
    ("news/cultures", ["news/cultures/cinema"]),
    ("news/sports", []),
]
SHARE_NETWORKS = {
    "facebook": "https://www.facebook.com/sharer.php?u={url}",
    "twitter": "https://twitter.com/intent/tweet?text={title}&url={url}&via=IFPNews",
    "pinterest": "https://pinterest.com/pin/create/button/?url={url}",
    "whatsapp": "https://api.whatsapp.com/send?text={title}%20%0A%0A%20{url}",
    "telegram": "https://telegram.me/share/url?url={url}&text={title}",
    "linkedin": "https://www.linkedin.com/shareArticle?mini=true&url={url}&title={title}",
}


def paragraph_html(site: Site, paragraph: Paragraph, base: str) -> str:
    out = []
    for segment in paragraph:
        if isinstance(segment, BodyLink):
            href = site.href(segment, base)
            rel = ' target="_blank" rel="noopener"' if segment.url else ""
            out.append(f'<a href="{attr(href)}"{rel}>{esc(segment.anchor)}</a>')
        else:
            out.append(esc(segment))
    return "<p>" + "".join(out) + "</p>"


def etag_for(post: Post, site: Site, kind: str) -> str:
    digest = hashlib.sha1(
        f"{kind}:{post.wp_id}:{post.modified_at.isoformat()}:{site.seed}".encode()
    ).hexdigest()
    return f'"{digest[:20]}"'


class TagDivRenderer:
    """Renders every HTML page of the tagDiv theme for one site and base URL."""

    def __init__(self, site: Site, base: str) -> None:
        self.site = site
        self.base = base.rstrip("/") + "/"
        self.root = base.rstrip("/")
        self._article_position = {p.index: i for i, p in enumerate(site.articles)}
        self._head_assets = self._make_head_assets()
        self._header_after_date = self._make_header_after_date()
        self._header_before_date = (
            b'<div class="td-scroll-up"><i class="td-icon-menu-up"></i></div>\n'
            b'<div class="td-menu-background"></div>\n'
            b'<div id="td-outer-wrap" class="td-theme-wrap">\n'
            b'<div class="tdc-header-wrap"><div class="td-header-wrap td-header-style-1">\n'
            b'<div class="td-header-top-menu-full td-container-wrap">'
            b'<div class="td-container td-header-row td-header-top-menu">'
            b'<div class="top-bar-style-1"><div class="td-header-sp-top-menu">'
            b'<div class="td_data_time"><div style="visibility:visible;">'
        )
        self._sidebar = self._make_sidebar()
        self._footer = self._make_footer()
        self._comment_head = (
            '<div class="comments" id="comments"><div id="respond" class="comment-respond">'
            '<h4 id="reply-title" class="comment-reply-title td-comment-title">LEAVE A REPLY '
            '<small><a rel="nofollow" id="cancel-comment-reply-link" href="#respond" '
            'style="display:none;">Cancel reply</a></small></h4>'
            f'<form action="{self.root}/wp-comments-post.php" method="post" id="commentform" '
            'class="comment-form"><div class="clearfix"></div>'
            '<div class="comment-form-input-wrap td-form-comment"><textarea placeholder="Comment:" '
            'id="comment" name="comment" cols="45" rows="8" aria-required="true"></textarea>'
            '<div class="td-warning-comment">Please enter your comment!</div></div>'
            '<div class="comment-form-input-wrap td-form-author"><input class="" id="author" '
            'name="author" placeholder="Name:*" type="text" value="" size="30" '
            "aria-required='true' /><div class=\"td-warning-author\">Please enter your name "
            "here</div></div>"
            '<div class="comment-form-input-wrap td-form-email"><input class="" id="email" '
            'name="email" placeholder="Email:*" type="text" value="" size="30" '
            "aria-required='true' /><div class=\"td-warning-email-error\">You have entered an "
            'incorrect email address!</div><div class="td-warning-email">Please enter your email '
            "address here</div></div>"
            '<div class="comment-form-input-wrap td-form-url"><input class="" id="url" '
            'name="url" placeholder="Website:" type="text" value="" size="30" /></div>'
            '<p class="comment-form-cookies-consent"><input id="wp-comment-cookies-consent" '
            'name="wp-comment-cookies-consent" type="checkbox" value="yes" /><label '
            'for="wp-comment-cookies-consent">Save my name, email, and website in this browser '
            "for the next time I comment.</label></p>"
            '<p class="form-submit"><input name="submit" type="submit" id="submit" '
            'class="submit" value="Post Comment" /> '
        ).encode()
        self._ad_inline = (
            b'<div class="td-a-rec td-a-rec-id-content_inline tdi_3 td_block_template_1">'
            b'<span class="td-adspot-title">- Advertisement -</span>'
            b'<div class="td-all-devices"><a href="https://ifpnews.com/advertise/" '
            b'target="_blank"><img src="/wp-content/uploads/2023/01/ifp-banner-728x90.jpg" '
            b'alt="" width="728" height="90"/></a></div></div>'
        )
        self._ad_bottom = (
            b'<div class="td-a-rec td-a-rec-id-content_bottom tdi_4 td_block_template_1">'
            b'<span class="td-adspot-title">- Advertisement -</span>'
            b'<ins class="adsbygoogle" style="display:block" data-ad-client="ca-pub-0000000000" '
            b'data-ad-slot="1234567890" data-ad-format="auto"></ins>'
            b"<script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div>"
        )

    # ------------------------------------------------------------------ shared chunks

    def _make_head_assets(self) -> bytes:
        css = make_css(TD_PREFIXES, 520, "tagdiv-css")
        config = make_script("tdBlocksArray", 9000, "tagdiv-js")
        return (
            "<link rel='dns-prefetch' href='//fonts.googleapis.com' />\n"
            f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Feed" '
            f'href="{self.root}/feed/" />\n'
            f"<link rel='stylesheet' id='td-theme-css' href='{self.root}/wp-content/themes/"
            "Newspaper/style.css?ver=12.6.1' type='text/css' media='all' />\n"
            f"<style id='td-theme-inline-css'>\n{css}\n</style>\n"
            f"<script type='text/javascript'>{config}</script>\n"
            f"<script src='{self.root}/wp-includes/js/jquery/jquery.min.js?ver=3.7.1' "
            "id='jquery-core-js'></script>\n"
            f'<link rel="https://api.w.org/" href="{self.root}/wp-json/" />\n'
            f'<link rel="EditURI" type="application/rsd+xml" title="RSD" '
            f'href="{self.root}/xmlrpc.php?rsd" />\n'
            '<meta name="generator" content="WordPress 6.4.3" />\n'
        ).encode()

    def _category_link(self, path: str) -> str:
        category = self.site.categories[path]
        return f'<a href="{self.root}{category.url_path}">{esc(category.name)}</a>'

    def _make_header_after_date(self) -> bytes:
        site = self.site
        top_menu = (
            '</div></div><div class="menu-top-container"><ul id="menu-top-menu" '
            'class="top-header-menu">'
            f'<li class="menu-item"><a href="{self.root}/about-us/">About Us</a></li>'
            f'<li class="menu-item"><a href="{self.root}/contact-us/">Contact Us</a></li>'
            "</ul></div></div>"
            '<div class="td-header-sp-top-widget"><span class="td-social-icon-wrap">'
            '<a target="_blank" href="https://twitter.com/IFPNews" title="Twitter">'
            '<i class="td-icon-font td-icon-twitter"></i></a></span>'
            '<span class="td-social-icon-wrap"><a target="_blank" '
            'href="https://t.me/ifpnews" title="Telegram"><i class="td-icon-font '
            'td-icon-telegram"></i></a></span></div></div></div></div>\n'
        )
        logo = (
            '<div class="td-banner-wrap-full td-logo-wrap-full td-container-wrap">'
            '<div class="td-container td-header-row td-header-header">'
            f'<div class="td-header-sp-logo"><a class="td-main-logo" href="{self.root}/">'
            f'<img class="td-retina-data" src="{self.root}/wp-content/uploads/2019/01/'
            f'ifp-logo.png" alt="{SITE_NAME}" title="Iran Front Page" width="272" height="90"/>'
            '<span class="td-visual-hidden">Iran Front Page</span></a></div>'
            '<div class="td-header-sp-recs"><div class="td-header-rec-wrap">'
            '<div class="td-a-rec td-a-rec-id-header td_uid_1_rand td_block_template_1">'
            "</div></div></div></div></div>\n"
        )
        menu = [
            '<div class="td-header-menu-wrap-full td-container-wrap"><div class="td-header-'
            'menu-wrap td-header-gradient"><div class="td-container td-header-row '
            'td-header-main-menu"><div id="td-header-menu" role="navigation">'
            '<div class="menu-td-demo-header-menu-container"><ul id="menu-td-demo-header-menu-1" '
            'class="sf-menu">',
            '<li class="menu-item menu-item-home td-menu-item td-normal-menu">'
            f'<a href="{self.root}/">Home</a></li>',
            f'<li class="menu-item td-menu-item td-normal-menu"><a href="{self.root}/iran-news/">'
            "Iran News</a></li>",
        ]
        listings = site.listings
        for path, children in MENU_SECTIONS:
            category = site.categories[path]
            menu.append(
                '<li class="menu-item menu-item-type-taxonomy menu-item-object-category '
                'td-menu-item td-mega-menu">'
                f'<a href="{self.root}{category.url_path}">{esc(category.name)}</a>'
                '<ul class="sub-menu"><li class="menu-item-0"><div class="td-container-border">'
                '<div class="td-mega-grid"><div class="td_block_wrap td_block_mega_menu '
                'td_with_ajax_pagination td-pb-border-top td_block_template_1">'
                '<div class="td_mega_menu_sub_cats"><div class="block-mega-child-cats">'
                f'<a class="cur-sub-cat mega-menu-sub-cat" href="{self.root}{category.url_path}">'
                "All</a>"
            )
            for child in children:
                child_cat = site.categories[child]
                menu.append(
                    f'<a class="mega-menu-sub-cat" href="{self.root}{child_cat.url_path}">'
                    f"{esc(child_cat.name)}</a>"
                )
            menu.append('</div></div><div class="td_block_inner"><div class="td-mega-row">')
            for post in listings.get(f"category:{path}", [])[:4]:
                menu.append(self._mega_item(post))
            menu.append("</div></div></div></div></div></li></ul></li>")
        for path in ("views", "wired", "war"):
            menu.append(
                '<li class="menu-item menu-item-type-taxonomy td-menu-item td-normal-menu">'
                f"{self._category_link(path)}</li>"
            )
        menu.append(
            f'<li class="menu-item td-menu-item td-normal-menu"><a href="{self.root}/all-stories/">'
            "All Stories</a></li></ul></div></div>"
            '<div class="header-search-wrap"><div class="td-search-btns-wrap">'
            '<a id="td-header-search-button" href="#" role="button" class="dropdown-toggle" '
            'aria-label="Search"><i class="td-icon-search"></i></a></div>'
            '<div class="td-drop-down-search"><form method="get" class="td-search-form" '
            f'action="{self.root}/"><div role="search" class="td-head-form-search-wrap">'
            '<input id="td-header-search" type="text" value="" name="s" autocomplete="off" />'
            '<input class="wpb_button wpb_btn-inverse btn" type="submit" '
            'id="td-header-search-top" value="Search" /></div></form></div></div>'
            "</div></div></div></div></div>\n"
        )
        return (top_menu + logo + "".join(menu)).encode()

    def _mega_item(self, post: Post) -> str:
        url = join_url(self.root, post.path)
        title = attr(post.raw_title)
        return (
            '<div class="td-mega-span"><div class="td_module_mega_menu td-animation-stack '
            'td_mod_mega_menu"><div class="td-module-image"><div class="td-module-thumb">'
            f'<a href="{url}" rel="bookmark" class="td-image-wrap" title="{title}">'
            f'<img class="entry-thumb" src="{LAZY_PIXEL}" data-img-url="{self._thumb(post)}" '
            f'alt="" title="{title}" width="218" height="150"/></a></div></div>'
            '<div class="item-details"><h3 class="entry-title td-module-title">'
            f'<a href="{url}" rel="bookmark" title="{title}">'
            f"{esc(words_excerpt(post.raw_title, 12, '...'))}</a></h3></div></div></div>"
        )

    def _thumb(self, post: Post, size: str = "218x150") -> str:
        image = post.image_path
        if image is None:
            return f"{self.root}/wp-content/themes/Newspaper/images/no-thumb/td_{size}.png"
        return join_url(self.root, image.replace("696x464", size))

    def _make_sidebar(self) -> tuple[bytes, bytes]:
        """(before the Recent Posts slot, after it): popular posts and newsletter."""
        before = (
            b'<div class="td-pb-span4 td-main-sidebar" role="complementary">'
            b'<div class="td-ss-main-sidebar">'
            b'<div class="td-a-rec td-a-rec-id-sidebar td_uid_5_rand td_block_template_1">'
            b'<span class="td-adspot-title">- Advertisement -</span></div>'
        )
        popular = [
            '<div class="td_block_wrap td_block_popular td_block_widget td-pb-border-top '
            'td_block_template_1"><div class="td-block-title-wrap"><h4 class="block-title">'
            '<span class="td-pulldown-size">Popular Posts</span></h4></div>'
            '<div class="td_block_inner">'
        ]
        articles = self.site.articles
        step = max(1, len(articles) // 5)
        for post in articles[::step][:5]:
            popular.append(self._module_small(post))
        popular.append(
            "</div></div>"
            '<div class="td_block_wrap td_block_text_with_title td-pb-border-top '
            'td_block_template_1 widget"><div class="td-block-title-wrap"><h4 class="block-title">'
            '<span class="td-pulldown-size">Newsletter</span></h4></div>'
            '<div class="td_mod_wrap td-fix-index"><p>Subscribe to the IFP daily newsletter and '
            "get the top Iran news in your inbox every morning.</p>"
            f'<form class="tdn-newsletter" action="{self.root}/newsletter/" method="post">'
            '<input type="email" name="email" placeholder="Your email" required="required"/>'
            '<button type="submit">Subscribe</button></form></div></div>'
            "</div></div>"
        )
        return before, "".join(popular).encode()

    def _module_small(self, post: Post, date_html: str | None = None) -> str:
        url = join_url(self.root, post.path)
        title = attr(post.raw_title)
        when = date_html or (
            f'<time class="entry-date updated td-module-date" '
            f'datetime="{post.published.isoformat()}">{long_date(post.published)}</time>'
        )
        return (
            '<div class="td-block-span12"><div class="td_module_6 td_module_wrap '
            'td-animation-stack"><div class="td-module-thumb">'
            f'<a href="{url}" rel="bookmark" class="td-image-wrap" title="{title}">'
            f'<img width="100" height="70" class="entry-thumb" src="{LAZY_PIXEL}" '
            f'data-img-url="{self._thumb(post, "100x70")}" alt="" title="{title}"/></a></div>'
            '<div class="item-details"><h3 class="entry-title td-module-title">'
            f'<a href="{url}" rel="bookmark" title="{title}">'
            f"{esc(words_excerpt(post.raw_title, 12, '...'))}</a></h3>"
            f'<div class="td-module-meta-info"><span class="td-post-date">{when}</span></div>'
            "</div></div></div>"
        )

    def recent_block(self, now: float) -> bytes:
        """The sidebar "Recent Posts": the site's 6 latest posts, times relative to now."""
        items = []
        for post in self.site.recent():
            ago = human_time_diff(post.published.timestamp(), now)
            items.append(
                self._module_small(
                    post,
                    f'<time class="entry-date updated td-module-date" '
                    f'datetime="{post.published.isoformat()}">{ago}</time>',
                )
            )
        return (
            '<div class="td_block_wrap td_block_7 td_block_widget td-pb-border-top '
            'td_block_template_1 td-column-1"><div class="td-block-title-wrap">'
            '<h4 class="block-title"><span class="td-pulldown-size">Recent Posts</span></h4>'
            '</div><div class="td_block_inner">' + "".join(items) + "</div></div>"
        ).encode()

    def _make_footer(self) -> bytes:
        site = self.site
        counts = {
            c.path: len(site.listings.get(f"category:{c.path}", []))
            for c in site.categories.values()
        }
        links = "".join(
            f'<li class="cat-item"><a href="{self.root}{c.url_path}">{esc(c.name)}</a>'
            f'<span class="td-cat-no">{counts[c.path]}</span></li>'
            for c in site.categories.values()
        )
        scripts = make_script("tdLocalCache", 6000, "tagdiv-footer-js")
        return (
            '<div class="td-footer-wrapper td-footer-container td-container-wrap">'
            '<div class="td-container"><div class="td-pb-row"><div class="td-pb-span4">'
            '<div class="td_block_wrap td_block_text_with_title"><h4 class="block-title">'
            "<span>About us</span></h4><p>Iran Front Page (IFP) is an independent news website "
            "covering Iran’s politics, economy, society and culture.</p></div></div>"
            '<div class="td-pb-span4"><div class="td_block_wrap td_block_popular_categories '
            'widget widget_categories"><h4 class="block-title"><span>Popular Category</span></h4>'
            f'<ul class="td-pb-padding-side">{links}</ul></div></div>'
            '<div class="td-pb-span4"><div class="td_block_wrap td_block_social_counter">'
            '<h4 class="block-title"><span>Follow us</span></h4></div></div></div></div></div>'
            '<div class="td-sub-footer-container td-container-wrap"><div class="td-container">'
            '<div class="td-pb-row"><div class="td-pb-span td-sub-footer-menu">'
            '<ul id="menu-footer" class="td-subfooter-menu">'
            f'<li class="menu-item"><a href="{self.root}/about-us/">About Us</a></li>'
            f'<li class="menu-item"><a href="{self.root}/contact-us/">Contact Us</a></li></ul>'
            '</div><div class="td-pb-span td-sub-footer-copy">&copy; Copyright 2015 - 2025, '
            "All Rights Reserved. Iran Front Page</div></div></div></div>\n"
            "</div><!--close td-outer-wrap-->\n"
            f"<script type='text/javascript'>{scripts}</script>\n"
            f"<script src='{self.root}/wp-content/themes/Newspaper/js/tagdiv_theme.min.js?"
            "ver=12.6.1' id='td-site-min-js'></script>\n</body>\n</html>\n"
        ).encode()

    # ------------------------------------------------------------------ page frame

    def _open(self, page: PageBuilder, title: str, body_class: str, head: str) -> None:
        page.add(
            "<!doctype html >\n"
            '<!--[if IE 8]>    <html class="ie8" lang="en"> <![endif]-->\n'
            '<!--[if IE 9]>    <html class="ie9" lang="en"> <![endif]-->\n'
            '<!--[if gt IE 8]><!--> <html lang="en-US"> <!--<![endif]-->\n<head>\n'
            f"<title>{esc(title)}</title>\n"
            '<meta charset="UTF-8" />\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            f'<link rel="pingback" href="{self.root}/xmlrpc.php" />\n',
            head,
        )
        page.shared(self._head_assets)
        page.add(
            f'</head>\n<body class="{body_class} td-standard-pack global-block-template-1 '
            'td-animation-stack-type0 td-full-layout" itemscope="itemscope" '
            'itemtype="https://schema.org/WebPage">\n'
        )
        page.shared(self._header_before_date)
        page.shared(Slot.TOPBAR_DATE)
        page.shared(self._header_after_date)

    def _close(self, page: PageBuilder) -> None:
        before, after = self._sidebar
        page.add("</div>\n")  # td-pb-span8
        page.shared(before)
        page.shared(Slot.RECENT_DESKTOP)
        page.shared(after)
        page.add("</div></div></div>\n")  # td-pb-row, td-container, td-main-content-wrap
        page.shared(self._footer)

    def _yoast_head(
        self,
        canonical: str,
        title: str,
        description: str,
        og_type: str,
        graph: list[dict[str, object]],
        extra: str = "",
    ) -> str:
        desc = f'<meta name="description" content="{attr(description)}" />\n' if description else ""
        og_desc = (
            f'<meta property="og:description" content="{attr(description)}" />\n'
            if description
            else ""
        )
        schema = json.dumps(
            {"@context": "https://schema.org", "@graph": graph},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return (
            "<!-- This site is optimized with the Yoast SEO plugin v21.5 - "
            "https://yoast.com/wordpress/plugins/seo/ -->\n"
            f"{desc}"
            '<meta name="robots" content="index, follow, max-snippet:-1, max-image-preview:large, '
            'max-video-preview:-1" />\n'
            f'<link rel="canonical" href="{attr(canonical)}" />\n'
            '<meta property="og:locale" content="en_US" />\n'
            f'<meta property="og:type" content="{og_type}" />\n'
            f'<meta property="og:title" content="{attr(title)}" />\n'
            f"{og_desc}"
            f'<meta property="og:url" content="{attr(canonical)}" />\n'
            f'<meta property="og:site_name" content="{SITE_NAME}" />\n'
            f"{extra}"
            '<meta name="twitter:card" content="summary_large_image" />\n'
            '<meta name="twitter:site" content="@IFPNews" />\n'
            '<script type="application/ld+json" class="yoast-schema-graph">'
            + schema.replace("</", "<\\/")
            + "</script>\n<!-- / Yoast SEO plugin. -->\n"
        )

    def _website_graph(self) -> list[dict[str, object]]:
        return [
            {
                "@type": "WebSite",
                "@id": f"{self.base}#website",
                "url": self.base,
                "name": SITE_NAME,
                "description": "Iran Front Page",
                "publisher": {"@id": f"{self.base}#organization"},
                "inLanguage": "en-US",
            },
            {
                "@type": "Organization",
                "@id": f"{self.base}#organization",
                "name": "Iran Front Page",
                "url": self.base,
                "logo": {
                    "@type": "ImageObject",
                    "url": f"{self.root}/wp-content/uploads/2019/01/ifp-logo.png",
                },
                "sameAs": ["https://www.facebook.com/ifpnews", "https://twitter.com/IFPNews"],
            },
        ]

    # ------------------------------------------------------------------ article

    def article(self, post: Post) -> Rendered:
        site = self.site
        canonical = join_url(self.root, post.path)
        title = post.raw_title if post.status == "publish" else f"Protected: {post.raw_title}"
        summary = site.summary(post)
        image = join_url(self.root, post.image_path) if post.image_path else None
        person_id = (
            f"{self.base}#/schema/person/{hashlib.md5(post.author.nicename.encode()).hexdigest()}"
        )
        body_text_words = len(site.body_text(post).split()) if post.status == "publish" else 0
        article_node: dict[str, object] = {
            "@type": "NewsArticle",
            "@id": f"{canonical}#article",
            "isPartOf": {"@id": canonical},
            "author": {"name": post.author.name, "@id": person_id},
            "headline": title,
            "datePublished": utc_iso(post.published),
            "dateModified": utc_iso(post.modified_at),
            "mainEntityOfPage": {"@id": canonical},
            "wordCount": body_text_words,
            "commentCount": 0,
            "publisher": {"@id": f"{self.base}#organization"},
            "keywords": [t.name for t in post.tags],
            "articleSection": [c.name for c in post.categories],
            "inLanguage": "en-US",
        }
        graph: list[dict[str, object]] = [
            article_node,
            {
                "@type": "WebPage",
                "@id": canonical,
                "url": canonical,
                "name": f"{title} - {SITE_NAME}",
                "isPartOf": {"@id": f"{self.base}#website"},
                "datePublished": utc_iso(post.published),
                "dateModified": utc_iso(post.modified_at),
                "description": summary,
                "breadcrumb": {"@id": f"{canonical}#breadcrumb"},
                "inLanguage": "en-US",
                "potentialAction": [{"@type": "ReadAction", "target": [canonical]}],
            },
        ]
        if image:
            article_node["image"] = {"@id": f"{canonical}#primaryimage"}
            article_node["thumbnailUrl"] = image
            graph.append(
                {
                    "@type": "ImageObject",
                    "inLanguage": "en-US",
                    "@id": f"{canonical}#primaryimage",
                    "url": image,
                    "contentUrl": image,
                    "width": 696,
                    "height": 464,
                }
            )
        graph.append(
            {
                "@type": "BreadcrumbList",
                "@id": f"{canonical}#breadcrumb",
                "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": "Home", "item": self.base},
                    {"@type": "ListItem", "position": 2, "name": title},
                ],
            }
        )
        graph += self._website_graph()
        graph.append(
            {
                "@type": "Person",
                "@id": person_id,
                "name": post.author.name,
                "description": post.author.bio,
                "url": join_url(self.root, post.author.url_path),
            }
        )
        extra = (
            '<meta property="article:publisher" content="https://www.facebook.com/ifpnews" />\n'
            f'<meta property="article:published_time" content="{utc_iso(post.published)}" />\n'
            f'<meta property="article:modified_time" content="{utc_iso(post.modified_at)}" />\n'
        )
        if image:
            extra += (
                f'<meta property="og:image" content="{image}" />\n'
                '<meta property="og:image:width" content="696" />\n'
                '<meta property="og:image:height" content="464" />\n'
                '<meta property="og:image:type" content="image/jpeg" />\n'
            )
        extra += (
            f'<meta name="author" content="{attr(post.author.name)}" />\n'
            '<meta name="twitter:label1" content="Written by" />\n'
            f'<meta name="twitter:data1" content="{attr(post.author.name)}" />\n'
        )
        head = self._yoast_head(canonical, title, summary, "article", graph, extra)
        if site.theme == "tagdiv" and post.status == "publish":
            head += f'<link rel="amphtml" href="{join_url(self.root, post.amp_path)}">\n'
        head += (
            f'<link rel="alternate" type="application/json" '
            f'href="{self.root}/wp-json/wp/v2/posts/{post.wp_id}" />\n'
            f"<link rel='shortlink' href='{self.root}/?p={post.wp_id}' />\n"
        )
        page = PageBuilder()
        self._open(
            page, f"{title} - {SITE_NAME}", body_classes_single(post, ["single_template_1"]), head
        )
        primary = post.categories[0]
        crumbs = [f'<span><a title="" class="entry-crumb" href="{self.root}/">Home</a></span>']
        chain = []
        path: str | None = primary.path
        while path:
            chain.append(site.categories[path])
            path = site.categories[path].parent_path
        for category in reversed(chain):
            crumbs.append(
                f'<span><a title="View all posts in {attr(category.name)}" class="entry-crumb" '
                f'href="{self.root}{category.url_path}">{esc(category.name)}</a></span>'
            )
        crumbs.append(f'<span class="td-bred-no-url-last">{esc(title)}</span>')
        page.add(
            '<div class="td-main-content-wrap td-container-wrap">'
            '<div class="td-container td-post-template-default">'
            '<div class="td-crumb-container"><div class="entry-crumbs">'
            + ' <i class="td-icon-right td-bread-sep"></i> '.join(crumbs)
            + "</div></div>\n"
            '<div class="td-pb-row"><div class="td-pb-span8 td-main-content" role="main">'
            '<div class="td-ss-main-content"><div class="clearfix"></div>\n'
            f'<article id="post-{post.wp_id}" class="{post_classes(post)}">\n'
            '<div class="td-post-header">\n<ul class="td-category">'
        )
        for category in reversed(chain):
            page.add(
                f'<li class="entry-category"><a href="{self.root}{category.url_path}">'
                f"{esc(category.name)}</a></li>"
            )
        page.add(
            f'</ul>\n<header class="td-post-title">\n<h1 class="entry-title">{esc(title)}</h1>\n'
        )
        if post.subtitle:
            page.add(f'<p class="td-post-sub-title">{esc(post.subtitle)}</p>\n')
        views = int(hashlib.md5(post.key.encode()).hexdigest()[:4], 16) % 3000 + 40
        page.add(
            '<div class="td-module-meta-info">'
            '<div class="td-post-author-name"><div class="td-author-by">By</div> '
            f'<a href="{self.root}{post.author.url_path}">{esc(post.author.name)}</a>'
            '<div class="td-author-line"> - </div> </div>'
            '<span class="td-post-date"><time class="entry-date updated td-module-date" '
            f'datetime="{post.published.isoformat()}" >{long_date(post.published)}</time></span>'
            f'<div class="td-post-views"><i class="td-icon-views"></i><span class="td-nr-views-'
            f'{post.wp_id}">{views}</span></div>'
            '<div class="td-post-comments"><a href="#respond"><i class="td-icon-comments"></i>0'
            "</a></div></div>\n</header>\n</div>\n"
        )
        page.add(self._share(post, "top"))
        page.add('<div class="td-post-content tagdiv-type">\n')
        if post.status != "publish":
            page.add(
                f'<form action="{self.root}/wp-login.php?action=postpass" '
                'class="post-password-form" method="post"><p>This content is password protected. '
                "To view it please enter your password below:</p><p><label "
                f'for="pwbox-{post.wp_id}">Password: <input name="post_password" '
                f'id="pwbox-{post.wp_id}" type="password" size="20" /></label> <input '
                'type="submit" name="Submit" value="Enter" /></p></form>\n'
            )
        else:
            self._article_body(page, post, image)
        page.add("</div>\n<footer>\n")
        if post.tags:
            page.add(
                '<div class="td-post-source-tags"><ul class="td-tags td-post-small-box '
                'clearfix"><li><span>TAGS</span></li>'
            )
            for tag in post.tags:
                page.add(f'<li><a href="{self.root}{tag.url_path}">{esc(tag.name)}</a></li>')
            page.add("</ul></div>\n")
        page.add(self._share(post, "bottom"))
        page.add(self._next_prev(post))
        page.add(
            '<div class="author-box-wrap">'
            f'<a href="{self.root}{post.author.url_path}"><img alt="" '
            f'src="https://secure.gravatar.com/avatar/{hashlib.md5(post.author.name.encode()).hexdigest()}'
            '?s=96&#038;d=mm&#038;r=g" class="avatar avatar-96 photo" height="96" width="96" />'
            '</a><div class="desc"><div class="td-author-name vcard author"><span class="fn">'
            f'<a href="{self.root}{post.author.url_path}">{esc(post.author.name)}</a></span></div>'
            f'<div class="td-author-description">{esc(post.author.bio)}</div>'
            '<div class="td-author-social"></div><div class="clearfix"></div></div></div>\n'
            '<span class="td-page-meta" itemprop="author" itemscope '
            'itemtype="https://schema.org/Person">'
            f'<meta itemprop="name" content="{attr(post.author.name)}">'
            f'<meta itemprop="url" content="{self.root}{post.author.url_path}"></span>'
            f'<meta itemprop="datePublished" content="{post.published.isoformat()}">'
            f'<meta itemprop="dateModified" content="{post.modified_at.isoformat()}">'
            f'<meta itemscope itemprop="mainEntityOfPage" itemType="https://schema.org/WebPage" '
            f'itemid="{canonical}"/>'
            '<span class="td-page-meta" itemprop="publisher" itemscope '
            'itemtype="https://schema.org/Organization"><meta itemprop="name" '
            f'content="{SITE_NAME}"></span>'
            f'<meta itemprop="headline" content="{attr(title)}">'
        )
        if image:
            page.add(
                '<span class="td-page-meta" itemprop="image" itemscope '
                f'itemtype="https://schema.org/ImageObject"><meta itemprop="url" content="{image}">'
                '<meta itemprop="width" content="696"><meta itemprop="height" content="464"></span>'
            )
        page.add("\n</footer>\n</article>\n")
        if post.status == "publish":
            page.add(self._related(post))
        page.shared(self._comment_head)
        page.add(
            f"<input type='hidden' name='comment_post_ID' value='{post.wp_id}' "
            "id='comment_post_ID' /><input type='hidden' name='comment_parent' "
            "id='comment_parent' value='0' /></p></form></div></div>\n</div>"
        )
        self._close(page)
        return Rendered(
            page.parts(),
            etag=etag_for(post, site, "desktop"),
            last_modified=post.modified_at,
        )

    def _article_body(self, page: PageBuilder, post: Post, image: str | None) -> None:
        if image:
            caption = post.caption
            page.add(
                '<div class="td-post-featured-image"><figure>'
                f'<a href="{image}" data-caption="{attr(caption or "")}">'
                f'<img width="696" height="464" class="entry-thumb td-modal-image" src="{image}" '
                f'srcset="{image} 696w, {image.replace("696x464", "300x200")} 300w" '
                'sizes="(max-width: 696px) 100vw, 696px" alt="" '
                f'title="{attr(post.raw_title)}"/></a>'
            )
            if caption:
                page.add(f'<figcaption class="wp-caption-text">{esc(caption)}</figcaption>')
            page.add("</figure></div>\n")
        paragraphs = self.site.paragraphs(post)
        for i, paragraph in enumerate(paragraphs):
            page.add(paragraph_html(self.site, paragraph, self.root), "\n")
            if i == 1 and len(paragraphs) > 3:
                page.shared(self._ad_inline)
            if i == 0 and post.attachment_path and post.image_path:
                attachment = join_url(self.root, post.attachment_path)
                page.add(
                    f'<figure id="attachment_{post.wp_id + 1}" class="wp-caption aligncenter" '
                    f'style="width: 696px"><a href="{attachment}"><img class="size-full" '
                    f'src="{join_url(self.root, post.image_path)}" alt="" '
                    'width="696" height="464"/></a><figcaption class="wp-caption-text">Photo: '
                    "IFP</figcaption></figure>\n"
                )
        page.shared(self._ad_bottom)

    def _share(self, post: Post, where: str) -> str:
        quoted = quote(join_url(self.root, post.path), safe="")
        title = quote(post.raw_title, safe="")
        buttons = "".join(
            f'<a class="td-social-sharing-button td-social-sharing-button-js td-social-network '
            f'td-social-{net}" href="{attr(pattern.format(url=quoted, title=title))}" '
            f'title="{net.title()}"><div class="td-social-but-icon"><i class="td-icon-{net}">'
            f'</i></div><div class="td-social-but-text">{net.title()}</div></a>'
            for net, pattern in SHARE_NETWORKS.items()
        )
        return (
            f'<div class="td-post-sharing-{where}"><div class="td-post-sharing '
            'td-ps-bg td-ps-notext td-post-sharing-style1"><div class="td-post-sharing-visible">'
            '<div class="td-social-sharing-button td-social-sharing-button-js '
            'td-social-handler td-social-expand-tabs"><div class="td-social-but-icon">'
            '<i class="td-icon-share"></i></div><div class="td-social-but-text">Share</div></div>'
            f"{buttons}</div></div></div>\n"
        )

    def _next_prev(self, post: Post) -> str:
        articles = self.site.articles
        at = self._article_position.get(post.index)
        if at is None:
            return ""
        out = ['<div class="td-block-row td-post-next-prev">']
        if at > 0:
            prev = articles[at - 1]
            out.append(
                '<div class="td-block-span6 td-post-prev-post"><div class="td-post-next-prev-'
                'content"><span>Previous article</span>'
                f'<a href="{join_url(self.root, prev.path)}">{esc(prev.raw_title)}</a></div></div>'
            )
        out.append('<div class="td-next-prev-separator"></div>')
        if at + 1 < len(articles):
            nxt = articles[at + 1]
            out.append(
                '<div class="td-block-span6 td-post-next-post"><div class="td-post-next-prev-'
                'content"><span>Next article</span>'
                f'<a href="{join_url(self.root, nxt.path)}">{esc(nxt.raw_title)}</a></div></div>'
            )
        out.append("</div>\n")
        return "".join(out)

    def _related(self, post: Post) -> str:
        uid = f"tdi_{post.wp_id % 97 + 5}_{post.wp_id:x}"
        out = [
            f'<div class="td_block_wrap td_block_related_posts {uid} td_with_ajax_pagination '
            f'td-pb-border-top td_block_template_1" data-td-block-uid="{uid}">'
            '<h4 class="td-related-title td-block-title"><a id="tdi_6" class="td-related-left '
            'td-cur-simple-item" data-td_filter_value="" data-td_block_id="' + uid + '" href="#">'
            'RELATED ARTICLES</a><a id="tdi_7" class="td-related-right" '
            'data-td_filter_value="td_related_more_from_author" data-td_block_id="'
            + uid
            + '" href="#">MORE FROM AUTHOR</a></h4>'
            f'<div id="{uid}" class="td_block_inner"><div class="td-related-row">'
        ]
        for index in post.related:
            target = self.site.posts[index]
            url = join_url(self.root, target.path)
            title = attr(target.raw_title)
            category = target.categories[0]
            out.append(
                '<div class="td-related-span4"><div class="td_module_related_posts '
                'td-animation-stack td_mod_related_posts"><div class="td-module-image">'
                f'<div class="td-module-thumb"><a href="{url}" rel="bookmark" '
                f'class="td-image-wrap" title="{title}"><img class="entry-thumb" '
                f'src="{LAZY_PIXEL}" data-img-url="{self._thumb(target)}" alt="" '
                f'title="{title}" width="218" height="150"/></a></div>'
                f'<a href="{self.root}{category.url_path}" class="td-post-category">'
                f'{esc(category.name)}</a></div><div class="item-details">'
                f'<h3 class="entry-title td-module-title"><a href="{url}" rel="bookmark" '
                f'title="{title}">{esc(target.raw_title)}</a></h3></div></div></div>'
            )
        out.append("</div></div></div>\n")
        return "".join(out)

    # ------------------------------------------------------------------ listings

    def listing_item(self, post: Post) -> str:
        url = join_url(self.root, post.path)
        title = post.raw_title if post.status == "publish" else f"Protected: {post.raw_title}"
        if post.status != "publish":
            excerpt = "There is no excerpt because this is a protected post."
        elif post.custom_summary:
            excerpt = self.site.summary(post)  # a manual excerpt is shown verbatim
        else:
            excerpt = words_excerpt(self.site.summary(post), 25, "...")
        return (
            '<div class="td_module_10 td_module_wrap td-animation-stack">'
            '<div class="td-module-thumb">'
            f'<a href="{url}" rel="bookmark" class="td-image-wrap" title="{attr(title)}">'
            f'<img width="218" height="150" class="entry-thumb" src="{LAZY_PIXEL}" '
            f'data-img-url="{self._thumb(post)}" alt="" title="{attr(title)}"/></a></div>'
            '<div class="item-details"><h3 class="entry-title td-module-title">'
            f'<a href="{url}" rel="bookmark" title="{attr(title)}">'
            f"{esc(words_excerpt(title, 15, '...'))}</a></h3>"
            '<div class="td-module-meta-info"><span class="td-post-author-name">'
            f'<a href="{self.root}{post.author.url_path}">{esc(post.author.name)}</a> '
            '<span>-</span> </span><span class="td-post-date">'
            '<time class="entry-date updated td-module-date" '
            f'datetime="{post.published.isoformat()}" >{long_date(post.published)}</time></span>'
            f'<div class="td-module-comments"><a href="{url}#respond">0</a></div></div>'
            f'<div class="td-excerpt">{esc(excerpt)}</div></div></div>\n'
        )

    def page_nav(self, list_path: str, page: int, pages: int) -> str:
        if pages <= 1:
            return ""

        def url(n: int) -> str:
            return f"{self.root}{list_path}" if n == 1 else f"{self.root}{list_path}page/{n}/"

        out = ['<div class="page-nav td-pb-padding-side">']
        if page > 1:
            out.append(
                f'<a href="{url(page - 1)}" aria-label="prev-page">'
                '<i class="td-icon-menu-left"></i></a>'
            )
        if page > 3:
            out.append(
                f'<a href="{url(1)}" class="first" title="1">1</a><span class="extend">...</span>'
            )
        for n in range(max(1, page - 2), min(pages, page + 2) + 1):
            if n == page:
                out.append(f'<span class="current">{n}</span>')
            else:
                out.append(f'<a href="{url(n)}" class="page" title="{n}">{n}</a>')
        if page + 2 < pages:
            out.append(
                f'<span class="extend">...</span><a href="{url(pages)}" class="last" '
                f'title="{pages}">{pages:,}</a>'
            )
        if page < pages:
            out.append(
                f'<a href="{url(page + 1)}" aria-label="next-page">'
                '<i class="td-icon-menu-right"></i></a>'
            )
        out.append(
            f'<span class="pages">Page {page} of {pages:,}</span>'
            '<div class="clearfix"></div></div>\n'
        )
        return "".join(out)

    def listing(
        self,
        key: str,
        heading: str,
        list_path: str,
        page: int,
        posts: list[Post],
        body_class: str,
        description: str = "",
    ) -> Rendered | None:
        pages = max(1, math.ceil(len(posts) / PER_PAGE))
        if page > pages:
            return None
        items = posts[(page - 1) * PER_PAGE : page * PER_PAGE]
        canonical = f"{self.root}{list_path}" + (f"page/{page}/" if page > 1 else "")
        graph: list[dict[str, object]] = [
            {
                "@type": "CollectionPage",
                "@id": canonical,
                "url": canonical,
                "name": f"{heading} Archives - {SITE_NAME}",
                "isPartOf": {"@id": f"{self.base}#website"},
                "inLanguage": "en-US",
            },
            *self._website_graph(),
        ]
        title = f"{heading} Archives - {SITE_NAME}" + (
            f" - Page {page} of {pages}" if page > 1 else ""
        )
        head = self._yoast_head(canonical, f"{heading} Archives", description, "article", graph)
        if key.startswith("category:"):
            head += (
                f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; '
                f'{attr(heading)} Category Feed" href="{self.root}{list_path}feed/" />\n'
            )
        if page > 1:
            prev = f"{self.root}{list_path}" + (f"page/{page - 1}/" if page > 2 else "")
            head += f'<link rel="prev" href="{prev}" />\n'
        if page < pages:
            head += f'<link rel="next" href="{self.root}{list_path}page/{page + 1}/" />\n'
        builder = PageBuilder()
        self._open(builder, title, body_class, head)
        builder.add(
            '<div class="td-main-content-wrap td-container-wrap"><div class="td-container">'
            '<div class="td-crumb-container"><div class="entry-crumbs"><span><a title="" '
            f'class="entry-crumb" href="{self.root}/">Home</a></span> <i class="td-icon-right '
            f'td-bread-sep td-bred-no-url-last"></i> <span class="td-bred-no-url-last">'
            f"{esc(heading)}</span></div></div>"
            '<div class="td-category-header td-container-wrap"><div class="td-container">'
            f'<h1 class="entry-title td-page-title">{esc(heading)}</h1>'
        )
        if key.startswith("category:"):
            builder.add(
                '<div class="td-category-pulldown-filter td-wrapper-pulldown-filter">'
                '<ul class="td-pulldown-filter-list">'
            )
            for option, label in (
                ("", "Latest"),
                ("featured", "Featured posts"),
                ("popular", "Most popular"),
                ("popular7", "7 days popular"),
                ("random_posts", "By review score"),
            ):
                href = f"{self.root}{list_path}" + (f"?filter_by={option}" if option else "")
                builder.add(
                    f'<li class="td-pulldown-filter-item"><a class="td-pulldown-category-'
                    f'filter-link" href="{href}">{label}</a></li>'
                )
            builder.add("</ul></div>")
        if description:
            builder.add(f'<div class="td-category-description"><p>{esc(description)}</p></div>')
        builder.add(
            "</div></div>\n"
            '<div class="td-pb-row"><div class="td-pb-span8 td-main-content">'
            '<div class="td-ss-main-content">'
        )
        for post in items:
            builder.add(self.listing_item(post))
        builder.add(self.page_nav(list_path, page, pages), "</div>")
        self._close(builder)
        return Rendered(builder.parts())

    def home(self) -> Rendered:
        site = self.site
        canonical = self.base
        graph: list[dict[str, object]] = [
            {
                "@type": "CollectionPage",
                "@id": canonical,
                "url": canonical,
                "name": f"{SITE_NAME} - Iran Front Page",
                "isPartOf": {"@id": f"{self.base}#website"},
                "inLanguage": "en-US",
            },
            *self._website_graph(),
        ]
        head = self._yoast_head(
            canonical,
            f"{SITE_NAME} - Iran Front Page",
            "Latest Iran news in English",
            "website",
            graph,
        )
        page = PageBuilder()
        self._open(
            page,
            f"{SITE_NAME} - Iran Front Page",
            "home page-template-default page td-boxed-layout",
            head,
        )
        page.add(
            '<div class="td-main-content-wrap td-container-wrap"><div class="td-container">'
            '<div class="td-pb-row"><div class="td-pb-span8 td-main-content">'
            '<div class="td-ss-main-content">'
        )
        blocks = [("Latest News", "section:all-stories", "/all-stories/", 10)]
        blocks += [
            (site.categories[path].name, f"category:{path}", site.categories[path].url_path, 4)
            for path in (
                "ifp-exclusive",
                "news/politics",
                "news/diplomacy",
                "news/economy",
                "news/society",
                "news/world",
                "news/sports",
                "views",
            )
        ]
        for heading, key, path, count in blocks:
            posts = site.listings.get(key, [])[:count]
            if not posts:
                continue
            page.add(
                '<div class="td_block_wrap td_block_1 td-pb-border-top td_block_template_1">'
                f'<div class="td-block-title-wrap"><h4 class="block-title"><a href="{self.root}'
                f'{path}" class="td-pulldown-size">{esc(heading)}</a></h4></div>'
                '<div class="td_block_inner">'
            )
            for post in posts:
                page.add(self.listing_item(post))
            page.add(
                f'</div><div class="td-load-more-wrap"><a href="{self.root}{path}" '
                'class="td_ajax_load_more">View all</a></div></div>\n'
            )
        page.add("</div>")
        self._close(page)
        return Rendered(page.parts())

    # ------------------------------------------------------------------ other pages

    def static_page(self, slug: str) -> Rendered:
        title, paragraphs = STATIC_PAGES[slug]
        canonical = f"{self.root}/{slug}/"
        page_id = 10 + list(STATIC_PAGES).index(slug)
        graph: list[dict[str, object]] = [
            {
                "@type": "WebPage",
                "@id": canonical,
                "url": canonical,
                "name": f"{title} - {SITE_NAME}",
                "isPartOf": {"@id": f"{self.base}#website"},
                "inLanguage": "en-US",
            },
            *self._website_graph(),
        ]
        head = self._yoast_head(canonical, title, "", "article", graph)
        page = PageBuilder()
        self._open(
            page, f"{title} - {SITE_NAME}", f"page-template-default page page-id-{page_id}", head
        )
        page.add(
            '<div class="td-main-content-wrap td-container-wrap"><div class="td-container">'
            '<div class="td-pb-row"><div class="td-pb-span8 td-main-content">'
            '<div class="td-ss-main-content">'
            f'<article id="post-{page_id}" class="post-{page_id} page type-page status-publish">'
            f'<div class="td-page-header"><h1 class="entry-title td-page-title"><span>{esc(title)}'
            '</span></h1></div><div class="td-page-content tagdiv-type">'
            + "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
            + "</div></article></div>"
        )
        self._close(page)
        return Rendered(page.parts())

    def attachment(self, post: Post) -> Rendered:
        assert post.attachment_path and post.image_path
        canonical = join_url(self.root, post.attachment_path)
        name = post.attachment_path.rstrip("/").rsplit("/", 1)[-1]
        att_id = post.wp_id + 1
        graph: list[dict[str, object]] = [
            {
                "@type": "WebPage",
                "@id": canonical,
                "url": canonical,
                "name": name,
                "isPartOf": {"@id": f"{self.base}#website"},
            },
            *self._website_graph(),
        ]
        head = self._yoast_head(canonical, name, "", "article", graph)
        page = PageBuilder()
        self._open(
            page,
            f"{name} - {SITE_NAME}",
            f"attachment attachment-template-default single "
            f"single-attachment postid-{att_id} attachmentid-{att_id} attachment-jpeg",
            head,
        )
        image = join_url(self.root, post.image_path)
        page.add(
            '<div class="td-main-content-wrap td-container-wrap"><div class="td-container">'
            '<div class="td-pb-row"><div class="td-pb-span8 td-main-content">'
            '<div class="td-ss-main-content">'
            f'<article id="post-{att_id}" class="post-{att_id} attachment type-attachment '
            'status-inherit"><div class="td-post-header"><header class="td-post-title">'
            f'<h1 class="entry-title">{esc(name)}</h1></header></div>'
            f'<a href="{join_url(self.root, post.path)}" title="Back to {attr(post.raw_title)}" '
            f'rel="gallery"><span class="td-icon-back"></span>{esc(post.raw_title)}</a>'
            f'<div class="td-attachment-page-image"><a href="{image}"><img width="696" '
            f'height="464" src="{image}" class="attachment-full size-full" alt=""/></a></div>'
            "</article></div>"
        )
        self._close(page)
        return Rendered(page.parts())

    def not_found(self) -> Rendered:
        page = PageBuilder()
        self._open(
            page,
            f"Page not found - {SITE_NAME}",
            "error404",
            '<meta name="robots" content="noindex, follow" />\n',
        )
        page.add(
            '<div class="td-main-content-wrap td-container-wrap"><div class="td-container">'
            '<div class="td-pb-row"><div class="td-pb-span8 td-main-content">'
            '<div class="td-ss-main-content"><div class="td-404-title">Ooops... Error 404</div>'
            '<div class="td-404-sub-title">Sorry, but the page you are looking for doesn’t '
            'exist.</div><div class="td-404-sub-sub-title">You can go to the '
            f'<a href="{self.root}/">HOMEPAGE</a></div></div>'
        )
        self._close(page)
        return Rendered(page.parts(), status=404)

    def error_page(self) -> Rendered:
        """WordPress's fatal database page (served with 200 by misconfigured caches)."""
        return Rendered(
            (
                b'<!DOCTYPE html>\n<html lang="en-US"><head><meta charset="utf-8">'
                b'<title>Database Error</title></head><body id="error-page">'
                b'<div class="wp-die-message"><h1>Error establishing a database connection'
                b"</h1></div></body></html>\n",
            )
        )
