"""Language detection: the ISO 639-1 code of an ad's language.

:func:`detect_language` reads a text with py3langid's model (loaded once, on first use,
and restricted to the languages a source names); :func:`ad_language` weighs what the
text says against the language the page declares.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from crawler.extract.text import as_list, as_text

# Languages a text may be given when the source names none: the model also
# knows Latin, Galician, Aragonese and others that short Spanish or Portuguese
# ads are easily mistaken for.
DEFAULT_LANGUAGES: tuple[str, ...] = tuple(
    "es pt en fr de it nl ca ro pl ru uk tr ar zh ja ko vi th id tl hi ur fa he el hu cs sv no da "
    "fi gn".split()
)
_MODEL_LABELS = {"gn": "gug"}  # the model has Paraguayan Guarani under its ISO 639-3 code
_ISO_639_1 = {label: code for code, label in _MODEL_LABELS.items()}
# Two-letter codes the model knows, plus those mapped from its 3-letter labels.
_KNOWN_CODES = frozenset(
    "af am an ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fo fr fy ga gd gl gu "
    "ha he hi hr ht hu hy id ig is it ja jv ka kk km kn ko ku ky la lb lg ln lo lt lv mg mk ml "
    "mn mr ms mt my ne nl nn no oc om or pa pl ps pt qu ro ru rw sa se si sk sl sn so sq sr st "
    "sv sw ta te tg th tk tl tr tt ug uk ur uz vi vo wa xh yo zh zu gn".split()
)
# Letters a text needs before a language outside DEFAULT_LANGUAGES is believed: short
# Spanish or Portuguese ads are easily taken for Galician, Latin or Occitan.
_RARE_LANGUAGE_LETTERS = 120
_ALIASES = {"nb": "no", "iw": "he", "in": "id", "ji": "yi"}  # old or variant codes
_SURE_LANGUAGE_LETTERS = 40  # letters of text before its language tells where it is from
_ENOUGH_LETTERS = 12  # fewer, and the page's declared language is the better guess
_AD_LANGUAGES = ("es", "pt", "en")  # always candidates for an ad (see ad_language)
_LANGUAGE_SAMPLE = 400  # characters: enough to tell an ad's language, at a bounded cost
_TWO_LETTERS = re.compile(r"[^\W\d_][^\n]*?[^\W\d_]")
_identifier: Any = None
_restricted: dict[tuple[str, ...], Any] = {}
_identifier_lock = threading.Lock()


def detect_language(text: str, hints: list[str] | None = None) -> str | None:
    """ISO 639-1 code of the language of ``text``, or None when it has no words.

    The answer is one of ``hints`` (e.g. a source's ``["es", "gn"]``; region
    tags such as "pt-BR" are accepted) or, without usable hints, any language
    the model knows; a short text (under :data:`_RARE_LANGUAGE_LETTERS` letters)
    is then given one of :data:`DEFAULT_LANGUAGES` unless the model names one of
    them itself. A single hint is returned without reading the text.
    """
    text = as_text(text)
    sample = text[:_LANGUAGE_SAMPLE]
    if not _TWO_LETTERS.search(sample):
        return None
    allowed = _language_set(hints)
    if len(allowed) == 1:
        return next(iter(allowed))
    if not allowed:
        label, _score = _language_model(()).classify(sample)
        code = _ISO_639_1.get(label, label)
        if code in DEFAULT_LANGUAGES or sum(map(str.isalpha, sample)) >= _RARE_LANGUAGE_LETTERS:
            return code
        allowed = DEFAULT_LANGUAGES
    label, _score = _language_model(tuple(sorted(allowed))).classify(sample)
    return _ISO_639_1.get(label, label)


def _language_set(hints: list[str] | None) -> tuple[str, ...]:
    codes: list[str] = []
    for hint in hints or ():
        if isinstance(hint, str):
            code = re.split(r"[-_]", hint.strip().lower(), maxsplit=1)[0]
            code = _ALIASES.get(code, _ISO_639_1.get(code, code))
            if code in _KNOWN_CODES and code not in codes:
                codes.append(code)
    return tuple(codes)


def _language_model(languages: tuple[str, ...]) -> Any:
    """The language identifier restricted to ``languages`` (all it knows for ``()``):
    loaded once, one per set."""
    global _identifier
    model = _restricted.get(languages)
    if model is not None:
        return model
    with _identifier_lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
        full = _identifier
        if not languages:
            _restricted[languages] = full
            return full
        model = type(full)(
            full.nb_ptc, full.nb_pc, full.nb_classes, full.tk_nextmove, full.tk_output,
            tk_row=full.tk_row,
        )  # fmt: skip
        # Fewer classes also make each text cheaper to score.
        model.set_languages([_MODEL_LABELS.get(code, code) for code in languages])
        _restricted[languages] = model
    return model


def language_list(languages: Any) -> list[str] | None:
    """A source's languages as a list of non-blank strings, or None."""
    codes = [code for code in as_list(languages) if isinstance(code, str) and code.strip()]
    return codes or None


def given_language(value: Any) -> str | None:
    """The two-letter code of a declared language ("pt-BR" -> "pt"), or None."""
    code = re.split(r"[-_]", as_text(value).strip().lower(), maxsplit=1)[0]
    return code if len(code) == 2 and code.isalpha() else None


def ad_language(
    title: str, body: str, declared: str | None, languages: list[str] | None
) -> tuple[str | None, bool]:
    """The language of an ad, and whether it is sure enough to tell where the ad is from.

    A page's lang attribute (``declared``) is often the site's default, and ads cross
    borders: the text is read. A source's ``languages`` narrow the choice (with the
    declared one and Spanish, Portuguese and English, which reposted ads bring along);
    without them any language the model knows may come out. The declared one is the
    fallback, and the answer when the text is too short to read.
    """
    candidates = (
        [*languages, *([declared] if declared else []), *_AD_LANGUAGES] if languages else None
    )
    sample = f"{title}\n{body[:_LANGUAGE_SAMPLE]}"
    language = declared
    if not declared or sum(char.isalpha() for char in sample[:80]) >= _ENOUGH_LETTERS:
        language = detect_language(sample, candidates) or declared
    # a language read off a few words is no ground to read a number in its countries
    sure = (
        bool(languages)
        or language == declared
        or sum(map(str.isalpha, sample)) >= _SURE_LANGUAGE_LETTERS
    )
    return language, sure
