"""``adwatch search``: stored ads by words, phone number, source and age, or by photo.

``search WORDS [--phone P] [--source S] [--since 7d]`` prints a table (``--json``: the ads with
when they were seen); ``search --image PATH_OR_URL`` lists the ads showing a near-duplicate
photo, nearest first. Exit 2 for a query with nothing to search for, a phone that is not one,
or a photo that cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crawler.cli.common import (
    READ_ERRORS,
    cutoff,
    positive_int,
    print_table,
    printable,
    read_sources,
    reason,
)
from crawler.config import ConfigError
from crawler.stores import SearchQuery, open_store


def phone_candidates(text: str, regions: list[str]) -> tuple[list[str], str | None]:
    """E.164 forms of a phone typed in any format, and its trailing digits as a fallback."""
    from crawler.extract.phones import extract_phones

    found: list[str] = []
    for region in [None, *regions]:
        for p in extract_phones(text, region):
            if p not in found:
                found.append(p)
    digits = "".join(ch for ch in text if ch.isdigit())
    return found, (digits[-8:] if len(digits) >= 6 else None)


def cmd_search_image(args: argparse.Namespace) -> int:
    from crawler.photos.hashing import ImageRejected
    from crawler.photos.search import read_image, search_image

    try:
        data = read_image(args.image, allow_private=args.allow_private_network)
    except READ_ERRORS as exc:
        print(f"cannot read {args.image}: {reason(exc)}", file=sys.stderr)
        return 2
    store = open_store(args.data_dir)
    try:
        hits = search_image(store, data, limit=args.limit)
    except ImageRejected as exc:
        print(f"{args.image}: not a photo we can hash ({exc})", file=sys.stderr)
        return 2
    finally:
        store.close()
    if args.json:
        rows = [
            {
                "distance": h.distance,
                "page_url": h.page_url,
                "image_url": h.image_url,
                **h.ad.to_dict(),
            }
            for h in hits
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("no ads with this photo")
        return 0
    for h in hits:
        seen = f" (seen on {h.page_url})" if h.page_url != h.ad.canonical_url else ""
        title = printable(h.ad.title[:70])
        print(f"{h.distance:>3}  [{h.ad.source}] {title}  {' '.join(h.ad.phones)}")
        print(f"     {printable(h.ad.url)}{printable(seen)}")
    print(f"{len(hits)} ad(s), nearest first (distance: differing bits of 64)")
    return 0


def _query(args: argparse.Namespace) -> SearchQuery | str:
    """The store query the arguments ask for, or the one line that refuses them."""
    regions: list[str] = []
    try:
        regions = sorted({s.country for s in read_sources(args).sources if s.country})
    except ConfigError:
        pass
    from crawler.stores.terms import query_terms

    text = " ".join(args.query)
    if text.strip() and not query_terms(text):
        return (
            f"nothing to search for in {text!r}: search words, numbers or emoji "
            "(quotes, brackets and operators are not searched)"
        )
    query = SearchQuery(text=text or None, source=args.source, limit=args.limit)
    if args.phone:
        query.phones, query.phone_digits = phone_candidates(args.phone, regions)
        if not query.phones and not query.phone_digits:
            return f"not a phone number: {args.phone!r}"
    if args.since:
        try:
            query.since = cutoff("--since", args.since)
        except ValueError as exc:
            return str(exc)
    return query


def _print_hits(hits: list[Any], as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                [
                    {
                        **h.ad.to_dict(),
                        "first_seen": h.first_seen,
                        "last_seen": h.last_seen,
                        "seen_count": h.seen_count,
                        "snippet": h.snippet,
                    }
                    for h in hits
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not hits:
        print("no ads found")
        return
    rows = []
    for h in hits:
        ad = h.ad
        price = f"{ad.price:,.0f} {ad.currency or ''}".strip() if ad.price is not None else ""
        rows.append(
            [
                ad.source,
                ad.title[:80],
                price,
                " ".join(ad.phones),
                ad.posted_at or "",
                h.last_seen[:10],
                ad.url,
            ]
        )
    print_table(("source", "title", "price", "phones", "posted", "last seen", "url"), rows)
    print(f"{len(hits)} ad(s)")


def cmd_search(args: argparse.Namespace) -> int:
    if getattr(args, "image", None):
        return cmd_search_image(args)
    query = _query(args)
    if isinstance(query, str):
        print(query, file=sys.stderr)
        return 2
    store = open_store(args.data_dir)
    try:
        hits = store.search(query)
    finally:
        store.close()
    _print_hits(hits, args.json)
    return 0


def register(sub: Any) -> None:
    """Register ``search`` on the ``adwatch`` subparsers."""
    sp = sub.add_parser("search", help="search stored ads")
    sp.add_argument("query", nargs="*", help="words (all must match; accents ignored)")
    sp.add_argument("--phone", help="a phone number in any format")
    sp.add_argument("--image", metavar="PATH_OR_URL", help="ads showing a near-duplicate photo")
    sp.add_argument(
        "--allow-private-network", action="store_true", help="let --image fetch from 127.0.0.1"
    )
    sp.add_argument("--source")
    sp.add_argument("--since", help="last seen within, e.g. 7d, 12h")
    sp.add_argument("--limit", type=positive_int, default=50)
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_search)
