"""Rule files fail at load time, at file:line:col, with a suggestion (rule-engine style)."""

from __future__ import annotations

import pytest

import govrules
from govrules._rulesets import load_file


def error_for(path) -> govrules.RulesetError:
    with pytest.raises(govrules.RulesetError) as e:
        load_file(path)
    return e.value


def test_unknown_field_names_line_and_suggests(broken_ruleset):
    """A misspelt field in a condition is reported at its line with 'did you mean'."""
    path = broken_ruleset("conference: {mayor_approved: false}", "conference: {mayor_aproved: false}")
    err = error_for(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "mayor_aproved" in lines[err.line - 1]
    assert str(err).startswith(f"{path}:{err.line}:")
    assert "did you mean 'mayor_approved'?" in str(err)


def test_unknown_fact_suggests(broken_ruleset):
    """A misspelt fact name in 'when' is a RulesetError suggesting the declared fact."""
    err = error_for(broken_ruleset("consent_required: {by: mayor}\n      conference",
                                   "consent_requird: {by: mayor}\n      conference"))
    assert "unknown fact 'consent_requird'" in str(err) and "consent_required" in err.hint


def test_unknown_clause_id(broken_ruleset):
    """A clause id missing from the catalogue is refused."""
    err = error_for(broken_ruleset('clause: "4.1"', 'clause: "4.9"'))
    assert "unknown clause id '4.9'" in str(err) and err.line is not None


def test_clause_written_as_a_number_is_refused(broken_ruleset):
    """clause: 4.1 (a YAML number) must be quoted, so 4.10 can never read as 4.1."""
    err = error_for(broken_ruleset('clause: "4.1"', "clause: 4.1"))
    assert "quoted string" in str(err)


def test_quote_not_verbatim(broken_ruleset):
    """A quote that is not the clause's own words is refused."""
    err = error_for(broken_ruleset("quote: 召开全镇性大会必须经镇长同意", "quote: 召开全镇性大会须经镇长批准"))
    assert "not verbatim in clause 4.1" in str(err)


def test_duplicate_rule_id(broken_ruleset):
    """Two rules with one id are refused, naming the first."""
    err = error_for(broken_ruleset("id: conference.mayor-consent-missing", "id: conference.town-wide-needs-mayor"))
    assert "duplicate rule id" in str(err)


def test_unknown_severity(broken_ruleset):
    """A severity outside violation/requirement/warning/info is refused with a suggestion."""
    err = error_for(broken_ruleset("severity: violation", "severity: violaton"))
    assert "did you mean 'violation'?" in str(err)


def test_unknown_outcome(broken_ruleset):
    """A rule setting an undeclared outcome is refused."""
    err = error_for(broken_ruleset("outcome: denied", "outcome: deny"))
    assert "unknown outcome 'deny'" in str(err) and "denied" in err.hint


def test_undeclared_inferred_fact(broken_ruleset):
    """Asserting a fact not declared under 'inferred' is refused."""
    err = error_for(broken_ruleset("assert: {consent_required: {by: mayor}}", "assert: {consent_needed: {by: mayor}}"))
    assert "'consent_needed' is not declared under 'inferred'" in str(err)


def test_unknown_derive_function(broken_ruleset):
    """A derived field calling an unknown function is refused with a suggestion."""
    err = error_for(broken_ruleset(
        "inferred:",
        "derive:\n  conference.n:\n    function: lookup_al\n    args: {keys: conference.title, mapping: conference}\n"
        "inferred:"))
    assert "unknown function 'lookup_al'" in str(err) and "lookup_all" in err.hint


def test_enum_value_written_in_chinese_suggests_code(broken_ruleset):
    """Rule files use codes; a Chinese term gets the code as a hint."""
    err = error_for(broken_ruleset("consent_required: {by: mayor}\n      conference",
                                   "consent_required: {by: 镇长}\n      conference"))
    assert "write the code 'mayor'" in str(err)


def test_ordering_comparison_between_facts_is_refused(broken_ruleset):
    """Cross-fact > / < (which crashes the engine) is refused at load time."""
    err = error_for(broken_ruleset("conference: {mayor_approved: false}",
                                   "conference: {mayor_approved: {at_least: consent_required.by}}"))
    assert "only equality may compare two facts" in str(err)


def test_yaml_syntax_error_has_position(broken_ruleset):
    """Broken YAML is a RulesetError with line and column."""
    err = error_for(broken_ruleset("rules:", "rules: [unclosed"))
    assert err.line is not None and "not valid YAML" in str(err)


def test_python_tags_are_refused(broken_ruleset):
    """A YAML tag that would construct a Python object is refused, never executed."""
    err = error_for(broken_ruleset("title: 全镇性大会的召开（四（一））", "title: !!python/object/apply:os.system ['true']"))
    assert "tags are not allowed" in str(err)


def test_file_name_must_match_ruleset(broken_ruleset):
    """ruleset: must name the file it is in."""
    err = error_for(broken_ruleset("ruleset: conference", "ruleset: conference", name="meeting"))
    assert "named for ruleset 'meeting'" in str(err)


def test_every_error_points_to_the_format_doc(broken_ruleset):
    """Errors say where to read more."""
    err = error_for(broken_ruleset("severity: violation", "severity: fatal"))
    assert "docs/ruleset-format.md" in str(err)


def test_whole_file_checks_point_at_their_line(broken_ruleset):
    """default_outcome, duplicate outcomes, ruleset name and unasserted inferred facts carry a line too."""
    cases = [
        (("default_outcome: allowed", "default_outcome: alowed"), "default_outcome"),
        (("  - {id: allowed, label: 可以召开, allowed: true}", "  - {id: denied, label: 可以召开, allowed: true}"), "id: denied"),
        (("inferred:\n  consent_required:", "inferred:\n  unused_fact:\n    fields: {}\n  consent_required:"), "unused_fact"),
    ]
    for (old, new), needle in cases:
        path = broken_ruleset(old, new)
        err = error_for(path)
        lines = path.read_text(encoding="utf-8").splitlines()
        assert err.line is not None and needle in "\n".join(lines[err.line - 1:err.line + 1]), str(err)
    path = broken_ruleset("ruleset: conference", "ruleset: conference", name="seal")
    err = error_for(path)
    assert err.line is not None
    assert path.read_text(encoding="utf-8").splitlines()[err.line - 1].startswith("ruleset:")


def test_unique_must_name_a_field_of_the_items(tmp_path):
    """'unique' on a list names a field of its items, or the file does not load."""
    import shutil
    from pathlib import Path

    RULESETS = Path(__file__).resolve().parents[1] / "rulesets"
    shutil.copy(RULESETS / "types.yaml", tmp_path / "types.yaml")
    text = (RULESETS / "meeting.yaml").read_text(encoding="utf-8").replace("unique: name ", "unique: nmae ", 1)
    path = tmp_path / "meeting.yaml"
    path.write_text(text, encoding="utf-8")
    err = error_for(path)
    assert "no field 'nmae'" in str(err) and "did you mean 'name'?" in str(err) and err.line is not None


def test_an_error_whose_hint_names_its_own_page_does_not_also_point_at_the_rule_file_format():
    """A RulesetError with a hint naming a docs/ page (pack.yaml, catalogue) ends with that page, not ruleset-format.md."""
    from govrules import RulesetError

    own = RulesetError("pack.yaml needs 'id'", file="town/pack.yaml", line=1, hint="docs/packs.md")
    assert str(own).endswith("    docs/packs.md") and "ruleset-format" not in str(own)
    plain = RulesetError("unknown key", file="town/meeting.yaml", line=3, hint="did you mean 'rules'?")
    assert str(plain).endswith("    did you mean 'rules'?\n    see docs/ruleset-format.md")
