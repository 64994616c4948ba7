"""``adwatch doctor`` (check the installation) and ``adwatch runs`` (the latest run summaries).

``doctor`` prints one ``[ok]``, ``[FAIL]`` or ``[warn]`` line per check, in this order: every
``ADWATCH_*`` setting, the sources file, the data directory, SQLite with FTS5, the store
(and Elasticsearch, Kibana when configured), rules, SMTP and the outbox, digests set aside,
each source's last run, Chromium. Exit 1 when a check failed; warnings do not count.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from crawler.cli.common import positive_int, read_sources, sources_path
from crawler.config import ConfigError
from crawler.stores import data_dir, open_store


class _Report:
    """Prints check lines and remembers whether every check passed."""

    def __init__(self) -> None:
        self.ok = True

    def __call__(self, name: str, good: bool, detail: str) -> None:
        self.ok = self.ok and good
        print(f"[{'ok' if good else 'FAIL'}] {name}: {detail}")

    def line(self, name: str, good: bool | None, detail: str) -> None:
        """A check's line; ``None`` for a warning, which does not fail the doctor."""
        if good is None:
            print(f"[warn] {name}: {detail}")
        else:
            self(name, good, detail)


def _check_setup(args: argparse.Namespace, ddir: Path, report: _Report) -> None:
    """The settings, the sources file, the data directory and SQLite."""
    from crawler.common.options import doctor_checks as environment_checks

    for name, good, detail in environment_checks():  # every ADWATCH_* setting
        report.line(name, good, detail)
    try:
        sources = read_sources(args)
        report("sources", True, f"{sources_path(args)}: {len(sources.sources)} source(s)")
    except ConfigError as exc:
        report("sources", False, str(exc))
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


def _check_store(args: argparse.Namespace, report: _Report) -> None:
    """The store, and Elasticsearch and Kibana when they are configured."""
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


def _check_alerts_and_health(args: argparse.Namespace, ddir: Path, report: _Report) -> None:
    """Rules, SMTP and the outbox; digests set aside; each source's last run."""
    from crawler.cli.alerts import doctor_checks

    for name, good, detail in doctor_checks(ddir):  # rules, SMTP, the outbox
        report.line(name, good, detail)
    from alerts.alertpass import set_aside_report
    from crawler.health.healthpass import doctor_checks as health_checks

    try:
        names: list[str] | None = [s.name for s in read_sources(args).sources if s.enabled]
    except ConfigError:
        names = None
    try:
        for line in set_aside_report(ddir):  # digests a mail server refused for good
            print(f"[warn] outbox: {line}")
        for name, good, detail in health_checks(ddir, names):  # each source's last run
            report(name, good, detail)
    except sqlite3.DatabaseError as exc:  # the store check above said so too
        report("health", False, f"cannot read the SQLite store: {exc}")


def cmd_doctor(args: argparse.Namespace) -> int:
    report = _Report()
    ddir = data_dir(args.data_dir)
    _check_setup(args, ddir, report)
    _check_store(args, report)
    _check_alerts_and_health(args, ddir, report)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    print(
        f"[{'ok' if chromium else 'warn'}] chromium: "
        f"{chromium or 'not installed (apt-get install chromium)'}"
    )
    return 0 if report.ok else 1


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


def register(sub: Any) -> None:
    """Register ``doctor`` and ``runs`` on the ``adwatch`` subparsers."""
    sp = sub.add_parser("doctor", help="check the installation")
    sp.set_defaults(func=cmd_doctor)

    sp = sub.add_parser("runs", help="show the latest run summaries")
    sp.add_argument("--limit", type=positive_int, default=5)
    sp.set_defaults(func=cmd_runs)
