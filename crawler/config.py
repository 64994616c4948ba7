"""sources.yaml: the sites to watch, validated before anything is crawled.

``load_sources(path)`` returns a :class:`SourcesFile` or raises
:class:`crawler.common.yamlconf.ConfigError` (``path:line: source 'x': what is wrong``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from parsel import Selector
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from crawler.common.durations import parse_duration
from crawler.common.hosts import split_host
from crawler.common.yamlconf import ConfigError, read_yaml, validate

FIELD_NAMES = ("title", "body", "price", "location", "posted", "contact", "images", "employer")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def is_xpath(selector: str) -> bool:
    """Selectors starting with ``/``, ``(`` or ``xpath:`` are XPath; anything else is CSS."""
    s = selector.strip()
    return s.startswith(("/", "(", "xpath:"))


def check_selector(selector: str) -> str:
    probe = Selector(text="<html><body></body></html>")
    s = selector.strip()
    try:
        if is_xpath(s):
            probe.xpath(s.removeprefix("xpath:"))
        else:
            probe.css(s)
    except Exception as exc:  # parsel raises several types for bad selectors
        kind = "XPath" if is_xpath(s) else "CSS"
        raise ValueError(f"invalid {kind} selector {selector!r}: {exc}") from None
    return selector


def _check_url(url: str) -> str:
    if any(c.isspace() or not c.isprintable() for c in url):
        raise ValueError(f"not a URL: {url!r} has spaces or control characters (write %20)")
    try:
        parsed = urlsplit(url)
    except ValueError as exc:
        raise ValueError(f"not a URL: {url!r} ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host, _ = split_host(parsed.netloc.rpartition("@")[2])
    if host is None:
        raise ValueError(f"not a URL: {url!r} has no valid host name and port")
    return url


def _field_name(v: str) -> str:
    if v not in FIELD_NAMES:
        raise ValueError(f"unknown field {v!r} (known: {', '.join(FIELD_NAMES)})")
    return v


FieldName = Annotated[str, AfterValidator(_field_name)]
SelectorStr = Annotated[str, AfterValidator(check_selector)]


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    every: str = "6h"

    @field_validator("every")
    @classmethod
    def _every(cls, v: str) -> str:
        if parse_duration(v) < timedelta(minutes=1):
            raise ValueError("schedule must be at least 1m")
        return v

    @property
    def interval(self) -> timedelta:
        return parse_duration(self.every)


class Politeness(BaseModel):
    """Per-source overrides of the polite defaults in crawler/settings.py."""

    model_config = ConfigDict(extra="forbid")
    concurrency: int | None = Field(None, ge=1, le=64, description="parallel requests to the site")
    delay: float | None = Field(None, ge=0, le=600, description="seconds between requests")
    autothrottle: bool | None = None
    autothrottle_target: float | None = Field(None, gt=0, le=64)
    timeout: float | None = Field(None, gt=0, le=600)
    max_pages: int | None = Field(None, ge=1, description="listing pages followed per run")
    user_agent: str | None = None

    def scrapy_settings(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.concurrency is not None:
            out["CONCURRENT_REQUESTS_PER_DOMAIN"] = self.concurrency
        if self.delay is not None:
            out["DOWNLOAD_DELAY"] = self.delay
        if self.autothrottle is not None:
            out["AUTOTHROTTLE_ENABLED"] = self.autothrottle
        if self.autothrottle_target is not None:
            out["AUTOTHROTTLE_TARGET_CONCURRENCY"] = self.autothrottle_target
        if self.timeout is not None:
            out["DOWNLOAD_TIMEOUT"] = self.timeout
        if self.user_agent:
            out["USER_AGENT"] = self.user_agent
        return out


class Source(BaseModel):
    """One site to watch."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["job", "classified"]
    start_urls: list[str] = Field(default_factory=list)
    sitemap: str | None = None
    feed: str | None = None
    links: str | None = None
    next_page: str | None = None
    fields: dict[FieldName, SelectorStr] = Field(default_factory=dict)
    extract: Literal["auto", "selectors"] | None = None
    render: Literal["auto", "static", "browser"] = "auto"
    schedule: Schedule = Field(default_factory=Schedule)
    country: str | None = None
    languages: list[str] = Field(default_factory=list)
    # true: any private, loopback or link-local host; a list: only these "host" / "host:port"
    allow_private_network: bool | list[str] = False
    politeness: Politeness = Field(default_factory=Politeness)
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(
                f"name {v!r} must be lower-case letters, digits, '-' or '_' (max 63 chars)"
            )
        return v

    @field_validator("schedule", mode="before")
    @classmethod
    def _schedule(cls, v: Any) -> Any:
        return {"every": v} if isinstance(v, str | int) else v

    @field_validator("start_urls")
    @classmethod
    def _start_urls(cls, v: list[str]) -> list[str]:
        return [_check_url(u) for u in v]

    @field_validator("sitemap", "feed")
    @classmethod
    def _one_url(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return v
        # one spider reads a source: a second entry point would be ignored without a word
        others = [k for k in ("start_urls", "sitemap") if k != info.field_name and info.data.get(k)]
        if others:
            raise ValueError(
                f"use one of start_urls, sitemap and feed, not {others[0]} and {info.field_name}"
                " (make a second source for the other)"
            )
        return _check_url(v)

    @field_validator("links", "next_page")
    @classmethod
    def _selector(cls, v: str | None) -> str | None:
        return check_selector(v) if v is not None else v

    @field_validator("allow_private_network")
    @classmethod
    def _private_hosts(cls, v: bool | list[str]) -> bool | list[str]:
        if isinstance(v, list):
            for entry in v:
                if split_host(entry)[0] is None:
                    raise ValueError(f"{entry!r} is not a host or host:port (port 1 to 65535)")
        return v

    @field_validator("country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[A-Za-z]{2}", v):
            raise ValueError(f"country {v!r} must be a two-letter ISO code such as PY, BR, ES")
        return v.upper() if v else v

    @field_validator("languages")
    @classmethod
    def _languages(cls, v: list[str]) -> list[str]:
        for lang in v:
            if not re.fullmatch(r"[a-z]{2}", lang):
                raise ValueError(f"language {lang!r} must be a two-letter ISO 639-1 code")
        return v

    @model_validator(mode="after")
    def _entry_points(self) -> Source:
        if not (self.start_urls or self.sitemap or self.feed):
            raise ValueError("needs start_urls, sitemap or feed")
        if self.extract is None:
            self.extract = "selectors" if self.fields else "auto"
        if self.extract == "selectors" and "title" not in self.fields:
            raise ValueError("extract: selectors needs at least a 'title' field selector")
        return self

    @property
    def entry(self) -> str:
        """Which spider serves the source: feed, sitemap or listing."""
        if self.feed:
            return "feed"
        if self.sitemap:
            return "sitemap"
        return "listing"


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[Source]

    @model_validator(mode="after")
    def _unique(self) -> SourcesFile:
        seen: set[str] = set()
        for s in self.sources:
            if s.name in seen:
                raise ValueError(f"duplicate source name {s.name!r}")
            seen.add(s.name)
        return self

    def get(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)


def default_sources_path() -> Path:
    """The ``ADWATCH_SOURCES`` setting (``./sources.yaml``)."""
    from crawler.common.options import current_options  # it reads this module's types

    return current_options().sources_path


def load_sources(path: str | Path | None = None) -> SourcesFile:
    """Load and validate a sources file; raise ConfigError with ``path:line`` messages."""
    path = Path(path) if path else default_sources_path()
    holder: dict[str, Any] = {}

    def label(loc: tuple) -> tuple[str | None, int]:
        if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
            name = holder.get("names", {}).get(loc[1])
            return (f"source '{name}'" if name else f"source #{loc[1] + 1}"), 2
        return None, 0

    data, lines = read_yaml(path)
    # the names, so that errors can say which source they are about
    if isinstance(data, dict) and isinstance(data.get("sources"), list):
        holder["names"] = {
            i: s.get("name") for i, s in enumerate(data["sources"]) if isinstance(s, dict)
        }
    return validate(data, lines, path, SourcesFile, label=label)


__all__ = [
    "ConfigError",
    "FIELD_NAMES",
    "Politeness",
    "Schedule",
    "Source",
    "SourcesFile",
    "check_selector",
    "is_xpath",
    "load_sources",
    "split_host",
]
