"""Clasificados PY (``/classifieds/``): a classic server-rendered classifieds site.

Listing pages ``/classifieds/`` and ``/classifieds/page/N/`` show 12 cards each
(``article.ad-card`` with ``a.ad-link``) and an ``a.next`` link; detail pages carry
``h1.ad-title``, ``div.ad-body``, ``span.ad-price``, ``span.ad-location``, ``time.ad-date``,
``div.ad-gallery`` and ``div.ad-contact``. A few cards point under ``/classifieds/private/``,
which robots.txt disallows.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import STATUS_NOT_FOUND, AdRecord, Contact, Page
from ..templates import category_name
from .common import attr, detail_page, document, esc, html_page, paragraphs_html

PER_PAGE = 12
NAME = "Clasificados PY"

CSS = (
    "body{font-family:Arial,sans-serif;margin:0;background:#f4f4f0;color:#222}"
    ".site-header{background:#d52b1e;color:#fff;padding:10px 20px;display:flex;gap:20px}"
    ".site-header a{color:#fff;font-weight:bold;text-decoration:none}"
    "main{max-width:960px;margin:20px auto;background:#fff;padding:20px}"
    ".ad-card{display:grid;grid-template-columns:120px 1fr auto;gap:12px;"
    "border-bottom:1px solid #ddd;padding:10px 0}"
    ".card-price,.ad-price{color:#0a7d2c;font-weight:bold}"
    ".ad-gallery img{max-width:300px;margin:4px}"
    ".ad-contact{background:#fffbe6;border:1px solid #f0d878;padding:10px}"
    "footer{text-align:center;color:#777;padding:20px;font-size:12px}"
)

HEADER = (
    '<header class="site-header"><a class="logo" href="/classifieds/">Clasificados PY</a>'
    '<form class="search" action="/classifieds/" method="get">'
    '<input name="q" placeholder="Buscar en avisos"> <button>Buscar</button></form>'
    '<nav><a href="/">Otros sitios</a></nav></header>'
)

FOOTER = (
    '<footer>© 2026 Clasificados PY · Publicá tu aviso gratis · <a href="/">Inicio</a>'
    "<br>Nunca envíes dinero por adelantado. Denunciá avisos sospechosos.</footer>"
)


def page_path(number: int) -> str:
    return "/classifieds/" if number == 1 else f"/classifieds/page/{number}/"


def page_count(records: list[AdRecord]) -> int:
    return max(1, -(-len(records) // PER_PAGE))


def listing_page(records: list[AdRecord], number: int) -> Page:
    """Listing page ``number`` (1-based), newest ads first."""
    pages = page_count(records)
    chunk = records[(number - 1) * PER_PAGE : number * PER_PAGE]
    cards = []
    for record in chunk:
        thumb = (
            f'<img class="thumb" src="{record.images[0].path}" alt="" loading="lazy" width="120">'
            if record.images
            else ""
        )
        cards.append(
            f'<article class="ad-card">{thumb}'
            f'<a class="ad-link" href="{attr(record.url)}">{esc(record.title)}</a>'
            f'<span class="card-price">{esc(record.price.text)}</span>'
            f'<span class="card-location">{esc(record.place.label)}</span></article>'
        )
    nav = []
    if number > 1:
        nav.append(f'<a class="prev" rel="prev" href="{page_path(number - 1)}">Anterior</a>')
    nav.append(f'<span class="current">Página {number} de {pages}</span>')
    if number < pages:
        nav.append(f'<a class="next" rel="next" href="{page_path(number + 1)}">Siguiente</a>')
    title = f"{NAME} - Avisos clasificados en Paraguay"
    if number > 1:
        title += f" - Página {number}"
    body = (
        f"{HEADER}<main><h1>Avisos recientes</h1>"
        f'<section class="ads">{"".join(cards)}</section>'
        f'<nav class="pagination">{" ".join(nav)}</nav></main>{FOOTER}'
    )
    head = (
        '<meta name="description" content="Compra, venta, alquileres y empleos en todo '
        'Paraguay.">\n'
        f'<link rel="canonical" href="{page_path(number)}">\n'
    )
    return html_page(document(lang="es", title=title, body=body, head=head, css=CSS))


def contact_html(record: AdRecord, contact: Contact, heading: str = "Contacto") -> str:
    """Inner HTML of ``div.ad-contact``."""
    lines = [f"<h2>{heading}</h2>"]
    for use in contact.contact_phones:
        lines.append(f'<p class="phone">{esc(use.shown)}</p>')
    if contact.email:
        text = contact.email if record.number % 2 else "Enviar correo"
        lines.append(f'<p class="email"><a href="mailto:{esc(contact.email)}">{esc(text)}</a></p>')
    if contact.whatsapp:
        lines.append(
            f'<p><a class="wa" href="https://wa.me/{contact.whatsapp[1:]}">WhatsApp</a></p>'
        )
    if contact.handle:
        lines.append(f'<p class="handle">{esc(contact.handle.shown)}</p>')
    return "".join(lines)


def gallery_html(record: AdRecord) -> str:
    return "".join(
        f'<img src="{image.path}" alt="{attr(record.title)} - foto {i}" '
        f'width="{image.width}" height="{image.height}">'
        for i, image in enumerate(record.images, 1)
    )


def ad_page(record: AdRecord) -> Page:
    """The full detail page of a classifieds ad."""
    crumbs = (
        f'<nav class="breadcrumb"><a href="/classifieds/">Inicio</a> › '
        f"<span>{esc(category_name(record.category, 'es'))}</span></nav>"
    )
    body = (
        f'{HEADER}<main class="ad-page">{crumbs}<article class="ad">'
        f'<h1 class="ad-title">{esc(record.title)}</h1>'
        f'<div class="ad-meta"><span class="ad-price">{esc(record.price.text)}</span> · '
        f'<span class="ad-location">{esc(record.place.label)}</span> · '
        f'<time class="ad-date" datetime="{record.posted.isoformat()}">'
        f"{esc(record.date_text)}</time></div>"
        f'<div class="ad-gallery">{gallery_html(record)}</div>'
        f'<div class="ad-body">{paragraphs_html(record.paragraphs)}</div>'
        f'<div class="ad-contact">{contact_html(record, record.contact)}</div>'
        f'<p class="ad-ref">Aviso N° {record.number} · '
        f'<a href="/classifieds/">Volver al listado</a></p>'
        f"</article></main>{FOOTER}"
    )
    text = document(lang="es", title=f"{record.title} - {NAME}", body=body, css=CSS)
    return html_page(text, modified=record.posted)


def empty_shell() -> str:
    """The site's layout around nothing: what a broken ad page looks like."""
    body = f'{HEADER}<main class="ad-page"><div class="ad-error"></div></main>{FOOTER}'
    return document(lang="es", title=NAME, body=body, css=CSS)


def routes(records: list[AdRecord]) -> dict[str, Callable[[], Page]]:
    """Paths of this site and how to render each."""
    table: dict[str, Callable[[], Page]] = {}
    for number in range(1, page_count(records) + 1):
        table[page_path(number)] = lambda n=number: listing_page(records, n)
    for record in records:
        if record.status == STATUS_NOT_FOUND:
            continue
        table[record.url] = lambda r=record: detail_page(r, ad_page(r), empty_shell())
    return table
