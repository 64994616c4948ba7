"""Spiders: listing->detail, sitemap (job boards, JSON-LD) and feeds, one per source."""

from spiders.factory import spider_class_for

__all__ = ["spider_class_for"]
