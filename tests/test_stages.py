"""The runner's public stages: prepare (validate + derive) and decide (engine + verdict)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govrules import InputError
from govrules._rulesets import runner

SRC = Path(__file__).resolve().parent.parent / "src" / "govrules"
FACTS = {"document": {"title": "关于防汛工作的通知", "issuer": "town_government"},
         "signer": {"name": "张三", "role": "vice_mayor"}}


def test_decide_of_prepare_is_evaluate() -> None:
    """decide(prepare(facts)) gives the same verdict as evaluate(facts)."""
    run = runner("signing")
    assert run.decide(run.prepare(FACTS)).to_dict() == run.evaluate(FACTS).to_dict()


def test_decide_leaves_prepared_facts_unchanged() -> None:
    """A prepared evaluation can be decided twice with the same result: decide changes nothing in it."""
    run = runner("signing")
    prepared = run.prepare(FACTS)
    before = repr(prepared.facts)
    first = run.decide(prepared).to_dict()
    assert repr(prepared.facts) == before
    assert run.decide(prepared).to_dict() == first


def test_prepare_reports_bad_input_before_the_engine() -> None:
    """prepare raises InputError naming the field; no engine is involved."""
    with pytest.raises(InputError, match="signer.role"):
        runner("signing").prepare({**FACTS, "signer": {"name": "张三", "role": "emperor"}})


def test_derive_copies_the_validated_facts() -> None:
    """derive fills derived fields on a copy: the caller's validated facts keep no derived field."""
    run = runner("meeting")
    typed = run.prepare({"meeting": {"kind": "mayor_office_meeting", "date": "2026-10-09"}}).facts
    again = run.derive(typed)
    assert again.facts == typed and again.facts is not typed


def test_derived_dates_are_the_rule_files_deadlines() -> None:
    """derived_dates lists the dates the rule file derives, each with its label from the rule file."""
    run = runner("meeting")
    dates = run.derived_dates(run.prepare({"meeting": {"kind": "mayor_office_meeting", "date": "2026-10-09"}}))
    labels = {d.label for d in run.spec.derive if d.label}
    assert dates and all(label in labels for _, label in dates)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) for day, _ in dates)


@pytest.mark.parametrize("module", ["_remedies.py", "_prove.py"])
def test_audit_tools_use_only_public_stages(module: str) -> None:
    """Remedies and prove reach the runner only through its public methods, never a private one."""
    text = (SRC / module).read_text(encoding="utf-8")
    assert re.findall(r"\brunner\._\w+", text) == []
