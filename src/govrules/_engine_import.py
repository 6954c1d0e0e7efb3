"""Why durable_rules' C extension did not import, and what to do: an ImportError that says so.

durable-rules 2.0.28 has no wheels and calls C API functions Python 3.13 removed, so the
usual failures are "no module" (not installed, or its build failed) and, on 3.13, an
``undefined symbol: PyEval_CallObject`` at import. Both deserve the working recipe, not a
linker message.
"""

from __future__ import annotations

import sys

REBUILD_313 = (
    'CC="gcc -DPyEval_CallObject=PyObject_CallObject -DPyEval_CallObjectWithKeywords=PyObject_Call" \\\n'
    "        python -m pip install --force-reinstall --no-cache-dir --no-deps "
    "--no-binary durable-rules durable-rules==2.0.28"
)


def explain(exc: ImportError, version: tuple[int, int] | None = None) -> str:
    """The message for a failed ``import durable_rules_engine`` (``exc``)."""
    major, minor = version or sys.version_info[:2]
    lines = [f"govrules needs durable_rules' C extension (durable_rules_engine), which did not import: {exc}"]
    if "PyEval_CallObject" in str(exc) or (major, minor) >= (3, 13):
        lines += [
            "durable-rules 2.0.28 calls C functions that Python 3.13 removed (PyEval_CallObject), so its "
            f"ordinary build does not import on 3.13 or later (this is {major}.{minor}). Either use Python 3.10-3.12, or "
            "rebuild it with those calls mapped onto their replacements (what .ci/pythons.sh does and tests):",
            f"    {REBUILD_313}",
        ]
    else:
        lines += [
            "Install it (it has no wheels: a C compiler and the Python headers are needed):",
            "    python -m pip install durable-rules==2.0.28",
        ]
    lines.append("See docs/engine.md (section 'Python versions').")
    return "\n".join(lines)
