"""Gap and overlap proof: enumerated input classes, counterexamples for broken rule files, domain hints."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from govrules._cli import cli
from govrules._errors import RulesetError
from govrules._prove import Hints, describe, hints_for, load_hints, prove, render
from govrules._rulesets import available, ruleset_dir, runner, runner_for_file

DATA = Path(__file__).parent / "data"
# Shipped rulesets that do not prove yet, and why (reported to their owners; see docs/prove.md).
KNOWN: dict[str, str] = {}


def test_conference_proves_with_every_outcome_reached() -> None:
    """All 162 conference input classes (title given or not × 3^4 for each bool not given, false or true) get one outcome; all three occur."""
    proof = prove(runner("conference"))
    assert proof.ok and proof.classes == 162 and proof.rejected == 0
    assert set(proof.outcomes) == {"allowed", "denied", "undetermined"} and sum(proof.outcomes.values()) == 162


def test_a_removed_rule_is_caught_as_a_gap_with_a_readable_counterexample() -> None:
    """Without the not-town-wide rule, a non-town-wide conference falls through to the default: a gap."""
    run = runner_for_file(DATA / "broken-gap.yaml")
    proof = prove(run, hints_for(DATA / "broken-gap.yaml"))
    assert not proof.ok and proof.gaps and not proof.overlaps
    first = proof.gaps[0]
    assert first.facts["conference"]["town_wide"] is False and first.fired == ()
    assert all(g.facts["conference"]["town_wide"] is False for g in proof.gaps)
    assert "conference.town_wide（是否为全镇性大会） = 否" in describe(run.spec, first.facts)


def test_two_rules_with_different_outcomes_on_one_input_are_caught_as_an_overlap() -> None:
    """consents-given without its party-secretary condition allows what the missing consent denies."""
    proof = prove(runner_for_file(DATA / "broken-overlap.yaml"))
    assert not proof.ok and proof.overlaps and not proof.gaps
    c = proof.overlaps[0].facts["conference"]
    assert (c["town_wide"], c["overall_work"], c["mayor_approved"], c["party_secretary_approved"]) == \
        (True, True, True, False)
    assert {r for r, _ in proof.overlaps[0].fired} == {"conference.party-secretary-consent-missing",
                                                        "conference.consents-given"}


def test_cli_prove_prints_the_first_counterexample_and_exits_one(tmp_path: Path) -> None:
    """`govrules prove FILE` on a broken file names the gap and shows its facts; conference exits 0."""
    bad = CliRunner().invoke(cli, ["prove", str(DATA / "broken-gap.yaml")])
    assert bad.exit_code == 1
    assert "第一个缺口" in bad.output and "conference.town_wide（是否为全镇性大会） = 否" in bad.output
    good = CliRunner().invoke(cli, ["prove", "conference"])
    assert good.exit_code == 0 and "无缺口、无重叠" in good.output


def test_a_space_over_the_limit_is_an_error_naming_the_prove_file() -> None:
    """With a limit below the class count the proof refuses rather than sampling."""
    proof = prove(runner("conference"), Hints(limit=10))
    assert not proof.ok and "rulesets/conference.prove.yaml" in proof.error


def test_domain_hints_replace_the_generic_domain_of_a_path(tmp_path: Path) -> None:
    """A prove file listing conference.title: [null] halves the classes; unknown keys are refused."""
    hints = tmp_path / "conference.prove.yaml"
    hints.write_text("ruleset: conference\ndomains:\n  conference.title: [null]\n", encoding="utf-8")
    assert prove(runner("conference"), load_hints(hints)).classes == 81  # 3^4: each bool not given, false or true
    hints.write_text("ruleset: conference\ndomain: {}\n", encoding="utf-8")
    with pytest.raises(RulesetError):
        load_hints(hints)


def test_prove_files_are_not_taken_for_rulesets() -> None:
    """rulesets/<name>.prove.yaml sits beside the rule files without becoming a ruleset of its own."""
    assert (ruleset_dir() / "signing.prove.yaml").exists()
    assert not [n for n in available() if n.endswith(".prove")]


@pytest.mark.parametrize("name", available())
def test_every_shipped_ruleset_proves(name: str) -> None:
    """Each shipped ruleset has no gap and no overlap over its input classes (known failures are listed)."""
    if name in KNOWN:
        pytest.xfail(KNOWN[name])
    proof = prove(runner(name), hints_for(ruleset_dir() / f"{name}.yaml"))
    assert proof.ok, proof.error or (proof.gaps[:1], proof.overlaps[:1])


def test_outcomes_from_different_clauses_are_not_an_overlap() -> None:
    """An allowing 五（二）1 finding beside a denying 五（三） finding is two questions, not a contradiction."""
    from govrules._prove import _contradictory

    clause_of = {"a": "5.2.1", "b": "5.3", "c": "5.2.1"}
    assert not _contradictory((("a", "allowed"), ("b", "denied")), clause_of)
    assert _contradictory((("a", "allowed"), ("c", "denied")), clause_of)


def test_parts_are_proved_as_a_union_of_products(tmp_path: Path) -> None:
    """Three parts fixing town_wide to each value (not given, true, false) cover the same 81 classes as the one product."""
    hints = tmp_path / "conference.prove.yaml"
    hints.write_text("ruleset: conference\ndomains:\n  conference.title: [null]\nparts:\n"
                     "  - {name: 未说明, domains: {conference.town_wide: [null]}}\n"
                     "  - {name: 全镇性, domains: {conference.town_wide: [true]}}\n"
                     "  - {name: 非全镇性, domains: {conference.town_wide: [false]}}\n", encoding="utf-8")
    proof = prove(runner("conference"), load_hints(hints))
    whole = prove(runner("conference"), Hints(domains={"conference.title": (None,)}))
    assert proof.ok and proof.classes == whole.classes == 81 and proof.outcomes == whole.outcomes


def test_a_counterexample_names_the_part_it_was_found_in(tmp_path: Path) -> None:
    """broken-gap's gap is reported from the part that varies town_wide to false, and the CLI says so."""
    hints = tmp_path / "broken-gap.prove.yaml"
    hints.write_text("ruleset: conference\nparts:\n"
                     "  - {name: 全镇性, domains: {conference.town_wide: [true]}}\n"
                     "  - {name: 非全镇性, domains: {conference.town_wide: [false]}}\n", encoding="utf-8")
    proof = prove(runner_for_file(DATA / "broken-gap.yaml"), load_hints(hints))
    assert proof.gaps and {g.part for g in proof.gaps} == {"非全镇性"}
    assert "证明的部分「非全镇性」" in render(proof, runner_for_file(DATA / "broken-gap.yaml").spec)


