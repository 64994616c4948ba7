"""Extraction on real saved pages (../shared/realpages): the accuracy that bench/bench_extract.py
prints must not fall below the level reached, overall and per field (a regression guard)."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REALPAGES = ROOT.parent / "shared" / "realpages"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# the level reached; raise these when extraction gets better, never lower them
OVERALL = 0.86
FIELDS = {
    "title": 0.9,
    "body_contains": 0.8,
    "body_excludes": 0.95,
    "price": 0.8,
    "currency": 0.8,
    "employer": 0.85,
    "location": 0.5,
    "posted": 0.75,
    "phones": 0.66,
    "ad_link": 0.9,
    "ad_link_count": 0.9,
    "next_page": 0.85,
}


@pytest.fixture(scope="module")
def verdicts():
    if not (REALPAGES / "labels.tsv").exists():
        if IN_CI:
            pytest.fail(f"the real pages are missing: {REALPAGES}")
        pytest.skip(f"no real pages at {REALPAGES}")
    spec = importlib.util.spec_from_file_location("bench_extract", ROOT / "bench/bench_extract.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_extract"] = bench  # dataclasses look their module up
    spec.loader.exec_module(bench)
    return bench.evaluate(REALPAGES)[0]


def test_field_accuracy_on_real_pages_does_not_fall(verdicts):
    total = [ok for _, ok, _ in verdicts]
    assert sum(total) / len(total) >= OVERALL
    by_field = defaultdict(list)
    for label, ok, _ in verdicts:
        by_field[label.field].append(ok)
    low = {
        name: round(sum(oks) / len(oks), 2)
        for name, oks in by_field.items()
        if sum(oks) / len(oks) < FIELDS.get(name, 0)
    }
    assert not low, f"fields below their level: {low}"


def test_listing_pages_give_no_ad_and_ad_pages_do(verdicts):
    import csv

    with (REALPAGES / "index.tsv").open(encoding="utf-8") as fh:
        kinds = {row["file"]: row["kind"] for row in csv.DictReader(fh, delimiter="\t")}
    results = {label.file: result for label, _, result in verdicts}
    listing_ads = [f for f, r in results.items() if kinds[f].endswith("listing") and r.get("ad")]
    assert not listing_ads
    no_ad = {label.file for label, _, _ in verdicts if label.field == "no_ad"}
    missing = [
        f
        for f, r in results.items()
        if kinds[f].endswith("detail") and f not in no_ad and not r.get("ad")
    ]
    assert not missing
