"""The baseline: a bare Scrapy spider with default settings that fetches the same listing and
detail pages as adwatch and does nothing else. Run by bench/bench_crawl.py with
``scrapy runspider`` from an empty directory (so no project settings apply)."""

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start: str = "", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start]

    def parse(self, response):
        for href in response.css("a.ad-link::attr(href)").getall():
            yield response.follow(href, callback=self.parse_detail)
        nxt = response.css("a.next::attr(href)").get()
        if nxt:
            yield response.follow(nxt, callback=self.parse)

    def parse_detail(self, response):
        return None
