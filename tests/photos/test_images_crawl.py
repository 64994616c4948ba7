"""Hostile photos never stop a crawl: a small site on 127.0.0.1 whose ads each carry one
real photo and one hostile file, crawled by the real ``adwatch run``."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import threading
from pathlib import Path

import pytest
from aiohttp import web
from PIL import Image

from crawler.stores import open_store
from tests.conftest import adwatch, run_json
from tests.photo_samples import HTML, SVG, jpeg, photo, png, png_bomb, repost_copy

pytestmark = pytest.mark.slow

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera", "coins", "moon", "brick", "grass")
PHOTOS += ("gravel",)
GIANT = 11 * 1024 * 1024

#: path -> (body, content type, status), and the skip reason the stats must show
HOSTILE = {
    "bomb.png": ((png_bomb(20000), "image/png", 200), "too_many_pixels"),
    "big.png": ((png_bomb(7000), "image/png", 200), "too_many_pixels"),
    "truncated.jpg": ((jpeg(photo("camera"))[:5000], "image/jpeg", 200), "corrupt"),
    "page.jpg": ((HTML, "image/jpeg", 200), "html"),
    "empty.jpg": ((b"", "image/jpeg", 200), "empty"),
    "vector.svg": ((SVG, "image/svg+xml", 200), "svg"),
    "giant.jpg": ((b"\xff\xd8\xff\xe0" + os.urandom(GIANT), "image/jpeg", 200), "too_large"),
    "gone.jpg": ((HTML, "text/html", 404), "http_404"),
    "login.jpg": ((HTML, "text/html; charset=utf-8", 200), "not_image"),
    "icon.png": ((png(Image.new("RGB", (12, 12), "red")), "image/png", 200), "too_small"),
}


def ad_page(k: int, hostile: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Ad {k}</title></head>
<body><h1 class="ad-title">Vendo artículo número {k}</h1>
<div class="ad-body"><p>Artículo {k} en buen estado, entrega inmediata en Asunción.</p></div>
<div class="ad-contact">Llamar al 0981 {100000 + k}</div>
<div class="ad-gallery"><img src="/img/good-{k}.jpg"><img src="/img/hostile/{hostile}"></div>
</body></html>"""


def good_photo(k: int) -> bytes:
    return jpeg(photo(PHOTOS[k % len(PHOTOS)], 500))


class HostileSite:
    def __init__(self) -> None:
        self.names = list(HOSTILE)
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path
        if path == "/robots.txt":
            return web.Response(text="User-agent: *\nAllow: /\n")
        if path == "/list.html":
            links = "".join(
                f'<a class="ad-link" href="/ad/{k}.html">ad {k}</a>' for k in range(len(self.names))
            )
            return web.Response(text=f"<html><body>{links}</body></html>", content_type="text/html")
        if path.startswith("/ad/"):
            k = int(path.rsplit("/", 1)[-1].split(".")[0])
            return web.Response(text=ad_page(k, self.names[k]), content_type="text/html")
        if path.startswith("/img/good-"):
            k = int(path.rsplit("-", 1)[-1].split(".")[0])
            return web.Response(body=good_photo(k), headers={"Content-Type": "image/jpeg"})
        if path.startswith("/img/hostile/"):
            (body, content_type, status), _ = HOSTILE[path.rsplit("/", 1)[-1]]
            return web.Response(body=body, status=status, headers={"Content-Type": content_type})
        return web.Response(status=404)

    def __enter__(self) -> HostileSite:
        ready: list[int] = []
        started = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_get("/{tail:.*}", self.handle)
            runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            ready.append(runner.addresses[0][1])
            started.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        started.wait(30)
        self.port = ready[0]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)


SOURCES = """\
sources:
  - name: hostile
    kind: classified
    start_urls: [http://127.0.0.1:{port}/list.html]
    links: "a.ad-link::attr(href)"
    fields:
      title: "h1.ad-title::text"
      body: "div.ad-body"
      contact: "div.ad-contact"
      images: "div.ad-gallery img::attr(src)"
    country: PY
    languages: [es]
    render: static
    allow_private_network: true
"""


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    with HostileSite() as site:
        sources = tmp / "sources.yaml"
        sources.write_text(SOURCES.format(port=site.port))
        env = {"ADWATCH_DATA_DIR": str(tmp / "data"), "ADWATCH_SOURCES": str(sources)}
        first = run_json("run", env=env)
        store = open_store(tmp / "data")
        ads = store.all_ads()
        store.close()
        yield {"env": env, "first": first, "ads": ads, "data": tmp / "data", "site": site}


def test_hostile_photos_never_stop_the_crawl_and_every_ad_is_stored(crawled):
    first = crawled["first"]
    assert first["_exit"] == 0, first["_stderr"][-3000:]
    assert "Traceback" not in first["_stderr"]
    assert first["totals"]["ads_new"] == len(HOSTILE)
    assert len(crawled["ads"]) == len(HOSTILE)
    for ad in crawled["ads"]:
        number = re.search(r"/ad/(\d+)\.html$", ad["url"]).group(1)
        assert [Path(i["url"]).name for i in ad["images"]] == [f"good-{number}.jpg"]
        assert ad["repost_of"] is None and ad["repost_count"] == 0


def test_each_hostile_file_is_counted_by_its_reason(crawled):
    rejected = crawled["first"]["sources"][0]["images"]["rejected"]
    expected: dict[str, int] = {}
    for _, reason in HOSTILE.values():
        expected[reason] = expected.get(reason, 0) + 1
    assert rejected == expected
    assert crawled["first"]["sources"][0]["images"]["kept"] == len(HOSTILE)


def test_photos_are_kept_once_by_content_hash(crawled):
    files = sorted((crawled["data"] / "images" / "full").rglob("*.jpg"))
    kept = {i["sha256"] for ad in crawled["ads"] for i in ad["images"]}
    assert {f.stem for f in files} == kept
    for ad in crawled["ads"]:
        image = ad["images"][0]
        assert image["path"] == f"full/{image['sha256'][:2]}/{image['sha256']}.jpg"
        assert len(image["phash"]) == 16 and image["cluster"]


def test_search_by_image_finds_the_ad_from_a_file_and_from_a_url(crawled, tmp_path):
    query = tmp_path / "copy.jpg"
    query.write_bytes(repost_copy(Image.open(io.BytesIO(good_photo(3)))))
    out = adwatch("search", "--image", str(query), "--json", env=crawled["env"])
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert hits and hits[0]["url"].endswith("/ad/3.html") and hits[0]["distance"] <= 10
    url = f"http://127.0.0.1:{crawled['site'].port}/img/good-3.jpg"
    out = adwatch("search", "--image", url, "--allow-private-network", env=crawled["env"])
    assert out.returncode == 0 and "/ad/3.html" in out.stdout and "nearest first" in out.stdout
    out = adwatch("search", "--image", url, env=crawled["env"])
    assert out.returncode == 2 and "private" in out.stderr
    query.write_bytes(SVG)
    out = adwatch("search", "--image", str(query), env=crawled["env"])
    assert out.returncode == 2 and "not a photo" in out.stderr
