"""Remedies: every non-allowed verdict says which smallest change of facts would allow it, found by re-evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import govrules
from govrules._cases import load_cases
from govrules._cli import cli
from govrules._remedies import apply, merge, search
from govrules._rulesets import available, ruleset_dir, runner


def _not_allowed_cases():
    out = []
    for name in available():
        path = ruleset_dir() / f"{name}.cases.yaml"
        if not path.exists():
            continue
        for case in load_cases(path):
            if case.expect.get("outcome") and not runner(name).spec.outcome(case.expect["outcome"]).allowed:
                out.append(pytest.param(case, id=f"{name}: {case.name}"))
    return out


NOT_ALLOWED = _not_allowed_cases()


@pytest.mark.parametrize("case", NOT_ALLOWED)
def test_each_remedy_applied_to_a_non_allowed_spec_case_gives_an_allowed_verdict(case) -> None:
    """For every spec case whose outcome is not allowed, there is a remedy, and each remedy that names values allows it.

    An undetermined verdict's first remedy supplies the needed facts: it names paths, not values
    (outcome null), and is the only remedy without an outcome.
    """
    cal = case.calendar_obj()
    verdict = govrules.evaluate(case.ruleset, case.facts, calendar=cal)
    assert not verdict.allowed
    remedies = verdict.data["remedies"]
    assert remedies, "no remedy found"
    if verdict.outcome == "undetermined" and any(n.outcome for n in verdict.needs):
        supply = remedies[0]
        assert supply["outcome"] is None
        assert {c["path"] for c in supply["changes"]} == {n.path for n in verdict.needs if n.outcome}
        remedies = remedies[1:]
    for remedy in remedies:
        fixed = govrules.evaluate(case.ruleset, apply(case.facts, remedy["changes"]), calendar=cal)
        assert fixed.allowed and fixed.outcome == remedy["outcome"], remedy["description"]
        assert remedy["description"] and all(c["description"] for c in remedy["changes"])


@pytest.mark.parametrize("case", NOT_ALLOWED[:: max(1, len(NOT_ALLOWED) // 12)])
def test_remedies_are_set_minimal(case) -> None:
    """Dropping any one change of a multi-change remedy no longer allows the verdict."""
    cal = case.calendar_obj()
    for remedy in govrules.evaluate(case.ruleset, case.facts, calendar=cal).data["remedies"]:
        if remedy["outcome"] is None:
            continue  # supplying the needed facts names no values to drop
        changes = remedy["changes"]
        for i in range(len(changes)) if len(changes) > 1 else ():
            rest = changes[:i] + changes[i + 1:]
            assert not govrules.evaluate(case.ruleset, apply(case.facts, rest), calendar=cal).allowed


def test_both_missing_consents_are_one_remedy_beside_the_cheaper_reclassification() -> None:
    """Town-wide overall work without either consent: 'not town-wide' alone, or both consents together."""
    v = govrules.check_conference(conference={"town_wide": True, "overall_work": True})
    sets = [sorted((c["path"], c["to"]) for c in r["changes"]) for r in v.data["remedies"]]
    assert [("conference.town_wide", False)] in sets
    assert [("conference.mayor_approved", True), ("conference.party_secretary_approved", True)] in sets
    assert [("conference.mayor_approved", True)] not in sets  # one consent alone does not allow it


def test_a_single_missing_consent_is_a_one_change_remedy_ranked_before_reclassifying() -> None:
    """Mayor's consent missing: the first remedy is to obtain it (an affirmative change ranks first)."""
    v = govrules.check_conference(conference={"town_wide": True, "overall_work": False, "mayor_approved": False})
    first = v.data["remedies"][0]
    assert first["changes"] == [{"path": "conference.mayor_approved", "from": False, "to": True,
                                 "description": "镇长是否已同意（conference.mayor_approved）由「否」改为「是」"}]


def test_several_names_missing_from_one_list_become_one_change_naming_them_all() -> None:
    """Additions to the same list merge into one change: 在…中加入 王五、赵六."""
    from govrules._remedies import Change

    a = Change("minutes.reviewed_by", ["李四"], ["李四", "王五"], "x", "add", "已核稿的副镇长", ("王五",), ("王五",))
    b = Change("minutes.reviewed_by", ["李四"], ["李四", "赵六"], "y", "add", "已核稿的副镇长", ("赵六",), ("赵六",))
    (merged,) = merge([a, b])
    assert merged.after == ["李四", "王五", "赵六"]
    assert merged.description == "在已核稿的副镇长中加入 王五、赵六"
    flip = Change("minutes.reviewed_by", ["李四"], [], "z", "flip_off")
    assert merge([a, flip]) is None


def test_allowed_verdicts_carry_no_remedies_and_the_runner_itself_never_searches() -> None:
    """Remedies are attached by the facade only to verdicts that are not allowed; re-evaluation cannot recurse."""
    ok = govrules.check_conference(conference={"town_wide": False})
    assert "remedies" not in ok.data
    raw = runner("conference").evaluate({"conference": {"town_wide": True}})
    assert not raw.allowed and "remedies" not in raw.data


