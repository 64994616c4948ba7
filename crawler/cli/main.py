"""The ``adwatch`` command line: run, crawl, search, extract, sources check, demo, schedule, doctor.

Sources (crawler/cli/sources.py): sources check [--live NAME], sources suggest URL...
Rules and alerts (crawler/cli/alerts.py): rules check, rules test, alerts send, alerts list.
An ad's case packet (crawler/cli/evidence.py): evidence.

With Elasticsearch (``ADWATCH_ES_URL``): setup, kibana setup; for retention: prune.

Exit codes: 0 ok (also: another run already in progress), 1 a source failed entirely, a
check failed or the store could not be reached, 2 invalid configuration or usage (also: a
file or URL named on the command line that cannot be read, a search with nothing to search
for), 3 the data directory is read-only, not writable or out of space (crawler/health/datadir.py).
Every refusal is one line on stderr; ad text is printed as text, never as terminal markup.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from datetime import UTC, datetime
from http.client import HTTPException
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError

from crawler.common.durations import parse_duration
from crawler.config import ConfigError, load_sources
from crawler.health.datadir import EXIT_DATA_DIR, DataDirError, describe, disk_error
from crawler.stores import SearchQuery, data_dir, open_store

#: What reading a page, a photo or a file named on the command line may raise: a missing
#: file, a refused connection, a name that does not resolve (OSError), a refused address or
#: a body over the cap (ValueError), a broken HTTP answer (HTTPException).
READ_ERRORS = (OSError, ValueError, HTTPException)


def reason(exc: BaseException) -> str:
    """An error as one short line: ``No such file or directory``, ``Connection refused``."""
    if isinstance(exc, HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, URLError) and isinstance(exc.reason, BaseException):
        return reason(exc.reason)
    if isinstance(exc, URLError):
        return str(exc.reason)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def print_table(columns: tuple[str, ...], rows: list[list[str]]) -> None:
    """Rows of stored text (written by an ad's author) as a terminal table. Every cell is
    literal text: never rich markup (``[/bold]``, ``[link=...]``), emoji codes or control
    and direction-override characters."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(expand=True)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(Text(_printable(cell)) for cell in row))
    console = Console()
    if not console.is_terminal:  # a pipe or a file: each row on one line, never wrapped
        table.expand = False
        console = Console(width=100_000)
    console.print(table)


_UNPRINTABLE = dict.fromkeys(
    [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)], " "
)


def _printable(text: str) -> str:
    return text.translate(_UNPRINTABLE)


def at_least(low: int) -> Any:
    """An argparse type: a whole number of at least ``low``."""

    def whole_number(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = low - 1
        if number < low:
            raise argparse.ArgumentTypeError(f"not a whole number of at least {low}: {value!r}")
        return number

    return whole_number


positive_int = at_least(1)


def seconds(value: str) -> float:
    """An argparse type: a finite number of seconds, zero or more (a negative wait would
    wait forever)."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds (0 or more): {value!r}")
    return number


def port_number(value: str) -> int:
    """An argparse type: a TCP port, or 0 for a free one."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (0-65535): {value!r}")
    return number


def cutoff(option: str, value: str) -> datetime:
    """The moment ``value`` (``7d``, ``12h``...) before now; ValueError naming ``option``
    for a duration that is not one or reaches before the year 1."""
    try:
        return datetime.now(UTC) - parse_duration(value)
    except OverflowError:
        raise ValueError(f"{option} {value}: too long ago") from None
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None


def _sources_path(args: argparse.Namespace) -> Path:  # noqa: ARG001 (--sources is in the settings)
    from crawler.common.options import current_options

    return current_options().sources_path


def _load_sources(args: argparse.Namespace):
    return load_sources(_sources_path(args))


# ---------------------------------------------------------------- run / crawl


def cmd_run(args: argparse.Namespace) -> int:
    from crawler.cli.alerts import check_rules_for_run
    from crawler.common.options import current_options
    from crawler.run.runner import run
    from crawler.run.summary import format_summary
    from crawler.stores import es_config

    # every setting was checked when the command started (exit 2 naming the variable)
    options = current_options()
    sources = _load_sources(args)
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


