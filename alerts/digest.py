"""E-mail digests: due alerts and their ads -> one ``EmailMessage`` per recipient group.

:func:`build_digest` is a pure function: it takes the alerts (with the ads they are about,
as the ledger stored them) and the thumbnail bytes already fetched, and returns a message
with a plain-text part and an HTML part (templates in ``alerts/templates/``), the HTML with
the thumbnails as inline images (``cid:``). Nothing in it touches the network or the disk.

Ads are written by strangers: every piece of ad content is HTML-escaped by the template
engine (autoescape on), highlighted evidence is escaped by :func:`alerts.matcher.highlight`,
only ``http``/``https`` links become links (``javascript:`` and the rest are shown as
inert text), control characters and text-direction overrides (U+202A-U+202E,
U+2066-U+2069) are removed from both parts, and no ad content goes into a header. Thumbnails
are re-encoded by Pillow (never the bytes as fetched) and blurred unless ``blur_thumbnails``
is off: caseworkers should not have to see the photos unasked.

**Size.** An ad's fields are trimmed in the digest (``FIELD_CHARS`` for a title, a place, a
price; ``SNIPPET_CHARS`` per stretch of evidence; ``NOTE_CHARS``; ``MAX_PHONES``; a link
longer than ``URL_CHARS`` is shown trimmed and not as a link), and :func:`build_digests`
splits a group's digest into several messages, whole ads in each, so that every message
stays under ``DigestOptions.max_bytes`` (``ADWATCH_DIGEST_MAX_BYTES``) on the wire. Only a
message of a single ad can still be larger (with a very small limit): it is sent as it is.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from alerts.ledger import Alert
from alerts.matcher import highlight

__all__ = [
    "WIRE_POLICY",
    "DigestOptions",
    "DigestPart",
    "build_digest",
    "build_digests",
    "context_windows",
    "digest_subject",
    "kibana_discover_url",
    "safe_href",
    "template_environment",
    "thumbnail",
]

SEVERITY_ORDER = ("critical", "high", "medium", "low")
SEVERITY_COLOURS = {"critical": "#8b0000", "high": "#c0392b", "medium": "#d35400", "low": "#7f8c8d"}
#: Characters of ad text shown on each side of a matched term.
CONTEXT_CHARS = 70
#: Stretches of body text shown per rule match.
MAX_SNIPPETS = 4
#: Characters kept of a title, a place, a price, a source or rule name, a matched word.
FIELD_CHARS = 300
#: Characters kept of one stretch of evidence (a long match is cut).
SNIPPET_CHARS = 600
#: Characters kept of an entity alert's explanation.
NOTE_CHARS = 600
#: Phone numbers listed per ad.
MAX_PHONES = 20
#: Longer links are shown trimmed, as text, not as links.
URL_CHARS = 2048
#: Size of a digest on the wire, default of ``ADWATCH_DIGEST_MAX_BYTES``.
MAX_BYTES = 5_000_000
#: How messages are written to the outbox and sent: CRLF line ends; headers folded only past
#: RFC 5322's hard limit (a subject folded at 78 characters comes back from some parsers
#: with a leading space).
WIRE_POLICY = policy.SMTP.clone(max_line_length=998)
# room kept for " [part 12 of 34]" (in the subject and the text) when measuring a part
_PART_LABEL_ROOM = 1024
_DIRECTION = "\u2028\u2029\u202a-\u202e\u2066-\u2069"
_NOT_IN_HREF = re.compile(rf'[\s"<>\\`\x00-\x1f\x7f-\x9f{_DIRECTION}]')
_CONTROL = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_DIRECTION}]")


@dataclass(frozen=True)
class DigestOptions:
    """How digests look: the sender, links to Kibana, thumbnails."""

    mail_from: str = "adwatch@localhost"
    kibana_url: str | None = None
    kibana_data_view: str = "adwatch-ads"
    blur_thumbnails: bool = True
    thumbnail_size: int = 200
    thumbnails_per_ad: int = 1
    max_bytes: int = MAX_BYTES


@dataclass
class _Entry:
    ad: dict[str, Any]
    alerts: list[Alert] = field(default_factory=list)

    @property
    def rank(self) -> tuple[int, float, str]:
        worst = min(SEVERITY_ORDER.index(a.severity) for a in self.alerts)
        return (worst, -(_number(self.ad.get("risk_score")) or 0.0), str(self.ad.get("id") or ""))


def _number(value: Any) -> float | None:
    """A number of an ad (a score), or None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value else None  # NaN is not a score


