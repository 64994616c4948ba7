"""The ``sources.yaml`` that points the crawler at the demo sites on a given base URL."""

from __future__ import annotations

CLASSIFIED_FIELDS = """\
    fields:
      title: "h1.ad-title::text"
      body: "div.ad-body"
      price: "span.ad-price::text"
      location: "span.ad-location::text"
      posted: "time.ad-date::attr(datetime)"
      contact: "div.ad-contact"
      images: "div.ad-gallery img::attr(src)"
"""


def sources_yaml(base_url: str, include_js: bool = True) -> str:
    """YAML text of the demo sources served at ``base_url``.

    ``include_js`` adds the JavaScript-only site, which needs a browser to crawl.
    """
    base = base_url.rstrip("/")
    text = f"""\
# Demo sources: the bundled demo sites served on 127.0.0.1
sources:
  - name: demo-classifieds
    kind: classified
    start_urls: [{base}/classifieds/]
    links: "a.ad-link::attr(href)"
    next_page: "a.next::attr(href)"
{CLASSIFIED_FIELDS}\
    country: PY
    languages: [es, pt, en]
    render: static
    schedule: {{every: 15m}}
    allow_private_network: true
  - name: demo-anuncios
    kind: classified
    start_urls: [{base}/anuncios/]
    extract: auto
    links: "ul.lista a::attr(href)"
    next_page: "link[rel=next]::attr(href)"
    country: BR
    languages: [pt]
    allow_private_network: true
  - name: demo-jobs
    kind: job
    sitemap: {base}/jobs/sitemap.xml
    extract: auto
    country: ES
    languages: [es, pt, en]
    allow_private_network: true
  - name: demo-feed
    kind: classified
    feed: {base}/feed/rss.xml
    country: GB
    languages: [en]
    allow_private_network: true
"""
    if include_js:
        text += f"""\
  - name: demo-app
    kind: classified
    start_urls: [{base}/app/]
    links: "a.ad-link::attr(href)"
    next_page: "a.next::attr(href)"
{CLASSIFIED_FIELDS}\
    render: auto
    country: PY
    languages: [es, pt, en]
    allow_private_network: true
"""
    return text
