"""``adwatch demo``: the bundled demo sites on 127.0.0.1, crawled by the real ``adwatch run``.

Starts the demo server, writes a sources file for it into the demo data directory, runs
``adwatch run`` in a child process (the same command cron runs), then compares the store
with the demo's ground truth and shows a few searches. Without a rules file of its own
(``ADWATCH_RULES``, ``./rules.yaml``) the demo uses the default rules shipped with adwatch.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from contextlib import ExitStack
from importlib.resources import as_file
from pathlib import Path

from crawler.assets import asset
from crawler.common.options import current_options
from crawler.extract.rules import rules_path
from crawler.run import logs
from crawler.stores import SearchQuery, open_store


def demo_rules(stack: ExitStack) -> Path:
    """The rules file of the demo: the one ``--rules`` or ``ADWATCH_RULES`` names, else
    ``./rules.yaml``, else the default rules shipped with adwatch (on disk while ``stack``
    is open)."""
    chosen = rules_path()
    if current_options().ADWATCH_RULES or chosen.is_file():
        return chosen.resolve()
    return stack.enter_context(as_file(asset("rules.yaml")))


def run_demo(
    port: int, size: int, seed: int, data: str | None, keep: bool, verbose: bool = False
) -> int:
    """Serve the demo sites, crawl them with ``adwatch run`` (``verbose``: showing its whole
    log), compare the store with the ground truth and show a few searches. Returns the
    run's exit status."""
    from demosite import DemoServer, sources_yaml

    ddir = Path(data or "data/demo")  # never an ADWATCH_DATA_DIR of the environment
    if ddir.exists() and not keep:
        shutil.rmtree(ddir)
    ddir.mkdir(parents=True, exist_ok=True)
    print(f"Generating {size} demo ads (seed {seed}) and serving them on 127.0.0.1 ...")
    with ExitStack() as stack:
        server = stack.enter_context(DemoServer(seed=seed, size=size, port=port))
        sources_file = ddir / "sources.yaml"
        sources_file.write_text(sources_yaml(server.base_url), encoding="utf-8")
        print(f"Demo sites at {server.base_url}/ ; sources file {sources_file}")
        print("Running: adwatch run (the command cron runs) ...")
        print(f"Its whole log goes to {ddir / logs.FILE_NAME} (--verbose shows it here)\n")
        env = current_options().child_environment(
            ADWATCH_DATA_DIR=str(ddir), ADWATCH_SOURCES=str(sources_file)
        )
        env["ADWATCH_RULES"] = str(demo_rules(stack))
        cmd = [sys.executable, "-m", "crawler.cli.main", *(["--verbose"] * verbose), "run"]
        code = subprocess.call(cmd, env=env)
        browser = bool(current_options().ADWATCH_CHROMIUM)
        expected = server.world.expected_ads(include_browser=browser)
        reachable = {a["url"] for a in expected}
        # a repost is stored once: the copy met first is the ad, the other its sighting
        reposts = [p for p in server.world.truth["reposts"] if set(p) <= reachable]
    store = open_store(ddir)
    try:
        stored = store.count_ads()
        sightings = store.photos.count_sightings()
        print()
        how = "with the browser" if browser else "without a browser (Chromium is not installed)"
        print(
            f"Ground truth: {len(expected)} ads reachable {how}, {len(reposts)} of them reposts "
            f"(expected: {len(expected) - len(reposts)} ads, {len(reposts)} repost sightings); "
            f"stored: {stored} ads, {sightings} repost sightings"
        )
        spanish = store.search(SearchQuery(text="trabajo", limit=3))
        n_trabajo = len(store.search(SearchQuery(text="trabajo", limit=100000)))
        phone_ad = next((a for a in expected if a.get("phones")), None)
        print(f"\nadwatch search trabajo  ->  {n_trabajo} ads, e.g.")
        for hit in spanish:
            print(f"  [{hit.ad.source}] {hit.ad.title}")
        if phone_ad:
            phone = phone_ad["phones"][0]
            hits = store.search(SearchQuery(phones=[phone]))
            print(f"adwatch search --phone '{phone}'  ->  {len(hits)} ad(s)")
        by_source = store.search(SearchQuery(source="demo-jobs", limit=100000))
        print(f"adwatch search --source demo-jobs  ->  {len(by_source)} ads")
        if reposts:
            from crawler.photos.search import search_image

            original = next(a for a in expected if a["url"] == reposts[0][1])
            photo = original["image_urls"][0]
            hits = search_image(store, server.world.image_bytes(photo) or b"")
            found = ", ".join(f"{h.ad.source} (distance {h.distance})" for h in hits)
            print(f"adwatch search --image {photo}  ->  {len(hits)} ad(s): {found}")
    finally:
        store.close()
    print(f"\nTry it yourself:  .venv/bin/adwatch --data-dir {ddir} search trabajo")
    return code
