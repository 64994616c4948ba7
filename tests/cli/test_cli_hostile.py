"""Every ``adwatch`` command given hostile arguments, and ads written to attack the terminal.

Each command answers with its README exit code (0, 1 or 2), one line on stderr where it
refuses, never a traceback, and leaves nothing half-written. The real CLI runs in a child
process; a URL is a real server on 127.0.0.1, an unreachable Elasticsearch a closed port.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.items import Ad
from crawler.stores.sqlite import SQLiteStore
from tests.conftest import ROOT, adwatch

MARKUP_TITLE = "[/bold] cierre visa pagada"
LINK_TITLE = "Visa [link=https://evil.example/]gratis[/link] hoy"
BLINK_TITLE = "[blink]Visa[/blink] y pasaje :warning:"
FILLER = 400  # enough ads that `search --json` outgrows a pipe's buffer


def ad(ad_id: str, title: str, body: str, **extra) -> Ad:
    url = f"https://ads.example.org/{ad_id}"
    return Ad(
        id=ad_id,
        source="s1",
        kind="job",
        url=url,
        canonical_url=url,
        title=title,
        body=body,
        content_hash=f"h{ad_id}",
        **extra,
    )


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A data directory holding ads whose titles are terminal markup, ads with emoji, an
    alert on the markup ad, and enough other ads to fill a pipe."""
    ddir = tmp_path_factory.mktemp("hostile") / "data"
    store = SQLiteStore(ddir / "adwatch.sqlite3")
    now = datetime.now(UTC).isoformat()
    matched = [
        {
            "rule": "job-passport-retained",
            "severity": "critical",
            "score": 2.0,
            "terms": [{"term": "retenemos el pasaporte", "field": "body"}],
        }
    ]
    hostile = [
        ad("markup", MARKUP_TITLE, "retenemos el pasaporte al llegar", matched_rules=matched),
        ad("link", LINK_TITLE, "trabajo en el exterior"),
        ad("blink", BLINK_TITLE, "trabajo sin experiencia"),
        ad("rose", "Masajes 24h", "chicas 🌹🌹 discreción total"),
        ad("heart", "Compañía", "escribime ❤️ whatsapp"),
    ]
    filler = [
        ad(f"f{n}", f"Vendo bicicleta {n}", "buen estado, pocos kilómetros " * 8)
        for n in range(FILLER)
    ]
    store.alerts.record_alert_sightings(hostile, now)
    store.upsert_ads(hostile + filler, now)
    store.close()
    env = {
        "ADWATCH_DATA_DIR": str(ddir),
        "ADWATCH_RULES": str(ROOT / "rules.yaml"),
        "ADWATCH_SMTP_URL": "",
    }
    sent = adwatch("alerts", "send", env=env, timeout=300)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    return ddir


