"""The rules model: what ``rules.yaml`` holds once validated (alerts/rules.py reads the file).

:class:`RuleSet` holds the recipient groups, the defaults and the :class:`Rule` list; a rule
holds :class:`Term` s (words, phrases, emoji, or regexes compiled by alerts/regexterms.py).
Each model checks its own values; the messages name what is wrong in the operator's terms
(the file format is described in alerts/rules.py).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

import re2
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from alerts.regexterms import automaton_literals, check_regex_literals, compile_linear
from alerts.textnorm import normalize, normalize_term
from crawler.common.durations import parse_duration

__all__ = [
    "MAX_WEIGHT",
    "SEVERITIES",
    "Defaults",
    "RecipientGroup",
    "Rule",
    "RuleSet",
    "Term",
    "parse_duration",
]

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
FieldName = Literal["title", "body", "any"]
Kind = Literal["job", "classified"]

#: The largest weight or min_score: sums of weights stay finite numbers (JSON has no
#: Infinity).
MAX_WEIGHT = 1_000_000.0

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ENV_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")

ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho
    hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv
    kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr
    nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq
    sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh
    yi yo za zh zu""".split()
)


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
        elif self.regex is not None:
            self._compile_regex(self.regex)
        return self

    def _compile_regex(self, regex: str) -> None:
        """Check and compile a regex term, and find the literals the automaton looks for."""
        try:
            re.compile(regex)  # the literal analysis below reads Python's parse of it
        except re.error as exc:
            raise ValueError(f"invalid regex {regex!r}: {exc}") from None
        except (OverflowError, RecursionError) as exc:
            raise ValueError(f"regex {regex!r} is too large: {exc}") from None
        self._pattern = compile_linear(regex)
        check_regex_literals(regex)
        if self.prefix is not None:
            if not self.prefix.strip() or normalize(self.prefix).text != self.prefix:
                raise ValueError(
                    f"prefix {self.prefix!r} must be written as normalized text"
                    f" ({normalize(self.prefix).text!r})"
                )
            self._literals = (self.prefix,)
        else:
            self._literals, self._anchored, self._token_start = automaton_literals(regex)

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
        key = term.text if term.is_regex else " " + normalize_term(term.text) + " "
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
