"""The browser's full-page screenshot of a rendered ad page, kept as evidence.

:class:`Screenshot` is a scrapy-playwright page method that crawler/fetch/rendering.py adds to
an ad page's request (``ADWATCH_EVIDENCE`` and ``ADWATCH_SCREENSHOTS``);
crawler/evidence/capture.py finds its result on the response, and crawler/evidence/writer.py
stores it. No Scrapy or browser import: both sides load it cheaply.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Screenshot"]


class Screenshot:
    """A page method: a full-page PNG of the rendered ad, kept as evidence; ``None`` when
    Chromium cannot take it (the page is still read)."""

    def __init__(self, timeout_ms: int):
        self.timeout_ms = timeout_ms

    async def __call__(self, page: Any) -> bytes | None:
        try:
            return await page.screenshot(full_page=True, type="png", timeout=self.timeout_ms)
        except Exception:  # evidence is best effort; the ad itself must not be lost
            return None
