"""Resident memory over many verdicts: it must stay flat (no session or ruleset leaks).

    .venv/bin/python bench/memory.py            # 200,000 verdicts
    .venv/bin/python bench/memory.py --n 20000  # a quick run

Cycles through every ruleset's bundled examples with Runner.evaluate (what the facade
calls; --facade to go through govrules.evaluate instead) and prints RSS at ten points.
The engine keeps ~430 KB per live session and never frees a ruleset unless told to
(docs/engine.md): either leak would show here as steady growth.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import govrules
from govrules._rulesets import available, runner

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="verdicts in all (default 200,000)")
    parser.add_argument("--facade", action="store_true", help="call govrules.evaluate instead of Runner.evaluate")
    args = parser.parse_args()
    inputs = [(name, json.loads(p.read_text(encoding="utf-8")))
              for name in available() for p in sorted((ROOT / "examples").glob(f"{name}-*.json"))]
    calls = [(lambda f, n=name: govrules.evaluate(n, f)) if args.facade else runner(name).evaluate for name, _ in inputs]
    for call, (_, facts) in zip(calls, inputs):  # warm up: every rule file loaded and compiled
        call(facts)
    print(f"python {sys.version.split()[0]}; {args.n:,} verdicts over {len(inputs)} examples of {len(available())} rulesets")
    start_rss, start = rss_mb(), time.perf_counter()
    print(f"{0:>9,} verdicts  RSS {start_rss:7.1f} MB")
    step = max(1, args.n // 10)
    marks = []
    for i in range(1, args.n + 1):
        k = i % len(inputs)
        calls[k](inputs[k][1])
        if i % step == 0:
            marks.append(rss_mb())
            print(f"{i:>9,} verdicts  RSS {marks[-1]:7.1f} MB  ({i / (time.perf_counter() - start):,.0f}/s)")
    if len(marks) >= 2:
        print(f"growth after the first tenth: {marks[-1] - marks[0]:+.1f} MB over {args.n - step:,} verdicts"
              f" ({(marks[-1] - marks[0]) * 1024 * 1024 / max(1, args.n - step):.1f} bytes per verdict)")


if __name__ == "__main__":
    main()
