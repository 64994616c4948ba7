"""``adwatch rules check``, ``adwatch rules test`` and the rules file at the start of a run."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, adwatch

AD = (
    "Trabajo en España para jóvenes: v.i.s.a p.a.g.a.d.a y sin experiencia. "
    "Retenemos el pasaporte, alojamiento incluido."
)


def test_rules_check_accepts_the_shipped_file():
    out = adwatch("rules", "check", env={"ADWATCH_RULES": str(ROOT / "rules.yaml")})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("OK")
    assert "job-passport-retained: critical, to labour-team" in out.stdout


def test_rules_check_reports_file_line_and_rule(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "recipients:\n"
        "  team: {emails: [a@example.org]}\n"
        "rules:\n"
        "  - id: fine\n"
        "    name: Fine\n"
        "    severity: low\n"
        "    any: [visa]\n"
        "    recipients: [team]\n"
        "  - id: broken\n"
        "    name: Broken\n"
        "    severity: urgent\n"
        "    any: [visa]\n"
        "    recipients: [nobody]\n"
    )
    out = adwatch("--rules", str(bad), "rules", "check")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert f"{bad}:11: rule 'broken': severity: " in lines[0]
    assert lines[1].startswith(f"{bad}:13: rule 'broken': unknown recipient group 'nobody'")


def test_rules_test_json_lists_rule_score_and_terms():
    env = {"ADWATCH_RULES": str(ROOT / "rules.yaml")}
    out = adwatch("rules", "test", AD, "--json", env=env)
    assert out.returncode == 0, out.stderr
    matches = {m["rule"]: m for m in json.loads(out.stdout)}
    assert {"job-passport-retained", "job-visa-paid-no-experience"} <= set(matches)
    visa = matches["job-visa-paid-no-experience"]
    assert visa["score"] > 0 and visa["severity"] == "high"
    spaced = next(t for t in visa["terms"] if t["term"] == "visa pagada")
    assert spaced["text"] == "v.i.s.a p.a.g.a.d.a"
    assert AD[spaced["start"] : spaced["end"]] == spaced["text"] and spaced["field"] == "body"

    nothing = adwatch("rules", "test", "Vendo bicicleta casi nueva", "--json", env=env)
    assert nothing.returncode == 1 and json.loads(nothing.stdout) == []


def test_rules_test_highlights_the_evidence(tmp_path):
    text = tmp_path / "ad.txt"
    text.write_text(AD)
    out = adwatch("rules", "test", str(text), env={"ADWATCH_RULES": str(ROOT / "rules.yaml")})
    assert out.returncode == 0
    assert "job-passport-retained (critical, score" in out.stdout
    assert "[Retenemos el pasaporte]" in out.stdout  # brackets when not a terminal
    assert "\x1b[" not in out.stdout


def test_rules_test_reads_a_saved_page_as_adwatch_extracts_it(tmp_path):
    page = tmp_path / "ad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>Oferta</title></head><body>"
        "<h1>Trabajo en España</h1><article><p>Visa pagada y sin experiencia. Escríbenos.</p>"
        "<p>Salario 1.200 EUR por mes, viaje inmediato.</p></article></body></html>"
    )
    env = {"ADWATCH_RULES": str(ROOT / "rules.yaml")}
    out = adwatch("rules", "test", str(page), "--json", "--kind", "job", env=env)
    assert out.returncode == 0, out.stderr
    assert "job-visa-paid-no-experience" in {m["rule"] for m in json.loads(out.stdout)}


def test_a_run_refuses_to_start_with_an_invalid_rules_file(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - id: x\n    name: X\n    severity: high\n")
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: s\n    kind: job\n    start_urls: [http://127.0.0.1:9/]\n"
    )
    env = {
        "ADWATCH_RULES": str(bad),
        "ADWATCH_SOURCES": str(sources),
        "ADWATCH_DATA_DIR": str(tmp_path / "data"),
    }
    out = adwatch("run", env=env, timeout=120)
    assert out.returncode == 2
    assert (
        out.stderr.strip() == f"{bad}:2: rule 'x': has no terms: give it 'any' or 'all' (or both)"
    )
    assert not (tmp_path / "data" / "adwatch.sqlite3").exists()


@pytest.mark.slow  # a run: Scrapy crawls the (dead) source
def test_without_a_rules_file_a_run_warns_and_rules_test_refuses(tmp_path):
    missing = tmp_path / "none.yaml"
    out = adwatch("rules", "test", "visa pagada", env={"ADWATCH_RULES": str(missing)})
    assert out.returncode == 2 and "file not found" in out.stderr
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: s\n    kind: job\n    start_urls: [http://127.0.0.1:9/]\n"
        "    allow_private_network: true\n    politeness: {max_pages: 1}\n"
    )
    env = {
        "ADWATCH_RULES": str(missing),
        "ADWATCH_SOURCES": str(sources),
        "ADWATCH_DATA_DIR": str(tmp_path / "data"),
        "ADWATCH_SMTP_URL": "",
    }
    run = adwatch("run", env=env, timeout=300)
    assert f"warning: no rules file at {missing}" in run.stderr
    assert run.returncode == 1  # the dead source, not the rules
    assert "alerts: 0 new" in run.stdout


def test_alerts_list_on_an_empty_data_dir(tmp_path):
    out = adwatch("alerts", "list", "--json", env={"ADWATCH_DATA_DIR": str(tmp_path / "d")})
    assert out.returncode == 0 and json.loads(out.stdout) == []
