"""The next results page of a listing.

An ``<a rel=next>``; a ``<link rel=next>`` (the page's own pagination link to the same
page number when it shows one); a link whose text, ``aria-label`` or ``title`` says
*next* in one of many languages, or a lone forward arrow, or an icon classed as next;
then the numbered pagination block: the link numbered current page + 1 (the current page
read from the block's marked or unlinked number, or from the address: ``page=2``,
``/page/2/``, ``-pagina-2``). Previous, first and last-page links (words, or », >>
alone) never count, and a "next" that skips pages or leads to another address without a
page number (the next *ad*) is refused. Pure functions over a parsel ``Selector``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

from crawler.extract.pagelinks import Anchor, PageLinks, ancestors, base_url, page_links
from crawler.extract.urlshape import site_of, split_url

_NEXT_WORDS = (
    r"next|siguiente|sig\.?|pr[oó]xim[ao]|seguinte|suivante?|weiter|n[aä]chste|"
    r"nast[eę]pn[aey]|dalej|volgende|successiv[ao]|avanti|neste|n[aä]sta|n[æe]ste|seuraava|"
    r"dal[sš][ií]|n[aá]sleduj[ií]c[ií]|[dď]al[sš]ia|nasleduj[uú]ca|k[öo]vetkez[őo]|"
    r"urm[aă]toarea|sonraki|далее|следующая|вперед|вперёд|наступна|далі|επόμενη|次へ|下一页|下一頁|다음"
)
_PREV_WORDS = (
    r"prev|previous|anterior|pr[eé]c[eé]dente?|zur[uü]ck|vorherige|poprzedni[aey]?|"
    r"p[rř]edchoz[ií]|forrige|f[oö]reg[aå]ende|vorige|edellinen|предыдущая|назад|попередня|"
    r"first|primer[ao]?|primeir[ao]|premi[eè]re?|erste|pierwsz[aey]|prvn[ií]|prima"
)
_LAST_WORDS = (
    r"last|[uú]ltim[ao]|derni[eè]re?|letzte|ostatni[aey]?|posledn[ií]|siste|sista|viimeinen|"
    r"последняя|остання|end|fim|fin"
)
_NEXT_RE = re.compile(rf"(?<![\w-])({_NEXT_WORDS})(?![\w-])", re.I)
_PREV_RE = re.compile(rf"(?<![\w-])({_PREV_WORDS})(?![\w-])", re.I)
_LAST_RE = re.compile(rf"(?<![\w-])({_LAST_WORDS})(?![\w-])", re.I)
_NEXT_ARROW = re.compile(r"^\s*(›|→|>|▶|►|❯|⟩|〉|⇾|⟶|>\s*)\s*$")
_LAST_ARROW = re.compile(r"^\s*(»|>>|>\|\s*|⇥|⏭|»\|)\s*$")
_BACK_ARROW = re.compile(r"^\s*(‹|←|<|◀|◄|❮|⟨|〈|«|<<|\|<|⏮)\s*$")
# "more results" style buttons that lead to the next page of the same list
_MORE_RE = re.compile(
    r"^\s*(more|m[aá]s|mais|plus d'|plus de|mehr|wi[eę]cej|v[ií]ce|altri|flere)\s*"
    r"(results?|ads|listings|jobs|offers|anuncios|anúncios|ofertas|vagas|empleos|resultados|"
    r"im[oó]veis|inmuebles|annonces|offres|anzeigen|ergebnisse|ogłoszeń|ofert|inzerát[ůu]|"
    r"nabídek|annunci|risultati|annonser)\s*[›»>→]?\s*$",
    re.I,
)
_CLASS_NEXT = re.compile(
    r"(^|[-_\s])(next|nextpage|next-page|pagination-next|arrow-?right|chevron-?right)($|[-_\s])",
    re.I,
)
_CLASS_PREV = re.compile(
    r"(^|[-_\s])(prev|previous|back|first|last|arrow-?left|chevron-?left)($|[-_\s])", re.I
)


_PAGE_KEYS = (
    "page|pagina|página|pag|pg|p|paged|pn|pageno|pagenum|page_num|pagenumber|page_number|"
    "currentpage|current_page|seite|strona|stranka|strana|side|sida|sivu|pagina_actual"
)
_PAGE_QUERY = re.compile(rf"^({_PAGE_KEYS})$", re.I)
_PAGE_PATH = re.compile(
    r"(?:^|/|[-_])(?:page|pagina|p[aá]gina|pag|seite|strona|strana|side|sida)[-_/]?(\d{1,5})(?=$|[/._-])"
    r"|/p(\d{1,5})(?=$|/)",
    re.I,
)
_PAGE_WORD = re.compile(
    r"^\s*(?:(?:page|p[aá]gina|pag\.?|seite|strona|str\.?|str[aá]nka|strana|side|sida|sivu|"
    r"go to page|ir a la p[aá]gina|ir para a p[aá]gina|p[rř]ej[ií]t na str[aá]nku)\s*)?"
    r"(\d{1,4})\s*(?:\((?:current|actual|atual|aktuální)\)|\(\w+\))?\s*$",
    re.I,
)
_CURRENT_CLASS = re.compile(
    r"(^|[-_\s])(current|active|selected|is-?active|actual|atual|aktiv|on)($|[-_\s])", re.I
)


def page_number(url: str) -> int | None:
    """The results page a URL names (``?page=3``, ``/page/3/``, ``-pagina-3.html``), if any."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    for key, value in parse_qsl(parts.query):
        if _PAGE_QUERY.match(key) and value.isdigit():
            return int(value)
    found = _PAGE_PATH.findall(parts.path)
    if found:
        last = found[-1]
        return int(last[0] or last[1])
    return None


