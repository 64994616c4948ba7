"""The whole flow on the embedded default, against the real demo sites on 127.0.0.1.

One first run and one second run of the real ``adwatch run`` (child processes), checked
against the demo's ground truth. A repost in the truth (the same ad on another site, with
re-encoded, resized or cropped photos and a new phone) is stored once: whichever copy the
crawl met first is the ad, the other its sighting.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest

from crawler.stores import open_store
from tests.conftest import adwatch, run_json

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled(demo_server, tmp_path_factory):
    from demosite import sources_yaml

    tmp = tmp_path_factory.mktemp("e2e")
    sources = tmp / "sources.yaml"
    sources.write_text(sources_yaml(demo_server.base_url))
    env = {"ADWATCH_DATA_DIR": str(tmp / "data"), "ADWATCH_SOURCES": str(sources)}
    first = run_json("run", env=env)
    second = run_json("run", "--all", env=env)
    store = open_store(tmp / "data")
    ads = store.all_ads()
    sightings = [dict(r) for r in store.conn.execute("SELECT * FROM sightings")]
    for sighting in sightings:
        sighting["phones"] = json.loads(sighting["phones"])
    photos = [
        dict(r)
        for r in store.conn.execute(
            "SELECT a.url, a.canonical_url, i.cluster FROM ad_images a "
            "JOIN images i ON i.id = a.image_id"
        )
    ]
    store.close()
    return {
        "env": env,
        "first": first,
        "second": second,
        "ads": ads,
        "sightings": sightings,
        "photos": photos,
        "world": demo_server.world,
        "base": demo_server.base_url,
    }


def path_of(url: str) -> str:
    return urlparse(url).path


def by_source(summary, name):
    return next(s for s in summary["sources"] if s["source"] == name)


def merged_reposts(crawled) -> set[frozenset[str]]:
    """The truth's (repost, original) pairs whose two pages the crawl reaches."""
    expected = {a["url"] for a in crawled["world"].expected_ads(include_browser=True)}
    return {
        frozenset(pair)
        for pair in crawled["world"].truth["reposts"]
        if pair[0] in expected and pair[1] in expected
    }


def pages(crawled) -> dict[str, dict]:
    """Every page the crawl kept, by path: the stored ads and the sightings."""
    out = {path_of(a["url"]): a for a in crawled["ads"]}
    out.update({path_of(s["url"]): s for s in crawled["sightings"]})
    return out


def test_every_ad_of_the_ground_truth_is_stored_once_as_an_ad_or_a_sighting(crawled):
    expected = {a["url"]: a for a in crawled["world"].expected_ads(include_browser=True)}
    stored = [path_of(a["url"]) for a in crawled["ads"]]
    seen = [path_of(s["url"]) for s in crawled["sightings"]]
    assert len(stored) == len(set(stored)), "an ad was stored twice"
    assert len(seen) == len(set(seen)) and not set(stored) & set(seen)
    assert set(stored) | set(seen) == set(expected)
    merged = merged_reposts(crawled)
    assert len(merged) >= 30 and len(seen) == len(merged)
    assert crawled["first"]["totals"]["ads_new"] == len(expected) - len(merged)
    assert crawled["first"]["totals"]["ads_repost"] == len(merged)
    assert crawled["first"]["ads_in_store"] == len(expected) - len(merged)


def test_every_repost_is_a_sighting_of_its_original_and_nothing_else_is_merged(crawled):
    ads = {a["id"]: a for a in crawled["ads"]}
    found = {
        frozenset((path_of(s["url"]), path_of(ads[s["ad_id"]]["url"])))
        for s in crawled["sightings"]
    }
    assert found == merged_reposts(crawled)
    truth = {a["url"]: a for a in crawled["world"].truth["ads"]}
    for sighting in crawled["sightings"]:
        original = ads[sighting["ad_id"]]
        assert set(sighting["phones"]) == set(truth[path_of(sighting["url"])]["phones"]) | set(
            truth[path_of(sighting["url"])]["whatsapp"]
        )
        assert original["repost_count"] == 1 and original["cluster_size"] == 2
        assert [x["url"] for x in original["sightings"]] == [sighting["url"]]
        assert original["cluster_id"] == original["id"]
        assert sighting["source"] != original["source"]


def test_ads_sharing_a_photo_list_each_others_phones(crawled):
    by_id = {s["ad_id"]: s for s in crawled["sightings"]}
    for ad in crawled["ads"]:
        sighting = by_id.get(ad["id"])
        own = set(ad["phones"])
        other = set(sighting["phones"]) - own if sighting else set()
        assert set(ad["shared_image_phones"]) == other, ad["url"]


