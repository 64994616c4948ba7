"""Selectors for an ad page's fields, learned from sample pages that automatic
extraction has read: for each field it found on every sample, the elements carrying that
value are located, candidate selectors built for them, and the one that yields the same
value on every sample kept (an exact match beats a close one).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.dates import parse_posted
from crawler.extract.phones import find_phones_and_whatsapp
from crawler.extract.prices import parse_price
from crawler.extract.suggest_selectors import EXACT, Learned, candidate_selectors, learn
from crawler.extract.text import clean_text
from crawler.items import Ad

# the fields a selector is learned for, in the order an entry lists them
LEARNED_FIELDS = ("title", "price", "location", "posted", "employer", "body", "images", "contact")
_SHORT_VALUE = 80  # a price or a date is read from a short text, never from a whole block
# a price in an attribute: only of an element that says it holds one (not "initial-scale=1")
_PRICE_ATTRIBUTES = (
    "//*[@content][re:test(concat(@itemprop, ' ', @property, ' ', @name, ' ', @class),"
    " 'price|amount|salary|pre[cç]o|precio|cost|valor|wage', 'i')]"
)
_BODY_PRECISION, _BODY_RECALL = 0.8, 0.5  # least share of a body's words that must match
_CONTACT_SHARE = 0.3  # a contact block is a small part of the page, not the ad's whole text


@dataclass
class Sample:
    """An ad page as automatic extraction reads it."""

    url: str
    sel: Selector
    ad: Ad


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.casefold()))


def text_overlap(a: str, b: str) -> float:
    """Shared words over the longer text's words: 1.0 for the same text."""
    wa, wb = _words(a), _words(b)
    total = max(sum(wa.values()), sum(wb.values()))
    return sum((wa & wb).values()) / total if total else 0.0


def _same_text(got: str, want: str) -> float | None:
    """1.0 for the same text; less for ``want`` inside a slightly longer text (a label)."""
    got_flat, want_flat = " ".join(got.split()).casefold(), " ".join(want.split()).casefold()
    if not got_flat or not want_flat:
        return None
    if got_flat == want_flat:
        return EXACT
    share = len(want_flat) / len(got_flat)
    return 0.9 * share if want_flat in got_flat and share >= 0.6 else None


def _body_match(got: str, want: str) -> float | None:
    """The F1 of shared words, when most of ``got`` is the body and it gives much of it."""
    wg, ww = _words(got), _words(want)
    shared = sum((wg & ww).values())
    if not shared:
        return None
    precision, recall = shared / sum(wg.values()), shared / sum(ww.values())
    if precision < _BODY_PRECISION or recall < _BODY_RECALL:
        return None
    return EXACT if wg == ww else 2 * precision * recall / (precision + recall) * 0.99


def field_match(name: str, got: Any, sample: Sample, region: str | None) -> float | None:
    """How well a selector's yield ``got`` matches what extraction found for field ``name``
    on ``sample``: 1.0 the same, less for close, None for no match."""
    ad = sample.ad
    if got in (None, "", []):
        return None
    if name == "title" or name == "employer":
        return _same_text(got.replace("\n", " "), getattr(ad, name) or "")
    if name == "location":  # normalization joins a location's lines with ", "
        return _same_text(got.replace("\n", ", "), ad.location or "")
    if name == "body":
        return _body_match(got, ad.body)
    if name in ("price", "posted") and len(got) > _SHORT_VALUE:
        return None
    if name == "price":
        amount = parse_price(got, region)[0]
        return EXACT if amount is not None and amount == ad.price else None
    if name == "posted":
        languages = [ad.language] if ad.language else None
        return EXACT if parse_posted(got, languages) == ad.posted_at else None
    if name == "images":
        got_set, want_set = set(got), set(ad.image_urls)
        share = len(got_set & want_set) / len(got_set | want_set)
        return share if share >= 0.8 else None
    if name == "contact":
        text, hrefs = got
        if len(text) > max(200, _CONTACT_SHARE * len(ad.body)):
            return None
        phones = set(find_phones_and_whatsapp(text, hrefs, region, None)[0])
        want_phones = set(ad.phones)
        if not phones or not phones <= want_phones:
            return None
        return len(phones) / len(want_phones)
    return None


# ---------------------------------------------------------------- elements carrying a value


