"""Ad wording in Spanish, Portuguese and English, composed from :mod:`demosite.templates`.

Slots are filled once per ad so the title and the body agree (same car, same city), and
``[a|b|c]`` alternatives are picked independently each time. An ad
is an opening, two to four details and usually a closing line. Work-abroad offers carry
trafficking indicators (ticket and visa paid, no experience, passport kept, contact only by
WhatsApp), sometimes written with obfuscations such as ``v.i.s.a`` or ``w h a t s a p p``.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from .model import REFERENCE_DATE, Place
from .templates import (
    JOB_CATEGORIES,
    OBFUSCATIONS,
    PACKS,
    REPOST_LINES,
    REPOST_PREFIXES,
)
from .vocab import (
    ABROAD,
    ABROAD_ROLES,
    BENEFITS,
    COLORS,
    COMPANIES,
    CONTRACTS,
    EMAIL_DOMAINS,
    EMPLOYMENT_TYPES,
    FIRST_NAMES,
    FURNITURE,
    GADGET_CONDITION,
    GADGETS,
    JOB_ROLES,
    MONTHS,
    SCHEDULES,
    SERVICES,
    SURNAMES,
    VEHICLES,
    zones_for,
)


@dataclass(frozen=True)
class Composed:
    """The words of one ad before contact details are added."""

    title: str
    paragraphs: list[str]
    suspicious: bool
    employer: str | None
    employment_type: str | None
    person: tuple[str, str]


_ALTERNATIVE = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")


def _choose_alternatives(rng: random.Random, template: str) -> str:
    return _ALTERNATIVE.sub(lambda m: rng.choice(m.group(1).split("|")), template)


def fill(rng: random.Random, template: str, slots: dict[str, str]) -> str:
    """Fill ``{slot}`` fields and pick ``[a|b]`` alternatives; ``{Slot}`` capitalizes."""

    def slot(match: re.Match[str]) -> str:
        name = match.group(1)
        value = slots.get(name)
        if value is None:
            value = slots[name[0].lower() + name[1:]]
            return value[:1].upper() + value[1:]
        return value

    return _SLOT.sub(slot, _choose_alternatives(rng, template))


def ascii_fold(text: str) -> str:
    """Strip accents: "Benítez" -> "Benitez"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(text: str, limit: int = 60) -> str:
    """URL slug: lowercase ASCII words joined by hyphens."""
    words = re.findall(r"[a-z0-9]+", ascii_fold(text).lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or "anuncio"


def _thousands(value: int, language: str) -> str:
    sep = "," if language == "en" else "."
    return f"{value:,}".replace(",", sep)


def _slots(
    rng: random.Random, category: str, language: str, place: Place
) -> tuple[dict[str, str], tuple[str, str]]:
    country = place.country
    first = rng.choice(FIRST_NAMES[language])
    last = rng.choice(SURNAMES[language])
    month_index = (REFERENCE_DATE.month + rng.randint(0, 1)) % 12
    slots: dict[str, str] = {
        "city": place.city,
        "zone": rng.choice(zones_for(place.city, country)),
        "name": first,
        "years": str(rng.randint(2, 15)),
        "day": str(rng.choice((1, 5, 10, 15, 20))),
        "month": MONTHS[language][month_index],
    }
    if category == "vehicle":
        km = rng.randrange(15, 220) * 1000
        if country == "GB":
            mileage = f"{_thousands(int(km * 0.62 // 1000 * 1000), language)} miles"
        else:
            mileage = f"{_thousands(km, language)} km"
        slots.update(
            vehicle=rng.choice(VEHICLES),
            year=str(rng.randint(2008, 2024)),
            mileage=mileage,
            color=rng.choice(COLORS[language]),
        )
    elif category.startswith("housing"):
        slots.update(
            rooms=str(rng.randint(2, 4)),
            m2=str(rng.randrange(35, 360, 5)),
            baths=str(rng.randint(2, 3)),
        )
    elif category == "electronics":
        slots.update(
            item=rng.choice(GADGETS[language]),
            cond=rng.choice(GADGET_CONDITION[language]),
            months=str(rng.randint(2, 18)),
            batt=str(rng.randint(78, 100)),
        )
    elif category == "furniture":
        slots.update(fitem=rng.choice(FURNITURE[language]))
    elif category == "services":
        slots.update(service=rng.choice(SERVICES[language]))
    elif category in ("personal", "domestic"):
        h1 = rng.randint(8, 14)
        slots.update(age=str(rng.randint(24, 52)), h1=str(h1), h2=str(h1 + rng.randint(6, 9)))
    elif category in JOB_CATEGORIES:
        roles, tasks = JOB_ROLES[category][language]
        benefits = BENEFITS.get((language, country)) or BENEFITS[(language, "")]
        slots.update(
            role=rng.choice(roles),
            tasks=rng.choice(tasks),
            company=rng.choice(COMPANIES[category]),
            schedule=rng.choice(SCHEDULES[language]),
            contract=rng.choice(CONTRACTS[language]),
            benefits=benefits,
        )
    elif category == "job_abroad":
        role, roles = rng.choice(ABROAD_ROLES[language])
        amount = rng.choice((2500, 3000, 3500, 4000, 5000))
        money = {
            "es": f"{_thousands(amount, 'es')} [euros|dólares]",
            "pt": f"{_thousands(amount, 'pt')} [euros|dólares]",
            "en": f"[€|$]{_thousands(amount, 'en')}",
        }[language]
        age1 = rng.randint(18, 21)
        slots.update(
            abroad=rng.choice(ABROAD[language]),
            role_abroad=role,
            roles_abroad=roles,
            money=_choose_alternatives(rng, money),
            age1=str(age1),
            age2=str(age1 + rng.randint(7, 12)),
            company=rng.choice(COMPANIES["job_abroad"]),
        )
    return slots, (first, last)


def obfuscate(rng: random.Random, text: str, language: str, count: int) -> str:
    """Disguise up to ``count`` trigger words the way evasive ads do."""
    candidates = [pair for pair in OBFUSCATIONS[language] if pair[0] in text]
    for word, disguised in rng.sample(candidates, min(count, len(candidates))):
        text = text.replace(word, disguised, 1)
    return text


_TAG = re.compile(r"^<(\w+)>")


def _tag(template: str) -> str | None:
    match = _TAG.match(template)
    return match.group(1) if match else None


def _untagged(template: str) -> str:
    return _TAG.sub("", template)


def _matching(templates: tuple[str, ...], tag: str | None) -> list[str]:
    """Templates that fit an ad about ``tag`` (untagged ones fit every ad)."""
    if tag is None:
        return list(templates)
    return [t for t in templates if _tag(t) in (None, tag)]


def compose(rng: random.Random, category: str, language: str, place: Place) -> Composed:
    """Title and paragraphs of a new ad of ``category`` in ``language`` posted in ``place``.

    A template may start with ``<tag>`` (say ``<seek>`` versus ``<hire>``): once the title
    or opening has a tag, only templates with the same tag or none follow, so a "looking
    for work" title never gets a "we are hiring" body.
    """
    pack = PACKS["job" if category in JOB_CATEGORIES else category][language]
    slots, person = _slots(rng, category, language, place)
    title_template = rng.choice(pack.titles)
    tag = _tag(title_template)
    opening_template = rng.choice(_matching(pack.openings, tag))
    tag = tag or _tag(opening_template)
    title = fill(rng, _untagged(title_template), slots)
    opening = fill(rng, _untagged(opening_template), slots)
    suspicious = category == "job_abroad"
    details = _matching(pack.details, tag)
    if suspicious:
        # The s3x line only appears in a minority of these ads.
        sex_line = details.pop()
        picked = rng.sample(details, rng.randint(2, 4))
        if rng.random() < 0.2:
            picked.append(sex_line)
    else:
        picked = rng.sample(details, rng.randint(min(2, len(details)), min(4, len(details))))
    middle = " ".join(fill(rng, _untagged(d), slots) for d in picked)
    paragraphs = [opening, middle]
    if suspicious or rng.random() < 0.75:
        closing = rng.choice(_matching(pack.closings, tag))
        paragraphs.append(fill(rng, _untagged(closing), slots))
    if suspicious and rng.random() < 0.5:
        count = rng.randint(1, 2)
        paragraphs = [obfuscate(rng, p, language, count) for p in paragraphs]
        if rng.random() < 0.4:
            title = obfuscate(rng, title, language, 1)
    employer = slots.get("company") if category.startswith("job") else None
    employment = None
    if category.startswith("job"):
        employment = "TEMPORARY" if category == "job_farm" else rng.choice(EMPLOYMENT_TYPES)
    return Composed(
        title=title,
        paragraphs=paragraphs,
        suspicious=suspicious,
        employer=employer,
        employment_type=employment,
        person=person,
    )


def edit_for_repost(
    rng: random.Random, title: str, paragraphs: list[str], language: str
) -> tuple[str, list[str]]:
    """Lightly edit an ad's words the way a reposter does, keeping the language."""
    if rng.random() < 0.5:
        title = rng.choice(REPOST_PREFIXES[language]) + title
    elif rng.random() < 0.5:
        title = title.upper()
    else:
        title = title.rstrip(".") + rng.choice((" !!", "!", " ***"))
    edited = list(paragraphs)
    if len(edited) > 2 and rng.random() < 0.5:
        edited.pop()
    if rng.random() < 0.6:
        sentences = re.split(r"(?<=\.) ", edited[1]) if len(edited) > 1 else []
        if len(sentences) > 2:
            sentences.pop(rng.randrange(len(sentences)))
            edited[1] = " ".join(sentences)
    if rng.random() < 0.5:
        edited.append(rng.choice(REPOST_LINES[language]))
    if rng.random() < 0.3:
        edited[0] = ascii_fold(edited[0])
    return title, edited


def human_date(rng: random.Random, posted: date, language: str) -> str:
    """How the site writes the posting date: relative ("hace 3 días") or absolute."""
    days = (REFERENCE_DATE - posted).days
    if rng.random() < 0.5 and days <= 30:
        words = {
            "es": ("Publicado hoy", "Publicado ayer", f"Publicado hace {days} días"),
            "pt": ("Publicado hoje", "Publicado ontem", f"Publicado há {days} dias"),
            "en": ("Posted today", "Posted yesterday", f"Posted {days} days ago"),
        }[language]
        return words[min(days, 2)]
    month = MONTHS[language][posted.month - 1]
    if language == "es":
        return f"Publicado el {posted.day} de {month} de {posted.year}"
    if language == "pt":
        return f"Publicado em {posted.day:02d}/{posted.month:02d}/{posted.year}"
    return f"Posted {posted.day} {month} {posted.year}"


def email_for(rng: random.Random, person: tuple[str, str]) -> str:
    """A plausible address on a reserved example domain."""
    first, last = (ascii_fold(p).lower().replace(" ", "") for p in person)
    local = rng.choice(
        (
            f"{first}.{last}",
            f"{first}{last}{rng.randint(1, 99)}",
            f"{first}_{rng.randint(70, 99)}",
            f"{first[0]}{last}",
            f"{last}.{first}{rng.randint(1, 9)}",
        )
    )
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def handle_name(rng: random.Random, person: tuple[str, str]) -> str:
    """A messenger user name derived from a person's name."""
    first, last = (ascii_fold(p).lower().replace(" ", "") for p in person)
    return rng.choice(
        (
            f"{first}_{last}",
            f"{first}{rng.randint(10, 99)}",
            f"{first}.{last[:3]}",
            f"{last}{first[:1]}",
        )
    )
