"""Scrapy settings for adwatch: every default an operator may want to change, in one place.

Per-source overrides come from ``politeness:`` in sources.yaml (see crawler/config.py).
"""

BOT_NAME = "adwatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# One spider per entry of sources.yaml: `scrapy list` / `scrapy crawl NAME` use the source names.
SPIDER_LOADER_CLASS = "crawler.spiderloader.SourceSpiderLoader"

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
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Items are cheap to process; a small number in flight keeps the reactor responsive.
CONCURRENT_ITEMS = 2
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
LOG_LEVEL = "INFO"
# Private, loopback and link-local addresses are refused unless a source allows them.
ADWATCH_ALLOW_PRIVATE_NETWORK = False

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.PrivateNetworkMiddleware": 50,
}
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.IncrementalMiddleware": 950,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ExtractPipeline": 100,
    "crawler.pipelines.StorePipeline": 500,
}
EXTENSIONS = {
    "crawler.extensions.SourceStateExtension": 500,
    "crawler.extensions.ProgressExtension": 600,
}

# ---------------------------------------------------------------- adwatch
# Data directory (SQLite store, outbox, spool); the environment's ADWATCH_DATA_DIR wins.
ADWATCH_DATA_DIR = None
# sources.yaml path; the environment's ADWATCH_SOURCES wins.
ADWATCH_SOURCES = None
# Listing pages followed per source and run (guards against endless pagination).
ADWATCH_MAX_LISTING_PAGES = 1000
# Ads written to the store per transaction, and the longest an ad waits in that batch.
ADWATCH_STORE_BATCH = 100
ADWATCH_STORE_FLUSH_SECONDS = 2.0
# Skip detail pages of ads already stored (listing sightings still update last_seen).
ADWATCH_INCREMENTAL = True
# An ad page found gone (404/410) or without an ad is fetched again only after this long.
ADWATCH_RECHECK_UNAVAILABLE = "1d"
# Worker processes for extraction and normalization (empty: cores - 1; 0: in the crawler).
ADWATCH_EXTRACT_WORKERS = None
# Show a live progress line when stderr is a terminal.
ADWATCH_PROGRESS = True
