"""``adwatch sources suggest`` and ``sources check --live``.

On the demo sites (served on 127.0.0.1): the entry suggested from each site's listing page
crawls the same ads as the hand-written entry. On real saved pages of one site: the learned
links, next page and field selectors yield what the pages show. ``check --live`` flags a
selector that yields nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from parsel import Selector

from crawler.config import load_sources
from crawler.extract.probe import page_address, probe_bytes
from crawler.extract.suggest import Page, read_sample
from crawler.extract.suggest_fields import learn_fields
from crawler.extract.suggest_selectors import candidate_selectors, stable_token
from crawler.stores import open_store
from tests.conftest import IN_CI, adwatch

REALPAGES = Path(__file__).resolve().parents[3] / "shared" / "realpages"
# demo sites with listing pages; the hand-written entry of demo-jobs reads its sitemap and that
# of demo-feed its RSS feed: the suggested entries read their HTML listing pages instead
SITES = {
    "demo-classifieds": "/classifieds/",
    "demo-anuncios": "/anuncios/",
    "demo-jobs": "/jobs/",
    "demo-feed": "/feed/",
}


def suggested_name(site: str) -> str:
    return site.replace("demo-", "suggested-")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Demo sites large enough for listing pages to have a next page."""
    from demosite import DemoServer

    with DemoServer(seed=3, size=120) as server:
        yield server


@pytest.fixture(scope="module")
def suggested(demo, tmp_path_factory) -> dict[str, str]:
    """The YAML text ``sources suggest`` prints for each demo site."""
    out = {}
    for site, path in SITES.items():
        proc = adwatch(
            "sources",
            "suggest",
            demo.base_url + path,
            "--name",
            suggested_name(site),
            "--allow-private-network",
            "--delay",
            "0",
        )
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        out[site] = proc.stdout
    return out


def crawled_urls(sources_text: str, tmp: Path) -> dict[str, set[str]]:
    """``adwatch run --all`` with these sources; the page URLs stored per source (ads, and
    reposts kept as sightings)."""
    tmp.mkdir()
    sources = tmp / "sources.yaml"
    sources.write_text(sources_text)
    env = {"ADWATCH_DATA_DIR": str(tmp / "data"), "ADWATCH_SOURCES": str(sources)}
    proc = adwatch("run", "--all", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    store = open_store(tmp / "data")
    try:
        rows = [(a["source"], a["url"]) for a in store.all_ads()]
        rows += [(r["source"], r["url"]) for r in store.conn.execute("SELECT * FROM sightings")]
    finally:
        store.close()
    out: dict[str, set[str]] = {}
    for source, url in rows:
        out.setdefault(source, set()).add(url)
    return out


@pytest.mark.slow
def test_suggested_entries_crawl_the_same_ads_as_the_hand_written_ones(demo, suggested, tmp_path):
    from demosite import sources_yaml

    entries = []
    for site in SITES:
        parsed = yaml.safe_load(suggested[site])["sources"]
        assert [s["name"] for s in parsed] == [suggested_name(site)]
        assert {"title", "body"} <= set(parsed[0]["fields"]), site  # crawled by learned selectors
        entries.extend(parsed)
    combined = tmp_path / "suggested.yaml"
    combined.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True))
    load_sources(combined)  # the printed entries load as they are
    by_hand = crawled_urls(sources_yaml(demo.base_url, include_js=False), tmp_path / "by-hand")
    learned = crawled_urls(combined.read_text(), tmp_path / "suggested")
    for site in SITES:
        assert by_hand.get(site), f"the hand-written {site} crawled nothing"
        assert learned.get(suggested_name(site)) == by_hand[site], site


def test_suggested_entry_names_the_selectors_a_person_would_write(suggested):
    entry = yaml.safe_load(suggested["demo-classifieds"])["sources"][0]
    assert entry["links"] == ".ads a::attr(href)"
    assert entry["next_page"] == ".next::attr(href)"
    fields = entry["fields"]
    assert fields["title"] in ("h1", "h1.ad-title::text", ".ad-title")
    assert fields["body"] in (".ad-body", ".ad p")  # the ad's paragraphs, not the page
    assert fields["location"] == ".ad-location"
    assert fields["posted"] == "time::attr(datetime)"
    # every selector is shown with what it yields on the sample pages, for review
    assert "#   2026-" in suggested["demo-classifieds"]
    assert entry["allow_private_network"] == [demo_host(entry["start_urls"][0])]


def demo_host(url: str) -> str:
    return url.split("/")[2]