def test_photo_clusters_follow_the_ground_truths_base_photos(crawled):
    base_of = {}
    for ad in crawled["world"].truth["ads"]:
        base_of.update(zip(ad["image_urls"], ad["base_photos"], strict=True))
    clusters: dict[int, set[str]] = {}
    bases: dict[str, set[int]] = {}
    for photo in crawled["photos"]:
        base = base_of[path_of(photo["url"])]
        clusters.setdefault(photo["cluster"], set()).add(base)
        bases.setdefault(base, set()).add(photo["cluster"])
    assert all(len(b) == 1 for b in clusters.values()), "a cluster mixes distinct photos"
    assert all(len(c) == 1 for c in bases.values()), "copies of one photo in two clusters"
    # every photo of every page was kept (the demo's photos are all valid)
    expected = crawled["world"].expected_ads(include_browser=True)
    assert len(crawled["photos"]) == sum(len(a["image_urls"]) for a in expected)
    for ad in crawled["ads"]:
        assert [path_of(i["url"]) for i in ad["images"]] == [path_of(u) for u in ad["image_urls"]]


def test_search_by_image_finds_the_ad_of_a_reposted_photo(crawled, tmp_path):
    world = crawled["world"]
    ads = {path_of(a["url"]): a for a in crawled["ads"]}
    repost, original = sorted(merged_reposts(crawled), key=sorted)[0]
    stored = ads.get(repost) or ads[original]
    photo_url = world.truth["ads"][[a["url"] for a in world.truth["ads"]].index(original)][
        "image_urls"
    ][0]
    query = tmp_path / "photo.jpg"
    query.write_bytes(world.image_bytes(photo_url))
    out = adwatch("search", "--image", str(query), "--json", env=crawled["env"])
    hits = json.loads(out.stdout)
    assert hits[0]["id"] == stored["id"] and hits[0]["distance"] <= 10, out.stderr


def test_fields_match_the_ground_truth(crawled):
    expected = {a["url"]: a for a in crawled["world"].expected_ads(include_browser=True)}
    wrong: dict[str, list[str]] = {}
    for ad in crawled["ads"]:
        truth = expected[path_of(ad["url"])]
        problems = []
        if ad["title"] != truth["title"]:
            problems.append(f"title {ad['title']!r} != {truth['title']!r}")
        if truth["price"] is None:
            if ad["price"] is not None:
                problems.append(f"price {ad['price']} != None")
        elif ad["price"] is None or abs(ad["price"] - truth["price"]) > 0.01:
            problems.append(f"price {ad['price']} != {truth['price']}")
        if ad["currency"] != truth["currency"]:
            problems.append(f"currency {ad['currency']} != {truth['currency']}")
        if set(ad["phones"]) != set(truth["phones"]) | set(truth.get("whatsapp", [])):
            problems.append(
                f"phones {ad['phones']} != {truth['phones']} ({truth['phone_formats']})"
            )
        if ad["posted_at"] != truth["posted_at"]:
            problems.append(f"posted {ad['posted_at']} != {truth['posted_at']}")
        if [path_of(u) for u in ad["image_urls"]] != truth["image_urls"]:
            problems.append(f"images {ad['image_urls']} != {truth['image_urls']}")
        if ad["language"] != truth["language"]:
            problems.append(f"language {ad['language']} != {truth['language']}")
        if problems:
            wrong[truth["url"]] = problems
    assert not wrong, json.dumps(dict(list(wrong.items())[:15]), indent=1, ensure_ascii=False)


def test_obfuscated_phones_are_decoded(crawled):
    expected = {a["url"]: a for a in crawled["world"].expected_ads(include_browser=True)}
    stored = pages(crawled)
    styles = set()
    for url, truth in expected.items():
        for fmt in truth["phone_formats"]:
            if fmt not in ("national", "international"):
                styles.add(fmt)
                assert set(truth["phones"]) <= set(stored[url]["phones"]), (url, fmt)
    assert len(styles) >= 4, styles


def test_second_run_fetches_no_detail_page_and_updates_sightings(crawled):
    second = crawled["second"]
    assert second["_exit"] in (0, 1)
    assert second["totals"]["detail_pages"] == 0
    assert second["totals"]["ads_new"] == 0
    assert second["totals"]["ads_repost"] == 0
    assert second["ads_in_store"] == crawled["first"]["ads_in_store"]
    for source in second["sources"]:  # no photo fetched again
        assert source["images"]["kept"] == source["images"]["uptodate"], source
    listing = by_source(second, "demo-classifieds")
    assert listing["listing_pages"] >= 20
    assert listing["detail_skipped_known"] > 0
    assert all(a["seen_count"] >= 2 for a in crawled["ads"])
    assert all(s["seen_count"] >= 2 for s in crawled["sightings"])


