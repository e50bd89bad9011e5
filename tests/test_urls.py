"""URL rules as tables: real WordPress shapes first, ifpnews shapes (docs/ifp-site.md) second."""

from __future__ import annotations

import pytest

from ifpcrawl.urls import (
    MAX_URL_LENGTH,
    Site,
    canonicalize,
    classify_url,
    is_amp_url,
    is_on_site,
    listing_page_number,
    listing_page_url,
    listing_root,
    strip_amp,
    wp_post_id,
)

IFP = Site.from_url("https://ifpnews.com/")
IFP_HTTP = Site.from_url("http://ifpnews.com")
WWW = Site.from_url("https://www.example.org/")
REPLICA = Site.from_url("http://127.0.0.1:8123/")
SUBDIR = Site.from_url("https://example.net/news/")
IDN = Site.from_url("https://ифп.рф/")

H = "https://ifpnews.com"
PERSIAN = "/%D8%A7%DB%8C%D8%B1%D8%A7%D9%86/"  # "ایران"

CANONICAL_ON_SITE = [
    # scheme, host case, www, fragment, tracking
    ("HTTPS://WWW.IFPNEWS.COM/Slug/?utm_source=x#frag", f"{H}/Slug/"),
    ("http://ifpnews.com/slug/", f"{H}/slug/"),
    ("http://www.ifpnews.com/slug", f"{H}/slug/"),
    ("https://ifpnews.com/slug#comments", f"{H}/slug/"),
    ("https://ifpnews.com/slug/#respond", f"{H}/slug/"),
    ("https://ifpnews.com/slug/?utm_source=tw&utm_medium=social&utm_campaign=c", f"{H}/slug/"),
    ("https://ifpnews.com/slug/?UTM_Source=x", f"{H}/slug/"),
    ("https://ifpnews.com/slug/?fbclid=IwAR0abc", f"{H}/slug/"),
    ("https://ifpnews.com/slug/?gclid=1&mc_cid=2&mc_eid=3&_ga=4", f"{H}/slug/"),
    ("https://ifpnews.com/slug/?msclkid=1&_gl=2", f"{H}/slug/"),
    ("https://ifpnews.com/slug/?ref=homepage", f"{H}/slug/?ref=homepage"),
    # ports
    ("http://ifpnews.com:80/x", f"{H}/x/"),
    ("https://ifpnews.com:443/x", f"{H}/x/"),
    ("http://ifpnews.com:443/x", f"{H}/x/"),
    ("http://ifpnews.com:/x", f"{H}/x/"),
    # AMP and tagDiv variants
    ("https://ifpnews.com/x/amp/", f"{H}/x/"),
    ("https://ifpnews.com/x/amp", f"{H}/x/"),
    (
        "https://ifpnews.com/persepolis-beat-esteghlal-derby/amp",
        f"{H}/persepolis-beat-esteghlal-derby/",
    ),
    ("https://ifpnews.com/x/?amp", f"{H}/x/"),
    ("https://ifpnews.com/x/?amp=1", f"{H}/x/"),
    ("https://ifpnews.com/x?noamp=mobile", f"{H}/x/"),
    ("https://ifpnews.com/x/?nonamp=1", f"{H}/x/"),
    ("https://ifpnews.com/all-stories/page/1610/?noamp=mobile", f"{H}/all-stories/page/1610/"),
    (
        "https://ifpnews.com/category/news/politics/?filter_by=popular7",
        f"{H}/category/news/politics/",
    ),
    ("https://ifpnews.com/category/views?filter_by=random_posts", f"{H}/category/views/"),
    ("https://ifpnews.com/amp/", f"{H}/"),
    ("https://ifpnews.com/category/news/amp/", f"{H}/category/news/"),
    ("https://ifpnews.com/example/?ampx=1", f"{H}/example/?ampx=1"),
    ("https://ifpnews.com/example-amp/", f"{H}/example-amp/"),
    ("https://ifpnews.com/campaign/", f"{H}/campaign/"),
    # paging
    ("https://ifpnews.com/tag/Football/page/10", f"{H}/tag/Football/page/10/"),
    ("https://ifpnews.com/iran-news/page/1663", f"{H}/iran-news/page/1663/"),
    ("https://ifpnews.com/category/news/page/1/", f"{H}/category/news/"),
    ("https://ifpnews.com/category/news/page/1", f"{H}/category/news/"),
    ("https://ifpnews.com/page/1/", f"{H}/"),
    ("https://ifpnews.com/page/2/", f"{H}/page/2/"),
    ("https://ifpnews.com/?paged=1", f"{H}/"),
    ("https://ifpnews.com/?paged=2", f"{H}/?paged=2"),
    # trailing slash and extensions
    (
        "https://ifpnews.com/iran-denies-permitting-bbc-to-have-correspondent-in-tehran",
        f"{H}/iran-denies-permitting-bbc-to-have-correspondent-in-tehran/",
    ),
    ("https://ifpnews.com/sitemap.xml", f"{H}/sitemap.xml"),
    ("https://ifpnews.com/wp-sitemap-posts-post-1.xml", f"{H}/wp-sitemap-posts-post-1.xml"),
    ("https://ifpnews.com/wp-login.php", f"{H}/wp-login.php"),
    (
        "https://ifpnews.com/wp-content/uploads/2022/09/x-696x464.jpg",
        f"{H}/wp-content/uploads/2022/09/x-696x464.jpg",
    ),
    ("https://ifpnews.com/old-story.html", f"{H}/old-story.html"),
    ("https://ifpnews.com/wp-json/wp/v2/posts", f"{H}/wp-json/wp/v2/posts"),
    ("https://ifpnews.com/", f"{H}/"),
    ("https://ifpnews.com", f"{H}/"),
    ("https://IFPNEWS.com", f"{H}/"),
    ("https://ifpnews.com.", f"{H}/"),
    # query: kept, sorted, encoded
    ("https://ifpnews.com/?p=123", f"{H}/?p=123"),
    ("https://ifpnews.com/?page_id=2&utm_source=x", f"{H}/?page_id=2"),
    ("https://ifpnews.com/?s=iran+nuclear", f"{H}/?s=iran+nuclear"),
    ("https://ifpnews.com/?tag=x&cat=5", f"{H}/?cat=5&tag=x"),
    ("https://ifpnews.com/x/?b=2&a=1", f"{H}/x/?a=1&b=2"),
    ("https://ifpnews.com/x/?a=%7e", f"{H}/x/?a=~"),
    ("https://ifpnews.com/x/?", f"{H}/x/"),
    # paths: duplicate slashes, dot segments, spaces, case
    ("https://ifpnews.com//x///y", f"{H}/x/y/"),
    ("https://ifpnews.com/a/../b/./c", f"{H}/b/c/"),
    ("https://ifpnews.com/../../x", f"{H}/x/"),
    ("https://ifpnews.com/a b", f"{H}/a%20b/"),
    ("  https://ifpnews.com/x/  ", f"{H}/x/"),
    ("https://ifpnews.com/Iran-News/", f"{H}/Iran-News/"),
    ("https://ifpnews.com/%7Euser/", f"{H}/~user/"),
    ("https://ifpnews.com/a%2Fb/", f"{H}/a%2Fb/"),
    # non-ASCII paths: raw, upper and lower percent-encoding map to one form
    ("https://ifpnews.com/ایران/", f"{H}{PERSIAN}"),
    ("https://ifpnews.com/ایران", f"{H}{PERSIAN}"),
    (f"https://ifpnews.com{PERSIAN}", f"{H}{PERSIAN}"),
    (f"https://ifpnews.com{PERSIAN.lower()}", f"{H}{PERSIAN}"),
    ("https://ifpnews.com/tag/ایران/page/2", f"{H}/tag{PERSIAN}page/2/"),
    # userinfo dropped
    ("http://user:pass@ifpnews.com/x", f"{H}/x/"),
]

