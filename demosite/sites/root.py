"""Pages outside the five sites: the index at ``/`` and ``/robots.txt``."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Page
from .common import TEXT, document, html_page

ROBOTS_TXT = "User-agent: *\nDisallow: /classifieds/private/\n"

SITES = (
    ("/classifieds/", "Clasificados PY", "Avisos clasificados de Paraguay (HTML)"),
    ("/anuncios/", "Anúncios BR", "Anúncios do Brasil (OpenGraph e microdados)"),
    ("/jobs/", "Empleos", "Ofertas de empleo en España (sitemaps y JSON-LD)"),
    ("/feed/", "Noticeboard UK", "UK small ads (RSS 2.0)"),
    ("/app/", "Mercadito PY", "Avisos de Paraguay (solo JavaScript)"),
)


def index_page() -> Page:
    items = "".join(
        f'<li><a href="{path}">{name}</a> — {about}</li>' for path, name, about in SITES
    )
    body = f"<h1>Demo sites</h1><ul>{items}</ul>"
    return html_page(document(lang="en", title="Demo sites", body=body))


def robots() -> Page:
    return Page(ROBOTS_TXT.encode(), TEXT)


def routes() -> dict[str, Callable[[], Page]]:
    table: dict[str, Callable[[], Page]] = {"/": index_page, "/robots.txt": robots}
    for path, _name, _about in SITES:
        bare = path.rstrip("/")
        table[bare] = lambda target=path: Page(
            b"", "text/plain; charset=utf-8", 301, location=target
        )
    return table
