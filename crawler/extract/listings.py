"""Listing pages: is a page a list of ads, and which links are its ads.

Pure functions over a parsel ``Selector``, used by the listing spider (through
:func:`crawler.extract.ads.extract_listing`) when a source gives no ``links`` selector,
and by detail-page extraction to refuse a listing taken for an ad. No site is known here;
only the shape of the page decides.

- **Ad links** come from the page's repeated card structure (:mod:`crawler.extract.cards`);
  the next page from :mod:`crawler.extract.pagination`.
- **Page type.** A JSON-LD ``ItemList`` or several ads' structured data, or a search heading
  saying it found nothing, make a listing. Otherwise the best list must be strong (many
  distinct ad-like card links outside related boxes) and is weighed with what else the page
  shows: the share of the page's text inside the list, pagination, a result count ("1.492
  ofertas", "1 - 120 of 3,000"), a search address; a list whose links share the page's own
  address shape (an ad among its sibling ads) counts against it.

Everything is read once per page (cached under the page's root element, never keeping the
page alive) and costs milliseconds.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector

from crawler.extract.cards import MIN_LIST_SCORE, ListCandidate, read_page
from crawler.extract.pagelinks import flat_text
from crawler.extract.pagination import read_pagination
from crawler.extract.urlshape import page_shape, split_url

_RESULT_COUNT = re.compile(
    r"\d[\d.,\s]*\s*(\+\s*)?(results?|resultados?|risultati|r[ée]sultats?|ergebnisse|treffer|"
    r"wynik[óo]w|wyniki|v[yý]sledk[ůu]|ads|anuncios|an[uú]ncios|annunci|annonces|anzeigen|"
    r"og[łl]osze[nń]|inzer[aá]t[ůu]?|listings|properties|propiedades|inmuebles|im[oó]veis|"
    r"immobili|biens|jobs|vacancies|ofertas|empleos|vagas|offres|stellen(angebote)?|"
    r"nab[ií]d(ek|ky)|pracovn[ií]ch|ofert|offerte|oportunidades|avisos|clasificados|"
    r"annonser|stillinger|treff|объявлени\w*|оголошен\w*|вакансі\w*|ваканси\w*)\b",
    re.I,
)

# "1 - 120 of 10,000", "21–40 de 1.492", "Página 1 de 100"
_RANGE_COUNT = re.compile(
    r"\b\d[\d.,]*\s*[-–—]\s*\d[\d.,]*\s+(of|de|di|von|sur|z|ze|из|з|av|af|van)\s+[>+]?\s*\d"
    r"|\b(page|p[aá]gina|seite|strona|str[aá]nka|side|sida|pagina)\s+\d+\s+"
    r"(of|de|di|von|z|ze|/|av|af|sur)\s+\d",
    re.I,
)
# a search that found nothing is still a page of results ("Nie znaleziono ogłoszeń")
_NO_RESULTS = re.compile(
    r"\bno (results?|matches|ads|listings|jobs|offers|properties)\b|"
    r"\b0 (results?|resultados?|ads)\b|nothing (was )?found|couldn.t find any|sin resultados|"
    r"no (se )?(encontr\w+|hay) (resultados|anuncios|ofertas|avisos|inmuebles|propiedades)|"
    r"nenhum (resultado|an[uú]ncio|im[oó]vel|vaga)|sem resultados|n[aã]o encontramos|"
    r"aucun(e)? (r[ée]sultat|annonce|offre)|keine (ergebnisse|treffer|anzeigen|angebote)|"
    r"nie znaleziono|brak (wynik[oó]w|og[łl]osze[nń]|ofert)|"
    r"[žz][aá]dn[eé] (v[yý]sledky|inzer[aá]ty|nab[ií]dky)|nenalezen|nessun (risultato|annuncio)|"
    r"ничего не найдено|нет объявлений|нічого не знайдено|"
    r"ingen (treff|resultater|annonser)",
    re.I,
)
_SEARCH_PATH = re.compile(
    r"(^|/)(search|busca|buscar|pesquisa|suche|recherche|szukaj|hledat|hledani|zoeken|cerca|"
    r"ricerca|results?|resultados|resultats|ergebnisse)(/|$|\.)",
    re.I,
)
_SEARCH_KEYS = re.compile(r"^(q|query|keywords?|search|searchterm|search_query|busca|term)$", re.I)


def guess_ad_links(sel: Selector, url: str) -> list[str]:
    """The page's main list of ads: links of one URL shape in repeated item structures
    (nothing when no list is strong enough: menus, footers and lone links are not ads)."""
    return list(read_page(sel, url).links)


def looks_like_listing(sel: Selector, url: str) -> bool:
    """Whether the page is a list of ads rather than one ad."""
    return listing_evidence(sel, url)["listing"]


def listing_evidence(sel: Selector, url: str) -> dict[str, Any]:
    """What :func:`looks_like_listing` weighs, for ``adwatch extract`` and tests."""
    root = sel.root
    out: dict[str, Any] = {"listing": False, "points": 0}
    if not hasattr(root, "iter"):
        return out
    reading = read_page(sel, url)
    if len(reading.itemlist) >= 3 and reading.ad_objects != 1:
        out.update(listing=True, why="JSON-LD ItemList")
        return out
    if reading.ad_objects >= 3:
        out.update(listing=True, why="structured data of several ads")
        return out
    best = reading.best
    if (best is None or best.score < 10) and _says_no_results(root):
        out.update(listing=True, why="a search without results")
        return out
    if best is None or best.score < MIN_LIST_SCORE:
        out["why"] = "no list of ads"
        return out
    share = _text_share(root, best)
    same = _page_shaped(url, best.links)
    pages = _has_pagination(sel, url)
    count = _announces_count(root, best)
    points = (best.score >= 4) + 2 * (best.score >= 10)
    points += 1 if share >= 0.35 else (-1 if share < 0.12 else 0)
    searched = _search_address(url)
    points += pages + count + searched
    points -= 3 * same
    out.update(
        listing=points >= 2,
        points=points,
        score=round(best.score, 2),
        links=len(best.links),
        share=round(share, 2),
        pagination=pages,
        result_count=count,
        search_address=searched,
        same_shape_as_page=same,
    )
    return out


_SKIP_TEXT = (
    "[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)


_HIDDEN = ("script", "style", "noscript", "template")


def _visible_len(el: Any) -> int:
    """Characters of visible text (whitespace not counted) under an element."""
    try:
        n = sum(map(len, el.text_content().split()))
        for hidden in el.iter(*_HIDDEN):
            n -= sum(map(len, hidden.text_content().split()))
    except (AttributeError, ValueError):
        return 0
    return max(0, n)


def _text_share(root: Any, best: ListCandidate) -> float:
    """The share of the page's visible text that sits in the list's items."""
    body = root.find("body") if hasattr(root, "find") else None
    total = _visible_len(body if body is not None else root)
    inside = sum(_visible_len(item) for item, _ in best.elements)
    return inside / total if total else 0.0


def _page_shaped(url: str, links: list[str]) -> bool:
    """Whether the page's own address has the shape of the list's links: an ad page among
    its sibling ads (related, more from the seller), not a page of results."""
    path = split_url(url).path
    if not path.strip("/") or not links:
        return False
    own = page_shape(path)
    same = sum(1 for u in links if page_shape(urlsplit(u).path) == own)
    return same >= max(2, len(links) // 2)


def _has_pagination(sel: Selector, url: str) -> bool:
    for el in sel.root.iter("link", "a"):
        if "next" in (el.get("rel") or "").lower().split() and el.get("href"):
            return True
    pagination = read_pagination(sel, url)
    return bool(pagination and len(pagination.numbers) >= 2 and pagination.current)


def _says_no_results(root: Any) -> bool:
    heads = " ".join(flat_text(h) for h in root.iter("h1", "h2", "h3"))[:3000]
    return bool(_NO_RESULTS.search(heads))


def _search_address(url: str) -> bool:
    """An address that names a search or a list: ``/search``, ``/busca``, ``?q=``."""
    parts = split_url(url)
    if _SEARCH_PATH.search(parts.path):
        return True
    return any(_SEARCH_KEYS.match(k) and v.strip() for k, v in parse_qsl(parts.query))


def _announces_count(root: Any, best: ListCandidate) -> bool:
    """A result count ("1.492 ofertas", "6 Vagas", "689 nabídek") in the title, the
    headings, or the text just before the list."""
    heads = " ".join(flat_text(h) for h in root.iter("title", "h1", "h2"))[:2000]
    if _RESULT_COUNT.search(heads) or _RANGE_COUNT.search(heads):
        return True
    first = best.elements[0][0] if best.elements else None
    if first is None:
        return False
    before = first.xpath("preceding::text()" + _SKIP_TEXT)
    tail = " ".join(" ".join(t.split()) for t in before[-60:])[-1500:]
    return bool(_RESULT_COUNT.search(tail) or _RANGE_COUNT.search(tail))
