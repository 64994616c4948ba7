"""Ad data kept in a page's inline script state, for pages that render the ad from it.

Single-page sites ship the ad as data: ``<script id="__NEXT_DATA__" type="application/json">``,
``window.__INITIAL_STATE__ = {...}``, ``dataLayer.push({...})``, ``data-json`` attributes.
:func:`state_ad` reads those objects (JSON, or JavaScript object literals through chompjs),
walks them within fixed bounds and returns the object that looks most like this page's ad,
as a JSON-LD-like dict (``name``, ``description``, ``price``, ``priceCurrency``,
``datePosted``, ``address``, ``telephone``, ``hiringOrganization``, ``image``), or ``{}``.

An object is this page's ad when its title agrees with the page's own title (the ``<h1>``,
``og:title`` or ``<title>``); related ads and recommendations in the same state have titles
of their own, so they never win.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector

from crawler.extract.pagetext import agreement

#: bytes of script text read per page, and nodes visited per state object
MAX_SCRIPT_BYTES = 3_000_000
MAX_NODES = 60_000

_TITLE_KEYS = ("title", "subject", "name", "headline", "adTitle", "listingTitle")
_TEXT_KEYS = ("description", "body", "adDescription", "descriptionText", "text", "content")
_PRICE_KEYS = ("price", "priceValue", "listPrice", "salePrice", "amount", "priceLabel")
_CURRENCY_KEYS = ("priceCurrency", "currency", "currencyCode", "currencyId", "currencyIso")
_DATE_KEYS = (
    "datePosted",
    "datePublished",
    "publishedAt",
    "published_at",
    "publishing_date",
    "publication_date",
    "publishDate",
    "publicationDate",
    "createdAt",
    "created_at",
    "listTime",
    "origListTime",
    "postedAt",
    "date",
)
_PLACE_KEYS = (
    "address",
    "location",
    "locality",
    "city",
    "municipality",
    "neighbourhood",
    "neighborhood",
    "district",
    "region",
)
_PHONE_KEYS = ("phone", "telephone", "phoneNumber", "phones", "mobile")
_EMPLOYER_KEYS = ("hiringOrganization", "company", "companyName", "employer", "advertiser")
_ASSIGNMENT = re.compile(r"(?:window\.|var\s+|let\s+|const\s+|\.push\()\s*[\w$.]*\s*=?\s*\{")


def state_objects(sel: Selector) -> Iterator[Any]:
    """Every data object of the page's inline scripts and ``data-json`` attributes."""
    budget = MAX_SCRIPT_BYTES
    for script in sel.xpath("//script[not(@src)]"):
        kind = (script.attrib.get("type") or "").lower()
        if kind == "application/ld+json":
            continue
        text = script.xpath("string()").get() or ""
        if not text.strip() or len(text) > budget:
            continue
        budget -= len(text)
        if "json" in kind:
            try:
                yield json.loads(text)
            except ValueError:
                pass
            continue
        if kind and "javascript" not in kind and "ecmascript" not in kind:
            continue
        if not _ASSIGNMENT.search(text):
            continue
        yield from _js_objects(text)
    for value in sel.xpath("//@data-json | //@data-state | //@data-props").getall():
        if len(value) > budget:
            continue
        budget -= len(value)
        try:
            yield json.loads(value)
        except ValueError:
            continue


def _js_objects(text: str) -> Iterator[Any]:
    try:
        import chompjs
    except ImportError:  # pragma: no cover - chompjs is a dependency
        return
    try:
        yield from chompjs.parse_js_objects(text, unicode_escape=False, omitempty=True)
    except Exception:
        return


def _walk(obj: Any) -> Iterator[dict[str, Any]]:
    stack = [obj]
    seen = 0
    while stack and seen < MAX_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            yield node
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node[:500] if isinstance(v, dict | list))


