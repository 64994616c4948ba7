"""An ad's structured data (JSON-LD or microdata) read for normalization: its price or
salary and currency, posting date, place and employer, however deeply the objects nest."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from crawler.extract.dates import parse_posted
from crawler.extract.prices import COUNTRY_CURRENCY, parse_price, period_from_unit
from crawler.extract.text import clean_text


class StructuredData:
    """Read-only view of JSON-LD / microdata dicts, however deeply they nest."""

    _MAX_NODES = 500
    _MAX_DEPTH = 8

    def __init__(self, data: Any) -> None:
        self.nodes: list[dict[str, Any]] = []
        if isinstance(data, dict | list):
            self._collect(data, 0)

    def _collect(self, value: Any, depth: int) -> None:
        if depth > self._MAX_DEPTH or len(self.nodes) >= self._MAX_NODES:
            return
        if isinstance(value, dict):
            self.nodes.append(value)
            children: Iterable[Any] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            return
        for child in children:
            if isinstance(child, dict | list):
                self._collect(child, depth + 1)

    def values(self, *keys: str) -> Iterator[Any]:
        for node in self.nodes:
            for key in keys:
                if key in node:
                    yield node[key]

    def strings(self, *keys: str) -> list[str]:
        out: list[str] = []
        for value in self.values(*keys):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str | int) and not isinstance(item, bool):
                    out.append(str(item).removeprefix("mailto:").removeprefix("tel:"))
        return out

    def first(self, *keys: str) -> Any:
        return next(self.values(*keys), None)

    def price(self, country: str | None) -> tuple[float | None, str | None, str | None]:
        salary = self.first("baseSalary")
        if salary is not None:
            found = self._money(salary, country)
            if found[0] is not None:
                return found
        for offer in self.values("offers"):
            for item in offer if isinstance(offer, list) else [offer]:
                if isinstance(item, dict) and "price" in item:
                    currency = item.get("priceCurrency")
                    amount = _number(item.get("price"), country)
                    if amount is not None:
                        return amount, _iso_currency(currency, country), None
        return None, None, None

    def currency(self) -> str | None:
        """The ISO 4217 code the structured data gives for the ad's price, if any."""
        for salary in self.values("baseSalary"):
            if isinstance(salary, dict) and _is_currency_code(salary.get("currency")):
                return salary["currency"].strip().upper()
        for value in self.values("priceCurrency"):
            if _is_currency_code(value):
                return value.strip().upper()
        return None

    def _money(
        self, salary: Any, country: str | None
    ) -> tuple[float | None, str | None, str | None]:
        """A schema.org MonetaryAmount: {currency, value: {value|minValue|maxValue, unitText}}."""
        if not isinstance(salary, dict):
            salary = {"value": salary}
        value = salary.get("value")
        unit = salary.get("unitText")
        amount: float | None = None
        if isinstance(value, dict):
            unit = value.get("unitText", unit)
            for key in ("value", "minValue", "maxValue"):
                amount = _number(value.get(key), country)
                if amount is not None:
                    break
        else:
            amount = _number(value, country)
        if amount is None:
            return None, None, None
        return amount, _iso_currency(salary.get("currency"), country), period_from_unit(unit)

    def posted(
        self, languages: list[str] | None, now: datetime, month_first: bool = False
    ) -> str | None:
        for value in self.values("datePosted", "datePublished", "dateCreated", "uploadDate"):
            if isinstance(value, str):
                found = parse_posted(value, languages, now, month_first=month_first)
                if found:
                    return found
        return None

    def location(self) -> str:
        for place in self.values("jobLocation", "availableAtOrFrom", "areaServed"):
            for item in place if isinstance(place, list) else [place]:
                text = _place_text(item)
                if text:
                    return text
        return ""

    def employer(self) -> str:
        for org in self.values("hiringOrganization"):
            name = org.get("name") if isinstance(org, dict) else org
            if isinstance(name, str) and name.strip():
                return clean_text(name)
        return ""


def _place_text(place: Any) -> str:
    if isinstance(place, str):
        return clean_text(place)
    if not isinstance(place, dict):
        return ""
    address = place.get("address", place)
    if isinstance(address, str):
        return clean_text(address)
    if not isinstance(address, dict):
        return ""
    values = [address.get(key) for key in ("addressLocality", "addressRegion", "addressCountry")]
    parts = [value for value in values if isinstance(value, str)]
    return ", ".join(clean_text(part) for part in parts if part.strip()) or clean_text(
        place.get("name") if isinstance(place.get("name"), str) else ""
    )


def _number(value: Any, country: str | None) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if value == value and value >= 0 else None
    if isinstance(value, str):
        return parse_price(value, country)[0]
    return None


def _is_currency_code(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"[A-Za-z]{3}", value.strip()))


def _iso_currency(value: Any, country: str | None) -> str | None:
    if _is_currency_code(value):
        return value.strip().upper()
    return COUNTRY_CURRENCY.get(country or "")
