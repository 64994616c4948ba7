"""``adwatch evidence AD_ID [-o case.zip]``: one ad's case packet (crawler/evidence/packet.py).

Exit codes: 0 the packet is complete, 1 it was written but something could not be included
or did not match its recorded SHA-256 (listed on stderr and in its manifest.json), 2 no
stored ad has this id.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawler.cli.common import file_in_the_way
from crawler.common.options import current_options
from crawler.stores import data_dir, open_store


def images_root(ddir: Path) -> Path | None:
    """The folder photos are kept in (``ADWATCH_IMAGES_STORE``, else ``<data dir>/images``),
    or None when they are kept in a remote store."""
    configured = current_options().ADWATCH_IMAGES_STORE
    if configured and "://" in configured and not configured.startswith("file://"):
        return None
    if configured:
        return Path(configured.removeprefix("file://"))
    return ddir / "images"


def cmd_evidence(args: argparse.Namespace) -> int:
    from crawler.evidence.packet import UnknownAd, build_packet
    from crawler.health.datadir import disk_error

    ddir = data_dir(args.data_dir)
    out = Path(args.output or f"adwatch-evidence-{args.ad_id}.zip")
    unknown = f"no stored ad has the id {args.ad_id!r} (`adwatch search --json` shows ids)"
    store = open_store(args.data_dir)
    try:
        if store.get_ad(args.ad_id) is None:
            print(unknown, file=sys.stderr)
            return 2
        problem = output_problem(out)
        if problem:
            print(f"-o {out}: {problem}", file=sys.stderr)
            return 2
        packet = build_packet(store, args.ad_id, ddir / "evidence", images_root(ddir), out)
    except UnknownAd:  # pruned meanwhile
        print(unknown, file=sys.stderr)
        return 2
    except OSError as exc:  # the packet's folder cannot be made or written (nothing is left)
        if disk_error(exc) is not None:
            raise
        print(f"cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    for problem in packet.problems:
        print(f"warning: {problem}", file=sys.stderr)
    print(
        f"{packet.path}: {packet.captures} capture(s), {len(packet.files)} file(s), "
        "SHA-256 sums in manifest-sha256.txt"
    )
    return 1 if packet.problems else 0


def output_problem(out: Path) -> str | None:
    """Why the packet cannot be written to ``out`` (a folder, a path under a file, a name
    too long), or None."""
    try:
        if out.is_dir():
            return f"a folder; name the packet's file: {out / 'case.zip'}"
        blocking = file_in_the_way(out.parent)
    except OSError as exc:
        return exc.strerror or str(exc)
    return f"{blocking} is a file, not a folder" if blocking is not None else None


def register(sub: Any) -> None:
    """Register ``evidence`` on the ``adwatch`` parser's subcommands."""
    sp = sub.add_parser(
        "evidence",
        help="write an ad's case packet: WARC records, screenshots, photos, JSON, SHA-256 sums",
    )
    sp.add_argument("ad_id", metavar="AD_ID", help="the ad's id (as `adwatch search --json`)")
    sp.add_argument("-o", "--output", metavar="ZIP", help="default: ./adwatch-evidence-<AD_ID>.zip")
    sp.set_defaults(func=cmd_evidence)
