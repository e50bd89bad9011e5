"""Scrapy settings for ifpcrawl.

Defaults are for the real site (https://ifpnews.com/): polite and identifying.
Every ``IFP_*`` setting is documented in README.md; override with ``-s NAME=VALUE``.
"""

from __future__ import annotations

from ifpcrawl.config import Spec

BOT_NAME = "ifpcrawl"
SPIDER_MODULES = ["ifpcrawl.spiders"]
NEWSPIDER_MODULE = "ifpcrawl.spiders"
COMMANDS_MODULE = "ifpcrawl.commands"

# --- where articles go ------------------------------------------------------------------
# A path or sqlite:///path (default, one file), or postgresql://... for many workers.
IFP_STORE = "ifp.db"
# Wait this many seconds for another run on the same store to finish (0: fail at once).
IFP_LOCK_WAIT = 0
# Items are written in batches of this size (one transaction each); a hard kill loses at most
# one unflushed batch, which the next run refetches because the store is the source of truth.
IFP_STORE_BATCH_SIZE = 50
# ...and at least this often (seconds), so stored counts and a killed run lag by seconds.
IFP_STORE_FLUSH_INTERVAL = 5.0
IFP_STORE_ENABLED = True
# The run lock keeps two runs off one store (off by itself with IFP_REDIS_URL).
IFP_RUN_LOCK_ENABLED = True
IFP_RUN_HISTORY_ENABLED = True

# --- what the spider does -----------------------------------------------------------------
IFP_SITE = "https://ifpnews.com/"
# Listing pages that hold the whole archive on ifpnews; any other site falls back to the
# home page's own /page/N archive, feeds, sitemaps and the REST API. Missing paths just 404.
IFP_SECTION_PATHS = ["/iran-news/", "/all-stories/"]
IFP_FEED_PATHS = ["/feed/"]
IFP_SITEMAP_PATHS = ["/wp-sitemap.xml", "/sitemap_index.xml", "/sitemap.xml"]
IFP_REST_ENABLED = True
# The site's time zone for times its pages write without an offset: an IANA name or a
# fixed offset ("+03:30"). Empty: what the site's REST root (/wp-json/) says, else
# Asia/Tehran on ifpnews.com and UTC elsewhere.
IFP_TIMEZONE = ""
IFP_SITEMAPS_ENABLED = True
IFP_FEEDS_ENABLED = True
# Which archive listings found on pages are walked (with paging) in full mode: any of
# category, tag, author, date, section. Tags and authors only repeat what the sections hold.
IFP_FOLLOW_ARCHIVES = ["category", "section"]
# Incremental runs refetch a known article met in a listing, feed or sitemap only when it
# changed (lastmod / REST modified newer than stored) or was last fetched longer ago than this.
IFP_REFRESH_DAYS = 30.0
# A run whose field coverage falls below these fractions finishes with exit status 3.
IFP_MIN_COVERAGE = {"title": 0.99, "body": 0.99, "published_at": 0.9}
# Minimum articles seen before the coverage check applies (tiny runs are too noisy).
IFP_MIN_COVERAGE_SAMPLE = 20
# Bodies shorter than this are failed extractions: dropped and counted, not stored.
IFP_MIN_BODY_WORDS = 20

