"""The spider every source kind shares: detail-page parsing and per-source settings."""

from __future__ import annotations

from typing import Any, ClassVar

import scrapy
from scrapy.http import Response, TextResponse

from crawler.config import Source
from crawler.evidence.capture import capture_of
from crawler.items import Page

AD_META = "adwatch_ad"


class AdSpider(scrapy.Spider):
    """Base class; ``source`` is bound by :func:`spiders.spider_class_for`."""

    source: ClassVar[Source]

    @property
    def keeps_evidence(self) -> bool:
        """Whether ad responses are kept for the evidence WARC (``ADWATCH_EVIDENCE``)."""
        return self.crawler.settings.getbool("ADWATCH_EVIDENCE")

    def ad_request(self, url: str, **kwargs: Any) -> scrapy.Request:
        """A request for an ad's detail page (the incremental middleware may skip it)."""
        meta = kwargs.pop("meta", {})
        meta[AD_META] = True
        return scrapy.Request(url, callback=self.parse_detail, meta=meta, **kwargs)

    def parse_detail(self, response: Response, **kwargs: Any) -> Any:
        """Hand the page to the extraction pipeline (which runs off the reactor)."""
        stats = self.crawler.stats
        if not isinstance(response, TextResponse):
            stats.inc_value("adwatch/pages_malformed")
            self.logger.warning("not a text page, skipped: %s", response.url)
            return
        stats.inc_value("adwatch/detail_pages")
        yield Page(
            url=response.url,
            source=self.source.name,
            body=response.body,
            encoding=response.encoding,
            capture=capture_of(response) if self.keeps_evidence else None,
        )
