"""Evaluation and remedies time against agenda items and leaders, up to 10,000 (issue #11 item 3).

    .venv/bin/python bench/growth_limits.py [--repeat 3] [--max 10000]

For 100, 1,000 and 10,000 refused agenda items (one leader), and for 100, 1,000 and 10,000
absent leaders (20 items), prints the minimum time of the verdict alone and of the verdict
with its remedies (``to_dict()``), and the ratio of each size to the one before. Linear cost
shows as ratios near 10 for 10x the input (less while fixed costs dominate); the remedies'
budget (docs/auditing.md) keeps their time flat or falling as the input grows, since fewer
re-evaluations fit the budget. Absolute times depend on the machine and its load; the
ratios are what to read. Tests assert counts (tests/test_cost.py), never time.

Measured on the 2-core development machine (shared, so noisy), 2026-11-28:

    refused agenda items   verdict s  ratio  remedies s  ratio
                     100       0.013      -       0.005      -
                   1,000       0.131   10.1       0.051   10.5
                  10,000       2.091   15.9       0.711   14.0
          absent leaders   verdict s  ratio  remedies s  ratio
                     100       0.003      -       0.777      -
                   1,000       0.012    3.6       0.402    0.5
                  10,000       0.156   13.0       1.283    3.2

The Python side is linear (8,000 refused items took 40-53 s before the set in
Runner._verdict; now about 1.5 s). What remains above 10 from 1,000 to 10,000 items is
durable_rules itself: its assert_fact costs ~19 us per fact in a session of 1,000 facts and
~78 us in one of 10,000 (cProfile), a cost inside the C engine that grows with the session.
"""

from __future__ import annotations

import argparse
import time

import govrules


def refused_items(n: int) -> dict:
    # Every item submitted after the cutoff: all n are rejected, each adds to data.rejected.
    return {"meeting": {
        "kind": "mayor_office_meeting", "date": "2026-10-08",
        "convener": {"name": "镇长", "role": "mayor"}, "chair": {"name": "镇长", "role": "mayor"},
        "leaders": [{"name": "镇长", "role": "mayor", "present": True}],
        "agenda": [{"title": f"议题{i}", "submitted_on": "2026-10-07", "portfolios": [], "matters": 1,
                    "proposal": True, "departments": ["甲"]} for i in range(n)]}}


def absent_leaders(n: int) -> dict:
    # The mayor present, n-1 vice mayors absent: no quorum; 20 items in their portfolios.
    leaders = [{"name": "镇长", "role": "mayor", "present": True}]
    leaders += [{"name": f"副镇长{i}", "role": "vice_mayor", "portfolios": [f"p{i}"], "present": False}
                for i in range(1, n)]
    agenda = [{"title": f"议题{i}", "submitted_on": "2026-09-28", "portfolios": [f"p{1 + i % max(n - 1, 1)}"],
               "matters": 1, "proposal": True, "departments": ["甲"]} for i in range(20)]
    return {"meeting": {"kind": "mayor_office_meeting", "date": "2026-10-08",
                        "convener": {"name": "镇长", "role": "mayor"}, "chair": {"name": "镇长", "role": "mayor"},
                        "leaders": leaders, "agenda": agenda},
            "division": {f"p{i}": f"副镇长{i}" for i in range(1, n)}}


def timed(make, n: int, repeat: int) -> tuple[float, float]:
    facts = make(n)
    best_eval = best_all = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        verdict = govrules.evaluate("meeting", facts)
        middle = time.perf_counter()
        verdict.to_dict()  # reads data.remedies: the search runs here
        done = time.perf_counter()
        best_eval, best_all = min(best_eval, middle - started), min(best_all, done - middle)
    return best_eval, best_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max", type=int, default=10_000)
    args = parser.parse_args()
    govrules.evaluate("meeting", refused_items(1)).to_dict()  # load and compile once, untimed
    sizes = [n for n in (100, 1_000, 10_000) if n <= args.max]
    for label, make in (("refused agenda items", refused_items), ("absent leaders", absent_leaders)):
        print(f"{label:>22}  {'verdict s':>10} {'ratio':>6}  {'remedies s':>10} {'ratio':>6}")
        before = None
        for n in sizes:
            ev, rem = timed(make, n, args.repeat)
            r1 = f"{ev / before[0]:6.1f}" if before else "     -"
            r2 = f"{rem / before[1]:6.1f}" if before and before[1] > 0 else "     -"
            print(f"{n:>22,}  {ev:10.3f} {r1}  {rem:10.3f} {r2}")
            before = (ev, rem)


if __name__ == "__main__":
    main()