def test_robots_txt_is_honoured(crawled):
    world = crawled["world"]
    disallowed = set(world.truth["robots_disallowed"])
    assert disallowed
    stored = {path_of(a["url"]) for a in crawled["ads"]}
    assert not stored & disallowed
    assert by_source(crawled["first"], "demo-classifieds")["robots_forbidden"] >= len(disallowed)


def test_broken_pages_are_counted_and_the_crawl_goes_on(crawled):
    errors = crawled["world"].truth["errors"]
    src = by_source(crawled["first"], "demo-classifieds")
    assert src["errors"].get("http_404", 0) >= len(
        [u for u in errors["404"] if "/classifieds/" in u]
    )
    assert src["errors"].get("http_500", 0) >= len(
        [u for u in errors["500"] if "/classifieds/" in u]
    )
    malformed = [u for u in errors["malformed"] if "/classifieds/" in u]
    assert src["errors"].get("malformed", 0) >= len(malformed)
    assert not src["failed"]


def test_javascript_only_site_is_read_through_the_browser(crawled):
    app = by_source(crawled["first"], "demo-app")
    expected = [
        a for a in crawled["world"].expected_ads(include_browser=True) if a["site"] == "app"
    ]
    assert app["ads_new"] + app["ads_repost"] == len(expected) > 0
    kept = crawled["ads"] + crawled["sightings"]  # a repost is kept as a sighting
    stored = {path_of(a["url"]) for a in kept if a["source"] == "demo-app"}
    assert stored == {a["url"] for a in expected}
    render = app["render"]
    # the first listing page fell back to the browser; after that the site's pages went
    # straight to it (a page or two already in flight may fall back as well)
    assert 1 <= render["fallbacks"] <= 3
    assert render["browser_pages"] >= len(expected) + render["fallbacks"]
    assert render["static_pages"] == render["fallbacks"]
    assert app["browser_launched"] == 1


def test_static_sites_never_touch_the_browser(crawled):
    for summary in (crawled["first"], crawled["second"]):
        for source in summary["sources"]:
            if source["source"] == "demo-app":
                continue
            assert source["render"]["browser_pages"] == 0, source
            assert source["render"]["fallbacks"] == 0, source
            assert source["browser_launched"] == 0, source


def test_second_run_goes_straight_to_the_browser_for_the_javascript_site(crawled):
    app = by_source(crawled["second"], "demo-app")
    assert app["render"]["fallbacks"] == 0
    assert app["render"]["static_pages"] == 0
    assert app["render"]["browser_pages"] == app["listing_pages"] > 0


def test_search_by_spanish_word_phone_any_format_and_source(crawled):
    env = crawled["env"]
    out = adwatch("search", "trabajo", "--json", "--limit", "1000", env=env)
    hits = json.loads(out.stdout)
    assert hits and all("trabaj" in (h["title"] + h["body"]).lower() for h in hits)
    truth = next(
        a
        for a in crawled["world"].expected_ads(include_browser=False)
        if a["site"] == "classifieds" and a["phones"]
    )
    e164 = truth["phones"][0]
    national = "0" + e164[4:]  # +595 981... -> 0981...
    spaced = " ".join([national[:4], national[4:7], national[7:]])
    for typed in (e164, spaced, f"({national[:4]}) {national[4:7]}-{national[7:]}"):
        out = adwatch("search", "--phone", typed, "--json", env=env)
        urls = {path_of(h["url"]) for h in json.loads(out.stdout)}
        assert truth["url"] in urls, (typed, out.stderr)
    out = adwatch("search", "--source", "demo-jobs", "--json", "--limit", "100000", env=env)
    hits = json.loads(out.stdout)
    stored = {path_of(a["url"]) for a in crawled["ads"]}
    jobs = [a for a in crawled["world"].expected_ads() if a["site"] == "jobs"]
    jobs = [a for a in jobs if a["url"] in stored]  # the others are sightings
    assert len(hits) == len(jobs) and all(h["source"] == "demo-jobs" for h in hits)
    table = adwatch("search", "trabajo", env=env)
    assert table.returncode == 0 and "ad(s)" in table.stdout


def test_overlapping_run_exits_at_once(crawled, tmp_path):
    from filelock import FileLock

    data = crawled["env"]["ADWATCH_DATA_DIR"]
    with FileLock(f"{data}/adwatch.run.lock"):
        proc = adwatch("run", "--all", env=crawled["env"], timeout=60)
    assert proc.returncode == 0
    assert "another adwatch run is in progress" in proc.stdout
