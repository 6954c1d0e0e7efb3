"""The contract's functions: each is ``evaluate(<ruleset>, {<its keyword arguments>})``."""

from __future__ import annotations

from typing import Any, Mapping

from ._calendar import WorkingCalendar
from ._errors import InputError
from ._model import Verdict
from ._rulesets import runner


def evaluate(ruleset: str, facts: Mapping[str, Any], *, calendar: WorkingCalendar | None = None) -> Verdict:
    """Evaluate ``facts`` with the shipped ruleset named ``ruleset`` and return its Verdict."""
    if calendar is not None and not isinstance(calendar, WorkingCalendar):
        raise InputError("calendar", "a govrules.WorkingCalendar", calendar)
    return runner(ruleset).evaluate(facts, calendar=calendar)


def _given(**kwargs: Any) -> dict[str, Any]:
    # Omitted keyword arguments are omitted facts (defaults apply), not explicit nulls.
    return {k: v for k, v in kwargs.items() if v is not None}


def check_conference(conference: Any = None, *, calendar: WorkingCalendar | None = None) -> Verdict:
    """四（一）: may this town-wide conference be held?"""
    return evaluate("conference", _given(conference=conference), calendar=calendar)
