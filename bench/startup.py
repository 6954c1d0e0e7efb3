"""Start-up cost: `import govrules`, and import plus the first verdict, in fresh processes.

    .venv/bin/python bench/startup.py [--runs 5] [--before OTHER/src]

The first verdict of a ruleset pays for reading its checked rule file from the on-disk cache
(warmed by an untimed run first; `--before` also times a cold cache) and compiling it for
durable_rules; later verdicts do not. Each figure is the median of
--runs fresh interpreters; `import durable.engine` alone is printed as the floor any
durable_rules program pays.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
import {module}
t1 = time.perf_counter()
out = {{"import": t1 - t0}}
if {ruleset!r}:
    from govrules._rulesets import runner
    facts = json.loads(open({example!r}, encoding="utf-8").read())
    runner({ruleset!r}).evaluate(facts)
    t2 = time.perf_counter()
    runner({ruleset!r}).evaluate(facts)
    t3 = time.perf_counter()
    out["first"] = t2 - t0
    out["second"] = t3 - t2
print(json.dumps(out))
"""


def ensure_bytecode() -> None:
    """Write govrules' .pyc files before timing fresh interpreters.

    An installed package has them (pip compiles on install) and an editable one writes them
    on first import, unless PYTHONDONTWRITEBYTECODE is set, as it is in some containers and
    CI images: then every fresh interpreter would compile govrules from source (~100 ms),
    which is not what a user's process pays. compileall writes them regardless of that setting.
    """
    import compileall

    import govrules

    compileall.compile_dir(str(Path(govrules.__file__).parent), quiet=1)


def measure(module: str, ruleset: str, example: str, runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {}
    code = PROBE.format(module=module, ruleset=ruleset, example=example)
    # One untimed run first: the figures are for a warm rule-file cache (the user's cache
    # directory), what every process after the first one on a machine sees.
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        for k, v in json.loads(done.stdout).items():
            samples.setdefault(k, []).append(v)
    return {k: statistics.median(v) for k, v in samples.items()}


BEFORE_AFTER = r"""
import json, time
w0, c0 = time.perf_counter(), time.process_time()
import {module}
out = {{"import": (time.perf_counter() - w0, time.process_time() - c0)}}
if {first!r}:
    govrules.evaluate("signing", json.loads(open({example!r}, encoding="utf-8").read()))
    out["first"] = (time.perf_counter() - w0, time.process_time() - c0)
print(json.dumps(out))
"""


def before_after(before_src: str, runs: int) -> None:
    """This tree against another govrules source tree (``--before``, put first on PYTHONPATH).

    Fresh interpreters alternate between the trees, so load on a shared machine hits both
    alike. Wall time is what a user waits; CPU time (process_time) moves less with load.
    """
    import os
    import tempfile

    example = str(sorted((ROOT / "examples").glob("signing-*.json"))[0])
    # Both trees' .pyc files first (the other tree's govrules imported from before_src).
    subprocess.run([sys.executable, "-c", "import startup; startup.ensure_bytecode()"], cwd=Path(__file__).parent,
                   env={**os.environ, "PYTHONPATH": before_src}, check=True)
    ensure_bytecode()
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    steps = (("import durable.engine", "durable.engine", False), ("import govrules", "govrules", False),
             ("+ first verdict, cold cache", "govrules", True), ("+ first verdict, warm cache", "govrules", True))
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            for tree in ("before", "after"):
                env = {**os.environ, "GOVRULES_CACHE_DIR": f"{tmp}/{tree}{i}"}
                if tree == "before":
                    env["PYTHONPATH"] = before_src
                for label, module, first in steps:
                    code = BEFORE_AFTER.format(module=module, first=first, example=example)
                    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                          cwd=ROOT, env=env)
                    samples.setdefault((tree, label), []).append(json.loads(done.stdout)["first" if first else "import"])
    load = os.getloadavg()
    print(f"python {sys.version.split()[0]}; {runs} alternating rounds; before = {before_src}; "
          f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'':6} {'':28} {'wall median':>11} {'wall min':>9} {'CPU median':>10} {'CPU min':>8}  (ms)")
    for (tree, label), values in samples.items():
        wall = [w * 1e3 for w, _ in values]
        cpu = [c * 1e3 for _, c in values]
        print(f"{tree:6} {label:28} {statistics.median(wall):11.1f} {min(wall):9.1f} "
              f"{statistics.median(cpu):10.1f} {min(cpu):8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", metavar="SRC",
                        help="another tree's src/ directory (e.g. an older commit's, from git archive): "
                             "alternate fresh interpreters between it and this tree")
    args = parser.parse_args()
    if args.before:
        before_after(args.before, args.runs)
        return
    ensure_bytecode()
    print(f"python {sys.version.split()[0]}; median of {args.runs} fresh processes")
    floor = measure("durable.engine", "", "", args.runs)
    base = measure("govrules", "", "", args.runs)
    print(f"import durable.engine           {floor['import'] * 1e3:7.1f} ms")
    print(f"import govrules                 {base['import'] * 1e3:7.1f} ms  ({base['import'] / floor['import']:.1f}× durable.engine)")
    from govrules._rulesets import available

    for name in available():
        examples = sorted((ROOT / "examples").glob(f"{name}-*.json"))
        if not examples:
            continue
        r = measure("govrules", name, str(examples[0]), args.runs)
        print(f"import + first {name:12} verdict {r['first'] * 1e3:7.1f} ms  (the next verdict: {r['second'] * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
