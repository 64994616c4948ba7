"""The ground truth of a demo world, as the JSON-ready dict tests and benchmarks compare with.

Only ads a polite crawler can collect are listed under ``ads`` (slow ones included); fault
URLs go under ``errors`` and ads under robots-disallowed paths under ``robots_disallowed``.
URLs are paths relative to the server's base URL. Ads come site by site (classifieds,
anuncios, jobs, feed, app), newest first, as each site lists them.
"""

from __future__ import annotations

from typing import Any

from .model import (
    SITES,
    STATUS_MALFORMED,
    STATUS_NOT_FOUND,
    STATUS_PRIVATE,
    STATUS_SERVER_ERROR,
    STATUS_SLOW,
    AdRecord,
)


def ad_truth(record: AdRecord) -> dict[str, Any]:
    """What a perfect crawler would store for ``record``."""
    phones: list[str] = []
    formats: list[str] = []
    for use in record.contact.phones:
        if use.e164 not in phones:
            phones.append(use.e164)
            formats.append(use.style)
    return {
        "url": record.url,
        "site": record.site,
        "kind": record.kind,
        "category": record.category,
        "title": record.title,
        "body": record.body_text,
        "price": record.price.amount,
        "price_max": record.price.amount_max,
        "currency": record.price.currency,
        "price_period": record.price.period,
        "location": record.place.label,
        "country": record.country,
        "language": record.language,
        "posted_at": record.posted.isoformat(),
        "employer": record.employer,
        "phones": phones,
        "phone_formats": formats,
        "emails": [record.contact.email] if record.contact.email else [],
        "whatsapp": [record.contact.whatsapp] if record.contact.whatsapp else [],
        "handles": [record.contact.handle.truth] if record.contact.handle else [],
        "image_urls": [image.path for image in record.images],
        "base_photos": [image.base_id for image in record.images],
        "repost_of": record.repost_of.url if record.repost_of else None,
        "needs_browser": record.site == "app",
        "robots_disallowed": record.status == STATUS_PRIVATE,
        "suspicious": record.suspicious,
    }


def build_truth(seed: int, size: int, records: dict[str, list[AdRecord]]) -> dict[str, Any]:
    """The whole truth document of a world."""
    ads: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {
        STATUS_NOT_FOUND: [],
        STATUS_SERVER_ERROR: [],
        STATUS_MALFORMED: [],
        STATUS_SLOW: [],
    }
    disallowed: list[str] = []
    reposts: list[list[str]] = []
    for site in SITES:
        for record in records[site]:
            if record.status == STATUS_PRIVATE:
                disallowed.append(record.url)
                continue
            if record.status in errors:
                errors[record.status].append(record.url)
            if record.is_real_ad:
                ads.append(ad_truth(record))
                if record.repost_of is not None:
                    reposts.append([record.url, record.repost_of.url])
    return {
        "seed": seed,
        "size": size,
        "ads": ads,
        "errors": errors,
        "robots_disallowed": disallowed,
        "reposts": reposts,
    }