CANONICAL_OFF_SITE = [
    ("http://ifpnews.com.evil.com/", "http://ifpnews.com.evil.com/"),
    ("http://evil.com/?u=ifpnews.com", "http://evil.com/?u=ifpnews.com"),
    ("http://ifpnews.com@evil.com/", "http://evil.com/"),
    ("https://sub.ifpnews.com/x", "https://sub.ifpnews.com/x"),
    ("HTTPS://Example.COM/Path/?b=1&a=2#x", "https://example.com/Path/?a=2&b=1"),
    ("https://example.com/x?utm_source=ifp&id=3", "https://example.com/x?id=3"),
    ("https://example.com/x/amp", "https://example.com/x/amp"),
    ("https://example.com/x?amp=1", "https://example.com/x?amp=1"),
    ("https://example.com/x?filter_by=a", "https://example.com/x?filter_by=a"),
    ("https://example.com/no-slash", "https://example.com/no-slash"),
    ("https://example.com/page/1/", "https://example.com/page/1/"),
    (
        "http://web.archive.org/web/2020/https://x.com//y",
        "http://web.archive.org/web/2020/https://x.com//y",
    ),
    ("http://example.com:80/x", "http://example.com/x"),
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    ("http://example.com:443/x", "http://example.com:443/x"),
    ("http://ифп.рф/x", "http://xn--h1aoo.xn--p1ai/x"),
    ("http://ИФП.РФ/x", "http://xn--h1aoo.xn--p1ai/x"),
    ("http://xn--h1aoo.xn--p1ai/x", "http://xn--h1aoo.xn--p1ai/x"),
    ("http://[::1]:8080/x", "http://[::1]:8080/x"),
    ("http://10.0.0.1/x", "http://10.0.0.1/x"),
    ("https://github.com/o/r?ref=main", "https://github.com/o/r?ref=main"),
    ("https://twitter.com/IFP?lang=en", "https://twitter.com/IFP?lang=en"),
]

