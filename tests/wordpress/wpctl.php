<?php
/**
 * Drive a private WordPress through its own PHP API (no wp-cli in Debian 12).
 *
 *   php wpctl.php ROOT install URL          wp_install + the seed content (once per database)
 *   php wpctl.php ROOT link                 then the in-body links between posts (once)
 *   php wpctl.php ROOT configure THEME PERMALINKS [listings]
 *                                          switch theme and permalink structure (listings: no
 *                                          sitemaps, no REST API)
 *   php wpctl.php ROOT truth                the ground truth, as WordPress itself renders it, as JSON
 *
 * ROOT is the private copy made by harness.py (its wp-config.php names the database).
 */

if (PHP_SAPI !== 'cli' || $argc < 3) {
    fwrite(STDERR, "usage: php wpctl.php ROOT install|configure|truth ...\n");
    exit(2);
}
$root = rtrim($argv[1], '/');
$command = $argv[2];
$home = parse_url(trim(file_get_contents($root . '/home-url.txt')));
// WordPress reads the request's host in a few places even from the command line.
$_SERVER['HTTP_HOST'] = $home['host'] . ':' . $home['port'];
$_SERVER['SERVER_NAME'] = $home['host'];
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';

if ($command === 'install') {
    define('WP_INSTALLING', true);
    // Pluggable: no mail on a machine without sendmail.
    function wp_new_blog_notification(...$args) {}
}
require $root . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/post.php';

function fail(string $message): void
{
    fwrite(STDERR, "wpctl: $message\n");
    exit(1);
}

function check($result, string $what)
{
    if (is_wp_error($result) || $result === 0 || $result === false) {
        fail($what . ': ' . (is_wp_error($result) ? $result->get_error_message() : 'failed'));
    }
    return $result;
}

/** Sentences made from a fixed seed, so each post's text is its own (no near-copies). */
function prose(int $seed, int $paragraphs): array
{
    $subjects = ['The foreign ministry', 'Parliament', 'A senior negotiator', 'The central bank',
        'Analysts in Tehran', 'European diplomats', 'The oil ministry', 'Local traders',
        'A government spokesman', 'Economists', 'The energy committee', 'Opposition lawmakers',
        'Port authorities', 'Farmers in Khuzestan', 'The chamber of commerce', 'Students'];
    $verbs = ['announced', 'questioned', 'welcomed', 'rejected', 'reviewed', 'criticised',
        'defended', 'postponed', 'outlined', 'negotiated', 'examined', 'praised', 'doubted'];
    $objects = ['a new budget plan', 'the currency reform', 'talks on the nuclear file',
        'rising bread prices', 'the trade agreement with neighbours', 'export quotas for steel',
        'a water management scheme', 'the rail link to the Caspian coast', 'fuel subsidies',
        'the draft media law', 'visa rules for tourists', 'investment in solar farms',
        'shipping insurance costs', 'the wheat harvest estimate', 'a pension overhaul'];
    $tails = ['on Monday', 'after a long debate', 'despite strong objections', 'in a statement',
        'according to state media', 'during a press conference', 'for the second time this year',
        'amid rising tensions', 'before the holidays', 'in a closed session', 'late on Thursday'];
    mt_srand($seed);
    $out = [];
    for ($p = 0; $p < $paragraphs; $p++) {
        $sentences = [];
        $count = mt_rand(3, 5);
        for ($s = 0; $s < $count; $s++) {
            $sentences[] = $subjects[mt_rand(0, count($subjects) - 1)] . ' '
                . $verbs[mt_rand(0, count($verbs) - 1)] . ' '
                . $objects[mt_rand(0, count($objects) - 1)] . ' '
                . $tails[mt_rand(0, count($tails) - 1)] . ', and officials said '
                . mt_rand(2, 980) . ' projects in ' . (2010 + mt_rand(0, 14)) . ' were affected.';
        }
        $out[] = implode(' ', $sentences);
    }
    return $out;
}

function block_paragraph(string $text): string
{
    return "<!-- wp:paragraph -->\n<p>$text</p>\n<!-- /wp:paragraph -->";
}

