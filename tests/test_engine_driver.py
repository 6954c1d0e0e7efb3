"""The engine driver's per-assertion and per-action path (_engine._assert, _drive, the action, _matched).

What these pin: every action a fact enables runs (a join completed by a later fact, a chain
through an inferred fact), durable_rules' result codes are read as its C code defines them
(3 is "deferred to a queue", never seen here, refused if it were), and Firing keeps its shape.
"""

from __future__ import annotations

import durable_rules_engine
import pytest

from govrules import _engine
from govrules._engine import Engine, EngineError, Firing

# pair: a join of two input facts; chained: an inferred fact joined with a later input fact.
DEFINITION = {
    "pair": {"all": [{"a": {"type": "left"}}, {"b": {"$and": [{"type": "right"}, {"key": {"a": "key"}}]}}]},
    "made": {"all": [{"m": {"type": "made"}}]},
    "chained": {"all": [{"m": {"type": "made"}}, {"p": {"$and": [{"type": "probe"}, {"key": {"m": "key"}}]}}]},
}


def _react(firing):
    if firing.rule == "pair":
        return [{"type": "made", "key": firing.matched["a"]["key"]}]
    return []


def test_a_join_fires_when_its_second_fact_lands_and_its_inferred_fact_chains_on():
    """A fact that completes no rule enables nothing, yet the join and the chain it starts fire when later facts land."""
    facts = [{"type": "left", "key": 1}, {"type": "noise", "key": 1}, {"type": "right", "key": 1, "id": "r"},
             {"type": "probe", "key": 1}]
    with Engine("gov", DEFINITION) as engine:
        firings = engine.run(facts, _react)
    assert [f.rule for f in firings] == ["pair", "made", "chained"]
    assert firings[0].matched == {"a": {"type": "left", "key": 1}, "b": {"type": "right", "key": 1, "id": "r"}}
    assert firings[2].matched == {"m": {"type": "made", "key": 1}, "p": {"type": "probe", "key": 1}}


def test_no_assertion_or_retraction_is_ever_deferred(monkeypatch):
    """durable_rules answers 3 (deferred to a queue) only when a queue callback is set; govrules sets none, so runs never see it."""
    codes = []
    assert_fact, retract_fact = durable_rules_engine.assert_fact, durable_rules_engine.retract_fact

    def spy(call):
        def wrapped(*args):
            result = call(*args)
            codes.append(result[0])
            return result
        return wrapped

    monkeypatch.setattr(durable_rules_engine, "assert_fact", spy(assert_fact))
    monkeypatch.setattr(durable_rules_engine, "retract_fact", spy(retract_fact))
    facts = [{"type": "left", "key": 1}, {"type": "noise"}, {"type": "right", "key": 1}, {"type": "probe", "key": 1},
             {"type": "probe", "key": 2}]
    with Engine("gov", DEFINITION) as engine:
        for _ in range(3):  # a new session, then the reused one
            assert [f.rule for f in engine.run(facts, _react, transient={"probe"})] == ["pair", "made", "chained"]
    assert _engine._RESULT_DEFERRED not in codes
    assert {0, _engine._RESULT_NOT_HANDLED} <= set(codes)


def test_a_deferred_assertion_is_refused_not_driven(monkeypatch):
    """If assert_fact ever answered 3 (deferred: stored nowhere), the run fails instead of driving state 0's actions."""
    started = []
    assert_fact, start = durable_rules_engine.assert_fact, durable_rules_engine.start_action_for_state

    def deferring(handle, text):
        return (3, 0) if '"type": "right"' in text else assert_fact(handle, text)

    def starting(handle, state):
        started.append(state)
        return start(handle, state)

    with Engine("gov", DEFINITION) as engine:
        engine.run([{"type": "left", "key": 0}], _react)  # the session exists before the patch
        monkeypatch.setattr(durable_rules_engine, "assert_fact", deferring)
        monkeypatch.setattr(durable_rules_engine, "start_action_for_state", starting)
        with pytest.raises(EngineError, match=r"facts\[1\] \(type 'right'\).*deferred"):
            engine.run([{"type": "left", "key": 1}, {"type": "right", "key": 1}], _react)
        assert len(started) == 1  # for the left fact only
        monkeypatch.undo()
        assert [f.rule for f in engine.run([{"type": "left", "key": 2}, {"type": "right", "key": 2}], _react)] == \
            ["pair", "made"]


def test_matched_facts_are_the_callers_facts_with_id_last():
    """Firing.matched drops sid and the stamp, and gives back the caller's own id as the last key."""
    fact = {"id": 7, "type": "left", "key": 3, "nested": {"id": 1, "sid": 2}}
    with Engine("gov", {"left": {"all": [{"a": {"type": "left"}}]}}) as engine:
        (firing,) = engine.run([fact])
    assert list(firing.matched["a"].items()) == [("type", "left"), ("key", 3), ("nested", {"id": 1, "sid": 2}),
                                                  ("id", 7)]


def test_firing_is_a_read_only_value_with_its_field_names():
    """Firing compares by value, reprs with its field names, and cannot be changed."""
    firing = Firing(rule="pair", matched={"a": {"type": "left"}})
    assert firing == Firing("pair", {"a": {"type": "left"}})
    assert firing != Firing("pair", {})
    assert repr(firing) == "Firing(rule='pair', matched={'a': {'type': 'left'}})"
    with pytest.raises(AttributeError):
        firing.rule = "other"  # type: ignore[misc]