def _says_next(text: str) -> bool:
    """Words for "next" and none for previous, first or last ("Siguiente »", not "Última »")."""
    return bool(
        text and _NEXT_RE.search(text) and not _PREV_RE.search(text) and not _LAST_RE.search(text)
    )


def _says_back(text: str) -> bool:
    """Previous, first or last page: by word or by arrow (», >> alone are the last page)."""
    return bool(
        text
        and (
            _PREV_RE.search(text)
            or _LAST_RE.search(text)
            or _BACK_ARROW.match(text)
            or _LAST_ARROW.match(text)
        )
    )


def _next_words(anchors: list[Anchor]) -> list[tuple[int, Anchor]]:
    """Links that say "next": (strength, anchor), words before arrows before classes.
    A label that says next wins over the arrow it shows (``aria-label="Next"`` on »)."""
    out = []
    for a in anchors:
        text, label = a.text, a.label
        if len(text) > 40:
            continue
        label_next = _says_next(label) and (not _says_back(text) or _LAST_ARROW.match(text))
        if (_says_next(text) and len(text) <= 30) or label_next:
            out.append((3, a))
        elif _says_back(text) or _says_back(label):
            continue
        elif _NEXT_ARROW.match(text):
            out.append((2, a))
        elif _MORE_RE.match(text):
            out.append((1, a))
        elif not text.strip(" \u00a0"):
            # an icon-only link: its (or its icon's) class says next
            if _CLASS_NEXT.search(a.cls) and not _CLASS_PREV.search(a.cls):
                out.append((2, a))
    return out


def _number_of(a: Anchor) -> int | None:
    m = _PAGE_WORD.match(a.text)
    if m:
        return int(m.group(1))
    if not a.text.strip() and a.label:
        m = re.search(r"(\d{1,4})\s*$", a.label)
        if m and re.search(r"page|p[aá]gina|seite|strona|str[aá]nk", a.label, re.I):
            return int(m.group(1))
    return None


@dataclass
class Pagination:
    """The numbered pagination block of a page, read."""

    current: int | None
    numbers: dict[int, str]  # page number -> URL
    container: Any = None


def _is_marked_current(el: Any, stop: Any) -> bool:
    for node in ancestors(el, 4):
        if node.get("aria-current") not in (None, "false") or node.get("selected") is not None:
            return True
        if _CURRENT_CLASS.search(node.get("class") or ""):
            return True
        if node is stop:
            break
    return False


def _block_score(members: list[tuple[Anchor, int]]) -> float:
    """How much a group of numbered links looks like pagination: a run of consecutive
    numbers, whose URLs carry the same numbers."""
    nums = sorted({n for _, n in members})
    run = best = 1
    for a, b in zip(nums, nums[1:], strict=False):
        run = run + 1 if b == a + 1 else 1
        best = max(best, run)
    agree = sum(1 for a, n in members if page_number(a.url) == n)
    return best + agree / 2


