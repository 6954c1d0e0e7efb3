"""Derived-fact functions used by the decision rule files (registered by name in _derive.FUNCTIONS)."""

from __future__ import annotations

from ._derive import Context, derived  # noqa: F401  (used by the functions defined here)