UNUSABLE = [
    "",
    "   ",
    "/relative/path",
    "relative/path",
    "//ifpnews.com/x",
    "?p=1",
    "#top",
    "mailto:editor@ifpnews.com",
    "javascript:void(0)",
    "data:text/html,<b>x</b>",
    "tel:+982100000",
    "ftp://ifpnews.com/file",
    "http://[::1",
    "http://ifpnews.com:99999/",
    "http://ifpnews.com:-1/",
    "http://ifpnews.com:abc/",
    "http:///x",
    "http://",
    "https://ifp news.com/",
    "http://-bad-.com/",
    "http://a..b.com/",
    "http://" + "a" * 64 + ".com/",
    "https://ifpnews.com/" + "x" * MAX_URL_LENGTH,
    "https://ifpnews.com/?q=" + "ا" * 400,  # fine as text, too long once percent-encoded
]


@pytest.mark.parametrize(("url", "expected"), CANONICAL_ON_SITE)
def test_canonicalize_on_site(url: str, expected: str) -> None:
    assert canonicalize(url, IFP) == expected


@pytest.mark.parametrize(("url", "expected"), CANONICAL_OFF_SITE)
def test_canonicalize_off_site(url: str, expected: str) -> None:
    assert canonicalize(url, IFP) == expected


@pytest.mark.parametrize("url", UNUSABLE)
def test_canonicalize_rejects(url: str) -> None:
    assert canonicalize(url, IFP) is None
    assert canonicalize(url) is None


@pytest.mark.parametrize(("url", "_expected"), CANONICAL_ON_SITE + CANONICAL_OFF_SITE)
def test_canonicalize_is_idempotent(url: str, _expected: str) -> None:
    once = canonicalize(url, IFP)
    assert once is not None
    assert canonicalize(once, IFP) == once


def test_without_site_nothing_is_slash_rewritten() -> None:
    assert canonicalize("HTTPS://IFPNEWS.COM/Slug?utm_source=x&amp=1#f") == (
        "https://ifpnews.com/Slug?amp=1"
    )


