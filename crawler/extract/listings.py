"""Listing pages: is a page a list of ads, which links are its ads, which is the next page.

Pure functions over a parsel ``Selector``, used by the listing spider (through
:func:`crawler.extract.ads.extract_listing`) when a source gives no ``links`` / ``next_page``
selectors, and by detail-page extraction to refuse a listing taken for an ad.

How a page is read (no site is known here; only the shape of the page decides):

- **Ad links.** Links to the page's own site (any subdomain of its registrable domain, by
  tldextract's bundled suffix list) are grouped by where they sit: each element holding links,
  with its siblings of the same tag under one parent, is a candidate list of *items* (cards,
  rows). Links are folded to a URL shape (ids and slugs folded; an id or slug in the last
  segment makes the category path before it irrelevant) and each list is read once per shape
  its items share. A list scores by its distinct links, how much they look like ad addresses
  (an id, a long slug, an id-carrying query key), how much its items look like ad cards (a
  title-length link text, an image, a price or a few lines of text), whether the link is each
  item's first (a card's own link, not its seller or salary link), and loses most of its weight
  inside page chrome (``nav``/``header``/``footer``/``aside``, menus, breadcrumbs, pagination)
  or in a box classed or headed as related / recommended / similar ads. The same list split
  over sibling containers is joined; a JSON-LD ``ItemList`` gives the list directly.
- **Next page.** An ``<a rel=next>``; a ``<link rel=next>`` (the page's own pagination link to
  the same page number when it shows one); a link whose text, ``aria-label`` or ``title`` says
  *next* in one of many languages, or a lone forward arrow, or an icon classed as next; then the
  numbered pagination block: the link numbered current page + 1 (the current page read from
  the block's marked or unlinked number, or from the address: ``page=2``, ``/page/2/``,
  ``-pagina-2``). Previous, first and last-page links (words, or », >> alone) never count, and
  a "next" that skips pages or leads to another address without a page number (the next *ad*)
  is refused.
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
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

from crawler.extract.schemaorg import AD_TYPES, jsonld_objects, schema_types

# ------------------------------------------------------------------ URLs


@lru_cache(maxsize=1)
def _extractor() -> Any:
    try:
        import tldextract
    except ImportError:  # pragma: no cover - Scrapy depends on it
        return None
    # offline: the public suffix list shipped with tldextract, nothing fetched or cached
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """The registrable domain of a host (``sp.olx.com.br`` -> ``olx.com.br``)."""
    host = (host or "").lower().split(":")[0].strip(".")
    if not host:
        return ""
    ex = _extractor()
    if ex is not None:
        parts = ex(host)
        domain = getattr(parts, "top_domain_under_public_suffix", None)
        if domain is None:
            domain = getattr(parts, "registered_domain", "")
        if domain:
            return domain
    if host.startswith("www."):
        host = host[4:]
    return host


_EXT = re.compile(r"^(.*?)\.([a-z0-9]{1,5})$", re.I)
_LONG_DIGITS = re.compile(r"\d{5,}")
_TOKEN = re.compile(r"[A-Za-z0-9_=+]{10,}")
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
_STATIC = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|avif|bmp|ico|pdf|zip|mp4|mp3|css|js|xml|json)$", re.I
)
_TRACKING_KEYS = re.compile(r"^(utm_|itl_|gclid|fbclid|ref$|source$|origin$|from$)", re.I)


def _split(url: str) -> Any:
    """``urlsplit`` that takes a malformed address for an empty one."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


@lru_cache(maxsize=8192)
def _is_token(s: str) -> bool:
    """An opaque id: a UUID, a long number, or a long token mixing letters and digits."""
    if _UUID.search(s) or _LONG_DIGITS.search(s):
        return True
    for tok in _TOKEN.findall(s):
        digits = sum(c.isdigit() for c in tok)
        if 2 <= digits < len(tok):
            return True
    return False


@lru_cache(maxsize=8192)
def _seg_class(seg: str) -> str:
    """One path segment folded: ``#`` number, ``*`` carries an id, ``~`` a slug, else the word."""
    m = _EXT.match(seg)
    stem, ext = (m.group(1), "." + m.group(2).lower()) if m else (seg, "")
    if stem.isdigit():
        return ("#" if len(stem) >= 4 else "n") + ext
    if _is_token(stem) or re.search(r"(^|[-_])\d{4,}($|[-_.])", stem):
        return "*" + ext
    if len(re.split(r"[-_+]", stem)) >= 3:
        return "~" + ext
    if re.search(r"\d", stem):
        return "*" + ext
    return stem.lower() + ext


