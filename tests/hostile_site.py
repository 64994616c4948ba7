"""A hostile site on 127.0.0.1, and a private one it tries to lure the crawler to.

``HostileSite`` serves one listing whose ad links lead to every trap adwatch must survive:
redirect loops and endless redirect chains, pages over the size cap (streamed, or declared
in Content-Length), a gzip bomb, broken and missing charsets, bot walls (a captcha page, a
Cloudflare challenge, a 403), a 429 and a 503 with Retry-After that answer on the next try,
a 429 that asks for an hour, a 500 that answers on the next try, redirects and links to
private addresses (another port of 127.0.0.1, localhost, 169.254.169.254), links that are
not http(s), and endless pagination, between ordinary ads. ``/browser-private/`` lists the
pages a browser would be lured from to the private network: by a page's scripts, frames,
XHR redirects and WebSocket (``/ad/js-to-private``), or by the page redirecting.

``PrivateSite`` stands for a service on the private network: it answers anything and
records every request, so a test can prove that none reached it. Both run in this process
on a thread with their own event loop; ``hits`` maps each path to the times it was asked
for (``time.monotonic()``).
"""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import TracebackType

from aiohttp import web

#: Bigger than DOWNLOAD_MAXSIZE (10 MB).
HUGE_BYTES = 12 * 1024 * 1024
#: A gzip member of 16 MB of zeros, repeated: about 1 GB once inflated, 1 MB on the wire.
BOMB_MEMBERS = 64
BOMB_MEMBER_BYTES = 16 * 1024 * 1024

WORDS = (
    "apartamento luminoso cerca del centro con balcón y cocina equipada disponible ya "
    "trabajo de cuidadora para señora mayor con horario flexible y buen sueldo mensual "
    "vendo bicicleta de montaña en buen estado con cambios nuevos y casco incluido "
    "clases particulares de matemáticas y física para estudiantes de secundaria "
    "se busca camarero con experiencia para restaurante en la costa durante el verano "
    "ofrezco servicio de mudanzas con camioneta grande y dos ayudantes por horas "
    "alquilo habitación amueblada en piso compartido con estudiantes tranquilos "
    "reparación de ordenadores y teléfonos a domicilio con garantía de tres meses"
).split()


def ad_text(name: str, sentences: int = 3) -> str:
    """A distinct few sentences for the ad called ``name``."""
    seed = sum(ord(c) * (i + 1) for i, c in enumerate(name))
    out = []
    for s in range(sentences):
        words = [WORDS[(seed * (s + 3) + k * (seed % 7 + 2)) % len(WORDS)] for k in range(14)]
        out.append(" ".join(words).capitalize() + f" ({name}, {s + 1}).")
    return " ".join(out)


def ad_page(title: str, body: str, head: str = "", extra: str = "", meta_charset: bool = True):
    charset = '<meta charset="utf-8">' if meta_charset else ""
    return (
        f"<!doctype html><html><head>{charset}<title>{title}</title>{head}</head><body>"
        f'<h1>{title}</h1><div class="body"><p>{body}</p></div>{extra}</body></html>'
    )


def html(text: str, status: int = 200, charset: str | None = "utf-8", **headers: str):
    ctype = "text/html" + (f"; charset={charset}" if charset else "")
    return web.Response(
        body=text.encode("utf-8"), status=status, headers={"Content-Type": ctype, **headers}
    )


#: The ads of the hostile site that are ordinary pages and must be stored (path -> title).
GOOD_ADS = {
    "/ad/good-1": "Habitación en Asunción",
    "/ad/good-2": "Niñera con experiencia",
    "/ad/mentions-captcha": "Formulario con captcha para contactar",
    "/ad/no-charset": "Señora busca cuidadora en São Paulo",
    "/ad/unknown-charset": "Mudanzas económicas en Ñemby",
    "/ad/bad-bytes": "Clases de guaraní y español",
    "/ad/slow-down": "Camarero para la temporada",
    "/ad/maintenance": "Bicicleta de montaña",
    "/ad/flaky": "Reparación de teléfonos",
}

#: Listing pages the crawl may follow (``politeness: {max_pages: ...}`` in the test).
MAX_PAGES = 3

#: The pages of ``/browser-private/``, whose rendering in a browser would reach the private
#: network: ``/ad/js-to-private`` from its scripts, frames and a redirect of its XHR, the
#: others by redirecting the page itself.
BROWSER_PRIVATE_PAGES = (
    "/ad/good-1",
    "/ad/js-to-private",
    "/ad/to-private",
    "/ad/to-localhost",
    "/ad/to-metadata",
)
#: The requests ``/ad/js-to-private`` makes to private addresses (a blocking script, an
#: iframe, two fetches, an XHR redirected to the private site, a WebSocket), and the one it
#: makes that PLAYWRIGHT_ABORT_REQUEST aborts anyway (an image).
JS_PRIVATE_REQUESTS = 6
JS_PRIVATE_TITLE = "Anuncio con scripts curiosos"