@pytest.mark.parametrize(
    ("site", "url", "expected"),
    [
        # the site's own spelling wins: www. kept when the base has it, scheme folded
        (WWW, "http://example.org/a", "https://www.example.org/a/"),
        (WWW, "https://WWW.EXAMPLE.ORG/a/", "https://www.example.org/a/"),
        (IFP_HTTP, "https://www.ifpnews.com/a", "http://ifpnews.com/a/"),
        # a site on its own port: the port is part of its identity
        (REPLICA, "https://127.0.0.1:8123/a", "http://127.0.0.1:8123/a/"),
        (REPLICA, "http://127.0.0.1:8124/a", "http://127.0.0.1:8124/a"),
        (REPLICA, "http://127.0.0.1/a", "http://127.0.0.1/a"),
        # IDN site: Unicode and punycode spellings are one site
        (
            IDN,
            "http://ИФП.рф/статья",
            "https://xn--h1aoo.xn--p1ai/%D1%81%D1%82%D0%B0%D1%82%D1%8C%D1%8F/",
        ),
        (IDN, "https://xn--h1aoo.xn--p1ai/x", "https://xn--h1aoo.xn--p1ai/x/"),
    ],
)
def test_canonicalize_folds_to_site(site: Site, url: str, expected: str) -> None:
    assert canonicalize(url, site) == expected


