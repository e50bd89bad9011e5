"""An offline replica of ifpnews.com (WordPress, tagDiv "Newspaper" + AMP for WP "Swift").

Run ``python -m tests.replica [--port 0] [--articles N] [--seed S] [--add N]
[--edit N] [--theme tagdiv|wp|wp-classic] [--no-sitemap] [--no-rest] [--faults SPEC]
[--manifest]``; tests use :class:`tests.replica.testing.ReplicaServer`. Content is
deterministic (see :mod:`.content`); faults are described in :mod:`.faults`.

Site map (base = ``http://127.0.0.1:PORT``; listings have 10 posts per page, newest first)

========================================  ==================================================
``/``                                     home: "Latest News" block + category blocks (tagdiv);
                                          the post loop with ``/page/N/`` paging (wp themes)
``/iran-news/``, ``/all-stories/``        WordPress pages holding a paged post loop: posts
                                          under News / every post; ``.../page/N[/]``
``/category/<path>/[page/N[/]]``          category archives (children included), e.g.
                                          ``/category/news/politics/``,
                                          ``/category/news/world/middle-east/``; ``?filter_by=
                                          featured|random_posts|popular|popular7`` = the same
                                          posts reordered
``/tag/<Slug>/[page/N[/]]``               tag archives, slug case as authored (``/tag/Football/``)
``/author/<nicename>/[page/N[/]]``        author archives (``/author/faskarieh/`` = IFP Editor)
``/<slug>/`` or ``/<slug>``               article; both spellings serve it, ``rel=canonical``
                                          names the canonical one (no slash before 2019).
                                          ``?noamp=mobile``, ``?nonamp=1``, ``?filter_by=``,
                                          ``utm_*``: the same desktop page
``/<slug>/amp[/]``, ``?amp``, ``?amp=1``  AMP (Swift) page (tagdiv theme; 404 / desktop on wp)
``/<old-slug>[/][amp]``                   301 to the renamed article (a few per site)
``/<slug>/attachment/<name>/``            attachment page (``body.attachment``), not an article
``/about-us/``, ``/contact-us/``          WordPress pages (``body.page``, ``type-page``)
password-protected post                   listed, page has ``post-password-required`` + form
``/draft-cabinet-reshuffle-list/``        private post: 404 (one article links to it)
``/feed/``, ``/category/<path>/feed/``,   RSS 2.0, latest 20 (``pubDate``, ``dc:creator``,
``/tag/<Slug>/feed/``                     ``category``, ``content:encoded``)
``/robots.txt``                           Disallow /wp-admin/ and /?s=; ``Sitemap:`` when on
``/wp-sitemap.xml``,                      core sitemap index and 2,000-URL post sitemaps with
``/wp-sitemap-posts-post-N.xml``          ``<lastmod>``; pages/categories/tags/users sitemaps
                                          (404 with ``--no-sitemap``)
``/wp-json/``, ``/wp-json/wp/v2/posts``   REST root and posts (``page``, ``per_page`` <= 100,
``/wp-json/wp/v2/posts/<id>``             ``X-WP-Total``/``X-WP-TotalPages``; 404 with
                                          ``--no-rest``)
``/?p=<id>``                              shortlink: 301 to the article
``/__replica/stats``                      JSON: requests, statuses, faults served per kind
anything else                             themed 404 page, status 404
========================================  ==================================================

Articles: the seed article of ``data/seed-article.txt`` verbatim ("Putin in meeting with
Raisi: NATO threats beyond Europe", IFP Exclusive, 2022-09-15T14:30:00+04:30), the four
real samples of ifp-site.md, the six "Recent Posts" of the seed page (the newest base
posts), the listing titles seen on the real site, then synthetic Iran news (150-1500
words, 3-25 paragraphs). Quirks: qTranslate leftovers in two 2016 titles (rendered raw,
clean in the manifest), stale ``p.td-post-sub-title`` on some front-page posts, 15-word
listing titles, Title Case before 2021, "(+Video)"/"(PHOTOS)", spam text inside one body
("at the end of the 123movies."), one republished near-copy (manifest ``duplicate_of``),
``-2``/``-3`` slugs for the daily "A Look at Iranian Newspaper Front Pages on <Month D>".

Links: each article has 0-4 in-body links (older articles spelled as http/https, relative,
``/amp``, ``?amp=1``, ``utm_*``, the other slash form or an old slug; plus off-site links)
and 3-5 related posts; these are the manifest's ``links``. The "Recent Posts" blocks
(AMP ``div.r-pf`` and the desktop sidebar) are the site's 6 latest posts at fetch time
with relative times ("3 hours ago") computed from the server clock; they are not in
the manifest. The tagDiv top-bar date is the fetch date. Every article is reachable
through ``/all-stories/`` paging.

Times: the theme's ``time[datetime]``, ``meta[itemprop]`` and AMP JSON-LD carry Tehran
local time with offset; Yoast's ``article:published_time`` and JSON-LD carry UTC, as
the real plugins do. Article pages send ``ETag``/``Last-Modified`` and answer 304.
"""