def page_shape(path: str) -> str:
    """``/classifieds/ad/car-480934.html`` -> ``/classifieds/ad/*.html``: ids and slugs folded."""
    segs = [s for s in path.split("/") if s]
    if not segs:
        return "/"
    return "/" + "/".join(re.sub(r"^[#n]", "*", _seg_class(s)) for s in segs)


# query keys that name one thing by a number, however short (``ver.php?id=12``, ``?jk=...``)
_ID_KEYS = re.compile(
    r"^(id|\w*_id|\w*Id|ad|aid|item|job|jk|listing|offer|oferta|aviso|anuncio|codigo|cod|"
    r"post|pid|vid|adid|ref_id)$",
    re.I,
)


@lru_cache(maxsize=4096)
def _query_ids(query: str) -> tuple[str, ...]:
    """The query keys whose values name one thing: an opaque token, or a number under a key
    that says id."""
    return tuple(
        sorted(
            k
            for k, v in parse_qsl(query)
            if not _TRACKING_KEYS.match(k) and (_is_token(v) or (v.isdigit() and _ID_KEYS.match(k)))
        )
    )


def _loose_shape(parts: Any) -> tuple:
    """The shape links of one list share: depth, the last segment's kind, id-carrying keys."""
    segs = [s for s in parts.path.split("/") if s]
    last = _seg_class(segs[-1]) if segs else "/"
    # an id or a slug in the last segment names the ad whatever the category path before it
    if last[:1] in ("#", "*", "~"):
        return (-1, "*" + last[1:], _query_ids(parts.query))
    return (len(segs), last, _query_ids(parts.query))


def _id_like(parts: Any) -> bool:
    """Whether a URL names one thing: an id in its path or query, or a long slug."""
    segs = [s for s in parts.path.split("/") if s]
    for seg in segs:
        stem = _EXT.sub(r"\1", seg)
        if stem.isdigit() and len(stem) >= 4:
            return True
        if _is_token(stem) or re.search(r"(^|[-_])\d{4,}($|[-_.])", stem):
            return True
    if segs and len(re.split(r"[-_+]", _EXT.sub(r"\1", segs[-1]))) >= 4:
        return True
    return bool(_query_ids(parts.query))


# ------------------------------------------------------------------ words

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

# a list headed or classed as something else than the page's own results (class and id
# words: "related-ads", "similarListings", "recomendados", "people-also-viewed")
_RELATED_WORDS = re.compile(
    r"related|recommend|similar|suggest|relacionad|recomend|semelhant|parecid|sugerid|"
    r"[aä]hnlich|podobn|simil[ie]|upsell|crosssell|"
    r"(?:^| )(also (viewed|seen|like\w*|bought)|you may|more from|other (ads|offers|jobs)|"
    r"otros anuncios|outros anuncios|mas anuncios|mais anuncios)(?= |$)",
)
_RELATED_HEAD = re.compile(
    r"similar|related|recommend|you (may|might) (also )?like|also (viewed|like)|others also|"
    r"more (ads|jobs|listings|offers|properties) (from|like|by)|"
    r"semelhantes|similares|parecidos|relacionad|recomendad|sugerid|"
    r"te (puede|podr[ií]a)n? interesar|tamb[eé]m (podem|pode)|voc[eê] (tamb[eé]m )?pode gostar|"
    r"quem viu|outros an[uú]ncios|otros anuncios|annonces similaires|vous aimerez|"
    r"[aä]hnliche|das k[oö]nnte|annunci simili|potrebbe interessarti|podobne|mo[zż]e ci[eę]|"
    r"podobn[eé]|mohlo by|похожие|вам может|схожі|lignende|liknande|"
    r"(para|pra) (ti|vos|voc[eê]|usted)\b|for you\b|f[uü]r (dich|sie)\b|pour (toi|vous)\b|"
    r"dla ciebie|pro v[aá]s|per te\b",
    re.I,
)
_CHROME_WORDS = re.compile(
    r"(?:^| )(nav|navbar|navigation|menu|submenu|breadcrumbs?|pagination|pager|paging|footer|"
    r"cookies?|social|share|dropdown|sitemap|seo links?)(?= |$)"
)
_PRICE = re.compile(
    r"(R\$|US\$|U\$S|\$|€|£|¥|₲|₽|₴|₹|Gs\.?|zł|Kč|kr|USD|EUR|BRL|ARS|MXN|COP|CLP|PEN|UYU|"
    r"PYG|CZK|PLN|GBP|CHF|UAH|RUB|NOK|SEK|DKK)\s?\d"
    r"|\d[\d.,\s]*\s?(€|£|zł|Kč|kr|грн|руб|₽|₴|USD|EUR|BRL|GBP|PLN|CZK|NOK)",
    re.I,
)
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

