"""``adwatch extract URL_OR_FILE``: what extraction gets from one page, as ``scrapy parse`` shows.

Both readings are tried: the page as a detail page (the ad's fields, normalized) and as a
listing page (the ad links and the next page), with a source's selectors or ``extract: auto``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse

from crawler.config import Source
from crawler.extract.ads import extract_detail, extract_listing
from crawler.extract.normalize import normalize_ad
from crawler.fetch.localfile import read_capped
from crawler.fetch.webfetch import crawl_setting


def probe_page(target: str, source: Source | None, allow_private: bool = False) -> dict[str, Any]:
    """Both readings of the page at ``target`` (a URL or a file): see :func:`read_page`."""
    body, url, headers = read_page(target, source, allow_private)
    return probe_bytes(body, url, source=source, headers=headers)


def read_page(
    target: str, source: Source | None, allow_private: bool = False
) -> tuple[bytes, str, dict[str, str] | None]:
    """The bytes of a page, its address and its response headers: an http(s) URL fetched
    once (no private hosts unless allowed), or a file read up to ``DOWNLOAD_MAXSIZE``.
    Raises OSError (a missing file, a refused connection, a name that does not resolve),
    ValueError (a refused address, a page or file over the cap, another scheme) or
    http.client.HTTPException (a broken answer)."""
    if not target.lower().startswith(("http://", "https://")):
        body = read_capped(target, crawl_setting("DOWNLOAD_MAXSIZE"), "DOWNLOAD_MAXSIZE")
        return body, page_address(body) or Path(target).resolve().as_uri(), None
    from crawler.fetch.webfetch import fetch_bytes

    private_ok = source is not None and source.allow_private_network is True
    maxsize = crawl_setting("DOWNLOAD_MAXSIZE")
    data, url, charset = fetch_bytes(target, allow_private or private_ok, maxsize)
    headers = {"Content-Type": f"text/html; charset={charset}"} if charset else None
    return data, url, headers


def page_address(body: bytes) -> str | None:
    """The address a saved page gives itself (``<link rel=canonical>``, ``og:url``), if any."""
    sel = HtmlResponse("file:///", body=body).selector
    for xpath in (
        '//link[@rel="canonical"]/@href',
        '//meta[@property="og:url"]/@content',
    ):
        value = (sel.xpath(xpath).get() or "").strip()
        if value.startswith(("http://", "https://")):
            return value
    return None


def probe_bytes(
    body: bytes,
    url: str,
    source: Source | None = None,
    *,
    country: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Both readings of one page, as the crawl makes them: the bytes decoded as Scrapy
    decodes a response (BOM, Content-Type, ``<meta>`` charset), the ad as the extraction
    workers read and normalize it, the ad links and next page as the listing spider does."""
    if source is None:
        source = Source(name="probe", kind="classified", start_urls=["http://example.org/"])
    response = HtmlResponse(url, body=body, headers=headers)
    sel = response.selector
    out: dict[str, Any] = {
        "url": url,
        "source": source.name,
        "extract": source.extract,
        "encoding": response.encoding,
    }
    raw = extract_detail(sel, url, source)
    if raw is not None:
        ad = normalize_ad(
            raw, country=source.country or country, languages=source.languages or None
        )
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
