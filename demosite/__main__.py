"""Command line of the demo sites.

    python -m demosite serve --host 127.0.0.1 --port 8765 --seed 1 --size 500
    python -m demosite truth --seed 1 --size 500 -o truth.json
    python -m demosite sources --base-url http://127.0.0.1:8765

``serve`` prints ``READY http://HOST:PORT`` once it accepts connections and runs until it
is interrupted, or until its stdin closes when ``--exit-on-stdin-eof`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
import time

from .generate import generate
from .server import start_site
from .sources import sources_yaml

#: Seconds a server whose stdin closed gets to shut down cleanly before it is cut off.
EXIT_GRACE = 5.0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Ask the server to stop once stdin reaches EOF (the parent closed it or died)."""
    while sys.stdin.buffer.read(4096):
        pass
    loop.call_soon_threadsafe(stop.set)
    time.sleep(EXIT_GRACE)
    os._exit(0)


async def _serve(args: argparse.Namespace) -> None:
    world = generate(args.seed, args.size)
    runner, port = await start_site(world, args.host, args.port)
    print(f"READY http://{_url_host(args.host)}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if args.exit_on_stdin_eof:
        threading.Thread(target=_watch_stdin, args=(loop, stop), daemon=True).start()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m demosite", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the demo sites over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--seed", type=int, default=1)
    serve.add_argument("--size", type=int, default=500, help="number of collectable ads")
    serve.add_argument("--exit-on-stdin-eof", action="store_true", help="stop when stdin is closed")

    truth = commands.add_parser("truth", help="write the ground truth as JSON")
    truth.add_argument("--seed", type=int, default=1)
    truth.add_argument("--size", type=int, default=500)
    truth.add_argument("-o", "--output", help="file to write (default: stdout)")

    sources = commands.add_parser("sources", help="print the sources.yaml of the demo sites")
    sources.add_argument("--base-url", default="http://127.0.0.1:8765")
    sources.add_argument("--no-js", action="store_true", help="leave out the JavaScript site")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        try:
            asyncio.run(_serve(args))
        except KeyboardInterrupt:
            pass
        return 0
    if args.command == "truth":
        text = generate(args.seed, args.size).truth_json()
        if args.output:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        else:
            sys.stdout.write(text)
        return 0
    sys.stdout.write(sources_yaml(args.base_url, include_js=not args.no_js))
    return 0


if __name__ == "__main__":
    sys.exit(main())
