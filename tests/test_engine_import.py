"""A durable_rules_engine that does not import (Python 3.13) is an ImportError that explains itself."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from govrules._engine_import import explain

SIMULATE = textwrap.dedent('''\
    import sys

    class Broken:
        """Import durable_rules_engine as a 3.13 interpreter does: the shared object lacks a symbol."""

        def find_spec(self, name, path=None, target=None):
            if name == "durable_rules_engine":
                raise ImportError(name + ".cpython-313-x86_64-linux-gnu.so: undefined symbol: PyEval_CallObject")
            return None

    sys.meta_path.insert(0, Broken())
    import govrules
    govrules.check_conference(conference={"town_wide": False})
    ''')


def test_a_failed_engine_import_explains_itself_and_gives_the_recipe():
    """Using govrules with the 3.13 linker failure raises ImportError naming the cause and the CC= rebuild."""
    run = subprocess.run([sys.executable, "-c", SIMULATE], capture_output=True, text=True)
    assert run.returncode != 0
    last = run.stderr[run.stderr.rindex("ImportError: "):]
    assert "undefined symbol: PyEval_CallObject" in last
    assert "Python 3.13 removed" in last and "-DPyEval_CallObject=PyObject_CallObject" in last
    assert "--no-binary durable-rules durable-rules==2.0.28" in last and "docs/engine.md" in last


def test_a_missing_engine_says_how_to_install_it():
    """On a supported Python, a missing extension gets the install command (and its C compiler need)."""
    text = explain(ImportError("No module named 'durable_rules_engine'"), version=(3, 11))
    assert "pip install durable-rules==2.0.28" in text and "C compiler" in text
    assert "PyObject_CallObject" not in text
