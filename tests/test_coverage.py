"""Clause coverage: rules per clause, cases per rule (by running them), gaps reported, CLI exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from govrules._cli import cli
from govrules._coverage import coverage, for_files
from govrules._rulesets import ruleset_dir

CASES_HEAD = "ruleset: conference\ncases:\n"
DENIED = """  - name: 全镇性大会未经镇长同意，不得召开
    facts: {conference: {town_wide: true, mayor_approved: false}}
    expect: {outcome: denied}
"""
NOT_TOWN_WIDE = """  - name: 不是全镇性大会的，可以召开
    facts: {conference: {town_wide: false}}
    expect: {outcome: allowed}
"""
BAD_INPUT = """  - name: 缺少会议事实时报错
    facts: {}
    expect: {error: {type: InputError, path: conference}}
"""


def _conference(tmp_path: Path, cases: str) -> Path:
    rules = tmp_path / "conference.yaml"
    shutil.copy(ruleset_dir() / "conference.yaml", rules)
    (tmp_path / "conference.cases.yaml").write_text(CASES_HEAD + cases, encoding="utf-8")
    return rules


def _by_rule(cov):
    return {r.rule: r for r in cov.rules}


def test_shipped_conference_rules_are_fired_and_left_unfired_by_named_cases() -> None:
    """Running the shipped conference cases attributes each rule to the cases whose trace contains it."""
    cov = coverage(for_files([ruleset_dir() / "conference.yaml"]))
    rules = _by_rule(cov)
    assert rules["conference.not-town-wide"].firing == ("不是全镇性大会的，无需镇长同意即可召开",)
    assert "全镇性大会未经镇长同意，不得召开" in rules["conference.mayor-consent-missing"].firing
    assert "全镇性大会未经镇长同意，不得召开" in rules["conference.consents-given"].not_firing
    assert all(r.firing and r.not_firing for r in cov.rules)


def test_a_clause_lists_every_rule_citing_it_and_non_computable_clauses_keep_their_reason() -> None:
    """Clause 4.1 carries all six conference rules; a non-computable clause is covered with its reason."""
    cov = coverage(for_files([ruleset_dir() / "conference.yaml"]))
    by_id = {c.id: c for c in cov.clauses}
    assert [r.rule for r in by_id["4.1"].rules] == [
        "conference.town-wide-needs-mayor", "conference.overall-work-needs-party-secretary",
        "conference.mayor-consent-missing", "conference.party-secretary-consent-missing",
        "conference.consents-given", "conference.not-town-wide",
    ]
    assert by_id["0"].covered and not by_id["0"].computable and by_id["0"].reason


def test_a_computable_clause_without_a_rule_is_uncovered() -> None:
    """With only the conference ruleset, 五（二）1 (computable) has no rule and makes coverage fail."""
    cov = coverage(for_files([ruleset_dir() / "conference.yaml"]))
    assert "5.2.1" in [c.id for c in cov.uncovered]
    assert "4.1" not in [c.id for c in cov.uncovered]
    assert not cov.ok


def test_rules_no_case_fires_and_rules_every_case_fires_are_reported(tmp_path: Path) -> None:
    """With one denying case only, unfired rules are never_fired and the rules it fires are always_fired."""
    cov = coverage(for_files([_conference(tmp_path, DENIED)]))
    never = {r.rule for r in cov.never_fired}
    always = {r.rule for r in cov.always_fired}
    assert "conference.not-town-wide" in never and "conference.consents-given" in never
    assert always == {"conference.town-wide-needs-mayor", "conference.mayor-consent-missing"}


def test_a_bad_input_case_counts_neither_as_firing_nor_as_not_firing(tmp_path: Path) -> None:
    """A case that raises InputError exercises no rule: it is not a 'does not fire' witness either."""
    cov = coverage(for_files([_conference(tmp_path, DENIED + BAD_INPUT)]))
    rules = _by_rule(cov)
    assert rules["conference.not-town-wide"].not_firing == ("全镇性大会未经镇长同意，不得召开",)
    assert rules["conference.mayor-consent-missing"].not_firing == ()


def test_cli_coverage_exits_one_on_gaps_and_names_them(tmp_path: Path) -> None:
    """`govrules coverage FILE` exits 1 and names the unfired rule and the uncovered clause."""
    result = CliRunner().invoke(cli, ["coverage", str(_conference(tmp_path, DENIED + NOT_TOWN_WIDE))])
    assert result.exit_code == 1
    assert "没有触发案例的规则：" in result.output and "conference.consents-given" in result.output
    assert "无规则的可判定条款：" in result.output and "5.2.1" in result.output


@pytest.mark.parametrize("flag", [[], ["--json"]])
def test_cli_coverage_reports_every_catalogue_clause(tmp_path: Path, flag: list[str]) -> None:
    """The report (text or JSON) mentions every clause id of the catalogue."""
    import json

    from govrules import clauses

    result = CliRunner().invoke(cli, ["coverage", *flag, str(ruleset_dir() / "conference.yaml")])
    if flag:
        ids = [c["id"] for c in json.loads(result.output)["clauses"]]
        assert ids == [c.id for c in clauses()]
    else:
        for c in clauses():
            assert f"  {c.id}  " in result.output


def test_the_shipped_rulesets_cover_every_computable_clause() -> None:
    """govrules coverage is complete: each computable clause has a rule, each rule a firing and a non-firing case."""
    from govrules._coverage import coverage

    cov = coverage()
    assert cov.ok, (cov.uncovered, cov.never_fired, cov.always_fired, cov.broken)
