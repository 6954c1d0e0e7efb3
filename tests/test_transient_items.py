"""Agenda items leave the engine's session once their own firings ran (docs/performance.md): same firings, flat session."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import durable_rules_engine

import govrules
from govrules import _engine
from govrules._engine import Engine
from govrules._rulesets import runner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from meeting_growth import facts as meeting_facts  # noqa: E402

# One object fact and items joined with it; the items assert nothing.
DEFINITION = {
    "late": {"all": [{"m": {"type": "meeting"}}, {"i": {"$and": [{"type": "item"}, {"late": True}]}}]},
    "big": {"all": [{"i": {"$and": [{"type": "item"}, {"$gt": {"size": 2}}]}}]},
}


def _facts(n: int) -> list[dict]:
    return [{"type": "meeting", "date": "2026-10-08"}] + [
        {"type": "item", "index": i, "late": i % 3 == 0, "size": i % 5} for i in range(n)]


def test_transient_items_fire_exactly_as_kept_ones() -> None:
    """Retracting each item after its firings gives the same firings, in the same order, as keeping them."""
    with Engine("transient.same", DEFINITION) as engine:
        kept = engine.run(_facts(300))
        dropped = engine.run(_facts(300), transient={"item"})
    assert [(f.rule, f.matched) for f in dropped] == [(f.rule, f.matched) for f in kept]
    assert len(kept) == 100 + 120


def test_transient_items_do_not_stay_in_the_session(monkeypatch) -> None:
    """With items transient the session holds only the facts that stay (here: the meeting) at the end of the run."""
    seen: list[int] = []
    real = _engine._empty

    def counting(ruleset, current):
        seen.append(len(current.stored))
        return real(ruleset, current)

    monkeypatch.setattr(_engine, "_empty", counting)
    with Engine("transient.flat", DEFINITION) as engine:
        engine.run(_facts(200), transient={"item"})
        engine.run(_facts(200))
    # seen: the opening sentinel, then what each run left stored when it ended.
    assert seen[0] == 1 and seen[1] == 1 and seen[2] > 100


def test_a_transient_run_leaves_a_reusable_empty_session() -> None:
    """After a transient run the session is emptied and reused, as after any run (no fact of it is left)."""
    with Engine("transient.reuse", DEFINITION) as engine:
        engine.run(_facts(50), transient={"item"})
        sid = engine._slot.idle
        assert sid is not None
        assert durable_rules_engine.get_facts(_engine._handle(engine._slot.ruleset), sid) == "[]"
        assert [f.rule for f in engine.run(_facts(4), transient={"item"})] == ["late", "late", "big"]


def test_meeting_items_are_transient_and_verdicts_match_kept_items(monkeypatch) -> None:
    """The meeting ruleset's agenda items are transient, and its verdicts equal those with items kept in the session."""
    r = runner("meeting")
    assert r._transient == frozenset({"agenda_item"})
    facts = meeting_facts(120, 6)
    partial = json.loads(json.dumps(facts))
    del partial["meeting"]["leaders"]  # a placeholder object in the relaxed run: items kept there
    got = [json.dumps(govrules.evaluate("meeting", f).to_dict(), ensure_ascii=False) for f in (facts, partial)]
    monkeypatch.setattr(r, "_transient", frozenset())
    want = [json.dumps(govrules.evaluate("meeting", f).to_dict(), ensure_ascii=False) for f in (facts, partial)]
    assert got == want


def test_items_joined_with_each_other_are_not_transient() -> None:
    """An item type some rule joins with another item or an inferred fact stays in the session."""
    from govrules._model import Pattern, RulesetSpec  # noqa: F401 - the spec shapes the check reads
    from govrules._run import _transient_items

    class _Rule:
        def __init__(self, *types: str) -> None:
            self.when = tuple(Pattern(t) for t in types)

    class _Spec:
        rules = (_Rule("meeting", "item"), _Rule("item", "item"))

    assert _transient_items(_Spec(), {"item"}, {"meeting"}) == frozenset()
    _Spec.rules = (_Rule("meeting", "item"), _Rule("item", "several"))
    assert _transient_items(_Spec(), {"item"}, {"meeting"}) == frozenset()
    _Spec.rules = (_Rule("meeting", "item"), _Rule("item"))
    assert _transient_items(_Spec(), {"item"}, {"meeting"}) == frozenset({"item"})
