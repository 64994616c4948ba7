"""Hostile or careless configuration: YAML bombs, deep nesting, overflowing durations, odd
hosts. Each gets one ``path:line`` error and exit 2, never a traceback, a hang or a heap."""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap

import pytest

from alerts.rules import parse_rules
from crawler.common.durations import MAX_DURATION, parse_duration
from crawler.common.yamlconf import MAX_ALIAS_EXPANSION, MAX_DEPTH, parse_yaml
from crawler.config import ConfigError, load_sources
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
        [sys.executable, "-m", "crawler.cli.main", *args],
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


def test_nesting_built_from_aliases_counts_too():
    # each anchor 45 levels deep holds the one before: 45 * 40 levels once expanded
    lines = ["a0: &a0 " + "[" * 45 + "x" + "]" * 45]
    for i in range(1, 40):
        lines.append(f"a{i}: &a{i} " + "[" * 45 + f"*a{i - 1}" + "]" * 45)
    with pytest.raises(ConfigError) as err:
        parse_rules(RULES + "\n".join(lines) + "\n")
    assert str(err.value) == f"rules.yaml:10: invalid YAML: nested deeper than {MAX_DEPTH} levels"


def test_deep_nesting_in_rules_is_a_config_error():
    with pytest.raises(ConfigError, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse_rules(RULES + "x: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n")


@pytest.mark.parametrize(
    "text,message",
    [
        ("a: 1\n{[x]: 1}: 2\n", "2: invalid YAML: a key must be one value, not a list or mapping"),
        (
            "a: 1\n? {k: v}\n: 2\n",
            "2: invalid YAML: a key must be one value, not a list or mapping",
        ),
        ("a: 1\nb: 2001-13-45\n", "2: invalid YAML: bad value for tag:yaml.org,2002:timestamp"),
        ("a: 1\nb: !!int 0x\n", "2: invalid YAML: bad value for tag:yaml.org,2002:int"),
        ("a: 1\nb: !!float abc\n", "2: invalid YAML: bad value for tag:yaml.org,2002:float"),
        ("a: 1\nb: \x00\n", "2: invalid YAML: character #x0000 is not allowed"),
    ],
)
def test_values_yaml_cannot_hold_are_line_errors(text, message):
    with pytest.raises(ConfigError) as err:
        parse_yaml(text, "x.yaml")
    assert str(err.value).startswith(f"x.yaml:{message}")


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


# ---------------------------------------------------------------- ADWATCH_* settings

BAD_SETTINGS = {
    "ADWATCH_ENTITY_ALERTS": ("bogus", "must be flagged, all or off, not 'bogus'"),
    "ADWATCH_PHONE_ADS_THRESHOLD": ("abc", "must be a whole number, not 'abc'"),
    "ADWATCH_MAIL_FROM": (
        "alerts@example.org\r\nBcc: all@example.org",
        "has a line break or another control character",
    ),
    "ADWATCH_SMTP_URL": ("garbage:pass@word", "must be a URL starting with smtp:// or smtps://"),
    "ADWATCH_ES_URL": ("http://[::1", "is not a URL (Invalid IPv6 URL)"),
    "ADWATCH_KIBANA_URL": ("notaurl", "must be a URL starting with http:// or https://"),
    "ADWATCH_ALERTS": ("maybe", "must be true or false (1/0, yes/no, on/off), not 'maybe'"),
    "ADWATCH_HEALTH_NO_AD_SHARE": ("2", "must be a share from 0 to 1, not '2'"),
    "ADWATCH_SMTP_TIMEOUT": ("0", "must be a number of seconds above 0, not '0'"),
    "ADWATCH_PAGE_TIME_BUDGET": ("soon", "must be a number of seconds, not 'soon'"),
    "ADWATCH_PHONE_ADS_WINDOW": ("99999999999d", "duration '99999999999d' is out of range"),
    "ADWATCH_OPS_EMAIL": ("nobody", "must be e-mail addresses separated by commas"),
}


def _site(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        GOOD_SOURCE.replace("https://example.org/ads/", "http://127.0.0.1:9/ads/")
        + "    allow_private_network: true\n"
    )
    return path


def test_every_bad_setting_is_named_before_any_work(tmp_path):
    from tests.conftest import adwatch

    sources, data = _site(tmp_path), tmp_path / "data"
    env = {name: value for name, (value, _) in BAD_SETTINGS.items()}
    proc = adwatch("--sources", str(sources), "--data-dir", str(data), "run", env=env, timeout=120)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    for name, (_, message) in BAD_SETTINGS.items():
        assert any(line.startswith(f"{name}: {message}") for line in lines), (name, lines)
    assert len(lines) == len(BAD_SETTINGS)
    assert "pass@word" not in proc.stderr  # a URL's password is never shown
    assert not data.exists()  # nothing crawled, nothing written


@pytest.mark.parametrize("name", ["ADWATCH_ENTITY_ALERTS", "ADWATCH_MAIL_FROM", "ADWATCH_ES_URL"])
def test_one_bad_setting_stops_crawl_with_exit_2(tmp_path, name):
    from tests.conftest import adwatch

    sources, data = _site(tmp_path), tmp_path / "data"
    value, message = BAD_SETTINGS[name]
    proc = adwatch(
        "--sources", str(sources), "--data-dir", str(data), "crawl", "site-a",
        env={name: value}, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stderr == f"{name}: {message}\n", proc.stderr[-3000:]
    assert not data.exists()


def test_doctor_reports_the_same_problems(tmp_path):
    from tests.conftest import adwatch

    sources = _site(tmp_path)
    env = {
        "ADWATCH_ENTITY_ALERTS": "bogus",
        "ADWATCH_PHONE_ADS_THRESHOLD": "abc",
        "ADWATCH_SMPT_URL": "smtp://typo",
    }
    proc = adwatch("--sources", str(sources), "--data-dir", str(tmp_path / "d"), "doctor", env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout.splitlines()
    assert (
        "[FAIL] environment: ADWATCH_ENTITY_ALERTS: must be flagged, all or off, not 'bogus'" in out
    )
    assert (
        "[FAIL] environment: ADWATCH_PHONE_ADS_THRESHOLD: must be a whole number, not 'abc'" in out
    )
    assert any(
        line.startswith("[warn] environment: not adwatch settings: ADWATCH_SMPT_URL")
        for line in out
    )


def test_good_settings_are_typed_and_defaults_come_from_settings_py():
    from crawler import settings as defaults
    from crawler.common.options import build_options

    env = build_options(
        {
            "ADWATCH_ENTITY_ALERTS": " ALL ",
            "ADWATCH_PHONE_ADS_THRESHOLD": "3",
            "ADWATCH_ALERTS": "off",
            "ADWATCH_MAIL_FROM": "adwatch <alerts@ngo.example.org>",
            "ADWATCH_SMTP_URL": "smtps://me%40ngo.org:p%3Ass@mail.ngo.org:465",
            "ADWATCH_ES_URL": "https://elastic:pw@[::1]:9200",
            "ADWATCH_OPS_EMAIL": "Ops <ops@example.org>, oncall@example.org, ",
            "ADWATCH_KIBANA_URL": "",  # empty: unset
        }
    )
    assert env.ADWATCH_ENTITY_ALERTS == "all" and env.ADWATCH_PHONE_ADS_THRESHOLD == 3
    assert env.ADWATCH_ALERTS is False and env.ADWATCH_KIBANA_URL is None
    assert env.ADWATCH_PAGE_TIME_BUDGET == defaults.ADWATCH_PAGE_TIME_BUDGET
    budget = build_options({"ADWATCH_PAGE_TIME_BUDGET": "0.5"}).ADWATCH_PAGE_TIME_BUDGET
    assert budget == 0.5
    with pytest.raises(ConfigError, match="^ADWATCH_PAGE_TIME_BUDGET: "):
        build_options({"ADWATCH_PAGE_TIME_BUDGET": "-1"})


def test_every_variable_the_code_names_is_a_setting():
    import re

    from crawler import settings as defaults
    from crawler.common.options import Options

    found = set()
    for folder in ("crawler", "alerts", "spiders"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name != "options.py":  # it lists the names that are no setting too
                found.update(re.findall(r'"(ADWATCH_[A-Z_]+)"', path.read_text(encoding="utf-8")))
    found = {name for name in found if not name.startswith("ADWATCH_TEST_")}
    assert len(found) > 30
    assert {n for n in found if n not in Options.model_fields and not hasattr(defaults, n)} == set()


def test_only_the_settings_module_reads_the_environment():
    import re

    readers = []
    for folder in ("crawler", "alerts", "spiders"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "crawler" / "common" / "options.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"os\.environ|getenv", line) and not line.lstrip().startswith("#"):
                    readers.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert readers == []