# ------------------------------------------------------------------ reading the page


@dataclass
class _Link:
    el: Any
    url: str
    shape: tuple
    id_like: bool


@dataclass
class _Group:
    parent: Any
    tag: str
    items: dict = field(default_factory=dict)  # item element -> [ _Link ]


@dataclass
class ListCandidate:
    """One list of repeated items on a page and the links it holds."""

    links: list[str]
    items: int
    score: float
    id_like: float
    rich: float
    per_item: float
    chrome: bool
    related: bool
    shape: tuple
    parent: Any = None
    tag: str = ""
    elements: list = field(default_factory=list)
    lead: float = 1.0  # share of items whose first link is this one (a card's own link)


@dataclass
class PageReading:
    links: list[str]
    best: ListCandidate | None
    candidates: list[ListCandidate]
    itemlist: list[str]
    ad_objects: int


def _text(el: Any) -> str:
    try:
        return " ".join(el.text_content().split())
    except (AttributeError, ValueError):
        return ""


def _attr_text(el: Any) -> str:
    return " ".join((el.get(k) or "") for k in ("class", "id", "aria-label", "role", "data-testid"))


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9äöüáéíóúãõç]+")


def _attr_words(el: Any) -> str:
    """An element's class, id and label as lower-case words: ``similarAds__list`` ->
    ``similar ads list``."""
    return _NON_WORD.sub(" ", _CAMEL.sub(" ", _attr_text(el)).lower()).strip()


def _base_url(root: Any, url: str) -> str:
    base = root.xpath("//head/base/@href") if hasattr(root, "xpath") else []
    if base:
        return urljoin(url, base[0].strip())
    return url


@dataclass
class _Href:
    """One ``<a href>`` of the page, resolved once."""

    el: Any
    url: str  # absolute, without the fragment
    parts: Any
    raw: str


class _Page:
    """What is read once per page and shared by the functions below."""

    def __init__(self, root: Any, url: str):
        # the page is cached under its root element: holding the root here would keep
        # every page ever read alive
        try:
            self._root: Any = weakref.ref(root)
        except TypeError:  # not an element (a JSON selector): nothing to read anyway
            self._root = lambda: root
        self.url = url
        self.here = _split(url)
        self.site = site_of(self.here.hostname or "")
        self._hrefs: list[_Href] | None = None
        self._anchors: list[_Anchor] | None = None
        self.reading: PageReading | None = None
        self.pagination: Pagination | None | bool = False  # False: not read yet

    @property
    def root(self) -> Any:
        return self._root()

    @property
    def hrefs(self) -> list[_Href]:
        if self._hrefs is None:
            self._hrefs = _read_hrefs(self.root, self.url)
        return self._hrefs

    @property
    def anchors(self) -> list[_Anchor]:
        """Links a reader can follow to another page (for pagination)."""
        if self._anchors is None:
            here_key = (self.here.path.rstrip("/"), self.here.query)
            self._anchors = [
                _Anchor(h.el, h.url, _text(h.el), _label(h.el))
                for h in self.hrefs
                if not h.raw.endswith("#")  # an empty fragment: a script handles the click
                and (h.parts.path.rstrip("/"), h.parts.query) != here_key
            ]
        return self._anchors

    def same_site(self, parts: Any) -> bool:
        return not self.site or site_of(parts.hostname or "") == self.site


_PAGES: weakref.WeakKeyDictionary[Any, dict[str, _Page]] = weakref.WeakKeyDictionary()


