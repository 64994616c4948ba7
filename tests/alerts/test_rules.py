"""rules.yaml: schema errors with their lines, the regex engine, and the shipped rules
(how the matcher reads each key on realistic ads: tests/alerts/test_matcher.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.matcher import AdText
from alerts.rules import load_rules, parse_rules
from crawler.common.yamlconf import ConfigError
from tests.alerts.ruletools import HEADER, RULES_YAML, matcher, problems, re2_spans
from tests.conftest import adwatch


def test_unknown_key_is_reported_on_its_line():
    assert problems(
        HEADER
        + """\
  - id: visa-fee
    name: Visa fee
    severity: high
    severty: high
    any: [visa pagada]
"""
    ) == ["rules.yaml:8: rule 'visa-fee': unknown key 'severty'"]


def test_bad_regex_is_reported_on_the_term_line():
    lines = problems(
        HEADER
        + """\
  - id: visa-fee
    name: Visa fee
    severity: high
    any:
      - visa pagada
      - regex: 'vis(a'
"""
    )
    assert lines == [
        "rules.yaml:10: rule 'visa-fee': any[1]: invalid regex 'vis(a':"
        " missing ), unterminated subpattern at position 3"
    ]


def test_duplicate_id_is_reported_on_the_second_one():
    assert problems(
        HEADER
        + """\
  - id: visa-fee
    name: one
    severity: high
    any: [visa]
  - id: visa-fee
    name: two
    severity: low
    any: [pasaje]
"""
    ) == ["rules.yaml:9: rule 'visa-fee': duplicate id (first on line 5)"]


def test_unknown_recipient_group_is_reported_on_its_line():
    assert problems(
        HEADER
        + """\
  - id: visa-fee
    name: Visa fee
    severity: high
    any: [visa]
    recipients:
      - labour-team
      - labor-team
"""
    ) == [
        "rules.yaml:11: rule 'visa-fee': unknown recipient group 'labor-team' (known: labour-team)"
    ]


def test_empty_term_groups_are_reported():
    assert problems(
        HEADER
        + """\
  - id: a
    name: a
    severity: low
    any: []
  - id: b
    name: b
    severity: low
    all:
      - [visa]
      - []
"""
    ) == [
        "rules.yaml:8: rule 'a': any: any is empty: list at least one term, or leave 'any' out",
        "rules.yaml:14: rule 'b': all[1]: empty group: list at least one term",
    ]


def test_a_rule_with_no_terms_is_reported_on_its_first_line():
    assert problems(
        HEADER
        + """\
  - id: nothing
    name: Nothing to find
    severity: low
    none: [visa]
"""
    ) == ["rules.yaml:5: rule 'nothing': has no terms: give it 'any' or 'all' (or both)"]


def test_a_term_with_nothing_to_match_is_reported():
    assert problems(HEADER + "  - {id: a, name: a, severity: low, any: [visa, '!!!']}\n") == [
        "rules.yaml:5: rule 'a': any[1]: term '!!!' has no letter, digit or emoji to match"
    ]


def test_a_regex_that_could_never_match_normalized_text_is_reported():
    assert problems(HEADER + "  - {id: a, name: a, severity: low, any: [{regex: 'Visa'}]}\n") == [
        "rules.yaml:5: rule 'a': any[0]: regex 'Visa': 'V' never occurs in the normalized"
        " text that rules match (lower case, no accents, punctuation turned into spaces)"
    ]


@pytest.mark.parametrize(
    "pattern, why",
    [
        (r"(visa) \1", r"(RE2: invalid escape sequence: \1)"),
        ("visa(?= pagada)", "(RE2: invalid perl operator: (?=)"),
        ("(?<!no )visa", "(RE2: invalid perl operator: (?<!)"),
        ("visa{1001}", "(RE2: invalid repetition size: {1001})"),
    ],
)
def test_a_regex_the_linear_time_engine_cannot_run_is_reported(pattern, why):
    text = HEADER + "  - id: a\n    name: a\n    severity: low\n    any:\n"
    text += f"      - regex: '{pattern}'\n"
    assert problems(text) == [
        f"rules.yaml:9: rule 'a': any[0]: regex {pattern!r} cannot run on the linear-time"
        f" engine {why}; it has no backreferences or lookarounds and repeats at most {{1000}}"
    ]


def test_a_regex_repeat_too_large_for_any_engine_is_reported():
    text = HEADER + "  - id: a\n    name: a\n    severity: low\n    any:\n"
    text += "      - regex: 'x{4294967296}'\n"
    assert problems(text) == [
        "rules.yaml:9: rule 'a': any[0]: regex 'x{4294967296}' is too large:"
        " the repetition number is too large"
    ]


def test_a_non_word_class_inside_brackets_is_reported():
    text = HEADER + r"  - {id: a, name: a, severity: low, any: [{regex: '[^\W\d_]+ita\b'}]}"
    assert problems(text + "\n") == [
        r"rules.yaml:5: rule 'a': any[0]: regex '[^\\W\\d_]+ita\\b': \W inside [...] is not"
        " supported by the linear-time engine (RE2); in normalized text a letter is [a-z]"
        " (accents are removed) and a digit [0-9]"
    ]


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e308"])
def test_weights_and_scores_must_be_finite_numbers(value):
    lines = problems(
        HEADER
        + f"""\
  - id: a
    name: a
    severity: low
    weight: {value}
    any: [visa, {{term: pasaje, weight: {value}}}]
    min_score: {value}
