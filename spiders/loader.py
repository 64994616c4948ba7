"""Spider loader: one spider per source of sources.yaml.

Enabled by ``SPIDER_LOADER_CLASS`` in crawler/settings.py, so ``scrapy list`` prints the
source names and ``scrapy crawl demo-classifieds`` crawls that source, as in any Scrapy
project. The sources file is ``ADWATCH_SOURCES`` (setting or environment) or ./sources.yaml.
An invalid file stops Scrapy with ``path:line: message`` and exit code 2.
"""

from __future__ import annotations

import builtins
import sys
from typing import Any

from crawler.common.options import current_options
from crawler.config import ConfigError, SourcesFile, load_sources


def sources_path(settings: Any) -> str:
    """The sources file: the ``ADWATCH_SOURCES`` Scrapy setting (``-s``, or the settings
    object's, which a crawl's settings get), else the settings object's (``scrapy list``
    builds its loader from bare settings), else ./sources.yaml."""
    return str(settings.get("ADWATCH_SOURCES") or current_options().sources_path)


class SourceSpiderLoader:
    def __init__(self, settings: Any):
        self.settings = settings
        self.path = sources_path(settings)
        try:
            self.sources: SourcesFile = load_sources(self.path)
        except ConfigError as exc:
            print(str(exc), file=sys.stderr)
            raise SystemExit(2) from None

    @classmethod
    def from_settings(cls, settings: Any) -> SourceSpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type:
        from spiders import spider_class_for

        try:
            source = self.sources.get(spider_name)
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None
        return spider_class_for(source)

    def list(self) -> list[str]:
        return [s.name for s in self.sources.sources if s.enabled]

    def find_by_request(self, request: Any) -> builtins.list[str]:  # ``list`` here is the method
        from urllib.parse import urlparse

        host = urlparse(request.url).netloc
        out = []
        for s in self.sources.sources:
            urls = s.start_urls + [u for u in (s.sitemap, s.feed) if u]
            if any(urlparse(u).netloc == host for u in urls):
                out.append(s.name)
        return out
