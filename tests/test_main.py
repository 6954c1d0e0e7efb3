"""`python -m govrules` is the govrules command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_python_dash_m_runs_the_cli():
    """python -m govrules check … --json prints the verdict and exits 1 for a denial, as govrules does."""
    example = ROOT / "examples" / "conference-overall-work.json"
    r = subprocess.run([sys.executable, "-m", "govrules", "check", "conference", str(example), "--json"],
                       capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert r.returncode == 1, r.stderr
    assert json.loads(r.stdout)["outcome"] == "denied"


def test_python_dash_m_help_names_the_program():
    """python -m govrules --help shows usage under the name govrules."""
    r = subprocess.run([sys.executable, "-m", "govrules", "--help"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Usage: govrules" in r.stdout


def test_an_internal_error_exits_2_not_1(monkeypatch, capsys):
    """A crash inside a command exits 2 ("no answer") with the traceback, never 1, which means "not allowed"."""
    from govrules import _cli

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(_cli.cli, "main", boom)
    with pytest.raises(SystemExit) as exited:
        _cli.main(["rulesets"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "RuntimeError: a bug" in err and "internal error" in err
