"""Noticeboard UK (``/feed/``): small ads published as an RSS 2.0 feed.

``/feed/rss.xml`` lists every item with the full ad text (price, location and phone
included) in ``<description>``, an RFC 822 ``<pubDate>``, a permalink ``<guid>`` and one
``<enclosure>`` per photo. Each ``<link>`` (``/feed/item/N.html``) is also a plain HTML page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime

from ..model import BASE_MARKER, REFERENCE_DATE, AdRecord, Page
from ..templates import category_name
from .common import attr, document, esc, html_page, paragraphs_html

NAME = "Noticeboard UK"
RSS = "application/rss+xml; charset=utf-8"

CSS = (
    "body{font-family:Verdana,sans-serif;max-width:760px;margin:auto;padding:12px}"
    ".entry-images img{max-width:220px;margin:2px}.entry-meta{color:#666}"
)


def published(record: AdRecord) -> datetime:
    """Posting time: the ad's date at a time of day derived from its number."""
    minutes = (record.number * 37) % 1440
    return datetime(
        record.posted.year,
        record.posted.month,
        record.posted.day,
        minutes // 60,
        minutes % 60,
        tzinfo=UTC,
    )


def rss(records: list[AdRecord]) -> Page:
    """The whole feed, newest first."""
    items = []
    for record in records:
        link = f"{BASE_MARKER}{record.url}"
        enclosures = "".join(
            f'<enclosure url="{BASE_MARKER}{image.path}" type="{image.content_type}" length="0"/>'
            for image in record.images
        )
        items.append(
            "<item>"
            f"<title>{esc(record.title)}</title>"
            f"<link>{link}</link>"
            f"<description><![CDATA[{paragraphs_html(record.paragraphs)}]]></description>"
            f"<category>{esc(category_name(record.category, 'en'))}</category>"
            f"<pubDate>{format_datetime(published(record))}</pubDate>"
            f'<guid isPermaLink="true">{link}</guid>'
            f"{enclosures}</item>\n"
        )
    build = datetime(REFERENCE_DATE.year, REFERENCE_DATE.month, REFERENCE_DATE.day, 8, tzinfo=UTC)
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"<title>{NAME} - latest small ads</title>\n"
        f"<link>{BASE_MARKER}/feed/</link>\n"
        "<description>Latest small ads from across the UK</description>\n"
        "<language>en-gb</language>\n"
        f"<lastBuildDate>{format_datetime(build)}</lastBuildDate>\n"
        f'<atom:link href="{BASE_MARKER}/feed/rss.xml" rel="self" type="application/rss+xml"/>\n'
        f"{''.join(items)}</channel>\n</rss>\n"
    )
    return Page(text.encode("utf-8"), RSS, last_modified=REFERENCE_DATE)


def item_page(record: AdRecord) -> Page:
    images = "".join(f'<img src="{image.path}" alt="">' for image in record.images)
    head = (
        f'<meta property="og:title" content="{attr(record.title)}">\n'
        f'<meta property="og:url" content="{BASE_MARKER}{record.url}">\n'
        '<link rel="alternate" type="application/rss+xml" href="/feed/rss.xml">\n'
    )
    body = (
        f'<header><a href="/feed/">{NAME}</a></header><main><article class="post">'
        f'<h1 class="entry-title">{esc(record.title)}</h1>'
        f'<p class="entry-meta"><time datetime="{published(record).isoformat()}">'
        f"{esc(record.date_text)}</time> · {esc(record.place.label)}</p>"
        f'<div class="entry-images">{images}</div>'
        f'<div class="entry-content">{paragraphs_html(record.paragraphs)}</div>'
        "</article></main>"
    )
    text = document(lang="en-GB", title=f"{record.title} - {NAME}", body=body, head=head, css=CSS)
    return html_page(text, modified=record.posted)


def index_page(records: list[AdRecord]) -> Page:
    items = "".join(
        f'<li><a href="{record.url}">{esc(record.title)}</a> — {esc(record.place.city)}</li>'
        for record in records[:50]
    )
    head = (
        f'<link rel="alternate" type="application/rss+xml" title="{NAME}" href="/feed/rss.xml">\n'
    )
    body = (
        f'<header><h1>{NAME}</h1><p>Subscribe: <a href="/feed/rss.xml">RSS feed</a></p>'
        f"</header><main><ul>{items}</ul></main>"
    )
    return html_page(document(lang="en-GB", title=NAME, body=body, head=head, css=CSS))


def routes(records: list[AdRecord]) -> dict[str, Callable[[], Page]]:
    table: dict[str, Callable[[], Page]] = {
        "/feed/": lambda: index_page(records),
        "/feed/rss.xml": lambda: rss(records),
    }
    for record in records:
        table[record.url] = lambda r=record: item_page(r)
    return table
