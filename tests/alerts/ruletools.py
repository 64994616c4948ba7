"""What the rule tests share: a rules file header, and loading, matching and regex helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.matcher import Matcher
from alerts.rules import parse_rules
from crawler.common.yamlconf import ConfigError

RULES_YAML = Path(__file__).resolve().parents[2] / "rules.yaml"

HEADER = """\
recipients:
  labour-team:
    emails: [labour@example.org]
rules:
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_rules(text, "rules.yaml")
    return str(info.value).splitlines()


def matcher(rules_yaml: str) -> Matcher:
    return Matcher(parse_rules(HEADER + rules_yaml))


def fired(m: Matcher, title: str = "", body: str = "", **extra) -> list[str]:
    return [r.rule_id for r in m.match({"title": title, "body": body, **extra})]


def re2_spans(term, text: str) -> list[tuple[int, int]]:
    """Spans, in characters, of a regex term's compiled (RE2, UTF-8) pattern in ``text``."""
    data = text.encode("utf-8")
    return [
        (len(data[: m.start()].decode()), len(data[: m.end()].decode()))
        for m in term.pattern.finditer(data)
    ]


# -- schema errors, each with the line an operator has to edit ------------------------------
