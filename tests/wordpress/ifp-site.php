<?php
/**
 * Plugin Name: ifpcrawl test site
 * Description: What a real news site adds to stock WordPress for the e2e tests: a custom post
 * type for articles (public, with a single template, in REST and in the sitemaps) and oEmbed
 * answers served locally, since the test machine has no internet and a real site shows the
 * provider's iframe, not the bare URL.
 */

add_action('init', function () {
    register_post_type('article', [
        'label' => 'Articles',
        'public' => true,
        'has_archive' => true,
        'show_in_rest' => true,
        'rewrite' => ['slug' => 'article'],
        'supports' => ['title', 'editor', 'author', 'excerpt', 'comments', 'revisions'],
        'taxonomies' => ['category', 'post_tag'],
    ]);
});

// The oEmbed HTML the providers answer with, minus the network round trip.
add_filter('pre_oembed_result', function ($result, $url) {
    if (preg_match('#youtube\.com/watch\?v=([\w-]+)#', $url, $m)) {
        return '<iframe title="Briefing video" width="500" height="281" src="https://www.youtube.com/embed/'
            . $m[1] . '?feature=oembed" frameborder="0" allowfullscreen></iframe>';
    }
    if (preg_match('#twitter\.com/\w+/status/\d+#', $url)) {
        return '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Talks resume in Vienna'
            . ' next week, officials say.</p>&mdash; Newsroom (@newsroom) <a href="' . esc_url($url)
            . '">March 3, 2023</a></blockquote>'
            . '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>';
    }
    return $result;
}, 10, 2);

// A site that turns its sitemaps and REST API off (option ifp_listings_only, set by
// `wpctl.php configure ... listings`): listings and feeds are then the only ways in.
if (get_option('ifp_listings_only')) {
    add_filter('wp_sitemaps_enabled', '__return_false');
    add_filter('rest_authentication_errors', function () {
        return new WP_Error('rest_disabled', 'The REST API is disabled on this site.', ['status' => 401]);
    });
}
