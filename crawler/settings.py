"""Scrapy settings for adwatch: every default an operator may want to change, in one place.

Per-source overrides come from ``politeness:`` in sources.yaml (see crawler/config.py).
The ``ADWATCH_*`` settings that are also environment variables have their defaults, types and
checks in the one settings object (crawler/common/options.py): the environment overrides
them, ``-s NAME=VALUE`` the environment, and the command line's flags ``-s``; every crawl's
settings get the result (``ADDONS``: crawler/common/crawlsettings.py).
"""

from scrapy.settings import default_settings

from crawler.common.options import Options

# The settings that are environment variables too (the README's table) take their defaults
# from the settings object, crawler/common/options.py, which also types and checks them.
_defaults = Options()  # lower case: not a Scrapy setting itself

BOT_NAME = "adwatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# One spider per entry of sources.yaml: `scrapy list` / `scrapy crawl NAME` use the source names.
SPIDER_LOADER_CLASS = "spiders.loader.SourceSpiderLoader"

# ---------------------------------------------------------------- politeness (safe by default)
USER_AGENT = (
    "adwatch/0.1 (+https://github.com/adwatch/adwatch; ad monitoring for anti-trafficking NGOs)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
# Scrapy's own list, plus a page lost when the browser crashed or timed out (it is retried).
RETRY_EXCEPTIONS = [
    *default_settings.RETRY_EXCEPTIONS,
    "playwright._impl._errors.Error",
]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Items are cheap to process; a small number in flight keeps the reactor responsive.
CONCURRENT_ITEMS = 2
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
LOG_LEVEL = "INFO"
# Private, loopback and link-local addresses are refused unless a source allows them: true
# allows every one, a list of "host" or "host:port" only those (a redirect elsewhere is refused).
ADWATCH_ALLOW_PRIVATE_NETWORK = False
# A name is resolved once per process and downloads connect to the addresses that policy
# checked (crawler/fetch/resolver.py), so a name cannot answer a private address after a public one.
TWISTED_DNS_RESOLVER = "crawler.fetch.resolver.PinnedResolver"
# Retry-After (seconds or an HTTP date) on 429 and 503 is honoured up to this many seconds;
# a longer wait gives the request up for the run (crawler/fetch/retries.py).
ADWATCH_RETRY_AFTER_MAX = 300
# Other retries wait this many seconds, doubled at each retry of a request, at most the max.
ADWATCH_RETRY_BACKOFF = 1.0
ADWATCH_RETRY_BACKOFF_MAX = 60.0
# Bot walls (crawler/fetch/botwalls.py): recognised by markers in the first
# ADWATCH_BOTWALL_SCAN_BYTES of a page (walls are small pages); a captcha widget marks a wall
# only on a page with at most ADWATCH_BOTWALL_MAX_TEXT characters of text (ordinary contact
# forms carry widgets too).
ADWATCH_BOTWALL = True
ADWATCH_BOTWALL_SCAN_BYTES = 16_384
ADWATCH_BOTWALL_MAX_TEXT = 1_500

DOWNLOADER_MIDDLEWARES = {
    "crawler.fetch.private_network.PrivateNetworkMiddleware": 50,
    # bot walls (403/429/503, captcha and challenge pages) counted, not parsed as ads
    "crawler.fetch.botwalls.BotWallMiddleware": 540,
    # Scrapy's retry, redirect and decompression, with waits and counters added
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.fetch.retries.PoliteRetryMiddleware": 550,
    # static first, the browser when a page needs it (sources with render: auto | browser)
    "crawler.fetch.rendering.RenderMiddleware": 560,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.fetch.limits.SizeLimitMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.fetch.limits.RedirectLimitMiddleware": 600,
}
SPIDER_MIDDLEWARES = {
    "crawler.fetch.incremental.IncrementalMiddleware": 950,
}
ITEM_PIPELINES = {
    "crawler.extract.pipeline.ExtractPipeline": 100,
    "crawler.photos.pipeline.AdImagesPipeline": 300,
    "crawler.photos.reposts.RepostPipeline": 400,
    "crawler.extract.pipeline.StorePipeline": 500,
}
# The settings object's values (environment, -s, flags) in every crawl's settings.
ADDONS = {"crawler.common.crawlsettings.OptionsAddon": 0}
EXTENSIONS = {
    "crawler.run.extensions.SourceStateExtension": 500,
    "crawler.run.extensions.ProgressExtension": 600,
    "crawler.health.datadir.DataDirGuard": 700,
}

# ---------------------------------------------------------------- adwatch
# Data directory (SQLite store, outbox, spool); empty: ./data.
ADWATCH_DATA_DIR = _defaults.ADWATCH_DATA_DIR
# adwatch run refuses to start (exit 3) with less free space than this in the data
# directory (megabytes).
ADWATCH_MIN_FREE_MB = _defaults.ADWATCH_MIN_FREE_MB
# sources.yaml path; empty: ./sources.yaml.
ADWATCH_SOURCES = _defaults.ADWATCH_SOURCES
# Listing pages followed per source and run (guards against endless pagination).
ADWATCH_MAX_LISTING_PAGES = 1000
# Ads written to the store per transaction, and the longest an ad waits in that batch.
ADWATCH_STORE_BATCH = 100
ADWATCH_STORE_FLUSH_SECONDS = 2.0
# Ads per bulk request when the store is Elasticsearch (ADWATCH_ES_URL).
ADWATCH_ES_STORE_BATCH = 500
# Skip detail pages of ads already stored (listing sightings still update last_seen).
ADWATCH_INCREMENTAL = True
# An ad page found gone (404/410) or without an ad is fetched again only after this long.
ADWATCH_RECHECK_UNAVAILABLE = "1d"
# Worker processes for extraction and normalization (empty: cores - 1; 0: in the crawler).
ADWATCH_EXTRACT_WORKERS = None
# Seconds of CPU time a worker may spend on one page (extraction, normalization, rules); past
# it the page counts as failed and the worker is replaced.
ADWATCH_PAGE_TIME_BUDGET = _defaults.ADWATCH_PAGE_TIME_BUDGET
# Show a live progress line when stderr is a terminal.
ADWATCH_PROGRESS = True

# ---------------------------------------------------------------- browser (render: auto | browser)
# Debian's Chromium, launched headless by scrapy-playwright (only for sources that may need it).
# ADWATCH_CHROMIUM given in the environment or with -s sets the launch option's executable too.
ADWATCH_CHROMIUM = _defaults.ADWATCH_CHROMIUM
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": ADWATCH_CHROMIUM,
    "headless": True,
    "timeout": 30_000,
    # keep Chromium off the network except for the pages it is sent to
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--metrics-recording-only",
        "--no-pings",
    ],
}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_ABORT_REQUEST = "crawler.fetch.rendering.abort_unneeded"
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER = True
# Every Nth page of a site that needed the browser is tried statically again.
ADWATCH_RENDER_RECHECK_EVERY = 20
# How long the browser waits for the expected content to appear (milliseconds).
ADWATCH_RENDER_WAIT_MS = 5_000
# A new browser context after this many pages.
ADWATCH_BROWSER_CONTEXT_PAGES = 50