@pytest.mark.parametrize(
    ("url", "base", "host"),
    [
        ("https://ifpnews.com/", "https://ifpnews.com/", "ifpnews.com"),
        ("ifpnews.com", "https://ifpnews.com/", "ifpnews.com"),
        ("HTTPS://WWW.IFPNEWS.COM", "https://www.ifpnews.com/", "ifpnews.com"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123/", "127.0.0.1:8123"),
        ("https://ifpnews.com:443/", "https://ifpnews.com/", "ifpnews.com"),
        ("https://example.net/news", "https://example.net/news/", "example.net"),
        ("https://ифп.рф/", "https://xn--h1aoo.xn--p1ai/", "xn--h1aoo.xn--p1ai"),
        (" https://ifpnews.com/?x=1#y ", "https://ifpnews.com/", "ifpnews.com"),
    ],
)
def test_site_from_url(url: str, base: str, host: str) -> None:
    site = Site.from_url(url)
    assert (site.base, site.host) == (base, host)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("ftp://ifpnews.com/", "http"),
        ("mailto:x@ifpnews.com", "http"),
        ("http://[::1", "cannot be parsed"),
        ("http://ifpnews.com:70000/", "cannot be parsed"),
        ("https://", "host"),
        ("https://bad host/", "host"),
    ],
)
def test_site_from_url_rejects(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Site.from_url(url)


@pytest.mark.parametrize(
    ("site", "url", "expected"),
    [
        (IFP, "https://ifpnews.com/x", True),
        (IFP, "http://ifpnews.com/x", True),
        (IFP, "http://WWW.ifpnews.com/x", True),
        (IFP, "http://ifpnews.com:80/x", True),
        (IFP, "https://ifpnews.com:8080/x", False),
        (IFP, "http://ifpnews.com.evil.com/", False),
        (IFP, "http://evil.com/?u=ifpnews.com", False),
        (IFP, "http://ifpnews.com@evil.com/", False),
        (IFP, "http://evil.com@ifpnews.com/", True),
        (IFP, "http://evilifpnews.com/", False),
        (IFP, "https://sub.ifpnews.com/", False),
        (IFP, "//ifpnews.com/x", False),
        (IFP, "/x", False),
        (IFP, "mailto:x@ifpnews.com", False),
        (IFP, "http://[::1", False),
        (WWW, "https://example.org/", True),
        (REPLICA, "http://127.0.0.1:8123/x", True),
        (REPLICA, "http://127.0.0.1:8124/x", False),
        (REPLICA, "http://127.0.0.1/x", False),
        (REPLICA, "http://localhost:8123/x", False),
        (IDN, "http://ифп.рф/x", True),
    ],
)
def test_is_on_site(site: Site, url: str, expected: bool) -> None:
    assert is_on_site(url, site) is expected


CLASSIFY = [
    # offsite and unusable
    ("https://example.com/slug/", "offsite"),
    ("http://ifpnews.com.evil.com/slug/", "offsite"),
    ("http://ifpnews.com@evil.com/slug/", "offsite"),
    ("https://twitter.com/share?url=https://ifpnews.com/x/", "offsite"),
    ("mailto:editor@ifpnews.com", "offsite"),
    ("/relative/", "offsite"),
    # articles: flat slugs (ifpnews), old ones without the slash, AMP and variants
    ("https://ifpnews.com/iran-fm-efforts-nuclear-talks-new-york-messages-exchanged/", "article"),
    ("http://ifpnews.com/iran-denies-permitting-bbc-to-have-correspondent-in-tehran", "article"),
    ("https://ifpnews.com/persepolis-beat-esteghlal-derby/amp", "article"),
    ("https://ifpnews.com/iranian-newspaper-front-pages-march-15/amp", "article"),
    ("https://ifpnews.com/iranian-newspaper-front-pages-march-15-2/", "article"),
    ("https://ifpnews.com/x/?amp=1", "article"),
    ("https://ifpnews.com/x/?noamp=mobile", "article"),
    ("https://ifpnews.com/x/?utm_source=telegram", "article"),
    (f"https://ifpnews.com{PERSIAN}", "article"),
    ("https://ifpnews.com/about-us/", "article"),  # a page; the extractor decides
    # articles: real WordPress permalink structures
    ("https://ifpnews.com/2024/05/17/some-story/", "article"),
    ("https://ifpnews.com/2024/05/some-story/", "article"),
    ("https://ifpnews.com/2024/some-story/", "article"),
    ("https://ifpnews.com/news/some-story/", "article"),
    ("https://ifpnews.com/news/politics/some-story/", "article"),
    ("https://ifpnews.com/archives/12345", "article"),
    ("https://ifpnews.com/some-story.html", "article"),
    ("https://ifpnews.com/index.php/2024/05/some-story/", "article"),
    ("https://ifpnews.com/some-story/2/", "article"),
    ("https://ifpnews.com/?p=123", "article"),
    ("https://ifpnews.com/?page_id=2", "article"),
    # listings
    ("https://ifpnews.com/", "listing"),
    ("http://www.ifpnews.com", "listing"),
    ("https://ifpnews.com/page/2/", "listing"),
    ("https://ifpnews.com/page/1/", "listing"),
    ("https://ifpnews.com/category/news/politics/", "listing"),
    ("https://ifpnews.com/category/news/politics/parliaments/", "listing"),
    ("https://ifpnews.com/category/news/world/middle-east/", "listing"),
    ("https://ifpnews.com/category/views", "listing"),
    ("https://ifpnews.com/category/wired/page/3", "listing"),
    ("https://ifpnews.com/category/news/politics/?filter_by=popular7", "listing"),
    ("https://ifpnews.com/category/news/politics/?filter_by=featured", "listing"),
    ("https://ifpnews.com/tag/Football/page/10", "listing"),
    ("https://ifpnews.com/tag/football/", "listing"),
    ("https://ifpnews.com/author/faskarieh/", "listing"),
    ("https://ifpnews.com/author/faskarieh/page/2/", "listing"),
    ("https://ifpnews.com/iran-news/", "listing"),
    ("https://ifpnews.com/iran-news/page/1663", "listing"),
    ("https://ifpnews.com/all-stories/page/1610/?noamp=mobile", "listing"),
    ("https://ifpnews.com/2024/", "listing"),
    ("https://ifpnews.com/2024/05/", "listing"),
    ("https://ifpnews.com/2024/05/17/", "listing"),
    ("https://ifpnews.com/2024/05/page/2/", "listing"),
    ("https://ifpnews.com/news-archive/page/4/", "listing"),
    ("https://ifpnews.com/?cat=5", "listing"),
    ("https://ifpnews.com/?tag=football", "listing"),
    ("https://ifpnews.com/?author=3", "listing"),
    ("https://ifpnews.com/?m=202405", "listing"),
    ("https://ifpnews.com/?paged=3", "listing"),
    # feeds
    ("https://ifpnews.com/feed/", "feed"),
    ("https://ifpnews.com/feed", "feed"),
    ("https://ifpnews.com/feed/atom/", "feed"),
    ("https://ifpnews.com/feed/rss2/", "feed"),
    ("https://ifpnews.com/rss/", "feed"),
    ("https://ifpnews.com/category/news/politics/feed/", "feed"),
    ("https://ifpnews.com/category/war/feed/", "feed"),
    ("https://ifpnews.com/tag/football/feed/", "feed"),
    ("https://ifpnews.com/author/faskarieh/feed/", "feed"),
    ("https://ifpnews.com/?feed=rss2", "feed"),
    ("https://ifpnews.com/wp-rss2.php", "feed"),
    # sitemaps
    ("https://ifpnews.com/sitemap.xml", "sitemap"),
    ("https://ifpnews.com/sitemap_index.xml", "sitemap"),
    ("https://ifpnews.com/wp-sitemap.xml", "sitemap"),
    ("https://ifpnews.com/wp-sitemap-posts-post-1.xml", "sitemap"),
    ("https://ifpnews.com/post-sitemap2.xml", "sitemap"),
    ("https://ifpnews.com/news-sitemap.xml", "sitemap"),
    ("https://ifpnews.com/sitemap-news.xml.gz", "sitemap"),
    # REST API: posts is content, the rest is not
    ("https://ifpnews.com/wp-json/wp/v2/posts", "api"),
    ("https://ifpnews.com/wp-json/wp/v2/posts?per_page=100&page=3", "api"),
    ("https://ifpnews.com/wp-json/wp/v2/posts/12345", "api"),
    ("https://ifpnews.com/?rest_route=/wp/v2/posts&page=2", "api"),
    ("https://ifpnews.com/wp-json/", "admin"),
    ("https://ifpnews.com/wp-json/wp/v2/users", "admin"),
    ("https://ifpnews.com/wp-json/oembed/1.0/embed?url=x", "admin"),
    ("https://ifpnews.com/?rest_route=/wp/v2/users", "admin"),
    # admin, search, comments, actions
    ("https://ifpnews.com/wp-admin/", "admin"),
    ("https://ifpnews.com/wp-admin/admin-ajax.php", "admin"),
    ("https://ifpnews.com/wp-login.php?action=lostpassword", "admin"),
    ("https://ifpnews.com/xmlrpc.php", "admin"),
    ("https://ifpnews.com/xmlrpc.php?rsd", "admin"),
    ("https://ifpnews.com/wp-comments-post.php", "admin"),
    ("https://ifpnews.com/?s=nuclear", "admin"),
    ("https://ifpnews.com/page/2/?s=nuclear", "admin"),
    ("https://ifpnews.com/search/nuclear/", "admin"),
    ("https://ifpnews.com/comments/feed/", "admin"),
    ("https://ifpnews.com/some-story/feed/", "admin"),
    ("https://ifpnews.com/?feed=comments-rss2&p=5", "admin"),
    ("https://ifpnews.com/some-story/trackback/", "admin"),
    ("https://ifpnews.com/some-story/embed/", "admin"),
    ("https://ifpnews.com/some-story/comment-page-2/", "admin"),
    ("https://ifpnews.com/some-story/?replytocom=123#respond", "admin"),
    ("https://ifpnews.com/some-story/?share=facebook", "admin"),
    ("https://ifpnews.com/?p=123&preview=true", "admin"),
    # assets
    ("https://ifpnews.com/wp-content/uploads/2022/09/putin-raisi-696x464.jpg", "asset"),
    ("https://ifpnews.com/wp-content/uploads/2022/09/putin-raisi", "asset"),
    ("https://ifpnews.com/wp-content/themes/Newspaper/style.css", "asset"),
    ("https://ifpnews.com/wp-includes/js/jquery/jquery.min.js?ver=3.7.1", "asset"),
    ("https://ifpnews.com/files/report.PDF", "asset"),
    ("https://ifpnews.com/media/clip.mp4", "asset"),
    ("https://ifpnews.com/archive.zip", "asset"),
    ("https://ifpnews.com/favicon.ico", "asset"),
    # attachments
    ("https://ifpnews.com/some-story/attachment/photo-1/", "attachment"),
    ("https://ifpnews.com/some-story/photo-1/attachment/", "attachment"),
    ("https://ifpnews.com/?attachment_id=77", "attachment"),
    # other on-site
    ("https://ifpnews.com/robots.txt", "asset"),
    ("https://ifpnews.com/ads.cgi", "other"),
    ("https://ifpnews.com/a/b/c/d/e/", "other"),
    ("https://ifpnews.com/a/b/c/", "other"),
]


@pytest.mark.parametrize(("url", "expected"), CLASSIFY)
def test_classify_url(url: str, expected: str) -> None:
    assert classify_url(url, IFP) == expected


@pytest.mark.parametrize(
    ("site", "url", "expected"),
    [
        (SUBDIR, "https://example.net/news/", "listing"),
        (SUBDIR, "https://example.net/news/some-story/", "article"),
        (SUBDIR, "https://example.net/news/category/x/", "listing"),
        (SUBDIR, "https://example.net/news/feed/", "feed"),
        (SUBDIR, "https://example.net/shop/item/", "other"),
        (REPLICA, "http://127.0.0.1:8123/some-story/", "article"),
        (REPLICA, "http://127.0.0.1:9999/some-story/", "offsite"),
        (WWW, "http://example.org/tag/x/", "listing"),
    ],
)
def test_classify_url_other_sites(site: Site, url: str, expected: str) -> None:
    assert classify_url(url, site) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ifpnews.com/x/amp", True),
        ("https://ifpnews.com/x/amp/", True),
        ("https://ifpnews.com/x/?amp", True),
        ("https://ifpnews.com/x/?amp=1", True),
        ("https://ifpnews.com/x/?noamp=mobile", False),
        ("https://ifpnews.com/x/?nonamp=1", False),
        ("https://ifpnews.com/x/", False),
        ("https://ifpnews.com/example-amp/", False),
        ("https://ifpnews.com/amp-story/", False),
        ("https://ifpnews.com/x/?ampx=1", False),
    ],
)
def test_is_amp_url(url: str, expected: bool) -> None:
    assert is_amp_url(url) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ifpnews.com/x/amp", "https://ifpnews.com/x/"),
        ("https://ifpnews.com/x/amp/", "https://ifpnews.com/x/"),
        ("https://ifpnews.com/x/?amp=1&utm_source=y", "https://ifpnews.com/x/?utm_source=y"),
        ("https://ifpnews.com/x?noamp=mobile", "https://ifpnews.com/x"),
        ("https://ifpnews.com/x/", "https://ifpnews.com/x/"),
        ("https://ifpnews.com/example-amp", "https://ifpnews.com/example-amp"),
    ],
)
def test_strip_amp(url: str, expected: str) -> None:
    assert strip_amp(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ifpnews.com/iran-news/page/1663", 1663),
        ("https://ifpnews.com/tag/Football/page/10/", 10),
        ("https://ifpnews.com/page/2/", 2),
        ("https://ifpnews.com/?paged=7", 7),
        ("https://ifpnews.com/category/news/", None),
        ("https://ifpnews.com/page-turner/", None),
        ("https://ifpnews.com/page/x/", None),
        ("https://ifpnews.com/?paged=x", None),
    ],
)
def test_listing_page_number(url: str, expected: int | None) -> None:
    assert listing_page_number(url) == expected


