"""``adwatch demo [--port P] [--size N] [--seed S] [--keep]``: its arguments and defaults; the
demo itself (the demo sites served on 127.0.0.1, crawled by the real ``adwatch run``) is
crawler/cli/demo.py.
"""

from __future__ import annotations

import argparse
from typing import Any

from crawler.cli.common import at_least, port_number


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.cli.demo import run_demo

    # the demo starts from an empty folder (without --keep): only one named on its command
    # line, never an ADWATCH_DATA_DIR inherited from an operator's environment
    data = args.data_dir or "data/demo"
    return run_demo(
        port=args.port,
        size=args.size,
        seed=args.seed,
        data=data,
        keep=args.keep,
        verbose=args.verbose,
    )


def register(sub: Any) -> None:
    """Register ``demo`` on the ``adwatch`` subparsers."""
    sp = sub.add_parser("demo", help="serve the demo sites on 127.0.0.1 and run adwatch on them")
    sp.add_argument("--port", type=port_number, default=0, help="port (default: a free one)")
    sp.add_argument("--size", type=at_least(20), default=500, help="number of demo ads")
    sp.add_argument("--seed", type=int, default=1)
    sp.add_argument("--keep", action="store_true", help="keep the demo data of earlier runs")
    sp.set_defaults(func=cmd_demo)
