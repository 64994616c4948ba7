"""Prices and salaries as local sites write them, with the value the truth expects.

``make_price`` draws an amount that suits the category and the country (rent in London costs
more than in Luque), picks the currency a local advertiser would use and writes it the local
way: ``Gs. 1.500.000``, ``₲ 850.000 por mes``, ``US$ 300``, ``R$ 1.500,00/mês``,
``9,50 €/hora``, ``£450 pcm``, or a "price on request" phrase with no amount.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .model import Price

#: Units of currency per US dollar; fixed so the world is deterministic.
USD_RATE: dict[str, float] = {"USD": 1.0, "PYG": 7300.0, "BRL": 5.0, "EUR": 0.92, "GBP": 0.79}

LOCAL_CURRENCY: dict[str, str] = {"PY": "PYG", "BR": "BRL", "ES": "EUR", "GB": "GBP"}

#: How much more labour and housing cost than in Paraguay.
COST_FACTOR: dict[str, float] = {"PY": 1.0, "BR": 1.25, "ES": 2.6, "GB": 3.0}

NO_PRICE: dict[str, tuple[str, ...]] = {
    "es": ("A convenir", "Consultar", "Precio a convenir"),
    "pt": ("A combinar", "Consulte", "Valor a combinar"),
    "en": ("Negotiable", "Price on request", "Contact for price"),
}

PERIOD_SUFFIX: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "hour": (" por hora", " la hora", "/hora"),
        "day": (" por día", " el día", " diario"),
        "week": (" por semana", " semanal"),
        "month": (" por mes", " al mes", " mensual"),
        "year": (" al año", " brutos al año"),
    },
    "pt": {
        "hour": ("/hora", " por hora"),
        "day": (" por dia", " a diária", "/dia"),
        "week": (" por semana", "/semana"),
        "month": ("/mês", " por mês", " mensais"),
        "year": (" por ano", "/ano"),
    },
    "en": {
        "hour": (" per hour", "/hr", " p/h"),
        "day": (" per day", "/day"),
        "week": (" per week", " pw"),
        "month": (" per month", "/month"),
        "year": (" per year", " p.a."),
    },
}


@dataclass(frozen=True)
class PricePlan:
    """Price range of a category in US dollars (before the country's cost factor)."""

    low: float
    high: float
    periods: tuple[str | None, ...] = (None,)
    no_price: float = 0.08
    usd_share: float = 0.0
    scaled: bool = True
    monthly: bool = False


_JOB = PricePlan(330, 650, ("month", "month", "month", "hour", "year"), 0.25, monthly=True)

PLANS: dict[str, PricePlan] = {
    "vehicle": PricePlan(3500, 38000, no_price=0.06, usd_share=0.6, scaled=False),
    "housing_rent": PricePlan(220, 800, ("month",), 0.05, usd_share=0.15),
    "housing_room": PricePlan(80, 240, ("month", "month", "week"), 0.05),
    "housing_sale": PricePlan(25000, 180000, no_price=0.1, usd_share=0.8),
    "electronics": PricePlan(60, 1300, no_price=0.05, scaled=False),
    "furniture": PricePlan(25, 650, no_price=0.06, scaled=False),
    "services": PricePlan(8, 30, ("hour", "hour", "day"), 0.4),
    "personal": PricePlan(25, 70, ("hour",), 0.35),
    "domestic": PricePlan(280, 450, ("month", "month", "day"), 0.35, monthly=True),
    "job_restaurant": _JOB,
    "job_cleaning": _JOB,
    "job_construction": _JOB,
    "job_farm": _JOB,
    "job_care": _JOB,
    "job_hotel": _JOB,
    "job_factory": _JOB,
    "job_abroad": PricePlan(2200, 4500, ("month",), 0.2, scaled=False),
}

_PERIOD_DIVISOR = {"hour": 160.0, "day": 22.0, "week": 4.3, "month": 1.0, "year": 1 / 12}


def nice_round(value: float) -> float:
    """Round the way advertisers do: 1 532 000 -> 1 500 000, 9.37 -> 9.5."""
    if value < 20:
        return max(0.5, round(value * 2) / 2)
    if value < 100:
        return float(round(value))
    step = 10 ** (int(math.log10(value)) - 1)
    return float(round(value / step) * step)


def _group(amount: float, thousands: str, decimal: str, decimals: bool) -> str:
    if decimals:
        whole, frac = f"{amount:.2f}".split(".")
    else:
        whole, frac = f"{int(round(amount))}", ""
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = thousands.join(groups)
    return f"{text}{decimal}{frac}" if frac else text


def format_amount(rng: random.Random, amount: float, currency: str, language: str) -> str:
    """``amount`` in ``currency`` as a local would write it (no period suffix)."""
    cents = amount != int(amount)
    if currency == "PYG":
        number = _group(amount, ".", ",", False)
        return rng.choice((f"Gs. {number}", f"₲ {number}", f"{number} Gs."))
    if currency == "BRL":
        number = _group(amount, ".", ",", cents or rng.random() < 0.4)
        return f"R$ {number}"
    if currency == "GBP":
        return f"£{_group(amount, ',', '.', cents)}"
    if currency == "EUR":
        if language == "en":
            return f"€{_group(amount, ',', '.', cents)}"
        number = _group(amount, ".", ",", cents)
        if language == "pt":
            return rng.choice((f"€ {number}", f"{number} euros"))
        return rng.choice((f"{number} €", f"{number} euros", f"{number} €"))
    if currency == "USD":
        if language == "en":
            return rng.choice((f"${_group(amount, ',', '.', cents)}", f"US$ {amount:,.0f}"))
        number = _group(amount, ".", ",", cents)
        return rng.choice((f"US$ {number}", f"USD {number}", f"U$S {number}"))
    raise ValueError(f"unsupported currency {currency!r}")


def _suffix(rng: random.Random, period: str | None, currency: str, language: str) -> str:
    if period is None:
        return ""
    if language == "en" and currency == "GBP" and period == "month" and rng.random() < 0.6:
        return " pcm"
    return rng.choice(PERIOD_SUFFIX[language][period])


def render_price(
    rng: random.Random,
    amount: float | None,
    currency: str | None,
    period: str | None,
    language: str,
    amount_max: float | None = None,
) -> Price:
    """Build a :class:`Price` whose text matches the given values."""
    if amount is None or currency is None:
        return Price(text=rng.choice(NO_PRICE[language]))
    text = format_amount(rng, amount, currency, language)
    if amount_max is not None:
        text = f"{text} - {format_amount(rng, amount_max, currency, language)}"
    text += _suffix(rng, period, currency, language)
    return Price(text=text, amount=amount, currency=currency, period=period, amount_max=amount_max)


def make_price(
    rng: random.Random,
    category: str,
    country: str,
    language: str,
    allow_range: bool = False,
) -> Price:
    """A plausible price for an ad of ``category`` posted in ``country``."""
    plan = PLANS[category]
    if rng.random() < plan.no_price:
        return Price(text=rng.choice(NO_PRICE[language]))
    period = rng.choice(plan.periods)
    usd = rng.uniform(plan.low, plan.high)
    if plan.scaled:
        usd *= COST_FACTOR[country]
    if plan.monthly and period is not None:
        usd /= _PERIOD_DIVISOR[period]
    elif period == "day":
        usd *= 8
    if category == "job_abroad":
        currency = rng.choice(("EUR", "EUR", "USD"))
    elif country == "PY" and rng.random() < plan.usd_share:
        currency = "USD"
    else:
        currency = LOCAL_CURRENCY[country]
    amount = nice_round(usd * USD_RATE[currency])
    amount_max = None
    if allow_range and rng.random() < 0.3:
        amount_max = nice_round(amount * rng.uniform(1.1, 1.35))
        if amount_max <= amount:
            amount_max = None
    return render_price(rng, amount, currency, period, language, amount_max)


def reprice(rng: random.Random, price: Price, category: str, country: str, language: str) -> Price:
    """The same price as a reposter in ``country`` would write it.

    Dollar and euro amounts of work-abroad offers travel unchanged; local currencies are
    converted to the new country's currency.
    """
    if price.amount is None or price.currency is None:
        return Price(text=rng.choice(NO_PRICE[language]))
    currency = price.currency
    amount, amount_max = price.amount, price.amount_max
    keep = currency == "USD" or (currency == "EUR" and category == "job_abroad")
    if not keep and currency != LOCAL_CURRENCY[country]:
        target = LOCAL_CURRENCY[country]
        factor = USD_RATE[target] / USD_RATE[currency]
        amount = nice_round(amount * factor)
        amount_max = nice_round(amount_max * factor) if amount_max else None
        currency = target
    return render_price(rng, amount, currency, price.period, language, amount_max)
