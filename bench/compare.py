"""Issue #12's side-by-side benchmark: signing verdicts/s in one fresh, unpinned process.

    .venv/bin/python bench/compare.py [--seconds 0.5] [--rounds 5] [--startup-runs 3] [--growth-repeat 5]

Prints, in one run, on the same signing inputs (the bundled examples and cases that yield a
verdict, kept only where every engine below agrees with govrules' outcome and fired rules):

* govrules facade (``govrules.evaluate``) and core (``Runner.evaluate``);
* the one-fact durable_rules floor: the signing rules written by hand over ONE fact whose
  fields are precomputed in Python, driven by direct C calls (assert, run the actions,
  retract: the session is reused), as described in the shared durable_rules notes; and the
  same rules through durable_rules' Python Host API (assert_fact, its action loop, retract_fact);
* peers, when installed (``pip install -e '.[bench]'``): cedarpy (Cedar policies, parsed
  once), rule-engine (one expression per rule, parsed once), clipspy (CLIPS, one fact);
* plain Python (bench/raw_signing.py's if-statements);
* two stages of govrules' core timed alone in the same rounds, each beside the floor's whole
  verdict: ``Runner.prepare`` (validation with the error contract's field paths, the limits,
  the derived fields the rule files declare) and the strict engine run over facts already
  built (no react, no verdict, no relaxed run): work the floor does not do, or does once;
* minor page faults per verdict (``getrusage(RUSAGE_SELF).ru_minflt``) for core and facade,
  measured first, before any peer is imported (that changes the heap, and with it whether
  glibc trims): near 0 when durable_rules' sessions do not make glibc trim and re-fault
  the heap, ~100 when they do;
* start-up: ``import attrs`` (the contract makes Verdict an attrs class, so every verdict's
  process pays it), ``import govrules``, and import + first signing verdict with a cold and a warm
  cache of checked rule files (median of --startup-runs fresh interpreters each; govrules'
  .pyc files are written first, bench/startup.py's ensure_bytecode);
* the meeting growth table: check_meeting's verdict time for 20, 200 and 2,000 agenda items
  (6 leaders), interleaved, in µs per item, and the 2,000/20 ratio (bench/meeting_growth.py's
  inputs and timing loop).

Nothing is pinned (no mallopt, no CPU affinity): this is how a user's process runs. Each
rate is the best of --rounds interleaved rounds. Run it several times: each run is a fresh
process, and the page-fault figure is per process. Targets are printed met / NOT met.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

_RANK = {"denied": 0, "undetermined": 1, "allowed": 2}


# --- the one-fact durable_rules floor ---------------------------------------------------

# Each rule: (id, outcome or None, conditions on the one fact "d"). Alternatives are
# precomputed into fields (a single-pattern $or fires once per true branch).
_FLOOR_RULES: list[tuple[str, str | None, list[dict]]] = [
    ("signing.town-doc.mayor", "allowed", [{"issuer": "town_government"}, {"role": "mayor"}]),
    ("signing.town-doc.delegated-vice-mayor", "allowed",
     [{"issuer": "town_government"}, {"role": "vice_mayor"}, {"delegated": True}]),
    ("signing.town-doc.undelegated-vice-mayor", "denied",
     [{"issuer": "town_government"}, {"role": "vice_mayor"}, {"delegated": False}]),
    ("signing.town-doc.other-signer", "denied",
     [{"issuer": "town_government"}, {"$neq": {"role": "mayor"}}, {"$neq": {"role": "vice_mayor"}}]),
    ("signing.town-doc.purpose-outside-list", None, [{"issuer": "town_government"}, {"purpose_listed": False}]),
    ("signing.office-doc.no-vice-mayor-in-charge", "undetermined", [{"issuer": "government_office"}, {"count": 0}]),
    ("signing.office-doc.one-vice-mayor-in-charge", None, [{"issuer": "government_office"}, {"count": 1}]),
    ("signing.office-doc.vice-mayor-in-charge-signs", "allowed",
     [{"issuer": "government_office"}, {"count": 1}, {"sole_signs": True}]),
    ("signing.office-doc.not-the-vice-mayor-in-charge", "denied",
     [{"issuer": "government_office"}, {"count": 1}, {"sole_signs": False}]),
    ("signing.office-doc.several-vice-mayors-in-charge", None,
     [{"issuer": "government_office"}, {"$gt": {"count": 1}}]),
    ("signing.office-doc.reviews-missing", "denied",
     [{"issuer": "government_office"}, {"$gt": {"count": 1}}, {"$gt": {"missing": 0}}]),
    ("signing.office-doc.mayor-signs-after-reviews", "allowed",
     [{"issuer": "government_office"}, {"$gt": {"count": 1}}, {"missing": 0}, {"role": "mayor"}]),
    ("signing.office-doc.several-not-mayor", "denied",
     [{"issuer": "government_office"}, {"$gt": {"count": 1}}, {"$neq": {"role": "mayor"}}]),
    ("signing.approval.no-opinion", "denied", [{"has_opinion": False}]),
    ("signing.approval.no-name", "denied", [{"has_name": False}]),
    ("signing.approval.no-date", "denied", [{"has_date": False}]),
]
_FLOOR_OUTCOME = {rule: outcome for rule, outcome, _ in _FLOOR_RULES}


def _one_fact(facts: dict) -> dict[str, Any]:
    """The signing facts as one precomputed fact (bench/raw_signing.py's derivation)."""
    from raw_signing import _derive

    d = _derive(facts)
    count = len(d["in_charge"])
    one = {"type": "d", "issuer": d["issuer"], "role": d["role"], "delegated": d["delegated"], "count": count,
           "missing": len(d["missing"]),
           "sole_signs": count == 1 and d["role"] == "vice_mayor" and d["name"] in d["in_charge"]}
    if d["purpose_listed"] is not None:
        one["purpose_listed"] = d["purpose_listed"]
    a = d["approval"]
    if a is not None:
        for key in ("opinion", "name", "date"):
            one[f"has_{key}"] = bool((a.get(key) or "").strip())
    return one


class Floor:
    """The one-fact signing decision on durable_rules' C calls, one reused session."""

    def __init__(self) -> None:
        import durable_rules_engine as c

        self.c = c
        definition = {rule: {"all": [{"m": {"$and": [{"type": "d"}, *conds]}}]} for rule, _, conds in _FLOOR_RULES}
        self.handle = c.create_ruleset("bench_signing_floor", json.dumps(definition))
        self.encode = json.JSONEncoder(ensure_ascii=False).encode

    def decide(self, facts: dict) -> dict[str, Any]:
        c = self.c
        one = _one_fact(facts)
        one["sid"], one["id"] = "s", "1"
        result, state = c.assert_fact(self.handle, self.encode(one))
        rules: list[str] = []
        if result == 0:
            started = c.start_action_for_state(self.handle, state)
            text = started[1] if started else None
            while text:
                rules.append(text[2:text.index('"', 2)])  # {"rule": {...}}
                text = c.complete_and_start_action(self.handle, state)
            c.retract_fact(self.handle, '{"sid":"s","id":"1"}')
        outcomes = [_FLOOR_OUTCOME[r] for r in rules if _FLOOR_OUTCOME[r]]
        return {"outcome": min(outcomes, key=_RANK.__getitem__) if outcomes else "undetermined", "rules": rules}


class HostFloor:
    """The same one-fact signing rules through durable_rules' Python Host API, one reused session.

    ``Host.assert_fact`` (json.dumps, the C assert, durable's own action loop with its Closure,
    Promise and per-action state update), then ``Host.retract_fact`` so the session is empty for
    the next input: what a hand-written durable_rules program pays above the C calls. The Host's
    timer loop is not started (as in govrules' engine room): it would run other sessions' actions.
    """

    NAME = "bench_signing_host"

    def __init__(self) -> None:
        from durable import engine as durable

        fired: list[str] = []

        class Host(durable.Host):
            def _run(self) -> None:  # no background timers
                return None

            def get_action(self, action_name: str) -> Callable[[Any], None]:
                return lambda closure: fired.append(action_name)

        self.durable = durable
        self.fired = fired
        self.host = Host()
        self.host.register_rulesets({self.NAME: {rule: {"all": [{"m": {"$and": [{"type": "d"}, *conds]}}], "run": rule}
                                                 for rule, _, conds in _FLOOR_RULES}})

    def decide(self, facts: dict) -> dict[str, Any]:
        one = _one_fact(facts)
        one["sid"], one["id"] = "s", "1"
        self.fired.clear()
        try:
            self.host.assert_fact(self.NAME, one)
        except self.durable.MessageNotHandledException:
            pass  # matched no rule: nothing was stored
        else:
            self.host.retract_fact(self.NAME, {"sid": "s", "id": "1"})
        rules = list(self.fired)
        outcomes = [_FLOOR_OUTCOME[r] for r in rules if _FLOOR_OUTCOME[r]]
        return {"outcome": min(outcomes, key=_RANK.__getitem__) if outcomes else "undetermined", "rules": rules}


# --- peers (optional) -------------------------------------------------------------------


def _peer_conditions(one: dict) -> list[str]:
    return [rule for rule, _, conds in _FLOOR_RULES if all(_holds(c, one) for c in conds)]


def _holds(cond: dict, one: dict) -> bool:
    ((key, value),) = cond.items()
    if key == "$neq":
        ((field, v),) = value.items()
        return field in one and one[field] != v
    if key == "$gt":
        ((field, v),) = value.items()
        return field in one and one[field] > v
    return key in one and one[key] == value and type(one[key]) is type(value)


def _rule_engine_peer() -> Callable[[dict], dict] | None:
    try:
        import rule_engine
    except ImportError:
        return None

    def text(cond: dict) -> str:
        ((key, value),) = cond.items()
        if key in ("$neq", "$gt"):
            ((field, v),) = value.items()
            return f"{field} {'!=' if key == '$neq' else '>'} {json.dumps(v)}"
        return f"{key} == {json.dumps(value)}"

    ctx = rule_engine.Context(default_value=None)
    compiled = [(rule, outcome, rule_engine.Rule(" and ".join(text(c) for c in conds), context=ctx))
                for rule, outcome, conds in _FLOOR_RULES]

    def decide(facts: dict) -> dict:
        one = _one_fact(facts)
        rules = [rule for rule, _, r in compiled if r.matches(one)]
        outcomes = [_FLOOR_OUTCOME[r] for r in rules if _FLOOR_OUTCOME[r]]
        return {"outcome": min(outcomes, key=_RANK.__getitem__) if outcomes else "undetermined", "rules": rules}

    return decide


def _cedar_peer() -> Callable[[dict], dict] | None:
    try:
        import cedarpy
    except ImportError:
        return None

    def text(cond: dict) -> str:
        ((key, value),) = cond.items()
        if key in ("$neq", "$gt"):
            ((field, v),) = value.items()
            return f'(context has {field} && context.{field} {"!=" if key == "$neq" else ">"} {json.dumps(v)})'
        return f"(context has {key} && context.{key} == {json.dumps(value)})"

    policies = "\n".join(f'permit(principal, action, resource) when {{ {" && ".join(text(c) for c in conds)} }};'
                         for _, _, conds in _FLOOR_RULES)
    policy_set = cedarpy.PolicySet.from_str(policies)  # parsed once
    entities = cedarpy.Entities.from_json_str("[]")

    def decide(facts: dict) -> dict:
        one = _one_fact(facts)
        del one["type"]
        request = {"principal": 'User::"clerk"', "action": 'Action::"sign"', "resource": 'Document::"d"', "context": one}
        answer = cedarpy.is_authorized(request, policy_set, entities)
        fired = set(answer.diagnostics.reasons)  # policy ids: "policy<index>"
        rules = [rule for i, (rule, _, _) in enumerate(_FLOOR_RULES) if f"policy{i}" in fired]
        outcomes = [_FLOOR_OUTCOME[r] for r in rules if _FLOOR_OUTCOME[r]]
        return {"outcome": min(outcomes, key=_RANK.__getitem__) if outcomes else "undetermined", "rules": rules}

    return decide


def _clips_peer() -> Callable[[dict], dict] | None:
    try:
        import clips
    except ImportError:
        return None
    env = clips.Environment()
    slots = ["issuer", "role", "delegated", "count", "missing", "sole_signs", "purpose_listed",
             "has_opinion", "has_name", "has_date"]
    env.build("(deftemplate d " + " ".join(f"(slot {s} (default nil))" for s in slots) + ")")
    env.build("(deftemplate fired (slot rule))")

    def lit(v: Any) -> str:
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, str):
            return f'"{v}"'
        return str(v)

    def text(cond: dict) -> str:
        ((key, value),) = cond.items()
        if key == "$neq":
            ((field, v),) = value.items()
            return f"({field} ?{field}&~{lit(v)}&~nil)"
        if key == "$gt":
            ((field, v),) = value.items()
            return f"({field} ?{field}&:(and (numberp ?{field}) (> ?{field} {v})))"
        return f"({key} {lit(value)})"

    for i, (rule, _, conds) in enumerate(_FLOOR_RULES):
        # Two conditions on one slot go into one slot pattern.
        by_slot: dict[str, list[str]] = {}
        for c in conds:
            ((key, value),) = c.items()
            field = next(iter(value)) if key in ("$neq", "$gt") else key
            by_slot.setdefault(field, []).append(text(c))
        parts = []
        for field, texts in by_slot.items():
            if len(texts) == 1:
                parts.append(texts[0])
            else:
                parts.append(f"({field} ?{field}&{'&'.join(t[t.index('&') + 1:-1] for t in texts)})")
        env.build(f'(defrule r{i} (d {" ".join(parts)}) => (assert (fired (rule "{rule}"))))')
    template = env.find_template("d")

    def decide(facts: dict) -> dict:
        one = _one_fact(facts)
        del one["type"]
        env.reset()
        template.assert_fact(**{k: (clips.Symbol("TRUE" if v else "FALSE") if isinstance(v, bool) else v)
                                for k, v in one.items()})
        env.run()
        fired = {f["rule"] for f in env.facts() if f.template.name == "fired"}
        rules = [rule for rule, _, _ in _FLOOR_RULES if rule in fired]
        outcomes = [_FLOOR_OUTCOME[r] for r in rules if _FLOOR_OUTCOME[r]]
        return {"outcome": min(outcomes, key=_RANK.__getitem__) if outcomes else "undetermined", "rules": rules}

    return decide