def safe_href(url: Any) -> str | None:
    """``url`` if it is an absolute http(s) URL that is safe in an ``href``, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if len(url) > URL_CHARS or _NOT_IN_HREF.search(url):
        return None
    return url


def plain(text: Any) -> str:
    """Ad text for the plain-text part: no control characters or direction overrides."""
    return _CONTROL.sub(" ", str(text or "")).replace("\r", "")


def _no_controls(value: Any) -> Any:
    """Every value a template prints, in both parts: control characters and direction
    overrides become spaces (escaped HTML stays escaped HTML)."""
    if isinstance(value, Markup):
        return Markup(_CONTROL.sub(" ", str(value)))
    if isinstance(value, str):
        return _CONTROL.sub(" ", value)
    return value


def trim(text: Any, limit: int = FIELD_CHARS) -> str:
    """``text`` as a string of at most ``limit`` characters and an ellipsis."""
    text = text if isinstance(text, str) else "" if text is None else str(text)
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _rison_string(value: str) -> str:
    return "'" + value.replace("!", "!!").replace("'", "!'") + "'"


def kibana_discover_url(base: str, ad_id: str, data_view: str = "adwatch-ads") -> str:
    """A Kibana Discover link that opens the one ad ``ad_id`` of the ads data view."""
    query = _rison_string('id:"' + ad_id + '"')
    app = (
        f"(dataSource:(dataViewId:{_rison_string(data_view)},type:dataView),"
        f"query:(language:kuery,query:{query}))"
    )
    encoded = quote(app, safe="():,'!*-._~")
    return f"{base.rstrip('/')}/app/discover#/?_g=(time:(from:now-1y,to:now))&_a={encoded}"


def thumbnail(data: bytes, *, blur: bool = True, size: int = 200) -> tuple[bytes, int, int] | None:
    """Photo bytes -> (JPEG bytes, width, height) at most ``size`` pixels on a side,
    blurred unless ``blur`` is False; None when the bytes are not an image Pillow reads."""
    from PIL import Image, ImageFilter, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.width * source.height > 50_000_000:
                return None
            source.draft("RGB", (size * 2, size * 2))
            img = ImageOps.exif_transpose(source).convert("RGB")
            img.thumbnail((size, size))
            if blur:
                img = img.filter(ImageFilter.GaussianBlur(radius=max(6, size // 16)))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=80)
            return out.getvalue(), img.width, img.height
    except Exception:
        return None


def digest_subject(alerts: list[Alert], group: str) -> str:
    """``[adwatch] 3 alerts on 2 ads: 1 critical, 2 high (labour-team)``."""
    ads = {a.ad_id for a in alerts}
    counts = [(s, sum(1 for a in alerts if a.severity == s)) for s in SEVERITY_ORDER]
    severity = ", ".join(f"{n} {s}" for s, n in counts if n)
    n = len(alerts)
    return (
        f"[adwatch] {n} alert{'s' if n != 1 else ''} on {len(ads)} ad{'s' if len(ads) != 1 else ''}"
        f": {severity} ({group})"
    )


def _entries(alerts: list[Alert]) -> list[_Entry]:
    by_ad: dict[str, _Entry] = {}
    for alert in alerts:
        entry = by_ad.setdefault(alert.ad_id, _Entry(ad=dict(alert.ad)))
        if len(alert.ad) > len(entry.ad):  # a rule alert carries the whole ad
            entry.ad = dict(alert.ad)
        entry.alerts.append(alert)
    entries = sorted(by_ad.values(), key=lambda e: e.rank)
    for entry in entries:
        entry.alerts.sort(key=lambda a: (SEVERITY_ORDER.index(a.severity), a.rule))
    return entries


def context_windows(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Stretches of ``text`` around the spans, merged when they touch, cut at spaces."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        lo, hi = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    cut = []
    for lo, hi in out:
        if lo > 0:
            space = text.find(" ", lo)
            lo = space + 1 if 0 <= space < min(s for s, _ in spans if s >= lo) else lo
        if hi < len(text):
            space = text.rfind(" ", 0, hi)
            hi = space if space > max(e for s, e in spans if e <= hi) else hi
        cut.append((lo, hi))
    return cut


def _mark_plain(text: str, spans: Iterable[tuple[int, int]]) -> str:
    out, last = [], 0
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    for s, e in merged:
        out.append(plain(text[last:s]) + "*" + plain(text[s:e]) + "*")
        last = e
    out.append(plain(text[last:]))
    return "".join(out)


def _text_field(ad: Mapping[str, Any], name: str) -> str:
    value = ad.get(name)
    return value if isinstance(value, str) else ""


def _offset(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return -1


def _snippets(ad: Mapping[str, Any], terms: list[Any]) -> dict[str, Any]:
    """The evidence of one rule match: the title, and stretches of the body in context,
    each at most ``SNIPPET_CHARS`` long."""
    texts = {"title": _text_field(ad, "title"), "body": _text_field(ad, "body")}
    spans: dict[str, list[tuple[int, int]]] = {"title": [], "body": []}
    for t in terms:
        if not isinstance(t, Mapping) or t.get("field") not in spans:
            continue
        start, end = _offset(t.get("start", 0)), _offset(t.get("end", 0))
        if 0 <= start < end <= len(texts[t["field"]]):
            spans[t["field"]].append((start, end))
    html, text = [], []
    for name, limit in (("title", 1), ("body", MAX_SNIPPETS)):
        whole = texts[name]
        if not spans[name]:
            continue
        if name == "title" and len(whole) <= SNIPPET_CHARS:
            windows = [(0, len(whole))]
        else:
            windows = context_windows(whole, spans[name])[:limit]
        for lo, hi in windows:
            hi = min(hi, lo + SNIPPET_CHARS)
            inside = [
                (max(s, lo) - lo, min(e, hi) - lo) for s, e in spans[name] if s < hi and e > lo
            ]
            before, after = ("…" if lo > 0 else ""), ("…" if hi < len(whole) else "")
            piece = whole[lo:hi]
            html.append(Markup(before) + Markup(highlight(piece, inside, "html")) + Markup(after))
            text.append(before + _mark_plain(piece, inside).replace("\n", " ") + after)
    words = sorted(
        {
            trim(str(t.get("text") or t.get("term") or "").strip())
            for t in terms
            if isinstance(t, Mapping)
        }
        - {""}
    )
    return {"html": html, "text": text, "words": words}


def _reason(alert: Alert, ad: Mapping[str, Any]) -> dict[str, Any]:
    d = alert.detail
    reason: dict[str, Any] = {
        "rule": trim(alert.rule),
        "name": trim(d.get("name") or alert.rule),
        "severity": alert.severity,
        "colour": SEVERITY_COLOURS.get(alert.severity, "#555"),
        "html": [],
        "text": [],
        "words": [],
        "note": "",
    }
    before = d.get("before") or []
    before = ", ".join(map(str, before)) if isinstance(before, list | tuple) else str(before)
    if alert.kind == "rule":
        terms = d.get("terms") or []
        reason.update(_snippets(ad, list(terms) if isinstance(terms, list | tuple) else []))
    elif alert.rule == "phone-new-city":
        reason["note"] = f"{d.get('phone')} is now in {d.get('city')}; seen before in {before}"
    elif alert.rule == "phone-new-site":
        reason["note"] = f"{d.get('phone')} is now on {d.get('site')}; seen before on {before}"
    elif alert.rule == "phone-many-ads":
        reason["note"] = f"{d.get('phone')} is on {d.get('count')} ads within {d.get('days')} days"
    reason["note"] = trim(reason["note"], NOTE_CHARS)
    return reason


def _price(ad: Mapping[str, Any]) -> str:
    price = ad.get("price")
    if not isinstance(price, int | float) or isinstance(price, bool):
        return trim(price) if isinstance(price, str) else ""
    amount = f"{price:,.2f}".rstrip("0").rstrip(".") if price % 1 else f"{price:,.0f}"
    period = f" / {ad['price_period']}" if ad.get("price_period") else ""
    return trim(f"{amount} {ad.get('currency') or ''}".strip() + period)


def _host(url: Any) -> str:
    try:
        return urlsplit(url).hostname or "" if isinstance(url, str) else ""
    except ValueError:
        return ""


def template_environment(autoescape: bool) -> Environment:
    """The Jinja2 environment of ``alerts/templates/`` (HTML templates with ``autoescape``,
    plain-text ones without it and with the ``plain`` filter). Whatever a template prints
    loses its control characters and direction overrides."""
    env = Environment(
        loader=PackageLoader("alerts", "templates"),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_no_controls,
    )
    env.filters["plain"] = plain
    return env


_HTML = template_environment(autoescape=True)
_TEXT = template_environment(autoescape=False)


@dataclass
class DigestPart:
    """One message of a group's digest: the message, its name and the alerts it carries."""

    message: EmailMessage
    digest_id: str
    alerts: list[Alert]

    def wire_bytes(self) -> bytes:
        """The message as it is stored in the outbox and sent (CRLF line ends)."""
        return self.message.as_bytes(policy=WIRE_POLICY)


