"""Keyword rules in the extraction workers: each process compiles ``rules.yaml`` once.

The rules file is ``ADWATCH_RULES`` (default ``./rules.yaml``). ``adwatch run`` validates it
before anything starts (an invalid file is exit 2) and puts the resolved path in its
settings object, which worker processes are started with; each compiles it on first use
(or when warming up) and :func:`apply_rules` fills an ad's ``matched_rules`` and
``risk_score``. A missing file means no rules: ads are stored without matches.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alerts.matcher import Matcher, RuleMatch, risk_score
from alerts.rules import RuleSet, load_rules
from crawler.common.options import current_options
from crawler.items import Ad

_compiled: dict[str, Matcher | None] = {}


def rules_path(value: str | os.PathLike[str] | None = None) -> Path:
    """The rules file: the argument, ``ADWATCH_RULES``, or ``./rules.yaml``."""
    return Path(value) if value else current_options().rules_path


def load_ruleset(path: str | os.PathLike[str] | None = None) -> RuleSet | None:
    """The validated rules of :func:`rules_path`; None when the file does not exist.
    An invalid file raises :class:`crawler.common.yamlconf.ConfigError`
    (``rules.yaml:LINE: ...``)."""
    resolved = rules_path(path)
    if not resolved.is_file():
        return None
    return load_rules(resolved)


def matcher(path: str | os.PathLike[str] | None = None) -> Matcher | None:
    """This process's compiled rules (compiled once per path); None when there are none."""
    key = str(rules_path(path).resolve())
    if key not in _compiled:
        ruleset = load_ruleset(key)
        _compiled[key] = Matcher(ruleset) if ruleset is not None and len(ruleset) else None
    return _compiled[key]


def use_rules(value: str | os.PathLike[str] | None = None) -> Matcher | None:
    """Compile the rules file of this process (``value``, else the ``ADWATCH_RULES``
    setting, else ``./rules.yaml``): ConfigError if the file is invalid; None if it does not
    exist. Worker processes get the same setting with the crawl's settings object."""
    return matcher(rules_path(value).resolve())


def match_record(match: RuleMatch) -> dict[str, Any]:
    """A rule match as the Ad record and ``adwatch rules test --json`` carry it."""
    return {
        "rule": match.rule_id,
        "name": match.name,
        "severity": match.severity,
        "score": match.score,
        "terms": [t._asdict() for t in match.terms],
    }


def apply_rules(ad: Ad, path: str | os.PathLike[str] | None = None) -> Ad:
    """Fill ``ad.matched_rules`` and ``ad.risk_score`` from the rules (none: left empty)."""
    compiled = matcher(path)
    if compiled is not None:
        matches = compiled.match(ad)
        ad.matched_rules = [match_record(m) for m in matches]
        ad.risk_score = risk_score(matches)
    return ad


__all__ = ["apply_rules", "load_ruleset", "match_record", "matcher", "rules_path", "use_rules"]
