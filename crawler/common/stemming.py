"""Client-side stemming for search: the same words on the way in and on the way out.

Elasticsearch's language analyzers (``spanish``, ``portuguese``, ``english``) live in its
``analysis-common`` module, which a minimal node (such as the integration-test distribution the
tests run) does not have. So adwatch also stems the ad text itself, with the Snowball stemmers
of PyStemmer, and indexes the stems in ``title_stems`` / ``body_stems`` (whitespace-analyzed).
A query word is stemmed with every supported language's stemmer, since the query's language is
unknown: "trabajos" -> {"trabaj", "trabajo", ...} finds an ad saying "trabajo".

Both sides are folded first: lower case, accents removed ("Contratación" -> "contratacion").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

#: ISO 639-1 code -> Snowball algorithm, for the languages adwatch's sources use.
STEMMERS = {"es": "spanish", "pt": "portuguese", "en": "english"}

_WORD = re.compile(r"\w+", re.UNICODE)
_MARKS = re.compile(r"[\u0300-\u036f]")


def fold(text: str) -> str:
    """Lower case without accents: ``"Ñandutí Contratación"`` -> ``"nanduti contratacion"``."""
    return _MARKS.sub("", unicodedata.normalize("NFKD", text.lower()))


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Stemmer.Stemmer:
    stemmer = Stemmer.Stemmer(STEMMERS[language])
    stemmer.maxCacheSize = 50_000
    return stemmer


# language -> word as written (lower case) -> its stem; each source's vocabulary is small
_STEMS: dict[str | None, dict[str, str]] = {}
_CACHE_LIMIT = 200_000


def stem_text(text: str | None, language: str | None) -> str:
    """The stems of ``text`` in ``language``, space-separated, for the ``*_stems`` fields.

    A language without a stemmer keeps its folded words unstemmed.
    """
    if not text:
        return ""
    key = language if language in STEMMERS else None
    cache = _STEMS.setdefault(key, {})
    found = _WORD.findall(text.lower())
    try:
        return " ".join([cache[w] for w in found])
    except KeyError:
        pass
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    stemmer = _stemmer(key) if key else None
    out = []
    for word in found:
        stem = cache.get(word)
        if stem is None:
            folded = fold(word)
            stem = cache[word] = stemmer.stemWord(folded) if stemmer else folded
        out.append(stem)
    return " ".join(out)


def query_stems(word: str) -> list[str]:
    """Every form a query word may take in the ``*_stems`` fields: folded, and stemmed in each
    supported language (a query has no language of its own)."""
    folded = fold(word)
    forms = [folded]
    for language in STEMMERS:
        stem = _stemmer(language).stemWord(folded)
        if stem not in forms:
            forms.append(stem)
    return forms
