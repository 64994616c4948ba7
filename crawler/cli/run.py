"""``adwatch run`` (the cron target: the sources that are due) and ``adwatch crawl SOURCE``.

Both crawl under the run lock (crawler/run/runner.py) and print the run's summary (``--json``:
as JSON). Exit 0 when every source crawled, 1 when a source failed entirely, 2 for invalid
configuration, 3 when the data directory cannot be written.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crawler.cli.common import read_sources


def cmd_run(args: argparse.Namespace) -> int:
    from crawler.cli.alerts import check_rules_for_run
    from crawler.common.options import current_options
    from crawler.run.runner import run
    from crawler.run.summary import format_summary
    from crawler.stores import es_config

    # every setting was checked when the command started (exit 2 naming the variable)
    options = current_options()
    sources = read_sources(args)
    es_config()  # an unusable ADWATCH_ES_URL: exit 2 before anything runs
    from crawler.run import logs

    given = options.scrapy_overrides  # the whole log to its file; --verbose: to stderr too
    logs.configure(
        options.data_dir,
        level=given.get("LOG_LEVEL"),
        given_file=given.get("LOG_FILE"),
        verbose=args.verbose,
    )
    options = options.with_values(logs.SCRAPY_SETTINGS)
    only = [args.source] if getattr(args, "source", None) else (args.only or None)
    options = check_rules_for_run(options)  # the rules file resolved; exit 2 if invalid
    result = run(sources, options, only=only, force=getattr(args, "all", False))
    if result.message:
        print(result.message, file=sys.stderr if result.exit_code else sys.stdout)
    if result.summary:
        if getattr(args, "json", False):
            print(json.dumps(result.summary, indent=2, default=str))
        else:
            print(format_summary(result.summary))
    return result.exit_code


def _crawl_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sp.add_argument("--log-file")
    sp.add_argument("--json", action="store_true", help="print the summary as JSON")
    sp.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a setting of crawler/settings.py, as scrapy -s does",
    )


def register(sub: Any) -> None:
    """Register ``run`` and ``crawl`` on the ``adwatch`` subparsers."""
    sp = sub.add_parser("run", help="crawl the sources that are due (the cron target)")
    sp.add_argument("--all", action="store_true", help="ignore schedules, crawl every source")
    sp.add_argument("--only", nargs="+", metavar="SOURCE", help="crawl just these sources")
    _crawl_options(sp)
    sp.set_defaults(func=cmd_run)

    sp = sub.add_parser("crawl", help="crawl one source now")
    sp.add_argument("source")
    _crawl_options(sp)
    sp.set_defaults(func=cmd_run)
