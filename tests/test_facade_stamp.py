"""The facade has the runner build its verdict with the pack stamp, and copies only a refused one to add remedies (issue #12)."""

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


def test_runner_evaluate_builds_its_verdict_with_the_pack_it_is_given():
    """Runner.evaluate stamps the verdict it builds with ``pack=``; without it the verdict carries none."""
    facts = _allowed_facts()
    stamp = {"id": "town", "version": "v1", "hash": "abc"}
    assert runner("signing").evaluate(facts, pack=stamp).pack == stamp
    assert runner("signing").evaluate(facts).pack is None


def test_an_allowed_verdict_is_the_runners_own_built_with_the_stamp(monkeypatch):
    """An allowed facade verdict is the verdict the runner built, already carrying the shipped pack's stamp (no copy)."""
    built = []
    real = type(runner("signing")).evaluate
    monkeypatch.setattr(type(runner("signing")), "evaluate", lambda self, *a, **k: built.append(real(self, *a, **k)) or built[-1])
    verdict = govrules.evaluate("signing", _allowed_facts())
    assert verdict.allowed and verdict is built[-1] and verdict.pack == _facade._shipped_stamp()


def test_a_refused_verdict_is_a_stamped_copy_with_pending_remedies(monkeypatch):
    """A refused facade verdict is a copy of the runner's (both stamped) whose data offers remedies."""
    built = []
    real = type(runner("signing")).evaluate
    monkeypatch.setattr(type(runner("signing")), "evaluate", lambda self, *a, **k: built.append(real(self, *a, **k)) or built[-1])
    verdict = govrules.evaluate("signing", {**ALLOWED, "signer": {"name": "李四", "role": "office_director"}})
    assert not verdict.allowed and verdict is not built[0] and built[0].pack == _facade._shipped_stamp()
    assert verdict.pack == _facade._shipped_stamp() and "remedies" in verdict.data


def test_editing_one_verdicts_pack_stamp_leaves_later_verdicts_alone():
    """A caller that edits verdict.pack changes that verdict only: the next shipped verdict has the true stamp."""
    first = govrules.evaluate("signing", _allowed_facts())
    true_hash = first.pack["hash"]
    first.pack["hash"] = "edited"
    assert govrules.evaluate("signing", _allowed_facts()).pack["hash"] == true_hash
    assert _facade._shipped_stamp()["hash"] == true_hash
