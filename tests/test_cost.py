"""Cost bounded by input size (issue #11 item 3): set-based collection, a counted remedies budget."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import govrules
from govrules import _remedies
from govrules._rulesets import runner
from govrules._run import _hashable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from growth_limits import absent_leaders, refused_items  # noqa: E402


def test_collected_members_are_deduplicated_by_equality() -> None:
    """The set beside each collected list treats equal dicts (any key order, 1 == True) as one member."""
    assert _hashable({"title": "a", "clause": "x"}) == _hashable({"clause": "x", "title": "a"})
    assert _hashable({"n": 1}) == _hashable({"n": True}) and _hashable(["a"]) != _hashable(["b"])


def test_thousands_of_refused_items_are_each_listed_once() -> None:
    """2,000 late items give data.rejected with 2,000 distinct entries, in agenda order."""
    v = govrules.evaluate("meeting", refused_items(2000))
    rejected = v.data["rejected"]
    assert len(rejected) == 2000 and len({r["title"] for r in rejected}) == 2000
    assert rejected[0]["title"] == "议题0" and rejected[-1]["title"] == "议题1999"


def test_remedies_for_3000_absent_leaders_stay_within_the_work_budget(monkeypatch) -> None:
    """The search re-evaluates a 3,000-leader meeting at most WORK_BUDGET // size times and ends in seconds."""
    facts = absent_leaders(3000)
    run = runner("meeting")
    calls = []
    real = run.evaluate
    monkeypatch.setattr(run, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    verdict = real(facts)
    assert not verdict.allowed
    started = time.monotonic()
    remedies = _remedies.search(run, facts, verdict)
    elapsed = time.monotonic() - started
    size = _remedies._size(govrules._validate.validate(run.spec, facts))
    assert size > 10_000
    assert len(calls) <= _remedies.WORK_BUDGET // size + 1  # +1: the greedy walk's final check
    assert len(remedies) <= _remedies.MAX_REMEDIES
    assert elapsed < 30, elapsed  # it took 55 s before the budget; now about a second


def test_small_verdicts_keep_the_full_evaluation_budget(monkeypatch) -> None:
    """A small record is not cut short: its budget is BUDGET evaluations, and its remedies are found."""
    facts = {"conference": {"town_wide": True, "overall_work": True, "mayor_approved": False}}
    run = runner("conference")
    verdict = run.evaluate(facts)
    remedies = _remedies.search(run, facts, verdict)
    assert remedies and remedies[0]["outcome"] == "allowed"
    typed = govrules._validate.validate(run.spec, facts)
    assert _remedies.WORK_BUDGET // _remedies._size(typed) > _remedies.BUDGET


def test_candidates_stop_at_their_limit() -> None:
    """candidates(limit=n) makes at most n changes, the first n of the unbounded list."""
    facts = absent_leaders(50)
    run = runner("meeting")
    typed = govrules._validate.validate(run.spec, facts)
    pools = _remedies._Pools(run.spec.facts, typed, [])
    every = _remedies.candidates(run.spec.facts, typed, pools)
    first = _remedies.candidates(run.spec.facts, typed, pools, limit=40)
    assert len(every) > 40 and first == every[:40]


def test_the_time_limit_degrades_to_fewer_remedies(monkeypatch) -> None:
    """With TIME_LIMIT at zero the search stops at once and returns a list (possibly empty), never raises."""
    monkeypatch.setattr(_remedies, "TIME_LIMIT", 0.0)
    facts = {"conference": {"town_wide": True, "overall_work": True, "mayor_approved": False}}
    run = runner("conference")
    assert isinstance(_remedies.search(run, facts, run.evaluate(facts)), list)