def _page(sel: Selector, url: str) -> _Page:
    root = sel.root
    try:
        per_root = _PAGES.setdefault(root, {})
    except TypeError:
        per_root = {}
    page = per_root.get(url)
    if page is None:
        page = per_root[url] = _Page(root, url)
    return page


def _read_hrefs(root: Any, url: str) -> list[_Href]:
    if not hasattr(root, "iter"):
        return []
    base = _base_url(root, url)
    joined: dict[str, tuple[str, Any] | None] = {}
    out: list[_Href] = []
    for a in root.iter("a"):
        raw = (a.get("href") or "").strip()
        if not raw or raw.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        if raw not in joined:
            try:
                absu = urljoin(base, raw).split("#")[0]
                parts = urlsplit(absu)
                joined[raw] = (absu, parts) if parts.scheme in ("http", "https", "file") else None
            except ValueError:
                joined[raw] = None
        hit = joined[raw]
        if hit is not None:
            out.append(_Href(a, hit[0], hit[1], raw))
    return out


def _ad_candidates(page: _Page) -> list[_Link]:
    """Same-site links to other pages, not to files: what a list of ads may hold."""
    here = page.here
    page_key = (here.netloc.lower(), here.path.rstrip("/"), here.query)
    out: list[_Link] = []
    for h in page.hrefs:
        parts = h.parts
        if not page.same_site(parts):
            continue
        if (parts.netloc.lower(), parts.path.rstrip("/"), parts.query) == page_key:
            continue
        if _STATIC.search(parts.path):
            continue
        out.append(_Link(h.el, h.url, _loose_shape(parts), _id_like(parts)))
    return out


_MAX_ITEM_DEPTH = 16  # how far above its link an item (a card, a row) may start
MIN_LIST_SCORE = 1.5  # two distinct ad-like cards with titles; menus and footers score below


def _groups(links: list[_Link]) -> dict[tuple, _Group]:
    """Every (parent, tag) whose same-tag children hold links: the candidate lists."""
    groups: dict[tuple, _Group] = {}
    for link in links:
        el = link.el
        for _ in range(_MAX_ITEM_DEPTH):
            parent = el.getparent()
            if parent is None or el.tag in ("body", "html"):
                break
            key = (parent, el.tag)
            g = groups.get(key)
            if g is None:
                g = groups[key] = _Group(parent, el.tag)
            g.items.setdefault(el, []).append(link)
            el = parent
    return groups


def _ancestors(el: Any, limit: int = 60) -> Iterable[Any]:
    while el is not None and limit > 0:
        yield el
        el = el.getparent()
        limit -= 1


def _in_chrome(parent: Any) -> bool:
    for el in _ancestors(parent):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("nav", "footer", "header", "aside"):
            return True
        if (el.get("role") or "") in ("navigation", "banner", "contentinfo", "complementary"):
            return True
    for el in _ancestors(parent, 3):
        if _CHROME_WORDS.search(_attr_words(el)):
            return True
    return False


_HEADS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _heading_before(el: Any) -> str:
    """The text of the nearest heading before ``el`` among its preceding siblings."""
    sib = el.getprevious()
    hops = 0
    while sib is not None and hops < 4:
        if isinstance(sib.tag, str):
            if sib.tag in _HEADS or re.search(
                r"title|heading|header", sib.get("class") or "", re.I
            ):
                return _text(sib)[:120]
            heads = [h for h in sib.iter(*_HEADS)]
            if heads:
                return _text(heads[-1])[:120]
        sib = sib.getprevious()
        hops += 1
    return ""


def _is_related(parent: Any) -> bool:
    """A box of related / recommended / similar ads rather than the page's own results."""
    for depth, el in enumerate(_ancestors(parent, 5)):
        if depth <= 3 and _RELATED_WORDS.search(_attr_words(el)):
            return True
        head = _heading_before(el) if depth <= 3 else ""
        if head and _RELATED_HEAD.search(head):
            return True
        # a heading (or a short line) as the first child of the box
        first = next((c for c in el if isinstance(c.tag, str)), None)
        if depth <= 3 and first is not None and first.tag not in ("ul", "ol", "table"):
            line = _text(first)
            if len(line) <= 80 and _RELATED_HEAD.search(line):
                return True
    return False


