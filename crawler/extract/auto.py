"""``extract: auto`` on an ad page: each field from the strongest signal that has it.

Signals, strongest first: the ad's structured data (JSON-LD, microdata, inline script
state: crawler/extract/pagestate.py), the page's labelled values ("Location: London",
crawler/extract/labelled.py), then the page's layout: the ad's heading, the elements next to it
(an ad states its price, place and date in its header, near the title; related-ads boxes,
navigation and footers are not the ad: crawler/extract/autofields.py), and the main text
found by trafilatura. This module chooses the title and the body and fills the ad.

Pure functions over a parsel ``Selector``; :func:`crawler.extract.ads.extract_detail` calls
:func:`fill_auto` for ``extract: auto`` and for the fields a source's selectors missed.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any
from urllib.parse import urlparse

from parsel import Selector

from crawler.extract.autofields import (
    find_employer,
    find_location,
    find_posted,
    find_price_text,
    location_from_title,
    plausible_place,
)
from crawler.extract.labelled import fold, labelled_fields
from crawler.extract.pagechrome import is_chrome, text_of
from crawler.extract.pagetext import agreement, element_text, html_to_text, words

#: characters of text handed to trafilatura (a page's main text is far shorter)
MAX_MAIN_TEXT_HTML = 3_000_000

_TITLE_SEPARATORS = re.compile(r"\s+[|•·»›>–—-]\s+|\s*[|•·»›]\s*|\s+[:–—]\s+")
_MOSTLY_ID = re.compile(r"^[\W_]*(?:[A-Za-z]{0,4}[-_ ]?)?\d[\d\W_]*$")


# ---------------------------------------------------------------- title


def site_words(sel: Selector, url: str) -> set[str]:
    """Folded words that name the site: its domain label and ``og:site_name``."""
    words: set[str] = set()
    host = urlparse(url).hostname or ""
    labels = [x for x in host.split(".") if x not in ("www", "m")]
    if len(labels) >= 2:
        # the registrable name: example in example.com, example.co.uk, example.com.br
        name = labels[-3] if len(labels) >= 3 and len(labels[-2]) <= 3 else labels[-2]
        words.add(fold(name))
    site_name = sel.css('meta[property="og:site_name"]::attr(content)').get()
    if site_name:
        words.add(fold(site_name))
    return {w for w in words if w}


def clean_page_title(title: str, site: set[str]) -> str:
    """A ``<title>`` or ``og:title`` without the site's name and trailing ids."""
    title = " ".join((title or "").split())
    if not title:
        return ""
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p and p.strip()]
    if len(parts) <= 1:
        return title
    kept = []
    for part in parts:
        folded = fold(part).replace(" ", "")
        if any(s.replace(" ", "") in folded or folded in s.replace(" ", "") for s in site):
            continue
        if _MOSTLY_ID.match(part.strip()):
            continue
        kept.append(part.strip())
    if not kept:
        return title
    # the separators inside the ad's own title ("Flat - Vila Ema") are kept
    start = title.find(kept[0])
    end = title.rfind(kept[-1]) + len(kept[-1])
    return title[start:end].strip() if 0 <= start < end else " ".join(kept)


def page_titles(sel: Selector, url: str, structured: dict[str, Any]) -> list[str]:
    """The titles the page gives itself: structured name, ``og:title``, ``<title>``."""
    site = site_words(sel, url)
    out = []
    for value in (
        structured.get("name") or structured.get("title") or structured.get("headline"),
        sel.css('meta[property="og:title"]::attr(content)').get(),
        sel.css('meta[name="twitter:title"]::attr(content)').get(),
        sel.xpath("//title/text()").get(),
    ):
        if isinstance(value, str) and value.strip():
            cleaned = clean_page_title(value, site)
            if cleaned and cleaned not in out:
                out.append(cleaned)
    return out


def ad_heading(sel: Selector) -> Selector | None:
    """The ad's heading element: the first ``<h1>`` outside page chrome, if any."""
    for h1 in sel.xpath("//h1")[:10]:
        if text_of(h1) and not is_chrome(h1):
            return h1
    return None


