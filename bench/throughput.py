"""Verdicts per second for every ruleset, beside hand-written durable_rules and plain Python.

    .venv/bin/python bench/throughput.py [--seconds 0.5] [--rounds 3] [--ruleset NAME ...]

Inputs per ruleset: its bundled examples (examples/<name>-*.json) and every case in
rulesets/<name>.cases.yaml that yields a verdict, cycled. For each ruleset it prints

* core    — Runner.evaluate: validation, derived fields, the engine, the verdict;
* facade  — govrules.evaluate, what callers use (core plus whatever the facade adds);
* raw     — the same decision written by hand on durable_rules' DSL (bench/raw_<name>.py);
* plain   — the same decision as if-statements (bench/raw_<name>.py), the floor;

and the ratios core/raw and plain/core. Raw and plain are first checked to reach the
same outcome and fire the same rules as govrules on every input they are timed on.
Each figure is the best of --rounds interleaved rounds, so background load hits all
alike; absolute numbers do not travel between machines, the ratios do. Targets (this
2-core machine): core no slower than raw; signing ≥ 5,000/s; a 20-item, 6-leader
meeting ≥ 1,000/s. Nothing here is asserted in the test suite.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

import govrules
from govrules._cases import load_cases
from govrules._rulesets import available, ruleset_dir, runner

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def inputs_for(name: str) -> list[tuple[dict, Any]]:
    """(facts, calendar) pairs that yield a verdict: examples first, then cases."""
    out = [(json.loads(p.read_text(encoding="utf-8")), None) for p in sorted((ROOT / "examples").glob(f"{name}-*.json"))]
    cases = ruleset_dir() / f"{name}.cases.yaml"
    if cases.exists():
        out += [(c.facts, c.calendar_obj()) for c in load_cases(cases) if "error" not in c.expect]
    good = []
    for facts, calendar in out:
        try:
            runner(name).evaluate(facts, calendar=calendar)
        except (govrules.InputError, govrules.CalendarError):
            continue
        good.append((facts, calendar))
    return good


def rate(call: Callable[[dict, Any], Any], inputs: list[tuple[dict, Any]], seconds: float) -> float:
    """Verdicts per second, cycling through ``inputs`` for about ``seconds``."""
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for facts, calendar in inputs:
            call(facts, calendar)
        done += len(inputs)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start)


def best(calls: dict[str, Callable], inputs: list, seconds: float, rounds: int) -> dict[str, float]:
    out = {k: 0.0 for k in calls}
    for _ in range(rounds):
        for key, call in calls.items():
            out[key] = max(out[key], rate(call, inputs, seconds))
    return out


def _agrees(name: str, decide: Callable, facts: dict, calendar: Any) -> bool:
    if calendar is not None:
        return False  # the hand-written versions use chinese_calendar only
    verdict = runner(name).evaluate(facts)
    try:
        got = decide(facts)
    except Exception:  # noqa: BLE001 - an input the hand-written version does not handle
        return False
    return (got["outcome"], sorted(got["rules"])) == (verdict.outcome, sorted(t.rule for t in verdict.trace))


def firings(name: str, inputs: list) -> float:
    return sum(len(runner(name).evaluate(f, calendar=c).trace) for f, c in inputs) / len(inputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="time per measurement (default 0.5)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best is kept (default 3)")
    parser.add_argument("--ruleset", action="append", help="only these rulesets (repeatable)")
    args = parser.parse_args()
    names = args.ruleset or available()
    core = {n: runner(n) for n in names}
    print(f"python {sys.version.split()[0]}; best of {args.rounds} rounds of {args.seconds}s; verdicts/s")
    print(f"{'ruleset':12} {'inputs':>6} {'firings':>7} {'core':>8} {'facade':>8} {'raw':>8} {'plain':>9}"
          f" {'core/raw':>8} {'plain/core':>10}")
    results: dict[str, dict[str, float]] = {}
    for name in names:
        inputs = inputs_for(name)
        calls: dict[str, Callable] = {
            "core": lambda f, c, r=core[name]: r.evaluate(f, calendar=c),
            "facade": lambda f, c, n=name: govrules.evaluate(n, f, calendar=c),
        }
        timed = inputs
        try:
            hand = importlib.import_module(f"raw_{name}")
        except ImportError:
            hand = None
        if hand is not None:
            # Every figure of this row is taken on the inputs the hand-written versions agree on.
            timed = [(f, c) for f, c in inputs
                     if _agrees(name, hand.raw_decide, f, c) and _agrees(name, hand.plain_decide, f, c)]
            calls["raw"] = lambda f, c, d=hand.raw_decide: d(f)
            calls["plain"] = lambda f, c, d=hand.plain_decide: d(f)
        r = best(calls, timed, args.seconds, args.rounds)
        results[name] = r
        raw = f"{r['raw']:8.0f}" if "raw" in r else f"{'-':>8}"
        plain = f"{r['plain']:9.0f}" if "plain" in r else f"{'-':>9}"
        ratio = f"{r['core'] / r['raw']:8.2f}" if "raw" in r else f"{'-':>8}"
        floor = f"{r['plain'] / r['core']:10.0f}" if "plain" in r else f"{'-':>10}"
        print(f"{name:12} {len(timed):>6} {firings(name, timed):7.1f} {r['core']:8.0f} {r['facade']:8.0f}"
              f" {raw} {plain} {ratio} {floor}")

    print()
    if "meeting" in names:
        from meeting_growth import facts as meeting_facts

        big = meeting_facts(20, 6)
        r = best({"core": lambda f, c: core["meeting"].evaluate(f), "facade": lambda f, c: govrules.evaluate("meeting", f)},
                 [(big, None)], args.seconds, args.rounds)
        fired = len(core["meeting"].evaluate(big).trace)
        print(f"meeting, 20 items, 6 leaders ({fired} firings): core {r['core']:.0f}/s, facade {r['facade']:.0f}/s"
              f"  (target ≥ 1,000/s: {'met' if r['core'] >= 1000 else 'NOT met'} by core,"
              f" {'met' if r['facade'] >= 1000 else 'NOT met'} by facade)")
    if "signing" in results:
        r = results["signing"]
        print(f"signing: core {r['core']:.0f}/s, facade {r['facade']:.0f}/s  (target ≥ 5,000/s:"
              f" {'met' if r['core'] >= 5000 else 'NOT met'} by core, {'met' if r['facade'] >= 5000 else 'NOT met'} by facade)")
    for name, r in results.items():
        if "raw" in r:
            verdict = "no slower" if r["core"] >= r["raw"] else "SLOWER"
            print(f"{name}: core is {verdict} than raw durable_rules (core/raw = {r['core'] / r['raw']:.2f})")


if __name__ == "__main__":
    main()
