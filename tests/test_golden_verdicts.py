"""Every spec case and bundled example gives the same verdict, byte for byte, as when the file was written.

Refactors of the runner, the engine driver and the compiler (issues #12, #16) promise
verdicts identical to the tree before them; this pins them. ``tests/data/verdicts.golden.json``
holds ``to_dict()`` (remedies included) of every case and example. When a rule file changes a
verdict on purpose, regenerate it and read the diff:

    .venv/bin/python tests/test_golden_verdicts.py --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

import govrules
from govrules._cases import load_cases

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "data" / "verdicts.golden.json"


def _outcome(ruleset: str, facts: Any, calendar: Any = None) -> Any:
    try:
        out = govrules.evaluate(ruleset, facts, calendar=calendar).to_dict()
        # The pack's content hash changes with any edit of any file of the pack (a comment in a
        # cases file too), which is not what this test pins; its id and version are pinned.
        out["pack"] = {k: v for k, v in out["pack"].items() if k != "hash"}
        return out
    except (govrules.InputError, govrules.CalendarError) as exc:
        return {"error": type(exc).__name__, "message": str(exc)}


def current() -> dict[str, Any]:
    """The verdict of every spec case (by file and name) and every bundled example (by file)."""
    out: dict[str, Any] = {}
    for cases_file in sorted((ROOT / "rulesets").glob("*.cases.yaml")):
        for case in load_cases(cases_file):
            out[f"{cases_file.name}: {case.name}"] = _outcome(case.ruleset, case.facts, case.calendar_obj())
    for example in sorted((ROOT / "examples").glob("*.json")):
        ruleset = example.name.split("-", 1)[0]
        out[f"examples/{example.name}"] = _outcome(ruleset, json.loads(example.read_text(encoding="utf-8")))
    return out


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def now() -> dict[str, Any]:
    return current()


def test_same_cases_and_examples(golden: dict[str, Any], now: dict[str, Any]) -> None:
    """The golden file covers exactly today's spec cases and examples (none added or lost silently)."""
    assert sorted(now) == sorted(golden)


def test_verdicts_byte_identical(golden: dict[str, Any], now: dict[str, Any]) -> None:
    """Each case's and example's verdict serialises to exactly the bytes recorded in the golden file."""
    changed = [k for k in golden if k in now and _dump(now[k]) != _dump(golden[k])]
    assert changed == [], f"{len(changed)} verdicts changed, first: {changed[:5]}"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        GOLDEN.write_text(_dump(current()), encoding="utf-8")
        print(f"wrote {GOLDEN}")
    else:
        print(__doc__)