# ---------------------------------------------------------------- rules and alerts
# Keyword rules file; empty: ./rules.yaml. A missing file means no rules.
ADWATCH_RULES = _defaults.ADWATCH_RULES
# The alert pass at the end of `adwatch run` (ledger -> digests -> outbox -> SMTP). Ads
# crawled while this is off never alert (e.g. for the first crawl of a big new site).
ADWATCH_ALERTS = _defaults.ADWATCH_ALERTS
# Entity alerts on phone numbers: "flagged" (phones on an ad some rule matched), "all", "off".
ADWATCH_ENTITY_ALERTS = _defaults.ADWATCH_ENTITY_ALERTS
# One phone number on this many ads within ADWATCH_PHONE_ADS_WINDOW is an alert.
ADWATCH_PHONE_ADS_THRESHOLD = _defaults.ADWATCH_PHONE_ADS_THRESHOLD
ADWATCH_PHONE_ADS_WINDOW = _defaults.ADWATCH_PHONE_ADS_WINDOW
# Recipient groups (comma-separated, from rules.yaml) that get every entity alert too.
ADWATCH_ENTITY_RECIPIENTS = _defaults.ADWATCH_ENTITY_RECIPIENTS
# Digest thumbnails: blurred unless this is false; how many per ad and per digest; the
# largest photo fetched for one, and how long to wait for it (seconds).
ADWATCH_BLUR_THUMBNAILS = _defaults.ADWATCH_BLUR_THUMBNAILS
ADWATCH_DIGEST_THUMBNAILS = _defaults.ADWATCH_DIGEST_THUMBNAILS
ADWATCH_DIGEST_MAX_THUMBNAILS = _defaults.ADWATCH_DIGEST_MAX_THUMBNAILS
ADWATCH_THUMBNAIL_MAX_BYTES = _defaults.ADWATCH_THUMBNAIL_MAX_BYTES
ADWATCH_THUMBNAIL_TIMEOUT = _defaults.ADWATCH_THUMBNAIL_TIMEOUT
# Seconds to wait for the SMTP server (ADWATCH_SMTP_URL).
ADWATCH_SMTP_TIMEOUT = _defaults.ADWATCH_SMTP_TIMEOUT
# Largest digest message, in bytes as sent: a larger digest is split into several messages
# (alerts/digest.py). Keep it under the mail server's limit (Postfix: 10240000 by default).
ADWATCH_DIGEST_MAX_BYTES = _defaults.ADWATCH_DIGEST_MAX_BYTES
# Kibana data view of the ads, for the "open in Kibana" links (with ADWATCH_KIBANA_URL).
ADWATCH_KIBANA_DATA_VIEW = _defaults.ADWATCH_KIBANA_DATA_VIEW