"""
    )
    assert [line.split(": ", 2)[:2] for line in lines] == [
        ["rules.yaml:8", "rule 'a'"],
        ["rules.yaml:9", "rule 'a'"],
        ["rules.yaml:10", "rule 'a'"],
    ]
    assert all(
        "finite number" in line or "less than or equal to 1000000" in line for line in lines
    ), lines


def test_rules_check_exits_2_on_an_infinite_weight_or_a_huge_repeat(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        HEADER
        + "  - {id: a, name: a, severity: low, weight: .inf, any: [visa]}\n"
        + "  - {id: b, name: b, severity: low, any: [{regex: 'x{4294967296}'}]}\n"
    )
    out = adwatch("--rules", str(bad), "rules", "check")
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert lines[0].startswith(f"{bad}:5: rule 'a': weight: ")
    assert lines[1].startswith(f"{bad}:6: rule 'b': any[0]: regex 'x{{4294967296}}' is too large")
    tested = adwatch("--rules", str(bad), "rules", "test", "visa", "--json")
    assert tested.returncode == 2 and tested.stdout == ""


def test_a_catastrophic_regex_runs_in_linear_time():
    """(a+)+b backtracks exponentially in Python's re: 2**60 steps on this text. Linear-time
    matching answers at once."""
    m = matcher("  - {id: a, name: a, severity: low, any: [{regex: '(a+)+b'}]}\n")
    assert m.match({"title": "", "body": "a" * 60 + "c"}) == []
    (match,) = m.match({"title": "", "body": "a" * 60 + "b"})
    assert match.terms[0].text == "a" * 60 + "b"


@pytest.mark.parametrize(
    "pattern, text",
    [
        (r"\bvisa{,2}\b", " vis visa visaa visaaa "),
        (r"pagad[ao]\Z", " visa pagada"),
        (r"[{,]\d+", " {,3} a,5 "),
        (r"[^\w ]+", " visa 🌹 дж "),
    ],
)
def test_python_regex_syntax_reads_the_same_on_re2(pattern, text):
    (term,) = (
        parse_rules(
            HEADER + f"  - {{id: a, name: a, severity: low, any: [{{regex: '{pattern}'}}]}}\n"
        )
        .rules[0]
        .any
    )
    assert re2_spans(term, text) == [m.span() for m in re.finditer(pattern, text)] != []


def test_regex_classes_match_letters_and_digits_of_every_script():
    m = matcher(
        r"""  - id: a
    name: a
    severity: low
    any:
      - regex: '\bcasa \w+ \d+'
      - regex: '\bcalle\W\w+'
