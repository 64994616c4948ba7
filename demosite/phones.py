"""Mobile numbers valid for each demo country, and the ways ads write them.

``PhoneBook.new`` draws a fresh number that ``phonenumbers.is_valid_number`` accepts for the
country and that no other advertiser in the world uses. ``write_phone`` renders it in one of
the styles a phone normalizer has to decode:

``national``       0981 234 567, (0981) 234-567, 0981-234-567, 0981.234.567
``international``  +595 981 234 567, +595981234567, 00595 981 234 567
``words``          cero nueve ocho uno ... (in the ad's language)
``letters``        O98l 234 S67 (letters standing for 1 to 4 digits)
``spaced``         0 9 8 1 2 3 4 5 6 7
``emoji``          keycap digits 0️⃣9️⃣8️⃣...
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import phonenumbers

from .model import PhoneUse, Place

STYLES: tuple[str, ...] = ("national", "international", "words", "letters", "spaced", "emoji")
STYLE_WEIGHTS: tuple[float, ...] = (0.32, 0.2, 0.12, 0.12, 0.12, 0.12)

COUNTRY_CODES: dict[str, str] = {"PY": "595", "BR": "55", "ES": "34", "GB": "44"}

DIGIT_WORDS: dict[str, tuple[str, ...]] = {
    "es": ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"),
    "pt": ("zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
}

#: Letters that stand in for digits (O->0 l->1 I->1 Z->2 E->3 A->4 S->5 G->6 T->7 B->8 g->9).
LETTER_FOR_DIGIT: dict[str, str] = {
    "0": "O",
    "1": "lI",
    "2": "Z",
    "3": "E",
    "4": "A",
    "5": "S",
    "6": "G",
    "7": "T",
    "8": "B",
    "9": "g",
}

KEYCAP = "\ufe0f\u20e3"

LABELS: dict[str, tuple[str, ...]] = {
    "es": ("Llamar al", "Tel.", "Cel.", "Contacto:", "Consultas al", "Escribir al", "WhatsApp:"),
    "pt": ("Ligue", "Tel.:", "Fone:", "Contato:", "Cel.:", "Chama no WhatsApp:", "WhatsApp:"),
    "en": ("Call", "Tel.", "Phone:", "Mob:", "Text or call", "WhatsApp:"),
}

_PY_PREFIXES = (
    "981",
    "982",
    "983",
    "984",
    "985",
    "986",
    "971",
    "972",
    "973",
    "974",
    "975",
    "976",
    "991",
    "992",
    "993",
    "994",
    "995",
    "961",
    "962",
    "969",
)


@dataclass(frozen=True)
class Number:
    """A phone number: E.164 and the digits a local would dial."""

    e164: str
    national: str
    country: str


def _random_digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _candidate(rng: random.Random, country: str, place: Place | None) -> Number:
    if country == "PY":
        national = "0" + rng.choice(_PY_PREFIXES) + _random_digits(rng, 6)
        e164 = "+595" + national[1:]
    elif country == "BR":
        ddd = place.area_code if place and place.area_code else "11"
        national = ddd + "9" + str(rng.randint(6, 9)) + _random_digits(rng, 7)
        e164 = "+55" + national
    elif country == "ES":
        if rng.random() < 0.1:
            national = "7" + str(rng.randint(1, 4)) + _random_digits(rng, 7)
        else:
            national = "6" + _random_digits(rng, 8)
        e164 = "+34" + national
    elif country == "GB":
        national = "07" + rng.choice("45789") + _random_digits(rng, 8)
        e164 = "+44" + national[1:]
    else:
        raise ValueError(f"no phone plan for country {country!r}")
    return Number(e164=e164, national=national, country=country)


def is_valid(e164: str, country: str) -> bool:
    """True when ``phonenumbers`` accepts the number as valid for ``country``."""
    num = phonenumbers.parse(e164)
    return phonenumbers.is_valid_number(num) and (
        phonenumbers.region_code_for_number(num) == country
    )


class PhoneBook:
    """Hands out unique, valid mobile numbers."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def new(self, rng: random.Random, country: str, place: Place | None = None) -> Number:
        """A number valid for ``country`` (in ``place``'s area code in Brazil), never reused."""
        while True:
            number = _candidate(rng, country, place)
            if number.e164 in self._used:
                continue
            parsed = phonenumbers.PhoneNumber(
                country_code=int(COUNTRY_CODES[country]),
                national_number=int(number.e164[1 + len(COUNTRY_CODES[country]) :]),
            )
            if phonenumbers.is_valid_number(parsed):
                self._used.add(number.e164)
                return number


