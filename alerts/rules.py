"""Keyword alert rules: reading ``rules.yaml`` (the model it fills is alerts/ruleschema.py).

``load_rules(path)`` reads and validates the file and returns a :class:`RuleSet`; every
problem found is reported at once as a :class:`crawler.common.yamlconf.ConfigError` whose lines
read ``rules.yaml:LINE: rule 'id': what is wrong`` (the CLI turns it into exit code 2).

The file has three parts::

    recipients:            # named groups of addresses, defined once
      labour-team:
        emails: [labour@example.org, "${ADWATCH_CASEWORKERS}"]   # ${VAR}: resolved when sending
        description: ...
    defaults:              # optional: fields and realert for rules that do not set them
      fields: [any]
      realert: 30d
    rules:
      - id: visa-paid-no-experience     # slug, unique
        name: ...
        severity: high                  # low | medium | high | critical
        weight: 1                       # how much the rule adds to an ad's risk score
        fields: [title, body]           # title | body | any (default: any)
        languages: [es, pt]             # ISO 639-1; ads with no detected language match too
        kinds: [job]                    # job | classified (default: both)
        any: [...]                      # terms; see below
        all: [[visa paid, visa pagada], [no experience, sin experiencia]]
        none: [...]                     # any of these vetoes the rule
        near: 12                        # at most 12 words between the terms that satisfy
                                        # `all` (title and body read as one text)
        min_score: 2                    # sum of weights of distinct matched `any` terms
        recipients: [labour-team]       # none: the rule flags ads (risk score) but mails no one
        realert: 30d                    # s, m, h, d or w

A term is a word or phrase (``visa pagada``), an emoji (``🌹``), ``{regex: "..."}``
(optionally with ``prefix:``, a literal the text must contain for the regex to be tried) or
``{term: "...", weight: 2}``; ``{regex: ..., weight: 2}`` works too. ``all`` is a list of
groups: each group is a term or a list of terms, and the ad must hit every group. A list
nested in ``any``, ``none`` or an ``all`` group is spliced in, so a list of terms can be
defined once with a YAML anchor (``&fees``) and reused (``any: [*fees, *travel]``).

A rule fires when, within its fields, it hits every ``all`` group, reaches ``min_score``
with its ``any`` terms (one ``any`` hit suffices when min_score is not set; a term found only
inside a longer matched term, "no experience" in "no experience needed", adds nothing), and
hits no ``none`` term. ``near`` asks for one occurrence of each ``all`` group such that at
most N words separate the earliest-ending from the latest-starting one (``near: 0``: side
by side).

Words and phrases are matched on word boundaries after :mod:`alerts.textnorm`
normalization (case, accents, look-alike letters, leetspeak, spaced-out letters);
punctuation inside a term is ignored (``sin-experiencia`` is ``sin experiencia``). Regexes
run on that normalized text: lower case, no accents, punctuation turned into spaces, tokens
separated by single spaces; a literal character that such text never contains (an upper
case letter, an accent, a dot) is reported as an error. They run on RE2, whose time is
linear in the text whatever the pattern: a pattern RE2 cannot run (a backreference, a
lookaround, a repeat over 1000, one too large to compile) is an error too. ``\\w`` and ``\\d``
match letters and digits of every script, as in Python; ``\\b`` is a boundary next to an
ASCII letter or digit, which in normalized text (accents removed) is every word of Latin
script. ``weight`` and ``min_score`` are numbers above 0 and up to 1,000,000.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from alerts.regexterms import compile_linear
from alerts.ruleschema import (
    SEVERITIES,
    Defaults,
    RecipientGroup,
    Rule,
    RuleSet,
    Term,
    parse_duration,
)
from crawler.common.yamlconf import (
    ConfigError,
    line_for,
    parse_yaml,
    read_config_text,
    validation_problems,
)

__all__ = [
    "Defaults",
    "RecipientGroup",
    "Rule",
    "RuleSet",
    "SEVERITIES",
    "Term",
    "compile_linear",
    "load_rules",
    "parse_duration",
    "parse_rules",
]


def _rule_label(data: Any):
    """For validation_problems: name the rule or group a location is in, by its id."""
    rules = data.get("rules") if isinstance(data, dict) else None

    def label(loc: tuple) -> tuple[str | None, int]:
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            raw = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
            rule_id = raw.get("id") if isinstance(raw, dict) else None
            name = f"rule {rule_id!r}" if isinstance(rule_id, str) else f"rule #{loc[1] + 1}"
            return name, 2
        if len(loc) >= 2 and loc[0] == "recipients":
            return f"recipient group {loc[1]!r}", 2
        if loc and loc[0] == "defaults":
            return "defaults", 1
        return None, 0

    return label


def _cross_rule_problems(data: Any, lines: dict, path: str) -> list[tuple[str, int | None, str]]:
    """Duplicate ids and unknown recipient groups, read from the raw data so that they are
    reported together with schema errors elsewhere in the file."""
    problems: list[tuple[str, int | None, str]] = []
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        return problems
    groups = data.get("recipients")
    known = set(groups) if isinstance(groups, dict) else set()
    first_line: dict[str, int | None] = {}
    for i, raw in enumerate(data["rules"]):
        if not isinstance(raw, dict):
            continue
        rule_id = raw.get("id")
        if isinstance(rule_id, str):
            line = line_for(lines, ("rules", i, "id"))
            if rule_id in first_line:
                problems.append(
                    (
                        path,
                        line,
                        f"rule {rule_id!r}: duplicate id (first on line {first_line[rule_id]})",
                    )
                )
            else:
                first_line[rule_id] = line
        label = f"rule {rule_id!r}" if isinstance(rule_id, str) else f"rule #{i + 1}"
        wanted = raw.get("recipients")
        if isinstance(wanted, list):
            for k, name in enumerate(wanted):
                if isinstance(name, str) and name not in known:
                    hint = f" (known: {', '.join(sorted(known))})" if known else ""
                    problems.append(
                        (
                            path,
                            line_for(lines, ("rules", i, "recipients", k)),
                            f"{label}: unknown recipient group {name!r}{hint}",
                        )
                    )
    return problems


def parse_rules(text: str, path: str = "rules.yaml") -> RuleSet:
    """Validate the text of a rules file; ``path`` is only used in messages."""
    data, lines = parse_yaml(text, path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([(path, line_for(lines, ()), "expected a mapping with 'rules:'")])
    problems = _cross_rule_problems(data, lines, path)
    ruleset = None
    try:
        ruleset = RuleSet.model_validate(data)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, lines, path, _rule_label(data)))
    if problems:
        problems.sort(key=lambda p: p[1] or 0)
        raise ConfigError(problems)
    assert ruleset is not None
    ruleset._path = path
    return ruleset


def load_rules(path: str | Path) -> RuleSet:
    """Read and validate a rules file (ConfigError, with file and line, on any problem)."""
    return parse_rules(read_config_text(path), str(path))
