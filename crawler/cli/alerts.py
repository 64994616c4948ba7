"""The ``adwatch rules`` and ``adwatch alerts`` commands.

* ``rules check``: validate the rules file (``rules.yaml:LINE: rule 'x': what is wrong``,
  exit 2).
* ``rules test TEXT|FILE|URL [--json]``: which rules match and why, the matched words
  highlighted (``--json``: a list of ``{rule, name, severity, score, terms}``). Exit 0 when
  a rule matched, 1 when none did.
* ``alerts send``: the alert pass alone (ledger, digests, outbox, SMTP). Exit 1 when a
  digest could not be sent (it stays in the outbox), or while a run holds the lock.
* ``alerts list [--json]``: the stored alerts, newest first.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from crawler.cli.common import (
    READ_ERRORS,
    positive_int,
    print_table,
    read_sources,
    reason,
    seconds,
    under_run_lock,
)
from crawler.common.options import Options, current_options
from crawler.config import ConfigError
from crawler.extract.rules import load_ruleset, match_record, matcher, rules_path
from crawler.fetch.localfile import read_capped
from crawler.fetch.webfetch import crawl_setting
from crawler.stores import data_dir

_PLAIN_MARK = ("[", "]")


def check_rules_for_run(options: Options) -> Options:
    """Before a run: an invalid rules file stops it (ConfigError, exit 2); a missing one
    is a warning. Returns ``options`` with the rules file's absolute path (the crawl and
    its worker processes read that file)."""
    path = options.rules_path.resolve()
    if load_ruleset(path) is None:
        print(
            f"warning: no rules file at {path}: ads are not matched against rules", file=sys.stderr
        )
    return options.with_values({"ADWATCH_RULES": str(path)})


# ---------------------------------------------------------------- rules check


def cmd_rules_check(args: argparse.Namespace) -> int:  # noqa: ARG001
    from alerts.channels import EmailChannel

    path = rules_path()
    ruleset = load_ruleset(path)
    if ruleset is None:
        raise ConfigError([(str(path), None, "file not found")])
    options = current_options()  # ${NAME} recipients are variables of its environment
    for rule in ruleset.rules:
        to = ", ".join(rule.recipients) or "nobody"
        print(f"{rule.id}: {rule.severity}, to {to}")
    for name, group in ruleset.recipients.items():
        addresses = EmailChannel.addresses(group)
        unset = [e for e in group.emails if e.startswith("${") and not options.get(e[2:-1])]
        note = f" ({', '.join(unset)} not set)" if unset else ""
        print(f"recipient group {name}: {len(addresses)} address(es){note}")
    print(f"{path}: {len(ruleset.rules)} rule(s), {len(ruleset.recipients)} recipient group(s), OK")
    return 0


# ---------------------------------------------------------------- rules test


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype", "<html")) or "<body" in head


def _target_ad(args: argparse.Namespace) -> dict[str, Any] | None:
    """The ad to test: a page (URL or saved HTML, read as adwatch extracts it), a text
    file, or the text itself."""
    from crawler.extract.probe import probe_page

    target = args.target
    source = None
    if args.source:
        from crawler.config import load_sources

        sources_path = current_options().sources_path  # --sources is in the settings
        try:
            source = load_sources(sources_path).get(args.source)
        except KeyError:
            raise ConfigError([(str(sources_path), None, f"no source {args.source!r}")]) from None
    path = Path(target)
    is_url = target.lower().startswith(("http://", "https://"))
    is_file = not is_url and path.is_file()
    text = target
    if is_file:
        maxsize = crawl_setting("DOWNLOAD_MAXSIZE")
        text = read_capped(path, maxsize, "DOWNLOAD_MAXSIZE").decode(errors="replace")
    if is_url or (is_file and _looks_like_html(text)):
        result = probe_page(target, source, allow_private=args.allow_private_network)
        ad = result.get("ad")
        if ad is None:
            return None
        ad["kind"] = source.kind if source else None  # unknown: rules of every kind apply
    else:
        ad = {"title": "", "body": text, "language": None, "kind": None}
    if args.language:
        ad["language"] = args.language
    if args.kind:
        ad["kind"] = args.kind
    return ad


def _marked(text: str, spans: list[tuple[int, int]], colour: bool) -> str:
    from alerts.matcher import highlight

    out = highlight(text, spans, "ansi")
    if not colour:
        out = out.replace("\x1b[1;31m", _PLAIN_MARK[0]).replace("\x1b[0m", _PLAIN_MARK[1])
    return out


def cmd_rules_test(args: argparse.Namespace) -> int:
    from alerts.digest import context_windows
    from alerts.matcher import risk_score

    compiled = matcher()
    if compiled is None:
        raise ConfigError([(str(rules_path()), None, "file not found")])
    try:
        ad = _target_ad(args)
    except READ_ERRORS as exc:
        print(f"cannot read {args.target}: {reason(exc)}", file=sys.stderr)
        return 2
    if ad is None:
        print(f"{args.target}: no ad found on the page", file=sys.stderr)
        return 1
    matches = compiled.match(ad)
    if args.json:
        print(json.dumps([match_record(m) for m in matches], ensure_ascii=False, indent=2))
        return 0 if matches else 1
    colour = sys.stdout.isatty() and not current_options().get("NO_COLOR")
    if not matches:
        print(f"no rule of {rules_path()} matches")
        return 1
    print(f"{len(matches)} rule(s) of {rules_path()} match; risk score {risk_score(matches):g}/100")
    for m in matches:
        print()
        print(f"{m.rule_id} ({m.severity}, score {m.score:g}): {m.name}")
        words = ", ".join(dict.fromkeys(f"{t.text!r} ({t.field})" for t in m.terms))
        print(f"  matched: {words}")
        spans = m.spans
        title, body = ad.get("title") or "", ad.get("body") or ""
        if spans["title"]:
            print(f"  title: {_marked(title, spans['title'], colour)}")
        for lo, hi in context_windows(body, spans["body"])[:6] if spans["body"] else []:
            inside = [(s - lo, e - lo) for s, e in spans["body"] if lo <= s and e <= hi]
            piece = _marked(body[lo:hi], inside, colour).replace("\n", " ")
            print(f"  body: {'…' if lo else ''}{piece}{'…' if hi < len(body) else ''}")
    return 0


# ---------------------------------------------------------------- alerts


def cmd_alerts_send(args: argparse.Namespace) -> int:
    from alerts.alertpass import alert_pass, open_alert_state
    from crawler.run.summary import format_alerts

    load_ruleset()  # an invalid rules file: exit 2 before anything is sent
    try:
        sources = read_sources(args)
    except ConfigError:
        sources = None  # thumbnails from private hosts are then skipped

    def send() -> int:
        open_alert_state(data_dir(args.data_dir)).close()  # unreadable: one line, exit 1
        result = alert_pass(data_dir(args.data_dir), sources)
        for line in format_alerts(result):
            print(line)
        return 1 if result.get("errors") or result.get("send_failures") else 0

    return under_run_lock(args, "send alerts", send)


def cmd_alerts_list(args: argparse.Namespace) -> int:
    from alerts.alertpass import open_alert_state

    ddir = data_dir(args.data_dir)
    if not (ddir / "adwatch.sqlite3").exists():
        print("[]" if args.json else "no alerts yet")
        return 0
    state = open_alert_state(ddir)
    try:
        alerts = state.alerts.list_alerts(limit=args.limit, status=args.status, rule=args.rule)
    finally:
        state.close()
    if args.json:
        rows = [
            {
                "id": a.id,
                "created_at": a.created_at,
                "rule": a.rule,
                "kind": a.kind,
                "severity": a.severity,
                "status": a.status,
                "sent_at": a.sent_at,
                "recipients": a.recipients,
                "ad_id": a.ad_id,
                "cluster": a.cluster,
                "title": a.ad.get("title"),
                "url": a.ad.get("url"),
                "source": a.ad.get("source"),
                "detail": {k: v for k, v in a.detail.items() if k != "ad"},
            }
            for a in alerts
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not alerts:
        print("no alerts")
        return 0
    rows = []
    for a in alerts:
        what = a.ad.get("title") or ""
        if a.kind == "entity":
            what = f"{a.detail.get('phone')}: {what}"
        rows.append(
            [
                str(a.id),
                a.created_at[:16].replace("T", " "),
                a.rule,
                a.severity,
                a.status,
                ", ".join(a.recipients) or "-",
                what[:80],
                a.ad.get("url") or "",
            ]
        )
    print_table(("id", "created", "rule", "severity", "status", "to", "ad", "url"), rows)
    print(f"{len(alerts)} alert(s)")
    return 0


# ---------------------------------------------------------------- doctor


def doctor_checks(directory: Path) -> list[tuple[str, bool | None, str]]:
    """``adwatch doctor``'s lines for rules and alerts: (name, ok or None for a warning,
    detail)."""
    from alerts.alertpass import open_alert_state
    from alerts.transport import SendError, SMTPTransport, smtp_config

    out: list[tuple[str, bool | None, str]] = []
    try:
        ruleset = load_ruleset()
        if ruleset is None:
            out.append(("rules", None, f"no rules file at {rules_path()}: no rule alerts"))
        else:
            out.append(("rules", True, f"{rules_path()}: {len(ruleset.rules)} rule(s)"))
    except ConfigError as exc:
        out.append(("rules", False, str(exc)))
    try:
        config = smtp_config()
    except ValueError as exc:
        out.append(("smtp", False, str(exc)))
        config = None
    else:
        if config is None:
            out.append(("smtp", None, "ADWATCH_SMTP_URL not set: digests stay in the outbox"))
    if config is not None:
        try:
            out.append(("smtp", True, SMTPTransport(config).check()))
        except SendError as exc:
            out.append(("smtp", False, str(exc)))
    if (directory / "adwatch.sqlite3").exists():
        try:
            state = open_alert_state(directory)
            try:
                waiting = state.alerts.digests(["queued", "sending"])
            finally:
                state.close()
        except sqlite3.DatabaseError as exc:  # the store check says so too
            out.append(("outbox", False, f"cannot read the SQLite store: {exc}"))
            return out
        if waiting:
            oldest = min(d.created_at for d in waiting)
            error = next((d.last_error for d in waiting if d.last_error), None)
            detail = f"{len(waiting)} digest(s) waiting since {oldest}"
            out.append(("outbox", None, detail + (f" (last error: {error})" if error else "")))
        else:
            out.append(("outbox", True, "nothing waiting"))
    return out


# ---------------------------------------------------------------- parser


def register(sub: Any) -> None:
    """Register ``rules`` and ``alerts`` on the ``adwatch`` subparsers."""
    sp = sub.add_parser("rules", help="rules.yaml tools")
    rsub = sp.add_subparsers(dest="rules_command", required=True)
    rsp = rsub.add_parser("check", help="validate the rules file")
    rsp.set_defaults(func=cmd_rules_check)
    rsp = rsub.add_parser("test", help="which rules match a text, a file or a page, and why")
    rsp.add_argument("target", metavar="TEXT|FILE|URL")
    rsp.add_argument("--json", action="store_true", help="print the matches as JSON")
    rsp.add_argument("--source", help="read a page with this source's selectors and country")
    rsp.add_argument("--kind", choices=["job", "classified"], help="the ad's kind")
    rsp.add_argument("--language", help="the ad's language (ISO 639-1), as if detected")
    rsp.add_argument(
        "--allow-private-network", action="store_true", help="allow 127.0.0.1 and private hosts"
    )
    rsp.set_defaults(func=cmd_rules_test)

    sp = sub.add_parser("alerts", help="the alert ledger and the outbox")
    asub = sp.add_subparsers(dest="alerts_command", required=True)
    asp = asub.add_parser("send", help="decide due alerts, build digests, send the outbox")
    asp.add_argument("--wait", type=seconds, default=0, help="seconds to wait for a running run")
    asp.set_defaults(func=cmd_alerts_send)
    asp = asub.add_parser("list", help="the stored alerts, newest first")
    asp.add_argument("--limit", type=positive_int, default=50)
    asp.add_argument("--status", choices=["pending", "queued", "sent", "set_aside", "unaddressed"])
    asp.add_argument("--rule", help="only this rule (or entity alert, e.g. phone-new-city)")
    asp.add_argument("--json", action="store_true")
    asp.set_defaults(func=cmd_alerts_list)
