"""Hostile or careless configuration: YAML bombs, deep nesting, overflowing durations, odd
hosts. Each gets one ``path:line`` error and exit 2, never a traceback, a hang or a heap."""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap

import pytest

from alerts.rules import parse_rules
from crawler.config import MAX_DURATION, ConfigError, load_sources, parse_duration
from crawler.yamlconf import MAX_ALIAS_EXPANSION, MAX_DEPTH, parse_yaml
from tests.conftest import ROOT

GOOD_SOURCE = """\
sources:
  - name: site-a
    kind: classified
    start_urls: [https://example.org/ads/]
    country: py
"""

RULES = """\
recipients:
  team: {emails: [team@example.org]}
rules:
  - id: visa
    name: Paid visa
    severity: high
    any: [visa]
    recipients: [team]
"""


def billion_laughs(levels: int = 9) -> str:
    """The classic bomb: each level lists the one before nine times (9**levels nodes)."""
    out = ["bomb:", "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        out.append(f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(out) + "\n"


def _limit_memory() -> None:
    # a child that tries to expand the bomb dies of MemoryError instead of taking the machine
    limit = 1536 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def adwatch_bounded(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        preexec_fn=_limit_memory,
    )


# ---------------------------------------------------------------- YAML bombs and nesting


def test_alias_bomb_in_sources_is_refused_at_the_alias_line(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD_SOURCE + billion_laughs())
    proc = adwatch_bounded("--sources", str(path), "--data-dir", str(tmp_path / "d"), "run")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    # levels 1 to 4 add 74,718 nodes; the second alias of level 5 (66,430 more) crosses
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("  l5:")
    )
    assert f"{path}:{line}: invalid YAML: aliases expand the document past" in proc.stderr
    assert not (tmp_path / "d" / "adwatch.sqlite3").exists()


def test_alias_bomb_in_rules_is_refused_by_rules_check(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES + billion_laughs())
    proc = adwatch_bounded("--rules", str(path), "rules", "check")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert f"{path}:" in proc.stderr and "aliases expand the document past" in proc.stderr


def test_aliases_an_operator_would_write_still_work(tmp_path):
    shared = "\n".join(f"      - {{term: word{i}}}" for i in range(200))
    text = RULES.replace("    any: [visa]\n", "    any: &terms\n" + shared + "\n") + "".join(
        f"  - {{id: r{i}, name: r{i}, severity: low, any: *terms, recipients: [team]}}\n"
        for i in range(100)
    )
    rules = parse_rules(text)
    assert len(rules) == 101 and len(rules.rule("r99").any) == 200


def test_the_expansion_limit_counts_nested_aliases_once_each():
    # four levels expand to 74,718 added nodes, five to 9 times more
    assert 74_718 < MAX_ALIAS_EXPANSION < 9 * 74_718
    data, lines = parse_yaml(billion_laughs(4), "x.yaml")
    assert len(data["bomb"]["l4"]) == 9 and lines[("bomb", "l4")] == 6
    with pytest.raises(ConfigError, match="aliases expand"):
        parse_yaml(billion_laughs(6), "x.yaml")


def test_merge_key_bomb_is_refused():
    out = ["a0: &a0 {x: 1, y: 2}"]
    for i in range(1, 12):
        out.append(f"a{i}: &a{i} {{<<: [" + ", ".join([f"*a{i - 1}"] * 9) + "]}")
    with pytest.raises(ConfigError, match="aliases expand"):
        parse_yaml("\n".join(out), "x.yaml")


def test_alias_inside_its_own_anchor_is_refused():
    with pytest.raises(ConfigError) as err:
        parse_yaml("a: 1\nloop: &x\n  - 1\n  - *x\n", "x.yaml")
    assert str(err.value) == "x.yaml:4: invalid YAML: alias *x inside its own anchor"


@pytest.mark.parametrize("flow", [True, False])
def test_deep_nesting_is_refused_with_its_line(tmp_path, flow):
    depth = 5000
    if flow:
        text = "sources: " + "[" * depth + "]" * depth + "\n"
        line = 1
    else:
        text = "sources:\n" + "".join(" " * i + "- \n" for i in range(1, MAX_DEPTH + 5))
        line = MAX_DEPTH + 1  # the sequence on line k is k levels deep
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    assert str(err.value) == (
        f"{path}:{line}: invalid YAML: nested deeper than {MAX_DEPTH} levels"
    ), str(err.value)[:500]


