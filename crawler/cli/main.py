"""The ``adwatch`` command line: run, crawl, search, extract, sources check, demo, schedule, doctor.

This module builds the parser from each command group's ``register(subparsers)`` and runs
the command under its settings (crawler/common/options.py); the groups, one module each:

- crawler/cli/run.py: run, crawl;
- crawler/cli/search.py: search; crawler/cli/extract.py: extract;
- crawler/cli/sources.py: sources check [--live NAME], sources suggest URL...;
- crawler/cli/demo_command.py: demo (crawler/cli/demo.py runs it);
- crawler/cli/setup.py: schedule; with Elasticsearch (``ADWATCH_ES_URL``) setup, kibana setup;
  for retention, prune;
- crawler/cli/doctor.py: doctor, runs;
- crawler/cli/alerts.py: rules check, rules test, alerts send, alerts list;
- crawler/cli/evidence.py: evidence (an ad's case packet).

What they share (argument types, one-line errors, tables, the run lock) is crawler/cli/common.py.

Exit codes: 0 ok (also: another run already in progress), 1 a source failed entirely, a
check failed or the store could not be reached, 2 invalid configuration or usage (also: a
file or URL named on the command line that cannot be read, a search with nothing to search
for), 3 the data directory is read-only, not writable or out of space (crawler/health/datadir.py).
Every refusal is one line on stderr; ad text is printed as text, never as terminal markup.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from crawler.cli import alerts, demo_command, doctor, evidence, extract, run, search, setup, sources
from crawler.cli.common import check_data_dir
from crawler.cli.doctor import cmd_doctor
from crawler.config import ConfigError
from crawler.health.datadir import EXIT_DATA_DIR, DataDirError, describe, disk_error
from crawler.stores import data_dir

#: the command groups, in the order ``adwatch --help`` lists their commands
GROUPS = (run, search, extract, sources, demo_command, setup, doctor, alerts, evidence)


def build_parser() -> argparse.ArgumentParser:
    """The ``adwatch`` parser: the options every command takes, then each group's commands."""
    p = argparse.ArgumentParser(prog="adwatch", description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", help="data directory (default: $ADWATCH_DATA_DIR or ./data)")
    p.add_argument("--sources", help="sources file (default: $ADWATCH_SOURCES or ./sources.yaml)")
    p.add_argument("--rules", help="rules file (default: $ADWATCH_RULES or ./rules.yaml)")
    p.add_argument(
        "--verbose", action="store_true", help="show a run's whole log, not only its warnings"
    )
    sub = p.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(sub)
    return p


def settings_of(args: argparse.Namespace) -> Any:
    """The command's settings object, built once: crawler/settings.py's defaults, then the
    environment, then ``-s NAME=VALUE``, then the flags. SettingsError (exit 2) names each
    bad value; ``adwatch doctor`` reports them instead."""
    from crawler.common.options import build_options, parse_overrides, tolerant_options

    flags = {
        "ADWATCH_DATA_DIR": args.data_dir,
        "ADWATCH_SOURCES": args.sources,
        "ADWATCH_RULES": args.rules,
        "LOG_LEVEL": getattr(args, "log_level", None),
        "LOG_FILE": getattr(args, "log_file", None),
    }
    if args.func is cmd_doctor:
        return tolerant_options(flags=flags)
    return build_options(None, parse_overrides(getattr(args, "set", [])), flags)


def main(argv: list[str] | None = None) -> int:
    from crawler.common.options import using_options
    from crawler.stores.factory import store_failure

    args = build_parser().parse_args(argv)
    try:
        with using_options(settings_of(args)):
            check_data_dir(args.data_dir)
            code = args.func(args)
            sys.stdout.flush()  # a reader gone away (| head) shows here, not at exit
            return code
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DataDirError as exc:
        print(f"adwatch: {exc}", file=sys.stderr)
        return EXIT_DATA_DIR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # what was printed was cut off by the reader; say nothing more on the closed pipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # a full or read-only disk under any command: one clear line
        if disk_error(exc) is not None:
            print(f"adwatch: {describe(exc, data_dir(args.data_dir))}", file=sys.stderr)
            return EXIT_DATA_DIR
        failure = store_failure(exc)  # the store is unreachable or unreadable
        if failure is None:
            raise
        print(f"adwatch: {failure}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
