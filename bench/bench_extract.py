"""Extraction accuracy on real saved pages: ../shared/realpages (pages/, index.tsv, labels.tsv).

Run from the project root: ``PYTHONPATH=. python bench/bench_extract.py`` (``--realpages DIR``
for another copy, ``--show`` to print every miss with what was extracted instead).

Each page goes through the crawl's own code (:func:`crawler.extract.probe.probe_bytes`: the bytes
decoded as Scrapy decodes a response, the ad read as the extraction workers read it and
normalized, the page read as a listing as the listing spider reads it), with the page's
own canonical URL as its address (else ``https://<site>/``) and the site's country from
its top-level domain and the kind of ads (job or classified), as a sources.yaml entry
would give them.

Scoring of each labelled field (text compared case-folded, whitespace collapsed):

- title: equal, or one contains the other with a length ratio >= 0.6;
- price: within 1% (``a|b`` in the label: either end of a range);
- currency: the same ISO 4217 code;
- posted: the same date;
- location: one contains the other;
- phones: every labelled number is among the ad's phones, compared by national-number
  suffix (the label's digits without leading zeros, at most the last 10);
- employer: one contains the other;
- body_contains: the phrase is in the ad's body;
- body_excludes: the phrase is not in the ad's body (no ad or an empty body is a miss);
- ad_link_count: at least 80% as many ad links found as the page lists;
- ad_link: the link (resolved against the page's address) is among the ad links;
- next_page: the next page found has the label's path and query;
- no_ad: no ad is returned for the page.

A field of a detail page for which no ad was returned is a miss. It prints a table per
field and per site, then ``extract_field_accuracy: X`` (the share of all labels right).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from crawler.config import Source  # noqa: E402
from crawler.extract.probe import page_address, probe_bytes  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "realpages"

# ccTLD -> the source's country, as an operator would write it in sources.yaml
_GENERIC_TLDS = {"com", "org", "net", "io", "info", "biz"}


@dataclass
class Label:
    file: str
    field: str
    expected: str


def _text(value: Any) -> str:
    text = unicodedata.normalize("NFC", str(value or ""))
    return " ".join(text.split()).casefold()


def _contains_either(a: str, b: str) -> bool:
    a, b = _text(a), _text(b)
    return bool(a and b) and (a in b or b in a)


def _title_ok(expected: str, got: Any) -> bool:
    e, g = _text(expected), _text(got)
    if not e or not g:
        return False
    if e == g:
        return True
    short, long_ = sorted((e, g), key=len)
    return short in long_ and len(short) / len(long_) >= 0.6


def _price_ok(expected: str, got: Any) -> bool:
    if got is None:
        return False
    for end in expected.split("|"):
        want = float(end)
        if abs(float(got) - want) <= 0.01 * max(abs(want), 1e-9):
            return True
    return False


def _phone_key(number: str) -> str:
    digits = re.sub(r"\D", "", number).lstrip("0")
    return digits[-10:]


def _phones_ok(expected: str, got: list[str]) -> bool:
    have = [re.sub(r"\D", "", p) for p in got or []]
    wants = [_phone_key(x) for x in expected.split(";") if x.strip()]
    return bool(wants) and all(any(h.endswith(w) for h in have) for w in wants)


def _same_target(expected: str, got: str | None, base: str) -> bool:
    if not got:
        return False
    e, g = urlsplit(urljoin(base, expected.strip())), urlsplit(got)
    return (e.path.rstrip("/") or "/", e.query) == (g.path.rstrip("/") or "/", g.query)


def score(label: Label, result: dict[str, Any]) -> bool:
    ad = result.get("ad") or None
    field, want = label.field, label.expected
    if field == "no_ad":
        return ad is None
    if field == "ad_link_count":
        return len(result["links"]) >= 0.8 * int(want)
    if field == "ad_link":
        target = urljoin(result["url"], want.strip()).split("#")[0]
        return target in {link.split("#")[0] for link in result["links"]}
    if field == "next_page":
        return _same_target(want, result.get("next_page"), result["url"])
    if ad is None:
        return False
    if field == "title":
        return _title_ok(want, ad.get("title"))
    if field == "price":
        return _price_ok(want, ad.get("price"))
    if field == "currency":
        return (ad.get("currency") or "") == want.strip()
    if field == "posted":
        return (ad.get("posted_at") or "")[:10] == want.strip()
    if field in ("location", "employer"):
        return _contains_either(want, ad.get(field))
    if field == "phones":
        return _phones_ok(want, ad.get("phones") or [])
    if field == "body_contains":
        return _text(want) in _text(ad.get("body"))
    if field == "body_excludes":
        body = _text(ad.get("body"))
        return bool(body) and _text(want) not in body
    raise ValueError(f"unknown field {field!r}")


def shown(label: Label, result: dict[str, Any]) -> str:
    ad = result.get("ad") or {}
    key = {"posted": "posted_at", "body_contains": "body", "body_excludes": "body"}.get(
        label.field, label.field
    )
    if label.field in ("ad_link", "ad_link_count"):
        return f"{len(result['links'])} links, e.g. {result['links'][:2]}"
    if label.field == "next_page":
        return str(result.get("next_page"))
    if label.field == "no_ad":
        return "an ad" if ad else "no ad"
    value = ad.get(key) if ad else "(no ad)"
    return repr(value)[:160]


def country_of(site: str) -> str | None:
    tld = site.split("/", 1)[0].rsplit(".", 1)[-1].lower()
    if tld in _GENERIC_TLDS:
        return None
    return {"uk": "GB"}.get(tld, tld.upper())


def load(root: Path) -> tuple[dict[str, dict[str, str]], list[Label]]:
    with (root / "index.tsv").open(encoding="utf-8") as fh:
        index = {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}
    with (root / "labels.tsv").open(encoding="utf-8") as fh:
        labels = [
            Label(row["file"], row["field"], row["expected"])
            for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]
    return index, labels


def evaluate(root: Path) -> tuple[list[tuple[Label, bool, dict[str, Any]]], dict[str, dict]]:
    """Every label with its verdict and the page's result; the index rows by file."""
    index, labels = load(root)
    results: dict[str, dict[str, Any]] = {}
    for name, row in index.items():
        body = (root / "pages" / name).read_bytes()
        url = page_address(body) or f"https://{row['site']}/"
        source = Source(
            name="realpages", kind=row["kind"].split("/")[0], start_urls=["https://example.org/"]
        )
        results[name] = probe_bytes(body, url, source, country=country_of(row["site"]))
    verdicts = [(label, score(label, results[label.file]), results[label.file]) for label in labels]
    return verdicts, index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realpages", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--show", action="store_true", help="print every miss")
    args = parser.parse_args()
    if not (args.realpages / "labels.tsv").exists():
        print(f"no labelled pages in {args.realpages}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    verdicts, index = evaluate(args.realpages)
    elapsed = time.perf_counter() - start

    by_field: dict[str, list[bool]] = defaultdict(list)
    by_site: dict[str, list[bool]] = defaultdict(list)
    for label, ok, result in verdicts:
        by_field[label.field].append(ok)
        by_site[index[label.file]["site"]].append(ok)
        if args.show and not ok:
            print(f"MISS {label.file} {label.field}: want {label.expected!r}")
            print(f"     got {shown(label, result)}")
    print(f"{len(index)} pages, {len(verdicts)} labels, {elapsed:.1f} s")
    print(f"{'field':<16}{'right':>7}{'labels':>8}{'accuracy':>10}")
    for field, oks in sorted(by_field.items()):
        print(f"{field:<16}{sum(oks):>7}{len(oks):>8}{sum(oks) / len(oks):>10.2f}")
    print(f"{'site':<34}{'right':>7}{'labels':>8}{'accuracy':>10}")
    for site, oks in sorted(by_site.items()):
        print(f"{site:<34}{sum(oks):>7}{len(oks):>8}{sum(oks) / len(oks):>10.2f}")
    total = [ok for _, ok, _ in verdicts]
    print(f"extract_field_accuracy: {sum(total) / len(total):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