def test_deep_nesting_in_rules_is_a_config_error():
    with pytest.raises(ConfigError, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse_rules(RULES + "x: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n")


# ---------------------------------------------------------------- durations


@pytest.mark.parametrize(
    "value", ["99999999999d", "9" * 5000 + "s", 10**30, float("inf"), float("nan"), -60]
)
def test_overflowing_or_negative_durations_are_value_errors(value):
    with pytest.raises(ValueError, match="out of range"):
        parse_duration(value)


def test_the_longest_duration_still_makes_a_date():
    from datetime import UTC, datetime

    longest = parse_duration(f"{MAX_DURATION.days}d")
    now = datetime.now(UTC)
    assert now - longest < now < now + longest


def test_overflowing_schedule_is_a_line_error_and_exit_2(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD_SOURCE + "    schedule: {every: 99999999999d}\n")
    proc = adwatch_bounded("--sources", str(path), "--data-dir", str(tmp_path / "d"), "run")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert f"{path}:6: source 'site-a': schedule.every: duration '99999999999d'" in proc.stderr


def test_overflowing_realert_is_a_line_error():
    text = RULES.replace("    any: [visa]\n", "    any: [visa]\n    realert: 99999999999d\n")
    with pytest.raises(ConfigError) as err:
        parse_rules(text)
    assert "rules.yaml:8: rule 'visa': realert: duration '99999999999d' is out of range" in str(
        err.value
    )


# ---------------------------------------------------------------- hosts and entry points


def _error(tmp_path, text: str) -> str:
    path = tmp_path / "sources.yaml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    return str(err.value).replace(f"{path}:", "")


@pytest.mark.parametrize(
    "url",
    [
        "http://exa mple.org/",
        "http://example.org/a b",
        "http://exa\tmple.org/",
        "http://[::1/",
        "http://example.org:99999/",
        "http://ex..ample.org/",
        "http://-example.org/",
        "http://exa_mple$.org/",
    ],
)
def test_start_url_with_a_bad_host_or_spaces_is_refused(tmp_path, url):
    text = GOOD_SOURCE.replace("https://example.org/ads/", f'"{url}"')
    assert _error(tmp_path, text).startswith("4: source 'site-a': start_urls: not a URL: ")


@pytest.mark.parametrize(
    "entry", ["", " ", "a b", "10.0.0.1:99999", "10.0.0.1:0", "[::1", "host:", "u@h", "h/x"]
)
def test_allow_private_network_entries_must_be_host_or_host_port(tmp_path, entry):
    text = GOOD_SOURCE + f'    allow_private_network: ["{entry}"]\n'
    assert _error(tmp_path, text) == (
        f"6: source 'site-a': allow_private_network: {entry!r} is not a host or host:port"
        " (port 1 to 65535)"
    )


def test_good_hosts_and_urls_still_load(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        GOOD_SOURCE.replace("https://example.org/ads/", '"http://[::1]:8080/a?b=c%20d"')
        + '    allow_private_network: ["127.0.0.1:8765", "localhost", "[::1]:80", "intra_net"]\n'
    )
    source = load_sources(path).sources[0]
    assert source.allow_private_network == ["127.0.0.1:8765", "localhost", "[::1]:80", "intra_net"]


@pytest.mark.parametrize(
    "extra,line,pair",
    [
        ("    sitemap: https://example.org/sitemap.xml\n", 6, "start_urls and sitemap"),
        ("    feed: https://example.org/rss.xml\n", 6, "start_urls and feed"),
    ],
)
def test_a_second_entry_point_is_an_error_at_its_line(tmp_path, extra, line, pair):
    assert _error(tmp_path, GOOD_SOURCE + extra) == (
        f"{line}: source 'site-a': {pair.split(' and ')[1]}: use one of start_urls, sitemap and"
        f" feed, not {pair} (make a second source for the other)"
    )
