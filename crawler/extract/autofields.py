"""``extract: auto`` for what an ad states next to its heading: its price, place,
posting date and employer, read from the marked elements nearest the ad's heading
outside page chrome; and whether the page says the ad is closed or expired.

Pure functions over a parsel ``Selector``, called by :func:`crawler.extract.auto.fill_auto`.
"""

from __future__ import annotations

import re
from typing import Any

from parsel import Selector

from crawler.extract.labelled import field_of_label
from crawler.extract.pagechrome import is_chrome, text_of

_AMOUNT = re.compile(
    r"(?:US\$|U\$S|R\$|AR\$|MX\$|C\$|A\$|NZ\$|Gs\.?|₲|€|£|\$|¥|₹|₽|₴|zł|Kč|kr|CHF|MN|R(?=\s?\d)|"
    r"USD|EUR|BRL|PYG|GBP|MXN|ARS|CLP|COP|PEN|UYU|BOB|PLN|CZK|NOK|SEK|DKK|ZAR|UAH|RUB)"
    r"\s?\d(?:[\d.,\s\u00a0\u202f]{0,15}\d)?"
    r"|\d(?:[\d.,\s\u00a0\u202f]{0,15}\d)?\s?(?:€|£|\$|₴|₽|zł|Kč|kr|,-|"
    r"USD|EUR|BRL|PYG|GBP|MXN|ARS|PLN|CZK|NOK|SEK|DKK|ZAR|UAH|RUB|грн\.?|руб\.?|"
    r"gs\.?|guaran[ií]es|reais|euros|pesos|d[oó]lares|dollars)",
    re.I,
)
_EXPIRED = re.compile(
    r"\b(no longer accepting applications|this job (?:has )?expired|job (?:is )?no longer "
    r"available|this (?:ad|listing|position) (?:is no longer available|has expired|has been "
    r"(?:removed|filled))|no longer available|oferta (?:finalizada|caducada|expirada|cerrada)"
    r"|anuncio (?:caducado|finalizado|expirado|desactivado|eliminado)|esta oferta ya no est[aá]"
    r"|vaga (?:encerrada|expirada)|an[uú]ncio (?:expirado|encerrado|removido|desativado)"
    r"|inzer[aá]t (?:již )?(?:vypr[sš]el|není aktivní)|nab[ií]dka (?:již )?(?:skon[cč]ila|"
    r"vypr[sš]ela)|ogłoszenie (?:wygasło|nieaktualne)|annonce (?:expir[ée]e|n'est plus "
    r"disponible)|stellenanzeige (?:ist )?abgelaufen|offerta scaduta|annonsen er utl[øo]pt)\b",
    re.I,
)
_DATE_TEXT = re.compile(
    r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}\.?\s+(?:de\s+)?[^\W\d]{3,12}\.?\s+(?:de\s+)?\d{4}\b"
    r"|\b[^\W\d]{3,9}\.?\s+\d{1,2},?\s+\d{4}\b",
)
_RELATIVE_DATE = re.compile(
    r"\b(?:hace|h[aá]|about|ago|ayer|ontem|hoy|hoje|today|yesterday|včera|dnes|wczoraj|"
    r"dzisiaj|сегодня|вчера)\b",
    re.I,
)
_POSTED_WORDS = re.compile(
    r"\b(posted|published|listed|added|date|publicad[oa]|publicaç[aã]o|fecha|data|"
    r"anunciad[oa]|inserid[oa]|vložen|zveřejněn|přidán|dodan[eo]|opublikowan|"
    r"veröffentlicht|publi[ée]e?|pubblicat[oa]|опубликовано|размещено|опубліковано)\b",
    re.I,
)


def _doc_order(sel: Selector) -> dict[Any, int]:
    return {el: i for i, el in enumerate(sel.root.iter())}


