"""schema.org data in a page: its JSON-LD objects and their types, for reading ads
(crawler/extract/ads.py) and listings (crawler/extract/cards.py) alike. Pure functions."""

from __future__ import annotations

import json
import re
from typing import Any

#: types whose object is one ad (a job, an offer, a flat, a car, a service...)
AD_TYPES = frozenset(
    {
        "JobPosting",
        "Product",
        "Offer",
        "ClassifiedAd",
        "Accommodation",
        "Apartment",
        "House",
        "SingleFamilyResidence",
        "Residence",
        "Vehicle",
        "Car",
        "Service",
        "Event",
        "RealEstateListing",
        "Article",
        "NewsArticle",
        "BlogPosting",
    }
)
_NESTED = ("@graph", "mainEntity", "mainEntityOfPage")


def jsonld_objects(root: Any) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page (an lxml root), nested ``@graph`` and
    ``mainEntity`` objects too, top-level ones first; unreadable scripts are skipped."""
    out: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = (script.text or "").strip().removeprefix("<!--").removesuffix("-->").strip()
        try:
            data = json.loads(text)
        except ValueError:
            try:
                data = json.loads(re.sub(r"[\x00-\x1f]", " ", text))
            except ValueError:
                continue
        queue = [data]
        while queue:
            obj = queue.pop(0)
            if isinstance(obj, list):
                queue.extend(obj)
            elif isinstance(obj, dict):
                out.append(obj)
                queue.extend(obj[k] for k in _NESTED if isinstance(obj.get(k), list | dict))
    return out


def schema_types(obj: dict[str, Any]) -> set[str]:
    """The object's types without their vocabulary (``https://schema.org/Car`` -> ``Car``);
    anything that is not a name is ignored."""
    t = obj.get("@type") or obj.get("type") or []
    if not isinstance(t, list):
        t = [t]
    return {x.rsplit("/", 1)[-1] for x in t if isinstance(x, str)}