# ---------------------------------------------------------------- search


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
        title = _printable(h.ad.title[:70])
        print(f"{h.distance:>3}  [{h.ad.source}] {title}  {' '.join(h.ad.phones)}")
        print(f"     {_printable(h.ad.url)}{_printable(seen)}")
    print(f"{len(hits)} ad(s), nearest first (distance: differing bits of 64)")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    if getattr(args, "image", None):
        return cmd_search_image(args)
    regions: list[str] = []
    try:
        regions = sorted({s.country for s in _load_sources(args).sources if s.country})
    except ConfigError:
        pass
    from crawler.stores.terms import query_terms

    text = " ".join(args.query)
    if text.strip() and not query_terms(text):
        print(
            f"nothing to search for in {text!r}: search words, numbers or emoji "
            "(quotes, brackets and operators are not searched)",
            file=sys.stderr,
        )
        return 2
    query = SearchQuery(text=text or None, source=args.source, limit=args.limit)
    if args.phone:
        query.phones, query.phone_digits = phone_candidates(args.phone, regions)
        if not query.phones and not query.phone_digits:
            print(f"not a phone number: {args.phone!r}", file=sys.stderr)
            return 2
    if args.since:
        try:
            query.since = cutoff("--since", args.since)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    store = open_store(args.data_dir)
    try:
        hits = store.search(query)
    finally:
        store.close()
    if args.json:
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
        return 0
    if not hits:
        print("no ads found")
        return 0
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
    return 0


# ---------------------------------------------------------------- extract


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extract.probe import probe_bytes, read_page

    source = None
    if args.source:
        try:
            source = _load_sources(args).get(args.source)
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


# ---------------------------------------------------------------- demo


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


# ---------------------------------------------------------------- setup / kibana / prune


def _under_run_lock(args: argparse.Namespace, what: str, action: Any) -> int:
    """Run ``action()`` while no ``adwatch run`` writes (it takes the run lock)."""
    from filelock import FileLock, Timeout

    ddir = data_dir(args.data_dir)
    ddir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(ddir / "adwatch.run.lock"))
    try:
        lock.acquire(timeout=getattr(args, "wait", 0) or 0)
    except Timeout:
        print(f"an adwatch run is in progress: {what} again when it is done", file=sys.stderr)
        return 1
    try:
        return action()
    finally:
        lock.release()


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

    return _under_run_lock(args, "run setup", setup)


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

    return _under_run_lock(args, "prune", run_prune)


# ---------------------------------------------------------------- schedule / doctor


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


def cmd_doctor(args: argparse.Namespace) -> int:
    import shutil
    import sqlite3

    ok = True

    def report(name: str, good: bool, detail: str) -> None:
        nonlocal ok
        ok = ok and good
        print(f"[{'ok' if good else 'FAIL'}] {name}: {detail}")

    from crawler.common.options import doctor_checks as environment_checks

    for name, good, detail in environment_checks():  # every ADWATCH_* setting
        if good is None:
            print(f"[warn] {name}: {detail}")
        else:
            report(name, good, detail)
    try:
        sources = _load_sources(args)
        report("sources", True, f"{_sources_path(args)}: {len(sources.sources)} source(s)")
    except ConfigError as exc:
        report("sources", False, str(exc))
    ddir = data_dir(args.data_dir)
    try:
        ddir.mkdir(parents=True, exist_ok=True)
        probe = ddir / ".doctor"
        probe.write_text("ok")
        probe.unlink()
        free = shutil.disk_usage(ddir).free / 2**30
        report("data dir", free > 1, f"{ddir.resolve()} writable, {free:.1f} GiB free")
    except OSError as exc:
        report("data dir", False, f"{ddir}: {exc}")
    try:
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(a)")
        report("sqlite", True, f"{sqlite3.sqlite_version} with FTS5")
    except sqlite3.Error as exc:
        report("sqlite", False, f"FTS5 unavailable: {exc}")
    try:
        store = open_store(args.data_dir)
        try:
            runs = store.runs(1)
            last = runs[0]["finished_at"] if runs else "never"
            report("store", True, f"{store.count_ads()} ads, last run {last}")
        finally:
            store.close()
    except Exception as exc:
        report("store", False, str(exc))
    from crawler.stores import es_config

    try:
        elasticsearch = es_config() is not None
    except ConfigError:
        elasticsearch = False  # the store check above said why
    if elasticsearch:
        store = open_store(args.data_dir)
        try:
            for name, good, detail in store.doctor_checks():
                report(name, good, detail)
        finally:
            store.close()
    from crawler.stores.kibana import KibanaConfig, KibanaError
    from crawler.stores.kibana import status as kibana_status

    kibana = KibanaConfig.from_env()
    if kibana is not None:
        try:
            report("kibana", True, f"{kibana.url}: {kibana_status(kibana)}")
        except KibanaError as exc:
            report("kibana", False, str(exc))
    from crawler.cli.alerts import doctor_checks

    for name, good, detail in doctor_checks(ddir):  # rules, SMTP, the outbox
        if good is None:
            print(f"[warn] {name}: {detail}")
        else:
            report(name, good, detail)
    from alerts.alertpass import set_aside_report
    from crawler.health.healthpass import doctor_checks as health_checks

    try:
        names: list[str] | None = [s.name for s in _load_sources(args).sources if s.enabled]
    except ConfigError:
        names = None
    try:
        for line in set_aside_report(ddir):  # digests a mail server refused for good
            print(f"[warn] outbox: {line}")
        for name, good, detail in health_checks(ddir, names):  # each source's last run
            report(name, good, detail)
    except sqlite3.DatabaseError as exc:  # the store check above said so too
        report("health", False, f"cannot read the SQLite store: {exc}")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    print(
        f"[{'ok' if chromium else 'warn'}] chromium: "
        f"{chromium or 'not installed (apt-get install chromium)'}"
    )
    return 0 if ok else 1