def near_heading(
    sel: Selector, heading: Selector | None, candidates: list[Selector]
) -> list[Selector]:
    """``candidates`` outside page chrome, nearest the heading first (after it preferred)."""
    kept = [c for c in candidates if not is_chrome(c)]
    if heading is None or not kept:
        return kept
    order = _doc_order(sel)
    where = order.get(heading.root, 0)

    def distance(node: Selector) -> float:
        pos = order.get(node.root, 0)
        return (pos - where) if pos >= where else (where - pos) * 1.5

    return sorted(kept, key=distance)


def _inside_other_ad_link(node: Selector, url: str) -> bool:
    """A price inside a link to another page (a card of a related ad)."""
    for href in node.xpath("ancestor::a/@href").getall():
        if href and not href.startswith(("#", "javascript:")):
            return True
    return False


def find_price_text(sel: Selector, heading: Selector | None, url: str) -> str | None:
    """The ad's own price: an element marked as a price nearest the ad's heading."""
    marked = sel.xpath(
        "//*[@itemprop='price' or contains(translate(@class, 'PRICE', 'price'), 'price')"
        " or contains(translate(@class, 'PRECO', 'preco'), 'preco')"
        " or contains(translate(@class, 'PRECIO', 'precio'), 'precio')"
        " or contains(translate(@class, 'SALARY', 'salary'), 'salary')"
        " or contains(translate(@data-testid, 'PRICE', 'price'), 'price')"
        " or contains(translate(@id, 'PRICE', 'price'), 'price')]"
    )[:400]
    candidates = [n for n in near_heading(sel, heading, list(marked))]
    for rank, node in enumerate(candidates):
        if _inside_other_ad_link(node, url):
            continue
        content = node.attrib.get("content")
        text = text_of(node)
        m = _AMOUNT.search(text)
        if m:
            # a short price line keeps its range and period ("8 € - 9,50 € por hora")
            return text if len(text) <= 80 else m.group(0)
        if content and re.search(r"\d", content):
            return content
        if rank == 0 and text and not re.search(r"\d", text) and len(text) <= 60:
            return None  # the ad's price box says there is none ("Consulte", "a combinar")
    if heading is not None and not candidates:
        # the ad's header: the heading's container, when it is a header and not the ad's text
        for anc in heading.xpath("ancestor::*[position() <= 2]")[::-1]:
            text = text_of(anc)
            if len(text) > 300 or anc.xpath(".//p"):
                break
            m = _AMOUNT.search(text)
            if m:
                return m.group(0)
    return None


_PLACE_MARKS = (
    "//address | //*[@itemprop='address' or @itemprop='addressLocality' or @itemprop='jobLocation'"
    " or contains(translate(@class, 'LOCATIN', 'locatin'), 'location')"
    " or contains(translate(@class, 'ADRES', 'adres'), 'address')"
    " or contains(translate(@class, 'LOCALITY', 'locality'), 'locality')"
    " or contains(@class, 'localiza') or contains(@class, 'ubicacion')"
    " or contains(@data-testid, 'location') or contains(@data-testid, 'address')]"
)


def find_location(sel: Selector, heading: Selector | None, url: str) -> str | None:
    """The place an element marked as an address or location nearest the heading names."""
    for node in near_heading(sel, heading, list(sel.xpath(_PLACE_MARKS)[:200])):
        if _inside_other_ad_link(node, url):
            continue
        text = strip_label(text_of(node))
        if plausible_place(text) and not field_of_label(text):
            return text
    return None


def strip_label(text: str) -> str:
    """ "Ubicación: Málaga" -> "Málaga": an element's text without its own label."""
    label, sep, value = text.partition(":")
    if sep and value.strip() and field_of_label(label):
        return value.strip()
    return text


_TITLE_PLACE = re.compile(
    r"\(([^()]{2,60})\)\s*$"  # "... - $480 (Springfield, IL)"
    r"|\b(?:in|en|em|à|w|ve|во?|в)\s+([A-ZÀ-ÖØ-ÞĀ-ſА-ЯІЇЄ][^()|]{1,80})$"
)