/** One post body: a block-editor or a classic one, with the features real news posts have. */
function body(int $i, bool $blocks): string
{
    $paras = prose(1000 + $i, 4 + $i % 3);
    $feature = $i % 7;
    $parts = [];
    foreach ($paras as $n => $text) {
        $parts[] = $blocks ? block_paragraph($text) : $text;
        if ($n !== 1) {
            continue;
        }
        // After the second paragraph: one of the richer elements, in turn.
        if ($feature === 0) {
            $parts[] = $blocks
                ? "<!-- wp:heading -->\n<h2>What happens next</h2>\n<!-- /wp:heading -->\n\n<!-- wp:list -->\n<ul><li>Committee hearings in April</li><li>A vote before the summer recess</li><li>Implementation from 2025</li></ul>\n<!-- /wp:list -->"
                : "<h2>What happens next</h2>\n<ul>\n<li>Committee hearings in April</li>\n<li>A vote before the summer recess</li>\n<li>Implementation from 2025</li>\n</ul>";
        } elseif ($feature === 1) {
            $parts[] = $blocks
                ? "<!-- wp:quote -->\n<blockquote class=\"wp-block-quote\"><!-- wp:paragraph -->\n<p>We will not accept a deal that ignores our people&#8217;s interests.</p>\n<!-- /wp:paragraph --><cite>A member of the negotiating team</cite></blockquote>\n<!-- /wp:quote -->"
                : "<blockquote><p>We will not accept a deal that ignores our people's interests.</p>\n<p>&mdash; A member of the negotiating team</p></blockquote>";
        } elseif ($feature === 2) {
            $parts[] = $blocks
                ? "<!-- wp:image {\"sizeSlug\":\"large\"} -->\n<figure class=\"wp-block-image size-large\"><img src=\"/wp-content/uploads/2023/03/bazaar-$i.jpg\" alt=\"Shoppers at the Grand Bazaar\"/><figcaption class=\"wp-element-caption\">Shoppers at Tehran&#8217;s Grand Bazaar in March</figcaption></figure>\n<!-- /wp:image -->"
                : "[caption id=\"attachment_$i\" align=\"aligncenter\" width=\"640\"]<img src=\"/wp-content/uploads/2023/03/port-$i.jpg\" alt=\"Container port\" width=\"640\" height=\"427\" /> Containers at Bandar Abbas port, the country's busiest[/caption]";
        } elseif ($feature === 3) {
            $parts[] = $blocks
                ? "<!-- wp:embed {\"url\":\"https://www.youtube.com/watch?v=ifpVid$i\",\"type\":\"video\",\"providerNameSlug\":\"youtube\",\"responsive\":true,\"className\":\"wp-embed-aspect-16-9 wp-has-aspect-ratio\"} -->\n<figure class=\"wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube wp-embed-aspect-16-9 wp-has-aspect-ratio\"><div class=\"wp-block-embed__wrapper\">\nhttps://www.youtube.com/watch?v=ifpVid$i\n</div></figure>\n<!-- /wp:embed -->"
                : "https://twitter.com/newsroom/status/16310000000$i";
        } elseif ($feature === 4) {
            $parts[] = $blocks
                ? block_paragraph("Prices rose 12&nbsp;% &ndash; the steepest rise since 2018 &mdash; while AT&amp;T-style &ldquo;bundles&rdquo; and 3 &lt; 5 comparisons confused buyers; &#8220;Caf&eacute; owners&#8221; in Tabriz agreed.")
                : "Prices rose 12&nbsp;% &ndash; the steepest rise since 2018 &mdash; while AT&amp;T-style \"bundles\" and 3 &lt; 5 comparisons confused buyers; \"Café owners\" in Tabriz agreed.";
        } elseif ($feature === 5) {
            $parts[] = $blocks
                ? "<!-- wp:list {\"ordered\":true} -->\n<ol><li>Release of the draft</li><li>Public consultation</li><li>Final reading</li></ol>\n<!-- /wp:list -->\n\n<!-- wp:heading {\"level\":3} -->\n<h3>Reactions in the region</h3>\n<!-- /wp:heading -->"
                : "<ol>\n<li>Release of the draft</li>\n<li>Public consultation</li>\n<li>Final reading</li>\n</ol>\n<h3>Reactions in the region</h3>";
        } else {
            $parts[] = $blocks
                ? "<!-- wp:table -->\n<figure class=\"wp-block-table\"><table><tbody><tr><td>Exports</td><td>4.2 billion</td></tr><tr><td>Imports</td><td>3.9 billion</td></tr></tbody></table><figcaption class=\"wp-element-caption\">Trade in the first quarter</figcaption></figure>\n<!-- /wp:table -->"
                : "<table>\n<tbody>\n<tr><td>Exports</td><td>4.2 billion</td></tr>\n<tr><td>Imports</td><td>3.9 billion</td></tr>\n</tbody>\n</table>";
        }
    }
    return implode("\n\n", $parts);
}