def choose_title(sel: Selector, url: str, structured: dict[str, Any]) -> tuple[str, Any]:
    """The ad's title and the element it was read from (None for metadata)."""
    titles = page_titles(sel, url, structured)
    heading = ad_heading(sel)
    named = _title_element(sel, titles)
    if heading is not None:
        text = text_of(heading)
        folded = fold(text)
        for title in titles:
            ft = fold(title)
            # the heading ends the page's title (the address of a flat whose title names
            # the flat too): the whole title says more
            if ft.endswith(folded) and len(folded) < 0.6 * len(ft) and len(words(ft)) <= 20:
                return title, heading
            # the heading runs on into the ad's header (price, rooms): the title is cleaner
            if len(folded) > 1.6 * len(ft) and words(folded)[:3] == words(ft)[:3]:
                return title, heading
        if not titles or agreement(text, titles) >= 0.25:
            return text, heading
        if named is not None:
            return text_of(named), named
        return text, heading
    if named is not None:
        return text_of(named), named
    return (titles[0] if titles else ""), None


def _title_element(sel: Selector, titles: list[str]) -> Selector | None:
    """An element named as the title whose text the page's own title carries."""
    if not titles:
        return None
    for node in sel.xpath(
        "//body//*[contains(@class, 'title') or contains(@id, 'title')]"
        "[not(self::title or self::meta or self::script or self::h1)]"
    )[:200]:
        text = text_of(node)
        if 2 <= len(text) <= 200 and agreement(text, titles) >= 0.9 and not is_chrome(node):
            return node
    return None


def strip_employer(title: str, employer: str | None) -> str:
    """ "Acme Ltd Maths Tutor" -> "Maths Tutor" when Acme Ltd is the employer."""
    if not employer or not title:
        return title
    ft, fe = fold(title), fold(employer)
    if fe and ft.startswith(fe) and len(ft) > len(fe) + 2:
        rest = title[len(employer) :].lstrip(" :-–—|,")
        if len(rest) >= 3 and fold(rest) == ft[len(fe) :].lstrip(" :-–—|,"):
            return rest
    return title


# ---------------------------------------------------------------- body


def is_teaser(description: str, main: str) -> bool:
    """A description cut short: "…" at its end, a short summary of a much longer main
    text, or the start of it."""
    d = " ".join(description.split())
    if not d:
        return True
    if d.endswith(("...", "…")) or "..." in d[-40:] or "…" in d[-40:]:
        return True
    if len(d) < 300 and len(main) > 2 * len(d):
        return True
    head = fold(d)[:80]
    return len(main) > len(d) * 1.3 and bool(head) and head in fold(main)


def main_content(html: str, url: str) -> str:
    """The page's main text by trafilatura (precision settings), or ""."""
    if not html or len(html) > MAX_MAIN_TEXT_HTML:
        return ""
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - trafilatura is a dependency
        return ""
    try:
        text = trafilatura.extract(
            html,
            url=url if url.startswith("http") else None,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
        )
    except Exception:
        return ""
    return text or ""


def locate_description(sel: Selector, description: str) -> tuple[str, str]:
    """The page's own text of a structured description and the tag of the element that
    holds it: where its opening words stand, widened until it holds as much text as the
    description; ``("", "")`` when the page does not show it."""
    words = description.split()
    if len(" ".join(words[:6])) < 20:
        return "", ""
    needle = fold(" ".join(words[:6]).rstrip(".…"))
    found = None
    for el in sel.root.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "title", "meta"):
            continue
        if el.text and needle in fold(el.text):
            found = el
            break
    if found is None:
        return "", ""
    node = Selector(root=found)
    text = element_text(node)
    while len(text) < 0.9 * len(description):
        parent = node.root.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        wider = element_text(Selector(root=parent))
        if len(wider) > 1.2 * len(description) + 50:
            break  # the parent holds more than the description: the ad's header, the page
        node, text = Selector(root=parent), wider
    return text, node.root.tag


_CITY_REGION = re.compile(r"^[^\W\d][^,]{1,40},\s*[A-Z]{2,3}$")


def title_remainder(sel: Selector, title: str, site: set[str]) -> list[str]:
    """The parts of the page's ``<title>``/``og:title`` besides the ad's own title, in
    order ("New York, NY", "Bloomberg Careers"): job boards put the place and the employer
    there."""
    ft = fold(title)
    if len(ft) < 4:
        return []
    best: list[str] = []
    for raw in (
        sel.css('meta[property="og:title"]::attr(content)').get(),
        sel.xpath("//title/text()").get(),
    ):
        whole = " ".join((raw or "").split())
        at = fold(whole).find(ft)
        if at < 0 or len(whole) != len(fold(whole)):
            continue
        rest = (whole[:at] + " | " + whole[at + len(ft) :]).strip()
        parts = [p.strip(" -–—|:•") for p in _TITLE_SEPARATORS.split(rest)]
        parts = [p for p in parts if p and not _MOSTLY_ID.match(p)]
        if len(parts) > len(best):
            best = parts
    if best:
        return best
    return []


