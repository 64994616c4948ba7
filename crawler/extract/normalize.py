"""Turn a :class:`~crawler.items.RawAd` into a normalized :class:`~crawler.items.Ad`.

:func:`normalize_ad` composes the pure readers of each concern on one raw ad: text
cleanup (:mod:`crawler.extract.text`), URL canonicalization and the ad id
(:mod:`~crawler.extract.urls`), language (:mod:`~crawler.extract.language`), contact
details (:mod:`~crawler.extract.contacts`), price (:mod:`~crawler.extract.prices`),
posting date (:mod:`~crawler.extract.dates`) and structured data
(:mod:`~crawler.extract.structured`). It never raises: a field it cannot read becomes
None or empty, and the other fields are still read.

Limits: a title is cut to :data:`TITLE_MAX_CHARS` (1,000) characters and a body to
:data:`BODY_MAX_CHARS` (100,000), never inside a letter and its accents; the price
text, location and employer to the title's limit, the contact field to the body's.
Each cut is logged ("normalize: URL: title cut from N to M characters"). Whatever an
ad's author sends, the stored ad, its digest lines and its search document stay
bounded.

A source without a country still gets its phone numbers and currencies read: the page
says where it is from (:func:`crawler.extract.contacts.page_regions`), else the regions
where its language is written are tried in turn, and last the North American plan.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from crawler.extract.contacts import (
    ad_phones,
    extract_emails,
    extract_handles,
    page_regions,
    phone_guesses,
)
from crawler.extract.dates import MONTH_FIRST_REGIONS, aware, find_posted, parse_posted
from crawler.extract.language import ad_language, given_language, language_list
from crawler.extract.prices import find_marked_price, find_price, parse_price
from crawler.extract.structured import StructuredData
from crawler.extract.text import as_list, as_text, clean_text
from crawler.extract.urls import ad_id, image_urls, pick_canonical
from crawler.items import Ad, RawAd

__all__ = ["BODY_MAX_CHARS", "TITLE_MAX_CHARS", "normalize_ad"]

log = logging.getLogger(__name__)

#: An ad's title is cut to this many characters at normalization; a longer one is a
#: mistake or an attack (a 4 MB title would make a 16 MB digest).
TITLE_MAX_CHARS = 1_000
#: An ad's body is cut to this many characters at normalization (about 40 pages of text).
BODY_MAX_CHARS = 100_000
# Raw text is cut to this many times the cap before it is cleaned, to bound the cost of
# reading markup; whatever cleaning leaves is then cut to the cap itself.
_RAW_SLACK = 20

_NO_PRICE: tuple[float | None, str | None, str | None] = (None, None, None)


@dataclass
class _Fields:
    """The raw ad's address, texts, links and structured data, read and capped."""

    url: str
    canonical: str
    structured: StructuredData
    title: str
    body: str
    contact: str
    price_text: str
    links: list[str]


