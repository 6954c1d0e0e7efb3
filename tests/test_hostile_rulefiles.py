"""Hostile rule files (issue #11 items 2, 6, 8): refused by the checks at file:line, or stopped by the backstop."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import govrules
from govrules import _check_hazards
from govrules._cli import cli
from govrules._engine import Engine, FiringLimitError
from govrules._rulesets import load_file
from govrules._run import Runner

ROOT = Path(__file__).resolve().parents[1]
CONFERENCE = (ROOT / "rulesets" / "conference.yaml").read_text(encoding="utf-8")
FIRST_RULE = CONFERENCE[CONFERENCE.index("  - id: conference.town-wide-needs-mayor"):
                        CONFERENCE.index("  - id: conference.overall-work-needs-party-secretary")]


@pytest.fixture
def hostile(tmp_path: Path):
    """conference.yaml with every occurrence of ``old`` replaced (``count`` of them, or all)."""

    def make(old: str, new: str, count: int = -1) -> Path:
        assert old in CONFERENCE, f"test setup: {old!r} not in conference.yaml"
        shutil.copy(ROOT / "rulesets" / "types.yaml", tmp_path / "types.yaml")
        path = tmp_path / "conference.yaml"
        path.write_text(CONFERENCE.replace(old, new, count), encoding="utf-8")
        return path

    return make


def refused(path: Path) -> govrules.RulesetError:
    with pytest.raises(govrules.RulesetError) as e:
        load_file(path)
    err = e.value
    assert err.line is not None and str(err).startswith(f"{path}:{err.line}"), str(err)
    return err


def _line(path: Path, err: govrules.RulesetError) -> str:
    return path.read_text(encoding="utf-8").splitlines()[err.line - 1]


MAYOR_MISSING = "conference: {mayor_approved: false}"


def test_an_in_list_past_the_limit_is_refused(hostile) -> None:
    """`in:` with more values than MAX_IN_VALUES (the engine spins at 509) is refused at its line."""
    values = ", ".join(f"t{i}" for i in range(_check_hazards.MAX_IN_VALUES + 1))
    path = hostile(MAYOR_MISSING, f"conference: {{mayor_approved: false, title: {{in: [{values}]}}}}")
    err = refused(path)
    assert "at most 100" in str(err) and "title" in _line(path, err)


def test_an_in_list_at_the_limit_loads_and_evaluates(hostile) -> None:
    """MAX_IN_VALUES values load and evaluate: the limit is where it says it is."""
    values = ", ".join(f"t{i}" for i in range(_check_hazards.MAX_IN_VALUES))
    path = hostile(MAYOR_MISSING, f"conference: {{mayor_approved: false, title: {{in: [{values}]}}}}")
    run = Runner(load_file(path))
    hit = run.evaluate({"conference": {"town_wide": True, "overall_work": False, "mayor_approved": False, "title": "t99"}})
    miss = run.evaluate({"conference": {"town_wide": True, "overall_work": False, "mayor_approved": False,
                                        "title": "t100"}})
    assert hit.outcome == "denied" and miss.outcome == "allowed"


@pytest.mark.parametrize("op", ["in", "not_in"])
def test_an_empty_in_list_is_refused(hostile, op) -> None:
    """`in: []` (matches nothing) and `not_in: []` (tests nothing) are refused."""
    err = refused(hostile(MAYOR_MISSING, f"conference: {{mayor_approved: false, title: {{{op}: []}}}}"))
    assert "lists no values" in str(err)


@pytest.mark.parametrize("alts, words", [
    ("[{}]", "empty 'any_of' alternative"),
    ("[]", "at least one alternative"),
    ("[{title: consent_required.by}, {town_wide: true}]", "cannot compare with another fact"),
])
def test_bad_any_of_is_refused(hostile, alts, words) -> None:
    """any_of: [{}], any_of: [] and an alternative joining another fact's field are refused."""
    err = refused(hostile(MAYOR_MISSING, f"conference: {{mayor_approved: false, any_of: {alts}}}"))
    assert words in str(err)


def test_a_rule_asserting_the_fact_it_matches_is_refused(hostile) -> None:
    """A rule that matches consent_required and asserts it again (chains forever) is refused, naming it."""
    path = hostile("      outcome: denied\n      add: {consents_missing: mayor}",
                   "      outcome: denied\n      assert: {consent_required: {by: mayor}}\n"
                   "      add: {consents_missing: mayor}")
    err = refused(path)
    assert "conference.mayor-consent-missing" in str(err) and "fire forever" in str(err)


@pytest.mark.parametrize("name", ["type", "sid", "index", "$ex", "a.b", "a$b", "''", "govrules__x"])
def test_reserved_or_unsafe_field_names_are_refused(hostile, name) -> None:
    """Fields named like the engine's own (type, sid, …), with $ or ., or empty, are refused at their line."""
    path = hostile("      title: {type: str, label: 会议名称}", f"      {name!s}: {{type: str, label: x}}")
    err = refused(path)
    assert "field 'conference." in str(err)


@pytest.mark.parametrize("name", ["govrules__start", "a$not", "a.b"])
def test_fact_names_colliding_with_engine_internals_are_refused(hostile, name) -> None:
    """An inferred fact named govrules__start (the driver's sentinel), or with $ or ., is refused."""
    err = refused(hostile("consent_required", name))
    assert f"fact '{name}'" in str(err)


