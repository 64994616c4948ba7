"""Crawl throughput of the full adwatch flow against a bare Scrapy spider, same site, same run.

The demo classifieds site with at least 5,000 ads is served on 127.0.0.1 (in its own process).
1. bare: ``scrapy runspider bench/bare_spider.py`` with Scrapy's default settings, following
   the same listing and detail links and doing nothing else;
2. adwatch: ``adwatch run`` on that source (extraction, normalization, SQLite store,
   incremental checks, robots.txt, private-network guard, summary), fresh data directory.
Each figure is the crawl's own elapsed time from Scrapy's stats (process start-up excluded).
Prints ads/s of both and, last, ``crawl_pipeline_ratio: R`` (adwatch ads/s / bare ads/s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demosite import DemoServer, sources_yaml  # noqa: E402


def size_for(classified_ads: int) -> int:
    """World size whose classifieds site holds at least ``classified_ads`` ads."""
    from demosite import generate

    size = int(classified_ads / 0.47) + 1
    while sum(a["site"] == "classifieds" for a in generate(1, size).truth["ads"]) < classified_ads:
        size += 50
    return size


def run_bare(base_url: str, workdir: Path) -> tuple[float, int]:
    env = dict(os.environ)
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "runspider",
            str(ROOT / "bench" / "bare_spider.py"),
            "-a",
            f"start={base_url}/classifieds/",
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", proc.stderr).group(1))
    pages = int(re.search(r"'response_received_count': (\d+)", proc.stderr).group(1))
    return elapsed, pages


def run_adwatch(
    base_url: str, workdir: Path, profile: bool, overrides: list[str] = ()
) -> tuple[float, dict]:
    doc = yaml.safe_load(sources_yaml(base_url))
    doc["sources"] = [s for s in doc["sources"] if s["name"] == "demo-classifieds"]
    doc["sources"][0]["politeness"] = {"concurrency": 8, "autothrottle": False}
    sources = workdir / "sources.yaml"
    sources.write_text(yaml.safe_dump(doc))
    env = dict(
        os.environ,
        ADWATCH_DATA_DIR=str(workdir / "data"),
        ADWATCH_SOURCES=str(sources),
        PYTHONPATH=str(ROOT),
    )
    cmd = [sys.executable]
    if profile:
        cmd += ["-m", "pyinstrument", "-o", str(workdir / "profile.txt"), "-m"]
    else:
        cmd += ["-m"]
    # the flow of the crawl itself: photos (downloaded and hashed by the images pipeline)
    # are pages the bare spider does not fetch, so they are left out of this comparison
    cmd += ["crawler.cli.main", "run", "--all", "--json", "--log-level", "WARNING"]
    cmd += ["-s", "ADWATCH_IMAGES=false"]
    for override in overrides:
        cmd += ["-s", override]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    out = proc.stdout
    summary = json.loads(out[out.index("{") :])
    src = summary["sources"][0]
    if profile:
        print((workdir / "profile.txt").read_text()[:6000])
    return src["duration_s"], src


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ads", type=int, default=5000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the adwatch run, e.g. ADWATCH_EVIDENCE=false",
    )
    args = ap.parse_args()
    size = size_for(args.ads)
    with DemoServer(seed=1, size=size) as server, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ads = sum(
            1
            for a in server.world.expected_ads(sites=["classifieds"])
            if not a.get("robots_disallowed")
        )
        (tmp / "bare").mkdir()
        bare_s, bare_pages = run_bare(server.base_url, tmp / "bare")
        ours_s, src = run_adwatch(server.base_url, tmp, args.profile, args.set)
    stored = src["ads_new"]
    print(f"cores: {os.cpu_count()}")
    print(f"site: demo classifieds, {ads} ads, {src['listing_pages']} listing pages")
    print(f"bare scrapy (defaults): {bare_pages} pages in {bare_s:.2f}s = {ads / bare_s:.0f} ads/s")
    print(f"adwatch full flow: {stored} ads stored in {ours_s:.2f}s = {stored / ours_s:.0f} ads/s")
    if stored != ads:
        print(f"WARNING: adwatch stored {stored} ads, the site has {ads}")
    print(f"crawl_pipeline_ratio: {(stored / ours_s) / (ads / bare_s):.2f}")


if __name__ == "__main__":
    main()
