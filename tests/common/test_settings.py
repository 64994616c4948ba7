"""The one settings object (crawler/common/options.py): defaults < environment < ``-s`` <
flags, checked before any work (exit 2 naming the variable), read by the crawl, the alert
pass and the health pass alike, and documented in the README's table."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import pytest

from crawler import settings as defaults
from crawler.common.crawlsettings import OptionsAddon, crawl_settings, options_of
from crawler.common.options import (
    Options,
    SettingsError,
    build_options,
    current_options,
    using_options,
)
from crawler.common.values import parse_flag
from tests.conftest import ROOT, adwatch, run_json


def test_defaults_then_environment_then_s_then_flags():
    env = {"ADWATCH_DATA_DIR": "/env", "ADWATCH_PHONE_ADS_THRESHOLD": "7"}
    s = {"ADWATCH_DATA_DIR": "/s", "LOG_LEVEL": "INFO"}
    flags = {"ADWATCH_DATA_DIR": "/flag", "LOG_LEVEL": "ERROR", "ADWATCH_RULES": None}

    assert build_options({}).ADWATCH_PHONE_ADS_THRESHOLD == defaults.ADWATCH_PHONE_ADS_THRESHOLD
    assert build_options({}).data_dir.as_posix() == "data"
    assert build_options(env).ADWATCH_PHONE_ADS_THRESHOLD == 7
    assert build_options(env).ADWATCH_DATA_DIR == "/env"
    assert build_options(env, s).ADWATCH_DATA_DIR == "/s"
    options = build_options(env, s, flags)
    assert options.ADWATCH_DATA_DIR == "/flag" and options.ADWATCH_RULES is None
    assert options.ADWATCH_PHONE_ADS_THRESHOLD == 7
    assert options.scrapy_overrides == {"LOG_LEVEL": "ERROR"}
    # an empty variable is unset; "-s NAME=" sets the default back
    assert build_options({"ADWATCH_ALERTS": ""}).ADWATCH_ALERTS is True
    assert build_options(env, {"ADWATCH_PHONE_ADS_THRESHOLD": ""}).ADWATCH_PHONE_ADS_THRESHOLD == 5


def test_the_crawl_gets_the_same_values_as_scrapy_settings():
    env = {
        "ADWATCH_ALERTS": "on",
        "ADWATCH_IMAGES_STORE": "/photos",
        "ADWATCH_SMTP_URL": "smtp://u:secret@mail.example.org",
        "ADWATCH_CHROMIUM": "/opt/chromium",
    }
    options = build_options(env, {"ADWATCH_ALERTS": "no", "ADWATCH_IMAGES_PER_AD": "3"})
    crawl = crawl_settings(options)
    assert crawl["ADWATCH_ALERTS"] is False and crawl.getint("ADWATCH_IMAGES_PER_AD") == 3
    assert crawl["IMAGES_STORE"] == "/photos"
    assert crawl["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"] == "/opt/chromium"
    assert crawl["ROBOTSTXT_OBEY"] is True  # crawler/settings.py underneath
    assert "ADWATCH_SMTP_URL" not in crawl  # Scrapy logs its settings: no secrets there
    with using_options(options):
        assert current_options() is options
        assert options_of(crawl).ADWATCH_ALERTS is False
    assert current_options() is not options


def test_plain_scrapy_crawl_reads_the_environment_below_its_s_values(monkeypatch):
    from scrapy.settings import Settings

    monkeypatch.setenv("ADWATCH_ALERTS", "false")
    monkeypatch.setenv("ADWATCH_SOURCES", "/env/sources.yaml")
    monkeypatch.setenv("ADWATCH_HEALTH_MIN_PAGES", "9")
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ADWATCH_HEALTH_MIN_PAGES", "4", priority="cmdline")  # scrapy crawl -s
    OptionsAddon.update_pre_crawler_settings(settings)
    assert settings["ADWATCH_ALERTS"] is False
    assert settings["ADWATCH_SOURCES"] == "/env/sources.yaml"  # the spider loader's file
    assert settings["ADWATCH_HEALTH_MIN_PAGES"] == 4

    settings.set("ADWATCH_ENTITY_ALERTS", "bogus", priority="cmdline")
    with pytest.raises(SystemExit) as stop:
        OptionsAddon().update_settings(settings)
    assert stop.value.code == 2


def test_true_or_false_is_read_in_one_place():
    from alerts.alertpass import AlertSettings

    for word in ("1", "true", "Yes", " ON "):
        assert parse_flag(word) is True
    for word in ("0", "false", "No", "off"):
        assert parse_flag(word) is False
    with pytest.raises(ValueError, match="must be true or false"):
        parse_flag("maybe")
    for word, enabled in (("off", False), ("no", False), ("1", True)):
        assert AlertSettings.from_env({"ADWATCH_ALERTS": word}).enabled is enabled
        assert build_options({"ADWATCH_ES_VERIFY_CERTS": word}).ADWATCH_ES_VERIFY_CERTS is enabled
    with pytest.raises(SettingsError, match="^ADWATCH_BLUR_THUMBNAILS: must be true or false"):
        AlertSettings.from_env({"ADWATCH_BLUR_THUMBNAILS": "blurry"})


@pytest.mark.parametrize(
    "args, env, line",
    [
        (
            ["-s", "ADWATCH_ALERTS=maybe"],
            {},
            "ADWATCH_ALERTS: must be true or false (1/0, yes/no, on/off), not 'maybe'",
        ),
        (
            ["-s", "ADWATCH_HEALTH_NO_AD_SHARE=2"],
            {"ADWATCH_HEALTH_NO_AD_SHARE": "0.4"},
            "ADWATCH_HEALTH_NO_AD_SHARE: must be a share from 0 to 1, not '2'",
        ),
        (
            [],
            {"ADWATCH_PHONE_ADS_THRESHOLD": "abc"},
            "ADWATCH_PHONE_ADS_THRESHOLD: must be a whole number, not 'abc'",
        ),
        (["-s", "ADWATCH_ALERTS"], {}, "-s: expects NAME=VALUE, got 'ADWATCH_ALERTS'"),
    ],
)
def test_a_bad_value_stops_the_command_with_exit_2_naming_it(
    tmp_path, monkeypatch, capsys, args, env, line
):
    from crawler.cli.main import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    data = tmp_path / "data"
    code = main(["--data-dir", str(data), "--sources", str(tmp_path / "none.yaml"), "run", *args])
    assert code == 2 and capsys.readouterr().err == line + "\n"
    assert not data.exists()  # nothing ran


def test_a_bad_setting_stops_the_real_command_before_any_work(tmp_path):
    data = tmp_path / "data"
    proc = adwatch("--data-dir", str(data), "search", "visa", env={"ADWATCH_ES_TIMEOUT": "-1"})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "ADWATCH_ES_TIMEOUT: must be a number of seconds above 0, not '-1'\n"
    assert not data.exists()


def test_worker_processes_get_the_settings_they_are_started_with(tmp_path, monkeypatch):
    """A spawned worker reads no environment of its own: the rules file named only in the
    crawl's settings object (as ``--rules`` names it) is the one its ads are matched with."""
    import asyncio

    from crawler.config import Source
    from crawler.extract.workers import OK, WorkerPool
    from crawler.items import Page

    monkeypatch.delenv("ADWATCH_RULES", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./rules.yaml either
    rules = tmp_path / "own-rules.yaml"
    rules.write_text(
        "rules:\n  - {id: fridge, name: fridge, severity: low, any: [heladera]}\n",
        encoding="utf-8",
    )
    options = build_options({}, None, {"ADWATCH_RULES": str(rules)})
    html = b"<html><body><article><h1>Vendo heladera</h1><p>Casi nueva.</p></article></body></html>"
    source = Source(name="t", kind="classified", start_urls=["http://example.org/"])

    async def main():
        pool = WorkerPool(1, page_budget=30.0, options=options)
        try:
            return await pool.run(Page("http://example.org/ad/1", "t", html, "utf-8"), source)
        finally:
            pool.shutdown()

    status, ad = asyncio.run(main())
    assert status == OK and [m["rule"] for m in ad.matched_rules] == ["fridge"]
    budget = build_options({"ADWATCH_PAGE_TIME_BUDGET": "0.5"})
    assert WorkerPool(0, options=budget).page_budget == 0.5


def _readme_variables() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n### Environment\n", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows, "no table of variables under ### Environment"
    names: set[str] = set()
    for row in rows:
        names.update(re.findall(r"`(ADWATCH_[A-Z_]+)`", row.split("|")[1]))
    return names


def test_the_readme_table_lists_exactly_the_variables_of_the_settings_object():
    assert _readme_variables() == set(Options.model_fields)


@pytest.mark.slow
def test_s_alerts_false_turns_off_the_alert_pass_of_a_real_run(demo_server, tmp_path):
    """``-s`` reaches the alert pass and the health pass, not only the crawl: with
    ``-s ADWATCH_ALERTS=false`` the crawl records no sightings and the pass does not run."""
    (tmp_path / "rules.yaml").write_text(
        "recipients:\n  team:\n    emails: [team@example.org]\n"
        "rules:\n  - id: every-ad\n    name: every ad\n    severity: low\n"
        "    any: [{regex: '\\w'}]\n    recipients: [team]\n",
        encoding="utf-8",
    )
    (tmp_path / "sources.yaml").write_text(
        f"""sources:
  - name: feed
    kind: classified
    feed: {demo_server.base_url}/feed/rss.xml
    country: GB
    schedule: {{every: 1h}}
    allow_private_network: true
""",
        encoding="utf-8",
    )
    env = {
        "ADWATCH_DATA_DIR": str(tmp_path / "off"),
        "ADWATCH_SOURCES": str(tmp_path / "sources.yaml"),
        "ADWATCH_RULES": str(tmp_path / "rules.yaml"),
        "ADWATCH_ALERTS": "true",  # -s wins over the environment
    }
    off = run_json(
        "run", "-s", "ADWATCH_ALERTS=false", "-s", "ADWATCH_OPS_EMAIL=ops@example.org", env=env
    )
    assert off["_exit"] == 0, off["_stderr"][-3000:]
    assert off["sources"][0]["ads_new"] > 0
    assert off["alerts"] == {"disabled": True}
    assert off["health"]["ops_email"]["to"] == ["ops@example.org"]  # the health pass read -s
    # the crawl did not record the sightings the ledger decides on
    with closing(sqlite3.connect(tmp_path / "off" / "adwatch.sqlite3")) as db:
        for table in ("alert_sightings", "phone_sightings"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    later = run_json("run", "--all", env=env)  # without -s: the environment's value again
    assert "disabled" not in later["alerts"], later["alerts"]
    assert later["health"]["ops_email"] == {"disabled": "ADWATCH_OPS_EMAIL not set"}

    # the same crawl with alerts on: every ad alerts
    on = run_json("run", env={**env, "ADWATCH_DATA_DIR": str(tmp_path / "on")})
    assert on["alerts"]["alerts_due"] == on["sources"][0]["ads_new"] > 0, on["alerts"]


def test_the_one_off_fetch_sends_the_user_agent_given_with_s():
    """``-s USER_AGENT=...`` reaches the fetches outside the crawl (robots.txt and thumbnails of
    the alert pass, ``adwatch extract URL``, ``search --image URL``), on a real local server."""
    import http.server
    import threading

    from crawler.fetch.webfetch import crawl_setting, fetch_bytes

    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            seen.append(self.headers.get("User-Agent", ""))
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        fetch_bytes(url, True, 1000)
        given = build_options({}, {"USER_AGENT": "adwatch-test/9", "DOWNLOAD_MAXSIZE": "3"})
        with using_options(given):
            assert crawl_setting("DOWNLOAD_MAXSIZE") == 3
            fetch_bytes(url, True, 1000)
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [defaults.USER_AGENT, "adwatch-test/9"]
