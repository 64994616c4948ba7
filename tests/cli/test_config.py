"""sources.yaml validation: every mistake is reported as path:line, exit 2, nothing crawled."""

from __future__ import annotations

import textwrap

import pytest

from crawler.common.durations import parse_duration
from crawler.config import ConfigError, load_sources
from tests.conftest import ROOT, adwatch

GOOD = """\
sources:
  - name: site-a
    kind: classified
    start_urls: [https://example.org/ads/]
    links: "a.ad::attr(href)"
    fields:
      title: "h1::text"
      body: "//div[@class='body']"
    country: py
    schedule: {every: 30m}
"""


def write(tmp_path, text):
    path = tmp_path / "sources.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def error_lines(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    return str(err.value).splitlines(), str(path)


def test_good_file_loads_with_defaults(tmp_path):
    sources = load_sources(write(tmp_path, GOOD))
    s = sources.get("site-a")
    assert s.country == "PY" and s.extract == "selectors" and s.render == "auto"
    assert s.schedule.interval.total_seconds() == 1800
    assert s.allow_private_network is False
    assert s.entry == "listing"


def test_shipped_sources_file_is_valid():
    assert load_sources(ROOT / "sources.yaml").sources


@pytest.mark.parametrize(
    "bad,line,needle",
    [
        (GOOD.replace("    country: py\n", "    contry: py\n"), 9, "unknown key 'contry'"),
        (GOOD.replace("kind: classified", "kind: jobs"), 3, "kind"),
        (GOOD.replace('"a.ad::attr(href)"', '"a.ad[[["'), 5, "invalid CSS selector"),
        (GOOD.replace("//div[@class='body']", "//div[@class="), 8, "invalid XPath selector"),
        (
            GOOD.replace("every: 30m", "every: soon"),
            10,
            "duration 'soon': write a number and a unit",
        ),
        (GOOD.replace("https://example.org/ads/", "ftp://example.org/"), 4, "not an http(s) URL"),
        (GOOD.replace("name: site-a", "name: Site A"), 2, "lower-case"),
        (
            GOOD.replace('      title: "h1::text"\n', '      headline: "h1::text"\n'),
            7,
            "unknown field 'headline'",
        ),
    ],
)
def test_each_mistake_is_reported_with_its_line(tmp_path, bad, line, needle):
    lines, path = error_lines(tmp_path, bad)
    assert any(x.startswith(f"{path}:{line}: ") and needle in x for x in lines), lines
    assert any("source '" in x for x in lines), lines


def test_missing_entry_point_and_duplicate_names(tmp_path):
    text = GOOD.replace("    start_urls: [https://example.org/ads/]\n", "")
    lines, path = error_lines(tmp_path, text)
    assert lines == [f"{path}:2: source 'site-a': needs start_urls, sitemap or feed"]
    dup = GOOD + GOOD.split("sources:\n", 1)[1]
    lines, path = error_lines(tmp_path, dup)
    assert any("duplicate source name 'site-a'" in x for x in lines), lines


def test_invalid_yaml_points_at_the_line(tmp_path):
    lines, path = error_lines(tmp_path, "sources:\n  - name: a\n   kind: job\n")
    assert lines[0].startswith(f"{path}:3: invalid YAML"), lines
    lines, path = error_lines(tmp_path, "sources:\n  - name: a\n    name: b\n")
    assert lines[0] == f"{path}:3: invalid YAML: duplicate key 'name' (first on line 2)"


def test_durations():
    assert parse_duration("6h").total_seconds() == 21600
    assert parse_duration("2w").days == 14
    with pytest.raises(ValueError):
        parse_duration("6 hours")


def test_cli_exits_2_and_crawls_nothing_on_bad_config(tmp_path):
    path = write(tmp_path, GOOD.replace("kind: classified", "kind: nope"))
    data = tmp_path / "data"
    for args in (["sources", "check"], ["run"]):
        proc = adwatch("--sources", str(path), "--data-dir", str(data), *args)
        assert proc.returncode == 2, proc.stderr
        assert f"{path}:3: " in proc.stderr
    assert not (data / "adwatch.sqlite3").exists()


def test_scrapy_list_reads_sources(tmp_path):
    import os
    import subprocess
    import sys

    path = write(tmp_path, GOOD)
    env = dict(os.environ, ADWATCH_SOURCES=str(path), PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["site-a"]
    env["ADWATCH_SOURCES"] = str(write(tmp_path, GOOD.replace("kind: classified", "kind: x")))
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 2 and ":3: " in out.stderr
