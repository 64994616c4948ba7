"""Every ``ADWATCH_*`` environment variable adwatch reads: its type, default and check, in one
model (:class:`Environment`).

``adwatch run`` and ``adwatch crawl`` call :func:`validate_environment` before any work: a
value that would fail later (``ADWATCH_ENTITY_ALERTS=bogus``, ``ADWATCH_PHONE_ADS_THRESHOLD=abc``,
a sender with a line break, an SMTP or Elasticsearch URL that is not one) stops the command at
once with one line per problem, ``ADWATCH_NAME: what is wrong``, and exit status 2 (the CLI
turns :class:`ConfigError` into that). ``adwatch doctor`` reports the same problems, and the
``ADWATCH_*`` names that are no setting (a typo, or a variable that rules.yaml reads as
``${NAME}``).

An empty variable counts as unset. Defaults are those of crawler/settings.py where it has one.
Values that hold secrets (URLs with passwords, API keys) never appear in a message.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from crawler import settings as defaults
from crawler.common.yamlconf import ConfigError
from crawler.config import parse_duration, split_host

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _checked(check: Callable[[str], Any]) -> BeforeValidator:
    """A validator that runs ``check`` on the text of a variable (defaults pass through)."""

    def run(value: Any) -> Any:
        return check(value) if isinstance(value, str) else value

    return BeforeValidator(run)


def _number(
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

    return _checked(check)


def _flag(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError(f"must be true or false (1/0, yes/no, on/off), not {text!r}")


def _plain(text: str) -> str:
    if _CONTROL.search(text):
        raise ValueError("has a line break or another control character")
    return text


def _token(text: str) -> str:
    """An API key: sent in a header, so printable and without spaces (never shown)."""
    if _CONTROL.search(text) or " " in text.strip():
        raise ValueError("has spaces, a line break or another control character")
    return text.strip()


def _url(*schemes: str) -> BeforeValidator:
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

    return _checked(check)


def _mail_from(text: str) -> str:
    _plain(text)
    name, address = parseaddr(text.strip())
    if not address or "@" not in address or " " in address:
        raise ValueError(f"must be an address such as 'adwatch <alerts@example.org>', not {text!r}")
    return text.strip()


def _addresses(text: str) -> str:
    _plain(text)
    found = [pair for pair in getaddresses([text]) if any(pair)]  # "a@x.org, " is fine
    bad = [a or n for n, a in found if "@" not in a or " " in a]
    if bad or not found:
        raise ValueError(f"must be e-mail addresses separated by commas, not {text!r}")
    return text


def _file(text: str) -> str:
    if not Path(text).is_file():
        raise ValueError(f"{text!r} is not a file")
    return text


def _pattern(pattern: str, what: str) -> BeforeValidator:
    def check(text: str) -> str:
        value = text.strip().lower()
        if not re.fullmatch(pattern, value):
            raise ValueError(f"must be {what}, not {text!r}")
        return value

    return _checked(check)


def _duration(text: str) -> str:
    parse_duration(text)  # ValueError with the reason
    return text


def _choice(*choices: str) -> BeforeValidator:
    def check(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"must be {', '.join(choices[:-1])} or {choices[-1]}, not {text!r}")
        return value

    return _checked(check)


PathText = Annotated[str | None, _checked(_plain)]
Flag = Annotated[bool, _checked(_flag)]
Seconds = Annotated[float, _number("a number of seconds", above=0)]
Share = Annotated[float, _number("a share", low=0, high=1)]
CAFile = Annotated[str | None, _checked(_file)]
Secret = Annotated[str | None, _checked(_token)]
HttpURL = Annotated[str | None, _url("http", "https")]


def _count(what: str, low: int = 0) -> Any:
    return Annotated[int, _number(what, integer=True, low=low)]


def _default(name: str) -> Any:
    return getattr(defaults, name)


class Environment(BaseModel):
    """The ``ADWATCH_*`` variables (see the README's tables for what each one does)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    # ---- files and folders
    ADWATCH_DATA_DIR: PathText = Field(None, description="data directory; default ./data")
    ADWATCH_SOURCES: PathText = Field(None, description="sources file; default ./sources.yaml")
    ADWATCH_RULES: PathText = Field(None, description="rules file; default ./rules.yaml")
    ADWATCH_IMAGES_STORE: PathText = Field(None, description="photos; default <data dir>/images")
    ADWATCH_CHROMIUM: PathText = Field(None, description="the Chromium executable")
    ADWATCH_MIN_FREE_MB: Annotated[float, _number("a number of megabytes", low=0)] = _default(
        "ADWATCH_MIN_FREE_MB"
    )
    # ---- the extraction workers
    ADWATCH_PAGE_TIME_BUDGET: Seconds = _default("ADWATCH_PAGE_TIME_BUDGET")
    # ---- Elasticsearch
    ADWATCH_ES_URL: HttpURL = None
    ADWATCH_ES_API_KEY: Secret = None
    ADWATCH_ES_CA_CERTS: CAFile = None
    ADWATCH_ES_VERIFY_CERTS: Flag = True
    ADWATCH_ES_PREFIX: Annotated[
        str, _pattern(r"[a-z0-9][a-z0-9_-]{0,200}", "lower-case letters, digits, '-' or '_'")
    ] = "adwatch"
    ADWATCH_ES_TIMEOUT: Seconds = 30.0
    ADWATCH_ES_BULK_RETRIES: _count("a whole number") = 3
    ADWATCH_ES_RETRY_SECONDS: Annotated[float, _number("a number of seconds", low=0)] = 30.0
    # ---- Kibana
    ADWATCH_KIBANA_URL: HttpURL = None
    ADWATCH_KIBANA_API_KEY: Secret = None
    ADWATCH_KIBANA_SPACE: Annotated[
        str | None, _pattern(r"[a-z0-9_-]{1,200}", "a Kibana space id (a-z, 0-9, '-', '_')")
    ] = None
    ADWATCH_KIBANA_CA_CERTS: CAFile = None
    ADWATCH_KIBANA_DATA_VIEW: Annotated[str, _checked(_plain)] = _default(
        "ADWATCH_KIBANA_DATA_VIEW"
    )
    # ---- mail
    ADWATCH_SMTP_URL: Annotated[str | None, _url("smtp", "smtps")] = None
    ADWATCH_SMTP_CA_FILE: CAFile = None
    ADWATCH_SMTP_TIMEOUT: Seconds = _default("ADWATCH_SMTP_TIMEOUT")
    ADWATCH_MAIL_FROM: Annotated[str | None, _checked(_mail_from)] = None
    ADWATCH_OPS_EMAIL: Annotated[str | None, _checked(_addresses)] = None
    # ---- alerts
    ADWATCH_ALERTS: Flag = _default("ADWATCH_ALERTS")
    ADWATCH_ENTITY_ALERTS: Annotated[
        Literal["flagged", "all", "off"], _choice("flagged", "all", "off")
    ] = _default("ADWATCH_ENTITY_ALERTS")
    ADWATCH_PHONE_ADS_THRESHOLD: _count("a whole number", low=1) = _default(
        "ADWATCH_PHONE_ADS_THRESHOLD"
    )
    ADWATCH_PHONE_ADS_WINDOW: Annotated[str, _checked(_duration)] = _default(
        "ADWATCH_PHONE_ADS_WINDOW"
    )
    ADWATCH_ENTITY_RECIPIENTS: Annotated[str, _checked(_plain)] = _default(
        "ADWATCH_ENTITY_RECIPIENTS"
    )
    ADWATCH_BLUR_THUMBNAILS: Flag = _default("ADWATCH_BLUR_THUMBNAILS")
    ADWATCH_DIGEST_THUMBNAILS: _count("a whole number") = _default("ADWATCH_DIGEST_THUMBNAILS")
    ADWATCH_DIGEST_MAX_THUMBNAILS: _count("a whole number") = _default(
        "ADWATCH_DIGEST_MAX_THUMBNAILS"
    )
    ADWATCH_THUMBNAIL_MAX_BYTES: _count("a number of bytes", low=1) = _default(
        "ADWATCH_THUMBNAIL_MAX_BYTES"
    )
    ADWATCH_THUMBNAIL_TIMEOUT: Seconds = _default("ADWATCH_THUMBNAIL_TIMEOUT")
    ADWATCH_DIGEST_MAX_BYTES: _count("a number of bytes", low=1) = _default(
        "ADWATCH_DIGEST_MAX_BYTES"
    )
    # ---- source health
    ADWATCH_HEALTH_HISTORY_RUNS: _count("a whole number", low=1) = _default(
        "ADWATCH_HEALTH_HISTORY_RUNS"
    )
    ADWATCH_HEALTH_MIN_MEDIAN: Annotated[float, _number("a number", low=0)] = _default(
        "ADWATCH_HEALTH_MIN_MEDIAN"
    )
    ADWATCH_HEALTH_MIN_PAGES: _count("a whole number", low=1) = _default("ADWATCH_HEALTH_MIN_PAGES")
    ADWATCH_HEALTH_NO_AD_SHARE: Share = _default("ADWATCH_HEALTH_NO_AD_SHARE")
    ADWATCH_HEALTH_BLOCKED_SHARE: Share = _default("ADWATCH_HEALTH_BLOCKED_SHARE")


#: Variables of the tests' fault injection and test services: read, but no setting.
# names the build and the test tools read (Makefile, scripts/elasticsearch.sh, tests/),
# never adwatch itself: not typos
_NOT_SETTINGS = (
    "ADWATCH_TEST_",
    "ADWATCH_CACHE",
    "ADWATCH_ES_HOME",
    "ADWATCH_ES_HEAP",
    "ADWATCH_ES_USER",
    "ADWATCH_ES_START_TIMEOUT",
    "ADWATCH_FUZZ_PROFILE",
)
_SECRET = {
    "ADWATCH_ES_URL",
    "ADWATCH_ES_API_KEY",
    "ADWATCH_KIBANA_URL",
    "ADWATCH_KIBANA_API_KEY",
    "ADWATCH_SMTP_URL",
}


def _given(env: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in env.items()
        if name in Environment.model_fields and value.strip() != ""
    }


def _problems(exc: ValidationError) -> list[tuple[str, int | None, str]]:
    out = []
    for err in exc.errors():
        name = str(err["loc"][0])
        text = err["msg"].removeprefix("Value error, ")
        if err["type"] != "value_error" and name not in _SECRET:
            text = f"{text}, not {err['input']!r}"
        out.append((name, None, text))
    return out


def load_environment(env: Mapping[str, str] | None = None) -> Environment:
    """The validated settings of ``env`` (default: the process environment); raise
    :class:`ConfigError` naming each variable that is wrong."""
    env = os.environ if env is None else env
    try:
        return Environment.model_validate(_given(env))
    except ValidationError as exc:
        raise ConfigError(_problems(exc)) from None


def validate_environment(env: Mapping[str, str] | None = None) -> None:
    """Raise :class:`ConfigError` (``ADWATCH_NAME: what is wrong``; exit 2 in the CLI) unless
    every ``ADWATCH_*`` setting in ``env`` is valid."""
    load_environment(env)


def setting(name: str, env: Mapping[str, str] | None = None) -> Any:
    """One validated setting: the environment's value, else the default; a bad value raises
    :class:`ConfigError` naming the variable (other variables are not looked at)."""
    env = os.environ if env is None else env
    return getattr(load_environment({name: env[name]} if name in env else {}), name)


def unknown_variables(env: Mapping[str, str] | None = None) -> list[str]:
    """``ADWATCH_*`` names in ``env`` that no part of adwatch reads as a setting."""
    env = os.environ if env is None else env
    return sorted(
        name
        for name in env
        if name.startswith("ADWATCH_")
        and name not in Environment.model_fields
        and not name.startswith(_NOT_SETTINGS)
    )


def doctor_checks(env: Mapping[str, str] | None = None) -> Iterator[tuple[str, bool | None, str]]:
    """``(name, good, detail)`` rows for ``adwatch doctor``; ``good`` None is a warning."""
    env = os.environ if env is None else env
    try:
        load_environment(env)
    except ConfigError as exc:
        for line in exc.format_lines():
            yield "environment", False, line
    else:
        given = len(_given(env))
        yield "environment", True, f"{given} ADWATCH_* setting(s) given, all valid"
    unknown = unknown_variables(env)
    if unknown:
        yield (
            "environment",
            None,
            f"not adwatch settings: {', '.join(unknown)} (a typo? fine when rules.yaml "
            "reads them as ${NAME})",
        )


__all__ = [
    "Environment",
    "doctor_checks",
    "load_environment",
    "setting",
    "unknown_variables",
    "validate_environment",
]
