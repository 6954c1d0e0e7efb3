"""govrules: a town government's working rules as executable rules with cited verdicts."""

import importlib as _importlib
import typing as _typing

# The public names are loaded on first use (PEP 562), not at `import govrules`: a caller
# of `evaluate` does not pay for the timeline's dateutil, the calendar's chinese_calendar
# or the YAML parser of rule files it never parses (start-up, docs/performance.md). Each
# name resolves to exactly the object its module defines, so `govrules.X is _module.X`.
_WHERE = {
    "CalendarError": "_errors",
    "Clause": "_catalogue",
    "DecisionLogError": "_log",
    "Finding": "_model",
    "GovrulesError": "_errors",
    "InputError": "_errors",
    "Need": "_model",
    "Pack": "_packs",
    "Person": "_inputs",
    "RulesetError": "_errors",
    "ScheduledMeeting": "_timeline",
    "Timeline": "_timeline",
    "TraceStep": "_model",
    "Verdict": "_model",
    "WorkingCalendar": "_calendar",
    "check_conference": "_facade",
    "check_meeting": "_facade",
    "check_minutes": "_facade",
    "check_seal": "_facade",
    "check_signing": "_facade",
    "check_submission": "_facade",
    "classify_disclosure": "_facade",
    "clause": "_catalogue",
    "clauses": "_catalogue",
    "configure": "_log",
    "decision_scope": "_facade",
    "evaluate": "_facade",
    "meeting_schedule": "_timeline",
    "meeting_timeline": "_timeline",
    "schema": "_schema",
}

__all__ = [
    "CalendarError",
    "Clause",
    "DecisionLogError",
    "Finding",
    "GovrulesError",
    "InputError",
    "Need",
    "Pack",
    "Person",
    "RulesetError",
    "ScheduledMeeting",
    "Timeline",
    "TraceStep",
    "Verdict",
    "WorkingCalendar",
    "check_conference",
    "check_meeting",
    "check_minutes",
    "check_seal",
    "check_signing",
    "check_submission",
    "classify_disclosure",
    "clause",
    "clauses",
    "configure",
    "decision_scope",
    "evaluate",
    "meeting_schedule",
    "meeting_timeline",
    "schema",
]


def __getattr__(name: str) -> _typing.Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups are plain module attributes
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if _typing.TYPE_CHECKING:  # what type checkers and IDEs see: the same names, imported eagerly
    from ._calendar import WorkingCalendar
    from ._catalogue import Clause, clause, clauses
    from ._errors import CalendarError, GovrulesError, InputError, RulesetError
    from ._facade import (
        check_conference,
        check_meeting,
        check_minutes,
        check_seal,
        check_signing,
        check_submission,
        classify_disclosure,
        decision_scope,
        evaluate,
    )
    from ._inputs import Person
    from ._log import DecisionLogError, configure
    from ._model import Finding, Need, TraceStep, Verdict
    from ._packs import Pack
    from ._schema import schema
    from ._timeline import ScheduledMeeting, Timeline, meeting_schedule, meeting_timeline