def _first_key(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = obj.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _score(obj: dict[str, Any], titles: list[str]) -> float:
    title = _first_key(obj, _TITLE_KEYS)
    if not isinstance(title, str) or not title.strip():
        return 0.0
    agreed = agreement(title, titles)
    if agreed < 0.6:
        return 0.0
    score = agreed * 2
    text = _first_key(obj, _TEXT_KEYS)
    if isinstance(text, str) and len(text) > 40:
        score += 1 + min(len(text), 2000) / 2000
    for keys in (_PRICE_KEYS, _DATE_KEYS, _PLACE_KEYS, _PHONE_KEYS, _EMPLOYER_KEYS):
        if _first_key(obj, keys) is not None:
            score += 0.5
    return score


def state_ad(sel: Selector, titles: list[str]) -> dict[str, Any]:
    """The page's ad from its script state as a JSON-LD-like dict, or ``{}``."""
    titles = [t for t in titles if t and t.strip()]
    if not titles:
        return {}
    best: dict[str, Any] | None = None
    best_score = 1.5  # a matching title alone is not an ad
    for root in state_objects(sel):
        for obj in _walk(root):
            score = _score(obj, titles)
            if score > best_score:
                best, best_score = obj, score
    return _as_jsonld(best) if best is not None else {}


def _scalar(value: Any) -> Any:
    while isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        for key in ("value", "amount", "name", "label", "text", "formatted", "raw"):
            if value.get(key) not in (None, ""):
                return _scalar(value[key])
        return None
    return value


def _as_jsonld(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"syntax": "script-state"}
    out["name"] = _scalar(_first_key(obj, _TITLE_KEYS))
    text = _first_key(obj, _TEXT_KEYS)
    if isinstance(text, str):
        out["description"] = text
    price = _first_key(obj, _PRICE_KEYS)
    if isinstance(price, dict):
        currency = _scalar(_first_key(price, _CURRENCY_KEYS))
        if currency:
            out["priceCurrency"] = currency
    price = _scalar(price)
    if isinstance(price, int | float | str) and not isinstance(price, bool):
        out["price"] = price
    currency = _scalar(_first_key(obj, _CURRENCY_KEYS))
    if isinstance(currency, str) and "priceCurrency" not in out:
        out["priceCurrency"] = currency
    posted = _scalar(_first_key(obj, _DATE_KEYS))
    if isinstance(posted, str | int) and not isinstance(posted, bool):
        out["datePosted"] = posted
    address = _address(obj)
    if address:
        out["address"] = address
    phone = _scalar(_first_key(obj, _PHONE_KEYS))
    if isinstance(phone, str | int) and not isinstance(phone, bool):
        out["telephone"] = str(phone)
    employer = _first_key(obj, _EMPLOYER_KEYS)
    if employer is not None:
        out["hiringOrganization"] = employer
    images = obj.get("images") or obj.get("photos") or obj.get("image")
    if isinstance(images, list):
        urls = [_scalar(i) if isinstance(i, dict) else i for i in images[:50]]
        out["image"] = [u for u in urls if isinstance(u, str) and u.startswith(("http", "/"))]
    return {k: v for k, v in out.items() if v not in (None, "", [])}


_LOCALITY_KEYS = ("municipality", "city", "cityName", "locality", "town", "addressLocality")
_AREA_KEYS = ("neighbourhood", "neighborhood", "district", "suburb", "zone")
_REGION_KEYS = ("state", "stateName", "region", "province", "addressRegion", "uf")


def _address(obj: dict[str, Any]) -> dict[str, Any] | str | None:
    """A schema.org-like PostalAddress from the ad object or its place object."""
    holders = [obj] + [
        v for k, v in obj.items() if isinstance(v, dict) and k in ("location", "address", "place")
    ]
    out: dict[str, Any] = {}
    for holder in holders:
        # an ad's own "state" is its status (active, published), a place's is a region
        regions = _REGION_KEYS if holder is not obj else _REGION_KEYS[1:]
        for target, keys in (
            ("addressLocality", _LOCALITY_KEYS),
            ("neighbourhood", _AREA_KEYS),
            ("addressRegion", regions),
        ):
            value = _scalar(_first_key(holder, keys))
            if isinstance(value, str) and value.strip() and target not in out:
                out[target] = value.strip()
        street = holder.get("address")
        if isinstance(street, str) and street.strip() and "streetAddress" not in out:
            out["streetAddress"] = street.strip()
    if out:
        return out
    place = _first_key(obj, _PLACE_KEYS)
    return place if isinstance(place, dict | str) else None
