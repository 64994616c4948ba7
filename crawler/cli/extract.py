"""``adwatch extract URL_OR_FILE``: what extraction gets from one page (crawler/extract/probe.py).

``--source NAME`` reads it with that source's selectors and country; ``--json`` prints the
result as JSON. Exit 0 when an ad or ad links were found, 1 when not, 2 when the page cannot
be read or the source is unknown.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crawler.cli.common import READ_ERRORS, read_sources, reason


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extract.probe import probe_bytes, read_page

    source = None
    if args.source:
        try:
            source = read_sources(args).get(args.source)
        except KeyError:
            print(f"unknown source {args.source!r}", file=sys.stderr)
            return 2
    try:
        body, url, headers = read_page(args.target, source, args.allow_private_network)
    except READ_ERRORS as exc:
        print(f"cannot read {args.target}: {reason(exc)}", file=sys.stderr)
        return 2
    result = probe_bytes(body, url, source=source, headers=headers)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        from crawler.extract.probe import format_probe

        print(format_probe(result))
    return 0 if (result.get("ad") or result.get("links")) else 1


def register(sub: Any) -> None:
    """Register ``extract`` on the ``adwatch`` subparsers."""
    sp = sub.add_parser("extract", help="show what extraction gets from one page")
    sp.add_argument("target", metavar="URL_OR_FILE")
    sp.add_argument("--source", help="use this source's selectors and country")
    sp.add_argument("--json", action="store_true")
    sp.add_argument(
        "--allow-private-network", action="store_true", help="allow 127.0.0.1 and private hosts"
    )
    sp.set_defaults(func=cmd_extract)
