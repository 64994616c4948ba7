"""Text cleanup: a page string (markup, entities, odd characters) made plain text.

:func:`clean_text` is what every text field of an ad goes through; :func:`as_text` and
:func:`as_list` read whatever a page or a selector gave (None, bytes, numbers, lists) as
text or as a list, never raising.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

import lxml.html
from lxml import etree

_LOOKS_LIKE_HTML = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9-]*|/[a-zA-Z][a-zA-Z0-9-]*|!--)[^<>]*>")
_ANY_TAG = re.compile(r"<[^<>]*>")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u00ad\u200b\u2060\ufeff\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n?|[\x0c\u2028\u2029\x85]")
_ODD_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b\u2028\u2029\u2060\ufeff\ud800-\udfff]"
)
_BLOCK_TAGS = frozenset(
    "address article aside blockquote dd details div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody tfoot "
    "thead tr ul".split()
)
_DROP_TAGS = ("script", "style", "noscript", "template", "head")


def clean_text(value: str | None) -> str:
    """Plain text from a page string: tags stripped, entities decoded, NFC.

    Runs of spaces become one space; each paragraph or line break (``<p>``,
    ``<br>``, ``<li>``, a newline) becomes one ``"\\n"``; blank lines are dropped.
    None and non-text give "".
    """
    text = as_text(value)
    if not text:
        return ""
    if _ODD_CHARACTERS.search(text):
        text = _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))
    if "<" in text and _LOOKS_LIKE_HTML.search(text):
        text = _html_to_text(text)
    elif "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _html_to_text(markup: str) -> str:
    try:
        root = lxml.html.document_fromstring(markup)
    except (etree.LxmlError, ValueError):
        return html.unescape(_ANY_TAG.sub(" ", markup))
    for element in list(root.iter(*_DROP_TAGS)):
        element.drop_tree()
    for element in root.iter(etree.Element):
        tag = element.tag
        if tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif tag in _BLOCK_TAGS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
        elif tag in ("td", "th"):
            element.tail = " " + (element.tail or "")
    return root.text_content()


def as_text(value: Any) -> str:
    """``value`` as text: bytes decoded (UTF-8), numbers written, lists joined by lines;
    None and anything else give ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "\n".join(as_text(item) for item in value)
    return ""


def as_list(value: Any) -> list[Any]:
    """``value`` as a list: a list or tuple as is, a string as a list of one, else []."""
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        return [value]
    return []