def test_remedies_are_deterministic() -> None:
    """Two evaluations of the same facts give byte-identical verdicts, remedies included."""
    facts = {"conference": {"town_wide": True, "overall_work": True}}
    a = json.dumps(govrules.evaluate("conference", facts).to_dict(), ensure_ascii=False, sort_keys=True)
    b = json.dumps(govrules.evaluate("conference", facts).to_dict(), ensure_ascii=False, sort_keys=True)
    assert a == b


def test_a_budget_of_zero_finds_nothing_and_says_so() -> None:
    """The search is bounded: with no evaluations allowed it returns no remedy rather than guessing."""
    run = runner("conference")
    facts = {"conference": {"town_wide": True, "overall_work": False, "mayor_approved": False}}
    assert search(run, facts, run.evaluate(facts), budget=0) == []


def test_a_budget_of_zero_still_says_which_facts_to_supply() -> None:
    """Supplying the needed facts costs no evaluation: with budget 0 an undetermined verdict still gets it, and only it."""
    run = runner("conference")
    facts = {"conference": {"town_wide": True}}
    (supply,) = search(run, facts, run.evaluate(facts), budget=0)
    assert supply["outcome"] is None and {c["path"] for c in supply["changes"]} == {
        "conference.mayor_approved", "conference.overall_work", "conference.party_secretary_approved"}


def test_apply_sets_values_at_dotted_and_indexed_paths_without_touching_the_input() -> None:
    """apply() deep-copies and sets a.b[1].c, creating missing objects on the way."""
    facts = {"m": {"xs": [{"c": 1}, {"c": 2}]}}
    out = apply(facts, [{"path": "m.xs[1].c", "to": 9}, {"path": "n.k", "to": True}])
    assert out == {"m": {"xs": [{"c": 1}, {"c": 9}]}, "n": {"k": True}}
    assert facts == {"m": {"xs": [{"c": 1}, {"c": 2}]}}


def test_cli_explain_prints_the_trace_and_the_remedies(tmp_path: Path) -> None:
    """`govrules check --explain` shows the chain of rules and the changes that would allow the verdict."""
    facts = tmp_path / "f.json"
    facts.write_text(json.dumps({"conference": {"town_wide": True, "overall_work": False, "mayor_approved": False}}),
                     encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", str(facts), "--explain"])
    assert result.exit_code == 1
    assert "推理链" in result.output and "怎样才能改变这一结论" in result.output
    assert "conference.mayor_approved: false → true" in result.output


def test_configure_remedies_false_turns_the_search_off_and_true_back_on() -> None:
    """govrules.configure(remedies=False) leaves non-allowed verdicts without data.remedies."""
    facts = {"conference": {"town_wide": True}}
    try:
        govrules.configure(remedies=False)
        assert "remedies" not in govrules.evaluate("conference", facts).data
    finally:
        govrules.configure(remedies=True)
    assert govrules.evaluate("conference", facts).data["remedies"]
    with pytest.raises(govrules.InputError) as err:
        govrules.configure(remedies="yes")
    assert err.value.path == "remedies"


def test_remedies_are_searched_only_when_read(monkeypatch) -> None:
    """A refused verdict costs no re-evaluation until data["remedies"] is read, and then only once."""
    import govrules
    from govrules import _remedies

    calls = []
    real = _remedies.search
    monkeypatch.setattr(_remedies, "search", lambda *a, **k: calls.append(1) or real(*a, **k))
    v = govrules.check_conference(conference={"town_wide": True})
    assert not v.allowed and "remedies" in v.data and calls == []
    first = v.data["remedies"]
    assert calls == [1] and first and v.data["remedies"] == first and calls == [1]
    assert v.to_dict()["data"]["remedies"] == first


def test_remedies_use_the_facts_as_they_were_when_evaluated() -> None:
    """Editing the caller's facts after evaluate() does not change the remedies found later."""
    import govrules

    facts = {"conference": {"town_wide": True, "overall_work": True}}
    v = govrules.evaluate("conference", facts)
    facts["conference"]["mayor_approved"] = True
    paths = {c["path"] for r in v.data["remedies"] for c in r["changes"]}
    assert "conference.mayor_approved" in paths


def test_verdict_data_is_read_only_and_survives_pickling() -> None:
    """data cannot be assigned into; a pickled verdict keeps its remedies."""
    import pickle

    import govrules

    v = govrules.check_conference(conference={"town_wide": True})
    with pytest.raises(TypeError):
        v.data["outcome"] = "x"  # type: ignore[index]
    again = pickle.loads(pickle.dumps(v))
    assert again.to_dict() == v.to_dict()


def test_cli_no_remedies_leaves_them_out_of_json() -> None:
    """govrules check --json --no-remedies prints a verdict without data.remedies."""
    import json

    from click.testing import CliRunner

    from govrules._cli import cli

    example = str(Path(__file__).resolve().parents[1] / "examples" / "conference-overall-work.json")
    with_r = json.loads(CliRunner().invoke(cli, ["check", "conference", example, "--json"]).output)
    without = json.loads(CliRunner().invoke(cli, ["check", "conference", example, "--json", "--no-remedies"]).output)
    assert "remedies" in with_r["data"] and "remedies" not in without["data"]
    assert {k: v for k, v in with_r["data"].items() if k != "remedies"} == without["data"]