function install(string $url): void
{
    if (is_blog_installed()) {
        return;
    }
    $result = wp_install('Tehran Ledger', 'admin', 'admin@example.test', true, '', 'ifp-test-password');
    check($result['user_id'] ?? 0, 'wp_install');
    update_option('timezone_string', 'Europe/Berlin');
    update_option('date_format', 'F j, Y');
    update_option('posts_per_page', 10);
    update_option('blogdescription', 'News and analysis');
    seed();
}

function user(string $login, string $first, string $last, string $bio): int
{
    return check(wp_insert_user([
        'user_login' => $login,
        'user_pass' => wp_generate_password(),
        'user_email' => "$login@example.test",
        'first_name' => $first,
        'last_name' => $last,
        'display_name' => "$first $last",
        'description' => $bio,
        'role' => 'author',
    ]), "user $login");
}

function term(string $name, string $taxonomy, int $parent = 0): int
{
    $term = check(wp_insert_term($name, $taxonomy, ['parent' => $parent]), "term $name");
    return (int) $term['term_id'];
}

function post(array $fields, array $categories = [], array $tags = []): int
{
    $id = check(wp_insert_post(array_merge(['post_type' => 'post', 'post_status' => 'publish'],
        $fields), true), 'post ' . $fields['post_title']);
    if ($categories) {
        check(wp_set_post_terms($id, $categories, 'category'), 'categories');
    }
    if ($tags) {
        check(wp_set_post_terms($id, $tags, 'post_tag'), 'tags');
    }
    return $id;
}

/** A JPEG made here (GD), uploaded as WordPress does it: attachment post, sizes, metadata. */
function attachment(int $n, string $title, string $caption): int
{
    require_once ABSPATH . 'wp-admin/includes/image.php';
    $upload = wp_upload_dir('2023/03');
    $file = $upload['path'] . "/newsroom-photo-$n.jpg";
    $image = imagecreatetruecolor(1200, 800);
    imagefill($image, 0, 0, imagecolorallocate($image, 40 * $n % 256, 90, 140));
    imagejpeg($image, $file, 80);
    $id = check(wp_insert_attachment(['post_mime_type' => 'image/jpeg', 'post_title' => $title,
        'post_excerpt' => $caption, 'post_status' => 'inherit'], $file, 0, true), 'attachment');
    wp_update_attachment_metadata($id, wp_generate_attachment_metadata($id, $file));
    return $id;
}

