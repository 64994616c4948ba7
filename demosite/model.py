"""Typed records for the demo world: places, prices, phones, contacts, images and ads.

Every generated ad is an :class:`AdRecord`. Pages are rendered from these records and
the ground truth is derived from them, so what the server shows and what the truth
says can never drift apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

#: The five demo sites, in the order they appear in the truth.
SITES: tuple[str, ...] = ("classifieds", "anuncios", "jobs", "feed", "app")

#: Country of each site (ISO 3166-1 alpha-2).
SITE_COUNTRY: dict[str, str] = {
    "classifieds": "PY",
    "anuncios": "BR",
    "jobs": "ES",
    "feed": "GB",
    "app": "PY",
}

#: Fixed "today" of the demo world: posted dates are counted back from it.
REFERENCE_DATE = date(2026, 11, 1)

#: What an entry of a site serves: a normal ad, or one of the deliberate faults.
STATUS_OK = "ok"
STATUS_SLOW = "slow"
STATUS_NOT_FOUND = "404"
STATUS_SERVER_ERROR = "500"
STATUS_MALFORMED = "malformed"
STATUS_PRIVATE = "private"


@dataclass(frozen=True)
class Place:
    """A city and its region, in one country."""

    city: str
    region: str
    country: str
    area_code: str = ""

    @property
    def label(self) -> str:
        return f"{self.city}, {self.region}"


@dataclass(frozen=True)
class Price:
    """A price as shown (``text``) and as the truth records it."""

    text: str
    amount: float | None = None
    currency: str | None = None
    period: str | None = None
    amount_max: float | None = None


@dataclass(frozen=True)
class PhoneUse:
    """One phone number written on a page in one of the obfuscation styles."""

    e164: str
    style: str
    text: str
    label: str = ""

    @property
    def shown(self) -> str:
        return f"{self.label} {self.text}" if self.label else self.text


@dataclass(frozen=True)
class Link:
    """An inline link inside a paragraph."""

    href: str
    text: str
    css_class: str = ""


#: A paragraph is a run of plain text pieces and inline links.
Part = str | Link
Paragraph = tuple[Part, ...]


def paragraph_text(paragraph: Paragraph) -> str:
    """Plain text of a paragraph, as a reader sees it."""
    return "".join(p if isinstance(p, str) else p.text for p in paragraph)


@dataclass(frozen=True)
class Handle:
    """A messenger or social handle, e.g. Telegram ``@nombre``."""

    network: str
    name: str

    @property
    def truth(self) -> str:
        return f"{self.network}:@{self.name}"

    @property
    def shown(self) -> str:
        label = {"telegram": "Telegram", "instagram": "Instagram", "signal": "Signal"}
        return f"{label.get(self.network, self.network)}: @{self.name}"


@dataclass
class Contact:
    """How to reach the advertiser: phones where they appear, plus optional channels."""

    contact_phones: list[PhoneUse] = field(default_factory=list)
    body_phones: list[PhoneUse] = field(default_factory=list)
    email: str | None = None
    whatsapp: str | None = None
    handle: Handle | None = None

    @property
    def phones(self) -> list[PhoneUse]:
        return self.contact_phones + self.body_phones


@dataclass(frozen=True)
class ImageSpec:
    """Everything needed to render one image deterministically.

    A base photo has ``base_id == id`` and no variant operations. A repost variant
    points at its base photo and lists the edits applied on top of it.
    """

    id: str
    fmt: str
    base_id: str
    seed: int
    theme: str
    width: int
    height: int
    quality: int = 88
    scale: float = 1.0
    crop: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    brightness: float = 1.0
    base_fmt: str = "jpg"
    base_quality: int = 88

    @property
    def path(self) -> str:
        return f"/img/{self.id}.{self.fmt}"

    @property
    def is_variant(self) -> bool:
        return self.base_id != self.id

    @property
    def content_type(self) -> str:
        return "image/png" if self.fmt == "png" else "image/jpeg"


@dataclass(eq=False)
class AdRecord:
    """One entry of a demo site: an ad, or a listing entry that leads to a fault."""

    site: str
    number: int
    url: str
    kind: str
    category: str
    language: str
    country: str
    title: str
    paragraphs: list[Paragraph]
    price: Price
    place: Place
    posted: date
    contact: Contact
    images: list[ImageSpec]
    date_text: str = ""
    text_paragraphs: list[str] = field(default_factory=list)
    suspicious: bool = False
    employer: str | None = None
    employment_type: str | None = None
    status: str = STATUS_OK
    malformed_kind: str | None = None
    repost_of: AdRecord | None = None

    @property
    def body_text(self) -> str:
        return "\n\n".join(paragraph_text(p) for p in self.paragraphs)

    @property
    def is_real_ad(self) -> bool:
        """True when a polite crawler can and should collect this ad."""
        return self.status in (STATUS_OK, STATUS_SLOW)


#: Absolute URLs in pages are written with this marker; the server puts its own base URL in.
BASE_MARKER = "{{BASE}}"


@dataclass(frozen=True)
class Page:
    """One HTTP response of the demo sites, ready to send."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0
    last_modified: date | None = None
    location: str | None = None

    @property
    def templated(self) -> bool:
        """True when the body holds absolute URLs that need the server's base URL."""
        return BASE_MARKER.encode() in self.body

    def with_base(self, base_url: str) -> Page:
        """A copy with absolute URLs pointing at ``base_url``."""
        if not self.templated:
            return self
        body = self.body.replace(BASE_MARKER.encode(), base_url.rstrip("/").encode())
        return Page(
            body, self.content_type, self.status, self.delay, self.last_modified, self.location
        )

    @property
    def etag(self) -> str:
        return '"' + hashlib.blake2b(self.body, digest_size=10).hexdigest() + '"'
