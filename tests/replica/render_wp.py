"""Pages of a stock WordPress site: the block theme Twenty Twenty-Four (``theme="wp"``)
and the classic Twenty Twenty-One (``theme="wp-classic"``).

Only WordPress core markup and meta: ``post_class``/``body_class``, ``rel=canonical``,
shortlink and REST alternate links, no Yoast JSON-LD or OpenGraph, no AMP, no td-*
classes. As in the real themes, a single post shows neither its modified time (TT1's
``twenty_twenty_one_posted_on()`` prints the publish date, as ``entry-date published
updated``; TT4's post-date block likewise) nor its excerpt, and Twenty Twenty-One prints
the "By NAME" byline only for an author without a biography: an author with one gets
the author box (``template-parts/post/author-bio.php``, "View all of NAME's posts.").
This is what a crawler's generic fallbacks must handle on "any WordPress news site".
Core block markup is followed as WordPress 6.5 renders it: the post-terms block links
carry ``rel="tag"``, the classic ``the_category()`` links ``rel="category tag"``.
"""

from __future__ import annotations

import math

from tests.replica.common import (
    PageBuilder,
    Rendered,
    attr,
    body_classes_single,
    esc,
    join_url,
    long_date,
    make_css,
    post_classes,
)
from tests.replica.content import (
    PER_PAGE,
    SITE_NAME,
    STATIC_PAGES,
    Post,
    Site,
    words_excerpt,
)
from tests.replica.render_tagdiv import etag_for, paragraph_html

WP_PREFIXES = ["wp-block-", "has-", "is-layout-", "wp-container-", "entry-", "site-", "widget-"]


