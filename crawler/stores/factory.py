"""Choosing and sharing the store: Elasticsearch when ``ADWATCH_ES_URL`` is set, else SQLite.

Several spiders run in one process during ``adwatch run``; they share one store object
(reference-counted), so the embedded store keeps one connection and one writer.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from crawler.stores.sqlite import SQLiteStore

_shared: dict[str, list[Any]] = {}
_lock = threading.Lock()


def data_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: the argument, ``ADWATCH_DATA_DIR``, or ``./data``."""
    return Path(value or os.environ.get("ADWATCH_DATA_DIR") or "data")


def open_store(directory: str | os.PathLike[str] | None = None) -> Any:
    """A new store object for the configured backend: :class:`ElasticsearchStore` when
    ``ADWATCH_ES_URL`` is set (per-source state stays in the data directory), else SQLite."""
    config = es_config()
    if config is not None:
        from crawler.stores.elasticsearch import ElasticsearchStore

        return ElasticsearchStore(config, data_dir(directory))
    return SQLiteStore(data_dir(directory) / "adwatch.sqlite3")


def es_config() -> Any:
    """The Elasticsearch configuration in the environment, or None (embedded store)."""
    if not os.environ.get("ADWATCH_ES_URL"):
        return None
    from crawler.stores.elasticsearch import ESConfig

    return ESConfig.from_env()


def acquire_store(directory: str | os.PathLike[str] | None = None) -> Any:
    """The process-wide store for ``directory``; pair every call with :func:`release_store`."""
    config = es_config()
    key = str(data_dir(directory).resolve())
    if config is not None:
        key += f"|{config.url}|{config.prefix}"
    with _lock:
        entry = _shared.get(key)
        if entry is None:
            entry = _shared[key] = [open_store(directory), 0]
        entry[1] += 1
        return entry[0]


def release_store(store: Any) -> None:
    with _lock:
        for key, entry in list(_shared.items()):
            if entry[0] is store:
                entry[1] -= 1
                if entry[1] <= 0:
                    store.flush()
                    store.close()
                    del _shared[key]
                return
