"""Start ``python -m crawler.cli.main ARGS`` children quickly, for the tests' ``adwatch()``.

A child spends most of its start-up importing Scrapy, Twisted, NumPy, Pillow, pydantic and the
like. A launcher process (``python -m tests.launcher``) imports those third-party libraries once,
then forks one child per command; the child sets the command's environment, working directory and
standard streams, and runs ``crawler.cli.main`` as ``python -m`` would: adwatch's own modules are
imported afresh in every child, so each reads its environment as a new process does, and the
interpreter ends as usual (threads joined, ``atexit`` handlers run, exit status from SystemExit).
The returned :class:`subprocess.CompletedProcess` is what ``subprocess.run(..., text=True,
capture_output=True)`` returns: an exit status, or minus the signal that ended the child.

A command whose environment changes what the interpreter reads at start-up (``PYTHON*``,
``LANG``, ``LC_*``) runs as a plain ``subprocess.run`` instead, as does every command when
``ADWATCH_TEST_LAUNCHER=0``.

Protocol, over a Unix socket: the caller sends one JSON request with its stdout and stderr pipes
attached (SCM_RIGHTS); a fork of the launcher forks the command's child, answers the child's pid,
waits for it and answers its exit status.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import locale
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = "crawler.cli.main"
# Third-party libraries the command line imports; none reads adwatch's environment or installs a
# Twisted reactor when imported.
PRELOAD = (
    "scrapy",
    "scrapy.crawler",
    "scrapy.http",
    "scrapy.settings",
    "scrapy.spiders",
    "scrapy.utils.log",
    "twisted.internet.defer",
    "twisted.web.http",
    "numpy",
    "PIL.Image",
    "imagehash",
    "pydantic",
    "pydantic.main",
    "pydantic.fields",
    "pydantic.functional_validators",
    "pydantic.networks",
    "annotated_types",
    "ahocorasick",
    "re2",
    "protego",
    "zoneinfo",
    "statistics",
    "secrets",
    "argparse",
    "elasticsearch",
    "parsel",
    "lxml.html",
    "yaml",
    "jinja2",
    "phonenumbers",
    "rich.console",
    "warcio",
    "smtplib",
    "sqlite3",
    "email.message",
)
# What the interpreter reads from the environment before any code runs.
STARTUP_VARIABLES = ("PYTHON", "LC_", "LANG")


def _startup_environment(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith(STARTUP_VARIABLES)}


# ---------------------------------------------------------------- the caller's side

#: CPU seconds of each command run through the launcher (its child and that child's children).
_usage: list[float] = []


class Launcher:
    """One launcher process for this test session, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._folder: str | None = None
        self._env: dict[str, str] | None = None
        self._broken = False

    def run(
        self, args: list[str], env: dict[str, str], cwd: str | os.PathLike[str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """``python -m crawler.cli.main ARGS`` in ``cwd`` with exactly ``env``."""
        command = [sys.executable, "-m", MODULE, *args]
        address = self._address(env)
        if address is None:
            return subprocess.run(
                command,
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        return _call(address, command, env, os.fspath(cwd), timeout)

    def _address(self, env: Mapping[str, str]) -> str | None:
        if env.get("ADWATCH_TEST_LAUNCHER", os.environ.get("ADWATCH_TEST_LAUNCHER")) == "0":
            return None
        with self._lock:
            if self._broken:
                return None
            if self._proc is None:
                self._start(dict(env))
            assert self._env is not None and self._folder is not None
            if self._proc is None or self._proc.poll() is not None:
                self._broken = True
                return None
            if _startup_environment(env) != _startup_environment(self._env):
                return None
            return os.path.join(self._folder, "socket")

    def _start(self, env: dict[str, str]) -> None:
        self._folder = tempfile.mkdtemp(prefix="adwatch-launcher-")
        self._env = env
        address = os.path.join(self._folder, "socket")
        log = open(os.path.join(self._folder, "launcher.log"), "wb")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.launcher", address],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,  # the launcher ends when this closes
            stdout=log,
            stderr=log,
        )
        log.close()
        atexit.register(self.stop)
        deadline = time.monotonic() + 120
        while not os.path.exists(address):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self._proc.kill()
                self._proc.wait()
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


def _call(
    address: str, command: list[str], env: dict[str, str], cwd: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = 0
    try:
        conn.connect(address)
        request = json.dumps({"args": command[3:], "env": env, "cwd": cwd}).encode()
        socket.send_fds(conn, [request + b"\n"], [out_w, err_w])
        os.close(out_w)
        os.close(err_w)
        out_w = err_w = -1
        answers = conn.makefile("rb")
        pid = int(json.loads(answers.readline())["pid"])
        deadline = time.monotonic() + timeout
        chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
        open_fds = [out_r, err_r]
        while open_fds:
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(
                    command, timeout, _text(b"".join(chunks[out_r])), _text(b"".join(chunks[err_r]))
                )
            ready, _, _ = select.select(open_fds, [], [], left)
            for fd in ready:
                data = os.read(fd, 65536)
                if data:
                    chunks[fd].append(data)
                else:
                    open_fds.remove(fd)
        answer = json.loads(answers.readline())
        returncode = int(answer["returncode"])
        _usage.append(float(answer["cpu_seconds"]))
    except BaseException:  # a timeout, or the test interrupted: the child goes, as with subprocess
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        raise
    finally:
        conn.close()
        for fd in (out_r, err_r, out_w, err_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
    return subprocess.CompletedProcess(
        command, returncode, _text(b"".join(chunks[out_r])), _text(b"".join(chunks[err_r]))
    )


def _text(data: bytes) -> str:
    """Bytes as ``subprocess.run(text=True)`` decodes them (universal newlines)."""
    text = data.decode(locale.getpreferredencoding(False))
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------- the launcher's side


def _serve(address: str) -> tuple[dict, list[int]]:
    """Accept requests until stdin closes; returns only in a command's child."""
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    assert "twisted.internet.reactor" not in sys.modules, "a preloaded library installed a reactor"
    gc.freeze()  # the children's collections then leave the shared pages alone (copy-on-write)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the request handlers reap themselves
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address + ".new")
    server.listen(64)
    os.rename(address + ".new", address)
    while True:
        ready, _, _ = select.select([server, sys.stdin], [], [])
        if sys.stdin in ready:
            os._exit(0)
        conn, _ = server.accept()
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:
            server.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            return _handle(conn)
        conn.close()


def _handle(conn: socket.socket) -> tuple[dict, list[int]]:
    """In a fork of the launcher: start the command's child, answer its pid, wait, answer its
    exit status. Returns only in the command's child."""
    try:
        message, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 2)
        while not message.endswith(b"\n"):
            message += conn.recv(1 << 20)
        request = json.loads(message)
        pid = os.fork()
    except BaseException:
        os._exit(1)
    if pid == 0:
        conn.close()
        return request, fds
    try:
        for fd in fds:
            os.close(fd)
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        _, status, usage = os.wait4(pid, 0)
        answer = {
            "returncode": os.waitstatus_to_exitcode(status),
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
        }
        conn.sendall(json.dumps(answer).encode() + b"\n")
    finally:
        os._exit(0)


def _become(request: dict, fds: list[int]) -> None:
    """Make this forked process look like ``python -m crawler.cli.main`` started afresh."""
    stdout, stderr = fds
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    for name in os.listdir("/proc/self/fd"):
        if int(name) > 2:
            with contextlib.suppress(OSError):
                os.close(int(name))
    os.environ.clear()
    os.environ.update(request["env"])
    if hasattr(time, "tzset"):
        time.tzset()
    os.chdir(request["cwd"])
    sys.path[0] = os.getcwd()
    sys.argv = [MODULE, *request["args"]]
    for name in [n for n in sys.modules if n == "tests" or n.startswith("tests.")]:
        del sys.modules[name]


if __name__ == "__main__":
    _request, _fds = _serve(sys.argv[1])
    _become(_request, _fds)
    import runpy

    runpy.run_module(MODULE, run_name="__main__", alter_sys=True)
