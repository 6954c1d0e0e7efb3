"""Start-up cost: `import govrules`, and import plus the first verdict, in fresh processes.

    .venv/bin/python bench/startup.py [--runs 5]

The first verdict of a ruleset pays for reading and checking its rule file and
compiling it for durable_rules; later verdicts do not. Each figure is the median of
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
    for _ in range(runs):
        code = PROBE.format(module=module, ruleset=ruleset, example=example)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        for k, v in json.loads(done.stdout).items():
            samples.setdefault(k, []).append(v)
    return {k: statistics.median(v) for k, v in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
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
