"""The contract's functions: each is ``evaluate(<ruleset>, {<its keyword arguments>})``."""

from __future__ import annotations

from typing import Any, Mapping

from . import _log, _remedies
from ._calendar import WorkingCalendar
from ._errors import InputError
from ._model import Verdict
from ._rulesets import runner


def evaluate(ruleset: str, facts: Mapping[str, Any], *, calendar: WorkingCalendar | None = None) -> Verdict:
    """Evaluate ``facts`` with the shipped ruleset named ``ruleset`` and return its Verdict.

    A verdict that is not allowed carries ``data["remedies"]`` (the smallest changes of facts
    that would allow it), computed on first access; ``govrules.configure(remedies=False)``
    leaves it out.
    """
    return _evaluate(ruleset, facts, calendar=calendar)


def _evaluate(ruleset: str, facts: Mapping[str, Any], *, calendar: WorkingCalendar | None = None,
              remedies: bool = True) -> Verdict:
    if calendar is not None and not isinstance(calendar, WorkingCalendar):
        raise InputError("calendar", "a govrules.WorkingCalendar", calendar)
    run = runner(ruleset)
    verdict = run.evaluate(facts, calendar=calendar)
    if remedies:
        verdict = _remedies.attach(run, facts, verdict, calendar)
    _log.record(run.spec, facts, verdict)
    return verdict


def _given(**kwargs: Any) -> dict[str, Any]:
    # Omitted keyword arguments are omitted facts (defaults apply), not explicit nulls. A
    # misspelt keyword (divison=) arrives here too and meets validation's InputError with a
    # "did you mean", instead of Python's bare TypeError.
    return {k: v for k, v in kwargs.items() if v is not None}


def check_signing(document: Any = None, signer: Any = None, division: Any = None, reviews: Any = None,
                  approval: Any = None, *, calendar: WorkingCalendar | None = None,
                **more: Any) -> Verdict:
    """五（二）、五（三）: may this person sign this document?"""
    return evaluate("signing", _given(document=document, signer=signer, division=division, reviews=reviews,
                                      approval=approval, **more), calendar=calendar)


def check_seal(seal_use: Any = None, *, calendar: WorkingCalendar | None = None,
                **more: Any) -> Verdict:
    """五（三）: may the town government's seal be used on this approval?"""
    return evaluate("seal", _given(seal_use=seal_use, **more), calendar=calendar)


def decision_scope(matter: Any = None, division: Any = None, *, calendar: WorkingCalendar | None = None,
                **more: Any) -> Verdict:
    """三（一）（二）、四（三）: who decides this matter, which procedures it needs, what is missing."""
    return evaluate("decision", _given(matter=matter, division=division, **more), calendar=calendar)


def check_meeting(meeting: Any = None, division: Any = None, *, calendar: WorkingCalendar | None = None,
                **more: Any) -> Verdict:
    """四（三）（四）、附件1: may this mayor's office (or special-topic) meeting convene, and with which items?"""
    return evaluate("meeting", _given(meeting=meeting, division=division, **more), calendar=calendar)


def check_minutes(minutes: Any = None, *, calendar: WorkingCalendar | None = None,
                **more: Any) -> Verdict:
    """四（二）、附件1（四）: were the minutes drafted in time, reviewed and approved?"""
    return evaluate("minutes", _given(minutes=minutes, **more), calendar=calendar)


def classify_disclosure(document: Any = None, *, calendar: WorkingCalendar | None = None,
                **more: Any) -> Verdict:
    """五（四）: exempt, proactive or on-request disclosure."""
    return evaluate("disclosure", _given(document=document, **more), calendar=calendar)


def check_submission(submission: Any = None, division: Any = None, *,
                     calendar: WorkingCalendar | None = None,
                **more: Any) -> Verdict:
    """五（五）（六）: is this request (请示) or report (报告) in order, and where does it go?"""
    return evaluate("submission", _given(submission=submission, division=division, **more), calendar=calendar)


def check_conference(conference: Any = None, *, calendar: WorkingCalendar | None = None,
                **more: Any) -> Verdict:
    """四（一）: may this town-wide conference be held?"""
    return evaluate("conference", _given(conference=conference, **more), calendar=calendar)