"""
    )
    (match,) = m.match({"title": "Casa дом ٣٤ 🌹 x", "body": "calle 東京"})
    assert [(t.field, t.text) for t in match.terms] == [
        ("title", "Casa дом ٣٤"),
        ("body", "calle 東京"),
    ]


def test_scores_and_near_that_cannot_work_are_reported():
    assert problems(
        HEADER
        + """\
  - id: unreachable
    name: u
    severity: low
    any: [visa, {term: pasaje, weight: 0.5}]
    min_score: 2
  - id: lonely-near
    name: l
    severity: low
    all: [visa]
    near: 3
  - id: score-without-any
    name: s
    severity: low
    all: [visa, pasaje]
    min_score: 1
"""
    ) == [
        "rules.yaml:5: rule 'unreachable': min_score 2 can never be reached: its 'any' terms"
        " weigh 1.5 together",
        "rules.yaml:10: rule 'lonely-near': near needs 'all' with at least two groups",
        "rules.yaml:15: rule 'score-without-any': min_score counts 'any' terms, and the rule"
        " has none",
    ]


def test_field_values_are_checked():
    lines = problems(
        """\
recipients:
  labour-team:
    emails: [labour@example.org, not-an-address]
defaults:
  realert: 3 days
rules:
  - id: Bad_Id!
    name: x
    severity: urgent
    languages: [sp]
    fields: [subject]
    any: [visa]
"""
    )
    assert lines[0] == (
        "rules.yaml:3: recipient group 'labour-team': emails[1]: 'not-an-address' is neither"
        " an e-mail address nor ${VARIABLE}"
    )
    assert lines[1] == (
        "rules.yaml:5: defaults: realert: duration '3 days': write a number and a unit,"
        " like 30d, 12h or 2w"
    )
    assert lines[2].startswith("rules.yaml:7: rule 'Bad_Id!': id: 'Bad_Id!' is not a slug")
    assert lines[3].startswith("rules.yaml:9: rule 'Bad_Id!': severity: Input should be 'low'")
    assert lines[4] == (
        "rules.yaml:10: rule 'Bad_Id!': languages: 'sp' is not an ISO 639-1 language code"
        " (es, pt, en)"
    )
    assert lines[5].startswith("rules.yaml:11: rule 'Bad_Id!': fields[0]: Input should be")
    assert len(lines) == 6


def test_unknown_top_level_key_and_bad_yaml():
    assert problems("rulez: []\n") == ["rules.yaml:1: unknown key 'rulez'"]
    assert problems("rules:\n  - id: a\n    name: [unclosed\n")[0].startswith(
        "rules.yaml:4: invalid YAML"
    )


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_rules(tmp_path / "rules.yaml")


def test_a_declared_prefix_must_be_normalized_text():
    assert problems(
        HEADER + "  - {id: a, name: a, severity: low, any: [{regex: 'x+', prefix: 'Visa'}]}\n"
    ) == [
        "rules.yaml:5: rule 'a': any[0]: prefix 'Visa' must be written as normalized text ('visa')"
    ]


# -- what a valid file gives ----------------------------------------------------------------


def test_defaults_fill_in_fields_and_realert():
    rules = parse_rules(
        HEADER.replace("rules:\n", "defaults:\n  fields: [body]\n  realert: 2w\nrules:\n")
        + """\
  - {id: a, name: a, severity: low, any: [visa]}
  - {id: b, name: b, severity: low, any: [visa], fields: [title], realert: 12h}
"""
    )
    a, b = rules.rules
    assert (a.fields, a.realert) == (["body"], timedelta(weeks=2))
    assert (b.fields, b.realert) == (["title"], timedelta(hours=12))
    assert rules.recipients["labour-team"].emails == ["labour@example.org"]


def test_env_references_in_recipients_are_kept_as_written():
    rules = parse_rules(
        "recipients:\n  team:\n    emails: ['${ADWATCH_CASEWORKERS}']\n"
        "rules:\n  - {id: a, name: a, severity: low, any: [visa], recipients: [team]}\n"
    )
    assert rules.recipients["team"].emails == ["${ADWATCH_CASEWORKERS}"]
    assert rules.rule("a").recipients == ["team"]


def test_all_groups_accept_single_terms_and_anchored_lists():
    rules = parse_rules(
        HEADER
        + """\
  - id: a
    name: a
    severity: low
    all:
      - &paid [visa pagada, pasaje pagado]
      - sin experiencia
  - id: b
    name: b
    severity: low
    any: [*paid, urgente]