@pytest.mark.parametrize(
    ("url", "page", "expected"),
    [
        ("https://ifpnews.com/iran-news/", 2, "https://ifpnews.com/iran-news/page/2/"),
        ("https://ifpnews.com/iran-news/page/5/", 6, "https://ifpnews.com/iran-news/page/6/"),
        ("https://ifpnews.com/iran-news/page/5", 1, "https://ifpnews.com/iran-news/"),
        ("https://ifpnews.com/", 3, "https://ifpnews.com/page/3/"),
        ("https://ifpnews.com/tag/Football", 2, "https://ifpnews.com/tag/Football/page/2/"),
    ],
)
def test_listing_page_url(url: str, page: int, expected: str) -> None:
    assert listing_page_url(url, page) == expected


def test_listing_page_url_rejects_page_zero() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        listing_page_url("https://ifpnews.com/", 0)


def test_listing_root() -> None:
    assert listing_root("https://ifpnews.com/?paged=4&cat=5") == "https://ifpnews.com/?cat=5"
    assert listing_root("https://ifpnews.com/tag/x/page/9/") == "https://ifpnews.com/tag/x/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ifpnews.com/?p=123", 123),
        ("https://ifpnews.com/?page_id=2", 2),
        ("https://ifpnews.com/?attachment_id=77", 77),
        ("https://ifpnews.com/?p=abc", None),
        ("https://ifpnews.com/slug/", None),
    ],
)
def test_wp_post_id(url: str, expected: int | None) -> None:
    assert wp_post_id(url) == expected


