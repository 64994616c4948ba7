"""The one settings object of adwatch (:class:`Options`): every ``ADWATCH_*`` variable, typed
and checked, built once per command from, lowest first:

1. the defaults, here (crawler/settings.py takes them for the crawl),
2. the environment (an empty variable counts as unset),
3. ``-s NAME=VALUE`` on the command line (an empty value sets the default back),
4. the command line's own flags (``--data-dir``, ``--sources``, ``--rules``, ``--log-level``...).

:func:`build_options` builds and validates it: a bad value raises :class:`SettingsError`
with one ``ADWATCH_NAME: what is wrong`` line per problem, and the CLI exits 2 before any
work. The CLI installs the object (:func:`using_options`) and hands it to the crawl (as its
Scrapy settings, crawler/common/crawlsettings.py), the alert pass and the health pass; the
stores, image search and the one-off fetch ask :func:`current_options`. Worker
processes get the object they are started with; a plain ``scrapy crawl NAME`` gets one built
from the environment and its ``-s`` values (crawler/common/crawlsettings.py).

This module is the only reader of the process environment. Values that hold secrets (URLs
with passwords, API keys) never appear in a message, nor in the crawl's Scrapy settings.
``adwatch doctor`` reports the same problems (:func:`doctor_checks`), and the ``ADWATCH_*``
names that are no setting (a typo, or a variable that rules.yaml reads as ``${NAME}``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from crawler.common.values import (
    ByteCount,
    CAFile,
    Flag,
    HttpURL,
    PathText,
    PositiveNumber,
    Seconds,
    Secret,
    Share,
    WholeNumber,
    addresses,
    checked,
    choice,
    duration,
    mail_from,
    number,
    pattern,
    plain,
    url,
)
from crawler.common.yamlconf import ConfigError


class SettingsError(ConfigError, ValueError):
    """Settings that are not valid: one ``ADWATCH_NAME: what is wrong`` per problem (exit 2
    in the CLI)."""


class Options(BaseModel):
    """The ``ADWATCH_*`` variables (see the README's tables for what each one does)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    # ---- files and folders
    ADWATCH_DATA_DIR: PathText = None  # data directory; default ./data
    ADWATCH_SOURCES: PathText = None  # sources file; default ./sources.yaml
    ADWATCH_RULES: PathText = None  # rules file; default ./rules.yaml
    ADWATCH_IMAGES_STORE: PathText = None  # photos; default <data dir>/images
    ADWATCH_CHROMIUM: PathText = Field(
        default_factory=lambda: shutil.which("chromium"), description="the Chromium executable"
    )
    ADWATCH_MIN_FREE_MB: Annotated[float, number("a number of megabytes", low=0)] = 100
    # ---- the extraction workers
    ADWATCH_PAGE_TIME_BUDGET: Seconds = 5.0
    # ---- Elasticsearch
    ADWATCH_ES_URL: HttpURL = None
    ADWATCH_ES_API_KEY: Secret = None
    ADWATCH_ES_CA_CERTS: CAFile = None
    ADWATCH_ES_VERIFY_CERTS: Flag = True
    ADWATCH_ES_PREFIX: Annotated[
        str, pattern(r"[a-z0-9][a-z0-9_-]{0,200}", "lower-case letters, digits, '-' or '_'")
    ] = "adwatch"
    ADWATCH_ES_TIMEOUT: Seconds = 30.0
    ADWATCH_ES_BULK_RETRIES: WholeNumber = 3
    ADWATCH_ES_RETRY_SECONDS: Annotated[float, number("a number of seconds", low=0)] = 30.0
    # ---- Kibana
    ADWATCH_KIBANA_URL: HttpURL = None
    ADWATCH_KIBANA_API_KEY: Secret = None
    ADWATCH_KIBANA_SPACE: Annotated[
        str | None, pattern(r"[a-z0-9_-]{1,200}", "a Kibana space id (a-z, 0-9, '-', '_')")
    ] = None
    ADWATCH_KIBANA_CA_CERTS: CAFile = None
    ADWATCH_KIBANA_DATA_VIEW: Annotated[str, checked(plain)] = "adwatch-ads"
    # ---- mail
    ADWATCH_SMTP_URL: Annotated[str | None, url("smtp", "smtps")] = None
    ADWATCH_SMTP_CA_FILE: CAFile = None
    ADWATCH_SMTP_TIMEOUT: Seconds = 30
    ADWATCH_MAIL_FROM: Annotated[str | None, checked(mail_from)] = None
    ADWATCH_OPS_EMAIL: Annotated[str | None, checked(addresses)] = None
    # ---- alerts
    ADWATCH_ALERTS: Flag = True
    ADWATCH_ENTITY_ALERTS: Annotated[
        Literal["flagged", "all", "off"], choice("flagged", "all", "off")
    ] = "flagged"
    ADWATCH_PHONE_ADS_THRESHOLD: PositiveNumber = 5
    ADWATCH_PHONE_ADS_WINDOW: Annotated[str, checked(duration)] = "7d"
    ADWATCH_ENTITY_RECIPIENTS: Annotated[str, checked(plain)] = ""
    ADWATCH_BLUR_THUMBNAILS: Flag = True
    ADWATCH_DIGEST_THUMBNAILS: WholeNumber = 1
    ADWATCH_DIGEST_MAX_THUMBNAILS: WholeNumber = 40
    ADWATCH_THUMBNAIL_MAX_BYTES: ByteCount = 5 * 1024 * 1024
    ADWATCH_THUMBNAIL_TIMEOUT: Seconds = 10
    ADWATCH_DIGEST_MAX_BYTES: ByteCount = 5_000_000
    # ---- source health
    ADWATCH_HEALTH_HISTORY_RUNS: PositiveNumber = 5
    ADWATCH_HEALTH_MIN_MEDIAN: Annotated[float, number("a number", low=0)] = 1
    ADWATCH_HEALTH_MIN_PAGES: PositiveNumber = 3
    ADWATCH_HEALTH_NO_AD_SHARE: Share = 0.5
    ADWATCH_HEALTH_BLOCKED_SHARE: Share = 0.5

    _variables: dict[str, str] = PrivateAttr(default_factory=dict)
    _scrapy: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        """The data directory (``./data`` by default)."""
        return Path(self.ADWATCH_DATA_DIR or "data")

    @property
    def sources_path(self) -> Path:
        """The sources file (``./sources.yaml`` by default)."""
        return Path(self.ADWATCH_SOURCES or "sources.yaml")

    @property
    def rules_path(self) -> Path:
        """The rules file (``./rules.yaml`` by default)."""
        return Path(self.ADWATCH_RULES or "rules.yaml")

    @property
    def images_store(self) -> str:
        """Where photos are kept: a folder or a store URI (``<data dir>/images`` by default)."""
        return self.ADWATCH_IMAGES_STORE or str(self.data_dir / "images")

    @property
    def scrapy_overrides(self) -> dict[str, Any]:
        """The Scrapy settings given on the command line (``-s`` and flags) that are no
        ``ADWATCH_*`` variable: ``LOG_LEVEL``, ``ADWATCH_IMAGES_PER_AD``..."""
        return dict(self._scrapy)

    def get(self, name: str, default: Any = None) -> Any:
        """A setting's value by name (None counts as unset), or any other variable of the
        environment the object was built from: rules.yaml's ``${NAME}`` recipients,
        ``NO_COLOR``, the tests' fault injection (``ADWATCH_TEST_*``)."""
        if name in type(self).model_fields:
            value = getattr(self, name)
        else:
            value = self._variables.get(name)
        return default if value is None else value

    def child_environment(self, **values: str) -> dict[str, str]:
        """The environment for a child process: this one's, with ``values`` set."""
        return {**self._variables, **values}

    def with_values(self, values: Mapping[str, Any]) -> Options:
        """A copy with ``values`` set (settings, or other Scrapy settings of the crawl),
        validated likewise; a value of None leaves the setting as it is."""
        return build_options(self._variables, {**self._given(), **self._scrapy}, values)

    def _given(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


#: Names of the tests' fault injection and the build's tools (Makefile,
#: scripts/elasticsearch.sh, tests/): read, but no setting of adwatch, and not typos.
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
        if name in Options.model_fields and value.strip() != ""
    }


def _problems(exc: ValidationError) -> list[tuple[str, int | None, str]]:
    out: list[tuple[str, int | None, str]] = []
    for err in exc.errors():
        name = str(err["loc"][0])
        text = err["msg"].removeprefix("Value error, ")
        if err["type"] != "value_error" and name not in _SECRET:
            text = f"{text}, not {err['input']!r}"
        out.append((name, None, text))
    return out


def build_options(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    flags: Mapping[str, Any] | None = None,
) -> Options:
    """The settings of ``environ`` (default: the process environment), then ``overrides``
    (``-s NAME=VALUE``), then ``flags`` (the command line's options, None for one not
    given). Names that are no ``ADWATCH_*`` variable become Scrapy settings of the crawl.
    Raises :class:`SettingsError` naming each setting that is wrong."""
    environ = dict(os.environ if environ is None else environ)
    given: dict[str, Any] = _given(environ)
    extras: dict[str, Any] = {}
    for layer in (overrides or {}, flags or {}):
        for name, value in layer.items():
            unset = value is None or (isinstance(value, str) and not value.strip())
            if name not in Options.model_fields:
                if value is not None:
                    extras[name] = value
            elif not unset:
                given[name] = value
            elif layer is overrides:  # "-s NAME=": back to the default
                given.pop(name, None)
    try:
        options = Options.model_validate(given)
    except ValidationError as exc:
        raise SettingsError(_problems(exc)) from None
    options._variables = environ
    options._scrapy = extras
    return options


def tolerant_options(
    environ: Mapping[str, str] | None = None, flags: Mapping[str, Any] | None = None
) -> Options:
    """Like :func:`build_options`, with the settings that are wrong left at their defaults
    (``adwatch doctor`` reports them instead of refusing to start)."""
    environ = dict(os.environ if environ is None else environ)
    try:
        return build_options(environ, None, flags)
    except SettingsError as exc:
        bad = {name for name, _, _ in exc.problems}
        good = {name: value for name, value in environ.items() if name not in bad}
        options = build_options(
            good, None, {k: v for k, v in (flags or {}).items() if k not in bad}
        )
        options._variables = environ
        return options


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """``-s NAME=VALUE`` items as a mapping; SettingsError for one without ``=``."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SettingsError([("-s", None, f"expects NAME=VALUE, got {item!r}")])
        out[name.strip()] = value
    return out


def as_options(env: Options | Mapping[str, str] | None = None) -> Options:
    """``env`` as settings: an :class:`Options` as it is, a mapping of variables validated
    (:class:`SettingsError`), None the current settings."""
    if env is None:
        return current_options()
    return env if isinstance(env, Options) else build_options(env)


# ---------------------------------------------------------------- the process's settings

_installed: list[Options] = []
_from_environment: list[tuple[tuple[tuple[str, str], ...], Options]] = []


def current_options() -> Options:
    """The settings installed in this process (:func:`using_options`, :func:`install_options`),
    else those of the environment as it is now."""
    if _installed:
        return _installed[-1]
    snapshot = tuple(os.environ.items())
    if not _from_environment or _from_environment[0][0] != snapshot:
        _from_environment[:] = [(snapshot, build_options(dict(snapshot)))]
    return _from_environment[0][1]


def install_options(options: Options) -> None:
    """Make ``options`` this process's settings for good (a worker process)."""
    _installed.append(options)


@contextmanager
def using_options(options: Options) -> Iterator[Options]:
    """``options`` are this process's settings inside the ``with`` block."""
    _installed.append(options)
    try:
        yield options
    finally:
        _installed.remove(options)


# ---------------------------------------------------------------- adwatch doctor


def unknown_variables(env: Mapping[str, str] | None = None) -> list[str]:
    """``ADWATCH_*`` names in ``env`` (default: the environment) that no part of adwatch
    reads as a setting."""
    env = current_options()._variables if env is None else env
    return sorted(
        name
        for name in env
        if name.startswith("ADWATCH_")
        and name not in Options.model_fields
        and not name.startswith(_NOT_SETTINGS)
    )


def doctor_checks(env: Mapping[str, str] | None = None) -> Iterator[tuple[str, bool | None, str]]:
    """``(name, good, detail)`` rows for ``adwatch doctor``; ``good`` None is a warning."""
    env = dict(os.environ) if env is None else env
    try:
        build_options(env)
    except SettingsError as exc:
        for line in exc.format_lines():
            yield "environment", False, line
    else:
        yield "environment", True, f"{len(_given(env))} ADWATCH_* setting(s) given, all valid"
    unknown = unknown_variables(env)
    if unknown:
        yield (
            "environment",
            None,
            f"not adwatch settings: {', '.join(unknown)} (a typo? fine when rules.yaml "
            "reads them as ${NAME})",
        )


__all__ = [
    "Options",
    "SettingsError",
    "as_options",
    "build_options",
    "current_options",
    "doctor_checks",
    "install_options",
    "parse_overrides",
    "tolerant_options",
    "unknown_variables",
    "using_options",
]
