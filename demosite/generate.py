"""Build the demo world from a seed: ads on five sites, reposts, faults and photos.

Every random choice comes from a generator seeded by ``(seed, purpose, index)``, so the
same seed and size give the same world in any process. Steps:

1. share ``size`` ads out among the sites (classifieds ~47 %, jobs ~24 %, anuncios ~15 %,
   feed ~8 %, app ~6 %) and keep ~8 % of each site's slots for reposts;
2. write the original ads (advertisers sometimes post more than one ad);
3. add listing entries that lead to faults (404, 500, malformed) and robots-disallowed ads;
4. fill the repost slots with edited copies of ads from other sites, with new phones and
   re-encoded photos; mark a few ads as slow;
5. number each site's entries in posting order and give them URLs.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import timedelta

from . import texts
from .images import base_spec, theme_for, variant_spec
from .model import (
    REFERENCE_DATE,
    SITE_COUNTRY,
    SITES,
    STATUS_MALFORMED,
    STATUS_NOT_FOUND,
    STATUS_OK,
    STATUS_PRIVATE,
    STATUS_SERVER_ERROR,
    STATUS_SLOW,
    AdRecord,
    Contact,
    Handle,
    ImageSpec,
    Link,
    Paragraph,
    PhoneUse,
    Place,
    Price,
)
from .phones import Number, PhoneBook, phone_use
from .prices import make_price, reprice
from .templates import JOB_CATEGORIES
from .vocab import FIRST_NAMES, PLACES, SURNAMES
from .world import DemoWorld

#: Share of the ads on each site; classifieds get the rest.
SITE_SHARE: dict[str, float] = {"anuncios": 0.15, "jobs": 0.24, "feed": 0.08, "app": 0.06}
REPOST_SHARE = 0.08
SAME_ADVERTISER = 0.12

#: Language of each site's own interface (dates, labels).
SITE_LANGUAGE: dict[str, str] = {
    "classifieds": "es",
    "anuncios": "pt",
    "jobs": "es",
    "feed": "en",
    "app": "es",
}

LANGUAGE_MIX: dict[str, tuple[tuple[str, float], ...]] = {
    "classifieds": (("es", 0.8), ("pt", 0.1), ("en", 0.1)),
    "anuncios": (("pt", 0.95), ("es", 0.05)),
    "jobs": (("es", 0.7), ("pt", 0.15), ("en", 0.15)),
    "feed": (("en", 0.92), ("es", 0.08)),
    "app": (("es", 0.85), ("pt", 0.1), ("en", 0.05)),
}

_GENERAL = (
    ("vehicle", 12),
    ("housing_rent", 9),
    ("housing_room", 6),
    ("housing_sale", 4),
    ("electronics", 12),
    ("furniture", 8),
    ("services", 9),
    ("personal", 6),
    ("domestic", 6),
    *((c, 3) for c in JOB_CATEGORIES),
    ("job_abroad", 6),
)
CATEGORY_MIX: dict[str, tuple[tuple[str, float], ...]] = {
    "classifieds": _GENERAL,
    "anuncios": _GENERAL,
    "app": _GENERAL,
    "jobs": (*((c, 12) for c in JOB_CATEGORIES), ("job_abroad", 16)),
    "feed": (
        ("vehicle", 10),
        ("housing_rent", 10),
        ("housing_room", 10),
        ("electronics", 10),
        ("furniture", 8),
        ("services", 10),
        ("personal", 8),
        ("domestic", 6),
        *((c, 3) for c in JOB_CATEGORIES),
        ("job_abroad", 7),
    ),
}

#: Where reposts come from, per target site, and the languages that read naturally there.
REPOST_SOURCES: dict[str, tuple[str, ...]] = {
    "classifieds": ("jobs", "anuncios", "feed", "app"),
    "anuncios": ("classifieds", "jobs", "app"),
    "jobs": ("classifieds", "anuncios", "app", "feed"),
    "feed": ("classifieds", "jobs", "anuncios"),
    "app": ("classifieds", "anuncios"),
}
SITE_LANGUAGES: dict[str, tuple[str, ...]] = {
    "classifieds": ("es", "pt", "en"),
    "anuncios": ("pt",),
    "jobs": ("es", "pt", "en"),
    "feed": ("en",),
    "app": ("es", "pt", "en"),
}

EMAIL_SHARE: dict[str, float] = {
    "classifieds": 0.35,
    "anuncios": 0.25,
    "jobs": 0.55,
    "feed": 0.3,
    "app": 0.3,
}

#: First listing number of each site; numbers then grow in posting order.
FIRST_NUMBER: dict[str, int] = {
    "classifieds": 480_000,
    "anuncios": 1_200_000,
    "jobs": 30_000,
    "feed": 9_000,
    "app": 5_000,
}

ALSO_LABELS: dict[str, tuple[str, ...]] = {
    "es": ("También al", "O al", "Otro número:"),
    "pt": ("Ou no", "Outro número:", "Também no"),
    "en": ("Or call", "Alternative number:", "Also on"),
}

CONTACT_WORDS: dict[str, dict[str, str]] = {
    "es": {"email": " o escribir a ", "wa": ". Escribinos por ", "handle": ". También por "},
    "pt": {"email": " ou mande e-mail para ", "wa": ". Chama no ", "handle": ". Também no "},
    "en": {"email": " or email ", "wa": ". Message us on ", "handle": ". Also on "},
}

FEED_LABELS: dict[str, tuple[str, str]] = {
    "es": ("Precio: ", "Ubicación: "),
    "pt": ("Preço: ", "Localização: "),
    "en": ("Price: ", "Location: "),
}

PHOTO_COUNTS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "classifieds": ((1, 2, 3, 4, 5, 6), (10, 20, 25, 20, 15, 10)),
    "anuncios": ((1, 2, 3, 4, 5, 6), (10, 20, 25, 20, 15, 10)),
    "app": ((1, 2, 3, 4, 5, 6), (10, 20, 25, 20, 15, 10)),
    "feed": ((1, 2, 3), (50, 35, 15)),
    "jobs": ((0, 1, 2), (50, 35, 15)),
}


@dataclass
class Advertiser:
    """Who posts an ad: the same person may post several ads on one site."""

    person: tuple[str, str]
    numbers: list[Number]
    email: str | None
    handle: Handle | None
    whatsapp: bool


def _weighted(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*mix, strict=True)
    return rng.choices(names, weights)[0]


def fault_counts(size: int) -> dict[str, int]:
    """How many listing entries of each fault the world holds at ``size``."""
    return {
        STATUS_NOT_FOUND: max(2, round(size / 125)),
        STATUS_SERVER_ERROR: max(1, round(size / 500)),
        STATUS_MALFORMED: max(2, round(size / 125)),
        STATUS_SLOW: max(2, round(size / 250)),
        STATUS_PRIVATE: max(2, round(size / 125)),
    }


def site_counts(size: int) -> dict[str, int]:
    """Number of collectable ads per site; they add up to ``size``."""
    counts = {site: max(1, round(size * share)) for site, share in SITE_SHARE.items()}
    counts = {"classifieds": size - sum(counts.values()), **counts}
    return {site: counts[site] for site in SITES}


def _url(record: AdRecord) -> str:
    n = record.number
    if record.site == "classifieds":
        slug = texts.slugify(record.title)
        folder = (
            "/classifieds/private/ad/" if record.status == STATUS_PRIVATE else "/classifieds/ad/"
        )
        return f"{folder}{slug}-{n}.html"
    if record.site == "anuncios":
        return f"/anuncios/anuncio/{n}"
    if record.site == "jobs":
        return f"/jobs/job/{n}.html"
    if record.site == "feed":
        return f"/feed/item/{n}.html"
    return f"/app/ad/{n}"


def contact_paragraph(
    language: str, main: PhoneUse, second: PhoneUse | None, contact: Contact
) -> Paragraph:
    """The "how to reach us" line that closes ads without a separate contact box."""
    words = CONTACT_WORDS[language]
    parts: list[str | Link] = [main.shown]
    if second is not None:
        parts.append(f" / {second.shown}")
    if contact.email:
        parts += [words["email"], Link(f"mailto:{contact.email}", contact.email)]
    if contact.whatsapp:
        parts += [words["wa"], Link(f"https://wa.me/{contact.whatsapp[1:]}", "WhatsApp", "wa")]
    if contact.handle:
        parts += [words["handle"], contact.handle.shown]
    parts.append(".")
    return tuple(parts)


class WorldBuilder:
    """Accumulates the records of one world; :func:`generate` drives it."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.size = size
        self.phonebook = PhoneBook()
        self.records: dict[str, list[AdRecord]] = {site: [] for site in SITES}
        self.images: dict[str, ImageSpec] = {}
        self.advertisers: dict[str, list[Advertiser]] = {site: [] for site in SITES}
        self._image_count = 0

    def rng(self, *parts: object) -> random.Random:
        """A generator for one purpose; string seeds hash the same in every process."""
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    # ----------------------------------------------------------------- pieces of an ad

    def _image_id(self) -> str:
        self._image_count += 1
        key = f"{self.seed}:img:{self._image_count}".encode()
        return hashlib.blake2b(key, digest_size=6).hexdigest()

    def _photos(self, rng: random.Random, site: str, category: str) -> list[ImageSpec]:
        counts, weights = PHOTO_COUNTS[site]
        photos = []
        for _ in range(rng.choices(counts, weights)[0]):
            fmt = "png" if rng.random() < 0.12 else "jpg"
            spec = base_spec(rng, self._image_id(), theme_for(category), fmt)
            self.images[spec.id] = spec
            photos.append(spec)
        return photos

    def _person(self, rng: random.Random, language: str) -> tuple[str, str]:
        return rng.choice(FIRST_NAMES[language]), rng.choice(SURNAMES[language])

    def _new_advertiser(
        self,
        rng: random.Random,
        site: str,
        place: Place,
        person: tuple[str, str],
        suspicious: bool,
    ) -> Advertiser:
        country = SITE_COUNTRY[site]
        numbers = [self.phonebook.new(rng, country, place)]
        if rng.random() < 0.2:
            numbers.append(self.phonebook.new(rng, country, place))
        email = texts.email_for(rng, person) if rng.random() < EMAIL_SHARE[site] else None
        handle = None
        if rng.random() < (0.4 if suspicious else 0.12):
            network = rng.choice(("telegram", "telegram", "instagram"))
            handle = Handle(network, texts.handle_name(rng, person))
        whatsapp = rng.random() < (0.8 if suspicious else 0.35)
        return Advertiser(person, numbers, email, handle, whatsapp)

    def _advertiser(
        self,
        rng: random.Random,
        site: str,
        place: Place,
        person: tuple[str, str],
        suspicious: bool,
    ) -> Advertiser:
        pool = self.advertisers[site]
        if pool and rng.random() < SAME_ADVERTISER:
            return rng.choice(pool)
        advertiser = self._new_advertiser(rng, site, place, person, suspicious)
        pool.append(advertiser)
        return advertiser

    def _assemble(
        self,
        rng: random.Random,
        site: str,
        *,
        category: str,
        language: str,
        place: Place,
        title: str,
        words: list[str],
        price: Price,
        posted_days: int,
        advertiser: Advertiser,
        photos: list[ImageSpec],
        suspicious: bool,
        employer: str | None,
        employment_type: str | None,
        status: str = STATUS_OK,
    ) -> AdRecord:
        """Lay the ad out the way ``site`` shows it: contact box or contact line, feed labels."""
        main = phone_use(rng, advertiser.numbers[0], language)
        second = None
        if len(advertiser.numbers) > 1:
            label = rng.choice(ALSO_LABELS[language])
            second = phone_use(rng, advertiser.numbers[1], language, label=label)
        contact = Contact(
            email=advertiser.email,
            handle=advertiser.handle,
            whatsapp=advertiser.numbers[0].e164 if advertiser.whatsapp else None,
        )
        paragraphs: list[Paragraph] = [(w,) for w in words]
        if site in ("classifieds", "app"):
            contact.contact_phones.append(main)
            if second is not None and rng.random() < 0.5:
                contact.body_phones.append(second)
                paragraphs.append((f"{second.shown}.",))
            elif second is not None:
                contact.contact_phones.append(second)
        else:
            if site == "feed":
                price_label, place_label = FEED_LABELS[language]
                paragraphs.append((f"{price_label}{price.text}",))
                paragraphs.append((f"{place_label}{place.label}",))
            contact.body_phones.append(main)
            if second is not None:
                contact.body_phones.append(second)
            paragraphs.append(contact_paragraph(language, main, second, contact))
        posted = REFERENCE_DATE - timedelta(days=posted_days)
        return AdRecord(
            site=site,
            number=0,
            url="",
            kind="job" if site == "jobs" else "classified",
            category=category,
            language=language,
            country=SITE_COUNTRY[site],
            title=title,
            paragraphs=paragraphs,
            price=price,
            place=place,
            posted=posted,
            contact=contact,
            images=photos,
            date_text=texts.human_date(rng, posted, SITE_LANGUAGE[site]),
            text_paragraphs=list(words),
            suspicious=suspicious,
            employer=employer,
            employment_type=employment_type,
            status=status,
        )

    # ----------------------------------------------------------------------- whole ads

    def new_ad(self, site: str, *key: object, status: str = STATUS_OK) -> AdRecord:
        """A fresh ad for ``site``; ``key`` names its random stream."""
        rng = self.rng(site, *key)
        language = _weighted(rng, LANGUAGE_MIX[site])
        category = _weighted(rng, CATEGORY_MIX[site])
        place = rng.choice(PLACES[SITE_COUNTRY[site]])
        composed = texts.compose(rng, category, language, place)
        price = make_price(rng, category, place.country, language, allow_range=site == "jobs")
        posted_days = min(90, int(rng.expovariate(1 / 14)))
        advertiser = self._advertiser(rng, site, place, composed.person, composed.suspicious)
        record = self._assemble(
            rng,
            site,
            category=category,
            language=language,
            place=place,
            title=composed.title,
            words=composed.paragraphs,
            price=price,
            posted_days=posted_days,
            advertiser=advertiser,
            photos=self._photos(rng, site, category),
            suspicious=composed.suspicious,
            employer=composed.employer,
            employment_type=composed.employment_type,
            status=status,
        )
        self.records[site].append(record)
        return record

    def repost(self, target: str, original: AdRecord, index: int) -> AdRecord:
        """Copy ``original`` onto ``target`` the way a reposter does: new phone, edited words,
        re-encoded photos, same language."""
        rng = self.rng(target, "repost", index)
        language = original.language
        country = SITE_COUNTRY[target]
        place = rng.choice(PLACES[country])
        title, words = texts.edit_for_repost(
            rng, original.title, original.text_paragraphs, language
        )
        price = reprice(rng, original.price, original.category, country, language)
        person = self._person(rng, language)
        advertiser = self._new_advertiser(rng, target, place, person, original.suspicious)
        if rng.random() < 0.4 and original.contact.email:
            advertiser.email = original.contact.email
        if rng.random() < 0.5:
            advertiser.handle = original.contact.handle
        sources = list(original.images)
        if len(sources) > 2 and rng.random() < 0.3:
            sources.pop()
        if rng.random() < 0.3:
            rng.shuffle(sources)
        photos = []
        for base in sources:
            spec = variant_spec(rng, self._image_id(), self.images[base.base_id])
            self.images[spec.id] = spec
            photos.append(spec)
        original_days = (REFERENCE_DATE - original.posted).days
        employment = original.employment_type
        if target == "jobs" and employment is None:
            employment = "FULL_TIME"
        record = self._assemble(
            rng,
            target,
            category=original.category,
            language=language,
            place=place,
            title=title,
            words=words,
            price=price,
            posted_days=max(0, original_days - rng.randint(1, 12)),
            advertiser=advertiser,
            photos=photos,
            suspicious=original.suspicious,
            employer=original.employer,
            employment_type=employment,
        )
        record.repost_of = original
        self.records[target].append(record)
        return record

    # --------------------------------------------------------------------- the world

    def _repost_candidates(self, target: str, used: set[int]) -> list[AdRecord]:
        found = []
        for source in REPOST_SOURCES[target]:
            for record in self.records[source]:
                if (
                    record.status == STATUS_OK
                    and record.repost_of is None
                    and record.images
                    and id(record) not in used
                    and (target != "jobs" or record.category.startswith("job"))
                ):
                    found.append(record)
        return found

    def _add_reposts(self, slots: dict[str, int]) -> None:
        used: set[int] = set()
        index = 0
        for target in SITES:
            rng = self.rng(target, "repost-pick")
            candidates = self._repost_candidates(target, used)
            natural = [c for c in candidates if c.language in SITE_LANGUAGES[target]]
            for _ in range(slots[target]):
                pool = natural if natural and rng.random() < 0.85 else candidates
                if not pool:
                    # Nothing left to copy: fill the slot with an ordinary ad.
                    self.new_ad(target, "fill", index)
                    index += 1
                    continue
                original = pool[rng.randrange(len(pool))]
                used.add(id(original))
                candidates.remove(original)
                if original in natural:
                    natural.remove(original)
                self.repost(target, original, index)
                index += 1

    def _add_faults(self) -> None:
        counts = fault_counts(self.size)
        cycles = {
            STATUS_NOT_FOUND: ("classifieds", "anuncios", "classifieds", "jobs"),
            STATUS_SERVER_ERROR: ("classifieds", "jobs", "anuncios"),
            STATUS_MALFORMED: ("classifieds", "jobs", "anuncios"),
        }
        for status, sites in cycles.items():
            for k in range(counts[status]):
                record = self.new_ad(sites[k % len(sites)], "fault", status, k, status=status)
                if status == STATUS_MALFORMED:
                    record.malformed_kind = ("truncated", "binary", "empty")[k % 3]
        for k in range(counts[STATUS_PRIVATE]):
            self.new_ad("classifieds", "private", k, status=STATUS_PRIVATE)
        rng = self.rng("slow")
        for k in range(counts[STATUS_SLOW]):
            site = ("classifieds", "jobs")[k % 2]
            choices = [
                r for r in self.records[site] if r.status == STATUS_OK and r.repost_of is None
            ]
            rng.choice(choices).status = STATUS_SLOW

    def _number(self) -> None:
        for site in SITES:
            entries = self.records[site]
            order = sorted(range(len(entries)), key=lambda k: (entries[k].posted, k))
            rng = self.rng(site, "numbers")
            number = FIRST_NUMBER[site]
            for k in order:
                number += rng.randint(1, 7)
                entries[k].number = number
                entries[k].url = _url(entries[k])
            entries.sort(key=lambda r: -r.number)

    def build(self) -> DemoWorld:
        counts = site_counts(self.size)
        slots = {site: math.floor(counts[site] * REPOST_SHARE + 0.5) for site in SITES}
        for site in SITES:
            for i in range(counts[site] - slots[site]):
                self.new_ad(site, "ad", i)
        self._add_faults()
        self._add_reposts(slots)
        self._number()
        return DemoWorld(seed=self.seed, size=self.size, records=self.records, images=self.images)


def generate(seed: int = 1, size: int = 500) -> DemoWorld:
    """Build the demo world for ``seed`` with about ``size`` collectable ads.

    Everything except image pixels is built in memory; the same arguments always give
    byte-identical pages and truth.
    """
    if size < 20:
        raise ValueError("size must be at least 20")
    return WorldBuilder(seed, size).build()
