"""Page chrome: navigation, footers, dialogs, forms and boxes of other ads, which are
never the ad; and the visible text of an element. Used by ``extract: auto`` to find the
ad's own heading, title and fields. Pure functions over a parsel ``Selector``."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from parsel import Selector

# Elements that are page chrome, never the ad: navigation, footers, forms, asides, dialogs
# and boxes of other ads.
_CHROME_NAMES = re.compile(
    r"(^|[-_ ])(nav|navbar|menu|footer|breadcrumbs?|cookie|consent|modal|dialog|popup|"
    r"related|similar|recommend\w*|suggest\w*|carousel|sidebar|masthead|topbar|"
    r"site-?header|logo|brand|share|social|newsletter|advert|ads-?slot)($|[-_ ])",
    re.I,
)
_CHROME_XPATH = (
    "ancestor-or-self::*[self::nav or self::footer"
    " or self::dialog or self::select or self::button or self::noscript]"
)


def is_chrome(node: Selector) -> bool:
    """Whether ``node`` sits in page chrome (navigation, footer, related ads...).

    An ancestor named like chrome counts only when it is a part of the page: wrappers of
    the whole page get such names too ("modal-hide-elements", "has-sidebar")."""
    if node.xpath(_CHROME_XPATH):
        return True
    root = node.root
    page = root.getroottree().getroot()
    page_size = _text_size(page)
    for anc in root.iterancestors():
        names = f"{anc.get('class') or ''} {anc.get('id') or ''} {anc.get('role') or ''}"
        if names.strip() and _CHROME_NAMES.search(names) and _text_size(anc) < 0.5 * page_size:
            return True
        parent = anc.getparent()
        if anc.tag == "header" and parent is not None and parent.tag == "body":
            return True
    return False


_SIZES: dict[Any, int] = {}
_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style)]")


def _text_size(element: Any) -> int:
    """Characters of text under ``element``, remembered while one page is read (the
    cache holds one page's elements at a time)."""
    size = _SIZES.get(element)
    if size is None:
        page = element.getroottree().getroot()
        if _SIZES.get("page") is not page:
            _SIZES.clear()
            _SIZES["page"] = page
        size = _SIZES[element] = sum(map(len, _VISIBLE_TEXT(element)))
    return size


def text_of(node: Selector) -> str:
    """The visible text under ``node`` (no script, style or svg), whitespace runs as one space."""
    return " ".join(
        " ".join(
            node.xpath(
                ".//text()[not(ancestor::script or ancestor::style or ancestor::svg)]"
            ).getall()
        ).split()
    )
