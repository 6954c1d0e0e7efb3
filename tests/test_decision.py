"""decision_scope (三（一）（二）、四（三）) through the public facade, plus its derived function."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import govrules
from govrules._derive import FUNCTIONS, Context
from govrules._derive_decision import count_distinct
from govrules._rulesets import runner

ROOT = Path(__file__).resolve().parents[1]
ALL_PROCEDURES = ["public_participation", "expert_review", "risk_assessment", "legality_review",
                  "collective_decision"]
ALL_ASSESSMENTS = ["legality", "necessity", "scientific", "feasibility", "controllability"]
DIVISION = {"urban": "王五", "finance": "李四"}


def test_decision_scope_is_evaluate_of_the_decision_ruleset() -> None:
    """decision_scope(matter=, division=) gives the same verdict as evaluate("decision", {...})."""
    matter = {"category": "routine", "portfolios": ["urban"], "three_major_one_large": False, "key_work": False}
    a = govrules.decision_scope(matter=matter, division=DIVISION)
    b = govrules.evaluate("decision", {"matter": matter, "division": DIVISION})
    assert a.to_dict() == b.to_dict()
    assert a.ruleset == "decision" and a.data["deciders"] == ["vice_mayor"]


def test_chinese_terms_and_codes_give_the_same_verdict() -> None:
    """Chinese category, role, assessment and procedure terms are read as their codes."""
    zh = govrules.decision_scope(matter={
        "category": "重大政府投资建设项目", "submitted_by": "部门", "assessments": ["合法性", "可控性"],
        "procedures": ["公众参与", "集体讨论决定"]})
    en = govrules.decision_scope(matter={
        "category": "major_investment", "submitted_by": "department", "assessments": ["legality", "controllability"],
        "procedures": ["public_participation", "collective_decision"]})
    assert json.dumps(zh.to_dict(), ensure_ascii=False, sort_keys=True) == \
        json.dumps(en.to_dict(), ensure_ascii=False, sort_keys=True)
    assert zh.data["missing"] == ["necessity", "scientific", "feasibility", "expert_review", "risk_assessment",
                                  "legality_review"]


def test_missing_entries_are_the_codes_each_violation_names() -> None:
    """Every entry of data.missing is the `missing` of exactly one violation finding, and vice versa."""
    v = govrules.decision_scope(matter={
        "category": "fiscal_budget", "key_work": True, "portfolios": ["urban", "finance"], "lead": None,
        "three_major_one_large": False, "submitted_by": "department", "departments": ["财政所", "规划办"],
        "affects_public_interest": True, "stability_risk": True, "assessments": [], "procedures": [],
        "consulted": False, "opinions_solicited": False, "stability_risk_assessed": False}, division=DIVISION)
    named = [f.data["missing"] for f in v.findings if f.severity == "violation"]
    assert sorted(named) == sorted(v.data["missing"])
    assert len(v.data["missing"]) == 14 and v.outcome == "incomplete" and v.allowed is False


def test_only_major_decisions_require_the_five_procedures() -> None:
    """3.2.3's procedures attach to 3.2.1's first list only, not to the items after 「以及」 or 4.3's tasks."""
    for category in ("economic_social_plan", "fiscal_budget", "development_strategy", "major_reform",
                     "resource_allocation", "major_investment"):
        v = govrules.decision_scope(matter={"category": category, "procedures": ALL_PROCEDURES,
                                            "three_major_one_large": False, "key_work": False,
                                            "submitted_by": "office"})
        assert v.data["required_procedures"] == ALL_PROCEDURES, category
        assert v.outcome == "ready", category
    for category in ("normative_document", "personnel", "public_emergency", "stability_incident",
                     "annual_work_plan", "practical_projects", "report_to_superiors", "government_work_report",
                     "final_accounts"):
        v = govrules.decision_scope(matter={"category": category, "three_major_one_large": False,
                                            "key_work": False, "submitted_by": "office"})
        assert v.data["required_procedures"] == [] and v.data["missing"] == [], category
        assert v.data["deciders"] == ["mayor_office_meeting"], category


def test_every_verdict_cites_a_clause() -> None:
    """Each category, with nothing else given, cites a clause: a finding, or the needs it is undetermined on."""
    category = next(f for f in runner("decision").spec.fact("matter").type.fields if f.name == "category")
    codes = [code for code, _ in category.type.values]
    assert len(codes) == 16
    for code in codes:
        v = govrules.decision_scope(matter={"category": code}, division={})
        assert v.clauses, code
        assert v.findings or (v.outcome == "undetermined" and any(n.outcome for n in v.needs)), code


def test_division_must_be_a_mapping() -> None:
    """A division that is not a mapping of portfolio → name is an InputError naming `division`."""
    with pytest.raises(govrules.InputError) as err:
        govrules.decision_scope(matter={"category": "routine"}, division=["王五"])
    assert err.value.path == "division"


@pytest.mark.parametrize("matter, path", [
    ({"category": "招商引资"}, "matter.category"),
    ({"category": 3}, "matter.category"),
    ({}, "matter.category"),
    ({"category": "routine", "lead": ["王五"]}, "matter.lead"),
    ({"category": "routine", "portfolios": "urban"}, "matter.portfolios"),
    ({"category": "routine", "departments": ["规划办", 7]}, "matter.departments[1]"),
    ({"category": "routine", "procedures": ["public_participation", "听证"]}, "matter.procedures[1]"),
    ({"category": "routine", "submitted_by": "科室"}, "matter.submitted_by"),
    ({"category": "routine", "consulted": "yes"}, "matter.consulted"),
])
def test_bad_matter_fields_are_input_errors_naming_the_path(matter: dict, path: str) -> None:
    """A wrong category, type or list item raises InputError (a ValueError) at that field's path."""
    with pytest.raises(govrules.InputError) as err:
        govrules.decision_scope(matter=matter)
    assert err.value.path == path
    assert isinstance(err.value, ValueError)


def test_missing_matter_is_an_input_error() -> None:
    """decision_scope() without a matter names the missing fact `matter`."""
    with pytest.raises(govrules.InputError) as err:
        govrules.decision_scope()
    assert err.value.path == "matter"


def test_unknown_category_error_suggests_the_chinese_or_code() -> None:
    """A near-miss Chinese category is rejected with a suggestion of the listed term."""
    with pytest.raises(govrules.InputError) as err:
        govrules.decision_scope(matter={"category": "镇财政预算"})
    assert "财政预算" in str(err.value)


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("decision-*.json")))
def test_bundled_examples_evaluate(path: Path) -> None:
    """Each bundled decision example is valid input and its verdict lists deciders and cites clauses."""
    facts = json.loads(path.read_text(encoding="utf-8"))
    v = govrules.evaluate("decision", facts)
    assert v.data["deciders"] and v.clauses
    assert v.outcome in ("ready", "incomplete")


def test_count_distinct_counts_each_name_once() -> None:
    """count_distinct counts repeated items once and treats a missing list as empty."""
    ctx = Context(calendar=None)  # type: ignore[arg-type]  (no dates involved)
    assert count_distinct(ctx, ["规划办", "财政所", "规划办"]) == 2
    assert count_distinct(ctx, None) == 0  # type: ignore[arg-type]
    assert FUNCTIONS["count_distinct"].returns == "int"
