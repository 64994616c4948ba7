"""Property tests (hypothesis) of the pure code that reads what strangers write: extraction
of arbitrary HTML, normalization, phones, prices, the rule matcher, the digest builder and
the YAML loaders. None of them may raise (other than their documented error types), hang
or return something of the wrong type, whatever the input.

Seeded and bounded: the ``ci`` profile (``make test``) is derandomized, with few examples
and a deadline per example that only a hang or a blow-up reaches; ``make fuzz`` runs the
``fuzz`` profile (``ADWATCH_FUZZ_PROFILE=fuzz``): many more examples from the seed
``--hypothesis-seed`` gives. An input that broke something is kept below as a plain
regression test.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parsel import Selector

from alerts.digest import DigestOptions, build_digests
from alerts.ledger import Alert
from alerts.matcher import Matcher, highlight
from alerts.rules import RuleSet, parse_rules
from crawler.common.yamlconf import ConfigError, parse_yaml
from crawler.config import Source, load_sources
from crawler.extract.ads import ListingPage, extract_detail, extract_listing
from crawler.extract.normalize import normalize_ad
from crawler.extract.phones import extract_phones
from crawler.extract.prices import find_price, parse_price
from crawler.extract.probe import probe_bytes
from crawler.extract.rules import apply_rules, load_ruleset
from crawler.extract.text import clean_text
from crawler.items import Ad, RawAd

_COMMON = dict(
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# a deadline only a hang or a blow-up reaches on a busy machine (hypothesis reports an
# example over it, after running it again)
settings.register_profile(
    "ci", derandomize=True, max_examples=30, deadline=timedelta(seconds=10), **_COMMON
)
settings.register_profile(
    "fuzz", derandomize=False, max_examples=1500, deadline=timedelta(seconds=20), **_COMMON
)
PROFILE = settings.get_profile(os.environ.get("ADWATCH_FUZZ_PROFILE", "ci"))


def examples(n: int) -> settings:
    """The profile with ``n`` examples in ``ci`` (slow targets get fewer), 50 times as many
    in ``fuzz``."""
    scale = 1 if PROFILE.derandomize else 50
    return settings(PROFILE, max_examples=n * scale)


# ---------------------------------------------------------------- hostile text

# what ads are made of, and what breaks parsers: digits in every disguise, currency signs,
# separators, emoji, controls, direction overrides, zero-width and combining characters,
# surrogate-free astral characters, markup and template syntax
_PIECES = [
    "visa pagada", "v.i.s.a", "w h a t s a p p", "WhatsApp", "wa.me/595981123456", "+595",
    "0981 234 567", "(021) 555-123", "cero nueve ocho uno", "nueve", "tres", "zero", "oito",
    "0️⃣9️⃣8️⃣1️⃣", "𝟎𝟗𝟖𝟏", "０９８１", "٠٩٨١", "Gs.", "₲", "R$", "US$", "$", "€", "£", "¥",
    "1.500.000", "1,500.00", "1.5k", "2 mil", "por mes", "/hora", "al año", "Precio:",
    "Sueldo:", "Salary:", "hace 3 días", "ayer", "2026-13-45", "31/02/2026", "9" * 40,
    "1e309", "NaN", "-0", "\u202e", "\u2066", "\u200b", "\u00ad", "\ufeff", "\x00", "\x1b[31m",
    "\r\n", "\u2028", "é", "ñ", "ç", "ß", "İ", "ﬁ", "a\u0301", "🌹", "💋", "🍑", "👩‍❤️‍👨",
    "<b>", "</p>", "<script>", "&amp;", "&#0;", "&#x110000;", "{{ x }}", "{% if %}", "[/bold]",
    "${VAR}", "*", "_", "`", "'", '"', "\\", "@", "@handle", "x@y.org", "http://", "https://a",
]  # fmt: skip
_ALPHABET = st.characters(exclude_categories=("Cs",))
hostile_text = st.one_of(
    st.text(_ALPHABET, max_size=200),
    st.lists(st.one_of(st.sampled_from(_PIECES), st.text(_ALPHABET, max_size=8)), max_size=40).map(
        "".join
    ),
    st.lists(st.sampled_from(_PIECES), max_size=12).map(" ".join),
)
countries = st.one_of(
    st.none(), st.sampled_from(["PY", "BR", "AR", "ES", "US", "GB", "MX", "XX", "", "py", "ZZZ"])
)
languages = st.one_of(
    st.none(), st.lists(st.sampled_from(["es", "pt", "en", "gn", "xx", "", "zh"]), max_size=3)
)


# ---------------------------------------------------------------- hostile HTML

_TAGS = [
    "div", "p", "span", "a", "img", "h1", "h2", "li", "ul", "table", "tr", "td", "article",
    "main", "section", "header", "footer", "nav", "form", "button", "time", "address", "dl",
    "dt", "dd", "script", "style", "noscript", "template", "iframe", "meta", "link", "title",
    "svg", "math", "br", "pre",
]  # fmt: skip
_ATTRS = [
    "href", "src", "class", "id", "itemprop", "itemscope", "itemtype", "rel", "property",
    "content", "name", "datetime", "data-src", "srcset", "lang", "type", "style", "onclick",
]  # fmt: skip
_ATTR_VALUES = st.one_of(
    hostile_text,
    st.sampled_from(
        [
            "canonical", "next", "og:url", "og:title", "og:image", "price", "title", "telephone",
            "https://schema.org/JobPosting", "http://schema.org/Product", "ad", "listing-item",
            "/ad/1", "../ad/2?x=1#f", "javascript:alert(1)", "data:image/png;base64,AAAA",
            "//evil.example.org/x", "http://[::1", "http://exa mple.org/", "mailto:a@b",
            "tel:+595981123456", "https://wa.me/595981123456", "application/ld+json", "",
        ]
    ),
)  # fmt: skip
_JSON_KEYS = [
    "@context", "@type", "@graph", "title", "name", "description", "datePosted", "validThrough",
    "baseSalary", "value", "minValue", "maxValue", "currency", "unitText", "offers", "price",
    "priceCurrency", "jobLocation", "address", "addressLocality", "addressCountry",
    "telephone", "image", "url", "hiringOrganization", "employmentType", "contentUrl",
]  # fmt: skip
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        hostile_text,
        st.sampled_from(["JobPosting", "Product", "Offer", "MonetaryAmount", "PostalAddress"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(_JSON_KEYS), hostile_text), inner, max_size=6),
    ),
    max_leaves=25,
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@st.composite
def html_nodes(draw: Any, depth: int = 0) -> str:
    kind = draw(st.integers(0, 9))
    if kind <= 2 or depth > 4:
        text = draw(hostile_text)
        return text if draw(st.booleans()) else _escape(text)
    if kind == 3:
        data = draw(json_values)
        return f'<script type="application/ld+json">{json.dumps(data)}</script>'
    if kind == 4:
        data = draw(json_values)
        return f"<script>window.__INITIAL_STATE__ = {json.dumps(data)};</script>"
    tag = draw(st.sampled_from(_TAGS))
    attrs = draw(st.lists(st.tuples(st.sampled_from(_ATTRS), _ATTR_VALUES), max_size=3))
    attr_text = "".join(f' {name}="{_escape(value)}"' for name, value in attrs)
    children = draw(st.lists(html_nodes(depth + 1), max_size=4))
    close = "" if draw(st.integers(0, 9)) == 0 else f"</{tag}>"  # sometimes left open
    return f"<{tag}{attr_text}>{''.join(children)}{close}"


def _page(head: str, body: str, lang: str) -> str:
    return f'<!DOCTYPE html><html lang="{_escape(lang)}"><head>{head}</head><body>{body}</body>'


html_pages = st.one_of(
    st.builds(
        _page,
        st.lists(html_nodes(3), max_size=3).map("".join),
        st.lists(html_nodes(), max_size=6).map("".join),
        st.sampled_from(["es", "pt-BR", "en", "", "x" * 50]),
    ),
    st.lists(html_nodes(), max_size=6).map("".join),
    hostile_text,
)
html_bytes = st.one_of(
    html_pages.map(lambda s: s.encode("utf-8", "surrogatepass")),
    html_pages.map(lambda s: s.encode("utf-16")),
    st.binary(max_size=400),
    html_pages.map(lambda s: b'<meta charset="x-bogus">' + s.encode("latin-1", "replace")),
)
page_urls = st.sampled_from(
    ["http://ads.example.org/ad/1", "https://ads.example.org/list?page=2", "file:///tmp/x.html"]
)
AUTO = Source(name="fuzz", kind="classified", start_urls=["http://ads.example.org/"])
SELECTORS = Source(
    name="fuzz-selectors",
    kind="job",
    start_urls=["http://ads.example.org/"],
    links="a.ad::attr(href)",
    next_page="//a[@rel='next']/@href",
    fields={
        "title": "h1",
        "body": "//article",
        "price": ".price",
        "contact": "a[href^=tel]",
        "images": "img::attr(src)",
    },
)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_raw(raw: RawAd | None) -> None:
    if raw is None:
        return
    assert isinstance(raw, RawAd)
    for name in ("title", "body", "price", "location", "posted", "contact", "canonical"):
        assert getattr(raw, name) is None or isinstance(getattr(raw, name), str), name
    assert _strings(raw.image_urls) and _strings(raw.links)
    assert isinstance(raw.structured, dict)


@examples(25)
@given(body=html_pages, url=page_urls, source=st.sampled_from([AUTO, SELECTORS]))
def test_extraction_reads_any_html(body, url, source):
    sel = Selector(text=body) if body.strip() else Selector(text="<html></html>")
    _check_raw(extract_detail(sel, url, source))
    listing = extract_listing(sel, url, source)
    assert isinstance(listing, ListingPage) and _strings(listing.links)
    assert listing.next_page is None or isinstance(listing.next_page, str)


@examples(20)
@given(body=html_bytes, url=page_urls)
def test_probe_reads_any_bytes_as_the_crawl_does(body, url):
    out = probe_bytes(body, url)
    assert isinstance(out, dict) and _strings(out["links"])
    ad = out.get("ad")
    if ad is not None:
        json.dumps(ad)  # what `adwatch extract --json` prints
        assert isinstance(ad["title"], str | None) and _strings(ad["phones"])


# ---------------------------------------------------------------- normalization

_CONTACT_LINKS = ["tel:+595981123456", "https://wa.me/595981123456", "mailto:x@y.org", "tel:"]
raw_ads = st.builds(
    RawAd,
    url=st.one_of(page_urls, hostile_text),
    source=st.just("fuzz"),
    kind=st.sampled_from(["job", "classified"]),
    title=st.one_of(st.none(), hostile_text),
    body=st.one_of(st.none(), hostile_text, html_pages),
    price=st.one_of(st.none(), hostile_text),
    location=st.one_of(st.none(), hostile_text),
    posted=st.one_of(st.none(), hostile_text),
    contact=st.one_of(st.none(), hostile_text),
    employer=st.one_of(st.none(), hostile_text),
    image_urls=st.lists(st.one_of(page_urls, hostile_text), max_size=3),
    links=st.lists(st.one_of(page_urls, hostile_text, st.sampled_from(_CONTACT_LINKS)), max_size=3),
    canonical=st.one_of(st.none(), page_urls, hostile_text),
    language=st.one_of(st.none(), st.sampled_from(["es", "pt", "en", "", "zz", "es-PY"])),
    structured=st.one_of(st.just({}), st.dictionaries(st.sampled_from(_JSON_KEYS), json_values)),
)
_E164 = re.compile(r"\+[1-9]\d{5,14}")


def _finite_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, float | int) and math.isfinite(value))


@examples(25)
@given(raw=raw_ads, country=countries, langs=languages)
def test_normalization_gives_an_ad_of_the_right_types(raw, country, langs):
    now = datetime(2026, 11, 1, tzinfo=UTC)
    ad = normalize_ad(raw, country=country, languages=langs, now=now)
    assert isinstance(ad, Ad)
    assert isinstance(ad.title, str | None) and isinstance(ad.body, str | None)
    assert all(_E164.fullmatch(p) for p in ad.phones), ad.phones
    assert _strings(ad.emails) and _strings(ad.image_urls)
    assert _finite_or_none(ad.price)
    assert ad.currency is None or re.fullmatch(r"[A-Z]{3}", ad.currency)
    json.dumps(ad.to_dict())


@examples(60)
@given(value=st.one_of(st.none(), hostile_text, html_pages))
def test_clean_text_gives_text_without_controls(value):
    out = clean_text(value)
    assert isinstance(out, str)
    assert not re.search(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", out)


@examples(60)
@given(text=hostile_text, country=countries, langs=languages)
def test_phones_are_e164(text, country, langs):
    phones = extract_phones(text, country, langs)
    assert isinstance(phones, list) and all(_E164.fullmatch(p) for p in phones), phones


_PERIODS = {None, "hour", "day", "week", "month", "year"}


@examples(60)
@given(text=st.one_of(st.none(), hostile_text), country=countries)
def test_prices_are_amounts_currencies_and_periods(text, country):
    for found in (parse_price(text, country), find_price(text, country)):
        amount, currency, period = found
        assert _finite_or_none(amount), found
        assert currency is None or re.fullmatch(r"[A-Z]{3}", currency), found
        assert period in _PERIODS, found


# ---------------------------------------------------------------- rules and the matcher

RULES_FILE = Path(__file__).resolve().parents[2] / "rules.yaml"
RULES = load_ruleset(RULES_FILE)
MATCHER = Matcher(RULES) if RULES is not None else None


@examples(60)
@given(
    title=hostile_text,
    body=st.one_of(hostile_text, st.lists(hostile_text, max_size=5).map("\n".join)),
    language=st.one_of(st.none(), st.sampled_from(["es", "pt", "en", "xx"])),
    kind=st.sampled_from(["job", "classified"]),
)
def test_the_bundled_rules_match_any_ad(title, body, language, kind):
    assert MATCHER is not None
    matches = MATCHER.match({"title": title, "body": body, "language": language, "kind": kind})
    fields = {"title": title, "body": body}
    for match in matches:
        assert math.isfinite(match.score)
        for term in match.terms:
            if term.field in fields:
                assert 0 <= term.start <= term.end <= len(fields[term.field]), term
                highlight(fields[term.field], [(term.start, term.end)], "html")
    # as the extraction workers apply them (crawler/extract/rules.py)
    ad = Ad("i", "s", kind, "http://x/", "http://x/", title, body, language=language)
    apply_rules(ad, RULES_FILE)
    assert len(ad.matched_rules) == len(matches) and math.isfinite(ad.risk_score or 0.0)
    json.dumps(ad.to_dict(), allow_nan=False)


_RULE_TERMS = st.one_of(
    hostile_text,
    st.sampled_from(["(a+)+b", "x{4294967296}", "[", "\\", "(?i)visa", "a{2,1}", "(?P<n>x)"]),
)


@st.composite
def rules_files(draw: Any) -> str:
    regexes = st.builds(lambda r: {"regex": r}, _RULE_TERMS)
    terms = draw(st.lists(st.one_of(_RULE_TERMS, regexes), min_size=1, max_size=4))
    rule = {
        "id": draw(st.sampled_from(["r1", "visa-paid", "Bad Id", ""])),
        "name": draw(hostile_text),
        "severity": draw(st.sampled_from(["low", "medium", "high", "critical", "bogus"])),
        "any": terms,
    }
    if draw(st.booleans()):
        rule["weight"] = draw(st.one_of(st.floats(), st.integers(), hostile_text))
    if draw(st.booleans()):
        rule["all"] = [draw(st.lists(_RULE_TERMS, min_size=1, max_size=2))]
    return json.dumps({"rules": [rule]}, allow_nan=True)  # JSON is YAML


@examples(40)
@given(text=rules_files(), ad=hostile_text)
def test_any_rules_file_is_a_ruleset_or_a_config_error(text, ad):
    try:
        ruleset = parse_rules(text, "rules.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("rules.yaml")
        return
    assert isinstance(ruleset, RuleSet)
    for match in Matcher(ruleset).match({"title": ad, "body": ad}):
        assert math.isfinite(match.score)


# ---------------------------------------------------------------- YAML loaders

yaml_texts = st.one_of(
    hostile_text,
    st.lists(
        st.sampled_from(
            [
                "a: &x [1, 2]", "b: *x", "c: *missing", "- &y {k: v}", "- *y", "<<: *x",
                "sources:", "rules:", "  - name: s", "    kind: job", "    start_urls: [http://x]",
                "  - id: r", "    any: [visa]", "? complex", ": key", "!!python/object:os.system",
                "!!binary AAAA", "key: !!float .inf", "%YAML 1.1", "---", "...", "\t- tab",
                "x: [[[[[[[[", "y: {{{{", "'unterminated", "z: |", "  block", "~", "null: null",
                "dup: 1", "dup: 2",
            ]
        ),
        max_size=15,
    ).map("\n".join),
)  # fmt: skip


@examples(60)
@given(text=yaml_texts)
def test_yaml_parsing_gives_data_or_a_config_error(text):
    try:
        data, lines = parse_yaml(text, "f.yaml")
    except ConfigError as exc:
        assert all(p[0] == "f.yaml" for p in exc.problems)
        return
    assert isinstance(lines, dict)


@examples(40)
@given(text=yaml_texts)
def test_any_sources_or_rules_file_loads_or_is_a_config_error(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sources.yaml"
        path.write_text(text, encoding="utf-8")
        for load in (load_sources, parse_rules):
            try:
                load(path) if load is load_sources else load(text, str(path))
            except ConfigError as exc:
                assert str(path) in str(exc)


# ---------------------------------------------------------------- the digest builder

_SEVERITIES = ["critical", "high", "medium", "low"]
_BIDI_AND_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")


@st.composite
def digest_alerts(draw: Any) -> list[Alert]:
    alerts = []
    for n in range(draw(st.integers(1, 4))):
        title, body = draw(hostile_text), draw(hostile_text)
        ad = {
            "id": draw(st.sampled_from([f"ad{n}", "ad0", ""])),
            "title": title,
            "body": body,
            "url": draw(st.one_of(page_urls, hostile_text, st.none())),
            "source": draw(hostile_text),
            "location": draw(st.one_of(st.none(), hostile_text)),
            "posted_at": draw(st.one_of(st.none(), hostile_text)),
            "price": draw(st.one_of(st.none(), st.floats(), st.integers(), hostile_text)),
            "currency": draw(st.one_of(st.none(), hostile_text)),
            "price_period": draw(st.one_of(st.none(), hostile_text)),
            "phones": draw(st.lists(hostile_text, max_size=3)),
            "image_urls": draw(st.lists(st.one_of(page_urls, hostile_text), max_size=2)),
            "risk_score": draw(st.one_of(st.none(), st.floats(), st.integers(), hostile_text)),
        }
        terms = []
        for _ in range(draw(st.integers(0, 3))):
            field = draw(st.sampled_from(["title", "body", "location"]))
            start = draw(st.integers(-2, len(ad.get(field) or "") + 2))
            end = draw(st.integers(-2, len(ad.get(field) or "") + 2))
            terms.append({"field": field, "start": start, "end": end, "text": draw(hostile_text)})
        kind, rule = draw(
            st.sampled_from(
                [("rule", "r"), ("entity", "phone-new-city"), ("entity", "phone-many-ads")]
            )
        )
        detail = {
            "name": draw(hostile_text),
            "terms": terms,
            "ad": ad,
            "phone": draw(hostile_text),
            "city": draw(hostile_text),
            "before": draw(st.lists(hostile_text, max_size=3)),
        }
        alerts.append(
            Alert(
                f"k{n}",
                rule,
                kind,
                draw(st.sampled_from(_SEVERITIES)),
                ad["id"] or f"x{n}",
                f"c{n}",
                ["g"],
                "2026-11-01T00:00:00+00:00",
                detail,
                id=n + 1,
            )  # fmt: skip
        )
    return alerts


@examples(40)
@given(alerts=digest_alerts(), max_bytes=st.sampled_from([1_000, 20_000, 5_000_000]))
def test_any_alerts_give_deliverable_digests(alerts, max_bytes):
    parts = build_digests(
        alerts,
        group="g",
        addresses=["g@example.org"],
        digest_id="d",
        options=DigestOptions(max_bytes=max_bytes),
        now=datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert sorted(a.id for p in parts for a in p.alerts) == sorted(a.id for a in alerts)
    for part in parts:
        data = part.wire_bytes()
        assert len(data) <= max_bytes or len({a.ad_id for a in part.alerts}) == 1
        parsed = message_from_bytes(data, policy=policy.default)
        assert parsed["To"] == "g@example.org" and parsed["X-Adwatch-Digest"] == part.digest_id
        for body in (parsed.get_body(("plain",)), parsed.get_body(("html",))):
            assert not _BIDI_AND_CONTROLS.search(body.get_content())


# ---------------------------------------------------------------- regressions

# Inputs the properties above found that broke something; each stays as a plain test.


@pytest.mark.parametrize("text", ["\x1f", "rules:\n  - id: r\x00", "name: \x7f"])
def test_a_yaml_file_with_a_control_character_is_a_config_error(text, tmp_path):
    with pytest.raises(ConfigError):
        parse_yaml(text, "f.yaml")
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_sources(path)


@pytest.mark.parametrize("text", ["0000-00-00", "sources:\n  - name: 2026-13-45", "a: 2026-02-30"])
def test_a_yaml_date_that_does_not_exist_is_a_config_error(text, tmp_path):
    with pytest.raises(ConfigError):
        parse_yaml(text, "f.yaml")
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_sources(path)
    with pytest.raises(ConfigError):
        parse_rules(text, str(path))


@pytest.mark.parametrize("value", ["true", "5", "1.5"])
def test_a_json_ld_type_that_is_no_name_is_ignored(value):
    body = f'<html><body><script type="application/ld+json">{{"@type": {value}}}</script>'
    url = "http://ads.example.org/ad/1"
    for source in (AUTO, SELECTORS):
        extract_detail(Selector(text=body), url, source)
        extract_listing(Selector(text=body), url, source)
    probe_bytes(body.encode(), url)


@pytest.mark.parametrize("text", ["0[:", "a[b: 1", "sources: []\nx[: 1"])
def test_an_unknown_key_with_a_bracket_is_a_config_error(text, tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_sources(path)
    with pytest.raises(ConfigError):
        parse_rules(text, "rules.yaml")


def test_profiles_are_seeded_and_bounded():
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None and ci.deadline is not None
    assert settings.get_profile("fuzz").max_examples > ci.max_examples