function seed(): void
{
    $authors = [
        user('maryam', 'Maryam', 'Rahimi', 'Maryam Rahimi covers politics and diplomacy from Tehran.'),
        user('john', 'John', 'Doe', ''),
        user('zoe', 'Zoë', 'Müller', 'Zoë Müller writes about energy markets and the economy.'),
        user('ali', 'Ali', 'Karimi', ''),
    ];
    $world = term('World', 'category');
    $categories = [
        term('Politics', 'category'),
        term('Economy', 'category'),
        $world,
        term('Middle East', 'category', $world),
        term('Culture & Arts', 'category'),
    ];
    $tags = ['Tehran', 'Vienna talks', 'Oil', 'Sanctions', 'Zürich', 'Trade & Tariffs', 'Bazaar',
        'Elections'];
    foreach ($tags as $tag) {
        term($tag, 'post_tag');
    }
    $titles = ['Parliament debates the new budget', 'Rial steadies after central bank move',
        'Diplomats return to Vienna', 'Oil exports reach a five-year high',
        'Bazaar merchants strike over tax rules', 'Drought threatens wheat harvest',
        'Caspian rail link opens to freight', '“Red lines” remain, says negotiator',
        'Solar farms draw foreign investors', 'Pension reform divides lawmakers',
        'Shipping insurers raise Gulf premiums', 'Students protest tuition rises',
        'Tabriz café culture in the spotlight', 'Steel exporters face new quotas',
        'Water rationing in Isfahan', 'Election date set for June', 'Tourist visas made easier',
        'Ports expand capacity at Chabahar', 'Film festival opens in Tehran',
        'Inflation slows for third month', 'Regional trade pact signed',
        'Farmers demand compensation', 'AT&T-style bundles reach Iranian telecoms',
        "Gas deal with neighbours: what's in it", 'Q&A: the new media law'];
    $ids = [];
    $start = new DateTimeImmutable('2023-01-15 09:30:00');
    foreach ($titles as $i => $title) {
        $date = $start->modify('+' . ($i * 13) . ' days')
            ->setTime(7 + ($i * 5) % 12, ($i * 17) % 60, ($i * 7) % 60 + 1);
        $blocks = $i % 2 === 0;
        $fields = [
            'post_title' => $title,
            'post_content' => body($i, $blocks),
            'post_author' => $authors[$i % count($authors)],
            'post_date' => $date->format('Y-m-d H:i:s'),
            'comment_status' => 'open',
        ];
        if ($i % 6 === 1) {
            $fields['post_excerpt'] = "A short summary written by the editor for story $i.";
        }
        $ids[] = post($fields, [$categories[$i % count($categories)]],
            array_slice($tags, $i % 5, 1 + $i % 3));
    }
    // Non-ASCII and percent-encoded slugs, as Persian- and Russian-language desks produce.
    $ids[] = post(['post_title' => 'گزارش بازار تهران', 'post_name' => 'گزارش-بازار-تهران',
        'post_content' => body(40, true), 'post_author' => $authors[0],
        'post_date' => '2024-02-10 18:05:09'], [$categories[1]], ['Bazaar']);
    $ids[] = post(['post_title' => 'Новости рынка: нефть и газ', 'post_name' => 'новости-рынка',
        'post_content' => body(41, false), 'post_author' => $authors[2],
        'post_date' => '2024-07-21 06:45:30'], [$categories[2]], ['Oil', 'Zürich']);
    $ids[] = post(['post_title' => 'Salam, world: a greeting goes global',
        'post_name' => '%d8%b3%d9%84%d8%a7%d9%85-world', 'post_content' => body(42, true),
        'post_author' => $authors[3], 'post_date' => '2024-10-27 02:30:15'],
        [$categories[4]], ['Tehran']);

    // Posts edited after they were published: a correction, an update.
    foreach ([$ids[2], $ids[9], $ids[16]] as $n => $id) {
        $post = get_post($id);
        check(wp_update_post(['ID' => $id, 'post_content' => $post->post_content . "\n\n"
            . block_paragraph("Update: this story was corrected to reflect figure number " . ($n + 3)
                . " published by the statistics office.")], true), 'update');
    }
    // Featured images (with captions the themes print) and an image linked to its attachment
    // page, which is not an article.
    $photos = [attachment(1, 'Grand Bazaar at dawn', 'The Grand Bazaar before opening time'),
        attachment(2, 'Oil terminal', 'Kharg Island oil terminal'),
        attachment(3, 'Parliament building', 'The parliament building in Baharestan Square')];
    foreach ([0, 5, 10, 15, 20] as $n => $index) {
        set_post_thumbnail($ids[$index], $photos[$n % count($photos)]);
    }
    update_option('ifp_linked_photo', [$ids[6], $photos[1]]);
    stick_post($ids[4]);
    stick_post($ids[11]);

    // Comments: part of the page, never part of the article.
    foreach ([$ids[0], $ids[3], $ids[7], $ids[12], $ids[20]] as $n => $id) {
        for ($c = 0; $c <= $n % 3; $c++) {
            check(wp_insert_comment(['comment_post_ID' => $id, 'comment_author' => "Reader $c",
                'comment_author_email' => "reader$c@example.test",
                'comment_content' => "Comment $c: readers argue the budget figures tell another story.",
                'comment_approved' => 1, 'comment_date' => '2024-11-0' . ($c + 1) . ' 10:00:00']),
                'comment');
        }
    }

    // The custom post type: news articles kept apart from blog posts, as many newsrooms do.
    foreach (['Long read: the history of the Tehran stock exchange',
        'Explainer: how subsidies are paid', 'Fact check: claims about petrol prices',
        'Interview: a carpet weaver from Kashan'] as $n => $title) {
        $ids[] = post(['post_type' => 'article', 'post_title' => $title,
            'post_content' => body(50 + $n, $n % 2 === 0), 'post_author' => $authors[$n],
            'post_date' => '2024-0' . (3 + $n * 2) . '-1' . $n . ' 1' . $n . ':2' . $n . ':3' . $n],
            [$categories[$n]], [$tags[$n + 2]]);
    }

    // What must never be stored: pages, drafts, pending, private, scheduled, protected; each
    // as long as an article, so that only the crawler's judgement keeps it out.
    post(['post_type' => 'page', 'post_title' => 'About Us', 'post_author' => 1,
        'post_content' => block_paragraph('The Tehran Ledger is an independent newsroom.')
            . "\n\n" . implode("\n\n", array_map('block_paragraph', prose(70, 3)))]);
    post(['post_type' => 'page', 'post_title' => 'Contact', 'post_author' => 1,
        'post_content' => block_paragraph('Write to the newsroom at desk@example.test.')
            . "\n\n" . implode("\n\n", array_map('block_paragraph', prose(71, 2)))]);
    post(['post_title' => 'Unconfirmed cabinet reshuffle', 'post_status' => 'draft',
        'post_content' => body(60, true), 'post_author' => $authors[0]], [$categories[0]]);
    post(['post_title' => 'Exchange rate outlook', 'post_status' => 'pending',
        'post_content' => body(61, true), 'post_author' => $authors[1]], [$categories[1]]);
    post(['post_title' => 'Newsroom planning notes', 'post_status' => 'private',
        'post_content' => body(62, false), 'post_author' => $authors[2]], [$categories[2]]);
    post(['post_title' => 'Preview of the 2031 elections', 'post_status' => 'future',
        'post_date' => '2031-05-01 08:00:00', 'post_content' => body(63, true),
        'post_author' => $authors[3]], [$categories[0]], ['Elections']);
    post(['post_title' => 'Subscriber briefing', 'post_password' => 'secret',
        'post_content' => body(64, true), 'post_author' => $authors[0],
        'post_date' => '2024-05-05 05:05:05'], [$categories[0]]);

    // WordPress's own first post: news sites delete it (and at 15 words it is below
    // IFP_MIN_BODY_WORDS anyway).
    wp_delete_post(1, true);
    update_option('ifp_linked_posts', $ids);
    set_permalinks('/%postname%/');
}