def _national_variants(number: Number) -> tuple[str, ...]:
    d = number.national
    if number.country == "PY":
        return (
            f"{d[:4]} {d[4:7]} {d[7:]}",
            f"({d[:4]}) {d[4:7]}-{d[7:]}",
            f"{d[:4]}-{d[4:7]}-{d[7:]}",
            f"{d[:4]}.{d[4:7]}.{d[7:]}",
        )
    if number.country == "BR":
        return (
            f"({d[:2]}) {d[2:7]}-{d[7:]}",
            f"{d[:2]} {d[2:7]}-{d[7:]}",
            f"({d[:2]}) {d[2]} {d[3:7]}-{d[7:]}",
            f"{d[:2]} {d[2:7]} {d[7:]}",
        )
    if number.country == "ES":
        return (
            f"{d[:3]} {d[3:6]} {d[6:]}",
            f"{d[:3]}-{d[3:6]}-{d[6:]}",
            f"{d[:3]}.{d[3:6]}.{d[6:]}",
            f"{d[:3]} {d[3:5]} {d[5:7]} {d[7:]}",
        )
    return (
        f"{d[:5]} {d[5:]}",
        f"{d[:5]}-{d[5:8]}-{d[8:]}",
        f"({d[:5]}) {d[5:]}",
        f"{d[:5]}.{d[5:8]}.{d[8:]}",
    )


def _international_variants(number: Number) -> tuple[str, ...]:
    cc = COUNTRY_CODES[number.country]
    n = number.e164[1 + len(cc) :]
    if number.country == "BR":
        grouped = f"{n[:2]} {n[2:7]}-{n[7:]}"
        spaced = f"{n[:2]} {n[2:7]} {n[7:]}"
    elif number.country == "GB":
        grouped = spaced = f"{n[:4]} {n[4:]}"
    else:
        grouped = spaced = f"{n[:3]} {n[3:6]} {n[6:]}"
    return (f"+{cc} {grouped}", f"+{cc}{n}", f"00{cc} {spaced}")


def _letters(rng: random.Random, text: str) -> str:
    positions = [i for i, c in enumerate(text) if c.isdigit()]
    count = rng.randint(1, min(4, len(positions)))
    chars = list(text)
    for i in sorted(rng.sample(positions, count)):
        chars[i] = rng.choice(LETTER_FOR_DIGIT[chars[i]])
    return "".join(chars)


def write_phone(rng: random.Random, number: Number, style: str, language: str) -> str:
    """The number written in ``style``; words are spelled in ``language``."""
    if style == "national":
        return rng.choice(_national_variants(number))
    if style == "international":
        return rng.choice(_international_variants(number))
    if style == "words":
        return " ".join(DIGIT_WORDS[language][int(c)] for c in number.national)
    if style == "letters":
        return _letters(rng, _national_variants(number)[0])
    if style == "spaced":
        return " ".join(number.national)
    if style == "emoji":
        return "".join(c + KEYCAP for c in number.national)
    raise ValueError(f"unknown phone style {style!r}")


def phone_use(
    rng: random.Random, number: Number, language: str, label: str | None = None
) -> PhoneUse:
    """Pick a style and a label for one appearance of ``number`` in an ad."""
    style = rng.choices(STYLES, STYLE_WEIGHTS)[0]
    text = write_phone(rng, number, style, language)
    if label is None:
        label = rng.choice(LABELS[language])
    return PhoneUse(e164=number.e164, style=style, text=text, label=label)
