"""DNS rebinding: a name that answers a public address first and 127.0.0.1 next never reaches a
service on 127.0.0.1, from the crawl, the browser or a one-off fetch.

Everything runs in a network namespace of its own (``unshare``: a user, network and mount
namespace, no privileges needed), whose ``/etc/resolv.conf`` names a DNS server of this test on
127.0.0.1:53, so the system's resolver (glibc, and Node's and Chromium's in the browser path)
asks it. The server answers a name ``pN.PATH.rebind.test`` with a public address for its first
N queries (nothing can reach it: the namespace has no network but its loopback) and with
127.0.0.1 afterwards; the private service is a real HTTP server on 127.0.0.1 that logs every
request it gets. Several N per path, so whichever lookup a path would make the last one,
it gets 127.0.0.1.

Run as a script (``python -m tests.fetch.test_rebinding OUT_DIR``), this module is the side that
runs inside the namespace.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import IN_CI, ROOT

# public to the policy (documentation ranges are not), and unreachable in the namespace
PUBLIC = "93.184.215.14"
PRIVATE = "127.0.0.1"
PUBLIC_ANSWERS = {"crawl": (1, 2), "extract": (1, 2), "thumb": (1, 2, 3), "browser": (2, 3, 4)}


def _namespace_problem() -> str | None:
    """Why this machine cannot run the namespace, or ``None``."""
    for tool in ("unshare", "ip", "mount"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    probe = subprocess.run(
        ["unshare", "-r", "-n", "-m", "sh", "-c", "ip link set lo up"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.returncode:
        return f"no unprivileged user and network namespaces: {probe.stderr.strip()}"
    return None


@pytest.mark.slow
def test_a_rebinding_name_never_reaches_a_private_service(tmp_path):
    problem = _namespace_problem()
    if problem:
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions attempts:2 timeout:2\n")
    script = (
        f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && "
        f"exec {sys.executable} -m tests.fetch.test_rebinding {tmp_path}"
    )
    proc = subprocess.run(
        ["unshare", "-r", "-n", "-m", "sh", "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    result = json.loads(proc.stdout)
    # the resolver rebinds for anyone who asks twice
    assert result["control"] == [PUBLIC, PRIVATE]
    runs = result["runs"]
    # the browser path needs Chromium (Debian's), and is left out without it
    browser = (
        {"browser"} if os.environ.get("ADWATCH_CHROMIUM") or shutil.which("chromium") else set()
    )
    assert {r["path"] for r in runs} == {"crawl", "extract", "thumb"} | browser
    # (host, path) of each request the private service got, ("connection", peer) of each
    # connection
    assert result["hits"] == []
    for run in runs:
        # each path resolved its name through the test's DNS server; outside the browser,
        # once: the connection went to the address that was checked
        asked = result["asked"].get(run["name"], 0)
        assert asked == 1 if run["path"] != "browser" else asked >= 1, run


def test_a_response_from_a_private_address_is_refused_whatever_the_name_resolved_to():
    from ipaddress import ip_address

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.fetch.private_network import PrivateNetworkMiddleware

    def answered_from(peer: str, allow: object = False) -> bool:
        crawler = get_crawler(settings_dict={"ADWATCH_ALLOW_PRIVATE_NETWORK": allow})
        crawler.stats.open_spider()
        middleware = PrivateNetworkMiddleware.from_crawler(crawler)
        request = Request("http://ads.example.org:8080/ad/1")
        response = HtmlResponse(request.url, body=b"<html></html>", ip_address=ip_address(peer))
        try:
            middleware.process_response(request, response)
        except IgnoreRequest:
            assert crawler.stats.get_value("adwatch/blocked_private_network") == 1
            return False
        return True

    assert answered_from("93.184.215.14")
    assert not answered_from("127.0.0.1")
    assert not answered_from("::ffff:10.0.0.7")
    assert answered_from("127.0.0.1", allow=True)
    assert answered_from("127.0.0.1", allow=["ads.example.org:8080"])
    assert not answered_from("127.0.0.1", allow=["ads.example.org:9999"])


def test_the_browser_refuses_websockets_to_names_chromium_would_resolve_again():
    import asyncio

    from crawler.fetch.browser_guard import WEBSOCKET_STAT, BrowserGuard

    async def refusals(allow: object, urls: list[str]) -> list[str | None]:
        guard = BrowserGuard(allow)
        return [await guard.refusal(u) for u in urls]

    urls = ["ws://chat.example.org/socket", "wss://93.184.215.14/socket", "ws://db:8080/socket"]
    assert asyncio.run(refusals(False, urls)) == [WEBSOCKET_STAT, None, WEBSOCKET_STAT]
    assert asyncio.run(refusals(["db:8080"], urls)) == [WEBSOCKET_STAT, None, None]
    assert asyncio.run(refusals(True, urls)) == [None, None, None]


# ---------------------------------------------------------------- inside the namespace


class RebindingDNS:
    """A DNS server on 127.0.0.1:53: ``pN.x.rebind.test`` is PUBLIC for its first N A queries,
    then PRIVATE; no AAAA records; other names do not exist."""

    NAME = re.compile(r"p(\d+)\.[a-z0-9-]+\.rebind\.test")

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 53))
        self.asked: dict[str, int] = {}
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        from twisted.names import dns

        while True:
            data, client = self.sock.recvfrom(4096)
            query = dns.Message()
            query.fromStr(data)
            answer = dns.Message(id=query.id, answer=1, recDes=query.recDes, recAv=1, auth=1)
            answer.queries = query.queries
            question = query.queries[0]
            name = question.name.name.decode().lower().rstrip(".")
            match = self.NAME.fullmatch(name)
            if not match:
                answer.rCode = dns.ENAME
            elif question.type == dns.A:
                self.asked[name] = self.asked.get(name, 0) + 1
                address = PUBLIC if self.asked[name] <= int(match[1]) else PRIVATE
                record = dns.Record_A(address, ttl=0)
                answer.answers = [dns.RRHeader(name, dns.A, dns.IN, 0, record)]
            self.sock.sendto(answer.toStr(), client)


class PrivateService(ThreadingHTTPServer):
    """An ad site on 127.0.0.1 that nothing may reach: every connection (a preconnect too)
    and every request is logged."""

    daemon_threads = True

    def __init__(self) -> None:
        self.hits: list[tuple[str, str]] = []
        super().__init__(("127.0.0.1", 0), _Pages)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def verify_request(self, request: object, client_address: object) -> bool:
        self.hits.append(("connection", str(client_address)))
        return True


class _Pages(BaseHTTPRequestHandler):
    PAGES = {
        "/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n"),
        "/list/": ("text/html", b'<html><body><a class="ad" href="/ad/1">ad</a></body></html>'),
        "/ad/1": (
            "text/html",
            b"<html><body><h1>Secret internal ad</h1><div class=body>internal</div></body></html>",
        ),
        "/photo.png": ("image/png", bytes.fromhex("89504e470d0a1a0a") + b"\0" * 64),
    }

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.hits.append((self.headers.get("Host", ""), self.path))  # type: ignore[attr-defined]
        content_type, body = self.PAGES.get(self.path, ("text/plain", b"not found"))
        self.send_response(200 if self.path in self.PAGES else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _adwatch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def _crawl(out: Path, name: str, host: str, port: int, render: str) -> subprocess.CompletedProcess:
    work = out / name
    work.mkdir()
    sources = work / "sources.yaml"
    sources.write_text(
        f"""sources:
  - name: {name}
    kind: classified
    start_urls: ["http://{host}:{port}/list/"]
    links: "a.ad::attr(href)"
    fields:
      title: "h1::text"
      body: "div.body"
    render: {render}
