"""Cost of one verdict's "prepare" stage (validation, limits, derived fields) and of the whole core.

    .venv/bin/python bench/prepare.py [--before OTHER/src] [--rounds 15] [--ruleset NAME ...]

For each ruleset (default: signing and meeting), over the inputs bench/throughput.py uses
that need no calendar, prints µs of CPU time per call of ``Runner.prepare`` and of
``Runner.evaluate`` (the core), best and median of --rounds; then ``prepare`` of two large
meetings (1,000 refused agenda items; 1,000 absent leaders, bench/growth_limits.py).

With ``--before``, the same figures for another govrules source tree (put first on
PYTHONPATH) beside this one: one interpreter per tree, both kept running, the rounds
alternating between them so that background load hits both alike. CPU time, not wall
time: on a shared machine a process waiting for a core is not charged. Nothing here is
asserted in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

# Run in each tree's interpreter: on each line read, time every measure once and print them.
CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from govrules._rulesets import runner
from throughput import inputs_for
from growth_limits import absent_leaders, refused_items

measures = []
for name in sys.argv[2].split(","):
    r = runner(name)
    inputs = [f for f, cal in inputs_for(name) if cal is None]
    measures.append((f"{name} prepare", r.prepare, inputs))
    measures.append((f"{name} core", r.evaluate, inputs))
if "meeting" in sys.argv[2].split(","):
    r = runner("meeting")
    measures.append(("meeting prepare, 1,000 items", r.prepare, [refused_items(1000)]))
    measures.append(("meeting prepare, 1,000 leaders", r.prepare, [absent_leaders(1000)]))
print("ready", flush=True)
for _ in sys.stdin:
    out = {}
    for label, call, inputs in measures:
        n, start = 0, time.process_time()
        while True:
            for facts in inputs:
                call(facts)
            n += len(inputs)
            spent = time.process_time() - start
            if spent > 0.15:
                break
        out[label] = spent / n * 1e6
    print(json.dumps(out), flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="SRC", help="another govrules source tree to time beside this one")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--ruleset", action="append", help="a ruleset (repeatable; default signing and meeting)")
    args = parser.parse_args()
    names = ",".join(args.ruleset or ["signing", "meeting"])
    trees = ([("before", args.before)] if args.before else []) + [("this tree", str(SRC))]
    children = []
    for _, src in trees:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(HERE), names], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": src})
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        children.append(child)
    figures: list[dict[str, list[float]]] = [{} for _ in trees]
    for _ in range(args.rounds):
        for child, got in zip(children, figures):
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write("go\n")
            child.stdin.flush()
            for label, us in json.loads(child.stdout.readline()).items():
                got.setdefault(label, []).append(us)
    for child in children:
        assert child.stdin is not None
        child.stdin.close()
        child.wait()
    print(f"python {sys.version.split()[0]}; {args.rounds} alternating rounds; µs of CPU per call, best / median")
    print(f"{'':34}" + "".join(f"{tree:>24}" for tree, _ in trees))
    for label in figures[0]:
        print(f"{label:34}" + "".join(f"{min(got[label]):12.1f} /{statistics.median(got[label]):9.1f}  "
                                      for got in figures))


if __name__ == "__main__":
    main()
