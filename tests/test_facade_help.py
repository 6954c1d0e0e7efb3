"""Help for the facade: docstrings generated from the rule files, typed keyword-only signatures."""

from __future__ import annotations

import inspect
import os
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import govrules
from govrules._facade_doc import FUNCTIONS, TARGET, render
from govrules._rulesets import runner


def test_generated_docstrings_are_up_to_date():
    """_facade_docs.py is what the rule files give now (else: python -m govrules._facade_doc)."""
    assert TARGET.read_text(encoding="utf-8") == render(), "stale: run python -m govrules._facade_doc"


@pytest.mark.parametrize("function, ruleset", list(FUNCTIONS))
def test_each_docstring_lists_facts_outcomes_and_errors(function, ruleset):
    """help() shows every fact with its label and type, every outcome, and the errors raised."""
    spec = runner(ruleset).spec
    doc = inspect.getdoc(getattr(govrules, function))
    for fact in spec.facts:
        assert f"    {fact.name}" in doc and (not fact.label or fact.label in doc), fact.name
    for outcome in spec.outcomes:
        assert f"{outcome.id}  {outcome.label}" in doc
    assert "InputError" in doc and "CalendarError" in doc
    assert f'evaluate("{ruleset}"' in doc


def test_signature_is_keyword_only_and_typed():
    """inspect.signature shows the facts as typed keyword-only parameters (help() prints it)."""
    sig = inspect.signature(govrules.check_signing)
    assert list(sig.parameters) == ["document", "signer", "division", "reviews", "approval", "calendar", "pack", "as_of"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in sig.parameters.values())
    assert "Mapping" in str(sig.parameters["division"].annotation)


def test_a_misspelt_keyword_is_still_an_input_error_with_a_suggestion():
    """At run time `divison=` is an InputError naming it with a did-you-mean, not a TypeError."""
    with pytest.raises(govrules.InputError) as caught:
        govrules.check_meeting(meeting={"kind": "mayor_office_meeting", "date": "2026-10-08"}, divison={})  # type: ignore[call-arg]
    assert "divison" in str(caught.value) and "division" in str(caught.value)


def test_positional_facts_are_an_input_error():
    """Facts are keyword-only: a positional one is an InputError, not a bare TypeError."""
    with pytest.raises(govrules.InputError):
        govrules.check_conference({"town_wide": False})  # type: ignore[misc]


def test_mypy_strict_reports_a_misspelt_keyword(tmp_path):
    """mypy --strict on a user script accepts right calls and reports `divison=` as an unexpected keyword."""
    pytest.importorskip("mypy")
    script = tmp_path / "user.py"
    script.write_text(textwrap.dedent('''\
        import govrules

        v = govrules.check_signing(document={"issuer": "town_government"}, signer={"name": "张三", "role": "mayor"})
        ok: bool = v.allowed
        m = govrules.check_meeting(meeting={"kind": "mayor_office_meeting"}, divison={})
        '''), encoding="utf-8")
    env = dict(os.environ)
    package_root = Path(govrules.__file__).resolve().parents[1]
    if str(package_root) not in {str(Path(p).resolve()) for p in site.getsitepackages()}:
        # An editable install is an import hook mypy cannot follow: point it at the source.
        env["MYPYPATH"] = str(package_root)
    # silent: the user's script is under test, not govrules' internals (mypy never reports
    # errors inside an installed package either).
    run = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent",
                          str(script)], capture_output=True, text=True, env=env, cwd=tmp_path)
    errors = [x for x in run.stdout.splitlines() if ": error:" in x]
    assert len(errors) == 1, run.stdout + run.stderr
    assert "user.py:5:" in errors[0] and '"divison"' in errors[0] and 'did you mean "division"' in errors[0]