def run(*args: str, data: Path | None = None, env: dict[str, str] | None = None, **kw):
    """``adwatch ARGS`` with the data directory; asserts no traceback whatever happens."""
    full = {"ADWATCH_DATA_DIR": str(data)} if data else {}
    full.update(env or {})
    proc = adwatch(*args, env=full, timeout=kw.pop("timeout", 300), **kw)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def refused(proc, code: int, *words: str) -> None:
    """The command stopped with ``code`` and one line on stderr holding ``words``."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


def ads_in(ddir: Path) -> int:
    conn = sqlite3.connect(ddir / "adwatch.sqlite3")
    try:
        return conn.execute("SELECT count(*) FROM ads").fetchone()[0]
    finally:
        conn.close()


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp") or p.suffix == ".zip"]


# ---------------------------------------------------------------- ad text as terminal markup

# FORCE_COLOR makes rich write styles and hyperlinks as it would on a terminal
TERMINAL = {"FORCE_COLOR": "1", "COLUMNS": "220"}


def test_markup_in_titles_is_shown_as_text_by_search(data):
    out = run("search", "visa", data=data, env=TERMINAL)
    assert out.returncode == 0, out.stderr
    for title in (MARKUP_TITLE, LINK_TITLE, BLINK_TITLE):
        assert title in out.stdout
    assert "\x1b]8;" not in out.stdout  # no terminal hyperlink
    assert "\x1b[5m" not in out.stdout  # nothing blinks
    assert "⚠" not in out.stdout  # :warning: is not an emoji code here


def test_markup_in_titles_is_shown_as_text_by_alerts_list(data):
    out = run("alerts", "list", data=data, env=TERMINAL)
    assert out.returncode == 0, out.stderr
    assert MARKUP_TITLE in out.stdout and "1 alert(s)" in out.stdout


# ---------------------------------------------------------------- searching symbols


def search_ids(data: Path, *words: str) -> list[str]:
    out = run("search", "--json", "--limit", "1000", *words, data=data)
    assert out.returncode == 0, out.stderr
    return sorted(hit["id"] for hit in json.loads(out.stdout))


def test_an_emoji_finds_the_ads_that_show_it(data):
    assert search_ids(data, "🌹") == ["rose"]
    assert search_ids(data, "❤") == ["heart"]  # without its variation selector too
    assert search_ids(data, "chicas", "🌹") == ["rose"]
    assert search_ids(data, "bicicleta", "🌹") == []


@pytest.mark.parametrize("query", ["*", '"', "(", '"" () *', "--", "-"])
def test_a_query_with_nothing_searchable_says_so(data, query):
    out = run("search", "--", query, data=data)
    refused(out, 2, "nothing to search for")
    assert out.stdout == ""


def test_a_store_written_before_emoji_were_indexed_finds_them(tmp_path):
    path = tmp_path / "data" / "adwatch.sqlite3"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)  # the full-text index as older versions made it
    conn.executescript(
        """
        DROP TRIGGER ads_ai; DROP TRIGGER ads_ad; DROP TRIGGER ads_au; DROP TABLE ads_fts;
        ALTER TABLE ads DROP COLUMN symbols;
        CREATE VIRTUAL TABLE ads_fts USING fts5(title, body, location, employer,
            content='ads', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
        CREATE TRIGGER ads_ai AFTER INSERT ON ads BEGIN
            INSERT INTO ads_fts(rowid, title, body, location, employer)
            VALUES (new.rowid, new.title, new.body, new.location, new.employer);
        END;
        INSERT INTO ads (id, source, kind, url, canonical_url, title, body, content_hash,
                         first_seen, last_seen)
        VALUES ('old', 's1', 'job', 'https://a.example/1', 'https://a.example/1',
                'Rosas', 'entrega 🌹 hoy', 'h', '2026-01-01', '2026-01-01');
        """
    )
    conn.close()
    assert search_ids(tmp_path / "data", "🌹") == ["old"]
    assert search_ids(tmp_path / "data", "rosas") == ["old"]


def test_an_emoji_finds_its_ads_in_elasticsearch(es_env):
    from crawler.stores.elasticsearch import ElasticsearchStore, ESConfig

    config = ESConfig(url=es_env["ADWATCH_ES_URL"], prefix=es_env["ADWATCH_ES_PREFIX"])
    store = ElasticsearchStore(config, Path(es_env["ADWATCH_DATA_DIR"]))
    try:
        store.setup()
        store.upsert_ads(
            [
                ad("rose", "Masajes 24h", "chicas 🌹🌹 discreción total"),
                ad("heart", "Compañía", "escribime ❤️ whatsapp"),
                ad("plain", "Vendo bicicleta", "buen estado"),
            ],
            datetime.now(UTC).isoformat(),
        )
        store.flush()
    finally:
        store.close()

    def ids(*words: str) -> list[str]:
        out = run("search", "--json", *words, env=es_env)
        assert out.returncode == 0, out.stderr
        return sorted(hit["id"] for hit in json.loads(out.stdout))

    assert ids("🌹") == ["rose"]
    assert ids("❤") == ["heart"]
    assert ids("bicicleta", "🌹") == []
    refused(run("search", "(*)", env=es_env), 2, "nothing to search for")


# ---------------------------------------------------------------- durations


@pytest.mark.parametrize(
    "args",
    [
        ("search", "--since", "99999999999d", "visa"),
        ("search", "--since", "garbage", "visa"),
        ("prune", "--older-than", "999999999d"),
        ("prune", "--older-than", "99999999999d"),
        ("prune", "--older-than", "soon"),
    ],
)
def test_a_duration_out_of_range_or_garbled_is_one_line(data, args):
    before = ads_in(data)
    refused(run(*args, data=data), 2, args[1])
    assert ads_in(data) == before


# ---------------------------------------------------------------- pages, photos and files


class AdPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the standard library's name)
        body = (
            "<!doctype html><html><head><meta charset='utf-8'><title>Oferta</title></head>"
            f"<body><h1>{MARKUP_TITLE}</h1><p>Trabajo en España, visa pagada.</p></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AdPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_extract_reads_a_local_page_it_is_allowed_to(site):
    out = run("extract", "--allow-private-network", f"{site}/ad/1")
    assert out.returncode == 0 and MARKUP_TITLE in out.stdout, out.stderr


@pytest.mark.parametrize(
    "target, allow, words",
    [
        ("{tmp}/no-such-page.html", False, "No such file"),
        ("{tmp}", False, "directory"),
        ("/dev/zero", False, "DOWNLOAD_MAXSIZE"),
        ("{site}/ad/1", False, "private"),
        ("{closed}/ad/1", True, "refused"),
        ("ftp://127.0.0.1/ad", True, "http(s)"),
        ("http://[::1", True, "http://[::1"),
    ],
)
def test_extract_of_what_cannot_be_read_is_one_line(site, tmp_path, target, allow, words):
    target = target.format(tmp=tmp_path, site=site, closed=closed_url())
    flags = ["--allow-private-network"] if allow else []
    refused(run("extract", *flags, target, timeout=120), 2, words)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "target, allow, words",
    [
        ("{tmp}/no-such-photo.jpg", False, "No such file"),
        (str(ROOT / "README.md"), False, "not a photo"),
        ("/dev/zero", False, "ADWATCH_IMAGE_MAX_BYTES"),
        ("{site}/photo.jpg", False, "private"),
        ("{closed}/photo.jpg", True, "refused"),
    ],
)
def test_search_by_image_of_what_cannot_be_read_is_one_line(
    data, site, tmp_path, target, allow, words
):
    target = target.format(tmp=tmp_path, site=site, closed=closed_url())
    flags = ["--allow-private-network"] if allow else []
    refused(run("search", "--image", target, *flags, data=data, timeout=120), 2, words)


def test_rules_test_of_what_cannot_be_read_is_one_line(tmp_path):
    env = {"ADWATCH_RULES": str(ROOT / "rules.yaml")}
    out = run("rules", "test", "--allow-private-network", f"{closed_url()}/ad", env=env)
    refused(out, 2, "refused")
    # a device is not a file: its name is the text tested, nothing is read from it
    assert run("rules", "test", "/dev/zero", env=env, timeout=120).returncode == 1


# ---------------------------------------------------------------- Elasticsearch settings


ES_COMMANDS = [
    ("search", "visa"),
    ("runs",),
    ("evidence", "markup", "-o", "{tmp}/case.zip"),
    ("prune", "--older-than", "30d"),
    ("setup",),
]


@pytest.mark.parametrize("url", ["notaurl", "http://[::1", "ftp://127.0.0.1:9200"])
@pytest.mark.parametrize("command", ES_COMMANDS + [("run",)], ids=lambda c: c[0])
def test_a_malformed_elasticsearch_url_is_one_line(data, tmp_path, url, command):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: local\n    kind: job\n"
        f"    start_urls: ['{closed_url()}/']\n    allow_private_network: true\n"
    )
    before = ads_in(data)
    args = [a.format(tmp=tmp_path) for a in command]
    env = {"ADWATCH_ES_URL": url, "ADWATCH_SOURCES": str(sources)}
    refused(run(*args, data=data, env=env), 2, "ADWATCH_ES_URL")
    assert ads_in(data) == before and not leftovers(tmp_path)


def test_doctor_reports_a_malformed_elasticsearch_url(data):
    out = run("doctor", data=data, env={"ADWATCH_ES_URL": "http://[::1"})
    assert out.returncode in (1, 2) and "ADWATCH_ES_URL" in out.stdout + out.stderr


@pytest.mark.parametrize("command", ES_COMMANDS, ids=lambda c: c[0])
def test_an_unreachable_elasticsearch_is_one_line(data, tmp_path, command):
    args = [a.format(tmp=tmp_path) for a in command]
    out = run(*args, data=data, env={"ADWATCH_ES_URL": closed_url()})
    assert out.returncode == 1, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "refused" in out.stderr
    assert not leftovers(tmp_path)


def test_doctor_with_an_unreachable_elasticsearch_fails_its_check(data):
    out = run("doctor", data=data, env={"ADWATCH_ES_URL": closed_url()})
    assert out.returncode == 1 and "[FAIL]" in out.stdout


# ---------------------------------------------------------------- the data directory


DATA_DIR_COMMANDS = [
    ("search", "visa"),
    ("runs",),
    ("alerts", "list"),
    ("alerts", "send"),
    ("prune", "--older-than", "30d"),
    ("evidence", "markup"),
    ("setup",),
    ("schedule",),
    ("doctor",),
]


@pytest.mark.parametrize("command", DATA_DIR_COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("under", [False, True], ids=["file", "under-a-file"])
def test_a_data_dir_that_is_a_file_is_one_line(tmp_path, command, under):
    file = tmp_path / "not-a-dir"
    file.write_text("precious\n")
    target = file / "data" if under else file
    out = run("--data-dir", str(target), *command, cwd=tmp_path)
    refused(out, 2, "--data-dir", "not a directory")
    assert file.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-dir"]


@pytest.mark.parametrize("command", DATA_DIR_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_store_file_that_is_not_a_database_is_one_line(tmp_path, command):
    ddir = tmp_path / "data"
    ddir.mkdir()
    garbage = "not a database, only text " * 200
    (ddir / "adwatch.sqlite3").write_text(garbage)
    out = run("--data-dir", str(ddir), *command, cwd=tmp_path)
    if command[0] == "doctor":  # every check is reported, the store's as failed
        assert out.returncode == 1 and "[FAIL] store: file is not a database" in out.stdout
        assert "chromium" in out.stdout
    elif command[0] in ("schedule", "setup"):  # neither reads the SQLite store
        assert out.returncode == 0, out.stderr
    else:
        refused(out, 1, "not a database")
    assert (ddir / "adwatch.sqlite3").read_text() == garbage


# ---------------------------------------------------------------- evidence


def test_evidence_into_an_existing_folder_is_one_line(data, tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    refused(run("evidence", "markup", "-o", f"{folder}/", data=data), 2, "folder")
    refused(run("evidence", "markup", "-o", str(folder), data=data), 2, "folder")
    assert list(folder.iterdir()) == [] and not leftovers(tmp_path)


def test_evidence_under_a_file_is_one_line(data, tmp_path):
    (tmp_path / "file").write_text("x")
    refused(run("evidence", "markup", "-o", f"{tmp_path}/file/case.zip", data=data), 2, "file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize("ad_id", ["../../etc/passwd", "", "x" * 5000, "markup\n", "-"])
def test_evidence_of_an_unknown_id_writes_nothing(data, tmp_path, ad_id):
    refused(run("evidence", ad_id, data=data, cwd=tmp_path), 2, "no stored ad")
    assert list(tmp_path.iterdir()) == []


def test_evidence_packet_is_written_whole(data, tmp_path):
    out = run("evidence", "markup", "-o", str(tmp_path / "case.zip"), data=data)
    assert out.returncode in (0, 1), out.stderr  # 1: no capture of this ad was kept
    assert [p.name for p in tmp_path.iterdir()] == ["case.zip"]


# ---------------------------------------------------------------- a reader that goes away


def test_search_json_into_a_closed_pipe_ends_quietly(data):
    env = {**os.environ, "ADWATCH_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler.cli.main",
            "search",
            "--json",
            "--limit",
            "1000",
            "bicicleta",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout.readline().strip() == b"["  # `| head -1`
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) in (0, 1)
    assert stderr == ""


# ---------------------------------------------------------------- every other command


@pytest.mark.parametrize(
    "args, code",
    [
        (("search", "--limit", "-1", "visa"), 2),
        (("search", "--limit", "0", "visa"), 2),
        (("search", "--phone", "no phone here"), 2),
        (("search", "--phone", "🌹🌹🌹"), 2),
        (("search", "--source", "'; DROP TABLE ads; --", "visa"), 0),
        (("search", "visa", "--since", "-5d"), 2),
        (("runs", "--limit", "-3"), 2),
        (("alerts", "send", "--wait", "-1"), 2),
        (("prune", "--older-than", "30d", "--wait", "nan"), 2),
        (("setup", "--wait", "inf"), 2),
        (("sources", "suggest", "http://127.0.0.1:9/"), 2),
        (("alerts", "list", "--limit", "-1"), 2),
        (("alerts", "list", "--status", "bogus"), 2),
        (("alerts", "list", "--rule", "[/bold]"), 0),
        (("demo", "--port", "70000"), 2),
        (("demo", "--size", "-1"), 2),
        (("demo", "--size", "3"), 2),
        (("kibana", "setup"), 2),
        (("rules", "check"), 2),
        (("rules", "test", "[/bold] visa"), 1),
        (("sources", "check"), 2),
        (("crawl", "no-such-source"), 2),
        (("run", "--only", "no-such-source"), 2),
        (("run", "-s", "=1"), 2),
        (("no-such-command",), 2),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
)
def test_hostile_arguments_get_their_exit_code(data, tmp_path, args, code):
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: local\n    kind: job\n"
        f"    start_urls: ['{closed_url()}/']\n    allow_private_network: true\n"
    )
    env = {"ADWATCH_RULES": str(tmp_path / "no-rules.yaml")}
    if args[0] in ("crawl", "run"):
        env["ADWATCH_SOURCES"] = str(tmp_path / "sources.yaml")
    else:
        env["ADWATCH_SOURCES"] = str(tmp_path / "no-sources.yaml")
    if args[0] == "rules" and args[1] == "test":
        env["ADWATCH_RULES"] = str(ROOT / "rules.yaml")
    before = ads_in(data)
    out = run(*args, data=data, env=env, cwd=tmp_path)
    assert out.returncode == code, (out.stdout, out.stderr)
    assert ads_in(data) == before


@pytest.mark.slow
def test_the_demo_never_empties_the_data_dir_of_the_environment(tmp_path):
    production = tmp_path / "production"
    production.mkdir()
    (production / "adwatch.sqlite3").write_text("an operator's store")
    out = run("demo", "--size", "20", env={"ADWATCH_DATA_DIR": str(production)}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert (production / "adwatch.sqlite3").read_text() == "an operator's store"
    assert (tmp_path / "data" / "demo" / "adwatch.sqlite3").is_file()


def test_kibana_setup_with_a_malformed_or_unreachable_kibana(tmp_path):
    refused(run("kibana", "setup", env={"ADWATCH_KIBANA_URL": "notaurl"}), 2, "KIBANA")
    out = run("kibana", "setup", env={"ADWATCH_KIBANA_URL": closed_url()})
    refused(out, 1, "refused")


def test_schedule_quotes_paths_and_refuses_line_breaks(tmp_path):
    spaced = tmp_path / "my data"
    out = run("--data-dir", str(spaced), "schedule")
    assert out.returncode == 0
    line = next(x for x in out.stdout.splitlines() if x.startswith("*/15"))
    assert f"ADWATCH_DATA_DIR='{spaced}'" in line
    out = run("--data-dir", f"{tmp_path}/x\n* * * * * touch {tmp_path}/owned", "schedule")
    refused(out, 2, "line break")
    assert "owned" not in out.stdout
