"""Keyword alert rules: the schema of ``rules.yaml`` and its loader.

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

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import re2
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from alerts.textnorm import normalize, normalize_term
from crawler.common.yamlconf import ConfigError, line_for, parse_yaml, validation_problems
from crawler.common.durations import parse_duration as shared_parse_duration

try:  # Python 3.11+
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
    from re._constants import (
        AT,
        AT_BOUNDARY,
        BRANCH,
        IN,
        LITERAL,
        MAX_REPEAT,
        MIN_REPEAT,
        SUBPATTERN,
    )
except ImportError:  # pragma: no cover - older layouts
    import sre_parse as _sre_parse  # type: ignore[no-redef]
    from sre_constants import (
        AT,
        AT_BOUNDARY,
        BRANCH,
        IN,
        LITERAL,
        MAX_REPEAT,
        MIN_REPEAT,
        SUBPATTERN,
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

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
FieldName = Literal["title", "body", "any"]
Kind = Literal["job", "classified"]

#: A regex literal shorter than this is not worth a place in the automaton: it would be hit
#: by nearly every ad. Such a regex runs on every text.
MIN_PREFIX_LENGTH = 3

#: The largest weight or min_score: sums of weights stay finite numbers (JSON has no
#: Infinity).
MAX_WEIGHT = 1_000_000.0

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ENV_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")

ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho
    hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv
    kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr
    nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq
    sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh
    yi yo za zh zu""".split()
)


def parse_duration(value: Any) -> timedelta:
    """``"30d"``, ``"12h"``, ``"2w"``, ``"90m"``, ``"45s"`` -> timedelta (ValueError otherwise)."""
    if isinstance(value, timedelta):
        return value
    m = _DURATION.match(value) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"duration {value!r}: write a number and a unit, like 30d, 12h or 2w")
    return shared_parse_duration(value)  # range-checked (ValueError past 100 years)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Term(_Strict):
    """One term: a word or phrase or emoji (``term``), or a regular expression (``regex``)."""

    term: str | None = None
    regex: str | None = None
    prefix: str | None = None
    weight: float = Field(1.0, gt=0, le=MAX_WEIGHT, allow_inf_nan=False)

    _pattern: re2._Regexp | None = PrivateAttr(None)
    _literals: tuple[str, ...] = PrivateAttr(())
    _anchored: bool = PrivateAttr(False)
    _token_start: bool = PrivateAttr(False)

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"term": value}
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"term": str(value)}
        if not isinstance(value, dict):
            raise ValueError(
                "a term is a string, {term: ..., weight: ...} or {regex: ..., prefix: ...}"
            )
        return value

    @model_validator(mode="after")
    def _check(self) -> Term:
        if (self.term is None) == (self.regex is None):
            raise ValueError("give exactly one of 'term' and 'regex'")
        if self.term is not None:
            if self.prefix is not None:
                raise ValueError("'prefix' goes with 'regex', not with 'term'")
            if not normalize_term(self.term):
                raise ValueError(f"term {self.term!r} has no letter, digit or emoji to match")
            return self
        try:
            re.compile(self.regex)  # the literal analysis below reads Python's parse of it
        except re.error as exc:
            raise ValueError(f"invalid regex {self.regex!r}: {exc}") from None
        except (OverflowError, RecursionError) as exc:
            raise ValueError(f"regex {self.regex!r} is too large: {exc}") from None
        self._pattern = compile_linear(self.regex)
        _check_regex_literals(self.regex)
        if self.prefix is not None:
            if not self.prefix.strip() or normalize(self.prefix).text != self.prefix:
                raise ValueError(
                    f"prefix {self.prefix!r} must be written as normalized text"
                    f" ({normalize(self.prefix).text!r})"
                )
            self._literals = (self.prefix,)
        else:
            starts = leading_literals(self.regex)
            if starts:
                self._literals, self._anchored = starts, True
                first = _sre_parse.parse(self.regex)[0]
                self._token_start = (
                    first[0] is AT
                    and first[1] is AT_BOUNDARY
                    and all(lit[0].isalnum() for lit in starts)
                )
            else:
                self._literals = required_literals(self.regex)
        return self

    @property
    def text(self) -> str:
        """The term as written in the file (for a regex, its pattern)."""
        return self.term if self.term is not None else self.regex  # type: ignore[return-value]

    @property
    def is_regex(self) -> bool:
        return self.regex is not None

    @property
    def pattern(self) -> re2._Regexp | None:
        """The compiled regex of a regex term: an RE2 pattern over UTF-8 bytes (see
        :func:`compile_linear`)."""
        return self._pattern

    @property
    def literals(self) -> tuple[str, ...]:
        """For a regex term: literals of which at least one occurs in every match; empty if
        none could be found (then the regex has to run on every text)."""
        return self._literals

    @property
    def anchored(self) -> bool:
        """True when every match of the regex starts with one of its :attr:`literals`."""
        return self._anchored

    @property
    def token_start(self) -> bool:
        """True when, besides, every match starts a word (``\\bvisa``): in normalized
        text the literal then always follows a space."""
        return self._token_start


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
# Python's \w and \d know every script; RE2's only ASCII. Spelled out, they match alike.
_RE2_CLASSES = {"w": r"\p{L}\p{N}_", "d": r"\p{Nd}"}
_RE2_NEGATED = {"W": "w", "D": "d"}
_NO_LOWER_BOUND = re.compile(r"\{,\d+\}")