def cmd_runs(args: argparse.Namespace) -> int:
    from crawler.run.summary import format_summary

    store = open_store(args.data_dir)
    try:
        runs = store.runs(args.limit)
    finally:
        store.close()
    for summary in reversed(runs):
        print(format_summary(summary))
        print()
    if not runs:
        print("no runs yet")
    return 0


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="adwatch", description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", help="data directory (default: $ADWATCH_DATA_DIR or ./data)")
    p.add_argument("--sources", help="sources file (default: $ADWATCH_SOURCES or ./sources.yaml)")
    p.add_argument("--rules", help="rules file (default: $ADWATCH_RULES or ./rules.yaml)")
    p.add_argument(
        "--verbose", action="store_true", help="show a run's whole log, not only its warnings"
    )
    sub = p.add_subparsers(dest="command", required=True)

    def crawl_opts(sp: argparse.ArgumentParser) -> None:
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

    sp = sub.add_parser("run", help="crawl the sources that are due (the cron target)")
    sp.add_argument("--all", action="store_true", help="ignore schedules, crawl every source")
    sp.add_argument("--only", nargs="+", metavar="SOURCE", help="crawl just these sources")
    crawl_opts(sp)
    sp.set_defaults(func=cmd_run)

    sp = sub.add_parser("crawl", help="crawl one source now")
    sp.add_argument("source")
    crawl_opts(sp)
    sp.set_defaults(func=cmd_run)

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

    sp = sub.add_parser("extract", help="show what extraction gets from one page")
    sp.add_argument("target", metavar="URL_OR_FILE")
    sp.add_argument("--source", help="use this source's selectors and country")
    sp.add_argument("--json", action="store_true")
    sp.add_argument(
        "--allow-private-network", action="store_true", help="allow 127.0.0.1 and private hosts"
    )
    sp.set_defaults(func=cmd_extract)

    from crawler.cli.sources import add_commands as add_sources_commands

    add_sources_commands(sub)  # sources check [--live NAME], sources suggest URL...

    sp = sub.add_parser("demo", help="serve the demo sites on 127.0.0.1 and run adwatch on them")
    sp.add_argument("--port", type=port_number, default=0, help="port (default: a free one)")
    sp.add_argument("--size", type=at_least(20), default=500, help="number of demo ads")
    sp.add_argument("--seed", type=int, default=1)
    sp.add_argument("--keep", action="store_true", help="keep the demo data of earlier runs")
    sp.set_defaults(func=cmd_demo)

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

    sp = sub.add_parser("doctor", help="check the installation")
    sp.set_defaults(func=cmd_doctor)

    sp = sub.add_parser("runs", help="show the latest run summaries")
    sp.add_argument("--limit", type=positive_int, default=5)
    sp.set_defaults(func=cmd_runs)

    from crawler.cli.alerts import add_commands

    add_commands(sub)  # rules check|test, alerts send|list
    from crawler.cli.evidence import add_command as add_evidence_command

    add_evidence_command(sub)  # evidence AD_ID
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


def check_data_dir(value: str | None) -> None:
    """A data directory that names a file (or lies under one) is a usage error, found
    before any command starts (ConfigError, exit 2)."""
    ddir = data_dir(value)
    blocking = file_in_the_way(ddir)
    if blocking is not None:
        name = "--data-dir" if value else "ADWATCH_DATA_DIR"
        raise ConfigError([(name, None, f"{ddir} is not a directory ({blocking} is a file)")])


def file_in_the_way(folder: Path) -> Path | None:
    """The existing file that stands where ``folder`` or one of its parents should be."""
    existing = folder
    try:
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        return existing if existing.exists() and not existing.is_dir() else None
    except OSError:  # unreadable: the command's own access says so
        return None


if __name__ == "__main__":
    sys.exit(main())