def _link_text(link: _Link) -> str:
    a = link.el
    text = _text(a)
    if len(text) < 4:
        text = (a.get("title") or a.get("aria-label") or "").strip() or text
        if len(text) < 4:
            alts = [i.get("alt") or "" for i in a.iter("img")]
            text = max(alts, key=len) if alts else text
    return text


def _relpath(link: _Link, item: Any) -> tuple:
    """Where a link sits inside its item: the tags and first classes from the item down."""
    out = []
    el = link.el
    while el is not None and el is not item:
        out.append((el.tag, (el.get("class") or "").split()[:1]))
        el = el.getparent()
    return tuple((t, tuple(c)) for t, c in out)


def _evaluate(g: _Group, page_shape_: tuple | None) -> list[ListCandidate]:
    """The group read once per URL shape its items share (the three most common)."""
    if len(g.items) < 2:
        return []
    count: dict[tuple, int] = {}
    for links in g.items.values():
        for shape in {ln.shape for ln in links}:
            count[shape] = count.get(shape, 0) + 1
    shapes = sorted(count.items(), key=lambda kv: kv[1], reverse=True)[:3]
    out = []
    for shape, n in shapes:
        if n < 2:
            break
        c = _candidate(g, shape)
        if c is not None:
            out.append(c)
    return out


def _candidate(g: _Group, shape: tuple) -> ListCandidate | None:
    main: list[tuple[Any, list[_Link]]] = []
    positions: dict[tuple, int] = {}
    leading = 0
    for item, links in g.items.items():
        mine = [ln for ln in links if ln.shape == shape]
        if mine:
            main.append((item, mine))
            leading += links[0].shape == shape  # the item's first link: its own
            for pos in {_relpath(ln, item) for ln in mine}:
                positions[pos] = positions.get(pos, 0) + 1
    urls: dict[str, None] = {}
    kept: list[tuple[Any, list[_Link]]] = []
    for item, mine in main:
        if len({ln.url for ln in mine}) > 1:
            # several ads' worth of links in one item: keep the ones at the usual place
            best = max(positions.get(_relpath(ln, item), 0) for ln in mine)
            mine = [ln for ln in mine if positions.get(_relpath(ln, item), 0) == best]
        kept.append((item, mine))
        for ln in mine:
            urls.setdefault(ln.url, None)
    distinct = len(urls)
    if distinct < 2:
        return None
    if not shape[2] and len({urlsplit(u).path for u in urls}) == 1:
        return None  # one page with other parameters (photos, tabs, sort orders), not ads
    flat = [ln for _, ms in kept for ln in ms]
    return ListCandidate(
        links=list(urls),
        items=len(kept),
        score=0.0,
        id_like=sum(1 for ln in flat if ln.id_like) / len(flat),
        rich=0.0,
        per_item=distinct / len(kept),
        chrome=False,
        related=False,
        shape=shape,
        parent=g.parent,
        tag=g.tag,
        elements=kept,
        lead=leading / len(kept),
    )


def _richness(c: ListCandidate) -> float:
    """How much the items look like ad cards: each with a title-length link text (a caption
    in ``alt`` or ``title`` counts half: a gallery has those too), and an image, a price or
    a few lines of text."""
    titles = cards = 0.0
    for item, links in c.elements:
        text = _text(item)
        seen = max((_text(ln.el) for ln in links), key=len, default="")
        told = max((_link_text(ln) for ln in links), key=len, default="")
        title = max(
            1.0 if len(seen) >= 12 else (0.5 if len(seen) >= 6 else 0.0),
            0.5 if len(told) >= 12 else 0.0,
        )
        titles += title
        if (
            len(text) >= 80
            or item.tag == "img"
            or next(item.iter("img", "picture"), None) is not None
            or _PRICE.search(text)
        ):
            cards += 1
    n = max(1, len(c.elements))
    return (titles / n) * (0.5 + 0.5 * cards / n)


def _score(c: ListCandidate) -> float:
    s = len(c.links) * (0.15 + 0.85 * c.id_like) * (0.2 + 0.8 * c.rich)
    s *= 0.5 + 0.5 * c.lead  # a card's own link comes first; salary, seller links after
    s /= max(1.0, c.per_item) ** 2
    if c.chrome:
        s *= 0.1
    if c.related:
        s *= 0.15
    return s


# a listing's results are things for sale or hire; articles, events and services
# describe the page itself
_AD_TYPES = AD_TYPES - {"Article", "NewsArticle", "BlogPosting", "Event", "Service"}


