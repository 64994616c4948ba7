"""Reaching Elasticsearch: the configuration in the settings, the client, which errors mean
"not now" (spool and retry) rather than "never", and whether the node is down at the moment."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from crawler.common.options import Options, as_options

logger = logging.getLogger(__name__)


@dataclass
class ESConfig:
    """Where and how to reach Elasticsearch; secrets come from the environment only.

    ``ADWATCH_ES_URL`` (``https://user:password@host:9200`` works too), ``ADWATCH_ES_API_KEY``
    (the encoded key), ``ADWATCH_ES_CA_CERTS`` (a CA file for a self-signed cluster),
    ``ADWATCH_ES_VERIFY_CERTS`` (default true: set to false only for a throwaway cluster),
    ``ADWATCH_ES_PREFIX`` (index and alias prefix, default ``adwatch``),
    ``ADWATCH_ES_TIMEOUT`` (seconds per request, default 30), ``ADWATCH_ES_BULK_RETRIES``
    (retries of rejected bulk items, default 3), ``ADWATCH_ES_RETRY_SECONDS`` (after an outage,
    how long writes go straight to the spool before the node is tried again, default 30).
    """

    url: str
    api_key: str | None = None
    prefix: str = "adwatch"
    verify_certs: bool = True
    ca_certs: str | None = None
    timeout: float = 30.0
    bulk_retries: int = 3
    retry_seconds: float = 30.0

    @classmethod
    def from_env(cls, env: Options | Mapping[str, str] | None = None) -> ESConfig | None:
        """The configuration of the settings ``env`` (a settings object, a mapping of
        variables, or None for the current settings; crawler/common/options.py), or None
        when ``ADWATCH_ES_URL`` is not set."""
        o = as_options(env)
        if not o.ADWATCH_ES_URL:
            return None
        return cls(
            url=o.ADWATCH_ES_URL.rstrip("/"),
            api_key=o.ADWATCH_ES_API_KEY,
            prefix=o.ADWATCH_ES_PREFIX,
            verify_certs=o.ADWATCH_ES_VERIFY_CERTS,
            ca_certs=o.ADWATCH_ES_CA_CERTS,
            timeout=o.ADWATCH_ES_TIMEOUT,
            bulk_retries=o.ADWATCH_ES_BULK_RETRIES,
            retry_seconds=o.ADWATCH_ES_RETRY_SECONDS,
        )

    def client(self) -> Elasticsearch:
        options: dict[str, Any] = {
            "request_timeout": self.timeout,
            "retry_on_timeout": True,
            "max_retries": 2,
        }
        if self.url.startswith("https"):
            options["verify_certs"] = self.verify_certs
            if self.ca_certs:
                options["ca_certs"] = self.ca_certs
        if self.api_key:
            options["api_key"] = self.api_key
        try:  # orjson (the client's [orjson] extra) serializes bulk bodies twice as fast
            from elasticsearch.serializer import OrjsonSerializer

            options["serializer"] = OrjsonSerializer()
        except ImportError:
            pass
        return Elasticsearch(self.url, **options)


class Unavailable(Exception):
    """The node could not be reached or refused the request for now."""


def transient(exc: BaseException) -> bool:
    """Whether an error means "not now" (spool and retry) rather than "never"."""
    if isinstance(exc, ApiError):
        return bool(exc.meta.status not in (400, 404))
    return isinstance(exc, TransportError | OSError)


def item_transient(info: dict[str, Any]) -> bool:
    """Whether a bulk item the node refused may be taken later (spool it) or never."""
    status = info.get("status")
    return status is None or status in (401, 403, 404, 408, 409, 429) or status >= 500


def is_missing(exc: BaseException) -> bool:
    """Whether ``exc`` is the node's 404 (no such index or document)."""
    return isinstance(exc, ApiError) and exc.meta.status == 404


class NodeStatus:
    """Whether the node at ``url`` is down, and when to try it again: writes go straight to
    the spool for ``retry_seconds`` after an outage was seen."""

    def __init__(self, url: str, retry_seconds: float):
        self.url = url
        self.retry_seconds = retry_seconds
        self.down_since: float | None = None

    def mark_down(self, exc: BaseException) -> None:
        if self.down_since is None:
            logger.warning("Elasticsearch at %s unavailable: %s", self.url, exc)
        self.down_since = time.monotonic()

    def mark_up(self) -> None:
        self.down_since = None

    def retry_due(self) -> bool:
        return self.down_since is None or time.monotonic() - self.down_since >= self.retry_seconds
