"""The settings object (crawler/common/options.py) in Scrapy's settings: the crawl reads the
same values as the alert and health passes.

* :func:`crawl_settings`: the settings of ``adwatch run``'s crawl: crawler/settings.py, then
  the settings object's values (environment, ``-s``, flags), at the command line's priority.
* :class:`OptionsAddon` (``ADDONS`` in crawler/settings.py): every crawl's settings get the
  values, so a plain ``scrapy crawl NAME`` reads the environment below its ``-s`` values.
* :func:`options_of`: a crawl's settings object, for its components (the worker processes
  are started with it).

Only the settings crawler/settings.py defines go in (:data:`SCRAPY_FIELDS`): Scrapy logs its
settings, and the others hold secrets (URLs with passwords, API keys).
"""

from __future__ import annotations

import sys
from typing import Any

from crawler import settings as defaults
from crawler.common.options import Options, SettingsError, current_options

#: The settings the crawl reads from its Scrapy settings: those crawler/settings.py defines.
SCRAPY_FIELDS = tuple(name for name in Options.model_fields if hasattr(defaults, name))
_CMDLINE, _PROJECT = 40, 20  # Scrapy's priorities of -s and of the settings module


def crawl_settings(options: Options) -> Any:
    """The crawl's Scrapy settings: crawler/settings.py, then ``options``."""
    from scrapy.settings import Settings

    out = Settings()
    out.setmodule("crawler.settings", priority="project")
    apply_to_scrapy(options, out)
    return out


def apply_to_scrapy(options: Options, settings: Any) -> None:
    """Put ``options`` into Scrapy ``settings`` (at the command line's priority): the
    settings of :data:`SCRAPY_FIELDS`, the photo store, the Chromium executable, and the
    other Scrapy settings given on the command line."""
    for name in SCRAPY_FIELDS:
        settings.set(name, getattr(options, name), priority="cmdline")
    if options.ADWATCH_IMAGES_STORE and (settings.getpriority("IMAGES_STORE") or 0) < _CMDLINE:
        settings.set("IMAGES_STORE", options.ADWATCH_IMAGES_STORE, priority="cmdline")
    launch = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
    if launch.get("executable_path") != options.ADWATCH_CHROMIUM:
        launch["executable_path"] = options.ADWATCH_CHROMIUM
        priority = settings.getpriority("PLAYWRIGHT_LAUNCH_OPTIONS") or 0
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority=priority)
    for name, value in options.scrapy_overrides.items():
        settings.set(name, value, priority="cmdline")


def options_of(settings: Any) -> Options:
    """The settings of a crawl: the current ones, with the values its Scrapy ``settings``
    were given above crawler/settings.py (``scrapy crawl -s NAME=VALUE``, or the CLI's)."""
    given = {
        name: settings[name]
        for name in SCRAPY_FIELDS
        if (settings.getpriority(name) or 0) > _PROJECT
    }
    return current_options().with_values(given)


class OptionsAddon:
    """Scrapy add-on (``ADDONS`` in crawler/settings.py): a crawl's Scrapy settings get the
    settings object's values, so a plain ``scrapy crawl NAME`` reads the environment as
    ``adwatch crawl NAME`` does. A bad value stops Scrapy with ``NAME: what is wrong``, exit 2."""

    @classmethod
    def update_pre_crawler_settings(cls, settings: Any) -> None:
        cls._apply(settings)

    def update_settings(self, settings: Any) -> None:
        self._apply(settings)

    @staticmethod
    def _apply(settings: Any) -> None:
        try:
            apply_to_scrapy(options_of(settings), settings)
        except SettingsError as exc:
            print(str(exc), file=sys.stderr)
            raise SystemExit(2) from None


__all__ = ["SCRAPY_FIELDS", "OptionsAddon", "apply_to_scrapy", "crawl_settings", "options_of"]