def _text_carriers(sel: Selector, text: str) -> Iterator[tuple[Any, str]]:
    """Elements whose text is ``text`` (``::text`` when their own text nodes say it), and
    those around its longest line, not much longer than ``text``."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    first = max(lines, key=len)[:80] if lines else ""
    if not first:
        return
    limit = len(" ".join(text.split())) * 1.6 + 20
    found = sel.xpath("//body//*[contains(normalize-space(.), $t)]", t=first)
    for node in reversed(found):  # innermost first
        own = " ".join(" ".join(node.xpath("./text()").getall()).split())
        if own and first in own:
            yield node.root, "::text"
        if len(" ".join(node.xpath("normalize-space(.)").getall())) <= limit:
            yield node.root, ""
    for node in sel.xpath("//*[@content or @title or @datetime or @value]"):
        for attr in ("content", "datetime", "title", "value"):
            value = node.root.get(attr)
            if value and _same_text(clean_text(value), text) is not None:
                yield node.root, f"::attr({attr})"


def _short_text_carriers(
    sel: Selector, test: Callable[[str], bool], attributes: str, attributes_first: bool = False
) -> Iterator[tuple[Any, str]]:
    """Elements with a short text, or a date/content attribute of an element ``attributes``
    (an XPath) selects, that ``test`` accepts; ``attributes_first``: only attributes when
    one does (a date written for machines outlives "2 days ago")."""
    found_attribute = False
    for node in sel.xpath(attributes):
        for attr in ("datetime", "content"):
            value = node.root.get(attr)
            if value and len(value) <= 60 and test(value):
                found_attribute = True
                yield node.root, f"::attr({attr})"
    if attributes_first and found_attribute:
        return
    found = sel.xpath(
        "//body//*[not(self::script or self::style)][string-length(normalize-space(.)) <= 60]"
        "[re:test(., '\\d')]"
    )
    for node in found:
        text = " ".join(node.xpath("normalize-space(.)").getall())
        if test(text):
            own = " ".join(" ".join(node.xpath("./text()").getall()).split())
            if own and test(own):
                yield node.root, "::text"
            yield node.root, ""


def _image_carriers(sel: Selector, url: str, wanted: set[str]) -> Iterator[tuple[Any, str]]:
    for node in sel.xpath("//img[@src or @data-src] | //source[@srcset]"):
        for attr in ("src", "data-src"):
            value = node.root.get(attr)
            if value and urljoin(url, value.strip()) in wanted:
                yield node.root, f"::attr({attr})"
    for node in sel.xpath("//meta[@content]"):
        if urljoin(url, node.root.get("content", "").strip()) in wanted:
            yield node.root, "::attr(content)"


def _contact_carriers(sel: Selector) -> Iterator[tuple[Any, str]]:
    for node in sel.css('a[href^="tel:"], a[href*="wa.me/"], a[href*="whatsapp"]'):
        yield node.root, "::attr(href)"
        yield node.root, ""
    words = "contact|phone|tel|fone|whats|contato|contacto|llamar|ligar"
    for node in sel.xpath("//body//*[re:test(@class, $w, 'i') or re:test(@id, $w, 'i')]", w=words):
        yield node.root, ""


def carriers(name: str, sample: Sample, region: str | None) -> Iterator[tuple[Any, str]]:
    """Elements of ``sample`` that carry field ``name``, with how to read them."""
    ad, sel = sample.ad, sample.sel
    if name in ("title", "location", "employer", "body"):
        value = getattr(ad, name) or ""
        if name == "location":
            # normalization joins the lines of a location with ", "; pages often use lines
            yield from _text_carriers(sel, value.split(", ")[0])
        yield from _text_carriers(sel, value)
    elif name == "price":
        yield from _short_text_carriers(
            sel, lambda t: parse_price(t, region)[0] == ad.price, _PRICE_ATTRIBUTES
        )
    elif name == "posted":
        languages = [ad.language] if ad.language else None
        yield from _short_text_carriers(
            sel,
            lambda t: parse_posted(t, languages) == ad.posted_at,
            "//*[@content or @datetime]",
            attributes_first=True,
        )
    elif name == "images":
        yield from _image_carriers(sel, sample.url, set(ad.image_urls))
    elif name == "contact":
        yield from _contact_carriers(sel)


def _extracted(ad: Ad, name: str) -> bool:
    if name == "title":
        return bool(ad.title)
    if name == "price":
        return ad.price is not None
    if name == "posted":
        return bool(ad.posted_at)
    if name == "images":
        return bool(ad.image_urls)
    if name == "contact":
        return bool(ad.phones)
    return bool(getattr(ad, name))


def learn_fields(
    samples: list[Sample], region: str | None, max_carriers: int = 40
) -> tuple[dict[str, Learned], list[str]]:
    """Per field found on every sample: the learned selector; and the fields found on every
    sample for which no selector yields the same value."""
    learned: dict[str, Learned] = {}
    unmatched: list[str] = []
    pages = [(s.sel, s.url) for s in samples]
    for name in LEARNED_FIELDS:
        if not samples or not all(_extracted(s.ad, name) for s in samples):
            continue
        candidates: list[str] = []
        for sample in samples:
            for count, (el, suffix) in enumerate(carriers(name, sample, region)):
                if count >= max_carriers:
                    break
                candidates.extend(candidate_selectors(el, suffix))

        def judge(index: int, got: Any, name: str = name) -> float | None:
            return field_match(name, got, samples[index], region)

        found = learn(candidates, pages, judge, name)
        if found is None:
            unmatched.append(name)
        else:
            learned[name] = found
    return learned, unmatched
