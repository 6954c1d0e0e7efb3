"""The public surface: what `import govrules` offers is exactly what the contract names."""

from __future__ import annotations

import govrules

CONTRACT_NAMES = {
    "evaluate", "check_signing", "check_seal", "decision_scope", "check_meeting", "check_minutes",
    "classify_disclosure", "check_submission", "check_conference", "clause", "meeting_timeline", "Timeline",
    "InputError", "RulesetError", "CalendarError", "WorkingCalendar", "Verdict", "Clause",
}


def test_all_is_sorted_and_complete():
    """__all__ is sorted, has no repeats, and every name in it exists."""
    assert govrules.__all__ == sorted(set(govrules.__all__))
    for name in govrules.__all__:
        assert hasattr(govrules, name), name


def test_contract_names_are_exported():
    """Every name CONTRACT.md fixes is in __all__."""
    assert CONTRACT_NAMES <= set(govrules.__all__)


def test_no_private_module_leaks_into_all():
    """Nothing private is re-exported."""
    assert not [n for n in govrules.__all__ if n.startswith("_")]


def test_errors_subclass_builtins():
    """InputError is a ValueError; all three share GovrulesError."""
    assert issubclass(govrules.InputError, ValueError)
    assert issubclass(govrules.RulesetError, govrules.GovrulesError)
    assert issubclass(govrules.CalendarError, govrules.GovrulesError)


def test_py_typed_ships():
    """The package is marked as typed (PEP 561)."""
    from importlib import resources

    assert resources.files("govrules").joinpath("py.typed").is_file()


def test_rule_files_ship_inside_the_package():
    """The rule files are package data, found without a checkout."""
    from importlib import resources

    names = {p.name for p in resources.files("govrules.rulesets").iterdir()}
    assert {"conference.yaml", "types.yaml"} <= names


def test_batch_module_is_public_and_its_all_is_complete():
    """govrules.batch offers evaluate_lines, run_batch, Result and BadRecord, with a sorted __all__."""
    import inspect

    import govrules.batch

    assert govrules.batch.__all__ == sorted(set(govrules.batch.__all__))
    assert {"BadRecord", "Result", "evaluate_lines", "run_batch"} <= set(govrules.batch.__all__)
    for name in govrules.batch.__all__:
        assert hasattr(govrules.batch, name), name
    assert "start_line" in inspect.signature(govrules.batch.evaluate_lines).parameters