def _several_ads(objs: list[dict]) -> int:
    """How many different ads of one type the page's structured data describes (a listing
    may carry one object per result; an ad page describes one ad, maybe from several sides)."""
    seen: dict[str, set[str]] = {}
    for obj in objs:
        for t in schema_types(obj) & _AD_TYPES:
            key = obj.get("url") or obj.get("@id") or obj.get("name") or obj.get("title")
            if isinstance(key, str) and key.strip():
                seen.setdefault(t, set()).add(key.strip())
    return max((len(v) for v in seen.values()), default=0)


def _itemlist_urls(objs: list[dict], url: str) -> list[str]:
    out: dict[str, None] = {}
    for obj in objs:
        if not schema_types(obj) & {"ItemList", "OfferCatalog"}:
            continue
        elements = obj.get("itemListElement") or []
        if not isinstance(elements, list):
            continue
        for el in elements:
            if not isinstance(el, dict):
                continue
            item = el.get("item") if isinstance(el.get("item"), (dict, str)) else el
            target = item if isinstance(item, str) else (item.get("url") or item.get("@id"))
            if not target and isinstance(el.get("url"), str):
                target = el["url"]
            if isinstance(target, str) and target.strip() and not target.startswith("#"):
                out.setdefault(urljoin(url, target.strip()).split("#")[0], None)
    return list(out)


def read_page(sel: Selector, url: str) -> PageReading:
    """The page's lists of repeated items, best first, and its ad links (cached per page)."""
    page = _page(sel, url)
    if page.reading is None:
        page.reading = _read(page)
    return page.reading


def _read(page: _Page) -> PageReading:
    root, url = page.root, page.url
    if not hasattr(root, "iter"):
        return PageReading([], None, [], [], 0)
    links = _ad_candidates(page)
    own = _split(url)
    own_shape = _loose_shape(own) if own.path.strip("/") else None
    candidates = []
    for g in _groups(links).values():
        candidates.extend(_evaluate(g, own_shape))
    # cheap bound first, then the costlier card features for the plausible ones
    candidates.sort(
        key=lambda c: len(c.links) * (0.15 + 0.85 * c.id_like) / c.per_item**2, reverse=True
    )
    candidates = candidates[:25]
    for c in candidates:
        c.rich = _richness(c)
        c.chrome = _in_chrome(c.parent)
        c.related = _is_related(c.parent)
        c.score = _score(c)
        if own_shape is not None and c.shape == own_shape and c.id_like < 0.5:
            c.score *= 0.3  # the page's siblings (filters, other searches), not its ads
    candidates.sort(key=lambda c: c.score, reverse=True)
    objs = jsonld_objects(root)
    itemlist = [u for u in _itemlist_urls(objs, url) if _same_site(u, url)]
    ad_objects = _several_ads(objs)
    best = candidates[0] if candidates else None
    chosen: dict[str, None] = {}
    if best is not None and best.score >= MIN_LIST_SCORE:
        chosen = dict.fromkeys(best.links)
        # the same list continued in another container (a featured block, a split list)
        for c in candidates[1:]:
            if (
                c.shape == best.shape
                and c.tag == best.tag
                and not c.related
                and not c.chrome
                and c.score >= 0.25 * best.score
                and _same_kind(c.parent, best.parent)
            ):
                chosen.update(dict.fromkeys(c.links))
    if len(itemlist) >= 2:
        if chosen and not set(itemlist).isdisjoint(chosen):
            chosen = dict.fromkeys(itemlist) | chosen
        else:
            chosen = dict.fromkeys(itemlist)
    return PageReading(list(chosen), best, candidates, itemlist, ad_objects)


def _same_kind(a: Any, b: Any) -> bool:
    return (
        a.tag == b.tag and (a.get("class") or "").split()[:1] == (b.get("class") or "").split()[:1]
    )


def _same_site(u: str, url: str) -> bool:
    own = site_of(_split(url).hostname or "")
    return not own or site_of(urlsplit(u).hostname or "") == own


# ------------------------------------------------------------------ pagination

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


@dataclass
class _Anchor:
    el: Any
    url: str
    text: str
    label: str

    @property
    def cls(self) -> str:
        """The classes and ids of the link and of what it holds (an icon's ``chevron-right``)."""
        return " ".join(
            (el.get("class") or "") + " " + (el.get("id") or "")
            for el in self.el.iter()
            if isinstance(el.tag, str)
        )


