"""Session reuse in the engine (docs/engine.md, "Sessions"): isolation kept, hazards still contained.

An Engine keeps one emptied session between runs instead of allocating and freeing one per
run. These tests pin that no run ever sees another's facts — input, inferred, partially
joined, after an exception — and that each durable_rules hazard stays contained.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import durable_rules_engine
import pytest

import govrules
from govrules import _engine
from govrules._cases import load_cases
from govrules._engine import Engine
from govrules._rulesets import available, load_file, ruleset_dir, runner
from govrules._run import Runner

ROOT = Path(__file__).resolve().parent.parent

# big: a single pattern; tagged: a join of a token and a pay carrying it; derived: an
# inferred fact; echo: a join of an inferred fact with a later input fact.
DEFINITION = {
    "big": {"all": [{"m": {"$and": [{"type": "pay"}, {"$gt": {"amount": 100}}]}}]},
    "tagged": {"all": [{"t": {"type": "token"}}, {"m": {"$and": [{"type": "pay"}, {"token": {"t": "value"}}]}}]},
    "derived": {"all": [{"d": {"type": "derived"}}]},
    "echo": {"all": [{"d": {"type": "derived"}}, {"p": {"$and": [{"type": "probe"}, {"token": {"d": "token"}}]}}]},
}


def _react(firing):
    if firing.rule == "tagged":
        return [{"type": "derived", "token": firing.matched["t"]["value"]}]
    return []


def _summary(firings):
    return [(f.rule, json.dumps(f.matched, sort_keys=True)) for f in firings]


FACTS_A = [{"type": "token", "value": "A"}, {"type": "pay", "amount": 150, "token": "A"}]
# Each B fact would join with something A left behind: A's token, A's inferred fact.
FACTS_B = [{"type": "pay", "amount": 50, "token": "A"}, {"type": "probe", "token": "A"}]


def _fresh(facts, react=_react):
    with Engine("fresh", DEFINITION) as engine:
        return _summary(engine.run(facts, react))


def test_a_run_fires_nothing_from_the_facts_or_inferred_facts_of_the_run_before():
    """After a run with facts A (joined, inferred), a run with facts B in the reused session fires exactly what a fresh engine fires."""
    with Engine("gov", DEFINITION) as engine:
        first = _summary(engine.run(FACTS_A, _react))
        assert [rule for rule, _ in first] == ["big", "tagged", "derived"]
        sid = engine._slot.idle
        second = _summary(engine.run(FACTS_B, _react))
        assert engine._slot.idle == sid  # the same session served both runs
    assert second == _fresh(FACTS_B) == []


def test_partial_matches_left_by_a_run_do_not_complete_in_the_next():
    """A token with no pay (a half-matched join) in one run is not joined by the pay of the next."""
    with Engine("gov", DEFINITION) as engine:
        assert engine.run([{"type": "token", "value": "X"}], _react) == []
        firings = engine.run([{"type": "pay", "amount": 50, "token": "X"}, {"type": "probe", "token": "X"}], _react)
    assert firings == []


def test_a_run_after_an_exception_mid_run_sees_nothing_of_it():
    """A react that raises after inferred facts landed: the next run fires only what a fresh engine fires."""
    calls = []

    def explode_later(firing):
        calls.append(firing.rule)
        if firing.rule == "derived":
            raise RuntimeError("mid-run")
        return _react(firing)

    with Engine("gov", DEFINITION) as engine:
        with pytest.raises(RuntimeError, match="mid-run"):
            engine.run(FACTS_A + [{"type": "token", "value": "B"}], explode_later)
        assert calls == ["big", "tagged", "derived"]
        after = _summary(engine.run(FACTS_B, _react))
    assert after == _fresh(FACTS_B) == []


def test_runs_alternating_between_inputs_give_the_answers_of_fresh_engines():
    """300 runs cycling through 6 inputs on one engine give, run by run, what a fresh engine gives."""
    inputs = [FACTS_A, FACTS_B, [], [{"type": "token", "value": "A"}],
              [{"type": "pay", "amount": 120, "token": "A"}, {"type": "probe", "token": "A"}],
              FACTS_A + FACTS_B]
    expected = [_fresh(facts) for facts in inputs]
    with Engine("gov", DEFINITION) as engine:
        got = [_summary(engine.run(inputs[i % 6], _react)) for i in range(300)]
    assert got == [expected[i % 6] for i in range(300)]
    assert any(len(answer) >= 4 for answer in expected)  # echo fires within one run


def test_a_session_the_engine_does_not_report_empty_is_deleted_not_reused(monkeypatch):
    """If retraction leaves a fact behind, the session is deleted and the next run gets a new, empty one."""
    real = durable_rules_engine.retract_facts
    skipped = []

    def retract_once_too_little(handle, text):
        if skipped:
            return real(handle, text)
        skipped.append(text)
        return real(handle, text.split("},", 1)[1])  # the run's first stored fact stays

    with Engine("gov", DEFINITION) as engine:
        handle = engine._slot.ruleset._handle
        engine.run([])  # opens session s0
        monkeypatch.setattr(durable_rules_engine, "retract_facts", retract_once_too_little)
        engine.run(FACTS_A, _react)
        assert skipped and engine._slot.idle is None
        with pytest.raises(durable_rules_engine.error, match="309"):
            durable_rules_engine.get_state(handle, "s0")
        assert _summary(engine.run(FACTS_B, _react)) == []


def test_a_session_with_an_action_pending_after_retraction_is_deleted(monkeypatch):
    """If retraction left an action queued (as a $not rule would), the action is abandoned and the session deleted."""
    real_retract, real_start = durable_rules_engine.retract_facts, durable_rules_engine.start_action_for_state
    just_retracted, abandoned = [], []

    def retract(handle, text):
        just_retracted.append(True)
        return real_retract(handle, text)

    def start(handle, state):
        if just_retracted:
            just_retracted.clear()
            return ("{}", '{"big": {}}')  # what a queued action looks like
        return real_start(handle, state)

    with Engine("gov", DEFINITION) as engine:
        engine.run([])  # opens session s0 before the fakes
        monkeypatch.setattr(durable_rules_engine, "retract_facts", retract)
        monkeypatch.setattr(durable_rules_engine, "start_action_for_state", start)
        monkeypatch.setattr(durable_rules_engine, "abandon_action", lambda handle, state: abandoned.append(state))
        engine.run(FACTS_A, _react)
        assert abandoned and engine._slot.idle is None
        monkeypatch.undo()
        assert _summary(engine.run(FACTS_B, _react)) == []


def test_a_run_storing_more_than_the_reuse_limit_deletes_its_session():
    """A run that stored more than MAX_REUSED_FACTS facts frees its session (bounded memory kept between runs)."""
    many = [{"type": "pay", "amount": 101, "n": i} for i in range(_engine.MAX_REUSED_FACTS + 1)]
    with Engine("gov", DEFINITION) as engine:
        engine.run(many[:-1])
        assert engine._slot.idle == "s0"
        engine.run(many)
        assert engine._slot.idle is None
        assert len(engine.run([{"type": "pay", "amount": 101}])) == 1


def test_stamps_restart_each_run_so_repeated_large_runs_all_land():
    """Two 2,000-fact runs in a row, one reusing the other's stamps after retraction, each fire 2,000 times."""
    facts = [{"type": "pay", "amount": 101, "n": i} for i in range(2000)]
    with Engine("gov", DEFINITION) as engine:
        engine.run(facts[:200])  # leaves an emptied session whose stamps 0..199 come back
        assert engine._slot.idle is not None
        for _ in range(2):
            assert sorted(f.matched["m"]["n"] for f in engine.run(facts)) == list(range(2000))