# --- bounds on any site: traps and claims (ifpcrawl.traps, README "Bounds") ------------------
# A full walk pages a listing (or the REST API) this many pages ahead of the last page read,
# and only while its pages give items not met before: a claimed "page 1 of 5,000,000" never
# puts more than this many pages of one walk in the queue.
IFP_LISTING_WINDOW = 16
# Pages per listing walk: max(this, 2 x articles known from the store, sitemaps and REST /
# items per page). ifpnews's sections run past 1,600 pages; its sitemaps raise the bound.
IFP_LISTING_MAX_PAGES = 1000
# Archive hops from a seed listing (home -> category -> category ...).
IFP_LISTING_MAX_DEPTH = 3
# Spellings of one page with query parameters WordPress does not read (a session id or a
# counter in every link) that are fetched; more are counted as ifp/trap/query_variants.
IFP_QUERY_VARIANTS_PER_PATH = 3
# Seconds between progress lines (0 turns progress off).
IFP_PROGRESS_INTERVAL = 30.0
IFP_PROGRESS_ENABLED = True
# Worker processes that parse and extract pages (ifpcrawl.reader); 0 reads them in the
# crawler's own process. Against a fast server (a local mirror, many workers' share of a
# big crawl) the crawl is CPU-bound and one worker frees the event loop: see README
# "Measured figures". Against the real site with its politeness delays, 0 is enough.
IFP_EXTRACT_PROCESSES = 0
# A contact for the site's operators, appended to the User-Agent.
IFP_CONTACT = "https://github.com/ifpcrawl/ifpcrawl"
# Requests to hosts outside the site are refused and counted.
IFP_SITE_GUARD_ENABLED = True
# Exponential backoff between retries (seconds); a larger Retry-After wins.
IFP_RETRY_BACKOFF_BASE = 1.0
IFP_RETRY_BACKOFF_MAX = 60.0

# --- politeness for the real site ------------------------------------------------------
USER_AGENT = f"ifpcrawl/0.1 (+{IFP_CONTACT}; archival crawler)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
# News pages are tens to hundreds of KB; nothing legitimate is near these caps.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
# The spider retries 200 error pages with Scrapy's get_retry_request, which carries the
# retry count in meta on purpose: not a meta key copied by mistake.
META_COPY_WARN_SKIP_KEYS = ["retry_times"]
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REFERER_ENABLED = True
HTTPERROR_ALLOWED_CODES: list[int] = []

# Scrapy runs this many tasks per response to push its output through the pipelines
# (default 100, created and torn down for every page). ifpcrawl's pipelines are
# synchronous and a page yields one article, so 100 only costs: ~1 ms a page.
CONCURRENT_ITEMS = 8

# Disk queues keep memory bounded by the frontier, not the archive, when JOBDIR is set.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleLifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.LifoMemoryQueue"

# --- archive: WARC capture (ifpcrawl.warc; needs the [warc] extra) --------------------------
# A directory: every response the crawl used is written there as WARC/1.1 (request and
# response records, gzip per record), and each stored article points at its capture.
# Empty: off. `scrapy reextract` reads the captures again.
IFP_WARC_DIR = ""
# A WARC file is closed and the next one started once it reaches this many bytes.
IFP_WARC_MAX_SIZE = 1_000_000_000
# Set by `scrapy reextract` for its own run (warc_dir, since, field, dry_run); not for users.
IFP_REEXTRACT: dict[str, object] = {}

SPIDER_MIDDLEWARES: dict[str, int] = {
    # Copies a response's capture (file, offset) onto its articles (only with IFP_WARC_DIR).
    "ifpcrawl.warc.WarcPointerMiddleware": 50,
}
DOWNLOADER_MIDDLEWARES = {
    # Above HttpCompression (590) and redirects (600): sees every response first, as served.
    "ifpcrawl.warc.WarcCaptureMiddleware": 950,
    "ifpcrawl.middlewares.SiteGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "ifpcrawl.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "ifpcrawl.middlewares.LoopAwareRedirectMiddleware": 600,
}
EXTENSIONS = {
    "ifpcrawl.failures.FailureRecorder": 90,
    "ifpcrawl.extensions.RunHistory": 100,
    "ifpcrawl.extensions.Progress": 200,
}
# Scrapy 2.19's RemoteControl: an HTTP server in every crawl that runs Python code sent to
# it. Off, like the telnet console: a scheduled archival job needs no remote shell. The
# SwitchedOffComponents add-on leaves it (and the cookies middleware, with cookies off) out
# of Scrapy's base lists, so it is not even imported (aiohttp: ~170 ms of every start-up).
REMOTE_CONTROL_ENABLED = False
ITEM_PIPELINES = {
    "ifpcrawl.pipelines.NormalizePipeline": 100,
    "ifpcrawl.pipelines.ValidatePipeline": 200,
    "ifpcrawl.pipelines.DedupPipeline": 300,
    "ifpcrawl.pipelines.StorePipeline": 400,
}

