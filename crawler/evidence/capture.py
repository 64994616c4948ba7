"""Evidence that survives takedowns, spider side: the HTTP exchange behind an ad page.

When ``ADWATCH_EVIDENCE`` is on, the spiders keep each ad page's HTTP exchange on the item
(:func:`capture_of`: status line and headers as received, the body, the capture time, and a
full-page screenshot when the browser rendered the page; a feed's entries share the feed's
response). The rest of the way:

- crawler/evidence/warc.py turns a capture into WARC records (an extraction worker does,
  off the crawler's thread);
- crawler/evidence/writer.py appends the records of new or changed ads to the source's WARC
  files and indexes them, before the batch is stored;
- crawler/evidence/packet.py writes one ad's case packet (``adwatch evidence AD_ID``).
"""

from __future__ import annotations

from typing import Any

from crawler.common.clock import utc_text
from crawler.evidence.screenshot import Screenshot
from crawler.items import Capture

__all__ = ["capture_of"]


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy headers (bytes, several values per name) as ``(name, value)`` text pairs."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name in headers
        for value in headers.getlist(name)
    ]


def _screenshot_of(response: Any) -> bytes | None:
    """The PNG the browser's :class:`Screenshot` page method took of the page, if any."""
    screenshot = None
    for method in response.meta.get("playwright_page_methods") or ():
        if isinstance(getattr(method, "method", None), Screenshot) and method.result:
            screenshot = method.result
    return screenshot


def capture_of(response: Any) -> Capture:
    """The exchange behind a Scrapy response, with the browser's screenshot if it took one.
    The capture time keeps microseconds, as its ``WARC-Date`` does."""
    request = response.request
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    return Capture(
        url=response.url,
        status=response.status,
        headers=_header_pairs(response.headers),
        body=response.body,
        captured_at=utc_text(timespec="microseconds"),
        method=request.method if request is not None else "GET",
        request_headers=_header_pairs(request.headers) if request is not None else [],
        protocol=protocol if protocol.upper().startswith("HTTP/") else "HTTP/1.1",
        rendered="playwright" in response.flags,
        screenshot=_screenshot_of(response),
    )