# ----------------------------------------------------- source health (crawler/health/checks.py)
# Flags go to the run summary, `adwatch doctor`, and an e-mail to $ADWATCH_OPS_EMAIL
# (comma-separated; sent when a flag is raised and when it recovers, not on every run in
# between).
# zero_yield: no ad now, after a median of at least ADWATCH_HEALTH_MIN_MEDIAN ads (new,
# updated, unchanged or already known) over the source's last ADWATCH_HEALTH_HISTORY_RUNS
# runs without a flag.
ADWATCH_HEALTH_HISTORY_RUNS = _defaults.ADWATCH_HEALTH_HISTORY_RUNS
ADWATCH_HEALTH_MIN_MEDIAN = _defaults.ADWATCH_HEALTH_MIN_MEDIAN
# selectors_failing: at least ADWATCH_HEALTH_MIN_PAGES ad pages (or feed entries) without an
# ad, and at least this share of those fetched; or every listing page without an ad link.
ADWATCH_HEALTH_MIN_PAGES = _defaults.ADWATCH_HEALTH_MIN_PAGES
ADWATCH_HEALTH_NO_AD_SHARE = _defaults.ADWATCH_HEALTH_NO_AD_SHARE
# blocked: at least this share of the pages answered by a bot wall (adwatch/blocked/* stats),
# 403 or 429; or the source fetched nothing and such answers were among the reasons.
ADWATCH_HEALTH_BLOCKED_SHARE = _defaults.ADWATCH_HEALTH_BLOCKED_SHARE

# ---------------------------------------------------------------- photos (docs/IMAGES.md)
# Download, check and hash ad photos; cluster near-duplicates; keep reposts as sightings.
ADWATCH_IMAGES = True
# Where photo files are kept, named by the SHA-256 of their bytes: a folder, or any store
# Scrapy supports (s3://bucket/prefix with botocore installed, gs://, ftp://); empty:
# <data dir>/images.
IMAGES_STORE = None
# A photo URL fetched within this many days is not fetched again.
IMAGES_EXPIRES = 90
# Smaller photos (icons, tracking pixels) are skipped.
IMAGES_MIN_WIDTH = 80
IMAGES_MIN_HEIGHT = 80
# Photos fetched per ad; largest photo file (the download is cancelled past it); largest
# picture (checked from the header, before decoding).
ADWATCH_IMAGES_PER_AD = 12
ADWATCH_IMAGE_MAX_BYTES = 10 * 1024 * 1024
ADWATCH_IMAGE_MAX_PIXELS = 40_000_000
# Threads that decode and hash photos (off the reactor thread).
ADWATCH_IMAGE_THREADS = 2
# Same photo: pHash within this many bits (mirrored too) and dHash within
# ADWATCH_DHASH_THRESHOLD, or a crop box's pHash within ADWATCH_CROP_THRESHOLD.
ADWATCH_PHASH_THRESHOLD = 10
ADWATCH_DHASH_THRESHOLD = 14
ADWATCH_CROP_THRESHOLD = 8
# A repost's text must share this much of its word pairs with the original's (0..1).
ADWATCH_REPOST_TEXT_SIMILARITY = 0.4

# ------------------------------------------------------- evidence (crawler/evidence/capture.py)
# Keep the response of every new or changed ad in a WARC file under <data dir>/evidence/warc
# (one file per source and run, with its capture time and SHA-256), for `adwatch evidence`.
ADWATCH_EVIDENCE = True
# Also keep a full-page screenshot (PNG) of each ad page the browser renders, in
# <data dir>/evidence/screenshots; and how long Chromium may take to make one (ms).
ADWATCH_SCREENSHOTS = True
ADWATCH_SCREENSHOT_TIMEOUT_MS = 10_000
# A WARC file is closed and the next one begun past this size (the usual 1 GB).
ADWATCH_EVIDENCE_WARC_MAX_BYTES = 1_000_000_000
