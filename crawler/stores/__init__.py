"""Ad stores: the embedded SQLite store and (with ``ADWATCH_ES_URL``) Elasticsearch."""

from crawler.stores.base import (
    NEW,
    SPOOLED,
    UNCHANGED,
    UPDATED,
    SearchHit,
    SearchQuery,
    Store,
)
from crawler.stores.factory import acquire_store, data_dir, es_config, open_store, release_store
from crawler.stores.sqlite import SQLiteStore

__all__ = [
    "NEW",
    "SPOOLED",
    "UNCHANGED",
    "UPDATED",
    "SQLiteStore",
    "SearchHit",
    "SearchQuery",
    "Store",
    "acquire_store",
    "data_dir",
    "es_config",
    "open_store",
    "release_store",
]
