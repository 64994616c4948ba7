"""The generated demo world: its records, photos, ground truth and pages by path.

:func:`demosite.generate` builds a :class:`DemoWorld`; the server asks it for pages with
:meth:`DemoWorld.page` and for photos with :meth:`DemoWorld.image`. Pages are rendered on
first request and kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from .images import image_bytes
from .model import SITES, AdRecord, ImageSpec, Page
from .sites import anuncios, app, classifieds, feed, jobs, root
from .truth import build_truth

SITE_MODULES = {
    "classifieds": classifieds,
    "anuncios": anuncios,
    "jobs": jobs,
    "feed": feed,
    "app": app,
}


@dataclass
class DemoWorld:
    """Everything the demo server serves, and the truth about it."""

    seed: int
    size: int
    records: dict[str, list[AdRecord]] = field(repr=False)
    images: dict[str, ImageSpec] = field(repr=False)
    truth: dict[str, Any] = field(init=False, repr=False)
    _routes: dict[str, Callable[[], Page]] = field(init=False, repr=False)
    _pages: dict[str, Page] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.truth = build_truth(self.seed, self.size, self.records)
        self._routes = root.routes()
        for site in SITES:
            self._routes.update(SITE_MODULES[site].routes(self.records[site]))

    # ----------------------------------------------------------------- truth helpers

    def truth_json(self) -> str:
        """The truth as pretty-printed JSON (UTF-8 text, stable key order)."""
        return json.dumps(self.truth, ensure_ascii=False, indent=1) + "\n"

    def expected_ads(
        self, sites: Iterable[str] | None = None, include_browser: bool = False
    ) -> list[dict[str, Any]]:
        """Truth ads a crawler should collect from ``sites`` (all by default).

        Ads that only a browser can see (the ``/app/`` site) are left out unless
        ``include_browser``.
        """
        wanted = set(sites) if sites is not None else set(SITES)
        return [
            ad
            for ad in self.truth["ads"]
            if ad["site"] in wanted and (include_browser or not ad["needs_browser"])
        ]

    def listing_pages(self, site: str) -> int:
        """Number of listing pages of ``site``."""
        return SITE_MODULES[site].page_count(self.records[site])

    def paths(self) -> list[str]:
        """Every path the world answers (listing keys of the app API include ``?page=N``)."""
        return list(self._routes)

    # ------------------------------------------------------------------------ serving

    @staticmethod
    def route_key(path: str, query: str = "") -> str:
        if path == "/app/api/ads":
            pages = parse_qs(query).get("page", ["1"])
            return f"/app/api/ads?page={pages[0]}"
        return path

    def page(self, path: str, query: str = "") -> Page | None:
        """The page at ``path`` with absolute URLs still marked, or None for 404."""
        key = self.route_key(path, query)
        cached = self._pages.get(key)
        if cached is not None:
            return cached
        render = self._routes.get(key)
        if render is None:
            return None
        page = render()
        self._pages[key] = page
        return page

    def render(self, path: str, query: str = "", base_url: str = "") -> Page | None:
        """The page at ``path`` as served from ``base_url``, or None for 404."""
        page = self.page(path, query)
        if page is None or not base_url:
            return page
        return page.with_base(base_url)

    def image(self, path: str) -> ImageSpec | None:
        """The spec of ``/img/<id>.<ext>``, or None when no such image exists."""
        name = path.rsplit("/", 1)[-1]
        image_id, _, ext = name.partition(".")
        spec = self.images.get(image_id)
        if spec is None or spec.fmt != ext:
            return None
        return spec

    def image_bytes(self, path: str) -> bytes | None:
        spec = self.image(path)
        return image_bytes(spec) if spec is not None else None
