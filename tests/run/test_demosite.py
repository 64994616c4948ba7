"""The demo sites: deterministic generation, a truth that matches the pages, a real server.

Server tests run the sites on 127.0.0.1 (in a thread, and once in a child process) and
read them with urllib, the way any client would.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import imagehash
import phonenumbers
import py3langid
import pytest
import yaml
from parsel import Selector
from PIL import Image, ImageStat

from demosite import DemoServer, DemoWorld, generate, sources_yaml

ROOT = Path(__file__).resolve().parents[2]

# Written out here rather than imported, so the test checks the generator against the
# documented formats instead of against itself.
DIGIT_WORDS = {
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve".split(),
    "pt": "zero um dois três quatro cinco seis sete oito nove".split(),
    "en": "zero one two three four five six seven eight nine".split(),
}
LETTER_DIGITS = {
    "O": "0", "l": "1", "I": "1", "Z": "2", "E": "3", "A": "4",
    "S": "5", "G": "6", "T": "7", "B": "8", "g": "9",
}  # fmt: skip
#: Everyday words; every ad should use some of its own language's.
COMMON_WORDS = {
    "es": {"el", "la", "los", "las", "y", "de", "del", "en", "con", "para", "por", "un", "mi"},
    "pt": {"o", "a", "os", "as", "e", "de", "do", "da", "em", "no", "na", "com", "para", "um"},
    "en": {"the", "and", "a", "to", "in", "of", "for", "with", "on", "or", "no", "is", "my"},
}


def decode_phone(text: str, style: str, language: str) -> str:
    """Digits of a phone as an ad wrote it (what a normalizer has to recover)."""
    if style == "words":
        return "".join(str(DIGIT_WORDS[language].index(w)) for w in text.split())
    if style == "emoji":
        text = text.replace("\ufe0f\u20e3", "")
    if style == "letters":
        text = "".join(LETTER_DIGITS.get(c, c) for c in text)
    return "".join(c for c in text if c.isdigit())


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return generate(seed=1, size=500)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(seed=1, size=500, in_process=True) as running:
        yield running


def ads_of(world: DemoWorld, site: str) -> list[dict]:
    return [ad for ad in world.truth["ads"] if ad["site"] == site]


# --------------------------------------------------------------------------- generation


def test_same_seed_and_size_give_identical_truth_and_pages() -> None:
    first, second = generate(seed=7, size=150), generate(seed=7, size=150)
    assert first.truth_json() == second.truth_json()
    assert first.paths() == second.paths()
    for path in first.paths():
        route, _, query = path.partition("?")
        assert first.page(route, query) == second.page(route, query), path


def test_another_seed_gives_another_world() -> None:
    assert generate(seed=7, size=150).truth_json() != generate(seed=8, size=150).truth_json()


def test_default_size_has_500_ads_over_20_classifieds_pages(world: DemoWorld) -> None:
    assert len(world.truth["ads"]) >= 500
    assert world.listing_pages("classifieds") >= 20
    assert {ad["site"] for ad in world.truth["ads"]} == {
        "classifieds", "anuncios", "jobs", "feed", "app",
    }  # fmt: skip


def test_size_scales_ads_and_faults() -> None:
    big = generate(seed=1, size=1500)
    assert len(big.truth["ads"]) >= 1500
    assert big.listing_pages("classifieds") >= 55
    assert len(big.truth["errors"]["404"]) > 4
    assert len(big.truth["robots_disallowed"]) > 4


def test_every_truth_phone_is_valid_for_its_site_country(world: DemoWorld) -> None:
    for ad in world.truth["ads"]:
        assert ad["phones"], ad["url"]
        assert len(ad["phones"]) == len(ad["phone_formats"])
        for number in ad["phones"] + ad["whatsapp"]:
            parsed = phonenumbers.parse(number)
            assert phonenumbers.is_valid_number(parsed), number
            assert phonenumbers.region_code_for_number(parsed) == ad["country"], number


def test_written_phones_decode_to_their_truth_numbers(world: DemoWorld) -> None:
    records = [r for site in world.records.values() for r in site]
    for record in records:
        for use in record.contact.phones:
            digits = decode_phone(use.text, use.style, record.language)
            if use.style == "international":
                parsed = phonenumbers.parse("+" + digits.removeprefix("00"))
            else:
                parsed = phonenumbers.parse(digits, record.country)
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            assert e164 == use.e164, (use, record.url)


def test_every_phone_style_gets_a_fair_share(world: DemoWorld) -> None:
    styles = Counter(s for ad in world.truth["ads"] for s in ad["phone_formats"])
    total = sum(styles.values())
    assert set(styles) == {"national", "international", "words", "letters", "spaced", "emoji"}
    assert min(styles.values()) > 0.05 * total


def test_ads_read_as_their_language(world: DemoWorld) -> None:
    agree = 0
    for ad in world.truth["ads"]:
        text = ad["title"] + ". " + ad["body"]
        assert set(re.findall(r"\w+", text.lower())) & COMMON_WORDS[ad["language"]], ad["url"]
        agree += py3langid.classify(text)[0] == ad["language"]
    assert agree >= 0.97 * len(world.truth["ads"])
    assert set(Counter(ad["language"] for ad in world.truth["ads"])) == {"es", "pt", "en"}


def test_work_abroad_ads_carry_indicators_some_obfuscated(world: DemoWorld) -> None:
    suspicious = [ad for ad in world.truth["ads"] if ad["suspicious"]]
    assert len(suspicious) >= 20
    texts = [(ad["title"] + " " + ad["body"]).lower() for ad in suspicious]
    assert any("v.i.s.a" in t or "w h a t s a p p" in t or "s3x" in t for t in texts)
    indicators = ("visa", "visto", "passport", "pasaporte", "passaporte", "experienc", "pasaje")
    assert sum(any(i in t for i in indicators) for t in texts) > len(texts) // 2


def test_reposts_move_to_another_site_with_a_new_phone(world: DemoWorld) -> None:
    by_url = {ad["url"]: ad for ad in world.truth["ads"]}
    assert len(world.truth["reposts"]) >= 0.06 * len(by_url)
    for repost_url, original_url in world.truth["reposts"]:
        repost, original = by_url[repost_url], by_url[original_url]
        assert repost["site"] != original["site"]
        assert repost["repost_of"] == original_url
        assert repost["language"] == original["language"]
        assert not set(repost["phones"]) & set(original["phones"])
        original_photos = {url.rsplit("/", 1)[1].split(".")[0] for url in original["image_urls"]}
        assert repost["base_photos"] and set(repost["base_photos"]) <= original_photos
        assert not set(repost["image_urls"]) & set(original["image_urls"])


def test_faults_are_listed_apart_from_ads(world: DemoWorld) -> None:
    errors = world.truth["errors"]
    ad_urls = {ad["url"] for ad in world.truth["ads"]}
    assert all(errors[kind] for kind in ("404", "500", "malformed", "slow"))
    assert not (set(errors["404"]) | set(errors["500"]) | set(errors["malformed"])) & ad_urls
    assert set(errors["slow"]) <= ad_urls
    assert world.truth["robots_disallowed"]
    assert all(u.startswith("/classifieds/private/") for u in world.truth["robots_disallowed"])
    assert not set(world.truth["robots_disallowed"]) & ad_urls


def test_expected_ads_leave_out_browser_only_ads_by_default(world: DemoWorld) -> None:
    assert not any(ad["needs_browser"] for ad in world.expected_ads())
    assert {ad["site"] for ad in world.expected_ads(["app"], include_browser=True)} == {"app"}
    assert len(world.expected_ads(include_browser=True)) == len(world.truth["ads"])


def test_photos_decode_are_not_flat_and_have_photo_sizes(world: DemoWorld) -> None:
    specs = list(world.images.values())
    sample = (
        [s for s in specs if not s.is_variant and s.fmt == "jpg"][:4]
        + [s for s in specs if s.fmt == "png"][:2]
        + [s for s in specs if s.is_variant][:2]
    )
    for spec in sample:
        data = world.image_bytes(spec.path)
        assert data is not None
        image = Image.open(io.BytesIO(data))
        assert image.format == ("PNG" if spec.fmt == "png" else "JPEG")
        if not spec.is_variant:
            assert 400 <= image.width <= 900
        assert ImageStat.Stat(image.convert("L")).stddev[0] > 10
        assert len(image.convert("RGB").getcolors(1 << 20) or range(1 << 20)) > 64


def test_repost_photos_stay_near_duplicates_of_their_base(world: DemoWorld) -> None:
    variants = [s for s in world.images.values() if s.is_variant][:6]
    bases = [world.images[s.base_id] for s in variants]

    def phash(spec) -> imagehash.ImageHash:
        return imagehash.phash(Image.open(io.BytesIO(world.image_bytes(spec.path))))

    hashes = [phash(b) for b in bases]
    for variant, base_hash in zip(variants, hashes, strict=True):
        assert phash(variant) - base_hash <= 12
    distinct = [hashes[i] - hashes[j] for i in range(6) for j in range(i + 1, 6)]
    assert min(distinct) > 12


def test_sources_yaml_names_the_demo_sites() -> None:
    config = yaml.safe_load(sources_yaml("http://127.0.0.1:9999"))
    names = [source["name"] for source in config["sources"]]
    assert names == ["demo-classifieds", "demo-anuncios", "demo-jobs", "demo-feed", "demo-app"]
    classifieds = config["sources"][0]
    assert classifieds["start_urls"] == ["http://127.0.0.1:9999/classifieds/"]
    assert classifieds["fields"]["title"] == "h1.ad-title::text"
    assert config["sources"][2]["sitemap"] == "http://127.0.0.1:9999/jobs/sitemap.xml"
    assert all(source["allow_private_network"] for source in config["sources"])
    without_js = yaml.safe_load(sources_yaml("http://127.0.0.1:9999", include_js=False))
    assert "demo-app" not in [source["name"] for source in without_js["sources"]]


def test_cli_writes_the_truth(tmp_path: Path) -> None:
    out = tmp_path / "truth.json"
    subprocess.run(
        [sys.executable, "-m", "demosite", "truth", "--seed", "3", "--size", "80", "-o", out],
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.read_text(encoding="utf-8") == generate(seed=3, size=80).truth_json()
    assert json.loads(out.read_text(encoding="utf-8"))["seed"] == 3


# ------------------------------------------------------------------------------- server


def test_robots_txt_disallows_private_ads(server: DemoServer) -> None:
    status, headers, body = fetch(server.base_url + "/robots.txt")
    assert status == 200
    assert body.decode() == "User-agent: *\nDisallow: /classifieds/private/\n"
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(body.decode().splitlines())
    for path in server.world.truth["robots_disallowed"]:
        assert not robots.can_fetch("adwatch", server.base_url + path)
        assert fetch(server.base_url + path)[0] == 200


def test_classifieds_listing_links_every_entry(server: DemoServer) -> None:
    world = server.world
    links: list[str] = []
    url: str | None = server.base_url + "/classifieds/"
    pages = 0
    while url:
        status, headers, body = fetch(url)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        page = Selector(text=body.decode())
        links += page.css("article.ad-card a.ad-link::attr(href)").getall()
        pages += 1
        nxt = page.css("a.next::attr(href)").get()
        url = server.base_url + nxt if nxt else None
    assert pages == world.listing_pages("classifieds") >= 20
    errors = world.truth["errors"]
    expected = {ad["url"] for ad in ads_of(world, "classifieds")}
    expected |= set(world.truth["robots_disallowed"])
    expected |= {
        u for kind in ("404", "500", "malformed") for u in errors[kind] if "/classifieds/" in u
    }
    assert set(links) == expected
    assert {u for u in links if u.startswith("/classifieds/")} == set(links)


def test_classifieds_detail_pages_show_the_truth(server: DemoServer) -> None:
    world = server.world
    slow = set(world.truth["errors"]["slow"])
    records = {r.url: r for r in world.records["classifieds"]}
    for ad in [a for a in ads_of(world, "classifieds") if a["url"] not in slow][:8]:
        status, headers, body = fetch(server.base_url + ad["url"])
        assert status == 200 and "ETag" in headers and "Last-Modified" in headers
        page = Selector(text=body.decode())
        assert page.css("h1.ad-title::text").get() == ad["title"]
        paragraphs = ["".join(p.css("::text").getall()) for p in page.css("div.ad-body p")]
        assert "\n\n".join(paragraphs) == ad["body"]
        assert page.css("span.ad-location::text").get() == ad["location"]
        assert page.css("time.ad-date::attr(datetime)").get() == ad["posted_at"]
        assert page.css("div.ad-gallery img::attr(src)").getall() == ad["image_urls"]
        text = "".join(page.css("div.ad-contact ::text, div.ad-body ::text").getall())
        for use in records[ad["url"]].contact.phones:
            assert use.text in text
        wa = page.css("div.ad-contact a.wa::attr(href)").getall()
        assert [f"https://wa.me/{n[1:]}" for n in ad["whatsapp"]] == wa
        mail = page.css('div.ad-contact a[href^="mailto:"]::attr(href)').getall()
        assert mail == [f"mailto:{e}" for e in ad["emails"]]


def test_anuncios_carry_opengraph_and_microdata(server: DemoServer) -> None:
    world = server.world
    listing = Selector(text=fetch(server.base_url + "/anuncios/")[2].decode())
    assert listing.css("link[rel=next]::attr(href)").get() == "/anuncios/pagina/2/"
    assert listing.css("ul.lista a::attr(href)").get() == world.records["anuncios"][0].url
    for ad in [a for a in ads_of(world, "anuncios") if a["price"] is not None][:4]:
        page = Selector(text=fetch(server.base_url + ad["url"])[2].decode())
        assert page.css('meta[property="og:title"]::attr(content)').get() == ad["title"]
        assert page.css('meta[property="og:url"]::attr(content)').get() == (
            server.base_url + ad["url"]
        )
        assert page.css('meta[property="og:image"]::attr(content)').get() == (
            server.base_url + ad["image_urls"][0]
        )
        assert float(page.css('[itemprop="price"]::attr(content)').get()) == ad["price"]
        currency = page.css('[itemprop="priceCurrency"]::attr(content)').get()
        assert currency == ad["currency"]
        assert page.css("[itemscope]::attr(itemtype)").get() in (
            "https://schema.org/Product",
            "https://schema.org/Offer",
        )


def test_jobs_sitemaps_and_json_ld_match_the_truth(server: DemoServer) -> None:
    world = server.world
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = ET.fromstring(fetch(server.base_url + "/jobs/sitemap.xml")[2])
    locs: list[str] = []
    for sitemap in index.findall("sm:sitemap/sm:loc", ns):
        urlset = ET.fromstring(fetch(sitemap.text or "")[2])
        entries = urlset.findall("sm:url", ns)
        assert 0 < len(entries) <= 500
        assert all(e.find("sm:lastmod", ns) is not None for e in entries)
        locs += [e.findtext("sm:loc", namespaces=ns) or "" for e in entries]
    job_urls = {r.url for r in world.records["jobs"]}
    assert {loc.removeprefix(server.base_url) for loc in locs} == job_urls
    slow = set(world.truth["errors"]["slow"])
    for ad in [a for a in ads_of(world, "jobs") if a["url"] not in slow][:6]:
        page = Selector(text=fetch(server.base_url + ad["url"])[2].decode())
        posting = json.loads(page.css('script[type="application/ld+json"]::text').get())
        assert posting["@type"] == "JobPosting"
        assert posting["title"] == ad["title"]
        assert posting["datePosted"] == ad["posted_at"]
        address = posting["jobLocation"]["address"]
        assert f"{address['addressLocality']}, {address['addressRegion']}" == ad["location"]
        assert address["addressCountry"] == "ES"
        description = Selector(text=posting["description"])
        text = "\n\n".join("".join(p.css("::text").getall()) for p in description.css("p"))
        assert text == ad["body"]
        if ad["price"] is None:
            assert "baseSalary" not in posting
        else:
            value = posting["baseSalary"]["value"]
            assert value.get("value", value.get("minValue")) == ad["price"]
            assert posting["baseSalary"]["currency"] == ad["currency"]


def test_feed_items_hold_the_full_ad_text(server: DemoServer) -> None:
    world = server.world
    status, headers, body = fetch(server.base_url + "/feed/rss.xml")
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    items = ET.fromstring(body).findall("channel/item")
    feed_ads = ads_of(world, "feed")
    assert len(items) == len(feed_ads)
    for item, ad in zip(items, feed_ads, strict=True):
        assert item.findtext("link") == server.base_url + ad["url"]
        assert item.findtext("title") == ad["title"]
        description = Selector(text=item.findtext("description") or "")
        text = "\n\n".join("".join(p.css("::text").getall()) for p in description.css("p"))
        assert text == ad["body"]
        enclosures = [e.get("url") for e in item.findall("enclosure")]
        assert enclosures == [server.base_url + u for u in ad["image_urls"]]
    status, _, _ = fetch(server.base_url + feed_ads[0]["url"])
    assert status == 200


def test_app_pages_are_empty_shells_backed_by_a_json_api(server: DemoServer) -> None:
    world = server.world
    app_ads = ads_of(world, "app")
    shell = fetch(server.base_url + "/app/")[2].decode()
    assert '<div id="app"></div>' in shell and '<script src="/app/app.js">' in shell
    assert app_ads[0]["title"] not in shell
    assert fetch(server.base_url + "/app/app.js")[0] == 200
    listing = json.loads(fetch(server.base_url + "/app/api/ads?page=1")[2])
    assert [ad["url"] for ad in listing["ads"]] == [ad["url"] for ad in app_ads[:12]]
    assert listing["next"] == "/app/?page=2"
    number = app_ads[0]["url"].rsplit("/", 1)[1]
    detail = json.loads(fetch(server.base_url + f"/app/api/ad/{number}")[2])
    assert detail["title"] == app_ads[0]["title"]
    assert detail["images"] == app_ads[0]["image_urls"]
    assert fetch(server.base_url + app_ads[0]["url"])[2].decode() == shell


def test_fault_urls_answer_as_the_truth_says(server: DemoServer) -> None:
    world = server.world
    errors = world.truth["errors"]
    for url in errors["404"]:
        assert fetch(server.base_url + url)[0] == 404
    for url in errors["500"]:
        assert fetch(server.base_url + url)[0] == 500
        assert fetch(server.base_url + url)[0] == 500
    for url in errors["malformed"]:
        status, _, body = fetch(server.base_url + url)
        assert status == 200
        assert b'class="ad-title"' not in body and b'class="ad-body"' not in body
    started = time.monotonic()
    status, _, body = fetch(server.base_url + errors["slow"][0])
    assert status == 200 and time.monotonic() - started >= 1.4
    assert b"<h1" in body


def test_conditional_get_and_images(server: DemoServer) -> None:
    world = server.world
    url = server.base_url + "/classifieds/"
    etag = fetch(url)[1]["ETag"]
    request = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 304
    ad = ads_of(world, "classifieds")[0]
    status, headers, body = fetch(server.base_url + ad["image_urls"][0])
    assert status == 200 and headers["Content-Type"] in ("image/jpeg", "image/png")
    assert body == world.image_bytes(ad["image_urls"][0])
    assert fetch(server.base_url + "/img/000000000000.jpg")[0] == 404


def test_child_process_server_serves_the_same_world_and_stops() -> None:
    server = DemoServer(seed=4, size=60)
    with server:
        status, _, body = fetch(server.base_url + "/jobs/sitemap.xml")
        assert status == 200 and server.base_url.encode() in body
        ad = server.world.truth["ads"][0]
        page = Selector(text=fetch(server.base_url + ad["url"])[2].decode())
        assert page.css("h1.ad-title::text").get() == ad["title"]
        process = server._process
        assert process is not None
    assert process.poll() is not None
