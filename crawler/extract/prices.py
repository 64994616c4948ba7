"""Prices and pay in ad text: amount, ISO 4217 currency and pay period.

``price-parser`` reads the amount; this module tells it which decimal separator
the source's country uses, maps currency symbols and words to ISO codes, and
reads the pay period ("por hora", "/mês", "per week", ...) in Spanish,
Portuguese and English. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from price_parser import Price

__all__ = [
    "COUNTRY_CURRENCY",
    "CURRENCY_COUNTRY",
    "find_marked_price",
    "find_price",
    "has_currency",
    "parse_price",
    "period_from_unit",
]

PriceInfo = tuple[float | None, str | None, str | None]
_NOTHING: PriceInfo = (None, None, None)

COUNTRY_CURRENCY: dict[str, str] = {
    # the Americas
    "PY": "PYG", "BR": "BRL", "AR": "ARS", "UY": "UYU", "BO": "BOB", "CL": "CLP", "CO": "COP",
    "PE": "PEN", "EC": "USD", "VE": "VES", "MX": "MXN", "GT": "GTQ", "HN": "HNL", "SV": "USD",
    "NI": "NIO", "CR": "CRC", "PA": "USD", "DO": "DOP", "CU": "CUP", "PR": "USD", "US": "USD",
    "CA": "CAD", "JM": "JMD", "TT": "TTD", "HT": "HTG",
    # Europe
    "GB": "GBP", "UK": "GBP", "IE": "EUR", "ES": "EUR", "PT": "EUR", "FR": "EUR", "DE": "EUR",
    "IT": "EUR", "NL": "EUR", "BE": "EUR", "AT": "EUR", "GR": "EUR", "FI": "EUR", "LU": "EUR",
    "SK": "EUR", "SI": "EUR", "EE": "EUR", "LV": "EUR", "LT": "EUR", "CY": "EUR", "MT": "EUR",
    "HR": "EUR", "CH": "CHF", "NO": "NOK", "SE": "SEK", "DK": "DKK", "IS": "ISK", "PL": "PLN",
    "CZ": "CZK", "HU": "HUF", "RO": "RON", "BG": "BGN", "RS": "RSD", "MD": "MDL", "UA": "UAH",
    "BY": "BYN", "RU": "RUB", "TR": "TRY", "AL": "ALL", "MK": "MKD", "BA": "BAM", "GE": "GEL",
    # elsewhere
    "ZA": "ZAR", "NG": "NGN", "KE": "KES", "GH": "GHS", "EG": "EGP", "MA": "MAD", "TN": "TND",
    "AE": "AED", "SA": "SAR", "QA": "QAR", "IL": "ILS", "IN": "INR", "PK": "PKR", "BD": "BDT",
    "NP": "NPR", "LK": "LKR", "CN": "CNY", "HK": "HKD", "TW": "TWD", "JP": "JPY", "KR": "KRW",
    "TH": "THB", "VN": "VND", "KH": "KHR", "MY": "MYR", "SG": "SGD", "ID": "IDR", "PH": "PHP",
    "AU": "AUD", "NZ": "NZD", "KZ": "KZT", "UZ": "UZS",
}  # fmt: skip
#: The country of a currency only one of those countries uses (not EUR, USD).
CURRENCY_COUNTRY: dict[str, str] = {
    code: country
    for country, code in COUNTRY_CURRENCY.items()
    if country != "UK" and code not in ("EUR", "USD")
}
# Countries whose own currency is written with a bare "$".
_DOLLAR_SIGN_COUNTRIES = {
    "AR", "MX", "CO", "CL", "UY", "US", "CA", "EC", "SV", "PA", "PR", "DO", "CU", "AU", "NZ",
    "HK", "SG", "TW", "JM", "TT",
}  # fmt: skip
# Countries that write 1.234,56; the rest of those we know write 1,234.56.
_DECIMAL_COMMA = {
    "PY", "BR", "AR", "UY", "BO", "CL", "CO", "PE", "EC", "VE",
    "ES", "PT", "FR", "DE", "IT", "NL", "BE", "AT", "GR", "FI", "LU", "SK", "SI", "EE", "LV",
    "LT", "HR", "NO", "SE", "DK", "IS", "PL", "CZ", "HU", "RO", "BG", "RS", "UA", "BY", "RU",
    "TR", "ZA", "ID", "VN", "KZ",
}  # fmt: skip
_DECIMAL_POINT = {
    "GB", "UK", "US", "CA", "IE", "MX", "GT", "HN", "DO", "NI", "SV", "PA", "PR", "CH", "IN",
    "CN", "HK", "JP", "KR", "TH", "MY", "SG", "PH", "AU", "NZ", "IL", "AE", "SA", "NG", "KE",
}  # fmt: skip
# ISO 4217 codes read when written in capitals ("PLN 1 200", "1.500 CZK"): lower-case, many
# of them are ordinary words ("all", "pen", "top").
_ISO_CODES = frozenset(
    set(COUNTRY_CURRENCY.values()) - {"ALL", "CUP", "MAD", "BAM", "GEL"} | {"EUR", "USD"}
)  # less the codes that are also English words written in capitals ("ALL INCLUSIVE")

# Earliest match wins; at one position the longer symbol is tried first.
_CURRENCY = re.compile(
    r"(?P<USD>u\$s|us\$|u\$d|\busd\b|\bd[oó]lar(?:es)?\b|\bdollars?\b)"
    r"|(?P<BRL>r\$|\bbrl\b|\breais\b)"
    r"|(?P<PYG>₲|\bgs\b\.?|\bpyg\b|\bguaran[ií]e?s?\b)"
    r"|(?P<EUR>€|\beur\b|\beuros?\b)"
    r"|(?P<GBP>£|\bgbp\b|\bpounds?\b)"
    r"|(?P<PLN>\bz[łl]\b|\bz[łl]otych\b|\bpln\b)"
    r"|(?P<CZK>\bk[čc]\b|\bczk\b)"
    r"|(?P<UAH>₴|\bгрн\b\.?|\bгривен\w*|\buah\b)"
    r"|(?P<RUB>₽|\bруб\b\.?|\bрубл\w*)"
    r"|(?P<INR>₹|\brs\.)"
    r"|(?P<TRY>₺)|(?P<ILS>₪)|(?P<KRW>₩)|(?P<NGN>₦)|(?P<PHP>₱)|(?P<VND>₫)|(?P<THB>฿)"
    r"|(?P<GHS>₵)|(?P<KZT>₸)|(?P<GEL>₾)"
    r"|(?P<PREFIXED>\b(?:rd|ca|c|au|a|nz|hk|s|mx|col|nt)\$)"
    r"|(?P<YEN>¥|\byen\b)"
    r"|(?P<KRONE>\bkr\b\.?|\b,-\s*kr)"
    r"|(?P<CHF>\bchf\b)"
    r"|(?P<RON>\blei\b)"
    r"|(?P<PEN>\bs/\.?)"
    r"|(?P<ISO>\b(?:ars|mxn|clp|cop|uyu|bob|pen|ves|cad|gtq|hnl|dop)\b)"
    r"|(?P<CODE>(?-i:\b[A-Z]{3}\b))"
    r"|(?P<ZAR>(?-i:\bR)(?=\s?\d))"
    r"|(?P<MXN>(?-i:\bM\.?N\.?)(?=\s*\$?\s?\d))"
    r"|(?P<DOLLAR>\$)",
    re.IGNORECASE,
)
_KRONE = {"NO": "NOK", "SE": "SEK", "DK": "DKK", "IS": "ISK"}
# dollars and pesos written with their country's letters before the "$"
_PREFIXED_DOLLARS = {
    "rd$": "DOP", "ca$": "CAD", "c$": "CAD", "au$": "AUD", "a$": "AUD", "nz$": "NZD",
    "hk$": "HKD", "s$": "SGD", "mx$": "MXN", "col$": "COP", "nt$": "TWD",
}  # fmt: skip
_YEN = {"CN": "CNY"}

_PERIODS: tuple[tuple[str, str], ...] = (
    (
        "hour",
        r"por\s+hora|/\s*hora|/\s*hrs?\b|/\s*h\b|\bper\s+hour|\ban\s+hour|\bhourly|\bp/h\b|"
        r"\bph\b|\bla\s+hora|\bx\s+hora|/\s*hour|\bpor\s+hr",
    ),
    (
        "day",
        r"por\s+d[ií]a|/\s*d[ií]a|\bdiari[oa]s?\b|\bdi[aá]ria|\bper\s+day|\ba\s+day\b|\bdaily|"
        r"/\s*day|\b(?:al|el)\s+d[ií]a|\bpor\s+jornada|\bp/d\b",
    ),
    (
        "week",
        r"\bsemanal(?:es|mente)?\b|\bsemanais\b|por\s+semana|/\s*semana|\bper\s+week|"
        r"\ba\s+week|\bweekly|/\s*w(?:ee)?k\b|\bp/w\b|\bpw\b|\bna\s+semana|\ba\s+la\s+semana",
    ),
    (
        "month",
        r"por\s+m[eê]s\b|/\s*m[eê]s\b|\bmensual(?:es)?\b|\bmensais\b|\bmensal\b|\bao\s+m[eê]s\b|"
        r"\bal\s+mes\b|\bper\s+month|\ba\s+month|\bmonthly|\bpcm\b|/\s*month|/\s*mo\b|"
        r"\bp/m\b|\bx\s+mes\b",
    ),
    (
        "year",
        r"\banual(?:es)?\b|\banuais\b|por\s+a[ñn]o\b|/\s*a[ñn]o\b|\bal\s+a[ñn]o\b|\bao\s+ano\b|"
        r"\bper\s+(?:year|annum)|\ba\s+year|\byearly|\bannual(?:ly)?\b|\bp\.a\.|/\s*y(?:ea)?r\b",
    ),
)
_PERIOD = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _PERIODS), re.IGNORECASE)

_FREE = re.compile(r"\b(?:gr[aá]tis|gratuit[oa]s?|free|de\s+gra[çc]a|sin\s+costo)\b", re.I)
_MULTIPLIER = re.compile(
    r"\s*(?P<k>k\b|mil\b)|\s*(?P<m>mill(?:ón|on|ones|ions?)\b|milh(?:ão|ao|ões|oes)\b|mi\b)",
    re.IGNORECASE,
)
_PRICE_LABEL = re.compile(
    r"\b(?:precio|preço|preco|valor|sueldo|salario|salário|remuneraci[oó]n|remuneração|"
    r"price|salary|wages?|pay|rate|tarifa)\b\s*:?\s*(?=[^\d\n]{0,12}\d)",
    re.IGNORECASE,
)
_PRICE_LABEL_HINTS = (
    "preci", "preç", "preco", "valor", "sueldo", "salar", "salár", "price", "remunera", "wage",
    "pay", "rate", "tarifa",
)  # fmt: skip
_SNIPPET_REACH = 40


def parse_price(text: str | None, country: str | None) -> PriceInfo:
    """``(amount, currency, period)`` from a price text such as "Gs. 1.500.000 por mes".

    ``country`` (ISO2) picks the decimal separator, the meaning of a bare "$"
    and the currency of an amount written without one. ``period`` is one of
    "hour", "day", "week", "month", "year" or None. Thousands separators are
    told from decimal marks by their place ("749.000 €", "R$ 65.999",
    "1 500 000 zł", "£1,250.50") and, when one mark alone cannot tell, by the
    country. Of a range ("R$ 2.000 a R$ 3.000", "$50k–$70k") the lower end
    is the amount.

    "A convenir", "a combinar", "negotiable" and other texts without an amount
    give ``(None, None, None)``. "Gratis"/"grátis"/"free" without an amount
    gives ``(0.0, None, period)``: an offer of free work, travel or lodging is
    itself a signal, and 0.0 keeps it apart from "no price given".
    """
    if not text or not isinstance(text, str):
        return _NOTHING
    text = text.strip()
    country = (country or "").strip().upper() or None
    period = _period(text)
    currency_match = _find_currency(text)
    amount = _amount(text, country, currency_match)
    if amount is None:
        if _FREE.search(text) and not any(ch.isdigit() for ch in text):
            return 0.0, None, period
        return _NOTHING
    return amount, _currency(currency_match, country), period


def has_currency(text: str | None) -> bool:
    """True when ``text`` names its currency (a symbol, word or ISO code)."""
    return isinstance(text, str) and _find_currency(text) is not None


def find_price(text: str | None, country: str | None) -> PriceInfo:
    """The price an ad body states after a label, as :func:`parse_price` reads it.

    Only an amount shortly after "Precio:", "Preço:", "Price:", "Sueldo:",
    "Salary:" and the like counts: amounts in running text ("earn up to $3,000")
    are promises, not the ad's price, and phone numbers or years are never read.
    """
    if not text or not isinstance(text, str):
        return _NOTHING
    lower = text.lower()
    if not any(word in lower for word in _PRICE_LABEL_HINTS):
        return _NOTHING
    for label in _PRICE_LABEL.finditer(text):
        snippet = text[label.end() : label.end() + _SNIPPET_REACH].split("\n", 1)[0]
        result = parse_price(snippet, country)
        if result[0] is not None:
            return result
    return _NOTHING


def find_marked_price(text: str | None, country: str | None) -> PriceInfo:
    """The first amount in ``text`` written with its currency ("- $480 (city)",
    "por R$ 279.000,00", "570000 €"), as :func:`parse_price` reads it; a bare
    number (a year, a size, an id) is never taken. Meant for a title."""
    if not text or not isinstance(text, str):
        return _NOTHING
    for match in _currency_matches(text):
        number = _number_next_to(text, match)
        if number is not None:
            start = min(match.start(), number.start())
            end = max(match.end(), number.end())
            return parse_price(text[start : end + _SNIPPET_REACH].split("\n", 1)[0], country)
    return _NOTHING


def period_from_unit(unit: str | None) -> str | None:
    """Pay period from a schema.org ``unitText`` (HOUR, DAY, WEEK, MONTH, YEAR)."""
    if not unit or not isinstance(unit, str):
        return None
    unit = unit.strip().lower()
    for name in ("hour", "day", "week", "month", "year"):
        if unit.startswith(name):
            return name
    return _period(unit)


def _period(text: str) -> str | None:
    match = _PERIOD.search(text)
    return match.lastgroup if match else None


def _currency_matches(text: str) -> Iterator[re.Match[str]]:
    for match in _CURRENCY.finditer(text):
        if match.lastgroup == "CODE" and match.group(0) not in _ISO_CODES:
            continue
        yield match


def _find_currency(text: str) -> re.Match[str] | None:
    return next(_currency_matches(text), None)


def _currency(match: re.Match[str] | None, country: str | None) -> str | None:
    if match is None:
        return COUNTRY_CURRENCY.get(country or "")
    kind = match.lastgroup
    if kind in ("ISO", "CODE"):
        return match.group(0).upper()
    if kind == "DOLLAR":
        if country in _DOLLAR_SIGN_COUNTRIES:
            return COUNTRY_CURRENCY[country]
        return "USD"
    if kind == "KRONE":
        return _KRONE.get(country or "")
    if kind == "PREFIXED":
        return _PREFIXED_DOLLARS[match.group(0).lower()]
    if kind == "YEN":
        return _YEN.get(country or "", "JPY")
    return kind


# An amount: digit groups of three after a thousands mark (".", ",", an apostrophe or one
# space of any width), then decimals; or a plain run of digits with decimals.
_NUMBER = re.compile(
    r"\d{1,3}(?:(?:[.,'’]|[ \u00a0\u202f\u2009](?=\d{3}(?!\d)))\d{3}(?!\d))+"
    r"(?:[.,]\d{1,2}(?!\d))?"
    r"|\d+(?:[.,]\d+)?"
)
_DIGIT_RUN = re.compile(r"\d[\d.,\s]*\d|\d")  # as far as digits go, for phone numbers
_THOUSANDS_BY_SPACES = re.compile(r"[1-9]\d{0,2}(?: \d{3})+ 000")
_NEAR = 3  # characters between a currency sign and its amount


def _number_next_to(text: str, currency: re.Match[str]) -> re.Match[str] | None:
    """The amount right after the currency sign, else the one right before it."""
    after = _NUMBER.search(text, currency.end(), currency.end() + _NEAR + 40)
    if after and not text[currency.end() : after.start()].strip(" \u00a0:"):
        return after
    before = None
    for number in _NUMBER.finditer(text, max(currency.start() - 40, 0), currency.start()):
        before = number
    if before and not text[before.end() : currency.start()].strip(" \u00a0"):
        return before
    if after and after.start() - currency.end() <= _NEAR:
        return after
    return None


def _amount(text: str, country: str | None, currency: re.Match[str] | None) -> float | None:
    number = _number_next_to(text, currency) if currency else None
    if number is None:
        number = _NUMBER.search(text)
    if number is None:
        return None
    token = number.group(0).strip()
    if currency is None:
        run = _DIGIT_RUN.match(text, number.start())
        if run and _looks_like_phone(run.group(0).strip()):
            return None
    separator = _decimal_separator(token, country)
    try:
        price = Price.fromstring(token, decimal_separator=separator)
    except (ValueError, InvalidOperation, ArithmeticError):
        return None
    if price.amount is None:
        return None
    amount = price.amount * _multiplier(text, number.end())
    try:
        value = float(amount)
    except (OverflowError, ValueError):
        return None
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        return None
    return value


def _multiplier(text: str, pos: int) -> Decimal:
    match = _MULTIPLIER.match(text, pos)
    if match is None:
        return Decimal(1)
    return Decimal(1000) if match.group("k") else Decimal(1_000_000)


def _decimal_separator(token: str, country: str | None) -> str | None:
    """Which of "." and "," is the decimal mark in ``token`` ("1.500.000", "2.500,00")."""
    dots, commas = token.count("."), token.count(",")
    if dots and commas:
        return "." if token.rfind(".") > token.rfind(",") else ","
    for mark, other in ((".", ","), (",", ".")):
        count = token.count(mark)
        if count > 1:
            return other  # repeated: a thousands separator
        if count == 1:
            # "12.50", "2,5": a decimal mark. "1.200", "1,200": thousands, whatever the
            # country (no currency in these ads has three decimals).
            decimals = len(token) - token.rfind(mark) - 1
            return other if decimals == 3 else mark
    if country in _DECIMAL_COMMA:
        return ","
    if country in _DECIMAL_POINT:
        return "."
    return None


def _looks_like_phone(token: str) -> bool:
    digits = sum(ch.isdigit() for ch in token)
    if digits >= 12:
        return True
    if digits >= 7 and token.startswith("0") and token[1:2].isdigit():
        return True
    if _THOUSANDS_BY_SPACES.fullmatch(token):
        return False  # "1 500 000": thousands, as much of Europe writes them
    # "981 234 567": groups split by spaces rather than by a thousands mark
    return digits >= 7 and " " in token and "." not in token and "," not in token
