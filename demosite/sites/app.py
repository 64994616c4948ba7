"""Mercadito PY (``/app/``): a JavaScript-only site.

``/app/`` and ``/app/ad/N`` return an empty shell that loads ``/app/app.js``; the script
fetches ``/app/api/ads?page=N`` or ``/app/api/ad/N`` (JSON) and renders the same markup as
the classifieds site (``a.ad-link``, ``a.next``, ``h1.ad-title``, ``div.ad-body`` ...).
Without a browser a crawler sees no ads at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files
from typing import Any

from ..model import REFERENCE_DATE, AdRecord, Link, Page
from .common import JS, JSON, html_page

PER_PAGE = 12
NAME = "Mercadito PY"

SHELL = (
    '<!DOCTYPE html>\n<html lang="es">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    f"<title>{NAME}</title>\n"
    "<style>body{font-family:system-ui,sans-serif;margin:0}"
    ".site-header{background:#ffcc00;padding:10px 20px}.site-header a{color:#222;"
    "font-weight:bold;text-decoration:none}main{max-width:900px;margin:auto;padding:16px}"
    ".ad-card{display:grid;grid-template-columns:120px 1fr auto;gap:10px;padding:8px 0;"
    "border-bottom:1px solid #eee}.ad-gallery img{max-width:280px;margin:3px}</style>\n"
    '</head>\n<body>\n<div id="app"></div><noscript>Please enable JavaScript</noscript>'
    '<script src="/app/app.js"></script>\n</body>\n</html>\n'
)


@lru_cache(maxsize=1)
def script() -> bytes:
    return (files("demosite.sites") / "app.js").read_bytes()  # package data, wherever installed


def page_count(records: list[AdRecord]) -> int:
    return max(1, -(-len(records) // PER_PAGE))


def _json(data: Any, status: int = 200) -> Page:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Page(body, JSON, status, last_modified=REFERENCE_DATE)


def listing_json(records: list[AdRecord], number: int) -> Page:
    pages = page_count(records)
    chunk = records[(number - 1) * PER_PAGE : number * PER_PAGE]
    return _json(
        {
            "page": number,
            "pages": pages,
            "next": f"/app/?page={number + 1}" if number < pages else None,
            "ads": [
                {
                    "id": record.number,
                    "url": record.url,
                    "title": record.title,
                    "price": record.price.text,
                    "location": record.place.label,
                    "thumb": record.images[0].path if record.images else None,
                }
                for record in chunk
            ],
        }
    )


def ad_json(record: AdRecord) -> Page:
    contact = record.contact
    body = [
        [
            {"href": part.href, "text": part.text, "class": part.css_class}
            if isinstance(part, Link)
            else {"text": part}
            for part in paragraph
        ]
        for paragraph in record.paragraphs
    ]
    return _json(
        {
            "id": record.number,
            "title": record.title,
            "price": record.price.text,
            "location": record.place.label,
            "date": record.posted.isoformat(),
            "date_text": record.date_text,
            "images": [image.path for image in record.images],
            "body": body,
            "contact": {
                "phones": [use.shown for use in contact.contact_phones],
                "email": contact.email,
                "whatsapp": f"https://wa.me/{contact.whatsapp[1:]}" if contact.whatsapp else None,
                "handle": contact.handle.shown if contact.handle else None,
            },
        }
    )


def routes(records: list[AdRecord]) -> dict[str, Callable[[], Page]]:
    """Shell pages, the script and the API; listing keys carry their ``?page=N``."""
    table: dict[str, Callable[[], Page]] = {
        "/app/": lambda: html_page(SHELL),
        "/app/app.js": lambda: Page(script(), JS, last_modified=REFERENCE_DATE),
    }
    for number in range(1, page_count(records) + 1):
        table[f"/app/api/ads?page={number}"] = lambda n=number: listing_json(records, n)
    for record in records:
        table[record.url] = lambda: html_page(SHELL)
        table[f"/app/api/ad/{record.number}"] = lambda r=record: ad_json(r)
    return table