def _entry_context(
    n: int, entry: _Entry, digest_id: str, options: DigestOptions, images: Mapping[str, bytes]
) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """What the templates show of one ad (its fields trimmed), and its inline thumbnails."""
    ad = entry.ad
    url = ad.get("url") if isinstance(ad.get("url"), str) else ""
    inline: list[tuple[str, bytes]] = []
    thumbs = []
    image_urls = ad.get("image_urls")
    image_urls = (
        [u for u in image_urls if isinstance(u, str)] if isinstance(image_urls, list) else []
    )
    for k, image_url in enumerate(image_urls[: options.thumbnails_per_ad]):
        data = images.get(image_url)
        small = (
            thumbnail(data, blur=options.blur_thumbnails, size=options.thumbnail_size)
            if data
            else None
        )
        if small:
            cid = f"ad{n}-{k}.{digest_id}@adwatch"
            inline.append((cid, small[0]))
            thumbs.append({"cid": cid, "width": small[1], "height": small[2]})
    ad_id = ad.get("id")
    kibana = (
        kibana_discover_url(options.kibana_url, ad_id, options.kibana_data_view)
        if options.kibana_url and isinstance(ad_id, str) and ad_id
        else None
    )
    phones = [
        trim(p, 40)
        for field_name in ("phones", "whatsapp")
        for value in [ad.get(field_name)]
        if isinstance(value, list)
        for p in value
    ]
    context = {
        "title": trim(ad.get("title") or "(no title)"),
        "source": trim(ad.get("source") or ""),
        "host": trim(_host(url)),
        "date": _text_field(ad, "posted_at")[:10],
        "location": trim(ad.get("location") or ""),
        "price": _price(ad),
        "phones": list(dict.fromkeys(phones))[:MAX_PHONES],
        "url": trim(url, URL_CHARS),
        "href": safe_href(url),
        "kibana_href": safe_href(kibana),
        "risk": _number(ad.get("risk_score")),
        "reasons": [_reason(a, ad) for a in entry.alerts],
        "thumbnails": thumbs,
    }
    return context, inline