class PrivateSite:
    """Answers every path with a page that looks like an ad, and records each request."""

    def __init__(self) -> None:
        self.hits: dict[str, list[float]] = defaultdict(list)
        self.port = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits[request.path_qs].append(time.monotonic())
        return html(ad_page("Secreto interno", ad_text("secret", 4)))


class HostileSite:
    """The hostile site (see the module docstring); ``private`` is the site it lures to."""

    def __init__(self) -> None:
        self.private = PrivateSite()
        self.hits: dict[str, list[float]] = defaultdict(list)
        self.port = 0
        member = gzip.compress(b"\0" * BOMB_MEMBER_BYTES, compresslevel=9)
        self.bomb = member * BOMB_MEMBERS
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runners: list[web.AppRunner] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def private_url(self) -> str:
        return f"http://127.0.0.1:{self.private.port}"

    def count(self, path: str) -> int:
        return len(self.hits.get(path, []))

    # ------------------------------------------------------------------ pages
    def listing(self, page: int) -> str:
        links = []
        if page == 1:
            paths = [
                *GOOD_ADS,
                "/ad/huge",
                "/ad/huge-declared",
                "/ad/bomb",
                "/ad/loop-a",
                "/ad/chain/1",
                "/ad/captcha",
                "/ad/challenge",
                "/ad/forbidden",
                "/ad/banned",
                "/ad/to-private",
                "/ad/to-localhost",
                "/ad/to-metadata",
                "/ad/meta-to-private",
            ]
            links = [f"{self.base_url}{p}" for p in paths]
            links += [
                f"{self.private_url}/direct-link",
                f"ftp://127.0.0.1:{self.private.port}/ads.txt",
                "file:///etc/passwd",
                "data:text/html,<h1>ad</h1>",
                "javascript:alert(1)",
            ]
        else:
            links = [f"{self.base_url}/ad/page-{page}"]
        items = "".join(f'<li><a class="ad" href="{u}">ad</a></li>' for u in links)
        return (
            f"<!doctype html><html><head><title>Anuncios, página {page}</title></head><body>"
            f'<ul>{items}</ul><a class="next" href="/list/{page + 1}">siguiente</a>'
            "</body></html>"
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path].append(time.monotonic())
        seen = len(self.hits[path])
        if path == "/list/":
            return html(self.listing(1))
        if path == "/charsets/":  # only the pages whose charset is missing or unknown
            items = "".join(
                f'<li><a class="ad" href="{p}">ad</a></li>'
                for p in ("/ad/no-charset", "/ad/unknown-charset")
            )
            return html(f"<!doctype html><html><body><ul>{items}</ul></body></html>")
        if path.startswith("/list/"):
            return html(self.listing(int(path.rsplit("/", 1)[1])))
        if path == "/browser-private/":
            items = "".join(
                f'<li><a class="ad" href="{p}">ad</a></li>' for p in BROWSER_PRIVATE_PAGES
            )
            return html(f"<!doctype html><html><body><ul>{items}</ul></body></html>")
        if path == "/ad/js-to-private":
            return html(self.js_to_private(path))
        if path == "/redirect-xhr":
            raise web.HTTPFound(f"{self.private_url}/from-xhr-redirect")
        if path in ("/ad/good-1", "/ad/good-2"):
            return html(ad_page(GOOD_ADS[path], ad_text(path)))
        if path.startswith("/ad/page-"):
            return html(ad_page(f"Anuncio de la página {path[9:]}", ad_text(path)))
        if path == "/ad/mentions-captcha":
            # an ordinary ad whose contact form carries a reCAPTCHA: not a wall
            form = (
                '<form id="contact"><textarea name="msg"></textarea>'
                '<div class="g-recaptcha" data-sitekey="x"></div></form>'
                "<p>Resuelva el captcha para enviar el mensaje.</p>"
            )
            script = '<script src="https://www.google.com/recaptcha/api.js"></script>'
            return html(ad_page(GOOD_ADS[path], ad_text(path, 14), head=script, extra=form))
        if path == "/ad/no-charset":
            # UTF-8 with neither a charset header nor a meta charset
            page = ad_page(
                GOOD_ADS[path],
                "Niñera cariñosa, atención día y noche. " + ad_text(path),
                meta_charset=False,
            )
            return html(page, charset=None)
        if path == "/ad/unknown-charset":
            page = ad_page(
                GOOD_ADS[path], "Camión grande, señor Muñoz. " + ad_text(path), meta_charset=False
            )
            return html(page, charset="x-no-such-charset")
        if path == "/ad/bad-bytes":
            good = ad_page(GOOD_ADS[path], "Profesora nativa XX " + ad_text(path)).encode()
            body = good.replace(b"XX", b"\xff\xfe\xc3\x28\xa0\xa1")
            return web.Response(body=body, headers={"Content-Type": "text/html; charset=utf-8"})
        if path == "/ad/huge":
            return await self.stream_huge(request, declared=False)
        if path == "/ad/huge-declared":
            return await self.stream_huge(request, declared=True)
        if path == "/ad/bomb":
            return web.Response(
                body=self.bomb,
                headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
            )
        if path == "/ad/loop-a":
            raise web.HTTPFound("/ad/loop-b")
        if path == "/ad/loop-b":
            raise web.HTTPFound("/ad/loop-a")
        if path.startswith("/ad/chain/"):
            raise web.HTTPFound(f"/ad/chain/{int(path.rsplit('/', 1)[1]) + 1}")
        if path == "/ad/captcha":
            return html(
                "<html><head><title>Are you a robot?</title>"
                '<script src="https://www.google.com/recaptcha/api.js"></script></head><body>'
                '<form id="captcha-form" action="/verify"><div class="g-recaptcha" '
                'data-sitekey="x"></div><button>Continuar</button></form></body></html>'
            )
        if path == "/ad/challenge":
            return html(
                "<html><head><title>Just a moment...</title></head><body>"
                "<noscript>Enable JavaScript and cookies to continue</noscript>"
                "<script>window._cf_chl_opt={cType: 'managed'};</script></body></html>"
            )
        if path == "/ad/forbidden":
            return html(
                "<html><head><title>Attention Required! | Cloudflare</title></head>"
                "<body><h1>Sorry, you have been blocked</h1></body></html>",
                status=403,
            )
        if path == "/ad/slow-down":
            if seen == 1:
                return html("<h1>Too many requests</h1>", status=429, **{"Retry-After": "1"})
            return html(ad_page(GOOD_ADS[path], ad_text(path)))
        if path == "/ad/maintenance":
            if seen == 1:
                when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
                return html("<h1>Maintenance</h1>", status=503, **{"Retry-After": when})
            return html(ad_page(GOOD_ADS[path], ad_text(path)))
        if path == "/ad/banned":
            return html("<h1>Slow down</h1>", status=429, **{"Retry-After": "3600"})
        if path == "/ad/flaky":
            if seen == 1:
                return html("<h1>Internal error</h1>", status=500)
            return html(ad_page(GOOD_ADS[path], ad_text(path)))
        if path == "/ad/to-private":
            raise web.HTTPFound(f"{self.private_url}/admin")
        if path == "/ad/to-localhost":
            raise web.HTTPFound(f"http://localhost:{self.private.port}/admin")
        if path == "/ad/to-metadata":
            raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")
        if path == "/ad/meta-to-private":
            refresh = f'<meta http-equiv="refresh" content="0; url={self.private_url}/refresh">'
            return html(f"<html><head>{refresh}</head><body>Redirigiendo</body></html>")
        raise web.HTTPNotFound()

    def js_to_private(self, path: str) -> str:
        """An ad whose heading is written once its requests to private addresses settled."""
        private = self.private_url
        metadata = "http://169.254.169.254/latest/meta-data/"
        script = f"""
const socket = new Promise((done) => {{
  try {{
    const ws = new WebSocket("ws://127.0.0.1:{self.private.port}/socket");
    ws.onopen = ws.onerror = ws.onclose = done;
  }} catch (e) {{ done(); }}
}});
new Image().src = "{private}/pixel.gif";
Promise.allSettled([
  fetch("{private}/from-js"),
  fetch("{metadata}iam/security-credentials/"),
  fetch("/redirect-xhr"),
  socket,
]).then(() => {{
  const h1 = document.createElement("h1");
  h1.textContent = "{JS_PRIVATE_TITLE}";
  document.body.prepend(h1);
}});
"""
        return (
            '<!doctype html><html><head><meta charset="utf-8"><title>Anuncio</title></head>'
            f'<body><div class="body"><p>{ad_text(path)}</p></div>'
            f'<iframe src="{metadata}"></iframe>'
            f'<script src="{private}/script.js"></script>'
            f"<script>{script}</script></body></html>"
        )

    async def stream_huge(self, request: web.Request, declared: bool) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        if declared:
            response.content_length = HUGE_BYTES
        await response.prepare(request)
        chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        try:
            await response.write(b"<html><body>")
            for _ in range(HUGE_BYTES // len(chunk) + 1):
                await response.write(chunk)
        except (ConnectionError, RuntimeError):
            pass  # the crawler hung up, as it should
        return response

    # ------------------------------------------------------------------ life cycle
    def start(self) -> HostileSite:
        ready = threading.Event()

        async def serve() -> None:
            for handler, owner in ((self.private.handle, self.private), (self.handle, self)):
                app = web.Application()
                app.router.add_route("*", "/{tail:.*}", handler)
                runner = web.AppRunner(app, access_log=None)
                await runner.setup()
                site = web.TCPSite(runner, "127.0.0.1", 0)
                await site.start()
                owner.port = runner.addresses[0][1]
                self._runners.append(runner)

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(serve())
            ready.set()
            loop.run_forever()
            for runner in self._runners:
                loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="hostile-site", daemon=True)
        self._thread.start()
        ready.wait()
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._thread = None

    def __enter__(self) -> HostileSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
