"""E-mail digests: due alerts and their ads -> one ``EmailMessage`` per recipient group.

:func:`build_digest` is a pure function: it takes the alerts (with the ads they are about,
as the ledger stored them) and the thumbnail bytes already fetched, and returns a message
with a plain-text part and an HTML part (templates in ``alerts/templates/``), the HTML with
the thumbnails as inline images (``cid:``). Nothing in it touches the network or the disk.

Ads are written by strangers: every piece of ad content is HTML-escaped by the template
engine (autoescape on), highlighted evidence is escaped by :func:`alerts.matcher.highlight`,
only ``http``/``https`` links become links (``javascript:`` and the rest are shown as
inert text), control characters are removed from the plain text, and no ad content goes
into a header. Thumbnails are re-encoded by Pillow (never the bytes as fetched) and blurred
unless ``blur_thumbnails`` is off: caseworkers should not have to see the photos unasked.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from alerts.ledger import Alert
from alerts.matcher import highlight

__all__ = [
    "DigestOptions",
    "build_digest",
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
_NOT_IN_HREF = re.compile(r'[\s"<>\\`\x00-\x1f\x7f-\x9f]')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class DigestOptions:
    """How digests look: the sender, links to Kibana, thumbnails."""

    mail_from: str = "adwatch@localhost"
    kibana_url: str | None = None
    kibana_data_view: str = "adwatch-ads"
    blur_thumbnails: bool = True
    thumbnail_size: int = 200
    thumbnails_per_ad: int = 1


@dataclass
class _Entry:
    ad: dict[str, Any]
    alerts: list[Alert] = field(default_factory=list)

    @property
    def rank(self) -> tuple[int, float, str]:
        worst = min(SEVERITY_ORDER.index(a.severity) for a in self.alerts)
        return (worst, -float(self.ad.get("risk_score") or 0), self.ad.get("id") or "")


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
    if _NOT_IN_HREF.search(url):
        return None
    return url


def plain(text: Any) -> str:
    """Ad text for the plain-text part: no control characters or direction overrides."""
    return _CONTROL.sub(" ", str(text or "")).replace("\r", "")


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
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > 50_000_000:
                return None
            img.draft("RGB", (size * 2, size * 2))
            img = ImageOps.exif_transpose(img).convert("RGB")
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


def _snippets(ad: Mapping[str, Any], terms: list[dict[str, Any]]) -> dict[str, Any]:
    """The evidence of one rule match: the title, and stretches of the body in context."""
    spans: dict[str, list[tuple[int, int]]] = {"title": [], "body": []}
    for t in terms:
        text = ad.get(t.get("field")) or ""
        start, end = int(t.get("start", 0)), int(t.get("end", 0))
        if t.get("field") in spans and 0 <= start < end <= len(text):
            spans[t["field"]].append((start, end))
    title = ad.get("title") or ""
    body = ad.get("body") or ""
    html, text = [], []
    if spans["title"]:
        html.append(Markup(highlight(title, spans["title"], "html")))
        text.append(_mark_plain(title, spans["title"]))
    windows = context_windows(body, spans["body"]) if spans["body"] else []
    for lo, hi in windows[:MAX_SNIPPETS]:
        inside = [(s - lo, e - lo) for s, e in spans["body"] if lo <= s and e <= hi]
        before, after = ("…" if lo > 0 else ""), ("…" if hi < len(body) else "")
        piece = body[lo:hi]
        html.append(Markup(before) + Markup(highlight(piece, inside, "html")) + Markup(after))
        text.append(before + _mark_plain(piece, inside).replace("\n", " ") + after)
    words = sorted({(t.get("text") or t.get("term") or "").strip() for t in terms} - {""})
    return {"html": html, "text": text, "words": words}


def _reason(alert: Alert, ad: Mapping[str, Any]) -> dict[str, Any]:
    d = alert.detail
    reason: dict[str, Any] = {
        "rule": alert.rule,
        "name": d.get("name") or alert.rule,
        "severity": alert.severity,
        "colour": SEVERITY_COLOURS.get(alert.severity, "#555"),
        "html": [],
        "text": [],
        "words": [],
        "note": "",
    }
    if alert.kind == "rule":
        reason.update(_snippets(ad, list(d.get("terms") or [])))
    elif alert.rule == "phone-new-city":
        reason["note"] = (
            f"{d.get('phone')} is now in {d.get('city')}; seen before in "
            f"{', '.join(d.get('before') or [])}"
        )
    elif alert.rule == "phone-new-site":
        reason["note"] = (
            f"{d.get('phone')} is now on {d.get('site')}; seen before on "
            f"{', '.join(d.get('before') or [])}"
        )
    elif alert.rule == "phone-many-ads":
        reason["note"] = f"{d.get('phone')} is on {d.get('count')} ads within {d.get('days')} days"
    return reason


def _price(ad: Mapping[str, Any]) -> str:
    price = ad.get("price")
    if price is None:
        return ""
    amount = f"{price:,.2f}".rstrip("0").rstrip(".") if price % 1 else f"{price:,.0f}"
    period = f" / {ad['price_period']}" if ad.get("price_period") else ""
    return f"{amount} {ad.get('currency') or ''}".strip() + period


def _host(url: Any) -> str:
    try:
        return urlsplit(url).hostname or "" if isinstance(url, str) else ""
    except ValueError:
        return ""


def template_environment(autoescape: bool) -> Environment:
    """The Jinja2 environment of ``alerts/templates/`` (HTML templates with ``autoescape``,
    plain-text ones without it and with the ``plain`` filter)."""
    env = Environment(
        loader=PackageLoader("alerts", "templates"),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["plain"] = plain
    return env


_HTML = template_environment(autoescape=True)
_TEXT = template_environment(autoescape=False)


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
) -> EmailMessage:
    """The digest for one recipient group.

    ``alerts``: the group's due alerts (their ``detail["ad"]`` is the ad); ``images``: photo
    bytes by image URL, for the thumbnails (missing ones are left out); ``digest_id`` names
    the digest (header ``X-Adwatch-Digest``, and the default Message-ID). Returns a
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
        ad = entry.ad
        url = ad.get("url")
        thumbs = []
        for k, image_url in enumerate((ad.get("image_urls") or [])[: options.thumbnails_per_ad]):
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
        kibana = (
            kibana_discover_url(options.kibana_url, ad["id"], options.kibana_data_view)
            if options.kibana_url and ad.get("id")
            else None
        )
        entries.append(
            {
                "title": ad.get("title") or "(no title)",
                "source": ad.get("source") or "",
                "host": _host(url),
                "date": (ad.get("posted_at") or "")[:10],
                "location": ad.get("location") or "",
                "price": _price(ad),
                "phones": list(
                    dict.fromkeys([*(ad.get("phones") or []), *(ad.get("whatsapp") or [])])
                ),
                "url": url or "",
                "href": safe_href(url),
                "kibana_href": safe_href(kibana),
                "risk": ad.get("risk_score"),
                "reasons": [_reason(a, ad) for a in entry.alerts],
                "thumbnails": thumbs,
            }
        )

    subject = digest_subject(alerts, group)
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
    html_part = msg.get_payload()[1]
    for cid, data in inline:
        html_part.add_related(data, "image", "jpeg", cid=f"<{cid}>", filename=f"{cid}.jpg")
    return msg
