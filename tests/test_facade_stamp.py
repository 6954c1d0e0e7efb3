"""The facade stamps the verdict its runner built for the call, and copies only a refused one (issue #12)."""

from __future__ import annotations

import govrules
from govrules import _facade
from govrules._rulesets import runner

# A town-wide notice signed by the mayor with his approval: allowed.
ALLOWED = {"document": {"title": "关于印发《2026年安全生产工作要点》的通知", "issuer": "town_government",
                        "purpose": "town_wide_deployment"},
           "signer": {"name": "张三", "role": "mayor"},
           "approval": {"opinion": "同意印发", "name": "张三", "date": "2026-03-02"}}


def _allowed_facts() -> dict:
    assert runner("signing").evaluate(ALLOWED).allowed
    return ALLOWED


def test_runner_evaluate_builds_a_new_unstamped_verdict_per_call():
    """Runner.evaluate returns a new verdict on every call, without a pack: what the facade's in-place stamp relies on."""
    facts = _allowed_facts()
    first, second = runner("signing").evaluate(facts), runner("signing").evaluate(facts)
    assert first is not second and first.pack is None and second.pack is None


def test_an_allowed_verdict_is_stamped_in_place_and_the_runner_is_not_touched(monkeypatch):
    """An allowed facade verdict is the runner's own verdict with the pack stamp set; later runner verdicts carry none."""
    built = []
    real = type(runner("signing")).evaluate
    monkeypatch.setattr(type(runner("signing")), "evaluate", lambda self, *a, **k: built.append(real(self, *a, **k)) or built[-1])
    verdict = govrules.evaluate("signing", _allowed_facts())
    assert verdict.allowed and verdict is built[-1] and verdict.pack == _facade._shipped_stamp()
    monkeypatch.undo()
    assert runner("signing").evaluate(_allowed_facts()).pack is None


def test_a_refused_verdict_is_a_stamped_copy_with_pending_remedies(monkeypatch):
    """A refused facade verdict is a new verdict (the runner's keeps no pack) whose data offers remedies."""
    built = []
    real = type(runner("signing")).evaluate
    monkeypatch.setattr(type(runner("signing")), "evaluate", lambda self, *a, **k: built.append(real(self, *a, **k)) or built[-1])
    verdict = govrules.evaluate("signing", {**ALLOWED, "signer": {"name": "李四", "role": "office_director"}})
    assert not verdict.allowed and verdict is not built[0] and built[0].pack is None
    assert verdict.pack == _facade._shipped_stamp() and "remedies" in verdict.data