# --- measuring ----------------------------------------------------------------------------


def _minflt() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def rate(call: Callable[[dict], Any], inputs: list[dict], seconds: float) -> tuple[float, float]:
    """(verdicts per second, minor page faults per verdict), cycling through ``inputs``."""
    done = 0
    faults = _minflt()
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for facts in inputs:
            call(facts)
        done += len(inputs)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start), (_minflt() - faults) / done


PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
import {module}
t1 = time.perf_counter()
out = {{"import": t1 - t0}}
if {first!r}:
    facts = json.loads(open({example!r}, encoding="utf-8").read())
    govrules.evaluate("signing", facts)
    out["first"] = time.perf_counter() - t0
print(json.dumps(out))
"""


def startup(runs: int) -> dict[str, float]:
    from startup import ensure_bytecode

    ensure_bytecode()
    example = str(sorted((ROOT / "examples").glob("signing-*.json"))[0])
    out: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            env = {**os.environ, "GOVRULES_CACHE_DIR": str(Path(tmp) / f"cache{i}")}
            for label, module, first in (("durable", "durable.engine", False), ("attrs", "attrs", False),
                                          ("import", "govrules", False),
                                          ("cold", "govrules", True), ("warm", "govrules", True)):
                code = PROBE.format(module=module, first=first, example=example)
                done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                      cwd=ROOT, env=env)
                value = json.loads(done.stdout)
                out.setdefault(label, []).append(value["first" if first else "import"])
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--growth-repeat", type=int, default=5,
                        help="rounds of the meeting growth table (each ~3 verdicts' worth of 2,000 items)")
    args = parser.parse_args()

    import govrules
    from govrules import _engine
    from govrules._rulesets import runner
    from raw_signing import plain_decide
    from throughput import inputs_for

    core = runner("signing")
    candidates = [f for f, cal in inputs_for("signing") if cal is None]

    # Page faults first, with govrules alone in the process (as a user's process has it):
    # loading the peers and the floor first changes the heap, and with it whether glibc trims.
    alone = {"govrules facade (govrules.evaluate)": lambda f: govrules.evaluate("signing", f),
             "govrules core (Runner.evaluate)": core.evaluate}
    faults = {k: min(rate(call, candidates, args.seconds)[1] for _ in range(2)) for k, call in alone.items()}

    floor = Floor()
    engines: dict[str, Callable[[dict], dict]] = {"durable_rules one fact, Host API": HostFloor().decide,
                                                  "durable_rules one fact, C calls (floor)": floor.decide}
    for name, make in (("cedarpy", _cedar_peer), ("rule-engine", _rule_engine_peer), ("clipspy", _clips_peer)):
        peer = make()
        if peer is not None:
            engines[name] = peer
    engines["plain Python"] = plain_decide

    # Only inputs on which every engine agrees with govrules (outcome and fired rules).
    agreed, disagreed = [], {name: 0 for name in engines}
    for facts in candidates:
        verdict = core.evaluate(facts)
        want = (verdict.outcome, sorted(t.rule for t in verdict.trace))
        ok = True
        for name, decide in engines.items():
            try:
                got = decide(facts)
                same = (got["outcome"], sorted(got["rules"])) == want
            except Exception:  # noqa: BLE001 - an input this engine's version does not handle
                same = False
            if not same:
                disagreed[name] += 1
                ok = False
        if ok:
            agreed.append(facts)

    calls: dict[str, Callable[[dict], Any]] = {
        "govrules facade (govrules.evaluate)": lambda f: govrules.evaluate("signing", f),
        "govrules core (Runner.evaluate)": core.evaluate,
        **engines,
    }
    # Two stages of the core alone, in the same rounds: what the contract asks before and of
    # the engine, set beside the floor's whole verdict (see "stages" below).
    strict = core.engine()
    built = {id(f): core._engine_facts(core.prepare(f).facts) for f in agreed}
    stages: dict[str, Callable[[dict], Any]] = {
        "prepare: validation, limits, derived fields": core.prepare,
        "strict engine run alone (facts built, no react)": lambda f: strict.run(built[id(f)]),
    }
    best = {k: (0.0, 0.0) for k in [*calls, *stages]}
    for _ in range(args.rounds):
        for key, call in {**calls, **stages}.items():
            r, flt = rate(call, agreed, args.seconds)
            if r > best[key][0]:
                best[key] = (r, flt)
    for key, (_, f) in best.items():
        faults.setdefault(key, f)

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"session reuse {getattr(_engine, 'REUSE_SESSIONS', 'absent (before issue #12)')}")
    print(f"signing: {len(agreed)} of {len(candidates)} inputs on which every engine agrees with govrules"
          + "".join(f"; {name} disagreed on {n}" for name, n in disagreed.items() if n))
    print(f"best of {args.rounds} interleaved rounds of {args.seconds}s\n")
    facade = best["govrules facade (govrules.evaluate)"][0]
    corer = best["govrules core (Runner.evaluate)"][0]
    print("minflt/verdict: govrules measured first, alone in the process, on all inputs (the least of 2 rounds);"
          " the others during their timing")
    print(f"{'engine':42} {'verdicts/s':>11} {'vs facade':>9} {'minflt/verdict':>14}")
    for key in calls:
        r = best[key][0]
        print(f"{key:42} {r:11,.0f} {r / facade:9.2f} {faults[key]:14.2f}")
    floor_us = 1e6 / best["durable_rules one fact, C calls (floor)"][0]
    print(f"\nstages of govrules core, µs per verdict, beside the floor's whole verdict ({floor_us:.1f} µs):")
    for key in stages:
        us = 1e6 / best[key][0]
        print(f"  {key:50} {us:7.1f} µs  {us / floor_us:5.2f}x the floor")

    s = startup(args.startup_runs)
    print(f"\nstart-up (median of {args.startup_runs} fresh interpreters):")
    print(f"  import durable.engine                          {s['durable'] * 1e3:7.1f} ms")
    print(f"  import attrs (Verdict is an attrs class)       {s['attrs'] * 1e3:7.1f} ms")
    print(f"  import govrules                                {s['import'] * 1e3:7.1f} ms")
    print(f"  import + first signing verdict, cold cache     {s['cold'] * 1e3:7.1f} ms")
    print(f"  import + first signing verdict, warm cache     {s['warm'] * 1e3:7.1f} ms")

    from meeting_growth import measure_sizes

    sizes = (20, 200, 2000)
    grown = measure_sizes(sizes, 6, args.growth_repeat)
    print(f"\nmeeting growth (check_meeting, 6 leaders; {args.growth_repeat} interleaved rounds, "
          f"each timing 1 verdict of 2,000 items, 10 of 200, 100 of 20); µs per item:")
    print(f"  {'items':>5} {'firings':>7} {'wall median ms':>14} {'wall median':>11} {'wall min':>9} {'CPU median':>10}")
    per_item: dict[int, tuple[float, float, float]] = {}
    for n in sizes:
        wall, cpu, fired = grown[n]
        per_item[n] = (statistics.median(wall) / n * 1e6, min(wall) / n * 1e6, statistics.median(cpu) / n * 1e6)
        print(f"  {n:>5} {fired:>7} {statistics.median(wall) * 1e3:14.2f} {per_item[n][0]:11.1f} {per_item[n][1]:9.1f} "
              f"{per_item[n][2]:10.1f}")
    ratios = [per_item[2000][k] / per_item[20][k] for k in range(3)]
    print(f"  2,000 / 20 items: wall median {ratios[0]:.2f}, wall min {ratios[1]:.2f}, CPU median {ratios[2]:.2f} "
          "(CPU: what the verdicts cost, not the time other processes held the CPU)")
    growth = ratios[2]

    floor_rate = best["durable_rules one fact, C calls (floor)"][0]
    print("\ntargets (issue #12):")
    if "cedarpy" in best:
        cedar = best["cedarpy"][0]
        print(f"  facade >= 2x cedarpy: {facade / cedar:.2f}x -> {'met' if facade >= 2 * cedar else 'NOT met'}")
    else:
        print("  facade >= 2x cedarpy: cedarpy not installed (pip install -e '.[bench]')")
    print(f"  core within 1.5x of the one-fact floor: floor/core = {floor_rate / corer:.2f} -> "
          f"{'met' if floor_rate <= 1.5 * corer else 'NOT met'}")
    print(f"  start-up (import + first verdict) <= 60 ms: warm {s['warm'] * 1e3:.0f} ms -> "
          f"{'met' if s['warm'] <= 0.060 else 'NOT met'}")
    print(f"  meeting µs/item at 2,000 items <= 1.2x that at 20 (CPU median): {growth:.2f}x -> "
          f"{'met' if growth <= 1.2 else 'NOT met'}")
    worst = max(faults["govrules core (Runner.evaluate)"], faults["govrules facade (govrules.evaluate)"])
    print(f"  no allocator thrash (minflt/verdict < 1): {worst:.2f} -> {'met' if worst < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
