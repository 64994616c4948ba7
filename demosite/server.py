"""The demo sites over real HTTP on loopback: an aiohttp app and the ``DemoServer`` handle.

The app answers every path from the world's page table (pages are rendered once and kept,
per base URL when they hold absolute links), sends ``ETag`` and ``Last-Modified`` and
honours ``If-None-Match`` / ``If-Modified-Since``. Photos are drawn on a worker thread the
first time they are asked for, then served from an LRU cache. There is no access log.

``DemoServer`` runs the app in a child process by default (``python -m demosite serve``),
so a crawler under benchmark does not share its CPU with the server; the child exits when
its stdin closes, which happens when the parent dies. ``in_process=True`` runs it on a
background thread with its own event loop instead.
"""

from __future__ import annotations

import asyncio
import os
import queue
import subprocess
import sys
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from types import TracebackType

from aiohttp import web

from .generate import generate
from .images import image_bytes
from .model import ImageSpec, Page
from .sites.common import not_found_page
from .world import DemoWorld

#: Rendered photos kept in memory by the server.
IMAGE_CACHE_SIZE = 1024
#: Threads drawing photos; drawing is mostly C code that releases the GIL.
IMAGE_WORKERS = 2
#: Seconds to wait for a child server to say it is ready.
STARTUP_TIMEOUT = 120.0


def _http_date(day: date) -> str:
    return format_datetime(datetime.combine(day, time(), tzinfo=UTC), usegmt=True)


def _not_modified_since(header: str | None, day: date | None) -> bool:
    if not header or day is None:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return datetime.combine(day, time(), tzinfo=UTC) <= since


class DemoHandler:
    """The aiohttp request handler for one world."""

    def __init__(self, world: DemoWorld) -> None:
        self.world = world
        self._based: dict[tuple[str, str], tuple[Page, str]] = {}
        self._images: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._executor = ThreadPoolExecutor(IMAGE_WORKERS, thread_name_prefix="demosite-img")
        self._missing = not_found_page()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _page(self, request: web.Request) -> tuple[Page, str] | None:
        cache_key = (self.world.route_key(request.path, request.query_string), request.host)
        hit = self._based.get(cache_key)
        if hit is not None:
            return hit
        page = self.world.page(request.path, request.query_string)
        if page is None:
            return None
        page = page.with_base(f"{request.scheme}://{request.host}")
        entry = (page, page.etag)
        self._based[cache_key] = entry
        return entry

    async def _image(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        cached = self._images.get(path)
        if cached is None:
            spec: ImageSpec | None = self.world.image(path)
            if spec is None:
                return self._respond(request, self._missing, self._missing.etag)
            loop = asyncio.get_running_loop()
            body = await loop.run_in_executor(self._executor, image_bytes, spec)
            cached = (body, spec.content_type)
            self._images[path] = cached
            if len(self._images) > IMAGE_CACHE_SIZE:
                self._images.popitem(last=False)
        else:
            self._images.move_to_end(path)
        body, content_type = cached
        etag = f'"{path.rsplit("/", 1)[-1]}"'
        headers = {
            "Content-Type": content_type,
            "ETag": etag,
            "Cache-Control": "public, max-age=86400",
        }
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers=headers)

    def _respond(self, request: web.Request, page: Page, etag: str) -> web.Response:
        headers = {"Content-Type": page.content_type}
        if page.status == 200:
            headers["ETag"] = etag
            headers["Cache-Control"] = "no-cache"
            if page.last_modified is not None:
                headers["Last-Modified"] = _http_date(page.last_modified)
            if request.headers.get("If-None-Match") == etag or _not_modified_since(
                request.headers.get("If-Modified-Since"), page.last_modified
            ):
                return web.Response(status=304, headers=headers)
        if page.location:
            headers["Location"] = page.location
        return web.Response(body=page.body, status=page.status, headers=headers)

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/img/"):
            return await self._image(request)
        entry = self._page(request)
        if entry is None:
            return self._respond(request, self._missing, self._missing.etag)
        page, etag = entry
        if page.delay:
            await asyncio.sleep(page.delay)
        return self._respond(request, page, etag)