class _Page:
    """What several fields need, worked out once and only when asked for."""

    def __init__(self, sel: Selector, url: str, raw: Any, structured: dict[str, Any]):
        self.sel, self.url, self.raw, self.structured = sel, url, raw, structured

    @cached_property
    def labelled(self) -> dict[str, str]:
        return labelled_fields(self.sel)

    @cached_property
    def title_and_heading(self) -> tuple[str, Any]:
        return choose_title(self.sel, self.url, self.structured)

    @cached_property
    def heading(self) -> Selector | None:
        return ad_heading(self.sel)

    @cached_property
    def rest(self) -> list[str]:
        if self.raw.kind != "job":
            return []
        return title_remainder(self.sel, self.title_and_heading[0], site_words(self.sel, self.url))


def fill_auto(
    sel: Selector,
    url: str,
    raw: Any,
    structured: dict[str, Any],
    html: str | None = None,
    fields: tuple[str, ...] | None = None,
) -> None:
    """Fill ``raw``'s empty fields (or only ``fields``) from the page; ``html`` is the
    page's markup for the main-text extractor (serialized from ``sel`` when not given)."""

    def wanted(name: str) -> bool:
        return (fields is None or name in fields) and not getattr(raw, name)

    page = _Page(sel, url, raw, structured)
    if wanted("employer"):
        rest = page.rest
        raw.employer = (
            page.labelled.get("employer")
            or find_employer(sel, page.heading, url)
            or (rest[-1] if rest and not _CITY_REGION.match(rest[-1]) else None)
        )
    if wanted("title"):
        raw.title = strip_employer(page.title_and_heading[0], raw.employer) or None
    has_structured_price = raw.price or "baseSalary" in structured
    if (wanted("price") and not has_structured_price) or (
        fields is None and _bare_number(raw.price)
    ):
        page_price = find_price_text(sel, page.heading, url) or page.labelled.get("price")
        if not raw.price or _same_sum(raw.price, page_price):
            raw.price = page_price or raw.price
    if fields is None and raw.location:
        # structured data may give the street alone; the page's address line says more
        shown = find_location(sel, page.heading, url)
        if shown and len(shown) > len(raw.location) and fold(raw.location) in fold(shown):
            raw.location = shown
    if wanted("location"):
        candidates = (
            lambda: page.labelled.get("location"),
            lambda: find_location(sel, page.heading, url),
            lambda: next((p for p in page.rest if _CITY_REGION.match(p)), None),
            lambda: location_from_title(raw.title or page.title_and_heading[0]),
        )
        raw.location = next((c for c in (f() for f in candidates) if plausible_place(c)), None)
    if wanted("posted"):
        raw.posted = page.labelled.get("posted") or find_posted(sel, page.heading)
    if wanted("contact") and page.labelled.get("contact"):
        raw.contact = page.labelled["contact"]
    if wanted("body"):
        if html is None:
            html = sel.get()
        raw.body = choose_body(sel, url, structured, html) or None


def _bare_number(text: str | None) -> bool:
    """A price without any currency (structured data often gives just the number)."""
    return bool(text) and re.fullmatch(r"[\d.,\s]+", text or "") is not None


def _same_sum(bare: str | None, page_price: str | None) -> bool:
    from crawler.extract.prices import parse_price

    if not bare or not page_price:
        return False
    try:
        amount = float(bare.replace(",", "").replace(" ", ""))
    except ValueError:
        return False
    found = parse_price(page_price, None)[0]
    return found is not None and abs(found - amount) <= 0.01 * max(amount, 1)


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b")


def choose_body(sel: Selector, url: str, structured: dict[str, Any], html: str) -> str:
    """The ad's own text: a full structured description, else the page's text of it, else
    the main content trafilatura finds."""
    description = structured.get("description") or structured.get("articleBody")
    description = description if isinstance(description, str) else ""
    if description and "<" in description:
        description = html_to_text(description)
    main = main_content(html, url)
    if structured.get("syntax") == "opengraph" and len(main) > len(description):
        return main  # OpenGraph descriptions are teasers for link previews
    located, tag = locate_description(sel, description) if description else ("", "")
    shown = bool(located) and len(located) >= 0.9 * len(description)
    # the page's own text of the description: full, and with the page's accents and breaks
    full = located if shown else description
    if shown and tag not in _HEADINGS and not full.endswith(("...", "…")):
        return full  # the page shows it whole as the ad's text, not as a heading's summary
    if full and not is_teaser(full, main):
        return full
    if main and (len(main) > len(full) or fold(" ".join(full.split()[:6])) in fold(main)):
        return main
    return full or main