def compile_linear(pattern: str) -> re2._Regexp:
    r"""Compile a rule regex for RE2, whose matching time is linear in the text (no
    backtracking, so no pattern can take exponential time). The result matches UTF-8
    bytes of normalized text. ``\w``, ``\W``, ``\d`` and ``\D`` keep Python's meaning
    (letters and digits of every script); ``\b`` is RE2's, a boundary next to an ASCII
    letter, digit or ``_``, which in normalized text (tokens of ASCII letters and digits
    between spaces) is where Python's is. ValueError for a pattern RE2 cannot run:
    backreferences, lookarounds, repeats over 1000, or one too large to compile."""
    try:
        return re2.compile(_re2_syntax(pattern).encode("utf-8"), _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(
            f"regex {pattern!r} cannot run on the linear-time engine (RE2: {reason});"
            " it has no backreferences or lookarounds and repeats at most {1000}"
        ) from None


def _re2_syntax(pattern: str) -> str:
    """Rewrite the escapes whose meaning differs between Python's re and RE2."""
    out: list[str] = []
    in_class = False
    class_start = 0
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            i += 2
            if nxt in _RE2_CLASSES:
                body = _RE2_CLASSES[nxt]
                out.append(body if in_class else f"[{body}]")
            elif nxt in _RE2_NEGATED:
                if in_class:
                    raise ValueError(
                        f"regex {pattern!r}: \\{nxt} inside [...] is not supported by the"
                        " linear-time engine (RE2); in normalized text a letter is [a-z]"
                        " (accents are removed) and a digit [0-9]"
                    )
                out.append(f"[^{_RE2_CLASSES[_RE2_NEGATED[nxt]]}]")
            elif nxt in "uU":
                width = 4 if nxt == "u" else 8
                code = pattern[i : i + width]
                out.append(f"\\x{{{code}}}")
                i += width
            elif nxt == "Z":
                out.append("\\z")  # end of text
            else:
                out.append("\\" + nxt)
            continue
        if in_class:
            # a "]" right after "[" or "[^" is a literal
            if ch == "]" and i > class_start:
                in_class = False
        elif ch == "{" and _NO_LOWER_BOUND.match(pattern, i):
            out.append("{0")  # Python reads x{,3} as x{0,3}, RE2 as text
            i += 1
            continue
        elif ch == "[":
            in_class = True
            class_start = i + 1
            if pattern[i + 1 : i + 2] == "^":
                class_start += 1
                out.append("[^")
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _check_regex_literals(pattern: str) -> None:
    """Reject literal characters that normalized text never contains (``É``, ``.``, ``A``)."""
    bad = []

    def walk(items: Any) -> None:
        for op, av in items:
            if op is LITERAL:
                ch = chr(av)
                if ch != " " and normalize(ch).text != ch and ch not in bad:
                    bad.append(ch)
            elif op in (MAX_REPEAT, MIN_REPEAT):
                walk(av[2])
            elif op is SUBPATTERN:
                walk(av[-1])
            elif op is BRANCH:
                for branch in av[1]:
                    walk(branch)

    walk(_sre_parse.parse(pattern))
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        verb = "never occurs" if len(bad) == 1 else "never occur"
        raise ValueError(
            f"regex {pattern!r}: {shown} {verb} in the normalized text that rules match"
            " (lower case, no accents, punctuation turned into spaces)"
        )


def leading_literals(pattern: str) -> tuple[str, ...]:
    """Literals of which every match of ``pattern`` starts with one (after ``\\b`` or ``^``),
    or () when there are none of at least :data:`MIN_PREFIX_LENGTH` characters."""
    found = _leading(list(_sre_parse.parse(pattern)))
    if found and min(map(len, found)) >= MIN_PREFIX_LENGTH:
        return tuple(sorted(set(found)))
    return ()


def _leading(items: list) -> list[str] | None:
    i = 0
    while i < len(items) and items[i][0] is AT:
        i += 1
    run = []
    while i < len(items) and items[i][0] is LITERAL:
        run.append(chr(items[i][1]))
        i += 1
    tails = None
    if i < len(items):
        op, av = items[i]
        if op is SUBPATTERN:
            tails = _leading(list(av[-1]))
        elif op is BRANCH:
            alternatives = [_leading(list(branch)) for branch in av[1]]
            if all(alternatives):
                tails = [lit for alt in alternatives for lit in alt]  # type: ignore[union-attr]
    head = "".join(run)
    if tails:
        return [head + tail for tail in tails]  # the parser factors out common prefixes
    return [head] if head else None


def required_literals(pattern: str) -> tuple[str, ...]:
    """Literal strings of which at least one occurs in every match of ``pattern``.

    Walks the parsed pattern: a run of literal characters is a candidate, an alternation
    gives one literal per branch, a group or a repeat of at least once gives its body's. The
    candidate whose shortest literal is longest wins; () when none has at least
    :data:`MIN_PREFIX_LENGTH` characters.
    """
    best = _best_literals(list(_sre_parse.parse(pattern)))
    if best and min(map(len, best)) >= MIN_PREFIX_LENGTH:
        return tuple(sorted(set(best)))
    return ()


def _best_literals(items: list) -> list[str] | None:
    best: list[str] | None = None

    def consider(candidate: list[str] | None) -> None:
        nonlocal best
        if candidate and all(candidate):
            if best is None or min(map(len, candidate)) > min(map(len, best)):
                best = candidate

    run: list[str] = []
    for op, av in items:
        if op is LITERAL:
            run.append(chr(av))
            continue
        consider(["".join(run)])
        run = []
        if op is SUBPATTERN:
            consider(_best_literals(list(av[-1])))
        elif op is BRANCH:
            alternatives = [_best_literals(list(branch)) for branch in av[1]]
            if all(alternatives):
                consider([lit for alt in alternatives for lit in alt])  # type: ignore[union-attr]
        elif op in (MAX_REPEAT, MIN_REPEAT) and av[0] >= 1:
            consider(_best_literals(list(av[2])))
        elif op is IN and len(av) == 1 and av[0][0] is LITERAL:
            run.append(chr(av[0][1]))  # [x]
    consider(["".join(run)])
    return best


def _flatten(value: Any) -> Any:
    """Lists inside a term list are spliced in, so that a list defined once with a YAML
    anchor (``&fees [...]``) can be reused elsewhere (``any: [*fees, *travel]``)."""
    if not isinstance(value, list) or not any(isinstance(v, list) for v in value):
        return value
    out: list[Any] = []
    for item in value:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


def _as_group(value: Any) -> Any:
    return _flatten(value) if isinstance(value, list) else [value]


def _non_empty_group(group: list[Term]) -> list[Term]:
    if not group:
        raise ValueError("empty group: list at least one term")
    return group


#: An ``all`` group: one term, or a list of terms of which any one satisfies the group.
TermGroup = Annotated[list[Term], BeforeValidator(_as_group), AfterValidator(_non_empty_group)]


def _term_list(value: Any, what: str) -> Any:
    if value is not None and isinstance(value, list) and not value:
        raise ValueError(f"{what} is empty: list at least one term, or leave '{what}' out")
    return value


def _check_address(value: str) -> str:
    if not (_EMAIL.match(value) or _ENV_REF.match(value)):
        raise ValueError(f"{value!r} is neither an e-mail address nor ${{VARIABLE}}")
    return value


class RecipientGroup(_Strict):
    """A named group of addresses; ``${VAR}`` entries are resolved from the environment when
    mail is sent (one variable may hold several comma-separated addresses)."""

    emails: list[Annotated[str, AfterValidator(_check_address)]] = Field(min_length=1)
    description: str = ""


class Defaults(_Strict):
    """Values for rules that do not set them."""

    fields: list[FieldName] | None = None
    realert: timedelta | None = None

    @field_validator("realert", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta | None:
        return None if value is None else parse_duration(value)


class Rule(_Strict):
    """One rule of ``rules.yaml`` (see the module docstring for the meaning of each key)."""

    id: str
    name: str
    description: str = ""
    severity: Severity
    weight: float = Field(1.0, gt=0, le=MAX_WEIGHT, allow_inf_nan=False)
    fields: list[FieldName] | None = None
    languages: list[str] | None = None
    kinds: list[Kind] | None = None
    any: list[Term] | None = None
    all: list[TermGroup] | None = None
    none: list[Term] | None = None
    near: int | None = Field(None, ge=0)
    min_score: float | None = Field(None, gt=0, le=MAX_WEIGHT, allow_inf_nan=False)
    recipients: list[str] = Field(default_factory=list)
    realert: timedelta | None = None

    @field_validator("realert", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta | None:
        return None if value is None else parse_duration(value)

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"{value!r} is not a slug (lower-case letters, digits, '-' and '_')")
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def _check_languages(cls, value: Any) -> Any:
        if isinstance(value, list):
            codes = []
            for code in value:
                if not isinstance(code, str) or code.strip().lower() not in ISO_639_1:
                    raise ValueError(f"{code!r} is not an ISO 639-1 language code (es, pt, en)")
                codes.append(code.strip().lower())
            return codes
        return value

    @field_validator("fields", "kinds", "languages")
    @classmethod
    def _not_empty(cls, value: list | None) -> list | None:
        if value is not None and not value:
            raise ValueError("empty list: leave the key out for the default")
        return value

    @field_validator("any", "none", mode="before")
    @classmethod
    def _check_terms(cls, value: Any, info: Any) -> Any:
        return _flatten(_term_list(value, info.field_name))

    @field_validator("all", mode="before")
    @classmethod
    def _check_groups(cls, value: Any) -> Any:
        return _term_list(value, "all")

    @model_validator(mode="after")
    def _check_rule(self) -> Rule:
        if not self.any and not self.all:
            raise ValueError("has no terms: give it 'any' or 'all' (or both)")
        if self.min_score is not None:
            if not self.any:
                raise ValueError("min_score counts 'any' terms, and the rule has none")
            reachable = sum(t.weight for t in _distinct(self.any))
            if self.min_score > reachable:
                raise ValueError(
                    f"min_score {self.min_score:g} can never be reached: its 'any' terms"
                    f" weigh {reachable:g} together"
                )
        if self.near is not None and len(self.all or ()) < 2:
            raise ValueError("near needs 'all' with at least two groups")
        return self

    @property
    def all_groups(self) -> list[list[Term]]:
        return self.all or []


def _distinct(terms: list[Term]) -> list[Term]:
    """Terms that normalize alike count once (the first one written wins)."""
    seen: set[str] = set()
    out = []
    for term in terms:
        key = term.regex if term.is_regex else " " + normalize_term(term.text) + " "
        if key not in seen:
            seen.add(key)
            out.append(term)
    return out


class RuleSet(_Strict):
    """All rules of one file, with the recipient groups they send to."""

    recipients: dict[str, RecipientGroup] = Field(default_factory=dict)
    defaults: Defaults = Field(default_factory=Defaults)
    rules: list[Rule] = Field(default_factory=list)

    _path: str = PrivateAttr("rules.yaml")

    @field_validator("recipients")
    @classmethod
    def _check_group_names(cls, groups: dict[str, RecipientGroup]) -> dict:
        for name in groups:
            if not _SLUG.match(name):
                raise ValueError(f"group name {name!r} is not a slug")
        return groups

    @model_validator(mode="after")
    def _apply_defaults(self) -> RuleSet:
        for rule in self.rules:
            if rule.fields is None:
                rule.fields = list(self.defaults.fields or ["any"])
            if rule.realert is None:
                rule.realert = self.defaults.realert
        return self

    @property
    def path(self) -> str:
        return self._path

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if there is none)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def __len__(self) -> int:
        return len(self.rules)


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
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([(str(path), None, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([(str(path), None, f"cannot read: {exc}")]) from None
    return parse_rules(text, str(path))
