"""``adwatch sources check|suggest``: the sources file, and adding a site to it.

- ``sources check`` validates sources.yaml; ``sources check --live NAME`` fetches a few fresh
  pages of a source and shows what each configured selector yields on them, flagging the
  selectors that yield nothing (exit 1 when one does).
- ``sources suggest URL [URL ...]`` reads a listing page (a URL or a saved file) and two of
  its ad pages (fetched, or the further URLs and files given) and prints a sources.yaml entry:
  ``links``, ``next_page`` and per-field selectors learned by crawler/extract/suggest.py, each with
  the values it yields, for review. Exit 1 when nothing usable was found.

Pages are fetched one at a time with adwatch's User-Agent, after the site's robots.txt allows
them, with a pause between requests, and never from private addresses unless allowed.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from protego import Protego
from pydantic import ValidationError

from crawler.cli.common import read_sources, sources_path
from crawler.config import FIELD_NAMES, Source, SourcesFile
from crawler.fetch.webfetch import crawl_setting

LIVE_PAGES = 3


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 600 seconds: {text}")
    return value


class PoliteFetcher:
    """One page at a time: robots.txt first, a pause between requests, the size cap and
    private-network policy of crawler/fetch/webfetch.py."""

    def __init__(self, allow_private: bool | list[str], delay: float) -> None:
        self.allow_private = allow_private
        self.delay = delay
        self._robots: dict[str, Protego] = {}
        self._last = 0.0

    def _private_ok(self, url: str) -> bool:
        if isinstance(self.allow_private, bool):
            return self.allow_private
        parts = urlsplit(url)
        return parts.hostname in self.allow_private or parts.netloc in self.allow_private

    def _get(self, url: str) -> tuple[bytes, str, str | None]:
        from crawler.fetch.webfetch import fetch_bytes

        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            return fetch_bytes(url, self._private_ok(url), crawl_setting("DOWNLOAD_MAXSIZE"))
        finally:
            self._last = time.monotonic()

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            text = ""
            try:
                text = self._get(origin + "/robots.txt")[0].decode("utf-8", "replace")
            except urllib.error.HTTPError as exc:
                # RFC 9309: no robots.txt (4xx) allows everything, a server error nothing
                text = "User-agent: *\nDisallow: /\n" if exc.code >= 500 else ""
            self._robots[origin] = Protego.parse(text)
        return self._robots[origin].can_fetch(url, crawl_setting("USER_AGENT"))

    def fetch(self, url: str) -> Any:
        """The page at ``url`` as a :class:`crawler.extract.suggest.Page`; ValueError when
        robots.txt forbids it, OSError or ValueError when it cannot be had."""
        from crawler.extract.suggest import Page

        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        if not self._allowed(url):
            raise ValueError(f"robots.txt of {urlsplit(url).netloc} disallows {url}")
        body, final, charset = self._get(url)
        return Page(body, final, charset)


def read_target(target: str, fetcher: PoliteFetcher) -> Any:
    """A URL fetched, or a saved file read (its address from its canonical link, if any)."""
    from crawler.extract.probe import page_address
    from crawler.extract.suggest import Page

    path = Path(target)
    if "://" not in target or target.startswith("file://"):
        path = Path(target.removeprefix("file://"))
        body = path.read_bytes()
        return Page(body, page_address(body) or path.resolve().as_uri())
    return fetcher.fetch(target)


def _fail(message: str) -> int:
    print(f"adwatch sources: {message}", file=sys.stderr)
    return 2


# ---------------------------------------------------------------- check


def cmd_sources_check(args: argparse.Namespace) -> int:
    sources = read_sources(args)
    if args.live:
        try:
            source = sources.get(args.live)
        except KeyError:
            return _fail(f"unknown source {args.live!r} in {sources_path(args)}")
        return check_live(source, args)
    for s in sources.sources:
        where = s.feed or s.sitemap or ", ".join(s.start_urls)
        state = "" if s.enabled else " (disabled)"
        print(f"{s.name}: {s.kind}, {s.entry} {where}, every {s.schedule.every}{state}")
    print(f"{sources_path(args)}: {len(sources.sources)} source(s), OK")
    return 0


def _shown(value: Any, width: int = 70) -> str:
    if isinstance(value, list):
        return f"{len(value)} link(s)" + (f": {value[0]}" if value else "")
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def check_live(source: Source, args: argparse.Namespace) -> int:
    """Fetch the source's first listing page and a few of its ads; show what every
    configured selector yields on each; 1 when one yields nothing on a page."""
    from crawler.extract.ads import _abs, _hrefs, _texts, extract_listing, select

    if source.entry != "listing":
        return _fail(
            f"{source.name} is a {source.entry} source: --live reads listing sources "
            "(start_urls, links, fields)"
        )
    private = True if args.allow_private_network else source.allow_private_network
    fetcher = PoliteFetcher(private, args.delay)
    empty: list[str] = []
    try:
        listing = fetcher.fetch(source.start_urls[0])
    except (OSError, ValueError) as exc:
        return _fail(f"cannot fetch {source.start_urls[0]}: {exc}")
    sel = listing.selector()
    found = extract_listing(sel, listing.url, source)
    print(f"{source.name}: listing {listing.url}")
    for key in ("links", "next_page"):
        selector = getattr(source, key)
        value = found.links if key == "links" else found.next_page
        if selector is None:
            print(f"  {key}: (automatic) {_shown(value or 'nothing')}")
            continue
        got = _abs(listing.url, _hrefs(select(sel, selector)))
        flag = "" if got else "   <- EMPTY"
        if not got:
            empty.append(key)
        print(f"  {key}: {selector!r} -> {_shown(got if key == 'links' else got[:1])}{flag}")
    pages = []
    for url in found.links:
        if len(pages) >= args.pages:
            break
        try:
            pages.append(fetcher.fetch(url))
        except (OSError, ValueError) as exc:
            print(f"  {url}: not fetched ({exc})")
    if not source.fields:
        print("  fields: automatic extraction (no field selectors configured)")
    for page in pages:
        print(f"ad page {page.url}")
        psel = page.selector()
        for name in FIELD_NAMES:
            selector = source.fields.get(name)
            if selector is None:
                continue
            nodes = select(psel, selector)
            got: Any = _abs(page.url, _hrefs(nodes)) if name == "images" else _texts(nodes)
            flag = "" if got else "   <- EMPTY"
            if not got:
                empty.append(name)
            print(f"  {name}: {selector!r} -> {_shown(got) if got else 'nothing'}{flag}")
    if not found.links:
        print("no ad links on the listing page", file=sys.stderr)
        return 1
    if empty:
        names = ", ".join(dict.fromkeys(empty))
        print(f"{source.name}: selectors yielding nothing: {names}", file=sys.stderr)
        return 1
    print(f"{source.name}: every selector yields a value on {len(pages)} ad page(s)")
    return 0


# ---------------------------------------------------------------- suggest


def cmd_sources_suggest(args: argparse.Namespace) -> int:
    import yaml

    from crawler.extract.suggest import suggest
    from crawler.extract.suggest_entry import entry_yaml

    fetcher = PoliteFetcher(bool(args.allow_private_network), args.delay)
    try:
        listing = read_target(args.targets[0], fetcher)
        ad_pages = [read_target(t, fetcher) for t in args.targets[1:]]
    except (OSError, ValueError) as exc:
        return _fail(f"cannot read the page: {exc}")
    start_url = args.start_url or listing.url
    if urlsplit(start_url).scheme not in ("http", "https"):
        return _fail(f"{args.targets[0]} names no http(s) address of its own: give --start-url")
    listing.url = start_url
    if not ad_pages:
        ad_pages = _fetch_samples(listing, fetcher, args.samples)
    private_hosts: list[str] = []
    if args.allow_private_network:
        from crawler.common.netpolicy import host_is_public

        private_hosts = [urlsplit(start_url).netloc] if not host_is_public(start_url) else []
    result = suggest(
        listing, ad_pages, name=args.name, country=args.country, private_hosts=private_hosts
    )
    text = entry_yaml(result)
    try:  # what it prints, load_sources accepts
        SourcesFile.model_validate(yaml.safe_load(text))
    except ValidationError as exc:  # a --name or --country the schema refuses
        return _fail("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()))
    print(text, end="")
    if result.links is None and not result.fields:
        print(
            "nothing usable found: no ad links and no field selectors (a site that builds its"
            " pages with JavaScript needs `render: browser`; or give ad pages after the listing)",
            file=sys.stderr,
        )
        return 1
    return 0


def _fetch_samples(listing: Any, fetcher: PoliteFetcher, count: int) -> list[Any]:
    from crawler.extract.suggest import read_listing

    _sel, links, _next = read_listing(listing)
    pages = []
    for url in links[: count + 3]:
        if len(pages) >= count:
            break
        try:
            pages.append(fetcher.fetch(url))
        except (OSError, ValueError) as exc:
            print(f"{url}: not fetched ({exc})", file=sys.stderr)
    return pages


# ---------------------------------------------------------------- parser


def register(sub: Any) -> None:
    """``sources check [--live NAME]`` and ``sources suggest URL...`` under ``adwatch``."""
    sp = sub.add_parser("sources", help="sources.yaml tools")
    ssub = sp.add_subparsers(dest="sources_command", required=True)

    def fetch_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--allow-private-network", action="store_true", help="allow 127.0.0.1 and private hosts"
        )
        p.add_argument(
            "--delay", type=_seconds, default=1.0, help="seconds between requests (default 1)"
        )

    ssp = ssub.add_parser("check", help="validate sources.yaml; --live NAME: try its selectors")
    ssp.add_argument("--live", metavar="NAME", help="fetch a few pages of this source")
    ssp.add_argument("--pages", type=_count, default=LIVE_PAGES, help="ad pages to try (default 3)")
    fetch_opts(ssp)
    ssp.set_defaults(func=cmd_sources_check)

    ssp = ssub.add_parser("suggest", help="print a sources.yaml entry for a new site")
    ssp.add_argument(
        "targets",
        nargs="+",
        metavar="URL_OR_FILE",
        help="a listing page, then optionally ad pages (else two of its ads are fetched)",
    )
    ssp.add_argument("--name", help="source name (default: from the host)")
    ssp.add_argument("--country", help="two-letter country (default: from the domain)")
    ssp.add_argument("--start-url", help="the listing's address, when a saved file names none")
    ssp.add_argument("--samples", type=_count, default=2, help="ad pages to fetch (default 2)")
    fetch_opts(ssp)
    ssp.set_defaults(func=cmd_sources_suggest)
