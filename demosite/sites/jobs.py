"""Empleos (``/jobs/``): a job board found through its sitemaps.

``/jobs/sitemap.xml`` is a sitemap index pointing at ``/jobs/sitemap-N.xml`` files of at
most ``SITEMAP_SIZE`` URLs with ``<lastmod>``. Each ``/jobs/job/N.html`` carries a
schema.org ``JobPosting`` in JSON-LD (salary as ``MonetaryAmount``) and the same content as
visible HTML; contact details are inside the description. ``/jobs/`` is a plain listing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from ..model import BASE_MARKER, REFERENCE_DATE, STATUS_NOT_FOUND, AdRecord, Page
from .common import XML, detail_page, document, esc, html_page, paragraphs_html

PER_PAGE = 50
SITEMAP_SIZE = 100
NAME = "Empleos"


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


UNIT_TEXT = {"hour": "HOUR", "day": "DAY", "week": "WEEK", "month": "MONTH", "year": "YEAR"}
EMPLOYMENT_LABEL = {
    "FULL_TIME": "Jornada completa",
    "PART_TIME": "Media jornada",
    "TEMPORARY": "Temporal",
    "CONTRACTOR": "Autónomo",
}

CSS = (
    "body{font-family:Georgia,serif;margin:0;background:#fafafa}"
    "header{background:#1b4965;color:#fff;padding:14px 28px}header a{color:#fff}"
    "main{max-width:860px;margin:24px auto;background:#fff;padding:24px}"
    ".job-list li{margin:6px 0}.job-facts{list-style:none;padding:0;color:#555}"
    ".job-images img{max-width:240px}"
)
HEADER = '<header><a href="/jobs/"><strong>Empleos</strong></a> · Ofertas de trabajo</header>'
FOOTER = "<footer><p>© 2026 Empleos · Aviso legal · Privacidad</p></footer>"


def page_path(number: int) -> str:
    return "/jobs/" if number == 1 else f"/jobs/page/{number}/"


def page_count(records: list[AdRecord]) -> int:
    return max(1, -(-len(records) // PER_PAGE))


def listing_page(records: list[AdRecord], number: int) -> Page:
    pages = page_count(records)
    chunk = records[(number - 1) * PER_PAGE : number * PER_PAGE]
    items = "".join(
        f'<li><a class="job-link" href="{record.url}">{esc(record.title)}</a> — '
        f'<span class="company">{esc(record.employer or "")}</span> · '
        f"<span>{esc(record.place.city)}</span></li>"
        for record in chunk
    )
    nav = ""
    if number < pages:
        nav = f'<a class="next" rel="next" href="{page_path(number + 1)}">Siguiente</a>'
    body = (
        f"{HEADER}<main><h1>Ofertas de empleo</h1>"
        f'<ul class="job-list">{items}</ul><nav>{nav}</nav></main>{FOOTER}'
    )
    title = f"{NAME} - ofertas de trabajo" + (f" - página {number}" if number > 1 else "")
    return html_page(document(lang="es", title=title, body=body, css=CSS))


def job_posting(record: AdRecord) -> dict[str, Any]:
    """The schema.org JobPosting of a job ad."""
    place = record.place
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": record.title,
        "description": paragraphs_html(record.paragraphs),
        "datePosted": record.posted.isoformat(),
        "validThrough": (record.posted + timedelta(days=30)).isoformat() + "T23:59:59+01:00",
        "employmentType": record.employment_type or "FULL_TIME",
        "jobLocation": {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": place.city,
                "addressRegion": place.region,
                "addressCountry": place.country,
            },
        },
        "identifier": {"@type": "PropertyValue", "name": NAME, "value": str(record.number)},
        "url": f"{BASE_MARKER}{record.url}",
    }
    if record.employer:
        data["hiringOrganization"] = {"@type": "Organization", "name": record.employer}
    price = record.price
    if price.amount is not None and price.currency is not None:
        value: dict[str, Any] = {"@type": "QuantitativeValue"}
        if price.amount_max is not None:
            value["minValue"] = _number(price.amount)
            value["maxValue"] = _number(price.amount_max)
        else:
            value["value"] = _number(price.amount)
        if price.period:
            value["unitText"] = UNIT_TEXT[price.period]
        data["baseSalary"] = {"@type": "MonetaryAmount", "currency": price.currency, "value": value}
    if record.images:
        data["image"] = f"{BASE_MARKER}{record.images[0].path}"
    return data


def ad_page(record: AdRecord) -> Page:
    """Job detail page: JSON-LD plus the same facts as visible HTML."""
    ld = json.dumps(job_posting(record), ensure_ascii=False, indent=1).replace("</", "<\\/")
    head = f'<script type="application/ld+json">\n{ld}\n</script>\n'
    facts = []
    if record.employer:
        facts.append(f'<li class="company">Empresa: {esc(record.employer)}</li>')
    facts.append(f'<li class="job-location">Ubicación: {esc(record.place.label)}</li>')
    facts.append(f'<li class="salary">Salario: {esc(record.price.text)}</li>')
    label = EMPLOYMENT_LABEL.get(record.employment_type or "FULL_TIME", "Jornada completa")
    facts.append(f'<li class="contract">{label}</li>')
    facts.append(
        f'<li><time class="job-date" datetime="{record.posted.isoformat()}">'
        f"{esc(record.date_text)}</time></li>"
    )
    images = "".join(f'<img src="{image.path}" alt="">' for image in record.images)
    body = (
        f'{HEADER}<main><article class="job"><h1 class="job-title">{esc(record.title)}</h1>'
        f'<ul class="job-facts">{"".join(facts)}</ul>'
        f'<div class="job-images">{images}</div>'
        f'<h2>Descripción</h2><div class="job-description">{paragraphs_html(record.paragraphs)}'
        f'</div><p class="ref">Ref. {record.number}</p></article></main>{FOOTER}'
    )
    text = document(lang="es", title=f"{record.title} - {NAME}", body=body, head=head, css=CSS)
    return html_page(text, modified=record.posted)


def empty_shell() -> str:
    body = f'{HEADER}<main><article class="job"></article></main>{FOOTER}'
    return document(lang="es", title=NAME, body=body, css=CSS)


def sitemap_count(records: list[AdRecord]) -> int:
    return max(1, -(-len(records) // SITEMAP_SIZE))


def sitemap_index(records: list[AdRecord]) -> Page:
    entries = "".join(
        f"<sitemap><loc>{BASE_MARKER}/jobs/sitemap-{n}.xml</loc>"
        f"<lastmod>{REFERENCE_DATE.isoformat()}</lastmod></sitemap>\n"
        for n in range(1, sitemap_count(records) + 1)
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</sitemapindex>\n"
    )
    return Page(text.encode(), XML, last_modified=REFERENCE_DATE)


def sitemap(records: list[AdRecord], number: int) -> Page:
    """Sitemap file ``number``: job URLs, oldest first, each with its ``lastmod``."""
    oldest_first = records[::-1]
    chunk = oldest_first[(number - 1) * SITEMAP_SIZE : number * SITEMAP_SIZE]
    entries = "".join(
        f"<url><loc>{BASE_MARKER}{record.url}</loc>"
        f"<lastmod>{record.posted.isoformat()}</lastmod></url>\n"
        for record in chunk
    )
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
    )
    return Page(text.encode(), XML, last_modified=REFERENCE_DATE)


def routes(records: list[AdRecord]) -> dict[str, Callable[[], Page]]:
    table: dict[str, Callable[[], Page]] = {"/jobs/sitemap.xml": lambda: sitemap_index(records)}
    for number in range(1, sitemap_count(records) + 1):
        table[f"/jobs/sitemap-{number}.xml"] = lambda n=number: sitemap(records, n)
    for number in range(1, page_count(records) + 1):
        table[page_path(number)] = lambda n=number: listing_page(records, n)
    for record in records:
        if record.status == STATUS_NOT_FOUND:
            continue
        table[record.url] = lambda r=record: detail_page(r, ad_page(r), empty_shell())
    return table