def test_a_caller_cannot_send_a_field_named_type() -> None:
    """A caller's `type` field never reaches the engine: undeclared, it is an InputError."""
    with pytest.raises(govrules.InputError, match="conference.type"):
        govrules.check_conference(conference={"town_wide": True, "type": "consent_required"})


def test_too_many_rules_are_refused(hostile) -> None:
    """More than MAX_RULES rules (the engine fails at ~500 with error 108) is refused at the first extra rule."""
    extra = "".join(FIRST_RULE.replace("conference.town-wide-needs-mayor", f"conference.copy-{i}")
                    for i in range(_check_hazards.MAX_RULES))
    path = hostile("  - id: conference.town-wide-needs-mayor", extra + "  - id: conference.town-wide-needs-mayor", 1)
    err = refused(path)
    assert "at most 400" in str(err) and "- id:" in _line(path, err)


def test_lint_refuses_a_hostile_file_with_file_and_line(hostile) -> None:
    """`govrules lint FILE` exits 1 and prints file:line for a hostile file."""
    path = hostile(MAYOR_MISSING, "conference: {mayor_approved: false, title: {in: []}}")
    result = CliRunner().invoke(cli, ["lint", str(path)])
    assert result.exit_code == 1 and f"{path}:" in result.output


def test_the_firing_limit_stops_a_chain_without_end() -> None:
    """An engine whose react re-asserts the matched fact stops at the firing budget with FiringLimitError."""
    engine = Engine("loop", {"again": {"all": [{"m": {"type": "a"}}]}})
    with engine, pytest.raises(FiringLimitError) as e:
        engine.run([{"type": "a"}], lambda firing: [{"type": "a"}])
    assert e.value.rule == "again" and e.value.count > e.value.limit - 1


def test_the_backstop_names_the_rule_file_and_rule(hostile, monkeypatch) -> None:
    """With the cycle check switched off, the loop is an EngineError naming file and rule, within seconds."""
    path = hostile("      outcome: denied\n      add: {consents_missing: mayor}",
                   "      outcome: denied\n      assert: {consent_required: {by: mayor}}\n"
                   "      add: {consents_missing: mayor}")
    monkeypatch.setattr(_check_hazards, "_check_cycles", lambda spec, fail: None)
    run = Runner(load_file(path))
    with pytest.raises(govrules._engine.EngineError) as e:
        run.evaluate({"conference": {"town_wide": True, "mayor_approved": False}})
    assert str(path) in str(e.value) and "conference.mayor-consent-missing" in str(e.value)


def test_a_field_named_id_is_allowed_and_matched_correctly(hostile) -> None:
    """`id` is not reserved: the driver keeps a caller's id apart from its own, so a condition on it works."""
    path = hostile("      title: {type: str, label: 会议名称}", "      id: {type: str, label: 编号}")
    path.write_text(path.read_text(encoding="utf-8").replace(MAYOR_MISSING, "conference: {mayor_approved: false, id: A1}"),
                    encoding="utf-8")
    run = Runner(load_file(path))
    hit = run.evaluate({"conference": {"town_wide": True, "overall_work": False, "mayor_approved": False, "id": "A1"}})
    miss = run.evaluate({"conference": {"town_wide": True, "overall_work": False, "mayor_approved": False, "id": "B2"}})
    assert (hit.outcome, miss.outcome) == ("denied", "allowed")
    assert hit.trace[0].matched["conference"]["id"] == "A1"


@pytest.mark.parametrize("old, new", [
    (MAYOR_MISSING, 'conference: {mayor_approved: false, title: "\\ud800"}'),
    ("message: 全镇性大会未经镇长同意，不得召开。", 'message: "\\udc80"'),
])
def test_a_lone_surrogate_in_a_rule_file_is_refused_at_its_line(hostile, old, new) -> None:
    """A double-quoted "\\ud800" (a literal or a message) is refused at load, not an engine error at first use."""
    path = hostile(old, new)
    err = refused(path)
    assert "lone surrogate" in str(err) and "\\u" in _line(path, err)


def test_a_lone_surrogate_in_a_yaml_facts_file_is_bad_input(tmp_path: Path) -> None:
    """`govrules check` on YAML facts holding "\\ud800" exits 2 with a message, not a traceback."""
    facts = tmp_path / "f.yaml"
    facts.write_text('conference: {town_wide: true, title: "\\ud800"}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "conference", str(facts)])
    assert result.exit_code == 2 and "lone surrogate" in result.stderr


def test_a_pattern_with_too_many_tests_in_all_is_refused(hostile) -> None:
    """Six any_of alternatives of 100 'in' values (600 tests, which spun the engine) are refused; the line is cut."""
    alts = ", ".join("{title: {in: [" + ", ".join(f"t{a}x{i}" for i in range(100)) + "]}}" for a in range(6))
    path = hostile(MAYOR_MISSING, f"conference: {{mayor_approved: false, any_of: [{alts}]}}")
    err = refused(path)
    assert "601 tests" in str(err) and f"at most {_check_hazards.MAX_PATTERN_TERMS}" in str(err)
    assert len(str(err)) < 1000
