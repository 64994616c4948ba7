"""Reading the text of a setting: true/false, numbers, durations, URLs, addresses, files.

Each reader takes the text given in the environment or on the command line (``-s NAME=VALUE``)
and returns the typed value, or raises ValueError saying what is wrong (``must be true or
false (1/0, yes/no, on/off), not 'maybe'``). The annotated types at the end plug them into
the settings object (crawler/common/options.py); typed values (the defaults) pass through.
Values that hold secrets (URLs with passwords, API keys) never appear in a message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BeforeValidator

from crawler.common.durations import parse_duration
from crawler.common.hosts import split_host

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_flag(text: str) -> bool:
    """``true``/``false`` (also 1/0, yes/no, on/off, any case): the one reading of a
    true-or-false setting. Anything else raises ValueError."""
    word = text.strip().lower()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError(f"must be true or false (1/0, yes/no, on/off), not {text!r}")


def checked(check: Callable[[str], Any]) -> BeforeValidator:
    """A validator that runs ``check`` on the text of a setting (typed values pass through)."""

    def run(value: Any) -> Any:
        return check(value) if isinstance(value, str) else value

    return BeforeValidator(run)


def number(
    what: str,
    *,
    integer: bool = False,
    low: float | None = None,
    above: float | None = None,
    high: float | None = None,
) -> BeforeValidator:
    """A number (a whole one with ``integer``) of at least ``low``, more than ``above``, at
    most ``high``; the error says ``must be WHAT ...``."""
    bounds = " ".join(
        text
        for text in (
            f"from {low:g} to {high:g}" if low is not None and high is not None else "",
            f"at least {low:g}" if low is not None and high is None else "",
            f"above {above:g}" if above is not None else "",
        )
        if text
    )

    def check(text: str) -> int | float:
        try:
            value: int | float = int(text.strip()) if integer else float(text.strip())
        except ValueError:
            raise ValueError(f"must be {what}, not {text!r}") from None
        if (
            not math.isfinite(value)
            or (low is not None and value < low)
            or (above is not None and value <= above)
            or (high is not None and value > high)
        ):
            raise ValueError(f"must be {what} {bounds}, not {text!r}")
        return value

    return checked(check)


def plain(text: str) -> str:
    """Text without line breaks or other control characters."""
    if _CONTROL.search(text):
        raise ValueError("has a line break or another control character")
    return text


def token(text: str) -> str:
    """An API key: sent in a header, so printable and without spaces (never shown)."""
    if _CONTROL.search(text) or " " in text.strip():
        raise ValueError("has spaces, a line break or another control character")
    return text.strip()


def url(*schemes: str) -> BeforeValidator:
    """A service URL of one of ``schemes`` with a valid host and port (never shown: it may
    hold a password)."""

    def check(text: str) -> str:
        text = text.strip()
        wanted = " or ".join(f"{s}://" for s in schemes)
        if _CONTROL.search(text) or " " in text:
            raise ValueError("has spaces, a line break or another control character")
        try:
            parts = urlsplit(text)
        except ValueError as exc:  # "http://[::1"
            raise ValueError(f"is not a URL ({exc})") from None
        if parts.scheme.lower() not in schemes or not parts.netloc:
            raise ValueError(f"must be a URL starting with {wanted}")
        if split_host(parts.netloc.rpartition("@")[2])[0] is None:
            raise ValueError("has no valid host name, or an invalid port (1 to 65535)")
        return text

    return checked(check)


def mail_from(text: str) -> str:
    """One sender address, with or without a display name."""
    plain(text)
    _, address = parseaddr(text.strip())
    if not address or "@" not in address or " " in address:
        raise ValueError(f"must be an address such as 'adwatch <alerts@example.org>', not {text!r}")
    return text.strip()


def addresses(text: str) -> str:
    """E-mail addresses separated by commas (a trailing comma is fine)."""
    plain(text)
    found = [pair for pair in getaddresses([text]) if any(pair)]
    bad = [a or n for n, a in found if "@" not in a or " " in a]
    if bad or not found:
        raise ValueError(f"must be e-mail addresses separated by commas, not {text!r}")
    return text


def existing_file(text: str) -> str:
    """The path of a file that exists."""
    if not Path(text).is_file():
        raise ValueError(f"{text!r} is not a file")
    return text


def pattern(regex: str, what: str) -> BeforeValidator:
    """Text (lower-cased) that matches ``regex`` in full."""

    def check(text: str) -> str:
        value = text.strip().lower()
        if not re.fullmatch(regex, value):
            raise ValueError(f"must be {what}, not {text!r}")
        return value

    return checked(check)


def duration(text: str) -> str:
    """A duration such as ``7d`` or ``12h`` (kept as text)."""
    parse_duration(text)  # ValueError with the reason
    return text


def choice(*choices: str) -> BeforeValidator:
    """One of ``choices`` (any case)."""

    def check(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"must be {', '.join(choices[:-1])} or {choices[-1]}, not {text!r}")
        return value

    return checked(check)


PathText = Annotated[str | None, checked(plain)]
Flag = Annotated[bool, checked(parse_flag)]
Seconds = Annotated[float, number("a number of seconds", above=0)]
Share = Annotated[float, number("a share", low=0, high=1)]
CAFile = Annotated[str | None, checked(existing_file)]
Secret = Annotated[str | None, checked(token)]
HttpURL = Annotated[str | None, url("http", "https")]
WholeNumber = Annotated[int, number("a whole number", integer=True, low=0)]
PositiveNumber = Annotated[int, number("a whole number", integer=True, low=1)]
ByteCount = Annotated[int, number("a number of bytes", integer=True, low=1)]

__all__ = [
    "FALSE_WORDS",
    "TRUE_WORDS",
    "CAFile",
    "ByteCount",
    "Flag",
    "HttpURL",
    "PathText",
    "PositiveNumber",
    "Secret",
    "Seconds",
    "Share",
    "WholeNumber",
    "addresses",
    "checked",
    "choice",
    "duration",
    "existing_file",
    "mail_from",
    "number",
    "parse_flag",
    "pattern",
    "plain",
    "token",
    "url",
]