def read_pagination(sel: Selector, url: str) -> Pagination | None:
    """The numbered pagination block of the page, if it has one (cached per page)."""
    page = page_links(sel, url)
    if page.pagination is False:
        page.pagination = _read_pagination(page)
    return page.pagination


def _read_pagination(page: PageLinks) -> Pagination | None:
    url = page.url
    own = page.site
    numbered = [
        (a, n)
        for a in page.anchors
        if (n := _number_of(a)) is not None
        and (not own or site_of(urlsplit(a.url).hostname or "") == own)
    ]
    if not numbered:
        return None
    counts: dict[Any, int] = {}
    for a, _ in numbered:
        for anc in ancestors(a.el.getparent(), 8):
            counts[anc] = counts.get(anc, 0) + 1
    blocks: dict[Any, list[tuple[Anchor, int]]] = {}
    for a, n in numbered:
        box = next((anc for anc in ancestors(a.el.getparent(), 8) if counts[anc] >= 2), None)
        if box is not None:
            blocks.setdefault(box, []).append((a, n))
    if not blocks:
        return None
    box, members = max(blocks.items(), key=lambda kv: _block_score(kv[1]))
    numbers: dict[int, str] = {}
    current = None
    for a, n in members:
        if _is_marked_current(a.el, box):
            current = n
        else:
            numbers.setdefault(n, a.url)
    if current is None:
        # the current page is often a number that is not a link
        for el in box.iter():
            if not isinstance(el.tag, str) or el.tag == "a" or len(el):
                continue
            if any(anc.tag == "a" and anc.get("href") for anc in ancestors(el, 6)):
                continue
            m = re.fullmatch(r"\s*(\d{1,4})\s*", el.text or "")
            if m:
                current = int(m.group(1))
                break
    if current is None:
        current = page_number(url)
    if current is None and numbers and min(numbers) <= 2:
        current = 1
    return Pagination(current, numbers, box)


def _in_pager(el: Any, pagination: Pagination | None) -> bool:
    """Whether a link sits in the page's numbered pagination block."""
    if pagination is None or pagination.container is None:
        return False
    return any(anc is pagination.container for anc in ancestors(el, 8))


def _continues(candidate: str, here: Any) -> bool:
    """A link to the same list: the same path (another query), or the path plus ``/N``."""
    path = urlsplit(candidate).path
    own = here.path.rstrip("/")
    return path.rstrip("/") == own or bool(re.fullmatch(re.escape(own) + r"/\d{1,5}/?", path))


def guess_next_page(sel: Selector, url: str) -> str | None:
    """The next results page: ``rel=next``, a link saying "next", or current page + 1."""
    root = sel.root
    if not hasattr(root, "iter"):
        return None
    base = base_url(root, url)
    anchors = page_links(sel, url).anchors
    for a in anchors:
        if "next" in (a.el.get("rel") or "").lower().split():
            return a.url
    pagination = read_pagination(sel, url)
    current = pagination.current if pagination else page_number(url)
    by_number = pagination.numbers.get(current + 1) if pagination and current else None

    here = split_url(url)
    words = []
    for strength, a in _next_words(anchors):
        n = page_number(a.url)
        if n is None and not _continues(a.url, here) and not _in_pager(a.el, pagination):
            continue  # "next" to another path without a page number: the next ad, not page
        if n is not None and current is not None and n != current + 1:
            continue  # a "next" that skips pages is the last-page link or a block jump
        if n is not None and current is None and page_number(url) is None and n > 2:
            continue
        words.append((strength, a))
    words.sort(key=lambda sa: -sa[0])
    by_word = words[0][1].url if words else None

    head = None
    for link in root.iter("link"):
        if "next" in (link.get("rel") or "").lower().split() and (link.get("href") or "").strip():
            head = urljoin(base, link.get("href").strip()).split("#")[0]
            break
    if head:
        # the page's own pagination link to the same page, as the page writes it
        want = page_number(head)
        for cand in (by_word, by_number):
            if cand and (cand == head or (want is not None and page_number(cand) == want)):
                return cand
        return head
    return by_word or by_number