def _fnv1_32(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def test_stamps_of_one_run_never_share_the_engines_32_bit_hash():
    """The engine finds a fact by FNV-1 of its id alone (#376): stamps 0..99,999 and the session ids' state facts all differ."""
    ids = [str(i) for i in range(100_000)] + [f"sid-s{i}" for i in range(1_000)]
    assert len({_fnv1_32(i) for i in ids}) == len(ids)
    assert _fnv1_32("40189") == _fnv1_32("797186")  # the first collision, far past any run's facts


def test_close_deletes_the_idle_session_before_the_ruleset(monkeypatch):
    """close() frees the idle session (delete_ruleset does not free sessions), then the ruleset."""
    calls = []
    real_state, real_ruleset = durable_rules_engine.delete_state, durable_rules_engine.delete_ruleset
    monkeypatch.setattr(durable_rules_engine, "delete_state",
                        lambda handle, sid: (calls.append(("state", sid)), real_state(handle, sid)))
    monkeypatch.setattr(durable_rules_engine, "delete_ruleset",
                        lambda handle: (calls.append(("ruleset", handle)), real_ruleset(handle)))
    engine = Engine("gov", DEFINITION)
    handle = engine._slot.ruleset._handle
    engine.run(FACTS_A, _react)
    engine.close()
    engine.close()
    assert calls == [("state", "s0"), ("ruleset", handle)]


def test_fresh_sessions_can_still_be_chosen(monkeypatch):
    """With REUSE_SESSIONS off, each run's session is deleted afterwards and the answers are the same."""
    monkeypatch.setattr(_engine, "REUSE_SESSIONS", False)
    with Engine("gov", DEFINITION) as engine:
        first = _summary(engine.run(FACTS_A, _react))
        assert engine._slot.idle is None
        assert _summary(engine.run(FACTS_B, _react)) == []
    assert first == _fresh(FACTS_A)


def test_thousands_of_reused_runs_with_stored_unfired_facts_exit_cleanly():
    """3,000 runs mixing nothing-matches, half-joined facts, empty input and firings, then close: a clean exit."""
    code = f"""
        from govrules._engine import Engine
        engine = Engine("gov", {DEFINITION!r})
        fired = 0
        for i in range(3000):
            kind = i % 4
            facts = ([] if kind == 0 else [{{"type": "token", "value": str(i)}}] if kind == 1
                     else [{{"type": "pay", "amount": i % 100}}] if kind == 2
                     else [{{"type": "token", "value": "v"}}, {{"type": "pay", "amount": 101, "token": "v"}}])
            fired += len(engine.run(facts))
        engine.close()
        print("done", fired)
        """
    done = subprocess.run([sys.executable, "-W", "error", "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done 1500"


# Verdicts: byte-identical between a fresh Runner (fresh engines) per call and the shared one.


def _inputs() -> list[tuple[str, dict, object]]:
    out = []
    for name in available():
        out += [(name, json.loads(p.read_text(encoding="utf-8")), None)
                for p in sorted((ROOT / "examples").glob(f"{name}-*.json"))]
        out += [(name, c.facts, c.calendar_obj())
                for c in load_cases(ruleset_dir() / f"{name}.cases.yaml") if "error" not in c.expect]
    return out


def _bytes(evaluate, facts, calendar) -> str:
    try:
        return json.dumps(evaluate(facts, calendar=calendar).to_dict(), ensure_ascii=False, sort_keys=True)
    except (govrules.InputError, govrules.CalendarError) as exc:
        return f"{type(exc).__name__}: {exc}"


def test_every_case_and_example_gives_byte_identical_verdicts_with_reused_sessions():
    """Every spec case and example: the shared, session-reusing runner answers byte for byte as a fresh Runner per call."""
    inputs = _inputs()
    specs = {name: load_file(ruleset_dir() / f"{name}.yaml") for name in available()}
    fresh = []
    for name, facts, calendar in inputs:
        made = Runner(specs[name])
        fresh.append(_bytes(made.evaluate, facts, calendar))
        for engine in (made._engine, made._relaxed):
            if engine is not None:
                engine.close()
    # The shared runners meet the inputs forwards and backwards, so each verdict follows others.
    forwards = [_bytes(runner(name).evaluate, facts, calendar) for name, facts, calendar in inputs]
    backwards = [_bytes(runner(name).evaluate, facts, calendar) for name, facts, calendar in reversed(inputs)]
    assert forwards == fresh
    assert backwards[::-1] == fresh
    assert len(inputs) > 200 and sum(text.startswith("{") for text in fresh) > 200


def test_an_interrupt_while_emptying_the_session_deletes_it(monkeypatch):
    """A KeyboardInterrupt raised while the run's facts are retracted propagates, and the session is deleted."""
    def interrupted(handle, text):
        raise KeyboardInterrupt

    with Engine("gov", DEFINITION) as engine:
        handle = engine._slot.ruleset._handle
        engine.run([])  # opens session s0
        monkeypatch.setattr(durable_rules_engine, "retract_facts", interrupted)
        with pytest.raises(KeyboardInterrupt):
            engine.run(FACTS_A, _react)
        monkeypatch.undo()
        assert engine._slot.idle is None
        with pytest.raises(durable_rules_engine.error, match="309"):
            durable_rules_engine.get_state(handle, "s0")
        assert _summary(engine.run(FACTS_B, _react)) == []