"""
    )
    a, b = rules.rules
    assert [[t.text for t in group] for group in a.all_groups] == [
        ["visa pagada", "pasaje pagado"],
        ["sin experiencia"],
    ]
    assert [t.text for t in b.any] == ["visa pagada", "pasaje pagado", "urgente"]


def test_regex_literals_are_found_for_the_automaton():
    rules = parse_rules(
        HEADER
        + r"""  - id: a
    name: a
    severity: low
    any:
      - regex: '\b(?:pasaporte|passaporte) retenido\b'
      - regex: '\d+ euros'
      - regex: '\b\d(?: \d){7,}\b'
"""
    )
    anchored, middle, none = rules.rules[0].any
    assert (anchored.literals, anchored.anchored) == (("pasaporte", "passaporte"), True)
    assert (middle.literals, middle.anchored) == ((" euros",), False)
    assert none.literals == ()


# -- the shipped rules.yaml -----------------------------------------------------------------


def test_shipped_rules_load_and_send_to_known_groups():
    rules = load_rules(RULES_YAML)
    assert len(rules) >= 10
    assert set(rules.recipients) == {"labour-team", "exploitation-team"}
    for rule in rules.rules:
        assert rule.recipients, rule.id
        assert set(rule.languages or []) == {"es", "pt", "en"}, rule.id


def test_every_shipped_rule_names_its_source():
    lines = RULES_YAML.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("- id:"):
            comment = "\n".join(lines[max(0, i - 25) : i])
            assert "Source" in comment, line


def test_no_shipped_rule_fires_on_one_term():
    """Every rule needs at least two terms: two `all` groups, or a group and an `any`
    term, or a min_score that one `any` term cannot reach."""
    for rule in load_rules(RULES_YAML).rules:
        needed = len(rule.all_groups)
        if rule.any:
            heaviest = max(t.weight for t in rule.any)
            needed += 2 if (rule.min_score or 0) > heaviest else 1
        assert needed >= 2, rule.id


# -- the shipped regexes find on RE2 what Python's re finds ----------------------------------


def _shipped_regexes() -> list:
    seen = {}
    for rule in load_rules(RULES_YAML).rules:
        for term in [*(rule.any or []), *sum(rule.all_groups, []), *(rule.none or [])]:
            if term.is_regex:
                seen.setdefault(term.regex, term)
    return list(seen.values())


def _near_matches(pattern: str):
    """Texts around what a pattern matches: examples of it (hypothesis builds them from
    the pattern) among digits, words, other scripts and emoji."""
    example = re.sub(r"\\b", "", pattern).replace(r"\w", "[a-zджд東]").replace(r"\d", "[0-9]")
    noise = st.sampled_from([*"0123456789", "12", "el", "a", "de", "no", "джд", "東京", "🌹"])
    piece = st.one_of(st.from_regex(example, fullmatch=True), noise)
    return st.lists(piece, min_size=1, max_size=8).map(" ".join)


@pytest.mark.parametrize("term", _shipped_regexes(), ids=lambda t: t.regex[:40])
def test_shipped_regexes_match_on_re2_as_on_python_re(term):
    """The same spans from both engines, on normalized text (seeded, so every run is the
    same)."""
    python = re.compile(term.regex)
    found = []

    @settings(max_examples=25, derandomize=True, deadline=None, database=None)
    @given(_near_matches(term.regex))
    def same_spans(words: str) -> None:
        text = AdText(words, "").text  # normalized, as the matcher has it
        expected = [m.span() for m in python.finditer(text)]
        assert re2_spans(term, text) == expected, text
        found.extend(expected)

    same_spans()
    assert found  # the texts did come close enough to match
