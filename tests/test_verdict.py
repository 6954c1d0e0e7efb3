"""The Verdict's shape and stability (CONTRACT §2), shown on the conference ruleset."""

from __future__ import annotations

import json

import attrs
import pytest

import govrules

DENIED = {"town_wide": True, "overall_work": True, "mayor_approved": True, "party_secretary_approved": False}


def dumps(v: govrules.Verdict) -> str:
    return json.dumps(v.to_dict(), ensure_ascii=False, sort_keys=True)


def test_to_dict_has_the_contract_keys():
    """to_dict gives exactly the contract's keys (with #15's pack) with the contract's types."""
    d = govrules.check_conference(conference=DENIED).to_dict()
    assert set(d) == {"ruleset", "outcome", "allowed", "findings", "clauses", "data", "trace", "needs", "pack"}
    assert d["needs"] == []
    assert d["ruleset"] == "conference" and d["outcome"] == "denied" and d["allowed"] is False
    f = d["findings"][0]
    assert set(f) == {"rule", "clause", "label", "quote", "severity", "message", "data"}
    assert f["clause"] == "4.1" and f["label"] == "四（一）"
    assert f["quote"] in govrules.clause("4.1").text


def test_identical_inputs_give_byte_identical_json():
    """Two evaluations of the same facts serialise to the same bytes."""
    a = dumps(govrules.check_conference(conference=DENIED))
    b = dumps(govrules.check_conference(conference=dict(DENIED)))
    assert a == b


def test_verdict_is_immutable():
    """A Verdict cannot be changed after the fact."""
    v = govrules.check_conference(conference=DENIED)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        v.outcome = "allowed"  # type: ignore[misc]


def test_changing_to_dict_output_does_not_change_the_verdict():
    """to_dict hands out copies: editing them leaves the verdict as it was."""
    v = govrules.check_conference(conference=DENIED)
    d = v.to_dict()
    d["data"]["consents_missing"].append("someone")
    d["findings"][0]["data"]["x"] = 1
    assert v.to_dict()["data"]["consents_missing"] == ["party_secretary"]
    assert v.findings[0].data == {}


def test_allowing_verdict_cites_its_clause():
    """An allowed verdict still carries an info finding quoting 四（一）."""
    v = govrules.check_conference(conference={"town_wide": True, "overall_work": False, "mayor_approved": True})
    assert v.allowed and v.clauses == ("4.1",)
    assert [f.severity for f in v.findings] == ["info"]


def test_trace_shows_the_forward_chain():
    """The trace lists the chaining step before the rule that used its assertion."""
    v = govrules.check_conference(conference=DENIED)
    rules = [t.rule for t in v.trace]
    assert rules.index("conference.overall-work-needs-party-secretary") < rules.index(
        "conference.party-secretary-consent-missing")
    step = v.trace[rules.index("conference.overall-work-needs-party-secretary")]
    assert step.asserted == ({"type": "consent_required", "by": "party_secretary"},)


def test_chaining_steps_are_not_findings():
    """Rules marked finding: false appear in the trace but not among findings."""
    v = govrules.check_conference(conference=DENIED)
    assert "conference.town-wide-needs-mayor" in [t.rule for t in v.trace]
    assert "conference.town-wide-needs-mayor" not in [f.rule for f in v.findings]


def test_evaluations_do_not_share_facts():
    """A second evaluation is not influenced by facts asserted in the first."""
    govrules.check_conference(conference=DENIED)
    v = govrules.check_conference(conference={"town_wide": False})
    assert [t.rule for t in v.trace] == ["conference.not-town-wide"]


def test_unknown_ruleset_is_an_input_error_with_suggestion():
    """evaluate() with a misspelt ruleset name names the field and suggests the right one."""
    with pytest.raises(govrules.InputError) as e:
        govrules.evaluate("conferense", {"conference": {}})
    assert e.value.path == "ruleset" and "conference" in str(e.value)


def test_attrs_instances_are_accepted_as_facts():
    """The library's own attrs classes may stand where a mapping is expected."""

    @attrs.define
    class Conference:
        town_wide: bool
        mayor_approved: bool

    v = govrules.check_conference(conference=Conference(town_wide=True, mayor_approved=False))
    assert v.outcome == "denied"


def test_non_mapping_facts_are_rejected():
    """evaluate() with a list instead of a mapping is an InputError, not a crash."""
    with pytest.raises(govrules.InputError) as e:
        govrules.evaluate("conference", ["conference"])  # type: ignore[arg-type]
    assert e.value.path == "facts"


def test_bad_calendar_argument_is_rejected():
    """calendar= must be a WorkingCalendar."""
    with pytest.raises(govrules.InputError) as e:
        govrules.check_conference(conference=DENIED, calendar="2027.yaml")  # type: ignore[arg-type]
    assert e.value.path == "calendar"


def test_a_failing_derived_function_is_reported_as_ours(monkeypatch):
    """A bug inside a derived function surfaces as govrules' EngineError naming the field, not a bare TypeError."""
    from govrules import _derive
    from govrules._engine import EngineError

    def broken(ctx, keys, mapping):
        raise TypeError("boom")

    monkeypatch.setitem(_derive.FUNCTIONS, "lookup_all",
                        _derive.FUNCTIONS["lookup_all"]._replace(func=broken))
    with pytest.raises(EngineError) as e:
        govrules.check_signing(document={"issuer": "government_office", "portfolios": ["x"]},
                               signer={"name": "张三", "role": "mayor"}, division={})
    assert "document.in_charge" in str(e.value) and isinstance(e.value, govrules.GovrulesError)


def test_clauses_are_sorted_without_repeats_in_every_case():
    """CONTRACT §2: verdict.clauses is sorted (plain string order) with no repeats, and holds the findings' and needs' clauses."""
    from govrules._cases import load_cases
    from govrules._rulesets import available, ruleset_dir

    seen = 0
    for name in available():
        for case in load_cases(ruleset_dir() / f"{name}.cases.yaml"):
            if "error" in case.expect:
                continue
            v = govrules.evaluate(name, case.facts, calendar=case.calendar_obj())
            assert list(v.clauses) == sorted(set(v.clauses)), case.name
            assert {f.clause for f in v.findings} | {n.clause for n in v.needs} <= set(v.clauses), case.name
            if v.findings or v.needs:
                assert set(v.clauses) == {f.clause for f in v.findings} | {n.clause for n in v.needs}, case.name
            seen += 1
    assert seen > 100


def test_a_misspelt_keyword_is_an_input_error_with_a_suggestion():
    """check_signing(divison=...) raises InputError naming 'divison' and suggesting 'division', not TypeError."""
    with pytest.raises(govrules.InputError) as e:
        govrules.check_signing(document={"issuer": "town_government"}, signer={"name": "张三", "role": "mayor"},
                               divison={})
    assert e.value.path == "divison" and "division" in str(e.value)


def test_editing_what_was_read_from_data_does_not_edit_the_verdict():
    """v.data['consents_missing'].append(...) changes a copy; the verdict and its to_dict stay as they were."""
    v = govrules.check_conference(conference={"town_wide": True, "overall_work": False, "mayor_approved": False})
    v.data["consents_missing"].append("someone")
    assert v.data["consents_missing"] == ["mayor"]
    assert v.to_dict()["data"]["consents_missing"] == ["mayor"]