"""
    )
    env = {
        "ADWATCH_DATA_DIR": str(work / "data"),
        "ADWATCH_SOURCES": str(sources),
        "ADWATCH_ALERTS": "false",
    }
    return _adwatch("-m", "crawler.cli.main", "crawl", name, "--json", env=env)


THUMBNAIL = (
    "import sys\n"
    "from alerts.thumbnails import ImageFetcher\n"
    "print(ImageFetcher(1_000_000, 5).fetch(sys.argv[1], 'ads'))\n"
)


def run_paths(out: Path) -> dict:
    dns = RebindingDNS()
    service = PrivateService()
    port = service.server_address[1]
    control = [socket.gethostbyname("p1.control.rebind.test") for _ in range(2)]
    chromium = os.environ.get("ADWATCH_CHROMIUM") or shutil.which("chromium")
    runs = []
    for path, counts in PUBLIC_ANSWERS.items():
        if path == "browser" and not chromium:
            continue
        for n in counts:
            host = f"p{n}.{path}.rebind.test"
            if path == "crawl":
                proc = _crawl(out, f"static{n}", host, port, "static")
            elif path == "browser":
                proc = _crawl(out, f"browser{n}", host, port, "browser")
            elif path == "extract":
                proc = _adwatch("-m", "crawler.cli.main", "extract", f"http://{host}:{port}/ad/1")
            else:
                proc = _adwatch("-c", THUMBNAIL, f"http://{host}:{port}/photo.png")
            output = proc.stdout + proc.stderr
            runs.append({"path": path, "name": host, "exit": proc.returncode, "output": output})
    return {"control": control, "runs": runs, "hits": service.hits, "asked": dns.asked}


if __name__ == "__main__":
    print(json.dumps(run_paths(Path(sys.argv[1]))))
