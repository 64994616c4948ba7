"""Installing and keeping up adwatch: ``schedule`` (a crontab line for ``adwatch run``),
``setup`` (Elasticsearch index templates and indices), ``kibana setup`` (data views, saved
searches, the dashboard) and ``prune --older-than AGE`` (ads, and the photos no ad uses, last
seen long ago).

``setup`` and ``prune`` wait for no running ``adwatch run`` (``--wait`` seconds; exit 1 while
it holds the lock).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from crawler.cli.common import cutoff, reason, seconds, under_run_lock
from crawler.common.durations import parse_duration
from crawler.stores import data_dir, open_store


def cmd_schedule(args: argparse.Namespace) -> int:
    exe = Path(sys.argv[0]).resolve()
    workdir = Path.cwd()
    ddir = data_dir(args.data_dir).resolve()
    if any(ch in str(path) for path in (exe, workdir, ddir) for ch in "\n\r%"):
        print("a path holds a line break or %, which a crontab line cannot", file=sys.stderr)
        return 2
    exe, workdir, log = (shlex.quote(str(p)) for p in (exe, workdir, ddir / "adwatch.log"))
    print("# crontab (crontab -e): every 15 minutes; adwatch runs only the sources that are due")
    print(
        f"*/15 * * * * cd {workdir} && ADWATCH_DATA_DIR={shlex.quote(str(ddir))} {exe} run "
        f"--log-file {log} >/dev/null 2>&1"
    )
    print()
    print("# or systemd: deploy/adwatch.service and deploy/adwatch.timer")
    return 0


def cmd_setup(args: argparse.Namespace) -> int:
    from crawler.stores import es_config

    if es_config() is None:
        print("the embedded SQLite store needs no setup (set ADWATCH_ES_URL for Elasticsearch)")
        return 0

    def setup() -> int:
        store = open_store(args.data_dir)
        try:
            for report in store.setup():
                print(report)
            own = "" if store.has_language_analyzers() else "no "
            print(f"{own}language analyzers on the node; adwatch's own stemming is always on")
        except Exception as exc:
            print(f"setup failed: {exc}", file=sys.stderr)
            return 1
        finally:
            store.close()
        return 0

    return under_run_lock(args, "run setup", setup)


def cmd_kibana_setup(args: argparse.Namespace) -> int:
    from crawler.stores.kibana import KibanaConfig, KibanaError, import_saved_objects, saved_objects

    config = KibanaConfig.from_env()
    if config is None:
        print("set ADWATCH_KIBANA_URL (and ADWATCH_KIBANA_API_KEY)", file=sys.stderr)
        return 2
    from crawler.common.options import current_options

    prefix = current_options().ADWATCH_ES_PREFIX
    try:
        answer = import_saved_objects(config, saved_objects(prefix))
    except KibanaError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except ValueError as exc:  # urllib refuses the address itself
        print(f"ADWATCH_KIBANA_URL: not a Kibana URL ({reason(exc)})", file=sys.stderr)
        return 2
    where = f" (space {config.space})" if config.space else ""
    print(f"imported {answer.get('successCount', 0)} saved object(s) into {config.url}{where}")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    from crawler.stores.retention import prune

    try:
        cutoff("--older-than", args.older_than)
        older_than = parse_duration(args.older_than)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from crawler.common.options import current_options

    images = current_options().images_store

    def run_prune() -> int:
        store = open_store(args.data_dir)
        try:
            result = prune(store, older_than, Path(images))
        finally:
            store.close()
        print(
            f"deleted {result.ads} ad(s) last seen before {result.cutoff} and "
            f"{len(result.files)} image file(s) of {result.image_urls} photo(s) no ad uses"
        )
        return 0

    return under_run_lock(args, "prune", run_prune)


def register(sub: Any) -> None:
    """Register ``schedule``, ``setup``, ``kibana setup`` and ``prune``."""
    sp = sub.add_parser("schedule", help="print a crontab line for adwatch run")
    sp.set_defaults(func=cmd_schedule)

    sp = sub.add_parser("setup", help="Elasticsearch: install index templates, create indices")
    sp.add_argument("--wait", type=seconds, default=0, help="seconds to wait for a running run")
    sp.set_defaults(func=cmd_setup)

    sp = sub.add_parser("kibana", help="Kibana tools")
    ksub = sp.add_subparsers(dest="kibana_command", required=True)
    ksp = ksub.add_parser("setup", help="import data views, searches and the dashboard")
    ksp.set_defaults(func=cmd_kibana_setup)

    sp = sub.add_parser("prune", help="delete ads (and their photos) last seen long ago")
    sp.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 180d")
    sp.add_argument("--wait", type=seconds, default=0, help="seconds to wait for a running run")
    sp.set_defaults(func=cmd_prune)
