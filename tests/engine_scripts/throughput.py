"""Print runs/s for a 10-fact, 5-rule definition (a measurement, not a test).

Usage: .venv/bin/python tests/engine_scripts/throughput.py [runs]
"""

from __future__ import annotations

import sys
import time

from govrules._engine import Engine

DEFINITION = {
    "big_payment": {"all": [{"m": {"$and": [{"type": "pay"}, {"$gt": {"amount": 100}}]}}]},
    "small_payment": {"all": [{"m": {"$and": [{"type": "pay"}, {"$lte": {"amount": 100}}]}}]},
    "leader_absent": {
        "all": [
            {"l": {"type": "leader"}},
            {"a": {"$and": [{"type": "absence"}, {"who": {"l": "id"}}]}},
        ]
    },
    "meeting_open": {"all": [{"m": {"$and": [{"type": "meeting"}, {"$nex": {"closed": 1}}]}}]},
    "flag": {"all": [{"m": {"type": "flag"}}]},
}


def facts(i: int) -> list[dict]:
    return [
        {"type": "pay", "amount": 50 + i % 100},
        {"type": "pay", "amount": 150},
        {"type": "leader", "id": "zhang"},
        {"type": "leader", "id": "li"},
        {"type": "absence", "who": "li"},
        {"type": "meeting", "n": i},
        {"type": "meeting", "n": i + 1, "closed": True},
        {"type": "noise", "n": i},
        {"type": "noise", "n": i + 1},
        {"type": "note", "text": "会议纪要"},
    ]


def react(firing):
    return [{"type": "flag", "from": firing.rule}] if firing.rule == "leader_absent" else []


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with Engine("bench", DEFINITION) as engine:
        firings = len(engine.run(facts(0), react))
        start = time.perf_counter()
        for i in range(runs):
            engine.run(facts(i), react)
        elapsed = time.perf_counter() - start
    print(f"{runs} runs, {firings} firings each: {runs / elapsed:,.0f} runs/s ({elapsed / runs * 1e6:,.0f} µs/run)")


if __name__ == "__main__":
    main()
