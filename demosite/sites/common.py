"""HTML building blocks shared by the demo sites: escaping, paragraphs, pages, faults.

Renderers return :class:`~demosite.model.Page` objects; absolute URLs are written with
``BASE_MARKER`` so the server can put its own address in.
"""

from __future__ import annotations

import random
from datetime import date
from html import escape

from ..model import (
    REFERENCE_DATE,
    STATUS_MALFORMED,
    STATUS_SERVER_ERROR,
    STATUS_SLOW,
    AdRecord,
    Link,
    Page,
    Paragraph,
)

#: How long slow ads make the client wait, in seconds.
SLOW_DELAY = 1.5

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
JS = "application/javascript; charset=utf-8"


def esc(text: str) -> str:
    """HTML-escape text content."""
    return escape(text, quote=False)


def attr(text: str) -> str:
    """HTML-escape an attribute value (quotes included)."""
    return escape(text, quote=True)


def paragraph_html(paragraph: Paragraph) -> str:
    """Inner HTML of one paragraph: escaped text and inline links."""
    out = []
    for part in paragraph:
        if isinstance(part, Link):
            css = f' class="{attr(part.css_class)}"' if part.css_class else ""
            out.append(f'<a href="{attr(part.href)}"{css}>{esc(part.text)}</a>')
        else:
            out.append(esc(part))
    return "".join(out)


def paragraphs_html(paragraphs: list[Paragraph]) -> str:
    return "".join(f"<p>{paragraph_html(p)}</p>" for p in paragraphs)


def document(
    *,
    lang: str,
    title: str,
    body: str,
    head: str = "",
    css: str = "",
) -> str:
    """A complete HTML5 document."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n{head}"
        f"<style>{css}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def html_page(text: str, *, status: int = 200, modified: date | None = None) -> Page:
    return Page(text.encode("utf-8"), HTML, status, last_modified=modified or REFERENCE_DATE)


def summary(record: AdRecord, limit: int = 160) -> str:
    """The start of an ad's text, cut at a word, for meta descriptions and cards."""
    text = " ".join(record.text_paragraphs)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def server_error_page() -> Page:
    body = (
        "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>"
        "<body><h1>Internal Server Error</h1><p>The server encountered an unexpected "
        "condition.</p></body></html>\n"
    )
    return Page(body.encode(), HTML, 500)


def not_found_page() -> Page:
    body = (
        "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
        "<body><h1>Not Found</h1><p>The requested page does not exist.</p></body></html>\n"
    )
    return Page(body.encode(), HTML, 404)


def malformed_page(record: AdRecord, full: Page, empty_shell: str) -> Page:
    """A 200 response that is not a usable ad page.

    ``truncated`` cuts the real page before its title and appends junk bytes, ``binary`` is
    random bytes, ``empty`` is the site's layout with no title and no body.
    """
    rng = random.Random(f"malformed:{record.url}")
    if record.malformed_kind == "binary":
        body = rng.randbytes(rng.randint(1500, 4000))
    elif record.malformed_kind == "truncated":
        cut = full.body.find(b"<h1")
        cut = cut if cut > 0 else len(full.body) // 3
        body = full.body[: rng.randint(cut // 2, cut)] + rng.randbytes(rng.randint(200, 600))
    else:
        body = empty_shell.encode("utf-8")
    return Page(body, HTML, 200, last_modified=record.posted)


def detail_page(record: AdRecord, full: Page, empty_shell: str) -> Page:
    """The response for an entry's detail URL, applying its fault if it has one."""
    if record.status == STATUS_SERVER_ERROR:
        return server_error_page()
    if record.status == STATUS_MALFORMED:
        return malformed_page(record, full, empty_shell)
    if record.status == STATUS_SLOW:
        return Page(full.body, full.content_type, 200, SLOW_DELAY, full.last_modified)
    return full
