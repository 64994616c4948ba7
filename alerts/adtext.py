"""An ad's title and body as the matcher reads them: normalized once, as one text.

:class:`AdText` joins the two fields with a barrier token between them (no phrase can run
from the title into the body), normalizes them (:mod:`alerts.textnorm`) and maps spans of
the normalized text back to the field and the words the advertiser wrote. Its UTF-8 form
(:class:`Utf8`), which regexes run on, converts between character and byte offsets.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from alerts.textnorm import FIELD_BARRIER, Normalized, normalize

__all__ = ["AdText", "Utf8"]


class AdText:
    """An ad's title and body, normalized together, and the way back to each field.

    The normalized text is ``" " + title + " <barrier> " + body + " "`` normalized, so every
    token has a space on both sides and no phrase can run from the title into the body.
    """

    __slots__ = ("title", "body", "norm", "text", "barrier", "_body_start", "_utf8")

    def __init__(self, title: str, body: str, *, spaced_letters: bool = True):
        if FIELD_BARRIER in title:
            title = title.replace(FIELD_BARRIER, " ")
        if FIELD_BARRIER in body:
            body = body.replace(FIELD_BARRIER, " ")
        self.title = title
        self.body = body
        self._body_start = len(title) + 4
        self.norm: Normalized = normalize(
            f" {title} {FIELD_BARRIER} {body} ", spaced_letters=spaced_letters
        )
        self.text = self.norm.text
        self.barrier = self.text.find(FIELD_BARRIER)
        self._utf8: Utf8 | None = None

    def utf8(self) -> Utf8:
        """The normalized text as UTF-8, which regexes run on, with the way between
        character and byte offsets."""
        if self._utf8 is None:
            self._utf8 = Utf8(self.text)
        return self._utf8

    def to_field(self, start: int, end: int) -> tuple[str, int, int]:
        """Map a span of the normalized text to ``(field, start, end)`` in that field."""
        field, ostart, oend, _ = self.locate([(start, end)])[0]
        return field, ostart, oend

    def locate(self, spans: list[tuple[int, int]]) -> list[tuple[str, int, int, str]]:
        """Map spans of the normalized text to ``(field, start, end, original text)``."""
        out = []
        title, body, barrier = self.title, self.body, self.barrier
        for (start, _), (ostart, oend) in zip(spans, self.norm.original_spans(spans), strict=True):
            if start < barrier:
                source, field = title, "title"
                ostart -= 1
                oend -= 1
            else:
                source, field = body, "body"
                ostart -= self._body_start
                oend -= self._body_start
            limit = len(source)
            if not 0 <= ostart <= limit or not 0 <= oend <= limit:
                # a span that widened over the spaces around a field stays inside it
                ostart = min(max(ostart, 0), limit)
                oend = min(max(oend, 0), limit)
            out.append((field, ostart, oend, source[ostart:oend]))
        return out


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class Utf8:
    """A text encoded as UTF-8, and offsets between its characters and bytes (the same
    numbers for ASCII text, which most normalized text is)."""

    __slots__ = ("data", "_chars", "_bytes", "_extra")

    def __init__(self, text: str):
        self.data = text.encode("utf-8")
        self._chars: list[int] = []  # index of each non-ASCII character
        self._bytes: list[int] = []  # its byte offset
        self._extra: list[int] = []  # bytes beyond one per character, up to and with it
        if len(self.data) != len(text):
            extra = 0
            for m in _NON_ASCII.finditer(text):
                self._chars.append(m.start())
                self._bytes.append(m.start() + extra)
                extra += len(m.group().encode("utf-8")) - 1
                self._extra.append(extra)

    def to_byte(self, pos: int) -> int:
        if not self._chars:
            return pos
        k = bisect_left(self._chars, pos)
        return pos + (self._extra[k - 1] if k else 0)

    def to_char(self, pos: int) -> int:
        if not self._chars:
            return pos
        k = bisect_left(self._bytes, pos)
        return pos - (self._extra[k - 1] if k else 0)