@pytest.mark.parametrize("text", ["parts: [{domains: {}}]\n", "parts: [{name: a, domain: {}}]\n",
                                  "parts: {name: a}\n", "parts: [{name: a, domains: {conference.title: []}}]\n"])
def test_malformed_parts_are_refused(tmp_path: Path, text: str) -> None:
    """A part without a name, with an unknown key, not in a list, or with an empty domain is a RulesetError."""
    hints = tmp_path / "conference.prove.yaml"
    hints.write_text("ruleset: conference\n" + text, encoding="utf-8")
    with pytest.raises(RulesetError):
        load_hints(hints)



GUESSING_RULESET = """
ruleset: guessing
title: 一个把未提供的事实当作"否"的规则文件（测试用）
outcomes:
  - {id: incomplete, label: 尚未完成, allowed: false}
  - {id: undetermined, label: 无法判定（需补充情况）, allowed: false}
  - {id: complete, label: 已完成, allowed: true}
default_outcome: complete
facts:
  minutes:
    label: 会议纪要
    required: true
    fields:
      reviewers:
        type: list
        label: 副镇长
        items:
          fields:
            name: {type: str, required: true, label: 姓名}
            reviewed: {type: bool, label: 是否已核稿}
derive:
  minutes.not_reviewed:
    function: count_not_true_guessing
    args: {items: minutes.reviewers, field: reviewed}
    label: 未核稿人数
rules:
  - id: guessing.not-reviewed
    clause: A1.4.s2
    quote: 会议纪要各副镇长核稿后，报镇长审核
    severity: violation
    message: 尚有副镇长未核稿。
    when:
      minutes: {not_reviewed: {more_than: 0}}
    then:
      outcome: incomplete
  - id: guessing.all-reviewed
    clause: A1.4.s2
    quote: 会议纪要各副镇长核稿后，报镇长审核
    severity: info
    message: 各副镇长均已核稿。
    when:
      minutes: {not_reviewed: 0}
    then:
      outcome: complete
"""


def test_a_derive_function_that_guesses_an_omitted_fact_is_caught_with_a_counterexample(rule_file) -> None:
    """A derive function reading an item's omitted 'reviewed' as false decides on a fact not given: prove fails and says so."""
    from govrules._derive import FUNCTIONS, Function, derived

    @derived("int")
    def count_not_true_guessing(ctx, items, field):  # type: ignore[no-untyped-def]
        """Counts items whose field is not true — an omitted field counted as false (the mistake)."""
        return sum(1 for x in items or () if x.get(field) is not True)

    FUNCTIONS["count_not_true_guessing"] = Function.of(count_not_true_guessing)
    try:
        run = runner_for_file(rule_file("guessing.yaml", GUESSING_RULESET))
        proof = prove(run)
        assert not proof.ok and proof.unsound
        fewer, more = proof.unsound[0]
        assert fewer.outcome == "incomplete" and more.outcome == "complete"
        assert "reviewed" not in fewer.facts["minutes"]["reviewers"][0]
        assert more.facts["minutes"]["reviewers"][0]["reviewed"] is True
        assert "建立在未提供事实上的结论" in render(proof, run.spec)
    finally:
        del FUNCTIONS["count_not_true_guessing"]


def test_a_generic_derive_function_reports_the_omitted_fact_and_proves(rule_file) -> None:
    """The same file with count_where (which reports an omitted 'reviewed' as unknown) has no unknown-unsound pair."""
    path = rule_file("guessing.yaml", GUESSING_RULESET.replace("function: count_not_true_guessing",
                                                              "function: count_where").replace(
        "args: {items: minutes.reviewers, field: reviewed}",
        "args: {items: minutes.reviewers, field: reviewed, value: false}"))
    proof = prove(runner_for_file(path))
    assert proof.unsound == () and proof.ok, render(proof, runner_for_file(path).spec)
