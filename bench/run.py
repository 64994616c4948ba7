"""`make bench`: runs every bench/bench_*.py in turn; each ends with a `NAME: VALUE` line.

The summary lists every figure a bench printed (a ``name_with_underscores: number`` line; a
bench may print more than one, as bench_rules.py does), or its last line if it printed none.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIGURE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+: -?[0-9][0-9.]*")


def main() -> int:
    failed = 0
    results = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        proc = subprocess.run(
            [sys.executable, str(script)], cwd=HERE.parent, text=True, capture_output=True
        )
        print(proc.stdout, end="")
        if proc.returncode:
            failed += 1
            print(proc.stderr[-3000:], file=sys.stderr)
            continue
        lines = [x for x in proc.stdout.splitlines() if x.strip()]
        figures = [x for x in lines if FIGURE.fullmatch(x)]
        results += figures or lines[-1:]
    print("== summary")
    for line in results:
        print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
