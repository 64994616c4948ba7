"""Crawl throughput of the full adwatch flow against a bare Scrapy spider, same site, same run.

The demo classifieds site with at least 5,000 ads is served on 127.0.0.1 (in its own process).
1. bare: ``scrapy runspider bench/bare_spider.py`` with Scrapy's default settings, following
   the same listing and detail links and doing nothing else;
2. adwatch: ``adwatch run`` on that source (extraction, normalization, SQLite store,
   incremental checks, robots.txt, private-network guard, summary), fresh data directory.
Each figure is the crawl's own elapsed time from Scrapy's stats (process start-up excluded).
Prints ads/s of both, the CPU time per ad of each (steadier than the rates when other work
shares the cores) and, last, ``crawl_pipeline_ratio: R`` (adwatch ads/s / bare ads/s; with
``--repeat N``, the median of N such pairs). ``--profile PATH`` profiles the adwatch run's
main thread, the reactor's (bench/cpuprofile.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
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


def children_cpu() -> float:
    """CPU seconds (user + system) of the child processes that ended so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_bare(base_url: str, workdir: Path) -> tuple[float, int, float]:
    env = dict(os.environ)
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    cpu = children_cpu()
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
    return elapsed, pages, children_cpu() - cpu


def run_adwatch(
    base_url: str, workdir: Path, profile: str | None, overrides: list[str] = ()
) -> tuple[float, dict, float]:
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
        cmd += [str(ROOT / "bench" / "cpuprofile.py"), profile, "-m"]
    else:
        cmd += ["-m"]
    # the flow of the crawl itself: photos (downloaded and hashed by the images pipeline)
    # are pages the bare spider does not fetch, so they are left out of this comparison
    cmd += ["crawler.cli.main", "run", "--all", "--json", "--log-level", "WARNING"]
    cmd += ["-s", "ADWATCH_IMAGES=false"]
    for override in overrides:
        cmd += ["-s", override]
    cpu = children_cpu()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    cpu = children_cpu() - cpu
    out = proc.stdout
    if "{" not in out:
        sys.exit(f"adwatch run failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    summary = json.loads(out[out.index("{") :])
    src = summary["sources"][0]
    if profile:
        print_profile(profile)
    return src["duration_s"], src, cpu


def print_profile(path: str) -> None:
    """The reactor thread's CPU time, by function (bench/cpuprofile.py)."""
    cmd = [sys.executable, str(ROOT / "bench" / "cpuprofile.py"), "--report", path]
    print(subprocess.run(cmd, capture_output=True, text=True).stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ads", type=int, default=5000)
    ap.add_argument(
        "--profile",
        metavar="PATH",
        help="profile the adwatch run's main thread (CPU time), keep the pstats in PATH, print it",
    )
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the adwatch run, e.g. ADWATCH_EVIDENCE=false",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure the pair this many times; the figure is the median ratio",
    )
    args = ap.parse_args()
    profile = str(Path(args.profile).resolve()) if args.profile else None
    ratios = []
    with DemoServer(seed=1, size=size_for(args.ads)) as server:
        ads = sum(
            1
            for a in server.world.expected_ads(sites=["classifieds"])
            if not a.get("robots_disallowed")
        )
        print(f"cores: {os.cpu_count()}")
        for _ in range(args.repeat):
            ratios.append(measure_pair(server.base_url, ads, profile, args.set))
    if len(ratios) > 1:
        print(f"ratios: {' '.join(f'{r:.2f}' for r in ratios)}")
    print(f"crawl_pipeline_ratio: {statistics.median(ratios):.2f}")


def measure_pair(base_url: str, ads: int, profile: str | None, overrides: list[str]) -> float:
    """One bare run and one adwatch run, each from a fresh directory: the ratio of their
    rates (adwatch ads/s / bare ads/s)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "bare").mkdir()
        load = os.getloadavg()[0]
        bare_s, bare_pages, bare_cpu = run_bare(base_url, tmp / "bare")
        ours_s, src, ours_cpu = run_adwatch(base_url, tmp, profile, overrides)
    stored = src["ads_new"]
    print(f"load average: {load:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"site: demo classifieds, {ads} ads, {src['listing_pages']} listing pages")
    print(f"bare scrapy (defaults): {bare_pages} pages in {bare_s:.2f}s = {ads / bare_s:.0f} ads/s")
    print(f"adwatch full flow: {stored} ads stored in {ours_s:.2f}s = {stored / ours_s:.0f} ads/s")
    # CPU per ad of each whole process (adwatch's with its extraction workers, start-up
    # included): steadier than the rates on a busy machine
    bare_ms, ours_ms = bare_cpu / ads * 1000, ours_cpu / stored * 1000
    print(f"cpu ms per ad: bare {bare_ms:.2f}, adwatch {ours_ms:.2f}")
    if stored != ads:
        print(f"WARNING: adwatch stored {stored} ads, the site has {ads}")
    ratio = (stored / ours_s) / (ads / bare_s)
    print(f"ratio: {ratio:.2f}", flush=True)
    return ratio


if __name__ == "__main__":
    main()