FEED_EXPORTERS = {
    "csv": "ifpcrawl.exports.ArticleCsvItemExporter",
    "jsonlines": "ifpcrawl.exports.ArticleJsonLinesItemExporter",
    "jsonl": "ifpcrawl.exports.ArticleJsonLinesItemExporter",
}
FEED_EXPORT_ENCODING = "utf-8"

LOG_LEVEL = "INFO"

# --- many workers: a shared Redis frontier (docs/distributed.md) ----------------------------
# redis://host:6379/0 makes every `scrapy crawl ifp` with the same site and prefix one worker
# of a group sharing one request queue and one duplicate filter; empty: one process, as usual.
# The store's run lock is then not taken: give the group one shared IFP_STORE (PostgreSQL).
IFP_REDIS_URL = ""
# Namespace of the group's Redis keys (with the spider name and the site).
IFP_REDIS_PREFIX = "ifpcrawl"
# A worker stops once the group's queue has stayed empty, with no worker busy, this long.
IFP_REDIS_IDLE_SECONDS = 10.0
# A worker whose heartbeat is older than this is dead; its leased requests are queued again.
IFP_REDIS_WORKER_TTL = 10.0
# Start from an empty frontier instead of resuming an interrupted one (if no worker is live).
IFP_REDIS_FLUSH_ON_START = False
ADDONS = {
    "ifpcrawl.addons.SwitchedOffComponents": 50,
    "ifpcrawl.addons.RedisFrontierAddon": 100,
}
# Seconds between a worker's heartbeats (and its lease bookkeeping).
IFP_REDIS_HEARTBEAT = 1.0

