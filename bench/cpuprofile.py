"""Run a module under cProfile, timing the CPU time of the main thread (the reactor's).

``python bench/cpuprofile.py OUT.pstats -m MODULE ARGS...`` runs ``MODULE`` as ``python -m``
would and writes its profile to ``OUT.pstats``. CPU time rather than wall time, so that a busy
machine (other processes taking turns on the cores) does not blur where the crawler spends
its own work. ``python bench/cpuprofile.py --report OUT.pstats`` prints the functions by own
time and the project's functions by cumulative time.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import runpy
import sys
import time


def report(path: str, top: int = 30) -> str:
    """The profile in ``path`` as text: the ``top`` functions by own time, then the
    project's (crawler/, spiders/, alerts/) by cumulative time."""
    out = io.StringIO()
    stats = pstats.Stats(path, stream=out)
    total = stats.total_tt
    print(f"CPU time of the main thread: {total:.2f}s", file=out)
    print(f"\n== top {top} by own time", file=out)
    stats.sort_stats("tottime").print_stats(top)
    print(f"\n== the project's functions, top {top} by cumulative time", file=out)
    stats.sort_stats("cumulative").print_stats(r"/(crawler|spiders|alerts)/", top)
    return out.getvalue()


def main() -> None:
    if sys.argv[1] == "--report":
        print(report(sys.argv[2]))
        return
    out, flag, module, *args = sys.argv[1:]
    assert flag == "-m", "usage: cpuprofile.py OUT.pstats -m MODULE ARGS..."
    sys.argv = [module, *args]
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit:
        pass
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    main()
