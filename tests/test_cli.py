"""The govrules command as a clerk and a CI job use it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from govrules._cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "conference-overall-work.json")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_check_prints_clause_words_and_exits_1_when_denied():
    """check prints the outcome, the label 四（一） and the clause's own words; exit 1 = not allowed."""
    r = run("check", "conference", EXAMPLE)
    assert r.exit_code == 1, r.output
    assert "不得召开" in r.output and "四（一）" in r.output
    assert "「涉及全局性工作的须经镇党委书记同意」" in r.output


def test_check_json_has_the_contract_shape():
    """--json prints the contract's verdict shape."""
    r = run("check", "conference", EXAMPLE, "--json")
    d = json.loads(r.output)
    assert d["outcome"] == "denied" and d["clauses"] == ["4.1"]
    assert set(d) == {"ruleset", "outcome", "allowed", "findings", "clauses", "data", "trace", "needs", "pack"}
    assert d["needs"] == []


def test_check_exit_0_when_allowed(tmp_path):
    """An allowed verdict exits 0."""
    f = tmp_path / "ok.yaml"
    f.write_text("conference: {town_wide: true, overall_work: false, mayor_approved: true}\n", encoding="utf-8")
    assert run("check", "conference", str(f)).exit_code == 0


def test_check_bad_input_exits_2_naming_the_field(tmp_path):
    """Bad facts exit 2 with the field path on stderr."""
    f = tmp_path / "bad.json"
    f.write_text('{"conference": {"town_wide": "yes"}}', encoding="utf-8")
    r = run("check", "conference", str(f))
    assert r.exit_code == 2 and "conference.town_wide" in r.output


def test_check_unreadable_json_exits_2(tmp_path):
    """Malformed JSON exits 2 with its line and column."""
    f = tmp_path / "bad.json"
    f.write_text('{"conference": ', encoding="utf-8")
    r = run("check", "conference", str(f))
    assert r.exit_code == 2 and "valid JSON" in r.output


def test_check_trace_shows_the_chain():
    """--trace prints the fired rules in order with what they asserted."""
    r = run("check", "conference", EXAMPLE, "--trace")
    assert "推理链" in r.output and "推出" in r.output


def test_clause_shows_words_and_unknown_exits_2():
    """clause prints the words; an unknown id exits 2 with a suggestion."""
    r = run("clause", "5.2.1")
    assert r.exit_code == 0 and "以镇政府名义行文的" in r.output
    r = run("clause", "5.2.9")
    assert r.exit_code == 2 and "did you mean" in r.output


def test_lint_passes_on_shipped_rulesets():
    """lint over the shipped rule files finds nothing."""
    r = run("lint")
    assert r.exit_code == 0, r.output
    assert "conference.yaml" in r.output


def test_lint_reports_typo_with_file_line_and_suggestion(broken_ruleset):
    """lint on a file with a typo'd fact name exits 1 with file:line and a suggestion."""
    path = broken_ruleset("conference: {mayor_approved: false}", "conference: {mayor_aproved: false}")
    r = run("lint", str(path))
    assert r.exit_code == 1
    assert f"{path}:" in r.output and "did you mean 'mayor_approved'?" in r.output


def test_lint_runs_cases_files_against_the_rule_file_beside_them(tmp_path):
    """lint fails a cases file whose facts, outcome or rule ids are wrong, naming the case and its line."""
    import shutil

    for name in ("conference.yaml", "conference.cases.yaml", "types.yaml"):
        shutil.copy(ROOT / "rulesets" / name, tmp_path / name)
    cases = tmp_path / "conference.cases.yaml"
    assert run("lint", str(cases)).exit_code == 0
    text = cases.read_text(encoding="utf-8")
    cases.write_text(text.replace("fires: [conference.mayor-consent-missing]",
                                  "fires: [conference.mayor-consent-mising]", 1), encoding="utf-8")
    r = run("lint", str(cases))
    assert r.exit_code == 1 and "conference.mayor-consent-mising" in r.output and f"{cases}:" in r.output


def test_cases_are_tested_against_an_edited_rule_file_beside_them(tmp_path):
    """An author's edited copy of a rule file is what its cases run against, not the shipped one."""
    import shutil

    from govrules._cases import evaluator_for

    for name in ("conference.yaml", "conference.cases.yaml", "types.yaml"):
        shutil.copy(ROOT / "rulesets" / name, tmp_path / name)
    rule = tmp_path / "conference.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace(
        "    then:\n      outcome: denied\n      add: {consents_missing: mayor}",
        "    then:\n      outcome: allowed\n      add: {consents_missing: mayor}", 1), encoding="utf-8")
    v = evaluator_for(tmp_path / "conference.cases.yaml")(
        "conference", {"conference": {"town_wide": True, "overall_work": False, "mayor_approved": False}})
    assert v.outcome == "allowed"
