"""Extraction: configured selectors, `extract: auto` (JSON-LD, microdata, OpenGraph,
heuristics) and `adwatch extract` on real demo pages."""

from __future__ import annotations

import json

import pytest
from parsel import Selector

from crawler.config import Source
from crawler.extract.ads import extract_detail, extract_listing
from crawler.extract.listings import guess_ad_links
from crawler.extract.pagination import guess_next_page
from tests.conftest import adwatch

AUTO = Source(name="t", kind="classified", start_urls=["http://example.org/"])


def page(world, path):
    return world.render(path, {}, "http://127.0.0.1:1").body


@pytest.fixture(scope="module")
def world():
    from demosite import generate

    return generate(1, 500)


def test_auto_reads_jobposting_json_ld(world):
    job = next(a for a in world.expected_ads() if a["site"] == "jobs")
    raw = extract_detail(
        Selector(body=page(world, job["url"]), encoding="utf-8"),
        "http://127.0.0.1:1" + job["url"],
        AUTO,
    )
    assert raw.structured["syntax"] == "json-ld"
    assert raw.title == job["title"]
    assert raw.posted.startswith(job["posted_at"])


def test_auto_reads_microdata_or_opengraph(world):
    ad = next(a for a in world.expected_ads() if a["site"] == "anuncios")
    raw = extract_detail(
        Selector(body=page(world, ad["url"]), encoding="utf-8"),
        "http://127.0.0.1:1" + ad["url"],
        AUTO,
    )
    assert raw.structured["syntax"] in ("microdata", "opengraph")
    assert raw.title == ad["title"]
    assert raw.image_urls


def test_auto_guesses_listing_links_and_next_page(world):
    body = page(world, "/classifieds/")
    sel = Selector(body=body, encoding="utf-8")
    links = guess_ad_links(sel, "http://127.0.0.1:1/classifieds/")
    assert len(links) >= 10 and all("/ad/" in u for u in links)
    assert guess_next_page(sel, "http://127.0.0.1:1/classifieds/").endswith("/classifieds/page/2/")
    listing = extract_listing(sel, "http://127.0.0.1:1/classifieds/", AUTO)
    assert set(links) <= set(listing.links)


def test_heuristics_on_a_page_without_structured_data():
    html = """<html><head><title>Site</title></head><body><header><p>Menu menu</p></header>
    <article><h1>Busco niñera</h1><p>Trabajo cama adentro, por mes.</p>
    <p class="price-tag">Gs. 2.500.000</p><p>Ganá hasta Gs. 9.000.000 con bonos.</p>
    <p>Llamar al 0981 222 333.</p><img src="/f/1.jpg"><img src="/logo.png"></article>
    <footer><p>Copyright</p></footer></body></html>"""
    raw = extract_detail(Selector(text=html), "http://example.org/a/1", AUTO)
    assert raw.title == "Busco niñera"
    assert "cama adentro" in raw.body and "Copyright" not in raw.body
    assert raw.price.startswith("Gs. 2.500.000")
    assert raw.image_urls == ["http://example.org/f/1.jpg"]


def test_page_chrome_alone_is_not_an_ad():
    html = (
        "<html><head><title>Anúncios</title></head><body><header>Menu</header><main>"
        "<div class='anuncio'></div></main><footer><p>© 2026</p></footer></body></html>"
    )
    assert extract_detail(Selector(text=html), "http://example.org/a/1", AUTO) is None


def test_adwatch_extract_on_a_file_and_a_url(tmp_path, demo_server):
    path = tmp_path / "job.html"
    job = next(a for a in demo_server.world.expected_ads() if a["site"] == "jobs")
    path.write_bytes(page(demo_server.world, job["url"]))
    out = adwatch("extract", str(path), "--source", "demo-jobs", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["ad"]["title"] == job["title"]
    assert set(job["phones"]) <= set(result["ad"]["phones"])
    listing = adwatch("extract", f"{demo_server.base_url}/classifieds/", "--allow-private-network")
    assert listing.returncode == 0, listing.stderr
    assert "as a listing page: 1" in listing.stdout and "next page: " in listing.stdout
    refused = adwatch("extract", f"{demo_server.base_url}/classifieds/")
    assert refused.returncode != 0 and "private" in refused.stderr


SELECTORS = Source(
    name="t",
    kind="classified",
    start_urls=["http://example.org/"],
    fields={"title": "h1.gone::text", "body": "div.text", "price": "span.gone::text"},
)
AD_PAGE = """<html><body><header><a href="/">Clasificados</a></header>
<main><h1 class="ad">Vendo moto Honda 2019</h1><span class="price">Gs. 12.500.000</span>
<div class="text"><p>Moto en excelente estado, papeles al día, único dueño.</p></div>
</main><footer>Términos y condiciones</footer></body></html>"""


def test_a_selector_that_finds_nothing_falls_back_to_automatic_extraction():
    raw = extract_detail(Selector(text=AD_PAGE), "http://example.org/ad/1", SELECTORS)
    assert raw.title == "Vendo moto Honda 2019"
    assert "12.500.000" in raw.price
    assert raw.body.startswith("Moto en excelente estado")
    assert raw.extra["fallback"] == ["title", "price"]


def test_the_worker_hands_the_fallback_fields_on_for_the_run_stats():
    from crawler.extract.workers import OK, process_page
    from crawler.items import Page

    status, ad = process_page(
        Page(
            url="http://example.org/ad/1",
            source="t",
            body=AD_PAGE.encode("utf-8"),
            encoding="utf-8",
        ),
        SELECTORS,
    )
    assert status == OK
    assert ad.fallbacks == ["title", "price"]
    assert "fallbacks" not in ad.to_dict()  # counted, never stored


def test_adwatch_extract_on_a_file_honours_its_declared_charset(tmp_path):
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        "<title>Señora busca empleo</title></head><body><h1>Señora busca empleo</h1>"
        "<p>Limpieza y cocina, con referencias. Teléfono en la página, sin intermediarios.</p>"
        "</body></html>"
    )
    path = tmp_path / "latin1.html"
    path.write_bytes(html.encode("iso-8859-1"))
    proc = adwatch("extract", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["ad"]["title"] == "Señora busca empleo"
    assert "Teléfono" in result["ad"]["body"]


def test_an_expired_ad_and_a_listing_page_give_no_ad():
    expired = AD_PAGE.replace(
        '<div class="text">', '<div class="text"><p>Este anuncio caducado ya no está activo.</p>'
    )
    assert extract_detail(Selector(text=expired), "http://example.org/ad/1", AUTO) is None
    cards = "".join(
        f'<li class="card"><a href="/ad/{i}">Moto {i}</a><span class="price">Gs. {i}00.000</span>'
        f"<img src='/p/{i}.jpg'></li>"
        for i in range(1, 25)
    )
    listing = f"<html><body><h1>24 resultados</h1><ul class='results'>{cards}</ul></body></html>"
    assert extract_detail(Selector(text=listing), "http://example.org/motos/", AUTO) is None
