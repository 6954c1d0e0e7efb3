"""The engine's hazards (docs/engine.md) seen from the facade: govrules' callers are immune to them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import govrules
from govrules import _engine
from govrules._rulesets import available, load_file, ruleset_dir, runner
from govrules._run import Runner

ROOT = Path(__file__).resolve().parent.parent


def _examples() -> list[tuple[str, dict]]:
    return [(name, json.loads(p.read_text(encoding="utf-8")))
            for name in available() for p in sorted((ROOT / "examples").glob(f"{name}-*.json"))]


def _bytes(verdict: govrules.Verdict) -> str:
    return json.dumps(verdict.to_dict(), ensure_ascii=False, sort_keys=True)


def _zero_match_rule_file(folder: Path) -> Path:
    """conference.yaml without its not-town-wide rule: a conference that is not town-wide fires nothing."""
    text = (ruleset_dir() / "conference.yaml").read_text(encoding="utf-8")
    cut = text.index("  - id: conference.not-town-wide")
    (folder / "types.yaml").write_text((ruleset_dir() / "types.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    path = folder / "conference.yaml"
    path.write_text(text[:cut], encoding="utf-8")
    return path


def test_zero_match_evaluations_do_not_crash_the_process(tmp_path):
    """3,000 evaluations where no rule fires (delete_state's segfault case), mixed with firing ones, exit cleanly."""
    path = _zero_match_rule_file(tmp_path)
    script = textwrap.dedent(f"""
        from govrules._rulesets import load_file
        from govrules._run import Runner
        run = Runner(load_file({str(path)!r}))
        silent = fired = 0
        for i in range(3000):
            v = run.evaluate({{"conference": {{"town_wide": i % 2 == 0, "mayor_approved": True}}}})
            if v.trace: fired += 1
            else: silent += 1; assert v.outcome == "allowed" and v.findings == ()
        print(silent, fired)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1500", "1500"]


def test_zero_match_evaluation_gives_the_default_outcome_and_no_trace(tmp_path):
    """An evaluation that fires nothing answers the ruleset's default outcome with an empty trace."""
    run = Runner(load_file(_zero_match_rule_file(tmp_path)))
    verdict = run.evaluate({"conference": {"town_wide": False}})
    assert (verdict.outcome, verdict.trace, verdict.findings) == ("allowed", (), ())


@pytest.mark.parametrize("name, facts", _examples(), ids=[n for n, _ in _examples()])
def test_repeated_identical_facts_give_identical_verdicts(name, facts):
    """The same facts evaluated 50 times (identical content each time) give byte-identical verdicts."""
    first = _bytes(govrules.evaluate(name, facts))
    assert json.loads(first)["trace"], "the example fires rules"
    assert {_bytes(govrules.evaluate(name, facts)) for _ in range(50)} == {first}


def _item_lists() -> list[tuple[str, dict, str, str]]:
    """(ruleset, example facts, item fact type, list path) for every list whose items are engine facts."""
    out = []
    for name, facts in _examples():
        for each, path in runner(name)._items.items():
            out.append((name, facts, each, path))
    return out


@pytest.mark.parametrize("name, facts, each, path", _item_lists(), ids=[f"{n}-{e}" for n, _, e, _ in _item_lists()])
def test_two_items_with_equal_content_both_land(name, facts, each, path):
    """An item duplicated (equal content, as the engine's 32-bit content hash would see it) fires exactly as its twin."""
    facts = json.loads(json.dumps(facts))
    holder = facts
    parts = path.split(".")
    for part in parts[:-1]:
        holder = holder[part]
    items = holder[parts[-1]]
    assert items, f"the example has items in {path}"
    original = len(items)

    def fired_for(verdict: govrules.Verdict, index: int) -> list[str]:
        return sorted(step.rule for step in verdict.trace
                      if any(m.get("type") == each and m.get("index") == index for m in step.matched.values()))

    before = govrules.evaluate(name, facts)
    firing = [i for i in range(original) if fired_for(before, i)]
    assert firing, f"rules fire on some {each} of the example"
    twin = firing[0]
    copy_of = json.loads(json.dumps(items[twin]))
    unique = _unique_field(name, path)
    if unique:
        # The list forbids two items sharing this field (a repeated title is an InputError);
        # everything else stays equal, which is what the engine's content hash would see.
        copy_of[unique] = f"{copy_of[unique]}（二）"
    items.append(copy_of)
    after = govrules.evaluate(name, facts)
    assert fired_for(after, twin) == fired_for(before, twin)
    assert fired_for(after, original) == fired_for(before, twin)


def _unique_field(name: str, path: str) -> str | None:
    t = None
    for part in path.split("."):
        fields = runner(name).spec.facts if t is None else t.fields
        t = next(f.type for f in fields if f.name == part)
    return t.unique


def test_a_repeated_unique_item_is_an_input_error():
    """A leader listed twice would count twice towards the quorum: InputError naming the repeat."""
    facts = json.loads(json.dumps(dict(_examples())["meeting"]))
    facts["meeting"]["leaders"].append(dict(facts["meeting"]["leaders"][1]))
    with pytest.raises(govrules.InputError) as e:
        govrules.evaluate("meeting", facts)
    n = len(facts["meeting"]["leaders"]) - 1
    assert e.value.path == f"meeting.leaders[{n}].name" and "meeting.leaders[1]" in str(e.value)


def test_many_sequential_evaluations_stay_correct():
    """1,100 evaluations of one ruleset (past the engine's 1,024 live sessions per ruleset) keep their answers."""
    inputs = [{"conference": {"town_wide": t, "overall_work": o, "mayor_approved": m, "party_secretary_approved": p}}
              for t in (True, False) for o in (True, False) for m in (True, False) for p in (True, False)]
    expected = [_bytes(govrules.check_conference(**facts)) for facts in inputs]
    for i in range(1100):
        assert _bytes(govrules.check_conference(**inputs[i % len(inputs)])) == expected[i % len(inputs)], i


def _durable_do_actions(ruleset, state_handle):
    """durable_rules' own action loop (what _engine._drive replaces), for comparison."""
    from durable import engine as durable_engine

    # durable.engine's Ruleset over the same C handle and the same action functions.
    theirs = durable_engine.Ruleset.__new__(durable_engine.Ruleset)
    theirs._name, theirs._host, theirs._handle = "compare", None, ruleset._handle
    theirs._actions = {name: durable_engine.Promise(fn) for name, fn in ruleset._actions.items()}
    outcome = [None, None]

    def complete(error, state):
        outcome[:] = [error, state]

    theirs.do_actions(state_handle, complete)
    if outcome[0]:
        raise RuntimeError(outcome[0])


def test_own_action_loop_gives_the_same_verdicts_as_durable_rules_loop(monkeypatch):
    """_engine._drive (no per-action state re-send) answers exactly as durable_rules' do_actions on every case."""
    from govrules._cases import load_cases

    inputs = [(c.ruleset, c.facts, c.calendar_obj()) for name in available()
              for c in load_cases(ruleset_dir() / f"{name}.cases.yaml") if "error" not in c.expect]

    def answers():
        return [_bytes(runner(name).evaluate(facts, calendar=cal)) for name, facts, cal in inputs]

    ours = answers()
    import datetime

    from durable import engine as durable_engine

    # Its clock calls utcfromtimestamp, deprecated in 3.12: the same value without the warning.
    monkeypatch.setattr(durable_engine, "_unix_now",
                        lambda: (datetime.datetime.now() - datetime.datetime(1970, 1, 1)).total_seconds())
    monkeypatch.setattr(_engine, "_drive", _durable_do_actions)
    assert answers() == ours
