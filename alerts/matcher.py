"""The rule matcher: every term of every rule in one Aho-Corasick automaton.

``Matcher(ruleset)`` compiles once; ``matcher.match(ad)`` takes an :class:`crawler.items.Ad`
or a dict ``{title, body, language, kind}`` and returns one :class:`RuleMatch` per rule that
fires, with the evidence: each matched term, its field and its span in the *original* text.
``risk_score(matches)`` sums them into one number; ``highlight(text, spans, style)`` marks
the evidence for a terminal or an HTML e-mail.

How a text is matched:

* The title and body are joined with a barrier token between them and normalized once
  (:mod:`alerts.textnorm`): tokens separated by single spaces.
* Every word, phrase and emoji term is normalized the same way and added to the automaton
  with a space at both ends (``" visa pagada "``), so a hit always starts and ends on a token
  boundary and no hit needs a second look. Overlapping hits are all reported.
* A regex term runs only on texts where the automaton saw one of its required literals
  (worked out from the pattern, see :func:`alerts.regexterms.required_literals`, or declared as
  ``prefix:``); those literals are in the automaton too, as plain substrings. When every
  match starts with the literal (``\\bvisa\\w*``), the regex is only tried where the literal
  was found. A regex with no usable literal (none of at least three characters) runs on
  every text: keep those rare. Regexes see the normalized text of one field at a time, and
  run on RE2 over its UTF-8 bytes: time linear in the text, whatever the pattern.
* Step 3 of the normalization (joining spaced-out letters) is skipped on the first pass;
  the automaton also holds every ``" x y z "`` of three single letters, and only a text that
  has one is normalized again with it. The result is the same as normalizing fully first.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import ahocorasick
import re2

from alerts.rules import SEVERITIES, Rule, RuleSet, Term
from alerts.textnorm import FIELD_BARRIER, Normalized, normalize, normalize_term, spaced_letter_keys

__all__ = [
    "SEVERITY_POINTS",
    "AdText",
    "MatchedTerm",
    "Matcher",
    "RuleMatch",
    "highlight",
    "risk_score",
]

#: Risk points of one rule match of weight 1, by severity (see :func:`risk_score`).
SEVERITY_POINTS = {"low": 10.0, "medium": 25.0, "high": 50.0, "critical": 80.0}

_TITLE, _BODY = 1, 2
_FIELD_BITS = {"title": _TITLE, "body": _BODY, "any": _TITLE | _BODY}
_NONE_ROLE, _ANY_ROLE = -1, 0  # an `all` group g has role g + 1
_MAX_NEAR_OCCURRENCES = 200


class MatchedTerm(NamedTuple):
    """One piece of evidence: ``text == ad.<field>[start:end]``."""

    term: str  # the term as written in rules.yaml (a regex: its pattern)
    field: str  # "title" or "body"
    start: int
    end: int
    text: str  # what the ad actually says there


class RuleMatch(NamedTuple):
    """A rule that fired on an ad (a named tuple: cheap to build, immutable).

    ``score`` is the sum of the weights of the distinct terms that counted: the ``any``
    terms (a term found only inside a longer matched one does not count) and the ``all``
    terms. ``terms`` lists every occurrence of them in the rule's fields, in text order
    (one entry per stretch of text, even where two terms found the same stretch).
    """

    rule_id: str
    name: str
    severity: str
    weight: float
    score: float
    terms: tuple[MatchedTerm, ...]

    @property
    def spans(self) -> dict[str, list[tuple[int, int]]]:
        """``{"title": [(start, end), ...], "body": [...]}``, ready for :func:`highlight`."""
        out: dict[str, list[tuple[int, int]]] = {"title": [], "body": []}
        for t in self.terms:
            out[t.field].append((t.start, t.end))
        return out


def risk_score(matches: Iterable[RuleMatch]) -> float:
    """An ad's risk from its rule matches, 0..100.

    ``min(100, sum(rule weight x SEVERITY_POINTS[severity]))``: with weight 1, one critical
    rule gives 80, one high 50, one medium 25, one low 10; two high rules reach 100.
    """
    total = sum(m.weight * SEVERITY_POINTS[m.severity] for m in matches)
    return round(max(0.0, min(100.0, total)), 2)


class AdText:
    """An ad's title and body, normalized together, and the way back to each field.

    The normalized text is ``" " + title + " <barrier> " + body + " "`` normalized, so every
    token has a space on both sides and no phrase can run from the title into the body.
    """

    __slots__ = ("title", "body", "norm", "text", "barrier", "_body_start", "_utf8")

    def __init__(self, title: str, body: str, *, spaced_letters: bool = True):
        if FIELD_BARRIER in title:
            title = title.replace(FIELD_BARRIER, " ")
        if FIELD_BARRIER in body:
            body = body.replace(FIELD_BARRIER, " ")
        self.title = title
        self.body = body
        self._body_start = len(title) + 4
        self.norm: Normalized = normalize(
            f" {title} {FIELD_BARRIER} {body} ", spaced_letters=spaced_letters
        )
        self.text = self.norm.text
        self.barrier = self.text.find(FIELD_BARRIER)
        self._utf8: _Utf8 | None = None

    def utf8(self) -> _Utf8:
        """The normalized text as UTF-8, which regexes run on, with the way between
        character and byte offsets."""
        if self._utf8 is None:
            self._utf8 = _Utf8(self.text)
        return self._utf8

    def to_field(self, start: int, end: int) -> tuple[str, int, int]:
        """Map a span of the normalized text to ``(field, start, end)`` in that field."""
        field, ostart, oend, _ = self.locate([(start, end)])[0]
        return field, ostart, oend

    def locate(self, spans: list[tuple[int, int]]) -> list[tuple[str, int, int, str]]:
        """Map spans of the normalized text to ``(field, start, end, original text)``."""
        out = []
        title, body, barrier = self.title, self.body, self.barrier
        for (start, _), (ostart, oend) in zip(spans, self.norm.original_spans(spans), strict=True):
            if start < barrier:
                source, field = title, "title"
                ostart -= 1
                oend -= 1
            else:
                source, field = body, "body"
                ostart -= self._body_start
                oend -= self._body_start
            limit = len(source)
            if not 0 <= ostart <= limit or not 0 <= oend <= limit:
                # a span that widened over the spaces around a field stays inside it
                ostart = min(max(ostart, 0), limit)
                oend = min(max(oend, 0), limit)
            out.append((field, ostart, oend, source[ostart:oend]))
        return out


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class _Utf8:
    """A text encoded as UTF-8, and offsets between its characters and bytes (the same
    numbers for ASCII text, which most normalized text is)."""

    __slots__ = ("data", "_chars", "_bytes", "_extra")

    def __init__(self, text: str):
        self.data = text.encode("utf-8")
        self._chars: list[int] = []  # index of each non-ASCII character
        self._bytes: list[int] = []  # its byte offset
        self._extra: list[int] = []  # bytes beyond one per character, up to and with it
        if len(self.data) != len(text):
            extra = 0
            for m in _NON_ASCII.finditer(text):
                self._chars.append(m.start())
                self._bytes.append(m.start() + extra)
                extra += len(m.group().encode("utf-8")) - 1
                self._extra.append(extra)

    def to_byte(self, pos: int) -> int:
        if not self._chars:
            return pos
        k = bisect_left(self._chars, pos)
        return pos + (self._extra[k - 1] if k else 0)

    def to_char(self, pos: int) -> int:
        if not self._chars:
            return pos
        k = bisect_left(self._bytes, pos)
        return pos - (self._extra[k - 1] if k else 0)


@dataclass
class _CompiledRule:
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


# (rule index, rule, score, [(term id, term as written)]) of a rule that fired
_Fired = tuple[int, _CompiledRule, float, Sequence[tuple[int, str]]]


class Matcher:
    """All rules of a :class:`RuleSet`, compiled once; :meth:`match` runs them on one ad."""

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._rules: list[_CompiledRule] = []
        # a "term" is a distinct normalized word/phrase/emoji key or a distinct regex
        self._term_key: list[str | None] = []  # automaton key, None for a regex
        self._term_pattern: list[re2._Regexp | None] = []
        self._term_anchored: list[bool] = []  # a regex whose matches start with its literals
        # a regex's literals: (key id, characters before the literal in that key)
        self._term_literal_keys: list[tuple[tuple[int, int], ...]] = []
        self._term_tokens: list[int] = []  # number of tokens of a word term (for `near`)
        # per term: (rule index, role, weight, term as written) for every rule that has it
        self._slots: list[list[tuple[int, int, float, str]]] = []
        self._always_run: list[int] = []  # regex terms without a usable literal
        term_ids: dict[tuple[str, str], int] = {}

        def term_id(term: Term) -> int:
            if term.is_regex:
                ident = ("regex", term.regex or "")
            else:
                ident = ("key", " " + normalize_term(term.text) + " ")
            tid = term_ids.get(ident)
            if tid is None:
                tid = term_ids[ident] = len(self._slots)
                self._slots.append([])
                self._term_anchored.append(term.anchored)
                self._term_literal_keys.append(())
                if term.is_regex:
                    self._term_key.append(None)
                    self._term_pattern.append(term.pattern)
                    self._term_tokens.append(1)
                else:
                    self._term_key.append(ident[1])
                    self._term_pattern.append(None)
                    self._term_tokens.append(ident[1].count(" ") - 1)
            return tid

        for index, rule in enumerate(ruleset.rules):
            fields = rule.fields or ["any"]
            mask = 0
            for f in fields:
                mask |= _FIELD_BITS[f]
            self._rules.append(
                _CompiledRule(
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
            )
            roles: list[tuple[int, list[Term]]] = [(_ANY_ROLE, rule.any or [])]
            roles += [(g + 1, group) for g, group in enumerate(rule.all_groups)]
            roles.append((_NONE_ROLE, rule.none or []))
            for role, terms in roles:
                seen: set[int] = set()
                for term in terms:
                    tid = term_id(term)
                    if tid not in seen:  # the same term twice in one list counts once
                        seen.add(tid)
                        self._slots[tid].append((index, role, term.weight, term.text))

        # a term's slots in rules with `any` terms only, which need no more than a field
        # check, apart from the others: (rule index, fields, what the rule's entry in
        # `fired` is when this term is its only hit; see _evaluate)
        self._simple_slots: list[tuple[tuple[int, int, _Fired], ...]] = []
        self._other_slots: list[tuple[tuple[int, int, float, str], ...]] = []
        crules = self._rules
        for tid, slots in enumerate(self._slots):
            self._simple_slots.append(
                tuple(
                    (i, crules[i].field_mask, (i, crules[i], w, ((tid, written),)))
                    for i, _, w, written in slots
                    if crules[i].simple
                )
            )
            self._other_slots.append(tuple(s for s in slots if not crules[s[0]].simple))

        # the automaton: word keys, regex literals, spaced-letter triggers
        keys: dict[str, int] = {}
        self._key_len: list[int] = []
        self._key_term: list[int] = []  # term id, or -1
        self._key_triggers: list[tuple[int, ...]] = []  # regex terms this literal unlocks
        self._key_spaced = bytearray()

        def key_id(key: str) -> int:
            kid = keys.get(key)
            if kid is None:
                kid = keys[key] = len(self._key_len)
                self._key_len.append(len(key))
                self._key_term.append(-1)
                self._key_triggers.append(())
                self._key_spaced.append(0)
            return kid

        for tid, key in enumerate(self._term_key):
            if key is not None:
                self._key_term[key_id(key)] = tid
        regex_terms = {}
        for rule in ruleset.rules:
            for term in [*(rule.any or []), *sum(rule.all_groups, []), *(rule.none or [])]:
                if term.is_regex:
                    regex_terms[term_ids[("regex", term.regex or "")]] = term
        for tid, term in regex_terms.items():
            if not term.literals:
                self._always_run.append(tid)
            for literal in term.literals:
                # a literal that starts a word is looked for with the space before it: keys
                # that all start with a space keep the automaton fast (its root has one child)
                skip = int(term.token_start and not literal.startswith(" "))
                kid = key_id(" " * skip + literal)
                self._key_triggers[kid] = (*self._key_triggers[kid], tid)
                self._term_literal_keys[tid] = (*self._term_literal_keys[tid], (kid, skip))
        spaced = [key for key in spaced_letter_keys() if key not in keys]
        for key in spaced_letter_keys():
            self._key_spaced[key_id(key)] = 1

        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        # A node's children are searched in insertion order: insert common letters first,
        # and the spaced-letter triggers last (a space after a word's first letter is rare).
        for key in sorted(keys.keys() - set(spaced), key=_letter_ranks) + spaced:
            automaton.add_word(key, keys[key])
        automaton.make_automaton()
        self._automaton = automaton
        self.term_count = len(self._slots)
        self.key_count = len(keys)

    def __repr__(self) -> str:
        return f"<Matcher {len(self._rules)} rules, {self.term_count} terms>"

    def _scan(self, ad: AdText) -> dict[int, list[int]]:
        """Automaton hits by key id: the end index of each."""
        found: dict[int, list[int]] = {}
        get = found.get
        for end, kid in self._automaton.iter(ad.text):
            ends = get(kid)
            if ends is None:
                found[kid] = [end]
            else:
                ends.append(end)
        return found

    def match(self, ad: Any) -> list[RuleMatch]:
        """Run every rule on an Ad or a ``{title, body, language, kind}`` mapping; return
        the rules that fired, in the order of the rules file."""
        title, body, language, kind = _ad_fields(ad)
        text = AdText(title, body, spaced_letters=False)
        found = self._scan(text)
        if not found and not self._always_run:
            return []
        spaced = self._key_spaced
        if any(spaced[kid] for kid in found):
            full = AdText(title, body)  # normalize again, joining spaced-out letters
            if full.text != text.text:  # (three single letters are not always spaced out)
                text = full
                found = self._scan(text)
        return self._evaluate(text, found, language, kind)

    def _evaluate(
        self, text: AdText, found: dict[int, list[int]], language: str | None, kind: str | None
    ) -> list[RuleMatch]:
        barrier = text.barrier
        # spans of every term hit, by term id (in text order)
        spans: dict[int, list[tuple[int, int]]] = {}
        regexes: set[int] | None = set(self._always_run) if self._always_run else None
        key_term, key_len, key_triggers = self._key_term, self._key_len, self._key_triggers
        for kid, ends in found.items():
            tid = key_term[kid]
            if tid >= 0:
                back = key_len[kid] - 2
                spans[tid] = [(end - back, end) for end in ends]
            if key_triggers[kid]:
                if regexes is None:
                    regexes = set()
                regexes.update(key_triggers[kid])
        if regexes:
            for tid in regexes:
                hits = self._run_regex(tid, text, found)
                if hits:
                    spans[tid] = hits

        # which rules have a term hit. Rules with `any` terms only: rule index -> the
        # entry of each term found in its fields (one entry, or a list of them); the
        # others: rule index -> [(slot, term id, fields hit)]
        simple: dict[int, _Fired | list[_Fired]] = {}
        touched: dict[int, list] = {}
        simple_slots, other_slots = self._simple_slots, self._other_slots
        for tid, tid_spans in spans.items():
            fmask = (_TITLE if tid_spans[0][0] < barrier else 0) | (
                _BODY if tid_spans[-1][0] > barrier else 0
            )
            for rule_index, mask, entry in simple_slots[tid]:
                if fmask & mask:
                    hits = simple.get(rule_index)
                    if hits is None:
                        simple[rule_index] = entry
                    elif type(hits) is tuple:
                        simple[rule_index] = [hits, entry]
                    else:
                        hits.append(entry)
            for slot in other_slots[tid]:
                entries = touched.get(slot[0])
                if entries is None:
                    touched[slot[0]] = [(slot, tid, fmask)]
                else:
                    entries.append((slot, tid, fmask))

        rules = self._rules
        fired: list[_Fired] = []
        for hits in simple.values():
            if type(hits) is tuple:
                fired.append(hits)
            else:
                score = 0.0
                for hit in hits:
                    score += hit[2]
                first = hits[0]
                fired.append((first[0], first[1], score, [hit[3][0] for hit in hits]))
        lang = _language(language) if touched else None
        for rule_index in touched:
            crule = rules[rule_index]
            if crule.languages is not None and lang is not None and lang not in crule.languages:
                continue
            if crule.kinds is not None and kind is not None and kind not in crule.kinds:
                continue
            mask = crule.field_mask
            any_terms: list[tuple[int, float]] = []
            groups: dict[int, list[int]] = {}
            counted: list[tuple[int, str]] = []
            all_score = 0.0
            vetoed = False
            for (_, role, weight, written), tid, fmask in touched[rule_index]:
                if not fmask & mask:
                    continue
                if role == _NONE_ROLE:
                    vetoed = True
                    break
                if role == _ANY_ROLE:
                    any_terms.append((tid, weight))
                else:
                    groups.setdefault(role, []).append(tid)
                    all_score += weight
                counted.append((tid, written))
            if vetoed or len(groups) < crule.n_groups:
                continue
            any_score = 0.0
            if crule.has_any:
                if not any_terms:
                    continue
                if len(any_terms) > 1 and crule.min_score:
                    any_terms = _outermost(any_terms, spans, barrier, mask)
                any_score = sum(weight for _, weight in any_terms)
                if any_score < crule.min_score:
                    continue
            score = any_score + all_score
            if crule.near is not None and not self._near(text, groups, spans, mask, crule.near):
                continue
            fired.append((rule_index, crule, score, counted))
        if not fired:
            return []
        if len(fired) > 1:
            fired.sort(key=_first)
        return self._rule_matches(text, fired, spans)

    def _run_regex(
        self, tid: int, text: AdText, found: dict[int, list[int]]
    ) -> list[tuple[int, int]]:
        """Matches of a regex term, one field at a time, like ``finditer`` (no overlaps).
        RE2 runs on the UTF-8 bytes of the text; spans come back in characters."""
        pattern = self._term_pattern[tid]
        assert pattern is not None
        utf8 = text.utf8()
        data = utf8.data
        barrier = utf8.to_byte(text.barrier)
        hits: list[tuple[int, int]] = []
        if self._term_anchored[tid]:
            # every match starts at a literal the automaton found: try only there
            key_len = self._key_len
            starts = sorted(
                end - key_len[kid] + 1 + skip
                for kid, skip in self._term_literal_keys[tid]
                for end in found.get(kid, ())
            )
            last = -1
            for pos in starts:
                if pos < last:
                    continue
                at = utf8.to_byte(pos)
                m = pattern.match(data, at, barrier if at < barrier else len(data))
                if m is not None and m.end() > at:
                    last = utf8.to_char(m.end())
                    hits.append((pos, last))
            return hits
        for start, stop in ((0, barrier), (barrier + 1, len(data))):
            hits += [
                (utf8.to_char(m.start()), utf8.to_char(m.end()))
                for m in pattern.finditer(data, start, stop)
                if m.end() > m.start()
            ]
        return hits

    def _near(
        self,
        text: AdText,
        groups: dict[int, list[int]],
        spans: dict[int, list[tuple[int, int]]],
        mask: int,
        near: int,
    ) -> bool:
        """Is there one occurrence per ``all`` group with at most ``near`` words between the
        end of the earliest-ending one and the start of the latest-starting one?"""
        s = text.text
        barrier = text.barrier
        occurrences: list[list[tuple[int, int]]] = []  # per group: (first word, last word)
        for tids in groups.values():
            occ = []
            for tid in tids:
                extra = self._term_tokens[tid] - 1
                for start, end in spans[tid][:_MAX_NEAR_OCCURRENCES]:
                    if not _in_fields(start, barrier, mask):
                        continue
                    # word index; the barrier between title and body is not a word
                    first = s.count(" ", 0, start) - (start > barrier)
                    if self._term_key[tid] is None:  # a regex: count the words it covers
                        extra = s.count(" ", start, end)
                    occ.append((first, first + extra))
            occurrences.append(occ)
        best = None
        for a, occ_a in enumerate(occurrences):
            for first_a, last_a in occ_a:
                worst = first_a
                for g, occ_g in enumerate(occurrences):
                    if g == a:
                        continue
                    starts = [first for first, last in occ_g if last >= last_a]
                    if not starts:
                        break
                    worst = max(worst, min(starts))
                else:
                    gap = worst - last_a - 1
                    if best is None or gap < best:
                        best = gap
        return best is not None and best <= near

    def _rule_matches(
        self,
        text: AdText,
        fired: list[_Fired],
        spans: dict[int, list[tuple[int, int]]],
    ) -> list[RuleMatch]:
        """Build the matches of the rules that fired, locating all evidence in one pass."""
        barrier = text.barrier
        # per rule: {span: term as written}, one entry per stretch of text (the first term
        # that found it), in text order
        evidence_of = []
        wanted: list[tuple[int, int]] = []
        for _, crule, _, counted in fired:
            mask = crule.field_mask
            if len(counted) == 1:  # the common case: one term, its spans in text order
                tid, written = counted[0]
                if mask == _TITLE | _BODY:
                    items = [(span, written) for span in spans[tid]]
                    wanted += spans[tid]
                else:
                    items = [
                        (span, written) for span in spans[tid] if _in_fields(span[0], barrier, mask)
                    ]
                    wanted += [span for span, _ in items]
                evidence_of.append(items)
                continue
            own: dict[tuple[int, int], str] = {}
            for tid, written in counted:
                for span in spans[tid]:
                    if span not in own and mask & (_TITLE if span[0] < barrier else _BODY):
                        own[span] = written
            wanted += own
            evidence_of.append(sorted(own.items()) if len(own) > 1 else list(own.items()))
        order = list(dict.fromkeys(wanted)) if len(wanted) > 1 else wanted
        located = dict(zip(order, text.locate(order), strict=True))
        new = tuple.__new__
        terms: dict[tuple[tuple[int, int], str], MatchedTerm] = {}
        out = []
        for (_, crule, score, _), own in zip(fired, evidence_of, strict=True):
            evidence = []
            for key in own:
                term = terms.get(key)
                if term is None:
                    term = terms[key] = new(MatchedTerm, (key[1], *located[key[0]]))
                evidence.append(term)
            out.append(new(RuleMatch, (*crule.header, score, tuple(evidence))))
        return out


def _first(entry: tuple) -> Any:
    return entry[0]


def _outermost(
    terms: list[tuple[int, float]],
    spans: dict[int, list[tuple[int, int]]],
    barrier: int,
    mask: int,
) -> list[tuple[int, float]]:
    """Drop terms found only inside a longer matched term ("no experience" inside "no
    experience needed"): one stretch of text is one indicator, not two."""
    outer = [
        (start, end)
        for tid, _ in terms
        for start, end in spans[tid]
        if _in_fields(start, barrier, mask)
    ]
    kept = []
    for tid, weight in terms:
        for start, end in spans[tid]:
            if not _in_fields(start, barrier, mask):
                continue
            if not any(s <= start and end <= e and e - s > end - start for s, e in outer):
                kept.append((tid, weight))
                break
    return kept


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


def _in_fields(start: int, barrier: int, mask: int) -> bool:
    return bool(mask & (_TITLE if start < barrier else _BODY))


@lru_cache(maxsize=1024)
def _language(language: str | None) -> str | None:
    if not language:
        return None
    return re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower() or None


def _ad_fields(ad: Any) -> tuple[str, str, str | None, str | None]:
    if type(ad) is dict or isinstance(ad, Mapping):
        get = ad.get
    else:

        def get(name: str, default: Any = None) -> Any:
            return getattr(ad, name, default)

    return get("title") or "", get("body") or "", get("language"), get("kind")


_ANSI_MARK = ("\x1b[1;31m", "\x1b[0m")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def highlight(text: str, spans: Iterable[tuple[int, int]], style: str = "ansi") -> str:
    """Mark ``spans`` of ``text`` for a terminal (``"ansi"``) or an HTML page (``"html"``).

    Overlapping spans are merged. HTML output escapes all of the text and wraps each span in
    ``<mark>``; terminal output makes spans bold red and replaces control characters (an
    ad could carry its own escape sequences) with ``?``.
    """
    if style not in ("ansi", "html"):
        raise ValueError(f"style must be 'ansi' or 'html', not {style!r}")
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if style == "html":
        clean = html.escape
        open_, close = "<mark>", "</mark>"
    else:

        def clean(part: str) -> str:
            return _CONTROL.sub("?", part)

        open_, close = _ANSI_MARK
    out = []
    last = 0
    for start, end in merged:
        out.append(clean(text[last:start]))
        out.append(open_ + clean(text[start:end]) + close)
        last = end
    out.append(clean(text[last:]))
    return "".join(out)


assert set(SEVERITY_POINTS) == set(SEVERITIES)
