"""Choosing and sharing the store: Elasticsearch when ``ADWATCH_ES_URL`` is set, else SQLite.

Several spiders run in one process during ``adwatch run``; they share one store object
(reference-counted), so the embedded store keeps one connection and one writer.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.common.options import current_options
from crawler.common.yamlconf import ConfigError
from crawler.stores.base import Store
from crawler.stores.sqlite import SQLiteStore

if TYPE_CHECKING:
    from crawler.stores.es_client import ESConfig


@dataclass
class _Shared:
    store: Store
    holders: int = 0


#: data directory (and Elasticsearch target) -> the store shared by the process
_shared: dict[str, _Shared] = {}
_lock = threading.Lock()


def data_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: the argument, else the ``ADWATCH_DATA_DIR`` setting (``./data``)."""
    return Path(value) if value else current_options().data_dir


def open_store(directory: str | os.PathLike[str] | None = None) -> Store:
    """A new store object for the configured backend: :class:`ElasticsearchStore` when
    ``ADWATCH_ES_URL`` is set (per-source state stays in the data directory), else SQLite."""
    config = es_config()
    if config is not None:
        from crawler.stores.elasticsearch import ElasticsearchStore

        return ElasticsearchStore(config, data_dir(directory))
    return SQLiteStore(data_dir(directory) / "adwatch.sqlite3")


def es_config() -> ESConfig | None:
    """The Elasticsearch configuration of the settings, or None (embedded store).
    Raises :class:`crawler.config.ConfigError` naming the variable when it is not usable."""
    url = (current_options().ADWATCH_ES_URL or "").strip()
    if not url:
        return None
    from crawler.stores.es_client import ESConfig

    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 (raises ValueError for a port out of range or not a number)
    except ValueError:
        usable = False
    if not usable:
        problem = f"not an Elasticsearch URL: {url!r} (e.g. https://user:password@host:9200)"
        raise ConfigError([("ADWATCH_ES_URL", None, problem)])
    try:
        return ESConfig.from_env()
    except ValueError as exc:  # ADWATCH_ES_TIMEOUT and the like
        raise ConfigError([("environment", None, f"Elasticsearch settings: {exc}")]) from None


def store_failure(exc: BaseException) -> str | None:
    """One line for an error that says the store could not be reached or read (an
    Elasticsearch node down or refusing, a SQLite file that is not a database), or None
    for any other error."""
    import sqlite3

    from elastic_transport import TransportError
    from elasticsearch import ApiError

    from crawler.stores.es_client import Unavailable

    if isinstance(exc, TransportError | Unavailable):
        where = current_options().ADWATCH_ES_URL or "Elasticsearch"
        cause: BaseException = exc
        while cause.__cause__ is not None:  # the socket's own words: "Connection refused"
            cause = cause.__cause__
        detail = cause.strerror if isinstance(cause, OSError) and cause.strerror else exc
        return f"cannot reach Elasticsearch at {redact(where)}: {detail}"
    if isinstance(exc, ApiError):
        return f"Elasticsearch refused the request: {exc}"
    if isinstance(exc, sqlite3.DatabaseError):
        return f"cannot read the SQLite store in {data_dir()}: {exc}"
    return None


def redact(url: str) -> str:
    """``url`` without its password, for messages."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()
    except ValueError:
        return "ADWATCH_ES_URL"


def acquire_store(directory: str | os.PathLike[str] | None = None) -> Store:
    """The process-wide store for ``directory``; pair every call with :func:`release_store`."""
    config = es_config()
    key = str(data_dir(directory).resolve())
    if config is not None:
        key += f"|{config.url}|{config.prefix}"
    with _lock:
        entry = _shared.get(key)
        if entry is None:
            entry = _shared[key] = _Shared(open_store(directory))
        entry.holders += 1
        return entry.store


def release_store(store: Store) -> None:
    """Let go of a store from :func:`acquire_store`; the last holder flushes and closes it."""
    with _lock:
        for key, entry in list(_shared.items()):
            if entry.store is store:
                entry.holders -= 1
                if entry.holders <= 0:
                    store.flush()
                    store.close()
                    del _shared[key]
                return