class WpRenderer:
    def __init__(self, site: Site, base: str) -> None:
        self.site = site
        self.root = base.rstrip("/")
        self.classic = site.theme == "wp-classic"
        css = make_css(WP_PREFIXES, 450, f"{site.theme}-css")
        name = "twentytwentyone" if self.classic else "twentytwentyfour"
        self._head_assets = (
            '<meta name="generator" content="WordPress 6.5.2" />\n'
            f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Feed" '
            f'href="{self.root}/feed/" />\n'
            f"<style id='global-styles-inline-css'>\n{css}\n</style>\n"
            f"<link rel='stylesheet' id='{name}-style-css' href='{self.root}/wp-content/themes/"
            f"{name}/style.css?ver=1.1' media='all' />\n"
            f'<link rel="https://api.w.org/" href="{self.root}/wp-json/" />\n'
            f'<link rel="EditURI" type="application/rsd+xml" title="RSD" '
            f'href="{self.root}/xmlrpc.php?rsd" />\n'
        ).encode()
        nav = "".join(
            f'<li class="wp-block-navigation-item wp-block-navigation-link">'
            f'<a class="wp-block-navigation-item__content" href="{self.root}{c.url_path}">'
            f'<span class="wp-block-navigation-item__label">{esc(c.name)}</span></a></li>'
            for c in site.categories.values()
        )
        if self.classic:
            self._header = (
                '<div id="page" class="site"><a class="skip-link screen-reader-text" '
                'href="#content">Skip to content</a><header id="masthead" class="site-header '
                'has-title-and-tagline has-menu"><div class="site-branding"><p class="site-title">'
                f'<a href="{self.root}/">{SITE_NAME}</a></p><p class="site-description">Iran '
                'Front Page</p></div><nav id="site-navigation" class="primary-navigation">'
                f'<div class="primary-menu-container"><ul id="primary-menu-list" '
                f'class="menu-wrapper">{nav}</ul></div></nav></header>'
                '<div id="content" class="site-content"><div id="primary" class="content-area">'
                '<main id="main" class="site-main">\n'
            ).encode()
        else:
            self._header = (
                '<div class="wp-site-blocks"><header class="wp-block-template-part">'
                '<div class="wp-block-group alignwide is-layout-flex">'
                '<p class="wp-block-site-title">'
                f'<a href="{self.root}" rel="home">{SITE_NAME}</a></p>'
                '<nav class="is-responsive wp-block-navigation is-layout-flex" aria-label="Header '
                f'navigation"><ul class="wp-block-navigation__container">{nav}</ul></nav></div>'
                "</header>\n"
            ).encode()
        recent = "".join(
            f'<li><a href="{join_url(self.root, p.path)}">{esc(p.raw_title)}</a></li>'
            for p in site.recent(5)
        )
        if self.classic:
            self._footer = (
                "</main></div></div>\n"
                '<aside class="widget-area"><section id="recent-posts-2" class="widget '
                'widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><nav '
                f'aria-label="Recent Posts"><ul>{recent}</ul></nav></section></aside>'
                '<footer id="colophon" class="site-footer"><div class="site-info">'
                f'<div class="site-name"><a href="{self.root}/">{SITE_NAME}</a></div>'
                '<div class="powered-by">Proudly powered by <a href="https://wordpress.org/">'
                "WordPress</a>.</div></div></footer></div>\n</body>\n</html>\n"
            ).encode()
        else:
            self._footer = (
                '<footer class="wp-block-template-part"><div class="wp-block-group '
                'has-global-padding is-layout-constrained"><div class="wp-block-columns">'
                '<div class="wp-block-column"><h2 class="wp-block-heading">Latest</h2>'
                f'<ul class="wp-block-latest-posts__list wp-block-latest-posts">{recent}</ul></div>'
                '</div><p class="has-small-font-size">Designed with '
                '<a href="https://wordpress.org" '
                'rel="nofollow">WordPress</a></p></div></footer></div>\n</body>\n</html>\n'
            ).encode()

    # ------------------------------------------------------------------ frame

    def _open(self, page: PageBuilder, title: str, body_class: str, head: str) -> None:
        page.add(
            '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n'
            '<meta charset="UTF-8" />\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
            "<meta name='robots' content='max-image-preview:large' />\n"
            f"<title>{esc(title)} &#8211; {SITE_NAME}</title>\n",
            head,
        )
        page.shared(self._head_assets)
        extra = " wp-embed-responsive" if not self.classic else " is-light-theme no-js"
        page.add(f'</head>\n<body class="{body_class}{extra}">\n')
        page.shared(self._header)

    def _close(self, page: PageBuilder) -> None:
        if not self.classic:
            page.add("</main>\n")
        page.shared(self._footer)

    # ------------------------------------------------------------------ article

    def article(self, post: Post) -> Rendered:
        site = self.site
        canonical = join_url(self.root, post.path)
        title = post.raw_title if post.status == "publish" else f"Protected: {post.raw_title}"
        head = (
            f'<link rel="canonical" href="{canonical}" />\n'
            f"<link rel='shortlink' href='{self.root}/?p={post.wp_id}' />\n"
            f'<link rel="alternate" type="application/json" title="JSON" '
            f'href="{self.root}/wp-json/wp/v2/posts/{post.wp_id}" />\n'
        )
        page = PageBuilder()
        self._open(page, title, body_classes_single(post), head)
        image = join_url(self.root, post.image_path) if post.image_path else None
        if self.classic:
            self._classic_article(page, post, title, image)
        else:
            self._block_article(page, post, title, image)
        self._close(page)
        return Rendered(
            page.parts(), etag=etag_for(post, site, site.theme), last_modified=post.modified_at
        )

    def _content(self, page: PageBuilder, post: Post) -> None:
        if post.status != "publish":
            page.add(
                f'<form action="{self.root}/wp-login.php?action=postpass" '
                'class="post-password-form" method="post"><p>This content is password protected. '
                "To view it please enter your password below:</p><p><label "
                f'for="pwbox-{post.wp_id}">Password: <input name="post_password" '
                f'id="pwbox-{post.wp_id}" type="password" size="20" /></label> <input '
                'type="submit" name="Submit" value="Enter" /></p></form>\n'
            )
            return
        for paragraph in self.site.paragraphs(post):
            page.add(paragraph_html(self.site, paragraph, self.root), "\n")

    def _block_article(self, page: PageBuilder, post: Post, title: str, image: str | None) -> None:
        page.add(
            '<main class="wp-block-group is-layout-flow" id="wp--skip-link--target">\n'
            '<div class="wp-block-group has-global-padding is-layout-constrained">\n'
            f'<h1 class="wp-block-post-title">{esc(title)}</h1>\n'
        )
        if image:
            page.add(
                '<figure class="wp-block-post-featured-image"><img width="696" height="464" '
                f'src="{image}" class="attachment-post-thumbnail size-post-thumbnail '
                'wp-post-image" alt="" decoding="async" /></figure>\n'
            )
        page.add(
            "</div>\n"
            f'<div class="{post_classes(post)} entry-content wp-block-post-content '
            'has-global-padding is-layout-constrained">\n'
        )
        self._content(page, post)
        page.add(
            "</div>\n"
            '<div class="wp-block-group has-global-padding is-layout-constrained">'
            '<div class="wp-block-group is-layout-flex">'
            '<div class="wp-block-post-date"><time datetime="'
            f'{post.published.isoformat()}">{long_date(post.published)}</time></div>'
            '<p class="wp-block-post-author-prefix">by</p>'
            '<div class="wp-block-post-author-name"><a href="'
            f'{join_url(self.root, post.author.url_path)}" target="_self" '
            f'class="wp-block-post-author-name__link">{esc(post.author.name)}</a></div>'
            '<div class="taxonomy-category wp-block-post-terms"><span '
            'class="wp-block-post-terms__prefix">in </span>'
            + '<span class="wp-block-post-terms__separator">, </span>'.join(
                f'<a href="{self.root}{c.url_path}" rel="tag">{esc(c.name)}</a>'
                for c in post.categories
            )
            + "</div></div>"
        )
        if post.tags:
            page.add(
                '<div class="taxonomy-post_tag wp-block-post-terms">'
                + '<span class="wp-block-post-terms__separator">, </span>'.join(
                    f'<a href="{self.root}{t.url_path}" rel="tag">{esc(t.name)}</a>'
                    for t in post.tags
                )
                + "</div>"
            )
        page.add("</div>\n")
        self._comments(page, post)

    def _classic_article(
        self, page: PageBuilder, post: Post, title: str, image: str | None
    ) -> None:
        page.add(
            f'<article id="post-{post.wp_id}" class="{post_classes(post, ["entry"])}">\n'
            f'<header class="entry-header alignwide"><h1 class="entry-title">{esc(title)}</h1>'
        )
        if image:
            page.add(
                '<figure class="post-thumbnail"><img width="696" height="464" '
                f'src="{image}" class="attachment-post-thumbnail size-post-thumbnail '
                'wp-post-image" alt="" /></figure>'
            )
        page.add('</header>\n<div class="entry-content">\n')
        self._content(page, post)
        page.add(
            "</div>\n"
            '<footer class="entry-footer default-max-width"><div class="posted-by">'
            '<span class="posted-on">Published <time class="entry-date published updated" '
            f'datetime="{post.published.isoformat()}">{long_date(post.published)}</time></span>'
            f"{self._classic_byline(post)}"
            '</div><div class="post-taxonomies"><span class="cat-links">'
            "Categorized as "
            + ", ".join(
                f'<a href="{self.root}{c.url_path}" rel="category tag">{esc(c.name)}</a>'
                for c in post.categories
            )
            + "</span>"
        )
        if post.tags:
            page.add(
                ' <span class="tags-links">Tagged '
                + ", ".join(
                    f'<a href="{self.root}{t.url_path}" rel="tag">{esc(t.name)}</a>'
                    for t in post.tags
                )
                + "</span>"
            )
        page.add("</div></footer>\n")
        page.add(self._classic_author_bio(post))
        page.add("</article>\n")
        self._comments(page, post)

    def _classic_byline(self, post: Post) -> str:
        # twenty_twenty_one_posted_by(): the byline only for an author without a biography
        if post.author.bio:
            return ""
        return (
            f'<span class="byline">By <a href="{join_url(self.root, post.author.url_path)}" '
            f'rel="author">{esc(post.author.name)}</a></span>'
        )

    def _classic_author_bio(self, post: Post) -> str:
        # template-parts/post/author-bio.php: for an author with a biography, instead
        if not post.author.bio:
            return ""
        name = esc(post.author.name)
        return (
            "<div class=\"author-bio show-avatars\"><img alt='' src='https://secure.gravatar.com"
            f"/avatar/{post.author.user_id:032x}?s=85&#038;d=mm&#038;r=g' class='avatar "
            "avatar-85 photo' height='85' width='85' loading='lazy' decoding='async'/>"
            '<div class="author-bio-content"><h2 class="author-title">'
            f'By {name}</h2><p class="author-description"> {esc(post.author.bio)}</p>'
            f'<a class="author-link" href="{join_url(self.root, post.author.url_path)}" '
            f'rel="author">View all of {name}&#039;s posts.</a></div></div>\n'
        )

    def _comments(self, page: PageBuilder, post: Post) -> None:
        page.add(
            '<div id="respond" class="comment-respond"><h3 id="reply-title" '
            'class="comment-reply-title">Leave a Reply</h3><form action="'
            f'{self.root}/wp-comments-post.php" method="post" id="commentform" '
            'class="comment-form"><p class="comment-notes">Your email address will not be '
            'published.</p><p class="comment-form-comment"><label for="comment">Comment '
            '</label><textarea id="comment" name="comment" cols="45" rows="8" required>'
            '</textarea></p><p class="form-submit"><input name="submit" type="submit" '
            'id="submit" class="submit" value="Post Comment" /><input type="hidden" '
            f'name="comment_post_ID" value="{post.wp_id}" id="comment_post_ID" /></p>'
            "</form></div>\n"
        )

    # ------------------------------------------------------------------ listings

    def _item(self, post: Post) -> str:
        url = join_url(self.root, post.path)
        title = post.raw_title if post.status == "publish" else f"Protected: {post.raw_title}"
        excerpt = (
            words_excerpt(self.site.summary(post), 55, " [&hellip;]")
            if post.status == "publish"
            else "There is no excerpt because this is a protected post."
        )
        if self.classic:
            return (
                f'<article id="post-{post.wp_id}" class="{post_classes(post, ["entry"])}">'
                f'<header class="entry-header"><h2 class="entry-title default-max-width">'
                f'<a href="{url}">{esc(title)}</a></h2></header>'
                f'<div class="entry-content"><p>{esc(excerpt)}</p></div>'
                '<footer class="entry-footer"><span class="posted-on">Published <time '
                f'class="entry-date published" datetime="{post.published.isoformat()}">'
                f"{long_date(post.published)}</time></span></footer></article>\n"
            )
        return (
            f'<li class="wp-block-post {post_classes(post)}">'
            f'<h2 class="wp-block-post-title"><a href="{url}" target="_self">{esc(title)}</a></h2>'
            f'<div class="wp-block-post-excerpt"><p class="wp-block-post-excerpt__excerpt">'
            f"{esc(excerpt)}</p></div>"
            f'<div class="wp-block-post-date"><time datetime="{post.published.isoformat()}">'
            f"{long_date(post.published)}</time></div></li>\n"
        )

    def _pagination(self, list_path: str, page: int, pages: int) -> str:
        if pages <= 1:
            return ""

        def url(n: int) -> str:
            return f"{self.root}{list_path}" if n == 1 else f"{self.root}{list_path}page/{n}/"

        numbers = []
        for n in sorted({1, *range(max(1, page - 1), min(pages, page + 1) + 1), pages}):
            if n == page:
                numbers.append(f'<span aria-current="page" class="page-numbers current">{n}</span>')
            else:
                numbers.append(f'<a class="page-numbers" href="{url(n)}">{n}</a>')
        prev = (
            f'<a href="{url(page - 1)}" class="wp-block-query-pagination-previous">Previous '
            "Page</a>"
            if page > 1
            else ""
        )
        nxt = (
            f'<a href="{url(page + 1)}" class="wp-block-query-pagination-next">Next Page</a>'
            if page < pages
            else ""
        )
        if self.classic:
            prev = prev.replace("wp-block-query-pagination-previous", "prev page-numbers")
            nxt = nxt.replace("wp-block-query-pagination-next", "next page-numbers")
            return (
                '<nav class="navigation pagination" aria-label="Posts"><div class="nav-links">'
                f"{prev}{''.join(numbers)}{nxt}</div></nav>\n"
            )
        return (
            '<nav class="wp-block-query-pagination is-layout-flex" aria-label="Pagination">'
            f'{prev}<div class="wp-block-query-pagination-numbers">{"".join(numbers)}</div>'
            f"{nxt}</nav>\n"
        )

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
        builder = PageBuilder()
        self._open(builder, heading, body_class, "")
        if not self.classic:
            builder.add('<main class="wp-block-group is-layout-flow">')
        builder.add(
            f'<h1 class="wp-block-query-title page-title">{esc(heading)}</h1>\n'
            + (
                ""
                if self.classic
                else '<div class="wp-block-query"><ul class="wp-block-post-'
                'template is-layout-grid">'
            )
        )
        for post in items:
            builder.add(self._item(post))
        if not self.classic:
            builder.add("</ul>")
        builder.add(self._pagination(list_path, page, pages))
        if not self.classic:
            builder.add("</div>")
        self._close(builder)
        return Rendered(builder.parts())

    def home(self) -> Rendered:
        rendered = self.listing(
            "section:all-stories", SITE_NAME, "/", 1, self.site.newest, "home blog"
        )
        assert rendered is not None
        return rendered

    def static_page(self, slug: str) -> Rendered:
        title, paragraphs = STATIC_PAGES[slug]
        page_id = 10 + list(STATIC_PAGES).index(slug)
        page = PageBuilder()
        self._open(
            page,
            title,
            f"page-template-default page page-id-{page_id}",
            f'<link rel="canonical" href="{self.root}/{slug}/" />\n',
        )
        if not self.classic:
            page.add('<main class="wp-block-group is-layout-flow">')
        page.add(
            f'<article id="post-{page_id}" class="post-{page_id} page type-page status-publish '
            f'entry"><h1 class="wp-block-post-title entry-title">{esc(title)}</h1>'
            '<div class="entry-content wp-block-post-content">'
            + "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
            + "</div></article>\n"
        )
        self._close(page)
        return Rendered(page.parts())

    def attachment(self, post: Post) -> Rendered:
        assert post.attachment_path and post.image_path
        name = post.attachment_path.rstrip("/").rsplit("/", 1)[-1]
        att_id = post.wp_id + 1
        page = PageBuilder()
        self._open(
            page,
            name,
            f"attachment attachment-template-default single single-attachment postid-{att_id} "
            f"attachmentid-{att_id} attachment-jpeg",
            f'<link rel="canonical" href="{join_url(self.root, post.attachment_path)}" />\n',
        )
        if not self.classic:
            page.add('<main class="wp-block-group is-layout-flow">')
        image = join_url(self.root, post.image_path)
        page.add(
            f'<h1 class="wp-block-post-title entry-title">{esc(name)}</h1>'
            f'<figure class="wp-block-image"><img src="{image}" alt="" /></figure>'
            f'<p class="attachment"><a href="{join_url(self.root, post.path)}">'
            f"{esc(post.raw_title)}</a></p>\n"
        )
        self._close(page)
        return Rendered(page.parts())

    def not_found(self) -> Rendered:
        page = PageBuilder()
        self._open(page, "Page not found", "error404", "")
        if not self.classic:
            page.add('<main class="wp-block-group is-layout-flow">')
        page.add(
            '<h1 class="wp-block-heading">Page Not Found</h1><p>The page you are looking for '
            "does not exist, or it has been moved. Please try searching using the form below."
            f'</p><form role="search" method="get" action="{attr(self.root)}/" '
            'class="wp-block-search"><input type="search" name="s" /></form>\n'
        )
        self._close(page)
        return Rendered(page.parts(), status=404)
