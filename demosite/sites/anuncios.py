"""Anúncios BR (``/anuncios/``): a site made for automatic extraction.

Listing pages ``/anuncios/`` and ``/anuncios/pagina/N/`` hold ``ul.lista`` links, a
``<link rel="next">`` in the head and a visible "Próxima" link. Detail pages
``/anuncios/anuncio/N`` carry OpenGraph tags and schema.org microdata (a Product with an
Offer, or a bare Offer) next to the visible text; the phone is in the description.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import BASE_MARKER, STATUS_NOT_FOUND, AdRecord, Page
from ..templates import category_name
from .common import attr, detail_page, document, esc, html_page, paragraphs_html, summary

PER_PAGE = 20
NAME = "Anúncios BR"

CSS = (
    "body{font-family:Helvetica,Arial,sans-serif;margin:0;color:#333}"
    "header{background:#6e0ad6;color:#fff;padding:12px 24px}header a{color:#fff}"
    "main{max-width:900px;margin:auto;padding:16px}"
    ".lista li{padding:8px 0;border-bottom:1px solid #eee;list-style:none}"
    ".preco{color:#6e0ad6;font-weight:bold;font-size:1.3em}"
    ".fotos img{max-width:260px;margin:3px}"
)

HEADER = (
    '<header><a href="/anuncios/"><strong>Anúncios BR</strong></a> · '
    "Compre e venda perto de você</header>"
)
FOOTER = "<footer><p>© 2026 Anúncios BR. Todos os direitos reservados.</p></footer>"


def page_path(number: int) -> str:
    return "/anuncios/" if number == 1 else f"/anuncios/pagina/{number}/"


def page_count(records: list[AdRecord]) -> int:
    return max(1, -(-len(records) // PER_PAGE))


def listing_page(records: list[AdRecord], number: int) -> Page:
    pages = page_count(records)
    chunk = records[(number - 1) * PER_PAGE : number * PER_PAGE]
    items = "".join(
        f'<li><a href="{record.url}">{esc(record.title)}</a> '
        f'<span class="preco">{esc(record.price.text)}</span> '
        f'<span class="local">{esc(record.place.label)}</span></li>'
        for record in chunk
    )
    head = ""
    links = []
    if number > 1:
        head += f'<link rel="prev" href="{page_path(number - 1)}">\n'
        links.append(f'<a class="anterior" href="{page_path(number - 1)}">Anterior</a>')
    if number < pages:
        head += f'<link rel="next" href="{page_path(number + 1)}">\n'
        links.append(f'<a class="proxima" href="{page_path(number + 1)}">Próxima</a>')
    body = (
        f"{HEADER}<main><h1>Anúncios recentes</h1><p>Página {number} de {pages}</p>"
        f'<ul class="lista">{items}</ul><nav class="paginacao">{" ".join(links)}</nav>'
        f"</main>{FOOTER}"
    )
    title = f"{NAME} - anúncios grátis" + (f" - página {number}" if number > 1 else "")
    return html_page(document(lang="pt-BR", title=title, body=body, head=head, css=CSS))


def _offer_props(record: AdRecord) -> str:
    price = record.price
    if price.amount is None or price.currency is None:
        return f'<span class="preco">{esc(price.text)}</span>'
    return (
        f'<meta itemprop="priceCurrency" content="{price.currency}">'
        f'<span class="preco" itemprop="price" content="{price.amount:.2f}">'
        f"{esc(price.text)}</span>"
        '<link itemprop="availability" href="https://schema.org/InStock">'
    )


def ad_page(record: AdRecord) -> Page:
    """Detail page with OpenGraph and microdata."""
    url = f"{BASE_MARKER}{record.url}"
    description = summary(record, 200)
    og_image = (
        f'<meta property="og:image" content="{BASE_MARKER}{record.images[0].path}">\n'
        if record.images
        else ""
    )
    head = (
        f'<meta name="description" content="{attr(description)}">\n'
        f'<meta property="og:type" content="product">\n'
        f'<meta property="og:site_name" content="{NAME}">\n'
        f'<meta property="og:locale" content="pt_BR">\n'
        f'<meta property="og:title" content="{attr(record.title)}">\n'
        f'<meta property="og:description" content="{attr(description)}">\n'
        f"{og_image}"
        f'<meta property="og:url" content="{url}">\n'
        f'<meta property="article:published_time" content="{record.posted.isoformat()}">\n'
        f'<link rel="canonical" href="{url}">\n'
    )
    photos = "".join(
        f'<img itemprop="image" src="{image.path}" alt="Foto {i}">'
        for i, image in enumerate(record.images, 1)
    )
    meta = (
        f'<p class="local">Localização: {esc(record.place.label)}</p>'
        f'<p class="data">{esc(record.date_text)} · <time datetime="{record.posted.isoformat()}">'
        f"{record.posted.strftime('%d/%m/%Y')}</time></p>"
        f'<p class="categoria">Categoria: {esc(category_name(record.category, "pt"))}</p>'
    )
    description_html = (
        f'<div class="descricao" itemprop="description">{paragraphs_html(record.paragraphs)}</div>'
    )
    if record.number % 5 < 3:
        item = (
            '<div class="anuncio" itemscope itemtype="https://schema.org/Product">'
            f'<h1 itemprop="name">{esc(record.title)}</h1>'
            f'<div class="fotos">{photos}</div>'
            '<div class="oferta" itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
            f"{_offer_props(record)}</div>{meta}{description_html}</div>"
        )
    else:
        item = (
            '<div class="anuncio" itemscope itemtype="https://schema.org/Offer">'
            f'<h1 itemprop="name">{esc(record.title)}</h1>'
            f'<div class="fotos">{photos}</div>'
            f'<div class="oferta">{_offer_props(record)}</div>{meta}{description_html}</div>'
        )
    body = (
        f'{HEADER}<main><nav><a href="/anuncios/">Início</a></nav>{item}'
        f'<p class="codigo">Código do anúncio: {record.number}</p></main>{FOOTER}'
    )
    text = document(lang="pt-BR", title=f"{record.title} | {NAME}", body=body, head=head, css=CSS)
    return html_page(text, modified=record.posted)


def empty_shell() -> str:
    body = f'{HEADER}<main><div class="anuncio"></div></main>{FOOTER}'
    return document(lang="pt-BR", title=NAME, body=body, css=CSS)


def routes(records: list[AdRecord]) -> dict[str, Callable[[], Page]]:
    table: dict[str, Callable[[], Page]] = {}
    for number in range(1, page_count(records) + 1):
        table[page_path(number)] = lambda n=number: listing_page(records, n)
    for record in records:
        if record.status == STATUS_NOT_FOUND:
            continue
        table[record.url] = lambda r=record: detail_page(r, ad_page(r), empty_shell())
    return table
