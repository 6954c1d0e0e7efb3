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


def test_undeclared_conflicts_are_pairs_with_different_outcomes_that_no_override_orders() -> None:
    """Two fired rules with different outcomes conflict unless one overrides the other, directly or through a chain."""
    from govrules._prove import Conflict, undeclared_conflicts

    fired = (("a", "allowed"), ("b", "denied"), ("c", "allowed"))
    assert undeclared_conflicts(fired, frozenset()) == (Conflict("a", "allowed", "b", "denied"),
                                                        Conflict("b", "denied", "c", "allowed"))
    assert undeclared_conflicts(fired, frozenset({("b", "a"), ("b", "c")})) == ()
    assert undeclared_conflicts((("a", "denied"), ("b", "denied")), frozenset()) == ()  # same outcome: no conflict


def test_precedence_follows_overrides_transitively() -> None:
    """A overrides B and B overrides C: A prevails over C too; the declaration is one-way."""
    import attrs

    from govrules._prove import precedence

    spec = runner("minutes").spec
    a, b, c = spec.rules[:3]
    chained = attrs.evolve(spec, rules=(attrs.evolve(a, overrides=(b.id,)), attrs.evolve(b, overrides=(c.id,)), c))
    beats = precedence(chained)
    assert {(a.id, b.id), (b.id, c.id), (a.id, c.id)} <= beats
    assert (c.id, a.id) not in beats and (b.id, a.id) not in beats


def _without_overrides(text: str) -> str:
    """A rule file's text with every 'overrides' entry (one line or a block list) and its comments removed."""
    out, skipping = [], False
    for line in text.split("\n"):
        if line.startswith("    overrides:"):
            skipping = line.rstrip().endswith((":", "&ready-rules"))
            continue
        if skipping and line.startswith("      - "):
            continue
        skipping = False
        out.append(line)
    return "\n".join(out)


def test_an_undeclared_conflict_across_clauses_is_found_with_both_rules_named(rule_file) -> None:
    """minutes.yaml without its overrides: 附件1（四）1's complete beside 2's incomplete is an overlap naming both rules."""
    text = _without_overrides((ruleset_dir() / "minutes.yaml").read_text(encoding="utf-8"))
    path = rule_file("minutes.yaml", text)
    run = runner_for_file(path)
    assert not any(r.overrides for r in run.spec.rules)
    proof = prove(run, hints_for(path))
    assert not proof.ok and proof.overlaps and not proof.gaps
    pairs = {frozenset((c.rule, c.other)) for o in proof.overlaps for c in o.conflicts}
    assert frozenset(("minutes.drafted-in-time", "minutes.reviews-missing")) in pairs
    shown = render(proof, run.spec)
    first = proof.overlaps[0].conflicts[0]
    assert first.rule in shown and first.other in shown and "overrides" in shown


def test_declared_overrides_make_the_same_file_prove(rule_file) -> None:
    """The shipped minutes.yaml, whose rules declare which prevails, proves: a declared conflict is no overlap."""
    path = rule_file("minutes.yaml", (ruleset_dir() / "minutes.yaml").read_text(encoding="utf-8"))
    run = runner_for_file(path)
    assert any(r.overrides for r in run.spec.rules)
    proof = prove(run, hints_for(path))
    assert proof.ok, render(proof, run.spec)


_OVERRIDE = "    overrides: [minutes.drafted-in-time]\n"


@pytest.mark.parametrize(("replacement", "words"), [
    ("    overrides: [minutes.drafted-in-tme]\n", ["unknown rule 'minutes.drafted-in-tme'", "minutes.drafted-in-time"]),
    ("    overrides: [minutes.reviews-missing]\n", ["overrides itself"]),
    ("    overrides: [minutes.drafted-in-time, minutes.drafted-in-time]\n", ["twice"]),
    ("    overrides: minutes.drafted-in-time\n", ["must be a list"]),
])
def test_bad_override_ids_are_refused_at_load_with_file_and_line(rule_file, replacement: str, words: list[str]) -> None:
    """An unknown id (with a suggestion), the rule itself, a repeat or a non-list under 'overrides' is a RulesetError at its line."""
    text = (ruleset_dir() / "minutes.yaml").read_text(encoding="utf-8")
    assert text.count(_OVERRIDE) == 2
    path = rule_file("minutes.yaml", text.replace(_OVERRIDE, replacement, 1))
    with pytest.raises(RulesetError) as err:
        runner_for_file(path)
    for w in words:
        assert w in str(err.value)
    assert err.value.line is not None and str(path) in str(err.value)


def test_an_override_cycle_is_refused_at_load(rule_file) -> None:
    """drafted-in-time overriding reviews-missing, which overrides it, is a cycle named rule by rule."""
    text = (ruleset_dir() / "minutes.yaml").read_text(encoding="utf-8")
    anchor = "  - id: minutes.drafted-in-time\n"
    path = rule_file("minutes.yaml", text.replace(
        anchor, anchor + "    overrides: [minutes.reviews-missing]\n", 1))
    with pytest.raises(RulesetError, match="cycle") as err:
        runner_for_file(path)
    assert "minutes.reviews-missing" in str(err.value) and "minutes.drafted-in-time" in str(err.value)


def test_an_override_the_outcome_ranking_would_not_honour_is_refused_at_load(rule_file) -> None:
    """A 'complete' rule declared to override an 'incomplete' one contradicts the ranking (strongest first): refused."""
    text = _without_overrides((ruleset_dir() / "minutes.yaml").read_text(encoding="utf-8"))
    anchor = "  - id: minutes.drafted-in-time\n"
    path = rule_file("minutes.yaml", text.replace(anchor, anchor + "    overrides: [minutes.reviews-missing]\n", 1))
    with pytest.raises(RulesetError, match="does not rank above") as err:
        runner_for_file(path)
    assert err.value.line is not None


def test_an_override_of_a_rule_that_sets_no_outcome_is_refused(rule_file) -> None:
    """Only outcome-setting rules can conflict: overriding a chaining step is a RulesetError."""
    text = (ruleset_dir() / "conference.yaml").read_text(encoding="utf-8")
    anchor = "  - id: conference.mayor-consent-missing\n"
    assert anchor in text
    path = rule_file("conference.yaml", text.replace(
        anchor, anchor + "    overrides: [conference.town-wide-needs-mayor]\n", 1))
    with pytest.raises(RulesetError, match="sets no outcome"):
        runner_for_file(path)


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
