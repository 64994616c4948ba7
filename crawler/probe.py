"""``adwatch extract URL_OR_FILE``: what extraction gets from one page, as ``scrapy parse`` shows.

Both readings are tried: the page as a detail page (the ad's fields, normalized) and as a
listing page (the ad links and the next page), with a source's selectors or ``extract: auto``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parsel import Selector

from crawler.config import Source
from crawler.extract import extract_detail, extract_listing
from crawler.normalize import normalize_ad
from crawler.settings import DOWNLOAD_MAXSIZE
from crawler.webfetch import fetch_bytes


def fetch(url: str, allow_private: bool) -> tuple[str, str]:
    """A page's text and final URL (see :func:`fetch_bytes`)."""
    body, final_url, charset = fetch_bytes(url, allow_private, DOWNLOAD_MAXSIZE)
    return body.decode(charset or "utf-8", errors="replace"), final_url


def probe_page(target: str, source: Source | None, allow_private: bool = False) -> dict[str, Any]:
    if Path(target).exists():
        html = Path(target).read_text(encoding="utf-8", errors="replace")
        url = Path(target).resolve().as_uri()
    else:
        private_ok = source is not None and source.allow_private_network is True
        html, url = fetch(target, allow_private or private_ok)
    if source is None:
        source = Source(name="probe", kind="classified", start_urls=["http://example.org/"])
    sel = Selector(text=html)
    out: dict[str, Any] = {"url": url, "source": source.name, "extract": source.extract}
    raw = extract_detail(sel, url, source)
    if raw is not None:
        ad = normalize_ad(raw, country=source.country, languages=source.languages or None)
        out["ad"] = ad.to_dict()
        out["structured"] = raw.structured.get("syntax") if raw.structured else None
    listing = extract_listing(sel, url, source)
    out["links"] = listing.links
    out["next_page"] = listing.next_page
    return out


def format_probe(result: dict[str, Any]) -> str:
    lines = [f"url: {result['url']}", f"source: {result['source']} (extract: {result['extract']})"]
    ad = result.get("ad")
    if ad:
        lines.append(f"as a detail page (structured data: {result.get('structured') or 'none'}):")
        for key in (
            "title",
            "price",
            "currency",
            "price_period",
            "location",
            "posted_at",
            "language",
            "employer",
            "phones",
            "whatsapp",
            "emails",
            "handles",
            "image_urls",
        ):
            value = ad.get(key)
            if value not in (None, [], ""):
                lines.append(f"  {key}: {value}")
        body = (ad.get("body") or "").replace("\n", " ")
        lines.append(f"  body: {body[:300]}{'…' if len(body) > 300 else ''}")
    else:
        lines.append("as a detail page: no ad found")
    lines.append(f"as a listing page: {len(result['links'])} ad link(s)")
    for link in result["links"][:20]:
        lines.append(f"  {link}")
    if len(result["links"]) > 20:
        lines.append(f"  … {len(result['links']) - 20} more")
    lines.append(f"  next page: {result['next_page'] or 'none'}")
    return "\n".join(lines)