function set_permalinks(string $structure): void
{
    global $wp_rewrite;
    // Through WP_Rewrite, not update_option alone: its permastructs and trailing-slash rule
    // are what get_permalink reads.
    $wp_rewrite->set_permalink_structure($structure);
    flush_rewrite_rules(false);
}

/** In-body links between stories, written with the permalinks of the time, as editors do. */
function link_posts(): void
{
    global $wpdb;
    $ids = get_option('ifp_linked_posts');
    if (!$ids) {
        return;  // linked already
    }
    $about = get_page_by_path('about-us');
    $plan = [0 => [3, 7], 5 => [0], 8 => [26], 12 => [count($ids) - 1], 15 => [2, 9],
        20 => [25], 27 => [1], count($ids) - 2 => [14]];
    foreach ($plan as $src => $targets) {
        $post = get_post($ids[$src]);
        $anchors = [];
        foreach ($targets as $dst) {
            $target = get_post($ids[$dst]);
            $anchors[] = '<a href="' . get_permalink($target) . '">' . esc_html($target->post_title)
                . '</a>';
        }
        $text = 'Background: ' . implode(' and ', $anchors) . '. See also <a href="'
            . get_permalink($about) . '">our newsroom</a> and <a href="https://example.org/report">'
            . 'the full report</a>.';
        $content = $post->post_content . "\n\n"
            . (has_blocks($post->post_content) ? block_paragraph($text) : $text);
        // Not wp_update_post: adding the links must not count as an edit (modified date).
        $wpdb->update($wpdb->posts, ['post_content' => $content], ['ID' => $post->ID]);
        clean_post_cache($post->ID);
    }
    [$post_id, $photo] = get_option('ifp_linked_photo');
    $post = get_post($post_id);
    $figure = '<!-- wp:image {"id":' . $photo . ',"sizeSlug":"large","linkDestination":"attachment"} -->'
        . "\n" . '<figure class="wp-block-image size-large"><a href="' . get_attachment_link($photo)
        . '"><img src="' . wp_get_attachment_image_url($photo, 'large') . '" alt="" class="wp-image-'
        . $photo . '"/></a><figcaption class="wp-element-caption">Kharg Island oil terminal</figcaption>'
        . "</figure>\n<!-- /wp:image -->";
    $wpdb->update($wpdb->posts, ['post_content' => $figure . "\n\n" . $post->post_content],
        ['ID' => $post->ID]);
    clean_post_cache($post->ID);
    delete_option('ifp_linked_posts');
}