# --- the registry of IFP_* settings -------------------------------------------------------
# Every IFP_* setting the code reads, with what it may hold: checked when a crawl starts
# (ifpcrawl.config), listed in README's settings table (tests hold the three equal).
# Lower-case name: Scrapy takes only upper-case names of this module as settings.
_FIELDS = (
    "title",
    "body",
    "author",
    "section",
    "published_at",
    "modified_at",
    "tags",
    "image_url",
    "summary",
)
ifp_settings = (
    Spec("IFP_STORE", IFP_STORE, "str", "a path or sqlite:///path, or postgresql://user@host/db"),
    Spec("IFP_SITE", IFP_SITE, "url", "the site, when -a site= is not given"),
    Spec("IFP_SECTION_PATHS", IFP_SECTION_PATHS, "list", "listing pages holding the archive"),
    Spec("IFP_FEED_PATHS", IFP_FEED_PATHS, "list", "feeds read every run"),
    Spec("IFP_SITEMAP_PATHS", IFP_SITEMAP_PATHS, "list", "sitemaps tried"),
    Spec("IFP_FEEDS_ENABLED", IFP_FEEDS_ENABLED, "bool", "read feeds"),
    Spec("IFP_SITEMAPS_ENABLED", IFP_SITEMAPS_ENABLED, "bool", "read sitemaps"),
    Spec("IFP_REST_ENABLED", IFP_REST_ENABLED, "bool", "read the WordPress REST API"),
    Spec(
        "IFP_FOLLOW_ARCHIVES",
        IFP_FOLLOW_ARCHIVES,
        "list",
        "archive listings walked in full mode",
        choices=("category", "section", "tag", "author", "date"),
    ),
    Spec("IFP_REFRESH_DAYS", IFP_REFRESH_DAYS, "float", "refetch after this many days", minimum=0),
    Spec(
        "IFP_MIN_COVERAGE",
        IFP_MIN_COVERAGE,
        "dict",
        "field shares below which the run exits with status 3",
        choices=_FIELDS,
        minimum=0,
    ),
    Spec(
        "IFP_MIN_COVERAGE_SAMPLE",
        IFP_MIN_COVERAGE_SAMPLE,
        "int",
        "articles seen before the coverage check applies",
        minimum=0,
    ),
    Spec("IFP_MIN_BODY_WORDS", IFP_MIN_BODY_WORDS, "int", "shorter bodies are dropped", minimum=0),
    Spec("IFP_STORE_BATCH_SIZE", IFP_STORE_BATCH_SIZE, "int", "articles a transaction", minimum=1),
    Spec(
        "IFP_STORE_FLUSH_INTERVAL",
        IFP_STORE_FLUSH_INTERVAL,
        "float",
        "seconds between batch writes at the latest",
        minimum=0,
    ),
    Spec("IFP_STORE_ENABLED", IFP_STORE_ENABLED, "bool", "the store pipeline"),
    Spec("IFP_LOCK_WAIT", IFP_LOCK_WAIT, "float", "seconds to wait for another run", minimum=0),
    Spec("IFP_RUN_LOCK_ENABLED", IFP_RUN_LOCK_ENABLED, "bool", "take the store's run lock"),
    Spec("IFP_RUN_HISTORY_ENABLED", IFP_RUN_HISTORY_ENABLED, "bool", "the crawl_runs extension"),
    Spec("IFP_PROGRESS_INTERVAL", IFP_PROGRESS_INTERVAL, "float", "progress seconds", minimum=0),
    Spec("IFP_PROGRESS_ENABLED", IFP_PROGRESS_ENABLED, "bool", "progress lines"),
    Spec(
        "IFP_EXTRACT_PROCESSES",
        IFP_EXTRACT_PROCESSES,
        "int",
        "page reader processes (0: in the crawler's process)",
        minimum=0,
    ),
    Spec("IFP_CONTACT", IFP_CONTACT, "str", "contact appended to the User-Agent"),
    Spec("IFP_SITE_GUARD_ENABLED", IFP_SITE_GUARD_ENABLED, "bool", "refuse off-site requests"),
    Spec("IFP_RETRY_BACKOFF_BASE", IFP_RETRY_BACKOFF_BASE, "float", "first backoff", minimum=0),
    Spec("IFP_RETRY_BACKOFF_MAX", IFP_RETRY_BACKOFF_MAX, "float", "longest backoff", minimum=0),
    Spec("IFP_REDIS_URL", IFP_REDIS_URL, "str", "shared Redis frontier (empty: off)"),
    Spec("IFP_REDIS_PREFIX", IFP_REDIS_PREFIX, "str", "namespace of the group's Redis keys"),
    Spec("IFP_REDIS_IDLE_SECONDS", IFP_REDIS_IDLE_SECONDS, "float", "idle stop", minimum=0),
    Spec("IFP_REDIS_WORKER_TTL", IFP_REDIS_WORKER_TTL, "float", "dead worker age", minimum=0),
    Spec("IFP_REDIS_FLUSH_ON_START", IFP_REDIS_FLUSH_ON_START, "bool", "start from empty"),
    Spec("IFP_REDIS_HEARTBEAT", IFP_REDIS_HEARTBEAT, "float", "heartbeat seconds", minimum=0),
    Spec("IFP_TIMEZONE", IFP_TIMEZONE, "str", "the site's zone for times without an offset"),
    Spec("IFP_LISTING_WINDOW", IFP_LISTING_WINDOW, "int", "pages a walk runs ahead", minimum=1),
    Spec("IFP_LISTING_MAX_PAGES", IFP_LISTING_MAX_PAGES, "int", "pages a walk", minimum=1),
    Spec("IFP_LISTING_MAX_DEPTH", IFP_LISTING_MAX_DEPTH, "int", "archive hops", minimum=0),
    Spec(
        "IFP_QUERY_VARIANTS_PER_PATH",
        IFP_QUERY_VARIANTS_PER_PATH,
        "int",
        "query spellings fetched of one page",
        minimum=1,
    ),
    Spec("IFP_WARC_DIR", IFP_WARC_DIR, "str", "write WARC captures here (empty: off)"),
    Spec("IFP_WARC_MAX_SIZE", IFP_WARC_MAX_SIZE, "int", "bytes a WARC file", minimum=1),
    Spec("IFP_REEXTRACT", IFP_REEXTRACT, "internal", "set by `scrapy reextract` (not for users)"),
)