def test_all_variants_of_one_article_share_one_canonical_url() -> None:
    variants = [
        "http://ifpnews.com/persepolis-beat-esteghlal-derby",
        "https://ifpnews.com/persepolis-beat-esteghlal-derby/",
        "https://www.ifpnews.com/persepolis-beat-esteghlal-derby/amp",
        "https://ifpnews.com/persepolis-beat-esteghlal-derby/?amp=1",
        "https://ifpnews.com/persepolis-beat-esteghlal-derby/?noamp=mobile",
        "https://ifpnews.com/persepolis-beat-esteghlal-derby?utm_source=t&utm_medium=s",
        "HTTPS://IFPNEWS.COM:443/persepolis-beat-esteghlal-derby/#comments",
    ]
    assert {canonicalize(v, IFP) for v in variants} == {
        "https://ifpnews.com/persepolis-beat-esteghlal-derby/"
    }


# --- the fast path of canonicalize ------------------------------------------------------------

ALL_SITES = [IFP, IFP_HTTP, WWW, REPLICA, SUBDIR, IDN]


def _table_urls() -> list[str]:
    urls = [url for url, _ in CANONICAL_ON_SITE + CANONICAL_OFF_SITE] + list(UNUSABLE)
    urls += [url for url, _ in CLASSIFY]
    # The same paths on every test site, with and without its exact origin.
    for site in ALL_SITES:
        origin = site.base.split("/", 3)
        for path in ("/a-slug/", "/2024/05/a-slug/", "/amp/", "/a-slug/amp/", "/page/2/", "/x/"):
            urls.append(origin[0] + "//" + origin[2] + path)
    return urls