def _label(a: Any) -> str:
    return " ".join(x for x in (a.get("aria-label"), a.get("title"), a.get("rel")) if x).strip()


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


def _next_words(anchors: list[_Anchor]) -> list[tuple[int, _Anchor]]:
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


def _number_of(a: _Anchor) -> int | None:
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
    for node in _ancestors(el, 4):
        if node.get("aria-current") not in (None, "false") or node.get("selected") is not None:
            return True
        if _CURRENT_CLASS.search(node.get("class") or ""):
            return True
        if node is stop:
            break
    return False


def _block_score(members: list[tuple[_Anchor, int]]) -> float:
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
    page = _page(sel, url)
    if page.pagination is False:
        page.pagination = _read_pagination(page)
    return page.pagination  # type: ignore[return-value]


def _read_pagination(page: _Page) -> Pagination | None:
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
        for anc in _ancestors(a.el.getparent(), 8):
            counts[anc] = counts.get(anc, 0) + 1
    blocks: dict[Any, list[tuple[_Anchor, int]]] = {}
    for a, n in numbered:
        box = next((anc for anc in _ancestors(a.el.getparent(), 8) if counts[anc] >= 2), None)
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
            if any(anc.tag == "a" and anc.get("href") for anc in _ancestors(el, 6)):
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


_PAGER_CLASS = re.compile(
    r"pag(ination|inator|er|ing|inacao|inación|es)|page-?(nav|links|numbers)", re.I
)


def _in_pager(el: Any, pagination: Pagination | None) -> bool:
    """Whether a link sits in the page's numbered pagination block."""
    if pagination is None or pagination.container is None:
        return False
    return any(anc is pagination.container for anc in _ancestors(el, 8))


def _continues(candidate: str, here: Any) -> bool:
    """A link to the same list: the same path (another query), or the path plus ``/N``."""
    path = urlsplit(candidate).path
    own = here.path.rstrip("/")
    return path.rstrip("/") == own or bool(re.fullmatch(re.escape(own) + r"/\d{1,5}/?", path))


# ------------------------------------------------------------------ public API


def guess_ad_links(sel: Selector, url: str) -> list[str]:
    """The page's main list of ads: links of one URL shape in repeated item structures
    (nothing when no list is strong enough: menus, footers and lone links are not ads)."""
    return list(read_page(sel, url).links)


def guess_next_page(sel: Selector, url: str) -> str | None:
    """The next results page: ``rel=next``, a link saying "next", or current page + 1."""
    root = sel.root
    if not hasattr(root, "iter"):
        return None
    base = _base_url(root, url)
    anchors = _page(sel, url).anchors
    for a in anchors:
        if "next" in (a.el.get("rel") or "").lower().split():
            return a.url
    pagination = read_pagination(sel, url)
    current = pagination.current if pagination else page_number(url)
    by_number = pagination.numbers.get(current + 1) if pagination and current else None

    here = _split(url)
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
    path = _split(url).path
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
    heads = " ".join(_text(h) for h in root.iter("h1", "h2", "h3"))[:3000]
    return bool(_NO_RESULTS.search(heads))


def _search_address(url: str) -> bool:
    """An address that names a search or a list: ``/search``, ``/busca``, ``?q=``."""
    parts = _split(url)
    if _SEARCH_PATH.search(parts.path):
        return True
    return any(_SEARCH_KEYS.match(k) and v.strip() for k, v in parse_qsl(parts.query))


def _announces_count(root: Any, best: ListCandidate) -> bool:
    """A result count ("1.492 ofertas", "6 Vagas", "689 nabídek") in the title, the
    headings, or the text just before the list."""
    heads = " ".join(_text(h) for h in root.iter("title", "h1", "h2"))[:2000]
    if _RESULT_COUNT.search(heads) or _RANGE_COUNT.search(heads):
        return True
    first = best.elements[0][0] if best.elements else None
    if first is None:
        return False
    before = first.xpath("preceding::text()" + _SKIP_TEXT)
    tail = " ".join(" ".join(t.split()) for t in before[-60:])[-1500:]
    return bool(_RESULT_COUNT.search(tail) or _RANGE_COUNT.search(tail))