def build_digest(
    alerts: list[Alert],
    *,
    group: str,
    addresses: list[str],
    digest_id: str,
    options: DigestOptions | None = None,
    images: Mapping[str, bytes] | None = None,
    now: datetime | None = None,
    message_id: str | None = None,
    part: tuple[int, int] | None = None,
) -> EmailMessage:
    """The digest for one recipient group, as one message whatever its size (see
    :func:`build_digests` for messages under the size limit).

    ``alerts``: the group's due alerts (their ``detail["ad"]`` is the ad); ``images``: photo
    bytes by image URL, for the thumbnails (missing ones are left out); ``digest_id`` names
    the digest (header ``X-Adwatch-Digest``, and the default Message-ID); ``part``: (this
    part, parts) when the digest is one of several, said in the subject. Returns a
    ``multipart/alternative`` message: text/plain, then text/html with the thumbnails as
    related inline parts.
    """
    if not alerts:
        raise ValueError("a digest needs at least one alert")
    options = options or DigestOptions()
    images = images or {}
    now = now or datetime.now(UTC)
    domain = options.mail_from.rsplit("@", 1)[-1].strip("> ") or "adwatch.local"
    message_id = message_id or make_msgid(idstring=digest_id, domain=domain)

    inline: list[tuple[str, bytes]] = []
    entries = []
    for n, entry in enumerate(_entries(alerts)):
        context, thumbs = _entry_context(n, entry, digest_id, options, images)
        entries.append(context)
        inline.extend(thumbs)

    subject = digest_subject(alerts, group)
    if part is not None:
        subject += f" [part {part[0]} of {part[1]}]"
    context = {
        "subject": subject,
        "group": group,
        "entries": entries,
        "alert_count": len(alerts),
        "generated": now.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "blurred": options.blur_thumbnails,
        "has_thumbnails": bool(inline),
        "digest_id": digest_id,
    }
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = options.mail_from
    msg["To"] = ", ".join(addresses)
    msg["Date"] = format_datetime(now.astimezone(UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Adwatch-Digest"] = digest_id
    msg.set_content(_TEXT.get_template("digest.txt.j2").render(context))
    msg.add_alternative(_HTML.get_template("digest.html.j2").render(context), subtype="html")
    html_part = list(msg.iter_parts())[1]
    for cid, data in inline:
        html_part.add_related(data, "image", "jpeg", cid=f"<{cid}>", filename=f"{cid}.jpg")
    return msg


def _halves(ads: list[list[Alert]], fits: Callable[[list[Alert]], bool]) -> list[list[list[Alert]]]:
    """``ads`` (each ad's alerts) cut into runs that ``fits``; a single ad is never cut."""
    if len(ads) <= 1 or fits([a for alerts in ads for a in alerts]):
        return [ads]
    middle = len(ads) // 2
    return _halves(ads[:middle], fits) + _halves(ads[middle:], fits)


def build_digests(
    alerts: list[Alert],
    *,
    group: str,
    addresses: list[str],
    digest_id: str,
    options: DigestOptions | None = None,
    images: Mapping[str, bytes] | None = None,
    now: datetime | None = None,
) -> list[DigestPart]:
    """The digest for one recipient group as messages of at most ``options.max_bytes``
    on the wire: one message when it fits (named ``digest_id``), else several, the ads in
    the same order, each message with whole ads, named ``<digest_id>-<k>of<n>`` and
    "[part k of n]" in its subject. A single ad larger than the limit is one message."""
    options = options or DigestOptions()
    now = now or datetime.now(UTC)

    def build(chunk: list[Alert], name: str, part: tuple[int, int] | None) -> EmailMessage:
        return build_digest(
            chunk,
            group=group,
            addresses=addresses,
            digest_id=name,
            options=options,
            images=images,
            now=now,
            part=part,
        )

    whole = build(alerts, digest_id, None)
    if len(whole.as_bytes(policy=WIRE_POLICY)) <= options.max_bytes:
        return [DigestPart(whole, digest_id, list(alerts))]
    del whole
    room = max(options.max_bytes - _PART_LABEL_ROOM, 0)
    probe = f"{digest_id}-99of99"

    def fits(chunk: list[Alert]) -> bool:
        return len(build(chunk, probe, (99, 99)).as_bytes(policy=WIRE_POLICY)) <= room

    ads = [entry.alerts for entry in _entries(alerts)]
    middle = len(ads) // 2  # the whole did not fit
    runs = _halves(ads[:middle], fits) + _halves(ads[middle:], fits) if middle else [ads]
    total = len(runs)
    parts = []
    for k, run in enumerate(runs, 1):
        chunk = [a for ad_alerts in run for a in ad_alerts]
        name = f"{digest_id}-{k}of{total}" if total > 1 else digest_id
        parts.append(DigestPart(build(chunk, name, (k, total) if total > 1 else None), name, chunk))
    return parts