def make_app(world: DemoWorld) -> web.Application:
    """The aiohttp application serving ``world``."""
    handler = DemoHandler(world)
    app = web.Application()

    async def handle(request: web.Request) -> web.StreamResponse:
        return await handler(request)

    app.router.add_get("/{tail:.*}", handle)

    async def close_handler(_app: web.Application) -> None:
        handler.close()

    app.on_cleanup.append(close_handler)
    return app


async def start_site(world: DemoWorld, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start serving ``world``; returns the runner (for cleanup) and the bound port."""
    runner = web.AppRunner(make_app(world), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024, reuse_address=True)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, int(bound)


def _child_env() -> dict[str, str]:
    """Environment for the child: make sure it imports this very copy of the package."""
    env = dict(os.environ)
    project = str(Path(__file__).resolve().parent.parent)
    current = env.get("PYTHONPATH")
    env["PYTHONPATH"] = project + (os.pathsep + current if current else "")
    return env


class DemoServer:
    """The demo sites served on loopback for the length of a ``with`` block.

    ``base_url`` is ``http://HOST:PORT``; ``world`` is the same world the server serves
    (generated again in this process from the same seed and size).
    """

    def __init__(
        self,
        seed: int = 1,
        size: int = 500,
        host: str = "127.0.0.1",
        port: int = 0,
        in_process: bool = False,
    ) -> None:
        self.seed = seed
        self.size = size
        self.host = host
        self.port = port
        self.in_process = in_process
        self._world: DemoWorld | None = None
        self._process: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def world(self) -> DemoWorld:
        """The world being served (available once started)."""
        if self._world is None:
            raise RuntimeError("DemoServer is not started")
        return self._world

    # ------------------------------------------------------------------- life cycle

    def start(self) -> DemoServer:
        """Start the server and wait until it accepts connections."""
        if self.in_process:
            self._world = generate(self.seed, self.size)
            self._start_thread(self._world)
        else:
            self._start_child()
            # The parent builds its copy of the world while the child builds and binds.
            self._world = generate(self.seed, self.size)
            self._wait_child()
        return self

    def stop(self) -> None:
        """Stop the server; safe to call twice."""
        if self._process is not None:
            process, self._process = self._process, None
            if process.stdin:
                process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self._thread is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -------------------------------------------------------------------- child mode

    def _start_child(self) -> None:
        command = [
            sys.executable,
            "-m",
            "demosite",
            "serve",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--seed",
            str(self.seed),
            "--size",
            str(self.size),
            "--exit-on-stdin-eof",
        ]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_child_env(),
        )

    def _wait_child(self) -> None:
        process = self._process
        assert process is not None and process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        stdout = process.stdout

        def read() -> None:
            for line in stdout:
                lines.put(line)
            lines.put("")

        threading.Thread(target=read, name="demosite-stdout", daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                self.stop()
                raise RuntimeError("demo server did not start in time") from None
            if line.startswith("READY "):
                self.port = int(line.split()[1].rsplit(":", 1)[1])
                return
            if line == "":
                code = process.wait()
                self._process = None
                raise RuntimeError(f"demo server exited with status {code}")

    # ------------------------------------------------------------------- thread mode

    def _start_thread(self, world: DemoWorld) -> None:
        ready: queue.Queue[int | BaseException] = queue.Queue()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                runner, port = loop.run_until_complete(start_site(world, self.host, self.port))
            except BaseException as error:  # report any startup failure to the caller
                ready.put(error)
                loop.close()
                return
            ready.put(port)
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(runner.cleanup())
                loop.close()

        self._thread = threading.Thread(target=run, name="demosite-server", daemon=True)
        self._thread.start()
        result = ready.get(timeout=STARTUP_TIMEOUT)
        if isinstance(result, BaseException):
            self._thread.join()
            self._thread = None
            raise RuntimeError("demo server failed to start") from result
        self.port = result
