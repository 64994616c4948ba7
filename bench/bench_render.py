"""render: auto against render: browser on a site where one page in ten needs the browser.

A classifieds site on 127.0.0.1 (its own small aiohttp server): listing pages, ad pages served
as plain HTML, and one ad in ten rendered by JavaScript only (a "premium" widget under its own
path). The same source is crawled twice with adwatch, fresh data each time: every page
through Chromium (``render: browser``), then ``render: auto``. Both must find the same ads.
Last line: ``render_auto_ratio: R`` (browser time / auto time).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
ADS, PER_PAGE = 300, 20
STATIC_AD = """<html lang="es"><head><meta charset="utf-8"><title>Aviso {n}</title>
<script>window.dataLayer = [];</script></head><body><main>
<h1 class="ad-title">Vendo heladera número {n}</h1>
<div class="ad-body"><p>Heladera en buen estado, entrega inmediata en Asunción. Aviso {n}.</p></div>
<div class="ad-contact">Llamar al 0981 {n:03d} 456</div></main></body></html>"""
PREMIUM_AD = """<html lang="es"><head><meta charset="utf-8"><title>Aviso {n}</title></head>
<body><div id="app"></div><noscript>Habilite JavaScript para ver este aviso</noscript>
<script>
document.getElementById("app").innerHTML = '<main><h1 class="ad-title">Vendo auto número {n}</h1>'
  + '<div class="ad-body"><p>Auto en buen estado, papeles al día. Aviso destacado {n}.</p></div>'
  + '<div class="ad-contact">Llamar al 0981 {n:03d} 789</div></main>';
</script></body></html>"""


def ad_path(n: int) -> str:
    return f"/premium/{n}" if n % 10 == 0 else f"/ad/{n}.html"


async def listing(request: web.Request) -> web.Response:
    page = int(request.match_info["page"])
    first = (page - 1) * PER_PAGE
    links = "".join(
        f'<p><a class="ad-link" href="{ad_path(n)}">Aviso {n}</a></p>'
        for n in range(first, min(first + PER_PAGE, ADS))
    )
    nxt = f'<a class="next" href="/list/{page + 1}">Siguiente</a>' if first + PER_PAGE < ADS else ""
    head = "<head><meta charset='utf-8'><script></script></head>"
    html = f"<html>{head}<body>{links}{nxt}</body></html>"
    return web.Response(text=html, content_type="text/html")


async def static_ad(request: web.Request) -> web.Response:
    n = int(request.match_info["n"])
    return web.Response(text=STATIC_AD.format(n=n), content_type="text/html")


async def premium_ad(request: web.Request) -> web.Response:
    n = int(request.match_info["n"])
    return web.Response(text=PREMIUM_AD.format(n=n), content_type="text/html")


async def robots(request: web.Request) -> web.Response:
    return web.Response(text="User-agent: *\nAllow: /\n")


def serve() -> tuple[str, web.AppRunner, asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.add_routes(
        [
            web.get("/robots.txt", robots),
            web.get("/list/{page}", listing),
            web.get("/ad/{n}.html", static_ad),
            web.get("/premium/{n}", premium_ad),
        ]
    )
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]
    threading.Thread(target=loop.run_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", runner, loop


def crawl(base: str, render: str, tmp: Path) -> dict:
    sources = tmp / f"{render}.yaml"
    sources.write_text(
        f"""sources:
  - name: site
    kind: classified
    start_urls: ["{base}/list/1"]
    links: "a.ad-link::attr(href)"
    next_page: "a.next::attr(href)"
    fields:
      title: "h1.ad-title::text"
      body: "div.ad-body"
      contact: "div.ad-contact"
    country: PY
    languages: [es]
    render: {render}
    allow_private_network: true
    politeness: {{concurrency: 8, autothrottle: false}}
"""
    )
    env = dict(
        os.environ,
        ADWATCH_DATA_DIR=str(tmp / render),
        ADWATCH_SOURCES=str(sources),
        PYTHONPATH=str(ROOT),
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler.cli.main",
            "crawl",
            "site",
            "--json",
            "--log-level",
            "ERROR",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    summary = json.loads(out[out.index("{") :])
    return summary["sources"][0]


def main() -> None:
    base, _runner, _loop = serve()
    with tempfile.TemporaryDirectory() as tmp:
        browser = crawl(base, "browser", Path(tmp))
        auto = crawl(base, "auto", Path(tmp))
    print(f"cores: {os.cpu_count()}")
    print(f"site: {ADS} ads, one in ten rendered by JavaScript only")
    for name, s in (("browser", browser), ("auto", auto)):
        r = s["render"]
        print(
            f"render: {name:<8} {s['ads_new']} ads in {s['duration_s']:.2f}s "
            f"(static pages {r['static_pages']}, browser pages {r['browser_pages']}, "
            f"fallbacks {r['fallbacks']})"
        )
    if browser["ads_new"] != auto["ads_new"] or auto["ads_new"] != ADS:
        print(f"WARNING: ads found differ: browser {browser['ads_new']}, auto {auto['ads_new']}")
    print(f"render_auto_ratio: {browser['duration_s'] / auto['duration_s']:.2f}")


if __name__ == "__main__":
    main()