@pytest.mark.parametrize("site", ALL_SITES, ids=lambda site: site.base)
def test_fast_path_gives_what_the_full_rules_give(site: Site) -> None:
    from ifpcrawl.urls import _canonicalize, _canonicalize_slow

    urls = _table_urls()
    assert len(urls) > 250
    for url in urls:
        assert _canonicalize(url, site) == _canonicalize_slow(url, site), url


@pytest.mark.parametrize(
    ("url", "fast"),
    [
        ("https://ifpnews.com/iran-says-talks-go-on/", True),
        ("https://ifpnews.com/category/iran-news/", True),
        ("https://ifpnews.com/2024/05/07/a-slug-2/", True),
        ("https://ifpnews.com/iran-says-talks-go-on", False),  # no trailing slash
        ("https://ifpnews.com/Iran-Says/", False),  # upper case
        ("https://ifpnews.com/a-slug/amp/", False),  # AMP folding
        ("https://ifpnews.com/iran-news/page/1/", False),  # /page/1 folding
        ("https://ifpnews.com/a-slug/?utm_source=x", False),  # query
        ("https://ifpnews.com//a-slug/", False),  # doubled slash
        ("https://www.ifpnews.com/a-slug/", False),  # another spelling of the host
        ("http://ifpnews.com/a-slug/", False),  # another scheme
        ("https://ifpnews.com/%d8%a7/", False),  # escapes
        ("https://ifpnews.com.evil.example/a-slug/", False),
    ],
)
def test_fast_path_takes_only_canonical_spellings(url: str, fast: bool) -> None:
    from ifpcrawl.urls import already_canonical

    assert already_canonical(url, IFP) is fast
