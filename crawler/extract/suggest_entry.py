"""The sources.yaml entry of a :class:`~crawler.extract.suggest.Suggestion`: a
``sources:`` list with one entry, and comments that show what each learned selector
yields on the samples, for review."""

from __future__ import annotations

import json
from typing import Any

from crawler.extract.suggest import Suggestion
from crawler.extract.suggest_fields import LEARNED_FIELDS
from crawler.extract.suggest_selectors import EXACT


def _shown(value: Any, width: int = 70) -> str:
    if isinstance(value, tuple):  # contact: (text, links)
        value = value[0]
    if isinstance(value, list):
        text = f"{len(value)} link(s): " + ", ".join(value[:2]) + (" …" if len(value) > 2 else "")
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def entry_yaml(s: Suggestion) -> str:
    """The sources.yaml text (a ``sources:`` list with one entry, comments for review)."""
    lines = [
        f"# suggested from {s.start_url}"
        + (f" and {len(s.samples)} ad page(s)" if s.samples else ""),
        "sources:",
        f"  - name: {s.name}",
        f"    kind: {s.kind}",
        f"    start_urls: [{_yaml(s.start_url)}]",
    ]
    for key, learned in (("links", s.links), ("next_page", s.next_page)):
        if learned is None:
            lines.append(f"    # {key}: none found; automatic reading of listing pages applies")
            continue
        lines.append(f"    {key}: {_yaml(learned.selector)}")
        lines.append(f"    #   yields {_shown(learned.values[0])}")
        if learned.note:
            lines.append(f"    #   {_shown(learned.note, 90)}")
    fields = [n for n in LEARNED_FIELDS if n in s.fields]
    prefix = "    " if s.uses_selectors else "    # "
    if s.uses_selectors:
        lines.append("    fields:")
    else:
        lines.append("    extract: auto")
        if fields:
            lines.append("    # no selector found for both title and body; learned selectors:")
    for name in fields:
        learned = s.fields[name]
        close = "" if learned.score == EXACT else f" (close: {learned.score:.0%})"
        lines.append(f"{prefix}  {name}: {_yaml(learned.selector)}")
        for url, value in zip(s.samples, learned.values, strict=False):
            lines.append(f"    #   {_shown(value)}  <- {url}{close}")
    for name in s.unmatched:
        lines.append(f"    # {name}: extraction found it, but no selector yields it on every page")
    for feed in s.feeds:
        lines.append(f"    # the site offers a feed; an entry may read it instead: feed: {feed}")
    if s.country:
        lines.append(f"    country: {s.country}")
    if s.languages:
        lines.append(f"    languages: [{', '.join(s.languages)}]")
    if s.private_hosts:
        lines.append(f"    allow_private_network: [{', '.join(_yaml(h) for h in s.private_hosts)}]")
    return "\n".join(lines) + "\n"
