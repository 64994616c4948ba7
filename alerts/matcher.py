"""The rule matcher: every term of every rule in one Aho-Corasick automaton.

``Matcher(ruleset)`` compiles once; ``matcher.match(ad)`` takes an :class:`crawler.items.Ad`
or a dict ``{title, body, language, kind}`` and returns one :class:`RuleMatch` per rule that
fires, with the evidence: each matched term, its field and its span in the *original* text.
``risk_score(matches)`` sums them into one number; ``highlight(text, spans, style)`` marks
the evidence for a terminal or an HTML e-mail.

How a text is matched:

* The title and body are joined with a barrier token between them and normalized once
  (:class:`alerts.adtext.AdText`, :mod:`alerts.textnorm`): tokens separated by single
  spaces.
* Every word, phrase and emoji term is normalized the same way and added to the automaton
  (:class:`alerts.ruleindex.RuleIndex` builds it) with a space at both ends
  (``" visa pagada "``), so a hit always starts and ends on a token boundary and no hit
  needs a second look. Overlapping hits are all reported.
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

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from alerts.adtext import AdText
from alerts.highlight import highlight
from alerts.ruleindex import ANY_ROLE, BODY, NONE_ROLE, TITLE, CompiledRule, Fired, RuleIndex
from alerts.ruleschema import SEVERITIES, RuleSet

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


class Matcher:
    """All rules of a :class:`RuleSet`, compiled once; :meth:`match` runs them on one ad."""

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._index = RuleIndex(ruleset)
        self.term_count = self._index.term_count
        self.key_count = self._index.key_count

    def __repr__(self) -> str:
        return f"<Matcher {len(self._index.rules)} rules, {self.term_count} terms>"

    def _scan(self, ad: AdText) -> dict[int, list[int]]:
        """Automaton hits by key id: the end index of each."""
        found: dict[int, list[int]] = {}
        get = found.get
        for end, kid in self._index.automaton.iter(ad.text):
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
        if not found and not self._index.always_run:
            return []
        spaced = self._index.key_spaced
        if any(spaced[kid] for kid in found):
            full = AdText(title, body)  # normalize again, joining spaced-out letters
            if full.text != text.text:  # (three single letters are not always spaced out)
                text = full
                found = self._scan(text)
        return self._evaluate(text, found, language, kind)

    def _evaluate(
        self, text: AdText, found: dict[int, list[int]], language: str | None, kind: str | None
    ) -> list[RuleMatch]:
        spans = self._term_spans(text, found)
        simple, touched = self._rule_hits(spans, text.barrier)
        fired = _fired_simple(simple)
        if touched:
            self._fire_others(text, touched, spans, language, kind, fired)
        if not fired:
            return []
        if len(fired) > 1:
            fired.sort(key=_first)
        return self._rule_matches(text, fired, spans)

    def _term_spans(
        self, text: AdText, found: dict[int, list[int]]
    ) -> dict[int, list[tuple[int, int]]]:
        """Spans of every term hit, by term id (in text order): word terms from the
        automaton's hits, regex terms from running those that a literal found unlocked
        (and those that run on every text)."""
        index = self._index
        spans: dict[int, list[tuple[int, int]]] = {}
        regexes: set[int] | None = set(index.always_run) if index.always_run else None
        key_term, key_len, key_triggers = index.key_term, index.key_len, index.key_triggers
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
        return spans

    def _rule_hits(
        self, spans: dict[int, list[tuple[int, int]]], barrier: int
    ) -> tuple[dict[int, Fired | list[Fired]], dict[int, list]]:
        """Which rules have a term hit. Rules with `any` terms only: rule index -> the
        entry of each term found in its fields (one entry, or a list of them); the
        others: rule index -> [(slot, term id, fields hit)]."""
        simple: dict[int, Fired | list[Fired]] = {}
        touched: dict[int, list] = {}
        simple_slots, other_slots = self._index.simple_slots, self._index.other_slots
        for tid, tid_spans in spans.items():
            fmask = (TITLE if tid_spans[0][0] < barrier else 0) | (
                BODY if tid_spans[-1][0] > barrier else 0
            )
            for rule_index, mask, entry in simple_slots[tid]:
                if fmask & mask:
                    hits = simple.get(rule_index)
                    if hits is None:
                        simple[rule_index] = entry
                    elif isinstance(hits, tuple):
                        simple[rule_index] = [hits, entry]
                    else:
                        hits.append(entry)
            for slot in other_slots[tid]:
                entries = touched.get(slot[0])
                if entries is None:
                    touched[slot[0]] = [(slot, tid, fmask)]
                else:
                    entries.append((slot, tid, fmask))
        return simple, touched

    def _fire_others(
        self,
        text: AdText,
        touched: dict[int, list],
        spans: dict[int, list[tuple[int, int]]],
        language: str | None,
        kind: str | None,
        fired: list[Fired],
    ) -> None:
        """Add to ``fired`` the rules with more than `any` terms that fire: right
        language and kind, every `all` group hit, enough score, no `none` term, near."""
        rules = self._index.rules
        lang = _language(language)
        for rule_index, entries in touched.items():
            crule = rules[rule_index]
            if crule.languages is not None and lang is not None and lang not in crule.languages:
                continue
            if crule.kinds is not None and kind is not None and kind not in crule.kinds:
                continue
            scored = self._rule_score(text, crule, entries, spans)
            if scored is not None:
                fired.append((rule_index, crule, scored[0], scored[1]))

    def _rule_score(
        self,
        text: AdText,
        crule: CompiledRule,
        entries: list,
        spans: dict[int, list[tuple[int, int]]],
    ) -> tuple[float, list[tuple[int, str]]] | None:
        """The score of a rule and the terms that counted, or None when it does not fire."""
        mask = crule.field_mask
        any_terms: list[tuple[int, float]] = []
        groups: dict[int, list[int]] = {}
        counted: list[tuple[int, str]] = []
        all_score = 0.0
        for (_, role, weight, written), tid, fmask in entries:
            if not fmask & mask:
                continue
            if role == NONE_ROLE:
                return None
            if role == ANY_ROLE:
                any_terms.append((tid, weight))
            else:
                groups.setdefault(role, []).append(tid)
                all_score += weight
            counted.append((tid, written))
        if len(groups) < crule.n_groups:
            return None
        any_score = 0.0
        if crule.has_any:
            if not any_terms:
                return None
            if len(any_terms) > 1 and crule.min_score:
                any_terms = _outermost(any_terms, spans, text.barrier, mask)
            any_score = sum(weight for _, weight in any_terms)
            if any_score < crule.min_score:
                return None
        if crule.near is not None and not self._near(text, groups, spans, mask, crule.near):
            return None
        return any_score + all_score, counted

    def _run_regex(
        self, tid: int, text: AdText, found: dict[int, list[int]]
    ) -> list[tuple[int, int]]:
        """Matches of a regex term, one field at a time, like ``finditer`` (no overlaps).
        RE2 runs on the UTF-8 bytes of the text; spans come back in characters."""
        pattern = self._index.term_pattern[tid]
        assert pattern is not None
        utf8 = text.utf8()
        data = utf8.data
        barrier = utf8.to_byte(text.barrier)
        hits: list[tuple[int, int]] = []
        if self._index.term_anchored[tid]:
            # every match starts at a literal the automaton found: try only there
            key_len = self._index.key_len
            starts = sorted(
                end - key_len[kid] + 1 + skip
                for kid, skip in self._index.term_literal_keys[tid]
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
                extra = self._index.term_tokens[tid] - 1
                for start, end in spans[tid][:_MAX_NEAR_OCCURRENCES]:
                    if not _in_fields(start, barrier, mask):
                        continue
                    # word index; the barrier between title and body is not a word
                    first = s.count(" ", 0, start) - (start > barrier)
                    if self._index.term_key[tid] is None:  # a regex: count the words it covers
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
        fired: list[Fired],
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
                if mask == TITLE | BODY:
                    items = [(span, written) for span in spans[tid]]
                    wanted += spans[tid]
                else:
                    items = [
                        (span, written) for span in spans[tid] if _in_fields(span[0], barrier, mask)
                    ]
                    wanted += [span for span, _ in items]
                evidence_of.append(items)
                continue
            found: dict[tuple[int, int], str] = {}
            for tid, written in counted:
                for span in spans[tid]:
                    if span not in found and mask & (TITLE if span[0] < barrier else BODY):
                        found[span] = written
            wanted += found
            evidence_of.append(sorted(found.items()) if len(found) > 1 else list(found.items()))
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


def _fired_simple(simple: dict[int, Fired | list[Fired]]) -> list[Fired]:
    """The entries of the rules with `any` terms only that had a hit: a rule with one term
    hit has its entry ready; with several, their weights add up."""
    fired: list[Fired] = []
    for hits in simple.values():
        if isinstance(hits, tuple):
            fired.append(hits)
        else:
            score = 0.0
            for hit in hits:
                score += hit[2]
            first = hits[0]
            fired.append((first[0], first[1], score, [hit[3][0] for hit in hits]))
    return fired


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


def _in_fields(start: int, barrier: int, mask: int) -> bool:
    return bool(mask & (TITLE if start < barrier else BODY))


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


assert set(SEVERITY_POINTS) == set(SEVERITIES)