def normalize_ad(
    raw: RawAd,
    *,
    country: str | None,
    languages: list[str] | None,
    now: datetime | None = None,
) -> Ad:
    """The normalized :class:`Ad` for ``raw``.

    ``country`` (ISO2) is the source's country: it reads national phone
    numbers and prices; without it the page's own region is inferred (see the
    module's docstring). ``languages`` (ISO 639-1) are the source's languages:
    they bound language detection (with the page's declared language and
    es/pt/en, which reposted ads bring along) and spelled-out digits; without
    them any language the model knows may come out. ``now`` stamps
    ``fetched_at`` and anchors relative dates (default: current UTC time).

    Contacts come from the contact field, title, body, links and structured
    data (JSON-LD or microdata in ``raw.structured``); WhatsApp numbers are
    also listed among the phones. The price comes from ``raw.price``, else from
    structured data (``baseSalary``, ``offers``), else from the first labelled
    price in the body, else from an amount written with its currency in the
    title; its currency from structured data, else the sign, else the country
    (the source's, else the page's). The posting date comes from ``raw.posted``,
    else structured data, else a labelled header line in the text ("Date
    posted: ...", "Publicado hace 2 días"), read in the ad's language. Title
    and body are capped (:data:`TITLE_MAX_CHARS`, :data:`BODY_MAX_CHARS`).
    Never raises: unreadable fields become None or empty.
    """
    now = _safe(datetime.now(UTC), aware, now)
    region = _safe(None, _region, country)
    languages = _safe(None, language_list, languages)
    fields = _read_fields(raw)

    declared = _safe(None, given_language, getattr(raw, "language", None))
    language, sure = _safe(
        (declared, True), ad_language, fields.title, fields.body, declared, languages
    )
    word_languages = list(dict.fromkeys([*(languages or []), *([language] if language else [])]))

    # Where the page is from, when the source does not say: its domain, its structured
    # data, its currency, the dialling prefixes written on it.
    regions = (
        []
        if region
        else _safe([], page_regions, fields.url, fields.structured, fields.price_text, fields.body)
    )
    money_region = region or (regions[0] if regions else None)
    guesses = [] if region else phone_guesses(regions, language if sure else None)

    phones, whatsapp, emails, handles = _contacts(fields, region, word_languages, guesses)
    price, currency, period = _price(fields, money_region)
    posted = _posted_date(getattr(raw, "posted", None), fields, word_languages, now, money_region)
    location, employer = _place_and_employer(raw, fields)
    return Ad(
        id=ad_id(fields.canonical),
        source=as_text(getattr(raw, "source", "")),
        kind=as_text(getattr(raw, "kind", "")) or "classified",
        url=fields.url,
        canonical_url=fields.canonical,
        title=fields.title,
        body=fields.body,
        price=price,
        currency=currency,
        price_period=period,
        location=location.replace("\n", ", ") or None,
        country=region,
        language=language,
        posted_at=posted,
        employer=employer.replace("\n", " ") or None,
        phones=phones,
        emails=emails,
        handles=handles,
        whatsapp=whatsapp,
        image_urls=_safe([], image_urls, getattr(raw, "image_urls", None), fields.url),
        content_hash=_content_hash(fields),
        fetched_at=now.astimezone(UTC).isoformat(timespec="seconds"),
    )


def _safe(default: Any, function: Any, *args: Any) -> Any:
    """``function(*args)``, or ``default`` if one odd field makes it fail."""
    try:
        return function(*args)
    except Exception:
        log.debug("normalize: %s failed", getattr(function, "__name__", function), exc_info=True)
        return default


def _read_fields(raw: RawAd) -> _Fields:
    """The raw ad's address and canonical URL, structured data, capped texts and links."""
    url = as_text(getattr(raw, "url", "")).strip()
    canonical = _safe(url, pick_canonical, url, getattr(raw, "canonical", None))
    structured = _safe(StructuredData(None), StructuredData, getattr(raw, "structured", None))

    title = _safe("", _capped_text, getattr(raw, "title", None), TITLE_MAX_CHARS, "title", url)
    body = _safe("", _capped_text, getattr(raw, "body", None), BODY_MAX_CHARS, "body", url)
    contact = _safe("", _capped_text, getattr(raw, "contact", None), BODY_MAX_CHARS, "contact", url)
    price_text = _safe("", _capped_text, getattr(raw, "price", None), TITLE_MAX_CHARS, "price", url)
    links = [link for link in as_list(getattr(raw, "links", None)) if isinstance(link, str)]
    return _Fields(
        url=url,
        canonical=canonical,
        structured=structured,
        title=title.replace("\n", " "),
        body=body,
        contact=contact,
        price_text=price_text,
        links=links,
    )


def _contacts(
    fields: _Fields, region: str | None, languages: list[str], guesses: list[str]
) -> tuple[list[str], list[str], list[str], list[str]]:
    """(phones, WhatsApp numbers, e-mails, handles) of the ad; each read on its own."""
    text = "\n".join(part for part in (fields.contact, fields.title, fields.body) if part)
    links, structured = fields.links, fields.structured
    dial_links = [unquote(link[4:]) for link in links if link[:4].lower() in ("tel:", "sms:")]
    phones, whatsapp = _safe(
        ([], []),
        ad_phones,
        text,
        links,
        region,
        languages or None,
        guesses,
        [*dial_links, *structured.strings("telephone", "phone")],
        fields.url,
        len(fields.contact),  # the contact field comes first in the text
    )
    emails = _safe([], extract_emails, "\n".join([text, *structured.strings("email")]), links)
    handles = _safe([], extract_handles, text, links)
    return phones, whatsapp, emails, handles