def test_suggest_from_a_missing_file_or_bad_address_is_one_line_and_exit_2(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>Welcome</h1></body></html>")
    start = ("--start-url", "https://example.org/")
    for args in (
        (str(tmp_path / "no-such-page.html"),),
        ("http://",),
        (str(tmp_path),),
        (str(page), *start, "--name", "Not A Name"),
        (str(page), *start, "--country", "Paraguay"),
        (str(page), "--start-url", "ftp://example.org/"),
    ):
        proc = adwatch("sources", "suggest", *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for args in (("--delay", "-1"), ("--samples", "0")):
        proc = adwatch("sources", "suggest", str(page), *start, *args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_suggest_refuses_a_loopback_site_without_the_flag(demo):
    proc = adwatch("sources", "suggest", demo.base_url + "/classifieds/", "--delay", "0")
    assert proc.returncode == 2
    assert "--allow-private-network" in proc.stderr and "Traceback" not in proc.stderr


def test_suggest_finds_nothing_usable_on_a_page_without_ads(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<html><body><h1>Welcome</h1><p>Nothing here.</p></body></html>")
    proc = adwatch("sources", "suggest", str(page), "--start-url", "https://example.org/")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "nothing usable" in proc.stderr


# ---------------------------------------------------------------- check --live


def live(demo, tmp_path, **fields: str):
    from demosite import sources_yaml

    data = yaml.safe_load(sources_yaml(demo.base_url, include_js=False))
    data["sources"][0]["fields"].update(fields)
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump(data, allow_unicode=True))
    return adwatch(
        "--sources",
        str(sources),
        "sources",
        "check",
        "--live",
        "demo-classifieds",
        "--pages",
        "2",
        "--delay",
        "0",
    )


def test_check_live_shows_what_each_selector_yields(demo, tmp_path):
    proc = live(demo, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("ad page ") == 2
    assert "EMPTY" not in proc.stdout
    assert "links: 'a.ad-link::attr(href)' -> 12 link(s)" in proc.stdout


def test_check_live_flags_a_broken_selector_as_empty(demo, tmp_path):
    proc = live(demo, tmp_path, price="span.price-that-moved::text")
    assert proc.returncode == 1
    flagged = [line for line in proc.stdout.splitlines() if "EMPTY" in line]
    assert len(flagged) == 2 and all(line.strip().startswith("price:") for line in flagged)
    assert "selectors yielding nothing: price" in proc.stderr


def test_check_live_of_an_unknown_source_is_a_usage_error(tmp_path):
    from demosite import sources_yaml

    sources = tmp_path / "sources.yaml"
    sources.write_text(sources_yaml("http://127.0.0.1:9"))
    proc = adwatch("--sources", str(sources), "sources", "check", "--live", "nope")
    assert proc.returncode == 2 and "unknown source" in proc.stderr


# ---------------------------------------------------------------- the learning itself


def test_generated_and_numbered_names_are_not_used():
    assert stable_token("ad-title") and stable_token("price")
    for token in ("css-1x2y3z", "sc-bdVaJa1", "ad-480934", "Title_title__a1b2c", "jsx-3489"):
        assert not stable_token(token), token
    el = Selector(text='<div id="ad-480934" class="css-9zq1 box"><h1>x</h1></div>').css("h1")[0]
    assert "#ad-480934 h1" not in candidate_selectors(el.root)
    assert ".box h1" in candidate_selectors(el.root)


def sample_page(number: int, title: str, related: str = "") -> Page:
    html = (
        f'<html lang="en"><head><title>{title} - Example</title></head><body>'
        f'<div id="post-{number}" class="post"><h1 class="headline">{title}</h1>'
        f'<div class="text"><p>{title} is for sale, in good condition, pick up only. Call after'
        f" six.</p><p>More words about item {number} so that the text is long enough to be the"
        f" ad's body, and then a few more words.</p></div>{related}</div></body></html>"
    )
    return Page(html.encode(), f"https://example.org/ad/{number}")


def test_the_shortest_selector_that_yields_the_field_on_every_sample_wins():
    first = read_sample(sample_page(1, "Blue bicycle"), None, ["en"])
    second = read_sample(sample_page(2, "Red sofa", related="<h1>Related ads</h1>"), None, ["en"])
    assert first and second and first.ad.title == "Blue bicycle"
    alone, _ = learn_fields([first], None)
    assert alone["title"].selector == "h1"
    # on the second page "h1" and ".post h1" also yield "Related ads"; ids differ per page
    both, _ = learn_fields([first, second], None)
    assert both["title"].selector == ".headline"
    assert both["title"].values == ["Blue bicycle", "Red sofa"]
    assert both["body"].selector == ".text"


# ---------------------------------------------------------------- real pages


def realpages_or_skip() -> Path:
    if not (REALPAGES / "index.tsv").exists():
        if IN_CI:
            pytest.fail(f"{REALPAGES} is missing")
        pytest.skip(f"{REALPAGES} is missing")
    return REALPAGES


def labels(root: Path, file: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with open(root / "labels.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["file"] == file:
                out.setdefault(row["field"], []).append(row["expected"])
    return out


def test_suggest_on_saved_listing_and_ad_pages_of_a_real_site(tmp_path):
    root = realpages_or_skip()
    listing = "ronibarylko__tucasa__listado2.html"
    ads = [f"ronibarylko__tucasa__departamento{n}.html" for n in ("", "2", "3")]
    proc = adwatch("sources", "suggest", *(str(root / "pages" / f) for f in [listing, *ads]))
    assert proc.returncode == 0, proc.stderr
    sources = tmp_path / "sources.yaml"
    sources.write_text(proc.stdout)
    source = load_sources(sources).sources[0]
    assert source.name == "zonaprop-com-ar" and source.country == "AR"
    start = source.start_urls[0]

    # the pages read as the crawl reads them with the suggested entry
    read = probe_bytes((root / "pages" / listing).read_bytes(), start, source=source)
    want = labels(root, listing)
    assert {urljoin(start, h) for h in want["ad_link"]} <= set(read["links"])
    assert len(read["links"]) == int(want["ad_link_count"][0])
    assert read["next_page"] == urljoin(start, want["next_page"][0])
    assert source.extract == "selectors" and "title" in source.fields
    for name in ads:
        body = (root / "pages" / name).read_bytes()
        ad = probe_bytes(body, page_address(body) or start, source=source)["ad"]
        assert ad["title"] == labels(root, name)["title"][0]
