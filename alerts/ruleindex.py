"""A rule set compiled for matching: its distinct terms and one Aho-Corasick automaton.

:class:`RuleIndex` numbers every distinct term (a normalized word, phrase or emoji, or a
regex) and keeps, per term, the rules that have it and in which role (``any``, an ``all``
group, ``none``) and weight. The automaton holds three kinds of keys: word terms with a
space at both ends, the literals that unlock a regex term (alerts/regexterms.py), and every
``" x y z "`` of three single letters, whose presence asks for normalizing a text again
with spaced-out letters joined (see alerts/matcher.py). The matcher only reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick
import re2

from alerts.ruleschema import Rule, RuleSet, Term
from alerts.textnorm import normalize_term, spaced_letter_keys

__all__ = [
    "ANY_ROLE",
    "BODY",
    "FIELD_BITS",
    "NONE_ROLE",
    "TITLE",
    "CompiledRule",
    "Fired",
    "RuleIndex",
]

TITLE, BODY = 1, 2
FIELD_BITS = {"title": TITLE, "body": BODY, "any": TITLE | BODY}
NONE_ROLE, ANY_ROLE = -1, 0  # an `all` group g has role g + 1


@dataclass
class CompiledRule:
    rule: Rule
    index: int
    field_mask: int
    languages: frozenset[str] | None
    kinds: frozenset[str] | None
    n_groups: int
    has_any: bool
    min_score: float
    near: int | None
    simple: bool  # only `any` terms, no min_score, no none, no language or kind limits
    header: tuple[str, str, str, float]  # the first fields of its RuleMatch

    @classmethod
    def of(cls, index: int, rule: Rule) -> CompiledRule:
        mask = 0
        for f in rule.fields or ["any"]:
            mask |= FIELD_BITS[f]
        return cls(
            rule=rule,
            index=index,
            field_mask=mask,
            languages=frozenset(rule.languages) if rule.languages else None,
            kinds=frozenset(rule.kinds) if rule.kinds else None,
            n_groups=len(rule.all_groups),
            has_any=bool(rule.any),
            min_score=rule.min_score if rule.min_score is not None else 0.0,
            near=rule.near,
            simple=not (rule.all_groups or rule.none or rule.min_score or rule.languages)
            and not rule.kinds,
            header=(rule.id, rule.name, rule.severity, rule.weight),
        )


# (rule index, rule, score, [(term id, term as written)]) of a rule that fired
Fired = tuple[int, CompiledRule, float, Sequence[tuple[int, str]]]

# Letters by frequency in Spanish, Portuguese and English text, and by frequency as the
# first letter of a word.
_LETTER_ORDER = {c: i for i, c in enumerate(" eaosrnitdlcumpbgvhfyqjzxkw0123456789")}
_INITIAL_ORDER = {c: i for i, c in enumerate("dcpseatlmnoqufiyhbrvgwjkzx0123456789")}


def _letter_ranks(key: str) -> list[int]:
    ranks = []
    previous = ""
    for c in key:
        ranks.append((_INITIAL_ORDER if previous == " " else _LETTER_ORDER).get(c, 99))
        previous = c
    return ranks


class RuleIndex:
    """The terms of a :class:`RuleSet` and the automaton that finds them."""

    def __init__(self, ruleset: RuleSet):
        self.rules = [CompiledRule.of(index, rule) for index, rule in enumerate(ruleset.rules)]
        # a "term" is a distinct normalized word/phrase/emoji key or a distinct regex
        self.term_key: list[str | None] = []  # automaton key, None for a regex
        self.term_pattern: list[re2._Regexp | None] = []
        self.term_anchored: list[bool] = []  # a regex whose matches start with its literals
        # a regex's literals: (key id, characters before the literal in that key)
        self.term_literal_keys: list[tuple[tuple[int, int], ...]] = []
        self.term_tokens: list[int] = []  # number of tokens of a word term (for `near`)
        # per term: (rule index, role, weight, term as written) for every rule that has it
        self.slots: list[list[tuple[int, int, float, str]]] = []
        self.always_run: list[int] = []  # regex terms without a usable literal
        self._term_ids: dict[tuple[str, str], int] = {}
        for index, rule in enumerate(ruleset.rules):
            self._add_rule_terms(index, rule)
        self._split_slots()
        # the automaton's keys: word terms, regex literals, spaced-letter triggers
        self._keys: dict[str, int] = {}
        self.key_len: list[int] = []
        self.key_term: list[int] = []  # term id, or -1
        self.key_triggers: list[tuple[int, ...]] = []  # regex terms this literal unlocks
        self.key_spaced = bytearray()
        for tid, key in enumerate(self.term_key):
            if key is not None:
                self.key_term[self._key_id(key)] = tid
        self._add_regex_literals(ruleset)
        self.automaton = self._build_automaton()
        self.term_count = len(self.slots)
        self.key_count = len(self._keys)

    def _term_id(self, term: Term) -> int:
        if term.is_regex:
            ident = ("regex", term.regex or "")
        else:
            ident = ("key", " " + normalize_term(term.text) + " ")
        tid = self._term_ids.get(ident)
        if tid is None:
            tid = self._term_ids[ident] = len(self.slots)
            self.slots.append([])
            self.term_anchored.append(term.anchored)
            self.term_literal_keys.append(())
            if term.is_regex:
                self.term_key.append(None)
                self.term_pattern.append(term.pattern)
                self.term_tokens.append(1)
            else:
                self.term_key.append(ident[1])
                self.term_pattern.append(None)
                self.term_tokens.append(ident[1].count(" ") - 1)
        return tid

    def _add_rule_terms(self, index: int, rule: Rule) -> None:
        roles: list[tuple[int, list[Term]]] = [(ANY_ROLE, rule.any or [])]
        roles += [(g + 1, group) for g, group in enumerate(rule.all_groups)]
        roles.append((NONE_ROLE, rule.none or []))
        for role, terms in roles:
            seen: set[int] = set()
            for term in terms:
                tid = self._term_id(term)
                if tid not in seen:  # the same term twice in one list counts once
                    seen.add(tid)
                    self.slots[tid].append((index, role, term.weight, term.text))

    def _split_slots(self) -> None:
        """A term's slots in rules with `any` terms only, which need no more than a field
        check, apart from the others: (rule index, fields, what the rule's entry in `fired`
        is when this term is its only hit; see Matcher._evaluate)."""
        self.simple_slots: list[tuple[tuple[int, int, Fired], ...]] = []
        self.other_slots: list[tuple[tuple[int, int, float, str], ...]] = []
        crules = self.rules
        for tid, slots in enumerate(self.slots):
            self.simple_slots.append(
                tuple(
                    (i, crules[i].field_mask, (i, crules[i], w, ((tid, written),)))
                    for i, _, w, written in slots
                    if crules[i].simple
                )
            )
            self.other_slots.append(tuple(s for s in slots if not crules[s[0]].simple))

    def _key_id(self, key: str) -> int:
        kid = self._keys.get(key)
        if kid is None:
            kid = self._keys[key] = len(self.key_len)
            self.key_len.append(len(key))
            self.key_term.append(-1)
            self.key_triggers.append(())
            self.key_spaced.append(0)
        return kid

    def _add_regex_literals(self, ruleset: RuleSet) -> None:
        regex_terms = {}
        for rule in ruleset.rules:
            for term in [*(rule.any or []), *sum(rule.all_groups, []), *(rule.none or [])]:
                if term.is_regex:
                    regex_terms[self._term_ids[("regex", term.regex or "")]] = term
        for tid, term in regex_terms.items():
            if not term.literals:
                self.always_run.append(tid)
            for literal in term.literals:
                # a literal that starts a word is looked for with the space before it: keys
                # that all start with a space keep the automaton fast (its root has one child)
                skip = int(term.token_start and not literal.startswith(" "))
                kid = self._key_id(" " * skip + literal)
                self.key_triggers[kid] = (*self.key_triggers[kid], tid)
                self.term_literal_keys[tid] = (*self.term_literal_keys[tid], (kid, skip))

    def _build_automaton(self) -> ahocorasick.Automaton:
        keys = self._keys
        spaced = [key for key in spaced_letter_keys() if key not in keys]
        for key in spaced_letter_keys():
            self.key_spaced[self._key_id(key)] = 1
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        # A node's children are searched in insertion order: insert common letters first,
        # and the spaced-letter triggers last (a space after a word's first letter is rare).
        for key in sorted(keys.keys() - set(spaced), key=_letter_ranks) + spaced:
            automaton.add_word(key, keys[key])
        automaton.make_automaton()
        return automaton
