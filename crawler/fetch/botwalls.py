"""Bot walls: pages a site shows instead of the page asked for.

:class:`BotWallMiddleware` (downloader, ``ADWATCH_BOTWALL``) looks at every page response
that is left after redirects and retries:

- a 403, 429 or 503 status is a wall (reason ``http_<status>``);
- a page whose markers match :data:`WALL_MARKERS` is a wall (reason: the marker's, e.g.
  ``captcha``, ``cloudflare``, ``datadome``).

A wall is not parsed as an ad: the request is dropped (``IgnoreRequest``) and counted under
``adwatch/blocked/<reason>``; the run summary reports the counts per source. Responses to
requests made by Scrapy's components (robots.txt, photos: ``callback=NO_CALLBACK``) are left
to them.

Markers are structural (a title, a vendor's script, a challenge form's id), never a word in
the text: an ad may well say "captcha". Widgets (reCAPTCHA, hCaptcha, Turnstile) and captcha
forms also guard ordinary contact forms, so they mark a wall only on a page with little text
besides (``ADWATCH_BOTWALL_MAX_TEXT`` characters).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from parsel import Selector
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.http.request import NO_CALLBACK

logger = logging.getLogger(__name__)

STAT_PREFIX = "adwatch/blocked/"
WALL_STATUSES = frozenset({403, 429, 503})


@dataclass(frozen=True)
class WallMarker:
    """One sign of a bot wall.

    ``pattern`` is a regular expression matched against the lower-cased page title
    (``in_title``, from its start) or searched in the lower-cased page, which must contain
    ``needle`` first (a plain-text check that keeps pages without it cheap).
    ``alone``: the marker proves a wall by itself; otherwise the page must also have little
    text (widgets that guard ordinary forms too).
    """

    reason: str
    pattern: str
    needle: str = ""
    alone: bool = True
    in_title: bool = False


def _title(reason: str, pattern: str) -> WallMarker:
    return WallMarker(reason, pattern + r"\s*$", in_title=True)


_SRC = r"<(?:script|iframe)[^>]+src=[\"'][^\"']*"
_ATTR = r"(?:id|class)=[\"'](?:[^\"']*\s)?"

#: The walls adwatch recognises, as data (see :class:`WallMarker`). Page markers are looked
#: for in the first ``ADWATCH_BOTWALL_SCAN_BYTES`` of the page: walls are small pages.
WALL_MARKERS: tuple[WallMarker, ...] = (
    # Cloudflare: the JS challenge ("Just a moment...") and the block page
    _title("cloudflare", r"just a moment\.\.\."),
    _title("cloudflare", r"attention required! \| cloudflare"),
    WallMarker("cloudflare", r"/cdn-cgi/challenge-platform/", "challenge"),
    WallMarker("cloudflare", r"<form[^>]+id=[\"']challenge-form[\"']", "challenge"),
    WallMarker("cloudflare", r"window\._cf_chl_opt\b", "_cf_chl_opt"),
    # PerimeterX / HUMAN
    _title("perimeterx", r"access to this page has been denied\.?"),
    WallMarker("perimeterx", r"<div[^>]+id=[\"']px-captcha[\"']", "captcha"),
    WallMarker("perimeterx", _SRC + r"captcha\.px-cdn\.net", "captcha"),
    # DataDome
    WallMarker("datadome", _SRC + r"(?:geo\.)?captcha-delivery\.com", "captcha"),
    # Distil Networks, Imperva Incapsula
    _title("distil", r"pardon our interruption\.?"),
    WallMarker("distil", r"distil_r_(?:captcha|blocked)", "distil_r_"),
    WallMarker("incapsula", _SRC + r"/_incapsula_resource\b", "_incapsula_resource"),
    # Akamai: "Access Denied" and a reference number
    WallMarker("akamai", r"<title>access denied</title>[\s\S]{0,2000}?reference #", "reference #"),
    # challenge pages of any make: the title says it all
    _title(
        "captcha",
        r"(?:captcha|security check|robot check|are you a (?:human|robot)\??"
        r"|(?:please )?verify(?:ing)? (?:that )?you are (?:a )?human|human verification"
        r"|one more step)",
    ),
    # widgets and captcha forms: a wall only on a page with little text besides
    WallMarker("captcha", r"<form[^>]+" + _ATTR + r"captcha(?:[-_]form)?[\"'\s]", "captcha", False),
    WallMarker("captcha", _SRC + r"(?:google\.com|recaptcha\.net)/recaptcha/", "captcha", False),
    WallMarker("captcha", r"<div[^>]+" + _ATTR + r"[gh]-recaptcha[\"'\s]", "captcha", False),
    WallMarker("captcha", _SRC + r"hcaptcha\.com/", "captcha", False),
    WallMarker("captcha", r"<div[^>]+" + _ATTR + r"h-captcha[\"'\s]", "captcha", False),
    WallMarker("captcha", _SRC + r"challenges\.cloudflare\.com/turnstile", "challenge", False),
    WallMarker("captcha", r"<div[^>]+" + _ATTR + r"cf-turnstile[\"'\s]", "turnstile", False),
)

_COMPILED = tuple((m, m.needle.encode(), re.compile(m.pattern.encode())) for m in WALL_MARKERS)
_TITLE = re.compile(rb"<title[^>]*>([^<]{0,300})</title")


def visible_text_length(body: bytes, encoding: str) -> int:
    """Characters of text a reader sees (scripts, styles and whitespace left out)."""
    sel = Selector(text=body.decode(encoding, errors="replace"))
    texts = sel.xpath("//body//text()[not(ancestor::script or ancestor::style)]").getall()
    return sum(len("".join(t.split())) for t in texts)


def wall_reason(
    status: int, body: bytes, encoding: str = "utf-8", max_text: int = 1500
) -> str | None:
    """Why a response is a bot wall (``http_403``, ``captcha``, ``cloudflare``...), or None.

    ``body`` is the start of the page; widget markers count only when the page has at most
    ``max_text`` characters of visible text.
    """
    if status in WALL_STATUSES:
        return f"http_{status}"
    page = body.lower()
    found = _TITLE.search(page)
    title = b" ".join(found.group(1).split()) if found else b""
    present: dict[bytes, bool] = {}
    weak = None
    for marker, needle, regex in _COMPILED:
        if marker.in_title:
            hit = bool(title) and regex.match(title) is not None
        else:
            if needle not in present:
                present[needle] = needle in page
            hit = present[needle] and regex.search(page) is not None
        if hit:
            if marker.alone:
                return marker.reason
            weak = weak or marker.reason
    if weak and visible_text_length(body, encoding) <= max_text:
        return weak
    return None


class BotWallMiddleware:
    def __init__(self, crawler: Any):
        settings = crawler.settings
        if not settings.getbool("ADWATCH_BOTWALL"):
            raise NotConfigured
        self.stats = crawler.stats
        self.scan_bytes = settings.getint("ADWATCH_BOTWALL_SCAN_BYTES")
        self.max_text = settings.getint("ADWATCH_BOTWALL_MAX_TEXT")

    @classmethod
    def from_crawler(cls, crawler: Any) -> BotWallMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.callback is NO_CALLBACK:
            return response
        if response.status in WALL_STATUSES:
            reason: str | None = f"http_{response.status}"
        elif response.status == 200 and isinstance(response, TextResponse):
            reason = wall_reason(
                response.status,
                response.body[: self.scan_bytes],
                response.encoding,
                self.max_text,
            )
        else:
            reason = None
        if reason is None:
            return response
        self.stats.inc_value(STAT_PREFIX + reason)
        logger.info("bot wall (%s), not parsed: %s", reason, response.url)
        raise IgnoreRequest(f"bot wall ({reason}) at {response.url}, not parsed")