function public_posts(): array
{
    return get_posts(['post_type' => ['post', 'page', 'article', 'attachment'], 'post_status' => 'any',
        'numberposts' => -1, 'orderby' => 'ID', 'order' => 'ASC', 'suppress_filters' => true]);
}

function configure(string $theme, string $structure, string $discovery): void
{
    global $wpdb;
    update_option('ifp_listings_only', $discovery === 'listings' ? 1 : 0);
    if (!wp_get_theme($theme)->exists()) {
        fail("no theme $theme");
    }
    switch_theme($theme);
    $before = [];
    foreach (public_posts() as $post) {
        $before[$post->ID] = get_permalink($post);
    }
    set_permalinks($structure);
    $moves = [];
    foreach (public_posts() as $post) {
        $after = get_permalink($post);
        if ($before[$post->ID] !== $after) {
            $moves[$before[$post->ID] . '"'] = $after . '"';
        }
    }
    // A site that changes its permalinks updates its in-body links too (search and replace).
    foreach (public_posts() as $post) {
        $content = strtr($post->post_content, $moves);
        if ($content !== $post->post_content) {
            $wpdb->update($wpdb->posts, ['post_content' => $content], ['ID' => $post->ID]);
            clean_post_cache($post->ID);
        }
    }
}

function truth(): array
{
    global $post;
    $posts = [];
    foreach (public_posts() as $item) {
        $post = $item;
        setup_postdata($post);
        $names = fn ($terms) => is_array($terms) ? array_map(fn ($t) => html_entity_decode(
            $t->name, ENT_QUOTES | ENT_HTML5, 'UTF-8'), $terms) : [];
        $posts[] = [
            'id' => $post->ID,
            'type' => $post->post_type,
            'status' => $post->post_status,
            'protected' => post_password_required($post) || $post->post_password !== '',
            'sticky' => is_sticky($post->ID),
            'url' => get_permalink($post),
            'title' => html_entity_decode(get_the_title($post), ENT_QUOTES | ENT_HTML5, 'UTF-8'),
            'author' => get_the_author_meta('display_name', $post->post_author),
            'author_has_bio' => get_the_author_meta('description', $post->post_author) !== '',
            'categories' => $names(get_the_terms($post, 'category')),
            'tags' => $names(get_the_terms($post, 'post_tag')),
            'published_at' => get_post_time('c', false, $post),
            'modified_at' => get_post_modified_time('c', false, $post),
            'content_html' => apply_filters('the_content', $post->post_content),
            'excerpt' => html_entity_decode(get_the_excerpt($post), ENT_QUOTES | ENT_HTML5, 'UTF-8'),
            'comments' => (int) $post->comment_count,
            'blocks' => has_blocks($post->post_content),
            'image_url' => get_the_post_thumbnail_url($post, 'full') ?: null,
        ];
    }
    wp_reset_postdata();
    return [
        'home' => home_url('/'),
        'theme' => get_stylesheet(),
        'permalink_structure' => get_option('permalink_structure'),
        'timezone_string' => get_option('timezone_string'),
        'posts' => $posts,
    ];
}

if ($command === 'install') {
    install($argv[3] ?? '');
} elseif ($command === 'link') {
    // A process of its own: the custom post type registers its permalinks at load time only.
    link_posts();
} elseif ($command === 'configure' && $argc >= 5) {
    configure($argv[3], $argv[4], $argv[5] ?? 'all');
} elseif ($command === 'truth') {
    echo wp_json_encode(truth(), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
} else {
    fail("unknown command $command");
}