def plausible_place(text: str | None) -> bool:
    """A short name of a place, not a sentence, a notice or a model number."""
    if not text:
        return False
    tokens = text.split()
    named = [w for w in tokens if re.search(r"[^\W\d]", w)]
    if not 1 <= len(named) <= 10 or len(text) > 100:
        return False
    if re.search(r"[^\W\d]{4,}\.\s+\w", text) or _AMOUNT.search(text):
        return False
    long_words = [w for w in tokens if len(w) > 3 and re.match(r"[^\W\d]", w)]
    if not long_words and not re.search(r"[^\W\d]{2}", text):
        return False
    capitalized = [w for w in long_words if w[0].isupper()]
    if long_words and len(capitalized) * 2 < len(long_words):
        return False
    # "(JPO1715)", "(13th Gen)": codes, not places; an address may end with a postcode
    mixed = [w for w in tokens if re.search(r"\d", w) and re.search(r"[^\W\d]", w)]
    return not mixed or (len(tokens) >= 3 and mixed == tokens[-len(mixed) :])


def location_from_title(title: str) -> str | None:
    """The place a title ends with: "(City, ST)", "... in City", a comma-separated tail
    ("Flat, 20, Quarter, City")."""
    title = (title or "").strip()
    m = _TITLE_PLACE.search(title)
    if m:
        place = (m.group(1) or m.group(2) or "").strip(" -,")
        if plausible_place(place):
            return place
    parts = [p.strip() for p in title.split(",")]
    while len(parts) > 3 and re.search(r"\d", parts[-1]):
        parts.pop()  # a postcode
    if len(parts) >= 3:
        tail = ", ".join(p for p in parts[-2:] if p)
        if plausible_place(tail):
            return tail
    return None


def find_posted(sel: Selector, heading: Selector | None) -> str | None:
    """A publication date the page shows: ``<time>``, or a dated line near the heading."""
    times = near_heading(sel, heading, list(sel.xpath("//time[@datetime]")[:50]))
    if times:
        return times[0].attrib.get("datetime")
    for meta in (
        "article:published_time",
        "og:published_time",
        "datePublished",
        "date",
        "pubdate",
    ):
        value = sel.xpath(
            f"//meta[@property='{meta}' or @name='{meta}' or @itemprop='{meta}']/@content"
        ).get()
        if value and re.search(r"\d{4}", value):
            return value
    dated = []
    for el in sel.root.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "a", "option", "title"):
            continue
        own = (el.text or "") + " ".join(child.tail or "" for child in el)
        if 4 < len(own.strip()) < 160 and _POSTED_WORDS.search(own):
            dated.append(Selector(root=el))
            if len(dated) >= 200:
                break
    for node in near_heading(sel, heading, dated):
        text = " ".join((node.xpath("string()").get() or "").split())
        if len(text) < 160 and (_DATE_TEXT.search(text) or _RELATIVE_DATE.search(text)):
            return text
    return None


def find_employer(sel: Selector, heading: Selector | None, url: str) -> str | None:
    """The employer an element marked as company or employer nearest the heading names."""
    nodes = sel.xpath(
        "//*[@itemprop='hiringOrganization' or contains(@class, 'company') or"
        " contains(@class, 'employer') or contains(@class, 'empresa') or"
        " contains(@data-testid, 'company') or contains(@class, 'recruiter')]"
    )[:200]
    for node in near_heading(sel, heading, list(nodes)):
        text = strip_label(text_of(node))
        if 2 <= len(text) <= 100 and re.search(r"[^\W\d]{2}", text):
            return text
    return None


def is_expired(sel: Selector) -> bool:
    """A closed or expired ad: the page says so in its header or main text."""
    texts = sel.xpath(
        "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"
        "[string-length(normalize-space()) > 8][string-length(normalize-space()) < 200]"
    ).getall()[:8000]
    return any(_EXPIRED.search(t) for t in texts)
