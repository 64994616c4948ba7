"""No false alarms on ordinary real ads: the shipped rules over real saved pages.

The pages are ../shared/realpages (pages/, index.tsv; see its README): classified and job
ads and listings saved from real sites, none of them suspicious. Each is read as the crawl
reads it (``crawler.extract.probe.probe_bytes``: the page decoded and extracted as the spiders and
workers do) and matched as the workers match it (``crawler.extract.rules.apply_rules``); no
rule may fire. Extraction changes what an ad's body holds, so the rules are also run on
each page's whole visible text, chrome and related ads included: the worst an extractor
could hand them.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from parsel import Selector

from alerts.matcher import Matcher
from alerts.rules import load_rules
from crawler.extract.probe import probe_bytes
from crawler.extract.rules import apply_rules
from crawler.items import Ad

RULES_YAML = Path(__file__).resolve().parents[2] / "rules.yaml"
REALPAGES = Path(__file__).resolve().parents[3] / "shared" / "realpages"


def _pages() -> list[dict[str, str]]:
    index = REALPAGES / "index.tsv"
    if not index.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{REALPAGES} is missing: the real saved pages are part of CI")
        pytest.skip(f"{REALPAGES} is not here")
    with index.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture(scope="module")
def pages() -> list[dict[str, str]]:
    return _pages()


@pytest.fixture(scope="module")
def crawled(pages) -> list[tuple[str, Ad | None]]:
    """(file, the ad the crawl reads from it, or None) for every page."""
    out = []
    for row in pages:
        body = (REALPAGES / "pages" / row["file"]).read_bytes()
        result = probe_bytes(body, f"https://{row['site']}/ad")
        ad = result.get("ad")
        out.append((row["file"], Ad.from_dict(ad) if ad is not None else None))
    return out


def _fired(ad: Ad) -> list[tuple[str, list[str]]]:
    apply_rules(ad, RULES_YAML)
    return [(m["rule"], [t["text"] for t in m["terms"]]) for m in ad.matched_rules]


def test_every_real_page_is_read(pages, crawled):
    assert len(crawled) == len(pages) >= 50
    ads = [ad for _, ad in crawled if ad is not None]
    # most pages are ads with text to match; listing and expired pages may give none
    assert len(ads) >= len(pages) // 2
    assert sum(1 for ad in ads if len((ad.body or "").split()) >= 30) >= len(ads) // 2


def test_no_shipped_rule_fires_on_a_real_ordinary_ad(crawled):
    alarms = {name: _fired(ad) for name, ad in crawled if ad is not None}
    assert {name: hits for name, hits in alarms.items() if hits} == {}


def test_an_alerting_sentence_in_a_real_ad_is_found(crawled):
    """The check above can see a match: the same real ads with a recruiter's lines added."""
    lines = (
        "Se buscan chicas para trabajar en España, pasaje pago. "
        "Visa pagada, no necesitás experiencia. Escribí al wpp."
    )
    ads = [ad for _, ad in crawled if ad is not None][:5]
    assert ads
    for ad in ads:
        ad.body = f"{ad.body or ''}\n{lines}"
        ad.language = "es"
        rules = {rule for rule, _ in _fired(ad)}
        assert {"job-young-women-abroad-travel-paid", "job-visa-paid-no-experience"} <= rules


@pytest.fixture(scope="module")
def whole_pages(pages) -> list[tuple[str, str, str]]:
    """(file, title, all visible text) of every page."""
    visible = "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"
    out = []
    for row in pages:
        sel = Selector(body=(REALPAGES / "pages" / row["file"]).read_bytes(), type="html")
        title = " ".join(sel.xpath("//title//text()").getall())
        out.append((row["file"], title, " ".join(sel.xpath(visible).getall())))
    return out


@pytest.mark.parametrize("kind", ["classified", "job"])
def test_no_shipped_rule_fires_on_a_real_page_s_whole_text(whole_pages, kind):
    matcher = Matcher(load_rules(RULES_YAML))
    alarms = {}
    for name, title, text in whole_pages:
        # no language: every rule sees every page, whatever language it is in
        ad = {"title": title, "body": text, "kind": kind, "language": None}
        hits = [(m.rule_id, [t.text for t in m.terms]) for m in matcher.match(ad)]
        if hits:
            alarms[name] = hits
    assert alarms == {}


# -- what fired on other real pages -------------------------------------------------------

FILLER = (
    "Licencia original con factura, entrega inmediata por correo electrónico, soporte "
    "técnico incluido y actualizaciones durante un año para todos los equipos de la oficina. "
) * 12


def test_a_long_list_does_not_join_words_hundreds_of_words_apart():
    """A software seller's list fired the trust-plus-ethnicity rule on 'genuine' at the
    top and 'russian' at the bottom."""
    matcher = Matcher(load_rules(RULES_YAML))
    body = f"Windows 11 Pro genuine key. {FILLER} Office 2021 with the Russian language pack."
    ad = {"title": "Software licences", "body": body, "kind": "classified", "language": "en"}
    assert matcher.match(ad) == []
    close = {**ad, "body": "Genuine russian girl, verified. " + FILLER}
    assert "escort-trust-and-ethnicity" in {m.rule_id for m in matcher.match(close)}


def test_a_pagination_row_is_not_a_phone_number():
    """A listing's pagination row "1 2 3 4 5 6 7 8" fired the spelled-out-phone rule."""
    matcher = Matcher(load_rules(RULES_YAML))
    for row in ("1 2 3 4 5 6 7 8", "« 1 2 3 4 5 6 7 8 9 10 11 »", "Páginas: 2 3 4 5 6 7 8 9 … 40"):
        ad = {"title": "Latina", "body": f"Fotos reales. {row}", "kind": "classified"}
        assert "escort-obscured-phone" not in {m.rule_id for m in matcher.match(ad)}, row
    for phone in ("9 8 1 2 3 4 5 6 7", "0 9 8 1-5 5 5-1 2 3", "6.1.2.3.4.5.6.7.8"):
        ad = {"title": "Latina", "body": f"Fotos reales. {phone}", "kind": "classified"}
        assert "escort-obscured-phone" in {m.rule_id for m in matcher.match(ad)}, phone