def _price(
    fields: _Fields, money_region: str | None
) -> tuple[float | None, str | None, str | None]:
    """(amount, currency, period) of the ad's price; see :func:`normalize_ad`."""
    price, currency, period = _safe(_NO_PRICE, parse_price, fields.price_text, money_region)
    if price is None:
        price, currency, period = _safe(_NO_PRICE, fields.structured.price, money_region)
    if price is None:
        price, currency, period = _safe(_NO_PRICE, find_price, fields.body, money_region)
    if price is None:
        # an amount written with its currency in the title ("<item> - $480 (<city>)"); the
        # body's amounts are promises as often as prices ("earn up to $3,000")
        price, currency, period = _safe(_NO_PRICE, find_marked_price, fields.title, money_region)
    if price is not None:
        # The currency structured data names beats a sign, which beats the country.
        declared_currency = _safe(None, fields.structured.currency)
        if declared_currency:
            currency = declared_currency
    return price, currency, period


def _posted_date(
    value: Any, fields: _Fields, languages: list[str], now: datetime, region: str | None
) -> str | None:
    """The posting date: ``value`` (the raw ad's), else structured data, else a labelled
    header line of the text."""
    # 03/04/2024 is the 4th of March in the United States, the 3rd of April elsewhere
    month_first = region in MONTH_FIRST_REGIONS
    posted = _safe(None, _posted, value, languages, now, month_first)
    if posted is None:
        posted = _safe(None, fields.structured.posted, languages, now, month_first)
    if posted is None:
        text = f"{fields.title}\n{fields.body}"
        posted = _safe(None, _found_posted, text, languages, now, month_first)
    return posted


def _place_and_employer(raw: RawAd, fields: _Fields) -> tuple[str, str]:
    """The ad's location and employer: the raw ad's, else its structured data's."""
    url = fields.url
    location = _safe(
        "", _capped_text, getattr(raw, "location", None), TITLE_MAX_CHARS, "location", url
    )
    location = location or _safe("", fields.structured.location)[:TITLE_MAX_CHARS]
    employer = _safe(
        "", _capped_text, getattr(raw, "employer", None), TITLE_MAX_CHARS, "employer", url
    )
    employer = employer or _safe("", fields.structured.employer)[:TITLE_MAX_CHARS]
    return location, employer


def _content_hash(fields: _Fields) -> str:
    text = "\n".join((fields.title, fields.body, fields.price_text))
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()


def _posted(value: Any, languages: list[str], now: datetime, month_first: bool) -> str | None:
    return parse_posted(value, languages, now, month_first=month_first)


def _found_posted(text: str, languages: list[str], now: datetime, month_first: bool) -> str | None:
    return find_posted(text, languages, now, month_first=month_first)


def _capped_text(value: Any, limit: int, field: str, url: str) -> str:
    """:func:`clean_text` of ``value``, cut to ``limit`` characters (logged when cut)."""
    raw = as_text(value)
    if len(raw) > limit * _RAW_SLACK:
        raw = raw[: limit * _RAW_SLACK]
    text = clean_text(raw)
    if len(text) <= limit:
        return text
    end = limit
    # not between a letter and its accents, nor inside an emoji sequence
    while end > 0 and (unicodedata.combining(text[end]) or text[end] in "\u200d\ufe0f"):
        end -= 1
    log.info("normalize: %s: %s cut from %d to %d characters", url, field, len(text), end)
    return text[:end]


def _region(country: str | None) -> str | None:
    code = as_text(country).strip().upper()
    if len(code) != 2 or not code.isalpha():
        return None
    return "GB" if code == "UK" else code
